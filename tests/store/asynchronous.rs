//! The async face of the stores (`AsyncStore`, feature `tokio`): what it does is what the
//! blocking store does; many tasks share the pool without blocking the runtime; a dropped
//! call finishes whole or not at all.

use crate::support::*;
use nasc_runtime::query::Query;
use nasc_runtime::{AsyncStore, Error, Store, StoreOptions};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod sales {
    nasc_runtime::schema!(
        schema = "tests/schemas/sales.schema.json",
        mapping = "tests/schemas/sales.mapping.json"
    );
}
use sales::{Order, OrderStatus};

fn order(id: &str, customer: &str, lines: usize) -> Order {
    let lines: Vec<Value> = (0..lines)
        .map(|i| json!({"sku": format!("sku-{i}"), "qty": i + 1, "tags": [{"name": "t"}]}))
        .collect();
    serde_json::from_value(json!({"id": id, "customer": customer, "status": "paid",
        "total": 2.5, "items": 1, "paid": true, "placedAt": "2026-01-02T03:04:05Z",
        "lines": lines}))
    .unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// An async store on `db` that keeps a change log.
async fn logged_store(db: &TestDb) -> AsyncStore {
    let options = StoreOptions {
        change_log: true,
        ..StoreOptions::default()
    };
    AsyncStore::connect_with(db.url(), sales::registry(), options)
        .await
        .unwrap()
}

async fn connect(db: &TestDb, max_size: u32) -> AsyncStore {
    let options = StoreOptions {
        max_size,
        ..StoreOptions::default()
    };
    AsyncStore::connect_with(db.url(), sales::registry(), options)
        .await
        .unwrap()
}

/// Every kind of call, typed and dynamic, answers what the blocking store answers.
pub fn the_async_store_does_what_the_blocking_one_does(b: &Backend) {
    let db = b.store(sales::registry());
    runtime().block_on(async {
        let store = connect(&db, 4).await;
        let a = store.insert(order("a", "ada", 2)).await.unwrap();
        assert_eq!(store.get::<Order>("a").await.unwrap(), Some(a.clone()));
        assert!(matches!(
            store.insert(order("a", "ada", 1)).await,
            Err(Error::Conflict { .. })
        ));
        store.save(order("b", "bob", 1)).await.unwrap();
        let mut c = order("c", "ada", 3);
        c.status = OrderStatus::Draft;
        store.save(c).await.unwrap();
        let found = store
            .find(
                Query::<Order>::new()
                    .filter(Order::CUSTOMER.eq("ada"))
                    .order_by(Order::ID.asc()),
            )
            .await
            .unwrap();
        let ids: Vec<&str> = found.items.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        assert_eq!(store.count(Order::PAID.eq(true)).await.unwrap(), 3);
        assert!(store.exists(Order::CUSTOMER.eq("bob")).await.unwrap());
        let total = store
            .measure(Order::TOTAL.sum(), Order::CUSTOMER.eq("ada"))
            .await
            .unwrap();
        assert_eq!(total, Some(5.0));
        let many = store
            .get_many::<Order>(vec!["c".into(), "nope".into(), "a".into()])
            .await
            .unwrap();
        assert_eq!(
            many.iter()
                .map(|o| o.as_ref().map(|o| o.id.as_str()))
                .collect::<Vec<_>>(),
            [Some("c"), None, Some("a")]
        );
        let changed = store
            .update_with::<Order, _>("b", |o| {
                o.customer = "bea".into();
                Ok(())
            })
            .await
            .unwrap();
        assert_eq!(changed.customer, "bea");
        assert!(matches!(
            store.update(order("nope", "x", 0)).await,
            Err(Error::NotFound { .. })
        ));
        // Dynamic calls.
        let doc = store.load("Order", "b").await.unwrap().unwrap();
        assert_eq!(doc["customer"], json!("bea"));
        assert_eq!(
            store
                .query_count("Order", json!({"where": {"customer": "ada"}}))
                .await
                .unwrap(),
            2
        );
        let page = store
            .query("Order", json!({"orderBy": {"id": "desc"}, "take": 1}))
            .await
            .unwrap();
        assert_eq!(page.items[0]["id"], json!("c"));
        let sums = store
            .query_aggregate("Order", json!({"_count": true}))
            .await
            .unwrap();
        assert_eq!(sums["_count"], json!(3));
        // A transaction: rolled back on an error, committed otherwise.
        let failed: Result<(), Error> = store
            .transaction(|tx| {
                tx.save(&order("d", "dan", 1))?;
                Err(Error::NotFound {
                    ty: "Order".into(),
                    id: "x".into(),
                })
            })
            .await;
        assert!(matches!(failed, Err(Error::NotFound { .. })));
        assert_eq!(store.get::<Order>("d").await.unwrap(), None);
        store
            .transaction(|tx| {
                tx.save(&order("d", "dan", 1))?;
                tx.delete("Order", "c").map(|_| ())
            })
            .await
            .unwrap();
        assert!(store.get::<Order>("d").await.unwrap().is_some());
        assert!(store.remove::<Order>("d").await.unwrap());
        assert!(!store.delete("Order", "c").await.unwrap());
        // The blocking store underneath holds the same.
        assert_eq!(store.blocking().get::<Order>("a").unwrap(), Some(a));
    });
}

/// 64 tasks at once, on a store of 4 connections: every call succeeds, and no more than
/// 4 run at a time (the others wait without holding a thread).
pub fn many_tasks_share_the_pool(b: &Backend) {
    let db = b.store(sales::registry());
    runtime().block_on(async {
        let store = connect(&db, 4).await;
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..64)
            .map(|i| {
                let (store, running, most) = (store.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    let id = format!("o{i}");
                    store.save(order(&id, "many", 2)).await.unwrap();
                    store
                        .run(move |_| {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(2));
                            running.fetch_sub(1, Ordering::SeqCst);
                            Ok(())
                        })
                        .await
                        .unwrap();
                    store.get::<Order>(id).await.unwrap().unwrap()
                })
            })
            .collect();
        for (i, task) in tasks.into_iter().enumerate() {
            assert_eq!(task.await.unwrap().id, format!("o{i}"));
        }
        let most = most.load(Ordering::SeqCst);
        assert!((1..=4).contains(&most), "{most} calls ran at once");
        assert_eq!(store.count(Order::CUSTOMER.eq("many")).await.unwrap(), 64);
    });
}

