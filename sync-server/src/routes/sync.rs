//! Offline-first sync (DESIGN §4): `POST /sync/push` applies a device's mutations, each in its
//! own transaction with a conditional write on `version`, idempotent by `op_id`; `GET
//! /sync/pull` reads the user's change feed — every record once, in the order of its last
//! commit — after an opaque cursor. REST writes go through the same store write, so they
//! appear in the same feed. What a pushed record may be is decided by core
//! ([`lifepath_core::sync::accept_record`]).
//!
//! The first result of an applied or rejected mutation is stored with the change it made (same
//! transaction), so a replay answers it again and changes nothing. Conflicts are not stored: a
//! version only grows, so a replayed stale mutation is stale again and gets the record as it is
//! now.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lifepath_core::UserId;
use lifepath_core::sync::{
    EntityKind, MAX_PUSH_BATCH, Mutation, Op as SyncOp, PushRequest, PushResponse, PushResult,
    PushStatus, ServerRecord, accept_record,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The wire form of core's [`lifepath_core::sync::Change`] with the record passed through as
/// the decrypted JSON text (no parse and re-serialize: a pull of 10,000 changes has a budget).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ChangeOut {
    entity: EntityKind,
    id: Uuid,
    version: i64,
    deleted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    data: Option<Box<RawValue>>,
}

/// The wire form of core's [`lifepath_core::sync::PullResponse`] (same JSON; the tests read it into core's type).
#[derive(Serialize, utoipa::ToSchema)]
pub struct PullOut {
    changes: Vec<ChangeOut>,
    cursor: String,
    has_more: bool,
}
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::AuditEvent;
use crate::auth::AuthUser;
use crate::error::{ApiError, Result};
use crate::extract::{ApiQuery, ClientIp, JsonValue, parse_value};
use crate::record::Columns;
use crate::repo::{self, entity, micros};
use crate::state::AppState;
use crate::store::{Expect, Op, RecordRow, StoreError};

/// Default pull page.
pub const DEFAULT_PULL_LIMIT: i64 = 500;
/// Largest pull page.
pub const MAX_PULL_LIMIT: i64 = 1000;
/// The most a pull page carries: 4 MiB of JSON. The records' payloads stop at 3.75 MiB (the
/// rest is room for the envelopes of up to [`MAX_PULL_LIMIT`] changes); a page always carries
/// at least one change, and `has_more` says when it stopped early.
pub const MAX_PULL_BYTES: usize = 4 * 1024 * 1024;
const PULL_PAYLOAD_BYTES: usize = MAX_PULL_BYTES - 256 * 1024;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(push))
        .routes(routes!(pull))
}

/// `POST /api/v1/sync/push`.
#[utoipa::path(
    post,
    path = "/sync/push",
    tag = "sync",
    summary = "Push offline mutations (at most 500; idempotent by op_id)",
    request_body = PushRequest,
    responses((status = 200, description = "OK", body = PushResponse)),
    security(("bearer" = [])),
)]
pub async fn push(
    State(s): State<AppState>,
    me: AuthUser,
    ClientIp(ip): ClientIp,
    JsonValue(body): JsonValue,
) -> Result<Response> {
    if let Some(n) = body
        .get("mutations")
        .and_then(Value::as_array)
        .map(Vec::len)
        && n > MAX_PUSH_BATCH
    {
        return Err(ApiError::BatchTooLarge {
            max: MAX_PUSH_BATCH,
            got: n,
        });
    }
    let req: PushRequest = parse_value(body)?;
    // Every record within the size limit before anything is applied.
    for (i, m) in req.mutations.iter().enumerate() {
        if let Some(data) = &m.data {
            let plain = serde_json::to_vec(data).map_err(ApiError::internal)?;
            repo::check_size(&s, &plain, &format!("mutations[{i}].data"))?;
        }
    }
    let mut results = Vec::with_capacity(req.mutations.len());
    for m in &req.mutations {
        results.push(apply_mutation(&s, &me, &ip, m).await?);
    }
    let mut res = Json(PushResponse { results }).into_response();
    if req.more {
        // More of the device's queue follows: the insights are derived after its last batch.
        res.extensions_mut().insert(crate::alerts::DeriveLater);
    }
    Ok(res)
}

/// The answer to a replayed op_id: an applied mutation is a `duplicate` with its first
/// version; a rejected one is rejected again with its first error.
fn replay(stored: &str) -> Result<PushResult> {
    let mut first: PushResult = serde_json::from_str(stored).map_err(ApiError::internal)?;
    if first.status == PushStatus::Applied {
        first.status = PushStatus::Duplicate;
    }
    Ok(first)
}

enum Attempt {
    Done(PushResult),
    Raced,
}

