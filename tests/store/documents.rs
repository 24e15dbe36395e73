//! Properties stored as JSON documents (nested objects, maps, arrays of values, embedded
//! `$ref`s, untyped values) and enums of strings.

use crate::support::*;
use nasc_runtime::{Error, Store};
use serde_json::{json, Value};

mod shapes {
    nasc_runtime::schema!(
        schema = "tests/schemas/shapes.schema.json",
        mapping = "tests/schemas/shapes.mapping.json"
    );
}
use shapes::{
    Note, Profile, ProfileAddress, ProfileHistoryItem, ProfileLevel, ProfileStatus, User,
};

fn profile() -> Value {
    json!({
        "id": "p1",
        "address": {"city": "Oslo", "zip": null},
        "labels": {"team": "core", "b": "2"},
        "tags": ["a", "b", "c"],
        "scores": [1.5, 2.0, -3.25],
        "owner": {"name": "Ada", "friends": [{"name": "Bob"}, {"name": "Cy", "friends": []}]},
        "status": "in-review",
        "level": "high",
        "extra": {"anything": [1, "two", null, {"three": 3.0}]},
        "seenAt": "2026-02-03T04:05:06.789Z",
        "history": [{"at": "2026-01-02T03:04:05Z", "what": "created"}, {"at": "2026-02-03T00:00:00.000001Z"}],
        "notes": [{"id": 2, "text": "second", "meta": {"k": [true]}}, {"id": 1, "text": "first"}],
        "nickname": "ada",
        "age": 36,
        "email": "ada@example.com",
        "website": "https://example.com/ada?x=1",
        "since": "2024-02-29",
        "key": "2eb8aa08-aa98-11ea-b4aa-73b441d16380",
        "kind": "profile",
        "rating": null,
        "score": 2.5
    })
}

fn registry() -> nasc_runtime::Registry {
    shapes::registry()
}

pub fn every_shape_round_trips(b: &Backend) {
    let store = b.store(registry());
    let value = profile();
    store.persist("Profile", "p1", &value, &value).unwrap();
    assert_eq!(store.load("Profile", "p1").unwrap(), Some(value));

    let minimal = json!({"id": "p2", "status": "draft", "tags": [], "notes": [], "extra": null, "scores": null});
    store.persist("Profile", "p2", &minimal, &minimal).unwrap();
    assert_eq!(store.load("Profile", "p2").unwrap(), Some(minimal));
    assert_eq!(store.count("notes"), 2);
}

pub fn generated_types_match_the_documents(b: &Backend) {
    let store = b.store(registry());
    let typed: Profile = serde_json::from_value(profile()).unwrap();
    assert_eq!(typed.status, ProfileStatus::InReview);
    assert_eq!(typed.level, Some(ProfileLevel::High));
    assert_eq!(
        typed.address,
        Some(ProfileAddress {
            city: "Oslo".into(),
            zip: Some(None)
        })
    );
    assert_eq!(
        typed.owner.as_ref().unwrap().friends.as_ref().unwrap()[0],
        User {
            name: "Bob".into(),
            friends: None
        }
    );
    assert_eq!(
        typed.history.as_ref().unwrap()[1],
        ProfileHistoryItem {
            at: "2026-02-03T00:00:00.000001Z".parse().unwrap(),
            what: None,
            additional_properties: Default::default()
        }
    );
    let meta = [("k".to_owned(), json!([true]))].into_iter().collect();
    assert_eq!(
        typed.notes[0],
        Note {
            id: 2,
            text: "second".into(),
            meta: Some(meta)
        }
    );
    assert_eq!(serde_json::to_value(&typed).unwrap(), profile());
    store.save(&typed).unwrap();
    assert_eq!(store.get::<Profile>("p1").unwrap(), Some(typed));
}

