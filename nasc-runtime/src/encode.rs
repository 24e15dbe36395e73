//! The typed front end of the write engine: what the code `schema!` and `#[derive(Entity)]`
//! generate calls to turn an entity into validated rows. Plain scalars are bound straight
//! from the entity's fields (strings borrowed, not copied); enums, instants and JSON
//! documents are serialised by serde straight into their stored form, checked on the way by
//! a probe of their shape ([`crate::probe`]), never built as `serde_json::Value`s. A value
//! the probe does not accept goes through the JSON front end's conversion, whose error is
//! the one reported: both front ends refuse the same values with the same errors (a
//! property test holds them equal).

use crate::aggregate::{
    check_id, check_key_length, field_value, text_problem, RowPointer, RowTree, SeenKeys, SqlValue,
    Target,
};
use crate::probe::{self, Scalar};
use crate::{Aggregate, Error};
use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc};
use nasc_model::{Constraints, Dialect, EntityType, Field, Format, JsonShape, Model, ScalarType};
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;
use std::sync::Arc;

/// An aggregate as the typed API hands it to a store: rows for the mapped stores, a JSON
/// document for the stores that keep documents. Implemented for every [`Aggregate`].
pub trait Encode {
    /// The schema type name.
    fn type_name(&self) -> &'static str;

    /// The id, as the `Store` API takes it.
    fn id(&self) -> String;

    /// Encodes the entity's fields and arrays into `row` (see [`crate::Entity::encode_row`]).
    fn encode<'a>(&'a self, row: &mut RowEncoder<'a>) -> Result<(), Error>;

    /// The entity as schema-shaped JSON, for stores that keep documents; an error names the
    /// type and id.
    fn document(&self) -> Result<Value, Error>;
}

impl<T: Aggregate> Encode for T {
    fn type_name(&self) -> &'static str {
        T::TYPE_NAME
    }

    fn id(&self) -> String {
        Aggregate::id(self)
    }

    fn encode<'a>(&'a self, row: &mut RowEncoder<'a>) -> Result<(), Error> {
        self.encode_row(row)
    }

    fn document(&self) -> Result<Value, Error> {
        self.to_json().map_err(|e| Error::Invalid {
            ty: T::TYPE_NAME.to_owned(),
            id: Aggregate::id(self),
            pointer: String::new(),
            message: e.to_string(),
        })
    }
}

/// Encodes `entity` as the top-level row of type `ty` (with every child row), checking it
/// as the JSON front end checks a document.
/// `key`, when given, is encoded as the pk instead of the entity's own (a key generated
/// for a new aggregate: [`crate::generated`]). The tree is [sealed](crate::shared::seal).
pub(crate) fn encode_aggregate<'a>(
    model: &'a Model,
    ty: &'a EntityType,
    entity: &'a dyn Encode,
    key: Option<ScalarRef<'a>>,
    dialect: Dialect,
    target: Target<'a>,
) -> Result<RowTree<'a>, Error> {
    let mut row = RowEncoder::new(model, ty, RowPointer::Top, dialect, target);
    row.key = key;
    entity.encode(&mut row)?;
    let mut tree = row.finish()?;
    check_id(&tree, target)?;
    crate::shared::seal(&mut tree);
    Ok(tree)
}

/// One row being encoded: the generated `encode_row` calls one method per field, in the
/// schema's field order, then [`RowEncoder::children`] per array, in the schema's order.
pub struct RowEncoder<'a> {
    model: &'a Model,
    ty: &'a EntityType,
    dialect: Dialect,
    target: Target<'a>,
    at: RowPointer,
    values: Vec<SqlValue<'a>>,
    children: Vec<Vec<RowTree<'a>>>,
    /// The pk to encode in place of the entity's (see [`encode_aggregate`]).
    key: Option<ScalarRef<'a>>,
}

