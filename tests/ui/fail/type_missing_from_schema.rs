use nasc_runtime::Entity;

#[derive(Entity)]
struct TodoLists {
    id: String,
}

fn main() {}
