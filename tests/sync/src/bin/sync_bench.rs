//! The sync benchmark: one user pushes 10,000 mutations in batches of 500 through
//! `POST /sync/push`, then a fresh device pulls the 10,000 changes through `GET /sync/pull`
//! (pages of 1,000) into a native `SyncEngine`. Prints the figures (budget: pull of 10,000
//! changes < 500 ms).
//!
//! `cargo run --release -p lifepath-sync-tests --bin sync-bench -- [--n 10000]
//! [--database-url postgres://…] [--synchronous full|normal]`
//! Default: the server in this process on a fresh SQLite file with `synchronous = full`, as
//! the README's main command runs it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use lifepath_core::sync::{EntityKind, PushStatus};
use lifepath_sync_tests::*;
use uuid::Uuid;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let n: usize = arg("--n").and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let sync_mode = arg("--synchronous").unwrap_or_else(|| "full".into());
    let db = arg("--database-url").unwrap_or_else(temp_sqlite);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let server = start_in_process(&db, &sync_mode).await;
        let dialect = if db.starts_with("postgres") {
            "postgres".to_owned()
        } else {
            format!("sqlite, synchronous={sync_mode}")
        };
        let api = Api::register(
            &server.base,
            &format!("bench{}@example.com", Uuid::new_v4()),
        )
        .await;

        // Push: a device queues n new goals and pushes them in batches of 500.
        let mut writer = Device::new(api.clone());
        for i in 0..n {
            let id = Uuid::new_v4();
            writer
                .engine
                .upsert(
                    EntityKind::Goal,
                    id,
                    goal(
                        &id.to_string(),
                        &format!("goal {i}"),
                        1000 + (i as u32 % 500),
                        "2026-11-21T00:00:00Z",
                    ),
                    Uuid::new_v4(),
                )
                .unwrap();
        }
        let t = Instant::now();
        let mut applied = 0;
        let mut batches = 0;
        while let Some(req) = writer.engine.next_push(500) {
            let res = api.push(&req).await;
            applied += res
                .results
                .iter()
                .filter(|r| r.status == PushStatus::Applied)
                .count();
            writer.engine.apply_push_response(&res).unwrap();
            batches += 1;
        }
        let push = t.elapsed();
        assert_eq!(applied, n, "every mutation applied");

        // Pull over HTTP only (the server's side of the budget), then the same pages parsed.
        let t = Instant::now();
        let mut cursor: Option<String> = None;
        let mut texts = Vec::new();
        loop {
            let text = api.pull_text(cursor.as_deref(), 1000).await;
            let page: lifepath_core::sync::PullResponse = serde_json::from_str(&text).unwrap();
            cursor = Some(page.cursor);
            texts.push(text);
            if !page.has_more {
                break;
            }
        }
        let pull_http = t.elapsed();
        let pages = texts.len();
        let t = Instant::now();
        let mut pulled = 0;
        for text in &texts {
            let page: lifepath_core::sync::PullResponse = serde_json::from_str(text).unwrap();
            pulled += page.changes.len();
        }
        let parse = t.elapsed();
        assert_eq!(pulled, n);
        let bytes: usize = texts.iter().map(String::len).sum();

        // Pull into a fresh device's engine (HTTP + applying every page).
        let mut reader = Device::new(api.clone());
        let t = Instant::now();
        let mut out = SyncOutcome::default();
        reader.pull_all(&mut out).await;
        let pull_engine = t.elapsed();
        assert_eq!(reader.live().len(), n);

        println!("sync benchmark ({dialect}, 2-core box), {n} goal records");
        println!(
            "  push {n} mutations in {batches} batches of ≤500: {:.2} s ({:.0} mutations/s)",
            push.as_secs_f64(),
            n as f64 / push.as_secs_f64()
        );
        println!(
            "  pull {n} changes over HTTP in {pages} pages of ≤1000: {:.0} ms (budget for 10,000: < 500 ms)",
            pull_http.as_secs_f64() * 1000.0
        );
        println!(
            "    of which parsing the {:.1} MB of JSON into core's PullResponse: {:.0} ms",
            bytes as f64 / 1e6,
            parse.as_secs_f64() * 1000.0
        );
        println!(
            "  pull {n} changes into a fresh native SyncEngine (pages of ≤500): {:.0} ms",
            pull_engine.as_secs_f64() * 1000.0
        );
        drop(server);
    });
}
