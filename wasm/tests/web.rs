//! The bindings in a real browser (`wasm-pack test --headless --chrome wasm`, Debian's
//! Chromium and chromedriver): plain objects in, plain objects out, errors as `LifepathError`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use js_sys::{JSON, Reflect};
use lifepath::{analytics, error, goals, records};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn js(json: &str) -> JsValue {
    JSON::parse(json).expect("test JSON")
}

fn get(v: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(v.clone(), |v, k| {
        Reflect::get(&v, &JsValue::from_str(k)).unwrap()
    })
}

fn text(v: &JsValue, path: &str) -> String {
    get(v, path)
        .as_string()
        .unwrap_or_else(|| panic!("{path} is not a string"))
}

const MODEL: &str = r#"{"incomes":[{"name":"Job","monthly_amount":"4000.00"}],
  "expenses":[{"name":"Rent","category":"housing","monthly_amount":"1500.00","essential":true},
              {"name":"Out","category":"dining","monthly_amount":"300.10"}]}"#;

fn snapshot(month: u32, dining: &str) -> String {
    format!(
        r#"{{"id":"00000000-0000-0000-0001-{month:012}","user_id":"00000000-0000-0000-0000-000000000001",
        "period_year":2026,"period_month":{month},"currency":"USD",
        "budget_model":{{"incomes":[{{"name":"Job","monthly_amount":"4000.00"}}],
          "expenses":[{{"name":"Out","category":"dining","monthly_amount":"{dining}"}}]}},
        "total_income":"4000.00","total_expenses":"{dining}","surplus":"0","savings_rate":0.5,
        "category_totals":{{"dining":"{dining}"}},"source_session_id":null,"version":1,
        "created_at":"2026-11-21T00:00:00Z","updated_at":"2026-11-21T00:00:00Z"}}"#
    )
}

const GOAL: &str = r#"{"id":"00000000-0000-0000-0002-000000000001","user_id":"00000000-0000-0000-0000-000000000001",
  "name":"Fund","description":null,"goal_type":"emergency_fund","category":"emergency","priority":"high",
  "target_amount":"6000.00","current_amount":"1500.00","start_date":"2026-01-01","target_date":"2027-06-30",
  "linked_debt_id":null,"annual_return_rate":null,"status":"active","completed_at":null,"version":3,
  "created_at":"2026-11-21T00:00:00Z","updated_at":"2026-11-21T00:00:00Z"}"#;

#[wasm_bindgen_test]
fn summarize_returns_plain_objects_with_money_strings() {
    let s = records::summarize(js(MODEL)).unwrap();
    assert_eq!(text(&s, "total_expenses"), "1800.10");
    assert_eq!(text(&s, "category_totals.dining"), "300.10");
    assert_eq!(get(&s, "savings_rate").as_f64(), Some(0.549975));
    // A plain object, not a Map: JSON.stringify sees its fields.
    let json = JSON::stringify(&s).unwrap().as_string().unwrap();
    assert!(json.contains(r#""housing":"1500.00""#), "{json}");
}

#[wasm_bindgen_test]
fn trends_and_anomalies_in_the_browser() {
    let list: Vec<String> = (1..=12)
        .map(|m| snapshot(m, if m == 12 { "900.00" } else { "300.00" }))
        .collect();
    let snapshots = js(&format!("[{}]", list.join(",")));
    let t = analytics::compute_trends(snapshots.clone(), JsValue::UNDEFINED).unwrap();
    assert_eq!(text(&t, "window.from"), "2026-01");
    assert_eq!(get(&t, "window.months_with_data").as_f64(), Some(12.0));
    let current = js(&list[11]);
    let r = analytics::detect_anomalies(current, snapshots, JsValue::UNDEFINED).unwrap();
    let first = js_sys::Array::from(&get(&r, "anomalies")).get(0);
    assert_eq!(text(&first, "category"), "dining");
    assert_eq!(text(&first, "severity"), "alert");
}

#[wasm_bindgen_test]
fn goal_math_in_the_browser() {
    let p = goals::goal_progress(js(GOAL), js(r#"{"asOf":"2026-11-21"}"#)).unwrap();
    assert_eq!(get(&p, "progress_percentage").as_f64(), Some(25.0));
    assert_eq!(get(&p, "days_remaining").as_f64(), Some(221.0));
    let t = goals::goal_trajectory(
        js(GOAL),
        js("[]"),
        js(r#"{"asOf":"2026-11-21","monthlyContribution":"500.00"}"#),
    )
    .unwrap();
    assert_eq!(text(&t, "projected_completion_date"), "2027-08-21");
    let g = records::transition_goal(js(GOAL), js(r#""paused""#), JsValue::UNDEFINED).unwrap();
    assert_eq!(text(&g, "status"), "paused");
    assert_eq!(get(&g, "is_active").as_bool(), Some(false));
}

#[wasm_bindgen_test]
fn errors_are_lifepath_errors_with_code_and_field() {
    let bad = js(r#"{"incomes":[{"name":"Job","monthly_amount":"-5"}]}"#);
    let e = records::summarize(bad).unwrap_err();
    assert!(error::is_lifepath_error(e.clone()));
    assert!(e.is_instance_of::<js_sys::Error>());
    assert_eq!(text(&e, "name"), "LifepathError");
    assert_eq!(text(&e, "code"), "validation_failed");
    assert_eq!(text(&e, "field"), "incomes[0].monthly_amount");
    let e = analytics::compute_trends(js(&format!("[{}]", snapshot(13, "1.00"))), JsValue::NULL)
        .unwrap_err();
    assert_eq!(text(&e, "field"), "snapshots[0].period_month");
    let e = records::transition_goal(js(GOAL), js(r#""done""#), JsValue::UNDEFINED).unwrap_err();
    assert_eq!(text(&e, "field"), "to");
}

#[wasm_bindgen_test]
fn internal_errors_have_the_same_shape() {
    let e = lifepath::LifepathError::internal("boom").to_js();
    assert!(error::is_lifepath_error(e.clone()));
    assert_eq!(text(&e, "code"), "internal");
    assert!(get(&e, "field").is_null());
    assert_eq!(js_sys::Array::from(&get(&e, "errors")).length(), 0);
}

#[wasm_bindgen_test]
fn a_panic_becomes_a_lifepath_error_not_unreachable() {
    lifepath::error::install_panic_hook();
    // JavaScript calls a Rust closure that panics and catches what comes out.
    let catcher =
        js_sys::Function::new_with_args("f", "try { f(); return null; } catch (e) { return e; }");
    let boom = wasm_bindgen::closure::Closure::<dyn Fn()>::new(|| {
        let v: Vec<u8> = Vec::new();
        let i = v.len() + 3;
        let _ = v[i]; // index out of bounds: a bug
    });
    let e = catcher
        .call1(&JsValue::NULL, boom.as_ref().unchecked_ref())
        .unwrap();
    assert!(error::is_lifepath_error(e.clone()), "{e:?}");
    assert_eq!(text(&e, "code"), "internal");
    assert!(text(&e, "message").contains("index out of bounds"));
    std::mem::forget(boom);
}
