//! Aggregates as JSON <-> rows: validation of input against the model, and rebuilding
//! JSON from stored cells. Backend-independent.

use crate::Error;
use nasc_model::build::closest;
use nasc_model::ddl::MYSQL_KEY_LENGTH;
use nasc_model::error::{bounded, pointer_join};
use nasc_model::shape::kind;
use nasc_model::{Dialect, EntityType, Field, JsonShape, Model, ObjectShape, ScalarType};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// A value bound to a SQL statement. Text is borrowed from the value saved (an entity's
/// field, a JSON document's string) where it can be, so that a save copies no string.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue<'a> {
    /// NULL of a column of the given type.
    Null(ScalarType),
    Text(Cow<'a, str>),
    Integer(i64),
    Real(f64),
    Bool(bool),
    /// Bytes (a binary property).
    Bytes(Cow<'a, [u8]>),
}

impl SqlValue<'_> {
    /// The value borrowing this one's text: what the binds of a statement hold.
    pub fn borrowed(&self) -> SqlValue<'_> {
        match self {
            SqlValue::Null(scalar) => SqlValue::Null(*scalar),
            SqlValue::Text(text) => SqlValue::Text(Cow::Borrowed(text)),
            SqlValue::Integer(i) => SqlValue::Integer(*i),
            SqlValue::Real(f) => SqlValue::Real(*f),
            SqlValue::Bool(b) => SqlValue::Bool(*b),
            SqlValue::Bytes(bytes) => SqlValue::Bytes(Cow::Borrowed(bytes)),
        }
    }

    /// The value owning its text.
    pub fn into_owned(self) -> SqlValue<'static> {
        match self {
            SqlValue::Null(scalar) => SqlValue::Null(scalar),
            SqlValue::Text(text) => SqlValue::Text(Cow::Owned(text.into_owned())),
            SqlValue::Integer(i) => SqlValue::Integer(i),
            SqlValue::Real(f) => SqlValue::Real(f),
            SqlValue::Bool(b) => SqlValue::Bool(b),
            SqlValue::Bytes(bytes) => SqlValue::Bytes(Cow::Owned(bytes.into_owned())),
        }
    }
}

/// A value read from a result row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// SQL NULL.
    Null,
    /// A boolean (PostgreSQL; SQLite and MySQL return integers).
    Bool(bool),
    /// An integer.
    Integer(i64),
    /// A float.
    Real(f64),
    /// Text: strings, JSON documents and instants as every backend selects them.
    Text(String),
    /// Bytes: a binary property's column.
    Bytes(Vec<u8>),
}

impl Cell {
    /// The bytes of a binary property's cell (MySQL hands UTF-8 bytes over as text).
    pub(crate) fn into_bytes(self) -> Result<Vec<u8>, Cell> {
        match self {
            Cell::Bytes(bytes) => Ok(bytes),
            Cell::Text(text) => Ok(text.into_bytes()),
            other => Err(other),
        }
    }
}

/// The aggregate a call is about, for error messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    pub ty: &'a str,
    pub id: &'a str,
}

impl Target<'_> {
    pub fn invalid(&self, pointer: &str, message: impl Into<String>) -> Error {
        Error::Invalid {
            ty: self.ty.to_owned(),
            id: self.id.to_owned(),
            pointer: pointer.to_owned(),
            message: message.into(),
        }
    }

    pub fn corrupt(&self, pointer: &str, message: impl Into<String>) -> Error {
        Error::Corrupt {
            ty: self.ty.to_owned(),
            id: self.id.to_owned(),
            pointer: pointer.to_owned(),
            message: message.into(),
        }
    }

    pub fn conflict(&self, pointer: &str, message: impl Into<String>) -> Error {
        Error::Conflict {
            ty: self.ty.to_owned(),
            id: self.id.to_owned(),
            pointer: pointer.to_owned(),
            message: message.into(),
        }
    }

    pub fn database(
        &self,
        action: &'static str,
        pointer: &str,
        source: diesel::result::Error,
    ) -> Error {
        Error::Database {
            action,
            ty: self.ty.to_owned(),
            id: self.id.to_owned(),
            pointer: pointer.to_owned(),
            source,
        }
    }
}

