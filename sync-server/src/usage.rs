//! Usage, for the source design's success metrics (issue 21): what the audit trail says people
//! did, reduced to [`UsageEvent`]s for the core's `success_metrics`.
//!
//! Reading trends, anomalies or a forecast is an audit event `analytics.read` at most once per
//! user per day (a per-instance memo skips the database on later reads that day; the insert
//! itself is conditional, so several instances still write one a day). Sessions, snapshot
//! saves (`details.source_session_id`), goals and every other write come from the events the
//! routes already record (REST and sync push alike). The report holds aggregates only.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, Utc};
use lifepath_core::success_metrics::{SuccessReport, UsageEvent, UsageKind, success_metrics};
use lifepath_core::{Period, UserId};
use serde_json::json;

use crate::audit::AuditEvent;
use crate::repo::micros;
use crate::state::AppState;

/// The audit actions the metrics read, and what each means.
const ACTIONS: &[(&str, Option<UsageKind>)] = &[
    ("budget_session.create", Some(UsageKind::SessionCreated)),
    ("snapshot.create", Some(UsageKind::SnapshotSaved)),
    ("snapshot.replace", Some(UsageKind::SnapshotSaved)),
    ("goal.create", Some(UsageKind::GoalCreated)),
    ("analytics.read", Some(UsageKind::AnalyticsRead)),
    // Sync pushes: by entity (below).
    ("sync.upsert", None),
    ("sync.delete", Some(UsageKind::Write)),
    // Every other write makes a user active.
    ("budget_session.update", Some(UsageKind::Write)),
    ("budget_session.delete", Some(UsageKind::Write)),
    ("snapshot.delete", Some(UsageKind::Write)),
    ("goal.update", Some(UsageKind::Write)),
    ("goal.delete", Some(UsageKind::Write)),
    ("goal_contribution.create", Some(UsageKind::Write)),
    ("goal_progress.create", Some(UsageKind::Write)),
    ("recommendation_feedback.create", Some(UsageKind::Write)),
    ("recommendation.update", Some(UsageKind::Write)),
    ("user.update", Some(UsageKind::Write)),
];

/// The per-instance memo of who was noted reading analytics today.
#[derive(Debug, Default)]
pub struct Usage {
    noted: Mutex<HashMap<UserId, NaiveDate>>,
}

/// Notes that `user` read analytics (at most one audit event per user per day), after the
/// answer.
pub fn analytics_read(s: &AppState, user: UserId) {
    let now = Utc::now();
    let today = now.date_naive();
    {
        let Ok(mut noted) = s.usage.noted.lock() else {
            return;
        };
        if noted.get(&user) == Some(&today) {
            return;
        }
        if noted.len() > 100_000 {
            noted.clear();
        }
        noted.insert(user, today);
    }
    let s = s.clone();
    tokio::spawn(async move {
        let midnight = today
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_micros())
            .unwrap_or(0);
        let row = AuditEvent::new("analytics.read")
            .user(user)
            .details(json!({}))
            .row();
        if let Err(e) = s.store.audit_once_since(&row, midnight).await {
            tracing::warn!(error = %e, "could not note an analytics read");
        }
    });
}

fn period_of(us: i64) -> Option<Period> {
    DateTime::<Utc>::from_timestamp_micros(us).map(|t| Period::of_date(t.date_naive()))
}

/// The usage events up to the end of `to`.
pub async fn events(s: &AppState, to: Period) -> crate::error::Result<Vec<UsageEvent>> {
    let end = to
        .add_months(1)
        .first_day()
        .and_hms_opt(0, 0, 0)
        .map(|t| micros(t.and_utc()) - 1)
        .unwrap_or(i64::MAX);
    let actions: Vec<&str> = ACTIONS.iter().map(|(a, _)| *a).collect();
    let rows = s.store.usage_rows(&actions, end).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (user, action, entity, entity_id, details, at) in rows {
        let Some(period) = period_of(at) else {
            continue;
        };
        let details: serde_json::Value = serde_json::from_str(&details).unwrap_or_default();
        let kind = match ACTIONS.iter().find(|(a, _)| *a == action) {
            Some((_, Some(k))) => *k,
            Some((_, None)) => match (entity.as_deref(), details["version"].as_i64()) {
                (Some("snapshot"), _) => UsageKind::SnapshotSaved,
                (Some("budget_session"), Some(1)) => UsageKind::SessionCreated,
                (Some("goal"), Some(1)) => UsageKind::GoalCreated,
                _ => UsageKind::Write,
            },
            None => continue,
        };
        let subject = match kind {
            UsageKind::SessionCreated => entity_id,
            UsageKind::SnapshotSaved => details["source_session_id"].as_str().map(str::to_owned),
            _ => None,
        };
        out.push(UsageEvent {
            user,
            kind,
            subject,
            period,
        });
    }
    Ok(out)
}

/// The success metrics of the months `from..=to`.
pub async fn report(s: &AppState, from: Period, to: Period) -> crate::error::Result<SuccessReport> {
    let to_ = from.max(to);
    let events = events(s, to_).await?;
    Ok(success_metrics(&events, from, to))
}

/// The report as the command line prints it.
pub fn table(r: &SuccessReport) -> String {
    let mut out = format!(
        "lifepath success metrics, {} to {}\n\n{:<24} {:>8} {:>9} {:>11} {:>7}  {}\n",
        r.from, r.to, "metric", "value", "numerator", "denominator", "target", "met"
    );
    for m in &r.metrics {
        let (value, num, den, met) = if m.withheld {
            (
                "withheld".to_owned(),
                "-".to_owned(),
                "-".to_owned(),
                "- (fewer than 5 users)".to_owned(),
            )
        } else {
            (
                m.value.map_or("-".to_owned(), |v| {
                    let pct = (v * rust_decimal::Decimal::ONE_HUNDRED).round_dp_with_strategy(
                        1,
                        rust_decimal::RoundingStrategy::MidpointAwayFromZero,
                    );
                    format!("{pct:.1} %")
                }),
                m.numerator.map_or("-".to_owned(), |n| n.to_string()),
                m.denominator.map_or("-".to_owned(), |n| n.to_string()),
                m.met
                    .map_or("-".to_owned(), |b| if b { "yes" } else { "no" }.to_owned()),
            )
        };
        out.push_str(&format!(
            "{:<24} {:>8} {:>9} {:>11} {:>6.0} %  {}\n",
            m.key,
            value,
            num,
            den,
            m.target * rust_decimal::Decimal::ONE_HUNDRED,
            met
        ));
    }
    out.push_str(&format!(
        "\nusers with 2+ snapshots: {}\n",
        r.users_with_two_or_more_snapshots
            .map_or("withheld (fewer than 5)".to_owned(), |n| n.to_string())
    ));
    out
}
