//! `trajectory`: when a goal will be reached at a monthly contribution, what it takes to reach
//! it on time, and the shortfall.
//!
//! Three growth models, chosen from the goal:
//! - plain: months = ⌈remaining / c⌉, exact in decimals;
//! - compounding (`annual_return_rate` r, i = r / 1200): the least n with
//!   current·(1+i)^n + c·((1+i)^n − 1)/i ≥ target;
//! - `debt_payoff` with a linked debt (i = APR / 1200, B = remaining):
//!   n = ⌈−ln(1 − i·B/c) / ln(1+i)⌉, never when c ≤ i·B.

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::GoalId;
use crate::models::{BudgetModel, Goal, GoalContribution, GoalType};
use crate::money::Money;
use crate::period::{Period, add_months, whole_months_between};

/// Projections further out than this many months are reported as unreachable.
pub const MAX_MONTHS: u64 = 6000;

/// Months of contributions averaged when the caller gives no monthly contribution.
pub const CONTRIBUTION_AVERAGE_MONTHS: i64 = 6;

/// Why a goal cannot be reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum UnreachableReason {
    /// A debt whose interest eats the whole payment.
    PaymentDoesNotCoverInterest,
    /// Nothing is contributed and nothing grows.
    NoContribution,
    /// The amount never reaches the target (a negative return outpaces the contributions).
    TargetNotReachable,
    /// More than [`MAX_MONTHS`] away.
    BeyondHorizon,
}

/// The output of [`trajectory`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Trajectory {
    /// The goal.
    pub goal_id: GoalId,
    /// max(0, target − current).
    pub remaining_amount: Money,
    /// The contribution the projection uses.
    pub monthly_contribution: Money,
    /// Months until reached; null when never.
    pub months_remaining: Option<u64>,
    /// as_of + months_remaining calendar months.
    pub projected_completion_date: Option<NaiveDate>,
    /// Reached by the target date (no target date: reachable at all).
    pub on_track: bool,
    /// What reaches the target exactly at the target date; null without one.
    pub required_monthly_contribution: Option<Money>,
    /// max(0, required − contribution); null without a target date.
    pub shortfall: Option<Money>,
    /// Why the goal cannot be reached; null when it can.
    pub reason: Option<UnreachableReason>,
}

/// How the balance of a goal grows each month.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Growth {
    /// No interest.
    Plain,
    /// Savings earning monthly rate `i`.
    Compound(f64),
    /// A debt charging monthly rate `i`.
    Debt(f64),
}

/// The growth model of a goal: a debt payoff goal linked to a debt of `budget` pays that
/// debt's APR; a goal with a return rate compounds; else plain. A linked debt id that the given
/// budget does not hold is an error.
pub fn growth_of(goal: &Goal, budget: Option<&BudgetModel>) -> Result<Growth> {
    if let (GoalType::DebtPayoff, Some(id), Some(b)) =
        (goal.goal_type, &goal.linked_debt_id, budget)
    {
        let debt = b.debt(id).ok_or_else(|| {
            Error::invalid(
                "linked_debt_id",
                format!("no debt with id {id:?} in the budget"),
            )
        })?;
        let i = (debt.interest_rate / Decimal::from(1200))
            .to_f64()
            .unwrap_or(0.0);
        return Ok(if i > 0.0 {
            Growth::Debt(i)
        } else {
            Growth::Plain
        });
    }
    match goal.annual_return_rate {
        Some(r) if !r.is_zero() => Ok(Growth::Compound(
            (r / Decimal::from(1200)).to_f64().unwrap_or(0.0),
        )),
        _ => Ok(Growth::Plain),
    }
}

/// ⌈x⌉ forgiving float noise just above an integer.
fn ceil_months(x: f64) -> u64 {
    let n = (x - 1e-9).ceil();
    if n <= 0.0 { 0 } else { n as u64 }
}

/// The months needed to reach the goal at contribution `c`.
pub fn months_needed(
    growth: Growth,
    current: Money,
    target: Money,
    c: Money,
) -> Result<u64, UnreachableReason> {
    let remaining = target - current;
    if !remaining.is_positive() {
        return Ok(0);
    }
    let n = match growth {
        Growth::Plain => {
            if !c.is_positive() {
                return Err(UnreachableReason::NoContribution);
            }
            let q = remaining.as_decimal() / c.as_decimal();
            q.round_dp_with_strategy(0, RoundingStrategy::ToPositiveInfinity)
                .to_u64()
                .unwrap_or(u64::MAX)
        }
        Growth::Debt(i) => {
            let (b, c) = (remaining.to_f64(), c.to_f64());
            if c <= i * b {
                return Err(UnreachableReason::PaymentDoesNotCoverInterest);
            }
            ceil_months(-libm::log(1.0 - i * b / c) / libm::log(1.0 + i))
        }
        Growth::Compound(i) => {
            let (cur, t, c) = (current.to_f64(), target.to_f64(), c.to_f64());
            if i > 0.0 {
                let start = cur * i + c;
                if start <= 0.0 {
                    return Err(UnreachableReason::NoContribution);
                }
                ceil_months(libm::log((t * i + c) / start) / libm::log(1.0 + i))
            } else {
                // A falling value: walk month by month until reached or clearly never.
                let value = |n: f64| {
                    let g = libm::pow(1.0 + i, n);
                    cur * g + c * (g - 1.0) / i
                };
                match (1..=MAX_MONTHS).find(|n| value(*n as f64) >= t) {
                    Some(n) => n,
                    None => return Err(UnreachableReason::TargetNotReachable),
                }
            }
        }
    };
    if n > MAX_MONTHS {
        Err(UnreachableReason::BeyondHorizon)
    } else {
        Ok(n)
    }
}

