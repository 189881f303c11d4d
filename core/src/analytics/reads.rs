//! Which snapshots of a history a call reads.
//!
//! A caller that holds the history outside Rust (the npm package: JavaScript objects) pays for
//! every snapshot it copies in. These functions take only each snapshot's period and currency
//! — cheap to copy — check the list exactly as the analytics do (two snapshots of one period,
//! mixed currencies: the same errors), and say which snapshots the call needs: the analytic run
//! over those alone gives the result it gives over the whole list. So a call's cost grows with
//! what it reads (the window, the lookback), not with the length of the history.

use crate::analytics::anomalies::{AnomalyOptions, Baseline};
use crate::analytics::series;
use crate::error::{Error, Result};
use crate::period::Period;

/// The period and currency of one snapshot of a history.
pub type Entry<'a> = (Period, &'a str);

/// The positions (ascending) of the snapshots [`compute_trends`](super::compute_trends) reads:
/// those of the `months` calendar months ending at the latest one. Errors: `months` out of
/// range, two snapshots of one period, mixed currencies (as `compute_trends` reports them).
pub fn trends_reads(entries: &[Entry<'_>], months: u32) -> Result<Vec<usize>> {
    series::check_months("months", months)?;
    let Some(last) = entries.iter().map(|e| e.0).max() else {
        return Ok(Vec::new());
    };
    let from = last.add_months(-(i64::from(months) - 1));
    select(entries, None, from, last, None)
}

/// The positions (ascending) of the snapshots of `history` that
/// [`detect_anomalies`](super::detect_anomalies) of a snapshot of `current` reads: those of its
/// baseline. Errors as `detect_anomalies` reports them (options, then the earlier snapshots'
/// periods and currencies; a baseline in another currency than `current` is
/// [`check_current_currency`]'s).
pub fn anomalies_reads(
    current: Period,
    entries: &[Entry<'_>],
    options: &AnomalyOptions,
) -> Result<Vec<usize>> {
    options.check()?;
    let lookback = i64::from(options.lookback);
    let (from, month) = match options.baseline {
        Baseline::Recent => (current.add_months(-lookback), None),
        Baseline::Seasonal => (current.add_months(-12 * lookback), Some(current.month())),
    };
    select(entries, Some(current), from, current.add_months(-1), month)
}

/// The baseline's currency against the current snapshot's (`current`: its period and
/// currency), as [`detect_anomalies`](super::detect_anomalies) checks it after the checks of
/// [`anomalies_reads`], whose positions `at` are: the error names the current snapshot.
pub fn check_current_currency(
    current: Entry<'_>,
    entries: &[Entry<'_>],
    at: &[usize],
) -> Result<()> {
    // `anomalies_reads` has checked that the snapshots before `current` share one currency.
    match at.first().and_then(|&i| entries.get(i)) {
        Some(first) if first.1 != current.1 => Err(Error::MixedCurrency {
            expected: first.1.to_owned(),
            found: current.1.to_owned(),
            period: current.0.to_string(),
        }),
        _ => Ok(()),
    }
}

/// Checks the entries of periods before `before` (all when `None`) as [`series::ordered`]
/// does: in period order, the first period held twice, then the first currency that is not
/// the earliest one's. Then the positions of the periods in `from..=to` (of `month` only,
/// when given).
fn select(
    entries: &[Entry<'_>],
    before: Option<Period>,
    from: Period,
    to: Period,
    month: Option<u32>,
) -> Result<Vec<usize>> {
    let mut v: Vec<&Entry<'_>> = entries
        .iter()
        .filter(|e| before.is_none_or(|b| e.0 < b))
        .collect();
    // A history is mostly held in period order already: then there is nothing to sort.
    if !v.is_sorted_by_key(|e| e.0) {
        crate::sort::sort_by_key(&mut v, |e| e.0);
    }
    for w in v.windows(2) {
        if w[0].0 == w[1].0 {
            return Err(Error::DuplicatePeriod {
                period: w[1].0.to_string(),
            });
        }
    }
    if let Some(first) = v.first()
        && let Some(e) = v.iter().find(|e| e.1 != first.1)
    {
        return Err(Error::MixedCurrency {
            expected: first.1.to_owned(),
            found: e.1.to_owned(),
            period: e.0.to_string(),
        });
    }
    let mut out = Vec::new();
    for (i, (p, _)) in entries.iter().enumerate() {
        if *p >= from && *p <= to && month.is_none_or(|m| p.month() == m) {
            out.push(i);
        }
    }
    Ok(out)
}
