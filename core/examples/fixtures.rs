//! Writes the shared fixtures `tests/fixtures/users/*.json`: realistic histories with the
//! expected output of every analytics call, computed by lifepath-core.
//!
//! `cargo run -p lifepath-core --example fixtures [-- <dir>]`
//!
//! The histories are generated deterministically (a fixed xorshift seed per user), so running
//! this again reproduces the same files unless a formula changed — `core/tests/fixtures.rs`
//! replays every case and fails on any difference.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use lifepath_core::analytics::*;
use lifepath_core::goals::*;
use lifepath_core::models::*;
use lifepath_core::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// A whole number of cents in `base ± spread %`.
    fn around(&mut self, base: i64, spread_pct: i64) -> Money {
        let spread = base * spread_pct / 100;
        let jitter = (self.next() % (2 * spread as u64 + 1)) as i64 - spread;
        Money::from_cents((base + jitter) * 100 + (self.next() % 100) as i64).max(Money::ZERO)
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap()
}

fn id(user: u128, kind: u128, n: u128) -> Uuid {
    Uuid::from_u128((user << 96) | (kind << 64) | n)
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn m(s: &str) -> Money {
    s.parse().unwrap()
}

struct Story {
    name: &'static str,
    description: &'static str,
    user: u128,
    currency: &'static str,
    as_of: NaiveDate,
    snapshots: Vec<BudgetSnapshot>,
    goals: Vec<Goal>,
    contributions: Vec<GoalContribution>,
    recommendations: Vec<Recommendation>,
    feedback: Vec<RecommendationFeedback>,
}

fn expense(n: usize, name: &str, category: &str, amount: Money, essential: bool) -> Expense {
    Expense {
        id: Some(format!("exp-{n}")),
        name: name.into(),
        category: category.into(),
        monthly_amount: amount,
        essential,
    }
}

fn snapshot(story_user: u128, currency: &str, p: Period, model: BudgetModel) -> BudgetSnapshot {
    BudgetSnapshot::create(
        SnapshotId(id(story_user, 1, p.index() as u128)),
        UserId(id(story_user, 0, 0)),
        currency,
        SnapshotInput {
            period_year: i64::from(p.year()),
            period_month: i64::from(p.month()),
            budget_model: model,
            source_session_id: None,
        },
        t0(),
    )
    .unwrap()
}

fn goal(user: u128, n: u128, input: GoalInput) -> Goal {
    Goal::create(GoalId(id(user, 2, n)), UserId(id(user, 0, 0)), input, t0()).unwrap()
}

fn input(
    name: &str,
    goal_type: GoalType,
    category: GoalCategory,
    target: &str,
    current: &str,
) -> GoalInput {
    GoalInput {
        name: name.into(),
        description: None,
        goal_type,
        category,
        priority: Priority::Medium,
        target_amount: m(target),
        current_amount: m(current),
        start_date: d("2025-01-01"),
        target_date: None,
        linked_debt_id: None,
        annual_return_rate: None,
        status: GoalStatus::Active,
    }
}

/// Ana: 40 months (2023-07 … 2026-10) with two gaps, December gifts and summer travel, a
/// one-off spike in shopping in the latest month, two debts and a goal of every type.
fn ana() -> Story {
    let user = 1;
    let mut rng = Rng(0x5EED_0001);
    let start = Period::new(2023, 7).unwrap();
    let mut snapshots = Vec::new();
    for k in 0..40 {
        let p = start.add_months(k);
        if ["2024-03", "2025-06"].contains(&p.to_string().as_str()) {
            continue; // months she did not record
        }
        let raise = if p >= Period::new(2025, 1).unwrap() {
            300
        } else {
            0
        };
        let mut expenses = vec![
            expense(0, "Rent", "housing", Money::from_units(1650), true),
            expense(1, "Groceries", "groceries", rng.around(520, 8), true),
            expense(2, "Eating out", "dining", rng.around(310, 15), false),
            expense(
                3,
                "Bus pass and fuel",
                "transport",
                rng.around(160, 10),
                true,
            ),
            expense(
                4,
                "Power and internet",
                "utilities",
                rng.around(190, 12),
                true,
            ),
            expense(
                5,
                "Streaming and apps",
                "subscriptions",
                Money::from_units(48),
                false,
            ),
            expense(
                6,
                "Clothes and things",
                "shopping",
                rng.around(180, 25),
                false,
            ),
            expense(
                7,
                "Cinema and concerts",
                "entertainment",
                rng.around(90, 30),
                false,
            ),
        ];
        if p.month() == 12 {
            expenses.push(expense(8, "Presents", "gifts", rng.around(450, 10), false));
        } else if p.month() == 11 {
            expenses.push(expense(8, "Presents", "gifts", rng.around(80, 10), false));
        }
        if [7, 8].contains(&p.month()) {
            expenses.push(expense(
                9,
                "Summer trip",
                "travel",
                rng.around(900, 15),
                false,
            ));
        }
        if p.to_string() == "2026-10" {
            expenses[6].monthly_amount = m("1460.00"); // a new laptop
        }
        let model = BudgetModel {
            incomes: vec![
                Income {
                    id: Some("salary".into()),
                    name: "Salary".into(),
                    income_type: IncomeType::Earned,
                    monthly_amount: Money::from_units(4200 + raise),
                    stability: Stability::Stable,
                },
                Income {
                    id: Some("tutoring".into()),
                    name: "Tutoring".into(),
                    income_type: IncomeType::Earned,
                    monthly_amount: rng.around(350, 40),
                    stability: Stability::Variable,
                },
            ],
            expenses,
            debts: vec![
                Debt {
                    id: Some("card".into()),
                    name: "Credit card".into(),
                    balance: Money::from_units(3200 - 40 * k.min(30)),
                    interest_rate: Decimal::new(2299, 2),
                    min_payment: Money::from_units(95),
                    priority: Priority::High,
                },
                Debt {
                    id: Some("car".into()),
                    name: "Car loan".into(),
                    balance: Money::from_units(9000 - 180 * k),
                    interest_rate: Decimal::new(650, 2),
                    min_payment: Money::from_units(230),
                    priority: Priority::Medium,
                },
            ],
            preferences: Some(Preferences {
                optimization_focus: Some(OptimizationFocus::Balanced),
            }),
        };
        snapshots.push(snapshot(user, "USD", p, model));
    }

    let mut goals = Vec::new();
    let mut g = input(
        "Lisbon in spring",
        GoalType::SavingsTarget,
        GoalCategory::Vacation,
        "3000",
        "1150",
    );
    g.priority = Priority::High;
    g.target_date = Some(d("2027-04-30"));
    g.description = Some("Ten days with the family".into());
    goals.push(goal(user, 1, g));
    let mut g = input(
        "Clear the credit card",
        GoalType::DebtPayoff,
        GoalCategory::Debt,
        "2000",
        "0",
    );
    g.linked_debt_id = Some("card".into());
    g.target_date = Some(d("2027-12-31"));
    g.priority = Priority::High;
    goals.push(goal(user, 2, g));
    let mut g = input(
        "Three months of expenses",
        GoalType::EmergencyFund,
        GoalCategory::Emergency,
        "10000",
        "4200",
    );
    g.target_date = Some(d("2027-06-30"));
    goals.push(goal(user, 3, g));
    let mut g = input(
        "Retire at 60",
        GoalType::Retirement,
        GoalCategory::Retirement,
        "250000",
        "38000",
    );
    g.annual_return_rate = Some(Decimal::new(6, 0));
    g.target_date = Some(d("2050-01-01"));
    g.start_date = d("2020-01-01");
    g.priority = Priority::Low;
    goals.push(goal(user, 4, g));
    let g = input(
        "New laptop",
        GoalType::Custom,
        GoalCategory::Electronics,
        "1800",
        "300",
    );
    goals.push(goal(user, 5, g));

    let mut contributions = Vec::new();
    let mut n = 0;
    for (gi, base) in [(0usize, 150i64), (1, 120), (2, 260), (3, 400), (4, 0)] {
        for k in 0..12 {
            let p = Period::new(2025, 12).unwrap().add_months(k);
            if base == 0 || (gi == 0 && k % 5 == 3) {
                continue; // the laptop has no contributions; the trip skips some months
            }
            n += 1;
            contributions.push(GoalContribution {
                id: ContributionId(id(user, 3, n)),
                goal_id: goals[gi].id,
                amount: rng.around(base, 30),
                date: p.first_day() + chrono::Days::new(rng.next() % 27),
                source: if k % 4 == 0 {
                    ContributionSource::Savings
                } else {
                    ContributionSource::Direct
                },
                notes: (k == 0).then(|| "First one!".to_owned()),
                created_at: t0(),
            });
        }
    }

    // One earlier proposal: a dining cut she rated 4 and a surplus idea she rated 1.
    let past = |n: u128, kind, category: &str, rating: Option<u8>, implemented| Recommendation {
        id: recommendation_id(&goals[0], kind, category),
        goal_id: goals[0].id,
        kind,
        title: "An earlier proposal".into(),
        description: "Kept for its feedback.".into(),
        category: category.into(),
        potential_impact: Money::from_units(50 + n as i64),
        difficulty_level: Difficulty::Easy,
        implementation_steps: vec![],
        is_implemented: implemented,
        user_feedback: rating,
        created_at: t0(),
    };
    let recommendations = vec![
        past(
            1,
            RecommendationKind::ReduceExpense,
            "dining",
            Some(4),
            false,
        ),
        past(
            2,
            RecommendationKind::RedirectSurplus,
            "surplus",
            None,
            false,
        ),
        past(
            3,
            RecommendationKind::ReduceExpense,
            "subscriptions",
            None,
            true,
        ),
    ];
    let feedback = vec![RecommendationFeedback {
        id: FeedbackId(id(user, 5, 1)),
        recommendation_id: recommendations[1].id,
        was_helpful: false,
        rating: 1,
        comments: Some("That money is for the car.".into()),
        created_at: t0(),
    }];
    Story {
        name: "ana",
        description: "40 months with two gaps, December gifts, summer travel, a shopping spike in the latest month, two debts, one goal of every type, contributions and past feedback.",
        user,
        currency: "USD",
        as_of: d("2026-11-21"),
        snapshots,
        goals,
        contributions,
        recommendations,
        feedback,
    }
}

/// Ben: 15 months in EUR with a variable freelance income, one month without income, a paused
/// and a completed goal.
fn ben() -> Story {
    let user = 2;
    let mut rng = Rng(0x5EED_0002);
    let start = Period::new(2025, 8).unwrap();
    let mut snapshots = Vec::new();
    for k in 0..15 {
        let p = start.add_months(k);
        let income = if p.to_string() == "2026-02" {
            Money::ZERO
        } else {
            rng.around(3100, 35)
        };
        let model = BudgetModel {
            incomes: vec![Income {
                id: Some("freelance".into()),
                name: "Freelance design".into(),
                income_type: IncomeType::Earned,
                monthly_amount: income,
                stability: Stability::Variable,
            }],
            expenses: vec![
                expense(0, "Room", "housing", Money::from_units(780), true),
                expense(1, "Food", "groceries", rng.around(340, 10), true),
                expense(2, "Bars", "dining", rng.around(160, 25), false),
                expense(3, "Climbing gym", "health", Money::from_units(55), false),
                expense(
                    4,
                    "Night course",
                    "education",
                    if k < 6 {
                        Money::from_units(120)
                    } else {
                        Money::ZERO
                    },
                    false,
                ),
            ],
            debts: vec![],
            preferences: None,
        };
        snapshots.push(snapshot(user, "EUR", p, model));
    }
    let mut goals = Vec::new();
    let mut g = input(
        "Bike",
        GoalType::SavingsTarget,
        GoalCategory::Vehicle,
        "1400",
        "1400",
    );
    g.start_date = d("2025-08-01");
    let bike = goal(user, 1, g)
        .transition(GoalStatus::Completed, t0())
        .unwrap();
    goals.push(bike);
    let mut g = input(
        "Laptop fund",
        GoalType::SavingsTarget,
        GoalCategory::Electronics,
        "2200",
        "650",
    );
    g.target_date = Some(d("2027-03-31"));
    g.start_date = d("2026-03-01");
    goals.push(goal(user, 2, g));
    let mut g = input(
        "Rainy day",
        GoalType::EmergencyFund,
        GoalCategory::Emergency,
        "5000",
        "900",
    );
    g.target_date = Some(d("2028-01-01"));
    goals.push(
        goal(user, 3, g)
            .transition(GoalStatus::Paused, t0())
            .unwrap(),
    );
    let mut contributions = Vec::new();
    for k in 0..9 {
        let p = Period::new(2026, 3).unwrap().add_months(k);
        contributions.push(GoalContribution {
            id: ContributionId(id(user, 3, k as u128)),
            goal_id: goals[1].id,
            amount: if k == 4 {
                Money::from_units(20)
            } else {
                rng.around(70, 50)
            },
            date: p.first_day() + chrono::Days::new(9),
            source: ContributionSource::Income,
            notes: None,
            created_at: t0(),
        });
    }
    Story {
        name: "ben",
        description: "15 months in EUR, variable income with one month at zero, a completed, a paused and an active goal.",
        user,
        currency: "EUR",
        as_of: d("2026-11-21"),
        snapshots,
        goals,
        contributions,
        recommendations: vec![],
        feedback: vec![],
    }
}

/// Cara: four small months that can be checked by hand (see `core/tests/fixtures.rs`).
fn cara() -> Story {
    let user = 3;
    let month = |p: &str, income: &str, dining: &str, extra: Option<(&str, &str)>| {
        let mut expenses = vec![
            expense(0, "Rent", "housing", m("1000"), true),
            expense(1, "Dining", "dining", m(dining), false),
        ];
        if let Some((c, a)) = extra {
            expenses.push(expense(2, c, c, m(a), false));
        }
        snapshot(
            user,
            "USD",
            p.parse().unwrap(),
            BudgetModel {
                incomes: vec![Income {
                    id: Some("pay".into()),
                    name: "Pay".into(),
                    income_type: IncomeType::Earned,
                    monthly_amount: m(income),
                    stability: Stability::Stable,
                }],
                expenses,
                debts: vec![],
                preferences: None,
            },
        )
    };
    let snapshots = vec![
        month("2026-06", "2000", "100", None),
        month("2026-07", "2000", "100", None),
        month("2026-08", "2000", "100", None),
        // September missing: a gap.
        month("2026-10", "2600", "160", Some(("travel", "300"))),
    ];
    let mut g = input(
        "Sofa",
        GoalType::SavingsTarget,
        GoalCategory::Housing,
        "1200",
        "300",
    );
    g.target_date = Some(d("2027-05-21"));
    g.start_date = d("2026-06-01");
    let goals = vec![goal(user, 1, g)];
    let contributions = (0..6)
        .map(|k| GoalContribution {
            id: ContributionId(id(user, 3, k)),
            goal_id: goals[0].id,
            amount: m("50"),
            date: Period::new(2026, 6)
                .unwrap()
                .add_months(k as i64)
                .first_day(),
            source: ContributionSource::Direct,
            notes: None,
            created_at: t0(),
        })
        .collect();
    Story {
        name: "cara",
        description: "Four small months with a gap in September, checked by hand.",
        user,
        currency: "USD",
        as_of: d("2026-11-21"),
        snapshots,
        goals,
        contributions,
        recommendations: vec![],
        feedback: vec![],
    }
}

fn case(name: String, f: &str, input: Value, expected: Value) -> Value {
    json!({"name": name, "fn": f, "input": input, "expected": expected})
}

fn cases(s: &Story) -> Vec<Value> {
    let mut out = Vec::new();
    let latest = s.snapshots.last().unwrap();
    let by_period = |p: Period| s.snapshots.iter().find(|x| x.period() == p).unwrap();
    out.push(case(
        "summary of the latest month".into(),
        "summarize",
        json!({"snapshot_id": latest.id}),
        serde_json::to_value(summarize(&latest.budget_model)).unwrap(),
    ));
    for months in [12u32, 36] {
        out.push(case(
            format!("trends over {months} months"),
            "compute_trends",
            json!({"months": months}),
            serde_json::to_value(compute_trends(&s.snapshots, months).unwrap()).unwrap(),
        ));
    }
    let last = latest.period();
    let mut anomaly_cases = vec![
        (last, AnomalyOptions::default()),
        (
            last,
            AnomalyOptions {
                method: AnomalyMethod::Robust,
                ..Default::default()
            },
        ),
        (
            last,
            AnomalyOptions {
                threshold: 1.5,
                lookback: 6,
                ..Default::default()
            },
        ),
    ];
    if let Some(dec) = s.snapshots.iter().rev().find(|x| x.period().month() == 12) {
        for baseline in [Baseline::Recent, Baseline::Seasonal] {
            anomaly_cases.push((
                dec.period(),
                AnomalyOptions {
                    baseline,
                    ..Default::default()
                },
            ));
        }
    }
    for (p, o) in anomaly_cases {
        let r = detect_anomalies(by_period(p), &s.snapshots, &o).unwrap();
        out.push(case(
            format!("anomalies in {p} ({:?}, {:?}, threshold {})", o.method, o.baseline, o.threshold),
            "detect_anomalies",
            json!({"period": p, "threshold": o.threshold, "lookback": o.lookback, "method": o.method, "baseline": o.baseline}),
            serde_json::to_value(r).unwrap(),
        ));
    }
    let n = s.snapshots.len();
    let (a, b) = (&s.snapshots[n - 2], &s.snapshots[n - 1]);
    out.push(case(
        format!("compare {} with {}", a.period(), b.period()),
        "compare_periods",
        json!({"a": a.period(), "b": b.period()}),
        serde_json::to_value(compare_periods(a, b).unwrap()).unwrap(),
    ));
    let fo = ForecastOptions::default();
    out.push(case(
        "forecast 6 months".into(),
        "forecast",
        json!({"horizon": fo.horizon, "months": fo.months}),
        serde_json::to_value(forecast(&s.snapshots, &fo).unwrap()).unwrap(),
    ));
    let budget = &latest.budget_model;
    for g in &s.goals {
        let gid = json!(g.id);
        out.push(case(
            format!("progress of {}", g.name),
            "goal_progress",
            json!({"goal_id": gid, "as_of": s.as_of}),
            serde_json::to_value(goal_progress(g, s.as_of)).unwrap(),
        ));
        for c in [None, Some(m("250.00"))] {
            out.push(case(
                format!(
                    "trajectory of {} at {}",
                    g.name,
                    c.map_or("its recent pace".to_string(), |c| c.to_string())
                ),
                "trajectory",
                json!({"goal_id": gid, "monthly_contribution": c, "as_of": s.as_of}),
                serde_json::to_value(
                    trajectory(g, &s.contributions, c, Some(budget), s.as_of).unwrap(),
                )
                .unwrap(),
            ));
        }
        out.push(case(
            format!("probability of {} on time", g.name),
            "probability_on_time",
            json!({"goal_id": gid, "as_of": s.as_of}),
            serde_json::to_value(probability_on_time(g, &s.contributions, s.as_of)).unwrap(),
        ));
        out.push(case(
            format!("replan of {}", g.name),
            "replan",
            json!({"goal_id": gid, "monthly_contribution": null, "as_of": s.as_of}),
            serde_json::to_value(replan(g, &s.contributions, None, Some(budget), s.as_of).unwrap())
                .unwrap(),
        ));
    }
    let input = RecommendInput {
        goals: s.goals.clone(),
        contributions: s.contributions.clone(),
        snapshot: Some(latest.clone()),
        recommendations: s.recommendations.clone(),
        feedback: s.feedback.clone(),
    };
    out.push(case(
        "recommendations".into(),
        "recommend",
        json!({"as_of": s.as_of}),
        serde_json::to_value(recommend(&input, s.as_of).unwrap()).unwrap(),
    ));
    out
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tests/fixtures/users".into());
    std::fs::create_dir_all(&dir).unwrap();
    for s in [ana(), ben(), cara()] {
        let doc = json!({
            "name": s.name,
            "description": s.description,
            "user_id": UserId(id(s.user, 0, 0)),
            "currency": s.currency,
            "as_of": s.as_of,
            "snapshots": s.snapshots,
            "goals": s.goals,
            "contributions": s.contributions,
            "recommendations": s.recommendations,
            "feedback": s.feedback,
            "cases": cases(&s),
        });
        let path = format!("{dir}/{}.json", s.name);
        std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
        println!(
            "wrote {path} ({} cases)",
            doc["cases"].as_array().unwrap().len()
        );
    }
}
