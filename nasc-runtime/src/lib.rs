//! nasc: store schema-described aggregates in relational databases.
//!
//! Describe the data once as JSON Schema plus a mapping file, then either generate the Rust
//! types with [`schema!`] or check hand-written ones with [`derive@Entity`]. Save and load
//! whole aggregates (a parent row plus its ordered child rows) with any [`Store`], such as
//! [`SqliteMappedStore`].
//!
//! ```no_run
//! mod app {
//!     // Paths are relative to the crate's Cargo.toml (here, the repository's demo schema).
//!     nasc_runtime::schema!(schema = "../schemas/app.schema.json", mapping = "../schemas/app.mapping.json");
//! }
//! use nasc_runtime::prelude::*;
//!
//! # fn main() -> Result<(), nasc_runtime::Error> {
//! let store = SqliteMappedStore::open("app.db", app::registry())?;
//! let list = app::TodoList { id: "l1".into(), items: vec![] };
//! store.save(&list)?;
//! assert_eq!(store.get::<app::TodoList>("l1")?, Some(list));
//! # Ok(()) }
//! ```

mod aggregate;
mod bind;
mod entity;
mod error;
mod registry;
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;
mod store;

#[doc(hidden)]
pub mod __private;

pub use entity::Entity;
pub use error::Error;
pub use nasc_derive::{schema, Entity};
pub use nasc_model::{Dialect, Model, ModelError, ModelErrors};
pub use registry::Registry;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteMappedStore;
pub use store::Store;

/// The diesel version nasc is built on; generated table definitions use it.
pub use diesel;
/// The serde version generated types derive with.
pub use serde;
/// The serde_json version of the [`Store`] API.
pub use serde_json;

/// The traits and types most programs need.
pub mod prelude {
    #[cfg(feature = "sqlite")]
    pub use crate::SqliteMappedStore;
    pub use crate::{Entity, Error, Registry, Store};
}
