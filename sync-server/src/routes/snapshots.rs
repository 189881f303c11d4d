//! Budget snapshots (upsert per period, list, get, delete) and the analytics over them: trends,
//! anomalies, comparison and forecast — every number from `lifepath-core`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use lifepath_core::analytics::{
    AnomalyMethod, AnomalyOptions, AnomalyReport, Baseline, Comparison, DEFAULT_MONTHS, Forecast,
    ForecastOptions, Trends, compare_periods, compute_trends, detect_anomalies, forecast,
};
use lifepath_core::models::{BudgetSnapshot, SnapshotInput, User};
use lifepath_core::sync::EntityKind;
use lifepath_core::validate::Validate;
use lifepath_core::{Period, SnapshotId};
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, Result};
use crate::extract::{ApiQuery, IfMatch, PageQuery, VersionedJson, path_id};
use crate::repo::Repo;
use crate::repo::{self, Page, entity};
use crate::state::AppState;
use crate::store::{Expect, Op};

fn id_of(s: &BudgetSnapshot) -> String {
    s.id.to_string()
}

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upsert, list))
        .routes(routes!(get_one, delete))
        .routes(routes!(by_period))
        .routes(routes!(trends))
        .routes(routes!(anomalies))
        .routes(routes!(compare))
        .routes(routes!(forecast_route))
}

/// Creates (true) or replaces (false) the user's snapshot of the input's period. Without an
/// expected version the write always applies: a concurrent change is re-read and retried.
pub async fn upsert_snapshot(
    repo: &Repo,
    input: SnapshotInput,
    expected: Option<i64>,
) -> Result<(BudgetSnapshot, bool)> {
    let mut attempt = 0;
    loop {
        match upsert_snapshot_once(repo, input.clone(), expected).await {
            Err(ApiError::Conflict { .. }) if expected.is_none() && attempt < repo::MAX_RETRIES => {
                attempt += 1;
                repo::backoff(attempt).await;
            }
            other => return other,
        }
    }
}

async fn upsert_snapshot_once(
    repo: &Repo,
    input: SnapshotInput,
    expected: Option<i64>,
) -> Result<(BudgetSnapshot, bool)> {
    input.validate()?;
    let s = repo.state();
    let period = Period::new(input.period_year, input.period_month)
        .map_err(|e| ApiError::invalid("period_month", &e.to_string()))?;
    if let Some(sid) = input.source_session_id
        && !repo
            .exists(EntityKind::BudgetSession, &sid.to_string())
            .await?
    {
        return Err(ApiError::invalid(
            "source_session_id",
            "is not one of your budget sessions",
        ));
    }
    let now = repo::now();
    // The session it was saved from (an id): the success metrics' snapshot creation rate.
    let source = input.source_session_id.map(|id| id.to_string());
    let details = |version: i64| json!({"version": version, "period": period.to_string(), "source_session_id": source});
    if let Some(cur) = repo.by_period::<BudgetSnapshot>("", period.index()).await? {
        repo.check_version(&cur, expected).await?;
        let next = cur.replace(input, now)?;
        // The snapshot and the goals' progress derived from it, in one transaction.
        let mut ops = vec![repo.put(&next, next.version, Expect::Version(cur.version))?];
        ops.extend(crate::derived_progress::ops_for_saved(repo, &next).await?);
        let ev = repo.event_on("snapshot.replace", &next, details(next.version));
        repo.write(
            ops,
            vec![ev],
            Some((entity::SNAPSHOT, &next.id.to_string(), cur.version)),
        )
        .await?;
        return Ok((next, false));
    }
    let key = repo.user();
    let account = s
        .store
        .account(repo.me().0)
        .await?
        .ok_or(ApiError::NotFound)?;
    let user: User = s.open_sealed(key, entity::USER, key, &account.sealed)?;
    let snap = BudgetSnapshot::create(
        SnapshotId(Uuid::now_v7()),
        repo.me().0,
        &user.currency,
        input,
        now,
    )?;
    let ev = repo.event_on("snapshot.create", &snap, details(1));
    let mut ops = vec![repo.put(&snap, snap.version, Expect::Absent)?];
    ops.extend(crate::derived_progress::ops_for_saved(repo, &snap).await?);
    match repo.write(ops, vec![ev], None).await {
        Ok(()) => Ok((snap, true)),
        // Another request created this period first: answer with its record.
        Err(ApiError::Taken { .. }) => {
            match repo.by_period::<BudgetSnapshot>("", period.index()).await {
                Ok(Some(current)) => Err(ApiError::Conflict {
                    expected: 0,
                    current: Box::new(serde_json::to_value(current).map_err(ApiError::internal)?),
                }),
                Ok(None) => Err(ApiError::internal(
                    "snapshot insert conflicted with nothing",
                )),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

#[utoipa::path(
    post,
    path = "/budgets/snapshots",
    tag = "budgets",
    summary = "Create (201) or replace (200) the snapshot of a period",
    request_body = crate::extract::WithVersion<SnapshotInput>,
    responses(
        (status = 201, description = "Created", body = BudgetSnapshot),
        (status = 200, description = "Replaced", body = BudgetSnapshot),
    ),
    security(("bearer" = [])),
)]
async fn upsert(
    repo: Repo,
    VersionedJson {
        body: input,
        expected,
    }: VersionedJson<SnapshotInput>,
) -> Result<(StatusCode, Json<BudgetSnapshot>)> {
    let (snap, created) = upsert_snapshot(&repo, input, expected).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(snap)))
}

