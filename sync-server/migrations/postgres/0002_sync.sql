-- The first result of every sync push mutation, by op_id, so a replayed push returns it and
-- changes nothing (DESIGN §4). Written in the same transaction as the change it records.
create table sync_op (
    user_id text not null,
    op_id text not null,
    result text not null,
    created_at bigint not null,
    constraint sync_op_pkey primary key (user_id, op_id)
);
