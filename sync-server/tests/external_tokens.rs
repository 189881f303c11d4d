//! A host app's own access tokens (DESIGN §5 "Identity", issue 17 §2), on SQLite and, with
//! `LIFEPATH_TEST_PG_URL`, PostgreSQL. A real JWKS is served on loopback (axum) with an RSA, an
//! Ed25519 and a P-256 key (test-only keys in `tests/fixtures/keys/`); tokens are signed with
//! them by `jsonwebtoken`. Checked: each algorithm accepted by `kid`; the `sub` is one account,
//! made on first use; wrong issuer, audience, expiry, key, `kid`, algorithm and a tampered
//! payload refused; a key rotated in is picked up and one rotated out stops verifying; revoked,
//! disabled and deleted accounts refuse their earlier tokens; the identity is listed and is
//! never removed when it is the last way to sign in.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, RwLock};

use axum::Json;
use axum::extract::State;
use common::{Server, assert_problem};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use lifepath_sync_server::config::{AdminCommand, Config, ExternalJwt};
use reqwest::Method;
use serde_json::{Value, json};

const ISSUER: &str = "https://host-app.example";
const AUDIENCE: &str = "lifepath";

fn key(file: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/keys/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

struct Signer {
    kid: &'static str,
    alg: Algorithm,
    key: EncodingKey,
}

impl Signer {
    fn rsa(kid: &'static str, file: &str) -> Signer {
        Signer {
            kid,
            alg: Algorithm::RS256,
            key: EncodingKey::from_rsa_pem(&key(file)).unwrap(),
        }
    }
    fn ed(kid: &'static str) -> Signer {
        Signer {
            kid,
            alg: Algorithm::EdDSA,
            key: EncodingKey::from_ed_pem(&key("ed25519.pem")).unwrap(),
        }
    }
    fn ec(kid: &'static str) -> Signer {
        Signer {
            kid,
            alg: Algorithm::ES256,
            key: EncodingKey::from_ec_pem(&key("ec256.pem")).unwrap(),
        }
    }
    fn jwk(&self) -> Jwk {
        let mut j = Jwk::from_encoding_key(&self.key, self.alg).unwrap();
        j.common.key_id = Some(self.kid.to_owned());
        j
    }
    fn sign(&self, claims: &Value) -> String {
        let mut h = Header::new(self.alg);
        h.kid = Some(self.kid.to_owned());
        jsonwebtoken::encode(&h, claims, &self.key).unwrap()
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims(sub: &str) -> Value {
    json!({"iss": ISSUER, "aud": AUDIENCE, "sub": sub, "iat": now(), "exp": now() + 600,
           "email": format!("{sub}@host.example"), "email_verified": true, "name": "Host User"})
}

type Keys = Arc<RwLock<JwkSet>>;

/// Serves `keys` at `/jwks.json` on loopback; its URL.
async fn serve_jwks(keys: Keys) -> String {
    async fn jwks(State(k): State<Keys>) -> Json<JwkSet> {
        Json(k.read().unwrap().clone())
    }
    let app = axum::Router::new()
        .route("/jwks.json", axum::routing::get(jwks))
        .with_state(keys);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/jwks.json")
}

async fn start(keys: Keys) -> Server {
    let url = serve_jwks(keys).await;
    Server::start_with(move |c| {
        c.external_jwt = Some(ExternalJwt {
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
            jwks_url: url,
            min_refetch_ms: 0,
        });
        // Read the account's gate afresh on every request (revocations seen at once).
        c.revocation_check_secs = 0;
    })
    .await
}

async fn me(s: &Server, token: &str) -> common::Resp {
    s.call(Method::GET, "/users/me", Some(token), None).await
}

#[tokio::test]
async fn the_host_apps_tokens_are_accepted_by_kid() {
    let rsa = Signer::rsa("rsa-1", "rsa.pem");
    let ed = Signer::ed("ed-1");
    let ec = Signer::ec("ec-1");
    let keys = Arc::new(RwLock::new(JwkSet {
        keys: vec![rsa.jwk(), ed.jwk(), ec.jwk()],
    }));
    let s = start(keys.clone()).await;

    // First use makes the account, with the token's email and name.
    let r = me(&s, &rsa.sign(&claims("host-1"))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["email"], "host-1@host.example");
    assert_eq!(r.body["display_name"], "Host User");
    // The same subject through any key of the set: the same account.
    for t in [
        rsa.sign(&claims("host-1")),
        ed.sign(&claims("host-1")),
        ec.sign(&claims("host-1")),
    ] {
        let r = me(&s, &t).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["id"], id.as_str());
    }
    // It writes and reads like any account; another subject is another account, isolated.
    let t1 = ed.sign(&claims("host-1"));
    let r = s
        .call(
            Method::POST,
            "/budgets/snapshots",
            Some(&t1),
            Some(json!({"period_year": 2026, "period_month": 5, "budget_model": common::budget("4000.00", "dining", "300.00")})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let snap = r.body["id"].as_str().unwrap().to_owned();
    let t2 = ec.sign(&claims("host-2"));
    let r = me(&s, &t2).await;
    assert_ne!(r.body["id"], id.as_str());
    assert_problem(
        &s.call(
            Method::GET,
            &format!("/budgets/snapshots/{snap}"),
            Some(&t2),
            None,
        )
        .await,
        404,
    );
    // No email in the token: an account with none (and no password).
    let mut c = claims("host-3");
    c.as_object_mut().unwrap().remove("email");
    let r = me(&s, &ed.sign(&c)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["email"].is_null(), "{}", r.text);
    // The email of a token never opens a password login: that account has no password.
    assert_problem(
        &s.login("host-1@host.example", "correct horse battery")
            .await,
        401,
    );

    // The identity is listed, and is the account's only way to sign in.
    let r = s
        .call(Method::GET, "/users/me/identities", Some(&t1), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", r.text);
    assert_eq!(items[0]["provider"], "external");
    assert_eq!(items[0]["issuer"], ISSUER);
    assert_eq!(items[0]["subject"], "host-1");
    assert_eq!(items[0]["email"], "host-1@host.example");
    let iid = items[0]["id"].as_str().unwrap();
    let r = s
        .call(
            Method::DELETE,
            &format!("/users/me/identities/{iid}"),
            Some(&t1),
            None,
        )
        .await;
    assert_problem(&r, 409);
    assert_eq!(r.body["code"], "last_sign_in_method");
    // Another account's identity id is not found.
    let r = s
        .call(
            Method::DELETE,
            &format!("/users/me/identities/{iid}"),
            Some(&t2),
            None,
        )
        .await;
    assert_problem(&r, 404);
}

#[tokio::test]
async fn bad_tokens_are_refused() {
    let rsa = Signer::rsa("rsa-1", "rsa.pem");
    let ed = Signer::ed("ed-1");
    let keys = Arc::new(RwLock::new(JwkSet {
        keys: vec![rsa.jwk(), ed.jwk()],
    }));
    let s = start(keys).await;
    let good = claims("careful");
    assert_eq!(me(&s, &rsa.sign(&good)).await.status, 200);
    let with = |k: &str, v: Value| {
        let mut c = good.clone();
        c[k] = v;
        c
    };
    let refused = [
        (
            "wrong issuer",
            rsa.sign(&with("iss", json!("https://evil.example"))),
        ),
        (
            "wrong audience",
            rsa.sign(&with("aud", json!("someone-else"))),
        ),
        ("expired", rsa.sign(&with("exp", json!(now() - 3600)))),
        ("not yet valid", rsa.sign(&with("nbf", json!(now() + 3600)))),
        ("no subject", rsa.sign(&with("sub", json!("")))),
        (
            "a key not in the set, under a kid of the set",
            Signer::rsa("rsa-1", "rsa-other.pem").sign(&good),
        ),
        (
            "an unknown kid",
            Signer::rsa("nobody", "rsa.pem").sign(&good),
        ),
        ("the right key, another algorithm than its JWK's", {
            let mut h = Header::new(Algorithm::RS384);
            h.kid = Some("rsa-1".into());
            jsonwebtoken::encode(
                &h,
                &good,
                &EncodingKey::from_rsa_pem(&key("rsa.pem")).unwrap(),
            )
            .unwrap()
        }),
        ("HS256 with a guessable secret", {
            let mut h = Header::new(Algorithm::HS256);
            h.kid = Some("rsa-1".into());
            jsonwebtoken::encode(&h, &good, &EncodingKey::from_secret(b"secret")).unwrap()
        }),
        ("alg none", {
            use base64::Engine;
            let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            format!(
                "{}.{}.",
                b.encode(br#"{"alg":"none","typ":"JWT","kid":"rsa-1"}"#),
                b.encode(good.to_string())
            )
        }),
        ("a tampered payload", {
            use base64::Engine;
            let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            let t = ed.sign(&good);
            let parts: Vec<&str> = t.split('.').collect();
            let forged = b.encode(with("sub", json!("someone-else")).to_string());
            format!("{}.{}.{}", parts[0], forged, parts[2])
        }),
    ];
    for (what, token) in refused {
        let r = me(&s, &token).await;
        assert_eq!(r.status, 401, "{what}: {}", r.text);
        assert!(
            !r.text.contains("kid"),
            "{what}: no detail leaks: {}",
            r.text
        );
    }
}

#[tokio::test]
async fn keys_rotate_in_and_out() {
    let old = Signer::rsa("rsa-1", "rsa.pem");
    let new = Signer::rsa("rsa-2", "rsa-other.pem");
    let keys = Arc::new(RwLock::new(JwkSet {
        keys: vec![old.jwk()],
    }));
    let s = start(keys.clone()).await;
    let r = me(&s, &old.sign(&claims("rotating"))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.body["id"].clone();
    // The host app publishes a new key and signs with it: picked up at its first token.
    keys.write().unwrap().keys.push(new.jwk());
    let r = me(&s, &new.sign(&claims("rotating"))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["id"], id);
    // The old key leaves the set: at the next fetch its tokens stop verifying.
    keys.write()
        .unwrap()
        .keys
        .retain(|k| k.common.key_id.as_deref() == Some("rsa-2"));
    // An unknown kid triggers that fetch.
    let _ = me(
        &s,
        &Signer::rsa("rsa-3", "rsa.pem").sign(&claims("rotating")),
    )
    .await;
    assert_problem(&me(&s, &old.sign(&claims("rotating"))).await, 401);
    assert_eq!(me(&s, &new.sign(&claims("rotating"))).await.status, 200);
}

#[tokio::test]
async fn revoked_disabled_and_deleted_accounts_refuse_earlier_tokens() {
    let ed = Signer::ed("ed-1");
    let keys = Arc::new(RwLock::new(JwkSet {
        keys: vec![ed.jwk()],
    }));
    let s = start(keys).await;
    let issued = |sub: &str, iat: i64| {
        let mut c = claims(sub);
        c["iat"] = json!(iat);
        ed.sign(&c)
    };
    // Sessions revoked (logout-all): a token issued before is refused, a later one accepted.
    let t = issued("revoked", now() - 5);
    assert_eq!(me(&s, &t).await.status, 200);
    let r = s
        .call(Method::POST, "/users/logout-all", Some(&t), None)
        .await;
    assert!(r.status == 204 || r.status == 200, "{}", r.text);
    assert_problem(&me(&s, &t).await, 401);
    assert_eq!(me(&s, &issued("revoked", now() + 2)).await.status, 200);

    // Disabled by an admin: 401 account_disabled, whatever the token's age.
    let admin = s.register("host-admin@example.com").await;
    lifepath_sync_server::admin_command(
        Config::for_tests(&s.database_url),
        AdminCommand::Grant {
            email: admin.email.clone(),
        },
    )
    .await
    .unwrap();
    let t = issued("disabled", now());
    let id = me(&s, &t).await.body["id"].as_str().unwrap().to_owned();
    let r = s
        .post(&format!("/admin/users/{id}/disable"), &admin, json!({}))
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = me(&s, &issued("disabled", now() + 5)).await;
    assert_problem(&r, 401);
    assert_eq!(r.body["code"], "account_disabled");

    // Deleted: its earlier tokens are refused (no new account made behind the person's back);
    // a token issued after the deletion starts a new, empty account.
    let t = issued("deleted", now() - 5);
    let first = me(&s, &t).await.body["id"].as_str().unwrap().to_owned();
    let r = s.call(Method::DELETE, "/users/me", Some(&t), None).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_problem(&me(&s, &t).await, 401);
    let r = me(&s, &issued("deleted", now() + 2)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_ne!(r.body["id"], first.as_str());
}

#[tokio::test]
async fn many_first_requests_at_once_make_one_account() {
    let ec = Signer::ec("ec-1");
    let keys = Arc::new(RwLock::new(JwkSet {
        keys: vec![ec.jwk()],
    }));
    let s = start(keys).await;
    let t = ec.sign(&claims("stampede"));
    let answers = futures_util::future::join_all((0..8).map(|_| me(&s, &t))).await;
    let ids: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|r| {
            assert_eq!(r.status, 200, "{}", r.text);
            r.body["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
}
