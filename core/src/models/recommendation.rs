//! Recommendations proposed for goals and the feedback users give on them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{FeedbackId, GoalId, RecommendationId};
use crate::money::Money;
use crate::validate::{Validate, Validator, join};

/// How hard a recommendation is to follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
}

/// The kinds of proposal the engine makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RecommendationKind {
    /// Spend less in a non-essential category.
    ReduceExpense,
    /// Send unallocated monthly surplus to the goal.
    RedirectSurplus,
    /// Pay the highest-APR debt first.
    PayHighInterestDebt,
    /// Move the target date.
    ExtendTargetDate,
}

impl RecommendationKind {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            RecommendationKind::ReduceExpense => "reduce_expense",
            RecommendationKind::RedirectSurplus => "redirect_surplus",
            RecommendationKind::PayHighInterestDebt => "pay_high_interest_debt",
            RecommendationKind::ExtendTargetDate => "extend_target_date",
        }
    }
}

/// A proposal to bring a goal back on track.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recommendation {
    /// Id (derived from goal, kind and category, so the same proposal keeps its id).
    pub id: RecommendationId,
    /// The goal it serves.
    pub goal_id: GoalId,
    /// Kind of proposal.
    pub kind: RecommendationKind,
    /// Short title, ≤ 100 characters.
    pub title: String,
    /// What to do and why.
    pub description: String,
    /// The budget category it concerns (an expense slug, `surplus`, `debt` or `timeline`).
    pub category: String,
    /// Money per month it frees for the goal.
    pub potential_impact: Money,
    /// How hard it is.
    pub difficulty_level: Difficulty,
    /// Concrete steps.
    pub implementation_steps: Vec<String>,
    /// The user says they did it.
    #[serde(default)]
    pub is_implemented: bool,
    /// The user's rating, 1–5.
    #[serde(default)]
    pub user_feedback: Option<u8>,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
}

/// Feedback on one recommendation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecommendationFeedback {
    /// Id.
    pub id: FeedbackId,
    /// The recommendation.
    pub recommendation_id: RecommendationId,
    /// Did it help.
    pub was_helpful: bool,
    /// Rating 1–5.
    pub rating: i64,
    /// Comments, ≤ 2000 characters.
    #[serde(default)]
    pub comments: Option<String>,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
}

/// What a client sends as feedback.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedbackInput {
    /// Did it help.
    pub was_helpful: bool,
    /// Rating 1–5.
    pub rating: i64,
    /// Comments.
    #[serde(default)]
    pub comments: Option<String>,
}

impl Validate for FeedbackInput {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        v.rating(join(path, "rating"), self.rating);
        if let Some(c) = &self.comments {
            v.text(join(path, "comments"), c, 0, 2000);
        }
    }
}

impl Validate for RecommendationFeedback {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        v.rating(join(path, "rating"), self.rating);
        if let Some(c) = &self.comments {
            v.text(join(path, "comments"), c, 0, 2000);
        }
    }
}

impl Validate for Recommendation {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        v.text(join(path, "title"), &self.title, 1, 100);
        if let Some(r) = self.user_feedback {
            v.rating(join(path, "user_feedback"), i64::from(r));
        }
    }
}
