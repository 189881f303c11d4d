//! `forecast`: the next months of every category and of the totals, with an 80 % band.
//!
//! Model: a least-squares line over the window (the `months` calendar months ending at the
//! latest snapshot, default 12). When the history holds ≥ 24 months of data, each calendar
//! month also gets its mean seasonal offset: the mean residual of that month against a line
//! fitted over the whole history. The window's line is fitted to the de-seasonalised values
//! and the offset is added back. The band is ± z₀.₉ × the standard deviation of the window's
//! residuals. Amounts, lows and highs never go below 0, as spending and income cannot.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analytics::frame::{ABSENT, Frame};
use crate::analytics::series;
use crate::analytics::stats::{Z80, least_squares, sample_std};
use crate::error::{Error, Result};
use crate::models::BudgetSnapshot;
use crate::money::Money;
use crate::period::Period;

/// Default number of months forecast.
pub const DEFAULT_HORIZON: u32 = 6;

/// The most months a forecast looks ahead.
pub const MAX_HORIZON: u32 = 120;

/// Months of data from which seasonal offsets are used.
pub const SEASONAL_MIN_MONTHS: usize = 24;

/// One forecast month.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForecastPoint {
    /// The month.
    pub period: Period,
    /// Expected amount.
    pub amount: Money,
    /// Lower edge of the 80 % band.
    pub low: Money,
    /// Upper edge of the 80 % band.
    pub high: Money,
}

/// The output of [`forecast`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Forecast {
    /// Months forecast.
    pub horizon: u32,
    /// Per category slug, plus `total_income` and `total_expenses`.
    pub series: BTreeMap<String, Vec<ForecastPoint>>,
}

/// Options of [`forecast`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForecastOptions {
    /// Months ahead (1–120, default 6).
    pub horizon: u32,
    /// Months of the fitting window (default 12).
    pub months: u32,
}

impl Default for ForecastOptions {
    fn default() -> Self {
        ForecastOptions {
            horizon: DEFAULT_HORIZON,
            months: super::DEFAULT_MONTHS,
        }
    }
}

/// Forecasts every category and the totals `horizon` months past the latest snapshot.
pub fn forecast(snapshots: &[BudgetSnapshot], options: &ForecastOptions) -> Result<Forecast> {
    if !(1..=MAX_HORIZON).contains(&options.horizon) {
        return Err(Error::invalid(
            "horizon",
            format!("must be between 1 and {MAX_HORIZON}"),
        ));
    }
    series::check_months("months", options.months)?;
    let ordered = series::ordered(snapshots)?;
    let mut out = BTreeMap::new();
    let Some(last) = ordered.last().map(|s| s.period()) else {
        return Ok(Forecast {
            horizon: options.horizon,
            series: out,
        });
    };
    let window_from = last.add_months(-(i64::from(options.months) - 1));
    let seasonal = ordered.len() >= SEASONAL_MIN_MONTHS;
    let xs: Vec<f64> = ordered.iter().map(|s| s.period().index() as f64).collect();
    let months: Vec<u32> = ordered.iter().map(|s| s.period().month()).collect();
    let first_in_window = ordered.partition_point(|s| s.period() < window_from);
    let future: Vec<Period> = (1..=i64::from(options.horizon))
        .map(|k| last.add_months(k))
        .collect();

    let model = |ys: &[f64]| -> Vec<ForecastPoint> {
        let mut offset = [0.0f64; 12];
        if seasonal {
            let pts: Vec<(f64, f64)> = xs.iter().copied().zip(ys.iter().copied()).collect();
            let line = least_squares(&pts);
            let mut sum = [0.0f64; 12];
            let mut count = [0u32; 12];
            for ((x, y), m) in pts.iter().zip(&months) {
                let k = (*m as usize - 1) % 12;
                sum[k] += y - line.at(*x);
                count[k] += 1;
            }
            for k in 0..12 {
                if count[k] > 0 {
                    offset[k] = sum[k] / f64::from(count[k]);
                }
            }
        }
        let off = |m: u32| offset[(m as usize - 1) % 12];
        let window: Vec<(f64, f64)> = (first_in_window..ys.len())
            .map(|j| (xs[j], ys[j] - off(months[j])))
            .collect();
        let line = least_squares(&window);
        let residuals: Vec<f64> = window.iter().map(|(x, y)| y - line.at(*x)).collect();
        let half = Z80 * sample_std(&residuals);
        future
            .iter()
            .map(|p| {
                let centre = line.at(p.index() as f64) + off(p.month());
                let money = |v: f64| Money::from_f64(v.max(0.0)).unwrap_or(Money::ZERO);
                ForecastPoint {
                    period: *p,
                    amount: money(centre),
                    low: money(centre - half),
                    high: money(centre + half),
                }
            })
            .collect()
    };

    // The frame spans the whole history (the seasonal offsets read it), but only the
    // categories that `compute_trends` reports for the same window are forecast: one that
    // appears only before the window has no points in it to fit.
    let (frame, _) = Frame::of_snapshots(&ordered, false);
    let values = |ids: &mut dyn Iterator<Item = u32>| -> Vec<f64> {
        ids.map(|id| frame.value(id)).collect()
    };
    for (c, name) in frame.categories().iter().enumerate() {
        let cells = frame.cells(c);
        if cells[first_in_window..].iter().any(|id| *id != ABSENT) {
            out.insert(name.clone(), model(&values(&mut cells.iter().copied())));
        }
    }
    let rows = frame.rows();
    out.insert(
        "total_income".to_owned(),
        model(&values(&mut rows.iter().map(|r| r.totals[0]))),
    );
    out.insert(
        "total_expenses".to_owned(),
        model(&values(&mut rows.iter().map(|r| r.totals[1]))),
    );
    Ok(Forecast {
        horizon: options.horizon,
        series: out,
    })
}