/// Applies one mutation (retrying when a concurrent writer got in between the read and the
/// conditional write; each round re-reads, so the loser sees `conflict` or `duplicate`).
async fn apply_mutation(s: &AppState, me: &AuthUser, ip: &str, m: &Mutation) -> Result<PushResult> {
    let op_id = m.op_id.to_string();
    let mut attempt = 0;
    loop {
        if let Some(stored) = s.store.sync_result(me.0, &op_id).await? {
            return replay(&stored);
        }
        match try_apply(s, me, ip, m).await? {
            Attempt::Done(r) => return Ok(r),
            Attempt::Raced if attempt < repo::MAX_RETRIES => {
                attempt += 1;
                repo::backoff(attempt).await;
            }
            Attempt::Raced => {
                return Err(ApiError::internal(
                    "a sync mutation lost its race too many times",
                ));
            }
        }
    }
}

fn applied(m: &Mutation, version: i64) -> PushResult {
    PushResult {
        op_id: m.op_id,
        status: PushStatus::Applied,
        version: Some(version),
        server_record: None,
        error: None,
    }
}

fn rejected(m: &Mutation, error: String) -> PushResult {
    PushResult {
        op_id: m.op_id,
        status: PushStatus::Rejected,
        version: None,
        server_record: None,
        error: Some(error),
    }
}

/// The server's current state of a record, for a conflict.
fn conflict(s: &AppState, key: &str, m: &Mutation, row: Option<&RecordRow>) -> Result<PushResult> {
    let server = match row {
        None => ServerRecord {
            version: 0,
            deleted: true,
            data: None,
        },
        Some(r) if r.deleted_at.is_some() => ServerRecord {
            version: r.version,
            deleted: true,
            data: None,
        },
        Some(r) => ServerRecord {
            version: r.version,
            deleted: false,
            data: Some(s.open_row::<Value>(key, r)?),
        },
    };
    Ok(PushResult {
        op_id: m.op_id,
        status: PushStatus::Conflict,
        version: Some(server.version),
        server_record: Some(server),
        error: None,
    })
}

