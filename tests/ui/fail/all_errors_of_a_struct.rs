use nasc_runtime::Entity;

#[derive(Entity)]
struct Todo {
    ident: String,
    title: Option<String>,
    completed: i64,
    done: bool,
}

fn main() {}
