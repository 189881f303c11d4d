//! Any bank file (DESIGN §2 "Import"): the format is recognised from the content — OFX 1.x
//! (SGML), OFX 2.x / QFX (XML), QIF (`!Type:`), else CSV with the detected layout (or the one
//! given) — whatever the file's name or content type; a `format` given by the caller overrides.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::categorise::{CategoryRule, Rules, apply_categories, learn};
use super::import_csv::{
    CsvError, CsvLayout, FileImport, RefusedRow, detect_csv_layout, import_csv,
};
use super::import_ofx::{OfxError, import_ofx, is_ofx};
use super::import_qif::{import_qif, is_qif};
use super::transaction::Transaction;
use crate::ids::TransactionId;

/// A bank file's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// Comma (or `;`, tab, `|`) separated values.
    Csv,
    /// OFX 1.x/2.x or QFX.
    Ofx,
    /// Quicken Interchange Format.
    Qif,
}

/// The format of `text`, from its content.
pub fn detect_format(text: &str) -> FileFormat {
    if is_ofx(text) {
        FileFormat::Ofx
    } else if is_qif(text) {
        FileFormat::Qif
    } else {
        FileFormat::Csv
    }
}

/// What an import is told besides the file.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions<'a> {
    /// Overrides the format read from the content.
    pub format: Option<FileFormat>,
    /// The CSV layout (else the detected one).
    pub layout: Option<&'a CsvLayout>,
    /// The account of CSV and QIF rows (OFX names its own).
    pub account: Option<&'a str>,
    /// The user's currency: an OFX statement in another one is refused.
    pub currency: Option<&'a str>,
}

/// Why a file is refused whole (a bad row is only refused on its own).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// A CSV file no layout fits, or a layout that does not fit it.
    #[error(transparent)]
    Csv(#[from] CsvError),
    /// Not OFX, or a statement in another currency.
    #[error(transparent)]
    Ofx(#[from] OfxError),
}

/// Reads a bank file of any supported format.
pub fn import_file(
    text: &str,
    options: &ImportOptions<'_>,
    import_id: &str,
    known: &HashSet<String>,
    next_id: impl FnMut() -> TransactionId,
    now: DateTime<Utc>,
) -> Result<(FileFormat, FileImport), ImportError> {
    let format = options.format.unwrap_or_else(|| detect_format(text));
    let result = match format {
        FileFormat::Ofx => import_ofx(text, options.currency, import_id, known, next_id, now)?,
        FileFormat::Qif => import_qif(text, options.account, import_id, known, next_id, now),
        FileFormat::Csv => {
            let detected;
            let layout = match options.layout {
                Some(l) => l,
                None => {
                    detected = detect_csv_layout(text)?.layout;
                    &detected
                }
            };
            import_csv(
                text,
                layout,
                options.account,
                import_id,
                known,
                next_id,
                now,
            )?
        }
    };
    Ok((format, result))
}

/// What an import did, as the server answers it and the package returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    /// The import's id (on every transaction it added).
    pub import_id: String,
    /// The format read.
    pub format: FileFormat,
    /// Transactions added.
    pub imported: usize,
    /// Rows skipped because they were there already (same fingerprint).
    pub duplicates: usize,
    /// Rows refused, with their line and reason.
    pub refused: Vec<RefusedRow>,
    /// Of the added ones, how many a rule or what was learned categorised.
    pub categorised: usize,
}

/// The whole import (DESIGN §2 "Import"): reads `text` (any format), skips the rows whose
/// fingerprint is among `existing`, categorises the new rows by `rules` and by what the user
/// taught in `existing`, and reports. The server and the package both call this.
pub fn import_transactions(
    text: &str,
    options: &ImportOptions<'_>,
    import_id: &str,
    existing: &[Transaction],
    rules: &[CategoryRule],
    next_id: impl FnMut() -> TransactionId,
    now: DateTime<Utc>,
) -> Result<(Vec<Transaction>, ImportReport), ImportError> {
    let known: HashSet<String> = existing.iter().map(|t| t.fingerprint.clone()).collect();
    let (format, mut result) = import_file(text, options, import_id, &known, next_id, now)?;
    let categorised = apply_categories(
        &mut result.transactions,
        &Rules::new(rules),
        &learn(existing),
    );
    let report = ImportReport {
        import_id: import_id.to_owned(),
        format,
        imported: result.transactions.len(),
        duplicates: result.duplicates,
        refused: result.refused,
        categorised,
    };
    Ok((result.transactions, report))
}
