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

#![warn(missing_docs)]

mod aggregate;
mod any;
#[cfg(feature = "tokio")]
pub mod asynchronous;
mod backend;
mod bind;
mod bytes;
mod change_log;
pub mod config;
mod coverage;
mod diff;
pub mod encode;
mod entity;
mod error;
mod generated;
mod json_store;
mod mapped;
mod memory;
mod migration_plan;
mod namespace;
mod pool;
mod probe;
mod processor;
mod purger;
pub mod query;
mod registry;
mod replication;
mod retry;
pub mod rows;
pub mod schema_type;
mod schema_version;
mod scope;
#[cfg(feature = "testing")]
mod scratch;
mod secrets;
mod shared;
mod sql;
mod store;
#[cfg(feature = "testing")]
pub mod testing;
mod trace;
mod watch;

#[doc(hidden)]
pub mod __private;

/// Expands to its items when nasc_runtime has its `sqlite` backend: what `schema!` wraps
/// the sqlite diesel tables in.
#[cfg(feature = "sqlite")]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_sqlite {
    ($($item:item)*) => { $($item)* };
}

/// Expands to nothing: nasc_runtime has no `sqlite` backend.
#[cfg(not(feature = "sqlite"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_sqlite {
    ($($item:item)*) => {};
}

/// Expands to its items when nasc_runtime has its `postgres` backend: what `schema!` wraps
/// the postgres diesel tables in.
#[cfg(feature = "postgres")]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_postgres {
    ($($item:item)*) => { $($item)* };
}

/// Expands to nothing: nasc_runtime has no `postgres` backend.
#[cfg(not(feature = "postgres"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_postgres {
    ($($item:item)*) => {};
}

/// Expands to its items when nasc_runtime has its `mysql` backend: what `schema!` wraps
/// the mysql diesel tables in.
#[cfg(feature = "mysql")]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_mysql {
    ($($item:item)*) => { $($item)* };
}

/// Expands to nothing: nasc_runtime has no `mysql` backend.
#[cfg(not(feature = "mysql"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_mysql {
    ($($item:item)*) => {};
}

pub use aggregate::MAX_DOCUMENT_DEPTH;
pub use any::{JsonStore, MappedStore, MappedTransaction};
#[cfg(feature = "tokio")]
pub use asynchronous::{AsyncFollow, AsyncProcessor, AsyncStore};
pub use backend::MappedConnection;
pub use bytes::Bytes;
pub use change_log::{apply_change, Follow, LoggedChange, CHANGE_LOG_TABLE, FEED_TABLE};
pub use diff::{diff, diff_children, ChildrenDiff, Diff};
pub use entity::{Aggregate, Entity};
pub use error::Error;
pub use json_store::DieselJsonStore;
pub use mapped::{DieselStore, SharedValues, Transaction};
pub use memory::MemoryStore;
pub use migration_plan::{MigrationFiles, MigrationPlan};
pub use nasc_derive::{schema, Entity, SchemaEnum, SchemaObject};
pub use nasc_model::catalog::{Catalog, Change};
pub use nasc_model::{Dialect, Model, ModelError, ModelErrors};
pub use pool::{PoolStats, StoreOptions};
pub use processor::{Committed, FnHandler, Handler, Message, Outcome, Patch, Processor, MOUNT};
pub use purger::Purger;
pub use query::Page;
pub use registry::Registry;
pub use replication::{replicate, ChangeSource, ChangeTarget, Replication};
pub use schema_version::{Migrations, METADATA_TABLE};
pub use scope::Scope;
pub use store::Store;
pub use watch::Watch;

/// The mapped store on embedded SQLite.
#[cfg(feature = "sqlite")]
pub type SqliteMappedStore = DieselStore<diesel::SqliteConnection>;
/// The mapped store on PostgreSQL.
#[cfg(feature = "postgres")]
pub type PgMappedStore = DieselStore<diesel::PgConnection>;
/// The mapped store on MySQL or MariaDB.
#[cfg(feature = "mysql")]
pub type MysqlMappedStore = DieselStore<diesel::MysqlConnection>;

/// The JSON-document store on embedded SQLite.
#[cfg(feature = "sqlite")]
pub type SqliteJsonStore = DieselJsonStore<diesel::SqliteConnection>;
/// The seed's name for the JSON-document store on SQLite.
#[cfg(feature = "sqlite")]
pub type SqliteStore = SqliteJsonStore;
/// The JSON-document store on PostgreSQL.
#[cfg(feature = "postgres")]
pub type PgJsonStore = DieselJsonStore<diesel::PgConnection>;
/// The JSON-document store on MySQL or MariaDB.
#[cfg(feature = "mysql")]
pub type MysqlJsonStore = DieselJsonStore<diesel::MysqlConnection>;

#[cfg(feature = "sqlite")]
impl SqliteMappedStore {
    /// How long a writer waits for another connection's lock, in milliseconds.
    pub const BUSY_TIMEOUT_MS: u32 = backend::SQLITE_BUSY_TIMEOUT_MS;

    /// Opens or creates the database file at `path` (WAL, foreign keys, busy timeout) and
    /// creates the tables of `registry`.
    pub fn open(path: impl AsRef<std::path::Path>, registry: Registry) -> Result<Self, Error> {
        let path = path.as_ref();
        let url = path.to_str().ok_or_else(|| Error::Open {
            target: path.display().to_string(),
            message: "the path is not UTF-8".into(),
        })?;
        Self::connect(url, registry)
    }
}

/// The chrono version of generated `date-time` fields (`chrono::DateTime<Utc>`).
pub use chrono;
/// The diesel version nasc is built on; generated table definitions use it.
pub use diesel;
/// The serde version generated types derive with.
pub use serde;
/// The serde_json version of the [`Store`] API.
pub use serde_json;

/// The traits and types most programs need.
pub mod prelude {
    #[cfg(feature = "mysql")]
    pub use crate::MysqlMappedStore;
    #[cfg(feature = "postgres")]
    pub use crate::PgMappedStore;
    #[cfg(feature = "sqlite")]
    pub use crate::SqliteMappedStore;
    pub use crate::{
        Aggregate, Entity, Error, JsonStore, MappedStore, MemoryStore, Registry, Store,
    };
}
