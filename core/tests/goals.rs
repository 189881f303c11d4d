//! Hand-computed checks of goal math, the status machine, contributions and recommendations.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use lifepath_core::goals::*;
use lifepath_core::models::*;
use lifepath_core::*;

#[test]
fn plain_trajectory_with_month_end_clamping() {
    let mut g = goal("1000", "900");
    let t = trajectory(&g, &[], Some(money("100")), None, date("2026-01-31")).unwrap();
    assert_eq!(t.months_remaining, Some(1));
    assert_eq!(t.projected_completion_date, Some(date("2026-02-28")));
    let t = trajectory(&g, &[], Some(money("100")), None, date("2028-01-31")).unwrap();
    assert_eq!(t.projected_completion_date, Some(date("2028-02-29")));

    g.current_amount = money("100");
    g.target_date = Some(date("2026-12-31"));
    let t = trajectory(&g, &[], Some(money("100")), None, date("2026-01-31")).unwrap();
    assert_eq!(t.months_remaining, Some(9));
    assert_eq!(t.projected_completion_date, Some(date("2026-10-31")));
    assert!(t.on_track);
    // Jan 31 + 11 months = Dec 31 ≤ Dec 31: k = 11; 900 / 11 = 81.8181… → 81.82.
    assert_eq!(t.required_monthly_contribution, Some(money("81.82")));
    assert_eq!(t.shortfall, Some(Money::ZERO));
    assert_eq!(t.remaining_amount, money("900"));
    assert_eq!(t.reason, None);

    let t = trajectory(&g, &[], Some(money("50")), None, date("2026-01-31")).unwrap();
    assert_eq!(t.months_remaining, Some(18));
    assert!(!t.on_track);
    assert_eq!(t.shortfall, Some(money("31.82")));
    let json = serde_json::to_value(&t).unwrap();
    assert_eq!(json["shortfall"], "31.82");
    assert_eq!(json["projected_completion_date"], "2027-07-31");
}

#[test]
fn reached_goal_is_done_today() {
    let mut g = goal("1000", "1200");
    g.target_date = Some(date("2027-01-01"));
    let t = trajectory(&g, &[], None, None, date("2026-11-21")).unwrap();
    assert_eq!(t.months_remaining, Some(0));
    assert_eq!(t.projected_completion_date, Some(date("2026-11-21")));
    assert!(t.on_track);
    assert_eq!(t.remaining_amount, Money::ZERO);
    assert_eq!(t.required_monthly_contribution, Some(Money::ZERO));
}

#[test]
fn no_target_date_and_no_contribution() {
    let g = goal("1000", "0");
    let t = trajectory(&g, &[], Some(money("100")), None, date("2026-11-21")).unwrap();
    assert!(t.on_track, "no target date: on track when reachable at all");
    assert_eq!((t.required_monthly_contribution, t.shortfall), (None, None));
    let t = trajectory(&g, &[], None, None, date("2026-11-21")).unwrap();
    assert_eq!(t.monthly_contribution, Money::ZERO);
    assert_eq!(t.months_remaining, None);
    assert!(!t.on_track);
    assert_eq!(t.reason, Some(UnreachableReason::NoContribution));
    assert_eq!(
        serde_json::to_value(&t).unwrap()["reason"],
        "no_contribution"
    );
}

#[test]
fn contribution_defaults_to_six_month_average() {
    let g = goal("1000", "0");
    let mut other = goal("1000", "0");
    other.id = GoalId(uuid::Uuid::from_u128(7));
    let cs = vec![
        contribution(&g, 1, "2026-06-01", "100"), // June..November is the window
        contribution(&g, 2, "2026-11-30", "500"), // later than as_of but in its month
        contribution(&g, 3, "2026-05-31", "999"), // before the window
        contribution(&other, 4, "2026-10-01", "999"), // another goal
    ];
    let t = trajectory(&g, &cs, None, None, date("2026-11-21")).unwrap();
    assert_eq!(t.monthly_contribution, money("100"));
    assert_eq!(t.months_remaining, Some(10));
}

