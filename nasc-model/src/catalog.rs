//! What a schema looks like in a database (tables, column definitions, indexes), and the
//! changes that turn one such catalog into another: additive ones applied automatically,
//! the others listed with the SQL that would make them, up and down.

use crate::ddl::{
    check_name, foreign_key_name, index_statements, render_create_table, table_parts, TableParts,
};
use crate::{Dialect, Model};
use serde::{Deserialize, Serialize};

/// The tables of a model in one dialect, as the database holds them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// The dialect the definitions are written in.
    pub dialect: Dialect,
    /// Tables, parents first.
    pub tables: Vec<TableCatalog>,
}

/// One table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableCatalog {
    /// Table name.
    pub name: String,
    /// `(name, definition after the name)`, in order.
    pub columns: Vec<(String, String)>,
    /// Table-level constraint lines.
    pub constraints: Vec<String>,
    /// What follows the closing parenthesis of `CREATE TABLE`.
    pub suffix: String,
    /// The table's former name, when the mapping declares one (not recorded: a rename
    /// applies to a database that holds the former name).
    #[serde(skip)]
    pub renamed_from: Option<String>,
    /// Renamed columns, `(former, current)` (not recorded either).
    #[serde(skip)]
    pub renamed_columns: Vec<(String, String)>,
    /// How the table's rows refer to their parents (not recorded either: a rebuild into
    /// the current layout of child keys reads it, see [`crate::relayout`]).
    #[serde(skip)]
    pub parents: Vec<crate::relayout::ParentColumns>,
    /// `(name, CREATE INDEX statement)` of the indexes outside `CREATE TABLE`.
    pub indexes: Vec<(String, String)>,
    /// The binary columns whose values carry a tag byte (the type shares large values,
    /// see [`crate::model::EntityType::share_binary_over`]). Recorded only when there are
    /// some, so that the catalogs of earlier versions keep their hash.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared: Vec<String>,
    /// What the names of the tables of shared values start with (a namespace's prefix),
    /// for the changes of sharing columns (not recorded).
    #[serde(skip)]
    pub table_prefix: String,
}

/// One difference between two catalogs.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// What changes, in words.
    pub description: String,
    /// Statements that make the change.
    pub up: Vec<String>,
    /// Statements that undo it.
    pub down: Vec<String>,
    /// Whether it only adds (applied automatically) rather than removes or alters.
    pub additive: bool,
    /// SQLite only: the change rebuilds a table, so it runs with foreign keys off.
    pub rebuilds_table: bool,
    /// What the change drops with its data: tables (`"table"`) and columns
    /// (`"table.column"`). A change that drops something is applied only when the user
    /// names each (`StoreOptions::drops`).
    pub drops: Vec<String>,
}

impl Catalog {
    /// The catalog `model` makes in `dialect`.
    pub fn of(model: &Model, dialect: Dialect) -> Catalog {
        let tables = model
            .parents_first()
            .into_iter()
            .map(|ty| {
                let TableParts {
                    columns,
                    constraints,
                    suffix,
                } = table_parts(ty, dialect);
                TableCatalog {
                    name: ty.table.clone(),
                    columns,
                    constraints,
                    suffix: suffix.to_owned(),
                    indexes: index_statements(ty, dialect),
                    renamed_from: ty.renamed_from.clone(),
                    renamed_columns: ty.renamed_columns.clone(),
                    parents: ty
                        .parents
                        .iter()
                        .map(|link| crate::relayout::ParentColumns {
                            fk_column: link.fk_column.clone(),
                            row_column: link.parent_row_column.clone(),
                            parent_table: link.parent_table.clone(),
                            parent_pk_column: link.parent_pk_column.clone(),
                        })
                        .collect(),
                    shared: ty.shared_columns().map(|(_, f)| f.column.clone()).collect(),
                    table_prefix: model.table_prefix.clone(),
                }
            })
            .collect();
        Catalog { dialect, tables }
    }

