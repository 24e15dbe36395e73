//! Naming rules: table, column and foreign-key names, and SQL identifier checks.

use heck::ToSnakeCase;

/// Table-name prefixes a backend keeps for its own objects, with the backend: SQLite
/// refuses `sqlite_` tables, and PostgreSQL resolves `pg_` names to its catalogs first.
/// A schema must work on every backend, so no backend takes them.
pub const BACKEND_TABLE_PREFIXES: [(&str, &str); 2] =
    [("sqlite_", "SQLite"), ("pg_", "PostgreSQL")];

/// Column names PostgreSQL keeps for the system columns of every table.
pub const BACKEND_COLUMNS: [&str; 6] = ["tableoid", "xmin", "cmin", "xmax", "cmax", "ctid"];

/// Why a table may not be named `name` on some backend, if it may not.
pub fn backend_table_problem(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    BACKEND_TABLE_PREFIXES
        .iter()
        .find(|(prefix, _)| lower.starts_with(prefix))
        .map(|(prefix, backend)| {
            format!("starts with `{prefix}`, which {backend} keeps for its own tables")
        })
}

/// Why a column may not be named `name` on some backend, if it may not.
pub fn backend_column_problem(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    BACKEND_COLUMNS
        .contains(&lower.as_str())
        .then(|| "is the name of a system column of every PostgreSQL table".to_owned())
}

/// Prefix reserved for columns nasc adds itself (`nasc_row`, `nasc_position`).
pub const RESERVED_PREFIX: &str = "nasc_";
/// Surrogate row key of tables whose type is stored as a child and has no children itself.
pub const ROW_COLUMN: &str = "nasc_row";

/// The hidden column of a child table holding its parent row's `nasc_row`, for a parent
/// that is itself a child, named after the foreign key column (shortened with a hash when
/// too long).
pub fn parent_row_column(fk_column: &str) -> String {
    crate::ddl::index_name(&["nasc", fk_column, "row"])
}
/// Position of a child row inside its parent's array.
pub const POSITION_COLUMN: &str = "nasc_position";
/// On MySQL, marks the top-level rows of surrogate-keyed tables (TRUE, else NULL), so that a
/// unique key can cover them without a partial index.
pub const TOP_LEVEL_COLUMN: &str = "nasc_top_level";
/// The hidden column of a type with a `ttl`: when the aggregate expires, in milliseconds
/// since the Unix epoch by the database's clock.
pub const EXPIRES_COLUMN: &str = "nasc_expires_at";
/// The hidden column of a type with a `maxSize`: when the aggregate was created, in
/// milliseconds since the Unix epoch by the database's clock (the oldest go first).
pub const CREATED_COLUMN: &str = "nasc_created_at";
/// The table of binary values stored once, by hash: one row per value, with the number
/// of aggregates holding it.
pub const SHARED_VALUES_TABLE: &str = "nasc_shared_values";
/// Which aggregates hold which shared values: one row per aggregate and value.
pub const SHARED_HOLDERS_TABLE: &str = "nasc_shared_holders";
/// The shared values' key: the SHA-256 of the value (32 bytes).
pub const SHARED_HASH_COLUMN: &str = "hash";
/// The shared values' bytes.
pub const SHARED_BYTES_COLUMN: &str = "bytes";
/// The number of aggregates holding a shared value.
pub const SHARED_REFS_COLUMN: &str = "refs";
/// Longest identifier accepted (PostgreSQL's limit, the smallest of the supported backends).
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// Default table of a type: its name lowercased plus `s` (`TodoList` -> `todolists`); a
/// name that would not be an identifier is made one (`Todo-Item` -> `todo_items`).
pub fn default_entity(type_name: &str) -> String {
    let plain = format!("{}s", type_name.to_lowercase());
    if identifier_problem(&plain).is_none() {
        return plain;
    }
    format!("{}s", to_identifier(&type_name.to_lowercase()))
}

/// Column (and Rust field) name of a property: its snake_case (`displayName` ->
/// `display_name`), made an identifier when it is not one (`名前` -> `u540d_u524d`,
/// `1st` -> `p_1st`).
pub fn column_name(property: &str) -> String {
    to_identifier(&property.to_snake_case())
}

