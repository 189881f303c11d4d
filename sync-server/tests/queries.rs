//! Issue 19: query strings are read into typed structs; a bad value is 422 naming the
//! parameter in words, an empty value is the default, and the ranges are core's own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;

/// A 422 whose first error names `field`, says `words`, and shows no Rust type name.
fn assert_named_422(r: &Resp, path: &str, field: &str, words: &str) {
    assert_problem(r, 422);
    assert_eq!(r.body["errors"][0]["field"], field, "{path}: {}", r.text);
    let message = r.body["errors"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains(words),
        "{path}: {message:?} lacks {words:?}"
    );
    assert!(
        !message.contains("u32") && !message.contains("f64") && !message.contains("i64"),
        "{path}: {message}"
    );
}

#[tokio::test]
async fn analytics_queries_name_the_parameter_at_fault() {
    let s = Server::start().await;
    let u = s.register("query@example.com").await;
    for m in [9, 10] {
        let r = s
            .post(
                "/budgets/snapshots",
                &u,
                json!({"period_year": 2026, "period_month": m,
                       "budget_model": budget("5000.00", "dining", "300.00")}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    for (path, field, words) in [
        ("/budgets/trends?months=abc", "months", "whole number"),
        ("/budgets/trends?months=-3", "months", "whole number"),
        // Core's range (1..=1200), not one restated beside the handler.
        ("/budgets/trends?months=1201", "months", "1200"),
        ("/budgets/trends?months=0", "months", "between 1"),
        ("/budgets/anomalies?threshold=abc", "threshold", "number"),
        ("/budgets/anomalies?threshold=0", "threshold", "above 0"),
        ("/budgets/anomalies?lookback=601", "lookback", "600"),
        (
            "/budgets/anomalies?method=magic",
            "method",
            "zscore, robust",
        ),
        (
            "/budgets/anomalies?baseline=x",
            "baseline",
            "recent, seasonal",
        ),
        ("/budgets/anomalies?period=2026-13", "period", "month"),
        ("/budgets/compare?a=2026-09", "b", "required"),
        ("/budgets/forecast?horizon=121", "horizon", "120"),
        ("/budgets/forecast?months=x", "months", "whole number"),
    ] {
        assert_named_422(&s.get(path, &u).await, path, field, words);
    }
    // Empty values are the defaults; the largest window core accepts is accepted.
    for path in [
        "/budgets/trends?months=",
        "/budgets/trends?months=1200",
        "/budgets/anomalies?threshold=&lookback=&method=&baseline=&period=",
        "/budgets/anomalies?method=robust&baseline=seasonal&lookback=3&threshold=2.5",
        "/budgets/compare?a=2026-09&b=2026-10",
        "/budgets/forecast?horizon=&months=",
        "/budgets/forecast?horizon=120&months=1200&unknown=ignored",
    ] {
        let r = s.get(path, &u).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
    }
    let r = s.get("/budgets/trends?months=", &u).await;
    assert_eq!(r.body["window"]["months_with_data"], 2, "{}", r.text);
}

#[tokio::test]
async fn list_goal_and_sync_queries_name_the_parameter_at_fault() {
    let s = Server::start().await;
    let u = s.register("query2@example.com").await;
    let g = s
        .post(
            "/goals",
            &u,
            json!({"name": "Trip", "goal_type": "savings_target", "category": "vacation",
                   "priority": "medium", "target_amount": "1000.00", "start_date": "2026-01-01"}),
        )
        .await;
    assert_eq!(g.status, 201, "{}", g.text);
    let id = g.body["id"].as_str().unwrap();
    for (path, field, words) in [
        ("/goals?limit=0".to_owned(), "limit", "1 to 200"),
        ("/goals?limit=x".to_owned(), "limit", "whole number"),
        (
            "/budgets/snapshots?limit=201".to_owned(),
            "limit",
            "1 to 200",
        ),
        (
            format!("/goals/{id}/trajectory?as_of=2026-13-01"),
            "as_of",
            "YYYY-MM-DD",
        ),
        (
            format!("/goals/{id}/trajectory?monthly_contribution=abc"),
            "monthly_contribution",
            "",
        ),
        (
            format!("/goals/{id}/recommendations?as_of=soon"),
            "as_of",
            "YYYY-MM-DD",
        ),
        ("/sync/pull?limit=1001".to_owned(), "limit", "1 to 1000"),
        ("/sync/pull?limit=x".to_owned(), "limit", "whole number"),
    ] {
        assert_named_422(&s.get(&path, &u).await, &path, field, words);
    }
    for path in [
        "/goals?limit=&cursor=".to_owned(),
        format!("/goals/{id}/trajectory?monthly_contribution=250.00&as_of=2026-11-21"),
        format!("/goals/{id}/trajectory?monthly_contribution=&as_of="),
        format!("/goals/{id}/recommendations?as_of=2026-11-21"),
        "/sync/pull?since=&limit=".to_owned(),
    ] {
        let r = s.get(&path, &u).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
    }
}
