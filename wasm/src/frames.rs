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

use crate::convert::list_index;
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
// the names from it (JSON), the number of categories of each snapshot, each category's name
// id, whether each snapshot is one seen before exactly as it is now (its strings compared one
// by one), the values of the amounts of those (NaN for the others), their savings rates (NaN:
// none), the amounts of the others as one UTF-8 text ("income,expenses,surplus,category…" of
// each in turn; bytes cross into WebAssembly in one copy) and every amount as the string it is
// (the results hand them back). Undefined when one of those is not a string (the caller then
// reads the snapshots whole).
export function lifepath_picked(value, picks, extra, rates, known) {
  if (LIST.length > MAX_NAMES || known > LIST.length) {
    NAMES = new Map();
    LIST = [];
    SEEN = new WeakMap();
    known = 0;
  }
  pending = [];
  let polluted = false;
  for (const _ in {}) polluted = true;
  const n = picks.length + (extra === undefined ? 0 : 1);
  const counts = new Uint32Array(n);
  const flags = new Uint8Array(n);
  const rateOf = new Float64Array(n);
  let nk = 0;
  let nv = 0;
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
    amounts.push(a, b, c);
    const e = SEEN.get(totals);
    let hit = e !== undefined && e.a === a && e.b === b && e.c === c && (!rates || e.rate !== undefined);
    if (hit) {
      // The same keys in the same order with the same strings: `for…in` walks the own keys
      // in `Object.keys` order when no prototype adds an enumerable one (checked above).
      if (polluted || Object.getPrototypeOf(totals) !== Object.prototype) {
        const ks = Object.keys(totals);
        hit = ks.length === e.keys.length;
        for (let j = 0; hit && j < ks.length; j++) hit = ks[j] === e.keys[j] && totals[ks[j]] === e.vals[j];
      } else {
        let j = 0;
        for (const k in totals) {
          if (k !== e.keys[j] || totals[k] !== e.vals[j]) {
            hit = false;
            break;
          }
          j++;
        }
        hit = hit && j === e.keys.length;
      }
    }
    if (hit) {
      const m = e.keys.length;
      counts[i] = m;
      room(nk + m, nv + 3 + m);
      flags[i] = 1;
      rateOf[i] = e.rate === null || e.rate === undefined ? NaN : e.rate;
      KEYS.set(e.ids, nk);
      nk += m;
      VALUES.set(e.values, nv);
      nv += e.values.length;
      for (let j = 0; j < m; j++) amounts.push(e.vals[j]);
      continue;
    }
    const ks = Object.keys(totals);
    counts[i] = ks.length;
    room(nk + ks.length, nv + 3 + ks.length);
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
      amounts.push(v);
      text.push(v);
    }
    pending.push({ totals, a, b, c, keys: ks, vals, ids });
  }
  return [known, known === LIST.length ? '' : JSON.stringify(LIST.slice(known)), counts, KEYS.subarray(0, nk), flags,
    VALUES.subarray(0, nv), rateOf, encoder.encode(text.join(',')), amounts];
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
}

thread_local! {
    /// The category names the JavaScript side has handed over, by id (see `lifepath_picked`).
    static NAMES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// What the analytics read of the snapshots at `picks` of a list (see `lifepath_picked`):
/// `None` when something is not as the package writes it (a value that is not a string, …):
/// the caller then reads them whole, for the exact error.
struct Picked {
    /// The id of the first of `names`.
    first: u32,
    /// Category names not handed over before.
    names: Vec<String>,
    /// How many categories each snapshot has.
    counts: Vec<u32>,
    /// The name id of each category amount.
    keys: Vec<u32>,
    /// 1 for a snapshot seen before exactly as it is (its values are in `values`).
    flags: Vec<u8>,
    /// The value of each amount of the snapshots seen before (NaN for the others).
    values: Vec<f64>,
    /// The savings rate of each snapshot seen before (NaN: none).
    rates: Vec<f64>,
    /// The amounts of the other snapshots, comma-separated (UTF-8): each one's income,
    /// expenses, surplus, categories.
    text: Vec<u8>,
    /// Every amount as the JavaScript string it is.
    amounts: js_sys::Array,
}

/// What the analytics read of the snapshots at `picks` of `value`, then of `extra`.
fn pick(value: &JsValue, picks: &[u32], extra: Option<&JsValue>, rates: bool) -> Option<Picked> {
    let known = NAMES.with(|n| u32::try_from(n.borrow().len()).unwrap_or(u32::MAX));
    let parts: js_sys::Array = lifepath_picked(value, picks, extra, rates, known)
        .dyn_into()
        .ok()?;
    let u32s = |k: u32| {
        parts
            .get(k)
            .unchecked_into::<js_sys::Uint32Array>()
            .to_vec()
    };
    let f64s = |k: u32| {
        parts
            .get(k)
            .unchecked_into::<js_sys::Float64Array>()
            .to_vec()
    };
    let u8s = |k: u32| parts.get(k).unchecked_into::<js_sys::Uint8Array>().to_vec();
    Some(Picked {
        first: u32::try_from(parts.get(0).as_f64()? as u64).ok()?,
        names: match parts.get(1).as_string()?.as_str() {
            "" => Vec::new(),
            json => serde_json::from_str(json).ok()?,
        },
        counts: u32s(2),
        keys: u32s(3),
        flags: u8s(4),
        values: f64s(5),
        rates: f64s(6),
        text: u8s(7),
        amounts: parts.get(8).dyn_into().ok()?,
    })
}

/// A frame read from a list of snapshot objects, and what its output needs.
pub struct Read<'a> {
    /// The rows: the snapshots read, in period order.
    pub frame: Frame,
    /// The amounts read, as JavaScript strings: an amount id is a place in it.
    pub amounts: &'a js_sys::Array,
    /// The ids whose text is not the amount's output text (`"7.5"` for `"7.50"`), with that
    /// text, by id: the output hands those out instead.
    pub fixes: Vec<(u32, String)>,
}

