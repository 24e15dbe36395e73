//! The `Store` API with JSON values: round trips, the reference's failure cases, bad input.

use crate::support::*;
use nasc_runtime::{Error, Store};
use serde_json::{json, Value};

fn list(id: &str, items: &[(&str, &str, bool)]) -> Value {
    let items: Vec<Value> = items
        .iter()
        .map(|(id, title, completed)| json!({"id": id, "title": title, "completed": completed}))
        .collect();
    json!({"id": id, "items": items})
}

fn save(store: &impl Store, ty: &str, value: &Value) {
    let id = match &value["id"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    store
        .persist(ty, &id, value, value)
        .unwrap_or_else(|e| panic!("{e}"));
}

pub fn todo_list_round_trips_in_order_and_reorders(b: &Backend) {
    let store = b.store(demo_registry());
    let first = list(
        "l1",
        &[
            ("b", "second letter", true),
            ("a", "first", false),
            ("c", "third", false),
        ],
    );
    save(&*store, "TodoList", &first);
    assert_eq!(store.load("TodoList", "l1").unwrap(), Some(first));
    let reordered = list("l1", &[("c", "third", true), ("b", "second letter", true)]);
    save(&*store, "TodoList", &reordered);
    assert_eq!(store.load("TodoList", "l1").unwrap(), Some(reordered));
    assert_eq!(store.count("todos"), 2);
    assert_eq!(store.load("TodoList", "nope").unwrap(), None);
}

pub fn no_foreign_key_or_position_leaks_into_children(b: &Backend) {
    let store = b.store(demo_registry());
    save(&*store, "TodoList", &list("l1", &[("a", "x", false)]));
    let loaded = store.load("TodoList", "l1").unwrap().unwrap();
    let item = loaded["items"][0].as_object().unwrap();
    let keys: Vec<&str> = item.keys().map(String::as_str).collect();
    assert_eq!(keys, ["id", "title", "completed"]);
    assert_eq!(item["completed"], json!(false));
}

pub fn two_parents_hold_children_with_the_same_id(b: &Backend) {
    let store = b.store(demo_registry());
    let one = list("l1", &[("1", "milk", false), ("2", "eggs", true)]);
    let two = list("l2", &[("1", "call mum", true)]);
    save(&*store, "TodoList", &one);
    save(&*store, "TodoList", &two);
    assert_eq!(store.load("TodoList", "l1").unwrap(), Some(one));
    assert_eq!(store.load("TodoList", "l2").unwrap(), Some(two));
}

pub fn todo_is_both_a_top_level_aggregate_and_a_child(b: &Backend) {
    let store = b.store(demo_registry());
    let alone = json!({"id": "t1", "title": "standalone", "completed": false});
    save(&*store, "Todo", &alone);
    let parent = list("l1", &[("t1", "inside a list", true)]);
    save(&*store, "TodoList", &parent);
    let updated = json!({"id": "t1", "title": "standalone, edited", "completed": true});
    save(&*store, "Todo", &updated);
    assert_eq!(store.load("Todo", "t1").unwrap(), Some(updated.clone()));
    assert_eq!(store.load("TodoList", "l1").unwrap(), Some(parent));
    assert!(store.delete("TodoList", "l1").unwrap());
    assert_eq!(store.load("Todo", "t1").unwrap(), Some(updated));
    assert_eq!(store.count("todos"), 1);
    assert!(store.delete("Todo", "t1").unwrap());
    assert!(!store.delete("Todo", "t1").unwrap());
    assert_eq!(store.load("Todo", "t1").unwrap(), None);
}

pub fn delete_removes_children_by_cascade(b: &Backend) {
    let store = b.store(demo_registry());
    save(
        &*store,
        "TodoList",
        &list("l1", &[("a", "x", false), ("b", "y", true)]),
    );
    save(&*store, "TodoList", &list("l2", &[("a", "z", false)]));
    assert!(store.delete("TodoList", "l1").unwrap());
    assert_eq!(store.load("TodoList", "l1").unwrap(), None);
    assert_eq!(store.count("todos"), 1);
    assert!(!store.delete("TodoList", "l1").unwrap());
}

pub fn a_failure_on_the_nth_child_leaves_the_old_aggregate(b: &Backend) {
    let store = b.store(demo_registry());
    let old = list("l1", &[("a", "keep me", false), ("b", "and me", true)]);
    save(&*store, "TodoList", &old);
    store.refuse("todos", "title", "boom");
    let new = list(
        "l1",
        &[
            ("c", "new 0", false),
            ("d", "new 1", false),
            ("e", "new 2", false),
            ("f", "boom", false),
        ],
    );
    // Children are written in one multi-row insert, so the error points at their array.
    let error = store.persist("TodoList", "l1", &new, &new).unwrap_err();
    match &error {
        Error::Database {
            ty, id, pointer, ..
        } => {
            assert_eq!(
                (ty.as_str(), id.as_str(), pointer.as_str()),
                ("TodoList", "l1", "/items")
            );
        }
        other => panic!("expected a database error, got {other}"),
    }
    assert!(error.to_string().contains("refuse"), "{error}");
    assert_eq!(store.load("TodoList", "l1").unwrap(), Some(old));
    assert_eq!(store.count("todos"), 2);
}

/// Persists `bad`, expects `Error::Invalid` at `pointer`, and checks nothing changed.
fn rejects(store: &TestDb, ty: &str, id: &str, bad: Value, pointer: &str, message: &str) {
    let before = (store.count("todo_lists"), store.count("todos"));
    let error = store.persist(ty, id, &bad, &bad).unwrap_err();
    match &error {
        Error::Invalid {
            ty: t,
            id: i,
            pointer: p,
            message: m,
        } => {
            assert_eq!(
                (t.as_str(), i.as_str(), p.as_str()),
                (ty, id, pointer),
                "{error}"
            );
            assert!(m.contains(message), "`{m}` should contain `{message}`");
        }
        other => panic!("expected Error::Invalid, got {other}"),
    }
    let shown = error.to_string();
    assert!(
        shown.contains(ty) && shown.contains(id) && shown.contains(pointer),
        "{shown}"
    );
    assert_eq!((store.count("todo_lists"), store.count("todos")), before);
}

pub fn bad_input_is_rejected_with_type_id_and_pointer_and_nothing_is_written(b: &Backend) {
    let store = b.store(demo_registry());
    let good = list("l1", &[("a", "x", false)]);
    save(&*store, "TodoList", &good);
    rejects(
        &store,
        "TodoList",
        "l1",
        json!({"id": "l1", "items": [{"id": "a", "title": "x", "completed": "yes"}]}),
        "/items/0/completed",
        "expected boolean, found string \"yes\"",
    );
    rejects(
        &store,
        "TodoList",
        "l1",
        json!({"id": "l1", "items": [{"id": "a", "completed": true}]}),
        "/items/0/title",
        "`Todo` requires `title`",
    );
    rejects(
        &store,
        "TodoList",
        "l1",
        json!({"id": "l1", "items": {"id": "a"}}),
        "/items",
        "expected an array of `Todo`, found an object",
    );
    rejects(
        &store,
        "TodoList",
        "l1",
        json!({"id": "l1"}),
        "/items",
        "requires `items`",
    );
    rejects(
        &store,
        "TodoList",
        "l1",
        json!({"id": "other", "items": []}),
        "/id",
        "the id given is `l1`",
    );
    rejects(
        &store,
        "TodoList",
        "l1",
        json!({"id": "l1", "itmes": []}),
        "/itmes",
        "did you mean `items`?",
    );
    rejects(
        &store,
        "TodoList",
        "l1",
        json!([1, 2]),
        "",
        "expected a `TodoList` object, found an array",
    );
    rejects(
        &store,
        "TodoList",
        "l1",
        json!({"id": "l1", "items": [{"id": "a", "title": "x", "completed": true}, {"id": "a", "title": "y", "completed": true}]}),
        "/items/1/id",
        "appears twice",
    );
    rejects(
        &store,
        "TodoList",
        "l1",
        json!({"id": "l1", "items": [{"id": "a", "title": null, "completed": true}]}),
        "/items/0/title",
        "expected string, found null",
    );
    assert_eq!(store.load("TodoList", "l1").unwrap(), Some(good.clone()));

    let unknown = store
        .persist("Nope", "1", &json!({}), &json!({}))
        .unwrap_err();
    assert!(matches!(unknown, Error::UnknownType { .. }), "{unknown}");
    assert!(
        unknown.to_string().contains("`Nope`") && unknown.to_string().contains("`TodoList`"),
        "{unknown}"
    );
    assert!(matches!(
        store.load("Nope", "1"),
        Err(Error::UnknownType { .. })
    ));
    let diff = store
        .persist("TodoList", "l1", &json!([]), &good)
        .unwrap_err();
    assert!(
        diff.to_string().contains("the diff must be an object"),
        "{diff}"
    );
}

pub fn opening_twice_is_idempotent_and_keeps_data(b: &Backend) {
    let store = b.store(demo_registry());
    let value = list("l1", &[("a", "x", true)]);
    save(&*store, "TodoList", &value);
    let again = store.reopen(demo_registry());
    assert_eq!(again.load("TodoList", "l1").unwrap(), Some(value));
}

pub fn one_store_serves_many_threads(b: &Backend) {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<nasc_runtime::MappedStore>();
    let store = std::sync::Arc::new(b.store(demo_registry()));
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..20 {
                    let id = format!("l{t}-{i}");
                    let value = list(&id, &[("a", "x", t % 2 == 0), ("b", "y", i % 2 == 0)]);
                    store.persist("TodoList", &id, &value, &value).unwrap();
                    assert_eq!(store.load("TodoList", &id).unwrap(), Some(value));
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    assert_eq!(store.count("todo_lists"), 160);
    assert_eq!(store.count("todos"), 320);
}

pub fn long_lists_are_written_in_several_batches(b: &Backend) {
    let store = b.store(demo_registry());
    let titles: Vec<String> = (0..1203).map(|i| format!("item {i}")).collect();
    let items: Vec<(String, &str, bool)> = titles
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("{i}"), t.as_str(), i % 3 == 0))
        .collect();
    let items: Vec<(&str, &str, bool)> = items
        .iter()
        .map(|(id, t, c)| (id.as_str(), *t, *c))
        .collect();
    let value = list("long", &items);
    save(&*store, "TodoList", &value);
    assert_eq!(store.load("TodoList", "long").unwrap(), Some(value));
    assert_eq!(store.count("todos"), 1203);
}

