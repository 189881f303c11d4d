//! Bank CSV files (issue 15 §2): `detect_csv_layout` guesses the layout of a file from its first
//! rows — delimiter, header, the date column and its format, one signed amount or debit/credit
//! columns, decimal comma, payee, category and notes — and says how sure it is; `import_csv`
//! reads every row with a layout (the guessed one, or one the person corrected). A bad row never
//! aborts the file: it is refused with its line number and the reason. Rows already known (by
//! fingerprint) are skipped as duplicates, so the same file, or two overlapping statements,
//! import once.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::fingerprint::Fingerprinter;
use super::transaction::{Transaction, at_most, checked, clean_text, cleaned};
use crate::ids::TransactionId;
use crate::money::{MAX_AMOUNT, Money};
use crate::validate::is_slug;

/// The date formats a layout may name (`chrono` syntax).
pub const DATE_FORMATS: &[&str] = &[
    "%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d", "%d/%m/%y", "%m/%d/%y",
    "%d.%m.%y", "%Y%m%d", "%d %b %Y", "%d-%b-%Y", "%d %b %y",
];

/// Where the amount of a row is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AmountColumns {
    /// One column, negative for money out.
    Signed {
        /// Its index.
        column: usize,
    },
    /// Money out in one column, money in in another (both written as positive numbers).
    DebitCredit {
        /// The money-out column.
        debit: usize,
        /// The money-in column.
        credit: usize,
    },
}

/// How to read a bank's CSV file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CsvLayout {
    /// `,`, `;`, tab or `|`.
    pub delimiter: char,
    /// The first row (after `skip_rows`) names the columns.
    pub has_header: bool,
    /// Rows before the table (a bank's preamble; blank lines are not counted).
    #[serde(default)]
    pub skip_rows: usize,
    /// The date column.
    pub date_column: usize,
    /// Its format, one of [`DATE_FORMATS`].
    pub date_format: String,
    /// The amount.
    pub amount: AmountColumns,
    /// `1.234,56` rather than `1,234.56`.
    #[serde(default)]
    pub decimal_comma: bool,
    /// The payee (or description) column.
    pub payee_column: usize,
    /// A category column, if the file has one (used when its text is a category slug).
    #[serde(default)]
    pub category_column: Option<usize>,
    /// A notes (memo, reference) column.
    #[serde(default)]
    pub notes_column: Option<usize>,
}

/// A guessed layout and how sure the guess is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LayoutGuess {
    /// The layout.
    pub layout: CsvLayout,
    /// 0 to 1: the share of the sample rows this layout reads, lowered by each ambiguity.
    pub confidence: f64,
    /// Why each choice was made, and what was ambiguous.
    pub notes: Vec<String>,
    /// The header's names (or `column 1`, `column 2`, … without a header).
    pub columns: Vec<String>,
}

/// A row not imported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefusedRow {
    /// Its line in the file (from 1).
    pub line: usize,
    /// Why.
    pub reason: String,
}

/// What an import did (any format).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileImport {
    /// The new transactions (not yet categorised by rules: see `apply_categories`).
    pub transactions: Vec<Transaction>,
    /// Rows skipped because they were already there (same fingerprint).
    pub duplicates: usize,
    /// Rows refused, with their line and reason.
    pub refused: Vec<RefusedRow>,
}

/// Why a file cannot be read at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// Nothing but blank lines.
    #[error("the file is empty")]
    Empty,
    /// No column reads as dates or no column as amounts.
    #[error("no layout fits the file: {0}")]
    NoLayout(String),
    /// A layout naming a column the file does not have, or an unknown date format.
    #[error("the layout does not fit the file: {0}")]
    BadLayout(String),
}

fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

fn reader(text: &str, delimiter: char) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter as u8)
        .from_reader(strip_bom(text).as_bytes())
}

/// The rows that are not blank, with their line, trimmed (for the layout guess: a few rows).
fn records(text: &str, delimiter: char) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    for rec in reader(text, delimiter).records() {
        let Ok(rec) = rec else { continue };
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let fields: Vec<String> = rec.iter().map(|f| f.trim().to_owned()).collect();
        if fields.iter().all(|f| f.is_empty()) {
            continue;
        }
        out.push((line, fields));
    }
    out
}

