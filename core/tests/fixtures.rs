//! Replays every case of the shared fixtures (`tests/fixtures/users/*.json`) through core and
//! compares with the stored expected output; the small "cara" story is also checked against
//! values computed by hand. The npm package and the server replay the same files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;

use common::close;
use lifepath_core::analytics::*;
use lifepath_core::goals::*;
use lifepath_core::models::*;
use lifepath_core::validate::{Validate, from_value};
use lifepath_core::*;
use serde_json::Value;

struct Story {
    snapshots: Vec<BudgetSnapshot>,
    goals: Vec<Goal>,
    contributions: Vec<GoalContribution>,
    recommendations: Vec<Recommendation>,
    feedback: Vec<RecommendationFeedback>,
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/users")
}

fn load(path: &PathBuf) -> (Value, Story) {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let story = Story {
        snapshots: from_value(doc["snapshots"].clone()).unwrap(),
        goals: from_value(doc["goals"].clone()).unwrap(),
        contributions: from_value(doc["contributions"].clone()).unwrap(),
        recommendations: from_value(doc["recommendations"].clone()).unwrap(),
        feedback: from_value(doc["feedback"].clone()).unwrap(),
    };
    (doc, story)
}

fn arg<T: serde::de::DeserializeOwned>(input: &Value, key: &str) -> T {
    from_value(input[key].clone()).unwrap_or_else(|e| panic!("input {key}: {e}"))
}

fn run(s: &Story, f: &str, input: &Value) -> Value {
    let latest = s.snapshots.iter().max_by_key(|x| x.period()).unwrap();
    let by_period = |key: &str| {
        let p: Period = arg(input, key);
        s.snapshots.iter().find(|x| x.period() == p).unwrap()
    };
    let goal = || {
        let id: GoalId = arg(input, "goal_id");
        s.goals.iter().find(|g| g.id == id).unwrap()
    };
    let as_of = || arg::<chrono::NaiveDate>(input, "as_of");
    let out = match f {
        "summarize" => {
            let id: SnapshotId = arg(input, "snapshot_id");
            let snap = s.snapshots.iter().find(|x| x.id == id).unwrap();
            serde_json::to_value(summarize(&snap.budget_model))
        }
        "compute_trends" => {
            serde_json::to_value(compute_trends(&s.snapshots, arg(input, "months")).unwrap())
        }
        "detect_anomalies" => {
            let o = AnomalyOptions {
                threshold: arg(input, "threshold"),
                lookback: arg(input, "lookback"),
                method: arg(input, "method"),
                baseline: arg(input, "baseline"),
            };
            serde_json::to_value(detect_anomalies(by_period("period"), &s.snapshots, &o).unwrap())
        }
        "compare_periods" => {
            serde_json::to_value(compare_periods(by_period("a"), by_period("b")).unwrap())
        }
        "forecast" => {
            let o = ForecastOptions {
                horizon: arg(input, "horizon"),
                months: arg(input, "months"),
            };
            serde_json::to_value(forecast(&s.snapshots, &o).unwrap())
        }
        "goal_progress" => serde_json::to_value(goal_progress(goal(), as_of())),
        "trajectory" => serde_json::to_value(
            trajectory(
                goal(),
                &s.contributions,
                arg(input, "monthly_contribution"),
                Some(&latest.budget_model),
                as_of(),
            )
            .unwrap(),
        ),
        "probability_on_time" => {
            serde_json::to_value(probability_on_time(goal(), &s.contributions, as_of()))
        }
        "replan" => serde_json::to_value(
            replan(
                goal(),
                &s.contributions,
                arg(input, "monthly_contribution"),
                Some(&latest.budget_model),
                as_of(),
            )
            .unwrap(),
        ),
        "recommend" => {
            let input = RecommendInput {
                goals: s.goals.clone(),
                contributions: s.contributions.clone(),
                snapshot: Some(latest.clone()),
                recommendations: s.recommendations.clone(),
                feedback: s.feedback.clone(),
            };
            serde_json::to_value(recommend(&input, as_of()).unwrap())
        }
        other => panic!("unknown fn {other}"),
    };
    out.unwrap()
}

/// Strings, integers, booleans and nulls exactly; floats to a relative 1e-9.
fn same(a: &Value, b: &Value, path: &str) -> Result<(), String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            if close(x, y) {
                Ok(())
            } else {
                Err(format!("{path}: {x} != {y}"))
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Err(format!("{path}: {} items != {}", x.len(), y.len()));
            }
            x.iter()
                .zip(y)
                .enumerate()
                .try_for_each(|(i, (p, q))| same(p, q, &format!("{path}[{i}]")))
        }
        (Value::Object(x), Value::Object(y)) => {
            let (kx, ky): (Vec<_>, Vec<_>) = (x.keys().collect(), y.keys().collect());
            if kx != ky {
                return Err(format!("{path}: keys {kx:?} != {ky:?}"));
            }
            x.iter()
                .try_for_each(|(k, v)| same(v, &y[k], &format!("{path}.{k}")))
        }
        _ if a == b => Ok(()),
        _ => Err(format!("{path}: {a} != {b}")),
    }
}

