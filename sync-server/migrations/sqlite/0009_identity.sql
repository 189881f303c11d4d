-- Sign-in identities (DESIGN §5 "Identity"): an (issuer, subject) pair — an OpenID provider's
-- user, or a host app's token subject — bound to one account. The identity's email is sealed
-- like every free text. When the account is deleted the row stays, unbound (`user_id` null,
-- `deleted_at` set, nothing sealed), so a token issued before the deletion is refused rather
-- than silently making a new account.
create table identity (
    id text not null,
    user_id text,
    provider text not null,
    issuer text not null,
    subject text not null,
    key_id text,
    nonce blob,
    data blob,
    created_at bigint not null,
    last_used_at bigint,
    deleted_at bigint,
    constraint identity_pkey primary key (id),
    constraint identity_issuer_subject_key unique (issuer, subject)
);
create index identity_user_idx on identity (user_id);
