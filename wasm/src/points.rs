//! The trends object, built in JavaScript from columns. Trends are by far the largest result
//! of the package (200 categories over 360 months are 72,000 `{period, amount}` points), and
//! building them from numbers and strings handed over in a few typed arrays costs a fraction
//! of writing JSON text in WebAssembly and parsing it in JavaScript. The object is the
//! server's JSON shape exactly, key order included; the package tests compare it with the
//! core's serde JSON.

use std::fmt::Write as _;

use lifepath_core::analytics::frame::{ABSENT, Frame};
use lifepath_core::analytics::{FrameTrends, Stats, TrendDirection, frame_trends};
use lifepath_core::money::Money;
use wasm_bindgen::prelude::*;

use crate::convert::json;
use crate::error::LifepathError;
use crate::frames::Read;

#[wasm_bindgen(inline_js = r#"
const TRENDS = ['stable', 'increasing', 'decreasing'];
// `stats`: 6 numbers per series (average, volatility, change_percent or NaN, slope,
// relative_change, trend); `counts`: points per series; `index`: each point's period, an
// index into `periods`; the money points' amounts are `texts[k]` (or `texts[ids[k]]`), the
// savings rates' are `rates`. Series order: income, expenses, surplus, savings rate, categories.
function build(from, to, months, names, periods, stats, counts, index, texts, ids, rates) {
  const ps = periods.split(',');
  let s = 0;
  let p = 0;
  let m = 0;
  let r = 0;
  const series = (money) => {
    const n = counts[s];
    const values = [];
    if (!money) {
      for (let i = 0; i < n; i++) values.push({ period: ps[index[p++]], amount: rates[r++] });
    } else if (ids === null) {
      for (let i = 0; i < n; i++) values.push({ period: ps[index[p++]], amount: texts[m++] });
    } else {
      for (let i = 0; i < n; i++) values.push({ period: ps[index[p++]], amount: texts[ids[m++]] });
    }
    const o = 6 * s++;
    const change = stats[o + 2];
    return {
      values,
      average: stats[o],
      volatility: stats[o + 1],
      change_percent: change === change ? change : null,
      slope: stats[o + 3],
      relative_change: stats[o + 4],
      trend: TRENDS[stats[o + 5]],
    };
  };
  const t = {
    window: { from: from ?? null, to: to ?? null, months_with_data: months },
    income_trend: series(true),
    expense_trend: series(true),
    surplus_trend: series(true),
    savings_rate_trend: series(false),
    category_changes: {},
  };
  const ns = JSON.parse(names);
  for (let c = 0; c < ns.length; c++) t.category_changes[ns[c]] = series(true);
  return t;
}
function split(text, lengths, out) {
  let at = 0;
  for (let i = 0; i < lengths.length; i++) {
    const end = at + lengths[i];
    out.push(text.slice(at, end));
    at = end;
  }
  return out;
}
export function lifepath_texts(text, lengths) {
  return split(text, lengths, []);
}
export function lifepath_trends_cached(from, to, months, names, periods, stats, counts, index, table, fresh, lengths, ids, rates) {
  return build(from, to, months, names, periods, stats, counts, index, split(fresh, lengths, table), ids, rates);
}
"#)]
extern "C" {
    /// Builds the trends object (see the JavaScript above): the money amounts are indexes
    /// `ids` into `table`, an array of strings, after appending the `fresh` ones (one after
    /// the other, with their lengths) to it.
    #[allow(clippy::too_many_arguments)]
    fn lifepath_trends_cached(
        from: Option<String>,
        to: Option<String>,
        months: u32,
        names: &str,
        periods: &str,
        stats: &[f64],
        counts: &[u32],
        index: &[u32],
        table: &js_sys::Array,
        fresh: &str,
        lengths: &[u8],
        ids: &[u32],
        rates: &[f64],
    ) -> JsValue;

    /// The texts one after the other in `text`, with the length of each, as an array.
    fn lifepath_texts(text: &str, lengths: &[u8]) -> js_sys::Array;
}

/// Trends of a frame taken apart into columns, the money points as amount ids
/// ([`ABSENT`] for a zero) in `ids` (in order: income, expenses, surplus, then every category).
pub struct FrameColumns {
    from: Option<String>,
    to: Option<String>,
    months: u32,
    names: String,
    periods: String,
    stats: Vec<f64>,
    counts: Vec<u32>,
    index: Vec<u32>,
    ids: Vec<u32>,
    rates: Vec<f64>,
}

fn push_stats(stats: &mut Vec<f64>, s: &Stats) {
    let trend = match s.trend {
        TrendDirection::Stable => 0.0,
        TrendDirection::Increasing => 1.0,
        TrendDirection::Decreasing => 2.0,
    };
    stats.extend_from_slice(&[
        s.average,
        s.volatility,
        s.change_percent.unwrap_or(f64::NAN),
        s.slope,
        s.relative_change,
        trend,
    ]);
}

