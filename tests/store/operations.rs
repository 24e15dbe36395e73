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
