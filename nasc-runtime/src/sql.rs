//! The SQL statements of every mapped type, rendered once per store from the model.

use nasc_model::ddl::top_level_condition;
use nasc_model::naming::{
    CREATED_COLUMN, EXPIRES_COLUMN, POSITION_COLUMN, ROW_COLUMN, TOP_LEVEL_COLUMN,
};
use nasc_model::{Dialect, EntityType, Field, Generated, Model, RowKey, ScalarType};

/// Most rows written by one multi-row `INSERT` (kept under every backend's bind limit).
const MAX_ROWS_PER_INSERT: usize = 500;
/// The smallest bind-parameter limit of the supported backends (SQLite's 32,766).
const MAX_BINDS: usize = 32_766;

/// Every statement the mapped store renders for a type, by what it does. Each rendered
/// statement carries its kind, so that the conformance matrix can check that it ran every
/// statement a store rendered, with every column kind (see `nasc_runtime::testing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Statement {
    /// Insert-or-update of a top-level row.
    Upsert,
    /// The `nasc_row` of a top-level row of a type that is also a child and has children
    /// (they refer to it by that row).
    SelectTopLevelRow,
    /// The `nasc_row`s of the children of one parent, in order, after they were inserted
    /// (their own children refer to them by those rows).
    SelectChildRows,
    /// MySQL, types with unique keys: the update of a top-level row.
    UpdateTopLevel,
    /// MySQL, types with unique keys: the insert when the update matched no row.
    InsertTopLevel,
    /// Versioned types: the update guarded by the expected version.
    VersionedUpdate,
    /// Versioned types: the stored version, after a guarded update matched no row.
    VersionedCurrent,
    /// Versioned types: the insert of a new row.
    VersionedInsert,
    /// The insert of a new top-level row that does nothing (MySQL: fails) when the id is
    /// taken: [`crate::Store::create`].
    CreateTopLevel,
    /// Multi-row insert of child rows.
    InsertChildren,
    /// Update of one child row in place, found by key.
    UpdateChildByKey,
    /// Update of several child rows in place, found by key, in one statement.
    UpdateChildrenByKeyBatched,
    /// Update of one child row at a position that keeps its key.
    UpdateChildAtPosition,
    /// Update of several child rows at positions that keep their keys, in one statement.
    UpdateChildrenAtPositionBatched,
    /// Delete of one child row by key.
    DeleteChild,
    /// A top-level row by pk.
    Select,
    /// Delete of a top-level row.
    Delete,
    /// The children of one parent, in order.
    SelectChildren,
    /// The children of several parents, grouped by parent and in order.
    SelectChildrenOfMany,
    /// Delete of every child row of one parent in one array.
    DeleteChildren,
    /// Delete of the positional child rows of one parent in one array from a position on.
    DeleteChildrenFrom,
    /// The last position stored under one parent.
    LastPosition,
    /// The update of the columns a persist's diff names (with the last-save time and the
    /// version) of a top-level row, rendered per set of columns when first needed.
    UpdateNamedColumns,
    /// A page of top-level rows a query asks for (or a load by many ids), rendered per
    /// call.
    Query,
    /// The count of the top-level rows a query's filter matches, rendered per call.
    QueryCount,
    /// Whether a top-level row matches a query's filter, rendered per call.
    QueryExists,
    /// Counts, sums, averages, minimums and maximums over the top-level rows a query's
    /// filter matches, rendered per call.
    QueryAggregate,
    /// Whether a top-level row is stored, locking it until the transaction ends (SQLite:
    /// the write transaction holds the lock already): [`crate::Store::replace`].
    LockTopLevel,
    /// Types with an `increment` pk: the key the database makes for a new aggregate
    /// (PostgreSQL: the next value of the column's sequence, taken before the insert;
    /// SQLite and MySQL: the key the insert made).
    GeneratedKey,
    /// PostgreSQL, types with an `increment` pk: moves the sequence past the largest key
    /// stored, when the value it gave was taken by an aggregate saved with its own key.
    SkipTakenKeys,
    /// Types with a `ttl` or `maxSize`: sets the expiry time (now plus the ttl) and the
    /// creation time (once) of a top-level row after it was written.
    StampExpiry,
    /// Types with a `ttl`: deletes the top-level row of an id when it has expired, before
    /// a write (an expired aggregate is absent).
    DropExpired,
    /// The database's clock, in milliseconds since the Unix epoch.
    Now,
    /// Types with a `ttl`: the pks of the aggregates expired at a time.
    ExpiredKeys,
    /// Types with a `ttl`: deletes the aggregates expired at a time.
    PurgeExpired,
    /// Types with a `maxSize`: how many aggregates are kept.
    CountKept,
    /// Types with a `maxSize`: the pks of the oldest aggregates kept.
    OldestKept,
    /// Types that share binary values (`shareBinaryOver`): the hashes an aggregate holds.
    SharedHeld,
    /// A shared value's count of holders raised (an aggregate takes it up).
    RaiseShared,
    /// A shared value stored, with one holder (or its count raised, when a write running
    /// beside stored it first).
    StoreShared,
    /// An aggregate recorded as a holder of a shared value.
    AddHolder,
    /// A shared value's count of holders lowered.
    ReleaseShared,
    /// A shared value no aggregate holds any more, deleted.
    DropReleased,
    /// An aggregate no longer recorded as a holder of a shared value.
    DropHolder,
    /// Shared values by hash, for a read.
    FetchShared,
}

/// SQL text split at its bind parameters: values go between the pieces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sql {
    pub(crate) pieces: Vec<String>,
    /// What the statement does, for statements of the mapped store.
    pub(crate) kind: Option<Statement>,
    /// The connection keeps it prepared (a query of a shape seldom run is not kept).
    pub(crate) cached: bool,
}

