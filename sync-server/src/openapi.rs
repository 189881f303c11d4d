//! The OpenAPI 3.1 document of `/openapi.json`, built from the code: the route table below is
//! what [`crate::app`] serves (a test checks that every entry answers), and each schema is
//! derived from the serde shape of a real core value, so the document follows the types.

use chrono::{DateTime, NaiveDate};
use lifepath_core::analytics::series::MAX_MONTHS;
use lifepath_core::analytics::{MAX_HORIZON, MAX_LOOKBACK, MAX_THRESHOLD};
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
        "post",
        "/api/v1/users/logout-all",
        "End every session: revoke every refresh token and refuse every access token issued until now",
        None,
        None,
        204,
        true,
    ),
    (
        "post",
        "/api/v1/users/me/password",
        "Change the password (proven by the current one); ends the other sessions and answers a new token pair",
        Some("PasswordChangeInput"),
        Some("AuthResponse"),
        200,
        true,
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
            if props.is_empty() {
                json!({"type": "object"})
            } else {
                json!({"type": "object", "properties": props})
            }
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
        (
            "PasswordChangeInput",
            json!({"current_password": "a long password", "new_password": "a longer password"}),
        ),
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

/// Any JSON value (free-form session data).
fn any_value() -> Value {
    json!({"type": ["object", "array", "string", "number", "integer", "boolean", "null"]})
}

/// `schema` or null.
fn or_null(schema: Value) -> Value {
    match schema.get("type").cloned() {
        Some(Value::String(t)) if t != "null" && schema.get("enum").is_none() => {
            let mut s = schema;
            s["type"] = json!([t, "null"]);
            s
        }
        _ => json!({"anyOf": [schema, {"type": "null"}]}),
    }
}

/// A money amount as the server reads it: a decimal string such as "12.34" or a JSON number.
fn money_in() -> Value {
    json!({"anyOf": [
        {"type": "string", "pattern": "^[+-]?[0-9]{1,20}(\\.[0-9]{1,12})?$", "examples": ["250.00"]},
        {"type": "number"}
    ]})
}

/// Free text as the core checks it: `min..=max` characters, not blank, no control characters
/// other than tab and line breaks.
fn text(min: u32, max: u32) -> Value {
    if min == 0 {
        json!({"type": "string", "maxLength": max,
               "pattern": "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"})
    } else {
        json!({"type": "string", "minLength": min, "maxLength": max,
               "pattern": "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"})
    }
}

fn enumeration(values: &[&str]) -> Value {
    json!({"type": "string", "enum": values})
}

fn date() -> Value {
    json!({"type": "string", "format": "date"})
}

fn uuid() -> Value {
    json!({"type": "string", "format": "uuid"})
}

fn object(required: &[&str], props: Value) -> Value {
    json!({"type": "object", "required": required, "properties": props})
}

/// The request bodies, written out: required fields, types, enums and ranges as the core reads
/// and validates them (rules across fields, such as a target date after the start date, are
/// 422 answers the schema cannot say).
fn input_schemas() -> Vec<(&'static str, Value)> {
    let year = json!({"type": "integer", "minimum": 1900, "maximum": 9999});
    let month = json!({"type": "integer", "minimum": 1, "maximum": 12});
    let version = or_null(json!({"type": "integer"}));
    let currency = json!({"type": "string", "pattern": "^[A-Z]{3}$", "examples": ["USD"]});
    let priority = enumeration(&["high", "medium", "low"]);
    let framework = enumeration(&["50_30_20", "zero_based", "envelope", "custom"]);
    let focus = enumeration(&["debt", "savings", "balanced"]);
    let goal_type = enumeration(&[
        "savings_target",
        "debt_payoff",
        "emergency_fund",
        "retirement",
        "custom",
    ]);
    let category = enumeration(&[
        "vacation",
        "emergency",
        "education",
        "housing",
        "vehicle",
        "electronics",
        "medical",
        "retirement",
        "debt",
        "other",
    ]);
    let status = enumeration(&["active", "paused", "completed", "abandoned"]);
    let slug = json!({"type": "string", "pattern": "^[a-z0-9_]{1,40}$"});
    let item_id = text(1, 64);
    let budget_model = json!({"type": "object", "properties": {
        "incomes": {"type": "array", "maxItems": 500, "items": object(&["name", "monthly_amount"], json!({
            "id": item_id, "name": text(1, 100),
            "type": enumeration(&["earned", "passive", "transfer"]),
            "monthly_amount": money_in(),
            "stability": enumeration(&["stable", "variable", "seasonal"])}))},
        "expenses": {"type": "array", "maxItems": 500, "items": object(&["name", "category", "monthly_amount"], json!({
            "id": item_id, "name": text(1, 100), "category": slug,
            "monthly_amount": money_in(), "essential": {"type": "boolean"}}))},
        "debts": {"type": "array", "maxItems": 500, "items": object(&["name", "balance", "interest_rate", "min_payment"], json!({
            "id": item_id, "name": text(1, 100), "balance": money_in(),
            "interest_rate": money_in(), "min_payment": money_in(), "priority": priority}))},
        "preferences": or_null(json!({"type": "object", "properties": {"optimization_focus": or_null(focus.clone())}}))
    }});
    let rating = json!({"type": "integer", "minimum": 1, "maximum": 5});
    let email = json!({"type": "string", "format": "email", "maxLength": 254});
    // 8 to 1024 bytes of UTF-8: JSON Schema counts characters, so the bounds are only said.
    let password = json!({"type": "string", "description": "8 to 1024 bytes (UTF-8)"});
    let mut pi = object(
        &["period_year", "period_month", "amount_at_period"],
        json!({
            "period_year": year, "period_month": month, "amount_at_period": money_in(),
            "contribution_this_period": money_in(), "snapshot_id": or_null(uuid())}),
    );
    pi["description"] = json!("Creates (201) or replaces (200) the goal's progress of a month");
    vec![
        (
            "RegisterInput",
            object(
                &["email", "password"],
                json!({"email": email, "password": password,
                "display_name": or_null(text(1, 100)), "currency": or_null(currency.clone())}),
            ),
        ),
        (
            "PasswordChangeInput",
            object(
                &["current_password", "new_password"],
                json!({"current_password": {"type": "string", "minLength": 1, "maxLength": 1024},
                       "new_password": {"type": "string", "minLength": 8, "maxLength": 1024}}),
            ),
        ),
        (
            "LoginInput",
            object(
                &["email", "password"],
                json!({"email": {"type": "string", "minLength": 1, "maxLength": 254},
                       "password": {"type": "string", "minLength": 1, "maxLength": 1024}}),
            ),
        ),
        (
            "RefreshInput",
            object(
                &[],
                json!({"refresh_token": {"type": ["string", "null"], "description":
                    "The refresh token; may be left out in cookie mode (header \
                     `X-Lifepath-Session: cookie` and the `lifepath_refresh` cookie)"}}),
            ),
        ),
        (
            "UserPatch",
            json!({"type": "object", "additionalProperties": false, "properties": {
                "display_name": or_null(text(1, 100)), "currency": or_null(currency.clone()),
                "default_framework": or_null(framework), "default_optimization_focus": or_null(focus),
                "retention_months": or_null(json!({"type": "integer", "minimum": 1})),
                "version": version}}),
        ),
        (
            "SnapshotInput",
            object(
                &["period_year", "period_month", "budget_model"],
                json!({"period_year": year, "period_month": month, "budget_model": budget_model,
                "source_session_id": or_null(uuid()), "version": version}),
            ),
        ),
        (
            "GoalInput",
            object(
                &[
                    "name",
                    "goal_type",
                    "category",
                    "target_amount",
                    "start_date",
                ],
                json!({
                "name": text(1, 100), "description": or_null(text(0, 2000)), "goal_type": goal_type,
                "category": category, "priority": priority, "target_amount": money_in(),
                "current_amount": money_in(), "start_date": date(), "target_date": or_null(date()),
                "linked_debt_id": or_null(text(1, 64)), "annual_return_rate": or_null(money_in()),
                "status": status}),
            ),
        ),
        (
            "GoalPatch",
            json!({"type": "object", "properties": {
                "name": text(1, 100), "description": or_null(text(0, 2000)), "goal_type": goal_type,
                "category": category, "priority": priority, "target_amount": money_in(),
                "current_amount": money_in(), "start_date": date(), "target_date": or_null(date()),
                "linked_debt_id": or_null(text(1, 64)), "annual_return_rate": or_null(money_in()),
                "status": status, "version": version}}),
        ),
        ("ProgressInput", pi),
        (
            "ContributionInput",
            object(
                &["amount", "date"],
                json!({"amount": money_in(), "date": date(),
                "source": enumeration(&["direct", "savings", "expense_reduction", "income", "other"]),
                "notes": or_null(text(0, 2000))}),
            ),
        ),
        (
            "FeedbackInput",
            object(
                &["was_helpful", "rating"],
                json!({"was_helpful": {"type": "boolean"}, "rating": rating,
                "comments": or_null(text(0, 2000))}),
            ),
        ),
        (
            "RecommendationPatch",
            json!({"type": "object", "additionalProperties": false, "properties": {
                "is_implemented": or_null(json!({"type": "boolean"})),
                "user_feedback": or_null(rating)}}),
        ),
        (
            "SessionInput",
            json!({"type": "object", "additionalProperties": false, "properties": {
                "draft": any_value(), "user_query": or_null(text(0, 2000)),
                "user_profile": any_value()}}),
        ),
        (
            "SessionPatch",
            json!({"type": "object", "additionalProperties": false, "properties": {
                "stage": or_null(enumeration(&["draft", "partial", "final"])),
                "draft": any_value(), "partial": any_value(), "final": any_value(),
                "user_query": or_null(text(0, 2000)), "user_profile": any_value(),
                "version": version}}),
        ),
        (
            "SaveSessionInput",
            object(
                &["period_year", "period_month"],
                json!({"period_year": year, "period_month": month, "version": version}),
            ),
        ),
        (
            "PushRequest",
            object(
                &["mutations"],
                json!({"mutations": {"type": "array", "description": "At most 500: a larger batch is 413 batch_too_large", "items": object(
                &["op_id", "entity", "id", "op"],
                json!({"op_id": uuid(), "entity": enumeration(&["snapshot", "goal", "contribution", "progress", "session", "recommendation", "feedback"]),
                       "id": uuid(), "base_version": or_null(json!({"type": "integer"})),
                       "op": enumeration(&["upsert", "delete"]), "data": any_value()}))}}),
            ),
        ),
    ]
}

/// Output fields that can be null (by name, anywhere in the schema), with their schema when
/// not null.
fn nullable_outputs() -> Vec<(&'static str, Vec<(&'static str, Value)>)> {
    let s = || json!({"type": "string"});
    let user = vec![
        ("display_name", s()),
        (
            "default_framework",
            enumeration(&["50_30_20", "zero_based", "envelope", "custom"]),
        ),
        (
            "default_optimization_focus",
            enumeration(&["debt", "savings", "balanced"]),
        ),
        ("retention_months", json!({"type": "integer"})),
    ];
    let snapshot = vec![
        ("savings_rate", json!({"type": "number"})),
        ("source_session_id", uuid()),
        ("next_cursor", s()),
    ];
    let goal = vec![
        ("description", s()),
        ("target_date", date()),
        ("linked_debt_id", s()),
        ("annual_return_rate", s()),
        (
            "completed_at",
            json!({"type": "string", "format": "date-time"}),
        ),
        ("next_cursor", s()),
    ];
    vec![
        ("User", user.clone()),
        ("AuthResponse", user),
        ("BudgetSnapshot", snapshot.clone()),
        ("SnapshotPage", snapshot),
        (
            "Trends",
            vec![
                ("from", s()),
                ("to", s()),
                ("change_percent", json!({"type": "number"})),
            ],
        ),
        (
            "Comparison",
            vec![("change_percent", json!({"type": "number"}))],
        ),
        (
            "Trajectory",
            vec![
                ("months_remaining", json!({"type": "integer"})),
                ("projected_completion_date", date()),
                ("required_monthly_contribution", s()),
                ("shortfall", s()),
                ("reason", s()),
            ],
        ),
        ("Goal", goal.clone()),
        ("GoalPage", goal),
        ("GoalContribution", vec![("notes", s())]),
        (
            "ContributionPage",
            vec![("notes", s()), ("next_cursor", s())],
        ),
        ("GoalProgress", vec![("snapshot_id", uuid())]),
        (
            "Recommendation",
            vec![("user_feedback", json!({"type": "integer"}))],
        ),
        (
            "RecommendationPage",
            vec![
                ("user_feedback", json!({"type": "integer"})),
                ("next_cursor", s()),
            ],
        ),
        ("RecommendationFeedback", vec![("comments", s())]),
        (
            "BudgetSession",
            vec![
                ("draft", any_value()),
                ("partial", any_value()),
                ("final", any_value()),
                ("user_query", s()),
                ("user_profile", any_value()),
            ],
        ),
        ("PullResponse", vec![("cursor", s())]),
    ]
}

