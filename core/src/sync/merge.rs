//! Field-by-field three-way merge of JSON records.
//!
//! `base` is the last server state both sides started from, `local` the device's record,
//! `remote` the server's current one. A field changed on one side only takes that side's value;
//! a field changed on both sides to different values takes the value of the side whose record
//! has the later `updated_at` (the server on a tie), and the other value goes to the conflict
//! log so that nothing is lost.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Fields the merge does not treat as user data.
const BOOKKEEPING: [&str; 3] = ["version", "updated_at", "created_at"];

/// Amounts that devices change by adding to them (a goal's `current_amount` grows with each
/// contribution): when both sides changed one, both changes are kept — the merged amount is
/// the server's plus the device's own change — so two offline contributions both count.
const ADDITIVE: [&str; 1] = ["current_amount"];

/// `remote + (local − base)` when all three are money amounts.
fn additive(base: &Value, local: &Value, remote: &Value) -> Option<Value> {
    let money = |v: &Value| -> Option<crate::money::Money> {
        match v {
            Value::String(s) => s.parse().ok(),
            Value::Number(n) => n.to_string().parse().ok(),
            _ => None,
        }
    };
    let merged = money(remote)? + (money(local)? - money(base)?);
    if merged.is_negative() {
        return None;
    }
    Some(Value::String(merged.to_string()))
}

/// One value that lost a merge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConflictEntry {
    /// The field.
    pub field: String,
    /// The value kept in the record.
    #[cfg_attr(feature = "wasm", tsify(type = "JsonValue"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Value))]
    pub kept: Value,
    /// The value that lost (kept here so nothing is lost).
    #[cfg_attr(feature = "wasm", tsify(type = "JsonValue"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Value))]
    pub discarded: Value,
    /// Which side lost: `"local"` or `"remote"`.
    pub discarded_side: String,
    /// The server version the merge was made against.
    pub server_version: i64,
}

/// The outcome of [`merge_records`].
#[derive(Clone, Debug, PartialEq)]
pub struct Merged {
    /// The merged record.
    pub record: Value,
    /// Fields both sides changed.
    pub conflicts: Vec<ConflictEntry>,
}

fn updated_at(v: &Value) -> Option<DateTime<Utc>> {
    v.get("updated_at")
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
}

fn field<'a>(v: &'a Value, k: &str) -> &'a Value {
    v.get(k).unwrap_or(&Value::Null)
}

/// Merges `local` and `remote` records that both descend from `base` (`Null` when the record
/// was created on both sides independently); additive amounts add both sides' changes.
pub fn merge_records(base: &Value, local: &Value, remote: &Value, server_version: i64) -> Merged {
    merge_records_with(base, local, remote, server_version, true)
}

