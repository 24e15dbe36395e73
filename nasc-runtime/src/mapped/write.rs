//! The write path of the mapped store: a top-level row, then the children of every array
//! the diff names, by key or by position.

use super::DieselStore;
use crate::aggregate::{cell_to_value, Cell, ChildKey, RowTree, SqlValue, Target};
use crate::backend::MappedConnection;
use crate::sql::{ChildUpdate, Sql, Versioned};
use crate::{Error, Registry, Scope};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use nasc_model::error::pointer_join;
use nasc_model::EntityType;
use std::collections::{BTreeMap, HashMap};

/// How many values of its sequence a new aggregate with an `increment` pk tries, on
/// PostgreSQL, when aggregates saved with their own keys hold them (each try after the
/// first moves the sequence past the largest key stored).
const GENERATED_KEY_ATTEMPTS: usize = 8;

impl<C: MappedConnection> DieselStore<C> {
    /// Writes `tree` as a top-level row (of a [`Scope::Named`], only the columns it
    /// names), then brings the children of every array the change names to match it.
    pub(super) fn write_top_level(
        &self,
        conn: &mut impl Executor,
        tree: &RowTree<'_>,
        scope: &Scope,
        target: Target<'_>,
    ) -> Result<Written, Error> {
        self.drop_expired(conn, tree.ty, tree.pk(), target)?;
        let written = match scope {
            Scope::Named { .. } => self.write_named_columns(conn, tree, scope, target)?,
            Scope::Whole => false,
        };
        if !written {
            self.write_whole_row(conn, tree, target)?;
        }
        match self.write_arrays(conn, tree, scope, target)? {
            Written::Done { .. } => {
                self.stamp_expiry(conn, tree.ty, tree.pk(), target)?;
                Ok(Written::Done {
                    whole_row: !written,
                })
            }
            other => Ok(other),
        }
    }

    /// Writes every column of top-level row `tree`, inserting the row when there is none
    /// (a versioned type's version checked and bumped).
    fn write_whole_row(
        &self,
        conn: &mut impl Executor,
        tree: &RowTree<'_>,
        target: Target<'_>,
    ) -> Result<(), Error> {
        let top = self.statements_of(tree.ty).top();
        let unique_conflict =
            |e: DieselError| self.unique_conflict(tree.ty, &tree.pointer(), target, e);
        match (&top.versioned, &top.update_then_insert) {
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
                .run(&top.upsert, &tree.values)
                .map_err(unique_conflict)?,
        };
        Ok(())
    }

    /// Updates the columns of top-level row `tree` that `scope` names (with the last-save
    /// time, and the version, checked and bumped): `false`, with nothing written, when no
    /// row matched (none is stored, or, for a versioned type, another version is).
    fn write_named_columns(
        &self,
        conn: &mut impl Executor,
        tree: &RowTree<'_>,
        scope: &Scope,
        target: Target<'_>,
    ) -> Result<bool, Error> {
        let ty = tree.ty;
        let fields: Vec<usize> = ty
            .updatable_fields()
            .map(|(i, _)| i)
            .filter(|&i| {
                Some(i) == ty.timestamps.1
                    || Some(i) == ty.version
                    || scope.names(&ty.fields[i].property)
            })
            .collect();
        if fields.is_empty() {
            // No column to write (the scope names arrays alone): the row need only be there.
            let top = self.statements_of(ty).top();
            let rows = conn
                .rows(&top.select, std::slice::from_ref(tree.pk()))
                .map_err(|e| target.database("saving", &tree.pointer(), e))?;
            return Ok(!rows.is_empty());
        }
        let next = next_version(tree, target)?;
        let mut binds: Vec<SqlValue> = fields
            .iter()
            .map(|&i| match next {
                Some((version, next)) if version == i => SqlValue::Integer(next),
                _ => tree.values[i].borrowed(),
            })
            .collect();
        binds.push(tree.pk().borrowed());
        binds.extend(next.map(|(_, next)| SqlValue::Integer(next - 1)));
        let update = self.named_update(ty, fields);
        let updated = conn
            .run(&update, &binds)
            .map_err(|e| self.unique_conflict(ty, &tree.pointer(), target, e))?;
        Ok(updated > 0)
    }

