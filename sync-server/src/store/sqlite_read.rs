//! SQLite reads of one record by id on the request's own thread.
//!
//! sqlx runs each SQLite connection on a worker thread of its own: every query is a message to
//! that thread and a wake-up back, two context switches that cost more than the read itself (a
//! point lookup on the primary key of a hot page cache takes a few microseconds). Under load
//! that hop was most of what separated lifepath's authenticated read from the bare axum
//! ceiling (issue 12). So the hottest read — one record by `(user, entity, id)` — runs here,
//! synchronously, on a small pool of read-only connections; everything else (lists, the feed,
//! every write) stays on sqlx.
//!
//! WAL readers see every committed write and never block the writer. A read may block the
//! async worker for as long as it takes: microseconds from the page cache; a cold page is one
//! read from the file, which is what an in-process embedded database costs everywhere.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::{RecordRow, Sealed, StoreError, StoreResult};

/// Connections kept open for reuse (more are opened under a burst and closed after it).
const KEEP: usize = 8;

/// A pool of read-only connections to one SQLite file.
pub struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Readers({})", self.path.display())
    }
}

fn db_error(e: rusqlite::Error) -> StoreError {
    StoreError::Db(std::sync::Arc::new(e))
}

impl Readers {
    /// Readers of the database file at `path` (which must exist and be migrated).
    pub fn new(path: &Path) -> StoreResult<Readers> {
        let r = Readers {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
        };
        // Open one now, so a bad path fails at start-up, not at the first request.
        let c = r.open()?;
        r.put_back(c);
        Ok(r)
    }

    fn open(&self) -> StoreResult<Connection> {
        let c = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(db_error)?;
        c.busy_timeout(Duration::from_secs(10)).map_err(db_error)?;
        Ok(c)
    }

    fn take(&self) -> StoreResult<Connection> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        match idle {
            Some(c) => Ok(c),
            None => self.open(),
        }
    }

    fn put_back(&self, c: Connection) {
        if let Ok(mut v) = self.idle.lock()
            && v.len() < KEEP
        {
            v.push(c);
        }
    }

    /// One record by `[user, entity, id]` (with `live_only`, not a tombstone).
    pub fn record(&self, key: [&str; 3], live_only: bool) -> StoreResult<Option<RecordRow>> {
        const LIVE: &str = "select entity, id, parent_id, sort_key, period, status, version, \
                            change_seq, deleted_at, key_id, nonce, data, created_at, updated_at \
                            from record where user_id = ?1 and entity = ?2 and id = ?3 \
                            and deleted_at is null";
        const ANY: &str = "select entity, id, parent_id, sort_key, period, status, version, \
                           change_seq, deleted_at, key_id, nonce, data, created_at, updated_at \
                           from record where user_id = ?1 and entity = ?2 and id = ?3";
        let c = self.take()?;
        let found = {
            let mut st = c
                .prepare_cached(if live_only { LIVE } else { ANY })
                .map_err(db_error)?;
            st.query_row(key, |r| {
                Ok(RecordRow {
                    entity: r.get(0)?,
                    id: r.get(1)?,
                    parent_id: r.get(2)?,
                    sort_key: r.get(3)?,
                    period: r.get(4)?,
                    status: r.get(5)?,
                    version: r.get(6)?,
                    change_seq: r.get(7)?,
                    deleted_at: r.get(8)?,
                    sealed: Sealed::from_parts(r.get(9)?, r.get(10)?, r.get(11)?),
                    created_at: r.get(12)?,
                    updated_at: r.get(13)?,
                })
            })
            .optional()
            .map_err(db_error)
        };
        // A connection whose query failed is dropped, not reused.
        if found.is_ok() {
            self.put_back(c);
        }
        found
    }
}