/// One validated row with its children, ready to write.
#[derive(Debug)]
pub(crate) struct RowTree<'a> {
    pub ty: &'a EntityType,
    /// One value per field, in field order.
    pub values: Vec<SqlValue<'a>>,
    /// One list per relation, in relation order.
    pub children: Vec<Vec<RowTree<'a>>>,
    /// Per relation (or empty, for none): `None` when `children` holds the whole array, or
    /// the array's length and the positions of the only children it holds (a persist whose
    /// diff says which positions changed).
    pub positions: Vec<Option<(usize, Vec<usize>)>>,
    /// Where this row is in the aggregate.
    pub at: RowPointer,
    /// The top-level row, once [sealed](crate::shared::seal): the binary values the
    /// aggregate stores by hash (none below the top).
    pub shared: crate::shared::Sealed,
}

/// Where a row is in its aggregate, made into a JSON pointer only when an error names it
/// (so that a row costs no string of its own).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RowPointer {
    /// The top-level row.
    Top,
    /// The row at `index` of the array whose pointer is `array`.
    Item { array: Arc<str>, index: usize },
}

impl RowPointer {
    /// The row's JSON pointer.
    pub fn path(&self) -> String {
        match self {
            RowPointer::Top => String::new(),
            // (A position needs no escaping in a pointer.)
            RowPointer::Item { array, index } => format!("{array}/{index}"),
        }
    }

    /// The JSON pointer of property `property` of the row.
    pub fn join(&self, property: &str) -> String {
        pointer_join(&self.path(), property)
    }
}

impl<'a> RowTree<'a> {
    /// The row's JSON pointer in the aggregate.
    pub fn pointer(&self) -> String {
        self.at.path()
    }

    /// The row's primary key value, for a type with a pk (every aggregate, and every type
    /// with arrays of its own).
    pub fn pk(&self) -> &SqlValue<'a> {
        &self.values[self.ty.pk_index.expect("a type with a pk")]
    }

    /// The value that identifies the row among its siblings: its pk, or none for a
    /// positional type.
    pub fn key(&self) -> Option<&SqlValue<'a>> {
        self.ty.key_index().map(|i| &self.values[i])
    }
}

/// Deepest nesting of a JSON document column: arrays and objects within each other, the
/// document itself counting as one. One limit for every backend, checked before writing:
/// MariaDB refuses 32 levels, and a document saved deeper than a reader's limit would be
/// lost data.
pub const MAX_DOCUMENT_DEPTH: usize = 31;

/// Why `text` cannot be stored, if it cannot: PostgreSQL cannot store a NUL character, so no
/// backend stores one.
pub(crate) fn text_problem(text: &str) -> Option<String> {
    text.contains('\0').then(|| {
        "contains a NUL character (U+0000), which PostgreSQL cannot store: nasc refuses it on every backend".to_owned()
    })
}

/// Checks a JSON document before it is stored: nested at most [`MAX_DOCUMENT_DEPTH`]
/// levels, and no NUL character in a key or string. Iterative, so that a hostile depth
/// cannot overflow the stack. The error names the pointer of the offending value (found by
/// a second walk: a document that fits costs no pointer).
pub(crate) fn check_document(document: &Value, pointer: &str) -> Result<(), (String, String)> {
    if document_fits(document) {
        return Ok(());
    }
    locate_document_problem(document, pointer)
}

