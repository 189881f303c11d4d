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
//! code, `invalid_argument`.

use lifepath_core::sync::{
    self as core_sync, Change, ConflictEntry, EntityKind, LocalStore, Mutation, Op,
    PendingMutation, PullResponse, PushResponse, PushResult, PushStatus, ServerRecord,
    StoredRecord, SyncState,
};
use serde_json::{Map, Value};
use uuid::Uuid;
use wasm_bindgen::prelude::*;

use crate::convert::{JsResult, call, output};
use crate::error::LifepathError;

#[wasm_bindgen(typescript_custom_section)]
const SYNC_TYPES: &'static str = r#"
/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A JSON object: a synced record as the server writes it (`snake_case`, money as strings). */
export type JsonObject = { [field: string]: JsonValue };
"#;

#[wasm_bindgen]
extern "C" {
    /// `crypto.getRandomValues` of the Web Crypto API (browsers, workers, Node ≥ 19).
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
    fn get_random_values(buf: &js_sys::Uint8Array) -> Result<JsValue, JsValue>;
}

/// A fresh random (version 4) UUID from the Web Crypto API.
fn random_uuid() -> Result<Uuid, LifepathError> {
    let buf = js_sys::Uint8Array::new_with_length(16);
    get_random_values(&buf).map_err(|_| {
        LifepathError::from(lifepath_core::Error::invalid(
            "opId",
            "crypto.getRandomValues is not available to make one: pass opId",
        ))
    })?;
    let mut bytes = [0u8; 16];
    buf.copy_to(&mut bytes);
    Ok(uuid::Builder::from_random_bytes(bytes).into_uuid())
}

/// The op_id argument, or a fresh one when it is `undefined` or `null`.
fn op_id(value: &JsValue) -> Result<Uuid, LifepathError> {
    if value.is_undefined() || value.is_null() {
        random_uuid()
    } else {
        uuid_arg(value, "opId")
    }
}

/// A UUID argument (a string).
fn uuid_arg(value: &JsValue, name: &str) -> Result<Uuid, LifepathError> {
    let text = value
        .as_string()
        .ok_or_else(|| LifepathError::invalid(name, "must be a UUID string"))?;
    Uuid::parse_str(&text).map_err(|e| LifepathError::invalid(name, format!("must be a UUID: {e}")))
}

/// An entity kind argument: `"goal"`, `"snapshot"`, …
fn entity_arg(value: &JsValue) -> Result<EntityKind, LifepathError> {
    let text = value.as_string();
    EntityKind::ALL
        .into_iter()
        .find(|k| Some(k.as_str()) == text.as_deref())
        .ok_or_else(|| LifepathError::invalid("entity", ENTITY_ERROR))
}

/// `undefined` for `None`, the plain object otherwise.
fn optional<T: serde::Serialize>(value: Option<T>) -> JsResult {
    match value {
        None => Ok(JsValue::UNDEFINED),
        Some(v) => output(&v).map_err(JsValue::from),
    }
}

/// The JSON text of an argument, read into a [`Value`].
fn json_arg(value: &JsValue, name: &str) -> Result<Value, LifepathError> {
    let text = if value.is_undefined() {
        None
    } else {
        js_sys::JSON::stringify(value)
            .ok()
            .and_then(|t| t.as_string())
    };
    let text = text.ok_or_else(|| LifepathError::invalid(name, "is not plain JSON data"))?;
    serde_json::from_str(&text).map_err(|e| LifepathError::invalid(name, e.to_string()))
}

// The protocol shapes are read field by field from a `Value` rather than through their serde
// `Deserialize`: the same rules (unknown fields ignored; `null` or absent for an `Option`; the
// serde defaults), errors that name the exact path (`response.results[2].status`), and about
// 12 KiB less gzipped WebAssembly than the path-tracking serde reader of the other exports
// (9 KiB less than plain serde_json). The path of a bad value is only built on the way out.

/// A value that does not fit: its path below the argument and what is wrong.
struct Bad {
    path: String,
    message: &'static str,
}

type Read<T> = Result<T, Bad>;

impl Bad {
    fn new(key: &str, message: &'static str) -> Bad {
        Bad {
            path: format!(".{key}"),
            message,
        }
    }