impl Sql {
    /// Splits `text` at each `?` (identifiers are validated, so `?` only marks binds).
    pub(crate) fn new(text: &str) -> Self {
        Sql {
            pieces: text.split('?').map(str::to_owned).collect(),
            kind: None,
            cached: true,
        }
    }

    /// A statement of kind `kind` that the connection prepares each time it runs, and does
    /// not keep.
    pub(crate) fn uncached(text: &str, kind: Statement) -> Self {
        Sql {
            cached: false,
            ..Sql::mapped(text, kind)
        }
    }

    /// A statement of the mapped store, of kind `kind`.
    pub(crate) fn mapped(text: &str, kind: Statement) -> Self {
        crate::coverage::rendered(kind);
        Sql {
            kind: Some(kind),
            ..Sql::new(text)
        }
    }

    /// Number of bind parameters.
    pub(crate) fn binds(&self) -> usize {
        self.pieces.len() - 1
    }

    #[cfg(test)]
    fn text(&self) -> String {
        self.pieces.join("?")
    }
}

/// Statements that differ by a count of rows (1 to [`MAX_ROWS_PER_INSERT`]), each rendered
/// once, when first used.
#[derive(Debug, Default)]
struct BySize(std::sync::OnceLock<Box<[std::sync::OnceLock<Sql>]>>);

impl BySize {
    /// The statement for `rows` rows, rendered by `render` the first time.
    fn get(&self, rows: usize, render: impl FnOnce() -> Sql) -> &Sql {
        let sizes = self.0.get_or_init(|| {
            (0..=MAX_ROWS_PER_INSERT)
                .map(|_| std::sync::OnceLock::new())
                .collect()
        });
        sizes[rows].get_or_init(render)
    }
}

impl Clone for BySize {
    fn clone(&self) -> Self {
        BySize::default()
    }
}

/// The multi-row insert of one type as the child of one parent link.
#[derive(Debug, Clone)]
pub(crate) struct ChildInsert {
    /// `INSERT INTO t (fields, fk, position) VALUES `.
    head: String,
    /// `(?, ?, ...)`: one row's placeholders.
    row: String,
    /// Bind values per row.
    pub binds_per_row: usize,
    /// The statement of each row count, once used.
    rendered: BySize,
}

impl ChildInsert {
    /// Rows per statement, within the bind limit.
    pub fn rows_per_statement(&self) -> usize {
        (MAX_BINDS / self.binds_per_row).clamp(1, MAX_ROWS_PER_INSERT)
    }

    /// The statement inserting `rows` rows (at most [`Self::rows_per_statement`]).
    pub fn statement(&self, rows: usize) -> &Sql {
        self.rendered.get(rows, || self.render(rows))
    }

    fn render(&self, rows: usize) -> Sql {
        let mut text = String::with_capacity(self.head.len() + rows * (self.row.len() + 2));
        text.push_str(&self.head);
        for i in 0..rows {
            if i > 0 {
                text.push_str(", ");
            }
            text.push_str(&self.row);
        }
        Sql::mapped(&text, Statement::InsertChildren)
    }
}

/// The update in place of several child rows of one parent link, each found by foreign key
/// and pk (and, at positions, by its unchanged position too): one `UPDATE ... FROM (VALUES
/// ...)` on PostgreSQL, where every statement is a round trip; one row per statement on
/// SQLite (in process, its indexed one-row updates beat its `UPDATE ... FROM`, measured
/// with `nasc-bench`) and MySQL. Binds per row: the fields other than the pk, the position,
/// the foreign key, the pk.
#[derive(Debug, Clone)]
pub(crate) struct ChildUpdate {
    /// `UPDATE t SET c = v.column1, ... FROM (VALUES ` (SQLite, MySQL: the whole one-row
    /// statement).
    head: String,
    /// One row's placeholders.
    row: String,
    /// `) AS v ... WHERE ...`.
    tail: String,
    /// Rows per statement: 1 on SQLite and MySQL.
    most_rows: usize,
    /// Bind values per row.
    pub binds_per_row: usize,
    /// The statement of each power-of-two size, rendered on first use.
    rendered: Vec<std::sync::OnceLock<Sql>>,
    /// The kinds of the one-row statement and of the batched ones.
    kinds: (Statement, Statement),
}

