//! Goal progress from every snapshot (issue 13 §1): the rule worked by hand.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use lifepath_core::goals::*;
use lifepath_core::models::*;
use lifepath_core::*;

fn put(changes: &[SnapshotProgress]) -> &GoalProgress {
    match changes {
        [SnapshotProgress::Put(p)] => p,
        other => panic!("expected one Put, got {other:?}"),
    }
}

#[test]
fn contributions_across_month_ends() {
    // 1000 now, of which 150 + 200 + 50 were contributions: the opening amount is 600.
    let g = goal("5000", "1000");
    let cs = [
        contribution(&g, 1, "2026-01-31", "150"),
        contribution(&g, 2, "2026-02-01", "200"),
        contribution(&g, 3, "2026-02-28", "50"),
    ];
    let jan = snap("2026-01", "4000", &[("housing", "1200")]);
    let p = put(&update_goal_from_snapshot(
        std::slice::from_ref(&g),
        &cs,
        &[],
        &jan,
        now(),
    ))
    .clone();
    // End of January: 600 + 150 (the 31st counts).
    assert_eq!(p.amount_at_period, money("750.00"));
    assert_eq!(p.contribution_this_period, money("150.00"));
    assert_eq!(p.snapshot_id, Some(jan.id));
    assert_eq!(p.source, ProgressSource::Snapshot);
    assert_eq!((p.period_year, p.period_month), (2026, 1));
    let feb = snap("2026-02", "4000", &[("housing", "1200")]);
    let p2 = put(&update_goal_from_snapshot(
        std::slice::from_ref(&g),
        &cs,
        &[],
        &feb,
        now(),
    ))
    .clone();
    assert_eq!(p2.amount_at_period, money("1000.00"));
    assert_eq!(p2.contribution_this_period, money("250.00"));
    // One fixed id per (goal, month), different months differ.
    assert_eq!(p.id, derived_progress_id(&g, "2026-01".parse().unwrap()));
    assert_ne!(p.id, p2.id);
    // A month before the goal started takes no entry.
    let old = snap("2024-12", "4000", &[("housing", "1200")]);
    assert!(update_goal_from_snapshot(std::slice::from_ref(&g), &cs, &[], &old, now()).is_empty());
    // Nor does a paused goal.
    let mut paused = g.clone();
    paused.status = GoalStatus::Paused;
    assert!(update_goal_from_snapshot(&[paused], &cs, &[], &jan, now()).is_empty());
}

fn with_debt(period: &str, balance: &str) -> BudgetSnapshot {
    let mut s = snap(period, "4000", &[("housing", "1200")]);
    s.budget_model.debts = vec![Debt {
        id: Some("visa".into()),
        name: "Visa".into(),
        balance: money(balance),
        interest_rate: rust_decimal::Decimal::new(2299, 2),
        min_payment: money("90"),
        priority: Priority::High,
    }];
    s
}

#[test]
fn a_debt_balance_read_from_each_snapshot_and_rising_again() {
    let mut g = goal("3000", "0");
    g.goal_type = GoalType::DebtPayoff;
    g.linked_debt_id = Some("visa".into());
    let mut entries: Vec<GoalProgress> = Vec::new();
    let mut step = |period: &str, balance: &str| {
        let p = put(&update_goal_from_snapshot(
            std::slice::from_ref(&g),
            &[],
            &entries,
            &with_debt(period, balance),
            now(),
        ))
        .clone();
        entries.push(p.clone());
        (p.amount_at_period, p.contribution_this_period)
    };
    // The first entry: paid off 400, change 0.
    assert_eq!(step("2026-01", "2600"), (money("400.00"), money("0.00")));
    assert_eq!(step("2026-02", "2100"), (money("900.00"), money("500.00")));
    // The balance rose again: less is paid off, the change is negative.
    assert_eq!(step("2026-03", "2500"), (money("500.00"), money("-400.00")));
    // Above the starting balance: nothing paid off, never negative.
    assert_eq!(step("2026-04", "3200").0, money("0.00"));
    // A snapshot without the debt gives no entry.
    assert!(
        update_goal_from_snapshot(
            std::slice::from_ref(&g),
            &[],
            &[],
            &snap("2026-05", "4000", &[]),
            now()
        )
        .is_empty()
    );
}

#[test]
fn a_manual_entry_is_kept_and_a_replaced_or_deleted_snapshot_follows() {
    let g = goal("5000", "1000");
    let jan = snap("2026-01", "4000", &[("housing", "1200")]);
    // A person's entry for January.
    let mut records = Vec::new();
    let (manual, _) = upsert_progress(
        &mut records,
        g.id,
        ProgressId(uuid::Uuid::from_u128(7)),
        ProgressInput {
            period_year: 2026,
            period_month: 1,
            amount_at_period: money("1234"),
            contribution_this_period: money("0"),
            snapshot_id: None,
        },
        now(),
    )
    .unwrap();
    assert_eq!(manual.source, ProgressSource::Manual);
    assert!(
        update_goal_from_snapshot(std::slice::from_ref(&g), &[], &[manual], &jan, now()).is_empty()
    );

    // A derived entry is replaced when the snapshot is saved again with a new contribution…
    let first = put(&update_goal_from_snapshot(
        std::slice::from_ref(&g),
        &[],
        &[],
        &jan,
        now(),
    ))
    .clone();
    assert!(
        update_goal_from_snapshot(
            std::slice::from_ref(&g),
            &[],
            std::slice::from_ref(&first),
            &jan,
            now()
        )
        .is_empty(),
        "nothing changed: nothing to write"
    );
    let mut g2 = g.clone();
    g2.current_amount = money("1100");
    let cs = [contribution(&g2, 1, "2026-01-10", "100")];
    let again = put(&update_goal_from_snapshot(
        std::slice::from_ref(&g2),
        &cs,
        std::slice::from_ref(&first),
        &jan,
        now(),
    ))
    .clone();
    assert_eq!(again.id, first.id);
    assert_eq!(again.created_at, first.created_at);
    assert_eq!(again.contribution_this_period, money("100.00"));
    // …removed when the goal no longer takes one (paused)…
    let mut paused = g.clone();
    paused.status = GoalStatus::Paused;
    assert_eq!(
        update_goal_from_snapshot(&[paused], &[], std::slice::from_ref(&first), &jan, now()),
        vec![SnapshotProgress::Remove(first.id)]
    );
    // …and removed with its snapshot; a manual entry linked to it stays.
    let mut linked_manual = first.clone();
    linked_manual.id = ProgressId(uuid::Uuid::from_u128(9));
    linked_manual.source = ProgressSource::Manual;
    assert_eq!(
        progress_after_snapshot_deleted(&[first.clone(), linked_manual], jan.id),
        vec![first.id]
    );
    // Old records without `source` read as manual.
    let mut json = serde_json::to_value(&first).unwrap();
    json.as_object_mut().unwrap().remove("source");
    let old: GoalProgress = serde_json::from_value(json).unwrap();
    assert_eq!(old.source, ProgressSource::Manual);
}
