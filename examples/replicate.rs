//! Local-first: an embedded SQLite store takes writes while "offline", then syncs them to
//! another database (PostgreSQL, say) when it is "online". Each batch is applied in one
//! transaction of the target that records how far it got, so a sync cut off at any point
//! resumes without losing or repeating a change.
//!
//! ```sh
//! cargo run --example replicate                    # edge.db to central.db (both SQLite)
//! cargo run --example replicate --features postgres -- edge.db postgres://user@host/db
//! ```

use nasc_runtime::prelude::*;
use nasc_runtime::{replicate, MappedStore, StoreOptions};

mod app {
    nasc_runtime::schema!(
        schema = "schemas/app.schema.json",
        mapping = "schemas/app.mapping.json"
    );
}
use app::{Todo, TodoList};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let edge_url = args.next().unwrap_or_else(|| "edge.db".into());
    let central_url = args.next().unwrap_or_else(|| "central.db".into());
    let logged = StoreOptions {
        change_log: true,
        ..StoreOptions::default()
    };
    let edge = MappedStore::connect_with(&edge_url, app::registry(), logged)?;
    let central = MappedStore::connect(&central_url, app::registry())?;
    let feed = "edge-device-1";
    let sync = replicate(&edge, &central, feed);
    println!(
        "central has applied {feed} up to sequence {}",
        sync.position()?
    );

    // Offline: the edge store takes writes alone.
    let mut list = TodoList {
        id: "groceries".into(),
        items: Vec::new(),
    };
    for (n, title) in ["milk", "eggs", "bread"].into_iter().enumerate() {
        list.items.push(Todo {
            id: n.to_string(),
            title: title.into(),
            completed: false,
        });
        edge.save(&list)?;
    }
    list.items[1].completed = true;
    edge.save(&list)?;
    edge.save(&TodoList {
        id: "chores".into(),
        items: vec![Todo {
            id: "0".into(),
            title: "laundry".into(),
            completed: false,
        }],
    })?;
    edge.remove::<TodoList>("chores")?;
    println!("edge saved 6 changes while offline");

    // Online: the changes travel, in order, once.
    let applied = sync.catch_up()?;
    println!(
        "synced {applied} changes; central has applied {feed} up to sequence {}",
        sync.position()?
    );
    println!("synced again: {} changes", sync.catch_up()?);
    let synced = central.get::<TodoList>("groceries")?;
    assert_eq!(synced.as_ref(), Some(&list));
    assert_eq!(central.get::<TodoList>("chores")?, None);
    println!("central holds what the edge holds: {list:?}");
    Ok(())
}
