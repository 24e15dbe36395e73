//! Namespaces: several stores in one database, each with its own tables, migrations,
//! change log and feeds ([`StoreOptions::namespace`](crate::StoreOptions::namespace)).
//!
//! On PostgreSQL a namespace is a schema: each connection's `search_path` names only it,
//! so every statement (and everything nasc keys on `current_schema()`: the schema lock, the
//! change log's turn, its `LISTEN` channel) stays inside. SQLite and MySQL have no schemas
//! within one database, so there a namespace is a prefix, `<namespace>__`, before the name
//! of every table nasc makes, its own tables included, and it is part of MySQL's lock names.

use crate::backend::MappedConnection;
use crate::{Error, Registry};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::QueryResult;
use nasc_model::Dialect;

/// What names a namespace: lowercase ASCII letters, digits and single `_` between them.
const RULES: &str = "a namespace is 1 to 30 lowercase ASCII letters, digits and single `_` \
    between them, starting with a letter (not `public`, nor starting with `pg_` or `nasc`)";

/// The longest namespace, leaving room for the table name after it.
const MAX_BYTES: usize = 30;

/// Where a store's tables live in its database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Namespace {
    /// The namespace's name; `None` for the database's own tables.
    name: Option<String>,
    dialect: Dialect,
    /// What goes before each table name: `<namespace>__` on SQLite and MySQL, nothing on
    /// PostgreSQL (its schema keeps the tables apart) or without a namespace.
    prefix: String,
}

impl Namespace {
    /// The namespace `name` on `dialect`, checked against the rules.
    pub(crate) fn new(name: Option<&str>, dialect: Dialect) -> Result<Namespace, Error> {
        if let Some(name) = name {
            check(name).map_err(|message| Error::Config {
                variable: "StoreOptions::namespace",
                message,
            })?;
        }
        let prefix = match (name, dialect) {
            (Some(name), Dialect::Sqlite | Dialect::Mysql) => format!("{name}__"),
            _ => String::new(),
        };
        Ok(Namespace {
            name: name.map(str::to_owned),
            dialect,
            prefix,
        })
    }

    /// The namespace's name, if the store has one.
    pub(crate) fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The name of one of nasc's own tables (`nasc_changes`, ...) in this namespace.
    pub(crate) fn table(&self, base: &str) -> String {
        format!("{}{base}", self.prefix)
    }

    /// `registry` with its tables in this namespace.
    pub(crate) fn registry(&self, registry: Registry) -> Result<Registry, Error> {
        let prefix = &self.prefix;
        if prefix.is_empty() {
            return Ok(registry);
        }
        registry
            .with_table_prefix(prefix)
            .map_err(|message| Error::Config {
                variable: "StoreOptions::namespace",
                message: format!("`{}`: {message}", prefix.trim_end_matches('_')),
            })
    }

    /// The statement each connection runs first: PostgreSQL's `search_path` set to the
    /// namespace's schema alone (the catalog's functions stay reachable; no table outside
    /// the namespace is).
    pub(crate) fn session(&self) -> Option<String> {
        match (&self.name, self.dialect) {
            (Some(name), Dialect::Postgres) => Some(format!(
                "SELECT set_config('search_path', '\"{name}\"', false)"
            )),
            _ => None,
        }
    }

    /// Puts a new connection inside the namespace ([`Self::session`]).
    pub(crate) fn enter<C: MappedConnection>(&self, conn: &mut C) -> QueryResult<()> {
        match self.session() {
            Some(statement) => conn.batch_execute(&statement),
            None => Ok(()),
        }
    }

    /// Readies a new connection: the backend's session settings, then the namespace.
    pub(crate) fn configure<C: MappedConnection>(&self, conn: &mut C) -> QueryResult<()> {
        conn.configure()?;
        self.enter(conn)
    }

    /// Makes the namespace's PostgreSQL schema if it is not there (two stores making it at
    /// once: the one that loses finds it made).
    pub(crate) fn create<C: MappedConnection>(&self, conn: &mut C) -> QueryResult<()> {
        let Some(statement) = self.create_schema() else {
            return Ok(());
        };
        match conn.batch_execute(&statement) {
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(()),
            result => result,
        }
    }

