//! `analytics::reads` (issue 14 §1): the analytics over the snapshots a call reads equal the
//! analytics over the whole history, and the whole list's errors are still reported.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use lifepath_core::analytics::frame::{ABSENT, Frame};
use lifepath_core::analytics::reads::{
    Entry, anomalies_reads, check_current_currency, trends_reads,
};
use lifepath_core::analytics::{
    AnomalyMethod, AnomalyOptions, Baseline, compute_trends, detect_anomalies, frame_anomalies,
    frame_trends,
};
use lifepath_core::models::BudgetSnapshot;
use lifepath_core::*;

fn snapshot(p: Period, currency: &str, food: i64) -> BudgetSnapshot {
    let extra = format!("extra_{}", p.month() % 3);
    let extra_amount = format!("{}", 10 * p.month());
    snap_in(
        &p.to_string(),
        currency,
        "3000",
        &[("food", &food.to_string()), (&extra, &extra_amount)],
    )
}

fn entries(h: &[BudgetSnapshot]) -> Vec<Entry<'_>> {
    h.iter()
        .map(|s| (s.period(), s.currency.as_str()))
        .collect()
}

fn picked(h: &[BudgetSnapshot], at: &[usize]) -> Vec<BudgetSnapshot> {
    at.iter().map(|&i| h[i].clone()).collect()
}

/// 40 months out of order, one month missing.
fn history() -> Vec<BudgetSnapshot> {
    let mut h: Vec<BudgetSnapshot> = (0..40)
        .filter(|k| *k != 30)
        .map(|k| {
            let p = Period::new(2022, 1).unwrap().add_months(k);
            snapshot(p, "EUR", 300 + (k * 37) % 90)
        })
        .collect();
    h.reverse();
    h.swap(3, 17);
    h
}

