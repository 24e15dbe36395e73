use nasc_runtime::Entity;

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Status {
    Draft,
    Published,
    InReview,
}

// An enum held for a schema `enum` derives `SchemaEnum`, so that its values can be checked.
#[derive(Entity)]
#[nasc(type = "Post", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Post {
    id: String,
    status: Status,
}

fn main() {}
