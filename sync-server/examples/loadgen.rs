//! A small load generator for the server benchmarks of DESIGN §6 (run by
//! `scripts/bench-server.sh`): authenticated snapshot reads at 64 connections, snapshot upserts,
//! reads during a login storm, and the server's RSS idle and under load.
//!
//! `cargo run --release -p lifepath-sync-server --example loadgen -- <base-url> <server-pid> [seconds]`
//! The server must trust `X-Forwarded-For` (`LIFEPATH_TRUST_FORWARDED_FOR=true`) so the login
//! storm comes from many addresses instead of hitting the per-IP limit.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn rss_mib(pid: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn pct(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

fn model(n: u64) -> Value {
    json!({"incomes": [{"id": "i", "name": "Pay", "type": "earned", "monthly_amount": "5200.00", "stability": "stable"}],
           "expenses": [
               {"id": "e1", "name": "Rent", "category": "housing", "monthly_amount": "1650.00", "essential": true},
               {"id": "e2", "name": "Food", "category": "groceries", "monthly_amount": format!("{}.00", 400 + n % 200), "essential": true},
               {"id": "e3", "name": "Out", "category": "dining", "monthly_amount": "310.50", "essential": false}],
           "debts": [{"id": "card", "name": "Card", "balance": "3200.00", "interest_rate": "22.99", "min_payment": "95.00", "priority": "high"}]})
}

/// True for a response of `status` (any 2xx when 0) whose body arrived.
async fn ok_body(r: reqwest::Result<reqwest::Response>, status: u16) -> bool {
    match r {
        Ok(r) => {
            let good = if status == 0 {
                r.status().is_success()
            } else {
                r.status().as_u16() == status
            };
            good && r.bytes().await.is_ok()
        }
        Err(_) => false,
    }
}

struct Phase {
    ok: u64,
    errors: u64,
    latencies_us: Vec<u64>,
    secs: f64,
}

impl Phase {
    fn report(&mut self, name: &str) {
        self.latencies_us.sort_unstable();
        println!(
            "{name}: {:.0} req/s ({} ok, {} errors in {:.1} s), p50 {:.2} ms, p99 {:.2} ms",
            self.ok as f64 / self.secs,
            self.ok,
            self.errors,
            self.secs,
            pct(&self.latencies_us, 0.50),
            pct(&self.latencies_us, 0.99)
        );
    }
}

