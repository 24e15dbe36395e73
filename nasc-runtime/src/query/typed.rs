//! The typed query builder: `schema!` and `#[derive(Entity)]` give each entity an
//! associated constant per property (`Order::CUSTOMER`, `Order::PLACED_AT`) and per array
//! (`Order::LINES`), whose methods build filters and orders checked by the compiler: a
//! misspelt property is an unknown constant, a value of the wrong type does not convert,
//! and `contains` exists only on strings. What they build is the JSON query the dynamic
//! API takes, so both mean the same.
//!
//! ```ignore
//! let page = store.find(
//!     &Query::<Order>::new()
//!         .filter(Order::STATUS.eq(OrderStatus::Paid).and(Order::TOTAL.gte(10.0)))
//!         .filter(Order::LINES.some(OrderLine::SKU.eq("A-1")))
//!         .order_by(Order::PLACED_AT.desc())
//!         .take(20),
//! )?;
//! ```

use serde::Serialize;
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::marker::PhantomData;

/// Rust types of properties that filters compare, with the type a value is given as (an
/// `Option<T>` field compares with `T`s). Implement it for an enum of your own that a
/// `#[derive(Entity)]` struct holds: `impl Operand for Status { type Value = Self; }`.
pub trait Operand {
    /// What the property is compared with.
    type Value: Serialize;
}

/// Operands with an order (`lt`, `gte`, ...): numbers, strings and instants.
pub trait Ordered: Operand {}

macro_rules! operands {
    ($($t:ty),* ; ordered) => {$(
        impl Operand for $t {
            type Value = $t;
        }
        impl Ordered for $t {}
    )*};
}
operands!(String, i64, i32, i16, i8, u32, u16, u8, f64, f32; ordered);
operands!(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::FixedOffset>; ordered);

impl Operand for bool {
    type Value = bool;
}

impl<T: Operand> Operand for Option<T> {
    type Value = T::Value;
}

impl<T: Ordered> Ordered for Option<T> {}

/// Operands that add up (`sum`, `avg`): numbers.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a number: `sum` and `avg` take numeric properties",
    label = "a property of this type cannot be summed or averaged",
    note = "`min` and `max` take numbers, strings and instants"
)]
pub trait Numeric: Ordered {}

macro_rules! numeric {
    ($($t:ty),*) => {$(impl Numeric for $t {})*};
}
numeric!(i64, i32, i16, i8, u32, u16, u8, f64, f32);

impl<T: Numeric> Numeric for Option<T> {}

/// A property of entity `E` whose Rust type is `T`.
pub struct Field<E, T> {
    property: &'static str,
    _types: PhantomData<fn() -> (E, T)>,
}

impl<E, T> Clone for Field<E, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E, T> Copy for Field<E, T> {}

impl<E, T> Field<E, T> {
    /// The property named `property` (what the generated constants hold).
    pub const fn new(property: &'static str) -> Self {
        Field {
            property,
            _types: PhantomData,
        }
    }

    /// The property's name in the schema.
    pub fn property(self) -> &'static str {
        self.property
    }

    fn condition(self, condition: Value) -> Filter<E> {
        Filter::of(json!({ self.property: condition }))
    }

    /// Null or absent (for a JSON document, a JSON `null` too).
    pub fn is_null(self) -> Filter<E> {
        self.condition(Value::Null)
    }

    /// Present and not null.
    pub fn is_not_null(self) -> Filter<E> {
        self.condition(json!({"not": null}))
    }

    /// Largest last (nulls first: they are the smallest).
    pub fn asc(self) -> Order<E> {
        Order::of(self.property, "asc")
    }

    /// Largest first (nulls last).
    pub fn desc(self) -> Order<E> {
        Order::of(self.property, "desc")
    }
}

/// `value` as the JSON a query holds.
fn operand<V: Serialize>(value: V) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

impl<E, T: Operand> Field<E, T> {
    /// Equal to `value`.
    pub fn eq(self, value: impl Into<T::Value>) -> Filter<E> {
        self.condition(json!({"equals": operand(value.into())}))
    }

    /// Not equal to `value` (null and absent included).
    pub fn ne(self, value: impl Into<T::Value>) -> Filter<E> {
        self.condition(json!({"not": operand(value.into())}))
    }

    /// One of `values`.
    pub fn is_in<V: Into<T::Value>>(self, values: impl IntoIterator<Item = V>) -> Filter<E> {
        let values: Vec<Value> = values.into_iter().map(|v| operand(v.into())).collect();
        self.condition(json!({ "in": values }))
    }

    /// None of `values` (null and absent included).
    pub fn not_in<V: Into<T::Value>>(self, values: impl IntoIterator<Item = V>) -> Filter<E> {
        let values: Vec<Value> = values.into_iter().map(|v| operand(v.into())).collect();
        self.condition(json!({ "notIn": values }))
    }
}

