//! `recommend`: deterministic, explainable proposals for goals that are off track.
//!
//! For each active goal that is not on track (or has a shortfall), with `need` = its monthly
//! shortfall (for a goal without a target date and without contributions: what finishes it in
//! 12 months), the engine proposes
//! - cuts in non-essential categories of the latest snapshot, largest first: easy ≤ 10 % of the
//!   category, medium ≤ 25 %, hard ≤ 40 %, each freeing at most `need`;
//! - redirecting unallocated surplus (surplus − what active goals already receive);
//! - paying the highest-APR debt first when its APR exceeds the goal's return rate (impact: the
//!   monthly interest it costs);
//! - moving the target date when all of the above together cannot close the shortfall.
//!
//! Ranking: impact × feedback weight (mean rating r of past feedback for that category and
//! kind → r / 3; 1 when none), descending. Both parts of a feedback move it: its `rating`, and
//! `was_helpful` — a feedback that says "not helpful" counts with a rating of at most 2, so a
//! kind people call unhelpful drops like one rated ≤ 2. Implemented proposals and kinds rated ≤ 2 for that
//! category are not proposed again. Ids derive from goal, kind and category, so a proposal keeps
//! its id from one call to the next and feedback on it still applies.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::analytics::display_name;
use crate::error::Result;
use crate::goals::trajectory::{growth_of, months_needed, trajectory};
use crate::ids::RecommendationId;
use crate::models::{
    BudgetSnapshot, Difficulty, Goal, GoalContribution, GoalStatus, Recommendation,
    RecommendationFeedback, RecommendationKind,
};
use crate::money::Money;
use crate::period::add_months;

/// Most cuts proposed per goal.
pub const MAX_CUTS_PER_GOAL: usize = 5;

/// Everything [`recommend`] looks at.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecommendInput {
    /// The user's goals (only active ones get proposals).
    #[serde(default)]
    pub goals: Vec<Goal>,
    /// Their contributions (for the current monthly contribution of each goal).
    #[serde(default)]
    pub contributions: Vec<GoalContribution>,
    /// The latest budget snapshot.
    #[serde(default)]
    pub snapshot: Option<BudgetSnapshot>,
    /// Past recommendations (for implemented flags and the feedback's category and kind).
    #[serde(default)]
    pub recommendations: Vec<Recommendation>,
    /// Past feedback.
    #[serde(default)]
    pub feedback: Vec<RecommendationFeedback>,
}

/// The weight of past ratings: (category, kind) → mean rating.
fn ratings(input: &RecommendInput) -> BTreeMap<(String, RecommendationKind), f64> {
    let mut by_id: BTreeMap<RecommendationId, &Recommendation> = BTreeMap::new();
    for r in &input.recommendations {
        by_id.insert(r.id, r);
    }
    let mut acc: BTreeMap<(String, RecommendationKind), (f64, u32)> = BTreeMap::new();
    let mut rated: std::collections::BTreeSet<RecommendationId> = Default::default();
    for f in &input.feedback {
        if let Some(r) = by_id.get(&f.recommendation_id) {
            let e = acc.entry((r.category.clone(), r.kind)).or_default();
            let rating = if f.was_helpful {
                f.rating
            } else {
                f.rating.min(2)
            };
            e.0 += rating as f64;
            e.1 += 1;
            rated.insert(r.id);
        }
    }
    for r in &input.recommendations {
        if let (Some(u), false) = (r.user_feedback, rated.contains(&r.id)) {
            let e = acc.entry((r.category.clone(), r.kind)).or_default();
            e.0 += f64::from(u);
            e.1 += 1;
        }
    }
    acc.into_iter()
        .map(|(k, (sum, n))| (k, sum / f64::from(n)))
        .collect()
}

/// The stable id of a proposal.
pub fn recommendation_id(
    goal: &Goal,
    kind: RecommendationKind,
    category: &str,
) -> RecommendationId {
    let name = format!("{}:{}", kind.as_str(), category);
    RecommendationId(Uuid::new_v5(goal.id.as_uuid(), name.as_bytes()))
}

