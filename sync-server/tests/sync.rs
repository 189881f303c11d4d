//! `POST /sync/push` and `GET /sync/pull` over HTTP (SQLite, and PostgreSQL when the test
//! command provides one): statuses, idempotent replays, conflicts, tombstones, the feed with its
//! cursor and pages, REST writes in the feed, validation, bounds and isolation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

fn goal(id: &str, name: &str) -> Value {
    json!({"id": id, "name": name, "goal_type": "savings_target", "category": "vacation",
        "priority": "high", "target_amount": "3000.00", "current_amount": "100.00",
        "start_date": "2026-01-01", "target_date": "2027-06-30", "status": "active"})
}

fn upsert(entity: &str, id: &str, base: i64, data: Value) -> Value {
    json!({"op_id": Uuid::new_v4(), "entity": entity, "id": id, "base_version": base,
        "op": "upsert", "data": data})
}

fn delete(entity: &str, id: &str, base: i64) -> Value {
    json!({"op_id": Uuid::new_v4(), "entity": entity, "id": id, "base_version": base, "op": "delete"})
}

async fn push(s: &Server, u: &User, mutations: Vec<Value>) -> Resp {
    s.post("/sync/push", u, json!({ "mutations": mutations }))
        .await
}

async fn pull(s: &Server, u: &User, since: Option<&str>, limit: Option<i64>) -> Resp {
    let mut path = "/sync/pull?".to_owned();
    if let Some(c) = since {
        path.push_str(&format!("since={c}&"));
    }
    if let Some(l) = limit {
        path.push_str(&format!("limit={l}"));
    }
    s.get(&path, u).await
}

/// Creates a goal of each id (base version 0) and checks every one was applied.
async fn create_goals(s: &Server, u: &User, ids: &[String]) {
    let r = push(
        s,
        u,
        ids.iter()
            .map(|id| upsert("goal", id, 0, goal(id, "g")))
            .collect(),
    )
    .await;
    assert_applied(&r);
}

fn assert_applied(r: &Resp) {
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["status"] == "applied"),
        "{}",
        r.text
    );
}

/// Every change from the beginning, following pages.
async fn pull_all(s: &Server, u: &User) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let r = pull(s, u, cursor.as_deref(), Some(7)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        out.extend(r.body["changes"].as_array().unwrap().iter().cloned());
        cursor = Some(r.body["cursor"].as_str().unwrap().to_owned());
        if !r.body["has_more"].as_bool().unwrap() {
            return out;
        }
    }
}

