//! Builders shared by the black-box tests.
#![allow(dead_code, missing_docs, clippy::unwrap_used)]

use chrono::{DateTime, NaiveDate, Utc};
use lifepath_core::models::*;
use lifepath_core::*;
use uuid::Uuid;

pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

pub fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn money(s: &str) -> Money {
    s.parse().unwrap()
}

pub fn user() -> UserId {
    UserId(Uuid::from_u128(1))
}

/// A snapshot of `period` ("YYYY-MM") with one income and non-essential expenses by category.
pub fn snap(period: &str, income: &str, expenses: &[(&str, &str)]) -> BudgetSnapshot {
    snap_in(period, "USD", income, expenses)
}

pub fn snap_in(
    period: &str,
    currency: &str,
    income: &str,
    expenses: &[(&str, &str)],
) -> BudgetSnapshot {
    let p: Period = period.parse().unwrap();
    let model = BudgetModel {
        incomes: vec![Income {
            id: Some("inc-1".into()),
            name: "Salary".into(),
            income_type: IncomeType::Earned,
            monthly_amount: money(income),
            stability: Stability::Stable,
        }],
        expenses: expenses
            .iter()
            .enumerate()
            .map(|(i, (c, a))| Expense {
                id: Some(format!("exp-{i}")),
                name: format!("{c} spending"),
                category: (*c).into(),
                monthly_amount: money(a),
                essential: *c == "housing",
            })
            .collect(),
        debts: vec![],
        preferences: None,
    };
    let input = SnapshotInput {
        period_year: i64::from(p.year()),
        period_month: i64::from(p.month()),
        budget_model: model,
        source_session_id: None,
    };
    BudgetSnapshot::create(
        SnapshotId(Uuid::from_u128(p.index() as u128)),
        user(),
        currency,
        input,
        now(),
    )
    .unwrap()
}

pub fn goal(target: &str, current: &str) -> Goal {
    Goal::create(
        GoalId(Uuid::from_u128(42)),
        user(),
        GoalInput {
            name: "Trip to Lisbon".into(),
            description: None,
            goal_type: GoalType::SavingsTarget,
            category: GoalCategory::Vacation,
            priority: Priority::High,
            target_amount: money(target),
            current_amount: money(current),
            start_date: date("2025-01-01"),
            target_date: None,
            linked_debt_id: None,
            annual_return_rate: None,
            status: GoalStatus::Active,
        },
        now(),
    )
    .unwrap()
}

pub fn contribution(goal: &Goal, n: u128, on: &str, amount: &str) -> GoalContribution {
    GoalContribution {
        id: ContributionId(Uuid::from_u128(1000 + n)),
        goal_id: goal.id,
        amount: money(amount),
        date: date(on),
        source: ContributionSource::Direct,
        notes: None,
        created_at: now(),
    }
}

pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}