fn frame_columns(frame: &Frame, t: &FrameTrends) -> Result<FrameColumns, LifepathError> {
    let rows = &frame.rows()[t.rows.clone()];
    let n = rows.len();
    let mut periods = String::new();
    for (k, p) in t.periods.iter().enumerate() {
        if k > 0 {
            periods.push(',');
        }
        let _ = write!(periods, "{p}");
    }
    let names: Vec<&str> = t
        .categories
        .iter()
        .map(|(c, _)| frame.categories()[*c].as_str())
        .collect();
    // Every period of the rows is in `periods`, in order: a point's index is its row's.
    let row_index: Vec<u32> = (0..u32::try_from(n).unwrap_or(u32::MAX)).collect();
    let n_series = 4 + names.len();
    let mut c = FrameColumns {
        from: t.window.from.map(|p| p.to_string()),
        to: t.window.to.map(|p| p.to_string()),
        months: u32::try_from(t.window.months_with_data).unwrap_or(u32::MAX),
        names: json(&names)?,
        periods,
        stats: Vec::with_capacity(6 * n_series),
        counts: Vec::with_capacity(n_series),
        index: Vec::with_capacity(n * n_series),
        ids: Vec::with_capacity(n * (n_series - 1)),
        rates: t.savings_rate.1.clone(),
    };
    let count = u32::try_from(n).unwrap_or(u32::MAX);
    // Series order of the JavaScript: income, expenses, surplus, savings rate, categories.
    for (k, s) in t.totals.iter().enumerate() {
        c.index.extend_from_slice(&row_index);
        c.ids.extend(rows.iter().map(|r| r.totals[k]));
        c.counts.push(count);
        push_stats(&mut c.stats, s);
    }
    // The savings rate's points are the rows with a rate (see `frame_trends`).
    let (rate_periods, _, rate_stats) = &t.savings_rate;
    c.index.extend(
        rows.iter()
            .zip(&row_index)
            .filter(|(r, _)| r.savings_rate.is_some())
            .map(|(_, k)| *k),
    );
    c.counts
        .push(u32::try_from(rate_periods.len()).unwrap_or(u32::MAX));
    push_stats(&mut c.stats, rate_stats);
    for (k, s) in &t.categories {
        c.index.extend_from_slice(&row_index);
        c.ids.extend_from_slice(&frame.cells(*k)[t.rows.clone()]);
        c.counts.push(count);
        push_stats(&mut c.stats, s);
    }
    Ok(c)
}

/// The trends of a frame read from JavaScript ([`Read`]) as a plain object in the server's
/// JSON shape: the points' amounts are the strings read (the amounts' own output texts), a
/// zero's is `"0.00"`, and an amount written otherwise (`"7.5"`) gets its output text.
pub fn frame_trends_output(read: &Read<'_>, months: u32) -> Result<JsValue, LifepathError> {
    let t = frame_trends(&read.frame, 0..read.frame.rows().len(), months);
    let mut c = frame_columns(&read.frame, &t)?;
    let table = read.amounts;
    let base = table.length();
    let mut fresh = Texts::default();
    fresh.push(Money::ZERO);
    for (_, text) in &read.fixes {
        fresh.push_text(text);
    }
    for id in &mut c.ids {
        *id = if *id == ABSENT {
            base
        } else if read.fixes.is_empty() {
            *id
        } else {
            match read.fixes.binary_search_by_key(id, |f| f.0) {
                Ok(k) => base + 1 + u32::try_from(k).unwrap_or(0),
                Err(_) => *id,
            }
        };
    }
    let (fresh, lengths) = fresh.text()?;
    Ok(emit(&c, table, &fresh, &lengths))
}

/// Texts of amounts one after the other, and the length of each.
#[derive(Default)]
struct Texts {
    text: Vec<u8>,
    lengths: Vec<u8>,
}

impl Texts {
    fn push(&mut self, amount: Money) {
        let at = self.text.len();
        amount.push_to(&mut self.text);
        // An amount's text is at most 31 characters (below 10^28, a point, a sign).
        self.lengths
            .push(u8::try_from(self.text.len() - at).unwrap_or(u8::MAX));
    }

    fn push_text(&mut self, text: &str) {
        self.text.extend_from_slice(text.as_bytes());
        self.lengths
            .push(u8::try_from(text.len()).unwrap_or(u8::MAX));
    }

    fn text(self) -> Result<(String, Vec<u8>), LifepathError> {
        let text = String::from_utf8(self.text)
            .map_err(|_| LifepathError::internal("could not convert the result: amounts"))?;
        Ok((text, self.lengths))
    }
}

/// The output texts of `money`, then `"0.00"`, as an array of JavaScript strings.
pub fn amount_strings(money: &[Money]) -> Result<js_sys::Array, LifepathError> {
    let mut texts = Texts::default();
    for m in money {
        texts.push(*m);
    }
    texts.push(Money::ZERO);
    let (text, lengths) = texts.text()?;
    Ok(lifepath_texts(&text, &lengths))
}

/// The columns of trends of rows of `frame` whose `n` amounts' strings make a table (see
/// [`amount_strings`]): a zero is the string after them.
pub fn table_columns(
    frame: &Frame,
    n: usize,
    t: &FrameTrends,
) -> Result<FrameColumns, LifepathError> {
    let mut c = frame_columns(frame, t)?;
    let zero =
        u32::try_from(n).map_err(|_| LifepathError::internal("too many amounts to write"))?;
    for id in &mut c.ids {
        if *id == ABSENT {
            *id = zero;
        }
    }
    Ok(c)
}

/// The trends object of columns whose amount ids are places in `table`, after appending the
/// `fresh` texts to it (one after the other, with the length of each).
pub fn emit(c: &FrameColumns, table: &js_sys::Array, fresh: &str, lengths: &[u8]) -> JsValue {
    lifepath_trends_cached(
        c.from.clone(),
        c.to.clone(),
        c.months,
        &c.names,
        &c.periods,
        &c.stats,
        &c.counts,
        &c.index,
        table,
        fresh,
        lengths,
        &c.ids,
        &c.rates,
    )
}

/// Trends (the core's [`trends_frame`](lifepath_core::analytics::trends_frame)) as a plain
/// object in the server's JSON shape.
pub fn trends_output(
    (frame, money, t): (Frame, Vec<Money>, FrameTrends),
) -> Result<JsValue, LifepathError> {
    let table = amount_strings(&money)?;
    Ok(emit(
        &table_columns(&frame, money.len(), &t)?,
        &table,
        "",
        &[],
    ))
}
