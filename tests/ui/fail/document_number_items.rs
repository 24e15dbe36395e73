use nasc_runtime::Entity;

// `number` items may be fractions: not an integer type.
#[derive(Entity)]
#[nasc(type = "Scores", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Scores {
    id: String,
    scores: Option<Vec<i64>>,
}

fn main() {}
