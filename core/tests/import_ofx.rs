//! OFX/QFX files (issue 15 §2): 1.x SGML (leaf elements without closing tags, a header, an
//! entity) and 2.x XML (a credit card, a `PAYEE` aggregate); the bank's date never moved by its
//! time or zone; two look-alike rows with different FITIDs both imported; a broken row refused
//! with its line; re-import adding nothing; another currency refusing the whole file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use lifepath_core::TransactionId;
use lifepath_core::actuals::{OfxError, import_ofx, is_ofx};
use lifepath_core::money::Money;

fn ids() -> impl FnMut() -> TransactionId {
    let mut n = 0u128;
    move || {
        n += 1;
        TransactionId(uuid::Uuid::from_u128(n))
    }
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../tests/fixtures/imports/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_775_000_000, 0).unwrap()
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn m(s: &str) -> Money {
    s.parse().unwrap()
}

#[test]
fn ofx_1_sgml_checking() {
    let text = fixture("ofx1-sgml-checking.ofx");
    assert!(is_ofx(&text));
    let r = import_ofx(&text, Some("USD"), "o1", &HashSet::new(), ids(), now()).unwrap();
    let got: Vec<(NaiveDate, Money, &str)> = r
        .transactions
        .iter()
        .map(|t| (t.date, t.amount, t.payee.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            // 23:59:59 Pacific is still 2 March: the bank's date, never moved by the zone.
            (d("2026-03-02"), m("-64.00"), "PG&E ONLINE PAYMENT"),
            (d("2026-03-05"), m("-4.50"), "BLUE BOTTLE COFFEE"),
            (d("2026-03-05"), m("-4.50"), "BLUE BOTTLE COFFEE"),
            (d("2026-03-15"), m("2150.00"), "ACME PAYROLL"),
        ]
    );
    assert_eq!(r.transactions[0].notes.as_deref(), Some("Utility bill"));
    assert!(
        r.transactions
            .iter()
            .all(|t| t.account.as_deref() == Some("4000123456"))
    );
    assert_ne!(r.transactions[1].fingerprint, r.transactions[2].fingerprint);
    assert_eq!(r.refused.len(), 1, "{:?}", r.refused);
    assert_eq!(r.refused[0].line, 21);
    let known: HashSet<String> = r
        .transactions
        .iter()
        .map(|t| t.fingerprint.clone())
        .collect();
    let again = import_ofx(&text, Some("USD"), "o2", &known, ids(), now()).unwrap();
    assert_eq!((again.transactions.len(), again.duplicates), (0, 4));
    // Another currency: the whole file refused.
    assert_eq!(
        import_ofx(&text, Some("EUR"), "o3", &HashSet::new(), ids(), now()).unwrap_err(),
        OfxError::Currency {
            found: "USD".into(),
            expected: "EUR".into()
        }
    );
}

#[test]
fn ofx_2_xml_credit_card() {
    let text = fixture("ofx2-xml-creditcard.qfx");
    assert!(is_ofx(&text));
    let r = import_ofx(&text, None, "q1", &HashSet::new(), ids(), now()).unwrap();
    assert!(r.refused.is_empty(), "{:?}", r.refused);
    assert_eq!(r.transactions.len(), 2);
    assert_eq!(
        (r.transactions[0].date, r.transactions[0].amount),
        (d("2026-03-10"), m("-82.17"))
    );
    let refund = &r.transactions[1];
    assert_eq!(
        (refund.amount, refund.payee.as_str()),
        (m("23.99"), "AMAZON MARKETPLACE")
    );
    assert_eq!(refund.notes.as_deref(), Some("Refund"));
    assert_eq!(refund.account.as_deref(), Some("XXXX-XXXX-XXXX-4321"));
    assert!(!is_ofx("Date,Payee,Amount\n"));
    assert_eq!(
        import_ofx("hello", None, "x", &HashSet::new(), ids(), now()).unwrap_err(),
        OfxError::NotOfx
    );
}

#[test]
fn the_format_is_read_from_the_content() {
    use lifepath_core::actuals::{FileFormat, ImportOptions, detect_format, import_file};
    for (file, format, rows) in [
        ("ofx1-sgml-checking.ofx", FileFormat::Ofx, 4),
        ("ofx2-xml-creditcard.qfx", FileFormat::Ofx, 2),
        ("quicken-bank.qif", FileFormat::Qif, 6),
        ("us-card-chase-style.csv", FileFormat::Csv, 7),
        ("de-giro-sparkasse-style.csv", FileFormat::Csv, 4),
    ] {
        let text = fixture(file);
        assert_eq!(detect_format(&text), format, "{file}");
        let (f, r) = import_file(
            &text,
            &ImportOptions::default(),
            "i",
            &HashSet::new(),
            ids(),
            now(),
        )
        .unwrap();
        assert_eq!((f, r.transactions.len()), (format, rows), "{file}");
    }
    // A statement in another currency is refused whole.
    let options = ImportOptions {
        currency: Some("EUR"),
        ..ImportOptions::default()
    };
    assert!(
        import_file(
            &fixture("ofx2-xml-creditcard.qfx"),
            &options,
            "i",
            &HashSet::new(),
            ids(),
            now()
        )
        .is_err()
    );
}