    /// The catalog as JSON, for the database's metadata table.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a catalog serialises")
    }

    /// A catalog read back from JSON.
    pub fn from_json(text: &str) -> Result<Catalog, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// A stable hash of the catalog (FNV-1a, hex).
    pub fn hash(&self) -> String {
        let mut hash: u64 = 0xcbf29ce484222325;
        for byte in self.to_json().bytes() {
            hash ^= byte as u64;
            hash = hash.wrapping_mul(0x100000001b3);
        }
        format!("{hash:016x}")
    }

    /// MySQL refuses to change the type of a column a foreign key uses: the foreign keys
    /// on key columns whose type changes are dropped before the changes and added back
    /// after them.
    fn drop_foreign_keys_around_key_changes(&self, target: &Catalog, changes: &mut Vec<Change>) {
        let q = |name: &str| Dialect::Mysql.quote(name);
        let retyped: Vec<(&str, &str)> = target
            .tables
            .iter()
            .filter_map(|t| Some((t, self.table(&t.name)?)))
            .flat_map(|(t, held)| {
                t.columns.iter().filter_map(move |(name, definition)| {
                    let old = held.column(name)?;
                    // (MySQL refuses to add or drop `AUTO_INCREMENT` on a referenced
                    // column too.)
                    let increments = |d: &str| d.contains(" AUTO_INCREMENT");
                    (column_type(old) != column_type(definition)
                        || increments(old) != increments(definition))
                    .then_some((t.name.as_str(), name.as_str()))
                })
            })
            .collect();
        let mut foreign_keys: Vec<(String, String, &str)> = Vec::new();
        for table in &target.tables {
            let Some(held) = self.table(&table.name) else {
                continue;
            };
            for line in table.constraints.iter().filter(|c| {
                c.starts_with("CONSTRAINT ")
                    && c.contains(" FOREIGN KEY (")
                    && held.constraints.contains(c)
            }) {
                let uses_retyped = retyped.iter().any(|(t, column)| {
                    (*t == table.name && line.contains(&format!("FOREIGN KEY ({})", q(column))))
                        || line.contains(&format!("REFERENCES {} ({})", q(t), q(column)))
                });
                if uses_retyped {
                    let name = line["CONSTRAINT ".len()..]
                        .split(" FOREIGN KEY")
                        .next()
                        .unwrap_or_default();
                    foreign_keys.push((q(&table.name), name.to_owned(), line));
                }
            }
        }
        if foreign_keys.is_empty() {
            return;
        }
        let drop: Vec<String> = foreign_keys
            .iter()
            .map(|(table, name, _)| format!("ALTER TABLE {table} DROP FOREIGN KEY {name}"))
            .collect();
        let add: Vec<String> = foreign_keys
            .iter()
            .map(|(table, _, line)| format!("ALTER TABLE {table} ADD {line}"))
            .collect();
        changes.insert(
            0,
            Change {
                description: "drop the foreign keys of key columns whose type changes (MySQL changes no key column a foreign key uses)".into(),
                up: drop.clone(),
                down: add.clone(),
                additive: false,
                rebuilds_table: false,
                drops: Vec::new(),
            },
        );
        changes.push(Change {
            description: "add those foreign keys back".into(),
            up: add,
            down: drop,
            additive: false,
            rebuilds_table: false,
            drops: Vec::new(),
        });
    }

    pub(crate) fn table(&self, name: &str) -> Option<&TableCatalog> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// The changes from `self` (what the database holds) to `target`.
    pub fn changes_to(&self, target: &Catalog) -> Vec<Change> {
        let dialect = target.dialect;
        let mut changes = Vec::new();
        // Tables renamed by the mapping: `(former, current)`, when the database holds the
        // former name and not the current one.
        let renamed: Vec<(&str, &str)> = target
            .tables
            .iter()
            .filter_map(|t| {
                let former = t.renamed_from.as_deref()?;
                (self.table(former).is_some() && self.table(&t.name).is_none())
                    .then_some((former, t.name.as_str()))
            })
            .collect();
        // Tables in an earlier layout of child keys are rebuilt, in one change.
        // (It comes where the first table it makes would.)
        let mut relayout = crate::relayout::Relayout::plan(self, target);
        let mut made_by_relayout: Vec<String> = Vec::new();
        for table in &target.tables {
            if let Some(r) = relayout.take_if(|r| r.tables.contains(&table.name)) {
                made_by_relayout = r.tables;
                changes.extend(r.changes);
            }
            if made_by_relayout.contains(&table.name) {
                continue;
            }
            let former = renamed
                .iter()
                .find(|(_, current)| *current == table.name)
                .and_then(|(former, _)| self.table(former));
            match (self.table(&table.name), former) {
                (Some(old), _) => {
                    let (view, renames) = old.renamed(table, dialect, &renamed);
                    changes.extend(renames);
                    changes.extend(view.changes_to(table, dialect));
                }
                (None, Some(old)) => {
                    let (from, to) = (dialect.quote(&old.name), dialect.quote(&table.name));
                    changes.push(Change {
                        description: format!(
                            "table `{}` is renamed `{}` (the mapping's `renamedFrom`)",
                            old.name, table.name
                        ),
                        up: vec![format!("ALTER TABLE {from} RENAME TO {to}")],
                        down: vec![format!("ALTER TABLE {to} RENAME TO {from}")],
                        additive: false,
                        rebuilds_table: false,
                        drops: Vec::new(),
                    });
                    let (view, renames) = old.renamed(table, dialect, &renamed);
                    changes.extend(renames);
                    changes.extend(view.changes_to(table, dialect));
                }
                (None, None) => changes.push(Change {
                    description: format!("new table `{}`", table.name),
                    up: table.create_statements(dialect),
                    down: vec![format!("DROP TABLE {}", dialect.quote(&table.name))],
                    additive: true,
                    rebuilds_table: false,
                    drops: Vec::new(),
                }),
            }
        }
        if dialect == Dialect::Mysql {
            self.drop_foreign_keys_around_key_changes(target, &mut changes);
        }
        for old in self.tables.iter().rev() {
            if target.table(&old.name).is_none()
                && !renamed.iter().any(|(former, _)| *former == old.name)
            {
                changes.push(Change {
                    description: format!(
                        "table `{}` is no longer in the schema: dropping it deletes its rows",
                        old.name
                    ),
                    up: vec![format!("DROP TABLE {}", dialect.quote(&old.name))],
                    down: old.create_statements(dialect),
                    additive: false,
                    rebuilds_table: false,
                    drops: vec![old.name.clone()],
                });
            }
        }
        changes
    }
}

