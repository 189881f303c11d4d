//! `SyncEngine`: what to push, how to apply push results and pulled changes, how to rebase a
//! conflict. No I/O: the caller sends [`SyncEngine::next_push`] and feeds the answers back.
//!
//! A sync round is: `next_push` → send → `apply_push_response` (or `push_failed` on a transport
//! error, which keeps the same op_ids for an idempotent retry) until nothing is pending, then
//! `pull` pages with [`SyncEngine::cursor`] → `apply_pull` until `has_more` is false.
//!
//! Rules:
//! - Edits not yet sent coalesce per record; an edit made while a push is in flight queues
//!   behind it and is re-based on the version that push produces.
//! - A conflict (or a pulled change under a pending edit) is merged field by field against the
//!   last server state; fields both sides changed go to the later `updated_at`, the other value
//!   to the record's conflict log.
//! - A deletion wins over a concurrent edit (the edit is kept in the conflict log), so a
//!   deletion reaches every device.
//! - A rejected mutation is dropped and the record returns to the server's state.
//! - When the server refuses the cursor (410 `cursor_expired`: it purged deletions after it),
//!   [`SyncEngine::begin_full_pull`] starts over from the beginning; at its last page, every
//!   record the server no longer has becomes a tombstone, so a deletion still reaches a device
//!   that was away longer than the server keeps tombstones.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::sync::merge::{ConflictEntry, merge_records_with};
use crate::sync::protocol::*;
use crate::sync::store::{LocalStore, MemoryStore, PendingMutation, StoredRecord};

/// What applying a push response did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushSummary {
    /// Mutations the server applied (or had applied: duplicates).
    pub applied: usize,
    /// Mutations that conflicted and were rebased.
    pub conflicts: usize,
    /// Mutations the server rejected, with its reasons.
    pub rejected: Vec<RejectedMutation>,
    /// Field values that lost a merge in this round.
    pub merged: Vec<MergeNotice>,
}

/// A mutation the server refused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RejectedMutation {
    /// Kind.
    pub entity: EntityKind,
    /// Record id.
    pub id: Uuid,
    /// The server's reason.
    pub error: String,
}

/// A merge that kept one value and logged the other.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergeNotice {
    /// Kind.
    pub entity: EntityKind,
    /// Record id.
    pub id: Uuid,
    /// The conflict.
    pub conflict: ConflictEntry,
}

/// What applying a pull page did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullSummary {
    /// Records written from the server.
    pub updated: usize,
    /// Records deleted by the server.
    pub deleted: usize,
    /// Field values that lost a merge with a pending local edit.
    pub merged: Vec<MergeNotice>,
}

/// The offline-first sync engine over a [`LocalStore`].
#[derive(Clone, Debug, Default)]
pub struct SyncEngine<S: LocalStore = MemoryStore> {
    store: S,
    /// A pull from the beginning in progress (see [`SyncEngine::begin_full_pull`]).
    full_pull: Option<FullPull>,
}

/// What a pull from the beginning has seen so far. Kept in memory only: the stored cursor stays
/// the refused one until the last page, so a device restarted halfway is refused again and
/// starts over.
#[derive(Clone, Debug, Default)]
struct FullPull {
    seen: BTreeSet<(EntityKind, Uuid)>,
    cursor: Option<String>,
}

/// The op_id of a mutation rebased after a conflict: derived, so the engine needs no
/// randomness, and different from the original so the server does not answer from its
/// idempotency record.
pub fn rebased_op_id(op_id: Uuid, server_version: i64) -> Uuid {
    Uuid::new_v5(&op_id, format!("rebase:{server_version}").as_bytes())
}

fn deleted_entry(local: &Value, server_version: i64) -> ConflictEntry {
    ConflictEntry {
        field: "*".into(),
        kept: Value::Null,
        discarded: local.clone(),
        discarded_side: "local".into(),
        server_version,
    }
}