/// An amount as banks write it: `-12.34`, `1,234.56`, `1.234,56` (decimal comma), `(12.34)`,
/// `12.34-`, a currency sign or code around it, `CR`/`DR` after it.
pub fn parse_amount(text: &str, decimal_comma: bool) -> Option<Decimal> {
    plain_amount(text.trim(), decimal_comma).or_else(|| any_amount(text, decimal_comma))
}

/// The common case without a copy: `-?digits` with at most 2 decimals after the point (the
/// decimal comma if `decimal_comma`), no grouping, no sign after, no currency. `None` when the
/// text is anything else (then [`any_amount`] reads it).
fn plain_amount(t: &str, decimal_comma: bool) -> Option<Decimal> {
    let point = if decimal_comma { b',' } else { b'.' };
    let b = t.as_bytes();
    let (negative, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        _ => (false, b),
    };
    let (mut mantissa, mut scale, mut after_point, mut seen) = (0i64, 0u32, false, 0usize);
    for &c in digits {
        match c {
            b'0'..=b'9' if seen < 15 => {
                mantissa = mantissa * 10 + i64::from(c - b'0');
                seen += 1;
                if after_point {
                    scale += 1;
                }
            }
            c if c == point && !after_point && seen > 0 => after_point = true,
            _ => return None,
        }
    }
    if seen == 0 || scale > 2 || (after_point && scale == 0) {
        return None;
    }
    let d = Decimal::new(if negative { -mantissa } else { mantissa }, scale);
    (d.abs() <= MAX_AMOUNT).then_some(d)
}

fn any_amount(text: &str, decimal_comma: bool) -> Option<Decimal> {
    // Slices of the text, never copies, until the digits are gathered.
    let mut t = text.trim();
    if t.is_empty() {
        return None;
    }
    let mut negative = false;
    let tail = t
        .len()
        .checked_sub(2)
        .and_then(|i| t.get(i..))
        .unwrap_or("");
    if tail.eq_ignore_ascii_case("DR") {
        negative = true;
        t = &t[..t.len() - 2];
    } else if tail.eq_ignore_ascii_case("CR") {
        t = &t[..t.len() - 2];
    }
    let mut t = t.trim();
    if t.len() >= 2 && t.starts_with('(') && t.ends_with(')') {
        negative = !negative;
        t = &t[1..t.len() - 1];
    }
    if let Some(rest) = t.strip_suffix('-') {
        negative = !negative;
        t = rest;
    }
    let mut digits = String::with_capacity(t.len());
    let mut sign_seen = false;
    for c in t.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '-' | '\u{2212}' if digits.is_empty() && !sign_seen => {
                negative = !negative;
                sign_seen = true;
            }
            '+' if digits.is_empty() && !sign_seen => sign_seen = true,
            '.' | ',' => digits.push(c),
            // Grouping spaces and currency signs or codes.
            ' ' | '\u{a0}' | '\u{202f}' | '\'' | '$' | '€' | '£' | '¥' => {}
            c if c.is_ascii_alphabetic() && digits.is_empty() => {}
            _ => return None,
        }
    }
    let (group, point) = if decimal_comma {
        ('.', ',')
    } else {
        (',', '.')
    };
    digits.retain(|c| c != group);
    if point == ',' {
        digits = digits.replace(',', ".");
    }
    if digits.is_empty() || digits.matches('.').count() > 1 {
        return None;
    }
    let mut d: Decimal = digits.parse().ok()?;
    if d.scale() > 2 || d > MAX_AMOUNT {
        return None;
    }
    if negative {
        d = -d;
    }
    Some(d)
}