    /// Brings the children of every array `scope` names to match `tree`, a top-level row.
    fn write_arrays(
        &self,
        conn: &mut impl Executor,
        tree: &RowTree<'_>,
        scope: &Scope,
        target: Target<'_>,
    ) -> Result<Written, Error> {
        let statements = self.statements_of(tree.ty);
        if !tree.ty.relations.iter().any(|r| scope.names(&r.property)) {
            return Ok(Written::Done { whole_row: false });
        }
        let key = self.top_level_key(conn, tree, target)?;
        for (relation, spec) in tree.ty.relations.iter().enumerate() {
            if !scope.names(&spec.property) {
                // An array the diff leaves out keeps its rows.
                continue;
            }
            let child = self.registry.model().child(spec);
            if let Some((length, positions)) = tree.positions.get(relation).and_then(Option::as_ref)
            {
                // The diff says which positions changed: those rows alone are rewritten, if
                // the stored array still has the new length (another writer may have
                // changed it since the state the diff was made from).
                let last = conn
                    .rows(
                        &statements.last_position[relation],
                        std::slice::from_ref(&key),
                    )
                    .map_err(|e| target.database("saving", &tree.pointer(), e))?;
                let stored_length = match last.first().map(Vec::as_slice) {
                    Some([Cell::Integer(last)]) => *last as usize + 1,
                    _ => 0,
                };
                if stored_length != *length {
                    return Ok(Written::PositionsNotInPlace);
                }
                let link = statements.child_link[relation];
                let rows: Vec<(usize, &RowTree<'_>)> = positions
                    .iter()
                    .copied()
                    .zip(&tree.children[relation])
                    .collect();
                let update = &self.statements_of(child).update_at_position[link];
                let updated =
                    self.update_rows(conn, tree, &key, relation, update, &rows, target)?;
                if updated < rows.len() {
                    // Another key at one of the positions: a move, which positions cannot
                    // write.
                    return Ok(Written::PositionsNotInPlace);
                }
                continue;
            }
            if child.positional && child.relations.is_empty() && !self.replace_children {
                self.sync_positions(conn, tree, &key, relation, target)?;
            } else if self.replace_children || !child.relations.is_empty() {
                // Children with children of their own are replaced (their rows cascade).
                conn.run(
                    &statements.delete_children[relation],
                    std::slice::from_ref(&key),
                )
                .map_err(|e| {
                    target.database("saving", &pointer_join(&tree.pointer(), &spec.property), e)
                })?;
                let all: Vec<(usize, &RowTree<'_>)> =
                    tree.children[relation].iter().enumerate().collect();
                self.insert_rows(conn, tree, &key, relation, &all, target)?;
            } else {
                self.sync_children(conn, tree, &key, relation, target)?;
            }
        }
        Ok(Written::Done { whole_row: false })
    }

    /// Writes `tree` as a new top-level row with all its children (a versioned type's
    /// version plus one), its pk made by the database when `generate` (an `increment` pk
    /// the aggregate left unset); the pk stored, or `None`, with nothing written, when a
    /// top-level row holds its id.
    pub(super) fn create_top_level(
        &self,
        conn: &mut impl Executor,
        tree: &RowTree<'_>,
        generate: bool,
        target: Target<'_>,
    ) -> Result<Option<SqlValue<'static>>, Error> {
        let top = self.statements_of(tree.ty).top();
        let mut values: Vec<SqlValue> = tree.values.iter().map(SqlValue::borrowed).collect();
        if let Some((index, next)) = next_version(tree, target)? {
            values[index] = SqlValue::Integer(next);
        }
        let pk_index = tree.ty.pk_index.expect("an aggregate type has a pk");
        let generated = match &top.generated_key {
            Some(statements) if generate => Some(statements),
            _ => None,
        };
        let stored_top_level = |conn: &mut dyn Executor, pk: &SqlValue| {
            conn.rows(&top.select, std::slice::from_ref(pk))
                .map(|rows| !rows.is_empty())
                .map_err(|e| target.database("saving", &tree.pointer(), e))
        };
        // PostgreSQL: the key is the sequence's next value, taken first; once more, past
        // the keys stored, when an aggregate saved with its own key holds it.
        if generated.is_none() {
            self.drop_expired(conn, tree.ty, &values[pk_index], target)?;
        }
        let mut attempts = 0;
        loop {
            if let Some((next_key, _)) = generated {
                values[pk_index] = match C::DIALECT {
                    nasc_model::Dialect::Postgres => {
                        SqlValue::Integer(self.generated_key(conn, next_key, tree, target)?)
                    }
                    _ => SqlValue::Null(nasc_model::ScalarType::Integer),
                };
            }
            match conn.run(&top.create, &values) {
                Ok(0) => {
                    if let Some((_, Some(skip))) = generated {
                        if attempts < GENERATED_KEY_ATTEMPTS {
                            attempts += 1;
                            conn.run(skip, &[])
                                .map_err(|e| target.database("saving", &tree.pointer(), e))?;
                            continue;
                        }
                        return Err(target.conflict(
                            &tree.pointer(),
                            format!("{GENERATED_KEY_ATTEMPTS} keys the sequence gave were taken"),
                        ));
                    }
                    // The id is taken: by a top-level row (another writer created it first),
                    // or by a child row.
                    return if stored_top_level(conn, &values[pk_index])? {
                        Ok(None)
                    } else {
                        Err(vanished(tree, target))
                    };
                }
                Ok(_) => break,
                // MySQL's insert fails on a taken id (and it can read on after the failure).
                Err(e @ DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _))
                    if C::DIALECT == nasc_model::Dialect::Mysql && generated.is_none() =>
                {
                    return if stored_top_level(conn, &values[pk_index])? {
                        Ok(None)
                    } else {
                        Err(self.unique_conflict(tree.ty, &tree.pointer(), target, e))
                    };
                }
                Err(e) => return Err(self.unique_conflict(tree.ty, &tree.pointer(), target, e)),
            }
        }
        if let (Some((made_key, _)), false) =
            (generated, C::DIALECT == nasc_model::Dialect::Postgres)
        {
            values[pk_index] = SqlValue::Integer(self.generated_key(conn, made_key, tree, target)?);
        }
        let key = match generated {
            Some(_) => values[pk_index].clone(),
            None => self.top_level_key(conn, tree, target)?,
        };
        for relation in 0..tree.children.len() {
            let all: Vec<(usize, &RowTree<'_>)> =
                tree.children[relation].iter().enumerate().collect();
            self.insert_rows(conn, tree, &key, relation, &all, target)?;
        }
        let pk = values.swap_remove(pk_index).into_owned();
        self.stamp_expiry(conn, tree.ty, &pk, target)?;
        Ok(Some(pk))
    }

    /// A type with a `ttl`: deletes the aggregate `pk` if it has expired, before a write
    /// (an expired aggregate is absent: the write makes a new one), logging its removal.
    fn drop_expired(
        &self,
        conn: &mut impl Executor,
        ty: &EntityType,
        pk: &SqlValue<'_>,
        target: Target<'_>,
    ) -> Result<(), Error> {
        let Some(drop) = self
            .statements_of(ty)
            .top()
            .expiry
            .as_ref()
            .and_then(|e| e.drop_expired.as_ref())
        else {
            return Ok(());
        };
        let dropped = conn
            .run(drop, std::slice::from_ref(pk))
            .map_err(|e| target.database("removing the expired", "", e))?;
        if dropped > 0 {
            self.release_shared(conn, ty, pk, target)?;
            self.log_removal(conn, target.ty, target.id, "expired", target)?;
        }
        Ok(())
    }

    /// A type with a `ttl` or `maxSize`: stamps the expiry and creation times of the
    /// top-level row `pk` just written, then removes the oldest aggregates beyond the cap.
    fn stamp_expiry(
        &self,
        conn: &mut impl Executor,
        ty: &EntityType,
        pk: &SqlValue<'_>,
        target: Target<'_>,
    ) -> Result<(), Error> {
        let Some(expiry) = self.statements_of(ty).top().expiry.as_ref() else {
            return Ok(());
        };
        conn.run(&expiry.stamp, std::slice::from_ref(pk))
            .map_err(|e| target.database("saving", "", e))?;
        let (Some(count), Some(oldest), Some(max)) =
            (&expiry.count, &expiry.oldest, ty.expiry.max_size)
        else {
            return Ok(());
        };
        let kept = match conn
            .rows(count, &[])
            .map_err(|e| target.database("counting the kept", "", e))?
            .first()
            .map(Vec::as_slice)
        {
            Some([Cell::Integer(kept)]) => *kept as u64,
            other => {
                return Err(target.corrupt("", format!("the count of {} is {other:?}", ty.name)))
            }
        };
        if kept <= max {
            return Ok(());
        }
        // (Never the aggregate just written, whatever its creation time.)
        let binds = [pk.borrowed(), SqlValue::Integer((kept - max) as i64)];
        let evicted = conn
            .rows(oldest, &binds)
            .map_err(|e| target.database("finding the oldest", "", e))?;
        let delete = &self.statements_of(ty).top().delete;
        for row in evicted {
            let [key] = row.as_slice() else { continue };
            let key = crate::aggregate::cell_to_value(
                key,
                ty.fields[ty.pk_index.expect("an aggregate has a pk")].scalar,
            );
            let id = crate::generated::id_text(&key);
            conn.run(delete, std::slice::from_ref(&key))
                .map_err(|e| target.database("removing the oldest", "", e))?;
            self.release_shared(conn, ty, &key, target)?;
            self.log_removal(conn, target.ty, &id, "evicted", target)?;
        }
        Ok(())
    }

    /// Logs the removal of aggregate `id` by nasc (`why`: expired or evicted), when the
    /// store keeps a change log.
    pub(super) fn log_removal(
        &self,
        conn: &mut impl Executor,
        ty: &str,
        id: &str,
        why: &str,
        target: Target<'_>,
    ) -> Result<(), Error> {
        if !self.change_log {
            return Ok(());
        }
        let diff = serde_json::json!({ crate::change_log::DELETED_KEY: true, "$removedBy": why });
        crate::change_log::append::<C>(conn, &self.namespace, ty, id, &diff, None)
            .map(|_| ())
            .map_err(|e| target.database("logging", "", e))
    }

    /// The key a [`Statement::GeneratedKey`](crate::sql::Statement) statement answers.
    fn generated_key(
        &self,
        conn: &mut impl Executor,
        statement: &Sql,
        tree: &RowTree<'_>,
        target: Target<'_>,
    ) -> Result<i64, Error> {
        let rows = conn
            .rows(statement, &[])
            .map_err(|e| target.database("saving", &tree.pointer(), e))?;
        match rows.as_slice() {
            [row] => match row.as_slice() {
                [Cell::Integer(key)] if *key > 0 => Ok(*key),
                other => Err(target.corrupt(
                    &tree.pointer(),
                    format!("the database made the key {other:?}, not a positive integer"),
                )),
            },
            _ => Err(target.corrupt(&tree.pointer(), "the database made no key")),
        }
    }

    /// Brings the rows of one array of leaf children to match it, by child key: deletes the
    /// rows whose key is gone, updates in place the rows that changed or moved, inserts the
    /// new ones, and leaves the others alone.
    pub(super) fn sync_children(
        &self,
        conn: &mut impl Executor,
        parent: &RowTree<'_>,
        parent_key: &SqlValue,
        relation: usize,
        target: Target<'_>,
    ) -> Result<(), Error> {
        let StoredArray {
            child_ty,
            link,
            at,
            rows: stored,
        } = self.stored_array(conn, parent, parent_key, relation, target)?;
        let children = &parent.children[relation];
        let child_statements = self.statements_of(child_ty);
        let pk = child_ty.pk_index.expect("children synced by key have a pk");
        let update = child_statements.update_as_child[link]
            .as_ref()
            .expect("children synced by key are updated by key");
        // The common case, the same keys in the same order: compared pairwise.
        if stored.len() == children.len()
            && stored
                .iter()
                .zip(children)
                .all(|(cells, child)| cell_matches(&cells[pk], child.pk()))
        {
            let changed = changed_in_place(&stored, children);
            self.update_rows(conn, parent, parent_key, relation, update, &changed, target)?;
            return Ok(());
        }
        let mut stored_by_key: HashMap<ChildKey, (usize, Vec<Cell>)> = stored
            .into_iter()
            .enumerate()
            .map(|(position, cells)| {
                (
                    ChildKey::from_value(
                        cell_to_value(&cells[pk], child_ty.fields[pk].scalar).into_owned(),
                    ),
                    (position, cells),
                )
            })
            .collect();
        let mut added = Vec::new();
        let mut changed = Vec::new();
        for (position, child) in children.iter().enumerate() {
            match stored_by_key.remove(&ChildKey::of(child.pk())) {
                None => added.push((position, child)),
                Some((stored_position, cells)) => {
                    if stored_position != position || !row_matches(&cells, child) {
                        changed.push((position, child));
                    }
                }
            }
        }
        self.update_rows(conn, parent, parent_key, relation, update, &changed, target)?;
        let delete = child_statements.delete_as_child[link]
            .as_ref()
            .expect("children synced by key are deleted by key");
        for key in stored_by_key.into_keys() {
            conn.run(delete, &[parent_key.borrowed(), key.value()])
                .map_err(|e| target.database("saving", &at, e))?;
        }
        self.insert_rows(conn, parent, parent_key, relation, &added, target)
    }

    /// Brings the rows of one array of positional children (without arrays of their own)
    /// to match it, position by position: updates the rows at the positions both hold
    /// that changed, deletes the stored rows past the array's end, inserts the new ones
    /// past the stored end.
    pub(super) fn sync_positions(
        &self,
        conn: &mut impl Executor,
        parent: &RowTree<'_>,
        parent_key: &SqlValue,
        relation: usize,
        target: Target<'_>,
    ) -> Result<(), Error> {
        let statements = self.statements_of(parent.ty);
        let StoredArray {
            child_ty,
            link,
            at,
            rows: stored,
        } = self.stored_array(conn, parent, parent_key, relation, target)?;
        let children = &parent.children[relation];
        let changed = changed_in_place(&stored, children);
        let update = &self.statements_of(child_ty).update_at_position[link];
        self.update_rows(conn, parent, parent_key, relation, update, &changed, target)?;
        if stored.len() > children.len() {
            let delete = statements.delete_children_from[relation]
                .as_ref()
                .expect("positional children are deleted from a position");
            conn.run(
                delete,
                &[
                    parent_key.borrowed(),
                    SqlValue::Integer(children.len() as i64),
                ],
            )
            .map_err(|e| target.database("saving", &at, e))?;
        }
        let added: Vec<(usize, &RowTree<'_>)> =
            children.iter().enumerate().skip(stored.len()).collect();
        self.insert_rows(conn, parent, parent_key, relation, &added, target)
    }

    /// The stored rows of one array of `parent` (whose children refer to it by
    /// `parent_key`), in order, with the child type, its parent link and the array's pointer.
    fn stored_array(
        &self,
        conn: &mut impl Executor,
        parent: &RowTree<'_>,
        parent_key: &SqlValue,
        relation: usize,
        target: Target<'_>,
    ) -> Result<StoredArray<'_>, Error> {
        let statements = self.statements_of(parent.ty);
        let spec = &parent.ty.relations[relation];
        let at = pointer_join(&parent.pointer(), &spec.property);
        let rows = conn
            .rows(
                &statements.select_children[relation],
                std::slice::from_ref(parent_key),
            )
            .map_err(|e| target.database("saving", &at, e))?;
        Ok(StoredArray {
            child_ty: self.registry.model().child(spec),
            link: statements.child_link[relation],
            at,
            rows,
        })
    }

    /// A database error of a write of `ty` at `pointer`: a unique key's violation becomes a
    /// conflict naming the key (or the primary key).
    pub(super) fn unique_conflict(
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
            Some(key) => target.conflict(
                pointer,
                format!(
                    "unique key ({}) of `{}` is already held by another row{detail}",
                    key.properties.join(", "),
                    ty.name
                ),
            ),
            None => target.conflict(
                pointer,
                format!(
                    "this `{}` id is already stored in table `{}`{detail}",
                    ty.name, ty.table
                ),
            ),
        }
    }