/// The `DEFAULT` of a column definition, if it has one (`CHECK` and `CONSTRAINT` clauses,
/// which come last, left out).
fn column_default(definition: &str) -> Option<&str> {
    let at = definition.find(" DEFAULT ")?;
    let rest = &definition[at + " DEFAULT ".len()..];
    let end = [" CONSTRAINT ", " CHECK ("]
        .iter()
        .filter_map(|clause| rest.rfind(clause))
        .min()
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// The value that a column going from `old` to `new` takes where it holds NULL: the new
/// default, when the column becomes `NOT NULL` and has one (existing NULLs would otherwise
/// stop the change).
fn fill_for_nulls<'d>(old: &str, new: &'d str) -> Option<&'d str> {
    let not_null = |definition: &str| definition.contains(" NOT NULL");
    (!not_null(old) && not_null(new))
        .then(|| column_default(new))
        .flatten()
}

/// `"table.column"` when a column's type changes in a way that may change its values (a
/// fraction rounded to an integer, an integer beyond 2^53 made a float, a text parsed):
/// such a change is made only when the user names it, like a drop. nasc's own changes of
/// how it stores a value (MySQL's binary keys, `date-time` columns) keep every value.
fn converted(table: &str, column: &str, old: &str, new: &str) -> Option<String> {
    let (from, to) = (column_type(old), column_type(new));
    let keeps_values = from == to
        || matches!(
            (from, to),
            ("VARCHAR(255)", "VARBINARY(1020)")
                | ("TEXT", "TIMESTAMPTZ")
                | ("LONGTEXT", "DATETIME(6)")
        );
    (!keeps_values).then(|| format!("{table}.{column}"))
}

/// A column definition that needs a value in existing rows: `NOT NULL` without `DEFAULT`.
fn needs_value(definition: &str) -> bool {
    definition.contains("NOT NULL") && !definition.contains("DEFAULT")
}

/// The type part of a column definition (before its nullability).
fn column_type(definition: &str) -> &str {
    let end = [
        " NOT NULL",
        " NULL",
        " PRIMARY KEY",
        " GENERATED",
        " AUTO_INCREMENT",
    ]
    .iter()
    .filter_map(|marker| definition.find(marker))
    .min()
    .unwrap_or(definition.len());
    &definition[..end]
}

impl TableCatalog {
    /// This table (as the database holds it) once renamed as `target` declares: its name
    /// `target`'s, and each column `target` renames (held under its former name, not yet
    /// under its current one) under its current name, with the changes that rename them;
    /// `tables` are the renamed tables, `(former, current)`.
    /// Every quoted mention of a former name in the definitions, constraints and indexes
    /// follows, and on PostgreSQL the named `CHECK` of a renamed column or table is
    /// renamed too.
    fn renamed(
        &self,
        target: &TableCatalog,
        dialect: Dialect,
        tables: &[(&str, &str)],
    ) -> (TableCatalog, Vec<Change>) {
        let q = |name: &str| dialect.quote(name);
        let mut view = self.clone();
        let mut changes = Vec::new();
        // Every renamed table, this one or a parent its foreign keys reference.
        let mut replacements: Vec<(String, String)> =
            tables.iter().map(|(from, to)| (q(from), q(to))).collect();
        let table = q(&target.name);
        for (former, current) in &target.renamed_columns {
            if self.column(former).is_none() || self.column(current).is_some() {
                continue;
            }
            let (from, to) = (q(former), q(current));
            changes.push(Change {
                description: format!(
                    "table `{}`: column `{former}` is renamed `{current}` (the mapping's `renamed`)",
                    target.name
                ),
                up: vec![format!("ALTER TABLE {table} RENAME COLUMN {from} TO {to}")],
                down: vec![format!("ALTER TABLE {table} RENAME COLUMN {to} TO {from}")],
                additive: false,
                rebuilds_table: false,
                drops: Vec::new(),
            });
            for column in &mut view.columns {
                if column.0 == *former {
                    column.0 = current.clone();
                }
            }
            replacements.push((from, to));
        }
        view.name = target.name.clone();
        if dialect == Dialect::Postgres {
            // Named CHECKs carry the table's and the column's names.
            let former_names: Vec<(String, String)> = self
                .columns
                .iter()
                .zip(&view.columns)
                .map(|((former, _), (current, _))| {
                    (
                        check_name(&self.name, former),
                        check_name(&target.name, current),
                    )
                })
                .filter(|(a, b)| a != b)
                .collect();
            for (from, to) in former_names {
                if self.columns.iter().any(|(_, d)| d.contains(&q(&from))) {
                    changes.push(Change {
                        description: format!(
                            "table `{}`: check `{from}` is renamed `{to}`",
                            target.name
                        ),
                        up: vec![format!(
                            "ALTER TABLE {table} RENAME CONSTRAINT {} TO {}",
                            q(&from),
                            q(&to)
                        )],
                        down: vec![format!(
                            "ALTER TABLE {table} RENAME CONSTRAINT {} TO {}",
                            q(&to),
                            q(&from)
                        )],
                        additive: false,
                        rebuilds_table: false,
                        drops: Vec::new(),
                    });
                    replacements.push((q(&from), q(&to)));
                }
            }
        }
        let rewrite = |text: &mut String| {
            for (from, to) in &replacements {
                *text = text.replace(from.as_str(), to);
            }
        };
        for (_, definition) in &mut view.columns {
            rewrite(definition);
        }
        for line in &mut view.constraints {
            rewrite(line);
        }
        for (_, statement) in &mut view.indexes {
            rewrite(statement);
        }
        (view, changes)
    }

