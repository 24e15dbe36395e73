//! `JsonStore`: one row per aggregate holding its whole JSON document.

use crate::aggregate::{Cell, SqlValue, Target};
use crate::backend::MappedConnection;
use crate::namespace::Namespace;
use crate::pool::{build_pool, Connections, StoreOptions};
use crate::sql::Sql;
use crate::{Error, Scope, Store};
use nasc_model::ddl::{MYSQL_KEY_LENGTH, MYSQL_KEY_TYPE};
use nasc_model::{naming, Dialect};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// Aggregates as JSON documents, one table per type (`<type lowercased>s` by default, as
/// the seed's `SqliteStore`; see [`DieselJsonStore::with_table`]), each row an id and its
/// document (`JSONB` on PostgreSQL, `JSON` on MySQL, checked `TEXT` on SQLite). Tables are
/// created on first use. Nothing is validated against a schema; a stored document that is
/// not a JSON object is an [`Error::Corrupt`], never "not found".
pub struct DieselJsonStore<C: MappedConnection> {
    pool: Connections<C>,
    namespace: Namespace,
    tables: HashMap<String, String>,
    created: Mutex<HashSet<String>>,
}

impl<C: MappedConnection> DieselJsonStore<C> {
    /// Connects with default pool settings.
    pub fn connect(url: &str) -> Result<Self, Error> {
        Self::connect_with(url, StoreOptions::default())
    }

    /// Connects with the given pool settings.
    pub fn connect_with(url: &str, options: StoreOptions) -> Result<Self, Error> {
        let namespace = Namespace::new(options.namespace.as_deref(), C::DIALECT)?;
        let pool = build_pool::<C>(url, &options, &namespace, |_| Ok(()), Vec::new())?;
        Ok(DieselJsonStore {
            pool,
            namespace,
            tables: HashMap::new(),
            created: Mutex::new(HashSet::new()),
        })
    }

    /// Stores type `ty` in `table` rather than the default.
    pub fn with_table(mut self, ty: &str, table: &str) -> Result<Self, Error> {
        if let Some(problem) = naming::identifier_problem(table) {
            return Err(Error::Open {
                target: table.to_owned(),
                message: format!("the table name of `{ty}` {problem}"),
            });
        }
        self.tables.insert(ty.to_owned(), table.to_owned());
        Ok(self)
    }

    /// The table of type `ty` (behind the namespace's prefix on SQLite and MySQL; see
    /// [`StoreOptions::namespace`]).
    pub fn table_of(&self, ty: &str) -> String {
        let table = match self.tables.get(ty) {
            Some(table) => table.clone(),
            None => naming::default_entity(ty),
        };
        self.namespace.table(&table)
    }

    /// The stored document rows of `target` in `table` (locked until the transaction ends,
    /// when `lock`, on PostgreSQL and MySQL; SQLite's write transaction locks the database).
    fn select(
        &self,
        conn: &mut C,
        table: &str,
        target: Target<'_>,
        lock: bool,
    ) -> Result<Vec<Vec<Cell>>, Error> {
        let dialect = C::DIALECT;
        let data = match dialect {
            Dialect::Postgres => format!("CAST({} AS TEXT)", dialect.quote("data")),
            _ => dialect.quote("data"),
        };
        let lock = match (lock, dialect) {
            (true, Dialect::Postgres | Dialect::Mysql) => " FOR UPDATE",
            _ => "",
        };
        let select = Sql::new(&format!(
            "SELECT {data} FROM {} WHERE {} = ?{lock}",
            dialect.quote(table),
            dialect.quote("id")
        ));
        conn.rows(&select, &[SqlValue::Text(target.id.into())])
            .map_err(|e| target.database("loading", "", e))
    }

