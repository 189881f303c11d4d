//! The sync wire protocol: push mutations, pull changes.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// At most this many mutations in one push.
pub const MAX_PUSH_BATCH: usize = 500;

/// The kinds of record that sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EntityKind {
    /// A budget snapshot.
    Snapshot,
    /// A goal.
    Goal,
    /// A goal contribution.
    GoalContribution,
    /// A goal progress record.
    GoalProgress,
    /// Feedback on a recommendation.
    RecommendationFeedback,
    /// A budget session.
    BudgetSession,
    /// A dated transaction (actuals).
    Transaction,
    /// A categorisation rule.
    CategoryRule,
}

impl EntityKind {
    /// Every kind.
    pub const ALL: [EntityKind; 8] = [
        EntityKind::Snapshot,
        EntityKind::Goal,
        EntityKind::GoalContribution,
        EntityKind::GoalProgress,
        EntityKind::RecommendationFeedback,
        EntityKind::BudgetSession,
        EntityKind::Transaction,
        EntityKind::CategoryRule,
    ];

    /// The JSON name.
    pub const fn as_str(self) -> &'static str {
        match self {
            EntityKind::Snapshot => "snapshot",
            EntityKind::Goal => "goal",
            EntityKind::GoalContribution => "goal_contribution",
            EntityKind::GoalProgress => "goal_progress",
            EntityKind::RecommendationFeedback => "recommendation_feedback",
            EntityKind::BudgetSession => "budget_session",
            EntityKind::Transaction => "transaction",
            EntityKind::CategoryRule => "category_rule",
        }
    }

    /// The kind of a JSON name; `None` for a name that is none of [`EntityKind::ALL`].
    pub fn parse(name: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

impl std::str::FromStr for EntityKind {
    type Err = crate::error::Error;

    fn from_str(name: &str) -> crate::error::Result<EntityKind> {
        EntityKind::parse(name).ok_or_else(|| {
            crate::error::Error::invalid("entity", format!("{name:?} is not a record kind"))
        })
    }
}

/// Create-or-replace, or delete.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Op {
    /// Create (base_version 0) or replace the record.
    Upsert,
    /// Delete the record (a tombstone travels to other devices).
    Delete,
}

/// One change a device made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mutation {
    /// Makes the mutation idempotent: a replay returns the first result.
    pub op_id: Uuid,
    /// Kind of record.
    pub entity: EntityKind,
    /// Record id.
    pub id: Uuid,
    /// The server version the change was made on (0 for a new record).
    pub base_version: i64,
    /// What to do.
    pub op: Op,
    /// The record for an upsert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(type = "JsonObject"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Value))]
    pub data: Option<Value>,
}

/// `POST /api/v1/sync/push` body.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    /// In the order they were made.
    pub mutations: Vec<Mutation>,
    /// More of the client's queue follows in the next batch (default `false`). The server
    /// derives what reads the whole history (the insight feed) after the last batch only, so a
    /// device pushing a long history in batches is never alerted on part of it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub more: bool,
}

/// What the server did with one mutation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PushStatus {
    /// Written; `version` is the new version.
    Applied,
    /// A replay of an op_id seen before; the first result is returned.
    Duplicate,
    /// `base_version` is stale; `server_record` is the current state.
    Conflict,
    /// Invalid; `error` says why.
    Rejected,
}

/// The current server state of a record, sent with a conflict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServerRecord {
    /// Current version.
    pub version: i64,
    /// True when the record is deleted.
    #[serde(default)]
    pub deleted: bool,
    /// The record (absent when deleted).
    #[serde(default)]
    #[cfg_attr(feature = "wasm", tsify(type = "JsonObject | null"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub data: Option<Value>,
}

/// The answer to one mutation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResult {
    /// The mutation's op_id.
    pub op_id: Uuid,
    /// What happened.
    pub status: PushStatus,
    /// The record's version after the mutation (applied, duplicate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// The server's record (conflict).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_record: Option<ServerRecord>,
    /// Why it was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `POST /api/v1/sync/push` answer: one result per mutation, in order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    /// Results.
    pub results: Vec<PushResult>,
}

/// The latest state of one record changed since the cursor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    /// Kind of record.
    pub entity: EntityKind,
    /// Record id.
    pub id: Uuid,
    /// Its version.
    pub version: i64,
    /// True for a tombstone.
    pub deleted: bool,
    /// The record (absent for a tombstone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(type = "JsonObject"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: Option<Value>,
}

/// `GET /api/v1/sync/pull` answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    /// Changes in the order of their last commit.
    pub changes: Vec<Change>,
    /// Opaque position to continue from.
    pub cursor: String,
    /// More changes wait past the cursor.
    pub has_more: bool,
}

#[cfg(test)]
mod entity_kind_tests {
    use super::EntityKind;

    #[test]
    fn names_parse_back_to_their_kind() {
        for k in EntityKind::ALL {
            assert_eq!(EntityKind::parse(k.as_str()), Some(k));
            assert_eq!(k.as_str().parse::<EntityKind>().ok(), Some(k));
            let json = serde_json::to_value(k).ok();
            assert_eq!(json.as_ref().and_then(|v| v.as_str()), Some(k.as_str()));
        }
        assert_eq!(EntityKind::parse("recommendation"), None);
        let e = "user".parse::<EntityKind>().err().map(|e| e.field_errors());
        assert_eq!(e.map(|f| f[0].field.clone()).as_deref(), Some("entity"));
    }
}
