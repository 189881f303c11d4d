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
pub struct StoredRecord {
    /// Kind.
    pub entity: EntityKind,
    /// Id.
    pub id: Uuid,
    /// The server version this record builds on (0: never seen on the server).
    pub version: i64,
    /// The device's current record; `None` when deleted.
    pub data: Option<Value>,
    /// The last server state (the merge base); `None` when not on the server.
    pub base: Option<Value>,
    /// True for a tombstone.
    pub deleted: bool,
    /// Values that lost a merge, so nothing is lost silently.
    #[serde(default)]
    pub conflicts: Vec<ConflictEntry>,
}

/// A mutation waiting for the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingMutation {
    /// The mutation.
    pub mutation: Mutation,
    /// Sent in a push whose result has not been applied yet.
    pub in_flight: bool,
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
    fn cursor(&self) -> Option<String> {
        self.cursor.clone()
    }
    fn set_cursor(&mut self, cursor: Option<String>) {
        self.cursor = cursor;
    }
}
