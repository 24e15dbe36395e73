//! Rendering the model as SQL tables and indexes.

use crate::model::{EntityType, Model, RowKey, ScalarType};
use crate::naming::{POSITION_COLUMN, ROW_COLUMN};

/// A SQL dialect nasc renders for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// SQLite 3.37 or later (tables are `STRICT`).
    Sqlite,
}

impl Dialect {
    /// `name` quoted as an identifier, inner quotes doubled.
    pub fn quote(self, name: &str) -> String {
        match self {
            Dialect::Sqlite => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// The column type storing `scalar`.
    pub fn column_type(self, scalar: ScalarType) -> &'static str {
        match (self, scalar) {
            (Dialect::Sqlite, ScalarType::String) => "TEXT",
            (Dialect::Sqlite, ScalarType::Integer | ScalarType::Boolean) => "INTEGER",
            (Dialect::Sqlite, ScalarType::Number) => "REAL",
        }
    }
}

/// `CREATE TABLE` and `CREATE INDEX` statements for every type, parents first. Every
/// statement is idempotent (`IF NOT EXISTS`).
pub fn create_statements(model: &Model, dialect: Dialect) -> Vec<String> {
    let mut statements = Vec::new();
    for ty in model.parents_first() {
        statements.push(create_table(ty, dialect));
        statements.extend(create_indexes(ty, dialect));
    }
    statements
}

/// The `CREATE TABLE` statement of one type.
pub fn create_table(ty: &EntityType, dialect: Dialect) -> String {
    let q = |name: &str| dialect.quote(name);
    let mut lines = Vec::new();
    if ty.row_key() == RowKey::Surrogate {
        lines.push(format!("{} INTEGER PRIMARY KEY", q(ROW_COLUMN)));
    }
    for field in &ty.fields {
        let mut line = format!("{} {}", q(&field.column), dialect.column_type(field.scalar));
        if !field.nullable() {
            line.push_str(" NOT NULL");
        }
        if field.scalar == ScalarType::Boolean {
            line.push_str(&format!(" CHECK ({} IN (0, 1))", q(&field.column)));
        }
        lines.push(line);
    }
    for link in &ty.parents {
        lines.push(format!(
            "{} {} REFERENCES {} ({}) ON DELETE CASCADE",
            q(&link.fk_column),
            dialect.column_type(link.fk_scalar),
            q(&link.parent_table),
            q(&link.parent_pk_column)
        ));
    }
    if !ty.parents.is_empty() {
        lines.push(format!("{} INTEGER", q(POSITION_COLUMN)));
        // A row belongs to at most one parent.
        if ty.parents.len() > 1 {
            let set: Vec<String> = ty
                .parents
                .iter()
                .map(|l| format!("({} IS NOT NULL)", q(&l.fk_column)))
                .collect();
            lines.push(format!("CHECK ({} <= 1)", set.join(" + ")));
        }
    }
    if ty.row_key() == RowKey::Pk {
        lines.push(format!("PRIMARY KEY ({})", q(&ty.pk().column)));
    }
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\n  {}\n) STRICT",
        q(&ty.table),
        lines.join(",\n  ")
    )
}

/// Indexes of one type: each foreign key (with the position, for ordered loads), and for
/// surrogate-keyed tables the uniqueness of top-level ids and of ids under one parent.
pub fn create_indexes(ty: &EntityType, dialect: Dialect) -> Vec<String> {
    let q = |name: &str| dialect.quote(name);
    let pk = &ty.pk().column;
    let mut statements = Vec::new();
    for link in &ty.parents {
        statements.push(format!(
            "CREATE INDEX IF NOT EXISTS {} ON {} ({}, {})",
            q(&format!("{}_{}_position", ty.table, link.fk_column)),
            q(&ty.table),
            q(&link.fk_column),
            q(POSITION_COLUMN)
        ));
        if ty.row_key() == RowKey::Surrogate {
            statements.push(format!(
                "CREATE UNIQUE INDEX IF NOT EXISTS {} ON {} ({}, {})",
                q(&format!("{}_{}_{}", ty.table, link.fk_column, pk)),
                q(&ty.table),
                q(&link.fk_column),
                q(pk)
            ));
        }
    }
    if ty.row_key() == RowKey::Surrogate {
        statements.push(format!(
            "CREATE UNIQUE INDEX IF NOT EXISTS {} ON {} ({}) WHERE {}",
            q(&format!("{}_top_level_{}", ty.table, pk)),
            q(&ty.table),
            q(pk),
            top_level_condition(ty, dialect)
        ));
    }
    statements
}

/// SQL condition true for the rows of a type stored as top-level aggregates (every
/// foreign key NULL); `1 = 1` for types that are never children.
pub fn top_level_condition(ty: &EntityType, dialect: Dialect) -> String {
    if ty.parents.is_empty() {
        return "1 = 1".into();
    }
    ty.parents
        .iter()
        .map(|l| format!("{} IS NULL", dialect.quote(&l.fk_column)))
        .collect::<Vec<_>>()
        .join(" AND ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_ddl_is_quoted_and_declares_the_foreign_key() {
        let model = crate::test_support::demo_model();
        let ddl = create_statements(&model, Dialect::Sqlite).join(";\n");
        assert!(ddl.contains("CREATE TABLE IF NOT EXISTS \"todo_lists\" (\n  \"id\" TEXT NOT NULL,\n  PRIMARY KEY (\"id\")\n) STRICT"), "{ddl}");
        assert!(
            ddl.contains(
                "\"todo_list_id\" TEXT REFERENCES \"todo_lists\" (\"id\") ON DELETE CASCADE"
            ),
            "{ddl}"
        );
        assert!(
            ddl.contains("\"completed\" INTEGER NOT NULL CHECK (\"completed\" IN (0, 1))"),
            "{ddl}"
        );
        assert!(ddl.contains("CREATE INDEX IF NOT EXISTS \"todos_todo_list_id_position\" ON \"todos\" (\"todo_list_id\", \"nasc_position\")"), "{ddl}");
        assert!(
            ddl.contains("ON \"todos\" (\"id\") WHERE \"todo_list_id\" IS NULL"),
            "{ddl}"
        );
        assert!(
            ddl.find("\"todo_lists\" (").unwrap()
                < ddl.find("TABLE IF NOT EXISTS \"todos\"").unwrap()
        );
    }

    #[test]
    fn quotes_are_doubled() {
        assert_eq!(Dialect::Sqlite.quote("a\"b"), "\"a\"\"b\"");
    }
}
