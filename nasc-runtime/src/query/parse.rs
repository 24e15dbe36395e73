//! A JSON query checked against the schema, into a [`Plan`]: every error names the JSON
//! pointer of the offending part of the query, and says what would fit.

use super::{
    Comparison, Function, Measurement, OrderKey, Plan, Predicate, Quantifier, Test, TextTest,
};
use crate::aggregate::{text_problem, Cell, SqlValue};
use crate::Error;
use nasc_model::error::{bounded, pointer_join};
use nasc_model::{EntityType, Field, Model, ScalarType};
use serde_json::Value;

/// The parts of a query a call takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parts {
    /// `where`, `orderBy`, `take`, `skip`, `cursor`: a page.
    Page,
    /// `where` alone: a count.
    Where,
    /// `where` and the measures of an aggregate query (`_count`, `_sum`, ...).
    Aggregate,
}

/// Most aggregates one page may ask for.
pub const MAX_TAKE: u64 = 100_000;

/// Checks `query` against aggregate type `ty`.
pub(crate) fn plan<'m>(
    model: &'m Model,
    ty: &'m EntityType,
    query: &Value,
    parts: Parts,
) -> Result<Plan<'m>, Error> {
    let reader = Reader { model, top: ty };
    let Value::Object(query) = query else {
        return Err(reader.invalid(
            "",
            format!(
                "expected an object such as {{\"where\": {{...}}}}, found {}",
                kind(query)
            ),
        ));
    };
    for key in query.keys() {
        let known = match parts {
            Parts::Page => ["where", "orderBy", "take", "skip", "cursor"].as_slice(),
            Parts::Where => ["where"].as_slice(),
            Parts::Aggregate => ["where", "_count", "_sum", "_avg", "_min", "_max"].as_slice(),
        };
        if !known.contains(&key.as_str()) {
            let message = match parts {
                Parts::Where if ["orderBy", "take", "skip", "cursor"].contains(&key.as_str()) => {
                    format!("`{key}` has no meaning here: a count takes only `where`")
                }
                Parts::Aggregate => {
                    format!(
                        "unknown key `{}`: an aggregate takes {}",
                        bounded(key),
                        list(known)
                    )
                }
                _ => format!(
                    "unknown key `{}`: a query takes {}",
                    bounded(key),
                    list(known)
                ),
            };
            return Err(reader.invalid(&pointer_join("", key), message));
        }
    }
    let filter = match query.get("where") {
        None => Predicate::All(Vec::new()),
        Some(filter) => reader.filter(ty, filter, "/where")?,
    };
    let order = match query.get("orderBy") {
        None => Vec::new(),
        Some(order) => reader.order(order)?,
    };
    let order = with_pk(ty, order);
    let take = query
        .get("take")
        .map(|take| reader.count(take, "/take", MAX_TAKE))
        .transpose()?;
    let skip = query
        .get("skip")
        .map(|skip| reader.count(skip, "/skip", i64::MAX as u64))
        .transpose()?
        .unwrap_or(0);
    let after = query
        .get("cursor")
        .map(|cursor| reader.cursor(&order, cursor))
        .transpose()?;
    Ok(Plan {
        ty,
        filter,
        order,
        take,
        skip,
        after,
    })
}

