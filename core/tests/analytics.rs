//! Hand-computed checks of every analytics formula of DESIGN §3.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use lifepath_core::analytics::*;
use lifepath_core::*;

#[test]
fn summary_adds_debt_payments_and_savings_rate() {
    let mut s = snap(
        "2026-10",
        "5000.00",
        &[("housing", "1500.00"), ("dining", "310.50")],
    );
    s.budget_model.debts.push(models::Debt {
        id: Some("card".into()),
        name: "Card".into(),
        balance: money("3000"),
        interest_rate: "22.99".parse().unwrap(),
        min_payment: money("90.00"),
        priority: models::Priority::High,
    });
    let sum = models::summarize(&s.budget_model);
    assert_eq!(sum.total_income, money("5000"));
    assert_eq!(sum.category_totals["debt_payments"], money("90"));
    assert_eq!(sum.total_expenses, money("1900.50"));
    assert_eq!(sum.surplus, money("3099.50"));
    assert!(close(sum.savings_rate.unwrap(), 0.6199));
    let zero = snap("2026-10", "0", &[("dining", "10")]);
    assert_eq!(zero.savings_rate, None);
}

#[test]
fn trend_respects_gaps_in_the_calendar() {
    // Jan, (Feb missing), Mar, Apr: x = 0, 2, 3 → slope 950/7, not 200.
    let s = vec![
        snap("2026-01", "1000", &[]),
        snap("2026-03", "1300", &[]),
        snap("2026-04", "1400", &[]),
    ];
    let t = compute_trends(&s, 12).unwrap();
    let inc = &t.income_trend;
    assert_eq!(t.window.months_with_data, 3);
    assert_eq!(t.window.from.unwrap().to_string(), "2025-05");
    assert_eq!(t.window.to.unwrap().to_string(), "2026-04");
    assert!(close(inc.slope, 950.0 / 7.0), "{}", inc.slope);
    assert!(close(inc.average, 3700.0 / 3.0));
    assert!(close(
        inc.volatility,
        (86_666.666_666_666_67f64 / 2.0).sqrt()
    ));
    assert!(close(inc.change_percent.unwrap(), 40.0));
    assert!(close(
        inc.relative_change,
        (950.0 / 7.0) * 3.0 / (3700.0 / 3.0)
    ));
    assert_eq!(inc.trend, TrendDirection::Increasing);
    let json = serde_json::to_value(inc).unwrap();
    assert_eq!(
        json["values"][1],
        serde_json::json!({"period": "2026-03", "amount": "1300.00"})
    );
}

#[test]
fn one_point_is_stable_with_zero_statistics() {
    let t = compute_trends(&[snap("2026-01", "1000", &[("dining", "5")])], 12).unwrap();
    let inc = &t.income_trend;
    assert_eq!(
        (inc.volatility, inc.slope, inc.relative_change),
        (0.0, 0.0, 0.0)
    );
    assert_eq!(inc.change_percent, None);
    assert_eq!(inc.trend, TrendDirection::Stable);
}

#[test]
fn first_zero_has_no_change_percent_and_missing_category_counts_as_zero() {
    let s = vec![
        snap("2026-01", "1000", &[("housing", "500")]),
        snap("2026-02", "1000", &[("housing", "500"), ("dining", "50")]),
    ];
    let t = compute_trends(&s, 12).unwrap();
    let dining = &t.category_changes["dining"];
    assert_eq!(dining.values.len(), 2);
    assert_eq!(dining.values[0].amount, Money::ZERO);
    assert_eq!(dining.change_percent, None);
    assert!(close(dining.slope, 50.0));
    assert_eq!(dining.trend, TrendDirection::Increasing);
}

#[test]
fn relative_change_of_exactly_five_percent_is_stable() {
    let s = vec![snap("2026-01", "975", &[]), snap("2026-02", "1025", &[])];
    let t = compute_trends(&s, 12).unwrap();
    assert_eq!(t.income_trend.relative_change, 0.05);
    assert_eq!(t.income_trend.trend, TrendDirection::Stable);
    let s = vec![snap("2026-01", "1025", &[]), snap("2026-02", "975", &[])];
    assert_eq!(
        compute_trends(&s, 12).unwrap().income_trend.trend,
        TrendDirection::Stable
    );
    let s = vec![snap("2026-01", "1025", &[]), snap("2026-02", "974", &[])];
    assert_eq!(
        compute_trends(&s, 12).unwrap().income_trend.trend,
        TrendDirection::Decreasing
    );
}

