//! The JSON Schema types, as the compile-time checks of `#[derive(Entity)]` name them:
//! a field whose Rust type cannot hold its property's schema type fails to compile with
//! `StoresAs<nasc_runtime::schema_type::Boolean>` (say) in the message. The traits and
//! functions here serve those checks; code rarely names them.

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::marker::PhantomData;

/// JSON Schema `string`: `String`.
pub struct String;
/// JSON Schema `integer`: `i64`, or a narrower integer.
pub struct Integer;
/// JSON Schema `number`: `f64` or `f32`.
pub struct Number;
/// JSON Schema `boolean`: `bool`.
pub struct Boolean;
/// JSON Schema `string` with `format: date-time`: `chrono::DateTime<Utc>` (or
/// `DateTime<FixedOffset>`, or `String`).
pub struct DateTime;
/// An `enum` of strings: a Rust enum deriving [`crate::SchemaEnum`] whose variants are
/// exactly the schema's values (checked at compile time), or `String` (checked when saved).
pub struct Enum;
/// JSON Schema `string` with `contentEncoding: base64`: [`crate::Bytes`] or `Vec<u8>`.
pub struct Binary;
/// A `base64` string inside a JSON document: [`crate::Bytes`], which serde writes as
/// base64 (serde writes a `Vec<u8>` as an array of numbers).
pub struct Base64;
/// JSON Schema `string` with `format: date`: `chrono::NaiveDate` (or `String`).
pub struct Date;
/// JSON Schema `string` with `format: uuid`: `uuid::Uuid` (or `String`).
pub struct Uuid;
/// An untyped value (`{}`): `serde_json::Value`, which holds whatever JSON does.
pub struct Any;
/// A `const`, or a field opted out with `#[nasc(unchecked)]`: any serde type (its value
/// is checked when saved).
pub struct Object;
/// The object of the schema whose location (`Type/property/...`) hashes to `TAG`: the
/// struct deriving [`crate::SchemaObject`] for it, or `serde_json::Value`.
pub struct ObjectOf<const TAG: u64>;
/// `{"type": "array", "items": K}`: `Vec<T>` with `T` holding `K`.
pub struct Array<K>(PhantomData<K>);
/// `{"type": "object", "additionalProperties": K}`: `BTreeMap<String, T>` or
/// `HashMap<String, T>` with `T` holding `K`.
pub struct Map<K>(PhantomData<K>);
/// `K` or `null` (`["...", "null"]`): `Option<T>` with `T` holding `K`.
pub struct Nullable<K>(PhantomData<K>);

/// Rust types that can hold a schema scalar of kind `K`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold the schema type `{K}` of this property",
    label = "does not match the schema",
    note = "schema `string` takes `String`; `integer` takes `i64` (or a narrower integer); `number` takes `f64` or `f32`; `boolean` takes `bool`; a `date-time` string takes `chrono::DateTime<Utc>` (or `String`), a `date` one `chrono::NaiveDate`, a `uuid` one `uuid::Uuid` (or `String`); a `base64` string takes `nasc_runtime::Bytes` or `Vec<u8>`; an array takes `Vec<T>`, a map (`additionalProperties`) `BTreeMap<String, T>` or `HashMap<String, T>`, a value that may be `null` `Option<T>`, an untyped value (`{{}}`) `serde_json::Value`; an `enum` of strings a Rust enum with `#[derive(nasc_runtime::SchemaEnum)]` (or `String`); an object inside a document the struct deriving `nasc_runtime::SchemaObject` with `#[nasc(object = \"Type/property\")]` naming where it is (`ObjectOf<..>` is that place's hash), or `serde_json::Value`"
)]
pub trait StoresAs<K> {}

impl StoresAs<String> for std::string::String {}
impl StoresAs<Integer> for i64 {}
impl StoresAs<Integer> for i32 {}
impl StoresAs<Integer> for i16 {}
impl StoresAs<Integer> for i8 {}
impl StoresAs<Integer> for u32 {}
impl StoresAs<Integer> for u16 {}
impl StoresAs<Integer> for u8 {}
impl StoresAs<Number> for f64 {}
impl StoresAs<Number> for f32 {}
impl StoresAs<Boolean> for bool {}
impl StoresAs<DateTime> for chrono::DateTime<chrono::Utc> {}
impl StoresAs<DateTime> for chrono::DateTime<chrono::FixedOffset> {}
impl StoresAs<DateTime> for std::string::String {}
impl StoresAs<Binary> for crate::Bytes {}
impl StoresAs<Binary> for Vec<u8> {}
impl StoresAs<Base64> for crate::Bytes {}
impl StoresAs<Date> for chrono::NaiveDate {}
impl StoresAs<Date> for std::string::String {}
impl StoresAs<Uuid> for std::string::String {}
impl StoresAs<Uuid> for uuid::Uuid {}
impl StoresAs<Any> for serde_json::Value {}
// A `serde_json::Value` holds any JSON: a document's value is then checked when saved.
impl<K> StoresAs<Array<K>> for serde_json::Value {}
impl<K> StoresAs<Map<K>> for serde_json::Value {}
impl<K> StoresAs<Map<K>> for serde_json::Map<std::string::String, serde_json::Value> {}
impl<K> StoresAs<Nullable<K>> for serde_json::Value {}
impl<T: Serialize + DeserializeOwned> StoresAs<Object> for T {}
impl<const TAG: u64, T: SchemaObject<TAG> + Serialize + DeserializeOwned> StoresAs<ObjectOf<TAG>>
    for T
{
}
impl<const TAG: u64> StoresAs<ObjectOf<TAG>> for serde_json::Value {}

