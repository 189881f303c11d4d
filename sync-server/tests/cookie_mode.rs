//! Issue 20 §4: cookie mode keeps the refresh token out of reach of scripts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;

const MODE: &str = "x-lifepath-session";

fn cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn token_of(set_cookies: &[String]) -> String {
    let first = &set_cookies[0];
    first
        .split(';')
        .next()
        .unwrap()
        .strip_prefix("lifepath_refresh=")
        .unwrap()
        .to_owned()
}

async fn post(s: &Server, path: &str, cookie: Option<&str>, mode: bool) -> reqwest::Response {
    let mut req = s
        .client
        .post(format!("{}/api/v1{path}", s.base))
        .header("x-forwarded-for", &s.ip)
        .json(&json!({}));
    if let Some(c) = cookie {
        req = req.header("cookie", format!("lifepath_refresh={c}"));
    }
    if mode {
        req = req.header(MODE, "cookie");
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn cookie_mode_moves_the_refresh_token_into_an_http_only_cookie() {
    let s = Server::start_with(|c| c.refresh_reuse_ms = 0).await; // reuse at once (interval: refresh_reuse.rs)
    let u = s.register("cookie@example.com").await;
    let r = s
        .client
        .post(format!("{}/api/v1/users/login", s.base))
        .header(MODE, "cookie")
        .json(&json!({"email": u.email, "password": u.password}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let set = cookies(&r);
    assert_eq!(set.len(), 2, "{set:?}");
    for (c, path) in set
        .iter()
        .zip(["/api/v1/users/refresh", "/api/v1/users/logout"])
    {
        assert!(c.contains(&format!("Path={path}")), "{c}");
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Strict"),
            "{c}"
        );
        assert!(c.contains("Max-Age=2592000"), "{c}");
        // Development on a loopback host: `Secure` relaxed.
        assert!(!c.contains("Secure"), "{c}");
    }
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert!(body["access_token"].is_string());
    let first = token_of(&set);

    // The cookie alone (no header, as a cross-site form would send it) is not enough.
    let r = post(&s, "/users/refresh", Some(&first), false).await;
    assert_eq!(r.status(), 401);
    // With the header it refreshes, and rotates the cookie.
    let r = post(&s, "/users/refresh", Some(&first), true).await;
    assert_eq!(r.status(), 200);
    let second = token_of(&cookies(&r));
    assert_ne!(second, first);
    // The old one is spent (reuse revokes the family, as in body mode).
    assert_eq!(
        post(&s, "/users/refresh", Some(&first), true)
            .await
            .status(),
        401
    );
    assert_eq!(
        post(&s, "/users/refresh", Some(&second), true)
            .await
            .status(),
        401
    );

    // Log in again, log out: the cookies are cleared and the token revoked.
    let r = s
        .client
        .post(format!("{}/api/v1/users/login", s.base))
        .header(MODE, "cookie")
        .json(&json!({"email": u.email, "password": u.password}))
        .send()
        .await
        .unwrap();
    let third = token_of(&cookies(&r));
    let r = post(&s, "/users/logout", Some(&third), true).await;
    assert_eq!(r.status(), 204);
    let cleared = cookies(&r);
    assert_eq!(cleared.len(), 2);
    assert!(
        cleared
            .iter()
            .all(|c| c.starts_with("lifepath_refresh=;") && c.contains("Max-Age=0"))
    );
    assert_eq!(
        post(&s, "/users/refresh", Some(&third), true)
            .await
            .status(),
        401
    );

    // Body mode is unchanged for other clients.
    let r = s.login(&u.email, &u.password).await;
    assert!(r.body["refresh_token"].is_string());
    assert!(r.headers.get("set-cookie").is_none());
}

#[tokio::test]
async fn the_cookie_is_secure_in_production() {
    let s = Server::start_with(|c| c.production = true).await;
    let r = s
        .client
        .post(format!("{}/api/v1/users", s.base))
        .header(MODE, "cookie")
        .json(&json!({"email": "prod@example.com", "password": "a long password 1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert!(cookies(&r).iter().all(|c| c.contains("; Secure")));
}
