//! Issue 13 §3–4: the source design's filters (snapshots by months, one month's snapshot, goals
//! by status and category) and the account's own audit events; each isolated per user.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json};

async fn snapshot(s: &Server, u: &User, year: i64, month: i64) {
    let r = s
        .post(
            "/budgets/snapshots",
            u,
            json!({"period_year": year, "period_month": month,
                   "budget_model": budget("4000.00", "dining", "300.00")}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

fn periods(r: &Resp) -> Vec<String> {
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{}-{:02}",
                i["period_year"].as_i64().unwrap(),
                i["period_month"].as_i64().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn snapshots_by_months_and_by_period() {
    let s = Server::start().await;
    let u = s.register("months@example.com").await;
    let other = s.register("other-months@example.com").await;
    for m in 1..=6 {
        snapshot(&s, &u, 2026, m).await;
    }
    let r = s
        .get("/budgets/snapshots?from=2026-02&to=2026-04", &u)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(periods(&r), ["2026-04", "2026-03", "2026-02"]);
    let r = s.get("/budgets/snapshots?from=2026-05", &u).await;
    assert_eq!(periods(&r), ["2026-06", "2026-05"]);
    let r = s.get("/budgets/snapshots?to=2026-01", &u).await;
    assert_eq!(periods(&r), ["2026-01"]);
    // Paged within the filter.
    let mut seen = Vec::new();
    let mut path = "/budgets/snapshots?from=2026-02&to=2026-05&limit=3".to_owned();
    loop {
        let r = s.get(&path, &u).await;
        seen.extend(periods(&r));
        match r.body["next_cursor"].as_str() {
            Some(c) => {
                path = format!("/budgets/snapshots?from=2026-02&to=2026-05&limit=3&cursor={c}")
            }
            None => break,
        }
    }
    assert_eq!(seen, ["2026-05", "2026-04", "2026-03", "2026-02"]);
    let r = s
        .get("/budgets/snapshots?from=2026-05&to=2026-02", &u)
        .await;
    assert_problem(&r, 422);
    assert_eq!(r.body["errors"][0]["field"], "to");
    assert_problem(&s.get("/budgets/snapshots?from=2026-13", &u).await, 422);
    // Another user's months are not listed.
    assert_eq!(
        periods(&s.get("/budgets/snapshots?from=2026-01", &other).await),
        Vec::<String>::new()
    );

    let r = s.get("/budgets/snapshots/by-period/2026-03", &u).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["period_month"], 3);
    assert_problem(
        &s.get("/budgets/snapshots/by-period/2025-03", &u).await,
        404,
    );
    assert_problem(
        &s.get("/budgets/snapshots/by-period/2026-03", &other).await,
        404,
    );
    assert_problem(&s.get("/budgets/snapshots/by-period/march", &u).await, 404);
}

fn goal(name: &str, category: &str) -> Value {
    json!({"name": name, "goal_type": "savings_target", "category": category, "priority": "high",
        "target_amount": "3000.00", "current_amount": "100.00", "start_date": "2026-01-01",
        "target_date": "2027-06-30"})
}

fn names(r: &Resp) -> Vec<String> {
    let mut n: Vec<String> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect();
    n.sort();
    n
}

#[tokio::test]
async fn goals_by_status_and_category() {
    let s = Server::start().await;
    let u = s.register("filters@example.com").await;
    let other = s.register("other-filters@example.com").await;
    let mut ids = Vec::new();
    for (name, cat) in [
        ("Trip", "vacation"),
        ("Buffer", "emergency"),
        ("Car", "vehicle"),
        ("Beach", "vacation"),
    ] {
        let r = s.post("/goals", &u, goal(name, cat)).await;
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }
    s.post("/goals", &other, goal("Theirs", "vacation")).await;
    let r = s
        .patch(
            &format!("/goals/{}", ids[1]),
            &u,
            json!({"status": "paused"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s
        .patch(
            &format!("/goals/{}", ids[2]),
            &u,
            json!({"status": "abandoned"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    assert_eq!(names(&s.get("/goals?status=paused", &u).await), ["Buffer"]);
    assert_eq!(
        names(&s.get("/goals?status=active&status=paused", &u).await),
        ["Beach", "Buffer", "Trip"]
    );
    assert_eq!(
        names(&s.get("/goals?status=active,abandoned", &u).await),
        ["Beach", "Car", "Trip"]
    );
    assert_eq!(
        names(&s.get("/goals?category=vacation", &u).await),
        ["Beach", "Trip"]
    );
    assert_eq!(
        names(&s.get("/goals?category=vacation&status=active", &u).await),
        ["Beach", "Trip"]
    );
    assert_eq!(
        names(&s.get("/goals?status=completed", &u).await),
        Vec::<String>::new()
    );
    // Paged, newest first, with the list's cursors.
    let r = s.get("/goals?category=vacation&limit=1", &u).await;
    assert_eq!(r.body["items"][0]["name"], "Beach");
    let c = r.body["next_cursor"].as_str().unwrap();
    let r = s
        .get(&format!("/goals?category=vacation&limit=1&cursor={c}"), &u)
        .await;
    assert_eq!(r.body["items"][0]["name"], "Trip");
    assert!(r.body["next_cursor"].is_null());
    // Bad values name the parameter.
    let r = s.get("/goals?status=sleeping", &u).await;
    assert_problem(&r, 422);
    assert_eq!(r.body["errors"][0]["field"], "status");
    assert_problem(&s.get("/goals?category=yacht", &u).await, 422);
    // Another user's goals never show.
    assert_eq!(
        names(&s.get("/goals?category=vacation", &other).await),
        ["Theirs"]
    );
}

#[tokio::test]
async fn the_account_reads_its_own_audit_events() {
    let s = Server::start().await;
    let u = s.register("audited@example.com").await;
    let other = s.register("other-audited@example.com").await;
    assert_eq!(s.login(&u.email, &u.password).await.status, 200);
    let r = s.post("/budgets/sessions", &u, json!({"draft": {}})).await;
    let sid = r.body["id"].as_str().unwrap().to_owned();
    let r = s
        .patch(
            &format!("/budgets/sessions/{sid}"),
            &u,
            json!({"stage": "partial", "partial": {"x": 1}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(s.get("/users/me/export", &u).await.status, 200);

    let r = s.get("/users/me/audit", &u).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let items = r.body["items"].as_array().unwrap();
    let actions: Vec<&str> = items
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions[0], "user.export", "newest first: {actions:?}");
    assert!(
        actions.contains(&"user.login") && actions.contains(&"user.register"),
        "{actions:?}"
    );
    let stage = items
        .iter()
        .find(|e| e["action"] == "budget_session.update")
        .unwrap();
    assert_eq!(stage["details"]["from_stage"], "draft", "{stage}");
    assert_eq!(stage["details"]["to_stage"], "partial", "{stage}");
    // Nothing of the draft's content or any amount.
    assert!(!r.text.contains("\"x\""), "{}", r.text);

    let r = s.get("/users/me/audit?action=user.login", &u).await;
    let logins = r.body["items"].as_array().unwrap();
    assert_eq!(logins.len(), 1);
    assert_eq!(logins[0]["action"], "user.login");

    // Paged.
    let mut all = Vec::new();
    let mut path = "/users/me/audit?limit=2".to_owned();
    loop {
        let r = s.get(&path, &u).await;
        assert_eq!(r.status, 200, "{}", r.text);
        all.extend(
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].clone()),
        );
        match r.body["next_cursor"].as_str() {
            Some(c) => path = format!("/users/me/audit?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(all.len(), items.len());
    assert_problem(&s.get("/users/me/audit?cursor=nonsense", &u).await, 422);
    assert_problem(&s.get("/users/me/audit?limit=0", &u).await, 422);

    // Another account sees only its own.
    let r = s.get("/users/me/audit", &other).await;
    let theirs: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(theirs, ["user.register"]);
}

#[tokio::test]
async fn refused_refreshes_are_the_accounts_own_audit_events() {
    let s = Server::start_with(|c| c.refresh_reuse_ms = 0).await; // reuse at once
    let u = s.register("refused@example.com").await;
    let other = s.register("other-refused@example.com").await;
    // Used twice: the second is a reuse, and the family is revoked.
    let first = s.refresh(&json!(u.refresh)).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(s.refresh(&json!(u.refresh)).await.status, 401);
    // The rotated token of the revoked family is refused as revoked.
    assert_eq!(s.refresh(&first.body["refresh_token"]).await.status, 401);
    // Garbage names no account: nothing recorded for anyone.
    assert_eq!(s.refresh(&json!("not-a-token")).await.status, 401);

    let r = s.get("/users/me/audit", &u).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let actions: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        &actions[..2],
        ["token.refresh_refused", "token.reuse_detected"],
        "{actions:?}"
    );
    assert_eq!(
        r.body["items"][0]["details"]["reason"],
        "expired_or_revoked"
    );
    let r = s.get("/users/me/audit", &other).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{}", r.text);
}

#[tokio::test]
async fn a_goal_with_its_history() {
    let s = Server::start().await;
    let u = s.register("history@example.com").await;
    let other = s.register("other-history@example.com").await;
    let r = s.post("/goals", &u, goal("Trip", "vacation")).await;
    let g = format!("/goals/{}", r.body["id"].as_str().unwrap());
    for (m, amount) in [(1, "200.00"), (2, "350.00"), (3, "500.00")] {
        let r = s
            .post(
                &format!("{g}/progress"),
                &u,
                json!({"period_year": 2026, "period_month": m, "amount_at_period": amount}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    for (day, amount) in [("2026-01-15", "100.00"), ("2026-02-15", "150.00")] {
        let r = s
            .post(
                &format!("{g}/contributions"),
                &u,
                json!({"amount": amount, "date": day}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let plain = s.get(&g, &u).await;
    assert_eq!(plain.status, 200);
    assert!(plain.body.get("progress").is_none() && plain.body.get("contributions").is_none());
    let r = s
        .get(&format!("{g}?include=progress,contributions"), &u)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["name"], "Trip");
    let months: Vec<i64> = r.body["progress"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["period_month"].as_i64().unwrap())
        .collect();
    assert_eq!(months, [3, 2, 1], "newest first");
    assert_eq!(r.body["progress"]["items"][0]["amount_at_period"], "500.00");
    assert_eq!(
        r.body["contributions"]["items"].as_array().unwrap().len(),
        2
    );
    let r = s.get(&format!("{g}?include=progress"), &u).await;
    assert!(r.body.get("contributions").is_none());
    let r = s.get(&format!("{g}?include=photos"), &u).await;
    assert_problem(&r, 422);
    assert_eq!(r.body["errors"][0]["field"], "include");

    let r = s.get(&format!("{g}/progress?limit=2"), &u).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    let c = r.body["next_cursor"].as_str().unwrap();
    let r = s.get(&format!("{g}/progress?limit=2&cursor={c}"), &u).await;
    assert_eq!(r.body["items"][0]["period_month"], 1);
    assert!(r.body["next_cursor"].is_null());
    // Another user's goal is 404 on both.
    assert_problem(&s.get(&format!("{g}?include=progress"), &other).await, 404);
    assert_problem(&s.get(&format!("{g}/progress"), &other).await, 404);
}

fn debt_budget(balance: &str) -> Value {
    let mut b = budget("4000.00", "dining", "300.00");
    b["debts"] = json!([{"id": "visa", "name": "Visa", "balance": balance,
        "interest_rate": "22.99", "min_payment": "90.00", "priority": "high"}]);
    b
}

async fn save(s: &Server, u: &User, year: i64, month: i64, model: Value) -> String {
    let r = s
        .post(
            "/budgets/snapshots",
            u,
            json!({"period_year": year, "period_month": month, "budget_model": model}),
        )
        .await;
    assert!(r.status == 201 || r.status == 200, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

fn entry(r: &Resp, month: i64) -> Option<Value> {
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["period_month"] == month)
        .cloned()
}

#[tokio::test]
async fn every_snapshot_derives_goal_progress() {
    let s = Server::start().await;
    let u = s.register("derived@example.com").await;
    let mut g = goal("Trip", "vacation");
    g["start_date"] = json!("2026-01-01");
    let r = s.post("/goals", &u, g).await;
    let gp = format!("/goals/{}/progress", r.body["id"].as_str().unwrap());
    let contributions = format!("/goals/{}/contributions", r.body["id"].as_str().unwrap());
    let r = s
        .post(
            &contributions,
            &u,
            json!({"amount": "50.00", "date": "2026-02-10"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // The goal: 100 opening + 50 = 150 now.
    let feb = save(&s, &u, 2026, 2, budget("4000.00", "dining", "300.00")).await;
    let r = s.get(&gp, &u).await;
    let e = entry(&r, 2).expect("an entry for February");
    assert_eq!(e["source"], "snapshot", "{e}");
    assert_eq!(e["amount_at_period"], "150.00");
    assert_eq!(e["contribution_this_period"], "50.00");
    assert_eq!(e["snapshot_id"], feb.as_str());
    let jan = save(&s, &u, 2026, 1, budget("4000.00", "dining", "300.00")).await;
    let e = entry(&s.get(&gp, &u).await, 1).unwrap();
    assert_eq!(
        (
            e["amount_at_period"].as_str(),
            e["contribution_this_period"].as_str()
        ),
        (Some("100.00"), Some("0.00"))
    );

    // A manual March entry is never overwritten by the March snapshot.
    let r = s
        .post(
            &gp,
            &u,
            json!({"period_year": 2026, "period_month": 3, "amount_at_period": "999.00"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    save(&s, &u, 2026, 3, budget("4000.00", "dining", "300.00")).await;
    let e = entry(&s.get(&gp, &u).await, 3).unwrap();
    assert_eq!(
        (e["source"].as_str(), e["amount_at_period"].as_str()),
        (Some("manual"), Some("999.00"))
    );

    // Replacing February follows a new contribution; the entry keeps its id.
    let before = entry(&s.get(&gp, &u).await, 2).unwrap();
    s.post(
        &contributions,
        &u,
        json!({"amount": "25.00", "date": "2026-02-20"}),
    )
    .await;
    let again = save(&s, &u, 2026, 2, budget("4100.00", "dining", "300.00")).await;
    assert_eq!(again, feb);
    let e = entry(&s.get(&gp, &u).await, 2).unwrap();
    assert_eq!(e["id"], before["id"]);
    assert_eq!(
        (
            e["amount_at_period"].as_str(),
            e["contribution_this_period"].as_str()
        ),
        (Some("175.00"), Some("75.00"))
    );

    // Deleting January removes its entry; March's manual one stays.
    assert_eq!(
        s.delete(&format!("/budgets/snapshots/{jan}"), &u)
            .await
            .status,
        204
    );
    let r = s.get(&gp, &u).await;
    assert!(entry(&r, 1).is_none(), "{}", r.text);
    assert!(entry(&r, 3).is_some());

    // The derived entries sync like every record.
    let pull = s.get("/sync/pull?limit=1000", &u).await;
    assert!(
        pull.body["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["entity"] == "goal_progress" && c["data"]["source"] == "snapshot"),
        "{}",
        pull.text
    );
}

#[tokio::test]
async fn a_debt_payoff_goal_reads_its_debt_from_each_snapshot() {
    let s = Server::start().await;
    let u = s.register("debt-derived@example.com").await;
    save(&s, &u, 2026, 4, debt_budget("2600.00")).await;
    let mut g = goal("Visa gone", "debt");
    g["goal_type"] = json!("debt_payoff");
    g["linked_debt_id"] = json!("visa");
    g["current_amount"] = json!("0");
    g["start_date"] = json!("2026-04-01");
    let r = s.post("/goals", &u, g).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let gp = format!("/goals/{}/progress", r.body["id"].as_str().unwrap());
    save(&s, &u, 2026, 5, debt_budget("2100.00")).await;
    save(&s, &u, 2026, 6, debt_budget("2450.00")).await;
    let r = s.get(&gp, &u).await;
    assert_eq!(entry(&r, 5).unwrap()["amount_at_period"], "900.00");
    assert_eq!(entry(&r, 5).unwrap()["contribution_this_period"], "0.00");
    // The balance rose again: less is paid off; the change from May is negative.
    assert_eq!(entry(&r, 6).unwrap()["amount_at_period"], "550.00");
    assert_eq!(entry(&r, 6).unwrap()["contribution_this_period"], "-350.00");
}

#[tokio::test]
async fn a_snapshot_pushed_by_a_device_derives_progress_too() {
    let s = Server::start().await;
    let u = s.register("pushed-derived@example.com").await;
    let mut g = goal("Trip", "vacation");
    g["start_date"] = json!("2026-01-01");
    let r = s.post("/goals", &u, g).await;
    let gp = format!("/goals/{}/progress", r.body["id"].as_str().unwrap());
    let id = uuid::Uuid::new_v4().to_string();
    let data = json!({"id": id, "period_year": 2026, "period_month": 7, "currency": "USD",
        "budget_model": budget("4000.00", "dining", "300.00"), "total_income": "0.00",
        "total_expenses": "0.00", "surplus": "0.00", "category_totals": {}, "version": 1});
    let push = |m: Value| s.post("/sync/push", &u, json!({"mutations": [m]}));
    let r = push(
        json!({"op_id": uuid::Uuid::new_v4(), "entity": "snapshot", "id": id,
        "base_version": 0, "op": "upsert", "data": data}),
    )
    .await;
    assert_eq!(r.body["results"][0]["status"], "applied", "{}", r.text);
    let e = entry(&s.get(&gp, &u).await, 7).expect("derived from the pushed snapshot");
    assert_eq!(
        (e["source"].as_str(), e["amount_at_period"].as_str()),
        (Some("snapshot"), Some("100.00"))
    );
    let r = push(
        json!({"op_id": uuid::Uuid::new_v4(), "entity": "snapshot", "id": id,
        "base_version": 1, "op": "delete"}),
    )
    .await;
    assert_eq!(r.body["results"][0]["status"], "applied", "{}", r.text);
    assert!(entry(&s.get(&gp, &u).await, 7).is_none());
}
