-- Bytes of record payloads each user stores (what LIFEPATH_USER_QUOTA_MB limits and
-- GET /users/me reports), kept up to date by every write in its own transaction.
alter table account add column stored_bytes bigint not null default 0;
update account set stored_bytes = coalesce(
    (select sum(length(data)) from record
     where record.user_id = account.id and record.deleted_at is null), 0);
