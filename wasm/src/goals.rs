//! Goal math: progress, trajectory, on-time probability, replanning, recommendations
//! (DESIGN §3). `asOf` defaults to today in local time; every result depends only on it and
//! the arguments.

use chrono::NaiveDate;
use lifepath_core::goals::SnapshotProgress;
use lifepath_core::goals::{self, RecommendInput};
use lifepath_core::ids::{ProgressId, SnapshotId};
use lifepath_core::models::{BudgetSnapshot, Goal, GoalContribution, GoalProgress};
use lifepath_core::validate::{Validate, Validator, index, join};
use wasm_bindgen::prelude::*;

use crate::convert::{JsResult, arg, call, now, options_arg, output, record, records, today};
use crate::error::LifepathError;
use crate::options::{AsOfOptions, NowOptions, TrajectoryOptions};

fn as_of(given: Option<NaiveDate>) -> Result<NaiveDate, LifepathError> {
    given.map_or_else(today, Ok)
}

/// How far `goal` is at `asOf`: percentage and days remaining.
#[wasm_bindgen(js_name = goalProgress, unchecked_return_type = "GoalProgressReport")]
pub fn goal_progress(
    #[wasm_bindgen(unchecked_param_type = "Goal")] goal: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "AsOfOptions")] options: JsValue,
) -> JsResult {
    call(|| {
        let goal: Goal = record(&goal, "goal")?;
        let o: AsOfOptions = options_arg(&options)?;
        output(&goals::goal_progress(&goal, as_of(o.as_of)?))
    })
}

/// When `goal` is reached at a monthly contribution (default: the average of the last 6
/// months of `contributions`), what reaches it on time, and the shortfall.
#[wasm_bindgen(js_name = goalTrajectory, unchecked_return_type = "Trajectory")]
pub fn goal_trajectory(
    #[wasm_bindgen(unchecked_param_type = "Goal")] goal: JsValue,
    #[wasm_bindgen(unchecked_param_type = "GoalContribution[]")] contributions: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "TrajectoryOptions")] options: JsValue,
) -> JsResult {
    call(|| {
        let goal: Goal = record(&goal, "goal")?;
        let contributions: Vec<GoalContribution> = records(&contributions, "contributions")?;
        let o: TrajectoryOptions = trajectory_options(&options)?;
        let t = goals::trajectory(
            &goal,
            &contributions,
            o.monthly_contribution,
            o.budget.as_ref(),
            as_of(o.as_of)?,
        )
        .map_err(|e| LifepathError::from(e).with_option_names())?;
        output(&t)
    })
}

/// The probability that `goal` is reached by its target date if contributions keep behaving
/// as over the last 12 months.
#[wasm_bindgen(js_name = probabilityOnTime, unchecked_return_type = "OnTimeProbability")]
pub fn probability_on_time(
    #[wasm_bindgen(unchecked_param_type = "Goal")] goal: JsValue,
    #[wasm_bindgen(unchecked_param_type = "GoalContribution[]")] contributions: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "AsOfOptions")] options: JsValue,
) -> JsResult {
    call(|| {
        let goal: Goal = record(&goal, "goal")?;
        let contributions: Vec<GoalContribution> = records(&contributions, "contributions")?;
        let o: AsOfOptions = options_arg(&options)?;
        output(&goals::probability_on_time(
            &goal,
            &contributions,
            as_of(o.as_of)?,
        ))
    })
}

/// The two ways back for an off-track goal: the monthly contribution that meets its date, and
/// the date its current contribution meets.
#[wasm_bindgen(unchecked_return_type = "Replan")]
pub fn replan(
    #[wasm_bindgen(unchecked_param_type = "Goal")] goal: JsValue,
    #[wasm_bindgen(unchecked_param_type = "GoalContribution[]")] contributions: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "TrajectoryOptions")] options: JsValue,
) -> JsResult {
    call(|| {
        let goal: Goal = record(&goal, "goal")?;
        let contributions: Vec<GoalContribution> = records(&contributions, "contributions")?;
        let o: TrajectoryOptions = trajectory_options(&options)?;
        let r = goals::replan(
            &goal,
            &contributions,
            o.monthly_contribution,
            o.budget.as_ref(),
            as_of(o.as_of)?,
        )
        .map_err(|e| LifepathError::from(e).with_option_names())?;
        output(&r)
    })
}

/// Deterministic, explainable proposals for every active goal that is off track, best first.
#[wasm_bindgen(unchecked_return_type = "Recommendation[]")]
pub fn recommend(
    #[wasm_bindgen(unchecked_param_type = "RecommendInput")] input: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "AsOfOptions")] options: JsValue,
) -> JsResult {
    call(|| {
        let input: RecommendInput = arg(&input, "input")?;
        validate_recommend_input(&input)?;
        let o: AsOfOptions = options_arg(&options)?;
        output(&goals::recommend(&input, as_of(o.as_of)?)?)
    })
}

