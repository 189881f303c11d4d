//! The sync engine against an in-memory reference server that follows DESIGN §4 (idempotent
//! op_ids, conditional writes on version, a per-user change feed). The same engine runs
//! against the real HTTP server in the top-level tests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::type_complexity)]

use std::collections::BTreeMap;

use lifepath_core::sync::*;
use proptest::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

#[derive(Default)]
struct Server {
    /// (entity, id) → (version, deleted, data, seq)
    records: BTreeMap<(EntityKind, Uuid), (i64, bool, Option<Value>, u64)>,
    seq: u64,
    results: BTreeMap<Uuid, PushResult>,
    /// Every value each field of each record ever had on the server.
    history: Vec<(Uuid, String, Value)>,
    /// The change sequence of the last tombstone purged (0: none).
    purged: u64,
}

impl Server {
    fn push(&mut self, req: &PushRequest) -> PushResponse {
        assert!(req.mutations.len() <= MAX_PUSH_BATCH);
        let mut results = Vec::new();
        for m in &req.mutations {
            if let Some(r) = self.results.get(&m.op_id) {
                let mut r = r.clone();
                if r.status == PushStatus::Applied {
                    r.status = PushStatus::Duplicate;
                }
                results.push(r);
                continue;
            }
            let key = (m.entity, m.id);
            let current = self.records.get(&key).cloned();
            let conflict = |cur: &(i64, bool, Option<Value>, u64)| PushResult {
                op_id: m.op_id,
                status: PushStatus::Conflict,
                version: None,
                server_record: Some(ServerRecord {
                    version: cur.0,
                    deleted: cur.1,
                    data: cur.2.clone(),
                }),
                error: None,
            };
            let r = match (m.op, &current) {
                (Op::Upsert, None) if m.base_version == 0 => self.write(m, 1, false),
                (Op::Upsert, Some(cur)) if !cur.1 && cur.0 == m.base_version => {
                    self.write(m, cur.0 + 1, false)
                }
                (Op::Delete, Some(cur)) if !cur.1 && cur.0 == m.base_version => {
                    self.write(m, cur.0 + 1, true)
                }
                (Op::Delete, None) => PushResult {
                    op_id: m.op_id,
                    status: PushStatus::Rejected,
                    version: None,
                    server_record: None,
                    error: Some("not found".into()),
                },
                (_, Some(cur)) => conflict(cur),
                (Op::Upsert, None) => conflict(&(0, true, None, 0)),
            };
            self.results.insert(m.op_id, r.clone());
            results.push(r);
        }
        PushResponse { results }
    }

    fn write(&mut self, m: &Mutation, version: i64, deleted: bool) -> PushResult {
        self.seq += 1;
        let data = m.data.clone().filter(|_| !deleted).map(|mut d| {
            d["version"] = json!(version);
            d
        });
        if let Some(Value::Object(o)) = &data {
            for (k, v) in o {
                self.history.push((m.id, k.clone(), v.clone()));
            }
        }
        self.records
            .insert((m.entity, m.id), (version, deleted, data, self.seq));
        PushResult {
            op_id: m.op_id,
            status: PushStatus::Applied,
            version: Some(version),
            server_record: None,
            error: None,
        }
    }

    fn pull(&self, since: Option<&str>, limit: usize) -> PullResponse {
        let since: u64 = since.map_or(0, |s| s.parse().unwrap());
        let mut rows: Vec<_> = self.records.iter().filter(|(_, r)| r.3 > since).collect();
        rows.sort_by_key(|(_, r)| r.3);
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        let cursor = rows.last().map_or(since, |(_, r)| r.3).to_string();
        PullResponse {
            changes: rows
                .into_iter()
                .map(|((e, id), r)| Change {
                    entity: *e,
                    id: *id,
                    version: r.0,
                    deleted: r.1,
                    data: r.2.clone(),
                })
                .collect(),
            cursor,
            has_more,
        }
    }

    /// Purges every tombstone, like the server after `LIFEPATH_TOMBSTONE_DAYS`.
    fn purge(&mut self) {
        for r in self.records.values().filter(|r| r.1) {
            self.purged = self.purged.max(r.3);
        }
        self.records.retain(|_, r| !r.1);
    }