impl<'a> RowEncoder<'a> {
    fn new(
        model: &'a Model,
        ty: &'a EntityType,
        at: RowPointer,
        dialect: Dialect,
        target: Target<'a>,
    ) -> Self {
        RowEncoder {
            model,
            ty,
            dialect,
            target,
            at,
            values: Vec::with_capacity(ty.fields.len()),
            children: Vec::with_capacity(ty.relations.len()),
            key: None,
        }
    }

    /// Encodes the key given in place of the entity's, when the next field is the pk and
    /// one is given: `true` when it did.
    fn given_key(&mut self) -> Result<bool, Error> {
        match self.key {
            Some(key) if Some(self.values.len()) == self.ty.pk_index => {
                self.key = None;
                let value = self.scalar_value(key)?;
                self.values.push(value);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// The field the next value is for.
    fn field(&self) -> &'a Field {
        let ty: &'a EntityType = self.ty;
        ty.fields
            .get(self.values.len())
            .unwrap_or_else(|| panic!("`{}` has {} fields", ty.name, ty.fields.len()))
    }

    /// The value of the next field, as the JSON front end converts `value` (absent:
    /// `None`).
    fn json_value<'v>(&self, value: Option<&'v Value>) -> Result<SqlValue<'v>, Error>
    where
        'a: 'v,
    {
        let ty: &'a EntityType = self.ty;
        let embedded = &self.model.embedded;
        field_value(ty, self.field(), value, &self.at, embedded, self.target)
    }

    /// The next field is an optional property the entity leaves out (its schema `default`,
    /// if any, is stored).
    pub fn absent(&mut self) -> Result<(), Error> {
        if self.given_key()? {
            return Ok(());
        }
        let value = self.json_value(None)?;
        self.values.push(value);
        Ok(())
    }

    /// The next field holds a plain scalar (`string`, `integer`, `number`, `boolean`, or
    /// `None` for `null`), bound without a copy.
    pub fn scalar<T: EncodeScalar + ?Sized>(&mut self, value: &'a T) -> Result<(), Error> {
        if self.given_key()? {
            return Ok(());
        }
        let value = self.scalar_value(value.scalar_ref())?;
        self.values.push(value);
        Ok(())
    }

    fn scalar_value(&self, value: ScalarRef<'a>) -> Result<SqlValue<'a>, Error> {
        let field = self.field();
        let direct = match (field.scalar, value) {
            (ScalarType::String, ScalarRef::Text(s)) if text_problem(s).is_none() => {
                Some(SqlValue::Text(Cow::Borrowed(s)))
            }
            (ScalarType::Integer, ScalarRef::Integer(i)) => Some(SqlValue::Integer(i)),
            (ScalarType::Number, ScalarRef::Integer(i)) => Some(SqlValue::Real(i as f64)),
            (ScalarType::Number, ScalarRef::Real(f)) if f.is_finite() => Some(SqlValue::Real(f)),
            (ScalarType::Boolean, ScalarRef::Bool(b)) => Some(SqlValue::Bool(b)),
            (ScalarType::Bytes, ScalarRef::Bytes(bytes)) => {
                Some(SqlValue::Bytes(Cow::Borrowed(bytes)))
            }
            _ => None,
        };
        let pointer = || self.at.join(&field.property);
        match (direct, value) {
            (Some(direct), _) if matches!(field.shape, JsonShape::Scalar(_)) => Ok(direct),
            (Some(direct), value) if probe::accepts_scalar(&field.shape, &value.probed()) => {
                Ok(direct)
            }
            // What the keywords refuse is refused as the JSON front end refuses it.
            (Some(direct), value) => {
                field
                    .check_value(&value.to_json(), &pointer(), &self.model.embedded)
                    .map_err(|(at, message)| self.target.invalid(&at, message))?;
                Ok(direct)
            }
            (None, ScalarRef::Real(f)) if !f.is_finite() => Err(self.target.invalid(
                &pointer(),
                format!("{f} is not a number JSON can carry, so nasc does not store it"),
            )),
            // Anything else is refused, or converted, as the JSON front end does.
            (None, value) => self
                .json_value(Some(&value.to_json()))
                .map(SqlValue::into_owned),
        }
    }

    /// The next field holds an instant (a `date-time` property): a `chrono` date-time is
    /// formatted straight into the stored form; anything else (text, `None`, an instant no
    /// timestamp column holds) goes through [`Self::serde`].
    pub fn instant<T: EncodeInstant + Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), Error> {
        if self.given_key()? {
            return Ok(());
        }
        let plain = date_time_alone(&self.field().shape);
        match value
            .utc()
            .filter(|instant| plain && stored_exactly(instant))
        {
            Some(instant) => {
                let text = nasc_model::datetime::format_stored(instant);
                self.values.push(SqlValue::Text(Cow::Owned(text)));
                Ok(())
            }
            None => self.serde(value),
        }
    }

    /// The next field holds a value serde converts (an enum, an instant, a JSON document),
    /// checked and stored as the JSON front end does.
    pub fn serde<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if self.given_key()? {
            return Ok(());
        }
        if let Some(stored) = self.serialized(value) {
            self.values.push(stored);
            return Ok(());
        }
        let json = serde_json::to_value(value).map_err(|e| {
            let pointer = self.at.join(&self.field().property);
            self.target.invalid(&pointer, e.to_string())
        })?;
        let value = self.json_value(Some(&json))?.into_owned();
        self.values.push(value);
        Ok(())
    }

