//! Queries: a filtered, sorted page of 100 lists of 10 children, through nasc (typed and
//! dynamic) beside hand-written diesel doing the same in two queries; and, on PostgreSQL,
//! 100 lists by id at once beside 100 single loads.

use super::app::TodoList;
use super::{race, Results};
use super::{todo_lists, todos};
use diesel::prelude::*;
use nasc_runtime::Store;
use serde_json::{json, Value};

/// Lists saved for the query scenarios: half of them have a completed child.
pub const LISTS: usize = 300;
/// Children per list.
pub const CHILDREN: usize = 10;
/// Lists per page.
pub const PAGE: usize = 100;

/// The lists, `q000` to `q299`.
pub fn lists() -> Vec<Value> {
    (0..LISTS)
        .map(|l| {
            let items: Vec<Value> = (0..CHILDREN)
                .map(|i| json!({"id": format!("{i}"), "title": format!("item {i} of {l}"), "completed": l % 2 == 0 && i == 3}))
                .collect();
            json!({"id": format!("q{l:03}"), "items": items})
        })
        .collect()
}

/// The page nasc is asked for: the lists with a completed child, last ids first.
pub fn page_query() -> Value {
    json!({"where": {"items": {"some": {"completed": true}}}, "orderBy": {"id": "desc"}, "take": PAGE})
}

/// The page by hand, for one connection type: the lists' ids in one query, their
/// children in a second, grouped in Rust.
macro_rules! hand_written_page {
    ($page:ident, $connection:ty) => {
        pub fn $page(conn: &mut $connection) -> Vec<crate::app::TodoList> {
            conn.transaction::<_, diesel::result::Error, _>(|conn| {
                let completed = todos::table
                    .filter(todos::todo_list_id.eq(todo_lists::id.nullable()))
                    .filter(todos::completed.eq(true));
                let ids: Vec<String> = todo_lists::table
                    .filter(diesel::dsl::exists(completed))
                    .order(todo_lists::id.desc())
                    .limit(crate::queries::PAGE as i64)
                    .select(todo_lists::id)
                    .load(conn)?;
                let rows: Vec<(Option<String>, String, String, bool)> = todos::table
                    .filter(todos::todo_list_id.eq_any(&ids))
                    .order((todos::todo_list_id, todos::nasc_position))
                    .select((
                        todos::todo_list_id,
                        todos::id,
                        todos::title,
                        todos::completed,
                    ))
                    .load(conn)?;
                let mut items: std::collections::HashMap<String, Vec<crate::app::Todo>> =
                    std::collections::HashMap::new();
                for (list, id, title, completed) in rows {
                    items
                        .entry(list.unwrap_or_default())
                        .or_default()
                        .push(crate::app::Todo {
                            id,
                            title,
                            completed,
                        });
                }
                Ok(ids
                    .into_iter()
                    .map(|id| crate::app::TodoList {
                        items: items.remove(&id).unwrap_or_default(),
                        id,
                    })
                    .collect())
            })
            .unwrap()
        }
    };
}
#[cfg(feature = "postgres")]
pub(crate) use hand_written_page;

hand_written_page!(diesel_page, SqliteConnection);

/// The page on SQLite, nasc beside hand-written diesel on its own connection.
pub fn sqlite(results: &mut Results, rounds: usize, per_round: usize) {
    let mut s = super::setup("NORMAL");
    for list in lists() {
        super::persist(&s.nasc, &list);
    }
    let expected = diesel_page(&mut s.diesel);
    check_page(&s.nasc, &expected);
    let (nasc, diesel) = (&s.nasc, &mut s.diesel);
    let query = page_query();
    let race = race(
        rounds,
        per_round,
        &mut [
            ("nasc (typed)", &mut |_| {
                nasc.find::<TodoList>(&query).unwrap();
            }),
            ("nasc (dynamic)", &mut |_| {
                nasc.query("TodoList", &query).unwrap();
            }),
            ("diesel", &mut |_| {
                diesel_page(diesel);
            }),
        ],
    );
    results.insert(format!("find page of {PAGE}, {CHILDREN} children"), race);
}

/// nasc's page is the hand-written one.
pub fn check_page(store: &dyn Store, expected: &[TodoList]) {
    let page = store.query("TodoList", &page_query()).unwrap();
    let found: Vec<TodoList> = page
        .items
        .into_iter()
        .map(|d| serde_json::from_value(d).unwrap())
        .collect();
    assert_eq!(found.len(), PAGE);
    assert_eq!(found, expected, "nasc's page is the hand-written one");
}

/// The ids of the first `PAGE` lists.
#[cfg(feature = "postgres")]
pub fn ids() -> Vec<String> {
    (0..PAGE).map(|l| format!("q{l:03}")).collect()
}
