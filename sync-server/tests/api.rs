//! HTTP integration tests of every route: happy paths, bad input, versions, isolation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn ops_endpoints() {
    let s = Server::start().await;
    let r = s.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(r.status, 200);
    assert!(r.headers.get("x-request-id").is_some());
    let r = s.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["database"], s.dialect);
    // Metrics are not on the public port (see tests/connections.rs for their own listener).
    let r = s.call(Method::GET, "/metrics", None, None).await;
    assert_problem(&r, 404);
    let r = s.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["openapi"], "3.1.0");
    let doc = r.text.clone();
    // The router and the document agree, both ways: every documented operation is served (no
    // 404 from the router's fallback, no 405), and every other method on a documented path is
    // 405 (nothing served there undocumented). Both come from one `OpenApiRouter`.
    let u = s.register("ops@example.com").await;
    let spec: Value = serde_json::from_str(&doc).unwrap();
    let mut documented = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in ["get", "post", "patch", "delete", "put"] {
            if method == "delete" && path == "/api/v1/users/me" {
                continue;
            }
            let concrete = path.replace("{id}", &uuid::Uuid::new_v4().to_string());
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = s
                .raw(s.req(m, &concrete).bearer_auth(&u.token).json(&json!({})))
                .await;
            if item.get(method).is_some() {
                documented += 1;
                assert_ne!(r.status, 405, "{method} {path}");
                assert_ne!(
                    r.body["code"], "no_such_route",
                    "{method} {path} is documented but not routed"
                );
            } else {
                assert_eq!(
                    r.status, 405,
                    "{method} {path} is served but not documented"
                );
            }
        }
    }
    assert!(documented >= 38, "{documented}");
    assert!(doc.contains("/api/v1/goals/{id}/trajectory"));
    let r = s.call(Method::GET, "/nope", None, None).await;
    assert_problem(&r, 404);
    let r = s.call(Method::PUT, "/goals", Some(&u.token), None).await;
    assert_problem(&r, 405);
}

#[tokio::test]
async fn auth_flow() {
    let s = Server::start_with(|c| c.refresh_reuse_ms = 0).await; // reuse at once (interval: refresh_reuse.rs)
    let u = s.register("Ana@Example.com").await;
    // Duplicate email, any case.
    let r = s
        .call(
            Method::POST,
            "/users",
            None,
            Some(json!({"email": "ana@example.COM", "password": "another password"})),
        )
        .await;
    assert_problem(&r, 409);
    // Mapped from the unique constraint by its name (SQLite names the columns, PostgreSQL
    // the constraint): the email's, not a record's version conflict.
    assert_eq!(r.body["code"], "email_taken", "{}", r.text);
    // Login with the email in another case.
    let r = s
        .call(
            Method::POST,
            "/users/login",
            None,
            Some(json!({"email": "ANA@example.com", "password": u.password})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["expires_in"], 900);
    assert!(r.body["user"].get("password_hash").is_none());
    // Wrong password and unknown email: the same 401.
    let r1 = s
        .call(
            Method::POST,
            "/users/login",
            None,
            Some(json!({"email": u.email, "password": "wrong password"})),
        )
        .await;
    let r2 = s
        .call(
            Method::POST,
            "/users/login",
            None,
            Some(json!({"email": "nobody@example.com", "password": "wrong password"})),
        )
        .await;
    assert_problem(&r1, 401);
    assert_problem(&r2, 401);
    assert_eq!(r1.body["detail"], r2.body["detail"]);
    // Me, with its version as the ETag that If-Match takes.
    let r = s.get("/users/me", &u).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers.get("etag").unwrap(), "\"1\"");
    let stale = s
        .raw(
            s.req(Method::PATCH, "/users/me")
                .bearer_auth(&u.token)
                .header("if-match", "\"7\"")
                .json(&json!({"display_name": "X"})),
        )
        .await;
    assert_problem(&stale, 409);
    assert_eq!(stale.body["current"]["email"], "Ana@Example.com");
    assert_eq!(r.body["email"], "Ana@Example.com");
    let r = s
        .patch(
            "/users/me",
            &u,
            json!({"display_name": "Ana", "currency": "EUR"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["currency"], "EUR");
    let r = s.patch("/users/me", &u, json!({"currency": "XXQ"})).await;
    assert_problem(&r, 422);
    assert_eq!(r.body["errors"][0]["field"], "currency");
    let r = s
        .patch("/users/me", &u, json!({"password_hash": "x"}))
        .await;
    assert_problem(&r, 422);
    // No token, a garbage token, a tampered token, an expired token.
    let r = s.call(Method::GET, "/users/me", None, None).await;
    assert_problem(&r, 401);
    let r = s
        .call(Method::GET, "/users/me", Some("garbage"), None)
        .await;
    assert_problem(&r, 401);
    let mut parts: Vec<String> = u.token.split('.').map(str::to_owned).collect();
    let claims = String::from_utf8(base64_decode(&parts[1])).unwrap();
    let forged = claims.replace(&u.id, "00000000-0000-0000-0000-000000000000");
    parts[1] = base64_encode(forged.as_bytes());
    let r = s
        .call(Method::GET, "/users/me", Some(&parts.join(".")), None)
        .await;
    assert_problem(&r, 401);
    let now = chrono::Utc::now().timestamp();
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"sub": u.id, "iat": now - 3600, "exp": now - 60, "jti": "x"}),
        &jsonwebtoken::EncodingKey::from_secret(&s.state.config.jwt_secret),
    )
    .unwrap();
    let r = s.call(Method::GET, "/users/me", Some(&expired), None).await;
    assert_problem(&r, 401);
    let fresh = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"sub": u.id, "iat": now, "exp": now + 60, "jti": "y"}),
        &jsonwebtoken::EncodingKey::from_secret(&s.state.config.jwt_secret),
    )
    .unwrap();
    assert_eq!(
        s.call(Method::GET, "/users/me", Some(&fresh), None)
            .await
            .status,
        200
    );
    let other_key = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"sub": u.id, "iat": now, "exp": now + 60, "jti": "z"}),
        &jsonwebtoken::EncodingKey::from_secret(b"another secret another secret 1234"),
    )
    .unwrap();
    assert_problem(
        &s.call(Method::GET, "/users/me", Some(&other_key), None)
            .await,
        401,
    );

    // Refresh rotates; the old token then fails, and its reuse revokes the new one too.
    let r = s
        .call(
            Method::POST,
            "/users/refresh",
            None,
            Some(json!({"refresh_token": u.refresh})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let second = r.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second, u.refresh);
    let access = r.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        s.call(Method::GET, "/users/me", Some(&access), None)
            .await
            .status,
        200
    );
    let r = s
        .call(
            Method::POST,
            "/users/refresh",
            None,
            Some(json!({"refresh_token": u.refresh})),
        )
        .await;
    assert_problem(&r, 401);
    let r = s
        .call(
            Method::POST,
            "/users/refresh",
            None,
            Some(json!({"refresh_token": second})),
        )
        .await;
    assert_problem(&r, 401);
    let r = s
        .call(
            Method::POST,
            "/users/refresh",
            None,
            Some(json!({"refresh_token": "made-up"})),
        )
        .await;
    assert_problem(&r, 401);

    // Logout revokes the family.
    let r = s
        .call(
            Method::POST,
            "/users/login",
            None,
            Some(json!({"email": u.email, "password": u.password})),
        )
        .await;
    let rt = r.body["refresh_token"].as_str().unwrap().to_owned();
    let r = s
        .call(
            Method::POST,
            "/users/logout",
            None,
            Some(json!({"refresh_token": rt})),
        )
        .await;
    assert_eq!(r.status, 204);
    let r = s
        .call(
            Method::POST,
            "/users/refresh",
            None,
            Some(json!({"refresh_token": rt})),
        )
        .await;
    assert_problem(&r, 401);
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

