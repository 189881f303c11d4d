//! Validation names the field path, collects every problem and never panics.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lifepath_core::models::*;
use lifepath_core::validate::{Validate, from_json, parse_valid};

#[test]
fn budget_errors_name_the_field_path() {
    let json = r#"{"incomes":[{"name":"Pay","monthly_amount":"100"}],
        "expenses":[
          {"name":"a","category":"dining","monthly_amount":"1"},
          {"name":"b","category":"dining","monthly_amount":"1"},
          {"name":"c","category":"dining","monthly_amount":"1"},
          {"name":"d","category":"Dining Out","monthly_amount":"-5"}],
        "debts":[{"name":"","balance":"1.005","interest_rate":"120","min_payment":"0"}]}"#;
    let m: BudgetModel = from_json(json).unwrap();
    let e = m.validate().unwrap_err();
    let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "expenses[3].category",
            "expenses[3].monthly_amount",
            "debts[0].name",
            "debts[0].balance",
            "debts[0].interest_rate"
        ]
    );
    assert!(
        e.to_string()
            .contains("expenses[3].monthly_amount: must be ≥ 0 with at most 2 decimals")
    );
}

#[test]
fn type_errors_name_the_field_path_too() {
    let json = r#"{"period_year":2026,"period_month":10,"budget_model":{"incomes":[{"name":"Pay","monthly_amount":"lots"}]}}"#;
    let e = from_json::<SnapshotInput>(json).unwrap_err();
    assert_eq!(e.code(), "validation_failed");
    assert_eq!(e.field(), Some("budget_model.incomes[0].monthly_amount"));
    let e = from_json::<SnapshotInput>(r#"{"period_year":2026}"#).unwrap_err();
    assert_eq!(
        e.field(),
        Some("period_month"),
        "a missing field is named at its own path"
    );
    let e = from_json::<SnapshotInput>(
        r#"{"period_year":2026,"period_month":1,"budget_model":{"incomes":[{"name":"x"}]}}"#,
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("budget_model.incomes[0].monthly_amount"));
    let e =
        parse_valid::<SnapshotInput>(r#"{"period_year":2026,"period_month":13,"budget_model":{}}"#)
            .unwrap_err();
    assert_eq!(e.field(), Some("period_month"));
    let e =
        from_json::<SnapshotInput>(r#"{"period_year":2026,"period_month":"x","budget_model":{}}"#)
            .unwrap_err();
    assert_eq!(e.field(), Some("period_month"));
}

#[test]
fn goal_rules() {
    let bad = r#"{"name":"","goal_type":"savings_target","category":"vacation","target_amount":"0",
        "current_amount":"-1","start_date":"2026-05-01","target_date":"2026-04-01","description":"x"}"#;
    let e = parse_valid::<GoalInput>(bad).unwrap_err();
    let fields: Vec<String> = e.field_errors().into_iter().map(|f| f.field).collect();
    assert_eq!(
        fields,
        ["name", "target_amount", "current_amount", "target_date"]
    );
    let e = from_json::<GoalInput>(r#"{"name":"x","goal_type":"lottery"}"#).unwrap_err();
    assert_eq!(e.field(), Some("goal_type"));
    let long = format!(
        r#"{{"name":"x","goal_type":"custom","category":"other","target_amount":1,"start_date":"2026-01-01","description":"{}"}}"#,
        "d".repeat(2001)
    );
    assert_eq!(
        parse_valid::<GoalInput>(&long).unwrap_err().field(),
        Some("description")
    );
}

#[test]
fn ratings_currencies_and_emails() {
    let e = parse_valid::<FeedbackInput>(r#"{"was_helpful":true,"rating":6}"#).unwrap_err();
    assert_eq!(e.field(), Some("rating"));
    assert!(parse_valid::<FeedbackInput>(r#"{"was_helpful":true,"rating":5}"#).is_ok());
    let e = parse_valid::<UserPatch>(r#"{"currency":"usd"}"#).unwrap_err();
    assert_eq!(e.field(), Some("currency"));
    let e = parse_valid::<UserPatch>(r#"{"retention_months":0}"#).unwrap_err();
    assert_eq!(e.field(), Some("retention_months"));
    let e = parse_valid::<UserPatch>(r#"{"password_hash":"x"}"#).unwrap_err();
    assert!(e.to_string().contains("password_hash"));
}

#[test]
fn hostile_input_never_panics() {
    for json in [
        "",
        "null",
        "[]",
        "{",
        r#"{"incomes":"x"}"#,
        r#"{"incomes":[{"monthly_amount":1e400}]}"#,
        r#"{"expenses":[{"name":"x","category":"a","monthly_amount":"79228162514264337593543950336"}]}"#,
        r#"{"expenses":[{"name":"x","category":"a","monthly_amount":18446744073709551615}]}"#,
    ] {
        let _ = parse_valid::<BudgetModel>(json);
    }
    let m: BudgetModel = from_json(
        r#"{"expenses":[{"name":"x","category":"a","monthly_amount":"999999999999999999999999"}]}"#,
    )
    .unwrap();
    assert_eq!(
        m.validate().unwrap_err().0[0].field,
        "expenses[0].monthly_amount"
    );
    // Even unvalidated huge amounts sum without overflow panics.
    let _ = summarize(&m);
}
