//! Follows the change log of a database: prints each change another process commits, in
//! commit order, with its sequence, and resumes after the last one it printed.
//!
//! ```sh
//! cargo run --example follower                      # follows follow.db (SQLite)
//! cargo run --example follower -- follow.db write 3  # in another terminal: 3 changes
//! cargo run --example follower --features postgres -- postgres://user@host/db
//! ```
//!
//! `--limit N` stops after N changes; `--from SEQUENCE` resumes after a sequence.

use nasc_runtime::prelude::*;
use nasc_runtime::{MappedStore, StoreOptions};

mod app {
    nasc_runtime::schema!(
        schema = "schemas/app.schema.json",
        mapping = "schemas/app.mapping.json"
    );
}
use app::{Todo, TodoList};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args.first().cloned().unwrap_or_else(|| "follow.db".into());
    let option = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(|v| v.parse::<i64>())
            .transpose()
    };
    let options = StoreOptions {
        change_log: true,
        ..StoreOptions::default()
    };
    let store = MappedStore::connect_with(&url, app::registry(), options)?;
    if args.get(1).map(String::as_str) == Some("write") {
        let count: usize = args.get(2).map_or(Ok(3), |n| n.parse())?;
        return write(&store, count);
    }
    let limit = option("--limit")?.unwrap_or(i64::MAX);
    let from = option("--from")?.unwrap_or(0);
    eprintln!("following the changes after sequence {from}");
    for change in store.follow(from).take(limit as usize) {
        let change = change?;
        println!(
            "#{} {} {} {}",
            change.sequence, change.ty, change.id, change.diff
        );
    }
    Ok(())
}

/// Makes `count` changes: a new list, an item added to it, and so on.
fn write(store: &MappedStore, count: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut list = TodoList {
        id: format!("list-{}", std::process::id()),
        items: Vec::new(),
    };
    for n in 0..count {
        list.items.push(Todo {
            id: format!("{n}"),
            title: format!("item {n}"),
            completed: n % 2 == 1,
        });
        store.save(&list)?;
        eprintln!("saved {} with {} items", list.id, list.items.len());
    }
    Ok(())
}