#[test]
fn compounding_goal() {
    let mut g = goal("10000", "0");
    g.annual_return_rate = Some("12".parse().unwrap());
    // i = 1 %: n = ln(2)/ln(1.01) = 69.66 → 70 (FV(69) = 9 869.72, FV(70) = 10 068.41).
    let t = trajectory(&g, &[], Some(money("100")), None, date("2026-11-21")).unwrap();
    assert_eq!(t.months_remaining, Some(70));
    g.target_date = Some(date("2028-11-21")); // k = 24
    let t = trajectory(&g, &[], Some(money("100")), None, date("2026-11-21")).unwrap();
    // c = 10000 · 0.01 / (1.01^24 − 1) = 370.7347…
    assert_eq!(t.required_monthly_contribution, Some(money("370.73")));
    assert_eq!(t.shortfall, Some(money("270.73")));
    // Growth alone reaches the target when there is a balance.
    let mut g = goal("2000", "1000");
    g.annual_return_rate = Some("12".parse().unwrap());
    let t = trajectory(&g, &[], Some(Money::ZERO), None, date("2026-11-21")).unwrap();
    assert_eq!(t.months_remaining, Some(70)); // 1.01^70 = 2.0068
}

fn debt_goal(apr: &str) -> (Goal, BudgetModel) {
    let mut g = goal("1000", "0");
    g.goal_type = GoalType::DebtPayoff;
    g.category = GoalCategory::Debt;
    g.linked_debt_id = Some("card".into());
    let budget = BudgetModel {
        debts: vec![Debt {
            id: Some("card".into()),
            name: "Card".into(),
            balance: money("1000"),
            interest_rate: apr.parse().unwrap(),
            min_payment: money("25"),
            priority: Priority::High,
        }],
        ..Default::default()
    };
    (g, budget)
}

#[test]
fn debt_payoff_and_the_debt_that_never_clears() {
    let (mut g, budget) = debt_goal("12");
    // n = −ln(1 − 0.01·1000/100)/ln(1.01) = 10.59 → 11.
    let t = trajectory(
        &g,
        &[],
        Some(money("100")),
        Some(&budget),
        date("2026-11-21"),
    )
    .unwrap();
    assert_eq!(t.months_remaining, Some(11));
    let t = trajectory(
        &g,
        &[],
        Some(money("10")),
        Some(&budget),
        date("2026-11-21"),
    )
    .unwrap();
    assert_eq!(t.months_remaining, None);
    assert_eq!(t.projected_completion_date, None);
    assert!(!t.on_track);
    assert_eq!(
        t.reason,
        Some(UnreachableReason::PaymentDoesNotCoverInterest)
    );
    assert_eq!(
        serde_json::to_value(&t).unwrap()["reason"],
        "payment_does_not_cover_interest"
    );
    g.target_date = Some(date("2027-11-21")); // k = 12: 1000·0.01/(1 − 1.01^−12) = 88.8488
    let t = trajectory(
        &g,
        &[],
        Some(money("10")),
        Some(&budget),
        date("2026-11-21"),
    )
    .unwrap();
    assert_eq!(t.required_monthly_contribution, Some(money("88.85")));
    assert_eq!(t.shortfall, Some(money("78.85")));
    // A linked id the budget lacks is an error that names the field.
    g.linked_debt_id = Some("nope".into());
    let e = trajectory(&g, &[], None, Some(&budget), date("2026-11-21")).unwrap_err();
    assert_eq!(e.field(), Some("linked_debt_id"));
}

#[test]
fn replan_gives_both_ways_back() {
    let mut g = goal("1000", "100");
    g.target_date = Some(date("2026-12-31"));
    let r = replan(&g, &[], Some(money("50")), None, date("2026-01-31")).unwrap();
    assert!(!r.on_track);
    assert_eq!(r.required_monthly_contribution, Some(money("81.82")));
    assert_eq!(r.additional_monthly_contribution, Some(money("31.82")));
    assert_eq!(r.feasible_target_date, Some(date("2027-07-31")));
}

#[test]
fn progress_and_days_remaining() {
    let mut g = goal("800", "1000");
    g.target_date = Some(date("2026-11-01"));
    let p = goal_progress(&g, date("2026-11-21"));
    assert!(close(p.progress_percentage, 125.0));
    assert_eq!(p.days_remaining, Some(-20));
    assert_eq!(p.remaining_amount, Money::ZERO);
    assert_eq!(
        goal_progress(&goal("1000", "1"), date("2026-11-21")).days_remaining,
        None
    );
}

