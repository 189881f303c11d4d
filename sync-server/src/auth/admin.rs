//! The `AdminUser` extractor: a signed-in account holding the `admin` role (granted only from
//! the command line, `lifepath-server admin grant EMAIL`) and not disabled, read afresh from
//! the database on every admin request. Anyone else — no token, a bad token, a normal user, a
//! disabled admin — is answered 404 `not_found`, as for another user's record (the routes are
//! public in the OpenAPI document; the answer tells nothing of any account). Admin requests are rate
//! limited per admin (`ADMIN_REQUESTS` a minute, counted in the database like the login limits).

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
        let user = match AuthUser::from_request_parts(parts, state).await {
            Ok(u) => u,
            Err(e @ (ApiError::Internal(_) | ApiError::Unavailable)) => return Err(e),
            Err(_) => return Err(ApiError::NotFound),
        };
        if !state.store.is_admin(user.0).await? {
            return Err(ApiError::NotFound);
        }
        reserve_admin(state, &user.key(), crate::repo::micros(chrono::Utc::now())).await?;
        Ok(AdminUser(user.0))
    }
}