pub fn documents_are_validated_against_their_shape(b: &Backend) {
    let store = b.store(registry());
    let good = profile();
    store.persist("Profile", "p1", &good, &good).unwrap();
    let cases: [(&str, Value, &str); 22] = [
        (
            "/nickname",
            json!("a"),
            "`minLength` 2: string \"a\" has 1 characters",
        ),
        (
            "/nickname",
            json!("abcdefghijklmnopqrstu"),
            "`maxLength` 20",
        ),
        (
            "/nickname",
            json!("Ada"),
            "`pattern` \"^[a-z]+$\": string \"Ada\" does not match",
        ),
        ("/age", json!(-1), "`minimum` 0: number -1 is out of range"),
        (
            "/age",
            json!(150),
            "`exclusiveMaximum` 150: number 150 is out of range",
        ),
        ("/email", json!("ada@"), "`format` \"email\""),
        ("/website", json!("not a uri"), "`format` \"uri\""),
        ("/since", json!("2023-02-29"), "`format` \"date\""),
        (
            "/key",
            json!("2eb8aa08aa9811eab4aa73b441d16380"),
            "`format` \"uuid\"",
        ),
        ("/kind", json!("other"), "expected one of \"profile\""),
        ("/rating", json!(4), "expected one of 1, 2, 3, null"),
        ("/score", json!(2.25), "`multipleOf` 0.5"),
        (
            "/delta",
            json!(-4),
            "`minimum` -3.5: number -4 is out of range",
        ),
        (
            "/delta",
            json!(0),
            "`exclusiveMaximum` -0.25: number 0 is out of range",
        ),
        (
            "/tags/2",
            json!(["a", "b", "a"]),
            "`uniqueItems`: string \"a\" repeats item 0",
        ),
        (
            "/address/city",
            json!({"city": 5}),
            "expected string, found number 5",
        ),
        (
            "/address/country",
            json!({"city": "x", "country": "NO"}),
            "`additionalProperties` is false",
        ),
        ("/labels/b", json!({"b": 2}), "expected string"),
        (
            "/owner/friends/1/name",
            json!({"name": "A", "friends": [{"name": "B"}, {}]}),
            "`name` is required",
        ),
        (
            "/status",
            json!("archived"),
            "expected one of \"draft\", \"published\", \"in-review\"",
        ),
        ("/history/0/at", json!([{"what": "x"}]), "`at` is required"),
        ("/tags/1", json!(["a", 1]), "expected string"),
    ];
    let too_many_notes: Vec<Value> = (0..4).map(|i| json!({"id": i, "text": "n"})).collect();
    let mut bad = good.clone();
    bad["notes"] = Value::Array(too_many_notes);
    let error = store.persist("Profile", "p1", &bad, &bad).unwrap_err();
    assert!(
        matches!(&error, Error::Invalid { pointer, message, .. } if pointer == "/notes" && message.contains("`maxItems` 3")),
        "{error}"
    );
    for (pointer, bad_value, message) in cases {
        let property = pointer.split('/').nth(1).unwrap();
        let mut bad = good.clone();
        bad[property] = bad_value;
        match store.persist("Profile", "p1", &bad, &bad).unwrap_err() {
            Error::Invalid {
                pointer: p,
                message: m,
                ..
            } => {
                assert_eq!(p, pointer);
                assert!(m.contains(message), "{m} should contain {message}");
            }
            other => panic!("expected Error::Invalid at {pointer}, got {other}"),
        }
    }
    assert_eq!(store.load("Profile", "p1").unwrap(), Some(good));
}