#[test]
fn window_cuts_older_months_and_savings_rate_skips_zero_income() {
    let s = vec![
        snap("2026-01", "1000", &[("dining", "100")]),
        snap("2026-04", "0", &[("dining", "100")]),
        snap("2026-05", "1000", &[("dining", "500")]),
        snap("2026-06", "1000", &[("dining", "250")]),
    ];
    let t = compute_trends(&s, 3).unwrap();
    assert_eq!(t.window.months_with_data, 3);
    assert_eq!(t.income_trend.values.len(), 3);
    assert_eq!(t.savings_rate_trend.values.len(), 2);
    assert!(close(t.savings_rate_trend.values[0].amount, 0.5));
    assert!(close(t.savings_rate_trend.values[1].amount, 0.75));
    assert!(compute_trends(&s, 0).is_err());
}

#[test]
fn mixed_currencies_and_duplicate_periods_are_errors() {
    let s = vec![
        snap("2026-01", "1", &[]),
        snap_in("2026-02", "EUR", "1", &[]),
    ];
    assert_eq!(compute_trends(&s, 12).unwrap_err().code(), "mixed_currency");
    let s = vec![snap("2026-01", "1", &[]), snap("2026-01", "2", &[])];
    assert_eq!(
        compute_trends(&s, 12).unwrap_err().code(),
        "duplicate_period"
    );
}

fn history(values: &[&str]) -> Vec<models::BudgetSnapshot> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            snap(
                &format!("2026-{:02}", i + 1),
                "3000",
                &[("dining", v), ("housing", "1000")],
            )
        })
        .collect()
}

#[test]
fn sigma_floor_and_warning_versus_alert() {
    // σ = 0: σ_eff = max(0, 5 % of 100, 1.00) = 5.
    let h = history(&["100", "100", "100"]);
    let opts = AnomalyOptions::default();
    let at = |v: &str| {
        detect_anomalies(
            &snap("2026-04", "3000", &[("dining", v), ("housing", "1000")]),
            &h,
            &opts,
        )
        .unwrap()
    };
    assert!(at("103").anomalies.is_empty()); // z = 0.6
    let w = at("112"); // z = 2.4
    assert_eq!(w.anomalies.len(), 1);
    assert!(close(w.anomalies[0].deviation, 2.4));
    assert_eq!(w.anomalies[0].severity, Severity::Warning);
    assert_eq!(w.anomalies[0].direction, Direction::Above);
    assert_eq!(w.anomalies[0].historical_average, 100.0);
    assert_eq!(w.anomalies[0].current_amount.to_string(), "112.00");
    assert_eq!(
        w.anomalies[0].explanation,
        "Dining is 12.00 above your 3-month average of 100.00 (112.00 in 2026-04)."
    );
    let a = at("116"); // z = 3.2 ≥ threshold + 1
    assert_eq!(a.anomalies[0].severity, Severity::Alert);
    let b = at("80"); // z = -4
    assert_eq!(b.anomalies[0].direction, Direction::Below);
    assert!(close(b.anomalies[0].deviation, -4.0));
    // The 1.00 floor: tiny category, σ = 0, 5 % of 10 = 0.5 → σ_eff = 1.
    let h = history(&["10", "10", "10"]);
    let r = detect_anomalies(
        &snap("2026-04", "3000", &[("dining", "13"), ("housing", "1000")]),
        &h,
        &opts,
    )
    .unwrap();
    assert!(close(r.anomalies[0].deviation, 3.0));
    assert_eq!(r.anomalies[0].severity, Severity::Alert);
}

#[test]
fn fewer_than_three_points_and_category_absent_now() {
    let opts = AnomalyOptions::default();
    let h = history(&["100", "100"]);
    let r = detect_anomalies(&snap("2026-03", "3000", &[("dining", "900")]), &h, &opts).unwrap();
    assert!(r.anomalies.is_empty());
    // Housing vanishes this month: 0 against a history of 1000 is an anomaly below.
    let h = history(&["100", "100", "100"]);
    let r = detect_anomalies(&snap("2026-04", "3000", &[("dining", "100")]), &h, &opts).unwrap();
    assert_eq!(r.anomalies.len(), 1);
    assert_eq!(r.anomalies[0].category, "housing");
    assert_eq!(r.anomalies[0].direction, Direction::Below);
    assert!(close(r.anomalies[0].deviation, -20.0));
}

