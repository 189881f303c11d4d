//! Property: N devices (native `SyncEngine`s) against a real server over HTTP, with random
//! offline edits, deletes, lost responses, replays and sync orders. After a final sync every
//! device equals the server; every pushed edit is either acknowledged or kept in the device's
//! conflict log; an acknowledged write is only ever replaced by a writer that had seen it (each
//! version is won once); replaying any push changes nothing.
//!
//! `PROPTEST_CASES` sets the number of schedules (default 256).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use lifepath_core::sync::{EntityKind, Op, PushRequest, PushResponse, PushStatus};
use lifepath_sync_tests::*;
use proptest::prelude::*;
use serde_json::Value;
use uuid::Uuid;

const DEVICES: usize = 3;
const GOAL_SLOTS: usize = 4;

#[derive(Clone, Debug)]
enum Step {
    /// Create or edit a goal: 0 renames, 1 changes the target, 2 both.
    EditGoal {
        dev: usize,
        slot: usize,
        what: u8,
        target: u32,
    },
    /// Create or edit the snapshot of a month (one id per month, as the web demo does).
    EditSnapshot {
        dev: usize,
        month: u32,
        groceries: u32,
    },
    /// Add a contribution to a goal the device has from the server (`current_amount` grows).
    Contribute {
        dev: usize,
        slot: usize,
        amount: u32,
    },
    /// Delete a goal the device has.
    Delete { dev: usize, slot: usize },
    /// Push everything, then pull everything.
    Sync { dev: usize },
    /// Push one batch of at most `batch`.
    PushOnly { dev: usize, batch: usize },
    /// Push, but the answer never reaches the device.
    PushLost { dev: usize },
    /// Pull everything.
    Pull { dev: usize },
    /// Send an earlier push of the device again, verbatim.
    Replay { dev: usize, which: usize },
}

fn step() -> impl Strategy<Value = Step> {
    let dev = 0..DEVICES;
    prop_oneof![
        6 => (dev.clone(), 0..GOAL_SLOTS, 0u8..3, 1u32..50).prop_map(|(dev, slot, what, t)| Step::EditGoal { dev, slot, what, target: t * 100 }),
        2 => (dev.clone(), 1u32..4, 300u32..900).prop_map(|(dev, month, groceries)| Step::EditSnapshot { dev, month, groceries }),
        3 => (dev.clone(), 0..GOAL_SLOTS, 1u32..500).prop_map(|(dev, slot, amount)| Step::Contribute { dev, slot, amount }),
        2 => (dev.clone(), 0..GOAL_SLOTS).prop_map(|(dev, slot)| Step::Delete { dev, slot }),
        4 => dev.clone().prop_map(|dev| Step::Sync { dev }),
        2 => (dev.clone(), 1usize..4).prop_map(|(dev, batch)| Step::PushOnly { dev, batch }),
        1 => dev.clone().prop_map(|dev| Step::PushLost { dev }),
        2 => dev.clone().prop_map(|dev| Step::Pull { dev }),
        1 => (dev, 0usize..8).prop_map(|(dev, which)| Step::Replay { dev, which }),
    ]
}

struct Env {
    rt: tokio::runtime::Runtime,
    base: String,
    _server: ServerHandle,
}

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        // WAL with synchronous=normal: durability is the SIGKILL test's subject, not this one's.
        let server = rt.block_on(start_in_process(&temp_sqlite(), "normal"));
        Env {
            base: server.base.clone(),
            rt,
            _server: server,
        }
    })
}

/// What the test saw the server answer.
#[derive(Default)]
struct Ledger {
    /// (record, version) → the applied goal name, once per version.
    applied: BTreeMap<(Uuid, i64), Option<String>>,
    /// Every goal name a device pushed: (device, record, name, step).
    sent: Vec<(usize, Uuid, String, usize)>,
    /// Every local change of a goal's name (or deletion): (device, record, step).
    edits: Vec<(usize, Uuid, usize)>,
    /// The current step.
    now: usize,
    /// Every contribution made to each goal, in whole units.
    contributed: BTreeMap<Uuid, u64>,
    /// Every push sent, per device, for replays.
    pushes: Vec<Vec<PushRequest>>,
}