/// Marks the named properties nullable wherever they occur in `schema`.
fn mark_nullable(schema: &mut Value, fields: &[(&str, Value)]) {
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, prop) in props.iter_mut() {
            if let Some((_, when_set)) = fields.iter().find(|(n, _)| n == name) {
                let base = if prop.get("type") == Some(&json!("null")) || *when_set == any_value() {
                    when_set.clone()
                } else {
                    prop.clone()
                };
                *prop = if base == any_value() {
                    base
                } else {
                    or_null(base)
                };
            } else {
                mark_nullable(prop, fields);
            }
        }
    }
    if let Some(items) = schema.get_mut("items") {
        mark_nullable(items, fields);
    }
}

/// The response schemas: the shape of a real value, every top-level field required, the
/// fields that can be null marked so.
fn output_schemas() -> Map<String, Value> {
    let nullable = nullable_outputs();
    let inputs: Vec<&str> = input_schemas().iter().map(|(n, _)| *n).collect();
    let mut out = Map::new();
    for (name, sample) in samples() {
        if inputs.contains(&name) {
            continue;
        }
        let mut schema = schema_of(&sample);
        if let Some((_, fields)) = nullable.iter().find(|(n, _)| *n == name) {
            mark_nullable(&mut schema, fields);
        }
        if name == "Problem" {
            schema["required"] = json!(["type", "title", "status", "detail", "code"]);
        } else if let Some(o) = sample.as_object() {
            schema["required"] = json!(o.keys().collect::<Vec<_>>());
        }
        out.insert(name.to_owned(), schema);
    }
    out
}