/// Child rows are written by key (only the added, removed, changed or moved ones), with the
/// same result as a full replace, on every backend.
pub fn writing_only_changed_children_equals_a_full_replace(b: &Backend) {
    let changed_only = b.store(demo_registry());
    let replace_db = b.store(demo_registry());
    let options = nasc_runtime::StoreOptions {
        replace_children: true,
        ..Default::default()
    };
    let replaced = replace_db.connect_with(demo_registry(), options).unwrap();
    let edits = [
        list(
            "l",
            &[
                ("a", "one", false),
                ("b", "two", false),
                ("c", "three", true),
            ],
        ),
        list(
            "l",
            &[
                ("c", "three", true),
                ("a", "one", false),
                ("b", "two", false),
            ],
        ),
        list(
            "l",
            &[
                ("c", "three!", false),
                ("d", "four", false),
                ("a", "one", false),
            ],
        ),
        list("l", &[("b", "two again", true), ("d", "four", false)]),
        list("l", &[]),
        list("l", &[("a", "back", true)]),
    ];
    for full in edits {
        changed_only.persist("TodoList", "l", &full, &full).unwrap();
        replaced.persist("TodoList", "l", &full, &full).unwrap();
        assert_eq!(
            changed_only.load("TodoList", "l").unwrap(),
            Some(full.clone())
        );
        assert_eq!(replaced.load("TodoList", "l").unwrap(), Some(full.clone()));
        assert_eq!(changed_only.count("todos"), replace_db.count("todos"));
    }
    // A diff that leaves the array out leaves its rows alone.
    let untouched = list("l", &[("z", "not written", false)]);
    changed_only
        .persist("TodoList", "l", &json!({"id": "l"}), &untouched)
        .unwrap();
    assert_eq!(
        changed_only.load("TodoList", "l").unwrap(),
        Some(list("l", &[("a", "back", true)]))
    );
}
