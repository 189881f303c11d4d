//! The OpenAPI 3.1 document of `/openapi.json`, derived from the code with utoipa:
//!
//! - every schema from the Rust type itself (`ToSchema` on the core's types behind its
//!   `openapi` feature, and on the server's own answers), so a type change changes the
//!   document: enums, required and optional fields, nullability and formats; money is a
//!   `string` with a decimal pattern;
//! - every operation from `#[utoipa::path]` on its handler, registered through
//!   `utoipa_axum::routes!`: the router and the document are built from one list, so a route
//!   cannot be served undocumented or documented unserved (a test checks both directions
//!   against requests too);
//! - query parameters from `IntoParams` on the query structs the handlers read;
//! - the error answers (problem+json) of each operation added by one rule ([`error_statuses`])
//!   from what the operation takes: a body, a bearer token, an id, a query.

use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Doc, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// A failure: `application/problem+json` (RFC 9457).
#[derive(Serialize, ToSchema)]
pub struct Problem {
    /// `https://lifepath.invalid/problems/<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The HTTP reason phrase.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong, in plain words.
    pub detail: String,
    /// A stable machine-readable code (`validation_failed`, `version_conflict`,
    /// `quota_exceeded`, `rate_limited`…).
    pub code: String,
    /// 422 (and 413 `record_too_large`): every field at fault, by path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<lifepath_core::FieldError>>,
    /// 409 `version_conflict`: the record as it is now.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub current: Option<Value>,
    /// 413 `quota_exceeded`: bytes stored now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_bytes: Option<i64>,
    /// 413: the limit in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_bytes: Option<i64>,
    /// 413 `record_too_large`: the record's size in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<i64>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "lifepath sync server",
        description = "Budget snapshots, goals and analytics; every number from lifepath-core."
    ),
    components(schemas(Problem)),
    modifiers(&Errors),
    tags(
        (name = "users", description = "Accounts and tokens"),
        (name = "budgets", description = "Budget snapshots, sessions and their analytics"),
        (name = "goals", description = "Goals, contributions, progress, trajectories and recommendations"),
        (name = "transactions", description = "Actuals: transactions, bank file import, categorisation rules"),
        (name = "insights", description = "Alerts: the insight feed, notification preferences, webhook endpoints"),
        (name = "sync", description = "Offline-first sync: push and pull"),
        (name = "admin", description = "Support operations for the admin role (404 for everyone else; the role is granted only by `lifepath-server admin grant EMAIL`)"),
        (name = "operations", description = "Health, readiness and this document"),
    )
)]
struct ApiDoc;

/// Every documented route, with its operation: what [`crate::app`] serves.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", crate::routes::api())
        .merge(crate::routes::ops::router())
}

/// The document.
pub fn document() -> Doc {
    let (_, mut doc) = routes().split_for_parts();
    Errors.modify(&mut doc);
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc
}

/// The document as JSON (what `/openapi.json` serves): optional query parameters say
/// `allowEmptyValue` (an empty value such as `?months=` counts as absent, see `ApiQuery`), a
/// field utoipa's model does not carry.
pub fn document_json() -> Value {
    let mut doc = serde_json::to_value(document()).unwrap_or(Value::Null);
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for op in item
                .as_object_mut()
                .into_iter()
                .flat_map(|o| o.values_mut())
            {
                for p in op
                    .get_mut("parameters")
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    if p["in"] == "query" && p["required"] != true {
                        p["allowEmptyValue"] = Value::Bool(true);
                    }
                }
            }
        }
    }
    doc
}

/// The bearer scheme and every operation's error answers.
struct Errors;

impl Modify for Errors {
    fn modify(&self, doc: &mut Doc) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        for (path, item) in doc.paths.paths.iter_mut() {
            for (method, op) in [
                ("get", item.get.as_mut()),
                ("post", item.post.as_mut()),
                ("patch", item.patch.as_mut()),
                ("delete", item.delete.as_mut()),
                ("put", item.put.as_mut()),
            ] {
                let Some(op) = op else { continue };
                op.operation_id = Some(operation_id(method, path));
                let body = op.request_body.is_some();
                let auth = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let query = op
                    .parameters
                    .iter()
                    .flatten()
                    .any(|p| p.parameter_in == utoipa::openapi::path::ParameterIn::Query);
                let mut statuses = error_statuses(method, path, body, auth, query);
                if path == "/readyz" {
                    statuses.push((503, "The database is unreachable"));
                }
                for (code, description) in statuses {
                    let key = code.to_string();
                    if op.responses.responses.contains_key(&key) {
                        continue;
                    }
                    op.responses.responses.insert(
                        key,
                        ResponseBuilder::new()
                            .description(description)
                            .content(
                                "application/problem+json",
                                ContentBuilder::new()
                                    .schema(Some(Ref::from_schema_name("Problem")))
                                    .build(),
                            )
                            .build()
                            .into(),
                    );
                }
            }
        }
    }
}

