//! Large binary values (`shareBinaryOver`): saving and loading documents that each hold
//! the same 256 KiB attachment, stored once by hash beside stored in every row, on SQLite
//! (`synchronous = NORMAL`); and the size of each database after.

use super::{race, Results};
use nasc_runtime::{Registry, SqliteMappedStore, Store};
use serde_json::{json, Value};

/// The attachment's size.
pub const ATTACHMENT: usize = 256 * 1024;
/// Documents saved in turn.
const DOCUMENTS: usize = 50;
/// The scenarios, as the results name them.
pub const SAVE: &str = "save a 256 KiB attachment";
pub const LOAD: &str = "load a 256 KiB attachment";
/// The contenders.
pub const SHARED: &str = "shared by hash";
pub const INLINE: &str = "in each row";

fn registry(shared: bool) -> Registry {
    let schema = json!({"$defs": {"Document": {"type": "object", "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "attachment": {"type": "string", "contentEncoding": "base64"}
    }, "required": ["id", "title", "attachment"]}}});
    let mut block = json!({"entity": "documents"});
    if shared {
        block["shareBinaryOver"] = json!(4096);
    }
    let mapping = json!({"Document": {"x-na:store": block}});
    Registry::from_json_str("bench", &schema.to_string(), "bench", &mapping.to_string()).unwrap()
}

/// The database file of the store sharing values, or of the one that does not.
fn path(dir: &std::path::Path, shared: bool) -> std::path::PathBuf {
    dir.join(if shared { "shared.db" } else { "inline.db" })
}

fn open(dir: &std::path::Path, shared: bool) -> SqliteMappedStore {
    let path = path(dir, shared);
    let store = SqliteMappedStore::connect(path.to_str().unwrap(), registry(shared)).unwrap();
    store
        .with_connection(|c| {
            diesel::connection::SimpleConnection::batch_execute(c, "PRAGMA synchronous = NORMAL")
        })
        .unwrap()
        .unwrap();
    store
}

/// The bytes a store's database file holds, its log checkpointed into it.
fn database_bytes(store: &SqliteMappedStore, dir: &std::path::Path, shared: bool) -> u64 {
    store
        .with_connection(|c| {
            diesel::connection::SimpleConnection::batch_execute(
                c,
                "PRAGMA wal_checkpoint(TRUNCATE)",
            )
        })
        .unwrap()
        .unwrap();
    std::fs::metadata(path(dir, shared)).unwrap().len()
}

/// Runs the saves and loads; the database sizes, `(shared, in each row)`.
pub fn sqlite(results: &mut Results, rounds: usize, per_round: usize) -> (u64, u64) {
    let dir = tempfile::tempdir().unwrap();
    let (shared, inline) = (open(dir.path(), true), open(dir.path(), false));
    let attachment: Vec<u8> = (0..ATTACHMENT).map(|i| (i * 7 % 251) as u8).collect();
    // (Base64, as a document holds a binary value.)
    let encoded = serde_json::to_value(nasc_runtime::Bytes::from(attachment)).unwrap();
    let encoded = encoded.as_str().unwrap().to_owned();
    // The documents, made before the clock runs; consecutive saves of one differ.
    let documents: Vec<Value> = (0..DOCUMENTS * 2)
        .map(|i| {
            json!({"id": format!("d{}", i % DOCUMENTS), "title": format!("version {i}"),
                "attachment": encoded})
        })
        .collect();
    for store in [&shared, &inline] {
        for document in &documents[..DOCUMENTS] {
            let id = document["id"].as_str().unwrap();
            store.persist("Document", id, document, document).unwrap();
        }
    }
    let save = |store: &SqliteMappedStore, op: usize| {
        let document = &documents[op % documents.len()];
        let id = document["id"].as_str().unwrap();
        store.persist("Document", id, document, document).unwrap();
    };
    let race_saves = race(
        rounds,
        per_round,
        &mut [
            (SHARED, &mut |op| save(&shared, op)),
            (INLINE, &mut |op| save(&inline, op)),
        ],
    );
    results.insert(SAVE.to_owned(), race_saves);
    let load = |store: &SqliteMappedStore, op: usize| {
        let loaded = store
            .load("Document", &format!("d{}", op % DOCUMENTS))
            .unwrap()
            .unwrap();
        assert_eq!(
            loaded["attachment"].as_str().map(str::len),
            Some(encoded.len())
        );
    };
    let race_loads = race(
        rounds,
        per_round,
        &mut [
            (SHARED, &mut |op| load(&shared, op)),
            (INLINE, &mut |op| load(&inline, op)),
        ],
    );
    results.insert(LOAD.to_owned(), race_loads);
    let totals = shared.shared_values().unwrap();
    assert_eq!((totals.values, totals.references), (1, DOCUMENTS as u64));
    (
        database_bytes(&shared, dir.path(), true),
        database_bytes(&inline, dir.path(), false),
    )
}
