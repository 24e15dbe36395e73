//! The validated model (IR): every mapped type with its table, columns and relations.

use crate::naming;
use crate::shape::{JsonShape, ObjectShape};
use std::collections::BTreeMap;

/// A JSON Schema scalar and how it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarType {
    /// `string`: TEXT.
    String,
    /// `integer`: 64-bit integer.
    Integer,
    /// `number`: 64-bit float.
    Number,
    /// `boolean`: 0/1 on SQLite.
    Boolean,
    /// `string` with `format: date-time`: an instant, in the backend's timestamp type
    /// (`TIMESTAMPTZ`, `DATETIME(6)`; RFC 3339 UTC `TEXT` on SQLite). See [`crate::datetime`].
    DateTime,
    /// Any other shape (nested object, map, array of values, embedded `$ref`): a JSON
    /// document column (`JSONB` on PostgreSQL, `JSON` on MySQL, checked `TEXT` on SQLite).
    Json,
    /// `string` with `contentEncoding: base64`: bytes, stored as such (`BLOB`, `BYTEA`,
    /// `LONGBLOB`), written in JSON as standard base64 with padding.
    Bytes,
}

impl ScalarType {
    /// Every stored type, so that tests can run each of them (a unit test holds the list
    /// complete).
    pub const ALL: [ScalarType; 7] = [
        ScalarType::String,
        ScalarType::Integer,
        ScalarType::Number,
        ScalarType::Boolean,
        ScalarType::DateTime,
        ScalarType::Json,
        ScalarType::Bytes,
    ];

    /// The JSON Schema name of the type.
    pub fn schema_name(self) -> &'static str {
        match self {
            ScalarType::String | ScalarType::DateTime | ScalarType::Bytes => "string",
            ScalarType::Integer => "integer",
            ScalarType::Number => "number",
            ScalarType::Boolean => "boolean",
            ScalarType::Json => "JSON document",
        }
    }

    /// Parses a JSON Schema type name.
    pub fn from_schema_name(name: &str) -> Option<Self> {
        Some(match name {
            "string" => ScalarType::String,
            "integer" => ScalarType::Integer,
            "number" => ScalarType::Number,
            "boolean" => ScalarType::Boolean,
            _ => return None,
        })
    }
}

/// A property stored in a column of its type's table.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Property name in the schema and on the wire.
    pub property: String,
    /// Column name: the snake_case of the property, or the mapping's `columns` override.
    pub column: String,
    /// Rust field name: the snake_case of the property, whatever the column is named.
    pub field: String,
    /// The stored type.
    pub scalar: ScalarType,
    /// The value's full shape: the scalar itself, an enum of strings, or the shape of a
    /// JSON document.
    pub shape: JsonShape,
    /// Listed in the type's `required`.
    pub required: bool,
    /// Its type admits `null` (`["integer", "null"]`).
    pub null_allowed: bool,
    /// The schema's `default`: stored when a saved value lacks the property.
    pub default: Option<serde_json::Value>,
    /// The check of a present, non-null value against [`Self::shape`], compiled by
    /// `schema!`; `None` (a model built at run time) interprets the shape instead.
    pub check: Option<crate::check::Compiled>,
}

impl Field {
    /// The column admits NULL and the Rust field is an `Option`.
    pub fn nullable(&self) -> bool {
        !self.required || self.null_allowed
    }

    /// Checks a present, non-null `value` at `pointer` against the property's shape, with
    /// the compiled check when there is one.
    pub fn check_value(
        &self,
        value: &serde_json::Value,
        pointer: &str,
        embedded: &BTreeMap<String, ObjectShape>,
    ) -> Result<(), crate::check::Violation> {
        match self.check {
            Some(crate::check::Compiled(check)) => check(value, pointer),
            None => self.shape.check(value, pointer, embedded),
        }
    }

    /// The allowed values when the property is an enum of strings.
    pub fn enum_values(&self) -> Option<&[String]> {
        match self.shape.unconstrained() {
            JsonShape::Enum(values) => Some(values),
            _ => None,
        }
    }
}

