//! The OpenAPI 3.1 document of `/openapi.json`, built from the code: the route table below is
//! what [`crate::app`] serves (a test checks that every entry answers), and each schema is
//! derived from the serde shape of a real core value, so the document follows the types.

use chrono::{DateTime, NaiveDate};
use lifepath_core::models::*;
use lifepath_core::validate::from_value;
use lifepath_core::*;
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::openapi::OpenApi;

/// One documented route: `(method, path, summary, request schema, response schema, success
/// status, needs auth)`.
pub type Route = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    u16,
    bool,
);

/// Every route the server serves.
pub const ROUTES: &[Route] = &[
    (
        "post",
        "/api/v1/users",
        "Register",
        Some("RegisterInput"),
        Some("AuthResponse"),
        201,
        false,
    ),
    (
        "post",
        "/api/v1/users/login",
        "Log in",
        Some("LoginInput"),
        Some("AuthResponse"),
        200,
        false,
    ),
    (
        "post",
        "/api/v1/users/refresh",
        "Rotate a refresh token",
        Some("RefreshInput"),
        Some("AuthResponse"),
        200,
        false,
    ),
    (
        "post",
        "/api/v1/users/logout",
        "Revoke a refresh token family",
        Some("RefreshInput"),
        None,
        204,
        false,
    ),
    (
        "get",
        "/api/v1/users/me",
        "The account",
        None,
        Some("User"),
        200,
        true,
    ),
    (
        "patch",
        "/api/v1/users/me",
        "Change the profile",
        Some("UserPatch"),
        Some("User"),
        200,
        true,
    ),
    (
        "delete",
        "/api/v1/users/me",
        "Delete the account and everything of it",
        None,
        None,
        204,
        true,
    ),
    (
        "get",
        "/api/v1/users/me/export",
        "Export everything",
        None,
        Some("Export"),
        200,
        true,
    ),
    (
        "post",
        "/api/v1/budgets/snapshots",
        "Create (201) or replace (200) the snapshot of a period",
        Some("SnapshotInput"),
        Some("BudgetSnapshot"),
        201,
        true,
    ),
    (
        "get",
        "/api/v1/budgets/snapshots",
        "Snapshots, newest first",
        None,
        Some("SnapshotPage"),
        200,
        true,
    ),
    (
        "get",
        "/api/v1/budgets/snapshots/{id}",
        "One snapshot",
        None,
        Some("BudgetSnapshot"),
        200,
        true,
    ),
    (
        "delete",
        "/api/v1/budgets/snapshots/{id}",
        "Delete a snapshot",
        None,
        None,
        204,
        true,
    ),
    (
        "get",
        "/api/v1/budgets/trends",
        "Trends (?months)",
        None,
        Some("Trends"),
        200,
        true,
    ),
    (
        "get",
        "/api/v1/budgets/anomalies",
        "Anomalies (?period&threshold&lookback&method&baseline)",
        None,
        Some("AnomalyReport"),
        200,
        true,
    ),
    (
        "get",
        "/api/v1/budgets/compare",
        "Compare two periods (?a&b)",
        None,
        Some("Comparison"),
        200,
        true,
    ),
    (
        "get",
        "/api/v1/budgets/forecast",
        "Forecast (?horizon&months)",
        None,
        Some("Forecast"),
        200,
        true,
    ),
    (
        "post",
        "/api/v1/budgets/sessions",
        "Start a budget session",
        Some("SessionInput"),
        Some("BudgetSession"),
        201,
        true,
    ),
    (
        "get",
        "/api/v1/budgets/sessions/{id}",
        "One budget session",
        None,
        Some("BudgetSession"),
        200,
        true,
    ),
    (
        "patch",
        "/api/v1/budgets/sessions/{id}",
        "Edit or advance a budget session",
        Some("SessionPatch"),
        Some("BudgetSession"),
        200,
        true,
    ),
    (
        "post",
        "/api/v1/budgets/sessions/{id}/snapshot",
        "Save a final session as a snapshot",
        Some("SaveSessionInput"),
        Some("BudgetSnapshot"),
        201,
        true,
    ),
    (
        "post",
        "/api/v1/goals",
        "Create a goal",
        Some("GoalInput"),
        Some("Goal"),
        201,
        true,
    ),
    (
        "get",
        "/api/v1/goals",
        "Goals, newest first",
        None,
        Some("GoalPage"),
        200,
        true,
    ),
    (
        "get",
        "/api/v1/goals/{id}",
        "One goal",
        None,
        Some("Goal"),
        200,
        true,
    ),
    (
        "patch",
        "/api/v1/goals/{id}",
        "Change a goal or move its status",
        Some("GoalPatch"),
        Some("Goal"),
        200,
        true,
    ),
    (
        "delete",
        "/api/v1/goals/{id}",
        "Delete a goal",
        None,
        None,
        204,
        true,
    ),
    (
        "post",
        "/api/v1/goals/{id}/progress",
        "Create (201) or replace (200) a month's progress",
        Some("ProgressInput"),
        Some("GoalProgress"),
        201,
        true,
    ),
    (
        "post",
        "/api/v1/goals/{id}/contributions",
        "Add a contribution",
        Some("ContributionInput"),
        Some("GoalContribution"),
        201,
        true,
    ),
    (
        "get",
        "/api/v1/goals/{id}/contributions",
        "Contributions, newest first",
        None,
        Some("ContributionPage"),
        200,
        true,
    ),
    (
        "get",
        "/api/v1/goals/{id}/trajectory",
        "Trajectory (?monthly_contribution&as_of)",
        None,
        Some("Trajectory"),
        200,
        true,
    ),
    (
        "get",
        "/api/v1/goals/{id}/recommendations",
        "Recommendations (?as_of)",
        None,
        Some("RecommendationPage"),
        200,
        true,
    ),
    (
        "post",
        "/api/v1/recommendations/{id}/feedback",
        "Rate a recommendation",
        Some("FeedbackInput"),
        Some("RecommendationFeedback"),
        201,
        true,
    ),
    (
        "patch",
        "/api/v1/recommendations/{id}",
        "Mark implemented or rate",
        Some("RecommendationPatch"),
        Some("Recommendation"),
        200,
        true,
    ),
    (
        "post",
        "/api/v1/sync/push",
        "Push offline mutations (at most 500; idempotent by op_id)",
        Some("PushRequest"),
        Some("PushResponse"),
        200,
        true,
    ),
    (
        "get",
        "/api/v1/sync/pull",
        "Pull changes after a cursor (410 cursor_expired when deletions after it were purged: pull again without since)",
        None,
        Some("PullResponse"),
        200,
        true,
    ),
    ("get", "/healthz", "Liveness", None, None, 200, false),
    (
        "get",
        "/readyz",
        "Readiness (database reachable)",
        None,
        None,
        200,
        false,
    ),
    (
        "get",
        "/metrics",
        "Prometheus metrics",
        None,
        None,
        200,
        false,
    ),
    (
        "get",
        "/openapi.json",
        "This document",
        None,
        None,
        200,
        false,
    ),
];

