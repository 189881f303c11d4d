//! QIF files (issue 15 §2): sections, month-first dates with `'` years, grouping commas, splits
//! as one row per split line, `Top:Sub` categories as the slug of `Top`, `[Account]` transfers,
//! a broken record refused with its line, and re-import adding nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use lifepath_core::TransactionId;
use lifepath_core::actuals::{import_qif, is_qif};
use lifepath_core::money::Money;

fn ids() -> impl FnMut() -> TransactionId {
    let mut n = 0u128;
    move || {
        n += 1;
        TransactionId(uuid::Uuid::from_u128(n))
    }
}

/// Date, amount, payee, category, notes.
type Row<'a> = (NaiveDate, Money, &'a str, Option<&'a str>, Option<&'a str>);

#[test]
fn a_quicken_bank_file() {
    let text = std::fs::read_to_string(format!(
        "{}/../tests/fixtures/imports/quicken-bank.qif",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    assert!(is_qif(&text));
    assert!(!is_qif("Date,Payee,Amount\n"));
    let now = DateTime::<Utc>::from_timestamp(1_775_000_000, 0).unwrap();
    let r = import_qif(&text, Some("Checking"), "q1", &HashSet::new(), ids(), now);
    let got: Vec<Row> = r
        .transactions
        .iter()
        .map(|t| {
            (
                t.date,
                t.amount,
                t.payee.as_str(),
                t.category.as_deref(),
                t.notes.as_deref(),
            )
        })
        .collect();
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    let m = |s: &str| s.parse::<Money>().unwrap();
    assert_eq!(
        got,
        [
            (
                d("2026-03-01"),
                m("2150.00"),
                "EMPLOYER LTD",
                Some("salary"),
                None
            ),
            (
                d("2026-03-02"),
                m("-64.00"),
                "British Gas",
                Some("utilities"),
                Some("Direct debit")
            ),
            (d("2006-03-05"), m("-12.00"), "Old Record", None, None),
            (
                d("2026-03-07"),
                m("-95.50"),
                "SUPERSTORE",
                Some("groceries"),
                Some("Food")
            ),
            (
                d("2026-03-07"),
                m("-24.50"),
                "SUPERSTORE",
                Some("household"),
                Some("household things")
            ),
            (
                d("2026-03-09"),
                m("-500.00"),
                "Transfer to savings",
                Some("transfer"),
                None
            ),
        ]
    );
    assert!(
        r.transactions
            .iter()
            .filter(|t| t.category.is_some())
            .all(|t| t.categorised_by.as_deref() == Some("file"))
    );
    // The broken amount (its record starts on line 33) is refused; the category list is ignored.
    assert_eq!(r.refused.len(), 1, "{:?}", r.refused);
    assert_eq!(r.refused[0].line, 33);
    assert!(r.refused[0].reason.contains("abc"));
    // Again: nothing new.
    let known: HashSet<String> = r
        .transactions
        .iter()
        .map(|t| t.fingerprint.clone())
        .collect();
    let again = import_qif(&text, Some("Checking"), "q2", &known, ids(), now);
    assert_eq!((again.transactions.len(), again.duplicates), (0, 6));
}