/// A one-to-many relation: an array of `$ref` children stored in the child's table.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    /// Property name of the array.
    pub property: String,
    /// Rust field name (snake_case of the property).
    pub field: String,
    /// Type name of the children.
    pub child: String,
    /// Index of the children's type in [`Model::types`].
    pub child_index: usize,
    /// Foreign key column in the child's table.
    pub fk_column: String,
    /// Listed in the type's `required`.
    pub required: bool,
    /// Validation keywords of the array (`minItems`, `maxItems`, `uniqueItems`).
    pub constraints: Option<crate::constraints::Constraints>,
    /// The check of the array against [`Self::constraints`], compiled by `schema!`.
    pub check: Option<crate::check::Compiled>,
}

impl Relation {
    /// Checks the array `value` at `pointer` against the array's validation keywords, with
    /// the compiled check when there is one.
    pub fn check_array(
        &self,
        value: &serde_json::Value,
        pointer: &str,
    ) -> Result<(), crate::check::Violation> {
        match (self.check, &self.constraints) {
            (Some(crate::check::Compiled(check)), _) => check(value, pointer),
            (None, Some(constraints)) => constraints.check(value, pointer),
            (None, None) => Ok(()),
        }
    }
}

/// The other side of a [`Relation`], seen from the child's table.
#[derive(Debug, Clone, PartialEq)]
pub struct ParentLink {
    /// Parent type name.
    pub parent: String,
    /// The parent's array property.
    pub property: String,
    /// Foreign key column (in this table) holding the parent's pk.
    pub fk_column: String,
    /// Stored type of the foreign key (the parent pk's type).
    pub fk_scalar: ScalarType,
    /// Parent table referenced.
    pub parent_table: String,
    /// Parent pk column referenced.
    pub parent_pk_column: String,
    /// When the parent is itself a child (its rows have a surrogate key, and its ids are
    /// only unique within one array): the hidden column (in this table) holding the parent
    /// row's `nasc_row`, which identifies the parent; the foreign key then references the
    /// parent's `(nasc_row, pk)`.
    pub parent_row_column: Option<String>,
}

impl ParentLink {
    /// The column that identifies the parent row: [`Self::parent_row_column`] when there is
    /// one, else the foreign key.
    pub fn key_column(&self) -> &str {
        self.parent_row_column.as_deref().unwrap_or(&self.fk_column)
    }

    /// The stored type of [`Self::key_column`].
    pub fn key_scalar(&self) -> ScalarType {
        match self.parent_row_column {
            Some(_) => ScalarType::Integer,
            None => self.fk_scalar,
        }
    }
}

/// How long an aggregate lives and how many a type keeps (the mapping's `ttl` and
/// `maxSize`); only a type that is never a child has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Expiry {
    /// Milliseconds after its last save at which an aggregate expires (`ttl`).
    pub ttl_ms: Option<i64>,
    /// The most aggregates kept: saving a new one beyond it removes the oldest (`maxSize`).
    pub max_size: Option<u64>,
}

impl Expiry {
    /// Whether the type expires or is capped at all.
    pub fn is_set(&self) -> bool {
        self.ttl_ms.is_some() || self.max_size.is_some()
    }
}

/// How the pk of a new aggregate is made when the aggregate has none (the mapping's
/// `generated`). Only a type that is never a child has a generated pk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Generated {
    /// `"uuid"`: a UUID version 7 (time-ordered, RFC 9562), made by nasc, for a string pk.
    Uuid,
    /// `"increment"`: the database's own sequence (`AUTOINCREMENT`, `IDENTITY`,
    /// `AUTO_INCREMENT`), for an integer pk; the first is 1 and no key is used twice.
    Increment,
}

