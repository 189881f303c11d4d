//! The budget itself: incomes, expenses by category, debts.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::models::OptimizationFocus;
use crate::money::{Money, decimal_text};
use crate::validate::{Validate, Validator, index, join};

/// Where an income comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum IncomeType {
    /// Pay for work.
    #[default]
    Earned,
    /// Rent, dividends, interest.
    Passive,
    /// Support, benefits, transfers between people.
    Transfer,
}

/// How predictable an income is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Stability {
    /// The same every month.
    #[default]
    Stable,
    /// Changes from month to month.
    Variable,
    /// Depends on the time of year.
    Seasonal,
}

/// A priority level (debts and goals).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Priority {
    /// First.
    High,
    /// Normal.
    #[default]
    Medium,
    /// Last.
    Low,
}

/// One source of monthly income.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Income {
    /// The item's id within the budget (a UUID is recommended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name, 1–100 characters.
    pub name: String,
    /// Kind of income.
    #[serde(rename = "type", default)]
    pub income_type: IncomeType,
    /// Amount per month, ≥ 0.
    pub monthly_amount: Money,
    /// Predictability.
    #[serde(default)]
    pub stability: Stability,
}

/// One monthly expense.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Expense {
    /// The item's id within the budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name, 1–100 characters.
    pub name: String,
    /// Lowercase slug: `housing`, `groceries`, `dining`, … or the user's own.
    pub category: String,
    /// Amount per month, ≥ 0.
    pub monthly_amount: Money,
    /// Needed to live (rent) rather than chosen (dining out).
    #[serde(default)]
    pub essential: bool,
}

/// One debt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Debt {
    /// The item's id within the budget (goals link to it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name, 1–100 characters.
    pub name: String,
    /// Outstanding balance, ≥ 0.
    pub balance: Money,
    /// APR in percent, e.g. `22.99`; 0–100.
    #[serde(with = "decimal_text")]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::money::DecimalSchema))]
    pub interest_rate: Decimal,
    /// Minimum monthly payment, ≥ 0.
    pub min_payment: Money,
    /// Payoff priority.
    #[serde(default)]
    pub priority: Priority,
}

/// Budget preferences.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Preferences {
    /// What recommendations should favour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimization_focus: Option<OptimizationFocus>,
}

/// A monthly budget.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetModel {
    /// Incomes.
    #[serde(default)]
    pub incomes: Vec<Income>,
    /// Expenses.
    #[serde(default)]
    pub expenses: Vec<Expense>,
    /// Debts.
    #[serde(default)]
    pub debts: Vec<Debt>,
    /// Preferences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferences: Option<Preferences>,
}

/// At most this many items in each list of a budget.
pub const MAX_ITEMS: usize = 500;

fn item_id(v: &mut Validator, field: String, id: &Option<String>) {
    if let Some(id) = id {
        v.text(field, id, 1, 64);
    }
}

impl Validate for BudgetModel {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        for (name, len) in [
            ("incomes", self.incomes.len()),
            ("expenses", self.expenses.len()),
            ("debts", self.debts.len()),
        ] {
            if len > MAX_ITEMS {
                v.push(
                    join(path, name),
                    format!("must have at most {MAX_ITEMS} items"),
                );
            }
        }
        for (i, inc) in self.incomes.iter().enumerate() {
            let p = index(&join(path, "incomes"), i);
            item_id(v, join(&p, "id"), &inc.id);
            v.text(join(&p, "name"), &inc.name, 1, 100);
            v.non_negative_money(join(&p, "monthly_amount"), inc.monthly_amount);
        }
        for (i, e) in self.expenses.iter().enumerate() {
            let p = index(&join(path, "expenses"), i);
            item_id(v, join(&p, "id"), &e.id);
            v.text(join(&p, "name"), &e.name, 1, 100);
            v.slug(join(&p, "category"), &e.category);
            v.non_negative_money(join(&p, "monthly_amount"), e.monthly_amount);
        }
        for (i, d) in self.debts.iter().enumerate() {
            let p = index(&join(path, "debts"), i);
            item_id(v, join(&p, "id"), &d.id);
            v.text(join(&p, "name"), &d.name, 1, 100);
            v.non_negative_money(join(&p, "balance"), d.balance);
            if d.interest_rate < Decimal::ZERO
                || d.interest_rate > Decimal::ONE_HUNDRED
                || d.interest_rate.normalize().scale() > 4
            {
                v.push(
                    join(&p, "interest_rate"),
                    "must be an APR percentage between 0 and 100",
                );
            }
            v.non_negative_money(join(&p, "min_payment"), d.min_payment);
        }
    }
}

impl BudgetModel {
    /// The debt with this id, if any.
    pub fn debt(&self, id: &str) -> Option<&Debt> {
        self.debts.iter().find(|d| d.id.as_deref() == Some(id))
    }
}
