//! A conformance suite for [`Store`] implementations, yours included.
//!
//! ```no_run
//! # use nasc_runtime::{MemoryStore, testing};
//! // For stores that check a schema (the mapped stores), build them from `testing::registry()`.
//! testing::check_store(&MemoryStore::new());
//! ```
//!
//! Each check panics with a message saying what the store got wrong.

pub use crate::coverage::{record_statements, StatementCoverage};
pub use crate::scratch::ScratchDatabase;
pub use crate::sql::Statement;
use crate::{Registry, Store};
use serde_json::{json, Value};

const SCHEMA: &str = r##"{"$defs": {
    "Note": {"type": "object", "properties": {
        "id": {"type": "string"}, "text": {"type": "string"}, "n": {"type": "integer"}, "x": {"type": "number"},
        "flag": {"type": ["boolean", "null"]}, "tags": {"type": "array", "items": {"type": "string"}},
        "meta": {"type": "object"}}, "required": ["id", "flag"]},
    "A": {"type": "object", "properties": {"id": {"type": "string"}, "value": {"type": "string"}}, "required": ["id"]},
    "A:B": {"type": "object", "properties": {"id": {"type": "string"}, "value": {"type": "string"}}, "required": ["id"]}
}}"##;
const MAPPING: &str = r#"{"Note": {}, "A": {}, "A:B": {}}"#;

/// The registry of the suite's types (`Note`, `A`, `A:B`), for stores built from one.
pub fn registry() -> Registry {
    Registry::from_json_str(
        "nasc-testing.schema.json",
        SCHEMA,
        "nasc-testing.mapping.json",
        MAPPING,
    )
    .expect("the suite's schema is valid")
}

fn note(id: &str) -> Value {
    json!({
        "id": id, "text": "héllo \"wörld\" ✓", "n": 9007199254740993_i64, "x": -2.5, "flag": null,
        "tags": ["b", "a", "b"], "meta": {"nested": {"deep": [1, {"k": false}]}, "empty": {}}
    })
}

fn save<S: Store + ?Sized>(store: &S, ty: &str, value: &Value) {
    let id = value["id"].as_str().expect("suite values have string ids");
    store
        .persist(ty, id, value, value)
        .unwrap_or_else(|e| panic!("persist {ty} {id}: {e}"));
}

/// Runs every check on `store`, which must start empty of the suite's ids.
pub fn check_store<S: Store + ?Sized>(store: &S) {
    missing_is_none(store);
    round_trip(store);
    loads_are_owned_copies(store);
    persist_replaces(store);
    type_and_id_are_separate_keys(store);
    delete_removes(store);
    non_object_diff_is_refused(store);
    many_threads(store);
    create_only_creates(store);
    replace_only_replaces(store);
    partial_diff_keeps_what_it_leaves_out(store);
}

/// A persist whose diff is not the state itself writes what the diff names (set, listed
/// under `$removed`) and no more: the properties it leaves out keep their stored values,
/// even when `full` holds others (another writer's change is not overwritten). Saved
/// first, a partial diff stores `full`.
pub fn partial_diff_keeps_what_it_leaves_out<S: Store + ?Sized>(store: &S) {
    let first = json!({"id": "partial", "text": "first", "n": 1, "x": 1.5, "flag": true,
        "tags": ["a"], "meta": {"k": 1}});
    let diff = json!({"text": "ignored, as `full` holds the value"});
    store
        .persist("Note", "partial", &diff, &first)
        .expect("persist");
    assert_eq!(
        store.load("Note", "partial").expect("load"),
        Some(first.clone()),
        "a partial diff of an aggregate not stored yet stores `full`"
    );
    // `full` as a stale writer holds it: only `text` and `x` changed, and `n` went.
    let full = json!({"id": "partial", "text": "second", "x": 2.5, "flag": false,
        "tags": ["stale"], "meta": {"k": "stale"}});
    let diff = json!({"text": "second", "x": 2.5, "$removed": ["n"]});
    store
        .persist("Note", "partial", &diff, &full)
        .expect("persist");
    let expected = json!({"id": "partial", "text": "second", "x": 2.5, "flag": true,
        "tags": ["a"], "meta": {"k": 1}});
    assert_eq!(
        store.load("Note", "partial").expect("load"),
        Some(expected),
        "a persist must write what its diff names and keep what it leaves out"
    );
    // The state as its own diff is the whole state again.
    store
        .persist("Note", "partial", &full, &full)
        .expect("persist");
    assert_eq!(
        store.load("Note", "partial").expect("load"),
        Some(full),
        "a diff that is the state itself writes the whole state"
    );
}

