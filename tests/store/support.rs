//! Shared helpers: temporary databases and registries.

use nasc_runtime::{Registry, SqliteMappedStore};
use tempfile::TempDir;

/// A store in a fresh temporary directory (kept alive with it).
pub struct TempStore {
    pub store: SqliteMappedStore,
    pub dir: TempDir,
}

impl std::ops::Deref for TempStore {
    type Target = SqliteMappedStore;
    fn deref(&self) -> &SqliteMappedStore {
        &self.store
    }
}

impl TempStore {
    /// Path of the database file.
    pub fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("test.db")
    }

    /// A second store on the same file.
    pub fn reopen(&self, registry: Registry) -> SqliteMappedStore {
        SqliteMappedStore::open(self.path(), registry).unwrap()
    }

    /// Runs a query and returns its rows as text, for checking what is stored.
    pub fn rows(&self, sql: &str) -> Vec<String> {
        query_lines(&self.path(), sql)
    }
}

/// The demo schema's registry.
pub fn demo_registry() -> Registry {
    let root = env!("CARGO_MANIFEST_DIR");
    Registry::from_files(
        format!("{root}/schemas/app.schema.json"),
        format!("{root}/schemas/app.mapping.json"),
    )
    .unwrap()
}

/// A store on a new temporary file.
pub fn temp_store(registry: Registry) -> TempStore {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteMappedStore::open(dir.path().join("test.db"), registry).unwrap();
    TempStore { store, dir }
}

/// Runs `sql` on its own diesel connection; each row's columns joined with `|`.
fn query_lines(path: &std::path::Path, sql: &str) -> Vec<String> {
    use diesel::connection::SimpleConnection;
    use diesel::sql_types::Text;
    use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = Text)]
        line: String,
    }
    let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    conn.batch_execute("PRAGMA busy_timeout = 5000").unwrap();
    diesel::sql_query(format!("SELECT CAST(({sql}) AS TEXT) AS line"))
        .load::<Line>(&mut conn)
        .map(|rows| rows.into_iter().map(|r| r.line).collect())
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}
