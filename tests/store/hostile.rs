//! Hostile and careless input: NUL characters, documents nested without end, huge ids,
//! overflowing versions, malformed diffs, racing first saves. Each is refused with an
//! `Error::Invalid` (or the error a caller can act on) naming the path, and nothing is
//! written.

use crate::support::*;
use nasc_runtime::{Error, Registry, Store, MAX_DOCUMENT_DEPTH};
use serde_json::{json, Value};

fn registry() -> Registry {
    Registry::from_json_str(
        "hostile.schema.json",
        r##"{"$defs": {
            "Doc": {"type": "object", "properties": {
                "id": {"type": "string"}, "text": {"type": "string"}, "data": {},
                "parts": {"type": "array", "items": {"$ref": "#/$defs/Part"}}},
                "required": ["id"]},
            "Part": {"type": "object", "properties": {"id": {"type": "string"}, "text": {"type": "string"}},
                "required": ["id"]},
            "Counter": {"type": "object", "properties": {
                "id": {"type": "string"}, "rev": {"type": "integer"}, "n": {"type": "integer"}},
                "required": ["id", "rev"]}
        }}"##,
        "hostile.mapping.json",
        r#"{"Doc": {}, "Part": {}, "Counter": {"x-na:store": {"version": "rev"}}}"#,
    )
    .unwrap()
}

/// `error` is `Invalid` at `pointer`, with a message containing `says`.
fn assert_invalid(result: Result<impl std::fmt::Debug, Error>, pointer: &str, says: &str) {
    match result {
        Err(Error::Invalid {
            pointer: at,
            message,
            ..
        }) => {
            assert_eq!(at, pointer, "{message}");
            assert!(message.contains(says), "{message}");
        }
        other => panic!("expected Invalid at {pointer}, got {other:?}"),
    }
}

/// Nothing of any type is stored.
fn assert_nothing_written(db: &TestDb) {
    for table in ["docs", "parts", "counters"] {
        assert_eq!(db.count(table), 0, "{table} holds rows");
    }
}

/// `levels` arrays within each other around `leaf`, built without recursion.
fn nested(levels: usize, leaf: Value) -> Value {
    let mut value = leaf;
    for _ in 0..levels {
        value = Value::Array(vec![value]);
    }
    value
}

