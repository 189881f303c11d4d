//! `SnapshotHistory`: a user's snapshots kept inside WebAssembly, so an app that recomputes its
//! charts after every edit pays the cost of copying the history into WebAssembly once, not on
//! every call. The functions are the same core analytics as the free functions.

use lifepath_core::analytics::{self, AnomalyOptions, DEFAULT_MONTHS, ForecastOptions, reads};
use lifepath_core::models::BudgetSnapshot;
use lifepath_core::period::Period;
use wasm_bindgen::prelude::*;

use crate::convert::{
    JsResult, analytics_snapshot, analytics_snapshots, arg, call, json, options_arg, output, parse,
};
use crate::error::LifepathError;
use crate::options::TrendsOptions;
use crate::points::{FrameColumns, amount_strings, emit, table_columns};

/// A history of budget snapshots held in WebAssembly memory (budget models are not kept: the
/// analytics read only periods, currencies and summaries).
///
/// It keeps what it computed until it changes: an app that redraws its charts without an
/// edit in between asks for the same trends and reports again, and gets them without their
/// being computed again. `upsert` and `remove` drop them; the next call computes over the
/// snapshots it reads (the window, the baseline) only.
#[wasm_bindgen]
pub struct SnapshotHistory {
    snapshots: Vec<BudgetSnapshot>,
    /// The last trends computed: their `months`, columns and the strings of their amounts.
    trends: Option<(u32, FrameColumns, js_sys::Array)>,
    /// The last few anomaly reports computed (JSON text), by period and options.
    anomalies: Vec<(Period, AnomalyOptions, String)>,
}

/// How many anomaly reports a history keeps.
const KEPT_REPORTS: usize = 16;

impl SnapshotHistory {
    /// The period and currency of each snapshot, for [`reads`].
    fn entries(&self) -> Vec<reads::Entry<'_>> {
        self.snapshots
            .iter()
            .map(|s| (s.period(), s.currency.as_str()))
            .collect()
    }

    /// The snapshots at `picks` (ascending positions): a slice when they are one run, as the
    /// window of trends and a recent baseline are in a list held in period order; otherwise
    /// the whole list (the analytics pick their own).
    fn slice(&self, picks: &[usize]) -> &[BudgetSnapshot] {
        match (picks.first(), picks.last()) {
            (Some(&a), Some(&b)) if b - a + 1 == picks.len() => &self.snapshots[a..=b],
            (None, _) => &[],
            _ => &self.snapshots,
        }
    }

    /// Drops what was computed: the history changed.
    fn changed(&mut self) {
        self.trends = None;
        self.anomalies.clear();
    }
}

