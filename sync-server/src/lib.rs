//! # lifepath-sync-server
//!
//! The axum server that keeps every user's budget snapshots, goals and their history, private
//! to that user, and serves the very numbers the browser computes — from the same
//! `lifepath-core` code.
//!
//! ## A tour
//!
//! - [`config`]: flags and `LIFEPATH_*` environment; development secrets generated once beside
//!   the database; production refuses to start without them.
//! - [`app`] builds the router: [`routes`] (one file per resource) under `/api/v1`, and the
//!   operations endpoints at the root; every failure is an [`error::ApiError`] answered as
//!   `application/problem+json`.
//! - [`auth`]: argon2id on the blocking pool behind a semaphore, 15-minute access JWTs, rotated
//!   opaque refresh tokens, and a login rate limiter kept in the database.
//! - [`store`]: one trait, one SQL implementation for SQLite and PostgreSQL; every query is
//!   scoped by the authenticated user; every change bumps a per-user change sequence (the
//!   future sync pull feed). [`crypto`] seals every payload with AES-256-GCM before it is
//!   stored.

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod config;
pub mod crypto;
pub mod derived_progress;
pub mod error;
pub mod extract;
pub mod identity;
pub mod mail;
pub mod metrics;
pub mod openapi;
pub mod record;
pub mod repo;
pub mod revocation;
pub mod routes;
pub mod serve;
pub mod state;
pub mod store;
pub mod usage;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use axum::response::IntoResponse;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

use crate::auth::{Passwords, Tokens};
use crate::config::{Config, SecretsOrigin};
use crate::crypto::Crypto;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{SqlStore, Store};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids: a random prefix drawn once per process and a counter (`3f9c2a1b7d40e615-42`).
/// Unique across instances for all practical purposes, and free: a random UUID per request was a
/// `getrandom` system call on every request.
#[derive(Clone)]
struct RequestIds {
    prefix: Arc<str>,
    next: Arc<std::sync::atomic::AtomicU64>,
}

