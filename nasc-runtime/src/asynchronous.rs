//! The async face of the stores (feature `tokio`): every call runs the blocking store on
//! tokio's blocking pool, at most as many at once as the store has connections, so that
//! the runtime's worker threads never wait on the database.
//!
//! ```ignore
//! let store = AsyncStore::connect("sqlite://app.db", app::registry()).await?;
//! let order = store.insert(order).await?;                 // the key made for it
//! let page = store.find(Query::<Order>::new().filter(Order::STATUS.eq(Paid)).take(20)).await?;
//! ```
//!
//! A call whose future is dropped (a cancelled request, a timeout) still runs to its end
//! on the blocking pool: its transaction commits or rolls back whole, and its connection
//! goes back to the pool outside any transaction. Only its answer is lost.
//!
//! The runtime needs its timer (`#[tokio::main]` and `Builder::enable_all` turn it on): a
//! call waits for a free slot at most the pool's connection timeout.

use crate::query::{AsQuery, Measure};
use crate::{
    Aggregate, Error, MappedStore, MappedTransaction, Page, Registry, Store, StoreOptions,
};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// A [`Store`] for async code (see the [module](self)). Cheap to clone: clones share the
/// store and its limit.
pub struct AsyncStore<S = MappedStore> {
    store: Arc<S>,
    permits: Arc<Semaphore>,
    /// How long a call waits for a free slot before failing with `Error::Pool`.
    timeout: Duration,
}

impl<S> Clone for AsyncStore<S> {
    fn clone(&self) -> Self {
        AsyncStore {
            store: Arc::clone(&self.store),
            permits: Arc::clone(&self.permits),
            timeout: self.timeout,
        }
    }
}

impl<S> std::fmt::Debug for AsyncStore<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncStore")
            .field("store", &std::any::type_name::<S>())
            .field("available", &self.permits.available_permits())
            .finish()
    }
}

impl AsyncStore<MappedStore> {
    /// Connects a mapped store (see [`MappedStore::connect`]) without blocking the runtime.
    pub async fn connect(url: &str, registry: Registry) -> Result<Self, Error> {
        Self::connect_with(url, registry, StoreOptions::default()).await
    }

    /// Connects to `DATABASE_URL` with the options the `NASC_*` variables set (see
    /// [`StoreOptions::from_env`]).
    pub async fn from_env(registry: Registry) -> Result<Self, Error> {
        let url = crate::config::database_url(|name| std::env::var(name).ok())?;
        Self::connect_with(&url, registry, StoreOptions::from_env()?).await
    }

    /// Connects with the given options; at most `options.max_size` calls run at once.
    pub async fn connect_with(
        url: &str,
        registry: Registry,
        options: StoreOptions,
    ) -> Result<Self, Error> {
        let url = url.to_owned();
        let concurrency = options.max_size.max(1) as usize;
        let timeout = options.connection_timeout;
        let store = blocking(move || MappedStore::connect_with(&url, registry, options)).await?;
        Ok(AsyncStore::new(store, concurrency).with_timeout(timeout))
    }

    /// The changes after `from`, as they are committed, for async code: see [`AsyncFollow`].
    pub fn follow(&self, from: i64) -> AsyncFollow {
        AsyncFollow {
            store: self.clone(),
            last: from,
            ready: std::collections::VecDeque::new(),
            idle: crate::change_log::Idle::new(),
            listening: Listening::NotYet,
            reads: 0,
        }
    }

    /// Runs `f` in one transaction across aggregates (see [`MappedStore::transaction`]):
    /// what it does through the transaction commits when it returns `Ok`, and is rolled
    /// back otherwise. `f` runs on the blocking pool, so it is a plain closure: it makes
    /// the transaction's calls without `.await`.
    pub async fn transaction<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(MappedTransaction<'_>) -> Result<T, Error> + Send + 'static,
    {
        self.run(move |store| store.transaction(f)).await
    }
}

impl<S: Store + 'static> AsyncStore<S> {
    /// `store`, with at most `concurrency` calls running at once (its connection pool's
    /// size: more would only wait for a connection on a blocking thread).
    pub fn new(store: S, concurrency: usize) -> Self {
        AsyncStore {
            store: Arc::new(store),
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            timeout: StoreOptions::default().connection_timeout,
        }
    }

