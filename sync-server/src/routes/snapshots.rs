//! Budget snapshots (upsert per period, list, get, delete) and the analytics over them: trends,
//! anomalies, comparison and forecast — every number from `lifepath-core`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use lifepath_core::analytics::{
    AnomalyMethod, AnomalyOptions, AnomalyReport, Baseline, Comparison, Forecast, ForecastOptions,
    Trends, compare_periods, compute_trends, detect_anomalies, forecast,
};
use lifepath_core::models::{BudgetSnapshot, SnapshotInput, User};
use lifepath_core::validate::Validate;
use lifepath_core::{Period, SnapshotId};
use serde_json::json;
use uuid::Uuid;

use crate::audit::AuditEvent;
use crate::auth::AuthUser;
use crate::error::{ApiError, Result};
use crate::extract::{ClientIp, IfMatch, JsonValue, QueryMap, parse_value, path_id, take_version};
use crate::repo::{self, Page, entity, micros};
use crate::state::AppState;
use crate::store::{Expect, Op, RecordWrite, StoreError};

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/budgets/snapshots", post(upsert).get(list))
        .route("/budgets/snapshots/{id}", get(get_one).delete(delete))
        .route("/budgets/trends", get(trends))
        .route("/budgets/anomalies", get(anomalies))
        .route("/budgets/compare", get(compare))
        .route("/budgets/forecast", get(forecast_route))
}

fn write_of(s: &BudgetSnapshot, expect: Expect, sealed: crate::store::Sealed) -> RecordWrite {
    let period = s.period().index();
    RecordWrite {
        entity: entity::SNAPSHOT,
        id: s.id.to_string(),
        parent_id: String::new(),
        sort_key: period,
        period: Some(period),
        status: None,
        version: s.version,
        expect,
        sealed,
        created_at: micros(s.created_at),
        updated_at: micros(s.updated_at),
    }
}

/// Creates (true) or replaces (false) the user's snapshot of the input's period. Without an
/// expected version the write always applies: a concurrent change is re-read and retried.
pub async fn upsert_snapshot(
    s: &AppState,
    me: &AuthUser,
    ip: &str,
    input: SnapshotInput,
    expected: Option<i64>,
) -> Result<(BudgetSnapshot, bool)> {
    let mut attempt = 0;
    loop {
        match upsert_snapshot_once(s, me, ip, input.clone(), expected).await {
            Err(ApiError::Conflict { .. }) if expected.is_none() && attempt < repo::MAX_RETRIES => {
                attempt += 1;
                repo::backoff(attempt).await;
            }
            other => return other,
        }
    }
}

