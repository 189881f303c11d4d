//! The options objects of the JavaScript API (`camelCase`, every field optional). The
//! anomaly and forecast options are the core's own [`AnomalyOptions`] and [`ForecastOptions`].
//!
//! [`AnomalyOptions`]: lifepath_core::analytics::AnomalyOptions
//! [`ForecastOptions`]: lifepath_core::analytics::ForecastOptions

use chrono::{DateTime, NaiveDate, Utc};
use lifepath_core::Money;
use lifepath_core::models::BudgetModel;
use serde::Deserialize;
use tsify::Tsify;

/// Options of `computeTrends`.
#[derive(Clone, Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrendsOptions {
    /// The window: this many calendar months ending at the latest snapshot (default 12).
    #[serde(default)]
    #[tsify(optional)]
    pub months: Option<u32>,
}

/// Options of the goal functions that only need a date.
#[derive(Clone, Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AsOfOptions {
    /// The "today" of the calculation, `"YYYY-MM-DD"` (default: today in local time).
    #[serde(default)]
    #[tsify(optional, type = "NaiveDate")]
    pub as_of: Option<NaiveDate>,
}

/// Options of `goalTrajectory` and `replan`.
#[derive(Clone, Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrajectoryOptions {
    /// The "today" of the calculation, `"YYYY-MM-DD"` (default: today in local time).
    #[serde(default)]
    #[tsify(optional, type = "NaiveDate")]
    pub as_of: Option<NaiveDate>,
    /// The monthly contribution to project with (default or `null`: the average of the
    /// contributions of the last 6 calendar months).
    #[serde(default)]
    #[tsify(optional, type = "Money | null")]
    pub monthly_contribution: Option<Money>,
    /// The budget that holds the debt of a `debt_payoff` goal's `linked_debt_id` (usually the
    /// latest snapshot's `budget_model`).
    #[serde(default)]
    #[tsify(optional, type = "BudgetModel | null")]
    pub budget: Option<BudgetModel>,
}

/// Options of the functions that change a record.
#[derive(Clone, Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NowOptions {
    /// The instant of the change, RFC 3339 (default: the current time).
    #[serde(default)]
    #[tsify(optional, type = "DateTime<Utc>")]
    pub now: Option<DateTime<Utc>>,
}
