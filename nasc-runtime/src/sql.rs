//! The SQL statements of every mapped type, rendered once per store from the model.

use nasc_model::ddl::top_level_condition;
use nasc_model::naming::POSITION_COLUMN;
use nasc_model::{Dialect, EntityType, Model, RowKey};
use std::collections::HashMap;

/// SQL text split at its bind parameters: values go between the pieces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sql {
    pub pieces: Vec<String>,
}

impl Sql {
    /// Splits `text` at each `?` (identifiers are validated, so `?` only marks binds).
    pub fn new(text: &str) -> Self {
        Sql {
            pieces: text.split('?').map(str::to_owned).collect(),
        }
    }

    /// Number of bind parameters.
    pub fn binds(&self) -> usize {
        self.pieces.len() - 1
    }
}

/// Statements of one type.
#[derive(Debug, Clone)]
pub(crate) struct TypeStatements {
    /// Upsert of a top-level row; binds: the fields.
    pub upsert: Sql,
    /// The upsert affects no row when the id is held by a child row (types with children).
    pub upsert_guarded: bool,
    /// Insert as a child, per parent link; binds: the fields, the foreign key, the position.
    pub insert_as_child: Vec<Sql>,
    /// The top-level row by pk; selects the fields.
    pub select: Sql,
    /// Deletes the top-level row by pk (children go by cascade).
    pub delete: Sql,
    /// Per relation: the children of one parent in order; binds the parent pk.
    pub select_children: Vec<Sql>,
    /// Per relation: deletes the children of one parent; binds the parent pk.
    pub delete_children: Vec<Sql>,
    /// Per relation: index of the child's parent link for this relation.
    pub child_link: Vec<usize>,
}

/// Renders the statements of every type of `model`.
pub(crate) fn statements(model: &Model, dialect: Dialect) -> HashMap<String, TypeStatements> {
    model
        .types
        .iter()
        .map(|ty| (ty.name.clone(), type_statements(model, ty, dialect)))
        .collect()
}

fn field_list(ty: &EntityType, dialect: Dialect) -> Vec<String> {
    ty.fields.iter().map(|f| dialect.quote(&f.column)).collect()
}

fn type_statements(model: &Model, ty: &EntityType, dialect: Dialect) -> TypeStatements {
    let q = |name: &str| dialect.quote(name);
    let table = q(&ty.table);
    let pk = q(&ty.pk().column);
    let columns = field_list(ty, dialect);
    let marks = vec!["?"; columns.len()].join(", ");
    let top_level = top_level_condition(ty, dialect);

    let mut updates: Vec<String> = ty
        .fields
        .iter()
        .filter(|f| f.column != ty.pk().column)
        .map(|f| format!("{0} = excluded.{0}", q(&f.column)))
        .collect();
    if updates.is_empty() {
        updates.push(format!("{pk} = excluded.{pk}"));
    }
    let insert = format!(
        "INSERT INTO {table} ({}) VALUES ({marks})",
        columns.join(", ")
    );
    let (upsert, upsert_guarded) = match ty.row_key() {
        RowKey::Surrogate => (
            format!(
                "{insert} ON CONFLICT ({pk}) WHERE {top_level} DO UPDATE SET {}",
                updates.join(", ")
            ),
            false,
        ),
        RowKey::Pk if ty.parents.is_empty() => (
            format!(
                "{insert} ON CONFLICT ({pk}) DO UPDATE SET {}",
                updates.join(", ")
            ),
            false,
        ),
        RowKey::Pk => {
            let guard: Vec<String> = ty
                .parents
                .iter()
                .map(|l| format!("{table}.{} IS NULL", q(&l.fk_column)))
                .collect();
            (
                format!(
                    "{insert} ON CONFLICT ({pk}) DO UPDATE SET {} WHERE {}",
                    updates.join(", "),
                    guard.join(" AND ")
                ),
                true,
            )
        }
    };

    let insert_as_child = ty
        .parents
        .iter()
        .map(|link| {
            Sql::new(&format!(
                "INSERT INTO {table} ({}, {}, {}) VALUES ({marks}, ?, ?)",
                columns.join(", "),
                q(&link.fk_column),
                q(POSITION_COLUMN)
            ))
        })
        .collect();

    let mut select_children = Vec::new();
    let mut delete_children = Vec::new();
    let mut child_link = Vec::new();
    for relation in &ty.relations {
        let child = model
            .get(&relation.child)
            .expect("relations link mapped types");
        let child_table = q(&child.table);
        let fk = q(&relation.fk_column);
        select_children.push(Sql::new(&format!(
            "SELECT {} FROM {child_table} WHERE {fk} = ? ORDER BY {}",
            field_list(child, dialect).join(", "),
            q(POSITION_COLUMN)
        )));
        delete_children.push(Sql::new(&format!(
            "DELETE FROM {child_table} WHERE {fk} = ?"
        )));
        child_link.push(
            child
                .parents
                .iter()
                .position(|l| l.parent == ty.name && l.property == relation.property)
                .expect("every relation has its parent link"),
        );
    }

    TypeStatements {
        upsert: Sql::new(&upsert),
        upsert_guarded,
        insert_as_child,
        select: Sql::new(&format!(
            "SELECT {} FROM {table} WHERE {pk} = ? AND {top_level}",
            columns.join(", ")
        )),
        delete: Sql::new(&format!(
            "DELETE FROM {table} WHERE {pk} = ? AND {top_level}"
        )),
        select_children,
        delete_children,
        child_link,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_statements() {
        let model = crate::Registry::from_files(
            concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/app.schema.json"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/app.mapping.json"),
        )
        .unwrap()
        .model()
        .clone();
        let all = statements(&model, Dialect::Sqlite);
        let todo = &all["Todo"];
        assert_eq!(
            todo.upsert.pieces.join("?"),
            "INSERT INTO \"todos\" (\"id\", \"title\", \"completed\") VALUES (?, ?, ?) ON CONFLICT (\"id\") WHERE \"todo_list_id\" IS NULL DO UPDATE SET \"title\" = excluded.\"title\", \"completed\" = excluded.\"completed\""
        );
        assert_eq!(todo.insert_as_child[0].binds(), 5);
        let list = &all["TodoList"];
        assert_eq!(
            list.select_children[0].pieces.join("?"),
            "SELECT \"id\", \"title\", \"completed\" FROM \"todos\" WHERE \"todo_list_id\" = ? ORDER BY \"nasc_position\""
        );
        assert_eq!(list.upsert.pieces.join("?"), "INSERT INTO \"todo_lists\" (\"id\") VALUES (?) ON CONFLICT (\"id\") DO UPDATE SET \"id\" = excluded.\"id\"");
    }
}
