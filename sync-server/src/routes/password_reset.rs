//! Password reset by email (DESIGN §5 "Passwords", issue 17 §4):
//!
//! - `POST /users/password-reset {email}` → 202, always, at once: the lookup and the email
//!   happen after the answer, so an unknown email takes the same time as a known one and the
//!   answer says nothing of which. A known account with a password gets a message (plain text
//!   and HTML, over SMTP) with a link holding a single-use token valid 30 minutes, stored
//!   hashed. At most 3 messages per account per hour; 10 requests per client address per hour
//!   (then 429).
//! - `POST /users/password-reset/confirm {token, new_password}` → 204: the password set, every
//!   session of the account revoked, the account's other reset tokens spent. A token unknown,
//!   used or expired is 422 on `token`.

use axum::extract::State;
use axum::http::StatusCode;
use lifepath_core::models::{normalize_email, validate_email, validate_password};
use lifepath_core::validate::Validator;
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::audit::AuditEvent;
use crate::auth::{self, new_refresh_token};
use crate::crypto::token_hash;
use crate::error::{ApiError, Result};
use crate::extract::{ApiJson, ClientIp};
use crate::mail::escape;
use crate::repo::{entity, micros};
use crate::state::AppState;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request))
        .routes(routes!(confirm))
}

/// A reset token's lifetime (µs): 30 minutes.
const TOKEN_TTL_US: i64 = 30 * 60 * 1_000_000;

/// `{email}`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResetRequest {
    /// The account's email.
    pub email: String,
}

/// `{token, new_password}`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResetConfirm {
    /// The token of the emailed link.
    pub token: String,
    /// The new password, 8 to 1024 bytes.
    pub new_password: String,
}

impl std::fmt::Debug for ResetConfirm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResetConfirm { <redacted> }")
    }
}

#[utoipa::path(
    post,
    path = "/users/password-reset",
    tag = "users",
    summary = "Ask for a password reset email (202 whether or not the email has an account)",
    request_body = ResetRequest,
    responses((status = 202, description = "Accepted: a message is on its way if the email has an account")),
)]
async fn request(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<ResetRequest>,
) -> Result<StatusCode> {
    let mut v = Validator::default();
    validate_email(&mut v, "email".into(), input.email.trim());
    v.finish()?;
    let now = micros(chrono::Utc::now());
    auth::reserve_reset_request(&s, &ip, now).await?;
    let email = input.email.trim().to_owned();
    // After the answer: the same time for every email.
    tokio::spawn(async move {
        if let Err(e) = send_reset(&s, &email, &ip, now).await {
            tracing::warn!(error = %e, "a password reset email was not sent");
        }
    });
    Ok(StatusCode::ACCEPTED)
}

async fn send_reset(s: &AppState, email: &str, ip: &str, now: i64) -> Result<(), String> {
    let hash = s.crypto.email_hash(&normalize_email(email));
    let Some(a) = s
        .store
        .account_by_email(&hash)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(());
    };
    // An account made by a sign-in provider has no password to reset.
    if a.password_hash.is_empty() {
        return Ok(());
    }
    if auth::reserve_reset_email(s, &hash, now).await.is_err() {
        return Ok(());
    }
    let user: lifepath_core::UserId = a.id.parse().map_err(|e| format!("{e}"))?;
    // The account's own address, as it was registered (not as typed in the request).
    let account_user: lifepath_core::models::User = s
        .open_sealed(&a.id, entity::USER, &a.id, &a.sealed)
        .map_err(|e| e.to_string())?;
    let to = account_user.email.unwrap_or_else(|| email.to_owned());
    let token = new_refresh_token().map_err(|e| e.to_string())?;
    s.store
        .insert_password_reset(&token_hash(&token), user, now + TOKEN_TTL_US, now)
        .await
        .map_err(|e| e.to_string())?;
    s.store
        .audit(
            &AuditEvent::new("user.password_reset_requested")
                .user(&a.id)
                .record(entity::USER, &a.id)
                .ip(ip)
                .details(json!({"email_sent": s.mailer.configured()}))
                .row(),
        )
        .await
        .map_err(|e| e.to_string())?;
    let base = match (&s.config.password_reset_url, &s.config.public_url) {
        (Some(u), _) => u.clone(),
        (None, Some(p)) => format!("{p}/#/reset-password"),
        (None, None) => format!("http://{}/#/reset-password", s.config.bind),
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    let link = format!("{base}{sep}token={token}");
    let text = format!(
        "Someone (we hope you) asked to reset the password of your lifepath account.\n\n\
         Choose a new password here (the link works once, for 30 minutes):\n{link}\n\n\
         If it was not you, ignore this message: your password stays as it is."
    );
    let html = format!(
        "<p>Someone (we hope you) asked to reset the password of your lifepath account.</p>\
         <p><a href=\"{l}\">Choose a new password</a> (the link works once, for 30 minutes).</p>\
         <p>If it was not you, ignore this message: your password stays as it is.</p>",
        l = escape(&link)
    );
    s.mailer
        .send(&to, "Reset your lifepath password", text, html)
        .await
}

#[utoipa::path(
    post,
    path = "/users/password-reset/confirm",
    tag = "users",
    summary = "Set a new password with the emailed token (every session revoked)",
    request_body = ResetConfirm,
    responses((status = 204, description = "The password is set")),
)]
async fn confirm(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<ResetConfirm>,
) -> Result<StatusCode> {
    let mut v = Validator::default();
    if input.token.is_empty() || input.token.len() > 256 {
        v.push(String::from("token"), "is not a reset token");
    }
    validate_password(&mut v, "new_password".into(), &input.new_password);
    v.finish()?;
    let now = micros(chrono::Utc::now());
    auth::reserve_reset_request(&s, &ip, now).await?;
    let hash = s.passwords.hash(input.new_password.clone()).await?;
    let user = s
        .store
        .consume_password_reset(&token_hash(&input.token), now)
        .await?
        .ok_or_else(|| {
            ApiError::invalid("token", "is unknown, used or expired: ask for a new link")
        })?;
    // The rules that depend on the account (not the email address itself, not a common one).
    if let Some(a) = s.store.account(user).await? {
        let u: lifepath_core::models::User =
            s.open_sealed(&a.id, entity::USER, &a.id, &a.sealed)?;
        let mut v = Validator::default();
        lifepath_core::models::check_password_choice(
            &mut v,
            "new_password".into(),
            &input.new_password,
            u.email.as_deref().unwrap_or_default(),
        );
        v.finish()?;
    }
    let ev = AuditEvent::new("user.password_reset")
        .user(user)
        .record(entity::USER, user)
        .ip(&ip)
        .details(json!({"sessions_revoked": true}))
        .row();
    if !s.store.revoke_tokens(user, now, Some(&hash), &ev).await? {
        return Err(ApiError::invalid(
            "token",
            "is unknown, used or expired: ask for a new link",
        ));
    }
    s.revocations.forget(&user);
    Ok(StatusCode::NO_CONTENT)
}
