//! Rendering the model as SQL tables and indexes, per dialect.

use crate::model::{EntityType, Generated, Model, RowKey, ScalarType};
use crate::naming::{
    CREATED_COLUMN, EXPIRES_COLUMN, MAX_IDENTIFIER_BYTES, POSITION_COLUMN, ROW_COLUMN,
    TOP_LEVEL_COLUMN,
};

/// Length of `VARCHAR` key columns (string primary and foreign keys) on MySQL, which cannot
/// index unbounded `TEXT`. 255 `utf8mb4` characters take 1,020 bytes, so a two-column key
/// stays under InnoDB's 3,072-byte limit.
pub const MYSQL_KEY_LENGTH: usize = 255;

/// The type of string key columns on MySQL: bytes, compared byte for byte. A character
/// column would compare with its collation, and MariaDB's and MySQL's binary collations
/// pad with spaces, so that `"pad"` and `"pad "` would be one key. 1,020 bytes hold
/// [`MYSQL_KEY_LENGTH`] characters of up to four bytes.
pub const MYSQL_KEY_TYPE: &str = "VARBINARY(1020)";

/// A SQL dialect nasc renders for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Dialect {
    /// SQLite 3.37 or later (tables are `STRICT`).
    Sqlite,
    /// PostgreSQL 10 or later.
    Postgres,
    /// MySQL 8 or MariaDB 10.5 or later, InnoDB.
    Mysql,
}

impl Dialect {
    /// Every dialect.
    pub const ALL: [Dialect; 3] = [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql];

    /// `name` quoted as an identifier, inner quotes doubled.
    pub fn quote(self, name: &str) -> String {
        match self {
            Dialect::Sqlite | Dialect::Postgres => format!("\"{}\"", name.replace('"', "\"\"")),
            Dialect::Mysql => format!("`{}`", name.replace('`', "``")),
        }
    }

    /// The column type storing `scalar`; `key` marks primary and foreign key columns
    /// (bounded on MySQL so that they can be indexed).
    pub fn column_type(self, scalar: ScalarType, key: bool) -> String {
        match (self, scalar) {
            (Dialect::Sqlite, ScalarType::String) => "TEXT".into(),
            (Dialect::Sqlite, ScalarType::Integer | ScalarType::Boolean) => "INTEGER".into(),
            (Dialect::Sqlite, ScalarType::Number) => "REAL".into(),
            (Dialect::Postgres, ScalarType::String) => "TEXT".into(),
            (Dialect::Postgres, ScalarType::Integer) => "BIGINT".into(),
            (Dialect::Postgres, ScalarType::Number) => "DOUBLE PRECISION".into(),
            (Dialect::Postgres, ScalarType::Boolean) => "BOOLEAN".into(),
            (Dialect::Mysql, ScalarType::String) if key => MYSQL_KEY_TYPE.into(),
            (Dialect::Mysql, ScalarType::String) => "LONGTEXT".into(),
            (Dialect::Mysql, ScalarType::Integer) => "BIGINT".into(),
            (Dialect::Mysql, ScalarType::Number) => "DOUBLE".into(),
            (Dialect::Mysql, ScalarType::Boolean) => "BOOLEAN".into(),
            (Dialect::Sqlite, ScalarType::DateTime) => "TEXT".into(),
            (Dialect::Postgres, ScalarType::DateTime) => "TIMESTAMPTZ".into(),
            (Dialect::Mysql, ScalarType::DateTime) => "DATETIME(6)".into(),
            (Dialect::Sqlite, ScalarType::Json) => "TEXT".into(),
            (Dialect::Postgres, ScalarType::Json) => "JSONB".into(),
            (Dialect::Mysql, ScalarType::Json) => "JSON".into(),
            (Dialect::Sqlite, ScalarType::Bytes) => "BLOB".into(),
            (Dialect::Postgres, ScalarType::Bytes) => "BYTEA".into(),
            (Dialect::Mysql, ScalarType::Bytes) => "LONGBLOB".into(),
        }
    }

