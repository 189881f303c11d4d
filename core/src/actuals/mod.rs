//! Actuals (DESIGN §2 "Transaction", §3 "Actuals", issue 15): dated transactions, their
//! duplicate-proof fingerprint, categorisation by rules and by what the user taught, and the
//! month they add up to — in the summary shape of a snapshot, so every analytic runs on
//! actuals unchanged — with the plan against it.
//!
//! One file per concern: [`transaction`] (the record and its checks), [`fingerprint`],
//! [`categorise`] (rules, learned payees, the explanation), [`import_csv`] (bank CSV files:
//! the layout guessed, every row read or refused), [`import_qif`] (QIF files), [`import_ofx`]
//! (OFX/QFX 1.x and 2.x), [`import_file`] (any of them, recognised from the content),
//! [`monthly`] (`monthly_actuals`,
//! `snapshot_from_actuals`, `plan_vs_actual`).

pub mod categorise;
pub mod fingerprint;
pub mod import_csv;
pub mod import_file;
pub mod import_ofx;
pub mod import_qif;
pub mod monthly;
pub mod transaction;

pub use categorise::*;
pub use fingerprint::*;
pub use import_csv::*;
pub use import_file::*;
pub use import_ofx::*;
pub use import_qif::*;
pub use monthly::*;
pub use transaction::*;
