//! The SQL store for SQLite and PostgreSQL, chosen by the URL prefix.
//!
//! Both dialects run the same lowercase SQL through sqlx's `Any` driver (`$n` placeholders,
//! `returning`, partial unique indexes and `on conflict` exist in both); what differs — column
//! types — lives in the per-dialect migrations under `migrations/{sqlite,postgres}`, embedded
//! with `sqlx::migrate!` and applied at start. One SQL text for both keeps the two from
//! drifting apart. SQLite runs in WAL mode with `synchronous = full` (configurable), and its writers are
//! serialized in process (SQLite allows one writer; queueing here avoids busy retries); record
//! writes that queue up while one commits are group-committed together (see `group_writer`).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::any::{AnyPoolOptions, AnyRow};
// Every dynamic SQL text below is built from constants only, never from input.
use sqlx::{AnyPool, AssertSqlSafe, Row};
use tokio::sync::Mutex;

use super::*;
use lifepath_core::UserId;

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The SQLite file readable by its owner only (0600), like the secrets file: created so when
/// missing (SQLite gives its `-wal` and `-shm` files the database's mode), tightened when an
/// older file was world-readable.
fn owner_only(path: &std::path::Path) -> StoreResult<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let io = |e: std::io::Error| StoreError::Db(Arc::new(e));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(io(e)),
            _ => {}
        }
        let with = |suffix: &str| {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            std::path::PathBuf::from(p)
        };
        for p in [path.to_owned(), with("-wal"), with("-shm")] {
            if let Ok(meta) = std::fs::metadata(&p)
                && meta.permissions().mode() & 0o077 != 0
            {
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The SQL store.
#[derive(Clone)]
pub struct SqlStore {
    pool: AnyPool,
    sqlite: bool,
    write_lock: Option<Arc<Mutex<()>>>,
    /// SQLite: the queue of the group-commit writer.
    group: Option<tokio::sync::mpsc::Sender<WriteJob>>,
    /// SQLite: read-only connections for the hottest read (one record by id), queried on the
    /// request's thread (see [`super::sqlite_read`]).
    reader: Option<Arc<super::sqlite_read::Readers>>,
    /// Bytes of records one user may store (0: no quota).
    quota_bytes: i64,
}

impl std::fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SqlStore({})", self.dialect())
    }
}

const RECORD_COLS: &str = "entity, id, parent_id, sort_key, period, status, version, change_seq, \
                           deleted_at, key_id, nonce, data, created_at, updated_at";
const ACCOUNT_COLS: &str = "id, email_hash, password_hash, retention_months, key_id, nonce, data, \
                            version, created_at, updated_at";

const IDENTITY_COLS: &str = "id, user_id, provider, issuer, subject, key_id, nonce, data, \
                             created_at, last_used_at, deleted_at";

fn identity_from(r: &AnyRow) -> StoreResult<IdentityRow> {
    Ok(IdentityRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        provider: r.try_get("provider")?,
        issuer: r.try_get("issuer")?,
        subject: r.try_get("subject")?,
        sealed: Sealed::from_parts(
            r.try_get("key_id")?,
            r.try_get("nonce")?,
            r.try_get("data")?,
        ),
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
        deleted_at: r.try_get("deleted_at")?,
    })
}

