//! A [`Plan`] as one SQL statement of a backend, with its binds in order.
//!
//! Every part of a filter is two-valued (a null column fails a comparison instead of making
//! it unknown), so `NOT` and `every` mean what they say. Text compares by code point on
//! every backend (PostgreSQL through the `C` collation, MySQL through binary casts), and
//! `date-time` values compare as instants.

use super::{
    Comparison, Function, Measurement, OrderKey, Plan, Predicate, Quantifier, Test, TextTest,
};
use crate::aggregate::SqlValue;
use nasc_model::naming::ROW_COLUMN;
use nasc_model::{Dialect, EntityType, Model, RowKey, ScalarType};

/// SQL text with `?` for each bind, and the binds in order.
#[derive(Debug)]
pub(crate) struct Rendered {
    pub text: String,
    pub binds: Vec<SqlValue<'static>>,
}

/// Whether the rows of `ty` are selected with their `nasc_row` last: the key their
/// children refer to them by.
pub(crate) fn selects_row(ty: &EntityType) -> bool {
    ty.row_key() == RowKey::Surrogate && !ty.relations.is_empty()
}

/// The page of top-level rows the plan asks for, one more than its `take` (to tell whether
/// another page follows).
pub(crate) fn page(model: &Model, plan: &Plan<'_>, dialect: Dialect) -> Rendered {
    let ty = plan.ty;
    let mut w = Writer::new(model, dialect);
    let q = |name: &str| dialect.quote(name);
    w.sql.push_str("SELECT ");
    w.sql.push_str(&crate::sql::select_list(ty, dialect));
    if selects_row(ty) {
        w.sql.push_str(&format!(", {}", q(ROW_COLUMN)));
    }
    w.table_and_filter(plan);
    if let Some(after) = &plan.after {
        w.sql.push_str(" AND ");
        w.after(ty, &plan.order, after);
    }
    w.sql.push_str(" ORDER BY ");
    for (i, key) in plan.order.iter().enumerate() {
        if i > 0 {
            w.sql.push_str(", ");
        }
        w.order_key(ty, key);
    }
    if plan.take.is_some() || plan.skip > 0 {
        let limit = plan
            .take
            .map_or(i64::MAX, |take| take.saturating_add(1) as i64);
        w.sql.push_str(" LIMIT ? OFFSET ?");
        w.binds.push(SqlValue::Integer(limit));
        w.binds.push(SqlValue::Integer(plan.skip as i64));
    }
    w.finish()
}

/// The number of top-level rows the plan's filter matches.
pub(crate) fn count(model: &Model, plan: &Plan<'_>, dialect: Dialect) -> Rendered {
    let mut w = Writer::new(model, dialect);
    w.sql.push_str("SELECT COUNT(*)");
    w.table_and_filter(plan);
    w.finish()
}

/// Whether any top-level row matches the plan's filter: one row at most.
pub(crate) fn exists(model: &Model, plan: &Plan<'_>, dialect: Dialect) -> Rendered {
    let mut w = Writer::new(model, dialect);
    w.sql.push_str("SELECT 1");
    w.table_and_filter(plan);
    w.sql.push_str(" LIMIT 1");
    w.finish()
}

/// The `measures` over the top-level rows the plan's filter matches, one column each:
/// sums and averages as floats, minimums and maximums as the column's values are selected
/// (text by code point, date-times in nasc's stored form).
pub(crate) fn aggregate(
    model: &Model,
    plan: &Plan<'_>,
    measures: &[Measurement],
    dialect: Dialect,
) -> Rendered {
    let ty = plan.ty;
    let mut w = Writer::new(model, dialect);
    let float = match dialect {
        Dialect::Sqlite => "REAL",
        Dialect::Postgres => "DOUBLE PRECISION",
        Dialect::Mysql => "DOUBLE",
    };
    let columns: Vec<String> = measures
        .iter()
        .map(|measure| {
            let (function, field) = match measure {
                Measurement::Count => return "COUNT(*)".to_owned(),
                Measurement::Of(function, field) => (*function, *field),
            };
            let column = w.column("t0", ty, field);
            let name = match function {
                Function::Sum => return format!("CAST(SUM({column}) AS {float})"),
                Function::Avg => return format!("CAST(AVG({column}) AS {float})"),
                Function::Min => "MIN",
                Function::Max => "MAX",
            };
            match (ty.fields[field].scalar, dialect) {
                (ScalarType::String, Dialect::Postgres) => {
                    format!("{name}({column} COLLATE \"C\")")
                }
                (ScalarType::String, Dialect::Mysql) => {
                    format!("CONVERT({name}(CAST({column} AS BINARY)) USING utf8mb4)")
                }
                (ScalarType::DateTime, Dialect::Postgres) => format!(
                    "to_char({name}({column}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
                ),
                (ScalarType::DateTime, Dialect::Mysql) => {
                    format!("DATE_FORMAT({name}({column}), '%Y-%m-%dT%H:%i:%s.%fZ')")
                }
                _ => format!("{name}({column})"),
            }
        })
        .collect();
    w.sql.push_str(&format!("SELECT {}", columns.join(", ")));
    w.table_and_filter(plan);
    w.finish()
}

