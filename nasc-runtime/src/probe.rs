//! Checks of values that serde serialises (enums, instants, documents) against a property's
//! shape, without building them as `serde_json::Value`s: how the typed front end accepts
//! them. A probe only ever says "accepted"; a value it refuses, or cannot tell about, goes
//! through the JSON front end's conversion, whose error is the one reported, so both front
//! ends refuse the same values with the same words.

use crate::aggregate::{text_problem, MAX_DOCUMENT_DEPTH};
use nasc_model::{JsonShape, ObjectShape, ScalarType};
use serde::ser::{self, Impossible, Serialize};
use serde_json::{Number, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// A scalar as serde hands it over.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar<'s> {
    /// `null`.
    Null,
    /// A string (a unit variant's name is borrowed for good).
    Text(Cow<'s, str>),
    /// An integer that fits `i64`.
    Integer(i64),
    /// An integer above `i64::MAX`.
    Unsigned(u64),
    /// A finite float.
    Real(f64),
    /// A boolean.
    Bool(bool),
}

impl Scalar<'_> {
    /// The number, if the scalar is one.
    fn number(&self) -> Option<Number> {
        match *self {
            Scalar::Integer(i) => Some(i.into()),
            Scalar::Unsigned(u) => Some(u.into()),
            Scalar::Real(f) => Number::from_f64(f),
            _ => None,
        }
    }

    /// Whether the scalar equals `value`, as JSON Schema compares (`1` equals `1.0`).
    fn equals(&self, value: &Value) -> bool {
        match (self, value) {
            (Scalar::Null, Value::Null) => true,
            (Scalar::Bool(b), Value::Bool(c)) => b == c,
            (Scalar::Text(s), Value::String(t)) => s == t,
            (_, Value::Number(_)) => self
                .number()
                .is_some_and(|m| nasc_model::constraints::json_equal(&Value::Number(m), value)),
            _ => false,
        }
    }
}

/// Whether `shape` (whose `$ref`s `embedded` holds) surely accepts the scalar `value`.
pub(crate) fn accepts_scalar(shape: &JsonShape, value: &Scalar<'_>) -> bool {
    match shape {
        JsonShape::Any => true,
        JsonShape::Constrained(inner, constraints) => {
            accepts_scalar(inner, value)
                && match value {
                    Scalar::Text(text) => constraints.accepts_text(text),
                    number => match number.number() {
                        Some(n) => constraints.check(&Value::Number(n), "").is_ok(),
                        None => true,
                    },
                }
        }
        JsonShape::Values(values) => values.iter().any(|v| value.equals(v)),
        JsonShape::Nullable(inner) => *value == Scalar::Null || accepts_scalar(inner, value),
        JsonShape::Scalar(ScalarType::String | ScalarType::DateTime) => {
            matches!(value, Scalar::Text(_))
        }
        JsonShape::Scalar(ScalarType::Bytes) => {
            matches!(value, Scalar::Text(text) if nasc_model::bytes::decode(text).is_ok())
        }
        JsonShape::Scalar(ScalarType::Boolean) => matches!(value, Scalar::Bool(_)),
        JsonShape::Scalar(ScalarType::Integer) => {
            matches!(value, Scalar::Integer(_) | Scalar::Unsigned(_))
        }
        JsonShape::Scalar(ScalarType::Number) => {
            matches!(
                value,
                Scalar::Integer(_) | Scalar::Unsigned(_) | Scalar::Real(_)
            )
        }
        JsonShape::Enum(values) => {
            matches!(value, Scalar::Text(text) if values.iter().any(|v| v == text))
        }
        JsonShape::Scalar(ScalarType::Json)
        | JsonShape::Array(_)
        | JsonShape::Map(_)
        | JsonShape::Object(_)
        | JsonShape::Ref(_) => false,
    }
}

/// Whether `shape` surely accepts the document `value`, nested at most
/// [`MAX_DOCUMENT_DEPTH`] levels with no NUL in a string or key, and whether its JSON text
/// (`serde_json::to_string`) is the text of the JSON front end's document: no duplicate
/// key, no `f32`, no 128-bit integer, no enum variant holding data.
pub(crate) fn accepts_document<T: Serialize + ?Sized>(
    value: &T,
    shape: &JsonShape,
    embedded: &BTreeMap<String, ObjectShape>,
) -> bool {
    value
        .serialize(Probe {
            shape,
            embedded,
            depth: 1,
        })
        .is_ok()
}