/// `create` saves a new aggregate, and leaves a stored one as it is (`false`); of several
/// creates of one id at once, exactly one wins and every loser sees its state.
pub fn create_only_creates<S: Store + ?Sized>(store: &S) {
    let first = json!({"id": "created", "text": "first", "flag": null});
    assert!(
        store.create("Note", "created", &first).expect("create"),
        "a new id is created"
    );
    let second = json!({"id": "created", "text": "second", "flag": true});
    assert!(
        !store.create("Note", "created", &second).expect("create"),
        "a stored id is not created again"
    );
    assert_eq!(store.load("Note", "created").expect("load"), Some(first));
    for round in 0..5 {
        let id = format!("raced{round}");
        let barrier = std::sync::Barrier::new(4);
        let won: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|writer| {
                    let (barrier, id) = (&barrier, &id);
                    s.spawn(move || {
                        let value =
                            json!({"id": id, "text": format!("writer {writer}"), "flag": null});
                        barrier.wait();
                        usize::from(store.create("Note", id, &value).expect("create"))
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a writer"))
                .sum()
        });
        assert_eq!(won, 1, "exactly one of four creates of `{id}` at once wins");
    }
}

/// `replace` writes the whole state of a stored aggregate, and writes nothing (`false`)
/// when none is stored, even while another thread deletes it.
pub fn replace_only_replaces<S: Store + ?Sized>(store: &S) {
    let absent = json!({"id": "to-replace", "text": "never", "flag": null});
    assert!(
        !store
            .replace("Note", "to-replace", &absent)
            .expect("replace"),
        "nothing stored: nothing replaced"
    );
    assert_eq!(store.load("Note", "to-replace").expect("load"), None);
    let first = json!({"id": "to-replace", "text": "first", "n": 1, "flag": true});
    store
        .persist("Note", "to-replace", &first, &first)
        .expect("persist");
    let second = json!({"id": "to-replace", "text": "second", "flag": null});
    assert!(store
        .replace("Note", "to-replace", &second)
        .expect("replace"));
    assert_eq!(
        store.load("Note", "to-replace").expect("load"),
        Some(second.clone()),
        "the whole state is written: `n` is gone"
    );
    assert!(store.delete("Note", "to-replace").expect("delete"));
    assert!(!store
        .replace("Note", "to-replace", &second)
        .expect("replace"));
    assert_eq!(store.load("Note", "to-replace").expect("load"), None);
    // Racing a delete: the aggregate is replaced and then deleted, or left deleted; it is
    // never brought back by the replace.
    for round in 0..5 {
        let id = format!("gone{round}");
        let value = json!({"id": id, "text": "first", "flag": null});
        store.persist("Note", &id, &value, &value).expect("persist");
        let barrier = std::sync::Barrier::new(2);
        std::thread::scope(|s| {
            let (barrier, id, value) = (&barrier, &id, &value);
            s.spawn(move || {
                barrier.wait();
                store.delete("Note", id).expect("delete")
            });
            s.spawn(move || {
                barrier.wait();
                store.replace("Note", id, value).expect("replace")
            });
        });
        assert_eq!(
            store.load("Note", &id).expect("load"),
            None,
            "a replace racing a delete does not bring `{id}` back"
        );
    }
}

/// Loading what was never saved is `None`.
pub fn missing_is_none<S: Store + ?Sized>(store: &S) {
    assert_eq!(
        store.load("Note", "never-saved").expect("load"),
        None,
        "a missing aggregate must load as None"
    );
}

/// What is saved loads back equal: strings, 64-bit integers, floats, null, arrays, objects.
pub fn round_trip<S: Store + ?Sized>(store: &S) {
    let value = note("round-trip");
    save(store, "Note", &value);
    assert_eq!(
        store.load("Note", "round-trip").expect("load"),
        Some(value),
        "the loaded value differs from the saved one"
    );
}

/// Changing a loaded value changes nothing stored.
pub fn loads_are_owned_copies<S: Store + ?Sized>(store: &S) {
    let value = note("owned");
    save(store, "Note", &value);
    let mut loaded = store.load("Note", "owned").expect("load").expect("saved");
    loaded["text"] = json!("changed after load");
    assert_eq!(
        store.load("Note", "owned").expect("load"),
        Some(value),
        "a load must return a copy, not the stored value"
    );
}

/// A second persist replaces the first state whole (removed keys are gone).
pub fn persist_replaces<S: Store + ?Sized>(store: &S) {
    save(store, "Note", &note("replaced"));
    let second = json!({"id": "replaced", "text": "second", "flag": true});
    save(store, "Note", &second);
    assert_eq!(
        store.load("Note", "replaced").expect("load"),
        Some(second),
        "persist must replace the whole state"
    );
}

/// `("A:B", "c")` and `("A", "B:c")` are different aggregates.
pub fn type_and_id_are_separate_keys<S: Store + ?Sized>(store: &S) {
    let one = json!({"id": "c", "value": "type A:B"});
    let two = json!({"id": "B:c", "value": "type A"});
    store
        .persist("A:B", "c", &one, &one)
        .expect("persist A:B/c");
    store
        .persist("A", "B:c", &two, &two)
        .expect("persist A/B:c");
    assert_eq!(
        store.load("A:B", "c").expect("load"),
        Some(one),
        "(A:B, c) was overwritten by (A, B:c)"
    );
    assert_eq!(store.load("A", "B:c").expect("load"), Some(two));
}

/// `delete` removes and says whether there was something to remove.
pub fn delete_removes<S: Store + ?Sized>(store: &S) {
    save(store, "Note", &note("deleted"));
    assert!(
        store.delete("Note", "deleted").expect("delete"),
        "deleting a stored aggregate must return true"
    );
    assert!(
        !store.delete("Note", "deleted").expect("delete"),
        "deleting again must return false"
    );
    assert_eq!(store.load("Note", "deleted").expect("load"), None);
}

/// A diff that is not a map of top-level keys is an error, and nothing is written.
pub fn non_object_diff_is_refused<S: Store + ?Sized>(store: &S) {
    let value = note("bad-diff");
    assert!(
        store
            .persist("Note", "bad-diff", &json!([1]), &value)
            .is_err(),
        "a non-object diff must be refused"
    );
    assert_eq!(
        store.load("Note", "bad-diff").expect("load"),
        None,
        "a refused persist must write nothing"
    );
}

/// Several threads save and load different aggregates at once.
pub fn many_threads<S: Store + ?Sized>(store: &S) {
    std::thread::scope(|scope| {
        for t in 0..4 {
            scope.spawn(move || {
                for i in 0..25 {
                    let id = format!("thread-{t}-{i}");
                    let value = json!({"id": id, "n": i, "flag": i % 2 == 0});
                    save(store, "Note", &value);
                    assert_eq!(store.load("Note", &id).expect("load"), Some(value));
                }
            });
        }
    });
}

/// Checks that the two front ends of the write engine agree on `entity` (an aggregate of a
/// type of `registry`) for `dialect`: the rows the code `schema!` or `#[derive(Entity)]`
/// generates (the typed API) equal the rows validated from the entity's JSON document (the
/// dynamic API), or both refuse it with the same error. `Ok` holds what both front ends
/// did; `Err` describes the difference.
pub fn front_ends_agree(
    registry: &Registry,
    entity: &dyn crate::encode::Encode,
    dialect: crate::Dialect,
) -> Result<Result<(), crate::Error>, String> {
    use crate::aggregate::{validate, Target};
    let model = registry.model();
    let id = entity.id();
    let target = Target {
        ty: entity.type_name(),
        id: &id,
    };
    let ty = match registry.aggregate(target.ty) {
        Ok(ty) => ty,
        Err(e) => return Ok(Err(e)),
    };
    let document = entity
        .document()
        .map_err(|e| format!("the entity has no JSON document: {e}"))?;
    let typed = crate::encode::encode_aggregate(model, ty, entity, None, dialect, target);
    let json = validate(model, ty, &document, None, dialect, target);
    match (typed, json) {
        (Ok(typed), Ok(json)) => same_rows(&typed, &json).map(Ok),
        (Err(typed), Err(json)) if format!("{typed:?}") == format!("{json:?}") => Ok(Err(typed)),
        (typed, json) => Err(format!(
            "typed: {:?}\nJSON:  {:?}",
            typed.map(|_| "rows"),
            json.map(|_| "rows")
        )),
    }
}

/// Whether two row trees hold the same rows, values and pointers.
fn same_rows(
    typed: &crate::aggregate::RowTree<'_>,
    json: &crate::aggregate::RowTree<'_>,
) -> Result<(), String> {
    let at = json.pointer();
    if typed.ty.name != json.ty.name || typed.at != json.at {
        return Err(format!(
            "row {} of `{}` against row {at} of `{}`",
            typed.pointer(),
            typed.ty.name,
            json.ty.name
        ));
    }
    if typed.values != json.values {
        return Err(format!(
            "at {at}: typed values {:?}, JSON values {:?}",
            typed.values, json.values
        ));
    }
    if typed.children.len() != json.children.len() {
        return Err(format!("at {at}: the arrays differ in number"));
    }
    for (typed, json) in typed.children.iter().zip(&json.children) {
        if typed.len() != json.len() {
            return Err(format!(
                "at {at}: an array of {} rows against {}",
                typed.len(),
                json.len()
            ));
        }
        for (typed, json) in typed.iter().zip(json) {
            same_rows(typed, json)?;
        }
    }
    Ok(())
}

/// The typed front end's probe of a property's shape ([`crate::encode::RowEncoder::serde`]
/// checks enums, instants and documents with it, without building JSON) against the JSON
/// front end's checks, on one value of `field`: `Ok(true)` when both accept the value,
/// `Ok(false)` when the JSON front end refuses it. `Err` says how they differ: the probe
/// accepted a value the JSON front end refuses, or left one to it that it accepts without
/// a reason (only keywords that compare values, such as `uniqueItems`, are one).
pub fn probe_agrees(
    model: &crate::Model,
    field: &nasc_model::Field,
    value: &Value,
) -> Result<bool, String> {
    use crate::probe;
    use nasc_model::ScalarType;
    let embedded = &model.embedded;
    let (probed, checked) = if field.scalar == ScalarType::Json {
        let checked = crate::aggregate::check_document(value, "")
            .and_then(|()| field.check_value(value, "", embedded));
        (
            probe::accepts_document(value, &field.shape, embedded),
            checked,
        )
    } else {
        let probed = serde::Serialize::serialize(value, probe::Capture)
            .is_ok_and(|scalar| probe::accepts_scalar(&field.shape, &scalar));
        (probed, field.check_value(value, "", embedded))
    };
    match (probed, checked) {
        (true, Ok(())) => Ok(true),
        (false, Err(_)) => Ok(false),
        (true, Err(refused)) => Err(format!(
            "`{}`: the probe accepts {value}, which the JSON front end refuses: {refused:?}",
            field.property
        )),
        (false, Ok(()))
            if !value.is_array() && !value.is_object() && field.scalar != ScalarType::Json =>
        {
            Err(format!(
                "`{}`: the probe leaves the scalar {value} to the JSON front end, which accepts it",
                field.property
            ))
        }
        (false, Ok(())) if probe::compares_values(&field.shape, embedded) => Ok(true),
        (false, Ok(())) => Err(format!(
            "`{}`: the probe leaves {value} to the JSON front end, which accepts it",
            field.property
        )),
    }
}