    /// Saves a versioned top-level row: updates it only if it still has the version the
    /// state was based on (bumping it), inserts it when there is none, and otherwise fails
    /// with both versions. Returns the rows written.
    pub(super) fn write_versioned(
        &self,
        conn: &mut impl Executor,
        tree: &RowTree<'_>,
        statements: &Versioned,
        target: Target<'_>,
    ) -> Result<usize, Error> {
        let (index, next) =
            next_version(tree, target)?.expect("a versioned type names its version");
        let expected = next - 1;
        let unique_conflict =
            |e: DieselError| self.unique_conflict(tree.ty, &tree.pointer(), target, e);
        let mut values: Vec<SqlValue> = tree.values.iter().map(SqlValue::borrowed).collect();
        values[index] = SqlValue::Integer(next);
        let mut binds = update_binds(tree, &values);
        binds.push(SqlValue::Integer(expected));
        if conn
            .run(&statements.update, &binds)
            .map_err(unique_conflict)?
            > 0
        {
            return Ok(1);
        }
        let conflict = |conn: &mut dyn Executor| {
            version_conflict(conn, &statements.current, tree, expected, target)
        };
        if let Some(conflict) = conflict(conn)? {
            return Err(conflict);
        }
        // No row yet: insert one. Another writer's first save may win the race (the insert
        // then does nothing on SQLite and PostgreSQL, and fails on MySQL): that is a version
        // conflict like any other, so that the loser reloads and retries.
        match conn.run(&statements.insert, &values) {
            Ok(0) => Err(conflict(conn)?.unwrap_or_else(|| vanished(tree, target))),
            Ok(inserted) => Ok(inserted),
            Err(e @ DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                match conflict(conn)? {
                    Some(conflict) => Err(conflict),
                    None => Err(unique_conflict(e)),
                }
            }
            Err(e) => Err(unique_conflict(e)),
        }
    }

