//! JavaScript values in and out.
//!
//! In: an argument is turned into JSON text by the engine's own `JSON.stringify` and read by
//! the core's [`from_json`], so a wrong type reports its field path exactly as the server
//! does (`snapshots[3].period_month: invalid type: string "x", expected i32`); then the
//! record is checked with the core's [`Validate`] rules. Paths are placed under the argument's
//! name (`snapshots[3]…`, `goal.target_amount`).
//!
//! Out: values are written as the core's JSON text and read by `JSON.parse` into plain objects
//! (maps become objects, `None` becomes `null`), the server's JSON shape exactly; the many
//! points of trends are passed as columns ([`crate::points`]).

use chrono::{DateTime, NaiveDate, Utc};
use lifepath_core::models::BudgetSnapshot;
#[cfg(any(feature = "main", feature = "actuals"))]
use lifepath_core::period::Period;
use lifepath_core::validate::{Validate, Validator, from_json, index};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

use crate::error::LifepathError;

#[wasm_bindgen(inline_js = r#"
const encoder = new TextEncoder();
export function lifepath_json_bytes(value) {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : encoder.encode(text);
}
// The period and currency of every snapshot of a list, without reading the rest: undefined
// when the list is not an array of objects with integer periods and string currencies (the
// caller then reads all of it, for its exact error). When `keep`, what was read is kept with
// the list, under a number; WebAssembly keeps it too, under `gen`: a list whose snapshots
// have the same periods and currencies as when it was read under `gen` answers `gen` alone.
const LISTS = new WeakMap();
let GEN = 0;
export function lifepath_list_index(value, gen, keep) {
  if (!Array.isArray(value)) return undefined;
  const n = value.length;
  const e = keep ? LISTS.get(value) : undefined;
  if (e !== undefined && e.gen === gen && e.cur.length === n) {
    let i = 0;
    for (; i < n; i++) {
      const s = value[i];
      if (s === null || typeof s !== 'object' || s.period_year !== e.ym[2 * i] || s.period_month !== e.ym[2 * i + 1] || s.currency !== e.cur[i]) break;
    }
    if (i === n) return gen;
  }
  const periods = new Int32Array(2 * n);
  const currencies = new Array(n);
  for (let i = 0; i < n; i++) {
    const s = value[i];
    if (s === null || typeof s !== 'object') return undefined;
    const y = s.period_year;
    const m = s.period_month;
    const c = s.currency;
    if (!Number.isInteger(y) || !Number.isInteger(m) || Math.abs(y) > 1e6 || Math.abs(m) > 1e6) return undefined;
    if (typeof c !== 'string' || c.includes('\n')) return undefined;
    periods[2 * i] = y;
    periods[2 * i + 1] = m;
    currencies[i] = c;
  }
  if (keep) LISTS.set(value, { gen: ++GEN, ym: periods, cur: currencies });
  return [periods, currencies.join('\n'), keep ? GEN : 0];
}
export function lifepath_without_budget_model(value) {
  const strip = (s) =>
    s !== null && typeof s === 'object' && !Array.isArray(s) ? { ...s, budget_model: {} } : s;
  return Array.isArray(value) ? value.map(strip) : strip(value);
}
"#)]
extern "C" {
    /// `JSON.stringify(value)` as UTF-8 bytes (`None` for `undefined`, a function or a symbol).
    /// Bytes cross into WebAssembly as one copy, where a string crosses character by
    /// character: 12 ms against 1 ms for the 1.5 MB of a 360-month history.
    #[wasm_bindgen(catch)]
    fn lifepath_json_bytes(value: &JsValue) -> Result<Option<Vec<u8>>, JsValue>;

    /// See [`list_index`].
    fn lifepath_list_index(value: &JsValue, kept: u32, keep: bool) -> JsValue;

    /// See [`without_budget_model`].
    fn lifepath_without_budget_model(value: &JsValue) -> JsValue;
}

