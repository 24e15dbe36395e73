//! Hand-written structs checked with `#[derive(Entity)]` use the same store API.

use crate::support::*;
use nasc_runtime::{Entity, Store};
use serde_json::json;

#[derive(Entity, Debug, Clone, PartialEq)]
struct Todo {
    id: String,
    title: String,
    completed: bool,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[nasc(type = "TodoList")]
struct Checklist {
    id: String,
    items: Vec<Todo>,
}

pub fn derived_entities_round_trip_and_match_the_json_shape(b: &Backend) {
    let store = b.store(demo_registry());
    let list = Checklist {
        id: "c1".into(),
        items: vec![
            Todo {
                id: "2".into(),
                title: "second".into(),
                completed: true,
            },
            Todo {
                id: "1".into(),
                title: "first".into(),
                completed: false,
            },
        ],
    };
    store.save(&list).unwrap();
    assert_eq!(
        store.load("TodoList", "c1").unwrap(),
        Some(json!({"id": "c1", "items": [
            {"id": "2", "title": "second", "completed": true},
            {"id": "1", "title": "first", "completed": false}
        ]}))
    );
    assert_eq!(store.get::<Checklist>("c1").unwrap(), Some(list));
    assert!(store.remove::<Checklist>("c1").unwrap());
    let error = Checklist::from_json(json!({"id": "x", "items": [], "extra": 1})).unwrap_err();
    assert!(error.to_string().contains("no property `extra`"), "{error}");
}

/// Every document shape held by its checked Rust type: saved typed, loaded typed and as
/// JSON alike (`date` and `uuid` strings as `chrono::NaiveDate` and `uuid::Uuid`).
mod documents {
    use nasc_runtime::{Bytes, Entity};
    use std::collections::{BTreeMap, HashMap};

    #[derive(
        serde::Serialize, serde::Deserialize, nasc_runtime::SchemaEnum, Debug, Clone, PartialEq,
    )]
    #[serde(rename_all = "kebab-case")]
    pub enum Status {
        Draft,
        Published,
        InReview,
    }

    #[derive(
        serde::Serialize, serde::Deserialize, nasc_runtime::SchemaObject, Debug, Clone, PartialEq,
    )]
    #[nasc(
        object = "Doc/address",
        schema = "tests/schemas/documents.schema.json",
        mapping = "tests/schemas/documents.mapping.json"
    )]
    pub struct Address {
        pub city: Option<String>,
        pub kind: Option<Kind>,
    }

    #[derive(
        serde::Serialize, serde::Deserialize, nasc_runtime::SchemaEnum, Debug, Clone, PartialEq,
    )]
    #[serde(rename_all = "lowercase")]
    pub enum Mood {
        Calm,
        Busy,
    }

    #[derive(
        serde::Serialize, serde::Deserialize, nasc_runtime::SchemaEnum, Debug, Clone, PartialEq,
    )]
    #[serde(rename_all = "lowercase")]
    pub enum Kind {
        Home,
        Work,
    }

    #[derive(Entity, Debug, Clone, PartialEq)]
    #[nasc(
        type = "Doc",
        schema = "tests/schemas/documents.schema.json",
        mapping = "tests/schemas/documents.mapping.json"
    )]
    pub struct Doc {
        pub id: String,
        pub tags: Vec<String>,
        pub matrix: Vec<Vec<i64>>,
        pub scores: Option<Vec<f64>>,
        pub labels: BTreeMap<String, String>,
        pub counts: Option<HashMap<String, u32>>,
        pub maybe: Option<Vec<Option<String>>>,
        pub extra: Option<serde_json::Value>,
        pub day: Option<chrono::NaiveDate>,
        pub key: Option<uuid::Uuid>,
        pub events: Option<Vec<chrono::DateTime<chrono::Utc>>>,
        pub days: Option<Vec<chrono::NaiveDate>>,
        pub ids: Option<Vec<uuid::Uuid>>,
        pub icons: Option<Vec<Bytes>>,
        pub status: Option<Status>,
        pub moods: Option<Vec<Mood>>,
        pub address: Option<Address>,
    }

    /// A type from elsewhere that the derive cannot see into.
    #[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq)]
    pub struct Foreign(pub Vec<serde_json::Value>);

    /// `tags` opted out of the compile-time check: its value is checked when saved.
    #[derive(Entity, Debug, Clone, PartialEq)]
    #[nasc(
        type = "Tags",
        schema = "tests/schemas/checked.schema.json",
        mapping = "tests/schemas/checked.mapping.json"
    )]
    pub struct Tags {
        pub id: String,
        #[nasc(unchecked)]
        pub tags: Foreign,
    }

    pub fn checked_registry() -> nasc_runtime::Registry {
        let root = env!("CARGO_MANIFEST_DIR");
        nasc_runtime::Registry::from_files(
            format!("{root}/tests/schemas/checked.schema.json"),
            format!("{root}/tests/schemas/checked.mapping.json"),
        )
        .unwrap()
    }

    pub fn registry() -> nasc_runtime::Registry {
        let root = env!("CARGO_MANIFEST_DIR");
        nasc_runtime::Registry::from_files(
            format!("{root}/tests/schemas/documents.schema.json"),
            format!("{root}/tests/schemas/documents.mapping.json"),
        )
        .unwrap()
    }
}

