//! A month of actuals (DESIGN §3 "Actuals"): `monthly_actuals` adds up a month's transactions
//! in the summary shape of a snapshot; `snapshot_from_actuals` makes that month a
//! `BudgetSnapshot` (one income line, one expense line per category), so trends, anomalies,
//! forecasts and comparisons run on actuals unchanged; `plan_vs_actual` sets a budget against
//! it, with the pace of a month in progress.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::transaction::{TRANSFER, Transaction};
use crate::error::Result;
use crate::ids::{SnapshotId, UserId};
use crate::models::{BudgetModel, BudgetSnapshot, Expense, Income, SnapshotInput, summarize};
use crate::money::Money;
use crate::period::Period;

/// A month of transactions added up.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthlyActuals {
    /// The month.
    pub period: Period,
    /// Σ positive amounts (transfers aside).
    pub total_income: Money,
    /// Per category, Σ −amount of the negative rows; uncategorised under `uncategorized`.
    pub category_totals: BTreeMap<String, Money>,
    /// Σ category totals.
    pub total_expenses: Money,
    /// Income − expenses.
    pub surplus: Money,
    /// Surplus ÷ income; null when income is 0.
    pub savings_rate: Option<f64>,
    /// Rows counted (transfers aside).
    pub transactions: u32,
}

/// The month `period` of `transactions` (rows of other months are ignored).
pub fn monthly_actuals(transactions: &[Transaction], period: Period) -> MonthlyActuals {
    let mut income = Money::ZERO;
    let mut categories: BTreeMap<String, Money> = BTreeMap::new();
    let mut n = 0u32;
    for t in transactions {
        if Period::of_date(t.date) != period || t.category.as_deref() == Some(TRANSFER) {
            continue;
        }
        n += 1;
        if t.amount.is_positive() {
            income += t.amount;
        } else {
            *categories
                .entry(t.category_or_uncategorized().to_owned())
                .or_default() += -t.amount;
        }
    }
    let total_expenses: Money = categories.values().sum();
    let surplus = income - total_expenses;
    MonthlyActuals {
        period,
        total_income: income,
        savings_rate: surplus.ratio(income),
        category_totals: categories,
        total_expenses,
        surplus,
        transactions: n,
    }
}

/// Every month that has transactions, added up (oldest first).
pub fn every_month_of_actuals(transactions: &[Transaction]) -> Vec<MonthlyActuals> {
    let mut months: Vec<Period> = transactions
        .iter()
        .map(|t| Period::of_date(t.date))
        .collect();
    months.sort_unstable();
    months.dedup();
    months
        .into_iter()
        .map(|p| monthly_actuals(transactions, p))
        .collect()
}

/// The plan of month `period`: its snapshot, else the latest one before it.
pub fn plan_for(snapshots: &[BudgetSnapshot], period: Period) -> Option<&BudgetSnapshot> {
    let periods: Vec<Period> = snapshots.iter().map(BudgetSnapshot::period).collect();
    plan_position(&periods, period).map(|i| &snapshots[i])
}

/// [`plan_for`] on the months of the snapshots alone: the position of the plan among them
/// (the last of equal months).
pub fn plan_position(periods: &[Period], period: Period) -> Option<usize> {
    periods
        .iter()
        .enumerate()
        .filter(|(_, p)| **p <= period)
        .max_by_key(|(_, p)| **p)
        .map(|(i, _)| i)
}

/// The budget a month of actuals amounts to: one income line (the month's income) and one
/// expense line per category.
pub fn actuals_budget(actuals: &MonthlyActuals) -> BudgetModel {
    BudgetModel {
        incomes: if actuals.total_income.is_positive() {
            vec![Income {
                id: Some("actual_income".into()),
                name: "Income (actual)".into(),
                income_type: Default::default(),
                monthly_amount: actuals.total_income,
                stability: Default::default(),
            }]
        } else {
            Vec::new()
        },
        expenses: actuals
            .category_totals
            .iter()
            .map(|(c, m)| Expense {
                id: Some(format!("actual_{c}")),
                name: c.replace('_', " "),
                category: c.clone(),
                monthly_amount: *m,
                essential: false,
            })
            .collect(),
        debts: Vec::new(),
        preferences: None,
    }
}

