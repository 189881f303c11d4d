//! The fingerprint of a transaction (DESIGN §2): SHA-256 of its date, amount, normalised payee,
//! account and the occurrence number of that key in its file, so importing the same rows twice
//! — or two statements that overlap — adds nothing twice, while two genuinely equal purchases
//! on one day in one file (occurrence 1 and 2) both import. OFX rows use the bank's `FITID`
//! instead ([`fingerprint_fitid`]).

use std::collections::HashMap;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::money::Money;

/// The payee as compared: lower case, runs of whitespace as one space, trimmed.
pub fn normalise_payee(payee: &str) -> String {
    // One allocation: words lowercased, joined by one space (what split_whitespace + join did).
    let mut out = String::with_capacity(payee.len());
    for word in payee.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        if word.is_ascii() {
            out.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            out.push_str(&word.to_lowercase());
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    s
}

/// The fingerprint of a row: `occurrence` distinguishes equal rows (`"1"`, `"2"`, … within a
/// file; a hand-typed row uses its own id).
pub fn fingerprint(
    date: NaiveDate,
    amount: Money,
    payee: &str,
    account: Option<&str>,
    occurrence: &str,
) -> String {
    let key = format!(
        "v1\u{1f}{date}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{occurrence}",
        amount.as_decimal().normalize(),
        normalise_payee(payee),
        account.map(normalise_payee).unwrap_or_default()
    );
    hex(&Sha256::digest(key.as_bytes()))
}

/// The fingerprint of an OFX/QFX row: the bank's `FITID` in its account.
pub fn fingerprint_fitid(account: Option<&str>, fitid: &str) -> String {
    let key = format!(
        "ofx\u{1f}{}\u{1f}{}",
        account.map(str::trim).unwrap_or_default(),
        fitid.trim()
    );
    hex(&Sha256::digest(key.as_bytes()))
}

/// Counts occurrences of each (date, amount, payee, account) key in the order rows come, for
/// [`fingerprint`]'s `occurrence`.
#[derive(Debug, Default)]
pub struct Occurrences(HashMap<String, u32>);

impl Occurrences {
    /// The occurrence number (from 1) of this row's key.
    pub fn next(
        &mut self,
        date: NaiveDate,
        amount: Money,
        payee: &str,
        account: Option<&str>,
    ) -> u32 {
        let key = format!(
            "{date}|{}|{}|{}",
            amount.as_decimal().normalize(),
            normalise_payee(payee),
            account.map(normalise_payee).unwrap_or_default()
        );
        let n = self.0.entry(key).or_default();
        *n += 1;
        *n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_same_row_has_the_same_fingerprint() {
        let m = |s: &str| s.parse::<Money>().unwrap();
        let a = fingerprint(
            d("2026-03-04"),
            m("-12.50"),
            "CORNER  Shop",
            Some("Checking"),
            "1",
        );
        let b = fingerprint(
            d("2026-03-04"),
            m("-12.5"),
            " corner shop",
            Some("checking"),
            "1",
        );
        assert_eq!(a, b, "case, spacing and trailing zeros do not matter");
        assert_ne!(
            a,
            fingerprint(
                d("2026-03-04"),
                m("-12.50"),
                "corner shop",
                Some("Checking"),
                "2"
            )
        );
        assert_ne!(
            a,
            fingerprint(
                d("2026-03-05"),
                m("-12.50"),
                "corner shop",
                Some("Checking"),
                "1"
            )
        );
        assert_ne!(
            a,
            fingerprint(
                d("2026-03-04"),
                m("12.50"),
                "corner shop",
                Some("Checking"),
                "1"
            )
        );
        assert_ne!(
            fingerprint_fitid(Some("123"), "A1"),
            fingerprint_fitid(Some("123"), "A2")
        );
    }

    #[test]
    fn occurrences_count_equal_rows() {
        let mut o = Occurrences::default();
        let m: Money = "-3.00".parse().unwrap();
        assert_eq!(o.next(d("2026-01-02"), m, "Coffee", None), 1);
        assert_eq!(o.next(d("2026-01-02"), m, "coffee ", None), 2);
        assert_eq!(o.next(d("2026-01-03"), m, "Coffee", None), 1);
    }
}
