nasc_runtime::schema!(
    schema = "tests/ui/schemas/malformed.schema.json",
    mapping = "tests/ui/schemas/person.mapping.json"
);

fn main() {}
