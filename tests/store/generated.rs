//! Keys made on insert: `"generated": "increment"` (the database's own sequence) and
//! `"generated": "uuid"` (UUID version 7), through the dynamic and the typed API.

use crate::support::*;
use nasc_runtime::{Error, Store, StoreOptions};
use serde_json::{json, Value};
use std::collections::BTreeSet;

mod tickets {
    nasc_runtime::schema!(
        schema = "tests/schemas/tickets.schema.json",
        mapping = "tests/schemas/tickets.mapping.json"
    );
}

fn ticket(title: &str, notes: &[&str]) -> Value {
    let notes: Vec<Value> = notes
        .iter()
        .map(|id| json!({"id": id, "text": format!("note {id}")}))
        .collect();
    json!({"title": title, "version": 0, "notes": notes})
}

fn event(name: &str, notes: &[&str]) -> Value {
    let notes: Vec<Value> = notes
        .iter()
        .map(|id| json!({"id": id, "text": format!("about {id}")}))
        .collect();
    json!({"name": name, "notes": notes})
}

fn key_of(document: &Value) -> String {
    match &document["id"] {
        Value::String(id) => id.clone(),
        Value::Number(id) => id.to_string(),
        other => panic!("no key in {document}: {other}"),
    }
}

/// A lowercase, hyphenated UUID of version 7 and the RFC 9562 variant.
fn is_uuid_v7(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| bytes[i] == b'-')
        && text
            .chars()
            .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c))
        && bytes[14] == b'7'
        && matches!(bytes[19], b'8' | b'9' | b'a' | b'b')
}

/// Inserts without a key get one, made by the database (increasing, never reused) or as a
/// UUID v7 (sorting in the order made); what `insert` returns is what a load reads, the
/// children stored under the key made.
pub fn inserts_make_the_keys_the_mapping_asks_for(b: &Backend) {
    let store = b.store(tickets::registry());
    // Every spelling of "no key" makes one.
    let mut keys = Vec::new();
    for unset in [None, Some(Value::Null), Some(json!(0))] {
        let mut value = ticket("first", &["n1", "n2"]);
        if let Some(unset) = unset {
            value["id"] = unset;
        }
        let stored = store.insert_document("Ticket", &value).unwrap();
        let key = stored["id"].as_i64().expect("an integer key");
        assert!(key > 0, "{stored}");
        assert_eq!(
            stored["version"],
            json!(1),
            "a new aggregate's version plus one"
        );
        assert!(
            stored["openedAt"].is_string(),
            "its creation time is stamped"
        );
        assert_eq!(stored["notes"], value["notes"]);
        assert_eq!(
            store.load("Ticket", &key.to_string()).unwrap(),
            Some(stored)
        );
        keys.push(key);
    }
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    // A deleted aggregate's key is not made again.
    let last = *keys.last().unwrap();
    assert!(store.delete("Ticket", &last.to_string()).unwrap());
    let next = store
        .insert_document("Ticket", &ticket("after a delete", &[]))
        .unwrap();
    assert!(next["id"].as_i64().unwrap() > last, "{next}");

    let mut uuids = Vec::new();
    for i in 0..40 {
        let mut value = event(&format!("e{i}"), &["x"]);
        if i % 2 == 1 {
            value["id"] = json!("");
        }
        let stored = store.insert_document("Event", &value).unwrap();
        let key = key_of(&stored);
        assert!(is_uuid_v7(&key), "{key}");
        assert_eq!(store.load("Event", &key).unwrap(), Some(stored));
        uuids.push(key);
    }
    let mut sorted = uuids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, uuids, "UUIDs v7 sort in the order they were made");
}

