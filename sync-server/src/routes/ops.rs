//! Operations endpoints at the root: `/healthz`, `/readyz`, `/openapi.json`; and `/metrics`,
//! served on its own listener (`LIFEPATH_METRICS_BIND`), never on the public port.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, Result};
use crate::state::AppState;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(openapi))
}

/// `/metrics` on the API port (behind `LIFEPATH_METRICS_TOKEN`): not part of the documented API.
pub fn metrics_with_token_router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics_with_token))
}

/// `/metrics` on the API port: only with `LIFEPATH_METRICS_TOKEN` set and sent as a bearer
/// token (compared in constant time); otherwise 404, as if the route were not there.
async fn metrics_with_token(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response> {
    use subtle::ConstantTimeEq;
    let Some(want) = &s.config.metrics_token else {
        return Err(ApiError::NoSuchRoute);
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
        .unwrap_or_default();
    if sent.len() == want.len() && bool::from(sent.as_bytes().ct_eq(want.as_bytes())) {
        Ok(metrics(State(s)).await.into_response())
    } else {
        Err(ApiError::Unauthorized(
            "/metrics needs the metrics bearer token",
        ))
    }
}

/// The metrics listener's one route.
pub fn metrics_router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    summary = "Liveness",
    responses((status = 200, description = "OK")),
)]
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    summary = "Readiness (database reachable)",
    responses((status = 200, description = "OK")),
)]
async fn readyz(State(s): State<AppState>) -> Result<Json<serde_json::Value>> {
    match s.store.ping().await {
        Ok(()) => Ok(Json(
            json!({"status": "ready", "database": s.store.dialect()}),
        )),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            Err(ApiError::Unavailable)
        }
    }
}

async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        s.metrics.render(),
    )
}

#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    summary = "This document",
    responses((status = 200, description = "OK")),
)]
async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document_json())
}