impl RequestIds {
    fn new() -> RequestIds {
        let mut b = [0u8; 8];
        let _ = getrandom::fill(&mut b);
        RequestIds {
            prefix: hex::encode(b).into(),
            next: Arc::default(),
        }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        axum::http::HeaderValue::from_str(&format!("{}-{n}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

/// Connects the store (migrating it) and builds the shared state.
pub async fn build_state(config: Config) -> Result<(AppState, SqlStore), String> {
    let store = SqlStore::connect(
        &config.database_url,
        config.db_max_connections,
        config.sqlite_synchronous != "normal",
    )
    .await
    .map_err(|e| format!("cannot open the database: {e}"))?
    .with_quota(config.user_quota_bytes);
    let passwords = Passwords::new(config.argon2_concurrency).map_err(|e| format!("{e:?}"))?;
    let state = AppState::new(state::Shared {
        store: Arc::new(store.clone()),
        crypto: Arc::new(Crypto::new(&config)),
        tokens: Tokens::new(&config.jwt_secret, config.access_ttl_secs),
        passwords,
        revocations: Arc::new(revocation::Revocations::new(Duration::from_secs(
            config.revocation_check_secs,
        ))),
        external: config.external_jwt.clone().map(|e| {
            Arc::new(auth::external::ExternalTokens::new(
                e,
                auth::jwks::http_client(),
                Duration::from_secs(config.revocation_check_secs),
            ))
        }),
        usage: Arc::default(),
        mailer: Arc::new(
            mail::Mailer::new(config.smtp_url.as_deref(), &config.smtp_from)
                .map_err(|e| format!("cannot set up email: {e}"))?,
        ),
        oidc: Arc::new(auth::oidc::Providers::new(
            &config.oidc,
            auth::jwks::http_client(),
        )),
        config: Arc::new(config),
        metrics: Arc::default(),
    });
    Ok((state, store))
}

async fn not_found() -> ApiError {
    ApiError::NoSuchRoute
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    ApiError::Internal("a handler panicked".into()).into_response()
}

/// A client's `x-request-id` is kept (echoed and logged) only when it is 1 to 64 of
/// `[A-Za-z0-9._-]`; anything else is dropped and a new id is made, so no markup or control
/// text reaches a log line or a response header.
async fn keep_only_plain_request_ids<B>(mut req: Request<B>) -> Request<B> {
    let plain = |v: &axum::http::HeaderValue| {
        let b = v.as_bytes();
        (1..=64).contains(&b.len())
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
    };
    if req.headers().get(REQUEST_ID).is_some_and(|v| !plain(v)) {
        req.headers_mut().remove(REQUEST_ID);
    }
    req
}

/// On every response: `X-Content-Type-Options: nosniff` (a browser never reads a JSON body or a
/// static file as anything but its declared type), `X-Frame-Options: DENY` and
/// `Referrer-Policy: no-referrer`; and a Content-Security-Policy: [`PAGE_CSP`] on the static
/// pages, and `default-src 'none'` on everything else (an API answer is never a document).
async fn nosniff(mut res: axum::response::Response) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(API_CSP),
        );
    }
    res
}

/// The Content-Security-Policy of the web demo's files (the page, its scripts and its service
/// worker): everything from this origin only, no inline script or style, WebAssembly compiled
/// by `'wasm-unsafe-eval'` (not `'unsafe-eval'`), never framed.
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
     worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// The Content-Security-Policy of every other answer.
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

fn page_csp<B>(mut res: axum::http::Response<B>) -> axum::http::Response<B> {
    res.headers_mut().insert(
        axum::http::header::CONTENT_SECURITY_POLICY,
        axum::http::HeaderValue::from_static(PAGE_CSP),
    );
    res
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let (router, _) = openapi::routes().split_for_parts();
    let router = router.merge(routes::ops::metrics_with_token_router());
    // The web demo (static files) at `/` when configured; unknown paths stay problem+json 404s.
    let router = match &state.config.static_dir {
        Some(dir) => router.fallback_service(
            tower::ServiceBuilder::new().map_response(page_csp).service(
                tower_http::services::ServeDir::new(dir)
                    .append_index_html_on_directories(true)
                    .fallback(axum::handler::HandlerWithoutStateExt::into_service(
                        not_found,
                    )),
            ),
        ),
        None => router.fallback(not_found),
    };
    router
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(extract::MAX_BODY))
        // Insights derived again after each write that can change them (issue 16).
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            alerts::derive_after_write,
        ))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, RequestIds::new()))
        .layer(axum::middleware::map_request(keep_only_plain_request_ids))
        .layer(axum::middleware::map_response(nosniff))
        .with_state(state)
}

/// The metrics listener's application: `/metrics` only (everything else is 404).
pub fn metrics_app(state: AppState) -> Router {
    routes::ops::metrics_router()
        .fallback(not_found)
        .layer(axum::middleware::map_response(nosniff))
        .with_state(state)
}

/// Prunes old snapshots (per `retention_months`), old tombstones, audit and rate events.
pub async fn prune_once(state: &AppState) -> Result<(), ApiError> {
    let now = chrono::Utc::now();
    for (user, months) in state.store.accounts_with_retention().await? {
        let months = u32::try_from(months).unwrap_or(u32::MAX);
        let cutoff = lifepath_core::models::retention_cutoff(now.date_naive(), months).index();
        let n = state
            .store
            .tombstone_before(user, repo::entity::SNAPSHOT, cutoff)
            .await?;
        if n > 0 {
            state
                .store
                .audit(
                    &audit::AuditEvent::new("snapshot.retention_prune")
                        .user(user)
                        .entity(repo::entity::SNAPSHOT)
                        .details(serde_json::json!({"count": n}))
                        .row(),
                )
                .await?;
        }
    }
    let us = now.timestamp_micros();
    let day = 86_400_000_000i64;
    state
        .store
        .prune(
            us - i64::from(state.config.tombstone_days) * day,
            us - i64::from(state.config.audit_days) * day,
            us,
        )
        .await?;
    Ok(())
}

/// Waits for SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received; finishing requests in flight");
}

