//! Shapes of property values stored as JSON documents (nested objects, maps, arrays of
//! scalars, embedded `$ref`s), how they are read from a schema, and how a value is checked
//! against one.

use crate::check::{self, Violation};
use crate::constraints::Constraints;
use crate::error::pointer_join;
use crate::model::ScalarType;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The shape of a JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonShape {
    /// A string, integer, number or boolean.
    Scalar(ScalarType),
    /// One of these strings.
    Enum(Vec<String>),
    /// An object with declared properties.
    Object(ObjectShape),
    /// An object whose every value has one shape (`additionalProperties` only).
    Map(Box<JsonShape>),
    /// An array whose every item has one shape.
    Array(Box<JsonShape>),
    /// A copy of the schema type of this name (a single `$ref`).
    Ref(String),
    /// Anything (an untyped schema).
    Any,
    /// The inner shape or `null`.
    Nullable(Box<JsonShape>),
    /// One of these values (an `enum` of other values than strings, or a `const`).
    Values(Vec<Value>),
    /// The inner shape, with validation keywords.
    Constrained(Box<JsonShape>, Box<Constraints>),
}

/// An object with declared properties.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectShape {
    /// Declared properties, in schema order.
    pub properties: Vec<PropertyShape>,
    /// Shape of undeclared properties; `None` rejects them.
    pub additional: Option<Box<JsonShape>>,
}

/// One declared property of an [`ObjectShape`].
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyShape {
    /// Property name.
    pub name: String,
    /// Its shape.
    pub shape: JsonShape,
    /// Listed in `required`.
    pub required: bool,
}

/// The schema types a `$ref` can name: `#/$defs/X` or `#/definitions/X`.
pub fn ref_target(reference: &str) -> Option<&str> {
    reference
        .strip_prefix("#/$defs/")
        .or_else(|| reference.strip_prefix("#/definitions/"))
        .filter(|name| !name.is_empty() && !name.contains('/'))
}

/// Reads shapes from a schema, resolving `$ref`s against its type definitions.
pub struct ShapeReader<'a> {
    /// Every type definition (`$defs` and `definitions`).
    defs: &'a Map<String, Value>,
    /// The types being expanded in place (references to non-object types), innermost
    /// last: a reference back to one of them is a cycle, which would never end.
    expanding: std::cell::RefCell<Vec<String>>,
}

impl<'a> ShapeReader<'a> {
    /// A reader of shapes whose `$ref`s name types of `defs`.
    pub fn new(defs: &'a Map<String, Value>) -> Self {
        ShapeReader {
            defs,
            expanding: Default::default(),
        }
    }

    /// The shape `schema` (at `pointer`) describes, or what makes it unsupported (with the
    /// pointer of the offending part).
    pub fn read(&self, schema: &Value, pointer: &str) -> Result<JsonShape, (String, String)> {
        let Some(object) = schema.as_object() else {
            return match schema {
                Value::Bool(true) => Ok(JsonShape::Any),
                _ => Err((pointer.to_owned(), "is not an object schema".into())),
            };
        };
        if let Some(reference) = object.get("$ref") {
            let reference = reference.as_str().unwrap_or_default();
            let Some(name) = ref_target(reference).filter(|n| self.defs.contains_key(*n)) else {
                return Err((
                    pointer_join(pointer, "$ref"),
                    format!("`{reference}` names no type in `$defs` or `definitions`"),
                ));
            };
            let target = &self.defs[name];
            if target.get("type").and_then(Value::as_str) == Some("object") {
                return Ok(JsonShape::Ref(name.to_owned()));
            }
            // Any other type is expanded in place, so it must not contain itself.
            let cycle = {
                let expanding = self.expanding.borrow();
                expanding.iter().position(|n| n == name).map(|start| {
                    let mut names: Vec<&str> =
                        expanding[start..].iter().map(String::as_str).collect();
                    names.push(name);
                    names.join(" -> ")
                })
            };
            if let Some(cycle) = cycle {
                return Err((
                    pointer_join(pointer, "$ref"),
                    format!("reaches a cycle of references ({cycle}) at `{reference}` that never ends in a value; only object types (`\"type\": \"object\"`) may contain themselves"),
                ));
            }
            self.expanding.borrow_mut().push(name.to_owned());
            let shape = self.read(target, &pointer_join("/$defs", name));
            self.expanding.borrow_mut().pop();
            return shape;
        }
        if object.contains_key("anyOf")
            || object.contains_key("oneOf")
            || object.contains_key("allOf")
        {
            return Err((
                pointer.to_owned(),
                "is an `anyOf`/`oneOf`/`allOf`, which nasc does not store yet".into(),
            ));
        }
        let (type_name, nullable) = match object.get("type") {
            None => (None, false),
            Some(Value::String(t)) => (Some(t.as_str()), false),
            Some(Value::Array(types)) => {
                let names: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
                let non_null: Vec<&str> = names.iter().copied().filter(|t| *t != "null").collect();
                if names.len() != types.len() || non_null.len() != 1 || names.len() > 2 {
                    return Err((
                        pointer.to_owned(),
                        "is a union of types, which nasc does not store yet".into(),
                    ));
                }
                (Some(non_null[0]), names.len() == 2)
            }
            Some(_) => {
                return Err((
                    pointer_join(pointer, "type"),
                    "`type` must be a string or an array of strings".into(),
                ))
            }
        };
        let mut shape = self.read_typed(object, type_name, pointer)?;
        let constraints = Constraints::read(object, pointer)?;
        if !constraints.is_empty() {
            shape = JsonShape::Constrained(Box::new(shape), Box::new(constraints));
        }
        Ok(if nullable {
            JsonShape::Nullable(Box::new(shape))
        } else {
            shape
        })
    }