/// Structs checked against an object of the schema (`#[derive(SchemaObject)]`), by the
/// hash of its location.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not checked against this object of the schema",
    label = "does not match the schema",
    note = "derive `nasc_runtime::SchemaObject` for it with `#[nasc(object = \"Type/property\")]` naming this property's object, hold it as `serde_json::Value`, or opt the field out with `#[nasc(unchecked)]`"
)]
pub trait SchemaObject<const TAG: u64> {}
impl<K, T: StoresAs<K>> StoresAs<Array<K>> for Vec<T> {}
impl<K, T: StoresAs<K>> StoresAs<Map<K>> for BTreeMap<std::string::String, T> {}
impl<K, T: StoresAs<K>, S> StoresAs<Map<K>> for HashMap<std::string::String, T, S> {}
impl<K, T: StoresAs<K>> StoresAs<Nullable<K>> for Option<T> {}
impl StoresAs<Enum> for std::string::String {}
impl<T: StringEnum + Serialize + DeserializeOwned> StoresAs<Enum> for T {}

/// Enums whose values are a schema `enum`'s: `#[derive(SchemaEnum)]` (and `schema!`'s enums)
/// list them as serde writes them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold the schema `enum` of strings of this property",
    label = "does not match the schema",
    note = "a schema `enum` of strings takes a Rust enum with `#[derive(nasc_runtime::SchemaEnum)]` (a variant per value, serde names equal to the values), or `String`"
)]
pub trait StringEnum {
    /// The values, as serde writes them, in variant order.
    const VALUES: &'static [&'static str];
}

/// Whether `T`'s values include `value` (a compile-time check of `#[derive(Entity)]`).
pub const fn has_value<T: StringEnum>(value: &str) -> bool {
    let mut i = 0;
    while i < T::VALUES.len() {
        if same(T::VALUES[i], value) {
            return true;
        }
        i += 1;
    }
    false
}

/// The first value of `T` not among `values`, as the message `before` + value + `after`
/// (a compile-time check of `#[derive(Entity)]`, which panics with it).
pub const fn value_outside<T: StringEnum>(
    values: &[&str],
    before: &str,
    after: &str,
) -> Option<Message> {
    let mut i = 0;
    while i < T::VALUES.len() {
        let mut found = false;
        let mut j = 0;
        while j < values.len() {
            if same(T::VALUES[i], values[j]) {
                found = true;
            }
            j += 1;
        }
        if !found {
            let mut message = Message {
                bytes: [0; MESSAGE_BYTES],
                len: 0,
            };
            message.push(before);
            message.push(T::VALUES[i]);
            message.push(after);
            return Some(message);
        }
        i += 1;
    }
    None
}

const MESSAGE_BYTES: usize = 1024;

/// A compile-time error message made in a `const fn` (cut at 1 KiB, on a character
/// boundary).
pub struct Message {
    bytes: [u8; MESSAGE_BYTES],
    len: usize,
}

impl Message {
    const fn push(&mut self, text: &str) {
        let text = text.as_bytes();
        let mut i = 0;
        while i < text.len() && self.len < MESSAGE_BYTES {
            self.bytes[self.len] = text[i];
            self.len += 1;
            i += 1;
        }
    }

    /// The message.
    pub const fn as_str(&self) -> &str {
        let mut len = self.len;
        loop {
            match core::str::from_utf8(self.bytes.split_at(len).0) {
                Ok(text) => return text,
                Err(_) => len -= 1,
            }
        }
    }
}

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Entities that stand for the schema type whose name hashes to `TAG`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the entity of this array's schema item type",
    label = "the schema's `items.$ref` names another type",
    note = "use the struct generated or derived for the referenced type"
)]
pub trait IsSchemaType<const TAG: u64> {}

/// Stable tag of a schema type name (FNV-1a).
pub const fn type_tag(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut hash: u64 = 0xcbf29ce484222325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x100000001b3);
        i += 1;
    }
    hash
}

/// Compile-time check that `T` holds kind `K` (called nowhere; its bound is the check).
pub fn assert_stores_as<K, T: StoresAs<K>>() {}

/// Compile-time check that `T` is the entity of `TAG`.
pub fn assert_schema_type<const TAG: u64, T: IsSchemaType<TAG>>() {}
