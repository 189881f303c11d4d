//! `detect_anomalies`: categories of one month that stand out from their own history.
//!
//! Two methods: `zscore` (μ = mean, σ = sample std dev) and `robust` (μ = median,
//! σ = 1.4826 × MAD, so one huge purchase does not hide every later anomaly). Two baselines:
//! `recent` (the `lookback` months before the current one) and `seasonal` (the same calendar
//! month in earlier years, ≥ 2 needed, so December is compared with past Decembers).

use serde::{Deserialize, Serialize};

use crate::analytics::frame::{ABSENT, Frame};
use crate::analytics::series;
use crate::analytics::stats::{mad, mean, median, sample_std};
use crate::error::{Error, Result};
use crate::models::BudgetSnapshot;
use crate::money::Money;
use crate::period::Period;

/// How the baseline centre and spread are estimated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AnomalyMethod {
    /// Mean and sample standard deviation.
    #[default]
    Zscore,
    /// Median and 1.4826 × median absolute deviation.
    Robust,
}

/// Which past months form the baseline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Baseline {
    /// The `lookback` months before the current one (≥ 3 needed).
    #[default]
    Recent,
    /// The same calendar month in up to `lookback` earlier years (≥ 2 needed).
    Seasonal,
}

/// `warning` when |z| ≥ threshold, `alert` when |z| ≥ threshold + 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Severity {
    Warning,
    Alert,
}

/// Whether the month is above or below its baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Direction {
    Above,
    Below,
}

/// The largest `threshold` (|z|) accepted.
pub const MAX_THRESHOLD: f64 = 100.0;
/// The most months (or, for the seasonal baseline, years) of `lookback`.
pub const MAX_LOOKBACK: u32 = 600;

/// Options of [`detect_anomalies`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnomalyOptions {
    /// |z| at which a value is an anomaly (default 2.0).
    pub threshold: f64,
    /// Months of history for `recent` (default 12); years for `seasonal`.
    pub lookback: u32,
    /// Estimation method.
    pub method: AnomalyMethod,
    /// Baseline.
    pub baseline: Baseline,
}

impl AnomalyOptions {
    /// The options' own errors: `threshold` and `lookback` out of range.
    pub fn check(&self) -> Result<()> {
        let t = self.threshold;
        if !t.is_finite() || t <= 0.0 || t > MAX_THRESHOLD {
            return Err(Error::invalid(
                "threshold",
                format!("must be a number above 0 and at most {MAX_THRESHOLD}"),
            ));
        }
        if !(1..=MAX_LOOKBACK).contains(&self.lookback) {
            return Err(Error::invalid(
                "lookback",
                format!("must be between 1 and {MAX_LOOKBACK}"),
            ));
        }
        Ok(())
    }
}

impl Default for AnomalyOptions {
    fn default() -> Self {
        AnomalyOptions {
            threshold: 2.0,
            lookback: 12,
            method: AnomalyMethod::Zscore,
            baseline: Baseline::Recent,
        }
    }
}

/// One unusual category.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Anomaly {
    /// Category slug.
    pub category: String,
    /// This month's amount.
    pub current_amount: Money,
    /// The baseline centre μ (mean, or median for `robust`).
    pub historical_average: f64,
    /// z = (current − μ) / σ_eff.
    pub deviation: f64,
    /// Warning or alert.
    pub severity: Severity,
    /// Above or below.
    pub direction: Direction,
    /// One plain sentence.
    pub explanation: String,
}

/// The output of [`detect_anomalies`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnomalyReport {
    /// The month examined.
    pub period: Period,
    /// Method used.
    pub method: AnomalyMethod,
    /// Baseline used.
    pub baseline: Baseline,
    /// Threshold used.
    pub threshold: f64,
    /// Anomalies by |z| descending, then category.
    pub anomalies: Vec<Anomaly>,
}

/// The σ floor: max(σ, 5 % of |μ|, 1.00).
pub fn sigma_eff(sigma: f64, mu: f64) -> f64 {
    sigma.max(0.05 * mu.abs()).max(1.0)
}