    /// The table of `ty`, created if this store has not seen it yet.
    fn ensure_table(&self, conn: &mut C, ty: &str, target: Target<'_>) -> Result<String, Error> {
        let table = self.table_of(ty);
        let mut created = self.created.lock().unwrap_or_else(|p| p.into_inner());
        if created.contains(&table) {
            return Ok(table);
        }
        let dialect = C::DIALECT;
        let (id, data, q) = (
            dialect.quote("id"),
            dialect.quote("data"),
            dialect.quote(&table),
        );
        let ddl = match dialect {
            Dialect::Sqlite => format!("CREATE TABLE IF NOT EXISTS {q} ({id} TEXT NOT NULL PRIMARY KEY, {data} TEXT NOT NULL CHECK (json_valid({data}))) STRICT"),
            Dialect::Postgres => format!("CREATE TABLE IF NOT EXISTS {q} ({id} TEXT NOT NULL PRIMARY KEY, {data} JSONB NOT NULL)"),
            Dialect::Mysql => format!(
                "CREATE TABLE IF NOT EXISTS {q} ({id} {MYSQL_KEY_TYPE} NOT NULL PRIMARY KEY, {data} JSON NOT NULL) \
                 ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
            ),
        };
        conn.batch_execute(&ddl)
            .map_err(|e| target.database("creating the table of", "", e))?;
        created.insert(table.clone());
        Ok(table)
    }
}

impl<C: MappedConnection> Store for DieselJsonStore<C> {
    fn load(&self, ty: &str, id: &str) -> Result<Option<Value>, Error> {
        let target = Target { ty, id };
        refuse_nul_id(target)?;
        let rows = self.pool.with(ty, id, |conn| {
            let table = self.ensure_table(conn, ty, target)?;
            self.select(conn, &table, target, false)
        })?;
        document_of(rows, target)
    }

    fn persist(&self, ty: &str, id: &str, diff: &Value, full: &Value) -> Result<(), Error> {
        crate::diff::check_shallow_diff(diff, ty, id)?;
        self.persist_scoped(ty, id, &Scope::from_diff(diff, full), full)
    }

    fn persist_scoped(&self, ty: &str, id: &str, scope: &Scope, full: &Value) -> Result<(), Error> {
        let target = Target { ty, id };
        if *scope == Scope::Whole {
            return self.write(target, full, Write::Replace).map(|_| ());
        }
        // What the scope leaves out keeps its stored value, as in every store: the stored
        // document is read, locked, merged and written back in one write transaction.
        check_writable(target, full, C::DIALECT)?;
        self.pool.with(ty, id, |conn| {
            let table = self.ensure_table(conn, ty, target)?;
            let merged = conn.write_transaction(|conn| {
                let stored = self.select(conn, &table, target, true)?;
                let document = match document_of(stored, target)? {
                    Some(mut stored) => {
                        scope.apply_to(&mut stored, full);
                        stored
                    }
                    None => full.clone(),
                };
                check_writable(target, &document, C::DIALECT)?;
                self.write_on(conn, &table, target, &document, Write::Replace)?;
                Ok::<_, Failed>(())
            });
            merged.map_err(|failed| match failed {
                Failed::Nasc(e) => e,
                Failed::Database(e) => target.database("saving", "", e),
            })
        })
    }

    fn create(&self, ty: &str, id: &str, full: &Value) -> Result<bool, Error> {
        self.write(Target { ty, id }, full, Write::Create)
    }

    fn replace(&self, ty: &str, id: &str, full: &Value) -> Result<bool, Error> {
        self.write(Target { ty, id }, full, Write::Update)
    }

    fn delete(&self, ty: &str, id: &str) -> Result<bool, Error> {
        let target = Target { ty, id };
        refuse_nul_id(target)?;
        let dialect = C::DIALECT;
        self.pool.with(ty, id, |conn| {
            let table = self.ensure_table(conn, ty, target)?;
            let delete = Sql::new(&format!(
                "DELETE FROM {} WHERE {} = ?",
                dialect.quote(&table),
                dialect.quote("id")
            ));
            let deleted = conn
                .run(&delete, &[SqlValue::Text(id.into())])
                .map_err(|e| target.database("deleting", "", e))?;
            Ok(deleted > 0)
        })
    }
}

/// How [`DieselJsonStore::write`] treats a stored document of the same id.
#[derive(Clone, Copy, PartialEq)]
enum Write {
    /// Replaces it.
    Replace,
    /// Leaves it, and writes nothing.
    Create,
    /// Replaces it, and writes nothing when there is none.
    Update,
}

impl<C: MappedConnection> DieselJsonStore<C> {
    /// Writes `full` as the document of `target`: `false` when `how` is [`Write::Create`]
    /// and one is stored already.
    fn write(&self, target: Target<'_>, full: &Value, how: Write) -> Result<bool, Error> {
        check_writable(target, full, C::DIALECT)?;
        self.pool.with(target.ty, target.id, |conn| {
            let table = self.ensure_table(conn, target.ty, target)?;
            self.write_on(conn, &table, target, full, how)
        })
    }

