//! Schema evolution: a database made with one version of a schema, opened with the next.

use crate::support::*;
use nasc_runtime::{Error, MappedStore, Migrations, Registry, Store, StoreOptions};
use serde_json::{json, Value};

/// The registry of a board schema; `board` and `card` are extra properties.
fn version(board: &str, card: &str, extra_types: &str, mapping: &str) -> Registry {
    let schema = format!(
        r##"{{"$defs": {{
            "Board": {{"type": "object", "properties": {{"id": {{"type": "string"}},
                "cards": {{"type": "array", "items": {{"$ref": "#/$defs/Card"}}}}{board}}}, "required": ["id"]}},
            "Card": {{"type": "object", "properties": {{"id": {{"type": "string"}}{card}}}, "required": ["id"]}}{extra_types}}}}}"##
    );
    let mapping = format!(r#"{{"Board": {{}}, "Card": {{}}{mapping}}}"#);
    Registry::from_json_str("board.schema.json", &schema, "board.mapping.json", &mapping).unwrap()
}

fn v1() -> Registry {
    version(
        r#", "title": {"type": "string"}"#,
        r#", "text": {"type": "string"}"#,
        "",
        "",
    )
}

fn board_v1() -> Value {
    json!({"id": "b1", "title": "Plans", "cards": [{"id": "c1", "text": "draw"}, {"id": "c2", "text": "build"}]})
}

fn connect(db: &TestDb, registry: Registry, migrations: Migrations) -> Result<MappedStore, Error> {
    let options = StoreOptions {
        migrations,
        ..StoreOptions::default()
    };
    db.connect_with(registry, options)
}

pub fn additive_changes_apply_on_connect_and_keep_the_data(b: &Backend) {
    let db = b.store(v1());
    db.persist("Board", "b1", &board_v1(), &board_v1()).unwrap();
    assert_eq!(db.count("nasc_schema"), 1);

    // v2: a new nullable property on each type, a new type, and a new relation to it.
    let v2 = version(
        r##", "title": {"type": "string"}, "color": {"type": ["string", "null"]}, "labels": {"type": "array", "items": {"$ref": "#/$defs/Label"}}"##,
        r#", "text": {"type": "string"}, "done": {"type": "boolean"}"#,
        r#", "Label": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}, "required": ["id"]}"#,
        r#", "Label": {}"#,
    );
    let store = connect(&db, v2.clone(), Migrations::Additive).unwrap();
    assert_eq!(db.count("nasc_schema"), 2);
    let mut expected = board_v1();
    expected["color"] = Value::Null;
    expected["labels"] = json!([]);
    assert_eq!(store.load("Board", "b1").unwrap(), Some(expected));
    let board_v2 = json!({"id": "b1", "title": "Plans", "color": "red", "labels": [{"id": "l1", "name": "urgent"}],
        "cards": [{"id": "c1", "text": "draw", "done": true}]});
    store.persist("Board", "b1", &board_v2, &board_v2).unwrap();
    assert_eq!(store.load("Board", "b1").unwrap(), Some(board_v2));
    // Connecting again with the same schema changes nothing.
    connect(&db, v2, Migrations::Additive).unwrap();
    assert_eq!(db.count("nasc_schema"), 2);
}

pub fn destructive_changes_are_refused_with_their_sql(b: &Backend) {
    let db = b.store(v1());
    db.persist("Board", "b1", &board_v1(), &board_v1()).unwrap();
    let cases = [
        // A type change.
        (version(r#", "title": {"type": "string"}"#, r#", "text": {"type": "integer"}"#, "", ""), "column `text` changes", ""),
        // Nullable to required, without a default.
        (
            Registry::from_json_str(
                "s",
                r##"{"$defs": {"Board": {"type": "object", "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                    "cards": {"type": "array", "items": {"$ref": "#/$defs/Card"}}}, "required": ["id", "title"]},
                    "Card": {"type": "object", "properties": {"id": {"type": "string"}, "text": {"type": "string"}}, "required": ["id"]}}}"##,
                "m",
                r#"{"Board": {}, "Card": {}}"#,
            )
            .unwrap(),
            "column `title` changes",
            "",
        ),
    ];
    for (registry, description, sql) in cases {
        match connect(&db, registry, Migrations::Additive) {
            Err(Error::Migration { plan, .. }) => {
                let changes = &plan.changes;
                let refused: Vec<_> = changes.iter().filter(|c| !c.additive).collect();
                assert!(
                    refused.iter().any(|c| c.description.contains(description)),
                    "{changes:?}"
                );
                assert!(
                    refused.iter().all(|c| !c.up.is_empty()),
                    "every refused change lists its SQL: {changes:?}"
                );
                assert!(
                    refused.iter().any(|c| c.up.iter().any(|s| s.contains(sql))),
                    "{changes:?}"
                );
                let files = plan.files();
                assert!(
                    files.up.contains(description) && !files.down.is_empty(),
                    "{files:?}"
                );
            }
            Err(other) => panic!("expected Error::Migration, got {other}"),
            Ok(_) => panic!("the change `{description}` must be refused"),
        }
        // Nothing changed: the data is still there under v1.
        assert_eq!(db.count("nasc_schema"), 1);
        let again = connect(&db, v1(), Migrations::Additive).unwrap();
        assert_eq!(again.load("Board", "b1").unwrap(), Some(board_v1()));
    }
}