/// The measures an aggregate query asks for, in the order it lists them: `"_count":
/// true`, `"_sum"` / `"_avg"` of numbers, `"_min"` / `"_max"` of numbers, strings and
/// date-times, each `{"<property>": true, ...}`.
pub(crate) fn measures(
    model: &Model,
    ty: &EntityType,
    query: &Value,
) -> Result<Vec<Measurement>, Error> {
    let reader = Reader { model, top: ty };
    let mut measures = Vec::new();
    for (key, value) in query.as_object().into_iter().flatten() {
        let at = pointer_join("", key);
        let function = match key.as_str() {
            "_count" => {
                if value != &Value::Bool(true) {
                    return Err(reader.invalid(&at, "expected `true`"));
                }
                measures.push(Measurement::Count);
                continue;
            }
            "_sum" => Function::Sum,
            "_avg" => Function::Avg,
            "_min" => Function::Min,
            "_max" => Function::Max,
            _ => continue,
        };
        let usage = || "expected {\"<property>\": true, ...}".to_owned();
        let Value::Object(properties) = value else {
            return Err(reader.invalid(&at, usage()));
        };
        for (property, wanted) in properties {
            let at = pointer_join(&at, property);
            if wanted != &Value::Bool(true) {
                return Err(reader.invalid(&at, usage()));
            }
            let Some(index) = ty.fields.iter().position(|f| &f.property == property) else {
                return Err(reader.invalid(&at, unknown_property(ty, property)));
            };
            let scalar = ty.fields[index].scalar;
            let fits = match function {
                Function::Sum | Function::Avg => {
                    matches!(scalar, ScalarType::Integer | ScalarType::Number)
                }
                Function::Min | Function::Max => !matches!(
                    scalar,
                    ScalarType::Boolean | ScalarType::Json | ScalarType::Bytes
                ),
            };
            if !fits {
                return Err(reader.invalid(
                    &at,
                    format!(
                        "`{}` applies to {}; `{property}` is {}",
                        key,
                        match function {
                            Function::Sum | Function::Avg => "numbers",
                            _ => "numbers, strings and date-times",
                        },
                        article(&ty.fields[index])
                    ),
                ));
            }
            measures.push(Measurement::Of(function, index));
        }
    }
    if measures.is_empty() {
        return Err(reader.invalid(
            "",
            "an aggregate asks for at least one of `_count`, `_sum`, `_avg`, `_min`, `_max`",
        ));
    }
    Ok(measures)
}

/// The order with the pk last, unless the query orders by it already: ties are broken the
/// same way on every backend, and a cursor names one row.
fn with_pk(ty: &EntityType, mut order: Vec<OrderKey>) -> Vec<OrderKey> {
    let pk = ty.pk_index.expect("an aggregate type has a pk");
    if !order.iter().any(|key| key.field == pk) {
        order.push(OrderKey {
            field: pk,
            descending: false,
            nulls_first: false,
        });
    }
    order
}

/// The cursor of the row after which the next page starts: the row's values of the order
/// keys, as JSON text.
pub(crate) fn cursor_of(plan: &Plan<'_>, cells: &[Cell]) -> String {
    let values: Vec<Value> = plan
        .order
        .iter()
        .map(|key| {
            let field = &plan.ty.fields[key.field];
            match (&cells[key.field], field.scalar) {
                (Cell::Null, _) => Value::Null,
                (Cell::Integer(i), ScalarType::Boolean) => Value::Bool(*i != 0),
                (Cell::Bool(b), _) => Value::Bool(*b),
                (Cell::Integer(i), _) => Value::from(*i),
                (Cell::Real(f), _) => Value::from(*f),
                (Cell::Text(s), _) => Value::String(s.clone()),
                (Cell::Bytes(bytes), _) => Value::String(nasc_model::bytes::encode(bytes)),
            }
        })
        .collect();
    Value::Array(values).to_string()
}

/// Reads the parts of a query of type `top`.
struct Reader<'m> {
    model: &'m Model,
    top: &'m EntityType,
}

impl<'m> Reader<'m> {
    fn invalid(&self, pointer: &str, message: impl Into<String>) -> Error {
        Error::InvalidQuery {
            ty: self.top.name.clone(),
            pointer: pointer.to_owned(),
            message: message.into(),
        }
    }

