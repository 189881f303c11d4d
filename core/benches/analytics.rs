#![allow(missing_docs, clippy::unwrap_used)]
//! The analytics budget of DESIGN §6: 360 months × 200 categories, native.
//!
//! `cargo bench -p lifepath-core --bench analytics` prints the figures the README quotes.
//! The history is generated deterministically: seasonal, trending and noisy categories.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use lifepath_core::analytics::*;
use lifepath_core::goals::*;

include!("data.rs");

fn goals_input(snapshots: &[BudgetSnapshot]) -> RecommendInput {
    let now = Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap();
    let goals: Vec<Goal> = (0..20)
        .map(|i| {
            Goal::create(
                GoalId(Uuid::from_u128(100 + i)),
                UserId(Uuid::from_u128(1)),
                GoalInput {
                    name: format!("Goal {i}"),
                    description: None,
                    goal_type: GoalType::SavingsTarget,
                    category: GoalCategory::Other,
                    priority: Priority::Medium,
                    target_amount: Money::from_units(50_000 + i as i64 * 1000),
                    current_amount: Money::from_units(1000),
                    start_date: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
                    target_date: NaiveDate::from_ymd_opt(2027, 12, 31),
                    linked_debt_id: None,
                    annual_return_rate: None,
                    status: GoalStatus::Active,
                },
                now,
            )
            .unwrap()
        })
        .collect();
    let contributions = goals
        .iter()
        .flat_map(|g| {
            (0..12).map(move |m| GoalContribution {
                id: ContributionId(Uuid::from_u128(g.id.as_uuid().as_u128() * 100 + m as u128)),
                goal_id: g.id,
                amount: Money::from_units(100),
                date: NaiveDate::from_ymd_opt(2026, m + 1, 5).unwrap(),
                source: ContributionSource::Direct,
                notes: None,
                created_at: now,
            })
        })
        .collect();
    RecommendInput {
        goals,
        contributions,
        snapshot: snapshots.last().cloned(),
        recommendations: vec![],
        feedback: vec![],
    }
}

fn bench(c: &mut Criterion) {
    let s = history();
    let latest = s.last().unwrap().clone();
    let full = AnomalyOptions {
        lookback: 360,
        ..Default::default()
    };
    let mut g = c.benchmark_group("analytics_360x200");
    g.bench_function("trends_and_anomalies", |b| {
        b.iter(|| {
            let t = compute_trends(black_box(&s), 360).unwrap();
            let a = detect_anomalies(black_box(&latest), black_box(&s), &full).unwrap();
            (t, a)
        })
    });
    g.bench_function("compute_trends_360", |b| {
        b.iter(|| compute_trends(black_box(&s), 360).unwrap())
    });
    g.bench_function("compute_trends_default_12", |b| {
        b.iter(|| compute_trends(black_box(&s), DEFAULT_MONTHS).unwrap())
    });
    g.bench_function("detect_anomalies_lookback_360", |b| {
        b.iter(|| detect_anomalies(black_box(&latest), black_box(&s), &full).unwrap())
    });
    g.bench_function("detect_anomalies_default", |b| {
        b.iter(|| {
            detect_anomalies(
                black_box(&latest),
                black_box(&s),
                &AnomalyOptions::default(),
            )
            .unwrap()
        })
    });
    g.bench_function("forecast_default", |b| {
        b.iter(|| forecast(black_box(&s), &ForecastOptions::default()).unwrap())
    });
    let input = goals_input(&s);
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    g.bench_function("recommend_20_goals", |b| {
        b.iter(|| recommend(black_box(&input), as_of).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
