//! The mapped store: aggregates in normalised tables through a pool of diesel connections.
//! Writes are in [`write`], reads in [`read`].

mod apply;
mod holding;
mod query;
mod read;
mod write;

use crate::aggregate::{self, SqlValue, Target};
use crate::backend::MappedConnection;
use crate::encode::{self, Encode};
use crate::generated::{self, NewKey};
use crate::namespace::Namespace;
use crate::pool::{build_pool, redact, Connections, StoreOptions};
use crate::rows::Loaded;
use crate::sql::{named_update, statements, Sql, TypeStatements};
use crate::{Error, Registry, Scope, Store};
use diesel::result::Error as DieselError;
pub use holding::SharedValues;
use holding::Wrote;
use nasc_model::EntityType;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
pub(crate) use write::Executor;
use write::{changed_positions, Planner, Written};

/// Aggregates in normalised tables: one table per mapped type, child rows in the child's
/// table with a foreign key to the parent and their position in the array.
///
/// `C` is the diesel connection type; use the aliases [`SqliteMappedStore`](crate::SqliteMappedStore),
/// `PgMappedStore` and `MysqlMappedStore`, or [`MappedStore`](crate::MappedStore) to pick the
/// backend from a URL. Connecting brings the tables to the compiled schema (see
/// [`crate::Migrations`]). Every persist validates the aggregate, then runs in one
/// transaction: the parent row's upsert, then the children of every array the diff names
/// brought to match it, in order (by child key, or by position when the diff lists changed
/// positions; new rows in multi-row inserts). The store is `Send + Sync` and serves many
/// threads from its pool.
pub struct DieselStore<C: MappedConnection> {
    pool: Connections<C>,
    registry: Registry,
    /// The statements of each type, by type index.
    statements: Vec<TypeStatements>,
    change_log: bool,
    replace_children: bool,
    retries: u32,
    /// The updates of the sets of columns partial diffs named.
    named_updates: Mutex<HashMap<ColumnSet, Arc<Sql>>>,
    /// Hashes of the query statements kept prepared (see `query::query_sql`).
    query_shapes: Mutex<std::collections::HashSet<u64>>,
    /// The table of feed positions is known to exist (made when a feed is first applied).
    feeds_ready: std::sync::atomic::AtomicBool,
    /// Where the store's tables are in the database ([`StoreOptions::namespace`]).
    namespace: Namespace,
    /// The URL, its password redacted, for errors.
    target: String,
    /// The URL, for a follower's listening connection.
    url: String,
    /// For each type (by index), whether its aggregates may hold shared binary values.
    shares: Vec<bool>,
    /// The statements of the shared values, when a type shares.
    shared: Option<crate::shared::SharedStatements>,
}

