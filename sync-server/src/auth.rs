//! Authentication: argon2id password hashes on dedicated blocking threads behind a semaphore, access
//! JWTs (HS256, 15 minutes), opaque refresh tokens, the `AuthUser` extractor, and the login
//! rate limiter.
//!
//! The rate limiter is a counter in the database (`rate_event`), not in process memory: many
//! instances can serve one PostgreSQL, and an attacker spreading attempts over them must still
//! meet one limit. It costs one indexed count and one insert per login attempt.

use std::sync::Arc;

use argon2::password_hash::PasswordHasher;
use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation, decode, encode};
use lifepath_core::UserId;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use crate::error::{ApiError, Result};
use crate::state::AppState;

/// argon2id memory cost in KiB (19 MiB).
pub const ARGON2_M_KIB: u32 = 19 * 1024;
/// argon2id passes.
pub const ARGON2_T: u32 = 2;
/// argon2id lanes.
pub const ARGON2_P: u32 = 1;

/// Failed logins allowed per email in [`EMAIL_WINDOW_SECS`].
pub const EMAIL_FAILURES: i64 = 5;
/// The email window.
pub const EMAIL_WINDOW_SECS: i64 = 15 * 60;
/// Login attempts allowed per IP in [`IP_WINDOW_SECS`].
pub const IP_ATTEMPTS: i64 = 30;
/// The IP window.
pub const IP_WINDOW_SECS: i64 = 60;

/// Password hashing with bounded concurrency: at most `concurrency` hashes run at once, each
/// on one of as many dedicated blocking threads (not the async workers, so logins never starve
/// other requests). Dedicated threads rather than tokio's growing blocking pool keep the 19 MiB
/// argon2 buffers in a fixed number of allocator arenas, so memory stays bounded after a login
/// storm.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    dummy_hash: Arc<String>,
    workers: Arc<Workers>,
}

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads running password hashes.
struct Workers {
    tx: std::sync::Mutex<std::sync::mpsc::Sender<Job>>,
}

impl Workers {
    fn new(n: usize) -> Result<Workers> {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        for i in 0..n {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    loop {
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => {
                                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                            }
                            Err(_) => return,
                        }
                    }
                })
                .map_err(ApiError::internal)?;
        }
        Ok(Workers {
            tx: std::sync::Mutex::new(tx),
        })
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let (otx, orx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = otx.send(f());
        });
        self.tx
            .lock()
            .map_err(|_| ApiError::internal("password workers poisoned"))?
            .send(job)
            .map_err(ApiError::internal)?;
        orx.await.map_err(ApiError::internal)
    }
}

fn argon2() -> Result<Argon2<'static>> {
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None).map_err(ApiError::internal)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_now(password: &str) -> Result<String> {
    let hash = argon2()?
        .hash_password(password.as_bytes())
        .map_err(ApiError::internal)?;
    Ok(hash.to_string())
}

/// Largest argon2 memory (in blocks of 1 KiB) kept for reuse by a worker thread.
const MAX_REUSED_BLOCKS: usize = 64 * 1024;

thread_local! {
    /// Each password worker keeps one argon2 buffer for its whole life: allocating 19 MiB per
    /// login fragments the heap (RSS grew past 200 MiB in a login storm).
    static MEMORY: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn hash_into(
    a: &Argon2<'_>,
    params: &Params,
    pwd: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<()> {
    let n = params.block_count();
    if n > MAX_REUSED_BLOCKS {
        return a
            .hash_password_into(pwd, salt, out)
            .map_err(ApiError::internal);
    }
    MEMORY.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() < n {
            m.resize(n, argon2::Block::default());
        }
        a.hash_password_into_with_memory(pwd, salt, out, &mut m[..n])
            .map_err(ApiError::internal)
    })
}

/// A new argon2id PHC string, hashed in the worker's reused memory.
fn hash_reusing(password: &str) -> Result<String> {
    use argon2::password_hash::phc::{Output, ParamsString, Salt};
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None).map_err(ApiError::internal)?;
    let a = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(ApiError::internal)?;
    let mut out = [0u8; 32];
    hash_into(&a, &params, password.as_bytes(), &salt, &mut out)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(ApiError::internal)?,
        salt: Some(Salt::new(&salt).map_err(ApiError::internal)?),
        hash: Some(Output::new(&out).map_err(ApiError::internal)?),
    };
    Ok(phc.to_string())
}

