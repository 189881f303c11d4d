//! Goal progress derived from snapshots (issue 13 §1), written in the same transaction as the
//! snapshot: the rule is core's `update_goal_from_snapshot`; this file reads what it needs
//! and turns its answer into store operations.

use lifepath_core::goals::{
    SnapshotProgress, progress_after_snapshot_deleted, update_goal_from_snapshot,
};
use lifepath_core::models::{BudgetSnapshot, Goal, GoalContribution, GoalProgress};
use lifepath_core::{Period, ProgressId};

use crate::error::{ApiError, Result};
use crate::repo::{Repo, entity};
use crate::store::{Expect, Op, RecordRow};

/// The progress entries (with their store rows) of `snapshot`'s month and of the month before,
/// two per goal at most.
async fn month_progress(
    repo: &Repo,
    goals: &[Goal],
    snapshot: &BudgetSnapshot,
) -> Result<Vec<(GoalProgress, RecordRow)>> {
    let period = Period::new(
        i64::from(snapshot.period_year),
        i64::from(snapshot.period_month),
    )
    .map_err(ApiError::internal)?;
    let s = repo.state();
    let mut out = Vec::new();
    for g in goals {
        for index in [period.index(), period.index() - 1] {
            if let Some(row) = s
                .store
                .get_by_period(repo.me().0, entity::PROGRESS, &g.id.to_string(), index)
                .await?
            {
                out.push((s.open_row::<GoalProgress>(repo.user(), &row)?, row));
            }
        }
    }
    Ok(out)
}

/// The operations that bring every goal's derived progress in step with `snapshot` (saved),
/// and how many entries they write or remove.
pub async fn ops_for_saved(repo: &Repo, snapshot: &BudgetSnapshot) -> Result<Vec<Op>> {
    let goals: Vec<Goal> = repo.all().await?;
    if goals.is_empty() {
        return Ok(Vec::new());
    }
    let contributions: Vec<GoalContribution> = repo.all().await?;
    let existing = month_progress(repo, &goals, snapshot).await?;
    let records: Vec<GoalProgress> = existing.iter().map(|(p, _)| p.clone()).collect();
    let version_of = |id: ProgressId| {
        existing
            .iter()
            .find(|(p, _)| p.id == id)
            .map(|(_, row)| row.version)
    };
    let mut ops = Vec::new();
    for change in update_goal_from_snapshot(
        &goals,
        &contributions,
        &records,
        snapshot,
        crate::repo::now(),
    ) {
        match change {
            SnapshotProgress::Put(p) => {
                let op = match version_of(p.id) {
                    Some(v) => repo.put(&p, v + 1, Expect::Version(v))?,
                    None => repo.put(&p, 1, Expect::Absent)?,
                };
                ops.push(op);
            }
            SnapshotProgress::Remove(id) => ops.push(Op::Tombstone {
                entity: entity::PROGRESS,
                id: id.to_string(),
                expect: version_of(id),
            }),
        }
    }
    Ok(ops)
}

/// The operations that remove the derived progress linked to `snapshot` (deleted).
pub async fn ops_for_deleted(repo: &Repo, snapshot: &BudgetSnapshot) -> Result<Vec<Op>> {
    let goals: Vec<Goal> = repo.all().await?;
    let existing = month_progress(repo, &goals, snapshot).await?;
    let records: Vec<GoalProgress> = existing.iter().map(|(p, _)| p.clone()).collect();
    Ok(progress_after_snapshot_deleted(&records, snapshot.id)
        .into_iter()
        .map(|id| Op::Tombstone {
            entity: entity::PROGRESS,
            id: id.to_string(),
            expect: existing
                .iter()
                .find(|(p, _)| p.id == id)
                .map(|(_, row)| row.version),
        })
        .collect())
}