#[test]
fn every_fixture_case_matches_core() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 3,
        "expected the shared fixtures in {:?}",
        dir()
    );
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in &files {
        let (doc, story) = load(path);
        for s in &story.snapshots {
            s.validate().unwrap();
            assert_eq!(
                summarize(&s.budget_model),
                s.summary(),
                "stored summary of {}",
                s.period()
            );
        }
        for g in &story.goals {
            g.validate().unwrap();
        }
        for c in doc["cases"].as_array().unwrap() {
            let got = run(&story, c["fn"].as_str().unwrap(), &c["input"]);
            let name = format!(
                "{}: {}",
                path.file_name().unwrap().to_string_lossy(),
                c["name"]
            );
            if let Err(e) = same(&got, &c["expected"], "") {
                failures.push(format!("{name}: {e}"));
            }
            checked += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 60, "only {checked} cases");
}

fn case<'a>(doc: &'a Value, f: &str, name_part: &str) -> &'a Value {
    let c = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["fn"] == f && c["name"].as_str().unwrap().contains(name_part))
        .unwrap_or_else(|| panic!("no {f} case named like {name_part}"));
    &c["expected"]
}

#[test]
fn cara_checked_by_hand() {
    let (doc, _) = load(&dir().join("cara.json"));
    // Income 2000, 2000, 2000, (gap), 2600 at x = 0, 1, 2, 4: slope = 1350 / 8.75 = 1080/7.
    let t = case(&doc, "compute_trends", "12 months");
    assert_eq!(
        t["window"],
        serde_json::json!({"from": "2025-11", "to": "2026-10", "months_with_data": 4})
    );
    let inc = &t["income_trend"];
    assert!(close(inc["slope"].as_f64().unwrap(), 1080.0 / 7.0));
    assert!(close(inc["average"].as_f64().unwrap(), 2150.0));
    assert!(close(inc["change_percent"].as_f64().unwrap(), 30.0));
    assert_eq!(
        inc["values"][3],
        serde_json::json!({"period": "2026-10", "amount": "2600.00"})
    );
    // Travel only appears in October: 0, 0, 0, 300.
    assert_eq!(
        t["category_changes"]["travel"]["change_percent"],
        Value::Null
    );
    // Anomalies in October: travel z = 300 / σ_eff(0, 0 → 1.00), dining z = 60 / 5.
    let a = &case(&doc, "detect_anomalies", "(Zscore, Recent, threshold 2)")["anomalies"];
    assert_eq!(a[0]["category"], "travel");
    assert!(close(a[0]["deviation"].as_f64().unwrap(), 300.0));
    assert_eq!(a[1]["category"], "dining");
    assert!(close(a[1]["deviation"].as_f64().unwrap(), 12.0));
    assert_eq!(
        a[1]["explanation"],
        "Dining is 60.00 above your 3-month average of 100.00 (160.00 in 2026-10)."
    );
    assert_eq!(a.as_array().unwrap().len(), 2);
    // Sofa: 900 to go at 300 / 6 = 50 a month → 18 months; 6 whole months to 2027-05-21 → 150.
    let tr = case(&doc, "trajectory", "recent pace");
    assert_eq!(tr["monthly_contribution"], "50.00");
    assert_eq!(tr["months_remaining"], 18);
    assert_eq!(tr["projected_completion_date"], "2028-05-21");
    assert_eq!(tr["required_monthly_contribution"], "150.00");
    assert_eq!(tr["shortfall"], "100.00");
    assert_eq!(tr["on_track"], false);
    let tr = case(&doc, "trajectory", "at 250.00");
    assert_eq!(tr["months_remaining"], 4);
    assert_eq!(tr["on_track"], true);
    // σ_c = 0 over June–November and 6 · 50 < 900: probability 0.
    let p = case(&doc, "probability_on_time", "Sofa");
    assert_eq!(p["probability"], 0.0);
    assert_eq!(p["months_to_target"], 6);
    // Compare September is a gap, so August with October.
    let c = case(&doc, "compare_periods", "compare");
    assert_eq!(c["a"]["period"], "2026-08");
    assert_eq!(c["categories"][0]["category"], "travel");
    assert_eq!(c["categories"][1]["change"], "60.00");
    assert!(close(
        c["categories"][1]["change_percent"].as_f64().unwrap(),
        60.0
    ));
}
