//! Issue 12: an access token stops working when its account is deleted, its password changes or
//! its sessions are all logged out — on every route, as 401 problem+json, writing nothing — and
//! a revocation made on one instance reaches another within `revocation_check_secs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

fn goal_body() -> Value {
    json!({"name": "Trip", "goal_type": "savings_target", "category": "vacation",
           "priority": "medium", "target_amount": "1000.00", "start_date": "2026-01-01"})
}

/// Every kind of request a stale token might make: a read, a REST write, a snapshot upsert and
/// a sync push; each must be 401 problem+json.
async fn assert_refused_everywhere(s: &Server, token: &str) {
    let snapshot = json!({"period_year": 2026, "period_month": 10,
                          "budget_model": budget("5000.00", "dining", "300.00")});
    let push = json!({"mutations": [{"op_id": uuid::Uuid::new_v4(), "entity": "goal",
        "id": uuid::Uuid::new_v4(), "base_version": 0, "op": "upsert", "data": goal_body()}]});
    for (method, path, body) in [
        (Method::GET, "/users/me", None),
        (Method::GET, "/goals", None),
        (Method::POST, "/goals", Some(goal_body())),
        (Method::POST, "/budgets/snapshots", Some(snapshot)),
        (Method::POST, "/sync/push", Some(push)),
        (Method::GET, "/sync/pull", None),
        (Method::POST, "/users/logout-all", None),
    ] {
        let r = s.call(method.clone(), path, Some(token), body).await;
        assert_problem(&r, 401);
        assert_eq!(r.body["code"], "unauthorized", "{method} {path}");
    }
}

#[tokio::test]
async fn a_deleted_accounts_token_is_refused_and_writes_nothing() {
    let s = Server::start().await;
    let u = s.register("gone@example.com").await;
    let other = s.register("stays@example.com").await;
    assert_eq!(s.get("/users/me", &u).await.status, 200);
    assert_eq!(s.delete("/users/me", &u).await.status, 204);
    assert_refused_everywhere(&s, &u.token).await;
    // Nothing was written for the deleted id, and the other account is untouched.
    assert_eq!(
        s.state
            .store
            .account(u.id.parse().unwrap())
            .await
            .unwrap()
            .map(|a| a.id),
        None
    );
    assert_eq!(
        s.state
            .store
            .audit_for(u.id.parse().unwrap())
            .await
            .unwrap()
            .len(),
        0
    );
    assert_eq!(s.get("/users/me", &other).await.status, 200);
    // Its refresh token is gone too.
    let r = s.refresh(&json!(u.refresh)).await;
    assert_problem(&r, 401);
}

