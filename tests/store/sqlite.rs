//! What is particular to SQLite: the connection settings, in-memory databases, and the
//! generated diesel tables queried through a `SqliteMappedStore`'s connection.

use crate::support::demo_registry;
use diesel::prelude::*;
use nasc_runtime::{Dialect, Registry, SqliteMappedStore, Store};

/// A SQLite store on a new temporary file (kept alive with it).
fn sqlite_store(registry: Registry) -> (tempfile::TempDir, SqliteMappedStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteMappedStore::open(dir.path().join("test.db"), registry).unwrap();
    (dir, store)
}

mod app {
    nasc_runtime::schema!(
        schema = "schemas/app.schema.json",
        mapping = "schemas/app.mapping.json",
        diesel_tables = true
    );
}
use app::tables::{todo_lists, todos};
use app::{Todo, TodoList};

#[test]
fn filters_joins_and_pagination_on_generated_tables() {
    let (_dir, store) = sqlite_store(app::registry());
    for (list, n) in [("work", 5), ("home", 3)] {
        let items = (0..n)
            .map(|i| Todo {
                id: format!("{i}"),
                title: format!("{list} {i}"),
                completed: i % 2 == 0,
            })
            .collect();
        store
            .save(&TodoList {
                id: list.into(),
                items,
            })
            .unwrap();
    }
    store
        .with_connection(|conn| {
            let done: Vec<String> = todos::table
                .filter(todos::todo_list_id.eq("work"))
                .filter(todos::completed.eq(true))
                .order(todos::nasc_position)
                .select(todos::title)
                .load(conn)
                .unwrap();
            assert_eq!(done, ["work 0", "work 2", "work 4"]);

            let page: Vec<(String, String)> = todos::table
                .inner_join(todo_lists::table)
                .order((todo_lists::id, todos::nasc_position))
                .select((todo_lists::id, todos::title))
                .limit(2)
                .offset(1)
                .load(conn)
                .unwrap();
            assert_eq!(
                page,
                [
                    ("home".to_owned(), "home 1".to_owned()),
                    ("home".to_owned(), "home 2".to_owned())
                ]
            );
        })
        .unwrap();
}

#[test]
fn the_connection_uses_wal_a_busy_timeout_and_foreign_keys() {
    let (_dir, store) = sqlite_store(demo_registry());
    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    let settings: Vec<String> = store
        .with_connection(|conn| {
            diesel::sql_query(
                "SELECT journal_mode AS value FROM pragma_journal_mode \
                 UNION ALL SELECT CAST(timeout AS TEXT) FROM pragma_busy_timeout \
                 UNION ALL SELECT CAST(foreign_keys AS TEXT) FROM pragma_foreign_keys \
                 UNION ALL SELECT CAST(synchronous AS TEXT) FROM pragma_synchronous",
            )
            .load::<Setting>(conn)
            .unwrap()
        })
        .unwrap()
        .into_iter()
        .map(|s| s.value)
        .collect();
    let timeout = SqliteMappedStore::BUSY_TIMEOUT_MS.to_string();
    assert_eq!(settings, ["wal", timeout.as_str(), "1", "1"]);
}

#[test]
fn an_in_memory_database_keeps_its_data_in_its_one_connection() {
    let store = SqliteMappedStore::connect(":memory:", demo_registry()).unwrap();
    let list =
        serde_json::json!({"id": "l", "items": [{"id": "1", "title": "x", "completed": true}]});
    store.persist("TodoList", "l", &list, &list).unwrap();
    assert_eq!(store.load("TodoList", "l").unwrap(), Some(list));
}

