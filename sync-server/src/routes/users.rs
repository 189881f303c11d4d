//! Accounts: register, login, refresh, logout, the profile, export and deletion.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use lifepath_core::UserId;
use lifepath_core::models::{
    LoginInput, PasswordChangeInput, RegisterInput, User, UserPatch, normalize_email,
};
use lifepath_core::validate::Validate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::audit::AuditEvent;
use crate::auth::{self, AuthUser};
use crate::crypto::token_hash;
use crate::error::{ApiError, Result};
use crate::extract::{ApiJson, ClientIp, IfMatch, JsonValue, parse_value};
use crate::repo::{self, entity, micros};
use crate::state::AppState;
use axum::response::Response;

use super::session_cookie::TokenMode;
use crate::store::{AccountGate, AccountRow, RefreshOutcome, RefreshRow, Sealed, StoreError};

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(logout_all))
        .routes(routes!(change_password))
        .routes(routes!(me, patch_me, delete_me))
        .routes(routes!(super::export::export))
}

/// Tokens and the user, after register, login and refresh.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuthResponse {
    /// The account.
    pub user: User,
    /// Access JWT.
    pub access_token: String,
    /// Opaque refresh token (absent in cookie mode, where it is an `HttpOnly` cookie).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Access token lifetime in seconds.
    pub expires_in: i64,
    /// Refresh token lifetime in seconds (not in the body: the cookie's `Max-Age`).
    #[serde(skip)]
    pub refresh_expires_in: i64,
}

/// `{refresh_token}`; in cookie mode the body may be `{}`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct RefreshInput {
    /// The token.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

pub(crate) fn account_row(
    s: &AppState,
    user: &User,
    email_hash: String,
    password_hash: String,
    version: i64,
) -> Result<AccountRow> {
    let id = user.id.to_string();
    Ok(AccountRow {
        sealed: s.seal(&id, entity::USER, &id, user)?,
        id,
        email_hash,
        password_hash,
        retention_months: user.retention_months.map(i64::from),
        version,
        created_at: micros(user.created_at),
        updated_at: micros(user.updated_at),
    })
}

pub(crate) async fn issue(s: &AppState, user: User) -> Result<AuthResponse> {
    let now = chrono::Utc::now();
    let access = s.tokens.issue(&user.id, micros(now))?;
    let refresh = auth::new_refresh_token()?;
    s.store
        .insert_refresh(&RefreshRow {
            token_hash: token_hash(&refresh),
            user_id: user.id.to_string(),
            family_id: uuid::Uuid::now_v7().to_string(),
            expires_at: micros(now) + s.config.refresh_ttl_secs * 1_000_000,
            created_at: micros(now),
        })
        .await?;
    Ok(AuthResponse {
        user,
        access_token: access,
        refresh_token: Some(refresh),
        token_type: "Bearer",
        expires_in: s.tokens.ttl(),
        refresh_expires_in: s.config.refresh_ttl_secs,
    })
}

#[utoipa::path(
    post,
    path = "/users",
    tag = "users",
    summary = "Register",
    request_body = RegisterInput,
    responses((status = 201, description = "Created", body = AuthResponse)),
)]
async fn register(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    mode: TokenMode,
    ApiJson(input): ApiJson<RegisterInput>,
) -> Result<Response> {
    let now = repo::now();
    let user = input.to_user(UserId(uuid::Uuid::now_v7()), now)?;
    auth::reserve_registration(&s, &ip, micros(now)).await?;
    let hash = s.passwords.hash(input.password.clone()).await?;
    let email_hash = s.crypto.email_hash(&normalize_email(&input.email));
    let row = account_row(&s, &user, email_hash, hash, 1)?;
    let id = user.id.to_string();
    let ev = AuditEvent::new("user.register")
        .user(&id)
        .record(entity::USER, &id)
        .ip(&ip)
        .row();
    // A taken email is 409 `email_taken` (the unique constraint, by name).
    s.store.create_account(&row, &ev).await?;
    s.store.touch_sign_in(user.id, row.created_at).await?;
    Ok(mode.respond(StatusCode::CREATED, issue(&s, user).await?))
}