#[tokio::test]
async fn push_statuses_replays_conflicts_and_tombstones() {
    let s = Server::start().await;
    let u = s.register("push@example.com").await;
    let id = Uuid::new_v4().to_string();
    let create = upsert("goal", &id, 0, goal(&id, "Trip"));
    let r = push(&s, &u, vec![create.clone()]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let res = &r.body["results"][0];
    assert_eq!(res["status"], "applied");
    assert_eq!(res["version"], 1);
    assert_eq!(res["op_id"], create["op_id"]);

    // The record is the server's: owner and version set, also readable through REST.
    let g = s.get(&format!("/goals/{id}"), &u).await;
    assert_eq!(g.status, 200, "{}", g.text);
    assert_eq!(g.body["user_id"], u.id);
    assert_eq!(g.body["version"], 1);
    assert_eq!(g.body["name"], "Trip");

    // A replay is a duplicate with the first version and changes nothing.
    let before = pull_all(&s, &u).await;
    let r = push(&s, &u, vec![create.clone()]).await;
    assert_eq!(r.body["results"][0]["status"], "duplicate");
    assert_eq!(r.body["results"][0]["version"], 1);
    assert_eq!(pull_all(&s, &u).await, before);

    // An edit on version 1 applies; a second edit on version 1 is a conflict with the record.
    let edit = upsert("goal", &id, 1, goal(&id, "Trip to Lisbon"));
    let r = push(&s, &u, vec![edit.clone()]).await;
    assert_eq!(r.body["results"][0]["status"], "applied");
    assert_eq!(r.body["results"][0]["version"], 2);
    let stale = upsert("goal", &id, 1, goal(&id, "Trip to Porto"));
    let r = push(&s, &u, vec![stale]).await;
    let res = &r.body["results"][0];
    assert_eq!(res["status"], "conflict", "{}", r.text);
    assert_eq!(res["server_record"]["version"], 2);
    assert_eq!(res["server_record"]["deleted"], false);
    assert_eq!(res["server_record"]["data"]["name"], "Trip to Lisbon");
    // The first op replayed after later changes still answers its first result.
    let r = push(&s, &u, vec![create.clone(), edit.clone()]).await;
    assert_eq!(r.body["results"][0]["status"], "duplicate");
    assert_eq!(r.body["results"][0]["version"], 1);
    assert_eq!(r.body["results"][1]["status"], "duplicate");
    assert_eq!(r.body["results"][1]["version"], 2);

    // Delete: a stale delete conflicts, a current one leaves a tombstone.
    let r = push(&s, &u, vec![delete("goal", &id, 1)]).await;
    assert_eq!(r.body["results"][0]["status"], "conflict");
    let r = push(&s, &u, vec![delete("goal", &id, 2)]).await;
    assert_eq!(r.body["results"][0]["status"], "applied");
    assert_eq!(r.body["results"][0]["version"], 3);
    assert_problem(&s.get(&format!("/goals/{id}"), &u).await, 404);
    let changes = pull_all(&s, &u).await;
    let tomb: Vec<&Value> = changes.iter().filter(|c| c["id"] == id.as_str()).collect();
    assert_eq!(tomb.len(), 1, "each record once: {changes:?}");
    assert_eq!(tomb[0]["deleted"], true);
    assert_eq!(tomb[0]["version"], 3);
    assert!(tomb[0].get("data").is_none_or(Value::is_null));
    // An edit of a deleted record: the deletion wins.
    let r = push(&s, &u, vec![upsert("goal", &id, 2, goal(&id, "again"))]).await;
    assert_eq!(r.body["results"][0]["status"], "conflict");
    assert_eq!(r.body["results"][0]["server_record"]["deleted"], true);
    assert_eq!(r.body["results"][0]["server_record"]["version"], 3);
    let r = push(&s, &u, vec![delete("goal", &id, 3)]).await;
    assert_eq!(r.body["results"][0]["status"], "conflict");
}

#[tokio::test]
async fn rejected_mutations_and_bounds() {
    let s = Server::start().await;
    let u = s.register("reject@example.com").await;
    let id = Uuid::new_v4().to_string();
    let mut bad = goal(&id, "Trip");
    bad["target_amount"] = json!("-5.00");
    let m = upsert("goal", &id, 0, bad);
    let ok_id = Uuid::new_v4().to_string();
    let r = push(
        &s,
        &u,
        vec![m.clone(), upsert("goal", &ok_id, 0, goal(&ok_id, "Fine"))],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let res = &r.body["results"][0];
    assert_eq!(res["status"], "rejected");
    let err = res["error"].as_str().unwrap().to_owned();
    assert!(err.contains("data.target_amount"), "{err}");
    // One rejected mutation does not stop the batch.
    assert_eq!(r.body["results"][1]["status"], "applied");
    // A replayed rejection is rejected again, with the same error.
    let r = push(&s, &u, vec![m]).await;
    assert_eq!(r.body["results"][0]["status"], "rejected");
    assert_eq!(r.body["results"][0]["error"], err.as_str());

    // Wrong id in data, missing data, a contribution to no goal of the user's.
    let other = Uuid::new_v4().to_string();
    let r = push(
        &s,
        &u,
        vec![
            upsert("goal", &id, 0, goal(&other, "x")),
            json!({"op_id": Uuid::new_v4(), "entity": "goal", "id": id, "base_version": 0, "op": "upsert"}),
            upsert(
                "goal_contribution",
                &Uuid::new_v4().to_string(),
                0,
                json!({"goal_id": Uuid::new_v4(), "amount": "10.00", "date": "2026-10-01", "source": "direct"}),
            ),
        ],
    )
    .await;
    for (i, field) in ["data.id", "data:", "data.goal_id"].iter().enumerate() {
        let res = &r.body["results"][i];
        assert_eq!(res["status"], "rejected", "{i}: {}", r.text);
        assert!(
            res["error"].as_str().unwrap().contains(field),
            "{i}: {}",
            res["error"]
        );
    }
    // A goal's status moves along the status machine only.
    let done = {
        let mut g = goal(&ok_id, "Fine");
        g["status"] = json!("completed");
        g
    };
    let r = push(&s, &u, vec![upsert("goal", &ok_id, 1, done)]).await;
    assert_eq!(r.body["results"][0]["status"], "applied", "{}", r.text);
    let mut paused = goal(&ok_id, "Fine");
    paused["status"] = json!("paused");
    let r = push(&s, &u, vec![upsert("goal", &ok_id, 2, paused)]).await;
    assert_eq!(r.body["results"][0]["status"], "rejected");
    assert!(
        r.body["results"][0]["error"]
            .as_str()
            .unwrap()
            .contains("status")
    );

    // Bounds: 501 mutations is 413 with a clear code; a malformed mutation is 422 at its path.
    let many: Vec<Value> = (0..501)
        .map(|_| delete("goal", &Uuid::new_v4().to_string(), 1))
        .collect();
    let r = push(&s, &u, many).await;
    assert_problem(&r, 413);
    assert_eq!(r.body["code"], "batch_too_large");
    assert!(r.body["detail"].as_str().unwrap().contains("500"));
    let mut m = upsert("goal", &id, 0, goal(&id, "x"));
    m["entity"] = json!("planet");
    let r = push(&s, &u, vec![m]).await;
    assert_problem(&r, 422);
    assert_eq!(r.body["errors"][0]["field"], "mutations[0].entity");
    assert_problem(&s.post("/sync/push", &u, json!({})).await, 422);
    assert_problem(&pull(&s, &u, Some("garbage"), None).await, 422);
    assert_problem(&pull(&s, &u, None, Some(0)).await, 422);
    assert_problem(&pull(&s, &u, None, Some(1001)).await, 422);
    // Unauthenticated.
    assert_problem(&s.call(Method::GET, "/sync/pull", None, None).await, 401);
    assert_problem(
        &s.call(
            Method::POST,
            "/sync/push",
            None,
            Some(json!({"mutations": []})),
        )
        .await,
        401,
    );
}

#[tokio::test]
async fn snapshots_are_normalized_and_one_per_month() {
    let s = Server::start().await;
    let u = s.register("snap@example.com").await;
    let id = Uuid::new_v4().to_string();
    let model = json!({"incomes": [{"name": "Salary", "monthly_amount": "4000.00"}],
        "expenses": [{"name": "Rent", "category": "housing", "monthly_amount": "1500.00", "essential": true},
                     {"name": "Food", "category": "groceries", "monthly_amount": "500.25"}],
        "debts": []});
    // Wrong totals and a foreign owner are replaced by the server's.
    let data = json!({"id": id, "user_id": Uuid::new_v4(), "period_year": 2026, "period_month": 10,
        "currency": "USD", "budget_model": model, "total_income": "1.00", "total_expenses": "1.00",
        "surplus": "0.00", "savings_rate": 0.0, "category_totals": {}, "version": 99});
    let r = push(&s, &u, vec![upsert("snapshot", &id, 0, data.clone())]).await;
    assert_eq!(
        r.body["results"][0]["status"], "applied",
        "{}",
        r.body["results"][0]
    );
    let changes = pull_all(&s, &u).await;
    let rec = &changes.iter().find(|c| c["id"] == id.as_str()).unwrap()["data"];
    assert_eq!(rec["user_id"], u.id);
    assert_eq!(rec["version"], 1);
    assert_eq!(rec["total_income"], "4000.00");
    assert_eq!(rec["total_expenses"], "2000.25");
    assert_eq!(rec["surplus"], "1999.75");
    assert_eq!(rec["category_totals"]["groceries"], "500.25");
    // The REST analytics read it.
    let t = s.get("/budgets/trends?months=12", &u).await;
    assert_eq!(t.status, 200, "{}", t.text);
    // A second record for the same month is rejected, naming the month.
    let id2 = Uuid::new_v4().to_string();
    let mut d2 = data.clone();
    d2["id"] = json!(id2);
    let r = push(&s, &u, vec![upsert("snapshot", &id2, 0, d2)]).await;
    assert_eq!(r.body["results"][0]["status"], "rejected");
    assert!(
        r.body["results"][0]["error"]
            .as_str()
            .unwrap()
            .contains("2026-10")
    );
    // A bad budget model names the field inside the record.
    let mut d3 = data;
    d3["budget_model"]["expenses"][1]["monthly_amount"] = json!("-1");
    let r = push(&s, &u, vec![upsert("snapshot", &id, 1, d3)]).await;
    assert_eq!(r.body["results"][0]["status"], "rejected");
    assert!(
        r.body["results"][0]["error"]
            .as_str()
            .unwrap()
            .contains("data.budget_model.expenses[1].monthly_amount"),
        "{}",
        r.body["results"][0]["error"]
    );
}

#[tokio::test]
async fn feed_pages_cursor_and_rest_writes() {
    let s = Server::start().await;
    let u = s.register("feed@example.com").await;
    let ids: Vec<String> = (0..23).map(|_| Uuid::new_v4().to_string()).collect();
    create_goals(&s, &u, &ids).await;
    // Pages of 10: 10, 10, 3, in commit order, each record once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let r = pull(&s, &u, cursor.as_deref(), Some(10)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let ch = r.body["changes"].as_array().unwrap();
        pages.push(ch.len());
        seen.extend(ch.iter().map(|c| c["id"].as_str().unwrap().to_owned()));
        cursor = Some(r.body["cursor"].as_str().unwrap().to_owned());
        if !r.body["has_more"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!(pages, vec![10, 10, 3]);
    assert_eq!(seen, ids, "commit order");
    // Nothing new: an empty page that keeps the cursor.
    let r = pull(&s, &u, cursor.as_deref(), None).await;
    assert_eq!(r.body["changes"].as_array().unwrap().len(), 0);
    assert_eq!(r.body["cursor"].as_str(), cursor.as_deref());
    assert_eq!(r.body["has_more"], false);

    // REST writes appear in the same feed, and an edited record moves to the end, once.
    let g = s
        .post(
            "/goals",
            &u,
            json!({"name": "Car", "goal_type": "custom", "category": "other",
                "target_amount": "9000.00", "start_date": "2026-01-01"}),
        )
        .await;
    assert_eq!(g.status, 201, "{}", g.text);
    let r = s
        .patch(
            &format!("/goals/{}", ids[0]),
            &u,
            json!({"name": "renamed"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s.delete(&format!("/goals/{}", ids[1]), &u).await;
    assert!(r.status == 204 || r.status == 200, "{}", r.text);
    let r = pull(&s, &u, cursor.as_deref(), None).await;
    let ch = r.body["changes"].as_array().unwrap();
    let got: Vec<(&str, i64, bool)> = ch
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap(),
                c["version"].as_i64().unwrap(),
                c["deleted"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (g.body["id"].as_str().unwrap(), 1, false),
            (ids[0].as_str(), 2, false),
            (ids[1].as_str(), 2, true),
        ]
    );
    assert_eq!(ch[1]["data"]["name"], "renamed");
    assert_eq!(ch[0]["entity"], "goal");
    // From the beginning: every record once (23 + 1), the edited one at its new place.
    let all = pull_all(&s, &u).await;
    assert_eq!(all.len(), 24);
}

#[tokio::test]
async fn users_never_see_each_others_feed() {
    let s = Server::start().await;
    let a = s.register("sync-a@example.com").await;
    let b = s.register("sync-b@example.com").await;
    let id = Uuid::new_v4().to_string();
    let r = push(&s, &a, vec![upsert("goal", &id, 0, goal(&id, "A's"))]).await;
    assert_eq!(r.body["results"][0]["status"], "applied");
    assert!(pull_all(&s, &b).await.is_empty());
    // B's mutations on A's id touch only B's own data.
    let r = push(&s, &b, vec![delete("goal", &id, 1)]).await;
    assert_eq!(r.status, 200);
    let r = push(&s, &b, vec![upsert("goal", &id, 1, goal(&id, "B's"))]).await;
    assert_eq!(r.body["results"][0]["status"], "conflict");
    let ga = s.get(&format!("/goals/{id}"), &a).await;
    assert_eq!(ga.status, 200);
    assert_eq!(ga.body["name"], "A's");
    assert_eq!(ga.body["version"], 1);
    assert_problem(&s.get(&format!("/goals/{id}"), &b).await, 404);
    // A's op_id replayed by B is B's own op: no result of A's leaks.
    let op = json!({"op_id": Uuid::new_v4(), "entity": "goal", "id": id, "base_version": 0, "op": "upsert", "data": goal(&id, "A2")});
    let ra = push(&s, &a, vec![op.clone()]).await;
    assert_eq!(ra.body["results"][0]["status"], "conflict");
    let rb = push(&s, &b, vec![op]).await;
    assert_eq!(rb.body["results"][0]["status"], "applied");
    assert_eq!(pull_all(&s, &a).await.len(), 1);
}

#[tokio::test]
async fn purged_deletions_expire_older_cursors_but_not_a_pull_from_the_beginning() {
    // Tombstones are purged at once (0 days), so a test can reach the purge.
    let s = Server::start_with(|c| c.tombstone_days = 0).await;
    let u = s.register("purge@example.com").await;
    let other = s.register("purge-other@example.com").await;
    let ids: Vec<String> = (0..6).map(|_| Uuid::new_v4().to_string()).collect();
    create_goals(&s, &u, &ids).await;
    let r = push(
        &s,
        &other,
        vec![upsert("goal", &ids[0], 0, goal(&ids[0], "o"))],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let away = pull(&s, &u, None, None).await.body["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let other_cursor = pull(&s, &other, None, None).await.body["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    // Before any purge, the old cursor is fine.
    assert_eq!(pull(&s, &u, Some(&away), None).await.status, 200);
    // Two goals deleted, then their tombstones purged.
    let r = push(
        &s,
        &u,
        vec![delete("goal", &ids[1], 1), delete("goal", &ids[2], 1)],
    )
    .await;
    assert_applied(&r);
    // A device that pulled the tombstones before the purge keeps its cursor.
    let current = pull(&s, &u, Some(&away), None).await.body["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    lifepath_sync_server::prune_once(&s.state).await.unwrap();

    // The device that was away would miss the deletions: 410 cursor_expired.
    let r = pull(&s, &u, Some(&away), None).await;
    assert_problem(&r, 410);
    assert_eq!(r.body["code"], "cursor_expired");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("from the beginning")
    );
    // Up-to-date cursors, and other users, are not affected.
    assert_eq!(pull(&s, &u, Some(&current), None).await.status, 200);
    assert_eq!(
        pull(&s, &other, Some(&other_cursor), None).await.status,
        200
    );

    // From the beginning, in pages of 2: never refused, even though every page but the last
    // lies before the purge mark; the 4 live goals, no tombstones.
    let mut cursor: Option<String> = None;
    let mut seen = Vec::new();
    loop {
        let r = pull(&s, &u, cursor.as_deref(), Some(2)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        seen.extend(r.body["changes"].as_array().unwrap().iter().map(|c| {
            assert_eq!(c["deleted"], false);
            c["id"].as_str().unwrap().to_owned()
        }));
        cursor = Some(r.body["cursor"].as_str().unwrap().to_owned());
        if !r.body["has_more"].as_bool().unwrap() {
            break;
        }
    }
    seen.sort();
    let mut live = vec![
        ids[0].clone(),
        ids[3].clone(),
        ids[4].clone(),
        ids[5].clone(),
    ];
    live.sort();
    assert_eq!(seen, live);
    // The last page's cursor is past the purge mark: later pulls from it are served.
    let r = pull(&s, &u, cursor.as_deref(), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["changes"].as_array().unwrap().len(), 0);
    // A later deletion and purge expire that cursor too, and not the one after it.
    let r = push(&s, &u, vec![delete("goal", &ids[3], 1)]).await;
    assert_eq!(r.body["results"][0]["status"], "applied", "{}", r.text);
    let after = pull(&s, &u, cursor.as_deref(), None).await.body["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    lifepath_sync_server::prune_once(&s.state).await.unwrap();
    assert_problem(&pull(&s, &u, cursor.as_deref(), None).await, 410);
    assert_eq!(pull(&s, &u, Some(&after), None).await.status, 200);
}
