//! Prints a plain-text budget report for one of the shared fixture users: trends, anomalies,
//! a forecast and every goal's trajectory and recommendations — all computed by lifepath-core.
//!
//! `cargo run -p lifepath-core --example report [-- tests/fixtures/users/ana.json]`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lifepath_core::analytics::*;
use lifepath_core::goals::*;
use lifepath_core::models::*;
use lifepath_core::validate::from_value;
use serde_json::Value;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tests/fixtures/users/ana.json".into());
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let snapshots: Vec<BudgetSnapshot> = from_value(doc["snapshots"].clone())?;
    let goals: Vec<Goal> = from_value(doc["goals"].clone())?;
    let contributions: Vec<GoalContribution> = from_value(doc["contributions"].clone())?;
    let as_of: chrono::NaiveDate = from_value(doc["as_of"].clone())?;
    let latest = snapshots
        .iter()
        .max_by_key(|s| s.period())
        .ok_or("no snapshots")?;

    println!(
        "lifepath report for {} — {} months of history, as of {as_of}",
        doc["name"].as_str().unwrap_or("?"),
        snapshots.len()
    );
    let t = compute_trends(&snapshots, 12)?;
    let (from, to) = (t.window.from.unwrap(), t.window.to.unwrap());
    println!(
        "\nTrends {from} … {to} ({} months with data)",
        t.window.months_with_data
    );
    for (name, s) in [
        ("income", &t.income_trend),
        ("expenses", &t.expense_trend),
        ("surplus", &t.surplus_trend),
    ] {
        println!(
            "  {name:<10} avg {:>10.2}  {:>+8.2}/month  {:?}",
            s.average, s.slope, s.trend
        );
    }
    let mut moving: Vec<_> = t
        .category_changes
        .iter()
        .filter(|(_, s)| s.trend != TrendDirection::Stable)
        .collect();
    moving.sort_by(|a, b| {
        b.1.relative_change
            .abs()
            .total_cmp(&a.1.relative_change.abs())
    });
    for (c, s) in moving.iter().take(5) {
        println!(
            "  {:<14} {:?} ({:+.0} % over the window)",
            display_name(c),
            s.trend,
            s.relative_change * 100.0
        );
    }

    let a = detect_anomalies(latest, &snapshots, &AnomalyOptions::default())?;
    println!("\nAnomalies in {}", a.period);
    if a.anomalies.is_empty() {
        println!("  none");
    }
    for x in &a.anomalies {
        println!("  [{:?}] {}", x.severity, x.explanation);
    }

    let f = forecast(&snapshots, &ForecastOptions::default())?;
    println!("\nForecast of total expenses");
    for p in &f.series["total_expenses"] {
        println!(
            "  {}  {:>10}  (80 %: {} – {})",
            p.period,
            p.amount.to_string(),
            p.low,
            p.high
        );
    }

    println!("\nGoals");
    for g in &goals {
        let p = goal_progress(g, as_of);
        let tr = trajectory(g, &contributions, None, Some(&latest.budget_model), as_of)?;
        let when = tr
            .projected_completion_date
            .map_or_else(|| format!("never ({:?})", tr.reason), |d| d.to_string());
        println!(
            "  {:<26} {:>5.1} %  at {}/month → {when}{}",
            g.name,
            p.progress_percentage,
            tr.monthly_contribution,
            if tr.on_track { "" } else { "  OFF TRACK" }
        );
    }
    let input = RecommendInput {
        goals: goals.clone(),
        contributions,
        snapshot: Some(latest.clone()),
        recommendations: from_value(doc["recommendations"].clone())?,
        feedback: from_value(doc["feedback"].clone())?,
    };
    println!("\nTop recommendations");
    for r in recommend(&input, as_of)?.iter().take(5) {
        let goal = goals
            .iter()
            .find(|g| g.id == r.goal_id)
            .map_or("?", |g| g.name.as_str());
        println!(
            "  {:<48} +{}/month for {goal} ({:?})",
            r.title, r.potential_impact, r.difficulty_level
        );
    }
    Ok(())
}
