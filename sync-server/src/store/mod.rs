//! Storage behind one trait. Every record method takes the authenticated user's id, so a query
//! can never reach another user's rows. The store sees only ciphertext: encryption happens in
//! [`crate::repo`] before a row gets here.
//!
//! Every synced entity lives in one `record` table with a `version` (+1 on each change), a
//! `deleted_at` tombstone and a `change_seq` drawn from a per-user counter (on `account`) in
//! the same transaction as the change, so a sync pull feed is one indexed range scan.

pub mod sql;
pub mod sqlite_read;

use async_trait::async_trait;
use lifepath_core::UserId;

pub use sql::SqlStore;

/// A failed store operation.
#[derive(Clone, Debug, thiserror::Error)]
pub enum StoreError {
    /// A version check failed, or a record (or a sync op_id, or a month's record) exists
    /// already: `record_pkey`, `record_period_key`, `sync_op_pkey`.
    #[error("conflict")]
    Conflict,
    /// Another live record of the kind has the same unique key (`record_unique_key`): a
    /// transaction whose fingerprint is there already.
    #[error("duplicate")]
    Duplicate,
    /// The email belongs to another account (`account_email_hash_key`).
    #[error("the email is taken")]
    EmailTaken,
    /// The user of the write has no account (deleted meanwhile).
    #[error("no such account")]
    NoAccount,
    /// The write would take the user past the storage quota (nothing was written).
    #[error("storage quota exceeded")]
    QuotaExceeded {
        /// Bytes stored before the write.
        used: i64,
        /// The quota.
        limit: i64,
    },
    /// The database failed; the cause is kept for the log, never shown.
    #[error("database error: {0}")]
    Db(#[source] std::sync::Arc<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// A database failure described by `message` (no error value behind it).
    pub fn db(message: impl Into<String>) -> StoreError {
        let message: String = message.into();
        StoreError::Db(std::sync::Arc::from(Box::<
            dyn std::error::Error + Send + Sync,
        >::from(message)))
    }
}

/// The unique constraint a violation broke, by name. PostgreSQL names it; SQLite names the
/// columns (`UNIQUE constraint failed: account.email_hash`), which map onto the same names.
pub fn unique_constraint(e: &dyn sqlx::error::DatabaseError) -> Option<&'static str> {
    const KNOWN: [(&str, &str); 6] = [
        ("account_email_hash_key", "account.email_hash"),
        ("account_pkey", "account.id"),
        ("record_pkey", "record.user_id, record.entity, record.id"),
        (
            "record_period_key",
            "record.user_id, record.entity, record.parent_id, record.period",
        ),
        ("sync_op_pkey", "sync_op.user_id, sync_op.op_id"),
        (
            "record_unique_key",
            "record.user_id, record.entity, record.unique_key",
        ),
    ];
    if let Some(name) = e.constraint() {
        return KNOWN.iter().map(|(n, _)| *n).find(|n| *n == name);
    }
    let columns = e.message().strip_prefix("UNIQUE constraint failed: ")?;
    KNOWN.iter().find(|(_, c)| *c == columns).map(|(n, _)| *n)
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(d) = &e
            && d.is_unique_violation()
        {
            match unique_constraint(d.as_ref()) {
                Some("account_email_hash_key") => return StoreError::EmailTaken,
                Some("record_unique_key") => return StoreError::Duplicate,
                Some("record_pkey" | "record_period_key" | "sync_op_pkey" | "account_pkey") => {
                    return StoreError::Conflict;
                }
                // Any other unique violation is a bug, not the client's conflict.
                _ => {}
            }
        }
        StoreError::Db(std::sync::Arc::new(e))
    }
}

/// `Result` of the store.
pub type StoreResult<T> = std::result::Result<T, StoreError>;

/// An encrypted payload with the id of its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    /// Key id.
    pub key_id: String,
    /// 96-bit nonce.
    pub nonce: Vec<u8>,
    /// Ciphertext with tag.
    pub data: Vec<u8>,
}