    /// `pull`, refused (410 `cursor_expired`) from a cursor before the purge mark, unless the
    /// cursor is one of a pull from the beginning (`f` prefix: its client drops what it was not
    /// sent); the last page's cursor moves past the mark.
    fn pull_checked(&self, since: Option<&str>, limit: usize) -> Option<PullResponse> {
        let full = since.is_none_or(|s| s.starts_with('f'));
        let since = since.map(|s| s.trim_start_matches('f'));
        if !full && since.is_some_and(|s| s.parse::<u64>().unwrap() < self.purged) {
            return None;
        }
        let mut page = self.pull(since, limit);
        if !page.has_more && page.cursor.parse::<u64>().unwrap() < self.purged {
            page.cursor = self.purged.to_string();
        } else if page.has_more && full {
            page.cursor = format!("f{}", page.cursor);
        }
        Some(page)
    }

    fn live(&self) -> BTreeMap<Uuid, Value> {
        self.records
            .iter()
            .filter_map(|((_, id), r)| r.2.clone().map(|d| (*id, d)))
            .collect()
    }
}

fn push_all(engine: &mut SyncEngine, server: &mut Server) {
    while let Some(req) = engine.next_push(3) {
        let resp = server.push(&req);
        engine.apply_push_response(&resp).unwrap();
    }
}

fn sync(engine: &mut SyncEngine, server: &mut Server) {
    push_all(engine, server);
    loop {
        let page = server.pull(engine.cursor().as_deref(), 4);
        engine.apply_pull(&page).unwrap();
        if !page.has_more {
            break;
        }
    }
}

fn op(n: &mut u128) -> Uuid {
    *n += 1;
    Uuid::from_u128(0xAB00_0000 + *n)
}

fn rid(k: u8) -> Uuid {
    Uuid::from_u128(0x1000 + u128::from(k))
}

fn stamp(t: u64) -> String {
    format!("2026-11-21T10:{:02}:{:02}Z", (t / 60) % 60, t % 60)
}

#[test]
fn two_devices_merge_fields_and_log_the_loser() {
    let mut server = Server::default();
    let (mut a, mut b) = (SyncEngine::default(), SyncEngine::default());
    let mut n = 0;
    let id = rid(1);
    let goal = json!({"id": id.to_string(), "name": "Trip", "target_amount": "1000.00", "priority": "low", "updated_at": stamp(1)});
    a.upsert(EntityKind::Goal, id, goal.clone(), op(&mut n))
        .unwrap();
    sync(&mut a, &mut server);
    sync(&mut b, &mut server);
    assert_eq!(b.get(EntityKind::Goal, id).unwrap()["name"], "Trip");
    // Offline: A renames and raises the target; B raises the target later and sets priority.
    let mut ga = a.get(EntityKind::Goal, id).unwrap();
    ga["name"] = json!("Lisbon");
    ga["target_amount"] = json!("1200.00");
    ga["updated_at"] = json!(stamp(2));
    a.upsert(EntityKind::Goal, id, ga, op(&mut n)).unwrap();
    let mut gb = b.get(EntityKind::Goal, id).unwrap();
    gb["target_amount"] = json!("1500.00");
    gb["priority"] = json!("high");
    gb["updated_at"] = json!(stamp(3));
    b.upsert(EntityKind::Goal, id, gb, op(&mut n)).unwrap();
    sync(&mut a, &mut server);
    sync(&mut b, &mut server); // conflict → merge → push
    sync(&mut a, &mut server);
    let (fa, fb) = (
        a.get(EntityKind::Goal, id).unwrap(),
        b.get(EntityKind::Goal, id).unwrap(),
    );
    assert_eq!(fa, fb);
    assert_eq!(fa["name"], "Lisbon");
    assert_eq!(fa["priority"], "high");
    assert_eq!(fa["target_amount"], "1500.00", "B's edit is later");
    let log = &b.conflicts()[0].conflicts;
    assert_eq!(log[0].field, "target_amount");
    assert_eq!(log[0].discarded, "1200.00");
    assert_eq!(a.pending_count() + b.pending_count(), 0);
}

#[test]
fn lost_response_is_retried_idempotently_and_deletes_reach_everyone() {
    let mut server = Server::default();
    let (mut a, mut b) = (SyncEngine::default(), SyncEngine::default());
    let mut n = 0;
    let id = rid(2);
    a.upsert(
        EntityKind::Snapshot,
        id,
        json!({"id": id.to_string(), "x": 1, "updated_at": stamp(1)}),
        op(&mut n),
    )
    .unwrap();
    let req = a.next_push(10).unwrap();
    let first = server.push(&req); // applied, but the answer is lost
    a.push_failed();
    let req2 = a.next_push(10).unwrap();
    assert_eq!(req, req2, "same op_ids on retry");
    let second = server.push(&req2);
    assert_eq!(second.results[0].status, PushStatus::Duplicate);
    assert_eq!(second.results[0].version, first.results[0].version);
    a.apply_push_response(&second).unwrap();
    assert_eq!(server.records.len(), 1);
    sync(&mut b, &mut server);
    // B edits offline while A deletes: the deletion wins, B's edit is kept in its log.
    let mut r = b.get(EntityKind::Snapshot, id).unwrap();
    r["x"] = json!(2);
    r["updated_at"] = json!(stamp(5));
    b.upsert(EntityKind::Snapshot, id, r, op(&mut n)).unwrap();
    sync(&mut a, &mut server);
    a.delete(EntityKind::Snapshot, id, op(&mut n)).unwrap();
    sync(&mut a, &mut server);
    sync(&mut b, &mut server);
    assert_eq!(b.get(EntityKind::Snapshot, id), None);
    assert_eq!(b.conflicts()[0].conflicts[0].discarded["x"], 2);
    assert!(server.live().is_empty());
}