#[utoipa::path(
    get,
    path = "/budgets/snapshots",
    tag = "budgets",
    summary = "Snapshots, newest first",
    params(SnapshotListQuery),
    responses((status = 200, description = "OK", body = Page<BudgetSnapshot>)),
    security(("bearer" = [])),
)]
async fn list(
    State(s): State<AppState>,
    me: AuthUser,
    ApiQuery(q): ApiQuery<SnapshotListQuery>,
) -> Result<Json<Page<BudgetSnapshot>>> {
    let periods = match (q.from, q.to) {
        (None, None) => None,
        (from, to) => {
            let lo = from.map_or(i64::MIN, Period::index);
            let hi = to.map_or(i64::MAX, Period::index);
            if lo > hi {
                return Err(ApiError::invalid("to", "must not be before `from`"));
            }
            Some((lo, hi))
        }
    };
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    Ok(Json(
        repo::page_in(&s, me.0, entity::SNAPSHOT, None, &page, periods).await?,
    ))
}

/// `?from=YYYY-MM&to=YYYY-MM&limit=&cursor=` of the snapshot list (each optional; both ends
/// included).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SnapshotListQuery {
    /// The first month listed.
    from: Option<Period>,
    /// The last month listed.
    to: Option<Period>,
    /// Items per page (default 24).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/budgets/snapshots/by-period/{period}",
    tag = "budgets",
    summary = "The snapshot of one month (404 when there is none)",
    params(("period" = Period, Path, description = "The month, YYYY-MM")),
    responses((status = 200, description = "OK", body = BudgetSnapshot)),
    security(("bearer" = [])),
)]
async fn by_period(repo: Repo, Path(period): Path<String>) -> Result<Json<BudgetSnapshot>> {
    // A malformed month names no snapshot: 404, like a malformed id.
    let period: Period = period.parse().map_err(|_| ApiError::NotFound)?;
    repo.by_period::<BudgetSnapshot>("", period.index())
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

#[utoipa::path(
    get,
    path = "/budgets/snapshots/{id}",
    tag = "budgets",
    summary = "One snapshot",
    params(("id" = uuid::Uuid, Path, description = "The record's id")),
    responses((status = 200, description = "OK", body = BudgetSnapshot)),
    security(("bearer" = [])),
)]
async fn get_one(
    State(s): State<AppState>,
    me: AuthUser,
    Path(id): Path<String>,
) -> Result<repo::RawRecord> {
    let id = path_id(&id)?.to_string();
    s.load_raw(me.0, entity::SNAPSHOT, &id).await
}

#[utoipa::path(
    delete,
    path = "/budgets/snapshots/{id}",
    tag = "budgets",
    summary = "Delete a snapshot",
    params(("id" = uuid::Uuid, Path, description = "The record's id")),
    responses((status = 204, description = "No content")),
    security(("bearer" = [])),
)]
async fn delete(
    repo: Repo,
    IfMatch(if_match): IfMatch,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let cur: BudgetSnapshot = repo.get(&id).await?;
    repo.check_version(&cur, if_match).await?;
    // The snapshot and the progress derived from it go together.
    let mut ops = vec![Op::Tombstone {
        entity: entity::SNAPSHOT,
        id: id_of(&cur),
        expect: Some(cur.version),
    }];
    ops.extend(crate::derived_progress::ops_for_deleted(&repo, &cur).await?);
    let ev = repo.event_on("snapshot.delete", &cur, json!({}));
    repo.write(
        ops,
        vec![ev],
        Some((entity::SNAPSHOT, &id_of(&cur), cur.version)),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn all_snapshots(s: &AppState, me: &AuthUser) -> Result<Vec<BudgetSnapshot>> {
    s.load_all(me.0, entity::SNAPSHOT).await
}

/// `?months=` of `/budgets/trends`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct TrendsQuery {
    /// Months back (default 12).
    #[param(minimum = 1, maximum = 1200)]
    months: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/budgets/trends",
    tag = "budgets",
    summary = "Trends (?months)",
    params(TrendsQuery),
    responses((status = 200, description = "OK", body = Trends)),
    security(("bearer" = [])),
)]
async fn trends(
    State(s): State<AppState>,
    me: AuthUser,
    ApiQuery(q): ApiQuery<TrendsQuery>,
) -> Result<Json<Trends>> {
    crate::usage::analytics_read(&s, me.0);
    let snaps = all_snapshots(&s, &me).await?;
    Ok(Json(compute_trends(
        &snaps,
        q.months.unwrap_or(DEFAULT_MONTHS),
    )?))
}

