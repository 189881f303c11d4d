-- The pair a rotation answered, sealed (AES-256-GCM under the server key, the owner and the old
-- token's hash as associated data), so that the same rotated token presented again within the
-- reuse interval (two tabs refreshing at once) answers the same pair. Cleared once the interval
-- is over.
alter table refresh_token add column successor_key_id text;
alter table refresh_token add column successor_nonce blob;
alter table refresh_token add column successor_data blob;
