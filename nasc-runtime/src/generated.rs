//! Keys made for new aggregates whose pk the mapping says is `generated`: a UUID version 7
//! made here, or the database's own sequence (see [`nasc_model::Generated`]).

use crate::aggregate::{Cell, RowTree, SqlValue, Target};
use crate::encode::ScalarRef;
use crate::rows::LoadedRow;
use crate::Error;
use nasc_model::error::pointer_join;
use nasc_model::{EntityType, Generated};
use serde_json::Value;

/// How the pk of an aggregate being inserted is made.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NewKey {
    /// The aggregate's own: the type's pk is not generated, or the aggregate holds one.
    Given,
    /// A UUID version 7 made for it.
    Uuid(String),
    /// The database makes it as the row is inserted.
    Increment,
}

impl NewKey {
    /// The key of a new aggregate of type `ty` whose pk holds `value` in its JSON (absent:
    /// `None`). A generated pk is made when the aggregate has none: absent, `null`, or the
    /// value a typed entity holds by default (`""` for a `uuid`, `0` for an `increment`).
    pub fn of_json(ty: &EntityType, value: Option<&Value>) -> NewKey {
        let unset = match value {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(Value::Number(n)) => n.as_i64() == Some(0),
            Some(_) => false,
        };
        NewKey::made(ty, unset)
    }

    /// The key of a new typed aggregate of type `ty` whose id is `id` (the text of its pk).
    pub fn of_id(ty: &EntityType, id: &str) -> NewKey {
        NewKey::made(ty, NewKey::unset(ty, id))
    }

    /// Whether `id` is the unset key of a type whose key is generated.
    fn unset(ty: &EntityType, id: &str) -> bool {
        match ty.generated {
            Some(Generated::Uuid) => id.is_empty(),
            Some(Generated::Increment) => id == "0",
            None => false,
        }
    }

    fn made(ty: &EntityType, unset: bool) -> NewKey {
        match ty.generated.filter(|_| unset) {
            None => NewKey::Given,
            Some(Generated::Uuid) => NewKey::Uuid(uuid_v7()),
            Some(Generated::Increment) => NewKey::Increment,
        }
    }

    /// The pk the aggregate is checked and encoded with until it is stored: the made UUID,
    /// or `0` in place of the increment the database has yet to make (an `increment` pk
    /// takes no validation keyword, so `0` passes every check the key would).
    pub fn placeholder(&self) -> Option<ScalarRef<'_>> {
        match self {
            NewKey::Given => None,
            NewKey::Uuid(uuid) => Some(ScalarRef::Text(uuid)),
            NewKey::Increment => Some(ScalarRef::Integer(0)),
        }
    }

    /// [`Self::placeholder`] as JSON.
    pub fn placeholder_json(&self) -> Option<Value> {
        match self {
            NewKey::Given => None,
            NewKey::Uuid(uuid) => Some(Value::String(uuid.clone())),
            NewKey::Increment => Some(Value::from(0)),
        }
    }

    /// Whether the database makes the key.
    pub fn by_database(&self) -> bool {
        *self == NewKey::Increment
    }
}

/// Refuses a save, create or replace of aggregate `target` without a key, of a type whose
/// key is generated: only an insert makes one.
pub(crate) fn check_key_given(ty: &EntityType, target: Target<'_>) -> Result<(), Error> {
    match NewKey::unset(ty, target.id) {
        false => Ok(()),
        true => {
            let pk = ty.pk().map_or("", |pk| &pk.property);
            Err(target.invalid(
                &pointer_join("", pk),
                format!(
                    "`{}` of `{}` is made when the aggregate is inserted (the mapping's `generated`), and this one has none: `insert` it to have one made",
                    pk, ty.name
                ),
            ))
        }
    }
}

/// A new UUID version 7 (RFC 9562: milliseconds since the Unix epoch, then a counter and
/// random bits), in its lowercase hyphenated form. Keys made one after another sort in
/// the order they were made, as text too.
pub(crate) fn uuid_v7() -> String {
    uuid::Uuid::now_v7().hyphenated().to_string()
}

/// The pk as the id the store API takes.
pub(crate) fn id_text(pk: &SqlValue<'_>) -> String {
    match pk {
        SqlValue::Text(text) => text.to_string(),
        SqlValue::Integer(i) => i.to_string(),
        other => unreachable!("a pk is text or an integer, not {other:?}"),
    }
}

/// The pk as JSON.
pub(crate) fn id_json(pk: &SqlValue<'_>) -> Value {
    match pk {
        SqlValue::Integer(i) => Value::from(*i),
        other => Value::String(id_text(other)),
    }
}

/// The rows a create wrote for `tree`, as a load would read them: its pk `pk` (the key
/// stored) and a versioned type's version plus one.
pub(crate) fn stored_rows(tree: &RowTree<'_>, pk: &SqlValue<'_>) -> LoadedRow {
    let mut row = loaded(tree);
    if let Some(index) = tree.ty.pk_index {
        row.cells[index] = cell(pk);
    }
    if let Some(index) = tree.ty.version {
        if let Cell::Integer(version) = &mut row.cells[index] {
            *version = version.saturating_add(1);
        }
    }
    row
}

fn loaded(tree: &RowTree<'_>) -> LoadedRow {
    let mut row = LoadedRow::new(tree.values.iter().map(cell).collect(), tree.children.len());
    for array in &tree.children {
        row.children.push(array.iter().map(loaded).collect());
    }
    row
}

fn cell(value: &SqlValue<'_>) -> Cell {
    match value {
        SqlValue::Null(_) => Cell::Null,
        SqlValue::Text(text) => Cell::Text(text.to_string()),
        SqlValue::Integer(i) => Cell::Integer(*i),
        SqlValue::Real(f) => Cell::Real(*f),
        SqlValue::Bool(b) => Cell::Bool(*b),
        SqlValue::Bytes(bytes) => Cell::Bytes(bytes.to_vec()),
    }
}