/// [`merge_records`], with additive amounts treated like any field when `additive` is false
/// (when the local change may already be part of `remote`, adding it again would count it
/// twice).
pub fn merge_records_with(
    base: &Value,
    local: &Value,
    remote: &Value,
    server_version: i64,
    additive_amounts: bool,
) -> Merged {
    let (Some(l), Some(r)) = (local.as_object(), remote.as_object()) else {
        // Not objects: whole-value last-writer-wins.
        return Merged {
            record: remote.clone(),
            conflicts: Vec::new(),
        };
    };
    let local_wins = match (updated_at(local), updated_at(remote)) {
        (Some(a), Some(b)) => a > b,
        (Some(_), None) => true,
        _ => false,
    };
    let mut keys: Vec<&String> = l.keys().chain(r.keys()).collect();
    crate::sort::sort_by(&mut keys, |a, b| a.cmp(b));
    keys.dedup();
    let mut out = Map::new();
    let mut conflicts = Vec::new();
    for k in keys {
        let (b, lv, rv) = (field(base, k), field(local, k), field(remote, k));
        if BOOKKEEPING.contains(&k.as_str()) {
            continue;
        }
        // Both sides changed an additive amount: both changes count, even when they are equal
        // (two contributions of 50 are 100, not 50).
        let both_added = (additive_amounts && ADDITIVE.contains(&k.as_str()) && lv != b && rv != b)
            .then(|| additive(b, lv, rv))
            .flatten();
        let value = if let Some(sum) = both_added {
            sum
        } else if lv == rv || lv == b {
            rv.clone()
        } else if rv == b {
            lv.clone()
        } else {
            let (kept, lost, side) = if local_wins {
                (lv, rv, "remote")
            } else {
                (rv, lv, "local")
            };
            conflicts.push(ConflictEntry {
                field: k.clone(),
                kept: kept.clone(),
                discarded: lost.clone(),
                discarded_side: side.to_owned(),
                server_version,
            });
            kept.clone()
        };
        if !(value.is_null() && !l.contains_key(k) && !r.contains_key(k)) {
            out.insert(k.clone(), value);
        }
    }
    // Bookkeeping: created_at from the server, updated_at the later of the two.
    if let Some(c) = r.get("created_at").or_else(|| l.get("created_at")) {
        out.insert("created_at".into(), c.clone());
    }
    let later = if local_wins {
        l.get("updated_at")
    } else {
        r.get("updated_at")
    };
    if let Some(u) = later.or_else(|| l.get("updated_at")) {
        out.insert("updated_at".into(), u.clone());
    }
    if let Some(v) = r.get("version") {
        out.insert("version".into(), v.clone());
    }
    Merged {
        record: Value::Object(out),
        conflicts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_sided_changes_merge_and_both_sided_go_to_the_later_writer() {
        let base = json!({"name": "Trip", "target_amount": "1000.00", "priority": "low", "updated_at": "2026-11-01T00:00:00Z"});
        let local = json!({"name": "Lisbon", "target_amount": "1200.00", "priority": "low", "updated_at": "2026-11-03T00:00:00Z"});
        let remote = json!({"name": "Trip", "target_amount": "1500.00", "priority": "high", "updated_at": "2026-11-02T00:00:00Z", "version": 4});
        let m = merge_records(&base, &local, &remote, 4);
        assert_eq!(m.record["name"], "Lisbon"); // only local changed
        assert_eq!(m.record["priority"], "high"); // only remote changed
        assert_eq!(m.record["target_amount"], "1200.00"); // both: local is later
        assert_eq!(m.record["updated_at"], "2026-11-03T00:00:00Z");
        assert_eq!(m.record["version"], 4);
        assert_eq!(m.conflicts.len(), 1);
        assert_eq!(m.conflicts[0].discarded, "1500.00");
        assert_eq!(m.conflicts[0].discarded_side, "remote");
        // Remote later: remote keeps the field and the local value is logged.
        let local = json!({"name": "Trip", "target_amount": "1200.00", "priority": "low", "updated_at": "2026-11-01T12:00:00Z"});
        let m = merge_records(&base, &local, &remote, 4);
        assert_eq!(m.record["target_amount"], "1500.00");
        assert_eq!(m.conflicts[0].discarded, "1200.00");
        assert_eq!(m.conflicts[0].discarded_side, "local");
    }

    #[test]
    fn two_offline_contributions_both_count() {
        let base = json!({"name": "Fund", "current_amount": "1000.00", "updated_at": "2026-11-01T00:00:00Z"});
        let local = json!({"name": "Fund", "current_amount": "1250.50", "updated_at": "2026-11-03T00:00:00Z"});
        let remote = json!({"name": "Fund", "current_amount": "1100.00", "updated_at": "2026-11-02T00:00:00Z"});
        let m = merge_records(&base, &local, &remote, 2);
        assert_eq!(m.record["current_amount"], "1350.50");
        assert!(m.conflicts.is_empty());
        // Two equal contributions are two contributions.
        let local = json!({"name": "Fund", "current_amount": "1100.00", "updated_at": "2026-11-03T00:00:00Z"});
        let m = merge_records(&base, &local, &remote, 2);
        assert_eq!(m.record["current_amount"], "1200.00");
        // Not amounts: the later writer wins as for any field, and the other is logged.
        let local = json!({"current_amount": "lots", "updated_at": "2026-11-03T00:00:00Z"});
        let m = merge_records(&base, &local, &remote, 2);
        assert_eq!(m.record["current_amount"], "lots");
        assert_eq!(m.conflicts.len(), 1);
    }
}
