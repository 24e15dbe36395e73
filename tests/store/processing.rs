//! The processor over the mapped store: mount, events, dry runs, patches, subscribers, and
//! no lost updates under contention.

use crate::support::*;
use nasc_runtime::{Error, FnHandler, Message, Patch, Processor, Registry, Store, MOUNT};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn registry() -> Registry {
    Registry::from_json_str(
        "counter.schema.json",
        r#"{"$defs": {"Counter": {"type": "object", "properties": {"id": {"type": "string"}, "value": {"type": "integer"},
            "label": {"type": "string"}}, "required": ["id", "value"]}}}"#,
        "counter.mapping.json",
        r#"{"Counter": {}}"#,
    )
    .unwrap()
}

/// Handles `inc` (adds `payload.by`, default 1), `label` (sets or, with null, removes the
/// label), `fail` (refuses) and `corrupt` (makes the value a string, which the store refuses).
fn counter() -> impl nasc_runtime::Handler {
    FnHandler::new(
        |id, _| Ok(json!({"id": id, "value": 0})),
        |event, payload, state| {
            match event {
                "inc" => {
                    state["value"] = json!(
                        state["value"].as_i64().unwrap() + payload["by"].as_i64().unwrap_or(1)
                    )
                }
                "label" if payload.is_null() => {
                    state.as_object_mut().unwrap().remove("label");
                }
                "label" => state["label"] = payload.clone(),
                "corrupt" => state["value"] = json!("many"),
                "fail" => return Err("refused on purpose".into()),
                other => return Err(format!("unknown event `{other}`")),
            }
            Ok(())
        },
    )
}

fn message(event: &str, payload: Value) -> Message {
    serde_json::from_value(json!({"event": event, "instance": "Counter:c1", "payload": payload}))
        .unwrap()
}

pub fn mount_events_and_patches(b: &Backend) {
    let db = b.store(registry());
    let processor = Processor::new(db.reopen(registry())).handle("Counter", counter());
    let mounted = processor.process(&message(MOUNT, Value::Null));
    assert!(
        mounted.contains(&Patch::BindUpdate {
            instance: "Counter:c1".into(),
            key: "value".into(),
            value: json!(0)
        }),
        "{mounted:?}"
    );
    assert_eq!(
        db.load("Counter", "c1").unwrap(),
        Some(json!({"id": "c1", "value": 0})),
        "the first mount persists the state"
    );

    assert_eq!(
        processor.process(&message("inc", json!({"by": 5}))),
        [Patch::BindUpdate {
            instance: "Counter:c1".into(),
            key: "value".into(),
            value: json!(5)
        }]
    );
    processor.process(&message("label", json!("five")));
    assert_eq!(
        processor.process(&message("label", Value::Null)),
        [Patch::BindRemove {
            instance: "Counter:c1".into(),
            key: "label".into()
        }]
    );
    // Mounting again rehydrates: the whole stored state, nothing written.
    let again = processor.process(&message(MOUNT, Value::Null));
    assert!(again.contains(&Patch::BindUpdate {
        instance: "Counter:c1".into(),
        key: "value".into(),
        value: json!(5)
    }));

    let refused = processor.process(&message("fail", Value::Null));
    assert!(
        matches!(&refused[..], [Patch::Error { message, .. }] if message.contains("refused on purpose")),
        "{refused:?}"
    );
    let unmounted = processor
        .apply_event("Counter", "nobody", "inc", &Value::Null, false)
        .unwrap_err();
    assert!(matches!(unmounted, Error::Handler { .. }), "{unmounted}");
    assert_eq!(
        db.load("Counter", "c1").unwrap(),
        Some(json!({"id": "c1", "value": 5}))
    );
}

pub fn a_dry_run_writes_nothing(b: &Backend) {
    let db = b.store(registry());
    let processor = Processor::new(db.reopen(registry())).handle("Counter", counter());
    processor
        .apply_event("Counter", "c1", MOUNT, &Value::Null, false)
        .unwrap();
    let outcome = processor
        .apply_event("Counter", "c1", "inc", &json!({"by": 2}), true)
        .unwrap();
    assert!(!outcome.persisted);
    assert_eq!(outcome.state, json!({"id": "c1", "value": 2}));
    assert_eq!(outcome.diff.to_value(), json!({"value": 2}));
    assert_eq!(
        db.load("Counter", "c1").unwrap(),
        Some(json!({"id": "c1", "value": 0}))
    );
}

