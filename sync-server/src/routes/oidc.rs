//! OpenID Connect sign-in (DESIGN §5 "Identity", issue 17 §1):
//!
//! - `GET /auth/oidc/providers`: the names offered (for "Sign in with …" buttons);
//! - `GET /auth/oidc/{provider}/start[?login_hint=]`: 302 to the provider (code flow, PKCE S256,
//!   `state`, `nonce`), with `state`, `nonce` and the PKCE verifier sealed (AES-256-GCM) in a
//!   ten-minute `HttpOnly` cookie bound to the callback's path — `SameSite=Lax`, or, for a
//!   provider answering by `form_post` (Apple), `SameSite=None; Secure`, since a cross-site POST
//!   carries no Lax cookie;
//! - `GET|POST /auth/oidc/{provider}/callback`: without that cookie, or with another `state`,
//!   400 (login CSRF); the code exchanged, the ID token checked, the identity's account found,
//!   joined by a verified email or made ([`crate::identity`]). When `Accept` prefers JSON over
//!   HTML, the login response; otherwise 302 to the app (`LIFEPATH_OIDC_APP_REDIRECT`) with a
//!   single-use `login_code` valid 60 s (or `login_error=<code>`);
//! - `POST /auth/oidc/exchange {code}`: that code for the login response (cookie mode too) —
//!   tokens never travel in a URL.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::session_cookie::{TokenMode, cookie_named, is_loopback};
use super::users::{AuthResponse, issue};
use crate::audit::AuditEvent;
use crate::auth::oidc::{OidcError, Pending};
use crate::crypto::token_hash;
use crate::error::{ApiError, Result};
use crate::extract::{ApiJson, ApiQuery, ClientIp};
use crate::identity::{SignIn, account_for};
use crate::repo::{entity, micros};
use crate::state::AppState;
use crate::store::Sealed;
use lifepath_core::models::User;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(providers))
        .routes(routes!(start))
        .routes(routes!(callback_get, callback_post))
        .routes(routes!(exchange))
}

/// The state cookie's name.
const COOKIE: &str = "lifepath_oidc";
/// The state cookie's lifetime (s).
const STATE_TTL_SECS: i64 = 600;
/// A login code's lifetime (µs).
const LOGIN_CODE_TTL_US: i64 = 60_000_000;
/// The associated-data entity of the sealed state.
const STATE_ENTITY: &str = "oidc_state";

/// The providers offered.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProvidersOut {
    /// One per configured provider, by name.
    pub items: Vec<ProviderOut>,
}

/// One provider.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProviderOut {
    /// Its name in the routes (`google`, `apple`, …).
    pub name: String,
    /// Where a browser starts signing in with it.
    pub start_url: String,
}

/// `{provider}`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
struct ProviderPath {
    /// A configured provider's name.
    provider: String,
}

/// `?login_hint=`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct StartQuery {
    /// Passed to the provider (the email to sign in with).
    #[param(max_length = 320)]
    login_hint: Option<String>,
}

/// What the provider sends back (query or `form_post`).
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct CallbackParams {
    /// The authorization code.
    code: Option<String>,
    /// The `state` sent.
    state: Option<String>,
    /// The provider's error (`access_denied`, …).
    error: Option<String>,
}

/// `{code}` of `POST /auth/oidc/exchange`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ExchangeInput {
    /// The `login_code` of the redirect.
    pub code: String,
}

/// What the state cookie seals.
#[derive(Serialize, Deserialize)]
struct StateCookie {
    /// Provider.
    p: String,
    /// State.
    s: String,
    /// Nonce.
    n: String,
    /// PKCE verifier.
    v: String,
    /// Expiry (unix s).
    e: i64,
}

fn provider<'a>(s: &'a AppState, name: &str) -> Result<&'a crate::config::OidcProvider> {
    s.oidc.get(name).ok_or(ApiError::NotFound)
}

fn unavailable(e: OidcError) -> ApiError {
    tracing::warn!(error = %e, "OpenID sign-in failed");
    match e {
        OidcError::Unavailable(_) => ApiError::Unavailable,
        OidcError::CodeRefused(_) | OidcError::IdToken(_) => {
            ApiError::Unauthorized("the provider's answer was refused; sign in again")
        }
    }
}

