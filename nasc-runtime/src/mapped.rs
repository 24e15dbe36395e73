//! The mapped store: aggregates in normalised tables through a pool of diesel connections.

use crate::aggregate::{self, cell_to_value, object_from_cells, Cell, RowTree, SqlValue, Target};
use crate::backend::MappedConnection;
use crate::schema_version::Migrations;
use crate::sql::{statements, Guard, Sql, TypeStatements, Versioned};
use crate::{Error, Registry, Store};
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use nasc_model::error::pointer_join;
use nasc_model::{EntityType, RowKey};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::time::Duration;

/// Settings of a mapped store: its connection pool, and which schema changes connecting
/// may apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// Most connections open at once (SQLite in-memory databases always use one).
    pub max_size: u32,
    /// How long a call waits for a free connection before failing.
    pub connection_timeout: Duration,
    /// Which changes between the database's schema and the compiled one are applied.
    pub migrations: Migrations,
    /// Append every persist and delete to the `nasc_changes` table, in the same transaction
    /// (mapped stores only).
    pub change_log: bool,
    /// Rewrite every child row of each array a persist's diff names, instead of writing only
    /// the rows that were added, removed, changed or moved (the result is the same).
    pub replace_children: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_size: 8,
            connection_timeout: Duration::from_secs(10),
            migrations: Migrations::Additive,
            change_log: false,
            replace_children: false,
        }
    }
}

/// Aggregates in normalised tables: one table per mapped type, child rows in the child's
/// table with a foreign key to the parent and their position in the array.
///
/// `C` is the diesel connection type; use the aliases [`SqliteMappedStore`](crate::SqliteMappedStore),
/// `PgMappedStore` and `MysqlMappedStore`, or [`MappedStore`](crate::MappedStore) to pick the
/// backend from a URL. Connecting creates the tables (idempotently). Every persist
/// validates the whole aggregate, then runs in one transaction: the parent row's upsert,
/// then the children replaced to match the arrays, in order, in multi-row inserts. The
/// store is `Send + Sync` and serves many threads from its pool.
pub struct DieselStore<C: MappedConnection> {
    pool: Pool<ConnectionManager<C>>,
    registry: Registry,
    statements: HashMap<String, TypeStatements>,
    change_log: bool,
    replace_children: bool,
}

/// Applies the backend's session settings to each new pooled connection, and creates the
/// tables on it when the database lives in that connection (SQLite in memory).
#[derive(Debug)]
struct Configure {
    ddl: Vec<String>,
}

