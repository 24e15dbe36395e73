//! Namespaces: several stores in one database, side by side, each with its own tables,
//! migrations, change log and feeds.

use crate::replication::{random_writes, registry, states};
use crate::support::server::lines_on;
use crate::support::*;
use nasc_runtime::{replicate, Error, JsonStore, MappedStore, Registry, Store, StoreOptions};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// A logged store in `namespace` of the database at `url`.
fn open(url: &str, registry: Registry, namespace: Option<&str>) -> Result<MappedStore, Error> {
    let options = StoreOptions {
        change_log: true,
        namespace: namespace.map(str::to_owned),
        ..StoreOptions::default()
    };
    MappedStore::connect_with(url, registry, options)
}

/// Every table of the database, named as `namespace.table` on PostgreSQL (where `public`
/// is the database's own) and by name elsewhere, read on `store`'s connection.
fn every_table(store: &MappedStore, kind: Kind) -> BTreeSet<String> {
    let sql = match kind {
        Kind::Sqlite => "SELECT name AS line FROM sqlite_master WHERE type = 'table'",
        Kind::Postgres => {
            "SELECT CAST(table_schema || '.' || table_name AS TEXT) AS line FROM information_schema.tables \
             WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        }
        Kind::Mysql => {
            "SELECT table_name AS line FROM information_schema.tables WHERE table_schema = DATABASE()"
        }
    };
    lines_on(store, sql).into_iter().collect()
}

/// The tables a logged store of `registry` makes in `namespace` (with the table of feed
/// positions when it applied a feed), named as [`every_table`] names them.
fn tables_of(
    registry: &Registry,
    kind: Kind,
    namespace: Option<&str>,
    feeds: bool,
) -> BTreeSet<String> {
    let mut own = vec!["nasc_schema", "nasc_changes", "nasc_changes_origin"];
    if kind == Kind::Mysql {
        own.push("nasc_changes_order");
    }
    if feeds {
        own.push("nasc_feeds");
    }
    let tables = registry.model().types.iter().map(|t| t.table.as_str());
    own.into_iter()
        .chain(tables)
        .map(|table| match (kind, namespace) {
            (Kind::Postgres, namespace) => format!("{}.{table}", namespace.unwrap_or("public")),
            (_, Some(namespace)) => format!("{namespace}__{table}"),
            (_, None) => table.to_owned(),
        })
        .collect()
}

/// A tag whose label says which store it was written to.
fn tag(store: usize, n: usize) -> Value {
    json!({"id": format!("t{n}"), "label": format!("store {store}"), "weight": n})
}

pub fn namespaces_keep_stores_apart_side_by_side(b: &Backend) {
    let (url, _cleanup) = b.empty_whole_database();
    let names = [None, Some("tenant_a"), Some("tenant_b")];
    let stores: Vec<MappedStore> = names
        .iter()
        .map(|name| open(&url, registry(), *name).unwrap_or_else(|e| panic!("{name:?}: {e}")))
        .collect();
    // The same ids in every store, with what tells the stores apart; a different number
    // of tags in each.
    for (i, store) in stores.iter().enumerate() {
        for n in 0..3 + i {
            let state = tag(i, n);
            assert!(store.create("Tag", &format!("t{n}"), &state).unwrap());
        }
    }
    for (i, store) in stores.iter().enumerate() {
        assert_eq!(store.query_count("Tag", &json!({})).unwrap(), 3 + i as u64);
        for n in 0..3 + i {
            let stored = store.load("Tag", &format!("t{n}")).unwrap();
            assert_eq!(stored, Some(tag(i, n)), "store {i}");
        }
        // Its log holds its own writes alone: the tags, then its random writes.
        let log = store.changes_since(0, 10_000).unwrap();
        let tags: Vec<&str> = log
            .iter()
            .filter_map(|c| c.diff.get("label").and_then(Value::as_str))
            .collect();
        assert_eq!(tags, vec![format!("store {i}"); 3 + i], "store {i}");
        assert_eq!(
            log[0].sequence, 1,
            "store {i}: a log of its own numbers from 1"
        );
    }
    // Random writes of every kind, to the same ids in each.
    let written: Vec<_> = stores
        .iter()
        .enumerate()
        .map(|(i, store)| random_writes(store, 7 + i as u64, 40))
        .collect();
    // A delete in one namespace leaves the others.
    stores[0].replace("Tag", "t0", &tag(0, 0)).unwrap();
    stores[2].replace("Tag", "t0", &tag(2, 0)).unwrap();
    stores[1].delete("Tag", "t0").unwrap();
    assert_eq!(stores[0].load("Tag", "t0").unwrap(), Some(tag(0, 0)));
    assert_eq!(stores[2].load("Tag", "t0").unwrap(), Some(tag(2, 0)));

    // Feeds of the same name in two namespaces keep their own positions and sources.
    let replicas: Vec<MappedStore> = ["replica_a", "replica_b"]
        .iter()
        .map(|name| open(&url, registry(), Some(name)).unwrap())
        .collect();
    for (source, replica) in [(1, 0), (2, 1)] {
        let applied = replicate(&stores[source], &replicas[replica], "edge")
            .catch_up()
            .unwrap();
        assert!(applied > 0);
        assert_eq!(
            states(&replicas[replica], &written[source]),
            states(&stores[source], &written[source]),
            "replica of store {source}"
        );
        assert_eq!(
            replicas[replica].query_count("Tag", &json!({})).unwrap(),
            stores[source].query_count("Tag", &json!({})).unwrap()
        );
    }
    // Caught up: nothing more for either.
    for (source, replica) in [(1, 0), (2, 1)] {
        let again = replicate(&stores[source], &replicas[replica], "edge").catch_up();
        assert_eq!(again.unwrap(), 0);
    }

    // The database holds exactly the namespaces' tables, under their names.
    let registry = registry();
    let mut expected = BTreeSet::new();
    for name in names {
        expected.extend(tables_of(&registry, b.kind, name, false));
    }
    for name in ["replica_a", "replica_b"] {
        expected.extend(tables_of(&registry, b.kind, Some(name), true));
    }
    assert_eq!(every_table(&stores[0], b.kind), expected);
}

/// A registry whose `Tag` has one more property, `color`.
fn extended() -> Registry {
    let schema = serde_json::to_string(&json!({"$defs": {
        "Tag": {"type": "object", "properties": {"id": {"type": "string"}, "label": {"type": "string"},
            "weight": {"type": "integer"}, "color": {"type": "string"}}, "required": ["id"]}}}))
    .unwrap();
    Registry::from_json_str(
        "extended.schema.json",
        &schema,
        "extended.mapping.json",
        r#"{"Tag": {}}"#,
    )
    .unwrap()
}

pub fn each_namespace_migrates_on_its_own(b: &Backend) {
    let (url, _cleanup) = b.empty_whole_database();
    let small = || {
        Registry::from_json_str(
            "small.schema.json",
            r#"{"$defs": {"Tag": {"type": "object", "properties": {"id": {"type": "string"},
                "label": {"type": "string"}, "weight": {"type": "integer"}}, "required": ["id"]}}}"#,
            "small.mapping.json",
            r#"{"Tag": {}}"#,
        )
        .unwrap()
    };
    let options = |name: &str| StoreOptions {
        namespace: Some(name.to_owned()),
        ..StoreOptions::default()
    };
    for name in ["tenant_a", "tenant_b"] {
        open(&url, small(), Some(name)).unwrap();
    }
    // tenant_a moves on to the extended schema; tenant_b is left as it was.
    let a = open(&url, extended(), Some("tenant_a")).unwrap();
    let colored = json!({"id": "t1", "label": "x", "color": "red"});
    assert!(a.create("Tag", "t1", &colored).unwrap());
    assert_eq!(a.load("Tag", "t1").unwrap(), Some(colored));
    assert!(
        MappedStore::pending_changes(&url, &extended(), &options("tenant_a"))
            .unwrap()
            .is_none()
    );
    let plan = MappedStore::pending_changes(&url, &extended(), &options("tenant_b"))
        .unwrap()
        .expect("tenant_b still holds the small schema");
    assert_eq!(plan.namespace(), Some("tenant_b"));
    assert!(
        plan.changes.iter().any(|c| c.description.contains("color")),
        "{plan:?}"
    );
    // The database's own tables are not there at all: nothing was made outside the
    // namespaces.
    let default = MappedStore::pending_changes(&url, &small(), &StoreOptions::default())
        .unwrap()
        .expect("the database's own namespace holds nothing");
    assert_eq!(default.changes[0].description, "create the tables");
    // A store of the small schema in tenant_b still works, and one of the extended schema
    // there adds the column.
    let b_small = open(&url, small(), Some("tenant_b")).unwrap();
    assert!(b_small
        .create("Tag", "t1", &json!({"id": "t1", "label": "y"}))
        .unwrap());
    let b_extended = open(&url, extended(), Some("tenant_b")).unwrap();
    assert_eq!(
        b_extended.load("Tag", "t1").unwrap(),
        Some(json!({"id": "t1", "label": "y"}))
    );
}