/// An aggregate of a generated type may still bring its own key; a later generated key does
/// not collide with it (PostgreSQL's sequence moves past it), and a taken key is a conflict
/// with nothing written.
pub fn own_keys_and_generated_keys_live_together(b: &Backend) {
    let store = b.store(tickets::registry());
    let first = store
        .insert_document("Ticket", &ticket("made", &[]))
        .unwrap();
    let made = first["id"].as_i64().unwrap();
    let mut own = ticket("own", &["a"]);
    own["id"] = json!(made + 3);
    let stored = store.insert_document("Ticket", &own).unwrap();
    assert_eq!(stored["id"], json!(made + 3));
    // Saved with its own key, through `persist` too.
    let mut saved = ticket("saved", &[]);
    saved["id"] = json!(made + 1);
    store
        .persist("Ticket", &(made + 1).to_string(), &saved, &saved)
        .unwrap();
    let mut seen = BTreeSet::from([made, made + 1, made + 3]);
    for i in 0..6 {
        let stored = store
            .insert_document("Ticket", &ticket(&format!("t{i}"), &["n"]))
            .unwrap();
        let key = stored["id"].as_i64().unwrap();
        assert!(seen.insert(key), "key {key} made twice: {seen:?}");
        assert_eq!(
            store.load("Ticket", &key.to_string()).unwrap(),
            Some(stored)
        );
    }
    // Both stored aggregates are as they were.
    assert_eq!(
        store
            .load("Ticket", &(made + 3).to_string())
            .unwrap()
            .unwrap()["title"],
        json!("own")
    );
    match store.insert_document("Ticket", &own) {
        Err(Error::Conflict { ty, id, .. }) => {
            assert_eq!((ty.as_str(), id), ("Ticket", (made + 3).to_string()))
        }
        other => panic!("a taken key must conflict: {other:?}"),
    }
    let mut event_value = event("own", &[]);
    event_value["id"] = json!("0190f3c2-0000-7000-8000-000000000001");
    store.insert_document("Event", &event_value).unwrap();
    assert!(matches!(
        store.insert_document("Event", &event_value),
        Err(Error::Conflict { .. })
    ));
}

