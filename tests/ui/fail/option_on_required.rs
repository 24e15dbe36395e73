use nasc_runtime::Entity;

#[derive(Entity)]
struct Todo {
    id: String,
    title: Option<String>,
    completed: bool,
}

fn main() {}
