//! The sync wire format across the boundary: every hand-written conversion of the sync
//! protocol's JSON, one reader per type, in one place (the model is automerge-wasm's
//! `interop.rs`). `SyncEngine` ([`crate::sync`]) only calls them.
//!
//! The protocol shapes — [`SyncState`] and what is in it, [`PushResponse`], [`PullResponse`] —
//! are read field by field from a [`Value`] rather than through their serde `Deserialize`:
//! the same rules (unknown fields ignored; `null` or absent for an `Option`; the serde
//! defaults), errors that name the exact path (`response.results[2].status`), and about
//! 12 KiB less gzipped WebAssembly than the path-tracking serde reader of the other exports
//! (9 KiB less than plain serde_json). The path of a bad value is only built on the way out.
//! The tests below check, over sync payloads built from the shared fixtures, that each reader
//! takes what serde takes and produces what serde produces, also with every field absent,
//! `null` or of another JSON type. Two differences remain, both on input serde never writes
//! and kept as they were: a conflict entry without `kept` or `discarded` reads them as `null`
//! (serde: missing field), and an object written as an array of its fields (serde's sequence
//! form of a struct) is refused.
//!
//! The other way, the engine's results are written by serde ([`crate::convert::output`]).
//! The rest of the package's arguments are read by serde too ([`crate::convert`]).

use lifepath_core::sync::{
    Change, ConflictEntry, EntityKind, Mutation, Op, PendingMutation, PullResponse, PushResponse,
    PushResult, PushStatus, ServerRecord, StoredRecord, SyncState,
};
use serde_json::{Map, Value};
use uuid::Uuid;
use wasm_bindgen::prelude::*;

use crate::convert::{JsResult, output};
use crate::error::LifepathError;

// ---- Arguments of the engine's methods

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

/// The `opId` argument, or a fresh one when it is `undefined` or `null`.
pub fn op_id_or_fresh(value: &JsValue) -> Result<Uuid, LifepathError> {
    if value.is_undefined() || value.is_null() {
        random_uuid()
    } else {
        uuid_arg(value, "opId")
    }
}

/// A UUID argument (a string).
pub fn uuid_arg(value: &JsValue, name: &str) -> Result<Uuid, LifepathError> {
    let text = value
        .as_string()
        .ok_or_else(|| LifepathError::invalid(name, "must be a UUID string"))?;
    Uuid::parse_str(&text).map_err(|e| LifepathError::invalid(name, format!("must be a UUID: {e}")))
}

/// An entity kind argument: `"goal"`, `"snapshot"`, …
pub fn entity_arg(value: &JsValue) -> Result<EntityKind, LifepathError> {
    value
        .as_string()
        .and_then(|t| EntityKind::parse(&t))
        .ok_or_else(|| LifepathError::invalid("entity", ENTITY_ERROR))
}

/// The `max` argument of `nextPush`: a positive integer (capped at 10^9), or `default` when it
/// is `undefined` or `null`.
pub fn max_arg(value: &JsValue, default: usize) -> Result<usize, LifepathError> {
    if value.is_undefined() || value.is_null() {
        return Ok(default);
    }
    match value.as_f64() {
        Some(n) if n >= 1.0 && n.fract() == 0.0 => Ok(n.min(1e9) as usize),
        _ => Err(LifepathError::invalid("max", "must be a positive integer")),
    }
}