    fn parts(&self) -> TableParts {
        TableParts {
            columns: self.columns.clone(),
            constraints: self.constraints.clone(),
            suffix: match self.suffix.as_str() {
                " STRICT" => " STRICT",
                "" => "",
                _ => " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
            },
        }
    }

    pub(crate) fn create_statements(&self, dialect: Dialect) -> Vec<String> {
        let mut statements = vec![render_create_table(&self.name, &self.parts(), dialect)];
        statements.extend(self.indexes.iter().map(|(_, sql)| sql.clone()));
        statements
    }

    pub(crate) fn column(&self, name: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| d.as_str())
    }

    /// Changes of a table present in both catalogs.
    fn changes_to(&self, target: &TableCatalog, dialect: Dialect) -> Vec<Change> {
        let q = |name: &str| dialect.quote(name);
        let table = q(&target.name);
        let mut changes = Vec::new();
        let altered: Vec<&(String, String)> = target
            .columns
            .iter()
            .filter(|(name, definition)| self.column(name).is_some_and(|old| old != definition))
            .collect();
        let removed: Vec<&(String, String)> = self
            .columns
            .iter()
            .filter(|(name, _)| target.column(name).is_none())
            .collect();
        let key_changed = self
            .constraints
            .iter()
            .find(|c| c.starts_with("PRIMARY KEY"))
            != target
                .constraints
                .iter()
                .find(|c| c.starts_with("PRIMARY KEY"));

        if dialect == Dialect::Sqlite && (!altered.is_empty() || key_changed) {
            // SQLite alters no column in place: the table is rebuilt with its new shape.
            let mut what: Vec<String> = altered
                .iter()
                .map(|(name, definition)| {
                    format!(
                        "column `{name}` changes from `{}` to `{definition}`",
                        self.column(name).unwrap_or_default()
                    )
                })
                .collect();
            if key_changed {
                what.push("its primary key changes".into());
            }
            what.extend(
                removed
                    .iter()
                    .map(|(name, _)| format!("column `{name}` is removed (its data is lost)")),
            );
            changes.push(Change {
                description: format!(
                    "table `{}`: {}; SQLite rebuilds the table",
                    target.name,
                    what.join(", ")
                ),
                up: rebuild(self, target, dialect),
                down: rebuild(target, self, dialect),
                additive: false,
                rebuilds_table: true,
                drops: removed
                    .iter()
                    .map(|(name, _)| format!("{}.{name}", target.name))
                    .chain(altered.iter().filter_map(|(name, definition)| {
                        converted(&target.name, name, self.column(name)?, definition)
                    }))
                    .collect(),
            });
        } else {
            for (name, definition) in &altered {
                let old = self.column(name).unwrap_or_default();
                let (mut up, down) = match dialect {
                    Dialect::Mysql => (
                        vec![format!(
                            "ALTER TABLE {table} MODIFY COLUMN {} {definition}",
                            q(name)
                        )],
                        vec![format!(
                            "ALTER TABLE {table} MODIFY COLUMN {} {old}",
                            q(name)
                        )],
                    ),
                    _ => (
                        postgres_alter(&target.name, name, old, definition),
                        postgres_alter(&target.name, name, definition, old),
                    ),
                };
                if let Some(value) = fill_for_nulls(old, definition) {
                    // First, in the same migration: existing NULLs take the default.
                    up.insert(
                        0,
                        format!(
                            "UPDATE {table} SET {column} = {value} WHERE {column} IS NULL",
                            column = q(name)
                        ),
                    );
                }
                changes.push(Change {
                    description: format!(
                        "table `{}`: column `{name}` changes from `{old}` to `{definition}`",
                        target.name
                    ),
                    up,
                    down,
                    additive: false,
                    rebuilds_table: false,
                    drops: converted(&target.name, name, old, definition)
                        .into_iter()
                        .collect(),
                });
            }
            if key_changed {
                changes.push(Change {
                    description: format!(
                        "table `{}`: its primary key changes; recreate the table and copy its rows",
                        target.name
                    ),
                    up: vec![format!(
                        "-- recreate {table} with: {}",
                        render_create_table(&target.name, &target.parts(), dialect)
                    )],
                    down: vec![],
                    additive: false,
                    rebuilds_table: false,
                    drops: Vec::new(),
                });
            }
            for (name, definition) in &removed {
                changes.push(Change {
                    description: format!("table `{}`: column `{name}` is no longer in the schema: dropping it deletes its data", target.name),
                    up: vec![format!("ALTER TABLE {table} DROP COLUMN {}", q(name))],
                    down: vec![format!("ALTER TABLE {table} ADD COLUMN {} {definition}", q(name))],
                    additive: false,
                    rebuilds_table: false,
                    drops: vec![format!("{}.{name}", target.name)],
                });
            }
        }

        let rebuilt = changes.iter().any(|c| c.rebuilds_table);
        if !rebuilt {
            for (name, definition) in target
                .columns
                .iter()
                .filter(|(name, _)| self.column(name).is_none())
            {
                let mut up = vec![format!(
                    "ALTER TABLE {table} ADD COLUMN {} {definition}",
                    q(name)
                )];
                // MySQL declares foreign keys at table level, and must drop one before its
                // column.
                let mut down = Vec::new();
                for line in target
                    .constraints
                    .iter()
                    .filter(|c| c.contains(&format!("FOREIGN KEY ({}) ", q(name))))
                {
                    up.push(format!("ALTER TABLE {table} ADD {line}"));
                    down.push(format!(
                        "ALTER TABLE {table} DROP FOREIGN KEY {}",
                        q(&foreign_key_name(&target.name, name))
                    ));
                }
                down.push(format!("ALTER TABLE {table} DROP COLUMN {}", q(name)));
                let additive = !needs_value(definition);
                let description = if additive {
                    format!("table `{}`: new column `{name}`", target.name)
                } else {
                    format!("table `{}`: new required column `{name}` without a default: existing rows have no value for it", target.name)
                };
                changes.push(Change {
                    description,
                    up,
                    down,
                    additive,
                    rebuilds_table: false,
                    drops: Vec::new(),
                });
            }
            // Keys and indexes MySQL declares inside the table (`KEY `name` (...)`).
            for line in target.constraints.iter().filter(|c| {
                !self.constraints.contains(c)
                    && (c.starts_with("KEY") || c.starts_with("UNIQUE KEY"))
            }) {
                let name = line.split_once(" (").map_or("", |(head, _)| {
                    head.trim_start_matches("UNIQUE ")
                        .trim_start_matches("KEY ")
                });
                changes.push(Change {
                    description: format!("table `{}`: new index {name}", target.name),
                    up: vec![format!("ALTER TABLE {table} ADD {line}")],
                    down: vec![format!("ALTER TABLE {table} DROP INDEX {name}")],
                    additive: true,
                    rebuilds_table: false,
                    drops: Vec::new(),
                });
            }
            for (name, create) in target
                .indexes
                .iter()
                .filter(|(name, _)| !self.indexes.iter().any(|(n, _)| n == name))
            {
                changes.push(Change {
                    description: format!("table `{}`: new index `{name}`", target.name),
                    up: vec![create.clone()],
                    down: vec![format!("DROP INDEX IF EXISTS {}", q(name))],
                    additive: true,
                    rebuilds_table: false,
                    drops: Vec::new(),
                });
            }
        }
        // Values are tagged before their column's check asks for tags, and untagged after
        // it stops asking.
        let mut tagged = self.sharing_changes(target, dialect, true);
        tagged.append(&mut changes);
        tagged.extend(self.sharing_changes(target, dialect, false));
        tagged
    }

    /// The changes of the binary columns that begin (`begin`) or stop sharing large
    /// values: a column that begins has a tag byte put before each of its values (`0`: the
    /// value follows); one that stops has each value taken back out of the shared table or
    /// out of its tag. Both keep every value; they come with the change of the column's
    /// check, and are applied with it. (A value no row holds by hash any more stays in the
    /// shared table until its holder is next saved or removed by a store that shares.)
    fn sharing_changes(&self, target: &TableCatalog, dialect: Dialect, begin: bool) -> Vec<Change> {
        let table = dialect.quote(&target.name);
        let values = dialect.quote(&format!(
            "{}{}",
            target.table_prefix,
            crate::naming::SHARED_VALUES_TABLE
        ));
        let (from, to) = match begin {
            true => (self, target),
            false => (target, self),
        };
        to.shared
            .iter()
            .filter(|c| !from.shared.contains(c) && from.column(c).is_some())
            .map(|column| {
                let (tag, untag) = (
                    tag_statement(&table, column, dialect),
                    untag_statement(&table, column, &values, dialect),
                );
                let (up, down, what) = match begin {
                    true => (tag, untag, "begins"),
                    false => (untag, tag, "stops"),
                };
                // (Untagging reads the table of shared values: made when missing, so that
                // migration files run and revert wherever they are run.)
                let tables =
                    crate::ddl::shared_values_tables(&target.table_prefix, dialect);
                let up = tables.iter().cloned().chain([up]).collect();
                let down = tables.into_iter().chain([down]).collect();
                Change {
                    description: format!(
                        "table `{}`: binary column `{column}` {what} sharing values over the mapping's `shareBinaryOver` (every value rewritten)",
                        target.name
                    ),
                    up,
                    down,
                    additive: false,
                    rebuilds_table: false,
                    drops: Vec::new(),
                }
            })
            .collect()
    }
}