/// A set of columns of a type: its index, and the indexes of the fields.
type ColumnSet = (usize, Vec<usize>);

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
        let namespace = Namespace::new(options.namespace.as_deref(), C::DIALECT)?;
        let registry = namespace.registry(registry)?;
        let shares = crate::shared::sharing_types(registry.model());
        let sharing = shares.contains(&true);
        let prepare = |first: &mut C| {
            let mut own_tables = match change_log {
                true => crate::change_log::ddl(&namespace, C::DIALECT),
                false => Vec::new(),
            };
            if sharing {
                own_tables.extend(crate::shared::ddl(&namespace, C::DIALECT));
            }
            crate::schema_version::migrate(
                first,
                &namespace,
                &registry,
                migrations,
                &options.drops,
                &own_tables,
                &redact(url),
            )
        };
        let pool = build_pool::<C>(url, &options, &namespace, prepare, registry.ddl(C::DIALECT))
            .inspect_err(|error| {
                tracing::warn!(target: crate::trace::TARGET, database = %redact(url), %error, "cannot connect");
            })?;
        tracing::info!(
            target: crate::trace::TARGET,
            database = %redact(url),
            backend = C::FEATURE,
            namespace = namespace.name(),
            max_size = options.max_size,
            types = registry.model().types.len(),
            "connected"
        );
        Ok(DieselStore {
            pool,
            statements: statements(registry.model(), C::DIALECT),
            registry,
            change_log,
            replace_children: options.replace_children,
            retries: options.retries,
            named_updates: Mutex::default(),
            query_shapes: Mutex::default(),
            feeds_ready: std::sync::atomic::AtomicBool::new(false),
            shared: sharing.then(|| crate::shared::SharedStatements::new(&namespace, C::DIALECT)),
            shares,
            namespace,
            target: redact(url),
            url: url.to_owned(),
        })
    }

    /// The logged changes after `sequence` (0 for all), oldest first, at most `limit`; needs
    /// [`StoreOptions::change_log`]. Sequences are handed out in commit order, so a follower
    /// asking for the changes after the last one it handled misses none and sees none twice.
    pub fn changes_since(
        &self,
        sequence: i64,
        limit: i64,
    ) -> Result<Vec<crate::LoggedChange>, Error> {
        self.pool.with("", "", |conn| {
            crate::change_log::read_since(conn, &self.namespace, sequence, limit)
        })
    }

    /// Removes the logged changes whose sequence is below `before` (those every follower
    /// has handled); how many. A reader behind the cut is told, not silently short of
    /// changes: reading after a sequence below `before - 1` is an error.
    pub fn prune_changes(&self, before: i64) -> Result<u64, Error> {
        self.pool.with("", "", |conn| {
            crate::change_log::prune(conn, &self.namespace, before).map_err(|e| Error::Database {
                action: "pruning the change log of",
                ty: String::new(),
                id: String::new(),
                pointer: String::new(),
                source: e,
            })
        })
    }

    /// The changes after `from`, as they are committed: see [`crate::Follow`] (on
    /// PostgreSQL it opens a connection of its own that `LISTEN`s for commits; if it
    /// cannot, it polls, saying why at `warn`).
    pub fn follow(&self, from: i64) -> crate::Follow<'_> {
        crate::Follow::new(from, move |after, limit| self.changes_since(after, limit))
            .woken_by(self.change_listener())
    }

    /// A connection that hears the change log's commits (PostgreSQL), or `None` (then
    /// followers poll; a listener that cannot connect is logged at `warn`).
    pub(crate) fn change_listener(&self) -> Option<crate::change_log::Waiter> {
        crate::backend::change_listener(C::DIALECT, &self.url, &self.namespace).and_then(|listener| {
            listener
                .inspect_err(|error| {
                    tracing::warn!(target: crate::trace::TARGET, database = %self.target, %error, "cannot listen for the change log's commits: polling instead");
                })
                .ok()
        })
    }

    /// What the store's connection pool holds, and how its checkouts went.
    pub fn pool_stats(&self) -> crate::PoolStats {
        self.pool.stats()
    }

    /// The registry the store was opened with.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Runs `f` on a pooled connection, for diesel queries on the generated tables
    /// (filters, joins, pagination) beside the aggregate API.
    pub fn with_connection<R>(&self, f: impl FnOnce(&mut C) -> R) -> Result<R, Error> {
        let mut conn = self.pool.get("", "")?;
        Ok(f(&mut conn))
    }

    /// `full` validated as the state of `target`, an aggregate of type `entity` (of the
    /// arrays `changed` lists, only the children at the listed positions).
    fn validated<'a>(
        &'a self,
        entity: &'a EntityType,
        full: &'a Value,
        changed: Option<&BTreeMap<String, Vec<usize>>>,
        target: Target<'_>,
    ) -> Result<aggregate::RowTree<'a>, Error> {
        let model = self.registry.model();
        aggregate::validate(model, entity, full, changed, C::DIALECT, target)
    }

    fn statements_of(&self, ty: &EntityType) -> &TypeStatements {
        &self.statements[ty.index]
    }

    /// The update of the columns `fields` of a top-level row of `ty` (see
    /// [`crate::sql::named_update`]), rendered the first time a diff names that set.
    fn named_update(&self, ty: &EntityType, fields: Vec<usize>) -> Arc<Sql> {
        let mut cache = self
            .named_updates
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache
            .entry((ty.index, fields))
            .or_insert_with_key(|(_, fields)| Arc::new(named_update(ty, C::DIALECT, fields)))
            .clone()
    }
}

/// The `Store` calls, on connections from `via`.
impl<C: MappedConnection> DieselStore<C> {
    pub(crate) fn load_via(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        id: &str,
    ) -> Result<Option<Value>, Error> {
        // The rows, then their document (made after the connection went back to the pool).
        match self.load_rows_via(via, ty, id)? {
            Loaded::Rows(row) => {
                let entity = self.registry.aggregate(ty)?;
                let document = self.row_to_json(entity, row, "", Target { ty, id })?;
                Ok(Some(Value::Object(document)))
            }
            Loaded::Json(document) => Ok(Some(document)),
            Loaded::Missing => Ok(None),
        }
    }

    pub(crate) fn load_many_via(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        ids: &[&str],
    ) -> Result<Vec<Option<Value>>, Error> {
        let entity = self.registry.aggregate(ty)?;
        let rows = self.read_many(via, ty, ids)?;
        ids.iter()
            .zip(rows)
            .map(|(id, row)| {
                row.map(|row| {
                    self.row_to_json(entity, row, "", Target { ty, id })
                        .map(Value::Object)
                })
                .transpose()
            })
            .collect()
    }

    pub(crate) fn load_rows_many_via(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        ids: &[&str],
    ) -> Result<Vec<Loaded>, Error> {
        Ok(self
            .read_many(via, ty, ids)?
            .into_iter()
            .map(|row| row.map_or(Loaded::Missing, Loaded::Rows))
            .collect())
    }

    pub(crate) fn query_via(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        query: &Value,
    ) -> Result<crate::Page<Value>, Error> {
        let entity = self.registry.aggregate(ty)?;
        self.query_page(via, ty, query)?.try_map(|(id, row)| {
            self.row_to_json(entity, row, "", Target { ty, id: &id })
                .map(Value::Object)
        })
    }

    pub(crate) fn query_rows_via(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        query: &Value,
    ) -> Result<crate::Page<(String, Loaded)>, Error> {
        self.query_page(via, ty, query)?
            .try_map(|(id, row)| Ok((id, Loaded::Rows(row))))
    }