#[test]
fn the_ddl_of_every_dialect_is_available_and_quoted() {
    let registry = demo_registry();
    let sqlite = registry.ddl(Dialect::Sqlite).join(";\n");
    assert!(
        sqlite.contains(
            "\"todo_list_id\" TEXT NULL REFERENCES \"todo_lists\" (\"id\") ON DELETE CASCADE"
        ),
        "{sqlite}"
    );
    let postgres = registry.ddl(Dialect::Postgres).join(";\n");
    assert!(
        postgres.contains("\"completed\" BOOLEAN NOT NULL"),
        "{postgres}"
    );
    let mysql = registry.ddl(Dialect::Mysql).join(";\n");
    assert!(mysql.contains("`id` VARBINARY(1020) NOT NULL"), "{mysql}");
}

#[test]
fn the_pool_size_and_timeout_are_configurable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pool.db");
    let options = nasc_runtime::StoreOptions {
        max_size: 1,
        connection_timeout: std::time::Duration::from_millis(200),
        ..Default::default()
    };
    let store =
        SqliteMappedStore::connect_with(path.to_str().unwrap(), demo_registry(), options).unwrap();
    // The only connection is taken, so a second call waits for the timeout and fails.
    let inner = store
        .with_connection(|_| store.load("TodoList", "l1"))
        .unwrap();
    let error = inner.unwrap_err();
    assert!(matches!(error, nasc_runtime::Error::Pool { .. }), "{error}");
    assert!(error.to_string().contains("TodoList `l1`"), "{error}");
    assert_eq!(store.load("TodoList", "l1").unwrap(), None);
}

#[test]
fn a_bad_url_fails_at_once_with_the_driver_message() {
    let error = nasc_runtime::MappedStore::connect("/nonexistent-dir/x/app.db", demo_registry())
        .err()
        .unwrap();
    assert!(matches!(error, nasc_runtime::Error::Open { .. }), "{error}");
    assert!(
        error.to_string().contains("/nonexistent-dir/x/app.db"),
        "{error}"
    );
}

#[test]
fn the_dry_run_plan_is_what_a_persist_then_executes() {
    use diesel::connection::{Instrumentation, InstrumentationEvent};
    use nasc_runtime::{FnHandler, Processor, StoreOptions, MOUNT};
    use serde_json::json;
    use std::sync::{Arc, Mutex};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.db");
    // One pooled connection, so that the recorder sees every statement.
    let options = StoreOptions {
        max_size: 1,
        change_log: true,
        ..Default::default()
    };
    let store =
        SqliteMappedStore::connect_with(path.to_str().unwrap(), demo_registry(), options).unwrap();
    let executed = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = executed.clone();
    store
        .with_connection(move |conn| {
            let recorder = move |event: InstrumentationEvent<'_>| {
                if let InstrumentationEvent::StartQuery { query, .. } = event {
                    let sql = query.to_string();
                    let sql = sql
                        .split(" -- binds:")
                        .next()
                        .unwrap_or_default()
                        .trim()
                        .to_owned();
                    sink.lock().unwrap().push(sql);
                }
            };
            fn install(conn: &mut diesel::SqliteConnection, recorder: impl Instrumentation) {
                diesel::Connection::set_instrumentation(conn, recorder);
            }
            install(conn, recorder);
        })
        .unwrap();

    let processor = Processor::new(store).handle(
        "TodoList",
        FnHandler::new(
            |id, _| {
                Ok(json!({"id": id, "items": [{"id": "1", "title": "first", "completed": false}]}))
            },
            |event, payload, state| {
                let items = state["items"].as_array_mut().unwrap();
                match event {
                    "add" => items.push(payload.clone()),
                    _ => items
                        .iter_mut()
                        .for_each(|item| item["title"] = payload.clone()),
                }
                Ok(())
            },
        ),
    );
    processor
        .apply_event("TodoList", "l1", MOUNT, &json!(null), false)
        .unwrap();
    let item = json!({"id": "2", "title": "second", "completed": true});
    let dry = processor
        .apply_event("TodoList", "l1", "add", &item, true)
        .unwrap();
    assert!(!dry.persisted && !dry.plan.is_empty());

    // The statements the recorder saw that write.
    let written = || -> Vec<String> {
        executed
            .lock()
            .unwrap()
            .iter()
            .filter(|sql| {
                !sql.starts_with("SELECT")
                    && !sql.starts_with("BEGIN")
                    && !sql.starts_with("COMMIT")
            })
            .cloned()
            .collect()
    };
    executed.lock().unwrap().clear();
    let real = processor
        .apply_event("TodoList", "l1", "add", &item, false)
        .unwrap();
    assert!(real.persisted);
    let writes = written();
    assert_eq!(
        writes, dry.plan,
        "the plan lists exactly the statements the persist ran"
    );
    assert_eq!(
        dry.plan.len(),
        2,
        "the insert of the one new child (the first is untouched) and the change log; the parent's row, which the diff does not name, is only read: {:?}",
        dry.plan
    );

    // Both children change: the rows at their positions are rewritten.
    let dry = processor
        .apply_event("TodoList", "l1", "retitle", &json!("same"), true)
        .unwrap();
    executed.lock().unwrap().clear();
    processor
        .apply_event("TodoList", "l1", "retitle", &json!("same"), false)
        .unwrap();
    let writes = written();
    assert_eq!(writes, dry.plan);
    assert_eq!(
        dry.plan.len(),
        3,
        "two updates and the change log: {:?}",
        dry.plan
    );
}