    /// `text` as a SQL string literal (quotes doubled; backslashes too on MySQL, where
    /// they escape).
    pub fn string_literal(self, text: &str) -> String {
        let mut escaped = text.replace('\'', "''");
        if self == Dialect::Mysql {
            escaped = escaped.replace('\\', "\\\\");
        }
        format!("'{escaped}'")
    }

    /// A column `DEFAULT` for a scalar `value` (JSON documents get none: the backends differ
    /// too much in what they accept).
    pub fn default_literal(self, scalar: ScalarType, value: &serde_json::Value) -> Option<String> {
        use serde_json::Value;
        Some(match (scalar, value) {
            (_, Value::Null) => "NULL".into(),
            // MySQL takes defaults of `TEXT` columns only as expressions.
            (ScalarType::String, Value::String(s)) if self == Dialect::Mysql => {
                format!("({})", self.string_literal(s))
            }
            (ScalarType::String, Value::String(s)) => self.string_literal(s),
            (ScalarType::DateTime, Value::String(s)) => {
                let stored = crate::datetime::to_stored(s).ok()?;
                match self {
                    Dialect::Mysql => self.string_literal(&crate::datetime::mysql_literal(&stored)),
                    _ => self.string_literal(&stored),
                }
            }
            (ScalarType::Integer | ScalarType::Number, Value::Number(n)) => n.to_string(),
            (ScalarType::Boolean, Value::Bool(b)) if self == Dialect::Sqlite => {
                (if *b { "1" } else { "0" }).into()
            }
            (ScalarType::Boolean, Value::Bool(b)) => (if *b { "TRUE" } else { "FALSE" }).into(),
            _ => return None,
        })
    }

    /// The declaration of the surrogate `nasc_row` key.
    fn surrogate_key(self) -> &'static str {
        match self {
            Dialect::Sqlite => "INTEGER PRIMARY KEY",
            Dialect::Postgres => "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            Dialect::Mysql => "BIGINT AUTO_INCREMENT PRIMARY KEY",
        }
    }

    /// What follows the nullability of an `increment` pk: the database makes its values,
    /// never using one twice (SQLite's `AUTOINCREMENT`, unlike a plain rowid, does not
    /// reuse the key of a deleted row).
    fn increment(self) -> &'static str {
        match self {
            Dialect::Sqlite => " PRIMARY KEY AUTOINCREMENT",
            Dialect::Postgres => " GENERATED BY DEFAULT AS IDENTITY",
            Dialect::Mysql => " AUTO_INCREMENT",
        }
    }

    /// Whether top-level rows of surrogate-keyed tables are marked by the
    /// `nasc_top_level` column (MySQL has no partial indexes) rather than a partial index.
    pub fn marks_top_level(self) -> bool {
        self == Dialect::Mysql
    }
}

/// One index of a table.
struct Index {
    name: String,
    columns: Vec<String>,
    unique: bool,
    /// Partial index condition (SQLite, PostgreSQL).
    predicate: Option<String>,
}

/// `CREATE TABLE` and `CREATE INDEX` statements for every type, parents first. Every
/// statement is idempotent (`IF NOT EXISTS`).
pub fn create_statements(model: &Model, dialect: Dialect) -> Vec<String> {
    let mut statements = Vec::new();
    for ty in model.parents_first() {
        statements.push(create_table(ty, dialect));
        statements.extend(
            index_statements(ty, dialect)
                .into_iter()
                .map(|(_, sql)| sql),
        );
    }
    statements
}

/// The parts of one type's table: each column's definition, the table-level constraints
/// and the statement's suffix.
pub struct TableParts {
    /// `(column name, definition after the name)`, in order.
    pub columns: Vec<(String, String)>,
    /// Table-level constraint lines (`PRIMARY KEY`, `CHECK`; on MySQL also `FOREIGN KEY`).
    pub constraints: Vec<String>,
    /// What follows the closing parenthesis (`STRICT`, MySQL's engine and collation).
    pub suffix: &'static str,
}

