//! The write-path matrix: every column kind (each stored scalar type, and string enums),
//! each required, optional and nullable, through every statement the mapped store renders,
//! read back equal.
//!
//! Built by construction rather than by listing: the column kinds come from
//! [`ScalarType::ALL`], every mapped type of the generated schema holds every column kind,
//! and the test fails when a statement the store rendered never ran (a new statement kind
//! joins the check as soon as the store renders it; see `testing::record_statements`).

use crate::support::{Backend, Kind};
use nasc_model::ScalarType;
use nasc_runtime::testing::{record_statements, Statement};
use nasc_runtime::{Error, Registry, Store};
use serde_json::{json, Map, Value};

/// A kind of column: a stored scalar type, or a string enum (a `String` column with a
/// CHECK).
#[derive(Debug, Clone, Copy)]
enum ColumnKind {
    Scalar(ScalarType),
    StringEnum,
}

fn column_kinds() -> Vec<ColumnKind> {
    ScalarType::ALL
        .into_iter()
        .map(ColumnKind::Scalar)
        .chain([ColumnKind::StringEnum])
        .collect()
}

/// How a property may be left out or null.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Presence {
    Required,
    Optional,
    Nullable,
}

const PRESENCES: [Presence; 3] = [Presence::Required, Presence::Optional, Presence::Nullable];

/// States a row goes through: each column takes a different value in each.
const STATES: usize = 3;

impl ColumnKind {
    fn name(self) -> String {
        match self {
            ColumnKind::Scalar(s) => format!("{s:?}").to_lowercase(),
            ColumnKind::StringEnum => "enum".into(),
        }
    }

    /// The property's schema, with `null` allowed when `nullable`.
    fn schema(self, nullable: bool) -> Value {
        let ty = |name: &str| {
            if nullable {
                json!([name, "null"])
            } else {
                json!(name)
            }
        };
        match self {
            ColumnKind::Scalar(scalar) => match scalar {
                ScalarType::String => json!({"type": ty("string")}),
                ScalarType::Integer => json!({"type": ty("integer")}),
                ScalarType::Number => json!({"type": ty("number")}),
                ScalarType::Boolean => json!({"type": ty("boolean")}),
                ScalarType::DateTime => json!({"type": ty("string"), "format": "date-time"}),
                ScalarType::Json => json!({"type": ty("object")}),
                ScalarType::Bytes => json!({"type": ty("string"), "contentEncoding": "base64"}),
            },
            ColumnKind::StringEnum => {
                let mut values = json!(["draft", "live", "ärchived ✓"]);
                if nullable {
                    values.as_array_mut().unwrap().push(Value::Null);
                }
                json!({"type": ty("string"), "enum": values})
            }
        }
    }

    /// The value of the column in `state`, each in its loaded form (instants in UTC, with
    /// the fewest fractional digits), and with edge values among them.
    fn value(self, state: usize) -> Value {
        let values: [Value; STATES] = match self {
            ColumnKind::Scalar(scalar) => match scalar {
                ScalarType::String => [
                    json!("plain"),
                    json!(""),
                    json!("ünï ✓ \"quoted\" 'single' \\ 🎉 ? $1 %s"),
                ],
                ScalarType::Integer => [json!(0), json!(i64::MIN), json!(i64::MAX)],
                ScalarType::Number => [json!(1.5), json!(-0.25), json!(1.0e300)],
                ScalarType::Boolean => [json!(true), json!(false), json!(true)],
                ScalarType::DateTime => [
                    json!("2025-02-01T08:00:00Z"),
                    json!("1970-01-01T00:00:00.000001Z"),
                    json!("9999-12-31T23:59:59.999999Z"),
                ],
                ScalarType::Json => [
                    json!({"a": 1}),
                    json!({}),
                    json!({"deep": {"list": [1, "two", null, false, {"x": 2.5}]}, "ü": "✓ '\""}),
                ],
                // Not UTF-8 (NUL, 0xFF); none; large and UTF-8 (MySQL hands it over as text).
                ScalarType::Bytes => [
                    json!(nasc_model::bytes::encode(b"\x00\xff\xfe binary \x00")),
                    json!(""),
                    json!(nasc_model::bytes::encode("ünï ✓ ".repeat(7_000).as_bytes())),
                ],
            },
            ColumnKind::StringEnum => [json!("draft"), json!("live"), json!("ärchived ✓")],
        };
        values[state % STATES].clone()
    }
}