impl ChildUpdate {
    /// The update of `ty`'s rows under a parent, found by the parent key column `fk` and
    /// their `key` (the pk; `None` for a positional type, whose pk, if any, is data like the
    /// other fields); `at_position` also requires each row to be at the position it is given
    /// (and leaves it there). Binds per row: the fields other than the key, the position,
    /// the parent key, the key.
    fn new(
        ty: &EntityType,
        fk: &str,
        key: Option<&Field>,
        dialect: Dialect,
        at_position: bool,
    ) -> ChildUpdate {
        assert!(at_position || key.is_some(), "rows found by key have one");
        let q = |name: &str| dialect.quote(name);
        let table = q(&ty.table);
        let fields: Vec<(&str, &str)> = ty
            .fields
            .iter()
            .zip(field_marks(ty, dialect))
            .filter(|(f, _)| !key.is_some_and(|key| key.column == f.column))
            .map(|(f, mark)| (f.column.as_str(), mark))
            .collect();
        let binds_per_row = fields.len() + 2 + usize::from(key.is_some());
        let kinds = if at_position {
            (
                Statement::UpdateChildAtPosition,
                Statement::UpdateChildrenAtPositionBatched,
            )
        } else {
            (
                Statement::UpdateChildByKey,
                Statement::UpdateChildrenByKeyBatched,
            )
        };
        crate::coverage::rendered(kinds.0);
        let (position, fk) = (q(POSITION_COLUMN), q(fk));
        let pk = key.map(|key| q(&key.column));
        if dialect != Dialect::Postgres {
            let mut set: Vec<String> = fields
                .iter()
                .map(|(column, mark)| format!("{} = {mark}", q(column)))
                .collect();
            let mut condition = if at_position {
                if set.is_empty() {
                    set.push(format!("{position} = {position}"));
                }
                format!("{position} = ? AND {fk} = ?")
            } else {
                set.push(format!("{position} = ?"));
                format!("{fk} = ?")
            };
            if let Some(pk) = &pk {
                condition.push_str(&format!(" AND {pk} = ?"));
            }
            return ChildUpdate {
                head: format!("UPDATE {table} SET {} WHERE {condition}", set.join(", ")),
                row: String::new(),
                tail: String::new(),
                most_rows: 1,
                binds_per_row,
                rendered: vec![std::sync::OnceLock::new()],
                kinds,
            };
        }
        // The VALUES columns, named by the alias list.
        let value = |i: usize| format!("v.column{}", i + 1);
        let mut set: Vec<String> = fields
            .iter()
            .enumerate()
            .map(|(i, (column, _))| format!("{} = {}", q(column), value(i)))
            .collect();
        let n = fields.len();
        set.push(format!("{position} = {}", value(n)));
        let mut condition = format!("{table}.{fk} = {}", value(n + 1));
        if let Some(pk) = &pk {
            condition.push_str(&format!(" AND {table}.{pk} = {}", value(n + 2)));
        }
        if at_position {
            condition.push_str(&format!(" AND {table}.{position} = {}", value(n)));
        }
        // A power of two within the bind limit, so that few distinct sizes are prepared.
        let most_rows =
            prev_power_of_two((MAX_BINDS / binds_per_row).clamp(1, MAX_ROWS_PER_INSERT));
        if most_rows > 1 {
            crate::coverage::rendered(kinds.1);
        }
        let names: Vec<String> = (1..=binds_per_row).map(|i| format!("column{i}")).collect();
        let alias = format!("v ({})", names.join(", "));
        let marks: Vec<&str> = fields
            .iter()
            .map(|(_, mark)| *mark)
            .chain(["?"; 3].into_iter().take(binds_per_row - fields.len()))
            .collect();
        ChildUpdate {
            head: format!("UPDATE {table} SET {} FROM (VALUES ", set.join(", ")),
            row: format!("({})", marks.join(", ")),
            tail: format!(") AS {alias} WHERE {condition}"),
            most_rows,
            binds_per_row,
            rendered: (0..=most_rows.trailing_zeros())
                .map(|_| std::sync::OnceLock::new())
                .collect(),
            kinds,
        }
    }

    /// How `rows` rows are split into statements: powers of two, largest first (at most
    /// one statement size per power, so a handful of statements serve every count).
    pub fn batches(&self, rows: usize) -> impl Iterator<Item = usize> + '_ {
        let mut left = rows;
        std::iter::from_fn(move || {
            (left > 0).then(|| {
                let size = prev_power_of_two(left).min(self.most_rows);
                left -= size;
                size
            })
        })
    }

    /// The statement updating `rows` rows, a size [`Self::batches`] gives.
    pub fn statement(&self, rows: usize) -> &Sql {
        assert!(
            rows.is_power_of_two() && rows <= self.most_rows,
            "a batch size of `batches`"
        );
        self.rendered[rows.trailing_zeros() as usize].get_or_init(|| self.render(rows))
    }

    fn render(&self, rows: usize) -> Sql {
        if self.most_rows == 1 {
            return Sql::mapped(&self.head, self.kinds.0);
        }
        let mut text =
            String::with_capacity(self.head.len() + rows * (self.row.len() + 2) + self.tail.len());
        text.push_str(&self.head);
        for i in 0..rows {
            if i > 0 {
                text.push_str(", ");
            }
            text.push_str(&self.row);
        }
        text.push_str(&self.tail);
        Sql::mapped(
            &text,
            if rows == 1 {
                self.kinds.0
            } else {
                self.kinds.1
            },
        )
    }
}

/// The largest power of two not above `n` (`n` > 0).
fn prev_power_of_two(n: usize) -> usize {
    1 << (usize::BITS - 1 - n.leading_zeros())
}

/// The select of the children of several parents at once (`... WHERE fk IN (?, ...)`).
#[derive(Debug, Clone)]
pub(crate) struct ChildSelect {
    head: String,
    tail: String,
    /// The statement of each count of parents, once used.
    rendered: BySize,
}

impl ChildSelect {
    /// Parents per statement, within the bind limit.
    pub fn parents_per_statement(&self) -> usize {
        MAX_ROWS_PER_INSERT
    }

    /// The statement for `parents` parents (at most [`Self::parents_per_statement`]).
    pub fn statement(&self, parents: usize) -> &Sql {
        self.rendered.get(parents, || {
            Sql::mapped(
                &format!(
                    "{}{}{}",
                    self.head,
                    vec!["?"; parents].join(", "),
                    self.tail
                ),
                Statement::SelectChildrenOfMany,
            )
        })
    }
}