/// The parts of `ty`'s table in `dialect`.
pub fn table_parts(ty: &EntityType, dialect: Dialect) -> TableParts {
    let q = |name: &str| dialect.quote(name);
    let mut columns = Vec::new();
    let mut constraints = Vec::new();
    if ty.row_key() == RowKey::Surrogate {
        columns.push((ROW_COLUMN.to_owned(), dialect.surrogate_key().to_owned()));
    }
    for field in &ty.fields {
        let key = ty.pk().is_some_and(|pk| pk.property == field.property);
        let mut definition = dialect.column_type(field.scalar, key);
        definition.push_str(if field.nullable() {
            " NULL"
        } else {
            " NOT NULL"
        });
        if key && ty.generated == Some(Generated::Increment) {
            definition.push_str(dialect.increment());
        }
        if let Some(default) = field
            .default
            .as_ref()
            .and_then(|d| dialect.default_literal(field.scalar, d))
        {
            definition.push_str(&format!(" DEFAULT {default}"));
        }
        // One CHECK per column (MariaDB takes no more), its conditions joined.
        let shared = ty.shared_columns().any(|(_, f)| f.column == field.column);
        let checks = column_checks(field, dialect, shared);
        if !checks.is_empty() {
            // PostgreSQL's is named, so that a migration can replace it.
            if dialect == Dialect::Postgres {
                let name = check_name(&ty.table, &field.column);
                definition.push_str(&format!(" CONSTRAINT {}", q(&name)));
            }
            definition.push_str(&format!(" CHECK ({})", checks.join(" AND ")));
        }
        columns.push((field.column.clone(), definition));
    }
    for link in &ty.parents {
        let mut definition = format!("{} NULL", dialect.column_type(link.fk_scalar, true));
        if let Some(row_column) = &link.parent_row_column {
            // The parent is a child itself: its row is named by `(nasc_row, pk)`.
            columns.push((link.fk_column.clone(), definition));
            columns.push((
                row_column.clone(),
                format!("{} NULL", dialect.column_type(ScalarType::Integer, false)),
            ));
            let name = match dialect {
                Dialect::Mysql => format!(
                    "CONSTRAINT {} ",
                    q(&foreign_key_name(&ty.table, row_column))
                ),
                _ => String::new(),
            };
            constraints.push(format!(
                "{name}FOREIGN KEY ({}, {}) REFERENCES {} ({}, {}) ON DELETE CASCADE",
                q(row_column),
                q(&link.fk_column),
                q(&link.parent_table),
                q(ROW_COLUMN),
                q(&link.parent_pk_column)
            ));
            continue;
        }
        if dialect == Dialect::Mysql {
            // Named, so that a migration can drop it.
            constraints.push(format!(
                "CONSTRAINT {} FOREIGN KEY ({}) {}",
                q(&foreign_key_name(&ty.table, &link.fk_column)),
                q(&link.fk_column),
                references(link, dialect)
            ));
        } else {
            definition.push_str(&format!(" {}", references(link, dialect)));
        }
        columns.push((link.fk_column.clone(), definition));
    }
    if !ty.parents.is_empty() {
        columns.push((
            POSITION_COLUMN.to_owned(),
            format!("{} NULL", dialect.column_type(ScalarType::Integer, false)),
        ));
        if ty.is_aggregate() && dialect.marks_top_level() {
            columns.push((TOP_LEVEL_COLUMN.to_owned(), "BOOLEAN NULL".to_owned()));
        }
        // A row belongs to at most one parent.
        if ty.parents.len() > 1 {
            let set: Vec<String> = ty
                .parents
                .iter()
                .map(|l| format!("(CASE WHEN {} IS NULL THEN 0 ELSE 1 END)", q(&l.fk_column)))
                .collect();
            constraints.push(format!("CHECK ({} <= 1)", set.join(" + ")));
        }
    }
    let time = dialect.column_type(ScalarType::Integer, false);
    if ty.expiry.ttl_ms.is_some() {
        columns.push((EXPIRES_COLUMN.to_owned(), format!("{time} NULL")));
    }
    if ty.expiry.max_size.is_some() {
        columns.push((CREATED_COLUMN.to_owned(), format!("{time} NULL")));
    }
    match (ty.row_key(), ty.pk()) {
        // SQLite declares an `AUTOINCREMENT` key on its column.
        (RowKey::Pk, Some(_))
            if dialect == Dialect::Sqlite && ty.generated == Some(Generated::Increment) => {}
        (RowKey::Pk, Some(pk)) => constraints.push(format!("PRIMARY KEY ({})", q(&pk.column))),
        // What the foreign keys of its children reference.
        (RowKey::Surrogate, Some(pk)) if !ty.relations.is_empty() => {
            constraints.push(format!("UNIQUE ({}, {})", q(ROW_COLUMN), q(&pk.column)))
        }
        _ => {}
    }
    let suffix = match dialect {
        Dialect::Sqlite => " STRICT",
        Dialect::Postgres => "",
        Dialect::Mysql => {
            for index in indexes(ty, dialect) {
                let columns: Vec<String> = index.columns.iter().map(|c| q(c)).collect();
                let kind = if index.unique { "UNIQUE KEY" } else { "KEY" };
                constraints.push(format!(
                    "{kind} {} ({})",
                    q(&index.name),
                    columns.join(", ")
                ));
            }
            // Binary collation: ids and texts compare exactly, as on the other backends.
            " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
        }
    };
    TableParts {
        columns,
        constraints,
        suffix,
    }
}

