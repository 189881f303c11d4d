//! Property tests of the invariants of DESIGN §2–3.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use lifepath_core::analytics::*;
use lifepath_core::goals::*;
use lifepath_core::models::*;
use lifepath_core::validate::Validate;
use lifepath_core::*;
use proptest::prelude::*;
use rust_decimal::Decimal;

const CATS: [&str; 5] = ["housing", "dining", "travel", "gifts", "kids_2"];

fn cents() -> impl Strategy<Value = i64> {
    0i64..5_000_000 // up to 50 000.00
}

fn budget() -> impl Strategy<Value = (Vec<i64>, Vec<(usize, i64)>, Vec<i64>)> {
    (
        prop::collection::vec(cents(), 0..5),
        prop::collection::vec((0..CATS.len(), cents()), 0..12),
        prop::collection::vec(cents(), 0..3),
    )
}

fn model((incomes, expenses, debts): &(Vec<i64>, Vec<(usize, i64)>, Vec<i64>)) -> BudgetModel {
    BudgetModel {
        incomes: incomes
            .iter()
            .map(|c| Income {
                id: None,
                name: "i".into(),
                income_type: IncomeType::Earned,
                monthly_amount: Money::from_cents(*c),
                stability: Stability::Stable,
            })
            .collect(),
        expenses: expenses
            .iter()
            .map(|(k, c)| Expense {
                id: None,
                name: "e".into(),
                category: CATS[*k].into(),
                monthly_amount: Money::from_cents(*c),
                essential: false,
            })
            .collect(),
        debts: debts
            .iter()
            .map(|c| Debt {
                id: None,
                name: "d".into(),
                balance: Money::from_cents(c * 10),
                interest_rate: Decimal::new(1999, 2),
                min_payment: Money::from_cents(*c),
                priority: Priority::Medium,
            })
            .collect(),
        preferences: None,
    }
}

fn history() -> impl Strategy<Value = Vec<(i64, i64, i64)>> {
    // (month offset, income cents, dining cents), unique offsets.
    prop::collection::btree_map(0i64..48, (cents(), cents()), 1..30)
        .prop_map(|m| m.into_iter().map(|(k, (a, b))| (k, a, b)).collect())
}

fn snapshots(h: &[(i64, i64, i64)]) -> Vec<BudgetSnapshot> {
    h.iter()
        .map(|(k, inc, din)| {
            let p = Period::new(2023, 1).unwrap().add_months(*k);
            snap(
                &p.to_string(),
                &Money::from_cents(*inc).to_string(),
                &[
                    ("dining", &Money::from_cents(*din).to_string()),
                    ("housing", "1000"),
                ],
            )
        })
        .collect()
}