    fn read_typed(
        &self,
        object: &Map<String, Value>,
        type_name: Option<&str>,
        pointer: &str,
    ) -> Result<JsonShape, (String, String)> {
        if let Some(constant) = object.get("const") {
            return Ok(JsonShape::Values(vec![constant.clone()]));
        }
        if let Some(values) = object.get("enum") {
            let Some(items) = values.as_array().filter(|items| !items.is_empty()) else {
                return Err((
                    pointer_join(pointer, "enum"),
                    "has an `enum` that is not a non-empty array".into(),
                ));
            };
            let strings: Vec<String> = items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            return Ok(match type_name {
                None | Some("string") if strings.len() == items.len() => JsonShape::Enum(strings),
                _ => JsonShape::Values(items.clone()),
            });
        }
        match (object.get("contentEncoding"), type_name) {
            (None, _) => {}
            (Some(Value::String(encoding)), Some("string")) if encoding == "base64" => {
                return Ok(JsonShape::Scalar(ScalarType::Bytes));
            }
            (Some(Value::String(encoding)), Some("string")) => {
                return Err((
                    pointer_join(pointer, "contentEncoding"),
                    format!("has the `contentEncoding` `{encoding}`, which nasc does not store (only `base64`)"),
                ))
            }
            (Some(_), _) => {
                return Err((
                    pointer_join(pointer, "contentEncoding"),
                    "has a `contentEncoding` other than `\"base64\"` on a `\"type\": \"string\"`".into(),
                ))
            }
        }
        match type_name {
            None => Ok(JsonShape::Any),
            Some("object") => self.read_object(object, pointer),
            Some("array") => match object.get("items") {
                None => Ok(JsonShape::Array(Box::new(JsonShape::Any))),
                Some(items) => Ok(JsonShape::Array(Box::new(
                    self.read(items, &pointer_join(pointer, "items"))?,
                ))),
            },
            Some(name) => match ScalarType::from_schema_name(name) {
                Some(scalar) => Ok(JsonShape::Scalar(scalar)),
                None => Err((
                    pointer_join(pointer, "type"),
                    format!("has the unknown type `{name}`"),
                )),
            },
        }
    }