/// `text` as an ASCII identifier: letters, digits and `_` kept, other characters spelled as
/// `u<hex>`, a leading digit prefixed with `p_`.
pub fn to_identifier(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else if c.is_alphanumeric() {
            out.push_str(&format!("_u{:x}_", c as u32));
        } else {
            out.push('_');
        }
    }
    let mut collapsed = String::with_capacity(out.len());
    for c in out.chars() {
        if !(c == '_' && collapsed.ends_with('_')) {
            collapsed.push(c);
        }
    }
    let trimmed = collapsed.trim_matches('_');
    match trimmed.chars().next() {
        None => "property".into(),
        Some(first) if first.is_ascii_digit() => format!("p_{trimmed}"),
        Some(_) => trimmed.to_owned(),
    }
}

/// Singular of an entity name: exactly one trailing `s` removed, otherwise unchanged
/// (`todo_lists` -> `todo_list`, `people` -> `people`).
pub fn singular(entity: &str) -> &str {
    match entity.strip_suffix('s') {
        Some(stem) if !stem.is_empty() => stem,
        _ => entity,
    }
}

/// Foreign key column of a child row: `<parent entity singular>_<parent pk column>`.
pub fn foreign_key(parent_entity: &str, parent_pk_column: &str) -> String {
    format!("{}_{}", singular(parent_entity), parent_pk_column)
}

/// Why `name` cannot be a SQL identifier, if it cannot.
///
/// Accepted: ASCII letters, digits and `_`, not starting with a digit, at most
/// [`MAX_IDENTIFIER_BYTES`] bytes. Identifiers are always quoted in SQL, so reserved words
/// such as `order` or `group` are fine.
pub fn identifier_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("is empty".into());
    }
    if name.len() > MAX_IDENTIFIER_BYTES {
        return Some(format!(
            "is {} bytes long; the limit is {MAX_IDENTIFIER_BYTES} (PostgreSQL would silently truncate it)",
            name.len()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Some(format!(
            "contains {c:?}; only ASCII letters, digits and `_` are allowed"
        ));
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Some("starts with a digit".into());
    }
    None
}

/// Key under which two identifiers collide in a database (SQLite and MySQL compare
/// identifiers case-insensitively).
pub fn collision_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_entity_is_lowercase_plural() {
        assert_eq!(default_entity("TodoList"), "todolists");
        assert_eq!(default_entity("User"), "users");
    }

    #[test]
    fn columns_are_snake_case() {
        assert_eq!(column_name("displayName"), "display_name");
        assert_eq!(column_name("firstName"), "first_name");
        assert_eq!(column_name("firstname"), "firstname");
        assert_eq!(column_name("order"), "order");
        assert_eq!(column_name("HTTPStatus"), "http_status");
    }

    #[test]
    fn names_that_are_not_identifiers_are_made_identifiers() {
        assert_eq!(column_name("e-mail"), "e_mail");
        assert_eq!(column_name("first name"), "first_name");
        assert_eq!(column_name("名前"), "u540d_u524d");
        assert_eq!(column_name("1st"), "p_1st");
        assert_eq!(column_name("@type"), "type");
        assert_eq!(column_name("---"), "property");
        assert_eq!(default_entity("Todo-Item"), "todo_items");
        assert_eq!(default_entity("Café"), "caf_ue9s");
    }

    #[test]
    fn singular_strips_exactly_one_trailing_s() {
        assert_eq!(singular("todo_lists"), "todo_list");
        assert_eq!(singular("people"), "people");
        assert_eq!(singular("classes"), "classe");
        assert_eq!(singular("s"), "s");
        assert_eq!(foreign_key("todo_lists", "id"), "todo_list_id");
        assert_eq!(foreign_key("people", "id"), "people_id");
        assert_eq!(foreign_key("boxes", "code"), "boxe_code");
    }

    #[test]
    fn identifiers_are_checked() {
        assert_eq!(identifier_problem("todo_lists"), None);
        assert_eq!(identifier_problem("order"), None);
        assert!(identifier_problem("").is_some());
        assert!(identifier_problem("1abc").is_some());
        assert!(identifier_problem("bad name").unwrap().contains("' '"));
        assert!(identifier_problem("x\"; DROP TABLE y").is_some());
        assert!(identifier_problem(&"a".repeat(64))
            .unwrap()
            .contains("64 bytes"));
        assert_eq!(identifier_problem(&"a".repeat(63)), None);
    }
}