#[utoipa::path(
    post,
    path = "/users/login",
    tag = "users",
    summary = "Log in",
    request_body = LoginInput,
    responses((status = 200, description = "OK", body = AuthResponse)),
)]
async fn login(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    mode: TokenMode,
    ApiJson(input): ApiJson<LoginInput>,
) -> Result<Response> {
    input.validate()?;
    let now_us = micros(chrono::Utc::now());
    let email_hash = s.crypto.email_hash(&normalize_email(&input.email));
    let reservation = match auth::reserve_login(&s, &ip, &email_hash, now_us).await {
        Ok(r) => r,
        Err(e) => {
            if matches!(e, ApiError::RateLimited { .. }) {
                s.store
                    .audit(&AuditEvent::new("user.login_rate_limited").ip(&ip).row())
                    .await?;
            }
            return Err(e);
        }
    };
    let account = s.store.account_by_email(&email_hash).await?;
    // An account made by a sign-in provider has no password: checked against the dummy hash
    // (the same time as any other failure) and refused.
    let hash = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .filter(|h| !h.is_empty());
    let has_password = hash.is_some();
    let ok = s.passwords.verify(input.password.clone(), hash).await? && has_password;
    let user_id = account.as_ref().map(|a| a.id.clone());
    match (ok, account) {
        (true, Some(a)) => {
            reservation.succeeded(&s).await?;
            let id: UserId = a.id.parse().map_err(ApiError::internal)?;
            // The right password of a disabled account: refused, and told why.
            if s.store.account_gate(id).await?.is_some_and(|g| g.disabled) {
                s.store
                    .audit(
                        &AuditEvent::new("user.login_refused")
                            .user(&a.id)
                            .ip(&ip)
                            .details(json!({"reason": "account_disabled"}))
                            .row(),
                    )
                    .await?;
                return Err(ApiError::AccountDisabled);
            }
            s.store.touch_sign_in(id, now_us).await?;
            s.store
                .audit(
                    &AuditEvent::new("user.login")
                        .user(&a.id)
                        .record(entity::USER, &a.id)
                        .ip(&ip)
                        .details(json!({"success": true}))
                        .row(),
                )
                .await?;
            let user: User = s.open_sealed(&a.id, entity::USER, &a.id, &a.sealed)?;
            Ok(mode.respond(StatusCode::OK, issue(&s, user).await?))
        }
        _ => {
            // The reservation stays: it is the failure.
            s.store
                .audit(
                    &AuditEvent::new("user.login_failed")
                        .maybe_user(user_id.as_deref())
                        .entity(entity::USER)
                        .maybe_id(user_id.as_deref())
                        .ip(&ip)
                        .details(json!({"success": false}))
                        .row(),
                )
                .await?;
            Err(ApiError::Unauthorized("wrong email or password"))
        }
    }
}

/// The sealed answer of a rotation (kept with the rotated token for the reuse interval).
#[derive(serde::Serialize, serde::Deserialize)]
struct RotatedPair {
    access_token: String,
    refresh_token: String,
}

/// The associated-data entity of a sealed [`RotatedPair`].
const REFRESH_SUCCESSOR: &str = "refresh_successor";

#[utoipa::path(
    post,
    path = "/users/refresh",
    tag = "users",
    summary = "Rotate a refresh token",
    request_body = RefreshInput,
    responses((status = 200, description = "OK", body = AuthResponse)),
)]
async fn refresh(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    mode: TokenMode,
    ApiJson(input): ApiJson<RefreshInput>,
) -> Result<Response> {
    let old_token = mode.refresh_token(input.refresh_token)?;
    let now = chrono::Utc::now();
    let new_token = auth::new_refresh_token()?;
    let new_row = RefreshRow {
        token_hash: token_hash(&new_token),
        user_id: String::new(),
        family_id: String::new(),
        expires_at: micros(now) + s.config.refresh_ttl_secs * 1_000_000,
        created_at: micros(now),
    };
    let old_hash = token_hash(&old_token);
    // The answer of this rotation, sealed with the old token (its owner and hash as associated
    // data): the same token presented again within the reuse interval answers the same pair.
    let issued = std::sync::Mutex::new(None::<RotatedPair>);
    let seal = |user_id: UserId| -> std::result::Result<Sealed, StoreError> {
        let access = s
            .tokens
            .issue(&user_id, micros(now))
            .map_err(|e| StoreError::db(e.to_string()))?;
        let pair = RotatedPair {
            access_token: access,
            refresh_token: new_token.clone(),
        };
        let sealed = s
            .seal(&user_id.to_string(), REFRESH_SUCCESSOR, &old_hash, &pair)
            .map_err(|e| StoreError::db(e.to_string()))?;
        *issued.lock().unwrap_or_else(|p| p.into_inner()) = Some(pair);
        Ok(sealed)
    };
    let outcome = s
        .store
        .rotate_refresh(
            &old_hash,
            &new_row,
            micros(now),
            s.config.refresh_reuse_ms * 1_000,
            &seal,
        )
        .await?;
    match outcome {
        RefreshOutcome::Rotated { user_id } | RefreshOutcome::Replayed { user_id, .. } => {
            let pair: RotatedPair = match &outcome {
                RefreshOutcome::Replayed { sealed, .. } => {
                    s.open_sealed(&user_id.to_string(), REFRESH_SUCCESSOR, &old_hash, sealed)?
                }
                // Rotated now: the pair the closure issued and sealed.
                _ => issued
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .take()
                    .ok_or_else(|| ApiError::internal("a rotation without its pair"))?,
            };
            let a = s
                .store
                .account(user_id)
                .await?
                .ok_or(ApiError::Unauthorized(
                    "the refresh token is invalid, expired or revoked",
                ))?;
            let user: User = s.open_sealed(&a.id, entity::USER, &a.id, &a.sealed)?;
            Ok(mode.respond(
                StatusCode::OK,
                AuthResponse {
                    user,
                    access_token: pair.access_token,
                    refresh_token: Some(pair.refresh_token),
                    token_type: "Bearer",
                    expires_in: s.tokens.ttl(),
                    refresh_expires_in: s.config.refresh_ttl_secs,
                },
            ))
        }
        RefreshOutcome::Reused { user_id } => {
            s.store
                .audit(
                    &AuditEvent::new("token.reuse_detected")
                        .maybe_user(user_id.map(|u| u.to_string()).as_deref())
                        .ip(&ip)
                        .details(json!({"family_revoked": true}))
                        .row(),
                )
                .await?;
            Err(ApiError::Unauthorized(
                "the refresh token was already used; its sessions are revoked",
            ))
        }
        RefreshOutcome::Invalid { user_id } => {
            // A known token refused (expired or revoked) is the account's own event; an
            // unknown one names no account, and is not recorded (anyone can send garbage).
            if let Some(u) = user_id {
                s.store
                    .audit(
                        &AuditEvent::new("token.refresh_refused")
                            .user(u)
                            .ip(&ip)
                            .details(json!({"reason": "expired_or_revoked"}))
                            .row(),
                    )
                    .await?;
            }
            Err(ApiError::Unauthorized(
                "the refresh token is invalid, expired or revoked",
            ))
        }
    }
}

