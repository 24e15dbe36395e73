//! The mapped store on embedded SQLite.

mod row;

use crate::aggregate::{self, cell_to_value, object_from_cells, RowTree, SqlValue, Target};
use crate::bind::Bound;
use crate::sql::{statements, TypeStatements};
use crate::{Error, Registry, Store};
use diesel::connection::SimpleConnection;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use nasc_model::error::pointer_join;
use nasc_model::{Dialect, EntityType};
use row::CellRow;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// Aggregates in normalised SQLite tables: one table per mapped type, child rows in the
/// child's table with a foreign key to the parent and their position in the array.
///
/// Opening creates the tables (idempotently) and sets WAL journaling, `synchronous =
/// NORMAL`, foreign keys and a busy timeout. Every persist is one `BEGIN IMMEDIATE`
/// transaction. The store is `Send + Sync`; calls are serialised on one connection.
pub struct SqliteMappedStore {
    connection: Mutex<SqliteConnection>,
    registry: Registry,
    statements: HashMap<String, TypeStatements>,
}

impl SqliteMappedStore {
    /// How long a writer waits for another connection's lock before failing, in milliseconds.
    pub const BUSY_TIMEOUT_MS: u32 = 5_000;

    /// Opens or creates the database file at `path` and creates the tables of `registry`.
    pub fn open(path: impl AsRef<Path>, registry: Registry) -> Result<Self, Error> {
        let target = path.as_ref().display().to_string();
        let open_error = |message: String| Error::Open {
            target: target.clone(),
            message,
        };
        let url = path
            .as_ref()
            .to_str()
            .ok_or_else(|| open_error("the path is not UTF-8".into()))?;
        let mut connection =
            SqliteConnection::establish(url).map_err(|e| open_error(e.to_string()))?;
        connection
            .batch_execute(&format!(
                "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                Self::BUSY_TIMEOUT_MS
            ))
            .map_err(|e| open_error(format!("cannot configure the connection: {e}")))?;
        let ddl = registry.ddl(Dialect::Sqlite);
        connection
            .immediate_transaction(|c| {
                ddl.iter()
                    .try_for_each(|statement| c.batch_execute(statement))
            })
            .map_err(|e| open_error(format!("cannot create the tables: {e}")))?;
        let statements = statements(registry.model(), Dialect::Sqlite);
        Ok(SqliteMappedStore {
            connection: Mutex::new(connection),
            registry,
            statements,
        })
    }

