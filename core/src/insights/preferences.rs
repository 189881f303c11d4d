//! Notification preferences (issue 16 §2): which insights reach a person, how, and when not.

use serde::{Deserialize, Serialize};

use super::{InsightKind, InsightSeverity};
use crate::analytics::{AnomalyMethod, AnomalyOptions, Baseline};
use crate::validate::{Validate, Validator, join};

/// Hours in which no email is sent (they wait until the end), in UTC hours `0..24`;
/// `start > end` spans midnight (22 → 7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuietHours {
    /// First quiet hour (UTC, 0–23).
    pub start_hour: u8,
    /// First hour that is not quiet again (UTC, 0–23).
    pub end_hour: u8,
}

impl QuietHours {
    /// Whether `hour` (UTC) is quiet.
    pub fn contains(self, hour: u32) -> bool {
        let (s, e, h) = (u32::from(self.start_hour), u32::from(self.end_hour), hour);
        if s == e {
            false
        } else if s < e {
            (s..e).contains(&h)
        } else {
            h >= s || h < e
        }
    }

    /// When an email held at `now` may go: `None` when `now` is not quiet, else the first whole
    /// hour after it that is not quiet (the quiet hours' end, today or tomorrow).
    pub fn end_after(
        self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        use chrono::{Duration, Timelike};
        if !self.contains(now.hour()) {
            return None;
        }
        let hour = now.with_minute(0)?.with_second(0)?.with_nanosecond(0)?;
        (1..=24)
            .map(|n| hour + Duration::hours(n))
            .find(|t| !self.contains(t.hour()))
    }
}

/// One email per insight, or one a day with all of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Digest {
    /// An email for each insight as it comes.
    #[default]
    Off,
    /// One email a day (at 08:00 UTC) with the insights of the last day.
    Daily,
}

/// What reaches the person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NotificationPreferences {
    /// The kinds delivered (default: every kind).
    #[serde(default = "all_kinds")]
    pub kinds: Vec<InsightKind>,
    /// Nothing below this severity is delivered (default `warning`).
    #[serde(default = "warning")]
    pub min_severity: InsightSeverity,
    /// Email (to the account's address) on or off (default on).
    #[serde(default = "yes")]
    pub email: bool,
    /// Webhooks (the account's endpoints) on or off (default on).
    #[serde(default = "yes")]
    pub webhooks: bool,
    /// No email in these hours.
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    /// `off` (an email per insight) or `daily` (one email a day at 08:00 UTC).
    #[serde(default)]
    pub digest: Digest,
    /// The anomaly method the insights use (default `zscore`).
    #[serde(default)]
    pub anomaly_method: AnomalyMethod,
    /// The anomaly baseline (default `recent`).
    #[serde(default)]
    pub anomaly_baseline: Baseline,
    /// The anomaly threshold (default 2).
    #[serde(default = "two")]
    pub anomaly_threshold: f64,
}

fn all_kinds() -> Vec<InsightKind> {
    InsightKind::ALL.to_vec()
}
fn warning() -> InsightSeverity {
    InsightSeverity::Warning
}
fn yes() -> bool {
    true
}
fn two() -> f64 {
    2.0
}

impl Default for NotificationPreferences {
    fn default() -> Self {
        NotificationPreferences {
            kinds: all_kinds(),
            min_severity: warning(),
            email: true,
            webhooks: true,
            quiet_hours: None,
            digest: Digest::Off,
            anomaly_method: AnomalyMethod::default(),
            anomaly_baseline: Baseline::default(),
            anomaly_threshold: two(),
        }
    }
}

impl Digest {
    /// The hour (UTC) the daily digest goes out.
    pub const HOUR_UTC: u32 = 8;

    /// When a daily digest that collects an insight made at `now` goes out: the next 08:00 UTC.
    pub fn next_send_time(now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
        let today = now
            .date_naive()
            .and_hms_opt(Self::HOUR_UTC, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or(now);
        if today > now {
            today
        } else {
            today + chrono::Duration::days(1)
        }
    }
}

impl NotificationPreferences {
    /// Whether an insight of `kind` and `severity` is delivered at all.
    pub fn wants(&self, kind: InsightKind, severity: InsightSeverity) -> bool {
        self.kinds.contains(&kind) && severity >= self.min_severity
    }

    /// The anomaly options the derivation uses.
    pub fn anomaly_options(&self) -> AnomalyOptions {
        AnomalyOptions {
            threshold: self.anomaly_threshold,
            method: self.anomaly_method,
            baseline: self.anomaly_baseline,
            ..AnomalyOptions::default()
        }
    }
}

impl Validate for NotificationPreferences {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        if let Some(q) = self.quiet_hours {
            if q.start_hour > 23 {
                v.push(
                    join(path, "quiet_hours.start_hour"),
                    "must be an hour from 0 to 23",
                );
            }
            if q.end_hour > 23 {
                v.push(
                    join(path, "quiet_hours.end_hour"),
                    "must be an hour from 0 to 23",
                );
            }
        }
        if let Err(e) = self.anomaly_options().check() {
            for f in e.field_errors() {
                v.push(join(path, &format!("anomaly_{}", f.field)), f.message);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_goes_out_at_the_next_eight_utc() {
        let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        assert_eq!(
            Digest::next_send_time(at("2026-12-04T07:59:00Z")),
            at("2026-12-04T08:00:00Z")
        );
        assert_eq!(
            Digest::next_send_time(at("2026-12-04T08:00:00Z")),
            at("2026-12-05T08:00:00Z")
        );
        assert_eq!(
            Digest::next_send_time(at("2026-12-31T23:00:00Z")),
            at("2027-01-01T08:00:00Z")
        );
    }

    #[test]
    fn held_email_goes_when_the_quiet_hours_end() {
        let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        let q = QuietHours {
            start_hour: 22,
            end_hour: 7,
        };
        assert_eq!(
            q.end_after(at("2026-12-04T23:41:12Z")),
            Some(at("2026-12-05T07:00:00Z"))
        );
        assert_eq!(
            q.end_after(at("2026-12-05T06:59:59Z")),
            Some(at("2026-12-05T07:00:00Z"))
        );
        assert_eq!(q.end_after(at("2026-12-05T07:00:00Z")), None);
        let day = QuietHours {
            start_hour: 9,
            end_hour: 17,
        };
        assert_eq!(
            day.end_after(at("2026-12-05T09:00:00Z")),
            Some(at("2026-12-05T17:00:00Z"))
        );
        assert_eq!(day.end_after(at("2026-12-05T20:00:00Z")), None);
    }

    #[test]
    fn quiet_hours_span_midnight() {
        let q = QuietHours {
            start_hour: 22,
            end_hour: 7,
        };
        assert!(q.contains(23) && q.contains(0) && q.contains(6));
        assert!(!q.contains(7) && !q.contains(12) && !q.contains(21));
        assert!(
            !QuietHours {
                start_hour: 5,
                end_hour: 5
            }
            .contains(5)
        );
    }
}