    pub(crate) fn query_count_via(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        query: &Value,
    ) -> Result<u64, Error> {
        self.count_matching(via, ty, query)
    }

    pub(crate) fn load_rows_via(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        id: &str,
    ) -> Result<Loaded, Error> {
        let entity = self.registry.aggregate(ty)?;
        let target = Target { ty, id };
        let pk = aggregate::id_value(entity, target)?;
        via.with(&self.pool, ty, id, |conn| {
            in_transaction(conn, false, target, "loading", |conn| {
                Ok(match self.read_aggregate(conn, entity, &pk, target)? {
                    None => Loaded::Missing,
                    Some(row) => Loaded::Rows(row),
                })
            })
        })
    }

    pub(crate) fn persist_via(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        id: &str,
        diff: &Value,
        full: &Value,
    ) -> Result<(), Error> {
        let entity = self.registry.aggregate(ty)?;
        let target = Target { ty, id };
        let scope = Scope::from_diff(diff, full);
        // (The diff's own problems are reported after the state's.)
        let check = || aggregate::check_diff(entity, diff, target);
        self.write_change(via, entity, target, &scope, full, Some(diff), &check)
    }

    pub(crate) fn persist_scoped_via(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        id: &str,
        scope: &Scope,
        full: &Value,
    ) -> Result<(), Error> {
        let entity = self.registry.aggregate(ty)?;
        let target = Target { ty, id };
        let check = || aggregate::check_scope(entity, scope, target);
        self.write_change(via, entity, target, scope, full, None, &check)
    }

    pub(crate) fn save_encoded_via(
        &self,
        via: Via<'_, '_, C>,
        entity: &dyn Encode,
        scope: &Scope,
    ) -> Result<(), Error> {
        self.encoded(entity, scope, |tree, document, target| {
            let wire = document.map(|document| match scope {
                Scope::Whole => None,
                named => Some(named.to_value(document)),
            });
            self.write_transaction(via, target, |conn| {
                let whole_row = match self
                    .write_top_level(conn, tree, scope, target)
                    .map_err(Failure::Nasc)?
                {
                    Written::Done { whole_row } => whole_row,
                    Written::PositionsNotInPlace => {
                        unreachable!("a typed save writes whole arrays, never by position")
                    }
                };
                let wrote = match scope {
                    Scope::Whole => Wrote::Whole,
                    scope => Wrote::Part { scope, whole_row },
                };
                self.hold_shared(conn, tree, tree.pk(), wrote, target)
                    .map_err(Failure::Nasc)?;
                let logged = match (document, &wire) {
                    (Some(full), Some(Some(wire))) => Logged::Change { wire, full },
                    (Some(document), _) => Logged::Whole(document),
                    (None, _) => return Ok(()),
                };
                self.log_change(conn, tree, logged, scope, whole_row, target)
            })
            .map_err(|failure| failure.into_error(target))
        })
    }

    pub(crate) fn create_via(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        id: &str,
        full: &Value,
    ) -> Result<bool, Error> {
        self.whole_state(ty, id, full, Stamp::Times, |tree, target| {
            self.create_tree(via, tree, Some(full), target)
        })
    }

    pub(crate) fn restore_via(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        id: &str,
        full: &Value,
    ) -> Result<bool, Error> {
        self.whole_state(ty, id, full, Stamp::Nothing, |tree, target| {
            // Stored as it is: the version kept (a create stores the version it is given
            // plus one).
            if let Some(index) = tree.ty.version {
                let SqlValue::Integer(version) = tree.values[index] else {
                    unreachable!("validation made the version an integer")
                };
                let property = &tree.ty.fields[index].property;
                let kept = version.checked_sub(1).ok_or_else(|| {
                    target.invalid(
                        &nasc_model::error::pointer_join("", property),
                        format!("version {version} is the smallest a 64-bit integer holds: it cannot be restored"),
                    )
                })?;
                tree.values[index] = SqlValue::Integer(kept);
            }
            self.create_tree(via, tree, Some(full), target)
        })
    }

    pub(crate) fn replace_via(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        id: &str,
        full: &Value,
    ) -> Result<bool, Error> {
        self.whole_state(ty, id, full, Stamp::Times, |tree, target| {
            self.replace_tree(via, tree, Some(full), target)
        })
    }

