//! Financial goals, their status machine and the changes a user can make to them.
//!
//! Status moves: active ↔ paused; active | paused → completed | abandoned;
//! completed | abandoned → active only by an explicit reopen (a move to `active`).
//! `completed_at` is set on completion and cleared on reopen.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, Serializer};

use crate::error::{Error, Result};
use crate::ids::{GoalId, UserId};
use crate::models::{Priority, double_option};
use crate::money::{Money, decimal_text};
use crate::validate::{Validate, Validator, join};

/// What kind of goal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum GoalType {
    /// Save up to an amount.
    SavingsTarget,
    /// Pay off a debt.
    DebtPayoff,
    /// Build an emergency fund.
    EmergencyFund,
    /// Save for retirement.
    Retirement,
    /// Anything else.
    Custom,
}

/// What the goal is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum GoalCategory {
    Vacation,
    Emergency,
    Education,
    Housing,
    Vehicle,
    Electronics,
    Medical,
    Retirement,
    Debt,
    Other,
}

/// Where a goal is in its life.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum GoalStatus {
    /// Being worked on.
    #[default]
    Active,
    /// Set aside for now.
    Paused,
    /// Reached.
    Completed,
    /// Given up.
    Abandoned,
}

impl GoalStatus {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            GoalStatus::Active => "active",
            GoalStatus::Paused => "paused",
            GoalStatus::Completed => "completed",
            GoalStatus::Abandoned => "abandoned",
        }
    }

    /// True when the state machine allows `self → to` (staying put is always allowed).
    pub fn can_move_to(self, to: GoalStatus) -> bool {
        use GoalStatus::*;
        matches!(
            (self, to),
            (a, b) if a == b
        ) || matches!(
            (self, to),
            (Active, Paused)
                | (Paused, Active)
                | (Active | Paused, Completed | Abandoned)
                | (Completed | Abandoned, Active)
        )
    }
}

impl fmt::Display for GoalStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A financial goal.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Goal {
    /// Id.
    pub id: GoalId,
    /// Owner.
    pub user_id: UserId,
    /// Name, 1–100 characters.
    pub name: String,
    /// Description, ≤ 2000 characters.
    #[serde(default)]
    pub description: Option<String>,
    /// Kind of goal.
    pub goal_type: GoalType,
    /// What it is for.
    pub category: GoalCategory,
    /// Priority.
    #[serde(default)]
    pub priority: Priority,
    /// Amount to reach, > 0.
    pub target_amount: Money,
    /// Amount reached so far, ≥ 0.
    pub current_amount: Money,
    /// When work on the goal started.
    pub start_date: NaiveDate,
    /// When it should be reached (≥ start_date).
    #[serde(default)]
    pub target_date: Option<NaiveDate>,
    /// For `debt_payoff`: the id of a debt in the user's budget.
    #[serde(default)]
    pub linked_debt_id: Option<String>,
    /// For growth goals: expected yearly return in percent.
    #[serde(default, with = "decimal_text::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::money::DecimalSchema>))]
    pub annual_return_rate: Option<Decimal>,
    /// Status.
    #[serde(default)]
    pub status: GoalStatus,
    /// When it was completed.
    #[serde(default)]
    pub completed_at: Option<DateTime<Utc>>,
    /// +1 on each change.
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Serialize for Goal {
    /// The record plus the derived `is_active` (`status == "active"`).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            id: &'a GoalId,
            user_id: &'a UserId,
            name: &'a str,
            description: &'a Option<String>,
            goal_type: GoalType,
            category: GoalCategory,
            priority: Priority,
            target_amount: Money,
            current_amount: Money,
            start_date: NaiveDate,
            target_date: Option<NaiveDate>,
            linked_debt_id: &'a Option<String>,
            #[serde(with = "decimal_text::option")]
            annual_return_rate: Option<Decimal>,
            status: GoalStatus,
            is_active: bool,
            completed_at: Option<DateTime<Utc>>,
            version: i64,
            created_at: DateTime<Utc>,
            updated_at: DateTime<Utc>,
        }
        Wire {
            id: &self.id,
            user_id: &self.user_id,
            name: &self.name,
            description: &self.description,
            goal_type: self.goal_type,
            category: self.category,
            priority: self.priority,
            target_amount: self.target_amount,
            current_amount: self.current_amount,
            start_date: self.start_date,
            target_date: self.target_date,
            linked_debt_id: &self.linked_debt_id,
            annual_return_rate: self.annual_return_rate,
            status: self.status,
            is_active: self.is_active(),
            completed_at: self.completed_at,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
        .serialize(s)
    }
}

