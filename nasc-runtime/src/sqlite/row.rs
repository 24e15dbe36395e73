//! Reading untyped SQLite result rows into [`Cell`]s.

use crate::aggregate::Cell;
use diesel::deserialize::{self, QueryableByName};
use diesel::row::{Field, NamedRow, Row};
use diesel::sqlite::{Sqlite, SqliteType};

/// One result row, whatever its columns.
pub(crate) struct CellRow(pub Vec<Cell>);

impl QueryableByName<Sqlite> for CellRow {
    fn build<'a>(row: &impl NamedRow<'a, Sqlite>) -> deserialize::Result<Self> {
        let mut cells = Vec::with_capacity(row.field_count());
        for i in 0..row.field_count() {
            let field = Row::get(row, i).ok_or("result column vanished")?;
            let cell = match field.value() {
                None => Cell::Null,
                Some(mut value) => match value.value_type() {
                    None => Cell::Null,
                    Some(SqliteType::Long | SqliteType::Integer | SqliteType::SmallInt) => {
                        Cell::Integer(value.read_long())
                    }
                    Some(SqliteType::Double | SqliteType::Float) => Cell::Real(value.read_double()),
                    Some(SqliteType::Text) => Cell::Text(value.read_text().to_owned()),
                    Some(SqliteType::Binary) => return Err("unexpected BLOB value".into()),
                },
            };
            cells.push(cell);
        }
        Ok(CellRow(cells))
    }
}
