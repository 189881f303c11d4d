//! Typed records over the store: core values are serialized to JSON and sealed before they are
//! stored, and opened and read back on the way out. Also audit events and list cursors.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use lifepath_core::UserId;
use lifepath_core::sync::EntityKind;
use serde_json::{Value, json};

use crate::audit::AuditEvent;
use crate::error::{ApiError, Result};
use crate::record::{Stored, Versioned};
use crate::state::AppState;
use crate::store::{Expect, Op, RecordWrite, StoreError};

/// Entity names as the store keys them: the synced kinds are core's [`EntityKind`] (the sync
/// vocabulary of DESIGN §4), said once there; two kinds are stored but never synced.
pub mod entity {
    use lifepath_core::sync::EntityKind;

    /// Budget snapshots.
    pub const SNAPSHOT: &str = EntityKind::Snapshot.as_str();
    /// Goals.
    pub const GOAL: &str = EntityKind::Goal.as_str();
    /// Goal contributions.
    pub const CONTRIBUTION: &str = EntityKind::GoalContribution.as_str();
    /// Goal progress records.
    pub const PROGRESS: &str = EntityKind::GoalProgress.as_str();
    /// Recommendation feedback.
    pub const FEEDBACK: &str = EntityKind::RecommendationFeedback.as_str();
    /// Budget sessions.
    pub const SESSION: &str = EntityKind::BudgetSession.as_str();
    /// Transactions.
    pub const TRANSACTION: &str = EntityKind::Transaction.as_str();
    /// Categorisation rules.
    pub const CATEGORY_RULE: &str = EntityKind::CategoryRule.as_str();
    /// Insights (derived on the server, delivered, never synced).
    pub const INSIGHT: &str = "insight";
    /// Webhook endpoints (never synced: their secrets stay on the server).
    pub const WEBHOOK: &str = "webhook";
    /// A webhook endpoint's delivery log.
    pub const WEBHOOK_DELIVERY: &str = "webhook_delivery";
    /// Notification preferences (one per user).
    pub const NOTIFICATION_PREFS: &str = "notification_prefs";
    /// Recommendations (stored so feedback can refer to them; derived, so never synced).
    pub const RECOMMENDATION: &str = "recommendation";
    /// The user account itself (sealed on `account`, not in `record`).
    pub const USER: &str = "user";
}

/// A response with `ETag: "<version>"`, the value `If-Match` takes.
pub type Tagged<T> = ([(axum::http::HeaderName, String); 1], axum::Json<T>);

/// 413 when `plain`, a record's JSON, is larger than `LIFEPATH_MAX_RECORD_KB`, naming the
/// record's largest field after `prefix` (`draft`, `mutations[3].data.draft`).
pub fn check_size(s: &AppState, plain: &[u8], prefix: &str) -> Result<()> {
    let limit = s.config.max_record_bytes;
    if plain.len() <= limit {
        return Ok(());
    }
    let largest = serde_json::from_slice::<Value>(plain)
        .ok()
        .and_then(|v| match v {
            Value::Object(map) => map
                .into_iter()
                .map(|(k, v)| (serde_json::to_vec(&v).map_or(0, |b| b.len()), k))
                .max(),
            _ => None,
        })
        .map(|(_, k)| k);
    let field = match (prefix.is_empty(), largest) {
        (true, Some(k)) => k,
        (true, None) => "body".to_owned(),
        (false, Some(k)) => format!("{prefix}.{k}"),
        (false, None) => prefix.to_owned(),
    };
    Err(ApiError::RecordTooLarge {
        field,
        size: plain.len(),
        limit,
    })
}

/// Tags a record with its version.
pub fn tagged<T>(version: i64, value: T) -> Tagged<T> {
    (
        [(axum::http::header::ETAG, format!("\"{version}\""))],
        axum::Json(value),
    )
}

/// A stored record answered as it was stored: its JSON, decrypted, with `ETag: "<version>"`.
///
/// Every record is sealed as the JSON of its core type (`serde_json` of the typed value, by
/// REST handlers and by sync push alike, after validation), so its plaintext already is the
/// response body; reading it into the type and writing it out again gave the same JSON and was
/// the costliest step of a read (issue 12). Key order may differ between records written by
/// the two paths; the members and their values do not. A change to a stored type that adds a
/// field must re-seal old rows (or answer through the type) before it relies on this.
pub struct RawRecord {
    /// The record's version (its `ETag`).
    pub version: i64,
    /// The decrypted JSON.
    pub json: Vec<u8>,
}

