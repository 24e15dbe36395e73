//! A second schema with reserved words, camelCase collisions, irregular plurals, nullable
//! scalars, integer keys and grandchildren: tables, columns and foreign keys follow the
//! naming rules, and everything round-trips.

use crate::support::*;
use nasc_runtime::{Error, Store};
use serde_json::{json, Value};

mod shop_types {
    nasc_runtime::schema!(
        schema = "tests/schemas/shop.schema.json",
        mapping = "tests/schemas/shop.mapping.json"
    );
}
use shop_types::{Counter, Person, Pet, Toy};

fn person() -> Value {
    json!({
        "id": "ada", "firstName": "Ada", "firstname": "ada-lower", "order": 7, "group": "admins",
        "active": null, "score": 2.5,
        "pets": [
            {"id": "p2", "name": "Rex", "toys": [
                {"sku": 30, "type": "ball", "squeaks": true},
                {"sku": 10, "type": "rope", "squeaks": false}
            ]},
            {"id": "p1", "name": "Tom", "nickName": "Tommy", "toys": []}
        ]
    })
}

pub fn tables_columns_and_foreign_keys_follow_the_rules(b: &Backend) {
    let store = b.store(shop_types::registry());
    assert_eq!(
        store.tables(),
        ["counters", "nasc_schema", "people", "pets", "toys"]
    );
    assert_eq!(
        store.columns("people"),
        [
            "id",
            "first_name",
            "firstname",
            "order",
            "group",
            "active",
            "score"
        ]
    );
    assert_eq!(
        store.columns("pets"),
        store.child_columns(&[
            "nasc_row",
            "id",
            "name",
            "nick_name",
            "people_id",
            "nasc_position"
        ])
    );
    // A pet is itself a child: its toys name it by its row as well as by its id.
    assert_eq!(
        store.columns("toys"),
        store.child_columns(&[
            "nasc_row",
            "sku",
            "type",
            "squeaks",
            "pet_id",
            "nasc_pet_id_row",
            "nasc_position",
        ])
    );
    assert_eq!(store.foreign_keys("pets"), ["people_id->people.id CASCADE"]);
    assert_eq!(
        store.foreign_keys("toys"),
        [
            "nasc_pet_id_row->pets.nasc_row CASCADE",
            "pet_id->pets.id CASCADE"
        ]
    );
    assert!(store.indexed("pets", "people_id"));
    assert!(store.indexed("toys", "nasc_pet_id_row"));
}

pub fn grandchildren_reserved_words_and_nullable_scalars_round_trip(b: &Backend) {
    let store = b.store(shop_types::registry());
    let value = person();
    store.persist("Person", "ada", &value, &value).unwrap();
    assert_eq!(store.load("Person", "ada").unwrap(), Some(value));

    let mut changed = person();
    changed["active"] = json!(false);
    changed["order"] = Value::Null;
    changed.as_object_mut().unwrap().remove("group");
    changed["pets"][0]["toys"].as_array_mut().unwrap().reverse();
    store.persist("Person", "ada", &changed, &changed).unwrap();
    let loaded = store.load("Person", "ada").unwrap().unwrap();
    assert_eq!(loaded, changed);
    assert_eq!(loaded["active"], json!(false));
    assert_eq!(loaded["order"], Value::Null);
    assert!(
        loaded.get("group").is_none(),
        "an absent optional property stays absent"
    );
}

pub fn integers_stay_integers_and_integer_ids_work(b: &Backend) {
    let store = b.store(shop_types::registry());
    let counter = json!({"id": 5, "value": 9007199254740993_i64});
    store.persist("Counter", "5", &counter, &counter).unwrap();
    assert_eq!(store.load("Counter", "5").unwrap(), Some(counter.clone()));
    let bad = store
        .persist("Counter", "x", &counter, &counter)
        .unwrap_err();
    assert!(
        bad.to_string().contains("the id must be an integer"),
        "{bad}"
    );
    let float = json!({"id": 5, "value": 7.5});
    let error = store.persist("Counter", "5", &float, &float).unwrap_err();
    assert!(
        matches!(&error, Error::Invalid { pointer, .. } if pointer == "/value"),
        "{error}"
    );
}

