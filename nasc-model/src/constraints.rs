//! Validation keywords (`minLength`, `pattern`, `minimum`, `uniqueItems`, `format`, ...):
//! read from a schema, checked against values, and rendered as SQL `CHECK`s where SQL can
//! express them.

use crate::check::{self, Bound, Violation};
use crate::error::pointer_join;
use regex::Regex;
use serde_json::{Map, Value};

/// The validation keywords of one schema. Each applies to values of its own kind only
/// (`minLength` to strings, `minimum` to numbers, `minItems` to arrays), as in JSON Schema.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    /// `minLength`: fewest characters of a string.
    pub min_length: Option<u64>,
    /// `maxLength`: most characters of a string.
    pub max_length: Option<u64>,
    /// `pattern`: a regular expression a string must contain a match of.
    pub pattern: Option<Pattern>,
    /// `minimum`: smallest number.
    pub minimum: Option<f64>,
    /// `maximum`: largest number.
    pub maximum: Option<f64>,
    /// `exclusiveMinimum`: numbers must be above it.
    pub exclusive_minimum: Option<f64>,
    /// `exclusiveMaximum`: numbers must be below it.
    pub exclusive_maximum: Option<f64>,
    /// `multipleOf`: numbers must be multiples of it.
    pub multiple_of: Option<f64>,
    /// `minItems`: fewest items of an array.
    pub min_items: Option<u64>,
    /// `maxItems`: most items of an array.
    pub max_items: Option<u64>,
    /// `uniqueItems`: no two items of an array equal.
    pub unique_items: bool,
    /// `format`, when it is one nasc checks.
    pub format: Option<Format>,
}

/// A `pattern`, compiled once.
#[derive(Debug, Clone)]
pub struct Pattern(pub Regex);

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

/// The `format`s nasc checks; others are annotations only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RFC 3339 `date-time`.
    DateTime,
    /// RFC 3339 `full-date`.
    Date,
    /// RFC 4122 UUID, hyphenated.
    Uuid,
    /// RFC 5321 mailbox.
    Email,
    /// RFC 3986 absolute URI.
    Uri,
}

impl Format {
    /// The format's name in schemas.
    pub fn name(self) -> &'static str {
        match self {
            Format::DateTime => "date-time",
            Format::Date => "date",
            Format::Uuid => "uuid",
            Format::Email => "email",
            Format::Uri => "uri",
        }
    }

    /// Whether `text` is in the format.
    pub fn accepts(self, text: &str) -> bool {
        match self {
            Format::DateTime => match chrono::DateTime::parse_from_rfc3339(text) {
                // A leap second is only ever the last second of a UTC day.
                Ok(time) if time.timestamp_subsec_nanos() >= 1_000_000_000 => {
                    let utc = time.naive_utc();
                    chrono::Timelike::hour(&utc) == 23 && chrono::Timelike::minute(&utc) == 59
                }
                Ok(_) => true,
                Err(_) => false,
            },
            Format::Date => {
                let digits = |range: std::ops::Range<usize>| {
                    text.get(range)
                        .is_some_and(|s| s.bytes().all(|b| b.is_ascii_digit()))
                };
                text.len() == 10
                    && digits(0..4)
                    && digits(5..7)
                    && digits(8..10)
                    && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
            }
            Format::Uuid => {
                let hyphens = text
                    .char_indices()
                    .filter(|(_, c)| *c == '-')
                    .map(|(i, _)| i)
                    .collect::<Vec<_>>();
                text.len() == 36
                    && hyphens == [8, 13, 18, 23]
                    && uuid::Uuid::try_parse(text).is_ok()
            }
            Format::Email => {
                email_address::EmailAddress::is_valid(text) && email_domain_is_valid(text)
            }
            Format::Uri => fluent_uri::Uri::parse(text).is_ok(),
        }
    }
}

