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
/// How many times a new connection tries again to turn the file to WAL when it is locked.
const WAL_ATTEMPTS: u32 = 40;

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
        self.batch_execute(&format!("PRAGMA busy_timeout = {BUSY_TIMEOUT_MS};"))?;
        // Turning a new file to WAL takes its exclusive lock, and SQLite may answer
        // "locked" at once rather than wait when many connections open it together (40
        // replicas starting at once did): tried again, briefly.
        let mut attempt = 0;
        loop {
            match self.batch_execute("PRAGMA journal_mode = WAL;") {
                Err(diesel::result::Error::DatabaseError(_, info))
                    if info.message().contains("locked") && attempt < WAL_ATTEMPTS =>
                {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(
                        5 * u64::from(attempt) + fastrand::u64(0..5),
                    ));
                }
                result => break result?,
            }
        }
        self.batch_execute("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
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
                Some(SqliteType::Binary) => Cell::Bytes(value.read_blob().to_vec()),
            })
        })
    }
}