impl Read<'_> {
    /// The amount of an id (0 for one that is not an amount: never asked).
    pub fn money(&self, id: u32) -> Money {
        self.amounts
            .get(id)
            .as_string()
            .and_then(|t| t.parse().ok())
            .unwrap_or(Money::ZERO)
    }
}

/// The frame of the snapshots of `picked`, whose periods are `periods` (one per snapshot,
/// all different), with their savings rates when `rates`. `None` when an amount is not one.
/// Tells the JavaScript side what it read of the snapshots not seen before.
fn read_frame<'a>(picked: &'a Picked, periods: &[Period], rates: bool) -> Option<Read<'a>> {
    // Taken out for the call and put back at its end; a call that stops on the way leaves
    // the table empty, and the next one is handed every name again.
    let mut names = NAMES.with(|table| std::mem::take(&mut *table.borrow_mut()));
    if picked.first as usize != names.len() {
        // Started over on the JavaScript side (or out of step: start over here too).
        names.clear();
        if picked.first != 0 {
            return None;
        }
    }
    names.extend(picked.names.iter().cloned());
    // The names of this call in sorted order (a few hundred at most, each put in its place:
    // no sort of its own, which would add to the package's size), and the place of each id.
    let mut place = vec![usize::MAX; names.len()];
    let mut ids: Vec<u32> = Vec::new();
    for &k in &picked.keys {
        let p = place.get_mut(k as usize)?;
        if *p == usize::MAX {
            *p = 0;
            ids.push(k);
        }
    }
    // Mostly the ids come in the order of their names already (a history written by the
    // package or the server has its categories in order, the same in each snapshot).
    let in_order = ids
        .windows(2)
        .all(|w| names[w[0] as usize] < names[w[1] as usize]);
    let mut cats: Vec<String> = Vec::with_capacity(ids.len());
    if in_order {
        for (at, &k) in ids.iter().enumerate() {
            cats.push(names[k as usize].clone());
            place[k as usize] = at;
        }
    } else {
        for &k in &ids {
            let name = &names[k as usize];
            if let Err(at) = cats.binary_search(name) {
                cats.insert(at, name.clone());
            }
        }
        for &k in &ids {
            place[k as usize] = cats.binary_search(&names[k as usize]).ok()?;
        }
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
    let mut frame = Frame::new(cats, periods.len());
    frame.reserve_amounts(picked.values.len());
    let mut fixes = Vec::new();
    let mut texts = AmountReader::new(&picked.text);
    let mut keys = picked.keys.iter();
    let mut rows: Vec<Option<Row>> = vec![None; periods.len()];
    // What the JavaScript side keeps of the snapshots read from text.
    let (mut seen_values, mut seen_rates, mut seen_own) = (Vec::new(), Vec::new(), Vec::new());
    for (i, &count) in picked.counts.iter().enumerate() {
        let known = *picked.flags.get(i)? == 1;
        let mut own = true;
        let mut amount = |frame: &mut Frame| -> Option<(u32, &'a str)> {
            if known {
                let id = frame.amount_count();
                let value = *picked.values.get(id as usize)?;
                return Some((frame.amount(value), ""));
            }
            let (text, value, is_own) = texts.next_amount()?;
            let id = frame.amount(value);
            if !is_own {
                own = false;
                fixes.push((id, text.parse::<Money>().ok()?.to_string()));
            }
            seen_values.push(value);
            Some((id, text))
        };
        let (income, income_text) = amount(&mut frame)?;
        let (expenses, _) = amount(&mut frame)?;
        let (surplus, surplus_text) = amount(&mut frame)?;
        let row = *row_of.get(i)?;
        for _ in 0..count {
            let c = place[*keys.next()? as usize];
            let (id, _) = amount(&mut frame)?;
            frame.set(c, row, id);
        }
        // An exact decimal division: only when the call reads it.
        let savings_rate = match (rates, known) {
            (false, _) => None,
            (true, true) => Some(*picked.rates.get(i)?).filter(|r| !r.is_nan()),
            (true, false) => {
                Row::savings_rate(income_text.parse().ok()?, surplus_text.parse().ok()?)
            }
        };
        if !known {
            seen_rates.push(savings_rate.unwrap_or(f64::NAN));
            seen_own.push(u8::from(own));
        }
        rows[row] = Some(Row {
            period: *periods.get(i)?,
            totals: [income, expenses, surplus],
            savings_rate,
        });
    }
    // A comma inside an amount would have made more fields than amounts.
    if !texts.at_end() {
        return None;
    }
    for row in rows {
        frame.push_row(row?);
    }
    NAMES.with(|table| *table.borrow_mut() = names);
    lifepath_seen(&seen_values, &seen_rates, &seen_own, rates);
    Some(Read {
        frame,
        amounts: &picked.amounts,
        fixes,
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
    let Some((periods, currencies)) = list_index(value) else {
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
        Some(read) => on_frame(&read),
        // Its error, named by its place in the whole list.
        None => whole(),
    }
}
