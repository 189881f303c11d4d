//! The HTTP listener: hyper's HTTP/1 connection driver with the limits `axum::serve` does not
//! have (issue 20 §3: partial headers, idle sockets and slow bodies were all still open after
//! 95 s, and ~10,000 idle sockets exhausted the file limit):
//!
//! - a **header-read timeout** (`LIFEPATH_HEADER_TIMEOUT_SECS`, 10 s): hyper closes a
//!   connection whose request head is not complete in time;
//! - a **body-read timeout** (`LIFEPATH_BODY_TIMEOUT_SECS`, 30 s) and an **idle keep-alive
//!   timeout** (`LIFEPATH_IDLE_TIMEOUT_SECS`, 60 s): [`Watched`] closes a connection that
//!   moves no byte either way for that long, the first while a request is in flight, the
//!   second between requests;
//! - a **cap on open connections** (`LIFEPATH_MAX_CONNECTIONS`, ¾ of the file limit, which is
//!   raised to its hard maximum at start), so the process never runs out of file descriptors:
//!   a connection that arrives at the cap closes the **oldest idle** connection (one with no
//!   request in flight) to take its place, so a flood of idle sockets cannot keep a real
//!   request out; when every connection is busy, it waits for one to finish;
//! - a **bounded graceful shutdown** (`LIFEPATH_SHUTDOWN_TIMEOUT_SECS`, 10 s): on SIGTERM the
//!   listener closes, idle connections close, requests in flight get that long to finish.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

/// The connection limits.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Time to send a request head.
    pub header_timeout: Duration,
    /// Time a request in flight may go without a byte either way.
    pub body_timeout: Duration,
    /// Time a connection between requests may stay open without a byte.
    pub idle_timeout: Duration,
    /// Open connections at most.
    pub max_connections: usize,
    /// How long shutdown waits for requests in flight.
    pub shutdown_timeout: Duration,
}

impl Limits {
    /// The limits of a configuration.
    pub fn from_config(c: &crate::config::Config) -> Limits {
        Limits {
            header_timeout: Duration::from_secs(c.header_timeout_secs),
            body_timeout: Duration::from_secs(c.body_timeout_secs),
            idle_timeout: Duration::from_secs(c.idle_timeout_secs),
            max_connections: c.max_connections.max(1),
            shutdown_timeout: Duration::from_secs(c.shutdown_timeout_secs),
        }
    }
}

/// Raises the soft open-file limit to the hard one (what a server is allowed); the new soft
/// limit.
pub fn raise_file_limit() -> Option<u64> {
    rlimit::increase_nofile_limit(u64::MAX).ok()
}

/// Serves `router` on `listener` until `shutdown` resolves, then drains as [`Limits`] says.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let registry = Arc::new(Registry::default());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // EMFILE and friends: wait a little instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let permit = match slots.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                // At the cap: the oldest idle connection makes room (or, all busy, wait).
                registry.evict_oldest_idle();
                tokio::select! {
                    p = slots.clone().acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let in_flight = Arc::new(AtomicUsize::new(0));
        let (id, evicted) = registry.add(in_flight.clone());
        let io = TokioIo::new(Watched::new(stream, limits, in_flight.clone()));
        let router = router.clone();
        let svc = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            let guard = InFlight::enter(&in_flight);
            let router = router.clone();
            async move {
                let res = router.oneshot(req).await;
                drop(guard);
                res
            }
        });
        let conn = graceful.watch(http.serve_connection(io, svc));
        let registry = registry.clone();
        tokio::spawn(async move {
            // A connection closed by a timeout or by the client is not an error to report;
            // an evicted one is dropped (closed) here.
            tokio::select! {
                _ = conn => {}
                () = evicted.notified() => {}
            }
            registry.remove(id);
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_timeout) => {
            tracing::warn!(
                secs = limits.shutdown_timeout.as_secs(),
                "requests still in flight after the shutdown timeout; closing them"
            );
        }
    }
}

/// The open connections, oldest first, for eviction at the cap.
#[derive(Default)]
struct Registry {
    inner: std::sync::Mutex<RegistryInner>,
}

#[derive(Default)]
struct RegistryInner {
    next: u64,
    open: std::collections::BTreeMap<u64, (Arc<AtomicUsize>, Arc<tokio::sync::Notify>)>,
}

impl Registry {
    fn add(&self, in_flight: Arc<AtomicUsize>) -> (u64, Arc<tokio::sync::Notify>) {
        let evict = Arc::new(tokio::sync::Notify::new());
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let id = g.next;
        g.next += 1;
        g.open.insert(id, (in_flight, evict.clone()));
        (id, evict)
    }

    fn remove(&self, id: u64) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.open.remove(&id);
    }

    /// Closes the oldest connection with no request in flight, if there is one.
    fn evict_oldest_idle(&self) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let victim = g
            .open
            .iter()
            .find(|(_, (n, _))| n.load(Ordering::Relaxed) == 0)
            .map(|(id, _)| *id);
        if let Some(id) = victim
            && let Some((_, evict)) = g.open.remove(&id)
        {
            // `notify_one` keeps the permit if the task is not waiting yet.
            evict.notify_one();
        }
    }
}

/// Counts a request in flight on its connection while alive.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn enter(n: &Arc<AtomicUsize>) -> InFlight {
        n.fetch_add(1, Ordering::Relaxed);
        InFlight(n.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A TCP stream that fails its reads once no byte has moved either way for the body timeout
/// (a request in flight) or the idle timeout (between requests). The clock is only looked at
/// when a read would wait, so a busy connection pays nothing for it.
pub struct Watched {
    inner: TcpStream,
    limits: Limits,
    in_flight: Arc<AtomicUsize>,
    last: Instant,
    deadline: Pin<Box<Sleep>>,
}

impl Watched {
    fn new(inner: TcpStream, limits: Limits, in_flight: Arc<AtomicUsize>) -> Watched {
        let now = Instant::now();
        Watched {
            inner,
            limits,
            in_flight,
            last: now,
            deadline: Box::pin(tokio::time::sleep_until(now + limits.idle_timeout)),
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    self.last = Instant::now();
                }
                Poll::Ready(r)
            }
            Poll::Pending => {
                let wait = if self.in_flight.load(Ordering::Relaxed) > 0 {
                    self.limits.body_timeout
                } else {
                    self.limits.idle_timeout
                };
                let at = self.last + wait;
                if self.deadline.deadline() != at {
                    self.deadline.as_mut().reset(at);
                }
                match self.deadline.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "no byte moved within the connection's timeout",
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &r
            && *n > 0
        {
            self.last = Instant::now();
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = &r
            && *n > 0
        {
            self.last = Instant::now();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Binds `addr` for the metrics listener and serves `/metrics` there.
pub async fn serve_metrics(
    addr: SocketAddr,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<SocketAddr, String> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr} (LIFEPATH_METRICS_BIND): {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(serve(listener, router, limits, shutdown));
    Ok(local)
}
