//! Running nasc's rendered SQL through diesel: a query fragment that interleaves the SQL
//! pieces with typed bind values. Its statement is cached by SQL text like any dynamic
//! diesel query, unless the SQL says otherwise ([`Sql::uncached`]).

use crate::aggregate::{Cell, SqlValue};
use crate::sql::Sql;
use diesel::backend::Backend;
use diesel::deserialize;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::row::{Field, NamedRow, Row};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Binary, Bool, Double, HasSqlType, Nullable, Text, Untyped};
use diesel::{QueryResult, RunQueryDsl};
use nasc_model::ScalarType;

/// One result row, whatever its columns (decoded per backend, see `crate::backend`).
pub struct CellRow(pub Vec<Cell>);

/// Decodes every column of `row` with the backend's `decode` (NULL is [`Cell::Null`]).
pub(crate) fn decode_row<'a, DB: Backend>(
    row: &impl NamedRow<'a, DB>,
    decode: impl for<'v> Fn(DB::RawValue<'v>) -> deserialize::Result<Cell>,
) -> deserialize::Result<CellRow> {
    let mut cells = Vec::with_capacity(row.field_count());
    for i in 0..row.field_count() {
        let field = Row::get(row, i).ok_or("result column vanished")?;
        cells.push(match field.value() {
            None => Cell::Null,
            Some(value) => decode(value)?,
        });
    }
    Ok(CellRow(cells))
}

/// `sql` with `binds` in order.
pub struct Bound<'a> {
    sql: &'a Sql,
    binds: &'a [SqlValue<'a>],
}

impl<'a> Bound<'a> {
    pub fn new(sql: &'a Sql, binds: &'a [SqlValue<'a>]) -> Self {
        debug_assert_eq!(sql.binds(), binds.len(), "bind count of {:?}", sql.pieces);
        if let Some(kind) = sql.kind {
            crate::coverage::executed(kind);
        }
        Bound { sql, binds }
    }
}

static NULL_TEXT: Option<String> = None;
static NULL_INTEGER: Option<i64> = None;
static NULL_REAL: Option<f64> = None;
static NULL_BOOL: Option<bool> = None;
static NULL_BYTES: Option<Vec<u8>> = None;

impl<DB> QueryFragment<DB> for Bound<'_>
where
    DB: Backend
        + HasSqlType<Text>
        + HasSqlType<BigInt>
        + HasSqlType<Double>
        + HasSqlType<Bool>
        + HasSqlType<Binary>,
    str: ToSql<Text, DB>,
    [u8]: ToSql<Binary, DB>,
    Option<Vec<u8>>: ToSql<Nullable<Binary>, DB>,
    i64: ToSql<BigInt, DB>,
    f64: ToSql<Double, DB>,
    bool: ToSql<Bool, DB>,
    Option<String>: ToSql<Nullable<Text>, DB>,
    Option<i64>: ToSql<Nullable<BigInt>, DB>,
    Option<f64>: ToSql<Nullable<Double>, DB>,
    Option<bool>: ToSql<Nullable<Bool>, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        if !self.sql.cached {
            out.unsafe_to_cache_prepared();
        }
        for (i, piece) in self.sql.pieces.iter().enumerate() {
            out.push_sql(piece);
            let Some(value) = self.binds.get(i) else {
                continue;
            };
            match value {
                SqlValue::Text(s) => out.push_bind_param::<Text, str>(s)?,
                SqlValue::Integer(v) => out.push_bind_param::<BigInt, i64>(v)?,
                SqlValue::Real(v) => out.push_bind_param::<Double, f64>(v)?,
                SqlValue::Bool(v) => out.push_bind_param::<Bool, bool>(v)?,
                SqlValue::Bytes(v) => out.push_bind_param::<Binary, [u8]>(v)?,
                SqlValue::Null(ScalarType::Bytes) => {
                    out.push_bind_param::<Nullable<Binary>, _>(&NULL_BYTES)?
                }
                SqlValue::Null(ScalarType::String | ScalarType::Json | ScalarType::DateTime) => {
                    out.push_bind_param::<Nullable<Text>, _>(&NULL_TEXT)?
                }
                SqlValue::Null(ScalarType::Integer) => {
                    out.push_bind_param::<Nullable<BigInt>, _>(&NULL_INTEGER)?
                }
                SqlValue::Null(ScalarType::Number) => {
                    out.push_bind_param::<Nullable<Double>, _>(&NULL_REAL)?
                }
                SqlValue::Null(ScalarType::Boolean) => {
                    out.push_bind_param::<Nullable<Bool>, _>(&NULL_BOOL)?
                }
            }
        }
        Ok(())
    }
}

impl QueryId for Bound<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Bound<'_> {
    type SqlType = Untyped;
}

impl<Conn> RunQueryDsl<Conn> for Bound<'_> {}
