//! Queries over whole aggregates (`Store::query`, `find`, `query_count`, `load_many`,
//! `get_many`), held to a model: a plain Rust evaluation of the same JSON query over the
//! saved documents, which every backend's answer must equal, order included.

use crate::support::*;
use nasc_runtime::chrono::{DateTime, FixedOffset};
use nasc_runtime::{Error, Store};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};
use std::cmp::Ordering;

mod sales {
    nasc_runtime::schema!(
        schema = "tests/schemas/sales.schema.json",
        mapping = "tests/schemas/sales.mapping.json"
    );
}

fn registry() -> nasc_runtime::Registry {
    sales::registry()
}

const CUSTOMERS: [&str; 10] = [
    "ada", "Ada", "ada ", "bob", "bö", "zoë", "", "a%b", "a_b", "x'y",
];
const TOTALS: [f64; 7] = [0.0, -1.5, 2.5, 10.0, 10.25, 1e9, 3.0];
const ITEMS: [i64; 5] = [-3, 0, 1, 7, 9_007_199_254_740_993];
/// The first two are one instant.
const INSTANTS: [&str; 5] = [
    "2026-01-02T03:04:05Z",
    "2026-01-02T05:04:05+02:00",
    "2025-12-31T23:59:59.999999Z",
    "2026-06-01T00:00:00Z",
    "2026-01-02T03:04:05.000001Z",
];
const NOTES: [&str; 4] = ["hello", "Hello world", "", "ünïcode ✓"];
const SKUS: [&str; 4] = ["A-1", "B-2", "C-3", "a-1"];
const TAGS: [&str; 2] = ["red", "blue"];

/// A small deterministic generator.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.roll(items.len())]
    }
}

/// `n` orders with every kind of value: padded, cased and unicode text, LIKE's special
/// characters, equal instants in other offsets, null and absent values, and lines with tags.
fn orders(n: usize, seed: u64) -> Vec<Value> {
    let mut dice = Dice(seed);
    (0..n)
        .map(|i| {
            let mut order = json!({
                "id": format!("o{:03}", (i * 37) % 1000),
                "customer": dice.pick(&CUSTOMERS),
                "status": dice.pick(&["draft", "paid", "shipped"]),
                "total": dice.pick(&TOTALS),
                "items": dice.pick(&ITEMS),
                "paid": dice.roll(2) == 0,
                "placedAt": dice.pick(&INSTANTS),
                "lines": [],
            });
            match dice.roll(3) {
                0 => {}
                1 => order["note"] = Value::Null,
                _ => order["note"] = json!(dice.pick(&NOTES)),
            }
            if dice.roll(2) == 0 {
                order["priority"] = json!(dice.roll(4) as i64 - 1);
            }
            match dice.roll(3) {
                0 => {}
                1 => order["meta"] = Value::Null,
                _ => order["meta"] = json!({"k": dice.roll(3)}),
            }
            let mut skus = SKUS.to_vec();
            let lines: Vec<Value> = (0..dice.roll(4))
                .map(|_| {
                    let sku = skus.remove(dice.roll(skus.len()));
                    let tags: Vec<Value> = TAGS[..dice.roll(3)]
                        .iter()
                        .map(|name| json!({"name": name}))
                        .collect();
                    json!({"sku": sku, "qty": dice.roll(5) as i64, "tags": tags})
                })
                .collect();
            order["lines"] = json!(lines);
            order
        })
        .collect()
}

fn save_all(store: &dyn Store, orders: &[Value]) {
    for order in orders {
        let id = order["id"].as_str().unwrap();
        store.persist("Order", id, order, order).unwrap();
    }
}

// The model: the query evaluated in plain Rust over the documents.

fn instant(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).unwrap()
}

/// How two present, non-null values of `property` compare.
fn compare(property: &str, a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        _ if property == "placedAt" => {
            instant(a.as_str().unwrap()).cmp(&instant(b.as_str().unwrap()))
        }
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i.cmp(&j),
            _ => x
                .as_f64()
                .unwrap()
                .partial_cmp(&y.as_f64().unwrap())
                .unwrap(),
        },
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => panic!("{a} and {b} do not compare"),
    }
}

/// The value of `property` in `document`: `None` when absent or null.
fn present<'a>(document: &'a Value, property: &str) -> Option<&'a Value> {
    document.get(property).filter(|v| !v.is_null())
}

fn matches(document: &Value, filter: &Value) -> bool {
    filter
        .as_object()
        .unwrap()
        .iter()
        .all(|(key, condition)| match key.as_str() {
            "AND" => many(condition).iter().all(|f| matches(document, f)),
            "OR" => many(condition).iter().any(|f| matches(document, f)),
            "NOT" => !many(condition).iter().all(|f| matches(document, f)),
            "lines" | "tags" => {
                let children = document[key.as_str()].as_array().unwrap();
                condition
                    .as_object()
                    .unwrap()
                    .iter()
                    .all(|(quantifier, filter)| {
                        let matching = |child: &&Value| matches(child, filter);
                        match quantifier.as_str() {
                            "some" => children.iter().any(|c| matching(&c)),
                            "every" => children.iter().all(|c| matching(&c)),
                            "none" => !children.iter().any(|c| matching(&c)),
                            other => panic!("{other}"),
                        }
                    })
            }
            property => holds(document, property, condition),
        })
}

fn many(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    }
}