    /// The stored form of the next field's `value`, serialised without a
    /// `serde_json::Value`, when the probe of its shape accepts it (`None`: the JSON front
    /// end decides).
    fn serialized<T: Serialize + ?Sized>(&self, value: &T) -> Option<SqlValue<'a>> {
        let field = self.field();
        if field.scalar == ScalarType::Json {
            // A document is stored as its JSON text (`null` too, when the shape holds it).
            return probe::accepts_document(value, &field.shape, &self.model.embedded)
                .then(|| serde_json::to_string(value).ok())
                .flatten()
                .map(|text| SqlValue::Text(Cow::Owned(text)));
        }
        let scalar = value.serialize(probe::Capture).ok()?;
        if scalar == Scalar::Null && field.null_allowed {
            return Some(SqlValue::Null(field.scalar));
        }
        if !probe::accepts_scalar(&field.shape, &scalar) {
            return None;
        }
        match (field.scalar, scalar) {
            (ScalarType::String, Scalar::Text(text)) if text_problem(&text).is_none() => {
                Some(SqlValue::Text(text))
            }
            (ScalarType::DateTime, Scalar::Text(text)) => nasc_model::datetime::to_stored(&text)
                .ok()
                .map(|stored| SqlValue::Text(Cow::Owned(stored))),
            (ScalarType::Integer, Scalar::Integer(i)) => Some(SqlValue::Integer(i)),
            (ScalarType::Number, Scalar::Integer(i)) => Some(SqlValue::Real(i as f64)),
            (ScalarType::Number, Scalar::Unsigned(u)) => Some(SqlValue::Real(u as f64)),
            (ScalarType::Number, Scalar::Real(f)) => Some(SqlValue::Real(f)),
            (ScalarType::Boolean, Scalar::Bool(b)) => Some(SqlValue::Bool(b)),
            (ScalarType::Bytes, Scalar::Text(text)) => nasc_model::bytes::decode(&text)
                .ok()
                .map(|bytes| SqlValue::Bytes(Cow::Owned(bytes))),
            _ => None,
        }
    }

    /// The next array holds `items`: each is encoded as a child row at its position.
    pub fn children<T: crate::Entity>(&mut self, items: &'a [T]) -> Result<(), Error> {
        debug_assert_eq!(self.values.len(), self.ty.fields.len(), "fields come first");
        if self.children.is_empty() {
            // The row's own checks come before its children's, as in the JSON front end.
            self.check_fields()?;
        }
        let ty: &'a EntityType = self.ty;
        let relation = ty
            .relations
            .get(self.children.len())
            .unwrap_or_else(|| panic!("`{}` has {} arrays", ty.name, ty.relations.len()));
        let at: Arc<str> = self.at.join(&relation.property).into();
        let counted = relation
            .constraints
            .as_ref()
            .and_then(|constraints| constraints.accepts_count(items.len()));
        if counted != Some(true) && (relation.constraints.is_some() || relation.check.is_some()) {
            // Keywords refused, or `uniqueItems`: checked on the array's JSON, as the JSON
            // front end checks them.
            let array = items
                .iter()
                .map(crate::Entity::to_json)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| self.target.invalid(&at, e.to_string()))?;
            relation
                .check_array(&Value::Array(array), &at)
                .map_err(|(at, message)| self.target.invalid(&at, message))?;
        }
        let child_ty = self.model.child(relation);
        let mut rows = Vec::with_capacity(items.len());
        let mut seen = SeenKeys::new(child_ty, &relation.property, items.len());
        for (i, item) in items.iter().enumerate() {
            let item_at = RowPointer::Item {
                array: at.clone(),
                index: i,
            };
            let mut row = RowEncoder::new(self.model, child_ty, item_at, self.dialect, self.target);
            item.encode_row(&mut row)?;
            let row = row.finish()?;
            seen.insert(&row, self.target)?;
            rows.push(row);
        }
        self.children.push(rows);
        Ok(())
    }

    /// The checks of the row's fields together (once they are all encoded).
    fn check_fields(&self) -> Result<(), Error> {
        check_key_length(self.ty, &self.values, &self.at, self.dialect, self.target)
    }

    /// The encoded row, once every field and array is.
    fn finish(self) -> Result<RowTree<'a>, Error> {
        assert!(
            self.values.len() == self.ty.fields.len()
                && self.children.len() == self.ty.relations.len(),
            "the generated encoder of `{}` encodes every field and array",
            self.ty.name
        );
        if self.ty.relations.is_empty() {
            self.check_fields()?;
        }
        Ok(RowTree {
            ty: self.ty,
            values: self.values,
            children: self.children,
            positions: Vec::new(),
            at: self.at,
            shared: Default::default(),
        })
    }
}

