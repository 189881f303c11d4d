//! The insight feed and what reaches a person (issue 16 §2): `GET /insights?state=`,
//! `PATCH /insights/{id}` (seen, dismissed), `GET|PUT /users/me/notifications`, and the
//! unsubscribe link of an email, which works without signing in.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use lifepath_core::insights::{InsightKind, InsightRecord, InsightState, NotificationPreferences};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::alerts::{self, insight_columns};
use crate::auth::AuthUser;
use crate::error::{ApiError, Result};
use crate::extract::{ApiJson, ApiQuery};
use crate::record::Columns;
use crate::repo::{self, Page, Repo, entity, micros};
use crate::state::AppState;
use crate::store::Expect;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(patch))
        .routes(routes!(get_prefs, put_prefs))
        .routes(routes!(unsubscribe))
}

/// `?state=&limit=&cursor=`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct InsightQuery {
    /// Only insights in this state (default: `new` and `seen`, not `dismissed`).
    state: Option<InsightState>,
    /// Items per page (default 24).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/insights",
    tag = "insights",
    summary = "The insight feed, newest first",
    params(InsightQuery),
    responses((status = 200, description = "OK", body = Page<InsightRecord>)),
    security(("bearer" = [])),
)]
async fn list(
    repo: Repo,
    ApiQuery(q): ApiQuery<InsightQuery>,
) -> Result<Json<Page<InsightRecord>>> {
    let mut all: Vec<InsightRecord> = repo.state().load_all(repo.me().0, entity::INSIGHT).await?;
    all.retain(|r| match q.state {
        Some(s) => r.state == s,
        None => r.state != InsightState::Dismissed,
    });
    let page = crate::extract::PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    Ok(Json(repo::page_of(
        all,
        |r| (micros(r.created_at), r.id.to_string()),
        &page,
    )?))
}

/// `{state}`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct InsightPatch {
    /// `seen` or `dismissed` (or `new` again).
    state: InsightState,
}

#[utoipa::path(
    patch,
    path = "/insights/{id}",
    tag = "insights",
    summary = "Mark an insight seen or dismissed (a dismissed one never comes back)",
    request_body = InsightPatch,
    params(("id" = uuid::Uuid, Path, description = "The record's id")),
    responses((status = 200, description = "OK", body = InsightRecord)),
    security(("bearer" = [])),
)]
async fn patch(
    repo: Repo,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<InsightPatch>,
) -> Result<Json<InsightRecord>> {
    let (cur, version) = alerts::load_insight(&repo, &id).await?;
    if cur.state == p.state {
        return Ok(Json(cur));
    }
    let next = InsightRecord {
        state: p.state,
        version: cur.version + 1,
        updated_at: repo::now(),
        ..cur
    };
    let op = repo.put_entity(
        entity::INSIGHT,
        &next.id.to_string(),
        insight_columns(&next),
        &next,
        version + 1,
        Expect::Version(version),
    )?;
    let ev = repo
        .event("insight.update")
        .record(entity::INSIGHT, next.id.to_string())
        .details(json!({"state": next.state.as_str()}));
    repo.write(vec![op], vec![ev], None).await?;
    Ok(Json(next))
}

#[utoipa::path(
    get,
    path = "/users/me/notifications",
    tag = "insights",
    summary = "Notification preferences: kinds, minimum severity, channels, quiet hours",
    responses((status = 200, description = "OK", body = NotificationPreferences)),
    security(("bearer" = [])),
)]
async fn get_prefs(
    State(s): State<AppState>,
    me: AuthUser,
) -> Result<Json<NotificationPreferences>> {
    Ok(Json(alerts::preferences(&s, &me).await?))
}

#[utoipa::path(
    put,
    path = "/users/me/notifications",
    tag = "insights",
    summary = "Replace the notification preferences (absent fields take their defaults)",
    request_body = NotificationPreferences,
    responses((status = 200, description = "OK", body = NotificationPreferences)),
    security(("bearer" = [])),
)]
async fn put_prefs(
    repo: Repo,
    ApiJson(p): ApiJson<NotificationPreferences>,
) -> Result<Json<NotificationPreferences>> {
    save_prefs(&repo, &p).await?;
    Ok(Json(p))
}

async fn save_prefs(repo: &Repo, p: &NotificationPreferences) -> Result<()> {
    use lifepath_core::validate::Validate;
    p.validate()?;
    let s = repo.state();
    let id = repo.me().0.to_string();
    let cur = s
        .store
        .get(repo.me().0, entity::NOTIFICATION_PREFS, &id)
        .await?;
    let (version, expect) = match &cur {
        Some(row) => (row.version + 1, Expect::Version(row.version)),
        None => (1, Expect::Absent),
    };
    let now = micros(repo::now());
    let op = repo.put_entity(
        entity::NOTIFICATION_PREFS,
        &id,
        Columns {
            sort_key: now,
            created_at: cur.as_ref().map_or(now, |r| r.created_at),
            updated_at: Some(now),
            ..Columns::default()
        },
        p,
        version,
        expect,
    )?;
    let ev = repo.event("notifications.update");
    repo.write(vec![op], vec![ev], None).await
}

/// `?token=`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct UnsubscribeQuery {
    /// The token of the email's link.
    token: String,
}

#[utoipa::path(
    get,
    path = "/notifications/unsubscribe",
    tag = "insights",
    summary = "The unsubscribe link of an alert email: stops emails of one kind, without signing in",
    params(UnsubscribeQuery),
    responses((status = 200, description = "Unsubscribed (an HTML page)", content_type = "text/html")),
)]
async fn unsubscribe(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<UnsubscribeQuery>,
) -> Result<impl IntoResponse> {
    let mut parts = q.token.splitn(3, '.');
    let (Some(user), Some(kind), Some(_)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(ApiError::NotFound);
    };
    let expected = crate::alerts::deliver::unsubscribe_token(&s, user, kind);
    let same: bool = {
        use subtle::ConstantTimeEq;
        expected.as_bytes().ct_eq(q.token.as_bytes()).into()
    };
    let kind: InsightKind = serde_json::from_value(json!(kind)).map_err(|_| ApiError::NotFound)?;
    let Ok(uid) = uuid::Uuid::parse_str(user) else {
        return Err(ApiError::NotFound);
    };
    if !same {
        return Err(ApiError::NotFound);
    }
    let me = AuthUser(lifepath_core::UserId(uid));
    let repo = s.repo(&me, "");
    let mut p = alerts::preferences(&s, &me).await?;
    p.kinds.retain(|k| *k != kind);
    save_prefs(&repo, &p).await?;
    let name = kind.as_str().replace('_', " ");
    Ok((
        StatusCode::OK,
        Html(format!(
            "<!doctype html><meta charset=utf-8><title>Unsubscribed</title>\
             <p>You will get no more lifepath emails about {name}. \
             You can turn them on again under your notification settings.</p>"
        )),
    ))
}