impl Sealed {
    /// The payload of a row's three columns; `None` unless all three are there (a tombstone
    /// has none).
    pub fn from_parts(
        key_id: Option<String>,
        nonce: Option<Vec<u8>>,
        data: Option<Vec<u8>>,
    ) -> Option<Sealed> {
        match (key_id, nonce, data) {
            (Some(key_id), Some(nonce), Some(data)) => Some(Sealed {
                key_id,
                nonce,
                data,
            }),
            _ => None,
        }
    }
}

/// A user account row.
#[derive(Clone, Debug)]
pub struct AccountRow {
    /// User id.
    pub id: String,
    /// HMAC of the normalized email (the email itself is encrypted).
    pub email_hash: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Plain so the pruning job can read it.
    pub retention_months: Option<i64>,
    /// The encrypted `User`.
    pub sealed: Sealed,
    /// Version.
    pub version: i64,
    /// Creation (µs).
    pub created_at: i64,
    /// Last change (µs).
    pub updated_at: i64,
}

/// What every request checks of its account ([`Store::account_gate`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountGate {
    /// Access tokens issued before this instant (µs) are refused.
    pub tokens_valid_after: i64,
    /// The account is disabled (by an admin).
    pub disabled: bool,
}

/// An account as support sees it: no amount, name or note (the email is opened from `sealed`).
#[derive(Clone, Debug)]
pub struct AdminAccountRow {
    /// User id.
    pub id: String,
    /// The encrypted `User` (for its email only).
    pub sealed: Sealed,
    /// `admin` or none.
    pub role: Option<String>,
    /// When disabled (µs), if it is.
    pub disabled_at: Option<i64>,
    /// The last sign-in (µs), if any.
    pub last_sign_in_at: Option<i64>,
    /// Creation (µs).
    pub created_at: i64,
}

/// A sign-in identity: (issuer, subject) bound to an account (DESIGN §5 "Identity").
#[derive(Clone, Debug)]
pub struct IdentityRow {
    /// Id.
    pub id: String,
    /// The account; `None` once that account was deleted.
    pub user_id: Option<String>,
    /// `external` (a host app's token) or the OpenID provider's configured name.
    pub provider: String,
    /// `iss`.
    pub issuer: String,
    /// `sub`.
    pub subject: String,
    /// The sealed [`IdentityDetails`](crate::identity::IdentityDetails) (its email).
    pub sealed: Option<Sealed>,
    /// Creation (µs).
    pub created_at: i64,
    /// The last sign-in through it (µs).
    pub last_used_at: Option<i64>,
    /// When its account was deleted (µs): tokens issued before are refused.
    pub deleted_at: Option<i64>,
}

/// What removing an identity did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityRemoval {
    /// Removed.
    Removed,
    /// Not an identity of this account.
    NotFound,
    /// The account's last way to sign in (no password, no other identity): kept.
    Last,
}

/// A stored record of any entity.
#[derive(Clone, Debug)]
pub struct RecordRow {
    /// Entity name (`snapshot`, `goal`, …).
    pub entity: String,
    /// Record id.
    pub id: String,
    /// Parent record id (`''` for none).
    pub parent_id: String,
    /// List order key (newest first).
    pub sort_key: i64,
    /// Period index for per-period records.
    pub period: Option<i64>,
    /// Plain status or stage.
    pub status: Option<String>,
    /// Version.
    pub version: i64,
    /// Per-user change sequence of its last change.
    pub change_seq: i64,
    /// Tombstone (µs).
    pub deleted_at: Option<i64>,
    /// Encrypted record (`None` once deleted).
    pub sealed: Option<Sealed>,
    /// Creation (µs).
    pub created_at: i64,
    /// Last change (µs).
    pub updated_at: i64,
}

/// What a write expects to find.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// No record with this id yet.
    Absent,
    /// The live record at this version.
    Version(i64),
}

