//! A schema change nasc did not apply, as files another tool runs: diesel's migration
//! directories (`up.sql`, `down.sql`, `metadata.toml`), run unedited by `diesel migration
//! run` or `diesel_migrations`, keep every row and record the new schema in
//! `nasc_schema`, so that the next connect finds it applied.

use crate::namespace::Namespace;
use crate::schema_version::{
    METADATA_COLUMNS, METADATA_TABLE, MYSQL_SCHEMA_LOCK, POSTGRES_SCHEMA_LOCK,
};
use nasc_model::catalog::{Catalog, Change};
use nasc_model::Dialect;
use std::path::{Path, PathBuf};

/// The changes from the schema a database holds to the compiled one, with what nasc
/// records once they are made. Carried by [`crate::Error::Migration`].
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationPlan {
    /// The database's dialect.
    pub dialect: Dialect,
    /// The store's namespace, whose tables the changes are to ([`Self::namespace`]).
    pub(crate) namespace: Namespace,
    /// Every change, in order (additive ones included).
    pub changes: Vec<Change>,
    /// The catalog after the changes (recorded in `nasc_schema` by the up file).
    pub catalog: Catalog,
}

/// The three files of a diesel migration directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFiles {
    /// `up.sql`: the changes, then the record of the new schema.
    pub up: String,
    /// `down.sql`: the changes undone, newest first, then the record removed.
    pub down: String,
    /// `metadata.toml`: on SQLite, `run_in_transaction = false`, because the files manage
    /// their own transaction with foreign keys off (a rebuilt parent table would otherwise
    /// delete its children by cascade).
    pub metadata: String,
}

impl MigrationPlan {
    /// The migration's files.
    pub fn files(&self) -> MigrationFiles {
        let rebuilds = self.changes.iter().any(|c| c.rebuilds_table);
        let metadata_table = self.metadata_table();
        let mut up = header(self.dialect, "up", &metadata_table);
        let mut down = header(self.dialect, "down", &metadata_table);
        let (begin, end) = self.wrapping(rebuilds);
        up.push_str(&begin);
        down.push_str(&begin);
        for change in &self.changes {
            up.push_str(&format!("-- {}\n", change.description));
            for statement in &change.up {
                up.push_str(&format!("{statement};\n"));
            }
        }
        up.push_str("-- record the schema these changes make, so that nasc finds it applied\n");
        up.push_str(&format!("{};\n", self.record()));
        for change in self.changes.iter().rev() {
            down.push_str(&format!("-- undo: {}\n", change.description));
            for statement in &change.down {
                down.push_str(&format!("{statement};\n"));
            }
        }
        down.push_str("-- remove the record of the schema the up file made\n");
        down.push_str(&format!("{};\n", self.unrecord()));
        up.push_str(&end);
        down.push_str(&end);
        let metadata = if self.dialect == Dialect::Sqlite {
            "# The files begin and commit their own transaction, with foreign keys off.\nrun_in_transaction = false\n"
        } else {
            "run_in_transaction = true\n"
        };
        MigrationFiles {
            up,
            down,
            metadata: metadata.to_owned(),
        }
    }

    /// Writes the migration as diesel's directory `<migrations>/<version>_<name>` (the
    /// version is the current UTC time, as `diesel migration generate` makes it) and
    /// returns its path.
    pub fn write_diesel_migration(
        &self,
        migrations: impl AsRef<Path>,
        name: &str,
    ) -> std::io::Result<PathBuf> {
        let version = chrono::Utc::now().format("%Y-%m-%d-%H%M%S");
        let dir = migrations.as_ref().join(format!("{version}_{name}"));
        std::fs::create_dir_all(&dir)?;
        let files = self.files();
        std::fs::write(dir.join("up.sql"), files.up)?;
        std::fs::write(dir.join("down.sql"), files.down)?;
        std::fs::write(dir.join("metadata.toml"), files.metadata)?;
        Ok(dir)
    }