/// The `CREATE TABLE` statement of one type (on MySQL with its indexes inline).
pub fn create_table(ty: &EntityType, dialect: Dialect) -> String {
    render_create_table(&ty.table, &table_parts(ty, dialect), dialect)
}

/// `CREATE TABLE IF NOT EXISTS` of `table` from its parts.
pub fn render_create_table(table: &str, parts: &TableParts, dialect: Dialect) -> String {
    let lines: Vec<String> = parts
        .columns
        .iter()
        .map(|(name, definition)| format!("{} {definition}", dialect.quote(name)))
        .chain(parts.constraints.iter().cloned())
        .collect();
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\n  {}\n){}",
        dialect.quote(table),
        lines.join(",\n  "),
        parts.suffix
    )
}

/// The `CREATE INDEX` statements of one type (none on MySQL, where they are inline).
pub fn index_statements(ty: &EntityType, dialect: Dialect) -> Vec<(String, String)> {
    if dialect == Dialect::Mysql {
        return Vec::new();
    }
    indexes(ty, dialect)
        .iter()
        .map(|index| (index.name.clone(), create_index(ty, index, dialect)))
        .collect()
}

/// The conditions a column's values must meet: SQLite's booleans and JSON text, enums, and
/// the validation keywords SQL can express (string lengths, numeric bounds; `pattern`,
/// `format` and `multipleOf` are checked by nasc only).
fn column_checks(field: &crate::model::Field, dialect: Dialect, shared: bool) -> Vec<String> {
    let column = dialect.quote(&field.column);
    let mut checks = Vec::new();
    if shared {
        checks.push(tagged_check(&column, dialect));
    }
    if field.scalar == ScalarType::Boolean && dialect == Dialect::Sqlite {
        checks.push(format!("{column} IN (0, 1)"));
    }
    if field.scalar == ScalarType::Json && dialect == Dialect::Sqlite {
        checks.push(format!("json_valid({column})"));
    }
    if let Some(values) = field.enum_values() {
        let values: Vec<String> = values.iter().map(|v| dialect.string_literal(v)).collect();
        checks.push(format!("{column} IN ({})", values.join(", ")));
    }
    let Some(constraints) = field.shape.constraints() else {
        return checks;
    };
    match field.scalar {
        ScalarType::String => {
            let length = match dialect {
                Dialect::Sqlite => format!("length({column})"),
                Dialect::Postgres | Dialect::Mysql => format!("char_length({column})"),
            };
            if let Some(min) = constraints.min_length {
                checks.push(format!("{length} >= {min}"));
            }
            if let Some(max) = constraints.max_length {
                checks.push(format!("{length} <= {max}"));
            }
        }
        ScalarType::Integer | ScalarType::Number => {
            let bounds = [
                (">=", constraints.minimum),
                ("<=", constraints.maximum),
                (">", constraints.exclusive_minimum),
                ("<", constraints.exclusive_maximum),
            ];
            for (operator, bound) in bounds {
                if let Some(bound) = bound.filter(|b| b.is_finite()) {
                    checks.push(format!("{column} {operator} {bound:?}"));
                }
            }
        }
        ScalarType::Boolean | ScalarType::Json | ScalarType::DateTime | ScalarType::Bytes => {}
    }
    checks
}

