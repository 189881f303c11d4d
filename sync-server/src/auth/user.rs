//! The `AuthUser` extractor: a valid bearer token — lifepath's own, or the host app's when
//! `LIFEPATH_EXTERNAL_JWT_*` is set (see [`super::external`]) — whose account exists, is not
//! disabled and whose sessions were not revoked (see [`crate::revocation`]), or 401.

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
        let token = token.trim();
        let (user, issued_us) = match (state.tokens.check(token), &state.external) {
            (Ok(v), _) => v,
            // Not one of lifepath's own: perhaps the host app's (LIFEPATH_EXTERNAL_JWT_*).
            (Err(_), Some(external)) if super::external::is_foreign(token) => {
                external.authenticate(state, token).await?
            }
            (Err(e), _) => return Err(e),
        };
        state
            .revocations
            .check(state.store.as_ref(), user, issued_us)
            .await?;
        Ok(AuthUser(user))
    }
}
