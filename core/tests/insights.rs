//! Issue 16 §1: `derive_insights` on hand-made histories — each kind, its severity, its
//! dedup_key, the numbers behind it, and the same list every time.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use lifepath_core::actuals::MonthlyActuals;
use lifepath_core::analytics::AnomalyOptions;
use lifepath_core::insights::{InsightInput, InsightKind, InsightSeverity, derive_insights};
use lifepath_core::models::{BudgetSnapshot, Goal, GoalContribution, SnapshotInput};
use lifepath_core::money::Money;
use lifepath_core::period::Period;
use lifepath_core::{GoalId, SnapshotId, UserId};
use serde_json::json;

fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_775_000_000, 0).unwrap()
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn m(s: &str) -> Money {
    s.parse().unwrap()
}

fn p(s: &str) -> Period {
    s.parse().unwrap()
}

fn snapshot(period: &str, dining: &str, groceries: &str) -> BudgetSnapshot {
    let (y, mo) = period.split_once('-').unwrap();
    let model = serde_json::from_value(json!({
        "incomes": [{"name": "Salary", "type": "earned", "monthly_amount": "5000.00", "stability": "stable"}],
        "expenses": [
            {"name": "Dining", "category": "dining", "monthly_amount": dining, "essential": false},
            {"name": "Groceries", "category": "groceries", "monthly_amount": groceries, "essential": true}
        ],
        "debts": []
    }))
    .unwrap();
    BudgetSnapshot::create(
        SnapshotId(uuid::Uuid::from_u128(u128::from(
            y.parse::<u32>().unwrap() * 100 + mo.parse::<u32>().unwrap(),
        ))),
        UserId(uuid::Uuid::from_u128(1)),
        "USD",
        SnapshotInput {
            period_year: y.parse().unwrap(),
            period_month: mo.parse().unwrap(),
            budget_model: model,
            source_session_id: None,
        },
        now(),
    )
    .unwrap()
}

fn actuals(period: &str, income: &str, cats: &[(&str, &str)]) -> MonthlyActuals {
    let category_totals: BTreeMap<String, Money> =
        cats.iter().map(|(c, a)| ((*c).to_owned(), m(a))).collect();
    let total: Money = category_totals.values().copied().sum();
    MonthlyActuals {
        period: p(period),
        total_income: m(income),
        total_expenses: total,
        surplus: m(income) - total,
        savings_rate: (m(income) - total).ratio(m(income)),
        category_totals,
        transactions: 10,
    }
}

fn goal(n: u128, value: serde_json::Value) -> Goal {
    let mut input = json!({"name": "Goal", "goal_type": "savings_target", "category": "emergency",
        "target_amount": "10000.00", "current_amount": "1000.00", "start_date": "2026-01-01"});
    for (k, v) in value.as_object().unwrap() {
        input[k] = v.clone();
    }
    Goal::create(
        GoalId(uuid::Uuid::from_u128(n)),
        UserId(uuid::Uuid::from_u128(1)),
        serde_json::from_value(input).unwrap(),
        now(),
    )
    .unwrap()
}

fn input<'a>(
    snapshots: &'a [BudgetSnapshot],
    actuals: &'a [MonthlyActuals],
    goals: &'a [Goal],
    contributions: &'a [GoalContribution],
    options: &'a AnomalyOptions,
    as_of: &str,
) -> InsightInput<'a> {
    InsightInput {
        snapshots,
        actuals,
        goals,
        contributions,
        anomaly: options,
        as_of: d(as_of),
    }
}

#[test]
fn an_anomaly_in_the_latest_budget_month() {
    // Dining 300 a month for a year (give or take 10), then 900.
    let mut snaps: Vec<BudgetSnapshot> = (1..=12)
        .map(|mo| {
            snapshot(
                &format!("2025-{mo:02}"),
                if mo % 2 == 0 { "310.00" } else { "290.00" },
                "500.00",
            )
        })
        .collect();
    snaps.push(snapshot("2026-01", "900.00", "500.00"));
    let opts = AnomalyOptions::default();
    let list = derive_insights(&input(&snaps, &[], &[], &[], &opts, "2026-01-20"));
    let a: Vec<_> = list
        .iter()
        .filter(|i| i.kind == InsightKind::Anomaly)
        .collect();
    assert_eq!(a.len(), 1, "{list:#?}");
    assert_eq!(a[0].dedup_key, "anomaly:dining:2026-01");
    assert_eq!(a[0].severity, InsightSeverity::Alert);
    assert_eq!(a[0].numbers["current_amount"], "900.00");
    assert_eq!(a[0].numbers["source"], "budget");
    assert!(
        a[0].message.contains("dining") || a[0].message.contains("Dining"),
        "{}",
        a[0].message
    );
}

