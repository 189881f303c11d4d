//! Budget analytics: trends, anomalies, period comparison, forecasts (DESIGN §3).

use lifepath_core::analytics::{
    self, AnomalyOptions, DEFAULT_MONTHS, ForecastOptions, anomaly_report, reads,
};
use lifepath_core::models::BudgetSnapshot;
use lifepath_core::validate::is_currency;
use wasm_bindgen::prelude::*;

use crate::convert::{
    JsResult, analytics_snapshot, analytics_snapshots, call, list_index, options_arg, output,
};
use crate::error::LifepathError;
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
            &|e| reads::trends_reads(e, months),
            None,
            true,
            &|read| frame_trends_output(read, months),
            &|| {
                let s = analytics_snapshots(&snapshots, "snapshots")?;
                trends_output(analytics::trends_frame(&s, months)?)
            },
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
        // The examined snapshot's period and currency, read without the rest of it (its
        // amounts are read with its baseline). Not as the package writes them: it is read
        // whole, for its exact error, as it is whenever the quick read fails.
        let head = list_index(&js_sys::Array::of1(&current))
            .and_then(|(p, c)| Some((*p.first()?, c)))
            .filter(|(_, c)| is_currency(c));
        // The examined snapshot's own errors first, then the options', then the history's.
        let whole = |o: Result<AnomalyOptions, LifepathError>| -> Result<JsValue, LifepathError> {
            let current: BudgetSnapshot = analytics_snapshot(&current, "current")?;
            let o = o?;
            let h = analytics_snapshots(&history, "history")?;
            output(&analytics::detect_anomalies(&current, &h, &o)?)
        };
        let (o, (period, currency)) = match (options_arg::<AnomalyOptions>(&options), head) {
            (Ok(o), Some(head)) => (o, head),
            (o, _) => return whole(o),
        };
        let entry = (period, currency.as_str());
        with_read_frame(
            &history,
            &|e| {
                let at = reads::anomalies_reads(period, e, &o)?;
                reads::check_current_currency(entry, e, &at)?;
                Ok(at)
            },
            Some((&current, period)),
            false,
            &|read| {
                // The baseline, then the examined snapshot as the last row.
                let last = read.frame.rows().len().saturating_sub(1);
                let base: Vec<usize> = (0..last).collect();
                output(&anomaly_report(
                    period,
                    &read.frame,
                    &base,
                    last,
                    &o,
                    |id| read.money(id),
                ))
            },
            &|| whole(Ok(o)),
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