impl<E, T: Ordered> Field<E, T> {
    /// Less than `value`.
    pub fn lt(self, value: impl Into<T::Value>) -> Filter<E> {
        self.condition(json!({"lt": operand(value.into())}))
    }

    /// Less than or equal to `value`.
    pub fn lte(self, value: impl Into<T::Value>) -> Filter<E> {
        self.condition(json!({"lte": operand(value.into())}))
    }

    /// Greater than `value`.
    pub fn gt(self, value: impl Into<T::Value>) -> Filter<E> {
        self.condition(json!({"gt": operand(value.into())}))
    }

    /// Greater than or equal to `value`.
    pub fn gte(self, value: impl Into<T::Value>) -> Filter<E> {
        self.condition(json!({"gte": operand(value.into())}))
    }
}

impl<E, T: Numeric> Field<E, T> {
    /// The sum of the property over the entities a filter matches (`None` over none).
    pub fn sum(self) -> Measure<E, Option<f64>> {
        Measure::of("_sum", self.property)
    }

    /// The mean of the property over the entities a filter matches, nulls left out
    /// (`None` over none).
    pub fn avg(self) -> Measure<E, Option<f64>> {
        Measure::of("_avg", self.property)
    }
}

impl<E, T: Ordered> Field<E, T> {
    /// The smallest value of the property over the entities a filter matches (`None`
    /// over none, or when all are null).
    pub fn min(self) -> Measure<E, Option<T::Value>> {
        Measure::of("_min", self.property)
    }

    /// The largest value of the property over the entities a filter matches.
    pub fn max(self) -> Measure<E, Option<T::Value>> {
        Measure::of("_max", self.property)
    }
}

/// A sum, mean, minimum or maximum of a property of entities `E`, answered as an `R`:
/// `store.measure(Order::TOTAL.sum(), Order::STATUS.eq(OrderStatus::Paid))`.
pub struct Measure<E, R> {
    function: &'static str,
    property: &'static str,
    _types: PhantomData<fn() -> (E, R)>,
}

impl<E, R> Measure<E, R> {
    fn of(function: &'static str, property: &'static str) -> Self {
        Measure {
            function,
            property,
            _types: PhantomData,
        }
    }

    /// The aggregate query asking for it over what `query` matches (its `where`; a
    /// query with more is refused by the store, as in the JSON API).
    pub fn query(&self, query: &Value) -> Value {
        let mut asked = match query {
            Value::Object(query) => query.clone(),
            _ => Map::new(),
        };
        asked.insert(self.function.into(), json!({ self.property: true }));
        Value::Object(asked)
    }

    /// The measure in the store's answer to [`Self::query`].
    pub fn answer<'a>(&self, answer: &'a Value) -> &'a Value {
        &answer[self.function][self.property]
    }
}

impl<E, T: Operand<Value = String>> Field<E, T> {
    /// Text containing `text` (case-sensitive).
    pub fn contains(self, text: &str) -> Filter<E> {
        self.condition(json!({ "contains": text }))
    }

    /// Text starting with `text`.
    pub fn starts_with(self, text: &str) -> Filter<E> {
        self.condition(json!({ "startsWith": text }))
    }

    /// Text ending with `text`.
    pub fn ends_with(self, text: &str) -> Filter<E> {
        self.condition(json!({ "endsWith": text }))
    }
}

/// An array of children `C` of entity `E`.
pub struct Children<E, C> {
    property: &'static str,
    _types: PhantomData<fn() -> (E, C)>,
}

impl<E, C> Clone for Children<E, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E, C> Copy for Children<E, C> {}

impl<E, C> Children<E, C> {
    /// The array named `property`.
    pub const fn new(property: &'static str) -> Self {
        Children {
            property,
            _types: PhantomData,
        }
    }

    fn quantified(self, quantifier: &str, filter: Filter<C>) -> Filter<E> {
        Filter::of(json!({ self.property: { quantifier: filter.json } }))
    }

    /// At least one child matches `filter`.
    pub fn some(self, filter: Filter<C>) -> Filter<E> {
        self.quantified("some", filter)
    }

    /// Every child matches `filter` (an empty array does).
    pub fn every(self, filter: Filter<C>) -> Filter<E> {
        self.quantified("every", filter)
    }

    /// No child matches `filter`.
    pub fn none(self, filter: Filter<C>) -> Filter<E> {
        self.quantified("none", filter)
    }
}

/// A condition on entities `E`: the `where` of a query.
pub struct Filter<E> {
    json: Value,
    _entity: PhantomData<fn() -> E>,
}

impl<E> Clone for Filter<E> {
    fn clone(&self) -> Self {
        Filter::of(self.json.clone())
    }
}

impl<E> std::fmt::Debug for Filter<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Filter({})", self.json)
    }
}

impl<E> Filter<E> {
    fn of(json: Value) -> Self {
        Filter {
            json,
            _entity: PhantomData,
        }
    }

