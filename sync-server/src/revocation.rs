//! Which access tokens are still good: a per-user "tokens valid after" instant, kept in the
//! database (so every instance sees it) and cached here (so the hot path makes no database
//! round trip).
//!
//! An access token is accepted only when its account exists, is not disabled (401
//! `account_disabled`) and it was issued at or after the account's `tokens_valid_after` (set by a password change and `POST /users/logout-all`; a
//! deleted account has no row at all). Each instance keeps the instant of the users it has seen
//! for [`Config::revocation_check_secs`](crate::config::Config) (default 5 s) and reads it
//! again after that: a revocation made on this instance applies at once, one made on another
//! instance reaches this one within that many seconds. A write that still slips through in
//! that window for a deleted account finds no account row and is refused as 401 too
//! ([`StoreError::NoAccount`](crate::store::StoreError)).
//!
//! The cache is bounded ([`MAX_ENTRIES`]): when it is full, stale entries go first, then
//! everything (the next requests read the database again; nothing is wrong, only slower).

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use lifepath_core::UserId;

use crate::error::{ApiError, REVOKED, Result};
use crate::store::{AccountGate, Store};

/// Most users whose instant one instance keeps.
pub const MAX_ENTRIES: usize = 100_000;

#[derive(Clone, Copy, Debug)]
struct Entry {
    /// `None`: no such account.
    gate: Option<AccountGate>,
    read_at: Instant,
}

/// The per-instance cache of every user's "tokens valid after" instant.
#[derive(Debug)]
pub struct Revocations {
    ttl: Duration,
    entries: RwLock<HashMap<UserId, Entry>>,
}

impl Revocations {
    /// A cache that trusts what it read for `ttl`.
    pub fn new(ttl: Duration) -> Revocations {
        Revocations {
            ttl,
            entries: RwLock::new(HashMap::new()),
        }
    }

    fn cached(&self, user: &UserId) -> Option<Option<AccountGate>> {
        let entries = self.entries.read().ok()?;
        let e = entries.get(user)?;
        (e.read_at.elapsed() < self.ttl).then_some(e.gate)
    }

    /// Forgets what it read of `user` (the next request reads the database again).
    pub fn forget(&self, user: &UserId) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(user);
        }
    }

    /// Remembers what the database says now (or what this instance just wrote).
    pub fn remember(&self, user: UserId, gate: Option<AccountGate>) {
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&user) {
            let ttl = self.ttl;
            entries.retain(|_, e| e.read_at.elapsed() < ttl);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            user,
            Entry {
                gate,
                read_at: Instant::now(),
            },
        );
    }

    /// Accepts a token of `user` issued at `issued_us` (µs), or answers 401.
    pub async fn check(&self, store: &dyn Store, user: UserId, issued_us: i64) -> Result<()> {
        let gate = match self.cached(&user) {
            Some(v) => v,
            None => {
                let v = store.account_gate(user).await?;
                self.remember(user, v);
                v
            }
        };
        match gate {
            Some(g) if g.disabled => Err(ApiError::AccountDisabled),
            Some(g) if issued_us >= g.tokens_valid_after => Ok(()),
            _ => Err(ApiError::Unauthorized(REVOKED)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_expiring() {
        let r = Revocations::new(Duration::from_secs(60));
        let a = UserId(uuid::Uuid::now_v7());
        let g = |t| {
            Some(AccountGate {
                tokens_valid_after: t,
                disabled: false,
            })
        };
        r.remember(a, g(10));
        assert_eq!(r.cached(&a), Some(g(10)));
        r.remember(a, None);
        assert_eq!(r.cached(&a), Some(None));
        for _ in 0..MAX_ENTRIES + 10 {
            r.remember(UserId(uuid::Uuid::now_v7()), g(0));
        }
        assert!(r.entries.read().map(|e| e.len()).unwrap_or(0) <= MAX_ENTRIES);
        let stale = Revocations::new(Duration::ZERO);
        stale.remember(a, g(1));
        assert_eq!(
            stale.cached(&a),
            None,
            "an entry older than the ttl is read again"
        );
    }
}
