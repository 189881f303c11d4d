//! Issue 20 §1: a record size limit (REST and sync push alike), a storage quota per user,
//! pull pages bounded by bytes, and an export that is still one JSON document when streamed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

/// A budget session whose draft holds `kb` KiB of text.
fn session(kb: usize) -> Value {
    json!({"draft": {"notes": "x".repeat(kb * 1024)}, "user_query": "plan"})
}

fn session_upsert(id: &str, kb: usize) -> Value {
    let now = "2026-01-01T00:00:00Z";
    json!({"op_id": Uuid::new_v4(), "entity": "budget_session", "id": id, "base_version": 0,
        "op": "upsert", "data": {"id": id, "stage": "draft",
        "draft": {"notes": "x".repeat(kb * 1024)}, "version": 0,
        "created_at": now, "updated_at": now}})
}

#[tokio::test]
async fn a_record_over_the_size_limit_is_413_naming_the_field() {
    let s = Server::start().await;
    let u = s.register("big@example.com").await;
    let r = s.post("/budgets/sessions", &u, session(300)).await;
    assert_problem(&r, 413);
    assert_eq!(r.body["code"], "record_too_large", "{}", r.text);
    assert_eq!(r.body["errors"][0]["field"], "draft", "{}", r.text);
    assert_eq!(r.body["limit_bytes"], 256 * 1024);
    // Under the limit is fine.
    let r = s.post("/budgets/sessions", &u, session(200)).await;
    assert_eq!(r.status, 201, "{}", r.text);

    // Sync push: the whole batch is refused before anything is applied.
    let small = Uuid::new_v4().to_string();
    let big = Uuid::new_v4().to_string();
    let r = s
        .post(
            "/sync/push",
            &u,
            json!({"mutations": [session_upsert(&small, 1), session_upsert(&big, 300)]}),
        )
        .await;
    assert_problem(&r, 413);
    assert_eq!(
        r.body["errors"][0]["field"], "mutations[1].data.draft",
        "{}",
        r.text
    );
    assert_problem(&s.get(&format!("/budgets/sessions/{small}"), &u).await, 404);
}

#[tokio::test]
async fn the_storage_quota_holds_and_is_reported() {
    let s = Server::start_with(|c| c.user_quota_bytes = 1_000_000).await;
    let u = s.register("quota@example.com").await;
    let me = s.get("/users/me", &u).await;
    assert_eq!(me.body["storage"]["quota_bytes"], 1_000_000, "{}", me.text);
    let used0 = me.body["storage"]["used_bytes"].as_i64().unwrap();
    let mut ids = Vec::new();
    let refused = loop {
        let r = s.post("/budgets/sessions", &u, session(200)).await;
        if r.status != 201 {
            break r;
        }
        ids.push(r.body["id"].as_str().unwrap().to_owned());
        assert!(ids.len() < 10, "the quota never applied");
    };
    assert_eq!(ids.len(), 4, "4 × 200 KiB fit in 1 MB, a fifth does not");
    assert_problem(&refused, 413);
    assert_eq!(refused.body["code"], "quota_exceeded", "{}", refused.text);
    assert_eq!(refused.body["limit_bytes"], 1_000_000);
    let used = refused.body["usage_bytes"].as_i64().unwrap();
    assert!(used > 4 * 200 * 1024 && used <= 1_000_000, "{used}");
    let me = s.get("/users/me", &u).await;
    assert_eq!(me.body["storage"]["used_bytes"].as_i64().unwrap(), used);
    assert!(used > used0);

    // Sync push meets the same quota…
    let r = s
        .post(
            "/sync/push",
            &u,
            json!({"mutations": [session_upsert(&Uuid::new_v4().to_string(), 200)]}),
        )
        .await;
    assert_problem(&r, 413);
    assert_eq!(r.body["code"], "quota_exceeded");
    // …and a deletion frees room: the write that was refused now fits.
    let r = s
        .post(
            "/sync/push",
            &u,
            json!({"mutations": [{"op_id": Uuid::new_v4(), "entity": "budget_session",
                "id": ids[0], "base_version": 1, "op": "delete"}]}),
        )
        .await;
    assert_eq!(r.body["results"][0]["status"], "applied", "{}", r.text);
    let after = s.get("/users/me", &u).await.body["storage"]["used_bytes"]
        .as_i64()
        .unwrap();
    assert!(after < used - 200 * 1024, "{after} vs {used}");
    let r = s.post("/budgets/sessions", &u, session(200)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    // A rewrite of the same size is not counted twice.
    let id = r.body["id"].as_str().unwrap();
    let r = s
        .patch(
            &format!("/budgets/sessions/{id}"),
            &u,
            json!({"draft": {"notes": "y".repeat(200 * 1024)}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn pull_pages_are_bounded_by_bytes_and_the_export_streams() {
    let s = Server::start().await;
    let u = s.register("pages@example.com").await;
    for _ in 0..24 {
        let r = s.post("/budgets/sessions", &u, session(250)).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    // 24 × 250 KiB = 6 MB: more than one page whatever the limit.
    let mut since: Option<String> = None;
    let mut seen = 0;
    let mut pages = 0;
    loop {
        let path = match &since {
            Some(c) => format!("/sync/pull?limit=1000&since={c}"),
            None => "/sync/pull?limit=1000".to_owned(),
        };
        let r = s.get(&path, &u).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(
            r.text.len() <= 4 * 1024 * 1024,
            "a page of {} bytes",
            r.text.len()
        );
        pages += 1;
        seen += r.body["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["entity"] == "budget_session")
            .count();
        since = Some(r.body["cursor"].as_str().unwrap().to_owned());
        if r.body["has_more"] != true {
            break;
        }
        assert!(pages < 10);
    }
    assert_eq!(seen, 24);
    assert!(pages >= 2, "{pages}");

    let r = s
        .raw(s.req(Method::GET, "/users/me/export").bearer_auth(&u.token))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["budget_sessions"].as_array().unwrap().len(), 24);
    assert_eq!(r.body["user"]["email"], u.email.as_str());
    assert!(r.body["audit_events"].as_array().unwrap().len() >= 25);
    assert_eq!(r.body["snapshots"], json!([]));
}