    /// The store, its calls failing with `Error::Pool` when no slot frees up within
    /// `timeout` (the pool's [`StoreOptions::connection_timeout`] when connected here): a
    /// service answers "unavailable" rather than queue without end.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The blocking store underneath.
    pub fn blocking(&self) -> &S {
        &self.store
    }

    /// Runs `f` with the blocking store on tokio's blocking pool, once one of the store's
    /// slots is free (waiting for it does not hold a thread; after the store's timeout it is
    /// an `Error::Pool`). Once started, `f` runs to its end even if this future is dropped.
    pub async fn run<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&S) -> Result<T, Error> + Send + 'static,
    {
        let permit = tokio::time::timeout(self.timeout, Arc::clone(&self.permits).acquire_owned())
            .await
            .map_err(|_| Error::Pool {
                ty: String::new(),
                id: String::new(),
                message: format!("every connection stayed busy for {:?}", self.timeout),
            })?
            .expect("the store's semaphore is never closed");
        let store = Arc::clone(&self.store);
        blocking(move || {
            // Held until the call ends, even when the caller stopped waiting for it.
            let _permit = permit;
            f(&store)
        })
        .await
    }

    /// Loads a typed entity ([`Store::get`]).
    pub async fn get<T: Aggregate + Send + 'static>(
        &self,
        id: impl Into<String>,
    ) -> Result<Option<T>, Error> {
        let id = id.into();
        self.run(move |store| store.get::<T>(&id)).await
    }

    /// Loads typed entities by id, in the order asked ([`Store::get_many`]).
    pub async fn get_many<T: Aggregate + Send + 'static>(
        &self,
        ids: Vec<String>,
    ) -> Result<Vec<Option<T>>, Error> {
        self.run(move |store| {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            store.get_many::<T>(&ids)
        })
        .await
    }

    /// Saves a typed entity ([`Store::save`]) and hands it back.
    pub async fn save<T: Aggregate + Send + 'static>(&self, entity: T) -> Result<T, Error> {
        self.run(move |store| store.save(&entity).map(|()| entity))
            .await
    }

    /// Inserts a new typed entity and returns it as stored, with the key made for it
    /// ([`Store::insert`]).
    pub async fn insert<T: Aggregate + Send + 'static>(&self, entity: T) -> Result<T, Error> {
        self.run(move |store| store.insert(&entity)).await
    }

    /// Saves the whole state of a stored typed entity ([`Store::update`]) and hands it
    /// back.
    pub async fn update<T: Aggregate + Send + 'static>(&self, entity: T) -> Result<T, Error> {
        self.run(move |store| store.update(&entity).map(|()| entity))
            .await
    }

    /// Loads, changes and saves a typed entity, again on a version conflict
    /// ([`Store::update_with`]).
    pub async fn update_with<T, F>(&self, id: impl Into<String>, change: F) -> Result<T, Error>
    where
        T: Aggregate + Send + 'static,
        F: FnMut(&mut T) -> Result<(), Error> + Send + 'static,
    {
        let id = id.into();
        self.run(move |store| store.update_with(&id, change)).await
    }

    /// Removes a typed entity; `true` when it existed ([`Store::remove`]).
    pub async fn remove<T: Aggregate + Send + 'static>(
        &self,
        id: impl Into<String>,
    ) -> Result<bool, Error> {
        let id = id.into();
        self.run(move |store| store.remove::<T>(&id)).await
    }

    /// The page of typed entities a query asks for ([`Store::find`]).
    pub async fn find<T, Q>(&self, query: Q) -> Result<Page<T>, Error>
    where
        T: Aggregate + Send + 'static,
        Q: AsQuery<T> + Send + 'static,
    {
        self.run(move |store| store.find::<T>(&query)).await
    }

    /// How many typed entities a query's filter matches ([`Store::count`]).
    pub async fn count<T, Q>(&self, query: Q) -> Result<u64, Error>
    where
        T: Aggregate + Send + 'static,
        Q: AsQuery<T> + Send + 'static,
    {
        self.run(move |store| store.count::<T>(&query)).await
    }

    /// Whether any typed entity matches a query's filter ([`Store::exists`]).
    pub async fn exists<T, Q>(&self, query: Q) -> Result<bool, Error>
    where
        T: Aggregate + Send + 'static,
        Q: AsQuery<T> + Send + 'static,
    {
        self.run(move |store| store.exists::<T>(&query)).await
    }

    /// A sum, mean, minimum or maximum over the typed entities a query's filter matches
    /// ([`Store::measure`]).
    pub async fn measure<T, R, Q>(&self, measure: Measure<T, R>, query: Q) -> Result<R, Error>
    where
        T: Aggregate + Send + 'static,
        R: serde::de::DeserializeOwned + Send + 'static,
        Q: AsQuery<T> + Send + 'static,
    {
        self.run(move |store| store.measure(measure, &query)).await
    }

    /// The aggregate `ty` / `id` as JSON ([`Store::load`]).
    pub async fn load(
        &self,
        ty: impl Into<String>,
        id: impl Into<String>,
    ) -> Result<Option<Value>, Error> {
        let (ty, id) = (ty.into(), id.into());
        self.run(move |store| store.load(&ty, &id)).await
    }

    /// Saves the new state `full` of `ty` / `id`, `diff` naming what changed
    /// ([`Store::persist`]).
    pub async fn persist(
        &self,
        ty: impl Into<String>,
        id: impl Into<String>,
        diff: Value,
        full: Value,
    ) -> Result<(), Error> {
        let (ty, id) = (ty.into(), id.into());
        self.run(move |store| store.persist(&ty, &id, &diff, &full))
            .await
    }

    /// Stores a new aggregate from JSON and returns it as stored ([`Store::insert_document`]).
    pub async fn insert_document(
        &self,
        ty: impl Into<String>,
        full: Value,
    ) -> Result<Value, Error> {
        let ty = ty.into();
        self.run(move |store| store.insert_document(&ty, &full))
            .await
    }

    /// Removes the aggregate `ty` / `id`; `true` when it existed ([`Store::delete`]).
    pub async fn delete(
        &self,
        ty: impl Into<String>,
        id: impl Into<String>,
    ) -> Result<bool, Error> {
        let (ty, id) = (ty.into(), id.into());
        self.run(move |store| store.delete(&ty, &id)).await
    }

    /// The page of aggregates of type `ty` a JSON query asks for ([`Store::query`]).
    pub async fn query(&self, ty: impl Into<String>, query: Value) -> Result<Page<Value>, Error> {
        let ty = ty.into();
        self.run(move |store| store.query(&ty, &query)).await
    }

    /// How many aggregates of type `ty` a JSON query's filter matches
    /// ([`Store::query_count`]).
    pub async fn query_count(&self, ty: impl Into<String>, query: Value) -> Result<u64, Error> {
        let ty = ty.into();
        self.run(move |store| store.query_count(&ty, &query)).await
    }

    /// Counts, sums, means and extremes over the aggregates a JSON query's filter matches
    /// ([`Store::query_aggregate`]).
    pub async fn query_aggregate(
        &self,
        ty: impl Into<String>,
        query: Value,
    ) -> Result<Value, Error> {
        let ty = ty.into();
        self.run(move |store| store.query_aggregate(&ty, &query))
            .await
    }
}