    /// The same fault one level up, under `key` (`None`: at index `i` of an array).
    fn under(mut self, key: &str, i: Option<usize>) -> Bad {
        self.path = match i {
            Some(i) => format!(".{key}[{i}]{}", self.path),
            None => format!(".{key}{}", self.path),
        };
        self
    }

    /// The error of argument `name`.
    fn of(self, name: &str) -> LifepathError {
        LifepathError::invalid(format!("{name}{}", self.path), self.message)
    }
}

type Obj = Map<String, Value>;

fn object(v: &Value) -> Read<&Obj> {
    v.as_object().ok_or(Bad {
        path: String::new(),
        message: "must be an object",
    })
}

/// A field that must be present and not `null`.
fn required<'a>(o: &'a Obj, key: &str) -> Read<&'a Value> {
    match o.get(key) {
        None | Some(Value::Null) => Err(Bad::new(key, "is required")),
        Some(v) => Ok(v),
    }
}

/// A field that may be absent or `null`.
fn optional_value(o: &Obj, key: &str) -> Option<Value> {
    o.get(key).filter(|v| !v.is_null()).cloned()
}

fn text<'a>(o: &'a Obj, key: &str) -> Read<&'a str> {
    required(o, key)?
        .as_str()
        .ok_or_else(|| Bad::new(key, "must be a string"))
}

fn optional_text(o: &Obj, key: &str) -> Read<Option<String>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Bad::new(key, "must be a string")),
    }
}

fn int(o: &Obj, key: &str) -> Read<i64> {
    required(o, key)?
        .as_i64()
        .ok_or_else(|| Bad::new(key, "must be an integer"))
}

fn optional_int(o: &Obj, key: &str) -> Read<Option<i64>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| Bad::new(key, "must be an integer")),
    }
}

/// A boolean; `default` when absent (`None`: required).
fn flag(o: &Obj, key: &str, default: Option<bool>) -> Read<bool> {
    match (o.get(key), default) {
        (None, Some(d)) => Ok(d),
        (v, _) => v
            .and_then(Value::as_bool)
            .ok_or_else(|| Bad::new(key, "must be true or false")),
    }
}

fn uuid(o: &Obj, key: &str) -> Read<Uuid> {
    Uuid::parse_str(text(o, key)?).map_err(|_| Bad::new(key, "must be a UUID"))
}

fn entity(o: &Obj, key: &str) -> Read<EntityKind> {
    let t = text(o, key)?;
    EntityKind::ALL
        .into_iter()
        .find(|k| k.as_str() == t)
        .ok_or_else(|| Bad::new(key, ENTITY_ERROR))
}

const ENTITY_ERROR: &str = "must be one of snapshot, goal, goal_contribution, goal_progress, \
                            recommendation_feedback, budget_session";

/// Every element of an array field, read with `read` (`[]` when absent and `absent_empty`).
fn list<T>(o: &Obj, key: &str, absent_empty: bool, read: fn(&Value) -> Read<T>) -> Read<Vec<T>> {
    let items = match o.get(key) {
        None if absent_empty => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        _ => return Err(Bad::new(key, "must be an array")),
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, v) in items.iter().enumerate() {
        out.push(read(v).map_err(|b| b.under(key, Some(i)))?);
    }
    Ok(out)
}

fn read_mutation(v: &Value) -> Read<Mutation> {
    let o = object(v)?;
    Ok(Mutation {
        op_id: uuid(o, "op_id")?,
        entity: entity(o, "entity")?,
        id: uuid(o, "id")?,
        base_version: int(o, "base_version")?,
        op: match text(o, "op")? {
            "upsert" => Op::Upsert,
            "delete" => Op::Delete,
            _ => return Err(Bad::new("op", "must be upsert or delete")),
        },
        data: optional_value(o, "data"),
    })
}

fn read_conflict(v: &Value) -> Read<ConflictEntry> {
    let o = object(v)?;
    Ok(ConflictEntry {
        field: text(o, "field")?.to_owned(),
        kept: o.get("kept").cloned().unwrap_or(Value::Null),
        discarded: o.get("discarded").cloned().unwrap_or(Value::Null),
        discarded_side: text(o, "discarded_side")?.to_owned(),
        server_version: int(o, "server_version")?,
    })
}