impl<C: MappedConnection> CustomizeConnection<C, diesel::r2d2::Error> for Configure {
    fn on_acquire(&self, conn: &mut C) -> Result<(), diesel::r2d2::Error> {
        conn.configure().map_err(diesel::r2d2::Error::QueryError)?;
        self.ddl
            .iter()
            .try_for_each(|statement| conn.batch_execute(statement))
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

impl<C: MappedConnection> DieselStore<C> {
    /// Connects with default pool settings and creates the tables of `registry`.
    pub fn connect(url: &str, registry: Registry) -> Result<Self, Error> {
        Self::connect_with(url, registry, StoreOptions::default())
    }

    /// Connects with the given pool settings and creates the tables of `registry`.
    pub fn connect_with(
        url: &str,
        registry: Registry,
        options: StoreOptions,
    ) -> Result<Self, Error> {
        let migrations = options.migrations;
        let change_log = options.change_log;
        let prepare = |first: &mut C| {
            crate::schema_version::migrate(first, &registry, migrations, &redact(url))?;
            if change_log {
                first
                    .batch_execute(&crate::change_log::ddl(C::DIALECT))
                    .map_err(|e| Error::Open {
                        target: redact(url),
                        message: format!("cannot create the change log: {e}"),
                    })?;
            }
            Ok(())
        };
        let pool = build_pool::<C>(url, &options, prepare, registry.ddl(C::DIALECT))?;
        Ok(DieselStore {
            pool,
            statements: statements(registry.model(), C::DIALECT),
            registry,
            change_log,
            replace_children: options.replace_children,
        })
    }

    /// The logged changes after `sequence` (0 for all), oldest first, at most `limit`; needs
    /// [`StoreOptions::change_log`]. Sequences grow with each change; on PostgreSQL and MySQL
    /// a change may commit after a later-numbered one, so a follower should re-read a short
    /// window behind its position.
    pub fn changes_since(
        &self,
        sequence: i64,
        limit: i64,
    ) -> Result<Vec<crate::LoggedChange>, Error> {
        let mut conn = self.connection("", "")?;
        crate::change_log::since(&mut *conn, sequence, limit).map_err(|e| Error::Database {
            action: "reading the change log of",
            ty: String::new(),
            id: String::new(),
            pointer: String::new(),
            source: e,
        })
    }

    /// The registry the store was opened with.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Runs `f` on a pooled connection, for diesel queries on the generated tables
    /// (filters, joins, pagination) beside the aggregate API.
    pub fn with_connection<R>(&self, f: impl FnOnce(&mut C) -> R) -> Result<R, Error> {
        let mut conn = self.connection("", "")?;
        Ok(f(&mut conn))
    }

    fn connection(
        &self,
        ty: &str,
        id: &str,
    ) -> Result<PooledConnection<ConnectionManager<C>>, Error> {
        self.pool.get().map_err(|e| Error::Pool {
            ty: ty.to_owned(),
            id: id.to_owned(),
            message: e.to_string(),
        })
    }

    fn statements_of(&self, ty: &EntityType) -> &TypeStatements {
        &self.statements[&ty.name]
    }

    /// Writes `tree` as a top-level row, then brings the children of every array the diff
    /// names to match it.
    fn write_top_level(
        &self,
        conn: &mut impl Executor,
        tree: &RowTree<'_>,
        diff: &Value,
        target: Target<'_>,
    ) -> Result<Written, Error> {
        let statements = self.statements_of(tree.ty);
        let held_elsewhere = || {
            target.conflict(&tree.pointer, format!(
                "`{}` `{}` is already stored as a child of another aggregate; ids of types with child arrays are unique across table `{}`",
                tree.ty.name, target.id, tree.ty.table
            ))
        };
        if let Guard::ChildRowExists(query) = &statements.guard {
            let found = conn
                .rows(query, std::slice::from_ref(tree.pk()))
                .map_err(|e| target.database("saving", &tree.pointer, e))?;
            if !found.is_empty() {
                return Err(held_elsewhere());
            }
        }
        let unique_conflict =
            |e: DieselError| self.unique_conflict(tree.ty, &tree.pointer, target, e);
        let written = match (&statements.versioned, &statements.update_then_insert) {
            (Some(versioned), _) => self.write_versioned(conn, tree, versioned, target)?,
            (None, Some((update, insert))) => {
                match conn
                    .run(update, &update_binds(tree, &tree.values))
                    .map_err(unique_conflict)?
                {
                    0 => conn.run(insert, &tree.values).map_err(unique_conflict)?,
                    updated => updated,
                }
            }
            (None, None) => conn
                .run(&statements.upsert, &tree.values)
                .map_err(unique_conflict)?,
        };
        if matches!(statements.guard, Guard::UpsertAffectsNoRow) && written == 0 {
            return Err(held_elsewhere());
        }
        for (relation, spec) in tree.ty.relations.iter().enumerate() {
            if !diff_names(diff, &spec.property) {
                // An array the diff leaves out keeps its rows.
                continue;
            }
            let child = self.registry.entity(&spec.child)?;
            if let Some(positions) = &tree.positions[relation] {
                // The diff says which positions changed: those rows alone are rewritten.
                let link = statements.child_link[relation];
                for (row, &position) in tree.children[relation].iter().zip(positions) {
                    let mut binds = row.values.clone();
                    binds.extend([
                        tree.pk().clone(),
                        SqlValue::Integer(position as i64),
                        row.pk().clone(),
                    ]);
                    let updated = conn
                        .run(&self.statements_of(child).update_at_position[link], &binds)
                        .map_err(|e| self.unique_conflict(child, &row.pointer, target, e))?;
                    if updated == 0 {
                        // Another key at that position: a move, which positions cannot write.
                        return Ok(Written::PositionsNotInPlace);
                    }
                }
                continue;
            }
            if self.replace_children || child.row_key() != RowKey::Surrogate {
                // Children with children of their own are replaced (their rows cascade).
                conn.run(
                    &statements.delete_children[relation],
                    std::slice::from_ref(tree.pk()),
                )
                .map_err(|e| {
                    target.database("saving", &pointer_join(&tree.pointer, &spec.property), e)
                })?;
                let all: Vec<(usize, &RowTree<'_>)> =
                    tree.children[relation].iter().enumerate().collect();
                self.insert_rows(conn, tree, relation, &all, target)?;
            } else {
                self.sync_children(conn, tree, relation, target)?;
            }
        }
        Ok(Written::Done)
    }

    /// Brings the rows of one array of leaf children to match it, by child key: deletes the
    /// rows whose key is gone, updates in place the rows that changed or moved, inserts the
    /// new ones, and leaves the others alone.
    fn sync_children(
        &self,
        conn: &mut impl Executor,
        parent: &RowTree<'_>,
        relation: usize,
        target: Target<'_>,
    ) -> Result<(), Error> {
        let statements = self.statements_of(parent.ty);
        let spec = &parent.ty.relations[relation];
        let at = pointer_join(&parent.pointer, &spec.property);
        let children = &parent.children[relation];
        let child_ty = self.registry.entity(&spec.child)?;
        let child_statements = self.statements_of(child_ty);
        let link = statements.child_link[relation];
        let stored = conn
            .rows(
                &statements.select_children[relation],
                std::slice::from_ref(parent.pk()),
            )
            .map_err(|e| target.database("saving", &at, e))?;
        let pk = child_ty.pk_index;
        let mut stored_by_key: HashMap<ChildKey, (usize, Vec<Cell>)> = stored
            .into_iter()
            .enumerate()
            .map(|(position, cells)| {
                (
                    ChildKey::of(&cell_to_value(&cells[pk], child_ty.pk().scalar)),
                    (position, cells),
                )
            })
            .collect();
        let mut added = Vec::new();
        for (position, child) in children.iter().enumerate() {
            match stored_by_key.remove(&ChildKey::of(child.pk())) {
                None => added.push((position, child)),
                Some((stored_position, cells)) => {
                    let same = stored_position == position
                        && cells
                            .iter()
                            .zip(&child.values)
                            .all(|(c, v)| cell_matches(c, v));
                    if !same {
                        let mut binds: Vec<SqlValue> = child
                            .values
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| *i != pk)
                            .map(|(_, v)| v.clone())
                            .collect();
                        binds.extend([
                            SqlValue::Integer(position as i64),
                            parent.pk().clone(),
                            child.pk().clone(),
                        ]);
                        conn.run(&child_statements.update_as_child[link], &binds)
                            .map_err(|e| {
                                self.unique_conflict(child_ty, &child.pointer, target, e)
                            })?;
                    }
                }
            }
        }
        for key in stored_by_key.into_keys() {
            conn.run(
                &child_statements.delete_as_child[link],
                &[parent.pk().clone(), key.value()],
            )
            .map_err(|e| target.database("saving", &at, e))?;
        }
        self.insert_rows(conn, parent, relation, &added, target)
    }

    /// A database error of a write of `ty` at `pointer`: a unique key's violation becomes a
    /// conflict naming the key (or the primary key).
    fn unique_conflict(
        &self,
        ty: &EntityType,
        pointer: &str,
        target: Target<'_>,
        error: DieselError,
    ) -> Error {
        let DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) = &error else {
            return target.database("saving", pointer, error);
        };
        let message = info.message();
        let detail = info
            .details()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        let key = ty.indexes.iter().filter(|i| i.unique).find(|key| {
            let name = key.name(&ty.table);
            let sqlite_columns: Vec<String> = key
                .columns
                .iter()
                .map(|c| format!("{}.{c}", ty.table))
                .collect();
            info.constraint_name() == Some(name.as_str())
                || message.contains(&format!("'{name}'"))
                || message.contains(&format!(".{name}'"))
                || message.ends_with(&sqlite_columns.join(", "))
        });
        match key {
            Some(key) => target.conflict(pointer, format!(
                "unique key ({}) of `{}` is already held by another row{detail}",
                key.properties.join(", "),
                ty.name
            )),
            None => target.conflict(pointer, format!(
                "a `{}` id is already stored elsewhere (top-level or under another parent); ids of types with child arrays are unique across table `{}`{detail}",
                ty.name, ty.table
            )),
        }
    }

    /// Saves a versioned top-level row: updates it only if it still has the version the
    /// state was based on (bumping it), inserts it when there is none, and otherwise fails
    /// with both versions. Returns the rows written.
    fn write_versioned(
        &self,
        conn: &mut impl Executor,
        tree: &RowTree<'_>,
        statements: &Versioned,
        target: Target<'_>,
    ) -> Result<usize, Error> {
        let index = tree.ty.version.expect("a versioned type names its version");
        let SqlValue::Integer(expected) = tree.values[index] else {
            unreachable!("validation made the version an integer")
        };
        let unique_conflict =
            |e: DieselError| self.unique_conflict(tree.ty, &tree.pointer, target, e);
        let mut values = tree.values.clone();
        values[index] = SqlValue::Integer(expected + 1);
        let mut binds = update_binds(tree, &values);
        binds.push(SqlValue::Integer(expected));
        if conn
            .run(&statements.update, &binds)
            .map_err(unique_conflict)?
            > 0
        {
            return Ok(1);
        }
        let current = conn
            .rows(&statements.current, std::slice::from_ref(tree.pk()))
            .map_err(|e| target.database("saving", &tree.pointer, e))?;
        match current.first().map(Vec::as_slice) {
            Some([Cell::Integer(actual)]) => Err(Error::VersionConflict {
                ty: target.ty.to_owned(),
                id: target.id.to_owned(),
                expected,
                actual: *actual,
            }),
            Some(other) => {
                Err(target.corrupt(&tree.pointer, format!("the stored version is {other:?}")))
            }
            None => conn
                .run(&statements.insert, &values)
                .map_err(unique_conflict),
        }
    }

    /// Inserts `rows` (with their positions) as children of `parent` in one of its arrays, in
    /// multi-row batches, then their own children.
    fn insert_rows(
        &self,
        conn: &mut impl Executor,
        parent: &RowTree<'_>,
        relation: usize,
        rows: &[(usize, &RowTree<'_>)],
        target: Target<'_>,
    ) -> Result<(), Error> {
        let Some((_, first)) = rows.first() else {
            return Ok(());
        };
        let statements = self.statements_of(parent.ty);
        let insert = &self.statements_of(first.ty).insert_as_child[statements.child_link[relation]];
        let mut binds: Vec<SqlValue> = Vec::new();
        for chunk in rows.chunks(insert.rows_per_statement()) {
            binds.clear();
            for (position, child) in chunk {
                binds.extend_from_slice(&child.values);
                binds.push(parent.pk().clone());
                binds.push(SqlValue::Integer(*position as i64));
            }
            conn.run(&insert.statement(chunk.len()), &binds)
                .map_err(|e| {
                    let at = if chunk.len() == 1 {
                        chunk[0].1.pointer.clone()
                    } else {
                        pointer_join(&parent.pointer, &parent.ty.relations[relation].property)
                    };
                    self.unique_conflict(first.ty, &at, target, e)
                })?;
        }
        for (_, child) in rows {
            for grandchildren in 0..child.children.len() {
                let all: Vec<(usize, &RowTree<'_>)> =
                    child.children[grandchildren].iter().enumerate().collect();
                self.insert_rows(conn, child, grandchildren, &all, target)?;
            }
        }
        Ok(())
    }

    /// Rebuilds the children arrays of `parents` (rows of `ty` already read), one level at a
    /// time: one query per relation and level, whatever the number of parents.
    fn read_children(
        &self,
        conn: &mut C,
        ty: &EntityType,
        parents: &mut [(SqlValue, &mut Map<String, Value>, String)],
        target: Target<'_>,
    ) -> Result<(), Error> {
        if parents.is_empty() {
            return Ok(());
        }
        let statements = self.statements_of(ty);
        for (relation, select) in ty.relations.iter().zip(&statements.select_children_of_many) {
            let child_ty = self.registry.entity(&relation.child)?;
            let at = |parent: &str| pointer_join(parent, &relation.property);
            // The children of every parent, grouped by the parent's key.
            let mut by_parent: HashMap<ChildKey, Vec<Vec<Cell>>> = HashMap::new();
            if let [(pk, _, pointer)] = &*parents {
                // One parent (the top level): the plain select, no grouping.
                let rows = conn
                    .rows(
                        &statements.select_children[relation_index(ty, relation)],
                        std::slice::from_ref(pk),
                    )
                    .map_err(|e| target.database("loading", &at(pointer), e))?;
                by_parent.insert(ChildKey::of(pk), rows);
            }
            for chunk in parents
                .chunks(select.parents_per_statement())
                .filter(|_| parents.len() > 1)
            {
                let keys: Vec<SqlValue> = chunk.iter().map(|(pk, _, _)| pk.clone()).collect();
                let rows = conn
                    .rows(&select.statement(keys.len()), &keys)
                    .map_err(|e| target.database("loading", &at(&chunk[0].2), e))?;
                for mut cells in rows {
                    let fk = cells.pop().expect("the foreign key is selected last");
                    let parent = ChildKey::of(&cell_to_value(&fk, ty.pk().scalar));
                    by_parent.entry(parent).or_default().push(cells);
                }
            }
            // A child's key and pointer are only needed to read its own children.
            let deeper = !child_ty.relations.is_empty();
            let mut children: Vec<(usize, Map<String, Value>, String, SqlValue)> = Vec::new();
            for (index, (pk, _, pointer)) in parents.iter().enumerate() {
                let rows = by_parent.remove(&ChildKey::of(pk)).unwrap_or_default();
                let array_at = at(pointer);
                for (i, cells) in rows.into_iter().enumerate() {
                    let item_at = pointer_join(&array_at, &i.to_string());
                    let child_pk = if deeper {
                        cell_to_value(&cells[child_ty.pk_index], child_ty.pk().scalar)
                    } else {
                        SqlValue::Null(child_ty.pk().scalar)
                    };
                    let child = object_from_cells(child_ty, cells, &item_at, target)?;
                    children.push((index, child, item_at, child_pk));
                }
            }
            if deeper {
                let mut next: Vec<(SqlValue, &mut Map<String, Value>, String)> = children
                    .iter_mut()
                    .map(|(_, child, pointer, pk)| (pk.clone(), child, pointer.clone()))
                    .collect();
                self.read_children(conn, child_ty, &mut next, target)?;
            }
            let mut arrays: Vec<Vec<Value>> = vec![Vec::new(); parents.len()];
            for (index, child, _, _) in children {
                arrays[index].push(Value::Object(child));
            }
            for ((_, object, _), items) in parents.iter_mut().zip(arrays) {
                object.insert(relation.property.clone(), Value::Array(items));
            }
        }
        Ok(())
    }
}

impl<C: MappedConnection> Store for DieselStore<C> {
    fn load(&self, ty: &str, id: &str) -> Result<Option<Value>, Error> {
        let entity = self.registry.entity(ty)?;
        let target = Target { ty, id };
        let pk = aggregate::id_value(entity, target)?;
        let mut conn = self.connection(ty, id)?;
        in_transaction(&mut *conn, false, target, "loading", |conn| {
            let rows = conn
                .rows(
                    &self.statements_of(entity).select,
                    std::slice::from_ref(&pk),
                )
                .map_err(|e| target.database("loading", "", e))?;
            let Some(cells) = rows.into_iter().next() else {
                return Ok(None);
            };
            let mut object = object_from_cells(entity, cells, "", target)?;
            self.read_children(
                conn,
                entity,
                &mut [(pk.clone(), &mut object, String::new())],
                target,
            )?;
            Ok(Some(Value::Object(object)))
        })
    }

    fn persist(&self, ty: &str, id: &str, diff: &Value, full: &Value) -> Result<(), Error> {
        enum Failure {
            Nasc(Error),
            Diesel(DieselError),
            NotInPlace,
        }
        impl From<DieselError> for Failure {
            fn from(e: DieselError) -> Self {
                Failure::Diesel(e)
            }
        }
        let entity = self.registry.entity(ty)?;
        let target = Target { ty, id };
        let mut changed = changed_positions(&self.registry, entity, diff, self.replace_children);
        loop {
            let mut tree = aggregate::validate(
                self.registry.model(),
                entity,
                full,
                changed.as_ref(),
                C::DIALECT,
                target,
            )?;
            aggregate::check_diff(entity, diff, target)?;
            aggregate::stamp_times(&mut tree);
            let mut conn = self.connection(ty, id)?;
            let result = conn.write_transaction(|conn| {
                match self
                    .write_top_level(conn, &tree, diff, target)
                    .map_err(Failure::Nasc)?
                {
                    Written::PositionsNotInPlace => return Err(Failure::NotInPlace),
                    Written::Done => {}
                }
                if self.change_log {
                    let version = entity.version.map(|i| match tree.values[i] {
                        SqlValue::Integer(v) => v + 1,
                        _ => unreachable!("validation made the version an integer"),
                    });
                    crate::change_log::append::<C>(conn, ty, id, diff, version)
                        .map_err(|e| Failure::Nasc(target.database("logging", "", e)))?;
                }
                Ok(())
            });
            return match result {
                Ok(()) => Ok(()),
                // Rolled back: write again, comparing the whole arrays.
                Err(Failure::NotInPlace) if changed.is_some() => {
                    changed = None;
                    continue;
                }
                Err(Failure::NotInPlace) => {
                    unreachable!("positions are only written when the diff lists them")
                }
                Err(Failure::Nasc(e)) => Err(e),
                Err(Failure::Diesel(e)) => Err(target.database("saving", "", e)),
            };
        }
    }

    fn version_property(&self, ty: &str) -> Option<String> {
        let entity = self.registry.entity(ty).ok()?;
        entity.version.map(|i| entity.fields[i].property.clone())
    }

    fn plan_persist(
        &self,
        ty: &str,
        id: &str,
        diff: &Value,
        full: &Value,
    ) -> Result<Vec<String>, Error> {
        let entity = self.registry.entity(ty)?;
        let target = Target { ty, id };
        let changed = changed_positions(&self.registry, entity, diff, self.replace_children);
        let tree = aggregate::validate(
            self.registry.model(),
            entity,
            full,
            changed.as_ref(),
            C::DIALECT,
            target,
        )?;
        aggregate::check_diff(entity, diff, target)?;
        let mut conn = self.connection(ty, id)?;
        // The plan reads what a persist would read (the stored children), and records the
        // writes instead of making them.
        in_transaction(&mut *conn, false, target, "planning", |conn| {
            let mut planner = Planner {
                reads: conn,
                writes: Vec::new(),
            };
            // (The planner finds every row in place: it writes nothing.)
            self.write_top_level(&mut planner, &tree, diff, target)?;
            if self.change_log {
                crate::change_log::append::<C>(&mut planner, ty, id, diff, None)
                    .map_err(|e| target.database("logging", "", e))?;
            }
            Ok(planner.writes)
        })
    }

    fn delete(&self, ty: &str, id: &str) -> Result<bool, Error> {
        let entity = self.registry.entity(ty)?;
        let target = Target { ty, id };
        let pk = aggregate::id_value(entity, target)?;
        let mut conn = self.connection(ty, id)?;
        in_transaction(&mut *conn, true, target, "deleting", |conn| {
            let deleted = conn
                .run(
                    &self.statements_of(entity).delete,
                    std::slice::from_ref(&pk),
                )
                .map_err(|e| target.database("deleting", "", e))?;
            if deleted > 0 && self.change_log {
                let diff = serde_json::json!({ "$deleted": true });
                crate::change_log::append::<C>(conn, ty, id, &diff, None)
                    .map_err(|e| target.database("logging", "", e))?;
            }
            Ok(deleted > 0)
        })
    }
}

/// How a write went.
pub(crate) enum Written {
    Done,
    /// A position the diff named holds another child than the one to write there: the
    /// persist must compare the whole array instead.
    PositionsNotInPlace,
}

/// Where the write path sends its statements: a connection, or a [`Recorder`] for a plan.
pub(crate) trait Executor {
    fn run(&mut self, sql: &Sql, binds: &[SqlValue]) -> diesel::QueryResult<usize>;
    fn rows(&mut self, sql: &Sql, binds: &[SqlValue]) -> diesel::QueryResult<Vec<Vec<Cell>>>;
}

impl<C: MappedConnection> Executor for C {
    fn run(&mut self, sql: &Sql, binds: &[SqlValue]) -> diesel::QueryResult<usize> {
        MappedConnection::run(self, sql, binds)
    }

    fn rows(&mut self, sql: &Sql, binds: &[SqlValue]) -> diesel::QueryResult<Vec<Vec<Cell>>> {
        MappedConnection::rows(self, sql, binds)
    }
}

/// Runs the reads of a write on a connection and records its writes instead of making
/// them, as if each affected one row: a persist's plan.
pub(crate) struct Planner<'c, C> {
    reads: &'c mut C,
    writes: Vec<String>,
}

impl<C: MappedConnection> Executor for Planner<'_, C> {
    fn run(&mut self, sql: &Sql, _: &[SqlValue]) -> diesel::QueryResult<usize> {
        self.writes.push(sql.pieces.join("?"));
        Ok(1)
    }

    fn rows(&mut self, sql: &Sql, binds: &[SqlValue]) -> diesel::QueryResult<Vec<Vec<Cell>>> {
        MappedConnection::rows(self.reads, sql, binds)
    }
}

/// The index of `relation` among the relations of `ty`.
fn relation_index(ty: &EntityType, relation: &nasc_model::Relation) -> usize {
    ty.relations
        .iter()
        .position(|r| std::ptr::eq(r, relation))
        .expect("a relation of the type")
}

/// Whether the persist's diff names an array property (set, listed as removed, or with
/// changed positions).
fn diff_names(diff: &Value, property: &str) -> bool {
    diff.get(property).is_some()
        || diff
            .get(crate::diff::REMOVED_KEY)
            .and_then(Value::as_array)
            .is_some_and(|removed| removed.iter().any(|p| p == property))
        || diff
            .get(crate::diff::POSITIONS_KEY)
            .and_then(|p| p.get(property))
            .is_some()
}

/// The changed positions a persist's diff lists, for the arrays whose rows can be written
/// by position: arrays of leaf children, when the store does not replace children.
fn changed_positions(
    registry: &Registry,
    ty: &EntityType,
    diff: &Value,
    replace_children: bool,
) -> Option<Map<String, Value>> {
    if replace_children {
        return None;
    }
    let listed = diff.get(crate::diff::POSITIONS_KEY)?.as_object()?;
    let usable: Map<String, Value> = listed
        .iter()
        .filter(|(property, _)| {
            ty.relations.iter().any(|r| {
                &r.property == *property
                    && registry
                        .entity(&r.child)
                        .is_ok_and(|c| c.row_key() == RowKey::Surrogate)
            })
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (!usable.is_empty()).then_some(usable)
}

/// Whether a stored cell holds the value about to be written.
fn cell_matches(cell: &Cell, value: &SqlValue) -> bool {
    match (cell, value) {
        (Cell::Null, SqlValue::Null(_)) => true,
        (Cell::Text(a), SqlValue::Text(b)) => a == b,
        (Cell::Integer(a), SqlValue::Integer(b)) => a == b,
        (Cell::Real(a), SqlValue::Real(b)) => a == b,
        (Cell::Integer(a), SqlValue::Real(b)) => (*a as f64) == *b,
        (Cell::Bool(a), SqlValue::Bool(b)) => a == b,
        (Cell::Integer(a), SqlValue::Bool(b)) => (*a != 0) == *b,
        _ => false,
    }
}

/// A child key as a map key (child keys are strings or integers).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ChildKey {
    Text(String),
    Integer(i64),
}

impl ChildKey {
    fn of(value: &SqlValue) -> ChildKey {
        match value {
            SqlValue::Integer(i) => ChildKey::Integer(*i),
            SqlValue::Text(s) => ChildKey::Text(s.clone()),
            other => ChildKey::Text(format!("{other:?}")),
        }
    }

    fn value(self) -> SqlValue {
        match self {
            ChildKey::Integer(i) => SqlValue::Integer(i),
            ChildKey::Text(s) => SqlValue::Text(s),
        }
    }
}

/// The binds of an `UPDATE` of a top-level row: its updatable `values`, then the pk.
fn update_binds(tree: &RowTree<'_>, values: &[SqlValue]) -> Vec<SqlValue> {
    let mut binds: Vec<SqlValue> = tree
        .ty
        .updatable_fields()
        .map(|(i, _)| values[i].clone())
        .collect();
    binds.push(tree.pk().clone());
    binds
}

/// A pool of connections to `url`. One connection is opened first, so that a bad URL fails
/// at once with the driver's message, and `prepare` runs on it (creating tables). An
/// in-memory SQLite database lives as long as its one connection: its pool keeps exactly
/// one, forever, and runs `memory_ddl` on it.
pub(crate) fn build_pool<C: MappedConnection>(
    url: &str,
    options: &StoreOptions,
    prepare: impl FnOnce(&mut C) -> Result<(), Error>,
    memory_ddl: Vec<String>,
) -> Result<Pool<ConnectionManager<C>>, Error> {
    let target = C::connection_target(url);
    let open_error = |message: String| Error::Open {
        target: redact(url),
        message,
    };
    let mut first = C::establish(&target).map_err(|e| open_error(e.to_string()))?;
    first
        .configure()
        .map_err(|e| open_error(format!("cannot configure the connection: {e}")))?;
    prepare(&mut first)?;
    let builder = Pool::builder().connection_timeout(options.connection_timeout);
    if target.contains(":memory:") || target.contains("mode=memory") {
        drop(first);
        builder
            .max_size(1)
            .min_idle(Some(1))
            .idle_timeout(None)
            .max_lifetime(None)
            .connection_customizer(Box::new(Configure { ddl: memory_ddl }))
            .build(ConnectionManager::new(target))
            .map_err(|e| open_error(e.to_string()))
    } else {
        Ok(builder
            .max_size(options.max_size.max(1))
            .min_idle(Some(0))
            .connection_customizer(Box::new(Configure { ddl: Vec::new() }))
            .build_unchecked(ConnectionManager::new(target)))
    }
}

/// Runs `f` in a transaction (a write transaction when `write`), reporting a failure to
/// begin or commit as a database error of `target`.
fn in_transaction<C: MappedConnection, T>(
    conn: &mut C,
    write: bool,
    target: Target<'_>,
    action: &'static str,
    f: impl FnOnce(&mut C) -> Result<T, Error>,
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
    let body = |conn: &mut C| f(conn).map_err(Failure::Nasc);
    let result = if write {
        conn.write_transaction(body)
    } else {
        conn.transaction(body)
    };
    result.map_err(|failure| match failure {
        Failure::Nasc(e) => e,
        Failure::Diesel(e) => target.database(action, "", e),
    })
}

/// `url` without its password, for messages.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("mysql://root@h/db"), "mysql://root@h/db");
        assert_eq!(super::redact("app.db"), "app.db");
    }
}
