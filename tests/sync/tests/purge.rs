//! "A deletion reaches every device" (DESIGN §4), even a device that was away longer than the
//! server keeps tombstones: the real server (in process, SQLite, tombstones purged at once)
//! refuses the device's old cursor with 410 `cursor_expired`, the device pulls everything again,
//! and its engine deletes what the server no longer has.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lifepath_core::sync::EntityKind;
use lifepath_sync_tests::*;
use serde_json::Value;
use uuid::Uuid;

#[tokio::test]
async fn a_device_away_longer_than_the_tombstones_still_gets_the_deletions() {
    let (server, state) = start_in_process_with(&temp_sqlite(), |c| c.tombstone_days = 0).await;
    let api = Api::register(&server.base, "away@example.com").await;
    let (mut a, mut b) = (Device::new(api.clone()), Device::new(api.clone()));
    let ids: Vec<Uuid> = (0..5).map(|_| Uuid::new_v4()).collect();
    for (k, id) in ids.iter().enumerate() {
        let g = goal(
            &id.to_string(),
            &format!("goal {k}"),
            1000,
            "2026-11-01T00:00:00Z",
        );
        a.engine
            .upsert(EntityKind::Goal, *id, g, Uuid::new_v4())
            .unwrap();
    }
    a.sync(500).await;
    let first = b.sync(500).await;
    assert!(!first.started_over);
    assert_eq!(b.live().len(), 5);

    // B is away. A deletes two goals and renames one; the server purges the tombstones. B
    // creates a goal offline.
    for id in &ids[..2] {
        a.engine
            .delete(EntityKind::Goal, *id, Uuid::new_v4())
            .unwrap();
    }
    let mut renamed = a.engine.get(EntityKind::Goal, ids[2]).unwrap();
    renamed["name"] = Value::from("renamed");
    renamed["updated_at"] = Value::from("2026-11-02T00:00:00Z");
    a.engine
        .upsert(EntityKind::Goal, ids[2], renamed, Uuid::new_v4())
        .unwrap();
    a.sync(500).await;
    lifepath_sync_server::prune_once(&state).await.unwrap();
    let mine = Uuid::new_v4();
    let g = goal(&mine.to_string(), "from b", 500, "2026-11-03T00:00:00Z");
    b.engine
        .upsert(EntityKind::Goal, mine, g, Uuid::new_v4())
        .unwrap();

    // B's old cursor is refused; B starts over and ends with exactly the server's records.
    let back = b.sync(500).await;
    assert!(back.started_over, "the server refused the old cursor");
    assert_eq!(b.engine.get(EntityKind::Goal, ids[0]), None);
    assert_eq!(b.engine.get(EntityKind::Goal, ids[1]), None);
    assert_eq!(
        b.engine.get(EntityKind::Goal, ids[2]).unwrap()["name"],
        "renamed"
    );
    assert_eq!(b.engine.get(EntityKind::Goal, mine).unwrap()["version"], 1);
    let again = a.sync(500).await;
    assert!(!again.started_over, "A's cursor was past the deletions");
    let feed = live_of_feed(&api.feed().await);
    assert_eq!(feed.len(), 4);
    assert_eq!(a.live(), feed);
    assert_eq!(b.live(), feed);
    // B's new cursor is served as usual.
    assert!(!b.sync(500).await.started_over);
}
