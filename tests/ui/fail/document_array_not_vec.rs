use std::collections::{BTreeMap, HashMap};

use nasc_runtime::Entity;

include!("../shared/documents.rs");

// An array property is a `Vec`.
#[derive(Entity)]
#[nasc(type = "Doc", schema = "tests/schemas/documents.schema.json", mapping = "tests/schemas/documents.mapping.json")]
struct Doc {
    id: String,
    tags: String,
    matrix: Vec<Vec<i64>>,
    scores: Option<Vec<f64>>,
    labels: BTreeMap<String, String>,
    counts: Option<HashMap<String, u32>>,
    maybe: Option<Vec<Option<String>>>,
    extra: Option<serde_json::Value>,
    day: Option<chrono::NaiveDate>,
    key: Option<uuid::Uuid>,
    events: Option<Vec<chrono::DateTime<chrono::Utc>>>,
    days: Option<Vec<String>>,
    ids: Option<Vec<String>>,
    icons: Option<Vec<nasc_runtime::Bytes>>,
    status: Option<Status>,
    moods: Option<Vec<Mood>>,
    address: Option<Address>,
}

fn main() {}
