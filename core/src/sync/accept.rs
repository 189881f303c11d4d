//! What a server accepts from a sync push: the record a device sent, read into its core type,
//! validated by the same rules as the REST routes, and normalized — the owner, id and version
//! are the server's, derived fields (a snapshot's summary) are recomputed — so every device
//! that pulls it gets the server's exact record.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::actuals::{CategoryRule, Transaction};
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::models::{
    BudgetSession, BudgetSnapshot, Goal, GoalContribution, GoalProgress, ProgressInput,
    RecommendationFeedback, summarize,
};
use crate::period::Period;
use crate::sync::protocol::EntityKind;
use crate::validate::{Validate, from_value};

/// A record the server may store, with the plain columns it is listed by.
#[derive(Clone, Debug, PartialEq)]
pub struct AcceptedRecord {
    /// The normalized record (the server's JSON shape).
    pub data: Value,
    /// The record it belongs to (a contribution's goal, a feedback's recommendation).
    pub parent_id: Option<Uuid>,
    /// The month of a per-month record (snapshots, goal progress).
    pub period: Option<Period>,
    /// A goal's status or a session's stage.
    pub status: Option<&'static str>,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// The list order key when it is not the creation instant (a transaction's day).
    pub sort_key: Option<i64>,
    /// What must be unique among the user's live records of the kind (a transaction's
    /// fingerprint).
    pub unique_key: Option<String>,
}

/// Reads, validates and normalizes the `data` of a pushed upsert of record `id` of `entity`,
/// owned by `user`, that becomes version `version`. `previous` is the live server record it
/// replaces (a goal's status may only move along the status machine). Missing timestamps
/// become `now`. Errors name the field inside the record.
pub fn accept_record(
    entity: EntityKind,
    id: Uuid,
    user: UserId,
    version: i64,
    data: &Value,
    previous: Option<&Value>,
    now: DateTime<Utc>,
) -> Result<AcceptedRecord> {
    let Some(obj) = data.as_object() else {
        return Err(Error::invalid("data", "must be a JSON object"));
    };
    let mut obj: Map<String, Value> = obj.clone();
    match obj.get("id") {
        None => {
            obj.insert("id".into(), Value::String(id.to_string()));
        }
        Some(v) if v.as_str() == Some(id.to_string().as_str()) => {}
        Some(_) => return Err(Error::invalid("id", "must equal the mutation's id")),
    }
    let now_json = Value::String(now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
    for k in ["created_at", "updated_at"] {
        if obj.get(k).is_none_or(Value::is_null) {
            obj.insert(k.into(), now_json.clone());
        }
    }
    let owned = matches!(
        entity,
        EntityKind::Snapshot
            | EntityKind::Goal
            | EntityKind::BudgetSession
            | EntityKind::Transaction
    );
    if owned {
        obj.insert("user_id".into(), Value::String(user.to_string()));
        obj.insert("version".into(), Value::from(version));
    }
    let value = Value::Object(obj);
    match entity {
        EntityKind::Snapshot => {
            let mut s: BudgetSnapshot = from_value(value)?;
            s.validate()?;
            let period = Period::new(i64::from(s.period_year), i64::from(s.period_month))
                .map_err(|e| Error::invalid("period_month", e.to_string()))?;
            let sum = summarize(&s.budget_model);
            s.total_income = sum.total_income;
            s.total_expenses = sum.total_expenses;
            s.surplus = sum.surplus;
            s.savings_rate = sum.savings_rate;
            s.category_totals = sum.category_totals;
            finish(&s, None, Some(period), None, s.created_at, s.updated_at)
        }
        EntityKind::Goal => {
            let g: Goal = from_value(value)?;
            g.validate()?;
            if let Some(prev) = previous {
                let p: Goal = from_value(prev.clone())?;
                if p.status != g.status && !p.status.can_move_to(g.status) {
                    return Err(Error::invalid(
                        "status",
                        format!(
                            "a goal cannot move from {} to {}",
                            p.status.as_str(),
                            g.status.as_str()
                        ),
                    ));
                }
            }
            let status = g.status.as_str();
            finish(&g, None, None, Some(status), g.created_at, g.updated_at)
        }
        EntityKind::GoalContribution => {
            let c: GoalContribution = from_value(value)?;
            c.validate()?;
            finish(
                &c,
                Some(c.goal_id.0),
                None,
                None,
                c.created_at,
                c.created_at,
            )
        }
        EntityKind::GoalProgress => {
            let p: GoalProgress = from_value(value)?;
            ProgressInput {
                period_year: i64::from(p.period_year),
                period_month: i64::from(p.period_month),
                amount_at_period: p.amount_at_period,
                contribution_this_period: p.contribution_this_period,
                snapshot_id: p.snapshot_id,
            }
            .validate()?;
            let period = Period::new(i64::from(p.period_year), i64::from(p.period_month))
                .map_err(|e| Error::invalid("period_month", e.to_string()))?;
            finish(
                &p,
                Some(p.goal_id.0),
                Some(period),
                None,
                p.created_at,
                p.created_at,
            )
        }
        EntityKind::RecommendationFeedback => {
            let f: RecommendationFeedback = from_value(value)?;
            f.validate()?;
            finish(
                &f,
                Some(f.recommendation_id.0),
                None,
                None,
                f.created_at,
                f.created_at,
            )
        }
        EntityKind::BudgetSession => {
            let b: BudgetSession = from_value(value)?;
            let stage = b.stage.as_str();
            finish(&b, None, None, Some(stage), b.created_at, b.updated_at)
        }
        EntityKind::Transaction => {
            let t: Transaction = from_value(value)?;
            t.validate()?;
            let mut a = finish(&t, None, None, None, t.created_at, t.updated_at)?;
            a.sort_key = Some(t.sort_key());
            a.unique_key = Some(t.fingerprint.clone());
            Ok(a)
        }
        EntityKind::CategoryRule => {
            let mut obj = value;
            if let Some(o) = obj.as_object_mut() {
                o.insert("version".into(), Value::from(version));
            }
            let r: CategoryRule = from_value(obj)?;
            r.validate()?;
            finish(&r, None, None, None, now, now)
        }
    }
}

fn finish<T: Serialize>(
    record: &T,
    parent_id: Option<Uuid>,
    period: Option<Period>,
    status: Option<&'static str>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
) -> Result<AcceptedRecord> {
    let data = serde_json::to_value(record)
        .map_err(|e| Error::invalid("data", format!("cannot be stored: {e}")))?;
    Ok(AcceptedRecord {
        data,
        parent_id,
        period,
        status,
        created_at,
        updated_at,
        sort_key: None,
        unique_key: None,
    })
}