/// Checks a password against a PHC string in the worker's reused memory (constant-time compare).
fn verify_reusing(password: &str, phc: &str) -> Result<bool> {
    let Ok(h) = PasswordHash::new(phc) else {
        return Ok(false);
    };
    let (Ok(params), Ok(alg)) = (
        Params::try_from(&h),
        Algorithm::try_from(h.algorithm.as_str()),
    ) else {
        return Ok(false);
    };
    let version = match h.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return Ok(false),
    };
    let (Some(salt), Some(expected)) = (&h.salt, &h.hash) else {
        return Ok(false);
    };
    let a = Argon2::new(alg, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    hash_into(&a, &params, password.as_bytes(), salt.as_ref(), &mut out)?;
    let diff = out
        .iter()
        .zip(expected.as_bytes())
        .fold(0u8, |d, (x, y)| d | (x ^ y));
    Ok(diff == 0 && out.len() == expected.len())
}

impl Passwords {
    /// `concurrency` hashes at once; computes the dummy hash used for unknown emails.
    pub fn new(concurrency: usize) -> Result<Passwords> {
        let mut random = [0u8; 24];
        getrandom::fill(&mut random).map_err(ApiError::internal)?;
        let dummy = hash_now(&URL_SAFE_NO_PAD.encode(random))?;
        Ok(Passwords {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy_hash: Arc::new(dummy),
            workers: Arc::new(Workers::new(concurrency.max(1))?),
        })
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: String) -> Result<String> {
        let _permit = self.permits.acquire().await.map_err(ApiError::internal)?;
        self.workers.run(move || hash_reusing(&password)).await?
    }

    /// Checks a password; with no hash (unknown email) it checks against a dummy hash, so the
    /// answer takes the same time, and is false.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool> {
        let _permit = self.permits.acquire().await.map_err(ApiError::internal)?;
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| (*self.dummy_hash).clone());
        let ok = self
            .workers
            .run(move || verify_reusing(&password, &hash))
            .await??;
        Ok(ok && known)
    }
}

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
            iat_us: Some(now_us),
        };
        encode(&Header::default(), &claims, &self.enc).map_err(ApiError::internal)
    }

    /// The user of a valid token and when it was issued (µs).
    pub fn check(&self, token: &str) -> Result<(UserId, i64)> {
        let mut v = Validation::new(jsonwebtoken::Algorithm::HS256);
        v.leeway = 5;
        v.set_required_spec_claims(&["exp", "sub", "iat"]);
        let data = decode::<Claims>(token, &self.dec, &v)
            .map_err(|_| ApiError::Unauthorized("the access token is invalid or expired"))?;
        let user = data
            .claims
            .sub
            .parse::<UserId>()
            .map_err(|_| ApiError::Unauthorized("the access token is invalid or expired"))?;
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
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or(ApiError::Unauthorized("missing bearer token"))?;
        let (user, issued_us) = state.tokens.check(token.trim())?;
        state
            .revocations
            .check(state.store.as_ref(), user, issued_us)
            .await?;
        Ok(AuthUser(user))
    }
}

/// When the login of `email_hash` from `ip` is over a limit: the seconds to wait.
pub async fn login_limited(
    state: &AppState,
    ip: &str,
    email_hash: &str,
    now_us: i64,
) -> Result<()> {
    let checks = [
        (format!("ip:{ip}"), IP_ATTEMPTS, IP_WINDOW_SECS),
        (
            format!("fail:{email_hash}"),
            EMAIL_FAILURES,
            EMAIL_WINDOW_SECS,
        ),
    ];
    for (key, limit, window) in checks {
        let since = now_us - window * 1_000_000;
        let (n, oldest) = state.store.rate_count(&key, since).await?;
        if n >= limit {
            let oldest = oldest.unwrap_or(now_us);
            let wait = (oldest + window * 1_000_000 - now_us) / 1_000_000 + 1;
            return Err(ApiError::RateLimited {
                retry_after: wait.max(1) as u64,
            });
        }
    }
    state.store.rate_hit(&format!("ip:{ip}"), now_us).await?;
    Ok(())
}

/// Records a failed login of `email_hash`.
pub async fn login_failed(state: &AppState, email_hash: &str, now_us: i64) -> Result<()> {
    state
        .store
        .rate_hit(&format!("fail:{email_hash}"), now_us)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::PasswordVerifier;

    use super::*;

    #[test]
    fn reused_memory_hashes_are_standard_argon2id() {
        let phc = hash_reusing("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        // The standard verifier accepts ours, and ours accepts the standard hasher's.
        assert!(
            argon2()
                .unwrap()
                .verify_password(b"correct horse", phc.as_str())
                .is_ok()
        );
        assert!(verify_reusing("correct horse", &phc).unwrap());
        assert!(!verify_reusing("wrong horse", &phc).unwrap());
        let std_hash = hash_now("battery staple").unwrap();
        assert!(verify_reusing("battery staple", &std_hash).unwrap());
        assert!(!verify_reusing("battery staple", "not a hash").unwrap());
    }
}
