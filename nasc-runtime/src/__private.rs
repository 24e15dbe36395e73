//! Support for the code the macros generate. Not a public API.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

pub use nasc_model::check;
pub use std::sync::OnceLock;

use crate::rows::{Cell, FromCell, LoadedRow, RowError, Stored};

/// The next cell of a row, which must be there.
fn present(cell: Option<Cell>, property: &str) -> Result<Cell, RowError> {
    cell.ok_or_else(|| RowError::at(property, "the row has no column for it"))
}

/// The next cell of a row, decoded into plain scalar `T` (see [`FromCell`]).
pub fn decode_cell<T: FromCell>(cell: Option<Cell>, property: &str) -> Result<T, RowError> {
    let cell = present(cell, property)?;
    T::from_cell(cell).map_err(|message| RowError::at(property, message))
}

/// The next cell of a row, decoded into `T` through serde (enums, documents, instants).
pub fn decode_serde_cell<T: DeserializeOwned>(
    cell: Option<Cell>,
    property: &str,
    stored: Stored,
) -> Result<T, RowError> {
    let cell = present(cell, property)?;
    crate::rows::decode_serde(cell, property, stored)
}

/// The next cell of a row, for an optional property whose value may be `null`: absent
/// (SQL NULL, unless the property's type admits `null`: then it loads as `null`) is
/// `None`, present is `Some`, as [`take_present`] reads a document.
pub fn decode_present_cell<T: DeserializeOwned>(
    cell: Option<Cell>,
    property: &str,
    stored: Stored,
    null_allowed: bool,
) -> Result<Option<T>, RowError> {
    let cell = present(cell, property)?;
    match cell {
        Cell::Null if !null_allowed => Ok(None),
        cell => crate::rows::decode_serde(cell, property, stored).map(Some),
    }
}

/// The rows of the next array of a row, decoded into entities.
pub fn decode_children<T: crate::Entity>(
    rows: Option<Vec<LoadedRow>>,
    property: &str,
) -> Result<Vec<T>, RowError> {
    let rows = rows.ok_or_else(|| RowError::at(property, "the rows of the array were not read"))?;
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| T::from_row(row).map_err(|e| e.within(property, i)))
        .collect()
}

/// Primary key values as the id string of the `Store` API.
pub trait IdString {
    /// The id string.
    fn id_string(&self) -> std::string::String;
}

impl IdString for String {
    fn id_string(&self) -> String {
        self.clone()
    }
}

