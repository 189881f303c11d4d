-- Accounts, records (every synced entity, encrypted), refresh tokens, audit events and the
-- login rate limiter. Amounts, budgets and free text live only inside `data` (AES-256-GCM);
-- ids, periods, versions, statuses and timestamps stay plain. Timestamps are microseconds
-- since the Unix epoch (UTC).

create table account (
    id text not null,
    email_hash text not null,
    password_hash text not null,
    retention_months bigint,
    key_id text not null,
    nonce BYTEA not null,
    data BYTEA not null,
    version bigint not null,
    change_seq bigint not null default 0,
    created_at bigint not null,
    updated_at bigint not null,
    constraint account_pkey primary key (id),
    constraint account_email_hash_key unique (email_hash)
);

-- One row per synced record; the pull feed of sync reads it in change_seq order.
create table record (
    user_id text not null,
    entity text not null,
    id text not null,
    parent_id text not null default '',
    sort_key bigint not null,
    period bigint,
    status text,
    version bigint not null,
    change_seq bigint not null,
    deleted_at bigint,
    key_id text,
    nonce BYTEA,
    data BYTEA,
    created_at bigint not null,
    updated_at bigint not null,
    constraint record_pkey primary key (user_id, entity, id)
);
create index record_list_idx on record (user_id, entity, parent_id, sort_key);
create index record_change_idx on record (user_id, change_seq);
create unique index record_period_key on record (user_id, entity, parent_id, period)
    where deleted_at is null and period is not null;

create table refresh_token (
    token_hash text not null,
    user_id text not null,
    family_id text not null,
    expires_at bigint not null,
    used_at bigint,
    revoked_at bigint,
    created_at bigint not null,
    constraint refresh_token_pkey primary key (token_hash)
);
create index refresh_token_family_idx on refresh_token (family_id);
create index refresh_token_user_idx on refresh_token (user_id);

create table audit_event (
    id text not null,
    user_id text,
    action text not null,
    entity text,
    entity_id text,
    source_ip text,
    details text not null,
    created_at bigint not null,
    constraint audit_event_pkey primary key (id)
);
create index audit_event_user_idx on audit_event (user_id, created_at);
create index audit_event_time_idx on audit_event (created_at);

-- Login attempts for the rate limiter (shared by every instance on one database).
create table rate_event (
    key text not null,
    at bigint not null
);
create index rate_event_idx on rate_event (key, at);