/// `f` on tokio's blocking pool; a panic in it is resumed in the caller.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(Error::Pool {
            ty: String::new(),
            id: String::new(),
            message: "the async runtime shut down before the call ran".to_owned(),
        }),
    }
}

/// The [`Processor`](crate::Processor) for async code: each event is applied on tokio's
/// blocking pool, at most `concurrency` at once (the events of one instance still one at a
/// time, in the order they arrive at the processor). A dropped future does not stop an
/// event once it is applied: its persist commits or rolls back whole.
pub struct AsyncProcessor<S: Store> {
    processor: Arc<crate::Processor<S>>,
    permits: Arc<Semaphore>,
}

impl<S: Store> Clone for AsyncProcessor<S> {
    fn clone(&self) -> Self {
        AsyncProcessor {
            processor: Arc::clone(&self.processor),
            permits: Arc::clone(&self.permits),
        }
    }
}

impl<S: Store + 'static> AsyncProcessor<S> {
    /// `processor`, with at most `concurrency` events applied at once (its store's pool
    /// size).
    pub fn new(processor: crate::Processor<S>, concurrency: usize) -> Self {
        AsyncProcessor {
            processor: Arc::new(processor),
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    /// The blocking processor underneath.
    pub fn blocking(&self) -> &crate::Processor<S> {
        &self.processor
    }

    /// Applies `event` to instance `ty` / `id` ([`crate::Processor::apply_event`]).
    pub async fn apply_event(
        &self,
        ty: impl Into<String>,
        id: impl Into<String>,
        event: impl Into<String>,
        payload: Value,
        dry_run: bool,
    ) -> Result<crate::Outcome, Error> {
        let (ty, id, event) = (ty.into(), id.into(), event.into());
        self.on_pool(move |processor| processor.apply_event(&ty, &id, &event, &payload, dry_run))
            .await?
    }

    /// Applies a client's message and returns the patches to send back
    /// ([`crate::Processor::process`]).
    pub async fn process(&self, message: crate::Message) -> Result<Vec<crate::Patch>, Error> {
        self.on_pool(move |processor| processor.process(&message))
            .await
    }

    async fn on_pool<T: Send + 'static>(
        &self,
        f: impl FnOnce(&crate::Processor<S>) -> T + Send + 'static,
    ) -> Result<T, Error> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .expect("the processor's semaphore is never closed");
        let processor = Arc::clone(&self.processor);
        blocking(move || {
            let _permit = permit;
            Ok(f(&processor))
        })
        .await
    }
}

