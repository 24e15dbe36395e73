//! Connection pools, and the settings of the stores that use them.

use crate::backend::MappedConnection;
use crate::namespace::Namespace;
use crate::schema_version::Migrations;
pub(crate) use crate::secrets::redact;
use crate::secrets::scrub;
use crate::Error;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Settings of a mapped store: its connection pool, and which schema changes connecting
/// may apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// Most connections open at once (SQLite in-memory databases always use one).
    pub max_size: u32,
    /// How long a call waits for a free connection before failing.
    pub connection_timeout: Duration,
    /// Which changes between the database's schema and the compiled one are applied.
    pub migrations: Migrations,
    /// What a migration with [`Migrations::All`] may drop with its data: tables
    /// (`"table"`) and columns (`"table.column"`), each named. Nothing else is ever dropped:
    /// a property or type removed from the schema keeps its column or table (the store
    /// works without it) until it is named here.
    pub drops: Vec<String>,
    /// Append every persist and delete to the `nasc_changes` table, in the same transaction
    /// (mapped stores only).
    pub change_log: bool,
    /// Rewrite every child row of each array a persist's diff names, instead of writing only
    /// the rows that were added, removed, changed or moved (the result is the same).
    pub replace_children: bool,
    /// Check each connection with a round trip (`SELECT 1`) before handing it out. Off by
    /// default: it costs a round trip per call on a server, and a connection that broke is
    /// dropped by the pool after the call that found it broken fails.
    pub test_on_checkout: bool,
    /// How many times a persist runs again when the database gave up on its transaction
    /// (a deadlock, a serialization failure, a lock wait timeout: MariaDB reports deadlocks
    /// between writers of different aggregates now and then), after a random, growing
    /// delay (up to 100 ms); 5 by default.
    pub retries: u32,
    /// Keep this store's tables apart from other stores' in the same database: on
    /// PostgreSQL in a schema of that name (made if missing), on SQLite and MySQL behind a
    /// `<namespace>__` table-name prefix. Each namespace has its own migrations, change log
    /// and feeds. Lowercase ASCII letters, digits and single `_`, starting with a letter,
    /// at most 30 bytes. `None` (the default): the database's own tables.
    pub namespace: Option<String>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_size: 8,
            connection_timeout: Duration::from_secs(10),
            migrations: Migrations::Additive,
            drops: Vec::new(),
            change_log: false,
            replace_children: false,
            test_on_checkout: false,
            retries: 5,
            namespace: None,
        }
    }
}

/// Applies the backend's session settings to each new pooled connection, and creates the
/// tables on it when the database lives in that connection (SQLite in memory).
#[derive(Debug)]
struct Configure {
    namespace: Namespace,
    ddl: Vec<String>,
}

