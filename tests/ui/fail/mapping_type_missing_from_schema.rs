nasc_runtime::schema!(
    schema = "tests/ui/schemas/collide.schema.json",
    mapping = "tests/ui/schemas/orphan.mapping.json",
    diesel_tables = false
);

fn main() {}