fn read_record(v: &Value) -> Read<StoredRecord> {
    let o = object(v)?;
    Ok(StoredRecord {
        entity: entity(o, "entity")?,
        id: uuid(o, "id")?,
        version: int(o, "version")?,
        data: optional_value(o, "data"),
        base: optional_value(o, "base"),
        deleted: flag(o, "deleted", None)?,
        conflicts: list(o, "conflicts", true, read_conflict)?,
    })
}

fn read_pending(v: &Value) -> Read<PendingMutation> {
    let o = object(v)?;
    Ok(PendingMutation {
        mutation: read_mutation(required(o, "mutation")?).map_err(|b| b.under("mutation", None))?,
        in_flight: flag(o, "in_flight", None)?,
        sent: flag(o, "sent", Some(false))?,
    })
}

fn read_state(v: &Value) -> Read<SyncState> {
    let o = object(v)?;
    Ok(SyncState {
        records: list(o, "records", false, read_record)?,
        queue: list(o, "queue", false, read_pending)?,
        cursor: optional_text(o, "cursor")?,
    })
}

fn read_server_record(v: &Value) -> Read<ServerRecord> {
    let o = object(v)?;
    Ok(ServerRecord {
        version: int(o, "version")?,
        deleted: flag(o, "deleted", Some(false))?,
        data: optional_value(o, "data"),
    })
}

fn read_push_result(v: &Value) -> Read<PushResult> {
    let o = object(v)?;
    Ok(PushResult {
        op_id: uuid(o, "op_id")?,
        status: match text(o, "status")? {
            "applied" => PushStatus::Applied,
            "duplicate" => PushStatus::Duplicate,
            "conflict" => PushStatus::Conflict,
            "rejected" => PushStatus::Rejected,
            _ => {
                return Err(Bad::new(
                    "status",
                    "must be one of applied, duplicate, conflict, rejected",
                ));
            }
        },
        version: optional_int(o, "version")?,
        server_record: match o.get("server_record") {
            None | Some(Value::Null) => None,
            Some(s) => Some(read_server_record(s).map_err(|b| b.under("server_record", None))?),
        },
        error: optional_text(o, "error")?,
    })
}

fn read_push_response(v: &Value) -> Read<PushResponse> {
    Ok(PushResponse {
        results: list(object(v)?, "results", false, read_push_result)?,
    })
}

fn read_change(v: &Value) -> Read<Change> {
    let o = object(v)?;
    Ok(Change {
        entity: entity(o, "entity")?,
        id: uuid(o, "id")?,
        version: int(o, "version")?,
        deleted: flag(o, "deleted", None)?,
        data: optional_value(o, "data"),
    })
}

fn read_pull_response(v: &Value) -> Read<PullResponse> {
    let o = object(v)?;
    Ok(PullResponse {
        changes: list(o, "changes", false, read_change)?,
        cursor: text(o, "cursor")?.to_owned(),
        has_more: flag(o, "has_more", None)?,
    })
}

