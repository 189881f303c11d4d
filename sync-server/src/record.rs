//! How each stored record kind maps onto the one encrypted `record` table, said once per kind.
//!
//! Every synced record lives in `record` (see `store/mod.rs`): its JSON is sealed into `data`,
//! and only a few plain columns stay readable for queries — the parent it belongs to, a list
//! order key, the month of a per-month record, and a status. A kind says what those are by
//! implementing [`Stored`]; [`crate::repo::Repo`] does the rest (seal, version check, audit,
//! conflict) the same way for every kind. Adding a record kind is one impl here plus its routes.

use lifepath_core::Period;
use lifepath_core::actuals::{CategoryRule, Transaction};
use lifepath_core::models::{
    BudgetSession, BudgetSnapshot, Goal, GoalContribution, GoalProgress, RecommendationFeedback,
};
use lifepath_core::sync::EntityKind;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, Result};
use crate::repo::micros;

/// The plain columns of a stored record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Columns {
    /// The record it belongs to (`""` for none): a contribution's goal, a feedback's
    /// recommendation.
    pub parent_id: String,
    /// List order key, newest first.
    pub sort_key: i64,
    /// The month of a per-month record (at most one live record per parent and month).
    pub period: Option<i64>,
    /// A goal's status or a session's stage.
    pub status: Option<&'static str>,
    /// Creation (µs).
    pub created_at: i64,
    /// Last change (µs); `None`: the time of the write.
    pub updated_at: Option<i64>,
    /// What must be unique among the user's live records of the kind (stored as a blind
    /// index, never as it is): a transaction's fingerprint.
    pub unique_key: Option<String>,
}

/// A record kind kept in the `record` table.
pub trait Stored: Serialize + DeserializeOwned + Send + Sync {
    /// Its entity (the sync vocabulary of DESIGN §4).
    const KIND: EntityKind;

    /// Its id.
    fn record_id(&self) -> String;

    /// Its plain columns.
    fn columns(&self) -> Result<Columns>;
}

/// A record kind whose JSON carries its own `version` (goals, snapshots, sessions).
pub trait Versioned: Stored {
    /// The version (+1 on each change).
    fn version(&self) -> i64;

    /// The name and value of the state it moves through (a goal's `status`, a session's
    /// `stage`), for the audit event of a move; `None` for a kind without one.
    fn state(&self) -> Option<(&'static str, &'static str)> {
        None
    }
}

fn period_index(year: i64, month: i64) -> Result<i64> {
    Period::new(year, month)
        .map(|p| p.index())
        .map_err(|e| ApiError::invalid("period_month", &e.to_string()))
}

impl Stored for BudgetSnapshot {
    const KIND: EntityKind = EntityKind::Snapshot;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn columns(&self) -> Result<Columns> {
        let period = self.period().index();
        Ok(Columns {
            sort_key: period,
            period: Some(period),
            created_at: micros(self.created_at),
            updated_at: Some(micros(self.updated_at)),
            ..Columns::default()
        })
    }
}

impl Versioned for BudgetSnapshot {
    fn version(&self) -> i64 {
        self.version
    }
}

impl Stored for Goal {
    const KIND: EntityKind = EntityKind::Goal;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn columns(&self) -> Result<Columns> {
        Ok(Columns {
            sort_key: micros(self.created_at),
            status: Some(self.status.as_str()),
            created_at: micros(self.created_at),
            updated_at: Some(micros(self.updated_at)),
            ..Columns::default()
        })
    }
}

impl Versioned for Goal {
    fn version(&self) -> i64 {
        self.version
    }
    fn state(&self) -> Option<(&'static str, &'static str)> {
        Some(("status", self.status.as_str()))
    }
}

impl Stored for BudgetSession {
    const KIND: EntityKind = EntityKind::BudgetSession;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn columns(&self) -> Result<Columns> {
        Ok(Columns {
            sort_key: micros(self.created_at),
            status: Some(self.stage.as_str()),
            created_at: micros(self.created_at),
            updated_at: Some(micros(self.updated_at)),
            ..Columns::default()
        })
    }
}

impl Versioned for BudgetSession {
    fn version(&self) -> i64 {
        self.version
    }
    fn state(&self) -> Option<(&'static str, &'static str)> {
        Some(("stage", self.stage.as_str()))
    }
}

impl Stored for GoalContribution {
    const KIND: EntityKind = EntityKind::GoalContribution;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn columns(&self) -> Result<Columns> {
        Ok(Columns {
            parent_id: self.goal_id.to_string(),
            sort_key: micros(self.created_at),
            created_at: micros(self.created_at),
            updated_at: Some(micros(self.created_at)),
            ..Columns::default()
        })
    }
}

impl Stored for GoalProgress {
    const KIND: EntityKind = EntityKind::GoalProgress;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn columns(&self) -> Result<Columns> {
        let period = period_index(i64::from(self.period_year), i64::from(self.period_month))?;
        Ok(Columns {
            parent_id: self.goal_id.to_string(),
            sort_key: period,
            period: Some(period),
            created_at: micros(self.created_at),
            updated_at: None,
            ..Columns::default()
        })
    }
}

impl Stored for RecommendationFeedback {
    const KIND: EntityKind = EntityKind::RecommendationFeedback;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn columns(&self) -> Result<Columns> {
        Ok(Columns {
            parent_id: self.recommendation_id.to_string(),
            sort_key: micros(self.created_at),
            created_at: micros(self.created_at),
            updated_at: Some(micros(self.created_at)),
            ..Columns::default()
        })
    }
}

impl Stored for Transaction {
    const KIND: EntityKind = EntityKind::Transaction;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn columns(&self) -> Result<Columns> {
        Ok(Columns {
            sort_key: self.sort_key(),
            created_at: micros(self.created_at),
            updated_at: Some(micros(self.updated_at)),
            unique_key: Some(self.fingerprint.clone()),
            ..Columns::default()
        })
    }
}

impl Versioned for Transaction {
    fn version(&self) -> i64 {
        self.version
    }
}

impl Stored for CategoryRule {
    const KIND: EntityKind = EntityKind::CategoryRule;
    fn record_id(&self) -> String {
        self.id.clone()
    }
    fn columns(&self) -> Result<Columns> {
        let now = micros(crate::repo::now());
        Ok(Columns {
            sort_key: i64::from(self.priority),
            created_at: now,
            updated_at: Some(now),
            ..Columns::default()
        })
    }
}

impl Versioned for CategoryRule {
    fn version(&self) -> i64 {
        self.version
    }
}
