//! The outbox worker (issue 16 §3): claims due rows (any instance may run it: PostgreSQL hands
//! each row to one claimer with `FOR UPDATE SKIP LOCKED`; SQLite has one writer), delivers each
//! by webhook or email, and marks it delivered, due again after an exponential backoff with
//! jitter (for 24 hours), or dead. A crash between the insight and its delivery leaves the row
//! due: the next worker sends it. Receivers deduplicate by the event `id` (at-least-once).
//!
//! Webhooks: `POST` of `{id, type: "insight.created", created_at, data}` with
//! `lifepath-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the
//! endpoint's secret>`; no redirect followed; 10 s per attempt; the target address checked
//! (https, or loopback in development; never a private, link-local or otherwise non-public
//! address in production) and pinned for the request, so DNS cannot move it afterwards.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use lifepath_core::insights::InsightRecord;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Sha256;
use uuid::Uuid;

use super::WebhookEndpoint;
use crate::auth::AuthUser;
use crate::record::Columns;
use crate::repo::{entity, micros};
use crate::state::AppState;
use crate::store::{Expect, OutboxOutcome, OutboxRow};

/// Retries stop this long after the insight was queued.
const RETRY_FOR_US: i64 = 24 * 3600 * 1_000_000;
/// The longest wait between two attempts.
const MAX_WAIT_SECS: f64 = 3600.0;
/// A claim lasts this long (a worker that dies mid-delivery releases its rows by then).
const LEASE_US: i64 = 60 * 1_000_000;

/// One delivery attempt, as the endpoint's log keeps it.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Delivery {
    /// Id.
    pub id: Uuid,
    /// The webhook endpoint.
    pub webhook_id: Uuid,
    /// The event's id (the same on every attempt of one event).
    pub event_id: String,
    /// `insight.created` or `webhook.test`.
    pub event_type: String,
    /// Attempt number, from 1.
    pub attempt: i64,
    /// The endpoint's HTTP status, when it answered.
    pub status_code: Option<u16>,
    /// 2xx.
    pub ok: bool,
    /// Why it failed.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: u64,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Starts the worker: a pass every second.
pub fn spawn(s: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            deliver_due(&s).await;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
}

/// One pass: claims the due rows and works them. Returns how many it attempted.
pub async fn deliver_due(s: &AppState) -> usize {
    let now = micros(Utc::now());
    match s.store.outbox_backlog(now).await {
        Ok((n, age)) => s.metrics.set_outbox(n, age),
        Err(e) => tracing::warn!(error = %e, "outbox backlog not read"),
    }
    let rows = match s.store.claim_outbox(now, now + LEASE_US, 32).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "outbox not claimed");
            return 0;
        }
    };
    let n = rows.len();
    // The daily digests: one email per user with every insight due together.
    let (digests, rows): (Vec<OutboxRow>, Vec<OutboxRow>) =
        rows.into_iter().partition(|r| r.channel == "email_digest");
    let mut by_user: std::collections::BTreeMap<String, Vec<OutboxRow>> = Default::default();
    for r in digests {
        by_user.entry(r.user_id.clone()).or_default().push(r);
    }
    for (_, group) in by_user {
        let outcome = digest(s, &group).await;
        for row in &group {
            s.metrics.delivery(&outcome);
            if let Err(e) = s.store.finish_outbox(&row.id, &outcome).await {
                tracing::warn!(error = %e, "outbox row not finished");
            }
        }
    }
    for row in rows {
        let outcome = attempt(s, &row).await;
        s.metrics.delivery(&outcome);
        if let Err(e) = s.store.finish_outbox(&row.id, &outcome).await {
            tracing::warn!(error = %e, "outbox row not finished");
        }
    }
    n
}

