//! The `AuthUser` extractor: a valid bearer token whose account exists and whose sessions were
//! not revoked (see [`crate::revocation`]), or 401.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use lifepath_core::UserId;

use crate::error::{ApiError, Result};
use crate::state::AppState;

/// The authenticated user of a request (from `Authorization: Bearer …`).
#[derive(Clone, Copy, Debug)]
pub struct AuthUser(pub UserId);

impl AuthUser {
    /// The id as the store's key.
    pub fn key(&self) -> String {
        self.0.to_string()
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(ApiError::Unauthorized("missing bearer token"))?;
        // The scheme is case-insensitive (RFC 7235 §2.1): `Bearer`, `bearer`, `BEARER`.
        let token = header
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token)
            .ok_or(ApiError::Unauthorized("missing bearer token"))?;
        let (user, issued_us) = state.tokens.check(token.trim())?;
        state
            .revocations
            .check(state.store.as_ref(), user, issued_us)
            .await?;
        Ok(AuthUser(user))
    }
}
