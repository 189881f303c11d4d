//! The points of trends: 200 categories over 360 months are 72,000 `{period, amount}`
//! objects, by far the largest result of the package. Everything else of a `Trends` crosses as
//! JSON text ([`crate::convert::output`]); the points cross as columns (amount texts with their
//! lengths, period indexes) that a small JavaScript loop builds into objects, which costs a
//! fraction of reading them from JSON text.

use std::fmt::Write as _;

use lifepath_core::analytics::{TrendPoint, Trends};
use lifepath_core::money::Money;
use lifepath_core::period::Period;
use wasm_bindgen::prelude::*;

use crate::convert::json;
use crate::error::LifepathError;

#[wasm_bindgen(inline_js = r#"
function build(skeleton, names, periods, texts, ids, counts, index) {
  const t = JSON.parse(skeleton);
  const cats = t.category_changes;
  const ns = JSON.parse(names);
  const ps = periods.split(',');
  let k = 0;
  for (let c = 0; c < ns.length; c++) {
    const n = counts[c];
    const values = [];
    if (ids === null) {
      for (let i = 0; i < n; i++, k++) values.push({ period: ps[index[k]], amount: texts[k] });
    } else {
      for (let i = 0; i < n; i++, k++) values.push({ period: ps[index[k]], amount: texts[ids[k]] });
    }
    cats[ns[c]].values = values;
  }
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
export function lifepath_trends_values(skeleton, names, periods, amounts, lengths, counts, index) {
  return build(skeleton, names, periods, split(amounts, lengths, []), null, counts, index);
}
export function lifepath_trends_cached(skeleton, names, periods, table, fresh, lengths, ids, counts, index) {
  return build(skeleton, names, periods, split(fresh, lengths, table), ids, counts, index);
}
"#)]
extern "C" {
    /// Builds the trends object: the JSON `skeleton` with every category's `values` empty,
    /// then each category's points from columns (names as a JSON array, one point count per
    /// category, the points' amounts one after the other with the length of each, and their
    /// periods as indexes into the comma-separated `periods`).
    fn lifepath_trends_values(
        skeleton: &str,
        names: &str,
        periods: &str,
        amounts: &str,
        lengths: &[u8],
        counts: &[u32],
        index: &[u32],
    ) -> JsValue;

    /// The same with the amounts as indexes into `table`, an array of the strings handed out
    /// so far, after appending the `fresh` ones (one after the other, with their lengths).
    #[allow(clippy::too_many_arguments)]
    fn lifepath_trends_cached(
        skeleton: &str,
        names: &str,
        periods: &str,
        table: &js_sys::Array,
        fresh: &str,
        lengths: &[u8],
        ids: &[u32],
        counts: &[u32],
        index: &[u32],
    ) -> JsValue;
}

/// Trends taken apart for [`trends_output`]: everything but the category points as JSON, and
/// the points as columns (their amounts are left in `points`, in order).
struct TrendColumns {
    skeleton: String,
    names: String,
    periods: String,
    counts: Vec<u32>,
    index: Vec<u32>,
    points: Vec<Vec<TrendPoint<Money>>>,
}

impl TrendColumns {
    fn amounts(&self) -> impl Iterator<Item = Money> + '_ {
        self.points.iter().flatten().map(|p| p.amount)
    }

    fn len(&self) -> usize {
        self.index.len()
    }
}

fn trend_columns(mut t: Trends) -> Result<TrendColumns, LifepathError> {
    let mut points: Vec<Vec<TrendPoint<Money>>> = Vec::with_capacity(t.category_changes.len());
    for series in t.category_changes.values_mut() {
        points.push(std::mem::take(&mut series.values));
    }
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    for p in points.iter().flatten() {
        first = first.min(p.period.index());
        last = last.max(p.period.index());
    }
    let total: usize = points.iter().map(Vec::len).sum();
    let mut index: Vec<u32> = Vec::with_capacity(total);
    let mut counts: Vec<u32> = Vec::with_capacity(points.len());
    for series in &points {
        index.extend(
            series
                .iter()
                .map(|p| u32::try_from(p.period.index() - first).unwrap_or(0)),
        );
        counts.push(u32::try_from(series.len()).unwrap_or(u32::MAX));
    }
    let mut periods = String::new();
    if first <= last {
        for k in first..=last {
            if k > first {
                periods.push(',');
            }
            let _ = write!(periods, "{}", Period::from_index(k));
        }
    }
    let names: Vec<&str> = t.category_changes.keys().map(String::as_str).collect();
    Ok(TrendColumns {
        names: json(&names)?,
        skeleton: json(&t)?,
        periods,
        counts,
        index,
        points,
    })
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

/// Writes trends as a plain object in the server's JSON shape, like
/// [`crate::convert::output`], with the points of the category series passed as columns and
/// built into objects by a loop in JavaScript.
pub fn trends_output(t: Trends) -> Result<JsValue, LifepathError> {
    let c = trend_columns(t)?;
    let mut texts = Texts::default();
    for a in c.amounts() {
        texts.push(a);
    }
    let (amounts, lengths) = texts.text()?;
    Ok(lifepath_trends_values(
        &c.skeleton,
        &c.names,
        &c.periods,
        &amounts,
        &lengths,
        &c.counts,
        &c.index,
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
    if cache.len + c.len() > MAX_STRINGS {
        cache.clear();
    }
    if cache.len == 0 {
        cache.reserve(c.len());
    }
    let mut fresh = Texts::default();
    // This call's keys and ids are written over the previous call's, in place; indexed writes,
    // as `push` would be a call per point at opt-level "z".
    let n = c.len();
    let (mut keys, mut ids) = (
        std::mem::take(&mut cache.last_keys),
        std::mem::take(&mut cache.last_ids),
    );
    keys.resize(n, [u64::MAX; 2]);
    ids.resize(n, EMPTY);
    let mut j = 0;
    for series in &c.points {
        for p in series {
            let key = AmountStrings::key(p.amount);
            if keys[j] != key || ids[j] == EMPTY {
                ids[j] = cache.id(key, p.amount, &mut fresh);
                keys[j] = key;
            }
            j += 1;
        }
    }
    let (fresh, lengths) = fresh.text()?;
    let out = lifepath_trends_cached(
        &c.skeleton,
        &c.names,
        &c.periods,
        &cache.table,
        &fresh,
        &lengths,
        &ids,
        &c.counts,
        &c.index,
    );
    cache.last_keys = keys;
    cache.last_ids = ids;
    Ok(out)
}
