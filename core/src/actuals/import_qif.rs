//! QIF files (Quicken Interchange Format, issue 15 §2): `!Type:` sections of records ended by
//! `^`, one field a line — `D` date, `T`/`U` amount, `P` payee, `M` memo, `L` category (or
//! `[Account]`, a transfer), `N` number, and splits (`S` category, `E` memo, `$` amount). A split
//! record becomes one row per split line (date and payee shared, `notes` from the split memo); a
//! category `Top:Sub` becomes the slug of `Top` (`Housing:Rent` → `housing`) with
//! `categorised_by: "file"`, a transfer the category `transfer`. Dates are month-first like
//! Quicken's (`03/28/2026`, `3/28'26`, `3/28' 6`) or ISO. A bad record is refused with its line;
//! the file goes on.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};

use super::fingerprint::Fingerprinter;
use super::import_csv::{FileImport, RefusedRow, parse_amount, slugify};
use super::transaction::{TRANSFER, Transaction, checked, clean_text};
use crate::ids::TransactionId;
use crate::money::Money;
use crate::validate::is_slug;

/// Whether `text` looks like a QIF file (a `!Type:` or `!Account` header).
pub fn is_qif(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .get(..5)
        .is_some_and(|h| h.eq_ignore_ascii_case("!type") || h.eq_ignore_ascii_case("!acco"))
}

fn qif_date(text: &str) -> Option<NaiveDate> {
    use chrono::Datelike;
    // `3/28' 6` and `3/28'26` are 2006 and 2026; `'` marks the 2000s.
    let t = text.trim().replace("' ", "'0").replace('\'', "/20");
    let t = t.replace('-', "/");
    let d = ["%m/%d/%Y", "%Y/%m/%d", "%m/%d/%y", "%d.%m.%Y"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(&t, f).ok())?;
    (1900..=2200).contains(&d.year()).then_some(d)
}

fn category_of(l: &str) -> Option<String> {
    let l = l.trim();
    if l.starts_with('[') && l.ends_with(']') {
        return Some(TRANSFER.to_owned());
    }
    let top = l.split([':', '/']).next().unwrap_or("");
    Some(slugify(top)).filter(|s| is_slug(s))
}

#[derive(Default)]
struct Record {
    line: usize,
    date: Option<String>,
    amount: Option<String>,
    payee: Option<String>,
    memo: Option<String>,
    category: Option<String>,
    /// (category, memo, amount) of each split line.
    splits: Vec<(Option<String>, Option<String>, Option<String>)>,
}

/// Reads a QIF file: new rows become transactions of `account` and `import_id`; rows already
/// in `known` (by fingerprint) are duplicates; bad records are refused with their line.
pub fn import_qif(
    text: &str,
    account: Option<&str>,
    import_id: &str,
    known: &HashSet<String>,
    mut next_id: impl FnMut() -> TransactionId,
    now: DateTime<Utc>,
) -> FileImport {
    let mut out = FileImport {
        transactions: Vec::new(),
        duplicates: 0,
        refused: Vec::new(),
    };
    let mut records: Vec<Record> = Vec::new();
    let mut cur = Record::default();
    let mut in_transactions = true;
    for (i, raw) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if cur.line == 0 {
            cur.line = i + 1;
        }
        let (code, value) = line.split_at(line.chars().next().map_or(0, char::len_utf8));
        let value = value.trim().to_owned();
        match code {
            "!" => {
                // A section: only bank, cash and card sections hold transactions.
                let v = value.to_ascii_lowercase();
                in_transactions = v.starts_with("type:bank")
                    || v.starts_with("type:cash")
                    || v.starts_with("type:ccard")
                    || v.starts_with("type:oth");
                cur = Record::default();
            }
            _ if !in_transactions => {}
            "^" => {
                records.push(std::mem::take(&mut cur));
            }
            "D" => cur.date = Some(value),
            "T" | "U" => cur.amount = Some(value),
            "P" => cur.payee = Some(value),
            "M" => cur.memo = Some(value),
            "L" => cur.category = Some(value),
            "S" => cur.splits.push((Some(value), None, None)),
            "E" => match cur.splits.last_mut() {
                Some(s) => s.1 = Some(value),
                None => cur.splits.push((None, Some(value), None)),
            },
            "$" => match cur.splits.last_mut() {
                Some(s) if s.2.is_none() => s.2 = Some(value),
                _ => cur.splits.push((None, None, Some(value))),
            },
            _ => {}
        }
    }
    let mut fingerprints = Fingerprinter::default();
    for r in records {
        let refuse = |out: &mut FileImport, reason: String| {
            out.refused.push(RefusedRow {
                line: r.line,
                reason,
            })
        };
        let Some(date) = r.date.as_deref().and_then(qif_date) else {
            refuse(
                &mut out,
                format!("{:?} is not a date", r.date.as_deref().unwrap_or("")),
            );
            continue;
        };
        let payee: String = r
            .payee
            .as_deref()
            .or(r.memo.as_deref())
            .unwrap_or("")
            .chars()
            .take(200)
            .collect();
        if payee.trim().is_empty() {
            refuse(&mut out, "no payee".into());
            continue;
        }
        // One row, or one per split line.
        let lines: Vec<(Option<String>, Option<String>, Option<String>)> = if r.splits.is_empty() {
            vec![(r.category.clone(), r.memo.clone(), r.amount.clone())]
        } else {
            r.splits.clone()
        };
        let mut rows = Vec::new();
        let mut bad = None;
        for (cat, memo, amount) in &lines {
            let text = amount.as_deref().unwrap_or("");
            match parse_amount(text, false) {
                Some(a) if !a.is_zero() => rows.push((cat.clone(), memo.clone(), a)),
                Some(_) => {}
                None => {
                    bad = Some(format!("{text:?} is not an amount"));
                    break;
                }
            }
        }
        if let Some(reason) = bad {
            refuse(&mut out, reason);
            continue;
        }
        if rows.is_empty() {
            refuse(&mut out, "the amount is 0".into());
            continue;
        }
        for (cat, memo, amount) in rows {
            let amount = Money::from(amount);
            let fp = fingerprints.next(date, amount, &payee, account);
            if known.contains(&fp) {
                out.duplicates += 1;
                continue;
            }
            let category = cat.as_deref().and_then(category_of);
            let row = checked(Transaction {
                user_id: None,
                id: next_id(),
                date,
                amount,
                payee: clean_text(&payee),
                categorised_by: category.as_ref().map(|_| "file".to_owned()),
                category,
                account: account.map(clean_text),
                notes: memo
                    .map(|m| clean_text(&m).chars().take(2000).collect::<String>())
                    .filter(|m| !m.is_empty()),
                import_id: Some(import_id.to_owned()),
                fingerprint: fp,
                version: 1,
                created_at: now,
                updated_at: now,
            });
            match row {
                Ok(t) => out.transactions.push(t),
                Err(reason) => refuse(&mut out, reason),
            }
        }
    }
    out
}