fn cookie_path(provider: &str) -> String {
    format!("/api/v1/auth/oidc/{provider}/")
}

/// `Secure` and `SameSite` of the state cookie.
fn cookie_attrs(s: &AppState, headers: &HeaderMap, form_post: bool) -> &'static str {
    match (form_post, s.config.production || !is_loopback(headers)) {
        // A cross-site POST (form_post) carries only `SameSite=None` cookies, which must be
        // `Secure`; browsers accept Secure cookies from http://localhost.
        (true, _) => "; SameSite=None; Secure",
        (false, true) => "; SameSite=Lax; Secure",
        (false, false) => "; SameSite=Lax",
    }
}

fn seal_state(s: &AppState, c: &StateCookie) -> Result<String> {
    let sealed = s.seal("", STATE_ENTITY, &c.p, c)?;
    Ok(format!(
        "{}.{}.{}",
        B64.encode(sealed.key_id.as_bytes()),
        B64.encode(&sealed.nonce),
        B64.encode(&sealed.data)
    ))
}

fn open_state(s: &AppState, provider: &str, value: &str) -> Option<StateCookie> {
    let mut parts = value.split('.');
    let (k, n, d) = (parts.next()?, parts.next()?, parts.next()?);
    let sealed = Sealed {
        key_id: String::from_utf8(B64.decode(k).ok()?).ok()?,
        nonce: B64.decode(n).ok()?,
        data: B64.decode(d).ok()?,
    };
    s.open_sealed::<StateCookie>("", STATE_ENTITY, provider, &sealed)
        .ok()
}

#[utoipa::path(
    get,
    path = "/auth/oidc/providers",
    tag = "users",
    summary = "The OpenID Connect providers offered",
    responses((status = 200, description = "OK", body = ProvidersOut)),
)]
async fn providers(State(s): State<AppState>) -> Json<ProvidersOut> {
    Json(ProvidersOut {
        items: s
            .oidc
            .names()
            .into_iter()
            .map(|name| ProviderOut {
                start_url: format!("/api/v1/auth/oidc/{name}/start"),
                name,
            })
            .collect(),
    })
}

#[utoipa::path(
    get,
    path = "/auth/oidc/{provider}/start",
    tag = "users",
    summary = "Start signing in with an OpenID provider (302 to it)",
    params(ProviderPath, StartQuery),
    responses((status = 302, description = "To the provider; the state cookie set")),
)]
async fn start(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(p): Path<ProviderPath>,
    ApiQuery(q): ApiQuery<StartQuery>,
) -> Result<Response> {
    let provider = provider(&s, &p.provider)?;
    if q.login_hint.as_ref().is_some_and(|h| h.len() > 320) {
        return Err(ApiError::invalid(
            "login_hint",
            "must be at most 320 characters",
        ));
    }
    let pending = Pending::new().map_err(unavailable)?;
    let url = s
        .oidc
        .authorization_url(provider, &pending, q.login_hint.as_deref())
        .await
        .map_err(unavailable)?;
    let cookie = seal_state(
        &s,
        &StateCookie {
            p: provider.name.clone(),
            s: pending.state,
            n: pending.nonce,
            v: pending.verifier,
            e: chrono::Utc::now().timestamp() + STATE_TTL_SECS,
        },
    )?;
    let attrs = cookie_attrs(
        &s,
        &headers,
        provider.response_mode.as_deref() == Some("form_post"),
    );
    let mut res = StatusCode::FOUND.into_response();
    let h = res.headers_mut();
    h.insert(
        header::LOCATION,
        HeaderValue::from_str(&url).map_err(ApiError::internal)?,
    );
    h.insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&format!(
            "{COOKIE}={cookie}; Path={}; Max-Age={STATE_TTL_SECS}; HttpOnly{attrs}",
            cookie_path(&provider.name)
        ))
        .map_err(ApiError::internal)?,
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// Whether `Accept` prefers `application/json` over HTML.
fn wants_json(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut json = 0.0f32;
    let mut html = 0.0f32;
    for item in accept.split(',') {
        let mut parts = item.split(';').map(str::trim);
        let kind = parts.next().unwrap_or("").to_ascii_lowercase();
        let q = parts
            .find_map(|p| p.strip_prefix("q="))
            .and_then(|v| v.parse::<f32>().ok())
            .unwrap_or(1.0);
        match kind.as_str() {
            "application/json" => json = json.max(q),
            "text/html" => html = html.max(q),
            _ => {}
        }
    }
    json > html
}