/// Saves, creates and replaces need the key: without one, the error names the pk and says
/// to insert, and nothing is written. Bad input to an insert is refused as to a save.
pub fn writes_other_than_insert_need_the_key(b: &Backend) {
    let store = b.store(tickets::registry());
    let value = ticket("no key", &[]);
    let refused = [
        store.persist("Ticket", "0", &value, &value).map(|_| ()),
        store.create("Ticket", "0", &value).map(|_| ()),
        store.replace("Ticket", "0", &value).map(|_| ()),
        store.create("Event", "", &event("no key", &[])).map(|_| ()),
    ];
    for result in refused {
        match result {
            Err(Error::Invalid {
                pointer, message, ..
            }) => {
                assert_eq!(pointer, "/id");
                assert!(message.contains("`insert` it"), "{message}");
            }
            other => panic!("a write without a generated key must be refused: {other:?}"),
        }
    }
    match store.save(&typed_ticket(0, "no key")) {
        Err(Error::Invalid { pointer, .. }) => assert_eq!(pointer, "/id"),
        other => panic!("{other:?}"),
    }
    // A title the schema refuses: nothing written, no key used up that a load would see.
    let mut bad = ticket("", &[]);
    bad["notes"] = json!([{"id": "n", "text": 5}]);
    match store.insert_document("Ticket", &bad) {
        Err(Error::Invalid { ty, pointer, .. }) => {
            assert_eq!(ty, "Ticket");
            assert_eq!(pointer, "/title");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(store.query_count("Ticket", &json!({})).unwrap(), 0);
    assert_eq!(store.query_count("Event", &json!({})).unwrap(), 0);
}

fn typed_ticket(id: i64, title: &str) -> tickets::Ticket {
    tickets::Ticket {
        id,
        title: title.to_owned(),
        version: 0,
        opened_at: None,
        notes: vec![tickets::Note {
            id: "n".into(),
            text: "typed".into(),
        }],
    }
}

/// The typed `insert` returns the entity as stored: its key made, version and times.
pub fn typed_inserts_return_the_stored_entity(b: &Backend) {
    let store = b.store(tickets::registry());
    let first = store.insert(&typed_ticket(0, "typed")).unwrap();
    assert!(first.id > 0);
    assert_eq!(first.version, 1);
    assert!(first.opened_at.is_some());
    assert_eq!(
        store.get::<tickets::Ticket>(&first.id.to_string()).unwrap(),
        Some(first.clone())
    );
    let second = store.insert(&typed_ticket(0, "typed")).unwrap();
    assert!(second.id > first.id);
    // Its own key, kept; taken, a conflict.
    let own = store.insert(&typed_ticket(second.id + 10, "own")).unwrap();
    assert_eq!(own.id, second.id + 10);
    assert!(matches!(
        store.insert(&typed_ticket(own.id, "again")),
        Err(Error::Conflict { .. })
    ));
    let event = tickets::Event {
        id: String::new(),
        name: "typed".into(),
        notes: vec![],
    };
    let stored = store.insert(&event).unwrap();
    assert!(is_uuid_v7(&stored.id), "{}", stored.id);
    assert_eq!(
        store.get::<tickets::Event>(&stored.id).unwrap(),
        Some(stored.clone())
    );
    // Updated with its key like any other aggregate.
    let mut changed = stored.clone();
    changed.name = "renamed".into();
    store.update(&changed).unwrap();
    assert_eq!(
        store
            .get::<tickets::Event>(&stored.id)
            .unwrap()
            .unwrap()
            .name,
        "renamed"
    );
}

/// Inserts inside a transaction see their keys, and are undone with it; the change log
/// records the key made.
pub fn generated_keys_in_transactions_and_the_change_log(b: &Backend) {
    let db = b.store(tickets::registry());
    let options = StoreOptions {
        change_log: true,
        ..StoreOptions::default()
    };
    let store = db.connect_with(tickets::registry(), options).unwrap();
    let result: Result<(), Error> = store.transaction(|tx| {
        let stored = tx.insert_document("Ticket", &ticket("inside", &["n"]))?;
        let key = key_of(&stored);
        assert_eq!(tx.load("Ticket", &key)?, Some(stored));
        Err(Error::NotFound {
            ty: "Ticket".into(),
            id: key,
        })
    });
    let Err(Error::NotFound { id: undone, .. }) = result else {
        panic!("the transaction's own error: {result:?}")
    };
    assert_eq!(store.load("Ticket", &undone).unwrap(), None);
    let stored = store.insert(&typed_ticket(0, "logged")).unwrap();
    let event = store
        .insert_document("Event", &event("logged", &[]))
        .unwrap();
    let log = store.changes_since(0, 100).unwrap();
    let logged: Vec<(String, String, Value)> = log
        .iter()
        .map(|c| (c.ty.clone(), c.id.clone(), c.diff["id"].clone()))
        .collect();
    assert_eq!(
        logged,
        [
            ("Ticket".to_owned(), stored.id.to_string(), json!(stored.id)),
            ("Event".to_owned(), key_of(&event), event["id"].clone()),
        ]
    );
    assert_eq!(log[0].version, Some(1));
}

/// Writers inserting at once each get their own keys, every aggregate whole.
pub fn concurrent_inserts_get_distinct_keys(b: &Backend) {
    let store = b.store(tickets::registry());
    let store = &*store;
    let keys: Vec<String> = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..4)
            .map(|w| {
                scope.spawn(move || {
                    (0..15)
                        .flat_map(|i| {
                            let name = format!("w{w}-{i}");
                            let ticket = store
                                .insert_document("Ticket", &ticket(&name, &[&name]))
                                .unwrap();
                            let event = store
                                .insert_document("Event", &event(&name, &[&name]))
                                .unwrap();
                            [key_of(&ticket), key_of(&event)]
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        writers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let distinct: BTreeSet<&String> = keys.iter().collect();
    assert_eq!(distinct.len(), 120, "{keys:?}");
    assert_eq!(store.query_count("Ticket", &json!({})).unwrap(), 60);
    assert_eq!(store.query_count("Event", &json!({})).unwrap(), 60);
    for page in [
        store.query("Ticket", &json!({"take": 100})).unwrap(),
        store.query("Event", &json!({"take": 100})).unwrap(),
    ] {
        for stored in page.items {
            let name = stored.get("title").or(stored.get("name")).unwrap().clone();
            assert_eq!(stored["notes"][0]["id"], name, "{stored}");
        }
    }
}

/// A type whose integer key becomes `increment` keeps its rows and children, and the
/// database makes keys past the stored ones (PostgreSQL: its identity's sequence starts
/// there; SQLite: the table is rebuilt with `AUTOINCREMENT`; MySQL: `AUTO_INCREMENT`, its
/// children's foreign keys dropped around the change).
pub fn a_key_that_becomes_generated_keeps_the_rows(b: &Backend) {
    let schema = include_str!("../schemas/tickets.schema.json");
    let generated = include_str!("../schemas/tickets.mapping.json");
    let given = generated
        .replace(r#""generated": "increment","#, "")
        .replace(r#", "generated": "uuid""#, "");
    assert!(!given.contains("generated"), "{given}");
    let registry = |mapping: &str| {
        nasc_runtime::Registry::from_json_str("tickets.schema.json", schema, "m.json", mapping)
            .unwrap()
    };
    let db = b.store(registry(&given));
    for id in 1..=3 {
        let mut value = ticket(&format!("t{id}"), &["a", "b"]);
        value["id"] = json!(id);
        db.persist("Ticket", &id.to_string(), &value, &value)
            .unwrap();
    }
    let before = db.load_many("Ticket", &["1", "2", "3"]).unwrap();
    let store = db.connect_with(registry(generated), options_all()).unwrap();
    assert_eq!(store.load_many("Ticket", &["1", "2", "3"]).unwrap(), before);
    let stored = store
        .insert_document("Ticket", &ticket("made", &["c"]))
        .unwrap();
    assert_eq!(stored["id"], json!(4), "{stored}");
    assert_eq!(store.load("Ticket", "4").unwrap(), Some(stored));
    // And back: the rows stay, and keys are given again.
    let store = db.connect_with(registry(&given), options_all()).unwrap();
    assert_eq!(store.query_count("Ticket", &json!({})).unwrap(), 4);
    assert!(matches!(
        store.insert_document("Ticket", &ticket("no key", &[])),
        Err(Error::Invalid { .. })
    ));
}

fn options_all() -> StoreOptions {
    StoreOptions {
        migrations: nasc_runtime::Migrations::All,
        ..StoreOptions::default()
    }
}

/// Hostile keys: an aggregate brought with the largest key there is, then inserts that need
/// a key made: each either gets a key of its own or fails with nothing written (SQLite and
/// MySQL have no key after the largest); what is stored is never overwritten. A document
/// that is no object is refused, not a panic.
pub fn keys_at_the_edge_never_overwrite(b: &Backend) {
    let store = b.store(tickets::registry());
    let mut top = ticket("largest", &["keep"]);
    top["id"] = json!(i64::MAX);
    let top = store.insert_document("Ticket", &top).unwrap();
    let mut negative = ticket("negative", &[]);
    negative["id"] = json!(-5);
    let negative = store.insert_document("Ticket", &negative).unwrap();
    let mut made = BTreeSet::new();
    for i in 0..3 {
        match store.insert_document("Ticket", &ticket(&format!("after {i}"), &["n"])) {
            Ok(stored) => {
                let key = stored["id"].as_i64().unwrap();
                assert!(key != i64::MAX && key != -5 && made.insert(key), "{stored}");
                assert_eq!(
                    store.load("Ticket", &key.to_string()).unwrap(),
                    Some(stored)
                );
            }
            Err(Error::Database { .. }) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(
        store.query_count("Ticket", &json!({})).unwrap(),
        2 + made.len() as u64
    );
    assert_eq!(
        store.load("Ticket", &i64::MAX.to_string()).unwrap(),
        Some(top)
    );
    assert_eq!(store.load("Ticket", "-5").unwrap(), Some(negative));
    for hostile in [
        json!([1]),
        json!("id"),
        json!(null),
        json!({"id": {"x": 1}}),
    ] {
        match store.insert_document("Ticket", &hostile) {
            Err(Error::Invalid { ty, .. }) => assert_eq!(ty, "Ticket"),
            other => panic!("{hostile}: {other:?}"),
        }
        assert!(matches!(
            store.insert_document("Event", &hostile),
            Err(Error::Invalid { .. })
        ));
    }
}
