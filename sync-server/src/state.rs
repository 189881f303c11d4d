//! The shared state of every handler.

use std::sync::Arc;

use crate::auth::{Passwords, Tokens};
use crate::config::Config;
use crate::crypto::Crypto;
use crate::metrics::Metrics;
use crate::revocation::Revocations;
use crate::store::Store;

/// What handlers share: the store, keys and counters.
#[derive(Clone)]
pub struct AppState {
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
}
