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
    Work,
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

// Every shape of a document, each with the type that holds it.
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

/// The same type with the other spellings each shape takes.
#[derive(Entity)]
#[nasc(type = "Doc", schema = "tests/schemas/documents.schema.json", mapping = "tests/schemas/documents.mapping.json")]
struct Other {
    id: String,
    tags: Vec<String>,
    matrix: Vec<Vec<i32>>,
    scores: Option<Vec<f32>>,
    labels: HashMap<String, String>,
    counts: Option<BTreeMap<String, i64>>,
    maybe: Option<Vec<Option<String>>>,
    extra: Option<serde_json::Value>,
    day: Option<String>,
    key: Option<String>,
    events: Option<Vec<chrono::DateTime<chrono::FixedOffset>>>,
    days: Option<Vec<chrono::NaiveDate>>,
    ids: Option<Vec<uuid::Uuid>>,
    icons: Option<Vec<nasc_runtime::Bytes>>,
    status: Option<String>,
    moods: Option<Vec<String>>,
    address: Option<serde_json::Value>,
}

/// A checked struct may hold the structs `schema!` generates for nested objects.
mod generated {
    nasc_runtime::schema!(
        schema = "tests/schemas/documents.schema.json",
        mapping = "tests/schemas/documents.mapping.json"
    );
}

#[derive(Entity)]
#[nasc(type = "Doc", schema = "tests/schemas/documents.schema.json", mapping = "tests/schemas/documents.mapping.json")]
#[allow(dead_code)]
struct Reusing {
    id: String,
    tags: Vec<String>,
    matrix: Vec<Vec<i64>>,
    scores: Option<Vec<f64>>,
    labels: BTreeMap<String, String>,
    counts: Option<HashMap<String, u32>>,
    maybe: Option<Vec<Option<String>>>,
    extra: Option<serde_json::Value>,
    day: Option<String>,
    key: Option<String>,
    events: Option<Vec<String>>,
    days: Option<Vec<String>>,
    ids: Option<Vec<String>>,
    icons: Option<Vec<nasc_runtime::Bytes>>,
    status: Option<generated::DocStatus>,
    moods: Option<Vec<generated::DocMoodsItem>>,
    address: Option<generated::DocAddress>,
}

fn main() {
    let _ = (Doc::TYPE_NAME, Other::TYPE_NAME);
}

/// A type from elsewhere that the derive cannot see into: opted out, checked when saved.
mod elsewhere {
    #[derive(serde::Serialize, serde::Deserialize)]
    pub struct Tags(pub Vec<String>);
}

#[derive(Entity)]
#[nasc(type = "Doc", schema = "tests/schemas/documents.schema.json", mapping = "tests/schemas/documents.mapping.json")]
#[allow(dead_code)]
struct Opted {
    id: String,
    #[nasc(unchecked)]
    tags: elsewhere::Tags,
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
