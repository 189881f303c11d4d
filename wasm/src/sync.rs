//! `SyncEngine`: the core's offline-first sync engine ([`lifepath_core::sync`]) over an
//! in-memory store (a sorted vector: the order of the core's `MemoryStore`, less code), for
//! browsers and Node. It holds no I/O: the app sends what
//! [`SyncEngine::next_push`] returns, feeds the server's answers back, and persists
//! [`SyncEngine::state`] (the package's `lifepath/sync` module has a fetch transport, the sync
//! loop and an IndexedDB store for that).
//!
//! Every bad argument throws a `LifepathError` (code `validation_failed`) whose `field` names
//! it (`entity`, `id`, `opId`, `state.records[3].version`, `response.results[0].status`); the
//! core's own refusals (`data.id` not the record id, deleting an unknown record) keep the core's
//! code, `invalid_argument`. The arguments and the protocol's shapes are read by
//! [`crate::interop`].

use lifepath_core::sync::{
    self as core_sync, EntityKind, LocalStore, PendingMutation, PullResponse, PushResponse,
    StoredRecord, SyncState,
};
use uuid::Uuid;
use wasm_bindgen::prelude::*;

use crate::convert::{JsResult, call, output};
use crate::error::LifepathError;
use crate::interop::{
    entity_arg, json_arg, max_arg, op_id_or_fresh, optional_output, uuid_arg, wire_arg,
};

/// The engine's store in WebAssembly: the records in a vector sorted by kind and id (the order
/// of the core's `MemoryStore`, whose map would cost more code), the queue and the cursor.
#[derive(Default)]
struct VecStore {
    records: Vec<StoredRecord>,
    queue: Vec<PendingMutation>,
    cursor: Option<String>,
}

impl VecStore {
    fn find(&self, entity: EntityKind, id: Uuid) -> Result<usize, usize> {
        self.records
            .binary_search_by(|r| (r.entity, r.id).cmp(&(entity, id)))
    }

    /// The store of a state; records of the same kind and id: the last one wins.
    fn from_state(state: SyncState) -> Self {
        let sorted = state
            .records
            .windows(2)
            .all(|w| (w[0].entity, w[0].id) < (w[1].entity, w[1].id));
        let mut store = VecStore {
            records: Vec::new(),
            queue: state.queue,
            cursor: state.cursor,
        };
        if sorted {
            store.records = state.records;
        } else {
            for r in state.records {
                store.put_record(r);
            }
        }
        store
    }

    fn state(&self) -> SyncState {
        SyncState {
            records: self.records.clone(),
            queue: self.queue.clone(),
            cursor: self.cursor.clone(),
        }
    }
}

impl LocalStore for VecStore {
    fn record(&self, entity: EntityKind, id: Uuid) -> Option<StoredRecord> {
        self.find(entity, id).ok().map(|i| self.records[i].clone())
    }
    fn put_record(&mut self, record: StoredRecord) {
        match self.find(record.entity, record.id) {
            Ok(i) => self.records[i] = record,
            Err(i) => self.records.insert(i, record),
        }
    }
    fn records(&self) -> Vec<StoredRecord> {
        self.records.clone()
    }
    fn queue(&self) -> Vec<PendingMutation> {
        self.queue.clone()
    }
    fn set_queue(&mut self, queue: Vec<PendingMutation>) {
        self.queue = queue;
    }
    fn update_queue(&mut self, f: &mut dyn FnMut(&mut Vec<PendingMutation>)) {
        f(&mut self.queue);
    }
    fn read_queue(&self, f: &mut dyn FnMut(&[PendingMutation])) {
        f(&self.queue);
    }
    fn cursor(&self) -> Option<String> {
        self.cursor.clone()
    }
    fn set_cursor(&mut self, cursor: Option<String>) {
        self.cursor = cursor;
    }
}

