use nasc_runtime::Entity;

// An array property is a `Vec`.
#[derive(Entity)]
#[nasc(type = "Tags", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Tags {
    id: String,
    tags: String,
}

fn main() {}
