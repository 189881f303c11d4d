//! Transactions (issue 15, DESIGN §2 "Transaction"): CRUD, the filtered list, and the import of
//! a bank file — read, deduplicated and categorised by core's `import_transactions`, written in
//! one database transaction. A second import of the same rows adds nothing, even when two run
//! at once: the fingerprints are unique per user in the store (a blind index), and the import
//! that loses the race is read again against what the winner wrote.

use axum::Json;
use axum::extract::{DefaultBodyLimit, Multipart, Path};
use axum::http::StatusCode;
use lifepath_core::TransactionId;
use lifepath_core::actuals::{
    CategoryRule, CsvLayout, FileFormat, ImportError, ImportOptions, ImportReport, Transaction,
    TransactionInput, TransactionPatch, import_transactions, normalise_payee,
};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::error::{ApiError, Result};
use crate::extract::{ApiJson, ApiQuery, Day, PageQuery, VersionedJson};
use crate::repo::{self, Page, Repo, entity};
use crate::state::AppState;
use crate::store::{Expect, StoreError};

/// The largest file an import takes.
pub const MAX_IMPORT_MIB: usize = 10;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get_one, patch, delete))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(import))
                // The file's limit is checked while it streams in; this lets it get there.
                .layer(DefaultBodyLimit::max(
                    MAX_IMPORT_MIB * 1024 * 1024 + 64 * 1024,
                )),
        )
}

#[utoipa::path(
    post,
    path = "/transactions",
    tag = "transactions",
    summary = "Add a transaction by hand",
    request_body = TransactionInput,
    responses((status = 201, description = "Created", body = Transaction)),
    security(("bearer" = [])),
)]
async fn create(
    repo: Repo,
    ApiJson(input): ApiJson<TransactionInput>,
) -> Result<(StatusCode, Json<Transaction>)> {
    let mut t = Transaction::from_input(TransactionId(Uuid::now_v7()), input, repo::now())?;
    t.user_id = Some(repo.me().0);
    repo.create(&t, "transaction.create", json!({"version": 1}))
        .await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// `?from=&to=&category=&q=&limit=&cursor=` of the transaction list.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct TransactionListQuery {
    /// First day, YYYY-MM-DD (inclusive).
    #[param(value_type = Option<chrono::NaiveDate>)]
    from: Option<Day>,
    /// Last day, YYYY-MM-DD (inclusive).
    #[param(value_type = Option<chrono::NaiveDate>)]
    to: Option<Day>,
    /// Only this category slug (`uncategorized`: the rows without one).
    category: Option<String>,
    /// Only rows whose payee or notes contain this text (case and spacing aside).
    q: Option<String>,
    /// Items per page (default 24).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/transactions",
    tag = "transactions",
    summary = "Transactions, newest date first, filtered",
    params(TransactionListQuery),
    responses((status = 200, description = "OK", body = Page<Transaction>)),
    security(("bearer" = [])),
)]
async fn list(
    repo: Repo,
    ApiQuery(q): ApiQuery<TransactionListQuery>,
) -> Result<Json<Page<Transaction>>> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
    };
    if q.from.is_none() && q.to.is_none() && q.category.is_none() && q.q.is_none() {
        return Ok(Json(
            repo::page(repo.state(), repo.me().0, entity::TRANSACTION, None, &page).await?,
        ));
    }
    if let (Some(Day(from)), Some(Day(to))) = (q.from, q.to)
        && from > to
    {
        return Err(ApiError::invalid("from", "must not be after to"));
    }
    // Payees, notes and categories are sealed with the row: the user's rows are opened and
    // filtered here, and paged in the list's order with the list's cursors.
    let needle = q.q.as_deref().map(normalise_payee);
    let all: Vec<Transaction> = repo.all().await?;
    let rows = all.into_iter().filter(|t| {
        q.from.is_none_or(|Day(d)| t.date >= d)
            && q.to.is_none_or(|Day(d)| t.date <= d)
            && q.category
                .as_deref()
                .is_none_or(|c| t.category_or_uncategorized() == c)
            && needle.as_deref().is_none_or(|n| {
                normalise_payee(&t.payee).contains(n)
                    || t.notes
                        .as_deref()
                        .is_some_and(|x| normalise_payee(x).contains(n))
            })
    });
    Ok(Json(repo::page_of(
        rows.collect(),
        |t| (t.sort_key(), t.id.to_string()),
        &page,
    )?))
}

