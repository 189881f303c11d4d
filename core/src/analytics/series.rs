//! Turning a set of snapshots into ordered, checked series: one currency, one snapshot per
//! period, ordered by period, cut to a window of calendar months.

use std::collections::BTreeSet;

use crate::error::{Error, Result};
use crate::models::BudgetSnapshot;
use crate::period::Period;

/// Snapshots ordered by period, after checking that periods are unique and the currency is
/// the same throughout.
pub fn ordered(snapshots: &[BudgetSnapshot]) -> Result<Vec<&BudgetSnapshot>> {
    let mut v: Vec<&BudgetSnapshot> = snapshots.iter().collect();
    v.sort_by_key(|s| s.period());
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
pub fn categories<'a>(snapshots: &[&'a BudgetSnapshot]) -> Vec<&'a str> {
    let set: BTreeSet<&str> = snapshots
        .iter()
        .flat_map(|s| s.category_totals.keys().map(String::as_str))
        .collect();
    set.into_iter().collect()
}

/// A category × snapshot matrix of amounts (0 where a snapshot lacks the category), built by
/// walking each snapshot's sorted map alongside the sorted category list.
pub fn category_matrix<T: Copy>(
    snapshots: &[&BudgetSnapshot],
    cats: &[&str],
    zero: T,
    convert: impl Fn(crate::money::Money) -> T,
) -> Vec<Vec<T>> {
    let mut m = vec![vec![zero; snapshots.len()]; cats.len()];
    for (j, s) in snapshots.iter().enumerate() {
        let mut i = 0;
        for (k, amount) in &s.category_totals {
            while i < cats.len() && cats[i] < k.as_str() {
                i += 1;
            }
            if i < cats.len() && cats[i] == k.as_str() {
                m[i][j] = convert(*amount);
            }
        }
    }
    m
}

/// Checks a `months` argument (1–1200).
pub fn check_months(field: &str, months: u32) -> Result<()> {
    if (1..=1200).contains(&months) {
        Ok(())
    } else {
        Err(Error::invalid(field, "must be between 1 and 1200"))
    }
}