    fn read_object(
        &self,
        object: &Map<String, Value>,
        pointer: &str,
    ) -> Result<JsonShape, (String, String)> {
        let additional = match object.get("additionalProperties") {
            None | Some(Value::Bool(true)) => Some(Box::new(JsonShape::Any)),
            Some(Value::Bool(false)) => None,
            Some(schema) => Some(Box::new(
                self.read(schema, &pointer_join(pointer, "additionalProperties"))?,
            )),
        };
        let required: Vec<&str> = object
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let Some(properties) = object.get("properties").and_then(Value::as_object) else {
            return Ok(JsonShape::Map(
                additional.unwrap_or(Box::new(JsonShape::Any)),
            ));
        };
        let properties_pointer = pointer_join(pointer, "properties");
        let mut declared = Vec::with_capacity(properties.len());
        for (name, schema) in properties {
            declared.push(PropertyShape {
                name: name.clone(),
                shape: self.read(schema, &pointer_join(&properties_pointer, name))?,
                required: required.contains(&name.as_str()),
            });
        }
        Ok(JsonShape::Object(ObjectShape {
            properties: declared,
            additional,
        }))
    }
}

impl JsonShape {
    /// The shape without its validation keywords.
    pub fn unconstrained(&self) -> &JsonShape {
        match self {
            JsonShape::Constrained(inner, _) => inner.unconstrained(),
            shape => shape,
        }
    }

    /// The validation keywords directly on this shape.
    pub fn constraints(&self) -> Option<&Constraints> {
        match self {
            JsonShape::Constrained(_, constraints) => Some(constraints),
            _ => None,
        }
    }

    /// Names of the schema types this shape embeds by `$ref`, directly or nested.
    pub fn refs(&self, into: &mut Vec<String>) {
        match self {
            JsonShape::Ref(name) if !into.contains(name) => into.push(name.clone()),
            JsonShape::Object(object) => {
                object.properties.iter().for_each(|p| p.shape.refs(into));
                if let Some(additional) = &object.additional {
                    additional.refs(into);
                }
            }
            JsonShape::Map(inner) | JsonShape::Array(inner) | JsonShape::Nullable(inner) => {
                inner.refs(into)
            }
            _ => {}
        }
    }

    /// Checks `value` (at `pointer`) against the shape; `embedded` holds the shapes of the
    /// types `Ref`s name. The error is the offending pointer and what is wrong.
    pub fn check(
        &self,
        value: &Value,
        pointer: &str,
        embedded: &BTreeMap<String, ObjectShape>,
    ) -> Result<(), Violation> {
        match (self, value) {
            (JsonShape::Any, _) => Ok(()),
            (JsonShape::Constrained(inner, constraints), _) => {
                inner.check(value, pointer, embedded)?;
                constraints.check(value, pointer)
            }
            (JsonShape::Values(values), _) => check::one_of_values(pointer, value, values),
            (JsonShape::Nullable(_), Value::Null) => Ok(()),
            (JsonShape::Nullable(inner), _) => inner.check(value, pointer, embedded),
            (JsonShape::Scalar(ScalarType::String | ScalarType::DateTime), Value::String(_)) => {
                Ok(())
            }
            (JsonShape::Scalar(ScalarType::Bytes), value) => {
                match value.as_str().map(crate::bytes::decode) {
                    Some(Ok(_)) => Ok(()),
                    _ => Err(check::expected(pointer, crate::bytes::EXPECTED, value)),
                }
            }
            (JsonShape::Scalar(ScalarType::Boolean), Value::Bool(_)) => Ok(()),
            (JsonShape::Scalar(ScalarType::Number), Value::Number(_)) => Ok(()),
            (JsonShape::Scalar(ScalarType::Integer), Value::Number(n)) if check::is_integer(n) => {
                Ok(())
            }
            (JsonShape::Scalar(scalar), _) => {
                Err(check::expected(pointer, scalar.schema_name(), value))
            }
            (JsonShape::Enum(values), _) => check::one_of_strings(pointer, value, values),
            (JsonShape::Array(items), Value::Array(array)) => {
                array.iter().enumerate().try_for_each(|(i, item)| {
                    items.check(item, &pointer_join(pointer, &i.to_string()), embedded)
                })
            }
            (JsonShape::Array(_), _) => Err(check::expected(pointer, "an array", value)),
            (JsonShape::Map(values), Value::Object(object)) => {
                object.iter().try_for_each(|(key, item)| {
                    values.check(item, &pointer_join(pointer, key), embedded)
                })
            }
            (JsonShape::Map(_), _) => Err(check::expected(pointer, "an object", value)),
            (JsonShape::Object(shape), _) => shape.check(value, pointer, embedded),
            (JsonShape::Ref(name), _) => match embedded.get(name) {
                Some(shape) => shape.check(value, pointer, embedded),
                None => Err((
                    pointer.to_owned(),
                    format!("the shape of `{name}` is unknown"),
                )),
            },
        }
    }
}

