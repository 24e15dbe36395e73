use nasc_runtime::Entity;

// Arrays of arrays are checked all the way down.
#[derive(Entity)]
#[nasc(type = "Matrix", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Matrix {
    id: String,
    matrix: Vec<Vec<String>>,
}

fn main() {}
