//! Webhook endpoints (issue 16 §3): `GET|POST /webhooks`, `DELETE /webhooks/{id}`,
//! `POST /webhooks/{id}/test`, `GET /webhooks/{id}/deliveries`. The signing secret is shown once,
//! in the answer that creates the endpoint.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use base64::Engine;
use lifepath_core::insights::InsightKind;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::alerts::WebhookEndpoint;
use crate::alerts::deliver::{self, Delivery};
use crate::error::{ApiError, Result};
use crate::extract::{ApiJson, ApiQuery, PageQuery};
use crate::record::Columns;
use crate::repo::{self, Page, Repo, entity, micros};
use crate::state::AppState;
use crate::store::{Expect, Op};

/// At most this many endpoints per user.
pub const MAX_WEBHOOKS: usize = 10;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(delete))
        .routes(routes!(test))
        .routes(routes!(deliveries))
}

/// `{url, kinds?}`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct WebhookInput {
    /// An https URL (plain http only to loopback in development).
    url: String,
    /// The kinds it receives (default: all).
    #[serde(default)]
    kinds: Option<Vec<InsightKind>>,
}

/// An endpoint as listed (no secret).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
struct Webhook {
    id: Uuid,
    url: String,
    kinds: Option<Vec<InsightKind>>,
    created_at: chrono::DateTime<chrono::Utc>,
}

/// An endpoint as created: with its signing secret, shown this once.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
struct CreatedWebhook {
    id: Uuid,
    url: String,
    kinds: Option<Vec<InsightKind>>,
    /// The HMAC-SHA256 key of the `lifepath-signature` header; shown only in this answer.
    secret: String,
    created_at: chrono::DateTime<chrono::Utc>,
}

fn listed(w: WebhookEndpoint) -> Webhook {
    Webhook {
        id: w.id,
        url: w.url,
        kinds: w.kinds,
        created_at: w.created_at,
    }
}

#[utoipa::path(
    post,
    path = "/webhooks",
    tag = "insights",
    summary = "Add a webhook endpoint (the answer carries its signing secret, once)",
    request_body = WebhookInput,
    responses((status = 201, description = "Created", body = CreatedWebhook)),
    security(("bearer" = [])),
)]
async fn create(
    repo: Repo,
    ApiJson(input): ApiJson<WebhookInput>,
) -> Result<(StatusCode, Json<CreatedWebhook>)> {
    if input.url.chars().count() > 2000 {
        return Err(ApiError::invalid("url", "must be at most 2000 characters"));
    }
    deliver::check_target(repo.state().config.production, &input.url)
        .await
        .map_err(|e| ApiError::invalid("url", &e))?;
    let s = repo.state();
    let existing: Vec<WebhookEndpoint> = s.load_all(repo.me().0, entity::WEBHOOK).await?;
    if existing.len() >= MAX_WEBHOOKS {
        return Err(ApiError::invalid(
            "url",
            &format!("an account has at most {MAX_WEBHOOKS} endpoints: delete one first"),
        ));
    }
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(ApiError::internal)?;
    let w = WebhookEndpoint {
        id: Uuid::now_v7(),
        url: input.url,
        kinds: input.kinds,
        secret: format!(
            "whsec_{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key)
        ),
        created_at: repo::now(),
    };
    let at = micros(w.created_at);
    let op = repo.put_entity(
        entity::WEBHOOK,
        &w.id.to_string(),
        Columns {
            sort_key: at,
            created_at: at,
            updated_at: Some(at),
            ..Columns::default()
        },
        &w,
        1,
        Expect::Absent,
    )?;
    // The URL's host only: a path may carry a token of the receiver.
    let host = reqwest::Url::parse(&w.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    let ev = repo
        .event("webhook.create")
        .record(entity::WEBHOOK, w.id.to_string())
        .details(json!({"host": host}));
    repo.write(vec![op], vec![ev], None).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedWebhook {
            id: w.id,
            url: w.url,
            kinds: w.kinds,
            secret: w.secret,
            created_at: w.created_at,
        }),
    ))
}

#[utoipa::path(
    get,
    path = "/webhooks",
    tag = "insights",
    summary = "The webhook endpoints (without their secrets)",
    responses((status = 200, description = "OK", body = Page<Webhook>)),
    security(("bearer" = [])),
)]
async fn list(repo: Repo) -> Result<Json<Page<Webhook>>> {
    let mut all: Vec<WebhookEndpoint> = repo.state().load_all(repo.me().0, entity::WEBHOOK).await?;
    all.sort_by_key(|w| std::cmp::Reverse(w.created_at));
    Ok(Json(Page {
        items: all.into_iter().map(listed).collect(),
        next_cursor: None,
    }))
}

async fn load(repo: &Repo, id: &str) -> Result<(WebhookEndpoint, i64)> {
    let id = crate::extract::path_id(id)?.to_string();
    let (w, row): (WebhookEndpoint, _) =
        repo.state().load(repo.me().0, entity::WEBHOOK, &id).await?;
    Ok((w, row.version))
}

#[utoipa::path(
    delete,
    path = "/webhooks/{id}",
    tag = "insights",
    summary = "Delete a webhook endpoint (deliveries still queued for it are dropped)",
    params(("id" = uuid::Uuid, Path, description = "The record's id")),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = [])),
)]
async fn delete(repo: Repo, Path(id): Path<String>) -> Result<StatusCode> {
    let (w, version) = load(&repo, &id).await?;
    let ops = vec![
        Op::Tombstone {
            entity: entity::WEBHOOK,
            id: w.id.to_string(),
            expect: Some(version),
        },
        Op::TombstoneChildren {
            entity: entity::WEBHOOK_DELIVERY,
            parent_id: w.id.to_string(),
        },
    ];
    let ev = repo
        .event("webhook.delete")
        .record(entity::WEBHOOK, w.id.to_string());
    repo.write(ops, vec![ev], None).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/webhooks/{id}/test",
    tag = "insights",
    summary = "Send a signed test event (`webhook.test`) now, and say what the endpoint answered",
    params(("id" = uuid::Uuid, Path, description = "The record's id")),
    responses((status = 200, description = "The attempt, as logged", body = Delivery)),
    security(("bearer" = [])),
)]
async fn test(repo: Repo, Path(id): Path<String>) -> Result<Json<Delivery>> {
    let (w, _) = load(&repo, &id).await?;
    let event = Uuid::now_v7().to_string();
    let body = json!({"id": event, "type": "webhook.test",
                      "created_at": repo::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                      "data": {"webhook_id": w.id}})
    .to_string();
    Ok(Json(
        deliver::send_webhook(
            repo.state(),
            repo.me(),
            &w,
            &event,
            "webhook.test",
            1,
            &body,
        )
        .await,
    ))
}

#[utoipa::path(
    get,
    path = "/webhooks/{id}/deliveries",
    tag = "insights",
    summary = "An endpoint's delivery log, newest first",
    params(("id" = uuid::Uuid, Path, description = "The record's id"), PageQuery),
    responses((status = 200, description = "OK", body = Page<Delivery>)),
    security(("bearer" = [])),
)]
async fn deliveries(
    repo: Repo,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<Delivery>>> {
    let (w, _) = load(&repo, &id).await?;
    Ok(Json(
        repo::page(
            repo.state(),
            repo.me().0,
            entity::WEBHOOK_DELIVERY,
            Some(&w.id.to_string()),
            &q,
        )
        .await?,
    ))
}
