//! The trends object, built in JavaScript from columns. Trends are by far the largest result
//! of the package (200 categories over 360 months are 72,000 `{period, amount}` points), and
//! building them from numbers and strings handed over in a few typed arrays costs a fraction
//! of writing JSON text in WebAssembly and parsing it in JavaScript. The object is the
//! server's JSON shape exactly, key order included; the package tests compare it with the
//! core's serde JSON.

use std::fmt::Write as _;

use lifepath_core::analytics::{SeriesTrend, TrendDirection, Trends};
use lifepath_core::money::Money;
use lifepath_core::period::Period;
use wasm_bindgen::prelude::*;

use crate::convert::json;
use crate::error::LifepathError;

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
export function lifepath_trends(from, to, months, names, periods, stats, counts, index, amounts, lengths, rates) {
  return build(from, to, months, names, periods, stats, counts, index, split(amounts, lengths, []), null, rates);
}
export function lifepath_trends_cached(from, to, months, names, periods, stats, counts, index, table, fresh, lengths, ids, rates) {
  return build(from, to, months, names, periods, stats, counts, index, split(fresh, lengths, table), ids, rates);
}
"#)]
extern "C" {
    /// Builds the trends object (see the JavaScript above): the money amounts one after the
    /// other in `amounts`, with the length of each.
    #[allow(clippy::too_many_arguments)]
    fn lifepath_trends(
        from: Option<String>,
        to: Option<String>,
        months: u32,
        names: &str,
        periods: &str,
        stats: &[f64],
        counts: &[u32],
        index: &[u32],
        amounts: &str,
        lengths: &[u8],
        rates: &[f64],
    ) -> JsValue;

    /// The same with the money amounts as indexes `ids` into `table`, an array of the strings
    /// handed out so far, after appending the `fresh` ones (one after the other, with their
    /// lengths).
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
}

/// Trends taken apart into columns: everything but the money amounts, which are left in
/// `money` (in order: income, expenses, surplus, then every category).
struct TrendColumns {
    from: Option<String>,
    to: Option<String>,
    months: u32,
    names: String,
    periods: String,
    stats: Vec<f64>,
    counts: Vec<u32>,
    index: Vec<u32>,
    money: Vec<Money>,
    rates: Vec<f64>,
}

impl TrendColumns {
    /// Adds one series: its points' periods, its statistics and, for money, its amounts.
    fn add<A: Copy + IntoColumn>(&mut self, s: &SeriesTrend<A>, first: i64) {
        for p in &s.values {
            self.index
                .push(u32::try_from(p.period.index() - first).unwrap_or(0));
            p.amount.into_column(self);
        }
        self.counts
            .push(u32::try_from(s.values.len()).unwrap_or(u32::MAX));
        let trend = match s.trend {
            TrendDirection::Stable => 0.0,
            TrendDirection::Increasing => 1.0,
            TrendDirection::Decreasing => 2.0,
        };
        self.stats.extend_from_slice(&[
            s.average,
            s.volatility,
            s.change_percent.unwrap_or(f64::NAN),
            s.slope,
            s.relative_change,
            trend,
        ]);
    }
}

/// Where a point's amount goes: money to `money`, a savings rate to `rates`.
trait IntoColumn {
    fn into_column(self, c: &mut TrendColumns);
}

impl IntoColumn for Money {
    fn into_column(self, c: &mut TrendColumns) {
        c.money.push(self);
    }
}

impl IntoColumn for f64 {
    fn into_column(self, c: &mut TrendColumns) {
        c.rates.push(self);
    }
}