pub fn deleting_a_person_removes_pets_and_toys(b: &Backend) {
    let store = b.store(shop_types::registry());
    let value = person();
    store.persist("Person", "ada", &value, &value).unwrap();
    assert!(store.delete("Person", "ada").unwrap());
    assert_eq!((store.count("pets"), store.count("toys")), (0, 0));
}

/// Ids are local to one array at every level: two people may each have pets `p1` and `p2`
/// with toys of their own, and a pet may also be saved on its own; each keeps its rows.
pub fn two_people_may_each_have_pets_with_the_same_ids(b: &Backend) {
    let store = b.store(shop_types::registry());
    let ada = person();
    store.persist("Person", "ada", &ada, &ada).unwrap();
    let mut bob = person();
    bob["id"] = json!("bob");
    bob["pets"][0]["toys"] = json!([{"sku": 30, "type": "bone", "squeaks": false}]);
    store.persist("Person", "bob", &bob, &bob).unwrap();
    let pet = json!({"id": "p2", "name": "alone", "toys": [{"sku": 10, "type": "stick", "squeaks": false}]});
    store.persist("Pet", "p2", &pet, &pet).unwrap();
    assert_eq!(store.load("Person", "ada").unwrap(), Some(ada.clone()));
    assert_eq!(store.load("Person", "bob").unwrap(), Some(bob.clone()));
    assert_eq!(store.load("Pet", "p2").unwrap(), Some(pet.clone()));
    assert_eq!((store.count("pets"), store.count("toys")), (5, 4));

    // Changing bob's pets leaves ada's alone, and the other way round.
    bob["pets"][0]["toys"][0]["squeaks"] = json!(true);
    bob["pets"].as_array_mut().unwrap().reverse();
    store.persist("Person", "bob", &bob, &bob).unwrap();
    assert_eq!(store.load("Person", "ada").unwrap(), Some(ada.clone()));
    assert_eq!(store.load("Person", "bob").unwrap(), Some(bob.clone()));
    assert!(store.delete("Person", "ada").unwrap());
    assert_eq!(store.load("Person", "bob").unwrap(), Some(bob));
    assert_eq!(store.load("Pet", "p2").unwrap(), Some(pet));
    assert_eq!((store.count("pets"), store.count("toys")), (3, 2));

    // Within one array an id is still one child.
    let mut twice = person();
    twice["pets"][1]["id"] = json!("p2");
    let error = store.persist("Person", "ada", &twice, &twice).unwrap_err();
    assert!(
        matches!(&error, Error::Invalid { pointer, .. } if pointer == "/pets/1/id"),
        "{error}"
    );
    assert_eq!(store.load("Person", "ada").unwrap(), None);
}

pub fn generated_structs_use_snake_case_fields_and_schema_names_on_the_wire(b: &Backend) {
    let store = b.store(shop_types::registry());
    let typed = Person {
        id: "ada".into(),
        first_name: "Ada".into(),
        firstname: Some("ada-lower".into()),
        order: Some(7),
        group: Some("admins".into()),
        active: None,
        score: Some(2.5),
        pets: vec![
            Pet {
                id: "p2".into(),
                name: "Rex".into(),
                nick_name: None,
                toys: vec![
                    Toy {
                        sku: 30,
                        r#type: "ball".into(),
                        squeaks: true,
                    },
                    Toy {
                        sku: 10,
                        r#type: "rope".into(),
                        squeaks: false,
                    },
                ],
            },
            Pet {
                id: "p1".into(),
                name: "Tom".into(),
                nick_name: Some("Tommy".into()),
                toys: vec![],
            },
        ],
    };
    assert_eq!(serde_json::to_value(&typed).unwrap(), person());
    assert_eq!(nasc_runtime::Entity::to_json(&typed).unwrap(), person());
    store.save(&typed).unwrap();
    assert_eq!(store.load("Person", "ada").unwrap(), Some(person()));
    assert_eq!(store.get::<Person>("ada").unwrap(), Some(typed));
    store.save(&Counter { id: 3, value: -1 }).unwrap();
    assert_eq!(
        store.get::<Counter>("3").unwrap(),
        Some(Counter { id: 3, value: -1 })
    );
}

