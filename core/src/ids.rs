//! Typed ids: one small macro over [`Uuid`] so a goal id can never be passed where a user id
//! belongs. They serialize as plain UUID strings.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($($(#[$meta:meta])* $name:ident),* $(,)?) => {$(
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct $name(pub Uuid);

        impl $name {
            /// Wraps an existing UUID.
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    )*};
}

typed_id!(
    /// A user account.
    UserId,
    /// A budget snapshot (one user's budget for one month).
    SnapshotId,
    /// A financial goal.
    GoalId,
    /// One contribution towards a goal.
    ContributionId,
    /// One month's progress record of a goal.
    ProgressId,
    /// A recommendation proposed for a goal.
    RecommendationId,
    /// Feedback a user gave on a recommendation.
    FeedbackId,
    /// A budget session (a budget being worked on, server side).
    SessionId,
    /// A dated transaction (bank row or typed by hand).
    TransactionId,
    /// A categorisation rule.
    RuleId,
);
