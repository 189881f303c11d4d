//! How far a goal is: percentage and days remaining.

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use crate::ids::GoalId;
use crate::models::{Goal, GoalStatus};
use crate::money::Money;

/// The output of [`goal_progress`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GoalProgressReport {
    /// The goal.
    pub goal_id: GoalId,
    /// Status.
    pub status: GoalStatus,
    /// Reached so far.
    pub current_amount: Money,
    /// Target.
    pub target_amount: Money,
    /// max(0, target − current).
    pub remaining_amount: Money,
    /// current / target × 100 (may exceed 100).
    pub progress_percentage: f64,
    /// target_date − as_of in days (negative when overdue; null without a target date).
    pub days_remaining: Option<i64>,
}

/// current / target × 100.
pub fn progress_percentage(goal: &Goal) -> f64 {
    goal.current_amount
        .as_decimal()
        .checked_div(goal.target_amount.as_decimal())
        .and_then(|r| (r * rust_decimal::Decimal::ONE_HUNDRED).to_f64())
        .unwrap_or(0.0)
}

/// target_date − as_of in days.
pub fn days_remaining(goal: &Goal, as_of: NaiveDate) -> Option<i64> {
    goal.target_date.map(|t| (t - as_of).num_days())
}

/// Progress of a goal at `as_of`.
pub fn goal_progress(goal: &Goal, as_of: NaiveDate) -> GoalProgressReport {
    let remaining = goal.target_amount - goal.current_amount;
    GoalProgressReport {
        goal_id: goal.id,
        status: goal.status,
        current_amount: goal.current_amount.round(),
        target_amount: goal.target_amount.round(),
        remaining_amount: if remaining.is_negative() {
            Money::ZERO
        } else {
            remaining
        }
        .round(),
        progress_percentage: progress_percentage(goal),
        days_remaining: days_remaining(goal, as_of),
    }
}
