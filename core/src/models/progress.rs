//! Monthly progress records of a goal: one per goal per period, upserted.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{GoalId, ProgressId, SnapshotId};
use crate::money::Money;
use crate::validate::{Validate, Validator, join};

/// Where a goal stood at the end of one month.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GoalProgress {
    /// Id.
    pub id: ProgressId,
    /// The goal.
    pub goal_id: GoalId,
    /// Year.
    pub period_year: i32,
    /// Month, 1–12.
    pub period_month: u32,
    /// Amount reached at the period.
    pub amount_at_period: Money,
    /// Contributed during the period.
    pub contribution_this_period: Money,
    /// The snapshot of that month, if linked.
    #[serde(default)]
    pub snapshot_id: Option<SnapshotId>,
    /// Who wrote it: `manual` (a person, through `POST /goals/{id}/progress`) or `snapshot`
    /// (derived when the month's snapshot was saved; see
    /// [`crate::goals::update_goal_from_snapshot`]). A manual entry is never overwritten by a
    /// derived one. Records from before this field read as `manual`.
    #[serde(default)]
    pub source: ProgressSource,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
}

/// Who wrote a progress entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ProgressSource {
    /// Entered by a person.
    #[default]
    Manual,
    /// Derived from the month's snapshot.
    Snapshot,
}

/// What a client sends to record progress.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgressInput {
    /// Year.
    pub period_year: i64,
    /// Month, 1–12.
    pub period_month: i64,
    /// Amount reached.
    pub amount_at_period: Money,
    /// Contributed during the period (default 0).
    #[serde(default)]
    pub contribution_this_period: Money,
    /// Linked snapshot.
    #[serde(default)]
    pub snapshot_id: Option<SnapshotId>,
}

impl Validate for ProgressInput {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        v.year(join(path, "period_year"), self.period_year);
        v.month(join(path, "period_month"), self.period_month);
        v.non_negative_money(join(path, "amount_at_period"), self.amount_at_period);
        v.non_negative_money(
            join(path, "contribution_this_period"),
            self.contribution_this_period,
        );
    }
}

/// Whether an upsert created a record or replaced one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Upsert {
    /// A new record.
    Created,
    /// An existing record of the same key was replaced.
    Replaced,
}

/// Records progress for its period in `records`: replaces the goal's record of that period
/// (keeping its id and created_at) or adds `new_id`'s. Returns the record and what happened.
pub fn upsert_progress(
    records: &mut Vec<GoalProgress>,
    goal_id: GoalId,
    new_id: ProgressId,
    input: ProgressInput,
    now: DateTime<Utc>,
) -> crate::Result<(GoalProgress, Upsert)> {
    input.validate()?;
    let (year, month) = (input.period_year as i32, input.period_month as u32);
    let existing = records
        .iter_mut()
        .find(|r| r.goal_id == goal_id && r.period_year == year && r.period_month == month);
    match existing {
        Some(r) => {
            r.amount_at_period = input.amount_at_period;
            r.contribution_this_period = input.contribution_this_period;
            r.snapshot_id = input.snapshot_id;
            // A person's entry replaces a derived one and is never overwritten by one.
            r.source = ProgressSource::Manual;
            Ok((r.clone(), Upsert::Replaced))
        }
        None => {
            let r = GoalProgress {
                id: new_id,
                goal_id,
                period_year: year,
                period_month: month,
                amount_at_period: input.amount_at_period,
                contribution_this_period: input.contribution_this_period,
                snapshot_id: input.snapshot_id,
                source: ProgressSource::Manual,
                created_at: now,
            };
            records.push(r.clone());
            Ok((r, Upsert::Created))
        }
    }
}