fn holds(document: &Value, property: &str, condition: &Value) -> bool {
    let value = present(document, property);
    let equal = |v: &Value| value.is_some_and(|x| compare(property, x, v) == Ordering::Equal);
    match condition {
        Value::Null => value.is_none(),
        Value::Object(operators) if property != "meta" || !condition.is_null() => operators
            .iter()
            .all(|(operator, operand)| match operator.as_str() {
                "equals" => holds(document, property, operand),
                "not" => !holds(document, property, operand),
                "in" => operand.as_array().unwrap().iter().any(equal),
                "notIn" => !operand.as_array().unwrap().iter().any(equal),
                "lt" | "lte" | "gt" | "gte" => value.is_some_and(|x| {
                    let order = compare(property, x, operand);
                    match operator.as_str() {
                        "lt" => order == Ordering::Less,
                        "lte" => order != Ordering::Greater,
                        "gt" => order == Ordering::Greater,
                        _ => order != Ordering::Less,
                    }
                }),
                "contains" | "startsWith" | "endsWith" => value.is_some_and(|x| {
                    let (x, needle) = (x.as_str().unwrap(), operand.as_str().unwrap());
                    match operator.as_str() {
                        "contains" => x.contains(needle),
                        "startsWith" => x.starts_with(needle),
                        _ => x.ends_with(needle),
                    }
                }),
                other => panic!("{other}"),
            }),
        operand => equal(operand),
    }
}

/// The ids the model's query returns, in order: `where`, then `orderBy` (nulls smallest
/// unless said), then the id; then `skip` and `take`.
fn model_ids(documents: &[Value], query: &Value) -> Vec<String> {
    let filter = query.get("where").cloned().unwrap_or(json!({}));
    let mut found: Vec<&Value> = documents.iter().filter(|d| matches(d, &filter)).collect();
    let keys: Vec<(String, bool, bool)> = query
        .get("orderBy")
        .map(many)
        .unwrap_or_default()
        .iter()
        .map(|key| {
            let (property, direction) = key.as_object().unwrap().iter().next().unwrap();
            let (sort, nulls) = match direction {
                Value::String(sort) => (sort.as_str(), None),
                object => (
                    object["sort"].as_str().unwrap(),
                    object.get("nulls").and_then(Value::as_str),
                ),
            };
            let descending = sort == "desc";
            let nulls_first = nulls.map_or(!descending, |n| n == "first");
            (property.clone(), descending, nulls_first)
        })
        .collect();
    found.sort_by(|a, b| {
        for (property, descending, nulls_first) in &keys {
            let order = match (present(a, property), present(b, property)) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) if *nulls_first => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) if *nulls_first => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(x), Some(y)) if *descending => compare(property, y, x),
                (Some(x), Some(y)) => compare(property, x, y),
            };
            if order != Ordering::Equal {
                return order;
            }
        }
        a["id"].as_str().unwrap().cmp(b["id"].as_str().unwrap())
    });
    let skip = query.get("skip").and_then(Value::as_u64).unwrap_or(0) as usize;
    let take = query
        .get("take")
        .and_then(Value::as_u64)
        .map_or(usize::MAX, |t| t as usize);
    found
        .into_iter()
        .skip(skip)
        .take(take)
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect()
}

fn ids(page: &[Value]) -> Vec<String> {
    page.iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect()
}

// Random queries.

fn scalar_condition() -> impl Strategy<Value = (String, Value)> {
    let text = |property: &'static str, values: Vec<&'static str>| {
        let value = prop::sample::select(values);
        prop_oneof![
            value.clone().prop_map(|v| json!(v)),
            value.clone().prop_map(|v| json!({"not": v})),
            (
                prop::sample::select(vec![
                    "lt",
                    "lte",
                    "gt",
                    "gte",
                    "contains",
                    "startsWith",
                    "endsWith"
                ]),
                value.clone()
            )
                .prop_map(|(op, v)| json!({op: v})),
            prop::collection::vec(value.clone(), 0..3).prop_map(|v| json!({"in": v})),
            prop::collection::vec(value, 0..3).prop_map(|v| json!({"notIn": v})),
        ]
        .prop_map(move |c| (property.to_owned(), c))
    };
    let ordered = |property: &'static str, values: Vec<Value>| {
        let value = prop::sample::select(values);
        prop_oneof![
            value.clone(),
            value.clone().prop_map(|v| json!({"not": v})),
            (
                prop::sample::select(vec!["lt", "lte", "gt", "gte"]),
                value.clone()
            )
                .prop_map(|(op, v)| json!({op: v})),
            prop::collection::vec(value.clone(), 0..3).prop_map(|v| json!({"in": v})),
            prop::collection::vec(value, 0..3).prop_map(|v| json!({"notIn": v})),
        ]
        .prop_map(move |c| (property.to_owned(), c))
    };
    let nulls = prop::sample::select(vec!["note", "priority", "meta"]).prop_flat_map(|p| {
        prop::sample::select(vec![
            json!(null),
            json!({"not": null}),
            json!({"equals": null}),
        ])
        .prop_map(move |c| (p.to_owned(), c))
    });
    let mut notes = NOTES.to_vec();
    notes.extend(["hel", "o", "world", "✓"]);
    let mut customers = CUSTOMERS.to_vec();
    customers.extend(["a", "%", "_", "b"]);
    prop_oneof![
        text("customer", customers),
        text("note", notes),
        text("status", vec!["draft", "paid", "shipped"]),
        ordered("total", TOTALS.iter().map(|t| json!(t)).collect()),
        ordered("items", ITEMS.iter().map(|t| json!(t)).collect()),
        ordered("priority", vec![json!(-1), json!(0), json!(2)]),
        ordered("placedAt", INSTANTS.iter().map(|t| json!(t)).collect()),
        prop::sample::select(vec![json!(true), json!(false), json!({"not": true})])
            .prop_map(|c| ("paid".to_owned(), c)),
        nulls,
    ]
}

fn line_filter() -> impl Strategy<Value = Value> {
    let sku = prop::sample::select(SKUS.to_vec());
    let tag = prop::sample::select(vec!["some", "every", "none"]).prop_flat_map(|q| {
        prop::sample::select(TAGS.to_vec())
            .prop_map(move |name| json!({"tags": {q: {"name": name}}}))
    });
    prop_oneof![
        sku.clone().prop_map(|s| json!({"sku": s})),
        sku.prop_map(|s| json!({"sku": {"startsWith": &s[..1]}})),
        (0i64..5).prop_map(|q| json!({"qty": {"gte": q}})),
        tag,
    ]
}