#[utoipa::path(
    get,
    path = "/auth/oidc/{provider}/callback",
    tag = "users",
    summary = "The provider's redirect back (query): the login response, or 302 to the app",
    params(ProviderPath, CallbackParams),
    responses(
        (status = 200, description = "Signed in (Accept prefers JSON)", body = AuthResponse),
        (status = 302, description = "To the app with a single-use `login_code` (or `login_error`)"),
        (status = 409, description = "email_unverified: an account has this email and the provider does not say it is verified"),
    ),
)]
async fn callback_get(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    mode: TokenMode,
    Path(p): Path<ProviderPath>,
    ApiQuery(q): ApiQuery<CallbackParams>,
) -> Result<Response> {
    callback(&s, &ip, &headers, mode, &p.provider, q).await
}

#[utoipa::path(
    post,
    path = "/auth/oidc/{provider}/callback",
    tag = "users",
    summary = "The provider's answer by form_post (Apple): as the GET callback",
    params(ProviderPath),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`code`, `state` (or `error`)"),
    responses(
        (status = 200, description = "Signed in (Accept prefers JSON)", body = AuthResponse),
        (status = 302, description = "To the app with a single-use `login_code` (or `login_error`)"),
        (status = 409, description = "email_unverified"),
    ),
)]
async fn callback_post(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    mode: TokenMode,
    Path(p): Path<ProviderPath>,
    body: Bytes,
) -> Result<Response> {
    let q: CallbackParams = serde_urlencoded::from_bytes(&body)
        .map_err(|_| ApiError::BadRequest("the callback's form is not readable".into()))?;
    callback(&s, &ip, &headers, mode, &p.provider, q).await
}

async fn callback(
    s: &AppState,
    ip: &str,
    headers: &HeaderMap,
    mode: TokenMode,
    name: &str,
    q: CallbackParams,
) -> Result<Response> {
    let json = wants_json(headers);
    let provider = provider(s, name)?;
    // The state cookie goes whatever happens: a callback is answered once.
    let clear = format!(
        "{COOKIE}=; Path={}; Max-Age=0; HttpOnly{}",
        cookie_path(&provider.name),
        cookie_attrs(
            s,
            headers,
            provider.response_mode.as_deref() == Some("form_post")
        )
    );
    let outcome = signed_in(s, ip, headers, provider, q).await;
    let mut res = match (outcome, json) {
        (Ok(user), true) => mode.respond(StatusCode::OK, issue(s, user).await?),
        (Ok(user), false) => {
            let code = crate::auth::new_refresh_token()?;
            let now = micros(chrono::Utc::now());
            s.store
                .insert_login_code(&token_hash(&code), user.id, now + LOGIN_CODE_TTL_US, now)
                .await?;
            redirect_to_app(s, "login_code", &code)?
        }
        (Err(e), true) => e.into_response(),
        (Err(e), false) => {
            if matches!(e, ApiError::Internal(_)) {
                // Logged by its answer; the browser goes back to the app all the same.
                let _ = e.into_response();
                redirect_to_app(s, "login_error", "internal_error")?
            } else {
                redirect_to_app(s, "login_error", e.code())?
            }
        }
    };
    if let Ok(v) = HeaderValue::from_str(&clear) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

fn redirect_to_app(s: &AppState, key: &str, value: &str) -> Result<Response> {
    let base = &s.config.oidc_app_redirect;
    let sep = if base.contains('?') { '&' } else { '?' };
    let q = form_urlencoded::Serializer::new(String::new())
        .append_pair(key, value)
        .finish();
    let mut res = StatusCode::FOUND.into_response();
    res.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(&format!("{base}{sep}{q}")).map_err(ApiError::internal)?,
    );
    Ok(res)
}

