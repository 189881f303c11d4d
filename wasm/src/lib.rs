//! # lifepath — the npm package
//!
//! The WebAssembly bindings of [`lifepath_core`]: every calculation of the core — budget
//! summaries, validation, trends, anomalies, period comparison, forecasts, goal progress,
//! trajectories, on-time probabilities, replanning, recommendations, contributions and goal
//! status moves — for browsers and Node, so an offline browser computes the very same numbers
//! as the sync server.
//!
//! This crate holds **no business logic**, only conversions:
//!
//! - inputs are plain JavaScript objects in the server's JSON shape (`snake_case` records,
//!   money as decimal strings); they are read through the core's field-path-aware JSON reader
//!   ([`lifepath_core::validate::from_json`]) and checked with the core's
//!   [`Validate`](lifepath_core::validate::Validate) rules ([`convert`]); the four analytics
//!   functions skip each snapshot's budget model, which the core's analytics never read and
//!   which is most of a snapshot's size;
//! - optional arguments are one options object per function, `camelCase` because it is
//!   JavaScript API ([`options`]);
//! - the sync engine's arguments and the sync protocol's shapes (state, push and pull answers)
//!   are read by hand, each type in one place, checked against serde on the shared fixtures
//!   ([`interop`]);
//! - outputs are plain objects in the same JSON shape;
//! - every failure is a thrown JavaScript `Error` named `LifepathError` with a stable `code`,
//!   the `field` at fault and the list of field `errors`; even a bug (a Rust panic) surfaces as
//!   a `LifepathError` with code `internal` instead of `RuntimeError: unreachable` ([`error`]).
//!
//! TypeScript declarations come from the core's own structs (`tsify`, the core's `wasm`
//! feature); the few foreign types (money, periods, dates, ids) are declared once as `string`
//! in [`types`].

// The main module (`lifepath`): everything but the bank files.
#[cfg(feature = "main")]
pub mod analytics;
#[cfg(feature = "main")]
pub mod frames;
#[cfg(feature = "main")]
pub mod goals;
#[cfg(feature = "main")]
pub mod history;
#[cfg(feature = "main")]
pub mod interop;
#[cfg(feature = "main")]
pub mod options;
#[cfg(feature = "main")]
pub mod points;
#[cfg(feature = "main")]
pub mod records;
#[cfg(feature = "main")]
pub mod sync;
// `lifepath/actuals`: its own module (`--no-default-features --features actuals`), loaded only
// where bank files are imported, so the main module stays under its size budget.
#[cfg(feature = "actuals")]
pub mod actuals;
// `lifepath/insights`: the insight feed, its own module too (`--features insights`).
pub mod convert;
pub mod error;
#[cfg(feature = "insights")]
pub mod insights;
pub mod types;

pub use error::LifepathError;

use wasm_bindgen::prelude::*;

/// Runs once when the module is instantiated: installs the panic hook.
#[wasm_bindgen(start)]
fn start() {
    error::install_panic_hook();
}