mod child_sync {
    use super::*;
    use diesel::sql_types::Text;
    use nasc_runtime::StoreOptions;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = Text)]
        line: String,
    }

    fn stored_rows(store: &SqliteMappedStore) -> Vec<String> {
        store
            .with_connection(|conn| {
                diesel::sql_query(
                    "SELECT id || '|' || title || '|' || completed || '|' || coalesce(todo_list_id, '-') || '|' || \
                     coalesce(nasc_position, '-') AS line FROM todos ORDER BY todo_list_id, nasc_position, id",
                )
                .load::<Line>(conn)
                .unwrap()
                .into_iter()
                .map(|l| l.line)
                .collect()
            })
            .unwrap()
    }

    fn store(dir: &tempfile::TempDir, name: &str, replace_children: bool) -> SqliteMappedStore {
        let options = StoreOptions {
            replace_children,
            ..Default::default()
        };
        SqliteMappedStore::connect_with(
            dir.path().join(name).to_str().unwrap(),
            demo_registry(),
            options,
        )
        .unwrap()
    }

    /// One edit: the new items of a list (ids from a small pool, so that items come back,
    /// move and change), and whether the diff names the array.
    /// Which list, its new items `(id, title, completed)`, whether the diff names the items,
    /// and an optional in-place retitle `(position, title)` of the list's previous items.
    type Edit = (u8, Vec<(u8, u8, bool)>, bool, Option<(u8, u8)>);

    fn edit() -> impl Strategy<Value = Edit> {
        (
            0u8..2,
            proptest::collection::vec((0u8..6, 0u8..3, any::<bool>()), 0..6),
            proptest::bool::weighted(0.85),
            // Half the time: retitle one item of the list's previous state, in place.
            proptest::option::weighted(0.5, (0u8..6, 0u8..3)),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Writing only what changed leaves the database exactly as a full replace does.
        #[test]
        fn writing_only_changes_equals_a_full_replace(edits in proptest::collection::vec(edit(), 1..12)) {
            let dir = tempfile::tempdir().unwrap();
            let (changed_only, replaced) = (store(&dir, "changes.db", false), store(&dir, "replace.db", true));
            let mut previous: std::collections::HashMap<String, Value> = Default::default();
            for (list, items, touches_items, retitle) in edits {
                let id = format!("l{list}");
                let mut seen = std::collections::HashSet::new();
                let mut items: Vec<Value> = items
                    .into_iter()
                    .filter(|(id, _, _)| seen.insert(*id))
                    .map(|(id, title, completed)| json!({"id": format!("i{id}"), "title": format!("t{title}"), "completed": completed}))
                    .collect();
                if let (Some((at, title)), Some(before)) = (retitle, previous.get(&id)) {
                    items = before["items"].as_array().unwrap().clone();
                    if !items.is_empty() {
                        let at = at as usize % items.len();
                        items[at]["title"] = json!(format!("retitled {title}"));
                    }
                }
                let full = json!({"id": id, "items": items});
                let diff = if touches_items { full.clone() } else { json!({"id": id}) };
                // The changed-only store gets the processor's diff when the items changed: with
                // the changed positions of a list of unchanged length, only those rows are written.
                let old = previous.get(&id).cloned().unwrap_or(Value::Null);
                let precise = nasc_runtime::diff(&old, &full).unwrap().to_value();
                let precise = if touches_items && !old.is_null() { precise } else { diff.clone() };
                changed_only.persist("TodoList", &id, &precise, &full).unwrap();
                replaced.persist("TodoList", &id, &diff, &full).unwrap();
                if touches_items {
                    previous.insert(id.clone(), full.clone());
                }
                prop_assert_eq!(stored_rows(&changed_only), stored_rows(&replaced));
                if touches_items {
                    prop_assert_eq!(changed_only.load("TodoList", &id).unwrap(), Some(full));
                }
            }
        }
    }
}