#[test]
fn trends_over_the_reads_are_the_trends_over_everything() {
    let h = history();
    for months in [1, 2, 11, 12, 13, 39, 40, 120] {
        let at = trends_reads(&entries(&h), months).unwrap();
        let expected = compute_trends(&h, months).unwrap();
        assert_eq!(
            at.len(),
            expected.window.months_with_data,
            "months {months}"
        );
        assert!(at.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(compute_trends(&picked(&h, &at), months).unwrap(), expected);
    }
    assert!(trends_reads(&[], 12).unwrap().is_empty());
    assert_eq!(
        trends_reads(&entries(&h), 0).unwrap_err(),
        compute_trends(&h, 0).unwrap_err()
    );
}

#[test]
fn anomalies_over_the_reads_are_the_anomalies_over_everything() {
    let h = history();
    for (i, current) in h.iter().enumerate().step_by(3) {
        for baseline in [Baseline::Recent, Baseline::Seasonal] {
            for lookback in [1, 3, 12, 36] {
                let o = AnomalyOptions {
                    lookback,
                    baseline,
                    threshold: 0.5,
                    ..AnomalyOptions::default()
                };
                let at = anomalies_reads(current.period(), &entries(&h), &o).unwrap();
                assert!(!at.contains(&i));
                let expected = detect_anomalies(current, &h, &o).unwrap();
                let got = detect_anomalies(current, &picked(&h, &at), &o).unwrap();
                assert_eq!(
                    got,
                    expected,
                    "{} {baseline:?} {lookback}",
                    current.period()
                );
            }
        }
    }
    let some = h
        .iter()
        .map(|s| {
            detect_anomalies(
                s,
                &h,
                &AnomalyOptions {
                    threshold: 0.5,
                    ..Default::default()
                },
            )
        })
        .filter(|r| !r.as_ref().unwrap().anomalies.is_empty())
        .count();
    assert!(some > 5, "the history has anomalies to compare ({some})");
    for bad in [
        AnomalyOptions {
            lookback: 0,
            ..AnomalyOptions::default()
        },
        AnomalyOptions {
            threshold: -1.0,
            ..AnomalyOptions::default()
        },
    ] {
        assert_eq!(
            anomalies_reads(h[0].period(), &entries(&h), &bad).unwrap_err(),
            detect_anomalies(&h[0], &h, &bad).unwrap_err()
        );
    }
}

#[test]
fn the_errors_of_the_whole_list() {
    let mut h = history();
    // Far outside the window, so only the check of the whole list sees it.
    let old = snapshot(Period::new(2001, 5).unwrap(), "USD", 1);
    h.push(old.clone());
    let e = trends_reads(&entries(&h), 12).unwrap_err();
    assert_eq!(e, compute_trends(&h, 12).unwrap_err());
    assert_eq!(e.code(), "mixed_currency");
    let current = h[0].clone();
    let o = AnomalyOptions::default();
    assert_eq!(
        anomalies_reads(current.period(), &entries(&h), &o).unwrap_err(),
        detect_anomalies(&current, &h, &o).unwrap_err()
    );
    // A later snapshot in another currency is no part of an earlier month's check.
    let first = Period::new(2022, 1).unwrap();
    let mut later = snapshot(Period::new(2030, 1).unwrap(), "USD", 1);
    later.currency = "USD".into();
    let mut h2 = history();
    h2.push(later);
    let earliest = h2.iter().find(|s| s.period() == first).unwrap().clone();
    assert!(
        anomalies_reads(first, &entries(&h2), &o)
            .unwrap()
            .is_empty()
    );
    assert!(detect_anomalies(&earliest, &h2, &o).is_ok());
    // Two snapshots of one month, outside the window.
    h.pop();
    let mut twice = old;
    twice.currency = "EUR".into();
    h.push(twice.clone());
    h.push(twice);
    let e = trends_reads(&entries(&h), 12).unwrap_err();
    assert_eq!(e, compute_trends(&h, 12).unwrap_err());
    assert_eq!(e.code(), "duplicate_period");
}

/// The history in period order, as a frame of all of it (what the package's
/// `SnapshotHistory` holds between calls).
fn held(h: &[BudgetSnapshot]) -> (Vec<BudgetSnapshot>, Frame, Vec<Money>) {
    let mut sorted = h.to_vec();
    sorted.sort_by_key(BudgetSnapshot::period);
    let refs: Vec<&BudgetSnapshot> = sorted.iter().collect();
    let (frame, money) = Frame::of_snapshots(&refs, true);
    (sorted, frame, money)
}

#[test]
fn trends_of_the_window_rows_of_a_whole_frame_are_the_trends() {
    let (h, frame, money) = held(&history());
    for months in [1, 2, 11, 12, 13, 39, 40, 120] {
        let at = trends_reads(&entries(&h), months).unwrap();
        let rows = at[0]..at[at.len() - 1] + 1;
        assert_eq!(rows.len(), at.len(), "one run");
        let t = frame_trends(&frame, rows.clone(), months);
        let expected = compute_trends(&h, months).unwrap();
        assert_eq!(t.window, expected.window);
        let series = [
            &expected.income_trend,
            &expected.expense_trend,
            &expected.surplus_trend,
        ];
        for (k, s) in series.into_iter().enumerate() {
            let amounts: Vec<Money> = frame.rows()[rows.clone()]
                .iter()
                .map(|r| money[r.totals[k] as usize])
                .collect();
            assert_eq!(&t.totals[k].series(&t.periods, amounts), s, "{months} {k}");
        }
        let (p, r, stats) = t.savings_rate.clone();
        assert_eq!(stats.series(&p, r), expected.savings_rate_trend);
        // Only the categories seen in the window, with their points (0 where absent).
        let names: Vec<&str> = t
            .categories
            .iter()
            .map(|(c, _)| frame.categories()[*c].as_str())
            .collect();
        let expected_names: Vec<&str> = expected
            .category_changes
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(names, expected_names, "{months}");
        for (c, stats) in &t.categories {
            let amounts: Vec<Money> = frame.cells(*c)[rows.clone()]
                .iter()
                .map(|&id| {
                    if id == ABSENT {
                        Money::ZERO
                    } else {
                        money[id as usize]
                    }
                })
                .collect();
            let name = &frame.categories()[*c];
            assert_eq!(
                &stats.series(&t.periods, amounts),
                &expected.category_changes[name]
            );
        }
    }
}

#[test]
fn anomalies_of_rows_of_a_whole_frame_are_the_anomalies() {
    let (h, frame, money) = held(&history());
    let mut seen = 0;
    for (i, current) in h.iter().enumerate() {
        for baseline in [Baseline::Recent, Baseline::Seasonal] {
            for method in [AnomalyMethod::Zscore, AnomalyMethod::Robust] {
                let o = AnomalyOptions {
                    lookback: 12,
                    baseline,
                    method,
                    threshold: 0.5,
                };
                let at = anomalies_reads(current.period(), &entries(&h), &o).unwrap();
                let got = frame_anomalies(&frame, &at, i, &o, |id| money[id as usize]);
                let expected = detect_anomalies(current, &h, &o).unwrap();
                seen += got.len();
                assert_eq!(
                    got,
                    expected.anomalies,
                    "{} {baseline:?} {method:?}",
                    current.period()
                );
            }
        }
    }
    assert!(seen > 20, "anomalies to compare ({seen})");
}

#[test]
fn the_examined_month_in_another_currency_is_the_same_error() {
    let h = history();
    let mut current = h[0].clone();
    current.currency = "USD".into();
    let o = AnomalyOptions::default();
    let at = anomalies_reads(current.period(), &entries(&h), &o).unwrap();
    assert_eq!(
        check_current_currency((current.period(), "USD"), &entries(&h), &at).unwrap_err(),
        detect_anomalies(&current, &h, &o).unwrap_err()
    );
    assert!(check_current_currency((current.period(), "EUR"), &entries(&h), &at).is_ok());
}
