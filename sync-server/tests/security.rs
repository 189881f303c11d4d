//! Issue 20 (smaller items): the bearer scheme in any case, request ids kept only when plain,
//! browser-grade headers on API responses, the SQLite file readable by its owner only, and no
//! bidirectional controls in names.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let s = Server::start().await;
    let u = s.register("scheme@example.com").await;
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let r = s
            .raw(
                s.req(Method::GET, "/users/me")
                    .header("authorization", format!("{scheme} {}", u.token)),
            )
            .await;
        assert_eq!(r.status, 200, "{scheme}: {}", r.text);
    }
    for bad in [
        format!("Basic {}", u.token),
        u.token.clone(),
        "Bearer".to_owned(),
    ] {
        let r = s
            .raw(s.req(Method::GET, "/users/me").header("authorization", bad))
            .await;
        assert_problem(&r, 401);
    }
}

#[tokio::test]
async fn a_request_id_is_echoed_only_when_plain() {
    let s = Server::start().await;
    let id = |r: &Resp| {
        r.headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let r = s
        .raw(
            s.req(Method::GET, "/healthz")
                .header("x-request-id", "trace-1.2_3"),
        )
        .await;
    assert_eq!(id(&r), "trace-1.2_3");
    for bad in ["abc<script>", "a b", &"x".repeat(65), "naïve"] {
        let r = s
            .raw(s.req(Method::GET, "/healthz").header("x-request-id", bad))
            .await;
        let got = id(&r);
        assert!(
            !got.is_empty() && got != bad,
            "{bad:?} came back as {got:?}"
        );
        assert!(
            got.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "{got}"
        );
    }
}

#[tokio::test]
async fn api_responses_carry_nosniff_and_account_responses_no_store() {
    let s = Server::start().await;
    let u = s.register("headers@example.com").await;
    let header = |r: &Resp, name: &str| {
        r.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let login = s.login(&u.email, &u.password).await;
    let refresh = s.refresh(&json!(login.body["refresh_token"])).await;
    for r in [
        &login,
        &refresh,
        &s.get("/users/me", &u).await,
        &s.get("/users/me/export", &u).await,
        &s.call(Method::GET, "/users/me", None, None).await,
    ] {
        assert_eq!(header(r, "cache-control"), "no-store", "{}", r.text);
        assert_eq!(header(r, "x-content-type-options"), "nosniff");
    }
    for r in [
        &s.get("/goals", &u).await,
        &s.call(Method::GET, "/healthz", None, None).await,
        &s.call(Method::GET, "/nope", None, None).await,
    ] {
        assert_eq!(header(r, "x-content-type-options"), "nosniff", "{}", r.text);
    }
}

#[cfg(unix)]
#[tokio::test]
async fn the_sqlite_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let s = Server::start().await;
    let Some(path) = s.sqlite_path.clone() else {
        println!("SKIPPED the file-mode check under PostgreSQL: it is about the SQLite file");
        return;
    };
    s.register("mode@example.com").await;
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    for p in [path.clone(), std::path::PathBuf::from(wal)] {
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} is {mode:o}", p.display());
    }
}

#[tokio::test]
async fn names_with_bidirectional_controls_are_refused() {
    let s = Server::start().await;
    let u = s.register("bidi@example.com").await;
    let r = s
        .post(
            "/goals",
            &u,
            json!({"name": "Trip\u{202E}gpj.exe", "goal_type": "savings_target",
                   "category": "vacation", "priority": "medium", "target_amount": "10.00",
                   "start_date": "2026-01-01"}),
        )
        .await;
    assert_problem(&r, 422);
    assert_eq!(r.body["errors"][0]["field"], "name");
    let r = s
        .patch("/users/me", &u, json!({"display_name": "Ana\u{2066}"}))
        .await;
    assert_problem(&r, 422);
}

#[tokio::test]
async fn common_passwords_and_the_email_are_refused() {
    let s = Server::start().await;
    for (email, password) in [
        ("common@example.com", "password1"),
        ("common@example.com", "Iloveyou"),
        ("same@example.com", "same@example.com"),
        ("mary.jones@example.com", "Mary.Jones"),
    ] {
        let r = s
            .call(
                Method::POST,
                "/users",
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await;
        assert_problem(&r, 422);
        assert_eq!(r.body["errors"][0]["field"], "password", "{}", r.text);
    }
    // A password change meets the same rules.
    let u = s.register("changer@example.com").await;
    for new in ["trustno1", "changer@example.com"] {
        let r = s
            .post(
                "/users/me/password",
                &u,
                json!({"current_password": u.password, "new_password": new}),
            )
            .await;
        assert_problem(&r, 422);
        assert_eq!(r.body["errors"][0]["field"], "new_password", "{}", r.text);
    }
}

#[tokio::test]
async fn type_errors_are_said_in_words_not_rust_types() {
    let s = Server::start().await;
    let u = s.register("words@example.com").await;
    let r = s
        .post(
            "/budgets/snapshots",
            &u,
            json!({"year": "twenty", "month": 1, "budget_model": 5}),
        )
        .await;
    assert_problem(&r, 422);
    let text = r.text.clone();
    for rust in [
        "u8", "u16", "u32", "i32", "i64", "struct ", "enum ", "expected",
    ] {
        assert!(!text.contains(rust), "{rust} in {text}");
    }
    assert!(text.contains("must be"), "{text}");
}
