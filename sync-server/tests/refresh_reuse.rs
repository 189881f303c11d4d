//! DESIGN §5 "Passwords": a rotated refresh token presented again within the reuse interval
//! (10 s) answers the same new pair — two tabs refreshing at once stay signed in — and reuse
//! after the interval still revokes the whole family. On SQLite and, with
//! `LIFEPATH_TEST_PG_URL`, PostgreSQL (the concurrent claims then race on real row locks).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Server;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn eight_tabs_refreshing_at_once_get_one_pair() {
    let s = Server::start().await;
    let u = s.register("tabs@example.com").await;
    let token = json!(u.refresh);
    let answers = futures_util::future::join_all((0..8).map(|_| s.refresh(&token))).await;
    for r in &answers {
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let pair = |r: &common::Resp| {
        (
            r.body["access_token"].as_str().unwrap().to_owned(),
            r.body["refresh_token"].as_str().unwrap().to_owned(),
        )
    };
    let first = pair(&answers[0]);
    for r in &answers[1..] {
        assert_eq!(pair(r), first, "every tab gets the same new pair");
    }
    assert_ne!(first.1, u.refresh);
    // The pair works: the access token reads, the new refresh token rotates once more.
    let me = s.call(Method::GET, "/users/me", Some(&first.0), None).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.body["email"], "tabs@example.com");
    let next = s.refresh(&json!(first.1)).await;
    assert_eq!(next.status, 200, "{}", next.text);
    // No reuse was detected: nothing revoked, no such audit event.
    let audit = s.get("/users/me/audit", &u).await;
    assert!(
        !audit.text.contains("token.reuse_detected"),
        "{}",
        audit.text
    );
}

#[tokio::test]
async fn reuse_after_the_interval_revokes_the_family() {
    let s = Server::start_with(|c| c.refresh_reuse_ms = 300).await;
    let u = s.register("late@example.com").await;
    let first = s.refresh(&json!(u.refresh)).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let again = s.refresh(&json!(u.refresh)).await;
    assert_eq!(again.status, 200, "within the interval: {}", again.text);
    assert_eq!(again.body["refresh_token"], first.body["refresh_token"]);

    tokio::time::sleep(std::time::Duration::from_millis(450)).await;
    let late = s.refresh(&json!(u.refresh)).await;
    common::assert_problem(&late, 401);
    // The family is revoked: the pair handed out is refused too, and so is a replay of it.
    let r = s.refresh(&first.body["refresh_token"]).await;
    common::assert_problem(&r, 401);
    let audit = s.get("/users/me/audit", &u).await;
    assert!(
        audit.text.contains("token.reuse_detected"),
        "{}",
        audit.text
    );
}

#[tokio::test]
async fn a_logged_out_session_is_not_replayed() {
    let s = Server::start().await;
    let u = s.register("out@example.com").await;
    let first = s.refresh(&json!(u.refresh)).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let r = s
        .call(
            Method::POST,
            "/users/logout",
            None,
            Some(json!({"refresh_token": first.body["refresh_token"]})),
        )
        .await;
    assert!(r.status == 204 || r.status == 200, "{}", r.text);
    // Within the interval, but the family is revoked: refused, not replayed.
    common::assert_problem(&s.refresh(&json!(u.refresh)).await, 401);
}