pub fn a_float_json_cannot_carry_is_refused_not_nulled(b: &Backend) {
    let store = b.store(shop_types::registry());
    let counter_like = Person {
        id: "nan".into(),
        first_name: "N".into(),
        firstname: None,
        order: None,
        group: None,
        active: None,
        score: Some(f64::NAN),
        pets: vec![],
    };
    match store.save(&counter_like).unwrap_err() {
        Error::Invalid {
            ty,
            id,
            pointer,
            message,
        } => {
            assert_eq!(
                (ty.as_str(), id.as_str(), pointer.as_str()),
                ("Person", "nan", "/score")
            );
            assert!(
                message.contains("NaN is not a number JSON can carry"),
                "{message}"
            );
        }
        other => panic!("expected Error::Invalid, got {other}"),
    }
    assert_eq!(store.load("Person", "nan").unwrap(), None);
}

/// On every backend: after warm-up, persists prepare no statement again, and a load takes one
/// query per table level whatever the number of children.
pub fn statements_are_prepared_once_and_loads_take_one_query_per_level(b: &Backend) {
    use diesel::connection::InstrumentationEvent;
    use std::sync::{Arc, Mutex};

    let db = b.store(shop_types::registry());
    let options = nasc_runtime::StoreOptions {
        max_size: 1,
        ..Default::default()
    };
    let store = db.connect_with(shop_types::registry(), options).unwrap();
    #[derive(Default)]
    struct Counts {
        prepared: usize,
        selects: usize,
    }
    let counts = Arc::new(Mutex::new(Counts::default()));
    let sink = counts.clone();
    let recorder = move |event: InstrumentationEvent<'_>| {
        let mut counts = sink.lock().unwrap();
        match event {
            InstrumentationEvent::CacheQuery { .. } => counts.prepared += 1,
            InstrumentationEvent::StartQuery { query, .. }
                if query.to_string().starts_with("SELECT") =>
            {
                counts.selects += 1
            }
            _ => {}
        }
    };
    // The pool's one connection is made by its first use.
    store.load("Person", "nobody").unwrap();
    server::instrument(&store, recorder);
    let person = |pets: usize, version: usize| {
        let pets: Vec<_> = (0..pets)
            .map(|p| json!({"id": format!("p{p}"), "name": format!("pet {p} v{version}"),
                "toys": [{"sku": p * 10 + 1, "type": "ball", "squeaks": version % 2 == 0}, {"sku": p * 10 + 2, "type": "rope", "squeaks": true}]}))
            .collect();
        json!({"id": "ada", "firstName": "Ada", "order": version, "active": true, "pets": pets})
    };
    // Warm-up: every statement of these shapes gets prepared once.
    for version in 0..3 {
        let value = person(5, version);
        store.persist("Person", "ada", &value, &value).unwrap();
        store.load("Person", "ada").unwrap();
    }
    *counts.lock().unwrap() = Counts::default();
    for version in 3..13 {
        let value = person(5, version);
        store.persist("Person", "ada", &value, &value).unwrap();
        store.load("Person", "ada").unwrap();
    }
    assert_eq!(
        counts.lock().unwrap().prepared,
        0,
        "no statement is prepared again after warm-up"
    );
    for pets in [1, 5, 40] {
        let value = person(pets, 20);
        store.persist("Person", "ada", &value, &value).unwrap();
        counts.lock().unwrap().selects = 0;
        assert_eq!(store.load("Person", "ada").unwrap(), Some(value));
        assert_eq!(
            counts.lock().unwrap().selects,
            3,
            "person, pets, toys: one query per level for {pets} pets"
        );
    }
}

