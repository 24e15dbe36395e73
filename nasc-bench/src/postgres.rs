//! The persist and load scenarios on PostgreSQL: nasc's stores beside hand-written diesel
//! (the floor on a server, where there is no rusqlite), in a schema of their own.

use super::{app, list, persist, race, Results, States, VERSIONS};
use super::{todo_lists, todos};
use diesel::prelude::*;
use diesel::PgConnection;
use nasc_runtime::{JsonStore, PgMappedStore, Store, StoreOptions};

hand_written_diesel!(diesel_persist, diesel_load, PgConnection, transaction);
crate::queries::hand_written_page!(diesel_page, PgConnection);

/// A schema created for the run on the server of `admin_url`, dropped at the end.
struct Scratch {
    admin_url: String,
    schema: String,
}

impl Scratch {
    fn create(admin_url: &str) -> Scratch {
        let schema = format!("nasc_bench_{}", std::process::id());
        execute(admin_url, &format!("CREATE SCHEMA \"{schema}\""));
        Scratch {
            admin_url: admin_url.to_owned(),
            schema,
        }
    }

    /// nasc's mapped store in the schema, on one pooled connection (hand-written diesel
    /// runs on it too).
    fn store(&self) -> PgMappedStore {
        let options = StoreOptions {
            max_size: 1,
            ..StoreOptions::default()
        };
        PgMappedStore::connect_with(&self.url(), app::registry(), options).unwrap()
    }

    /// The same store with a change log.
    fn logged_store(&self) -> PgMappedStore {
        let options = StoreOptions {
            max_size: 1,
            change_log: true,
            ..StoreOptions::default()
        };
        PgMappedStore::connect_with(&self.url(), app::registry(), options).unwrap()
    }

    /// A URL whose connections work in the schema.
    fn url(&self) -> String {
        let separator = if self.admin_url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!(
            "{}{separator}options=-csearch_path%3D{}",
            self.admin_url, self.schema
        )
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        execute(
            &self.admin_url,
            &format!("DROP SCHEMA \"{}\" CASCADE", self.schema),
        );
    }
}

fn execute(url: &str, sql: &str) {
    let mut conn = PgConnection::establish(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    diesel::connection::SimpleConnection::batch_execute(&mut conn, sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The typed states of list `id` a persist scenario cycles through.
fn typed_list_copies(id: &str, n: usize) -> Vec<app::TodoList> {
    States::of(n)
        .typed
        .into_iter()
        .map(|mut list| {
            list.id = id.to_owned();
            list
        })
        .collect()
}

/// Persists and loads of `n` children through nasc (dynamic, with the processor's diff,
/// typed), hand-written diesel and nasc's `JsonStore`. Hand-written diesel runs on nasc's
/// pooled connection: the round trip to a server process varies from one connection to
/// another by more than the code paths differ, so the two share one.
pub fn run(results: &mut Results, admin_url: &str, n: usize, rounds: usize, per_round: usize) {
    let scratch = Scratch::create(admin_url);
    let nasc = scratch.store();
    let json = JsonStore::connect(&scratch.url()).unwrap();
    let logged = scratch.logged_store();
    // (The logged store saves list `k`, so that the two write separate rows.)
    let typed_k: Vec<app::TodoList> = typed_list_copies("k", n);
    persist(&logged, &list("k", n, 0));
    for store in [&nasc as &dyn Store, &json] {
        persist(store, &list("l", n, 0));
    }
    let States {
        versions,
        typed,
        diffs,
    } = States::of(n);
    let at = |op: usize| op % VERSIONS;
    let persists = race(
        rounds,
        per_round,
        &mut [
            ("nasc (dynamic)", &mut |op| {
                persist(&nasc, &versions[at(op)])
            }),
            ("nasc (processor diff)", &mut |op| {
                nasc.persist("TodoList", "l", &diffs[at(op)], &versions[at(op)])
                    .unwrap()
            }),
            ("nasc (typed)", &mut |op| nasc.save(&typed[at(op)]).unwrap()),
            ("nasc (typed, change log)", &mut |op| {
                logged.save(&typed_k[at(op)]).unwrap()
            }),
            ("diesel", &mut |op| {
                nasc.with_connection(|c| diesel_persist(c, &versions[at(op)]))
                    .unwrap()
            }),
            ("JsonStore", &mut |op| persist(&json, &versions[at(op)])),
        ],
    );
    results.insert(format!("postgres: persist {n} children"), persists);
    let loads = race(
        rounds,
        per_round,
        &mut [
            ("nasc (dynamic)", &mut |_| {
                nasc.load("TodoList", "l").unwrap().unwrap();
            }),
            ("nasc (typed)", &mut |_| {
                nasc.get::<app::TodoList>("l").unwrap().unwrap();
            }),
            ("diesel", &mut |_| {
                nasc.with_connection(|c| diesel_load(c, "l")).unwrap();
            }),
            ("JsonStore", &mut |_| {
                json.load("TodoList", "l").unwrap().unwrap();
            }),
        ],
    );
    results.insert(format!("postgres: load {n} children"), loads);
}

/// The page of 100 lists beside hand-written diesel, and 100 lists by id at once beside
/// 100 single loads.
pub fn queries(results: &mut Results, admin_url: &str, rounds: usize, per_round: usize) {
    use crate::queries::{check_page, ids, lists, page_query, CHILDREN, PAGE};
    let scratch = Scratch::create(admin_url);
    let nasc = scratch.store();
    for list in lists() {
        persist(&nasc, &list);
    }
    let expected = nasc.with_connection(diesel_page).unwrap();
    check_page(&nasc, &expected);
    let query = page_query();
    let pages = race(
        rounds,
        per_round,
        &mut [
            ("nasc (typed)", &mut |_| {
                nasc.find::<app::TodoList>(&query).unwrap();
            }),
            ("nasc (dynamic)", &mut |_| {
                nasc.query("TodoList", &query).unwrap();
            }),
            ("diesel", &mut |_| {
                nasc.with_connection(diesel_page).unwrap();
            }),
        ],
    );
    results.insert(
        format!("postgres: find page of {PAGE}, {CHILDREN} children"),
        pages,
    );
    let ids = ids();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let many = race(
        rounds,
        per_round,
        &mut [
            ("get_many", &mut |_| {
                let found: Vec<Option<app::TodoList>> = nasc.get_many(&ids).unwrap();
                assert!(found.iter().all(Option::is_some));
            }),
            ("get, one by one", &mut |_| {
                for id in &ids {
                    nasc.get::<app::TodoList>(id).unwrap().unwrap();
                }
            }),
        ],
    );
    results.insert(format!("postgres: {PAGE} lists by id"), many);
}
