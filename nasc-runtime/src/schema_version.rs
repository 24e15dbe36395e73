//! Keeping a database's tables in step with the compiled schema: a metadata table records
//! each catalog applied; on connect, additive changes are applied in one transaction and the
//! others stop the connection with the list of changes and their SQL (unless opted in).

use crate::aggregate::{Cell, SqlValue};
use crate::backend::MappedConnection;
use crate::namespace::Namespace;
use crate::sql::Sql;
use crate::{Error, Registry};
use diesel::result::Error as DieselError;
use nasc_model::catalog::{Catalog, Change};
use nasc_model::relayout::COPY_PREFIX;
use nasc_model::Dialect;

/// The metadata table: one row per catalog applied.
pub const METADATA_TABLE: &str = "nasc_schema";

/// What to do with changes that are not purely additive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Migrations {
    /// Apply additive changes; refuse the others with [`Error::Migration`].
    #[default]
    Additive,
    /// Apply every change: alterations, and the removals named in
    /// [`StoreOptions::drops`](crate::StoreOptions::drops) (a removal not named there stops
    /// the connection: nothing is dropped by default).
    All,
}

/// The key of PostgreSQL's advisory lock on the schema of the current search path, taken by
/// connects and by exported migrations alike.
pub(crate) const POSTGRES_SCHEMA_LOCK: &str =
    "hashtextextended('nasc_schema:' || current_schema(), 0)";
/// What MySQL's lock on the schema of the current database (and namespace) is named after
/// (see [`Namespace::mysql_lock`]; lock names are at most 64 characters), taken by
/// connects and by exported migrations alike.
pub(crate) const MYSQL_SCHEMA_LOCK: &str = "nasc_schema";

/// The metadata table's columns, in order, with their types (`{text}` is the dialect's
/// long text type).
pub(crate) const METADATA_COLUMNS: [(&str, &str); 5] = [
    ("version", "BIGINT NOT NULL PRIMARY KEY"),
    ("schema_hash", "VARCHAR(64) NOT NULL"),
    ("catalog", "{text} NOT NULL"),
    ("applied_sql", "{text} NOT NULL"),
    ("applied_at", "BIGINT NOT NULL"),
];

fn metadata_ddl(namespace: &Namespace, dialect: Dialect) -> String {
    let text = if dialect == Dialect::Mysql {
        "LONGTEXT"
    } else {
        "TEXT"
    };
    let columns: Vec<String> = METADATA_COLUMNS
        .iter()
        .map(|(name, definition)| {
            format!(
                "{} {}",
                dialect.quote(name),
                definition.replace("{text}", text)
            )
        })
        .collect();
    format!(
        "CREATE TABLE IF NOT EXISTS {} ({})",
        dialect.quote(&namespace.table(METADATA_TABLE)),
        columns.join(", ")
    )
}

/// Brings the database of `conn` to the catalog of `registry`, holding the database's
/// schema lock, so that replicas starting together take turns: each reads the recorded
/// schema only once it holds the lock, and finds what an earlier one applied. The lock is
/// PostgreSQL's advisory lock and MySQL's `GET_LOCK` (named after the schema or database),
/// and SQLite's write lock (`BEGIN IMMEDIATE`, with foreign keys off so that a table
/// rebuild cascades nothing, checked before commit).
pub(crate) fn migrate<C: MappedConnection>(
    conn: &mut C,
    namespace: &Namespace,
    registry: &Registry,
    policy: Migrations,
    drops: &[String],
    own_tables: &[String],
    target: &str,
) -> Result<(), Error> {
    let failed = |message: String| Error::Open {
        target: target.to_owned(),
        message,
    };
    match C::DIALECT {
        Dialect::Sqlite => {
            conn.batch_execute("PRAGMA foreign_keys = OFF")
                .map_err(|e| failed(format!("cannot turn foreign keys off: {e}")))?;
            let result = conn.write_transaction(|conn| {
                migrate_locked(conn, namespace, registry, policy, drops, own_tables, target)
                    .map_err(Locked::Nasc)
            });
            let on = conn.batch_execute("PRAGMA foreign_keys = ON");
            match result {
                Err(Locked::Nasc(e)) => Err(e),
                Err(Locked::Database(e)) => {
                    Err(failed(format!("cannot apply the schema changes: {e}")))
                }
                Ok(()) => on.map_err(|e| failed(format!("cannot turn foreign keys on: {e}"))),
            }
        }
        _ => holding_schema_lock(conn, namespace, target, |conn| {
            migrate_locked(conn, namespace, registry, policy, drops, own_tables, target)
        }),
    }
}

