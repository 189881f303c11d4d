//! Two server processes (the real binary) on one PostgreSQL serve the same users: tokens,
//! op_ids and the feed work across them; of several concurrent writers on one version exactly
//! one wins and the others get `conflict`; concurrent devices on both instances converge with
//! no lost update. Needs `LIFEPATH_TEST_PG_URL` (an admin URL; `scripts/test-sync.sh` starts
//! PostgreSQL and sets it); without it the test says SKIPPED and why.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;

use lifepath_core::sync::{EntityKind, Mutation, Op, PushRequest, PushStatus};
use lifepath_sync_tests::*;
use serde_json::Value;
use uuid::Uuid;

async fn create_database(admin: &str) -> String {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let name = format!("lp_test_{}", Uuid::new_v4().simple());
    let mut c = sqlx::AnyConnection::connect(admin)
        .await
        .expect("connect to PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
        .execute(&mut c)
        .await
        .expect("create the test database");
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
    format!("{base}/{name}")
}

fn upsert(id: Uuid, base: i64, data: Value) -> Mutation {
    Mutation {
        op_id: Uuid::new_v4(),
        entity: EntityKind::Goal,
        id,
        base_version: base,
        op: Op::Upsert,
        data: Some(data),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_postgres() {
    let Some(admin) = std::env::var("LIFEPATH_TEST_PG_URL")
        .ok()
        .filter(|s| !s.is_empty())
    else {
        println!(
            "SKIPPED two_instances_on_one_postgres: LIFEPATH_TEST_PG_URL is not set \
             (scripts/test-sync.sh starts PostgreSQL and sets it)"
        );
        return;
    };
    let url = create_database(&admin).await;
    let a = spawn_binary(&url).await;
    let b = spawn_binary(&url).await;
    let on_a = Api::register(&a.base, "two@example.com").await;
    let on_b = on_a.on(&b.base);

    // A write through A is read through B; an op_id replayed on B is a duplicate.
    let id = Uuid::new_v4();
    let first = PushRequest {
        mutations: vec![upsert(
            id,
            0,
            goal(&id.to_string(), "start", 1000, "2026-11-21T00:00:00Z"),
        )],
        more: false,
    };
    let r = on_a.push(&first).await;
    assert_eq!(r.results[0].status, PushStatus::Applied);
    let r = on_b.push(&first).await;
    assert_eq!(r.results[0].status, PushStatus::Duplicate);
    assert_eq!(r.results[0].version, Some(1));

    // Rounds of 8 concurrent writers (4 per instance) on one version: exactly one wins.
    let mut version = 1;
    for round in 0..15 {
        let mut tasks = Vec::new();
        for w in 0..8 {
            let api = if w % 2 == 0 {
                on_a.clone()
            } else {
                on_b.clone()
            };
            let name = format!("r{round}-w{w}");
            let m = upsert(
                id,
                version,
                goal(&id.to_string(), &name, 1000 + w, "2026-11-21T00:00:01Z"),
            );
            tasks.push(tokio::spawn(async move {
                let res = api
                    .push(&PushRequest {
                        mutations: vec![m],
                        more: false,
                    })
                    .await;
                (name, res.results[0].clone())
            }));
        }
        let mut winners = Vec::new();
        let mut losers = Vec::new();
        for t in tasks {
            let (name, res) = t.await.unwrap();
            match res.status {
                PushStatus::Applied => winners.push((name, res)),
                PushStatus::Conflict => losers.push(res),
                other => panic!("round {round}: unexpected {other:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: exactly one writer wins");
        assert_eq!(losers.len(), 7);
        let (win_name, win) = &winners[0];
        assert_eq!(win.version, Some(version + 1));
        for l in &losers {
            let server = l.server_record.as_ref().unwrap();
            assert_eq!(
                server.version,
                version + 1,
                "round {round}: the loser sees the winner"
            );
            assert_eq!(
                server.data.as_ref().unwrap()["name"].as_str(),
                Some(win_name.as_str())
            );
        }
        version += 1;
    }
    // Both instances serve the same feed.
    let fa = on_a.feed().await;
    let fb = on_b.feed().await;
    assert_eq!(fa, fb);
    assert_eq!(fa.len(), 1);
    assert_eq!(fa[0].version, version);

    // Devices on both instances edit concurrently; after settling they all equal the server,
    // and each version of each record was won by exactly one write.
    let ids: Vec<Uuid> = (0..3).map(|_| Uuid::new_v4()).collect();
    let mut tasks = Vec::new();
    for dev in 0..4usize {
        let api = if dev % 2 == 0 {
            on_a.clone()
        } else {
            on_b.clone()
        };
        let ids = ids.clone();
        tasks.push(tokio::spawn(async move {
            let mut d = Device::new(api);
            let mut applied: Vec<(Uuid, i64)> = Vec::new();
            for step in 0..25usize {
                let id = ids[(dev + step) % ids.len()];
                let mut data = d
                    .engine
                    .get(EntityKind::Goal, id)
                    .unwrap_or_else(|| goal(&id.to_string(), "new", 500, "2026-11-21T00:00:00Z"));
                data["name"] = Value::from(format!("dev{dev}-step{step}"));
                data["updated_at"] = Value::from(format!("2026-11-21T01:{:02}:{:02}Z", step, dev));
                d.engine
                    .upsert(EntityKind::Goal, id, data, Uuid::new_v4())
                    .unwrap();
                if step % 3 == dev % 3 {
                    let out = d.sync(50).await;
                    for (req, res, _) in &out.pushes {
                        for (m, r) in req.mutations.iter().zip(&res.results) {
                            if r.status == PushStatus::Applied {
                                applied.push((m.id, r.version.unwrap()));
                            }
                        }
                    }
                }
            }
            (d, applied)
        }));
    }
    let mut devices = Vec::new();
    let mut won: BTreeMap<(Uuid, i64), usize> = BTreeMap::new();
    for t in tasks {
        let (d, applied) = t.await.unwrap();
        for k in applied {
            *won.entry(k).or_default() += 1;
        }
        devices.push(d);
    }
    for _ in 0..6 {
        for d in devices.iter_mut() {
            let out = d.sync(50).await;
            for (req, res, _) in &out.pushes {
                for (m, r) in req.mutations.iter().zip(&res.results) {
                    if r.status == PushStatus::Applied {
                        *won.entry((m.id, r.version.unwrap())).or_default() += 1;
                    }
                }
            }
        }
    }
    assert!(
        won.values().all(|n| *n == 1),
        "a version was won twice: {won:?}"
    );
    let server = live_of_feed(&on_a.feed().await);
    assert_eq!(server, live_of_feed(&on_b.feed().await));
    for (i, d) in devices.iter().enumerate() {
        assert_eq!(d.engine.pending_count(), 0, "device {i} settled");
        assert_eq!(d.live(), server, "device {i} equals the server");
    }
    // No lost update: every record's final version is the number of writes that won.
    for id in &ids {
        let v = server
            .iter()
            .find(|(_, rid, _)| *rid == id.to_string())
            .map(|(_, _, d)| d["version"].as_i64().unwrap())
            .unwrap();
        let wins = won.keys().filter(|(rid, _)| rid == id).count() as i64;
        assert_eq!(v, wins, "{id}: version {v} after {wins} winning writes");
    }
}
