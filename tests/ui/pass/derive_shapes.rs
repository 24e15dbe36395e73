//! The richer shapes schema held by hand-written structs: nested objects (inline, in array
//! items, embedded `$ref` types that embed themselves), enums inline and through `$ref`,
//! formats, binary values, `const`s and enums of other values.

use std::collections::BTreeMap;

use nasc_runtime::{Entity, SchemaEnum, SchemaObject};

#[derive(serde::Serialize, serde::Deserialize, SchemaObject)]
#[nasc(object = "Profile/address", schema = "tests/schemas/shapes.schema.json", mapping = "tests/schemas/shapes.mapping.json")]
struct Address {
    city: String,
    zip: Option<Option<i64>>,
}

#[derive(serde::Serialize, serde::Deserialize, SchemaObject)]
#[nasc(object = "User", schema = "tests/schemas/shapes.schema.json", mapping = "tests/schemas/shapes.mapping.json")]
struct Friend {
    name: String,
    friends: Option<Vec<Friend>>,
}

#[derive(serde::Serialize, serde::Deserialize, SchemaObject)]
#[nasc(object = "Profile/history/items", schema = "tests/schemas/shapes.schema.json", mapping = "tests/schemas/shapes.mapping.json")]
struct Event {
    at: chrono::DateTime<chrono::Utc>,
    what: Option<String>,
}

#[derive(serde::Serialize, serde::Deserialize, SchemaEnum)]
#[serde(rename_all = "kebab-case")]
enum Status {
    Draft,
    Published,
    InReview,
}

#[derive(serde::Serialize, serde::Deserialize, SchemaEnum)]
#[serde(rename_all = "lowercase")]
enum Level {
    Low,
    High,
}

#[derive(Entity)]
#[nasc(type = "Note", schema = "tests/schemas/shapes.schema.json", mapping = "tests/schemas/shapes.mapping.json")]
struct Note {
    id: i64,
    text: String,
    meta: Option<serde_json::Value>,
}

#[derive(Entity)]
#[nasc(type = "Profile", schema = "tests/schemas/shapes.schema.json", mapping = "tests/schemas/shapes.mapping.json")]
#[allow(dead_code)]
struct Profile {
    id: String,
    address: Option<Address>,
    labels: Option<BTreeMap<String, String>>,
    tags: Vec<String>,
    scores: Option<Vec<f64>>,
    owner: Option<Friend>,
    status: Status,
    level: Option<Level>,
    extra: Option<serde_json::Value>,
    delta: Option<f64>,
    seen_at: Option<chrono::DateTime<chrono::Utc>>,
    avatar: Option<nasc_runtime::Bytes>,
    history: Option<Vec<Event>>,
    notes: Vec<Note>,
    nickname: Option<String>,
    age: Option<i64>,
    email: Option<String>,
    website: Option<String>,
    since: Option<chrono::NaiveDate>,
    key: Option<uuid::Uuid>,
    kind: Option<String>,
    rating: Option<serde_json::Value>,
    score: Option<f64>,
}

fn main() {
    let _ = (Profile::TYPE_NAME, Note::TYPE_NAME);
}
