//! The one API error type: every failure becomes `application/problem+json`
//! `{type, title, status, detail, code, errors?, current?}`. Server errors are logged with their
//! cause and answered with a generic text, so no SQL, path or panic text reaches a client.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lifepath_core::FieldError;
use serde_json::json;

/// The answer to a token whose account is gone or whose sessions were revoked: one text for
/// both, so it tells nothing of which.
pub const REVOKED: &str = "the session was revoked or the account no longer exists";

/// `Result` with [`ApiError`] as the error, so handlers are `?`-clean.
pub type Result<T, E = ApiError> = std::result::Result<T, E>;

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed request (bad JSON, missing body, bad query encoding).
    #[error("{0}")]
    BadRequest(String),
    /// Missing, expired or tampered credentials.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// The account was disabled by an admin (its tokens are refused on every route).
    #[error("this account is disabled; contact support")]
    AccountDisabled,
    /// No such resource for this user.
    #[error("not found")]
    NotFound,
    /// No route has this path.
    #[error("no such endpoint")]
    NoSuchRoute,
    /// The path exists, the method does not.
    #[error("this endpoint does not take this method")]
    MethodNotAllowed,
    /// Stale version: the body carries the current record.
    #[error("the record changed since version {expected}")]
    Conflict {
        /// The version the client sent.
        expected: i64,
        /// The record as it is now.
        current: Box<serde_json::Value>,
    },
    /// A unique value is taken (such as an email).
    #[error("{detail}")]
    Taken {
        /// Stable code.
        code: &'static str,
        /// Plain words.
        detail: &'static str,
    },
    /// Body over the limit.
    #[error("the request body is larger than 1 MiB")]
    PayloadTooLarge,
    /// An imported file over the limit.
    #[error("the file is larger than {limit_mib} MiB: split it into several imports")]
    FileTooLarge {
        /// The limit, MiB.
        limit_mib: usize,
    },
    /// A record over the size limit (`LIFEPATH_MAX_RECORD_KB`).
    #[error("{field} makes the record {size} bytes of JSON; a record holds at most {limit}")]
    RecordTooLarge {
        /// The field (the largest one of the record), as a path.
        field: String,
        /// The record's size in bytes of JSON.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The user's storage quota (`LIFEPATH_USER_QUOTA_MB`) would be exceeded.
    #[error(
        "this write would take the account past its storage quota ({used} of {limit} bytes \
         used): delete something first"
    )]
    QuotaExceeded {
        /// Bytes stored now.
        used: i64,
        /// The quota in bytes.
        limit: i64,
    },
    /// A sync push over the batch bound.
    #[error("a push takes at most {max} mutations; this one has {got}: send them in batches")]
    BatchTooLarge {
        /// The bound.
        max: usize,
        /// What was sent.
        got: usize,
    },
    /// Not JSON.
    #[error("the request body must be application/json")]
    UnsupportedMediaType,
    /// Input that breaks the data rules.
    #[error("{detail}")]
    Validation {
        /// Stable code from the core error.
        code: &'static str,
        /// Summary.
        detail: String,
        /// Every field at fault.
        errors: Vec<FieldError>,
    },
    /// Too many attempts.
    #[error("too many attempts; retry in {retry_after} s")]
    RateLimited {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// A sync pull from a cursor older than the deletions the server still keeps.
    #[error(
        "this cursor is older than deletions the server no longer keeps (tombstones are purged \
         after a while): pull again from the beginning, without `since`, and drop the records \
         that pull does not return"
    )]
    CursorExpired,
    /// A dependency (the database) is not reachable.
    #[error("the service is not ready")]
    Unavailable,
    /// Anything else: logged, never shown.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status.
    pub fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) | ApiError::AccountDisabled => StatusCode::UNAUTHORIZED,
            ApiError::NotFound | ApiError::NoSuchRoute => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } | ApiError::Taken { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge
            | ApiError::FileTooLarge { .. }
            | ApiError::BatchTooLarge { .. }
            | ApiError::RecordTooLarge { .. }
            | ApiError::QuotaExceeded { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::CursorExpired => StatusCode::GONE,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "malformed_request",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::AccountDisabled => "account_disabled",
            ApiError::NotFound => "not_found",
            ApiError::NoSuchRoute => "no_such_route",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Conflict { .. } => "version_conflict",
            ApiError::Taken { code, .. } => code,
            ApiError::PayloadTooLarge | ApiError::FileTooLarge { .. } => "payload_too_large",
            ApiError::BatchTooLarge { .. } => "batch_too_large",
            ApiError::RecordTooLarge { .. } => "record_too_large",
            ApiError::QuotaExceeded { .. } => "quota_exceeded",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::Validation { code, .. } => code,
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::CursorExpired => "cursor_expired",
            ApiError::Unavailable => "unavailable",
            ApiError::Internal(_) => "internal_error",
        }
    }

    /// One field error as a 422.
    pub fn invalid(field: &str, message: &str) -> ApiError {
        ApiError::from(lifepath_core::Error::invalid(field, message))
    }

    /// An internal error with its cause (logged when answered).
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(cause.to_string())
    }
}

impl From<lifepath_core::Error> for ApiError {
    fn from(e: lifepath_core::Error) -> Self {
        ApiError::Validation {
            code: e.code(),
            detail: e.to_string(),
            errors: e.field_errors(),
        }
    }
}

impl From<lifepath_core::ValidationErrors> for ApiError {
    fn from(e: lifepath_core::ValidationErrors) -> Self {
        ApiError::from(lifepath_core::Error::from(e))
    }
}

/// An error and its sources, for the log.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::Conflict => ApiError::Taken {
                code: "conflict",
                detail: "the record changed or already exists; reload and retry",
            },
            crate::store::StoreError::Duplicate => ApiError::Taken {
                code: "duplicate",
                detail: "a transaction with this fingerprint is there already",
            },
            crate::store::StoreError::EmailTaken => ApiError::Taken {
                code: "email_taken",
                detail: "an account with this email already exists",
            },
            crate::store::StoreError::Db(e) => ApiError::Internal(error_chain(&*e)),
            crate::store::StoreError::NoAccount => ApiError::Unauthorized(REVOKED),
            crate::store::StoreError::QuotaExceeded { used, limit } => {
                ApiError::QuotaExceeded { used, limit }
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let detail = match &self {
            ApiError::Internal(cause) => {
                tracing::error!(error = %cause, "internal error");
                "the server could not complete the request".to_owned()
            }
            other => other.to_string(),
        };
        let title = status.canonical_reason().unwrap_or("Error");
        let mut body = json!({
            "type": format!("https://lifepath.invalid/problems/{}", self.code()),
            "title": title,
            "status": status.as_u16(),
            "detail": detail,
            "code": self.code(),
        });
        match &self {
            ApiError::Validation { errors, .. } => body["errors"] = json!(errors),
            ApiError::Conflict { current, .. } => body["current"] = (**current).clone(),
            ApiError::RecordTooLarge { field, size, limit } => {
                body["errors"] = json!([{"field": field, "message":
                    format!("makes the record {size} bytes; the limit is {limit}")}]);
                body["size_bytes"] = json!(size);
                body["limit_bytes"] = json!(limit);
            }
            ApiError::QuotaExceeded { used, limit } => {
                body["usage_bytes"] = json!(used);
                body["limit_bytes"] = json!(limit);
            }
            _ => {}
        }
        let mut res = (status, body.to_string()).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let ApiError::RateLimited { retry_after } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after.max(1).to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}
