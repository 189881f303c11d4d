//! `GET /users/me/identities` and `DELETE /users/me/identities/{id}` (DESIGN §5 "Identity"): the
//! sign-in identities bound to the account (an OpenID provider's user, a host app's token
//! subject). Removing one is refused with 409 `last_sign_in_method` when it is the account's
//! last way to sign in (no password and no other identity).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::audit::AuditEvent;
use crate::auth::AuthUser;
use crate::error::{ApiError, Result};
use crate::extract::ClientIp;
use crate::identity::{IDENTITY, IdentityDetails};
use crate::state::AppState;
use crate::store::IdentityRemoval;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(remove))
}

/// One sign-in identity of the account.
#[derive(Serialize, utoipa::ToSchema)]
pub struct IdentityOut {
    /// Id.
    pub id: String,
    /// `external` (a host app's token) or the configured OpenID provider's name.
    pub provider: String,
    /// The provider's issuer (`iss`).
    pub issuer: String,
    /// The provider's id of the person (`sub`).
    pub subject: String,
    /// The email the provider gave, if any.
    pub email: Option<String>,
    /// Bound.
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The last sign-in through it.
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The account's identities.
#[derive(Serialize, utoipa::ToSchema)]
pub struct IdentitiesPage {
    /// Oldest first (an account has a handful at most: one page).
    pub items: Vec<IdentityOut>,
    /// Always null.
    pub next_cursor: Option<String>,
}

/// `{id}` of an identity.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
struct IdentityPath {
    /// Identity id.
    id: String,
}

#[utoipa::path(
    get,
    path = "/users/me/identities",
    tag = "users",
    summary = "The account's sign-in identities",
    responses((status = 200, description = "OK", body = IdentitiesPage)),
    security(("bearer" = [])),
)]
async fn list(State(s): State<AppState>, me: AuthUser) -> Result<Json<IdentitiesPage>> {
    let key = me.key();
    let mut items = Vec::new();
    for row in s.store.identities(me.0).await? {
        let details: IdentityDetails = match &row.sealed {
            Some(sealed) => s.open_sealed(&key, IDENTITY, &row.id, sealed)?,
            None => IdentityDetails::default(),
        };
        items.push(IdentityOut {
            created_at: chrono::DateTime::from_timestamp_micros(row.created_at),
            last_used_at: row
                .last_used_at
                .and_then(chrono::DateTime::from_timestamp_micros),
            id: row.id,
            provider: row.provider,
            issuer: row.issuer,
            subject: row.subject,
            email: details.email,
        });
    }
    Ok(Json(IdentitiesPage {
        items,
        next_cursor: None,
    }))
}

#[utoipa::path(
    delete,
    path = "/users/me/identities/{id}",
    tag = "users",
    summary = "Remove a sign-in identity (never the last way to sign in: 409)",
    params(IdentityPath),
    responses((status = 204, description = "Removed")),
    security(("bearer" = [])),
)]
async fn remove(
    State(s): State<AppState>,
    me: AuthUser,
    ClientIp(ip): ClientIp,
    Path(p): Path<IdentityPath>,
) -> Result<StatusCode> {
    let ev = AuditEvent::new("identity.remove")
        .user(me.0)
        .record(IDENTITY, &p.id)
        .ip(&ip)
        .details(json!({}))
        .row();
    match s.store.remove_identity(me.0, &p.id, &ev).await? {
        IdentityRemoval::Removed => Ok(StatusCode::NO_CONTENT),
        IdentityRemoval::NotFound => Err(ApiError::NotFound),
        IdentityRemoval::Last => Err(ApiError::Taken {
            code: "last_sign_in_method",
            detail: "this is the account's last way to sign in: set a password or link another \
                     provider first",
        }),
    }
}
