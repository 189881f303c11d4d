//! Issue 12: a log redirected to a file holds no terminal colour codes; `LIFEPATH_LOG_FORMAT=json`
//! writes one JSON object per line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Starts the real binary with stdout to a file, waits for its "listening" line, stops it and
/// returns what it wrote.
fn log_of(format: &str) -> String {
    let dir = std::env::temp_dir().join(format!("lifepath-logs-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("server.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_lifepath-server"))
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/logs.db", dir.display()),
        )
        .env("LIFEPATH_BIND", "127.0.0.1:0")
        .env("LIFEPATH_LOG_FORMAT", format)
        .env("LIFEPATH_LOG", "info")
        .stdout(Stdio::from(std::fs::File::create(&out).unwrap()))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let text = loop {
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        if text.contains("listening") || start.elapsed() > Duration::from_secs(30) {
            break text;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        text.contains("listening"),
        "the server did not start: {text}"
    );
    text
}

#[test]
fn text_logs_to_a_file_have_no_escape_codes() {
    let text = log_of("text");
    assert!(
        !text.contains('\u{1b}'),
        "ANSI escape in a file log: {text:?}"
    );
    assert!(text.contains("INFO"), "{text}");
}

#[test]
fn json_logs_are_one_object_per_line() {
    let text = log_of("json");
    assert!(!text.contains('\u{1b}'), "{text:?}");
    let mut n = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert!(
            v.get("level").is_some() && v.get("timestamp").is_some(),
            "{line}"
        );
        n += 1;
    }
    assert!(n >= 2, "{text}");
}
