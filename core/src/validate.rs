//! Validation at the boundary: every record type implements [`Validate`], which collects all
//! bad fields with their paths instead of stopping at the first. Nothing is ever repaired.
//!
//! [`from_json`] reads JSON into a core type and turns serde's type errors into the same
//! field-path errors, so a wrong type and a wrong value look alike to a caller.

use chrono::{Datelike, NaiveDate};
use serde::de::DeserializeOwned;

use crate::error::{Error, FieldError, ValidationErrors};
use crate::money::{MAX_AMOUNT, Money};
use crate::period::{MAX_YEAR, MIN_YEAR};

/// A type whose values can be checked against the data rules of DESIGN §2.
pub trait Validate {
    /// Adds every problem of `self` to `v`, with field paths under `path`.
    fn validate_into(&self, v: &mut Validator, path: &str);

    /// All problems of `self`, or `Ok`.
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut v = Validator::default();
        self.validate_into(&mut v, "");
        v.finish()
    }
}

/// Collects field errors.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

/// `prefix.field`, or `field` at the top.
pub fn join(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_owned()
    } else {
        format!("{prefix}.{field}")
    }
}

/// What is wrong with free text `s` that must be `min` to `max` characters, printable, without
/// bidirectional controls ([`Validator::text`]'s rule; `None` when nothing is). Lets a hot loop
/// check a field without building its name unless it is wrong.
pub fn text_problem(s: &str, min: usize, max: usize) -> Option<String> {
    // ASCII (the common case): one pass over the bytes.
    let (n, control, bidi) = if s.is_ascii() {
        let control = s
            .bytes()
            .any(|b| b.is_ascii_control() && !matches!(b, b'\n' | b'\t' | b'\r'));
        (s.len(), control, false)
    } else {
        let control = s
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r');
        (s.chars().count(), control, s.chars().any(is_bidi_control))
    };
    if n < min || n > max {
        Some(if min == 0 {
            format!("must be at most {max} characters")
        } else {
            format!("must be {min} to {max} characters")
        })
    } else if min > 0 && s.trim().is_empty() {
        Some("must not be blank".into())
    } else if control {
        Some("must not contain control characters".into())
    } else if bidi {
        Some("must not contain bidirectional control characters".into())
    } else {
        None
    }
}

/// `prefix[i]`.
pub fn index(prefix: &str, i: usize) -> String {
    format!("{prefix}[{i}]")
}

impl Validator {
    /// Records one problem.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// True when nothing was recorded.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok` when nothing was recorded, else every problem.
    pub fn finish(self) -> Result<(), ValidationErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(self.errors))
        }
    }

    /// A money amount ≥ 0 with at most two decimals.
    pub fn non_negative_money(&mut self, field: String, m: Money) {
        if m.is_negative() || !m.has_cents_precision() || m.as_decimal() > MAX_AMOUNT {
            self.push(
                field,
                "must be ≥ 0 with at most 2 decimals (and at most 1000000000000)",
            );
        }
    }

    /// A money amount > 0 with at most two decimals.
    pub fn positive_money(&mut self, field: String, m: Money) {
        if !m.is_positive() || !m.has_cents_precision() || m.as_decimal() > MAX_AMOUNT {
            self.push(
                field,
                "must be > 0 with at most 2 decimals (and at most 1000000000000)",
            );
        }
    }

    /// Text whose length in characters is within `min..=max`.
    pub fn text(&mut self, field: String, s: &str, min: usize, max: usize) {
        if let Some(problem) = text_problem(s, min, max) {
            self.push(field, problem);
        }
    }

    /// A category slug: `[a-z0-9_]{1,40}`.
    pub fn slug(&mut self, field: String, s: &str) {
        if !is_slug(s) {
            self.push(
                field,
                "must be a lowercase slug of 1 to 40 characters a-z, 0-9 or _",
            );
        }
    }

    /// A date within the supported years.
    pub fn date(&mut self, field: String, d: NaiveDate) {
        if d.year() < MIN_YEAR || d.year() > MAX_YEAR {
            self.push(
                field,
                format!("must be a date between {MIN_YEAR} and {MAX_YEAR}"),
            );
        }
    }

    /// A month number 1–12.
    pub fn month(&mut self, field: String, m: i64) {
        if !(1..=12).contains(&m) {
            self.push(field, "must be between 1 and 12");
        }
    }

    /// A year within the supported range.
    pub fn year(&mut self, field: String, y: i64) {
        if !(i64::from(MIN_YEAR)..=i64::from(MAX_YEAR)).contains(&y) {
            self.push(field, format!("must be between {MIN_YEAR} and {MAX_YEAR}"));
        }
    }

    /// A rating 1–5.
    pub fn rating(&mut self, field: String, r: i64) {
        if !(1..=5).contains(&r) {
            self.push(field, "must be between 1 and 5");
        }
    }

    /// An ISO 4217 currency code.
    pub fn currency(&mut self, field: String, code: &str) {
        if !is_currency(code) {
            self.push(
                field,
                "must be an ISO 4217 currency code such as USD or EUR",
            );
        }
    }
}