#[utoipa::path(
    get,
    path = "/transactions/{id}",
    tag = "transactions",
    summary = "One transaction",
    params(("id" = uuid::Uuid, Path, description = "The record's id")),
    responses((status = 200, description = "OK", body = Transaction)),
    security(("bearer" = [])),
)]
async fn get_one(repo: Repo, Path(id): Path<String>) -> Result<repo::Tagged<Transaction>> {
    let t: Transaction = repo.get(&id).await?;
    Ok(repo::tagged(t.version, t))
}

#[utoipa::path(
    patch,
    path = "/transactions/{id}",
    tag = "transactions",
    summary = "Change a transaction (a new category is the user's, and is learned from)",
    request_body = crate::extract::WithVersion<TransactionPatch>,
    params(("id" = uuid::Uuid, Path, description = "The record's id")),
    responses((status = 200, description = "OK", body = Transaction)),
    security(("bearer" = [])),
)]
async fn patch(
    repo: Repo,
    Path(id): Path<String>,
    VersionedJson {
        body: patch,
        expected,
    }: VersionedJson<TransactionPatch>,
) -> Result<Json<Transaction>> {
    let now = repo::now();
    let next = repo
        .patch(&id, expected, "transaction.update", |cur: &Transaction| {
            Ok(cur.apply_patch(&patch, now)?)
        })
        .await?;
    Ok(Json(next))
}

#[utoipa::path(
    delete,
    path = "/transactions/{id}",
    tag = "transactions",
    summary = "Delete a transaction",
    params(("id" = uuid::Uuid, Path, description = "The record's id")),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = [])),
)]
async fn delete(repo: Repo, Path(id): Path<String>) -> Result<StatusCode> {
    let t: Transaction = repo.get(&id).await?;
    repo.delete(&t, &[], "transaction.delete").await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The multipart form of an import.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct ImportForm {
    /// The bank's file: CSV, OFX/QFX (1.x or 2.x) or QIF, at most 10 MiB; UTF-8, else read as
    /// Latin-1.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// The CSV layout as JSON (else the detected one).
    #[schema(value_type = Option<CsvLayout>)]
    mapping: Option<String>,
    /// `csv`, `ofx` or `qif`: overrides the format read from the content.
    format: Option<FileFormat>,
    /// The account of CSV and QIF rows (OFX names its own).
    account: Option<String>,
}

/// What the form said.
struct ImportRequest {
    text: String,
    mapping: Option<CsvLayout>,
    format: Option<FileFormat>,
    account: Option<String>,
}

/// Reads the form, the file chunk by chunk: past the limit it stops with 413 and keeps nothing.
async fn read_form(mut form: Multipart) -> Result<ImportRequest> {
    let limit = MAX_IMPORT_MIB * 1024 * 1024;
    let too_large = ApiError::FileTooLarge {
        limit_mib: MAX_IMPORT_MIB,
    };
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::FileTooLarge {
                limit_mib: MAX_IMPORT_MIB,
            }
        } else {
            ApiError::BadRequest("the body must be multipart/form-data with a `file` part".into())
        }
    };
    let mut file: Option<Vec<u8>> = None;
    let (mut mapping, mut format, mut account) = (None, None, None);
    while let Some(mut field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                if bytes.len() + chunk.len() > limit {
                    return Err(too_large);
                }
                bytes.extend_from_slice(&chunk);
            }
            file = Some(bytes);
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(bad)? {
            if bytes.len() + chunk.len() > 64 * 1024 {
                return Err(ApiError::invalid(&name, "must be at most 64 KiB"));
            }
            bytes.extend_from_slice(&chunk);
        }
        let text =
            String::from_utf8(bytes).map_err(|_| ApiError::invalid(&name, "must be UTF-8"))?;
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        match name.as_str() {
            "mapping" => {
                let v: serde_json::Value = serde_json::from_str(text)
                    .map_err(|_| ApiError::invalid("mapping", "must be a CSV layout as JSON"))?;
                mapping = Some(
                    lifepath_core::validate::from_value(v)
                        .map_err(|e| prefix_fields(e, "mapping"))?,
                );
            }
            "format" => {
                format = Some(
                    serde_json::from_value(json!(text))
                        .map_err(|_| ApiError::invalid("format", "must be csv, ofx or qif"))?,
                );
            }
            "account" => {
                if text.chars().count() > 100 {
                    return Err(ApiError::invalid(
                        "account",
                        "must be at most 100 characters",
                    ));
                }
                account = Some(text.to_owned());
            }
            _ => {}
        }
    }
    let Some(bytes) = file else {
        return Err(ApiError::invalid(
            "file",
            "is required (a multipart part named file)",
        ));
    };
    Ok(ImportRequest {
        text: decode(bytes),
        mapping,
        format,
        account,
    })
}