/// Runs `lifepath-server admin …` against the configured database (migrated first): the only
/// way to grant or take the `admin` role. The line to print, or why it failed.
pub async fn admin_command(config: Config, action: config::AdminCommand) -> Result<String, String> {
    let (state, _store) = build_state(config).await?;
    let (email, role) = match &action {
        config::AdminCommand::Grant { email } => (email, Some("admin")),
        config::AdminCommand::Revoke { email } => (email, None),
        config::AdminCommand::Metrics { from, to, json } => {
            let (from, to) = routes::admin::metrics_window(from.as_deref(), to.as_deref())
                .map_err(|e| e.to_string())?;
            let report = usage::report(&state, from, to)
                .await
                .map_err(|e| format!("cannot read the metrics: {e}"))?;
            return Ok(if *json {
                serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
            } else {
                usage::table(&report)
            });
        }
    };
    let hash = state
        .crypto
        .email_hash(&lifepath_core::models::normalize_email(email));
    let user = state
        .store
        .set_role(&hash, role)
        .await
        .map_err(|e| format!("cannot update the account: {e}"))?
        .ok_or_else(|| format!("no account has the email {email}"))?;
    let action_name = if role.is_some() {
        "admin.role_granted"
    } else {
        "admin.role_revoked"
    };
    state
        .store
        .audit(
            &audit::AuditEvent::new(action_name)
                .user(user)
                .record(repo::entity::USER, user)
                .details(serde_json::json!({"by": "command_line"}))
                .row(),
        )
        .await
        .map_err(|e| format!("cannot record the audit event: {e}"))?;
    Ok(match role {
        Some(_) => format!("{email} ({user}) now holds the admin role"),
        None => format!("{email} ({user}) no longer holds the admin role"),
    })
}

/// Runs the server until a shutdown signal.
pub async fn run(config: Config) -> Result<(), String> {
    match &config.secrets_origin {
        SecretsOrigin::DevGenerated(p) => tracing::warn!(
            path = %p.display(),
            "development mode: generated new secrets and saved them (mode 0600); use \
             --production with LIFEPATH_JWT_SECRET and LIFEPATH_ENCRYPTION_KEY in production"
        ),
        SecretsOrigin::DevFile(p) => {
            tracing::info!(path = %p.display(), "development mode: using saved secrets")
        }
        SecretsOrigin::Configured => tracing::info!("secrets from configuration"),
    }
    let bind = config.bind;
    tracing::info!(database = %config::redact_url(&config.database_url), "opening database");
    let (state, store) = build_state(config).await?;
    let pruner = {
        let state = state.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = prune_once(&state).await {
                    tracing::warn!(error = %e, "pruning failed");
                }
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
        })
    };
    // The alerts' outbox: worked by every instance (rows are claimed, never sent twice).
    let _alerts = alerts::deliver::spawn(state.clone());
    // The success metrics in /metrics: computed on a schedule, never per scrape.
    let success = {
        let state = state.clone();
        tokio::spawn(async move {
            loop {
                let now = lifepath_core::Period::of_date(chrono::Utc::now().date_naive());
                match usage::report(&state, now, now).await {
                    Ok(r) => state.metrics.set_success(&r),
                    Err(e) => tracing::warn!(error = %e, "success metrics not computed"),
                }
                tokio::time::sleep(Duration::from_secs(600)).await;
            }
        })
    };
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let limits = serve::Limits::from_config(&state.config);
    // One shutdown signal for both listeners.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    if let Some(mbind) = state.config.metrics_bind {
        let maddr = serve::serve_metrics(
            mbind,
            metrics_app(state.clone()),
            limits,
            stopped(stop_rx.clone()),
        )
        .await?;
        tracing::info!(addr = %maddr, "metrics listening");
    }
    tracing::info!(
        %addr,
        dialect = store.dialect(),
        max_connections = limits.max_connections,
        "lifepath-server listening"
    );
    serve::serve(listener, app(state), limits, stopped(stop_rx)).await;
    pruner.abort();
    success.abort();
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}