/// Whether `shape` asks of a `date-time` value nothing a `chrono` date-time does not hold:
/// no keyword but its format.
fn date_time_alone(shape: &JsonShape) -> bool {
    match shape {
        JsonShape::Scalar(_) => true,
        JsonShape::Constrained(inner, constraints) => {
            matches!(**inner, JsonShape::Scalar(ScalarType::String))
                && **constraints
                    == Constraints {
                        format: Some(Format::DateTime),
                        ..Constraints::default()
                    }
        }
        _ => false,
    }
}

/// Whether `instant` is stored as it is: a year of four digits, no leap second, no
/// precision beyond the microsecond (the others are refused by the JSON front end's checks).
fn stored_exactly(instant: &DateTime<Utc>) -> bool {
    let nanos = instant.nanosecond();
    (1..=9999).contains(&instant.year()) && nanos < 1_000_000_000 && nanos % 1_000 == 0
}

/// Rust types of `date-time` fields, as the typed front end stores them.
pub trait EncodeInstant {
    /// The instant, when the value is a `chrono` date-time (text and `None` are not).
    fn utc(&self) -> Option<DateTime<Utc>>;
}

impl EncodeInstant for DateTime<Utc> {
    fn utc(&self) -> Option<DateTime<Utc>> {
        Some(*self)
    }
}

impl EncodeInstant for DateTime<FixedOffset> {
    fn utc(&self) -> Option<DateTime<Utc>> {
        Some(self.with_timezone(&Utc))
    }
}

impl EncodeInstant for String {
    fn utc(&self) -> Option<DateTime<Utc>> {
        None
    }
}