#[tokio::test]
async fn logout_all_ends_every_session() {
    let s = Server::start().await;
    let u = s.register("many@example.com").await;
    let login = s.login(&u.email, &u.password).await;
    assert_eq!(login.status, 200, "{}", login.text);
    let token2 = login.body["access_token"].as_str().unwrap().to_owned();
    let refresh2 = login.body["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(
        s.call(Method::GET, "/users/me", Some(&token2), None)
            .await
            .status,
        200
    );
    let r = s
        .call(Method::POST, "/users/logout-all", Some(&u.token), None)
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_refused_everywhere(&s, &u.token).await;
    assert_refused_everywhere(&s, &token2).await;
    for refresh in [&u.refresh, &refresh2] {
        let r = s.refresh(&json!(refresh)).await;
        assert_problem(&r, 401);
    }
    // A new sign-in works at once, and its token is good.
    let login = s.login(&u.email, &u.password).await;
    assert_eq!(login.status, 200, "{}", login.text);
    let fresh = login.body["access_token"].as_str().unwrap();
    assert_eq!(
        s.call(Method::GET, "/users/me", Some(fresh), None)
            .await
            .status,
        200
    );
    let events = s
        .get(
            "/users/me/export",
            &User {
                token: fresh.into(),
                ..u.clone()
            },
        )
        .await;
    assert!(
        events.body["audit_events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "user.logout_all"),
        "{}",
        events.text
    );
}

#[tokio::test]
async fn a_password_change_revokes_the_other_sessions() {
    let s = Server::start().await;
    let u = s.register("pw@example.com").await;
    // A wrong current password: 422 naming it; nothing changes.
    let r = s
        .post(
            "/users/me/password",
            &u,
            json!({"current_password": "not it at all", "new_password": "a brand new one"}),
        )
        .await;
    assert_problem(&r, 422);
    assert_eq!(r.body["errors"][0]["field"], "current_password");
    let r = s
        .post(
            "/users/me/password",
            &u,
            json!({"current_password": u.password, "new_password": "short"}),
        )
        .await;
    assert_problem(&r, 422);
    assert_eq!(r.body["errors"][0]["field"], "new_password");
    assert_eq!(s.get("/users/me", &u).await.status, 200);

    let r = s
        .post(
            "/users/me/password",
            &u,
            json!({"current_password": u.password, "new_password": "a brand new one"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let fresh = r.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(r.body["token_type"], "Bearer");
    assert_refused_everywhere(&s, &u.token).await;
    assert_eq!(
        s.call(Method::GET, "/users/me", Some(&fresh), None)
            .await
            .status,
        200
    );
    let r = s.refresh(&json!(u.refresh)).await;
    assert_problem(&r, 401);
    assert_eq!(s.login(&u.email, &u.password).await.status, 401);
    assert_eq!(s.login(&u.email, "a brand new one").await.status, 200);
}

#[tokio::test]
async fn a_revocation_reaches_another_instance_within_its_check_interval() {
    let a = Server::start_with(|c| c.revocation_check_secs = 1).await;
    let b = a.another_instance(|c| c.revocation_check_secs = 1).await;
    let u = a.register("two@example.com").await;
    // B has seen (and cached) the token as good.
    assert_eq!(b.get("/users/me", &u).await.status, 200);
    assert_eq!(
        a.call(Method::POST, "/users/logout-all", Some(&u.token), None)
            .await
            .status,
        204
    );
    // A knows at once; B within its interval (1 s here, 5 s by default).
    assert_problem(&a.get("/users/me", &u).await, 401);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_problem(&b.get("/users/me", &u).await, 401);
}

#[tokio::test]
async fn linked_debt_id_must_name_a_debt_of_the_latest_snapshot() {
    let s = Server::start().await;
    let u = s.register("debt@example.com").await;
    let mut g = goal_body();
    g["goal_type"] = json!("debt_payoff");
    g["category"] = json!("debt");
    g["linked_debt_id"] = json!("card");
    // No snapshot yet: no debt to link to.
    let r = s.post("/goals", &u, g.clone()).await;
    assert_problem(&r, 422);
    assert_eq!(r.body["errors"][0]["field"], "linked_debt_id");
    let mut model = budget("5000.00", "dining", "300.00");
    model["debts"] = json!([{"id": "card", "name": "Card", "balance": "3000.00",
        "interest_rate": "22.99", "min_payment": "90.00", "priority": "high"}]);
    let r = s
        .post(
            "/budgets/snapshots",
            &u,
            json!({"period_year": 2026, "period_month": 10, "budget_model": model}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    g["linked_debt_id"] = json!("loan");
    let r = s.post("/goals", &u, g.clone()).await;
    assert_problem(&r, 422);
    assert_eq!(r.body["errors"][0]["field"], "linked_debt_id");
    g["linked_debt_id"] = json!("card");
    let r = s.post("/goals", &u, g.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let r = s
        .patch(
            &format!("/goals/{id}"),
            &u,
            json!({"linked_debt_id": "loan"}),
        )
        .await;
    assert_problem(&r, 422);
    assert_eq!(r.body["errors"][0]["field"], "linked_debt_id");
    // Unlinking, and edits that keep the link, are fine.
    let r = s
        .patch(&format!("/goals/{id}"), &u, json!({"name": "Card gone"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s
        .patch(&format!("/goals/{id}"), &u, json!({"linked_debt_id": null}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}