/// Runs `f` holding the schema lock of a PostgreSQL or MySQL database (see [`migrate`]).
fn holding_schema_lock<C: MappedConnection>(
    conn: &mut C,
    namespace: &Namespace,
    target: &str,
    f: impl FnOnce(&mut C) -> Result<(), Error>,
) -> Result<(), Error> {
    let failed = |message: String| Error::Open {
        target: target.to_owned(),
        message,
    };
    let (lock, unlock) = if C::DIALECT == Dialect::Postgres {
        (
            format!("SELECT pg_advisory_lock({POSTGRES_SCHEMA_LOCK})"),
            format!("SELECT pg_advisory_unlock({POSTGRES_SCHEMA_LOCK})"),
        )
    } else {
        let name = namespace.mysql_lock(MYSQL_SCHEMA_LOCK);
        (
            format!("SELECT GET_LOCK({name}, 600)"),
            format!("SELECT RELEASE_LOCK({name})"),
        )
    };
    let lock_error = |e| failed(format!("cannot take the schema lock: {e}"));
    if C::DIALECT == Dialect::Mysql {
        let taken = conn.rows(&Sql::new(&lock), &[]).map_err(lock_error)?;
        if taken.first().map(Vec::as_slice) != Some(&[Cell::Integer(1)]) {
            return Err(failed(
                "another connection held the schema lock for 10 minutes".into(),
            ));
        }
    } else {
        conn.batch_execute(&lock).map_err(lock_error)?;
    }
    let result = f(conn);
    let released = conn.batch_execute(&unlock);
    result.and(released.map_err(|e| failed(format!("cannot release the schema lock: {e}"))))
}

/// Makes nasc's own tables that `statements` create (`CREATE TABLE IF NOT EXISTS`),
/// holding the schema lock: two of them at once can fail on PostgreSQL.
pub(crate) fn create_own_tables<C: MappedConnection>(
    conn: &mut C,
    namespace: &Namespace,
    statements: &[String],
    target: &str,
) -> Result<(), Error> {
    let create = |conn: &mut C| {
        statements.iter().try_for_each(|statement| {
            conn.batch_execute(statement).map_err(|e| Error::Open {
                target: target.to_owned(),
                message: format!("cannot create nasc's tables: {e}"),
            })
        })
    };
    match C::DIALECT {
        Dialect::Sqlite => create(conn),
        _ => holding_schema_lock(conn, namespace, target, create),
    }
}

/// Whether the database holds `table`.
pub(crate) fn table_exists<C: MappedConnection>(
    conn: &mut C,
    table: &str,
) -> Result<bool, DieselError> {
    live_columns(conn, table).map(|columns| !columns.is_empty())
}

/// The columns of `table` as the database holds them (none when there is no such table).
fn live_columns<C: MappedConnection>(
    conn: &mut C,
    table: &str,
) -> Result<Vec<String>, DieselError> {
    let query = match C::DIALECT {
        Dialect::Sqlite => "SELECT name FROM pragma_table_info(?) ORDER BY cid",
        Dialect::Postgres => {
            "SELECT CAST(column_name AS TEXT) FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position"
        }
        Dialect::Mysql => {
            "SELECT CAST(column_name AS CHAR) FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position"
        }
    };
    let rows = conn.rows(&Sql::new(query), &[SqlValue::Text(table.into())])?;
    Ok(rows
        .into_iter()
        .filter_map(|row| match row.into_iter().next() {
            Some(Cell::Text(name)) => Some(name),
            _ => None,
        })
        .collect())
}

