//! The generated diesel tables query the same data with diesel's own query builder.

use crate::support::*;
use diesel::prelude::*;
use nasc_runtime::Store;

mod app {
    nasc_runtime::schema!(
        schema = "schemas/app.schema.json",
        mapping = "schemas/app.mapping.json"
    );
}
use app::tables::{todo_lists, todos};
use app::{Todo, TodoList};

#[test]
fn filters_joins_and_pagination_on_generated_tables() {
    let store = temp_store(app::registry());
    for (list, n) in [("work", 5), ("home", 3)] {
        let items = (0..n)
            .map(|i| Todo {
                id: format!("{i}"),
                title: format!("{list} {i}"),
                completed: i % 2 == 0,
            })
            .collect();
        store
            .save(&TodoList {
                id: list.into(),
                items,
            })
            .unwrap();
    }
    store
        .with_connection(|conn| {
            let done: Vec<String> = todos::table
                .filter(todos::todo_list_id.eq("work"))
                .filter(todos::completed.eq(true))
                .order(todos::nasc_position)
                .select(todos::title)
                .load(conn)
                .unwrap();
            assert_eq!(done, ["work 0", "work 2", "work 4"]);

            let page: Vec<(String, String)> = todos::table
                .inner_join(todo_lists::table)
                .order((todo_lists::id, todos::nasc_position))
                .select((todo_lists::id, todos::title))
                .limit(2)
                .offset(1)
                .load(conn)
                .unwrap();
            assert_eq!(
                page,
                [
                    ("home".to_owned(), "home 1".to_owned()),
                    ("home".to_owned(), "home 2".to_owned())
                ]
            );
        })
        .unwrap();
}
