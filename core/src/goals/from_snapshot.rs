//! Goal progress from every snapshot (DESIGN §2): when the snapshot of a month is saved, each
//! active goal gets its `GoalProgress` for that month, linked by `snapshot_id` and marked
//! `source: snapshot`.
//!
//! - `amount_at_period`: the goal's amount at the end of that month = its opening amount (the
//!   `current_amount` before any recorded contribution) + its contributions dated up to the
//!   month's last day. A `debt_payoff` goal linked to a debt reads the amount paid off from that
//!   debt's balance in the snapshot instead: starting balance (the goal's `target_amount`) −
//!   balance, never below 0 (a balance that rises again lowers it).
//! - `contribution_this_period`: the contributions dated in that month; for such a debt goal,
//!   the change from the goal's previous entry (0 for the first; negative when the balance
//!   rose), as DESIGN §3 has it.
//! - A manual entry of that month is never overwritten; a goal that started after the month, or
//!   whose linked debt is not in that snapshot, takes no entry (and loses a derived one it had).
//! - The derived entry's id is fixed by (goal, month) — the same on the server and on every
//!   device — so a snapshot saved offline and on the server derives one record, not two.
//!
//! Replacing the snapshot derives again (the entry is updated); deleting it removes the derived
//! entries linked to it ([`progress_after_snapshot_deleted`]).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::ids::{ProgressId, SnapshotId};
use crate::models::{
    BudgetSnapshot, Goal, GoalContribution, GoalProgress, GoalStatus, GoalType, ProgressSource,
};
use crate::money::Money;
use crate::period::Period;

/// What saving a snapshot does to one goal's progress of that month.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "wasm", derive(serde::Serialize))]
pub enum SnapshotProgress {
    /// Write this derived entry (new, or replacing the derived one of the month).
    Put(GoalProgress),
    /// Remove this derived entry: the goal takes none for the month any more.
    Remove(ProgressId),
}

/// The id of the derived entry of `goal` for `period`: the same wherever it is computed.
pub fn derived_progress_id(goal: &Goal, period: Period) -> ProgressId {
    let name = format!("lifepath:snapshot-progress:{period}");
    ProgressId(Uuid::new_v5(&goal.id.0, name.as_bytes()))
}

/// What saving `snapshot` does to the progress of `goals`: `contributions` are the goals'
/// contributions (any goal's; each goal reads its own), `existing` the goals' progress entries
/// (at least those of the snapshot's month and of the month before; any goal's). Goals with
/// nothing to change are left out.
pub fn update_goal_from_snapshot(
    goals: &[Goal],
    contributions: &[GoalContribution],
    existing: &[GoalProgress],
    snapshot: &BudgetSnapshot,
    now: DateTime<Utc>,
) -> Vec<SnapshotProgress> {
    let mut out = Vec::new();
    for goal in goals {
        let current = existing.iter().find(|p| {
            p.goal_id == goal.id
                && p.period_year == snapshot.period_year
                && p.period_month == snapshot.period_month
        });
        if current.is_some_and(|p| p.source == ProgressSource::Manual) {
            continue;
        }
        let previous = existing
            .iter()
            .filter(|p| {
                p.goal_id == goal.id
                    && (p.period_year, p.period_month)
                        < (snapshot.period_year, snapshot.period_month)
            })
            .max_by_key(|p| (p.period_year, p.period_month));
        match derive(goal, contributions, snapshot, current, previous, now) {
            Some(p) if current != Some(&p) => out.push(SnapshotProgress::Put(p)),
            Some(_) => {}
            None => {
                if let Some(p) = current {
                    out.push(SnapshotProgress::Remove(p.id));
                }
            }
        }
    }
    out
}

/// The derived entries to remove when the snapshot `deleted` is deleted: those linked to it.
pub fn progress_after_snapshot_deleted(
    existing: &[GoalProgress],
    deleted: SnapshotId,
) -> Vec<ProgressId> {
    existing
        .iter()
        .filter(|p| p.source == ProgressSource::Snapshot && p.snapshot_id == Some(deleted))
        .map(|p| p.id)
        .collect()
}

fn derive(
    goal: &Goal,
    contributions: &[GoalContribution],
    snapshot: &BudgetSnapshot,
    current: Option<&GoalProgress>,
    previous: Option<&GoalProgress>,
    now: DateTime<Utc>,
) -> Option<GoalProgress> {
    if goal.status != GoalStatus::Active {
        return None;
    }
    let period = Period::new(
        i64::from(snapshot.period_year),
        i64::from(snapshot.period_month),
    )
    .ok()?;
    let (first, last) = (period.first_day(), period.last_day());
    if goal.start_date > last {
        return None;
    }
    let own = || contributions.iter().filter(|c| c.goal_id == goal.id);
    let (amount, this_month) = match (&goal.goal_type, &goal.linked_debt_id) {
        (GoalType::DebtPayoff, Some(debt)) => {
            let d = snapshot
                .budget_model
                .debts
                .iter()
                .find(|d| d.id.as_deref() == Some(debt.as_str()))?;
            let paid = (goal.target_amount - d.balance).max(Money::ZERO);
            let change = previous.map_or(Money::ZERO, |p| paid - p.amount_at_period);
            (paid, change)
        }
        _ => {
            let all: Money = own().map(|c| c.amount).sum();
            let to_date: Money = own().filter(|c| c.date <= last).map(|c| c.amount).sum();
            let this_month: Money = own()
                .filter(|c| c.date >= first && c.date <= last)
                .map(|c| c.amount)
                .sum();
            (
                (goal.current_amount - all).max(Money::ZERO) + to_date,
                this_month,
            )
        }
    };
    Some(GoalProgress {
        id: derived_progress_id(goal, period),
        goal_id: goal.id,
        period_year: snapshot.period_year,
        period_month: snapshot.period_month,
        amount_at_period: amount.round(),
        contribution_this_period: this_month.round(),
        snapshot_id: Some(snapshot.id),
        source: ProgressSource::Snapshot,
        created_at: current.map_or(now, |p| p.created_at),
    })
}
