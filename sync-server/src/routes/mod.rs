//! One file per resource; each owns its `router()`.

pub mod goals;
pub mod ops;
pub mod recommendations;
pub mod sessions;
pub mod snapshots;
pub mod sync;
pub mod users;

use axum::Router;

use crate::state::AppState;

/// Every route under `/api/v1`.
pub fn api() -> Router<AppState> {
    Router::new()
        .merge(users::router())
        .merge(snapshots::router())
        .merge(sessions::router())
        .merge(goals::router())
        .merge(recommendations::router())
        .merge(sync::router())
}
