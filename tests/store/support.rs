//! Test databases for every backend: a fresh database (SQLite file, PostgreSQL schema or
//! MySQL database) per test, dropped afterwards, and queries to inspect what was stored.
//!
//! PostgreSQL and MySQL are reached through `NASC_TEST_POSTGRES_URL` and
//! `NASC_TEST_MYSQL_URL`. Their tests exist only with the backend's feature, and fail
//! without the URL (a test that did not run must not pass), unless the run opts out.

#![allow(dead_code)]

use nasc_runtime::testing::ScratchDatabase;
use nasc_runtime::{Dialect, MappedStore, Registry, Store};
use std::io::Write;

/// A backend the conformance suite runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
    Mysql,
}

impl Kind {
    pub fn dialect(self) -> Dialect {
        match self {
            Kind::Sqlite => Dialect::Sqlite,
            Kind::Postgres => Dialect::Postgres,
            Kind::Mysql => Dialect::Mysql,
        }
    }

    /// The server URL to test against (`None` for SQLite), or why there is none.
    fn server_url(self) -> Result<Option<String>, String> {
        let variable = match self {
            Kind::Sqlite => return Ok(None),
            Kind::Postgres => "NASC_TEST_POSTGRES_URL",
            Kind::Mysql => "NASC_TEST_MYSQL_URL",
        };
        match std::env::var(variable) {
            Ok(url) if !url.is_empty() => Ok(Some(url)),
            _ => Err(variable.to_owned()),
        }
    }
}

/// The variable that lets a run with a server backend's feature on, but without its server,
/// pass without running that backend's tests: it must be said explicitly.
pub const SKIP_VARIABLE: &str = "NASC_TEST_SKIP_UNCONFIGURED";

/// Runs `case` on a `kind` backend. A server backend's tests are compiled only with its
/// feature; when its URL is unset they fail, naming the variable, unless
/// [`SKIP_VARIABLE`] is `1` (then they say once that they did not run).
pub fn run(kind: Kind, case: fn(&Backend)) {
    match kind.server_url() {
        Ok(url) => case(&Backend { kind, url }),
        Err(variable) if std::env::var(SKIP_VARIABLE).as_deref() == Ok("1") => {
            static REPORTED: [std::sync::Once; 3] = [
                std::sync::Once::new(),
                std::sync::Once::new(),
                std::sync::Once::new(),
            ];
            REPORTED[kind as usize].call_once(|| {
                // Straight to the process's stderr: the test harness does not capture it.
                let _ = writeln!(
                    std::io::stderr(),
                    "nasc: the {kind:?} tests did NOT run ({variable} is not set, {SKIP_VARIABLE}=1)"
                );
            });
        }
        Err(variable) => panic!(
            "the {kind:?} tests need a server: set {variable} (e.g. {}), or build without the \
             `{}` feature, or set {SKIP_VARIABLE}=1 to let them pass without running",
            match kind {
                Kind::Mysql => "mysql://root@127.0.0.1:3306/test",
                _ => "postgres://postgres@127.0.0.1:5432/test",
            },
            format!("{kind:?}").to_lowercase(),
        ),
    }
}

/// One backend under test; makes fresh databases.
pub struct Backend {
    pub kind: Kind,
    url: Option<String>,
}

impl Backend {
    /// Embedded SQLite, whatever backend a test runs on.
    pub fn sqlite() -> Backend {
        Backend {
            kind: Kind::Sqlite,
            url: None,
        }
    }

    /// The server's URL (the database the fresh ones are made beside); `None` for SQLite.
    pub fn server_url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// A store on a fresh, empty database.
    pub fn store(&self, registry: Registry) -> TestDb {
        let (url, cleanup) = self.empty_database();
        let store = MappedStore::connect(&url, registry).unwrap_or_else(|e| panic!("{e}"));
        TestDb {
            store,
            kind: self.kind,
            url,
            _cleanup: cleanup,
        }
    }

    /// [`Self::empty_database`], but a whole database on PostgreSQL too (not a schema):
    /// what stores with namespaces need, each namespace being a schema.
    pub fn empty_whole_database(&self) -> (String, Cleanup) {
        match self.kind {
            Kind::Postgres => {
                let scratch = ScratchDatabase::new_database(self.url.as_deref().unwrap())
                    .unwrap_or_else(|e| panic!("{e}"));
                (scratch.url().to_owned(), Cleanup::Scratch(scratch))
            }
            _ => self.empty_database(),
        }
    }

