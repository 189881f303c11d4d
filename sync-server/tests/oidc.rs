//! OpenID Connect sign-in (DESIGN §5 "Identity", issue 17 §1) against a REAL OpenID provider:
//! npm `oidc-provider` (tests/oidc/provider.mjs), started on loopback by scripts/test-server.sh,
//! its issuer in `LIFEPATH_TEST_OIDC_ISSUER`. The code flow is walked with a cookie jar: the
//! start's redirect, the provider's authorization endpoint and interactions, its redirect back
//! with the code, the callback (code exchanged with PKCE and the client secret, ID token
//! verified against the provider's JWKS). On SQLite and, with `LIFEPATH_TEST_PG_URL`,
//! PostgreSQL. The ID token checks (tampered, expired, wrong audience, wrong nonce) are also
//! run on tokens signed here, against a JWKS served on loopback, since a certified provider
//! does not hand out bad tokens.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, RwLock};

use axum::Json;
use axum::extract::State;
use common::{Server, assert_problem};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use lifepath_sync_server::auth::jwks::Jwks;
use lifepath_sync_server::auth::oidc::verify_id_token;
use lifepath_sync_server::config::OidcProvider;
use reqwest::header::{ACCEPT, COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

const CLIENT_ID: &str = "lifepath-test";
const CLIENT_SECRET: &str = "lifepath-test-secret-lifepath-test-secret";

fn issuer() -> Option<String> {
    std::env::var("LIFEPATH_TEST_OIDC_ISSUER")
        .ok()
        .filter(|s| !s.is_empty())
}

macro_rules! provider_or_skip {
    () => {
        match issuer() {
            Some(i) => i,
            None => {
                println!(
                    "SKIPPED: LIFEPATH_TEST_OIDC_ISSUER is not set (scripts/test-server.sh starts \
                     the OpenID provider tests/oidc/provider.mjs and sets it)"
                );
                return;
            }
        }
    };
}

async fn start(issuer: &str) -> Server {
    let issuer = issuer.to_owned();
    Server::start_with(move |c| {
        let public = c.public_url.clone().unwrap();
        c.oidc = vec![OidcProvider {
            name: "test".into(),
            issuer,
            client_id: CLIENT_ID.into(),
            client_secret: Some(CLIENT_SECRET.into()),
            apple: None,
            redirect_uri: format!("{public}/api/v1/auth/oidc/test/callback"),
            response_mode: None,
        }];
        c.oidc_app_redirect = "/app/".into();
    })
    .await
}

/// A person at the provider.
async fn person(issuer: &str, email: &str, verified: bool) {
    let r = reqwest::Client::new()
        .post(format!("{issuer}/test/accounts"))
        .json(&json!({"email": email, "email_verified": verified, "name": "Pat Example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Starts a sign-in and follows the redirects through the provider, up to the redirect back
/// to lifepath's callback: that URL and the state cookie the start set.
async fn walk(s: &Server, b: &reqwest::Client, email: &str) -> (String, String) {
    let r = b
        .get(format!(
            "{}/api/v1/auth/oidc/test/start?login_hint={email}",
            s.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let set = r
        .headers()
        .get(SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(set.starts_with("lifepath_oidc="), "{set}");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    assert!(set.contains("Path=/api/v1/auth/oidc/test/"), "{set}");
    let state_cookie = set.split(';').next().unwrap().to_owned();
    let mut next = r.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(next.contains("code_challenge_method=S256"), "{next}");
    assert!(next.contains("nonce="), "{next}");
    for _ in 0..20 {
        if next.starts_with(&format!("{}/api/v1/auth/oidc/test/callback", s.base)) {
            return (next, state_cookie);
        }
        let r = b.get(&next).send().await.unwrap();
        assert!(r.status().is_redirection(), "{next}: {}", r.status());
        let loc = r.headers()[LOCATION].to_str().unwrap();
        next = reqwest::Url::parse(&next)
            .unwrap()
            .join(loc)
            .unwrap()
            .to_string();
    }
    panic!("the provider never redirected back");
}

async fn callback_json(b: &reqwest::Client, url: &str) -> (u16, Value) {
    let r = b
        .get(url)
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn sign_in_with_the_provider_as_an_api_client() {
    let iss = provider_or_skip!();
    let s = start(&iss).await;
    let r = s
        .call(reqwest::Method::GET, "/auth/oidc/providers", None, None)
        .await;
    assert_eq!(r.body["items"][0]["name"], "test", "{}", r.text);

    let email = format!("pat-{}@example.com", uuid::Uuid::new_v4().simple());
    person(&iss, &email, true).await;
    let b = browser();
    let (url, _) = walk(&s, &b, &email).await;
    let (status, auth) = callback_json(&b, &url).await;
    assert_eq!(status, 200, "{auth}");
    assert_eq!(auth["user"]["email"], email.as_str());
    assert_eq!(auth["user"]["display_name"], "Pat Example");
    let token = auth["access_token"].as_str().unwrap();
    let me = s
        .call(reqwest::Method::GET, "/users/me", Some(token), None)
        .await;
    assert_eq!(me.status, 200);
    let ids = s
        .call(
            reqwest::Method::GET,
            "/users/me/identities",
            Some(token),
            None,
        )
        .await;
    let items = ids.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", ids.text);
    assert_eq!(items[0]["provider"], "test");
    assert_eq!(items[0]["issuer"], iss.as_str());
    assert_eq!(items[0]["email"], email.as_str());
    // The only way this account signs in: not removable.
    let r = s
        .call(
            reqwest::Method::DELETE,
            &format!("/users/me/identities/{}", items[0]["id"].as_str().unwrap()),
            Some(token),
            None,
        )
        .await;
    assert_problem(&r, 409);

    // The same person again (a new browser): the same account.
    let b = browser();
    let (url, _) = walk(&s, &b, &email).await;
    let (status, again) = callback_json(&b, &url).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["user"]["id"], auth["user"]["id"]);
    // Its audit trail says how it signed in.
    let audit = s
        .call(reqwest::Method::GET, "/users/me/audit", Some(token), None)
        .await;
    assert!(
        audit.text.contains("\"provider\":\"test\""),
        "{}",
        audit.text
    );

    // An unknown provider is 404.
    let r = s
        .call(reqwest::Method::GET, "/auth/oidc/nobody/start", None, None)
        .await;
    assert_problem(&r, 404);
}

#[tokio::test]
async fn a_browser_gets_a_single_use_login_code_not_tokens() {
    let iss = provider_or_skip!();
    let s = start(&iss).await;
    let email = format!("web-{}@example.com", uuid::Uuid::new_v4().simple());
    person(&iss, &email, true).await;
    let b = browser();
    let (url, _) = walk(&s, &b, &email).await;
    let r = b
        .get(&url)
        .header(ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let loc = r.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(loc.starts_with("/app/?login_code="), "{loc}");
    assert!(!loc.contains("token"), "no token in a URL: {loc}");
    // The state cookie is cleared by the callback.
    let cleared = r
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .any(|v| v.to_str().unwrap().starts_with("lifepath_oidc=;"));
    assert!(cleared);
    let code = loc.split("login_code=").nth(1).unwrap().to_owned();
    let exchange = |code: String| {
        let s = &s;
        async move {
            s.call(
                reqwest::Method::POST,
                "/auth/oidc/exchange",
                None,
                Some(json!({ "code": code })),
            )
            .await
        }
    };
    let r = exchange(code.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["user"]["email"], email.as_str());
    assert!(r.body["refresh_token"].is_string());
    // Single use.
    assert_problem(&exchange(code).await, 401);
    assert_problem(&exchange("made-up".into()).await, 401);
}

#[tokio::test]
async fn login_csrf_and_replays_are_refused() {
    let iss = provider_or_skip!();
    let s = start(&iss).await;
    let email = format!("csrf-{}@example.com", uuid::Uuid::new_v4().simple());
    person(&iss, &email, true).await;

    // The callback in a browser that did not start the sign-in: no state cookie, 400.
    let b = browser();
    let (url, state_cookie) = walk(&s, &b, &email).await;
    let stranger = browser();
    let (status, body) = callback_json(&stranger, &url).await;
    assert_eq!(status, 400, "{body}");
    // The right browser, another state: 400.
    let forged = url.replace("state=", "state=x");
    let r = reqwest::Client::new()
        .get(&forged)
        .header(ACCEPT, "application/json")
        .header(COOKIE, &state_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // A tampered state cookie: 400.
    let r = reqwest::Client::new()
        .get(&url)
        .header(ACCEPT, "application/json")
        .header(COOKIE, format!("{state_cookie}x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // The real one signs in once; the same code and state replayed are refused (the provider
    // refuses a used code).
    let send = || {
        reqwest::Client::new()
            .get(&url)
            .header(ACCEPT, "application/json")
            .header(COOKIE, &state_cookie)
            .send()
    };
    assert_eq!(send().await.unwrap().status(), 200);
    assert_eq!(send().await.unwrap().status(), 401);
    // The provider's own refusal (no such person): back with an error, refused.
    let b = browser();
    let r = b
        .get(format!(
            "{}/api/v1/auth/oidc/test/start?login_hint=ghost@example.com",
            s.base
        ))
        .send()
        .await
        .unwrap();
    let mut next = r.headers()[LOCATION].to_str().unwrap().to_owned();
    for _ in 0..20 {
        if next.starts_with(&s.base) {
            break;
        }
        let r = b.get(&next).send().await.unwrap();
        let loc = r.headers()[LOCATION].to_str().unwrap();
        next = reqwest::Url::parse(&next)
            .unwrap()
            .join(loc)
            .unwrap()
            .to_string();
    }
    assert!(next.contains("error=access_denied"), "{next}");
    let (status, _) = callback_json(&b, &next).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_verified_email_joins_its_account_an_unverified_one_does_not() {
    let iss = provider_or_skip!();
    let s = start(&iss).await;
    // A password account, then the same person through the provider with a verified email.
    let email = format!("join-{}@example.com", uuid::Uuid::new_v4().simple());
    let u = s.register(&email).await;
    person(&iss, &email, true).await;
    let b = browser();
    let (url, _) = walk(&s, &b, &email).await;
    let (status, auth) = callback_json(&b, &url).await;
    assert_eq!(status, 200, "{auth}");
    assert_eq!(
        auth["user"]["id"],
        u.id.as_str(),
        "joined the existing account"
    );
    // Now it has a password and an identity: the identity may go.
    let ids = s.get("/users/me/identities", &u).await;
    let id = ids.body["items"][0]["id"].as_str().unwrap().to_owned();
    let r = s.delete(&format!("/users/me/identities/{id}"), &u).await;
    assert_eq!(r.status, 204, "{}", r.text);

    // An unverified email that belongs to an account: 409, nothing made, nothing joined.
    let email = format!("unverified-{}@example.com", uuid::Uuid::new_v4().simple());
    let u = s.register(&email).await;
    person(&iss, &email, false).await;
    let b = browser();
    let (url, _) = walk(&s, &b, &email).await;
    let (status, body) = callback_json(&b, &url).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "email_unverified");
    let ids = s.get("/users/me/identities", &u).await;
    assert_eq!(
        ids.body["items"].as_array().unwrap().len(),
        0,
        "{}",
        ids.text
    );
}

// ---- ID token checks on tokens signed here ----

type Keys = Arc<RwLock<JwkSet>>;

async fn serve_jwks(keys: Keys) -> String {
    async fn jwks(State(k): State<Keys>) -> Json<JwkSet> {
        Json(k.read().unwrap().clone())
    }
    let app = axum::Router::new()
        .route("/jwks", axum::routing::get(jwks))
        .with_state(keys);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/jwks")
}

#[tokio::test]
async fn id_tokens_are_checked() {
    let pem = std::fs::read(format!(
        "{}/tests/fixtures/keys/ec256.pem",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let key = EncodingKey::from_ec_pem(&pem).unwrap();
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::ES256).unwrap();
    jwk.common.key_id = Some("op-1".into());
    let url = serve_jwks(Arc::new(RwLock::new(JwkSet { keys: vec![jwk] }))).await;
    let jwks = Jwks::new(url, reqwest::Client::new(), std::time::Duration::ZERO);
    let iss = "https://op.example";
    let now = chrono::Utc::now().timestamp();
    let good = json!({"iss": iss, "aud": CLIENT_ID, "sub": "p1", "nonce": "n-123",
                      "iat": now, "exp": now + 300, "email": "p1@example.com", "email_verified": "true"});
    let sign = |c: &Value| {
        let mut h = Header::new(Algorithm::ES256);
        h.kid = Some("op-1".into());
        jsonwebtoken::encode(&h, c, &key).unwrap()
    };
    let claims = verify_id_token(&jwks, &sign(&good), iss, CLIENT_ID, "n-123")
        .await
        .unwrap();
    assert_eq!(claims.sub, "p1");
    assert!(
        claims.email_verified(),
        "Apple's string \"true\" reads as verified"
    );
    let with = |k: &str, v: Value| {
        let mut c = good.clone();
        c[k] = v;
        sign(&c)
    };
    let tampered = {
        use base64::Engine;
        let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let t = sign(&good);
        let p: Vec<&str> = t.split('.').collect();
        format!(
            "{}.{}.{}",
            p[0],
            b.encode(with_sub(&good).to_string()),
            p[2]
        )
    };
    for (what, token, nonce) in [
        ("tampered", tampered, "n-123"),
        ("expired", with("exp", json!(now - 3600)), "n-123"),
        (
            "wrong audience",
            with("aud", json!("another-client")),
            "n-123",
        ),
        (
            "wrong issuer",
            with("iss", json!("https://evil.example")),
            "n-123",
        ),
        ("wrong nonce", sign(&good), "n-other"),
        ("no nonce", with("nonce", Value::Null), "n-123"),
    ] {
        assert!(
            verify_id_token(&jwks, &token, iss, CLIENT_ID, nonce)
                .await
                .is_err(),
            "{what} accepted"
        );
    }
}

fn with_sub(c: &Value) -> Value {
    let mut c = c.clone();
    c["sub"] = json!("someone-else");
    c
}