/// Drops `value` piece by piece: a value this deep would overflow a recursive drop.
fn drop_iteratively(value: Value) {
    let mut pending = vec![value];
    while let Some(mut value) = pending.pop() {
        match &mut value {
            Value::Array(items) => pending.append(items),
            Value::Object(map) => pending.extend(std::mem::take(map).into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

pub fn nul_characters_are_refused_before_writing_on_every_backend(b: &Backend) {
    let db = b.store(registry());
    let nul = "before\0after";
    let cases = [
        (json!({"id": "d", "text": nul}), "/text"),
        (json!({"id": "d", "data": {"k": ["x", nul]}}), "/data/k/1"),
        (json!({"id": "d", "data": {nul: 1}}), "/data/before\0after"),
        (
            json!({"id": "d", "parts": [{"id": "p", "text": "ok"}, {"id": "q", "text": nul}]}),
            "/parts/1/text",
        ),
        (json!({"id": "d", "parts": [{"id": nul}]}), "/parts/0/id"),
    ];
    for (value, pointer) in cases {
        assert_invalid(
            db.persist("Doc", "d", &value, &value),
            pointer,
            "NUL character",
        );
    }
    let value = json!({"id": nul});
    assert_invalid(
        db.persist("Doc", nul, &value, &value),
        "/id",
        "NUL character",
    );
    assert_invalid(db.load("Doc", nul), "", "NUL character");
    assert_invalid(db.delete("Doc", nul), "", "NUL character");
    assert_nothing_written(&db);
}

pub fn documents_deeper_than_the_limit_are_refused_and_the_limit_round_trips(b: &Backend) {
    let db = b.store(registry());
    // At the limit: saved and loaded back on every backend.
    let deepest = json!({"id": "d", "data": nested(MAX_DOCUMENT_DEPTH - 1, json!({"leaf": true})), "parts": []});
    db.persist("Doc", "d", &deepest, &deepest)
        .unwrap_or_else(|e| panic!("a document {MAX_DOCUMENT_DEPTH} levels deep: {e}"));
    assert_eq!(db.loaded("Doc", "d"), deepest);
    assert!(db.delete("Doc", "d").unwrap());
    // One level more, and far more: refused, naming the level past the limit.
    let deeper_pointer = format!("/data{}", "/0".repeat(MAX_DOCUMENT_DEPTH));
    for levels in [MAX_DOCUMENT_DEPTH, 5_000] {
        // (Not through `json!`, which would serialise the value recursively.)
        let mut too_deep = json!({"id": "d"});
        too_deep["data"] = nested(levels, json!({"leaf": true}));
        assert_invalid(
            db.persist("Doc", "d", &too_deep, &too_deep),
            &deeper_pointer,
            &format!("deeper than {MAX_DOCUMENT_DEPTH} levels"),
        );
        drop_iteratively(too_deep);
    }
    assert_nothing_written(&db);
}

pub fn huge_ids_and_keys_are_quoted_as_a_bounded_prefix(b: &Backend) {
    let db = b.store(registry());
    let huge = "x".repeat(1_000_000);
    let value = json!({"id": "d", &huge: 1});
    let error = db.persist("Doc", "d", &value, &value).unwrap_err();
    assert!(
        error.to_string().len() < 1_000,
        "{}",
        error.to_string().len()
    );
    let value = json!({"id": huge, "text": 5});
    let error = db.persist("Doc", &huge, &value, &value).unwrap_err();
    assert!(
        error.to_string().len() < 1_000,
        "{}",
        error.to_string().len()
    );
    assert!(error.to_string().contains("(1000000 bytes)"), "{error}");
    let error = db.load(&huge, "d").unwrap_err();
    assert!(
        error.to_string().len() < 1_000,
        "{}",
        error.to_string().len()
    );
    assert_nothing_written(&db);
}

pub fn a_version_that_cannot_be_incremented_is_refused(b: &Backend) {
    let db = b.store(registry());
    let max = json!({"id": "c", "rev": i64::MAX, "n": 1});
    assert_invalid(db.persist("Counter", "c", &max, &max), "/rev", "largest");
    assert_nothing_written(&db);
}

pub fn positions_must_name_an_array(b: &Backend) {
    let db = b.store(registry());
    let value = json!({"id": "d", "text": "t", "parts": []});
    for positions in [
        json!({"text": [0]}),
        json!({"nothing": [0]}),
        json!({"parts": ["x"]}),
    ] {
        let diff = json!({"text": "t", "$positions": positions});
        assert_invalid(
            db.persist("Doc", "d", &diff, &value),
            "/$positions",
            "array properties of `Doc` (`parts`)",
        );
    }
    assert_nothing_written(&db);
}

/// Two first saves of one versioned aggregate at once: one wins, the other gets a version
/// conflict (which the processor retries), never another error.
pub fn racing_first_saves_of_a_versioned_aggregate_are_a_version_conflict(b: &Backend) {
    let db = b.store(registry());
    let second = db.reopen(registry());
    for round in 0..20 {
        let id = format!("c{round}");
        let value = json!({"id": id, "rev": 0, "n": round});
        let barrier = std::sync::Barrier::new(2);
        let results: Vec<Result<(), Error>> = std::thread::scope(|s| {
            let handles: Vec<_> = [&db.store, &second]
                .map(|store| {
                    let (barrier, value, id) = (&barrier, &value, &id);
                    s.spawn(move || {
                        barrier.wait();
                        store.persist("Counter", id, value, value)
                    })
                })
                .into_iter()
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let won = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(won, 1, "exactly one first save wins: {results:?}");
        for result in results {
            match result {
                Ok(()) => {}
                Err(Error::VersionConflict {
                    expected: 0,
                    actual: 1,
                    ..
                }) => {}
                Err(other) => panic!("the loser must get a version conflict: {other}"),
            }
        }
        assert_eq!(db.loaded("Counter", &id)["rev"], json!(1));
    }
}

/// Child ids are local to one array at every level of a four-level aggregate: the same card
/// id under two columns, the same task id under two cards, and a second board holding the
/// same ids, all kept apart; an id twice in one array is Invalid and writes nothing.
pub fn child_ids_are_local_to_their_array_at_every_level(b: &Backend) {
    let registry = Registry::from_json_str(
        "board.schema.json",
        r##"{"$defs": {
            "Board": {"type": "object", "properties": {"id": {"type": "string"},
                "columns": {"type": "array", "items": {"$ref": "#/$defs/Column"}}}, "required": ["id"]},
            "Column": {"type": "object", "properties": {"id": {"type": "string"},
                "cards": {"type": "array", "items": {"$ref": "#/$defs/Card"}}}, "required": ["id"]},
            "Card": {"type": "object", "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                "tasks": {"type": "array", "items": {"$ref": "#/$defs/Task"}}}, "required": ["id"]},
            "Task": {"type": "object", "properties": {"id": {"type": "string"}, "done": {"type": "boolean"}}, "required": ["id"]}
        }}"##,
        "board.mapping.json",
        r#"{"Board": {}, "Column": {}, "Card": {}, "Task": {}}"#,
    )
    .unwrap();
    let db = b.store(registry);
    let board = |id: &str, title: &str| {
        json!({"id": id, "columns": [
            {"id": "todo", "cards": [
                {"id": "c1", "title": title, "tasks": [{"id": "t", "done": false}]},
                {"id": "c2", "tasks": []}]},
            {"id": "done", "cards": [
                {"id": "c3", "tasks": [{"id": "t", "done": true}]},
                {"id": "c1", "title": "other", "tasks": [{"id": "t"}, {"id": "u", "done": true}]}]}
        ]})
    };
    let (one, two) = (board("one", "first"), board("two", "second"));
    db.persist("Board", "one", &one, &one).unwrap();
    db.persist("Board", "two", &two, &two).unwrap();
    assert_eq!(db.loaded("Board", "one"), one);
    assert_eq!(db.loaded("Board", "two"), two);
    let mut changed = two.clone();
    changed["columns"][1]["cards"][1]["tasks"][0]["done"] = json!(true);
    changed["columns"].as_array_mut().unwrap().reverse();
    db.persist("Board", "two", &changed, &changed).unwrap();
    assert_eq!(db.loaded("Board", "one"), one);
    assert_eq!(db.loaded("Board", "two"), changed);
    assert!(db.delete("Board", "two").unwrap());
    assert_eq!(db.loaded("Board", "one"), one);
    let counts: Vec<i64> = ["boards", "columns", "cards", "tasks"]
        .iter()
        .map(|t| db.count(t))
        .collect();
    assert_eq!(counts, [1, 2, 4, 4]);

    let mut twice = board("three", "x");
    twice["columns"][1]["cards"][0]["id"] = json!("c1");
    match db.persist("Board", "three", &twice, &twice) {
        Err(Error::Invalid {
            pointer, message, ..
        }) => {
            assert_eq!(pointer, "/columns/1/cards/1/id", "{message}");
            assert!(message.contains("appears twice"), "{message}");
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(db.load("Board", "three").unwrap(), None);
    assert_eq!(db.count("cards"), 4);
}

/// Ids that differ only in trailing spaces, case or a tab are different keys on every
/// backend, for aggregates and for child rows (MariaDB's PAD SPACE collations once made
/// `"pad"` and `"pad "` one key, so the second save overwrote the first aggregate).
pub fn keys_compare_exactly(b: &Backend) {
    let db = b.store(registry());
    let ids = ["pad", "pad ", "pad  ", "PAD", "pad\t", " pad"];
    for (n, id) in ids.iter().enumerate() {
        let parts: Vec<Value> = ids.iter().map(|p| json!({"id": p, "text": id})).collect();
        let doc = json!({"id": id, "text": format!("doc {n}"), "parts": parts});
        db.persist("Doc", id, &doc, &doc).unwrap();
    }
    assert_eq!(db.count("docs"), ids.len() as i64);
    for (n, id) in ids.iter().enumerate() {
        let doc = db.loaded("Doc", id);
        assert_eq!(doc["text"], json!(format!("doc {n}")), "{id:?}");
        let part_ids: Vec<&str> = doc["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        assert_eq!(part_ids, ids, "{id:?}");
    }
    assert!(db.delete("Doc", "pad ").unwrap());
    assert!(db.load("Doc", "pad ").unwrap().is_none());
    assert_eq!(db.loaded("Doc", "pad")["text"], json!("doc 0"));
    // The JSON-document store's keys too.
    let json_store = nasc_runtime::JsonStore::connect(db.url()).unwrap();
    for id in ids {
        let doc = json!({"id": id});
        json_store.persist("Note", id, &doc, &doc).unwrap();
    }
    for id in ids {
        assert_eq!(
            json_store.load("Note", id).unwrap(),
            Some(json!({"id": id}))
        );
    }
}

/// A table of the mapping's name that nasc did not make: connecting fails, naming it,
/// instead of every save failing later. A table exactly as nasc makes it (from the exported
/// DDL, run by another tool) is taken as is.
pub fn a_foreign_table_of_the_same_name_is_refused_at_connect(b: &Backend) {
    let (url, _cleanup) = b.empty_database();
    let first = nasc_runtime::JsonStore::connect(&url).unwrap();
    let foreign = json!({"id": "x"});
    // (The JSON store keeps `Doc` in `docs (id, data)`: another shape, the same name.)
    first.persist("Doc", "x", &foreign, &foreign).unwrap();
    let Err(error) = nasc_runtime::MappedStore::connect(&url, registry()) else {
        panic!("connecting over a foreign `docs` table must fail");
    };
    let text = error.to_string();
    assert!(
        text.contains("table `docs` already exists with columns (id, data)"),
        "{text}"
    );

    let (url, _cleanup) = b.empty_database();
    let dialect = b.kind.dialect();
    let ddl = registry().ddl(dialect);
    for statement in &ddl {
        match b.kind {
            Kind::Sqlite => {
                use diesel::connection::SimpleConnection;
                use diesel::Connection;
                diesel::SqliteConnection::establish(&url)
                    .unwrap()
                    .batch_execute(statement)
                    .unwrap()
            }
            _ => server::execute(&url, statement),
        }
    }
    let store = nasc_runtime::MappedStore::connect(&url, registry())
        .unwrap_or_else(|e| panic!("tables made by the exported DDL: {e}"));
    let doc = json!({"id": "d", "parts": [{"id": "p"}]});
    store.persist("Doc", "d", &doc, &doc).unwrap();
    assert_eq!(store.load("Doc", "d").unwrap(), Some(doc));
}

/// The JSON-document store keeps the same limits: NUL characters and documents deeper
/// than `MAX_DOCUMENT_DEPTH` are Invalid before writing; the limit itself round-trips.
pub fn the_json_store_refuses_what_no_backend_stores(b: &Backend) {
    let (url, _cleanup) = b.empty_database();
    let store = nasc_runtime::JsonStore::connect(&url).unwrap();
    let nul = json!({"id": "d", "text": "a\0b"});
    assert_invalid(
        store.persist("Note", "d", &nul, &nul),
        "/text",
        "NUL character",
    );
    let key = json!({"id": "d", "m": {"a\0": 1}});
    assert_invalid(
        store.persist("Note", "d", &key, &key),
        "/m/a\0",
        "NUL character",
    );
    let doc = json!({"id": "x"});
    assert_invalid(
        store.persist("Note", "x\0", &doc, &doc),
        "",
        "NUL character",
    );
    assert_invalid(store.load("Note", "x\0"), "", "NUL character");
    assert_invalid(store.delete("Note", "x\0"), "", "NUL character");
    // The document is level 1: `data` nests the rest.
    let mut deepest = json!({"id": "d"});
    deepest["data"] = nested(MAX_DOCUMENT_DEPTH - 2, json!({"leaf": true}));
    store.persist("Note", "d", &deepest, &deepest).unwrap();
    assert_eq!(store.load("Note", "d").unwrap(), Some(deepest));
    let mut deeper = json!({"id": "e"});
    deeper["data"] = nested(MAX_DOCUMENT_DEPTH - 1, json!({"leaf": true}));
    assert_invalid(
        store.persist("Note", "e", &deeper, &deeper),
        &format!("/data{}", "/0".repeat(MAX_DOCUMENT_DEPTH - 1)),
        "deeper than",
    );
    assert_eq!(store.load("Note", "e").unwrap(), None);
}