    /// The URL of a fresh database that no store has touched, and what drops it.
    pub fn empty_database(&self) -> (String, Cleanup) {
        match self.kind {
            Kind::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("test.db").display().to_string();
                (path, Cleanup::Dir(dir))
            }
            // What applications' tests use too.
            Kind::Postgres | Kind::Mysql => {
                let scratch = ScratchDatabase::new(self.url.as_deref().unwrap())
                    .unwrap_or_else(|e| panic!("{e}"));
                (scratch.url().to_owned(), Cleanup::Scratch(scratch))
            }
        }
    }
}

/// What to drop when a test database goes.
pub enum Cleanup {
    Dir(tempfile::TempDir),
    Scratch(ScratchDatabase),
}

/// A store on its own database.
pub struct TestDb {
    pub store: MappedStore,
    pub kind: Kind,
    url: String,
    _cleanup: Cleanup,
}

impl std::ops::Deref for TestDb {
    type Target = MappedStore;
    fn deref(&self) -> &MappedStore {
        &self.store
    }
}

impl TestDb {
    /// The database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A second store on the same database.
    pub fn reopen(&self, registry: Registry) -> MappedStore {
        MappedStore::connect(&self.url, registry).unwrap()
    }

    /// A second store on the same database, with options.
    pub fn connect_with(
        &self,
        registry: Registry,
        options: nasc_runtime::StoreOptions,
    ) -> Result<MappedStore, nasc_runtime::Error> {
        MappedStore::connect_with(&self.url, registry, options)
    }

    /// `name` quoted as an identifier of this backend.
    pub fn quote(&self, name: &str) -> String {
        self.kind.dialect().quote(name)
    }

