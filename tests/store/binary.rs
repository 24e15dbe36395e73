//! Binary values (`"contentEncoding": "base64"`): bytes in `BLOB`, `BYTEA` and `LONGBLOB`
//! columns, base64 in JSON, `nasc_runtime::Bytes` in typed code.

use crate::support::*;
use nasc_runtime::{Bytes, Entity, Error, Store};
use serde_json::{json, Value};

mod files {
    nasc_runtime::schema!(
        schema = "tests/schemas/files.schema.json",
        mapping = "tests/schemas/files.mapping.json"
    );
}
use files::{Chunk, File};

/// Hand-written structs of the same types, checked against the schema: binary fields may
/// be `Vec<u8>` as well as `Bytes`.
#[derive(Entity, Debug, Clone, PartialEq)]
#[nasc(
    type = "Chunk",
    schema = "tests/schemas/files.schema.json",
    mapping = "tests/schemas/files.mapping.json"
)]
struct Piece {
    id: i64,
    bytes: Vec<u8>,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[nasc(
    type = "File",
    schema = "tests/schemas/files.schema.json",
    mapping = "tests/schemas/files.mapping.json"
)]
struct Upload {
    id: String,
    name: String,
    data: Vec<u8>,
    thumbnail: Option<Vec<u8>>,
    signature: Option<Bytes>,
    meta: Option<Value>,
    chunks: Vec<Piece>,
}

/// Every byte value, and bytes that are not UTF-8, that are, that are empty and large.
fn samples() -> Vec<Vec<u8>> {
    vec![
        (0..=255).collect(),
        vec![],
        vec![0; 3],
        b"\xff\xfe\xfd".to_vec(),
        "ünï ✓".as_bytes().to_vec(),
        (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect(),
    ]
}

fn file(id: &str, data: Vec<u8>, chunks: Vec<Vec<u8>>) -> File {
    File {
        id: id.into(),
        name: format!("file {id}"),
        data: data.into(),
        thumbnail: Some(Bytes::from([1u8, 2, 3])),
        signature: None,
        meta: None,
        chunks: chunks
            .into_iter()
            .enumerate()
            .map(|(i, bytes)| Chunk {
                id: i as i64,
                bytes: bytes.into(),
            })
            .collect(),
    }
}

pub fn binary_values_round_trip_typed_and_as_json(b: &Backend) {
    let db = b.store(files::registry());
    for (i, data) in samples().into_iter().enumerate() {
        let id = format!("f{i}");
        let typed = file(&id, data.clone(), samples());
        db.save(&typed).unwrap();
        assert_eq!(db.get::<File>(&id).unwrap(), Some(typed.clone()), "{id}");
        // JSON holds base64; what JSON saves, typed code loads.
        let json = db.load("File", &id).unwrap().unwrap();
        assert_eq!(json["data"], json!(nasc_model::bytes::encode(&data)));
        assert_eq!(json["thumbnail"], json!("AQID"));
        assert_eq!(json, typed.to_json().unwrap());
        let mut changed = json.clone();
        changed["data"] = json!(nasc_model::bytes::encode(b"\x00changed\xff"));
        changed["thumbnail"] = Value::Null;
        db.persist("File", &id, &changed, &changed).unwrap();
        let loaded = db.get::<File>(&id).unwrap().unwrap();
        assert_eq!(loaded.data, b"\x00changed\xff".to_vec());
        assert_eq!(loaded.thumbnail, None);
    }
    // What a hand-written struct of `Vec<u8>`s saves, the generated one loads, and back.
    let upload = Upload {
        id: "p".into(),
        name: "pieces".into(),
        data: vec![],
        thumbnail: Some(vec![0xff; 5]),
        signature: Some(Bytes::from(*b"sig")),
        meta: Some(json!({"icon": "AA=="})),
        chunks: vec![
            Piece {
                id: 1,
                bytes: vec![0, 255],
            },
            Piece {
                id: 2,
                bytes: vec![],
            },
        ],
    };
    db.save(&upload).unwrap();
    let loaded = db.get::<File>("p").unwrap().unwrap();
    assert_eq!(loaded.chunks[0].bytes, vec![0u8, 255]);
    assert!(loaded.chunks[1].bytes.is_empty());
    assert_eq!(loaded.to_json().unwrap(), upload.to_json().unwrap());
    assert_eq!(db.get::<Upload>("p").unwrap(), Some(upload.clone()));
    assert_eq!(
        Upload::from_json(upload.to_json().unwrap()).unwrap(),
        upload
    );
    // Queries find a file by its bytes, equal or not.
    let by_data = db
        .query("File", &json!({"where": {"data": {"in": ["", "AP8="]}}}))
        .unwrap();
    let ids: Vec<&str> = by_data
        .items
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["p"]);
    let count = db
        .query_count("File", &json!({"where": {"data": {"not": ""}}}))
        .unwrap();
    assert_eq!(count, samples().len() as u64);
}

pub fn bad_binary_values_are_refused_with_nothing_written(b: &Backend) {
    let db = b.store(files::registry());
    let good =
        json!({"id": "f1", "name": "n", "data": "AAEC", "chunks": [{"id": 1, "bytes": "AA=="}]});
    db.persist("File", "f1", &good, &good).unwrap();
    let stored = db.load("File", "f1").unwrap();
    for (bad, pointer) in [
        (json!({"id": "f1", "name": "n", "data": "AAE"}), "/data"),
        (json!({"id": "f1", "name": "n", "data": "AA-_"}), "/data"),
        (json!({"id": "f1", "name": "n", "data": 42}), "/data"),
        (
            json!({"id": "f1", "name": "n", "data": "AAEC", "thumbnail": "a b"}),
            "/thumbnail",
        ),
        (
            json!({"id": "f1", "name": "n", "data": "AAEC", "chunks": [{"id": 1, "bytes": "A"}]}),
            "/chunks/0/bytes",
        ),
        (
            json!({"id": "f1", "name": "n", "data": "AAEC", "meta": {"icon": "%%"}}),
            "/meta/icon",
        ),
        // `maxLength` counts the base64 text.
        (
            json!({"id": "f1", "name": "n", "data": "AAEC", "signature": "AAAAAAAAAAAAAAAA"}),
            "/signature",
        ),
    ] {
        let error = db.persist("File", "f1", &bad, &bad).unwrap_err();
        match &error {
            Error::Invalid {
                ty,
                id,
                pointer: at,
                message,
            } => {
                assert_eq!(
                    (ty.as_str(), id.as_str(), at.as_str()),
                    ("File", "f1", pointer),
                    "{error}"
                );
                assert!(!message.is_empty());
            }
            other => panic!("{bad}: expected Error::Invalid, got {other:?}"),
        }
        assert_eq!(db.load("File", "f1").unwrap(), stored, "{bad}");
    }
    let message = db
        .persist(
            "File",
            "f1",
            &json!({"id": "f1", "name": "n", "data": "AAE"}),
            &json!({"id": "f1", "name": "n", "data": "AAE"}),
        )
        .unwrap_err()
        .to_string();
    assert!(message.contains("base64"), "{message}");
    // Filters take base64 too, and bytes have no order.
    for (query, words) in [
        (json!({"where": {"data": "AAE"}}), "base64"),
        (
            json!({"where": {"data": {"lt": "AAEC"}}}),
            "is binary: it has no order",
        ),
        (
            json!({"orderBy": {"data": "asc"}}),
            "is binary: pages are not ordered by it",
        ),
        (json!({"_max": {"data": true}}), "`data`"),
    ] {
        let error = match query.get("_max") {
            Some(_) => db.query_aggregate("File", &query).unwrap_err(),
            None => db.query("File", &query).unwrap_err(),
        };
        assert!(error.to_string().contains(words), "{query}: {error}");
    }
}