impl<C: MappedConnection> CustomizeConnection<C, diesel::r2d2::Error> for Configure {
    fn on_acquire(&self, conn: &mut C) -> Result<(), diesel::r2d2::Error> {
        self.namespace
            .configure(conn)
            .map_err(diesel::r2d2::Error::QueryError)?;
        self.ddl
            .iter()
            .try_for_each(|statement| conn.batch_execute(statement))
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// A pool of connections to `url`. One connection is opened first, so that a bad URL fails
/// at once with the driver's message, and `prepare` runs on it (creating tables). An
/// in-memory SQLite database lives as long as its one connection: its pool keeps exactly
/// one, forever, and runs `memory_ddl` on it.
pub(crate) fn build_pool<C: MappedConnection>(
    url: &str,
    options: &StoreOptions,
    namespace: &Namespace,
    prepare: impl FnOnce(&mut C) -> Result<(), Error>,
    memory_ddl: Vec<String>,
) -> Result<Connections<C>, Error> {
    let target = C::connection_target(url);
    let open_error = |message: String| Error::Open {
        target: redact(url),
        message: scrub(&message, url),
    };
    let mut first = C::establish(&target).map_err(|e| open_error(e.to_string()))?;
    first
        .configure()
        .map_err(|e| open_error(format!("cannot configure the connection: {e}")))?;
    namespace
        .create(&mut first)
        .and_then(|()| namespace.enter(&mut first))
        .map_err(|e| open_error(format!("cannot enter namespace: {e}")))?;
    prepare(&mut first)?;
    let builder = Pool::builder()
        .connection_timeout(options.connection_timeout)
        .test_on_check_out(options.test_on_checkout);
    let pool = if target.contains(":memory:") || target.contains("mode=memory") {
        drop(first);
        builder
            .max_size(1)
            .min_idle(Some(1))
            .idle_timeout(None)
            .max_lifetime(None)
            .connection_customizer(Box::new(Configure {
                namespace: namespace.clone(),
                ddl: memory_ddl,
            }))
            .build(ConnectionManager::new(&target))
            .map_err(|e| open_error(e.to_string()))?
    } else {
        builder
            .max_size(options.max_size.max(1))
            .min_idle(Some(0))
            .connection_customizer(Box::new(Configure {
                namespace: namespace.clone(),
                ddl: Vec::new(),
            }))
            .build_unchecked(ConnectionManager::new(&target))
    };
    Ok(Connections {
        pool,
        target,
        namespace: namespace.clone(),
        counts: Counts::default(),
    })
}

/// What a store's connection pool holds, and how its checkouts went since the store
/// connected ([`crate::MappedStore::pool_stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStats {
    /// Connections open, in use or idle.
    pub connections: u32,
    /// Connections open and idle.
    pub idle: u32,
    /// Connections lent to calls now.
    pub in_use: u32,
    /// The most connections the pool opens ([`StoreOptions::max_size`]).
    pub max_size: u32,
    /// Checkouts in all.
    pub checkouts: u64,
    /// Checkouts that found no idle connection, and waited for one (or opened one).
    pub waits: u64,
    /// Checkouts that gave up after [`StoreOptions::connection_timeout`].
    pub timeouts: u64,
}

/// The counters behind [`PoolStats`].
#[derive(Debug, Default)]
struct Counts {
    checkouts: AtomicU64,
    waits: AtomicU64,
    timeouts: AtomicU64,
}

/// A store's connection pool, and the URL its connections are made from.
pub(crate) struct Connections<C: MappedConnection> {
    pool: Pool<ConnectionManager<C>>,
    target: String,
    namespace: Namespace,
    counts: Counts,
}

impl<C: MappedConnection> Connections<C> {
    /// A pooled connection for a call on aggregate `ty` `id`.
    pub(crate) fn get(
        &self,
        ty: &str,
        id: &str,
    ) -> Result<PooledConnection<ConnectionManager<C>>, Error> {
        self.counts.checkouts.fetch_add(1, Ordering::Relaxed);
        if self.pool.state().idle_connections == 0 {
            self.counts.waits.fetch_add(1, Ordering::Relaxed);
        }
        self.pool.get().map_err(|e| {
            self.counts.timeouts.fetch_add(1, Ordering::Relaxed);
            Error::Pool {
                ty: ty.to_owned(),
                id: id.to_owned(),
                message: scrub(&e.to_string(), &self.target),
            }
        })
    }

    /// What the pool holds, and how its checkouts went.
    pub(crate) fn stats(&self) -> PoolStats {
        let state = self.pool.state();
        PoolStats {
            connections: state.connections,
            idle: state.idle_connections,
            in_use: state.connections - state.idle_connections,
            max_size: self.pool.max_size(),
            checkouts: self.counts.checkouts.load(Ordering::Relaxed),
            waits: self.counts.waits.load(Ordering::Relaxed),
            timeouts: self.counts.timeouts.load(Ordering::Relaxed),
        }
    }

    /// Runs `f` on a pooled connection for a call on aggregate `ty` `id`. When `f` fails and
    /// the connection no longer answers (the server closed it), it is replaced in place by a
    /// fresh one, so that the pool does not hand the closed one out again.
    pub(crate) fn with<T, E: From<Error>>(
        &self,
        ty: &str,
        id: &str,
        f: impl FnOnce(&mut C) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.get(ty, id)?;
        let result = f(&mut conn);
        if result.is_err() && conn.batch_execute("SELECT 1").is_err() {
            if let Ok(mut fresh) = C::establish(&self.target) {
                if self.namespace.configure(&mut fresh).is_ok() {
                    *conn = fresh;
                }
            }
        }
        result
    }
}