#[tokio::test]
async fn bad_input_classes() {
    let s = Server::start().await;
    let u = s.register("bad@example.com").await;
    let post = |body: &'static str, ct: Option<&'static str>| {
        let mut r = s
            .req(Method::POST, "/budgets/snapshots")
            .bearer_auth(&u.token)
            .body(body);
        if let Some(ct) = ct {
            r = r.header("content-type", ct);
        }
        r
    };
    // 400 malformed JSON, 400 no body, 415 other content type.
    assert_problem(
        &s.raw(post("{\"period_year\": ", Some("application/json")))
            .await,
        400,
    );
    assert_problem(&s.raw(post("", None)).await, 400);
    assert_problem(&s.raw(post("", Some("application/json"))).await, 400);
    assert_problem(
        &s.raw(post(
            "period_year=2026",
            Some("application/x-www-form-urlencoded"),
        ))
        .await,
        415,
    );
    assert_problem(&s.raw(post("{}", Some("text/plain"))).await, 415);
    // 413 over 1 MiB.
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(1024 * 1024 + 10));
    let r = s
        .raw(
            s.req(Method::POST, "/budgets/snapshots")
                .bearer_auth(&u.token)
                .header("content-type", "application/json")
                .body(big),
        )
        .await;
    assert_problem(&r, 413);
    // 422: {} missing fields; wrong types name the field path; rule violations list every field.
    let r = s.post("/budgets/snapshots", &u, json!({})).await;
    assert_problem(&r, 422);
    assert!(r.body["errors"].as_array().is_some_and(|e| !e.is_empty()));
    let r = s
        .post(
            "/budgets/snapshots",
            &u,
            json!({"period_year": "soon", "period_month": 1, "budget_model": {}}),
        )
        .await;
    assert_problem(&r, 422);
    assert_eq!(r.body["errors"][0]["field"], "period_year");
    let mut model = budget("5000.00", "dining", "300.00");
    model["expenses"][1]["monthly_amount"] = json!("-5.001");
    model["expenses"][0]["category"] = json!("Not A Slug");
    let r = s
        .post(
            "/budgets/snapshots",
            &u,
            json!({"period_year": 2026, "period_month": 13, "budget_model": model}),
        )
        .await;
    assert_problem(&r, 422);
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"period_month"), "{fields:?}");
    assert!(
        fields.contains(&"budget_model.expenses[1].monthly_amount"),
        "{fields:?}"
    );
    assert!(
        fields.contains(&"budget_model.expenses[0].category"),
        "{fields:?}"
    );
    let r = s.post("/budgets/snapshots", &u, json!([1, 2])).await;
    assert_problem(&r, 422);
    // Registration rules from core.
    let r = s
        .call(
            Method::POST,
            "/users",
            None,
            Some(json!({"email": "not-an-email", "password": "short"})),
        )
        .await;
    assert_problem(&r, 422);
    assert_eq!(r.body["errors"].as_array().unwrap().len(), 2);
    let r = s
        .call(
            Method::POST,
            "/users",
            None,
            Some(json!({"email": "long@example.com", "password": "p".repeat(1025)})),
        )
        .await;
    assert_problem(&r, 422);
    // Queries.
    assert_problem(&s.get("/budgets/trends?months=abc", &u).await, 422);
    assert_problem(&s.get("/budgets/anomalies?period=2026-13", &u).await, 422);
    assert_problem(&s.get("/budgets/anomalies?method=magic", &u).await, 422);
    assert_problem(&s.get("/budgets/compare?a=2026-01", &u).await, 422);
    assert_problem(&s.get("/budgets/snapshots?limit=0", &u).await, 422);
    assert_problem(&s.get("/budgets/snapshots?limit=201", &u).await, 422);
    assert_problem(&s.get("/budgets/snapshots?cursor=%%%", &u).await, 422);
    assert_problem(&s.get("/budgets/snapshots?cursor=bm9wZQ", &u).await, 422);
    // Ids that are not UUIDs are simply not found.
    assert_problem(&s.get("/goals/not-a-uuid", &u).await, 404);
    assert_problem(&s.get("/budgets/snapshots/123", &u).await, 404);
    // Bad If-Match.
    let r = s
        .raw(
            s.req(Method::PATCH, "/users/me")
                .bearer_auth(&u.token)
                .header("if-match", "abc")
                .json(&json!({})),
        )
        .await;
    assert_problem(&r, 422);
}

