//! `GET /users/me/export`: everything the account stores, as one JSON document, streamed.
//!
//! The document is written as the rows are read, a page of at most [`PAGE_BYTES`] of records
//! at a time, into a channel of two chunks the response body drains: a user at the storage
//! quota (100 MB) costs the server a few MiB per export, not the export's size (issue 20: three
//! concurrent exports of such a user once took the server to 2.47 GB).
//!
//! The status line goes out before the records are read: when the database fails half-way,
//! the body ends early (the connection is closed, so the client sees a truncated download,
//! never a document that looks complete) and the failure is logged.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::sync::mpsc;

use crate::auth::AuthUser;
use crate::error::{ApiError, Result};
use crate::repo::entity;
use crate::state::AppState;

/// The OpenAPI shape of the export (the handler streams it; this type only describes it).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ExportDoc {
    /// When it was made.
    pub exported_at: chrono::DateTime<chrono::Utc>,
    /// The account.
    pub user: lifepath_core::models::User,
    /// Every live snapshot.
    pub snapshots: Vec<lifepath_core::models::BudgetSnapshot>,
    /// Every live goal.
    pub goals: Vec<lifepath_core::models::Goal>,
    /// Every contribution.
    pub contributions: Vec<lifepath_core::models::GoalContribution>,
    /// Every progress entry.
    pub progress: Vec<lifepath_core::models::GoalProgress>,
    /// Every recommendation.
    pub recommendations: Vec<lifepath_core::models::Recommendation>,
    /// Every feedback.
    pub feedback: Vec<lifepath_core::models::RecommendationFeedback>,
    /// Every budget session.
    pub budget_sessions: Vec<lifepath_core::models::BudgetSession>,
    /// The account's audit events.
    #[schema(value_type = Vec<Object>)]
    pub audit_events: Vec<serde_json::Value>,
}

/// Record bytes read per page.
pub const PAGE_BYTES: usize = 1024 * 1024;
/// Records read per page at most.
const PAGE_ROWS: i64 = 500;

type Chunk = std::result::Result<Bytes, std::io::Error>;

/// The handler: answers at once and writes the document from a task.
#[utoipa::path(
    get,
    path = "/users/me/export",
    tag = "users",
    summary = "Export everything",
    responses((status = 200, description = "OK", body = crate::routes::export::ExportDoc)),
    security(("bearer" = [])),
)]
pub async fn export(
    State(s): State<AppState>,
    me: AuthUser,
    crate::extract::ClientIp(ip): crate::extract::ClientIp,
) -> Result<Response> {
    // The account is read first, so a missing account is still a clean 401/404.
    let (user, _) = super::users::load_me(&s, &me).await?;
    let key = me.key();
    s.store
        .audit(
            &crate::audit::AuditEvent::new("user.export")
                .user(&key)
                .record(entity::USER, &key)
                .ip(&ip)
                .row(),
        )
        .await?;
    let head = format!(
        "{{\"exported_at\":{},\"user\":{}",
        json!(chrono::Utc::now()),
        serde_json::to_string(&user).map_err(ApiError::internal)?
    );
    let (tx, rx) = mpsc::channel::<Chunk>(2);
    tokio::spawn(async move {
        if let Err(e) = write(&s, &me, head, &tx).await {
            tracing::error!(error = %e, "export failed half-way; the response is cut short");
            let _ = tx
                .send(Err(std::io::Error::other("the export failed")))
                .await;
        }
    });
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    }));
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// The sections of the document after `user`, in this order.
const SECTIONS: [(&str, &str); 7] = [
    ("snapshots", entity::SNAPSHOT),
    ("goals", entity::GOAL),
    ("contributions", entity::CONTRIBUTION),
    ("progress", entity::PROGRESS),
    ("recommendations", entity::RECOMMENDATION),
    ("feedback", entity::FEEDBACK),
    ("budget_sessions", entity::SESSION),
];

/// Stops quietly when the client went away (the receiver is dropped).
struct Gone;

impl From<Gone> for ApiError {
    fn from(_: Gone) -> Self {
        ApiError::internal("the client closed the export")
    }
}

async fn send(tx: &mpsc::Sender<Chunk>, buf: &mut Vec<u8>) -> std::result::Result<(), Gone> {
    let chunk = Bytes::from(std::mem::take(buf));
    tx.send(Ok(chunk)).await.map_err(|_| Gone)
}

async fn write(s: &AppState, me: &AuthUser, head: String, tx: &mpsc::Sender<Chunk>) -> Result<()> {
    let key = me.key();
    let mut buf = head.into_bytes();
    for (name, ent) in SECTIONS {
        buf.extend_from_slice(format!(",\"{name}\":[").as_bytes());
        let mut first = true;
        let mut after = None;
        loop {
            let (rows, more) = s
                .store
                .changes(me.0, &[ent], after.take(), PAGE_ROWS, PAGE_BYTES)
                .await?;
            for r in &rows {
                let Some(sealed) = &r.sealed else { continue };
                if r.deleted_at.is_some() {
                    continue;
                }
                let plain = s
                    .crypto
                    .open(&key, &r.entity, &r.id, sealed)
                    .map_err(ApiError::internal)?;
                if !first {
                    buf.push(b',');
                }
                first = false;
                buf.extend_from_slice(&plain);
            }
            if let Some(last) = rows.last() {
                after = Some((last.change_seq, last.entity.clone(), last.id.clone()));
            }
            if !buf.is_empty() {
                send(tx, &mut buf).await?;
            }
            if !more {
                break;
            }
        }
        buf.push(b']');
    }
    let events: Vec<serde_json::Value> = s
        .store
        .audit_for(me.0)
        .await?
        .into_iter()
        .map(|e| {
            json!({
                "id": e.id, "action": e.action, "entity": e.entity, "entity_id": e.entity_id,
                "source_ip": e.source_ip,
                "details": serde_json::from_str::<serde_json::Value>(&e.details).unwrap_or_default(),
                "created_at": chrono::DateTime::from_timestamp_micros(e.created_at),
            })
        })
        .collect();
    buf.extend_from_slice(b",\"audit_events\":");
    serde_json::to_writer(&mut buf, &events).map_err(ApiError::internal)?;
    buf.push(b'}');
    send(tx, &mut buf).await?;
    Ok(())
}