    /// [`Self::write`] of a checked `document` on `conn`, into `table`.
    fn write_on(
        &self,
        conn: &mut C,
        table: &str,
        target: Target<'_>,
        document: &Value,
        how: Write,
    ) -> Result<bool, Error> {
        let dialect = C::DIALECT;
        let table = dialect.quote(table);
        let (id_column, data) = (dialect.quote("id"), dialect.quote("data"));
        let value = if dialect == Dialect::Postgres {
            "CAST(? AS JSONB)"
        } else {
            "?"
        };
        let insert = format!("INSERT INTO {table} ({id_column}, {data}) VALUES (?, {value})");
        let statement = match (dialect, how) {
            (_, Write::Update) => {
                format!("UPDATE {table} SET {data} = {value} WHERE {id_column} = ?")
            }
            (Dialect::Mysql, Write::Replace) => {
                format!("{insert} ON DUPLICATE KEY UPDATE {data} = VALUES({data})")
            }
            (_, Write::Replace) => {
                format!("{insert} ON CONFLICT ({id_column}) DO UPDATE SET {data} = excluded.{data}")
            }
            // (MySQL: a duplicate key fails the insert, below.)
            (Dialect::Mysql, Write::Create) => insert,
            (_, Write::Create) => format!("{insert} ON CONFLICT ({id_column}) DO NOTHING"),
        };
        let (id, text) = (
            SqlValue::Text(target.id.into()),
            SqlValue::Text(document.to_string().into()),
        );
        let binds = match how {
            Write::Update => [text, id],
            _ => [id, text],
        };
        let written = conn.run(&Sql::new(&statement), &binds);
        match written {
            Ok(rows) => Ok(rows > 0),
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) if how == Write::Create => Ok(false),
            Err(e) => Err(target.database("saving", "", e)),
        }
    }
}

/// Checks `document` can be stored as the document of `target`: an object, within the
/// mapped store's limits (no NUL, at most `MAX_DOCUMENT_DEPTH` levels), its id fitting.
fn check_writable(target: Target<'_>, document: &Value, dialect: Dialect) -> Result<(), Error> {
    if !document.is_object() {
        return Err(target.invalid(
            "",
            format!(
                "the document must be an object, found {}",
                nasc_model::shape::kind(document)
            ),
        ));
    }
    refuse_nul_id(target)?;
    crate::aggregate::check_document(document, "")
        .map_err(|(at, message)| target.invalid(&at, message))?;
    if dialect == Dialect::Mysql && target.id.chars().count() > MYSQL_KEY_LENGTH {
        return Err(target.invalid(
            "",
            format!("ids are at most {MYSQL_KEY_LENGTH} characters on MySQL"),
        ));
    }
    Ok(())
}

/// The stored document of `target`, from the rows of its select.
fn document_of(rows: Vec<Vec<Cell>>, target: Target<'_>) -> Result<Option<Value>, Error> {
    match rows.into_iter().next().as_deref() {
        None => Ok(None),
        Some([Cell::Text(text)]) => match serde_json::from_str::<Value>(text) {
            Ok(value @ Value::Object(_)) => Ok(Some(value)),
            Ok(other) => Err(target.corrupt(
                "",
                format!(
                    "the stored document is not an object but {}",
                    nasc_model::shape::kind(&other)
                ),
            )),
            Err(e) => {
                Err(target.corrupt("", format!("the stored document is malformed JSON: {e}")))
            }
        },
        Some(other) => Err(target.corrupt("", format!("unexpected stored value {other:?}"))),
    }
}

/// A failure inside a merging write's transaction.
enum Failed {
    Nasc(Error),
    Database(diesel::result::Error),
}

impl From<Error> for Failed {
    fn from(e: Error) -> Self {
        Failed::Nasc(e)
    }
}

impl From<diesel::result::Error> for Failed {
    fn from(e: diesel::result::Error) -> Self {
        Failed::Database(e)
    }
}

/// An id no backend can store (PostgreSQL refuses NUL characters) is refused alike on all.
fn refuse_nul_id(target: Target<'_>) -> Result<(), Error> {
    match crate::aggregate::text_problem(target.id) {
        Some(problem) => Err(target.invalid("", format!("the id {problem}"))),
        None => Ok(()),
    }
}