/// A property or type removed from the schema keeps its column or table, with its data:
/// connecting works (with `Migrations::All` too) and the store ignores it. Only a drop named
/// in `StoreOptions::drops`, with `Migrations::All`, removes it.
pub fn a_removal_drops_nothing_until_it_is_named(b: &Backend) {
    let with_label = version(
        r#", "title": {"type": "string"}"#,
        r#", "text": {"type": "string"}"#,
        r#", "Label": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}"#,
        r#", "Label": {}"#,
    );
    let db = b.store(with_label);
    db.persist("Board", "b1", &board_v1(), &board_v1()).unwrap();
    db.persist("Label", "l", &json!({"id": "l"}), &json!({"id": "l"}))
        .unwrap();
    // v2 removes `title` and the `Label` type.
    let v2 = || version("", r#", "text": {"type": "string"}"#, "", "");
    let mut expected = board_v1();
    expected.as_object_mut().unwrap().remove("title");
    for policy in [Migrations::Additive, Migrations::All] {
        let store = connect(&db, v2(), policy).unwrap();
        assert_eq!(store.load("Board", "b1").unwrap(), Some(expected.clone()));
        let other = json!({"id": "b2", "cards": []});
        store.persist("Board", "b2", &other, &other).unwrap();
        assert!(
            db.columns("boards").contains(&"title".to_owned()),
            "{policy:?}"
        );
        assert_eq!(db.count("labels"), 1, "{policy:?}");
    }
    assert_eq!(db.count("nasc_schema"), 1);
    let with_drops = |drops: &[&str]| {
        db.connect_with(
            v2(),
            StoreOptions {
                migrations: Migrations::All,
                drops: drops.iter().map(|d| d.to_string()).collect(),
                ..StoreOptions::default()
            },
        )
    };
    // Naming one drop of two: refused, saying which is not named; nothing dropped.
    match with_drops(&["boards.title"]) {
        Err(e @ Error::Migration { .. }) => {
            let text = e.to_string();
            assert!(text.contains("`labels` in StoreOptions::drops"), "{text}");
        }
        other => panic!("expected Error::Migration, got {:?}", other.err()),
    }
    assert_eq!(db.count("labels"), 1);
    // Both named: dropped, the rest kept.
    let store = with_drops(&["boards.title", "labels"]).unwrap();
    assert_eq!(db.count("nasc_schema"), 2);
    assert!(!db.columns("boards").contains(&"title".to_owned()));
    assert!(db.columns("labels").is_empty(), "the table is gone");
    assert_eq!(store.load("Board", "b1").unwrap(), Some(expected));
    assert_eq!(db.count("cards"), 2, "the children survive the change");
}

pub fn an_explicit_opt_in_alters_a_parent_table_and_keeps_its_children(b: &Backend) {
    let db = b.store(v1());
    db.persist("Board", "b1", &board_v1(), &board_v1()).unwrap();
    // The title gains a length limit: its column definition changes (SQLite rebuilds the
    // table, with foreign keys off so that the cards stay).
    let v2 = version(
        r#", "title": {"type": "string", "maxLength": 40}"#,
        r#", "text": {"type": "string"}"#,
        "",
        "",
    );
    assert!(matches!(
        connect(&db, v2.clone(), Migrations::Additive),
        Err(Error::Migration { .. })
    ));
    let store = connect(&db, v2, Migrations::All).unwrap();
    assert_eq!(store.load("Board", "b1").unwrap(), Some(board_v1()));
    assert_eq!(db.count("cards"), 2);
    assert!(store.delete("Board", "b1").unwrap());
    assert_eq!(
        db.count("cards"),
        0,
        "the rebuilt table still cascades to its children"
    );
}

/// A child type without arrays that gains one: its table is rebuilt with the key its new
/// children's foreign keys reference, keeping its rows, and the new children are stored.
pub fn a_leaf_type_that_gains_an_array_is_rebuilt_keeping_its_rows(b: &Backend) {
    let db = b.store(v1());
    db.persist("Board", "b1", &board_v1(), &board_v1()).unwrap();
    let card = json!({"id": "c1", "text": "alone"});
    db.persist("Card", "c1", &card, &card).unwrap();
    let v2 = version(
        r#", "title": {"type": "string"}"#,
        r##", "text": {"type": "string"}, "checks": {"type": "array", "items": {"$ref": "#/$defs/Check"}}"##,
        r#", "Check": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}"#,
        r#", "Check": {}"#,
    );
    match connect(&db, v2.clone(), Migrations::Additive) {
        Err(Error::Migration { plan, .. }) => assert!(
            plan.changes[0].description.contains("tables `cards`"),
            "{:?}",
            plan.changes
        ),
        other => panic!("expected Error::Migration, got {:?}", other.err()),
    }
    let store = connect(&db, v2, Migrations::All).unwrap();
    let mut expected = board_v1();
    for card in expected["cards"].as_array_mut().unwrap() {
        card["checks"] = json!([]);
    }
    assert_eq!(store.load("Board", "b1").unwrap(), Some(expected.clone()));
    assert_eq!(
        store.load("Card", "c1").unwrap(),
        Some(json!({"id": "c1", "text": "alone", "checks": []}))
    );
    expected["cards"][1]["checks"] = json!([{"id": "k1"}, {"id": "k2"}]);
    store.persist("Board", "b1", &expected, &expected).unwrap();
    assert_eq!(store.load("Board", "b1").unwrap(), Some(expected));
    assert_eq!(db.count("cards"), 3);
}

pub fn defaults_fill_left_out_properties_and_new_columns(b: &Backend) {
    let db = b.store(v1());
    db.persist("Board", "b1", &board_v1(), &board_v1()).unwrap();
    // v2: properties with defaults; `stars` is required, so its column is NOT NULL DEFAULT 0.
    let v2 = Registry::from_json_str(
        "s",
        r##"{"$defs": {"Board": {"type": "object", "properties": {"id": {"type": "string"}, "title": {"type": "string"},
            "stars": {"type": "integer", "default": 0}, "state": {"type": "string", "enum": ["open", "closed"], "default": "open"},
            "pinned": {"type": "boolean", "default": false},
            "cards": {"type": "array", "items": {"$ref": "#/$defs/Card"}}}, "required": ["id", "stars"]},
            "Card": {"type": "object", "properties": {"id": {"type": "string"}, "text": {"type": "string"}}, "required": ["id"]}}}"##,
        "m",
        r#"{"Board": {}, "Card": {}}"#,
    )
    .unwrap();
    let store = connect(&db, v2, Migrations::Additive).unwrap();
    let mut existing = board_v1();
    existing["stars"] = json!(0);
    existing["state"] = json!("open");
    existing["pinned"] = json!(false);
    assert_eq!(
        store.load("Board", "b1").unwrap(),
        Some(existing),
        "existing rows take the column defaults"
    );
    let sparse = json!({"id": "b2", "stars": 5, "cards": []});
    store.persist("Board", "b2", &sparse, &sparse).unwrap();
    assert_eq!(
        store.load("Board", "b2").unwrap(),
        Some(json!({"id": "b2", "stars": 5, "state": "open", "pinned": false, "cards": []})),
        "left-out properties are saved with their defaults"
    );
}

