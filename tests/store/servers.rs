//! What only a database server does: close a connection under the store.

use crate::support::*;
use nasc_runtime::{MappedStore, Store};
use serde_json::json;

/// The server ends the session of the store's one pooled connection: the call that finds
/// it closed fails, and the pool replaces it for the next one.
fn a_connection_the_server_closed_fails_one_call_then_is_replaced(b: &Backend) {
    let db = b.store(demo_registry());
    let list = json!({"id": "l1", "items": [{"id": "t1", "title": "a", "completed": false}]});
    db.persist("TodoList", "l1", &list, &list).unwrap();
    let (session, kill) = match b.kind {
        Kind::Postgres => (
            "SELECT CAST(pg_backend_pid() AS TEXT) AS line",
            "SELECT pg_terminate_backend",
        ),
        Kind::Mysql => ("SELECT CAST(CONNECTION_ID() AS CHAR) AS line", "KILL"),
        Kind::Sqlite => unreachable!("run on servers only"),
    };
    let id = db.lines(session).remove(0);
    server::execute(b.server_url().unwrap(), &format!("{kill}({id})"));
    let failed = db.load("TodoList", "l1");
    assert!(
        failed.is_err(),
        "the closed connection was used: {failed:?}"
    );
    assert_eq!(db.load("TodoList", "l1").unwrap(), Some(list.clone()));
    assert_ne!(
        db.lines(session).remove(0),
        id,
        "a new session serves the store"
    );
}

#[cfg(feature = "postgres")]
#[test]
fn on_postgres_a_closed_connection_is_replaced() {
    run(
        Kind::Postgres,
        a_connection_the_server_closed_fails_one_call_then_is_replaced,
    );
}

#[cfg(feature = "mysql")]
#[test]
fn on_mysql_a_closed_connection_is_replaced() {
    run(
        Kind::Mysql,
        a_connection_the_server_closed_fails_one_call_then_is_replaced,
    );
}

/// Connection strings with a password never show it: not in the error's message, not in
/// its `Debug` form, whatever failed (a refused login, a missing database, no server, an
/// unparsable URL, an unknown scheme).
#[test]
fn passwords_never_appear_in_errors() {
    let secret = "S3cret-PW_x";
    let mut urls = vec![
        format!("redis://user:{secret}@127.0.0.1/0"),
        format!("postgres://postgres:{secret}@127.0.0.1:notaport/test"),
    ];
    if cfg!(feature = "postgres") {
        urls.extend([
            format!("postgres://postgres:{secret}@127.0.0.1:5432/nasc_no_such_database"),
            format!("postgres://postgres:{secret}@127.0.0.1:1/test"),
            format!("postgres://postgres@127.0.0.1:1/test?password={secret}"),
        ]);
    }
    if cfg!(feature = "mysql") {
        urls.extend([
            format!("mysql://root:{secret}@127.0.0.1:3306/test"),
            format!("mysql://root:{secret}@127.0.0.1:1/test"),
        ]);
    }
    for url in &urls {
        let Err(error) = nasc_runtime::MappedStore::connect(url, demo_registry()) else {
            panic!("connecting to {url} must fail");
        };
        let Err(json_error) = nasc_runtime::JsonStore::connect(url) else {
            panic!("connecting to {url} must fail");
        };
        for shown in [
            error.to_string(),
            format!("{error:?}"),
            json_error.to_string(),
            format!("{json_error:?}"),
        ] {
            assert!(!shown.contains(secret), "the password shows: {shown}");
            assert!(shown.contains("***"), "the redaction shows: {shown}");
        }
    }
}

