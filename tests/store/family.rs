//! The store family: every store passes the exported conformance suite.

use crate::support::*;
use nasc_runtime::{testing, Error, JsonStore, MemoryStore, Store};
use serde_json::json;

pub fn the_mapped_store_passes_the_exported_suite(b: &Backend) {
    let store = b.store(testing::registry());
    testing::check_store(&*store);
}

/// A database without mapped tables, for JSON stores.
fn empty(b: &Backend) -> TestDb {
    b.store(nasc_runtime::Registry::from_json_str("s", r#"{"$defs": {}}"#, "m", "{}").unwrap())
}

pub fn the_json_store_passes_the_exported_suite(b: &Backend) {
    let db = empty(b);
    let store = JsonStore::connect(db.url()).unwrap();
    testing::check_store(&store);
    // (The suite's notes: 3 single ones, 100 from its threads, 1 + 5 created, 1 written
    // by partial diffs.)
    assert_eq!(
        db.count("notes"),
        1 + 1 + 1 + 100 + 6 + 1,
        "one row per saved note"
    );
}

pub fn the_json_store_reports_a_corrupt_document(b: &Backend) {
    let db = empty(b);
    let store = JsonStore::connect(db.url()).unwrap();
    let value = json!({"id": "x", "n": 1});
    store.persist("Thing", "x", &value, &value).unwrap();
    let table = b.kind.dialect().quote("things");
    let data = b.kind.dialect().quote("data");
    db.try_execute(&format!("UPDATE {table} SET {data} = '5'"))
        .unwrap();
    match store.load("Thing", "x") {
        Err(Error::Corrupt {
            ty, id, message, ..
        }) => {
            assert_eq!((ty.as_str(), id.as_str()), ("Thing", "x"));
            assert!(message.contains("not an object"), "{message}");
        }
        other => panic!("a corrupt document must be an error, not {other:?}"),
    }
}

#[test]
fn the_memory_store_passes_the_exported_suite() {
    let store = MemoryStore::new();
    testing::check_store(&store);
    assert_eq!(store.len(), 1 + 1 + 1 + 2 + 100 + 6 + 1);
}

#[test]
fn the_seed_name_of_the_json_store_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let store = nasc_runtime::SqliteStore::connect(dir.path().join("json.db").to_str().unwrap())
        .unwrap()
        .with_table("TodoList", "lists")
        .unwrap();
    let value = json!({"id": "5", "items": []});
    store.persist("TodoList", "5", &value, &value).unwrap();
    assert_eq!(store.load("TodoList", "5").unwrap(), Some(value));
    assert_eq!(store.table_of("TodoList"), "lists");
    assert_eq!(store.table_of("User"), "users");
}
