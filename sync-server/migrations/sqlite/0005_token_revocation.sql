-- Access tokens issued before this instant (µs since the epoch) are refused: set when the
-- account's password changes and by `POST /users/logout-all`. Checked on every request through
-- a short-lived cache (see src/revocation.rs).
alter table account add column tokens_valid_after bigint not null default 0;
