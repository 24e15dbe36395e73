use nasc_runtime::Entity;

#[derive(Entity)]
struct Todo {
    id: String,
    titel: String,
    completed: bool,
}

fn main() {}