fn filter() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        3 => scalar_condition().prop_map(|(p, c)| json!({p: c})),
        1 => (prop::sample::select(vec!["some", "every", "none"]), line_filter())
            .prop_map(|(q, f)| json!({"lines": {q: f}})),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(|fs| json!({"AND": fs})),
            prop::collection::vec(inner.clone(), 0..3).prop_map(|fs| json!({"OR": fs})),
            inner.prop_map(|f| json!({"NOT": f})),
        ]
    })
}

fn order_by() -> impl Strategy<Value = Value> {
    let key = (
        prop::sample::select(vec![
            "customer", "total", "items", "paid", "placedAt", "note", "priority", "status",
        ]),
        prop::sample::select(vec![
            json!("asc"),
            json!("desc"),
            json!({"sort": "asc", "nulls": "last"}),
            json!({"sort": "desc", "nulls": "first"}),
        ]),
    )
        .prop_map(|(p, d)| json!({p: d}));
    prop::collection::vec(key, 0..3).prop_map(|keys| {
        // A property ordered by twice is refused; keep the first.
        let mut seen = Vec::new();
        Value::Array(
            keys.into_iter()
                .filter(|k| {
                    let p = k.as_object().unwrap().keys().next().unwrap().clone();
                    !seen.contains(&p) && {
                        seen.push(p);
                        true
                    }
                })
                .collect(),
        )
    })
}

