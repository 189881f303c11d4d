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
    let mut out = String::with_capacity(payee.len());
    push_normalised(&mut out, payee);
    out
}

/// Appends [`normalise_payee`] of `payee` to `out` (words lowercased, joined by one space).
fn push_normalised(out: &mut String, payee: &str) {
    if payee.is_ascii() {
        // Bytes, not chars (what `split_whitespace` does, for ASCII text).
        let (mut space, mut wrote) = (false, false);
        for b in payee.bytes() {
            if matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ') {
                space = true;
            } else {
                if space && wrote {
                    out.push(' ');
                }
                space = false;
                wrote = true;
                out.push(char::from(b.to_ascii_lowercase()));
            }
        }
        return;
    }
    let mut first = true;
    for word in payee.split_whitespace() {
        if !first {
            out.push(' ');
        }
        first = false;
        if word.is_ascii() {
            out.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            out.push_str(&word.to_lowercase());
        }
    }
}

/// Appends the date as `YYYY-MM-DD` (what its `Display` writes).
fn push_date(out: &mut String, date: NaiveDate) {
    use chrono::Datelike;
    use std::fmt::Write;
    let (y, m, d) = (date.year(), date.month(), date.day());
    if (1000..=9999).contains(&y) {
        let digits = [
            y / 1000,
            y / 100 % 10,
            y / 10 % 10,
            y % 10,
            -1,
            (m / 10) as i32,
            (m % 10) as i32,
            -1,
            (d / 10) as i32,
            (d % 10) as i32,
        ];
        out.extend(digits.iter().map(|&v| {
            if v < 0 {
                '-'
            } else {
                char::from(b'0' + v as u8)
            }
        }));
    } else {
        let _ = write!(out, "{date}");
    }
}

