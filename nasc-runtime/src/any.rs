//! `MappedStore`: the mapped store of whichever backend a URL names.

use crate::{Error, Registry, Store, StoreOptions};
use serde_json::Value;

/// An enum with one variant per compiled-in backend, delegating `Store` to it.
macro_rules! backend_enum {
    ($(#[$doc:meta])* $name:ident $(<$lt:lifetime>)? { $sqlite:ty, $postgres:ty, $mysql:ty }) => {
        $(#[$doc])*
        #[non_exhaustive]
        pub enum $name $(<$lt>)? {
            /// SQLite.
            #[cfg(feature = "sqlite")]
            Sqlite($sqlite),
            /// PostgreSQL.
            #[cfg(feature = "postgres")]
            Postgres($postgres),
            /// MySQL or MariaDB.
            #[cfg(feature = "mysql")]
            Mysql($mysql),
        }

        impl $(<$lt>)? $name $(<$lt>)? {
            fn store(&self) -> &dyn Store {
                match self {
                    #[cfg(feature = "sqlite")]
                    $name::Sqlite(store) => store,
                    #[cfg(feature = "postgres")]
                    $name::Postgres(store) => store,
                    #[cfg(feature = "mysql")]
                    $name::Mysql(store) => store,
                }
            }
        }

        impl $(<$lt>)? Store for $name $(<$lt>)? {
            fn load(&self, ty: &str, id: &str) -> Result<Option<Value>, Error> {
                self.store().load(ty, id)
            }

            fn persist(&self, ty: &str, id: &str, diff: &Value, full: &Value) -> Result<(), Error> {
                self.store().persist(ty, id, diff, full)
            }

            fn load_rows(&self, ty: &str, id: &str) -> Result<crate::rows::Loaded, Error> {
                self.store().load_rows(ty, id)
            }

            fn save_encoded(&self, entity: &dyn crate::encode::Encode, scope: &crate::Scope) -> Result<(), Error> {
                self.store().save_encoded(entity, scope)
            }

            fn persist_scoped(&self, ty: &str, id: &str, scope: &crate::Scope, full: &Value) -> Result<(), Error> {
                self.store().persist_scoped(ty, id, scope, full)
            }

            fn delete(&self, ty: &str, id: &str) -> Result<bool, Error> {
                self.store().delete(ty, id)
            }

            fn create(&self, ty: &str, id: &str, full: &Value) -> Result<bool, Error> {
                self.store().create(ty, id, full)
            }

            fn plan_persist(&self, ty: &str, id: &str, diff: &Value, full: &Value) -> Result<Vec<String>, Error> {
                self.store().plan_persist(ty, id, diff, full)
            }

            fn version_property(&self, ty: &str) -> Option<String> {
                self.store().version_property(ty)
            }

            fn load_many(&self, ty: &str, ids: &[&str]) -> Result<Vec<Option<Value>>, Error> {
                self.store().load_many(ty, ids)
            }

            fn load_rows_many(&self, ty: &str, ids: &[&str]) -> Result<Vec<crate::rows::Loaded>, Error> {
                self.store().load_rows_many(ty, ids)
            }

            fn query(&self, ty: &str, query: &Value) -> Result<crate::Page<Value>, Error> {
                self.store().query(ty, query)
            }

            fn query_rows(&self, ty: &str, query: &Value) -> Result<crate::Page<(String, crate::rows::Loaded)>, Error> {
                self.store().query_rows(ty, query)
            }

            fn query_count(&self, ty: &str, query: &Value) -> Result<u64, Error> {
                self.store().query_count(ty, query)
            }

            fn replace(&self, ty: &str, id: &str, full: &Value) -> Result<bool, Error> {
                self.store().replace(ty, id, full)
            }

            fn restore(&self, ty: &str, id: &str, full: &Value) -> Result<bool, Error> {
                self.store().restore(ty, id, full)
            }

            fn query_exists(&self, ty: &str, query: &Value) -> Result<bool, Error> {
                self.store().query_exists(ty, query)
            }

            fn query_aggregate(&self, ty: &str, query: &Value) -> Result<Value, Error> {
                self.store().query_aggregate(ty, query)
            }

            fn create_encoded(&self, entity: &dyn crate::encode::Encode) -> Result<bool, Error> {
                self.store().create_encoded(entity)
            }

            fn replace_encoded(&self, entity: &dyn crate::encode::Encode) -> Result<bool, Error> {
                self.store().replace_encoded(entity)
            }

            fn insert_document(&self, ty: &str, full: &Value) -> Result<Value, Error> {
                self.store().insert_document(ty, full)
            }

            fn insert_encoded(&self, entity: &dyn crate::encode::Encode) -> Result<crate::rows::Loaded, Error> {
                self.store().insert_encoded(entity)
            }
        }
    };
}

/// `$body` on the store of whichever backend `$store` is (a `MappedStore`), bound to `$s`.
macro_rules! on_backend {
    ($store:expr, $s:ident => $body:expr) => {
        match $store {
            #[cfg(feature = "sqlite")]
            MappedStore::Sqlite($s) => $body,
            #[cfg(feature = "postgres")]
            MappedStore::Postgres($s) => $body,
            #[cfg(feature = "mysql")]
            MappedStore::Mysql($s) => $body,
        }
    };
}

backend_enum! {
    /// The mapped store on the backend a URL names; every compiled-in backend is a variant.
    ///
    /// | URL | backend | cargo feature |
    /// |---|---|---|
    /// | `sqlite://path`, `sqlite:path` or a plain path | SQLite | `sqlite` (default) |
    /// | `postgres://...`, `postgresql://...` | PostgreSQL | `postgres` |
    /// | `mysql://...`, `mariadb://...` | MySQL / MariaDB | `mysql` |
    MappedStore { crate::SqliteMappedStore, crate::PgMappedStore, crate::MysqlMappedStore }
}

backend_enum! {
    /// A transaction of a [`MappedStore`] ([`MappedStore::transaction`]), on whichever
    /// backend the store is: a [`crate::Transaction`] per variant (match on it to run
    /// diesel statements of your own with `with_connection`).
    MappedTransaction<'c> {
        crate::Transaction<'c, diesel::SqliteConnection>,
        crate::Transaction<'c, diesel::PgConnection>,
        crate::Transaction<'c, diesel::MysqlConnection>
    }
}

impl MappedStore {
    /// Runs `f` in one transaction (see [`crate::DieselStore::transaction`]): every call
    /// through the [`MappedTransaction`] commits when `f` returns `Ok` and rolls back when
    /// it returns an error.
    pub fn transaction<T>(
        &self,
        f: impl FnOnce(MappedTransaction<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        match self {
            #[cfg(feature = "sqlite")]
            MappedStore::Sqlite(store) => store.transaction(|tx| f(MappedTransaction::Sqlite(tx))),
            #[cfg(feature = "postgres")]
            MappedStore::Postgres(store) => {
                store.transaction(|tx| f(MappedTransaction::Postgres(tx)))
            }
            #[cfg(feature = "mysql")]
            MappedStore::Mysql(store) => store.transaction(|tx| f(MappedTransaction::Mysql(tx))),
        }
    }
}

/// The backends nasc knows, by URL scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

impl Backend {
    fn of(url: &str) -> Result<Backend, Error> {
        let scheme = url
            .split_once("://")
            .map(|(scheme, _)| scheme.to_ascii_lowercase());
        match scheme.as_deref() {
            None if url.starts_with("sqlite:") => Ok(Backend::Sqlite),
            None => Ok(Backend::Sqlite),
            Some("sqlite") | Some("file") => Ok(Backend::Sqlite),
            Some("postgres") | Some("postgresql") => Ok(Backend::Postgres),
            Some("mysql") | Some("mariadb") => Ok(Backend::Mysql),
            Some(other) => Err(Error::Open {
                target: crate::secrets::redact(url),
                message: format!(
                    "unknown URL scheme `{other}`: use sqlite://, postgres:// or mysql://"
                ),
            }),
        }
    }

    /// The error for a URL whose backend this build lacks.
    #[allow(dead_code)]
    fn not_compiled_in(self, url: &str) -> Error {
        Error::Open {
            target: crate::secrets::redact(url),
            message: format!(
                "this build of nasc-runtime has no {self:?} support: enable its `{}` feature",
                self.feature()
            ),
        }
    }

    fn feature(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        }
    }
}

impl MappedStore {
    /// Connects to the backend `url` names, with default pool settings, and creates the
    /// tables of `registry`.
    pub fn connect(url: &str, registry: Registry) -> Result<Self, Error> {
        Self::connect_with(url, registry, StoreOptions::default())
    }

    /// What the store's connection pool holds, and how its checkouts went.
    pub fn pool_stats(&self) -> crate::PoolStats {
        on_backend!(self, store => store.pool_stats())
    }

    /// Connects to `DATABASE_URL` with the options the `NASC_*` variables set (see
    /// [`StoreOptions::from_env`]).
    pub fn from_env(registry: Registry) -> Result<Self, Error> {
        let url = crate::config::database_url(|name| std::env::var(name).ok())?;
        Self::connect_with(&url, registry, StoreOptions::from_env()?)
    }

    /// Connects with the given pool settings.
    pub fn connect_with(
        url: &str,
        registry: Registry,
        options: StoreOptions,
    ) -> Result<Self, Error> {
        let backend = Backend::of(url)?;
        // Unused only in a build without any backend.
        let _ = (&registry, &options);
        match backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite => crate::SqliteMappedStore::connect_with(url, registry, options)
                .map(MappedStore::Sqlite),
            #[cfg(feature = "postgres")]
            Backend::Postgres => crate::PgMappedStore::connect_with(url, registry, options)
                .map(MappedStore::Postgres),
            #[cfg(feature = "mysql")]
            Backend::Mysql => crate::MysqlMappedStore::connect_with(url, registry, options)
                .map(MappedStore::Mysql),
            #[allow(unreachable_patterns)]
            missing => Err(missing.not_compiled_in(url)),
        }
    }

    /// The schema changes connecting to `url` with [`crate::Migrations::All`] and `options`
    /// (the drops named in [`StoreOptions::drops`], the [`StoreOptions::namespace`]) would
    /// make, without connecting a store or changing anything: `None` when the database
    /// holds `registry`'s schema. What `nasc check` prints.
    pub fn pending_changes(
        url: &str,
        registry: &Registry,
        options: &StoreOptions,
    ) -> Result<Option<crate::MigrationPlan>, Error> {
        let backend = Backend::of(url)?;
        let (namespace, drops) = (options.namespace.as_deref(), &options.drops);
        let _ = (registry, namespace, drops);
        match backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite => crate::schema_version::pending_changes::<diesel::SqliteConnection>(
                url, namespace, registry, drops,
            ),
            #[cfg(feature = "postgres")]
            Backend::Postgres => crate::schema_version::pending_changes::<diesel::PgConnection>(
                url, namespace, registry, drops,
            ),
            #[cfg(feature = "mysql")]
            Backend::Mysql => crate::schema_version::pending_changes::<diesel::MysqlConnection>(
                url, namespace, registry, drops,
            ),
            #[allow(unreachable_patterns)]
            missing => Err(missing.not_compiled_in(url)),
        }
    }

    /// The logged changes after `sequence`; see [`crate::DieselStore::changes_since`].
    pub fn changes_since(
        &self,
        sequence: i64,
        limit: i64,
    ) -> Result<Vec<crate::LoggedChange>, Error> {
        on_backend!(self, store => store.changes_since(sequence, limit))
    }

    /// Removes the logged changes below `before`; see [`crate::DieselStore::prune_changes`].
    pub fn prune_changes(&self, before: i64) -> Result<u64, Error> {
        on_backend!(self, store => store.prune_changes(before))
    }

    /// Removes the expired aggregates; see [`crate::DieselStore::purge_expired`].
    pub fn purge_expired(&self) -> Result<u64, Error> {
        on_backend!(self, store => store.purge_expired())
    }

    /// What the table of shared binary values holds; see
    /// [`crate::DieselStore::shared_values`].
    pub fn shared_values(&self) -> Result<crate::SharedValues, Error> {
        on_backend!(self, store => store.shared_values())
    }

    /// Lets go of what aggregates of types that share no more hold; see
    /// [`crate::DieselStore::release_unshared`].
    pub fn release_unshared(&self) -> Result<u64, Error> {
        on_backend!(self, store => store.release_unshared())
    }

    /// The position of a feed applied here; see [`crate::DieselStore::feed_position`].
    pub fn feed_position(&self, feed: &str) -> Result<i64, Error> {
        on_backend!(self, store => store.feed_position(feed))
    }

    /// Records a restored snapshot's sequence; see [`crate::DieselStore::start_feed`].
    pub fn start_feed(&self, feed: &str, sequence: i64) -> Result<i64, Error> {
        on_backend!(self, store => store.start_feed(feed, sequence))
    }

    /// Binds a feed to a log; see [`crate::DieselStore::bind_feed`].
    pub fn bind_feed(&self, feed: &str, origin: &str) -> Result<(), Error> {
        on_backend!(self, store => store.bind_feed(feed, origin))
    }

    /// The identity of the change log; see [`crate::DieselStore::log_origin`].
    pub fn log_origin(&self) -> Result<String, Error> {
        on_backend!(self, store => store.log_origin())
    }

    /// The last sequence logged; see [`crate::DieselStore::last_sequence`].
    pub fn last_sequence(&self) -> Result<Option<i64>, Error> {
        on_backend!(self, store => store.last_sequence())
    }

    /// Applies another store's changes; see [`crate::DieselStore::apply_changes`].
    pub fn apply_changes(&self, feed: &str, changes: &[crate::LoggedChange]) -> Result<i64, Error> {
        on_backend!(self, store => store.apply_changes(feed, changes))
    }

    /// The changes after `from`, as they are committed: see [`crate::Follow`].
    pub fn follow(&self, from: i64) -> crate::Follow<'_> {
        on_backend!(self, store => store.follow(from))
    }

    /// The result of `read`, which reads aggregates of `types`, now and again after each
    /// committed change of those types that changes it: see [`crate::Watch`]. Needs the
    /// change log.
    pub fn watch<'s, R: PartialEq + Clone>(
        &'s self,
        types: &[&str],
        read: impl Fn(&MappedStore) -> Result<R, Error> + Send + 's,
    ) -> Result<crate::Watch<'s, R>, Error> {
        for ty in types {
            self.registry_of().aggregate(ty)?;
        }
        let from = self.last_sequence()?.ok_or_else(|| Error::Invalid {
            ty: types.join(", "),
            id: String::new(),
            pointer: String::new(),
            message: "a watch needs the change log (`StoreOptions::change_log`)".into(),
        })?;
        let types = types.iter().map(|t| t.to_string()).collect();
        Ok(crate::Watch::new(self.follow(from), types, move || {
            read(self)
        }))
    }

    /// The page a JSON query of `ty` gives (see [`Store::query`]), now and again after
    /// each committed change of `ty` that changes it.
    pub fn watch_query(
        &self,
        ty: &str,
        query: Value,
    ) -> Result<crate::Watch<'_, crate::Page<Value>>, Error> {
        let owned = ty.to_owned();
        self.watch(&[ty], move |store| store.query(&owned, &query))
    }

    /// The page a typed query gives (see [`Store::find`]), now and again after each
    /// committed change of `T` that changes it.
    pub fn watch_find<T>(
        &self,
        query: impl crate::query::AsQuery<T>,
    ) -> Result<crate::Watch<'_, crate::Page<T>>, Error>
    where
        T: crate::Aggregate + PartialEq + Clone,
    {
        let query = query.as_query().into_owned();
        self.watch(&[T::TYPE_NAME], move |store| store.find::<T>(&query))
    }

    /// A connection that hears the change log's commits (PostgreSQL), or `None`.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn change_listener(&self) -> Option<crate::change_log::Waiter> {
        on_backend!(self, store => store.change_listener())
    }

    fn registry_of(&self) -> &Registry {
        on_backend!(self, store => store.registry())
    }
}

