use std::collections::{BTreeMap, HashMap};

use nasc_runtime::Entity;

#[derive(serde::Serialize, serde::Deserialize, nasc_runtime::SchemaEnum)]
#[serde(rename_all = "lowercase")]
enum Mood {
    Calm,
    Busy,
}

#[derive(serde::Serialize, serde::Deserialize, nasc_runtime::SchemaEnum)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Home,
    Office,
}

#[derive(serde::Serialize, serde::Deserialize, nasc_runtime::SchemaEnum)]
#[serde(rename_all = "kebab-case")]
enum Status {
    Draft,
    Published,
    InReview,
}

#[derive(serde::Serialize, serde::Deserialize, nasc_runtime::SchemaObject)]
#[nasc(object = "Doc/address", schema = "tests/schemas/documents.schema.json", mapping = "tests/schemas/documents.mapping.json")]
struct Address {
    city: Option<String>,
    kind: Option<Kind>,
}

// An enum inside a nested object is held to the schema's values too.
#[derive(Entity)]
#[nasc(type = "Doc", schema = "tests/schemas/documents.schema.json", mapping = "tests/schemas/documents.mapping.json")]
struct Doc {
    id: String,
    tags: Vec<String>,
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
