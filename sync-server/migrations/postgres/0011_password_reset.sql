-- Password reset by email (DESIGN §5 "Passwords"): a single-use token, valid 30 minutes,
-- stored hashed (sha256); using one spends every other of the account.
create table password_reset (
    token_hash text not null,
    user_id text not null,
    expires_at bigint not null,
    used_at bigint,
    created_at bigint not null,
    constraint password_reset_pkey primary key (token_hash)
);
create index password_reset_user_idx on password_reset (user_id);