/// True for `[a-z0-9_]{1,40}`.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The active ISO 4217 codes.
const CURRENCIES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS",
    "VED", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW",
    "ZWG",
];

/// True for an active ISO 4217 code (upper case).
pub fn is_currency(code: &str) -> bool {
    CURRENCIES.binary_search(&code).is_ok()
}

/// Reads JSON text into a core type; type errors name the field path.
///
/// Natively, valid input takes serde_json's plain path (about twice as fast) and only an error
/// is read again with path tracking to name the field. On WebAssembly, where every copy of the
/// deserializers costs the npm package tens of KiB, there is one plain copy: the field path of
/// an error is found from its position in the text ([`path_at`]), the same path the tracking
/// deserializer names (a test checks that they agree).
pub fn from_json<T: DeserializeOwned>(json: &str) -> Result<T, Error> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        if let Ok(v) = serde_json::from_str(json) {
            return Ok(v);
        }
        let de = &mut serde_json::Deserializer::from_str(json);
        serde_path_to_error::deserialize(de).map_err(path_error)
    }
    #[cfg(target_arch = "wasm32")]
    {
        serde_json::from_str(json).map_err(|e| positioned_error(json, &e))
    }
}

/// A serde_json error named by the path of the value at its position.
pub fn positioned_error(json: &str, e: &serde_json::Error) -> Error {
    let field = path_at(json, e.line(), e.column());
    field_error(field, e.to_string())
}

/// The field path (`budget_model.incomes[0].monthly_amount`) of the innermost value of `json`
/// that holds the position serde_json reports for an error (1-based line and column of the
/// last byte it read). Empty for the top level or text that is not JSON.
pub fn path_at(json: &str, line: usize, column: usize) -> String {
    let bytes = json.as_bytes();
    let mut at = 0usize;
    let mut l = 1;
    while l < line && at < bytes.len() {
        if bytes[at] == b'\n' {
            l += 1;
        }
        at += 1;
    }
    let mut target = (at + column.saturating_sub(1)).min(bytes.len().saturating_sub(1));
    // An error found by peeking at a value reports the byte before it (`:`, `,`, the `[` of its
    // array, or whitespace): the value meant is the next one.
    if bytes.get(target) == Some(&b'[') && target + 1 < bytes.len() {
        target += 1;
    }
    while target + 1 < bytes.len()
        && matches!(bytes[target], b':' | b',' | b' ' | b'\n' | b'\r' | b'\t')
    {
        target += 1;
    }
    let mut scan = PathScan {
        b: bytes,
        i: 0,
        target,
        path: Vec::new(),
        best: None,
    };
    scan.value();
    scan.best.unwrap_or_default()
}

struct PathScan<'a> {
    b: &'a [u8],
    i: usize,
    target: usize,
    path: Vec<PathPart>,
    best: Option<String>,
}

enum PathPart {
    Key(String),
    Index(usize),
}