/// Reads argument `name` with `read`.
fn read_arg<T>(
    value: &JsValue,
    name: &str,
    read: fn(&Value) -> Read<T>,
) -> Result<T, LifepathError> {
    read(&json_arg(value, name)?).map_err(|b| b.of(name))
}

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
            VecStore::from_state(read_arg(&state, "state", read_state)?)
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
            let op_id = op_id(&op_id_arg)?;
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
            let op_id = op_id(&op_id_arg)?;
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
        optional(self.inner.get(entity, id))
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
        let max = if max.is_undefined() || max.is_null() {
            core_sync::MAX_PUSH_BATCH
        } else {
            match max.as_f64() {
                Some(n) if n >= 1.0 && n.fract() == 0.0 => n.min(1e9) as usize,
                _ => {
                    return Err(LifepathError::invalid("max", "must be a positive integer").into());
                }
            }
        };
        optional(self.inner.next_push(max))
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
            let r = read_arg(&response, "response", read_push_response)?;
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
            let p = read_arg(&page, "page", read_pull_response)?;
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
    fn the_readers_take_what_serde_writes() {
        let mutation = |n, op, data| Mutation {
            op_id: uuid(100 + n),
            entity: EntityKind::GoalProgress,
            id: uuid(n),
            base_version: 3,
            op,
            data,
        };
        let state = SyncState {
            records: vec![StoredRecord {
                entity: EntityKind::Goal,
                id: uuid(1),
                version: 2,
                data: Some(json!({"id": uuid(1), "n": [1, 2.5, null]})),
                base: None,
                deleted: false,
                conflicts: vec![ConflictEntry {
                    field: "name".into(),
                    kept: json!("a"),
                    discarded: Value::Null,
                    discarded_side: "local".into(),
                    server_version: 2,
                }],
            }],
            queue: vec![
                PendingMutation {
                    mutation: mutation(1, Op::Upsert, Some(json!({"x": 1}))),
                    in_flight: true,
                    sent: true,
                },
                PendingMutation {
                    mutation: mutation(2, Op::Delete, None),
                    in_flight: false,
                    sent: false,
                },
            ],
            cursor: Some("c".into()),
        };
        let read = |v: Value| read_state(&v).map_err(|b| b.of("state").message);
        assert_eq!(
            read(serde_json::to_value(&state).unwrap()),
            Ok(state.clone())
        );

        let push = PushResponse {
            results: vec![
                PushResult {
                    op_id: uuid(1),
                    status: PushStatus::Applied,
                    version: Some(4),
                    server_record: None,
                    error: None,
                },
                PushResult {
                    op_id: uuid(2),
                    status: PushStatus::Conflict,
                    version: None,
                    server_record: Some(ServerRecord {
                        version: 7,
                        deleted: true,
                        data: None,
                    }),
                    error: None,
                },
                PushResult {
                    op_id: uuid(3),
                    status: PushStatus::Rejected,
                    version: None,
                    server_record: None,
                    error: Some("no".into()),
                },
            ],
        };
        let value = serde_json::to_value(&push).unwrap();
        assert!(read_push_response(&value).ok() == Some(push));

        let pull = PullResponse {
            changes: vec![Change {
                entity: EntityKind::BudgetSession,
                id: uuid(9),
                version: 1,
                deleted: false,
                data: Some(json!({"id": uuid(9)})),
            }],
            cursor: "next".into(),
            has_more: true,
        };
        let value = serde_json::to_value(&pull).unwrap();
        assert!(read_pull_response(&value).ok() == Some(pull));
    }

    #[test]
    fn bad_values_name_their_path() {
        let field = |r: Result<(), Bad>| r.err().map(|b| b.of("arg").field().map(str::to_owned));
        let state = |v: Value| field(read_state(&v).map(|_| ()));
        assert_eq!(state(json!([])), Some(Some("arg".into())));
        assert_eq!(
            state(json!({"queue": []})),
            Some(Some("arg.records".into()))
        );
        let rec = json!({"entity": "goal", "id": uuid(1), "version": 1, "deleted": "no"});
        assert_eq!(
            state(json!({"records": [rec], "queue": []})),
            Some(Some("arg.records[0].deleted".into()))
        );
        let m = json!({"op_id": uuid(1), "entity": "goal", "id": "x", "base_version": 0, "op": "upsert"});
        assert_eq!(
            state(json!({"records": [], "queue": [{"mutation": m, "in_flight": false}]})),
            Some(Some("arg.queue[0].mutation.id".into()))
        );
        let push = |v: Value| field(read_push_response(&v).map(|_| ()));
        let r = json!({"op_id": uuid(1), "status": "conflict", "server_record": {"data": null}});
        assert_eq!(
            push(json!({"results": [r]})),
            Some(Some("arg.results[0].server_record.version".into()))
        );
        // Optional fields may be null or absent; unknown fields are ignored.
        let ok = json!({"results": [{"op_id": uuid(1), "status": "applied", "version": null, "extra": 1}]});
        assert_eq!(push(ok), None);
        let pull = |v: Value| field(read_pull_response(&v).map(|_| ()));
        assert_eq!(
            pull(json!({"changes": [], "cursor": "c"})),
            Some(Some("arg.has_more".into()))
        );
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