/// A MySQL database made before string keys became `VARBINARY(1020)` holds them as
/// `VARCHAR(255)`: connecting lists the type changes, and `Migrations::All` applies them
/// with every row and every link kept.
#[cfg(feature = "mysql")]
#[test]
fn on_mysql_varchar_keys_of_an_older_database_become_binary() {
    run(Kind::Mysql, |b| {
        let registry = demo_registry();
        let (url, _cleanup) = b.empty_database();
        let old = |text: &str| text.replace("VARBINARY(1020)", "VARCHAR(255)");
        let catalog = nasc_runtime::Catalog::of(registry.model(), nasc_runtime::Dialect::Mysql);
        let old_catalog = nasc_runtime::Catalog::from_json(&old(&catalog.to_json())).unwrap();
        for statement in registry.ddl(nasc_runtime::Dialect::Mysql) {
            server::execute(&url, &old(&statement));
        }
        server::execute(&url, "CREATE TABLE nasc_schema (version BIGINT NOT NULL PRIMARY KEY, schema_hash VARCHAR(64) NOT NULL, catalog LONGTEXT NOT NULL, applied_sql LONGTEXT NOT NULL, applied_at BIGINT NOT NULL)");
        server::execute(
            &url,
            &format!(
                "INSERT INTO nasc_schema VALUES (1, '{}', '{}', '', 0)",
                old_catalog.hash(),
                old_catalog
                    .to_json()
                    .replace('\\', "\\\\")
                    .replace('\'', "''")
            ),
        );
        server::execute(&url, "INSERT INTO todo_lists (id) VALUES ('l1')");
        server::execute(&url, "INSERT INTO todos (id, title, completed, todo_list_id, nasc_position) VALUES ('t1', 'a', FALSE, 'l1', 0), ('t2', 'b', TRUE, 'l1', 1)");
        let expected = json!({"id": "l1", "items": [
            {"id": "t1", "title": "a", "completed": false}, {"id": "t2", "title": "b", "completed": true}]});
        match MappedStore::connect(&url, demo_registry()) {
            Err(nasc_runtime::Error::Migration { plan, .. }) => assert!(
                plan.changes
                    .iter()
                    .any(|c| c.description.contains("VARBINARY(1020)")),
                "{:#?}",
                plan.changes
            ),
            other => panic!("expected Error::Migration, got {:?}", other.err()),
        }
        let options = nasc_runtime::StoreOptions {
            migrations: nasc_runtime::Migrations::All,
            ..Default::default()
        };
        let store = MappedStore::connect_with(&url, demo_registry(), options)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.load("TodoList", "l1").unwrap(), Some(expected));
        // Ids that differ by a trailing space are two aggregates now.
        for id in ["pad", "pad "] {
            let list = json!({"id": id, "items": []});
            store.persist("TodoList", id, &list, &list).unwrap();
        }
        assert_eq!(
            store.load("TodoList", "pad ").unwrap().unwrap()["id"],
            json!("pad ")
        );
        assert_eq!(
            store.load("TodoList", "pad").unwrap().unwrap()["id"],
            json!("pad")
        );
    });
}

/// A real deadlock between a persist and another transaction: PostgreSQL aborts the
/// persist (it waited first, so its deadlock check runs first). Without retries the caller
/// gets the deadlock; with the default retries the persist runs again once the other
/// transaction is done, and succeeds.
#[cfg(feature = "postgres")]
#[test]
fn on_postgres_a_persist_chosen_as_deadlock_victim_runs_again() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    run(Kind::Postgres, |b| {
        let registry = || {
            nasc_runtime::Registry::from_json_str(
                "s.json",
                r##"{"$defs": {"Doc": {"type": "object", "properties": {"id": {"type": "string"}, "text": {"type": "string"},
                    "parts": {"type": "array", "items": {"$ref": "#/$defs/Part"}}}, "required": ["id"]},
                    "Part": {"type": "object", "properties": {"id": {"type": "string"}, "text": {"type": "string"}}, "required": ["id"]}}}"##,
                "m.json",
                r#"{"Doc": {}, "Part": {}}"#,
            )
            .unwrap()
        };
        let db = b.store(registry());
        let doc =
            |text: &str| json!({"id": "d", "text": text, "parts": [{"id": "p", "text": text}]});
        db.persist("Doc", "d", &doc("v0"), &doc("v0")).unwrap();
        for retries in [0, nasc_runtime::StoreOptions::default().retries] {
            let store = db
                .connect_with(
                    registry(),
                    nasc_runtime::StoreOptions {
                        retries,
                        ..Default::default()
                    },
                )
                .unwrap();
            let mut other = diesel::PgConnection::establish(db.url()).unwrap();
            // The other transaction holds the child row...
            other
                .batch_execute("BEGIN; UPDATE parts SET text = text WHERE id = 'p'")
                .unwrap();
            let text = format!("after {retries}");
            let result = std::thread::scope(|s| {
                let saving = s.spawn(|| store.persist("Doc", "d", &doc(&text), &doc(&text)));
                // ...the persist takes the parent row and waits for the child row...
                std::thread::sleep(std::time::Duration::from_millis(300));
                // ...and the other transaction now waits for the parent row: a deadlock.
                other
                    .batch_execute("UPDATE docs SET text = text WHERE id = 'd'; COMMIT")
                    .unwrap();
                saving.join().unwrap()
            });
            if retries == 0 {
                let error = result.expect_err("the persist was the deadlock's victim");
                assert!(error.to_string().contains("deadlock detected"), "{error}");
                assert_eq!(db.load("Doc", "d").unwrap(), Some(doc("v0")));
            } else {
                result.unwrap_or_else(|e| panic!("the persist must run again: {e}"));
                assert_eq!(db.load("Doc", "d").unwrap(), Some(doc(&text)));
            }
        }
    });
}

#[cfg(feature = "mysql")]
#[test]
fn on_mysql_a_rebuild_that_fails_part_way_is_undone_keeping_every_row() {
    run(
        Kind::Mysql,
        crate::layout::a_rebuild_that_fails_part_way_is_undone_keeping_every_row,
    );
}