/// The tables of the values stored once, by hash (`shareBinaryOver`), their names after
/// `prefix` (a namespace's, on SQLite and MySQL): the values with their counts of holders,
/// and the holders (one row per aggregate and value). Idempotent.
pub fn shared_values_tables(prefix: &str, dialect: Dialect) -> Vec<String> {
    use crate::naming::{
        SHARED_BYTES_COLUMN, SHARED_HASH_COLUMN, SHARED_HOLDERS_TABLE, SHARED_REFS_COLUMN,
        SHARED_VALUES_TABLE,
    };
    let q = |name: &str| dialect.quote(name);
    let (hash, bytes, name, id) = match dialect {
        Dialect::Sqlite => ("BLOB", "BLOB", "TEXT", "TEXT"),
        Dialect::Postgres => ("BYTEA", "BYTEA", "TEXT", "TEXT"),
        // (Binary keys: MySQL's collations would make ids differing in case or trailing
        // spaces one key.)
        Dialect::Mysql => (
            "BINARY(32)",
            "LONGBLOB",
            "VARBINARY(255)",
            "VARBINARY(1020)",
        ),
    };
    vec![
        format!(
            "CREATE TABLE IF NOT EXISTS {} ({} {hash} NOT NULL PRIMARY KEY, {} {bytes} NOT NULL, {} BIGINT NOT NULL)",
            q(&format!("{prefix}{SHARED_VALUES_TABLE}")),
            q(SHARED_HASH_COLUMN),
            q(SHARED_BYTES_COLUMN),
            q(SHARED_REFS_COLUMN),
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {} ({} {name} NOT NULL, {} {id} NOT NULL, {} {hash} NOT NULL, PRIMARY KEY ({}, {}, {}))",
            q(&format!("{prefix}{SHARED_HOLDERS_TABLE}")),
            q("type"),
            q("id"),
            q(SHARED_HASH_COLUMN),
            q("type"),
            q("id"),
            q(SHARED_HASH_COLUMN),
        ),
    ]
}

/// The condition a binary column of a type that shares large values keeps: each value a
/// tag and what follows it, the value itself (`0`) or its 32-byte SHA-256 (`1`). It keeps
/// writers that do not know the tags out, and marks the column in the catalog, so that a
/// binary that does not know them stops before it reads a tag as part of a value.
fn tagged_check(column: &str, dialect: Dialect) -> String {
    let TagSql {
        first,
        length,
        zero,
        one,
        ..
    } = TagSql::of(column, dialect);
    // (SQLite's `substr` of an empty blob is NULL, which a check lets by: the length
    // first.)
    format!("({length} >= 1 AND ({first} = {zero} OR ({first} = {one} AND {length} = 33)))")
}