/// One digest email for a user's due `email_digest` rows.
async fn digest(s: &AppState, rows: &[OutboxRow]) -> OutboxOutcome {
    let now = Utc::now();
    let Some(first) = rows.first() else {
        return OutboxOutcome::Delivered(micros(now));
    };
    let Ok(user) = Uuid::parse_str(&first.user_id) else {
        return OutboxOutcome::Dead(micros(now), "bad user id".into());
    };
    let me = AuthUser(lifepath_core::UserId(user));
    let mut items: Vec<InsightRecord> = Vec::new();
    for r in rows {
        if let Ok((i, _)) = s
            .load::<InsightRecord>(me.0, entity::INSIGHT, &r.insight_id)
            .await
        {
            items.push(i);
        }
    }
    if items.is_empty() {
        return OutboxOutcome::Dead(micros(now), "the insights are gone".into());
    }
    items.sort_by_key(|i| std::cmp::Reverse(i.insight.severity));
    let to = match super::account_email(s, &me).await {
        Ok(Some(e)) => e,
        Ok(None) => return OutboxOutcome::Delivered(micros(now)),
        Err(e) => return OutboxOutcome::Retry(micros(now) + 60_000_000, e.to_string()),
    };
    let user_key = me.0.to_string();
    let mut text = format!("Your lifepath digest: {} new insight(s).\n\n", items.len());
    let mut html = format!(
        "<p>Your lifepath digest: {} new insight(s).</p><ul>",
        items.len()
    );
    for i in &items {
        let link = unsubscribe_link(s, &user_key, i.insight.kind.as_str());
        text.push_str(&format!(
            "- {}\n  {}\n  Stop these emails about {}: {link}\n\n",
            i.insight.title,
            i.insight.message,
            i.insight.kind.as_str().replace('_', " ")
        ));
        html.push_str(&format!(
            "<li><strong>{}</strong><br>{}<br><a href=\"{}\" style=\"font-size:small\">Stop these emails about {}</a></li>",
            crate::mail::escape(&i.insight.title),
            crate::mail::escape(&i.insight.message),
            crate::mail::escape(&link),
            crate::mail::escape(&i.insight.kind.as_str().replace('_', " "))
        ));
    }
    text.push_str("— lifepath\n");
    html.push_str("</ul><p>— lifepath</p>");
    let subject = format!("lifepath: your daily digest ({} insights)", items.len());
    match s.mailer.send(&to, &subject, text, html).await {
        Ok(()) => OutboxOutcome::Delivered(micros(Utc::now())),
        Err(e) => failed(s, first, now, e),
    }
}

async fn attempt(s: &AppState, row: &OutboxRow) -> OutboxOutcome {
    let now = Utc::now();
    let Ok(user) = Uuid::parse_str(&row.user_id) else {
        return OutboxOutcome::Dead(micros(now), "bad user id".into());
    };
    let me = AuthUser(lifepath_core::UserId(user));
    let insight: InsightRecord = match s.load(me.0, entity::INSIGHT, &row.insight_id).await {
        Ok((r, _)) => r,
        Err(_) => return OutboxOutcome::Dead(micros(now), "the insight is gone".into()),
    };
    let result = if let Some(hook) = row.channel.strip_prefix("webhook:") {
        let endpoint: WebhookEndpoint = match s.load(me.0, entity::WEBHOOK, hook).await {
            Ok((w, _)) => w,
            Err(_) => return OutboxOutcome::Dead(micros(now), "the endpoint was deleted".into()),
        };
        let created = DateTime::<Utc>::from_timestamp_micros(row.created_at).unwrap_or(now);
        let body = json!({"id": row.id, "type": "insight.created",
                          "created_at": created.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                          "data": insight})
        .to_string();
        let d = send_webhook(
            s,
            &me,
            &endpoint,
            &row.id,
            "insight.created",
            row.attempts + 1,
            &body,
        )
        .await;
        if d.ok {
            Ok(())
        } else {
            Err(d.error.unwrap_or_else(|| "failed".into()))
        }
    } else if row.channel == "email" {
        let prefs = match super::preferences(s, &me).await {
            Ok(p) => p,
            Err(e) => return OutboxOutcome::Retry(micros(now) + 60_000_000, e.to_string()),
        };
        if let Some(at) = prefs.quiet_hours.and_then(|q| q.end_after(now)) {
            // Held until the quiet hours end (not an attempt that failed).
            return OutboxOutcome::Retry(micros(at), "quiet hours".into());
        }
        send_email(s, &me, &insight).await
    } else {
        return OutboxOutcome::Dead(micros(now), format!("unknown channel {}", row.channel));
    };
    match result {
        Ok(()) => OutboxOutcome::Delivered(micros(Utc::now())),
        Err(e) => failed(s, row, now, e),
    }
}