/// Whether `document` passes [`check_document`].
fn document_fits(document: &Value) -> bool {
    let mut pending: Vec<(&Value, usize)> = Vec::new();
    let mut next = Some((document, 1));
    while let Some((value, depth)) = next.take().or_else(|| pending.pop()) {
        match value {
            Value::String(s) if text_problem(s).is_some() => return false,
            Value::Array(items) => {
                if depth > MAX_DOCUMENT_DEPTH {
                    return false;
                }
                pending.extend(items.iter().map(|v| (v, depth + 1)));
            }
            Value::Object(map) => {
                if depth > MAX_DOCUMENT_DEPTH || map.keys().any(|k| text_problem(k).is_some()) {
                    return false;
                }
                pending.extend(map.values().map(|v| (v, depth + 1)));
            }
            _ => {}
        }
    }
    true
}

/// The pointer and message of what makes `document` fail [`check_document`].
fn locate_document_problem(document: &Value, pointer: &str) -> Result<(), (String, String)> {
    let mut pending: Vec<(&Value, String, usize)> = vec![(document, pointer.to_owned(), 1)];
    while let Some((value, at, depth)) = pending.pop() {
        let children: Box<dyn Iterator<Item = (String, &Value)>> = match value {
            Value::String(s) => {
                if let Some(problem) = text_problem(s) {
                    return Err((at, format!("the string {problem}")));
                }
                continue;
            }
            Value::Array(items) => {
                Box::new(items.iter().enumerate().map(|(i, v)| (i.to_string(), v)))
            }
            Value::Object(map) => {
                if let Some(key) = map.keys().find(|k| text_problem(k).is_some()) {
                    return Err((
                        pointer_join(&at, key),
                        format!("the key {}", text_problem(key).unwrap_or_default()),
                    ));
                }
                Box::new(map.iter().map(|(k, v)| (k.clone(), v)))
            }
            _ => continue,
        };
        if depth > MAX_DOCUMENT_DEPTH {
            return Err((
                at,
                format!("the document nests deeper than {MAX_DOCUMENT_DEPTH} levels of arrays and objects, the most nasc stores on every backend"),
            ));
        }
        for (token, child) in children {
            if child.is_array() || child.is_object() || child.is_string() {
                pending.push((child, pointer_join(&at, &token), depth + 1));
            }
        }
    }
    Ok(())
}

/// The pk value an id string stands for (`"5"` for an integer pk is 5).
pub(crate) fn id_value<'t>(ty: &EntityType, target: Target<'t>) -> Result<SqlValue<'t>, Error> {
    if let Some(problem) = text_problem(target.id) {
        return Err(target.invalid("", format!("the id {problem}")));
    }
    let pk = ty.pk().expect("an aggregate type has a pk");
    match pk.scalar {
        ScalarType::Integer => target
            .id
            .parse::<i64>()
            .map(SqlValue::Integer)
            .map_err(|_| {
                target.invalid(
                    "",
                    format!(
                        "the id must be an integer, as `{}` of `{}` is",
                        pk.property, ty.name
                    ),
                )
            }),
        _ => Ok(SqlValue::Text(target.id.into())),
    }
}

/// Fills the creation and last-save time properties of a top-level row with now: an
/// integer property gets milliseconds since the Unix epoch, a string one RFC 3339 UTC (to the
/// millisecond; a `date-time` column's to the microsecond). (The
/// creation time is written only when the row is created.)
pub(crate) fn stamp_times(tree: &mut RowTree<'_>) {
    let (created, updated) = tree.ty.timestamps;
    let now = chrono::Utc::now();
    for index in [created, updated].into_iter().flatten() {
        tree.values[index] = match tree.ty.fields[index].scalar {
            ScalarType::Integer => SqlValue::Integer(now.timestamp_millis()),
            ScalarType::DateTime => SqlValue::Text(nasc_model::datetime::format_stored(now).into()),
            _ => SqlValue::Text(
                now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                    .into(),
            ),
        };
    }
}