/// Refuses to go on when a rebuild of tables was interrupted with rows in its copies (a
/// killed process on MySQL, whose DDL commits statement by statement): nasc then changes
/// nothing, and the error names the copies, so that no row they alone hold is lost. Only
/// the copies of `tables` (the store's, compiled or recorded) count: on SQLite and MySQL
/// the copies of another namespace's tables are in the same database, and are its own.
fn refuse_interrupted_rebuild<C: MappedConnection>(
    conn: &mut C,
    tables: &[String],
    target: &str,
) -> Result<(), Error> {
    let ours: std::collections::BTreeSet<String> = tables
        .iter()
        .map(|table| nasc_model::relayout::copy_name(table))
        .collect();
    let query = match C::DIALECT {
        Dialect::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ESCAPE '!'"
        }
        Dialect::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name LIKE ? ESCAPE '!'"
        }
        Dialect::Mysql => {
            "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_name LIKE ? ESCAPE '!'"
        }
    };
    let pattern = format!("{}%", COPY_PREFIX.replace('_', "!_"));
    let rows = conn
        .rows(&Sql::new(query), &[SqlValue::Text(pattern.into())])
        .map_err(|e| Error::Open {
            target: target.to_owned(),
            message: format!("cannot list the tables: {e}"),
        })?;
    let copies: Vec<String> = rows
        .into_iter()
        .filter_map(|row| match row.into_iter().next() {
            Some(Cell::Text(name)) if ours.contains(&name) => Some(format!("`{name}`")),
            _ => None,
        })
        .collect();
    if copies.is_empty() {
        return Ok(());
    }
    Err(Error::Open {
        target: target.to_owned(),
        message: format!(
            "a rebuild of tables was interrupted (its process stopped before it ended) and left rows in {}: nasc changes nothing while they exist. Each copy holds every row of the table its name ends with, as it was before the rebuild (`nasc_new_row` numbers them); put back into that table the rows it lacks, then drop the copies",
            copies.join(", ")
        ),
    })
}

/// The tables of the catalog `namespace`'s metadata records last (none when it records
/// none, or cannot be read: the migration then says why).
fn recorded_tables<C: MappedConnection>(
    conn: &mut C,
    namespace: &Namespace,
) -> Option<Vec<String>> {
    let latest = latest_record(conn, &namespace.table(METADATA_TABLE)).ok()?;
    match latest.into_iter().next()?.as_slice() {
        [_, Cell::Text(catalog)] => Some(
            Catalog::from_json(catalog)
                .ok()?
                .tables
                .into_iter()
                .map(|t| t.name)
                .collect(),
        ),
        _ => None,
    }
}

/// The latest row of the metadata table `metadata`: its version and catalog (no row when
/// none is recorded).
fn latest_record<C: MappedConnection>(
    conn: &mut C,
    metadata: &str,
) -> Result<Vec<Vec<Cell>>, DieselError> {
    let q = |name: &str| C::DIALECT.quote(name);
    conn.rows(
        &Sql::new(&format!(
            "SELECT {}, {} FROM {} ORDER BY {} DESC LIMIT 1",
            q("version"),
            q("catalog"),
            q(metadata),
            q("version")
        )),
        &[],
    )
}

/// A failure inside SQLite's locked migration.
enum Locked {
    Nasc(Error),
    Database(DieselError),
}

impl From<DieselError> for Locked {
    fn from(e: DieselError) -> Self {
        Locked::Database(e)
    }
}