/// "debt_payments" → "Debt payments". Slugs are `[a-z0-9_]`, so only ASCII letters change
/// case (which keeps Unicode's case tables out of the npm package).
pub fn display_name(slug: &str) -> String {
    let mut text = slug.replace('_', " ");
    if let Some(first) = text.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    text
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Finds the categories of `current` that deviate from `history` (snapshots strictly before
/// the current period; later ones and the current one are ignored).
pub fn detect_anomalies(
    current: &BudgetSnapshot,
    history: &[BudgetSnapshot],
    options: &AnomalyOptions,
) -> Result<AnomalyReport> {
    options.check()?;
    let period = current.period();
    let ordered = series::ordered(history.iter().filter(|s| s.period() < period))?;
    let base: Vec<&BudgetSnapshot> = match options.baseline {
        Baseline::Recent => {
            let from = period.add_months(-i64::from(options.lookback));
            ordered.into_iter().filter(|s| s.period() >= from).collect()
        }
        Baseline::Seasonal => {
            let from = period.add_months(-12 * i64::from(options.lookback));
            ordered
                .into_iter()
                .filter(|s| s.period() >= from && s.period().month() == period.month())
                .collect()
        }
    };
    let mut all = base.clone();
    all.push(current);
    series::check_currency(&all)?;
    let (frame, money) = Frame::of_snapshots(&all, false);
    let base: Vec<usize> = (0..all.len() - 1).collect();
    Ok(anomaly_report(
        period,
        &frame,
        &base,
        all.len() - 1,
        options,
        |id| money[id as usize],
    ))
}

/// The report of [`frame_anomalies`] for the month `period` (the period of row `current`).
pub fn anomaly_report(
    period: Period,
    frame: &Frame,
    base: &[usize],
    current: usize,
    options: &AnomalyOptions,
    money: impl Fn(u32) -> Money,
) -> AnomalyReport {
    AnomalyReport {
        period,
        method: options.method,
        baseline: options.baseline,
        threshold: options.threshold,
        anomalies: frame_anomalies(frame, base, current, options, money),
    }
}

/// The anomalies of row `current` of `frame` against the rows `base` (the baseline, of the
/// `options`' kind; rows of the frame before `current`), by |z| descending, then category.
/// `money` gives the amount of an id of row `current`. A category of the frame that neither
/// the baseline nor the current row has is never one (its z is 0).
pub fn frame_anomalies(
    frame: &Frame,
    base: &[usize],
    current: usize,
    options: &AnomalyOptions,
    money: impl Fn(u32) -> Money,
) -> Vec<Anomaly> {
    let t = options.threshold;
    let Some(period) = frame.rows().get(current).map(|r| r.period) else {
        return Vec::new();
    };
    let min_points = match options.baseline {
        Baseline::Recent => 3,
        Baseline::Seasonal => 2,
    };
    let mut anomalies = Vec::new();
    if base.len() < min_points {
        return anomalies;
    }
    let mut h = vec![0.0; base.len()];
    for (c, cat) in frame.categories().iter().enumerate() {
        let cells = frame.cells(c);
        for (x, row) in h.iter_mut().zip(base) {
            *x = frame.value(cells[*row]);
        }
        let (mu, sigma) = match options.method {
            AnomalyMethod::Zscore => (mean(&h), sample_std(&h)),
            AnomalyMethod::Robust => (median(&h), 1.4826 * mad(&h)),
        };
        let id = cells[current];
        let z = (frame.value(id) - mu) / sigma_eff(sigma, mu);
        if z.abs() < t {
            continue;
        }
        let amount = if id == ABSENT { Money::ZERO } else { money(id) };
        let severity = if z.abs() >= t + 1.0 {
            Severity::Alert
        } else {
            Severity::Warning
        };
        let direction = if z > 0.0 {
            Direction::Above
        } else {
            Direction::Below
        };
        anomalies.push(Anomaly {
            category: cat.clone(),
            current_amount: amount.round(),
            historical_average: mu,
            deviation: z,
            severity,
            direction,
            explanation: explain(cat, amount, mu, direction, options, period, h.len()),
        });
    }
    crate::sort::sort_by(&mut anomalies, |a, b| {
        b.deviation
            .abs()
            .total_cmp(&a.deviation.abs())
            .then_with(|| a.category.cmp(&b.category))
    });
    anomalies
}

fn explain(
    cat: &str,
    amount: Money,
    mu: f64,
    direction: Direction,
    options: &AnomalyOptions,
    period: Period,
    n: usize,
) -> String {
    let mu_money = Money::from_f64(mu).unwrap_or(Money::ZERO);
    let gap = (amount - mu_money).abs();
    let side = match direction {
        Direction::Above => "above",
        Direction::Below => "below",
    };
    let centre = match options.method {
        AnomalyMethod::Zscore => "average",
        AnomalyMethod::Robust => "typical (median) amount",
    };
    let baseline = match options.baseline {
        Baseline::Recent => format!("your {n}-month {centre} of {mu_money}"),
        Baseline::Seasonal => {
            let month = MONTH_NAMES[(period.month() as usize).saturating_sub(1) % 12];
            format!("your {month} {centre} of {mu_money} over {n} earlier years")
        }
    };
    format!(
        "{} is {gap} {side} {baseline} ({amount} in {period}).",
        display_name(cat)
    )
}
