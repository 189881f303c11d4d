//! The user account as every client sees it (`password_hash` never leaves the server).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::UserId;
use crate::period::Period;
use crate::validate::{Validate, Validator, join};

/// A budgeting framework the user prefers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Framework {
    /// 50 % needs, 30 % wants, 20 % savings.
    #[serde(rename = "50_30_20")]
    FiftyThirtyTwenty,
    /// Every unit of income is assigned.
    #[serde(rename = "zero_based")]
    ZeroBased,
    /// Spending envelopes per category.
    #[serde(rename = "envelope")]
    Envelope,
    /// The user's own.
    #[serde(rename = "custom")]
    Custom,
}

/// What recommendations should favour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OptimizationFocus {
    /// Paying down debt first.
    Debt,
    /// Building savings first.
    Savings,
    /// Both.
    Balanced,
}

/// The default currency of a new user.
pub const DEFAULT_CURRENCY: &str = "USD";

/// A user account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Unique, compared case-insensitively; `null` for an account made by a sign-in whose
    /// provider (or host app token) gives no email (such an account has no password either).
    #[serde(default)]
    pub email: Option<String>,
    /// Name to show.
    #[serde(default)]
    pub display_name: Option<String>,
    /// ISO 4217 code of all the user's amounts.
    pub currency: String,
    /// Preferred budgeting framework.
    #[serde(default)]
    pub default_framework: Option<Framework>,
    /// Preferred optimisation focus.
    #[serde(default)]
    pub default_optimization_focus: Option<OptimizationFocus>,
    /// Snapshots older than this many months are pruned; `None` keeps them forever.
    #[serde(default)]
    pub retention_months: Option<u32>,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// The fields a user may change on their profile.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserPatch {
    /// New display name (`null` clears it).
    #[serde(
        default,
        with = "super::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub display_name: Option<Option<String>>,
    /// New currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// New framework (`null` clears it).
    #[serde(
        default,
        with = "super::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_framework: Option<Option<Framework>>,
    /// New focus (`null` clears it).
    #[serde(
        default,
        with = "super::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_optimization_focus: Option<Option<OptimizationFocus>>,
    /// New retention (`null` keeps forever).
    #[serde(
        default,
        with = "super::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub retention_months: Option<Option<u32>>,
}

/// Checks an email address well enough to catch typos (one `@`, a dot in the domain).
pub fn validate_email(v: &mut Validator, field: String, email: &str) {
    let ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        v.push(field, "must be an email address such as ana@example.com");
    }
}

fn validate_retention(v: &mut Validator, field: String, months: Option<u32>) {
    if let Some(m) = months
        && !(1..=1200).contains(&m)
    {
        v.push(
            field,
            "must be between 1 and 1200 months, or null to keep forever",
        );
    }
}

impl Validate for User {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        if let Some(email) = &self.email {
            validate_email(v, join(path, "email"), email);
        }
        if let Some(name) = &self.display_name {
            v.text(join(path, "display_name"), name, 1, 100);
        }
        v.currency(join(path, "currency"), &self.currency);
        validate_retention(v, join(path, "retention_months"), self.retention_months);
    }
}

impl Validate for UserPatch {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        if let Some(Some(name)) = &self.display_name {
            v.text(join(path, "display_name"), name, 1, 100);
        }
        if let Some(c) = &self.currency {
            v.currency(join(path, "currency"), c);
        }
        if let Some(r) = self.retention_months {
            validate_retention(v, join(path, "retention_months"), r);
        }
    }
}

impl User {
    /// The user with `patch` applied (validated first; nothing changes on error).
    pub fn apply_patch(&self, patch: &UserPatch, now: DateTime<Utc>) -> crate::Result<User> {
        patch.validate()?;
        let mut u = self.clone();
        if let Some(n) = &patch.display_name {
            u.display_name = n.clone();
        }
        if let Some(c) = &patch.currency {
            u.currency = c.clone();
        }
        if let Some(f) = patch.default_framework {
            u.default_framework = f;
        }
        if let Some(f) = patch.default_optimization_focus {
            u.default_optimization_focus = f;
        }
        if let Some(r) = patch.retention_months {
            u.retention_months = r;
        }
        u.updated_at = now;
        Ok(u)
    }
}

/// The earliest period a user with `retention_months` keeps on `today`: the `months` calendar
/// months ending with today's month (12 on 2026-11-21 keeps 2025-12 … 2026-11). Snapshots of
/// earlier periods are pruned.
pub fn retention_cutoff(today: NaiveDate, months: u32) -> Period {
    Period::of_date(today).add_months(1 - i64::from(months.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_keeps_exactly_the_last_months() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        assert_eq!(retention_cutoff(today, 12).to_string(), "2025-12");
        assert_eq!(retention_cutoff(today, 1).to_string(), "2026-11");
        assert_eq!(retention_cutoff(today, 0).to_string(), "2026-11");
    }
}