async fn snapshot(s: &Server, u: &User, y: i32, m: u32, category: &str, amount: &str) -> Resp {
    s.post("/budgets/snapshots", u, json!({"period_year": y, "period_month": m, "budget_model": budget("5000.00", category, amount)}))
        .await
}

#[tokio::test]
async fn snapshots_crud_versions_and_pages() {
    let s = Server::start().await;
    let u = s.register("snap@example.com").await;
    let mut body = json!({"period_year": 2026, "period_month": 10, "budget_model": budget("5000.00", "dining", "300.00"),
        "total_income": "1.00", "surplus": "999999.00"});
    let r = s.post("/budgets/snapshots", &u, body.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    // The summary is recomputed, never taken from the client.
    assert_eq!(r.body["total_income"], "5000.00");
    assert_eq!(r.body["total_expenses"], "1500.00");
    assert_eq!(r.body["surplus"], "3500.00");
    assert_eq!(r.body["category_totals"]["dining"], "300.00");
    assert_eq!(r.body["currency"], "USD");
    assert_eq!(r.body["version"], 1);
    let id = r.body["id"].as_str().unwrap().to_owned();
    // Replace: 200, same id, version 2.
    body["budget_model"]["expenses"][1]["monthly_amount"] = json!("400.00");
    let r = s.post("/budgets/snapshots", &u, body.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["id"], id.as_str());
    assert_eq!(r.body["version"], 2);
    // Stale If-Match and stale body version: 409 with the current record.
    let r = s
        .raw(
            s.req(Method::POST, "/budgets/snapshots")
                .bearer_auth(&u.token)
                .header("if-match", "1")
                .json(&body),
        )
        .await;
    assert_problem(&r, 409);
    assert_eq!(r.body["current"]["version"], 2);
    assert_eq!(r.body["current"]["category_totals"]["dining"], "400.00");
    body["version"] = json!(1);
    assert_problem(&s.post("/budgets/snapshots", &u, body.clone()).await, 409);
    body["version"] = json!(2);
    let r = s.post("/budgets/snapshots", &u, body.clone()).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["version"], 3);
    let r = s.raw(s.req(Method::POST, "/budgets/snapshots").bearer_auth(&u.token).header("if-match", "\"3\"").json(&json!({
        "period_year": 2026, "period_month": 10, "budget_model": budget("5000.00", "dining", "410.00")}))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Get one.
    let r = s.get(&format!("/budgets/snapshots/{id}"), &u).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers.get("etag").unwrap(), "\"4\"");
    assert_eq!(r.body["version"], 4);
    // A list of 30 periods, newest first, in pages.
    for m in 1..=9u32 {
        assert_eq!(
            snapshot(&s, &u, 2026, m, "dining", "300.00").await.status,
            201
        );
    }
    for m in 1..=12u32 {
        assert_eq!(
            snapshot(&s, &u, 2025, m, "dining", "300.00").await.status,
            201
        );
    }
    for m in 1..=8u32 {
        assert_eq!(
            snapshot(&s, &u, 2024, m, "dining", "300.00").await.status,
            201
        );
    }
    let r = s.get("/budgets/snapshots", &u).await;
    assert_eq!(r.status, 200);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 24);
    assert_eq!(items[0]["period_month"], 10);
    let cursor = r.body["next_cursor"].as_str().unwrap().to_owned();
    let r = s
        .get(&format!("/budgets/snapshots?cursor={cursor}"), &u)
        .await;
    let rest = r.body["items"].as_array().unwrap();
    assert_eq!(rest.len(), 6);
    assert!(r.body["next_cursor"].is_null());
    let mut seen: Vec<(i64, i64)> = items
        .iter()
        .chain(rest)
        .map(|x| {
            (
                x["period_year"].as_i64().unwrap(),
                x["period_month"].as_i64().unwrap(),
            )
        })
        .collect();
    let sorted = {
        let mut v = seen.clone();
        v.sort();
        v.reverse();
        v
    };
    assert_eq!(seen, sorted);
    seen.dedup();
    assert_eq!(seen.len(), 30);
    let r = s.get("/budgets/snapshots?limit=5", &u).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 5);
    // Delete with a stale If-Match is 409; then 204, then 404.
    let r = s
        .raw(
            s.req(Method::DELETE, &format!("/budgets/snapshots/{id}"))
                .bearer_auth(&u.token)
                .header("if-match", "1"),
        )
        .await;
    assert_problem(&r, 409);
    assert_eq!(
        s.delete(&format!("/budgets/snapshots/{id}"), &u)
            .await
            .status,
        204
    );
    assert_problem(&s.get(&format!("/budgets/snapshots/{id}"), &u).await, 404);
    assert_problem(
        &s.delete(&format!("/budgets/snapshots/{id}"), &u).await,
        404,
    );
    // The period is free again.
    assert_eq!(
        snapshot(&s, &u, 2026, 10, "dining", "300.00").await.status,
        201
    );
}