/// Statements of one type.
#[derive(Debug, Clone)]
pub(crate) struct TypeStatements {
    /// The statements of top-level rows (none for a positional type, only ever a child).
    pub top_level: Option<TopLevel>,
    /// Insert as a child, per parent link; binds per row: the fields, the foreign key (the
    /// parent's pk), the parent's row when the link has a row column, the position.
    pub insert_as_child: Vec<ChildInsert>,
    /// Per parent link: the update of child rows in place (their fields but the pk, and
    /// their positions), found by key (none for a positional type).
    pub update_as_child: Vec<Option<ChildUpdate>>,
    /// Per parent link: the delete of one child row; binds: the parent key, the pk (none
    /// for a positional type).
    pub delete_as_child: Vec<Option<Sql>>,
    /// Per parent link: the update of child rows at positions that keep their keys (a
    /// positional type: at positions, whatever their pk).
    pub update_at_position: Vec<ChildUpdate>,
    /// Per relation: the children of one parent in order (a child type with children of
    /// its own: its `nasc_row` selected after the fields); binds the parent key (see
    /// [`nasc_model::ParentLink::key_column`]).
    pub select_children: Vec<Sql>,
    /// Per relation: the children of several parents, grouped by parent and in order, as
    /// `select_children` selects them, then the parent key; binds the parents' keys.
    pub select_children_of_many: Vec<ChildSelect>,
    /// Per relation whose children have children: their `nasc_row`s, in order; binds the
    /// parent key.
    pub child_rows: Vec<Option<Sql>>,
    /// Per relation: deletes the children of one parent; binds the parent key.
    pub delete_children: Vec<Sql>,
    /// Per relation: the last position stored under one parent; binds the parent key.
    pub last_position: Vec<Sql>,
    /// Per relation of positional children: deletes those of one parent from a position
    /// on; binds the parent key, the position.
    pub delete_children_from: Vec<Option<Sql>>,
    /// Per relation: index of the child's parent link for this relation.
    pub child_link: Vec<usize>,
}

/// The statements of the top-level rows of a type.
#[derive(Debug, Clone)]
pub(crate) struct TopLevel {
    /// Upsert of a top-level row; binds: the fields.
    pub upsert: Sql,
    /// For a type that is a child and has children: the `nasc_row` of the top-level row;
    /// binds the pk.
    pub row: Option<Sql>,
    /// MySQL, for tables with unique keys of their own: an `UPDATE` of the top-level row
    /// (binds: the fields other than the pk, then the pk), and the `INSERT` to run when it
    /// matched no row (binds: the fields). `ON DUPLICATE KEY UPDATE` would otherwise update
    /// whichever row holds a clashing unique key.
    pub update_then_insert: Option<(Sql, Sql)>,
    /// Types with a version: the guarded update, the current version, and the insert.
    pub versioned: Option<Versioned>,
    /// The insert of a new top-level row, which writes nothing when the id is taken (on
    /// MySQL it fails with a duplicate key); binds: the fields.
    pub create: Sql,
    /// The top-level row by pk; selects the fields.
    pub select: Sql,
    /// Selects `1` for the top-level row by pk, locking it (binds: the pk).
    pub lock: Sql,
    /// Deletes the top-level row by pk (children go by cascade).
    pub delete: Sql,
    /// Types with an `increment` pk: the key the database makes (see
    /// [`Statement::GeneratedKey`]), and on PostgreSQL the statement that moves its sequence
    /// past the keys stored ([`Statement::SkipTakenKeys`]).
    pub generated_key: Option<(Sql, Option<Sql>)>,
    /// Types with a `ttl` or `maxSize`.
    pub expiry: Option<ExpiryStatements>,
}

/// The statements of a type whose aggregates expire (`ttl`) or are capped (`maxSize`).
#[derive(Debug, Clone)]
pub(crate) struct ExpiryStatements {
    /// Stamps the times of a top-level row after it was written; binds the pk.
    pub stamp: Sql,
    /// `ttl`: deletes the row of a pk if it has expired; binds the pk.
    pub drop_expired: Option<Sql>,
    /// The database's clock.
    pub now: Sql,
    /// `ttl`: the pks of the rows expired at a time; binds the time.
    pub expired: Option<Sql>,
    /// `ttl`: deletes the rows expired at a time; binds the time.
    pub purge: Option<Sql>,
    /// `maxSize`: the count of the aggregates kept.
    pub count: Option<Sql>,
    /// `maxSize`: the pks of the oldest aggregates kept other than one; binds that one's
    /// pk and how many.
    pub oldest: Option<Sql>,
}

/// The database's clock in milliseconds since the Unix epoch, as SQL.
pub(crate) fn now_millis(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
        Dialect::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
        Dialect::Mysql => "CAST(UNIX_TIMESTAMP(CURRENT_TIMESTAMP(3)) * 1000 AS SIGNED)",
    }
}

/// The condition of the top-level rows of `ty` a read sees: those of aggregates (see
/// [`top_level_condition`]) that have not expired.
pub(crate) fn visible_condition(ty: &EntityType, dialect: Dialect, alias: Option<&str>) -> String {
    let top_level = top_level_condition(ty, dialect);
    if ty.expiry.ttl_ms.is_none() {
        return top_level;
    }
    let column = match alias {
        Some(alias) => format!("{alias}.{}", dialect.quote(EXPIRES_COLUMN)),
        None => dialect.quote(EXPIRES_COLUMN),
    };
    format!(
        "{top_level} AND ({column} IS NULL OR {column} > {})",
        now_millis(dialect)
    )
}

