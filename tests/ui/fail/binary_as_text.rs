use nasc_runtime::Entity;

// A `base64` property holds bytes (`nasc_runtime::Bytes` or `Vec<u8>`), not their text.
#[derive(Entity)]
#[nasc(type = "Chunk", schema = "tests/schemas/files.schema.json", mapping = "tests/schemas/files.mapping.json")]
struct Chunk {
    id: i64,
    bytes: String,
}

fn main() {}