#[tokio::test]
async fn analytics_routes() {
    let s = Server::start().await;
    let u = s.register("an@example.com").await;
    for m in 1..=9u32 {
        snapshot(&s, &u, 2026, m, "dining", &format!("{}.00", 300 + m)).await;
    }
    snapshot(&s, &u, 2026, 10, "dining", "900.00").await;
    let r = s.get("/budgets/trends?months=12", &u).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["window"]["months_with_data"], 10);
    assert_eq!(r.body["category_changes"]["dining"]["trend"], "increasing");
    let r = s
        .get("/budgets/anomalies?period=2026-10&threshold=2.0", &u)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["anomalies"][0]["category"], "dining");
    assert_eq!(r.body["anomalies"][0]["direction"], "above");
    assert_eq!(r.body["method"], "zscore");
    let r = s.get("/budgets/anomalies", &u).await;
    assert_eq!(r.body["period"], "2026-10");
    let r = s
        .get(
            "/budgets/anomalies?period=2026-10&method=robust&baseline=recent&lookback=6",
            &u,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["method"], "robust");
    assert_problem(&s.get("/budgets/anomalies?period=2020-01", &u).await, 404);
    assert_problem(&s.get("/budgets/anomalies?threshold=0", &u).await, 422);
    let r = s.get("/budgets/compare?a=2026-09&b=2026-10", &u).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["categories"][0]["category"], "dining");
    assert_eq!(r.body["categories"][0]["change"], "591.00");
    assert_problem(
        &s.get("/budgets/compare?a=2020-01&b=2026-10", &u).await,
        404,
    );
    let r = s.get("/budgets/forecast?horizon=3", &u).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["horizon"], 3);
    // Mixed currencies are an error, never a silent mix.
    s.patch("/users/me", &u, json!({"currency": "EUR"})).await;
    snapshot(&s, &u, 2026, 11, "dining", "300.00").await;
    let r = s.get("/budgets/trends", &u).await;
    assert_problem(&r, 422);
    assert_eq!(r.body["code"], "mixed_currency");
}

fn goal_body() -> Value {
    json!({"name": "Trip to Lisbon", "description": "two weeks", "goal_type": "savings_target", "category": "vacation",
        "priority": "high", "target_amount": "3000.00", "current_amount": "100.00", "start_date": "2026-01-01",
        "target_date": "2027-06-30"})
}

