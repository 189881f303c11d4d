//! The login and registration limits: counters in the database (`rate_event`), not in process
//! memory, so many instances serving one database meet one limit. An attempt is *reserved*
//! before the password is checked (one transaction: count, then record), so N concurrent
//! attempts check at most the limit's worth of passwords; a successful login gives its
//! reservation back.
//!
//! The limits, in the design's words:
//! - a client address makes at most [`IP_ATTEMPTS`] login attempts a minute, whatever the email;
//! - an account takes at most [`PAIR_FAILURES`] wrong passwords from one client address in
//!   15 minutes (then that address waits), and at most [`ACCOUNT_FAILURES`] from all addresses
//!   together (then every address waits): a stranger can no longer lock the owner out with five
//!   guesses;
//! - a client address creates at most `LIFEPATH_REGISTRATIONS_PER_IP_PER_HOUR` accounts an hour.

use crate::error::{ApiError, Result};
use crate::state::AppState;
use crate::store::RateCheck;

/// Login attempts allowed per client address in [`IP_WINDOW_SECS`].
pub const IP_ATTEMPTS: i64 = 30;
/// The address window.
pub const IP_WINDOW_SECS: i64 = 60;
/// Wrong passwords allowed per (account, client address) in [`FAILURE_WINDOW_SECS`].
pub const PAIR_FAILURES: i64 = 5;
/// Wrong passwords allowed per account from all addresses in [`FAILURE_WINDOW_SECS`].
pub const ACCOUNT_FAILURES: i64 = 20;
/// The failure window.
pub const FAILURE_WINDOW_SECS: i64 = 15 * 60;
/// The registration window.
pub const REGISTRATION_WINDOW_SECS: i64 = 3600;
/// Admin requests per admin per minute.
pub const ADMIN_REQUESTS: i64 = 120;

/// A reserved login attempt: counted as a failure until [`LoginReservation::succeeded`].
#[must_use = "a successful login must give its reservation back"]
pub struct LoginReservation {
    at: i64,
    pair_key: String,
    account_key: String,
}

impl LoginReservation {
    /// The password was right: the reserved failure goes, and so do this address's earlier
    /// failures for the account (the owner typed it right at last).
    pub async fn succeeded(self, state: &AppState) -> Result<()> {
        state.store.rate_release(&self.pair_key, None).await?;
        state
            .store
            .rate_release(&self.account_key, Some(self.at))
            .await?;
        Ok(())
    }
}

/// Reserves one password check of `email_hash` from `ip`, or answers 429 with the seconds to
/// wait.
pub async fn reserve_login(
    state: &AppState,
    ip: &str,
    email_hash: &str,
    now_us: i64,
) -> Result<LoginReservation> {
    let pair_key = format!("fail:{email_hash}:{ip}");
    let account_key = format!("fail:{email_hash}");
    let checks = [
        check(format!("ip:{ip}"), IP_ATTEMPTS, IP_WINDOW_SECS),
        check(pair_key.clone(), PAIR_FAILURES, FAILURE_WINDOW_SECS),
        check(account_key.clone(), ACCOUNT_FAILURES, FAILURE_WINDOW_SECS),
    ];
    reserve(state, &checks, now_us).await?;
    Ok(LoginReservation {
        at: now_us,
        pair_key,
        account_key,
    })
}

/// Reserves one registration from `ip` (none when the limit is 0).
pub async fn reserve_registration(state: &AppState, ip: &str, now_us: i64) -> Result<()> {
    let limit = state.config.registrations_per_ip_per_hour;
    if limit == 0 {
        return Ok(());
    }
    let checks = [check(
        format!("reg:{ip}"),
        i64::from(limit),
        REGISTRATION_WINDOW_SECS,
    )];
    reserve(state, &checks, now_us).await
}

/// Reserves one password reset request (or confirmation) from `ip`: 10 an hour, then 429.
pub async fn reserve_reset_request(state: &AppState, ip: &str, now_us: i64) -> Result<()> {
    reserve(state, &[check(format!("reset-ip:{ip}"), 10, 3600)], now_us).await
}

/// Reserves one reset email to the account of `email_hash`: 3 an hour (an error means: send
/// nothing, silently — the answer was already 202).
pub async fn reserve_reset_email(state: &AppState, email_hash: &str, now_us: i64) -> Result<()> {
    reserve(
        state,
        &[check(format!("reset:{email_hash}"), 3, 3600)],
        now_us,
    )
    .await
}

/// Reserves one admin request of `admin`, or answers 429.
pub async fn reserve_admin(state: &AppState, admin: &str, now_us: i64) -> Result<()> {
    reserve(
        state,
        &[check(format!("admin:{admin}"), ADMIN_REQUESTS, 60)],
        now_us,
    )
    .await
}

fn check(key: String, limit: i64, window_secs: i64) -> RateCheck {
    RateCheck {
        key,
        limit,
        window_us: window_secs * 1_000_000,
    }
}

async fn reserve(state: &AppState, checks: &[RateCheck], now_us: i64) -> Result<()> {
    match state.store.rate_reserve(checks, now_us).await? {
        None => Ok(()),
        Some((i, oldest)) => {
            let wait = (oldest + checks[i].window_us - now_us) / 1_000_000 + 1;
            Err(ApiError::RateLimited {
                retry_after: wait.max(1) as u64,
            })
        }
    }
}