/// One record to insert or update.
#[derive(Clone, Debug)]
pub struct RecordWrite {
    /// Entity.
    pub entity: &'static str,
    /// Id.
    pub id: String,
    /// Parent id or `''`.
    pub parent_id: String,
    /// List order key.
    pub sort_key: i64,
    /// Period index.
    pub period: Option<i64>,
    /// Plain status.
    pub status: Option<String>,
    /// Blind index of what must be unique per user and kind.
    pub unique_key: Option<String>,
    /// The new version.
    pub version: i64,
    /// The precondition.
    pub expect: Expect,
    /// Ciphertext.
    pub sealed: Sealed,
    /// Creation (µs).
    pub created_at: i64,
    /// Now (µs).
    pub updated_at: i64,
}

/// One change in a [`Store::write`] transaction.
#[derive(Clone, Debug)]
pub enum Op {
    /// Insert or update a record.
    Put(RecordWrite),
    /// Delete a record, leaving a tombstone; with a version, only that version.
    Tombstone {
        /// Entity.
        entity: &'static str,
        /// Id.
        id: String,
        /// Required current version.
        expect: Option<i64>,
    },
    /// Remembers the result of a sync push mutation (see [`Store::sync_result`]); a second
    /// result for one op_id is [`StoreError::Conflict`].
    SyncResult {
        /// The mutation's op_id.
        op_id: String,
        /// The result as JSON.
        result: String,
    },
    /// Queues the delivery of an insight on one channel (the alerts' outbox), in the same
    /// transaction as the insight.
    Outbox {
        /// Outbox row id.
        id: String,
        /// The insight's record id.
        insight_id: String,
        /// `webhook:<endpoint id>` or `email`.
        channel: String,
        /// When it is first due (µs).
        due_at: i64,
    },
    /// Delete every live child of a parent.
    TombstoneChildren {
        /// Child entity.
        entity: &'static str,
        /// Parent id.
        parent_id: String,
    },
}

/// An outbox row claimed by a delivery worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRow {
    /// Id (the event id a webhook receiver deduplicates by).
    pub id: String,
    /// The user.
    pub user_id: String,
    /// The insight's record id.
    pub insight_id: String,
    /// `webhook:<endpoint id>` or `email`.
    pub channel: String,
    /// Attempts made before this one.
    pub attempts: i64,
    /// Queued at (µs).
    pub created_at: i64,
}

/// What became of a delivery attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutboxOutcome {
    /// Delivered at (µs).
    Delivered(i64),
    /// Failed; due again at (µs), with why.
    Retry(i64, String),
    /// Given up at (µs), with why.
    Dead(i64, String),
}

/// One limit of [`Store::rate_reserve`]: at most `limit` events of `key` in `window_us`.
#[derive(Clone, Debug)]
pub struct RateCheck {
    /// What is counted (`ip:…`, `fail:…`, `reg:…`).
    pub key: String,
    /// Events allowed in the window.
    pub limit: i64,
    /// The window, µs.
    pub window_us: i64,
}

/// An audit event.
#[derive(Clone, Debug)]
pub struct AuditRow {
    /// Id.
    pub id: String,
    /// The user, when known.
    pub user_id: Option<String>,
    /// What happened (`user.login`, `goal.update`, …).
    pub action: String,
    /// Entity.
    pub entity: Option<String>,
    /// Entity id.
    pub entity_id: Option<String>,
    /// Client address.
    pub source_ip: Option<String>,
    /// JSON details (never amounts or free text).
    pub details: String,
    /// When (µs).
    pub created_at: i64,
}

/// A refresh token row.
#[derive(Clone, Debug)]
pub struct RefreshRow {
    /// sha256 of the token, hex.
    pub token_hash: String,
    /// Owner.
    pub user_id: String,
    /// Rotation family.
    pub family_id: String,
    /// Expiry (µs).
    pub expires_at: i64,
    /// Creation (µs).
    pub created_at: i64,
}