/// A JSON Schema of a sample value's shape.
fn schema_of(v: &Value) -> Value {
    match v {
        Value::Null => json!({"type": "null"}),
        Value::Bool(_) => json!({"type": "boolean"}),
        Value::Number(n) if n.is_i64() || n.is_u64() => json!({"type": "integer"}),
        Value::Number(_) => json!({"type": "number"}),
        Value::String(_) => json!({"type": "string"}),
        Value::Array(a) => match a.first() {
            Some(x) => json!({"type": "array", "items": schema_of(x)}),
            None => json!({"type": "array"}),
        },
        Value::Object(o) => {
            let props: Map<String, Value> =
                o.iter().map(|(k, x)| (k.clone(), schema_of(x))).collect();
            json!({"type": "object", "properties": props})
        }
    }
}

fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn samples() -> Vec<(&'static str, Value)> {
    let now = DateTime::UNIX_EPOCH;
    let user = UserId(uuid::Uuid::nil());
    let model = json!({
        "incomes": [{"id": "i1", "name": "Salary", "type": "earned", "monthly_amount": "5000.00", "stability": "stable"}],
        "expenses": [{"id": "e1", "name": "Rent", "category": "housing", "monthly_amount": "1500.00", "essential": true}],
        "debts": [{"id": "d1", "name": "Card", "balance": "2000.00", "interest_rate": "22.99", "min_payment": "60.00", "priority": "high"}]
    });
    let snap_input = json!({"period_year": 2026, "period_month": 10, "budget_model": model});
    let goal_input = json!({"name": "Trip", "goal_type": "savings_target", "category": "vacation",
        "target_amount": "3000.00", "start_date": "2026-01-01", "target_date": "2027-06-01"});
    let mut out: Vec<(&'static str, Value)> = vec![
        (
            "RegisterInput",
            json!({"email": "ana@example.com", "password": "a long password", "display_name": "Ana", "currency": "USD"}),
        ),
        (
            "LoginInput",
            json!({"email": "ana@example.com", "password": "a long password"}),
        ),
        ("RefreshInput", json!({"refresh_token": "opaque"})),
        ("SnapshotInput", snap_input.clone()),
        ("GoalInput", goal_input.clone()),
        (
            "GoalPatch",
            json!({"name": "Trip", "status": "paused", "version": 1}),
        ),
        (
            "UserPatch",
            json!({"display_name": "Ana", "currency": "EUR", "retention_months": 24}),
        ),
        (
            "ProgressInput",
            json!({"period_year": 2026, "period_month": 10, "amount_at_period": "500.00", "contribution_this_period": "100.00"}),
        ),
        (
            "ContributionInput",
            json!({"amount": "100.00", "date": "2026-10-01", "source": "direct", "notes": "bonus"}),
        ),
        (
            "FeedbackInput",
            json!({"was_helpful": true, "rating": 4, "comments": "good"}),
        ),
        (
            "RecommendationPatch",
            json!({"is_implemented": true, "user_feedback": 4}),
        ),
        (
            "SessionInput",
            json!({"draft": {}, "user_query": "help me save", "user_profile": {}}),
        ),
        (
            "SessionPatch",
            json!({"stage": "final", "final": model, "version": 1}),
        ),
        (
            "SaveSessionInput",
            json!({"period_year": 2026, "period_month": 10, "version": 1}),
        ),
        (
            "Problem",
            json!({"type": "https://lifepath.invalid/problems/validation_failed", "title": "Unprocessable Entity", "status": 422, "detail": "…", "code": "validation_failed", "errors": [{"field": "name", "message": "…"}], "current": {}}),
        ),
    ];
    let u = User {
        id: user,
        email: "ana@example.com".into(),
        display_name: Some("Ana".into()),
        currency: "USD".into(),
        default_framework: None,
        default_optimization_focus: None,
        retention_months: None,
        created_at: now,
        updated_at: now,
    };
    out.push(("User", to_json(&u)));
    out.push(("AuthResponse", json!({"user": to_json(&u), "access_token": "jwt", "refresh_token": "opaque", "token_type": "Bearer", "expires_in": 900})));
    if let Ok(input) = from_value::<SnapshotInput>(snap_input)
        && let Ok(s) =
            BudgetSnapshot::create(SnapshotId(uuid::Uuid::nil()), user, "USD", input, now)
    {
        out.push((
            "SnapshotPage",
            json!({"items": [to_json(&s)], "next_cursor": "opaque"}),
        ));
        if let Ok(t) = lifepath_core::analytics::compute_trends(std::slice::from_ref(&s), 12) {
            out.push(("Trends", to_json(&t)));
        }
        if let Ok(c) = lifepath_core::analytics::compare_periods(&s, &s) {
            out.push(("Comparison", to_json(&c)));
        }
        if let Ok(f) =
            lifepath_core::analytics::forecast(std::slice::from_ref(&s), &Default::default())
        {
            out.push(("Forecast", to_json(&f)));
        }
        if let Ok(r) = lifepath_core::analytics::detect_anomalies(&s, &[], &Default::default()) {
            out.push(("AnomalyReport", to_json(&r)));
        }
        out.push(("BudgetSnapshot", to_json(&s)));
    }
    if let Ok(input) = from_value::<GoalInput>(goal_input)
        && let Ok(g) = Goal::create(GoalId(uuid::Uuid::nil()), user, input, now)
    {
        out.push((
            "GoalPage",
            json!({"items": [to_json(&g)], "next_cursor": "opaque"}),
        ));
        let day = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap_or_default();
        if let Ok(t) = lifepath_core::goals::trajectory(&g, &[], None, None, day) {
            out.push(("Trajectory", to_json(&t)));
        }
        out.push(("Goal", to_json(&g)));
    }
    if let Ok(c) = from_value::<ContributionInput>(
        json!({"amount": "100.00", "date": "2026-10-01"}),
    )
    .and_then(|i| {
        GoalContribution::create(
            ContributionId(uuid::Uuid::nil()),
            GoalId(uuid::Uuid::nil()),
            i,
            now,
        )
    }) {
        out.push((
            "ContributionPage",
            json!({"items": [to_json(&c)], "next_cursor": null}),
        ));
        out.push(("GoalContribution", to_json(&c)));
    }
    let rec = json!({"id": uuid::Uuid::nil(), "goal_id": uuid::Uuid::nil(), "kind": "reduce_expense",
        "title": "Trim dining", "description": "…", "category": "dining", "potential_impact": "50.00",
        "difficulty_level": "easy", "implementation_steps": ["…"], "is_implemented": false,
        "user_feedback": 4, "created_at": now});
    out.push((
        "RecommendationPage",
        json!({"items": [rec.clone()], "next_cursor": null}),
    ));
    out.push(("Recommendation", rec));
    out.push(("RecommendationFeedback", json!({"id": uuid::Uuid::nil(), "recommendation_id": uuid::Uuid::nil(), "was_helpful": true, "rating": 4, "comments": "good", "created_at": now})));
    out.push(("GoalProgress", json!({"id": uuid::Uuid::nil(), "goal_id": uuid::Uuid::nil(), "period_year": 2026, "period_month": 10, "amount_at_period": "500.00", "contribution_this_period": "100.00", "snapshot_id": null, "created_at": now})));
    out.push(("BudgetSession", json!({"id": uuid::Uuid::nil(), "user_id": uuid::Uuid::nil(), "stage": "draft", "draft": {}, "partial": null, "final": null, "user_query": null, "user_profile": null, "version": 1, "created_at": now, "updated_at": now})));
    let op = uuid::Uuid::nil();
    out.push((
        "PushRequest",
        json!({"mutations": [
        {"op_id": op, "entity": "goal", "id": op, "base_version": 0, "op": "upsert", "data": {}},
        {"op_id": op, "entity": "snapshot", "id": op, "base_version": 3, "op": "delete"}]}),
    ));
    out.push(("PushResponse", json!({"results": [
        {"op_id": op, "status": "applied", "version": 1},
        {"op_id": op, "status": "conflict", "version": 4, "server_record": {"version": 4, "deleted": false, "data": {}}},
        {"op_id": op, "status": "rejected", "error": "data.name: must not be empty"}]})));
    out.push((
        "PullResponse",
        json!({"changes": [
        {"entity": "goal", "id": op, "version": 2, "deleted": false, "data": {}},
        {"entity": "snapshot", "id": op, "version": 5, "deleted": true}],
        "cursor": "opaque", "has_more": false}),
    ));
    out.push(("Export", json!({"exported_at": now, "user": {}, "snapshots": [], "goals": [], "contributions": [], "progress": [], "recommendations": [], "feedback": [], "budget_sessions": [], "audit_events": []})));
    out
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// The document as JSON.
pub fn document_json() -> Value {
    let mut schemas = Map::new();
    for (name, sample) in samples() {
        schemas.insert(name.to_owned(), schema_of(&sample));
    }
    let problem = json!({"description": "Problem details (RFC 9457)",
        "content": {"application/problem+json": {"schema": reference("Problem")}}});
    let mut paths = Map::new();
    for (method, path, summary, req, resp, status, auth) in ROUTES {
        let mut op = json!({"summary": summary, "responses": {}});
        let ok = match resp {
            Some(r) => {
                json!({"description": "OK", "content": {"application/json": {"schema": reference(r)}}})
            }
            None => json!({"description": "OK"}),
        };
        op["responses"][status.to_string()] = ok;
        if *path != "/healthz" && *path != "/metrics" && *path != "/openapi.json" {
            op["responses"]["default"] = problem.clone();
        }
        if let Some(r) = req {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": reference(r)}}});
        }
        if path.contains("{id}") {
            op["parameters"] = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}]);
        }
        if *auth {
            op["security"] = json!([{"bearer": []}]);
        }
        let entry = paths.entry((*path).to_owned()).or_insert_with(|| json!({}));
        entry[*method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "lifepath sync server", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Budget snapshots, goals and analytics; every number from lifepath-core."},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
        }
    })
}

/// The document, checked against utoipa's OpenAPI model.
pub fn document() -> OpenApi {
    serde_json::from_value(document_json()).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the OpenAPI document does not fit the OpenAPI model");
        OpenApi::default()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn document_parses_and_has_every_schema() {
        let doc = super::document_json();
        let parsed: utoipa::openapi::OpenApi = serde_json::from_value(doc.clone()).unwrap();
        assert!(parsed.paths.paths.len() >= 25);
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for (_, _, _, req, resp, _, _) in super::ROUTES {
            for name in req.iter().chain(resp.iter()) {
                assert!(schemas.contains_key(*name), "missing schema {name}");
            }
        }
    }
}