pub fn an_explicit_opt_in_replaces_a_changed_check(b: &Backend) {
    let limited = |max: u32| {
        version(
            &format!(r#", "title": {{"type": "string", "maxLength": {max}}}"#),
            r#", "text": {"type": "string"}"#,
            "",
            "",
        )
    };
    let db = b.store(limited(5));
    db.persist("Board", "b1", &board_v1(), &board_v1()).unwrap();
    let store = connect(&db, limited(20), Migrations::All).unwrap();
    let longer = json!({"id": "b1", "title": "Plans for the year", "cards": []});
    store.persist("Board", "b1", &longer, &longer).unwrap();
    assert_eq!(store.load("Board", "b1").unwrap(), Some(longer));
    // The database enforces the new bound, not the old one and not none.
    let insert = |title: &str| {
        db.try_execute(&format!(
            "INSERT INTO {} ({}, {}) VALUES ('b2', '{title}')",
            db.quote("boards"),
            db.quote("id"),
            db.quote("title")
        ))
    };
    assert!(
        insert(&"x".repeat(21)).is_err(),
        "21 characters pass a 20-character limit"
    );
    insert(&"x".repeat(20)).unwrap();
}

pub fn a_failed_additive_migration_leaves_the_database_as_it_was(b: &Backend) {
    let db = b.store(v1());
    db.persist("Board", "b1", &board_v1(), &board_v1()).unwrap();
    // Another program added a column `zzz` behind nasc's back, so that adding it fails
    // after `aaa` was added.
    let integer = if b.kind == Kind::Sqlite {
        "INTEGER"
    } else {
        "BIGINT"
    };
    db.try_execute(&format!(
        "ALTER TABLE {} ADD COLUMN {} {integer} NULL",
        db.quote("boards"),
        db.quote("zzz")
    ))
    .unwrap();
    let v2 = version(
        r#", "title": {"type": "string"}, "aaa": {"type": ["string", "null"]}, "zzz": {"type": ["string", "null"]}"#,
        r#", "text": {"type": "string"}"#,
        r#", "Tag": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}"#,
        r#", "Tag": {}"#,
    );
    match connect(&db, v2, Migrations::Additive) {
        Err(Error::Open { message, .. }) => {
            assert!(message.contains("zzz"), "{message}");
            if b.kind == Kind::Mysql {
                assert!(message.contains("were undone"), "{message}");
            }
        }
        Err(other) => panic!("expected Error::Open, got {other}"),
        Ok(_) => panic!("adding a column that exists must fail"),
    }
    assert!(
        !db.columns("boards").contains(&"aaa".to_owned()),
        "{:?}",
        db.columns("boards")
    );
    assert!(
        !db.tables().contains(&"tags".to_owned()),
        "{:?}",
        db.tables()
    );
    assert_eq!(db.count("nasc_schema"), 1);
    let again = connect(&db, v1(), Migrations::Additive).unwrap();
    assert_eq!(again.load("Board", "b1").unwrap(), Some(board_v1()));
}

/// Replicas that start together: many connects at once to one fresh database, then many at
/// once with an additive change, all succeed, and the tables and recorded schema are whole.
pub fn replicas_starting_together_all_connect(b: &Backend) {
    const REPLICAS: usize = 40;
    let (url, _cleanup) = b.empty_database();
    let connect_all = |registry: fn() -> Registry| {
        let barrier = std::sync::Barrier::new(REPLICAS);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..REPLICAS)
                .map(|_| {
                    let (barrier, url) = (&barrier, &url);
                    s.spawn(move || {
                        barrier.wait();
                        MappedStore::connect(url, registry())
                    })
                })
                .collect();
            let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            let failed: Vec<String> = results
                .iter()
                .filter_map(|r| r.as_ref().err().map(|e| e.to_string()))
                .collect();
            assert!(
                failed.is_empty(),
                "{} of {REPLICAS} connects failed: {failed:#?}",
                failed.len()
            );
            results.into_iter().next().unwrap().unwrap()
        })
    };
    let store = connect_all(v1);
    store
        .persist("Board", "b1", &board_v1(), &board_v1())
        .unwrap();
    drop(store);
    // An additive change (a new property and a new type), applied by whichever replica
    // takes the lock first; the others find it applied.
    let store = connect_all(|| {
        version(
            r#", "title": {"type": "string"}, "color": {"type": "string"}"#,
            r#", "text": {"type": "string"}"#,
            r#", "Label": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}"#,
            r#", "Label": {}"#,
        )
    });
    let mut board = store.load("Board", "b1").unwrap().unwrap();
    assert_eq!(board, board_v1());
    board["color"] = json!("red");
    store.persist("Board", "b1", &board, &board).unwrap();
    assert_eq!(store.load("Board", "b1").unwrap().unwrap(), board);
    let label = json!({"id": "l"});
    store.persist("Label", "l", &label, &label).unwrap();
}