    /// `write` of `full` validated as the whole state of `ty` `id`, its times stamped
    /// unless `stamp` says otherwise.
    fn whole_state<T>(
        &self,
        ty: &str,
        id: &str,
        full: &Value,
        stamp: Stamp,
        write: impl FnOnce(&mut aggregate::RowTree<'_>, Target<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let entity = self.registry.aggregate(ty)?;
        let target = Target { ty, id };
        generated::check_key_given(entity, target)?;
        let mut tree = self.validated(entity, full, None, target)?;
        if stamp == Stamp::Times {
            aggregate::stamp_times(&mut tree);
        }
        write(&mut tree, target)
    }

    pub(crate) fn create_encoded_via(
        &self,
        via: Via<'_, '_, C>,
        entity: &dyn Encode,
    ) -> Result<bool, Error> {
        self.encoded(entity, &Scope::Whole, |tree, logged, target| {
            self.create_tree(via, tree, logged, target)
        })
    }

    pub(crate) fn replace_encoded_via(
        &self,
        via: Via<'_, '_, C>,
        entity: &dyn Encode,
    ) -> Result<bool, Error> {
        self.encoded(entity, &Scope::Whole, |tree, logged, target| {
            self.replace_tree(via, tree, logged, target)
        })
    }

    /// `write` of the rows of a typed entity (what `scope` names of it, checked first),
    /// with its document when the change log records it.
    fn encoded<T>(
        &self,
        entity: &dyn Encode,
        scope: &Scope,
        write: impl FnOnce(&aggregate::RowTree<'_>, Option<&Value>, Target<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let id = entity.id();
        let target = Target {
            ty: entity.type_name(),
            id: &id,
        };
        let ty = self.registry.aggregate(target.ty)?;
        generated::check_key_given(ty, target)?;
        aggregate::check_scope(ty, scope, target)?;
        let mut tree =
            encode::encode_aggregate(self.registry.model(), ty, entity, None, C::DIALECT, target)?;
        aggregate::stamp_times(&mut tree);
        let document = match self.change_log {
            false => None,
            true => Some(entity.document()?),
        };
        write(&tree, document.as_ref(), target)
    }

    /// Writes `tree` as a new aggregate unless one is stored (see [`Store::create`]).
    fn create_tree(
        &self,
        via: Via<'_, '_, C>,
        tree: &aggregate::RowTree<'_>,
        logged: Option<&Value>,
        target: Target<'_>,
    ) -> Result<bool, Error> {
        self.write_transaction(via, target, |conn| {
            let created = match self
                .create_top_level(conn, tree, false, target)
                .map_err(Failure::Nasc)?
            {
                Some(pk) => {
                    self.hold_shared(conn, tree, &pk, Wrote::Whole, target)
                        .map_err(Failure::Nasc)?;
                    true
                }
                None => false,
            };
            if let (true, Some(document)) = (created, logged) {
                let logged = Logged::Whole(document);
                self.log_change(conn, tree, logged, &Scope::Whole, true, target)?;
            }
            Ok(created)
        })
        .map_err(|failure| failure.into_error(target))
    }

    /// Writes `tree` as the whole state of a stored aggregate, locked first; `false`, and
    /// nothing written, when none is stored (see [`Store::replace`]).
    fn replace_tree(
        &self,
        via: Via<'_, '_, C>,
        tree: &aggregate::RowTree<'_>,
        logged: Option<&Value>,
        target: Target<'_>,
    ) -> Result<bool, Error> {
        self.write_transaction(via, target, |conn| {
            let lock = &self.statements_of(tree.ty).top().lock;
            let stored = Executor::rows(conn, lock, std::slice::from_ref(tree.pk()))
                .map_err(|e| Failure::Nasc(target.database("saving", "", e)))?;
            if stored.is_empty() {
                return Ok(false);
            }
            match self
                .write_top_level(conn, tree, &Scope::Whole, target)
                .map_err(Failure::Nasc)?
            {
                Written::Done { .. } => {}
                Written::PositionsNotInPlace => unreachable!("a whole state names no position"),
            }
            self.hold_shared(conn, tree, tree.pk(), Wrote::Whole, target)
                .map_err(Failure::Nasc)?;
            if let Some(document) = logged {
                let logged = Logged::Whole(document);
                self.log_change(conn, tree, logged, &Scope::Whole, true, target)?;
            }
            Ok(true)
        })
        .map_err(|failure| failure.into_error(target))
    }

    pub(crate) fn insert_document_via(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        full: &Value,
    ) -> Result<Value, Error> {
        let entity = self.registry.aggregate(ty)?;
        let pk = &entity.pk().expect("an aggregate type has a pk").property;
        let key = NewKey::of_json(entity, full.get(pk));
        let keyed;
        let full = match key.placeholder_json() {
            Some(placeholder) if full.is_object() => {
                let mut with_key = full.clone();
                with_key[pk] = placeholder;
                keyed = with_key;
                &keyed
            }
            _ => full,
        };
        let id = match full.get(pk) {
            Some(Value::String(id)) => id.clone(),
            Some(Value::Number(id)) => id.to_string(),
            _ => String::new(),
        };
        let target = Target { ty, id: &id };
        let mut tree = self.validated(entity, full, None, target)?;
        aggregate::stamp_times(&mut tree);
        let stored = self.insert_tree(via, &tree, &key, Some(full), target)?;
        let id = generated::id_text(&stored);
        let row = self.opened_sealed(&tree, generated::stored_rows(&tree, &stored), target)?;
        self.row_to_json(entity, row, "", Target { ty, id: &id })
            .map(Value::Object)
    }

    pub(crate) fn insert_encoded_via(
        &self,
        via: Via<'_, '_, C>,
        entity: &dyn Encode,
    ) -> Result<Loaded, Error> {
        let ty = self.registry.aggregate(entity.type_name())?;
        let given = entity.id();
        let key = NewKey::of_id(ty, &given);
        let id = match &key {
            NewKey::Given => given,
            NewKey::Uuid(uuid) => uuid.clone(),
            NewKey::Increment => "0".to_owned(),
        };
        let target = Target {
            ty: entity.type_name(),
            id: &id,
        };
        let mut tree = encode::encode_aggregate(
            self.registry.model(),
            ty,
            entity,
            key.placeholder(),
            C::DIALECT,
            target,
        )?;
        aggregate::stamp_times(&mut tree);
        let logged = match self.change_log {
            true => Some(entity.document()?),
            false => None,
        };
        let stored = self.insert_tree(via, &tree, &key, logged.as_ref(), target)?;
        let row = generated::stored_rows(&tree, &stored);
        Ok(Loaded::Rows(self.opened_sealed(&tree, row, target)?))
    }

    /// Writes `tree` as a new aggregate, its key made as `key` says: the pk stored, or
    /// `Error::Conflict` when an aggregate holds it. The change log records `logged` with
    /// the pk stored.
    fn insert_tree(
        &self,
        via: Via<'_, '_, C>,
        tree: &aggregate::RowTree<'_>,
        key: &NewKey,
        logged: Option<&Value>,
        target: Target<'_>,
    ) -> Result<SqlValue<'static>, Error> {
        self.write_transaction(via, target, |conn| {
            let Some(stored) = self
                .create_top_level(conn, tree, key.by_database(), target)
                .map_err(Failure::Nasc)?
            else {
                return Err(Failure::Nasc(Error::exists(target.ty, target.id)));
            };
            self.hold_shared(conn, tree, &stored, Wrote::Whole, target)
                .map_err(Failure::Nasc)?;
            if let Some(document) = logged {
                let id = generated::id_text(&stored);
                let mut document = document.clone();
                if let (Some(pk), Some(object)) = (tree.ty.pk(), document.as_object_mut()) {
                    object.insert(pk.property.clone(), generated::id_json(&stored));
                }
                self.log_change(
                    conn,
                    tree,
                    Logged::Whole(&document),
                    &Scope::Whole,
                    true,
                    Target {
                        ty: target.ty,
                        id: &id,
                    },
                )?;
            }
            Ok(stored)
        })
        .map_err(|failure| failure.into_error(target))
    }

    pub(crate) fn version_property_of(&self, ty: &str) -> Option<String> {
        let entity = self.registry.aggregate(ty).ok()?;
        entity.version.map(|i| entity.fields[i].property.clone())
    }

    pub(crate) fn plan_persist_via(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        id: &str,
        diff: &Value,
        full: &Value,
    ) -> Result<Vec<String>, Error> {
        let entity = self.registry.aggregate(ty)?;
        let target = Target { ty, id };
        let scope = Scope::from_diff(diff, full);
        let changed = changed_positions(&self.registry, entity, &scope, self.replace_children);
        let tree = self.validated(entity, full, changed.as_ref(), target)?;
        aggregate::check_diff(entity, diff, target)?;
        // The plan reads what a persist would read (the stored children), and records the
        // writes instead of making them.
        via.with(&self.pool, ty, id, |conn| {
            in_transaction(conn, false, target, "planning", |conn| {
                let mut planner = Planner {
                    reads: conn,
                    writes: Vec::new(),
                };
                // (The planner finds every row in place: it writes nothing.)
                self.write_top_level(&mut planner, &tree, &scope, target)?;
                if self.change_log {
                    crate::change_log::append::<C>(
                        &mut planner,
                        &self.namespace,
                        ty,
                        id,
                        diff,
                        None,
                    )
                    .map_err(|e| target.database("logging", "", e))?;
                }
                Ok(planner.writes)
            })
        })
    }

    pub(crate) fn delete_via(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        id: &str,
    ) -> Result<bool, Error> {
        let entity = self.registry.aggregate(ty)?;
        let target = Target { ty, id };
        let pk = aggregate::id_value(entity, target)?;
        via.with(&self.pool, ty, id, |conn| {
            in_transaction(conn, true, target, "deleting", |conn| {
                let deleted = conn
                    .run(
                        &self.statements_of(entity).top().delete,
                        std::slice::from_ref(&pk),
                    )
                    .map_err(|e| target.database("deleting", "", e))?;
                if deleted > 0 {
                    self.release_shared(conn, entity, &pk, target)?;
                }
                if deleted > 0 && self.change_log {
                    let diff = serde_json::json!({ crate::change_log::DELETED_KEY: true });
                    crate::change_log::append::<C>(conn, &self.namespace, ty, id, &diff, None)
                        .map_err(|e| target.database("logging", "", e))?;
                }
                Ok(deleted > 0)
            })
        })
    }
}

impl<C: MappedConnection> DieselStore<C> {
    /// Runs `write` in a write transaction on a pooled connection, again (after a random,
    /// growing delay) when the database gave up on the transaction (a deadlock, say), up
    /// to [`StoreOptions::retries`] times.
    fn write_transaction<T>(
        &self,
        via: Via<'_, '_, C>,
        target: Target<'_>,
        write: impl Fn(&mut C) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        if let Via::Transaction(_) = via {
            // A savepoint of the caller's transaction, which the caller runs again if it
            // wants to.
            return via.with(&self.pool, target.ty, target.id, |conn| {
                transaction(conn, true, &write)
            });
        }
        let mut attempt = 0;
        loop {
            let result = self
                .pool
                .with(target.ty, target.id, |conn| transaction(conn, true, &write));
            match result {
                Err(
                    Failure::Nasc(Error::Database { ref source, .. }) | Failure::Diesel(ref source),
                ) if crate::retry::is_transient(source) && attempt < self.retries => {
                    attempt += 1;
                    tracing::debug!(ty = target.ty, id = target.id, attempt, error = %source, "transaction given up by the database: running it again");
                    crate::retry::wait(attempt);
                }
                result => return result,
            }
        }
    }