/// A month of actuals as a `BudgetSnapshot`, so every analytic runs on it unchanged; its totals
/// are the actuals' totals.
pub fn snapshot_from_actuals(
    actuals: &MonthlyActuals,
    id: SnapshotId,
    user: UserId,
    currency: &str,
    now: DateTime<Utc>,
) -> Result<BudgetSnapshot> {
    BudgetSnapshot::create(
        id,
        user,
        currency,
        SnapshotInput {
            period_year: i64::from(actuals.period.year()),
            period_month: i64::from(actuals.period.month()),
            budget_model: actuals_budget(actuals),
            source_session_id: None,
        },
        now,
    )
}

/// One category of a plan against the actuals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanLine {
    /// Category slug.
    pub category: String,
    /// What the budget plans for the month.
    pub planned: Money,
    /// What was spent.
    pub actual: Money,
    /// planned − actual (negative when over).
    pub remaining: Money,
    /// max(0, actual − planned).
    pub over: Money,
    /// For the month containing `as_of`: actual ÷ (planned × day ÷ days in the month) — above 1
    /// is spending faster than planned; null for another month or when planned is 0.
    pub pace: Option<f64>,
}

/// A plan against the actuals of its month.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanVsActual {
    /// The month.
    pub period: Period,
    /// Every category planned or spent in, by `over` (largest first), then name.
    pub categories: Vec<PlanLine>,
    /// Σ planned.
    pub total_planned: Money,
    /// Σ actual.
    pub total_actual: Money,
}