/// A core error about a field of the mapping, named `mapping.<field>`.
fn prefix_fields(e: lifepath_core::Error, prefix: &str) -> ApiError {
    let errors = e.field_errors();
    match errors.first() {
        Some(f) => ApiError::invalid(&format!("{prefix}.{}", f.field), &f.message),
        None => ApiError::invalid(prefix, &e.to_string()),
    }
}

/// The file's text: UTF-8 (a byte-order mark dropped), else Latin-1 — what older bank exports
/// (German and French banks among them) write.
fn decode(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(s),
        Err(e) => e.into_bytes().iter().map(|&b| char::from(b)).collect(),
    }
}

#[utoipa::path(
    post,
    path = "/transactions/import",
    tag = "transactions",
    summary = "Import a bank file (CSV, OFX/QFX, QIF): rows there already are skipped",
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses((status = 200, description = "What the import did", body = ImportReport)),
    security(("bearer" = [])),
)]
async fn import(
    repo: Repo,
    form: std::result::Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Json<ImportReport>> {
    let form = form.map_err(|_| {
        ApiError::BadRequest(
            "the body must be multipart/form-data (with a boundary) and a `file` part".into(),
        )
    })?;
    let req = read_form(form).await?;
    let currency = repo.currency().await?;
    let import_id = Uuid::now_v7().to_string();
    let options = ImportOptions {
        format: req.format,
        layout: req.mapping.as_ref(),
        account: req.account.as_deref(),
        currency: Some(&currency),
    };
    let mut attempt = 0;
    loop {
        let existing: Vec<Transaction> = repo.all().await?;
        let rules: Vec<CategoryRule> = repo.all().await?;
        let (mut rows, report) = import_transactions(
            &req.text,
            &options,
            &import_id,
            &existing,
            &rules,
            || TransactionId(Uuid::now_v7()),
            repo::now(),
        )
        .map_err(import_error)?;
        let mut ops = Vec::with_capacity(rows.len());
        for t in &mut rows {
            t.user_id = Some(repo.me().0);
            ops.push(repo.put(&*t, 1, Expect::Absent)?);
        }
        // Counts only: no payee, amount or file name in the audit trail.
        let ev = repo.event("transaction.import").details(json!({
            "import_id": import_id,
            "format": report.format,
            "imported": report.imported,
            "duplicates": report.duplicates,
            "refused": report.refused.len(),
        }));
        match repo
            .state()
            .store
            .write(repo.me().0, ops, vec![ev.row()])
            .await
        {
            Ok(_) => return Ok(Json(report)),
            // Another import wrote some of these rows meanwhile: read again, they are
            // duplicates now.
            Err(StoreError::Duplicate | StoreError::Conflict) if attempt < 5 => {
                attempt += 1;
                repo::backoff(attempt).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn import_error(e: ImportError) -> ApiError {
    match e {
        ImportError::Csv(lifepath_core::actuals::CsvError::BadLayout(m)) => {
            ApiError::invalid("mapping", &m)
        }
        other => ApiError::invalid("file", &other.to_string()),
    }
}
