//! Queries over whole aggregates: which top-level aggregates of a type (a filter on their
//! own properties and on their children's, at any depth), in which order, which page.
//!
//! A query is JSON in the conventions of Prisma (see the README), or built with the typed
//! builder ([`Query`], from the constants `schema!` and `#[derive(Entity)]` generate),
//! checked against the schema with errors that name the JSON pointer of the offending part ([`parse`]); it is
//! rendered as one SQL statement per backend ([`render`]), and its aggregates are loaded
//! whole, with one query per table level for the whole page.

pub(crate) mod parse;
pub(crate) mod render;
mod typed;

pub use typed::{
    AsQuery, Children, Field, Filter, Measure, Numeric, Operand, Order, Ordered, Query,
};

use crate::aggregate::SqlValue;
use nasc_model::EntityType;

/// One page of a query's aggregates, in the query's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The aggregates, whole, children in their stored order.
    pub items: Vec<T>,
    /// The cursor of the page after this one (pass it as the next query's `"cursor"`,
    /// with the same `where` and `orderBy`), when the query had a `take` and more
    /// aggregates may follow.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// The page with each aggregate converted by `f`.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            next: self.next,
        })
    }
}

/// A query checked against one aggregate type.
#[derive(Debug)]
pub(crate) struct Plan<'m> {
    /// The aggregate type.
    pub ty: &'m EntityType,
    /// Which aggregates.
    pub filter: Predicate,
    /// In which order: the query's keys, then the pk (so the order is total).
    pub order: Vec<OrderKey>,
    /// At most this many.
    pub take: Option<u64>,
    /// After skipping this many.
    pub skip: u64,
    /// Strictly after the row holding these values of the order keys (a cursor).
    pub after: Option<Vec<SqlValue<'static>>>,
}

/// A condition on the rows of one type, each part two-valued (a property that is null or
/// absent fails every comparison but "is null" and "not equal").
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Predicate {
    /// Every one holds (none: true).
    All(Vec<Predicate>),
    /// Any one holds (none: false).
    Any(Vec<Predicate>),
    /// The filter does not hold.
    Not(Box<Predicate>),
    /// A test of the field at this index.
    Field { field: usize, test: Test },
    /// The children of the relation at this index: some, every or none of them match.
    Children {
        relation: usize,
        quantifier: Quantifier,
        filter: Box<Predicate>,
    },
}

/// A test of one field's value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Test {
    /// Compared with a value (never null).
    Compare(Comparison, SqlValue<'static>),
    /// One of these values (never null).
    In(Vec<SqlValue<'static>>),
    /// Text containing, starting or ending with this text.
    Text(TextTest, String),
    /// Null or absent (for a JSON document, a JSON `null` too).
    IsNull,
}

/// How a field is compared with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparison {
    Equal,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// A test of text against text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextTest {
    Contains,
    StartsWith,
    EndsWith,
}

/// Which of an array's children must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quantifier {
    Some,
    Every,
    None,
}

/// One key of a query's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OrderKey {
    /// The field, by index.
    pub field: usize,
    /// Largest first.
    pub descending: bool,
    /// Nulls (and absent values) before the others.
    pub nulls_first: bool,
}

/// One value an aggregate query asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Measurement {
    /// How many aggregates match.
    Count,
    /// A function of the field at this index over the matching aggregates.
    Of(Function, usize),
}

/// A function over one property of the matching aggregates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Function {
    Sum,
    Avg,
    Min,
    Max,
}

impl Function {
    /// The key of the function in a query and its answer.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Function::Sum => "_sum",
            Function::Avg => "_avg",
            Function::Min => "_min",
            Function::Max => "_max",
        }
    }
}
