//! Admin and support (DESIGN §5 "Admin", issue 17 §3), on SQLite and, with
//! `LIFEPATH_TEST_PG_URL`, PostgreSQL: the role granted only from the command line; every admin
//! route 404 for everyone else (no token, a normal user, a disabled admin); what support sees
//! holds no amount, name or note; disable / enable / revoke-sessions / delete act at once; and
//! every action is in the audit trail naming the admin.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Resp, Server, User, assert_problem, budget};
use lifepath_sync_server::config::{AdminCommand, Config};
use reqwest::Method;
use serde_json::{Value, json};

async fn grant(s: &Server, email: &str) {
    let line = lifepath_sync_server::admin_command(
        Config::for_tests(&s.database_url),
        AdminCommand::Grant {
            email: email.to_owned(),
        },
    )
    .await
    .expect("grant");
    assert!(line.contains("now holds the admin role"), "{line}");
}

async fn admin_call(s: &Server, method: Method, path: &str, token: Option<&str>) -> Resp {
    s.call(method, path, token, None).await
}

/// Every admin route, for a target account.
fn routes(target: &str) -> Vec<(Method, String)> {
    vec![
        (Method::GET, "/admin/users".to_owned()),
        (Method::GET, "/admin/users?q=example".to_owned()),
        (Method::POST, format!("/admin/users/{target}/disable")),
        (Method::POST, format!("/admin/users/{target}/enable")),
        (
            Method::POST,
            format!("/admin/users/{target}/revoke-sessions"),
        ),
        (Method::GET, format!("/admin/users/{target}/audit")),
        (Method::DELETE, format!("/admin/users/{target}")),
    ]
}

