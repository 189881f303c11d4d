//! `GET /users/me/audit`: the account's own audit events, newest first, paged like every list,
//! filtered by `action`. Details never hold amounts or free text (see `src/audit.rs`).

use axum::Json;
use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AuthUser;
use crate::error::{ApiError, Result};
use crate::extract::ApiQuery;
use crate::repo::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::state::AppState;
use lifepath_core::UserId;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(audit))
}

/// `?action=&limit=&cursor=`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only events of this action (`user.login`, `budget_session.update`, …).
    #[param(max_length = 64)]
    pub action: Option<String>,
    /// Items per page (default 24).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One audit event.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditEventOut {
    /// Id.
    pub id: String,
    /// What happened (`user.login`, `goal.update`, `budget_session.update`…).
    pub action: String,
    /// The kind of record concerned.
    pub entity: Option<String>,
    /// The record concerned.
    pub entity_id: Option<String>,
    /// The client address.
    pub source_ip: Option<String>,
    /// Versions, counts and state moves (`from_stage`/`to_stage`); never amounts or text.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// When.
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A page of audit events.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    /// The events, newest first.
    pub items: Vec<AuditEventOut>,
    /// Where the next page starts; null at the end.
    pub next_cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/users/me/audit",
    tag = "users",
    summary = "The account's audit events (newest first)",
    params(AuditQuery),
    responses((status = 200, description = "OK", body = AuditPage)),
    security(("bearer" = [])),
)]
async fn audit(
    State(s): State<AppState>,
    me: AuthUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>> {
    Ok(Json(audit_page(&s, me.0, q).await?))
}

/// A page of `user`'s audit events (this route's, and the admin's view of an account).
pub async fn audit_page(s: &AppState, user: UserId, q: AuditQuery) -> Result<AuditPage> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            &format!("must be a whole number from 1 to {MAX_LIMIT}"),
        ));
    }
    if q.action.as_ref().is_some_and(|a| a.len() > 64) {
        return Err(ApiError::invalid("action", "must be at most 64 characters"));
    }
    let before = q.cursor.as_deref().map(decode).transpose()?;
    let mut rows = s
        .store
        .audit_page(user, q.action.as_deref(), before, limit + 1)
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|r| encode(r.created_at, &r.id))
    } else {
        None
    };
    let items = rows
        .into_iter()
        .map(|e| AuditEventOut {
            details: serde_json::from_str(&e.details).unwrap_or_default(),
            created_at: chrono::DateTime::from_timestamp_micros(e.created_at),
            id: e.id,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            source_ip: e.source_ip,
        })
        .collect();
    Ok(AuditPage { items, next_cursor })
}

fn encode(at: i64, id: &str) -> String {
    B64.encode(format!("{at}:{id}"))
}

fn decode(c: &str) -> Result<(i64, String)> {
    let bad = || ApiError::invalid("cursor", "is not a cursor this server gave");
    let text = B64
        .decode(c)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(bad)?;
    let (at, id) = text.split_once(':').ok_or_else(bad)?;
    Ok((at.parse().map_err(|_| bad())?, id.to_owned()))
}
