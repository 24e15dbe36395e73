use nasc_runtime::Entity;

#[derive(serde::Serialize, serde::Deserialize, nasc_runtime::SchemaEnum)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Home,
    Work,
}

#[derive(serde::Serialize, serde::Deserialize, nasc_runtime::SchemaObject)]
#[nasc(object = "Place/adress", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Address {
    city: String,
    kind: Option<Kind>,
}

// The object is named by where it is.
#[derive(Entity)]
#[nasc(type = "Place", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Place {
    id: String,
    address: Address,
}

fn main() {}