/// A call whose future is dropped part-way (a request cancelled by its client) still
/// finishes on the blocking pool: the aggregate is the old one or the new one, whole, and
/// the store goes on working (no connection is left inside a transaction).
pub fn a_dropped_call_finishes_whole_or_not_at_all(b: &Backend) {
    let db = b.store(sales::registry());
    runtime().block_on(async {
        let store = connect(&db, 2).await;
        let old = store.insert(order("big", "old", 5)).await.unwrap();
        let new = order("big", "new", 1500);
        for wait in [0, 1, 3] {
            let save = store.save(new.clone());
            // Dropped after `wait` ms, whether or not the save is done.
            let _ = tokio::time::timeout(Duration::from_millis(wait), save).await;
            let stored = store.get::<Order>("big").await.unwrap().unwrap();
            assert!(stored == old || stored == new, "{wait} ms: half a save");
        }
        // Whatever was running ends: then the new state is there, whole.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let stored = store.get::<Order>("big").await.unwrap().unwrap();
            if stored == new {
                break;
            }
            assert!(stored == old, "half a save");
            assert!(Instant::now() < deadline, "the dropped save never ended");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Both connections serve whole transactions again.
        for i in 0..4 {
            store
                .transaction(move |tx| tx.save(&order(&format!("after{i}"), "after", 1)))
                .await
                .unwrap();
        }
        assert_eq!(store.count(Order::CUSTOMER.eq("after")).await.unwrap(), 4);
    });
}