#[test]
fn robust_method_sees_through_one_huge_purchase() {
    let h = history(&["100", "110", "90", "105", "95", "3000"]);
    let cur = snap("2026-07", "3000", &[("dining", "400"), ("housing", "1000")]);
    let z = detect_anomalies(&cur, &h, &AnomalyOptions::default()).unwrap();
    assert!(
        z.anomalies.is_empty(),
        "the 3000 spike inflates σ: {:?}",
        z.anomalies
    );
    let opts = AnomalyOptions {
        method: AnomalyMethod::Robust,
        ..Default::default()
    };
    let r = detect_anomalies(&cur, &h, &opts).unwrap();
    assert_eq!(r.anomalies.len(), 1);
    let a = &r.anomalies[0];
    // median 102.5, MAD 7.5, σ = 1.4826 × 7.5
    assert_eq!(a.historical_average, 102.5);
    assert!(close(a.deviation, (400.0 - 102.5) / (1.4826 * 7.5)));
    assert_eq!(a.severity, Severity::Alert);
    assert!(
        a.explanation.contains("typical (median) amount of 102.50"),
        "{}",
        a.explanation
    );
}

#[test]
fn seasonal_baseline_compares_december_with_past_decembers() {
    let mut s = Vec::new();
    for year in 2023..=2026 {
        for month in 1..=12 {
            if year == 2026 && month == 12 {
                continue;
            }
            let gifts = match (month, year) {
                (12, 2023) => "500",
                (12, 2024) => "520",
                (12, 2025) => "480",
                _ => "20",
            };
            s.push(snap(
                &format!("{year}-{month:02}"),
                "3000",
                &[("gifts", gifts)],
            ));
        }
    }
    let dec = snap("2026-12", "3000", &[("gifts", "510")]);
    let recent = detect_anomalies(&dec, &s, &AnomalyOptions::default()).unwrap();
    assert_eq!(
        recent.anomalies.len(),
        1,
        "against recent months December looks wild"
    );
    assert!(close(
        recent.anomalies[0].historical_average,
        (480.0 + 11.0 * 20.0) / 12.0
    ));
    let opts = AnomalyOptions {
        baseline: Baseline::Seasonal,
        ..Default::default()
    };
    let seasonal = detect_anomalies(&dec, &s, &opts).unwrap();
    assert!(seasonal.anomalies.is_empty(), "μ = 500, σ = 20: z = 0.5");
    let high = snap("2026-12", "3000", &[("gifts", "600")]);
    let r = detect_anomalies(&high, &s, &opts).unwrap();
    // σ = 20 but the floor is 5 % of 500 = 25: z = 100 / 25.
    assert!(close(r.anomalies[0].deviation, 4.0));
    assert!(
        r.anomalies[0].explanation.contains("December"),
        "{}",
        r.anomalies[0].explanation
    );
    // Only one earlier December → too few points.
    let r = detect_anomalies(&high, &s[24..], &opts).unwrap();
    assert!(r.anomalies.is_empty());
}

#[test]
fn anomalies_sorted_by_size_then_name_and_bad_threshold_rejected() {
    let h: Vec<_> = (1..=3)
        .map(|m| {
            snap(
                &format!("2026-{m:02}"),
                "3000",
                &[("a", "100"), ("b", "100"), ("c", "100")],
            )
        })
        .collect();
    let cur = snap(
        "2026-04",
        "3000",
        &[("a", "130"), ("b", "150"), ("c", "130")],
    );
    let r = detect_anomalies(&cur, &h, &AnomalyOptions::default()).unwrap();
    let order: Vec<_> = r.anomalies.iter().map(|a| a.category.as_str()).collect();
    assert_eq!(order, ["b", "a", "c"]);
    for t in [0.0, -1.0, f64::NAN] {
        let o = AnomalyOptions {
            threshold: t,
            ..Default::default()
        };
        assert_eq!(
            detect_anomalies(&cur, &h, &o).unwrap_err().field(),
            Some("threshold")
        );
    }
}

