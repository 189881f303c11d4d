//! Contributions towards a goal; adding one raises the goal's `current_amount`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{ContributionId, GoalId};
use crate::models::Goal;
use crate::money::Money;
use crate::validate::{Validate, Validator, join};

/// Where the money of a contribution came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ContributionSource {
    #[default]
    Direct,
    Savings,
    ExpenseReduction,
    Income,
    Other,
}

/// One contribution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GoalContribution {
    /// Id.
    pub id: ContributionId,
    /// The goal it goes to.
    pub goal_id: GoalId,
    /// Amount, > 0.
    pub amount: Money,
    /// When it was made.
    pub date: NaiveDate,
    /// Where it came from.
    #[serde(default)]
    pub source: ContributionSource,
    /// Notes, ≤ 2000 characters.
    #[serde(default)]
    pub notes: Option<String>,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
}

/// What a client sends to add a contribution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContributionInput {
    /// Amount, > 0.
    pub amount: Money,
    /// When it was made.
    pub date: NaiveDate,
    /// Where it came from.
    #[serde(default)]
    pub source: ContributionSource,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
}

fn check(v: &mut Validator, path: &str, amount: Money, date: NaiveDate, notes: &Option<String>) {
    v.positive_money(join(path, "amount"), amount);
    v.date(join(path, "date"), date);
    if let Some(n) = notes {
        v.text(join(path, "notes"), n, 0, 2000);
    }
}

impl Validate for ContributionInput {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        check(v, path, self.amount, self.date, &self.notes);
    }
}

impl Validate for GoalContribution {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        check(v, path, self.amount, self.date, &self.notes);
    }
}

impl GoalContribution {
    /// A new contribution from validated input.
    pub fn create(
        id: ContributionId,
        goal_id: GoalId,
        input: ContributionInput,
        now: DateTime<Utc>,
    ) -> Result<GoalContribution> {
        input.validate()?;
        Ok(GoalContribution {
            id,
            goal_id,
            amount: input.amount,
            date: input.date,
            source: input.source,
            notes: input.notes,
            created_at: now,
        })
    }
}

/// The goal after `contribution`: `current_amount` raised by its amount, version + 1.
/// The server stores both in one transaction.
pub fn apply_contribution(
    goal: &Goal,
    contribution: &GoalContribution,
    now: DateTime<Utc>,
) -> Result<Goal> {
    contribution.validate()?;
    if contribution.goal_id != goal.id {
        return Err(Error::invalid(
            "goal_id",
            format!(
                "the contribution is for goal {}, not {}",
                contribution.goal_id, goal.id
            ),
        ));
    }
    let mut g = goal.clone();
    g.current_amount += contribution.amount;
    let mut v = Validator::default();
    v.non_negative_money("current_amount".into(), g.current_amount);
    v.finish()?;
    g.version += 1;
    g.updated_at = now;
    Ok(g)
}
