use nasc_runtime::Entity;

#[derive(serde::Serialize, serde::Deserialize, nasc_runtime::SchemaEnum)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Home,
    Work,
}

#[derive(serde::Serialize, serde::Deserialize, nasc_runtime::SchemaObject)]
#[nasc(object = "Place/address", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Address {
    city: String,
    kind: Kind,
}

// An optional property is an `Option`.
#[derive(Entity)]
#[nasc(type = "Place", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Place {
    id: String,
    address: Address,
}

fn main() {}