#[derive(Clone, Debug)]
enum Step {
    Edit {
        device: usize,
        record: u8,
        field: u8,
        value: u8,
    },
    Delete {
        device: usize,
        record: u8,
    },
    Sync {
        device: usize,
    },
    LostResponse {
        device: usize,
    },
    Replay,
}

fn step(devices: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0..devices, 0u8..4, 0u8..3, any::<u8>()).prop_map(|(device, record, field, value)| Step::Edit { device, record, field, value }),
        1 => (0..devices, 0u8..4).prop_map(|(device, record)| Step::Delete { device, record }),
        3 => (0..devices).prop_map(|device| Step::Sync { device }),
        1 => (0..devices).prop_map(|device| Step::LostResponse { device }),
        1 => Just(Step::Replay),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn devices_converge_and_nothing_is_lost_silently(
        devices in 2usize..4,
        steps in prop::collection::vec(step(3), 1..60),
    ) {
        let mut server = Server::default();
        let mut engines: Vec<SyncEngine> = (0..devices).map(|_| SyncEngine::default()).collect();
        let mut n = 0u128;
        let mut clock = 0u64;
        let mut last_push: Option<PushRequest> = None;
        // (device, record, field, value, superseded)
        let mut edits: Vec<(usize, Uuid, String, Value, bool)> = Vec::new();
        let fields = ["name", "amount", "note"];
        for s in steps {
            match s {
                Step::Edit { device, record, field, value } => {
                    let d = device % devices;
                    let id = rid(record);
                    let mut data = engines[d].get(EntityKind::Goal, id).unwrap_or_else(|| json!({"id": id.to_string()}));
                    clock += 1;
                    let f = fields[field as usize];
                    let v = json!(format!("{d}-{value}-{clock}"));
                    data[f] = v.clone();
                    data["updated_at"] = json!(stamp(clock));
                    if engines[d].upsert(EntityKind::Goal, id, data, op(&mut n)).is_ok() {
                        for e in edits.iter_mut().filter(|e| e.0 == d && e.1 == id && e.2 == f) {
                            e.4 = true;
                        }
                        edits.push((d, id, f.to_owned(), v, false));
                    }
                }
                Step::Delete { device, record } => {
                    let d = device % devices;
                    if engines[d].get(EntityKind::Goal, rid(record)).is_some() {
                        engines[d].delete(EntityKind::Goal, rid(record), op(&mut n)).unwrap();
                        // The device's own deletion supersedes its edits of the record.
                        for e in edits.iter_mut().filter(|e| e.0 == d && e.1 == rid(record)) {
                            e.4 = true;
                        }
                    }
                }
                Step::Sync { device } => sync(&mut engines[device % devices], &mut server),
                Step::LostResponse { device } => {
                    let e = &mut engines[device % devices];
                    if let Some(req) = e.next_push(2) {
                        server.push(&req);
                        e.push_failed();
                        last_push = Some(req);
                    }
                }
                Step::Replay => {
                    if let Some(req) = &last_push {
                        let before = server.live();
                        let seq = server.seq;
                        server.push(req);
                        prop_assert_eq!(server.live(), before, "a replayed push changes nothing");
                        prop_assert_eq!(server.seq, seq);
                    }
                }
            }
        }
        for _ in 0..3 {
            for e in engines.iter_mut() {
                sync(e, &mut server);
            }
        }
        let live = server.live();
        for e in &engines {
            prop_assert_eq!(e.pending_count(), 0);
            let mine: BTreeMap<Uuid, Value> = e
                .list(EntityKind::Goal)
                .into_iter()
                .map(|v| (v["id"].as_str().unwrap().parse().unwrap(), v))
                .collect();
            prop_assert_eq!(&mine, &live, "every device equals the server");
        }
        // No edit vanishes silently: each one that its own device did not overwrite reached the
        // server, or sits in a conflict log, or its record was deleted.
        let logged = |id: Uuid, f: &str, v: &Value| {
            engines.iter().any(|e| {
                e.store().records.values().filter(|r| r.id == id).any(|r| {
                    r.conflicts.iter().any(|c| (c.field == f && &c.discarded == v) || (c.field == "*" && c.discarded.get(f) == Some(v)))
                })
            })
        };
        for (_, id, f, v, _) in edits.iter().filter(|e| !e.4) {
            let reached = server.history.iter().any(|(hid, hf, hv)| hid == id && hf == f && hv == v);
            let deleted = server.records.iter().any(|((_, rid), r)| rid == id && r.1);
            prop_assert!(reached || logged(*id, f, v) || deleted, "edit {f}={v} of {id} was lost");
        }
    }
}