/// The statement that puts tag `0` (the value follows) before every value of `column`.
fn tag_statement(table: &str, column: &str, dialect: Dialect) -> String {
    let c = dialect.quote(column);
    let zero = crate::ddl::TagSql::of(&c, dialect).zero;
    let tagged = match dialect {
        Dialect::Sqlite => format!("CAST({zero} || {c} AS BLOB)"),
        Dialect::Postgres => format!("{zero} || {c}"),
        Dialect::Mysql => format!("CONCAT({zero}, {c})"),
    };
    format!("UPDATE {table} SET {c} = {tagged} WHERE {c} IS NOT NULL")
}

/// The statement that makes every value of `column` plain again: the bytes after tag `0`,
/// or the shared value whose hash follows tag `1`.
fn untag_statement(table: &str, column: &str, values: &str, dialect: Dialect) -> String {
    let c = dialect.quote(column);
    let crate::ddl::TagSql {
        first, rest, one, ..
    } = crate::ddl::TagSql::of(&c, dialect);
    format!(
        "UPDATE {table} SET {c} = CASE WHEN {first} = {one} THEN (SELECT v.{bytes} FROM {values} v WHERE v.{hash} = {rest}) ELSE {rest} END WHERE {c} IS NOT NULL",
        bytes = dialect.quote(crate::naming::SHARED_BYTES_COLUMN),
        hash = dialect.quote(crate::naming::SHARED_HASH_COLUMN),
    )
}