#[tokio::test]
async fn goals_progress_contributions_trajectory_recommendations() {
    let s = Server::start().await;
    let u = s.register("goals@example.com").await;
    snapshot(&s, &u, 2026, 10, "dining", "600.00").await;
    let r = s.post("/goals", &u, goal_body()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "active");
    assert_eq!(r.body["is_active"], true);
    assert_eq!(r.body["version"], 1);
    let gid = r.body["id"].as_str().unwrap().to_owned();
    let g = format!("/goals/{gid}");
    assert_problem(&s.post("/goals", &u, json!({})).await, 422);
    let mut bad = goal_body();
    bad["target_date"] = json!("2025-01-01");
    bad["target_amount"] = json!("0");
    let r = s.post("/goals", &u, bad).await;
    assert_problem(&r, 422);
    assert_eq!(r.body["errors"].as_array().unwrap().len(), 2);
    // List, get.
    s.post("/goals", &u, goal_body()).await;
    let r = s.get("/goals?limit=1", &u).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    assert!(r.body["next_cursor"].is_string());
    assert_eq!(s.get(&g, &u).await.body["name"], "Trip to Lisbon");
    // Patch with versions; status moves.
    let r = s
        .patch(&g, &u, json!({"name": "Lisbon", "version": 1}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["version"], 2);
    let r = s
        .patch(&g, &u, json!({"name": "Porto", "version": 1}))
        .await;
    assert_problem(&r, 409);
    assert_eq!(r.body["current"]["name"], "Lisbon");
    let r = s
        .raw(
            s.req(Method::PATCH, &g)
                .bearer_auth(&u.token)
                .header("if-match", "1")
                .json(&json!({"name": "Porto"})),
        )
        .await;
    assert_problem(&r, 409);
    assert_eq!(
        s.patch(&g, &u, json!({"status": "paused"})).await.body["status"],
        "paused"
    );
    let r = s.patch(&g, &u, json!({"status": "completed"})).await;
    assert_eq!(r.body["status"], "completed");
    assert!(r.body["completed_at"].is_string());
    let r = s.patch(&g, &u, json!({"status": "paused"})).await;
    assert_problem(&r, 422);
    assert_eq!(r.body["code"], "illegal_transition");
    let r = s.patch(&g, &u, json!({"status": "active"})).await;
    assert_eq!(r.body["status"], "active");
    assert!(r.body["completed_at"].is_null());
    assert_problem(&s.patch(&g, &u, json!({"target_amount": "-1"})).await, 422);
    // Contributions raise current_amount in the same transaction.
    let before = s.get(&g, &u).await.body;
    let r = s
        .post(
            &format!("{g}/contributions"),
            &u,
            json!({"amount": "250.50", "date": "2026-10-05", "notes": "bonus"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let after = s.get(&g, &u).await.body;
    assert_eq!(after["current_amount"], "350.50");
    assert_eq!(after["version"], before["version"].as_i64().unwrap() + 1);
    assert_problem(
        &s.post(
            &format!("{g}/contributions"),
            &u,
            json!({"amount": "0", "date": "2026-10-05"}),
        )
        .await,
        422,
    );
    s.post(
        &format!("{g}/contributions"),
        &u,
        json!({"amount": "100.00", "date": "2026-11-01", "source": "savings"}),
    )
    .await;
    let r = s.get(&format!("{g}/contributions"), &u).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["items"][0]["amount"], "100.00");
    // Progress: 201 then 200 for the same period.
    let p = json!({"period_year": 2026, "period_month": 10, "amount_at_period": "350.50", "contribution_this_period": "250.50"});
    let r = s.post(&format!("{g}/progress"), &u, p.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let pid = r.body["id"].clone();
    let r = s.post(&format!("{g}/progress"), &u, p).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["id"], pid);
    assert_problem(
        &s.post(
            &format!("{g}/progress"),
            &u,
            json!({"period_year": 2026, "period_month": 0, "amount_at_period": "1"}),
        )
        .await,
        422,
    );
    // Trajectory equals core's.
    let r = s
        .get(
            &format!("{g}/trajectory?monthly_contribution=250.00&as_of=2026-11-21"),
            &u,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let goal: lifepath_core::models::Goal =
        serde_json::from_value(s.get(&g, &u).await.body).unwrap();
    let want = lifepath_core::goals::trajectory(
        &goal,
        &[],
        Some("250.00".parse().unwrap()),
        None,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
    )
    .unwrap();
    assert_json_close("trajectory", &r.body, &serde_json::to_value(&want).unwrap());
    assert_eq!(r.body["months_remaining"], 11);
    assert_problem(
        &s.get(&format!("{g}/trajectory?as_of=tomorrow"), &u).await,
        422,
    );
    assert_problem(
        &s.get(&format!("{g}/trajectory?monthly_contribution=-5"), &u)
            .await,
        422,
    );
    assert_eq!(s.get(&format!("{g}/trajectory"), &u).await.status, 200);
    // Recommendations for an off-track goal, feedback and the implemented flag.
    s.patch(&g, &u, json!({"target_date": "2026-12-31"})).await;
    let r = s
        .get(&format!("{g}/recommendations?as_of=2026-11-21"), &u)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let recs = r.body["items"].as_array().unwrap().clone();
    assert!(!recs.is_empty(), "{}", r.text);
    let rid = recs[0]["id"].as_str().unwrap().to_owned();
    let again = s
        .get(&format!("{g}/recommendations?as_of=2026-11-21"), &u)
        .await;
    assert_eq!(again.body["items"][0]["id"], rid.as_str());
    let r = s
        .post(
            &format!("/recommendations/{rid}/feedback"),
            &u,
            json!({"was_helpful": true, "rating": 4, "comments": "ok"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["rating"], 4);
    assert_problem(
        &s.post(
            &format!("/recommendations/{rid}/feedback"),
            &u,
            json!({"was_helpful": true, "rating": 9}),
        )
        .await,
        422,
    );
    let r = s
        .patch(
            &format!("/recommendations/{rid}"),
            &u,
            json!({"is_implemented": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["is_implemented"], true);
    assert_eq!(r.body["user_feedback"], 4);
    assert_problem(
        &s.patch(
            &format!("/recommendations/{rid}"),
            &u,
            json!({"user_feedback": 0}),
        )
        .await,
        422,
    );
    let r = s
        .get(&format!("{g}/recommendations?as_of=2026-11-21"), &u)
        .await;
    assert!(
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["id"] != rid.as_str()),
        "implemented proposals come back"
    );
    assert_problem(
        &s.post(
            &format!("/recommendations/{}/feedback", uuid::Uuid::new_v4()),
            &u,
            json!({"was_helpful": true, "rating": 3}),
        )
        .await,
        404,
    );
    // Delete the goal: its children go with it.
    assert_problem(
        &s.raw(
            s.req(Method::DELETE, &g)
                .bearer_auth(&u.token)
                .header("if-match", "1"),
        )
        .await,
        409,
    );
    assert_eq!(s.delete(&g, &u).await.status, 204);
    assert_problem(&s.get(&g, &u).await, 404);
    assert_problem(&s.get(&format!("{g}/contributions"), &u).await, 404);
    let export = s.get("/users/me/export", &u).await.body;
    assert_eq!(export["contributions"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn budget_sessions() {
    let s = Server::start().await;
    let u = s.register("sess@example.com").await;
    let r = s
        .post(
            "/budgets/sessions",
            &u,
            json!({"draft": {"note": "ideas"}, "user_query": "help me save"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["stage"], "draft");
    let id = r.body["id"].as_str().unwrap().to_owned();
    let p = format!("/budgets/sessions/{id}");
    assert_problem(
        &s.post(
            &format!("{p}/snapshot"),
            &u,
            json!({"period_year": 2026, "period_month": 10}),
        )
        .await,
        422,
    );
    let r = s
        .patch(&p, &u, json!({"stage": "partial", "partial": {"x": 1}}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["version"], 2);
    assert_problem(&s.patch(&p, &u, json!({"stage": "draft"})).await, 422);
    let r = s
        .patch(
            &p,
            &u,
            json!({"stage": "final", "final": {"incomes": "lots"}}),
        )
        .await;
    assert_problem(&r, 422);
    assert!(
        r.body["errors"][0]["field"]
            .as_str()
            .unwrap()
            .starts_with("final")
    );
    assert_problem(
        &s.patch(&p, &u, json!({"stage": "final", "version": 1}))
            .await,
        409,
    );
    let r = s
        .patch(
            &p,
            &u,
            json!({"stage": "final", "final": budget("4000.00", "dining", "200.00"), "version": 2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["stage"], "final");
    let r = s
        .post(
            &format!("{p}/snapshot"),
            &u,
            json!({"period_year": 2026, "period_month": 10}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["source_session_id"], id.as_str());
    assert_eq!(r.body["total_income"], "4000.00");
    let r = s
        .post(
            &format!("{p}/snapshot"),
            &u,
            json!({"period_year": 2026, "period_month": 10}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(s.get(&p, &u).await.body["stage"], "final");
    let export = s.get("/users/me/export", &u).await.body;
    let actions: Vec<&str> = export["audit_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions
            .iter()
            .filter(|a| **a == "budget_session.update")
            .count()
            >= 2
    );
    assert!(
        export["audit_events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["details"]["to_stage"] == "final")
    );
}

#[tokio::test]
async fn isolation_matrix() {
    let s = Server::start().await;
    let a = s.register("alice@example.com").await;
    let b = s.register("bob@example.com").await;
    let snap = snapshot(&s, &a, 2026, 10, "dining", "600.00").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut gb = goal_body();
    gb["target_date"] = json!("2026-12-31");
    let goal = s.post("/goals", &a, gb).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.post(
        &format!("/goals/{goal}/contributions"),
        &a,
        json!({"amount": "10.00", "date": "2026-10-01"}),
    )
    .await;
    let recs = s
        .get(
            &format!("/goals/{goal}/recommendations?as_of=2026-11-21"),
            &a,
        )
        .await;
    let rec = recs.body["items"][0]["id"]
        .as_str()
        .expect("a recommendation")
        .to_owned();
    let sess = s.post("/budgets/sessions", &a, json!({})).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"name": "x"});
    let cases: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/budgets/snapshots/{snap}"), None),
        (Method::DELETE, format!("/budgets/snapshots/{snap}"), None),
        (Method::GET, format!("/goals/{goal}"), None),
        (Method::PATCH, format!("/goals/{goal}"), Some(body.clone())),
        (Method::DELETE, format!("/goals/{goal}"), None),
        (
            Method::POST,
            format!("/goals/{goal}/progress"),
            Some(json!({"period_year": 2026, "period_month": 10, "amount_at_period": "1.00"})),
        ),
        (
            Method::POST,
            format!("/goals/{goal}/contributions"),
            Some(json!({"amount": "1.00", "date": "2026-10-01"})),
        ),
        (Method::GET, format!("/goals/{goal}/contributions"), None),
        (Method::GET, format!("/goals/{goal}/trajectory"), None),
        (Method::GET, format!("/goals/{goal}/recommendations"), None),
        (
            Method::POST,
            format!("/recommendations/{rec}/feedback"),
            Some(json!({"was_helpful": true, "rating": 5})),
        ),
        (
            Method::PATCH,
            format!("/recommendations/{rec}"),
            Some(json!({"is_implemented": true})),
        ),
        (Method::GET, format!("/budgets/sessions/{sess}"), None),
        (
            Method::PATCH,
            format!("/budgets/sessions/{sess}"),
            Some(json!({"stage": "partial"})),
        ),
        (
            Method::POST,
            format!("/budgets/sessions/{sess}/snapshot"),
            Some(json!({"period_year": 2026, "period_month": 1})),
        ),
    ];
    for (m, path, body) in &cases {
        let r = s.call(m.clone(), path, Some(&b.token), body.clone()).await;
        assert_problem(&r, 404);
    }
    // Bob's lists and analytics see nothing of Alice's.
    assert_eq!(
        s.get("/budgets/snapshots", &b).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        s.get("/goals", &b).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_problem(
        &s.get("/budgets/compare?a=2026-10&b=2026-10", &b).await,
        404,
    );
    assert_eq!(
        s.get("/budgets/trends", &b).await.body["window"]["months_with_data"],
        0
    );
    // A snapshot that cites Alice's session is refused for Bob.
    let r = s.post("/budgets/snapshots", &b, json!({"period_year": 2026, "period_month": 1, "budget_model": budget("1.00", "dining", "1.00"), "source_session_id": sess})).await;
    assert_problem(&r, 422);
    // And everything of Alice's is intact.
    assert_eq!(
        s.get(&format!("/budgets/snapshots/{snap}"), &a)
            .await
            .status,
        200
    );
    let g = s.get(&format!("/goals/{goal}"), &a).await;
    assert_eq!(g.body["name"], "Trip to Lisbon");
    assert_eq!(g.body["current_amount"], "110.00");
    assert_eq!(
        s.get(&format!("/budgets/sessions/{sess}"), &a).await.body["stage"],
        "draft"
    );
}

#[tokio::test]
async fn login_rate_limits() {
    let s = Server::start().await;
    let u = s.register("limited@example.com").await;
    for _ in 0..5 {
        let r = s
            .call(
                Method::POST,
                "/users/login",
                None,
                Some(json!({"email": u.email, "password": "wrong password"})),
            )
            .await;
        assert_problem(&r, 401);
    }
    // Limited now, even with the right password.
    let r = s
        .call(
            Method::POST,
            "/users/login",
            None,
            Some(json!({"email": u.email, "password": u.password})),
        )
        .await;
    assert_problem(&r, 429);
    let retry: u64 = r
        .headers
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    // Per IP: 30 attempts a minute, whatever the email (6 used above).
    let mut last = 0;
    for i in 0..30 {
        let r = s
            .call(
                Method::POST,
                "/users/login",
                None,
                Some(json!({"email": format!("x{i}@example.com"), "password": "whatever1"})),
            )
            .await;
        last = r.status;
        if r.status == 429 {
            assert!(i >= 23, "limited too early at {i}");
            break;
        }
    }
    assert_eq!(last, 429);
    // Another address is not limited.
    let other = reqwest::Client::new()
        .post(format!("{}/api/v1/users/login", s.base))
        .header("x-forwarded-for", "192.0.2.77")
        .json(&json!({"email": "other@example.com", "password": "whatever1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status().as_u16(), 401);
    let export = s.get("/users/me/export", &u).await.body;
    let actions: Vec<&str> = export["audit_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"user.login_failed"), "{actions:?}");
}

#[tokio::test]
async fn export_retention_and_delete_me() {
    let s = Server::start().await;
    let u = s.register("priv@example.com").await;
    let keep = s.register("keep@example.com").await;
    snapshot(&s, &keep, 2020, 1, "dining", "1.00").await;
    s.call(
        Method::POST,
        "/users/login",
        None,
        Some(json!({"email": u.email, "password": u.password})),
    )
    .await;
    snapshot(&s, &u, 2020, 1, "dining", "100.00").await;
    let recent = chrono::Utc::now().date_naive();
    use chrono::Datelike;
    snapshot(&s, &u, recent.year(), recent.month(), "dining", "100.00").await;
    let g = s.post("/goals", &u, goal_body()).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.post(
        &format!("/goals/{g}/contributions"),
        &u,
        json!({"amount": "5.00", "date": "2026-10-01"}),
    )
    .await;
    let e = s.get("/users/me/export", &u).await;
    assert_eq!(e.status, 200);
    assert_eq!(e.body["user"]["email"], "priv@example.com");
    assert_eq!(e.body["snapshots"].as_array().unwrap().len(), 2);
    assert_eq!(e.body["goals"].as_array().unwrap().len(), 1);
    assert_eq!(e.body["contributions"].as_array().unwrap().len(), 1);
    let actions: Vec<&str> = e.body["audit_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "user.register",
        "user.login",
        "snapshot.create",
        "goal.create",
        "goal_contribution.create",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    // Retention: 12 months prunes the 2020 snapshot of this user only.
    assert_eq!(
        s.patch("/users/me", &u, json!({"retention_months": 12}))
            .await
            .status,
        200
    );
    lifepath_sync_server::prune_once(&s.state).await.unwrap();
    let list = s.get("/budgets/snapshots", &u).await.body;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        s.get("/budgets/snapshots", &keep).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Delete me: everything goes; the token no longer finds an account; login fails.
    assert_eq!(s.delete("/users/me", &u).await.status, 204);
    assert_problem(&s.get("/users/me", &u).await, 401);
    assert_problem(&s.get("/users/me/export", &u).await, 401);
    let r = s
        .call(
            Method::POST,
            "/users/login",
            None,
            Some(json!({"email": u.email, "password": u.password})),
        )
        .await;
    assert_problem(&r, 401);
    let r = s
        .call(
            Method::POST,
            "/users/refresh",
            None,
            Some(json!({"refresh_token": u.refresh})),
        )
        .await;
    assert_problem(&r, 401);
    let left = s
        .state
        .store
        .list_all(u.id.parse().unwrap(), "snapshot")
        .await
        .unwrap()
        .len()
        + s.state
            .store
            .list_all(u.id.parse().unwrap(), "goal")
            .await
            .unwrap()
            .len()
        + s.state
            .store
            .audit_for(u.id.parse().unwrap())
            .await
            .unwrap()
            .len();
    assert_eq!(left, 0);
    // The same email can register again.
    s.register("priv@example.com").await;
}

#[tokio::test]
async fn nothing_readable_at_rest() {
    let s = Server::start().await;
    let u = s.register("plaintext.canary@example.com").await;
    let mut model = budget("98765.43", "zzqcanarycat", "4321.99");
    model["expenses"][1]["name"] = json!("Canary expense name");
    s.post(
        "/budgets/snapshots",
        &u,
        json!({"period_year": 2026, "period_month": 10, "budget_model": model}),
    )
    .await;
    let mut gb = goal_body();
    gb["name"] = json!("Xyzzy canary goal");
    gb["target_amount"] = json!("77777.77");
    gb["description"] = json!("plugh canary description");
    let g = s.post("/goals", &u, gb).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.post(
        &format!("/goals/{g}/contributions"),
        &u,
        json!({"amount": "55555.55", "date": "2026-10-01", "notes": "frobozz canary note"}),
    )
    .await;
    s.post(
        "/budgets/sessions",
        &u,
        json!({"user_query": "grue canary query"}),
    )
    .await;
    let bytes = match s.sqlite_path.clone() {
        // SQLite: the raw database file and its write-ahead log.
        Some(path) => {
            let mut bytes = std::fs::read(&path).unwrap();
            if let Ok(w) = std::fs::read(path.with_extension("db-wal")) {
                bytes.extend(w);
            }
            bytes
        }
        // PostgreSQL: every column of every table, as text.
        None => {
            use sqlx::{Connection, Row};
            let mut c = sqlx::AnyConnection::connect(&s.database_url).await.unwrap();
            let mut bytes = Vec::new();
            for table in [
                "account",
                "record",
                "refresh_token",
                "audit_event",
                "rate_event",
            ] {
                let q = format!("select row_to_json(t)::text as j from {table} t");
                for row in sqlx::query(sqlx::AssertSqlSafe(q))
                    .fetch_all(&mut c)
                    .await
                    .unwrap()
                {
                    let j: String = row.try_get("j").unwrap();
                    bytes.extend(j.into_bytes());
                }
            }
            bytes
        }
    };
    assert!(bytes.len() > 4096);
    for needle in [
        "98765.43",
        "4321.99",
        "zzqcanarycat",
        "Canary expense",
        "Xyzzy canary",
        "77777.77",
        "plugh canary",
        "55555.55",
        "frobozz canary",
        "grue canary",
        "plaintext.canary",
    ] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} is readable in the database file"
        );
    }
    // The same values come back through the API.
    assert_eq!(
        s.get(&format!("/goals/{g}"), &u).await.body["name"],
        "Xyzzy canary goal"
    );
}

#[tokio::test]
async fn concurrent_writes_without_versions_all_apply() {
    let s = std::sync::Arc::new(Server::start().await);
    let u = s.register("race@example.com").await;
    let g = s.post("/goals", &u, goal_body()).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut tasks = Vec::new();
    for i in 0..12u32 {
        let (s, u, g) = (s.clone(), u.clone(), g.clone());
        tasks.push(tokio::spawn(async move {
            let a = s
                .post(
                    &format!("/goals/{g}/contributions"),
                    &u,
                    json!({"amount": "10.00", "date": "2026-10-01"}),
                )
                .await;
            let b = s
                .post(
                    "/budgets/snapshots",
                    &u,
                    json!({"period_year": 2026, "period_month": 10,
                "budget_model": budget("5000.00", "dining", &format!("{}.00", 100 + i))}),
                )
                .await;
            (a.status, b.status)
        }));
    }
    for t in tasks {
        let (a, b) = t.await.unwrap();
        assert_eq!(a, 201);
        assert!(b == 200 || b == 201, "{b}");
    }
    let goal = s.get(&format!("/goals/{g}"), &u).await.body;
    assert_eq!(goal["current_amount"], "220.00");
    assert_eq!(goal["version"], 13);
    let snaps = s.get("/budgets/snapshots", &u).await.body;
    assert_eq!(snaps["items"].as_array().unwrap().len(), 1);
    assert_eq!(snaps["items"][0]["version"], 12);
}

#[tokio::test]
async fn serves_static_files_when_configured() {
    let dir = std::env::temp_dir().join(format!("lifepath-static-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>lifepath demo</title>",
    )
    .unwrap();
    let d = dir.clone();
    let s = Server::start_with(move |c| c.static_dir = Some(d)).await;
    let r = s.raw(s.client.get(format!("{}/", s.base))).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("lifepath demo"));
    // Browser-grade headers on the pages (issue 20 §4); the demo passes this policy in Chromium.
    let csp = r.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
        "{csp}"
    );
    assert!(
        !csp.contains("'unsafe-eval'") && !csp.contains("'unsafe-inline'"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(r.headers["x-frame-options"], "DENY");
    assert_eq!(r.headers["referrer-policy"], "no-referrer");
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    let api = s.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(
        api.headers["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
    let r = s.raw(s.client.get(format!("{}/missing.js", s.base))).await;
    assert_problem(&r, 404);
    assert_eq!(
        s.call(Method::GET, "/healthz", None, None).await.status,
        200
    );
    let _ = std::fs::remove_dir_all(dir);
}