pub fn checked_document_shapes_round_trip(b: &Backend) {
    use chrono::TimeZone;
    let store = b.store(documents::registry());
    let doc = documents::Doc {
        id: "d1".into(),
        tags: vec!["a".into(), "b".into()],
        matrix: vec![vec![1, 2], vec![], vec![i64::MIN]],
        scores: Some(vec![1.5, -0.25]),
        labels: [("k".to_owned(), "v".to_owned())].into(),
        counts: Some([("n".to_owned(), 3u32)].into()),
        maybe: Some(vec![Some("x".into()), None]),
        extra: Some(json!({"any": [1, null]})),
        day: Some(chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()),
        key: Some(uuid::Uuid::from_u128(
            0x2eb8aa08_aa98_11ea_b4aa_73b441d16380,
        )),
        events: Some(vec![chrono::Utc
            .with_ymd_and_hms(2026, 1, 2, 3, 4, 5)
            .unwrap()]),
        days: Some(vec![chrono::NaiveDate::from_ymd_opt(1999, 12, 31).unwrap()]),
        ids: Some(vec![uuid::Uuid::nil()]),
        icons: Some(vec![nasc_runtime::Bytes::from(vec![0, 255])]),
        status: Some(documents::Status::InReview),
        moods: Some(vec![documents::Mood::Busy, documents::Mood::Calm]),
        address: Some(documents::Address {
            city: Some("Oslo".into()),
            kind: Some(documents::Kind::Work),
        }),
    };
    store.save(&doc).unwrap();
    assert_eq!(
        store.get::<documents::Doc>("d1").unwrap(),
        Some(doc.clone())
    );
    let json = store.load("Doc", "d1").unwrap().unwrap();
    assert_eq!(json["day"], json!("2024-02-29"));
    assert_eq!(json["key"], json!("2eb8aa08-aa98-11ea-b4aa-73b441d16380"));
    assert_eq!(json["icons"], json!(["AP8="]));
    assert_eq!(json["maybe"], json!(["x", null]));
    assert_eq!(json["status"], json!("in-review"));
    assert_eq!(json["moods"], json!(["busy", "calm"]));
    assert_eq!(json, doc.to_json().unwrap());
    // What JSON saves, the typed struct loads.
    let mut other = json.clone();
    other["id"] = json!("d2");
    other["key"] = json!("00000000-0000-0000-0000-000000000001");
    store.persist("Doc", "d2", &other, &other).unwrap();
    let loaded = store.get::<documents::Doc>("d2").unwrap().unwrap();
    assert_eq!(loaded.key, Some(uuid::Uuid::from_u128(1)));
}

/// A field opted out with `#[nasc(unchecked)]` compiles whatever its type, and its value is
/// checked when saved, as the JSON front end checks it.
pub fn unchecked_fields_are_validated_when_saved(b: &Backend) {
    let store = b.store(documents::checked_registry());
    let good = documents::Tags {
        id: "t1".into(),
        tags: documents::Foreign(vec![json!("a"), json!("b")]),
    };
    store.save(&good).unwrap();
    assert_eq!(store.get::<documents::Tags>("t1").unwrap(), Some(good));
    let bad = documents::Tags {
        id: "t2".into(),
        tags: documents::Foreign(vec![json!("a"), json!(42)]),
    };
    match store.save(&bad) {
        Err(nasc_runtime::Error::Invalid {
            ty, id, pointer, ..
        }) => {
            assert_eq!(
                (ty.as_str(), id.as_str(), pointer.as_str()),
                ("Tags", "t2", "/tags/1")
            );
        }
        other => panic!("expected Error::Invalid at /tags/1, got {other:?}"),
    }
    assert_eq!(store.get::<documents::Tags>("t2").unwrap(), None);
}
