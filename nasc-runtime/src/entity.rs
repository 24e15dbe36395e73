//! The traits generated for every entity type.

/// A Rust type that stands for one mapped schema type.
///
/// Implemented by `schema!` for the types it generates and by `#[derive(Entity)]` for
/// hand-written structs; both convert to and from the schema's JSON shape (property names
/// as in the schema).
pub trait Entity: Sized {
    /// The schema type name (the key under `$defs`).
    const TYPE_NAME: &'static str;

    /// The entity as schema-shaped JSON; a float JSON cannot carry (NaN, infinite) is an
    /// error naming its property, never a silent `null`.
    fn to_json(&self) -> Result<serde_json::Value, serde_json::Error>;

    /// The entity from schema-shaped JSON.
    fn from_json(value: serde_json::Value) -> Result<Self, serde_json::Error>;

    /// The entity from its stored row and its children's, decoded field by field (plain
    /// scalars without going through JSON); an error names the value's pointer.
    fn from_row(row: crate::rows::LoadedRow) -> Result<Self, crate::rows::RowError>;

    /// Encodes the entity into `row` for the write engine: its fields in the schema's
    /// order (plain scalars borrowed, the rest through serde), then each array's children,
    /// checked as the JSON front end checks a document.
    fn encode_row<'a>(
        &'a self,
        row: &mut crate::encode::RowEncoder<'a>,
    ) -> Result<(), crate::Error>;
}

/// An entity that is stored as a top-level aggregate: it has a pk. A type whose rows are
/// identified by their position in an array (no pk, or `"positional": true` in the
/// mapping) is only an [`Entity`], so saving one on its own does not compile.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an aggregate: it has no pk, or its mapping says `positional`, so it is stored only in its parents' arrays",
    label = "saved, loaded or removed on its own here",
    note = "save the aggregate whose array holds it, or give its schema type an `id` (or a `pk` in the mapping)"
)]
pub trait Aggregate: Entity {
    /// The primary key as the string the [`Store`](crate::Store) API takes.
    fn id(&self) -> String;
}
