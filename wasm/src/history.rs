//! `SnapshotHistory`: a user's snapshots kept inside WebAssembly, so an app that recomputes its
//! charts after every edit pays the cost of copying the history into WebAssembly once, not on
//! every call. The functions are the same core analytics as the free functions.

use lifepath_core::analytics::frame::Frame;
use lifepath_core::analytics::{
    self, AnomalyOptions, AnomalyReport, DEFAULT_MONTHS, ForecastOptions, frame_anomalies,
    frame_trends, reads,
};
use lifepath_core::models::BudgetSnapshot;
use lifepath_core::money::Money;
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
#[wasm_bindgen]
pub struct SnapshotHistory {
    snapshots: Vec<BudgetSnapshot>,
    /// The snapshots as a frame, kept between calls; built again on the first call after a
    /// change.
    held: Option<Held>,
}

/// The frame of a history (row `i` is snapshot `i`) and the output text of each amount.
pub struct Held {
    /// The frame.
    pub frame: Frame,
    /// Its amounts, by id.
    pub money: Vec<Money>,
    /// The output text of every amount by id, then `"0.00"` (at `money.len()`), as JavaScript
    /// strings: every call hands out the same strings.
    pub table: js_sys::Array,
    /// The columns of the last trends computed, and their `months`: an app that redraws its
    /// charts without a change in between asks for the same trends again.
    trends: Option<(u32, FrameColumns)>,
    /// The last few anomaly reports computed (JSON text), by period and options.
    anomalies: Vec<(Period, AnomalyOptions, String)>,
}

/// How many anomaly reports a history keeps.
const KEPT_REPORTS: usize = 16;

impl SnapshotHistory {
    /// The frame of the history, built when it is not held.
    fn held(&mut self) -> Result<&mut Held, LifepathError> {
        if self.held.is_none() {
            let refs: Vec<&BudgetSnapshot> = self.snapshots.iter().collect();
            let (frame, money) = Frame::of_snapshots(&refs);
            let table = amount_strings(&money)?;
            self.held = Some(Held {
                frame,
                money,
                table,
                trends: None,
                anomalies: Vec::new(),
            });
        }
        self.held
            .as_mut()
            .ok_or_else(|| LifepathError::internal("the history's frame is missing"))
    }

    /// The period and currency of each snapshot, for [`reads`].
    fn entries(&self) -> Vec<reads::Entry<'_>> {
        self.snapshots
            .iter()
            .map(|s| (s.period(), s.currency.as_str()))
            .collect()
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
            held: None,
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
        self.held = None;
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
            self.held = None;
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
            if let Some(Held {
                trends: Some((m, c)),
                table,
                ..
            }) = &self.held
                && *m == months
            {
                return Ok(emit(c, table));
            }
            let picks = reads::trends_reads(&self.entries(), months)?;
            // The window is a run of the history, held in period order.
            let rows = match (picks.first(), picks.last()) {
                (Some(&a), Some(&b)) => a..b + 1,
                _ => 0..0,
            };
            let held = self.held()?;
            let t = frame_trends(&held.frame, rows, months);
            let c = table_columns(&held.frame, held.money.len(), &t)?;
            let out = emit(&c, &held.table);
            held.trends = Some((months, c));
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
            if let Some(h) = &self.held
                && let Some((.., text)) = h.anomalies.iter().find(|(q, qo, _)| *q == p && *qo == o)
            {
                return parse(text);
            }
            let entries = self.entries();
            let picks = reads::anomalies_reads(p, &entries, &o)?;
            reads::check_current_currency(entries[current], &entries, &picks)?;
            drop(entries);
            let held = self.held()?;
            let text = json(&AnomalyReport {
                period: p,
                method: o.method,
                baseline: o.baseline,
                threshold: o.threshold,
                anomalies: frame_anomalies(&held.frame, &picks, current, &o, |id| {
                    held.money[id as usize]
                }),
            })?;
            let out = parse(&text)?;
            if held.anomalies.len() == KEPT_REPORTS {
                held.anomalies.remove(0);
            }
            held.anomalies.push((p, o, text));
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
