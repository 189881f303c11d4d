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

use super::snapshots::upsert_snapshot;
use crate::auth::AuthUser;
use crate::error::{ApiError, Result};
use crate::extract::{ApiJson, VersionedJson};
use crate::repo::Repo;
use crate::repo::{self};
use crate::state::AppState;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/budgets/sessions", post(create))
        .route("/budgets/sessions/{id}", get(get_one).patch(update))
        .route("/budgets/sessions/{id}/snapshot", post(save))
}

async fn create(
    repo: Repo,
    ApiJson(input): ApiJson<SessionInput>,
) -> Result<(StatusCode, Json<BudgetSession>)> {
    let b = BudgetSession::create(SessionId(Uuid::now_v7()), repo.me().0, input, repo::now())?;
    repo.create(&b, "budget_session.create", json!({"stage": "draft"}))
        .await?;
    Ok((StatusCode::CREATED, Json(b)))
}

async fn get_one(
    State(s): State<AppState>,
    me: AuthUser,
    Path(id): Path<String>,
) -> Result<repo::Tagged<BudgetSession>> {
    let b: BudgetSession = s.repo(&me, "").get(&id).await?;
    Ok(repo::tagged(b.version, b))
}

async fn update(
    repo: Repo,
    Path(id): Path<String>,
    VersionedJson {
        body: patch,
        expected,
    }: VersionedJson<SessionPatch>,
) -> Result<Json<BudgetSession>> {
    let now = repo::now();
    let next = repo
        .patch(
            &id,
            expected,
            "budget_session.update",
            |cur: &BudgetSession| Ok(cur.apply_patch(&patch, now)?),
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
}

async fn save(
    repo: Repo,
    Path(id): Path<String>,
    VersionedJson {
        body: input,
        expected,
    }: VersionedJson<SaveInput>,
) -> Result<(StatusCode, Json<BudgetSnapshot>)> {
    let session: BudgetSession = repo.get(&id).await?;
    let model = session.budget_to_save()?;
    let snap = SnapshotInput {
        period_year: input.period_year,
        period_month: input.period_month,
        budget_model: model,
        source_session_id: Some(session.id),
    };
    let (saved, created) = upsert_snapshot(&repo, snap, expected).await?;
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