    /// Updates `rows` (with their positions), children of `parent` in one of its arrays, in
    /// place with `update`, in batches. Returns the rows the database found.
    #[allow(clippy::too_many_arguments)]
    fn update_rows(
        &self,
        conn: &mut impl Executor,
        parent: &RowTree<'_>,
        parent_key: &SqlValue,
        relation: usize,
        update: &ChildUpdate,
        rows: &[(usize, &RowTree<'_>)],
        target: Target<'_>,
    ) -> Result<usize, Error> {
        let mut binds: Vec<SqlValue> = Vec::with_capacity(update.binds_per_row);
        let mut updated = 0;
        let mut left = rows;
        for size in update.batches(rows.len()) {
            let (batch, rest) = left.split_at(size);
            left = rest;
            binds.clear();
            for (position, child) in batch {
                // A keyed row is found by its pk, which stays; a positional one has every
                // field written.
                let key = child.ty.key_index();
                binds.extend(
                    child
                        .values
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| Some(*i) != key)
                        .map(|(_, v)| v.borrowed()),
                );
                binds.extend([SqlValue::Integer(*position as i64), parent_key.borrowed()]);
                binds.extend(child.key().map(SqlValue::borrowed));
            }
            updated += conn.run(update.statement(size), &binds).map_err(|e| {
                let at = match batch {
                    [(_, child)] => child.pointer(),
                    _ => pointer_join(&parent.pointer(), &parent.ty.relations[relation].property),
                };
                self.unique_conflict(batch[0].1.ty, &at, target, e)
            })?;
        }
        Ok(updated)
    }

    /// Inserts `rows` (with their positions) as children of `parent` (whose children refer
    /// to it by `parent_key`) in one of its arrays, in multi-row batches, then their own
    /// children. Rows of a type with children of its own are the whole array.
    pub(super) fn insert_rows(
        &self,
        conn: &mut impl Executor,
        parent: &RowTree<'_>,
        parent_key: &SqlValue,
        relation: usize,
        rows: &[(usize, &RowTree<'_>)],
        target: Target<'_>,
    ) -> Result<(), Error> {
        let Some((_, first)) = rows.first() else {
            return Ok(());
        };
        let statements = self.statements_of(parent.ty);
        let link = statements.child_link[relation];
        let by_row = first.ty.parents[link].parent_row_column.is_some();
        let insert = &self.statements_of(first.ty).insert_as_child[link];
        let mut binds: Vec<SqlValue> = Vec::new();
        for chunk in rows.chunks(insert.rows_per_statement()) {
            binds.clear();
            for (position, child) in chunk {
                binds.extend(child.values.iter().map(SqlValue::borrowed));
                if by_row {
                    binds.push(parent.pk().borrowed());
                }
                // (A parent that is never a child is known by its pk: `parent_key`, which
                // holds the key the database made for a new one.)
                binds.push(parent_key.borrowed());
                binds.push(SqlValue::Integer(*position as i64));
            }
            conn.run(insert.statement(chunk.len()), &binds)
                .map_err(|e| {
                    let at = if chunk.len() == 1 {
                        chunk[0].1.pointer()
                    } else {
                        pointer_join(&parent.pointer(), &parent.ty.relations[relation].property)
                    };
                    self.unique_conflict(first.ty, &at, target, e)
                })?;
        }
        let Some(select_rows) = &statements.child_rows[relation] else {
            return Ok(());
        };
        // Their children refer to them by the rows the database gave them.
        let at = pointer_join(&parent.pointer(), &parent.ty.relations[relation].property);
        let keys = conn
            .row_ids(select_rows, std::slice::from_ref(parent_key), rows.len())
            .map_err(|e| target.database("saving", &at, e))?;
        if keys.len() != rows.len() {
            return Err(target.corrupt(
                &at,
                format!(
                    "{} rows were written and {} found under their parent",
                    rows.len(),
                    keys.len()
                ),
            ));
        }
        for ((_, child), key) in rows.iter().zip(keys) {
            let key = SqlValue::Integer(key);
            for grandchildren in 0..child.children.len() {
                let all: Vec<(usize, &RowTree<'_>)> =
                    child.children[grandchildren].iter().enumerate().collect();
                self.insert_rows(conn, child, &key, grandchildren, &all, target)?;
            }
        }
        Ok(())
    }

    /// The key the children of top-level row `tree` refer to it by: its pk, or (a type that
    /// is also a child) its `nasc_row`.
    pub(super) fn top_level_key<'a>(
        &self,
        conn: &mut impl Executor,
        tree: &RowTree<'a>,
        target: Target<'_>,
    ) -> Result<SqlValue<'a>, Error> {
        self.row_key_of(conn, tree.ty, tree.pk(), &tree.pointer(), target)
    }

    /// [`Self::top_level_key`] of the top-level row of `ty` whose pk is `pk`.
    pub(super) fn row_key_of<'k>(
        &self,
        conn: &mut impl Executor,
        ty: &EntityType,
        pk: &SqlValue<'k>,
        pointer: &str,
        target: Target<'_>,
    ) -> Result<SqlValue<'k>, Error> {
        let Some(select) = &self.statements_of(ty).top().row else {
            return Ok(pk.clone());
        };
        let rows = conn
            .row_ids(select, std::slice::from_ref(pk), 1)
            .map_err(|e| target.database("reading", pointer, e))?;
        match rows.as_slice() {
            [row] => Ok(SqlValue::Integer(*row)),
            _ => Err(target.corrupt(pointer, "the top-level row is not stored once")),
        }
    }
}