proptest! {
    #[test]
    fn summary_identities_are_exact_to_the_cent(b in budget()) {
        let m = model(&b);
        prop_assert!(m.validate().is_ok());
        let s = summarize(&m);
        // Independent arithmetic in integer cents.
        let income: i64 = b.0.iter().sum();
        let expenses: i64 = b.1.iter().map(|x| x.1).sum::<i64>() + b.2.iter().sum::<i64>();
        prop_assert_eq!(s.total_income, Money::from_cents(income));
        prop_assert_eq!(s.total_expenses, Money::from_cents(expenses));
        prop_assert_eq!(s.surplus, s.total_income - s.total_expenses);
        prop_assert_eq!(s.category_totals.values().copied().sum::<Money>(), s.total_expenses);
        prop_assert_eq!(s.category_totals.contains_key("debt_payments"), !b.2.is_empty());
        prop_assert_eq!(s.savings_rate.is_none(), income == 0);
        let json = serde_json::to_value(&s).unwrap();
        prop_assert_eq!(json["surplus"].as_str().unwrap(), Money::from_cents(income - expenses).to_string());
    }

    #[test]
    fn trends_do_not_depend_on_input_order(h in history(), seed in any::<u64>(), months in 1u32..60) {
        let s = snapshots(&h);
        let mut shuffled = s.clone();
        // Deterministic Fisher–Yates from the seed.
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(compute_trends(&s, months).unwrap(), compute_trends(&shuffled, months).unwrap());
        prop_assert_eq!(
            forecast(&s, &ForecastOptions::default()).unwrap(),
            forecast(&shuffled, &ForecastOptions::default()).unwrap()
        );
    }

    #[test]
    fn a_current_value_equal_to_the_mean_is_never_an_anomaly(
        h in prop::collection::vec(cents(), 3..24),
        robust in any::<bool>(),
    ) {
        let hist: Vec<(i64, i64, i64)> = h.iter().enumerate().map(|(i, c)| (i as i64, 500_000, *c)).collect();
        let s = snapshots(&hist);
        let centre = if robust {
            let mut v = h.clone();
            v.sort();
            let n = v.len();
            if n % 2 == 1 { Decimal::new(v[n / 2], 2) } else { Decimal::new(v[n / 2 - 1] + v[n / 2], 2) / Decimal::from(2) }
        } else {
            Decimal::new(h.iter().sum::<i64>(), 2) / Decimal::from(h.len() as i64)
        };
        let mut cur = snap("2030-01", "5000", &[("housing", "1000")]);
        cur.category_totals.insert("dining".into(), Money::new(centre));
        let opts = AnomalyOptions {
            method: if robust { AnomalyMethod::Robust } else { AnomalyMethod::Zscore },
            lookback: 600,
            ..Default::default()
        };
        let r = detect_anomalies(&cur, &s, &opts).unwrap();
        prop_assert!(r.anomalies.iter().all(|a| a.category != "dining"), "{:?}", r.anomalies);
    }

    #[test]
    fn months_remaining_never_increases_when_the_contribution_grows(
        target in 1i64..10_000_000,
        current in 0i64..10_000_000,
        c1 in 0i64..500_000,
        extra in 0i64..500_000,
        rate in prop_oneof![Just(None), (1i64..2000).prop_map(Some)],
        debt in any::<bool>(),
    ) {
        let mut g = goal("1", "0");
        g.target_amount = Money::from_cents(target);
        g.current_amount = Money::from_cents(current);
        let budget = BudgetModel {
            debts: vec![Debt {
                id: Some("d".into()), name: "d".into(), balance: g.target_amount,
                interest_rate: Decimal::new(rate.unwrap_or(0), 2), min_payment: Money::ZERO,
                priority: Priority::High,
            }],
            ..Default::default()
        };
        if debt {
            g.goal_type = GoalType::DebtPayoff;
            g.linked_debt_id = Some("d".into());
        } else {
            g.annual_return_rate = rate.map(|r| Decimal::new(r, 2));
        }
        let as_of = date("2026-11-21");
        let a = trajectory(&g, &[], Some(Money::from_cents(c1)), Some(&budget), as_of).unwrap();
        let b = trajectory(&g, &[], Some(Money::from_cents(c1 + extra)), Some(&budget), as_of).unwrap();
        match (a.months_remaining, b.months_remaining) {
            (Some(x), Some(y)) => prop_assert!(y <= x, "{x} -> {y}"),
            (Some(x), None) => prop_assert!(false, "reachable in {x} months at less, never at more"),
            _ => {}
        }
        // Money outputs are whole cents.
        for m in [b.remaining_amount, b.monthly_contribution].into_iter().chain(b.required_monthly_contribution) {
            prop_assert!(m.has_cents_precision());
        }
    }

    #[test]
    fn compare_changes_are_exact(a in cents(), b in cents()) {
        let sa = snap("2026-09", "1", &[("dining", &Money::from_cents(a).to_string())]);
        let sb = snap("2026-10", "1", &[("dining", &Money::from_cents(b).to_string())]);
        let c = compare_periods(&sa, &sb).unwrap();
        prop_assert_eq!(c.categories[0].change, Money::from_cents(b - a));
    }
}
