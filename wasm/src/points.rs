//! The trends object, built in JavaScript from columns. Trends are by far the largest result
//! of the package (200 categories over 360 months are 72,000 `{period, amount}` points), and
//! building them from numbers and strings handed over in a few typed arrays costs a fraction
//! of writing JSON text in WebAssembly and parsing it in JavaScript. The object is the
//! server's JSON shape exactly, key order included; the package tests compare it with the
//! core's serde JSON. The JavaScript half is in [`crate::frames`]' module, which holds the
//! table of category names the free functions' columns name them by.

use lifepath_core::analytics::frame::{ABSENT, Frame};
use lifepath_core::analytics::{FrameTrends, Stats, TrendDirection, frame_trends};
use lifepath_core::money::Money;
use lifepath_core::period::Period;
use wasm_bindgen::prelude::*;

use crate::convert::json;
use crate::error::LifepathError;
use crate::frames::{Read, lifepath_texts, lifepath_trends};

/// Trends of a frame taken apart into columns, the money points as amount ids
/// ([`ABSENT`] for a zero) in `ids` (in order: income, expenses, surplus, then every category).
pub struct FrameColumns {
    from: u32,
    to: u32,
    months: u32,
    /// The categories' names (JSON), or empty: then `name_ids` are their ids in the table of
    /// names of [`crate::frames`].
    names: String,
    name_ids: Vec<u32>,
    /// Year × 100 + month.
    periods: Vec<u32>,
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

/// A period as the JavaScript reads it: year × 100 + month (0: none).
fn period_number(p: Option<Period>) -> u32 {
    p.map_or(0, |p| {
        u32::try_from(p.year()).unwrap_or(0) * 100 + p.month()
    })
}

/// The columns of trends `t` of `frame`; the categories named by their ids in the table of
/// names when `name_ids` (one per category of the frame) is given.
fn frame_columns(
    frame: &Frame,
    t: &FrameTrends,
    name_ids: Option<&[u32]>,
) -> Result<FrameColumns, LifepathError> {
    let rows = &frame.rows()[t.rows.clone()];
    let n = rows.len();
    let (names, name_ids) = match name_ids {
        Some(ids) => (
            String::new(),
            t.categories.iter().map(|(c, _)| ids[*c]).collect(),
        ),
        None => {
            let names: Vec<&str> = t
                .categories
                .iter()
                .map(|(c, _)| frame.categories()[*c].as_str())
                .collect();
            (json(&names)?, Vec::new())
        }
    };
    // Every period of the rows is in `periods`, in order: a point's index is its row's.
    let row_index: Vec<u32> = (0..u32::try_from(n).unwrap_or(u32::MAX)).collect();
    let n_series = 4 + t.categories.len();
    let mut c = FrameColumns {
        from: period_number(t.window.from),
        to: period_number(t.window.to),
        months: u32::try_from(t.window.months_with_data).unwrap_or(u32::MAX),
        names,
        name_ids,
        periods: t.periods.iter().map(|p| period_number(Some(*p))).collect(),
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
    let mut c = frame_columns(&read.frame, &t, Some(&read.name_ids))?;
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
    let mut c = frame_columns(frame, t, None)?;
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
    lifepath_trends(
        c.from,
        c.to,
        c.months,
        &c.names,
        &c.name_ids,
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
