//! `lifepath/actuals` (issue 15): bank files read offline — the CSV layout guessed, any file
//! imported (deduplicated against the rows there already, categorised by the user's rules and
//! by what their corrections taught) — and a month built from transactions, with the plan
//! against it. Its own WebAssembly module (the `actuals` feature), loaded only by the pages
//! that import, so the main module stays small.

use chrono::{DateTime, NaiveDate, Utc};
use lifepath_core::TransactionId;
use lifepath_core::actuals::{
    self, CategoryRule, CsvLayout, FileFormat, ImportOptions, Transaction,
};
use lifepath_core::models::BudgetModel;
use lifepath_core::period::Period;
use serde::{Deserialize, Serialize};
use tsify::Tsify;
use uuid::Uuid;
use wasm_bindgen::prelude::*;

use crate::convert::{JsResult, arg, call, now, options_arg, output, record, records, today};
use crate::error::LifepathError;

/// Options of `importTransactions`.
#[derive(Clone, Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportTransactionsOptions {
    /// `csv`, `ofx` or `qif` (default: recognised from the content).
    #[serde(default)]
    #[tsify(optional)]
    pub format: Option<FileFormat>,
    /// The CSV layout (default: the one `detectCsvLayout` guesses).
    #[serde(default)]
    #[tsify(optional)]
    pub mapping: Option<CsvLayout>,
    /// The account of CSV and QIF rows (OFX names its own).
    #[serde(default)]
    #[tsify(optional)]
    pub account: Option<String>,
    /// The user's currency: an OFX statement in another one is refused.
    #[serde(default)]
    #[tsify(optional)]
    pub currency: Option<String>,
    /// The transactions there already: rows with their fingerprint are duplicates, and their
    /// user-given categories teach the payees' categories.
    #[serde(default)]
    #[tsify(optional)]
    pub existing: Option<Vec<Transaction>>,
    /// The user's categorisation rules.
    #[serde(default)]
    #[tsify(optional)]
    pub rules: Option<Vec<CategoryRule>>,
    /// The import's id (default: a new UUID).
    #[serde(default)]
    #[tsify(optional)]
    pub import_id: Option<String>,
    /// The instant of the import, RFC 3339 (default: the current time).
    #[serde(default)]
    #[tsify(optional, type = "DateTime<Utc>")]
    pub now: Option<DateTime<Utc>>,
}

/// What `importTransactions` gives: the new rows and the report.
#[derive(Clone, Debug, Serialize, Tsify)]
pub struct ImportResult {
    /// The new transactions, categorised where a rule or a correction knew the payee.
    pub transactions: Vec<Transaction>,
    /// Rows imported, duplicates skipped, rows refused with their line and reason.
    pub report: actuals::ImportReport,
}

/// Options of `planVsActual`.
#[derive(Clone, Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanOptions {
    /// The day the pace is measured at, `"YYYY-MM-DD"` (default: today in local time); the pace
    /// is given only for the month containing it.
    #[serde(default)]
    #[tsify(optional, type = "NaiveDate")]
    pub as_of: Option<NaiveDate>,
}

/// Guesses how to read a bank's CSV file from its first rows: delimiter, header, date format,
/// amount columns (signed, or debit and credit), decimal comma, payee; with how sure it is
/// (`confidence` 0–1) and notes on what it saw.
#[wasm_bindgen(js_name = detectCsvLayout, unchecked_return_type = "LayoutGuess")]
pub fn detect_csv_layout(text: &str) -> JsResult {
    call(|| {
        let guess = actuals::detect_csv_layout(text)
            .map_err(|e| LifepathError::invalid("text", e.to_string()))?;
        output(&guess)
    })
}

