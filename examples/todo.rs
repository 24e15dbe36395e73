//! Saves a TodoList aggregate in a SQLite file, loads it back, edits it, and queries the
//! same tables with diesel.
//!
//! Run with `cargo run --example todo [path/to/file.db]` (default `todo.db`).

use diesel::prelude::*;
use nasc_runtime::prelude::*;
use nasc_runtime::Dialect;

/// Types generated from `schemas/app.schema.json` and `schemas/app.mapping.json`.
mod app {
    nasc_runtime::schema!(
        schema = "schemas/app.schema.json",
        mapping = "schemas/app.mapping.json",
        diesel_tables = true
    );
}
use app::{Todo, TodoList};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "todo.db".into());
    let registry = app::registry();
    println!("Tables nasc creates (SQLite dialect):");
    for statement in registry.ddl(Dialect::Sqlite) {
        println!("{statement};");
    }

    let store = SqliteMappedStore::open(&path, registry)?;
    println!("\nOpened {path} (WAL, foreign keys on).");

    let mut list = TodoList {
        id: "groceries".into(),
        items: vec![
            Todo {
                id: "1".into(),
                title: "milk".into(),
                completed: false,
            },
            Todo {
                id: "2".into(),
                title: "eggs".into(),
                completed: true,
            },
            Todo {
                id: "3".into(),
                title: "bread".into(),
                completed: false,
            },
        ],
    };
    store.save(&list)?;
    println!(
        "Saved TodoList `groceries` with {} items in one transaction.",
        list.items.len()
    );

    let loaded = store.get::<TodoList>("groceries")?.expect("just saved");
    assert_eq!(loaded, list);
    println!(
        "Loaded it back, identical: {}",
        serde_json::to_string(&loaded)?
    );

    list.items.swap(0, 2);
    list.items.retain(|t| t.id != "2");
    list.items.push(Todo {
        id: "4".into(),
        title: "coffee".into(),
        completed: false,
    });
    store.save(&list)?;
    let reloaded = store.load("TodoList", "groceries")?.expect("just saved");
    println!("Reordered, removed one, added one; the dynamic API returns: {reloaded}");

    let bad = serde_json::json!({"id": "groceries", "items": [{"id": "5", "title": "tea", "completed": "no"}]});
    match store.persist("TodoList", "groceries", &bad, &bad) {
        Err(error) => println!("Rejected bad input, nothing written: {error}"),
        Ok(()) => unreachable!("the schema says `completed` is a boolean"),
    }

    use app::tables::todos;
    let open: Vec<String> = store.with_connection(|conn| {
        todos::table
            .filter(todos::todo_list_id.eq("groceries"))
            .filter(todos::completed.eq(false))
            .order(todos::nasc_position)
            .select(todos::title)
            .load(conn)
    })??;
    println!("Open items through diesel's query builder: {open:?}");
    Ok(())
}