/// The JSON text of a JavaScript value (`undefined` reads as `null`).
fn json_text(value: &JsValue, name: &str) -> Result<String, LifepathError> {
    if value.is_undefined() {
        return Ok("null".to_owned());
    }
    let bytes = lifepath_json_bytes(value).map_err(|e| not_json(e, name))?;
    text(bytes, name)
}

fn not_json(e: JsValue, name: &str) -> LifepathError {
    let why = js_sys::Error::from(e).message();
    LifepathError::invalid(name, format!("is not plain JSON data: {why}"))
}

fn text(bytes: Option<Vec<u8>>, name: &str) -> Result<String, LifepathError> {
    match bytes {
        // `JSON.stringify` of a function or symbol is `undefined`.
        None => Ok("null".to_owned()),
        Some(bytes) => String::from_utf8(bytes)
            .map_err(|_| LifepathError::invalid(name, "is not valid UTF-8 text")),
    }
}

/// Reads argument `name` into a core type; type errors name the field under `name`.
pub fn arg<T: DeserializeOwned>(value: &JsValue, name: &str) -> Result<T, LifepathError> {
    let text = json_text(value, name)?;
    from_json(&text).map_err(|e| LifepathError::from(e).under(name))
}

/// Reads an options object: `undefined` or `null` means every default. The fields of options
/// are reported by their own name (`asOf`, `threshold`), without a prefix.
pub fn options_arg<T: DeserializeOwned + Default>(value: &JsValue) -> Result<T, LifepathError> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    let text = json_text(value, "options")?;
    from_json(&text).map_err(|e| {
        let e = LifepathError::from(e);
        if e.field().is_none() {
            e.under("options")
        } else {
            e
        }
    })
}

/// Reads and validates one record.
pub fn record<T: DeserializeOwned + Validate>(
    value: &JsValue,
    name: &str,
) -> Result<T, LifepathError> {
    let r: T = arg(value, name)?;
    let mut v = Validator::default();
    r.validate_into(&mut v, name);
    v.finish().map_err(lifepath_core::Error::from)?;
    Ok(r)
}

/// Reads and validates a list of records (paths `name[i]…`).
pub fn records<T: DeserializeOwned + Validate>(
    value: &JsValue,
    name: &str,
) -> Result<Vec<T>, LifepathError> {
    validated_list(arg(value, name)?, name)
}

fn validated_list<T: Validate>(rs: Vec<T>, name: &str) -> Result<Vec<T>, LifepathError> {
    let mut v = Validator::default();
    for (i, r) in rs.iter().enumerate() {
        r.validate_into(&mut v, &index(name, i));
    }
    v.finish().map_err(lifepath_core::Error::from)?;
    Ok(rs)
}

/// Writes a value as a plain object in the server's JSON shape: the core's serde JSON text,
/// read by the engine's own `JSON.parse`. One crossing of one string is far cheaper than
/// building the object property by property from WebAssembly.
pub fn output<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, LifepathError> {
    let text = json(value)?;
    parse(&text)
}

pub(crate) fn json<T: Serialize + ?Sized>(value: &T) -> Result<String, LifepathError> {
    serde_json::to_string(value)
        .map_err(|e| LifepathError::internal(format!("could not convert the result: {e}")))
}

pub(crate) fn parse(text: &str) -> Result<JsValue, LifepathError> {
    js_sys::JSON::parse(text)
        .map_err(|_| LifepathError::internal("could not convert the result: invalid JSON"))
}

/// A snapshot as the analytics read it: a shallow copy whose `budget_model` is empty.
///
/// The analytics of the core read a snapshot's period, currency and summary fields, never its
/// budget model, which is by far its largest part (a 360-month history of 200 categories is
/// 8.6 MB of JSON with budget models and 1.4 MB without). Not copying it into WebAssembly
/// makes every analytics call several times faster; the fixture tests check that the results
/// are the native ones. Values that are not objects are left alone, so their errors still
/// name their path.
fn without_budget_model(value: &JsValue) -> JsValue {
    lifepath_without_budget_model(value)
}