async fn fill(s: &Server, u: &User) {
    let r = s
        .post(
            "/budgets/snapshots",
            u,
            json!({"period_year": 2026, "period_month": 3, "budget_model": budget("5432.10", "dining", "1234.56")}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = s
        .post(
            "/goals",
            u,
            json!({"name": "Secret Boat", "description": "a private note", "goal_type": "savings_target",
                   "category": "vacation", "target_amount": "9876.54", "start_date": "2026-01-01"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = s
        .patch("/users/me", u, json!({"display_name": "Ana Hidden"}))
        .await;
    assert!(r.status == 200 || r.status == 428, "{}", r.text);
}

fn actions(r: &Resp) -> Vec<String> {
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn admin_routes_are_404_for_everyone_else() {
    let s = Server::start().await;
    let normal = s.register("normal@example.com").await;
    let admin = s.register("boss@example.com").await;
    grant(&s, "boss@example.com").await;
    for (method, path) in routes(&normal.id) {
        // A normal account: as if the route did not exist for it.
        let r = admin_call(&s, method.clone(), &path, Some(normal.token.as_str())).await;
        assert_problem(&r, 404);
        // No token or a bad one: 401, as on every route.
        for token in [None, Some("not-a-token")] {
            let r = admin_call(&s, method.clone(), &path, token).await;
            assert_problem(&r, 401);
        }
    }
    // The admin is an admin…
    let r = s.get("/admin/users", &admin).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // …until disabled by another admin: then refused (401 account_disabled), as everywhere.
    let other = s.register("boss2@example.com").await;
    grant(&s, "boss2@example.com").await;
    let r = s
        .post(
            &format!("/admin/users/{}/disable", admin.id),
            &other,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = s.get("/admin/users", &admin).await;
    assert_problem(&r, 401);
    assert_eq!(r.body["code"], "account_disabled");
    // Revoked from the command line: a normal account again.
    lifepath_sync_server::admin_command(
        Config::for_tests(&s.database_url),
        AdminCommand::Revoke {
            email: "boss2@example.com".into(),
        },
    )
    .await
    .unwrap();
    assert_problem(&s.get("/admin/users", &other).await, 404);
    // An unknown email is an error of the command, not a new account.
    let e = lifepath_sync_server::admin_command(
        Config::for_tests(&s.database_url),
        AdminCommand::Grant {
            email: "nobody@example.com".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(e.contains("no account"), "{e}");
    // The document describes them (401, 404 and 429).
    let doc = s.call(Method::GET, "/openapi.json", None, None).await;
    let op = &doc.body["paths"]["/api/v1/admin/users/{id}/disable"]["post"];
    for status in ["401", "404", "429"] {
        assert!(op["responses"][status].is_object(), "{status}: {op}");
    }
}

#[tokio::test]
async fn a_support_session_end_to_end() {
    let s = Server::start().await;
    let admin = s.register("support@example.com").await;
    grant(&s, "support@example.com").await;
    let ana = s.register("ana.customer@example.com").await;
    fill(&s, &ana).await;

    // Search by part of the email: counts, never amounts, names or notes.
    let r = s.get("/admin/users?q=ANA.CUST", &admin).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", r.text);
    let item = &items[0];
    assert_eq!(item["id"], ana.id.as_str());
    assert_eq!(item["email"], "ana.customer@example.com");
    assert_eq!(item["disabled"], false);
    assert_eq!(item["admin"], false);
    assert!(item["last_sign_in_at"].is_string(), "{item}");
    assert!(item["created_at"].is_string(), "{item}");
    assert_eq!(item["counts"]["snapshot"], 1, "{item}");
    assert_eq!(item["counts"]["goal"], 1, "{item}");
    for secret in [
        "1234.56",
        "5432.10",
        "9876.54",
        "Secret Boat",
        "private note",
        "Ana Hidden",
        "dining",
    ] {
        assert!(!r.text.contains(secret), "{secret} in {}", r.text);
    }
    // By the start of the id too.
    let r = s
        .get(&format!("/admin/users?q={}", &ana.id[..13]), &admin)
        .await;
    assert_eq!(r.body["items"][0]["id"], ana.id.as_str(), "{}", r.text);

    // Disable: her token is refused at once, with the reason; her password too; her refresh too.
    let r = s
        .post(
            &format!("/admin/users/{}/disable", ana.id),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = s.get("/users/me", &ana).await;
    assert_problem(&r, 401);
    assert_eq!(r.body["code"], "account_disabled");
    let r = s.login(&ana.email, &ana.password).await;
    assert_problem(&r, 401);
    assert_eq!(r.body["code"], "account_disabled");
    assert_problem(&s.refresh(&json!(ana.refresh)).await, 401);
    let listed = s.get("/admin/users?q=ana.customer", &admin).await;
    assert_eq!(listed.body["items"][0]["disabled"], true);

    // Enable: she signs in again (the old sessions stay revoked).
    let r = s
        .post(
            &format!("/admin/users/{}/enable", ana.id),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_problem(&s.get("/users/me", &ana).await, 401);
    let r = s.login(&ana.email, &ana.password).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let token = r.body["access_token"].as_str().unwrap().to_owned();
    let refresh = r.body["refresh_token"].clone();
    let me = s.call(Method::GET, "/users/me", Some(&token), None).await;
    assert_eq!(me.status, 200, "{}", me.text);

    // Revoke every session: the new token and refresh token are refused.
    let r = s
        .post(
            &format!("/admin/users/{}/revoke-sessions", ana.id),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_problem(
        &s.call(Method::GET, "/users/me", Some(&token), None).await,
        401,
    );
    assert_problem(&s.refresh(&refresh).await, 401);

    // Her audit trail, read by the admin: every action, each naming the admin.
    let r = s
        .get(&format!("/admin/users/{}/audit?limit=50", ana.id), &admin)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let trail = actions(&r);
    for a in [
        "admin.audit_read",
        "admin.sessions_revoked",
        "admin.user_enabled",
        "admin.user_disabled",
        "user.login_refused",
    ] {
        assert!(trail.contains(&a.to_owned()), "{a} not in {trail:?}");
    }
    for e in r.body["items"].as_array().unwrap() {
        if e["action"].as_str().unwrap().starts_with("admin.") {
            assert_eq!(e["details"]["admin_id"], admin.id.as_str(), "{e}");
        }
    }
    // She sees them too, in her own trail.
    let r = s.login(&ana.email, &ana.password).await;
    let token = r.body["access_token"].as_str().unwrap().to_owned();
    let own = s
        .call(Method::GET, "/users/me/audit?limit=50", Some(&token), None)
        .await;
    assert!(actions(&own).contains(&"admin.user_disabled".to_owned()));

    // Delete: gone, her token refused, her audit 404; the admin's own trail names the id.
    let r = s.delete(&format!("/admin/users/{}", ana.id), &admin).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_problem(
        &s.call(Method::GET, "/users/me", Some(&token), None).await,
        401,
    );
    assert_problem(
        &s.get(&format!("/admin/users/{}/audit", ana.id), &admin)
            .await,
        404,
    );
    assert_problem(
        &s.delete(&format!("/admin/users/{}", ana.id), &admin).await,
        404,
    );
    let mine = s.get("/users/me/audit?limit=50", &admin).await;
    let deleted: Vec<&Value> = mine.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "admin.user_deleted")
        .collect();
    assert_eq!(deleted.len(), 1, "{}", mine.text);
    assert_eq!(deleted[0]["entity_id"], ana.id.as_str());
    assert!(actions(&mine).contains(&"admin.users_listed".to_owned()));
    // A malformed id is simply not found.
    assert_problem(
        &s.post("/admin/users/not-an-id/disable", &admin, json!({}))
            .await,
        404,
    );
}

#[tokio::test]
async fn accounts_page_in_id_order() {
    let s = Server::start().await;
    let admin = s.register("pager@example.com").await;
    grant(&s, "pager@example.com").await;
    let mut ids = vec![admin.id.clone()];
    for i in 0..5 {
        ids.push(s.register(&format!("paged{i}@example.com")).await.id);
    }
    ids.sort();
    let mut seen = Vec::new();
    let mut path = "/admin/users?limit=2".to_owned();
    loop {
        let r = s.get(&path, &admin).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let items = r.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|u| u["id"].as_str().unwrap().to_owned()));
        match r.body["next_cursor"].as_str() {
            Some(c) => path = format!("/admin/users?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    // A search pages too.
    let r = s.get("/admin/users?q=paged&limit=3", &admin).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 3);
    let c = r.body["next_cursor"].as_str().unwrap().to_owned();
    let r = s
        .get(&format!("/admin/users?q=paged&limit=3&cursor={c}"), &admin)
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2, "{}", r.text);
    assert!(r.body["next_cursor"].is_null());
    assert_problem(&s.get("/admin/users?limit=0", &admin).await, 422);
    assert_problem(&s.get("/admin/users?cursor=zzz", &admin).await, 422);
}

#[tokio::test]
async fn admin_requests_are_rate_limited() {
    let s = Server::start().await;
    let admin = s.register("busy@example.com").await;
    grant(&s, "busy@example.com").await;
    let mut limited = None;
    for i in 0..130 {
        let r = s.get("/admin/users?limit=1", &admin).await;
        if r.status == 429 {
            limited = Some(i);
            assert!(r.headers.get("retry-after").is_some());
            break;
        }
        assert_eq!(r.status, 200, "{}", r.text);
    }
    assert_eq!(
        limited,
        Some(120),
        "the 121st request in a minute is refused"
    );
}

/// The real binary: `lifepath-server admin grant EMAIL` on the database a running server uses,
/// and the account is an admin at its next request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_grants_the_role() {
    if common::pg_admin_url().is_some() {
        println!(
            "SKIPPED the binary's admin command under PostgreSQL: it runs on the SQLite default"
        );
        return;
    }
    use std::process::{Command, Stdio};
    let dir = std::env::temp_dir().join(format!("lifepath-admin-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("admin.db").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let env = |c: &mut Command| {
        c.env("DATABASE_URL", &db)
            .env("LIFEPATH_BIND", format!("127.0.0.1:{port}"))
            .env(
                "LIFEPATH_JWT_SECRET",
                "admin-cli-secret-admin-cli-secret-0123",
            )
            .env(
                "LIFEPATH_ENCRYPTION_KEY",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            )
            .env("LIFEPATH_LOG", "warn");
    };
    let mut server = Command::new(env!("CARGO_BIN_EXE_lifepath-server"));
    env(&mut server);
    let mut child = server
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let c = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..300 {
        if c.get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "server did not start");
    let r: Value = c
        .post(format!("{base}/api/v1/users"))
        .json(&json!({"email": "Ops@Example.com", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = r["access_token"].as_str().unwrap().to_owned();
    let status = |t: &str| {
        let c = c.clone();
        let url = format!("{base}/api/v1/admin/users");
        let t = t.to_owned();
        async move {
            c.get(url)
                .bearer_auth(t)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(status(&token).await, 404);
    let mut grant = Command::new(env!("CARGO_BIN_EXE_lifepath-server"));
    env(&mut grant);
    // The email as typed differently: emails compare case-insensitively.
    let out = grant
        .args(["admin", "grant", "ops@example.COM"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("now holds the admin role"));
    assert_eq!(status(&token).await, 200);
    let mut unknown = Command::new(env!("CARGO_BIN_EXE_lifepath-server"));
    env(&mut unknown);
    let out = unknown
        .args(["admin", "grant", "nobody@example.com"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no account has the email"));
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