#[test]
fn over_plan_last_month_and_pace_this_month() {
    let snaps = vec![snapshot("2026-03", "300.00", "500.00")];
    let acts = vec![
        // March: dining 345 (15 % over: alert), groceries 505 (1 % over: warning), travel unplanned.
        actuals(
            "2026-03",
            "5000.00",
            &[
                ("dining", "345.00"),
                ("groceries", "505.00"),
                ("travel", "80.00"),
            ],
        ),
        // April so far: groceries 250 by day 10 of 30 = 1.5× the pace; dining 90 = 0.9×.
        actuals(
            "2026-04",
            "0.00",
            &[("groceries", "250.00"), ("dining", "90.00")],
        ),
    ];
    let opts = AnomalyOptions::default();
    let list = derive_insights(&input(&snaps, &acts, &[], &[], &opts, "2026-04-10"));
    let keys: Vec<(&str, InsightSeverity)> = list
        .iter()
        .filter(|i| i.kind != InsightKind::Anomaly)
        .map(|i| (i.dedup_key.as_str(), i.severity))
        .collect();
    assert_eq!(
        keys,
        [
            ("over_plan:dining:2026-03", InsightSeverity::Alert),
            ("over_plan:groceries:2026-03", InsightSeverity::Warning),
            ("over_plan:travel:2026-03", InsightSeverity::Alert),
            ("pace_over_plan:groceries:2026-04", InsightSeverity::Warning),
        ]
    );
    let dining = &list[list
        .iter()
        .position(|i| i.dedup_key == "over_plan:dining:2026-03")
        .unwrap()];
    assert_eq!(dining.numbers["over"], "45.00");
    assert_eq!(dining.numbers["planned"], "300.00");
    assert!((dining.numbers["over_ratio"].as_f64().unwrap() - 0.15).abs() < 1e-12);
    assert_eq!(
        dining.message,
        "Dining came to 345.00 in 2026-03, 45.00 over the 300.00 planned."
    );
    let pace = list
        .iter()
        .find(|i| i.kind == InsightKind::PaceOverPlan)
        .unwrap();
    assert!((pace.numbers["pace"].as_f64().unwrap() - 1.5).abs() < 1e-9);
    // Before day 8 of the month, no pace insight.
    let early = derive_insights(&input(&snaps, &acts, &[], &[], &opts, "2026-04-07"));
    assert!(early.iter().all(|i| i.kind != InsightKind::PaceOverPlan));
}

#[test]
fn goals_reached_due_soon_and_off_track() {
    let due_soon = goal(
        1,
        json!({"name": "Holiday", "target_amount": "2000.00", "current_amount": "1500.00",
               "target_date": "2026-04-30", "category": "vacation"}),
    );
    let off_track = goal(
        2,
        json!({"name": "House", "target_amount": "50000.00", "current_amount": "1000.00",
               "target_date": "2027-06-30", "category": "housing"}),
    );
    let mut done = goal(3, json!({"name": "Laptop", "target_amount": "1200.00"}));
    done = done
        .transition(lifepath_core::models::GoalStatus::Completed, now())
        .unwrap();
    let reached_but_active = goal(
        4,
        json!({"name": "Buffer", "target_amount": "500.00", "current_amount": "600.00",
               "target_date": "2026-04-20"}),
    );
    let contributions: Vec<GoalContribution> = (1..=3)
        .map(|k| {
            serde_json::from_value(json!({
                "id": uuid::Uuid::from_u128(100 + k),
                "goal_id": off_track.id,
                "amount": "200.00",
                "date": format!("2026-0{k}-15"),
                "source": "direct",
                "created_at": "2026-03-15T00:00:00Z"
            }))
            .unwrap()
        })
        .collect();
    let goals = vec![
        due_soon.clone(),
        off_track.clone(),
        done.clone(),
        reached_but_active,
    ];
    let opts = AnomalyOptions::default();
    let list = derive_insights(&input(
        &[],
        &[],
        &goals,
        &contributions,
        &opts,
        "2026-04-10",
    ));
    let keys: Vec<String> = list.iter().map(|i| i.dedup_key.clone()).collect();
    let done_month = Period::of_date(now().date_naive());
    assert_eq!(
        keys,
        [
            // No contributions to the holiday: off track as well as due soon.
            format!("goal_off_track:{}:2026-04", due_soon.id),
            format!("goal_off_track:{}:2026-04", off_track.id),
            format!("goal_reached:{}:{done_month}", done.id),
            format!("goal_deadline_near:{}:2026-04", due_soon.id),
        ],
        "{list:#?}"
    );
    let near = list
        .iter()
        .find(|i| i.kind == InsightKind::GoalDeadlineNear)
        .unwrap();
    assert_eq!(near.numbers["days_left"], 20);
    assert_eq!(near.numbers["remaining_amount"], "500.00");
    assert_eq!(near.severity, InsightSeverity::Warning);
    let off = list
        .iter()
        .find(|i| i.kind == InsightKind::GoalOffTrack && i.subject == off_track.id.to_string())
        .unwrap();
    assert!(
        off.numbers["shortfall"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap()
            > 0.0
    );
    assert!(off.message.contains("House"), "{}", off.message);
    assert_eq!(
        list.iter()
            .find(|i| i.kind == InsightKind::GoalReached)
            .unwrap()
            .severity,
        InsightSeverity::Info
    );
}

#[test]
fn the_same_input_gives_the_same_list_with_unique_keys() {
    let mut snaps: Vec<BudgetSnapshot> = (1..=12)
        .map(|mo| {
            snapshot(
                &format!("2025-{mo:02}"),
                "300.00",
                &format!("{}.00", 480 + mo * 3),
            )
        })
        .collect();
    snaps.push(snapshot("2026-01", "700.00", "100.00"));
    let acts = vec![actuals("2025-12", "5000.00", &[("dining", "400.00")])];
    let goals = vec![goal(9, json!({"target_date": "2026-02-01"}))];
    let opts = AnomalyOptions::default();
    let a = derive_insights(&input(&snaps, &acts, &goals, &[], &opts, "2026-01-15"));
    let b = derive_insights(&input(&snaps, &acts, &goals, &[], &opts, "2026-01-15"));
    assert_eq!(a, b);
    assert!(a.len() >= 3, "{a:#?}");
    let mut keys: Vec<&str> = a.iter().map(|i| i.dedup_key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), a.len());
}
