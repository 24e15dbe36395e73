use nasc_runtime::Entity;

#[derive(Entity)]
struct Todo {
    id: String,
    title: String,
    completed: String,
}

fn main() {}