fn expiry_statements(ty: &EntityType, pk: &Field, dialect: Dialect) -> Option<ExpiryStatements> {
    if !ty.expiry.is_set() {
        return None;
    }
    let q = |name: &str| dialect.quote(name);
    let (table, pk) = (q(&ty.table), q(&pk.column));
    let now = now_millis(dialect);
    let top_level = top_level_condition(ty, dialect);
    let visible = visible_condition(ty, dialect, None);
    let mut set = Vec::new();
    if let Some(ttl) = ty.expiry.ttl_ms {
        set.push(format!("{} = {now} + {ttl}", q(EXPIRES_COLUMN)));
    }
    if ty.expiry.max_size.is_some() {
        let created = q(CREATED_COLUMN);
        set.push(format!("{created} = COALESCE({created}, {now})"));
    }
    let ttl = ty.expiry.ttl_ms.is_some();
    let expires = q(EXPIRES_COLUMN);
    let created = q(CREATED_COLUMN);
    Some(ExpiryStatements {
        stamp: Sql::mapped(
            &format!("UPDATE {table} SET {} WHERE {pk} = ? AND {top_level}", set.join(", ")),
            Statement::StampExpiry,
        ),
        drop_expired: ttl.then(|| {
            Sql::mapped(
                &format!("DELETE FROM {table} WHERE {pk} = ? AND {top_level} AND {expires} <= {now}"),
                Statement::DropExpired,
            )
        }),
        now: Sql::mapped(&format!("SELECT {now}"), Statement::Now),
        expired: ttl.then(|| {
            Sql::mapped(
                &format!("SELECT {pk} FROM {table} WHERE {top_level} AND {expires} <= ? ORDER BY {pk}"),
                Statement::ExpiredKeys,
            )
        }),
        purge: ttl.then(|| {
            Sql::mapped(
                &format!("DELETE FROM {table} WHERE {top_level} AND {expires} <= ?"),
                Statement::PurgeExpired,
            )
        }),
        count: ty.expiry.max_size.map(|_| {
            Sql::mapped(
                &format!("SELECT COUNT(*) FROM {table} WHERE {visible}"),
                Statement::CountKept,
            )
        }),
        oldest: ty.expiry.max_size.map(|_| {
            Sql::mapped(
                &format!("SELECT {pk} FROM {table} WHERE {visible} AND {pk} <> ? ORDER BY {created}, {pk} LIMIT ?"),
                Statement::OldestKept,
            )
        }),
    })
}

impl TypeStatements {
    /// The statements of top-level rows, for a type the store API took as an aggregate
    /// (see [`crate::Registry::aggregate`]).
    pub fn top(&self) -> &TopLevel {
        self.top_level
            .as_ref()
            .expect("only aggregate types are saved, loaded or deleted at the top level")
    }
}

/// The statements of a save that checks the version it was based on.
#[derive(Debug, Clone)]
pub(crate) struct Versioned {
    /// `UPDATE ... WHERE pk = ? AND version = ?`; binds: the fields other than the pk (the
    /// version bumped), the pk, the expected version.
    pub update: Sql,
    /// The stored version of the top-level row; binds the pk.
    pub current: Sql,
    /// The insert of a new row; binds: the fields (the version bumped).
    pub insert: Sql,
}

/// Renders the statements of every type of `model`, by type index.
pub(crate) fn statements(model: &Model, dialect: Dialect) -> Vec<TypeStatements> {
    model
        .types
        .iter()
        .map(|ty| type_statements(model, ty, dialect))
        .collect()
}

fn field_list(ty: &EntityType, dialect: Dialect) -> Vec<String> {
    ty.fields.iter().map(|f| dialect.quote(&f.column)).collect()
}

/// The fields as selected: JSON documents and timestamps as text, so every backend returns
/// them alike (timestamps in the stored form of [`nasc_model::datetime`]).
pub(crate) fn select_list(ty: &EntityType, dialect: Dialect) -> String {
    let columns: Vec<String> = ty
        .fields
        .iter()
        .map(|f| {
            let column = dialect.quote(&f.column);
            match (f.scalar, dialect) {
                (ScalarType::Json, Dialect::Postgres) => format!("CAST({column} AS TEXT)"),
                (ScalarType::DateTime, Dialect::Postgres) => format!(
                    "to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
                ),
                (ScalarType::DateTime, Dialect::Mysql) => {
                    format!("DATE_FORMAT({column}, '%Y-%m-%dT%H:%i:%s.%fZ')")
                }
                _ => column,
            }
        })
        .collect();
    columns.join(", ")
}

/// One bind placeholder per field: JSON text is cast to `JSONB` on PostgreSQL, and
/// timestamps (bound in their stored form) are parsed by the server.
fn field_marks(ty: &EntityType, dialect: Dialect) -> Vec<&'static str> {
    ty.fields
        .iter()
        .map(|f| match (f.scalar, dialect) {
            (ScalarType::Json, Dialect::Postgres) => "CAST(? AS JSONB)",
            (ScalarType::DateTime, Dialect::Postgres) => "CAST(? AS TIMESTAMPTZ)",
            (ScalarType::DateTime, Dialect::Mysql) => "STR_TO_DATE(?, '%Y-%m-%dT%H:%i:%s.%fZ')",
            _ => "?",
        })
        .collect()
}

/// The statements of the top-level rows of aggregate type `ty`.
fn top_level_statements(ty: &EntityType, pk: &Field, dialect: Dialect) -> TopLevel {
    let q = |name: &str| dialect.quote(name);
    let table = q(&ty.table);
    let pk_field = pk;
    let pk = q(&pk.column);
    let top_level = top_level_condition(ty, dialect);
    let visible = visible_condition(ty, dialect, None);
    let upsert = upsert(ty, dialect);
    let row = (ty.row_key() == RowKey::Surrogate && !ty.relations.is_empty()).then(|| {
        Sql::mapped(
            &format!(
                "SELECT {} FROM {table} WHERE {pk} = ? AND {top_level}",
                q(ROW_COLUMN)
            ),
            Statement::SelectTopLevelRow,
        )
    });
    let update_then_insert = (dialect == Dialect::Mysql && ty.indexes.iter().any(|i| i.unique))
        .then(|| {
            let (update, insert) = update_else_insert(ty, dialect);
            (
                Sql::mapped(&update, Statement::UpdateTopLevel),
                Sql::mapped(&insert, Statement::InsertTopLevel),
            )
        });
    let versioned = ty.version.map(|version| {
        let (mut update_text, _) = update_else_insert(ty, dialect);
        let column = q(&ty.fields[version].column);
        update_text.push_str(&format!(" AND {column} = ?"));
        // A first save that loses the race to another inserts nothing (MySQL: fails), and
        // then finds the winner's version.
        let mut current = format!("SELECT {column} FROM {table} WHERE {pk} = ? AND {top_level}");
        if dialect == Dialect::Mysql {
            current.push_str(" LOCK IN SHARE MODE");
        }
        let insert = insert_if_absent(ty, dialect);
        Versioned {
            update: Sql::mapped(&update_text, Statement::VersionedUpdate),
            current: Sql::mapped(&current, Statement::VersionedCurrent),
            insert: Sql::mapped(&insert, Statement::VersionedInsert),
        }
    });
    TopLevel {
        upsert,
        row,
        update_then_insert,
        versioned,
        create: Sql::mapped(&insert_if_absent(ty, dialect), Statement::CreateTopLevel),
        select: Sql::mapped(
            &format!(
                "SELECT {} FROM {table} WHERE {pk} = ? AND {visible}",
                select_list(ty, dialect)
            ),
            Statement::Select,
        ),
        lock: Sql::mapped(
            &format!(
                "SELECT 1 FROM {table} WHERE {pk} = ? AND {visible}{}",
                match dialect {
                    Dialect::Sqlite => "",
                    _ => " FOR UPDATE",
                }
            ),
            Statement::LockTopLevel,
        ),
        delete: Sql::mapped(
            &format!("DELETE FROM {table} WHERE {pk} = ? AND {visible}"),
            Statement::Delete,
        ),
        generated_key: (ty.generated == Some(Generated::Increment))
            .then(|| generated_key(ty, dialect)),
        expiry: expiry_statements(ty, pk_field, dialect),
    }
}

