use nasc_runtime::Entity;

#[derive(serde::Serialize, serde::Deserialize, nasc_runtime::SchemaEnum)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Home,
    Work,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Address {
    city: String,
    kind: Option<Kind>,
}

// A nested object is held by a struct checked against it.
#[derive(Entity)]
#[nasc(type = "Place", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Place {
    id: String,
    address: Address,
}

fn main() {}
