//! The store family: every store passes the exported conformance suite.

use crate::support::*;
use nasc_runtime::{testing, Error, JsonStore, MemoryStore, Store};
use serde_json::{json, Value};

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

/// Every store gives a persist the same meaning: on random sequences of states, each
/// persisted with a random partial diff (some properties set, some removed, now and then the
/// state as its own diff), the mapped store, the JSON store and `MemoryStore` load the same
/// documents after every step.
pub fn every_store_gives_a_partial_diff_the_same_meaning(b: &Backend) {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let db = b.store(testing::registry());
    let documents_db = empty(b);
    let documents = JsonStore::connect(documents_db.url()).unwrap();
    // One property's value in a state, or `None` for left out (`flag` is required).
    let property = |name: &'static str| -> BoxedStrategy<(&'static str, Option<Value>)> {
        let value: BoxedStrategy<Value> = match name {
            "text" => "[a-zé ]{0,6}".prop_map(Value::from).boxed(),
            "n" => any::<i64>().prop_map(Value::from).boxed(),
            "x" => (-1000i32..1000)
                .prop_map(|x| json!(f64::from(x) / 8.0))
                .boxed(),
            "flag" => prop_oneof![Just(Value::Null), any::<bool>().prop_map(Value::from)].boxed(),
            "tags" => prop::collection::vec("[a-c]", 0..3)
                .prop_map(|t| json!(t))
                .boxed(),
            _ => (0i64..3).prop_map(|k| json!({ "k": k })).boxed(),
        };
        let value = if name == "flag" {
            value.prop_map(Some).boxed()
        } else {
            prop::option::of(value).boxed()
        };
        value.prop_map(move |v| (name, v)).boxed()
    };
    let names = ["text", "n", "x", "flag", "tags", "meta"];
    // A step: the new state, and which properties its diff names (`None`: the whole state).
    let step = (
        names.map(property),
        prop::option::weighted(
            0.8,
            prop::collection::vec(prop::sample::select(names.to_vec()), 0..4),
        ),
    );
    let mut runner = TestRunner::new(Config {
        cases: 24,
        failure_persistence: None,
        ..Config::default()
    });
    let case = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(&prop::collection::vec(step, 1..6), |steps| {
            let memory = MemoryStore::new();
            let id = format!(
                "agree{}",
                case.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            );
            for (properties, named) in steps {
                let mut full = json!({ "id": id });
                for (name, value) in properties {
                    if let Some(value) = value {
                        full[name] = value;
                    }
                }
                let diff = match named {
                    None => full.clone(),
                    Some(named) => {
                        let mut diff = json!({});
                        let mut removed = Vec::new();
                        for name in named {
                            match full.get(name) {
                                Some(value) => diff[name] = value.clone(),
                                None => removed.push(name),
                            }
                        }
                        if !removed.is_empty() {
                            diff["$removed"] = json!(removed);
                        }
                        diff
                    }
                };
                let stores: [(&str, &dyn Store); 3] = [
                    ("memory", &memory),
                    ("JSON", &documents),
                    ("mapped", &db.store),
                ];
                for (_, store) in stores {
                    store.persist("Note", &id, &diff, &full).unwrap();
                }
                let expected = memory.load("Note", &id).unwrap();
                for (name, store) in &stores[1..] {
                    let loaded = store.load("Note", &id).unwrap();
                    prop_assert_eq!(&loaded, &expected, "{} store, diff {}", name, diff);
                }
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}