impl ObjectShape {
    /// Checks `value` against the object shape.
    pub fn check(
        &self,
        value: &Value,
        pointer: &str,
        embedded: &BTreeMap<String, ObjectShape>,
    ) -> Result<(), Violation> {
        let Value::Object(object) = value else {
            return Err(check::expected(pointer, "an object", value));
        };
        for property in &self.properties {
            let at = pointer_join(pointer, &property.name);
            match object.get(&property.name) {
                None if property.required => return Err(check::required(&at, &property.name)),
                None => {}
                Some(item) => property.shape.check(item, &at, embedded)?,
            }
        }
        for (key, item) in object {
            if self.properties.iter().any(|p| &p.name == key) {
                continue;
            }
            let at = pointer_join(pointer, key);
            match &self.additional {
                None => return Err(check::undeclared(&at, key)),
                Some(shape) => shape.check(item, &at, embedded)?,
            }
        }
        Ok(())
    }
}

/// A short description of a JSON value's kind, for messages.
pub fn kind(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) if s.len() <= 40 => format!("string {s:?}"),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(schema: Value, defs: Value) -> Result<JsonShape, (String, String)> {
        let defs = defs.as_object().unwrap().clone();
        ShapeReader::new(&defs).read(&schema, "/p")
    }

    #[test]
    fn shapes_are_read_from_schemas() {
        let defs = json!({"User": {"type": "object", "properties": {"id": {"type": "string"}}}, "Color": {"type": "string", "enum": ["red", "blue"]}});
        assert_eq!(
            read(json!({"$ref": "#/$defs/User"}), defs.clone()).unwrap(),
            JsonShape::Ref("User".into())
        );
        assert_eq!(
            read(json!({"$ref": "#/definitions/Color"}), defs.clone()).unwrap(),
            JsonShape::Enum(vec!["red".into(), "blue".into()])
        );
        assert_eq!(
            read(
                json!({"type": ["array", "null"], "items": {"type": "string"}}),
                defs.clone()
            )
            .unwrap(),
            JsonShape::Nullable(Box::new(JsonShape::Array(Box::new(JsonShape::Scalar(
                ScalarType::String
            )))))
        );
        assert_eq!(
            read(
                json!({"type": "object", "additionalProperties": {"type": "integer"}}),
                defs.clone()
            )
            .unwrap(),
            JsonShape::Map(Box::new(JsonShape::Scalar(ScalarType::Integer)))
        );
        assert_eq!(read(json!({}), defs.clone()).unwrap(), JsonShape::Any);
        let error = read(
            json!({"type": "object", "properties": {"x": {"anyOf": []}}}),
            defs.clone(),
        )
        .unwrap_err();
        assert_eq!(error.0, "/p/properties/x");
        assert!(read(json!({"$ref": "#/$defs/Nope"}), defs)
            .unwrap_err()
            .1
            .contains("names no type"));
    }

    #[test]
    fn values_are_checked_with_pointers() {
        let shape = read(
            json!({"type": "object", "properties": {"city": {"type": "string"}, "zip": {"type": ["integer", "null"]},
                   "tags": {"type": "array", "items": {"enum": ["a", "b"]}}}, "required": ["city"], "additionalProperties": false}),
            json!({}),
        )
        .unwrap();
        let none = BTreeMap::new();
        assert!(shape
            .check(
                &json!({"city": "Oslo", "zip": null, "tags": ["a"]}),
                "/address",
                &none
            )
            .is_ok());
        let error = |value: Value| shape.check(&value, "/address", &none).unwrap_err();
        assert_eq!(
            error(json!({"zip": 1})),
            ("/address/city".into(), "`city` is required".into())
        );
        assert_eq!(error(json!({"city": "x", "zip": 1.5})).0, "/address/zip");
        assert_eq!(
            error(json!({"city": "x", "tags": ["a", "c"]})),
            (
                "/address/tags/1".into(),
                "expected one of \"a\", \"b\", found string \"c\"".into()
            )
        );
        assert!(error(json!({"city": "x", "extra": 1}))
            .1
            .contains("`additionalProperties` is false"));
    }
}
