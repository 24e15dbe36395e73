nasc_runtime::schema!(
    schema = "tests/ui/schemas/collide.schema.json",
    mapping = "tests/ui/schemas/person.mapping.json"
);

fn main() {}
