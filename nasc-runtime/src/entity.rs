//! The trait generated for every entity type.

/// A Rust type that stands for one mapped schema type.
///
/// Implemented by `schema!` for the types it generates and by `#[derive(Entity)]` for
/// hand-written structs; both convert to and from the schema's JSON shape (property names
/// as in the schema).
pub trait Entity: Sized {
    /// The schema type name (the key under `$defs`).
    const TYPE_NAME: &'static str;

    /// The primary key as the string the [`Store`](crate::Store) API takes.
    fn id(&self) -> String;

    /// The entity as schema-shaped JSON; a float JSON cannot carry (NaN, infinite) is an
    /// error naming its property, never a silent `null`.
    fn to_json(&self) -> Result<serde_json::Value, serde_json::Error>;

    /// The entity from schema-shaped JSON.
    fn from_json(value: serde_json::Value) -> Result<Self, serde_json::Error>;
}
