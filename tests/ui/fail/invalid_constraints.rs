nasc_runtime::schema!(
    schema = "tests/ui/schemas/constraints.schema.json",
    mapping = "tests/ui/schemas/account.mapping.json"
);

fn main() {}