/// The column properties, `<kind>_<presence>`, with their schemas.
fn column_properties() -> Vec<(String, ColumnKind, Presence)> {
    column_kinds()
        .into_iter()
        .flat_map(|kind| {
            PRESENCES
                .into_iter()
                .map(move |p| (format!("{}_{p:?}", kind.name()).to_lowercase(), kind, p))
        })
        .collect()
}

/// The column values of a row in `state`: in the second state, optional columns are left
/// out and nullable ones are null.
fn columns(state: usize) -> Map<String, Value> {
    let mut row = Map::new();
    for (property, kind, presence) in column_properties() {
        match (presence, state % STATES) {
            (Presence::Optional, 1) => {}
            (Presence::Nullable, 1) => {
                row.insert(property, Value::Null);
            }
            _ => {
                row.insert(property, kind.value(state));
            }
        }
    }
    row
}

/// A type of the matrix schema: its extra properties (beyond the id and every column).
fn object_type(extra: Value, extra_required: &[&str]) -> Value {
    let mut ty = keyless_type(extra, extra_required);
    ty["properties"]["id"] = json!({"type": "string"});
    ty["required"].as_array_mut().unwrap().push(json!("id"));
    ty
}

/// A type without an `id` (its rows are identified by their position), with every column
/// and `extra` properties.
fn keyless_type(extra: Value, extra_required: &[&str]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for (property, kind, presence) in column_properties() {
        properties.insert(
            property.clone(),
            kind.schema(presence == Presence::Nullable),
        );
        if presence != Presence::Optional {
            required.push(json!(property));
        }
    }
    for (k, v) in extra.as_object().unwrap() {
        properties.insert(k.clone(), v.clone());
    }
    required.extend(extra_required.iter().map(|r| json!(r)));
    json!({"type": "object", "properties": properties, "required": required})
}

/// A type whose integer key the database makes, with every column and an array.
fn counted_type() -> Value {
    let array = json!({"type": "array", "items": {"$ref": "#/$defs/Leaf"}});
    let mut ty = keyless_type(json!({ "leaves": array }), &[]);
    ty["properties"]["id"] = json!({"type": "integer"});
    ty["required"].as_array_mut().unwrap().push(json!("id"));
    ty
}

/// The mapping's `shareBinaryOver` of the types that share binary values (half of them,
/// and of children): the binary samples are smaller and larger than it.
const SHARED_OVER: u64 = 16;