impl axum::response::IntoResponse for RawRecord {
    fn into_response(self) -> axum::response::Response {
        use axum::http::{HeaderValue, header};
        let mut res = axum::body::Body::from(self.json).into_response();
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", self.version)) {
            h.insert(header::ETAG, v);
        }
        res
    }
}

/// Microseconds since the epoch.
pub fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// Now, at microsecond precision (what the database keeps).
pub fn now() -> DateTime<Utc> {
    let t = Utc::now();
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// Times a write without an expected version is retried after losing a race (each round, at
/// least one of the racing writers wins, so this bounds the writers that may race on a record).
pub const MAX_RETRIES: u32 = 64;

/// A short, jittered pause before retrying a write that lost a race.
pub async fn backoff(attempt: u32) {
    let mut b = [0u8; 1];
    let _ = getrandom::fill(&mut b);
    let micros = 200 * u64::from(attempt.min(10)) + u64::from(b[0]) * 4;
    tokio::time::sleep(std::time::Duration::from_micros(micros)).await;
}

/// A list page: `{items, next_cursor}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The records.
    pub items: Vec<T>,
    /// Where the next page starts; null at the end.
    pub next_cursor: Option<String>,
}

/// Default page size.
pub const DEFAULT_LIMIT: i64 = 24;
/// Largest page size.
pub const MAX_LIMIT: i64 = 200;

/// Encodes a list position.
pub fn encode_cursor(sort_key: i64, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{sort_key}:{id}"))
}

/// Decodes a list position (400 when it is not one of ours).
pub fn decode_cursor(cursor: &str) -> Result<(i64, String)> {
    let bad = || ApiError::invalid("cursor", "is not a cursor returned by this list");
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (k, id) = text.split_once(':').ok_or_else(bad)?;
    let key = k.parse::<i64>().map_err(|_| bad())?;
    if id.is_empty() || id.len() > 64 {
        return Err(bad());
    }
    Ok((key, id.to_owned()))
}

/// `limit` and `cursor` of a list request.
pub fn page_params(q: &crate::extract::PageQuery) -> Result<(i64, Option<(i64, String)>)> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            &format!("must be a whole number from 1 to {MAX_LIMIT}"),
        ));
    }
    let cursor = match &q.cursor {
        Some(c) => Some(decode_cursor(c)?),
        None => None,
    };
    Ok((limit, cursor))
}

/// Reads one page of an entity: rows are opened into `T`.
pub async fn page<T: DeserializeOwned>(
    state: &AppState,
    user: UserId,
    entity: &str,
    parent: Option<&str>,
    q: &crate::extract::PageQuery,
) -> Result<Page<T>> {
    page_in(state, user, entity, parent, q, None).await
}

/// [`page`] of the records whose period lies in `periods` (`from..=to`, month indexes).
pub async fn page_in<T: DeserializeOwned>(
    state: &AppState,
    user: UserId,
    entity: &str,
    parent: Option<&str>,
    q: &crate::extract::PageQuery,
    periods: Option<(i64, i64)>,
) -> Result<Page<T>> {
    let (limit, after) = page_params(q)?;
    let mut rows = state
        .store
        .list(user, entity, parent, after, limit + 1, periods)
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|r| encode_cursor(r.sort_key, &r.id))
    } else {
        None
    };
    let items = rows
        .iter()
        .map(|r| state.open_row(&user.to_string(), r))
        .collect::<Result<Vec<T>>>()?;
    Ok(Page { items, next_cursor })
}

