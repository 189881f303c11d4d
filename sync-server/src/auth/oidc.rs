//! OpenID Connect providers (DESIGN §5 "Identity"): discovery, the authorization request (code
//! flow + PKCE S256, `state`, `nonce`), the code exchange and the ID token check.
//!
//! Each configured provider's discovery document (`{issuer}/.well-known/openid-configuration`)
//! is fetched on first use and kept an hour; its `issuer` must be the configured one. The ID
//! token is verified with `jsonwebtoken` against the provider's JWKS ([`super::jwks`]): the
//! signature by `kid`, `iss`, `aud` = our client id, `exp`, then `nonce` = the one sent. Apple's
//! client secret is an ES256 JWT signed here with the configured key, five minutes long.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::Deserialize;
use sha2::Digest;
use tokio::sync::Mutex;

use super::jwks::{Jwks, JwtError, MIN_REFETCH};
use crate::config::{AppleKey, OidcProvider};

/// A discovery document is fetched again after this long.
const DISCOVERY_MAX_AGE: Duration = Duration::from_secs(3600);

/// Why a sign-in failed (logged; the client hears a stable code).
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The provider could not be reached or answered nonsense.
    #[error("provider unavailable: {0}")]
    Unavailable(String),
    /// The code was refused by the provider (used, expired, not ours).
    #[error("code refused: {0}")]
    CodeRefused(String),
    /// The ID token failed a check.
    #[error("ID token refused: {0}")]
    IdToken(String),
}

/// What the discovery document says.
#[derive(Clone, Debug, Deserialize)]
pub struct Discovery {
    /// Must equal the configured issuer.
    pub issuer: String,
    /// Where the browser goes.
    pub authorization_endpoint: String,
    /// Where the code is exchanged.
    pub token_endpoint: String,
    /// The provider's keys.
    pub jwks_uri: String,
    /// How a client may authenticate at the token endpoint.
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
}

struct Known {
    discovery: Discovery,
    jwks: std::sync::Arc<Jwks>,
    fetched: Instant,
}

