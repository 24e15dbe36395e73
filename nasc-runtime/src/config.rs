//! Settings from the environment: [`StoreOptions::from_env`] and
//! [`MappedStore::from_env`](crate::MappedStore::from_env), for services configured the
//! twelve-factor way.

use crate::{Error, Migrations, StoreOptions};
use std::time::Duration;

/// The database URL.
pub const DATABASE_URL: &str = "DATABASE_URL";
/// Most connections open at once ([`StoreOptions::max_size`]).
pub const POOL_SIZE: &str = "NASC_POOL_SIZE";
/// How long a call waits for a connection, in milliseconds
/// ([`StoreOptions::connection_timeout`]).
pub const POOL_TIMEOUT_MS: &str = "NASC_POOL_TIMEOUT_MS";
/// `additive` or `all` ([`StoreOptions::migrations`]).
pub const MIGRATIONS: &str = "NASC_MIGRATIONS";
/// What a migration may drop, comma-separated: `table` or `table.column`
/// ([`StoreOptions::drops`]).
pub const DROPS: &str = "NASC_DROPS";
/// `true` or `false` ([`StoreOptions::change_log`]).
pub const CHANGE_LOG: &str = "NASC_CHANGE_LOG";
/// `true` or `false` ([`StoreOptions::test_on_checkout`]).
pub const TEST_ON_CHECKOUT: &str = "NASC_TEST_ON_CHECKOUT";
/// How many times a transaction the database gave up on runs again
/// ([`StoreOptions::retries`]).
pub const RETRIES: &str = "NASC_RETRIES";
/// The store's namespace ([`StoreOptions::namespace`]), checked when the store connects.
pub const NAMESPACE: &str = "NASC_NAMESPACE";

/// Every variable read, for documentation and error messages.
pub const VARIABLES: [&str; 9] = [
    DATABASE_URL,
    POOL_SIZE,
    POOL_TIMEOUT_MS,
    MIGRATIONS,
    DROPS,
    CHANGE_LOG,
    TEST_ON_CHECKOUT,
    RETRIES,
    NAMESPACE,
];

impl StoreOptions {
    /// The defaults, with what the `NASC_*` variables set (see the README's table); an
    /// unset or empty variable keeps its default, a value that does not parse is an
    /// [`Error::Config`] naming the variable.
    pub fn from_env() -> Result<StoreOptions, Error> {
        StoreOptions::from_vars(|name| std::env::var(name).ok())
    }

    /// [`Self::from_env`] reading the variables through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<StoreOptions, Error> {
        let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let mut options = StoreOptions::default();
        if let Some(size) = var(POOL_SIZE) {
            options.max_size = parse(POOL_SIZE, &size, "a number of connections, 1 or more")
                .and_then(|n: u32| match n {
                    0 => Err(invalid(
                        POOL_SIZE,
                        &size,
                        "a number of connections, 1 or more",
                    )),
                    n => Ok(n),
                })?;
        }
        if let Some(ms) = var(POOL_TIMEOUT_MS) {
            options.connection_timeout =
                Duration::from_millis(parse(POOL_TIMEOUT_MS, &ms, "milliseconds")?);
        }
        if let Some(policy) = var(MIGRATIONS) {
            options.migrations = match policy.trim().to_ascii_lowercase().as_str() {
                "additive" => Migrations::Additive,
                "all" => Migrations::All,
                _ => return Err(invalid(MIGRATIONS, &policy, "`additive` or `all`")),
            };
        }
        if let Some(drops) = var(DROPS) {
            options.drops = drops
                .split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
                .collect();
        }
        if let Some(flag) = var(CHANGE_LOG) {
            options.change_log = boolean(CHANGE_LOG, &flag)?;
        }
        if let Some(flag) = var(TEST_ON_CHECKOUT) {
            options.test_on_checkout = boolean(TEST_ON_CHECKOUT, &flag)?;
        }
        if let Some(retries) = var(RETRIES) {
            options.retries = parse(RETRIES, &retries, "a number of runs")?;
        }
        if let Some(namespace) = var(NAMESPACE) {
            crate::namespace::check(&namespace).map_err(|message| Error::Config {
                variable: NAMESPACE,
                message: format!("is {message}"),
            })?;
            options.namespace = Some(namespace);
        }
        Ok(options)
    }
}

/// `DATABASE_URL`, or the error that names it.
pub(crate) fn database_url(var: impl Fn(&str) -> Option<String>) -> Result<String, Error> {
    var(DATABASE_URL)
        .filter(|url| !url.trim().is_empty())
        .ok_or_else(|| Error::Config {
            variable: DATABASE_URL,
            message: "is not set: give the database's URL (`sqlite://app.db`, `postgres://...`, `mysql://...`)".to_owned(),
        })
}

fn parse<T: std::str::FromStr>(
    variable: &'static str,
    value: &str,
    what: &str,
) -> Result<T, Error> {
    value
        .trim()
        .parse()
        .map_err(|_| invalid(variable, value, what))
}

fn boolean(variable: &'static str, value: &str) -> Result<bool, Error> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(invalid(variable, value, "`true` or `false`")),
    }
}

fn invalid(variable: &'static str, value: &str, what: &str) -> Error {
    Error::Config {
        variable,
        message: format!("is `{}`, not {what}", nasc_model::error::bounded(value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn options(vars: &[(&str, &str)]) -> Result<StoreOptions, Error> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        StoreOptions::from_vars(|name| vars.get(name).cloned())
    }

    #[test]
    fn unset_variables_keep_the_defaults() {
        assert_eq!(options(&[]).unwrap(), StoreOptions::default());
        assert_eq!(
            options(&[(POOL_SIZE, " ")]).unwrap(),
            StoreOptions::default()
        );
    }

    #[test]
    fn every_variable_sets_its_option() {
        let set = options(&[
            (POOL_SIZE, "16"),
            (POOL_TIMEOUT_MS, "2500"),
            (MIGRATIONS, "All"),
            (DROPS, "old_table, cards.note,"),
            (CHANGE_LOG, "true"),
            (TEST_ON_CHECKOUT, "1"),
            (RETRIES, "0"),
            (NAMESPACE, "tenant_a"),
        ])
        .unwrap();
        assert_eq!(
            set,
            StoreOptions {
                max_size: 16,
                connection_timeout: Duration::from_millis(2500),
                migrations: Migrations::All,
                drops: vec!["old_table".into(), "cards.note".into()],
                change_log: true,
                replace_children: false,
                test_on_checkout: true,
                retries: 0,
                namespace: Some("tenant_a".into()),
            }
        );
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (variable, value, words) in [
            (POOL_SIZE, "0", "1 or more"),
            (POOL_SIZE, "-3", "1 or more"),
            (POOL_TIMEOUT_MS, "10s", "milliseconds"),
            (MIGRATIONS, "everything", "`additive` or `all`"),
            (CHANGE_LOG, "maybe", "`true` or `false`"),
            (RETRIES, "99999999999", "a number of runs"),
            (NAMESPACE, "Tenant-A", "lowercase ASCII letters"),
        ] {
            let text = options(&[(variable, value)]).unwrap_err().to_string();
            assert!(text.contains(variable), "{text}");
            assert!(text.contains(words), "{text}");
        }
        let text = database_url(|_| None).unwrap_err().to_string();
        assert!(text.contains("DATABASE_URL is not set"), "{text}");
    }
}