/// The conflict of a new top-level row of `tree` whose id was taken when it was inserted
/// and free again when read: another writer created and removed it meanwhile.
fn vanished(tree: &RowTree<'_>, target: Target<'_>) -> Error {
    target.conflict(
        &tree.pointer(),
        format!(
            "another writer created and removed `{}` `{}` while this save ran; save again",
            tree.ty.name, target.id
        ),
    )
}

/// The index of `tree`'s version and the version a save stores (the one the state carries,
/// plus one), for a versioned type; a version that cannot grow is `Invalid`.
fn next_version(tree: &RowTree<'_>, target: Target<'_>) -> Result<Option<(usize, i64)>, Error> {
    let Some(index) = tree.ty.version else {
        return Ok(None);
    };
    let SqlValue::Integer(expected) = tree.values[index] else {
        unreachable!("validation made the version an integer")
    };
    match expected.checked_add(1) {
        Some(next) => Ok(Some((index, next))),
        None => {
            let property = &tree.ty.fields[index].property;
            Err(target.invalid(
                &pointer_join(&tree.pointer(), property),
                format!("version {expected} is the largest a 64-bit integer holds: `{property}` cannot count another save"),
            ))
        }
    }
}

/// The version conflict of a save of `tree` based on version `expected`, when a top-level
/// row is stored (`current` reads its version; on MySQL a locking read, which sees what
/// another writer committed since this transaction's first read).
fn version_conflict(
    conn: &mut dyn Executor,
    current: &Sql,
    tree: &RowTree<'_>,
    expected: i64,
    target: Target<'_>,
) -> Result<Option<Error>, Error> {
    let rows = conn
        .rows(current, std::slice::from_ref(tree.pk()))
        .map_err(|e| target.database("saving", &tree.pointer(), e))?;
    match rows.first().map(Vec::as_slice) {
        None => Ok(None),
        Some([Cell::Integer(actual)]) => Ok(Some(Error::VersionConflict {
            ty: target.ty.to_owned(),
            id: target.id.to_owned(),
            expected,
            actual: *actual,
        })),
        Some(other) => {
            Err(target.corrupt(&tree.pointer(), format!("the stored version is {other:?}")))
        }
    }
}