    /// The columns of a child table whose type has no children of its own: `columns`, plus
    /// MySQL's marker of top-level rows.
    pub fn child_columns(&self, columns: &[&'static str]) -> Vec<&'static str> {
        let mut all = columns.to_vec();
        if self.kind == Kind::Mysql {
            all.push("nasc_top_level");
        }
        all
    }

    /// Every row of `table`, its `columns` as text joined by `|` (`NULL` for NULL), sorted:
    /// what a migration must keep.
    pub fn rows(&self, table: &str, columns: &[String]) -> Vec<String> {
        let cast = match self.kind {
            Kind::Mysql => "CHAR",
            _ => "TEXT",
        };
        let values: Vec<String> = columns
            .iter()
            .map(|c| format!("COALESCE(CAST({} AS {cast}), 'NULL')", self.quote(c)))
            .collect();
        let line = match self.kind {
            Kind::Mysql => format!("CONCAT_WS('|', {})", values.join(", ")),
            _ => values.join(" || '|' || "),
        };
        let mut rows = self.lines(&format!("SELECT {line} AS line FROM {}", self.quote(table)));
        rows.sort();
        rows
    }

    /// The one integer `sql` selects (as its first column).
    pub fn count_of(&self, sql: &str) -> i64 {
        let cast = match self.kind {
            Kind::Mysql => "CHAR(20)",
            _ => "TEXT",
        };
        let line = self.lines(&format!("SELECT CAST(({sql}) AS {cast}) AS line"));
        line[0].parse().unwrap()
    }

    /// Rows of `table`.
    pub fn count(&self, table: &str) -> i64 {
        let sql = format!(
            "SELECT CAST(COUNT(*) AS CHAR(20)) AS line FROM {}",
            self.quote(table)
        );
        let sql = if self.kind == Kind::Sqlite {
            sql.replace("CHAR(20)", "TEXT")
        } else {
            sql
        };
        self.lines(&sql)[0].trim().parse().unwrap()
    }

    /// Column names of `table`, in order.
    pub fn columns(&self, table: &str) -> Vec<String> {
        self.lines(&match self.kind {
            Kind::Sqlite => format!("SELECT name AS line FROM pragma_table_info('{table}') ORDER BY cid"),
            Kind::Postgres => format!(
                "SELECT column_name::text AS line FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = '{table}' ORDER BY ordinal_position"
            ),
            Kind::Mysql => format!(
                "SELECT column_name AS line FROM information_schema.columns \
                 WHERE table_schema = DATABASE() AND table_name = '{table}' ORDER BY ordinal_position"
            ),
        })
    }

    /// Tables of the database, sorted.
    pub fn tables(&self) -> Vec<String> {
        self.lines(match self.kind {
            Kind::Sqlite => "SELECT name AS line FROM sqlite_master WHERE type = 'table' ORDER BY name",
            Kind::Postgres => "SELECT table_name::text AS line FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1",
            Kind::Mysql => "SELECT table_name AS line FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1",
        })
    }

    /// Foreign keys of `table` as `column->table.column ON-DELETE`.
    pub fn foreign_keys(&self, table: &str) -> Vec<String> {
        // One line per column of each foreign key (composite ones have several), sorted.
        let mut lines = self.lines(&match self.kind {
            Kind::Sqlite => format!(
                "SELECT \"from\" || '->' || \"table\" || '.' || \"to\" || ' ' || on_delete AS line FROM pragma_foreign_key_list('{table}')"
            ),
            Kind::Postgres => format!(
                "SELECT a.attname || '->' || cf.relname || '.' || af.attname || ' ' || \
                 CASE c.confdeltype WHEN 'c' THEN 'CASCADE' ELSE c.confdeltype::text END AS line \
                 FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class cf ON cf.oid = c.confrelid \
                 CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(col, fcol) \
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col \
                 JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = k.fcol \
                 WHERE c.contype = 'f' AND t.relname = '{table}' AND t.relnamespace = current_schema()::regnamespace"
            ),
            Kind::Mysql => format!(
                "SELECT CONCAT(k.column_name, '->', k.referenced_table_name, '.', k.referenced_column_name, ' ', r.delete_rule) AS line \
                 FROM information_schema.key_column_usage k JOIN information_schema.referential_constraints r \
                 ON r.constraint_schema = k.constraint_schema AND r.constraint_name = k.constraint_name \
                 WHERE k.table_schema = DATABASE() AND k.table_name = '{table}' AND k.referenced_table_name IS NOT NULL"
            ),
        });
        lines.sort();
        lines
    }

    /// Whether some index of `table` starts with `column`.
    pub fn indexed(&self, table: &str, column: &str) -> bool {
        let found = self.lines(&match self.kind {
            Kind::Sqlite => format!(
                "SELECT l.name AS line FROM pragma_index_list('{table}') AS l, pragma_index_info(l.name) AS i \
                 WHERE i.name = '{column}' AND i.seqno = 0"
            ),
            Kind::Postgres => format!(
                "SELECT i.relname::text AS line FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid \
                 JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0] \
                 WHERE t.relname = '{table}' AND t.relnamespace = current_schema()::regnamespace AND a.attname = '{column}'"
            ),
            Kind::Mysql => format!(
                "SELECT index_name AS line FROM information_schema.statistics WHERE table_schema = DATABASE() \
                 AND table_name = '{table}' AND column_name = '{column}' AND seq_in_index = 1"
            ),
        });
        !found.is_empty()
    }

    /// Makes the database refuse rows of `table` whose `column` is `value`, so that a save
    /// fails part-way through.
    pub fn refuse(&self, table: &str, column: &str, value: &str) {
        let (t, c) = (self.quote(table), self.quote(column));
        let statement = match self.kind {
            Kind::Sqlite => format!(
                "CREATE TRIGGER refuse_{value} BEFORE INSERT ON {t} WHEN NEW.{c} = '{value}' \
                 BEGIN SELECT RAISE(ABORT, 'refused {value}'); END"
            ),
            Kind::Postgres | Kind::Mysql => {
                format!("ALTER TABLE {t} ADD CONSTRAINT refuse_{value} CHECK ({c} <> '{value}')")
            }
        };
        server::execute_on(&self.store, &statement);
    }

    /// Runs a statement on the store's database, returning the database's error.
    pub fn try_execute(&self, sql: &str) -> Result<(), String> {
        server::try_execute_on(&self.store, sql)
    }

    /// One text column of every row of `sql`.
    pub fn lines(&self, sql: &str) -> Vec<String> {
        server::lines_on(&self.store, sql)
    }

    /// The stored aggregate, which must exist.
    pub fn loaded(&self, ty: &str, id: &str) -> serde_json::Value {
        self.store
            .load(ty, id)
            .unwrap()
            .unwrap_or_else(|| panic!("{ty} {id} is not stored"))
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

/// Raw SQL on each backend's connections.
pub mod server {
    use diesel::connection::SimpleConnection;
    use diesel::sql_types::Text;
    use diesel::{QueryableByName, RunQueryDsl};
    use nasc_runtime::MappedStore;

    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = Text)]
        line: String,
    }

    macro_rules! on_store {
        ($store:expr, |$conn:ident| $body:expr) => {
            match $store {
                MappedStore::Sqlite(s) => s.with_connection(|$conn| $body).unwrap(),
                #[cfg(feature = "postgres")]
                MappedStore::Postgres(s) => s.with_connection(|$conn| $body).unwrap(),
                #[cfg(feature = "mysql")]
                MappedStore::Mysql(s) => s.with_connection(|$conn| $body).unwrap(),
                #[allow(unreachable_patterns)]
                _ => unreachable!("no other backend is compiled in"),
            }
        };
    }

    /// Sets `instrumentation` on the connections `store` holds now (one, for a store with a
    /// pool of one).
    pub fn instrument(
        store: &MappedStore,
        instrumentation: impl diesel::connection::Instrumentation,
    ) {
        on_store!(store, |conn| diesel::Connection::set_instrumentation(
            conn,
            instrumentation
        ))
    }

    pub fn lines_on(store: &MappedStore, sql: &str) -> Vec<String> {
        on_store!(store, |conn| diesel::sql_query(sql)
            .load::<Line>(conn)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .into_iter()
            .map(|l| l.line)
            .collect())
    }

    pub fn try_execute_on(store: &MappedStore, sql: &str) -> Result<(), String> {
        on_store!(store, |conn| conn
            .batch_execute(sql)
            .map_err(|e| e.to_string()))
    }

    pub fn execute_on(store: &MappedStore, sql: &str) {
        on_store!(store, |conn| conn
            .batch_execute(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}")))
    }

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }

    /// The number a `SELECT COUNT(*) AS n ...` answers, on a fresh connection to `url`.
    pub fn count(url: &str, sql: &str) -> i64 {
        fn on<C: diesel::Connection>(url: &str, sql: &str) -> i64
        where
            Count: QueryableByName<C::Backend>,
            diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'static, C, Count>,
        {
            let mut conn = C::establish(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            diesel::sql_query(sql)
                .get_result::<Count>(&mut conn)
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .n
        }
        #[cfg(feature = "postgres")]
        if url.starts_with("postgres") {
            return on::<diesel::PgConnection>(url, sql);
        }
        #[cfg(feature = "mysql")]
        if url.starts_with("mysql") {
            return on::<diesel::MysqlConnection>(url, sql);
        }
        panic!("no server backend compiled in to run `{sql}` on {url}");
    }

    /// Runs `statement` on a fresh connection to `url` (a server's admin URL).
    pub fn execute(url: &str, statement: &str) {
        #[cfg(feature = "postgres")]
        if url.starts_with("postgres") {
            return execute_with::<diesel::PgConnection>(url, statement);
        }
        #[cfg(feature = "mysql")]
        if url.starts_with("mysql") {
            return execute_with::<diesel::MysqlConnection>(url, statement);
        }
        panic!("no server backend compiled in to run `{statement}` on {url}");
    }

    #[allow(dead_code)]
    fn execute_with<C: diesel::Connection>(url: &str, statement: &str) {
        let mut conn = C::establish(url).unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
        conn.batch_execute(statement)
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
}

/// A small deterministic generator (xorshift64*).
pub struct Random(pub u64);

impl Random {
    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545F4914F6CDD1D) >> 33) as usize % n.max(1)
    }
}

