//! Expiry and size limits: `ttl` makes an aggregate invisible that long after its last
//! save and `purge_expired` removes it with its children; `maxSize` removes the oldest
//! aggregates beyond the cap in the saving transaction; both logged in the change feed.

use crate::support::*;
use nasc_runtime::{Registry, Store, StoreOptions};
use serde_json::{json, Value};
use std::time::Duration;

/// How long a session lives in these tests.
const TTL: Duration = Duration::from_millis(600);

fn registry_with(session_store: &str) -> Registry {
    Registry::from_json_str(
        "expiry.schema.json",
        r##"{"$defs": {
            "Session": {"type": "object", "properties": {"id": {"type": "string"}, "user": {"type": "string"},
                "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}}}, "required": ["id", "user", "items"]},
            "Item": {"type": "object", "properties": {"id": {"type": "string"}, "text": {"type": "string"}},
                "required": ["id"]},
            "Recent": {"type": "object", "properties": {"id": {"type": "string"}, "n": {"type": "integer"}},
                "required": ["id"]}
        }}"##,
        "expiry.mapping.json",
        &format!(
            r#"{{"Session": {{"x-na:store": {session_store}}}, "Item": {{}},
                "Recent": {{"x-na:store": {{"maxSize": 3}}}}}}"#
        ),
    )
    .unwrap()
}

