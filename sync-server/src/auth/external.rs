//! A host app's own access tokens (DESIGN §5 "Identity", "bring your own tokens"): with
//! `LIFEPATH_EXTERNAL_JWT_ISSUER`, `_AUDIENCE` and `_JWKS_URL` set, a bearer JWT signed by a key
//! of that JWKS (asymmetric algorithms only, found by `kid`, rotated keys picked up — see
//! [`super::jwks`]) with that `iss` and `aud` is accepted on every route. Its `sub` is the
//! account: the identity `(issuer, sub)`, made on first use (see [`crate::identity`]). Then the
//! same checks as for lifepath's own tokens apply: a deleted or disabled account, or one whose
//! tokens were revoked after the token's `iat`, is 401.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use lifepath_core::UserId;
use serde::Deserialize;

use super::jwks::Jwks;
use crate::config::ExternalJwt;
use crate::error::{ApiError, Result};
use crate::identity::{SignIn, account_for};
use crate::state::AppState;

/// Subjects whose account one instance remembers at most.
const MAX_CACHED: usize = 100_000;

/// The claims read from a host app's token.
#[derive(Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    iat: Option<i64>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<bool>,
    #[serde(default)]
    name: Option<String>,
}

/// The host app's issuer, its keys, and which account each subject is.
pub struct ExternalTokens {
    config: ExternalJwt,
    jwks: Jwks,
    ttl: Duration,
    accounts: RwLock<HashMap<String, (UserId, Instant)>>,
}

impl std::fmt::Debug for ExternalTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExternalTokens")
            .field("issuer", &self.config.issuer)
            .finish_non_exhaustive()
    }
}

/// Whether `token` is signed with an algorithm lifepath's own tokens never use (so it is for the
/// host app's issuer to verify).
pub fn is_foreign(token: &str) -> bool {
    jsonwebtoken::decode_header(token).is_ok_and(|h| h.alg != jsonwebtoken::Algorithm::HS256)
}

impl ExternalTokens {
    /// The issuer of `config`; subjects' accounts remembered for `ttl`.
    pub fn new(config: ExternalJwt, client: reqwest::Client, ttl: Duration) -> ExternalTokens {
        ExternalTokens {
            jwks: Jwks::new(
                config.jwks_url.clone(),
                client,
                Duration::from_millis(config.min_refetch_ms),
            ),
            config,
            ttl,
            accounts: RwLock::new(HashMap::new()),
        }
    }

    /// The account of a valid token and when it was issued (µs), or 401.
    pub async fn authenticate(&self, s: &AppState, token: &str) -> Result<(UserId, i64)> {
        let claims: Claims = self
            .jwks
            .verify(token, &self.config.issuer, &self.config.audience)
            .await
            .map_err(|e| {
                tracing::debug!(error = %e, "external token refused");
                ApiError::Unauthorized("invalid or expired access token")
            })?;
        if claims.sub.is_empty() || claims.sub.len() > 255 {
            return Err(ApiError::Unauthorized("invalid or expired access token"));
        }
        let issued_us = claims.iat.unwrap_or(0).saturating_mul(1_000_000);
        if let Some(user) = self.cached(&claims.sub) {
            return Ok((user, issued_us));
        }
        let found = account_for(
            s,
            &SignIn {
                provider: "external",
                issuer: &self.config.issuer,
                subject: &claims.sub,
                email: claims.email.as_deref(),
                email_verified: claims.email_verified.unwrap_or(false),
                name: claims.name.as_deref(),
                issued_at_us: Some(issued_us),
                link_by_email: false,
            },
            None,
        )
        .await?;
        self.remember(claims.sub, found.user());
        Ok((found.user(), issued_us))
    }

    fn cached(&self, sub: &str) -> Option<UserId> {
        let map = self.accounts.read().ok()?;
        let (user, at) = map.get(sub)?;
        (at.elapsed() < self.ttl).then_some(*user)
    }

    fn remember(&self, sub: String, user: UserId) {
        if let Ok(mut map) = self.accounts.write() {
            if map.len() >= MAX_CACHED {
                map.clear();
            }
            map.insert(sub, (user, Instant::now()));
        }
    }

    /// Forgets every subject of `user` (its account was deleted).
    pub fn forget_user(&self, user: UserId) {
        if let Ok(mut map) = self.accounts.write() {
            map.retain(|_, (u, _)| *u != user);
        }
    }
}