impl Generated {
    /// The mapping's spelling.
    pub fn name(self) -> &'static str {
        match self {
            Generated::Uuid => "uuid",
            Generated::Increment => "increment",
        }
    }

    /// Reads the mapping's spelling.
    pub fn from_name(name: &str) -> Option<Generated> {
        match name {
            "uuid" => Some(Generated::Uuid),
            "increment" => Some(Generated::Increment),
            _ => None,
        }
    }

    /// The stored type of the pk it makes.
    pub fn scalar(self) -> ScalarType {
        match self {
            Generated::Uuid => ScalarType::String,
            Generated::Increment => ScalarType::Integer,
        }
    }
}

/// How rows of a table are identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKey {
    /// The type's pk is the table's primary key: the type is never a child.
    Pk,
    /// A surrogate `nasc_row` key: the type is a child, so the same id may appear under
    /// several parents (ids are local to one array) and once more as a top-level aggregate.
    /// Its own children refer to their parent row by its `nasc_row`.
    Surrogate,
}

/// One mapped schema type.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityType {
    /// Type name (the key under `$defs`).
    pub name: String,
    /// Index of the type in [`Model::types`]: the stores keep what they render per type
    /// by it, so that no name is looked up on the hot path.
    pub index: usize,
    /// Table name (`entity` in the mapping).
    pub table: String,
    /// Index of the pk in `fields`; `None` for a child type without one (rows identified
    /// by their position).
    pub pk_index: Option<usize>,
    /// Child rows are identified by their position in the array, not by their pk (the
    /// type has no pk, or the mapping says `"positional": true`): an array is written
    /// position by position, and a pk may repeat within it. Such a type is only stored as
    /// a child.
    pub positional: bool,
    /// Scalar properties in schema order.
    pub fields: Vec<Field>,
    /// Arrays of children, in schema order.
    pub relations: Vec<Relation>,
    /// Relations in which this type is the child.
    pub parents: Vec<ParentLink>,
    /// Secondary indexes and unique keys declared in the mapping.
    pub indexes: Vec<IndexSpec>,
    /// How a new aggregate's pk is made when it has none (the mapping's `generated`).
    pub generated: Option<Generated>,
    /// Index in `fields` of the optimistic-locking version, when the mapping names one.
    pub version: Option<usize>,
    /// Indexes in `fields` of the properties nasc fills with the time a top-level row was
    /// created and last saved, when the mapping names them.
    pub timestamps: (Option<usize>, Option<usize>),
    /// When its aggregates expire, and how many it keeps (`ttl`, `maxSize`).
    pub expiry: Expiry,
    /// The mapping's `shareBinaryOver`: values of its binary properties longer than this
    /// many bytes are stored once, by SHA-256, in a table every type shares, and its
    /// binary columns hold a tag byte first (see `nasc_runtime`'s shared values).
    pub share_binary_over: Option<u64>,
    /// The table's former name, when the mapping declares it (`renamedFrom`): a database
    /// holding that table has it renamed.
    pub renamed_from: Option<String>,
    /// Columns renamed: `(former column, current column)`, from the mapping's `renamed`
    /// and from foreign keys named after a renamed parent table.
    pub renamed_columns: Vec<(String, String)>,
}

/// A secondary index or unique key declared in the mapping (`indexes`, `unique`).
#[derive(Debug, Clone, PartialEq)]
pub struct IndexSpec {
    /// The indexed properties, in order.
    pub properties: Vec<String>,
    /// Their columns.
    pub columns: Vec<String>,
    /// A unique key rather than a plain index.
    pub unique: bool,
}

impl IndexSpec {
    /// The index's name in `table`.
    pub fn name(&self, table: &str) -> String {
        let mut parts: Vec<&str> = vec![table];
        parts.extend(self.columns.iter().map(String::as_str));
        parts.push(if self.unique { "key" } else { "idx" });
        crate::ddl::index_name(&parts)
    }
}

impl EntityType {
    /// The primary key property, if the type has one.
    pub fn pk(&self) -> Option<&Field> {
        self.pk_index.map(|i| &self.fields[i])
    }

    /// Index in `fields` of the pk that identifies a row among its siblings: the pk, unless
    /// the type is positional.
    pub fn key_index(&self) -> Option<usize> {
        self.pk_index.filter(|_| !self.positional)
    }

