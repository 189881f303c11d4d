// Deterministic 360 months × 200 categories history, shared by the benchmark and profiling.
use chrono::{TimeZone, Utc};
use lifepath_core::models::*;
use lifepath_core::*;
use uuid::Uuid;

const MONTHS: i64 = 360;
const CATEGORIES: usize = 200;

fn history() -> Vec<BudgetSnapshot> {
    let now = Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap();
    let start = Period::new(1996, 11).unwrap();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % 1000
    };
    (0..MONTHS)
        .map(|k| {
            let p = start.add_months(k);
            let expenses = (0..CATEGORIES)
                .map(|c| {
                    let base = 20 + (c as i64 * 37) % 400;
                    let season = if p.month() == 12 && c % 10 == 0 { base } else { 0 };
                    let cents = (base + k / 12 + season) * 100 + rand() as i64;
                    Expense {
                        id: Some(format!("e{c}")),
                        name: format!("Expense {c}"),
                        category: format!("cat_{c:03}"),
                        monthly_amount: Money::from_cents(cents),
                        essential: c % 3 == 0,
                    }
                })
                .collect();
            let input = SnapshotInput {
                period_year: i64::from(p.year()),
                period_month: i64::from(p.month()),
                budget_model: BudgetModel {
                    incomes: vec![Income {
                        id: Some("salary".into()),
                        name: "Salary".into(),
                        income_type: IncomeType::Earned,
                        monthly_amount: Money::from_cents(6_000_000 + k * 10_000),
                        stability: Stability::Stable,
                    }],
                    expenses,
                    debts: vec![],
                    preferences: None,
                },
                source_session_id: None,
            };
            BudgetSnapshot::create(
                SnapshotId(Uuid::from_u128(k as u128)),
                UserId(Uuid::from_u128(1)),
                "USD",
                input,
                now,
            )
            .unwrap()
        })
        .collect()
}

