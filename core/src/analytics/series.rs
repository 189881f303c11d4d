//! Turning a set of snapshots into ordered, checked series: one currency, one snapshot per
//! period, ordered by period, cut to a window of calendar months.

use crate::error::{Error, Result};
use crate::models::BudgetSnapshot;
use crate::period::Period;

/// Snapshots ordered by period, after checking that periods are unique and the currency is
/// the same throughout.
pub fn ordered<'a>(
    snapshots: impl IntoIterator<Item = &'a BudgetSnapshot>,
) -> Result<Vec<&'a BudgetSnapshot>> {
    let mut v: Vec<&BudgetSnapshot> = snapshots.into_iter().collect();
    crate::sort::sort_by_key(&mut v, |s| s.period());
    for w in v.windows(2) {
        if w[0].period() == w[1].period() {
            return Err(Error::DuplicatePeriod {
                period: w[1].period().to_string(),
            });
        }
    }
    check_currency(&v)?;
    Ok(v)
}

/// Errors when the snapshots do not all share one currency.
pub fn check_currency(snapshots: &[&BudgetSnapshot]) -> Result<()> {
    if let Some(first) = snapshots.first() {
        for s in snapshots {
            if s.currency != first.currency {
                return Err(Error::MixedCurrency {
                    expected: first.currency.clone(),
                    found: s.currency.clone(),
                    period: s.period().to_string(),
                });
            }
        }
    }
    Ok(())
}

/// The `months` calendar months ending at the latest snapshot: `(from, to)`.
pub fn window_bounds(ordered: &[&BudgetSnapshot], months: u32) -> Option<(Period, Period)> {
    let to = ordered.last()?.period();
    Some((to.add_months(-(i64::from(months) - 1)), to))
}

/// The ordered snapshots inside the window of `months` months.
pub fn in_window<'a>(ordered: &[&'a BudgetSnapshot], months: u32) -> Vec<&'a BudgetSnapshot> {
    match window_bounds(ordered, months) {
        Some((from, _)) => ordered
            .iter()
            .copied()
            .filter(|s| s.period() >= from)
            .collect(),
        None => Vec::new(),
    }
}

/// Every category slug that appears in any of the snapshots, sorted.
///
/// Histories mostly repeat the same categories month after month, so each key is first
/// compared with the one after the previous key's place in the union (a hit, almost always),
/// and only otherwise looked up, and inserted when new.
pub fn categories<'a>(snapshots: &[&'a BudgetSnapshot]) -> Vec<&'a str> {
    let mut union: Vec<&'a str> = Vec::new();
    for s in snapshots {
        let mut i = 0;
        for k in s.category_totals.keys() {
            let k = k.as_str();
            if union.get(i).is_some_and(|u| *u == k) {
                i += 1;
                continue;
            }
            i = match union.binary_search(&k) {
                Ok(at) => at + 1,
                Err(at) => {
                    union.insert(at, k);
                    at + 1
                }
            };
        }
    }
    union
}

/// The most months a window (`months`) may span.
pub const MAX_MONTHS: u32 = 1200;

/// Checks a `months` argument (1–[`MAX_MONTHS`]).
pub fn check_months(field: &str, months: u32) -> Result<()> {
    if (1..=MAX_MONTHS).contains(&months) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("must be between 1 and {MAX_MONTHS}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_is_the_sorted_union() {
        use crate::ids::{SnapshotId, UserId};
        use crate::models::BudgetModel;
        use crate::money::Money;
        use chrono::{DateTime, Utc};
        use uuid::Uuid;
        let lists: [&[&str]; 7] = [
            &[],
            &["b", "d"],
            &["a", "b", "c", "d", "e"],
            &["c"],
            &["a", "z"],
            &["d", "dd", "e"],
            &["b", "d"],
        ];
        let snapshot = |keys: &[&str]| BudgetSnapshot {
            id: SnapshotId(Uuid::nil()),
            user_id: UserId(Uuid::nil()),
            period_year: 2026,
            period_month: 1,
            currency: "USD".into(),
            budget_model: BudgetModel::default(),
            total_income: Money::ZERO,
            total_expenses: Money::ZERO,
            surplus: Money::ZERO,
            savings_rate: None,
            category_totals: keys
                .iter()
                .map(|k| ((*k).to_owned(), Money::ZERO))
                .collect(),
            source_session_id: None,
            version: 0,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
        };
        let all: Vec<BudgetSnapshot> = lists.iter().map(|l| snapshot(l)).collect();
        // Every ordered pair and triple of the lists.
        for a in &all {
            for b in &all {
                for c in &all {
                    let mut expected: Vec<&str> = [a, b, c]
                        .iter()
                        .flat_map(|s| s.category_totals.keys().map(String::as_str))
                        .collect();
                    expected.sort();
                    expected.dedup();
                    assert_eq!(categories(&[a, b, c]), expected);
                }
            }
        }
    }
}
