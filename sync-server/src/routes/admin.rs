//! Admin and support (DESIGN §5 "Admin"), under `/api/v1/admin/`, for accounts holding the
//! `admin` role (see [`AdminUser`]; 404 for any other signed-in account):
//!
//! - `GET /admin/users?q=&limit=&cursor=`: accounts with what support may see — id, email,
//!   created, last sign-in, disabled, role and the count of records of each kind; never an
//!   amount, a name or a note;
//! - `POST /admin/users/{id}/disable` (its tokens refused at once, 401 `account_disabled`),
//!   `…/enable`, `…/revoke-sessions`; `DELETE /admin/users/{id}`;
//! - `GET /admin/users/{id}/audit`: the account's audit events;
//! - `GET /admin/metrics?from=&to=`: the source design's success metrics (aggregates only, a
//!   figure over fewer than 5 users withheld; see `crate::usage`).
//!
//! Every action is an audit event of the account acted on, naming the admin (`admin_id`); a
//! deletion, which leaves no account, is an event of the admin's own trail naming the deleted
//! id; listing accounts is an event of the admin's own trail.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use lifepath_core::models::User;
use lifepath_core::{Period, UserId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::audit::AuditEvent;
use crate::auth::AdminUser;
use crate::error::{ApiError, Result};
use crate::extract::{ApiQuery, ClientIp};
use crate::repo::{DEFAULT_LIMIT, MAX_LIMIT, entity, micros};
use crate::routes::audit::{AuditPage, AuditQuery, audit_page};
use crate::state::AppState;
use crate::store::{AccountGate, AdminAccountRow};

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users))
        .routes(routes!(disable_user))
        .routes(routes!(enable_user))
        .routes(routes!(revoke_sessions))
        .routes(routes!(delete_user))
        .routes(routes!(user_audit))
        .routes(routes!(metrics))
}

/// `?from=YYYY-MM&to=YYYY-MM` (default: the current month for both).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct MetricsQuery {
    /// First month of the window.
    #[param(pattern = r"^\d{4}-\d{2}$")]
    from: Option<String>,
    /// Last month of the window (M of the returning-users metric).
    #[param(pattern = r"^\d{4}-\d{2}$")]
    to: Option<String>,
}

/// The window of a metrics request (also the command line's).
pub fn metrics_window(from: Option<&str>, to: Option<&str>) -> Result<(Period, Period)> {
    let parse = |field: &str, v: Option<&str>| -> Result<Option<Period>> {
        v.map(|t| {
            t.parse::<Period>()
                .map_err(|_| ApiError::invalid(field, "must be a month as YYYY-MM"))
        })
        .transpose()
    };
    let now = Period::of_date(chrono::Utc::now().date_naive());
    let to = parse("to", to)?.unwrap_or(now);
    let from = parse("from", from)?.unwrap_or(to);
    if from > to {
        return Err(ApiError::invalid("from", "must not be after `to`"));
    }
    if to.index() - from.index() >= 120 {
        return Err(ApiError::invalid(
            "from",
            "the window is at most 120 months",
        ));
    }
    Ok((from, to))
}

#[utoipa::path(
    get,
    path = "/admin/metrics",
    tag = "admin",
    summary = "The source design's success metrics over a window of months: aggregates only (admin)",
    params(MetricsQuery),
    responses((status = 200, description = "OK", body = lifepath_core::success_metrics::SuccessReport)),
    security(("bearer" = [])),
)]
async fn metrics(
    State(s): State<AppState>,
    admin: AdminUser,
    ClientIp(ip): ClientIp,
    ApiQuery(q): ApiQuery<MetricsQuery>,
) -> Result<Json<lifepath_core::success_metrics::SuccessReport>> {
    let (from, to) = metrics_window(q.from.as_deref(), q.to.as_deref())?;
    let report = crate::usage::report(&s, from, to).await?;
    s.store
        .audit(
            &AuditEvent::new("admin.metrics_read")
                .user(admin.0)
                .ip(&ip)
                .details(json!({"admin_id": admin.0.to_string(), "from": from.to_string(), "to": to.to_string()}))
                .row(),
        )
        .await?;
    Ok(Json(report))
}

/// Accounts read per search step (a search opens each email to match it).
const SCAN_BATCH: i64 = 500;
/// Accounts a search reads at most per request; a page may end short with a `next_cursor`.
const SCAN_MAX: usize = 20_000;

