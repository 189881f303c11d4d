//! Issue 20 §3: connections have timeouts, a cap, and a bounded graceful shutdown; `/metrics`
//! lives on its own listener. Each timeout is set short here and checked on a raw socket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use lifepath_sync_server::serve::{Limits, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn limits() -> Limits {
    Limits {
        header_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(2),
        idle_timeout: Duration::from_secs(3),
        max_connections: 1000,
        shutdown_timeout: Duration::from_secs(1),
    }
}

/// Serves the app of `s` again on a new port with `limits`; the address and a shutdown switch.
async fn serve_with(
    s: &Server,
    limits: Limits,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = lifepath_sync_server::app(s.state.clone());
    let task = tokio::spawn(serve(listener, app, limits, async move {
        let _ = rx.await;
    }));
    (addr, tx, task)
}

/// Reads until the peer closes; how long that took (answers received before are skipped).
async fn closed_after(c: &mut TcpStream, within: Duration) -> Duration {
    let start = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(within.saturating_sub(start.elapsed()), c.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return start.elapsed(),
            Ok(Ok(_)) => continue,
            Err(_) => panic!("the connection was still open after {within:?}"),
        }
    }
}

#[tokio::test]
async fn half_sent_headers_are_closed_after_the_header_timeout() {
    let s = Server::start().await;
    let (addr, _stop, _) = serve_with(&s, limits()).await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let t = closed_after(&mut c, Duration::from_secs(6)).await;
    assert!(t < Duration::from_millis(2500), "{t:?}");
}

#[tokio::test]
async fn an_idle_socket_and_an_idle_keep_alive_are_closed() {
    let s = Server::start().await;
    let (addr, _stop, _) = serve_with(&s, limits()).await;
    // A socket that never sends a byte.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    // A keep-alive connection after one answered request.
    let mut kept = TcpStream::connect(addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = kept.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let t = closed_after(&mut idle, Duration::from_secs(8)).await;
    assert!(
        t < Duration::from_millis(4500),
        "idle socket closed after {t:?}"
    );
    let t = closed_after(&mut kept, Duration::from_secs(8)).await;
    assert!(
        t < Duration::from_millis(4500),
        "keep-alive closed after {t:?}"
    );
}

#[tokio::test]
async fn a_stalled_body_is_closed_after_the_body_timeout() {
    let s = Server::start().await;
    let (addr, _stop, _) = serve_with(&s, limits()).await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(
        b"POST /api/v1/users/login HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n\
          content-length: 100\r\n\r\n{\"email\":",
    )
    .await
    .unwrap();
    let t = closed_after(&mut c, Duration::from_secs(8)).await;
    assert!(t < Duration::from_millis(3500), "{t:?}");
}

#[tokio::test]
async fn at_the_cap_the_oldest_idle_connection_makes_room() {
    let s = Server::start().await;
    let mut l = limits();
    l.max_connections = 3;
    l.idle_timeout = Duration::from_secs(30);
    l.header_timeout = Duration::from_secs(30);
    l.body_timeout = Duration::from_secs(30);
    let (addr, _stop, _) = serve_with(&s, l).await;
    // A request in flight (its body never finishes): never evicted.
    let mut busy = TcpStream::connect(addr).await.unwrap();
    busy.write_all(
        b"POST /api/v1/users/login HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n\
          content-length: 100\r\n\r\n{",
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut oldest_idle = TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let _newer_idle = TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // A fourth connection over a cap of 3 is served at once…
    let start = Instant::now();
    let mut fourth = TcpStream::connect(addr).await.unwrap();
    fourth
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(3), fourth.read(&mut buf))
        .await
        .expect("served")
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    // …because the oldest idle one was closed; the busy one is still open.
    closed_after(&mut oldest_idle, Duration::from_secs(1)).await;
    assert!(
        tokio::time::timeout(Duration::from_millis(300), busy.read(&mut buf))
            .await
            .is_err(),
        "the connection with a request in flight was closed"
    );
}

#[tokio::test]
async fn graceful_shutdown_is_bounded() {
    let s = Server::start().await;
    let mut l = limits();
    l.body_timeout = Duration::from_secs(60);
    let (addr, stop, task) = serve_with(&s, l).await;
    // A request in flight whose body never finishes.
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(
        b"POST /api/v1/users/login HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n\
          content-length: 100\r\n\r\n{",
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let start = Instant::now();
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("shutdown finished")
        .unwrap();
    let t = start.elapsed();
    assert!(
        t >= Duration::from_millis(900) && t < Duration::from_secs(3),
        "{t:?}"
    );
    // The listener is closed.
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn metrics_are_served_on_their_own_listener_only() {
    let s = Server::start().await;
    let r = s.call(reqwest::Method::GET, "/metrics", None, None).await;
    assert_problem(&r, 404);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(
        listener,
        lifepath_sync_server::metrics_app(s.state.clone()),
        limits(),
        std::future::pending(),
    ));
    let text = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("lifepath_http_requests_total{class=\"2xx\"}"),
        "{text}"
    );
    let r = reqwest::get(format!("http://{addr}/api/v1/users/me"))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

#[tokio::test]
async fn metrics_on_the_api_port_need_the_metrics_token() {
    let s = Server::start_with(|c| c.metrics_token = Some("m-token-123".into())).await;
    let get = |auth: Option<&'static str>| {
        let mut req = s.client.get(format!("{}/metrics", s.base));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        req.send()
    };
    assert_eq!(get(None).await.unwrap().status().as_u16(), 401);
    assert_eq!(
        get(Some("Bearer wrong-token"))
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    let r = get(Some("Bearer m-token-123")).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("lifepath_http_requests_total")
    );
}
