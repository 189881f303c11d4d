//! The shared state of every handler.

use std::sync::Arc;

use crate::auth::{Passwords, Tokens};
use crate::config::Config;
use crate::crypto::Crypto;
use crate::metrics::Metrics;
use crate::revocation::Revocations;
use crate::store::Store;

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
}