/// The text a fingerprint hashes, without the occurrence: `v1␟date␟amount␟payee␟account␟`.
fn push_key(out: &mut String, date: NaiveDate, amount: Money, payee: &str, account: Option<&str>) {
    use std::fmt::Write;
    out.push_str("v1\u{1f}");
    push_date(out, date);
    let _ = write!(out, "\u{1f}{}\u{1f}", amount.as_decimal().normalize());
    push_normalised(out, payee);
    out.push('\u{1f}');
    if let Some(a) = account {
        push_normalised(out, a);
    }
    out.push('\u{1f}');
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
    let mut key = String::with_capacity(64 + payee.len());
    push_key(&mut key, date, amount, payee, account);
    key.push_str(occurrence);
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

/// Fingerprints the rows of one file in order: each (date, amount, payee, account) key's
/// occurrences are counted and the fingerprint is [`fingerprint`] of the row with its
/// occurrence number (from 1). One buffer is reused and a key seen before is not copied: an
/// import fingerprints every row. Two rows of one file never get the same fingerprint (equal
/// keys get different occurrence numbers).
#[derive(Debug, Default)]
pub struct Fingerprinter {
    key: String,
    counts: HashMap<String, u32>,
}

impl Fingerprinter {
    /// The fingerprint of the next row.
    pub fn next(
        &mut self,
        date: NaiveDate,
        amount: Money,
        payee: &str,
        account: Option<&str>,
    ) -> String {
        self.key.clear();
        push_key(&mut self.key, date, amount, payee, account);
        let n = match self.counts.get_mut(self.key.as_str()) {
            Some(n) => {
                *n += 1;
                *n
            }
            None => {
                self.counts.insert(self.key.clone(), 1);
                1
            }
        };
        let mut digits = [0u8; 10];
        let mut i = digits.len();
        let mut v = n;
        loop {
            i -= 1;
            digits[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        let mut h = Sha256::new();
        h.update(self.key.as_bytes());
        h.update(&digits[i..]);
        hex(&h.finalize())
    }
}

/// The id of an imported row, from its fingerprint: the fingerprint's first 128 bits (a
/// SHA-256, already unique to the row) as a UUID version 8 (RFC 9562's custom version), so the
/// same bank row imported on two devices is one record and no second hash is needed. A
/// fingerprint that is not 64 hex digits (never the case for an imported row) is hashed first.
pub fn id_from_fingerprint(fingerprint: &str) -> crate::ids::TransactionId {
    let hex = fingerprint.as_bytes();
    let mut bytes = [0u8; 16];
    let digit = |b: u8| char::from(b).to_digit(16);
    let read = hex.len() == 64
        && bytes.iter_mut().enumerate().all(|(i, out)| {
            match (digit(hex[2 * i]), digit(hex[2 * i + 1])) {
                (Some(h), Some(l)) => {
                    *out = (h * 16 + l) as u8;
                    true
                }
                _ => false,
            }
        });
    if !read {
        bytes.copy_from_slice(&Sha256::digest(hex)[..16]);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    crate::ids::TransactionId(uuid::Uuid::from_bytes(bytes))
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
    fn an_imported_row_id_is_its_fingerprint_as_a_uuid_v8() {
        let fp = fingerprint(
            d("2026-03-04"),
            "-12.50".parse().unwrap(),
            "Corner Shop",
            None,
            "1",
        );
        let id = id_from_fingerprint(&fp).0;
        assert_eq!(id.get_version_num(), 8);
        assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
        let text = id.simple().to_string();
        assert_eq!(&text[..12], &fp[..12], "the fingerprint's own bits");
        assert_eq!(id_from_fingerprint(&fp), id_from_fingerprint(&fp));
        let other = fingerprint(
            d("2026-03-04"),
            "-12.50".parse().unwrap(),
            "Corner Shop",
            None,
            "2",
        );
        assert_ne!(id_from_fingerprint(&fp), id_from_fingerprint(&other));
        // Not hex: hashed, still a version 8 UUID, still the same for the same text.
        let odd = id_from_fingerprint("not a fingerprint").0;
        assert_eq!(odd.get_version_num(), 8);
        assert_eq!(id_from_fingerprint("not a fingerprint").0, odd);
    }

    #[test]
    fn ascii_payees_normalise_as_words_do() {
        for p in [
            "  Corner   SHOP ",
            "a\tb\u{b}c\u{c}d\r\ne",
            "",
            "   ",
            "x",
            "A  b\u{1c}C",
        ] {
            let words: Vec<String> = p.split_whitespace().map(str::to_lowercase).collect();
            assert_eq!(normalise_payee(p), words.join(" "), "{p:?}");
        }
        assert_eq!(normalise_payee("ÉCOLE  Straße"), "école straße");
    }

    #[test]
    fn the_fingerprinter_counts_equal_rows() {
        let mut f = Fingerprinter::default();
        let m: Money = "-3.00".parse().unwrap();
        let a = f.next(d("2026-01-02"), m, "Coffee", None);
        let b = f.next(d("2026-01-02"), m, "coffee ", None);
        let c = f.next(d("2026-01-03"), m, "Coffee", Some("Checking"));
        assert_eq!(a, fingerprint(d("2026-01-02"), m, "coffee", None, "1"));
        assert_eq!(b, fingerprint(d("2026-01-02"), m, "coffee", None, "2"));
        assert_eq!(
            c,
            fingerprint(d("2026-01-03"), m, "coffee", Some("checking"), "1")
        );
        // Fingerprints kept by earlier versions stay what they were (a re-import matches them).
        assert_eq!(
            fingerprint(
                d("2026-03-04"),
                "-12.50".parse().unwrap(),
                "Corner Shop",
                Some("Checking"),
                "1"
            ),
            hex(&Sha256::digest(
                "v1\u{1f}2026-03-04\u{1f}-12.5\u{1f}corner shop\u{1f}checking\u{1f}1".as_bytes()
            ))
        );
        assert_eq!(
            fingerprint(d("0999-03-04"), "7".parse().unwrap(), "x", None, "9"),
            hex(&Sha256::digest(
                "v1\u{1f}0999-03-04\u{1f}7\u{1f}x\u{1f}\u{1f}9".as_bytes()
            ))
        );
    }
}