/// A rolling deploy or a rollback: after a newer binary extended the database additively
/// (a new nullable column, a new type with its table, a new index), the older one starts
/// and works, ignoring what it does not know, and does not record its older schema.
pub fn an_older_binary_works_on_a_database_a_newer_one_extended(b: &Backend) {
    let db = b.store(v1());
    db.persist("Board", "b1", &board_v1(), &board_v1()).unwrap();
    let v2 = || {
        version(
            r##", "title": {"type": "string"}, "color": {"type": ["string", "null"]}"##,
            r#", "text": {"type": "string"}"#,
            r#", "Label": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}, "required": ["id"]}"#,
            r#", "Label": {"x-na:store": {"indexes": ["name"]}}"#,
        )
    };
    let newer = connect(&db, v2(), Migrations::Additive).unwrap();
    let mut colored = board_v1();
    colored["color"] = json!("red");
    newer.persist("Board", "b1", &colored, &colored).unwrap();
    assert_eq!(db.count("nasc_schema"), 2);

    // The older binary: connects, loads what it knows, saves without touching the rest.
    let older = connect(&db, v1(), Migrations::Additive)
        .unwrap_or_else(|e| panic!("the older binary must start: {e}"));
    assert_eq!(older.load("Board", "b1").unwrap(), Some(board_v1()));
    let mut edited = board_v1();
    edited["title"] = json!("Edited by the older binary");
    older.persist("Board", "b1", &edited, &edited).unwrap();
    let board = json!({"id": "b2", "title": "new", "cards": []});
    older.persist("Board", "b2", &board, &board).unwrap();
    assert_eq!(
        db.count("nasc_schema"),
        2,
        "the older schema is not recorded"
    );

    // The newer binary again: nothing to apply, and its column kept its value.
    let newer = connect(&db, v2(), Migrations::Additive).unwrap();
    assert_eq!(db.count("nasc_schema"), 2);
    let mut expected = edited.clone();
    expected["color"] = json!("red");
    assert_eq!(newer.load("Board", "b1").unwrap(), Some(expected));
    assert_eq!(
        newer.load("Board", "b2").unwrap().unwrap()["color"],
        Value::Null
    );
    // A schema that is not contained in the database's is still refused: here `text` is an
    // integer.
    let different = version(
        r#", "title": {"type": "string"}"#,
        r#", "text": {"type": "integer"}"#,
        "",
        "",
    );
    assert!(matches!(
        connect(&db, different, Migrations::Additive),
        Err(Error::Migration { .. })
    ));
    assert_eq!(db.count("nasc_schema"), 2);
}

