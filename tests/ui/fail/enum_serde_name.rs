use nasc_runtime::Entity;

#[derive(serde::Serialize, serde::Deserialize, nasc_runtime::SchemaEnum)]
enum Status {
    Draft,
    Published,
    InReview,
}

// The values are compared as serde writes them: without `rename_all` it writes `InReview`.
#[derive(Entity)]
#[nasc(type = "Post", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Post {
    id: String,
    status: Status,
}

fn main() {}