/// Random filters and orders on 60 random orders: the store returns what the model
/// returns, in the same order, and counts the same; paging by cursor gives the same
/// sequence as one unpaged query.
pub fn queries_agree_with_the_model(b: &Backend) {
    let store = b.store(registry());
    let documents = orders(60, 7);
    save_all(&*store, &documents);
    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(filter(), order_by(), 1u64..9), |(filter, order, take)| {
            let query = json!({"where": filter, "orderBy": order});
            let expected = model_ids(&documents, &query);
            let page = store
                .query("Order", &query)
                .map_err(|e| TestCaseError::fail(format!("{e}")))?;
            prop_assert_eq!(ids(&page.items), expected.clone(), "{}", query);
            prop_assert!(page.next.is_none());
            let count = store
                .query_count("Order", &json!({"where": query["where"]}))
                .unwrap();
            prop_assert_eq!(count as usize, expected.len());
            // Page by cursor.
            let mut paged = Vec::new();
            let mut cursor: Option<String> = None;
            for pages in 1.. {
                // A cursor that does not move on would page forever.
                prop_assert!(
                    pages <= documents.len() + 1,
                    "more pages than orders: {}",
                    query
                );
                let mut q =
                    json!({"where": query["where"], "orderBy": query["orderBy"], "take": take});
                if let Some(c) = &cursor {
                    q["cursor"] = json!(c);
                }
                let page = store.query("Order", &q).unwrap();
                prop_assert!(page.items.len() as u64 <= take);
                paged.extend(ids(&page.items));
                match page.next {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
            prop_assert_eq!(paged, expected, "paged by {}: {}", take, query);
            Ok(())
        })
        .unwrap();
    // The documents come back whole, children in order.
    let page = store
        .query("Order", &json!({"orderBy": {"id": "asc"}}))
        .unwrap();
    let mut expected: Vec<Value> = documents.clone();
    expected.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    for (found, saved) in page.items.iter().zip(&expected) {
        assert_eq!(
            Some(found.clone()),
            store.load("Order", saved["id"].as_str().unwrap()).unwrap()
        );
    }
    assert_eq!(page.items.len(), documents.len());
}

/// Every operator on every kind of property, each query once, against the model
/// (deterministic: the random queries above may miss one).
pub fn every_operator_agrees_with_the_model(b: &Backend) {
    let store = b.store(registry());
    let documents = orders(60, 11);
    save_all(&*store, &documents);
    let queries = [
        json!({"customer": "ada"}),
        json!({"customer": "ada "}),
        json!({"customer": {"in": ["Ada", "bö", "a%b"]}}),
        json!({"customer": {"contains": "%"}}),
        json!({"customer": {"contains": "_"}}),
        json!({"customer": {"startsWith": "a"}}),
        json!({"customer": {"endsWith": " "}}),
        json!({"customer": {"endsWith": ""}}),
        json!({"customer": {"gt": "a"}}),
        json!({"customer": {"lt": "b"}}),
        json!({"customer": {"not": "ada"}}),
        json!({"note": null}),
        json!({"note": {"not": null}}),
        json!({"note": {"not": "hello"}}),
        json!({"note": {"contains": "o"}}),
        json!({"note": {"notIn": ["hello"]}}),
        json!({"meta": null}),
        json!({"meta": {"not": null}}),
        json!({"priority": {"gte": 0}}),
        json!({"priority": {"not": {"gte": 0}}}),
        json!({"total": {"gt": 2.5, "lte": 10.25}}),
        json!({"total": 10}),
        json!({"items": 9_007_199_254_740_993_i64}),
        json!({"items": {"lt": 9_007_199_254_740_993_i64}}),
        json!({"placedAt": "2026-01-02T03:04:05Z"}),
        json!({"placedAt": {"gt": "2026-01-02T05:04:05+02:00"}}),
        json!({"placedAt": {"lte": "2026-01-02T03:04:05.000001Z"}}),
        json!({"paid": true}),
        json!({"paid": {"not": false}}),
        json!({"status": {"in": []}}),
        json!({"status": {"notIn": []}}),
        json!({"OR": []}),
        json!({"AND": []}),
        json!({"NOT": {"status": "paid", "paid": true}}),
        json!({"lines": {"some": {"sku": "a-1"}}}),
        json!({"lines": {"every": {"qty": {"gt": 0}}}}),
        json!({"lines": {"none": {"tags": {"some": {"name": "red"}}}}}),
        json!({"lines": {"some": {"tags": {"every": {"name": "blue"}}}}}),
        json!({"OR": [{"lines": {"none": {}}}, {"customer": "bob"}]}),
    ];
    for filter in queries {
        let query = json!({"where": filter, "orderBy": [{"placedAt": "desc"}, {"note": "asc"}]});
        let page = store
            .query("Order", &query)
            .unwrap_or_else(|e| panic!("{query}: {e}"));
        assert_eq!(ids(&page.items), model_ids(&documents, &query), "{query}");
        let count = store
            .query_count("Order", &json!({"where": filter}))
            .unwrap();
        assert_eq!(count as usize, page.items.len(), "{query}");
    }
}

/// Keyset pages stay correct while orders are inserted and deleted between them: every
/// order that was there from the start and is still there is returned once, in order.
pub fn pages_stay_correct_while_rows_change(b: &Backend) {
    let store = b.store(registry());
    let documents = orders(30, 3);
    save_all(&*store, &documents);
    let order = json!([{"total": "desc"}, {"customer": "asc"}]);
    let query = json!({"orderBy": order});
    let before = model_ids(&documents, &query);
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut round = 0;
    let mut deleted = Vec::new();
    loop {
        assert!(
            round <= 2 * documents.len(),
            "a cursor that does not move on: {seen:?}"
        );
        let mut q = json!({"orderBy": order, "take": 4});
        if let Some(c) = &cursor {
            q["cursor"] = json!(c);
        }
        let page = store.query("Order", &q).unwrap();
        seen.extend(ids(&page.items));
        // Between pages: an order that sorts first, one that sorts last, and one deleted
        // ahead of the cursor.
        round += 1;
        for total in [2e9, -5.0] {
            let id = format!("new{round}{total}");
            let new = json!({"id": id, "customer": "zed", "status": "draft", "total": total, "items": 0, "paid": false, "placedAt": INSTANTS[0], "lines": []});
            store.persist("Order", &id, &new, &new).unwrap();
        }
        if let Some(ahead) = before
            .iter()
            .rev()
            .find(|id| !seen.contains(id) && !deleted.contains(*id))
        {
            store.delete("Order", ahead).unwrap();
            deleted.push(ahead.clone());
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let kept: Vec<String> = before
        .iter()
        .filter(|id| !deleted.contains(id))
        .cloned()
        .collect();
    let seen_originals: Vec<String> = seen
        .iter()
        .filter(|id| before.contains(id))
        .cloned()
        .collect();
    assert_eq!(seen_originals, kept);
    assert!(
        seen.iter()
            .all(|id| !id.starts_with("new") || id.ends_with("-5")),
        "{seen:?}"
    );
    // `skip` and `take` without a cursor.
    let page = store
        .query(
            "Order",
            &json!({"orderBy": {"id": "asc"}, "skip": 3, "take": 2}),
        )
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert!(page.next.is_some());
}

/// Loads by many ids keep the order asked, say which are missing, and read each level once.
pub fn loads_by_many_ids_keep_their_order(b: &Backend) {
    let store = b.store(registry());
    let documents = orders(12, 5);
    save_all(&*store, &documents);
    let mut asked: Vec<&str> = documents
        .iter()
        .rev()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    asked.insert(3, "missing");
    asked.push(asked[0]);
    let loaded = store.load_many("Order", &asked).unwrap();
    assert_eq!(loaded.len(), asked.len());
    for (id, found) in asked.iter().zip(&loaded) {
        assert_eq!(found, &store.load("Order", id).unwrap(), "{id}");
    }
    assert_eq!(loaded[3], None);
    let typed: Vec<Option<sales::Order>> = store.get_many(&asked).unwrap();
    for (id, found) in asked.iter().zip(typed) {
        assert_eq!(found, store.get::<sales::Order>(id).unwrap(), "{id}");
    }
    assert!(store.load_many("Order", &[]).unwrap().is_empty());
    // 1,500 ids, most missing: several statements, one answer per id.
    let many: Vec<String> = (0..1500).map(|i| format!("o{i:03}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let found = store.load_many("Order", &many).unwrap();
    assert_eq!(found.iter().filter(|f| f.is_some()).count(), 12);
}

/// The typed API: `find` and `count` decode into the generated structs.
pub fn typed_queries_return_entities(b: &Backend) {
    let store = b.store(registry());
    let documents = orders(20, 9);
    save_all(&*store, &documents);
    let query = json!({"where": {"paid": true}, "orderBy": {"total": "desc"}, "take": 5});
    let page = store.find::<sales::Order>(&query).unwrap();
    let dynamic = store.query("Order", &query).unwrap();
    assert_eq!(page.next, dynamic.next);
    let expected: Vec<sales::Order> = dynamic
        .items
        .into_iter()
        .map(|d| serde_json::from_value(d).unwrap())
        .collect();
    assert_eq!(page.items, expected);
    assert_eq!(
        Store::count::<sales::Order>(&*store, &json!({"where": {"paid": true}})).unwrap() as usize,
        model_ids(&documents, &json!({"where": {"paid": true}})).len()
    );
}

/// A query that does not fit the schema is refused with the JSON pointer of the offending
/// part, before anything runs.
pub fn bad_queries_name_their_json_pointer(b: &Backend) {
    let store = b.store(registry());
    let cases: &[(Value, &str, &str)] = &[
        (
            json!({"where": {"custmer": "ada"}}),
            "/where/custmer",
            "is not a property of `Order`",
        ),
        (
            json!({"where": {"total": "ten"}}),
            "/where/total",
            "`total` is a number; found string \"ten\"",
        ),
        (
            json!({"where": {"items": 2.5}}),
            "/where/items",
            "is an integer",
        ),
        (
            json!({"where": {"status": "lost"}}),
            "/where/status",
            "`lost` is not one of the values of `status`",
        ),
        (
            json!({"where": {"total": {"contains": "1"}}}),
            "/where/total/contains",
            "applies to strings",
        ),
        (
            json!({"where": {"paid": {"gt": false}}}),
            "/where/paid/gt",
            "has no order",
        ),
        (
            json!({"where": {"total": {"gte": null}}}),
            "/where/total/gte",
            "`null` has no order",
        ),
        (
            json!({"where": {"total": {"between": [1, 2]}}}),
            "/where/total/between",
            "takes a value, or an object of the operators",
        ),
        (
            json!({"where": {"placedAt": {"gt": "yesterday"}}}),
            "/where/placedAt/gt",
            "is not an RFC 3339 date-time",
        ),
        (
            json!({"where": {"meta": {"k": 1}}}),
            "/where/meta",
            "is a JSON document",
        ),
        (
            json!({"where": {"lines": {"any": {}}}}),
            "/where/lines/any",
            "is an array of `Line`",
        ),
        (
            json!({"where": {"lines": {"some": {"qty": "1"}}}}),
            "/where/lines/some/qty",
            "is an integer",
        ),
        (
            json!({"where": {"OR": [{"note": {"in": [null]}}]}}),
            "/where/OR/0/note/in/0",
            "never in a list",
        ),
        (
            json!({"where": {"customer": "a\u{0}"}}),
            "/where/customer",
            "NUL",
        ),
        (
            json!({"orderBy": {"meta": "asc"}}),
            "/orderBy/meta",
            "has no order",
        ),
        (
            json!({"orderBy": {"lines": "asc"}}),
            "/orderBy/lines",
            "array of children",
        ),
        (
            json!({"orderBy": [{"total": "asc"}, {"total": "desc"}]}),
            "/orderBy/1/total",
            "twice",
        ),
        (
            json!({"orderBy": {"total": "up"}}),
            "/orderBy/total",
            "expected \"asc\" or \"desc\"",
        ),
        (json!({"take": -1}), "/take", "a whole number"),
        (
            json!({"take": 1_000_000}),
            "/take",
            "a whole number from 0 to 100000",
        ),
        (
            json!({"cursor": "[1]"}),
            "/cursor",
            "not a cursor of this query",
        ),
        (
            json!({"cursor": 5}),
            "/cursor",
            "not a cursor of this query",
        ),
        (json!({"limit": 5}), "/limit", "unknown key `limit`"),
        (json!([]), "", "expected an object"),
    ];
    for (query, pointer, message) in cases {
        match store.query("Order", query) {
            Err(Error::InvalidQuery {
                ty,
                pointer: at,
                message: said,
            }) => {
                assert_eq!(
                    (ty.as_str(), at.as_str()),
                    ("Order", *pointer),
                    "{query}: {said}"
                );
                assert!(said.contains(message), "{query}: {said}");
            }
            other => panic!("{query}: expected InvalidQuery, got {other:?}"),
        }
    }
    // A cursor of one order does not fit another.
    save_all(&*store, &orders(5, 1));
    let next = store
        .query("Order", &json!({"orderBy": {"total": "asc"}, "take": 1}))
        .unwrap()
        .next
        .unwrap();
    let refused = store.query(
        "Order",
        &json!({"orderBy": [{"total": "asc"}, {"items": "asc"}], "cursor": next}),
    );
    assert!(
        matches!(refused, Err(Error::InvalidQuery { .. })),
        "{refused:?}"
    );
    match store.query_count("Order", &json!({"where": {}, "take": 3})) {
        Err(Error::InvalidQuery {
            pointer, message, ..
        }) => {
            assert_eq!(pointer, "/take");
            assert!(message.contains("a count takes only `where`"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // A huge name is quoted short.
    let huge = "x".repeat(100_000);
    for query in [
        json!({"where": {&huge: 1}}),
        json!({&huge: 1}),
        json!({"where": {"status": &huge}}),
    ] {
        match store.query("Order", &query) {
            Err(e @ Error::InvalidQuery { .. }) => {
                assert!(e.to_string().len() < 2_000, "{} bytes", e.to_string().len())
            }
            other => panic!("{other:?}"),
        }
    }
    match store.query("Nope", &json!({})) {
        Err(Error::UnknownType { .. }) => {}
        other => panic!("{other:?}"),
    }
}

/// A page of aggregates takes one query per table level, whatever its size.
pub fn a_page_takes_one_query_per_level(b: &Backend) {
    use diesel::connection::InstrumentationEvent;
    use std::sync::{Arc, Mutex};
    let db = b.store(registry());
    let options = nasc_runtime::StoreOptions {
        max_size: 1,
        ..Default::default()
    };
    let store = db.connect_with(registry(), options).unwrap();
    save_all(&store, &orders(40, 13));
    let selects = Arc::new(Mutex::new(0usize));
    let sink = selects.clone();
    server::instrument(&store, move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            if query.to_string().starts_with("SELECT") {
                *sink.lock().unwrap() += 1;
            }
        }
    });
    for take in [1, 10, 40] {
        *selects.lock().unwrap() = 0;
        let page = store.query("Order", &json!({"take": take})).unwrap();
        assert_eq!(page.items.len(), take);
        assert_eq!(
            *selects.lock().unwrap(),
            3,
            "orders, lines, tags for {take} orders"
        );
        *selects.lock().unwrap() = 0;
        let ids: Vec<String> = page
            .items
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_owned())
            .collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        store.load_many("Order", &ids).unwrap();
        assert_eq!(*selects.lock().unwrap(), 3, "load_many of {take}");
    }
}

/// On SQLite, the statement a filter on an indexed property runs searches the index
/// (`EXPLAIN QUERY PLAN` of the very statement the store ran).
pub fn sqlite_filters_use_the_mapping_indexes(b: &Backend) {
    use diesel::connection::InstrumentationEvent;
    use diesel::RunQueryDsl;
    use std::sync::{Arc, Mutex};
    if b.kind != Kind::Sqlite {
        return;
    }
    #[derive(diesel::QueryableByName)]
    struct Step {
        #[diesel(sql_type = diesel::sql_types::Text)]
        detail: String,
    }
    let db = b.store(registry());
    let options = nasc_runtime::StoreOptions {
        max_size: 1,
        ..Default::default()
    };
    let store = db.connect_with(registry(), options).unwrap();
    save_all(&store, &orders(30, 2));
    let ran = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = ran.clone();
    server::instrument(&store, move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            let sql = query.to_string();
            let sql = sql
                .split(" -- binds:")
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned();
            sink.lock().unwrap().push(sql);
        }
    });
    let cases = [
        (json!({"where": {"customer": "ada"}}), "orders_customer_idx"),
        (
            json!({"where": {"placedAt": {"gt": "2026-01-01T00:00:00Z"}}, "orderBy": {"placedAt": "asc"}}),
            "orders_placed_at_idx",
        ),
        (
            json!({"orderBy": {"placedAt": "desc"}, "take": 3}),
            "orders_placed_at_idx",
        ),
    ];
    for (query, index) in cases {
        ran.lock().unwrap().clear();
        store.query("Order", &query).unwrap();
        let select = ran
            .lock()
            .unwrap()
            .iter()
            .find(|sql| sql.contains("FROM \"orders\""))
            .cloned()
            .unwrap();
        let nasc_runtime::MappedStore::Sqlite(sqlite) = &store else {
            unreachable!()
        };
        let plan: Vec<String> = sqlite
            .with_connection(|conn| {
                diesel::sql_query(format!("EXPLAIN QUERY PLAN {select}")).load::<Step>(conn)
            })
            .unwrap()
            .unwrap()
            .into_iter()
            .map(|step| step.detail)
            .collect();
        assert!(
            plan.iter().any(|step| step.contains(index)),
            "{query}: {select}\n{plan:?}"
        );
    }
}

/// The typed builder (`Order::CUSTOMER`, `Order::LINES`, ...) builds the query the JSON
/// one is: both return the same pages.
pub fn typed_builder_queries_mean_what_json_ones_mean(b: &Backend) {
    use nasc_runtime::query::Query;
    use sales::{Line, Order, OrderStatus, Tag};
    let store = b.store(registry());
    let documents = orders(60, 17);
    save_all(&*store, &documents);
    let instant: nasc_runtime::chrono::DateTime<nasc_runtime::chrono::Utc> =
        "2026-01-02T03:04:05Z".parse().unwrap();
    let cases: Vec<(Query<Order>, Value)> = vec![
        (
            Query::new().filter(Order::CUSTOMER.eq("ada")),
            json!({"where": {"customer": {"equals": "ada"}}}),
        ),
        (
            Query::new()
                .filter(
                    Order::STATUS
                        .eq(OrderStatus::Paid)
                        .and(Order::TOTAL.gte(2.5)),
                )
                .order_by(Order::PLACED_AT.desc())
                .order_by(Order::NOTE.asc().nulls_last()),
            json!({"where": {"AND": [{"status": "paid"}, {"total": {"gte": 2.5}}]},
                "orderBy": [{"placedAt": "desc"}, {"note": {"sort": "asc", "nulls": "last"}}]}),
        ),
        (
            Query::new()
                .filter(Order::NOTE.contains("o").or(Order::NOTE.is_null()))
                .filter(Order::PRIORITY.not_in([0, 2]))
                .take(5)
                .skip(1),
            json!({"where": {"AND": [{"OR": [{"note": {"contains": "o"}}, {"note": null}]}, {"priority": {"notIn": [0, 2]}}]},
                "take": 5, "skip": 1}),
        ),
        (
            Query::new().filter(!Order::PLACED_AT.lte(instant)),
            json!({"where": {"NOT": {"placedAt": {"lte": "2026-01-02T03:04:05Z"}}}}),
        ),
        (
            Query::new()
                .filter(Order::LINES.some(Line::TAGS.every(Tag::NAME.ne("red"))))
                .filter(Order::META.is_not_null())
                .filter(Order::ITEMS.is_in([0i64, 7])),
            json!({"where": {"AND": [
                {"lines": {"some": {"tags": {"every": {"name": {"not": "red"}}}}}},
                {"meta": {"not": null}},
                {"items": {"in": [0, 7]}}]}}),
        ),
    ];
    for (typed, json) in cases {
        let expected = model_ids(&documents, &json);
        let page = store.find(&typed).unwrap();
        let found: Vec<String> = page.items.iter().map(|o| o.id.clone()).collect();
        assert_eq!(found, expected, "{}", typed.to_json());
        assert_eq!(
            ids(&store.query("Order", &json).unwrap().items),
            expected,
            "{json}"
        );
        if json.get("take").is_none() {
            let count = Store::count(
                &*store,
                Query::<Order>::new().filter(nasc_runtime::query::Filter::everything()),
            )
            .unwrap();
            assert_eq!(count as usize, documents.len());
        }
    }
}

/// `query_aggregate` and `query_exists` answer what the model computes over the same
/// filters: counts, sums and averages of numbers (nulls left out), minimums and maximums
/// of numbers, text (by code point) and instants.
/// The typed measures (`Order::TOTAL.sum()`, ...) ask what the JSON aggregates ask, and
/// answer in the property's own type (`None` over no value).
pub fn typed_measures_answer_what_json_aggregates_answer(b: &Backend) {
    use nasc_runtime::chrono::Utc;
    use nasc_runtime::query::Filter;
    use sales::Order;
    let store = b.store(registry());
    save_all(&*store, &orders(60, 29));
    let filters: [(Filter<Order>, Value); 4] = [
        (Filter::everything(), json!({})),
        (
            Order::CUSTOMER.eq("ada"),
            json!({"customer": {"equals": "ada"}}),
        ),
        (
            Order::PAID.eq(true).and(Order::TOTAL.gt(1.0)),
            json!({"AND": [{"paid": {"equals": true}}, {"total": {"gt": 1.0}}]}),
        ),
        (
            Order::CUSTOMER.eq("nobody"),
            json!({"customer": {"equals": "nobody"}}),
        ),
    ];
    for (filter, json_filter) in filters {
        let answer = store
            .query_aggregate(
                "Order",
                &json!({"where": json_filter, "_sum": {"total": true}, "_avg": {"priority": true},
                    "_min": {"placedAt": true, "customer": true}, "_max": {"items": true, "priority": true}}),
            )
            .unwrap();
        let what = format!("{filter:?}");
        assert_eq!(
            store.measure(Order::TOTAL.sum(), filter.clone()).unwrap(),
            answer["_sum"]["total"].as_f64(),
            "{what}"
        );
        assert_eq!(
            store
                .measure(Order::PRIORITY.avg(), filter.clone())
                .unwrap(),
            answer["_avg"]["priority"].as_f64(),
            "{what}"
        );
        let first: Option<DateTime<Utc>> = store
            .measure(Order::PLACED_AT.min(), filter.clone())
            .unwrap();
        assert_eq!(
            first,
            answer["_min"]["placedAt"]
                .as_str()
                .map(|t| t.parse().unwrap()),
            "{what}"
        );
        let customer: Option<String> = store
            .measure(Order::CUSTOMER.min(), filter.clone())
            .unwrap();
        assert_eq!(
            customer.as_deref(),
            answer["_min"]["customer"].as_str(),
            "{what}"
        );
        let items: Option<i64> = store.measure(Order::ITEMS.max(), filter.clone()).unwrap();
        assert_eq!(items, answer["_max"]["items"].as_i64(), "{what}");
        let priority: Option<i64> = store
            .measure(Order::PRIORITY.max(), filter.clone())
            .unwrap();
        assert_eq!(priority, answer["_max"]["priority"].as_i64(), "{what}");
        // Over no order, every measure is none; over some, the sum is there.
        let some = Store::count(&*store, filter.clone()).unwrap() > 0;
        assert_eq!(answer["_sum"]["total"].is_number(), some, "{what}");
    }
    // A query asking for more than a filter is refused, as in the JSON API.
    let paged = nasc_runtime::query::Query::<Order>::new().take(3);
    match store.measure(Order::TOTAL.sum(), paged) {
        Err(Error::InvalidQuery { pointer, .. }) => assert_eq!(pointer, "/take"),
        other => panic!("{other:?}"),
    }
}

pub fn aggregates_agree_with_the_model(b: &Backend) {
    let store = b.store(registry());
    let documents = orders(60, 23);
    save_all(&*store, &documents);
    let filters = [
        json!({}),
        json!({"customer": "ada"}),
        json!({"customer": "nobody"}),
        json!({"paid": true, "total": {"gt": 0}}),
        json!({"lines": {"some": {"sku": "A-1"}}}),
        json!({"OR": [{"note": null}, {"priority": {"gte": 1}}]}),
    ];
    for filter in filters {
        let matching: Vec<&Value> = documents.iter().filter(|d| matches(d, &filter)).collect();
        let query = json!({"where": filter, "_count": true,
            "_sum": {"total": true, "items": true, "priority": true},
            "_avg": {"total": true, "priority": true},
            "_min": {"total": true, "customer": true, "placedAt": true, "priority": true},
            "_max": {"items": true, "customer": true, "placedAt": true}});
        let answer = store.query_aggregate("Order", &query).unwrap();
        assert_eq!(answer["_count"], json!(matching.len()), "{filter}");
        let present = |property: &str| -> Vec<&Value> {
            matching
                .iter()
                .filter_map(|d| present(d, property))
                .collect()
        };
        let close = |found: &Value, expected: Option<f64>, what: &str| match (found, expected) {
            (Value::Null, None) => {}
            (found, Some(expected)) => {
                let found = found.as_f64().unwrap_or_else(|| panic!("{what}: {found}"));
                let scale = expected.abs().max(1.0);
                assert!(
                    (found - expected).abs() <= 1e-9 * scale,
                    "{what} of {filter}: {found} against {expected}"
                );
            }
            (found, None) => panic!("{what} of {filter}: {found} over no value"),
        };
        for property in ["total", "items", "priority"] {
            let values: Vec<f64> = present(property)
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            let sum = (!values.is_empty()).then(|| values.iter().sum::<f64>());
            if property != "items" || answer["_sum"].get(property).is_some() {
                close(&answer["_sum"][property], sum, "sum");
            }
            if let Some(avg) = answer["_avg"].get(property) {
                close(avg, sum.map(|s| s / values.len() as f64), "avg");
            }
        }
        let extreme = |property: &str, max: bool| -> Value {
            let mut values = present(property);
            values.sort_by(|a, b| compare(property, a, b));
            let pick = if max { values.last() } else { values.first() };
            pick.map_or(Value::Null, |v| (*v).clone())
        };
        for (key, max) in [("_min", false), ("_max", true)] {
            for (property, found) in answer[key].as_object().unwrap() {
                let expected = extreme(property, max);
                match (found, &expected) {
                    (Value::String(f), Value::String(e)) if property == "placedAt" => {
                        assert_eq!(instant(f), instant(e), "{key} {property} of {filter}")
                    }
                    (Value::Number(f), Value::Number(e)) => {
                        assert_eq!(f.as_f64(), e.as_f64(), "{key} {property} of {filter}")
                    }
                    _ => assert_eq!(found, &expected, "{key} {property} of {filter}"),
                }
            }
        }
        assert_eq!(
            store
                .query_exists("Order", &json!({"where": filter}))
                .unwrap(),
            !matching.is_empty(),
            "{filter}"
        );
    }
    let refusals = [
        (
            json!({"_sum": {"customer": true}}),
            "/_sum/customer",
            "applies to numbers",
        ),
        (
            json!({"_max": {"paid": true}}),
            "/_max/paid",
            "numbers, strings and date-times",
        ),
        (
            json!({"_min": {"nope": true}}),
            "/_min/nope",
            "is not a property",
        ),
        (json!({"_count": 1}), "/_count", "expected `true`"),
        (json!({"where": {}}), "", "at least one of"),
        (json!({"_avg": ["total"]}), "/_avg", "expected {"),
        (
            json!({"take": 1, "_count": true}),
            "/take",
            "unknown key `take`",
        ),
    ];
    for (query, pointer, message) in refusals {
        match store.query_aggregate("Order", &query) {
            Err(Error::InvalidQuery {
                pointer: at,
                message: said,
                ..
            }) => {
                assert_eq!(at, pointer, "{query}: {said}");
                assert!(said.contains(message), "{query}: {said}");
            }
            other => panic!("{query}: {other:?}"),
        }
    }
}

mod sales_tables {
    nasc_runtime::schema!(
        schema = "tests/schemas/sales.schema.json",
        mapping = "tests/schemas/sales.mapping.json",
        diesel_tables = true
    );
}

/// The diesel tables of each backend (`tables::sqlite`, `tables::postgres`,
/// `tables::mysql`) declare every column: hand-written diesel filters and sorts on the
/// `date-time` and JSON-document columns too.
pub fn diesel_tables_hold_every_column(b: &Backend) {
    use diesel::prelude::*;
    let store = b.store(registry());
    let documents = orders(40, 31);
    save_all(&*store, &documents);
    let after = "2026-01-01T00:00:00Z";
    let mut expected: Vec<&Value> = documents
        .iter()
        .filter(|d| {
            d.get("meta").is_some() && instant(d["placedAt"].as_str().unwrap()) > instant(after)
        })
        .collect();
    expected.sort_by(|a, b| {
        compare("placedAt", &b["placedAt"], &a["placedAt"])
            .then(a["id"].as_str().cmp(&b["id"].as_str()))
    });
    let expected: Vec<String> = expected
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    let found: Vec<String> = match &*store {
        nasc_runtime::MappedStore::Sqlite(store) => {
            use sales_tables::tables::sqlite::orders;
            store
                .with_connection(|conn| {
                    orders::table
                        .filter(orders::meta.is_not_null())
                        .filter(orders::placed_at.gt("2026-01-01T00:00:00.000000Z"))
                        .order((orders::placed_at.desc(), orders::id.asc()))
                        .select(orders::id)
                        .load::<String>(conn)
                })
                .unwrap()
                .unwrap()
        }
        #[cfg(feature = "postgres")]
        nasc_runtime::MappedStore::Postgres(store) => {
            use sales_tables::tables::postgres::orders;
            let after: nasc_runtime::chrono::DateTime<nasc_runtime::chrono::Utc> =
                after.parse().unwrap();
            let rows: Vec<(String, Option<serde_json::Value>)> = store
                .with_connection(|conn| {
                    orders::table
                        .filter(orders::meta.is_not_null())
                        .filter(orders::placed_at.gt(after))
                        .order((orders::placed_at.desc(), orders::id.asc()))
                        .select((orders::id, orders::meta))
                        .load(conn)
                })
                .unwrap()
                .unwrap();
            rows.into_iter().map(|(id, _)| id).collect()
        }
        #[cfg(feature = "mysql")]
        nasc_runtime::MappedStore::Mysql(store) => {
            use sales_tables::tables::mysql::orders;
            let after = nasc_runtime::chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap();
            let rows: Vec<(String, Option<serde_json::Value>)> = store
                .with_connection(|conn| {
                    orders::table
                        .filter(orders::meta.is_not_null())
                        .filter(orders::placed_at.gt(after))
                        .order((orders::placed_at.desc(), orders::id.asc()))
                        .select((orders::id, orders::meta))
                        .load(conn)
                })
                .unwrap()
                .unwrap();
            rows.into_iter().map(|(id, _)| id).collect()
        }
        _ => unreachable!("every backend is a variant"),
    };
    assert_eq!(found, expected);
}

/// A typed watch (`watch_find`) gives typed pages: the current one, then the one each
/// changing commit makes (here by another pool, as another process would).
pub fn a_typed_watch_gives_typed_pages(b: &Backend) {
    let db = b.store(registry());
    let logged = || nasc_runtime::StoreOptions {
        change_log: true,
        ..nasc_runtime::StoreOptions::default()
    };
    let writer = db.connect_with(registry(), logged()).unwrap();
    let documents = orders(6, 11);
    save_all(&writer, &documents[..3]);
    let paid = |docs: &[Value]| -> Vec<String> {
        let mut ids: Vec<String> = docs
            .iter()
            .filter(|d| d["paid"] == json!(true))
            .map(|d| d["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    // The watcher on a thread of its own: a watch that never answers fails, not hangs.
    let (sent, pages) = std::sync::mpsc::channel();
    let url = db.url().to_owned();
    std::thread::spawn(move || {
        let store = nasc_runtime::MappedStore::connect_with(&url, registry(), logged()).unwrap();
        let query = nasc_runtime::query::Query::<sales::Order>::new()
            .filter(sales::Order::PAID.eq(true))
            .order_by(sales::Order::ID.asc());
        let watch = store.watch_find(query).unwrap();
        for page in watch {
            let ids: Vec<String> = page.unwrap().items.into_iter().map(|o| o.id).collect();
            if sent.send(ids).is_err() {
                return;
            }
        }
    });
    let next = || {
        pages
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("no next page")
    };
    assert_eq!(next(), paid(&documents[..3]));
    let mut expected = paid(&documents[..3]);
    for document in &documents[3..] {
        save_all(&writer, std::slice::from_ref(document));
        let now = paid(&documents[..=documents.iter().position(|d| d == document).unwrap()]);
        if now != expected {
            assert_eq!(next(), now);
            expected = now;
        }
    }
    assert_ne!(expected, paid(&documents[..3]), "no save changed the page");
}