impl Constraints {
    /// The keywords of `schema` (at `pointer`), or what is wrong with one of them.
    pub fn read(
        schema: &Map<String, Value>,
        pointer: &str,
    ) -> Result<Constraints, (String, String)> {
        let count = |key: &str| -> Result<Option<u64>, (String, String)> {
            match schema.get(key) {
                None => Ok(None),
                Some(value) => value
                    .as_u64()
                    .or_else(|| {
                        value
                            .as_f64()
                            .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                            .map(|f| f as u64)
                    })
                    .map(Some)
                    .ok_or_else(|| {
                        (
                            pointer_join(pointer, key),
                            format!("has a `{key}` that is not a non-negative integer"),
                        )
                    }),
            }
        };
        let number = |key: &str| -> Result<Option<f64>, (String, String)> {
            match schema.get(key) {
                None => Ok(None),
                Some(value) => value.as_f64().map(Some).ok_or_else(|| {
                    (
                        pointer_join(pointer, key),
                        format!("has a `{key}` that is not a number"),
                    )
                }),
            }
        };
        let pattern = match schema.get("pattern") {
            None => None,
            Some(Value::String(source)) => Some(Pattern(Regex::new(source).map_err(|e| {
                (
                    pointer_join(pointer, "pattern"),
                    format!("has a `pattern` the regex engine cannot compile: {e}"),
                )
            })?)),
            Some(_) => {
                return Err((
                    pointer_join(pointer, "pattern"),
                    "has a `pattern` that is not a string".into(),
                ))
            }
        };
        let multiple_of = number("multipleOf")?;
        if multiple_of.is_some_and(|m| m <= 0.0) {
            return Err((
                pointer_join(pointer, "multipleOf"),
                "has a `multipleOf` that is not positive".into(),
            ));
        }
        let format = match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => Some(Format::DateTime),
            Some("date") => Some(Format::Date),
            Some("uuid") => Some(Format::Uuid),
            Some("email") => Some(Format::Email),
            Some("uri") => Some(Format::Uri),
            _ => None,
        };
        Ok(Constraints {
            min_length: count("minLength")?,
            max_length: count("maxLength")?,
            pattern,
            minimum: number("minimum")?,
            maximum: number("maximum")?,
            exclusive_minimum: number("exclusiveMinimum")?,
            exclusive_maximum: number("exclusiveMaximum")?,
            multiple_of,
            min_items: count("minItems")?,
            max_items: count("maxItems")?,
            unique_items: schema.get("uniqueItems") == Some(&Value::Bool(true)),
            format,
        })
    }

    /// No keyword is set.
    pub fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }

    /// Checks `value` (at `pointer`); the error names the keyword and the offending value.
    pub fn check(&self, value: &Value, pointer: &str) -> Result<(), Violation> {
        match value {
            Value::String(text) => {
                let length = text.chars().count() as u64;
                if let Some(min) = self.min_length {
                    check::min_length(pointer, value, length, min)?;
                }
                if let Some(max) = self.max_length {
                    check::max_length(pointer, value, length, max)?;
                }
                if let Some(Pattern(regex)) = &self.pattern {
                    check::pattern(pointer, value, text, regex)?;
                }
                if let Some(format) = self.format {
                    check::format(pointer, value, text, format)?;
                }
            }
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or(f64::NAN);
                for (which, bound) in self.bounds() {
                    check::bound(pointer, value, x, which, bound)?;
                }
                if let Some(m) = self.multiple_of {
                    check::multiple_of(pointer, value, n, m)?;
                }
            }
            Value::Array(items) => {
                let count = items.len() as u64;
                if let Some(min) = self.min_items {
                    check::min_items(pointer, count, min)?;
                }
                if let Some(max) = self.max_items {
                    check::max_items(pointer, count, max)?;
                }
                if self.unique_items {
                    check::unique_items(pointer, items)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Whether the string `text` meets the keywords: [`Self::check`] of a string, without
    /// building the value or a message.
    pub fn accepts_text(&self, text: &str) -> bool {
        let length = || text.chars().count() as u64;
        self.min_length.map_or(true, |min| length() >= min)
            && self.max_length.map_or(true, |max| length() <= max)
            && (self.pattern.as_ref()).map_or(true, |Pattern(regex)| regex.is_match(text))
            && self.format.map_or(true, |format| format.accepts(text))
    }

    /// Whether an array of `count` items meets the keywords, when its items need not be
    /// compared (`None` when `uniqueItems` asks for that).
    pub fn accepts_count(&self, count: usize) -> Option<bool> {
        let count = count as u64;
        (!self.unique_items).then(|| {
            self.min_items.map_or(true, |min| count >= min)
                && self.max_items.map_or(true, |max| count <= max)
        })
    }

    /// The numeric bounds set, in the order they are checked.
    pub fn bounds(&self) -> impl Iterator<Item = (Bound, f64)> {
        [
            (Bound::Minimum, self.minimum),
            (Bound::Maximum, self.maximum),
            (Bound::ExclusiveMinimum, self.exclusive_minimum),
            (Bound::ExclusiveMaximum, self.exclusive_maximum),
        ]
        .into_iter()
        .filter_map(|(which, bound)| Some((which, bound?)))
    }
}

/// The domain of an address is a host name or a bracketed IP literal (the mailbox syntax
/// itself is checked by `email_address`, which lets some domains through).
fn email_domain_is_valid(address: &str) -> bool {
    let Some((_, domain)) = address.rsplit_once('@') else {
        return false;
    };
    match domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        Some(literal) => match literal.strip_prefix("IPv6:") {
            Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
            None => literal.parse::<std::net::Ipv4Addr>().is_ok(),
        },
        None => domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        }),
    }
}

