use nasc_runtime::Entity;

// Items that may be `null` are `Option`s.
#[derive(Entity)]
#[nasc(type = "Maybe", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Maybe {
    id: String,
    maybe: Vec<String>,
}

fn main() {}
