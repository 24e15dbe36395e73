//! Secondary indexes and unique keys declared in the mapping.

use crate::support::*;
use nasc_runtime::{Error, Registry, Store};
use serde_json::{json, Value};

fn registry() -> Registry {
    let root = env!("CARGO_MANIFEST_DIR");
    Registry::from_files(
        format!("{root}/tests/schemas/keys.schema.json"),
        format!("{root}/tests/schemas/keys.mapping.json"),
    )
    .unwrap()
}

fn member(id: &str, email: &str, team: &str, number: i64, badges: Value) -> Value {
    json!({"id": id, "email": email, "team": team, "number": number, "badges": badges})
}

pub fn declared_indexes_exist(b: &Backend) {
    let store = b.store(registry());
    assert!(store.indexed("members", "team"));
    assert!(store.indexed("members", "email"));
    assert!(store.indexed("badges", "code"));
}

pub fn a_unique_key_violation_names_the_key_and_writes_nothing(b: &Backend) {
    let store = b.store(registry());
    let ada = member(
        "m1",
        "ada@example.com",
        "core",
        1,
        json!([{"id": "b1", "code": "gold"}]),
    );
    store.persist("Member", "m1", &ada, &ada).unwrap();
    // Saving the same member again is an update, not a violation.
    store.persist("Member", "m1", &ada, &ada).unwrap();

    let cases = [
        (
            member("m2", "ada@example.com", "web", 2, json!([])),
            "unique key (email) of `Member`",
            "",
        ),
        (
            member("m2", "bob@example.com", "core", 1, json!([])),
            "unique key (team, number) of `Member`",
            "",
        ),
        (
            member(
                "m2",
                "bob@example.com",
                "web",
                2,
                json!([{"id": "b9", "code": "gold"}]),
            ),
            "unique key (code) of `Badge`",
            "/badges/0",
        ),
    ];
    for (bob, key, pointer) in cases {
        match store.persist("Member", "m2", &bob, &bob).unwrap_err() {
            Error::Conflict {
                ty,
                id,
                pointer: at,
                message,
            } => {
                assert_eq!(
                    (ty.as_str(), id.as_str(), at.as_str()),
                    ("Member", "m2", pointer)
                );
                assert!(message.contains(key), "{message} should name {key}");
            }
            other => panic!("expected a conflict on {key}, got {other}"),
        }
        assert_eq!(store.load("Member", "m2").unwrap(), None);
    }
    assert_eq!(store.load("Member", "m1").unwrap(), Some(ada));
    // Changing the member's own keys is fine.
    let moved = member(
        "m1",
        "ada@new.example.com",
        "web",
        7,
        json!([{"id": "b1", "code": "gold"}]),
    );
    store.persist("Member", "m1", &moved, &moved).unwrap();
    assert_eq!(store.load("Member", "m1").unwrap(), Some(moved));
}