/// Worker processes a test kills: this test binary run again, one ignored test selected by
/// name, connected to a test database under a name of its own.
pub struct Workers<'d> {
    db: &'d TestDb,
    application: String,
}

impl<'d> Workers<'d> {
    /// Workers on `db`, their sessions named after `name` and this process.
    pub fn new(db: &'d TestDb, name: &str) -> Workers<'d> {
        Workers {
            db,
            application: format!("nasc_{name}_{}", std::process::id()),
        }
    }

    /// The URL a worker connects with (on PostgreSQL, its sessions carry the name).
    pub fn url(&self) -> String {
        match self.db.kind {
            Kind::Postgres => format!("{}&application_name={}", self.db.url(), self.application),
            _ => self.db.url().to_owned(),
        }
    }

    /// The workers' open sessions (MySQL: every other session on the test's database).
    pub fn sessions(&self) -> i64 {
        match self.db.kind {
            Kind::Sqlite => 0,
            Kind::Postgres => self.db.count_of(&format!(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = '{}'",
                self.application
            )),
            Kind::Mysql => self.db.count_of(
                "SELECT COUNT(*) FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID()",
            ),
        }
    }

    /// Starts the ignored test `test` with `env`, and waits until it prints `ready`.
    pub fn start(
        &self,
        test: &str,
        env: &[(&str, String)],
        ready: &str,
    ) -> (
        std::process::Child,
        std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
    ) {
        use std::io::BufRead;
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                test,
                "--nocapture",
                "--test-threads=1",
            ])
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        for line in lines.by_ref() {
            if line.unwrap().ends_with(ready) {
                break;
            }
        }
        (child, lines)
    }

    /// Kills `child`, then waits until its sessions are gone (a server may still commit
    /// the transaction of a killed client whose COMMIT it had received); whether it had
    /// to wait.
    pub fn kill(&self, child: &mut std::process::Child, idle: i64) -> bool {
        child.kill().unwrap();
        child.wait().unwrap();
        let waited = std::time::Instant::now();
        let open = self.sessions() > idle;
        while self.sessions() > idle {
            assert!(
                waited.elapsed() < std::time::Duration::from_secs(30),
                "the killed worker's session is still open after 30 s"
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        open
    }
}
