//! MySQL and MariaDB.

use super::MappedConnection;
use crate::aggregate::Cell;
use crate::bind::{decode_row, CellRow};
use diesel::connection::SimpleConnection;
use diesel::deserialize::{self, FromSql, QueryableByName};
use diesel::mysql::{Mysql, MysqlConnection, MysqlType};
use diesel::row::NamedRow;
use diesel::sql_types::{BigInt, Blob, Double, Float, Integer, SmallInt, Text, TinyInt};
use diesel::QueryResult;
use nasc_model::Dialect;

impl MappedConnection for MysqlConnection {
    const DIALECT: Dialect = Dialect::Mysql;
    const FEATURE: &'static str = "mysql";

    fn connection_target(url: &str) -> String {
        match url.strip_prefix("mariadb://") {
            Some(rest) => format!("mysql://{rest}"),
            None => url.to_owned(),
        }
    }

    fn configure(&mut self) -> QueryResult<()> {
        // READ COMMITTED: no gap locks, so concurrent saves of different aggregates do not
        // deadlock on the child tables' indexes. Strict mode: bad values fail, never shrink.
        self.batch_execute(
            "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED; \
             SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION'",
        )
    }

    super::run_through_bound!();
}

impl QueryableByName<Mysql> for CellRow {
    fn build<'a>(row: &impl NamedRow<'a, Mysql>) -> deserialize::Result<Self> {
        decode_row(row, |value| {
            Ok(match value.value_type() {
                MysqlType::Tiny => {
                    Cell::Integer(<i8 as FromSql<TinyInt, Mysql>>::from_sql(value)?.into())
                }
                MysqlType::Short => {
                    Cell::Integer(<i16 as FromSql<SmallInt, Mysql>>::from_sql(value)?.into())
                }
                MysqlType::Long => {
                    Cell::Integer(<i32 as FromSql<Integer, Mysql>>::from_sql(value)?.into())
                }
                MysqlType::LongLong => {
                    Cell::Integer(<i64 as FromSql<BigInt, Mysql>>::from_sql(value)?)
                }
                MysqlType::Double => Cell::Real(<f64 as FromSql<Double, Mysql>>::from_sql(value)?),
                MysqlType::Float => {
                    Cell::Real(<f32 as FromSql<Float, Mysql>>::from_sql(value)?.into())
                }
                MysqlType::String => Cell::Text(<String as FromSql<Text, Mysql>>::from_sql(value)?),
                // Binary strings: keys and `_bin` collations report it as much as `LONGBLOB`
                // does. Text when it is UTF-8 (each field's type tells which it is, see
                // `Cell::into_bytes`).
                MysqlType::Blob => {
                    let bytes = <Vec<u8> as FromSql<Blob, Mysql>>::from_sql(value)?;
                    match String::from_utf8(bytes) {
                        Ok(text) => Cell::Text(text),
                        Err(e) => Cell::Bytes(e.into_bytes()),
                    }
                }
                other => return Err(format!("unexpected column type {other:?}").into()),
            })
        })
    }
}