async fn upsert_snapshot_once(
    s: &AppState,
    me: &AuthUser,
    ip: &str,
    input: SnapshotInput,
    expected: Option<i64>,
) -> Result<(BudgetSnapshot, bool)> {
    input.validate()?;
    let key = me.key();
    let period = Period::new(input.period_year, input.period_month)
        .map_err(|e| ApiError::invalid("period_month", &e.to_string()))?;
    if let Some(sid) = input.source_session_id
        && s.store
            .get(&key, entity::SESSION, &sid.to_string())
            .await?
            .is_none()
    {
        return Err(ApiError::invalid(
            "source_session_id",
            "is not one of your budget sessions",
        ));
    }
    let now = repo::now();
    let existing = s
        .store
        .get_by_period(&key, entity::SNAPSHOT, "", period.index())
        .await?;
    match existing {
        Some(row) => {
            let cur: BudgetSnapshot = s.open_row(&key, &row)?;
            if let Some(v) = expected
                && v != cur.version
            {
                return Err(ApiError::Conflict {
                    expected: v,
                    current: Box::new(serde_json::to_value(&cur).map_err(ApiError::internal)?),
                });
            }
            let next = cur.replace(input, now)?;
            let id = next.id.to_string();
            let sealed = s.seal(&key, entity::SNAPSHOT, &id, &next)?;
            let ev = AuditEvent::new("snapshot.replace")
                .user(&key)
                .record(entity::SNAPSHOT, &id)
                .ip(ip)
                .details(json!({"version": next.version, "period": period.to_string()}))
                .row();
            match s
                .store
                .write(
                    &key,
                    vec![Op::Put(write_of(
                        &next,
                        Expect::Version(cur.version),
                        sealed,
                    ))],
                    vec![ev],
                )
                .await
            {
                Ok(_) => Ok((next, false)),
                Err(StoreError::Conflict) => {
                    Err(s.conflict(&key, entity::SNAPSHOT, &id, cur.version).await)
                }
                Err(e) => Err(e.into()),
            }
        }
        None => {
            let account = s.store.account(&key).await?.ok_or(ApiError::NotFound)?;
            let user: User = s.open_sealed(&key, entity::USER, &key, &account.sealed)?;
            let snap = BudgetSnapshot::create(
                SnapshotId(Uuid::now_v7()),
                me.0,
                &user.currency,
                input,
                now,
            )?;
            let id = snap.id.to_string();
            let sealed = s.seal(&key, entity::SNAPSHOT, &id, &snap)?;
            let ev = AuditEvent::new("snapshot.create")
                .user(&key)
                .record(entity::SNAPSHOT, &id)
                .ip(ip)
                .details(json!({"version": 1, "period": period.to_string()}))
                .row();
            match s
                .store
                .write(
                    &key,
                    vec![Op::Put(write_of(&snap, Expect::Absent, sealed))],
                    vec![ev],
                )
                .await
            {
                Ok(_) => Ok((snap, true)),
                Err(StoreError::Conflict) => {
                    // Another request created this period first: answer with its record.
                    match s
                        .store
                        .get_by_period(&key, entity::SNAPSHOT, "", period.index())
                        .await?
                    {
                        Some(row) => Err(ApiError::Conflict {
                            expected: 0,
                            current: Box::new(s.open_row(&key, &row)?),
                        }),
                        None => Err(ApiError::internal(
                            "snapshot insert conflicted with nothing",
                        )),
                    }
                }
                Err(e) => Err(e.into()),
            }
        }
    }
}

async fn upsert(
    State(s): State<AppState>,
    me: AuthUser,
    ClientIp(ip): ClientIp,
    IfMatch(if_match): IfMatch,
    JsonValue(mut body): JsonValue,
) -> Result<(StatusCode, Json<BudgetSnapshot>)> {
    let expected = take_version(&mut body, if_match)?;
    let input: SnapshotInput = parse_value(body)?;
    let (snap, created) = upsert_snapshot(&s, &me, &ip, input, expected).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(snap)))
}

async fn list(
    State(s): State<AppState>,
    me: AuthUser,
    q: QueryMap,
) -> Result<Json<Page<BudgetSnapshot>>> {
    Ok(Json(
        repo::page(&s, &me.key(), entity::SNAPSHOT, None, &q).await?,
    ))
}

async fn get_one(
    State(s): State<AppState>,
    me: AuthUser,
    Path(id): Path<String>,
) -> Result<repo::RawRecord> {
    let id = path_id(&id)?.to_string();
    s.load_raw(&me.key(), entity::SNAPSHOT, &id).await
}