/// The times `tree` holds in the mapping's `timestamps` properties, as loads give them
/// (what a save stamped, or what a restore kept); none where a time is null.
pub(crate) fn times_json(tree: &RowTree<'_>) -> Map<String, Value> {
    let (created, updated) = tree.ty.timestamps;
    [created, updated]
        .into_iter()
        .flatten()
        .filter_map(|index| {
            let field = &tree.ty.fields[index];
            let value = match (&tree.values[index], field.scalar) {
                (SqlValue::Integer(millis), _) => Value::from(*millis),
                (SqlValue::Text(text), ScalarType::DateTime) => Value::String(
                    nasc_model::datetime::from_stored(text).unwrap_or_else(|| text.to_string()),
                ),
                (SqlValue::Text(text), _) => Value::String(text.to_string()),
                _ => return None,
            };
            Some((field.property.clone(), value))
        })
        .collect()
}

/// Checks `diff` is the shallow map of changed top-level properties of `ty`.
pub(crate) fn check_diff(ty: &EntityType, diff: &Value, target: Target<'_>) -> Result<(), Error> {
    let Some(diff) = diff.as_object() else {
        return Err(target.invalid(
            "",
            "the diff must be an object of changed top-level properties",
        ));
    };
    let has = |key: &str| ty.field(key).is_some() || ty.relations.iter().any(|r| r.property == key);
    for (key, value) in diff {
        // Changed positions of arrays, as `Diff::to_value` lists them.
        if key == crate::diff::POSITIONS_KEY {
            let is_array = |name: &str| ty.relations.iter().any(|r| r.property == name);
            let valid = value.as_object().is_some_and(|arrays| {
                arrays.iter().all(|(name, list)| {
                    is_array(name) && list.as_array().is_some_and(|l| l.iter().all(Value::is_u64))
                })
            });
            if !valid {
                return Err(target.invalid(
                    &pointer_join("", key),
                    format!(
                        "`$positions` must map array properties of `{}` ({}) to lists of positions",
                        ty.name,
                        ty.relations
                            .iter()
                            .map(|r| format!("`{}`", r.property))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        } else if key == crate::diff::REMOVED_KEY {
            let removed = value
                .as_array()
                .filter(|names| names.iter().all(Value::is_string));
            let Some(removed) = removed else {
                return Err(target.invalid(
                    &pointer_join("", key),
                    "`$removed` must list property names",
                ));
            };
            if let Some(unknown) = removed
                .iter()
                .filter_map(Value::as_str)
                .find(|name| !has(name))
            {
                return Err(target.invalid(
                    &pointer_join("", key),
                    format!(
                        "the diff removes `{}`, which `{}` does not have",
                        bounded(unknown),
                        ty.name
                    ),
                ));
            }
        } else if !has(key) {
            return Err(target.invalid(
                &pointer_join("", key),
                format!(
                    "the diff names `{}`, which `{}` does not have",
                    bounded(key),
                    ty.name
                ),
            ));
        }
    }
    Ok(())
}

/// Checks every property and array `scope` names is one of `ty`.
pub(crate) fn check_scope(
    ty: &EntityType,
    scope: &crate::Scope,
    target: Target<'_>,
) -> Result<(), Error> {
    let crate::Scope::Named {
        properties,
        positions,
    } = scope
    else {
        return Ok(());
    };
    let is_array = |name: &str| ty.relations.iter().any(|r| r.property == name);
    let unknown = properties
        .iter()
        .find(|name| ty.field(name).is_none() && !is_array(name));
    if let Some(name) = unknown {
        return Err(target.invalid(
            &pointer_join("", name),
            format!(
                "the change names `{}`, which `{}` does not have",
                bounded(name),
                ty.name
            ),
        ));
    }
    match positions.keys().find(|name| !is_array(name)) {
        Some(name) => Err(target.invalid(
            &pointer_join("", name),
            format!(
                "the change lists positions of `{}`, which is not an array of `{}`",
                bounded(name),
                ty.name
            ),
        )),
        None => Ok(()),
    }
}

/// Validates `full` as the whole state of aggregate `target` of type `ty`; of the arrays
/// `changed` names, only the children at the listed positions (the others are trusted
/// unchanged). The tree is [sealed](crate::shared::seal): its binary values are in the
/// form their columns store.
pub(crate) fn validate<'a>(
    model: &'a Model,
    ty: &'a EntityType,
    full: &'a Value,
    changed: Option<&BTreeMap<String, Vec<usize>>>,
    dialect: Dialect,
    target: Target<'_>,
) -> Result<RowTree<'a>, Error> {
    let mut tree = row_tree(model, ty, full, RowPointer::Top, changed, dialect, target)?;
    check_id(&tree, target)?;
    crate::shared::seal(&mut tree);
    Ok(tree)
}

/// Checks the pk of top-level row `tree` is the id the call names.
pub(crate) fn check_id(tree: &RowTree<'_>, target: Target<'_>) -> Result<(), Error> {
    let ty = tree.ty;
    let expected = id_value(ty, target)?;
    if *tree.pk() != expected {
        let property = &ty.pk().expect("an aggregate type has a pk").property;
        let pointer = pointer_join("", property);
        return Err(target.invalid(
            &pointer,
            format!(
                "`{}` is {} but the id given is `{}`",
                property,
                describe(tree.pk()),
                bounded(target.id)
            ),
        ));
    }
    Ok(())
}

/// Checks a row's text key fits MySQL's key columns, on MySQL.
pub(crate) fn check_key_length(
    ty: &EntityType,
    values: &[SqlValue<'_>],
    row: &RowPointer,
    dialect: Dialect,
    target: Target<'_>,
) -> Result<(), Error> {
    let pk = ty.pk_index.map(|i| (&ty.fields[i], &values[i]));
    if let (Dialect::Mysql, Some((pk, SqlValue::Text(id)))) = (dialect, pk) {
        if id.chars().count() > MYSQL_KEY_LENGTH {
            let at = row.join(&pk.property);
            return Err(target.invalid(&at, format!("ids are at most {MYSQL_KEY_LENGTH} characters on MySQL (key columns are {}, compared byte for byte)", nasc_model::ddl::MYSQL_KEY_TYPE)));
        }
    }
    Ok(())
}

/// The keys of the rows of one array met so far, refusing a key met twice (rows of a
/// positional type, told apart by their position, are not checked).
pub(crate) struct SeenKeys<'a> {
    keys: HashSet<ChildKey<'a>>,
    property: &'a str,
}

impl<'a> SeenKeys<'a> {
    /// For an array `property` of rows of `child`, about `rows` long.
    pub fn new(child: &EntityType, property: &'a str, rows: usize) -> SeenKeys<'a> {
        let capacity = if child.positional { 0 } else { rows };
        SeenKeys {
            keys: HashSet::with_capacity(capacity),
            property,
        }
    }

    /// Records the key of `row`: an error when an earlier row of the array has it.
    pub fn insert(&mut self, row: &RowTree<'a>, target: Target<'_>) -> Result<(), Error> {
        let Some(key) = row.key() else {
            return Ok(());
        };
        if self.keys.insert(ChildKey::of(key)) {
            return Ok(());
        }
        let pk = &row.ty.fields[row.ty.pk_index.expect("keyed")].property;
        Err(target.invalid(
            &row.at.join(pk),
            format!(
                "`{pk}` {} appears twice in `{}`",
                describe(key),
                self.property
            ),
        ))
    }
}

/// A row key as a map key (keys are strings or integers; borrowed text stays borrowed).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum ChildKey<'a> {
    Text(Cow<'a, str>),
    Integer(i64),
}

impl<'a> ChildKey<'a> {
    pub(crate) fn of(value: &SqlValue<'a>) -> ChildKey<'a> {
        match value {
            SqlValue::Integer(i) => ChildKey::Integer(*i),
            SqlValue::Text(s) => ChildKey::Text(s.clone()),
            other => ChildKey::Text(format!("{other:?}").into()),
        }
    }

    /// The key of a bind value, taking its text.
    pub(crate) fn from_value(value: SqlValue<'a>) -> ChildKey<'a> {
        match value {
            SqlValue::Integer(i) => ChildKey::Integer(i),
            SqlValue::Text(s) => ChildKey::Text(s),
            other => ChildKey::Text(format!("{other:?}").into()),
        }
    }

    /// The key as a bind value.
    pub(crate) fn value(self) -> SqlValue<'a> {
        match self {
            ChildKey::Integer(i) => SqlValue::Integer(i),
            ChildKey::Text(s) => SqlValue::Text(s),
        }
    }
}

fn describe(value: &SqlValue) -> String {
    match value {
        SqlValue::Text(s) => format!("{:?}", bounded(s)),
        SqlValue::Integer(i) => i.to_string(),
        other => format!("{other:?}"),
    }
}

fn row_tree<'a>(
    model: &'a Model,
    ty: &'a EntityType,
    value: &'a Value,
    row: RowPointer,
    changed: Option<&BTreeMap<String, Vec<usize>>>,
    dialect: Dialect,
    target: Target<'_>,
) -> Result<RowTree<'a>, Error> {
    let Some(object) = value.as_object() else {
        return Err(target.invalid(
            &row.path(),
            format!("expected a `{}` object, found {}", ty.name, kind(value)),
        ));
    };
    for key in object.keys() {
        if ty.field(key).is_none() && !ty.relations.iter().any(|r| &r.property == key) {
            let names = ty
                .fields
                .iter()
                .map(|f| f.property.as_str())
                .chain(ty.relations.iter().map(|r| r.property.as_str()));
            let hint = closest(key, names)
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            return Err(target.invalid(
                &row.join(key),
                format!("`{}` has no property `{}`{hint}", ty.name, bounded(key)),
            ));
        }
    }
    let mut values = Vec::with_capacity(ty.fields.len());
    for field in &ty.fields {
        values.push(field_value(
            ty,
            field,
            object.get(&field.property),
            &row,
            &model.embedded,
            target,
        )?);
    }
    check_key_length(ty, &values, &row, dialect, target)?;
    let mut children = Vec::with_capacity(ty.relations.len());
    let mut positions = Vec::with_capacity(ty.relations.len());
    for relation in &ty.relations {
        let at: Arc<str> = row.join(&relation.property).into();
        let child_ty = model.child(relation);
        let items = match object.get(&relation.property) {
            None if relation.required => {
                return Err(target.invalid(
                    &at,
                    format!("`{}` requires `{}`", ty.name, relation.property),
                ))
            }
            None => &[][..],
            Some(Value::Array(items)) => items.as_slice(),
            Some(other) => {
                return Err(target.invalid(
                    &at,
                    format!(
                        "expected an array of `{}`, found {}",
                        relation.child,
                        kind(other)
                    ),
                ))
            }
        };
        let only: Option<Vec<usize>> = changed.and_then(|c| c.get(&relation.property)).cloned();
        // Of an array the diff gives positions for, only those children are converted.
        let whole = only.is_none();
        if let (true, Some(array)) = (whole, object.get(&relation.property)) {
            relation
                .check_array(array, &at)
                .map_err(|(at, message)| target.invalid(&at, message))?;
        }
        let count = only.as_ref().map_or(items.len(), Vec::len);
        let indices = (0..count).map(|n| only.as_ref().map_or(n, |only| only[n]));
        let mut rows = Vec::with_capacity(count);
        let mut seen = SeenKeys::new(child_ty, &relation.property, count);
        for i in indices {
            let item = items.get(i).ok_or_else(|| {
                target.invalid(
                    &at,
                    format!(
                        "the diff names position {i} of `{}`, which has {} items",
                        relation.property,
                        items.len()
                    ),
                )
            })?;
            let item_at = RowPointer::Item {
                array: at.clone(),
                index: i,
            };
            let child = row_tree(model, child_ty, item, item_at, None, dialect, target)?;
            // (Rows of a positional type are told apart by their position.)
            if whole {
                seen.insert(&child, target)?;
            }
            rows.push(child);
        }
        children.push(rows);
        positions.push(only.map(|only| (items.len(), only)));
    }
    Ok(RowTree {
        ty,
        values,
        children,
        positions,
        at: row,
        shared: Default::default(),
    })
}

pub(crate) fn field_value<'a>(
    ty: &EntityType,
    field: &'a Field,
    value: Option<&'a Value>,
    row: &RowPointer,
    embedded: &BTreeMap<String, ObjectShape>,
    target: Target<'_>,
) -> Result<SqlValue<'a>, Error> {
    // An optional property left out takes the schema's `default`, when it has one.
    let value = match value {
        None if !field.required => field.default.as_ref(),
        value => value,
    };
    // The value's pointer, made only for an error: most values have none.
    let pointer = || row.join(&field.property);
    let expected = match field.scalar {
        ScalarType::Bytes => nasc_model::bytes::EXPECTED,
        scalar => scalar.schema_name(),
    };
    let requires = || {
        target.invalid(
            &pointer(),
            format!("`{}` requires `{}`", ty.name, field.property),
        )
    };
    if field.scalar == ScalarType::Json {
        // The document is stored as its JSON text (a JSON `null` too); SQL NULL means absent.
        return match value {
            None if field.required => Err(requires()),
            None => Ok(SqlValue::Null(ScalarType::Json)),
            Some(Value::Null) if field.null_allowed => Ok(SqlValue::Text("null".into())),
            Some(value) => {
                check_document(value, &pointer())
                    .and_then(|()| field.check_value(value, &pointer(), embedded))
                    .map_err(|(at, message)| target.invalid(&at, message))?;
                Ok(SqlValue::Text(value.to_string().into()))
            }
        };
    }
    let value = match value {
        None if field.required => return Err(requires()),
        None => return Ok(SqlValue::Null(field.scalar)),
        Some(Value::Null) if field.null_allowed => return Ok(SqlValue::Null(field.scalar)),
        Some(Value::Null) if !field.required => {
            return Err(target.invalid(&pointer(), format!("expected {expected}, found null: `{}` is optional, so omit it, or allow null in the schema with `[\"{expected}\", \"null\"]`", field.property)))
        }
        Some(value) => value,
    };
    // Enums and validation keywords; a plain scalar has nothing more to check.
    if !matches!(field.shape, JsonShape::Scalar(_)) {
        field
            .check_value(value, &pointer(), embedded)
            .map_err(|(at, message)| target.invalid(&at, message))?;
    }
    let converted = match (field.scalar, value) {
        (ScalarType::String, Value::String(s)) => {
            if let Some(problem) = text_problem(s) {
                return Err(target.invalid(&pointer(), format!("the string {problem}")));
            }
            Some(SqlValue::Text(Cow::Borrowed(s)))
        }
        (ScalarType::DateTime, Value::String(s)) => Some(SqlValue::Text(
            nasc_model::datetime::to_stored(s)
                .map_err(|e| target.invalid(&pointer(), e))?
                .into(),
        )),
        (ScalarType::Bytes, Value::String(s)) => match nasc_model::bytes::decode(s) {
            Ok(bytes) => Some(SqlValue::Bytes(Cow::Owned(bytes))),
            Err(e) => {
                return Err(target.invalid(
                    &pointer(),
                    format!(
                        "expected {}, found a string that is not ({e})",
                        nasc_model::bytes::EXPECTED
                    ),
                ))
            }
        },
        (ScalarType::Boolean, Value::Bool(b)) => Some(SqlValue::Bool(*b)),
        (ScalarType::Number, Value::Number(n)) => n.as_f64().map(SqlValue::Real),
        (ScalarType::Integer, Value::Number(n)) => match n.as_i64() {
            Some(i) => Some(SqlValue::Integer(i)),
            None if n.is_u64() => {
                return Err(target.invalid(
                    &pointer(),
                    format!("{n} does not fit a 64-bit signed integer"),
                ))
            }
            None => None,
        },
        _ => None,
    };
    converted.ok_or_else(|| {
        target.invalid(
            &pointer(),
            format!("expected {expected}, found {}", kind(value)),
        )
    })
}