/// A failed attempt of `row`: retried after the backoff, or dead once retrying would pass
/// the 24 hours.
fn failed(s: &AppState, row: &OutboxRow, now: DateTime<Utc>, error: String) -> OutboxOutcome {
    let wait = backoff_secs(s.config.webhook_retry_base_secs, row.attempts);
    let next = micros(now) + (wait * 1e6) as i64;
    if next > row.created_at + RETRY_FOR_US {
        OutboxOutcome::Dead(micros(now), error)
    } else {
        OutboxOutcome::Retry(next, error)
    }
}

/// The wait before the next attempt after `attempts` failed ones: base × 2^attempts, ±20 %
/// jitter, at most an hour.
fn backoff_secs(base: u64, attempts: i64) -> f64 {
    let exp = 2f64.powi(i32::try_from(attempts.clamp(0, 30)).unwrap_or(30));
    let mut b = [0u8; 2];
    let _ = getrandom::fill(&mut b);
    let jitter = 0.8 + 0.4 * f64::from(u16::from_le_bytes(b)) / f64::from(u16::MAX);
    (base as f64 * exp * jitter).min(MAX_WAIT_SECS)
}

/// The `lifepath-signature` header of `body` at `t` (unix seconds).
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable_mac());
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

fn unreachable_mac() -> Hmac<Sha256> {
    // HMAC takes keys of any length.
    match <Hmac<Sha256> as Mac>::new_from_slice(&[0u8; 32]) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC accepts any key length"),
    }
}

/// Why a webhook URL is refused, or where it may be sent (the address pinned).
pub async fn check_target(
    production: bool,
    url: &str,
) -> Result<(reqwest::Url, Vec<SocketAddr>), String> {
    let u = reqwest::Url::parse(url).map_err(|_| "must be an absolute http(s) URL".to_owned())?;
    let host = u
        .host_str()
        .ok_or_else(|| "must have a host".to_owned())?
        .to_owned();
    if !u.username().is_empty() || u.password().is_some() {
        return Err("must not carry credentials".into());
    }
    let port = u.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
        .await
        .map_err(|_| format!("{host} does not resolve"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("{host} does not resolve"));
    }
    let loopback = addrs.iter().all(|a| a.ip().is_loopback());
    match u.scheme() {
        "https" => {}
        "http" if loopback && !production => {}
        "http" => {
            return Err("must be https (plain http only to loopback in development)".into());
        }
        _ => return Err("must be an https URL".into()),
    }
    if loopback && !production {
        return Ok((u, addrs));
    }
    if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
        return Err(format!(
            "{host} resolves to {}, which is not a public address",
            bad.ip()
        ));
    }
    Ok((u, addrs))
}

/// Whether an address is on the public internet (not loopback, private, link-local, shared,
/// documentation, benchmarking, multicast, unspecified or reserved).
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 198 && (18..20).contains(&o[1]))
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8))
        }
    }
}

/// POSTs `body` to the endpoint, signed, and logs the attempt in its delivery log.
pub async fn send_webhook(
    s: &AppState,
    me: &AuthUser,
    endpoint: &WebhookEndpoint,
    event_id: &str,
    event_type: &str,
    attempt: i64,
    body: &str,
) -> Delivery {
    let started = Instant::now();
    let (status, error) = match post(s, endpoint, body).await {
        Ok(code) if (200..300).contains(&code) => (Some(code), None),
        Ok(code) => (Some(code), Some(format!("the endpoint answered {code}"))),
        Err(e) => (None, Some(e)),
    };
    let d = Delivery {
        id: Uuid::now_v7(),
        webhook_id: endpoint.id,
        event_id: event_id.to_owned(),
        event_type: event_type.to_owned(),
        attempt,
        status_code: status,
        ok: error.is_none(),
        error,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        created_at: Utc::now(),
    };
    let repo = s.repo(me, "");
    let columns = Columns {
        parent_id: endpoint.id.to_string(),
        sort_key: micros(d.created_at),
        created_at: micros(d.created_at),
        updated_at: Some(micros(d.created_at)),
        ..Columns::default()
    };
    match repo.put_entity(
        entity::WEBHOOK_DELIVERY,
        &d.id.to_string(),
        columns,
        &d,
        1,
        Expect::Absent,
    ) {
        Ok(op) => {
            if let Err(e) = s.store.write(me.0, vec![op], Vec::new()).await {
                tracing::warn!(error = %e, "delivery not logged");
            }
        }
        Err(e) => tracing::warn!(error = %e, "delivery not logged"),
    }
    d
}

