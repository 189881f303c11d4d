-- The alerts' transactional outbox (issue 16): one row per insight and channel, written in the
-- same transaction as the insight, so none is lost and none is sent twice after a crash. A
-- worker claims due rows for a lease (`claimed_until`), delivers, then marks them delivered,
-- due again later (`next_attempt_at`, exponential backoff) or dead. No amount or text here:
-- the insight and the endpoint stay sealed in `record`.
create table outbox (
    id text not null,
    user_id text not null,
    insight_id text not null,
    channel text not null,
    attempts bigint not null default 0,
    next_attempt_at bigint not null,
    claimed_until bigint,
    delivered_at bigint,
    dead_at bigint,
    last_error text,
    created_at bigint not null,
    constraint outbox_pkey primary key (id)
);
create index outbox_due_idx on outbox (next_attempt_at) where delivered_at is null and dead_at is null;
create index outbox_user_idx on outbox (user_id);
