-- The sync feed reads in (change_seq, entity, id) order after a cursor: an index in exactly
-- that order lets a page stream from the index instead of sorting the user's changes.
drop index record_change_idx;
create index record_feed_idx on record (user_id, change_seq, entity, id);