impl EncodeInstant for str {
    fn utc(&self) -> Option<DateTime<Utc>> {
        None
    }
}

impl<T: EncodeInstant> EncodeInstant for Option<T> {
    fn utc(&self) -> Option<DateTime<Utc>> {
        self.as_ref().and_then(EncodeInstant::utc)
    }
}

/// A plain scalar field's value, borrowed.
#[derive(Debug, Clone, Copy)]
pub enum ScalarRef<'a> {
    /// `null` (`None` of an `Option` field).
    Null,
    /// A string.
    Text(&'a str),
    /// An integer.
    Integer(i64),
    /// A float.
    Real(f64),
    /// A boolean.
    Bool(bool),
    /// Bytes (a binary property).
    Bytes(&'a [u8]),
}

impl<'s> ScalarRef<'s> {
    /// The value as the shape probe takes it.
    fn probed(self) -> Scalar<'s> {
        match self {
            ScalarRef::Null => Scalar::Null,
            ScalarRef::Text(s) => Scalar::Text(Cow::Borrowed(s)),
            ScalarRef::Integer(i) => Scalar::Integer(i),
            ScalarRef::Real(f) => Scalar::Real(f),
            ScalarRef::Bool(b) => Scalar::Bool(b),
            ScalarRef::Bytes(bytes) => Scalar::Text(Cow::Owned(nasc_model::bytes::encode(bytes))),
        }
    }

    /// The value as JSON (a non-finite float is `null`, as serde_json makes it).
    fn to_json(self) -> Value {
        match self {
            ScalarRef::Null => Value::Null,
            ScalarRef::Text(s) => Value::String(s.to_owned()),
            ScalarRef::Integer(i) => Value::from(i),
            ScalarRef::Real(f) => Value::from(f),
            ScalarRef::Bool(b) => Value::Bool(b),
            ScalarRef::Bytes(bytes) => Value::String(nasc_model::bytes::encode(bytes)),
        }
    }
}

/// Rust types of plain scalar fields, as the typed front end binds them.
pub trait EncodeScalar {
    /// The value, borrowed.
    fn scalar_ref(&self) -> ScalarRef<'_>;
}

impl EncodeScalar for String {
    fn scalar_ref(&self) -> ScalarRef<'_> {
        ScalarRef::Text(self)
    }
}

impl EncodeScalar for str {
    fn scalar_ref(&self) -> ScalarRef<'_> {
        ScalarRef::Text(self)
    }
}

impl EncodeScalar for crate::Bytes {
    fn scalar_ref(&self) -> ScalarRef<'_> {
        ScalarRef::Bytes(self)
    }
}

impl EncodeScalar for Vec<u8> {
    fn scalar_ref(&self) -> ScalarRef<'_> {
        ScalarRef::Bytes(self)
    }
}

impl EncodeScalar for bool {
    fn scalar_ref(&self) -> ScalarRef<'_> {
        ScalarRef::Bool(*self)
    }
}

macro_rules! encode_integer {
    ($($t:ty),*) => {$(
        impl EncodeScalar for $t {
            fn scalar_ref(&self) -> ScalarRef<'_> {
                ScalarRef::Integer(i64::from(*self))
            }
        }
    )*};
}
encode_integer!(i64, i32, i16, i8, u32, u16, u8);

impl EncodeScalar for f64 {
    fn scalar_ref(&self) -> ScalarRef<'_> {
        ScalarRef::Real(*self)
    }
}

impl EncodeScalar for f32 {
    fn scalar_ref(&self) -> ScalarRef<'_> {
        ScalarRef::Real(f64::from(*self))
    }
}

impl<T: EncodeScalar> EncodeScalar for Option<T> {
    fn scalar_ref(&self) -> ScalarRef<'_> {
        match self {
            None => ScalarRef::Null,
            Some(value) => value.scalar_ref(),
        }
    }
}
