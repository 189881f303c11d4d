//! The source design's success metrics (issue 21) on SQLite and, with `LIFEPATH_TEST_PG_URL`,
//! PostgreSQL: users made and driven through the API, the expected figures worked out by hand
//! below; `GET /admin/metrics` and the command line agree; only aggregates come out.
//!
//! Everything the API does happens "now" (month M). The returning-users metric needs saves in
//! the month before (M−1), so after driving the API the test moves the audit rows of five
//! earlier saves one month back in the database — as if they had been made then.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Server, User, assert_problem, budget};
use lifepath_core::Period;
use lifepath_sync_server::config::{AdminCommand, Config};
use reqwest::Method;
use serde_json::{Value, json};

async fn admin(s: &Server) -> User {
    let a = s.register("metrics-admin@example.com").await;
    lifepath_sync_server::admin_command(
        Config::for_tests(&s.database_url),
        AdminCommand::Grant {
            email: a.email.clone(),
        },
    )
    .await
    .unwrap();
    a
}

/// A session taken to `final` (version 3).
async fn final_session(s: &Server, u: &User) -> String {
    let r = s.post("/budgets/sessions", u, json!({})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let p = format!("/budgets/sessions/{id}");
    let r = s
        .patch(&p, u, json!({"stage": "partial", "partial": {"x": 1}}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s
        .patch(
            &p,
            u,
            json!({"stage": "final", "final": budget("4000.00", "dining", "200.00"), "version": 2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    id
}

fn metric<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["key"] == key)
        .unwrap()
}

/// Moves the `snapshot.create` audit rows of `users` for `period` one month back.
async fn backdate(s: &Server, users: &[&User], period: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(&s.database_url).await.unwrap();
    let month_us: i64 = 31 * 24 * 3600 * 1_000_000;
    for u in users {
        let done = sqlx::query(
            "update audit_event set created_at = created_at - $1 where user_id = $2 \
             and action = 'snapshot.create' and details like $3",
        )
        .bind(month_us)
        .bind(&u.id)
        .bind(format!("%\"period\":\"{period}\"%"))
        .execute(&mut c)
        .await
        .unwrap();
        assert_eq!(done.rows_affected(), 1);
    }
}

#[tokio::test]
async fn the_report_matches_the_hand_worked_figures() {
    let s = Server::start().await;
    let boss = admin(&s).await;
    let mut users = Vec::new();
    for i in 1..=6 {
        users.push(s.register(&format!("m{i}@example.com")).await);
    }
    // Sessions: all six make one; u1..u4 save theirs as a snapshot, u5 and u6 do not.
    for (i, u) in users.iter().enumerate() {
        let id = final_session(&s, u).await;
        if i < 4 {
            let r = s
                .post(
                    &format!("/budgets/sessions/{id}/snapshot"),
                    u,
                    json!({"period_year": 2026, "period_month": 10}),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
    }
    // An earlier save by u1..u5 (moved to last month below).
    for u in &users[..5] {
        let r = s
            .post(
                "/budgets/snapshots",
                u,
                json!({"period_year": 2026, "period_month": 9, "budget_model": budget("4000.00", "dining", "150.00")}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    // Goals: u1 and u2.
    for u in &users[..2] {
        let r = s
            .post(
                "/goals",
                u,
                json!({"name": "Rainy day", "goal_type": "emergency_fund", "category": "emergency",
                       "target_amount": "1000.00", "start_date": "2026-01-01"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    // Analytics: u1 reads trends twice (one event a day), u2 anomalies, u3 a forecast.
    for (u, path) in [
        (&users[0], "/budgets/trends"),
        (&users[0], "/budgets/trends"),
        (&users[1], "/budgets/anomalies"),
        (&users[2], "/budgets/forecast"),
    ] {
        assert_eq!(s.get(path, u).await.status, 200);
    }
    // The notes are written after the answers.
    let mut noted = 0;
    for _ in 0..50 {
        let r = s
            .get("/users/me/audit?action=analytics.read", &users[0])
            .await;
        noted = r.body["items"].as_array().unwrap().len();
        let r3 = s
            .get("/users/me/audit?action=analytics.read", &users[2])
            .await;
        if noted >= 1 && !r3.body["items"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(noted, 1, "two reads in a day are one event");
    let refs: Vec<&User> = users[..5].iter().collect();
    backdate(&s, &refs, "2026-09").await;

    let m = Period::of_date(chrono::Utc::now().date_naive());
    let r = s
        .get(&format!("/admin/metrics?from={m}&to={m}"), &boss)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let report = &r.body;
    // Worked by hand (month M):
    // - sessions created 6, saved as a snapshot 4 → 0.6667, met (≥ 0.50);
    let x = metric(report, "snapshot_creation_rate");
    assert_eq!(
        (x["numerator"].as_u64(), x["denominator"].as_u64()),
        (Some(4), Some(6))
    );
    assert_eq!(x["value"], "0.6667");
    assert_eq!(x["target"], "0.5");
    assert_eq!(x["met"], true);
    // - saved in M−1: u1..u5 (5); again in M: u1..u4 → 4/5 = 0.8, met (≥ 0.40);
    let x = metric(report, "returning_users");
    assert_eq!(
        (x["numerator"].as_u64(), x["denominator"].as_u64()),
        (Some(4), Some(5))
    );
    assert_eq!(x["value"], "0.8");
    assert_eq!(x["met"], true);
    // - active in M: u1..u6 and the admin? The admin only read: not active. 6 active; goals
    //   u1, u2 → 2/6 = 0.3333, met (≥ 0.30);
    let x = metric(report, "goal_creation");
    assert_eq!(
        (x["numerator"].as_u64(), x["denominator"].as_u64()),
        (Some(2), Some(6))
    );
    assert_eq!(x["value"], "0.3333");
    assert_eq!(x["met"], true);
    // - analytics readers among the active: u1, u2, u3 → 3/6 = 0.5, met (≥ 0.20);
    let x = metric(report, "trend_engagement");
    assert_eq!(
        (x["numerator"].as_u64(), x["denominator"].as_u64()),
        (Some(3), Some(6))
    );
    assert_eq!(x["value"], "0.5");
    // - two saves or more: u1..u4 → 4 < 5: withheld.
    assert!(report["users_with_two_or_more_snapshots"].is_null());

    // Aggregates only: no user id or email in the answer.
    for u in &users {
        assert!(
            !r.text.contains(&u.id) && !r.text.contains(&u.email),
            "{}",
            r.text
        );
    }

    // The previous month alone: 5 active users (the moved saves), nobody with a goal by its
    // end → 0/5; no session then → no value (not a zero).
    let prev = m.add_months(-1);
    let r = s
        .get(&format!("/admin/metrics?from={prev}&to={prev}"), &boss)
        .await;
    let x = metric(&r.body, "goal_creation");
    assert_eq!(
        (x["numerator"].as_u64(), x["denominator"].as_u64()),
        (Some(0), Some(5))
    );
    let x = metric(&r.body, "snapshot_creation_rate");
    assert_eq!(
        x["withheld"], true,
        "no sessions: fewer than 5 users behind it"
    );
    assert!(x["value"].is_null());
    // Three months back: nothing, everything withheld.
    let old = m.add_months(-3);
    let r = s.get(&format!("/admin/metrics?to={old}"), &boss).await;
    assert!(
        r.body["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["withheld"] == true)
    );

    // The command line prints the same report.
    let cli = lifepath_sync_server::admin_command(
        Config::for_tests(&s.database_url),
        AdminCommand::Metrics {
            from: Some(m.to_string()),
            to: Some(m.to_string()),
            json: true,
        },
    )
    .await
    .unwrap();
    let cli: Value = serde_json::from_str(&cli).unwrap();
    assert_eq!(&cli, report);
    let table = lifepath_sync_server::admin_command(
        Config::for_tests(&s.database_url),
        AdminCommand::Metrics {
            from: None,
            to: None,
            json: false,
        },
    )
    .await
    .unwrap();
    assert!(
        table.contains("snapshot_creation_rate") && table.contains("66.7 %"),
        "{table}"
    );
    println!("{table}");

    // For a normal account: 404; without a token: 401; bad months: 422.
    assert_problem(&s.get("/admin/metrics", &users[0]).await, 404);
    assert_problem(
        &s.call(Method::GET, "/admin/metrics", None, None).await,
        401,
    );
    assert_problem(&s.get("/admin/metrics?from=2026-13", &boss).await, 422);
    assert_problem(
        &s.get("/admin/metrics?from=2026-06&to=2026-01", &boss).await,
        422,
    );
}
