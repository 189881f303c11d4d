//! The snapshots a call reads, read straight into a frame
//! ([`lifepath_core::analytics::frame`]): the analytics of the free functions run on the
//! amounts' values and hand the amounts back as the very JavaScript strings they were given,
//! without building snapshots and their category maps in WebAssembly or writing the amounts
//! out again.

use lifepath_core::analytics::frame::{Frame, Row};
use lifepath_core::analytics::reads::Entry;
use lifepath_core::money::{AmountReader, Money};
use lifepath_core::period::Period;
use wasm_bindgen::prelude::*;

use crate::convert::list_index;
use crate::error::LifepathError;

#[wasm_bindgen(inline_js = r#"
const encoder = new TextEncoder();
// What the analytics read of the snapshots at `picks` (then of `extra`, when given): the
// category names (JSON), the number of categories of each snapshot, each category's name (an
// index into the names), the amounts as one UTF-8 text ("income,expenses,surplus,category…"
// of each snapshot in turn; bytes cross into WebAssembly in one copy) and the same amounts as
// the strings they are (the results hand them back). Undefined when one of those is not a
// string (the caller then reads the snapshots whole).
export function lifepath_picked(value, picks, extra) {
  const ids = new Map();
  const names = [];
  const n = picks.length + (extra === undefined ? 0 : 1);
  const counts = new Uint32Array(n);
  const keys = [];
  const amounts = [];
  for (let i = 0; i < n; i++) {
    const s = i < picks.length ? value[picks[i]] : extra;
    const totals = s.category_totals;
    if (totals === null || typeof totals !== 'object' || Array.isArray(totals)) return undefined;
    const a = s.total_income;
    const b = s.total_expenses;
    const c = s.surplus;
    if (typeof a !== 'string' || typeof b !== 'string' || typeof c !== 'string') return undefined;
    amounts.push(a, b, c);
    let m = 0;
    for (const k of Object.keys(totals)) {
      const v = totals[k];
      if (typeof v !== 'string') return undefined;
      let id = ids.get(k);
      if (id === undefined) {
        id = names.length;
        ids.set(k, id);
        names.push(k);
      }
      keys.push(id);
      amounts.push(v);
      m++;
    }
    counts[i] = m;
  }
  return [JSON.stringify(names), counts, new Uint32Array(keys), encoder.encode(amounts.join(',')), amounts];
}
"#)]
extern "C" {
    /// See [`pick`].
    fn lifepath_picked(value: &JsValue, picks: &[u32], extra: Option<&JsValue>) -> JsValue;
}

/// What the analytics read of the snapshots at `picks` of a list (see `lifepath_picked`):
/// `None` when something is not as the package writes it (a value that is not a string, …):
/// the caller then reads them whole, for the exact error.
struct Picked {
    /// The category names, in the order first seen.
    names: Vec<String>,
    /// How many categories each snapshot has.
    counts: Vec<u32>,
    /// The name (an index into `names`) of each category amount.
    keys: Vec<u32>,
    /// Every amount, comma-separated (UTF-8): each snapshot's income, expenses, surplus,
    /// categories.
    text: Vec<u8>,
    /// The same amounts as the JavaScript strings they are.
    amounts: js_sys::Array,
}

/// What the analytics read of the snapshots at `picks` of `value`, then of `extra`.
fn pick(value: &JsValue, picks: &[u32], extra: Option<&JsValue>) -> Option<Picked> {
    let parts: js_sys::Array = lifepath_picked(value, picks, extra).dyn_into().ok()?;
    Some(Picked {
        names: serde_json::from_str(&parts.get(0).as_string()?).ok()?,
        counts: parts
            .get(1)
            .unchecked_into::<js_sys::Uint32Array>()
            .to_vec(),
        keys: parts
            .get(2)
            .unchecked_into::<js_sys::Uint32Array>()
            .to_vec(),
        text: parts.get(3).unchecked_into::<js_sys::Uint8Array>().to_vec(),
        amounts: parts.get(4).dyn_into().ok()?,
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
    /// The texts of the last snapshot read's amounts, by id from `last_from`.
    last: Vec<&'a str>,
    last_from: u32,
}

impl Read<'_> {
    /// The amount of an id of the last snapshot read (the extra one: the anomalies ask for the
    /// amounts of the snapshot examined only); 0 for another id.
    pub fn money(&self, id: u32) -> Money {
        id.checked_sub(self.last_from)
            .and_then(|k| self.last.get(k as usize))
            .and_then(|t| t.parse().ok())
            .unwrap_or(Money::ZERO)
    }
}

/// The frame of the snapshots of `picked`, whose periods are `periods` (one per snapshot,
/// all different), with their savings rates when `rates`. `None` when an amount is not one.
fn read_frame<'a>(picked: &'a Picked, periods: &[Period], rates: bool) -> Option<Read<'a>> {
    // The names in sorted order: a history written by the package or the server has its
    // categories in order already, and the same in each snapshot. Otherwise each is put in
    // its place (a few hundred names at most; no sort of its own, which would add to the
    // package's size).
    let sorted = picked.names.is_sorted_by(|a, b| a < b);
    let (cats, rank): (Vec<String>, Vec<usize>) = if sorted {
        (picked.names.clone(), (0..picked.names.len()).collect())
    } else {
        let mut cats: Vec<String> = Vec::with_capacity(picked.names.len());
        for n in &picked.names {
            if let Err(at) = cats.binary_search(n) {
                cats.insert(at, n.clone());
            }
        }
        let rank = picked
            .names
            .iter()
            .map(|n| cats.binary_search(n).ok())
            .collect::<Option<_>>()?;
        (cats, rank)
    };
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
    frame.reserve_amounts(3 * periods.len() + picked.keys.len());
    let mut fixes = Vec::new();
    let mut texts = AmountReader::new(&picked.text);
    let mut keys = picked.keys.iter();
    let mut rows: Vec<Option<Row>> = vec![None; periods.len()];
    let mut last = Vec::new();
    let mut last_from = 0;
    let n = picked.counts.len();
    for (i, &count) in picked.counts.iter().enumerate() {
        let is_last = i + 1 == n;
        if is_last {
            last_from = frame.amount_count();
        }
        let mut amount = |frame: &mut Frame| -> Option<(u32, &'a str)> {
            let (text, value, own) = texts.next_amount()?;
            let id = frame.amount(value);
            if !own {
                fixes.push((id, text.parse::<Money>().ok()?.to_string()));
            }
            if is_last {
                last.push(text);
            }
            Some((id, text))
        };
        let (income, income_text) = amount(&mut frame)?;
        let (expenses, _) = amount(&mut frame)?;
        let (surplus, surplus_text) = amount(&mut frame)?;
        // An exact decimal division: only when the call reads it.
        let savings_rate = if rates {
            Row::savings_rate(income_text.parse().ok()?, surplus_text.parse().ok()?)
        } else {
            None
        };
        let row = *row_of.get(i)?;
        for _ in 0..count {
            let c = *rank.get(*keys.next()? as usize)?;
            let (id, _) = amount(&mut frame)?;
            frame.set(c, row, id);
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
    Some(Read {
        frame,
        amounts: &picked.amounts,
        fixes,
        last,
        last_from,
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
    let picked =
        pick(value, &picks, extra.map(|e| e.0)).filter(|_| currency_ok && picks.len() == at.len());
    match picked.as_ref().and_then(|p| read_frame(p, &periods, rates)) {
        Some(read) => on_frame(&read),
        // Its error, named by its place in the whole list.
        None => whole(),
    }
}