    /// Validates `full`, then runs `check` (of the diff or scope), and writes what `scope`
    /// names of `full`, in one transaction (again, comparing whole arrays, when a position
    /// the scope lists holds another child); the change log records `wire`, or the scope's
    /// wire form.
    #[allow(clippy::too_many_arguments)]
    fn write_change(
        &self,
        via: Via<'_, '_, C>,
        entity: &EntityType,
        target: Target<'_>,
        scope: &Scope,
        full: &Value,
        wire: Option<&Value>,
        check: &dyn Fn() -> Result<(), Error>,
    ) -> Result<(), Error> {
        let wire = match (self.change_log, wire) {
            (false, _) => None,
            (true, Some(wire)) => Some(std::borrow::Cow::Borrowed(wire)),
            (true, None) => Some(std::borrow::Cow::Owned(scope.to_value(full))),
        };
        generated::check_key_given(entity, target)?;
        let mut changed = changed_positions(&self.registry, entity, scope, self.replace_children);
        loop {
            let mut tree = self.validated(entity, full, changed.as_ref(), target)?;
            check()?;
            aggregate::stamp_times(&mut tree);
            let result = self.write_transaction(via, target, |conn| {
                let whole_row = match self
                    .write_top_level(conn, &tree, scope, target)
                    .map_err(Failure::Nasc)?
                {
                    Written::PositionsNotInPlace => return Err(Failure::NotInPlace),
                    Written::Done { whole_row } => whole_row,
                };
                let wrote = match (scope, &changed) {
                    (Scope::Whole, None) => Wrote::Whole,
                    _ => Wrote::Part { scope, whole_row },
                };
                self.hold_shared(conn, &tree, tree.pk(), wrote, target)
                    .map_err(Failure::Nasc)?;
                match &wire {
                    Some(wire) => {
                        let logged = Logged::Change { wire, full };
                        self.log_change(conn, &tree, logged, scope, whole_row, target)
                    }
                    None => Ok(()),
                }
            });
            return match result {
                Ok(()) => Ok(()),
                // Rolled back: write again, comparing the whole arrays.
                Err(Failure::NotInPlace) if changed.is_some() => {
                    changed = None;
                    continue;
                }
                Err(failure) => Err(failure.into_error(target)),
            };
        }
    }