/// The error answers of a route, each problem+json.
fn error_statuses(method: &str, path: &str, body: bool, auth: bool) -> Vec<(u16, &'static str)> {
    let mut out: Vec<(u16, &'static str)> = Vec::new();
    let query = [
        "/api/v1/budgets/snapshots",
        "/api/v1/budgets/trends",
        "/api/v1/budgets/anomalies",
        "/api/v1/budgets/compare",
        "/api/v1/budgets/forecast",
        "/api/v1/goals",
        "/api/v1/goals/{id}/contributions",
        "/api/v1/goals/{id}/trajectory",
        "/api/v1/goals/{id}/recommendations",
        "/api/v1/sync/pull",
    ];
    if body || (method == "get" && query.contains(&path)) {
        out.push((
            400,
            "Malformed request (no body, invalid JSON or query string)",
        ));
    }
    if auth {
        out.push((401, "Missing, invalid or expired access token"));
    }
    if path == "/api/v1/users/refresh" {
        out.push((401, "Unknown, expired or reused refresh token"));
    }
    if path == "/api/v1/users/login" {
        out.push((401, "Wrong email or password"));
    }
    if path.contains("{id}")
        || path == "/api/v1/budgets/anomalies"
        || path == "/api/v1/budgets/compare"
        || path == "/api/v1/users/me/export"
        || path == "/api/v1/users/me"
    {
        out.push((404, "Not found (another user's record is 404 too)"));
    }
    if method == "patch"
        || path == "/api/v1/budgets/snapshots" && method == "post"
        || path.ends_with("/snapshot")
        || path.ends_with("/progress")
        || path == "/api/v1/users"
    {
        out.push((
            409,
            "Version conflict (the current record in `current`), or taken",
        ));
    }
    if path == "/api/v1/sync/pull" {
        out.push((410, "cursor_expired: pull again without `since`"));
    }
    if body {
        out.push((
            413,
            "Body over 1 MiB, a record over LIFEPATH_MAX_RECORD_KB (record_too_large), the \
             storage quota reached (quota_exceeded), or, on push, over 500 mutations",
        ));
        out.push((415, "Not application/json"));
    }
    if body || (method == "get" && query.contains(&path)) {
        out.push((422, "Validation failed (field paths in `errors`)"));
    }
    if path == "/api/v1/users/login"
        || path == "/api/v1/users"
        || path == "/api/v1/users/me/password"
    {
        out.push((429, "Rate limited"));
    }
    out.sort_unstable_by_key(|(s, _)| *s);
    out.dedup_by_key(|(s, _)| *s);
    out
}

/// A day in a query string; empty is the same as absent.
fn query_day() -> Value {
    json!({"type": "string", "pattern": "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$", "examples": ["2026-11-21"]})
}

/// An optional query parameter; an empty value (`?name=`) is the same as leaving it out.
fn query_param(name: &str, description: &str, schema: Value) -> Value {
    let schema = json!({"anyOf": [schema, {"type": "string", "maxLength": 0}]});
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

/// The query parameters of a route.
fn query_params(method: &str, path: &str) -> Vec<Value> {
    let period =
        json!({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "examples": ["2026-10"]});
    let page = || {
        vec![
            query_param(
                "limit",
                "Items per page (default 24)",
                json!({"type": "integer", "minimum": 1, "maximum": 200}),
            ),
            query_param(
                "cursor",
                "`next_cursor` of the previous page",
                json!({"type": "string"}),
            ),
        ]
    };
    match (method, path) {
        ("get", "/api/v1/budgets/snapshots")
        | ("get", "/api/v1/goals")
        | ("get", "/api/v1/goals/{id}/contributions") => page(),
        ("get", "/api/v1/budgets/trends") => vec![query_param(
            "months",
            "Months back (default 12)",
            json!({"type": "integer", "minimum": 1, "maximum": MAX_MONTHS}),
        )],
        ("get", "/api/v1/budgets/anomalies") => vec![
            query_param("period", "The month (default: the latest snapshot)", period),
            query_param(
                "threshold",
                "Deviation threshold (default 2.0)",
                // A whole number: utoipa writes 100.0 back as 100.
                json!({"type": "number", "exclusiveMinimum": 0, "maximum": MAX_THRESHOLD as i64}),
            ),
            query_param(
                "lookback",
                "Months of history (years for the seasonal baseline)",
                json!({"type": "integer", "minimum": 1, "maximum": MAX_LOOKBACK}),
            ),
            query_param("method", "", enumeration(&["zscore", "robust"])),
            query_param("baseline", "", enumeration(&["recent", "seasonal"])),
        ],
        ("get", "/api/v1/budgets/compare") => vec![
            json!({"name": "a", "in": "query", "required": true, "schema": period}),
            json!({"name": "b", "in": "query", "required": true, "schema": period}),
        ],
        ("get", "/api/v1/budgets/forecast") => vec![
            query_param(
                "horizon",
                "Months ahead",
                json!({"type": "integer", "minimum": 1, "maximum": MAX_HORIZON}),
            ),
            query_param(
                "months",
                "Months of history",
                json!({"type": "integer", "minimum": 1, "maximum": MAX_MONTHS}),
            ),
        ],
        ("get", "/api/v1/goals/{id}/trajectory") => vec![
            query_param(
                "monthly_contribution",
                "Amount such as 250.00",
                json!({"type": "string", "pattern": "^[0-9]{1,12}(\\.[0-9]{1,2})?$"}),
            ),
            query_param("as_of", "Day (default today)", query_day()),
        ],
        ("get", "/api/v1/goals/{id}/recommendations") => {
            vec![query_param("as_of", "Day (default today)", query_day())]
        }
        ("get", "/api/v1/sync/pull") => vec![
            query_param(
                "since",
                "`cursor` of the previous pull",
                json!({"type": "string"}),
            ),
            query_param(
                "limit",
                "Changes per answer (default 500)",
                json!({"type": "integer", "minimum": 1, "maximum": 1000}),
            ),
        ],
        _ => Vec::new(),
    }
}

/// The document as JSON.
pub fn document_json() -> Value {
    let mut schemas = output_schemas();
    for (name, schema) in input_schemas() {
        schemas.insert(name.to_owned(), schema);
    }
    let mut paths = Map::new();
    for (method, path, summary, req, resp, status, auth) in ROUTES {
        let mut op = json!({"summary": summary, "responses": {}});
        let ok = match resp {
            Some(r) => {
                json!({"description": "OK", "content": {"application/json": {"schema": reference(r)}}})
            }
            None => json!({"description": "OK"}),
        };
        op["responses"][status.to_string()] = ok.clone();
        // Upserts answer 201 when they create and 200 when they replace.
        if summary.contains("(200)") {
            op["responses"]["200"] = ok;
        }
        if *path == "/readyz" {
            op["responses"]["503"] = json!({"description": "The database is unreachable",
                "content": {"application/problem+json": {"schema": reference("Problem")}}});
        }
        for (code, description) in error_statuses(method, path, req.is_some(), *auth) {
            op["responses"][code.to_string()] = json!({"description": description,
                "content": {"application/problem+json": {"schema": reference("Problem")}}});
        }
        if let Some(r) = req {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": reference(r)}}});
        }
        let mut params = Vec::new();
        if path.contains("{id}") {
            params.push(json!({"name": "id", "in": "path", "required": true, "schema": uuid()}));
        }
        params.extend(query_params(method, path));
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
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
    fn the_served_document_is_the_built_one() {
        // `/openapi.json` goes through utoipa's model: nothing may be lost on the way.
        let built = super::document_json();
        let served = serde_json::to_value(super::document()).unwrap();
        let mut diffs = Vec::new();
        diff("", &built, &served, &mut diffs);
        assert!(diffs.is_empty(), "lost on the way: {diffs:#?}");
    }

    fn diff(at: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
        match (a, b) {
            (serde_json::Value::Object(x), serde_json::Value::Object(y)) => {
                for (k, v) in x {
                    match y.get(k) {
                        Some(w) => diff(&format!("{at}/{k}"), v, w, out),
                        None => out.push(format!("{at}/{k} missing")),
                    }
                }
                for k in y.keys().filter(|k| !x.contains_key(*k)) {
                    out.push(format!("{at}/{k} added"));
                }
            }
            (serde_json::Value::Array(x), serde_json::Value::Array(y)) if x.len() == y.len() => {
                for (i, (v, w)) in x.iter().zip(y).enumerate() {
                    diff(&format!("{at}/{i}"), v, w, out);
                }
            }
            _ if a != b => out.push(format!("{at}: {a} became {b}")),
            _ => {}
        }
    }

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