/// Binds `identity` to `user`: a new row, or the unbound row of a deleted account taken over.
/// False when the identity is bound to an account already.
async fn bind_identity(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user: &str,
    identity: &IdentityRow,
) -> StoreResult<bool> {
    let sealed = identity.sealed.as_ref();
    let done = sqlx::query(
        "insert into identity (id, user_id, provider, issuer, subject, key_id, nonce, data, \
         created_at, last_used_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
         on conflict (issuer, subject) do update set user_id = excluded.user_id, \
         provider = excluded.provider, key_id = excluded.key_id, nonce = excluded.nonce, \
         data = excluded.data, created_at = excluded.created_at, \
         last_used_at = excluded.last_used_at, deleted_at = null \
         where identity.user_id is null",
    )
    .bind(&identity.id)
    .bind(user)
    .bind(&identity.provider)
    .bind(&identity.issuer)
    .bind(&identity.subject)
    .bind(sealed.map(|s| s.key_id.clone()))
    .bind(sealed.map(|s| s.nonce.clone()))
    .bind(sealed.map(|s| s.data.clone()))
    .bind(identity.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

fn record_from(r: &AnyRow) -> StoreResult<RecordRow> {
    let sealed = Sealed::from_parts(
        r.try_get("key_id")?,
        r.try_get("nonce")?,
        r.try_get("data")?,
    );
    Ok(RecordRow {
        entity: r.try_get("entity")?,
        id: r.try_get("id")?,
        parent_id: r.try_get("parent_id")?,
        sort_key: r.try_get("sort_key")?,
        period: r.try_get("period")?,
        status: r.try_get("status")?,
        version: r.try_get("version")?,
        change_seq: r.try_get("change_seq")?,
        deleted_at: r.try_get("deleted_at")?,
        sealed,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn account_from(r: &AnyRow) -> StoreResult<AccountRow> {
    Ok(AccountRow {
        id: r.try_get("id")?,
        email_hash: r.try_get("email_hash")?,
        password_hash: r.try_get("password_hash")?,
        retention_months: r.try_get("retention_months")?,
        sealed: Sealed {
            key_id: r.try_get("key_id")?,
            nonce: r.try_get("nonce")?,
            data: r.try_get("data")?,
        },
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn audit_from(r: &AnyRow) -> StoreResult<AuditRow> {
    Ok(AuditRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        action: r.try_get("action")?,
        entity: r.try_get("entity")?,
        entity_id: r.try_get("entity_id")?,
        source_ip: r.try_get("source_ip")?,
        details: r.try_get("details")?,
        created_at: r.try_get("created_at")?,
    })
}

async fn insert_audit<'c, E>(e: E, a: &AuditRow) -> StoreResult<()>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query(
        "insert into audit_event (id, user_id, action, entity, entity_id, source_ip, details, \
         created_at) values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&a.id)
    .bind(&a.user_id)
    .bind(&a.action)
    .bind(&a.entity)
    .bind(&a.entity_id)
    .bind(&a.source_ip)
    .bind(&a.details)
    .bind(a.created_at)
    .execute(e)
    .await?;
    Ok(())
}

fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

impl SqlStore {
    /// Connects (creating a SQLite file when missing) and applies the migrations.
    pub async fn connect(
        url: &str,
        max_connections: u32,
        synchronous_full: bool,
    ) -> StoreResult<SqlStore> {
        sqlx::any::install_default_drivers();
        let sqlite = url.starts_with("sqlite:");
        let postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
        if !sqlite && !postgres {
            return Err(StoreError::db(
                "DATABASE_URL must start with sqlite:// or postgres://",
            ));
        }
        let url = if sqlite && !url.contains('?') && !url.contains(":memory:") {
            format!("{url}?mode=rwc")
        } else {
            url.to_owned()
        };
        if sqlite && !url.contains(":memory:") {
            use std::str::FromStr;
            let file = sqlx::sqlite::SqliteConnectOptions::from_str(&url)?;
            owner_only(file.get_filename())?;
        }
        // A SQLite connection is a file handle in this process: it cannot drop the way a
        // network connection can, so the pool does not ping it before each use (that ping was
        // a second round trip to the connection's worker thread on every query).
        let opts = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .test_before_acquire(!sqlite);
        let pool = if sqlite {
            opts.after_connect(move |conn, _| {
                Box::pin(async move {
                    let sync = if synchronous_full {
                        "pragma synchronous = full"
                    } else {
                        "pragma synchronous = normal"
                    };
                    sqlx::query("pragma busy_timeout = 10000")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query(sync).execute(&mut *conn).await?;
                    sqlx::query("pragma foreign_keys = on")
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            })
            .connect(&url)
            .await?
        } else {
            opts.connect(&url).await?
        };
        if sqlite {
            sqlx::query("pragma journal_mode = wal")
                .fetch_optional(&pool)
                .await?;
            SQLITE_MIGRATOR
                .run(&pool)
                .await
                .map_err(|e| StoreError::Db(Arc::new(e)))?;
        } else {
            POSTGRES_MIGRATOR
                .run(&pool)
                .await
                .map_err(|e| StoreError::Db(Arc::new(e)))?;
        }
        // (An in-memory database is private to its connection: no separate readers.)
        let reader = if sqlite && !url.contains(":memory:") {
            use std::str::FromStr;
            let opts = sqlx::sqlite::SqliteConnectOptions::from_str(&url)?;
            Some(Arc::new(super::sqlite_read::Readers::new(
                opts.get_filename(),
            )?))
        } else {
            None
        };
        let write_lock = sqlite.then(|| Arc::new(Mutex::new(())));
        let group = write_lock.as_ref().map(|lock| {
            let (tx, rx) = tokio::sync::mpsc::channel(1024);
            tokio::spawn(group_writer(pool.clone(), lock.clone(), rx));
            tx
        });
        Ok(SqlStore {
            pool,
            sqlite,
            write_lock,
            group,
            reader,
            quota_bytes: 0,
        })
    }

    /// The store with a storage quota per user, in bytes of stored records (0: none).
    pub fn with_quota(mut self, bytes: i64) -> SqlStore {
        self.quota_bytes = bytes.max(0);
        self
    }

    /// Closes the pool (flushes SQLite's WAL on the last connection).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// One record; with `live_only`, not a tombstone.
    async fn fetch_record(
        &self,
        user: &str,
        entity: &str,
        id: &str,
        live_only: bool,
    ) -> StoreResult<Option<RecordRow>> {
        let live = if live_only {
            " and deleted_at is null"
        } else {
            ""
        };
        if let Some(reader) = &self.reader {
            return reader.record([user, entity, id], live_only);
        }
        let q = format!(
            "select {RECORD_COLS} from record where user_id = $1 and entity = $2 and id = $3{live}"
        );
        let row = sqlx::query(AssertSqlSafe(q))
            .bind(user)
            .bind(entity)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record_from).transpose()
    }

    async fn lock(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.write_lock {
            Some(m) => Some(m.lock().await),
            None => None,
        }
    }
}

/// The statements of one [`Store::write`] on `conn` (inside a transaction or savepoint the
/// caller commits).
async fn apply_write(
    conn: &mut sqlx::AnyConnection,
    user: &str,
    ops: Vec<Op>,
    audit: &[AuditRow],
    quota: i64,
) -> StoreResult<i64> {
    // The counter update comes first: it takes the write lock at once (no read-to-write
    // upgrade) and orders this change after every earlier one of the user.
    let seq: Option<i64> = sqlx::query_scalar(
        "update account set change_seq = change_seq + 1 where id = $1 returning change_seq",
    )
    .bind(user)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(seq) = seq else {
        return Err(StoreError::NoAccount);
    };
    let now = now_micros();
    // The change in stored bytes (what the quota counts), kept on the account row.
    let mut delta: i64 = 0;
    for op in ops {
        match op {
            Op::Put(w) => {
                delta += w.sealed.data.len() as i64;
                if let Expect::Version(_) = w.expect {
                    delta -= payload_bytes(&mut *conn, user, w.entity, "id", &w.id).await?;
                }
                let n = match w.expect {
                    Expect::Absent => sqlx::query(
                        "insert into record (user_id, entity, id, parent_id, sort_key, \
                             period, status, version, change_seq, deleted_at, key_id, nonce, \
                             data, created_at, updated_at, unique_key) values ($1, $2, $3, $4, \
                             $5, $6, $7, $8, $9, null, $10, $11, $12, $13, $14, $15)",
                    )
                    .bind(user)
                    .bind(w.entity)
                    .bind(&w.id)
                    .bind(&w.parent_id)
                    .bind(w.sort_key)
                    .bind(w.period)
                    .bind(&w.status)
                    .bind(w.version)
                    .bind(seq)
                    .bind(&w.sealed.key_id)
                    .bind(&w.sealed.nonce)
                    .bind(&w.sealed.data)
                    .bind(w.created_at)
                    .bind(w.updated_at)
                    .bind(&w.unique_key)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected(),
                    Expect::Version(v) => sqlx::query(
                        "update record set parent_id = $1, sort_key = $2, period = $3, \
                             status = $4, version = $5, change_seq = $6, key_id = $7, \
                             nonce = $8, data = $9, updated_at = $10, unique_key = $15 \
                             where user_id = $11 and entity = $12 and id = $13 \
                             and version = $14 and deleted_at is null",
                    )
                    .bind(&w.parent_id)
                    .bind(w.sort_key)
                    .bind(w.period)
                    .bind(&w.status)
                    .bind(w.version)
                    .bind(seq)
                    .bind(&w.sealed.key_id)
                    .bind(&w.sealed.nonce)
                    .bind(&w.sealed.data)
                    .bind(w.updated_at)
                    .bind(user)
                    .bind(w.entity)
                    .bind(&w.id)
                    .bind(v)
                    .bind(&w.unique_key)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected(),
                };
                if n != 1 {
                    return Err(StoreError::Conflict);
                }
            }
            Op::Tombstone { entity, id, expect } => {
                delta -= payload_bytes(&mut *conn, user, entity, "id", &id).await?;
                let base = "update record set deleted_at = $1, version = version + 1, \
                                change_seq = $2, key_id = null, nonce = null, data = null, \
                                updated_at = $1 where user_id = $3 and entity = $4 and id = $5 \
                                and deleted_at is null";
                let n = match expect {
                    Some(v) => {
                        sqlx::query(AssertSqlSafe(format!("{base} and version = $6")))
                            .bind(now)
                            .bind(seq)
                            .bind(user)
                            .bind(entity)
                            .bind(&id)
                            .bind(v)
                            .execute(&mut *conn)
                            .await?
                    }
                    None => {
                        sqlx::query(base)
                            .bind(now)
                            .bind(seq)
                            .bind(user)
                            .bind(entity)
                            .bind(&id)
                            .execute(&mut *conn)
                            .await?
                    }
                };
                if n.rows_affected() != 1 {
                    return Err(StoreError::Conflict);
                }
            }
            Op::SyncResult { op_id, result } => {
                sqlx::query(
                    "insert into sync_op (user_id, op_id, result, created_at) \
                         values ($1, $2, $3, $4)",
                )
                .bind(user)
                .bind(&op_id)
                .bind(&result)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            }
            Op::Outbox {
                id,
                insight_id,
                channel,
                due_at,
            } => {
                sqlx::query(
                    "insert into outbox (id, user_id, insight_id, channel, attempts, \
                         next_attempt_at, created_at) values ($1, $2, $3, $4, 0, $5, $6)",
                )
                .bind(&id)
                .bind(user)
                .bind(&insight_id)
                .bind(&channel)
                .bind(due_at)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            }
            Op::TombstoneChildren { entity, parent_id } => {
                delta -= payload_bytes(&mut *conn, user, entity, "parent_id", &parent_id).await?;
                sqlx::query(
                    "update record set deleted_at = $1, version = version + 1, \
                         change_seq = $2, key_id = null, nonce = null, data = null, \
                         updated_at = $1 where user_id = $3 and entity = $4 and parent_id = $5 \
                         and deleted_at is null",
                )
                .bind(now)
                .bind(seq)
                .bind(user)
                .bind(entity)
                .bind(&parent_id)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    if delta != 0 {
        let stored: i64 = sqlx::query_scalar(
            "update account set stored_bytes = stored_bytes + $1 where id = $2 \
             returning stored_bytes",
        )
        .bind(delta)
        .bind(user)
        .fetch_one(&mut *conn)
        .await?;
        if delta > 0 && quota > 0 && stored > quota {
            return Err(StoreError::QuotaExceeded {
                used: stored - delta,
                limit: quota,
            });
        }
    }
    for a in audit {
        insert_audit(&mut *conn, a).await?;
    }
    Ok(seq)
}

/// The stored payload bytes of the user's live records of `entity` whose `column` (`id` or
/// `parent_id`) is `value`.
async fn payload_bytes(
    conn: &mut sqlx::AnyConnection,
    user: &str,
    entity: &str,
    column: &'static str,
    value: &str,
) -> StoreResult<i64> {
    let q = format!(
        "select cast(coalesce(sum(length(data)), 0) as bigint) from record \
         where user_id = $1 and entity = $2 and {column} = $3 and deleted_at is null"
    );
    Ok(sqlx::query_scalar(AssertSqlSafe(q))
        .bind(user)
        .bind(entity)
        .bind(value)
        .fetch_one(&mut *conn)
        .await?)
}

/// One write waiting for the SQLite group commit.
struct WriteJob {
    user: String,
    quota: i64,
    ops: Vec<Op>,
    audit: Vec<AuditRow>,
    done: tokio::sync::oneshot::Sender<StoreResult<i64>>,
}

/// Writes waiting together when the writer comes free are committed in one transaction (one
/// fsync), each in its own savepoint so that a failed precondition rolls back that write
/// alone. A write is answered only after the commit: group commit changes the cost of
/// durability, not its promise.
async fn group_writer(
    pool: AnyPool,
    lock: Arc<Mutex<()>>,
    mut rx: tokio::sync::mpsc::Receiver<WriteJob>,
) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let _g = lock.lock().await;
        let mut outcomes = Vec::with_capacity(jobs.len());
        let committed = async {
            let mut tx = pool.begin().await?;
            for j in &mut jobs {
                let ops = std::mem::take(&mut j.ops);
                let mut sp = sqlx::Acquire::begin(&mut tx).await?;
                match apply_write(&mut sp, &j.user, ops, &j.audit, j.quota).await {
                    Ok(seq) => {
                        sp.commit().await?;
                        outcomes.push(Ok(seq));
                    }
                    Err(e) => {
                        sp.rollback().await?;
                        outcomes.push(Err(e));
                    }
                }
            }
            tx.commit().await?;
            Ok::<(), StoreError>(())
        }
        .await;
        match committed {
            Ok(()) => {
                for (j, r) in jobs.into_iter().zip(outcomes) {
                    let _ = j.done.send(r);
                }
            }
            Err(e) => {
                for j in jobs {
                    let _ = j.done.send(Err(e.clone()));
                }
            }
        }
    }
}

/// The most writes one group commit takes.
const MAX_GROUP: usize = 64;

#[async_trait]
impl Store for SqlStore {
    fn dialect(&self) -> &'static str {
        if self.sqlite { "sqlite" } else { "postgres" }
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("select 1").fetch_one(&self.pool).await?;
        Ok(())
    }

    async fn create_account(&self, a: &AccountRow, audit: &AuditRow) -> StoreResult<()> {
        let _g = self.lock().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "insert into account (id, email_hash, password_hash, retention_months, key_id, \
             nonce, data, version, change_seq, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10)",
        )
        .bind(&a.id)
        .bind(&a.email_hash)
        .bind(&a.password_hash)
        .bind(a.retention_months)
        .bind(&a.sealed.key_id)
        .bind(&a.sealed.nonce)
        .bind(&a.sealed.data)
        .bind(a.version)
        .bind(a.created_at)
        .bind(a.updated_at)
        .execute(&mut *tx)
        .await?;
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn account_by_email(&self, email_hash: &str) -> StoreResult<Option<AccountRow>> {
        let q = format!("select {ACCOUNT_COLS} from account where email_hash = $1");
        let row = sqlx::query(AssertSqlSafe(q))
            .bind(email_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(account_from).transpose()
    }

    async fn account(&self, user: UserId) -> StoreResult<Option<AccountRow>> {
        let user = &user.to_string();
        let q = format!("select {ACCOUNT_COLS} from account where id = $1");
        let row = sqlx::query(AssertSqlSafe(q))
            .bind(user)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(account_from).transpose()
    }

    async fn update_account(
        &self,
        user: UserId,
        expect: i64,
        a: &AccountRow,
        audit: &AuditRow,
    ) -> StoreResult<()> {
        let user = &user.to_string();
        let _g = self.lock().await;
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "update account set email_hash = $1, password_hash = $2, retention_months = $3, \
             key_id = $4, nonce = $5, data = $6, version = $7, updated_at = $8, \
             change_seq = change_seq + 1 where id = $9 and version = $10",
        )
        .bind(&a.email_hash)
        .bind(&a.password_hash)
        .bind(a.retention_months)
        .bind(&a.sealed.key_id)
        .bind(&a.sealed.nonce)
        .bind(&a.sealed.data)
        .bind(a.version)
        .bind(a.updated_at)
        .bind(user)
        .bind(expect)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_account(&self, user: UserId) -> StoreResult<bool> {
        let user = &user.to_string();
        let _g = self.lock().await;
        let mut tx = self.pool.begin().await?;
        // Its identities stay, unbound and emptied, marking when: a token issued before the
        // deletion is refused instead of making a new account.
        sqlx::query(
            "update identity set user_id = null, deleted_at = $2, key_id = null, nonce = null, \
             data = null where user_id = $1",
        )
        .bind(user)
        .bind(chrono::Utc::now().timestamp_micros())
        .execute(&mut *tx)
        .await?;
        for q in [
            "delete from record where user_id = $1",
            "delete from refresh_token where user_id = $1",
            "delete from audit_event where user_id = $1",
            "delete from sync_op where user_id = $1",
            "delete from outbox where user_id = $1",
        ] {
            sqlx::query(q).bind(user).execute(&mut *tx).await?;
        }
        let done = sqlx::query("delete from account where id = $1")
            .bind(user)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn account_gate(&self, user: UserId) -> StoreResult<Option<AccountGate>> {
        let user = &user.to_string();
        let row = sqlx::query("select tokens_valid_after, disabled_at from account where id = $1")
            .bind(user)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let disabled: Option<i64> = r.try_get("disabled_at")?;
            Ok(AccountGate {
                tokens_valid_after: r.try_get("tokens_valid_after")?,
                disabled: disabled.is_some(),
            })
        })
        .transpose()
    }

    async fn is_admin(&self, user: UserId) -> StoreResult<bool> {
        let user = &user.to_string();
        let n: i64 = sqlx::query_scalar(
            "select count(*) from account where id = $1 and role = 'admin' \
             and disabled_at is null",
        )
        .bind(user)
        .fetch_one(&self.pool)
        .await?;
        Ok(n == 1)
    }

    async fn set_role(&self, email_hash: &str, role: Option<&str>) -> StoreResult<Option<UserId>> {
        let _g = self.lock().await;
        let id: Option<String> =
            sqlx::query_scalar("update account set role = $1 where email_hash = $2 returning id")
                .bind(role)
                .bind(email_hash)
                .fetch_optional(&self.pool)
                .await?;
        id.map(|i| {
            i.parse::<UserId>()
                .map_err(|e| StoreError::db(e.to_string()))
        })
        .transpose()
    }

    async fn set_disabled(
        &self,
        user: UserId,
        disabled_at: Option<i64>,
        audit: &AuditRow,
    ) -> StoreResult<bool> {
        let user = &user.to_string();
        let _g = self.lock().await;
        let mut tx = self.pool.begin().await?;
        let done = match disabled_at {
            Some(at) => {
                let done = sqlx::query(
                    "update account set disabled_at = coalesce(disabled_at, $1), \
                     tokens_valid_after = $1 where id = $2",
                )
                .bind(at)
                .bind(user)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "update refresh_token set revoked_at = coalesce(revoked_at, $1), \
                     successor_key_id = null, successor_nonce = null, successor_data = null \
                     where user_id = $2 and (revoked_at is null or successor_key_id is not null)",
                )
                .bind(at)
                .bind(user)
                .execute(&mut *tx)
                .await?;
                done
            }
            None => {
                sqlx::query("update account set disabled_at = null where id = $1")
                    .bind(user)
                    .execute(&mut *tx)
                    .await?
            }
        };
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn touch_sign_in(&self, user: UserId, at: i64) -> StoreResult<()> {
        let user = &user.to_string();
        let _g = self.lock().await;
        sqlx::query("update account set last_sign_in_at = $1 where id = $2")
            .bind(at)
            .bind(user)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn identity_by_subject(
        &self,
        issuer: &str,
        subject: &str,
    ) -> StoreResult<Option<IdentityRow>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "select {IDENTITY_COLS} from identity where issuer = $1 and subject = $2"
        )))
        .bind(issuer)
        .bind(subject)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(identity_from).transpose()
    }

    async fn create_account_with_identity(
        &self,
        a: &AccountRow,
        identity: &IdentityRow,
        audit: &AuditRow,
    ) -> StoreResult<bool> {
        let _g = self.lock().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "insert into account (id, email_hash, password_hash, retention_months, key_id, \
             nonce, data, version, change_seq, created_at, updated_at, last_sign_in_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $9)",
        )
        .bind(&a.id)
        .bind(&a.email_hash)
        .bind(&a.password_hash)
        .bind(a.retention_months)
        .bind(&a.sealed.key_id)
        .bind(&a.sealed.nonce)
        .bind(&a.sealed.data)
        .bind(a.version)
        .bind(a.created_at)
        .bind(a.updated_at)
        .execute(&mut *tx)
        .await?;
        if !bind_identity(&mut tx, &a.id, identity).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn link_identity(
        &self,
        user: UserId,
        identity: &IdentityRow,
        audit: &AuditRow,
    ) -> StoreResult<bool> {
        let user = &user.to_string();
        let _g = self.lock().await;
        let mut tx = self.pool.begin().await?;
        if !bind_identity(&mut tx, user, identity).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn identities(&self, user: UserId) -> StoreResult<Vec<IdentityRow>> {
        let user = &user.to_string();
        let rows = sqlx::query(AssertSqlSafe(format!(
            "select {IDENTITY_COLS} from identity where user_id = $1 order by created_at, id"
        )))
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(identity_from).collect()
    }

    async fn remove_identity(
        &self,
        user: UserId,
        id: &str,
        audit: &AuditRow,
    ) -> StoreResult<IdentityRemoval> {
        let user = &user.to_string();
        let _g = self.lock().await;
        let mut tx = self.pool.begin().await?;
        let mine: i64 =
            sqlx::query_scalar("select count(*) from identity where id = $1 and user_id = $2")
                .bind(id)
                .bind(user)
                .fetch_one(&mut *tx)
                .await?;
        if mine == 0 {
            return Ok(IdentityRemoval::NotFound);
        }
        let others: i64 =
            sqlx::query_scalar("select count(*) from identity where user_id = $1 and id <> $2")
                .bind(user)
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        let password: Option<String> =
            sqlx::query_scalar("select password_hash from account where id = $1")
                .bind(user)
                .fetch_optional(&mut *tx)
                .await?;
        if others == 0 && password.is_none_or(|p| p.is_empty()) {
            return Ok(IdentityRemoval::Last);
        }
        sqlx::query("delete from identity where id = $1 and user_id = $2")
            .bind(id)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(IdentityRemoval::Removed)
    }

    async fn touch_identity(&self, id: &str, at: i64) -> StoreResult<()> {
        let _g = self.lock().await;
        sqlx::query("update identity set last_used_at = $1 where id = $2")
            .bind(at)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn insert_login_code(
        &self,
        code_hash: &str,
        user: UserId,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<()> {
        let _g = self.lock().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query("delete from login_code where expires_at < $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("insert into login_code (code_hash, user_id, expires_at) values ($1, $2, $3)")
            .bind(code_hash)
            .bind(user.to_string())
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn consume_login_code(&self, code_hash: &str, now: i64) -> StoreResult<Option<UserId>> {
        let _g = self.lock().await;
        let user: Option<String> = sqlx::query_scalar(
            "update login_code set used_at = $1 where code_hash = $2 and used_at is null \
             and expires_at > $1 returning user_id",
        )
        .bind(now)
        .bind(code_hash)
        .fetch_optional(&self.pool)
        .await?;
        user.map(|u| {
            u.parse::<UserId>()
                .map_err(|e| StoreError::db(e.to_string()))
        })
        .transpose()
    }

    async fn insert_password_reset(
        &self,
        token_hash: &str,
        user: UserId,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<()> {
        let _g = self.lock().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query("delete from password_reset where expires_at < $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "insert into password_reset (token_hash, user_id, expires_at, created_at) \
             values ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user.to_string())
        .bind(expires_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn consume_password_reset(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<UserId>> {
        let _g = self.lock().await;
        let mut tx = self.pool.begin().await?;
        let user: Option<String> = sqlx::query_scalar(
            "update password_reset set used_at = $1 where token_hash = $2 and used_at is null \
             and expires_at > $1 returning user_id",
        )
        .bind(now)
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(u) = &user {
            sqlx::query(
                "update password_reset set used_at = $1 where user_id = $2 and used_at is null",
            )
            .bind(now)
            .bind(u)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        user.map(|u| {
            u.parse::<UserId>()
                .map_err(|e| StoreError::db(e.to_string()))
        })
        .transpose()
    }

    async fn audit_once_since(&self, a: &AuditRow, since: i64) -> StoreResult<bool> {
        let _g = self.lock().await;
        let done = sqlx::query(
            "insert into audit_event (id, user_id, action, entity, entity_id, source_ip, \
             details, created_at) select $1, $2, $3, $4, $5, $6, $7, $8 where not exists \
             (select 1 from audit_event where user_id = $2 and action = $3 and created_at >= $9)",
        )
        .bind(&a.id)
        .bind(&a.user_id)
        .bind(&a.action)
        .bind(&a.entity)
        .bind(&a.entity_id)
        .bind(&a.source_ip)
        .bind(&a.details)
        .bind(a.created_at)
        .bind(since)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn usage_rows(
        &self,
        actions: &[&str],
        until: i64,
    ) -> StoreResult<Vec<(String, String, Option<String>, Option<String>, String, i64)>> {
        let mut out = Vec::new();
        // One indexed scan per action (the list is short; `in` with bound lists differs
        // between the two databases).
        for action in actions {
            let rows = sqlx::query(
                "select user_id, action, entity, entity_id, details, created_at from audit_event \
                 where action = $1 and created_at <= $2 and user_id is not null",
            )
            .bind(*action)
            .bind(until)
            .fetch_all(&self.pool)
            .await?;
            for r in rows {
                out.push((
                    r.try_get("user_id")?,
                    r.try_get("action")?,
                    r.try_get("entity")?,
                    r.try_get("entity_id")?,
                    r.try_get("details")?,
                    r.try_get("created_at")?,
                ));
            }
        }
        out.sort_by_key(|r| r.5);
        Ok(out)
    }

    async fn admin_accounts(
        &self,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<AdminAccountRow>> {
        let rows = sqlx::query(
            "select id, key_id, nonce, data, role, disabled_at, last_sign_in_at, created_at \
             from account where id > $1 order by id limit $2",
        )
        .bind(after.unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AdminAccountRow {
                    id: r.try_get("id")?,
                    sealed: Sealed {
                        key_id: r.try_get("key_id")?,
                        nonce: r.try_get("nonce")?,
                        data: r.try_get("data")?,
                    },
                    role: r.try_get("role")?,
                    disabled_at: r.try_get("disabled_at")?,
                    last_sign_in_at: r.try_get("last_sign_in_at")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    async fn record_counts(&self, users: &[String]) -> StoreResult<Vec<(String, String, i64)>> {
        let mut out = Vec::new();
        // One query per user: the pages are small (at most 200 users) and each is an index scan.
        for user in users {
            let rows = sqlx::query(
                "select entity, count(*) as n from record where user_id = $1 \
                 and deleted_at is null group by entity",
            )
            .bind(user)
            .fetch_all(&self.pool)
            .await?;
            for r in rows {
                out.push((user.clone(), r.try_get("entity")?, r.try_get("n")?));
            }
        }
        Ok(out)
    }

    async fn revoke_tokens(
        &self,
        user: UserId,
        at: i64,
        password_hash: Option<&str>,
        audit: &AuditRow,
    ) -> StoreResult<bool> {
        let user = &user.to_string();
        let _g = self.lock().await;
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "update account set tokens_valid_after = $1, \
             password_hash = coalesce($2, password_hash) where id = $3",
        )
        .bind(at)
        .bind(password_hash)
        .bind(user)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query(
            "update refresh_token set revoked_at = coalesce(revoked_at, $1), successor_key_id = null, \
             successor_nonce = null, successor_data = null where user_id = $2 \
             and (revoked_at is null or successor_key_id is not null)",
        )
        .bind(at)
        .bind(user)
        .execute(&mut *tx)
        .await?;
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn accounts_with_retention(&self) -> StoreResult<Vec<(UserId, i64)>> {
        let rows = sqlx::query(
            "select id, retention_months from account where retention_months is not null",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                let user = id
                    .parse::<UserId>()
                    .map_err(|e| StoreError::db(e.to_string()))?;
                Ok((user, r.try_get("retention_months")?))
            })
            .collect()
    }

    async fn get(&self, user: UserId, entity: &str, id: &str) -> StoreResult<Option<RecordRow>> {
        let user = &user.to_string();
        self.fetch_record(user, entity, id, true).await
    }

    async fn get_any(
        &self,
        user: UserId,
        entity: &str,
        id: &str,
    ) -> StoreResult<Option<RecordRow>> {
        let user = &user.to_string();
        self.fetch_record(user, entity, id, false).await
    }

    async fn changes(
        &self,
        user: UserId,
        entities: &[&str],
        after: Option<(i64, String, String)>,
        limit: i64,
        max_bytes: usize,
    ) -> StoreResult<(Vec<RecordRow>, bool)> {
        let user = &user.to_string();
        // Placeholders only: the entity names are bound, never spliced.
        let list = (0..entities.len())
            .map(|i| format!("${}", i + 6))
            .collect::<Vec<_>>()
            .join(", ");
        let (seq, entity, id) = after.unwrap_or((-1, String::new(), String::new()));
        let page = |cols: &str| {
            format!(
                "select {cols} from record where user_id = $1 and change_seq >= $2 \
                 and (change_seq > $2 or entity > $3 or (entity = $3 and id > $4)) \
                 and entity in ({list}) order by change_seq, entity, id limit $5"
            )
        };
        // First the sizes (no payload is read), to know how many rows fit in `max_bytes`;
        // then those rows. The payloads past the budget are never loaded.
        let mut sizes = sqlx::query_scalar::<_, i64>(AssertSqlSafe(page(
            "cast(coalesce(length(data), 0) as bigint)",
        )))
        .bind(user)
        .bind(seq)
        .bind(&entity)
        .bind(&id)
        .bind(limit.saturating_add(1));
        for e in entities {
            sizes = sizes.bind(*e);
        }
        let sizes = sizes.fetch_all(&self.pool).await?;
        let mut take = 0usize;
        let mut bytes = 0usize;
        for size in &sizes {
            let size = usize::try_from(*size).unwrap_or(0);
            if take as i64 >= limit || (take > 0 && bytes + size > max_bytes) {
                break;
            }
            bytes += size;
            take += 1;
        }
        let more = take < sizes.len();
        if take == 0 {
            return Ok((Vec::new(), more));
        }
        let mut query = sqlx::query(AssertSqlSafe(page(RECORD_COLS)))
            .bind(user)
            .bind(seq)
            .bind(&entity)
            .bind(&id)
            .bind(take as i64);
        for e in entities {
            query = query.bind(*e);
        }
        let rows = query.fetch_all(&self.pool).await?;
        let rows = rows
            .iter()
            .map(record_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((rows, more))
    }

    async fn stored_bytes(&self, user: UserId) -> StoreResult<i64> {
        let user = &user.to_string();
        Ok(
            sqlx::query_scalar("select stored_bytes from account where id = $1")
                .bind(user)
                .fetch_optional(&self.pool)
                .await?
                .unwrap_or(0),
        )
    }

    async fn sync_result(&self, user: UserId, op_id: &str) -> StoreResult<Option<String>> {
        let user = &user.to_string();
        Ok(
            sqlx::query_scalar("select result from sync_op where user_id = $1 and op_id = $2")
                .bind(user)
                .bind(op_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn get_by_period(
        &self,
        user: UserId,
        entity: &str,
        parent_id: &str,
        period: i64,
    ) -> StoreResult<Option<RecordRow>> {
        let user = &user.to_string();
        let q = format!(
            "select {RECORD_COLS} from record where user_id = $1 and entity = $2 \
             and parent_id = $3 and period = $4 and deleted_at is null"
        );
        let row = sqlx::query(AssertSqlSafe(q))
            .bind(user)
            .bind(entity)
            .bind(parent_id)
            .bind(period)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record_from).transpose()
    }

    async fn list(
        &self,
        user: UserId,
        entity: &str,
        parent_id: Option<&str>,
        after: Option<(i64, String)>,
        limit: i64,
        periods: Option<(i64, i64)>,
    ) -> StoreResult<Vec<RecordRow>> {
        let user = &user.to_string();
        let parent = parent_id.unwrap_or("");
        let (key, id) = after.unwrap_or((i64::MAX, String::new()));
        let (filter, lo, hi) = match periods {
            Some((lo, hi)) => (1i64, lo, hi),
            None => (0, 0, 0),
        };
        // `$5 = ''` only on the first page (no id sorts before every id); `$7 = 0`: no period
        // filter.
        let q = format!(
            "select {RECORD_COLS} from record where user_id = $1 and entity = $2 \
             and parent_id = $3 and deleted_at is null \
             and (sort_key < $4 or (sort_key = $4 and ($5 = '' or id < $5))) \
             and ($7 = 0 or (period >= $8 and period <= $9)) \
             order by sort_key desc, id desc limit $6"
        );
        let rows = sqlx::query(AssertSqlSafe(q))
            .bind(user)
            .bind(entity)
            .bind(parent)
            .bind(key)
            .bind(&id)
            .bind(limit)
            .bind(filter)
            .bind(lo)
            .bind(hi)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(record_from).collect()
    }

    async fn list_all(&self, user: UserId, entity: &str) -> StoreResult<Vec<RecordRow>> {
        let user = &user.to_string();
        let q = format!(
            "select {RECORD_COLS} from record where user_id = $1 and entity = $2 \
             and deleted_at is null order by sort_key, id"
        );
        let rows = sqlx::query(AssertSqlSafe(q))
            .bind(user)
            .bind(entity)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(record_from).collect()
    }

    async fn write(&self, user: UserId, ops: Vec<Op>, audit: Vec<AuditRow>) -> StoreResult<i64> {
        let user = &user.to_string();
        if let Some(group) = &self.group {
            let (done, answer) = tokio::sync::oneshot::channel();
            group
                .send(WriteJob {
                    user: user.to_owned(),
                    quota: self.quota_bytes,
                    ops,
                    audit,
                    done,
                })
                .await
                .map_err(|_| StoreError::db("the SQLite writer stopped"))?;
            return answer
                .await
                .map_err(|_| StoreError::db("the SQLite writer stopped"))?;
        }
        let mut tx = self.pool.begin().await?;
        let seq = apply_write(&mut tx, user, ops, &audit, self.quota_bytes).await?;
        tx.commit().await?;
        Ok(seq)
    }

    async fn tombstone_before(&self, user: UserId, entity: &str, period: i64) -> StoreResult<u64> {
        let user = &user.to_string();
        let _g = self.lock().await;
        let mut tx = self.pool.begin().await?;
        let seq: Option<i64> = sqlx::query_scalar(
            "update account set change_seq = change_seq + 1 where id = $1 returning change_seq",
        )
        .bind(user)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(seq) = seq else { return Ok(0) };
        let now = now_micros();
        let freed: i64 = sqlx::query_scalar(
            "select cast(coalesce(sum(length(data)), 0) as bigint) from record \
             where user_id = $1 and entity = $2 and period < $3 and deleted_at is null",
        )
        .bind(user)
        .bind(entity)
        .bind(period)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("update account set stored_bytes = stored_bytes - $1 where id = $2")
            .bind(freed)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query(
            "update record set deleted_at = $1, version = version + 1, change_seq = $2, \
             key_id = null, nonce = null, data = null, updated_at = $1 \
             where user_id = $3 and entity = $4 and period < $5 and deleted_at is null",
        )
        .bind(now)
        .bind(seq)
        .bind(user)
        .bind(entity)
        .bind(period)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    async fn insert_refresh(&self, t: &RefreshRow) -> StoreResult<()> {
        let _g = self.lock().await;
        sqlx::query(
            "insert into refresh_token (token_hash, user_id, family_id, expires_at, created_at) \
             values ($1, $2, $3, $4, $5)",
        )
        .bind(&t.token_hash)
        .bind(&t.user_id)
        .bind(&t.family_id)
        .bind(t.expires_at)
        .bind(t.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn rotate_refresh(
        &self,
        old_hash: &str,
        new: &RefreshRow,
        now: i64,
        grace: i64,
        seal: &(dyn Fn(UserId) -> StoreResult<Sealed> + Send + Sync),
    ) -> StoreResult<RefreshOutcome> {
        let _g = self.lock().await;
        let mut tx = self.pool.begin().await?;
        // Claim the token atomically: only one presenter can win. On PostgreSQL a concurrent
        // claim waits for this transaction and then sees the token used, with its answer.
        let claimed = sqlx::query(
            "update refresh_token set used_at = $1 where token_hash = $2 and used_at is null \
             and revoked_at is null and expires_at > $1 returning user_id, family_id",
        )
        .bind(now)
        .bind(old_hash)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = claimed {
            let user: String = row.try_get("user_id")?;
            let family_id: String = row.try_get("family_id")?;
            let user_id = user
                .parse::<UserId>()
                .map_err(|e| StoreError::db(e.to_string()))?;
            sqlx::query(
                "insert into refresh_token (token_hash, user_id, family_id, expires_at, \
                 created_at) values ($1, $2, $3, $4, $5)",
            )
            .bind(&new.token_hash)
            .bind(&user)
            .bind(&family_id)
            .bind(new.expires_at)
            .bind(new.created_at)
            .execute(&mut *tx)
            .await?;
            let sealed = seal(user_id)?;
            sqlx::query(
                "update refresh_token set successor_key_id = $1, successor_nonce = $2, \
                 successor_data = $3 where token_hash = $4",
            )
            .bind(&sealed.key_id)
            .bind(&sealed.nonce)
            .bind(&sealed.data)
            .bind(old_hash)
            .execute(&mut *tx)
            .await?;
            // The answers of this user's earlier rotations are of no use after the interval.
            sqlx::query(
                "update refresh_token set successor_key_id = null, successor_nonce = null, \
                 successor_data = null where user_id = $1 and used_at < $2 \
                 and successor_key_id is not null",
            )
            .bind(&user)
            .bind(now - grace)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(RefreshOutcome::Rotated { user_id });
        }
        let known = sqlx::query(
            "select user_id, family_id, used_at, revoked_at, successor_key_id, successor_nonce, \
             successor_data from refresh_token where token_hash = $1",
        )
        .bind(old_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let outcome = match known {
            Some(row) => {
                let used: Option<i64> = row.try_get("used_at")?;
                let revoked: Option<i64> = row.try_get("revoked_at")?;
                let family: String = row.try_get("family_id")?;
                let user: String = row.try_get("user_id")?;
                let user_id = user.parse::<UserId>().ok();
                let successor = Sealed::from_parts(
                    row.try_get("successor_key_id")?,
                    row.try_get("successor_nonce")?,
                    row.try_get("successor_data")?,
                );
                match (used, revoked, successor, user_id) {
                    // Used moments ago by another tab, its family still alive.
                    (Some(at), None, Some(sealed), Some(user_id)) if now - at <= grace => {
                        RefreshOutcome::Replayed { user_id, sealed }
                    }
                    (Some(_), _, _, user_id) => {
                        sqlx::query(
                            "update refresh_token set revoked_at = coalesce(revoked_at, $1), \
                             successor_key_id = null, successor_nonce = null, \
                             successor_data = null where family_id = $2 \
                             and (revoked_at is null or successor_key_id is not null)",
                        )
                        .bind(now)
                        .bind(&family)
                        .execute(&mut *tx)
                        .await?;
                        RefreshOutcome::Reused { user_id }
                    }
                    (None, _, _, user_id) => RefreshOutcome::Invalid { user_id },
                }
            }
            None => RefreshOutcome::Invalid { user_id: None },
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn revoke_refresh_family(&self, hash: &str, now: i64) -> StoreResult<Option<UserId>> {
        let _g = self.lock().await;
        let row = sqlx::query("select user_id, family_id from refresh_token where token_hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let user: String = row.try_get("user_id")?;
        let family: String = row.try_get("family_id")?;
        sqlx::query(
            "update refresh_token set revoked_at = coalesce(revoked_at, $1), successor_key_id = null, \
             successor_nonce = null, successor_data = null where family_id = $2 \
             and (revoked_at is null or successor_key_id is not null)",
        )
        .bind(now)
        .bind(&family)
        .execute(&self.pool)
        .await?;
        Ok(Some(
            user.parse::<UserId>()
                .map_err(|e| StoreError::db(e.to_string()))?,
        ))
    }

    async fn rate_reserve(
        &self,
        checks: &[RateCheck],
        at: i64,
    ) -> StoreResult<Option<(usize, i64)>> {
        let _g = self.lock().await;
        let mut tx = self.pool.begin().await?;
        if !self.sqlite {
            // Serialise reservations of the same keys across connections and instances, in
            // one order (no deadlock); the locks end with the transaction.
            let mut keys: Vec<&str> = checks.iter().map(|c| c.key.as_str()).collect();
            keys.sort_unstable();
            keys.dedup();
            for key in keys {
                sqlx::query("select 1 from (select pg_advisory_xact_lock(hashtext($1))) as l")
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        for (i, c) in checks.iter().enumerate() {
            let row = sqlx::query(
                "select count(*) as n, min(at) as oldest from rate_event \
                 where key = $1 and at > $2",
            )
            .bind(&c.key)
            .bind(at - c.window_us)
            .fetch_one(&mut *tx)
            .await?;
            let n: i64 = row.try_get("n")?;
            if n >= c.limit {
                let oldest: Option<i64> = row.try_get("oldest")?;
                tx.rollback().await?;
                return Ok(Some((i, oldest.unwrap_or(at))));
            }
        }
        for c in checks {
            sqlx::query("insert into rate_event (key, at) values ($1, $2)")
                .bind(&c.key)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(None)
    }

    async fn rate_release(&self, key: &str, at: Option<i64>) -> StoreResult<()> {
        let _g = self.lock().await;
        match at {
            Some(at) => {
                sqlx::query("delete from rate_event where key = $1 and at = $2")
                    .bind(key)
                    .bind(at)
                    .execute(&self.pool)
                    .await?
            }
            None => {
                sqlx::query("delete from rate_event where key = $1")
                    .bind(key)
                    .execute(&self.pool)
                    .await?
            }
        };
        Ok(())
    }

    async fn audit(&self, row: &AuditRow) -> StoreResult<()> {
        let _g = self.lock().await;
        insert_audit(&self.pool, row).await
    }

    async fn audit_for(&self, user: UserId) -> StoreResult<Vec<AuditRow>> {
        let user = &user.to_string();
        let rows = sqlx::query(
            "select id, user_id, action, entity, entity_id, source_ip, details, created_at \
             from audit_event where user_id = $1 order by created_at, id",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_from).collect()
    }

    async fn audit_page(
        &self,
        user: UserId,
        action: Option<&str>,
        before: Option<(i64, String)>,
        limit: i64,
    ) -> StoreResult<Vec<AuditRow>> {
        let user = &user.to_string();
        let (at, id) = before.unwrap_or((i64::MAX, String::new()));
        // `$4 = ''` only for the first page: no id sorts before every id.
        let q = "select id, user_id, action, entity, entity_id, source_ip, details, created_at \
                 from audit_event where user_id = $1 and ($2 = '' or action = $2) \
                 and (created_at < $3 or (created_at = $3 and ($4 = '' or id < $4))) \
                 order by created_at desc, id desc limit $5";
        let rows = sqlx::query(q)
            .bind(user)
            .bind(action.unwrap_or(""))
            .bind(at)
            .bind(&id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(audit_from).collect()
    }

    async fn purged_through(&self, user: UserId) -> StoreResult<(i64, String, String)> {
        let user = &user.to_string();
        let row =
            sqlx::query("select purged_seq, purged_entity, purged_id from account where id = $1")
                .bind(user)
                .fetch_optional(&self.pool)
                .await?;
        match row {
            Some(r) => Ok((
                r.try_get("purged_seq")?,
                r.try_get("purged_entity")?,
                r.try_get("purged_id")?,
            )),
            None => Ok((0, String::new(), String::new())),
        }
    }

    async fn claim_outbox(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> StoreResult<Vec<OutboxRow>> {
        // PostgreSQL: the due rows no other instance holds (`skip locked`), leased in the same
        // statement. SQLite: one writer at a time, under the store's write lock.
        let q = if self.sqlite {
            "update outbox set claimed_until = $1 where id in (select id from outbox \
             where delivered_at is null and dead_at is null and next_attempt_at <= $2 \
             and (claimed_until is null or claimed_until < $2) \
             order by next_attempt_at, id limit $3) \
             returning id, user_id, insight_id, channel, attempts, created_at"
        } else {
            "update outbox set claimed_until = $1 where id in (select id from outbox \
             where delivered_at is null and dead_at is null and next_attempt_at <= $2 \
             and (claimed_until is null or claimed_until < $2) \
             order by next_attempt_at, id limit $3 for update skip locked) \
             returning id, user_id, insight_id, channel, attempts, created_at"
        };
        let _g = self.lock().await;
        let rows = sqlx::query(q)
            .bind(lease_until)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxRow {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    insight_id: r.try_get("insight_id")?,
                    channel: r.try_get("channel")?,
                    attempts: r.try_get("attempts")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    async fn finish_outbox(&self, id: &str, outcome: &OutboxOutcome) -> StoreResult<()> {
        let _g = self.lock().await;
        let q = match outcome {
            OutboxOutcome::Delivered(at) => sqlx::query(
                "update outbox set delivered_at = $1, attempts = attempts + 1, \
                 claimed_until = null, last_error = null where id = $2",
            )
            .bind(*at)
            .bind(id),
            OutboxOutcome::Retry(at, error) => sqlx::query(
                "update outbox set next_attempt_at = $1, attempts = attempts + 1, \
                 claimed_until = null, last_error = $2 where id = $3",
            )
            .bind(*at)
            .bind(error.as_str())
            .bind(id),
            OutboxOutcome::Dead(at, error) => sqlx::query(
                "update outbox set dead_at = $1, attempts = attempts + 1, \
                 claimed_until = null, last_error = $2 where id = $3",
            )
            .bind(*at)
            .bind(error.as_str())
            .bind(id),
        };
        q.execute(&self.pool).await?;
        Ok(())
    }

    async fn outbox_backlog(&self, now: i64) -> StoreResult<(i64, i64)> {
        let r = sqlx::query(
            "select count(*) as n, min(created_at) as oldest from outbox \
             where delivered_at is null and dead_at is null",
        )
        .fetch_one(&self.pool)
        .await?;
        let n: i64 = r.try_get("n")?;
        let oldest: Option<i64> = r.try_get("oldest")?;
        Ok((n, oldest.map_or(0, |o| (now - o).max(0))))
    }

    async fn prune(&self, tombstones_before: i64, audit_before: i64, now: i64) -> StoreResult<()> {
        let _g = self.lock().await;
        // The purge marks move up in the same transaction as the tombstones go, so a device
        // can never miss a deletion without its cursor being refused (410 cursor_expired).
        let mut tx = self.pool.begin().await?;
        let last = sqlx::query(
            "select user_id, max(change_seq) as seq from record \
             where deleted_at is not null and deleted_at < $1 group by user_id",
        )
        .bind(tombstones_before)
        .fetch_all(&mut *tx)
        .await?;
        for r in &last {
            let user: String = r.try_get("user_id")?;
            let seq: i64 = r.try_get("seq")?;
            let top = sqlx::query(
                "select entity, id from record where user_id = $1 and change_seq = $2 \
                 and deleted_at is not null and deleted_at < $3 \
                 order by entity desc, id desc limit 1",
            )
            .bind(&user)
            .bind(seq)
            .bind(tombstones_before)
            .fetch_optional(&mut *tx)
            .await?;
            // Gone since the first query (a concurrent write on PostgreSQL): nothing to mark.
            let Some(top) = top else { continue };
            let (entity, id): (String, String) = (top.try_get("entity")?, top.try_get("id")?);
            sqlx::query(
                "update account set purged_seq = $2, purged_entity = $3, purged_id = $4 \
                 where id = $1 and (purged_seq < $2 or (purged_seq = $2 and \
                 (purged_entity < $3 or (purged_entity = $3 and purged_id < $4))))",
            )
            .bind(&user)
            .bind(seq)
            .bind(&entity)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("delete from record where deleted_at is not null and deleted_at < $1")
            .bind(tombstones_before)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        sqlx::query("delete from audit_event where created_at < $1")
            .bind(audit_before)
            .execute(&self.pool)
            .await?;
        // The longest rate window is 15 minutes.
        sqlx::query("delete from rate_event where at < $1")
            .bind(now - 3_600_000_000)
            .execute(&self.pool)
            .await?;
        sqlx::query("delete from refresh_token where expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