    /// A `where` object of type `ty` at `pointer`: every entry holds.
    fn filter(&self, ty: &'m EntityType, value: &Value, pointer: &str) -> Result<Predicate, Error> {
        let Value::Object(entries) = value else {
            return Err(self.invalid(
                pointer,
                format!(
                    "expected an object of conditions on `{}`'s properties, found {}",
                    ty.name,
                    kind(value)
                ),
            ));
        };
        let mut all = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let at = pointer_join(pointer, key);
            all.push(match key.as_str() {
                "AND" => Predicate::All(self.filters(ty, value, &at)?),
                "OR" => Predicate::Any(self.filters(ty, value, &at)?),
                "NOT" => Predicate::Not(Box::new(Predicate::All(self.filters(ty, value, &at)?))),
                property => {
                    if let Some(field) = ty.fields.iter().position(|f| f.property == property) {
                        self.field_filter(ty, field, value, &at)?
                    } else if let Some(relation) =
                        ty.relations.iter().position(|r| r.property == property)
                    {
                        self.children_filter(ty, relation, value, &at)?
                    } else {
                        return Err(self.invalid(&at, unknown_property(ty, property)));
                    }
                }
            });
        }
        Ok(single(all))
    }

    /// The `where` objects of `AND`, `OR` or `NOT`: an array of them, or one.
    fn filters(
        &self,
        ty: &'m EntityType,
        value: &Value,
        pointer: &str,
    ) -> Result<Vec<Predicate>, Error> {
        match value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| self.filter(ty, item, &pointer_join(pointer, &i.to_string())))
                .collect(),
            value => Ok(vec![self.filter(ty, value, pointer)?]),
        }
    }

    /// The condition on one array of children: `{"some": {...}}`, `every`, `none`.
    fn children_filter(
        &self,
        ty: &'m EntityType,
        relation: usize,
        value: &Value,
        pointer: &str,
    ) -> Result<Predicate, Error> {
        let spec = &ty.relations[relation];
        let child = self.model.child(spec);
        let usage = || {
            format!(
                "`{}` is an array of `{}`: filter it with {{\"some\": {{...}}}}, {{\"every\": {{...}}}} or {{\"none\": {{...}}}}",
                spec.property, child.name
            )
        };
        let Value::Object(entries) = value else {
            return Err(self.invalid(pointer, usage()));
        };
        if entries.is_empty() {
            return Err(self.invalid(pointer, usage()));
        }
        let mut all = Vec::new();
        for (key, value) in entries {
            let at = pointer_join(pointer, key);
            let quantifier = match key.as_str() {
                "some" => Quantifier::Some,
                "every" => Quantifier::Every,
                "none" => Quantifier::None,
                _ => return Err(self.invalid(&at, usage())),
            };
            all.push(Predicate::Children {
                relation,
                quantifier,
                filter: Box::new(self.filter(child, value, &at)?),
            });
        }
        Ok(single(all))
    }

    /// The condition on one property: a value (equal to it; `null`: null or absent), or an
    /// object of operators.
    fn field_filter(
        &self,
        ty: &EntityType,
        index: usize,
        value: &Value,
        pointer: &str,
    ) -> Result<Predicate, Error> {
        let field = &ty.fields[index];
        let shared = ty.shared_columns().any(|(i, _)| i == index);
        let on = |test| Predicate::Field {
            field: index,
            test: match shared {
                true => stored_forms(test),
                false => test,
            },
        };
        let operators = match value {
            Value::Null => return Ok(on(Test::IsNull)),
            Value::Object(operators) if field.scalar != ScalarType::Json => operators,
            Value::Object(_) | Value::Array(_) if field.scalar == ScalarType::Json => {
                return self.document_filter(field, index, value, pointer)
            }
            value => {
                let value = self.operand(field, value, pointer)?;
                return Ok(on(Test::Compare(Comparison::Equal, value)));
            }
        };
        if operators.is_empty() {
            return Err(self.invalid(pointer, operators_of(field)));
        }
        let mut all = Vec::with_capacity(operators.len());
        for (operator, value) in operators {
            let at = pointer_join(pointer, operator);
            let compare = |comparison| -> Result<Predicate, Error> {
                if field.scalar == ScalarType::Boolean && comparison != Comparison::Equal {
                    return Err(self.invalid(
                        &at,
                        format!("`{}` is a boolean: it has no order", field.property),
                    ));
                }
                if field.scalar == ScalarType::Bytes && comparison != Comparison::Equal {
                    return Err(self.invalid(
                        &at,
                        format!("`{}` is binary: it has no order", field.property),
                    ));
                }
                if value.is_null() {
                    return Err(self.invalid(
                        &at,
                        "`null` has no order: use {\"equals\": null} for null or absent values",
                    ));
                }
                Ok(on(Test::Compare(
                    comparison,
                    self.operand(field, value, &at)?,
                )))
            };
            all.push(match operator.as_str() {
                "equals" if value.is_object() || value.is_array() => {
                    return Err(self.invalid(
                        &at,
                        format!("expected {} or null, found {}", article(field), kind(value)),
                    ))
                }
                "equals" => self.field_filter(ty, index, value, &at)?,
                // A value (not equal, null and absent included), or operators negated.
                "not" => Predicate::Not(Box::new(self.field_filter(ty, index, value, &at)?)),
                "lt" => compare(Comparison::Less)?,
                "lte" => compare(Comparison::LessOrEqual)?,
                "gt" => compare(Comparison::Greater)?,
                "gte" => compare(Comparison::GreaterOrEqual)?,
                "in" => on(Test::In(self.operands(field, value, &at)?)),
                "notIn" => {
                    Predicate::Not(Box::new(on(Test::In(self.operands(field, value, &at)?))))
                }
                "contains" | "startsWith" | "endsWith" => {
                    let test = match operator.as_str() {
                        "contains" => TextTest::Contains,
                        "startsWith" => TextTest::StartsWith,
                        _ => TextTest::EndsWith,
                    };
                    if field.scalar != ScalarType::String {
                        return Err(self.invalid(
                            &at,
                            format!(
                                "`{operator}` applies to strings; `{}` is {}",
                                field.property,
                                article(field)
                            ),
                        ));
                    }
                    let Value::String(text) = value else {
                        return Err(
                            self.invalid(&at, format!("expected a string, found {}", kind(value)))
                        );
                    };
                    if let Some(problem) = text_problem(text) {
                        return Err(self.invalid(&at, format!("the string {problem}")));
                    }
                    on(Test::Text(test, text.clone()))
                }
                _ => return Err(self.invalid(&at, operators_of(field))),
            });
        }
        Ok(single(all))
    }

    /// The condition on a JSON document: null or absent, or not.
    fn document_filter(
        &self,
        field: &Field,
        index: usize,
        value: &Value,
        pointer: &str,
    ) -> Result<Predicate, Error> {
        let usage = || {
            format!(
                "`{}` is a JSON document: filter it with null (absent or null) or {{\"not\": null}}",
                field.property
            )
        };
        let Value::Object(operators) = value else {
            return Err(self.invalid(pointer, usage()));
        };
        let is_null = Predicate::Field {
            field: index,
            test: Test::IsNull,
        };
        match operators.iter().next() {
            Some((operator, Value::Null)) if operators.len() == 1 => match operator.as_str() {
                "equals" => Ok(is_null),
                "not" => Ok(Predicate::Not(Box::new(is_null))),
                _ => Err(self.invalid(&pointer_join(pointer, operator), usage())),
            },
            _ => Err(self.invalid(pointer, usage())),
        }
    }

    /// The values of `in` / `notIn`: an array of operands.
    fn operands(
        &self,
        field: &Field,
        value: &Value,
        pointer: &str,
    ) -> Result<Vec<SqlValue<'static>>, Error> {
        let Value::Array(items) = value else {
            return Err(self.invalid(
                pointer,
                format!("expected an array of values, found {}", kind(value)),
            ));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let at = pointer_join(pointer, &i.to_string());
                if item.is_null() {
                    return Err(self.invalid(
                        &at,
                        "`null` is never in a list: add {\"equals\": null} under `OR`",
                    ));
                }
                self.operand(field, item, &at)
            })
            .collect()
    }

    /// A value `field` is compared with, as it is stored (a `date-time` in its stored
    /// form, an enum's value checked).
    fn operand(
        &self,
        field: &Field,
        value: &Value,
        pointer: &str,
    ) -> Result<SqlValue<'static>, Error> {
        let mismatch = || {
            self.invalid(
                pointer,
                format!(
                    "`{}` is {}; found {}",
                    field.property,
                    article(field),
                    kind(value)
                ),
            )
        };
        Ok(match (field.scalar, value) {
            (ScalarType::String, Value::String(s)) => {
                if let Some(problem) = text_problem(s) {
                    return Err(self.invalid(pointer, format!("the string {problem}")));
                }
                if let Some(values) = field.enum_values() {
                    if !values.contains(s) {
                        return Err(self.invalid(
                            pointer,
                            format!(
                                "`{}` is not one of the values of `{}`: {}",
                                bounded(s),
                                field.property,
                                list(values)
                            ),
                        ));
                    }
                }
                SqlValue::Text(s.clone().into())
            }
            (ScalarType::DateTime, Value::String(s)) => SqlValue::Text(
                nasc_model::datetime::to_stored(s)
                    .map_err(|e| self.invalid(pointer, e))?
                    .into(),
            ),
            (ScalarType::Integer, Value::Number(n)) => match n.as_i64() {
                Some(i) => SqlValue::Integer(i),
                None => return Err(mismatch()),
            },
            (ScalarType::Number, Value::Number(n)) => {
                SqlValue::Real(n.as_f64().ok_or_else(mismatch)?)
            }
            (ScalarType::Boolean, Value::Bool(b)) => SqlValue::Bool(*b),
            (ScalarType::Bytes, Value::String(s)) => match nasc_model::bytes::decode(s) {
                Ok(bytes) => SqlValue::Bytes(bytes.into()),
                Err(e) => {
                    return Err(self.invalid(
                        pointer,
                        format!("expected {}, found a string that is not ({e})", nasc_model::bytes::EXPECTED),
                    ))
                }
            },
            (ScalarType::Json, _) => {
                return Err(self.invalid(
                    pointer,
                    format!(
                        "`{}` is a JSON document: filter it with null (absent or null) or {{\"not\": null}}",
                        field.property
                    ),
                ))
            }
            _ => return Err(mismatch()),
        })
    }

    /// `orderBy`: one `{"property": "asc" | "desc"}` (or `{"sort": ..., "nulls": "first" |
    /// "last"}`), or an array of them, most significant first.
    fn order(&self, value: &Value) -> Result<Vec<OrderKey>, Error> {
        let items: Vec<(String, &Value)> = match value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| (pointer_join("/orderBy", &i.to_string()), item))
                .collect(),
            item => vec![("/orderBy".to_owned(), item)],
        };
        let mut order: Vec<OrderKey> = Vec::with_capacity(items.len());
        for (pointer, item) in items {
            let usage = "expected {\"<property>\": \"asc\" | \"desc\"}, with one property";
            let entry = match item {
                Value::Object(entry) if entry.len() == 1 => entry.iter().next(),
                _ => None,
            };
            let Some((property, direction)) = entry else {
                return Err(self.invalid(&pointer, usage));
            };
            let at = pointer_join(&pointer, property);
            let ty = self.top;
            let Some(field) = ty.fields.iter().position(|f| &f.property == property) else {
                let message = match ty.relations.iter().any(|r| &r.property == property) {
                    true => format!("`{property}` is an array of children: aggregates are ordered by their own properties"),
                    false => unknown_property(ty, property),
                };
                return Err(self.invalid(&at, message));
            };
            if ty.fields[field].scalar == ScalarType::Json {
                return Err(self.invalid(
                    &at,
                    format!("`{property}` is a JSON document: it has no order"),
                ));
            }
            // (MySQL orders blobs by their first bytes only: pages would not be exact.)
            if ty.fields[field].scalar == ScalarType::Bytes {
                return Err(self.invalid(
                    &at,
                    format!("`{property}` is binary: pages are not ordered by it"),
                ));
            }
            if order.iter().any(|key| key.field == field) {
                return Err(self.invalid(&at, format!("`{property}` is ordered by twice")));
            }
            order.push(self.direction(field, direction, &at)?);
        }
        Ok(order)
    }

    /// One order key's direction (nulls smallest unless `nulls` says otherwise).
    fn direction(&self, field: usize, value: &Value, pointer: &str) -> Result<OrderKey, Error> {
        let word = |value: &Value, pointer: &str, words: [&str; 2]| match value {
            Value::String(w) if words.contains(&w.as_str()) => Ok(w == words[1]),
            value => Err(self.invalid(
                pointer,
                format!(
                    "expected \"{}\" or \"{}\", found {}",
                    words[0],
                    words[1],
                    kind(value)
                ),
            )),
        };
        let (descending, nulls) = match value {
            Value::Object(entries) => {
                let mut sort = None;
                let mut nulls = None;
                for (key, value) in entries {
                    let at = pointer_join(pointer, key);
                    match key.as_str() {
                        "sort" => sort = Some(word(value, &at, ["asc", "desc"])?),
                        "nulls" => nulls = Some(!word(value, &at, ["first", "last"])?),
                        _ => {
                            return Err(self.invalid(
                                &at,
                                format!(
                                    "unknown key `{}`: an order takes `sort` and `nulls`",
                                    bounded(key)
                                ),
                            ))
                        }
                    }
                }
                let Some(descending) = sort else {
                    return Err(self.invalid(pointer, "`sort` (\"asc\" or \"desc\") is missing"));
                };
                (descending, nulls)
            }
            value => (word(value, pointer, ["asc", "desc"])?, None),
        };
        Ok(OrderKey {
            field,
            descending,
            // Nulls are the smallest values unless the query says otherwise.
            nulls_first: nulls.unwrap_or(!descending),
        })
    }

    /// `take` or `skip`: a count up to `max`.
    fn count(&self, value: &Value, pointer: &str, max: u64) -> Result<u64, Error> {
        match value.as_u64() {
            Some(n) if n <= max => Ok(n),
            _ => Err(self.invalid(
                pointer,
                format!(
                    "expected a whole number from 0 to {max}, found {}",
                    kind(value)
                ),
            )),
        }
    }

    /// A cursor made by [`cursor_of`] for a query of the same order.
    fn cursor(&self, order: &[OrderKey], value: &Value) -> Result<Vec<SqlValue<'static>>, Error> {
        let foreign = || {
            self.invalid(
                "/cursor",
                "not a cursor of this query: pass the `next` of the page before, from a query with the same `orderBy`",
            )
        };
        let Value::String(text) = value else {
            return Err(foreign());
        };
        let Ok(Value::Array(values)) = serde_json::from_str::<Value>(text) else {
            return Err(foreign());
        };
        if values.len() != order.len() {
            return Err(foreign());
        }
        order
            .iter()
            .zip(&values)
            .map(|(key, value)| {
                let field = &self.top.fields[key.field];
                match value {
                    Value::Null if field.nullable() => Ok(SqlValue::Null(field.scalar)),
                    value => self.operand(field, value, "/cursor").map_err(|_| foreign()),
                }
            })
            .collect()
    }
}