    /// The field of [`Self::key_index`].
    pub fn key(&self) -> Option<&Field> {
        self.key_index().map(|i| &self.fields[i])
    }

    /// Whether the type may be stored as a top-level aggregate: it has a pk and is not
    /// positional.
    pub fn is_aggregate(&self) -> bool {
        !self.positional
    }

    /// How rows are identified; see [`RowKey`].
    pub fn row_key(&self) -> RowKey {
        if self.parents.is_empty() {
            RowKey::Pk
        } else {
            RowKey::Surrogate
        }
    }

    /// The fields a save of an existing row writes, with their index: all but the pk and
    /// the creation time.
    pub fn updatable_fields(&self) -> impl Iterator<Item = (usize, &Field)> {
        self.fields
            .iter()
            .enumerate()
            .filter(move |(i, _)| Some(*i) != self.pk_index && Some(*i) != self.timestamps.0)
    }

    /// The columns of its binary properties, when the type shares large binary values
    /// (their values are tagged): none otherwise.
    pub fn shared_columns(&self) -> impl Iterator<Item = (usize, &Field)> {
        self.fields
            .iter()
            .enumerate()
            .filter(move |(_, f)| self.share_binary_over.is_some() && f.scalar == ScalarType::Bytes)
    }

    /// Looks up a field by property name.
    pub fn field(&self, property: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.property == property)
    }

    /// Every column of the table, in DDL order, with hidden columns included.
    pub fn columns(&self) -> Vec<&str> {
        let mut columns = Vec::new();
        if self.row_key() == RowKey::Surrogate {
            columns.push(naming::ROW_COLUMN);
        }
        columns.extend(self.fields.iter().map(|f| f.column.as_str()));
        for link in &self.parents {
            columns.push(link.fk_column.as_str());
            columns.extend(link.parent_row_column.as_deref());
        }
        if !self.parents.is_empty() {
            columns.push(naming::POSITION_COLUMN);
        }
        if self.expiry.ttl_ms.is_some() {
            columns.push(naming::EXPIRES_COLUMN);
        }
        if self.expiry.max_size.is_some() {
            columns.push(naming::CREATED_COLUMN);
        }
        columns
    }
}

/// Every mapped type of one schema + mapping pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Mapped types, in `$defs` order.
    pub types: Vec<EntityType>,
    /// Names of `$defs` entries that have no mapping entry (not stored as tables).
    pub unmapped: Vec<String>,
    /// Shapes of the types that properties embed with a single `$ref` (or an array of an
    /// unmapped type), by type name.
    pub embedded: BTreeMap<String, ObjectShape>,
    /// What every table name starts with ([`Model::with_table_prefix`]): nasc's own tables
    /// of the model's store carry it too.
    pub table_prefix: String,
}

impl Model {
    /// The type named `name`.
    pub fn get(&self, name: &str) -> Option<&EntityType> {
        self.types.iter().find(|t| t.name == name)
    }

    /// The type of the children of `relation`.
    pub fn child(&self, relation: &Relation) -> &EntityType {
        &self.types[relation.child_index]
    }

    /// Types ordered so that every parent comes before its children (self-references and
    /// cycles keep their `$defs` order).
    pub fn parents_first(&self) -> Vec<&EntityType> {
        let mut done: Vec<&str> = Vec::new();
        let mut ordered = Vec::new();
        while ordered.len() < self.types.len() {
            let before = ordered.len();
            for ty in &self.types {
                if done.contains(&ty.name.as_str()) {
                    continue;
                }
                let ready = ty
                    .parents
                    .iter()
                    .all(|p| p.parent == ty.name || done.contains(&p.parent.as_str()));
                if ready {
                    done.push(&ty.name);
                    ordered.push(ty);
                }
            }
            if ordered.len() == before {
                // A cycle between types: take the rest in declaration order.
                for ty in &self.types {
                    if !done.contains(&ty.name.as_str()) {
                        done.push(&ty.name);
                        ordered.push(ty);
                    }
                }
            }
        }
        ordered
    }

