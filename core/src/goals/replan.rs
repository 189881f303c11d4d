//! `replan`: the two honest ways back for a goal that is off track — contribute more to keep
//! the date, or keep the contribution and move the date.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::goals::trajectory::{UnreachableReason, trajectory};
use crate::ids::GoalId;
use crate::models::{BudgetModel, Goal, GoalContribution};
use crate::money::Money;

/// The output of [`replan`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Replan {
    /// The goal.
    pub goal_id: GoalId,
    /// Whether the goal is on track already.
    pub on_track: bool,
    /// The contribution the plan starts from.
    pub monthly_contribution: Money,
    /// Option 1: the monthly contribution that meets the current target date (null without one).
    pub required_monthly_contribution: Option<Money>,
    /// The extra per month option 1 needs (null without a target date).
    pub additional_monthly_contribution: Option<Money>,
    /// Option 2: the date the current contribution reaches (null when it never does).
    pub feasible_target_date: Option<NaiveDate>,
    /// Why option 2 has no date.
    pub reason: Option<UnreachableReason>,
}

/// Both ways back for `goal` (computed whether or not it is off track).
pub fn replan(
    goal: &Goal,
    contributions: &[GoalContribution],
    monthly_contribution: Option<Money>,
    budget: Option<&BudgetModel>,
    as_of: NaiveDate,
) -> Result<Replan> {
    let t = trajectory(goal, contributions, monthly_contribution, budget, as_of)?;
    Ok(Replan {
        goal_id: goal.id,
        on_track: t.on_track,
        monthly_contribution: t.monthly_contribution,
        required_monthly_contribution: t.required_monthly_contribution,
        additional_monthly_contribution: t.shortfall,
        feasible_target_date: t.projected_completion_date,
        reason: t.reason,
    })
}