backend_enum! {
    /// The JSON-document store on the backend a URL names (the same URLs and features as
    /// [`MappedStore`]).
    JsonStore { crate::SqliteJsonStore, crate::PgJsonStore, crate::MysqlJsonStore }
}

impl JsonStore {
    /// Connects to the backend `url` names, with default pool settings.
    pub fn connect(url: &str) -> Result<Self, Error> {
        Self::connect_with(url, StoreOptions::default())
    }

    /// Connects with the given pool settings.
    pub fn connect_with(url: &str, options: StoreOptions) -> Result<Self, Error> {
        let backend = Backend::of(url)?;
        // Unused only in a build without any backend.
        let _ = &options;
        match backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite => {
                crate::SqliteJsonStore::connect_with(url, options).map(JsonStore::Sqlite)
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres => {
                crate::PgJsonStore::connect_with(url, options).map(JsonStore::Postgres)
            }
            #[cfg(feature = "mysql")]
            Backend::Mysql => {
                crate::MysqlJsonStore::connect_with(url, options).map(JsonStore::Mysql)
            }
            #[allow(unreachable_patterns)]
            missing => Err(missing.not_compiled_in(url)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_follow_the_url_scheme() {
        assert_eq!(Backend::of("app.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::of("sqlite://data/app.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::of("postgresql://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(Backend::of("mariadb://root@h/db").unwrap(), Backend::Mysql);
        assert!(Backend::of("redis://h")
            .unwrap_err()
            .to_string()
            .contains("unknown URL scheme `redis`"));
    }

    #[cfg(not(feature = "postgres"))]
    #[test]
    fn a_backend_not_compiled_in_names_its_feature() {
        let registry = Registry::from_json_str("s", r#"{"$defs": {}}"#, "m", "{}").unwrap();
        let error = MappedStore::connect("postgres://u@h/db", registry)
            .err()
            .unwrap();
        assert!(
            error.to_string().contains("enable its `postgres` feature"),
            "{error}"
        );
    }
}
