//! `lifepath/insights` (issue 16): the insight feed derived offline — the same core function
//! the server runs before it delivers alerts — in its own WebAssembly module (the `insights`
//! feature), so neither the main module nor `lifepath/actuals` grows past its size budget.

use chrono::NaiveDate;
use lifepath_core::actuals::{self, Transaction};
use serde::Deserialize;
use tsify::Tsify;
use wasm_bindgen::prelude::*;

use crate::convert::{JsResult, call, options_arg, output, today};

/// What `deriveInsights` reads.
#[derive(Clone, Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InsightsInput {
    /// The budget snapshots (plans, and the history anomalies read).
    #[serde(default)]
    #[tsify(optional)]
    pub snapshots: Option<Vec<lifepath_core::models::BudgetSnapshot>>,
    /// The transactions (added up per month).
    #[serde(default)]
    #[tsify(optional)]
    pub transactions: Option<Vec<Transaction>>,
    /// The goals.
    #[serde(default)]
    #[tsify(optional)]
    pub goals: Option<Vec<lifepath_core::models::Goal>>,
    /// Their contributions.
    #[serde(default)]
    #[tsify(optional)]
    pub contributions: Option<Vec<lifepath_core::models::GoalContribution>>,
    /// The person's preferences (their anomaly method, baseline and threshold).
    #[serde(default)]
    #[tsify(optional)]
    pub preferences: Option<lifepath_core::insights::NotificationPreferences>,
    /// "Today", `"YYYY-MM-DD"` (default: today in local time).
    #[serde(default)]
    #[tsify(optional, type = "NaiveDate")]
    pub as_of: Option<NaiveDate>,
}

/// Every insight of a person's data, as the server derives them before delivering them:
/// anomalies, over plan, spending pace, goals off track, reached or due soon — each with its
/// `dedup_key` (`kind:subject:period`), severity, sentence and numbers. Deterministic, so the
/// feed computed offline matches the server's once online.
#[wasm_bindgen(js_name = deriveInsights, unchecked_return_type = "Insight[]")]
pub fn derive_insights(
    #[wasm_bindgen(unchecked_param_type = "InsightsInput")] input: JsValue,
) -> JsResult {
    call(|| {
        let i: InsightsInput = options_arg(&input)?;
        let as_of = i.as_of.map_or_else(today, Ok)?;
        let transactions = i.transactions.unwrap_or_default();
        let actuals = actuals::every_month_of_actuals(&transactions);
        let prefs = i.preferences.unwrap_or_default();
        let anomaly = prefs.anomaly_options();
        output(&lifepath_core::insights::derive_insights(
            &lifepath_core::insights::InsightInput {
                snapshots: &i.snapshots.unwrap_or_default(),
                actuals: &actuals,
                goals: &i.goals.unwrap_or_default(),
                contributions: &i.contributions.unwrap_or_default(),
                anomaly: &anomaly,
                as_of,
            },
        ))
    })
}
