//! The `Store` API with JSON values on the demo schema.

use crate::support::*;
use nasc_runtime::Store;
use serde_json::json;

#[test]
fn todo_list_round_trips_in_order() {
    let store = temp_store(demo_registry());
    let list = json!({"id": "l1", "items": [
        {"id": "b", "title": "second letter", "completed": true},
        {"id": "a", "title": "first letter", "completed": false},
        {"id": "c", "title": "third", "completed": false}
    ]});
    store.persist("TodoList", "l1", &list, &list).unwrap();
    assert_eq!(store.load("TodoList", "l1").unwrap(), Some(list));
    assert_eq!(store.load("TodoList", "nope").unwrap(), None);
}