/// Concrete steps for cutting a category.
pub fn cut_steps(category: &str, amount: Money) -> Vec<String> {
    let specific: &[&str] = match category {
        "dining" => &[
            "Plan four dinners a week at home and shop for them on one day",
            "Set a restaurant and delivery limit in your banking app",
            "Swap one weekly meal out for a packed lunch",
        ],
        "groceries" => &[
            "Write a shopping list from a weekly meal plan and stick to it",
            "Switch staple items to store brands",
            "Check your pantry before each shop to avoid duplicates",
        ],
        "entertainment" => &[
            "Pick one paid outing a month and look for free local events for the rest",
            "Use library loans for books, films and games",
        ],
        "shopping" => &[
            "Wait 48 hours before any non-essential purchase",
            "Unsubscribe from retailer newsletters and sale alerts",
            "Set a monthly shopping allowance in a separate account",
        ],
        "subscriptions" => &[
            "List every recurring charge from your last two statements",
            "Cancel the services you did not use last month",
            "Rotate streaming services instead of keeping them all",
        ],
        "travel" => &[
            "Book trips off-season and compare fares with flexible dates",
            "Take one shorter or closer trip this year",
        ],
        "transport" => &[
            "Combine errands into fewer trips",
            "Price a monthly transit pass or car-sharing against your current costs",
        ],
        "gifts" => &[
            "Set a gift budget per person before the season starts",
            "Suggest a gift exchange instead of buying for everyone",
        ],
        _ => &[
            "Review last month's spending in this category line by line",
            "Drop the items you would not buy again",
        ],
    };
    let mut steps: Vec<String> = specific.iter().map(|s| (*s).to_owned()).collect();
    steps.push(format!(
        "Move the {amount} you save each month to the goal on payday"
    ));
    steps
}

struct Candidate {
    rec: Recommendation,
    score: f64,
    priority: crate::models::Priority,
}