/// Every way a row is written: top-level plain (upsert), versioned, with a unique key
/// (update-then-insert on MySQL); children by key (leaves), replaced (branches, which
/// have children of their own), each of those also saved as a top-level aggregate; and
/// children by position (lines without an id, entries whose id may repeat).
fn registry() -> Registry {
    let array =
        |child: &str| json!({"type": "array", "items": {"$ref": format!("#/$defs/{child}")}});
    let schema = json!({"$defs": {
        "Plain": object_type(json!({}), &[]),
        "Versioned": object_type(json!({"version": {"type": "integer"}}), &["version"]),
        "Keyed": object_type(json!({"code": {"type": "string"}}), &["code"]),
        "Parent": object_type(json!({"leaves": array("Leaf"), "branches": array("Branch"),
            "lines": array("Line"), "entries": array("Entry")}), &[]),
        "Line": keyless_type(json!({}), &[]),
        "Entry": object_type(json!({}), &[]),
        "Branch": object_type(json!({"twigs": array("Leaf")}), &[]),
        "Leaf": object_type(json!({}), &[]),
        "Counted": counted_type(),
        "Minted": object_type(json!({"leaves": array("Leaf")}), &[]),
        "Expiring": object_type(json!({"leaves": array("Leaf")}), &[]),
    }});
    let mapping = json!({
        "Plain": {"x-na:store": {"entity": "plains"}},
        "Versioned": {"x-na:store": {"entity": "versioneds", "version": "version",
            "shareBinaryOver": SHARED_OVER}},
        "Keyed": {"x-na:store": {"entity": "keyeds", "unique": ["code"],
            "shareBinaryOver": SHARED_OVER}},
        "Parent": {"x-na:store": {"entity": "parents"}},
        "Branch": {"x-na:store": {"entity": "branches"}},
        "Leaf": {"x-na:store": {"entity": "leaves", "shareBinaryOver": SHARED_OVER}},
        "Line": {"x-na:store": {"entity": "lines"}},
        "Entry": {"x-na:store": {"entity": "entries", "positional": true,
            "shareBinaryOver": SHARED_OVER}},
        "Counted": {"x-na:store": {"entity": "counteds", "generated": "increment"}},
        "Minted": {"x-na:store": {"entity": "minteds", "generated": "uuid"}},
        "Expiring": {"x-na:store": {"entity": "expirings", "ttl": "1h", "maxSize": 2,
            "shareBinaryOver": SHARED_OVER}},
    });
    Registry::from_json_str(
        "matrix.schema.json",
        &schema.to_string(),
        "matrix.mapping.json",
        &mapping.to_string(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// A row of `state` with `id` and `extra` properties.
fn row(id: &str, state: usize, extra: Value) -> Value {
    let mut row = columns(state);
    row.insert("id".into(), json!(id));
    for (k, v) in extra.as_object().unwrap() {
        row.insert(k.clone(), v.clone());
    }
    Value::Object(row)
}

/// Leaves with the given ids, each in its own state (so that one batch mixes values, nulls
/// and left-out properties).
fn leaves(ids: &[&str], state: usize) -> Value {
    ids.iter()
        .enumerate()
        .map(|(i, id)| row(id, state + i, json!({})))
        .collect()
}

fn parent(state: usize, leaf_ids: &[&str]) -> Value {
    let branches = json!([
        row(
            "b0",
            state,
            json!({"twigs": leaves(&["t0", "t1", "t2"], state)})
        ),
        row("b1", state + 1, json!({"twigs": []})),
    ]);
    // As many lines as leaves, and entries whose ids repeat.
    let lines: Vec<Value> = (0..leaf_ids.len())
        .map(|i| Value::Object(columns(state + i)))
        .collect();
    let entry_ids: Vec<&str> = leaf_ids.iter().map(|_| "e").collect();
    row(
        "p",
        state,
        json!({"leaves": leaves(leaf_ids, state), "branches": branches, "lines": lines,
            "entries": leaves(&entry_ids, state + 1)}),
    )
}

/// Saves `value` with `diff` and checks that it loads back equal to `expected`.
fn save_and_check(store: &dyn Store, ty: &str, diff: &Value, value: &Value, expected: &Value) {
    let id = value["id"].as_str().unwrap();
    store
        .persist(ty, id, diff, value)
        .unwrap_or_else(|e| panic!("saving {ty} {id}: {e}"));
    let loaded = store.load(ty, id).unwrap().unwrap();
    if loaded != *expected {
        let mut differences = Vec::new();
        for (k, v) in expected.as_object().unwrap() {
            if loaded.get(k) != Some(v) {
                differences.push(format!("{k}: saved {v}, loaded {:?}", loaded.get(k)));
            }
        }
        for k in loaded.as_object().unwrap().keys() {
            if expected.get(k).is_none() {
                differences.push(format!("{k}: not saved, loaded {}", loaded[k]));
            }
        }
        panic!(
            "{ty} {id} loads back different:\n{}",
            differences.join("\n")
        );
    }
}

/// The stored `ty` `id` is found by a query on each of its properties' values (JSON
/// documents by being null or not), in a query ordered by every property that has an
/// order, by a count, and by a load of many ids.
fn query_by_every_property(store: &dyn Store, ty: &str, id: &str) {
    let stored = store.load(ty, id).unwrap().unwrap();
    let registry = registry();
    let entity = registry.model().get(ty).unwrap();
    let mut order = Vec::new();
    for field in &entity.fields {
        let value = stored.get(&field.property).cloned().unwrap_or(Value::Null);
        let condition = match (field.scalar, &value) {
            (ScalarType::Json, Value::Null) => Value::Null,
            (ScalarType::Json, _) => json!({"not": null}),
            (_, value) => value.clone(),
        };
        let query = json!({"where": {&field.property: condition}});
        let page = store
            .query(ty, &query)
            .unwrap_or_else(|e| panic!("{query}: {e}"));
        assert!(
            page.items.contains(&stored),
            "{ty} {id} not found by {query}: {:?}",
            page.items
        );
        assert_eq!(
            store.query_count(ty, &query).unwrap(),
            page.items.len() as u64
        );
        // (JSON documents and bytes have no order.)
        if !matches!(field.scalar, ScalarType::Json | ScalarType::Bytes) {
            order.push(json!({&field.property: "desc"}));
        }
    }
    let page = store
        .query(ty, &json!({"orderBy": order, "take": 1}))
        .unwrap();
    assert_eq!(page.items.len(), 1);
    // The minimum and maximum of every property that has one, over the one stored row,
    // is its value; it exists.
    let mut extremes = Map::new();
    for field in &entity.fields {
        if !matches!(
            field.scalar,
            ScalarType::Boolean | ScalarType::Json | ScalarType::Bytes
        ) {
            extremes.insert(field.property.clone(), json!(true));
        }
    }
    let only =
        json!({"where": {&entity.pk().unwrap().property: stored[&entity.pk().unwrap().property]}});
    let mut query = only.clone();
    query["_min"] = Value::Object(extremes.clone());
    query["_max"] = Value::Object(extremes.clone());
    query["_count"] = json!(true);
    let answer = store.query_aggregate(ty, &query).unwrap();
    assert_eq!(answer["_count"], json!(1));
    for property in extremes.keys() {
        let value = stored.get(property).cloned().unwrap_or(Value::Null);
        for key in ["_min", "_max"] {
            let found = &answer[key][property];
            match (found, &value) {
                (Value::Number(f), Value::Number(v)) => assert_eq!(f.as_f64(), v.as_f64()),
                _ => assert_eq!(found, &value, "{key} of {ty}.{property}"),
            }
        }
    }
    assert!(store.query_exists(ty, &only).unwrap());
    let many = store.load_many(ty, &[id, "missing", id]).unwrap();
    assert_eq!(many, vec![Some(stored.clone()), None, Some(stored.clone())]);
    // Replaced by its own state (a version included); a missing one is not.
    assert!(store.replace(ty, id, &stored).unwrap());
    let mut missing = stored;
    missing[&entity.pk().unwrap().property] = json!("missing");
    assert!(!store.replace(ty, "missing", &missing).unwrap());
}

fn save(store: &dyn Store, ty: &str, value: &Value) {
    save_and_check(store, ty, value, value, value);
}

pub fn every_column_kind_through_every_statement(b: &Backend) {
    let ((), coverage) = record_statements(|| {
        let db = b.store(registry());
        let store: &dyn Store = &db.store;

        // Top-level rows: inserted, then updated through every state.
        for ty in ["Plain", "Keyed", "Leaf", "Branch"] {
            for state in 0..=STATES {
                let extra = if ty == "Keyed" {
                    json!({"code": format!("k{state}")})
                } else if ty == "Branch" {
                    json!({"twigs": leaves(&["t0", "t1"], state)})
                } else {
                    json!({})
                };
                save(store, ty, &row("top", state, extra.clone()));
                if state == STATES {
                    // Saving the same state again changes nothing and fails nothing.
                    save(store, ty, &row("top", state, extra));
                }
            }
        }

        // Partial diffs: each column kind alone, from every state to the next, is written
        // from `full`, and every other column keeps its stored value (`full` holds stale
        // values for them); the versioned type's version is checked and bumped too.
        for ty in ["Plain", "Versioned"] {
            let version = |v: usize| match ty {
                "Versioned" => json!({ "version": v }),
                _ => json!({}),
            };
            let first = row("partial", 0, version(0));
            let mut stored = first.clone();
            if ty == "Versioned" {
                stored["version"] = json!(1);
            }
            save_and_check(store, ty, &first, &first, &stored);
            let mut saves = 1;
            for state in 1..=STATES {
                for (property, _, _) in column_properties() {
                    let mut full = row("partial", state + 1, version(saves));
                    if let Some(value) = columns(state).get(&property) {
                        full[&property] = value.clone();
                        stored[&property] = value.clone();
                    } else {
                        full.as_object_mut().unwrap().remove(&property);
                        stored.as_object_mut().unwrap().remove(&property);
                    }
                    let diff = match full.get(&property) {
                        Some(value) => json!({ property.clone(): value }),
                        None => json!({ "$removed": [property] }),
                    };
                    saves += 1;
                    if ty == "Versioned" {
                        stored["version"] = json!(saves);
                    }
                    save_and_check(store, ty, &diff, &full, &stored);
                }
            }
        }

        // Creates: a new id is inserted whole (children too); a taken one is left alone.
        for ty in ["Plain", "Keyed", "Leaf", "Branch", "Parent", "Versioned"] {
            let extra = match ty {
                "Keyed" => json!({"code": "created"}),
                "Branch" => json!({"twigs": leaves(&["t0", "t1"], 1)}),
                "Parent" => json!({"leaves": leaves(&["c0", "c1"], 2), "branches": [
                    row("cb", 0, json!({"twigs": leaves(&["t9"], 2)}))],
                    "lines": [Value::Object(columns(1))], "entries": leaves(&["e", "e"], 0)}),
                "Versioned" => json!({"version": 7}),
                _ => json!({}),
            };
            let value = row("created", 0, extra.clone());
            assert!(store.create(ty, "created", &value).unwrap(), "{ty}");
            let mut expected = value.clone();
            if ty == "Versioned" {
                expected["version"] = json!(8);
            }
            assert_eq!(
                store.load(ty, "created").unwrap(),
                Some(expected.clone()),
                "{ty}"
            );
            let other = row("created", 2, extra);
            assert!(!store.create(ty, "created", &other).unwrap(), "{ty}");
            assert_eq!(store.load(ty, "created").unwrap(), Some(expected), "{ty}");
            assert!(store.delete(ty, "created").unwrap());
        }

        // Inserts of the types whose keys are made: every state with its children, read
        // back as `insert_document` returned it; then one with its own key, above the
        // sequence, and one made after it (PostgreSQL moves the sequence past it).
        for ty in ["Counted", "Minted"] {
            let mut made = Vec::new();
            for state in 0..=STATES {
                let mut value = row("", state, json!({"leaves": leaves(&["m0", "m1"], state)}));
                value.as_object_mut().unwrap().remove("id");
                let stored = store.insert_document(ty, &value).unwrap();
                let id = match &stored["id"] {
                    Value::Number(n) => n.to_string(),
                    Value::String(s) => s.clone(),
                    other => panic!("{ty}: no key made: {other}"),
                };
                let mut expected = value.clone();
                expected["id"] = stored["id"].clone();
                assert_eq!(stored, expected, "{ty}");
                assert_eq!(store.load(ty, &id).unwrap(), Some(stored), "{ty}");
                made.push(id);
            }
            if ty == "Counted" {
                let last: i64 = made.last().unwrap().parse().unwrap();
                let own = row("", 0, json!({"id": last + 1, "leaves": []}));
                store.insert_document(ty, &own).unwrap();
                let after = store
                    .insert_document(ty, &row("", 1, json!({"id": null, "leaves": []})))
                    .unwrap();
                assert_eq!(after["id"], json!(last + 2));
                made.extend([(last + 1).to_string(), (last + 2).to_string()]);
            }
            for id in made {
                assert!(store.delete(ty, &id).unwrap(), "{ty} {id}");
            }
        }

        // A type that expires and is capped: each save stamps its times (after dropping
        // the row if it had expired); saves beyond the cap remove the oldest; purging
        // runs (nothing expires within the hour).
        for state in 0..=STATES {
            let value = row("e", state, json!({"leaves": leaves(&["x0", "x1"], state)}));
            save(store, "Expiring", &value);
        }
        for id in ["e1", "e2"] {
            assert!(store
                .create("Expiring", id, &row(id, 0, json!({"leaves": []})))
                .unwrap());
        }
        assert_eq!(
            store.load("Expiring", "e").unwrap(),
            None,
            "the oldest goes"
        );
        assert_eq!(store.query_count("Expiring", &json!({})).unwrap(), 2);
        assert_eq!(db.store.purge_expired().unwrap(), 0);

        // Versioned rows: each save stores the version it was based on plus one.
        for state in 0..=STATES {
            let value = row("v", state, json!({"version": state}));
            let mut expected = value.clone();
            expected["version"] = json!(state + 1);
            save_and_check(store, "Versioned", &value, &value, &expected);
        }
        let stale = row("v", 0, json!({"version": 0}));
        match store.persist("Versioned", "v", &stale, &stale) {
            Err(Error::VersionConflict {
                expected: 0,
                actual,
                ..
            }) => assert_eq!(actual, STATES as i64 + 1),
            other => panic!("a stale save must be a version conflict: {other:?}"),
        }

        // Children: inserted; every row changed in place (a batch); one row changed; moved,
        // removed and added; and rows at positions, one and several.
        let ids = ["l0", "l1", "l2", "l3", "l4"];
        save(store, "Parent", &parent(0, &ids));
        save(store, "Parent", &parent(1, &ids));
        let mut one_changed = parent(1, &ids);
        one_changed["leaves"][2] = row("l2", 0, json!({}));
        save(store, "Parent", &one_changed);
        save(store, "Parent", &parent(2, &["l4", "l0", "new", "l2"]));
        let mut at_positions = parent(2, &["l4", "l0", "new", "l2"]);
        for (position, state) in [(1, 0), (3, 2)] {
            at_positions["leaves"][position] = row(
                at_positions["leaves"][position]["id"].as_str().unwrap(),
                state,
                json!({}),
            );
        }
        let diff = json!({"leaves": at_positions["leaves"], "$positions": {"leaves": [1, 3]}});
        save_and_check(store, "Parent", &diff, &at_positions, &at_positions);
        at_positions["leaves"][0] = row("l4", 1, json!({}));
        let diff = json!({"leaves": at_positions["leaves"], "$positions": {"leaves": [0]}});
        save_and_check(store, "Parent", &diff, &at_positions, &at_positions);

        // Positional types are stored in arrays only.
        for ty in ["Line", "Entry"] {
            let value = row("x", 0, json!({}));
            match store.persist(ty, "x", &value, &value) {
                Err(Error::NotAnAggregate { ty: named }) => assert_eq!(named, ty),
                other => panic!("{ty} saved on its own: {other:?}"),
            }
            assert!(matches!(
                store.load(ty, "x"),
                Err(Error::NotAnAggregate { .. })
            ));
        }

        // Queries: each stored top-level row is found by every property's value, ordered
        // by every property, counted, and loaded with others by id.
        for ty in ["Parent", "Plain", "Keyed", "Versioned", "Leaf", "Branch"] {
            let id = match ty {
                "Parent" => "p",
                "Versioned" => "v",
                _ => "top",
            };
            query_by_every_property(store, ty, id);
        }

        // Deletes.
        for ty in ["Parent", "Plain", "Keyed", "Versioned", "Leaf", "Branch"] {
            let id = match ty {
                "Parent" => "p",
                "Versioned" => "v",
                _ => "top",
            };
            assert!(store.delete(ty, id).unwrap(), "{ty} {id} was stored");
            assert_eq!(store.load(ty, id).unwrap(), None);
        }
    });
    let missing = coverage.missing();
    assert!(
        missing.is_empty(),
        "statements the {:?} store rendered but the matrix never ran: {missing:?} (ran: {:?})",
        b.kind,
        coverage.executed
    );
    // The statements each backend must have: the check above is not vacuous.
    let mut expected = vec![
        Statement::Upsert,
        Statement::VersionedUpdate,
        Statement::VersionedCurrent,
        Statement::VersionedInsert,
        Statement::InsertChildren,
        Statement::UpdateChildByKey,
        Statement::UpdateChildAtPosition,
        Statement::DeleteChild,
        Statement::DeleteChildren,
        Statement::LastPosition,
        Statement::Select,
        Statement::SelectChildren,
        Statement::SelectChildrenOfMany,
        Statement::Delete,
        Statement::CreateTopLevel,
        Statement::SelectTopLevelRow,
        Statement::SelectChildRows,
        Statement::DeleteChildrenFrom,
        Statement::UpdateNamedColumns,
        Statement::Query,
        Statement::QueryCount,
        Statement::LockTopLevel,
        Statement::QueryExists,
        Statement::QueryAggregate,
        Statement::GeneratedKey,
        Statement::StampExpiry,
        Statement::DropExpired,
        Statement::Now,
        Statement::ExpiredKeys,
        Statement::PurgeExpired,
        Statement::CountKept,
        Statement::OldestKept,
        Statement::SharedHeld,
        Statement::RaiseShared,
        Statement::StoreShared,
        Statement::AddHolder,
        Statement::ReleaseShared,
        Statement::DropReleased,
        Statement::DropHolder,
        Statement::FetchShared,
    ];
    match b.kind {
        Kind::Postgres => expected.extend([
            Statement::UpdateChildrenByKeyBatched,
            Statement::UpdateChildrenAtPositionBatched,
            Statement::SkipTakenKeys,
        ]),
        Kind::Mysql => expected.extend([Statement::UpdateTopLevel, Statement::InsertTopLevel]),
        Kind::Sqlite => {}
    }
    for statement in expected {
        assert!(
            coverage.executed.contains(&statement),
            "{statement:?} did not run on {:?}",
            b.kind
        );
    }
}