impl PathScan<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn render(&self) -> String {
        let mut out = String::new();
        for p in &self.path {
            match p {
                PathPart::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                PathPart::Index(n) => {
                    out.push('[');
                    out.push_str(&n.to_string());
                    out.push(']');
                }
            }
        }
        out
    }

    /// Reads one value; the innermost value whose bytes hold the target names the path.
    fn value(&mut self) {
        self.ws();
        let start = self.i;
        match self.b.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                loop {
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b'}') => {
                            self.i += 1;
                            break;
                        }
                        Some(b',') => self.i += 1,
                        Some(b'"') => {
                            let key_start = self.i;
                            let key = self.string();
                            if self.best.is_none()
                                && key_start < self.target
                                && self.target + 1 == self.i
                            {
                                // An unknown or duplicate field: the error is at the end of
                                // its key.
                                self.path.push(PathPart::Key(key.clone()));
                                self.best = Some(self.render());
                                self.path.pop();
                            }
                            self.ws();
                            if self.b.get(self.i) == Some(&b':') {
                                self.i += 1;
                            }
                            self.path.push(PathPart::Key(key));
                            self.value();
                            self.path.pop();
                        }
                        _ => return,
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut n = 0;
                loop {
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b']') => {
                            self.i += 1;
                            break;
                        }
                        Some(b',') => self.i += 1,
                        Some(_) => {
                            self.path.push(PathPart::Index(n));
                            self.value();
                            self.path.pop();
                            n += 1;
                        }
                        None => return,
                    }
                }
            }
            Some(b'"') => {
                self.string();
            }
            Some(_) => {
                while self.i < self.b.len() && !b",]} \t\r\n".contains(&self.b[self.i]) {
                    self.i += 1;
                }
            }
            None => return,
        }
        // Children are read first, so an inner value that holds the target has already won.
        if self.best.is_none() && start <= self.target && self.target < self.i.max(start + 1) {
            self.best = Some(self.render());
        }
    }

    fn string(&mut self) -> String {
        let start = self.i + 1;
        self.i += 1;
        while self.i < self.b.len() && self.b[self.i] != b'"' {
            if self.b[self.i] == b'\\' {
                self.i += 1;
            }
            self.i += 1;
        }
        let raw = &self.b[start.min(self.b.len())..self.i.min(self.b.len())];
        self.i += 1;
        let text = String::from_utf8_lossy(raw);
        serde_json::from_str::<String>(&format!("\"{text}\"")).unwrap_or_else(|_| text.into_owned())
    }
}

/// Reads a JSON value into a core type; type errors name the field path.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Error> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        serde_path_to_error::deserialize(value).map_err(path_error)
    }
    #[cfg(target_arch = "wasm32")]
    {
        from_json(&value.to_string())
    }
}

/// Reads JSON into a core type and validates it.
pub fn parse_valid<T: DeserializeOwned + Validate>(json: &str) -> Result<T, Error> {
    let value: T = from_json(json)?;
    value.validate()?;
    Ok(value)
}

#[cfg(not(target_arch = "wasm32"))]
fn path_error<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> Error {
    let field = e.path().to_string();
    let field = if field == "." { String::new() } else { field };
    field_error(field, e.inner().to_string())
}

/// One field error from a serde message (its position dropped, a missing field named).
fn field_error(field: String, message: String) -> Error {
    let mut message = message;
    // serde_json appends " at line 1 column 5"; the field path says more.
    if let Some(pos) = message.find(" at line ") {
        message.truncate(pos);
    }
    // serde reports a missing field at the object that lacks it; name the field itself.
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name.to_owned());
    let field = match missing {
        Some(name) => join(&field, &name),
        None => field,
    };
    // In words on the server. The npm package keeps serde's own message: the wording code
    // costs the `.wasm` ~2 KiB gzip over its budget, and there TypeScript's types catch a
    // wrong type before it is sent.
    #[cfg(not(target_arch = "wasm32"))]
    let message = plain_message(&message);
    Error::Validation(ValidationErrors(vec![FieldError { field, message }]))
}

