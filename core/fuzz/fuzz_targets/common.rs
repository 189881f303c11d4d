//! What every target shares: the fixed clock, ids and checks on what a reader returns.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use lifepath_core::TransactionId;
use lifepath_core::actuals::FileImport;
use lifepath_core::validate::Validate;

pub fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_775_000_000, 0).unwrap_or_default()
}

pub fn ids() -> impl FnMut() -> TransactionId {
    let mut n = 0u128;
    move || {
        n += 1;
        TransactionId(uuid::Uuid::from_u128(n))
    }
}

pub fn known() -> HashSet<String> {
    HashSet::new()
}

/// Whatever the input, every row a reader keeps is a valid transaction with a unique
/// fingerprint, and every refused row has a line.
pub fn check(r: &FileImport) {
    let mut seen = HashSet::new();
    for t in &r.transactions {
        assert!(t.validate().is_ok(), "an imported row is invalid: {t:?}");
        assert!(seen.insert(t.fingerprint.clone()), "two rows share a fingerprint");
    }
    for x in &r.refused {
        assert!(x.line >= 1, "a refused row without a line");
    }
}