/// Rebuilds the scalar properties of one row from its cells (one per field, in order).
/// NULL in an optional property omits it; NULL where null is allowed gives `null`.
pub(crate) fn object_from_cells(
    ty: &EntityType,
    cells: Vec<Cell>,
    pointer: &str,
    target: Target<'_>,
) -> Result<Map<String, Value>, Error> {
    if cells.len() != ty.fields.len() {
        return Err(target.corrupt(
            pointer,
            format!(
                "expected {} columns, found {}",
                ty.fields.len(),
                cells.len()
            ),
        ));
    }
    let mut object = Map::with_capacity(ty.fields.len() + ty.relations.len());
    for (field, cell) in ty.fields.iter().zip(cells) {
        // The value's pointer, made only for an error.
        let at = || pointer_join(pointer, &field.property);
        let value = match (field.scalar, cell) {
            (_, Cell::Null) if field.null_allowed => Value::Null,
            (_, Cell::Null) if !field.required => continue,
            (ScalarType::Json, Cell::Text(text)) => serde_json::from_str(&text).map_err(|e| {
                target.corrupt(
                    &at(),
                    format!("column `{}` holds malformed JSON: {e}", field.column),
                )
            })?,
            (ScalarType::String, Cell::Text(s)) => Value::String(s),
            (ScalarType::DateTime, Cell::Text(s)) => match nasc_model::datetime::from_stored(&s) {
                Some(loaded) => Value::String(loaded),
                None => {
                    return Err(target.corrupt(
                        &at(),
                        format!("column `{}` holds `{s}`, not a date-time", field.column),
                    ))
                }
            },
            (ScalarType::Bytes, cell @ (Cell::Bytes(_) | Cell::Text(_))) => {
                let bytes = cell.into_bytes().unwrap_or_default();
                Value::String(nasc_model::bytes::encode(&bytes))
            }
            (ScalarType::Integer, Cell::Integer(i)) => Value::from(i),
            (ScalarType::Boolean, Cell::Integer(i @ (0 | 1))) => Value::Bool(i == 1),
            (ScalarType::Boolean, Cell::Bool(b)) => Value::Bool(b),
            (ScalarType::Number, Cell::Real(f)) => Value::from(f),
            (ScalarType::Number, Cell::Integer(i)) => Value::from(i as f64),
            (scalar, cell) => {
                return Err(target.corrupt(
                    &at(),
                    format!(
                        "column `{}` holds {cell:?}, not a {}",
                        field.column,
                        scalar.schema_name()
                    ),
                ))
            }
        };
        object.insert(field.property.clone(), value);
    }
    Ok(object)
}

/// A stored cell as a bindable value, taking its text.
pub(crate) fn cell_into_value(cell: Cell, scalar: ScalarType) -> SqlValue<'static> {
    match cell {
        Cell::Text(s) => SqlValue::Text(Cow::Owned(s)),
        other => cell_to_value(&other, scalar).into_owned(),
    }
}

/// The pk of a stored row as a bindable value.
pub(crate) fn cell_to_value(cell: &Cell, scalar: ScalarType) -> SqlValue<'_> {
    match cell {
        Cell::Null => SqlValue::Null(scalar),
        Cell::Bool(b) => SqlValue::Bool(*b),
        Cell::Integer(i) => SqlValue::Integer(*i),
        Cell::Real(f) => SqlValue::Real(*f),
        Cell::Text(s) => SqlValue::Text(Cow::Borrowed(s)),
        Cell::Bytes(bytes) => SqlValue::Bytes(Cow::Borrowed(bytes)),
    }
}