/// Why a core error rejects a mutation: `field: message` for each field at fault.
fn reason(e: &lifepath_core::Error) -> String {
    let errors = e.field_errors();
    if errors.is_empty() {
        return e.to_string();
    }
    errors
        .iter()
        .map(|f| {
            if f.field.is_empty() {
                format!("data: {}", f.message)
            } else {
                format!("data.{}: {}", f.field, f.message)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Stores `result` (and `ops`) in one transaction; `Raced` when a precondition failed.
async fn commit(
    s: &AppState,
    user: UserId,
    ip: &str,
    m: &Mutation,
    mut ops: Vec<Op>,
    result: PushResult,
) -> Result<Attempt> {
    let stored = serde_json::to_string(&result).map_err(ApiError::internal)?;
    ops.push(Op::SyncResult {
        op_id: m.op_id.to_string(),
        result: stored,
    });
    let action = match (result.status, m.op) {
        (PushStatus::Rejected, _) => "sync.reject",
        (_, SyncOp::Upsert) => "sync.upsert",
        (_, SyncOp::Delete) => "sync.delete",
    };
    let ev = AuditEvent::new(action)
        .user(user.to_string())
        .record(m.entity.as_str(), m.id.to_string())
        .ip(ip)
        .details(json!({"op_id": m.op_id, "version": result.version}))
        .row();
    match s.store.write(user, ops, vec![ev]).await {
        Ok(_) => Ok(Attempt::Done(result)),
        Err(StoreError::Conflict) => Ok(Attempt::Raced),
        // Another live transaction has its fingerprint (the same bank row imported on two
        // devices): refused, and the refusal remembered like any result.
        Err(StoreError::Duplicate) if result.status != PushStatus::Rejected => {
            let r = rejected(
                m,
                "data.fingerprint: a transaction with this fingerprint is there already".into(),
            );
            Box::pin(commit(s, user, ip, m, Vec::new(), r)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn try_apply(s: &AppState, me: &AuthUser, ip: &str, m: &Mutation) -> Result<Attempt> {
    let key = me.key();
    let name = m.entity.as_str();
    let id = m.id.to_string();
    let row = s.store.get_any(me.0, name, &id).await?;
    let live = row.as_ref().filter(|r| r.deleted_at.is_none());
    if m.base_version < 0 {
        let r = rejected(m, "base_version: must be ≥ 0".into());
        return commit(s, me.0, ip, m, Vec::new(), r).await;
    }
    match m.op {
        SyncOp::Delete => match (&row, live) {
            // Never stored, or purged long ago: nothing left to delete.
            (None, _) => {
                let r = applied(m, m.base_version);
                commit(s, me.0, ip, m, Vec::new(), r).await
            }
            (Some(r), Some(_)) if r.version == m.base_version => {
                let mut ops = vec![Op::Tombstone {
                    entity: name,
                    id: id.clone(),
                    expect: Some(m.base_version),
                }];
                // A deleted snapshot takes the progress derived from it along (as on REST).
                if m.entity == EntityKind::Snapshot {
                    let snap: lifepath_core::models::BudgetSnapshot = s.open_row(&key, r)?;
                    ops.extend(
                        crate::derived_progress::ops_for_deleted(&s.repo(me, ip), &snap).await?,
                    );
                }
                commit(s, me.0, ip, m, ops, applied(m, m.base_version + 1)).await
            }
            (Some(r), _) => Ok(Attempt::Done(conflict(s, &key, m, Some(r))?)),
        },
        SyncOp::Upsert => {
            let current = live.map(|r| r.version).unwrap_or(0);
            let stale = match (&row, live) {
                (None, _) => m.base_version != 0,
                (Some(_), None) => true, // a tombstone: the deletion wins
                (Some(_), Some(r)) => r.version != m.base_version,
            };
            if stale {
                return Ok(Attempt::Done(conflict(s, &key, m, row.as_ref())?));
            }
            let Some(data) = &m.data else {
                let r = rejected(m, "data: an upsert needs the record".into());
                return commit(s, me.0, ip, m, Vec::new(), r).await;
            };
            let previous = match live {
                Some(r) => Some(s.open_row::<Value>(&key, r)?),
                None => None,
            };
            let version = current + 1;
            let now = repo::now();
            let accepted =
                match accept_record(m.entity, m.id, me.0, version, data, previous.as_ref(), now) {
                    Ok(a) => a,
                    Err(e) => {
                        let r = rejected(m, reason(&e));
                        return commit(s, me.0, ip, m, Vec::new(), r).await;
                    }
                };
            if let Some(problem) = check_references(s, me.0, m, &accepted).await? {
                let r = rejected(m, problem);
                return commit(s, me.0, ip, m, Vec::new(), r).await;
            }
            let period = accepted.period.map(|p| p.index());
            let columns = Columns {
                parent_id: accepted
                    .parent_id
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                sort_key: match (m.entity, accepted.sort_key) {
                    (_, Some(k)) => k,
                    (EntityKind::Snapshot | EntityKind::GoalProgress, None) => period.unwrap_or(0),
                    _ => micros(accepted.created_at),
                },
                period,
                status: accepted.status,
                created_at: micros(accepted.created_at),
                updated_at: Some(micros(now)),
                unique_key: accepted.unique_key.clone(),
            };
            let expect = if live.is_some() {
                Expect::Version(m.base_version)
            } else {
                Expect::Absent
            };
            let repo = s.repo(me, ip);
            let mut ops =
                vec![repo.put_json(m.entity, &id, columns, &accepted.data, version, expect)?];
            // A snapshot saved on a device derives the goals' progress as on REST, in the
            // same transaction.
            if m.entity == EntityKind::Snapshot {
                let snap: lifepath_core::models::BudgetSnapshot =
                    serde_json::from_value(accepted.data.clone()).map_err(ApiError::internal)?;
                ops.extend(crate::derived_progress::ops_for_saved(&repo, &snap).await?);
            }
            commit(s, me.0, ip, m, ops, applied(m, version)).await
        }
    }
}

/// What a record points at must be the user's: a contribution's or progress record's goal,
/// and one snapshot (one progress record of a goal) per month.
async fn check_references(
    s: &AppState,
    user: UserId,
    m: &Mutation,
    a: &lifepath_core::sync::AcceptedRecord,
) -> Result<Option<String>> {
    let id = m.id.to_string();
    if matches!(
        m.entity,
        EntityKind::GoalContribution | EntityKind::GoalProgress
    ) && let Some(goal) = a.parent_id
        && s.store
            .get(user, entity::GOAL, &goal.to_string())
            .await?
            .is_none()
    {
        return Ok(Some("data.goal_id: is not one of your goals".into()));
    }
    let per_month = match m.entity {
        EntityKind::Snapshot => Some(String::new()),
        EntityKind::GoalProgress => a.parent_id.map(|p| p.to_string()),
        _ => None,
    };
    if let (Some(parent), Some(period)) = (per_month, a.period)
        && let Some(other) = s
            .store
            .get_by_period(user, m.entity.as_str(), &parent, period.index())
            .await?
        && other.id != id
    {
        return Ok(Some(format!(
            "data.period_month: {period} already has another record ({}); edit that one",
            other.id
        )));
    }
    Ok(None)
}

/// Encodes a feed position. `full`: a page of a pull that started from the beginning and has
/// more pages (`f1`); such a pull is not refused for deletions purged while it runs, because
/// its client drops, at the last page, every record the pull did not send.
fn encode_cursor(seq: i64, entity: &str, id: &str, full: bool) -> String {
    let tag = if full { "f1" } else { "c1" };
    URL_SAFE_NO_PAD.encode(format!("{tag}:{seq}:{entity}:{id}"))
}

/// Decodes a feed position and whether it is a full pull's (422 naming `since` when it is not
/// one of ours).
fn decode_cursor(cursor: &str) -> Result<((i64, String, String), bool)> {
    let bad = || ApiError::invalid("since", "is not a cursor returned by /sync/pull");
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let mut parts = text.splitn(4, ':');
    let full = match parts.next() {
        Some("c1") => false,
        Some("f1") => true,
        _ => return Err(bad()),
    };
    let seq = parts
        .next()
        .and_then(|p| p.parse::<i64>().ok())
        .ok_or_else(bad)?;
    let entity = parts.next().ok_or_else(bad)?;
    let id = parts.next().ok_or_else(bad)?;
    if entity.len() > 64 || id.len() > 64 {
        return Err(bad());
    }
    Ok(((seq, entity.to_owned(), id.to_owned()), full))
}

/// `?since=<cursor>&limit=<n>` of a pull (both optional).
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PullQuery {
    /// `cursor` of the previous pull.
    since: Option<String>,
    /// Changes per answer (default 500).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

/// `GET /api/v1/sync/pull?since=<cursor>&limit=<n>`.
#[utoipa::path(
    get,
    path = "/sync/pull",
    tag = "sync",
    summary = "Pull changes after a cursor (410 cursor_expired when deletions after it were purged: pull again without since)",
    params(PullQuery),
    responses((status = 200, description = "OK", body = PullOut)),
    security(("bearer" = [])),
)]
pub async fn pull(
    State(s): State<AppState>,
    me: AuthUser,
    ApiQuery(q): ApiQuery<PullQuery>,
) -> Result<Json<PullOut>> {
    let key = me.key();
    let limit = q.limit.unwrap_or(DEFAULT_PULL_LIMIT);
    if !(1..=MAX_PULL_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            &format!("must be a whole number from 1 to {MAX_PULL_LIMIT}"),
        ));
    }
    let (after, full) = match &q.since {
        Some(c) => {
            let (position, full) = decode_cursor(c)?;
            (Some(position), full)
        }
        None => (None, true),
    };
    let names: Vec<&str> = EntityKind::ALL
        .into_iter()
        .map(EntityKind::as_str)
        .collect();
    let (rows, has_more) = s
        .store
        .changes(me.0, &names, after.clone(), limit, PULL_PAYLOAD_BYTES)
        .await?;
    // Deletions purged after this cursor would be missed: the device must start over (a pull
    // from the beginning drops what it was not sent, so it goes on). The mark is read after
    // the feed: a purge that commits in between is then either in the rows read (the
    // tombstones were still there) or in the mark.
    let purged = s.store.purged_through(me.0).await?;
    if !full
        && let Some(a) = &after
        && *a < purged
    {
        return Err(ApiError::CursorExpired);
    }
    let mut position = match rows.last() {
        Some(r) => (r.change_seq, r.entity.clone(), r.id.clone()),
        None => after.unwrap_or((0, String::new(), String::new())),
    };
    // At the end of the feed the cursor moves past the purge mark (nothing lies between), so
    // the next pull from it is not refused.
    if !has_more && position < purged {
        position = purged;
    }
    let cursor = encode_cursor(position.0, &position.1, &position.2, full && has_more);
    let mut changes = Vec::with_capacity(rows.len());
    for r in &rows {
        let (Some(kind), Ok(id)) = (EntityKind::parse(&r.entity), Uuid::parse_str(&r.id)) else {
            return Err(ApiError::internal("a synced row has a bad entity or id"));
        };
        let deleted = r.deleted_at.is_some();
        let data = match (&r.sealed, deleted) {
            (Some(sealed), false) => {
                let plain = s
                    .crypto
                    .open(&key, &r.entity, &r.id, sealed)
                    .map_err(ApiError::internal)?;
                let text = String::from_utf8(plain).map_err(ApiError::internal)?;
                Some(RawValue::from_string(text).map_err(ApiError::internal)?)
            }
            (None, false) => return Err(ApiError::internal("a live row has no payload")),
            (_, true) => None,
        };
        changes.push(ChangeOut {
            entity: kind,
            id,
            version: r.version,
            deleted,
            data,
        });
    }
    Ok(Json(PullOut {
        changes,
        cursor,
        has_more,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        for full in [false, true] {
            let c = encode_cursor(42, "goal", "0190-abc", full);
            assert_eq!(
                decode_cursor(&c).unwrap(),
                ((42, "goal".to_owned(), "0190-abc".to_owned()), full)
            );
        }
        assert!(decode_cursor("nope").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("c2:1:goal:x")).is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("c1:x:goal:x")).is_err());
    }
}
