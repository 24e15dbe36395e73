//! The plain-library core of nasc, shared by the proc macros and the runtime.
//!
//! It goes `source` (read the two JSON files) -> [`build`] (turn schema + mapping into the
//! [`Model`], validating every rule and collecting every error) -> [`ddl`] (render tables for a
//! SQL dialect). [`naming`] holds the naming rules both sides must agree on.

#![warn(missing_docs)]

pub mod build;
pub mod bytes;
pub mod catalog;
pub mod check;
pub mod constraints;
pub mod datetime;
pub mod ddl;
pub mod error;
pub mod model;
pub mod naming;
pub mod relayout;
pub mod shape;
pub mod source;

pub use constraints::{Constraints, Format};
pub use ddl::Dialect;
pub use error::{ModelError, ModelErrors};
pub use model::{
    EntityType, Field, Generated, IndexSpec, Model, ParentLink, Relation, RowKey, ScalarType,
};
pub use shape::{JsonShape, ObjectShape, PropertyShape};
pub use source::Source;

#[cfg(test)]
mod test_support {
    use crate::Model;
    use std::path::Path;

    /// The model of the repository's demo schema and mapping.
    pub fn demo_model() -> Model {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
        crate::build::build_files(
            (&root.join("app.schema.json"), "app.schema.json"),
            (&root.join("app.mapping.json"), "app.mapping.json"),
        )
        .unwrap()
    }
}
