//! TypeScript declarations that the core's structs cannot derive: the foreign types every
//! record uses (declared once, as `string`), the goal record as the core writes it, and the
//! error thrown by every function, whose `ErrorCode` union is written at compile time from
//! [`error::CODES`] (the core's [`Error::CODES`](lifepath_core::Error::CODES) and `internal`),
//! so the codes are never typed twice.

use wasm_bindgen::prelude::*;

use crate::error;

#[wasm_bindgen(typescript_custom_section)]
const FOREIGN_TYPES: &'static str = DECLARATIONS;

/// The declarations up to the `ErrorCode` union.
const BEFORE_CODES: &str = r#"
/** A UUID, e.g. `"0190f1f4-6c3a-7b1e-9d2a-3c4b5a697887"`. */
export type Uuid = string;
/** A calendar date, ISO 8601: `"2026-11-21"`. */
export type NaiveDate = string;
/** An instant, RFC 3339 in UTC: `"2026-11-21T09:30:00Z"`. */
export type DateTime<_Tz = Utc> = string;
/** The UTC time zone of {@link DateTime} (a marker; instants are strings). */
export type Utc = "UTC";
/** A decimal percentage written as a string, e.g. an APR of `"22.99"`. */
export type Decimal = string;
/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A JSON object: a synced record as the server writes it (`snake_case`, money as strings). */
export type JsonObject = { [field: string]: JsonValue };

/**
 * A goal as the core and the server write it: the record plus the derived
 * `is_active` (`status === "active"`). Any {@link Goal} input accepts it unchanged.
 */
export interface GoalRecord extends Goal {
    is_active: boolean;
}

/** The stable codes of {@link LifepathError}. */
export type ErrorCode ="#;

/// The declarations after the `ErrorCode` union.
const AFTER_CODES: &str = r#";

/**
 * What every function of this package throws. Branch on `code`; show `errors` next to the
 * form fields they name. `code === "internal"` is a bug in lifepath: please report it.
 */
export interface LifepathError extends Error {
    name: "LifepathError";
    /** Stable machine-readable code. */
    code: ErrorCode;
    /** The first field at fault (`"snapshots[3].period_month"`, `"asOf"`), or null. */
    field: string | null;
    /** Every field at fault with what is wrong (one entry for non-validation errors). */
    errors: FieldError[];
}
"#;

/// One member of the union: `\n    | "code"`.
const MEMBER: [&str; 2] = ["\n    | \"", "\""];

/// The length of the declarations.
const LEN: usize = {
    let mut len = BEFORE_CODES.len() + AFTER_CODES.len();
    let mut i = 0;
    while i < error::CODES.len() {
        len += MEMBER[0].len() + error::CODES[i].len() + MEMBER[1].len();
        i += 1;
    }
    len
};

/// Copies `text` into `out` at `at`; the position after it.
const fn put(out: &mut [u8; LEN], at: usize, text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        out[at + i] = bytes[i];
        i += 1;
    }
    at + bytes.len()
}

/// The declarations' bytes: before, one member per code, after.
const BYTES: [u8; LEN] = {
    let mut out = [0; LEN];
    let mut at = put(&mut out, 0, BEFORE_CODES);
    let mut i = 0;
    while i < error::CODES.len() {
        at = put(&mut out, at, MEMBER[0]);
        at = put(&mut out, at, error::CODES[i]);
        at = put(&mut out, at, MEMBER[1]);
        i += 1;
    }
    put(&mut out, at, AFTER_CODES);
    out
};

/// The TypeScript declarations of this module. `allow(dead_code)`: the custom section that
/// wasm-bindgen emits from it on wasm32 reads it where the lint does not see it, and native
/// builds only read it in the tests.
#[allow(dead_code)]
const DECLARATIONS: &str = match std::str::from_utf8(&BYTES) {
    Ok(text) => text,
    Err(_) => panic!("the TypeScript declarations are not UTF-8"),
};

#[cfg(test)]
mod tests {
    use super::*;

    /// The union as a reader of the package's `.d.ts` finds it.
    fn error_code_union(ts: &str) -> Vec<&str> {
        let start = ts.find("export type ErrorCode =").unwrap();
        let end = start + ts[start..].find(';').unwrap();
        ts[start..end]
            .split('|')
            .skip(1)
            .map(|m| m.trim().trim_matches('"'))
            .collect()
    }

    #[test]
    fn the_typescript_error_code_is_the_list_of_codes() {
        let mut expected = lifepath_core::Error::CODES.to_vec();
        expected.push(error::INTERNAL);
        assert_eq!(error_code_union(DECLARATIONS), expected);
        assert!(DECLARATIONS.starts_with("\n/** A UUID"));
        assert!(DECLARATIONS.contains("    | \"validation_failed\"\n    | \"mixed_currency\""));
        assert!(DECLARATIONS.contains("    | \"internal\";\n\n/**\n * What every function"));
    }
}