/// What presenting a refresh token did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// Rotated: the new token is stored for this user.
    Rotated {
        /// Owner.
        user_id: UserId,
    },
    /// Already used, but within the reuse interval: the pair that rotation answered, sealed
    /// (two tabs refreshing at once get the same new pair).
    Replayed {
        /// Owner.
        user_id: UserId,
        /// The sealed answer of the rotation.
        sealed: Sealed,
    },
    /// Already used: the family is now revoked.
    Reused {
        /// Owner of the family.
        user_id: Option<UserId>,
    },
    /// Unknown, expired or revoked.
    Invalid {
        /// Owner, when the token is known (expired or revoked).
        user_id: Option<UserId>,
    },
}

/// The storage of the server.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Name of the dialect (`sqlite` or `postgres`).
    fn dialect(&self) -> &'static str;
    /// A trivial query, for `/readyz`.
    async fn ping(&self) -> StoreResult<()>;

    /// Creates an account; [`StoreError::Conflict`] when the email is taken.
    async fn create_account(&self, row: &AccountRow, audit: &AuditRow) -> StoreResult<()>;
    /// The account with this email hash.
    async fn account_by_email(&self, email_hash: &str) -> StoreResult<Option<AccountRow>>;
    /// The account of `user`.
    async fn account(&self, user: UserId) -> StoreResult<Option<AccountRow>>;
    /// Replaces the account when it is at `expect` (email hash, retention and payload).
    async fn update_account(
        &self,
        user: UserId,
        expect: i64,
        row: &AccountRow,
        audit: &AuditRow,
    ) -> StoreResult<()>;
    /// Removes the account and everything of it; false when there was none.
    async fn delete_account(&self, user: UserId) -> StoreResult<bool>;
    /// What every request checks of its account: the instant (µs) before which its access
    /// tokens are refused (0 when never revoked) and whether it is disabled; `None` when the
    /// account does not exist.
    async fn account_gate(&self, user: UserId) -> StoreResult<Option<AccountGate>>;
    /// Whether `user` exists, holds the `admin` role and is not disabled (read afresh).
    async fn is_admin(&self, user: UserId) -> StoreResult<bool>;
    /// Sets the role of the account with this email hash (`Some("admin")` or `None`); the
    /// account's id, or `None` when there is no such account.
    async fn set_role(&self, email_hash: &str, role: Option<&str>) -> StoreResult<Option<UserId>>;
    /// Disables (`Some(at)`: its tokens refused from `at`, its refresh tokens revoked) or
    /// enables (`None`) the account, with `audit`, in one transaction. False when there is no
    /// such account.
    async fn set_disabled(
        &self,
        user: UserId,
        disabled_at: Option<i64>,
        audit: &AuditRow,
    ) -> StoreResult<bool>;
    /// Notes a sign-in (µs).
    async fn touch_sign_in(&self, user: UserId, at: i64) -> StoreResult<()>;
    /// The identity `(issuer, subject)`, bound or not.
    async fn identity_by_subject(
        &self,
        issuer: &str,
        subject: &str,
    ) -> StoreResult<Option<IdentityRow>>;
    /// Creates the account `a` bound to `identity` (a new row, or an unbound one of a deleted
    /// account), with `audit`, in one transaction. False, with nothing written, when the
    /// identity is bound to an account already (a concurrent first sign-in won).
    async fn create_account_with_identity(
        &self,
        a: &AccountRow,
        identity: &IdentityRow,
        audit: &AuditRow,
    ) -> StoreResult<bool>;
    /// Binds `identity` to the existing account `user`, with `audit`. False when the identity
    /// is bound already.
    async fn link_identity(
        &self,
        user: UserId,
        identity: &IdentityRow,
        audit: &AuditRow,
    ) -> StoreResult<bool>;
    /// The identities of `user`, oldest first.
    async fn identities(&self, user: UserId) -> StoreResult<Vec<IdentityRow>>;
    /// Removes an identity of `user`, unless it is the account's last way to sign in.
    async fn remove_identity(
        &self,
        user: UserId,
        id: &str,
        audit: &AuditRow,
    ) -> StoreResult<IdentityRemoval>;
    /// Notes a sign-in through an identity (µs).
    async fn touch_identity(&self, id: &str, at: i64) -> StoreResult<()>;
    /// Stores a single-use login code (hashed) for `user`, valid until `expires_at` (µs); old
    /// expired codes go.
    async fn insert_login_code(
        &self,
        code_hash: &str,
        user: UserId,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<()>;
    /// Stores a password reset token (hashed) for `user`; old expired ones go.
    async fn insert_password_reset(
        &self,
        token_hash: &str,
        user: UserId,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<()>;
    /// Uses a password reset token: its account, once, before it expires (every other token
    /// of the account is spent with it).
    async fn consume_password_reset(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<UserId>>;
    /// Records `row` unless its user has an event of the same action since `since` (µs).
    async fn audit_once_since(&self, row: &AuditRow, since: i64) -> StoreResult<bool>;
    /// The audit events the success metrics read (`actions`), up to `until` (µs), oldest
    /// first: `(user_id, action, entity, entity_id, details, created_at)`.
    async fn usage_rows(
        &self,
        actions: &[&str],
        until: i64,
    ) -> StoreResult<Vec<(String, String, Option<String>, Option<String>, String, i64)>>;
    /// Uses a login code: its account, once, before it expires.
    async fn consume_login_code(&self, code_hash: &str, now: i64) -> StoreResult<Option<UserId>>;
    /// Accounts in id order after `after`, at most `limit`, with what support may see.
    async fn admin_accounts(
        &self,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<AdminAccountRow>>;
    /// The counts of live records per entity of each of these users: `(user, entity, count)`.
    async fn record_counts(&self, users: &[String]) -> StoreResult<Vec<(String, String, i64)>>;
    /// Refuses every access token of `user` issued before `at` and revokes every refresh
    /// token, with `audit`, in one transaction; with `password_hash`, also sets the new
    /// password. False when there is no such account.
    async fn revoke_tokens(
        &self,
        user: UserId,
        at: i64,
        password_hash: Option<&str>,
        audit: &AuditRow,
    ) -> StoreResult<bool>;
    /// `(user, retention_months)` of every account with a retention.
    async fn accounts_with_retention(&self) -> StoreResult<Vec<(UserId, i64)>>;

    /// A live record.
    async fn get(&self, user: UserId, entity: &str, id: &str) -> StoreResult<Option<RecordRow>>;
    /// The live record of a period.
    async fn get_by_period(
        &self,
        user: UserId,
        entity: &str,
        parent_id: &str,
        period: i64,
    ) -> StoreResult<Option<RecordRow>>;
    /// Live records newest first (by `sort_key`, then id), after the cursor.
    ///
    /// With `periods = Some((from, to))`, only records whose `period` lies in `from..=to`.
    async fn list(
        &self,
        user: UserId,
        entity: &str,
        parent_id: Option<&str>,
        after: Option<(i64, String)>,
        limit: i64,
        periods: Option<(i64, i64)>,
    ) -> StoreResult<Vec<RecordRow>>;
    /// A record, tombstone or live.
    async fn get_any(&self, user: UserId, entity: &str, id: &str)
    -> StoreResult<Option<RecordRow>>;
    /// The sync feed: records of `entities` (tombstones included) whose last change comes after
    /// `after` = `(change_seq, entity, id)`, in that order, at most `limit`.
    ///
    /// The rows also stop before their stored payloads pass `max_bytes` (at least one row is
    /// answered). The flag says whether more rows follow.
    async fn changes(
        &self,
        user: UserId,
        entities: &[&str],
        after: Option<(i64, String, String)>,
        limit: i64,
        max_bytes: usize,
    ) -> StoreResult<(Vec<RecordRow>, bool)>;
    /// The bytes of records the user stores (what the quota counts).
    async fn stored_bytes(&self, user: UserId) -> StoreResult<i64>;
    /// The stored result of a sync push mutation.
    async fn sync_result(&self, user: UserId, op_id: &str) -> StoreResult<Option<String>>;
    /// Every live record of an entity.
    async fn list_all(&self, user: UserId, entity: &str) -> StoreResult<Vec<RecordRow>>;
    /// Applies `ops` and `audit` in one transaction with one new change sequence number;
    /// [`StoreError::Conflict`] (and nothing changed) when a precondition fails.
    async fn write(&self, user: UserId, ops: Vec<Op>, audit: Vec<AuditRow>) -> StoreResult<i64>;
    /// The feed position `(change_seq, entity, id)` of the last tombstone purged from the
    /// user's feed (`(0, "", "")` when none): a pull from a cursor before it may have missed a
    /// deletion.
    async fn purged_through(&self, user: UserId) -> StoreResult<(i64, String, String)>;
    /// Tombstones the user's records of `entity` with a period before `period`.
    async fn tombstone_before(&self, user: UserId, entity: &str, period: i64) -> StoreResult<u64>;

    /// Stores a new refresh token.
    async fn insert_refresh(&self, row: &RefreshRow) -> StoreResult<()>;
    /// Marks `old_hash` used, stores `new` in its family and keeps `seal(owner)` (the answer
    /// of this rotation, sealed) with the old token, in one transaction. The old token presented
    /// again within `grace` µs of its use answers that sealed answer (`Replayed`); later, the
    /// family is revoked (`Reused`).
    async fn rotate_refresh(
        &self,
        old_hash: &str,
        new: &RefreshRow,
        now: i64,
        grace: i64,
        seal: &(dyn Fn(UserId) -> StoreResult<Sealed> + Send + Sync),
    ) -> StoreResult<RefreshOutcome>;
    /// Revokes the family of a token; the owner when the token was known.
    async fn revoke_refresh_family(&self, hash: &str, now: i64) -> StoreResult<Option<UserId>>;

    /// Reserves one attempt under every limit in `checks`, atomically (one transaction; on
    /// PostgreSQL under an advisory lock per key, so concurrent reservations on any instance
    /// queue): when each key has fewer than its `limit` events in its window, records one
    /// event at `at` for each key and answers `None`; otherwise records nothing and answers the
    /// index of the first full limit and the oldest event in its window.
    async fn rate_reserve(
        &self,
        checks: &[RateCheck],
        at: i64,
    ) -> StoreResult<Option<(usize, i64)>>;
    /// Removes the events of `key`: the one recorded at `at`, or all of them.
    async fn rate_release(&self, key: &str, at: Option<i64>) -> StoreResult<()>;

    /// Records an audit event on its own.
    async fn audit(&self, row: &AuditRow) -> StoreResult<()>;
    /// The user's audit events, oldest first.
    async fn audit_for(&self, user: UserId) -> StoreResult<Vec<AuditRow>>;
    /// One page of the user's audit events, newest first: those before `before` =
    /// `(created_at, id)`, of `action` when given, at most `limit`.
    async fn audit_page(
        &self,
        user: UserId,
        action: Option<&str>,
        before: Option<(i64, String)>,
        limit: i64,
    ) -> StoreResult<Vec<AuditRow>>;
    /// Claims up to `limit` due outbox rows until `lease_until` (µs) — rows no other worker holds
    /// (`FOR UPDATE SKIP LOCKED` on PostgreSQL), oldest due first.
    async fn claim_outbox(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> StoreResult<Vec<OutboxRow>>;
    /// Records what became of the attempt on a claimed row (and releases the claim).
    async fn finish_outbox(&self, id: &str, outcome: &OutboxOutcome) -> StoreResult<()>;
    /// Rows not yet delivered nor dead, and the age (µs) of the oldest of them.
    async fn outbox_backlog(&self, now: i64) -> StoreResult<(i64, i64)>;
    /// Purges tombstones, audit events, rate events and refresh tokens older than the cut-offs.
    /// Before tombstones go, each user's [`Store::purged_through`] mark moves up to the last of
    /// theirs that goes.
    async fn prune(&self, tombstones_before: i64, audit_before: i64, now: i64) -> StoreResult<()>;
}