/// The query of `/budgets/anomalies`: the month (default the latest) and core's options.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AnomaliesQuery {
    /// The month (default: the latest snapshot).
    period: Option<Period>,
    /// Deviation threshold (default 2.0).
    #[param(exclusive_minimum = 0, maximum = 100)]
    threshold: Option<f64>,
    /// Months of history (years for the seasonal baseline).
    #[param(minimum = 1, maximum = 1200)]
    lookback: Option<u32>,
    /// `zscore` (default) or `robust`.
    method: Option<AnomalyMethod>,
    /// `recent` (default) or `seasonal`.
    baseline: Option<Baseline>,
}

#[utoipa::path(
    get,
    path = "/budgets/anomalies",
    tag = "budgets",
    summary = "Anomalies (?period&threshold&lookback&method&baseline)",
    params(AnomaliesQuery),
    responses((status = 200, description = "OK", body = AnomalyReport)),
    security(("bearer" = [])),
)]
async fn anomalies(
    State(s): State<AppState>,
    me: AuthUser,
    ApiQuery(q): ApiQuery<AnomaliesQuery>,
) -> Result<Json<AnomalyReport>> {
    crate::usage::analytics_read(&s, me.0);
    let d = AnomalyOptions::default();
    let options = AnomalyOptions {
        threshold: q.threshold.unwrap_or(d.threshold),
        lookback: q.lookback.unwrap_or(d.lookback),
        method: q.method.unwrap_or(d.method),
        baseline: q.baseline.unwrap_or(d.baseline),
    };
    let snaps = all_snapshots(&s, &me).await?;
    let current = match q.period {
        Some(p) => snaps.iter().find(|x| x.period() == p),
        None => snaps.iter().max_by_key(|x| x.period()),
    }
    .ok_or(ApiError::NotFound)?;
    Ok(Json(detect_anomalies(current, &snaps, &options)?))
}

/// `?a=YYYY-MM&b=YYYY-MM` of `/budgets/compare`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct CompareQuery {
    /// The first month.
    a: Period,
    /// The second month.
    b: Period,
}

#[utoipa::path(
    get,
    path = "/budgets/compare",
    tag = "budgets",
    summary = "Compare two periods (?a&b)",
    params(CompareQuery),
    responses((status = 200, description = "OK", body = Comparison)),
    security(("bearer" = [])),
)]
async fn compare(
    State(s): State<AppState>,
    me: AuthUser,
    ApiQuery(q): ApiQuery<CompareQuery>,
) -> Result<Json<Comparison>> {
    let snaps = all_snapshots(&s, &me).await?;
    let find = |p: Period| {
        snaps
            .iter()
            .find(|x| x.period() == p)
            .ok_or(ApiError::NotFound)
    };
    Ok(Json(compare_periods(find(q.a)?, find(q.b)?)?))
}

/// `?horizon=&months=` of `/budgets/forecast`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ForecastQuery {
    /// Months ahead.
    #[param(minimum = 1, maximum = 120)]
    horizon: Option<u32>,
    /// Months of history.
    #[param(minimum = 1, maximum = 1200)]
    months: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/budgets/forecast",
    tag = "budgets",
    summary = "Forecast (?horizon&months)",
    params(ForecastQuery),
    responses((status = 200, description = "OK", body = Forecast)),
    security(("bearer" = [])),
)]
async fn forecast_route(
    State(s): State<AppState>,
    me: AuthUser,
    ApiQuery(q): ApiQuery<ForecastQuery>,
) -> Result<Json<Forecast>> {
    crate::usage::analytics_read(&s, me.0);
    let d = ForecastOptions::default();
    let options = ForecastOptions {
        horizon: q.horizon.unwrap_or(d.horizon),
        months: q.months.unwrap_or(d.months),
    };
    let snaps = all_snapshots(&s, &me).await?;
    Ok(Json(forecast(&snaps, &options)?))
}
