use nasc_runtime::Entity;

#[derive(Entity)]
struct User {
    id: String,
    name: String,
    email: String,
}

#[derive(Entity)]
struct TodoList {
    id: String,
    items: Vec<User>,
}

fn main() {}