pub fn date_times_are_instants_in_timestamp_columns(b: &Backend) {
    let store = b.store(registry());
    let declared = match b.kind {
        Kind::Sqlite => "SELECT type AS line FROM pragma_table_info('profiles') WHERE name = 'seen_at'",
        Kind::Postgres => "SELECT CAST(data_type AS TEXT) AS line FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'profiles' AND column_name = 'seen_at'",
        Kind::Mysql => "SELECT CAST(column_type AS CHAR) AS line FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'profiles' AND column_name = 'seen_at'",
    };
    let expected = match b.kind {
        Kind::Sqlite => "TEXT",
        Kind::Postgres => "timestamp with time zone",
        Kind::Mysql => "datetime(6)",
    };
    assert_eq!(store.lines(declared), [expected]);

    // An offset is kept as the instant it names, loaded in UTC; microseconds survive.
    let profile = |id: &str, seen: &str| json!({"id": id, "status": "draft", "tags": [], "notes": [], "seenAt": seen});
    let cases = [
        ("a", "2026-02-03T00:00:00+02:00", "2026-02-02T22:00:00Z"),
        (
            "b",
            "2026-02-02T22:30:00.000001Z",
            "2026-02-02T22:30:00.000001Z",
        ),
        (
            "c",
            "2026-02-02T21:59:59.5-00:30",
            "2026-02-02T22:29:59.500Z",
        ),
        ("d", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
    ];
    for (id, saved, loaded) in cases {
        if id == "d" && b.kind == Kind::Mysql {
            continue; // MySQL's DATETIME starts at year 1000.
        }
        store
            .persist("Profile", id, &profile(id, saved), &profile(id, saved))
            .unwrap();
        assert_eq!(
            store.loaded("Profile", id)["seenAt"],
            json!(loaded),
            "{saved}"
        );
    }
    // The typed field is a chrono instant, equal to the saved one.
    let typed = store.get::<Profile>("c").unwrap().unwrap();
    assert_eq!(
        typed.seen_at,
        Some(
            chrono::DateTime::parse_from_rfc3339("2026-02-02T21:59:59.5-00:30")
                .unwrap()
                .to_utc()
        )
    );
    // The database orders them as time does.
    let order = format!(
        "SELECT {} AS line FROM {} WHERE {} IN ('a', 'b', 'c') ORDER BY {}",
        store.quote("id"),
        store.quote("profiles"),
        store.quote("id"),
        store.quote("seen_at")
    );
    assert_eq!(store.lines(&order), ["a", "c", "b"]);

    // What a timestamp column cannot hold is refused, naming the value; nothing is written.
    for (seen, why) in [
        (
            "2026-02-02T22:00:00.0000001Z",
            "more than microsecond precision",
        ),
        ("2016-12-31T23:59:60Z", "leap second"),
    ] {
        match store.persist("Profile", "a", &profile("a", seen), &profile("a", seen)) {
            Err(Error::Invalid {
                ty,
                id,
                pointer,
                message,
            }) => {
                assert_eq!(
                    (ty.as_str(), id.as_str(), pointer.as_str()),
                    ("Profile", "a", "/seenAt")
                );
                assert!(message.contains(seen) && message.contains(why), "{message}");
            }
            other => panic!("expected Error::Invalid, got {other:?}"),
        }
    }
    assert_eq!(
        store.loaded("Profile", "a")["seenAt"],
        json!("2026-02-02T22:00:00Z")
    );
}

pub fn children_with_documents_are_updated_in_batches(b: &Backend) {
    let store = b.store(registry());
    let notes = |text: &str, flag: bool| -> Vec<Value> {
        (1..=3)
            .map(|i| json!({"id": i, "text": format!("{text} {i}"), "meta": {"flag": flag, "n": [i]}}))
            .collect()
    };
    let profile = |notes: Vec<Value>| json!({"id": "p", "status": "draft", "tags": [], "scores": null, "notes": notes});
    let first = profile(notes("first", false));
    store.persist("Profile", "p", &first, &first).unwrap();
    // Every note changes: updated in place (two statements: 2 rows, then 1 row).
    let second = profile(notes("second", true));
    store.persist("Profile", "p", &second, &second).unwrap();
    assert_eq!(store.loaded("Profile", "p"), second);
    // The processor's diff names the changed positions.
    let mut third = second.clone();
    third["notes"][0]["meta"] = json!({"flag": null});
    third["notes"][2]["text"] = json!("third");
    let diff = nasc_runtime::diff(&second, &third).unwrap().to_value();
    assert_eq!(diff["$positions"], json!({"notes": [0, 2]}));
    store.persist("Profile", "p", &diff, &third).unwrap();
    assert_eq!(store.loaded("Profile", "p"), third);
    assert_eq!(store.count("notes"), 3);
}

pub fn children_with_timestamps_are_updated_in_place(b: &Backend) {
    let registry = nasc_runtime::Registry::from_json_str(
        "s.json",
        r##"{"$defs": {
            "Board": {"type": "object", "properties": {"id": {"type": "string"},
                "cards": {"type": "array", "items": {"$ref": "#/$defs/Card"}}}, "required": ["id"]},
            "Card": {"type": "object", "properties": {"id": {"type": "string"},
                "due": {"type": ["string", "null"], "format": "date-time"}}, "required": ["id", "due"]}}}"##,
        "m.json",
        r#"{"Board": {}, "Card": {}}"#,
    )
    .unwrap();
    let store = b.store(registry);
    let board = |dues: [&str; 3]| {
        let cards: Vec<Value> = dues
            .iter()
            .enumerate()
            .map(|(i, due)| json!({"id": format!("c{i}"), "due": if due.is_empty() { Value::Null } else { json!(due) }}))
            .collect();
        json!({"id": "b", "cards": cards})
    };
    let first = board(["2026-01-01T00:00:00Z", "", "2026-01-03T00:00:00.500Z"]);
    store.persist("Board", "b", &first, &first).unwrap();
    assert_eq!(store.loaded("Board", "b"), first);
    // Every card changes; an offset is stored as its instant.
    let second = board(["2026-02-01T01:00:00+01:00", "2026-02-02T00:00:00Z", ""]);
    store.persist("Board", "b", &second, &second).unwrap();
    assert_eq!(
        store.loaded("Board", "b"),
        board(["2026-02-01T00:00:00Z", "2026-02-02T00:00:00Z", ""])
    );
}

