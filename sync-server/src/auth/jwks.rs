//! A provider's JSON Web Key Set, fetched over HTTPS and cached, for verifying its signed JWTs
//! (a host app's access tokens, an OpenID provider's ID tokens) with `jsonwebtoken`.
//!
//! Keys are found by the token's `kid`. The set is fetched on first use, again when it is older
//! than [`MAX_AGE`], and again at once when a token names a `kid` the cached set lacks (the
//! provider rotated its keys) — at most once per [`MIN_REFETCH`], so tokens with made-up `kid`s
//! cannot make the server hammer the provider. A key that left the set stops verifying at the
//! next fetch. Only asymmetric algorithms are accepted (RS*, PS*, ES256/384, EdDSA): a JWKS
//! never holds a shared secret, and `none` or HS* in a token's header is refused before any key
//! is looked at.

use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, TokenData, Validation};
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

/// A cached set is fetched again after this long.
pub const MAX_AGE: Duration = Duration::from_secs(600);
/// An unknown `kid` fetches the set again, at most this often.
pub const MIN_REFETCH: Duration = Duration::from_secs(10);
/// Clock skew allowed on `exp`, `nbf` and `iat`.
pub const LEEWAY_SECS: u64 = 60;

/// Why a token was refused (logged at debug level; the client hears only "invalid token").
#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    /// Not a JWT, or a symmetric / `none` algorithm.
    #[error("malformed token or disallowed algorithm: {0}")]
    Malformed(String),
    /// No key of the set has the token's `kid` (or the token has none).
    #[error("no key for kid {0:?}")]
    UnknownKey(Option<String>),
    /// Signature, issuer, audience, expiry or another claim check failed.
    #[error("verification failed: {0}")]
    Invalid(String),
    /// The set could not be fetched.
    #[error("cannot fetch the key set: {0}")]
    Fetch(String),
}

#[derive(Default)]
struct Cached {
    set: Option<JwkSet>,
    fetched: Option<Instant>,
}

/// One provider's key set.
pub struct Jwks {
    url: String,
    client: reqwest::Client,
    min_refetch: Duration,
    cached: Mutex<Cached>,
}

impl std::fmt::Debug for Jwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jwks").field("url", &self.url).finish()
    }
}

/// The HTTP client of outbound calls to identity providers: no redirects followed, short
/// timeouts.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_default()
}

fn allowed(alg: Algorithm) -> bool {
    matches!(
        alg,
        Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512
            | Algorithm::ES256
            | Algorithm::ES384
            | Algorithm::EdDSA
    )
}

impl Jwks {
    /// The set at `url` (fetched on first use; again for an unknown `kid` at most once per
    /// `min_refetch`, normally [`MIN_REFETCH`]).
    pub fn new(url: impl Into<String>, client: reqwest::Client, min_refetch: Duration) -> Jwks {
        Jwks {
            url: url.into(),
            client,
            min_refetch,
            cached: Mutex::new(Cached::default()),
        }
    }

    async fn fetch(&self) -> Result<JwkSet, JwtError> {
        let res = self
            .client
            .get(&self.url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| JwtError::Fetch(e.to_string()))?;
        if !res.status().is_success() {
            return Err(JwtError::Fetch(format!("status {}", res.status())));
        }
        res.json::<JwkSet>()
            .await
            .map_err(|e| JwtError::Fetch(e.to_string()))
    }

    /// The key named `kid`, from the cache or a fresh fetch.
    async fn key(&self, kid: Option<&str>) -> Result<Jwk, JwtError> {
        let mut c = self.cached.lock().await;
        let fresh = c.fetched.is_some_and(|t| t.elapsed() < MAX_AGE);
        let find = |set: &Option<JwkSet>| -> Option<Jwk> {
            let set = set.as_ref()?;
            match kid {
                Some(k) => set.find(k).cloned(),
                // No `kid`: only a set of exactly one key says which key it is.
                None if set.keys.len() == 1 => set.keys.first().cloned(),
                None => None,
            }
        };
        if fresh && let Some(k) = find(&c.set) {
            return Ok(k);
        }
        let may_fetch = !fresh || c.fetched.is_none_or(|t| t.elapsed() >= self.min_refetch);
        if may_fetch {
            match self.fetch().await {
                Ok(set) => {
                    c.set = Some(set);
                    c.fetched = Some(Instant::now());
                }
                // A provider briefly down: the keys already known still verify.
                Err(e) if c.set.is_none() => return Err(e),
                Err(e) => tracing::warn!(url = %self.url, error = %e, "JWKS refresh failed"),
            }
        }
        find(&c.set).ok_or_else(|| JwtError::UnknownKey(kid.map(str::to_owned)))
    }

    /// Verifies `token` (signature by the key of its `kid`, `iss`, `aud`, `exp`) and returns its
    /// claims.
    pub async fn verify<C: DeserializeOwned>(
        &self,
        token: &str,
        issuer: &str,
        audience: &str,
    ) -> Result<C, JwtError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| JwtError::Malformed(e.to_string()))?;
        if !allowed(header.alg) {
            return Err(JwtError::Malformed(format!("{:?}", header.alg)));
        }
        let jwk = self.key(header.kid.as_deref()).await?;
        // A key that declares its algorithm verifies only that algorithm.
        if let Some(declared) = jwk
            .common
            .key_algorithm
            .and_then(|a| a.to_string().parse::<Algorithm>().ok())
            && declared != header.alg
        {
            return Err(JwtError::Invalid(format!(
                "the key is for {declared:?}, the token says {:?}",
                header.alg
            )));
        }
        let key = DecodingKey::from_jwk(&jwk).map_err(|e| JwtError::Invalid(e.to_string()))?;
        let mut v = Validation::new(header.alg);
        v.set_issuer(&[issuer]);
        v.set_audience(&[audience]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v.leeway = LEEWAY_SECS;
        v.validate_nbf = true;
        let data: TokenData<C> =
            jsonwebtoken::decode(token, &key, &v).map_err(|e| JwtError::Invalid(e.to_string()))?;
        Ok(data.claims)
    }
}