/// How a write went.
pub(crate) enum Written {
    /// Written; `whole_row` when every column of the top-level row was (the scope named
    /// the whole state, or no row held the columns it named).
    Done { whole_row: bool },
    /// A position the diff named holds another child than the one to write there: the
    /// persist must compare the whole array instead.
    PositionsNotInPlace,
}

/// Where the write path sends its statements: a connection, or a [`Planner`] for a plan.
pub(crate) trait Executor {
    fn run(&mut self, sql: &Sql, binds: &[SqlValue]) -> diesel::QueryResult<usize>;
    fn rows(&mut self, sql: &Sql, binds: &[SqlValue]) -> diesel::QueryResult<Vec<Vec<Cell>>>;

    /// The `nasc_row`s a query of one column selects, where `expected` rows were written.
    fn row_ids(
        &mut self,
        sql: &Sql,
        binds: &[SqlValue],
        expected: usize,
    ) -> diesel::QueryResult<Vec<i64>> {
        let _ = expected;
        Ok(self
            .rows(sql, binds)?
            .into_iter()
            .filter_map(|cells| match cells.as_slice() {
                [Cell::Integer(row)] => Some(*row),
                _ => None,
            })
            .collect())
    }
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
/// them, as if each found every row it names: a persist's plan.
pub(crate) struct Planner<'c, C> {
    pub(super) reads: &'c mut C,
    pub(super) writes: Vec<String>,
}

