-- What must be unique among a user's live records of one kind (a transaction's fingerprint,
-- issue 15), as a blind index: HMAC-SHA256 under the server's index key, never the value.
alter table record add column unique_key text;
create unique index record_unique_key on record (user_id, entity, unique_key)
    where deleted_at is null and unique_key is not null;