/// The account of a callback, or why not.
async fn signed_in(
    s: &AppState,
    ip: &str,
    headers: &HeaderMap,
    provider: &crate::config::OidcProvider,
    q: CallbackParams,
) -> Result<User> {
    let Some(cookie) = cookie_named(headers, COOKIE) else {
        return Err(ApiError::BadRequest(
            "no sign-in in progress in this browser (the state cookie is missing): start again"
                .into(),
        ));
    };
    let state = open_state(s, &provider.name, &cookie)
        .filter(|c| c.p == provider.name && c.e >= chrono::Utc::now().timestamp())
        .ok_or_else(|| {
            ApiError::BadRequest("the sign-in expired or is not this browser's: start again".into())
        })?;
    if let Some(err) = &q.error {
        tracing::info!(provider = %provider.name, error = %err.chars().take(64).collect::<String>(), "the provider refused the sign-in");
        return Err(ApiError::Unauthorized("the provider did not sign you in"));
    }
    let same_state = q.state.as_deref().is_some_and(|v| {
        v.len() == state.s.len()
            && subtle::ConstantTimeEq::ct_eq(v.as_bytes(), state.s.as_bytes()).into()
    });
    if !same_state {
        return Err(ApiError::BadRequest(
            "the state does not match this browser's sign-in: start again".into(),
        ));
    }
    let code = q
        .code
        .filter(|c| !c.is_empty() && c.len() <= 2048)
        .ok_or_else(|| ApiError::BadRequest("the callback has no code".into()))?;
    let claims = s
        .oidc
        .sign_in(provider, &code, &state.v, &state.n)
        .await
        .map_err(unavailable)?;
    let found = account_for(
        s,
        &SignIn {
            provider: &provider.name,
            issuer: &claims.iss,
            subject: &claims.sub,
            email: claims.email.as_deref(),
            email_verified: claims.email_verified(),
            name: claims.name.as_deref(),
            issued_at_us: None,
            link_by_email: true,
        },
        Some(ip),
    )
    .await?;
    let user_id = found.user();
    if s.store
        .account_gate(user_id)
        .await?
        .is_some_and(|g| g.disabled)
    {
        s.store
            .audit(
                &AuditEvent::new("user.login_refused")
                    .user(user_id)
                    .ip(ip)
                    .details(json!({"reason": "account_disabled", "provider": provider.name}))
                    .row(),
            )
            .await?;
        return Err(ApiError::AccountDisabled);
    }
    let now = micros(chrono::Utc::now());
    s.store.touch_sign_in(user_id, now).await?;
    s.store
        .audit(
            &AuditEvent::new("user.login")
                .user(user_id)
                .record(entity::USER, user_id)
                .ip(ip)
                .details(json!({"success": true, "provider": provider.name}))
                .row(),
        )
        .await?;
    load_user(s, user_id).await
}

async fn load_user(s: &AppState, user_id: lifepath_core::UserId) -> Result<User> {
    let a = s
        .store
        .account(user_id)
        .await?
        .ok_or(ApiError::Unauthorized(crate::error::REVOKED))?;
    s.open_sealed(&a.id, entity::USER, &a.id, &a.sealed)
}

#[utoipa::path(
    post,
    path = "/auth/oidc/exchange",
    tag = "users",
    summary = "Exchange a sign-in's single-use login_code for the login response",
    request_body = ExchangeInput,
    responses((status = 200, description = "Signed in", body = AuthResponse)),
)]
async fn exchange(
    State(s): State<AppState>,
    mode: TokenMode,
    ApiJson(input): ApiJson<ExchangeInput>,
) -> Result<Response> {
    if input.code.is_empty() || input.code.len() > 256 {
        return Err(ApiError::invalid("code", "is not a login code"));
    }
    let now = micros(chrono::Utc::now());
    let user = s
        .store
        .consume_login_code(&token_hash(&input.code), now)
        .await?
        .ok_or(ApiError::Unauthorized(
            "the login code is unknown, used or expired: sign in again",
        ))?;
    if s.store
        .account_gate(user)
        .await?
        .is_some_and(|g| g.disabled)
    {
        return Err(ApiError::AccountDisabled);
    }
    let user = load_user(&s, user).await?;
    Ok(mode.respond(StatusCode::OK, issue(&s, user).await?))
}
