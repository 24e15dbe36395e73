//! Queries and loads by many ids on the mapped store: the top-level rows in one statement,
//! their children with one query per relation and level for all of them together.

use super::{DieselStore, Via};
use crate::aggregate::{self, cell_into_value, Cell, ChildKey, SqlValue, Target};
use crate::backend::MappedConnection;
use crate::query::parse::{self, Parts};
use crate::query::{render, Function, Measurement, OrderKey, Plan, Predicate, Test};
use crate::rows::LoadedRow;
use crate::sql::{Sql, Statement};
use crate::{Error, Page};
use nasc_model::{EntityType, ScalarType};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Most distinct query shapes a store keeps prepared on its connections; the statements of
/// further shapes are prepared each time they run, so that queries built from user input
/// cannot grow the connections' statement caches without bound.
const MAX_PREPARED_QUERY_SHAPES: usize = 256;

/// Most ids one statement of a load by many ids looks up.
const IDS_PER_STATEMENT: usize = 512;

/// A page of top-level rows with their children, each with its id.
pub(super) type RowsPage = Page<(String, LoadedRow)>;

impl<C: MappedConnection> DieselStore<C> {
    /// The page of aggregates of `ty` that `query` asks for, as rows, in one read
    /// transaction.
    pub(super) fn query_page(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        query: &Value,
    ) -> Result<RowsPage, Error> {
        let entity = self.registry.aggregate(ty)?;
        let plan = parse::plan(self.registry.model(), entity, query, Parts::Page)?;
        let target = Target { ty, id: "" };
        via.with(&self.pool, ty, "", |conn| {
            super::in_transaction(conn, false, target, "querying", |conn| {
                self.read_page(conn, &plan, target)
            })
        })
    }

    /// How many aggregates of `ty` the `where` of `query` matches.
    pub(super) fn count_matching(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        query: &Value,
    ) -> Result<u64, Error> {
        let rows = self.where_rows(via, ty, query, render::count, Statement::QueryCount)?;
        match rows.as_slice() {
            [row] => match row.as_slice() {
                [Cell::Integer(n)] => Ok(*n as u64),
                other => Err(unexpected(ty, other)),
            },
            other => Err(unexpected(ty, other)),
        }
    }

    /// Whether an aggregate of `ty` matches the `where` of `query`.
    pub(super) fn any_matching(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        query: &Value,
    ) -> Result<bool, Error> {
        let rows = self.where_rows(via, ty, query, render::exists, Statement::QueryExists)?;
        Ok(!rows.is_empty())
    }

