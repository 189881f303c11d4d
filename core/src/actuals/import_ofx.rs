//! OFX and QFX files (issue 15 §2), both versions with one tolerant reader: 1.x is SGML whose
//! leaf elements have no closing tag (`<TRNAMT>-64.00`), 2.x is XML (`<TRNAMT>-64.00</TRNAMT>`).
//! Each `<STMTTRN>` is a row: `DTPOSTED` (its first eight digits: the bank's calendar date — a
//! time or zone after them never moves the row to another day), `TRNAMT`, `FITID` (the bank's
//! identity of the row: the fingerprint is (account, FITID), so look-alike rows with different
//! FITIDs both import), `NAME` (or `PAYEE`'s name, else `MEMO`) and `MEMO`. The account is the
//! statement's `ACCTID`. A statement whose `CURDEF` is not the user's currency is refused whole.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};

use super::fingerprint::fingerprint_fitid;
use super::import_csv::{FileImport, RefusedRow, parse_amount};
use super::transaction::{Transaction, checked, clean_text};
use crate::ids::TransactionId;
use crate::money::Money;

/// Why an OFX file is refused whole.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OfxError {
    /// No `<OFX>` element.
    #[error("not an OFX file")]
    NotOfx,
    /// The statement's currency is not the user's.
    #[error("the statement is in {found}, the account's currency is {expected}")]
    Currency {
        /// `CURDEF`.
        found: String,
        /// The user's.
        expected: String,
    },
}

