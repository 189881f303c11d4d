//! Test harness: serves `app()` on 127.0.0.1:0 over a fresh database — a temporary SQLite file
//! by default, or a new PostgreSQL database when `LIFEPATH_TEST_PG_URL` names a server (an
//! admin URL; each test gets its own `lp_test_*` database).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use lifepath_sync_server::config::Config;
use lifepath_sync_server::state::AppState;
use lifepath_sync_server::{app, build_state};
use reqwest::Method;
use serde_json::{Value, json};

/// A running test server.
pub struct Server {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub sqlite_path: Option<PathBuf>,
    pub ip: String,
    pub dialect: &'static str,
    pub database_url: String,
}

/// A response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

/// A registered user.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub email: String,
    pub password: String,
    pub token: String,
    pub refresh: String,
}

pub fn pg_admin_url() -> Option<String> {
    std::env::var("LIFEPATH_TEST_PG_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

async fn database_url() -> (String, Option<PathBuf>) {
    match pg_admin_url() {
        Some(admin) => {
            use sqlx::Connection;
            sqlx::any::install_default_drivers();
            let name = format!("lp_test_{}", uuid::Uuid::new_v4().simple());
            let mut c = sqlx::AnyConnection::connect(&admin)
                .await
                .expect("connect to PostgreSQL");
            sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
                .execute(&mut c)
                .await
                .expect("create test database");
            let base = admin
                .rsplit_once('/')
                .map(|(b, _)| b.to_owned())
                .unwrap_or(admin.clone());
            (format!("{base}/{name}"), None)
        }
        None => {
            let dir = std::env::temp_dir().join(format!("lifepath-test-{}", uuid::Uuid::new_v4()));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("test.db");
            (format!("sqlite://{}", path.display()), Some(path))
        }
    }
}

impl Server {
    pub async fn start() -> Server {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> Server {
        let (url, sqlite_path) = database_url().await;
        Self::start_on(url, sqlite_path, tweak).await
    }

    /// Another instance on this server's database (as a second process behind a balancer).
    pub async fn another_instance(&self, tweak: impl FnOnce(&mut Config)) -> Server {
        let mut other =
            Self::start_on(self.database_url.clone(), self.sqlite_path.clone(), tweak).await;
        other.ip = self.ip.clone();
        other
    }

    async fn start_on(
        url: String,
        sqlite_path: Option<PathBuf>,
        tweak: impl FnOnce(&mut Config),
    ) -> Server {
        let database_url = url.clone();
        // The server's error log in the test's captured output (printed when a test fails):
        // an answer of 500 then says its cause.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("error"))
            .with_test_writer()
            .try_init();
        // Bound first, so the configuration knows its public address (OpenID redirect URIs).
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut config = Config::for_tests(&url);
        config.public_url = Some(format!("http://{addr}"));
        tweak(&mut config);
        let (state, store) = build_state(config).await.expect("state");
        use lifepath_sync_server::store::Store;
        let dialect = store.dialect();
        assert_eq!(
            dialect,
            if pg_admin_url().is_some() {
                "postgres"
            } else {
                "sqlite"
            }
        );
        let router = app(state.clone());
        let limits = lifepath_sync_server::serve::Limits::from_config(&state.config);
        tokio::spawn(lifepath_sync_server::serve::serve(
            listener,
            router,
            limits,
            std::future::pending(),
        ));
        let n = uuid::Uuid::new_v4().as_bytes().to_owned();
        Server {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            state,
            sqlite_path,
            ip: format!("10.{}.{}.{}", n[0], n[1], n[2]),
            dialect,
            database_url,
        }
    }

    pub async fn raw(&self, req: reqwest::RequestBuilder) -> Resp {
        let res = req
            .header("x-forwarded-for", &self.ip)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    pub fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let url = if path.starts_with('/')
            && !path.starts_with("/api")
            && !path.starts_with("/healthz")
            && !path.starts_with("/readyz")
            && !path.starts_with("/metrics")
            && !path.starts_with("/openapi")
        {
            format!("{}/api/v1{path}", self.base)
        } else {
            format!("{}{path}", self.base)
        };
        self.client.request(method, url)
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut r = self.req(method, path);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        self.raw(r).await
    }

    pub async fn get(&self, path: &str, u: &User) -> Resp {
        self.call(Method::GET, path, Some(&u.token), None).await
    }
    pub async fn post(&self, path: &str, u: &User, body: Value) -> Resp {
        self.call(Method::POST, path, Some(&u.token), Some(body))
            .await
    }
    pub async fn patch(&self, path: &str, u: &User, body: Value) -> Resp {
        self.call(Method::PATCH, path, Some(&u.token), Some(body))
            .await
    }
    pub async fn delete(&self, path: &str, u: &User) -> Resp {
        self.call(Method::DELETE, path, Some(&u.token), None).await
    }

    pub async fn register_with(&self, email: &str, currency: &str) -> User {
        let password = "correct horse battery".to_owned();
        let r = self
            .call(
                Method::POST,
                "/users",
                None,
                Some(json!({"email": email, "password": password, "currency": currency})),
            )
            .await;
        assert_eq!(r.status, 201, "register: {}", r.text);
        User {
            id: r.body["user"]["id"].as_str().unwrap().to_owned(),
            email: email.to_owned(),
            password,
            token: r.body["access_token"].as_str().unwrap().to_owned(),
            refresh: r.body["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    /// `POST /users/login` with this email and password.
    pub async fn login(&self, email: &str, password: &str) -> Resp {
        self.call(
            Method::POST,
            "/users/login",
            None,
            Some(json!({"email": email, "password": password})),
        )
        .await
    }

    /// `POST /users/refresh` with this refresh token.
    pub async fn refresh(&self, refresh_token: &Value) -> Resp {
        self.call(
            Method::POST,
            "/users/refresh",
            None,
            Some(json!({"refresh_token": refresh_token})),
        )
        .await
    }

    pub async fn register(&self, email: &str) -> User {
        self.register_with(email, "USD").await
    }
}

/// A small valid budget model with one expense in `category` of `amount`.
pub fn budget(income: &str, category: &str, amount: &str) -> Value {
    json!({
        "incomes": [{"id": "i1", "name": "Salary", "type": "earned", "monthly_amount": income, "stability": "stable"}],
        "expenses": [
            {"id": "e1", "name": "Rent", "category": "housing", "monthly_amount": "1200.00", "essential": true},
            {"id": "e2", "name": "Fun", "category": category, "monthly_amount": amount, "essential": false}
        ],
        "debts": []
    })
}

/// Asserts a problem+json body with `status`.
pub fn assert_problem(r: &Resp, status: u16) {
    assert_eq!(r.status, status, "expected {status}: {}", r.text);
    let ct = r
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert_eq!(ct, "application/problem+json", "{}", r.text);
    for k in ["type", "title", "status", "detail", "code"] {
        assert!(r.body.get(k).is_some(), "problem without {k}: {}", r.text);
    }
    assert_eq!(r.body["status"], status);
    let lower = r.text.to_lowercase();
    for leak in [
        "select ",
        "insert ",
        "sqlx",
        "panicked",
        "/work/",
        "src/",
        "sqlite_",
        "syntax error at",
    ] {
        assert!(!lower.contains(leak), "response leaks {leak:?}: {}", r.text);
    }
}

/// JSON equality with a relative tolerance of 1e-9 for floating-point numbers.
pub fn assert_json_close(path: &str, got: &Value, want: &Value) {
    match (got, want) {
        (Value::Number(a), Value::Number(b)) if a.is_f64() || b.is_f64() => {
            let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
            let tol = 1e-9 * a.abs().max(b.abs()).max(1.0);
            assert!((a - b).abs() <= tol, "{path}: {a} != {b}");
        }
        (Value::Object(a), Value::Object(b)) => {
            let ka: Vec<_> = a.keys().collect();
            let kb: Vec<_> = b.keys().collect();
            assert_eq!(ka, kb, "{path}: keys differ");
            for (k, v) in a {
                assert_json_close(&format!("{path}.{k}"), v, &b[k]);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{path}: lengths differ");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_json_close(&format!("{path}[{i}]"), x, y);
            }
        }
        _ => assert_eq!(got, want, "{path}"),
    }
}

/// The real SMTP server the test script starts (tests/smtp/server.py, aiosmtpd on loopback):
/// its URL and the folder where each received message is a file. `None`, after printing why
/// the test is skipped, when the script did not start one (a plain `cargo test`).
pub fn smtp_or_skip() -> Option<(String, String)> {
    let url = std::env::var("LIFEPATH_TEST_SMTP_URL").unwrap_or_default();
    let dir = std::env::var("LIFEPATH_TEST_SMTP_DIR").unwrap_or_default();
    if url.is_empty() || dir.is_empty() {
        println!(
            "SKIPPED: LIFEPATH_TEST_SMTP_URL / _DIR not set (scripts/test-server.sh starts the \
             SMTP server tests/smtp/server.py and sets them)"
        );
        return None;
    }
    Some((url, dir))
}

/// A server that sends its email through the SMTP server at `url`, from `from`.
pub async fn mail_server(url: String, from: &str) -> Server {
    let from = from.to_owned();
    Server::start_with(move |c| {
        c.smtp_url = Some(url);
        c.smtp_from = from;
    })
    .await
}

/// The messages received for `to` so far, oldest first, with quoted-printable soft line
/// breaks and `=3D` undone (so a link reads as it was written).
pub fn messages(dir: &str, to: &str) -> Vec<String> {
    let mut found: Vec<(u32, String)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let n = name
                .strip_prefix(&format!("{to}-"))?
                .strip_suffix(".eml")?
                .parse()
                .ok()?;
            Some((n, std::fs::read_to_string(e.path()).unwrap()))
        })
        .collect();
    found.sort();
    found
        .into_iter()
        .map(|(_, m)| {
            m.replace("=\r\n", "")
                .replace("=\n", "")
                .replace("=3D", "=")
        })
        .collect()
}
