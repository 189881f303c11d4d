//! Password reset by email (DESIGN §5 "Passwords", issue 17 §4) through a REAL SMTP server:
//! Python's aiosmtpd on loopback (tests/smtp/server.py, started by scripts/test-server.sh, which
//! sets `LIFEPATH_TEST_SMTP_URL` and `LIFEPATH_TEST_SMTP_DIR`, where each received message is a
//! file). On SQLite and, with `LIFEPATH_TEST_PG_URL`, PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Server, assert_problem, mail_server, messages, smtp_or_skip};
use reqwest::Method;
use serde_json::json;

async fn wait_for(dir: &str, to: &str, count: usize) -> Vec<String> {
    let start = Instant::now();
    loop {
        let m = messages(dir, to);
        if m.len() >= count || start.elapsed() > Duration::from_secs(10) {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The token of the reset link in a message.
fn token_of(text: &str) -> String {
    let at = text.find("token=").expect("a link with a token");
    text[at + 6..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

async fn post(s: &Server, path: &str, body: serde_json::Value) -> common::Resp {
    s.call(Method::POST, path, None, Some(body)).await
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_email() {
    let Some((url, dir)) = smtp_or_skip() else {
        return;
    };
    let s = mail_server(url, "lifepath <no-reply@lifepath.test>").await;
    let email = format!("forgot-{}@example.com", uuid::Uuid::new_v4().simple());
    let u = s.register(&email).await;
    let r = post(
        &s,
        "/users/password-reset",
        json!({"email": email.to_uppercase()}),
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let mail = wait_for(&dir, &email, 1).await;
    assert_eq!(mail.len(), 1, "one message");
    let m = &mail[0];
    assert!(m.contains("Subject: Reset your lifepath password"), "{m}");
    assert!(m.contains("From: lifepath <no-reply@lifepath.test>"), "{m}");
    assert!(m.contains(&format!("To: {email}")), "{m}");
    assert!(m.contains("multipart/alternative"), "{m}");
    assert!(m.contains("text/plain") && m.contains("text/html"), "{m}");
    assert!(m.contains("#/reset-password?token="), "{m}");
    let token = token_of(m);
    assert!(token.len() >= 32, "{token}");

    // A bad password is refused first, the token kept.
    let r = post(
        &s,
        "/users/password-reset/confirm",
        json!({"token": token, "new_password": "short"}),
    )
    .await;
    assert_problem(&r, 422);
    assert!(r.text.contains("new_password"), "{}", r.text);
    let new = "a brand new passphrase 42";
    let r = post(
        &s,
        "/users/password-reset/confirm",
        json!({"token": token, "new_password": new}),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text);
    // Every session revoked; the old password refused, the new one works.
    assert_problem(&s.get("/users/me", &u).await, 401);
    assert_problem(&s.refresh(&json!(u.refresh)).await, 401);
    assert_problem(&s.login(&email, &u.password).await, 401);
    let r = s.login(&email, new).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Single use.
    let r = post(
        &s,
        "/users/password-reset/confirm",
        json!({"token": token, "new_password": "yet another passphrase"}),
    )
    .await;
    assert_problem(&r, 422);
    assert!(r.text.contains("token"), "{}", r.text);
    // The account's audit trail has both.
    let login = s.login(&email, new).await;
    let access = login.body["access_token"].as_str().unwrap();
    let audit = s
        .call(Method::GET, "/users/me/audit", Some(access), None)
        .await;
    assert!(
        audit.text.contains("user.password_reset_requested"),
        "{}",
        audit.text
    );
    assert!(
        audit.text.contains("\"user.password_reset\""),
        "{}",
        audit.text
    );
}

#[tokio::test]
async fn unknown_emails_get_the_same_answer_and_no_message() {
    let Some((url, dir)) = smtp_or_skip() else {
        return;
    };
    let s = mail_server(url, "lifepath <no-reply@lifepath.test>").await;
    let known = format!("known-{}@example.com", uuid::Uuid::new_v4().simple());
    s.register(&known).await;
    let unknown = format!("nobody-{}@example.com", uuid::Uuid::new_v4().simple());
    let mut times = Vec::new();
    for email in [&known, &unknown] {
        let t = Instant::now();
        let r = post(&s, "/users/password-reset", json!({ "email": email })).await;
        times.push(t.elapsed());
        assert_eq!(r.status, 202, "{}", r.text);
        assert_eq!(r.text, "", "the same (empty) answer");
    }
    println!(
        "password-reset answer times: known {:?}, unknown {:?} (the lookup and the email happen after the answer)",
        times[0], times[1]
    );
    assert_eq!(wait_for(&dir, &known, 1).await.len(), 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(messages(&dir, &unknown).is_empty());
    // A malformed email is a field error, whatever the accounts.
    let r = post(
        &s,
        "/users/password-reset",
        json!({"email": "not an email"}),
    )
    .await;
    assert_problem(&r, 422);
}

#[tokio::test]
async fn tokens_expire_and_the_newest_use_spends_the_others() {
    let Some((url, dir)) = smtp_or_skip() else {
        return;
    };
    let s = mail_server(url, "lifepath <no-reply@lifepath.test>").await;
    let email = format!("twice-{}@example.com", uuid::Uuid::new_v4().simple());
    let u = s.register(&email).await;
    for _ in 0..2 {
        let r = post(&s, "/users/password-reset", json!({ "email": email })).await;
        assert_eq!(r.status, 202);
    }
    let mail = wait_for(&dir, &email, 2).await;
    assert_eq!(mail.len(), 2);
    let (first, second) = (token_of(&mail[0]), token_of(&mail[1]));
    assert_ne!(first, second);
    let r = post(
        &s,
        "/users/password-reset/confirm",
        json!({"token": second, "new_password": "the second passphrase"}),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = post(
        &s,
        "/users/password-reset/confirm",
        json!({"token": first, "new_password": "the first passphrase"}),
    )
    .await;
    assert_problem(&r, 422);

    // An expired token (written as if made 31 minutes ago) is refused.
    let now = chrono::Utc::now().timestamp_micros();
    let user: lifepath_core::UserId = u.id.parse().unwrap();
    let token = "expired-token-expired-token-expired-token";
    s.state
        .store
        .insert_password_reset(
            &lifepath_sync_server::crypto::token_hash(token),
            user,
            now - 60_000_000,
            now,
        )
        .await
        .unwrap();
    let r = post(
        &s,
        "/users/password-reset/confirm",
        json!({"token": token, "new_password": "too late passphrase"}),
    )
    .await;
    assert_problem(&r, 422);
}