#[test]
fn a_diff_with_changed_positions_writes_those_rows_alone() {
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteMappedStore::open(dir.path().join("positions.db"), demo_registry()).unwrap();
    let items = |second: &str| {
        json!({"id": "l", "items": [
            {"id": "a", "title": "one", "completed": false},
            {"id": "b", "title": second, "completed": false},
            {"id": "c", "title": "three", "completed": true}
        ]})
    };
    let (old, new) = (items("two"), items("TWO"));
    store.persist("TodoList", "l", &old, &old).unwrap();
    let diff = nasc_runtime::diff(&old, &new).unwrap().to_value();
    assert_eq!(diff["$positions"], json!({"items": [1]}));
    let plan = store.plan_persist("TodoList", "l", &diff, &new).unwrap();
    assert_eq!(
        plan.len(),
        1,
        "one child's update (the parent's row, which the diff does not name, is only read): {plan:?}"
    );
    assert!(
        plan[0].starts_with("UPDATE \"todos\"")
            && plan[0].ends_with("\"nasc_position\" = ? AND \"todo_list_id\" = ? AND \"id\" = ?"),
        "{plan:?}"
    );
    store.persist("TodoList", "l", &diff, &new).unwrap();
    assert_eq!(store.load("TodoList", "l").unwrap(), Some(new.clone()));
    // Keys that moved between positions are not "in place": the whole array is compared.
    let swapped = json!({"id": "l", "items": [new["items"][1].clone(), new["items"][0].clone(), new["items"][2].clone()]});
    let diff = nasc_runtime::diff(&new, &swapped).unwrap().to_value();
    assert_eq!(diff["$positions"], json!({"items": [0, 1]}));
    store.persist("TodoList", "l", &diff, &swapped).unwrap();
    assert_eq!(store.load("TodoList", "l").unwrap(), Some(swapped.clone()));
    // Another writer appended a child since: the stored array no longer has the diff's
    // length, so the positions are not trusted and the whole array is compared.
    let mut longer = swapped.clone();
    longer["items"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "d", "title": "four", "completed": false}));
    store.persist("TodoList", "l", &longer, &longer).unwrap();
    let mut edited = swapped.clone();
    edited["items"][2]["title"] = json!("three, edited");
    let diff = nasc_runtime::diff(&swapped, &edited).unwrap().to_value();
    assert_eq!(diff["$positions"], json!({"items": [2]}));
    store.persist("TodoList", "l", &diff, &edited).unwrap();
    assert_eq!(store.load("TodoList", "l").unwrap(), Some(edited));
}
