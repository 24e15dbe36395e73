use nasc_runtime::Entity;

// An array of strings holds `String`s.
#[derive(Entity)]
#[nasc(type = "Tags", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Tags {
    id: String,
    tags: Vec<i64>,
}

fn main() {}
