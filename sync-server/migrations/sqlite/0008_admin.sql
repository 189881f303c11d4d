-- Admin and support (DESIGN §5 "Admin"): the role is granted only from the command line
-- (`lifepath-server admin grant EMAIL`); a disabled account is refused on every route (401
-- `account_disabled`); the last sign-in is shown to support (never a name, note or amount).
alter table account add column role text;
alter table account add column disabled_at bigint;
alter table account add column last_sign_in_at bigint;
