use nasc_runtime::Entity;

#[derive(serde::Serialize, serde::Deserialize, nasc_runtime::SchemaEnum)]
#[serde(rename_all = "kebab-case")]
enum Status {
    Draft,
    Published,
    InReview,
    Archived,
}

// Each variant needs a value in the schema's `enum`.
#[derive(Entity)]
#[nasc(type = "Post", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Post {
    id: String,
    status: Status,
}

fn main() {}