/// Proposals for every active, off-track goal, best first.
pub fn recommend(input: &RecommendInput, as_of: NaiveDate) -> Result<Vec<Recommendation>> {
    let created_at = Utc.from_utc_datetime(&as_of.and_time(chrono::NaiveTime::MIN));
    let weights = ratings(input);
    let snapshot = input.snapshot.as_ref();
    let budget = snapshot.map(|s| &s.budget_model);

    // What active goals already receive each month, to find the unallocated surplus.
    let mut trajectories = Vec::new();
    let mut allocated = Money::ZERO;
    for g in input
        .goals
        .iter()
        .filter(|g| g.status == GoalStatus::Active)
    {
        let t = trajectory(g, &input.contributions, None, budget, as_of)?;
        allocated += t.monthly_contribution;
        trajectories.push((g, t));
    }
    let unallocated = snapshot
        .map(|s| s.surplus - allocated)
        .filter(|m| m.is_positive())
        .unwrap_or(Money::ZERO);

    let mut out: Vec<Candidate> = Vec::new();
    for (goal, t) in &trajectories {
        let need = match t.shortfall {
            Some(s) if s.is_positive() => s,
            Some(_) if t.on_track => continue,
            Some(_) => t
                .remaining_amount
                .checked_div(Decimal::from(12))
                .unwrap_or(Money::ZERO)
                .round(),
            None if t.on_track => continue,
            None => t
                .remaining_amount
                .checked_div(Decimal::from(12))
                .unwrap_or(Money::ZERO)
                .round(),
        };
        if !need.is_positive() {
            continue;
        }
        let mut goal_recs: Vec<Recommendation> = Vec::new();
        let mut make = |kind,
                        category: &str,
                        title: String,
                        description: String,
                        impact: Money,
                        difficulty,
                        steps| {
            goal_recs.push(Recommendation {
                id: recommendation_id(goal, kind, category),
                goal_id: goal.id,
                kind,
                title,
                description,
                category: category.to_owned(),
                potential_impact: impact.round(),
                difficulty_level: difficulty,
                implementation_steps: steps,
                is_implemented: false,
                user_feedback: None,
                created_at,
            });
        };
        let mut combined = Money::ZERO;

        if let Some(s) = snapshot {
            let mut optional: BTreeMap<&str, Money> = BTreeMap::new();
            for e in s.budget_model.expenses.iter().filter(|e| !e.essential) {
                *optional.entry(e.category.as_str()).or_default() += e.monthly_amount;
            }
            let mut cats: Vec<(&str, Money)> = optional
                .into_iter()
                .filter(|(_, m)| m.is_positive())
                .collect();
            crate::sort::sort_by(&mut cats, |a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            for (cat, amount) in cats.into_iter().take(MAX_CUTS_PER_GOAL) {
                let max_cut = amount.times(Decimal::new(40, 2)).round();
                let cut = need.min(max_cut);
                if !cut.is_positive() {
                    continue;
                }
                combined += cut;
                let share = cut.ratio(amount).unwrap_or(1.0);
                let difficulty = if share <= 0.10 {
                    Difficulty::Easy
                } else if share <= 0.25 {
                    Difficulty::Medium
                } else {
                    Difficulty::Hard
                };
                let name = display_name(cat).to_ascii_lowercase();
                make(
                    RecommendationKind::ReduceExpense,
                    cat,
                    format!("Spend {cut} less on {name} each month"),
                    format!(
                        "{} costs {amount} a month. Cutting it by {cut} ({:.0} %) frees money for \"{}\", which is {need} a month short of its target date.",
                        display_name(cat),
                        share * 100.0,
                        goal.name
                    ),
                    cut,
                    difficulty,
                    cut_steps(cat, cut),
                );
            }
        }

        if unallocated.is_positive() {
            let impact = need.min(unallocated);
            combined += impact;
            make(
                RecommendationKind::RedirectSurplus,
                "surplus",
                format!("Send {impact} of your monthly surplus to this goal"),
                format!(
                    "Your budget leaves {unallocated} a month that no goal receives. Redirecting {impact} of it to \"{}\" closes {} of its {need} monthly gap.",
                    goal.name,
                    if impact >= need { "all" } else { "part" }
                ),
                impact,
                Difficulty::Easy,
                vec![
                    format!("Set up an automatic transfer of {impact} on payday"),
                    "Label the transfer with the goal's name so it stays separate".to_owned(),
                ],
            );
        }

        if let Some(b) = budget {
            let goal_rate = goal.annual_return_rate.unwrap_or(Decimal::ZERO);
            let linked = goal.linked_debt_id.as_deref();
            let top = b
                .debts
                .iter()
                .filter(|d| d.balance.is_positive() && d.interest_rate > goal_rate)
                .filter(|d| d.id.is_none() || d.id.as_deref() != linked)
                .max_by(|x, y| {
                    x.interest_rate
                        .cmp(&y.interest_rate)
                        .then_with(|| y.name.cmp(&x.name))
                });
            if let Some(d) = top {
                let interest = d
                    .balance
                    .times(d.interest_rate)
                    .checked_div(Decimal::from(1200))
                    .unwrap_or(Money::ZERO)
                    .round();
                let impact = need.min(interest);
                if impact.is_positive() {
                    combined += impact;
                    make(
                        RecommendationKind::PayHighInterestDebt,
                        "debt",
                        format!(
                            "Pay off {} first",
                            d.name.chars().take(60).collect::<String>()
                        ),
                        format!(
                            "{} charges {}% a year, more than \"{}\" earns, and costs about {interest} a month in interest. Paying it first frees that money for the goal.",
                            d.name,
                            d.interest_rate.normalize(),
                            goal.name
                        ),
                        impact,
                        Difficulty::Medium,
                        vec![
                            format!(
                                "Pay the minimum on every other debt and put every extra amount on {}",
                                d.name
                            ),
                            "Ask the lender for a lower rate or a balance transfer offer"
                                .to_owned(),
                            "When it is paid off, move its payment to the goal".to_owned(),
                        ],
                    );
                }
            }
        }

        if let (Some(target), true) = (goal.target_date, combined < need) {
            let growth = growth_of(goal, budget)?;
            let c = t.monthly_contribution + combined;
            let date = months_needed(growth, goal.current_amount, goal.target_amount, c)
                .ok()
                .and_then(|n| add_months(as_of, n as i64));
            let description = match date {
                Some(d) => format!(
                    "Even with every change above, \"{}\" stays short of {target}. At {c} a month it is reached on {d}; moving the target date there keeps the plan honest.",
                    goal.name
                ),
                None => format!(
                    "Even with every change above, \"{}\" cannot be reached by {target}. Contribute more or lower the target amount.",
                    goal.name
                ),
            };
            make(
                RecommendationKind::ExtendTargetDate,
                "timeline",
                match date {
                    Some(d) => format!("Move the target date to {d}"),
                    None => "Revisit the target amount or date".to_owned(),
                },
                description,
                Money::ZERO,
                Difficulty::Easy,
                vec![
                    "Open the goal and change its target date".to_owned(),
                    "Review the goal again in three months".to_owned(),
                ],
            );
        }

        for rec in goal_recs {
            let implemented = input.recommendations.iter().any(|p| {
                p.is_implemented
                    && p.goal_id == rec.goal_id
                    && p.kind == rec.kind
                    && p.category == rec.category
            });
            let rating = weights.get(&(rec.category.clone(), rec.kind)).copied();
            if implemented || rating.is_some_and(|r| r <= 2.0) {
                continue;
            }
            let weight = rating.map_or(1.0, |r| r / 3.0);
            out.push(Candidate {
                score: rec.potential_impact.to_f64() * weight,
                priority: goal.priority,
                rec,
            });
        }
    }
    crate::sort::sort_by(&mut out, |a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.priority.cmp(&b.priority))
            .then_with(|| a.rec.goal_id.cmp(&b.rec.goal_id))
            .then_with(|| a.rec.kind.cmp(&b.rec.kind))
            .then_with(|| a.rec.category.cmp(&b.rec.category))
    });
    Ok(out.into_iter().map(|c| c.rec).collect())
}
