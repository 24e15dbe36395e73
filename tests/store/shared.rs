//! Large binary values stored once, by SHA-256 (the mapping's `shareBinaryOver`): the
//! table of shared values and its counts checked against a plain model of what each
//! aggregate holds, through every kind of write and removal, writers side by side,
//! sharing turned on and off on a database that holds values, and damaged rows.

use crate::support::*;
use nasc_runtime::{
    replicate, Entity, Error, MappedStore, Migrations, Registry, SharedValues, Store, StoreOptions,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

mod vault {
    nasc_runtime::schema!(
        schema = "tests/schemas/vault.schema.json",
        mapping = "tests/schemas/vault.mapping.json"
    );
}
use vault::{Item, Vault};

/// `shareBinaryOver` of each type: `Doc`'s, `Part`'s and `Note`'s (`None`: not shared).
#[derive(Debug, Clone, Copy)]
struct Sharing {
    doc: Option<u64>,
    part: Option<u64>,
    note: Option<u64>,
}

/// Documents with binary properties at three levels: `Doc` (a required and a nullable
/// one), its `parts`, and their `notes`.
const SHARING: Sharing = Sharing {
    doc: Some(32),
    part: Some(100),
    note: Some(0),
};

const NONE: Sharing = Sharing {
    doc: None,
    part: None,
    note: None,
};

fn registry_with(sharing: Sharing, doc_store: Value) -> Registry {
    let schema = json!({"$defs": {
        "Doc": {"type": "object", "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "data": {"type": "string", "contentEncoding": "base64"},
            "cover": {"type": ["string", "null"], "contentEncoding": "base64"},
            "parts": {"type": "array", "items": {"$ref": "#/$defs/Part"}}
        }, "required": ["id", "title", "data", "parts"]},
        "Part": {"type": "object", "properties": {
            "id": {"type": "integer"},
            "blob": {"type": "string", "contentEncoding": "base64"},
            "notes": {"type": "array", "items": {"$ref": "#/$defs/Note"}}
        }, "required": ["id", "blob", "notes"]},
        "Note": {"type": "object", "properties": {
            "id": {"type": "string"},
            "attachment": {"type": ["string", "null"], "contentEncoding": "base64"}
        }, "required": ["id"]}
    }});
    let block = |mut block: Value, over: Option<u64>| {
        if let Some(over) = over {
            block["shareBinaryOver"] = json!(over);
        }
        json!({ "x-na:store": block })
    };
    let mut doc_store = doc_store;
    doc_store["entity"] = json!("docs");
    let mapping = json!({
        "Doc": block(doc_store, sharing.doc),
        "Part": block(json!({"entity": "parts"}), sharing.part),
        "Note": block(json!({"entity": "notes"}), sharing.note),
    });
    Registry::from_json_str(
        "shared.schema.json",
        &schema.to_string(),
        "shared.mapping.json",
        &mapping.to_string(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn registry(sharing: Sharing) -> Registry {
    registry_with(sharing, json!({}))
}

/// The values documents are made of: empty, small, and large (the largest over 64 KiB),
/// with NUL and bytes that are not UTF-8, and one that is UTF-8 (MySQL hands it over as
/// text).
fn pool() -> Vec<Vec<u8>> {
    vec![
        vec![],
        b"\x00tiny\xff".to_vec(),
        (0..40u8).collect(),
        (0..300u32).map(|i| (i % 256) as u8).collect(),
        "ünï ✓ ".repeat(200).into_bytes(),
        (0..70_000u32).map(|i| (i * 31 % 251) as u8).collect(),
    ]
}

fn b64(bytes: &[u8]) -> Value {
    json!(nasc_model::bytes::encode(bytes))
}

fn bytes_of(value: &Value) -> Vec<u8> {
    nasc_model::bytes::decode(value.as_str().unwrap()).unwrap()
}

/// A part of a document: its blob, and its notes' attachments.
struct Part {
    blob: Vec<u8>,
    notes: Vec<Option<Vec<u8>>>,
}

fn part(blob: &[u8], notes: &[Option<&[u8]>]) -> Part {
    Part {
        blob: blob.to_vec(),
        notes: notes.iter().map(|n| n.map(<[u8]>::to_vec)).collect(),
    }
}

/// A document of `id` with the given values (`cover` and a note's attachment may be
/// null).
fn doc(id: &str, data: &[u8], cover: Option<&[u8]>, parts: &[Part]) -> Value {
    let parts: Vec<Value> = parts
        .iter()
        .enumerate()
        .map(|(i, Part { blob, notes })| {
            let notes: Vec<Value> = notes
                .iter()
                .enumerate()
                .map(|(j, a)| json!({"id": format!("n{j}"), "attachment": a.as_deref().map(b64)}))
                .collect();
            json!({"id": i, "blob": b64(blob), "notes": notes})
        })
        .collect();
    json!({"id": id, "title": format!("doc {id}"), "data": b64(data),
        "cover": cover.map(b64), "parts": parts})
}

/// The values `doc` holds by hash under `sharing`.
fn held_by(doc: &Value, sharing: Sharing) -> BTreeSet<Vec<u8>> {
    let mut held = BTreeSet::new();
    let mut hold = |value: &Value, over: Option<u64>| {
        if let (Some(over), Value::String(_)) = (over, value) {
            let bytes = bytes_of(value);
            if bytes.len() as u64 > over {
                held.insert(bytes);
            }
        }
    };
    hold(&doc["data"], sharing.doc);
    hold(&doc["cover"], sharing.doc);
    for part in doc["parts"].as_array().unwrap() {
        hold(&part["blob"], sharing.part);
        for note in part["notes"].as_array().unwrap() {
            hold(&note["attachment"], sharing.note);
        }
    }
    held
}

/// What the table of shared values must hold when `docs` are stored.
fn expected<'d>(docs: impl IntoIterator<Item = &'d Value>, sharing: Sharing) -> SharedValues {
    let mut all = BTreeSet::new();
    let mut references = 0;
    for doc in docs {
        let held = held_by(doc, sharing);
        references += held.len() as u64;
        all.extend(held);
    }
    SharedValues {
        values: all.len() as u64,
        bytes: all.iter().map(|v| v.len() as u64).sum(),
        references,
        holders: references,
    }
}

/// The stored documents are `model`, and the table of shared values holds what they hold.
fn check(store: &MappedStore, model: &BTreeMap<String, Value>, sharing: Sharing, ids: &[String]) {
    for id in ids {
        assert_eq!(
            store.load("Doc", id).unwrap().as_ref(),
            model.get(id),
            "Doc {id}"
        );
    }
    assert_eq!(
        store.shared_values().unwrap(),
        expected(model.values(), sharing),
        "the shared values of {:?}",
        model.keys().collect::<Vec<_>>()
    );
}

/// How many bytes the column `column` of `table` holds in the row of `id` (`where`).
fn stored_length(db: &TestDb, table: &str, column: &str, key: &str, id: &str) -> i64 {
    let length = match db.kind {
        Kind::Postgres => "octet_length",
        _ => "length",
    };
    db.count_of(&format!(
        "SELECT {length}({}) FROM {} WHERE {} = '{id}'",
        db.quote(column),
        db.quote(table),
        db.quote(key)
    ))
}

/// A value over the size is stored once, its row holding its hash; values at or under it
/// stay in their rows; every holder is counted, and the value goes with its last holder,
/// through saves, partial saves, replaces and deletes.
pub fn large_binary_values_are_stored_once(b: &Backend) {
    let db = b.store(registry(SHARING));
    let store = &db.store;
    let values = pool();
    let (tiny, big, utf8, huge) = (
        &values[1][..],
        &values[3][..],
        &values[4][..],
        &values[5][..],
    );
    let mut model = BTreeMap::new();
    let d1 = doc(
        "d1",
        big,
        Some(big),
        &[part(big, &[Some(huge), None]), part(tiny, &[Some(tiny)])],
    );
    let d2 = doc("d2", big, None, &[]);
    let d3 = doc("d3", tiny, Some(utf8), &[part(huge, &[])]);
    for d in [&d1, &d2, &d3] {
        let id = d["id"].as_str().unwrap();
        store.persist("Doc", id, d, d).unwrap();
        model.insert(id.to_owned(), d.clone());
    }
    let ids: Vec<String> = ["d1", "d2", "d3", "none"].map(String::from).to_vec();
    check(store, &model, SHARING, &ids);
    let totals = store.shared_values().unwrap();
    assert_eq!(totals.values, 4, "tiny's note, big, the UTF-8 one and huge");
    // d1 holds big, huge and its note's tiny (notes share every value); d2 big; d3 the
    // UTF-8 one and huge.
    assert_eq!(totals.references, 3 + 1 + 2, "{totals:?}");
    // In the rows: a tag and the 32-byte hash, or a tag and the value.
    assert_eq!(stored_length(&db, "docs", "data", "id", "d1"), 33);
    assert_eq!(
        stored_length(&db, "docs", "data", "id", "d3"),
        1 + tiny.len() as i64
    );
    assert_eq!(stored_length(&db, "docs", "cover", "id", "d3"), 33);
    assert_eq!(
        db.count_of(&format!(
            "SELECT COUNT(*) FROM {}",
            db.quote("nasc_shared_values")
        )),
        4
    );

    // Filters find a value in its stored form, large or small.
    let found = |filter: Value| -> Vec<String> {
        let page = store.query("Doc", &json!({ "where": filter })).unwrap();
        page.items
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(found(json!({"data": b64(big)})), ["d1", "d2"]);
    assert_eq!(
        found(json!({"data": {"in": [b64(tiny), b64(huge)]}})),
        ["d3"]
    );
    assert_eq!(found(json!({"data": {"not": b64(big)}})), ["d3"]);
    assert_eq!(found(json!({"cover": b64(utf8)})), ["d3"]);
    assert_eq!(
        found(json!({"parts": {"some": {"blob": b64(huge)}}})),
        ["d3"]
    );

    // A partial save: `data` alone changes; d1 still holds `big` through its cover.
    let mut next = model["d1"].clone();
    next["data"] = b64(tiny);
    store
        .persist("Doc", "d1", &json!({"data": next["data"]}), &next)
        .unwrap();
    model.insert("d1".into(), next.clone());
    check(store, &model, SHARING, &ids);
    // Its cover and first part let go of `big`, and a note of `huge`.
    next["cover"] = Value::Null;
    next["parts"][0]["blob"] = b64(tiny);
    next["parts"][0]["notes"][0]["attachment"] = Value::Null;
    store
        .persist(
            "Doc",
            "d1",
            &json!({"cover": null, "parts": next["parts"]}),
            &next,
        )
        .unwrap();
    model.insert("d1".into(), next);
    check(store, &model, SHARING, &ids);

    // `big`'s last holder goes: the value goes.
    assert!(store.delete("Doc", "d2").unwrap());
    model.remove("d2");
    check(store, &model, SHARING, &ids);
    // A replace takes it up again, and a create of a new holder.
    let d3 = doc("d3", big, Some(big), &[part(big, &[Some(big)])]);
    assert!(store.replace("Doc", "d3", &d3).unwrap());
    model.insert("d3".into(), d3);
    let d4 = doc("d4", huge, Some(utf8), &[]);
    assert!(store.create("Doc", "d4", &d4).unwrap());
    model.insert("d4".into(), d4.clone());
    assert!(!store
        .create("Doc", "d4", &doc("d4", tiny, None, &[]))
        .unwrap());
    let ids: Vec<String> = ["d1", "d2", "d3", "d4"].map(String::from).to_vec();
    check(store, &model, SHARING, &ids);

    for id in ["d1", "d3", "d4"] {
        assert!(store.delete("Doc", id).unwrap());
        model.remove(id);
        check(store, &model, SHARING, &ids);
    }
    assert_eq!(store.shared_values().unwrap(), SharedValues::default());
    assert_eq!(db.count("nasc_shared_values"), 0);
    assert_eq!(db.count("nasc_shared_holders"), 0);
}

/// Random saves (whole and partial), creates, replaces and deletes of a few documents
/// (their ids alike but for a space, a case or an accent) made of a few values: after each, every document loads as the model holds it and the
/// table of shared values holds exactly what the documents hold.
pub fn shared_values_follow_a_model_through_random_writes(b: &Backend) {
    let db = b.store(registry(SHARING));
    let store = &db.store;
    let values = pool();
    let mut random = Random(0x5eed_0000 + b.kind as u64);
    let pick = |random: &mut Random| values[random.below(values.len())].clone();
    // Ids that differ by a trailing space, by case and by an accent are five aggregates,
    // holding values apart.
    let ids: Vec<String> = ["doc", "doc ", "DOC", "dóc", "d'o\"c"]
        .map(String::from)
        .to_vec();
    let mut model: BTreeMap<String, Value> = BTreeMap::new();
    for step in 0..120 {
        let id = ids[random.below(ids.len())].clone();
        let parts: Vec<Part> = (0..random.below(3))
            .map(|_| Part {
                notes: (0..random.below(3))
                    .map(|_| (random.below(4) > 0).then(|| pick(&mut random)))
                    .collect(),
                blob: pick(&mut random),
            })
            .collect();
        let cover = (random.below(3) > 0).then(|| pick(&mut random));
        let fresh = doc(&id, &pick(&mut random), cover.as_deref(), &parts);
        let stored = model.get(&id).cloned();
        let what = random.below(6);
        match (what, stored) {
            (0, _) => {
                store.persist("Doc", &id, &fresh, &fresh).unwrap();
                model.insert(id.clone(), fresh);
            }
            (1, Some(mut next)) => {
                // A partial save of one property (the title holds no binary value).
                let property = ["data", "cover", "parts", "title"][random.below(4)];
                next[property] = fresh[property].clone();
                let diff = json!({ property: next[property] });
                store.persist("Doc", &id, &diff, &next).unwrap();
                model.insert(id.clone(), next);
            }
            (1, None) if random.below(2) == 0 => {
                // A partial save of a new aggregate writes its whole row, and the arrays
                // the diff names (none here).
                let diff = json!({"title": fresh["title"]});
                store.persist("Doc", &id, &diff, &fresh).unwrap();
                let mut stored = fresh;
                stored["parts"] = json!([]);
                model.insert(id.clone(), stored);
            }
            (2, stored) => {
                let replaced = store.replace("Doc", &id, &fresh).unwrap();
                assert_eq!(replaced, stored.is_some(), "step {step}");
                if replaced {
                    model.insert(id.clone(), fresh);
                }
            }
            (3, stored) => {
                let created = store.create("Doc", &id, &fresh).unwrap();
                assert_eq!(created, stored.is_none(), "step {step}");
                if created {
                    model.insert(id.clone(), fresh);
                }
            }
            (4, stored) => {
                assert_eq!(store.delete("Doc", &id).unwrap(), stored.is_some());
                model.remove(&id);
            }
            _ => {
                // A bad document is refused, and nothing is written.
                let mut bad = fresh;
                bad["parts"] = json!([{"id": 0, "blob": "not base64!", "notes": []}]);
                match store.persist("Doc", &id, &bad, &bad) {
                    Err(Error::Invalid { pointer, .. }) => assert_eq!(pointer, "/parts/0/blob"),
                    other => panic!("a bad value was not refused: {other:?}"),
                }
            }
        }
        check(store, &model, SHARING, &ids);
    }
    for id in model.keys() {
        store.delete("Doc", id).unwrap();
    }
    assert_eq!(store.shared_values().unwrap(), SharedValues::default());
}

/// Expiry, eviction and purging let go of what the removed aggregates held, and a save
/// over an expired aggregate starts afresh.
pub fn removals_release_shared_values(b: &Backend) {
    let ttl = std::time::Duration::from_millis(400);
    let capped = registry_with(SHARING, json!({"maxSize": 2}));
    let db = b.store(capped);
    let store = &db.store;
    let values = pool();
    let (big, huge) = (&values[3][..], &values[5][..]);
    let mut model = BTreeMap::new();
    for (i, data) in [big, huge, big].into_iter().enumerate() {
        let id = format!("c{i}");
        let d = doc(&id, data, None, &[]);
        store.persist("Doc", &id, &d, &d).unwrap();
        model.insert(id, d);
        // (Creation times told apart.)
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // `c0` was evicted: `huge` and `big` are held by `c1` and `c2`.
    model.remove("c0");
    let ids: Vec<String> = ["c0", "c1", "c2"].map(String::from).to_vec();
    check(store, &model, SHARING, &ids);
    drop(db);

    let expiring = || registry_with(SHARING, json!({"ttl": format!("{}ms", ttl.as_millis())}));
    let db = b.store(expiring());
    let store = &db.store;
    for id in ["e0", "e1"] {
        let d = doc(id, huge, Some(big), &[part(big, &[Some(huge)])]);
        store.persist("Doc", id, &d, &d).unwrap();
    }
    assert_eq!(store.shared_values().unwrap().references, 4);
    std::thread::sleep(ttl + std::time::Duration::from_millis(100));
    // A save over the expired `e0` drops it first: it holds what it is saved with alone.
    let e0 = doc("e0", big, None, &[]);
    store.persist("Doc", "e0", &e0, &e0).unwrap();
    let totals = store.shared_values().unwrap();
    assert_eq!((totals.references, totals.holders), (3, 3), "{totals:?}");
    // Purged: `e1` lets go of both; `e0` keeps `big`.
    assert_eq!(store.purge_expired().unwrap(), 1);
    let mut model = BTreeMap::new();
    model.insert("e0".to_owned(), e0);
    check(store, &model, SHARING, &["e0".into(), "e1".into()]);
}

/// Writers side by side taking up and letting go of the same values, and readers loading
/// meanwhile: no write fails for it, no read finds a value missing, and the counts add up
/// at the end.
pub fn writers_side_by_side_share_values(b: &Backend) {
    let db = b.store(registry(SHARING));
    let store = &db.store;
    let values = pool();
    let (tiny, big, huge) = (&values[1][..], &values[3][..], &values[5][..]);
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let writers: Vec<_> = (0..3)
            .map(|w| {
                let id = format!("w{w}");
                scope.spawn(move || {
                    for round in 0..40 {
                        let d = match (round + w) % 3 {
                            0 => doc(&id, big, Some(huge), &[part(huge, &[Some(big)])]),
                            1 => doc(&id, tiny, None, &[part(tiny, &[])]),
                            _ => doc(&id, huge, Some(tiny), &[]),
                        };
                        store
                            .persist("Doc", &id, &d, &d)
                            .unwrap_or_else(|e| panic!("{id} round {round}: {e}"));
                        if round % 7 == 6 {
                            store.delete("Doc", &id).unwrap();
                        }
                    }
                })
            })
            .collect();
        let reader = scope.spawn(|| {
            let mut loads = 0;
            while !done.load(std::sync::atomic::Ordering::Acquire) {
                for id in ["w0", "w1", "w2"] {
                    if let Some(d) = store.load("Doc", id).unwrap_or_else(|e| panic!("{e}")) {
                        let data = bytes_of(&d["data"]);
                        assert!(
                            [tiny, big, huge].contains(&&data[..]),
                            "{id} loaded {} bytes",
                            data.len()
                        );
                        loads += 1;
                    }
                }
                let page = store
                    .query("Doc", &json!({"where": {"data": b64(huge)}}))
                    .unwrap_or_else(|e| panic!("{e}"));
                assert!(page.items.iter().all(|d| d["data"] == b64(huge)));
            }
            loads
        });
        for writer in writers {
            writer.join().unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::Release);
        assert!(reader.join().unwrap() > 0, "the reader loaded nothing");
    });
    let mut model = BTreeMap::new();
    for id in ["w0", "w1", "w2"] {
        if let Some(d) = store.load("Doc", id).unwrap() {
            model.insert(id.to_owned(), d);
        }
    }
    check(store, &model, SHARING, &[]);
}

/// Sharing turned on for a database that holds binary values, its sizes changed, turned
/// off and on again: every value loads as it was saved each time, filters find them, and
/// the rows hold the form each stage stores.
pub fn sharing_turned_on_and_off_keeps_every_value(b: &Backend) {
    let db = b.store(registry(NONE));
    let values = pool();
    let (tiny, big, huge) = (&values[1][..], &values[3][..], &values[5][..]);
    let mut docs = vec![
        doc("plain", big, Some(tiny), &[part(huge, &[Some(big), None])]),
        doc("empty", &[], None, &[part(&[], &[Some(&[])])]),
    ];
    for d in &docs {
        db.store
            .persist("Doc", d["id"].as_str().unwrap(), d, d)
            .unwrap();
    }
    assert_eq!(
        stored_length(&db, "docs", "data", "id", "plain"),
        big.len() as i64
    );
    let stages = [
        (SHARING, "on"),
        (
            Sharing {
                doc: Some(1_000_000),
                part: Some(1),
                note: None,
            },
            "sizes changed, notes off",
        ),
        (NONE, "off"),
        (SHARING, "on again"),
    ];
    for (stage, (sharing, what)) in stages.into_iter().enumerate() {
        // Every value of the columns concerned is rewritten: applied when asked for.
        match db.connect_with(registry(sharing), StoreOptions::default()) {
            Err(error @ Error::Migration { .. }) => {
                let said = error.to_string();
                assert!(said.contains("sharing values over"), "{what}: {said}");
            }
            Err(other) => panic!("{what}: {other}"),
            Ok(_) => panic!("{what}: the values were rewritten unasked"),
        }
        let store = db
            .connect_with(
                registry(sharing),
                StoreOptions {
                    migrations: Migrations::All,
                    ..StoreOptions::default()
                },
            )
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let saved = doc(
            &format!("s{stage}"),
            huge,
            Some(big),
            &[part(big, &[Some(huge)])],
        );
        store
            .persist("Doc", &format!("s{stage}"), &saved, &saved)
            .unwrap();
        docs.push(saved);
        for d in &docs {
            let id = d["id"].as_str().unwrap();
            assert_eq!(
                store.load("Doc", id).unwrap().as_ref(),
                Some(d),
                "{what}: {id}"
            );
            let page = store
                .query("Doc", &json!({"where": {"id": id, "data": d["data"]}}))
                .unwrap();
            assert_eq!(page.items.len(), 1, "{what}: {id} by its data");
        }
        let plain = stored_length(&db, "docs", "data", "id", "plain");
        match sharing.doc {
            None => assert_eq!(plain, big.len() as i64, "{what}"),
            Some(_) => assert!(
                plain == 33 || plain == 1 + big.len() as i64,
                "{what}: {plain}"
            ),
        }
        let totals = store.shared_values().unwrap();
        assert_eq!(totals.references, totals.holders, "{what}: {totals:?}");
        if sharing.doc.is_none() {
            // Nothing shares: what the documents held is let go of, all of it.
            assert!(totals.values > 0, "{what}: {totals:?}");
            let released = store.release_unshared().unwrap();
            assert_eq!(released, stage as u64, "{what}: s0 and s1");
            assert_eq!(store.shared_values().unwrap(), SharedValues::default());
            assert_eq!(store.release_unshared().unwrap(), 0);
        } else {
            assert_eq!(store.release_unshared().unwrap(), 0, "{what}");
        }
    }
}

/// The database refuses a value without its tag in a sharing column (a writer that does
/// not know the tags); a damaged row that got past the check anyway is reported with its
/// type, id and pointer, and so is a value its row holds by hash that the table of shared
/// values lost; nothing is guessed.
pub fn damaged_shared_values_are_reported(b: &Backend) {
    let db = b.store(registry(SHARING));
    let store = &db.store;
    let values = pool();
    let (tiny, big) = (&values[1][..], &values[3][..]);
    let d = doc("d", tiny, Some(big), &[part(tiny, &[])]);
    store.persist("Doc", "d", &d, &d).unwrap();
    let literal = |hex: &str| match db.kind {
        Kind::Postgres => format!("'\\x{hex}'::bytea"),
        _ => format!("X'{hex}'"),
    };
    let update = |value: &str| {
        format!(
            "UPDATE {} SET {} = {value} WHERE {} = 'd'",
            db.quote("docs"),
            db.quote("data"),
            db.quote("id")
        )
    };
    let damaged = ["02ab", "", "01abcd"];
    for hex in damaged {
        let refused = db.try_execute(&update(&literal(hex)));
        assert!(refused.is_err(), "{hex:?} was written past the check");
    }
    assert_eq!(store.load("Doc", "d").unwrap(), Some(d));
    // Past the check (as a restore of a damaged dump might be).
    let unchecked = |value: &str| {
        match db.kind {
        Kind::Sqlite => format!(
            "PRAGMA ignore_check_constraints = ON; {}; PRAGMA ignore_check_constraints = OFF",
            update(value)
        ),
        Kind::Postgres => format!(
            "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}; {}",
            db.quote("docs"),
            db.quote(&nasc_model::ddl::check_name("docs", "data")),
            update(value)
        ),
        Kind::Mysql => format!(
            "SET SESSION check_constraint_checks = OFF; {}; SET SESSION check_constraint_checks = ON",
            update(value)
        ),
    }
    };
    let set = |value: String| db.try_execute(&unchecked(&value)).unwrap();
    for (hex, says) in damaged
        .into_iter()
        .zip(["tag 2", "without its tag", "tag 1"])
    {
        set(literal(hex));
        match store.load("Doc", "d") {
            Err(Error::Corrupt {
                ty,
                id,
                pointer,
                message,
            }) => {
                assert_eq!(
                    (ty.as_str(), id.as_str(), pointer.as_str()),
                    ("Doc", "d", "/data")
                );
                assert!(message.contains(says), "{message}");
            }
            other => panic!("a damaged value loaded: {other:?}"),
        }
    }
    set(literal("00"));
    assert_eq!(store.load("Doc", "d").unwrap().unwrap()["data"], json!(""));
    db.try_execute(&format!("DELETE FROM {}", db.quote("nasc_shared_values")))
        .unwrap();
    match store.load("Doc", "d") {
        Err(Error::Corrupt {
            pointer, message, ..
        }) => {
            assert_eq!(pointer, "/cover");
            assert!(
                message.contains("not in the table of shared values"),
                "{message}"
            );
        }
        other => panic!("a lost value loaded: {other:?}"),
    }
}

/// Each namespace keeps its own table of shared values; a replica stores what it copies
/// by hash too, holding what the source holds.
pub fn namespaces_and_replicas_share_on_their_own(b: &Backend) {
    let (url, _cleanup) = b.empty_whole_database();
    let open = |namespace: &str| {
        MappedStore::connect_with(
            &url,
            registry(SHARING),
            StoreOptions {
                namespace: Some(namespace.to_owned()),
                change_log: true,
                ..StoreOptions::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e}"))
    };
    let (source, replica) = (open("source"), open("replica"));
    let values = pool();
    let (big, huge) = (&values[3][..], &values[5][..]);
    let mut model = BTreeMap::new();
    for (id, data) in [("a", big), ("b", huge), ("c", big)] {
        let d = doc(id, data, Some(huge), &[part(big, &[Some(huge)])]);
        source.persist("Doc", id, &d, &d).unwrap();
        model.insert(id.to_owned(), d);
    }
    source.delete("Doc", "c").unwrap();
    model.remove("c");
    assert_eq!(replica.shared_values().unwrap(), SharedValues::default());
    replicate(&source, &replica, "source").catch_up().unwrap();
    let ids: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
    check(&source, &model, SHARING, &ids);
    check(&replica, &model, SHARING, &ids);
    assert_eq!(
        source.shared_values().unwrap(),
        replica.shared_values().unwrap()
    );
}

/// Sharing turned on by the migration files nasc writes, run by diesel's harness: every
/// value loads as before, the next connect finds nothing to do, and diesel's revert (after
/// a value was stored by hash) puts every value back in its row.
pub fn sharing_through_exported_files_run_by_diesel(b: &Backend) {
    let db = b.store(registry(NONE));
    let values = pool();
    let (tiny, big, huge) = (&values[1][..], &values[3][..], &values[5][..]);
    let mut docs = vec![
        doc("a", big, Some(tiny), &[part(huge, &[Some(big), None])]),
        doc("b", &[], None, &[]),
    ];
    for d in &docs {
        db.store
            .persist("Doc", d["id"].as_str().unwrap(), d, d)
            .unwrap();
    }
    let plan = match db.connect_with(registry(SHARING), StoreOptions::default()) {
        Err(Error::Migration { plan, .. }) => plan,
        other => panic!("expected Error::Migration, got {:?}", other.err()),
    };
    let migrations = tempfile::tempdir().unwrap();
    plan.write_diesel_migration(migrations.path(), "share_binary")
        .unwrap();
    crate::exported::run_with_diesel(b.kind, db.url(), migrations.path(), false);
    let store = db
        .connect_with(registry(SHARING), StoreOptions::default())
        .unwrap_or_else(|e| panic!("after the files ran: {e}"));
    assert_eq!(
        stored_length(&db, "docs", "data", "id", "a"),
        1 + big.len() as i64
    );
    let c = doc("c", huge, Some(big), &[part(big, &[Some(huge)])]);
    store.persist("Doc", "c", &c, &c).unwrap();
    docs.push(c);
    assert_eq!(stored_length(&db, "docs", "data", "id", "c"), 33);
    for d in &docs {
        let id = d["id"].as_str().unwrap();
        assert_eq!(store.load("Doc", id).unwrap().as_ref(), Some(d), "{id}");
    }
    drop(store);
    crate::exported::run_with_diesel(b.kind, db.url(), migrations.path(), true);
    let store = db
        .connect_with(registry(NONE), StoreOptions::default())
        .unwrap_or_else(|e| panic!("after the revert: {e}"));
    assert_eq!(
        stored_length(&db, "docs", "data", "id", "c"),
        huge.len() as i64
    );
    for d in &docs {
        let id = d["id"].as_str().unwrap();
        assert_eq!(store.load("Doc", id).unwrap().as_ref(), Some(d), "{id}");
    }
}

/// The typed API and generated keys with shared values: an insert hands back its values
/// (not their stored form), as does a dynamic insert; typed saves, updates, finds and
/// removes keep the counts.
pub fn typed_writes_and_inserts_share_values(b: &Backend) {
    let db = b.store(vault::registry());
    let store = &db.store;
    let values = pool();
    let (tiny, big, huge) = (&values[1], &values[3], &values[5]);
    let vault = |label: &str, secret: &[u8], payloads: &[Option<&Vec<u8>>]| Vault {
        id: String::new(),
        label: label.into(),
        secret: secret.to_vec().into(),
        items: payloads
            .iter()
            .enumerate()
            .map(|(i, p)| Item {
                id: i as i64,
                payload: p.map(|p| p.clone().into()),
            })
            .collect(),
    };
    let first = store
        .insert(&vault("first", big, &[Some(huge), None, Some(tiny)]))
        .unwrap();
    assert!(!first.id.is_empty());
    assert_eq!(&first.secret[..], &big[..]);
    assert_eq!(first.items[0].payload.as_deref(), Some(huge));
    assert_eq!(
        store.get::<Vault>(&first.id).unwrap().as_ref(),
        Some(&first)
    );
    // A dynamic insert hands back its document, values in place.
    let mut document = vault("second", huge, &[Some(big)]).to_json().unwrap();
    document.as_object_mut().unwrap().remove("id");
    let second = store.insert_document("Vault", &document).unwrap();
    assert_eq!(second["secret"], b64(huge));
    assert_eq!(second["items"][0]["payload"], b64(big));
    let second_id = second["id"].as_str().unwrap().to_owned();
    assert_eq!(store.load("Vault", &second_id).unwrap(), Some(second));
    let totals = store.shared_values().unwrap();
    assert_eq!((totals.values, totals.references), (2, 4), "{totals:?}");

    // A typed save that lets go of `big`; an update that takes up `tiny`, which is shared
    // by no size (8 bytes or fewer stay in their rows).
    let mut changed = first.clone();
    changed.secret = tiny.clone().into();
    store.save(&changed).unwrap();
    assert_eq!(store.shared_values().unwrap().references, 3);
    changed.items[0].payload = None;
    store.update(&changed).unwrap();
    let totals = store.shared_values().unwrap();
    assert_eq!((totals.values, totals.references), (2, 2), "{totals:?}");
    let found = store
        .find::<Vault>(&json!({"where": {"secret": b64(huge)}}))
        .unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].id, second_id);
    assert!(store.remove::<Vault>(&second_id).unwrap());
    assert_eq!(store.shared_values().unwrap(), SharedValues::default());
    assert!(store.remove::<Vault>(&first.id).unwrap());
    assert_eq!(db.count("nasc_shared_holders"), 0);
}
