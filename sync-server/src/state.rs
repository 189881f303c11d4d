//! The shared state of every handler, and its record helpers: seal and open payloads, load
//! records, the 409 with the current record.

use std::sync::Arc;

use lifepath_core::UserId;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::{Passwords, Tokens};
use crate::config::Config;
use crate::crypto::Crypto;
use crate::error::{ApiError, Result};
use crate::metrics::Metrics;
use crate::repo::RawRecord;
use crate::revocation::Revocations;
use crate::store::{AuditRow, RecordRow, Sealed, Store};

/// What handlers share, behind one `Arc`: every extractor and middleware clones the state, so a
/// clone is one reference count (it was seven, and a copy of the JWT keys, on every request).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    /// The shared state.
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The store, keys and counters.
pub struct Shared {
    /// The database.
    pub store: Arc<dyn Store>,
    /// Encryption at rest.
    pub crypto: Arc<Crypto>,
    /// Access tokens.
    pub tokens: Tokens,
    /// Password hashing.
    pub passwords: Passwords,
    /// Configuration.
    pub config: Arc<Config>,
    /// Prometheus counters.
    pub metrics: Arc<Metrics>,
    /// Cached "tokens valid after" instants.
    pub revocations: Arc<Revocations>,
    /// A host app's access tokens, when configured (`LIFEPATH_EXTERNAL_JWT_*`).
    pub external: Option<Arc<crate::auth::external::ExternalTokens>>,
    /// Who was noted reading analytics today (success metrics).
    pub usage: Arc<crate::usage::Usage>,
    /// Email over SMTP (`LIFEPATH_SMTP_*`).
    pub mailer: Arc<crate::mail::Mailer>,
    /// The OpenID Connect providers offered (`LIFEPATH_OIDC_*`).
    pub oidc: Arc<crate::auth::oidc::Providers>,
}

impl AppState {
    /// Serializes and seals a record for its row.
    pub fn seal<T: Serialize>(
        &self,
        user: &str,
        entity: &str,
        id: &str,
        value: &T,
    ) -> Result<Sealed> {
        let plain = serde_json::to_vec(value).map_err(ApiError::internal)?;
        self.crypto
            .seal(user, entity, id, &plain)
            .map_err(ApiError::internal)
    }

    /// Opens a sealed payload into a record.
    pub fn open_sealed<T: DeserializeOwned>(
        &self,
        user: &str,
        entity: &str,
        id: &str,
        sealed: &Sealed,
    ) -> Result<T> {
        let plain = self
            .crypto
            .open(user, entity, id, sealed)
            .map_err(ApiError::internal)?;
        serde_json::from_slice(&plain).map_err(ApiError::internal)
    }

    /// The decrypted JSON of a stored row.
    pub fn row_json(&self, user: &str, row: &RecordRow) -> Result<Vec<u8>> {
        let sealed = row
            .sealed
            .as_ref()
            .ok_or_else(|| ApiError::internal("a live row has no payload"))?;
        self.crypto
            .open(user, &row.entity, &row.id, sealed)
            .map_err(ApiError::internal)
    }

    /// Opens a stored row.
    pub fn open_row<T: DeserializeOwned>(&self, user: &str, row: &RecordRow) -> Result<T> {
        serde_json::from_slice(&self.row_json(user, row)?).map_err(ApiError::internal)
    }

    /// The live row of a record, or 404.
    async fn live_row(&self, user: UserId, entity: &str, id: &str) -> Result<RecordRow> {
        self.store
            .get(user, entity, id)
            .await?
            .ok_or(ApiError::NotFound)
    }

    /// A live record and its row, or 404.
    pub async fn load<T: DeserializeOwned>(
        &self,
        user: UserId,
        entity: &str,
        id: &str,
    ) -> Result<(T, RecordRow)> {
        let row = self.live_row(user, entity, id).await?;
        Ok((self.open_row(&user.to_string(), &row)?, row))
    }

    /// A live record as its stored JSON (see [`RawRecord`]), or 404.
    pub async fn load_raw(&self, user: UserId, entity: &str, id: &str) -> Result<RawRecord> {
        let row = self.live_row(user, entity, id).await?;
        Ok(RawRecord {
            version: row.version,
            json: self.row_json(&user.to_string(), &row)?,
        })
    }

    /// Every live record of an entity (oldest first).
    pub async fn load_all<T: DeserializeOwned>(
        &self,
        user: UserId,
        entity: &str,
    ) -> Result<Vec<T>> {
        let rows = self.store.list_all(user, entity).await?;
        let key = user.to_string();
        rows.iter().map(|r| self.open_row(&key, r)).collect()
    }

    /// The 409 for a stale write: the current record in the problem body.
    pub async fn conflict(&self, user: UserId, entity: &str, id: &str, expected: i64) -> ApiError {
        match self.store.get(user, entity, id).await {
            Ok(Some(row)) => match self.open_row::<serde_json::Value>(&user.to_string(), &row) {
                Ok(current) => ApiError::Conflict {
                    expected,
                    current: Box::new(current),
                },
                Err(e) => e,
            },
            Ok(None) => ApiError::NotFound,
            Err(e) => e.into(),
        }
    }
}

impl AppState {
    /// Writes `ops` and `audit` in one transaction; a failed precondition is the 409 with the
    /// current state of `entity` `id` (the record the client expected at `expected`).
    pub async fn write_checked(
        &self,
        user: UserId,
        ops: Vec<crate::store::Op>,
        audit: Vec<AuditRow>,
        (entity, id, expected): (&str, &str, i64),
    ) -> Result<()> {
        match self.store.write(user, ops, audit).await {
            Ok(_) => Ok(()),
            Err(crate::store::StoreError::Conflict) => {
                Err(self.conflict(user, entity, id, expected).await)
            }
            Err(e) => Err(e.into()),
        }
    }
}
