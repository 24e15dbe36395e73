//! Stored aggregates as the read engine produces them, before any front end: a row's
//! cells in field order, and the rows of each of its arrays in order. The JSON front end
//! (the dynamic API) turns them into documents; the code `schema!` and `#[derive(Entity)]`
//! generate decodes them straight into the entity structs ([`crate::Entity::from_row`]).

pub use crate::aggregate::Cell;

/// One stored row and its children.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedRow {
    /// The row's cells, one per field in schema order.
    pub(crate) cells: Vec<Cell>,
    /// The rows of each array of the type, in relation order, each in array order.
    pub(crate) children: Vec<Vec<LoadedRow>>,
}

impl LoadedRow {
    /// A row of `cells` whose arrays are still to be read.
    pub(crate) fn new(cells: Vec<Cell>, relations: usize) -> LoadedRow {
        LoadedRow {
            cells,
            children: Vec::with_capacity(relations),
        }
    }

    /// The cells and the arrays' rows.
    pub fn into_parts(self) -> (Vec<Cell>, Vec<Vec<LoadedRow>>) {
        (self.cells, self.children)
    }
}

/// What a store hands the typed API for one aggregate.
#[derive(Debug)]
pub enum Loaded {
    /// Nothing is stored under the id.
    Missing,
    /// The aggregate as rows (the mapped store).
    Rows(LoadedRow),
    /// The aggregate as a JSON document (stores that keep documents).
    Json(serde_json::Value),
}

/// A stored value that does not decode into the field asked for: where (a JSON pointer
/// relative to the aggregate) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    /// JSON pointer of the value.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl RowError {
    /// The error of property `property`.
    pub fn at(property: &str, message: impl Into<String>) -> RowError {
        RowError {
            pointer: nasc_model::error::pointer_join("", property),
            message: message.into(),
        }
    }

    /// The error as seen from the parent holding the row at `index` of its array
    /// `property`.
    pub fn within(self, property: &str, index: usize) -> RowError {
        let at = nasc_model::error::pointer_join("", property);
        RowError {
            pointer: format!("{at}/{index}{}", self.pointer),
            message: self.message,
        }
    }
}

/// Rust types a plain scalar column (`string`, `integer`, `number`, `boolean`) decodes
/// into, without going through JSON.
pub trait FromCell: Sized {
    /// The value of `cell`, or why it is not one.
    fn from_cell(cell: Cell) -> Result<Self, String>;
}

fn unexpected(cell: &Cell, what: &str) -> String {
    match cell {
        Cell::Null => format!("the column holds NULL, not {what}"),
        other => format!("the column holds {other:?}, not {what}"),
    }
}

impl FromCell for String {
    fn from_cell(cell: Cell) -> Result<Self, String> {
        match cell {
            Cell::Text(text) => Ok(text),
            other => Err(unexpected(&other, "a string")),
        }
    }
}

impl FromCell for Vec<u8> {
    fn from_cell(cell: Cell) -> Result<Self, String> {
        cell.into_bytes()
            .map_err(|other| unexpected(&other, "bytes"))
    }
}

impl FromCell for crate::Bytes {
    fn from_cell(cell: Cell) -> Result<Self, String> {
        Vec::<u8>::from_cell(cell).map(crate::Bytes)
    }
}

impl FromCell for bool {
    fn from_cell(cell: Cell) -> Result<Self, String> {
        match cell {
            Cell::Bool(b) => Ok(b),
            Cell::Integer(i @ (0 | 1)) => Ok(i == 1),
            other => Err(unexpected(&other, "a boolean")),
        }
    }
}

impl FromCell for f64 {
    fn from_cell(cell: Cell) -> Result<Self, String> {
        match cell {
            Cell::Real(f) => Ok(f),
            Cell::Integer(i) => Ok(i as f64),
            other => Err(unexpected(&other, "a number")),
        }
    }
}

impl FromCell for f32 {
    fn from_cell(cell: Cell) -> Result<Self, String> {
        f64::from_cell(cell).map(|f| f as f32)
    }
}

macro_rules! integer_from_cell {
    ($($t:ty),*) => {$(
        impl FromCell for $t {
            fn from_cell(cell: Cell) -> Result<Self, String> {
                match cell {
                    Cell::Integer(i) => <$t>::try_from(i)
                        .map_err(|_| format!("the column holds {i}, beyond what `{}` holds", stringify!($t))),
                    other => Err(unexpected(&other, "an integer")),
                }
            }
        }
    )*};
}
integer_from_cell!(i64, i32, i16, i8, u32, u16, u8);

impl<T: FromCell> FromCell for Option<T> {
    fn from_cell(cell: Cell) -> Result<Self, String> {
        match cell {
            Cell::Null => Ok(None),
            other => T::from_cell(other).map(Some),
        }
    }
}

/// How a column that decodes through serde holds its value.
#[derive(Debug, Clone, Copy)]
pub enum Stored {
    /// JSON text.
    Json,
    /// An instant in nasc's stored form ([`nasc_model::datetime`]).
    DateTime,
    /// A string (an enum's value).
    Text,
}

/// Decodes the next cell into `T` through serde, as the JSON front end would.
pub fn decode_serde<T: serde::de::DeserializeOwned>(
    cell: Cell,
    property: &str,
    stored: Stored,
) -> Result<T, RowError> {
    let fail = |message: String| RowError::at(property, message);
    let decoded = match (stored, cell) {
        (Stored::Json, Cell::Text(text)) => serde_json::from_str(&text).map_err(|e| e.to_string()),
        (Stored::DateTime, Cell::Text(text)) => match nasc_model::datetime::from_stored(&text) {
            Some(loaded) => T::deserialize(CellDeserializer(Cell::Text(loaded))),
            None => return Err(fail(format!("the column holds `{text}`, not a date-time"))),
        }
        .map_err(|e| e.to_string()),
        (_, cell) => T::deserialize(CellDeserializer(cell)).map_err(|e| e.to_string()),
    };
    decoded.map_err(fail)
}

/// A stored scalar as serde reads it: as the `serde_json::Value` of the same scalar reads,
/// without building one (SQL NULL reads as `null`).
struct CellDeserializer(Cell);

impl<'de> serde::Deserializer<'de> for CellDeserializer {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            Cell::Null => visitor.visit_unit(),
            Cell::Bool(b) => visitor.visit_bool(b),
            Cell::Integer(i) => visitor.visit_i64(i),
            Cell::Real(f) => visitor.visit_f64(f),
            Cell::Text(text) => visitor.visit_string(text),
            Cell::Bytes(bytes) => visitor.visit_byte_buf(bytes),
        }
    }

    fn deserialize_option<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            Cell::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: serde::de::Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            Cell::Text(text) => visitor
                .visit_enum(serde::de::IntoDeserializer::<Self::Error>::into_deserializer(text)),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: serde::de::Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}