/// One filter for several that must all hold.
fn single(mut all: Vec<Predicate>) -> Predicate {
    if all.len() == 1 {
        all.pop().expect("one filter")
    } else {
        Predicate::All(all)
    }
}

fn unknown_property(ty: &EntityType, property: &str) -> String {
    let known: Vec<&str> = ty
        .fields
        .iter()
        .map(|f| f.property.as_str())
        .chain(ty.relations.iter().map(|r| r.property.as_str()))
        .collect();
    format!(
        "`{}` is not a property of `{}`, whose properties are {}",
        bounded(property),
        ty.name,
        list(&known)
    )
}

/// The operators a property's filter takes.
fn operators_of(field: &Field) -> String {
    let operators = match field.scalar {
        ScalarType::String => "`equals`, `not`, `in`, `notIn`, `lt`, `lte`, `gt`, `gte`, `contains`, `startsWith`, `endsWith`",
        ScalarType::Boolean | ScalarType::Bytes => "`equals`, `not`, `in`, `notIn`",
        ScalarType::Json => "`equals` and `not`, with null",
        _ => "`equals`, `not`, `in`, `notIn`, `lt`, `lte`, `gt`, `gte`",
    };
    format!(
        "`{}` ({}) takes a value, or an object of the operators {operators}",
        field.property,
        article(field)
    )
}

