//! The device's local storage, as the engine sees it: records with their merge base, the queue
//! of pending mutations and the pull cursor. [`MemoryStore`] keeps it all in memory and
//! serializes whole, so a browser can persist it (IndexedDB) and native tests can inspect it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::sync::merge::ConflictEntry;
use crate::sync::protocol::{EntityKind, Mutation};

/// One record on the device.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredRecord {
    /// Kind.
    pub entity: EntityKind,
    /// Id.
    pub id: Uuid,
    /// The server version this record builds on (0: never seen on the server).
    pub version: i64,
    /// The device's current record; `None` when deleted.
    #[cfg_attr(feature = "wasm", tsify(type = "JsonObject | null"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub data: Option<Value>,
    /// The last server state (the merge base); `None` when not on the server.
    #[cfg_attr(feature = "wasm", tsify(type = "JsonObject | null"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub base: Option<Value>,
    /// True for a tombstone.
    pub deleted: bool,
    /// Values that lost a merge, so nothing is lost silently.
    #[serde(default)]
    pub conflicts: Vec<ConflictEntry>,
}

/// A mutation waiting for the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingMutation {
    /// The mutation.
    pub mutation: Mutation,
    /// Sent in a push whose result has not been applied yet.
    pub in_flight: bool,
    /// Sent at least once: the server may have applied it even if no answer came back, so it
    /// is never coalesced with later edits, and its changes are never re-added in a merge.
    #[serde(default)]
    pub sent: bool,
}

/// Local storage used by the sync engine.
pub trait LocalStore {
    /// One record.
    fn record(&self, entity: EntityKind, id: Uuid) -> Option<StoredRecord>;
    /// Inserts or replaces a record.
    fn put_record(&mut self, record: StoredRecord);
    /// Every record (tombstones included).
    fn records(&self) -> Vec<StoredRecord>;
    /// The pending mutations, oldest first.
    fn queue(&self) -> Vec<PendingMutation>;
    /// Replaces the queue.
    fn set_queue(&mut self, queue: Vec<PendingMutation>);
    /// Edits the queue in place. The default copies it out and back; stores that hold it in
    /// memory override this so an edit does not copy every pending mutation.
    fn update_queue(&mut self, f: &mut dyn FnMut(&mut Vec<PendingMutation>)) {
        let mut q = self.queue();
        f(&mut q);
        self.set_queue(q);
    }
    /// Reads the queue (the default copies it).
    fn read_queue(&self, f: &mut dyn FnMut(&[PendingMutation])) {
        f(&self.queue());
    }
    /// The pull cursor.
    fn cursor(&self) -> Option<String>;
    /// Stores the pull cursor.
    fn set_cursor(&mut self, cursor: Option<String>);
}

/// Everything in memory.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MemoryStore {
    /// Records by kind and id.
    pub records: BTreeMap<(EntityKind, Uuid), StoredRecord>,
    /// Pending mutations.
    pub queue: Vec<PendingMutation>,
    /// Pull cursor.
    pub cursor: Option<String>,
}

impl LocalStore for MemoryStore {
    fn record(&self, entity: EntityKind, id: Uuid) -> Option<StoredRecord> {
        self.records.get(&(entity, id)).cloned()
    }
    fn put_record(&mut self, record: StoredRecord) {
        self.records.insert((record.entity, record.id), record);
    }
    fn records(&self) -> Vec<StoredRecord> {
        self.records.values().cloned().collect()
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

/// A [`MemoryStore`] as plain lists, so that it serializes to JSON (whose object keys cannot be
/// the store's `(kind, id)` tuples): what a browser persists (IndexedDB) between sessions and
/// gives back to restore the engine. Records are in `(kind, id)` order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncState {
    /// Every record (tombstones included).
    pub records: Vec<StoredRecord>,
    /// Pending mutations, oldest first.
    pub queue: Vec<PendingMutation>,
    /// Pull cursor.
    pub cursor: Option<String>,
}

impl From<&MemoryStore> for SyncState {
    fn from(store: &MemoryStore) -> Self {
        SyncState {
            records: store.records.values().cloned().collect(),
            queue: store.queue.clone(),
            cursor: store.cursor.clone(),
        }
    }
}

impl From<MemoryStore> for SyncState {
    fn from(store: MemoryStore) -> Self {
        SyncState {
            records: store.records.into_values().collect(),
            queue: store.queue,
            cursor: store.cursor,
        }
    }
}

impl From<SyncState> for MemoryStore {
    /// Records with the same kind and id: the last one wins.
    fn from(state: SyncState) -> Self {
        MemoryStore {
            records: state
                .records
                .into_iter()
                .map(|r| ((r.entity, r.id), r))
                .collect(),
            queue: state.queue,
            cursor: state.cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::engine::SyncEngine;
    use serde_json::json;

    #[test]
    fn a_memory_store_round_trips_through_json_as_a_sync_state() {
        let mut engine = SyncEngine::new(MemoryStore::default());
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        engine
            .upsert(
                EntityKind::Goal,
                a,
                json!({"id": a, "name": "Trip"}),
                Uuid::from_u128(10),
            )
            .unwrap();
        engine
            .upsert(
                EntityKind::Snapshot,
                b,
                json!({"id": b}),
                Uuid::from_u128(11),
            )
            .unwrap();
        let _ = engine.next_push(1);
        let store = engine.into_store();
        let text = serde_json::to_string(&SyncState::from(&store)).unwrap();
        let back: SyncState = serde_json::from_str(&text).unwrap();
        assert_eq!(back.records.len(), 2);
        assert_eq!(MemoryStore::from(back), store);
        assert_eq!(SyncState::from(store.clone()), SyncState::from(&store));
    }
}