/// serde's type errors in the words of a client developer rather than Rust's (`invalid type:
/// string "x", expected u8` → `must be a whole number from 0 to 255, not the text "x"`); other
/// messages pass through.
pub fn plain_message(message: &str) -> String {
    let Some((head, expected)) = message.split_once(", expected ") else {
        return message.to_owned();
    };
    let got = head
        .strip_prefix("invalid type: ")
        .or_else(|| head.strip_prefix("invalid value: "));
    let Some(got) = got else {
        // `unknown variant `x`, expected one of …`, `invalid length 3, expected …`
        return message.replace("expected", "must be");
    };
    let got = match got.split_once(' ') {
        Some(("string", v)) => format!("the text {v}"),
        Some(("integer" | "floating", v)) => v.trim_start_matches("point ").replace('`', ""),
        Some(("boolean", v)) => v.replace('`', ""),
        _ => match got {
            "map" => "an object".to_owned(),
            "sequence" => "a list".to_owned(),
            "null" | "unit value" | "unit" => "null".to_owned(),
            other => other.to_owned(),
        },
    };
    format!("must be {}, not {got}", expected_words(expected))
}

fn expected_words(expected: &str) -> String {
    let whole = |max: &str| format!("a whole number from 0 to {max}");
    match expected {
        "u8" => whole("255"),
        "u16" => whole("65535"),
        "u32" => whole("4294967295"),
        "u64" | "usize" => whole("18446744073709551615"),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        "a boolean" => "true or false".to_owned(),
        "a string" | "a borrowed string" | "a char" => "text".to_owned(),
        "a sequence" => "a list".to_owned(),
        "a map" => "an object".to_owned(),
        e if e.starts_with("struct ") || e.starts_with("a map") => "an object".to_owned(),
        e if e.starts_with("enum ") => "one of the names this field takes".to_owned(),
        e if e.contains("Decimal") => "a decimal amount such as \"12.50\"".to_owned(),
        e => e.trim_start_matches("a valid ").to_owned(),
    }
}

