//! The login rate limiter: a counter in the database (`rate_event`), not in process memory, so
//! many instances serving one PostgreSQL meet one limit. One indexed count and one insert per
//! login attempt.

use crate::error::{ApiError, Result};
use crate::state::AppState;

/// Failed logins allowed per email in [`EMAIL_WINDOW_SECS`].
pub const EMAIL_FAILURES: i64 = 5;
/// The email window.
pub const EMAIL_WINDOW_SECS: i64 = 15 * 60;
/// Login attempts allowed per IP in [`IP_WINDOW_SECS`].
pub const IP_ATTEMPTS: i64 = 30;
/// The IP window.
pub const IP_WINDOW_SECS: i64 = 60;

/// When the login of `email_hash` from `ip` is over a limit: the seconds to wait.
pub async fn login_limited(
    state: &AppState,
    ip: &str,
    email_hash: &str,
    now_us: i64,
) -> Result<()> {
    let checks = [
        (format!("ip:{ip}"), IP_ATTEMPTS, IP_WINDOW_SECS),
        (
            format!("fail:{email_hash}"),
            EMAIL_FAILURES,
            EMAIL_WINDOW_SECS,
        ),
    ];
    for (key, limit, window) in checks {
        let since = now_us - window * 1_000_000;
        let (n, oldest) = state.store.rate_count(&key, since).await?;
        if n >= limit {
            let oldest = oldest.unwrap_or(now_us);
            let wait = (oldest + window * 1_000_000 - now_us) / 1_000_000 + 1;
            return Err(ApiError::RateLimited {
                retry_after: wait.max(1) as u64,
            });
        }
    }
    state.store.rate_hit(&format!("ip:{ip}"), now_us).await?;
    Ok(())
}

/// Records a failed login of `email_hash`.
pub async fn login_failed(state: &AppState, email_hash: &str, now_us: i64) -> Result<()> {
    state
        .store
        .rate_hit(&format!("fail:{email_hash}"), now_us)
        .await?;
    Ok(())
}