/// The numeric formats read without chrono's general parser (the common case, much faster):
/// `%Y` four digits, `%y` two, `%m` and `%d` one or two, anything else a literal character
/// (the unit test below checks it against chrono on every such format).
/// `None` when the text or the format is not of that kind (then chrono decides).
fn fast_date(t: &str, format: &str) -> Option<NaiveDate> {
    let b = t.as_bytes();
    let f = format.as_bytes();
    let (mut i, mut k) = (0usize, 0usize);
    let (mut y, mut m, mut d) = (None, None, None);
    let digits = |i: &mut usize, min: usize, max: usize| -> Option<u32> {
        let start = *i;
        let mut v = 0u32;
        while *i < b.len() && *i - start < max && b[*i].is_ascii_digit() {
            v = v * 10 + u32::from(b[*i] - b'0');
            *i += 1;
        }
        (*i - start >= min).then_some(v)
    };
    while k < f.len() {
        if f[k] == b'%' && k + 1 < f.len() {
            match f[k + 1] {
                b'Y' => y = Some(i32::try_from(digits(&mut i, 4, 4)?).ok()?),
                // As chrono reads `%y`: 00–69 are 2000–2069, 70–99 are 1970–1999.
                b'y' => {
                    let v = i32::try_from(digits(&mut i, 2, 2)?).ok()?;
                    y = Some(if v < 70 { 2000 + v } else { 1900 + v });
                }
                b'm' => m = Some(digits(&mut i, 1, 2)?),
                b'd' => d = Some(digits(&mut i, 1, 2)?),
                _ => return None,
            }
            k += 2;
        } else {
            if b.get(i) != Some(&f[k]) {
                return None;
            }
            i += 1;
            k += 1;
        }
    }
    if i != b.len() {
        return None;
    }
    NaiveDate::from_ymd_opt(y?, m?, d?)
}

fn parse_date(text: &str, format: &str) -> Option<NaiveDate> {
    use chrono::Datelike;
    let t = text.trim();
    if let Some(d) = fast_date(t, format) {
        return (1900..=2200).contains(&d.year()).then_some(d);
    }
    // A time after the date ("2026-03-04 13:05", "2026-03-04T23:30:00Z") is the bank's own
    // clock: it never moves the row to another day.
    let head = t.split_once([' ', 'T']).map(|(h, _)| h);
    if !format.contains("%b") {
        if let Some(d) = head.and_then(|h| fast_date(h, format)) {
            return (1900..=2200).contains(&d.year()).then_some(d);
        }
        // A numeric format cannot read a date whose head has a character that is neither a
        // digit nor one of the format's own (a payee, an amount with a point where the format
        // has a dash): not asking chrono saves most of the layout guess, which tries every
        // format on every column.
        let foreign = |h: &str| {
            h.chars()
                .any(|c| !c.is_ascii_digit() && (c == '%' || !format.contains(c)))
        };
        if foreign(head.unwrap_or(t)) {
            return None;
        }
    }
    let d = NaiveDate::parse_from_str(t, format)
        .ok()
        .or_else(|| NaiveDate::parse_from_str(head?, format).ok())?;
    // A two-digit year read as a four-digit one ("26" as the year 26) is not a bank's date.
    (1900..=2200).contains(&d.year()).then_some(d)
}

fn header_hint(name: &str, words: &[&str]) -> bool {
    let n = name.to_lowercase();
    words.iter().any(|w| n.contains(w))
}

const DATE_WORDS: &[&str] = &["date", "datum", "fecha", "booked", "posted", "buchung"];
const AMOUNT_WORDS: &[&str] = &["amount", "betrag", "montant", "importe", "value", "sum"];
const DEBIT_WORDS: &[&str] = &[
    "debit",
    "withdraw",
    "paid out",
    "money out",
    "soll",
    "ausgang",
];
const CREDIT_WORDS: &[&str] = &[
    "credit", "deposit", "paid in", "money in", "haben", "eingang",
];
const PAYEE_WORDS: &[&str] = &[
    "payee",
    "description",
    "merchant",
    "name",
    "beneficiary",
    "counterparty",
    "details",
    "empfänger",
    "narrative",
    "beguenstigter",
    "begünstigter",
    "zahlungspflichtiger",
    "auftraggeber",
];
const CATEGORY_WORDS: &[&str] = &["category", "kategorie"];
const NOTES_WORDS: &[&str] = &["memo", "note", "reference", "verwendungszweck"];

/// A bank's category name as a slug: `Food & Drink` → `food_drink`.
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out.chars().take(40).collect()
}

