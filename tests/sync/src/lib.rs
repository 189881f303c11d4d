//! Harness for the sync stories: a real lifepath server (in process on a real socket, or the
//! real binary as a child process), an HTTP client for it, and devices — native
//! [`SyncEngine`]s that talk to the server over HTTP exactly as the browser package does.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lifepath_core::sync::{
    EntityKind, MemoryStore, PullResponse, PullSummary, PushRequest, PushResponse, PushSummary,
    SyncEngine,
};
use lifepath_sync_server::config::Config;
use serde_json::{Value, json};

/// A running server and where to reach it.
pub struct ServerHandle {
    pub base: String,
    child: Option<Child>,
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A fresh SQLite database file in a temporary directory.
pub fn temp_sqlite() -> String {
    let dir = std::env::temp_dir().join(format!("lifepath-sync-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    format!("sqlite://{}", dir.join("sync.db").display())
}

/// The server in this process, on a real TCP socket (`synchronous` is the SQLite setting).
pub async fn start_in_process(database_url: &str, synchronous: &str) -> ServerHandle {
    start_in_process_with(database_url, |c| {
        c.sqlite_synchronous = synchronous.to_owned()
    })
    .await
    .0
}

/// The server in this process with its configuration changed by `tweak`, and its state (to run
/// its maintenance, such as `prune_once`, from a test).
pub async fn start_in_process_with(
    database_url: &str,
    tweak: impl FnOnce(&mut Config),
) -> (ServerHandle, lifepath_sync_server::state::AppState) {
    let mut config = Config::for_tests(database_url);
    tweak(&mut config);
    let (state, _store) = lifepath_sync_server::build_state(config)
        .await
        .expect("server state");
    let kept = state.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = lifepath_sync_server::app(state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    (
        ServerHandle {
            base: format!("http://{addr}"),
            child: None,
        },
        kept,
    )
}

/// The `lifepath-server` binary next to this test executable (cargo builds it for the
/// workspace), or `LIFEPATH_SERVER_BIN`.
pub fn server_binary() -> PathBuf {
    if let Ok(p) = std::env::var("LIFEPATH_SERVER_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap();
    let mut dir = exe.parent().unwrap().to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir.join("lifepath-server")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The real server binary as a separate process on `database_url` (shared secrets, so several
/// instances serve the same users).
pub async fn spawn_binary(database_url: &str) -> ServerHandle {
    let bin = server_binary();
    assert!(
        bin.exists(),
        "{} missing: build it with `cargo build -p lifepath-sync-server`",
        bin.display()
    );
    let port = free_port();
    let child = Command::new(&bin)
        .env("DATABASE_URL", database_url)
        .env("LIFEPATH_BIND", format!("127.0.0.1:{port}"))
        .env(
            "LIFEPATH_JWT_SECRET",
            "sync-test-secret-sync-test-secret-0123",
        )
        .env(
            "LIFEPATH_ENCRYPTION_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        )
        .env("LIFEPATH_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let h = ServerHandle {
        base: format!("http://127.0.0.1:{port}"),
        child: Some(child),
    };
    let c = reqwest::Client::new();
    let start = Instant::now();
    loop {
        if let Ok(r) = c.get(format!("{}/readyz", h.base)).send().await
            && r.status().is_success()
        {
            return h;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "server did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One logged-in user on one server.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub token: String,
    pub user_id: String,
    pub client: reqwest::Client,
}

impl Api {
    /// Registers a new user.
    pub async fn register(base: &str, email: &str) -> Api {
        let client = reqwest::Client::new();
        let r = client
            .post(format!("{base}/api/v1/users"))
            .header("x-forwarded-for", random_ip())
            .json(&json!({"email": email, "password": "sync test password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let body: Value = r.json().await.unwrap();
        Api {
            base: base.to_owned(),
            token: body["access_token"].as_str().unwrap().to_owned(),
            user_id: body["user"]["id"].as_str().unwrap().to_owned(),
            client,
        }
    }

    /// The same user on another server (tokens are valid on every instance).
    pub fn on(&self, base: &str) -> Api {
        Api {
            base: base.to_owned(),
            ..self.clone()
        }
    }

    /// `POST /sync/push`.
    pub async fn push(&self, req: &PushRequest) -> PushResponse {
        let r = self
            .client
            .post(format!("{}/api/v1/sync/push", self.base))
            .bearer_auth(&self.token)
            .json(req)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        assert!(status.is_success(), "push: {status} {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// `GET /sync/pull`, the body as text.
    pub async fn pull_text(&self, since: Option<&str>, limit: u32) -> String {
        let (status, text) = self.pull_status(since, limit).await;
        assert!((200..300).contains(&status), "pull: {status} {text}");
        text
    }

    /// `GET /sync/pull`: the status and the body as text, whatever the status.
    pub async fn pull_status(&self, since: Option<&str>, limit: u32) -> (u16, String) {
        let mut url = format!("{}/api/v1/sync/pull?limit={limit}", self.base);
        if let Some(c) = since {
            url.push_str(&format!("&since={c}"));
        }
        let r = self
            .client
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, text)
    }

    /// `GET /sync/pull`.
    pub async fn pull(&self, since: Option<&str>, limit: u32) -> PullResponse {
        serde_json::from_str(&self.pull_text(since, limit).await).unwrap()
    }

    /// The whole feed from the beginning: the server's state of every record.
    pub async fn feed(&self) -> Vec<lifepath_core::sync::Change> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self.pull(cursor.as_deref(), 1000).await;
            out.extend(page.changes);
            cursor = Some(page.cursor);
            if !page.has_more {
                return out;
            }
        }
    }
}

fn random_ip() -> String {
    let b = uuid::Uuid::new_v4().into_bytes();
    format!("10.{}.{}.{}", b[0], b[1], b[2])
}

/// A device: a native engine with its own copy, syncing over HTTP.
pub struct Device {
    pub engine: SyncEngine<MemoryStore>,
    pub api: Api,
}

/// What one sync of a device did.
#[derive(Default, Debug)]
pub struct SyncOutcome {
    pub pushes: Vec<(PushRequest, PushResponse, PushSummary)>,
    pub pulls: Vec<PullSummary>,
    /// The server refused the cursor and the pull started over from the beginning.
    pub started_over: bool,
}

impl Device {
    pub fn new(api: Api) -> Device {
        Device {
            engine: SyncEngine::new(MemoryStore::default()),
            api,
        }
    }

    /// Pushes every pending batch (of `batch`), then pulls every page.
    pub async fn sync(&mut self, batch: usize) -> SyncOutcome {
        let mut out = SyncOutcome::default();
        while let Some(req) = self.engine.next_push(batch) {
            let res = self.api.push(&req).await;
            let summary = self.engine.apply_push_response(&res).unwrap();
            out.pushes.push((req, res, summary));
        }
        self.pull_all(&mut out).await;
        out
    }

    /// Pulls every page; from the beginning when the server refuses the cursor (410
    /// `cursor_expired`), as the package's `syncOnce` does.
    pub async fn pull_all(&mut self, out: &mut SyncOutcome) {
        loop {
            let since = self.engine.cursor();
            let (status, text) = self.api.pull_status(since.as_deref(), 500).await;
            if status == 410 && since.is_some() && !out.started_over {
                let problem: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(problem["code"], "cursor_expired", "{text}");
                self.engine.begin_full_pull();
                out.started_over = true;
                continue;
            }
            assert_eq!(status, 200, "pull: {text}");
            let page: PullResponse = serde_json::from_str(&text).unwrap();
            out.pulls.push(self.engine.apply_pull(&page).unwrap());
            if !page.has_more {
                return;
            }
        }
    }

    /// The device's live records, by entity and id.
    pub fn live(&self) -> Vec<(String, String, Value)> {
        sorted(
            self.engine
                .store()
                .records
                .values()
                .filter(|r| !r.deleted)
                .map(|r| (r.entity, r.id, r.data.clone())),
        )
    }
}

/// The server's live records, by entity and id, from the feed.
pub fn live_of_feed(feed: &[lifepath_core::sync::Change]) -> Vec<(String, String, Value)> {
    sorted(
        feed.iter()
            .filter(|c| !c.deleted)
            .map(|c| (c.entity, c.id, c.data.clone())),
    )
}

fn sorted(
    items: impl Iterator<Item = (EntityKind, uuid::Uuid, Option<Value>)>,
) -> Vec<(String, String, Value)> {
    let mut v: Vec<(String, String, Value)> = items
        .map(|(e, id, d)| {
            (
                e.as_str().to_owned(),
                id.to_string(),
                d.unwrap_or(Value::Null),
            )
        })
        .collect();
    v.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    v
}

/// A valid goal record.
pub fn goal(id: &str, name: &str, target: u32, updated_at: &str) -> Value {
    json!({"id": id, "name": name, "goal_type": "savings_target", "category": "vacation",
        "priority": "medium", "target_amount": format!("{target}.00"), "current_amount": "0.00",
        "start_date": "2026-01-01", "target_date": "2028-06-30", "status": "active",
        "created_at": "2026-01-01T00:00:00Z", "updated_at": updated_at})
}

/// A valid snapshot record of a month.
pub fn snapshot(id: &str, year: i32, month: u32, groceries: u32, updated_at: &str) -> Value {
    json!({"id": id, "period_year": year, "period_month": month, "currency": "USD",
        "budget_model": {
            "incomes": [{"id": "pay", "name": "Salary", "monthly_amount": "5000.00"}],
            "expenses": [
                {"id": "rent", "name": "Rent", "category": "housing", "monthly_amount": "1500.00", "essential": true},
                {"id": "food", "name": "Groceries", "category": "groceries", "monthly_amount": format!("{groceries}.00"), "essential": true}],
            "debts": []},
        "total_income": "0.00", "total_expenses": "0.00", "surplus": "0.00", "savings_rate": null,
        "category_totals": {}, "created_at": "2026-01-01T00:00:00Z", "updated_at": updated_at})
}
