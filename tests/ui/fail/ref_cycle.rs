// A `$ref` cycle that never reaches a value is a compile error naming the cycle, not a
// compiler crash.
nasc_runtime::schema!(
    schema = "tests/ui/schemas/cycle.schema.json",
    mapping = "tests/ui/schemas/person.mapping.json"
);

fn main() {}
