use nasc_runtime::Entity;

// A `date` string is a `chrono::NaiveDate` (or `String`).
#[derive(Entity)]
#[nasc(type = "Day", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Day {
    id: String,
    day: i64,
}

fn main() {}