fn trend_columns(t: Trends) -> Result<TrendColumns, LifepathError> {
    let money_series: Vec<&SeriesTrend<Money>> =
        [&t.income_trend, &t.expense_trend, &t.surplus_trend]
            .into_iter()
            .chain(t.category_changes.values())
            .collect();
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    let periods_of = money_series
        .iter()
        .flat_map(|s| s.values.iter().map(|p| p.period))
        .chain(t.savings_rate_trend.values.iter().map(|p| p.period));
    for p in periods_of {
        first = first.min(p.index());
        last = last.max(p.index());
    }
    let n_series = money_series.len() + 1;
    let total: usize = money_series.iter().map(|s| s.values.len()).sum();
    let mut c = TrendColumns {
        from: t.window.from.map(|p| p.to_string()),
        to: t.window.to.map(|p| p.to_string()),
        months: u32::try_from(t.window.months_with_data).unwrap_or(u32::MAX),
        names: json(&t.category_changes.keys().collect::<Vec<_>>())?,
        periods: String::new(),
        stats: Vec::with_capacity(6 * n_series),
        counts: Vec::with_capacity(n_series),
        index: Vec::with_capacity(total + t.savings_rate_trend.values.len()),
        money: Vec::with_capacity(total),
        rates: Vec::with_capacity(t.savings_rate_trend.values.len()),
    };
    if first <= last {
        for k in first..=last {
            if k > first {
                c.periods.push(',');
            }
            let _ = write!(c.periods, "{}", Period::from_index(k));
        }
    }
    // Series order of the JavaScript: income, expenses, surplus, savings rate, categories.
    for s in &money_series[..3] {
        c.add(s, first);
    }
    c.add(&t.savings_rate_trend, first);
    for s in &money_series[3..] {
        c.add(s, first);
    }
    Ok(c)
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

    fn text(self) -> Result<(String, Vec<u8>), LifepathError> {
        let text = String::from_utf8(self.text)
            .map_err(|_| LifepathError::internal("could not convert the result: amounts"))?;
        Ok((text, self.lengths))
    }
}

/// Writes trends as a plain object in the server's JSON shape, built in JavaScript from
/// columns.
pub fn trends_output(t: Trends) -> Result<JsValue, LifepathError> {
    let c = trend_columns(t)?;
    let mut texts = Texts::default();
    for a in &c.money {
        texts.push(*a);
    }
    let (amounts, lengths) = texts.text()?;
    Ok(lifepath_trends(
        c.from, c.to, c.months, &c.names, &c.periods, &c.stats, &c.counts, &c.index, &amounts,
        &lengths, &c.rates,
    ))
}

/// The money strings one `SnapshotHistory` has handed to JavaScript, by exact decimal value,
/// so that later calls hand out the same (immutable) strings instead of writing and
/// allocating tens of thousands of new ones: an app that recomputes its charts after every
/// edit asks for mostly the same amounts again. A plain open-addressing table (the standard
/// `HashMap` would cost the package more size than the whole cache).
pub struct AmountStrings {
    /// `(key, id)`; `id == EMPTY` marks a free slot. The length is a power of two. The key is
    /// the decimal's parts in two `u64` (24-byte slots; a `u128` would align them to 32).
    slots: Vec<([u64; 2], u32)>,
    len: usize,
    table: js_sys::Array,
    /// The keys and ids of every point of the previous call, in order. A repeated call asks
    /// for the same amounts in the same places, and reading these columns front to back costs
    /// far less than probing the table (6 MB at 72,000 strings) at random.
    last_keys: Vec<[u64; 2]>,
    last_ids: Vec<u32>,
}

const EMPTY: u32 = u32::MAX;
/// Past this many strings the cache starts over: at most about 3 MB of JavaScript strings and
/// 6 MB of slots, room for the 72,000 points of 360 months × 200 categories and their edits.
const MAX_STRINGS: usize = 1 << 17;

impl Default for AmountStrings {
    fn default() -> Self {
        AmountStrings {
            slots: vec![([0, 0], EMPTY); 1024],
            len: 0,
            table: js_sys::Array::new(),
            last_keys: Vec::new(),
            last_ids: Vec::new(),
        }
    }
}