/// The committed changes after a sequence, in commit order, as they are committed
/// ([`AsyncStore::follow`]), as [`crate::Follow`] hands them out, without holding a thread
/// while it waits: on PostgreSQL it waits on the socket of a connection of its own that
/// `LISTEN`s for the log's commits (reading at least once a second); elsewhere, or if
/// that connection fails, it reads again after 1 ms, then after waits that double up to
/// 100 ms. `next().await` gives the next change; resume with [`Self::position`].
pub struct AsyncFollow {
    store: AsyncStore,
    last: i64,
    ready: std::collections::VecDeque<crate::LoggedChange>,
    idle: crate::change_log::Idle,
    listening: Listening,
    reads: u64,
}

/// How an [`AsyncFollow`] waits for commits.
enum Listening {
    /// Not decided: the first wait opens a listening connection if the backend has one.
    NotYet,
    /// Bounded polling.
    Polling,
    /// Woken by a listening connection.
    Woken(AsyncListener),
}

/// A listening connection whose socket tokio watches (through a duplicate of the
/// descriptor, which stays open whatever the connection does with its own).
struct AsyncListener {
    socket: tokio::io::unix::AsyncFd<std::os::fd::OwnedFd>,
    listener: crate::change_log::Waiter,
}

impl AsyncListener {
    /// Watches `listener`'s socket (`None` when it has none, or the runtime has no I/O
    /// driver: the follower then polls).
    fn new(listener: crate::change_log::Waiter) -> Option<AsyncListener> {
        let fd = listener.socket()?;
        // SAFETY: `fd` is the listening connection's open socket, borrowed only to be
        // duplicated here.
        let owned = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) }
            .try_clone_to_owned()
            .ok()?;
        // (Registering panics on a runtime built without I/O: polling then.)
        let registered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // SAFETY: an `OwnedFd` stays open, and answers the same descriptor, for as
            // long as the `AsyncFd` holds it.
            unsafe {
                tokio::io::unix::AsyncFd::register_with_interest(
                    owned,
                    tokio::io::Interest::READABLE,
                )
            }
        }));
        match registered {
            Ok(Ok(socket)) => Some(AsyncListener { socket, listener }),
            _ => {
                tracing::warn!(target: crate::trace::TARGET, "cannot watch the listening connection (a runtime without I/O?): polling instead");
                None
            }
        }
    }

    /// Waits up to `timeout` for a commit; whether one came.
    async fn wait(&mut self, timeout: Duration) -> Result<bool, String> {
        if self.listener.take_notifications()? {
            return Ok(true);
        }
        match tokio::time::timeout(timeout, self.socket.readable()).await {
            Err(_) => Ok(false),
            Ok(Err(error)) => Err(error.to_string()),
            Ok(Ok(mut ready)) => {
                ready.clear_ready();
                self.listener.take_notifications()
            }
        }
    }
}

