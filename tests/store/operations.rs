//! What operators see: the pool's statistics.

use crate::support::*;
use nasc_runtime::{Error, Store, StoreOptions};
use serde_json::json;
use std::sync::{Arc, Barrier};
use std::time::Duration;

fn registry() -> nasc_runtime::Registry {
    nasc_runtime::Registry::from_json_str(
        "s.json",
        r#"{"$defs": {"Note": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}}}"#,
        "m.json",
        r#"{"Note": {"x-na:store": {"entity": "notes"}}}"#,
    )
    .unwrap()
}

/// The pool's statistics count the connections lent and idle, every checkout, those that
/// found no idle connection, and those that gave up.
pub fn pool_stats_count_checkouts_waits_and_timeouts(b: &Backend) {
    let db = b.store(registry());
    let options = StoreOptions {
        max_size: 1,
        connection_timeout: Duration::from_millis(200),
        ..StoreOptions::default()
    };
    let store = Arc::new(db.connect_with(registry(), options).unwrap());
    let note = json!({"id": "n"});
    store.persist("Note", "n", &note, &note).unwrap();
    let before = store.pool_stats();
    assert_eq!(before.max_size, 1);
    assert_eq!((before.connections, before.in_use), (1, 0), "{before:?}");
    assert!(before.checkouts >= 1, "{before:?}");
    // One call holds the only connection; another gives up waiting for it.
    let held = Arc::new(Barrier::new(2));
    let done = Arc::new(Barrier::new(2));
    let holder = {
        let (store, held, done) = (store.clone(), held.clone(), done.clone());
        std::thread::spawn(move || {
            store
                .transaction(|tx| {
                    tx.load("Note", "n")?;
                    held.wait();
                    done.wait();
                    Ok(())
                })
                .unwrap();
        })
    };
    held.wait();
    let during = store.pool_stats();
    assert_eq!((during.in_use, during.idle), (1, 0), "{during:?}");
    match store.load("Note", "n") {
        Err(Error::Pool { ty, id, .. }) => assert_eq!((ty.as_str(), id.as_str()), ("Note", "n")),
        other => panic!("the call must give up: {other:?}"),
    }
    done.wait();
    holder.join().unwrap();
    let after = store.pool_stats();
    assert_eq!(after.timeouts, before.timeouts + 1, "{after:?}");
    assert!(after.waits > before.waits, "{after:?}");
    assert_eq!(after.checkouts, before.checkouts + 2, "{after:?}");
    assert_eq!(after.in_use, 0, "{after:?}");
}

/// What a service sees with `RUST_LOG=nasc=debug`: the connect and the schema changes at
/// `info`, refused ones at `warn`, and each call with its type, id, statements, rows and
/// duration.
pub fn the_stores_tell_tracing_what_they_do(b: &Backend) {
    let ((), text) = captured(|| {
        let db = b.store(registry());
        let note = json!({"id": "n1"});
        db.persist("Note", "n1", &note, &note).unwrap();
        assert!(db.load("Note", "n1").unwrap().is_some());
        assert!(db
            .persist("Note", "n2", &json!({"id": 5}), &json!({"id": 5}))
            .is_err());
        // A type that gains a required property without a default: refused.
        let grown = nasc_runtime::Registry::from_json_str(
            "s.json",
            r#"{"$defs": {"Note": {"type": "object", "properties": {"id": {"type": "string"}, "n": {"type": "integer"}}, "required": ["id", "n"]}}}"#,
            "m.json",
            r#"{"Note": {"x-na:store": {"entity": "notes"}}}"#,
        )
        .unwrap();
        assert!(matches!(
            db.connect_with(grown, StoreOptions::default()),
            Err(Error::Migration { .. })
        ));
    });
    for expected in [
        "INFO nasc: connected",
        "INFO nasc: schema changes applied",
        "operation=\"persist\" ty=\"Note\" id=\"n1\"",
        "persist done statements=",
        "operation=\"load\" ty=\"Note\" id=\"n1\"",
        "rows_read=1",
        "persist failed",
        "WARN nasc: schema changes refused",
    ] {
        assert!(text.contains(expected), "no `{expected}` in:\n{text}");
    }
    let persisted = text
        .lines()
        .find(|l| l.contains("persist done"))
        .unwrap_or_default();
    assert!(persisted.contains("rows_written=1"), "{persisted}");
    assert!(!text.contains("password"), "{text}");
}

