//! Budget analytics: trends, anomalies, period comparison, forecasts (DESIGN §3).

use lifepath_core::analytics::{
    self, AnomalyOptions, AnomalyReport, DEFAULT_MONTHS, ForecastOptions, frame_anomalies, reads,
};
use lifepath_core::models::BudgetSnapshot;
use wasm_bindgen::prelude::*;

use crate::convert::{
    JsResult, analytics_snapshot, analytics_snapshots, call, options_arg, output,
};
use crate::frames::with_read_frame;
use crate::options::TrendsOptions;
use crate::points::{frame_trends_output, trends_output};

/// How income, expenses, surplus, the savings rate and every category moved over the
/// `months` calendar months (default 12) ending at the latest snapshot.
#[wasm_bindgen(js_name = computeTrends, unchecked_return_type = "Trends")]
pub fn compute_trends(
    #[wasm_bindgen(unchecked_param_type = "BudgetSnapshot[]")] snapshots: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "TrendsOptions")] options: JsValue,
) -> JsResult {
    call(|| {
        let o: TrendsOptions = options_arg(&options)?;
        let months = o.months.unwrap_or(DEFAULT_MONTHS);
        with_read_frame(
            &snapshots,
            "snapshots",
            |e| reads::trends_reads(e, months),
            None,
            |read| frame_trends_output(read, months),
            |s| trends_output(analytics::compute_trends(s, months)?),
        )
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
        let o: AnomalyOptions = options_arg(&options)?;
        let entry = (current.period(), current.currency.as_str());
        with_read_frame(
            &history,
            "history",
            |e| {
                let at = reads::anomalies_reads(current.period(), e, &o)?;
                reads::check_current_currency(entry, e, &at)?;
                Ok(at)
            },
            Some(&current),
            |read| {
                // The baseline, then the current snapshot as the last row.
                let last = read.frame.rows().len().saturating_sub(1);
                let base: Vec<usize> = (0..last).collect();
                output(&AnomalyReport {
                    period: current.period(),
                    method: o.method,
                    baseline: o.baseline,
                    threshold: o.threshold,
                    anomalies: frame_anomalies(&read.frame, &base, last, &o, |id| read.money(id)),
                })
            },
            |h| output(&analytics::detect_anomalies(&current, h, &o)?),
        )
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
        // The seasonal offsets are fitted over the whole history: it is all read.
        let s = analytics_snapshots(&snapshots, "snapshots")?;
        let o: ForecastOptions = options_arg(&options)?;
        output(&analytics::forecast(&s, &o)?)
    })
}