#[test]
fn compare_sorts_by_absolute_change() {
    let a = snap("2026-09", "3000", &[("dining", "100"), ("housing", "1000")]);
    let b = snap(
        "2026-10",
        "3100",
        &[("dining", "150"), ("housing", "1000"), ("travel", "200")],
    );
    let c = compare_periods(&a, &b).unwrap();
    assert_eq!(c.a.surplus, money("1900"));
    assert_eq!(c.b.total_expenses, money("1350"));
    let cats: Vec<_> = c.categories.iter().map(|x| x.category.as_str()).collect();
    assert_eq!(cats, ["travel", "dining", "housing"]);
    assert_eq!(c.categories[0].change_percent, None);
    assert!(close(c.categories[1].change_percent.unwrap(), 50.0));
    assert_eq!(c.categories[1].change, money("50"));
    assert_eq!(c.categories[2].change_percent, Some(0.0));
}

#[test]
fn forecast_extends_a_straight_line_with_no_band() {
    let s = vec![
        snap("2026-01", "1000", &[("dining", "100")]),
        snap("2026-02", "1100", &[("dining", "100")]),
        snap("2026-03", "1200", &[("dining", "100")]),
    ];
    let f = forecast(&s, &ForecastOptions::default()).unwrap();
    let inc = &f.series["total_income"];
    assert_eq!(inc.len(), 6);
    assert_eq!(inc[0].period.to_string(), "2026-04");
    assert_eq!(inc[0].amount, money("1300"));
    assert_eq!(inc[5].amount, money("1800"));
    assert_eq!((inc[0].low, inc[0].high), (money("1300"), money("1300")));
    assert_eq!(f.series["dining"][3].amount, money("100"));
}

#[test]
fn forecast_band_and_seasonal_offsets() {
    let mut s = Vec::new();
    for year in 2023..=2025 {
        for month in 1..=12u32 {
            let gifts = if month == 12 { "400" } else { "100" };
            // Noise that is not tied to the calendar month, so the band stays open.
            let noise =
                ["990", "1010", "1030", "970", "1000"][((year * 12 + month as i32) % 5) as usize];
            s.push(snap(
                &format!("{year}-{month:02}"),
                noise,
                &[("gifts", gifts)],
            ));
        }
    }
    let f = forecast(
        &s,
        &ForecastOptions {
            horizon: 12,
            months: 12,
        },
    )
    .unwrap();
    let gifts = &f.series["gifts"];
    assert_eq!(gifts[11].period.to_string(), "2026-12");
    assert!(
        gifts[11].amount > money("300"),
        "December keeps its spike: {:?}",
        gifts[11]
    );
    assert!(
        gifts[0].amount < money("150"),
        "January does not: {:?}",
        gifts[0]
    );
    let inc = &f.series["total_income"];
    assert!(inc[0].low < inc[0].amount && inc[0].amount < inc[0].high);
    assert!(
        forecast(
            &s,
            &ForecastOptions {
                horizon: 0,
                months: 12
            }
        )
        .is_err()
    );
}

#[test]
fn forecast_covers_the_categories_that_trends_report_for_the_window() {
    // Issue 12: `travel` appears only before the 3-month window; trends leave it out, and so
    // must the forecast.
    let s = vec![
        snap("2026-01", "1000", &[("dining", "100"), ("travel", "500")]),
        snap("2026-02", "1000", &[("dining", "110")]),
        snap("2026-03", "1000", &[("dining", "120")]),
        snap("2026-04", "1000", &[("dining", "130"), ("gifts", "20")]),
    ];
    let f = forecast(
        &s,
        &ForecastOptions {
            horizon: 2,
            months: 3,
        },
    )
    .unwrap();
    let t = compute_trends(&s, 3).unwrap();
    let mut trend_cats: Vec<&str> = t.category_changes.keys().map(String::as_str).collect();
    trend_cats.extend(["total_expenses", "total_income"]);
    trend_cats.sort_unstable();
    let forecast_cats: Vec<&str> = f.series.keys().map(String::as_str).collect();
    assert_eq!(forecast_cats, trend_cats);
    assert!(!f.series.contains_key("travel"));
    assert_eq!(f.series["dining"][0].amount, money("140"));
}
