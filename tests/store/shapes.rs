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

#[test]
fn a_recursive_type_round_trips() {
    let store = temp_store(registry(
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
    assert_eq!(store.rows("SELECT group_concat(\"from\" || '->' || \"table\") FROM pragma_foreign_key_list('nodes')"), ["node_id->nodes"]);
    assert_eq!(
        store.load("Node", "a").unwrap(),
        None,
        "a child is not a top-level aggregate"
    );
    assert!(store.delete("Node", "root").unwrap());
    assert_eq!(store.rows("SELECT count(*) FROM nodes"), ["0"]);
}

#[test]
fn foreign_key_overrides_let_one_parent_hold_two_arrays_of_one_type() {
    let store = temp_store(registry(
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
    let columns =
        store.rows("SELECT group_concat(name || ':' || type, ',') FROM pragma_table_info('cards')");
    assert_eq!(columns, ["nasc_row:INTEGER,id:TEXT,text:TEXT,board_id:INTEGER,done_board_id:INTEGER,nasc_position:INTEGER"]);
}

#[test]
fn the_connection_has_a_busy_timeout_and_foreign_keys() {
    let store = temp_store(demo_registry());
    let settings: Vec<i64> = store.with_connection(|conn| {
        use diesel::prelude::*;
        use diesel::sql_types::BigInt;
        #[derive(QueryableByName)]
        struct Setting {
            #[diesel(sql_type = BigInt)]
            value: i64,
        }
        diesel::sql_query("SELECT timeout AS value FROM pragma_busy_timeout UNION ALL SELECT foreign_keys FROM pragma_foreign_keys")
            .load::<Setting>(conn)
            .unwrap()
            .into_iter()
            .map(|s| s.value)
            .collect()
    })
    .unwrap();
    assert_eq!(
        settings,
        [nasc_runtime::SqliteMappedStore::BUSY_TIMEOUT_MS as i64, 1]
    );
}