/// Whether `n` is a multiple of `m` (exactly for integers, within float precision otherwise).
pub(crate) fn is_multiple(n: &serde_json::Number, m: f64) -> bool {
    if let (Some(i), true) = (n.as_i64(), m.fract() == 0.0 && m.abs() < 9.0e15) {
        return i % (m as i64) == 0;
    }
    let quotient = n.as_f64().unwrap_or(f64::NAN) / m;
    quotient.is_finite() && (quotient - quotient.round()).abs() <= 1e-9 * quotient.abs().max(1.0)
}

/// JSON equality as JSON Schema defines it: numbers compare by value (`1` equals `1.0`),
/// objects regardless of key order.
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use crate::shape::{JsonShape, ShapeReader};
    use serde_json::{Map, Value};
    use std::collections::BTreeMap;
    use std::path::Path;

    /// Cases of the official JSON-Schema-Test-Suite (draft 2020-12) that nasc does not pass,
    /// as `file: group: test`, each with the reason.
    const UNSUPPORTED: &[(&str, &str)] = &[
        (
            "uniqueItems.json: uniqueItems with an array of items and additionalItems=false: extra items are invalid even if unique",
            "tuple validation (`prefixItems` with `items: false`) is not a supported shape",
        ),
        (
            "uniqueItems.json: uniqueItems=false with an array of items and additionalItems=false: extra items are invalid even if unique",
            "tuple validation (`prefixItems` with `items: false`) is not a supported shape",
        ),
    ];

    fn suite_files() -> Vec<std::path::PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/json-schema-test-suite");
        let mut files = Vec::new();
        for dir in [root.clone(), root.join("optional/format")] {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "json") {
                    files.push(path);
                }
            }
        }
        files.sort();
        files
    }

    #[test]
    fn the_official_test_suite_passes_for_the_supported_keywords() {
        let defs = Map::new();
        let reader = ShapeReader::new(&defs);
        let mut failures = Vec::new();
        let mut passed = 0;
        for file in suite_files() {
            let name = file.file_name().unwrap().to_string_lossy().to_string();
            let groups: Value =
                serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            for group in groups.as_array().unwrap() {
                let description = group["description"].as_str().unwrap();
                let shape = match reader.read(&group["schema"], "") {
                    Ok(shape) => shape,
                    Err((_, why)) => {
                        failures.push(format!("{name}: {description}: (schema {why})"));
                        continue;
                    }
                };
                for test in group["tests"].as_array().unwrap() {
                    let valid = test["valid"].as_bool().unwrap();
                    let result = shape.check(&test["data"], "", &BTreeMap::new());
                    if result.is_ok() == valid {
                        passed += 1;
                    } else {
                        failures.push(format!(
                            "{name}: {description}: {}",
                            test["description"].as_str().unwrap()
                        ));
                    }
                }
            }
        }
        let expected: Vec<&str> = UNSUPPORTED.iter().map(|(case, _)| *case).collect();
        assert_eq!(failures, expected, "{passed} cases passed");
        assert!(passed > 250, "only {passed} cases ran");
        let _ = JsonShape::Any;
    }
}