/// The SQL of a tagged binary column (quoted as `column`) in a dialect: its tag byte, the
/// bytes after it, its length, and the two tags as one-byte binary literals.
pub(crate) struct TagSql {
    pub first: String,
    pub rest: String,
    pub length: String,
    pub zero: &'static str,
    pub one: &'static str,
}

impl TagSql {
    pub(crate) fn of(column: &str, dialect: Dialect) -> TagSql {
        match dialect {
            Dialect::Postgres => TagSql {
                first: format!("substring({column} from 1 for 1)"),
                rest: format!("substring({column} from 2)"),
                length: format!("octet_length({column})"),
                zero: "'\\x00'::bytea",
                one: "'\\x01'::bytea",
            },
            Dialect::Sqlite | Dialect::Mysql => TagSql {
                first: format!("substr({column}, 1, 1)"),
                rest: format!("substr({column}, 2)"),
                length: format!("length({column})"),
                zero: "X'00'",
                one: "X'01'",
            },
        }
    }
}

fn references(link: &crate::model::ParentLink, dialect: Dialect) -> String {
    format!(
        "REFERENCES {} ({}) ON DELETE CASCADE",
        dialect.quote(&link.parent_table),
        dialect.quote(&link.parent_pk_column)
    )
}

fn create_index(ty: &EntityType, index: &Index, dialect: Dialect) -> String {
    let columns: Vec<String> = index.columns.iter().map(|c| dialect.quote(c)).collect();
    let mut statement = format!(
        "CREATE {}INDEX IF NOT EXISTS {} ON {} ({})",
        if index.unique { "UNIQUE " } else { "" },
        dialect.quote(&index.name),
        dialect.quote(&ty.table),
        columns.join(", ")
    );
    if let Some(predicate) = &index.predicate {
        statement.push_str(&format!(" WHERE {predicate}"));
    }
    statement
}

/// Indexes of one type: each foreign key (with the position, for ordered loads), and for
/// surrogate-keyed tables the uniqueness of ids under one parent and of top-level ids.
fn indexes(ty: &EntityType, dialect: Dialect) -> Vec<Index> {
    // The pk that identifies rows (none for a positional type).
    let pk = ty.key().map(|pk| &pk.column);
    let mut indexes = Vec::new();
    for link in &ty.parents {
        let key = link.key_column();
        indexes.push(Index {
            name: index_name(&[&ty.table, key, "position"]),
            columns: vec![key.to_owned(), POSITION_COLUMN.into()],
            unique: false,
            predicate: None,
        });
        // Ids are unique within one array.
        if let Some(pk) = pk {
            indexes.push(Index {
                name: index_name(&[&ty.table, key, pk]),
                columns: vec![key.to_owned(), pk.clone()],
                unique: true,
                predicate: None,
            });
        }
    }
    for spec in &ty.indexes {
        indexes.push(Index {
            name: spec.name(&ty.table),
            columns: spec.columns.clone(),
            unique: spec.unique,
            predicate: None,
        });
    }
    if let (RowKey::Surrogate, Some(pk)) = (ty.row_key(), pk) {
        let name = index_name(&[&ty.table, "top_level", pk]);
        indexes.push(if dialect.marks_top_level() {
            Index {
                name,
                columns: vec![pk.clone(), TOP_LEVEL_COLUMN.into()],
                unique: true,
                predicate: None,
            }
        } else {
            Index {
                name,
                columns: vec![pk.clone()],
                unique: true,
                predicate: Some(top_level_condition(ty, dialect)),
            }
        });
    }
    indexes
}

/// The name of the foreign key on `column` in `table` (MySQL names it).
pub fn foreign_key_name(table: &str, column: &str) -> String {
    index_name(&[table, column, "fkey"])
}

/// The name of the `CHECK` of `column` in `table` (PostgreSQL names it).
pub fn check_name(table: &str, column: &str) -> String {
    index_name(&[table, column, "check"])
}

