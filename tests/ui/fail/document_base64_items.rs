use nasc_runtime::Entity;

// Base64 strings inside a document are `Bytes` (serde writes a `Vec<u8>` as numbers).
#[derive(Entity)]
#[nasc(type = "Icons", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Icons {
    id: String,
    icons: Vec<Vec<u8>>,
}

fn main() {}