/// [`migrate`], once the schema lock is held.
fn migrate_locked<C: MappedConnection>(
    conn: &mut C,
    namespace: &Namespace,
    registry: &Registry,
    policy: Migrations,
    drops: &[String],
    own_tables: &[String],
    target: &str,
) -> Result<(), Error> {
    // A change that drops data is made only with `Migrations::All` and its object named.
    let named = |change: &Change| {
        policy == Migrations::All
            && !change.drops.is_empty()
            && change.drops.iter().all(|d| drops.contains(d))
    };
    let failed = |message: String| Error::Open {
        target: target.to_owned(),
        message,
    };
    let metadata = namespace.table(METADATA_TABLE);
    conn.batch_execute(&metadata_ddl(namespace, C::DIALECT))
        .map_err(|e| {
            failed(format!(
                "cannot create the metadata table `{metadata}`: {e}"
            ))
        })?;
    // nasc's own tables (the change log, the feed positions), made under the lock too:
    // two `CREATE TABLE IF NOT EXISTS` at once can fail on PostgreSQL.
    for statement in own_tables {
        conn.batch_execute(statement)
            .map_err(|e| failed(format!("cannot create nasc's tables: {e}")))?;
    }
    let mut tables: Vec<String> = registry
        .model()
        .types
        .iter()
        .map(|t| t.table.clone())
        .collect();
    tables.extend(recorded_tables(conn, namespace).unwrap_or_default());
    refuse_interrupted_rebuild(conn, &tables, target)?;
    let Pending::Changes {
        version,
        changes,
        wanted,
    } = pending(conn, namespace, registry, &named, target)?
    else {
        return Ok(());
    };
    let unnamed_drop = changes.iter().any(|c| !c.drops.is_empty() && !named(c));
    let describe = |changes: &[Change]| {
        changes
            .iter()
            .map(|c| c.description.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    if unnamed_drop || (policy == Migrations::Additive && changes.iter().any(|c| !c.additive)) {
        tracing::warn!(
            target: crate::trace::TARGET,
            database = target,
            changes = %describe(&changes),
            "schema changes refused: apply them with Migrations::All (naming any drop), or as the migration the error carries"
        );
        return Err(Error::Migration {
            target: target.to_owned(),
            plan: Box::new(crate::MigrationPlan {
                dialect: C::DIALECT,
                namespace: namespace.clone(),
                changes,
                catalog: wanted,
            }),
        });
    }
    apply(conn, namespace, &changes, version + 1, &wanted)
        .map_err(|e| failed(format!("cannot apply the schema changes: {e}")))?;
    tracing::info!(
        target: crate::trace::TARGET,
        database = target,
        version = version + 1,
        changes = %describe(&changes),
        "schema changes applied"
    );
    Ok(())
}

/// The schema changes connecting (with [`Migrations::All`] and `drops` named) would make to
/// the database at `url`, made by none of them: `None` when it holds this schema (or a newer
/// one that only adds to it, and drops nothing `drops` names). Opens one connection of its
/// own and only reads.
pub(crate) fn pending_changes<C: MappedConnection>(
    url: &str,
    namespace: Option<&str>,
    registry: &Registry,
    drops: &[String],
) -> Result<Option<crate::MigrationPlan>, Error> {
    let namespace = Namespace::new(namespace, C::DIALECT)?;
    let registry = &namespace.registry(registry.clone())?;
    let target = crate::secrets::redact(url);
    let open_error = |message: String| Error::Open {
        target: target.clone(),
        message: crate::secrets::scrub(&message, url),
    };
    let mut conn =
        C::establish(&C::connection_target(url)).map_err(|e| open_error(e.to_string()))?;
    namespace
        .configure(&mut conn)
        .map_err(|e| open_error(format!("cannot configure the connection: {e}")))?;
    let named = |change: &Change| {
        !change.drops.is_empty() && change.drops.iter().all(|d| drops.contains(d))
    };
    Ok(
        match pending(&mut conn, &namespace, registry, &named, &target)? {
            Pending::None => None,
            Pending::Changes {
                changes, wanted, ..
            } => Some(crate::MigrationPlan {
                dialect: C::DIALECT,
                namespace: namespace.clone(),
                changes,
                catalog: wanted,
            }),
        },
    )
}

/// What connecting would change in the database: nothing (it holds this schema, or a
/// newer one that only adds to it), or the changes from the recorded `version`.
pub(crate) enum Pending {
    /// In sync.
    None,
    /// The changes, and the catalog they make.
    Changes {
        version: i64,
        changes: Vec<Change>,
        wanted: Catalog,
    },
}

/// The changes from the schema the database records to `registry`'s. `named` says which
/// drops the caller allows (a newer schema that only adds is left alone unless it does).
/// Reads only: a database without the metadata table records no schema.
pub(crate) fn pending<C: MappedConnection>(
    conn: &mut C,
    namespace: &Namespace,
    registry: &Registry,
    named: &dyn Fn(&Change) -> bool,
    target: &str,
) -> Result<Pending, Error> {
    let dialect = C::DIALECT;
    let failed = |message: String| Error::Open {
        target: target.to_owned(),
        message,
    };
    let wanted = Catalog::of(registry.model(), dialect);
    let metadata = namespace.table(METADATA_TABLE);
    let recorded = !live_columns(conn, &metadata)
        .map_err(|e| failed(format!("cannot read table `{metadata}`: {e}")))?
        .is_empty();
    let latest = if !recorded {
        Vec::new()
    } else {
        latest_record(conn, &metadata)
            .map_err(|e| failed(format!("cannot read `{metadata}`: {e}")))?
    };

    let (version, changes) = match latest.into_iter().next().as_deref() {
        None => {
            // No schema recorded: the tables must not exist, or be exactly nasc's (made by
            // the exported DDL, say). A table of the same name made for something else
            // would make every save fail.
            for table in &wanted.tables {
                let live = live_columns(conn, &table.name).map_err(|e| {
                    failed(format!(
                        "cannot read the columns of table `{}`: {e}",
                        table.name
                    ))
                })?;
                let ours: Vec<&str> = table.columns.iter().map(|(c, _)| c.as_str()).collect();
                let mut sorted_live: Vec<&str> = live.iter().map(String::as_str).collect();
                let mut sorted_ours = ours.clone();
                sorted_live.sort_unstable();
                sorted_ours.sort_unstable();
                if !live.is_empty() && sorted_live != sorted_ours {
                    return Err(failed(format!(
                        "table `{}` already exists with columns ({}), not the ones nasc makes ({}), and `{metadata}` records no schema: it belongs to something else. Map the type to another table (`entity` in the mapping), or rename or drop that table",
                        table.name,
                        live.join(", "),
                        ours.join(", ")
                    )));
                }
            }
            let create = Change {
                description: "create the tables".into(),
                up: registry.ddl(dialect),
                down: Vec::new(),
                additive: true,
                rebuilds_table: false,
                drops: Vec::new(),
            };
            (0, vec![create])
        }
        Some([Cell::Integer(version), Cell::Text(catalog)]) => {
            let held = Catalog::from_json(catalog).map_err(|e| {
                failed(format!(
                    "`{metadata}` holds an unreadable catalog (version {version}): {e}"
                ))
            })?;
            if held.hash() == wanted.hash() {
                return Ok(Pending::None);
            }
            let changes = held.changes_to(&wanted);
            // The database holds more than this schema, and only additions: a newer binary
            // extended it (a rolling deploy, a rollback), or properties were removed. This
            // one works with what it knows, drops nothing unless told to, and leaves the
            // record as it is.
            if wanted.changes_to(&held).iter().all(|c| c.additive) && !changes.iter().any(named) {
                return Ok(Pending::None);
            }
            (*version, changes)
        }
        Some(other) => {
            return Err(failed(format!(
                "`{metadata}` holds an unexpected row: {other:?}"
            )))
        }
    };

    Ok(Pending::Changes {
        version,
        changes,
        wanted,
    })
}

/// Runs `changes` and records `catalog` as `version`, in one transaction. MySQL commits each
/// DDL statement on its own: there, when a statement fails, the changes already made are
/// undone with their `down` statements, newest first.
fn apply<C: MappedConnection>(
    conn: &mut C,
    namespace: &Namespace,
    changes: &[Change],
    version: i64,
    catalog: &Catalog,
) -> Result<(), DieselError> {
    let dialect = C::DIALECT;
    // (On SQLite, [`migrate`] turned foreign keys off, so that a table rebuild, which drops
    // the old table, cascades nothing; the rebuilt tables' keys are checked below.)
    let rebuilds = changes.iter().any(|c| c.rebuilds_table);
    let applied: Vec<&str> = changes
        .iter()
        .flat_map(|c| c.up.iter().map(String::as_str))
        .collect();
    // The changes begun so far, each with whether it was made whole, for MySQL's undo.
    let mut begun: Vec<(&Change, bool)> = Vec::new();
    let body = |conn: &mut C| {
        for change in changes {
            for (i, statement) in change.up.iter().enumerate() {
                conn.batch_execute(statement)?;
                if i == 0 {
                    begun.push((change, false));
                }
            }
            if let Some(last) = begun.last_mut() {
                last.1 = true;
            }
        }
        let q = |name: &str| dialect.quote(name);
        let columns: Vec<String> = METADATA_COLUMNS.iter().map(|(name, _)| q(name)).collect();
        let insert = Sql::new(&format!(
            "INSERT INTO {} ({}) VALUES (?, ?, ?, ?, ?)",
            q(&namespace.table(METADATA_TABLE)),
            columns.join(", ")
        ));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        conn.run(
            &insert,
            &[
                SqlValue::Integer(version),
                SqlValue::Text(catalog.hash().into()),
                SqlValue::Text(catalog.to_json().into()),
                SqlValue::Text(applied.join(";\n").into()),
                SqlValue::Integer(now),
            ],
        )?;
        if rebuilds {
            let broken = conn.rows(&Sql::new("SELECT * FROM pragma_foreign_key_check"), &[])?;
            if !broken.is_empty() {
                return Err(DieselError::QueryBuilderError(
                    format!("the rebuilt tables break {} foreign keys", broken.len()).into(),
                ));
            }
        }
        Ok(())
    };
    // On SQLite, [`migrate`] already holds the write lock: this is a savepoint within it.
    let result = if dialect == Dialect::Sqlite {
        conn.transaction(body)
    } else {
        conn.write_transaction(body)
    };
    match result {
        Err(error) if dialect == Dialect::Mysql && !begun.is_empty() => {
            Err(undo(conn, &begun, error))
        }
        result => result,
    }
}

/// Undoes the `begun` changes, newest first, after `error` stopped a MySQL migration; a
/// change made in part is undone whole, so its statements that fail are passed over. The
/// error says whether the database is as it was.
fn undo<C: MappedConnection>(
    conn: &mut C,
    begun: &[(&Change, bool)],
    error: DieselError,
) -> DieselError {
    let mut left = Vec::new();
    for (change, whole) in begun.iter().rev() {
        for statement in &change.down {
            if let Err(e) = conn.batch_execute(statement) {
                // A change made in part lacks what its later statements would have made.
                if *whole {
                    left.push(format!("{statement}: {e}"));
                }
            }
        }
    }
    let outcome = if left.is_empty() {
        "the changes made before it were undone".to_owned()
    } else {
        format!(
            "undoing the changes made before it failed too, so the database holds part of them: {}",
            left.join("; ")
        )
    };
    DieselError::QueryBuilderError(format!("{error} (MySQL commits each change: {outcome})").into())
}