/// The offline-first sync engine of DESIGN §4: a device's copy of its synced records, the queue
/// of mutations waiting for the server and the pull cursor, held in WebAssembly memory.
///
/// One round: `nextPush()` → `POST /api/v1/sync/push` → `applyPushResponse()` (or
/// `pushFailed()` when the request failed) until `nextPush()` returns `undefined`; then
/// `GET /api/v1/sync/pull?since=cursor()` → `applyPull()` until `has_more` is false. Persist
/// `state()` after every change and give it back to the constructor to restore.
#[wasm_bindgen]
pub struct SyncEngine {
    inner: core_sync::SyncEngine<VecStore>,
}

#[wasm_bindgen]
impl SyncEngine {
    /// An engine restored from `state()` of an earlier engine (JSON-serializable, e.g. kept in
    /// IndexedDB), or an empty one.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "SyncState | null")] state: JsValue,
    ) -> Result<SyncEngine, JsValue> {
        crate::error::install_panic_hook();
        let store = if state.is_undefined() || state.is_null() {
            VecStore::default()
        } else {
            VecStore::from_state(wire_arg::<SyncState>(&state, "state")?)
        };
        Ok(SyncEngine {
            inner: core_sync::SyncEngine::new(store),
        })
    }

    /// Records a local create or edit of record `id` (`data.id`, when present, must equal
    /// `id`). `opId` (a UUID) makes the mutation idempotent; a random one is made when it is
    /// omitted.
    pub fn upsert(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "EntityKind")] entity: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "object")] data: JsValue,
        #[wasm_bindgen(js_name = opId, unchecked_optional_param_type = "string")]
        op_id_arg: JsValue,
    ) -> Result<(), JsValue> {
        call(|| {
            let entity = entity_arg(&entity)?;
            let id = uuid_arg(&id, "id")?;
            let data = json_arg(&data, "data")?;
            let op_id = op_id_or_fresh(&op_id_arg)?;
            self.inner.upsert(entity, id, data, op_id)?;
            Ok(JsValue::UNDEFINED)
        })
        .map(|_| ())
    }

    /// Records a local deletion of record `id` (which must exist on this device). A record
    /// that never reached the server is simply forgotten.
    pub fn delete(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "EntityKind")] entity: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(js_name = opId, unchecked_optional_param_type = "string")]
        op_id_arg: JsValue,
    ) -> Result<(), JsValue> {
        call(|| {
            let entity = entity_arg(&entity)?;
            let id = uuid_arg(&id, "id")?;
            let op_id = op_id_or_fresh(&op_id_arg)?;
            self.inner.delete(entity, id, op_id)?;
            Ok(JsValue::UNDEFINED)
        })
        .map(|_| ())
    }

    /// The live record, or `undefined` when it is absent or deleted: a plain object in the
    /// server's JSON shape (cast it to its type, e.g. `GoalRecord`).
    #[wasm_bindgen(unchecked_return_type = "object | undefined")]
    pub fn get(
        &self,
        #[wasm_bindgen(unchecked_param_type = "EntityKind")] entity: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
    ) -> JsResult {
        crate::error::install_panic_hook();
        let entity = entity_arg(&entity)?;
        let id = uuid_arg(&id, "id")?;
        optional_output(self.inner.get(entity, id))
    }

    /// Every live record of a kind, in id order (plain objects, as `get` returns them).
    #[wasm_bindgen(unchecked_return_type = "object[]")]
    pub fn list(
        &self,
        #[wasm_bindgen(unchecked_param_type = "EntityKind")] entity: JsValue,
    ) -> JsResult {
        call(|| {
            let entity = entity_arg(&entity)?;
            output(&self.inner.list(entity))
        })
    }

    /// Mutations not yet acknowledged by the server.
    #[wasm_bindgen(js_name = pendingCount)]
    pub fn pending_count(&self) -> usize {
        self.inner.pending_count()
    }

    /// Every record whose conflict log is not empty: values that lost a merge, kept so that
    /// nothing is lost silently.
    #[wasm_bindgen(unchecked_return_type = "StoredRecord[]")]
    pub fn conflicts(&self) -> JsResult {
        call(|| output(&self.inner.conflicts()))
    }

    /// The cursor to pull from (`since`), or `undefined` before the first pull (and at the
    /// start of a pull from the beginning).
    pub fn cursor(&self) -> Option<String> {
        self.inner.cursor()
    }

    /// Starts a pull from the beginning: call it when the server refuses the cursor with 410
    /// `cursor_expired` (it purged deletions after it), then pull from `cursor()` as usual. At
    /// the last page, every record the server knew that this pull did not send, and that has
    /// no pending change, is deleted here too. Until then `state()` keeps the old cursor, so an
    /// app closed halfway starts over again. `syncOnce` of `lifepath/sync` does all this.
    #[wasm_bindgen(js_name = beginFullPull)]
    pub fn begin_full_pull(&mut self) {
        self.inner.begin_full_pull();
    }

    /// The next batch to `POST /api/v1/sync/push` (at most `max`, default and cap 500), now in
    /// flight; `undefined` when nothing is pending or a push is already in flight.
    #[wasm_bindgen(js_name = nextPush, unchecked_return_type = "PushRequest | undefined")]
    pub fn next_push(
        &mut self,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] max: JsValue,
    ) -> JsResult {
        crate::error::install_panic_hook();
        let max = max_arg(&max, core_sync::MAX_PUSH_BATCH)?;
        optional_output(self.inner.next_push(max))
    }

    /// The push in flight could not be delivered or answered: its mutations stay queued with
    /// the same op_ids, so sending them again is idempotent.
    #[wasm_bindgen(js_name = pushFailed)]
    pub fn push_failed(&mut self) {
        self.inner.push_failed();
    }

    /// Applies the server's answer to the push in flight (one result per mutation, in order):
    /// conflicts are merged field by field and re-queued, rejected mutations dropped.
    #[wasm_bindgen(js_name = applyPushResponse, unchecked_return_type = "PushSummary")]
    pub fn apply_push_response(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "PushResponse")] response: JsValue,
    ) -> JsResult {
        call(|| {
            let r: PushResponse = wire_arg(&response, "response")?;
            let summary = self
                .inner
                .apply_push_response(&r)
                .map_err(|e| LifepathError::from(e).under("response"))?;
            output(&summary)
        })
    }

    /// Applies one page of `GET /api/v1/sync/pull` and moves the cursor. Throws while a push
    /// is in flight (apply its response, or call `pushFailed()`, first).
    #[wasm_bindgen(js_name = applyPull, unchecked_return_type = "PullSummary")]
    pub fn apply_pull(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "PullResponse")] page: JsValue,
    ) -> JsResult {
        call(|| {
            let p: PullResponse = wire_arg(&page, "page")?;
            output(&self.inner.apply_pull(&p)?)
        })
    }

    /// Everything the engine holds, as a plain JSON-serializable object: persist it and give it
    /// to `new SyncEngine(state)` to restore.
    #[wasm_bindgen(unchecked_return_type = "SyncState")]
    pub fn state(&self) -> JsResult {
        call(|| output(&self.inner.store().state()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn uuid(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn the_vector_store_keeps_records_in_kind_and_id_order() {
        let rec = |entity, n: u128, name: &str| StoredRecord {
            entity,
            id: uuid(n),
            version: 1,
            data: Some(json!({ "name": name })),
            base: None,
            deleted: false,
            conflicts: Vec::new(),
        };
        let store = VecStore::from_state(SyncState {
            records: vec![
                rec(EntityKind::Goal, 2, "b"),
                rec(EntityKind::Snapshot, 9, "s"),
                rec(EntityKind::Goal, 1, "a"),
                rec(EntityKind::Goal, 2, "c"),
            ],
            queue: Vec::new(),
            cursor: None,
        });
        let keys: Vec<_> = store.records().iter().map(|r| (r.entity, r.id)).collect();
        assert_eq!(
            keys,
            vec![
                (EntityKind::Snapshot, uuid(9)),
                (EntityKind::Goal, uuid(1)),
                (EntityKind::Goal, uuid(2)),
            ]
        );
        assert_eq!(
            store.record(EntityKind::Goal, uuid(2)).and_then(|r| r.data),
            Some(json!({"name": "c"}))
        );
        // The same order as the core's MemoryStore.
        let memory = lifepath_core::sync::MemoryStore::from(store.state());
        assert_eq!(SyncState::from(&memory), store.state());
    }
}
