nasc_runtime::schema!(
    schema = "tests/ui/schemas/nested.schema.json",
    mapping = "tests/ui/schemas/person.mapping.json"
);

fn main() {}
