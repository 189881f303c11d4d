//! # lifepath-core
//!
//! The whole domain of lifepath — budget snapshots, goals, contributions, progress,
//! recommendations — and every calculation over them. It compiles natively into the sync server
//! and to WebAssembly into the npm package, so the browser and the server compute the very same
//! numbers from the very same code.
//!
//! ## A tour
//!
//! - [`money::Money`] is an exact decimal (`rust_decimal`), a string in JSON. Money is never an
//!   `f64`; statistics are `f64` computed from exact sums.
//! - [`period::Period`] is a calendar month; its [`index`](period::Period::index) is the `x` of
//!   every regression, so gaps between snapshots keep their true spacing.
//! - [`models`] holds the records of the design (snapshots with their
//!   [`summarize`](models::summarize)d totals, goals with their status machine, contributions,
//!   progress, recommendations, budget sessions), in one `snake_case` JSON shape.
//! - [`validate`] checks input at the boundary and names the field path of every problem;
//!   nothing is repaired silently and nothing panics.
//! - [`analytics`] computes trends, anomalies (z-score or robust; recent or seasonal baseline),
//!   period comparisons and forecasts.
//! - [`goals`] holds goal math: progress, trajectory (plain, compounding, debt payoff), the
//!   probability of reaching a goal on time, replanning, and recommendations.
//!
//! The crate does no I/O, reads no clock and draws no random numbers: `as_of` dates, `now`
//! instants and ids are always arguments.

pub mod actuals;
pub mod analytics;
pub mod error;
pub mod goals;
pub mod ids;
pub mod insights;
pub mod models;
pub mod money;
pub mod period;
pub mod sort;
pub mod success_metrics;
pub mod sync;
pub mod validate;

pub use error::{Error, FieldError, Result, ValidationErrors};
pub use ids::*;
pub use money::Money;
pub use period::Period;