/// The configured providers, their discovery documents and keys.
pub struct Providers {
    by_name: HashMap<String, OidcProvider>,
    known: Mutex<HashMap<String, Known>>,
    client: reqwest::Client,
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Providers")
            .field("names", &self.by_name.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The claims of an ID token that lifepath reads.
#[derive(Clone, Debug, Deserialize)]
pub struct IdClaims {
    /// The person at the provider.
    pub sub: String,
    /// The issuer.
    pub iss: String,
    /// The nonce sent with the authorization request.
    #[serde(default)]
    pub nonce: Option<String>,
    /// Email, if the scope gave it.
    #[serde(default)]
    pub email: Option<String>,
    /// `true`, or (Apple) `"true"`.
    #[serde(default)]
    pub email_verified: Option<serde_json::Value>,
    /// Name, if given.
    #[serde(default)]
    pub name: Option<String>,
}

impl IdClaims {
    /// Whether the provider says the email is verified (a boolean, or Apple's string).
    pub fn email_verified(&self) -> bool {
        match &self.email_verified {
            Some(serde_json::Value::Bool(b)) => *b,
            Some(serde_json::Value::String(s)) => s == "true",
            _ => false,
        }
    }
}

/// What the authorization request sends, and the browser-bound cookie keeps.
pub struct Pending {
    /// Anti-CSRF value, echoed by the provider.
    pub state: String,
    /// Bound into the ID token.
    pub nonce: String,
    /// PKCE verifier (its S256 challenge goes to the provider).
    pub verifier: String,
}

fn random(bytes: usize) -> Result<String, OidcError> {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).map_err(|e| OidcError::Unavailable(e.to_string()))?;
    Ok(B64.encode(b))
}

impl Pending {
    /// Fresh random values.
    pub fn new() -> Result<Pending, OidcError> {
        Ok(Pending {
            state: random(24)?,
            nonce: random(24)?,
            verifier: random(48)?,
        })
    }
}

/// The S256 PKCE challenge of `verifier`.
pub fn challenge(verifier: &str) -> String {
    B64.encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// Apple's client secret: an ES256 JWT of the team, for our client id, five minutes long.
fn apple_secret(key: &AppleKey, client_id: &str) -> Result<String, OidcError> {
    let now = chrono::Utc::now().timestamp();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some(key.key_id.clone());
    let claims = serde_json::json!({
        "iss": key.team_id, "iat": now, "exp": now + 300,
        "aud": "https://appleid.apple.com", "sub": client_id,
    });
    let k = jsonwebtoken::EncodingKey::from_ec_pem(key.private_key_pem.as_bytes())
        .map_err(|e| OidcError::Unavailable(format!("the Apple key: {e}")))?;
    jsonwebtoken::encode(&header, &claims, &k)
        .map_err(|e| OidcError::Unavailable(format!("the Apple client secret: {e}")))
}

impl Providers {
    /// The providers of the configuration.
    pub fn new(providers: &[OidcProvider], client: reqwest::Client) -> Providers {
        Providers {
            by_name: providers
                .iter()
                .map(|p| (p.name.clone(), p.clone()))
                .collect(),
            known: Mutex::new(HashMap::new()),
            client,
        }
    }

    /// The provider called `name`.
    pub fn get(&self, name: &str) -> Option<&OidcProvider> {
        self.by_name.get(name)
    }

    /// The names offered, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.by_name.keys().cloned().collect();
        v.sort();
        v
    }

    async fn known(
        &self,
        p: &OidcProvider,
    ) -> Result<(Discovery, std::sync::Arc<Jwks>), OidcError> {
        let mut known = self.known.lock().await;
        if let Some(k) = known.get(&p.name)
            && k.fetched.elapsed() < DISCOVERY_MAX_AGE
        {
            return Ok((k.discovery.clone(), k.jwks.clone()));
        }
        let url = format!("{}/.well-known/openid-configuration", p.issuer);
        let res = self
            .client
            .get(&url)
            .send()
            .await
            .map_err(|e| OidcError::Unavailable(e.to_string()))?;
        if !res.status().is_success() {
            return Err(OidcError::Unavailable(format!(
                "discovery answered {}",
                res.status()
            )));
        }
        let d: Discovery = res
            .json()
            .await
            .map_err(|e| OidcError::Unavailable(format!("discovery: {e}")))?;
        if d.issuer.trim_end_matches('/') != p.issuer {
            return Err(OidcError::Unavailable(format!(
                "discovery names the issuer {:?}, configured {:?}",
                d.issuer, p.issuer
            )));
        }
        // Keep the key set (and its cache) across discovery refreshes of the same URL.
        let jwks = match known.get(&p.name) {
            Some(k) if k.discovery.jwks_uri == d.jwks_uri => k.jwks.clone(),
            _ => std::sync::Arc::new(Jwks::new(
                d.jwks_uri.clone(),
                self.client.clone(),
                MIN_REFETCH,
            )),
        };
        known.insert(
            p.name.clone(),
            Known {
                discovery: d.clone(),
                jwks: jwks.clone(),
                fetched: Instant::now(),
            },
        );
        Ok((d, jwks))
    }

    /// The URL the browser is sent to.
    pub async fn authorization_url(
        &self,
        p: &OidcProvider,
        pending: &Pending,
        login_hint: Option<&str>,
    ) -> Result<String, OidcError> {
        let (d, _) = self.known(p).await?;
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("response_type", "code")
            .append_pair("client_id", &p.client_id)
            .append_pair("redirect_uri", &p.redirect_uri)
            .append_pair("scope", "openid email profile")
            .append_pair("state", &pending.state)
            .append_pair("nonce", &pending.nonce)
            .append_pair("code_challenge", &challenge(&pending.verifier))
            .append_pair("code_challenge_method", "S256");
        if let Some(mode) = &p.response_mode {
            q.append_pair("response_mode", mode);
        }
        if let Some(hint) = login_hint {
            q.append_pair("login_hint", hint);
        }
        let sep = if d.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(format!("{}{sep}{}", d.authorization_endpoint, q.finish()))
    }

    /// Exchanges `code` and checks the ID token (signature, issuer, audience, expiry, nonce).
    pub async fn sign_in(
        &self,
        p: &OidcProvider,
        code: &str,
        verifier: &str,
        nonce: &str,
    ) -> Result<IdClaims, OidcError> {
        let (d, jwks) = self.known(p).await?;
        let secret = match (&p.client_secret, &p.apple) {
            (Some(s), _) => s.clone(),
            (None, Some(key)) => apple_secret(key, &p.client_id)?,
            (None, None) => String::new(),
        };
        let mut form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("redirect_uri", p.redirect_uri.clone()),
            ("code_verifier", verifier.to_owned()),
        ];
        let basic = d.token_endpoint_auth_methods_supported.is_empty()
            || d.token_endpoint_auth_methods_supported
                .iter()
                .any(|m| m == "client_secret_basic");
        let mut req = self.client.post(&d.token_endpoint);
        if basic && p.apple.is_none() {
            // RFC 6749 §2.3.1: form-encoded id and secret in HTTP Basic.
            let enc = |v: &str| form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
            req = req.basic_auth(enc(&p.client_id), Some(enc(&secret)));
        } else {
            form.push(("client_id", p.client_id.clone()));
            form.push(("client_secret", secret));
        }
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        let res = req
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| OidcError::Unavailable(e.to_string()))?;
        let status = res.status();
        let answer: serde_json::Value = res
            .json()
            .await
            .map_err(|e| OidcError::Unavailable(format!("token endpoint: {e}")))?;
        if !status.is_success() {
            return Err(OidcError::CodeRefused(format!(
                "{status}: {}",
                answer["error"].as_str().unwrap_or("no error code")
            )));
        }
        let id_token = answer["id_token"]
            .as_str()
            .ok_or_else(|| OidcError::IdToken("no id_token in the answer".into()))?;
        verify_id_token(&jwks, id_token, &d.issuer, &p.client_id, nonce).await
    }
}

