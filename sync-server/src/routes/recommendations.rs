//! Feedback on recommendations and the implemented flag.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use lifepath_core::FeedbackId;
use lifepath_core::models::{
    FeedbackInput, Recommendation, RecommendationFeedback, RecommendationPatch,
};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::AuditEvent;
use crate::auth::AuthUser;
use crate::error::Result;
use crate::extract::path_id;
use crate::extract::{ApiJson, ClientIp, IfMatch, JsonValue, parse_value};
use crate::repo::Repo;
use crate::repo::{self, entity, micros};
use crate::state::AppState;
use crate::store::{Expect, Op, RecordRow, RecordWrite};

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(feedback))
        .routes(routes!(update))
}

fn rec_write(s: &AppState, key: &str, r: &Recommendation, row: &RecordRow) -> Result<RecordWrite> {
    let id = r.id.to_string();
    Ok(RecordWrite {
        entity: entity::RECOMMENDATION,
        id: id.clone(),
        parent_id: row.parent_id.clone(),
        sort_key: row.sort_key,
        period: None,
        status: None,
        unique_key: None,
        version: row.version + 1,
        expect: Expect::Version(row.version),
        sealed: s.seal(key, entity::RECOMMENDATION, &id, r)?,
        created_at: row.created_at,
        updated_at: micros(repo::now()),
    })
}

#[utoipa::path(
    post,
    path = "/recommendations/{id}/feedback",
    tag = "goals",
    summary = "Rate a recommendation",
    request_body = FeedbackInput,
    params(("id" = uuid::Uuid, Path, description = "The record's id")),
    responses((status = 201, description = "Created", body = RecommendationFeedback)),
    security(("bearer" = [])),
)]
async fn feedback(
    repo: Repo,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<FeedbackInput>,
) -> Result<(StatusCode, Json<RecommendationFeedback>)> {
    let key = repo.user().to_owned();
    let id = path_id(&id)?.to_string();
    let (rec, row): (Recommendation, _) = repo
        .state()
        .load(repo.me().0, entity::RECOMMENDATION, &id)
        .await?;
    let f = RecommendationFeedback::create(FeedbackId(Uuid::now_v7()), rec.id, input, repo::now())?;
    let fw = repo.put(&f, 1, Expect::Absent)?;
    let rw = Op::Put(rec_write(repo.state(), &key, &rec.rated(&f), &row)?);
    let details = json!({"recommendation_id": id, "rating": f.rating});
    let ev = repo.event_on("recommendation_feedback.create", &f, details);
    repo.write(
        vec![fw, rw],
        vec![ev],
        Some((entity::RECOMMENDATION, &id, row.version)),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(f)))
}

#[utoipa::path(
    patch,
    path = "/recommendations/{id}",
    tag = "goals",
    summary = "Mark implemented or rate",
    request_body = RecommendationPatch,
    params(("id" = uuid::Uuid, Path, description = "The record's id")),
    responses((status = 200, description = "OK", body = Recommendation)),
    security(("bearer" = [])),
)]
async fn update(
    State(s): State<AppState>,
    me: AuthUser,
    ClientIp(ip): ClientIp,
    IfMatch(if_match): IfMatch,
    Path(id): Path<String>,
    JsonValue(body): JsonValue,
) -> Result<Json<Recommendation>> {
    let key = me.key();
    let id = path_id(&id)?.to_string();
    let patch: RecommendationPatch = parse_value(body)?;
    let (rec, row): (Recommendation, _) = s.load(me.0, entity::RECOMMENDATION, &id).await?;
    if let Some(v) = if_match
        && v != row.version
    {
        return Err(s.conflict(me.0, entity::RECOMMENDATION, &id, v).await);
    }
    let next = rec.apply_patch(&patch)?;
    let w = rec_write(&s, &key, &next, &row)?;
    let ev = AuditEvent::new("recommendation.update")
        .user(&key)
        .record(entity::RECOMMENDATION, &id)
        .ip(&ip)
        .details(json!({"is_implemented": next.is_implemented}))
        .row();
    s.write_checked(
        me.0,
        vec![Op::Put(w)],
        vec![ev],
        (entity::RECOMMENDATION, &id, row.version),
    )
    .await?;
    Ok(Json(next))
}