/// Imports a bank file (CSV of any layout, OFX/QFX 1.x or 2.x, QIF) offline: the format is
/// recognised from the content; rows already among `existing` (same fingerprint) are skipped;
/// new rows are categorised by `rules`, then by what the user's corrections taught; a bad row
/// is refused with its line and the file goes on. The same core function as the server's
/// `POST /transactions/import`.
#[wasm_bindgen(js_name = importTransactions, unchecked_return_type = "ImportResult")]
pub fn import_transactions(
    text: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "ImportTransactionsOptions")] options: JsValue,
) -> JsResult {
    call(|| {
        let o: ImportTransactionsOptions = options_arg(&options)?;
        let now = o.now.map_or_else(now, Ok)?;
        let import_id = o.import_id.clone().unwrap_or_else(random_id);
        let existing = o.existing.unwrap_or_default();
        let rules = o.rules.unwrap_or_default();
        let options = ImportOptions {
            format: o.format,
            layout: o.mapping.as_ref(),
            account: o.account.as_deref(),
            currency: o.currency.as_deref(),
        };
        let (mut transactions, report) = actuals::import_transactions(
            text,
            &options,
            &import_id,
            &existing,
            &rules,
            || TransactionId(Uuid::nil()),
            now,
        )
        .map_err(|e| match e {
            actuals::ImportError::Csv(actuals::CsvError::BadLayout(m)) => {
                LifepathError::invalid("mapping", m)
            }
            other => LifepathError::invalid("text", other.to_string()),
        })?;
        // Ids from the fingerprint: the same bank row imported on two devices is one record.
        for t in &mut transactions {
            t.id = actuals::id_from_fingerprint(&t.fingerprint);
        }
        import_output(transactions, report)
    })
}

#[wasm_bindgen(inline_js = r#"
// The new rows of an import, from columns (see import_output): each row's id (36 characters),
// fingerprint (64), then its amount, payee and notes, whose UTF-16 lengths are in `lens` (notes:
// 0xffffffff when null); its date and category are indexes into `dates` and `cats` ([category,
// categorised_by], 0 = none). The keys in the order of the core's JSON.
export function lifepath_build_import(text, lens, dateIdx, dates, catIdx, cats, account, importId, now, report) {
  const ds = JSON.parse(dates);
  const cs = JSON.parse(cats);
  const n = dateIdx.length;
  const rows = new Array(n);
  let p = 0;
  let l = 0;
  for (let i = 0; i < n; i++) {
    const id = text.slice(p, (p += 36));
    const fingerprint = text.slice(p, (p += 64));
    const amount = text.slice(p, (p += lens[l++]));
    const payee = text.slice(p, (p += lens[l++]));
    const nl = lens[l++];
    const notes = nl === 0xffffffff ? null : text.slice(p, (p += nl));
    const c = cs[catIdx[i]];
    rows[i] = {
      id, date: ds[dateIdx[i]], amount, payee, category: c[0], account, notes, import_id: importId,
      fingerprint, categorised_by: c[1], version: 1, created_at: now, updated_at: now,
    };
  }
  return { transactions: rows, report };
}
"#)]
extern "C" {
    #[allow(clippy::too_many_arguments)]
    fn lifepath_build_import(
        text: &str,
        lens: &[u32],
        date_idx: &[u32],
        dates: &str,
        cat_idx: &[u32],
        cats: &str,
        account: &JsValue,
        import_id: &str,
        now: &str,
        report: JsValue,
    ) -> JsValue;
}

/// The UTF-16 length of `s` (what a JavaScript string's `length` counts).
fn utf16_len(s: &str) -> u32 {
    let n = if s.is_ascii() {
        s.len()
    } else {
        s.encode_utf16().count()
    };
    u32::try_from(n).unwrap_or(u32::MAX - 1)
}