    /// The rows of the statement `render` makes of a query that takes only `where`.
    fn where_rows(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        query: &Value,
        render: fn(&nasc_model::Model, &Plan<'_>, nasc_model::Dialect) -> render::Rendered,
        kind: Statement,
    ) -> Result<Vec<Vec<Cell>>, Error> {
        let entity = self.registry.aggregate(ty)?;
        let plan = parse::plan(self.registry.model(), entity, query, Parts::Where)?;
        let rendered = render(self.registry.model(), &plan, C::DIALECT);
        let sql = self.query_sql(&rendered.text, kind);
        via.with(&self.pool, ty, "", |conn| {
            conn.rows(&sql, &rendered.binds)
                .map_err(|source| query_failed(ty, source))
        })
    }

    /// The measures an aggregate query asks for, over the aggregates of `ty` its `where`
    /// matches: `{"_count": 3, "_sum": {"total": 12.5}, "_min": {"placedAt": "..."}}`.
    pub(super) fn measure_matching(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        query: &Value,
    ) -> Result<Value, Error> {
        let entity = self.registry.aggregate(ty)?;
        let model = self.registry.model();
        let plan = parse::plan(model, entity, query, Parts::Aggregate)?;
        let measures = parse::measures(model, entity, query)?;
        let rendered = render::aggregate(model, &plan, &measures, C::DIALECT);
        let sql = self.query_sql(&rendered.text, Statement::QueryAggregate);
        let rows = via.with(&self.pool, ty, "", |conn| {
            conn.rows(&sql, &rendered.binds)
                .map_err(|source| query_failed(ty, source))
        })?;
        let [cells] = rows.as_slice() else {
            return Err(unexpected(ty, &rows));
        };
        let mut answer = serde_json::Map::new();
        for (measure, cell) in measures.iter().zip(cells) {
            let value = measured(entity, *measure, cell).ok_or_else(|| unexpected(ty, cell))?;
            match measure {
                Measurement::Count => {
                    answer.insert("_count".into(), value);
                }
                Measurement::Of(function, field) => {
                    let values = answer
                        .entry(function.key())
                        .or_insert_with(|| Value::Object(serde_json::Map::new()));
                    values[&entity.fields[*field].property] = value;
                }
            }
        }
        Ok(Value::Object(answer))
    }

    /// The aggregates of `ty` with `ids`, in the order asked (`None`: not stored), read
    /// with one query per table level (per [`IDS_PER_STATEMENT`] ids).
    pub(super) fn read_many(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        ids: &[&str],
    ) -> Result<Vec<Option<LoadedRow>>, Error> {
        let entity = self.registry.aggregate(ty)?;
        let pk = entity.pk_index.expect("an aggregate type has a pk");
        let keys: Vec<SqlValue<'static>> = ids
            .iter()
            .map(|id| aggregate::id_value(entity, Target { ty, id }).map(SqlValue::into_owned))
            .collect::<Result<_, _>>()?;
        let mut distinct: Vec<SqlValue<'static>> = Vec::with_capacity(keys.len());
        {
            let mut seen = std::collections::HashSet::new();
            for key in &keys {
                if seen.insert(ChildKey::of(key)) {
                    distinct.push(key.clone());
                }
            }
        }
        let target = Target { ty, id: "" };
        let found: HashMap<ChildKey<'static>, LoadedRow> =
            via.with(&self.pool, ty, "", |conn| {
                super::in_transaction(conn, false, target, "loading", |conn| {
                    let mut found = HashMap::with_capacity(distinct.len());
                    for chunk in distinct.chunks(IDS_PER_STATEMENT) {
                        let plan = Plan {
                            ty: entity,
                            filter: Predicate::Field {
                                field: pk,
                                test: Test::In(chunk.to_vec()),
                            },
                            order: vec![OrderKey {
                                field: pk,
                                descending: false,
                                nulls_first: false,
                            }],
                            take: None,
                            skip: 0,
                            after: None,
                        };
                        for (_, row) in self.read_page(conn, &plan, target)?.items {
                            let key =
                                cell_into_value(row.cells[pk].clone(), entity.fields[pk].scalar);
                            found.insert(ChildKey::from_value(key), row);
                        }
                    }
                    Ok(found)
                })
            })?;
        Ok(keys
            .iter()
            .map(|key| found.get(&ChildKey::of(key)).cloned())
            .collect())
    }

    /// The rows of `plan`'s page with their children (their binary values in place), and
    /// the cursor of the next page.
    fn read_page(
        &self,
        conn: &mut C,
        plan: &Plan<'_>,
        target: Target<'_>,
    ) -> Result<RowsPage, Error> {
        self.opened(
            conn,
            plan.ty,
            target,
            |conn| self.read_stored_page(conn, plan, target),
            |page| page.items.iter_mut().map(|(_, row)| row).collect(),
        )
    }

    /// [`Self::read_page`], its cells as stored.
    fn read_stored_page(
        &self,
        conn: &mut C,
        plan: &Plan<'_>,
        target: Target<'_>,
    ) -> Result<RowsPage, Error> {
        let ty = plan.ty;
        let rendered = render::page(self.registry.model(), plan, C::DIALECT);
        let sql = self.query_sql(&rendered.text, Statement::Query);
        let mut rows = conn
            .rows(&sql, &rendered.binds)
            .map_err(|source| query_failed(target.ty, source))?;
        let mut next = None;
        if let Some(take) = plan.take {
            if rows.len() as u64 > take {
                rows.truncate(take as usize);
                next = rows.last().map(|cells| parse::cursor_of(plan, cells));
            }
        }
        let items = self.with_children(conn, ty, rows, target)?;
        Ok(Page { items, next })
    }

    /// Top-level rows of `ty` (with their `nasc_row` last, when their children refer to
    /// them by it) with their children, each with its id.
    fn with_children(
        &self,
        conn: &mut C,
        ty: &EntityType,
        rows: Vec<Vec<Cell>>,
        target: Target<'_>,
    ) -> Result<Vec<(String, LoadedRow)>, Error> {
        let pk = ty.pk_index.expect("an aggregate type has a pk");
        let by_row = render::selects_row(ty);
        let mut rows_keys = Vec::with_capacity(if by_row { rows.len() } else { 0 });
        let mut loaded = Vec::with_capacity(rows.len());
        for mut cells in rows {
            if by_row {
                let row = cells.pop().expect("the row is selected last");
                rows_keys.push(cell_into_value(row, ScalarType::Integer));
            }
            loaded.push((
                id_string(&cells[pk]),
                LoadedRow::new(cells, ty.relations.len()),
            ));
        }
        if !ty.relations.is_empty() && !loaded.is_empty() {
            let mut rows_keys = rows_keys.into_iter();
            // The children refer to their parent by its `nasc_row`, or by its pk: the id
            // the page holds, borrowed.
            let mut parents: Vec<(SqlValue, &mut LoadedRow, String)> = loaded
                .iter_mut()
                .map(|(id, row)| {
                    let id: &String = id;
                    let key = match (rows_keys.next(), &row.cells[pk]) {
                        (Some(key), _) => key,
                        (None, Cell::Integer(i)) => SqlValue::Integer(*i),
                        (None, _) => SqlValue::Text(Cow::Borrowed(id.as_str())),
                    };
                    (key, row, String::new())
                })
                .collect();
            self.read_children(conn, ty, &mut parents, target)?;
        }
        Ok(loaded)
    }

    /// A query's statement: kept prepared while the store has seen few shapes.
    fn query_sql(&self, text: &str, kind: Statement) -> Sql {
        let mut hasher = DefaultHasher::new();
        text.hash(&mut hasher);
        let shape = hasher.finish();
        let mut shapes = self.query_shapes.lock().unwrap_or_else(|e| e.into_inner());
        if shapes.contains(&shape) || shapes.len() < MAX_PREPARED_QUERY_SHAPES {
            shapes.insert(shape);
            Sql::mapped(text, kind)
        } else {
            Sql::uncached(text, kind)
        }
    }
}

/// The id of a stored row, from its pk cell.
fn id_string(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Integer(i) => i.to_string(),
        other => format!("{other:?}"),
    }
}

