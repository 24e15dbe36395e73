//! Children identified by their position: a type without an `id` (order lines), and one
//! whose pk may repeat because the mapping says `"positional": true` (payments by method).

use crate::support::*;
use nasc_runtime::{Error, Store};
use serde_json::{json, Value};

mod orders {
    nasc_runtime::schema!(
        schema = "tests/schemas/orders.schema.json",
        mapping = "tests/schemas/orders.mapping.json"
    );
}

fn order(lines: Value, payments: Value) -> Value {
    json!({"id": "o1", "lines": lines, "payments": payments})
}

/// Saves `value` as order `o1` and checks that it loads back equal, with one row per item.
fn save(db: &TestDb, value: &Value) {
    db.persist("Order", "o1", value, value)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(db.load("Order", "o1").unwrap().as_ref(), Some(value));
    let lines = value["lines"].as_array().unwrap().len() as i64;
    let payments = value["payments"].as_array().unwrap().len() as i64;
    assert_eq!(
        (db.count("order_lines"), db.count("payments")),
        (lines, payments)
    );
}

pub fn children_without_ids_are_kept_in_order_position_by_position(b: &Backend) {
    let db = b.store(orders::registry());
    assert_eq!(
        db.columns("order_lines"),
        [
            "nasc_row",
            "sku",
            "quantity",
            "note",
            "order_id",
            "nasc_position"
        ]
    );
    // The same SKU twice, and the same payment method twice: rows, not keys.
    let a = json!({"sku": "A-1", "quantity": 1});
    let b2 = json!({"sku": "B-2", "quantity": 2, "note": "gift"});
    let card = json!({"method": "card", "amount": 10.5});
    let cash = json!({"method": "cash", "amount": 2.0});
    save(&db, &order(json!([a, a, b2]), json!([card, card])));
    // Reordered, one changed, then shorter, then longer, then empty.
    let mut changed = json!({"sku": "A-1", "quantity": 5});
    save(&db, &order(json!([b2, a, changed]), json!([cash, card])));
    changed["note"] = json!("later");
    save(&db, &order(json!([changed]), json!([card])));
    save(
        &db,
        &order(json!([changed, a, b2, a]), json!([card, cash, cash])),
    );
    save(&db, &order(json!([]), json!([])));
    save(&db, &order(json!([a]), json!([cash])));

    // Another order holds its own rows.
    let other = json!({"id": "o2", "lines": [b2], "payments": []});
    db.persist("Order", "o2", &other, &other).unwrap();
    assert_eq!(db.loaded("Order", "o1"), order(json!([a]), json!([cash])));
    assert!(db.delete("Order", "o1").unwrap());
    assert_eq!(db.loaded("Order", "o2"), other);
    assert_eq!(db.count("order_lines"), 1);

    // A bad line names its position, and nothing is written.
    let bad = json!({"id": "o2", "lines": [a, {"sku": "C", "quantity": 0}], "payments": []});
    match db.persist("Order", "o2", &bad, &bad) {
        Err(Error::Invalid { pointer, .. }) => assert_eq!(pointer, "/lines/1/quantity"),
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(db.loaded("Order", "o2"), other);

    // Such a type is stored in arrays only.
    for ty in ["OrderLine", "Payment"] {
        match db.persist(ty, "x", &a, &a) {
            Err(Error::NotAnAggregate { ty: named }) => assert_eq!(named, ty),
            other => panic!("expected NotAnAggregate, got {other:?}"),
        }
        assert!(matches!(
            db.delete(ty, "x"),
            Err(Error::NotAnAggregate { .. })
        ));
    }
}

pub fn positional_children_round_trip_typed(b: &Backend) {
    let db = b.store(orders::registry());
    let line = |sku: &str, quantity: i64| orders::OrderLine {
        sku: sku.into(),
        quantity,
        note: None,
    };
    let mut typed = orders::Order {
        id: "o1".into(),
        lines: vec![line("A", 1), line("A", 1), line("B", 3)],
        payments: vec![orders::Payment {
            method: "card".into(),
            amount: 4.5,
        }],
    };
    db.save(&typed).unwrap();
    assert_eq!(db.get::<orders::Order>("o1").unwrap(), Some(typed.clone()));
    typed.lines.remove(0);
    typed.lines[1].note = Some("fragile".into());
    db.save(&typed).unwrap();
    assert_eq!(db.get::<orders::Order>("o1").unwrap(), Some(typed));
}

/// Long arrays of positional children shrink and grow in one save each, in batches, and
/// keep their order.
pub fn long_positional_arrays_shrink_and_grow(b: &Backend) {
    let db = b.store(orders::registry());
    let lines = |n: usize, tag: &str| -> Value {
        (0..n)
            .map(|i| json!({"sku": format!("{tag}{}", i % 7), "quantity": i + 1}))
            .collect()
    };
    for (n, tag) in [
        (1200, "a"),
        (5, "b"),
        (1500, "c"),
        (1500, "d"),
        (0, "e"),
        (3, "f"),
    ] {
        save(&db, &order(lines(n, tag), json!([])));
    }
}

/// The processor's diffs (changed positions of an array of unchanged length; a whole array
/// otherwise) write positional arrays as a whole-state persist does.
pub fn processor_diffs_write_positional_arrays(b: &Backend) {
    let db = b.store(orders::registry());
    let mut state = order(
        json!([{"sku": "A", "quantity": 1}, {"sku": "A", "quantity": 1}, {"sku": "B", "quantity": 2}]),
        json!([{"method": "card", "amount": 1.0}]),
    );
    save(&db, &state);
    let steps: [fn(&mut Value); 4] = [
        // One line changed in place: the diff names its position.
        |s| s["lines"][1]["quantity"] = json!(7),
        // Two payments by the same method: a longer array.
        |s| {
            s["payments"] =
                json!([{"method": "card", "amount": 1.0}, {"method": "card", "amount": 2.5}])
        },
        // Lines reordered and one dropped.
        |s| s["lines"] = json!([s["lines"][2], s["lines"][0]]),
        // Only a note, on the last line.
        |s| s["lines"][1]["note"] = json!("gift"),
    ];
    for step in steps {
        let before = state.clone();
        step(&mut state);
        let diff = nasc_runtime::diff(&before, &state).unwrap().to_value();
        db.persist("Order", "o1", &diff, &state)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(db.loaded("Order", "o1"), state, "after the diff {diff}");
        let lines = state["lines"].as_array().unwrap().len() as i64;
        assert_eq!(db.count("order_lines"), lines);
    }
}
