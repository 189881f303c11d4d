//! Sign-in identities (DESIGN §5 "Identity"): an (issuer, subject) pair — an OpenID provider's
//! user or a host app's token subject — is one account, whichever way it arrives.
//!
//! [`account_for`] finds that account, or makes it on first use:
//! - an identity already bound: its account;
//! - an identity whose account was deleted: a token issued before the deletion is refused (401);
//!   a later sign-in makes a new account;
//! - an OpenID sign-in whose email belongs to an account joins that account only when the
//!   provider marks the email verified; unverified, it is 409 `email_unverified` (nothing made,
//!   nothing joined);
//! - otherwise a new account, without a password, with the identity's email when it has one (and
//!   no other account has it), else with none.

use chrono::Utc;
use lifepath_core::UserId;
use lifepath_core::models::{DEFAULT_CURRENCY, User, normalize_email};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::AuditEvent;
use crate::error::{ApiError, REVOKED, Result};
use crate::repo::{entity, micros};
use crate::routes::users::account_row;
use crate::state::AppState;
use crate::store::{IdentityRow, StoreError};

/// What is sealed with an identity.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct IdentityDetails {
    /// The email the provider gave, if any.
    pub email: Option<String>,
    /// Whether the provider said the email is verified.
    #[serde(default)]
    pub email_verified: bool,
}

/// The associated-data entity of a sealed [`IdentityDetails`].
pub const IDENTITY: &str = "identity";

/// A sign-in as the provider asserts it.
#[derive(Clone, Debug)]
pub struct SignIn<'a> {
    /// `external` or the provider's configured name.
    pub provider: &'a str,
    /// `iss`.
    pub issuer: &'a str,
    /// `sub`.
    pub subject: &'a str,
    /// `email`, if given.
    pub email: Option<&'a str>,
    /// `email_verified`.
    pub email_verified: bool,
    /// `name`, if given (the new account's display name).
    pub name: Option<&'a str>,
    /// When the presented token was issued (µs), for a host app's token; `None` for a fresh
    /// OpenID sign-in.
    pub issued_at_us: Option<i64>,
    /// Join an existing account through a verified email (OpenID sign-in), or never (a host
    /// app's token: its `sub` alone is the account).
    pub link_by_email: bool,
}

/// How the account was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    /// The identity was bound to it.
    Existing(UserId),
    /// Joined through a verified email.
    Linked(UserId),
    /// Made now.
    Created(UserId),
}

impl Found {
    /// The account.
    pub fn user(self) -> UserId {
        match self {
            Found::Existing(u) | Found::Linked(u) | Found::Created(u) => u,
        }
    }
}

fn parse(id: &str) -> Result<UserId> {
    id.parse::<UserId>().map_err(ApiError::internal)
}

fn usable_email(email: Option<&str>) -> Option<String> {
    let e = email?.trim();
    let mut v = lifepath_core::validate::Validator::default();
    lifepath_core::models::validate_email(&mut v, "email".into(), e);
    v.finish().ok().map(|_| e.to_owned())
}

/// The account of `sign_in`, found, joined or made (see the module's rules).
pub async fn account_for(s: &AppState, sign_in: &SignIn<'_>, ip: Option<&str>) -> Result<Found> {
    let now = Utc::now();
    let now_us = micros(now);
    // Twice at most: a concurrent first sign-in may bind the identity between the read and the
    // write, and then its account is the one.
    for _ in 0..2 {
        let existing = s
            .store
            .identity_by_subject(sign_in.issuer, sign_in.subject)
            .await?;
        if let Some(row) = &existing {
            if let Some(user) = &row.user_id {
                if row.last_used_at.is_none_or(|t| now_us - t > 60_000_000) {
                    s.store.touch_identity(&row.id, now_us).await?;
                }
                return Ok(Found::Existing(parse(user)?));
            }
            if let (Some(deleted), Some(issued)) = (row.deleted_at, sign_in.issued_at_us)
                && issued <= deleted
            {
                return Err(ApiError::Unauthorized(REVOKED));
            }
        }
        let email = usable_email(sign_in.email);
        let details = IdentityDetails {
            email: email.clone(),
            email_verified: sign_in.email_verified,
        };
        let identity_id = uuid::Uuid::now_v7().to_string();
        let owner_of_email = match &email {
            Some(e) => {
                s.store
                    .account_by_email(&s.crypto.email_hash(&normalize_email(e)))
                    .await?
            }
            None => None,
        };
        if sign_in.link_by_email
            && let Some(owner) = &owner_of_email
        {
            if !sign_in.email_verified {
                return Err(ApiError::Taken {
                    code: "email_unverified",
                    detail: "an account has this email, and the provider does not say the email \
                             is verified: sign in to that account first, or verify the email \
                             with the provider",
                });
            }
            let row = identity_row(s, &identity_id, &owner.id, sign_in, &details, now_us)?;
            let ev = AuditEvent::new("identity.link")
                .user(&owner.id)
                .record(IDENTITY, &identity_id)
                .details(json!({"provider": sign_in.provider, "by": "verified_email"}));
            let ev = match ip {
                Some(ip) => ev.ip(ip),
                None => ev,
            };
            if s.store
                .link_identity(parse(&owner.id)?, &row, &ev.row())
                .await?
            {
                return Ok(Found::Linked(parse(&owner.id)?));
            }
            continue;
        }
        // A new account; the email only when no account has it.
        let user_id = UserId(uuid::Uuid::now_v7());
        let email = email.filter(|_| owner_of_email.is_none());
        let user = User {
            id: user_id,
            email: email.clone(),
            display_name: sign_in
                .name
                .map(|n| n.trim().chars().take(100).collect::<String>())
                .filter(|n| !n.is_empty()),
            currency: DEFAULT_CURRENCY.to_owned(),
            default_framework: None,
            default_optimization_focus: None,
            retention_months: None,
            created_at: now,
            updated_at: now,
        };
        let email_hash = match &email {
            Some(e) => s.crypto.email_hash(&normalize_email(e)),
            // Unique, and never the HMAC of an email (hex): no login can reach it.
            None => format!("none:{user_id}"),
        };
        let account = account_row(s, &user, email_hash, String::new(), 1)?;
        let id = user_id.to_string();
        let row = identity_row(s, &identity_id, &id, sign_in, &details, now_us)?;
        let ev = AuditEvent::new("user.register")
            .user(&id)
            .record(entity::USER, &id)
            .details(json!({"provider": sign_in.provider}));
        let ev = match ip {
            Some(ip) => ev.ip(ip),
            None => ev,
        };
        match s
            .store
            .create_account_with_identity(&account, &row, &ev.row())
            .await
        {
            Ok(true) => return Ok(Found::Created(user_id)),
            Ok(false) => continue,
            // The email was taken meanwhile: go round again (the next pass sees its owner).
            Err(StoreError::EmailTaken) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::internal(
        "an identity could not be bound after two attempts",
    ))
}

fn identity_row(
    s: &AppState,
    id: &str,
    user: &str,
    sign_in: &SignIn<'_>,
    details: &IdentityDetails,
    now_us: i64,
) -> Result<IdentityRow> {
    Ok(IdentityRow {
        id: id.to_owned(),
        user_id: Some(user.to_owned()),
        provider: sign_in.provider.to_owned(),
        issuer: sign_in.issuer.to_owned(),
        subject: sign_in.subject.to_owned(),
        sealed: Some(s.seal(user, IDENTITY, id, details)?),
        created_at: now_us,
        last_used_at: Some(now_us),
        deleted_at: None,
    })
}