/// A value the probe does not surely accept.
#[derive(Debug)]
pub(crate) struct Unsure;

impl std::fmt::Display for Unsure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not surely accepted")
    }
}

impl std::error::Error for Unsure {}

impl ser::Error for Unsure {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Unsure
    }
}

/// Serializer methods that refuse their value: it is left to the JSON front end.
macro_rules! unsure {
    ($($method:ident($($arg:ty),*) -> $ok:ty;)*) => {$(
        fn $method(self, $(_: $arg),*) -> Result<$ok, Unsure> {
            Err(Unsure)
        }
    )*};
}

/// Captures a value that serialises as one scalar.
pub(crate) struct Capture;

macro_rules! integers {
    ($($method:ident: $t:ty),*) => {$(
        fn $method(self, v: $t) -> Result<Self::Ok, Unsure> {
            Ok(match i64::try_from(v) {
                Ok(i) => Scalar::Integer(i),
                Err(_) => Scalar::Unsigned(u64::try_from(v).map_err(|_| Unsure)?),
            })
        }
    )*};
}

impl ser::Serializer for Capture {
    type Ok = Scalar<'static>;
    type Error = Unsure;
    type SerializeSeq = Impossible<Self::Ok, Unsure>;
    type SerializeTuple = Impossible<Self::Ok, Unsure>;
    type SerializeTupleStruct = Impossible<Self::Ok, Unsure>;
    type SerializeTupleVariant = Impossible<Self::Ok, Unsure>;
    type SerializeMap = Impossible<Self::Ok, Unsure>;
    type SerializeStruct = Impossible<Self::Ok, Unsure>;
    type SerializeStructVariant = Impossible<Self::Ok, Unsure>;