impl<C: MappedConnection> Executor for Planner<'_, C> {
    fn run(&mut self, sql: &Sql, binds: &[SqlValue]) -> diesel::QueryResult<usize> {
        self.writes.push(sql.pieces.join("?"));
        // At least as many as the rows a statement names (a batch binds several per row).
        Ok(binds.len().max(1))
    }

    fn rows(&mut self, sql: &Sql, binds: &[SqlValue]) -> diesel::QueryResult<Vec<Vec<Cell>>> {
        MappedConnection::rows(self.reads, sql, binds)
    }

    /// The rows of a plan's inserts are not there: stand-ins take their place.
    fn row_ids(
        &mut self,
        sql: &Sql,
        binds: &[SqlValue],
        expected: usize,
    ) -> diesel::QueryResult<Vec<i64>> {
        let stored = MappedConnection::rows(self.reads, sql, binds)?;
        Ok(match stored.first().map(Vec::as_slice) {
            Some([Cell::Integer(row)]) if stored.len() == expected => vec![*row],
            _ => (0..expected as i64).map(|i| -1 - i).collect(),
        })
    }
}

/// The index of `relation` among the relations of `ty`.
pub(super) fn relation_index(ty: &EntityType, relation: &nasc_model::Relation) -> usize {
    ty.relations
        .iter()
        .position(|r| std::ptr::eq(r, relation))
        .expect("a relation of the type")
}

