//! Access tokens (HS256 JWTs, 15 minutes, `iat_us` for the revocation check) and opaque
//! refresh tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation, decode, encode};
use lifepath_core::UserId;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, Result};

/// Access token claims.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: String,
    /// Expiry (s).
    pub exp: i64,
    /// Issued at (s).
    pub iat: i64,
    /// Token id.
    pub jti: String,
    /// Not before (s), when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Issued at in microseconds, for the revocation check (`iat` is whole seconds, too coarse
    /// to tell a token issued just before a revocation from one issued just after it). Tokens
    /// without it count as issued at `iat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat_us: Option<i64>,
}

/// Signs and checks access tokens.
#[derive(Clone)]
pub struct Tokens {
    enc: EncodingKey,
    dec: DecodingKey,
    ttl: i64,
}

impl Tokens {
    /// Keys from the secret; tokens live `ttl_secs`.
    pub fn new(secret: &[u8], ttl_secs: i64) -> Tokens {
        Tokens {
            enc: EncodingKey::from_secret(secret),
            dec: DecodingKey::from_secret(secret),
            ttl: ttl_secs,
        }
    }

    /// Lifetime in seconds.
    pub fn ttl(&self) -> i64 {
        self.ttl
    }

    /// A signed token for `user`, issued at `now_us` (µs since the epoch).
    pub fn issue(&self, user: &UserId, now_us: i64) -> Result<String> {
        let now = now_us.div_euclid(1_000_000);
        let claims = Claims {
            sub: user.to_string(),
            exp: now + self.ttl,
            iat: now,
            jti: uuid::Uuid::now_v7().to_string(),
            nbf: None,
            iat_us: Some(now_us),
        };
        encode(&Header::default(), &claims, &self.enc).map_err(ApiError::internal)
    }

    /// The user of a valid token and when it was issued (µs). Besides the signature and `exp`,
    /// a token issued (`iat`) or valid from (`nbf`) in the future beyond the 5 s leeway, or
    /// living longer than this server issues tokens for, is refused.
    pub fn check(&self, token: &str) -> Result<(UserId, i64)> {
        self.check_at(token, chrono::Utc::now().timestamp())
    }

    /// [`Tokens::check`] at `now` (s).
    pub fn check_at(&self, token: &str, now: i64) -> Result<(UserId, i64)> {
        const LEEWAY: i64 = 5;
        let invalid = || ApiError::Unauthorized("the access token is invalid or expired");
        let mut v = Validation::new(jsonwebtoken::Algorithm::HS256);
        v.leeway = LEEWAY as u64;
        v.set_required_spec_claims(&["exp", "sub", "iat"]);
        v.validate_nbf = true;
        let data = decode::<Claims>(token, &self.dec, &v).map_err(|_| invalid())?;
        let c = &data.claims;
        if c.iat > now.saturating_add(LEEWAY)
            || c.nbf.is_some_and(|nbf| nbf > now.saturating_add(LEEWAY))
            || c.exp.saturating_sub(c.iat) > self.ttl + LEEWAY
        {
            return Err(invalid());
        }
        let user = c.sub.parse::<UserId>().map_err(|_| invalid())?;
        let issued = data
            .claims
            .iat_us
            .filter(|us| us.div_euclid(1_000_000) == data.claims.iat)
            .unwrap_or(data.claims.iat.saturating_mul(1_000_000));
        Ok((user, issued))
    }
}

/// A new opaque refresh token (32 random bytes, base64url).
pub fn new_refresh_token() -> Result<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(ApiError::internal)?;
    Ok(URL_SAFE_NO_PAD.encode(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(claims: &serde_json::Value) -> String {
        let key = EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef");
        encode(&Header::default(), claims, &key).unwrap_or_default()
    }

    #[test]
    fn future_iat_nbf_and_long_lifetimes_are_refused() {
        let t = Tokens::new(b"0123456789abcdef0123456789abcdef", 900);
        let now = chrono::Utc::now().timestamp();
        let sub = uuid::Uuid::now_v7().to_string();
        let ok = serde_json::json!({"sub": sub, "iat": now, "exp": now + 900, "jti": "j"});
        assert!(t.check(&signed(&ok)).is_ok());
        for bad in [
            serde_json::json!({"sub": sub, "iat": now + 60, "exp": now + 960, "jti": "j"}),
            serde_json::json!({"sub": sub, "iat": now, "nbf": now + 60, "exp": now + 900, "jti": "j"}),
            serde_json::json!({"sub": sub, "iat": now, "exp": now + 7 * 86_400, "jti": "j"}),
            serde_json::json!({"sub": sub, "iat": now - 1000, "exp": now - 10, "jti": "j"}),
        ] {
            assert!(t.check(&signed(&bad)).is_err(), "{bad}");
        }
        // A token this server issued passes, at the edge of the leeway too.
        let mine = t.issue(&UserId(uuid::Uuid::now_v7()), now * 1_000_000);
        assert!(mine.is_ok_and(|m| t.check_at(&m, now - 5).is_ok()));
    }
}