    fn serialize_bool(self, v: bool) -> Result<Self::Ok, Unsure> {
        Ok(Scalar::Bool(v))
    }
    integers!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64);
    fn serialize_f32(self, v: f32) -> Result<Self::Ok, Unsure> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Self::Ok, Unsure> {
        v.is_finite().then_some(Scalar::Real(v)).ok_or(Unsure)
    }
    fn serialize_char(self, v: char) -> Result<Self::Ok, Unsure> {
        Ok(Scalar::Text(Cow::Owned(v.to_string())))
    }
    fn serialize_str(self, v: &str) -> Result<Self::Ok, Unsure> {
        Ok(Scalar::Text(Cow::Owned(v.to_owned())))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<Self::Ok, Unsure> {
        Err(Unsure)
    }
    fn serialize_none(self) -> Result<Self::Ok, Unsure> {
        Ok(Scalar::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Self::Ok, Unsure> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Self::Ok, Unsure> {
        Ok(Scalar::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Self::Ok, Unsure> {
        Ok(Scalar::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Self::Ok, Unsure> {
        Ok(Scalar::Text(Cow::Borrowed(variant)))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Self::Ok, Unsure> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, Unsure> {
        Err(Unsure)
    }
    unsure! {
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
}

/// Walks a document against a shape as serde serialises it.
#[derive(Clone, Copy)]
struct Probe<'s> {
    shape: &'s JsonShape,
    embedded: &'s BTreeMap<String, ObjectShape>,
    /// The nesting of the value, the document itself being 1.
    depth: usize,
}

/// What a shape asks of an array or object, with its validation keywords and `null` looked
/// through.
enum Container<'s> {
    /// Anything: only the document checks apply.
    Any,
    /// An array of items of this shape.
    Array(&'s JsonShape),
    /// An object whose every value has this shape.
    Map(&'s JsonShape),
    /// An object with declared properties.
    Object(&'s ObjectShape),
}

static ANY: JsonShape = JsonShape::Any;

impl<'s> Probe<'s> {
    fn leaf(self, value: Scalar<'_>) -> Result<(), Unsure> {
        let fits = match &value {
            Scalar::Text(text) => text_problem(text).is_none(),
            _ => true,
        };
        (fits && accepts_scalar(self.shape, &value))
            .then_some(())
            .ok_or(Unsure)
    }

    /// What the shape asks of an array or object here (`None`: neither is accepted).
    fn container(self) -> Result<Container<'s>, Unsure> {
        if self.depth > MAX_DOCUMENT_DEPTH {
            return Err(Unsure);
        }
        let mut shape = self.shape;
        loop {
            shape = match shape {
                JsonShape::Any => return Ok(Container::Any),
                JsonShape::Array(items) => return Ok(Container::Array(items)),
                JsonShape::Map(values) => return Ok(Container::Map(values)),
                JsonShape::Object(object) => return Ok(Container::Object(object)),
                JsonShape::Ref(name) => {
                    return self.embedded.get(name).map(Container::Object).ok_or(Unsure)
                }
                JsonShape::Constrained(inner, _) | JsonShape::Nullable(inner) => inner,
                JsonShape::Scalar(_) | JsonShape::Enum(_) | JsonShape::Values(_) => {
                    return Err(Unsure)
                }
            }
        }
    }

    fn inner(self, shape: &'s JsonShape) -> Probe<'s> {
        Probe {
            shape,
            embedded: self.embedded,
            depth: self.depth + 1,
        }
    }

    fn seq(self) -> Result<ProbeSeq<'s>, Unsure> {
        let items = match self.container()? {
            Container::Any => &ANY,
            Container::Array(items) => items,
            Container::Map(_) | Container::Object(_) => return Err(Unsure),
        };
        Ok(ProbeSeq {
            outer: self,
            items: self.inner(items),
            count: 0,
        })
    }

    fn map(self) -> Result<ProbeMap<'s>, Unsure> {
        let (object, values) = match self.container()? {
            Container::Any => (None, Some(&ANY)),
            Container::Map(values) => (None, Some(values)),
            Container::Object(object) => {
                if object.properties.len() > 64 {
                    return Err(Unsure);
                }
                (Some(object), object.additional.as_deref())
            }
            Container::Array(_) => return Err(Unsure),
        };
        Ok(ProbeMap {
            outer: self,
            object,
            values,
            declared: 0,
            undeclared: Vec::new(),
            pending: None,
        })
    }
}

/// Whether every array keyword on `shape`'s way to its array accepts `count` items.
fn counts_accepted(shape: &JsonShape, count: usize) -> bool {
    match shape {
        JsonShape::Constrained(inner, constraints) => {
            constraints.accepts_count(count) == Some(true) && counts_accepted(inner, count)
        }
        JsonShape::Nullable(inner) => counts_accepted(inner, count),
        _ => true,
    }
}

macro_rules! leaf_integers {
    ($($method:ident: $t:ty),*) => {$(
        fn $method(self, v: $t) -> Result<(), Unsure> {
            self.leaf(Capture.$method(v)?)
        }
    )*};
}

impl<'s> ser::Serializer for Probe<'s> {
    type Ok = ();
    type Error = Unsure;
    type SerializeSeq = ProbeSeq<'s>;
    type SerializeTuple = ProbeSeq<'s>;
    type SerializeTupleStruct = ProbeSeq<'s>;
    type SerializeTupleVariant = Impossible<(), Unsure>;
    type SerializeMap = ProbeMap<'s>;
    type SerializeStruct = ProbeMap<'s>;
    type SerializeStructVariant = Impossible<(), Unsure>;

    fn serialize_bool(self, v: bool) -> Result<(), Unsure> {
        self.leaf(Scalar::Bool(v))
    }
    leaf_integers!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64);
    /// serde_json writes an `f32` shorter than the `f64` its `Value` holds.
    fn serialize_f32(self, _: f32) -> Result<(), Unsure> {
        Err(Unsure)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Unsure> {
        self.leaf(Capture.serialize_f64(v)?)
    }
    fn serialize_char(self, v: char) -> Result<(), Unsure> {
        self.leaf(Scalar::Text(Cow::Borrowed(v.encode_utf8(&mut [0; 4]))))
    }
    fn serialize_str(self, v: &str) -> Result<(), Unsure> {
        self.leaf(Scalar::Text(Cow::Borrowed(v)))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Unsure> {
        Err(Unsure)
    }
    fn serialize_none(self) -> Result<(), Unsure> {
        self.leaf(Scalar::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unsure> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unsure> {
        self.leaf(Scalar::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsure> {
        self.leaf(Scalar::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Unsure> {
        self.leaf(Scalar::Text(Cow::Borrowed(variant)))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Unsure> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Unsure> {
        Err(Unsure)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<ProbeSeq<'s>, Unsure> {
        self.seq()
    }
    fn serialize_tuple(self, _: usize) -> Result<ProbeSeq<'s>, Unsure> {
        self.seq()
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<ProbeSeq<'s>, Unsure> {
        self.seq()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsure> {
        Err(Unsure)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<ProbeMap<'s>, Unsure> {
        self.map()
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<ProbeMap<'s>, Unsure> {
        self.map()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsure> {
        Err(Unsure)
    }
}

/// An array being probed.
struct ProbeSeq<'s> {
    outer: Probe<'s>,
    items: Probe<'s>,
    count: usize,
}

impl ProbeSeq<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsure> {
        self.count += 1;
        value.serialize(self.items)
    }

    fn finish(self) -> Result<(), Unsure> {
        counts_accepted(self.outer.shape, self.count)
            .then_some(())
            .ok_or(Unsure)
    }
}

impl ser::SerializeSeq for ProbeSeq<'_> {
    type Ok = ();
    type Error = Unsure;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsure> {
        self.element(value)
    }
    fn end(self) -> Result<(), Unsure> {
        self.finish()
    }
}

impl ser::SerializeTuple for ProbeSeq<'_> {
    type Ok = ();
    type Error = Unsure;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsure> {
        self.element(value)
    }
    fn end(self) -> Result<(), Unsure> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for ProbeSeq<'_> {
    type Ok = ();
    type Error = Unsure;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsure> {
        self.element(value)
    }
    fn end(self) -> Result<(), Unsure> {
        self.finish()
    }
}

/// An object being probed.
struct ProbeMap<'s> {
    outer: Probe<'s>,
    /// The declared properties, when the shape declares any.
    object: Option<&'s ObjectShape>,
    /// The shape of undeclared properties (`None`: refused).
    values: Option<&'s JsonShape>,
    /// Which declared properties were seen, by index.
    declared: u64,
    /// Hashes of the undeclared keys seen (a repeated key is not surely stored alike).
    undeclared: Vec<u64>,
    /// The shape of the value whose key came last.
    pending: Option<&'s JsonShape>,
}

impl<'s> ProbeMap<'s> {
    /// The shape of the value of `key`, noting the key as seen.
    fn key(&mut self, key: &str) -> Result<&'s JsonShape, Unsure> {
        if text_problem(key).is_some() {
            return Err(Unsure);
        }
        let declared = self.object.and_then(|object| {
            object
                .properties
                .iter()
                .enumerate()
                .find(|(_, p)| p.name == key)
        });
        if let Some((i, property)) = declared {
            let bit = 1u64 << i;
            if self.declared & bit != 0 {
                return Err(Unsure);
            }
            self.declared |= bit;
            return Ok(&property.shape);
        }
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        let hash = hasher.finish();
        if self.undeclared.contains(&hash) {
            return Err(Unsure);
        }
        self.undeclared.push(hash);
        self.values.ok_or(Unsure)
    }

    fn value<T: Serialize + ?Sized>(
        &mut self,
        shape: &'s JsonShape,
        value: &T,
    ) -> Result<(), Unsure> {
        value.serialize(self.outer.inner(shape))
    }

    fn finish(self) -> Result<(), Unsure> {
        let missing = self.object.is_some_and(|object| {
            object
                .properties
                .iter()
                .enumerate()
                .any(|(i, p)| p.required && self.declared & (1u64 << i) == 0)
        });
        (!missing).then_some(()).ok_or(Unsure)
    }
}

impl ser::SerializeMap for ProbeMap<'_> {
    type Ok = ();
    type Error = Unsure;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unsure> {
        let shape = key.serialize(KeyOf(self))?;
        self.pending = Some(shape);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsure> {
        let shape = self.pending.take().ok_or(Unsure)?;
        self.value(shape, value)
    }
    fn end(self) -> Result<(), Unsure> {
        self.finish()
    }
}

impl ser::SerializeStruct for ProbeMap<'_> {
    type Ok = ();
    type Error = Unsure;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unsure> {
        let shape = self.key(key)?;
        self.value(shape, value)
    }
    fn end(self) -> Result<(), Unsure> {
        self.finish()
    }
}

/// A map key, noted in its map: a string or a unit variant, which serde_json writes as the
/// string its `Value` holds (other keys are left to the JSON front end).
struct KeyOf<'m, 's>(&'m mut ProbeMap<'s>);

impl<'s> ser::Serializer for KeyOf<'_, 's> {
    type Ok = &'s JsonShape;
    type Error = Unsure;
    type SerializeSeq = Impossible<Self::Ok, Unsure>;
    type SerializeTuple = Impossible<Self::Ok, Unsure>;
    type SerializeTupleStruct = Impossible<Self::Ok, Unsure>;
    type SerializeTupleVariant = Impossible<Self::Ok, Unsure>;
    type SerializeMap = Impossible<Self::Ok, Unsure>;
    type SerializeStruct = Impossible<Self::Ok, Unsure>;
    type SerializeStructVariant = Impossible<Self::Ok, Unsure>;

    fn serialize_str(self, v: &str) -> Result<Self::Ok, Unsure> {
        self.0.key(v)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Self::Ok, Unsure> {
        self.0.key(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Self::Ok, Unsure> {
        value.serialize(self)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<Self::Ok, Unsure> {
        Err(Unsure)
    }
    unsure! {
        serialize_bool(bool) -> Self::Ok;
        serialize_i8(i8) -> Self::Ok;
        serialize_i16(i16) -> Self::Ok;
        serialize_i32(i32) -> Self::Ok;
        serialize_i64(i64) -> Self::Ok;
        serialize_u8(u8) -> Self::Ok;
        serialize_u16(u16) -> Self::Ok;
        serialize_u32(u32) -> Self::Ok;
        serialize_u64(u64) -> Self::Ok;
        serialize_f32(f32) -> Self::Ok;
        serialize_f64(f64) -> Self::Ok;
        serialize_char(char) -> Self::Ok;
        serialize_bytes(&[u8]) -> Self::Ok;
        serialize_none() -> Self::Ok;
        serialize_unit() -> Self::Ok;
        serialize_unit_struct(&'static str) -> Self::Ok;
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, Unsure> {
        Err(Unsure)
    }
    unsure! {
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
}

/// Whether `shape` holds a keyword the probe leaves to the JSON front end because it
/// compares values: `uniqueItems`, or a `const` / `enum` of arrays or objects.
#[cfg(feature = "testing")]
pub(crate) fn compares_values(shape: &JsonShape, embedded: &BTreeMap<String, ObjectShape>) -> bool {
    fn walk<'s>(
        shape: &'s JsonShape,
        embedded: &'s BTreeMap<String, ObjectShape>,
        seen: &mut Vec<&'s str>,
    ) -> bool {
        let object = |object: &'s ObjectShape, seen: &mut Vec<&'s str>| {
            object
                .properties
                .iter()
                .any(|p| walk(&p.shape, embedded, seen))
                || object
                    .additional
                    .as_deref()
                    .is_some_and(|a| walk(a, embedded, seen))
        };
        match shape {
            JsonShape::Constrained(inner, constraints) => {
                constraints.unique_items || walk(inner, embedded, seen)
            }
            JsonShape::Values(values) => values.iter().any(|v| v.is_array() || v.is_object()),
            JsonShape::Nullable(inner) | JsonShape::Array(inner) | JsonShape::Map(inner) => {
                walk(inner, embedded, seen)
            }
            JsonShape::Object(shape) => object(shape, seen),
            JsonShape::Ref(name) if !seen.contains(&name.as_str()) => {
                seen.push(name);
                embedded.get(name).is_some_and(|shape| object(shape, seen))
            }
            _ => false,
        }
    }
    walk(shape, embedded, &mut Vec::new())
}
