//! The diesel connections nasc stores through, one module per backend.

#[cfg(feature = "postgres")]
pub(crate) mod listen;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(feature = "sqlite")]
pub(crate) use sqlite::BUSY_TIMEOUT_MS as SQLITE_BUSY_TIMEOUT_MS;

use crate::aggregate::{Cell, SqlValue};
use crate::sql::Sql;
use diesel::r2d2::R2D2Connection;
use diesel::QueryResult;
use nasc_model::Dialect;

/// A diesel connection type the mapped store works through: SQLite, PostgreSQL or MySQL,
/// each behind its cargo feature. Implemented by nasc only.
pub trait MappedConnection: R2D2Connection + Send + 'static {
    /// The SQL dialect of the backend.
    const DIALECT: Dialect;
    /// The cargo feature that compiles the backend in.
    const FEATURE: &'static str;

    /// Turns `url` into what the connection's `establish` takes.
    fn connection_target(url: &str) -> String {
        url.to_owned()
    }

    /// Session settings applied to every new connection of the pool.
    fn configure(&mut self) -> QueryResult<()>;

    /// Runs a statement; the number of rows it affected.
    fn run(&mut self, sql: &Sql, binds: &[SqlValue]) -> QueryResult<usize>;

    /// Runs a query; its rows as cells, in column order.
    fn rows(&mut self, sql: &Sql, binds: &[SqlValue]) -> QueryResult<Vec<Vec<Cell>>>;

    /// Runs a query, handing each row to `each` as it is read (no list of the rows is
    /// made).
    fn each_row(
        &mut self,
        sql: &Sql,
        binds: &[SqlValue],
        each: &mut dyn FnMut(Vec<Cell>),
    ) -> QueryResult<()>;

    /// Runs `f` in a write transaction (SQLite takes the write lock at `BEGIN`).
    fn write_transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Self) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        self.transaction(f)
    }
}

/// A connection that hears the change log's commits, where the backend tells
/// (PostgreSQL's `LISTEN`), to the database at `url`, in `namespace` (its session
/// statement run first). `None` where followers poll.
pub(crate) fn change_listener(
    dialect: Dialect,
    url: &str,
    namespace: &crate::namespace::Namespace,
) -> Option<Result<crate::change_log::Waiter, String>> {
    match dialect {
        #[cfg(feature = "postgres")]
        Dialect::Postgres => Some(
            listen::Listener::connect(url, namespace.session().as_deref())
                .map(|listener| Box::new(listener) as crate::change_log::Waiter),
        ),
        _ => {
            let _ = (url, namespace);
            None
        }
    }
}

/// `run` and `rows` for a concrete connection through [`crate::bind::Bound`].
macro_rules! run_through_bound {
    () => {
        fn run(
            &mut self,
            sql: &crate::sql::Sql,
            binds: &[crate::aggregate::SqlValue],
        ) -> diesel::QueryResult<usize> {
            let written = diesel::RunQueryDsl::execute(crate::bind::Bound::new(sql, binds), self)?;
            crate::trace::wrote(written);
            Ok(written)
        }

        fn rows(
            &mut self,
            sql: &crate::sql::Sql,
            binds: &[crate::aggregate::SqlValue],
        ) -> diesel::QueryResult<Vec<Vec<crate::aggregate::Cell>>> {
            let rows: Vec<crate::bind::CellRow> =
                diesel::RunQueryDsl::load(crate::bind::Bound::new(sql, binds), self)?;
            crate::trace::read(rows.len());
            Ok(rows.into_iter().map(|row| row.0).collect())
        }

        fn each_row(
            &mut self,
            sql: &crate::sql::Sql,
            binds: &[crate::aggregate::SqlValue],
            each: &mut dyn FnMut(Vec<crate::aggregate::Cell>),
        ) -> diesel::QueryResult<()> {
            let rows = diesel::RunQueryDsl::load_iter::<
                crate::bind::CellRow,
                diesel::connection::DefaultLoadingMode,
            >(crate::bind::Bound::new(sql, binds), self)?;
            let mut read = 0;
            for row in rows {
                each(row?.0);
                read += 1;
            }
            crate::trace::read(read);
            Ok(())
        }
    };
}
pub(crate) use run_through_bound;
