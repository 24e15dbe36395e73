//! The migration files nasc exports, run unedited by diesel's migration harness
//! (`diesel_migrations`), as a team runs them: every row of every table is kept, the next
//! connect finds the schema applied, and reverting restores both.

use crate::support::*;
use diesel::migration::MigrationSource;
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use nasc_runtime::{Error, MigrationPlan, Registry, Store};
use serde_json::json;

/// The board schema; `title` gets `title_schema`.
pub(crate) fn boards(title_schema: &str) -> Registry {
    let schema = format!(
        r##"{{"$defs": {{
            "Board": {{"type": "object", "properties": {{"id": {{"type": "string"}}, "title": {title_schema},
                "cards": {{"type": "array", "items": {{"$ref": "#/$defs/Card"}}}}}}, "required": ["id"]}},
            "Card": {{"type": "object", "properties": {{"id": {{"type": "string"}}, "text": {{"type": "string"}},
                "checks": {{"type": "array", "items": {{"$ref": "#/$defs/Check"}}}}}}, "required": ["id"]}},
            "Check": {{"type": "object", "properties": {{"id": {{"type": "string"}}, "done": {{"type": "boolean"}}}}, "required": ["id"]}}
        }}}}"##
    );
    Registry::from_json_str(
        "s.json",
        &schema,
        "m.json",
        r#"{"Board": {}, "Card": {}, "Check": {}}"#,
    )
    .unwrap()
}

/// Runs the pending migrations of `dir` on `url` with diesel's harness, or reverts the last.
pub(crate) fn run_with_diesel(kind: Kind, url: &str, dir: &std::path::Path, revert: bool) {
    fn run<C>(url: &str, dir: &std::path::Path, revert: bool)
    where
        C: diesel::Connection + MigrationHarness<C::Backend>,
        FileBasedMigrations: MigrationSource<C::Backend>,
    {
        let mut conn = C::establish(url).unwrap_or_else(|e| panic!("{e}"));
        let migrations = FileBasedMigrations::from_path(dir).unwrap();
        if revert {
            conn.revert_last_migration(migrations)
                .unwrap_or_else(|e| panic!("diesel reverting {dir:?}: {e}"));
        } else {
            conn.run_pending_migrations(migrations)
                .unwrap_or_else(|e| panic!("diesel running {dir:?}: {e}"));
        }
    }
    match kind {
        Kind::Sqlite => run::<diesel::SqliteConnection>(url, dir, revert),
        #[cfg(feature = "postgres")]
        Kind::Postgres => run::<diesel::PgConnection>(url, dir, revert),
        #[cfg(feature = "mysql")]
        Kind::Mysql => run::<diesel::MysqlConnection>(url, dir, revert),
        #[allow(unreachable_patterns)]
        other => panic!("{other:?} is not compiled in"),
    }
}

/// Every row of every table of the schema.
fn snapshot(db: &TestDb) -> Vec<(String, Vec<String>)> {
    ["boards", "cards", "checks"]
        .iter()
        .map(|table| {
            let columns = db.columns(table);
            (table.to_string(), db.rows(table, &columns))
        })
        .collect()
}

/// A change that alters the parent table (SQLite rebuilds it: run inside diesel's
/// transaction, its `DROP TABLE` deleted every child row by cascade).
pub fn exported_files_run_by_diesel_keep_every_row(b: &Backend) {
    let v1 = || boards(r#"{"type": "string"}"#);
    let v2 = || boards(r#"{"type": "string", "maxLength": 100}"#);
    let db = b.store(v1());
    for n in 0..3 {
        let board = json!({"id": format!("b{n}"), "title": format!("board {n}"), "cards": [
            {"id": format!("c{n}a"), "text": "one", "checks": [{"id": "k1", "done": true}, {"id": "k2", "done": false}]},
            {"id": format!("c{n}b"), "checks": []}
        ]});
        db.persist("Board", &format!("b{n}"), &board, &board)
            .unwrap();
    }
    let before = snapshot(&db);
    assert_eq!(before[1].1.len(), 6, "{before:?}");

    let plan: Box<MigrationPlan> = match db.connect_with(v2(), Default::default()) {
        Err(Error::Migration { plan, .. }) => plan,
        other => panic!("expected Error::Migration, got {:?}", other.err()),
    };
    let migrations = tempfile::tempdir().unwrap();
    let dir = plan
        .write_diesel_migration(migrations.path(), "title_limit")
        .unwrap();
    let metadata = std::fs::read_to_string(dir.join("metadata.toml")).unwrap();
    if b.kind == Kind::Sqlite {
        assert!(
            metadata.contains("run_in_transaction = false"),
            "{metadata}"
        );
    }

    run_with_diesel(b.kind, db.url(), migrations.path(), false);
    assert_eq!(
        snapshot(&db),
        before,
        "diesel's run of the files kept every row"
    );
    // The next connect finds the schema applied: nothing to do, nothing refused.
    let store = db
        .connect_with(v2(), Default::default())
        .unwrap_or_else(|e| panic!("after the files ran: {e}"));
    assert_eq!(db.count("nasc_schema"), 2);
    assert_eq!(
        store.load("Board", "b1").unwrap().unwrap()["cards"][0]["checks"][1]["id"],
        json!("k2")
    );
    // The new CHECK is in force.
    let long = json!({"id": "b9", "title": "x".repeat(101), "cards": []});
    assert!(db
        .try_execute(&format!(
            "INSERT INTO {} ({}, {}) VALUES ('b9', '{}')",
            db.quote("boards"),
            db.quote("id"),
            db.quote("title"),
            long["title"].as_str().unwrap()
        ))
        .is_err());

    // Reverting: the rows again, and the older schema recorded.
    run_with_diesel(b.kind, db.url(), migrations.path(), true);
    assert_eq!(snapshot(&db), before, "diesel's revert kept every row");
    assert_eq!(db.count("nasc_schema"), 1);
    db.connect_with(v1(), Default::default())
        .unwrap_or_else(|e| panic!("after the revert: {e}"));
}