    /// The store's namespace ([`crate::StoreOptions::namespace`]) whose tables the changes
    /// are to; on PostgreSQL the files make its schema and work inside it.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.name()
    }

    /// The name of the metadata table in the plan's namespace.
    fn metadata_table(&self) -> String {
        self.namespace.table(METADATA_TABLE)
    }

    /// What goes around the changes: the schema lock that nasc's connects take too, and on
    /// SQLite the files' own transaction, with foreign keys off and checked before commit.
    /// On PostgreSQL a namespace's schema is made, and the transaction works inside it
    /// (`public` stays on the path behind it for diesel's own table of migrations).
    fn wrapping(&self, rebuilds: bool) -> (String, String) {
        match self.dialect {
            Dialect::Sqlite => {
                let mut end = String::new();
                if rebuilds {
                    // A violation fails the CHECK, and with it the migration.
                    end.push_str(
                        "CREATE TEMP TABLE nasc_foreign_key_violations (violations INTEGER CHECK (violations = 0));\n\
                         INSERT INTO nasc_foreign_key_violations SELECT COUNT(*) FROM pragma_foreign_key_check;\n\
                         DROP TABLE nasc_foreign_key_violations;\n",
                    );
                }
                end.push_str("COMMIT;\nPRAGMA foreign_keys = ON;\n");
                (
                    "PRAGMA foreign_keys = OFF;\nBEGIN IMMEDIATE;\n".to_owned(),
                    end,
                )
            }
            Dialect::Postgres => {
                let mut begin = String::new();
                if let Some(name) = self.namespace.name() {
                    begin.push_str(&format!(
                        "CREATE SCHEMA IF NOT EXISTS \"{name}\";\nSET LOCAL search_path TO \"{name}\", public;\n"
                    ));
                }
                begin.push_str(&format!(
                    "SELECT pg_advisory_xact_lock({POSTGRES_SCHEMA_LOCK});\n"
                ));
                (begin, String::new())
            }
            Dialect::Mysql => {
                let lock = self.namespace.mysql_lock(MYSQL_SCHEMA_LOCK);
                (
                    format!("DO GET_LOCK({lock}, 600);\n"),
                    format!("DO RELEASE_LOCK({lock});\n"),
                )
            }
        }
    }

    /// The statement that records [`Self::catalog`] as the next version.
    fn record(&self) -> String {
        let d = self.dialect;
        let q = |name: &str| d.quote(name);
        let applied: Vec<&str> = self
            .changes
            .iter()
            .flat_map(|c| c.up.iter().map(String::as_str))
            .collect();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|t| t.as_secs())
            .unwrap_or_default();
        // The metadata table's columns, in order: the version, then the values.
        let columns: Vec<String> = METADATA_COLUMNS.iter().map(|(name, _)| q(name)).collect();
        format!(
            "INSERT INTO {table} ({}) SELECT COALESCE(MAX({version}), 0) + 1, {}, {}, {}, {now} FROM {table}",
            columns.join(", "),
            d.string_literal(&self.catalog.hash()),
            d.string_literal(&self.catalog.to_json()),
            d.string_literal(&applied.join(";\n")),
            table = q(&self.metadata_table()),
            version = q(METADATA_COLUMNS[0].0),
        )
    }

    /// The statement that removes the newest record.
    fn unrecord(&self) -> String {
        let d = self.dialect;
        let (table, version) = (d.quote(&self.metadata_table()), d.quote("version"));
        match d {
            // (MySQL cannot select from the table it deletes from.)
            Dialect::Mysql => format!("DELETE FROM {table} ORDER BY {version} DESC LIMIT 1"),
            _ => format!(
                "DELETE FROM {table} WHERE {version} = (SELECT MAX({version}) FROM {table})"
            ),
        }
    }
}

/// The comment at the top of a file.
fn header(dialect: Dialect, which: &str, metadata_table: &str) -> String {
    format!(
        "-- nasc schema migration ({which}, {dialect:?}): run it unedited; it records the schema in `{metadata_table}`.\n"
    )
}