    /// The model with `prefix` before every table name: its tables, their former names and
    /// the parent tables of foreign keys (index and constraint names follow, as they are
    /// made from table names). Foreign key columns keep their names. This is how a store's
    /// namespace keeps its tables apart where the database has no schemas. An error names
    /// the first table whose prefixed name would be too long.
    pub fn with_table_prefix(mut self, prefix: &str) -> Result<Model, String> {
        let prefixed = |table: &str| {
            let name = format!("{prefix}{table}");
            match crate::naming::identifier_problem(&name) {
                Some(problem) => Err(format!(
                    "table `{table}` would be `{name}`, which {problem}"
                )),
                None => Ok(name),
            }
        };
        self.table_prefix = format!("{}{prefix}", self.table_prefix);
        for ty in &mut self.types {
            ty.table = prefixed(&ty.table)?;
            if let Some(former) = &mut ty.renamed_from {
                *former = prefixed(former)?;
            }
            for link in &mut ty.parents {
                link.parent_table = prefixed(&link.parent_table)?;
            }
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::ScalarType;

    /// Every table name and every name made from one (indexes, constraints, foreign keys)
    /// carries the prefix in the DDL; no column does.
    #[test]
    fn a_table_prefix_reaches_every_table_name() {
        let model = crate::test_support::demo_model();
        let prefixed = model.clone().with_table_prefix("tenant_a__").unwrap();
        for dialect in [
            crate::Dialect::Sqlite,
            crate::Dialect::Postgres,
            crate::Dialect::Mysql,
        ] {
            let plain = crate::ddl::create_statements(&model, dialect).join("\n");
            let ddl = crate::ddl::create_statements(&prefixed, dialect).join("\n");
            for ty in &model.types {
                assert!(
                    !ddl.contains(&format!("\"{}\"", ty.table)),
                    "{dialect:?}: {ddl}"
                );
                assert!(
                    !ddl.contains(&format!("`{}`", ty.table)),
                    "{dialect:?}: {ddl}"
                );
                assert!(
                    ddl.contains(&format!("tenant_a__{}", ty.table)),
                    "{dialect:?}"
                );
                for field in &ty.fields {
                    assert!(!ddl.contains(&format!("tenant_a__{}", field.column)));
                }
            }
            // Every quoted name is a column or carries the prefix, and none went missing.
            let columns: Vec<&str> = model.types.iter().flat_map(|t| t.columns()).collect();
            let quote = if dialect == crate::Dialect::Mysql {
                '`'
            } else {
                '"'
            };
            let names = |ddl: &str| -> std::collections::BTreeSet<String> {
                ddl.split(quote)
                    .skip(1)
                    .step_by(2)
                    .map(str::to_owned)
                    .collect()
            };
            let (before, after) = (names(&plain), names(&ddl));
            assert_eq!(before.len(), after.len(), "{dialect:?}");
            for name in &after {
                assert!(
                    name.starts_with("tenant_a__")
                        || columns.contains(&name.as_str())
                        || name.starts_with("nasc_"),
                    "{dialect:?}: `{name}` is neither a column nor prefixed"
                );
            }
        }
        let long = "n".repeat(60);
        let error = model.with_table_prefix(&long).unwrap_err();
        assert!(
            error.contains("is 6") && error.contains("the limit is 63"),
            "{error}"
        );
    }

    /// A new variant fails to compile here until it is given a place in
    /// [`ScalarType::ALL`], and the test fails until it is listed there.
    #[test]
    fn every_scalar_type_is_listed_in_all() {
        let place = |scalar: ScalarType| match scalar {
            ScalarType::String => 0,
            ScalarType::Integer => 1,
            ScalarType::Number => 2,
            ScalarType::Boolean => 3,
            ScalarType::DateTime => 4,
            ScalarType::Json => 5,
            ScalarType::Bytes => 6,
        };
        for (i, scalar) in ScalarType::ALL.into_iter().enumerate() {
            assert_eq!(place(scalar), i, "{scalar:?}");
        }
    }
}
