//! Records: budget summaries, validation, contributions and goal status moves.

use lifepath_core::models::{self, BudgetModel, Goal, GoalContribution, GoalStatus};
use lifepath_core::validate::Validate;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

use crate::convert::{JsResult, arg, call, now, options_arg, output, record};
use crate::error::LifepathError;
use crate::options::NowOptions;

/// The totals of a budget — income, expenses, surplus, savings rate, category totals — as
/// the core computes them for every snapshot.
#[wasm_bindgen(unchecked_return_type = "SnapshotSummary")]
pub fn summarize(
    #[wasm_bindgen(js_name = budgetModel, unchecked_param_type = "BudgetModel")]
    budget_model: JsValue,
) -> JsResult {
    call(|| {
        let model: BudgetModel = record(&budget_model, "")?;
        output(&models::summarize(&model))
    })
}

/// Every problem of `value` as a record of type `T`: `[]` when it is valid.
fn problems<T: DeserializeOwned + Validate>(value: &JsValue) -> JsResult {
    call(|| match record::<T>(value, "") {
        Ok(_) => output(&Vec::<lifepath_core::FieldError>::new()),
        Err(e) if e.code == "validation_failed" => output(&e.errors),
        Err(e) => Err(e),
    })
}

/// Checks a budget model against the data rules: every invalid field with its path
/// (`expenses[2].monthly_amount`), or `[]` when it is valid. Never throws for bad data.
#[wasm_bindgen(js_name = validateBudgetModel, unchecked_return_type = "FieldError[]")]
pub fn validate_budget_model(
    #[wasm_bindgen(js_name = budgetModel, unchecked_param_type = "unknown")] budget_model: JsValue,
) -> JsResult {
    problems::<BudgetModel>(&budget_model)
}

/// Checks a goal record against the data rules: every invalid field with its path, or `[]`
/// when it is valid. Never throws for bad data.
#[wasm_bindgen(js_name = validateGoal, unchecked_return_type = "FieldError[]")]
pub fn validate_goal(#[wasm_bindgen(unchecked_param_type = "unknown")] goal: JsValue) -> JsResult {
    problems::<Goal>(&goal)
}

/// The goal after `contribution`: `current_amount` raised by its amount, version + 1.
#[wasm_bindgen(js_name = applyContribution, unchecked_return_type = "GoalRecord")]
pub fn apply_contribution(
    #[wasm_bindgen(unchecked_param_type = "Goal")] goal: JsValue,
    #[wasm_bindgen(unchecked_param_type = "GoalContribution")] contribution: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "NowOptions")] options: JsValue,
) -> JsResult {
    call(|| {
        let goal: Goal = record(&goal, "goal")?;
        let contribution: GoalContribution = record(&contribution, "contribution")?;
        let o: NowOptions = options_arg(&options)?;
        let now = o.now.map_or_else(now, Ok)?;
        output(&models::apply_contribution(&goal, &contribution, now)?)
    })
}

/// The goal moved to status `to` through the status machine (active ↔ paused;
/// active | paused → completed | abandoned; completed | abandoned → active to reopen).
/// An illegal move throws with code `illegal_transition`.
#[wasm_bindgen(js_name = transitionGoal, unchecked_return_type = "GoalRecord")]
pub fn transition_goal(
    #[wasm_bindgen(unchecked_param_type = "Goal")] goal: JsValue,
    #[wasm_bindgen(unchecked_param_type = "GoalStatus")] to: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "NowOptions")] options: JsValue,
) -> JsResult {
    call(|| {
        let goal: Goal = record(&goal, "goal")?;
        let to: GoalStatus = arg(&to, "to")?;
        let o: NowOptions = options_arg(&options)?;
        let now = o.now.map_or_else(now, Ok)?;
        output(&goal.transition(to, now).map_err(LifepathError::from)?)
    })
}
