use nasc_runtime::Entity;

// An untyped property (`{}`) holds any JSON: `serde_json::Value`.
#[derive(Entity)]
#[nasc(type = "Extra", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Extra {
    id: String,
    extra: Option<String>,
}

fn main() {}