    /// The registry the store was opened with.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Runs `f` on the store's connection, for diesel queries on the generated tables
    /// (filters, joins, pagination) beside the aggregate API.
    pub fn with_connection<R>(&self, f: impl FnOnce(&mut SqliteConnection) -> R) -> R {
        f(&mut self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, SqliteConnection> {
        // A panic while holding the lock leaves no transaction open (diesel rolls back on
        // unwind), so the connection is still usable.
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn statements_of(&self, ty: &EntityType) -> &TypeStatements {
        &self.statements[&ty.name]
    }

    /// Writes `tree` as a top-level row and replaces its children.
    fn write_top_level(
        &self,
        conn: &mut SqliteConnection,
        tree: &RowTree<'_>,
        target: Target<'_>,
    ) -> Result<(), Error> {
        let statements = self.statements_of(tree.ty);
        let written = Bound::new(&statements.upsert, &tree.values)
            .execute(conn)
            .map_err(|e| target.database("saving", &tree.pointer, e))?;
        if statements.upsert_guarded && written == 0 {
            return Err(target.conflict(&tree.pointer, format!(
                "`{}` `{}` is already stored as a child of another aggregate; ids of types with child arrays are unique across table `{}`",
                tree.ty.name, target.id, tree.ty.table
            )));
        }
        for (relation, delete) in statements.delete_children.iter().enumerate() {
            Bound::new(delete, std::slice::from_ref(tree.pk()))
                .execute(conn)
                .map_err(|e| {
                    target.database(
                        "saving",
                        &pointer_join(&tree.pointer, &tree.ty.relations[relation].property),
                        e,
                    )
                })?;
        }
        self.insert_children(conn, tree, target)
    }

    /// Inserts the children of a row whose old children are gone.
    fn insert_children(
        &self,
        conn: &mut SqliteConnection,
        parent: &RowTree<'_>,
        target: Target<'_>,
    ) -> Result<(), Error> {
        let statements = self.statements_of(parent.ty);
        for (relation, children) in parent.children.iter().enumerate() {
            let Some(first) = children.first() else {
                continue;
            };
            let insert =
                &self.statements_of(first.ty).insert_as_child[statements.child_link[relation]];
            let mut binds: Vec<SqlValue> = Vec::with_capacity(first.values.len() + 2);
            for (position, child) in children.iter().enumerate() {
                binds.clear();
                binds.extend_from_slice(&child.values);
                binds.push(parent.pk().clone());
                binds.push(SqlValue::Integer(position as i64));
                Bound::new(insert, &binds).execute(conn).map_err(|e| match e {
                    DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => target.conflict(&child.pointer, format!(
                        "`{}` id {:?} is already stored elsewhere (top-level or under another parent); ids of types with child arrays are unique across table `{}`",
                        child.ty.name, child.pk(), child.ty.table
                    )),
                    e => target.database("saving", &child.pointer, e),
                })?;
                self.insert_children(conn, child, target)?;
            }
        }
        Ok(())
    }

    /// Rebuilds the children arrays of a row already read into `object`.
    fn read_children(
        &self,
        conn: &mut SqliteConnection,
        ty: &EntityType,
        pk: &SqlValue,
        object: &mut Map<String, Value>,
        pointer: &str,
        target: Target<'_>,
    ) -> Result<(), Error> {
        let statements = self.statements_of(ty);
        for (relation, select) in ty.relations.iter().zip(&statements.select_children) {
            let at = pointer_join(pointer, &relation.property);
            let child_ty = self.registry.entity(&relation.child)?;
            let rows: Vec<CellRow> = Bound::new(select, std::slice::from_ref(pk))
                .load(conn)
                .map_err(|e| target.database("loading", &at, e))?;
            let mut items = Vec::with_capacity(rows.len());
            for (i, CellRow(cells)) in rows.into_iter().enumerate() {
                let item_at = pointer_join(&at, &i.to_string());
                let child_pk = cell_to_value(&cells[child_ty.pk_index], child_ty.pk().scalar);
                let mut child = object_from_cells(child_ty, cells, &item_at, target)?;
                self.read_children(conn, child_ty, &child_pk, &mut child, &item_at, target)?;
                items.push(Value::Object(child));
            }
            object.insert(relation.property.clone(), Value::Array(items));
        }
        Ok(())
    }
}

impl Store for SqliteMappedStore {
    fn load(&self, ty: &str, id: &str) -> Result<Option<Value>, Error> {
        let entity = self.registry.entity(ty)?;
        let target = Target { ty, id };
        let pk = aggregate::id_value(entity, target)?;
        let mut conn = self.lock();
        in_transaction(&mut conn, false, target, "loading", |conn| {
            let rows: Vec<CellRow> = Bound::new(
                &self.statements_of(entity).select,
                std::slice::from_ref(&pk),
            )
            .load(conn)
            .map_err(|e| target.database("loading", "", e))?;
            let Some(CellRow(cells)) = rows.into_iter().next() else {
                return Ok(None);
            };
            let mut object = object_from_cells(entity, cells, "", target)?;
            self.read_children(conn, entity, &pk, &mut object, "", target)?;
            Ok(Some(Value::Object(object)))
        })
    }

    fn persist(&self, ty: &str, id: &str, diff: &Value, full: &Value) -> Result<(), Error> {
        let entity = self.registry.entity(ty)?;
        let target = Target { ty, id };
        let tree = aggregate::validate(self.registry.model(), entity, full, target)?;
        aggregate::check_diff(entity, diff, target)?;
        let mut conn = self.lock();
        in_transaction(&mut conn, true, target, "saving", |conn| {
            self.write_top_level(conn, &tree, target)
        })
    }

    fn delete(&self, ty: &str, id: &str) -> Result<bool, Error> {
        let entity = self.registry.entity(ty)?;
        let target = Target { ty, id };
        let pk = aggregate::id_value(entity, target)?;
        let mut conn = self.lock();
        let deleted = Bound::new(
            &self.statements_of(entity).delete,
            std::slice::from_ref(&pk),
        )
        .execute(&mut *conn)
        .map_err(|e| target.database("deleting", "", e))?;
        Ok(deleted > 0)
    }
}

/// Runs `f` in a transaction (`BEGIN IMMEDIATE` when `immediate`, for writers), reporting a
/// failure to begin or commit as a database error of `target`.
fn in_transaction<T>(
    conn: &mut SqliteConnection,
    immediate: bool,
    target: Target<'_>,
    action: &'static str,
    f: impl FnOnce(&mut SqliteConnection) -> Result<T, Error>,
) -> Result<T, Error> {
    enum Failure {
        Nasc(Error),
        Diesel(DieselError),
    }
    impl From<DieselError> for Failure {
        fn from(e: DieselError) -> Self {
            Failure::Diesel(e)
        }
    }
    let body = |conn: &mut SqliteConnection| f(conn).map_err(Failure::Nasc);
    let result = if immediate {
        conn.immediate_transaction(body)
    } else {
        conn.transaction(body)
    };
    result.map_err(|failure| match failure {
        Failure::Nasc(e) => e,
        Failure::Diesel(e) => target.database(action, "", e),
    })
}