/// A property that becomes required with a default: existing NULLs take the default in the
/// same migration (the change failed on SQLite and PostgreSQL), on a parent table whose
/// children stay.
pub fn a_property_becoming_required_with_a_default_fills_existing_nulls(b: &Backend) {
    let db = b.store(v1());
    db.persist("Board", "b1", &board_v1(), &board_v1()).unwrap();
    let untitled = json!({"id": "b2", "cards": [{"id": "c3"}]});
    db.persist("Board", "b2", &untitled, &untitled).unwrap();
    let v2 = Registry::from_json_str(
        "s",
        r##"{"$defs": {"Board": {"type": "object", "properties": {"id": {"type": "string"},
            "title": {"type": "string", "default": "untitled"},
            "cards": {"type": "array", "items": {"$ref": "#/$defs/Card"}}}, "required": ["id", "title"]},
            "Card": {"type": "object", "properties": {"id": {"type": "string"}, "text": {"type": "string"}}, "required": ["id"]}}}"##,
        "m",
        r#"{"Board": {}, "Card": {}}"#,
    )
    .unwrap();
    let store = connect(&db, v2, Migrations::All).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(store.load("Board", "b1").unwrap(), Some(board_v1()));
    let mut expected = untitled.clone();
    expected["title"] = json!("untitled");
    assert_eq!(store.load("Board", "b2").unwrap(), Some(expected));
    assert_eq!(db.count("cards"), 3, "the children survive the change");
}

