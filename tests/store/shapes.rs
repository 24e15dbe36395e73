//! Registries built at run time: recursive types, foreign key overrides, the connection
//! settings.

use crate::support::*;
use nasc_runtime::{Registry, Store};
use serde_json::json;

fn registry(schema: serde_json::Value, mapping: serde_json::Value) -> Registry {
    Registry::from_json_str(
        "schema.json",
        &schema.to_string(),
        "mapping.json",
        &mapping.to_string(),
    )
    .unwrap()
}

pub fn a_recursive_type_round_trips(b: &Backend) {
    let store = b.store(registry(
        json!({"$defs": {"Node": {"type": "object", "properties": {
            "id": {"type": "string"}, "label": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}, "required": ["id"]}}}),
        json!({"Node": {"x-na:store": {"entity": "nodes"}}}),
    ));
    let tree = json!({"id": "root", "label": "r", "children": [
        {"id": "a", "children": [{"id": "a1", "children": []}, {"id": "a0", "label": "x", "children": []}]},
        {"id": "b", "children": []}
    ]});
    store.persist("Node", "root", &tree, &tree).unwrap();
    assert_eq!(store.load("Node", "root").unwrap(), Some(tree));
    assert_eq!(
        store.foreign_keys("nodes"),
        [
            "nasc_node_id_row->nodes.nasc_row CASCADE",
            "node_id->nodes.id CASCADE"
        ]
    );
    assert_eq!(
        store.load("Node", "a").unwrap(),
        None,
        "a child is not a top-level aggregate"
    );
    assert!(store.delete("Node", "root").unwrap());
    assert_eq!(store.count("nodes"), 0);
}

pub fn foreign_key_overrides_let_one_parent_hold_two_arrays_of_one_type(b: &Backend) {
    let store = b.store(registry(
        json!({"$defs": {
            "Board": {"type": "object", "properties": {"id": {"type": "integer"},
                "todo": {"type": "array", "items": {"$ref": "#/$defs/Card"}},
                "done": {"type": "array", "items": {"$ref": "#/$defs/Card"}}}, "required": ["id", "todo", "done"]},
            "Card": {"type": "object", "properties": {"id": {"type": "string"}, "text": {"type": "string"}}, "required": ["id", "text"]}}}),
        json!({"Board": {"x-nc:store": {"relations": {"done": {"fk": "done_board_id"}}}}, "Card": {}}),
    ));
    let board = json!({"id": 1, "todo": [{"id": "c1", "text": "write"}], "done": [{"id": "c1", "text": "plan"}, {"id": "c2", "text": "think"}]});
    store.persist("Board", "1", &board, &board).unwrap();
    assert_eq!(store.load("Board", "1").unwrap(), Some(board));
    assert_eq!(
        store.columns("cards"),
        store.child_columns(&[
            "nasc_row",
            "id",
            "text",
            "board_id",
            "done_board_id",
            "nasc_position",
        ])
    );
}
