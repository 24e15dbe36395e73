// The enums and the nested object of `Doc` (tests/schemas/documents.schema.json), shared by
// the compile-fail cases of its document shapes.

#[derive(serde::Serialize, serde::Deserialize, nasc_runtime::SchemaEnum)]
#[serde(rename_all = "lowercase")]
enum Mood {
    Calm,
    Busy,
}

#[derive(serde::Serialize, serde::Deserialize, nasc_runtime::SchemaEnum)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Home,
    Work,
}

#[derive(serde::Serialize, serde::Deserialize, nasc_runtime::SchemaEnum)]
#[serde(rename_all = "kebab-case")]
enum Status {
    Draft,
    Published,
    InReview,
}

#[derive(serde::Serialize, serde::Deserialize, nasc_runtime::SchemaObject)]
#[nasc(object = "Doc/address", schema = "tests/schemas/documents.schema.json", mapping = "tests/schemas/documents.mapping.json")]
struct Address {
    city: Option<String>,
    kind: Option<Kind>,
}
