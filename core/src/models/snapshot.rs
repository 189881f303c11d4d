//! A budget snapshot: one user's budget for one month with its recomputed summary.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ids::{SessionId, SnapshotId, UserId};
use crate::models::BudgetModel;
use crate::money::Money;
use crate::period::Period;
use crate::validate::{Validate, Validator, join};

/// The category that collects debts' minimum payments.
pub const DEBT_PAYMENTS: &str = "debt_payments";

/// The totals of a budget, always computed by [`summarize`], never taken from a client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SnapshotSummary {
    /// Σ incomes.
    pub total_income: Money,
    /// Σ category totals.
    pub total_expenses: Money,
    /// Income − expenses.
    pub surplus: Money,
    /// Surplus / income; `None` when income is 0.
    pub savings_rate: Option<f64>,
    /// Σ expenses per category, plus `debt_payments` (Σ minimum payments) when a debt exists.
    pub category_totals: BTreeMap<String, Money>,
}

/// Computes the summary of a budget (DESIGN §2).
pub fn summarize(model: &BudgetModel) -> SnapshotSummary {
    let total_income: Money = model.incomes.iter().map(|i| i.monthly_amount).sum();
    let mut category_totals: BTreeMap<String, Money> = BTreeMap::new();
    for e in &model.expenses {
        *category_totals.entry(e.category.clone()).or_default() += e.monthly_amount;
    }
    if !model.debts.is_empty() {
        let payments: Money = model.debts.iter().map(|d| d.min_payment).sum();
        *category_totals.entry(DEBT_PAYMENTS.to_owned()).or_default() += payments;
    }
    let total_expenses: Money = category_totals.values().sum();
    let surplus = total_income - total_expenses;
    SnapshotSummary {
        total_income,
        total_expenses,
        surplus,
        savings_rate: surplus.ratio(total_income),
        category_totals,
    }
}

/// What a client sends to create or replace the snapshot of a period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SnapshotInput {
    /// Year of the period.
    pub period_year: i64,
    /// Month of the period, 1–12.
    pub period_month: i64,
    /// The budget.
    pub budget_model: BudgetModel,
    /// The budget session this snapshot was saved from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_session_id: Option<SessionId>,
}

impl Validate for SnapshotInput {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        v.year(join(path, "period_year"), self.period_year);
        v.month(join(path, "period_month"), self.period_month);
        self.budget_model
            .validate_into(v, &join(path, "budget_model"));
    }
}

/// A user's budget for one month.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetSnapshot {
    /// Id.
    pub id: SnapshotId,
    /// Owner.
    pub user_id: UserId,
    /// Year of the period.
    pub period_year: i32,
    /// Month of the period, 1–12.
    pub period_month: u32,
    /// ISO 4217 code of every amount in it.
    pub currency: String,
    /// The budget.
    pub budget_model: BudgetModel,
    /// Σ incomes.
    pub total_income: Money,
    /// Σ category totals.
    pub total_expenses: Money,
    /// Income − expenses.
    pub surplus: Money,
    /// Surplus / income; `null` when income is 0.
    pub savings_rate: Option<f64>,
    /// Expenses per category.
    #[serde(deserialize_with = "category_map")]
    pub category_totals: BTreeMap<String, Money>,
    /// The budget session it was saved from.
    #[serde(default)]
    pub source_session_id: Option<SessionId>,
    /// +1 on each change.
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl BudgetSnapshot {
    /// A new snapshot (version 1) from validated input; the summary is computed here.
    pub fn create(
        id: SnapshotId,
        user_id: UserId,
        currency: &str,
        input: SnapshotInput,
        now: DateTime<Utc>,
    ) -> Result<BudgetSnapshot> {
        input.validate()?;
        let mut v = Validator::default();
        v.currency("currency".into(), currency);
        v.finish()?;
        let summary = summarize(&input.budget_model);
        Ok(BudgetSnapshot {
            id,
            user_id,
            period_year: input.period_year as i32,
            period_month: input.period_month as u32,
            currency: currency.to_owned(),
            budget_model: input.budget_model,
            total_income: summary.total_income,
            total_expenses: summary.total_expenses,
            surplus: summary.surplus,
            savings_rate: summary.savings_rate,
            category_totals: summary.category_totals,
            source_session_id: input.source_session_id,
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }

    /// This snapshot with its budget replaced by `input` (same id and period; version + 1).
    pub fn replace(&self, input: SnapshotInput, now: DateTime<Utc>) -> Result<BudgetSnapshot> {
        let mut next = BudgetSnapshot::create(self.id, self.user_id, &self.currency, input, now)?;
        next.version = self.version + 1;
        next.created_at = self.created_at;
        Ok(next)
    }

    /// The period of the snapshot (clamped into range for records that skipped validation).
    pub fn period(&self) -> Period {
        Period::new(i64::from(self.period_year), i64::from(self.period_month)).unwrap_or_else(
            |_| {
                Period::from_index(
                    i64::from(self.period_year) * 12 + i64::from(self.period_month) - 1,
                )
            },
        )
    }

    /// The summary fields as one value.
    pub fn summary(&self) -> SnapshotSummary {
        SnapshotSummary {
            total_income: self.total_income,
            total_expenses: self.total_expenses,
            surplus: self.surplus,
            savings_rate: self.savings_rate,
            category_totals: self.category_totals.clone(),
        }
    }

    /// The amount of one category (0 when the snapshot has none).
    pub fn category(&self, slug: &str) -> Money {
        self.category_totals
            .get(slug)
            .copied()
            .unwrap_or(Money::ZERO)
    }
}

impl Validate for BudgetSnapshot {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        v.year(join(path, "period_year"), i64::from(self.period_year));
        v.month(join(path, "period_month"), i64::from(self.period_month));
        v.currency(join(path, "currency"), &self.currency);
        self.budget_model
            .validate_into(v, &join(path, "budget_model"));
        if self.version < 0 {
            v.push(join(path, "version"), "must be ≥ 0");
        }
    }
}

/// Reads a category map by collecting its entries and building the map in one go: a history
/// of 360 snapshots × 200 categories holds 72,000 entries, and inserting them one by one
/// searched the map for each. Duplicate keys keep the last value, as `insert` does.
fn category_map<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<BTreeMap<String, Money>, D::Error> {
    struct Entries;
    impl<'de> serde::de::Visitor<'de> for Entries {
        type Value = BTreeMap<String, Money>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a map of category slugs to amounts")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut entries: Vec<(String, Money)> =
                Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
            while let Some(entry) = map.next_entry()? {
                entries.push(entry);
            }
            Ok(entries.into_iter().collect())
        }
    }
    deserializer.deserialize_map(Entries)
}