/// A unique operation id from the method and the path: `get /api/v1/goals/{id}/trajectory` is
/// `getGoalsByIdTrajectory` (handlers share names such as `get_one` across resources).
fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_owned();
    for seg in path
        .trim_start_matches("/api/v1")
        .split(['/', '-', '.', '_'])
    {
        let word = match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => format!("by_{param}"),
            None => seg.to_owned(),
        };
        for part in word.split('_').filter(|p| !p.is_empty()) {
            let mut c = part.chars();
            if let Some(first) = c.next() {
                id.extend(first.to_uppercase());
                id.push_str(c.as_str());
            }
        }
    }
    id
}

/// The error answers of an operation, from what it takes.
pub fn error_statuses(
    method: &str,
    path: &str,
    body: bool,
    auth: bool,
    query: bool,
) -> Vec<(u16, &'static str)> {
    let mut out: Vec<(u16, &'static str)> = Vec::new();
    let admin = path.starts_with("/api/v1/admin/");
    if body || query {
        out.push((
            400,
            "Malformed request (no body, invalid JSON or query string)",
        ));
    }
    if auth {
        out.push((401, "Missing, invalid or expired access token"));
    }
    if admin {
        out.push((404, "Not an admin, or no such account"));
    }
    if path == "/api/v1/users/refresh" {
        out.push((401, "Unknown, expired or reused refresh token"));
    }
    if path == "/api/v1/users/login" {
        out.push((401, "Wrong email or password"));
    }
    if path.ends_with("/callback") {
        out.push((
            400,
            "No sign-in in progress in this browser (state cookie missing), or another state",
        ));
        out.push((401, "The provider's answer or ID token was refused"));
        out.push((503, "The provider cannot be reached"));
    }
    if path.ends_with("/start") {
        out.push((503, "The provider cannot be reached"));
    }
    if path == "/api/v1/auth/oidc/exchange" {
        out.push((401, "Unknown, used or expired login code"));
    }
    if path == "/api/v1/users/me/identities/{id}" {
        out.push((
            409,
            "last_sign_in_method: the account's last way to sign in",
        ));
    }
    if path.contains('{')
        || path == "/api/v1/budgets/anomalies"
        || path == "/api/v1/budgets/compare"
        || path == "/api/v1/users/me/export"
        || path == "/api/v1/users/me"
        || path == "/api/v1/budgets/plan-vs-actual"
        || path == "/api/v1/notifications/unsubscribe"
    {
        out.push((404, "Not found (another user's record is 404 too)"));
    }
    if method == "patch"
        || path == "/api/v1/budgets/snapshots" && method == "post"
        || path.ends_with("/snapshot")
        || path.ends_with("/progress")
        || path == "/api/v1/users"
    {
        out.push((
            409,
            "Version conflict (the current record in `current`), or taken",
        ));
    }
    if path == "/api/v1/transactions/import" {
        out.push((
            409,
            "Another import of the same rows kept winning the race (retry)",
        ));
        out.push((
            413,
            "The file is over 10 MiB, or the storage quota is reached (quota_exceeded)",
        ));
    }
    if path == "/api/v1/sync/pull" {
        out.push((410, "cursor_expired: pull again without `since`"));
    }
    if body {
        out.push((
            413,
            "Body over 1 MiB, a record over LIFEPATH_MAX_RECORD_KB (record_too_large), the \
             storage quota reached (quota_exceeded), or, on push, over 500 mutations",
        ));
        out.push((415, "Not application/json"));
    }
    if body || query {
        out.push((422, "Validation failed (field paths in `errors`)"));
    }
    if path == "/api/v1/users/login"
        || path == "/api/v1/users"
        || path == "/api/v1/users/me/password"
        || path.starts_with("/api/v1/users/password-reset")
        || admin
    {
        out.push((429, "Rate limited"));
    }
    out.sort_unstable_by_key(|(s, _)| *s);
    out.dedup_by_key(|(s, _)| *s);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn document_parses_and_has_every_referenced_schema() {
        let doc = super::document_json();
        let text = doc.to_string();
        assert!(doc["paths"].as_object().unwrap().len() >= 25);
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for part in text.split("#/components/schemas/").skip(1) {
            let name = part.split('"').next().unwrap();
            assert!(schemas.contains_key(name), "missing schema {name}");
        }
        // Money is a string with a decimal pattern (inputs may also send a number).
        let money = &schemas["Money"]["oneOf"];
        assert_eq!(money[0]["type"], "string", "{}", schemas["Money"]);
        assert!(money[0]["pattern"].is_string());
        // Enums are enums, optional fields are not required, ids are uuids.
        assert!(schemas["GoalStatus"]["enum"].as_array().unwrap().len() >= 4);
        let goal = &schemas["Goal"];
        let required: Vec<&str> = goal["required"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert!(required.contains(&"name") && !required.contains(&"target_date"));
        assert_eq!(schemas["GoalId"]["format"], "uuid");
        // Query parameters are described.
        let trends = &doc["paths"]["/api/v1/budgets/trends"]["get"]["parameters"];
        assert_eq!(trends[0]["name"], "months", "{trends}");
    }
}