impl<S: LocalStore> SyncEngine<S> {
    /// An engine over `store`.
    pub fn new(store: S) -> Self {
        SyncEngine {
            store,
            full_pull: None,
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The store, to persist it.
    pub fn into_store(self) -> S {
        self.store
    }

    /// The live record (None when absent or deleted).
    pub fn get(&self, entity: EntityKind, id: Uuid) -> Option<Value> {
        self.store.record(entity, id).and_then(|r| r.data)
    }

    /// Every live record of a kind.
    pub fn list(&self, entity: EntityKind) -> Vec<Value> {
        self.store
            .records()
            .into_iter()
            .filter(|r| r.entity == entity)
            .filter_map(|r| r.data)
            .collect()
    }

    /// Every record with a non-empty conflict log.
    pub fn conflicts(&self) -> Vec<StoredRecord> {
        self.store
            .records()
            .into_iter()
            .filter(|r| !r.conflicts.is_empty())
            .collect()
    }

    /// Mutations not yet acknowledged.
    pub fn pending_count(&self) -> usize {
        let mut n = 0;
        self.store.read_queue(&mut |q| n = q.len());
        n
    }

    /// True when some queued mutation matches `f`.
    fn queue_any(&self, f: impl Fn(&PendingMutation) -> bool) -> bool {
        let mut found = false;
        self.store.read_queue(&mut |q| found = q.iter().any(&f));
        found
    }

    /// The cursor to pull from.
    pub fn cursor(&self) -> Option<String> {
        match &self.full_pull {
            Some(full) => full.cursor.clone(),
            None => self.store.cursor(),
        }
    }

    /// Starts a pull from the beginning, after the server refused the cursor (410
    /// `cursor_expired`: deletions after it were purged). `cursor()` is then `None` and moves
    /// with each `apply_pull`; at the page whose `has_more` is false, every record the server
    /// knew (version > 0) that no page of this pull mentioned, and that has no pending mutation,
    /// becomes a tombstone, as if its deletion had been pulled. A record with a pending
    /// mutation is kept: its push decides.
    pub fn begin_full_pull(&mut self) {
        self.full_pull = Some(FullPull::default());
    }

    /// True while a pull from the beginning is in progress.
    pub fn full_pull_in_progress(&self) -> bool {
        self.full_pull.is_some()
    }

    /// Records a local create or edit of `data` (its `id` must match).
    pub fn upsert(&mut self, entity: EntityKind, id: Uuid, data: Value, op_id: Uuid) -> Result<()> {
        if !data.is_object() {
            return Err(Error::invalid("data", "must be a JSON object"));
        }
        if let Some(data_id) = data.get("id")
            && data_id.as_str() != Some(id.to_string().as_str())
        {
            return Err(Error::invalid("data.id", "must equal the record id"));
        }
        let mut rec = self.store.record(entity, id).unwrap_or(StoredRecord {
            entity,
            id,
            version: 0,
            data: None,
            base: None,
            deleted: false,
            conflicts: Vec::new(),
        });
        if rec.deleted && rec.version > 0 {
            return Err(Error::invalid("id", "the record was deleted"));
        }
        rec.data = Some(data.clone());
        rec.deleted = false;
        let version = rec.version;
        self.store.put_record(rec);
        self.enqueue(Mutation {
            op_id,
            entity,
            id,
            base_version: version,
            op: Op::Upsert,
            data: Some(data),
        });
        Ok(())
    }

    /// Records a local deletion.
    pub fn delete(&mut self, entity: EntityKind, id: Uuid, op_id: Uuid) -> Result<()> {
        let Some(mut rec) = self.store.record(entity, id) else {
            return Err(Error::invalid("id", "no such record"));
        };
        // A create that was sent may be on the server even without an answer.
        let sent = self.queue_any(|p| {
            (p.in_flight || p.sent) && p.mutation.entity == entity && p.mutation.id == id
        });
        rec.data = None;
        rec.deleted = true;
        let version = rec.version;
        self.store.put_record(rec);
        if version == 0 && !sent {
            // Never reached the server: forget the queued create.
            self.drop_queued(entity, id);
            return Ok(());
        }
        self.enqueue(Mutation {
            op_id,
            entity,
            id,
            base_version: version,
            op: Op::Delete,
            data: None,
        });
        Ok(())
    }

    fn enqueue(&mut self, m: Mutation) {
        let mut m = Some(m);
        self.store.update_queue(&mut |queue| {
            if let Some(m) = m.take() {
                Self::enqueue_into(queue, m);
            }
        });
    }

    fn enqueue_into(queue: &mut Vec<PendingMutation>, m: Mutation) {
        if let Some(p) = queue
            .iter_mut()
            .rev()
            .find(|p| p.mutation.entity == m.entity && p.mutation.id == m.id)
            .filter(|p| !p.in_flight && !p.sent)
        {
            // Never sent: coalesce into it, keeping its base version.
            p.mutation.op_id = m.op_id;
            p.mutation.op = m.op;
            p.mutation.data = m.data;
        } else {
            queue.push(PendingMutation {
                mutation: m,
                in_flight: false,
                sent: false,
            });
        }
    }

    /// The next batch to push (at most `max`, capped at [`MAX_PUSH_BATCH`]), marked in flight;
    /// `None` when nothing is pending or a push is already in flight. Only the first pending
    /// mutation of each record goes out per batch, so the next one can be re-based on its
    /// result.
    pub fn next_push(&mut self, max: usize) -> Option<PushRequest> {
        if self.queue_any(|p| p.in_flight) {
            return None;
        }
        let max = max.clamp(1, MAX_PUSH_BATCH);
        let mut mutations = Vec::new();
        let mut more = false;
        self.store.update_queue(&mut |queue| {
            let mut seen = std::collections::BTreeSet::new();
            for p in queue.iter_mut() {
                if mutations.len() == max {
                    break;
                }
                if seen.insert((p.mutation.entity, p.mutation.id)) {
                    p.in_flight = true;
                    p.sent = true;
                    mutations.push(p.mutation.clone());
                }
            }
            more = queue.iter().any(|p| !p.in_flight);
        });
        if mutations.is_empty() {
            return None;
        }
        Some(PushRequest { mutations, more })
    }

    /// The push could not be delivered or answered: its mutations stay queued with the same
    /// op_ids, so sending them again is idempotent.
    pub fn push_failed(&mut self) {
        self.store.update_queue(&mut |queue| {
            for p in queue.iter_mut() {
                p.in_flight = false;
            }
        });
    }

    /// Applies the server's answer to the push in flight.
    pub fn apply_push_response(&mut self, response: &PushResponse) -> Result<PushSummary> {
        let mut summary = PushSummary::default();
        let mut sent: Vec<Mutation> = Vec::new();
        self.store.read_queue(&mut |q| {
            sent = q
                .iter()
                .filter(|p| p.in_flight)
                .map(|p| p.mutation.clone())
                .collect();
        });
        if response.results.len() != sent.len() {
            return Err(Error::invalid(
                "results",
                format!(
                    "expected {} results, got {}",
                    sent.len(),
                    response.results.len()
                ),
            ));
        }
        for (m, r) in sent.iter().zip(&response.results) {
            if r.op_id != m.op_id {
                return Err(Error::invalid(
                    "results",
                    "results are not in the order of the mutations",
                ));
            }
            if r.status == PushStatus::Conflict && r.server_record.is_none() {
                // Checked before anything changes, so a bad answer leaves the queue as it was.
                return Err(Error::invalid(
                    "server_record",
                    "a conflict must carry the server record",
                ));
            }
        }
        // The answered mutations leave the queue at once; later ones of an applied record are
        // re-based in one pass at the end (a batch holds one mutation per record).
        self.store
            .update_queue(&mut |queue| queue.retain(|p| !p.in_flight));
        let mut rebased: std::collections::BTreeMap<(EntityKind, Uuid), i64> =
            std::collections::BTreeMap::new();
        for (m, r) in sent.into_iter().zip(&response.results) {
            let Some(mut rec) = self.store.record(m.entity, m.id) else {
                continue;
            };
            match r.status {
                PushStatus::Applied | PushStatus::Duplicate => {
                    summary.applied += 1;
                    let v = r.version.unwrap_or(m.base_version + 1);
                    rec.version = v;
                    match m.op {
                        Op::Upsert => rec.base = m.data.clone(),
                        Op::Delete => rec.base = None,
                    }
                    self.store.put_record(rec);
                    rebased.insert((m.entity, m.id), v);
                }
                PushStatus::Conflict => {
                    summary.conflicts += 1;
                    let Some(server) = &r.server_record else {
                        return Err(Error::invalid(
                            "server_record",
                            "a conflict must carry the server record",
                        ));
                    };
                    // A conflict means the server did not apply this mutation.
                    let notices = self.rebase(&mut rec, &m, server, true);
                    summary.merged.extend(notices);
                }
                PushStatus::Rejected => {
                    summary.rejected.push(RejectedMutation {
                        entity: m.entity,
                        id: m.id,
                        error: r.error.clone().unwrap_or_default(),
                    });
                    // Back to the server's state; later edits of the record stay queued.
                    let later =
                        self.queue_any(|p| p.mutation.entity == m.entity && p.mutation.id == m.id);
                    if !later {
                        rec.data = rec.base.clone();
                        rec.deleted = rec.base.is_none() && rec.version > 0;
                        self.store.put_record(rec);
                    }
                }
            }
        }
        if !rebased.is_empty() {
            self.store.update_queue(&mut |queue| {
                for p in queue.iter_mut() {
                    if let Some(v) = rebased.get(&(p.mutation.entity, p.mutation.id)) {
                        p.mutation.base_version = *v;
                    }
                }
            });
        }
        Ok(summary)
    }

    fn drop_queued(&mut self, entity: EntityKind, id: Uuid) {
        self.store.update_queue(&mut |queue| {
            queue.retain(|p| !(p.mutation.entity == entity && p.mutation.id == id));
        });
    }

    /// Resolves a conflict of mutation `m` against the server's `server` record. `additive`:
    /// the local changes are certainly not on the server yet, so additive amounts may add
    /// them (see [`merge_records_with`]).
    fn rebase(
        &mut self,
        rec: &mut StoredRecord,
        m: &Mutation,
        server: &ServerRecord,
        additive: bool,
    ) -> Vec<MergeNotice> {
        let mut notices = Vec::new();
        if server.deleted {
            // Deletion wins; a local edit is kept in the log.
            if let Some(local) = &rec.data {
                let entry = deleted_entry(local, server.version);
                notices.push(MergeNotice {
                    entity: rec.entity,
                    id: rec.id,
                    conflict: entry.clone(),
                });
                rec.conflicts.push(entry);
            }
            rec.data = None;
            rec.base = None;
            rec.deleted = true;
            rec.version = server.version;
            self.store.put_record(rec.clone());
            self.drop_queued(rec.entity, rec.id);
            return notices;
        }
        let remote = server.data.clone().unwrap_or(Value::Null);
        let new_op = rebased_op_id(m.op_id, server.version);
        if m.op == Op::Delete || rec.deleted {
            rec.base = Some(remote);
            rec.version = server.version;
            self.store.put_record(rec.clone());
            self.drop_queued(rec.entity, rec.id);
            self.enqueue(Mutation {
                op_id: new_op,
                entity: rec.entity,
                id: rec.id,
                base_version: server.version,
                op: Op::Delete,
                data: None,
            });
            return notices;
        }
        let base = rec.base.clone().unwrap_or(Value::Null);
        let local = rec.data.clone().unwrap_or(Value::Null);
        let merged = merge_records_with(&base, &local, &remote, server.version, additive);
        for c in &merged.conflicts {
            notices.push(MergeNotice {
                entity: rec.entity,
                id: rec.id,
                conflict: c.clone(),
            });
        }
        rec.conflicts.extend(merged.conflicts);
        rec.data = Some(merged.record.clone());
        rec.base = Some(remote.clone());
        rec.version = server.version;
        self.store.put_record(rec.clone());
        self.drop_queued(rec.entity, rec.id);
        if !same_user_data(&merged.record, &remote) {
            self.enqueue(Mutation {
                op_id: new_op,
                entity: rec.entity,
                id: rec.id,
                base_version: server.version,
                op: Op::Upsert,
                data: Some(merged.record),
            });
        }
        notices
    }

    /// Applies one page of pulled changes and moves the cursor. Errors while a push is in
    /// flight (apply its response, or call `push_failed`, first).
    pub fn apply_pull(&mut self, page: &PullResponse) -> Result<PullSummary> {
        if self.queue_any(|p| p.in_flight) {
            return Err(Error::invalid(
                "pull",
                "a push is in flight; apply its response first",
            ));
        }
        let mut summary = PullSummary::default();
        for c in &page.changes {
            let existing = self.store.record(c.entity, c.id);
            let mut first: Option<Mutation> = None;
            let mut sent = false;
            self.store.read_queue(&mut |q| {
                let mut mine = q
                    .iter()
                    .filter(|p| p.mutation.entity == c.entity && p.mutation.id == c.id);
                first = mine.clone().next().map(|p| p.mutation.clone());
                sent = mine.any(|p| p.sent);
            });
            match (existing, first.as_ref()) {
                (Some(mut rec), Some(m)) => {
                    if c.version <= rec.version {
                        continue;
                    }
                    let server = ServerRecord {
                        version: c.version,
                        deleted: c.deleted,
                        data: c.data.clone(),
                    };
                    let m = m.clone();
                    // A mutation sent without an answer may be in this change already.
                    let notices = self.rebase(&mut rec, &m, &server, !sent);
                    // A rebase from a pull keeps the pending op_id when it was never sent. One
                    // that was sent may have been applied (its answer lost): reusing it would
                    // answer `duplicate` for the rebased record, so the rebase's own id stays.
                    if !sent {
                        self.store.update_queue(&mut |queue| {
                            for p in queue
                                .iter_mut()
                                .filter(|p| p.mutation.entity == c.entity && p.mutation.id == c.id)
                            {
                                p.mutation.op_id = m.op_id;
                            }
                        });
                    }
                    if c.deleted {
                        summary.deleted += 1;
                    } else {
                        summary.updated += 1;
                    }
                    summary.merged.extend(notices);
                }
                (existing, _) => {
                    if existing.as_ref().is_some_and(|r| c.version < r.version) {
                        continue;
                    }
                    let conflicts = existing.map(|r| r.conflicts).unwrap_or_default();
                    self.store.put_record(StoredRecord {
                        entity: c.entity,
                        id: c.id,
                        version: c.version,
                        data: if c.deleted { None } else { c.data.clone() },
                        base: if c.deleted { None } else { c.data.clone() },
                        deleted: c.deleted,
                        conflicts,
                    });
                    if c.deleted {
                        summary.deleted += 1;
                    } else {
                        summary.updated += 1;
                    }
                }
            }
        }
        match self.full_pull.as_mut() {
            None => self.store.set_cursor(Some(page.cursor.clone())),
            Some(full) => {
                full.seen
                    .extend(page.changes.iter().map(|c| (c.entity, c.id)));
                full.cursor = Some(page.cursor.clone());
                if !page.has_more {
                    let full = self.full_pull.take().unwrap_or_default();
                    summary.deleted += self.drop_unseen(&full.seen);
                    self.store.set_cursor(full.cursor);
                }
            }
        }
        Ok(summary)
    }

    /// The end of a pull from the beginning: records the server knew that it did not send
    /// again, without a pending mutation, become tombstones. How many.
    fn drop_unseen(&mut self, seen: &BTreeSet<(EntityKind, Uuid)>) -> usize {
        let mut pending = BTreeSet::new();
        self.store.read_queue(&mut |q| {
            pending.extend(q.iter().map(|p| (p.mutation.entity, p.mutation.id)));
        });
        let mut n = 0;
        for mut r in self.store.records() {
            let key = (r.entity, r.id);
            if r.version > 0 && !r.deleted && !seen.contains(&key) && !pending.contains(&key) {
                r.data = None;
                r.base = None;
                r.deleted = true;
                self.store.put_record(r);
                n += 1;
            }
        }
        n
    }
}

/// Equal apart from bookkeeping fields.
fn same_user_data(a: &Value, b: &Value) -> bool {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(o) = v.as_object_mut() {
            for k in ["version", "updated_at", "created_at"] {
                o.remove(k);
            }
        }
        v
    };
    strip(a) == strip(b)
}
