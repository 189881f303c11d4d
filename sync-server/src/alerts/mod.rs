//! Alerts (issue 16, DESIGN §5 "Alerts"): after every write that can change them, the user's
//! insights are derived again by core's `derive_insights`; a new one (by `dedup_key`, kept as a
//! blind unique index, so a dismissed insight never comes back and two racing writes store it
//! once) is stored together with one outbox row per channel that wants it — in one transaction,
//! so none is lost and none is queued twice. [`deliver`] works the outbox.

pub mod deliver;

use std::collections::HashSet;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use chrono::Utc;
use lifepath_core::actuals::{Transaction, every_month_of_actuals};
use lifepath_core::insights::{
    Digest, InsightInput, InsightKind, InsightRecord, InsightState, NotificationPreferences,
    derive_insights,
};
use lifepath_core::models::{BudgetSnapshot, Goal, GoalContribution};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, Result};
use crate::record::Columns;
use crate::repo::{Repo, entity, micros};
use crate::state::AppState;
use crate::store::{Expect, Op, StoreError};

/// A webhook endpoint as stored (sealed: its secret never leaves the server after creation).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    /// Id.
    pub id: Uuid,
    /// Where deliveries are POSTed.
    pub url: String,
    /// The kinds it receives (`None`: all).
    pub kinds: Option<Vec<InsightKind>>,
    /// The HMAC-SHA256 signing secret.
    pub secret: String,
    /// Creation.
    pub created_at: chrono::DateTime<Utc>,
}

/// The user's notification preferences (the defaults until they save some).
pub async fn preferences(s: &AppState, user: &AuthUser) -> Result<NotificationPreferences> {
    let id = user.0.to_string();
    match s.store.get(user.0, entity::NOTIFICATION_PREFS, &id).await? {
        Some(row) => s.open_row(&id, &row),
        None => Ok(NotificationPreferences::default()),
    }
}

/// The columns of a stored insight.
pub fn insight_columns(r: &InsightRecord) -> Columns {
    Columns {
        sort_key: micros(r.created_at),
        status: Some(r.state.as_str()),
        created_at: micros(r.created_at),
        updated_at: Some(micros(r.updated_at)),
        unique_key: Some(r.insight.dedup_key.clone()),
        ..Columns::default()
    }
}

