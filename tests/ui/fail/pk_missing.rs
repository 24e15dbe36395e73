nasc_runtime::schema!(
    schema = "tests/ui/schemas/orphan.schema.json",
    mapping = "tests/ui/schemas/bad_pk.mapping.json"
);

fn main() {}
