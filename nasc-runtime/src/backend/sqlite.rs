//! Embedded SQLite.

use super::MappedConnection;
use crate::aggregate::Cell;
use crate::bind::{decode_row, CellRow};
use diesel::connection::SimpleConnection;
use diesel::deserialize::{self, QueryableByName};
use diesel::row::NamedRow;
use diesel::sqlite::{Sqlite, SqliteType};
use diesel::{QueryResult, SqliteConnection};
use nasc_model::Dialect;

/// How long a writer waits for another connection's lock before failing, in milliseconds.
pub const BUSY_TIMEOUT_MS: u32 = 5_000;

impl MappedConnection for SqliteConnection {
    const DIALECT: Dialect = Dialect::Sqlite;
    const FEATURE: &'static str = "sqlite";

    fn connection_target(url: &str) -> String {
        url.strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url)
            .to_owned()
    }

    fn configure(&mut self) -> QueryResult<()> {
        self.batch_execute(&format!(
            "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; \
             PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
        ))
    }

    super::run_through_bound!();

    fn write_transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Self) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        // Inside a transaction already (a call within `DieselStore::transaction`, which
        // took the write lock): a savepoint.
        let open = <diesel::connection::AnsiTransactionManager as diesel::connection::TransactionManager<Self>>::transaction_manager_status_mut(self)
            .transaction_depth()
            .ok()
            .flatten()
            .is_some();
        match open {
            true => diesel::Connection::transaction(self, f),
            false => self.immediate_transaction(f),
        }
    }
}

impl QueryableByName<Sqlite> for CellRow {
    fn build<'a>(row: &impl NamedRow<'a, Sqlite>) -> deserialize::Result<Self> {
        decode_row(row, |mut value| {
            Ok(match value.value_type() {
                None => Cell::Null,
                Some(SqliteType::Long | SqliteType::Integer | SqliteType::SmallInt) => {
                    Cell::Integer(value.read_long())
                }
                Some(SqliteType::Double | SqliteType::Float) => Cell::Real(value.read_double()),
                Some(SqliteType::Text) => Cell::Text(value.read_text().to_owned()),
                Some(SqliteType::Binary) => return Err("unexpected BLOB value".into()),
            })
        })
    }
}
