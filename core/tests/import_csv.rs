//! Bank CSV files (issue 15 §2): the layout guessed from fixture files written in the layouts of
//! real banks' exports (`tests/fixtures/imports/`, each with its quirks), every row read or
//! refused with its line, re-import and overlapping statements adding nothing twice, and a
//! property: any transaction list written as CSV reads back as the same list.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use lifepath_core::TransactionId;
use lifepath_core::actuals::{
    AmountColumns, CsvLayout, Transaction, detect_csv_layout, import_csv, parse_amount,
};
use lifepath_core::money::Money;
use lifepath_core::validate::Validate;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../tests/fixtures/imports/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_775_000_000, 0).unwrap()
}

fn ids() -> impl FnMut() -> TransactionId {
    let mut n = 0u128;
    move || {
        n += 1;
        TransactionId(uuid::Uuid::from_u128(n))
    }
}

fn run(
    text: &str,
    layout: &CsvLayout,
    known: &HashSet<String>,
) -> lifepath_core::actuals::FileImport {
    import_csv(text, layout, Some("Checking"), "imp-1", known, ids(), now()).unwrap()
}

fn m(s: &str) -> Money {
    s.parse().unwrap()
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A US card statement (Chase's layout): `MM/DD/YYYY`, a signed `Amount`, a `Category` column,
/// a quoted payee with a comma, two identical purchases on one day (both real), a refund.
#[test]
fn a_us_card_statement() {
    let text = fixture("us-card-chase-style.csv");
    let g = detect_csv_layout(&text).unwrap();
    let l = &g.layout;
    assert_eq!(l.delimiter, ',');
    assert!(l.has_header);
    assert_eq!(l.date_column, 0, "Transaction Date, not Post Date");
    assert_eq!(l.date_format, "%m/%d/%Y");
    assert_eq!(l.amount, AmountColumns::Signed { column: 5 });
    assert_eq!(
        (l.payee_column, l.category_column, l.notes_column),
        (2, Some(3), Some(6))
    );
    assert!(!l.decimal_comma);
    assert!(g.confidence > 0.8, "{g:?}");
    let r = run(&text, l, &HashSet::new());
    assert!(r.refused.is_empty(), "{:?}", r.refused);
    assert_eq!(r.transactions.len(), 7);
    let t = &r.transactions[0];
    assert_eq!(
        (t.date, t.amount, t.payee.as_str()),
        (d("2026-03-28"), m("-82.17"), "WHOLEFDS MKT 10234")
    );
    assert_eq!(t.category.as_deref(), Some("groceries"));
    assert_eq!(t.categorised_by.as_deref(), Some("file"));
    assert_eq!(r.transactions[6].payee, "JOE'S PIZZA, BROOKLYN");
    assert_eq!(r.transactions[6].category.as_deref(), Some("food_drink"));
    assert_eq!(r.transactions[5].amount, m("23.99"), "a refund is money in");
    assert_eq!(r.transactions[3].notes.as_deref(), Some("pump 4"));
    // The two identical purchases are two rows with two fingerprints.
    assert_ne!(r.transactions[3].fingerprint, r.transactions[4].fingerprint);
    // The same file again adds nothing.
    let known: HashSet<String> = r
        .transactions
        .iter()
        .map(|t| t.fingerprint.clone())
        .collect();
    let again = run(&text, l, &known);
    assert_eq!((again.transactions.len(), again.duplicates), (0, 7));
}

/// A German giro account (Sparkasse's CSV-CAMT layout): a byte-order mark, `;`, quoted fields,
/// `DD.MM.YY`, a decimal comma with `.` grouping, and a row with a broken amount.
#[test]
fn a_german_giro_account() {
    let text = fixture("de-giro-sparkasse-style.csv");
    let g = detect_csv_layout(&text).unwrap();
    let l = &g.layout;
    assert_eq!(l.delimiter, ';');
    assert!(l.decimal_comma);
    assert_eq!(l.date_column, 1, "Buchungstag");
    assert_eq!(l.date_format, "%d.%m.%y");
    assert_eq!(l.amount, AmountColumns::Signed { column: 8 });
    assert_eq!(l.payee_column, 5);
    assert_eq!(l.notes_column, Some(4));
    let r = run(&text, l, &HashSet::new());
    assert_eq!(r.transactions.len(), 4);
    assert_eq!(r.transactions[1].amount, m("3250.00"));
    assert_eq!(r.transactions[2].amount, m("-1120.00"));
    assert_eq!(r.transactions[0].date, d("2026-03-30"));
    assert_eq!(
        r.transactions[0].notes.as_deref(),
        Some("REWE SAGT DANKE 1234")
    );
    // Line 5 (the BOM line is line 1): "abc" is not an amount; it is refused, the file goes on.
    assert_eq!(r.refused.len(), 1, "{:?}", r.refused);
    assert_eq!(r.refused[0].line, 5);
    assert!(r.refused[0].reason.contains("abc"), "{:?}", r.refused);
}

/// A UK current account: a preamble before the table, `DD Mon YYYY`, money out and money in in
/// two columns with `£` and grouping, and a trailing summary row.
#[test]
fn a_uk_current_account_with_debit_and_credit_columns() {
    let text = fixture("uk-current-account-debit-credit-style.csv");
    let g = detect_csv_layout(&text).unwrap();
    let l = &g.layout;
    assert_eq!(
        l.skip_rows, 3,
        "three preamble rows (the blank line is not a row): {g:?}"
    );
    assert_eq!(l.date_format, "%d %b %Y");
    assert_eq!(
        l.amount,
        AmountColumns::DebitCredit {
            debit: 3,
            credit: 4
        }
    );
    assert_eq!(l.payee_column, 2);
    let r = run(&text, l, &HashSet::new());
    let got: Vec<(NaiveDate, Money)> = r.transactions.iter().map(|t| (t.date, t.amount)).collect();
    assert_eq!(
        got,
        [
            (d("2026-03-02"), m("-64.00")),
            (d("2026-03-01"), m("-23.45")),
            (d("2026-03-01"), m("2150.00")),
            (d("2026-02-28"), m("-4.80")),
        ]
    );
    // The "Total" line is refused with its line number, not imported.
    assert_eq!(r.refused.len(), 1, "{:?}", r.refused);
    assert_eq!(r.refused[0].line, 10);
}

/// Two statements that overlap by a week add the shared rows once.
#[test]
fn overlapping_statements() {
    let layout = CsvLayout {
        delimiter: ',',
        has_header: true,
        skip_rows: 0,
        date_column: 0,
        date_format: "%Y-%m-%d".into(),
        amount: AmountColumns::Signed { column: 2 },
        decimal_comma: false,
        payee_column: 1,
        category_column: None,
        notes_column: None,
    };
    let first = "date,payee,amount\n2026-03-01,Coffee,-3.00\n2026-03-05,Coffee,-3.00\n2026-03-09,Books,-20.00\n";
    let second = "date,payee,amount\n2026-03-05,Coffee,-3.00\n2026-03-09,Books,-20.00\n2026-03-12,Cinema,-11.00\n";
    let a = run(first, &layout, &HashSet::new());
    let known: HashSet<String> = a
        .transactions
        .iter()
        .map(|t| t.fingerprint.clone())
        .collect();
    let b = run(second, &layout, &known);
    assert_eq!(
        (a.transactions.len(), b.transactions.len(), b.duplicates),
        (3, 1, 2)
    );
    assert_eq!(b.transactions[0].payee, "Cinema");
}

#[test]
fn amounts_as_banks_write_them() {
    let p = |t: &str, comma: bool| parse_amount(t, comma);
    let dec = |s: &str| Some(s.parse::<Decimal>().unwrap());
    assert_eq!(p("-1,234.56", false), dec("-1234.56"));
    assert_eq!(p("1.234,56", true), dec("1234.56"));
    assert_eq!(p("(12.50)", false), dec("-12.50"));
    assert_eq!(p("12.50-", false), dec("-12.50"));
    assert_eq!(p("£1,204.55", false), dec("1204.55"));
    assert_eq!(p("-£858.00", false), dec("-858.00"));
    assert_eq!(p("EUR 5,00", true), dec("5.00"));
    assert_eq!(p("45.00 DR", false), dec("-45.00"));
    assert_eq!(p("45.00 CR", false), dec("45.00"));
    for bad in ["", "abc", "1.2.3", "12.345", "--5", "5 5x"] {
        assert_eq!(p(bad, false), None, "{bad}");
    }
}

#[test]
fn no_layout_is_a_clear_error() {
    assert!(detect_csv_layout("").is_err());
    assert!(detect_csv_layout("a,b,c\nd,e,f\n").is_err());
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Any list of transactions, written as CSV and read back with its layout, is the same list.
    #[test]
    fn written_then_read_is_the_same_list(
        rows in proptest::collection::vec(
            (0i64..3650, -999_999i64..999_999, "[A-Za-z][A-Za-z0-9 ,.'&-]{0,30}"),
            1..40,
        )
    ) {
        let rows: Vec<(NaiveDate, Money, String)> = rows
            .into_iter()
            .filter(|(_, cents, _)| *cents != 0)
            .map(|(days, cents, payee)| {
                (
                    d("2020-01-01") + chrono::Days::new(days as u64),
                    Money::from_cents(cents),
                    payee.trim().to_owned(),
                )
            })
            .filter(|(_, _, p)| !p.is_empty())
            .collect();
        prop_assume!(!rows.is_empty());
        let mut text = String::from("Date,Payee,Amount\n");
        for (date, amount, payee) in &rows {
            text.push_str(&format!("{},{},{}\n", date.format("%Y-%m-%d"), csv_field(payee), amount));
        }
        let layout = detect_csv_layout(&text).unwrap().layout;
        let r = run(&text, &layout, &HashSet::new());
        prop_assert!(r.refused.is_empty(), "{:?}", r.refused);
        let back: Vec<(NaiveDate, Money, String)> = r
            .transactions
            .iter()
            .map(|t: &Transaction| (t.date, t.amount, t.payee.clone()))
            .collect();
        prop_assert_eq!(back, rows);
    }
}

/// Found by the fuzzer (core/fuzz, import_csv): control characters inside a payee made a row
/// that the data rules refuse. Every kept row now passes them; one that cannot is refused.
#[test]
fn control_characters_are_dropped_and_an_unstorable_row_is_refused() {
    let text = "Date,Description,Amount\n2026-03-22,SHELL OI\u{1}\u{0}\u{0}T 444,-41.20\n\
                2026-03-23,Huge,-99999999999999.00\n2026-03-24,\u{202e}\u{1},-1.00\n";
    let layout = detect_csv_layout(text).unwrap().layout;
    let r = import_csv(
        text,
        &layout,
        Some("Main\u{7}"),
        "t",
        &HashSet::new(),
        ids(),
        now(),
    )
    .unwrap();
    assert_eq!(r.transactions.len(), 1, "{r:?}");
    assert_eq!(r.transactions[0].payee, "SHELL OIT 444");
    assert_eq!(r.transactions[0].account.as_deref(), Some("Main"));
    r.transactions[0].validate().unwrap();
    let lines: Vec<usize> = r.refused.iter().map(|x| x.line).collect();
    assert_eq!(lines, [3, 4], "{:?}", r.refused);
    assert!(r.refused[0].reason.contains("amount"), "{:?}", r.refused);
}