/// The monthly contribution that reaches the target in exactly `k` months (k ≥ 1), unrounded
/// (callers round money outputs).
pub fn required_contribution(growth: Growth, current: Money, target: Money, k: u64) -> Money {
    let remaining = target - current;
    if !remaining.is_positive() {
        return Money::ZERO;
    }
    let k = k.max(1);
    let value = match growth {
        Growth::Plain => {
            return remaining.checked_div(Decimal::from(k)).unwrap_or(remaining);
        }
        Growth::Compound(i) => {
            let g = libm::pow(1.0 + i, k as f64);
            ((target.to_f64() - current.to_f64() * g) * i / (g - 1.0)).max(0.0)
        }
        Growth::Debt(i) => {
            let b = remaining.to_f64();
            b * i / (1.0 - libm::pow(1.0 + i, -(k as f64)))
        }
    };
    Money::from_f64_unrounded(value).unwrap_or(Money::ZERO)
}

/// Σ contributions of `goal` dated in the 6 calendar months ending with as_of's month, / 6
/// (exact; the trajectory rounds it only in its output).
pub fn average_monthly_contribution(
    goal: &Goal,
    contributions: &[GoalContribution],
    as_of: NaiveDate,
) -> Money {
    let last = Period::of_date(as_of);
    let first = last.add_months(-(CONTRIBUTION_AVERAGE_MONTHS - 1));
    let total: Money = contributions
        .iter()
        .filter(|c| c.goal_id == goal.id)
        .filter(|c| {
            let p = Period::of_date(c.date);
            p >= first && p <= last
        })
        .map(|c| c.amount)
        .sum();
    total
        .checked_div(Decimal::from(CONTRIBUTION_AVERAGE_MONTHS))
        .unwrap_or(Money::ZERO)
}

/// Projects `goal` from `as_of` at `monthly_contribution` (or, when `None`, the average of the
/// last 6 months of `contributions`). `budget` supplies the linked debt of a debt payoff goal.
pub fn trajectory(
    goal: &Goal,
    contributions: &[GoalContribution],
    monthly_contribution: Option<Money>,
    budget: Option<&BudgetModel>,
    as_of: NaiveDate,
) -> Result<Trajectory> {
    if let Some(c) = monthly_contribution {
        let mut v = crate::validate::Validator::default();
        v.non_negative_money("monthly_contribution".into(), c);
        v.finish()?;
    }
    let growth = growth_of(goal, budget)?;
    let c = monthly_contribution
        .unwrap_or_else(|| average_monthly_contribution(goal, contributions, as_of));
    let remaining = goal.target_amount - goal.current_amount;
    let outcome = months_needed(growth, goal.current_amount, goal.target_amount, c);
    let (months_remaining, projected, reason) = match outcome {
        Ok(n) => match add_months(as_of, n as i64) {
            Some(d) => (Some(n), Some(d), None),
            None => (None, None, Some(UnreachableReason::BeyondHorizon)),
        },
        Err(r) => (None, None, Some(r)),
    };
    // The money is there: on track whatever the date says (DESIGN §3: remaining ≤ 0 → true),
    // also when the target date has passed.
    let on_track = match (goal.target_date, projected) {
        _ if !remaining.is_positive() => true,
        (Some(t), Some(p)) => p <= t,
        (Some(_), None) => false,
        (None, _) => months_remaining.is_some(),
    };
    let required = goal.target_date.map(|t| {
        let k = whole_months_between(as_of, t).max(1) as u64;
        required_contribution(growth, goal.current_amount, goal.target_amount, k)
    });
    let shortfall = required.map(|r| {
        let s = r - c;
        if s.is_negative() {
            Money::ZERO
        } else {
            s.round()
        }
    });
    let required = required.map(Money::round);
    Ok(Trajectory {
        goal_id: goal.id,
        remaining_amount: if remaining.is_negative() {
            Money::ZERO
        } else {
            remaining
        }
        .round(),
        monthly_contribution: c.round(),
        months_remaining,
        projected_completion_date: projected,
        on_track,
        required_monthly_contribution: required,
        shortfall,
        reason,
    })
}
