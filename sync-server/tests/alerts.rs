//! Issue 16: insights derived after writes and kept per user with their state (a dismissed one
//! never comes back), notification preferences, webhook endpoints (SSRF refused, the secret shown
//! once), delivery through the outbox to a real receiver on loopback that checks the signature
//! and fails the first attempts on purpose (delivered exactly once by event id), metrics, and
//! email with a working unsubscribe link (a real SMTP server, when the test script runs one).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::*;
use hmac::{Hmac, Mac};
use lifepath_sync_server::alerts::deliver::deliver_due;
use serde_json::{Value, json};
use sha2::Sha256;

/// A goal due in 10 days with most of it still to save: `goal_deadline_near` (and off track).
fn due_soon_goal() -> Value {
    let today = chrono::Utc::now().date_naive();
    json!({"name": "Holiday", "goal_type": "savings_target", "category": "vacation",
           "priority": "high", "target_amount": "2000.00", "current_amount": "100.00",
           "start_date": (today - chrono::Duration::days(60)).to_string(),
           "target_date": (today + chrono::Duration::days(10)).to_string(), "status": "active"})
}

fn kinds(r: &Resp) -> Vec<String> {
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_feed_keeps_state_and_a_dismissed_insight_never_returns() {
    let s = Server::start().await;
    let u = s.register("feed@example.com").await;
    let other = s.register("feed-other@example.com").await;
    assert!(kinds(&s.get("/insights", &u).await).is_empty());
    let g = s.post("/goals", &u, due_soon_goal()).await;
    assert_eq!(g.status, 201, "{}", g.text);
    let gid = g.body["id"].as_str().unwrap().to_owned();

    let r = s.get("/insights", &u).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let items = r.body["items"].as_array().unwrap().clone();
    let near = items
        .iter()
        .find(|i| i["kind"] == "goal_deadline_near")
        .unwrap_or_else(|| panic!("{}", r.text));
    assert_eq!(near["state"], "new");
    assert_eq!(near["severity"], "warning");
    assert_eq!(near["subject"], json!(gid));
    assert!(
        near["dedup_key"]
            .as_str()
            .unwrap()
            .starts_with(&format!("goal_deadline_near:{gid}:"))
    );
    assert_eq!(near["numbers"]["days_left"], 10);
    assert!(near["message"].as_str().unwrap().contains("Holiday"));
    let id = near["id"].as_str().unwrap().to_owned();

    // Isolation: another user's insight id is 404; their feed is empty.
    assert_problem(
        &s.patch(
            &format!("/insights/{id}"),
            &other,
            json!({"state": "dismissed"}),
        )
        .await,
        404,
    );
    assert!(kinds(&s.get("/insights", &other).await).is_empty());
    assert_problem(
        &s.patch(&format!("/insights/{id}"), &u, json!({"state": "gone"}))
            .await,
        422,
    );

    let r = s
        .patch(&format!("/insights/{id}"), &u, json!({"state": "seen"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["state"], "seen");
    let r = s
        .patch(
            &format!("/insights/{id}"),
            &u,
            json!({"state": "dismissed"}),
        )
        .await;
    assert_eq!(r.body["state"], "dismissed");
    assert!(!kinds(&s.get("/insights", &u).await).contains(&"goal_deadline_near".to_owned()));
    // Another write derives again: the dismissed insight does not come back.
    let r = s
        .patch(
            &format!("/goals/{gid}"),
            &u,
            json!({"name": "Holiday trip"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!kinds(&s.get("/insights", &u).await).contains(&"goal_deadline_near".to_owned()));
    let dismissed = s.get("/insights?state=dismissed", &u).await;
    assert_eq!(kinds(&dismissed), ["goal_deadline_near"]);
    // One insight per dedup_key, however many writes.
    for _ in 0..3 {
        s.patch(&format!("/goals/{gid}"), &u, json!({"priority": "medium"}))
            .await;
    }
    let mut all = kinds(&s.get("/insights?limit=200", &u).await);
    all.extend(kinds(&dismissed));
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n, "no duplicates: {all:?}");
}

#[tokio::test]
async fn a_history_pushed_in_batches_is_read_after_its_last_batch() {
    let s = Server::start().await;
    let u = s.register("batches@example.com").await;
    let mutation = |id: &str, data: Value| {
        json!({"op_id": uuid::Uuid::new_v4(), "entity": "goal", "id": id, "base_version": 0,
               "op": "upsert", "data": data})
    };
    let due = uuid::Uuid::new_v4().to_string();
    let mut goal = due_soon_goal();
    goal["id"] = json!(due);
    // A batch that says more of the device's queue follows: applied, nothing derived yet.
    let r = s
        .post(
            "/sync/push",
            &u,
            json!({"mutations": [mutation(&due, goal)], "more": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["results"][0]["status"], "applied", "{}", r.text);
    assert!(
        kinds(&s.get("/insights", &u).await).is_empty(),
        "derived from part of the history"
    );
    // The last batch (no `more`): the whole history is read.
    let other = uuid::Uuid::new_v4().to_string();
    let mut far = due_soon_goal();
    far["id"] = json!(other);
    far["name"] = json!("Car");
    far["target_date"] = json!("2030-01-01");
    let r = s
        .post(
            "/sync/push",
            &u,
            json!({"mutations": [mutation(&other, far)]}),
        )
        .await;
    assert_eq!(r.body["results"][0]["status"], "applied", "{}", r.text);
    let feed = s.get("/insights", &u).await;
    assert!(
        kinds(&feed).contains(&"goal_deadline_near".to_owned()),
        "{}",
        feed.text
    );
    // `more` must be a boolean.
    let bad = s
        .post("/sync/push", &u, json!({"mutations": [], "more": "yes"}))
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
}

#[tokio::test]
async fn notification_preferences_round_trip_and_are_checked() {
    let s = Server::start().await;
    let u = s.register("prefs@example.com").await;
    let r = s.get("/users/me/notifications", &u).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["min_severity"], "warning");
    assert_eq!(r.body["email"], true);
    assert_eq!(r.body["kinds"].as_array().unwrap().len(), 6);
    let r = s
        .call(
            reqwest::Method::PUT,
            "/users/me/notifications",
            Some(&u.token),
            Some(
                json!({"kinds": ["anomaly", "over_plan"], "min_severity": "alert",
                        "email": false, "quiet_hours": {"start_hour": 22, "end_hour": 7}}),
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s.get("/users/me/notifications", &u).await;
    assert_eq!(r.body["kinds"], json!(["anomaly", "over_plan"]));
    assert_eq!(r.body["quiet_hours"]["start_hour"], 22);
    let bad = s
        .call(
            reqwest::Method::PUT,
            "/users/me/notifications",
            Some(&u.token),
            Some(
                json!({"quiet_hours": {"start_hour": 25, "end_hour": 7}, "anomaly_threshold": -1}),
            ),
        )
        .await;
    assert_problem(&bad, 422);
    assert!(bad.text.contains("quiet_hours.start_hour"), "{}", bad.text);
    assert!(bad.text.contains("anomaly_threshold"), "{}", bad.text);
}

#[tokio::test]
async fn webhook_targets_are_checked() {
    let s = Server::start().await;
    let u = s.register("ssrf@example.com").await;
    for url in [
        "http://example.com/hook",
        "https://10.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://192.168.1.10/x",
        "https://[::ffff:10.0.0.1]/x",
        "ftp://127.0.0.1/x",
        "https://user:pw@127.0.0.1/x",
        "not a url",
    ] {
        let r = s.post("/webhooks", &u, json!({"url": url})).await;
        assert_problem(&r, 422);
        assert!(r.text.contains("url"), "{url}: {}", r.text);
    }
    // Loopback is allowed in development (this server is not in production mode).
    let r = s
        .post(
            "/webhooks",
            &u,
            json!({"url": "http://127.0.0.1:9/hook", "kinds": ["anomaly"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.body["secret"].as_str().unwrap().starts_with("whsec_"));
    let list = s.get("/webhooks", &u).await;
    assert_eq!(list.body["items"][0]["kinds"], json!(["anomaly"]));
    assert!(
        list.body["items"][0].get("secret").is_none(),
        "the secret is shown once"
    );
    let other = s.register("ssrf-other@example.com").await;
    let id = r.body["id"].as_str().unwrap();
    assert_problem(&s.delete(&format!("/webhooks/{id}"), &other).await, 404);
    assert_problem(
        &s.get(&format!("/webhooks/{id}/deliveries"), &other).await,
        404,
    );
    assert_eq!(s.delete(&format!("/webhooks/{id}"), &u).await.status, 204);
    assert_problem(&s.delete(&format!("/webhooks/{id}"), &u).await, 404);
}

/// What the receiver saw.
#[derive(Default)]
struct Seen {
    /// Every request: (event id, signature valid).
    requests: Vec<(String, bool)>,
    /// Event ids answered 2xx.
    accepted: Vec<String>,
    /// Requests to fail before accepting, per event id.
    fail_first: usize,
    secret: String,
}

async fn receive(
    State(seen): State<Arc<Mutex<Seen>>>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let mut s = seen.lock().unwrap();
    let sig = headers
        .get("lifepath-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let (t, v1) = sig
        .split_once(',')
        .map(|(t, v)| {
            (
                t.trim_start_matches("t=").to_owned(),
                v.trim_start_matches("v1=").to_owned(),
            )
        })
        .unwrap_or_default();
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(s.secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let valid = hex::encode(mac.finalize().into_bytes()) == v1
        && (chrono::Utc::now().timestamp() - t.parse::<i64>().unwrap_or(0)).abs() < 300;
    let event: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let id = event["id"].as_str().unwrap_or("").to_owned();
    s.requests.push((id.clone(), valid));
    let tries = s.requests.iter().filter(|(i, _)| *i == id).count();
    if !valid || event["type"] != "insight.created" && event["type"] != "webhook.test" {
        return StatusCode::BAD_REQUEST;
    }
    if event["type"] == "insight.created" && tries <= s.fail_first {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    s.accepted.push(id);
    StatusCode::NO_CONTENT
}

#[tokio::test]
async fn webhooks_are_signed_retried_and_delivered_once() {
    let s = Server::start_with(|c| c.webhook_retry_base_secs = 1).await;
    let u = s.register("hooks@example.com").await;
    let seen = Arc::new(Mutex::new(Seen {
        fail_first: 2,
        ..Seen::default()
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(seen.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let r = s
        .post(
            "/webhooks",
            &u,
            json!({"url": format!("http://{addr}/hook")}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let hook = r.body["id"].as_str().unwrap().to_owned();
    seen.lock().unwrap().secret = r.body["secret"].as_str().unwrap().to_owned();

    // The test route: signed, answered at once, logged.
    let t = s
        .post(&format!("/webhooks/{hook}/test"), &u, json!({}))
        .await;
    assert_eq!(t.status, 200, "{}", t.text);
    assert_eq!(t.body["ok"], true, "{}", t.text);
    assert_eq!(t.body["status_code"], 204);

    // A write that makes an insight: queued in the outbox with it.
    assert_eq!(s.post("/goals", &u, due_soon_goal()).await.status, 201);
    let feed = s.get("/insights", &u).await;
    let n_insights = feed.body["items"].as_array().unwrap().len();
    assert!(n_insights >= 1, "{}", feed.text);

    // The worker: the first two attempts of each event fail (503), then it is accepted.
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        deliver_due(&s.state).await;
        let done = seen.lock().unwrap().accepted.len() > n_insights; // + the test event
        if done || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // A last pass, after a pause: nothing is sent again.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    deliver_due(&s.state).await;
    let (requests, accepted) = {
        let g = seen.lock().unwrap();
        (g.requests.clone(), g.accepted.clone())
    };
    assert!(
        requests.iter().all(|(_, valid)| *valid),
        "every request signed"
    );
    let insight_events: Vec<&String> = accepted.iter().skip(1).collect();
    assert_eq!(
        insight_events.len(),
        n_insights,
        "each insight delivered: {requests:?}"
    );
    let mut unique = insight_events.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), n_insights, "exactly once by event id");
    for id in &insight_events {
        let tries = requests.iter().filter(|(i, _)| i == *id).count();
        assert_eq!(tries, 3, "two failures, then success: {id}");
    }

    // The endpoint's log, newest first, and the metrics.
    let log = s
        .get(&format!("/webhooks/{hook}/deliveries?limit=200"), &u)
        .await;
    let entries = log.body["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1 + 3 * n_insights, "{}", log.text);
    assert!(
        entries
            .iter()
            .any(|d| d["status_code"] == 503 && d["ok"] == false)
    );
    let m = s.state.metrics.render();
    assert!(
        m.contains("lifepath_alert_deliveries_total{outcome=\"retried\"}"),
        "{m}"
    );
    assert!(m.contains("lifepath_outbox_pending 0"), "{m}");
}

#[tokio::test]
async fn email_alerts_with_a_working_unsubscribe_link() {
    let Some((url, dir)) = smtp_or_skip() else {
        return;
    };
    let s = mail_server(url, "lifepath <alerts@lifepath.test>").await;
    let email = format!("alerts-{}@example.com", uuid::Uuid::new_v4().simple());
    let u = s.register(&email).await;
    assert_eq!(s.post("/goals", &u, due_soon_goal()).await.status, 201);
    let deadline = Instant::now() + Duration::from_secs(20);
    let message = loop {
        deliver_due(&s.state).await;
        if let Some(m) = messages(&dir, &email)
            .into_iter()
            .find(|m| m.contains("due in"))
        {
            break m;
        }
        assert!(Instant::now() < deadline, "no alert email arrived");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(message.contains("alerts@lifepath.test"), "{message}");
    assert!(message.contains("Subject: "), "{message}");
    assert!(
        message.contains("text/plain") && message.contains("text/html"),
        "{message}"
    );
    // The unsubscribe link (quoted-printable soft breaks undone), opened without signing in.
    let flat = message;
    let start = flat
        .find("/api/v1/notifications/unsubscribe?token=")
        .unwrap();
    let link: String = flat[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '<')
        .collect();
    let r = s.raw(s.req(reqwest::Method::GET, &link)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("no more lifepath emails"));
    let prefs = s.get("/users/me/notifications", &u).await;
    let kinds = prefs.body["kinds"].as_array().unwrap();
    let kind = link
        .split("token=")
        .nth(1)
        .unwrap()
        .split('.')
        .nth(1)
        .unwrap();
    assert_eq!(kinds.len(), 5, "{}", prefs.text);
    assert!(
        !kinds.iter().any(|k| k == kind),
        "{kind} off: {}",
        prefs.text
    );
    // A forged token is 404.
    let forged = link.replace("token=", "token=x");
    assert_problem(&s.raw(s.req(reqwest::Method::GET, &forged)).await, 404);
}

/// Counts what a receiver got, per event id; answers 204 (or sleeps past the timeout once).
#[derive(Default)]
struct Count {
    by_event: std::collections::HashMap<String, usize>,
    slow_first: bool,
}

async fn count(State(c): State<Arc<Mutex<Count>>>, body: String) -> StatusCode {
    let event: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let id = event["id"].as_str().unwrap_or("").to_owned();
    let slow = {
        let mut g = c.lock().unwrap();
        let first = !g.by_event.contains_key(&id);
        *g.by_event.entry(id).or_default() += 1;
        g.slow_first && first
    };
    if slow {
        // Past the 10 s a delivery attempt may take.
        tokio::time::sleep(Duration::from_secs(12)).await;
    }
    StatusCode::NO_CONTENT
}

async fn receiver(slow_first: bool) -> (std::net::SocketAddr, Arc<Mutex<Count>>) {
    let c = Arc::new(Mutex::new(Count {
        slow_first,
        ..Count::default()
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(count))
        .with_state(c.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, c)
}

#[tokio::test]
async fn two_instances_working_one_outbox_send_nothing_twice() {
    let a = Server::start_with(|c| c.webhook_retry_base_secs = 1).await;
    let b = a.another_instance(|c| c.webhook_retry_base_secs = 1).await;
    let (addr, got) = receiver(false).await;
    let mut queued = 0;
    for n in 0..6 {
        let u = a.register(&format!("outbox-{n}@example.com")).await;
        let r = a
            .post(
                "/webhooks",
                &u,
                json!({"url": format!("http://{addr}/hook")}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        for k in 0..3 {
            let mut g = due_soon_goal();
            g["name"] = json!(format!("Goal {k}"));
            assert_eq!(a.post("/goals", &u, g).await.status, 201);
        }
        queued += a.get("/insights?limit=200", &u).await.body["items"]
            .as_array()
            .unwrap()
            .len();
    }
    assert!(queued >= 18, "{queued}");
    // Both instances work the outbox at the same time, in several passes each.
    let (sa, sb) = (a.state.clone(), b.state.clone());
    let wa = tokio::spawn(async move {
        let mut n = 0;
        for _ in 0..20 {
            n += deliver_due(&sa).await;
        }
        n
    });
    let wb = tokio::spawn(async move {
        let mut n = 0;
        for _ in 0..20 {
            n += deliver_due(&sb).await;
        }
        n
    });
    let (na, nb) = (wa.await.unwrap(), wb.await.unwrap());
    let g = got.lock().unwrap();
    assert_eq!(g.by_event.len(), queued, "every insight delivered");
    assert!(
        g.by_event.values().all(|n| *n == 1),
        "nothing sent twice: {:?}",
        g.by_event.values().filter(|n| **n > 1).count()
    );
    assert_eq!(na + nb, queued, "each row claimed once ({na} + {nb})");
    println!(
        "{} ({}): instance a delivered {na}, instance b {nb}",
        a.dialect, queued
    );
}

#[tokio::test]
async fn a_delivery_that_times_out_is_retried() {
    let s = Server::start_with(|c| c.webhook_retry_base_secs = 1).await;
    let u = s.register("slow@example.com").await;
    let (addr, got) = receiver(true).await;
    let r = s
        .post(
            "/webhooks",
            &u,
            json!({"url": format!("http://{addr}/hook"), "kinds": ["goal_deadline_near"]}),
        )
        .await;
    let hook = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(s.post("/goals", &u, due_soon_goal()).await.status, 201);
    let started = Instant::now();
    deliver_due(&s.state).await; // times out after 10 s
    assert!(started.elapsed() >= Duration::from_secs(10));
    let deadline = Instant::now() + Duration::from_secs(20);
    while got.lock().unwrap().by_event.values().sum::<usize>() < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(300)).await;
        deliver_due(&s.state).await;
    }
    let log = s.get(&format!("/webhooks/{hook}/deliveries"), &u).await;
    let entries = log.body["items"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{}", log.text);
    // Newest first: the retry succeeded, the first attempt timed out.
    assert_eq!(entries[0]["ok"], true);
    assert_eq!(entries[1]["error"], "timed out after 10 s");
    assert_eq!(got.lock().unwrap().by_event.len(), 1, "one event");
}

#[tokio::test]
async fn a_daily_digest_sends_one_email_with_every_insight() {
    let Some((url, dir)) = smtp_or_skip() else {
        return;
    };
    let s = mail_server(url, "lifepath <alerts@lifepath.test>").await;
    let email = format!("digest-{}@example.com", uuid::Uuid::new_v4().simple());
    let u = s.register(&email).await;
    let r = s
        .call(
            reqwest::Method::PUT,
            "/users/me/notifications",
            Some(&u.token),
            Some(json!({"digest": "daily"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["digest"], "daily");
    assert_eq!(s.post("/goals", &u, due_soon_goal()).await.status, 201);
    let n = s.get("/insights", &u).await.body["items"]
        .as_array()
        .unwrap()
        .len();
    assert!(n >= 2, "deadline near and off track");
    let mine = || messages(&dir, &email);
    // Not before the digest's hour (08:00 UTC): nothing is due yet.
    deliver_due(&s.state).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(mine().is_empty(), "no email before the digest's hour");
    // The hour comes (the rows made due now).
    {
        use sqlx::Connection;
        let mut c = sqlx::AnyConnection::connect(&s.database_url).await.unwrap();
        sqlx::query("update outbox set next_attempt_at = 0 where user_id = $1")
            .bind(&u.id)
            .execute(&mut c)
            .await
            .unwrap();
    }
    deliver_due(&s.state).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while mine().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let got = mine();
    assert_eq!(got.len(), 1, "one digest email");
    assert!(got[0].contains(&format!("{n} insights")), "{}", got[0]);
    assert!(got[0].contains("due in 10 days"), "{}", got[0]);
    assert!(got[0].contains("off track"), "{}", got[0]);
    assert_eq!(
        got[0]
            .matches("/api/v1/notifications/unsubscribe?token=")
            .count(),
        2 * n,
        "an unsubscribe link per insight, in both bodies"
    );
    // Delivered once: another pass sends nothing more.
    deliver_due(&s.state).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(mine().len(), 1);
}
