//! The snapshots a call reads, read straight into a frame
//! ([`lifepath_core::analytics::frame`]): the analytics of the free functions run on the
//! amounts' values and hand the amounts back as the very JavaScript strings they were given,
//! without building snapshots and their category maps in WebAssembly or writing the amounts
//! out again.

use std::cell::RefCell;

use lifepath_core::analytics::frame::{Frame, Row};
use lifepath_core::analytics::reads::Entry;
use lifepath_core::money::{AmountReader, Money};
use lifepath_core::period::Period;
use wasm_bindgen::prelude::*;

use crate::convert::kept_list_index;
use crate::error::LifepathError;

#[wasm_bindgen(inline_js = r#"
const encoder = new TextEncoder();
// Kept between calls: every category name seen, with its id (WebAssembly holds the same list,
// or a prefix of it), and for each category-totals object what the last read of it found:
// its totals' and categories' strings, their values and savings rate as the core read them.
let NAMES = new Map();
let LIST = [];
let SEEN = new WeakMap();
let pending = [];
const NO_TEXT = new Uint8Array(0);
const MAX_NAMES = 65536;
// Reused between calls: the name ids and values handed over (views of them cross).
let KEYS = new Uint32Array(1024);
let VALUES = new Float64Array(1024);
function room(nk, nv) {
  if (nk > KEYS.length) {
    const k = new Uint32Array(2 * nk);
    k.set(KEYS);
    KEYS = k;
  }
  if (nv > VALUES.length) {
    const v = new Float64Array(2 * nv);
    v.set(VALUES);
    VALUES = v;
  }
}
// What the analytics read of the snapshots at `picks` (then of `extra`, when given), for
// WebAssembly, which holds the first `known` names: the id of the first name handed over and
// the names from it (JSON); in one array the number of categories of each snapshot, whether
// each is one seen before exactly as it is now (its strings compared one by one) and each
// category's name id; in another the savings rates of the snapshots seen before (NaN: none)
// and the values of their amounts (NaN for the others'); the amounts of the others as one
// UTF-8 text ("income,expenses,surplus,category…" of each in turn; bytes cross into
// WebAssembly in one copy) and every amount as the string it is (the results hand them back;
// with `extra`, only its amounts: an anomaly report names amounts of the examined month only).
// Undefined when one of those is not a string (the caller then reads the snapshots whole).
export function lifepath_picked(value, picks, extra, rates, known) {
  if (LIST.length > MAX_NAMES || known > LIST.length) {
    NAMES = new Map();
    LIST = [];
    SEEN = new WeakMap();
    known = 0;
  }
  pending = [];
  const n = picks.length + (extra === undefined ? 0 : 1);
  room(2 * n, n);
  let nk = 2 * n;
  let nv = n;
  const amounts = [];
  const text = [];
  for (let i = 0; i < n; i++) {
    const s = i < picks.length ? value[picks[i]] : extra;
    const totals = s.category_totals;
    if (totals === null || typeof totals !== 'object' || Array.isArray(totals)) return undefined;
    const a = s.total_income;
    const b = s.total_expenses;
    const c = s.surplus;
    if (typeof a !== 'string' || typeof b !== 'string' || typeof c !== 'string') return undefined;
    const out = extra === undefined || i === n - 1;
    if (out) amounts.push(a, b, c);
    const e = SEEN.get(totals);
    let hit = e !== undefined && e.a === a && e.b === b && e.c === c && (!rates || e.rate !== undefined);
    if (hit) {
      // The same keys in the same order with the same strings. Builtins, whose speed does
      // not depend on the shapes of the objects this code has seen; `Object.values` is the
      // fastest on an object of a few keys, a lookup per key on one of many (which V8 holds
      // as a hash table: there `Object.values` is several times slower).
      const ks = Object.keys(totals);
      const m = ks.length;
      hit = m === e.keys.length;
      for (let j = 0; hit && j < m; j++) hit = ks[j] === e.keys[j];
      if (hit && m <= 64) {
        const vs = Object.values(totals);
        hit = vs.length === m;
        for (let j = 0; hit && j < m; j++) hit = vs[j] === e.vals[j];
      } else {
        for (let j = 0; hit && j < m; j++) hit = totals[ks[j]] === e.vals[j];
      }
    }
    if (hit) {
      const m = e.keys.length;
      room(nk + m, nv + 3 + m);
      KEYS[i] = m;
      KEYS[n + i] = 1;
      VALUES[i] = e.rate === null || e.rate === undefined ? NaN : e.rate;
      KEYS.set(e.ids, nk);
      nk += m;
      VALUES.set(e.values, nv);
      nv += e.values.length;
      if (out) for (let j = 0; j < m; j++) amounts.push(e.vals[j]);
      continue;
    }
    const ks = Object.keys(totals);
    room(nk + ks.length, nv + 3 + ks.length);
    KEYS[i] = ks.length;
    KEYS[n + i] = 0;
    VALUES[i] = NaN;
    const vals = new Array(ks.length);
    const ids = new Uint32Array(ks.length);
    text.push(a, b, c);
    VALUES.fill(NaN, nv, nv + 3 + ks.length);
    nv += 3 + ks.length;
    for (let j = 0; j < ks.length; j++) {
      const k = ks[j];
      const v = totals[k];
      if (typeof v !== 'string') return undefined;
      let id = NAMES.get(k);
      if (id === undefined) {
        id = LIST.length;
        NAMES.set(k, id);
        LIST.push(k);
      }
      ids[j] = id;
      vals[j] = v;
      KEYS[nk++] = id;
      if (out) amounts.push(v);
      text.push(v);
    }
    pending.push({ totals, a, b, c, keys: ks, vals, ids });
  }
  return [known, known === LIST.length ? '' : JSON.stringify(LIST.slice(known)), KEYS.subarray(0, nk),
    VALUES.subarray(0, nv), text.length === 0 ? NO_TEXT : encoder.encode(text.join(',')), amounts];
}
// What WebAssembly read of the snapshots not seen before (`pending`, in order): the values of
// their amounts one after the other, their savings rates (NaN: none; not read when `rates` is
// false) and whether all of a snapshot's texts are their amounts' own output texts (only
// those are kept: the others' output texts differ from them).
export function lifepath_seen(values, rates, own, withRates) {
  let p = 0;
  for (let k = 0; k < pending.length; k++) {
    const e = pending[k];
    const m = 3 + e.keys.length;
    if (own[k] === 1) {
      const totals = e.totals;
      e.totals = undefined;
      e.values = values.slice(p, p + m);
      e.rate = withRates ? (Number.isNaN(rates[k]) ? null : rates[k]) : undefined;
      SEEN.set(totals, e);
    }
    p += m;
  }
  pending = [];
}
// The trends object, built here from columns (see `crate::points`). `stats`: 6 numbers per
// series (average, volatility, change_percent or NaN, slope, relative_change, trend);
// `counts`: points per series; `index`: each point's period, an index into `periods`; a
// period is year × 100 + month (0: none); the money points' amounts are `texts[ids[k]]`, the
// savings rates' are `rates`; the categories' names are `names` (JSON) or, when it is empty,
// the names of the ids `nameIds`. Series order: income, expenses, surplus, savings rate,
// categories.
const TRENDS = ['stable', 'increasing', 'decreasing'];
const label = (v) => {
  const m = v % 100;
  return `${(v - m) / 100}-${m < 10 ? '0' : ''}${m}`;
};
function build(from, to, months, names, nameIds, periods, stats, counts, index, texts, ids, rates) {
  const ps = Array.from(periods, label);
  let s = 0;
  let p = 0;
  let m = 0;
  let r = 0;
  const series = (money) => {
    const n = counts[s];
    const values = [];
    if (money) {
      for (let i = 0; i < n; i++) values.push({ period: ps[index[p++]], amount: texts[ids[m++]] });
    } else {
      for (let i = 0; i < n; i++) values.push({ period: ps[index[p++]], amount: rates[r++] });
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
    window: { from: from === 0 ? null : label(from), to: to === 0 ? null : label(to), months_with_data: months },
    income_trend: series(true),
    expense_trend: series(true),
    surplus_trend: series(true),
    savings_rate_trend: series(false),
    category_changes: {},
  };
  const ns = names === '' ? Array.from(nameIds, (k) => LIST[k]) : JSON.parse(names);
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
export function lifepath_trends(from, to, months, names, nameIds, periods, stats, counts, index, table, fresh, lengths, ids, rates) {
  return build(from, to, months, names, nameIds, periods, stats, counts, index, split(fresh, lengths, table), ids, rates);
}
"#)]
extern "C" {
    /// See [`pick`].
    fn lifepath_picked(
        value: &JsValue,
        picks: &[u32],
        extra: Option<&JsValue>,
        rates: bool,
        known: u32,
    ) -> JsValue;

    /// See [`read_frame`].
    fn lifepath_seen(values: &[f64], rates: &[f64], own: &[u8], with_rates: bool);

    /// Builds the trends object of `crate::points` (see the JavaScript above): the money
    /// amounts are indexes `ids` into `table`, an array of strings, after appending the
    /// `fresh` ones (one after the other, with their lengths) to it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn lifepath_trends(
        from: u32,
        to: u32,
        months: u32,
        names: &str,
        name_ids: &[u32],
        periods: &[u32],
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
    pub(crate) fn lifepath_texts(text: &str, lengths: &[u8]) -> js_sys::Array;
}

thread_local! {
    /// The category names the JavaScript side has handed over, by id (see `lifepath_picked`).
    static NAMES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    /// The ids of the categories of the last frame read, in their order, and their names.
    static CATEGORIES: RefCell<(Vec<u32>, Vec<String>)> =
        const { RefCell::new((Vec::new(), Vec::new())) };
}

/// What the analytics read of the snapshots at `picks` of a list (see `lifepath_picked`):
/// `None` when something is not as the package writes it (a value that is not a string, …):
/// the caller then reads them whole, for the exact error.
struct Picked {
    /// The id of the first of `names`.
    first: u32,
    /// Category names not handed over before.
    names: Vec<String>,
    /// How many snapshots were read.
    n: usize,
    /// How many categories each snapshot has (`n`), 1 for each that was seen before exactly
    /// as it is (`n`), then the name id of each category amount.
    u32s: Vec<u32>,
    /// The savings rate of each snapshot seen before (`n`; NaN: none), then the value of each
    /// amount of those (NaN for the others').
    f64s: Vec<f64>,
    /// The amounts of the other snapshots, comma-separated (UTF-8): each one's income,
    /// expenses, surplus, categories.
    text: Vec<u8>,
    /// Every amount as the JavaScript string it is; only the last snapshot's when `last`.
    amounts: js_sys::Array,
    /// Whether the last snapshot is an `extra` one.
    last: bool,
}

/// What the analytics read of the snapshots at `picks` of `value`, then of `extra`.
fn pick(value: &JsValue, picks: &[u32], extra: Option<&JsValue>, rates: bool) -> Option<Picked> {
    let known = NAMES.with(|n| u32::try_from(n.borrow().len()).unwrap_or(u32::MAX));
    let parts: js_sys::Array = lifepath_picked(value, picks, extra, rates, known)
        .dyn_into()
        .ok()?;
    Some(Picked {
        first: u32::try_from(parts.get(0).as_f64()? as u64).ok()?,
        names: match parts.get(1).as_string()?.as_str() {
            "" => Vec::new(),
            json => serde_json::from_str(json).ok()?,
        },
        n: picks.len() + usize::from(extra.is_some()),
        u32s: parts
            .get(2)
            .unchecked_into::<js_sys::Uint32Array>()
            .to_vec(),
        f64s: parts
            .get(3)
            .unchecked_into::<js_sys::Float64Array>()
            .to_vec(),
        text: parts.get(4).unchecked_into::<js_sys::Uint8Array>().to_vec(),
        amounts: parts.get(5).dyn_into().ok()?,
        last: extra.is_some(),
    })
}

/// A frame read from a list of snapshot objects, and what its output needs.
pub struct Read<'a> {
    /// The rows: the snapshots read, in period order.
    pub frame: Frame,
    /// The amounts read, as JavaScript strings: amount id `amounts_from + k` is at place `k`
    /// (when a call has an examined snapshot, only its amounts are there).
    pub amounts: &'a js_sys::Array,
    /// The id of the first of `amounts`.
    pub amounts_from: u32,
    /// The ids whose text is not the amount's output text (`"7.5"` for `"7.50"`), with that
    /// text, by id: the output hands those out instead.
    pub fixes: Vec<(u32, String)>,
    /// The id of each category of the frame in the table of names.
    pub name_ids: Vec<u32>,
}

impl Read<'_> {
    /// The amount of an id (0 for one that is not an amount: never asked).
    pub fn money(&self, id: u32) -> Money {
        self.amounts
            .get(id.wrapping_sub(self.amounts_from))
            .as_string()
            .and_then(|t| t.parse().ok())
            .unwrap_or(Money::ZERO)
    }
}