    /// Appends the write of `tree` to the change log, when the store keeps one: what
    /// `logged` says (of a change that wrote every column of the row, the state of those
    /// columns and of the arrays `scope` names), with the times stamped.
    fn log_change(
        &self,
        conn: &mut C,
        tree: &aggregate::RowTree<'_>,
        logged: Logged<'_>,
        scope: &Scope,
        whole_row: bool,
        target: Target<'_>,
    ) -> Result<(), Failure> {
        if !self.change_log {
            return Ok(());
        }
        let entry = match logged {
            Logged::Change { wire, .. } if !whole_row => std::borrow::Cow::Borrowed(wire),
            Logged::Change { full: document, .. } | Logged::Whole(document) => {
                std::borrow::Cow::Owned(crate::change_log::whole_entry(tree.ty, document, |p| {
                    scope.names(p)
                }))
            }
        };
        let entry = crate::change_log::with_stamped(entry, aggregate::times_json(tree));
        let version = tree.ty.version.map(|i| match tree.values[i] {
            SqlValue::Integer(v) => v.saturating_add(1),
            _ => unreachable!("validation made the version an integer"),
        });
        crate::change_log::append::<C>(conn, &self.namespace, target.ty, target.id, &entry, version)
            .map(|_| ())
            .map_err(|e| Failure::Nasc(target.database("logging", "", e)))
    }
}

/// What the change log records of a write.
#[derive(Clone, Copy)]
enum Logged<'v> {
    /// The whole state.
    Whole(&'v Value),
    /// A change's wire form, and the whole state it leads to.
    Change { wire: &'v Value, full: &'v Value },
}

/// Whether a write fills the mapping's `timestamps` with now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stamp {
    /// A save: the creation time (when created) and the last-save time.
    Times,
    /// A restore: the times the state holds are kept.
    Nothing,
}

/// Where a call's connection comes from.
pub(crate) enum Via<'t, 'c, C: MappedConnection> {
    /// The pool: each call its own transaction, run again when the database gives up on
    /// it.
    Pool,
    /// A transaction the caller opened ([`DieselStore::transaction`]): each call a
    /// savepoint in it.
    Transaction(&'t Mutex<&'c mut C>),
}

impl<C: MappedConnection> Clone for Via<'_, '_, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C: MappedConnection> Copy for Via<'_, '_, C> {}