    /// The statement that makes the namespace's PostgreSQL schema, if it has one.
    pub(crate) fn create_schema(&self) -> Option<String> {
        match (&self.name, self.dialect) {
            (Some(name), Dialect::Postgres) => {
                Some(format!("CREATE SCHEMA IF NOT EXISTS \"{name}\""))
            }
            _ => None,
        }
    }

    /// MySQL's name of a lock that is the database's and the namespace's alone, as an SQL
    /// expression: `what` followed by a digest of the database's name (and the
    /// namespace's, where there is one; without one the name is the one every earlier
    /// version of nasc takes, so that they wait for each other).
    pub(crate) fn mysql_lock(&self, what: &str) -> String {
        match &self.name {
            None => format!("CONCAT('{what}:', SHA1(DATABASE()))"),
            Some(name) => format!("CONCAT('{what}:', SHA1(CONCAT(DATABASE(), '/{name}')))"),
        }
    }
}

/// `name` as a namespace: what is wrong with it, if anything, and the rules.
pub(crate) fn check(name: &str) -> Result<(), String> {
    match problem(name) {
        Some(problem) => Err(format!("`{}` {problem}: {RULES}", name.escape_debug())),
        None => Ok(()),
    }
}

/// What is wrong with `name` as a namespace, if anything.
fn problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("is empty");
    }
    if name.len() > MAX_BYTES {
        return Some("is too long");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Some("holds a character other than a lowercase ASCII letter, a digit or `_`");
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Some("does not start with a letter");
    }
    if name.ends_with('_') || name.contains("__") {
        return Some("has a `_` that is not single and between two letters or digits");
    }
    if name == "public" || name.starts_with("pg_") || name.starts_with("nasc") {
        return Some("is reserved");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_before_they_reach_sql() {
        for good in ["tenant_a", "a", "t1", "eu_west_2", &"x".repeat(30)] {
            assert!(problem(good).is_none(), "{good}");
        }
        for bad in [
            "",
            "Tenant",
            "tenant-a",
            "tenant a",
            "tenant_a ",
            "1tenant",
            "_tenant",
            "tenant_",
            "a__b",
            "public",
            "pg_temp",
            "nasc_x",
            "t\"; DROP TABLE x; --",
            "t'",
            "t\0",
            "ténant",
            &"x".repeat(31),
        ] {
            let error = Namespace::new(Some(bad), Dialect::Postgres).unwrap_err();
            let message = error.to_string();
            assert!(
                message.starts_with("StoreOptions::namespace `"),
                "{message}"
            );
            assert!(message.contains("lowercase ASCII letters"), "{message}");
        }
    }

    #[test]
    fn each_backend_keeps_namespaces_apart_its_own_way() {
        let sqlite = Namespace::new(Some("tenant_a"), Dialect::Sqlite).unwrap();
        assert_eq!(sqlite.table("nasc_changes"), "tenant_a__nasc_changes");
        assert_eq!(sqlite.session(), None);
        assert_eq!(sqlite.create_schema(), None);
        let postgres = Namespace::new(Some("tenant_a"), Dialect::Postgres).unwrap();
        assert_eq!(postgres.table("nasc_changes"), "nasc_changes");
        assert_eq!(
            postgres.session().unwrap(),
            "SELECT set_config('search_path', '\"tenant_a\"', false)"
        );
        let mysql = Namespace::new(Some("tenant_a"), Dialect::Mysql).unwrap();
        assert_eq!(mysql.table("nasc_feeds"), "tenant_a__nasc_feeds");
        assert_ne!(
            mysql.mysql_lock("nasc_schema"),
            Namespace::new(None, Dialect::Mysql)
                .unwrap()
                .mysql_lock("nasc_schema")
        );
        let none = Namespace::new(None, Dialect::Mysql).unwrap();
        assert_eq!(none.table("nasc_changes"), "nasc_changes");
        assert_eq!(
            none.mysql_lock("nasc_schema"),
            "CONCAT('nasc_schema:', SHA1(DATABASE()))"
        );
    }
}