/// Renames declared in the mapping (`renamedFrom` for a table, `renamed` for properties)
/// are applied as renames with `Migrations::All`: no column is emptied, no row lost, and the
/// children's foreign key (named after the parent table) follows.
pub fn declared_renames_keep_the_data(b: &Backend) {
    let db = b.store(v1());
    db.persist("Board", "b1", &board_v1(), &board_v1()).unwrap();
    let v2 = || {
        Registry::from_json_str(
            "s",
            r##"{"$defs": {"Board": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                "cards": {"type": "array", "items": {"$ref": "#/$defs/Card"}}}, "required": ["id"]},
                "Card": {"type": "object", "properties": {"id": {"type": "string"}, "body": {"type": "string"}}, "required": ["id"]}}}"##,
            "m",
            r#"{"Board": {"x-na:store": {"entity": "projects", "renamedFrom": "boards", "renamed": {"title": "name"}}},
                "Card": {"x-na:store": {"renamed": {"text": "body"}}}}"#,
        )
        .unwrap()
    };
    // Renames change what an older binary reads: they need the opt-in.
    match connect(&db, v2(), Migrations::Additive) {
        Err(Error::Migration { plan, .. }) => {
            let text: Vec<&str> = plan
                .changes
                .iter()
                .map(|c| c.description.as_str())
                .collect();
            assert!(
                text.iter()
                    .any(|d| d.contains("table `boards` is renamed `projects`")),
                "{text:?}"
            );
            assert!(
                text.iter()
                    .any(|d| d.contains("column `title` is renamed `name`")),
                "{text:?}"
            );
            assert!(
                text.iter()
                    .any(|d| d.contains("column `board_id` is renamed `project_id`")),
                "{text:?}"
            );
            assert!(plan.changes.iter().all(|c| c.drops.is_empty()), "{text:?}");
        }
        other => panic!("expected Error::Migration, got {:?}", other.err()),
    }
    let store = connect(&db, v2(), Migrations::All).unwrap_or_else(|e| panic!("{e}"));
    let expected = json!({"id": "b1", "name": "Plans", "cards": [{"id": "c1", "body": "draw"}, {"id": "c2", "body": "build"}]});
    assert_eq!(store.load("Board", "b1").unwrap(), Some(expected.clone()));
    assert_eq!(db.count("cards"), 2);
    assert!(
        db.columns("boards").is_empty(),
        "the table has its new name"
    );
    assert_eq!(db.columns("projects"), ["id", "name"]);
    // Saving and deleting work through the renamed foreign key.
    let mut edited = expected.clone();
    edited["cards"] = json!([{"id": "c3", "body": "ship"}]);
    store.persist("Board", "b1", &edited, &edited).unwrap();
    assert_eq!(store.load("Board", "b1").unwrap(), Some(edited));
    // The rename is recorded: connecting again changes nothing.
    assert_eq!(db.count("nasc_schema"), 2);
    let again = connect(&db, v2(), Migrations::Additive).unwrap_or_else(|e| panic!("{e}"));
    assert!(again.delete("Board", "b1").unwrap());
    assert_eq!(db.count("cards"), 0);
    assert_eq!(db.count("nasc_schema"), 2);
}

/// A type change that may change values (here `number` to `integer`: fractions would be
/// rounded) is made only when named, like a drop; `Migrations::All` alone refuses it and
/// changes nothing.
pub fn a_type_change_that_converts_values_needs_naming(b: &Backend) {
    let with_score = |ty: &str| {
        version(
            &format!(r#", "title": {{"type": "string"}}, "score": {{"type": "{ty}"}}"#),
            r#", "text": {"type": "string"}"#,
            "",
            "",
        )
    };
    let db = b.store(with_score("number"));
    let board = json!({"id": "b1", "title": "Plans", "score": 2.5, "cards": []});
    db.persist("Board", "b1", &board, &board).unwrap();
    match connect(&db, with_score("integer"), Migrations::All) {
        Err(e @ Error::Migration { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains("`boards.score` in StoreOptions::drops"),
                "{text}"
            );
        }
        other => panic!("expected Error::Migration, got {:?}", other.err()),
    }
    assert_eq!(db.count("nasc_schema"), 1);
    let store = connect(&db, with_score("number"), Migrations::Additive).unwrap();
    assert_eq!(store.load("Board", "b1").unwrap(), Some(board));
}