/// The names of the ids `ids` (all different, of different names) in sorted order, and their
/// ids in that order (with the core's one sort: the package has a size budget).
fn sorted_names(names: &[String], ids: &[u32]) -> (Vec<u32>, Vec<String>) {
    let name = |i: usize| &names[ids[i] as usize];
    let mut order: Vec<usize> = (0..ids.len()).collect();
    lifepath_core::sort::sort_positions(&mut order, &|a, b| name(a).cmp(name(b)));
    (
        order.iter().map(|&i| ids[i]).collect(),
        order.iter().map(|&i| name(i).clone()).collect(),
    )
}

/// The frame of the snapshots of `picked`, whose periods are `periods` (one per snapshot,
/// all different), with their savings rates when `rates`. `None` when an amount is not one.
/// Tells the JavaScript side what it read of the snapshots not seen before.
fn read_frame<'a>(picked: &'a Picked, periods: &[Period], rates: bool) -> Option<Read<'a>> {
    // Taken out for the call and put back at its end; a call that stops on the way leaves
    // the table empty, and the next one is handed every name again.
    let mut names = NAMES.with(|table| std::mem::take(&mut *table.borrow_mut()));
    if picked.first == 0 || picked.first as usize != names.len() {
        // Every name handed over (the first call, or the JavaScript side started over), or
        // out of step: start over here too; ids may now stand for other names.
        names.clear();
        CATEGORIES.with(|k| *k.borrow_mut() = Default::default());
        if picked.first != 0 {
            return None;
        }
    }
    names.extend(picked.names.iter().cloned());
    let (counts, rest) = picked.u32s.split_at_checked(picked.n)?;
    let (flags, keys) = rest.split_at_checked(picked.n)?;
    let (saved_rates, values) = picked.f64s.split_at_checked(picked.n)?;
    // The ids of the names of this call, each once.
    let mut seen = vec![false; names.len()];
    let mut ids: Vec<u32> = Vec::new();
    for &k in keys {
        let s = seen.get_mut(k as usize)?;
        if !*s {
            *s = true;
            ids.push(k);
        }
    }
    // In sorted order, with the names: those of the last call when they are the same (an
    // app asks again and again about one history).
    let (kept_ids, kept) = CATEGORIES.with(|k| std::mem::take(&mut *k.borrow_mut()));
    let (ids, cats) = if kept_ids.len() == ids.len()
        && kept_ids
            .iter()
            .all(|&k| seen.get(k as usize) == Some(&true))
    {
        (kept_ids, kept)
    } else {
        sorted_names(&names, &ids)
    };
    let mut place = vec![0; names.len()];
    for (at, &k) in ids.iter().enumerate() {
        place[k as usize] = at;
    }
    // Row of each snapshot: its place in period order (the periods are all different).
    let mut order: Vec<usize> = Vec::with_capacity(periods.len());
    for (i, p) in periods.iter().enumerate() {
        let at = order.partition_point(|&j| periods[j] < *p);
        order.insert(at, i);
    }
    let mut row_of = vec![0; periods.len()];
    for (r, &i) in order.iter().enumerate() {
        row_of[i] = r;
    }
    // The amounts' ids are their places in `values`: those of a snapshot seen before are
    // there already, the others are read from text and put in.
    let mut frame = Frame::new(cats, periods.len());
    frame.set_values(values.to_vec());
    let mut fixes = Vec::new();
    let mut texts = AmountReader::new(&picked.text);
    let (mut id, mut at, mut amounts_from) = (0u32, 0usize, 0u32);
    let mut rows: Vec<Option<Row>> = vec![None; periods.len()];
    // What the JavaScript side keeps of the snapshots read from text.
    let (mut seen_values, mut seen_rates, mut seen_own) = (Vec::new(), Vec::new(), Vec::new());
    for (i, &count) in counts.iter().enumerate() {
        let row = *row_of.get(i)?;
        let first = id;
        if picked.last {
            amounts_from = first;
        }
        for (k, &name) in (first + 3..).zip(keys.get(at..at + count as usize)?) {
            frame.set(*place.get(name as usize)?, row, k);
        }
        at += count as usize;
        id = first + 3 + count;
        let savings_rate = if *flags.get(i)? == 1 {
            Some(*saved_rates.get(i)?).filter(|r| rates && !r.is_nan())
        } else {
            let mut own = true;
            let mut income_surplus = [Money::ZERO; 2];
            for k in first..id {
                let (text, value, is_own) = texts.next_amount()?;
                frame.set_value(k, value);
                if !is_own {
                    own = false;
                    fixes.push((k, text.parse::<Money>().ok()?.to_string()));
                }
                if rates && (k == first || k == first + 2) {
                    income_surplus[usize::from(k != first)] = text.parse().ok()?;
                }
                seen_values.push(value);
            }
            // An exact decimal division: only when the call reads it.
            let rate = rates
                .then(|| Row::savings_rate(income_surplus[0], income_surplus[1]))
                .flatten();
            seen_rates.push(rate.unwrap_or(f64::NAN));
            seen_own.push(u8::from(own));
            rate
        };
        rows[row] = Some(Row {
            period: *periods.get(i)?,
            totals: [first, first + 1, first + 2],
            savings_rate,
        });
    }
    // Every amount has its value.
    if id as usize != values.len() {
        return None;
    }
    // A comma inside an amount would have made more fields than amounts.
    if !texts.at_end() {
        return None;
    }
    for row in rows {
        frame.push_row(row?);
    }
    NAMES.with(|table| *table.borrow_mut() = names);
    if !seen_own.is_empty() {
        lifepath_seen(&seen_values, &seen_rates, &seen_own, rates);
    }
    Some(Read {
        frame,
        amounts: &picked.amounts,
        amounts_from,
        fixes,
        name_ids: ids,
    })
}

