//! Budget sessions: a budget being worked on, moving draft → partial → final, never back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{SessionId, UserId};

/// How far a budget session is.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SessionStage {
    /// First ideas.
    #[default]
    Draft,
    /// Partly filled in.
    Partial,
    /// Done; can be saved as a snapshot.
    Final,
}

impl SessionStage {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStage::Draft => "draft",
            SessionStage::Partial => "partial",
            SessionStage::Final => "final",
        }
    }

    /// Stages only move forward (staying put is allowed).
    pub fn check_move(self, to: SessionStage) -> Result<()> {
        if to >= self {
            Ok(())
        } else {
            Err(Error::IllegalStage {
                from: self.as_str().into(),
                to: to.as_str().into(),
            })
        }
    }
}

/// A budget being worked on (server only).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetSession {
    /// Id.
    pub id: SessionId,
    /// Owner.
    pub user_id: UserId,
    /// Stage.
    pub stage: SessionStage,
    /// The draft budget (free-form JSON).
    pub draft: serde_json::Value,
    /// The partial budget.
    #[serde(default)]
    pub partial: Option<serde_json::Value>,
    /// The final budget (a budget model once final).
    #[serde(rename = "final", default)]
    pub final_: Option<serde_json::Value>,
    /// What the user asked for.
    #[serde(default)]
    pub user_query: Option<String>,
    /// The user's profile at the time.
    #[serde(default)]
    pub user_profile: Option<serde_json::Value>,
    /// +1 on each change.
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}
