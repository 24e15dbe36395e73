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
        (_, Cell::Null) => serde_json::from_value(serde_json::Value::Null),
        (Stored::Json, Cell::Text(text)) => serde_json::from_str(&text),
        (Stored::DateTime, Cell::Text(text)) => match nasc_model::datetime::from_stored(&text) {
            Some(loaded) => serde_json::from_value(serde_json::Value::String(loaded)),
            None => return Err(fail(format!("the column holds `{text}`, not a date-time"))),
        },
        (_, Cell::Text(text)) => serde_json::from_value(serde_json::Value::String(text)),
        (_, Cell::Integer(i)) => serde_json::from_value(i.into()),
        (_, Cell::Real(f)) => serde_json::from_value(f.into()),
        (_, Cell::Bool(b)) => serde_json::from_value(b.into()),
    };
    decoded.map_err(|e| fail(e.to_string()))
}
