use std::collections::{BTreeMap, HashMap};

use nasc_runtime::Entity;

// A `HashMap` is checked as a `BTreeMap` is.
#[derive(Entity)]
#[nasc(type = "Counts", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Counts {
    id: String,
    counts: HashMap<String, String>,
}

fn main() {}