#[wasm_bindgen]
impl SnapshotHistory {
    /// Copies `snapshots` in (validated like the free functions' arguments).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "BudgetSnapshot[]")] snapshots: JsValue,
    ) -> Result<SnapshotHistory, JsValue> {
        crate::error::install_panic_hook();
        let mut snapshots = analytics_snapshots(&snapshots, "snapshots").map_err(JsValue::from)?;
        // Held in period order (stable: two of one period stay in their order, and are an
        // error of every analytic), so that a window is a slice.
        snapshots.sort_by_key(BudgetSnapshot::period);
        Ok(SnapshotHistory {
            snapshots,
            trends: None,
            anomalies: Vec::new(),
        })
    }

    /// Adds a snapshot or replaces the one of its period.
    pub fn upsert(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "BudgetSnapshot")] snapshot: JsValue,
    ) -> Result<(), JsValue> {
        let s = analytics_snapshot(&snapshot, "snapshot").map_err(JsValue::from)?;
        let p = s.period();
        self.snapshots.retain(|x| x.period() != p);
        let at = self.snapshots.partition_point(|x| x.period() < p);
        self.snapshots.insert(at, s);
        self.changed();
        Ok(())
    }

    /// Removes the snapshot of a period (`"YYYY-MM"`); true when one was removed.
    pub fn remove(&mut self, period: &str) -> Result<bool, JsValue> {
        let p: Period = period
            .parse()
            .map_err(|e: lifepath_core::period::PeriodError| {
                JsValue::from(LifepathError::invalid("period", e.to_string()))
            })?;
        let before = self.snapshots.len();
        self.snapshots.retain(|x| x.period() != p);
        let removed = self.snapshots.len() != before;
        if removed {
            self.changed();
        }
        Ok(removed)
    }

    /// How many snapshots it holds.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.snapshots.len()
    }

    /// `computeTrends` over this history.
    #[wasm_bindgen(js_name = computeTrends, unchecked_return_type = "Trends")]
    pub fn compute_trends(
        &mut self,
        #[wasm_bindgen(unchecked_optional_param_type = "TrendsOptions")] options: JsValue,
    ) -> JsResult {
        call(|| {
            let o: TrendsOptions = options_arg(&options)?;
            let months = o.months.unwrap_or(DEFAULT_MONTHS);
            // The history has not changed since these were computed (a change drops them).
            if let Some((m, c, table)) = &self.trends
                && *m == months
            {
                return Ok(emit(c, table, "", &[]));
            }
            let picks = reads::trends_reads(&self.entries(), months)?;
            // The window is a run of the history, held in period order: the core's trends
            // read just that slice.
            let (frame, money, t) = analytics::trends_frame(self.slice(&picks), months)?;
            let table = amount_strings(&money)?;
            let c = table_columns(&frame, money.len(), &t)?;
            let out = emit(&c, &table, "", &[]);
            self.trends = Some((months, c, table));
            Ok(out)
        })
    }

    /// `detectAnomalies` of the snapshot of `period` against this history.
    #[wasm_bindgen(js_name = detectAnomalies, unchecked_return_type = "AnomalyReport")]
    pub fn detect_anomalies(
        &mut self,
        period: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "AnomalyOptions")] options: JsValue,
    ) -> JsResult {
        call(|| {
            let p: Period = arg(&JsValue::from_str(period), "period")?;
            let current = self
                .snapshots
                .iter()
                .position(|s| s.period() == p)
                .ok_or_else(|| {
                    LifepathError::invalid("period", format!("no snapshot of {p} in the history"))
                })?;
            let o: AnomalyOptions = options_arg(&options)?;
            // Computed since the last change (a change drops them).
            if let Some((.., text)) = self.anomalies.iter().find(|(q, qo, _)| *q == p && *qo == o) {
                return parse(text);
            }
            let picks = reads::anomalies_reads(p, &self.entries(), &o)?;
            let text = json(&analytics::detect_anomalies(
                &self.snapshots[current],
                self.slice(&picks),
                &o,
            )?)?;
            let out = parse(&text)?;
            if self.anomalies.len() == KEPT_REPORTS {
                self.anomalies.remove(0);
            }
            self.anomalies.push((p, o, text));
            Ok(out)
        })
    }

    /// `comparePeriods` of two periods of this history.
    #[wasm_bindgen(js_name = comparePeriods, unchecked_return_type = "Comparison")]
    pub fn compare_periods(&self, a: &str, b: &str) -> JsResult {
        call(|| {
            let find = |name: &str, text: &str| -> Result<&BudgetSnapshot, LifepathError> {
                let p: Period = arg(&JsValue::from_str(text), name)?;
                self.snapshots
                    .iter()
                    .find(|s| s.period() == p)
                    .ok_or_else(|| {
                        LifepathError::invalid(name, format!("no snapshot of {p} in the history"))
                    })
            };
            output(&analytics::compare_periods(find("a", a)?, find("b", b)?)?)
        })
    }

    /// `forecast` of this history.
    #[wasm_bindgen(unchecked_return_type = "Forecast")]
    pub fn forecast(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ForecastOptions")] options: JsValue,
    ) -> JsResult {
        call(|| {
            let o: ForecastOptions = options_arg(&options)?;
            output(&analytics::forecast(&self.snapshots, &o)?)
        })
    }
}
