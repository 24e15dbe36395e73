//! PostgreSQL.

use super::MappedConnection;
use crate::aggregate::Cell;
use crate::bind::{decode_row, CellRow};
use diesel::connection::SimpleConnection;
use diesel::deserialize::{self, FromSql, QueryableByName};
use diesel::pg::{Pg, PgConnection};
use diesel::row::NamedRow;
use diesel::sql_types::{BigInt, Binary, Bool, Double, Float, Integer, SmallInt, Text};
use diesel::QueryResult;
use nasc_model::Dialect;

impl MappedConnection for PgConnection {
    const DIALECT: Dialect = Dialect::Postgres;
    const FEATURE: &'static str = "postgres";

    fn configure(&mut self) -> QueryResult<()> {
        // `CREATE ... IF NOT EXISTS` on existing tables is not worth a notice.
        self.batch_execute("SET client_min_messages = warning")
    }

    super::run_through_bound!();
}

/// PostgreSQL type oids of the columns nasc creates.
mod oid {
    pub const BOOL: u32 = 16;
    pub const BYTEA: u32 = 17;
    pub const INT8: u32 = 20;
    pub const INT2: u32 = 21;
    pub const INT4: u32 = 23;
    pub const TEXT: u32 = 25;
    pub const FLOAT4: u32 = 700;
    pub const FLOAT8: u32 = 701;
    pub const BPCHAR: u32 = 1042;
    pub const VARCHAR: u32 = 1043;
}

impl QueryableByName<Pg> for CellRow {
    fn build<'a>(row: &impl NamedRow<'a, Pg>) -> deserialize::Result<Self> {
        decode_row(row, |value| {
            Ok(match value.get_oid().get() {
                oid::BOOL => Cell::Bool(<bool as FromSql<Bool, Pg>>::from_sql(value)?),
                oid::INT8 => Cell::Integer(<i64 as FromSql<BigInt, Pg>>::from_sql(value)?),
                oid::INT4 => Cell::Integer(<i32 as FromSql<Integer, Pg>>::from_sql(value)?.into()),
                oid::INT2 => Cell::Integer(<i16 as FromSql<SmallInt, Pg>>::from_sql(value)?.into()),
                oid::FLOAT8 => Cell::Real(<f64 as FromSql<Double, Pg>>::from_sql(value)?),
                oid::FLOAT4 => Cell::Real(<f32 as FromSql<Float, Pg>>::from_sql(value)?.into()),
                oid::TEXT | oid::VARCHAR | oid::BPCHAR => {
                    Cell::Text(<String as FromSql<Text, Pg>>::from_sql(value)?)
                }
                oid::BYTEA => Cell::Bytes(<Vec<u8> as FromSql<Binary, Pg>>::from_sql(value)?),
                other => return Err(format!("unexpected column type (oid {other})").into()),
            })
        })
    }
}
