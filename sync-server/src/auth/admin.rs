//! The `AdminUser` extractor: a signed-in account holding the `admin` role (granted only from
//! the command line, `lifepath-server admin grant EMAIL`) and not disabled, read afresh from
//! the database on every admin request. A signed-in account without the role is answered 404
//! `not_found`, as for another user's record; no token, a bad one or a disabled account is 401
//! as on every route (a disabled admin: `account_disabled`). Admin requests are rate limited per
//! admin (`ADMIN_REQUESTS` a minute, counted in the database like the login limits).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use lifepath_core::UserId;

use crate::auth::{AuthUser, reserve_admin};
use crate::error::{ApiError, Result};
use crate::state::AppState;

/// The admin of a request.
#[derive(Clone, Copy, Debug)]
pub struct AdminUser(pub UserId);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        // No token, a bad one, a revoked one or a disabled account: 401 as on every route.
        let user = AuthUser::from_request_parts(parts, state).await?;
        if !state.store.is_admin(user.0).await? {
            return Err(ApiError::NotFound);
        }
        reserve_admin(state, &user.key(), crate::repo::micros(chrono::Utc::now())).await?;
        Ok(AdminUser(user.0))
    }
}
