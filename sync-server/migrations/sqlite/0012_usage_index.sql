-- The success metrics (issue 21) read the audit trail by action and time.
create index audit_event_action_idx on audit_event (action, created_at);
