//! Insights (DESIGN §3 "Insights", issue 16): what needs the person's attention, derived from
//! their history, transactions and goals — one per (kind, subject, period) with a stable
//! `dedup_key = kind:subject:period`, a severity, the sentence a person reads and the numbers
//! behind it. Deterministic (no clock: `as_of` is given), so the browser derives the same feed
//! offline as the server does before delivering it.
//!
//! - `anomaly`: [`detect_anomalies`] of the latest month (budgets, and actuals when there are
//!   transactions) with the user's method, baseline and threshold; severity as the anomaly's.
//! - `over_plan`: a category over its plan in the last complete month (the month before
//!   `as_of`'s) of actuals; "warning", "alert" when over by more than 10 % of the plan (or
//!   unplanned).
//! - `pace_over_plan`: in the month in progress, after day 7, a category spending at ≥ 1.2× the
//!   plan's pace; "warning".
//! - `goal_off_track`: an active goal whose trajectory is not on track with a shortfall;
//!   "warning"; one per month while it lasts.
//! - `goal_reached`: a completed goal (period: the month it was completed); "info".
//! - `goal_deadline_near`: an active goal due within 30 days and not reached; "warning".

pub mod preferences;

pub use preferences::*;

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::actuals::{MonthlyActuals, plan_for, plan_vs_actual, snapshot_from_actuals};
use crate::analytics::{AnomalyOptions, Severity, detect_anomalies};
use crate::goals::trajectory;
use crate::ids::{SnapshotId, UserId};
use crate::models::{BudgetSnapshot, Goal, GoalContribution, GoalStatus};
use crate::period::Period;

/// What an insight is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum InsightKind {
    /// A category unusually high or low this month.
    Anomaly,
    /// A category over its plan in a month that has ended.
    OverPlan,
    /// A category spending faster than planned in the month in progress.
    PaceOverPlan,
    /// A goal that will not be reached on time at the current pace.
    GoalOffTrack,
    /// A goal reached.
    GoalReached,
    /// A goal due within 30 days and not reached.
    GoalDeadlineNear,
}

impl InsightKind {
    /// Every kind.
    pub const ALL: [InsightKind; 6] = [
        InsightKind::Anomaly,
        InsightKind::OverPlan,
        InsightKind::PaceOverPlan,
        InsightKind::GoalOffTrack,
        InsightKind::GoalReached,
        InsightKind::GoalDeadlineNear,
    ];

    /// The JSON name.
    pub const fn as_str(self) -> &'static str {
        match self {
            InsightKind::Anomaly => "anomaly",
            InsightKind::OverPlan => "over_plan",
            InsightKind::PaceOverPlan => "pace_over_plan",
            InsightKind::GoalOffTrack => "goal_off_track",
            InsightKind::GoalReached => "goal_reached",
            InsightKind::GoalDeadlineNear => "goal_deadline_near",
        }
    }
}

/// How much an insight matters (ordered: `info` < `warning` < `alert`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum InsightSeverity {
    /// Good to know.
    Info,
    /// Worth a look.
    Warning,
    /// Needs attention.
    Alert,
}

/// One insight.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Insight {
    /// `kind:subject:period`: the same insight derived again has the same key.
    pub dedup_key: String,
    /// What it is about.
    pub kind: InsightKind,
    /// How much it matters.
    pub severity: InsightSeverity,
    /// A category slug, or a goal's id.
    pub subject: String,
    /// The month it is about.
    pub period: Period,
    /// A short title ("Dining over plan in 2026-03").
    pub title: String,
    /// The sentence a person reads.
    pub message: String,
    /// The numbers behind it (money as decimal strings).
    #[cfg_attr(feature = "wasm", tsify(type = "JsonObject"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub numbers: Value,
}

/// Where a person is with an insight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum InsightState {
    /// Not looked at yet.
    New,
    /// Seen.
    Seen,
    /// Dismissed: it never comes back for its `dedup_key`.
    Dismissed,
}

impl InsightState {
    /// The JSON name.
    pub const fn as_str(self) -> &'static str {
        match self {
            InsightState::New => "new",
            InsightState::Seen => "seen",
            InsightState::Dismissed => "dismissed",
        }
    }
}

/// An insight as the server keeps it: the insight, its id, its state and when.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InsightRecord {
    /// Id.
    #[cfg_attr(feature = "wasm", tsify(type = "Uuid"))]
    pub id: uuid::Uuid,
    /// The insight.
    #[serde(flatten)]
    pub insight: Insight,
    /// `new`, `seen` or `dismissed`.
    pub state: InsightState,
    /// +1 on each change.
    pub version: i64,
    /// When it was first derived.
    pub created_at: DateTime<Utc>,
    /// Last change of state.
    pub updated_at: DateTime<Utc>,
}