/// `importTransactions`'s answer: the same objects `output` would give, built in JavaScript
/// from columns. The rows of one import share their account, import id and instants; their
/// dates and categories repeat. Writing them as JSON for `JSON.parse` was most of the cost of
/// an import in the browser (2 MB of JSON for 5,000 rows). Rows that do not share those
/// (never the case for an import) go through `output`.
fn import_output(
    transactions: Vec<Transaction>,
    report: actuals::ImportReport,
) -> Result<JsValue, LifepathError> {
    use std::collections::HashMap;
    use std::fmt::Write;
    let first = transactions.first();
    let shared = |t: &Transaction| {
        first.is_some_and(|f| {
            t.account == f.account
                && t.import_id == f.import_id
                && t.created_at == f.created_at
                && t.updated_at == f.created_at
        }) && t.user_id.is_none()
            && t.version == 1
            && t.fingerprint.len() == 64
            && t.fingerprint.is_ascii()
    };
    if first.is_none() || !transactions.iter().all(shared) {
        return output(&ImportResult {
            transactions,
            report,
        });
    }
    let mut text = String::with_capacity(transactions.len() * 160);
    let mut lens = Vec::with_capacity(transactions.len() * 3);
    let mut date_idx = Vec::with_capacity(transactions.len());
    let mut cat_idx = Vec::with_capacity(transactions.len());
    let mut dates: Vec<NaiveDate> = Vec::new();
    let mut date_ids: HashMap<NaiveDate, u32> = HashMap::new();
    let mut cats: Vec<(Option<&str>, Option<&str>)> = vec![(None, None)];
    let mut cat_ids: HashMap<(Option<&str>, Option<&str>), u32> = HashMap::new();
    cat_ids.insert((None, None), 0);
    for t in &transactions {
        text.push_str(t.id.0.hyphenated().encode_lower(&mut Uuid::encode_buffer()));
        text.push_str(&t.fingerprint);
        let start = text.len();
        let _ = write!(text, "{}", t.amount);
        lens.push(u32::try_from(text.len() - start).unwrap_or(0));
        text.push_str(&t.payee);
        lens.push(utf16_len(&t.payee));
        match &t.notes {
            Some(n) => {
                text.push_str(n);
                lens.push(utf16_len(n));
            }
            None => lens.push(u32::MAX),
        }
        let next = u32::try_from(dates.len()).unwrap_or(0);
        date_idx.push(*date_ids.entry(t.date).or_insert_with(|| {
            dates.push(t.date);
            next
        }));
        let key = (t.category.as_deref(), t.categorised_by.as_deref());
        let next = u32::try_from(cats.len()).unwrap_or(0);
        cat_idx.push(*cat_ids.entry(key).or_insert_with(|| {
            cats.push(key);
            next
        }));
    }
    let f = &transactions[0];
    let account = f
        .account
        .as_deref()
        .map_or(JsValue::NULL, JsValue::from_str);
    let now = serde_json::to_value(f.created_at)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    Ok(lifepath_build_import(
        &text,
        &lens,
        &date_idx,
        &crate::convert::json(&dates)?,
        &cat_idx,
        &crate::convert::json(&cats)?,
        &account,
        f.import_id.as_deref().unwrap_or_default(),
        &now,
        output(&report)?,
    ))
}

/// The format of a bank file from its content: `"ofx"` (OFX 1.x/2.x, QFX), `"qif"`, else
/// `"csv"`.
#[wasm_bindgen(js_name = detectFileFormat, unchecked_return_type = "FileFormat")]
pub fn detect_file_format(text: &str) -> JsResult {
    call(|| output(&actuals::detect_format(text)))
}

/// Options of `explainCategory`.
#[derive(Clone, Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExplainOptions {
    /// The row's notes (rules may read them).
    #[serde(default)]
    #[tsify(optional)]
    pub notes: Option<String>,
    /// The user's categorisation rules.
    #[serde(default)]
    #[tsify(optional)]
    pub rules: Option<Vec<CategoryRule>>,
    /// The user's transactions: the categories they gave teach the payees' categories.
    #[serde(default)]
    #[tsify(optional)]
    pub existing: Option<Vec<Transaction>>,
}

/// The category a new row of `payee` would get on import, with how and why
/// (`"categorised by rule 2 (payee contains \"tesco\")"`, `"learned from 3 earlier
/// transactions"`); `null` when no rule and no correction knows the payee.
#[wasm_bindgen(js_name = explainCategory, unchecked_return_type = "Categorisation | null")]
pub fn explain_category(
    payee: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "ExplainOptions")] options: JsValue,
) -> JsResult {
    call(|| {
        let o: ExplainOptions = options_arg(&options)?;
        let rules = actuals::Rules::new(&o.rules.unwrap_or_default());
        let learned = actuals::learn(&o.existing.unwrap_or_default());
        output(&actuals::categorise(
            payee,
            o.notes.as_deref(),
            &rules,
            &learned,
        ))
    })
}

/// A new random UUID (v4) from the JavaScript engine's random numbers.
fn random_id() -> String {
    let mut bytes = [0u8; 16];
    for b in &mut bytes {
        *b = (js_sys::Math::random() * 256.0) as u8;
    }
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// A month added up from transactions: income (Σ money in), spending per category (Σ money
/// out; uncategorised under `uncategorized`), totals, surplus and savings rate; transfers count
/// neither way. The summary shape of a snapshot, so every analytic runs on it.
#[wasm_bindgen(js_name = monthlyActuals, unchecked_return_type = "MonthlyActuals")]
pub fn monthly_actuals(
    #[wasm_bindgen(unchecked_param_type = "Transaction[]")] transactions: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Period")] period: JsValue,
) -> JsResult {
    call(|| {
        let rows: Vec<Transaction> = records(&transactions, "transactions")?;
        let period: Period = arg(&period, "period")?;
        output(&actuals::monthly_actuals(&rows, period))
    })
}

/// Options of `snapshotFromActuals`.
#[derive(Clone, Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActualsSnapshotOptions {
    /// The owner (default: the nil UUID).
    #[serde(default)]
    #[tsify(optional, type = "Uuid")]
    pub user_id: Option<Uuid>,
    /// ISO 4217 code (default `"USD"`).
    #[serde(default)]
    #[tsify(optional)]
    pub currency: Option<String>,
    /// The instant, RFC 3339 (default: the current time).
    #[serde(default)]
    #[tsify(optional, type = "DateTime<Utc>")]
    pub now: Option<DateTime<Utc>>,
}