/// The embedding and isolate controls that can make a name display as something else
/// ("Trojan Source"); they are format characters, not `is_control`.
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod plain_message_tests {
    use super::plain_message;

    #[test]
    fn type_errors_are_said_without_rust_names() {
        for (raw, want) in [
            (
                "invalid type: string \"x\", expected u8",
                "must be a whole number from 0 to 255, not the text \"x\"",
            ),
            (
                "invalid type: sequence, expected a string",
                "must be text, not a list",
            ),
            (
                "invalid value: integer `-1`, expected u32",
                "must be a whole number from 0 to 4294967295, not -1",
            ),
            (
                "invalid type: floating point `1.5`, expected i64",
                "must be a whole number, not 1.5",
            ),
            (
                "invalid type: null, expected a boolean",
                "must be true or false, not null",
            ),
            (
                "invalid type: integer `5`, expected struct BudgetModel",
                "must be an object, not 5",
            ),
        ] {
            assert_eq!(plain_message(raw), want, "{raw}");
        }
        for raw in [
            "invalid type: string \"x\", expected u8",
            "invalid type: map, expected struct BudgetModel",
            "invalid type: integer `5`, expected enum GoalType",
        ] {
            let m = plain_message(raw);
            assert!(
                !m.contains("u8") && !m.contains("struct") && !m.contains("enum"),
                "{m}"
            );
        }
        assert_eq!(
            plain_message("missing field `name`"),
            "missing field `name`"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The position-based path (the WebAssembly build's) names the same field as the tracking
    /// deserializer (the native build's), compact or pretty-printed.
    #[test]
    fn path_at_agrees_with_the_tracking_deserializer() {
        use crate::models::{BudgetModel, GoalInput, SnapshotInput};
        fn check<T: DeserializeOwned + std::fmt::Debug>(json: &str) {
            for text in [
                json.to_owned(),
                serde_json::to_string_pretty(
                    &serde_json::from_str::<serde_json::Value>(json).unwrap(),
                )
                .unwrap(),
            ] {
                let tracked = from_json::<T>(&text).unwrap_err().field_errors();
                let plain = serde_json::from_str::<T>(&text).unwrap_err();
                let positioned = positioned_error(&text, &plain).field_errors();
                assert_eq!(tracked, positioned, "{text}");
                assert!(
                    !tracked[0].field.is_empty() || text.trim_start().starts_with('['),
                    "{text}"
                );
            }
        }
        let model = r#"{"incomes":[{"name":"Pay","monthly_amount":"10.00"}],"expenses":[{"name":"Rent","category":"housing","monthly_amount":"5.00"}],"debts":[]}"#;
        check::<BudgetModel>(
            &model.replace(r#""monthly_amount":"10.00""#, r#""monthly_amount":true"#),
        );
        check::<BudgetModel>(
            &model.replace(r#""monthly_amount":"5.00""#, r#""monthly_amount":"x""#),
        );
        check::<BudgetModel>(&model.replace(r#","monthly_amount":"10.00""#, ""));
        check::<BudgetModel>(&model.replace(r#""category":"housing""#, r#""category":7"#));
        check::<BudgetModel>(&model.replace(r#""debts":[]"#, r#""debts":[{"name":"Card","balance":"1.00","interest_rate":"x","min_payment":"1.00"}]"#));
        check::<BudgetModel>(&model.replace(r#""debts":[]"#, r#""debts":{}"#));
        check::<BudgetModel>(&model.replace(
            r#""expenses":[{"#,
            r#""expenses":[{"name":"Food","category":"groceries","monthly_amount":"1.00"},{"name":"B","category":"x","monthly_amount":"1.00","essential":"yes"},{"#,
        ));
        check::<BudgetModel>(&model.replace(r#""incomes":[{"#, r#""incomes":[5,{"#));
        check::<BudgetModel>(&model.replace(
            r#""incomes":["#,
            r#""incomes": [ {"name":"a\"]","monthly_amount":"1.00"}, 7, "#,
        ));
        check::<BudgetModel>(
            &model.replace(r#"{"name":"Pay""#, r#"{"type":"stolen","name":"Pay""#),
        );
        let snap = format!(r#"{{"period_year":2026,"period_month":10,"budget_model":{model}}}"#);
        check::<SnapshotInput>(&snap.replace(r#""period_month":10"#, r#""period_month":"10""#));
        check::<SnapshotInput>(&snap.replace(r#""name":"Rent""#, r#""name":["Rent"]"#));
        check::<SnapshotInput>(&snap.replace(r#""period_year":2026,"#, ""));
        let goal = r#"{"name":"Trip \"A\"","goal_type":"savings_target","category":"vacation","target_amount":"3000.00","start_date":"2026-01-01"}"#;
        check::<GoalInput>(&goal.replace("savings_target", "lottery"));
        check::<GoalInput>(&goal.replace(r#""2026-01-01""#, r#""2026-13-01""#));
        check::<GoalInput>(&goal.replace(r#""3000.00""#, r#"{"a":1}"#));
        check::<GoalInput>(&goal.replace(r#","start_date":"2026-01-01""#, ""));
        check::<crate::models::UserPatch>(r#"{"display_name":"A","bogus":1}"#);
    }

    #[test]
    fn currency_table_is_sorted() {
        assert!(CURRENCIES.windows(2).all(|w| w[0] < w[1]));
        assert!(
            is_currency("USD") && is_currency("EUR") && !is_currency("usd") && !is_currency("XXQ")
        );
    }

    #[test]
    fn bidirectional_controls_are_refused_in_text() {
        for bad in ["Trip\u{202E}gpj.exe", "a\u{2066}b", "\u{202A}x"] {
            let mut v = Validator::default();
            v.text("name".into(), bad, 1, 100);
            assert!(v.finish().is_err(), "{bad:?}");
        }
        let mut v = Validator::default();
        v.text("name".into(), "Trip to Lisbon \u{05d0}\u{200f}", 1, 100);
        assert!(
            v.finish().is_ok(),
            "right-to-left text itself stays allowed"
        );
    }

    #[test]
    fn slugs() {
        assert!(is_slug("dining") && is_slug("kids_2") && !is_slug("Dining") && !is_slug(""));
        assert!(!is_slug(&"a".repeat(41)) && !is_slug("café"));
    }
}