impl Ledger {
    fn record(&mut self, dev: usize, req: &PushRequest, res: &PushResponse) -> Result<(), String> {
        self.pushes[dev].push(req.clone());
        for (m, r) in req.mutations.iter().zip(&res.results) {
            let name = m
                .data
                .as_ref()
                .and_then(|d| d.get("name"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            if m.entity == EntityKind::Goal
                && let Some(n) = &name
            {
                self.sent.push((dev, m.id, n.clone(), self.now));
            }
            if r.status == PushStatus::Applied {
                let v = r.version.ok_or("applied without a version")?;
                // A conditional write: the new version is the base it was made on, plus one.
                if m.op == Op::Upsert || m.base_version > 0 {
                    prop_assert_eq_str(v, m.base_version + 1, "applied version")?;
                }
                if self.applied.insert((m.id, v), name).is_some() {
                    return Err(format!("two writes won version {v} of {}", m.id));
                }
            }
        }
        Ok(())
    }
}

fn prop_assert_eq_str(a: i64, b: i64, what: &str) -> Result<(), String> {
    if a == b {
        Ok(())
    } else {
        Err(format!("{what}: {a} != {b}"))
    }
}

fn goal_id(user: &str, slot: usize) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("{user}/goal/{slot}").as_bytes(),
    )
}

fn snapshot_id(user: &str, month: u32) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("{user}/snapshot/2026-{month:02}").as_bytes(),
    )
}