thread_local! {
    /// What the events of this thread wrote, while [`captured`] runs.
    static CAPTURE: std::cell::RefCell<Option<Vec<u8>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f`, returning with it what the stores told `tracing` on this thread meanwhile.
/// One global subscriber (at `debug`) writes each event on the thread that made it, into
/// that thread's capture: tests running at once on other threads neither see nor disturb
/// it (scoped subscribers would race on tracing's shared interest caches).
fn captured<R>(f: impl FnOnce() -> R) -> (R, String) {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(|| ThreadCapture)
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global subscriber in the store tests");
    });
    CAPTURE.with(|c| *c.borrow_mut() = Some(Vec::new()));
    let result = f();
    let bytes = CAPTURE.with(|c| c.borrow_mut().take()).unwrap_or_default();
    (
        result,
        String::from_utf8(bytes).expect("tracing writes UTF-8"),
    )
}

/// Writes into the capture of the thread writing, if it has one.
struct ThreadCapture;

impl std::io::Write for ThreadCapture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        CAPTURE.with(|c| {
            if let Some(buffer) = c.borrow_mut().as_mut() {
                buffer.extend_from_slice(bytes);
            }
        });
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Scratch databases for applications' tests: two at once are separate, and each is gone
/// once dropped.
pub fn scratch_databases_are_separate_and_dropped(b: &Backend) {
    use nasc_runtime::testing::ScratchDatabase;
    let server = b
        .server_url()
        .map(str::to_owned)
        .unwrap_or_else(|| "sqlite://unused".to_owned());
    let (one, two) = (
        ScratchDatabase::new(&server).unwrap(),
        ScratchDatabase::new(&server).unwrap(),
    );
    assert_ne!(one.url(), two.url());
    let note = json!({"id": "n"});
    {
        let first = nasc_runtime::MappedStore::connect(one.url(), registry()).unwrap();
        first.persist("Note", "n", &note, &note).unwrap();
        let second = nasc_runtime::MappedStore::connect(two.url(), registry()).unwrap();
        assert_eq!(second.load("Note", "n").unwrap(), None);
        assert_eq!(first.load("Note", "n").unwrap(), Some(note.clone()));
    }
    let name = one.name().to_owned();
    let url = one.url().to_owned();
    drop(one);
    match b.kind {
        Kind::Sqlite => assert!(!std::path::Path::new(&url).exists(), "{url}"),
        Kind::Postgres => {
            let held = crate::support::server::count(
                &server,
                &format!("SELECT COUNT(*) AS n FROM information_schema.schemata WHERE schema_name = '{name}'"),
            );
            assert_eq!(held, 0, "{name}");
        }
        Kind::Mysql => {
            let held = crate::support::server::count(
                &server,
                &format!("SELECT COUNT(*) AS n FROM information_schema.schemata WHERE schema_name = '{name}'"),
            );
            assert_eq!(held, 0, "{name}");
        }
    }
}

/// The change log hands out sequences in commit order: a follower reading after the last
/// sequence it saw, while six writers save at once, sees every change exactly once.
pub fn a_follower_sees_every_change_once_in_order(b: &Backend) {
    const WRITERS: usize = 6;
    const SAVES: usize = 40;
    let db = b.store(registry());
    let options = StoreOptions {
        change_log: true,
        max_size: WRITERS as u32 + 1,
        ..StoreOptions::default()
    };
    let store = db.connect_with(registry(), options).unwrap();
    let done = std::sync::atomic::AtomicBool::new(false);
    let followed: Vec<i64> = std::thread::scope(|scope| {
        let follower = scope.spawn(|| {
            let mut seen = Vec::new();
            let mut last = 0;
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let changes = store.changes_since(last, 1000).unwrap();
                for change in &changes {
                    assert!(change.sequence > last, "{} after {last}", change.sequence);
                    last = change.sequence;
                    seen.push(change.sequence);
                }
                if finished && changes.is_empty() {
                    return seen;
                }
                if changes.is_empty() {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
            }
        });
        // The follower stops once the writers are done, whether or not they succeeded.
        struct Done<'a>(&'a std::sync::atomic::AtomicBool);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                self.0.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let _done = Done(&done);
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let store = &store;
                scope.spawn(move || {
                    for s in 0..SAVES {
                        let id = format!("w{w}-{s}");
                        let note = json!({ "id": id });
                        store.persist("Note", &id, &note, &note).unwrap();
                    }
                })
            })
            .collect();
        let failed: Vec<String> = writers
            .into_iter()
            .filter_map(|w| w.join().err())
            .map(|panic| format!("{:?}", panic.downcast_ref::<String>()))
            .collect();
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        assert!(failed.is_empty(), "writers failed: {failed:?}");
        follower.join().unwrap()
    });
    let all: Vec<i64> = store
        .changes_since(0, 100_000)
        .unwrap()
        .iter()
        .map(|c| c.sequence)
        .collect();
    assert_eq!(all.len(), WRITERS * SAVES);
    assert_eq!(followed, all, "the follower missed or repeated changes");
}

/// `follow` waits for changes as they are committed; resumed from the last sequence it
/// handed out, it repeats none and misses none; `prune_changes` removes those before a
/// sequence.
pub fn following_resumes_exactly_and_pruning_removes(b: &Backend) {
    let db = b.store(registry());
    let options = StoreOptions {
        change_log: true,
        ..StoreOptions::default()
    };
    let store = db.connect_with(registry(), options).unwrap();
    let (first, second) = std::thread::scope(|scope| {
        scope.spawn(|| {
            for i in 0..60 {
                if i % 20 == 0 {
                    std::thread::sleep(std::time::Duration::from_millis(30));
                }
                let id = format!("n{i}");
                let note = json!({ "id": id });
                store.persist("Note", &id, &note, &note).unwrap();
            }
        });
        let mut follower = store.follow(0);
        let first: Vec<_> = follower.by_ref().take(25).map(Result::unwrap).collect();
        let position = follower.position();
        drop(follower);
        let second: Vec<_> = store
            .follow(position)
            .take(35)
            .map(Result::unwrap)
            .collect();
        (first, second)
    });
    let followed: Vec<i64> = first.iter().chain(&second).map(|c| c.sequence).collect();
    let all: Vec<i64> = store
        .changes_since(0, 1000)
        .unwrap()
        .iter()
        .map(|c| c.sequence)
        .collect();
    assert_eq!(followed, all);
    let ids: Vec<&str> = first.iter().chain(&second).map(|c| c.id.as_str()).collect();
    assert_eq!(ids[0], "n0");
    assert_eq!(ids[59], "n59");
    let cut = all[30];
    assert_eq!(store.prune_changes(cut).unwrap(), 30);
    let left = store.changes_since(cut - 1, 1000).unwrap();
    assert_eq!(left.len(), 30);
    assert_eq!(left[0].sequence, cut);
    // A reader behind the cut would miss changes: it is told so.
    for behind in [0, all[10], cut - 2] {
        let error = store.changes_since(behind, 1000).unwrap_err().to_string();
        assert!(error.contains("pruned"), "{error}");
        let mut follower = store.follow(behind);
        assert!(follower.next().unwrap().is_err());
    }
    // Pruning less than before keeps the record of the larger cut.
    store.prune_changes(all[5]).unwrap();
    assert!(store.changes_since(all[10], 1000).is_err());
}

/// An idle follower on PostgreSQL waits on its own `LISTEN` connection: it reads the log
/// about once a second while nothing comes, and at once when a writer commits. Elsewhere
/// it polls (bounded: 1 ms doubling to 100 ms).
pub fn an_idle_follower_is_woken_by_commits(b: &Backend) {
    let db = b.store(registry());
    let options = StoreOptions {
        change_log: true,
        ..StoreOptions::default()
    };
    let store = db.connect_with(registry(), options).unwrap();
    let mut follower = store.follow(0);
    assert_eq!(follower.is_woken(), b.kind == Kind::Postgres);
    let (received, reads) = std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let change = follower.next().unwrap().unwrap();
            (change, std::time::Instant::now(), follower.reads())
        });
        // (Just past its first safety read: without the notification it would wait
        // about 0.9 s more.)
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let committed = std::time::Instant::now();
        let note = json!({"id": "wake"});
        store.persist("Note", "wake", &note, &note).unwrap();
        let (change, at, reads) = reader.join().unwrap();
        assert_eq!(change.id, "wake");
        (at.saturating_duration_since(committed), reads)
    });
    match b.kind {
        Kind::Postgres => {
            // Without the notification it would wait out the second.
            assert!(reads <= 4, "{reads} reads in 1.1 s");
            assert!(
                received < std::time::Duration::from_millis(400),
                "woken {received:?} after the commit"
            );
        }
        _ => assert!(reads >= 10, "{reads} reads in 1.1 s: not polling?"),
    }
}