/// `?q=&limit=&cursor=`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct UsersQuery {
    /// Part of an email (case-insensitive), or the start of an account id.
    #[param(max_length = 320)]
    q: Option<String>,
    /// Items per page (default 24).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// An account as support sees it: never an amount, a name or a note.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AdminUserOut {
    /// Account id.
    pub id: String,
    /// Email (null for an account signed in through a provider that gave none).
    pub email: Option<String>,
    /// Created.
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The last sign-in (login or registration), if any.
    pub last_sign_in_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Disabled by an admin.
    pub disabled: bool,
    /// Holds the `admin` role.
    pub admin: bool,
    /// Live records of each kind (`snapshot`, `goal`, `contribution`, …).
    pub counts: BTreeMap<String, i64>,
}

/// A page of accounts, in id order.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AdminUsersPage {
    /// The accounts.
    pub items: Vec<AdminUserOut>,
    /// Where the next page starts; null at the end.
    pub next_cursor: Option<String>,
}

/// `{id}` of an account.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
struct UserPath {
    /// Account id.
    id: String,
}

fn target(id: &str) -> Result<UserId> {
    id.parse::<UserId>().map_err(|_| ApiError::NotFound)
}

fn at(us: Option<i64>) -> Option<chrono::DateTime<chrono::Utc>> {
    us.and_then(chrono::DateTime::from_timestamp_micros)
}

#[utoipa::path(
    get,
    path = "/admin/users",
    tag = "admin",
    summary = "List and search accounts (admin)",
    params(UsersQuery),
    responses((status = 200, description = "OK", body = AdminUsersPage)),
    security(("bearer" = [])),
)]
async fn list_users(
    State(s): State<AppState>,
    admin: AdminUser,
    ClientIp(ip): ClientIp,
    ApiQuery(q): ApiQuery<UsersQuery>,
) -> Result<Json<AdminUsersPage>> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            &format!("must be a whole number from 1 to {MAX_LIMIT}"),
        ));
    }
    let needle = q.q.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if needle.is_some_and(|n| n.len() > 320) {
        return Err(ApiError::invalid("q", "must be at most 320 characters"));
    }
    let needle = needle.map(str::to_lowercase);
    let mut after = match q.cursor.as_deref() {
        Some(c) => Some(decode(c)?),
        None => None,
    };
    let mut found: Vec<(AdminAccountRow, Option<String>)> = Vec::new();
    let mut scanned = 0usize;
    let mut more = false;
    loop {
        let batch = if needle.is_some() {
            SCAN_BATCH
        } else {
            limit + 1 - found.len() as i64
        };
        let rows = s.store.admin_accounts(after.as_deref(), batch).await?;
        let exhausted = (rows.len() as i64) < batch;
        for row in rows {
            scanned += 1;
            let user: User = s.open_sealed(&row.id, entity::USER, &row.id, &row.sealed)?;
            let hit = needle.as_deref().is_none_or(|n| {
                user.email
                    .as_deref()
                    .is_some_and(|e| e.to_lowercase().contains(n))
                    || row.id.starts_with(n)
            });
            after = Some(row.id.clone());
            if hit {
                if found.len() as i64 == limit {
                    more = true;
                    break;
                }
                found.push((row, user.email));
            }
        }
        if more || exhausted {
            break;
        }
        if scanned >= SCAN_MAX {
            // A long search: this page ends here, the next one goes on from the last account.
            more = true;
            break;
        }
    }
    // With `more`, the next page starts after the last account returned (or, for a search
    // cut short, after the last one read).
    let next_cursor = if more {
        let last = if found.len() as i64 == limit {
            found.last().map(|(r, _)| r.id.clone())
        } else {
            after.clone()
        };
        last.map(|id| B64.encode(id))
    } else {
        None
    };
    let ids: Vec<String> = found.iter().map(|(r, _)| r.id.clone()).collect();
    let mut counts: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for (user, entity, n) in s.store.record_counts(&ids).await? {
        counts.entry(user).or_default().insert(entity, n);
    }
    s.store
        .audit(
            &AuditEvent::new("admin.users_listed")
                .user(admin.0)
                .ip(&ip)
                .details(json!({"admin_id": admin.0.to_string(), "search": needle.is_some(), "count": found.len()}))
                .row(),
        )
        .await?;
    let items = found
        .into_iter()
        .map(|(r, email)| AdminUserOut {
            counts: counts.remove(&r.id).unwrap_or_default(),
            created_at: at(Some(r.created_at)),
            last_sign_in_at: at(r.last_sign_in_at),
            disabled: r.disabled_at.is_some(),
            admin: r.role.as_deref() == Some("admin"),
            id: r.id,
            email,
        })
        .collect();
    Ok(Json(AdminUsersPage { items, next_cursor }))
}

