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

use std::cell::RefCell;

use chrono::{DateTime, NaiveDate, Utc};
use lifepath_core::models::BudgetSnapshot;
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
// The JSON text of the snapshot list the free functions read last (see
// `with_analytics_snapshots`), and of the one being read.
let kept = null;
let pending = null;
export function lifepath_list_json(value, known) {
  const text = JSON.stringify(value);
  if (known && text !== undefined && text === kept) return null;
  kept = null;
  pending = text;
  return text === undefined ? undefined : encoder.encode(text);
}
export function lifepath_list_keep() {
  kept = pending;
  pending = null;
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

    /// See [`without_budget_model`].
    fn lifepath_without_budget_model(value: &JsValue) -> JsValue;

    /// Like `lifepath_json_bytes`, but `null` when `known` and the text is the one kept by
    /// the last `lifepath_list_keep` (see [`with_analytics_snapshots`]).
    #[wasm_bindgen(catch)]
    fn lifepath_list_json(value: &JsValue, known: bool) -> Result<JsValue, JsValue>;

    /// Keeps the text of the last `lifepath_list_json` as the text of the remembered list.
    fn lifepath_list_keep();
}

thread_local! {
    /// The snapshot list the free functions read last, validated (see
    /// [`with_analytics_snapshots`]).
    static LAST_LIST: RefCell<Option<Vec<BudgetSnapshot>>> = const { RefCell::new(None) };
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

fn parse(text: &str) -> Result<JsValue, LifepathError> {
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

/// Runs `f` on a list of snapshots read like [`analytics_snapshots`], remembering the list
/// read last (memoize-one): when a later call's list has exactly the same JSON text, the
/// parsed and validated copy is used again instead of being read a second time. An app asks
/// for the trends, the anomalies and the forecast of one history; only the first call reads it
/// (the others still turn it into text, to compare). The text must be equal byte for byte, so
/// a changed value is always read.
pub fn with_analytics_snapshots(
    value: &JsValue,
    name: &str,
    f: &mut dyn FnMut(&[BudgetSnapshot]) -> Result<(), LifepathError>,
) -> Result<(), LifepathError> {
    // Out of the cell while `f` runs: a panic (thrown as an error) cannot leave it borrowed,
    // only empty.
    let last = LAST_LIST.with(|l| l.borrow_mut().take());
    let known = last.is_some();
    let list = match (read_list(value, name, known)?, last) {
        (Some(list), _) => list,
        (None, Some(last)) => last,
        (None, None) => {
            return Err(LifepathError::internal(
                "the remembered snapshot list is gone",
            ));
        }
    };
    let r = f(&list);
    LAST_LIST.with(|l| *l.borrow_mut() = Some(list));
    r
}

/// Reads and validates a list of snapshots for the analytics; `None` when `known` and its JSON
/// text is the remembered list's.
fn read_list(
    value: &JsValue,
    name: &str,
    known: bool,
) -> Result<Option<Vec<BudgetSnapshot>>, LifepathError> {
    let bytes = if value.is_undefined() {
        None
    } else {
        let out = lifepath_list_json(&without_budget_model(value), known)
            .map_err(|e| not_json(e, name))?;
        if out.is_null() {
            return Ok(None);
        }
        (!out.is_undefined()).then(|| out.unchecked_into::<js_sys::Uint8Array>().to_vec())
    };
    let list: Vec<BudgetSnapshot> =
        from_json(&text(bytes, name)?).map_err(|e| LifepathError::from(e).under(name))?;
    let list = validated_list(list, name)?;
    lifepath_list_keep();
    Ok(Some(list))
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
