-- The single-use code a browser brings back from an OpenID sign-in (DESIGN §5 "Identity"):
-- `?login_code=` in the redirect to the app, exchanged within 60 s at
-- `POST /auth/oidc/exchange` for the login response, so tokens never travel in a URL. Stored
-- hashed (sha256), like refresh tokens.
create table login_code (
    code_hash text not null,
    user_id text not null,
    expires_at bigint not null,
    used_at bigint,
    constraint login_code_pkey primary key (code_hash)
);
create index login_code_expiry_idx on login_code (expires_at);