/// An index name from its parts, shortened with a hash suffix when it would pass the
/// identifier limit (so that PostgreSQL never truncates it, and two never collide).
pub fn index_name(parts: &[&str]) -> String {
    let name = parts.join("_");
    if name.len() <= MAX_IDENTIFIER_BYTES {
        return name;
    }
    let mut hash: u64 = 0xcbf29ce484222325;
    for byte in name.bytes() {
        hash ^= byte as u64;
        hash = hash.wrapping_mul(0x100000001b3);
    }
    let mut cut = MAX_IDENTIFIER_BYTES - 17;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{hash:016x}", &name[..cut])
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
                "\"todo_list_id\" TEXT NULL REFERENCES \"todo_lists\" (\"id\") ON DELETE CASCADE"
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
        assert_eq!(Dialect::Postgres.quote("order"), "\"order\"");
        assert_eq!(Dialect::Mysql.quote("a`b"), "`a``b`");
    }

    #[test]
    fn postgres_ddl_uses_its_types_and_partial_indexes() {
        let model = crate::test_support::demo_model();
        let ddl = create_statements(&model, Dialect::Postgres).join(";\n");
        assert!(
            ddl.contains("\"nasc_row\" BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
            "{ddl}"
        );
        assert!(ddl.contains("\"completed\" BOOLEAN NOT NULL,"), "{ddl}");
        assert!(
            ddl.contains(
                "\"todo_list_id\" TEXT NULL REFERENCES \"todo_lists\" (\"id\") ON DELETE CASCADE"
            ),
            "{ddl}"
        );
        assert!(
            ddl.contains("ON \"todos\" (\"id\") WHERE \"todo_list_id\" IS NULL"),
            "{ddl}"
        );
        assert!(!ddl.contains("STRICT"), "{ddl}");
    }

    #[test]
    fn mysql_ddl_bounds_keys_and_declares_indexes_inline() {
        let model = crate::test_support::demo_model();
        let ddl = create_statements(&model, Dialect::Mysql);
        assert_eq!(ddl.len(), 3, "one CREATE TABLE per type, indexes inline");
        let todos = &ddl[2];
        for expected in [
            "`nasc_row` BIGINT AUTO_INCREMENT PRIMARY KEY",
            "`id` VARBINARY(1020) NOT NULL",
            "`title` LONGTEXT NOT NULL",
            "`completed` BOOLEAN NOT NULL",
            "`todo_list_id` VARBINARY(1020) NULL",
            "`nasc_top_level` BOOLEAN NULL",
            "FOREIGN KEY (`todo_list_id`) REFERENCES `todo_lists` (`id`) ON DELETE CASCADE",
            "KEY `todos_todo_list_id_position` (`todo_list_id`, `nasc_position`)",
            "UNIQUE KEY `todos_top_level_id` (`id`, `nasc_top_level`)",
            "COLLATE=utf8mb4_bin",
        ] {
            assert!(todos.contains(expected), "{expected} in {todos}");
        }
    }

    #[test]
    fn string_literals_are_escaped_per_dialect() {
        assert_eq!(
            Dialect::Sqlite.string_literal("it's \\ ok"),
            "'it''s \\ ok'"
        );
        assert_eq!(
            Dialect::Mysql.string_literal("it's \\ ok"),
            "'it''s \\\\ ok'"
        );
    }

    #[test]
    fn long_index_names_are_shortened_deterministically() {
        let long = "t".repeat(40);
        let a = index_name(&[&long, "first_foreign_key_id", "position"]);
        let b = index_name(&[&long, "other_foreign_key_id", "position"]);
        assert!(a.len() <= MAX_IDENTIFIER_BYTES && b.len() <= MAX_IDENTIFIER_BYTES);
        assert_ne!(a, b);
        assert_eq!(a, index_name(&[&long, "first_foreign_key_id", "position"]));
        assert_eq!(index_name(&["todos", "x"]), "todos_x");
    }
}
