//! Budget sessions: a budget being worked on (draft → partial → final, never back, each move
//! audited); a final one is saved as the snapshot of a period with `source_session_id`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use lifepath_core::SessionId;
use lifepath_core::models::{
    BudgetSession, BudgetSnapshot, SessionInput, SessionPatch, SnapshotInput,
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::snapshots::{path_id, upsert_snapshot};
use crate::auth::AuthUser;
use crate::error::{ApiError, Result};
use crate::extract::{ApiJson, ClientIp, IfMatch, JsonValue, parse_value};
use crate::repo::{self, audit, entity, micros};
use crate::state::AppState;
use crate::store::{Expect, Op, RecordWrite, Sealed};

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/budgets/sessions", post(create))
        .route("/budgets/sessions/{id}", get(get_one).patch(update))
        .route("/budgets/sessions/{id}/snapshot", post(save))
}

fn write_of(b: &BudgetSession, expect: Expect, sealed: Sealed) -> RecordWrite {
    RecordWrite {
        entity: entity::SESSION,
        id: b.id.to_string(),
        parent_id: String::new(),
        sort_key: micros(b.created_at),
        period: None,
        status: Some(b.stage.as_str().to_owned()),
        version: b.version,
        expect,
        sealed,
        created_at: micros(b.created_at),
        updated_at: micros(b.updated_at),
    }
}

async fn create(
    State(s): State<AppState>,
    me: AuthUser,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<SessionInput>,
) -> Result<(StatusCode, Json<BudgetSession>)> {
    let key = me.key();
    let b = BudgetSession::create(SessionId(Uuid::now_v7()), me.0, input, repo::now())?;
    let id = b.id.to_string();
    let sealed = s.seal(&key, entity::SESSION, &id, &b)?;
    let ev = audit(
        Some(&key),
        "budget_session.create",
        Some(entity::SESSION),
        Some(&id),
        Some(&ip),
        json!({"stage": "draft"}),
    );
    s.store
        .write(
            &key,
            vec![Op::Put(write_of(&b, Expect::Absent, sealed))],
            vec![ev],
        )
        .await?;
    Ok((StatusCode::CREATED, Json(b)))
}

async fn load(s: &AppState, me: &AuthUser, id: &str) -> Result<BudgetSession> {
    let id = path_id(id)?.to_string();
    Ok(s.load::<BudgetSession>(&me.key(), entity::SESSION, &id)
        .await?
        .0)
}

async fn get_one(
    State(s): State<AppState>,
    me: AuthUser,
    Path(id): Path<String>,
) -> Result<repo::Tagged<BudgetSession>> {
    let b = load(&s, &me, &id).await?;
    Ok(repo::tagged(b.version, b))
}

async fn update(
    State(s): State<AppState>,
    me: AuthUser,
    ClientIp(ip): ClientIp,
    IfMatch(if_match): IfMatch,
    Path(id): Path<String>,
    JsonValue(body): JsonValue,
) -> Result<Json<BudgetSession>> {
    let key = me.key();
    let mut patch: SessionPatch = parse_value(body)?;
    let cur = load(&s, &me, &id).await?;
    let id = cur.id.to_string();
    if let Some(v) = if_match.or(patch.version)
        && v != cur.version
    {
        return Err(s.conflict(&key, entity::SESSION, &id, v).await);
    }
    patch.version = None;
    let next = cur.apply_patch(&patch, repo::now())?;
    if next.version == cur.version {
        return Ok(Json(cur));
    }
    let mut details = json!({"version": next.version});
    if next.stage != cur.stage {
        details["stage"] = json!({"from": cur.stage.as_str(), "to": next.stage.as_str()});
    }
    let sealed = s.seal(&key, entity::SESSION, &id, &next)?;
    let ev = audit(
        Some(&key),
        "budget_session.update",
        Some(entity::SESSION),
        Some(&id),
        Some(&ip),
        details,
    );
    s.write_checked(
        &key,
        vec![Op::Put(write_of(
            &next,
            Expect::Version(cur.version),
            sealed,
        ))],
        vec![ev],
        (entity::SESSION, &id, cur.version),
    )
    .await?;
    Ok(Json(next))
}

/// `{period_year, period_month}` of the snapshot to save.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SaveInput {
    period_year: i64,
    period_month: i64,
    #[serde(default)]
    version: Option<i64>,
}

async fn save(
    State(s): State<AppState>,
    me: AuthUser,
    ClientIp(ip): ClientIp,
    IfMatch(if_match): IfMatch,
    Path(id): Path<String>,
    JsonValue(body): JsonValue,
) -> Result<(StatusCode, Json<BudgetSnapshot>)> {
    let input: SaveInput = parse_value(body)?;
    let session = load(&s, &me, &id).await?;
    let model = session.budget_to_save()?;
    let snap = SnapshotInput {
        period_year: input.period_year,
        period_month: input.period_month,
        budget_model: model,
        source_session_id: Some(session.id),
    };
    let (saved, created) = upsert_snapshot(&s, &me, &ip, snap, if_match.or(input.version)).await?;
    if saved.source_session_id != Some(session.id) {
        return Err(ApiError::internal("saved snapshot lost its session"));
    }
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(saved),
    ))
}
