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
    let lines = Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let writer = {
        let lines = lines.clone();
        move || Captured(lines.clone())
    };
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(writer)
        .finish();
    let text = || String::from_utf8(lines.lock().unwrap().clone()).unwrap();
    tracing::subscriber::with_default(subscriber, || {
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
    let text = text();
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

/// A writer into a shared buffer.
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