/// The writable fields of a new goal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GoalInput {
    /// Name, 1–100 characters.
    pub name: String,
    /// Description, ≤ 2000 characters.
    #[serde(default)]
    pub description: Option<String>,
    /// Kind of goal.
    pub goal_type: GoalType,
    /// What it is for.
    pub category: GoalCategory,
    /// Priority (default medium).
    #[serde(default)]
    pub priority: Priority,
    /// Amount to reach, > 0.
    pub target_amount: Money,
    /// Amount already reached (default 0).
    #[serde(default)]
    pub current_amount: Money,
    /// Start date.
    pub start_date: NaiveDate,
    /// Target date (≥ start_date).
    #[serde(default)]
    pub target_date: Option<NaiveDate>,
    /// For debt payoff goals.
    #[serde(default)]
    pub linked_debt_id: Option<String>,
    /// Percent per year.
    #[serde(default, with = "decimal_text::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::money::DecimalSchema>))]
    pub annual_return_rate: Option<Decimal>,
    /// Initial status (default active).
    #[serde(default)]
    pub status: GoalStatus,
}

/// A partial change of a goal: absent fields stay, `null` clears an optional field.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GoalPatch {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New description.
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<Option<String>>,
    /// New type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal_type: Option<GoalType>,
    /// New category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<GoalCategory>,
    /// New priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// New target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_amount: Option<Money>,
    /// New current amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_amount: Option<Money>,
    /// New start date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<NaiveDate>,
    /// New target date.
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub target_date: Option<Option<NaiveDate>>,
    /// New linked debt.
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub linked_debt_id: Option<Option<String>>,
    /// New return rate.
    #[serde(
        default,
        deserialize_with = "patch_rate",
        serialize_with = "patch_rate_out",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::money::DecimalSchema>))]
    pub annual_return_rate: Option<Option<Decimal>>,
    /// New status (moves through the status machine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<GoalStatus>,
    /// The version the client last saw; a stale one is a conflict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

fn patch_rate<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<Decimal>>, D::Error> {
    decimal_text::option::deserialize(d).map(Some)
}

fn patch_rate_out<S: serde::Serializer>(
    v: &Option<Option<Decimal>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    decimal_text::option::serialize(&v.flatten(), s)
}

fn validate_fields(v: &mut Validator, path: &str, g: &Goal) {
    v.text(join(path, "name"), &g.name, 1, 100);
    if let Some(d) = &g.description {
        v.text(join(path, "description"), d, 0, 2000);
    }
    v.positive_money(join(path, "target_amount"), g.target_amount);
    v.non_negative_money(join(path, "current_amount"), g.current_amount);
    v.date(join(path, "start_date"), g.start_date);
    if let Some(t) = g.target_date {
        v.date(join(path, "target_date"), t);
        if t < g.start_date {
            v.push(join(path, "target_date"), "must be on or after start_date");
        }
    }
    if let Some(id) = &g.linked_debt_id {
        v.text(join(path, "linked_debt_id"), id, 1, 64);
    }
    if let Some(r) = g.annual_return_rate
        && (r <= Decimal::from(-100) || r > Decimal::ONE_HUNDRED || r.normalize().scale() > 4)
    {
        v.push(
            join(path, "annual_return_rate"),
            "must be a yearly percentage above -100 and at most 100",
        );
    }
}

/// Checks that `next`'s `linked_debt_id` names a debt of `budget`, the budget model of the
/// user's latest snapshot (the one the trajectory reads the debt's APR from; `None` when the
/// user has no snapshot). Only a link that is new or changed against `before` is checked, so a
/// goal whose debt was paid off (and left the latest budget) can still be renamed or paused.
pub fn check_linked_debt(
    next: &Goal,
    before: Option<&Goal>,
    budget: Option<&crate::models::BudgetModel>,
) -> Result<()> {
    let Some(id) = &next.linked_debt_id else {
        return Ok(());
    };
    if before.is_some_and(|b| b.linked_debt_id.as_ref() == Some(id)) {
        return Ok(());
    }
    match budget {
        Some(b) if b.debt(id).is_some() => Ok(()),
        Some(_) => Err(Error::invalid(
            "linked_debt_id",
            "must be the id of a debt in the budget of your latest snapshot",
        )),
        None => Err(Error::invalid(
            "linked_debt_id",
            "must be the id of a debt in the budget of your latest snapshot (there is none yet)",
        )),
    }
}

