//! Cookie mode for browsers (issue 20 §4): the refresh token as an `HttpOnly` cookie instead of
//! in the JSON body, so no script on the page can read it.
//!
//! A request opts in with the header `X-Lifepath-Session: cookie` on register, login, refresh,
//! password change and logout. The answer then carries no `refresh_token` in its body; it sets
//! `lifepath_refresh=<token>; HttpOnly; Secure; SameSite=Strict` once for each of the two paths
//! that read it (`/api/v1/users/refresh` and `/api/v1/users/logout`), so the cookie goes nowhere
//! else. Refresh and logout read the cookie **only** when the header is there too: a custom
//! header cannot be sent by a cross-site form or a simple request, so another site cannot make
//! the browser use the cookie (on top of `SameSite=Strict`). `Secure` is left off only in
//! development mode on a loopback host (`http://127.0.0.1`, `http://localhost`).
//!
//! Without the header nothing changes: the JSON body mode stays for non-browser clients.

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::users::AuthResponse;
use crate::error::{ApiError, Result};
use crate::state::AppState;

/// The opt-in header.
pub const HEADER: &str = "x-lifepath-session";
/// The cookie's name.
pub const COOKIE: &str = "lifepath_refresh";
/// The paths the cookie is sent to.
pub const PATHS: [&str; 2] = ["/api/v1/users/refresh", "/api/v1/users/logout"];

/// How this request wants its refresh token: in the body, or as a cookie.
pub struct TokenMode {
    cookie: bool,
    secure: bool,
    from_cookie: Option<String>,
}

impl FromRequestParts<AppState> for TokenMode {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let cookie = parts
            .headers
            .get(HEADER)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cookie"));
        let loopback = is_loopback(&parts.headers);
        Ok(TokenMode {
            cookie,
            secure: state.config.production || !loopback,
            from_cookie: if cookie {
                read_cookie(&parts.headers)
            } else {
                None
            },
        })
    }
}

fn host(h: &HeaderMap) -> Option<&str> {
    h.get(header::HOST).and_then(|v| v.to_str().ok())
}

/// Whether the request's `Host` is a loopback name (development: `Secure` cookies relaxed).
pub fn is_loopback(headers: &HeaderMap) -> bool {
    host(headers).is_some_and(|h| {
        let h = h.rsplit_once(':').map_or(h, |(name, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                name
            } else {
                h
            }
        });
        matches!(h, "127.0.0.1" | "localhost" | "[::1]")
    })
}

/// The `lifepath_refresh` cookie of the request, if any.
fn read_cookie(h: &HeaderMap) -> Option<String> {
    cookie_named(h, COOKIE)
}

/// The cookie `name` of the request, if any.
pub fn cookie_named(h: &HeaderMap, name: &str) -> Option<String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl TokenMode {
    /// The refresh token of a refresh or logout: the body's, else (cookie mode only) the
    /// cookie's.
    pub fn refresh_token(&self, body: Option<String>) -> Result<String> {
        body.filter(|t| !t.is_empty())
            .or_else(|| self.from_cookie.clone())
            .ok_or(ApiError::Unauthorized(
                "no refresh token: send `refresh_token` in the body, or (cookie mode) the \
                 lifepath_refresh cookie with the X-Lifepath-Session: cookie header",
            ))
    }

    /// The answer carrying `auth`: in cookie mode the refresh token moves to the cookies.
    pub fn respond(&self, status: StatusCode, mut auth: AuthResponse) -> Response {
        if !self.cookie {
            return (status, Json(auth)).into_response();
        }
        let token = auth.refresh_token.take().unwrap_or_default();
        let max_age = auth.refresh_expires_in;
        let mut res = (status, Json(auth)).into_response();
        self.set(res.headers_mut(), &token, max_age);
        res
    }

    /// A logout's answer: in cookie mode the cookies are cleared.
    pub fn logged_out(&self) -> Response {
        let mut res = StatusCode::NO_CONTENT.into_response();
        if self.cookie {
            self.set(res.headers_mut(), "", 0);
        }
        res
    }

    fn set(&self, headers: &mut HeaderMap, token: &str, max_age: i64) {
        let secure = if self.secure { "; Secure" } else { "" };
        for path in PATHS {
            let v = format!(
                "{COOKIE}={token}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
            );
            if let Ok(v) = HeaderValue::from_str(&v) {
                headers.append(header::SET_COOKIE, v);
            }
        }
    }
}