/// `plan` (a budget) against `actuals`; `as_of` gives the pace when it falls in the month.
pub fn plan_vs_actual(
    plan: &BudgetModel,
    actuals: &MonthlyActuals,
    as_of: Option<NaiveDate>,
) -> PlanVsActual {
    let planned = summarize(plan).category_totals;
    let mut names: Vec<&String> = planned
        .keys()
        .chain(actuals.category_totals.keys())
        .collect();
    names.sort();
    names.dedup();
    let fraction = as_of
        .filter(|d| Period::of_date(*d) == actuals.period)
        .map(|d| {
            let days = actuals.period.last_day().day();
            rust_decimal::Decimal::from(d.day()) / rust_decimal::Decimal::from(days)
        });
    let mut lines: Vec<PlanLine> = names
        .into_iter()
        .map(|c| {
            let p = planned.get(c).copied().unwrap_or_default();
            let a = actuals.category_totals.get(c).copied().unwrap_or_default();
            let over = if a > p { a - p } else { Money::ZERO };
            let pace = fraction.and_then(|f| {
                let expected = p.times(f);
                (!p.is_zero()).then(|| a.ratio(expected)).flatten()
            });
            PlanLine {
                category: c.clone(),
                planned: p,
                actual: a,
                remaining: p - a,
                over,
                pace,
            }
        })
        .collect();
    lines.sort_by(|x, y| {
        y.over
            .cmp(&x.over)
            .then_with(|| x.category.cmp(&y.category))
    });
    PlanVsActual {
        period: actuals.period,
        total_planned: lines.iter().map(|l| l.planned).sum(),
        total_actual: lines.iter().map(|l| l.actual).sum(),
        categories: lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TransactionId;

    fn tx(date: &str, amount: &str, category: Option<&str>) -> Transaction {
        Transaction {
            user_id: None,
            id: TransactionId(uuid::Uuid::from_u128(7)),
            date: date.parse().unwrap(),
            amount: amount.parse().unwrap(),
            payee: "p".into(),
            category: category.map(str::to_owned),
            account: None,
            notes: None,
            import_id: None,
            fingerprint: String::new(),
            categorised_by: None,
            version: 1,
            created_at: chrono::DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap(),
            updated_at: chrono::DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap(),
        }
    }

    fn m(s: &str) -> Money {
        s.parse().unwrap()
    }

    fn march() -> Vec<Transaction> {
        vec![
            tx("2026-03-01", "3000.00", Some("salary")),
            tx("2026-03-02", "-1200.00", Some("housing")),
            tx("2026-03-05", "-45.10", Some("groceries")),
            tx("2026-03-19", "-54.90", Some("groceries")),
            tx("2026-03-20", "10.00", Some("groceries")), // a refund: money in
            tx("2026-03-21", "-0.10", None),
            tx("2026-03-22", "-500.00", Some(TRANSFER)), // to savings: neither way
            tx("2026-03-31", "-0.01", Some("dining")),
            tx("2026-04-01", "-99.00", Some("dining")), // another month
        ]
    }

    #[test]
    fn a_month_adds_up_to_the_cent() {
        let a = monthly_actuals(&march(), "2026-03".parse().unwrap());
        assert_eq!(a.total_income, m("3010.00"));
        assert_eq!(a.category_totals["housing"], m("1200.00"));
        assert_eq!(a.category_totals["groceries"], m("100.00"));
        assert_eq!(a.category_totals["uncategorized"], m("0.10"));
        assert_eq!(a.category_totals["dining"], m("0.01"));
        assert!(!a.category_totals.contains_key(TRANSFER));
        assert_eq!(a.total_expenses, m("1300.11"));
        assert_eq!(a.surplus, m("1709.89"));
        assert_eq!(a.transactions, 7);
    }

    #[test]
    fn as_a_snapshot_it_keeps_the_totals() {
        let a = monthly_actuals(&march(), "2026-03".parse().unwrap());
        let s = snapshot_from_actuals(
            &a,
            SnapshotId(uuid::Uuid::nil()),
            UserId(uuid::Uuid::nil()),
            "EUR",
            chrono::DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap(),
        )
        .unwrap();
        assert_eq!((s.period_year, s.period_month), (2026, 3));
        assert_eq!(s.total_income, a.total_income);
        assert_eq!(s.total_expenses, a.total_expenses);
        assert_eq!(s.category_totals, a.category_totals);
        assert_eq!(s.savings_rate, a.savings_rate);
    }

    #[test]
    fn plan_against_actual_with_the_pace() {
        let a = monthly_actuals(&march(), "2026-03".parse().unwrap());
        let plan = BudgetModel {
            incomes: vec![],
            expenses: vec![
                Expense {
                    id: None,
                    name: "Rent".into(),
                    category: "housing".into(),
                    monthly_amount: m("1200.00"),
                    essential: true,
                },
                Expense {
                    id: None,
                    name: "Food".into(),
                    category: "groceries".into(),
                    monthly_amount: m("62.00"),
                    essential: true,
                },
                Expense {
                    id: None,
                    name: "Fun".into(),
                    category: "fun".into(),
                    monthly_amount: m("50.00"),
                    essential: false,
                },
            ],
            debts: vec![],
            preferences: None,
        };
        // As of 15 March (15/31 of the month).
        let r = plan_vs_actual(&plan, &a, "2026-03-15".parse().ok());
        let names: Vec<&str> = r.categories.iter().map(|l| l.category.as_str()).collect();
        // By how much over: groceries 38.00, uncategorized 0.10, dining 0.01; then the rest
        // (over 0) by name.
        assert_eq!(
            names,
            ["groceries", "uncategorized", "dining", "fun", "housing"]
        );
        let g = &r.categories[0];
        assert_eq!(
            (g.planned, g.actual, g.remaining, g.over),
            (m("62.00"), m("100.00"), m("-38.00"), m("38.00"))
        );
        // 100 ÷ (62 × 15/31) = 3.333…
        assert!((g.pace.unwrap() - 100.0 / (62.0 * 15.0 / 31.0)).abs() < 1e-9);
        let fun = r.categories.iter().find(|l| l.category == "fun").unwrap();
        assert_eq!(
            (fun.actual, fun.remaining, fun.pace),
            (Money::ZERO, m("50.00"), Some(0.0))
        );
        let dining = r
            .categories
            .iter()
            .find(|l| l.category == "dining")
            .unwrap();
        assert_eq!(dining.pace, None, "nothing planned: no pace");
        assert_eq!(r.total_planned, m("1312.00"));
        assert_eq!(r.total_actual, m("1300.11"));
        // Another month's as_of: no pace anywhere.
        let r = plan_vs_actual(&plan, &a, "2026-04-02".parse().ok());
        assert!(r.categories.iter().all(|l| l.pace.is_none()));
    }
}