/// The statements of a type with an `increment` pk: the key the database makes, and
/// (PostgreSQL) the move of the sequence past the keys stored. (`pg_get_serial_sequence`
/// takes the table as a quoted identifier, the column as a plain name.)
fn generated_key(ty: &EntityType, dialect: Dialect) -> (Sql, Option<Sql>) {
    let column = &aggregate_pk(ty).column;
    match dialect {
        Dialect::Sqlite => (
            Sql::mapped("SELECT last_insert_rowid()", Statement::GeneratedKey),
            None,
        ),
        Dialect::Mysql => (
            Sql::mapped(
                "SELECT CAST(LAST_INSERT_ID() AS SIGNED)",
                Statement::GeneratedKey,
            ),
            None,
        ),
        Dialect::Postgres => {
            let sequence = format!(
                "pg_get_serial_sequence({}, {})",
                dialect.string_literal(&dialect.quote(&ty.table)),
                dialect.string_literal(column)
            );
            let skip = format!(
                "SELECT setval({sequence}, GREATEST((SELECT COALESCE(MAX({}), 1) FROM {}), \
                 COALESCE(pg_sequence_last_value({sequence}::regclass), 1)))",
                dialect.quote(column),
                dialect.quote(&ty.table)
            );
            (
                Sql::mapped(
                    &format!("SELECT nextval({sequence})"),
                    Statement::GeneratedKey,
                ),
                Some(Sql::mapped(&skip, Statement::SkipTakenKeys)),
            )
        }
    }
}

fn type_statements(model: &Model, ty: &EntityType, dialect: Dialect) -> TypeStatements {
    let q = |name: &str| dialect.quote(name);
    let table = q(&ty.table);
    let columns = field_list(ty, dialect);
    let top_level = ty
        .pk()
        .filter(|_| ty.is_aggregate())
        .map(|pk| top_level_statements(ty, pk, dialect));
    // The pk that identifies child rows (none for a positional type).
    let key = ty.key();

    let insert_as_child = ty
        .parents
        .iter()
        .inspect(|_| crate::coverage::rendered(Statement::InsertChildren))
        .map(|link| {
            let mut parent = q(&link.fk_column);
            let mut marks = field_marks(ty, dialect);
            marks.push("?");
            if let Some(row) = &link.parent_row_column {
                parent.push_str(&format!(", {}", q(row)));
                marks.push("?");
            }
            marks.push("?");
            ChildInsert {
                head: format!(
                    "INSERT INTO {table} ({}, {parent}, {}) VALUES ",
                    columns.join(", "),
                    q(POSITION_COLUMN)
                ),
                row: format!("({})", marks.join(", ")),
                binds_per_row: marks.len(),
                rendered: BySize::default(),
            }
        })
        .collect();

    let update_as_child = ty
        .parents
        .iter()
        .map(|link| {
            key.map(|key| ChildUpdate::new(ty, link.key_column(), Some(key), dialect, false))
        })
        .collect();
    let update_at_position = ty
        .parents
        .iter()
        .map(|link| ChildUpdate::new(ty, link.key_column(), key, dialect, true))
        .collect();
    let delete_as_child = ty
        .parents
        .iter()
        .map(|link| {
            key.map(|key| {
                Sql::mapped(
                    &format!(
                        "DELETE FROM {table} WHERE {} = ? AND {} = ?",
                        q(link.key_column()),
                        q(&key.column)
                    ),
                    Statement::DeleteChild,
                )
            })
        })
        .collect();

    let mut select_children = Vec::new();
    let mut select_children_of_many = Vec::new();
    let mut child_rows = Vec::new();
    let mut delete_children = Vec::new();
    let mut last_position = Vec::new();
    let mut delete_children_from = Vec::new();
    let mut child_link = Vec::new();
    for relation in &ty.relations {
        let child = model.child(relation);
        let link = child
            .parents
            .iter()
            .position(|l| l.parent == ty.name && l.property == relation.property)
            .expect("every relation has its parent link");
        child_link.push(link);
        let child_table = q(&child.table);
        let fk = q(child.parents[link].key_column());
        let position = q(POSITION_COLUMN);
        let mut selected = select_list(child, dialect);
        if !child.relations.is_empty() {
            selected.push_str(&format!(", {}", q(ROW_COLUMN)));
        }
        select_children.push(Sql::mapped(
            &format!("SELECT {selected} FROM {child_table} WHERE {fk} = ? ORDER BY {position}"),
            Statement::SelectChildren,
        ));
        crate::coverage::rendered(Statement::SelectChildrenOfMany);
        select_children_of_many.push(ChildSelect {
            head: format!("SELECT {selected}, {fk} FROM {child_table} WHERE {fk} IN ("),
            tail: format!(") ORDER BY {fk}, {position}"),
            rendered: BySize::default(),
        });
        child_rows.push((!child.relations.is_empty()).then(|| {
            Sql::mapped(
                &format!(
                    "SELECT {} FROM {child_table} WHERE {fk} = ? ORDER BY {position}",
                    q(ROW_COLUMN)
                ),
                Statement::SelectChildRows,
            )
        }));
        delete_children.push(Sql::mapped(
            &format!("DELETE FROM {child_table} WHERE {fk} = ?"),
            Statement::DeleteChildren,
        ));
        delete_children_from.push(child.positional.then(|| {
            Sql::mapped(
                &format!("DELETE FROM {child_table} WHERE {fk} = ? AND {position} >= ?"),
                Statement::DeleteChildrenFrom,
            )
        }));
        last_position.push(Sql::mapped(
            &format!(
                "SELECT MAX({}) FROM {child_table} WHERE {fk} = ?",
                q(POSITION_COLUMN)
            ),
            Statement::LastPosition,
        ));
    }

    TypeStatements {
        top_level,
        insert_as_child,
        update_as_child,
        delete_as_child,
        update_at_position,
        select_children,
        select_children_of_many,
        child_rows,
        delete_children,
        last_position,
        delete_children_from,
        child_link,
    }
}

