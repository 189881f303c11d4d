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
        let n = s.chars().count();
        if n < min || n > max {
            if min == 0 {
                self.push(field, format!("must be at most {max} characters"));
            } else {
                self.push(field, format!("must be {min} to {max} characters"));
            }
        } else if min > 0 && s.trim().is_empty() {
            self.push(field, "must not be blank");
        } else if s
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            self.push(field, "must not contain control characters");
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
/// is read again with path tracking to name the field. On WebAssembly the tracked path alone is
/// used: the second copy of every deserializer would cost ~26 KiB gzip of the npm package.
pub fn from_json<T: DeserializeOwned>(json: &str) -> Result<T, Error> {
    #[cfg(not(target_arch = "wasm32"))]
    if let Ok(v) = serde_json::from_str(json) {
        return Ok(v);
    }
    let de = &mut serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(de).map_err(path_error)
}

/// Reads a JSON value into a core type; type errors name the field path.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(path_error)
}

/// Reads JSON into a core type and validates it.
pub fn parse_valid<T: DeserializeOwned + Validate>(json: &str) -> Result<T, Error> {
    let value: T = from_json(json)?;
    value.validate()?;
    Ok(value)
}

fn path_error<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> Error {
    let field = e.path().to_string();
    let field = if field == "." { String::new() } else { field };
    let mut message = e.inner().to_string();
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
    Error::Validation(ValidationErrors(vec![FieldError { field, message }]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_table_is_sorted() {
        assert!(CURRENCIES.windows(2).all(|w| w[0] < w[1]));
        assert!(
            is_currency("USD") && is_currency("EUR") && !is_currency("usd") && !is_currency("XXQ")
        );
    }

    #[test]
    fn slugs() {
        assert!(is_slug("dining") && is_slug("kids_2") && !is_slug("Dining") && !is_slug(""));
        assert!(!is_slug(&"a".repeat(41)) && !is_slug("café"));
    }
}
