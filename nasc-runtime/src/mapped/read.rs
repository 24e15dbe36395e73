//! The read path of the mapped store: one query per relation and level, into
//! [`LoadedRow`]s; [`DieselStore::row_to_json`] is the JSON front end over them (the typed
//! one is generated: [`crate::Entity::from_row`]).

use super::write::relation_index;
use super::DieselStore;
use crate::aggregate::{
    cell_into_value, cell_to_value, object_from_cells, Cell, ChildKey, SqlValue, Target,
};
use crate::backend::MappedConnection;
use crate::rows::LoadedRow;
use crate::Error;
use nasc_model::error::pointer_join;
use nasc_model::{EntityType, ScalarType};
use serde_json::{Map, Value};
use std::collections::HashMap;

impl<C: MappedConnection> DieselStore<C> {
    /// The top-level row of aggregate type `ty` whose pk is `pk`, with every child row.
    pub(super) fn read_aggregate(
        &self,
        conn: &mut C,
        ty: &EntityType,
        pk: &SqlValue,
        target: Target<'_>,
    ) -> Result<Option<LoadedRow>, Error> {
        let rows = conn
            .rows(
                &self.statements_of(ty).top().select,
                std::slice::from_ref(pk),
            )
            .map_err(|e| target.database("loading", "", e))?;
        let Some(cells) = rows.into_iter().next() else {
            return Ok(None);
        };
        let mut row = LoadedRow::new(cells, ty.relations.len());
        if !ty.relations.is_empty() {
            let key = self.row_key_of(conn, ty, pk, "", target)?;
            self.read_children(conn, ty, &mut [(key, &mut row, String::new())], target)?;
        }
        Ok(Some(row))
    }

    /// Reads the arrays of `parents` (rows of `ty` already read, each with the key its
    /// children refer to it by, and its pointer), one level at a time: one query per
    /// relation and level, whatever the number of parents.
    pub(super) fn read_children(
        &self,
        conn: &mut C,
        ty: &EntityType,
        parents: &mut [(SqlValue, &mut LoadedRow, String)],
        target: Target<'_>,
    ) -> Result<(), Error> {
        if parents.is_empty() {
            return Ok(());
        }
        let statements = self.statements_of(ty);
        for (relation, select) in ty.relations.iter().zip(&statements.select_children_of_many) {
            let index = relation_index(ty, relation);
            let child_ty = self.registry.model().child(relation);
            let link = &child_ty.parents[statements.child_link[index]];
            let at = |parent: &str| pointer_join(parent, &relation.property);
            // A child with arrays of its own has its row selected last: the key its
            // children refer to it by.
            let deeper = !child_ty.relations.is_empty();
            let relations = child_ty.relations.len();
            // The rows of each parent's array, in the parents' order (with the keys of
            // their own children, for a deeper child).
            let mut loaded: Vec<Vec<LoadedRow>> = Vec::with_capacity(parents.len());
            let mut row_keys: Vec<Vec<SqlValue>> = Vec::new();
            let take = |rows: &mut dyn Iterator<Item = Vec<Cell>>, count: usize| {
                let mut array = Vec::with_capacity(count);
                let mut keys = Vec::with_capacity(if deeper { count } else { 0 });
                for mut cells in rows.take(count) {
                    if deeper {
                        let row = cells.pop().expect("the row is selected last");
                        keys.push(cell_into_value(row, ScalarType::Integer));
                    }
                    array.push(LoadedRow::new(cells, relations));
                }
                (array, keys)
            };
            if let [(key, _, pointer)] = &*parents {
                // One parent (the top level): the plain select, no grouping.
                let rows = conn
                    .rows(
                        &statements.select_children[index],
                        std::slice::from_ref(key),
                    )
                    .map_err(|e| target.database("loading", &at(pointer), e))?;
                let count = rows.len();
                let (array, keys) = take(&mut rows.into_iter(), count);
                loaded.push(array);
                row_keys.push(keys);
            } else {
                let slots: HashMap<ChildKey, usize> = parents
                    .iter()
                    .enumerate()
                    .map(|(i, (key, _, _))| (ChildKey::of(key), i))
                    .collect();
                loaded.resize_with(parents.len(), Vec::new);
                row_keys.resize_with(parents.len(), Vec::new);
                for chunk in parents.chunks(select.parents_per_statement()) {
                    let keys: Vec<SqlValue> =
                        chunk.iter().map(|(key, _, _)| key.borrowed()).collect();
                    // Rows come grouped by parent key, each moved into its parent's array as
                    // it is read: a group's slot is looked up once, and its array made the
                    // size of the group before it (siblings tend to hold alike arrays).
                    let mut group: Option<(Cell, usize)> = None;
                    let mut last_length = 0;
                    let mut stray = false;
                    conn.each_row(select.statement(keys.len()), &keys, &mut |mut cells| {
                        let fk = cells.pop().expect("the parent key is selected last");
                        let slot = match &group {
                            Some((key, slot)) if *key == fk => *slot,
                            _ => {
                                let key =
                                    ChildKey::from_value(cell_to_value(&fk, link.key_scalar()));
                                let Some(&slot) = slots.get(&key) else {
                                    stray = true;
                                    return;
                                };
                                if let Some((_, previous)) = &group {
                                    last_length = loaded[*previous].len();
                                }
                                loaded[slot].reserve(last_length);
                                group = Some((fk, slot));
                                slot
                            }
                        };
                        if deeper {
                            let row = cells.pop().expect("the row is selected last");
                            row_keys[slot].push(cell_into_value(row, ScalarType::Integer));
                        }
                        loaded[slot].push(LoadedRow::new(cells, relations));
                    })
                    .map_err(|e| target.database("loading", &at(&chunk[0].2), e))?;
                    if stray {
                        return Err(target
                            .corrupt(&at(&chunk[0].2), "a child row of another parent was read"));
                    }
                }
            }
            if deeper {
                let mut next: Vec<(SqlValue, String)> = Vec::new();
                for ((_, _, pointer), keys) in parents.iter().zip(row_keys) {
                    let at = at(pointer);
                    next.extend(
                        keys.into_iter()
                            .enumerate()
                            .map(|(i, key)| (key, pointer_join(&at, &i.to_string()))),
                    );
                }
                let mut children: Vec<(SqlValue, &mut LoadedRow, String)> = loaded
                    .iter_mut()
                    .flatten()
                    .zip(next)
                    .map(|(row, (key, pointer))| (key, row, pointer))
                    .collect();
                self.read_children(conn, child_ty, &mut children, target)?;
            }
            for ((_, parent, _), array) in parents.iter_mut().zip(loaded) {
                parent.children.push(array);
            }
        }
        Ok(())
    }

    /// The JSON document of `row`, a row of `ty` at `pointer`, and of its children.
    pub(super) fn row_to_json(
        &self,
        ty: &EntityType,
        row: LoadedRow,
        pointer: &str,
        target: Target<'_>,
    ) -> Result<Map<String, Value>, Error> {
        let (cells, children) = row.into_parts();
        let mut object = object_from_cells(ty, cells, pointer, target)?;
        for (relation, rows) in ty.relations.iter().zip(children) {
            let child_ty = self.registry.model().child(relation);
            let at = pointer_join(pointer, &relation.property);
            let items = rows
                .into_iter()
                .enumerate()
                .map(|(i, row)| {
                    self.row_to_json(child_ty, row, &pointer_join(&at, &i.to_string()), target)
                        .map(Value::Object)
                })
                .collect::<Result<Vec<Value>, Error>>()?;
            object.insert(relation.property.clone(), Value::Array(items));
        }
        Ok(object)
    }
}
