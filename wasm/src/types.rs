//! TypeScript declarations that the core's structs cannot derive: the foreign types every
//! record uses (declared once, as `string`), the goal record as the core writes it, and the
//! error thrown by every function.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const FOREIGN_TYPES: &'static str = r#"
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

/**
 * A goal as the core and the server write it: the record plus the derived
 * `is_active` (`status === "active"`). Any {@link Goal} input accepts it unchanged.
 */
export interface GoalRecord extends Goal {
    is_active: boolean;
}

/** The stable codes of {@link LifepathError}. */
export type ErrorCode =
    | "validation_failed"
    | "mixed_currency"
    | "duplicate_period"
    | "illegal_transition"
    | "illegal_stage"
    | "invalid_argument"
    | "internal";

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