async fn run(steps: Vec<Step>) -> Result<(), String> {
    let e = env();
    let api = Api::register(&e.base, &format!("p{}@example.com", Uuid::new_v4())).await;
    let user = api.user_id.clone();
    let mut devices: Vec<Device> = (0..DEVICES).map(|_| Device::new(api.clone())).collect();
    let mut ledger = Ledger {
        pushes: vec![Vec::new(); DEVICES],
        ..Ledger::default()
    };
    let mut tick = 0u32;
    let mut stamp = || {
        tick += 1;
        format!(
            "2026-11-21T{:02}:{:02}:{:02}Z",
            tick / 3600,
            tick / 60 % 60,
            tick % 60
        )
    };
    for (n, s) in steps.iter().enumerate() {
        ledger.now = n;
        match *s {
            Step::EditGoal {
                dev,
                slot,
                what,
                target,
            } => {
                let id = goal_id(&user, slot);
                let d = &mut devices[dev];
                let rec = d
                    .engine
                    .store()
                    .records
                    .get(&(EntityKind::Goal, id))
                    .cloned();
                if rec.as_ref().is_some_and(|r| r.deleted && r.version > 0) {
                    continue;
                }
                let name = format!("d{dev}-s{n}");
                let mut data = match rec.and_then(|r| r.data) {
                    Some(v) => v,
                    None => goal(&id.to_string(), &name, target, "2026-01-01T00:00:00Z"),
                };
                if what != 1 {
                    data["name"] = Value::from(name);
                    ledger.edits.push((dev, id, n));
                }
                if what != 0 {
                    data["target_amount"] = Value::from(format!("{target}.00"));
                }
                data["updated_at"] = Value::from(stamp());
                d.engine
                    .upsert(EntityKind::Goal, id, data, Uuid::new_v4())
                    .map_err(|e| e.to_string())?;
            }
            Step::EditSnapshot {
                dev,
                month,
                groceries,
            } => {
                let id = snapshot_id(&user, month);
                let d = &mut devices[dev];
                let rec = d
                    .engine
                    .store()
                    .records
                    .get(&(EntityKind::Snapshot, id))
                    .cloned();
                let mut data = match rec.and_then(|r| r.data) {
                    Some(v) => v,
                    None => snapshot(
                        &id.to_string(),
                        2026,
                        month,
                        groceries,
                        "2026-01-01T00:00:00Z",
                    ),
                };
                data["budget_model"]["expenses"][1]["monthly_amount"] =
                    Value::from(format!("{groceries}.00"));
                data["updated_at"] = Value::from(stamp());
                d.engine
                    .upsert(EntityKind::Snapshot, id, data, Uuid::new_v4())
                    .map_err(|e| e.to_string())?;
            }
            Step::Contribute { dev, slot, amount } => {
                let id = goal_id(&user, slot);
                let d = &mut devices[dev];
                let Some(rec) = d
                    .engine
                    .store()
                    .records
                    .get(&(EntityKind::Goal, id))
                    .cloned()
                else {
                    continue;
                };
                let Some(mut data) = rec.data.filter(|_| !rec.deleted && rec.version > 0) else {
                    continue;
                };
                let current: f64 = data["current_amount"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .ok_or("current_amount is not an amount")?;
                data["current_amount"] = Value::from(format!("{:.2}", current + f64::from(amount)));
                data["updated_at"] = Value::from(stamp());
                d.engine
                    .upsert(EntityKind::Goal, id, data, Uuid::new_v4())
                    .map_err(|e| e.to_string())?;
                *ledger.contributed.entry(id).or_default() += u64::from(amount);
            }
            Step::Delete { dev, slot } => {
                let id = goal_id(&user, slot);
                let d = &mut devices[dev];
                if d.engine.get(EntityKind::Goal, id).is_some() {
                    ledger.edits.push((dev, id, n));
                    d.engine
                        .delete(EntityKind::Goal, id, Uuid::new_v4())
                        .map_err(|e| e.to_string())?;
                }
            }
            Step::Sync { dev } => sync(&mut devices[dev], dev, &mut ledger, 500).await?,
            Step::PushOnly { dev, batch } => {
                let d = &mut devices[dev];
                if let Some(req) = d.engine.next_push(batch) {
                    let res = d.api.push(&req).await;
                    ledger.record(dev, &req, &res)?;
                    d.engine
                        .apply_push_response(&res)
                        .map_err(|e| e.to_string())?;
                }
            }
            Step::PushLost { dev } => {
                let d = &mut devices[dev];
                if let Some(req) = d.engine.next_push(500) {
                    let res = d.api.push(&req).await;
                    ledger.record(dev, &req, &res)?;
                    d.engine.push_failed();
                }
            }
            Step::Pull { dev } => {
                let d = &mut devices[dev];
                let mut out = SyncOutcome::default();
                d.pull_all(&mut out).await;
            }
            Step::Replay { dev, which } => {
                let Some(req) = ledger.pushes[dev].get(which).cloned() else {
                    continue;
                };
                let before = api.feed().await;
                let res = api.push(&req).await;
                for r in &res.results {
                    if r.status == PushStatus::Applied {
                        return Err(format!("a replayed push applied: {r:?}"));
                    }
                }
                if api.feed().await != before {
                    return Err("a replayed push changed the server".into());
                }
            }
        }
    }
    ledger.now = steps.len();
    // Final sync: rounds until nobody has anything to push and a whole round pushed nothing.
    for round in 0.. {
        if round > 10 {
            return Err("devices did not settle in 10 rounds".into());
        }
        let mut pushed = 0;
        for (i, d) in devices.iter_mut().enumerate() {
            pushed += d.engine.pending_count();
            sync(d, i, &mut ledger, 500).await?;
        }
        if pushed == 0 && devices.iter().all(|d| d.engine.pending_count() == 0) {
            break;
        }
    }
    let feed = api.feed().await;
    let server = live_of_feed(&feed);
    for (i, d) in devices.iter().enumerate() {
        if d.live() != server {
            return Err(format!(
                "device {i} differs from the server:\n device {:?}\n server {:?}",
                d.live(),
                server
            ));
        }
    }
    // Every deletion reached every device.
    for c in feed.iter().filter(|c| c.deleted) {
        for (i, d) in devices.iter().enumerate() {
            if d.engine.get(c.entity, c.id).is_some() {
                return Err(format!("device {i} still has deleted {}", c.id));
            }
        }
    }
    // Nothing pushed vanished silently: each name a device sent was acknowledged (applied at
    // some version), sits in that device's conflict log for the record, or was replaced by the
    // same device's own later edit.
    let acked: BTreeSet<(Uuid, String)> = ledger
        .applied
        .iter()
        .filter_map(|((id, _), n)| n.clone().map(|n| (*id, n)))
        .collect();
    for (dev, id, name, _sent_at) in &ledger.sent {
        // Names are `d{device}-s{step}`: the step the edit was made at.
        let made_at: usize = name
            .rsplit_once("-s")
            .and_then(|(_, n)| n.parse().ok())
            .ok_or("a name without its step")?;
        if acked.contains(&(*id, name.clone()))
            || ledger
                .edits
                .iter()
                .any(|(d, r, when)| d == dev && r == id && *when > made_at)
        {
            continue;
        }
        let logged = devices[*dev]
            .engine
            .store()
            .records
            .get(&(EntityKind::Goal, *id))
            .is_some_and(|r| {
                r.conflicts.iter().any(|c| {
                    c.discarded.as_str() == Some(name.as_str())
                        || c.discarded.get("name").and_then(Value::as_str) == Some(name.as_str())
                })
            });
        if !logged {
            return Err(format!(
                "device {dev}'s edit {name} of {id} was neither acknowledged nor logged"
            ));
        }
    }
    // Money adds up: a goal's amount is the sum of every contribution made to it on any
    // device (offline, concurrently), or a device's conflict log says which amount lost.
    for c in feed
        .iter()
        .filter(|c| c.entity == EntityKind::Goal && !c.deleted)
    {
        let expected = ledger.contributed.get(&c.id).copied().unwrap_or(0);
        let got = c
            .data
            .as_ref()
            .and_then(|d| d["current_amount"].as_str())
            .unwrap_or("");
        if got != format!("{expected}.00") {
            let logged = devices.iter().any(|d| {
                d.engine
                    .store()
                    .records
                    .get(&(EntityKind::Goal, c.id))
                    .is_some_and(|r| {
                        r.conflicts
                            .iter()
                            .any(|e| e.field == "current_amount" || e.field == "*")
                    })
            });
            if !logged {
                return Err(format!(
                    "{} holds {got} after contributions of {expected}.00, and no device logged a lost amount",
                    c.id
                ));
            }
        }
    }
    // The current value of each goal is its last acknowledged write.
    for c in feed
        .iter()
        .filter(|c| c.entity == EntityKind::Goal && !c.deleted)
    {
        if let Some(Some(name)) = ledger.applied.get(&(c.id, c.version))
            && c.data
                .as_ref()
                .and_then(|d| d.get("name"))
                .and_then(Value::as_str)
                != Some(name.as_str())
        {
            return Err(format!(
                "{} at version {} is not its acknowledged write",
                c.id, c.version
            ));
        }
    }
    Ok(())
}

async fn sync(d: &mut Device, dev: usize, ledger: &mut Ledger, batch: usize) -> Result<(), String> {
    while let Some(req) = d.engine.next_push(batch) {
        let res = d.api.push(&req).await;
        ledger.record(dev, &req, &res)?;
        d.engine
            .apply_push_response(&res)
            .map_err(|e| e.to_string())?;
    }
    let mut out = SyncOutcome::default();
    d.pull_all(&mut out).await;
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 200, ..ProptestConfig::default() })]

    #[test]
    fn devices_converge_and_nothing_is_lost(steps in prop::collection::vec(step(), 5..40)) {
        let result = env().rt.block_on(run(steps));
        prop_assert!(result.is_ok(), "{}", result.err().unwrap_or_default());
    }
}