/// Guesses the layout of a bank's CSV file from its first rows (at most 50).
pub fn detect_csv_layout(text: &str) -> Result<LayoutGuess, CsvError> {
    // Only the head of the file is read: 200 lines are enough for 50 rows after a preamble.
    let head_end = text
        .match_indices('\n')
        .nth(199)
        .map_or(text.len(), |(i, _)| i + 1);
    let text = &text[..head_end];
    if strip_bom(text).trim().is_empty() {
        return Err(CsvError::Empty);
    }
    let mut notes = Vec::new();
    // The delimiter whose rows agree on a field count (of at least 3 fields) most often.
    let mut best: Option<(char, usize, usize)> = None; // (delimiter, width, rows of that width)
    for d in [',', ';', '\t', '|'] {
        let rows = records(text, d);
        let mut widths: HashMap<usize, usize> = HashMap::new();
        for (_, r) in rows.iter().take(50) {
            *widths.entry(r.len()).or_default() += 1;
        }
        if let Some((w, n)) = widths
            .into_iter()
            .filter(|(w, _)| *w >= 3)
            .max_by_key(|(w, n)| (*n, *w))
            && best.is_none_or(|(_, _, bn)| n > bn)
        {
            best = Some((d, w, n));
        }
    }
    let Some((delimiter, width, _)) = best else {
        return Err(CsvError::NoLayout(
            "no delimiter gives rows of 3 columns or more".into(),
        ));
    };
    let rows: Vec<(usize, Vec<String>)> = records(text, delimiter);
    // A preamble: lines before the first row of the table's width.
    let skip_rows = rows.iter().position(|(_, r)| r.len() == width).unwrap_or(0);
    let table: Vec<&Vec<String>> = rows[skip_rows..]
        .iter()
        .map(|(_, r)| r)
        .filter(|r| r.len() == width)
        .take(50)
        .collect();
    if skip_rows > 0 {
        notes.push(format!("{skip_rows} line(s) before the table skipped"));
    }

    // Decimal comma: amounts like 1.234,56 or 12,34 (dates such as 30.03.26 aside).
    let is_date = |f: &str| DATE_FORMATS.iter().any(|fmt| parse_date(f, fmt).is_some());
    let ends_with = |f: &str, sep: u8| {
        let b = f.as_bytes();
        b.len() >= 4
            && b[b.len() - 3] == sep
            && b[b.len() - 2].is_ascii_digit()
            && b[b.len() - 1].is_ascii_digit()
            && !is_date(f)
    };
    let cells = || table.iter().flat_map(|r| r.iter());
    let comma_like = cells().filter(|f| ends_with(f, b',')).count();
    let point_like = cells().filter(|f| ends_with(f, b'.')).count();
    let decimal_comma = comma_like > point_like;
    if decimal_comma {
        notes.push("amounts use a decimal comma".into());
    }

    // Header: the first row has no date and no amount where the rest do.
    let first = table.first().copied();
    let body_from = |has_header: bool| if has_header { 1 } else { 0 };
    let date_share = |col: usize, fmt: &str, from: usize| -> f64 {
        let body = &table[from.min(table.len())..];
        if body.is_empty() {
            return 0.0;
        }
        body.iter()
            .filter(|r| parse_date(&r[col], fmt).is_some())
            .count() as f64
            / body.len() as f64
    };
    let first_has_date = first.is_some_and(|r| {
        r.iter()
            .any(|f| DATE_FORMATS.iter().any(|fmt| parse_date(f, fmt).is_some()))
    });
    let has_header = !first_has_date && table.len() > 1;
    let from = body_from(has_header);
    let columns: Vec<String> = match (has_header, first) {
        (true, Some(h)) => h.clone(),
        _ => (1..=width).map(|i| format!("column {i}")).collect(),
    };

    // The date column and format: the most rows read; ties broken by the header's words, then
    // by the order of DATE_FORMATS (an ambiguous day/month order is said in the notes).
    let mut date_pick: Option<(usize, &str, f64)> = None;
    for (col, name) in columns.iter().enumerate().take(width) {
        for fmt in DATE_FORMATS {
            let share = date_share(col, fmt, from);
            let bonus = if header_hint(name, DATE_WORDS) {
                0.01
            } else {
                0.0
            };
            if share > 0.5 && date_pick.is_none_or(|(_, _, s)| share + bonus > s) {
                date_pick = Some((col, fmt, share + bonus));
            }
        }
    }
    let Some((date_column, date_format, date_score)) = date_pick else {
        return Err(CsvError::NoLayout("no column reads as dates".into()));
    };
    let mut confidence = date_score.min(1.0);
    // Day-first and month-first both read every row: ambiguous.
    let twin = match date_format {
        "%d/%m/%Y" => Some("%m/%d/%Y"),
        "%m/%d/%Y" => Some("%d/%m/%Y"),
        "%d/%m/%y" => Some("%m/%d/%y"),
        "%m/%d/%y" => Some("%d/%m/%y"),
        _ => None,
    };
    if let Some(t) = twin
        && date_share(date_column, t, from) >= date_score - 0.01
    {
        notes.push(format!(
            "dates read both as {date_format} and {t}: {date_format} chosen, check the layout"
        ));
        confidence *= 0.7;
    }
    notes.push(format!(
        "dates in column {} as {date_format}",
        date_column + 1
    ));

    // Amount columns: the share of rows that read as amounts (empty cells count for debit/credit).
    let amount_share = |col: usize, allow_empty: bool| -> f64 {
        let body = &table[from.min(table.len())..];
        if body.is_empty() {
            return 0.0;
        }
        body.iter()
            .filter(|r| {
                let f = r[col].trim();
                (allow_empty && f.is_empty()) || parse_amount(f, decimal_comma).is_some()
            })
            .count() as f64
            / body.len() as f64
    };
    let numeric: Vec<usize> = (0..width)
        .filter(|c| *c != date_column && amount_share(*c, false) > 0.3)
        .collect();
    let named =
        |words: &[&str]| (0..width).find(|c| *c != date_column && header_hint(&columns[*c], words));
    let amount = match (named(DEBIT_WORDS), named(CREDIT_WORDS), named(AMOUNT_WORDS)) {
        (Some(debit), Some(credit), _)
            if debit != credit
                && amount_share(debit, true) > 0.9
                && amount_share(credit, true) > 0.9 =>
        {
            notes.push(format!(
                "money out in column {}, money in in column {}",
                debit + 1,
                credit + 1
            ));
            AmountColumns::DebitCredit { debit, credit }
        }
        (_, _, Some(column)) if amount_share(column, false) > 0.5 => {
            notes.push(format!("signed amounts in column {}", column + 1));
            AmountColumns::Signed { column }
        }
        _ => {
            // The numeric column with the most readable, signed values.
            let Some(&column) = numeric.iter().max_by(|a, b| {
                amount_share(**a, false)
                    .partial_cmp(&amount_share(**b, false))
                    .unwrap_or(std::cmp::Ordering::Equal)
            }) else {
                return Err(CsvError::NoLayout("no column reads as amounts".into()));
            };
            notes.push(format!(
                "amounts in column {} (no header said which: check the layout)",
                column + 1
            ));
            confidence *= 0.8;
            AmountColumns::Signed { column }
        }
    };
    let amount_cols: Vec<usize> = match &amount {
        AmountColumns::Signed { column } => vec![*column],
        AmountColumns::DebitCredit { debit, credit } => vec![*debit, *credit],
    };
    let text_cols: Vec<usize> = (0..width)
        .filter(|c| *c != date_column && !amount_cols.contains(c) && !numeric.contains(c))
        .collect();
    let payee_column = match named(PAYEE_WORDS).filter(|c| !amount_cols.contains(c)) {
        Some(c) => c,
        None => {
            // The text column with the most different values.
            let Some(&c) = text_cols.iter().max_by_key(|c| {
                table[from.min(table.len())..]
                    .iter()
                    .map(|r| r[**c].as_str())
                    .collect::<HashSet<_>>()
                    .len()
            }) else {
                return Err(CsvError::NoLayout("no column reads as payees".into()));
            };
            confidence *= 0.9;
            c
        }
    };
    notes.push(format!("payee in column {}", payee_column + 1));
    let category_column =
        named(CATEGORY_WORDS).filter(|c| *c != payee_column && !amount_cols.contains(c));
    let notes_column = named(NOTES_WORDS)
        .filter(|c| *c != payee_column && Some(*c) != category_column && !amount_cols.contains(c));
    let layout = CsvLayout {
        delimiter,
        has_header,
        skip_rows,
        date_column,
        date_format: date_format.to_owned(),
        amount,
        decimal_comma,
        payee_column,
        category_column,
        notes_column,
    };
    Ok(LayoutGuess {
        layout,
        confidence: (confidence * 1000.0).round() / 1000.0,
        notes,
        columns,
    })
}