    /// Every entity.
    pub fn everything() -> Self {
        Filter::of(json!({}))
    }

    /// This and `other` hold.
    pub fn and(self, other: Filter<E>) -> Self {
        Filter::of(json!({"AND": [self.json, other.json]}))
    }

    /// This or `other` holds.
    pub fn or(self, other: Filter<E>) -> Self {
        Filter::of(json!({"OR": [self.json, other.json]}))
    }

    /// The filter as the JSON `where` the dynamic API takes.
    pub fn to_json(&self) -> Value {
        self.json.clone()
    }
}

/// `!filter`: the filter does not hold.
impl<E> std::ops::Not for Filter<E> {
    type Output = Filter<E>;

    fn not(self) -> Filter<E> {
        Filter::of(json!({ "NOT": self.json }))
    }
}

/// One key of a query's order.
pub struct Order<E> {
    property: &'static str,
    sort: &'static str,
    nulls: Option<&'static str>,
    _entity: PhantomData<fn() -> E>,
}

impl<E> Order<E> {
    fn of(property: &'static str, sort: &'static str) -> Self {
        Order {
            property,
            sort,
            nulls: None,
            _entity: PhantomData,
        }
    }

    /// Nulls (and absent values) before the others.
    pub fn nulls_first(mut self) -> Self {
        self.nulls = Some("first");
        self
    }

    /// Nulls (and absent values) after the others.
    pub fn nulls_last(mut self) -> Self {
        self.nulls = Some("last");
        self
    }

    fn to_json(&self) -> Value {
        match self.nulls {
            None => json!({ self.property: self.sort }),
            Some(nulls) => json!({ self.property: {"sort": self.sort, "nulls": nulls} }),
        }
    }
}

/// A query of entities `E`: which (`filter`, each one added must hold too), in which
/// order, which page.
pub struct Query<E> {
    filters: Vec<Value>,
    order: Vec<Value>,
    take: Option<u64>,
    skip: Option<u64>,
    cursor: Option<String>,
    _entity: PhantomData<fn() -> E>,
}

impl<E> Default for Query<E> {
    fn default() -> Self {
        Query {
            filters: Vec::new(),
            order: Vec::new(),
            take: None,
            skip: None,
            cursor: None,
            _entity: PhantomData,
        }
    }
}

impl<E> Query<E> {
    /// Every entity, in id order.
    pub fn new() -> Self {
        Query::default()
    }

    /// Only the entities `filter` holds for (besides the filters added before).
    pub fn filter(mut self, filter: Filter<E>) -> Self {
        self.filters.push(filter.json);
        self
    }

    /// Ordered by `order` after the keys added before (ties are broken by the id).
    pub fn order_by(mut self, order: Order<E>) -> Self {
        self.order.push(order.to_json());
        self
    }

    /// At most `n` entities: a page, whose `next` cursor continues it.
    pub fn take(mut self, n: u64) -> Self {
        self.take = Some(n);
        self
    }

    /// Without the first `n`.
    pub fn skip(mut self, n: u64) -> Self {
        self.skip = Some(n);
        self
    }

    /// After the page whose `next` this is.
    pub fn after(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }

    /// The query as the JSON the dynamic API takes.
    pub fn to_json(&self) -> Value {
        let mut query = Map::new();
        match self.filters.as_slice() {
            [] => {}
            [one] => {
                query.insert("where".into(), one.clone());
            }
            all => {
                query.insert("where".into(), json!({ "AND": all }));
            }
        }
        if !self.order.is_empty() {
            query.insert("orderBy".into(), Value::Array(self.order.clone()));
        }
        if let Some(take) = self.take {
            query.insert("take".into(), take.into());
        }
        if let Some(skip) = self.skip {
            query.insert("skip".into(), skip.into());
        }
        if let Some(cursor) = &self.cursor {
            query.insert("cursor".into(), cursor.clone().into());
        }
        Value::Object(query)
    }
}

/// What the typed query calls take: a [`Query`] of the entity, or its JSON.
pub trait AsQuery<E> {
    /// The JSON query.
    fn as_query(&self) -> Cow<'_, Value>;
}

impl<E> AsQuery<E> for Query<E> {
    fn as_query(&self) -> Cow<'_, Value> {
        Cow::Owned(self.to_json())
    }
}

/// A filter alone: `{"where": filter}`.
impl<E> AsQuery<E> for Filter<E> {
    fn as_query(&self) -> Cow<'_, Value> {
        Cow::Owned(json!({ "where": self.json }))
    }
}

impl<E> AsQuery<E> for Value {
    fn as_query(&self) -> Cow<'_, Value> {
        Cow::Borrowed(self)
    }
}

impl<E, Q: AsQuery<E> + ?Sized> AsQuery<E> for &Q {
    fn as_query(&self) -> Cow<'_, Value> {
        (**self).as_query()
    }
}