/// Trajectory options, with the budget checked like any other budget.
fn trajectory_options(value: &JsValue) -> Result<TrajectoryOptions, LifepathError> {
    let o: TrajectoryOptions = options_arg(value)?;
    if let Some(b) = &o.budget {
        let mut v = Validator::default();
        b.validate_into(&mut v, "budget");
        v.finish().map_err(lifepath_core::Error::from)?;
    }
    Ok(o)
}

/// Every record of a [`RecommendInput`], checked with the core's rules.
fn validate_recommend_input(input: &RecommendInput) -> Result<(), LifepathError> {
    let mut v = Validator::default();
    let list = |v: &mut Validator, name: &str, items: &[&dyn Validate]| {
        for (i, r) in items.iter().enumerate() {
            r.validate_into(v, &index(&join("input", name), i));
        }
    };
    let goals: Vec<&dyn Validate> = input.goals.iter().map(|g| g as &dyn Validate).collect();
    list(&mut v, "goals", &goals);
    let contributions: Vec<&dyn Validate> = input
        .contributions
        .iter()
        .map(|c| c as &dyn Validate)
        .collect();
    list(&mut v, "contributions", &contributions);
    if let Some(s) = &input.snapshot {
        s.validate_into(&mut v, "input.snapshot");
    }
    let recommendations: Vec<&dyn Validate> = input
        .recommendations
        .iter()
        .map(|r| r as &dyn Validate)
        .collect();
    list(&mut v, "recommendations", &recommendations);
    let feedback: Vec<&dyn Validate> = input.feedback.iter().map(|f| f as &dyn Validate).collect();
    list(&mut v, "feedback", &feedback);
    v.finish().map_err(lifepath_core::Error::from)?;
    Ok(())
}

/// The changes to goal progress that saving a snapshot makes (see `updateGoalFromSnapshot`).
#[derive(serde::Serialize, tsify::Tsify)]
pub struct SnapshotProgressChanges {
    /// Entries to write: new, or replacing the derived entry of the same id.
    pub put: Vec<GoalProgress>,
    /// Ids of derived entries to remove.
    #[tsify(type = "Uuid[]")]
    pub remove: Vec<ProgressId>,
}

/// What saving `snapshot` does to the progress of `goals` (DESIGN §2, the server's own rule):
/// every active goal gets the entry of the snapshot's month, `source: "snapshot"`, linked by
/// `snapshot_id`, with an id that is the same on every device and on the server. `progress`
/// holds the goals' entries (at least those of that month and the month before); a manual
/// entry is never overwritten. Goals with nothing to change are left out.
#[wasm_bindgen(js_name = updateGoalFromSnapshot, unchecked_return_type = "SnapshotProgressChanges")]
pub fn update_goal_from_snapshot(
    #[wasm_bindgen(unchecked_param_type = "Goal[]")] goals: JsValue,
    #[wasm_bindgen(unchecked_param_type = "GoalContribution[]")] contributions: JsValue,
    #[wasm_bindgen(unchecked_param_type = "GoalProgress[]")] progress: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BudgetSnapshot")] snapshot: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "NowOptions")] options: JsValue,
) -> JsResult {
    call(|| {
        let goals: Vec<Goal> = records(&goals, "goals")?;
        let contributions: Vec<GoalContribution> = records(&contributions, "contributions")?;
        let progress: Vec<GoalProgress> = arg(&progress, "progress")?;
        let snapshot: BudgetSnapshot = record(&snapshot, "snapshot")?;
        let o: NowOptions = options_arg(&options)?;
        let now = o.now.map_or_else(now, Ok)?;
        let mut out = SnapshotProgressChanges {
            put: Vec::new(),
            remove: Vec::new(),
        };
        for change in
            goals::update_goal_from_snapshot(&goals, &contributions, &progress, &snapshot, now)
        {
            match change {
                SnapshotProgress::Put(p) => out.put.push(p),
                SnapshotProgress::Remove(id) => out.remove.push(id),
            }
        }
        output(&out)
    })
}

/// The ids of the derived progress entries to remove when the snapshot `snapshotId` is
/// deleted: those linked to it (manual entries stay).
#[wasm_bindgen(js_name = progressAfterSnapshotDeleted, unchecked_return_type = "Uuid[]")]
pub fn progress_after_snapshot_deleted(
    #[wasm_bindgen(unchecked_param_type = "GoalProgress[]")] progress: JsValue,
    #[wasm_bindgen(js_name = snapshotId, unchecked_param_type = "Uuid")] snapshot_id: JsValue,
) -> JsResult {
    call(|| {
        let progress: Vec<GoalProgress> = arg(&progress, "progress")?;
        let id: SnapshotId = arg(&snapshot_id, "snapshotId")?;
        output(&goals::progress_after_snapshot_deleted(&progress, id))
    })
}