macro_rules! id_string_by_display {
    ($($t:ty),*) => {$(
        impl IdString for $t {
            fn id_string(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
id_string_by_display!(
    i64,
    i32,
    i16,
    i8,
    u32,
    u16,
    u8,
    uuid::Uuid,
    chrono::NaiveDate
);

/// A field that is not a plain scalar (enum, JSON document) as JSON, through serde.
pub fn scalar_to_json<T: Serialize>(value: &T) -> Result<Value, serde_json::Error> {
    serde_json::to_value(value)
}

/// Plain scalar fields as JSON, refusing floats JSON cannot carry.
pub trait JsonScalar {
    /// The value as JSON.
    fn to_json_scalar(&self) -> Result<Value, serde_json::Error>;
}

impl JsonScalar for String {
    fn to_json_scalar(&self) -> Result<Value, serde_json::Error> {
        Ok(Value::String(self.clone()))
    }
}

impl JsonScalar for crate::Bytes {
    fn to_json_scalar(&self) -> Result<Value, serde_json::Error> {
        Ok(Value::String(nasc_model::bytes::encode(self)))
    }
}

impl JsonScalar for Vec<u8> {
    fn to_json_scalar(&self) -> Result<Value, serde_json::Error> {
        Ok(Value::String(nasc_model::bytes::encode(self)))
    }
}

impl JsonScalar for bool {
    fn to_json_scalar(&self) -> Result<Value, serde_json::Error> {
        Ok(Value::Bool(*self))
    }
}

macro_rules! json_scalar_integer {
    ($($t:ty),*) => {$(
        impl JsonScalar for $t {
            fn to_json_scalar(&self) -> Result<Value, serde_json::Error> {
                Ok(Value::from(*self))
            }
        }
    )*};
}
json_scalar_integer!(i64, i32, i16, i8, u32, u16, u8);

macro_rules! json_scalar_float {
    ($($t:ty),*) => {$(
        impl JsonScalar for $t {
            fn to_json_scalar(&self) -> Result<Value, serde_json::Error> {
                if self.is_finite() {
                    Ok(Value::from(f64::from(*self)))
                } else {
                    Err(serde::ser::Error::custom(format!("{self} is not a number JSON can carry")))
                }
            }
        }
    )*};
}
json_scalar_float!(f64, f32);

impl<T: JsonScalar> JsonScalar for Option<T> {
    fn to_json_scalar(&self) -> Result<Value, serde_json::Error> {
        match self {
            None => Ok(Value::Null),
            Some(value) => value.to_json_scalar(),
        }
    }
}

/// Whether `text` is a binary value as JSON writes it (standard base64, padded).
pub fn is_base64(text: &str) -> bool {
    nasc_model::bytes::decode(text).is_ok()
}

/// An error of one property's conversion, naming the property.
pub fn in_property(property: &str, error: serde_json::Error) -> serde_json::Error {
    serde::ser::Error::custom(format!("property `{property}`: {error}"))
}

/// A field of an object being converted, by property name (absent is `null`).
pub fn take_scalar<T: DeserializeOwned>(
    object: &mut Map<String, Value>,
    property: &str,
) -> Result<T, serde_json::Error> {
    let value = object.remove(property).unwrap_or(Value::Null);
    serde_json::from_value(value)
        .map_err(|e| serde::de::Error::custom(format!("property `{property}`: {e}")))
}

/// A binary field of an object being converted (absent is `null`): its base64 decoded,
/// then handed to `T` as bytes (`nasc_runtime::Bytes`, `Vec<u8>`, options of them).
pub fn take_bytes<T: DeserializeOwned>(
    object: &mut Map<String, Value>,
    property: &str,
) -> Result<T, serde_json::Error> {
    let fail =
        |message: String| serde::de::Error::custom(format!("property `{property}`: {message}"));
    let bytes = match object.remove(property).unwrap_or(Value::Null) {
        Value::Null => None,
        Value::String(text) => Some(
            nasc_model::bytes::decode(&text)
                .map_err(|e| fail(format!("expected {}: {e}", nasc_model::bytes::EXPECTED)))?,
        ),
        other => {
            return Err(fail(format!(
                "expected {}, found {other}",
                nasc_model::bytes::EXPECTED
            )))
        }
    };
    T::deserialize(BytesValue(bytes)).map_err(|e| fail(e.to_string()))
}

/// Bytes (or none) as serde reads them: a byte buffer, or a sequence of `u8`s for a
/// `Vec<u8>`.
struct BytesValue(Option<Vec<u8>>);

impl<'de> serde::Deserializer<'de> for BytesValue {
    type Error = serde::de::value::Error;

    fn is_human_readable(&self) -> bool {
        false
    }

    fn deserialize_any<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            None => visitor.visit_unit(),
            Some(bytes) => {
                visitor.visit_seq(serde::de::value::SeqDeserializer::new(bytes.into_iter()))
            }
        }
    }

    fn deserialize_option<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            None => visitor.visit_none(),
            Some(_) => visitor.visit_some(self),
        }
    }

    fn deserialize_byte_buf<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            None => visitor.visit_unit(),
            Some(bytes) => visitor.visit_byte_buf(bytes),
        }
    }

    fn deserialize_bytes<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.deserialize_byte_buf(visitor)
    }

    fn deserialize_newtype_struct<V: serde::de::Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        unit unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// An optional property whose value may be `null`: absent is `None`, present is `Some`.
pub fn take_present<T: DeserializeOwned>(
    object: &mut Map<String, Value>,
    property: &str,
) -> Result<Option<T>, serde_json::Error> {
    match object.remove(property) {
        None => Ok(None),
        Some(value) => serde_json::from_value(value)
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format!("property `{property}`: {e}"))),
    }
}

/// The children of an array property (absent is empty).
pub fn take_children<T: crate::Entity>(
    object: &mut Map<String, Value>,
    property: &str,
) -> Result<Vec<T>, serde_json::Error> {
    match object.remove(property) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items.into_iter().map(T::from_json).collect(),
        Some(_) => Err(serde::de::Error::custom(format!(
            "property `{property}`: expected an array"
        ))),
    }
}

/// The object a `from_json` starts from.
pub fn into_object(value: Value, type_name: &str) -> Result<Map<String, Value>, serde_json::Error> {
    match value {
        Value::Object(object) => Ok(object),
        _ => Err(serde::de::Error::custom(format!(
            "expected a `{type_name}` object"
        ))),
    }
}

/// Fails when properties are left after every field took its own.
pub fn no_leftovers(object: Map<String, Value>, type_name: &str) -> Result<(), serde_json::Error> {
    match object.keys().next() {
        None => Ok(()),
        Some(key) => Err(serde::de::Error::custom(format!(
            "`{type_name}` has no property `{key}`"
        ))),
    }
}

/// Serde adapter for `Option<Option<T>>` fields of optional, nullable properties: absent is
/// `None`, `null` is `Some(None)`.
pub mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes the inner option (`null` for `Some(None)`).
    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Reads a present value, `null` included, as `Some`.
    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

/// Serde adapter for `Option<T>` fields of optional properties whose value may be `null`:
/// absent is `None`, a present value (`null` included) is `Some`.
pub mod present {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes the value (the field is skipped when `None`).
    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Option<T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(serializer)
    }

    /// Reads a present value as `Some`.
    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<T>, D::Error> {
        T::deserialize(deserializer).map(Some)
    }
}
