//! The change of a database whose child tables use an earlier layout: child types with
//! children of their own once kept their pk as the table's primary key (ids unique across
//! the table), and their children referred to them by that pk alone. Now every child row
//! has a `nasc_row` key and such children also hold their parent's row
//! ([`crate::ParentLink::parent_row_column`]). No `ALTER TABLE` turns one layout into the
//! other on every backend, so the tables concerned are rebuilt: every row is copied out,
//! the tables are made again, and the rows are copied back with their new keys.

use crate::catalog::{Catalog, Change, TableCatalog};
use crate::ddl::index_name;
use crate::naming::{ROW_COLUMN, TOP_LEVEL_COLUMN};
use crate::Dialect;

/// The column of a copy that numbers its rows: the row's `nasc_row` in the new table.
const NEW_ROW_COLUMN: &str = "nasc_new_row";

/// How a child table refers to its parent, as the current model says (not recorded in
/// the database's catalog: only the layout change needs it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentColumns {
    /// The foreign key column, holding the parent's pk.
    pub fk_column: String,
    /// The column holding the parent's `nasc_row`, when the parent is a child itself.
    pub row_column: Option<String>,
    /// The parent's table.
    pub parent_table: String,
    /// The parent's pk column.
    pub parent_pk_column: String,
}

/// Whether `target` is in the current layout and `held` (the same table, as the database
/// holds it) is not: a `nasc_row` key that replaces a primary key, a parent's row column
/// the table lacks, or the unique `(nasc_row, pk)` its children's foreign keys reference.
fn needs_relayout(held: &TableCatalog, target: &TableCatalog) -> bool {
    let primary_key = |t: &TableCatalog| t.constraints.iter().any(|c| c.starts_with("PRIMARY KEY"));
    let rekeyed = primary_key(held)
        && !primary_key(target)
        && target.column(ROW_COLUMN).is_some()
        && held.column(ROW_COLUMN).is_none();
    let new_row_column = target.parents.iter().any(|p| {
        p.row_column
            .as_deref()
            .is_some_and(|c| held.column(c).is_none())
    });
    let new_row_key = target
        .constraints
        .iter()
        .any(|c| c.starts_with("UNIQUE (") && !held.constraints.contains(c));
    rekeyed || new_row_column || new_row_key
}

/// The rebuild of the tables of a database that the target catalog lays out otherwise, as
/// three changes: the rows copied out; the tables dropped, made again and the rows copied
/// back; the copies dropped. (MySQL commits each statement: a failure part-way undoes the
/// changes begun, and the copies are there until the rows are back.)
pub(crate) struct Relayout {
    /// The changes, in order.
    pub changes: Vec<Change>,
    /// The tables it makes: those rebuilt, and the new tables that come before one of them
    /// (parents first: every table a rebuilt one references exists when it is made).
    pub tables: Vec<String>,
}

impl Relayout {
    /// The rebuild from `held` to `target`, if a table needs one.
    pub(crate) fn plan(held: &Catalog, target: &Catalog) -> Option<Relayout> {
        let dialect = target.dialect;
        let pairs: Vec<(usize, &TableCatalog, &TableCatalog)> = target
            .tables
            .iter()
            .enumerate()
            .filter_map(|(i, t)| Some((i, held.table(&t.name)?, t)))
            .filter(|(_, h, t)| needs_relayout(h, t))
            .collect();
        let last = pairs.last()?.0;
        let new_tables: Vec<&TableCatalog> = target.tables[..last]
            .iter()
            .filter(|t| held.table(&t.name).is_none())
            .collect();
        let rebuilt: Vec<(&TableCatalog, &TableCatalog)> =
            pairs.iter().map(|(_, h, t)| (*h, *t)).collect();
        let order: Vec<&str> = target.tables[..=last]
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        let up = rebuild(&rebuilt, &new_tables, &order, dialect);

        let backwards: Vec<(&TableCatalog, &TableCatalog)> =
            rebuilt.iter().map(|(h, t)| (*t, *h)).collect();
        let held_order: Vec<&str> = held.tables.iter().map(|t| t.name.as_str()).collect();
        let mut down = rebuild(&backwards, &[], &held_order, dialect);
        // The new tables made with the rebuild go when it is undone, children first.
        down.extend(
            new_tables
                .iter()
                .rev()
                .map(|t| format!("DROP TABLE IF EXISTS {}", dialect.quote(&t.name))),
        );
        let olds: Vec<&TableCatalog> = rebuilt.iter().map(|(h, _)| *h).collect();
        let news: Vec<&TableCatalog> = rebuilt.iter().map(|(_, t)| *t).collect();

        let names: Vec<String> = rebuilt
            .iter()
            .map(|(_, t)| format!("`{}`", t.name))
            .collect();
        let drops: Vec<String> = rebuilt
            .iter()
            .flat_map(|(held, target)| {
                held.columns
                    .iter()
                    .filter(|(name, _)| target.column(name).is_none())
                    .map(|(name, _)| format!("{}.{name}", target.name))
            })
            .collect();
        let mut tables: Vec<String> = rebuilt.iter().map(|(_, t)| t.name.clone()).collect();
        tables.extend(new_tables.iter().map(|t| t.name.clone()));
        let names = names.join(", ");
        let change = |description: String, up: Vec<String>, down: Vec<String>| Change {
            description,
            up,
            down,
            additive: false,
            rebuilds_table: dialect == Dialect::Sqlite,
            drops: Vec::new(),
        };
        let mut changes = vec![
            change(
                format!("tables {names}: every row copied out, for the rebuild that follows"),
                copy_out(&olds, dialect),
                drop_copies(&olds, dialect),
            ),
            change(
                format!(
                    "tables {names}: child rows get keys of their own (a child's id is then unique within its array, not across its table), and a child's children refer to its row; the tables are made again and every row copied back"
                ),
                up,
                down,
            ),
            change(
                format!("tables {names}: the copies of their rows dropped"),
                drop_copies(&news, dialect),
                copy_out(&news, dialect),
            ),
        ];
        changes[1].drops = drops;
        Some(Relayout { changes, tables })
    }
}

