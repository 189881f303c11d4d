//! Extractors whose rejections are the app's own problem+json errors: a JSON body (400 for
//! malformed JSON or a missing body, 413 over 1 MiB, 415 for another content type, 422 with
//! the core's field paths for wrong types), query strings, `If-Match`, and the client address.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::{ApiError, Result};
use crate::state::AppState;

/// Request bodies above this are 413.
pub const MAX_BODY: usize = 1024 * 1024;

/// A JSON body as a plain value (checked for content type, size and syntax).
pub struct JsonValue(pub serde_json::Value);

impl<S: Send + Sync> FromRequest<S> for JsonValue {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let essence = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let is_json = essence == "application/json"
            || (essence.starts_with("application/") && essence.ends_with("+json"));
        let declared_len = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared_len.is_some_and(|n| n > MAX_BODY) {
            return Err(ApiError::PayloadTooLarge);
        }
        if ct.is_empty() && declared_len.unwrap_or(0) == 0 {
            return Err(ApiError::BadRequest(
                "a JSON request body is required".into(),
            ));
        }
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::BadRequest("the request body could not be read".into())
            }
        })?;
        if bytes.len() > MAX_BODY {
            return Err(ApiError::PayloadTooLarge);
        }
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(ApiError::BadRequest(
                "a JSON request body is required".into(),
            ));
        }
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::BadRequest(format!(
                "the request body is not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        Ok(JsonValue(value))
    }
}

/// A JSON body read into a core type; wrong types are 422 with the field path.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        let JsonValue(v) = JsonValue::from_request(req, state).await?;
        Ok(ApiJson(parse_value(v)?))
    }
}

/// Reads a value into a core type; type errors become 422 with field paths.
pub fn parse_value<T: DeserializeOwned>(v: serde_json::Value) -> Result<T> {
    if !v.is_object() {
        return Err(ApiError::invalid(
            "",
            "the request body must be a JSON object",
        ));
    }
    Ok(lifepath_core::validate::from_value(v)?)
}

/// A JSON body read as `T`, with the version the client expects the record to be at:
/// `If-Match` when given, else the body's `version` (taken out of the body first, DESIGN §5).
pub struct VersionedJson<T> {
    /// The body.
    pub body: T,
    /// The expected version; `None`: the write applies whatever the version.
    pub expected: Option<i64>,
}

/// The OpenAPI shape of a [`VersionedJson`] body: the record's fields and, optionally, the
/// version the client expects it to be at (or send `If-Match`).
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct WithVersion<T> {
    /// The fields.
    #[serde(flatten)]
    pub body: T,
    /// The version the client read: a stale one is 409 with the current record.
    pub version: Option<i64>,
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for VersionedJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        let (mut parts, body) = req.into_parts();
        let IfMatch(if_match) = IfMatch::from_request_parts(&mut parts, state).await?;
        let JsonValue(mut value) =
            JsonValue::from_request(Request::from_parts(parts, body), state).await?;
        let expected = take_version(&mut value, if_match)?;
        Ok(VersionedJson {
            body: parse_value(value)?,
            expected,
        })
    }
}

/// A query string read into `T` with serde: a handler states its parameters as a struct, and
/// the ranges stay in core's option types (core's validation is the only statement of a
/// range). An empty value (`?months=`) counts as absent; a value of the wrong kind is 422
/// naming the parameter, in words.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        let q = parts.uri.query().unwrap_or("");
        let present: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let encoded = serde_urlencoded::to_string(&present)
            .map_err(|_| ApiError::BadRequest("the query string is malformed".into()))?;
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let field = e.path().to_string();
                let (field, message) = query_error_in_words(&field, &e.into_inner().to_string());
                ApiError::invalid(&field, &message)
            })
    }
}

/// serde's message about a query parameter, said for a client developer.
fn query_error_in_words(field: &str, serde_message: &str) -> (String, String) {
    if let Some(rest) = serde_message.strip_prefix("missing field `")
        && let Some(name) = rest.split('`').next()
    {
        return (name.to_owned(), "is required".to_owned());
    }
    let message =
        if serde_message.contains("invalid digit") || serde_message.contains("number too large") {
            "must be a whole number in range".to_owned()
        } else if serde_message.contains("invalid float") {
            "must be a number".to_owned()
        } else if serde_message.contains("unknown variant")
            && let Some(expected) = serde_message.split(", expected ").nth(1)
        {
            let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            format!("must be one of {}", names.join(", "))
        } else {
            serde_message.to_owned()
        };
    (field.to_owned(), message)
}

/// `limit` and `cursor` of a list (both optional; see [`crate::repo::page`]).
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page (default 24).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A day in a query string (`as_of=2026-11-21`).
#[derive(Clone, Copy, Debug)]
pub struct Day(pub chrono::NaiveDate);

impl<'de> serde::Deserialize<'de> for Day {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Day, D::Error> {
        let text = String::deserialize(d)?;
        text.parse()
            .map(Day)
            .map_err(|_| serde::de::Error::custom("must be a date written YYYY-MM-DD"))
    }
}

/// The optional `If-Match: <version>` (quotes and `W/` tolerated).
pub struct IfMatch(pub Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        match parts.headers.get(header::IF_MATCH) {
            None => Ok(IfMatch(None)),
            Some(v) => {
                let s = v.to_str().unwrap_or("").trim();
                let s = s.strip_prefix("W/").unwrap_or(s).trim_matches('"');
                s.parse::<i64>().map(|n| IfMatch(Some(n))).map_err(|_| {
                    ApiError::invalid("If-Match", "must be a record version such as 3")
                })
            }
        }
    }
}

/// The client's address (from `X-Forwarded-For` only when configured to trust it).
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        if state.config.trust_forwarded_for
            && let Some(ip) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty() && s.len() <= 64)
        {
            return Ok(ClientIp(ip));
        }
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientIp(ip))
    }
}

/// Parses a path id (a malformed id is simply not found).
pub fn path_id(id: &str) -> Result<Uuid> {
    Uuid::parse_str(id).map_err(|_| ApiError::NotFound)
}

/// The `version` of a body, removed from it (the body form of `If-Match`).
pub fn take_version(body: &mut serde_json::Value, if_match: Option<i64>) -> Result<Option<i64>> {
    let from_body = match body.as_object_mut().and_then(|o| o.remove("version")) {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .ok_or_else(|| ApiError::invalid("version", "must be an integer"))?,
        ),
    };
    Ok(if_match.or(from_body))
}