/// Reads every row of `text` with `layout`: new rows become transactions of `account` and
/// `import_id` (ids from `next_id`); rows whose fingerprint is in `known` are duplicates (equal
/// rows within the file are not: see [`Fingerprinter`]); rows that cannot be read are refused
/// with their line and reason.
pub fn import_csv(
    text: &str,
    layout: &CsvLayout,
    account: Option<&str>,
    import_id: &str,
    known: &HashSet<String>,
    mut next_id: impl FnMut() -> TransactionId,
    now: DateTime<Utc>,
) -> Result<FileImport, CsvError> {
    if !DATE_FORMATS.contains(&layout.date_format.as_str()) {
        return Err(CsvError::BadLayout(format!(
            "date_format {:?} is not one of {}",
            layout.date_format,
            DATE_FORMATS.join(", ")
        )));
    }
    if !matches!(layout.delimiter, ',' | ';' | '\t' | '|') {
        return Err(CsvError::BadLayout("delimiter must be , ; tab or |".into()));
    }
    let mut reader = reader(text, layout.delimiter);
    let mut record = csv::StringRecord::new();
    let mut rows = RowReader {
        layout,
        account,
        clean_account: account.map(clean_text),
        import_id,
        known,
        fingerprints: Fingerprinter::default(),
        now,
    };
    let mut out = FileImport {
        transactions: Vec::new(),
        duplicates: 0,
        refused: Vec::new(),
    };
    // The preamble and the header are counted in rows that are not blank (as the layout says).
    let mut skip = layout.skip_rows + usize::from(layout.has_header);
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            // Not reachable from text (it is UTF-8 already); a record that cannot be read is
            // left out as `records` leaves it out.
            Err(_) => continue,
        }
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if skip > 0 {
            skip -= 1;
            continue;
        }
        let line = record.position().map_or(0, |p| p.line() as usize);
        match rows.read(&record, &mut next_id) {
            Ok(Some(t)) => out.transactions.push(t),
            Ok(None) => out.duplicates += 1,
            Err(reason) => out.refused.push(RefusedRow { line, reason }),
        }
    }
    Ok(out)
}

