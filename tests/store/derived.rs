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