/// The changed positions a change lists, for the arrays whose rows can be written by
/// position: arrays of leaf children, when the store does not replace children.
pub(super) fn changed_positions(
    registry: &Registry,
    ty: &EntityType,
    scope: &Scope,
    replace_children: bool,
) -> Option<BTreeMap<String, Vec<usize>>> {
    let Scope::Named { positions, .. } = scope else {
        return None;
    };
    if replace_children {
        return None;
    }
    let usable: BTreeMap<String, Vec<usize>> = positions
        .iter()
        .filter(|(property, _)| {
            ty.relations.iter().any(|r| {
                &r.property == *property
                    && registry
                        .entity(&r.child)
                        .is_ok_and(|c| c.relations.is_empty())
            })
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (!usable.is_empty()).then_some(usable)
}

/// The stored rows of one array, as a sync reads them.
struct StoredArray<'m> {
    child_ty: &'m EntityType,
    /// The child's parent link of the array.
    link: usize,
    /// The array's pointer.
    at: String,
    /// The rows' cells, in array order.
    rows: Vec<Vec<Cell>>,
}

/// The children whose row at the same position of `stored` differs, with their positions.
fn changed_in_place<'c, 'm>(
    stored: &[Vec<Cell>],
    children: &'c [RowTree<'m>],
) -> Vec<(usize, &'c RowTree<'m>)> {
    stored
        .iter()
        .zip(children)
        .enumerate()
        .filter(|(_, (cells, child))| !row_matches(cells, child))
        .map(|(position, (_, child))| (position, child))
        .collect()
}

/// Whether a stored row holds the values about to be written.
fn row_matches(cells: &[Cell], child: &RowTree<'_>) -> bool {
    cells
        .iter()
        .zip(&child.values)
        .all(|(c, v)| cell_matches(c, v))
}

/// Whether a stored cell holds the value about to be written.
fn cell_matches(cell: &Cell, value: &SqlValue) -> bool {
    match (cell, value) {
        (Cell::Null, SqlValue::Null(_)) => true,
        (Cell::Text(a), SqlValue::Text(b)) => a.as_str() == &**b,
        (Cell::Integer(a), SqlValue::Integer(b)) => a == b,
        (Cell::Real(a), SqlValue::Real(b)) => a == b,
        (Cell::Integer(a), SqlValue::Real(b)) => (*a as f64) == *b,
        (Cell::Bool(a), SqlValue::Bool(b)) => a == b,
        (Cell::Integer(a), SqlValue::Bool(b)) => (*a != 0) == *b,
        _ => false,
    }
}

/// The binds of an `UPDATE` of a top-level row: its updatable `values`, then the pk.
fn update_binds<'v>(tree: &'v RowTree<'_>, values: &'v [SqlValue<'_>]) -> Vec<SqlValue<'v>> {
    let mut binds: Vec<SqlValue> = tree
        .ty
        .updatable_fields()
        .map(|(i, _)| values[i].borrowed())
        .collect();
    binds.push(tree.pk().borrowed());
    binds
}