impl AmountStrings {
    // `inline(always)`: this crate is built for size (opt-level "z"), which would leave these
    // as calls in the loop over 72,000 points.
    #[inline(always)]
    fn slot(&self, key: [u64; 2]) -> usize {
        let h = (key[0] ^ key[1] ^ (key[1] >> 32)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let bits = self.slots.len().trailing_zeros();
        (h >> (64 - bits)) as usize
    }

    /// The key of `amount`: the decimal's parts (96-bit mantissa, scale and sign), so equal
    /// keys mean equal representations and therefore equal texts.
    #[inline(always)]
    fn key(amount: Money) -> [u64; 2] {
        let d = amount.as_decimal().unpack();
        [
            (u64::from(d.mid) << 32) | u64::from(d.lo),
            (u64::from(d.hi) << 32) | (u64::from(d.scale) << 1) | u64::from(d.negative),
        ]
    }

    /// The id of the string of `amount` (whose key is `key`), adding its text to `fresh` when
    /// it is new.
    #[inline(always)]
    fn id(&mut self, key: [u64; 2], amount: Money, fresh: &mut Texts) -> u32 {
        let mask = self.slots.len() - 1;
        let mut i = self.slot(key);
        // A slice: its indexing is built in, where the `Vec`'s goes through a call at "z".
        let slots: &[([u64; 2], u32)] = &self.slots;
        loop {
            let (k, id) = slots[i];
            if id == EMPTY {
                break;
            }
            if k == key {
                return id;
            }
            i = (i + 1) & mask;
        }
        let id = u32::try_from(self.len).unwrap_or(EMPTY - 1);
        self.slots[i] = (key, id);
        self.len += 1;
        fresh.push(amount);
        if self.len * 2 > self.slots.len() {
            self.grow();
        }
        id
    }

    /// Makes room for `more` strings without growing on the way.
    fn reserve(&mut self, more: usize) {
        let want = ((self.len + more) * 2).next_power_of_two();
        if want > self.slots.len() {
            self.resize(want);
        }
    }

    fn grow(&mut self) {
        self.resize(self.slots.len() * 2);
    }

    fn resize(&mut self, size: usize) {
        let old = std::mem::replace(&mut self.slots, vec![([0, 0], EMPTY); size]);
        let mask = self.slots.len() - 1;
        for (key, id) in old.into_iter().filter(|s| s.1 != EMPTY) {
            let mut i = self.slot(key);
            while self.slots[i].1 != EMPTY {
                i = (i + 1) & mask;
            }
            self.slots[i] = (key, id);
        }
    }

    fn clear(&mut self) {
        *self = AmountStrings::default();
    }
}

/// [`trends_output`] with the money strings of `cache`.
pub fn trends_output_cached(
    t: Trends,
    cache: &mut AmountStrings,
) -> Result<JsValue, LifepathError> {
    let c = trend_columns(t)?;
    let n = c.money.len();
    if cache.len + n > MAX_STRINGS {
        cache.clear();
    }
    if cache.len == 0 {
        cache.reserve(n);
    }
    let mut fresh = Texts::default();
    // This call's keys and ids are written over the previous call's, in place; indexed writes,
    // as `push` would be a call per point at opt-level "z".
    let (mut keys, mut ids) = (
        std::mem::take(&mut cache.last_keys),
        std::mem::take(&mut cache.last_ids),
    );
    keys.resize(n, [u64::MAX; 2]);
    ids.resize(n, EMPTY);
    for (j, amount) in c.money.iter().enumerate() {
        let key = AmountStrings::key(*amount);
        if keys[j] != key || ids[j] == EMPTY {
            ids[j] = cache.id(key, *amount, &mut fresh);
            keys[j] = key;
        }
    }
    let (fresh, lengths) = fresh.text()?;
    let out = lifepath_trends_cached(
        c.from,
        c.to,
        c.months,
        &c.names,
        &c.periods,
        &c.stats,
        &c.counts,
        &c.index,
        &cache.table,
        &fresh,
        &lengths,
        &ids,
        &c.rates,
    );
    cache.last_keys = keys;
    cache.last_ids = ids;
    Ok(out)
}
