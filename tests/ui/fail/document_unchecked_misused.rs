use nasc_runtime::Entity;

// Only a JSON-document property opts out of the compile-time check; a field takes no other argument.
#[derive(Entity)]
#[nasc(type = "Tags", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Tags {
    #[nasc(unchecked)]
    id: String,
    #[nasc(checked)]
    tags: Vec<String>,
}

fn main() {}