impl<C: MappedConnection> Via<'_, '_, C> {
    /// Runs `f` on the connection (the pool's: one it lends).
    fn with<T, E: From<Error>>(
        self,
        pool: &Connections<C>,
        ty: &str,
        id: &str,
        f: impl FnOnce(&mut C) -> Result<T, E>,
    ) -> Result<T, E> {
        match self {
            Via::Pool => pool.with(ty, id, f),
            Via::Transaction(conn) => match conn.try_lock() {
                Ok(mut conn) => f(&mut conn),
                Err(std::sync::TryLockError::Poisoned(poisoned)) => f(&mut poisoned.into_inner()),
                Err(std::sync::TryLockError::WouldBlock) => Err(E::from(Error::Pool {
                    ty: ty.to_owned(),
                    id: id.to_owned(),
                    message: "the transaction's connection is in use: a store call inside `with_connection`, or from another thread, waits for it".to_owned(),
                })),
            },
        }
    }
}

/// `Store` for a type that holds a [`DieselStore`] (`$store`) and a [`Via`] (`$via`).
macro_rules! store_via {
    ($target:ty, $this:ident => $store:expr, $via:expr) => {
        impl<C: MappedConnection> Store for $target {
            fn load(&self, ty: &str, id: &str) -> Result<Option<Value>, Error> {
                let $this = self;
                crate::trace::call("load", ty, id, || $store.load_via($via, ty, id))
            }

            fn load_many(&self, ty: &str, ids: &[&str]) -> Result<Vec<Option<Value>>, Error> {
                let $this = self;
                crate::trace::call("load_many", ty, "", || $store.load_many_via($via, ty, ids))
            }

            fn load_rows_many(&self, ty: &str, ids: &[&str]) -> Result<Vec<Loaded>, Error> {
                let $this = self;
                crate::trace::call("get_many", ty, "", || {
                    $store.load_rows_many_via($via, ty, ids)
                })
            }

            fn query(&self, ty: &str, query: &Value) -> Result<crate::Page<Value>, Error> {
                let $this = self;
                crate::trace::call("query", ty, "", || $store.query_via($via, ty, query))
            }

            fn query_rows(
                &self,
                ty: &str,
                query: &Value,
            ) -> Result<crate::Page<(String, Loaded)>, Error> {
                let $this = self;
                crate::trace::call("find", ty, "", || $store.query_rows_via($via, ty, query))
            }

            fn query_count(&self, ty: &str, query: &Value) -> Result<u64, Error> {
                let $this = self;
                crate::trace::call("query_count", ty, "", || {
                    $store.query_count_via($via, ty, query)
                })
            }

            fn query_exists(&self, ty: &str, query: &Value) -> Result<bool, Error> {
                let $this = self;
                crate::trace::call("query_exists", ty, "", || {
                    $store.any_matching($via, ty, query)
                })
            }

            fn query_aggregate(&self, ty: &str, query: &Value) -> Result<Value, Error> {
                let $this = self;
                crate::trace::call("query_aggregate", ty, "", || {
                    $store.measure_matching($via, ty, query)
                })
            }

            fn load_rows(&self, ty: &str, id: &str) -> Result<Loaded, Error> {
                let $this = self;
                crate::trace::call("get", ty, id, || $store.load_rows_via($via, ty, id))
            }

            fn persist(&self, ty: &str, id: &str, diff: &Value, full: &Value) -> Result<(), Error> {
                let $this = self;
                crate::trace::call("persist", ty, id, || {
                    $store.persist_via($via, ty, id, diff, full)
                })
            }

            fn persist_scoped(
                &self,
                ty: &str,
                id: &str,
                scope: &Scope,
                full: &Value,
            ) -> Result<(), Error> {
                let $this = self;
                crate::trace::call("persist_scoped", ty, id, || {
                    $store.persist_scoped_via($via, ty, id, scope, full)
                })
            }

            fn save_encoded(&self, entity: &dyn Encode, scope: &Scope) -> Result<(), Error> {
                let $this = self;
                crate::trace::entity_call("save", entity, || {
                    $store.save_encoded_via($via, entity, scope)
                })
            }

            fn create(&self, ty: &str, id: &str, full: &Value) -> Result<bool, Error> {
                let $this = self;
                crate::trace::call("create", ty, id, || $store.create_via($via, ty, id, full))
            }

            fn restore(&self, ty: &str, id: &str, full: &Value) -> Result<bool, Error> {
                let $this = self;
                crate::trace::call("restore", ty, id, || $store.restore_via($via, ty, id, full))
            }

            fn replace(&self, ty: &str, id: &str, full: &Value) -> Result<bool, Error> {
                let $this = self;
                crate::trace::call("replace", ty, id, || $store.replace_via($via, ty, id, full))
            }

            fn create_encoded(&self, entity: &dyn Encode) -> Result<bool, Error> {
                let $this = self;
                crate::trace::entity_call("create", entity, || {
                    $store.create_encoded_via($via, entity)
                })
            }

            fn replace_encoded(&self, entity: &dyn Encode) -> Result<bool, Error> {
                let $this = self;
                crate::trace::entity_call("replace", entity, || {
                    $store.replace_encoded_via($via, entity)
                })
            }

            fn insert_document(&self, ty: &str, full: &Value) -> Result<Value, Error> {
                let $this = self;
                crate::trace::call("insert_document", ty, "", || {
                    $store.insert_document_via($via, ty, full)
                })
            }

            fn insert_encoded(&self, entity: &dyn Encode) -> Result<Loaded, Error> {
                let $this = self;
                crate::trace::entity_call("insert", entity, || {
                    $store.insert_encoded_via($via, entity)
                })
            }

            fn version_property(&self, ty: &str) -> Option<String> {
                let $this = self;
                $store.version_property_of(ty)
            }

            fn plan_persist(
                &self,
                ty: &str,
                id: &str,
                diff: &Value,
                full: &Value,
            ) -> Result<Vec<String>, Error> {
                let $this = self;
                crate::trace::call("plan_persist", ty, id, || {
                    $store.plan_persist_via($via, ty, id, diff, full)
                })
            }

            fn delete(&self, ty: &str, id: &str) -> Result<bool, Error> {
                let $this = self;
                crate::trace::call("delete", ty, id, || $store.delete_via($via, ty, id))
            }
        }
    };
}