/// A PostgreSQL column definition in its parts: type, nullability, default and `CHECK`.
struct PostgresColumn<'d> {
    sql_type: &'d str,
    not_null: bool,
    default: Option<&'d str>,
    check: Option<&'d str>,
    /// An `increment` pk: `GENERATED BY DEFAULT AS IDENTITY`.
    identity: bool,
}

impl<'d> PostgresColumn<'d> {
    /// Splits `definition` of `column` in `table` (its `CHECK` is the named one, last).
    fn parse(table: &str, column: &str, definition: &'d str) -> Self {
        let marker = format!(
            " CONSTRAINT {} CHECK ",
            Dialect::Postgres.quote(&check_name(table, column))
        );
        let (rest, check) = match definition.rfind(&marker) {
            Some(at) => (&definition[..at], Some(&definition[at + marker.len()..])),
            None => (definition, None),
        };
        let identity = rest.contains(IDENTITY);
        // (The identity's own `BY DEFAULT` is not a default value.)
        let default = rest
            .find(" DEFAULT ")
            .filter(|_| !identity)
            .map(|at| &rest[at + 9..]);
        PostgresColumn {
            sql_type: column_type(definition),
            not_null: rest.contains(" NOT NULL"),
            default,
            check,
            identity,
        }
    }
}

/// PostgreSQL's declaration of an `increment` pk (see [`crate::Generated`]).
const IDENTITY: &str = " GENERATED BY DEFAULT AS IDENTITY";

/// PostgreSQL's statements bringing a column from the definition `old` to `new`: its type,
/// nullability, default and `CHECK`, each only where it differs.
fn postgres_alter(table: &str, column: &str, old: &str, new: &str) -> Vec<String> {
    let (from, to) = (
        PostgresColumn::parse(table, column, old),
        PostgresColumn::parse(table, column, new),
    );
    let alter = format!("ALTER TABLE {}", Dialect::Postgres.quote(table));
    let check = Dialect::Postgres.quote(&check_name(table, column));
    let column_name = column;
    let column = Dialect::Postgres.quote(column);
    let mut statements = Vec::new();
    let check_changes = from.check != to.check || from.sql_type != to.sql_type;
    // The old CHECK goes first: it may not apply to the new type.
    if check_changes && from.check.is_some() {
        statements.push(format!("{alter} DROP CONSTRAINT IF EXISTS {check}"));
    }
    if from.sql_type != to.sql_type {
        let sql_type = to.sql_type;
        statements.push(format!(
            "{alter} ALTER COLUMN {column} TYPE {sql_type} USING {column}::{sql_type}"
        ));
    }
    if from.not_null != to.not_null {
        let nullability = if to.not_null {
            "SET NOT NULL"
        } else {
            "DROP NOT NULL"
        };
        statements.push(format!("{alter} ALTER COLUMN {column} {nullability}"));
    }
    if from.default != to.default {
        statements.push(match to.default {
            Some(default) => format!("{alter} ALTER COLUMN {column} SET DEFAULT {default}"),
            None => format!("{alter} ALTER COLUMN {column} DROP DEFAULT"),
        });
    }
    if from.identity != to.identity {
        if to.identity {
            // The sequence starts past the keys stored.
            let sequence = format!(
                "pg_get_serial_sequence({}, {})",
                Dialect::Postgres.string_literal(&Dialect::Postgres.quote(table)),
                Dialect::Postgres.string_literal(column_name)
            );
            statements.push(format!(
                "{alter} ALTER COLUMN {column} ADD GENERATED BY DEFAULT AS IDENTITY"
            ));
            statements.push(format!(
                "SELECT setval({sequence}, (SELECT COALESCE(MAX({column}), 0) + 1 FROM {}), false)",
                Dialect::Postgres.quote(table)
            ));
        } else {
            statements.push(format!(
                "{alter} ALTER COLUMN {column} DROP IDENTITY IF EXISTS"
            ));
        }
    }
    if let Some(condition) = to.check.filter(|_| check_changes) {
        statements.push(format!("{alter} ADD CONSTRAINT {check} CHECK {condition}"));
    }
    statements
}