pub fn registry() -> Registry {
    registry_with(&format!(r#"{{"ttl": "{}ms"}}"#, TTL.as_millis()))
}

fn logged() -> StoreOptions {
    StoreOptions {
        change_log: true,
        ..StoreOptions::default()
    }
}

fn session(id: &str, user: &str, items: usize) -> Value {
    let items: Vec<Value> = (0..items)
        .map(|i| json!({"id": format!("{id}-{i}"), "text": format!("item {i}")}))
        .collect();
    json!({"id": id, "user": user, "items": items})
}

/// An expired aggregate is absent at once for every read and write; `purge_expired`
/// removes its rows (children too) and logs the removal; a save keeps one alive.
pub fn expired_aggregates_vanish_and_are_purged(b: &Backend) {
    let db = b.store(registry());
    let store = db.connect_with(registry(), logged()).unwrap();
    for id in ["s1", "s2", "s3"] {
        store.create("Session", id, &session(id, "ada", 2)).unwrap();
    }
    let all = json!({"where": {"user": "ada"}});
    assert_eq!(store.query_count("Session", &all).unwrap(), 3);
    // s3 is saved again halfway: it lives on.
    std::thread::sleep(TTL / 2);
    let touched = session("s3", "ada", 1);
    store.persist("Session", "s3", &touched, &touched).unwrap();
    std::thread::sleep(TTL / 2 + Duration::from_millis(150));
    for id in ["s1", "s2"] {
        assert_eq!(store.load("Session", id).unwrap(), None, "{id}");
        assert!(!store.delete("Session", id).unwrap(), "{id}");
        assert!(
            !store
                .replace("Session", id, &session(id, "ada", 1))
                .unwrap(),
            "{id}"
        );
    }
    assert_eq!(store.load("Session", "s3").unwrap(), Some(touched.clone()));
    assert_eq!(store.query_count("Session", &all).unwrap(), 1);
    assert!(!store
        .query_exists("Session", &json!({"where": {"id": "s1"}}))
        .unwrap());
    let page = store.query("Session", &json!({})).unwrap();
    assert_eq!(page.items, std::slice::from_ref(&touched));
    assert_eq!(
        store.load_many("Session", &["s1", "s3"]).unwrap(),
        [None, Some(touched)]
    );
    // A write of an expired id makes a new aggregate: nothing of the old one is kept.
    assert!(store
        .create("Session", "s2", &session("s2", "bob", 0))
        .unwrap());
    assert_eq!(
        store.load("Session", "s2").unwrap(),
        Some(session("s2", "bob", 0))
    );
    // The rows of s1 are still there until purged; then gone, children too.
    let items = |id: &str| {
        db.count_of(&format!(
            "SELECT COUNT(*) FROM {} WHERE {} LIKE '{id}-%'",
            db.quote("items"),
            db.quote("id")
        ))
    };
    assert_eq!(items("s1"), 2);
    assert_eq!(store.purge_expired().unwrap(), 1);
    assert_eq!(items("s1"), 0);
    assert_eq!(store.purge_expired().unwrap(), 0);
    // The feed says what went: s2 when it was written over, s1 when purged.
    let removals: Vec<(String, Value)> = store
        .changes_since(0, 1000)
        .unwrap()
        .into_iter()
        .filter(|c| c.diff.get("$deleted").is_some())
        .map(|c| (c.id, c.diff["$removedBy"].clone()))
        .collect();
    assert_eq!(
        removals,
        [
            ("s2".to_owned(), json!("expired")),
            ("s1".to_owned(), json!("expired"))
        ]
    );
}

/// Saving beyond `maxSize` removes the oldest aggregates by creation time, in the same
/// transaction (a rolled-back save removes nothing), never the one saved; the removals
/// are in the feed.
pub fn saving_beyond_the_cap_removes_the_oldest(b: &Backend) {
    let db = b.store(registry());
    let store = db.connect_with(registry(), logged()).unwrap();
    let recent = |id: &str, n: i64| json!({"id": id, "n": n});
    for (n, id) in ["r1", "r2", "r3"].into_iter().enumerate() {
        store.create("Recent", id, &recent(id, n as i64)).unwrap();
        std::thread::sleep(Duration::from_millis(5));
    }
    // Saving a kept one again makes it no younger, and removes nothing.
    store
        .persist("Recent", "r1", &recent("r1", 10), &recent("r1", 10))
        .unwrap();
    assert_eq!(store.query_count("Recent", &json!({})).unwrap(), 3);
    store.create("Recent", "r4", &recent("r4", 4)).unwrap();
    let kept = |store: &nasc_runtime::MappedStore| -> Vec<String> {
        let page = store
            .query("Recent", &json!({"orderBy": [{"id": "asc"}]}))
            .unwrap();
        page.items
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(kept(&store), ["r2", "r3", "r4"]);
    // A save rolled back removes nothing.
    let failed = store.transaction(|tx| {
        tx.create("Recent", "r5", &recent("r5", 5))?;
        Err::<(), _>(nasc_runtime::Error::Invalid {
            ty: "Recent".into(),
            id: "r5".into(),
            pointer: String::new(),
            message: "changed my mind".into(),
        })
    });
    assert!(failed.is_err());
    assert_eq!(kept(&store), ["r2", "r3", "r4"]);
    store.create("Recent", "r5", &recent("r5", 5)).unwrap();
    assert_eq!(kept(&store), ["r3", "r4", "r5"]);
    let evicted: Vec<String> = store
        .changes_since(0, 1000)
        .unwrap()
        .into_iter()
        .filter(|c| c.diff["$removedBy"] == json!("evicted"))
        .map(|c| c.id)
        .collect();
    assert_eq!(evicted, ["r1", "r2"]);
}

/// A type that gains a `ttl` keeps its rows (they never expire until saved again); a bad
/// `ttl` or `maxSize`, or one on a child type, is a mapping error naming its pointer.
pub fn expiry_joins_a_stored_type_and_bad_mappings_are_refused(b: &Backend) {
    let plain = registry_with("{}");
    let db = b.store(plain.clone());
    db.create("Session", "old", &session("old", "ada", 1))
        .unwrap();
    let store = db.connect_with(registry(), logged()).unwrap();
    assert_eq!(
        store.load("Session", "old").unwrap(),
        Some(session("old", "ada", 1))
    );
    store
        .create("Session", "new", &session("new", "ada", 0))
        .unwrap();
    std::thread::sleep(TTL + Duration::from_millis(150));
    assert!(store.load("Session", "old").unwrap().is_some());
    assert_eq!(store.load("Session", "new").unwrap(), None);
    for (mapping, pointer) in [
        (r#"{"ttl": "5 weeks"}"#, "/Session/x-na:store/ttl"),
        (r#"{"ttl": 0}"#, "/Session/x-na:store/ttl"),
        (r#"{"maxSize": 0}"#, "/Session/x-na:store/maxSize"),
    ] {
        let error = Registry::from_json_str(
            "s.json",
            r##"{"$defs": {"Session": {"type": "object", "properties": {"id": {"type": "string"}}}}}"##,
            "m.json",
            &format!(r#"{{"Session": {{"x-na:store": {mapping}}}}}"#),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(error.contains(pointer), "{mapping}: {error}");
    }
    let error = Registry::from_json_str(
        "s.json",
        r##"{"$defs": {"A": {"type": "object", "properties": {"id": {"type": "string"},
            "bs": {"type": "array", "items": {"$ref": "#/$defs/B"}}}},
            "B": {"type": "object", "properties": {"id": {"type": "string"}}}}}"##,
        "m.json",
        r#"{"A": {}, "B": {"x-na:store": {"ttl": "1h"}}}"#,
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        error.contains("/B/x-na:store/ttl") && error.contains("child"),
        "{error}"
    );
}

/// A `Purger` frees expired aggregates in the background, and stops when dropped.
pub fn a_purger_frees_expired_aggregates_in_the_background(b: &Backend) {
    let db = b.store(registry());
    let store = std::sync::Arc::new(db.connect_with(registry(), logged()).unwrap());
    store
        .create("Session", "p", &session("p", "ada", 3))
        .unwrap();
    let rows = || {
        db.count_of(&format!(
            "SELECT COUNT(*) FROM {} WHERE {} = 'p'",
            db.quote("sessions"),
            db.quote("id")
        ))
    };
    assert_eq!(rows(), 1);
    let purger = nasc_runtime::Purger::spawn(store.clone(), Duration::from_millis(50));
    let deadline = std::time::Instant::now() + TTL + Duration::from_secs(10);
    // (The purger counts what it purged once its transaction has committed: the rows are
    // gone a moment before the count says so.)
    while rows() > 0 || purger.purged() == 0 {
        assert!(std::time::Instant::now() < deadline, "never purged");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(purger.purged(), 1);
    drop(purger);
    // Stopped: a later expiry stays until purged by hand.
    store
        .create("Session", "q", &session("q", "ada", 0))
        .unwrap();
    std::thread::sleep(TTL + Duration::from_millis(200));
    assert_eq!(store.purge_expired().unwrap(), 1);
}
