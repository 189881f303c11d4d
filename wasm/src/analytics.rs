//! Budget analytics: trends, anomalies, period comparison, forecasts (DESIGN §3).

use lifepath_core::analytics::{self, AnomalyOptions, DEFAULT_MONTHS, ForecastOptions};
use lifepath_core::models::BudgetSnapshot;
use wasm_bindgen::prelude::*;

use crate::convert::{
    JsResult, analytics_snapshot, call, options_arg, output, with_analytics_snapshots,
};
use crate::error::LifepathError;
use crate::options::TrendsOptions;
use crate::points::trends_output;

fn computed_nothing() -> LifepathError {
    LifepathError::internal("the analytics returned nothing")
}

/// How income, expenses, surplus, the savings rate and every category moved over the
/// `months` calendar months (default 12) ending at the latest snapshot.
#[wasm_bindgen(js_name = computeTrends, unchecked_return_type = "Trends")]
pub fn compute_trends(
    #[wasm_bindgen(unchecked_param_type = "BudgetSnapshot[]")] snapshots: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "TrendsOptions")] options: JsValue,
) -> JsResult {
    call(|| {
        let mut t = None;
        with_analytics_snapshots(&snapshots, "snapshots", &mut |s| {
            let o: TrendsOptions = options_arg(&options)?;
            t = Some(analytics::compute_trends(
                s,
                o.months.unwrap_or(DEFAULT_MONTHS),
            )?);
            Ok(())
        })?;
        trends_output(t.ok_or_else(computed_nothing)?)
    })
}

/// The categories of `current` that stand out from their history (z-score or robust method;
/// recent or seasonal baseline). `history` may hold every snapshot: only those before
/// `current`'s period are used.
#[wasm_bindgen(js_name = detectAnomalies, unchecked_return_type = "AnomalyReport")]
pub fn detect_anomalies(
    #[wasm_bindgen(unchecked_param_type = "BudgetSnapshot")] current: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BudgetSnapshot[]")] history: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "AnomalyOptions")] options: JsValue,
) -> JsResult {
    call(|| {
        let current: BudgetSnapshot = analytics_snapshot(&current, "current")?;
        let mut out = None;
        with_analytics_snapshots(&history, "history", &mut |h| {
            let o: AnomalyOptions = options_arg(&options)?;
            out = Some(output(&analytics::detect_anomalies(&current, h, &o)?)?);
            Ok(())
        })?;
        out.ok_or_else(computed_nothing)
    })
}

/// Snapshot `a` and snapshot `b` side by side, category by category.
#[wasm_bindgen(js_name = comparePeriods, unchecked_return_type = "Comparison")]
pub fn compare_periods(
    #[wasm_bindgen(unchecked_param_type = "BudgetSnapshot")] a: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BudgetSnapshot")] b: JsValue,
) -> JsResult {
    call(|| {
        let a: BudgetSnapshot = analytics_snapshot(&a, "a")?;
        let b: BudgetSnapshot = analytics_snapshot(&b, "b")?;
        output(&analytics::compare_periods(&a, &b)?)
    })
}

/// The next `horizon` months (default 6) of every category and of the totals, with an 80 %
/// band.
#[wasm_bindgen(unchecked_return_type = "Forecast")]
pub fn forecast(
    #[wasm_bindgen(unchecked_param_type = "BudgetSnapshot[]")] snapshots: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ForecastOptions")] options: JsValue,
) -> JsResult {
    call(|| {
        let mut out = None;
        with_analytics_snapshots(&snapshots, "snapshots", &mut |s| {
            let o: ForecastOptions = options_arg(&options)?;
            out = Some(output(&analytics::forecast(s, &o)?)?);
            Ok(())
        })?;
        out.ok_or_else(computed_nothing)
    })
}