#[test]
fn a_malformed_push_answer_changes_nothing() {
    let mut e = SyncEngine::new(MemoryStore::default());
    let id = rid(1);
    e.upsert(
        EntityKind::Goal,
        id,
        json!({"id": id, "name": "a"}),
        Uuid::from_u128(9),
    )
    .unwrap();
    let req = e.next_push(10).unwrap();
    let bad = PushResponse {
        results: vec![PushResult {
            op_id: req.mutations[0].op_id,
            status: PushStatus::Conflict,
            version: Some(2),
            server_record: None,
            error: None,
        }],
    };
    let err = e.apply_push_response(&bad).unwrap_err();
    assert_eq!(err.field(), Some("server_record"));
    // The mutation is still queued and in flight: retrying sends it again, same op_id.
    assert_eq!(e.pending_count(), 1);
    e.push_failed();
    assert_eq!(e.next_push(10).unwrap(), req);
}

/// `sync`, starting over from the beginning when the server refuses the cursor; whether it did.
fn sync_starting_over(engine: &mut SyncEngine, server: &mut Server) -> bool {
    push_all(engine, server);
    let mut started_over = false;
    loop {
        match server.pull_checked(engine.cursor().as_deref(), 2) {
            None => {
                assert!(!started_over, "a pull from the beginning is never refused");
                engine.begin_full_pull();
                assert_eq!(engine.cursor(), None);
                started_over = true;
            }
            Some(page) => {
                engine.apply_pull(&page).unwrap();
                if !page.has_more {
                    break;
                }
            }
        }
    }
    started_over
}

fn goal(id: Uuid, name: &str, t: u64) -> Value {
    json!({"id": id.to_string(), "name": name, "target_amount": "100.00", "updated_at": stamp(t)})
}

#[test]
fn a_device_away_longer_than_the_tombstones_starts_over_and_still_gets_the_deletions() {
    let mut server = Server::default();
    let (mut a, mut b) = (SyncEngine::default(), SyncEngine::default());
    let mut n = 0;
    for k in 1..=6 {
        a.upsert(
            EntityKind::Goal,
            rid(k),
            goal(rid(k), "goal", 1),
            op(&mut n),
        )
        .unwrap();
    }
    sync(&mut a, &mut server);
    sync(&mut b, &mut server);
    assert_eq!(b.list(EntityKind::Goal).len(), 6);
    // B goes away. A deletes goals 1 and 2 and renames goal 3; the server purges the
    // tombstones. Meanwhile B creates goal 7 offline.
    a.delete(EntityKind::Goal, rid(1), op(&mut n)).unwrap();
    a.delete(EntityKind::Goal, rid(2), op(&mut n)).unwrap();
    a.upsert(
        EntityKind::Goal,
        rid(3),
        goal(rid(3), "renamed", 2),
        op(&mut n),
    )
    .unwrap();
    sync(&mut a, &mut server);
    server.purge();
    b.upsert(
        EntityKind::Goal,
        rid(7),
        goal(rid(7), "from b", 3),
        op(&mut n),
    )
    .unwrap();
    // A plain pull from B's old cursor would miss the deletions: the server refuses it.
    assert!(server.pull_checked(b.cursor().as_deref(), 2).is_none());

    // B starts over, but is stopped after the first page (the app closed): its stored cursor is
    // still the refused one, so the next engine over its store starts over again.
    push_all(&mut b, &mut server);
    let old_cursor = b.cursor();
    b.begin_full_pull();
    assert!(b.full_pull_in_progress());
    let first = server.pull_checked(None, 2).unwrap();
    assert!(first.has_more);
    b.apply_pull(&first).unwrap();
    let mut b = SyncEngine::new(b.into_store());
    assert!(!b.full_pull_in_progress());
    assert_eq!(b.cursor(), old_cursor);

    assert!(sync_starting_over(&mut b, &mut server));
    assert!(!b.full_pull_in_progress());
    assert_eq!(
        b.get(EntityKind::Goal, rid(1)),
        None,
        "deleted while B was away"
    );
    assert_eq!(
        b.get(EntityKind::Goal, rid(2)),
        None,
        "deleted while B was away"
    );
    assert_eq!(b.get(EntityKind::Goal, rid(3)).unwrap()["name"], "renamed");
    assert_eq!(b.get(EntityKind::Goal, rid(7)).unwrap()["name"], "from b");
    // From here on, plain pulls: the cursor is past the purge mark.
    assert!(!sync_starting_over(&mut b, &mut server));
    assert!(
        !sync_starting_over(&mut a, &mut server),
        "A saw the deletions itself"
    );
    let ids = |e: &SyncEngine| {
        let mut v: Vec<Value> = e.list(EntityKind::Goal);
        v.sort_by_key(|g| g["id"].as_str().unwrap().to_owned());
        v
    };
    assert_eq!(ids(&a), ids(&b));
    assert_eq!(ids(&b).len(), 5, "goals 3 to 7");
    assert_eq!(server.live().len(), 5);
}

