//! `probability_on_time`: how likely the goal is reached by its target date if monthly
//! contributions keep behaving as they did over the last 12 months.
//!
//! P = Φ((k·μ_c − remaining) / (σ_c·√k)), with k whole months to the target date and μ_c, σ_c
//! the mean and sample standard deviation of monthly contribution totals (months without
//! contributions count as 0; only months from the goal's start on; at least 3 needed).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::analytics::stats::{mean, normal_cdf, sample_std};
use crate::models::{Goal, GoalContribution};
use crate::money::Money;
use crate::period::{Period, whole_months_between};

/// Months of contribution history considered.
pub const PROBABILITY_MONTHS: i64 = 12;

/// The output of [`probability_on_time`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnTimeProbability {
    /// P(reached by the target date); null without a target date or with fewer than 3 months.
    pub probability: Option<f64>,
    /// Whole months from as_of to the target date.
    pub months_to_target: Option<i64>,
    /// μ_c: mean monthly contribution.
    pub mean_contribution: Option<f64>,
    /// σ_c: sample standard deviation of monthly contributions.
    pub stddev_contribution: Option<f64>,
}

/// The probability that `goal` is reached on time at `as_of`.
pub fn probability_on_time(
    goal: &Goal,
    contributions: &[GoalContribution],
    as_of: NaiveDate,
) -> OnTimeProbability {
    let last = Period::of_date(as_of);
    let start = Period::of_date(goal.start_date);
    let months: Vec<Period> = (0..PROBABILITY_MONTHS)
        .rev()
        .map(|k| last.add_months(-k))
        .filter(|p| *p >= start)
        .collect();
    let totals: Vec<f64> = months
        .iter()
        .map(|p| {
            contributions
                .iter()
                .filter(|c| c.goal_id == goal.id && Period::of_date(c.date) == *p)
                .map(|c| c.amount)
                .sum::<Money>()
                .to_f64()
        })
        .collect();
    let k = goal.target_date.map(|t| whole_months_between(as_of, t));
    let enough = totals.len() >= 3;
    let (mu, sigma) = (mean(&totals), sample_std(&totals));
    let remaining = (goal.target_amount - goal.current_amount).to_f64();
    let probability = match k {
        None => None,
        Some(_) if remaining <= 0.0 => Some(1.0),
        Some(_) if !enough => None,
        Some(k) if k <= 0 => Some(0.0),
        Some(k) => {
            let kf = k as f64;
            if sigma == 0.0 {
                Some(if kf * mu >= remaining { 1.0 } else { 0.0 })
            } else {
                Some(normal_cdf((kf * mu - remaining) / (sigma * kf.sqrt())))
            }
        }
    };
    OnTimeProbability {
        probability,
        months_to_target: k,
        mean_contribution: enough.then_some(mu),
        stddev_contribution: enough.then_some(sigma),
    }
}