async fn post(s: &AppState, endpoint: &WebhookEndpoint, body: &str) -> Result<u16, String> {
    let (url, addrs) = check_target(s.config.production, &endpoint.url).await?;
    let host = url.host_str().unwrap_or_default().to_owned();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .resolve_to_addrs(&host, &addrs)
        .build()
        .map_err(|e| e.to_string())?;
    let t = Utc::now().timestamp();
    let res = client
        .post(url)
        .header("content-type", "application/json")
        .header("user-agent", "lifepath-webhooks/1")
        .header("lifepath-signature", signature(&endpoint.secret, t, body))
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                "timed out after 10 s".to_owned()
            } else if e.is_connect() {
                "could not connect".to_owned()
            } else {
                "the request failed".to_owned()
            }
        })?;
    Ok(res.status().as_u16())
}

async fn send_email(s: &AppState, me: &AuthUser, r: &InsightRecord) -> Result<(), String> {
    let to = match super::account_email(s, me).await {
        Ok(Some(e)) => e,
        Ok(None) => return Ok(()), // no address any more: nothing to send
        Err(e) => return Err(e.to_string()),
    };
    let link = unsubscribe_link(s, &me.0.to_string(), r.insight.kind.as_str());
    let kind = r.insight.kind.as_str().replace('_', " ");
    let text = format!(
        "{}\n\n{}\n\n— lifepath\n\nStop these emails about {kind}: {link}\n",
        r.insight.title, r.insight.message
    );
    let html = format!(
        "<p><strong>{}</strong></p><p>{}</p><p>— lifepath</p>\
         <p style=\"font-size:small\"><a href=\"{}\">Stop these emails about {}</a></p>",
        crate::mail::escape(&r.insight.title),
        crate::mail::escape(&r.insight.message),
        crate::mail::escape(&link),
        crate::mail::escape(&kind)
    );
    s.mailer
        .send(&to, &format!("lifepath: {}", r.insight.title), text, html)
        .await
}

/// The signed token of "stop emails of `kind` for `user`" (works without signing in).
pub fn unsubscribe_token(s: &AppState, user: &str, kind: &str) -> String {
    let t = s.crypto.unique_key(user, "unsubscribe", kind);
    format!("{user}.{kind}.{t}")
}

fn unsubscribe_link(s: &AppState, user: &str, kind: &str) -> String {
    let base = s
        .config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", s.config.bind));
    format!(
        "{}/api/v1/notifications/unsubscribe?token={}",
        base.trim_end_matches('/'),
        unsubscribe_token(s, user, kind)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_and_not() {
        for ip in [
            "10.1.2.3",
            "192.168.1.1",
            "172.16.0.1",
            "127.0.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn signature_is_hmac_of_t_dot_body() {
        // Python: hmac.new(b'secret', b'1700000000.{}', hashlib.sha256).hexdigest()
        assert_eq!(
            signature("secret", 1_700_000_000, "{}"),
            "t=1700000000,v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        for a in 0..5 {
            let w = backoff_secs(10, a);
            let mid = 10.0 * 2f64.powi(a as i32);
            assert!(w >= mid * 0.8 - 1e-9 && w <= mid * 1.2 + 1e-9, "{a}: {w}");
        }
        assert!(backoff_secs(10, 20) <= 3600.0);
    }
}
