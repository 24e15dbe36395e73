use std::collections::{BTreeMap, HashMap};

use nasc_runtime::Entity;

// A map's keys are strings.
#[derive(Entity)]
#[nasc(type = "Labels", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Labels {
    id: String,
    labels: BTreeMap<i64, String>,
}

fn main() {}