/// What the name of every copy a rebuild keeps rows in starts with.
pub const COPY_PREFIX: &str = "nasc_copy_";

/// The name of the copy of `table` a rebuild keeps its rows in.
pub fn copy_name(table: &str) -> String {
    let name = index_name(&["nasc_copy", table]);
    debug_assert!(name.starts_with(COPY_PREFIX), "{name}");
    name
}

/// The statements copying every row of `tables` out, each row numbered (its `nasc_row`
/// once copied back).
fn copy_out(tables: &[&TableCatalog], dialect: Dialect) -> Vec<String> {
    let q = |name: &str| dialect.quote(name);
    tables
        .iter()
        .map(|table| {
            format!(
                "CREATE TABLE {} AS SELECT o.*, ROW_NUMBER() OVER () AS {} FROM {} o",
                q(&copy_name(&table.name)),
                q(NEW_ROW_COLUMN),
                q(&table.name)
            )
        })
        .collect()
}

/// The statements dropping the copies of `tables`.
fn drop_copies(tables: &[&TableCatalog], dialect: Dialect) -> Vec<String> {
    tables
        .iter()
        .map(|table| {
            format!(
                "DROP TABLE IF EXISTS {}",
                dialect.quote(&copy_name(&table.name))
            )
        })
        .collect()
}

/// Drops the `rebuilt` tables `(from, to)` (their rows are in their copies), makes them (and
/// the `new_tables`) in `order` (parents first, so that a child finds its parent's new row
/// in the parent's copy), and copies their rows back from the copies.
fn rebuild(
    rebuilt: &[(&TableCatalog, &TableCatalog)],
    new_tables: &[&TableCatalog],
    order: &[&str],
    dialect: Dialect,
) -> Vec<String> {
    let q = |name: &str| dialect.quote(name);
    let copied: Vec<&str> = rebuilt.iter().map(|(_, to)| to.name.as_str()).collect();
    let mut up = Vec::new();
    for (from, _) in rebuilt.iter().rev() {
        up.push(format!("DROP TABLE IF EXISTS {}", q(&from.name)));
    }
    for name in order {
        if let Some(table) = new_tables.iter().find(|t| t.name == *name) {
            up.extend(table.create_statements(dialect));
            continue;
        }
        let Some((from, to)) = rebuilt.iter().find(|(_, to)| to.name == *name) else {
            continue;
        };
        up.extend(to.create_statements(dialect));
        let mut columns = Vec::new();
        let mut values = Vec::new();
        // A parent's row in this very table is set once every row is in (MySQL checks a
        // foreign key at each row an insert writes, and a child may come before its parent).
        let mut own_parent_rows = Vec::new();
        for (name, _) in &to.columns {
            let value = if name == ROW_COLUMN {
                Some(format!("o.{}", q(NEW_ROW_COLUMN)))
            } else if from.column(name).is_some() {
                Some(format!("o.{}", q(name)))
            } else if let Some(link) = to.parents.iter().find(|p| {
                p.row_column.as_deref() == Some(name.as_str())
                    && copied.contains(&p.parent_table.as_str())
            }) {
                // The parent's new row, found by its pk (unique across its table in the
                // earlier layout) in the parent's copy.
                let parent_row = |row: &str| {
                    format!(
                        "(SELECT p.{} FROM {} p WHERE p.{} = {row}.{})",
                        q(NEW_ROW_COLUMN),
                        q(&copy_name(&link.parent_table)),
                        q(&link.parent_pk_column),
                        q(&link.fk_column)
                    )
                };
                if link.parent_table == to.name {
                    own_parent_rows.push(format!(
                        "UPDATE {} SET {} = {}",
                        q(&to.name),
                        q(name),
                        parent_row(&q(&to.name))
                    ));
                    None
                } else {
                    Some(parent_row("o"))
                }
            } else if name == TOP_LEVEL_COLUMN && !to.parents.is_empty() {
                let top_level: Vec<String> = to
                    .parents
                    .iter()
                    .map(|p| format!("o.{} IS NULL", q(&p.fk_column)))
                    .collect();
                Some(format!(
                    "CASE WHEN {} THEN TRUE END",
                    top_level.join(" AND ")
                ))
            } else {
                // A column new to the table (or a parent's row whose parent is new): its
                // default.
                None
            };
            if let Some(value) = value {
                columns.push(q(name));
                values.push(value);
            }
        }
        up.push(format!(
            "INSERT INTO {} ({}) SELECT {} FROM {} o",
            q(&to.name),
            columns.join(", "),
            values.join(", "),
            q(&copy_name(&from.name))
        ));
        up.extend(own_parent_rows);
        if dialect == Dialect::Postgres && to.column(ROW_COLUMN).is_some() {
            // Rows were given their keys: the identity goes on after the largest.
            up.push(format!(
                "SELECT setval(pg_get_serial_sequence('{}', '{ROW_COLUMN}'), (SELECT COALESCE(MAX({}), 0) + 1 FROM {}), false)",
                q(&to.name).replace('\'', "''"),
                q(ROW_COLUMN),
                q(&to.name)
            ));
        }
    }
    up
}