fn decode(c: &str) -> Result<String> {
    B64.decode(c)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .filter(|id| id.parse::<UserId>().is_ok())
        .ok_or_else(|| ApiError::invalid("cursor", "is not a cursor this server gave"))
}

/// The event of an admin action on `user`, naming the admin.
fn admin_event(action: &'static str, admin: AdminUser, user: UserId, ip: &str) -> AuditEvent {
    AuditEvent::new(action)
        .user(user)
        .record(entity::USER, user)
        .ip(ip)
        .details(json!({"admin_id": admin.0.to_string()}))
}

#[utoipa::path(
    post,
    path = "/admin/users/{id}/disable",
    tag = "admin",
    summary = "Disable an account: its tokens refused at once, its sessions revoked (admin)",
    params(UserPath),
    responses((status = 204, description = "Disabled")),
    security(("bearer" = [])),
)]
async fn disable_user(
    State(s): State<AppState>,
    admin: AdminUser,
    ClientIp(ip): ClientIp,
    Path(p): Path<UserPath>,
) -> Result<StatusCode> {
    let user = target(&p.id)?;
    let now = micros(chrono::Utc::now());
    let ev = admin_event("admin.user_disabled", admin, user, &ip).row();
    if !s.store.set_disabled(user, Some(now), &ev).await? {
        return Err(ApiError::NotFound);
    }
    s.revocations.remember(
        user,
        Some(AccountGate {
            tokens_valid_after: now,
            disabled: true,
        }),
    );
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/admin/users/{id}/enable",
    tag = "admin",
    summary = "Enable a disabled account (it signs in again; old sessions stay revoked) (admin)",
    params(UserPath),
    responses((status = 204, description = "Enabled")),
    security(("bearer" = [])),
)]
async fn enable_user(
    State(s): State<AppState>,
    admin: AdminUser,
    ClientIp(ip): ClientIp,
    Path(p): Path<UserPath>,
) -> Result<StatusCode> {
    let user = target(&p.id)?;
    let ev = admin_event("admin.user_enabled", admin, user, &ip).row();
    if !s.store.set_disabled(user, None, &ev).await? {
        return Err(ApiError::NotFound);
    }
    s.revocations.forget(&user);
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/admin/users/{id}/revoke-sessions",
    tag = "admin",
    summary = "Revoke every session of an account (admin)",
    params(UserPath),
    responses((status = 204, description = "Revoked")),
    security(("bearer" = [])),
)]
async fn revoke_sessions(
    State(s): State<AppState>,
    admin: AdminUser,
    ClientIp(ip): ClientIp,
    Path(p): Path<UserPath>,
) -> Result<StatusCode> {
    let user = target(&p.id)?;
    let now = micros(chrono::Utc::now());
    let ev = admin_event("admin.sessions_revoked", admin, user, &ip).row();
    if !s.store.revoke_tokens(user, now, None, &ev).await? {
        return Err(ApiError::NotFound);
    }
    s.revocations.forget(&user);
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    delete,
    path = "/admin/users/{id}",
    tag = "admin",
    summary = "Delete an account and everything of it (admin)",
    params(UserPath),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = [])),
)]
async fn delete_user(
    State(s): State<AppState>,
    admin: AdminUser,
    ClientIp(ip): ClientIp,
    Path(p): Path<UserPath>,
) -> Result<StatusCode> {
    let user = target(&p.id)?;
    if !s.store.delete_account(user).await? {
        return Err(ApiError::NotFound);
    }
    s.revocations.remember(user, None);
    if let Some(external) = &s.external {
        external.forget_user(user);
    }
    // Nothing of the account remains: the event is the admin's, naming the id deleted.
    s.store
        .audit(
            &AuditEvent::new("admin.user_deleted")
                .user(admin.0)
                .record(entity::USER, user)
                .ip(&ip)
                .details(json!({"admin_id": admin.0.to_string()}))
                .row(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/admin/users/{id}/audit",
    tag = "admin",
    summary = "An account's audit events, newest first (admin)",
    params(UserPath, AuditQuery),
    responses((status = 200, description = "OK", body = AuditPage)),
    security(("bearer" = [])),
)]
async fn user_audit(
    State(s): State<AppState>,
    admin: AdminUser,
    ClientIp(ip): ClientIp,
    Path(p): Path<UserPath>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>> {
    let user = target(&p.id)?;
    if s.store.account_gate(user).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    s.store
        .audit(&admin_event("admin.audit_read", admin, user, &ip).row())
        .await?;
    Ok(Json(audit_page(&s, user, q).await?))
}