/// A page of `items` filtered in memory (records whose filtered fields are sealed), in the
/// store's list order (`key` descending) and with its cursors, so a filtered list pages like
/// the plain one.
pub fn page_of<T>(
    mut items: Vec<T>,
    key: impl Fn(&T) -> (i64, String),
    q: &crate::extract::PageQuery,
) -> Result<Page<T>> {
    let (limit, after) = page_params(q)?;
    items.sort_by_key(|t| std::cmp::Reverse(key(t)));
    if let Some(after) = after {
        items.retain(|t| key(t) < after);
    }
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_cursor = if more {
        items.last().map(|t| {
            let (k, id) = key(t);
            encode_cursor(k, &id)
        })
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

/// One user's records as one request sees them: every read and write of a [`Stored`] kind goes
/// through here, so sealing, the version check, the audit event and the 409 with the current
/// record are written once. REST handlers use it; sync push builds the same [`Op`]s.
pub struct Repo {
    s: AppState,
    me: crate::auth::AuthUser,
    user: String,
    ip: String,
}

impl AppState {
    /// The records of `me`, for a request from `ip`.
    pub fn repo(&self, me: &crate::auth::AuthUser, ip: &str) -> Repo {
        Repo {
            s: self.clone(),
            me: *me,
            user: me.key(),
            ip: ip.to_owned(),
        }
    }
}

/// A handler that takes a `Repo` is authenticated (401 otherwise) and knows the client.
impl axum::extract::FromRequestParts<AppState> for Repo {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self> {
        let me = crate::auth::AuthUser::from_request_parts(parts, state).await?;
        let crate::extract::ClientIp(ip) =
            crate::extract::ClientIp::from_request_parts(parts, state).await?;
        Ok(state.repo(&me, &ip))
    }
}

impl Repo {
    /// The shared state.
    pub fn state(&self) -> &AppState {
        &self.s
    }

    /// The authenticated user.
    pub fn me(&self) -> &crate::auth::AuthUser {
        &self.me
    }

    /// The user's id as the store's key.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// An audit event of this user and client address.
    pub fn event(&self, action: &'static str) -> AuditEvent {
        AuditEvent::new(action).user(&self.user).ip(&self.ip)
    }

    /// The user's currency (from the sealed account).
    pub async fn currency(&self) -> Result<String> {
        let account = self
            .s
            .store
            .account(self.me.0)
            .await?
            .ok_or(ApiError::NotFound)?;
        let user: lifepath_core::models::User =
            self.s
                .open_sealed(&self.user, entity::USER, &self.user, &account.sealed)?;
        Ok(user.currency)
    }

    /// The live record `id` (a path segment: a malformed id is 404 too).
    pub async fn get<T: Stored>(&self, id: &str) -> Result<T> {
        let id = crate::extract::path_id(id)?.to_string();
        Ok(self.s.load::<T>(self.me.0, T::KIND.as_str(), &id).await?.0)
    }

    /// The live record of a kind for a month (under `parent`, `""` for none).
    pub async fn by_period<T: Stored>(&self, parent: &str, period: i64) -> Result<Option<T>> {
        let row = self
            .s
            .store
            .get_by_period(self.me.0, T::KIND.as_str(), parent, period)
            .await?;
        row.map(|r| self.s.open_row(&self.user, &r)).transpose()
    }

    /// Whether the user has a live record `id` of `kind`.
    pub async fn exists(&self, kind: EntityKind, id: &str) -> Result<bool> {
        Ok(self
            .s
            .store
            .get(self.me.0, kind.as_str(), id)
            .await?
            .is_some())
    }

    /// Every live record of a kind (oldest first).
    pub async fn all<T: Stored>(&self) -> Result<Vec<T>> {
        self.s.load_all(self.me.0, T::KIND.as_str()).await
    }

    /// The write of `value` as version `version`, when the store holds `expect`.
    pub fn put<T: Stored>(&self, value: &T, version: i64, expect: Expect) -> Result<Op> {
        let id = value.record_id();
        self.put_json(T::KIND, &id, value.columns()?, value, version, expect)
    }

    /// The write of a record of `kind` given as its JSON and its plain columns: what [`put`]
    /// does for a typed record, and what sync push does for the records devices send (read and
    /// normalized by core's `accept_record`). The one place a record is sealed for the store.
    ///
    /// [`put`]: Repo::put
    pub fn put_json(
        &self,
        kind: EntityKind,
        id: &str,
        c: crate::record::Columns,
        json: &impl Serialize,
        version: i64,
        expect: Expect,
    ) -> Result<Op> {
        self.put_entity(kind.as_str(), id, c, json, version, expect)
    }

    /// [`Repo::put_json`] for a kind that is stored but never synced (insights, webhook
    /// endpoints and their delivery log, notification preferences), named by its entity.
    pub fn put_entity(
        &self,
        entity: &'static str,
        id: &str,
        c: crate::record::Columns,
        json: &impl Serialize,
        version: i64,
        expect: Expect,
    ) -> Result<Op> {
        let plain = serde_json::to_vec(json).map_err(ApiError::internal)?;
        check_size(&self.s, &plain, "")?;
        Ok(Op::Put(RecordWrite {
            entity,
            sealed: self
                .s
                .crypto
                .seal(&self.user, entity, id, &plain)
                .map_err(ApiError::internal)?,
            id: id.to_owned(),
            parent_id: c.parent_id,
            sort_key: c.sort_key,
            period: c.period,
            status: c.status.map(str::to_owned),
            unique_key: c
                .unique_key
                .map(|k| self.s.crypto.unique_key(&self.user, entity, &k)),
            version,
            expect,
            created_at: c.created_at,
            updated_at: c.updated_at.unwrap_or_else(|| micros(now())),
        }))
    }

    /// 409 with the current record when the client asked for another version than `current`'s.
    pub async fn check_version<T: Versioned>(
        &self,
        current: &T,
        wanted: Option<i64>,
    ) -> Result<()> {
        match wanted {
            Some(v) if v != current.version() => Err(self
                .s
                .conflict(self.me.0, T::KIND.as_str(), &current.record_id(), v)
                .await),
            _ => Ok(()),
        }
    }

    /// The audit event `action` about `record`, with `details`.
    pub fn event_on<T: Stored>(
        &self,
        action: &'static str,
        record: &T,
        details: Value,
    ) -> AuditEvent {
        self.event(action)
            .record(T::KIND.as_str(), record.record_id())
            .details(details)
    }

    /// Stores a new record, audited as `action` with `details`.
    pub async fn create<T: Versioned>(
        &self,
        value: &T,
        action: &'static str,
        details: Value,
    ) -> Result<()> {
        let op = self.put(value, value.version(), Expect::Absent)?;
        let event = self.event_on(action, value, details);
        self.s
            .store
            .write(self.me.0, vec![op], vec![event.row()])
            .await?;
        Ok(())
    }

    /// Replaces the record at version `before` by `next`, audited as `action` with `details`;
    /// a concurrent change is the 409 with the current record.
    pub async fn update<T: Versioned>(
        &self,
        before: i64,
        next: &T,
        action: &'static str,
        details: Value,
    ) -> Result<()> {
        let op = self.put(next, next.version(), Expect::Version(before))?;
        let event = self.event_on(action, next, details);
        self.write(
            vec![op],
            vec![event],
            Some((T::KIND.as_str(), &next.record_id(), before)),
        )
        .await
    }

    /// A PATCH: reads record `id`, answers 409 when the client wanted another version, applies
    /// `apply`, and stores the result (when it changed anything) audited as `action` with its
    /// new version and what [`Versioned::state`] moved from and to. Returns the record as it is
    /// now.
    pub async fn patch<T: Versioned>(
        &self,
        id: &str,
        wanted: Option<i64>,
        action: &'static str,
        apply: impl FnOnce(&T) -> Result<T>,
    ) -> Result<T> {
        let cur: T = self.get(id).await?;
        self.check_version(&cur, wanted).await?;
        let next = apply(&cur)?;
        if next.version() == cur.version() {
            return Ok(cur);
        }
        let mut details = json!({"version": next.version()});
        if let (Some((name, from)), Some((_, to))) = (cur.state(), next.state())
            && from != to
        {
            // As the source design names them: `from_stage` / `to_stage`, `from_status` / …
            details[format!("from_{name}")] = json!(from);
            details[format!("to_{name}")] = json!(to);
        }
        self.update(cur.version(), &next, action, details).await?;
        Ok(next)
    }

    /// Deletes `current` (a tombstone, if it is still at its version) and every live child of
    /// the `children` kinds under it, audited as `action`; a concurrent change is the 409.
    pub async fn delete<T: Versioned>(
        &self,
        current: &T,
        children: &[&'static str],
        action: &'static str,
    ) -> Result<()> {
        let id = current.record_id();
        let mut ops = vec![Op::Tombstone {
            entity: T::KIND.as_str(),
            id: id.clone(),
            expect: Some(current.version()),
        }];
        ops.extend(children.iter().map(|child| Op::TombstoneChildren {
            entity: child,
            parent_id: id.clone(),
        }));
        let event = self.event_on(action, current, json!({}));
        self.write(
            ops,
            vec![event],
            Some((T::KIND.as_str(), &id, current.version())),
        )
        .await
    }

    /// Applies `ops` and `events` in one transaction. With `on_conflict = (kind, id, version)`,
    /// a failed precondition is the 409 with that record as it is now; without, a plain 409.
    pub async fn write(
        &self,
        ops: Vec<Op>,
        events: Vec<AuditEvent>,
        on_conflict: Option<(&str, &str, i64)>,
    ) -> Result<()> {
        let rows = events.into_iter().map(AuditEvent::row).collect();
        match (self.s.store.write(self.me.0, ops, rows).await, on_conflict) {
            (Ok(_), _) => Ok(()),
            (Err(StoreError::Conflict), Some((entity, id, expected))) => {
                Err(self.s.conflict(self.me.0, entity, id, expected).await)
            }
            (Err(e), _) => Err(e.into()),
        }
    }
}
