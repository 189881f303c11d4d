-- The feed position (change_seq, entity, id) of the last tombstone purged from each user's sync
-- feed. A pull from a cursor before it may have missed a deletion: it answers 410
-- cursor_expired, and the device pulls again from the beginning.
alter table account add column purged_seq bigint not null default 0;
alter table account add column purged_entity text not null default '';
alter table account add column purged_id text not null default '';
