//! Account inputs of the server: registration and login. The password rules live here so every
//! client checks them the same way (8 to 1024 bytes); the password itself never leaves the
//! server and is never printed (`Debug` redacts it).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ids::UserId;
use crate::models::{DEFAULT_CURRENCY, User, validate_email};
use crate::validate::{Validate, Validator, join};

/// Fewest bytes in a password.
pub const MIN_PASSWORD_BYTES: usize = 8;
/// Most bytes in a password.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// `POST /users`: a new account.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterInput {
    /// Email address (unique, case-insensitive).
    pub email: String,
    /// Password, 8 to 1024 bytes.
    pub password: String,
    /// Name to show.
    #[serde(default)]
    pub display_name: Option<String>,
    /// ISO 4217 code (default USD).
    #[serde(default)]
    pub currency: Option<String>,
}

/// `POST /users/login`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginInput {
    /// Email address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// `POST /users/me/password`: a new password, proven by the current one.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordChangeInput {
    /// The password in use now.
    pub current_password: String,
    /// The new password, 8 to 1024 bytes.
    pub new_password: String,
}

impl fmt::Debug for PasswordChangeInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordChangeInput")
            .field("current_password", &"<redacted>")
            .field("new_password", &"<redacted>")
            .finish()
    }
}

impl Validate for PasswordChangeInput {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        if self.current_password.is_empty() || self.current_password.len() > MAX_PASSWORD_BYTES {
            v.push(
                join(path, "current_password"),
                format!("must be 1 to {MAX_PASSWORD_BYTES} bytes"),
            );
        }
        validate_password(v, join(path, "new_password"), &self.new_password);
    }
}

impl fmt::Debug for RegisterInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegisterInput")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .field("display_name", &self.display_name)
            .field("currency", &self.currency)
            .finish()
    }
}

impl fmt::Debug for LoginInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginInput")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Checks the length of a password in bytes.
pub fn validate_password(v: &mut Validator, field: String, password: &str) {
    let n = password.len();
    if !(MIN_PASSWORD_BYTES..=MAX_PASSWORD_BYTES).contains(&n) {
        v.push(
            field,
            format!("must be {MIN_PASSWORD_BYTES} to {MAX_PASSWORD_BYTES} bytes"),
        );
    }
}

impl Validate for RegisterInput {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        validate_email(v, join(path, "email"), &self.email);
        let before = v.is_ok();
        validate_password(v, join(path, "password"), &self.password);
        if before == v.is_ok() {
            super::check_password_choice(v, join(path, "password"), &self.password, &self.email);
        }
        if let Some(name) = &self.display_name {
            v.text(join(path, "display_name"), name, 1, 100);
        }
        if let Some(c) = &self.currency {
            v.currency(join(path, "currency"), c);
        }
    }
}

impl Validate for LoginInput {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        if self.email.is_empty() || self.email.len() > 254 {
            v.push(join(path, "email"), "must be an email address");
        }
        if self.password.is_empty() || self.password.len() > MAX_PASSWORD_BYTES {
            v.push(
                join(path, "password"),
                format!("must be 1 to {MAX_PASSWORD_BYTES} bytes"),
            );
        }
    }
}

/// The email as compared for uniqueness: trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

impl RegisterInput {
    /// The new user (validated first); the password stays with the caller for hashing.
    pub fn to_user(&self, id: UserId, now: DateTime<Utc>) -> Result<User> {
        self.validate()?;
        let user = User {
            id,
            email: Some(self.email.trim().to_owned()),
            display_name: self.display_name.clone(),
            currency: self
                .currency
                .clone()
                .unwrap_or_else(|| DEFAULT_CURRENCY.to_owned()),
            default_framework: None,
            default_optimization_focus: None,
            retention_months: None,
            created_at: now,
            updated_at: now,
        };
        user.validate()?;
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_length_and_redaction() {
        let mut input = RegisterInput {
            email: "ana@example.com".into(),
            password: "short".into(),
            display_name: None,
            currency: None,
        };
        assert!(input.validate().is_err());
        input.password = "long enough".into();
        let user = input
            .to_user(UserId(uuid::Uuid::nil()), DateTime::UNIX_EPOCH)
            .unwrap();
        assert_eq!(user.currency, "USD");
        assert!(!format!("{input:?}").contains("long enough"));
        assert_eq!(normalize_email(" Ana@Example.COM "), "ana@example.com");
    }
}