/// Derives the user's insights again and stores (and queues for delivery) the new ones.
/// Returns how many were new.
pub async fn refresh(s: &AppState, me: &AuthUser) -> Result<usize> {
    let repo = s.repo(me, "");
    let snapshots: Vec<BudgetSnapshot> = repo.all().await?;
    let transactions: Vec<Transaction> = repo.all().await?;
    let goals: Vec<Goal> = repo.all().await?;
    let contributions: Vec<GoalContribution> = repo.all().await?;
    let prefs = preferences(s, me).await?;
    let actuals = every_month_of_actuals(&transactions);
    let anomaly = prefs.anomaly_options();
    let now = crate::repo::now();
    let derived = derive_insights(&InsightInput {
        snapshots: &snapshots,
        actuals: &actuals,
        goals: &goals,
        contributions: &contributions,
        anomaly: &anomaly,
        as_of: now.date_naive(),
    });
    if derived.is_empty() {
        return Ok(0);
    }
    let user = me.0.to_string();
    let existing: Vec<InsightRecord> = s.load_all(me.0, entity::INSIGHT).await?;
    let known: HashSet<&str> = existing
        .iter()
        .map(|r| r.insight.dedup_key.as_str())
        .collect();
    let fresh: Vec<_> = derived
        .into_iter()
        .filter(|i| !known.contains(i.dedup_key.as_str()))
        .collect();
    if fresh.is_empty() {
        return Ok(0);
    }
    let webhooks: Vec<WebhookEndpoint> = if prefs.webhooks {
        s.load_all(me.0, entity::WEBHOOK).await?
    } else {
        Vec::new()
    };
    let email = prefs.email && s.mailer.configured() && account_email(s, me).await?.is_some();
    let mut ops = Vec::new();
    let due = micros(now);
    for insight in &fresh {
        let record = InsightRecord {
            id: Uuid::now_v7(),
            insight: insight.clone(),
            state: InsightState::New,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let id = record.id.to_string();
        ops.push(repo.put_entity(
            entity::INSIGHT,
            &id,
            insight_columns(&record),
            &record,
            1,
            Expect::Absent,
        )?);
        if !prefs.wants(insight.kind, insight.severity) {
            continue;
        }
        for w in &webhooks {
            if w.kinds.as_ref().is_none_or(|k| k.contains(&insight.kind)) {
                ops.push(Op::Outbox {
                    id: Uuid::now_v7().to_string(),
                    insight_id: id.clone(),
                    channel: format!("webhook:{}", w.id),
                    due_at: due,
                });
            }
        }
        if email {
            let (channel, due_at) = match prefs.digest {
                Digest::Off => ("email", due),
                Digest::Daily => ("email_digest", micros(Digest::next_send_time(now))),
            };
            ops.push(Op::Outbox {
                id: Uuid::now_v7().to_string(),
                insight_id: id.clone(),
                channel: channel.into(),
                due_at,
            });
        }
    }
    let n = fresh.len();
    match s.store.write(me.0, ops, Vec::new()).await {
        Ok(_) => Ok(n),
        // Another write derived (some of) them at the same moment: stored once, by it.
        Err(StoreError::Duplicate) => Ok(0),
        Err(e) => {
            tracing::warn!(user = %user, error = %e, "insights not stored");
            Err(e.into())
        }
    }
}

/// The account's email, if it has one.
pub async fn account_email(s: &AppState, me: &AuthUser) -> Result<Option<String>> {
    let key = me.0.to_string();
    let Some(a) = s.store.account(me.0).await? else {
        return Ok(None);
    };
    let user: lifepath_core::models::User = s.open_sealed(&key, entity::USER, &key, &a.sealed)?;
    Ok(user.email)
}

/// Whether a request is a write that can change the user's insights.
fn changes_insights(method: &Method, path: &str) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) && [
        "/api/v1/budgets/snapshots",
        "/api/v1/goals",
        "/api/v1/transactions",
        "/api/v1/sync/push",
        "/api/v1/users/me/notifications",
    ]
    .iter()
    .any(|p| path.starts_with(p))
}

/// Put in a response's extensions by a write after which the insights must not be derived yet:
/// a sync push batch that says more of the device's queue follows (`PushRequest::more`), so a
/// long history pushed in batches is never read, and alerted on, half-way.
#[derive(Clone, Copy, Debug)]
pub struct DeriveLater;

/// Middleware: after a successful write that can change them, the user's insights are derived
/// again before the answer goes out (so the next read of the feed has them), unless the write
/// said [`DeriveLater`].
pub async fn derive_after_write(State(s): State<AppState>, req: Request, next: Next) -> Response {
    if !changes_insights(req.method(), req.uri().path()) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let me = AuthUser::from_request_parts(&mut parts, &s).await.ok();
    let res = next.run(Request::from_parts(parts, body)).await;
    if let Some(me) = me
        && res.status().is_success()
        && res.extensions().get::<DeriveLater>().is_none()
        && let Err(e) = refresh(&s, &me).await
    {
        // The write itself succeeded; the next write derives again.
        tracing::warn!(error = %e, "insights not derived after a write");
    }
    res
}

/// An insight of the user, or 404.
pub async fn load_insight(repo: &Repo, id: &str) -> Result<(InsightRecord, i64)> {
    let id = crate::extract::path_id(id)?.to_string();
    let s = repo.state();
    let (r, row): (InsightRecord, _) = s.load(repo.me().0, entity::INSIGHT, &id).await?;
    Ok((r, row.version))
}

/// 422 for a state a client may not set.
pub fn parse_state(v: &str) -> Result<InsightState> {
    serde_json::from_value(serde_json::Value::String(v.to_owned()))
        .map_err(|_| ApiError::invalid("state", "must be new, seen or dismissed"))
}