async fn run_phase<F, Fut>(conns: usize, secs: f64, make: F) -> Phase
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let make = Arc::new(make);
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..conns {
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut errors, mut lat) = (0u64, 0u64, Vec::new());
            let mut i = 0u64;
            while Instant::now() < deadline {
                let t = Instant::now();
                if make(c, i).await {
                    ok += 1;
                    lat.push(t.elapsed().as_micros() as u64);
                } else {
                    errors += 1;
                }
                i += 1;
            }
            (ok, errors, lat)
        }));
    }
    let mut phase = Phase {
        ok: 0,
        errors: 0,
        latencies_us: Vec::new(),
        secs: 0.0,
    };
    for t in tasks {
        let (ok, errors, lat) = t.await.unwrap();
        phase.ok += ok;
        phase.errors += errors;
        phase.latencies_us.extend(lat);
    }
    phase.secs = start.elapsed().as_secs_f64();
    phase
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let pid = args.get(2).cloned().unwrap_or_default();
    let secs: f64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(10.0);
    let api = format!("{base}/api/v1");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();

    let r: Value = client
        .post(format!("{api}/users"))
        .json(&json!({"email": format!("bench-{}@example.com", uuid::Uuid::new_v4()), "password": "bench password"}))
        .send().await.unwrap().json().await.unwrap();
    let token = r["access_token"].as_str().expect("registered").to_owned();
    let mut ids = Vec::new();
    for m in 0..24u64 {
        let r: Value = client
            .post(format!("{api}/budgets/snapshots")).bearer_auth(&token)
            .json(&json!({"period_year": 2025 + m / 12, "period_month": m % 12 + 1, "budget_model": model(m)}))
            .send().await.unwrap().json().await.unwrap();
        ids.push(r["id"].as_str().unwrap().to_owned());
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = rss_mib(&pid);
    println!("RSS idle (after setup): {idle:.1} MiB");

    let ids = Arc::new(ids);
    let read = {
        let (client, api, token, ids) = (client.clone(), api.clone(), token.clone(), ids.clone());
        move |c: usize, i: u64| {
            let (client, api, token, ids) =
                (client.clone(), api.clone(), token.clone(), ids.clone());
            async move {
                let id = &ids[(c + i as usize) % ids.len()];
                ok_body(
                    client
                        .get(format!("{api}/budgets/snapshots/{id}"))
                        .bearer_auth(&token)
                        .send()
                        .await,
                    200,
                )
                .await
            }
        }
    };
    let peak = Arc::new(std::sync::Mutex::new(idle));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling, pid) = (peak.clone(), sampling.clone(), pid.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                let r = rss_mib(&pid);
                {
                    let mut p = peak.lock().unwrap();
                    if r > *p {
                        *p = r;
                    }
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    run_phase(64, 1.0, read.clone()).await; // warm-up
    let mut reads = run_phase(64, secs, read.clone()).await;
    reads.report("snapshot reads, 64 connections");
    sampling.store(false, Ordering::Relaxed);
    sampler.await.unwrap();
    println!(
        "RSS peak under the read load: {:.1} MiB",
        *peak.lock().unwrap()
    );

    let upsert = {
        let (client, api, token) = (client.clone(), api.clone(), token.clone());
        move |c: usize, i: u64| {
            let (client, api, token) = (client.clone(), api.clone(), token.clone());
            async move {
                // Each connection upserts its own 12 periods (creates, then replaces).
                let idx = 2100 * 12 + c as u64 * 12 + i % 12;
                let body = json!({"period_year": idx / 12, "period_month": idx % 12 + 1, "budget_model": model(i)});
                ok_body(
                    client
                        .post(format!("{api}/budgets/snapshots"))
                        .bearer_auth(&token)
                        .json(&body)
                        .send()
                        .await,
                    0,
                )
                .await
            }
        }
    };
    let mut ups = run_phase(64, secs, upsert).await;
    ups.report("snapshot upserts, 64 connections");
    println!("RSS after the upserts: {:.1} MiB", rss_mib(&pid));

    // Login storm: 32 connections of logins (unknown emails from many addresses, so every one
    // costs a full argon2id verification) while 64 connections read.
    let storm_on = Arc::new(AtomicBool::new(true));
    let storm = {
        let (client, api, storm_on) = (client.clone(), api.clone(), storm_on.clone());
        tokio::spawn(async move {
            let mut tasks = Vec::new();
            for c in 0..32u64 {
                let (client, api, storm_on) = (client.clone(), api.clone(), storm_on.clone());
                tasks.push(tokio::spawn(async move {
                    let mut n = 0u64;
                    let mut i = 0u64;
                    while storm_on.load(Ordering::Relaxed) {
                        let ip = format!("10.{}.{}.{}", c, (i / 250) % 250, i % 250);
                        let r = client.post(format!("{api}/users/login"))
                            .header("x-forwarded-for", ip)
                            .json(&json!({"email": format!("storm-{c}-{i}@example.com"), "password": "not the password"}))
                            .send().await;
                        if let Ok(r) = r && r.status().as_u16() == 401 {
                            n += 1;
                        }
                        i += 1;
                    }
                    n
                }));
            }
            let mut total = 0;
            for t in tasks {
                total += t.await.unwrap();
            }
            total
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut during = run_phase(64, secs, read).await;
    storm_on.store(false, Ordering::Relaxed);
    let logins = storm.await.unwrap();
    during.report("snapshot reads during a login storm");
    println!(
        "login storm: {:.1} logins/s verified (argon2id m=19 MiB t=2 p=1)",
        logins as f64 / during.secs
    );
    println!("RSS after the login storm: {:.1} MiB", rss_mib(&pid));
}
