//! The checks of one value against one part of a shape, each with its message. The shape
//! interpreter ([`crate::JsonShape::check`], for registries built at run time) and the
//! validators `schema!` generates call the same functions, so both refuse the same values
//! with the same words.

use crate::constraints::{is_multiple, json_equal};
use crate::shape::kind;
use serde_json::{Number, Value};

pub use crate::constraints::Format;
pub use crate::error::pointer_join;
pub use regex::Regex;

/// Where a value breaks its schema (a JSON pointer), and how.
pub type Violation = (String, String);

/// A compiled check of a value at a pointer: what `schema!` generates per property.
pub type Check = fn(&Value, &str) -> Result<(), Violation>;

/// A [`Check`] held by the model. Any two are equal: a compiled check only restates the
/// shape it was compiled from, which the model compares on its own.
#[derive(Clone, Copy)]
pub struct Compiled(pub Check);

impl PartialEq for Compiled {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Compiled")
    }
}

/// `value` has the wrong JSON type.
pub fn expected(pointer: &str, expected: &str, value: &Value) -> Violation {
    (
        pointer.to_owned(),
        format!("expected {expected}, found {}", kind(value)),
    )
}

/// Whether a JSON number is an integer (as JSON Schema's `integer` means it).
pub fn is_integer(n: &Number) -> bool {
    n.is_i64() || n.is_u64()
}

/// `minLength`; `length` counts the characters of the string `value`.
pub fn min_length(pointer: &str, value: &Value, length: u64, min: u64) -> Result<(), Violation> {
    if length < min {
        return Err((
            pointer.to_owned(),
            format!("`minLength` {min}: {} has {length} characters", kind(value)),
        ));
    }
    Ok(())
}

/// `maxLength`; `length` counts the characters of the string `value`.
pub fn max_length(pointer: &str, value: &Value, length: u64, max: u64) -> Result<(), Violation> {
    if length > max {
        return Err((
            pointer.to_owned(),
            format!("`maxLength` {max}: {} has {length} characters", kind(value)),
        ));
    }
    Ok(())
}

/// `pattern`: `text` (the string `value`) must contain a match.
pub fn pattern(pointer: &str, value: &Value, text: &str, regex: &Regex) -> Result<(), Violation> {
    if !regex.is_match(text) {
        return Err((
            pointer.to_owned(),
            format!(
                "`pattern` {:?}: {} does not match",
                regex.as_str(),
                kind(value)
            ),
        ));
    }
    Ok(())
}

/// `format`, for the formats nasc checks.
pub fn format(pointer: &str, value: &Value, text: &str, format: Format) -> Result<(), Violation> {
    if !format.accepts(text) {
        return Err((
            pointer.to_owned(),
            format!("`format` {:?}: {} is not one", format.name(), kind(value)),
        ));
    }
    Ok(())
}

/// The numeric bounds: `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// `minimum`.
    Minimum,
    /// `maximum`.
    Maximum,
    /// `exclusiveMinimum`.
    ExclusiveMinimum,
    /// `exclusiveMaximum`.
    ExclusiveMaximum,
}

impl Bound {
    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Bound::Minimum => "minimum",
            Bound::Maximum => "maximum",
            Bound::ExclusiveMinimum => "exclusiveMinimum",
            Bound::ExclusiveMaximum => "exclusiveMaximum",
        }
    }
}

/// A numeric bound; `x` is the number `value` as a float.
pub fn bound(
    pointer: &str,
    value: &Value,
    x: f64,
    which: Bound,
    bound: f64,
) -> Result<(), Violation> {
    let violated = match which {
        Bound::Minimum => x < bound,
        Bound::Maximum => x > bound,
        Bound::ExclusiveMinimum => x <= bound,
        Bound::ExclusiveMaximum => x >= bound,
    };
    if violated {
        return Err((
            pointer.to_owned(),
            format!(
                "`{}` {bound}: {} is out of range",
                which.keyword(),
                kind(value)
            ),
        ));
    }
    Ok(())
}

/// `multipleOf`; `n` is the number `value`.
pub fn multiple_of(pointer: &str, value: &Value, n: &Number, m: f64) -> Result<(), Violation> {
    if !is_multiple(n, m) {
        return Err((
            pointer.to_owned(),
            format!("`multipleOf` {m}: {} is not a multiple", kind(value)),
        ));
    }
    Ok(())
}

/// `minItems`, for an array of `count` items.
pub fn min_items(pointer: &str, count: u64, min: u64) -> Result<(), Violation> {
    if count < min {
        return Err((
            pointer.to_owned(),
            format!("`minItems` {min}: the array has {count} items"),
        ));
    }
    Ok(())
}

/// `maxItems`, for an array of `count` items.
pub fn max_items(pointer: &str, count: u64, max: u64) -> Result<(), Violation> {
    if count > max {
        return Err((
            pointer.to_owned(),
            format!("`maxItems` {max}: the array has {count} items"),
        ));
    }
    Ok(())
}

/// `uniqueItems: true`: the first item equal to an earlier one is the violation.
pub fn unique_items(pointer: &str, items: &[Value]) -> Result<(), Violation> {
    for (i, item) in items.iter().enumerate() {
        if let Some(j) = items[..i]
            .iter()
            .position(|earlier| json_equal(earlier, item))
        {
            return Err((
                pointer_join(pointer, &i.to_string()),
                format!("`uniqueItems`: {} repeats item {j}", kind(item)),
            ));
        }
    }
    Ok(())
}

/// An `enum` of strings: `value` must be one of `values`.
pub fn one_of_strings<S: AsRef<str>>(
    pointer: &str,
    value: &Value,
    values: &[S],
) -> Result<(), Violation> {
    match value {
        Value::String(s) if values.iter().any(|v| v.as_ref() == s) => Ok(()),
        _ => {
            let listed: Vec<String> = values.iter().map(|v| format!("{:?}", v.as_ref())).collect();
            Err((
                pointer.to_owned(),
                format!(
                    "expected one of {}, found {}",
                    listed.join(", "),
                    kind(value)
                ),
            ))
        }
    }
}

/// A `const` or an `enum` of other values: `value` must equal one of `values` (as JSON
/// Schema compares).
pub fn one_of_values(pointer: &str, value: &Value, values: &[Value]) -> Result<(), Violation> {
    if values.iter().any(|v| json_equal(v, value)) {
        return Ok(());
    }
    let listed: Vec<String> = values.iter().map(Value::to_string).collect();
    Err((
        pointer.to_owned(),
        format!(
            "expected one of {}, found {}",
            listed.join(", "),
            kind(value)
        ),
    ))
}

/// A required property `name` is missing (`pointer` is where it would be).
pub fn required(pointer: &str, name: &str) -> Violation {
    (pointer.to_owned(), format!("`{name}` is required"))
}

/// The object holds `key`, which it does not declare and `additionalProperties` refuses.
pub fn undeclared(pointer: &str, key: &str) -> Violation {
    (
        pointer.to_owned(),
        format!("`{key}` is not a declared property, and `additionalProperties` is false"),
    )
}