/// The pk of `ty`, a type saved as a top-level aggregate.
fn aggregate_pk(ty: &EntityType) -> &Field {
    ty.pk().expect("an aggregate type has a pk")
}

/// The texts of the update of a top-level row (binds: the updatable fields, then the pk) and
/// of its insert (binds: the fields), for saves that try the update first (see
/// [`TypeStatements::update_then_insert`] and [`Versioned`]). Every value goes through its
/// column's placeholder, as in the upsert.
/// `UPDATE` of the top-level row of `ty` by pk, setting `fields` (by index, in order);
/// binds: those fields, then the pk.
fn update_of(ty: &EntityType, dialect: Dialect, fields: &[usize]) -> String {
    let q = |name: &str| dialect.quote(name);
    let table = q(&ty.table);
    let pk = q(&aggregate_pk(ty).column);
    let marks = field_marks(ty, dialect);
    let mut set: Vec<String> = fields
        .iter()
        .map(|&i| format!("{} = {}", q(&ty.fields[i].column), marks[i]))
        .collect();
    if set.is_empty() {
        set.push(format!("{pk} = {pk}"));
    }
    format!(
        "UPDATE {table} SET {} WHERE {pk} = ? AND {}",
        set.join(", "),
        top_level_condition(ty, dialect)
    )
}

/// The update of the columns of `fields` (by index, in order: the updatable fields a diff
/// names) of the top-level row of `ty`; binds: those fields, the pk, then (a versioned
/// type, whose version is among `fields`) the version the state was based on.
pub(crate) fn named_update(ty: &EntityType, dialect: Dialect, fields: &[usize]) -> Sql {
    let mut text = update_of(ty, dialect, fields);
    if let Some(version) = ty.version {
        text.push_str(&format!(
            " AND {} = ?",
            dialect.quote(&ty.fields[version].column)
        ));
    }
    Sql::mapped(&text, Statement::UpdateNamedColumns)
}

fn update_else_insert(ty: &EntityType, dialect: Dialect) -> (String, String) {
    let q = |name: &str| dialect.quote(name);
    let table = q(&ty.table);
    let updatable: Vec<usize> = ty.updatable_fields().map(|(i, _)| i).collect();
    let update = update_of(ty, dialect, &updatable);
    let mut columns = field_list(ty, dialect);
    let mut values = field_marks(ty, dialect).join(", ");
    if dialect == Dialect::Mysql && ty.row_key() == RowKey::Surrogate {
        columns.push(q(TOP_LEVEL_COLUMN));
        values.push_str(", TRUE");
    }
    let insert = format!(
        "INSERT INTO {table} ({}) VALUES ({values})",
        columns.join(", ")
    );
    (update, insert)
}

/// The insert of a new top-level row of `ty` that writes nothing when its id is taken (on
/// SQLite and PostgreSQL; on MySQL it fails with a duplicate key); binds: the fields.
fn insert_if_absent(ty: &EntityType, dialect: Dialect) -> String {
    let (_, mut insert) = update_else_insert(ty, dialect);
    let pk = dialect.quote(&aggregate_pk(ty).column);
    match (dialect, ty.row_key()) {
        (Dialect::Mysql, _) => {}
        (_, RowKey::Surrogate) => insert.push_str(&format!(
            " ON CONFLICT ({pk}) WHERE {} DO NOTHING",
            top_level_condition(ty, dialect)
        )),
        (_, RowKey::Pk) => insert.push_str(&format!(" ON CONFLICT ({pk}) DO NOTHING")),
    }
    insert
}