pub fn subscribers_hear_only_committed_changes(b: &Backend) {
    let db = b.store(registry());
    let heard = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = heard.clone();
    let processor = Processor::new(db.reopen(registry()))
        .handle("Counter", counter())
        .subscribe(move |change| sink.lock().unwrap().push(change.diff.to_value()));
    processor
        .apply_event("Counter", "c1", MOUNT, &Value::Null, false)
        .unwrap();
    processor
        .apply_event("Counter", "c1", "inc", &Value::Null, false)
        .unwrap();
    let refused = processor
        .apply_event("Counter", "c1", "corrupt", &Value::Null, false)
        .unwrap_err();
    assert!(matches!(refused, Error::Invalid { .. }), "{refused}");
    processor
        .apply_event("Counter", "c1", "fail", &Value::Null, false)
        .unwrap_err();
    processor
        .apply_event("Counter", "c1", "inc", &Value::Null, true)
        .unwrap();
    assert_eq!(
        *heard.lock().unwrap(),
        [json!({"id": "c1", "value": 0}), json!({"value": 1})]
    );
}

pub fn no_update_is_lost_under_contention(b: &Backend) {
    let db = b.store(registry());
    let processor = Processor::new(db.reopen(registry())).handle("Counter", counter());
    processor
        .apply_event("Counter", "shared", MOUNT, &Value::Null, false)
        .unwrap();
    let applied = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                for _ in 0..1000 {
                    processor
                        .apply_event("Counter", "shared", "inc", &Value::Null, false)
                        .unwrap();
                    applied.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    assert_eq!(applied.load(Ordering::Relaxed), 2000);
    assert_eq!(
        db.load("Counter", "shared").unwrap().unwrap()["value"],
        json!(2000)
    );
}

/// The handler of the versioned counter: mounts at 0, each event adds one.
pub(crate) fn versioned_counter() -> impl nasc_runtime::Handler {
    FnHandler::new(
        |id, _| Ok(json!({"id": id, "value": 0, "rev": 0})),
        |_, _, state| {
            state["value"] = json!(state["value"].as_i64().unwrap() + 1);
            Ok(())
        },
    )
}

pub(crate) fn versioned_registry() -> Registry {
    Registry::from_json_str(
        "counter.schema.json",
        r#"{"$defs": {"Counter": {"type": "object", "properties": {"id": {"type": "string"}, "value": {"type": "integer"},
            "rev": {"type": "integer"}}, "required": ["id", "value", "rev"]}}}"#,
        "counter.mapping.json",
        r#"{"Counter": {"x-na:store": {"version": "rev"}}}"#,
    )
    .unwrap()
}

pub fn a_stale_save_fails_with_both_versions(b: &Backend) {
    let store = b.store(versioned_registry());
    let first = json!({"id": "c", "value": 1, "rev": 0});
    store.persist("Counter", "c", &first, &first).unwrap();
    assert_eq!(
        store.load("Counter", "c").unwrap(),
        Some(json!({"id": "c", "value": 1, "rev": 1})),
        "each save bumps the version"
    );
    let stale = json!({"id": "c", "value": 2, "rev": 0});
    match store.persist("Counter", "c", &stale, &stale).unwrap_err() {
        Error::VersionConflict {
            ty,
            id,
            expected,
            actual,
        } => {
            assert_eq!(
                (ty.as_str(), id.as_str(), expected, actual),
                ("Counter", "c", 0, 1)
            );
        }
        other => panic!("expected a version conflict, got {other}"),
    }
    let fresh = json!({"id": "c", "value": 3, "rev": 1});
    store.persist("Counter", "c", &fresh, &fresh).unwrap();
    assert_eq!(
        store.load("Counter", "c").unwrap(),
        Some(json!({"id": "c", "value": 3, "rev": 2}))
    );
}