async fn delete(
    State(s): State<AppState>,
    me: AuthUser,
    ClientIp(ip): ClientIp,
    IfMatch(if_match): IfMatch,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let id = path_id(&id)?.to_string();
    let key = me.key();
    let row = s
        .store
        .get(&key, entity::SNAPSHOT, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if let Some(v) = if_match
        && v != row.version
    {
        return Err(s.conflict(&key, entity::SNAPSHOT, &id, v).await);
    }
    let ev = AuditEvent::new("snapshot.delete")
        .user(&key)
        .record(entity::SNAPSHOT, &id)
        .ip(&ip)
        .row();
    match s
        .store
        .write(
            &key,
            vec![Op::Tombstone {
                entity: entity::SNAPSHOT,
                id: id.clone(),
                expect: Some(row.version),
            }],
            vec![ev],
        )
        .await
    {
        Ok(_) => Ok(StatusCode::NO_CONTENT),
        Err(StoreError::Conflict) => {
            Err(s.conflict(&key, entity::SNAPSHOT, &id, row.version).await)
        }
        Err(e) => Err(e.into()),
    }
}

fn parse_period(s: &str) -> Option<Period> {
    s.parse::<Period>().ok()
}

async fn all_snapshots(s: &AppState, me: &AuthUser) -> Result<Vec<BudgetSnapshot>> {
    s.load_all(&me.key(), entity::SNAPSHOT).await
}

async fn trends(State(s): State<AppState>, me: AuthUser, q: QueryMap) -> Result<Json<Trends>> {
    let months = q
        .get("months", "an integer from 1 to 600", |v| {
            v.parse::<u32>().ok().filter(|n| (1..=600).contains(n))
        })?
        .unwrap_or(12);
    let snaps = all_snapshots(&s, &me).await?;
    Ok(Json(compute_trends(&snaps, months)?))
}

async fn anomalies(
    State(s): State<AppState>,
    me: AuthUser,
    q: QueryMap,
) -> Result<Json<AnomalyReport>> {
    let period = q.get("period", "a month written YYYY-MM", parse_period)?;
    let defaults = AnomalyOptions::default();
    let options = AnomalyOptions {
        threshold: q
            .get("threshold", "a number above 0", |v| {
                v.parse::<f64>().ok().filter(|t| t.is_finite() && *t > 0.0)
            })?
            .unwrap_or(defaults.threshold),
        lookback: q
            .get("lookback", "an integer from 1 to 600", |v| {
                v.parse::<u32>().ok().filter(|n| (1..=600).contains(n))
            })?
            .unwrap_or(defaults.lookback),
        method: q
            .get("method", "`zscore` or `robust`", |v| match v {
                "zscore" => Some(AnomalyMethod::Zscore),
                "robust" => Some(AnomalyMethod::Robust),
                _ => None,
            })?
            .unwrap_or(defaults.method),
        baseline: q
            .get("baseline", "`recent` or `seasonal`", |v| match v {
                "recent" => Some(Baseline::Recent),
                "seasonal" => Some(Baseline::Seasonal),
                _ => None,
            })?
            .unwrap_or(defaults.baseline),
    };
    let snaps = all_snapshots(&s, &me).await?;
    let current = match period {
        Some(p) => snaps.iter().find(|x| x.period() == p),
        None => snaps.iter().max_by_key(|x| x.period()),
    }
    .ok_or(ApiError::NotFound)?;
    Ok(Json(detect_anomalies(current, &snaps, &options)?))
}

async fn compare(State(s): State<AppState>, me: AuthUser, q: QueryMap) -> Result<Json<Comparison>> {
    let a = q
        .get("a", "a month written YYYY-MM", parse_period)?
        .ok_or_else(|| ApiError::invalid("a", "is required (YYYY-MM)"))?;
    let b = q
        .get("b", "a month written YYYY-MM", parse_period)?
        .ok_or_else(|| ApiError::invalid("b", "is required (YYYY-MM)"))?;
    let snaps = all_snapshots(&s, &me).await?;
    let find = |p: Period| {
        snaps
            .iter()
            .find(|x| x.period() == p)
            .ok_or(ApiError::NotFound)
    };
    Ok(Json(compare_periods(find(a)?, find(b)?)?))
}

async fn forecast_route(
    State(s): State<AppState>,
    me: AuthUser,
    q: QueryMap,
) -> Result<Json<Forecast>> {
    let d = ForecastOptions::default();
    let options = ForecastOptions {
        horizon: q
            .get("horizon", "an integer from 1 to 120", |v| {
                v.parse::<u32>().ok().filter(|n| (1..=120).contains(n))
            })?
            .unwrap_or(d.horizon),
        months: q
            .get("months", "an integer from 1 to 600", |v| {
                v.parse::<u32>().ok().filter(|n| (1..=600).contains(n))
            })?
            .unwrap_or(d.months),
    };
    let snaps = all_snapshots(&s, &me).await?;
    Ok(Json(forecast(&snaps, &options)?))
}