/// What the derivation reads.
#[derive(Clone, Copy, Debug)]
pub struct InsightInput<'a> {
    /// The budget snapshots (the plans, and the history anomalies read).
    pub snapshots: &'a [BudgetSnapshot],
    /// Months of actuals (from transactions); may be empty.
    pub actuals: &'a [MonthlyActuals],
    /// The goals.
    pub goals: &'a [Goal],
    /// Their contributions.
    pub contributions: &'a [GoalContribution],
    /// The anomaly method, baseline, threshold and lookback the user chose.
    pub anomaly: &'a AnomalyOptions,
    /// "Today".
    pub as_of: NaiveDate,
}

const OVER_ALERT_RATIO: f64 = 0.10;
const PACE_WARNING: f64 = 1.2;
const PACE_FROM_DAY: u32 = 7;
const DEADLINE_DAYS: i64 = 30;

/// Every insight of `input`, in a stable order (kind, then subject, then period); at most one per
/// `dedup_key`.
pub fn derive_insights(input: &InsightInput<'_>) -> Vec<Insight> {
    let mut out: BTreeMap<String, Insight> = BTreeMap::new();
    let mut add = |i: Insight| {
        out.entry(i.dedup_key.clone()).or_insert(i);
    };
    let this_month = Period::of_date(input.as_of);

    // Anomalies: the latest budget month up to as_of, then the latest month of actuals.
    let budgets: Vec<&BudgetSnapshot> = input
        .snapshots
        .iter()
        .filter(|s| s.period() <= this_month)
        .collect();
    if let Some(latest) = budgets.iter().max_by_key(|s| s.period()) {
        anomalies(latest, input.snapshots, input.anomaly, "budget", &mut add);
    }
    let actual_snaps: Vec<BudgetSnapshot> = input
        .actuals
        .iter()
        .filter(|a| a.period <= this_month && a.transactions > 0)
        .filter_map(|a| {
            snapshot_from_actuals(
                a,
                SnapshotId(uuid::Uuid::nil()),
                UserId(uuid::Uuid::nil()),
                "XXX",
                DateTime::<Utc>::UNIX_EPOCH,
            )
            .ok()
        })
        .collect();
    if let Some(latest) = actual_snaps.iter().max_by_key(|s| s.period()) {
        anomalies(latest, &actual_snaps, input.anomaly, "actual", &mut add);
    }

    // Plan against actual: the last complete month, and the month in progress.
    let plan_for = |p: Period| plan_for(input.snapshots, p);
    let last_month = this_month.add_months(-1);
    if let (Some(month), Some(plan)) = (
        input.actuals.iter().find(|a| a.period == last_month),
        plan_for(last_month),
    ) {
        for line in plan_vs_actual(&plan.budget_model, month, None).categories {
            if !line.over.is_positive() {
                continue;
            }
            let ratio = line.over.ratio(line.planned);
            let severity = if ratio.is_none_or(|r| r > OVER_ALERT_RATIO) {
                InsightSeverity::Alert
            } else {
                InsightSeverity::Warning
            };
            let name = label(&line.category);
            add(insight(
                InsightKind::OverPlan,
                severity,
                &line.category,
                last_month,
                format!("{name} over plan in {last_month}"),
                format!(
                    "{name} came to {} in {last_month}, {} over the {} planned.",
                    line.actual, line.over, line.planned
                ),
                json!({"planned": line.planned, "actual": line.actual, "over": line.over,
                       "over_ratio": ratio}),
            ));
        }
    }
    if input.as_of.day0() + 1 > PACE_FROM_DAY
        && let (Some(month), Some(plan)) = (
            input.actuals.iter().find(|a| a.period == this_month),
            plan_for(this_month),
        )
    {
        for line in plan_vs_actual(&plan.budget_model, month, Some(input.as_of)).categories {
            let Some(pace) = line.pace.filter(|p| *p >= PACE_WARNING) else {
                continue;
            };
            let name = label(&line.category);
            add(insight(
                InsightKind::PaceOverPlan,
                InsightSeverity::Warning,
                &line.category,
                this_month,
                format!("{name} spending fast in {this_month}"),
                format!(
                    "{name} is at {} of {} planned on day {}: {:.1}× the planned pace.",
                    line.actual,
                    line.planned,
                    input.as_of.day0() + 1,
                    pace
                ),
                json!({"planned": line.planned, "actual": line.actual, "pace": pace}),
            ));
        }
    }

    // Goals.
    for g in input.goals {
        let id = g.id.to_string();
        match g.status {
            GoalStatus::Completed => {
                let when = g
                    .completed_at
                    .map(|t| Period::of_date(t.date_naive()))
                    .unwrap_or_else(|| Period::of_date(g.updated_at.date_naive()));
                add(insight(
                    InsightKind::GoalReached,
                    InsightSeverity::Info,
                    &id,
                    when,
                    format!("“{}” reached", g.name),
                    format!("You reached “{}”: {} saved.", g.name, g.current_amount),
                    json!({"target_amount": g.target_amount, "current_amount": g.current_amount}),
                ));
            }
            GoalStatus::Active => {
                let reached = g.current_amount >= g.target_amount;
                if let Some(due) = g.target_date
                    && !reached
                {
                    let days = (due - input.as_of).num_days();
                    if (0..=DEADLINE_DAYS).contains(&days) {
                        let left = g.target_amount - g.current_amount;
                        add(insight(
                            InsightKind::GoalDeadlineNear,
                            InsightSeverity::Warning,
                            &id,
                            Period::of_date(due),
                            format!("“{}” due in {days} days", g.name),
                            format!(
                                "“{}” is due on {due}, in {days} day{}, with {left} still to go.",
                                g.name,
                                if days == 1 { "" } else { "s" }
                            ),
                            json!({"target_date": due, "days_left": days, "remaining_amount": left}),
                        ));
                    }
                }
                if reached {
                    continue;
                }
                let mine: Vec<GoalContribution> = input
                    .contributions
                    .iter()
                    .filter(|c| c.goal_id == g.id)
                    .cloned()
                    .collect();
                let budget = plan_for(this_month).map(|s| &s.budget_model);
                let Ok(t) = trajectory(g, &mine, None, budget, input.as_of) else {
                    continue;
                };
                if let Some(short) = t.shortfall.filter(|s| s.is_positive())
                    && !t.on_track
                {
                    add(insight(
                        InsightKind::GoalOffTrack,
                        InsightSeverity::Warning,
                        &id,
                        this_month,
                        format!("“{}” off track", g.name),
                        format!(
                            "At {} a month, “{}” will not be reached by {}: {} more a month would do it.",
                            t.monthly_contribution,
                            g.name,
                            g.target_date
                                .map_or_else(|| "its date".to_owned(), |d| d.to_string()),
                            short
                        ),
                        json!({"monthly_contribution": t.monthly_contribution,
                               "required_monthly_contribution": t.required_monthly_contribution,
                               "shortfall": short,
                               "projected_completion_date": t.projected_completion_date}),
                    ));
                }
            }
            GoalStatus::Paused | GoalStatus::Abandoned => {}
        }
    }
    let mut list: Vec<Insight> = out.into_values().collect();
    list.sort_by(|a, b| (a.kind, &a.subject, a.period).cmp(&(b.kind, &b.subject, b.period)));
    list
}