/// Reads one snapshot for the analytics (see `without_budget_model`) and validates it.
pub fn analytics_snapshot(value: &JsValue, name: &str) -> Result<BudgetSnapshot, LifepathError> {
    record(&without_budget_model(value), name)
}

/// Reads a list of snapshots for the analytics (see `without_budget_model`) and validates
/// them.
pub fn analytics_snapshots(
    value: &JsValue,
    name: &str,
) -> Result<Vec<BudgetSnapshot>, LifepathError> {
    records(&without_budget_model(value), name)
}

/// The period and currency of every snapshot of a list, read without the rest of them;
/// `None` when the list is not one of objects with valid periods and string currencies.
#[cfg(any(feature = "main", feature = "actuals"))]
pub(crate) fn list_index(value: &JsValue) -> Option<(Vec<Period>, String)> {
    read_list_index(value, 0, false).and_then(|(_, l)| l)
}

/// A list's periods and currencies (see [`list_index`]), joined by `\n`.
#[cfg(any(feature = "main", feature = "actuals"))]
type ListIndex = (Vec<Period>, String);

#[cfg(feature = "main")]
thread_local! {
    /// The last list read by [`kept_list_index`], under the number the JavaScript side
    /// keeps it by (0: none).
    static KEPT_LIST: std::cell::RefCell<(u32, ListIndex)> =
        const { std::cell::RefCell::new((0, (Vec::new(), String::new()))) };
}

/// [`list_index`] of a list read again and again (the free analytics' history): when it is
/// the last list read here and its snapshots still have the periods and currencies they had
/// then (compared one by one), they do not cross again.
#[cfg(feature = "main")]
pub(crate) fn kept_list_index(value: &JsValue) -> Option<ListIndex> {
    let kept = KEPT_LIST.with(|k| k.borrow().0);
    let (new, list) = read_list_index(value, kept, true)?;
    KEPT_LIST.with(|k| {
        let mut k = k.borrow_mut();
        match list {
            Some(list) => *k = (new, list),
            None if new != k.0 => return None,
            None => {}
        }
        Some(k.1.clone())
    })
}

/// The list index of `value` under the number it is kept by, or that number alone when it is
/// `kept` (see `lifepath_list_index`).
#[cfg(any(feature = "main", feature = "actuals"))]
fn read_list_index(value: &JsValue, kept: u32, keep: bool) -> Option<(u32, Option<ListIndex>)> {
    let answer = lifepath_list_index(value, kept, keep);
    if let Some(same) = answer.as_f64() {
        return Some((same as u32, None));
    }
    if answer.is_undefined() {
        return None;
    }
    let parts: js_sys::Array = answer.unchecked_into();
    let ym = parts.get(0).unchecked_into::<js_sys::Int32Array>().to_vec();
    let currencies = parts.get(1).as_string()?;
    let new = parts.get(2).as_f64()? as u32;
    let periods = ym
        .chunks_exact(2)
        .map(|p| Period::new(i64::from(p[0]), i64::from(p[1])).ok())
        .collect::<Option<Vec<Period>>>()?;
    Some((new, Some((periods, currencies))))
}

/// Today in the user's local time zone: the default `asOf`.
pub fn today() -> Result<NaiveDate, LifepathError> {
    let d = js_sys::Date::new_0();
    NaiveDate::from_ymd_opt(d.get_full_year() as i32, d.get_month() + 1, d.get_date())
        .ok_or_else(|| LifepathError::internal("the JavaScript clock gave an invalid date"))
}

/// The current instant: the default `now`.
pub fn now() -> Result<DateTime<Utc>, LifepathError> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64)
        .ok_or_else(|| LifepathError::internal("the JavaScript clock gave an invalid time"))
}

/// `Result` of an export: the error becomes the thrown `LifepathError`.
pub type JsResult = Result<JsValue, JsValue>;

/// Runs the body of an export: makes sure the panic hook is installed and turns a
/// [`LifepathError`] into the thrown JavaScript error.
pub fn call(body: impl FnOnce() -> Result<JsValue, LifepathError>) -> JsResult {
    crate::error::install_panic_hook();
    body().map_err(JsValue::from)
}