/// Runs `on_frame` on the snapshots of a list that a call reads (`reads`, one of
/// [`lifepath_core::analytics::reads`]), then `extra` (a snapshot object and its period,
/// after all of theirs), as a frame: first the period and currency of each (the list's own
/// errors: two snapshots of a month, mixed currencies), then only the snapshots `reads`
/// names; the savings rates when `rates` (trends read them, anomalies do not). A call's cost
/// grows with its window, not with the history. A snapshot that is not
/// read is not validated either. When they are not as the package writes them (amounts as
/// numbers, a field of the wrong type), `whole` is called instead, to read and validate the
/// whole list: a fault in a snapshot read is reported by its path in the whole list.
///
/// One copy for every caller (`dyn`): the package has a size budget.
pub fn with_read_frame(
    value: &JsValue,
    reads: &dyn Fn(&[Entry<'_>]) -> lifepath_core::Result<Vec<usize>>,
    extra: Option<(&JsValue, Period)>,
    rates: bool,
    on_frame: &dyn Fn(&Read<'_>) -> Result<JsValue, LifepathError>,
    whole: &dyn Fn() -> Result<JsValue, LifepathError>,
) -> Result<JsValue, LifepathError> {
    let Some((periods, currencies)) = kept_list_index(value) else {
        return whole();
    };
    let entries: Vec<Entry<'_>> = periods.into_iter().zip(currencies.split('\n')).collect();
    let at = reads(&entries)?;
    let picks: Vec<u32> = at.iter().filter_map(|&i| u32::try_from(i).ok()).collect();
    // What validation would check of the fields read: the periods are valid (they were read
    // as such), the amounts are decimals (read); the currency is left, one for all of them
    // (mixed currencies are an error of `reads`).
    let currency_ok = at
        .first()
        .is_none_or(|&i| lifepath_core::validate::is_currency(entries[i].1));
    let mut periods: Vec<Period> = at.iter().map(|&i| entries[i].0).collect();
    periods.extend(extra.map(|e| e.1));
    let picked = pick(value, &picks, extra.map(|e| e.0), rates)
        .filter(|_| currency_ok && picks.len() == at.len());
    match picked.as_ref().and_then(|p| read_frame(p, &periods, rates)) {
        Some(read) => {
            let out = on_frame(&read);
            CATEGORIES.with(|k| *k.borrow_mut() = (read.name_ids, read.frame.into_categories()));
            out
        }
        // Its error, named by its place in the whole list.
        None => whole(),
    }
}