/// The two front ends of the read engine agree: an aggregate decoded from its rows
/// (`get`, the code `schema!` generates) equals the one decoded from the JSON document the
/// dynamic API loads, and both equal what was saved, on random people (unicode text, absent
/// and null values, extreme numbers, pets with toys).
mod front_ends {
    use super::shop_types::{self, Person, Pet, Toy};
    use nasc_runtime::{Dialect, Entity, SqliteMappedStore, Store};
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        "[^\u{0}]{0,12}"
    }

    fn number() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<f64>().prop_filter("finite", |f| f.is_finite()),
            Just(0.0),
            Just(f64::MAX),
            Just(f64::MIN_POSITIVE),
        ]
    }

    fn toys() -> impl Strategy<Value = Vec<Toy>> {
        proptest::collection::vec((text(), any::<bool>()), 0..4).prop_map(|toys| {
            toys.into_iter()
                .enumerate()
                .map(|(i, (kind, squeaks))| Toy {
                    sku: i as i64 * 7 - 3,
                    r#type: kind,
                    squeaks,
                })
                .collect()
        })
    }

    fn person() -> impl Strategy<Value = Person> {
        let pet = (text(), proptest::option::of(text()), toys());
        (
            text(),
            proptest::option::of(text()),
            proptest::option::of(any::<i64>()),
            proptest::option::of(text()),
            proptest::option::of(any::<bool>()),
            proptest::option::of(number()),
            proptest::collection::vec(pet, 0..4),
        )
            .prop_map(
                |(first_name, firstname, order, group, active, score, pets)| Person {
                    id: "p".into(),
                    first_name,
                    firstname,
                    order,
                    group,
                    active,
                    score,
                    pets: pets
                        .into_iter()
                        .enumerate()
                        .map(|(i, (name, nick_name, toys))| Pet {
                            id: format!("pet{i}"),
                            name,
                            nick_name,
                            toys,
                        })
                        .collect(),
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn rows_and_documents_decode_alike(person in person()) {
            let dir = tempfile::tempdir().unwrap();
            let store = SqliteMappedStore::open(dir.path().join("t.db"), shop_types::registry()).unwrap();
            store.save(&person).unwrap();
            let by_rows = store.get::<Person>("p").unwrap();
            let by_json = store
                .load("Person", "p")
                .unwrap()
                .map(|document| Person::from_json(document).unwrap());
            prop_assert_eq!(&by_rows, &by_json);
            prop_assert_eq!(by_rows, Some(person));
        }

        /// The write engine's front ends agree too, on people whose pets and toys may
        /// share ids (refused) and whose text may hold NUL (refused).
        #[test]
        fn typed_and_json_front_ends_encode_alike(person in clashing_person()) {
            let registry = shop_types::registry();
            for dialect in [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql] {
                let agreed = nasc_runtime::testing::front_ends_agree(&registry, &person, dialect);
                prop_assert!(agreed.is_ok(), "{dialect:?}: {}", agreed.unwrap_err());
            }
        }
    }

    fn clashing_person() -> impl Strategy<Value = Person> {
        let text = || "[a\u{0}é]{0,3}";
        let toy = (0i64..3, text(), any::<bool>()).prop_map(|(sku, kind, squeaks)| Toy {
            sku,
            r#type: kind,
            squeaks,
        });
        let pet = (
            prop::sample::select(vec!["a", "b", "c"]),
            text(),
            proptest::collection::vec(toy, 0..3),
        );
        (person(), proptest::collection::vec(pet, 0..4)).prop_map(|(person, pets)| Person {
            pets: pets
                .into_iter()
                .map(|(id, name, toys)| Pet {
                    id: id.to_owned(),
                    name,
                    nick_name: None,
                    toys,
                })
                .collect(),
            ..person
        })
    }
}
