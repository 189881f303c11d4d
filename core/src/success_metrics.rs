//! The source design's four success metrics (issue 21), computed from usage events — the
//! audit trail reduced to who did what in which month — over a window of months.
//!
//! | metric | target | definition |
//! |---|---|---|
//! | `snapshot_creation_rate` | 50 % | budget sessions created in the window that were saved as a snapshot (by the window's end) ÷ sessions created in the window |
//! | `returning_users` | 40 % | users who saved a snapshot in month M−1 and again in M ÷ users who saved one in M−1, M being the window's last month; also the users with 2+ snapshot saves by the window's end |
//! | `goal_creation` | 30 % | active users (any write in the window) with at least one goal created by the window's end ÷ active users |
//! | `trend_engagement` | 20 % | active users who read trends, anomalies, a forecast or insights in the window ÷ active users |
//!
//! Only aggregates come out, and a figure over fewer than [`MIN_USERS`] users is `withheld`:
//! no value, numerator or denominator, so a small group cannot be singled out. Pure: the same
//! events give the same report.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::Period;
use crate::money::decimal_text;

/// Fewer users than this behind a figure: the figure is withheld.
pub const MIN_USERS: usize = 5;

/// What a usage event records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsageKind {
    /// A budget session was created (`subject`: its id).
    SessionCreated,
    /// A snapshot was saved (`subject`: the session it came from, if any).
    SnapshotSaved,
    /// A goal was created.
    GoalCreated,
    /// Trends, anomalies, a forecast or insights were read.
    AnalyticsRead,
    /// Any other write.
    Write,
}

impl UsageKind {
    fn is_write(self) -> bool {
        !matches!(self, UsageKind::AnalyticsRead)
    }
}

/// One usage event: an opaque user key, what happened, and in which month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageEvent {
    /// The user (any stable opaque key; it never leaves this function).
    pub user: String,
    /// What happened.
    pub kind: UsageKind,
    /// The session created, or the session a snapshot was saved from.
    #[serde(default)]
    pub subject: Option<String>,
    /// The month it happened in.
    pub period: Period,
}

/// One metric of the report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuccessMetric {
    /// `snapshot_creation_rate`, `returning_users`, `goal_creation`, `trend_engagement`.
    pub key: String,
    /// What it measures, in words.
    pub label: String,
    /// numerator ÷ denominator, at most 4 decimals (as text, trailing zeros dropped); null when withheld or when nothing was counted.
    #[serde(default, with = "decimal_text::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = r"^\d+(\.\d{1,4})?$"))]
    pub value: Option<Decimal>,
    /// Null when withheld.
    pub numerator: Option<u64>,
    /// Null when withheld.
    pub denominator: Option<u64>,
    /// The source design's target.
    #[serde(with = "decimal_text")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^\d+(\.\d+)?$"))]
    pub target: Decimal,
    /// Whether the value reaches the target; null when there is no value.
    pub met: Option<bool>,
    /// Fewer than [`MIN_USERS`] users behind it: not shown.
    pub withheld: bool,
}

/// The report of a window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuccessReport {
    /// First month of the window.
    pub from: Period,
    /// Last month of the window (M of the returning-users metric).
    pub to: Period,
    /// The four metrics, in the source design's order.
    pub metrics: Vec<SuccessMetric>,
    /// Users who saved 2 snapshots or more by the window's end; null when fewer than
    /// [`MIN_USERS`].
    pub users_with_two_or_more_snapshots: Option<u64>,
}

fn metric(
    key: &str,
    label: &str,
    target: Decimal,
    numerator: usize,
    denominator: usize,
    users: usize,
) -> SuccessMetric {
    let withheld = users < MIN_USERS;
    let value = (!withheld && denominator > 0).then(|| {
        (Decimal::from(numerator as u64) / Decimal::from(denominator as u64))
            .round_dp_with_strategy(4, RoundingStrategy::MidpointNearestEven)
    });
    SuccessMetric {
        key: key.to_owned(),
        label: label.to_owned(),
        value,
        numerator: (!withheld).then_some(numerator as u64),
        denominator: (!withheld).then_some(denominator as u64),
        target,
        met: value.map(|v| v >= target),
        withheld,
    }
}

