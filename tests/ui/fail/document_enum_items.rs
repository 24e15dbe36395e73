use nasc_runtime::Entity;

#[derive(serde::Serialize, serde::Deserialize, nasc_runtime::SchemaEnum)]
#[serde(rename_all = "lowercase")]
enum Feeling {
    Calm,
    Sleepy,
}

// The items of an array of an `enum` are held to its values too.
#[derive(Entity)]
#[nasc(type = "Moods", schema = "tests/schemas/checked.schema.json", mapping = "tests/schemas/checked.mapping.json")]
struct Moods {
    id: String,
    moods: Vec<Feeling>,
}

fn main() {}