/// On a runtime of one thread, a call waiting on the database (SQLite's write lock, held
/// by another connection) leaves the runtime free: a timer keeps ticking meanwhile.
pub fn the_runtime_runs_while_a_call_waits(b: &Backend) {
    if b.kind != Kind::Sqlite {
        return;
    }
    let db = b.store(sales::registry());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = runtime.block_on(connect(&db, 2));
    // Another connection takes the write lock and keeps it for 300 ms.
    let holder = db.reopen(sales::registry());
    let held = Arc::new(std::sync::Barrier::new(2));
    let release = {
        let held = held.clone();
        std::thread::spawn(move || {
            holder
                .transaction(|tx| {
                    tx.save(&order("lock", "holder", 1))?;
                    held.wait();
                    std::thread::sleep(Duration::from_millis(300));
                    Ok(())
                })
                .unwrap();
        })
    };
    held.wait();
    runtime.block_on(async {
        let ticks = Arc::new(AtomicUsize::new(0));
        let ticker = {
            let ticks = ticks.clone();
            tokio::spawn(async move {
                let mut interval = tokio::time::interval(Duration::from_millis(10));
                loop {
                    interval.tick().await;
                    ticks.fetch_add(1, Ordering::SeqCst);
                }
            })
        };
        let started = Instant::now();
        store.save(order("waiting", "w", 1)).await.unwrap();
        let waited = started.elapsed();
        ticker.abort();
        assert!(waited >= Duration::from_millis(150), "{waited:?}: no wait");
        let ticked = ticks.load(Ordering::SeqCst);
        assert!(
            ticked >= 10,
            "{ticked} ticks in {waited:?}: the runtime was blocked"
        );
    });
    release.join().unwrap();
}