/// The four success metrics of the months `from..=to` (swapped when given backwards).
pub fn success_metrics(events: &[UsageEvent], from: Period, to: Period) -> SuccessReport {
    let (from, to) = if from <= to { (from, to) } else { (to, from) };
    let inside = |p: Period| p >= from && p <= to;
    let by_end = |p: Period| p <= to;

    // Snapshot creation rate: sessions created in the window, saved by its end.
    let mut sessions: BTreeMap<&str, &str> = BTreeMap::new(); // session → user
    let mut saved_sessions: BTreeSet<&str> = BTreeSet::new();
    // Returning users.
    let last = to;
    let before = to.add_months(-1);
    let mut saved_in_last: BTreeSet<&str> = BTreeSet::new();
    let mut saved_before: BTreeSet<&str> = BTreeSet::new();
    let mut saves: BTreeMap<&str, u64> = BTreeMap::new();
    // Goal creation and trend engagement.
    let mut active: BTreeSet<&str> = BTreeSet::new();
    let mut with_goal: BTreeSet<&str> = BTreeSet::new();
    let mut readers: BTreeSet<&str> = BTreeSet::new();

    for e in events {
        let u = e.user.as_str();
        if inside(e.period) && e.kind.is_write() {
            active.insert(u);
        }
        match e.kind {
            UsageKind::SessionCreated if inside(e.period) => {
                if let Some(id) = &e.subject {
                    sessions.insert(id.as_str(), u);
                }
            }
            UsageKind::SnapshotSaved if by_end(e.period) => {
                if let Some(id) = &e.subject {
                    saved_sessions.insert(id.as_str());
                }
                *saves.entry(u).or_default() += 1;
                if e.period == last {
                    saved_in_last.insert(u);
                }
                if e.period == before {
                    saved_before.insert(u);
                }
            }
            UsageKind::GoalCreated if by_end(e.period) => {
                with_goal.insert(u);
            }
            UsageKind::AnalyticsRead if inside(e.period) => {
                readers.insert(u);
            }
            _ => {}
        }
    }

    let session_users: BTreeSet<&str> = sessions.values().copied().collect();
    let saved = sessions
        .keys()
        .filter(|id| saved_sessions.contains(*id))
        .count();
    let returning = saved_before.intersection(&saved_in_last).count();
    let goal_setters = active.intersection(&with_goal).count();
    let engaged = active.intersection(&readers).count();
    let two_or_more = saves.values().filter(|n| **n >= 2).count();

    SuccessReport {
        from,
        to,
        metrics: vec![
            metric(
                "snapshot_creation_rate",
                "budget sessions saved as a snapshot",
                Decimal::new(50, 2),
                saved,
                sessions.len(),
                session_users.len(),
            ),
            metric(
                "returning_users",
                "users who saved a snapshot last month and again this month",
                Decimal::new(40, 2),
                returning,
                saved_before.len(),
                saved_before.len(),
            ),
            metric(
                "goal_creation",
                "active users who set a goal",
                Decimal::new(30, 2),
                goal_setters,
                active.len(),
                active.len(),
            ),
            metric(
                "trend_engagement",
                "active users who read trends, anomalies, forecasts or insights",
                Decimal::new(20, 2),
                engaged,
                active.len(),
                active.len(),
            ),
        ],
        users_with_two_or_more_snapshots: (two_or_more >= MIN_USERS).then_some(two_or_more as u64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Period {
        s.parse().unwrap()
    }

    fn ev(user: &str, kind: UsageKind, subject: Option<&str>, period: &str) -> UsageEvent {
        UsageEvent {
            user: user.to_owned(),
            kind,
            subject: subject.map(str::to_owned),
            period: p(period),
        }
    }

    fn get<'a>(r: &'a SuccessReport, key: &str) -> &'a SuccessMetric {
        r.metrics.iter().find(|m| m.key == key).unwrap()
    }

    /// Eight users, worked by hand:
    /// - sessions in 2026-05: u1..u6 one each (s1..s6), u7 two (s7, s8) → 8 sessions by 7
    ///   users; saved: s1, s2, s3 (in May), s7 (in June, after the window's end → not counted
    ///   for a May–May window, counted for May–June) → 3/8 = 0.375 (May), 4/8 = 0.5 (May–June);
    /// - snapshot saves in April: u1..u6; in May: u1, u2, u3 (and u8, who saved none in April)
    ///   → returning (M = May) 3/6 = 0.5, met (≥ 0.40);
    /// - active in May (any write): u1..u8 = 8; with a goal by May's end: u1 (March), u4 (May)
    ///   → 2/8 = 0.25, not met; u5's goal is in June, after the window;
    /// - analytics read in May by u1, u2 and u9 (u9 is not active: not counted) → 2/8 = 0.25.
    fn story() -> Vec<UsageEvent> {
        use UsageKind::*;
        let mut v = Vec::new();
        for u in ["u1", "u2", "u3", "u4", "u5", "u6"] {
            v.push(ev(u, SnapshotSaved, None, "2026-04"));
        }
        for (i, u) in ["u1", "u2", "u3", "u4", "u5", "u6"].iter().enumerate() {
            v.push(ev(
                u,
                SessionCreated,
                Some(&format!("s{}", i + 1)),
                "2026-05",
            ));
        }
        v.push(ev("u7", SessionCreated, Some("s7"), "2026-05"));
        v.push(ev("u7", SessionCreated, Some("s8"), "2026-05"));
        for (u, s) in [("u1", "s1"), ("u2", "s2"), ("u3", "s3")] {
            v.push(ev(u, SnapshotSaved, Some(s), "2026-05"));
        }
        v.push(ev("u8", SnapshotSaved, None, "2026-05"));
        v.push(ev("u7", SnapshotSaved, Some("s7"), "2026-06"));
        v.push(ev("u1", GoalCreated, None, "2026-03"));
        v.push(ev("u4", GoalCreated, None, "2026-05"));
        v.push(ev("u5", GoalCreated, None, "2026-06"));
        for u in ["u1", "u2", "u9"] {
            v.push(ev(u, AnalyticsRead, None, "2026-05"));
        }
        v
    }

    #[test]
    fn the_four_metrics_worked_by_hand() {
        let r = success_metrics(&story(), p("2026-05"), p("2026-05"));
        let m = get(&r, "snapshot_creation_rate");
        assert_eq!((m.numerator, m.denominator), (Some(3), Some(8)));
        assert_eq!(m.value, Some(Decimal::new(3750, 4)));
        assert_eq!(m.met, Some(false));
        let m = get(&r, "returning_users");
        assert_eq!((m.numerator, m.denominator), (Some(3), Some(6)));
        assert_eq!(m.value, Some(Decimal::new(5000, 4)));
        assert_eq!(m.met, Some(true));
        let m = get(&r, "goal_creation");
        assert_eq!((m.numerator, m.denominator), (Some(2), Some(8)));
        assert_eq!(m.met, Some(false));
        let m = get(&r, "trend_engagement");
        assert_eq!((m.numerator, m.denominator), (Some(2), Some(8)));
        assert_eq!(m.value, Some(Decimal::new(2500, 4)));
        assert_eq!(m.met, Some(true));
        // Two saves or more by May's end: u1, u2, u3 (April + May) → 3 < 5: withheld.
        assert_eq!(r.users_with_two_or_more_snapshots, None);
    }

    #[test]
    fn the_window_moves_what_counts() {
        // May–June: s7 saved in June now counts; M = June: nobody saved in May and June both…
        let r = success_metrics(&story(), p("2026-06"), p("2026-05"));
        assert_eq!((r.from, r.to), (p("2026-05"), p("2026-06")));
        let m = get(&r, "snapshot_creation_rate");
        assert_eq!((m.numerator, m.denominator), (Some(4), Some(8)));
        assert_eq!(m.met, Some(true));
        // …and only u1, u2, u3, u8 saved in May: 4 users behind the figure → withheld.
        let m = get(&r, "returning_users");
        assert!(m.withheld);
        assert_eq!(
            (m.value, m.numerator, m.denominator, m.met),
            (None, None, None, None)
        );
        // u5's June goal counts in May–June: u1, u4, u5 of 8 active.
        let m = get(&r, "goal_creation");
        assert_eq!((m.numerator, m.denominator), (Some(3), Some(8)));
    }

    #[test]
    fn small_groups_are_withheld_and_nothing_is_not_zero() {
        let few = vec![
            ev("a", UsageKind::SessionCreated, Some("x"), "2026-01"),
            ev("a", UsageKind::SnapshotSaved, Some("x"), "2026-01"),
        ];
        let r = success_metrics(&few, p("2026-01"), p("2026-01"));
        assert!(r.metrics.iter().all(|m| m.withheld && m.value.is_none()));
        let r = success_metrics(&[], p("2026-01"), p("2026-01"));
        assert!(
            r.metrics
                .iter()
                .all(|m| m.value.is_none() && m.met.is_none())
        );
    }

    #[test]
    fn the_report_holds_no_user_key() {
        let r = success_metrics(&story(), p("2026-05"), p("2026-05"));
        let text = serde_json::to_string(&r).unwrap();
        for u in ["u1", "u2", "u7", "u9", "s1"] {
            assert!(!text.contains(&format!("\"{u}\"")), "{u} in {text}");
        }
    }
}
