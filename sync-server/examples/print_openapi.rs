//! Prints the server's OpenAPI document (`/openapi.json`) to stdout, for generators such as
//! the npm package's typed client: `cargo run -p lifepath-sync-server --example print_openapi`.

fn main() {
    let doc = lifepath_sync_server::openapi::document_json();
    println!(
        "{}",
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    );
}