fn monthly(g: &Goal, amounts: &[&str]) -> Vec<GoalContribution> {
    // Oldest first, ending in 2026-11.
    let n = amounts.len() as i64;
    amounts
        .iter()
        .enumerate()
        .filter(|(_, a)| **a != "0")
        .map(|(i, a)| {
            let p = Period::new(2026, 11)
                .unwrap()
                .add_months(i as i64 - (n - 1));
            contribution(g, i as u128, &format!("{p}-15"), a)
        })
        .collect()
}

#[test]
fn probability_with_zero_spread_is_all_or_nothing() {
    let mut g = goal("1000", "0");
    g.target_date = Some(date("2027-11-21")); // k = 12
    let cs = monthly(&g, &["100"; 12]);
    let p = probability_on_time(&g, &cs, date("2026-11-21"));
    assert_eq!(p.months_to_target, Some(12));
    assert_eq!(p.mean_contribution, Some(100.0));
    assert_eq!(p.stddev_contribution, Some(0.0));
    assert_eq!(p.probability, Some(1.0));
    g.target_amount = money("1500");
    assert_eq!(
        probability_on_time(&g, &cs, date("2026-11-21")).probability,
        Some(0.0)
    );
}

#[test]
fn probability_from_the_normal_distribution() {
    let mut g = goal("1000", "0");
    g.target_date = Some(date("2027-09-21")); // k = 10
    let pattern: Vec<&str> = (0..12)
        .map(|i| if i % 2 == 0 { "50" } else { "150" })
        .collect();
    let cs = monthly(&g, &pattern);
    let p = probability_on_time(&g, &cs, date("2026-11-21"));
    // μ = 100, k·μ = 1000 = remaining → z = 0 → 0.5
    assert!(close(p.probability.unwrap(), 0.5));
    assert!(close(
        p.stddev_contribution.unwrap(),
        50.0 * (12.0f64 / 11.0).sqrt()
    ));
    g.target_amount = money("800");
    // z = (1000 − 800) / (52.2233 · √10) = 1.2111 → Φ = 0.88707
    let z = 200.0 / (50.0 * (12.0f64 / 11.0).sqrt() * 10f64.sqrt());
    let p = probability_on_time(&g, &cs, date("2026-11-21"));
    assert!(
        (p.probability.unwrap() - 0.887_07).abs() < 1e-4,
        "{z} {:?}",
        p.probability
    );
    // Months with no contributions count as 0; before the start date they do not count.
    g.start_date = date("2026-10-05");
    let p = probability_on_time(&g, &cs, date("2026-11-21"));
    assert_eq!(p.probability, None, "only 2 months since the start");
    g.target_date = None;
    assert_eq!(
        probability_on_time(&g, &cs, date("2026-11-21")).probability,
        None
    );
}

