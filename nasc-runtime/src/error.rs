//! The one error type of the runtime.

use nasc_model::error::bounded;
use nasc_model::ModelErrors;

/// Everything that can go wrong saving, loading or deleting an aggregate.
///
/// Errors about data name the aggregate's type and id and the JSON pointer of the value
/// concerned (`""` is the whole document).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The type is not in the store's registry.
    #[error("unknown type `{}`: the registry holds {known}", bounded(ty))]
    UnknownType {
        /// The type asked for.
        ty: String,
        /// The types the registry holds.
        known: String,
    },
    /// The type's rows are identified by their position in an array (it has no pk, or the
    /// mapping says `positional`): it is stored only as a child, never on its own.
    #[error("`{}` is stored only in its parents' arrays (its rows are identified by their position): it cannot be saved, loaded or deleted on its own", bounded(ty))]
    NotAnAggregate {
        /// The type asked for.
        ty: String,
    },
    /// The input does not match the schema; nothing was written.
    #[error("invalid {ty} `{}` at {}: {message}", bounded(id), at(pointer))]
    Invalid {
        /// Aggregate type.
        ty: String,
        /// Aggregate id.
        id: String,
        /// JSON pointer of the offending value.
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// The write would break a unique key another row holds (a mapping's `unique`, or an id
    /// another writer took meanwhile); nothing was written.
    #[error("conflict saving {ty} `{}` at {}: {message}", bounded(id), at(pointer))]
    Conflict {
        /// Aggregate type.
        ty: String,
        /// Aggregate id.
        id: String,
        /// JSON pointer of the value concerned.
        pointer: String,
        /// What conflicts.
        message: String,
    },
    /// The state was based on an older version than the stored one (another writer saved in
    /// between); nothing was written. Load again and reapply.
    #[error("version conflict on {ty} `{}`: the state is based on version {expected}, the stored version is {actual}", bounded(id))]
    VersionConflict {
        /// Aggregate type.
        ty: String,
        /// Aggregate id.
        id: String,
        /// The version the saved state carried.
        expected: i64,
        /// The version stored.
        actual: i64,
    },
    /// A stored row does not fit the schema (edited outside nasc, or a schema change).
    #[error(
        "stored {ty} `{}` cannot be read at {}: {message}",
        bounded(id),
        at(pointer)
    )]
    Corrupt {
        /// Aggregate type.
        ty: String,
        /// Aggregate id.
        id: String,
        /// JSON pointer of the value concerned.
        pointer: String,
        /// What does not fit.
        message: String,
    },
    /// The database reported an error; the transaction was rolled back.
    #[error(
        "database error while {action} {ty} `{}` at {}: {source}",
        bounded(id),
        at(pointer)
    )]
    Database {
        /// What nasc was doing (`saving`, `loading`, `deleting`).
        action: &'static str,
        /// Aggregate type.
        ty: String,
        /// Aggregate id.
        id: String,
        /// JSON pointer of the value being written or read.
        pointer: String,
        /// The database's error.
        #[source]
        source: diesel::result::Error,
    },
    /// No pooled connection could be had (all busy past the timeout, or the server is gone).
    #[error("no database connection{}: {message}", for_aggregate(ty, id))]
    Pool {
        /// Aggregate type (empty outside an aggregate call).
        ty: String,
        /// Aggregate id.
        id: String,
        /// The pool's error.
        message: String,
    },
    /// A setting from the environment does not parse ([`crate::StoreOptions::from_env`]).
    #[error("{variable} {message}")]
    Config {
        /// The environment variable.
        variable: &'static str,
        /// What is wrong with its value.
        message: String,
    },
    /// Opening the database or creating its tables failed.
    #[error("cannot open `{target}`: {message}")]
    Open {
        /// The database path or URL.
        target: String,
        /// Why.
        message: String,
    },
    /// The database holds a schema whose differences from the compiled one are not all
    /// additive; nothing was changed. The plan lists each change with its SQL, and writes
    /// them as a diesel migration ([`crate::MigrationPlan::write_diesel_migration`]) that
    /// records the new schema when it runs; connecting with [`crate::Migrations::All`]
    /// (and the drops named in [`crate::StoreOptions::drops`]) applies them instead.
    #[error("the schema of `{target}` differs from the compiled one in ways that are not only additions:\n{}", list_changes(&plan.changes))]
    Migration {
        /// The database.
        target: String,
        /// Every change, additive ones included, and the schema they make.
        plan: Box<crate::MigrationPlan>,
    },
    /// An event handler refused the event; nothing changed.
    #[error("{ty} `{}`: event `{}` failed: {message}", bounded(id), bounded(event))]
    Handler {
        /// Instance type.
        ty: String,
        /// Instance id.
        id: String,
        /// The event.
        event: String,
        /// The handler's message.
        message: String,
    },
    /// The aggregate is not stored, and the call needs it to be (`update`,
    /// `update_with`); nothing was written.
    #[error("{ty} `{}` is not stored", bounded(id))]
    NotFound {
        /// Aggregate type.
        ty: String,
        /// Aggregate id.
        id: String,
    },
    /// A query does not fit the schema (an unknown property, a value of the wrong type, an
    /// operator the property's type has no use for, a cursor of another query); nothing was
    /// read.
    #[error("invalid query of {} at {}: {message}", bounded(ty), at_query(pointer))]
    InvalidQuery {
        /// The aggregate type queried.
        ty: String,
        /// JSON pointer of the offending part of the query.
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// The database failed to run a query; nothing was returned.
    #[error("database error while querying {}: {source}", bounded(ty))]
    Query {
        /// The aggregate type queried.
        ty: String,
        /// The database's error.
        #[source]
        source: diesel::result::Error,
    },
    /// The database failed a statement of a transaction's own (its begin or commit, or a
    /// statement the caller ran in it); the transaction was rolled back, unless the caller
    /// went on after its own statement failed.
    #[error("database error while {action} a transaction: {source}")]
    Transaction {
        /// What was being done.
        action: &'static str,
        /// The database's error.
        #[source]
        source: diesel::result::Error,
    },
    /// The store cannot do what was asked (a store without an index cannot run queries).
    #[error("{store} cannot {operation}")]
    Unsupported {
        /// The store.
        store: &'static str,
        /// What it was asked, and what can instead.
        operation: &'static str,
    },
    /// The schema or mapping is invalid.
    #[error("invalid schema or mapping:\n{0}")]
    Model(#[from] ModelErrors),
}

impl Error {
    /// The conflict of an insert whose aggregate is stored already.
    pub(crate) fn exists(ty: &str, id: &str) -> Error {
        Error::Conflict {
            ty: ty.to_owned(),
            id: id.to_owned(),
            pointer: String::new(),
            message: "an aggregate with this id is stored already: `update` or `save` it"
                .to_owned(),
        }
    }
}

/// A JSON pointer for messages: quoted, or "the document root" for `""`.
fn at(pointer: &str) -> String {
    if pointer.is_empty() {
        "the document root".to_owned()
    } else {
        format!("`{}`", bounded(pointer))
    }
}

/// A JSON pointer into a query, for messages.
fn at_query(pointer: &str) -> String {
    if pointer.is_empty() {
        "the query's root".to_owned()
    } else {
        format!("`{}`", bounded(pointer))
    }
}

/// ` for Type `id`` when the call concerns an aggregate.
fn for_aggregate(ty: &str, id: &str) -> String {
    if ty.is_empty() {
        String::new()
    } else {
        format!(" for {ty} `{}`", bounded(id))
    }
}

fn list_changes(changes: &[nasc_model::catalog::Change]) -> String {
    let mut text = String::new();
    for change in changes {
        let kind = match (change.drops.as_slice(), change.additive) {
            ([], true) => "additive".to_owned(),
            ([], false) => "needs Migrations::All".to_owned(),
            (objects, _) => format!(
                "drops data: applied only with Migrations::All and {} in StoreOptions::drops",
                objects
                    .iter()
                    .map(|o| format!("`{o}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        text.push_str(&format!("- {} ({kind})\n", change.description));
        for statement in &change.up {
            text.push_str(&format!("    {statement};\n"));
        }
    }
    text
}
