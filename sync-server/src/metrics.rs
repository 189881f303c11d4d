//! Prometheus metrics, kept by a small middleware in atomics: requests by status class,
//! a latency histogram and requests in flight.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

/// The counters.
#[derive(Debug, Default)]
pub struct Metrics {
    by_class: [AtomicU64; 5],
    buckets: [AtomicU64; 10],
    count: AtomicU64,
    sum_micros: AtomicU64,
    in_flight: AtomicU64,
    /// The success metrics of the current month, as last computed by the schedule (not per
    /// scrape): `(key, value)`, a withheld or empty figure absent.
    success: std::sync::RwLock<Vec<(String, Option<f64>)>>,
    /// Alert deliveries: attempted, succeeded, retried, dead.
    deliveries: [AtomicU64; 4],
    /// Outbox rows not yet delivered nor dead, and the age of the oldest (µs).
    outbox: [AtomicU64; 2],
}

impl Metrics {
    fn observe(&self, status: u16, secs: f64) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add((secs * 1e6) as u64, Ordering::Relaxed);
    }

    /// Counts a delivery attempt by what became of it.
    pub fn delivery(&self, outcome: &crate::store::OutboxOutcome) {
        use crate::store::OutboxOutcome;
        self.deliveries[0].fetch_add(1, Ordering::Relaxed);
        let i = match outcome {
            OutboxOutcome::Delivered(_) => 1,
            OutboxOutcome::Retry(..) => 2,
            OutboxOutcome::Dead(..) => 3,
        };
        self.deliveries[i].fetch_add(1, Ordering::Relaxed);
    }

    /// Keeps the outbox backlog the worker read.
    pub fn set_outbox(&self, pending: i64, oldest_age_us: i64) {
        self.outbox[0].store(u64::try_from(pending).unwrap_or(0), Ordering::Relaxed);
        self.outbox[1].store(u64::try_from(oldest_age_us).unwrap_or(0), Ordering::Relaxed);
    }

    /// Keeps the success metrics the schedule computed.
    pub fn set_success(&self, report: &lifepath_core::success_metrics::SuccessReport) {
        use rust_decimal::prelude::ToPrimitive;
        if let Ok(mut s) = self.success.write() {
            *s = report
                .metrics
                .iter()
                .map(|m| (m.key.clone(), m.value.and_then(|v| v.to_f64())))
                .collect();
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP lifepath_http_requests_total HTTP requests answered, by status class.\n",
        );
        out.push_str("# TYPE lifepath_http_requests_total counter\n");
        for (i, c) in self.by_class.iter().enumerate() {
            out.push_str(&format!(
                "lifepath_http_requests_total{{class=\"{}xx\"}} {}\n",
                i + 1,
                c.load(Ordering::Relaxed)
            ));
        }
        out.push_str("# HELP lifepath_http_request_duration_seconds Time to answer a request.\n");
        out.push_str("# TYPE lifepath_http_request_duration_seconds histogram\n");
        for (i, b) in BUCKETS.iter().enumerate() {
            out.push_str(&format!(
                "lifepath_http_request_duration_seconds_bucket{{le=\"{b}\"}} {}\n",
                self.buckets[i].load(Ordering::Relaxed)
            ));
        }
        let count = self.count.load(Ordering::Relaxed);
        out.push_str(&format!(
            "lifepath_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}\n"
        ));
        out.push_str(&format!(
            "lifepath_http_request_duration_seconds_sum {}\n",
            self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        ));
        out.push_str(&format!(
            "lifepath_http_request_duration_seconds_count {count}\n"
        ));
        if let Ok(success) = self.success.read()
            && !success.is_empty()
        {
            out.push_str(
                "# HELP lifepath_success_metric The source design's success metrics this month \
                 (ratio; absent when withheld: fewer than 5 users), refreshed every 10 minutes.\n",
            );
            out.push_str("# TYPE lifepath_success_metric gauge\n");
            for (key, value) in success.iter() {
                if let Some(v) = value {
                    out.push_str(&format!(
                        "lifepath_success_metric{{metric=\"{key}\"}} {v}\n"
                    ));
                }
            }
        }
        out.push_str("# HELP lifepath_http_requests_in_flight Requests being answered.\n");
        out.push_str("# TYPE lifepath_http_requests_in_flight gauge\n");
        out.push_str(&format!(
            "lifepath_http_requests_in_flight {}\n",
            self.in_flight.load(Ordering::Relaxed)
        ));
        out.push_str(
            "# HELP lifepath_alert_deliveries_total Alert delivery attempts (webhook and email), by outcome.\n",
        );
        out.push_str("# TYPE lifepath_alert_deliveries_total counter\n");
        for (i, name) in ["attempted", "succeeded", "retried", "dead"]
            .iter()
            .enumerate()
        {
            out.push_str(&format!(
                "lifepath_alert_deliveries_total{{outcome=\"{name}\"}} {}\n",
                self.deliveries[i].load(Ordering::Relaxed)
            ));
        }
        out.push_str(
            "# HELP lifepath_outbox_pending Alert outbox rows not yet delivered nor dead.\n",
        );
        out.push_str("# TYPE lifepath_outbox_pending gauge\n");
        out.push_str(&format!(
            "lifepath_outbox_pending {}\n",
            self.outbox[0].load(Ordering::Relaxed)
        ));
        out.push_str(
            "# HELP lifepath_outbox_oldest_age_seconds Age of the oldest pending outbox row.\n",
        );
        out.push_str("# TYPE lifepath_outbox_oldest_age_seconds gauge\n");
        out.push_str(&format!(
            "lifepath_outbox_oldest_age_seconds {}\n",
            self.outbox[1].load(Ordering::Relaxed) as f64 / 1e6
        ));
        out
    }
}

/// Counts every request.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let m = &state.metrics;
    m.in_flight.fetch_add(1, Ordering::Relaxed);
    let start = Instant::now();
    let res = next.run(req).await;
    m.observe(res.status().as_u16(), start.elapsed().as_secs_f64());
    m.in_flight.fetch_sub(1, Ordering::Relaxed);
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use lifepath_core::success_metrics::{UsageEvent, UsageKind, success_metrics};

    #[test]
    fn success_metrics_are_gauges_and_withheld_ones_absent() {
        let m = Metrics::default();
        assert!(!m.render().contains("lifepath_success_metric"));
        let p: lifepath_core::Period = "2026-05".parse().unwrap();
        // Six active users, three reading analytics; no session at all.
        let events: Vec<UsageEvent> = (0..6)
            .flat_map(|i| {
                let user = format!("u{i}");
                let mut v = vec![UsageEvent {
                    user: user.clone(),
                    kind: UsageKind::Write,
                    subject: None,
                    period: p,
                }];
                if i < 3 {
                    v.push(UsageEvent {
                        user,
                        kind: UsageKind::AnalyticsRead,
                        subject: None,
                        period: p,
                    });
                }
                v
            })
            .collect();
        m.set_success(&success_metrics(&events, p, p));
        let text = m.render();
        assert!(
            text.contains("# TYPE lifepath_success_metric gauge"),
            "{text}"
        );
        assert!(
            text.contains("lifepath_success_metric{metric=\"trend_engagement\"} 0.5"),
            "{text}"
        );
        assert!(
            text.contains("lifepath_success_metric{metric=\"goal_creation\"} 0"),
            "{text}"
        );
        // No session: withheld, so no sample (not a zero).
        assert!(!text.contains("snapshot_creation_rate"), "{text}");
    }
}