impl Validate for Goal {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        validate_fields(v, path, self);
        if self.version < 0 {
            v.push(join(path, "version"), "must be ≥ 0");
        }
    }
}

impl Validate for GoalInput {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        let probe = Goal::from_input_unchecked(
            GoalId::default(),
            UserId::default(),
            self.clone(),
            DateTime::UNIX_EPOCH,
        );
        validate_fields(v, path, &probe);
    }
}

impl Default for GoalId {
    fn default() -> Self {
        GoalId(uuid::Uuid::nil())
    }
}

impl Default for UserId {
    fn default() -> Self {
        UserId(uuid::Uuid::nil())
    }
}

impl Goal {
    /// `status == active`.
    pub fn is_active(&self) -> bool {
        self.status == GoalStatus::Active
    }

    fn from_input_unchecked(
        id: GoalId,
        user_id: UserId,
        input: GoalInput,
        now: DateTime<Utc>,
    ) -> Goal {
        Goal {
            id,
            user_id,
            name: input.name,
            description: input.description,
            goal_type: input.goal_type,
            category: input.category,
            priority: input.priority,
            target_amount: input.target_amount,
            current_amount: input.current_amount,
            start_date: input.start_date,
            target_date: input.target_date,
            linked_debt_id: input.linked_debt_id,
            annual_return_rate: input.annual_return_rate,
            status: input.status,
            completed_at: (input.status == GoalStatus::Completed).then_some(now),
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    /// A new goal (version 1) from validated input.
    pub fn create(
        id: GoalId,
        user_id: UserId,
        input: GoalInput,
        now: DateTime<Utc>,
    ) -> Result<Goal> {
        input.validate()?;
        Ok(Goal::from_input_unchecked(id, user_id, input, now))
    }

    /// Moves the goal to `to` if the status machine allows it.
    pub fn transition(&self, to: GoalStatus, now: DateTime<Utc>) -> Result<Goal> {
        if !self.status.can_move_to(to) {
            return Err(Error::IllegalTransition {
                from: self.status.to_string(),
                to: to.to_string(),
            });
        }
        let mut g = self.clone();
        if to == self.status {
            return Ok(g);
        }
        g.status = to;
        match to {
            GoalStatus::Completed => g.completed_at = Some(now),
            GoalStatus::Active => g.completed_at = None,
            _ => {}
        }
        g.version += 1;
        g.updated_at = now;
        Ok(g)
    }

    /// The goal with `patch` applied: fields validated, the status moved through the status
    /// machine. The caller checks `patch.version` against the stored version.
    pub fn apply_patch(&self, patch: &GoalPatch, now: DateTime<Utc>) -> Result<Goal> {
        let mut g = self.clone();
        if let Some(n) = &patch.name {
            g.name = n.clone();
        }
        if let Some(d) = &patch.description {
            g.description = d.clone();
        }
        if let Some(t) = patch.goal_type {
            g.goal_type = t;
        }
        if let Some(c) = patch.category {
            g.category = c;
        }
        if let Some(p) = patch.priority {
            g.priority = p;
        }
        if let Some(a) = patch.target_amount {
            g.target_amount = a;
        }
        if let Some(a) = patch.current_amount {
            g.current_amount = a;
        }
        if let Some(d) = patch.start_date {
            g.start_date = d;
        }
        if let Some(d) = patch.target_date {
            g.target_date = d;
        }
        if let Some(l) = &patch.linked_debt_id {
            g.linked_debt_id = l.clone();
        }
        if let Some(r) = patch.annual_return_rate {
            g.annual_return_rate = r;
        }
        let mut v = Validator::default();
        validate_fields(&mut v, "", &g);
        v.finish()?;
        let changed = g != *self;
        if let Some(to) = patch.status {
            let moved = g.transition(to, now)?;
            if moved.status != self.status {
                return Ok(Goal {
                    version: self.version + 1,
                    ..moved
                });
            }
        }
        if changed {
            g.version = self.version + 1;
            g.updated_at = now;
        }
        Ok(g)
    }
}
