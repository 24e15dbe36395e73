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