/// Reads the rows of one file with one layout.
struct RowReader<'a> {
    layout: &'a CsvLayout,
    account: Option<&'a str>,
    clean_account: Option<String>,
    import_id: &'a str,
    known: &'a HashSet<String>,
    fingerprints: Fingerprinter,
    now: DateTime<Utc>,
}

impl RowReader<'_> {
    /// One row: its transaction, `None` for a duplicate, or why it is refused. A function of its
    /// own, called for each row: a WebAssembly engine moves a function to its optimised code
    /// only between calls (V8 has no on-stack replacement for WebAssembly), so a loop body
    /// inlined into the caller would run the whole first import on the baseline compiler.
    #[inline(never)]
    fn read(
        &mut self,
        r: &csv::StringRecord,
        next_id: &mut impl FnMut() -> TransactionId,
    ) -> Result<Option<Transaction>, String> {
        let layout = self.layout;
        let cell = |c: usize| r.get(c).map(str::trim);
        let Some(date_text) = cell(layout.date_column) else {
            return Err(format!("no column {} (the date)", layout.date_column + 1));
        };
        let Some(date) = parse_date(date_text, &layout.date_format) else {
            return Err(format!(
                "{date_text:?} is not a date as {}",
                layout.date_format
            ));
        };
        let amount = match &layout.amount {
            AmountColumns::Signed { column } => {
                let t = cell(*column).unwrap_or("");
                parse_amount(t, layout.decimal_comma)
                    .ok_or_else(|| format!("{t:?} is not an amount"))?
            }
            AmountColumns::DebitCredit { debit, credit } => {
                let read = |t: &str| -> Result<Decimal, String> {
                    if t.is_empty() {
                        Ok(Decimal::ZERO)
                    } else {
                        parse_amount(t, layout.decimal_comma)
                            .ok_or_else(|| format!("{t:?} is not an amount"))
                    }
                };
                let d = read(cell(*debit).unwrap_or(""))?;
                let c = read(cell(*credit).unwrap_or(""))?;
                c.abs() - d.abs()
            }
        };
        if amount.is_zero() {
            return Err("the amount is 0".into());
        }
        let amount = Money::from(amount);
        let payee = cleaned(cell(layout.payee_column).unwrap_or(""));
        if payee.is_empty() {
            return Err("no payee".into());
        }
        let payee = at_most(&payee, 200);
        let fp = self.fingerprints.next(date, amount, payee, self.account);
        if !self.known.is_empty() && self.known.contains(&fp) {
            return Ok(None);
        }
        let category = layout
            .category_column
            .and_then(cell)
            .map(slugify)
            .filter(|c| is_slug(c));
        let notes = layout
            .notes_column
            .and_then(cell)
            .map(|n| at_most(&cleaned(n), 2000).to_owned())
            .filter(|n| !n.is_empty());
        checked(Transaction {
            user_id: None,
            id: next_id(),
            date,
            amount,
            payee: payee.to_owned(),
            categorised_by: category.as_ref().map(|_| "file".to_owned()),
            category,
            account: self.clean_account.clone(),
            notes,
            import_id: Some(self.import_id.to_owned()),
            fingerprint: fp,
            version: 1,
            created_at: self.now,
            updated_at: self.now,
        })
        .map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plain_amount_path_reads_as_the_general_one() {
        // Every text of up to 6 characters over these, both decimal conventions.
        let alphabet = ['0', '1', '9', '-', '.', ',', '+', ' '];
        let mut hits = 0;
        let mut text = String::new();
        for n in 1..=6u32 {
            for mut k in 0..alphabet.len().pow(n) {
                text.clear();
                for _ in 0..n {
                    text.push(alphabet[k % alphabet.len()]);
                    k /= alphabet.len();
                }
                for comma in [false, true] {
                    if let Some(d) = plain_amount(text.trim(), comma) {
                        hits += 1;
                        let general = any_amount(&text, comma);
                        assert_eq!(Some(d), general, "{text:?} comma {comma}");
                        assert_eq!(
                            general.map(|g| g.scale()),
                            Some(d.scale()),
                            "{text:?} scale"
                        );
                    }
                }
            }
        }
        assert!(hits > 1000, "{hits}");
        assert_eq!(
            plain_amount("1000000000000.01", false),
            None,
            "over the maximum"
        );
    }

    #[test]
    fn dates_read_as_chrono_reads_them() {
        use chrono::Datelike;
        // What parse_date did with chrono alone.
        let chrono = |t: &str, f: &str| {
            let t = t.trim();
            let d = NaiveDate::parse_from_str(t, f).ok().or_else(|| {
                let (head, _) = t.split_once([' ', 'T'])?;
                NaiveDate::parse_from_str(head, f).ok()
            })?;
            (1900..=2200).contains(&d.year()).then_some(d)
        };
        let samples = [
            "2026-03-04",
            "2026-03-04 13:05",
            "2026-03-04T23:30:00Z",
            "04/03/2026 08:00",
            "04.03.26",
            "4 Mar 2026",
            "04-Mar-2026",
            "TESCO STORES 2231",
            "-12.34",
            "1.234,56",
            "ref 12",
            "20260304",
            "2026-3-4x",
            "",
            "26-03-04",
        ];
        for f in DATE_FORMATS {
            for s in samples {
                assert_eq!(parse_date(s, f), chrono(s, f), "{s:?} as {f}");
            }
        }
    }

    #[test]
    fn the_fast_date_path_reads_as_chrono_does() {
        let samples = [
            "2026-03-04",
            "2026-3-4",
            "04/03/2026",
            "4/3/2026",
            "03/04/2026",
            "04.03.2026",
            "04-03-2026",
            "2026/03/04",
            "04/03/26",
            "03/04/99",
            "04.03.70",
            "20260304",
            "2026-02-30",
            "2026-13-01",
            "x2026-03-04",
            "26-03-04",
            "0/0/2026",
            "04.03.2026x",
        ];
        let mut fast_hits = 0;
        for f in DATE_FORMATS.iter().filter(|f| !f.contains("%b")) {
            for s in samples {
                let chrono = NaiveDate::parse_from_str(s, f).ok();
                if let Some(fast) = fast_date(s, f) {
                    fast_hits += 1;
                    assert_eq!(Some(fast), chrono, "{s} as {f}");
                }
            }
        }
        assert!(fast_hits >= 12, "{fast_hits}");
    }
}