pub fn two_writers_lose_nothing_thanks_to_versions(b: &Backend) {
    let db = b.store(versioned_registry());
    let handler = versioned_counter;
    // Two processors over two stores (two pools): only the versions keep them apart.
    let last_version = Arc::new(std::sync::Mutex::new(None));
    let sink = last_version.clone();
    let one = Processor::new(db.reopen(versioned_registry()))
        .handle("Counter", handler())
        .retries(10_000)
        .subscribe(move |change| *sink.lock().unwrap() = change.version);
    let two = Processor::new(db.reopen(versioned_registry()))
        .handle("Counter", handler())
        .retries(10_000);
    one.apply_event("Counter", "shared", MOUNT, &Value::Null, false)
        .unwrap();
    std::thread::scope(|scope| {
        for processor in [&one, &two] {
            scope.spawn(move || {
                for _ in 0..200 {
                    processor
                        .apply_event("Counter", "shared", "inc", &Value::Null, false)
                        .unwrap();
                }
            });
        }
    });
    let stored = db.load("Counter", "shared").unwrap().unwrap();
    assert_eq!(stored["value"], json!(400));
    let outcome = one
        .apply_event("Counter", "shared", "inc", &Value::Null, false)
        .unwrap();
    assert_eq!(
        outcome.state["rev"],
        json!(402),
        "the returned state carries the stored version"
    );
    assert_eq!(
        *last_version.lock().unwrap(),
        Some(402),
        "subscribers hear the stored version"
    );
    assert_eq!(
        db.load("Counter", "shared").unwrap().unwrap()["rev"],
        json!(402)
    );
    assert_eq!(
        stored["rev"],
        json!(401),
        "one version per save: the mount and 400 increments"
    );
}

pub fn the_change_log_is_complete_and_in_order(b: &Backend) {
    let db = b.store(versioned_registry());
    let options = nasc_runtime::StoreOptions {
        change_log: true,
        ..Default::default()
    };
    let store = db.connect_with(versioned_registry(), options).unwrap();
    let save =
        |value: Value| store.persist("Counter", value["id"].as_str().unwrap(), &value, &value);
    save(json!({"id": "a", "value": 1, "rev": 0})).unwrap();
    save(json!({"id": "b", "value": 1, "rev": 0})).unwrap();
    // Refused before writing (a stale version, an invalid value), then refused by the
    // database mid-transaction: none of them may leave a log entry.
    assert!(save(json!({"id": "a", "value": 2, "rev": 0})).is_err());
    assert!(save(json!({"id": "a", "value": "two", "rev": 1})).is_err());
    db.refuse("counters", "id", "boom");
    assert!(save(json!({"id": "boom", "value": 1, "rev": 0})).is_err());
    save(json!({"id": "a", "value": 2, "rev": 1})).unwrap();
    assert!(store.delete("Counter", "b").unwrap());
    assert!(!store.delete("Counter", "b").unwrap());

    let log = store.changes_since(0, 100).unwrap();
    let summary: Vec<(String, Value, Option<i64>)> = log
        .iter()
        .map(|c| (c.id.clone(), c.diff.clone(), c.version))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "a".into(),
                json!({"id": "a", "value": 1, "rev": 0}),
                Some(1)
            ),
            (
                "b".into(),
                json!({"id": "b", "value": 1, "rev": 0}),
                Some(1)
            ),
            (
                "a".into(),
                json!({"id": "a", "value": 2, "rev": 1}),
                Some(2)
            ),
            ("b".into(), json!({"$deleted": true}), None),
        ]
    );
    assert!(
        log.windows(2).all(|w| w[0].sequence < w[1].sequence),
        "sequences increase"
    );
    assert!(log.iter().all(|c| c.ty == "Counter" && c.at > 0));
    let rest = store.changes_since(log[1].sequence, 100).unwrap();
    assert_eq!(rest, log[2..]);
    assert_eq!(store.changes_since(log[0].sequence, 1).unwrap(), log[1..2]);
}

pub fn timestamps_record_creation_and_last_save(b: &Backend) {
    let registry = Registry::from_json_str(
        "doc.schema.json",
        r#"{"$defs": {"Doc": {"type": "object", "properties": {"id": {"type": "string"}, "body": {"type": "string"},
            "createdAt": {"type": "string", "format": "date-time"}, "updatedAt": {"type": "integer"}}, "required": ["id"]}}}"#,
        "doc.mapping.json",
        r#"{"Doc": {"x-na:store": {"timestamps": {"created": "createdAt", "updated": "updatedAt"}}}}"#,
    )
    .unwrap();
    let store = b.store(registry);
    let before = chrono::Utc::now().timestamp_millis();
    let draft = json!({"id": "d", "body": "draft"});
    store.persist("Doc", "d", &draft, &draft).unwrap();
    let first = store.load("Doc", "d").unwrap().unwrap();
    let created = first["createdAt"].as_str().unwrap().to_owned();
    assert!(
        chrono::DateTime::parse_from_rfc3339(&created).is_ok(),
        "{created}"
    );
    let updated = first["updatedAt"].as_i64().unwrap();
    assert!(updated >= before, "{updated} >= {before}");
    std::thread::sleep(std::time::Duration::from_millis(5));
    // What the caller sends for the timestamps is replaced: nasc owns them.
    let edit =
        json!({"id": "d", "body": "final", "createdAt": "1999-01-01T00:00:00Z", "updatedAt": 1});
    store.persist("Doc", "d", &edit, &edit).unwrap();
    let second = store.load("Doc", "d").unwrap().unwrap();
    assert_eq!(second["body"], json!("final"));
    assert_eq!(
        second["createdAt"],
        json!(created),
        "the creation time stays"
    );
    assert!(
        second["updatedAt"].as_i64().unwrap() > updated,
        "the last-save time moves"
    );
}