/// The JSON text of an argument, read into a [`Value`].
pub fn json_arg(value: &JsValue, name: &str) -> Result<Value, LifepathError> {
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

/// Reads argument `name`, one of the protocol's shapes (its path is the root of every error).
pub fn wire_arg<T: FromWire>(value: &JsValue, name: &str) -> Result<T, LifepathError> {
    T::read(&json_arg(value, name)?).map_err(|b| b.of(name))
}

/// `undefined` for `None`, the plain object otherwise.
pub fn optional_output<T: serde::Serialize>(value: Option<T>) -> JsResult {
    match value {
        None => Ok(JsValue::UNDEFINED),
        Some(v) => output(&v).map_err(JsValue::from),
    }
}

// ---- The readers of the wire format

/// A shape of the sync protocol read from its JSON, by hand (see the module's documentation).
pub trait FromWire: Sized {
    /// Reads one value; a fault names its path below `v`.
    fn read(v: &Value) -> Read<Self>;
}

/// A value that does not fit: its path below the argument and what is wrong.
pub struct Bad {
    path: String,
    message: &'static str,
}

/// The result of a reader.
pub type Read<T> = Result<T, Bad>;

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
    pub fn of(self, name: &str) -> LifepathError {
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
    EntityKind::parse(t).ok_or_else(|| Bad::new(key, ENTITY_ERROR))
}

const ENTITY_ERROR: &str = "must be one of snapshot, goal, goal_contribution, goal_progress, \
                            recommendation_feedback, budget_session";

/// A nested object field, read with its type's reader.
fn nested<T: FromWire>(o: &Obj, key: &str) -> Read<T> {
    T::read(required(o, key)?).map_err(|b| b.under(key, None))
}

/// Every element of an array field (`[]` when absent and `absent_empty`).
fn list<T: FromWire>(o: &Obj, key: &str, absent_empty: bool) -> Read<Vec<T>> {
    let items = match o.get(key) {
        None if absent_empty => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        _ => return Err(Bad::new(key, "must be an array")),
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, v) in items.iter().enumerate() {
        out.push(T::read(v).map_err(|b| b.under(key, Some(i)))?);
    }
    Ok(out)
}

impl FromWire for Mutation {
    fn read(v: &Value) -> Read<Self> {
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
}

impl FromWire for ConflictEntry {
    fn read(v: &Value) -> Read<Self> {
        let o = object(v)?;
        Ok(ConflictEntry {
            field: text(o, "field")?.to_owned(),
            kept: o.get("kept").cloned().unwrap_or(Value::Null),
            discarded: o.get("discarded").cloned().unwrap_or(Value::Null),
            discarded_side: text(o, "discarded_side")?.to_owned(),
            server_version: int(o, "server_version")?,
        })
    }
}

impl FromWire for StoredRecord {
    fn read(v: &Value) -> Read<Self> {
        let o = object(v)?;
        Ok(StoredRecord {
            entity: entity(o, "entity")?,
            id: uuid(o, "id")?,
            version: int(o, "version")?,
            data: optional_value(o, "data"),
            base: optional_value(o, "base"),
            deleted: flag(o, "deleted", None)?,
            conflicts: list(o, "conflicts", true)?,
        })
    }
}

impl FromWire for PendingMutation {
    fn read(v: &Value) -> Read<Self> {
        let o = object(v)?;
        Ok(PendingMutation {
            mutation: nested(o, "mutation")?,
            in_flight: flag(o, "in_flight", None)?,
            sent: flag(o, "sent", Some(false))?,
        })
    }
}

impl FromWire for SyncState {
    fn read(v: &Value) -> Read<Self> {
        let o = object(v)?;
        Ok(SyncState {
            records: list(o, "records", false)?,
            queue: list(o, "queue", false)?,
            cursor: optional_text(o, "cursor")?,
        })
    }
}

impl FromWire for ServerRecord {
    fn read(v: &Value) -> Read<Self> {
        let o = object(v)?;
        Ok(ServerRecord {
            version: int(o, "version")?,
            deleted: flag(o, "deleted", Some(false))?,
            data: optional_value(o, "data"),
        })
    }
}

impl FromWire for PushResult {
    fn read(v: &Value) -> Read<Self> {
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
                Some(_) => Some(nested(o, "server_record")?),
            },
            error: optional_text(o, "error")?,
        })
    }
}

impl FromWire for PushResponse {
    fn read(v: &Value) -> Read<Self> {
        Ok(PushResponse {
            results: list(object(v)?, "results", false)?,
        })
    }
}

impl FromWire for Change {
    fn read(v: &Value) -> Read<Self> {
        let o = object(v)?;
        Ok(Change {
            entity: entity(o, "entity")?,
            id: uuid(o, "id")?,
            version: int(o, "version")?,
            deleted: flag(o, "deleted", None)?,
            data: optional_value(o, "data"),
        })
    }
}

