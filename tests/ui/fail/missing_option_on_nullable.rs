use nasc_runtime::Entity;

#[derive(Entity)]
#[nasc(schema = "tests/schemas/shop.schema.json", mapping = "tests/schemas/shop.mapping.json")]
struct Counter {
    id: i64,
    value: i64,
}

#[derive(Entity)]
#[nasc(type = "Pet", schema = "tests/schemas/shop.schema.json", mapping = "tests/schemas/shop.mapping.json")]
struct Animal {
    id: String,
    name: String,
    nick_name: String,
    toys: Vec<Counter>,
}

fn main() {}
