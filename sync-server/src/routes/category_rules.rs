//! Categorisation rules (issue 15): payee or notes contains / equals / matches → a category,
//! applied in priority order on every import (core's `categorise`). They sync like the other
//! records, so an offline import in the browser categorises the same way.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use lifepath_core::actuals::{CategoryRule, CategoryRuleInput, CategoryRulePatch};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::error::Result;
use crate::extract::{ApiJson, VersionedJson};
use crate::repo::{Page, Repo};
use crate::state::AppState;

/// At most this many rules per user.
pub const MAX_RULES: usize = 500;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(patch, delete))
}

#[utoipa::path(
    get,
    path = "/categories/rules",
    tag = "transactions",
    summary = "The rules, in the order they apply (priority, then id); one page",
    responses((status = 200, description = "OK", body = Page<CategoryRule>)),
    security(("bearer" = [])),
)]
async fn list(repo: Repo) -> Result<Json<Page<CategoryRule>>> {
    let mut rules: Vec<CategoryRule> = repo.all().await?;
    rules.sort_by(|a, b| a.priority.cmp(&b.priority).then_with(|| a.id.cmp(&b.id)));
    Ok(Json(Page {
        items: rules,
        next_cursor: None,
    }))
}

#[utoipa::path(
    post,
    path = "/categories/rules",
    tag = "transactions",
    summary = "Add a rule",
    request_body = CategoryRuleInput,
    responses((status = 201, description = "Created", body = CategoryRule)),
    security(("bearer" = [])),
)]
async fn create(
    repo: Repo,
    ApiJson(input): ApiJson<CategoryRuleInput>,
) -> Result<(StatusCode, Json<CategoryRule>)> {
    let rule = CategoryRule::create(Uuid::now_v7().to_string(), input)?;
    let count = repo.all::<CategoryRule>().await?.len();
    if count >= MAX_RULES {
        return Err(crate::error::ApiError::invalid(
            "rules",
            &format!("an account keeps at most {MAX_RULES} rules: delete one first"),
        ));
    }
    repo.create(&rule, "category_rule.create", json!({"version": 1}))
        .await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

#[utoipa::path(
    patch,
    path = "/categories/rules/{id}",
    tag = "transactions",
    summary = "Change a rule",
    request_body = crate::extract::WithVersion<CategoryRulePatch>,
    params(("id" = uuid::Uuid, Path, description = "The record's id")),
    responses((status = 200, description = "OK", body = CategoryRule)),
    security(("bearer" = [])),
)]
async fn patch(
    repo: Repo,
    Path(id): Path<String>,
    VersionedJson {
        body: patch,
        expected,
    }: VersionedJson<CategoryRulePatch>,
) -> Result<Json<CategoryRule>> {
    let next = repo
        .patch(
            &id,
            expected,
            "category_rule.update",
            |cur: &CategoryRule| Ok(cur.apply_patch(&patch)?),
        )
        .await?;
    Ok(Json(next))
}

#[utoipa::path(
    delete,
    path = "/categories/rules/{id}",
    tag = "transactions",
    summary = "Delete a rule (the rows it categorised keep their category)",
    params(("id" = uuid::Uuid, Path, description = "The record's id")),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = [])),
)]
async fn delete(repo: Repo, Path(id): Path<String>) -> Result<StatusCode> {
    let r: CategoryRule = repo.get(&id).await?;
    repo.delete(&r, &[], "category_rule.delete").await?;
    Ok(StatusCode::NO_CONTENT)
}
