//! Issue 20 §2: the login limit holds under concurrency, is counted per (account, address) with
//! a wider limit per account, and registration is limited per address.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;

async fn login_from(s: &Server, ip: &str, email: &str, password: &str) -> u16 {
    s.client
        .post(format!("{}/api/v1/users/login", s.base))
        .header("x-forwarded-for", ip)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Wrong passwords checked so far for the account: its `user.login_failed` audit events.
async fn failures_checked(s: &Server, user: &str) -> usize {
    let id = user.parse().unwrap();
    s.state
        .store
        .audit_for(id)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "user.login_failed")
        .count()
}

#[tokio::test]
async fn thirty_concurrent_wrong_passwords_check_at_most_five() {
    let s = Server::start().await;
    let u = s.register("target@example.com").await;
    let mut tasks = Vec::new();
    for _ in 0..30 {
        let client = s.client.clone();
        let url = format!("{}/api/v1/users/login", s.base);
        let email = u.email.clone();
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .header("x-forwarded-for", "198.51.100.9")
                .json(&json!({"email": email, "password": "not the password"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let wrong = statuses.iter().filter(|&&c| c == 401).count();
    let limited = statuses.iter().filter(|&&c| c == 429).count();
    assert_eq!(wrong + limited, 30, "{statuses:?}");
    assert_eq!(wrong, 5, "exactly the limit checked: {statuses:?}");
    assert_eq!(failures_checked(&s, &u.id).await, 5);
}

#[tokio::test]
async fn a_stranger_cannot_lock_the_owner_out() {
    let s = Server::start().await;
    let u = s.register("owner@example.com").await;
    // Five wrong passwords from one address: that address waits…
    for _ in 0..5 {
        assert_eq!(
            login_from(&s, "203.0.113.5", &u.email, "guess guess").await,
            401
        );
    }
    assert_eq!(
        login_from(&s, "203.0.113.5", &u.email, &u.password).await,
        429
    );
    // …the owner, elsewhere, does not.
    assert_eq!(
        login_from(&s, "198.51.100.20", &u.email, &u.password).await,
        200
    );
    // Twenty wrong passwords from all addresses together throttle the account everywhere.
    let mut checked = 5;
    'outer: for a in 1..=10 {
        for _ in 0..5 {
            let code = login_from(&s, &format!("203.0.113.{}", 10 + a), &u.email, "guess").await;
            if code == 429 {
                break 'outer;
            }
            assert_eq!(code, 401);
            checked += 1;
        }
    }
    assert_eq!(
        checked, 20,
        "the account limit is 20 wrong passwords per 15 minutes"
    );
    assert_eq!(
        login_from(&s, "192.0.2.200", &u.email, &u.password).await,
        429
    );
}

#[tokio::test]
async fn a_right_password_gives_the_reservation_back() {
    let s = Server::start().await;
    let u = s.register("typo@example.com").await;
    for _ in 0..4 {
        assert_eq!(
            login_from(&s, "203.0.113.50", &u.email, "typo typo").await,
            401
        );
    }
    assert_eq!(
        login_from(&s, "203.0.113.50", &u.email, &u.password).await,
        200
    );
    // The earlier typos from this address no longer count: five more are allowed.
    for _ in 0..5 {
        assert_eq!(
            login_from(&s, "203.0.113.50", &u.email, "typo again").await,
            401
        );
    }
    assert_eq!(
        login_from(&s, "203.0.113.50", &u.email, "typo again").await,
        429
    );
}

#[tokio::test]
async fn registration_is_limited_per_address() {
    let s = Server::start_with(|c| c.registrations_per_ip_per_hour = 3).await;
    let register = |email: String, ip: &'static str| {
        let client = s.client.clone();
        let url = format!("{}/api/v1/users", s.base);
        async move {
            client
                .post(url)
                .header("x-forwarded-for", ip)
                .json(&json!({"email": email, "password": "a long password 1"}))
                .send()
                .await
                .unwrap()
        }
    };
    for i in 0..3 {
        let r = register(format!("r{i}@example.com"), "203.0.113.77").await;
        assert_eq!(r.status().as_u16(), 201);
    }
    let r = register("r3@example.com".into(), "203.0.113.77").await;
    assert_eq!(r.status().as_u16(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], 429, "{body}");
    // Another address still registers.
    let r = register("r4@example.com".into(), "203.0.113.78").await;
    assert_eq!(r.status().as_u16(), 201);
}
