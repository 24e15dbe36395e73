use std::collections::{BTreeMap, HashMap};

use nasc_runtime::Entity;

// A map's values hold its `additionalProperties`.
#[derive(Entity)]
#[nasc(type = "Labels", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Labels {
    id: String,
    labels: BTreeMap<String, i64>,
}

fn main() {}