store_via!(DieselStore<C>, store => store, Via::Pool);
store_via!(Transaction<'_, C>, tx => tx.store, Via::Transaction(&tx.conn));

/// A transaction across aggregates ([`DieselStore::transaction`]): the `Store` calls made
/// through it (typed and dynamic, of any number of aggregates) and the caller's own
/// statements ([`Transaction::with_connection`]) run on one connection and commit or roll
/// back together. Each call is a savepoint: a call that fails leaves the transaction as it
/// was before the call.
pub struct Transaction<'c, C: MappedConnection> {
    store: &'c DieselStore<C>,
    conn: Mutex<&'c mut C>,
}

impl<C: MappedConnection> Transaction<'_, C> {
    /// Runs the caller's own diesel statements on the transaction's connection (a
    /// failure is an [`Error::Transaction`]; return it from the transaction to roll back).
    pub fn with_connection<R>(
        &self,
        f: impl FnOnce(&mut C) -> diesel::QueryResult<R>,
    ) -> Result<R, Error> {
        Via::Transaction(&self.conn).with(&self.store.pool, "", "", |conn| {
            f(conn).map_err(|source| Error::Transaction {
                action: "running the caller's statement in",
                source,
            })
        })
    }
}

impl<C: MappedConnection> DieselStore<C> {
    /// Runs `f` in one transaction on one connection: every `Store` call through the
    /// [`Transaction`] it is given, and the caller's own statements, commit together
    /// when `f` returns `Ok`, and roll back together when it returns an error (a
    /// `VersionConflict` included). On SQLite the transaction takes the write lock when
    /// it begins, so two of them never deadlock; on PostgreSQL and MySQL it reads what it
    /// wrote. A transaction is not run again by nasc when the database gives up on it.
    pub fn transaction<T>(
        &self,
        f: impl FnOnce(Transaction<'_, C>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.pool.with("", "", |conn| {
            conn.write_transaction(|conn| {
                f(Transaction {
                    store: self,
                    conn: Mutex::new(conn),
                })
                .map_err(Failure::Nasc)
            })
            .map_err(|failure| match failure {
                Failure::Nasc(e) => e,
                Failure::Diesel(source) => Error::Transaction {
                    action: "beginning or committing",
                    source,
                },
                Failure::NotInPlace => unreachable!("only a persist writes by position"),
            })
        })
    }
}

/// Why a transaction was rolled back.
enum Failure {
    /// An error of nasc's.
    Nasc(Error),
    /// The database failed to begin or commit.
    Diesel(DieselError),
    /// A persist's positions did not hold their children (see [`Written`]).
    NotInPlace,
}

impl Failure {
    /// The error a caller gets (a persist handles [`Failure::NotInPlace`] itself).
    fn into_error(self, target: Target<'_>) -> Error {
        match self {
            Failure::Nasc(e) => e,
            Failure::Diesel(e) => target.database("saving", "", e),
            Failure::NotInPlace => {
                unreachable!("positions are only written when the diff lists them")
            }
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Nasc(e)
    }
}

impl From<DieselError> for Failure {
    fn from(e: DieselError) -> Self {
        Failure::Diesel(e)
    }
}

/// Runs `f` in a transaction (a write transaction when `write`), rolled back on any failure.
fn transaction<C: MappedConnection, T>(
    conn: &mut C,
    write: bool,
    f: impl FnOnce(&mut C) -> Result<T, Failure>,
) -> Result<T, Failure> {
    if write {
        conn.write_transaction(f)
    } else {
        conn.transaction(f)
    }
}

/// Runs `f` in a transaction, reporting a failure to begin or commit as a database error
/// of `target`.
fn in_transaction<C: MappedConnection, T>(
    conn: &mut C,
    write: bool,
    target: Target<'_>,
    action: &'static str,
    f: impl FnOnce(&mut C) -> Result<T, Error>,
) -> Result<T, Error> {
    transaction(conn, write, |conn| f(conn).map_err(Failure::Nasc)).map_err(|failure| match failure
    {
        Failure::Nasc(e) => e,
        Failure::Diesel(e) => target.database(action, "", e),
        Failure::NotInPlace => unreachable!("only a persist writes by position"),
    })
}