/// SQLite's rebuild of `from` into the shape of `to`, keeping the columns both have.
fn rebuild(from: &TableCatalog, to: &TableCatalog, dialect: Dialect) -> Vec<String> {
    let q = |name: &str| dialect.quote(name);
    let temporary = format!("{}__nasc_rebuild", to.name);
    let kept: Vec<(&str, &str, &str)> = to
        .columns
        .iter()
        .filter_map(|(name, new)| Some((name.as_str(), from.column(name)?, new.as_str())))
        .collect();
    let columns: Vec<String> = kept.iter().map(|(name, _, _)| q(name)).collect();
    // A column that becomes NOT NULL with a default takes it where it held NULL.
    let values: Vec<String> = kept
        .iter()
        .map(|(name, old, new)| match fill_for_nulls(old, new) {
            Some(value) => format!("COALESCE({}, {value})", q(name)),
            None => q(name),
        })
        .collect();
    let mut statements = vec![
        render_create_table(&temporary, &to.parts(), dialect),
        format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            q(&temporary),
            columns.join(", "),
            values.join(", "),
            q(&from.name),
        ),
        format!("DROP TABLE {}", q(&from.name)),
        format!("ALTER TABLE {} RENAME TO {}", q(&temporary), q(&to.name)),
    ];
    statements.extend(to.indexes.iter().map(|(_, sql)| sql.clone()));
    statements
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::build;
    use crate::Source;

    fn catalog(properties: &str, dialect: Dialect) -> Catalog {
        let schema = format!(
            r##"{{"$defs": {{"List": {{"type": "object", "properties": {{"id": {{"type": "string"}}, "items": {{"type": "array", "items": {{"$ref": "#/$defs/Item"}}}}}}, "required": ["id"]}},
                "Item": {{"type": "object", "properties": {{"id": {{"type": "string"}}{properties}}}, "required": ["id"]}}}}}}"##
        );
        let model = build(
            &Source::new("s", schema),
            &Source::new("m", r#"{"List": {}, "Item": {}}"#),
        )
        .unwrap();
        Catalog::of(&model, dialect)
    }

    /// The catalog of a `Doc` with a binary property, sharing values over `over` bytes.
    fn sharing(over: Option<u64>, dialect: Dialect) -> Catalog {
        let schema = r#"{"$defs": {"Doc": {"type": "object", "properties": {"id": {"type": "string"}, "data": {"type": "string", "contentEncoding": "base64"}}, "required": ["id"]}}}"#;
        let block = match over {
            Some(over) => format!(r#"{{"Doc": {{"x-na:store": {{"shareBinaryOver": {over}}}}}}}"#),
            None => r#"{"Doc": {}}"#.to_owned(),
        };
        let model = build(&Source::new("s", schema), &Source::new("m", block)).unwrap();
        Catalog::of(&model, dialect)
    }

    /// Turning sharing on tags every value before the column's check asks for tags;
    /// turning it off untags after the check is gone; neither applies unasked, and a
    /// change of the size alone changes nothing. A catalog that shares nothing records no
    /// `shared` (earlier catalogs keep their hash).
    #[test]
    fn sharing_turned_on_and_off_rewrites_values_around_the_check() {
        for dialect in Dialect::ALL {
            let (off, on) = (sharing(None, dialect), sharing(Some(64), dialect));
            assert!(!off.to_json().contains("shared"));
            assert_eq!(on.tables[0].shared, ["data"]);
            assert!(on.tables[0].column("data").unwrap().contains("CHECK"));
            assert_eq!(on.hash(), sharing(Some(1 << 20), dialect).hash());
            let changes = off.changes_to(&on);
            let first = &changes[0];
            assert!(first.description.contains("begins sharing"), "{changes:?}");
            assert!(
                first.up[0].contains("CREATE TABLE IF NOT EXISTS"),
                "{first:?}"
            );
            assert!(first.up.last().unwrap().starts_with("UPDATE"), "{first:?}");
            assert!(changes[1..]
                .iter()
                .any(|c| c.description.contains("changes from") || c.rebuilds_table));
            let changes = on.changes_to(&off);
            let last = changes.last().unwrap();
            assert!(last.description.contains("stops sharing"), "{changes:?}");
            assert!(
                last.up.last().unwrap().contains("nasc_shared_values"),
                "{last:?}"
            );
            assert!(changes.iter().all(|c| !c.additive), "{changes:?}");
            assert!(on.changes_to(&on).is_empty());
        }
    }

    #[test]
    fn catalogs_round_trip_through_json_and_hash_stably() {
        let c = catalog("", Dialect::Postgres);
        // What is recorded survives (the model's renames and parent links are not recorded).
        let back = Catalog::from_json(&c.to_json()).unwrap();
        assert_eq!(back.to_json(), c.to_json());
        assert_eq!(back.tables[1].columns, c.tables[1].columns);
        assert_eq!(c.hash(), catalog("", Dialect::Postgres).hash());
        assert_ne!(
            c.hash(),
            catalog(r#", "x": {"type": "string"}"#, Dialect::Postgres).hash()
        );
    }

    #[test]
    fn a_new_nullable_column_is_additive_and_a_removed_one_is_not() {
        for dialect in Dialect::ALL {
            let v1 = catalog(r#", "title": {"type": "string"}"#, dialect);
            let v2 = catalog(
                r#", "title": {"type": "string"}, "note": {"type": "string"}"#,
                dialect,
            );
            let changes = v1.changes_to(&v2);
            assert_eq!(changes.len(), 1, "{changes:?}");
            assert!(changes[0].additive);
            assert!(
                changes[0].up[0].starts_with("ALTER TABLE")
                    && changes[0].up[0].contains("ADD COLUMN"),
                "{:?}",
                changes[0].up
            );
            let back = v2.changes_to(&v1);
            assert_eq!(back.len(), 1);
            assert!(!back[0].additive);
            assert!(
                back[0].description.contains("`note`"),
                "{}",
                back[0].description
            );
        }
    }

    #[test]
    fn a_type_change_is_listed_with_its_sql_per_dialect() {
        let change = |dialect| {
            let v1 = catalog(r#", "n": {"type": "integer"}"#, dialect);
            let v2 = catalog(r#", "n": {"type": "string"}"#, dialect);
            v1.changes_to(&v2).remove(0)
        };
        let pg = change(Dialect::Postgres);
        assert!(!pg.additive);
        assert_eq!(
            pg.up[0],
            "ALTER TABLE \"items\" ALTER COLUMN \"n\" TYPE TEXT USING \"n\"::TEXT"
        );
        let mysql = change(Dialect::Mysql);
        assert_eq!(
            mysql.up[0],
            "ALTER TABLE `items` MODIFY COLUMN `n` LONGTEXT NULL"
        );
        let sqlite = change(Dialect::Sqlite);
        assert!(sqlite.rebuilds_table);
        assert!(
            sqlite.up[1].starts_with("INSERT INTO \"items__nasc_rebuild\""),
            "{:?}",
            sqlite.up
        );
        assert_eq!(
            pg.description,
            "table `items`: column `n` changes from `BIGINT NULL` to `TEXT NULL`"
        );
        assert!(pg.down[0].contains("TYPE BIGINT USING"), "{:?}", pg.down);
        assert_eq!(pg.drops, ["items.n"], "a type change is named like a drop");
    }

    #[test]
    fn postgres_replaces_a_changed_check_and_default_around_the_type_change() {
        let v1 = catalog(
            r#", "n": {"type": "integer", "maximum": 5}"#,
            Dialect::Postgres,
        );
        let v2 = catalog(
            r#", "n": {"type": "number", "maximum": 50, "default": 1}"#,
            Dialect::Postgres,
        );
        let change = v1.changes_to(&v2).remove(0);
        assert_eq!(
            change.up,
            [
                "ALTER TABLE \"items\" DROP CONSTRAINT IF EXISTS \"items_n_check\"",
                "ALTER TABLE \"items\" ALTER COLUMN \"n\" TYPE DOUBLE PRECISION USING \"n\"::DOUBLE PRECISION",
                "ALTER TABLE \"items\" ALTER COLUMN \"n\" SET DEFAULT 1",
                "ALTER TABLE \"items\" ADD CONSTRAINT \"items_n_check\" CHECK (\"n\" <= 50.0)",
            ]
        );
        assert_eq!(
            change.down[2],
            "ALTER TABLE \"items\" ALTER COLUMN \"n\" DROP DEFAULT"
        );
        assert_eq!(
            change.down[3],
            "ALTER TABLE \"items\" ADD CONSTRAINT \"items_n_check\" CHECK (\"n\" <= 5.0)"
        );
        // Only the bound changes: the type is left alone.
        let v3 = catalog(
            r#", "n": {"type": "integer", "maximum": 9}"#,
            Dialect::Postgres,
        );
        let change = v1.changes_to(&v3).remove(0);
        assert_eq!(change.up.len(), 2, "{:?}", change.up);
    }

    #[test]
    fn a_required_column_without_default_is_not_additive() {
        let v1 = catalog("", Dialect::Postgres);
        let mut v2 = catalog(r#", "n": {"type": "integer"}"#, Dialect::Postgres);
        for (name, definition) in &mut v2.tables[1].columns {
            if name == "n" {
                *definition = "BIGINT NOT NULL".into();
            }
        }
        let changes = v1.changes_to(&v2);
        assert!(
            !changes[0].additive && changes[0].description.contains("without a default"),
            "{changes:?}"
        );
    }

    /// A renamed column keeps its data and its CHECK: on PostgreSQL the named check is
    /// renamed with it, nothing is dropped or added.
    #[test]
    fn a_renamed_constrained_column_is_renamed_with_its_check() {
        let catalog = |property: &str, mapping: &str| {
            let schema = format!(
                r#"{{"$defs": {{"T": {{"type": "object", "properties": {{"id": {{"type": "string"}}, "{property}": {{"type": "string", "maxLength": 5}}}}, "required": ["id"]}}}}}}"#
            );
            let model = build(&Source::new("s", schema), &Source::new("m", mapping)).unwrap();
            Catalog::of(&model, Dialect::Postgres)
        };
        let v1 = catalog("note", r#"{"T": {}}"#);
        let v2 = catalog(
            "comment",
            r#"{"T": {"x-na:store": {"renamed": {"note": "comment"}}}}"#,
        );
        let changes = v1.changes_to(&v2);
        let up: Vec<&str> = changes
            .iter()
            .flat_map(|c| c.up.iter().map(String::as_str))
            .collect();
        assert_eq!(
            up,
            [
                r#"ALTER TABLE "ts" RENAME COLUMN "note" TO "comment""#,
                r#"ALTER TABLE "ts" RENAME CONSTRAINT "ts_note_check" TO "ts_comment_check""#,
            ],
            "{changes:#?}"
        );
        assert!(changes.iter().all(|c| c.drops.is_empty() && !c.additive));
        // Once applied (recorded), nothing is left to do.
        let recorded = Catalog::from_json(&v2.to_json()).unwrap();
        assert!(recorded.changes_to(&v2).is_empty());
    }
}
