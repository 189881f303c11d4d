//! One file per resource; each owns its `router()`.

pub mod actuals;
pub mod admin;
pub mod audit;
pub mod category_rules;
pub mod export;
pub mod goals;
pub mod identities;
pub mod insights;
pub mod oidc;
pub mod ops;
pub mod password_reset;
pub mod recommendations;
pub mod session_cookie;
pub mod sessions;
pub mod snapshots;
pub mod sync;
pub mod transactions;
pub mod users;
pub mod webhooks;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// Every route under `/api/v1`, each with its OpenAPI operation (`#[utoipa::path]` on the
/// handler): the document is collected from the router itself, so a route cannot be served
/// undocumented or documented unserved.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        // Tokens and account data: never kept by a browser or proxy cache.
        .merge(
            users::router()
                .merge(audit::router())
                .merge(identities::router())
                .merge(oidc::router())
                .merge(password_reset::router())
                .layer(axum::middleware::map_response(no_store)),
        )
        .merge(snapshots::router())
        .merge(sessions::router())
        .merge(goals::router())
        .merge(recommendations::router())
        .merge(sync::router())
        .merge(transactions::router())
        .merge(category_rules::router())
        .merge(actuals::router())
        .merge(insights::router())
        .merge(webhooks::router())
        .merge(admin::router().layer(axum::middleware::map_response(no_store)))
}

/// `Cache-Control: no-store` on a response that carries tokens or account data.
async fn no_store(mut res: axum::response::Response) -> axum::response::Response {
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    res
}
