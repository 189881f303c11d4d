//! The ceiling for the server benchmark (`scripts/bench-server.sh`): a bare axum endpoint that
//! checks the same HS256 bearer token as lifepath (the very `Tokens::check` of the server, so
//! the same algorithm, leeway and claims) and answers a fixed body of a snapshot's size. No
//! database, no decryption, no middleware: what lifepath's authenticated read is compared with.
//!
//! `cargo run --release -p lifepath-sync-server --example bare -- <bind> <jwt-secret> <body-file>`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use lifepath_sync_server::auth::Tokens;

/// The same allocator as the server binary, so the ratio compares the work, not the allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Clone)]
struct Ceiling {
    tokens: Tokens,
    body: Bytes,
}

async fn read(State(c): State<Ceiling>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token.map(|t| c.tokens.check(t.trim())) {
        Some(Ok(_)) => {
            ([(header::CONTENT_TYPE, "application/json")], c.body.clone()).into_response()
        }
        _ => StatusCode::UNAUTHORIZED.into_response(),
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bind = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:18182".into());
    let secret = args.get(2).expect("the JWT secret");
    let body = std::fs::read(args.get(3).expect("the body file")).expect("readable body file");
    let state = Ceiling {
        tokens: Tokens::new(secret.as_bytes(), 900),
        body: Bytes::from(body),
    };
    let app = Router::new().route("/bare", get(read)).with_state(state);
    let listener = tokio::net::TcpListener::bind(&bind).await.unwrap();
    axum::serve(listener, app).await.unwrap();
}
