use nasc_runtime::Entity;

// `date-time` items are instants.
#[derive(Entity)]
#[nasc(type = "Events", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Events {
    id: String,
    events: Vec<i64>,
}

fn main() {}
