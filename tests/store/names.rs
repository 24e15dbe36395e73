//! Type and property names that are reserved words or no identifiers at all.

use crate::support::*;
use nasc_runtime::Store;
use serde_json::json;

mod odd {
    nasc_runtime::schema!(
        schema = "tests/schemas/names.schema.json",
        mapping = "tests/schemas/names.mapping.json"
    );
}

pub fn odd_names_round_trip(b: &Backend) {
    let store = b.store(odd::registry());
    assert_eq!(
        store.columns("todo_items"),
        [
            "id",
            "name",
            "e_mail",
            "p_1st",
            "first_name",
            "type",
            "order",
            "select",
            "self",
            "where",
            "note"
        ]
    );
    assert_eq!(
        store.foreign_keys("sub_items"),
        ["todo_item_id->todo_items.id CASCADE"]
    );
    let value = json!({
        "id": "t1", "名前": "Ada", "e-mail": "ada@example.com", "1st": true, "first name": "Ada",
        "type": "person", "order": 3, "select": "all", "Self": "me", "where": {"from": "here"}, "comment": "kept",
        "sub-items": [{"id": 2, "group": "b"}, {"id": 1}]
    });
    store.persist("todo-item", "t1", &value, &value).unwrap();
    assert_eq!(store.load("todo-item", "t1").unwrap(), Some(value.clone()));

    let typed: odd::TodoItem = serde_json::from_value(value.clone()).unwrap();
    // A column named in the mapping leaves the Rust field named after the property.
    assert_eq!(typed.u540d_u524d.as_deref(), Some("Ada"));
    assert_eq!(typed.comment.as_deref(), Some("kept"));
    assert_eq!(typed.p_1st, Some(true));
    assert_eq!(typed.r#type.as_deref(), Some("person"));
    assert_eq!(typed.self_.as_deref(), Some("me"));
    assert_eq!(typed.sub_items[1], odd::SubItem { id: 1, group: None });
    assert_eq!(
        <odd::TodoItem as nasc_runtime::Entity>::TYPE_NAME,
        "todo-item"
    );
    assert_eq!(store.get::<odd::TodoItem>("t1").unwrap(), Some(typed));
}
