//! `compute_trends`: how income, expenses, surplus, the savings rate and each category moved
//! over a window of calendar months (DESIGN §3, "Trend of a series").

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::analytics::frame::{ABSENT, Frame};
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

/// The statistics of a series (everything of a [`SeriesTrend`] but its points).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    /// Mean.
    pub average: f64,
    /// Sample standard deviation; 0 when n < 2.
    pub volatility: f64,
    /// (last − first) / |first| × 100; `None` when n < 2 or first = 0.
    pub change_percent: Option<f64>,
    /// Least-squares slope per calendar month.
    pub slope: f64,
    /// slope × (x_last − x_first) / |average|; 0 when n < 2 or average = 0.
    pub relative_change: f64,
    /// Direction.
    pub trend: TrendDirection,
}

impl Stats {
    /// The statistics of the values `ys`, one per period of `periods`.
    pub fn of(periods: &[Period], ys: &[f64]) -> Stats {
        let xy: Vec<(f64, f64)> = periods
            .iter()
            .zip(ys)
            .map(|(p, y)| (p.index() as f64, *y))
            .collect();
        let n = xy.len();
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
        Stats {
            average,
            volatility,
            change_percent,
            slope,
            relative_change,
            trend,
        }
    }

    /// The series of these statistics with its points.
    pub fn series<A>(self, periods: &[Period], amounts: Vec<A>) -> SeriesTrend<A> {
        SeriesTrend {
            values: periods
                .iter()
                .zip(amounts)
                .map(|(period, amount)| TrendPoint {
                    period: *period,
                    amount,
                })
                .collect(),
            average: self.average,
            volatility: self.volatility,
            change_percent: self.change_percent,
            slope: self.slope,
            relative_change: self.relative_change,
            trend: self.trend,
        }
    }
}

/// [`compute_trends`] of rows of a frame, without the points: the rows hold the window, so
/// every money series has a point in each of them (a category's amount id is [`ABSENT`],
/// zero, in a row without it), and the savings rate one in each row with a rate.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameTrends {
    /// The window.
    pub window: Window,
    /// The rows (a range of the frame's).
    pub rows: Range<usize>,
    /// The periods of the rows.
    pub periods: Vec<Period>,
    /// Income, expenses and surplus.
    pub totals: [Stats; 3],
    /// The periods and values of the savings rate, and its statistics.
    pub savings_rate: (Vec<Period>, Vec<f64>, Stats),
    /// Every category with an amount in the rows (its index in the frame), in the frame's
    /// order, and its statistics.
    pub categories: Vec<(usize, Stats)>,
}

/// The trends of the rows `rows` of a frame, which hold the window of `months` months ending
/// at the last of them (see [`FrameTrends`]).
pub fn frame_trends(frame: &Frame, rows: Range<usize>, months: u32) -> FrameTrends {
    let all = &frame.rows()[rows.clone()];
    let periods: Vec<Period> = all.iter().map(|r| r.period).collect();
    let mut ys = vec![0.0; all.len()];
    let mut stats_of = |ids: &mut dyn Iterator<Item = u32>| {
        for (y, id) in ys.iter_mut().zip(ids) {
            *y = frame.value(id);
        }
        Stats::of(&periods, &ys)
    };
    let totals = [0, 1, 2].map(|k| stats_of(&mut all.iter().map(|r| r.totals[k])));
    let mut categories = Vec::with_capacity(frame.categories().len());
    for c in 0..frame.categories().len() {
        let cells = &frame.cells(c)[rows.clone()];
        if cells.iter().any(|id| *id != ABSENT) {
            categories.push((c, stats_of(&mut cells.iter().copied())));
        }
    }
    let (rate_periods, rates): (Vec<Period>, Vec<f64>) = all
        .iter()
        .filter_map(|r| r.savings_rate.map(|x| (r.period, x)))
        .unzip();
    let rate_stats = Stats::of(&rate_periods, &rates);
    let to = periods.last().copied();
    FrameTrends {
        window: Window {
            from: to.map(|p| p.add_months(-(i64::from(months) - 1))),
            to,
            months_with_data: all.len(),
        },
        rows,
        periods,
        totals,
        savings_rate: (rate_periods, rates, rate_stats),
        categories,
    }
}

/// What [`compute_trends`] builds its result from: the window as a frame, its amounts (by
/// id) and its trends, for a caller that writes the result itself. The same errors.
pub fn trends_frame(
    snapshots: &[BudgetSnapshot],
    months: u32,
) -> Result<(Frame, Vec<Money>, FrameTrends)> {
    series::check_months("months", months)?;
    let ordered = series::ordered(snapshots)?;
    let window = series::in_window(&ordered, months);
    let (frame, money) = Frame::of_snapshots(&window, true);
    let t = frame_trends(&frame, 0..window.len(), months);
    Ok((frame, money, t))
}

/// Trends over the `months` calendar months ending at the latest snapshot (default 12).
/// A month without a snapshot is a gap, not a zero; snapshots of different currencies or two
/// snapshots of one period are errors.
pub fn compute_trends(snapshots: &[BudgetSnapshot], months: u32) -> Result<Trends> {
    let (frame, money, t) = trends_frame(snapshots, months)?;
    let amounts = |ids: &mut dyn Iterator<Item = u32>| -> Vec<Money> {
        ids.map(|id| {
            if id == ABSENT {
                Money::ZERO
            } else {
                money[id as usize]
            }
        })
        .collect()
    };
    let rows = frame.rows();
    let [income, expenses, surplus] = [0, 1, 2].map(|k| {
        let points = amounts(&mut rows.iter().map(|r| r.totals[k]));
        t.totals[k].series(&t.periods, points)
    });
    // Inserted one by one: collecting into a map would sort (and carry its own sort).
    let mut category_changes = BTreeMap::new();
    for (c, stats) in &t.categories {
        let points = amounts(&mut frame.cells(*c).iter().copied());
        category_changes.insert(
            frame.categories()[*c].clone(),
            stats.series(&t.periods, points),
        );
    }
    let (rate_periods, rates, rate_stats) = t.savings_rate;
    Ok(Trends {
        window: t.window,
        income_trend: income,
        expense_trend: expenses,
        surplus_trend: surplus,
        savings_rate_trend: rate_stats.series(&rate_periods, rates),
        category_changes,
    })
}