pub fn the_database_checks_enums_and_bounds_too(b: &Backend) {
    let store = b.store(registry());
    let table = b.kind.dialect().quote("profiles");
    let columns = ["id", "status", "tags"]
        .map(|c| b.kind.dialect().quote(c))
        .join(", ");
    let tags = if b.kind == Kind::Postgres {
        "CAST('[]' AS JSONB)"
    } else {
        "'[]'"
    };
    let ok = store.try_execute(&format!(
        "INSERT INTO {table} ({columns}) VALUES ('x', 'draft', {tags})"
    ));
    assert!(ok.is_ok(), "{ok:?}");
    let refused = store.try_execute(&format!(
        "INSERT INTO {table} ({columns}) VALUES ('y', 'archived', {tags})"
    ));
    assert!(
        refused.is_err(),
        "a status outside the enum must be refused by the database"
    );
}

/// The validators `schema!` compiles refuse exactly what the shape interpreter refuses, with
/// the same pointer and message, on the shapes schema (every shape and keyword nasc checks).
mod compiled_validators {
    use super::*;
    use proptest::prelude::*;

    fn words() -> Vec<&'static str> {
        vec![
            "",
            "a",
            "ab",
            "Ada",
            "ada",
            "draft",
            "in-review",
            "high",
            "profile",
            "Oslo",
            "NO",
            "city",
            "zip",
            "name",
            "friends",
            "at",
            "what",
            "k",
            "id",
            "text",
            "meta",
            "2026-01-02T03:04:05Z",
            "2026-02-30",
            "2024-02-29",
            "ada@example.com",
            "ada@",
            "https://example.com/x",
            "not a uri",
            "2eb8aa08-aa98-11ea-b4aa-73b441d16380",
            "AA==",
            "AP8=",
            "AAE",
            "AAAAAAAAAAAA",
            "avatar",
        ]
    }

    fn numbers() -> Vec<Value> {
        [0.5, 2.5, 2.25, -3.25, 1.0, 1e300, -0.0]
            .into_iter()
            .map(Value::from)
            .chain([-3, 0, 1, 2, 36, 150, i64::MAX].map(Value::from))
            .chain([Value::from(u64::MAX)])
            .collect()
    }

    /// JSON values built from the words the shapes schema uses, so that many of them fit it.
    fn json_value() -> impl Strategy<Value = Value> {
        let words = prop::sample::select(words());
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-3i64..160).prop_map(Value::from),
            prop::sample::select(numbers()),
            words.clone().prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec((words.clone(), inner), 0..5).prop_map(|entries| {
                    Value::Object(
                        entries
                            .into_iter()
                            .map(|(k, v)| (k.to_owned(), v))
                            .collect(),
                    )
                }),
            ]
        })
    }

    #[test]
    fn every_checked_property_has_a_compiled_validator() {
        let registry = registry();
        let model = registry.model();
        let mut compiled = 0;
        for ty in &model.types {
            for field in &ty.fields {
                let plain = matches!(field.shape, nasc_model::JsonShape::Scalar(_))
                    && field.scalar != nasc_model::ScalarType::Json;
                assert_eq!(
                    field.check.is_some(),
                    !plain,
                    "{}.{}",
                    ty.name,
                    field.property
                );
                compiled += usize::from(!plain);
            }
            for relation in &ty.relations {
                assert_eq!(relation.check.is_some(), relation.constraints.is_some());
            }
        }
        assert!(compiled >= 15, "{compiled} compiled validators");
    }

    /// The probe accepts every property of the valid profile (a probe that left everything
    /// to the JSON front end would pass the property test below on refusals alone).
    #[test]
    fn the_probe_accepts_the_valid_profile() {
        let registry = registry();
        let model = registry.model();
        let profile_type = model.get("Profile").unwrap();
        let mut probed = 0;
        for (property, item) in profile().as_object().unwrap() {
            let field = profile_type.field(property).filter(|f| f.check.is_some());
            if let Some(field) = field.filter(|_| !item.is_null()) {
                assert_eq!(
                    nasc_runtime::testing::probe_agrees(model, field, item),
                    Ok(true),
                    "{property}"
                );
                probed += 1;
            }
        }
        assert!(probed >= 15, "{probed} properties probed");
        // Every word and number of the random values, on every checked property.
        let mut accepted = 0;
        for value in words().into_iter().map(Value::from).chain(numbers()) {
            for ty in &model.types {
                for field in ty.fields.iter().filter(|f| f.check.is_some()) {
                    let agreed = nasc_runtime::testing::probe_agrees(model, field, &value);
                    accepted += usize::from(agreed.clone().unwrap_or_else(|e| panic!("{e}")));
                }
            }
        }
        assert!(accepted >= 40, "{accepted} values accepted");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn compiled_validators_agree_with_the_interpreter(value in json_value()) {
            let registry = registry();
            let model = registry.model();
            for ty in &model.types {
                for field in ty.fields.iter().filter(|f| f.check.is_some()) {
                    let compiled = field.check_value(&value, "/p", &model.embedded);
                    let interpreted = field.shape.check(&value, "/p", &model.embedded);
                    prop_assert_eq!(compiled, interpreted, "{}.{}", &ty.name, &field.property);
                }
                for relation in ty.relations.iter().filter(|r| r.check.is_some()) {
                    let compiled = relation.check_array(&value, "/p");
                    let interpreted = relation.constraints.as_ref().unwrap().check(&value, "/p");
                    prop_assert_eq!(compiled, interpreted);
                }
            }
            // The typed front end's probe accepts what the JSON front end accepts.
            for ty in &model.types {
                for field in ty.fields.iter().filter(|f| f.check.is_some()) {
                    let agreed = nasc_runtime::testing::probe_agrees(model, field, &value);
                    prop_assert!(agreed.is_ok(), "{}: {}", ty.name, agreed.unwrap_err());
                }
            }
            // The documents the other tests save, each property alone.
            for (property, item) in profile().as_object().unwrap() {
                let field = model.get("Profile").unwrap().field(property);
                if let Some(field) = field.filter(|f| f.check.is_some()) {
                    prop_assert_eq!(
                        field.check_value(item, "/p", &model.embedded),
                        field.shape.check(item, "/p", &model.embedded)
                    );
                }
            }
        }
    }
}

