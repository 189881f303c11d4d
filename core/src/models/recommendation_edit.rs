//! Changes a user makes to a recommendation: marking it implemented and rating it, and the
//! feedback records that later weigh the ranking of new proposals.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ids::{FeedbackId, RecommendationId};
use crate::models::{FeedbackInput, Recommendation, RecommendationFeedback, double_option};
use crate::validate::Validate;

/// `PATCH /recommendations/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecommendationPatch {
    /// Whether the user acted on it.
    #[serde(default)]
    pub is_implemented: Option<bool>,
    /// Rating 1–5 (`null` clears it).
    #[serde(default, with = "double_option")]
    pub user_feedback: Option<Option<u8>>,
}

impl Recommendation {
    /// This recommendation with `patch` applied and validated.
    pub fn apply_patch(&self, patch: &RecommendationPatch) -> Result<Recommendation> {
        let mut r = self.clone();
        if let Some(i) = patch.is_implemented {
            r.is_implemented = i;
        }
        if let Some(f) = patch.user_feedback {
            r.user_feedback = f;
        }
        r.validate()?;
        Ok(r)
    }
}

impl RecommendationFeedback {
    /// A validated feedback record.
    pub fn create(
        id: FeedbackId,
        recommendation_id: RecommendationId,
        input: FeedbackInput,
        now: DateTime<Utc>,
    ) -> Result<RecommendationFeedback> {
        input.validate()?;
        Ok(RecommendationFeedback {
            id,
            recommendation_id,
            was_helpful: input.was_helpful,
            rating: input.rating,
            comments: input.comments,
            created_at: now,
        })
    }
}

impl Recommendation {
    /// The recommendation rated by `feedback` (its `user_feedback` becomes the rating).
    pub fn rated(&self, feedback: &RecommendationFeedback) -> Recommendation {
        let mut r = self.clone();
        r.user_feedback = u8::try_from(feedback.rating).ok();
        r
    }
}