pub fn namespace_names_are_checked_and_nothing_is_made(b: &Backend) {
    let (url, _cleanup) = b.empty_whole_database();
    let witness = open(&url, registry(), Some("witness")).unwrap();
    let before = every_table(&witness, b.kind);
    for bad in [
        "Tenant",
        "tenant-a",
        "a__b",
        "tenant_",
        "public",
        "x\"; DROP TABLE x; --",
        "",
    ] {
        let error = match open(&url, registry(), Some(bad)) {
            Ok(_) => panic!("namespace {bad:?} was accepted"),
            Err(error) => error,
        };
        assert!(matches!(error, Error::Config { .. }), "{bad:?}: {error:?}");
        let message = error.to_string();
        assert!(message.starts_with("StoreOptions::namespace"), "{message}");
        let json = JsonStore::connect_with(
            &url,
            StoreOptions {
                namespace: Some(bad.to_owned()),
                ..StoreOptions::default()
            },
        );
        assert!(matches!(json, Err(Error::Config { .. })), "{bad:?}");
    }
    // A namespace whose table names would pass the databases' limit is refused whole.
    let long = Registry::from_json_str(
        "long.schema.json",
        r#"{"$defs": {"T": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}}}"#,
        "long.mapping.json",
        &format!(r#"{{"T": {{"x-na:store": {{"entity": "{}"}}}}}}"#, "t".repeat(50)),
    )
    .unwrap();
    match open(&url, long.clone(), Some("a_namespace_of_thirty_bytes_xx")) {
        // PostgreSQL keeps names apart with a schema: the table name is unchanged.
        Ok(_) => assert_eq!(b.kind, Kind::Postgres),
        Err(error) => {
            let message = error.to_string();
            assert!(message.contains("the limit is 63"), "{message}");
            assert!(message.contains(&"t".repeat(50)), "{message}");
        }
    }
    let mut after = every_table(&witness, b.kind);
    if b.kind == Kind::Postgres {
        after.retain(|t| !t.starts_with("a_namespace_of_thirty_bytes_xx."));
    }
    assert_eq!(after, before, "a refused namespace made tables");
}

pub fn stores_of_many_namespaces_start_together(b: &Backend) {
    let (url, _cleanup) = b.empty_whole_database();
    let names: Vec<String> = (0..4).map(|i| format!("replica_{i}")).collect();
    // Two stores of each namespace at once, all on a fresh database.
    let stores: Vec<MappedStore> = std::thread::scope(|scope| {
        let starting: Vec<_> = names
            .iter()
            .chain(names.iter())
            .map(|name| scope.spawn(|| open(&url, registry(), Some(name.as_str()))))
            .collect();
        starting
            .into_iter()
            .map(|s| s.join().unwrap().unwrap_or_else(|e| panic!("{e}")))
            .collect()
    });
    for (i, store) in stores.iter().enumerate() {
        let id = format!("t{i}");
        let state = json!({"id": id, "label": names[i % 4]});
        assert!(store.create("Tag", &id, &state).unwrap());
    }
    // Each namespace holds its two stores' tags.
    for (i, name) in names.iter().enumerate() {
        let page = stores[i].query("Tag", &json!({})).unwrap();
        let labels: Vec<&str> = page
            .items
            .iter()
            .map(|t| t["label"].as_str().unwrap())
            .collect();
        assert_eq!(labels, vec![name.as_str(); 2]);
    }
}

pub fn a_follower_hears_its_namespace_alone(b: &Backend) {
    let (url, _cleanup) = b.empty_whole_database();
    let mine = open(&url, registry(), Some("mine")).unwrap();
    let theirs = open(&url, registry(), Some("theirs")).unwrap();
    let mut follower = mine.follow(0);
    // On PostgreSQL it listens on its own schema's channel.
    assert_eq!(follower.is_woken(), b.kind == Kind::Postgres);
    const ROUNDS: usize = 4;
    let (seen, latencies) = std::thread::scope(|scope| {
        let (sender, received) = std::sync::mpsc::channel();
        scope.spawn(move || {
            for change in follower.by_ref().take(ROUNDS) {
                sender
                    .send((change.unwrap(), std::time::Instant::now()))
                    .unwrap();
            }
        });
        let mut seen = Vec::new();
        let mut latencies = Vec::new();
        for round in 0..ROUNDS {
            // (Past the follower's safety read: without its notification a commit now
            // waits for the next one, up to a second.)
            std::thread::sleep(std::time::Duration::from_millis(1100 + 97 * round as u64));
            if round == 0 {
                for n in 0..3 {
                    let id = format!("x{n}");
                    theirs.create("Tag", &id, &json!({"id": id})).unwrap();
                }
                let early = received.recv_timeout(std::time::Duration::from_millis(1500));
                assert!(
                    early.is_err(),
                    "the follower saw another namespace's change"
                );
            }
            let committed = std::time::Instant::now();
            let id = format!("mine{round}");
            mine.create("Tag", &id, &json!({"id": id})).unwrap();
            let (change, at) = received
                .recv_timeout(std::time::Duration::from_secs(10))
                .expect("the follower missed its namespace's change");
            seen.push((change.sequence, change.id));
            latencies.push(at.saturating_duration_since(committed));
        }
        (seen, latencies)
    });
    let expected: Vec<(i64, String)> = (0..ROUNDS)
        .map(|round| (round as i64 + 1, format!("mine{round}")))
        .collect();
    assert_eq!(seen, expected);
    if b.kind == Kind::Postgres {
        // Polling once a second, each would wait 0 to 1 s: all four under 300 ms by chance
        // happens less than once in a hundred runs.
        assert!(
            latencies
                .iter()
                .all(|l| *l < std::time::Duration::from_millis(300)),
            "woken {latencies:?} after the commits: not by its namespace's notification"
        );
    }
}

pub fn json_stores_keep_namespaces_apart(b: &Backend) {
    let (url, _cleanup) = b.empty_whole_database();
    let stores: Vec<JsonStore> = [None, Some("tenant_a")]
        .iter()
        .map(|name| {
            let options = StoreOptions {
                namespace: name.map(str::to_owned),
                ..StoreOptions::default()
            };
            JsonStore::connect_with(&url, options).unwrap()
        })
        .collect();
    for (i, store) in stores.iter().enumerate() {
        let doc = json!({"id": "d", "owner": i});
        store.persist("Doc", "d", &doc, &doc).unwrap();
    }
    for (i, store) in stores.iter().enumerate() {
        assert_eq!(
            store.load("Doc", "d").unwrap(),
            Some(json!({"id": "d", "owner": i}))
        );
    }
    assert!(stores[1].delete("Doc", "d").unwrap());
    assert!(stores[0].load("Doc", "d").unwrap().is_some());
}

/// The migration files of a namespace's store, run by diesel's harness on a plain
/// connection to the database, change that namespace alone, and revert.
pub fn exported_files_of_a_namespace_change_it_alone(b: &Backend) {
    use crate::exported::{boards, run_with_diesel};
    let (url, _cleanup) = b.empty_whole_database();
    let v1 = || boards(r#"{"type": "string"}"#);
    let v2 = || boards(r#"{"type": "string", "maxLength": 100}"#);
    let stores: Vec<MappedStore> = [None, Some("tenant_a")]
        .iter()
        .map(|name| open(&url, v1(), *name).unwrap())
        .collect();
    for (i, store) in stores.iter().enumerate() {
        let board = json!({"id": "b1", "title": format!("store {i}"), "cards": [
            {"id": "c1", "text": "one", "checks": [{"id": "k1", "done": true}]}]});
        store.persist("Board", "b1", &board, &board).unwrap();
    }
    let boards_before: Vec<Value> = stores
        .iter()
        .map(|s| s.load("Board", "b1").unwrap().unwrap())
        .collect();
    let plan = match open(&url, v2(), Some("tenant_a")) {
        Err(Error::Migration { plan, .. }) => plan,
        other => panic!("expected Error::Migration, got {:?}", other.err()),
    };
    assert_eq!(plan.namespace(), Some("tenant_a"));
    let migrations = tempfile::tempdir().unwrap();
    plan.write_diesel_migration(migrations.path(), "title_limit")
        .unwrap();
    drop(stores);
    run_with_diesel(b.kind, &url, migrations.path(), false);
    let options = |namespace: Option<&str>| StoreOptions {
        namespace: namespace.map(str::to_owned),
        ..StoreOptions::default()
    };
    // The namespace holds the new schema; the database's own tables the old one.
    assert!(
        MappedStore::pending_changes(&url, &v2(), &options(Some("tenant_a")))
            .unwrap()
            .is_none()
    );
    assert!(MappedStore::pending_changes(&url, &v1(), &options(None))
        .unwrap()
        .is_none());
    assert!(MappedStore::pending_changes(&url, &v2(), &options(None))
        .unwrap()
        .is_some());
    let stores = [
        open(&url, v1(), None).unwrap(),
        open(&url, v2(), Some("tenant_a")).unwrap(),
    ];
    for (store, before) in stores.iter().zip(&boards_before) {
        assert_eq!(&store.load("Board", "b1").unwrap().unwrap(), before);
    }
    let long = json!({"id": "b2", "title": "x".repeat(101), "cards": []});
    assert!(stores[1].persist("Board", "b2", &long, &long).is_err());
    stores[0].persist("Board", "b2", &long, &long).unwrap();
    drop(stores);
    // Reverted, the namespace holds the old schema again, its rows kept.
    run_with_diesel(b.kind, &url, migrations.path(), true);
    assert!(
        MappedStore::pending_changes(&url, &v1(), &options(Some("tenant_a")))
            .unwrap()
            .is_none()
    );
    let reverted = open(&url, v1(), Some("tenant_a")).unwrap();
    assert_eq!(
        reverted.load("Board", "b1").unwrap().unwrap(),
        boards_before[1]
    );
}

/// The copies an interrupted rebuild leaves stop the stores of their own namespace alone:
/// on SQLite and MySQL every namespace's tables are in one database, and a copy of
/// `tenant_a`'s table neither stops the database's own namespace nor `tenant_b`.
pub fn an_interrupted_rebuild_stops_its_namespace_alone(b: &Backend) {
    let (url, _cleanup) = b.empty_whole_database();
    for namespace in [None, Some("tenant_a"), Some("tenant_b")] {
        open(&url, registry(), namespace).unwrap_or_else(|e| panic!("{namespace:?}: {e}"));
    }
    let tenant_a = open(&url, registry(), Some("tenant_a")).unwrap();
    let table = registry().model().types[0].table.clone();
    // The copy is in the namespace's schema on PostgreSQL, beside its tables elsewhere.
    let copy = match b.kind {
        Kind::Postgres => nasc_model::relayout::copy_name(&table),
        _ => nasc_model::relayout::copy_name(&format!("tenant_a__{table}")),
    };
    let quote = |name: &str| b.kind.dialect().quote(name);
    crate::support::server::execute_on(
        &tenant_a,
        &format!(
            "CREATE TABLE {} ({} INTEGER); INSERT INTO {} VALUES (7)",
            quote(&copy),
            quote("nasc_new_row"),
            quote(&copy)
        ),
    );
    drop(tenant_a);
    match open(&url, registry(), Some("tenant_a")) {
        Err(Error::Open { message, .. }) => {
            assert!(message.contains(&format!("`{copy}`")), "{message}")
        }
        other => panic!("tenant_a started beside its copy: {:?}", other.err()),
    }
    for namespace in [None, Some("tenant_b")] {
        open(&url, registry(), namespace).unwrap_or_else(|e| panic!("{namespace:?}: {e}"));
    }
}