/// Checks an ID token: signature by a key of `jwks`, `iss`, `aud` = `client_id`, `exp`, and
/// `nonce` = the one sent.
pub async fn verify_id_token(
    jwks: &Jwks,
    id_token: &str,
    issuer: &str,
    client_id: &str,
    nonce: &str,
) -> Result<IdClaims, OidcError> {
    let claims: IdClaims = jwks
        .verify(id_token, issuer, client_id)
        .await
        .map_err(|e: JwtError| OidcError::IdToken(e.to_string()))?;
    let same = claims.nonce.as_deref().is_some_and(|n| {
        n.len() == nonce.len()
            && subtle::ConstantTimeEq::ct_eq(n.as_bytes(), nonce.as_bytes()).into()
    });
    if !same {
        return Err(OidcError::IdToken("the nonce is not the one sent".into()));
    }
    if claims.sub.is_empty() || claims.sub.len() > 255 {
        return Err(OidcError::IdToken("no usable sub".into()));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apples_client_secret_is_an_es256_jwt_of_the_team() {
        let pem = std::fs::read_to_string(format!(
            "{}/tests/fixtures/keys/ec256.pem",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let key = AppleKey {
            team_id: "TEAM123".into(),
            key_id: "KEY456".into(),
            private_key_pem: pem.clone(),
        };
        let jwt = apple_secret(&key, "com.example.web").unwrap();
        let header = jsonwebtoken::decode_header(&jwt).unwrap();
        assert_eq!(header.alg, jsonwebtoken::Algorithm::ES256);
        assert_eq!(header.kid.as_deref(), Some("KEY456"));
        // Verified with the key's public half: the claims Apple checks.
        let enc = jsonwebtoken::EncodingKey::from_ec_pem(pem.as_bytes()).unwrap();
        let jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&enc, jsonwebtoken::Algorithm::ES256)
            .unwrap();
        let dec = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
        v.set_audience(&["https://appleid.apple.com"]);
        v.set_issuer(&["TEAM123"]);
        let data = jsonwebtoken::decode::<serde_json::Value>(&jwt, &dec, &v).unwrap();
        assert_eq!(data.claims["sub"], "com.example.web");
        let life = data.claims["exp"].as_i64().unwrap() - data.claims["iat"].as_i64().unwrap();
        assert!(life > 0 && life <= 300, "{life}");
    }

    #[test]
    fn the_pkce_challenge_is_rfc7636s() {
        // RFC 7636 appendix B.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
