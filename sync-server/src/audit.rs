//! Audit events as a value built by name:
//! `AuditEvent::new("goal.update").user(&key).entity(entity::GOAL, &id).ip(&ip).details(..)`.
//! Details never hold amounts or free text (DESIGN §5): ids, versions, counts, stages.

use chrono::Utc;
use serde_json::Value;

use crate::store::AuditRow;

/// One audit event, before it is stored.
#[derive(Clone, Debug)]
#[must_use = "an audit event does nothing until it is turned into a row and written"]
pub struct AuditEvent {
    action: &'static str,
    user: Option<String>,
    entity: Option<String>,
    entity_id: Option<String>,
    ip: Option<String>,
    details: Value,
}

impl AuditEvent {
    /// An event of `action` (`goal.update`, `user.login`, …) with no subject yet.
    pub fn new(action: &'static str) -> AuditEvent {
        AuditEvent {
            action,
            user: None,
            entity: None,
            entity_id: None,
            ip: None,
            details: Value::Object(Default::default()),
        }
    }

    /// The account it belongs to.
    pub fn user(mut self, user: impl std::fmt::Display) -> AuditEvent {
        self.user = Some(user.to_string());
        self
    }

    /// The account it belongs to, when known.
    pub fn maybe_user(mut self, user: Option<&str>) -> AuditEvent {
        self.user = user.map(str::to_owned);
        self
    }

    /// The kind of record it is about.
    pub fn entity(mut self, entity: &str) -> AuditEvent {
        self.entity = Some(entity.to_owned());
        self
    }

    /// The record it is about.
    pub fn record(mut self, entity: &str, id: impl std::fmt::Display) -> AuditEvent {
        self.entity_id = Some(id.to_string());
        self.entity(entity)
    }

    /// The id of the record it is about, when known.
    pub fn maybe_id(mut self, id: Option<&str>) -> AuditEvent {
        self.entity_id = id.map(str::to_owned);
        self
    }

    /// The client address.
    pub fn ip(mut self, ip: &str) -> AuditEvent {
        self.ip = Some(ip.to_owned());
        self
    }

    /// What else to keep (ids, versions, counts; never amounts or free text).
    pub fn details(mut self, details: Value) -> AuditEvent {
        self.details = details;
        self
    }

    /// The row to store, stamped now.
    pub fn row(self) -> AuditRow {
        AuditRow {
            id: uuid::Uuid::now_v7().to_string(),
            user_id: self.user,
            action: self.action.to_owned(),
            entity: self.entity,
            entity_id: self.entity_id,
            source_ip: self.ip,
            details: self.details.to_string(),
            created_at: Utc::now().timestamp_micros(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_row_by_name() {
        let r = AuditEvent::new("goal.update")
            .user("u1")
            .record("goal", "g1")
            .ip("10.0.0.1")
            .details(serde_json::json!({"version": 2}))
            .row();
        assert_eq!(r.action, "goal.update");
        assert_eq!(r.user_id.as_deref(), Some("u1"));
        assert_eq!(r.entity.as_deref(), Some("goal"));
        assert_eq!(r.entity_id.as_deref(), Some("g1"));
        assert_eq!(r.source_ip.as_deref(), Some("10.0.0.1"));
        assert_eq!(r.details, r#"{"version":2}"#);
        let bare = AuditEvent::new("user.delete").row();
        assert_eq!(
            (bare.user_id, bare.entity, bare.details.as_str()),
            (None, None, "{}")
        );
    }
}