/// A month of actuals as a `BudgetSnapshot` (one income line, one expense line per category;
/// its totals are the actuals' totals), so every analytic — `computeTrends`,
/// `detectAnomalies`, `forecast`, `comparePeriods` — runs on actuals unchanged. Its id is
/// derived from the user and the month.
#[wasm_bindgen(js_name = snapshotFromActuals, unchecked_return_type = "BudgetSnapshot")]
pub fn snapshot_from_actuals(
    #[wasm_bindgen(js_name = actuals, unchecked_param_type = "MonthlyActuals")]
    actuals_value: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ActualsSnapshotOptions")] options: JsValue,
) -> JsResult {
    call(|| {
        let month: actuals::MonthlyActuals = arg(&actuals_value, "actuals")?;
        let o: ActualsSnapshotOptions = options_arg(&options)?;
        let now = o.now.map_or_else(now, Ok)?;
        let user = o.user_id.unwrap_or_default();
        let namespace = Uuid::from_u128(0x6c69_6665_7061_7468_2d61_6374_7561_6c73);
        let id = Uuid::new_v5(&namespace, format!("{user}:{}", month.period).as_bytes());
        output(&actuals::snapshot_from_actuals(
            &month,
            lifepath_core::SnapshotId(id),
            lifepath_core::UserId(user),
            o.currency.as_deref().unwrap_or("USD"),
            now,
        )?)
    })
}

/// The plan of month `period` among `snapshots`: that month's snapshot, else the latest one
/// before it; `null` when there is none. The same rule as the server's
/// `GET /budgets/plan-vs-actual`; the snapshot given back is the one passed in (not a copy).
#[wasm_bindgen(js_name = planFor, unchecked_return_type = "BudgetSnapshot | null")]
pub fn plan_for(
    #[wasm_bindgen(unchecked_param_type = "BudgetSnapshot[]")] snapshots: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Period")] period: JsValue,
) -> JsResult {
    call(|| {
        let period: Period = arg(&period, "period")?;
        // Only the months are read; a list that is not of snapshots is read whole for its error.
        let periods = match crate::convert::list_index(&snapshots) {
            Some((periods, _)) => periods,
            None => records::<lifepath_core::models::BudgetSnapshot>(&snapshots, "snapshots")?
                .iter()
                .map(lifepath_core::models::BudgetSnapshot::period)
                .collect(),
        };
        Ok(match actuals::plan_position(&periods, period) {
            Some(i) => js_sys::Array::from(&snapshots).get(u32::try_from(i).unwrap_or(u32::MAX)),
            None => JsValue::NULL,
        })
    })
}

/// A budget against a month's actuals, per category: planned, actual, remaining, over by, and
/// the pace for the month containing `asOf` (actual ÷ the plan pro rata); largest overrun
/// first.
#[wasm_bindgen(js_name = planVsActual, unchecked_return_type = "PlanVsActual")]
pub fn plan_vs_actual(
    #[wasm_bindgen(js_name = budgetModel, unchecked_param_type = "BudgetModel")]
    budget_model: JsValue,
    #[wasm_bindgen(js_name = actuals, unchecked_param_type = "MonthlyActuals")]
    actuals_value: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "PlanOptions")] options: JsValue,
) -> JsResult {
    call(|| {
        let plan: BudgetModel = record(&budget_model, "budgetModel")?;
        let month: actuals::MonthlyActuals = arg(&actuals_value, "actuals")?;
        let o: PlanOptions = options_arg(&options)?;
        let as_of = o.as_of.map_or_else(today, Ok)?;
        output(&actuals::plan_vs_actual(&plan, &month, Some(as_of)))
    })
}
