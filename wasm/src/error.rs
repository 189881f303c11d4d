//! The one error of the package: a JavaScript `Error` named `LifepathError` with `code`,
//! `field` and `errors`, built from the core's [`Error`](lifepath_core::Error).
//!
//! A Rust panic would otherwise trap as `RuntimeError: unreachable`, which says nothing. The
//! panic hook logs the panic with its stack (console_error_panic_hook) and throws a
//! `LifepathError` with code `internal` and the panic message instead.

use std::sync::Once;

use js_sys::{Array, Object, Reflect};
use lifepath_core::FieldError;
use wasm_bindgen::prelude::*;

/// The `name` of every error this package throws.
pub const ERROR_NAME: &str = "LifepathError";

/// The code of an internal error (a bug, a panic): the one code the package adds to the core's.
pub const INTERNAL: &str = "internal";

/// Every `code` a [`LifepathError`] can carry: the core's [`Error::CODES`], then
/// [`INTERNAL`]. The TypeScript `ErrorCode` is written from it ([`crate::types`]).
///
/// [`Error::CODES`]: lifepath_core::Error::CODES
pub const CODES: [&str; lifepath_core::Error::CODES.len() + 1] = {
    let core = lifepath_core::Error::CODES;
    let mut all = [INTERNAL; lifepath_core::Error::CODES.len() + 1];
    let mut i = 0;
    while i < core.len() {
        all[i] = core[i];
        i += 1;
    }
    all
};

/// An error on its way to JavaScript.
#[derive(Clone, Debug, PartialEq)]
pub struct LifepathError {
    /// Stable code, one of [`CODES`]: the core's [`Error::code`](lifepath_core::Error::code),
    /// or `internal`.
    pub code: &'static str,
    /// Human-readable message.
    pub message: String,
    /// Every field at fault.
    pub errors: Vec<FieldError>,
}

impl From<lifepath_core::Error> for LifepathError {
    fn from(e: lifepath_core::Error) -> Self {
        LifepathError {
            code: e.code(),
            message: e.to_string(),
            errors: e.field_errors(),
        }
    }
}

/// `prefix` + `path`: `snapshots` + `[3].period_month`, `goal` + `target_amount`.
fn prefixed(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty()) {
        (true, _) => path.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) if path.starts_with('[') => format!("{prefix}{path}"),
        (false, false) => format!("{prefix}.{path}"),
    }
}

/// The JavaScript name of an option the core names in `snake_case`.
fn option_name(field: &str) -> &str {
    match field {
        "as_of" => "asOf",
        "monthly_contribution" => "monthlyContribution",
        other => other,
    }
}

impl LifepathError {
    /// An internal error (a bug): code `internal`.
    pub fn internal(message: impl Into<String>) -> Self {
        LifepathError {
            code: INTERNAL,
            message: message.into(),
            errors: Vec::new(),
        }
    }

    /// A validation error of one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        lifepath_core::Error::from(lifepath_core::ValidationErrors::single(field, message)).into()
    }

    /// The same error with every field path placed under the argument `prefix`, so that an
    /// error in the 4th snapshot reads `snapshots[3].period_month`.
    pub fn under(mut self, prefix: &str) -> Self {
        for e in &mut self.errors {
            e.field = prefixed(prefix, &e.field);
        }
        self.refresh_message()
    }

    /// A validation error's message lists its fields: rewrite it after the paths changed.
    pub(crate) fn refresh_message(mut self) -> Self {
        if self.code == "validation_failed" {
            let list = lifepath_core::ValidationErrors(self.errors.clone());
            self.message = lifepath_core::Error::Validation(list).to_string();
        }
        self
    }

    /// The same error with the core's `snake_case` option names in their JavaScript spelling.
    pub fn with_option_names(mut self) -> Self {
        for e in &mut self.errors {
            e.field = option_name(&e.field).to_owned();
        }
        self.refresh_message()
    }

    /// The first field at fault.
    pub fn field(&self) -> Option<&str> {
        self.errors
            .first()
            .map(|e| e.field.as_str())
            .filter(|f| !f.is_empty())
    }

    /// The JavaScript `Error` object.
    pub fn to_js(&self) -> JsValue {
        let error = js_sys::Error::new(&self.message);
        error.set_name(ERROR_NAME);
        let errors: Array = self
            .errors
            .iter()
            .map(|e| {
                let o = Object::new();
                set(&o, "field", &JsValue::from_str(&e.field));
                set(&o, "message", &JsValue::from_str(&e.message));
                JsValue::from(o)
            })
            .collect();
        set(&error, "code", &JsValue::from_str(self.code));
        let field = self.field().map_or(JsValue::NULL, JsValue::from_str);
        set(&error, "field", &field);
        set(&error, "errors", &errors);
        error.into()
    }
}

impl From<LifepathError> for JsValue {
    fn from(e: LifepathError) -> Self {
        e.to_js()
    }
}

/// Sets a property on a fresh object (which cannot fail: no setters, not frozen).
fn set(target: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

static HOOK: Once = Once::new();

/// Installs the panic hook once: log the panic (with a JavaScript stack) to the console, then
/// throw a `LifepathError` with code `internal` in place of the `unreachable` trap.
pub fn install_panic_hook() {
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            console_error_panic_hook::hook(info);
            let error = LifepathError::internal(format!("lifepath internal error (a bug): {info}"));
            wasm_bindgen::throw_val(error.to_js());
        }));
    });
}

/// True when `error` is a [`LifepathError`] thrown by this package (its `name` is
/// `"LifepathError"`), so that TypeScript can read its `code`, `field` and `errors`.
#[wasm_bindgen(js_name = isLifepathError, unchecked_return_type = "error is LifepathError")]
pub fn is_lifepath_error(#[wasm_bindgen(unchecked_param_type = "unknown")] error: JsValue) -> bool {
    error.is_instance_of::<js_sys::Error>()
        && Reflect::get(&error, &JsValue::from_str("name"))
            .ok()
            .and_then(|n| n.as_string())
            .is_some_and(|n| n == ERROR_NAME)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_paths() {
        assert_eq!(
            prefixed("snapshots", "[3].period_month"),
            "snapshots[3].period_month"
        );
        assert_eq!(prefixed("goal", "target_amount"), "goal.target_amount");
        assert_eq!(prefixed("goal", ""), "goal");
        assert_eq!(prefixed("", "incomes[0].name"), "incomes[0].name");
    }

    #[test]
    fn option_names_are_camel_case() {
        let e = LifepathError::invalid("as_of", "bad").with_option_names();
        assert_eq!(e.field(), Some("asOf"));
        let e = LifepathError::invalid("current_amount", "bad").with_option_names();
        assert_eq!(e.field(), Some("current_amount"));
    }
}
