//! Errors: validation errors that name the field path, and the one error type of the core's
//! operations. Every error has a stable `code` so the server and the npm package can map it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One invalid field: `expenses[3].monthly_amount: must be ≥ 0 with at most 2 decimals`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The path of the field, `a.b[2].c`.
    pub field: String,
    /// What is wrong, in plain words.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// All the invalid fields of one input (never empty when returned as an error).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// One error.
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        ValidationErrors(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// The field errors.
    pub fn errors(&self) -> &[FieldError] {
        &self.0
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            e.fmt(f)?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// The error of any core operation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Input that breaks the data rules; lists every bad field.
    #[error("invalid input: {0}")]
    Validation(ValidationErrors),
    /// Analytics over snapshots of different currencies.
    #[error("snapshots mix currencies: {expected} and {found} (in {period})")]
    MixedCurrency {
        /// The currency of the first snapshot.
        expected: String,
        /// The other currency found.
        found: String,
        /// The period of the snapshot with the other currency.
        period: String,
    },
    /// Two snapshots of the same period in one analytics input.
    #[error("two snapshots share the period {period}")]
    DuplicatePeriod {
        /// The repeated period.
        period: String,
    },
    /// A goal status move the state machine does not allow.
    #[error("a goal cannot move from {from} to {to}")]
    IllegalTransition {
        /// Current status.
        from: String,
        /// Requested status.
        to: String,
    },
    /// A budget session stage move backwards or sideways.
    #[error("a budget session cannot move from {from} to {to}")]
    IllegalStage {
        /// Current stage.
        from: String,
        /// Requested stage.
        to: String,
    },
    /// An argument outside its allowed range.
    #[error("{field}: {message}")]
    InvalidArgument {
        /// The argument's name.
        field: String,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    /// Every code [`Error::code`] returns, once, in the order of the variants: the npm
    /// package's TypeScript `ErrorCode` is written from this list (plus its own `internal`).
    pub const CODES: &'static [&'static str] = &[
        "validation_failed",
        "mixed_currency",
        "duplicate_period",
        "illegal_transition",
        "illegal_stage",
        "invalid_argument",
    ];

    /// A stable machine-readable code, one of [`Error::CODES`].
    pub fn code(&self) -> &'static str {
        match self {
            Error::Validation(_) => "validation_failed",
            Error::MixedCurrency { .. } => "mixed_currency",
            Error::DuplicatePeriod { .. } => "duplicate_period",
            Error::IllegalTransition { .. } => "illegal_transition",
            Error::IllegalStage { .. } => "illegal_stage",
            Error::InvalidArgument { .. } => "invalid_argument",
        }
    }

    /// The first field at fault, when one is known.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Validation(v) => v.0.first().map(|e| e.field.as_str()),
            Error::MixedCurrency { .. } => Some("currency"),
            Error::DuplicatePeriod { .. } => Some("period"),
            Error::IllegalTransition { .. } => Some("status"),
            Error::IllegalStage { .. } => Some("stage"),
            Error::InvalidArgument { field, .. } => Some(field),
        }
    }

    /// Every field error (one entry for errors that are not validation lists).
    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Error::Validation(v) => v.0.clone(),
            other => vec![FieldError {
                field: other.field().unwrap_or_default().to_owned(),
                message: other.to_string(),
            }],
        }
    }

    /// Shorthand for an [`Error::InvalidArgument`].
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<ValidationErrors> for Error {
    fn from(v: ValidationErrors) -> Self {
        Error::Validation(v)
    }
}

/// The result of a core operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// One error of each variant; the match below stops compiling when a variant is added, as
    /// a reminder to add it here (and its code to [`Error::CODES`]).
    fn one_of_each() -> Vec<Error> {
        let all = vec![
            Error::Validation(ValidationErrors::single("a", "b")),
            Error::MixedCurrency {
                expected: "USD".into(),
                found: "EUR".into(),
                period: "2026-11".into(),
            },
            Error::DuplicatePeriod {
                period: "2026-11".into(),
            },
            Error::IllegalTransition {
                from: "active".into(),
                to: "active".into(),
            },
            Error::IllegalStage {
                from: "review".into(),
                to: "draft".into(),
            },
            Error::invalid("months", "too many"),
        ];
        for e in &all {
            match e {
                Error::Validation(_)
                | Error::MixedCurrency { .. }
                | Error::DuplicatePeriod { .. }
                | Error::IllegalTransition { .. }
                | Error::IllegalStage { .. }
                | Error::InvalidArgument { .. } => {}
            }
        }
        all
    }

    #[test]
    fn codes_lists_every_code_once() {
        let codes: Vec<&str> = one_of_each().iter().map(Error::code).collect();
        assert_eq!(codes, Error::CODES);
        let mut unique = codes.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), codes.len(), "a code is used twice: {codes:?}");
    }
}
