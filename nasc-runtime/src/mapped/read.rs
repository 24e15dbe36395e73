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
    /// The top-level row of aggregate type `ty` whose pk is `pk`, with every child row,
    /// its binary values in place.
    pub(super) fn read_aggregate(
        &self,
        conn: &mut C,
        ty: &EntityType,
        pk: &SqlValue,
        target: Target<'_>,
    ) -> Result<Option<LoadedRow>, Error> {
        self.opened(
            conn,
            ty,
            target,
            |conn| self.read_stored(conn, ty, pk, target),
            |row| row.iter_mut().collect(),
        )
    }

    /// [`Self::read_aggregate`], its cells as stored (the binary values of sharing types
    /// tagged, see [`crate::shared`]).
    pub(super) fn read_stored(
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
            let deeper = !child_ty.relations.is_empty();
            let mut arrays = Arrays::new(parents.len(), child_ty);
            if let [(key, _, pointer)] = &*parents {
                // One parent (the top level): the plain select, no grouping.
                conn.each_row(
                    &statements.select_children[index],
                    std::slice::from_ref(key),
                    &mut |cells| arrays.push(0, cells),
                )
                .map_err(|e| target.database("loading", &at(pointer), e))?;
            } else {
                let slots: HashMap<ChildKey, usize> = parents
                    .iter()
                    .enumerate()
                    .map(|(i, (key, _, _))| (ChildKey::of(key), i))
                    .collect();
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
                                    last_length = arrays.rows[*previous].len();
                                }
                                arrays.rows[slot].reserve(last_length);
                                group = Some((fk, slot));
                                slot
                            }
                        };
                        arrays.push(slot, cells);
                    })
                    .map_err(|e| target.database("loading", &at(&chunk[0].2), e))?;
                    if stray {
                        return Err(target
                            .corrupt(&at(&chunk[0].2), "a child row of another parent was read"));
                    }
                }
            }
            let Arrays {
                rows: mut loaded,
                keys: row_keys,
                ..
            } = arrays;
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

/// The rows read of one array of each parent, in the parents' order, and for a child with
/// arrays of its own the `nasc_row` of each (selected last: the key its children refer to
/// it by).
struct Arrays {
    rows: Vec<Vec<LoadedRow>>,
    keys: Vec<Vec<SqlValue<'static>>>,
    deeper: bool,
    relations: usize,
}

impl Arrays {
    fn new(parents: usize, child: &EntityType) -> Arrays {
        let deeper = !child.relations.is_empty();
        Arrays {
            rows: (0..parents).map(|_| Vec::new()).collect(),
            keys: (0..if deeper { parents } else { 0 })
                .map(|_| Vec::new())
                .collect(),
            deeper,
            relations: child.relations.len(),
        }
    }

    /// Appends the row of `cells` to the array of parent `slot`.
    fn push(&mut self, slot: usize, mut cells: Vec<Cell>) {
        if self.deeper {
            let row = cells.pop().expect("the row is selected last");
            self.keys[slot].push(cell_into_value(row, ScalarType::Integer));
        }
        self.rows[slot].push(LoadedRow::new(cells, self.relations));
    }
}
