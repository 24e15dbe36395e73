//! Hand-written structs checked against the demo schema, including narrower integer types.
use nasc_runtime::{Aggregate, Entity};

#[derive(Entity, Debug, PartialEq)]
struct Todo {
    id: String,
    title: String,
    completed: bool,
}

#[derive(Entity, Debug, PartialEq)]
#[nasc(type = "TodoList", schema = "schemas/app.schema.json", mapping = "schemas/app.mapping.json")]
struct List {
    id: String,
    items: Vec<Todo>,
}

#[derive(Entity)]
#[nasc(schema = "tests/schemas/shop.schema.json", mapping = "tests/schemas/shop.mapping.json")]
struct Counter {
    id: i32,
    value: i64,
}

fn main() {
    let list = List { id: "l".into(), items: vec![Todo { id: "t".into(), title: "x".into(), completed: true }] };
    let json = list.to_json().unwrap();
    assert_eq!(json["items"][0]["completed"], true);
    assert_eq!(List::from_json(json).unwrap(), list);
    assert_eq!(<List as Entity>::TYPE_NAME, "TodoList");
    assert_eq!(Counter { id: 4, value: 1 }.id(), "4");
}

/// JSON-document properties take any serde type; their shape is checked when saved.
#[derive(Entity)]
#[nasc(type = "Note", schema = "tests/schemas/shapes.schema.json", mapping = "tests/schemas/shapes.mapping.json")]
#[allow(dead_code)]
struct FreeNote {
    id: i64,
    text: String,
    meta: Option<serde_json::Value>,
}

/// The typed query builder's constants of a hand-written struct.
#[allow(dead_code)]
fn typed_queries() -> nasc_runtime::query::Query<List> {
    nasc_runtime::query::Query::<List>::new()
        .filter(List::ITEMS.some(Todo::COMPLETED.eq(true).and(Todo::TITLE.starts_with("a"))))
        .order_by(List::ID.desc())
}
