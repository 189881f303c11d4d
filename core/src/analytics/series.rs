//! Turning a set of snapshots into ordered, checked series: one currency, one snapshot per
//! period, ordered by period, cut to a window of calendar months.

use std::cmp::Ordering;

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
/// Histories mostly repeat the same categories month after month, so each snapshot's sorted
/// keys are walked beside the sorted union, and only a snapshot with a new key is merged in
/// (a linear merge of two sorted lists).
pub fn categories<'a>(snapshots: &[&'a BudgetSnapshot]) -> Vec<&'a str> {
    let mut union: Vec<&'a str> = Vec::new();
    for s in snapshots {
        let mut i = 0;
        let mut novel = false;
        for k in s.category_totals.keys() {
            loop {
                match union.get(i).map(|u| fast_cmp(u, k)) {
                    Some(Ordering::Less) => i += 1,
                    Some(Ordering::Equal) => {
                        i += 1;
                        break;
                    }
                    _ => {
                        novel = true;
                        break;
                    }
                }
            }
            if novel {
                break;
            }
        }
        if novel {
            union = merge(&union, s.category_totals.keys().map(String::as_str));
        }
    }
    union
}

/// The sorted union of the sorted `a` and the sorted `b`.
fn merge<'a>(a: &[&'a str], b: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&'a str> = Vec::with_capacity(a.len() + 8);
    let mut i = 0;
    for k in b {
        while let Some(u) = a.get(i) {
            match fast_cmp(u, k) {
                Ordering::Less => {
                    out.push(u);
                    i += 1;
                }
                Ordering::Equal => {
                    i += 1;
                    break;
                }
                Ordering::Greater => break,
            }
        }
        out.push(k);
    }
    out.extend_from_slice(&a[i..]);
    out
}

/// A category × snapshot matrix of amounts (0 where a snapshot lacks the category), built by
/// walking each snapshot's sorted map alongside the sorted category list. `cats` must contain
/// every key of every snapshot given (as [`categories`] of them or of a superset does).
pub fn category_matrix<T: Copy>(
    snapshots: &[&BudgetSnapshot],
    cats: &[&str],
    zero: T,
    convert: impl Fn(crate::money::Money) -> T,
) -> Vec<Vec<T>> {
    let mut m = vec![vec![zero; snapshots.len()]; cats.len()];
    for (j, s) in snapshots.iter().enumerate() {
        // `cats` holds every key of every snapshot (see `categories`): a snapshot with as many
        // keys as `cats` has exactly those keys, in the same order, so no comparison is needed.
        if s.category_totals.len() == cats.len() {
            for (row, amount) in m.iter_mut().zip(s.category_totals.values()) {
                row[j] = convert(*amount);
            }
            continue;
        }
        let mut i = 0;
        'keys: for (k, amount) in &s.category_totals {
            while let Some(c) = cats.get(i) {
                match fast_cmp(c, k) {
                    Ordering::Less => i += 1,
                    Ordering::Equal => {
                        m[i][j] = convert(*amount);
                        i += 1;
                        continue 'keys;
                    }
                    Ordering::Greater => continue 'keys,
                }
            }
        }
    }
    m
}

/// `a.cmp(b)` for short keys without a call into `memcmp`: category slugs are short and the
/// walks above compare tens of thousands of them per call.
#[inline(always)]
pub fn fast_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n {
        let x = u64::from_be_bytes([
            a[i],
            a[i + 1],
            a[i + 2],
            a[i + 3],
            a[i + 4],
            a[i + 5],
            a[i + 6],
            a[i + 7],
        ]);
        let y = u64::from_be_bytes([
            b[i],
            b[i + 1],
            b[i + 2],
            b[i + 3],
            b[i + 4],
            b[i + 5],
            b[i + 6],
            b[i + 7],
        ]);
        if x != y {
            return x.cmp(&y);
        }
        i += 8;
    }
    while i < n {
        if a[i] != b[i] {
            return a[i].cmp(&b[i]);
        }
        i += 1;
    }
    a.len().cmp(&b.len())
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
    fn fast_cmp_agrees_with_str_cmp() {
        let words = [
            "",
            "a",
            "ab",
            "dining",
            "dining_out",
            "dining_outside",
            "cat_001",
            "cat_010",
            "zz",
            "housing_and_utilities_x",
        ];
        for a in words {
            for b in words {
                assert_eq!(fast_cmp(a, b), a.cmp(b), "{a} {b}");
            }
        }
    }

    #[test]
    fn merge_is_the_sorted_union() {
        let lists: [&[&str]; 6] = [
            &[],
            &["b", "d"],
            &["a", "b", "c", "d", "e"],
            &["c"],
            &["a", "z"],
            &["d", "dd", "e"],
        ];
        for a in lists {
            for b in lists {
                let mut expected: Vec<&str> = a.iter().chain(b).copied().collect();
                expected.sort();
                expected.dedup();
                assert_eq!(merge(a, b.iter().copied()), expected, "{a:?} {b:?}");
            }
        }
    }
}
