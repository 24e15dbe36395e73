//! A small service: a processor over the mapped store handles TodoList events, one JSON
//! message per line on stdin (or a built-in script), and prints the patches it sends back.
//!
//! ```sh
//! cargo run --example service
//! echo '{"event": "mount", "instance": "TodoList:home"}' | cargo run --example service -- -
//! ```

use nasc_runtime::{FnHandler, Message, Processor, SqliteMappedStore, MOUNT};
use serde_json::{json, Value};
use std::io::BufRead;

mod app {
    nasc_runtime::schema!(
        schema = "schemas/app.schema.json",
        mapping = "schemas/app.mapping.json"
    );
}

/// TodoList events: `add` {title}, `toggle` {id}, `remove` {id}.
fn todo_list_handler() -> impl nasc_runtime::Handler {
    FnHandler::new(
        |id, _payload| Ok(json!({"id": id, "items": []})),
        |event, payload, state| {
            let items = state["items"]
                .as_array_mut()
                .ok_or("a TodoList has items")?;
            let id_of = |payload: &Value| {
                payload["id"]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or("the payload needs an `id`")
            };
            match event {
                "add" => {
                    let title = payload["title"]
                        .as_str()
                        .ok_or("the payload needs a `title`")?;
                    let next = items.len() + 1;
                    items.push(json!({"id": next.to_string(), "title": title, "completed": false}));
                }
                "toggle" => {
                    let id = id_of(payload)?;
                    let item = items
                        .iter_mut()
                        .find(|i| i["id"] == json!(id))
                        .ok_or("no such item")?;
                    item["completed"] = json!(!item["completed"].as_bool().unwrap_or(false));
                }
                "remove" => {
                    let id = id_of(payload)?;
                    items.retain(|i| i["id"] != json!(id));
                }
                other => return Err(format!("unknown event `{other}`")),
            }
            Ok(())
        },
    )
}

const SCRIPT: &str = r#"{"event": "mount", "instance": "TodoList:home"}
{"event": "add", "instance": "TodoList:home", "payload": {"title": "buy milk"}}
{"event": "add", "instance": "TodoList:home", "payload": {"title": "call mum"}}
{"event": "toggle", "instance": "TodoList:home", "payload": {"id": "1"}}
{"event": "toggle", "instance": "TodoList:home", "payload": {"id": "9"}}
{"event": "remove", "instance": "TodoList:home", "payload": {"id": "2"}}"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("nasc-service-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let store = SqliteMappedStore::open(dir.join("service.db"), app::registry())?;
    let processor = Processor::new(store)
        .handle("TodoList", todo_list_handler())
        .subscribe(|change| {
            println!(
                "  committed {} {}: {}",
                change.ty,
                change.id,
                change.diff.to_value()
            )
        });

    let lines: Vec<String> = if std::env::args().nth(1).as_deref() == Some("-") {
        std::io::stdin().lock().lines().collect::<Result<_, _>>()?
    } else {
        SCRIPT.lines().map(str::to_owned).collect()
    };
    for line in lines.iter().filter(|l| !l.trim().is_empty()) {
        println!("<- {line}");
        let message: Message = serde_json::from_str(line)?;
        for patch in processor.process(&message) {
            println!("-> {}", serde_json::to_string(&patch)?);
        }
    }
    let state = processor
        .apply_event("TodoList", "home", MOUNT, &Value::Null, false)?
        .state;
    println!("stored state: {state}");
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