/// The two front ends of the write engine agree on random profiles: the rows the generated
/// code encodes from a `Profile` (typed `save`) equal those validated from its JSON document
/// (the dynamic API), or both refuse it with the same error, pointer and message. The
/// profiles are the valid one with random properties replaced or left out, many of them
/// breaking a keyword, an enum, a date-time, a key or the text rules.
mod front_ends {
    use super::*;
    use nasc_runtime::{Dialect, Entity};
    use proptest::prelude::*;

    /// A replacement (or, with `None`, a removal) of one top-level property.
    fn change() -> impl Strategy<Value = (&'static str, Option<Value>)> {
        prop::sample::select(changes())
    }

    /// A document nested `levels` arrays deep.
    fn deep(levels: usize) -> Value {
        (0..levels).fold(json!("deep"), |inner, _| json!([inner]))
    }

    fn changes() -> Vec<(&'static str, Option<Value>)> {
        let long_id = "i".repeat(300);
        vec![
            ("nickname", Some(json!("A"))),
            ("nickname", Some(json!("abcdefghijklmnopqrstuvwxyz"))),
            ("nickname", Some(json!("a\u{0}b"))),
            ("nickname", None),
            ("age", Some(json!(150))),
            ("age", Some(json!(-1))),
            ("age", Some(json!(i64::MAX))),
            ("age", None),
            ("delta", Some(json!(-0.25))),
            ("delta", Some(json!(-3.5))),
            ("score", Some(json!(2.25))),
            ("score", Some(json!(-0.0))),
            ("status", Some(json!("published"))),
            ("seenAt", Some(json!("2026-02-30T00:00:00Z"))),
            ("seenAt", Some(json!("2026-02-03T04:05:06+02:00"))),
            ("seenAt", Some(json!("2026-02-03T04:05:06.123456789Z"))),
            ("seenAt", Some(json!("2016-12-31T23:59:60Z"))),
            ("seenAt", Some(json!("0001-01-01T00:00:00Z"))),
            ("seenAt", Some(json!("9999-12-31T23:59:59.999999Z"))),
            ("seenAt", None),
            ("email", Some(json!("ada@"))),
            ("website", Some(json!("not a uri"))),
            ("since", Some(json!("2026-02-30"))),
            ("key", Some(json!("not-a-uuid"))),
            ("tags", Some(json!(["a", "a"]))),
            ("tags", Some(json!(["a", "b", "c", "d", "e", "f"]))),
            ("tags", Some(json!(["x\u{0}"]))),
            ("labels", Some(json!({"k\u{0}": "v"}))),
            ("extra", Some(deep(33))),
            ("extra", None),
            (
                "notes",
                Some(json!([{"id": 1, "text": "a"}, {"id": 1, "text": "b"}])),
            ),
            (
                "notes",
                Some(json!([{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}])),
            ),
            ("notes", Some(json!([{"id": 1, "text": "a\u{0}"}]))),
            ("notes", Some(json!([]))),
            ("id", Some(json!(long_id))),
            ("id", Some(json!("p\u{0}"))),
            ("id", Some(json!(""))),
            ("id", Some(json!("ü ✓ "))),
            ("rating", Some(json!(3))),
            ("address", Some(json!({"city": "Bergen", "zip": 5003}))),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn typed_and_json_front_ends_agree(changes in prop::collection::vec(change(), 0..4)) {
            let mut document = profile();
            for (property, value) in changes {
                let object = document.as_object_mut().unwrap();
                match value {
                    Some(value) => object.insert(property.to_owned(), value),
                    None => object.remove(property),
                };
            }
            // Documents the typed struct cannot hold have no typed save to compare.
            let Ok(entity) = Profile::from_json(document) else {
                return Ok(());
            };
            let registry = registry();
            for dialect in [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql] {
                let agreed = nasc_runtime::testing::front_ends_agree(&registry, &entity, dialect);
                prop_assert!(agreed.is_ok(), "{dialect:?}: {}", agreed.unwrap_err());
            }
        }
    }

    /// Every change alone and every pair of changes, so that each combination of two
    /// problems is compared (which one a front end reports first must agree too).
    #[test]
    fn every_pair_of_changes_is_compared() {
        let registry = registry();
        let all = changes();
        let (mut compared, mut refused) = (0, 0);
        for first in 0..all.len() {
            for second in first..all.len() {
                let mut document = profile();
                for (property, value) in [&all[first], &all[second]] {
                    match value {
                        Some(value) => document[*property] = value.clone(),
                        None => drop(document.as_object_mut().unwrap().remove(*property)),
                    }
                }
                let Ok(entity) = Profile::from_json(document) else {
                    continue;
                };
                compared += 1;
                for dialect in [Dialect::Sqlite, Dialect::Mysql] {
                    let outcome =
                        nasc_runtime::testing::front_ends_agree(&registry, &entity, dialect)
                            .unwrap_or_else(|e| {
                                panic!("{:?} + {:?} {dialect:?}: {e}", all[first], all[second])
                            });
                    refused += usize::from(outcome.is_err());
                }
            }
        }
        assert!(compared >= 400, "{compared} profiles compared");
        assert!(refused >= 400, "{refused} refusals compared");
    }
}