/// Whether `text` looks like OFX or QFX (1.x header or an `<OFX>` element).
pub fn is_ofx(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(4096)
        .collect::<String>()
        .to_ascii_uppercase();
    head.contains("OFXHEADER") || head.contains("<OFX>")
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// One tag and the text after it, with the line it starts on.
struct Token {
    tag: String,
    closing: bool,
    text: String,
    line: usize,
}

fn tokens(body: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    let mut line = 1usize;
    while let Some(open) = body[pos..].find('<').map(|o| pos + o) {
        line += body[pos..open].matches('\n').count();
        let Some(close) = body[open..].find('>').map(|c| open + c) else {
            break;
        };
        let inner = &body[open + 1..close];
        let next = body[close + 1..]
            .find('<')
            .map_or(body.len(), |n| close + 1 + n);
        if !inner.starts_with('?') && !inner.starts_with('!') {
            out.push(Token {
                closing: inner.starts_with('/'),
                tag: inner.trim_start_matches('/').trim().to_ascii_uppercase(),
                text: unescape(body[close + 1..next].trim()),
                line,
            });
        }
        line += body[open..close + 1].matches('\n').count();
        pos = close + 1;
    }
    out
}

fn ofx_date(text: &str) -> Option<NaiveDate> {
    use chrono::Datelike;
    let digits: String = text.chars().take(8).collect();
    let d = NaiveDate::parse_from_str(&digits, "%Y%m%d").ok()?;
    (1900..=2200).contains(&d.year()).then_some(d)
}

#[derive(Default)]
struct Row {
    line: usize,
    date: Option<String>,
    amount: Option<String>,
    fitid: Option<String>,
    name: Option<String>,
    memo: Option<String>,
}

/// Reads an OFX/QFX file (1.x or 2.x): new rows become transactions of the statement's account
/// and `import_id`; rows whose fingerprint is in `known` are duplicates; bad rows are refused
/// with their line. With `currency`, a statement in another currency refuses the whole file.
pub fn import_ofx(
    text: &str,
    currency: Option<&str>,
    import_id: &str,
    known: &HashSet<String>,
    mut next_id: impl FnMut() -> TransactionId,
    now: DateTime<Utc>,
) -> Result<FileImport, OfxError> {
    let upper = text.to_ascii_uppercase();
    let Some(start) = upper.find("<OFX>") else {
        return Err(OfxError::NotOfx);
    };
    let lines_before = text[..start].matches('\n').count();
    let mut out = FileImport {
        transactions: Vec::new(),
        duplicates: 0,
        refused: Vec::new(),
    };
    let mut account: Option<String> = None;
    let mut row: Option<Row> = None;
    let mut rows: Vec<(Option<String>, Row)> = Vec::new();
    let mut in_payee = false;
    for t in tokens(&text[start..]) {
        let line = t.line + lines_before;
        match (t.tag.as_str(), t.closing) {
            ("CURDEF", false) => {
                if let Some(expected) = currency
                    && !t.text.is_empty()
                    && !t.text.eq_ignore_ascii_case(expected)
                {
                    return Err(OfxError::Currency {
                        found: t.text.to_ascii_uppercase(),
                        expected: expected.to_owned(),
                    });
                }
            }
            ("ACCTID", false) => account = Some(t.text.clone()).filter(|a| !a.is_empty()),
            ("STMTTRN", false) => {
                // SGML may leave the previous row unclosed: the new one closes it.
                if let Some(r) = row.take() {
                    rows.push((account.clone(), r));
                }
                row = Some(Row {
                    line,
                    ..Row::default()
                })
            }
            ("STMTTRN", true) => {
                if let Some(r) = row.take() {
                    rows.push((account.clone(), r));
                }
            }
            ("PAYEE", c) => in_payee = !c,
            (tag, false) => {
                if let Some(r) = row.as_mut() {
                    let v = Some(t.text.clone()).filter(|v| !v.is_empty());
                    match tag {
                        "DTPOSTED" => r.date = v,
                        "TRNAMT" => r.amount = v,
                        "FITID" => r.fitid = v,
                        "NAME" if in_payee || r.name.is_none() => r.name = v,
                        "MEMO" => r.memo = v,
                        // SGML: a new STMTTRN or the list's end closes the row without a tag.
                        _ => {}
                    }
                }
            }
            ("BANKTRANLIST", true) => {
                if let Some(r) = row.take() {
                    rows.push((account.clone(), r));
                }
            }
            _ => {}
        }
    }
    if let Some(r) = row.take() {
        rows.push((account.clone(), r));
    }
    let mut seen: HashSet<String> = HashSet::new();
    for (account, r) in rows {
        let refuse = |out: &mut FileImport, reason: String| {
            out.refused.push(RefusedRow {
                line: r.line,
                reason,
            })
        };
        let Some(date) = r.date.as_deref().and_then(ofx_date) else {
            refuse(
                &mut out,
                format!(
                    "DTPOSTED {:?} is not a date",
                    r.date.as_deref().unwrap_or("")
                ),
            );
            continue;
        };
        let amount = match r
            .amount
            .as_deref()
            .and_then(|a| parse_amount(a, a.contains(',') && !a.contains('.')))
        {
            Some(a) if !a.is_zero() => Money::from(a),
            _ => {
                refuse(
                    &mut out,
                    format!(
                        "TRNAMT {:?} is not an amount",
                        r.amount.as_deref().unwrap_or("")
                    ),
                );
                continue;
            }
        };
        let Some(fitid) = r.fitid.clone() else {
            refuse(&mut out, "no FITID".into());
            continue;
        };
        let payee: String = clean_text(
            &r.name
                .clone()
                .or_else(|| r.memo.clone())
                .unwrap_or_default(),
        )
        .chars()
        .take(200)
        .collect();
        if payee.trim().is_empty() {
            refuse(&mut out, "no NAME or MEMO".into());
            continue;
        }
        let fp = fingerprint_fitid(account.as_deref(), &fitid);
        if known.contains(&fp) || !seen.insert(fp.clone()) {
            out.duplicates += 1;
            continue;
        }
        let row = checked(Transaction {
            user_id: None,
            id: next_id(),
            date,
            amount,
            payee: payee.trim().to_owned(),
            category: None,
            account: account.as_deref().map(clean_text),
            notes: r
                .memo
                .filter(|m| Some(m) != r.name.as_ref())
                .map(|m| clean_text(&m).chars().take(2000).collect::<String>())
                .filter(|m| !m.is_empty()),
            import_id: Some(import_id.to_owned()),
            fingerprint: fp,
            categorised_by: None,
            version: 1,
            created_at: now,
            updated_at: now,
        });
        match row {
            Ok(t) => out.transactions.push(t),
            Err(reason) => refuse(&mut out, reason),
        }
    }
    Ok(out)
}
