use nasc_runtime::Entity;

// A `uuid` string is a `uuid::Uuid` (or `String`).
#[derive(Entity)]
#[nasc(type = "Key", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Key {
    id: String,
    key: u128,
}

fn main() {}
