use nasc_runtime::Entity;

#[derive(Entity)]
#[nasc(schema = "tests/ui/schemas/orphan.schema.json", mapping = "tests/ui/schemas/orphan.mapping.json")]
struct Orphan {
    id: String,
}

fn main() {}