/// The async processor: 200 events on one instance from as many tasks, each applied once
/// (the events of an instance one at a time), and messages answered with their patches.
pub fn the_async_processor_applies_every_event(b: &Backend) {
    use crate::processing::{versioned_counter, versioned_registry};
    use nasc_runtime::{AsyncProcessor, Message, Patch, Processor, MOUNT};
    let db = b.store(versioned_registry());
    let processor = AsyncProcessor::new(
        Processor::new(db.reopen(versioned_registry())).handle("Counter", versioned_counter()),
        4,
    );
    runtime().block_on(async {
        processor
            .apply_event("Counter", "c", MOUNT, Value::Null, false)
            .await
            .unwrap();
        let tasks: Vec<_> = (0..200)
            .map(|_| {
                let processor = processor.clone();
                tokio::spawn(async move {
                    processor
                        .apply_event("Counter", "c", "inc", Value::Null, false)
                        .await
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let patches = processor
            .process(
                serde_json::from_value::<Message>(json!({"event": "inc", "instance": "Counter:c"}))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert!(
            patches.contains(&Patch::BindUpdate {
                instance: "Counter:c".into(),
                key: "value".into(),
                value: json!(201),
            }),
            "{patches:?}"
        );
    });
    assert_eq!(
        db.load("Counter", "c").unwrap().unwrap()["value"],
        json!(201)
    );
}

/// Every future of the async face is `Send`, so that a handler may hold it across awaits on
/// a multi-threaded runtime (checked by the compiler; the test runs nothing).
#[allow(dead_code)]
fn every_future_is_send(
    store: AsyncStore,
    processor: nasc_runtime::AsyncProcessor<nasc_runtime::MappedStore>,
) {
    fn send<T: Send>(_: T) {}
    send(AsyncStore::connect("sqlite://x", sales::registry()));
    send(AsyncStore::from_env(sales::registry()));
    send(store.get::<Order>("a"));
    send(store.get_many::<Order>(vec![]));
    send(store.save(order("a", "a", 0)));
    send(store.insert(order("a", "a", 0)));
    send(store.update(order("a", "a", 0)));
    send(store.update_with::<Order, _>("a", |_| Ok(())));
    send(store.remove::<Order>("a"));
    send(store.find(Query::<Order>::new()));
    send(store.count(Order::PAID.eq(true)));
    send(store.exists(Order::PAID.eq(true)));
    send(store.measure(Order::TOTAL.sum(), Order::PAID.eq(true)));
    send(store.load("Order", "a"));
    send(store.persist("Order", "a", json!({}), json!({})));
    send(store.insert_document("Order", json!({})));
    send(store.delete("Order", "a"));
    send(store.query("Order", json!({})));
    send(store.query_count("Order", json!({})));
    send(store.query_aggregate("Order", json!({})));
    send(store.transaction(|_| Ok(())));
    send(store.run(|_| Ok(())));
    send(processor.apply_event("Counter", "c", "inc", Value::Null, false));
    send(
        processor
            .process(serde_json::from_value(json!({"event": "inc", "instance": "C:c"})).unwrap()),
    );
}

/// An async follower hands out the changes as they are committed, in commit order, and
/// resumes from its position without repeating one.
pub fn an_async_follower_sees_every_change(b: &Backend) {
    let db = b.store(sales::registry());
    runtime().block_on(async {
        let store = logged_store(&db).await;
        let writer = {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..30 {
                    if i % 10 == 0 {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    store.save(order(&format!("o{i}"), "f", 1)).await.unwrap();
                }
            })
        };
        let mut follower = store.follow(0);
        let mut ids = Vec::new();
        for _ in 0..12 {
            ids.push(follower.next().await.unwrap().id);
        }
        let mut resumed = store.follow(follower.position());
        for _ in 12..20 {
            ids.push(resumed.next().await.unwrap().id);
        }
        // The rest as a stream, from where the follower got to.
        let stream = store.follow(resumed.position()).into_stream();
        let rest: Vec<_> =
            futures_util::StreamExt::collect(futures_util::StreamExt::take(stream, 10)).await;
        let rest: Vec<_> = rest.into_iter().map(Result::unwrap).collect();
        let last = rest.last().unwrap().sequence;
        ids.extend(rest.into_iter().map(|change| change.id));
        writer.await.unwrap();
        let expected: Vec<String> = (0..30).map(|i| format!("o{i}")).collect();
        assert_eq!(ids, expected);
        // Nothing more: the next read waits.
        let mut ended = store.follow(last);
        let more = tokio::time::timeout(Duration::from_millis(50), ended.next()).await;
        assert!(more.is_err(), "a change that was never made: {more:?}");
    });
}

/// An idle async follower on PostgreSQL waits on its listening connection's socket (no
/// thread held): about one read a second while nothing comes, woken at once by a commit.
/// Elsewhere it polls.
pub fn an_idle_async_follower_is_woken_by_commits(b: &Backend) {
    let db = b.store(sales::registry());
    runtime().block_on(async {
        let store = logged_store(&db).await;
        let mut follower = store.follow(0);
        let reader = tokio::spawn(async move {
            let change = follower.next().await.unwrap();
            (
                change,
                Instant::now(),
                follower.reads(),
                follower.is_woken(),
            )
        });
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let committed = Instant::now();
        store.save(order("wake", "f", 1)).await.unwrap();
        let (change, at, reads, woken) = tokio::time::timeout(Duration::from_secs(10), reader)
            .await
            .expect("the follower never woke")
            .unwrap();
        assert_eq!(change.id, "wake");
        assert_eq!(woken, b.kind == Kind::Postgres);
        if b.kind == Kind::Postgres {
            assert!(reads <= 4, "{reads} reads in 1.1 s");
            let latency = at.saturating_duration_since(committed);
            assert!(
                latency < Duration::from_millis(400),
                "woken {latency:?} after"
            );
        } else {
            assert!(reads >= 10, "{reads} reads in 1.1 s: not polling?");
        }
    });
}