fn query_failed(ty: &str, source: diesel::result::Error) -> Error {
    Error::Query {
        ty: ty.to_owned(),
        source,
    }
}

fn unexpected(ty: &str, rows: impl std::fmt::Debug) -> Error {
    Error::Corrupt {
        ty: ty.to_owned(),
        id: String::new(),
        pointer: String::new(),
        message: format!("a count returned {rows:?}"),
    }
}

/// The JSON of one measure's cell (`None`: a cell the measure cannot hold).
fn measured(ty: &EntityType, measure: Measurement, cell: &Cell) -> Option<Value> {
    let field = match measure {
        Measurement::Count => {
            return match cell {
                Cell::Integer(n) => Some(Value::from(*n)),
                _ => None,
            }
        }
        Measurement::Of(Function::Sum | Function::Avg, _) => {
            return match cell {
                Cell::Null => Some(Value::Null),
                Cell::Real(f) => Some(Value::from(*f)),
                Cell::Integer(i) => Some(Value::from(*i as f64)),
                _ => None,
            }
        }
        Measurement::Of(_, field) => &ty.fields[field],
    };
    match (field.scalar, cell) {
        (_, Cell::Null) => Some(Value::Null),
        (ScalarType::Integer, Cell::Integer(i)) => Some(Value::from(*i)),
        (ScalarType::Number, Cell::Real(f)) => Some(Value::from(*f)),
        (ScalarType::Number, Cell::Integer(i)) => Some(Value::from(*i as f64)),
        (ScalarType::String, Cell::Text(text)) => Some(Value::from(text.as_str())),
        (ScalarType::Bytes, Cell::Bytes(bytes)) => {
            Some(Value::from(nasc_model::bytes::encode(bytes)))
        }
        (ScalarType::Bytes, Cell::Text(text)) => {
            Some(Value::from(nasc_model::bytes::encode(text.as_bytes())))
        }
        (ScalarType::DateTime, Cell::Text(text)) => {
            nasc_model::datetime::from_stored(text).map(Value::from)
        }
        _ => None,
    }
}
