//! `compute_trends`: how income, expenses, surplus, the savings rate and each category moved
//! over a window of calendar months (DESIGN §3, "Trend of a series").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analytics::series;
use crate::analytics::stats::least_squares;
use crate::error::Result;
use crate::models::BudgetSnapshot;
use crate::money::Money;
use crate::period::Period;

/// Default window length in months.
pub const DEFAULT_MONTHS: u32 = 12;

/// Relative change beyond which a series counts as moving (strictly).
pub const TREND_THRESHOLD: f64 = 0.05;

/// Direction of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TrendDirection {
    /// relative_change > 0.05.
    Increasing,
    /// relative_change < −0.05.
    Decreasing,
    /// Otherwise, or too little data.
    Stable,
}

/// One point of a series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrendPoint<A> {
    /// The month.
    pub period: Period,
    /// The value (money, or a number for the savings rate).
    pub amount: A,
}

/// The trend of one series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeriesTrend<A> {
    /// The points in the window, by period.
    pub values: Vec<TrendPoint<A>>,
    /// Mean.
    pub average: f64,
    /// Sample standard deviation; 0 when n < 2.
    pub volatility: f64,
    /// (last − first) / |first| × 100; null when n < 2 or first = 0.
    pub change_percent: Option<f64>,
    /// Least-squares slope per calendar month.
    pub slope: f64,
    /// slope × (x_last − x_first) / |average|; 0 when n < 2 or average = 0.
    pub relative_change: f64,
    /// Direction.
    pub trend: TrendDirection,
}

/// The window the trends cover.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Window {
    /// First month of the window (null without snapshots).
    pub from: Option<Period>,
    /// Last month (the latest snapshot's).
    pub to: Option<Period>,
    /// Snapshots inside the window.
    pub months_with_data: usize,
}

/// The output of [`compute_trends`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Trends {
    /// The window.
    pub window: Window,
    /// Total income.
    pub income_trend: SeriesTrend<Money>,
    /// Total expenses.
    pub expense_trend: SeriesTrend<Money>,
    /// Surplus.
    pub surplus_trend: SeriesTrend<Money>,
    /// Savings rate (months with income 0 left out).
    pub savings_rate_trend: SeriesTrend<f64>,
    /// Every category seen in the window.
    pub category_changes: BTreeMap<String, SeriesTrend<Money>>,
}

/// The statistics of a series: its periods and one value per period.
pub fn trend_of<A>(
    periods: &[Period],
    amounts: Vec<A>,
    as_f64: impl Fn(&A) -> f64,
) -> SeriesTrend<A> {
    let n = amounts.len();
    let xy: Vec<(f64, f64)> = periods
        .iter()
        .zip(&amounts)
        .map(|(p, a)| (p.index() as f64, as_f64(a)))
        .collect();
    let average = if n == 0 {
        0.0
    } else {
        xy.iter().map(|p| p.1).sum::<f64>() / n as f64
    };
    let volatility = if n < 2 {
        0.0
    } else {
        (xy.iter()
            .map(|p| (p.1 - average) * (p.1 - average))
            .sum::<f64>()
            / (n - 1) as f64)
            .sqrt()
    };
    let change_percent = if n >= 2 && xy[0].1 != 0.0 {
        Some((xy[n - 1].1 - xy[0].1) / xy[0].1.abs() * 100.0)
    } else {
        None
    };
    let slope = if n >= 2 {
        least_squares(&xy).slope
    } else {
        0.0
    };
    let relative_change = if n >= 2 && average != 0.0 {
        slope * (xy[n - 1].0 - xy[0].0) / average.abs()
    } else {
        0.0
    };
    let trend = if relative_change > TREND_THRESHOLD {
        TrendDirection::Increasing
    } else if relative_change < -TREND_THRESHOLD {
        TrendDirection::Decreasing
    } else {
        TrendDirection::Stable
    };
    SeriesTrend {
        values: periods
            .iter()
            .zip(amounts)
            .map(|(period, amount)| TrendPoint {
                period: *period,
                amount,
            })
            .collect(),
        average,
        volatility,
        change_percent,
        slope,
        relative_change,
        trend,
    }
}

fn money_trend(periods: &[Period], amounts: Vec<Money>) -> SeriesTrend<Money> {
    trend_of(periods, amounts, |m| m.to_f64())
}

/// Trends over the `months` calendar months ending at the latest snapshot (default 12).
/// A month without a snapshot is a gap, not a zero; snapshots of different currencies or two
/// snapshots of one period are errors.
pub fn compute_trends(snapshots: &[BudgetSnapshot], months: u32) -> Result<Trends> {
    series::check_months("months", months)?;
    let ordered = series::ordered(snapshots)?;
    let window = series::in_window(&ordered, months);
    let bounds = series::window_bounds(&ordered, months);

    let periods: Vec<Period> = window.iter().map(|s| s.period()).collect();
    let pick =
        |f: fn(&BudgetSnapshot) -> Money| -> Vec<Money> { window.iter().map(|s| f(s)).collect() };
    let (rate_periods, rates): (Vec<Period>, Vec<f64>) = window
        .iter()
        .filter(|s| !s.total_income.is_zero())
        .filter_map(|s| s.surplus.ratio(s.total_income).map(|r| (s.period(), r)))
        .unzip();

    let cats = series::categories(&window);
    let matrix = series::category_matrix(&window, &cats, Money::ZERO, |m| m);
    // Inserted one by one: collecting into a map would sort (and carry its own sort).
    let mut category_changes = BTreeMap::new();
    for (c, row) in cats.iter().zip(matrix) {
        category_changes.insert((*c).to_owned(), money_trend(&periods, row));
    }

    Ok(Trends {
        window: Window {
            from: bounds.map(|b| b.0),
            to: bounds.map(|b| b.1),
            months_with_data: window.len(),
        },
        income_trend: money_trend(&periods, pick(|s| s.total_income)),
        expense_trend: money_trend(&periods, pick(|s| s.total_expenses)),
        surplus_trend: money_trend(&periods, pick(|s| s.surplus)),
        savings_rate_trend: trend_of(&rate_periods, rates, |r| *r),
        category_changes,
    })
}