/// Lists of values are padded to the next power of two (repeating the last value), so that
/// lists of many lengths share a few statements.
fn padded(values: &[SqlValue<'static>]) -> Vec<SqlValue<'static>> {
    let mut padded = values.to_vec();
    if let Some(last) = values.last() {
        padded.resize(values.len().next_power_of_two(), last.clone());
    }
    padded
}

/// Writes one statement.
struct Writer<'m> {
    model: &'m Model,
    dialect: Dialect,
    sql: String,
    binds: Vec<SqlValue<'static>>,
    /// Table aliases handed out (`t0` is the top level's).
    aliases: usize,
}

impl<'m> Writer<'m> {
    fn new(model: &'m Model, dialect: Dialect) -> Self {
        Writer {
            model,
            dialect,
            sql: String::new(),
            binds: Vec::new(),
            aliases: 0,
        }
    }

    fn finish(self) -> Rendered {
        Rendered {
            text: self.sql,
            binds: self.binds,
        }
    }

    /// ` FROM table t0 WHERE <top level> AND (<filter>)`.
    fn table_and_filter(&mut self, plan: &Plan<'_>) {
        let ty = plan.ty;
        self.sql.push_str(&format!(
            " FROM {} t0 WHERE {} AND ",
            self.dialect.quote(&ty.table),
            crate::sql::visible_condition(ty, self.dialect, Some("t0"))
        ));
        self.filter(ty, "t0", &plan.filter);
    }

    fn column(&self, alias: &str, ty: &EntityType, field: usize) -> String {
        format!("{alias}.{}", self.dialect.quote(&ty.fields[field].column))
    }

    /// Whether the column of `field` is held as binary on MySQL (a pk: exact already).
    fn binary_key(&self, ty: &EntityType, field: usize) -> bool {
        ty.pk_index == Some(field)
    }

    /// The column as it is compared and ordered: text by code point.
    fn compared(&self, alias: &str, ty: &EntityType, field: usize) -> String {
        let column = self.column(alias, ty, field);
        match (ty.fields[field].scalar, self.dialect) {
            (ScalarType::String, Dialect::Postgres) => format!("{column} COLLATE \"C\""),
            (ScalarType::String, Dialect::Mysql) if !self.binary_key(ty, field) => {
                format!("CAST({column} AS BINARY)")
            }
            _ => column,
        }
    }

    /// Binds `value` as a value of `field` is compared: a `date-time` parsed by the server,
    /// text as binary on MySQL.
    fn value(&mut self, ty: &EntityType, field: usize, value: SqlValue<'static>) {
        let mark = match (ty.fields[field].scalar, self.dialect) {
            (ScalarType::DateTime, Dialect::Postgres) => "CAST(? AS TIMESTAMPTZ)",
            (ScalarType::DateTime, Dialect::Mysql) => "STR_TO_DATE(?, '%Y-%m-%dT%H:%i:%s.%fZ')",
            (ScalarType::String, Dialect::Mysql) if !self.binary_key(ty, field) => {
                "CAST(? AS BINARY)"
            }
            _ => "?",
        };
        self.sql.push_str(mark);
        self.binds.push(value);
    }

    /// `<column> IS NOT NULL AND `, when the column may be null: a test never unknown.
    fn guard(&mut self, alias: &str, ty: &EntityType, field: usize) {
        if ty.fields[field].nullable() {
            let column = self.column(alias, ty, field);
            self.sql.push_str(&format!("{column} IS NOT NULL AND "));
        }
    }

    fn filter(&mut self, ty: &EntityType, alias: &str, filter: &Predicate) {
        match filter {
            Predicate::All(all) if all.is_empty() => self.sql.push_str("1 = 1"),
            Predicate::Any(any) if any.is_empty() => self.sql.push_str("1 = 0"),
            Predicate::All(parts) | Predicate::Any(parts) => {
                let joint = match filter {
                    Predicate::All(_) => " AND ",
                    _ => " OR ",
                };
                self.sql.push('(');
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        self.sql.push_str(joint);
                    }
                    self.filter(ty, alias, part);
                }
                self.sql.push(')');
            }
            Predicate::Not(inner) => {
                self.sql.push_str("NOT (");
                self.filter(ty, alias, inner);
                self.sql.push(')');
            }
            Predicate::Field { field, test } => {
                self.sql.push('(');
                self.test(ty, alias, *field, test);
                self.sql.push(')');
            }
            Predicate::Children {
                relation,
                quantifier,
                filter,
            } => self.children(ty, alias, *relation, *quantifier, filter),
        }
    }

    fn test(&mut self, ty: &EntityType, alias: &str, field: usize, test: &Test) {
        let column = self.column(alias, ty, field);
        match test {
            Test::IsNull => match (ty.fields[field].scalar, self.dialect) {
                // A JSON document's `null` is stored as a document.
                (ScalarType::Json, Dialect::Sqlite) => self
                    .sql
                    .push_str(&format!("{column} IS NULL OR {column} = 'null'")),
                (ScalarType::Json, Dialect::Postgres) => self
                    .sql
                    .push_str(&format!("{column} IS NULL OR {column} = 'null'::jsonb")),
                (ScalarType::Json, Dialect::Mysql) => self
                    .sql
                    .push_str(&format!("{column} IS NULL OR JSON_TYPE({column}) = 'NULL'")),
                _ => self.sql.push_str(&format!("{column} IS NULL")),
            },
            Test::Compare(comparison, value) => {
                self.guard(alias, ty, field);
                let operator = match comparison {
                    Comparison::Equal => "=",
                    Comparison::Less => "<",
                    Comparison::LessOrEqual => "<=",
                    Comparison::Greater => ">",
                    Comparison::GreaterOrEqual => ">=",
                };
                let compared = self.compared(alias, ty, field);
                self.sql.push_str(&format!("{compared} {operator} "));
                self.value(ty, field, value.clone());
            }
            Test::In(values) if values.is_empty() => self.sql.push_str("1 = 0"),
            Test::In(values) => {
                self.guard(alias, ty, field);
                let compared = self.compared(alias, ty, field);
                self.sql.push_str(&format!("{compared} IN ("));
                for (i, value) in padded(values).into_iter().enumerate() {
                    if i > 0 {
                        self.sql.push_str(", ");
                    }
                    self.value(ty, field, value);
                }
                self.sql.push(')');
            }
            Test::Text(test, text) => {
                self.guard(alias, ty, field);
                self.text(&column, *test, text);
            }
        }
    }

    /// Text containing, starting or ending with `text`, by code point.
    fn text(&mut self, column: &str, test: TextTest, text: &str) {
        let sql = match (self.dialect, test) {
            (Dialect::Sqlite, TextTest::Contains) => format!("instr({column}, ?) > 0"),
            (Dialect::Sqlite, TextTest::StartsWith) => format!("instr({column}, ?) = 1"),
            (Dialect::Sqlite, TextTest::EndsWith) => {
                format!("substr({column}, length({column}) - length(?) + 1) = ?")
            }
            (Dialect::Postgres, TextTest::Contains) => format!("strpos({column}, ?) > 0"),
            (Dialect::Postgres, TextTest::StartsWith) => format!("strpos({column}, ?) = 1"),
            (Dialect::Postgres, TextTest::EndsWith) => {
                format!("right({column}, length(?)) = ?")
            }
            (Dialect::Mysql, TextTest::Contains) => {
                format!("LOCATE(CAST(? AS BINARY), CAST({column} AS BINARY)) > 0")
            }
            (Dialect::Mysql, TextTest::StartsWith) => {
                format!("LOCATE(CAST(? AS BINARY), CAST({column} AS BINARY)) = 1")
            }
            (Dialect::Mysql, TextTest::EndsWith) => format!(
                "RIGHT(CAST({column} AS BINARY), LENGTH(CAST(? AS BINARY))) = CAST(? AS BINARY)"
            ),
        };
        for _ in 0..sql.matches('?').count() {
            self.binds.push(SqlValue::Text(text.to_owned().into()));
        }
        self.sql.push_str(&sql);
    }

    /// `EXISTS` (some), `NOT EXISTS` (none) or `NOT EXISTS ... NOT` (every) over the
    /// children of the relation at `relation` of the row at `alias`.
    fn children(
        &mut self,
        ty: &EntityType,
        alias: &str,
        relation: usize,
        quantifier: Quantifier,
        filter: &Predicate,
    ) {
        let spec = &ty.relations[relation];
        let child = self.model.child(spec);
        let link = child
            .parents
            .iter()
            .find(|l| l.parent == ty.name && l.property == spec.property)
            .expect("a child type links to each of its parents' arrays");
        let parent_key = match &link.parent_row_column {
            Some(_) => ROW_COLUMN,
            None => &ty.pk().expect("a parent has a pk").column,
        };
        self.aliases += 1;
        let inner = format!("t{}", self.aliases);
        let q = |name: &str| self.dialect.quote(name);
        let head = format!(
            "EXISTS (SELECT 1 FROM {} {inner} WHERE {inner}.{} = {alias}.{} AND ",
            q(&child.table),
            q(link.key_column()),
            q(parent_key)
        );
        match quantifier {
            Quantifier::Some => self.sql.push_str(&head),
            Quantifier::None => self.sql.push_str(&format!("NOT {head}")),
            Quantifier::Every => self.sql.push_str(&format!("NOT {head}NOT ")),
        }
        self.sql.push('(');
        self.filter(child, &inner, filter);
        self.sql.push_str("))");
    }

    /// One key of `ORDER BY`, nulls where the key places them.
    fn order_key(&mut self, ty: &EntityType, key: &OrderKey) {
        let direction = if key.descending { "DESC" } else { "ASC" };
        let compared = self.compared("t0", ty, key.field);
        if !ty.fields[key.field].nullable() {
            self.sql.push_str(&format!("{compared} {direction}"));
            return;
        }
        match self.dialect {
            Dialect::Mysql => {
                let column = self.column("t0", ty, key.field);
                let nulls = if key.nulls_first { "DESC" } else { "ASC" };
                self.sql
                    .push_str(&format!("{column} IS NULL {nulls}, {compared} {direction}"));
            }
            _ => {
                let nulls = if key.nulls_first { "FIRST" } else { "LAST" };
                self.sql
                    .push_str(&format!("{compared} {direction} NULLS {nulls}"));
            }
        }
    }

    /// The rows strictly after the one holding `values` in the order of `keys`.
    fn after(&mut self, ty: &EntityType, keys: &[OrderKey], values: &[SqlValue<'static>]) {
        let (Some(key), Some(value)) = (keys.first(), values.first()) else {
            self.sql.push_str("1 = 0");
            return;
        };
        self.sql.push('(');
        self.beyond(ty, key, value);
        if keys.len() > 1 {
            self.sql.push_str(" OR (");
            self.level(ty, key, value);
            self.sql.push_str(" AND ");
            self.after(ty, &keys[1..], &values[1..]);
            self.sql.push(')');
        }
        self.sql.push(')');
    }

    /// The rows whose `key` comes strictly after `value`.
    fn beyond(&mut self, ty: &EntityType, key: &OrderKey, value: &SqlValue<'static>) {
        let column = self.column("t0", ty, key.field);
        let nullable = ty.fields[key.field].nullable();
        if let SqlValue::Null(_) = value {
            // After null come the others when nulls come first; nothing when they come last.
            let after_null = match key.nulls_first {
                true => format!("{column} IS NOT NULL"),
                false => "1 = 0".to_owned(),
            };
            self.sql.push_str(&after_null);
            return;
        }
        let operator = if key.descending { "<" } else { ">" };
        let compared = self.compared("t0", ty, key.field);
        self.sql.push('(');
        match (nullable, key.nulls_first) {
            (true, false) => self.sql.push_str(&format!("{column} IS NULL OR ")),
            (true, true) => self.sql.push_str(&format!("{column} IS NOT NULL AND ")),
            (false, _) => {}
        }
        self.sql.push_str(&format!("{compared} {operator} "));
        self.value(ty, key.field, value.clone());
        self.sql.push(')');
    }

    /// The rows whose `key` equals `value` (null included).
    fn level(&mut self, ty: &EntityType, key: &OrderKey, value: &SqlValue<'static>) {
        let column = self.column("t0", ty, key.field);
        if let SqlValue::Null(_) = value {
            self.sql.push_str(&format!("{column} IS NULL"));
            return;
        }
        self.sql.push('(');
        if ty.fields[key.field].nullable() {
            self.sql.push_str(&format!("{column} IS NOT NULL AND "));
        }
        let compared = self.compared("t0", ty, key.field);
        self.sql.push_str(&format!("{compared} = "));
        self.value(ty, key.field, value.clone());
        self.sql.push(')');
    }
}
