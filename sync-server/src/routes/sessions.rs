//! Budget sessions: a budget being worked on (draft → partial → final, never back, each move
//! audited); a final one is saved as the snapshot of a period with `source_session_id`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use lifepath_core::SessionId;
use lifepath_core::models::{
    BudgetSession, BudgetSnapshot, SessionInput, SessionPatch, SnapshotInput,
};
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::snapshots::upsert_snapshot;
use crate::auth::AuthUser;
use crate::error::{ApiError, Result};
use crate::extract::{ApiJson, VersionedJson};
use crate::repo::Repo;
use crate::repo::{self};
use crate::state::AppState;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(get_one, update))
        .routes(routes!(save))
}

#[utoipa::path(
    post,
    path = "/budgets/sessions",
    tag = "budgets",
    summary = "Start a budget session",
    request_body = SessionInput,
    responses((status = 201, description = "Created", body = BudgetSession)),
    security(("bearer" = [])),
)]
async fn create(
    repo: Repo,
    ApiJson(input): ApiJson<SessionInput>,
) -> Result<(StatusCode, Json<BudgetSession>)> {
    let b = BudgetSession::create(SessionId(Uuid::now_v7()), repo.me().0, input, repo::now())?;
    repo.create(&b, "budget_session.create", json!({"stage": "draft"}))
        .await?;
    Ok((StatusCode::CREATED, Json(b)))
}

#[utoipa::path(
    get,
    path = "/budgets/sessions/{id}",
    tag = "budgets",
    summary = "One budget session",
    params(("id" = uuid::Uuid, Path, description = "The record's id")),
    responses((status = 200, description = "OK", body = BudgetSession)),
    security(("bearer" = [])),
)]
async fn get_one(
    State(s): State<AppState>,
    me: AuthUser,
    Path(id): Path<String>,
) -> Result<repo::Tagged<BudgetSession>> {
    let b: BudgetSession = s.repo(&me, "").get(&id).await?;
    Ok(repo::tagged(b.version, b))
}

#[utoipa::path(
    patch,
    path = "/budgets/sessions/{id}",
    tag = "budgets",
    summary = "Edit or advance a budget session",
    request_body = crate::extract::WithVersion<SessionPatch>,
    params(("id" = uuid::Uuid, Path, description = "The record's id")),
    responses((status = 200, description = "OK", body = BudgetSession)),
    security(("bearer" = [])),
)]
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
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct SaveInput {
    period_year: i64,
    period_month: i64,
}

#[utoipa::path(
    post,
    path = "/budgets/sessions/{id}/snapshot",
    tag = "budgets",
    summary = "Save a final session as a snapshot",
    request_body = crate::extract::WithVersion<SaveInput>,
    params(("id" = uuid::Uuid, Path, description = "The record's id")),
    responses((status = 201, description = "Created", body = BudgetSnapshot)),
    security(("bearer" = [])),
)]
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