/// The top-level upsert of `ty` in `dialect`.
fn upsert(ty: &EntityType, dialect: Dialect) -> Sql {
    let q = |name: &str| dialect.quote(name);
    let table = q(&ty.table);
    let pk = q(&aggregate_pk(ty).column);
    let mut columns = field_list(ty, dialect);
    let mut values = field_marks(ty, dialect).join(", ");
    let updated: Vec<&str> = ty
        .updatable_fields()
        .map(|(_, f)| f.column.as_str())
        .collect();
    // Nothing but the pk to store: a type that is never a child needs no update at all
    // (setting the pk to itself would make SQLite check every child row's foreign key).
    let only_pk = updated.is_empty();
    // Otherwise the pk is set to itself, so that the row counts as written.
    let updated = if updated.is_empty() {
        vec![aggregate_pk(ty).column.as_str()]
    } else {
        updated
    };

    if dialect == Dialect::Mysql {
        if ty.row_key() == RowKey::Surrogate {
            columns.push(q(TOP_LEVEL_COLUMN));
            values.push_str(", TRUE");
        }
        let set: Vec<String> = updated
            .iter()
            .map(|c| format!("{0} = VALUES({0})", q(c)))
            .collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES ({values}) ON DUPLICATE KEY UPDATE {}",
            columns.join(", "),
            set.join(", ")
        );
        return Sql::mapped(&sql, Statement::Upsert);
    }

    let set: Vec<String> = updated
        .iter()
        .map(|c| format!("{0} = excluded.{0}", q(c)))
        .collect();
    let insert = format!(
        "INSERT INTO {table} ({}) VALUES ({values})",
        columns.join(", ")
    );
    let sql = match ty.row_key() {
        RowKey::Surrogate => format!(
            "{insert} ON CONFLICT ({pk}) WHERE {} DO UPDATE SET {}",
            top_level_condition(ty, dialect),
            set.join(", ")
        ),
        RowKey::Pk if only_pk => format!("{insert} ON CONFLICT ({pk}) DO NOTHING"),
        RowKey::Pk => format!(
            "{insert} ON CONFLICT ({pk}) DO UPDATE SET {}",
            set.join(", ")
        ),
    };
    Sql::mapped(&sql, Statement::Upsert)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Model {
        crate::Registry::from_files(
            concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/app.schema.json"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/app.mapping.json"),
        )
        .unwrap()
        .model()
        .clone()
    }

    /// The statements of the demo's types, by type name.
    fn by_name(dialect: Dialect) -> std::collections::HashMap<String, TypeStatements> {
        let model = demo();
        let names = model.types.iter().map(|t| t.name.clone());
        names.zip(statements(&model, dialect)).collect()
    }

    #[test]
    fn sqlite_and_postgres_statements() {
        let all = by_name(Dialect::Sqlite);
        let todo = &all["Todo"];
        assert_eq!(
            todo.top().upsert.text(),
            "INSERT INTO \"todos\" (\"id\", \"title\", \"completed\") VALUES (?, ?, ?) ON CONFLICT (\"id\") WHERE \"todo_list_id\" IS NULL DO UPDATE SET \"title\" = excluded.\"title\", \"completed\" = excluded.\"completed\""
        );
        let insert = &todo.insert_as_child[0];
        assert_eq!(insert.binds_per_row, 5);
        assert_eq!(
            insert.statement(2).text(),
            "INSERT INTO \"todos\" (\"id\", \"title\", \"completed\", \"todo_list_id\", \"nasc_position\") VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)"
        );
        assert_eq!(insert.rows_per_statement(), MAX_ROWS_PER_INSERT);
        let list = &all["TodoList"];
        assert_eq!(
            list.select_children[0].text(),
            "SELECT \"id\", \"title\", \"completed\" FROM \"todos\" WHERE \"todo_list_id\" = ? ORDER BY \"nasc_position\""
        );
        assert_eq!(
            list.top().upsert.text(),
            "INSERT INTO \"todo_lists\" (\"id\") VALUES (?) ON CONFLICT (\"id\") DO NOTHING"
        );
        assert_eq!(
            by_name(Dialect::Postgres)["Todo"].top().upsert,
            todo.top().upsert
        );
    }

    #[test]
    fn child_rows_are_updated_in_batches_of_powers_of_two_on_postgres() {
        let postgres = &by_name(Dialect::Postgres)["Todo"];
        let update = postgres.update_as_child[0].as_ref().unwrap();
        assert_eq!(
            update.statement(2).text(),
            "UPDATE \"todos\" SET \"title\" = v.column1, \"completed\" = v.column2, \"nasc_position\" = v.column3 FROM (VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)) AS v (column1, column2, column3, column4, column5) WHERE \"todos\".\"todo_list_id\" = v.column4 AND \"todos\".\"id\" = v.column5"
        );
        assert_eq!(update.batches(10).collect::<Vec<_>>(), [8, 2]);
        assert_eq!(
            update.batches(1000).collect::<Vec<_>>(),
            [256, 256, 256, 128, 64, 32, 8]
        );
        assert!(postgres.update_at_position[0]
            .statement(1)
            .text()
            .ends_with("AND \"todos\".\"nasc_position\" = v.column3"));
        let sqlite = &by_name(Dialect::Sqlite)["Todo"];
        assert_eq!(
            sqlite.update_at_position[0].batches(3).collect::<Vec<_>>(),
            [1, 1, 1]
        );
        assert_eq!(
            sqlite.update_at_position[0].statement(1).text(),
            "UPDATE \"todos\" SET \"title\" = ?, \"completed\" = ? WHERE \"nasc_position\" = ? AND \"todo_list_id\" = ? AND \"id\" = ?"
        );
        let mysql = &by_name(Dialect::Mysql)["Todo"];
        assert_eq!(
            mysql.update_as_child[0].as_ref().unwrap().statement(1).text(),
            "UPDATE `todos` SET `title` = ?, `completed` = ?, `nasc_position` = ? WHERE `todo_list_id` = ? AND `id` = ?"
        );
    }

    #[test]
    fn mysql_statements_mark_top_level_rows() {
        let all = by_name(Dialect::Mysql);
        assert_eq!(
            all["Todo"].top().upsert.text(),
            "INSERT INTO `todos` (`id`, `title`, `completed`, `nasc_top_level`) VALUES (?, ?, ?, TRUE) ON DUPLICATE KEY UPDATE `title` = VALUES(`title`), `completed` = VALUES(`completed`)"
        );
        assert_eq!(
            all["TodoList"].delete_children[0].text(),
            "DELETE FROM `todos` WHERE `todo_list_id` = ?"
        );
    }
}
