#![allow(missing_docs, clippy::unwrap_used)]
//! The insight budget of DESIGN §6: deriving every insight after a snapshot write, over 10 years
//! × 50 categories of budgets, a year of actuals and 20 goals with contributions, native,
//! < 5 ms.
//!
//! `cargo bench -p lifepath-core --bench insights` prints the figure the README quotes.

use std::collections::BTreeMap;
use std::hint::black_box;

use chrono::{DateTime, NaiveDate, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use lifepath_core::actuals::MonthlyActuals;
use lifepath_core::analytics::AnomalyOptions;
use lifepath_core::insights::{InsightInput, derive_insights};
use lifepath_core::models::{BudgetSnapshot, Goal, GoalContribution, SnapshotInput};
use lifepath_core::money::Money;
use lifepath_core::period::Period;
use lifepath_core::{GoalId, SnapshotId, UserId};
use serde_json::json;

fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_775_000_000, 0).unwrap()
}

fn amount(month: usize, cat: usize) -> String {
    let cents = 10_000 + ((month * 7919 + cat * 104_729) % 40_000);
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn bench(c: &mut Criterion) {
    let user = UserId(uuid::Uuid::from_u128(1));
    let start = Period::new(2016, 5).unwrap();
    let snapshots: Vec<BudgetSnapshot> = (0..120usize)
        .map(|k| {
            let p = start.add_months(k as i64);
            let expenses: Vec<_> = (0..50)
                .map(|cat| json!({"name": format!("C{cat}"), "category": format!("cat_{cat}"),
                                  "monthly_amount": amount(k, cat), "essential": false}))
                .collect();
            let model = serde_json::from_value(json!({
                "incomes": [{"name": "Salary", "type": "earned", "monthly_amount": "90000.00", "stability": "stable"}],
                "expenses": expenses, "debts": []})).unwrap();
            BudgetSnapshot::create(
                SnapshotId(uuid::Uuid::from_u128(1000 + k as u128)),
                user,
                "USD",
                SnapshotInput {
                    period_year: i64::from(p.year()),
                    period_month: i64::from(p.month()),
                    budget_model: model,
                    source_session_id: None,
                },
                now(),
            )
            .unwrap()
        })
        .collect();
    let actuals: Vec<MonthlyActuals> = (108..120usize)
        .map(|k| {
            let category_totals: BTreeMap<String, Money> = (0..50)
                .map(|cat| (format!("cat_{cat}"), amount(k + 3, cat).parse().unwrap()))
                .collect();
            let total: Money = category_totals.values().copied().sum();
            let income: Money = "90000.00".parse().unwrap();
            MonthlyActuals {
                period: start.add_months(k as i64),
                total_income: income,
                total_expenses: total,
                surplus: income - total,
                savings_rate: (income - total).ratio(income),
                category_totals,
                transactions: 400,
            }
        })
        .collect();
    let goals: Vec<Goal> = (0..20u128)
        .map(|n| {
            Goal::create(
                GoalId(uuid::Uuid::from_u128(n + 1)),
                user,
                serde_json::from_value(
                    json!({"name": format!("Goal {n}"), "goal_type": "savings_target",
                    "category": "other", "target_amount": "20000.00", "current_amount": "1000.00",
                    "start_date": "2025-01-01", "target_date": "2027-01-01"}),
                )
                .unwrap(),
                now(),
            )
            .unwrap()
        })
        .collect();
    let contributions: Vec<GoalContribution> = goals
        .iter()
        .enumerate()
        .flat_map(|(i, g)| {
            (1..=12u128).map(move |m| {
                serde_json::from_value(json!({"id": uuid::Uuid::from_u128(10_000 + i as u128 * 100 + m), "goal_id": g.id,
                    "amount": "150.00", "date": format!("2025-{m:02}-10"), "source": "direct",
                    "created_at": "2025-12-31T00:00:00Z"}))
                .unwrap()
            })
        })
        .collect();
    let options = AnomalyOptions::default();
    let as_of = NaiveDate::from_ymd_opt(2026, 4, 12).unwrap();
    let input = InsightInput {
        snapshots: &snapshots,
        actuals: &actuals,
        goals: &goals,
        contributions: &contributions,
        anomaly: &options,
        as_of,
    };
    assert!(!derive_insights(&input).is_empty());
    c.bench_function("derive_insights_10y_50cat_20goals", |b| {
        b.iter(|| derive_insights(black_box(&input)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
