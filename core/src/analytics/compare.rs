//! `compare_periods`: two months side by side, category by category.

use serde::{Deserialize, Serialize};

use crate::analytics::series;
use crate::error::{Error, Result};
use crate::models::BudgetSnapshot;
use crate::money::Money;
use crate::period::Period;

/// The totals of one side.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodTotals {
    /// The month.
    pub period: Period,
    /// Income.
    pub total_income: Money,
    /// Expenses.
    pub total_expenses: Money,
    /// Surplus.
    pub surplus: Money,
}

/// One category on both sides.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryComparison {
    /// Slug.
    pub category: String,
    /// Amount in a.
    pub amount_a: Money,
    /// Amount in b.
    pub amount_b: Money,
    /// b − a.
    pub change: Money,
    /// change / |a| × 100; null when a = 0.
    pub change_percent: Option<f64>,
}

/// The output of [`compare_periods`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comparison {
    /// First month.
    pub a: PeriodTotals,
    /// Second month.
    pub b: PeriodTotals,
    /// Categories by |change| descending, then slug.
    pub categories: Vec<CategoryComparison>,
}

fn totals(s: &BudgetSnapshot) -> PeriodTotals {
    PeriodTotals {
        period: s.period(),
        total_income: s.total_income,
        total_expenses: s.total_expenses,
        surplus: s.surplus,
    }
}

/// Compares snapshot `a` with snapshot `b` (same currency required).
pub fn compare_periods(a: &BudgetSnapshot, b: &BudgetSnapshot) -> Result<Comparison> {
    series::check_currency(&[a, b])?;
    if a.period() == b.period() && a != b {
        return Err(Error::DuplicatePeriod {
            period: a.period().to_string(),
        });
    }
    let cats = series::categories(&[a, b]);
    let mut categories: Vec<CategoryComparison> = cats
        .into_iter()
        .map(|c| {
            let (amount_a, amount_b) = (a.category(c), b.category(c));
            let change = amount_b - amount_a;
            CategoryComparison {
                category: c.to_owned(),
                amount_a,
                amount_b,
                change,
                change_percent: change.ratio(amount_a.abs()).map(|r| r * 100.0),
            }
        })
        .collect();
    crate::sort::sort_by(&mut categories, |x, y| {
        y.change
            .abs()
            .cmp(&x.change.abs())
            .then_with(|| x.category.cmp(&y.category))
    });
    Ok(Comparison {
        a: totals(a),
        b: totals(b),
        categories,
    })
}