impl AsyncFollow {
    /// The next committed change, waiting for it; a read that fails is an error, and the
    /// next call reads again from the same place.
    pub async fn next(&mut self) -> Result<crate::LoggedChange, Error> {
        loop {
            if let Some(change) = self.ready.pop_front() {
                self.last = change.sequence;
                return Ok(change);
            }
            let after = self.last;
            self.reads += 1;
            let changes = self
                .store
                .run(move |store| store.changes_since(after, crate::change_log::FOLLOW_BATCH))
                .await?;
            if changes.is_empty() {
                self.wait().await;
            } else {
                self.idle.reset();
                self.ready.extend(changes);
            }
        }
    }

    /// The sequence of the last change handed out (or the one it started from).
    pub fn position(&self) -> i64 {
        self.last
    }

    /// How many times it has read the log.
    pub fn reads(&self) -> u64 {
        self.reads
    }

    /// Whether a connection of its own wakes it (PostgreSQL, once it first waited),
    /// rather than polling.
    pub fn is_woken(&self) -> bool {
        matches!(self.listening, Listening::Woken(_))
    }

    /// Waits before reading again, having found nothing.
    async fn wait(&mut self) {
        match &mut self.listening {
            Listening::NotYet => {
                // (Opened on the blocking pool: connecting blocks. Then read again at
                // once: a commit between the read and the `LISTEN` sent no wake-up.)
                let listener = self.store.run(|store| Ok(store.change_listener())).await;
                self.listening = match listener.ok().flatten().and_then(AsyncListener::new) {
                    Some(listener) => Listening::Woken(listener),
                    None => Listening::Polling,
                };
            }
            Listening::Woken(listener) => {
                if let Err(error) = listener.wait(crate::change_log::WOKEN_MAX_WAIT).await {
                    tracing::warn!(target: crate::trace::TARGET, %error, "the change log's listening connection failed: polling instead");
                    self.listening = Listening::Polling;
                }
            }
            Listening::Polling => tokio::time::sleep(self.idle.next_wait()).await,
        }
    }

    /// The follower as a [`futures_core::Stream`] of the changes (for stream combinators,
    /// `select!`, server-sent events); each change carries its sequence to resume from.
    /// The stream never ends; a read that fails is an item, and the next reads again.
    pub fn into_stream(
        self,
    ) -> impl futures_core::Stream<Item = Result<crate::LoggedChange, Error>> + Send {
        futures_util::stream::unfold(self, |mut follow| async move {
            let change = follow.next().await;
            Some((change, follow))
        })
    }
}