/// What a field holds, for messages: "a string", "a date-time (an RFC 3339 string)".
fn article(field: &Field) -> String {
    match (field.scalar, field.enum_values()) {
        (_, Some(values)) => format!("one of {}", list(values)),
        (ScalarType::DateTime, _) => "a date-time (an RFC 3339 string)".to_owned(),
        (ScalarType::Integer, _) => "an integer".to_owned(),
        (ScalarType::Json, _) => "a JSON document".to_owned(),
        (ScalarType::Bytes, _) => "binary (a base64 string)".to_owned(),
        (scalar, _) => format!("a {}", scalar.schema_name()),
    }
}

fn list<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|item| format!("`{}`", item.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn kind(value: &Value) -> String {
    nasc_model::shape::kind(value)
}

/// `test` of a binary column of a type that shares large values (its values are tagged,
/// see [`crate::shared`]): a value matches in either of its stored forms.
fn stored_forms(test: Test) -> Test {
    let forms = |value: &SqlValue| match value {
        SqlValue::Bytes(bytes) => crate::shared::stored_forms(bytes).to_vec(),
        other => vec![other.clone().into_owned()],
    };
    match test {
        Test::Compare(Comparison::Equal, value) => Test::In(forms(&value)),
        Test::In(values) => Test::In(values.iter().flat_map(forms).collect()),
        other => other,
    }
}