impl FromWire for PullResponse {
    fn read(v: &Value) -> Read<Self> {
        let o = object(v)?;
        Ok(PullResponse {
            changes: list(o, "changes", false)?,
            cursor: text(o, "cursor")?.to_owned(),
            has_more: flag(o, "has_more", None)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn uuid(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    /// The readers against serde over the shared fixtures (read from disk: native only).
    #[cfg(not(target_arch = "wasm32"))]
    mod against_serde {
        use std::fmt::Debug;

        use serde::de::DeserializeOwned;

        use super::*;

        /// The hand-written reader and serde read `v` alike: the same value, or both refuse it.
        fn agree<T: FromWire + DeserializeOwned + PartialEq + Debug>(v: &Value, what: &str) {
            let ours = T::read(v);
            let theirs = serde_json::from_value::<T>(v.clone());
            match (ours, theirs) {
                (Ok(a), Ok(b)) => {
                    assert!(a == b, "{what}: the reader and serde read different values")
                }
                (Err(_), Err(_)) => {}
                (Ok(_), Err(e)) => panic!("{what}: the reader takes it, serde says {e}"),
                (Err(b), Ok(_)) => panic!(
                    "{what}: serde takes it, the reader says {}",
                    b.of("").message
                ),
            }
        }

        /// [`agree`] on object `v`, then on `v` with an unknown field, and with each field absent
        /// and set to each kind of JSON value in turn. `lenient` fields may be absent for the
        /// reader (which reads them as `null`) where serde calls them missing.
        fn agree_when_changed<T>(v: &Value, what: &str, lenient: &[&str])
        where
            T: FromWire + DeserializeOwned + PartialEq + Debug,
        {
            agree::<T>(v, what);
            let Some(o) = v.as_object() else {
                panic!("{what} is not an object")
            };
            let mut extra = o.clone();
            extra.insert("extra".into(), json!({"x": 1}));
            agree::<T>(
                &Value::Object(extra),
                &format!("{what} with an unknown field"),
            );
            let values = [
                Value::Null,
                json!("x"),
                json!(1.5),
                json!(-3),
                json!(true),
                json!([]),
                json!({}),
            ];
            for key in o.keys() {
                let mut absent = o.clone();
                absent.remove(key);
                let absent = Value::Object(absent);
                if lenient.contains(&key.as_str()) {
                    assert!(T::read(&absent).is_ok(), "{what} without {key}");
                    assert!(serde_json::from_value::<T>(absent).is_err());
                } else {
                    agree::<T>(&absent, &format!("{what} without {key}"));
                }
                for x in &values {
                    let mut changed = o.clone();
                    changed.insert(key.clone(), x.clone());
                    agree::<T>(&Value::Object(changed), &format!("{what} with {key} = {x}"));
                }
            }
        }

        /// Every synced record of the shared fixtures (`tests/fixtures/users/*.json`) with its
        /// kind, id and version.
        fn fixture_records() -> Vec<(EntityKind, Uuid, i64, Value)> {
            let dir =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/users");
            let mut files: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect();
            files.sort();
            assert!(!files.is_empty(), "expected the shared fixtures in {dir:?}");
            let mut out = Vec::new();
            for file in files {
                let user: Value =
                    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
                for (key, kind) in [
                    ("snapshots", EntityKind::Snapshot),
                    ("goals", EntityKind::Goal),
                    ("contributions", EntityKind::GoalContribution),
                    ("feedback", EntityKind::RecommendationFeedback),
                ] {
                    for r in user[key].as_array().unwrap() {
                        let id = Uuid::parse_str(r["id"].as_str().unwrap()).unwrap();
                        let version = r.get("version").and_then(Value::as_i64).unwrap_or(1);
                        out.push((kind, id, version, r.clone()));
                    }
                }
            }
            out
        }

        /// Sync payloads built from the shared fixtures, each read by its reader and by serde:
        /// as serde writes them, then with every field of every protocol object absent, `null`,
        /// of each JSON type, and beside an unknown field. Records' `data` is what the fixtures
        /// hold (snapshots with budget models, goals, contributions, feedback).
        #[test]
        fn the_readers_agree_with_serde_on_the_shared_fixtures() {
            let records = fixture_records();
            let mut state = SyncState {
                cursor: Some("cursor-1".into()),
                ..SyncState::default()
            };
            let mut push = PushResponse::default();
            let mut pull = PullResponse {
                cursor: "cursor-2".into(),
                has_more: true,
                ..PullResponse::default()
            };
            for (i, (entity, id, version, data)) in records.iter().cloned().enumerate() {
                let n = i as u128;
                let deleted = i % 5 == 4;
                let (op, mutation_data) = if deleted {
                    (Op::Delete, None)
                } else {
                    (Op::Upsert, Some(data.clone()))
                };
                let mutation = Mutation {
                    op_id: uuid(n + 1),
                    entity,
                    id,
                    base_version: version,
                    op,
                    data: mutation_data,
                };
                let first_field = data.as_object().and_then(|o| o.keys().next().cloned());
                state.records.push(StoredRecord {
                    entity,
                    id,
                    version,
                    data: (!deleted).then(|| data.clone()),
                    base: (i % 2 == 0).then(|| data.clone()),
                    deleted,
                    conflicts: match first_field {
                        Some(field) if i % 4 == 1 => vec![ConflictEntry {
                            kept: data[&field].clone(),
                            discarded: if i % 8 == 1 { Value::Null } else { json!("x") },
                            field,
                            discarded_side: if i % 8 == 1 { "local" } else { "remote" }.into(),
                            server_version: version + 1,
                        }],
                        _ => Vec::new(),
                    },
                });
                state.queue.push(PendingMutation {
                    mutation,
                    in_flight: i % 2 == 0,
                    sent: i % 3 == 0,
                });
                push.results.push(PushResult {
                    op_id: uuid(n + 1),
                    status: [
                        PushStatus::Applied,
                        PushStatus::Duplicate,
                        PushStatus::Conflict,
                        PushStatus::Rejected,
                    ][i % 4],
                    version: (i % 4 < 2).then_some(version + 1),
                    server_record: (i % 4 == 2).then(|| ServerRecord {
                        version: version + 1,
                        deleted,
                        data: (!deleted).then(|| data.clone()),
                    }),
                    error: (i % 4 == 3).then(|| format!("{} is not valid", entity.as_str())),
                });
                pull.changes.push(Change {
                    entity,
                    id,
                    version,
                    deleted,
                    data: (!deleted).then_some(data),
                });
            }
            assert!(records.len() > 100, "{} fixture records", records.len());

            let state_json = serde_json::to_value(&state).unwrap();
            let push_json = serde_json::to_value(&push).unwrap();
            let pull_json = serde_json::to_value(&pull).unwrap();
            // As serde writes them: the value that was written.
            assert!(SyncState::read(&state_json).ok() == Some(state));
            assert!(PushResponse::read(&push_json).ok() == Some(push));
            assert!(PullResponse::read(&pull_json).ok() == Some(pull));

            // The top-level shapes; then every object inside them.
            agree_when_changed::<SyncState>(&state_json, "state", &[]);
            agree_when_changed::<PushResponse>(&push_json, "push", &[]);
            agree_when_changed::<PullResponse>(&pull_json, "pull", &[]);
            for (i, r) in state_json["records"].as_array().unwrap().iter().enumerate() {
                agree_when_changed::<StoredRecord>(r, &format!("records[{i}]"), &[]);
                for c in r["conflicts"].as_array().unwrap() {
                    // An absent `kept` or `discarded` (never written) reads as `null`.
                    agree_when_changed::<ConflictEntry>(c, "conflict", &["kept", "discarded"]);
                }
            }
            for (i, p) in state_json["queue"].as_array().unwrap().iter().enumerate() {
                agree_when_changed::<PendingMutation>(p, &format!("queue[{i}]"), &[]);
                agree_when_changed::<Mutation>(
                    &p["mutation"],
                    &format!("queue[{i}].mutation"),
                    &[],
                );
            }
            for (i, r) in push_json["results"].as_array().unwrap().iter().enumerate() {
                agree_when_changed::<PushResult>(r, &format!("results[{i}]"), &[]);
                if let Some(s) = r.get("server_record") {
                    agree_when_changed::<ServerRecord>(
                        s,
                        &format!("results[{i}].server_record"),
                        &[],
                    );
                }
            }
            for (i, c) in pull_json["changes"].as_array().unwrap().iter().enumerate() {
                agree_when_changed::<Change>(c, &format!("changes[{i}]"), &[]);
            }
        }
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
        let read = |v: Value| SyncState::read(&v).map_err(|b| b.of("state").message);
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
        assert!(PushResponse::read(&value).ok() == Some(push));

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
        assert!(PullResponse::read(&value).ok() == Some(pull));
    }

    #[test]
    fn bad_values_name_their_path() {
        let field = |r: Result<(), Bad>| r.err().map(|b| b.of("arg").field().map(str::to_owned));
        let state = |v: Value| field(SyncState::read(&v).map(|_| ()));
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
        let push = |v: Value| field(PushResponse::read(&v).map(|_| ()));
        let r = json!({"op_id": uuid(1), "status": "conflict", "server_record": {"data": null}});
        assert_eq!(
            push(json!({"results": [r]})),
            Some(Some("arg.results[0].server_record.version".into()))
        );
        // Optional fields may be null or absent; unknown fields are ignored.
        let ok = json!({"results": [{"op_id": uuid(1), "status": "applied", "version": null, "extra": 1}]});
        assert_eq!(push(ok), None);
        let pull = |v: Value| field(PullResponse::read(&v).map(|_| ()));
        assert_eq!(
            pull(json!({"changes": [], "cursor": "c"})),
            Some(Some("arg.has_more".into()))
        );
    }
}