#[test]
fn starting_over_keeps_a_record_with_a_pending_edit_for_its_push_to_decide() {
    let mut server = Server::default();
    let (mut a, mut b) = (SyncEngine::default(), SyncEngine::default());
    let mut n = 0;
    a.upsert(
        EntityKind::Goal,
        rid(1),
        goal(rid(1), "goal", 1),
        op(&mut n),
    )
    .unwrap();
    sync(&mut a, &mut server);
    sync(&mut b, &mut server);
    a.delete(EntityKind::Goal, rid(1), op(&mut n)).unwrap();
    sync(&mut a, &mut server);
    server.purge();
    // B edits the goal offline; its pull starts over before its push is answered.
    b.upsert(
        EntityKind::Goal,
        rid(1),
        goal(rid(1), "edited", 2),
        op(&mut n),
    )
    .unwrap();
    b.begin_full_pull();
    loop {
        let page = server.pull_checked(b.cursor().as_deref(), 2).unwrap();
        b.apply_pull(&page).unwrap();
        if !page.has_more {
            break;
        }
    }
    assert_eq!(b.get(EntityKind::Goal, rid(1)).unwrap()["name"], "edited");
    assert_eq!(b.pending_count(), 1);
    // Its push meets a record the server no longer has; the devices still converge.
    sync_starting_over(&mut b, &mut server);
    sync_starting_over(&mut a, &mut server);
    assert_eq!(
        a.get(EntityKind::Goal, rid(1)),
        b.get(EntityKind::Goal, rid(1))
    );
    assert_eq!(b.pending_count(), 0);
}

#[test]
fn a_batch_says_when_more_of_the_queue_follows() {
    let mut server = Server::default();
    let mut e: SyncEngine = SyncEngine::default();
    let mut n = 0;
    for k in 0..5 {
        let id = rid(100 + k);
        e.upsert(
            EntityKind::Goal,
            id,
            json!({"id": id.to_string(), "x": k, "updated_at": stamp(1)}),
            op(&mut n),
        )
        .unwrap();
    }
    let mut more = Vec::new();
    while let Some(req) = e.next_push(2) {
        more.push(req.more);
        let resp = server.push(&req);
        e.apply_push_response(&resp).unwrap();
    }
    assert_eq!(more, [true, true, false], "5 mutations in batches of 2");
    // Two changes of one record go out one per batch: the first batch says more follows.
    let id = rid(100);
    for x in [7, 8] {
        e.upsert(
            EntityKind::Goal,
            id,
            json!({"id": id.to_string(), "x": x, "updated_at": stamp(2)}),
            op(&mut n),
        )
        .unwrap();
        // Keep the first queued (in flight) so the second cannot coalesce into it.
        if x == 7 {
            let req = e.next_push(10).unwrap();
            assert!(!req.more, "alone in the queue");
            e.push_failed();
            let again = e.next_push(10).unwrap();
            assert_eq!(again, req);
            e.push_failed();
        }
    }
    let req = e.next_push(10).unwrap();
    assert_eq!(req.mutations.len(), 1);
    assert!(req.more, "the second change of the record follows");
    // The field is left out of the JSON when false, and read as false when absent.
    let text = serde_json::to_value(&PushRequest {
        mutations: Vec::new(),
        more: false,
    })
    .unwrap();
    assert_eq!(text, json!({"mutations": []}));
    let back: PushRequest = serde_json::from_value(json!({"mutations": []})).unwrap();
    assert!(!back.more);
}