#[utoipa::path(
    post,
    path = "/users/logout",
    tag = "users",
    summary = "Revoke a refresh token family",
    request_body = RefreshInput,
    responses((status = 204, description = "No content")),
)]
async fn logout(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    mode: TokenMode,
    ApiJson(input): ApiJson<RefreshInput>,
) -> Result<Response> {
    let now = micros(chrono::Utc::now());
    let Ok(token) = mode.refresh_token(input.refresh_token) else {
        return Ok(mode.logged_out());
    };
    if let Some(user) = s
        .store
        .revoke_refresh_family(&token_hash(&token), now)
        .await?
    {
        s.store
            .audit(
                &AuditEvent::new("user.logout")
                    .user(user)
                    .record(entity::USER, user)
                    .ip(&ip)
                    .row(),
            )
            .await?;
    }
    Ok(mode.logged_out())
}

/// Ends every session of the account: every refresh token is revoked and every access token
/// issued until now is refused (this one included).
#[utoipa::path(
    post,
    path = "/users/logout-all",
    tag = "users",
    summary = "End every session: revoke every refresh token and refuse every access token issued until now",
    responses((status = 204, description = "No content")),
    security(("bearer" = [])),
)]
async fn logout_all(
    State(s): State<AppState>,
    me: AuthUser,
    ClientIp(ip): ClientIp,
) -> Result<StatusCode> {
    let now = micros(chrono::Utc::now());
    let key = me.key();
    let ev = AuditEvent::new("user.logout_all")
        .user(&key)
        .record(entity::USER, &key)
        .ip(&ip)
        .row();
    if !s.store.revoke_tokens(me.0, now, None, &ev).await? {
        return Err(ApiError::Unauthorized(crate::error::REVOKED));
    }
    s.revocations.remember(
        me.0,
        Some(AccountGate {
            tokens_valid_after: now,
            disabled: false,
        }),
    );
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /users/me/password {current_password, new_password}`: checks the current password
/// (a wrong one counts toward the login limit of the account), sets the new one, ends every
/// other session, and answers a fresh token pair for this one.
#[utoipa::path(
    post,
    path = "/users/me/password",
    tag = "users",
    summary = "Change the password (proven by the current one); ends the other sessions and answers a new token pair",
    request_body = PasswordChangeInput,
    responses((status = 200, description = "OK", body = AuthResponse)),
    security(("bearer" = [])),
)]
async fn change_password(
    State(s): State<AppState>,
    me: AuthUser,
    ClientIp(ip): ClientIp,
    mode: TokenMode,
    ApiJson(input): ApiJson<PasswordChangeInput>,
) -> Result<Response> {
    input.validate()?;
    let (user, a) = load_me(&s, &me).await?;
    let mut v = lifepath_core::validate::Validator::default();
    lifepath_core::models::check_password_choice(
        &mut v,
        "new_password".into(),
        &input.new_password,
        user.email.as_deref().unwrap_or_default(),
    );
    v.finish()?;
    let now_us = micros(chrono::Utc::now());
    let reservation = auth::reserve_login(&s, &ip, &a.email_hash, now_us).await?;
    let ok = s
        .passwords
        .verify(
            input.current_password.clone(),
            Some(a.password_hash.clone()),
        )
        .await?;
    if !ok {
        return Err(lifepath_core::Error::invalid(
            "current_password",
            "is not the account's password",
        )
        .into());
    }
    reservation.succeeded(&s).await?;
    let hash = s.passwords.hash(input.new_password.clone()).await?;
    let key = me.key();
    let ev = AuditEvent::new("user.password_change")
        .user(&key)
        .record(entity::USER, &key)
        .ip(&ip)
        .row();
    let now_us = micros(chrono::Utc::now());
    if !s
        .store
        .revoke_tokens(me.0, now_us, Some(&hash), &ev)
        .await?
    {
        return Err(ApiError::Unauthorized(crate::error::REVOKED));
    }
    s.revocations.remember(
        me.0,
        Some(AccountGate {
            tokens_valid_after: now_us,
            disabled: false,
        }),
    );
    Ok(mode.respond(StatusCode::OK, issue(&s, user).await?))
}

pub(crate) async fn load_me(s: &AppState, me: &AuthUser) -> Result<(User, AccountRow)> {
    let a = s.store.account(me.0).await?.ok_or(ApiError::NotFound)?;
    let user: User = s.open_sealed(&a.id, entity::USER, &a.id, &a.sealed)?;
    Ok((user, a))
}

/// `GET /users/me`: the account and what it stores against its quota.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct MeOut {
    #[serde(flatten)]
    user: User,
    storage: Storage,
}

/// Bytes stored and the quota (`null`: none).
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Storage {
    used_bytes: i64,
    quota_bytes: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/users/me",
    tag = "users",
    summary = "The account",
    responses((status = 200, description = "OK", body = MeOut)),
    security(("bearer" = [])),
)]
async fn me(State(s): State<AppState>, me: AuthUser) -> Result<repo::Tagged<MeOut>> {
    let (user, a) = load_me(&s, &me).await?;
    let used_bytes = s.store.stored_bytes(me.0).await?;
    let quota = s.config.user_quota_bytes;
    Ok(repo::tagged(
        a.version,
        MeOut {
            user,
            storage: Storage {
                used_bytes,
                quota_bytes: (quota > 0).then_some(quota),
            },
        },
    ))
}

#[utoipa::path(
    patch,
    path = "/users/me",
    tag = "users",
    summary = "Change the profile",
    request_body = UserPatch,
    responses((status = 200, description = "OK", body = User)),
    security(("bearer" = [])),
)]
async fn patch_me(
    State(s): State<AppState>,
    me: AuthUser,
    ClientIp(ip): ClientIp,
    IfMatch(if_match): IfMatch,
    JsonValue(body): JsonValue,
) -> Result<Json<User>> {
    let patch: UserPatch = parse_value(body)?;
    let (user, a) = load_me(&s, &me).await?;
    if let Some(v) = if_match
        && v != a.version
    {
        return Err(ApiError::Conflict {
            expected: v,
            current: Box::new(serde_json::to_value(&user).map_err(ApiError::internal)?),
        });
    }
    let next = user.apply_patch(&patch, repo::now())?;
    let row = account_row(
        &s,
        &next,
        a.email_hash.clone(),
        a.password_hash.clone(),
        a.version + 1,
    )?;
    let key = me.key();
    let ev = AuditEvent::new("user.update")
        .user(&key)
        .record(entity::USER, &key)
        .ip(&ip)
        .details(json!({"version": a.version + 1}))
        .row();
    match s.store.update_account(me.0, a.version, &row, &ev).await {
        Ok(()) => Ok(Json(next)),
        Err(StoreError::Conflict) => {
            let (current, _) = load_me(&s, &me).await?;
            Err(ApiError::Conflict {
                expected: a.version,
                current: Box::new(serde_json::to_value(&current).map_err(ApiError::internal)?),
            })
        }
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(
    delete,
    path = "/users/me",
    tag = "users",
    summary = "Delete the account and everything of it",
    responses((status = 204, description = "No content")),
    security(("bearer" = [])),
)]
async fn delete_me(
    State(s): State<AppState>,
    me: AuthUser,
    ClientIp(ip): ClientIp,
) -> Result<StatusCode> {
    if !s.store.delete_account(me.0).await? {
        return Err(ApiError::NotFound);
    }
    // Its tokens stop working here at once (other instances: see `revocation`).
    s.revocations.remember(me.0, None);
    if let Some(external) = &s.external {
        external.forget_user(me.0);
    }
    // The event keeps no user id: nothing of the user remains.
    s.store
        .audit(
            &AuditEvent::new("user.delete")
                .entity(entity::USER)
                .ip(&ip)
                .row(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