#[test]
fn status_machine() {
    let g = goal("1000", "0");
    let paused = g.transition(GoalStatus::Paused, now()).unwrap();
    assert_eq!((paused.status, paused.version), (GoalStatus::Paused, 2));
    let done = paused.transition(GoalStatus::Completed, now()).unwrap();
    assert_eq!(done.completed_at, Some(now()));
    assert!(!done.is_active());
    for illegal in [GoalStatus::Paused, GoalStatus::Abandoned] {
        let e = done.transition(illegal, now()).unwrap_err();
        assert_eq!(e.code(), "illegal_transition");
    }
    let abandoned = g.transition(GoalStatus::Abandoned, now()).unwrap();
    assert!(abandoned.transition(GoalStatus::Completed, now()).is_err());
    assert!(abandoned.transition(GoalStatus::Paused, now()).is_err());
    let reopened = done.transition(GoalStatus::Active, now()).unwrap();
    assert_eq!(reopened.completed_at, None);
    assert!(reopened.is_active());
    assert_eq!(serde_json::to_value(&reopened).unwrap()["is_active"], true);
    // Through a patch: fields and status in one change, one version step.
    let patch: GoalPatch =
        serde_json::from_str(r#"{"status":"paused","name":"Lisbon in May"}"#).unwrap();
    let p = g.apply_patch(&patch, now()).unwrap();
    assert_eq!(
        (p.status, p.name.as_str(), p.version),
        (GoalStatus::Paused, "Lisbon in May", 2)
    );
    let patch: GoalPatch = serde_json::from_str(r#"{"status":"paused"}"#).unwrap();
    assert_eq!(
        done.apply_patch(&patch, now()).unwrap_err().code(),
        "illegal_transition"
    );
    let patch: GoalPatch = serde_json::from_str(r#"{"target_date":"2024-01-01"}"#).unwrap();
    let e = g.apply_patch(&patch, now()).unwrap_err();
    assert_eq!(e.field(), Some("target_date"));
}

#[test]
fn contributions_raise_current_amount_and_progress_upserts() {
    let g = goal("1000", "100.50");
    let c = contribution(&g, 1, "2026-11-01", "49.50");
    let after = apply_contribution(&g, &c, now()).unwrap();
    assert_eq!((after.current_amount, after.version), (money("150.00"), 2));
    let mut other = c.clone();
    other.goal_id = GoalId(uuid::Uuid::from_u128(9));
    assert_eq!(
        apply_contribution(&g, &other, now()).unwrap_err().field(),
        Some("goal_id")
    );

    let mut records = Vec::new();
    let input = |amount: &str| ProgressInput {
        period_year: 2026,
        period_month: 11,
        amount_at_period: money(amount),
        contribution_this_period: money("50"),
        snapshot_id: None,
    };
    let (a, how) = upsert_progress(
        &mut records,
        g.id,
        ProgressId(uuid::Uuid::from_u128(1)),
        input("150"),
        now(),
    )
    .unwrap();
    assert_eq!(how, Upsert::Created);
    let (b, how) = upsert_progress(
        &mut records,
        g.id,
        ProgressId(uuid::Uuid::from_u128(2)),
        input("175"),
        now(),
    )
    .unwrap();
    assert_eq!((how, b.id, records.len()), (Upsert::Replaced, a.id, 1));
    assert_eq!(records[0].amount_at_period, money("175"));
    let mut bad = input("1");
    bad.period_month = 13;
    let e = upsert_progress(
        &mut records,
        g.id,
        ProgressId(uuid::Uuid::from_u128(3)),
        bad,
        now(),
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("period_month"));
}

fn rec_input() -> (goals::RecommendInput, Goal) {
    let mut g = goal("3000", "0");
    g.target_date = Some(date("2027-11-21")); // k = 12 → required 250
    let mut snapshot = snap(
        "2026-10",
        "4000",
        &[
            ("housing", "1500"),
            ("dining", "400"),
            ("entertainment", "100"),
        ],
    );
    snapshot.budget_model.debts.push(Debt {
        id: Some("card".into()),
        name: "Card".into(),
        balance: money("3000"),
        interest_rate: "22.99".parse().unwrap(),
        min_payment: money("90"),
        priority: Priority::High,
    });
    let summary = summarize(&snapshot.budget_model);
    snapshot.surplus = summary.surplus; // 4000 − 2090 = 1910
    snapshot.category_totals = summary.category_totals;
    let cs = monthly(&g, &["50"; 6]); // c = 50 → shortfall 200
    (
        goals::RecommendInput {
            goals: vec![g.clone()],
            contributions: cs,
            snapshot: Some(snapshot),
            recommendations: vec![],
            feedback: vec![],
        },
        g,
    )
}

#[test]
fn recommendations_rank_by_impact_and_feedback() {
    let (input, g) = rec_input();
    let recs = recommend(&input, date("2026-11-21")).unwrap();
    let view: Vec<(&str, &str, String, Difficulty)> = recs
        .iter()
        .map(|r| {
            (
                r.kind.as_str(),
                r.category.as_str(),
                r.potential_impact.to_string(),
                r.difficulty_level,
            )
        })
        .collect();
    // need = 250 − 50 = 200. Dining: min(200, 40 % of 400 = 160) = 160 (40 % → hard);
    // entertainment: 40; surplus: 1910 − 50 unallocated → 200; card: 3000 · 22.99 % / 12 = 57.48.
    assert_eq!(
        view,
        [
            (
                "redirect_surplus",
                "surplus",
                "200.00".to_string(),
                Difficulty::Easy
            ),
            (
                "reduce_expense",
                "dining",
                "160.00".to_string(),
                Difficulty::Hard
            ),
            (
                "pay_high_interest_debt",
                "debt",
                "57.48".to_string(),
                Difficulty::Medium
            ),
            (
                "reduce_expense",
                "entertainment",
                "40.00".to_string(),
                Difficulty::Hard
            ),
        ]
    );
    assert!(
        recs.iter()
            .all(|r| r.goal_id == g.id && r.title.chars().count() <= 100)
    );
    assert!(
        recs[1]
            .implementation_steps
            .iter()
            .any(|s| s.contains("dinners"))
    );
    // Stable ids: the same proposal keeps its id.
    assert_eq!(
        recommend(&input, date("2026-11-21")).unwrap()[0].id,
        recs[0].id
    );

    // Feedback: dining rated 5 → weight 5/3 → 266.67 beats 200; surplus rated 2 → dropped;
    // entertainment implemented → dropped.
    let mut input = input;
    let mut dining = recs[1].clone();
    dining.user_feedback = Some(5);
    let surplus = recs[0].clone();
    let mut fun = recs[3].clone();
    fun.is_implemented = true;
    input.feedback.push(RecommendationFeedback {
        id: FeedbackId(uuid::Uuid::from_u128(5)),
        recommendation_id: surplus.id,
        was_helpful: false,
        rating: 2,
        comments: None,
        created_at: now(),
    });
    input.recommendations = vec![dining, surplus, fun];
    let recs = recommend(&input, date("2026-11-21")).unwrap();
    let kinds: Vec<&str> = recs.iter().map(|r| r.category.as_str()).collect();
    assert_eq!(kinds, ["dining", "debt"]);

    // `was_helpful` moves the ranking too: rated 4 but "not helpful" counts as 2 → dropped.
    let debt = recs[1].clone();
    input.feedback.push(RecommendationFeedback {
        id: FeedbackId(uuid::Uuid::from_u128(6)),
        recommendation_id: debt.id,
        was_helpful: false,
        rating: 4,
        comments: Some("we have no card debt".into()),
        created_at: now(),
    });
    input.recommendations.push(debt.clone());
    let recs = recommend(&input, date("2026-11-21")).unwrap();
    let kinds: Vec<&str> = recs.iter().map(|r| r.category.as_str()).collect();
    assert_eq!(kinds, ["dining"]);
    // The same rating said helpful keeps it, weighted 4/3.
    input.feedback.last_mut().unwrap().was_helpful = true;
    let recs = recommend(&input, date("2026-11-21")).unwrap();
    assert!(recs.iter().any(|r| r.id == debt.id));
}

#[test]
fn recommendations_move_the_date_when_nothing_closes_the_gap() {
    let (mut input, _) = rec_input();
    input.goals[0].target_amount = money("30000"); // required 2500, shortfall 2450
    let recs = recommend(&input, date("2026-11-21")).unwrap();
    let last = recs.last().unwrap();
    assert_eq!(last.kind, RecommendationKind::ExtendTargetDate);
    assert_eq!(last.potential_impact, Money::ZERO);
    // need 2450; everything together frees 1860 (surplus) + 160 + 40 + 57.48 < 2450.
    assert!(
        last.title.starts_with("Move the target date to"),
        "{}",
        last.title
    );
    // On-track goals get nothing.
    input.goals[0].target_amount = money("100");
    assert!(recommend(&input, date("2026-11-21")).unwrap().is_empty());
}

#[test]
fn reached_goal_is_on_track_after_its_target_date() {
    // Issue 12: the money is there, so the goal is on track even when the date has passed.
    let mut g = goal("1000", "1000");
    g.target_date = Some(date("2026-01-31"));
    let t = trajectory(&g, &[], Some(money("0")), None, date("2026-11-21")).unwrap();
    assert!(t.on_track);
    assert_eq!(t.months_remaining, Some(0));
    assert_eq!(t.projected_completion_date, Some(date("2026-11-21")));
    assert_eq!(t.reason, None);
    assert_eq!(t.shortfall, Some(Money::ZERO));
    // Not reached and overdue stays off track.
    g.current_amount = money("999.99");
    let t = trajectory(&g, &[], Some(money("10")), None, date("2026-11-21")).unwrap();
    assert!(!t.on_track);
}