fn anomalies(
    latest: &BudgetSnapshot,
    history: &[BudgetSnapshot],
    options: &AnomalyOptions,
    source: &str,
    add: &mut impl FnMut(Insight),
) {
    let Ok(report) = detect_anomalies(latest, history, options) else {
        return;
    };
    let period = report.period;
    for a in report.anomalies {
        let name = label(&a.category);
        add(insight(
            InsightKind::Anomaly,
            match a.severity {
                Severity::Warning => InsightSeverity::Warning,
                Severity::Alert => InsightSeverity::Alert,
            },
            &a.category,
            period,
            format!("{name} unusual in {period}"),
            a.explanation.clone(),
            json!({"current_amount": a.current_amount, "historical_average": a.historical_average,
                   "deviation": a.deviation, "direction": a.direction, "source": source}),
        ));
    }
}

#[allow(clippy::too_many_arguments)]
fn insight(
    kind: InsightKind,
    severity: InsightSeverity,
    subject: &str,
    period: Period,
    title: String,
    message: String,
    numbers: Value,
) -> Insight {
    Insight {
        dedup_key: format!("{}:{subject}:{period}", kind.as_str()),
        kind,
        severity,
        subject: subject.to_owned(),
        period,
        title,
        message,
        numbers,
    }
}

/// A category slug for a sentence: `food_drink` → `Food drink`.
fn label(slug: &str) -> String {
    let s = slug.replace('_', " ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => s,
    }
}