/// Eight processors over eight pools, each incrementing one versioned counter 100 times at
/// once: with the default retry budget (backoff with jitter between tries) every increment
/// lands.
pub fn eight_writers_of_one_versioned_counter_all_succeed(b: &Backend) {
    const WRITERS: usize = 8;
    const INCREMENTS: usize = 100;
    let db = b.store(versioned_registry());
    let handler = versioned_counter;
    let processors: Vec<_> = (0..WRITERS)
        .map(|_| Processor::new(db.reopen(versioned_registry())).handle("Counter", handler()))
        .collect();
    // Every writer mounts the new instance at once: one creates it, the others load it.
    let barrier = std::sync::Barrier::new(WRITERS);
    let failures = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for processor in &processors {
            let (barrier, failures) = (&barrier, &failures);
            scope.spawn(move || {
                barrier.wait();
                processor
                    .apply_event("Counter", "shared", MOUNT, &Value::Null, false)
                    .unwrap_or_else(|e| panic!("mount: {e}"));
                for _ in 0..INCREMENTS {
                    if let Err(e) =
                        processor.apply_event("Counter", "shared", "inc", &Value::Null, false)
                    {
                        eprintln!("an increment failed: {e}");
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    assert_eq!(failures.load(Ordering::Relaxed), 0, "increments gave up");
    let stored = db.load("Counter", "shared").unwrap().unwrap();
    assert_eq!(stored["value"], json!(WRITERS * INCREMENTS));
}

/// Writers of different aggregates at once, each replacing its children again and again:
/// none fails (a deadlock the server reports is retried inside the store).
pub fn writers_of_different_aggregates_never_fail(b: &Backend) {
    const WRITERS: usize = 8;
    const SAVES: usize = 50;
    let db = b.store(demo_registry());
    let stores: Vec<_> = (0..WRITERS).map(|_| db.reopen(demo_registry())).collect();
    let failures = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for (writer, store) in stores.iter().enumerate() {
            let failures = &failures;
            scope.spawn(move || {
                let id = format!("list{writer}");
                for save in 0..SAVES {
                    let items: Vec<Value> = (0..(save % 7 + 1))
                        .map(|i| json!({"id": format!("t{}", (i + save) % 9), "title": format!("{save}"), "completed": i % 2 == 0}))
                        .collect();
                    let list = json!({"id": id, "items": items});
                    if let Err(e) = store.persist("TodoList", &id, &list, &list) {
                        eprintln!("writer {writer}, save {save}: {e}");
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    assert_eq!(failures.load(Ordering::Relaxed), 0);
}

/// Processors mounting one new instance of a type without a version at once, each with its
/// own initial state: one creates it, every other one gets that state (none overwrites it).
pub fn racing_mounts_of_a_new_instance_all_see_the_winner(b: &Backend) {
    const WRITERS: usize = 8;
    let db = b.store(registry());
    for round in 0..5 {
        let id = format!("raced{round}");
        let processors: Vec<_> = (0..WRITERS)
            .map(|writer| {
                let handler = FnHandler::new(
                    move |id, _| Ok(json!({"id": id, "value": writer})),
                    |_, _, _| Ok(()),
                );
                Processor::new(db.reopen(registry())).handle("Counter", handler)
            })
            .collect();
        let barrier = std::sync::Barrier::new(WRITERS);
        let states: Vec<Value> = std::thread::scope(|scope| {
            let handles: Vec<_> = processors
                .iter()
                .map(|processor| {
                    let (barrier, id) = (&barrier, &id);
                    scope.spawn(move || {
                        barrier.wait();
                        processor
                            .apply_event("Counter", id, MOUNT, &Value::Null, false)
                            .unwrap_or_else(|e| panic!("mount: {e}"))
                            .state
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let stored = db.loaded("Counter", &id);
        assert!(
            states.iter().all(|s| *s == stored),
            "every mount sees the stored state {stored}: {states:?}"
        );
    }
}
