//! The read path of the mapped store: one query per relation and level.

use super::write::relation_index;
use super::DieselStore;
use crate::aggregate::{cell_to_value, object_from_cells, Cell, ChildKey, SqlValue, Target};
use crate::backend::MappedConnection;
use crate::Error;
use nasc_model::error::pointer_join;
use nasc_model::{EntityType, ScalarType};
use serde_json::{Map, Value};
use std::collections::HashMap;

impl<C: MappedConnection> DieselStore<C> {
    /// Rebuilds the children arrays of `parents` (rows of `ty` already read, each with the
    /// key its children refer to it by), one level at a time: one query per relation and
    /// level, whatever the number of parents.
    pub(super) fn read_children(
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
            let link = &child_ty.parents[statements.child_link[relation_index(ty, relation)]];
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
                    .rows(select.statement(keys.len()), &keys)
                    .map_err(|e| target.database("loading", &at(&chunk[0].2), e))?;
                for mut cells in rows {
                    let fk = cells.pop().expect("the foreign key is selected last");
                    let parent = ChildKey::of(&cell_to_value(&fk, link.key_scalar()));
                    by_parent.entry(parent).or_default().push(cells);
                }
            }
            // A child's key (its row, selected last) and pointer are only needed to read its
            // own children.
            let deeper = !child_ty.relations.is_empty();
            let mut children: Vec<(usize, Map<String, Value>, String, SqlValue)> = Vec::new();
            for (index, (pk, _, pointer)) in parents.iter().enumerate() {
                let rows = by_parent.remove(&ChildKey::of(pk)).unwrap_or_default();
                let array_at = at(pointer);
                for (i, mut cells) in rows.into_iter().enumerate() {
                    let item_at = pointer_join(&array_at, &i.to_string());
                    let child_key = if deeper {
                        let row = cells.pop().expect("the row is selected last");
                        cell_to_value(&row, ScalarType::Integer)
                    } else {
                        SqlValue::Null(ScalarType::Integer)
                    };
                    let child = object_from_cells(child_ty, cells, &item_at, target)?;
                    children.push((index, child, item_at, child_key));
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
