//! Side-by-side benchmark of nasc's stores on SQLite (WAL, `synchronous = NORMAL` unless
//! said otherwise) against raw rusqlite with cached statements and hand-written diesel, and
//! on PostgreSQL against hand-written diesel when `NASC_BENCH_POSTGRES_URL` is set (built
//! with the `postgres` feature).
//!
//! `cargo run --release -p nasc-bench -- --quick` prints a table and writes
//! `target/nasc-bench.json`. Contenders run in alternating rounds, so that the ratios
//! compare work done under the same machine load.

// (The report is one `json!` literal.)
#![recursion_limit = "256"]

use diesel::prelude::*;
use nasc_runtime::{JsonStore, MemoryStore, SqliteMappedStore, Store, StoreOptions};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

mod app {
    nasc_runtime::schema!(
        schema = "../schemas/app.schema.json",
        mapping = "../schemas/app.mapping.json",
        diesel_tables = true
    );
}
use app::tables::{todo_lists, todos};

/// Distinct states cycled through by the persist scenarios (consecutive saves differ).
const VERSIONS: usize = 64;

/// What the races measured, by scenario then contender: the median of all operations, and
/// the median of each round.
#[derive(Default)]
struct Results {
    medians: BTreeMap<String, BTreeMap<String, f64>>,
    rounds: BTreeMap<String, BTreeMap<String, Vec<f64>>>,
    /// Allocations per operation, by number of children, then by operation and contender.
    allocations: BTreeMap<usize, BTreeMap<String, f64>>,
}

impl Results {
    fn insert(&mut self, scenario: String, race: Race) {
        self.medians.insert(scenario.clone(), race.medians);
        self.rounds.insert(scenario, race.rounds);
    }

    /// The time ratio of contender `a` to `b` in `scenario`: the median over rounds of
    /// their ratio within each round, so that the machine's drift between rounds cancels.
    fn ratio(&self, scenario: &str, a: &str, b: &str) -> f64 {
        let rounds = &self.rounds[scenario];
        median(
            rounds[a]
                .iter()
                .zip(&rounds[b])
                .map(|(a, b)| a / b)
                .collect(),
        )
    }
}

/// One race's medians per contender: over all its operations, and per round.
struct Race {
    medians: BTreeMap<String, f64>,
    rounds: BTreeMap<String, Vec<f64>>,
}

impl std::ops::Index<&str> for Race {
    type Output = f64;

    fn index(&self, contender: &str) -> &f64 {
        &self.medians[contender]
    }
}

fn list(id: &str, n: usize, version: usize) -> Value {
    let items: Vec<Value> = (0..n)
        .map(|i| json!({"id": format!("{i}"), "title": format!("item {i} v{version}"), "completed": (i + version) % 2 == 0}))
        .collect();
    json!({"id": id, "items": items})
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Runs each contender `rounds` times `per_round` operations, alternating, and returns the
/// median seconds per operation of each, overall and per round. The contender that starts a
/// round rotates.
fn race(rounds: usize, per_round: usize, contenders: &mut [(&str, &mut dyn FnMut(usize))]) -> Race {
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
    let mut round_medians: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
    let mut op = 0;
    let count = contenders.len();
    for round in 0..rounds {
        // Each round starts with the next contender: going first after another one's round
        // costs more on a server (its backend process has gone cold), so no one keeps it.
        for k in 0..count {
            let i = (round + k) % count;
            let run = &mut contenders[i].1;
            let mut round = Vec::with_capacity(per_round);
            for _ in 0..per_round {
                op += 1;
                let start = Instant::now();
                run(op);
                round.push(start.elapsed().as_secs_f64());
            }
            samples[i].extend_from_slice(&round);
            round_medians[i].push(median(round));
        }
    }
    let names = || contenders.iter().map(|(name, _)| name.to_string());
    Race {
        medians: names().zip(samples.into_iter().map(median)).collect(),
        rounds: names().zip(round_medians).collect(),
    }
}

/// The floor's statements: the same SQL nasc runs.
const UPSERT_LIST: &str = "INSERT INTO \"todo_lists\" (\"id\") VALUES (?1) ON CONFLICT (\"id\") DO UPDATE SET \"id\" = excluded.\"id\"";
const UPDATE_TODO: &str = "UPDATE \"todos\" SET \"title\" = ?1, \"completed\" = ?2, \"nasc_position\" = ?3 WHERE \"todo_list_id\" = ?4 AND \"id\" = ?5";
const SELECT_LIST: &str = "SELECT \"id\" FROM \"todo_lists\" WHERE \"id\" = ?1";
const SELECT_TODOS: &str = "SELECT \"id\", \"title\", \"completed\" FROM \"todos\" WHERE \"todo_list_id\" = ?1 ORDER BY \"nasc_position\"";

/// The floor: rusqlite with cached statements, the same rows written in one transaction.
struct Raw {
    conn: rusqlite::Connection,
}

impl Raw {
    fn open(path: &std::path::Path, synchronous: &str) -> Raw {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.execute_batch(&format!("PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;"))
            .unwrap();
        Raw { conn }
    }

    /// Upserts the list and writes every child in place (as nasc does for changed children).
    fn persist(&mut self, value: &Value) {
        let tx = self.conn.transaction().unwrap();
        let id = value["id"].as_str().unwrap();
        tx.prepare_cached(UPSERT_LIST)
            .unwrap()
            .execute([id])
            .unwrap();
        {
            let mut update = tx.prepare_cached(UPDATE_TODO).unwrap();
            for (i, item) in value["items"].as_array().unwrap().iter().enumerate() {
                update
                    .execute(rusqlite::params![
                        item["title"].as_str(),
                        item["completed"].as_bool(),
                        i as i64,
                        id,
                        item["id"].as_str()
                    ])
                    .unwrap();
            }
        }
        tx.commit().unwrap();
    }

    /// The typed floor: the same writes, bound by reference from the typed struct.
    fn persist_typed(&mut self, list: &app::TodoList) {
        let tx = self.conn.transaction().unwrap();
        let id = list.id.as_str();
        tx.prepare_cached(UPSERT_LIST)
            .unwrap()
            .execute([id])
            .unwrap();
        {
            let mut update = tx.prepare_cached(UPDATE_TODO).unwrap();
            for (i, item) in list.items.iter().enumerate() {
                update
                    .execute(rusqlite::params![
                        item.title.as_str(),
                        item.completed,
                        i as i64,
                        id,
                        item.id.as_str()
                    ])
                    .unwrap();
            }
        }
        tx.commit().unwrap();
    }

    /// The typed load floor: the parent, then its children in order, decoded straight into
    /// the generated structs, in a read transaction with cached statements.
    fn load_typed(&mut self, id: &str) -> app::TodoList {
        let tx = self.conn.transaction().unwrap();
        let found: String = tx
            .prepare_cached(SELECT_LIST)
            .unwrap()
            .query_row([id], |r| r.get(0))
            .unwrap();
        let items: Vec<app::Todo> = {
            let mut select = tx.prepare_cached(SELECT_TODOS).unwrap();
            let rows = select
                .query_map([id], |r| {
                    Ok(app::Todo {
                        id: r.get(0)?,
                        title: r.get(1)?,
                        completed: r.get(2)?,
                    })
                })
                .unwrap();
            rows.map(Result::unwrap).collect()
        };
        tx.commit().unwrap();
        app::TodoList { id: found, items }
    }

    /// Loads the list as JSON: the parent, then its children in order.
    fn load(&mut self, id: &str) -> Value {
        let tx = self.conn.transaction().unwrap();
        let found: String = tx
            .prepare_cached(SELECT_LIST)
            .unwrap()
            .query_row([id], |r| r.get(0))
            .unwrap();
        let items: Vec<Value> = {
            let mut select = tx.prepare_cached(SELECT_TODOS).unwrap();
            let rows = select
                .query_map([id], |r| Ok(json!({"id": r.get::<_, String>(0)?, "title": r.get::<_, String>(1)?, "completed": r.get::<_, bool>(2)?})))
                .unwrap();
            rows.map(Result::unwrap).collect()
        };
        tx.commit().unwrap();
        json!({"id": found, "items": items})
    }
}

/// Hand-written diesel on the generated tables, doing the same writes and reads, for one
/// connection type (`$transaction` is how it opens a write transaction).
macro_rules! hand_written_diesel {
    ($persist:ident, $load:ident, $connection:ty, $transaction:ident) => {
        fn $persist(conn: &mut $connection, value: &serde_json::Value) {
            conn.$transaction::<_, diesel::result::Error, _>(|conn| {
                let id = value["id"].as_str().unwrap();
                diesel::insert_into(todo_lists::table)
                    .values(todo_lists::id.eq(id))
                    .on_conflict(todo_lists::id)
                    .do_update()
                    .set(todo_lists::id.eq(id))
                    .execute(conn)?;
                for (i, item) in value["items"].as_array().unwrap().iter().enumerate() {
                    diesel::update(
                        todos::table
                            .filter(todos::todo_list_id.eq(id))
                            .filter(todos::id.eq(item["id"].as_str().unwrap())),
                    )
                    .set((
                        todos::title.eq(item["title"].as_str().unwrap()),
                        todos::completed.eq(item["completed"].as_bool().unwrap()),
                        todos::nasc_position.eq(i as i64),
                    ))
                    .execute(conn)?;
                }
                Ok(())
            })
            .unwrap();
        }

        fn $load(conn: &mut $connection, id: &str) -> app::TodoList {
            conn.transaction::<_, diesel::result::Error, _>(|conn| {
                let id: String = todo_lists::table
                    .filter(todo_lists::id.eq(id))
                    .select(todo_lists::id)
                    .first(conn)?;
                let items = todos::table
                    .filter(todos::todo_list_id.eq(&id))
                    .order(todos::nasc_position)
                    .select((todos::id, todos::title, todos::completed))
                    .load::<(String, String, bool)>(conn)?
                    .into_iter()
                    .map(|(id, title, completed)| app::Todo {
                        id,
                        title,
                        completed,
                    })
                    .collect();
                Ok(app::TodoList { id, items })
            })
            .unwrap()
        }
    };
}

hand_written_diesel!(
    diesel_persist,
    diesel_load,
    SqliteConnection,
    immediate_transaction
);

mod allocations;
mod compile_time;
mod queries;
mod service;
mod shared_values;

#[global_allocator]
static ALLOCATOR: allocations::Counting = allocations::Counting;
#[cfg(feature = "postgres")]
mod postgres;

/// The variable naming the PostgreSQL server the bench also runs on.
const POSTGRES_URL_VARIABLE: &str = "NASC_BENCH_POSTGRES_URL";

/// The PostgreSQL runs, or why there are none.
fn postgres_runs(results: &mut Results, rounds: usize, per_round: usize) -> Result<(), String> {
    let Ok(url) = std::env::var(POSTGRES_URL_VARIABLE) else {
        return Err(format!("{POSTGRES_URL_VARIABLE} is not set"));
    };
    #[cfg(feature = "postgres")]
    {
        postgres::run(results, &url, 10, rounds, per_round);
        postgres::run(results, &url, 100, rounds, per_round / 4);
        postgres::queries(results, &url, rounds, per_round / 20);
        Ok(())
    }
    #[cfg(not(feature = "postgres"))]
    {
        let _ = (results, rounds, per_round);
        Err(format!(
            "{POSTGRES_URL_VARIABLE} is set to {url}, but the bench was built without its `postgres` feature"
        ))
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    nasc: SqliteMappedStore,
    raw: Raw,
    /// The typed floor, on a connection of its own.
    raw_typed: Raw,
    diesel: SqliteConnection,
    json: JsonStore,
    memory: MemoryStore,
    /// nasc with a change log, on a file of its own.
    logged: SqliteMappedStore,
}

fn setup(synchronous: &str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    let options = StoreOptions {
        max_size: 1,
        ..StoreOptions::default()
    };
    let nasc =
        SqliteMappedStore::connect_with(path.to_str().unwrap(), app::registry(), options).unwrap();
    nasc.with_connection(|c| {
        diesel::connection::SimpleConnection::batch_execute(
            c,
            &format!("PRAGMA synchronous = {synchronous}"),
        )
        .unwrap()
    })
    .unwrap();
    let raw = Raw::open(&path, synchronous);
    let raw_typed = Raw::open(&path, synchronous);
    let mut diesel = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    diesel::connection::SimpleConnection::batch_execute(
        &mut diesel,
        &format!("PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;"),
    )
    .unwrap();
    let json = JsonStore::connect(dir.path().join("json.db").to_str().unwrap()).unwrap();
    // The same store with a change log, on a file of its own with the same settings.
    let options = StoreOptions {
        max_size: 1,
        change_log: true,
        ..StoreOptions::default()
    };
    let logged = SqliteMappedStore::connect_with(
        dir.path().join("logged.db").to_str().unwrap(),
        app::registry(),
        options,
    )
    .unwrap();
    logged
        .with_connection(|c| {
            diesel::connection::SimpleConnection::batch_execute(
                c,
                &format!("PRAGMA synchronous = {synchronous}"),
            )
            .unwrap()
        })
        .unwrap();
    Setup {
        _dir: dir,
        nasc,
        logged,
        raw,
        raw_typed,
        diesel,
        json,
        memory: MemoryStore::new(),
    }
}

/// The states a persist scenario cycles through, made before the clock runs: every save
/// changes every child.
struct States {
    versions: Vec<Value>,
    typed: Vec<app::TodoList>,
    /// The diffs a processor makes from each state to the next: every child's position.
    diffs: Vec<Value>,
}

impl States {
    fn of(n: usize) -> States {
        let versions: Vec<Value> = (1..=VERSIONS).map(|v| list("l", n, v)).collect();
        let typed = versions
            .iter()
            .map(|v| serde_json::from_value(v.clone()).unwrap())
            .collect();
        let diffs = (0..VERSIONS)
            .map(|i| {
                nasc_runtime::diff(&versions[(i + VERSIONS - 1) % VERSIONS], &versions[i])
                    .unwrap()
                    .to_value()
            })
            .collect();
        States {
            versions,
            typed,
            diffs,
        }
    }
}

fn persist(store: &dyn Store, value: &Value) {
    let id = value["id"].as_str().unwrap();
    store.persist("TodoList", id, value, value).unwrap();
}

/// Saving and loading a list of `n` children, every child changed at each save.
fn whole_aggregate(
    results: &mut Results,
    n: usize,
    rounds: usize,
    per_round: usize,
    synchronous: &str,
) {
    let mut s = setup(synchronous);
    for store in [&s.nasc as &dyn Store, &s.json, &s.memory, &s.logged] {
        persist(store, &list("l", n, 0));
    }
    let (nasc, json, memory, logged) = (&s.nasc, &s.json, &s.memory, &s.logged);
    let (raw, raw_typed, diesel) = (&mut s.raw, &mut s.raw_typed, &mut s.diesel);
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
            ("nasc (dynamic)", &mut |op| persist(nasc, &versions[at(op)])),
            ("nasc (processor diff)", &mut |op| {
                nasc.persist("TodoList", "l", &diffs[at(op)], &versions[at(op)])
                    .unwrap()
            }),
            ("nasc (typed)", &mut |op| nasc.save(&typed[at(op)]).unwrap()),
            ("nasc (typed, change log)", &mut |op| {
                logged.save(&typed[at(op)]).unwrap()
            }),
            ("nasc (processor diff, change log)", &mut |op| {
                logged
                    .persist("TodoList", "l", &diffs[at(op)], &versions[at(op)])
                    .unwrap()
            }),
            ("rusqlite", &mut |op| raw.persist(&versions[at(op)])),
            ("rusqlite (typed)", &mut |op| {
                raw_typed.persist_typed(&typed[at(op)])
            }),
            ("diesel", &mut |op| {
                diesel_persist(diesel, &versions[at(op)])
            }),
            ("JsonStore", &mut |op| persist(json, &versions[at(op)])),
            ("MemoryStore", &mut |op| persist(memory, &versions[at(op)])),
        ],
    );
    let suffix = if synchronous == "NORMAL" {
        String::new()
    } else {
        format!(", synchronous={synchronous}")
    };
    results.insert(format!("persist {n} children{suffix}"), persists);
    if synchronous != "NORMAL" {
        return;
    }
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
            ("rusqlite", &mut |_| {
                raw.load("l");
            }),
            ("rusqlite (typed)", &mut |_| {
                raw_typed.load_typed("l");
            }),
            ("diesel", &mut |_| {
                diesel_load(diesel, "l");
            }),
            ("JsonStore", &mut |_| {
                json.load("TodoList", "l").unwrap().unwrap();
            }),
            ("MemoryStore", &mut |_| {
                memory.load("TodoList", "l").unwrap().unwrap();
            }),
        ],
    );
    results.insert(format!("load {n} children"), loads);
    if synchronous == "NORMAL" && (n == 10 || n == 100) {
        // Allocations per operation (the same states as the races, after them: statements
        // are prepared, caches warm).
        const RUNS: usize = 200;
        let mut counts = BTreeMap::new();
        let mut count = |name: &str, operation: &mut dyn FnMut(usize)| {
            counts.insert(name.to_owned(), allocations::per_operation(RUNS, operation));
        };
        count("persist nasc (typed)", &mut |op| {
            nasc.save(&typed[at(op)]).unwrap()
        });
        count("persist nasc (dynamic)", &mut |op| {
            persist(nasc, &versions[at(op)])
        });
        count("persist rusqlite (typed)", &mut |op| {
            raw_typed.persist_typed(&typed[at(op)])
        });
        count("persist diesel", &mut |op| {
            diesel_persist(diesel, &versions[at(op)])
        });
        count("load nasc (typed)", &mut |_| {
            nasc.get::<app::TodoList>("l").unwrap().unwrap();
        });
        count("load nasc (dynamic)", &mut |_| {
            nasc.load("TodoList", "l").unwrap().unwrap();
        });
        count("load rusqlite (typed)", &mut |_| {
            raw_typed.load_typed("l");
        });
        count("load diesel", &mut |_| {
            diesel_load(diesel, "l");
        });
        results.allocations.insert(n, counts);
    }
}

/// One child of `n` changes per save, with the processor's diff (naming the changed
/// position) and with a whole-array diff; also a reorder and a no-op save at `n` = 10.
/// Returns the medians by `n` of both.
fn one_child_change(
    results: &mut Results,
    sizes: &[usize],
    rounds: usize,
    per_round: usize,
) -> (BTreeMap<String, f64>, BTreeMap<String, f64>) {
    let mut by_size = BTreeMap::new();
    let mut whole_array = BTreeMap::new();
    for &n in sizes {
        let s = setup("NORMAL");
        let mut value = list("l", n, 0);
        persist(&s.nasc, &value);
        // The diff as the processor makes it names the changed position: that row alone is
        // validated and written. (The whole-array diff makes the store compare every child.)
        let mut positioned = |op: usize| {
            let at = op % n;
            value["items"][at]["title"] = Value::String(format!("positioned {op}"));
            let diff = json!({ "$positions": { "items": [at] } });
            s.nasc.persist("TodoList", "l", &diff, &value).unwrap();
        };
        let medians = race(
            rounds,
            per_round,
            &mut [("nasc, diff with positions", &mut positioned)],
        );
        by_size.insert(n.to_string(), medians["nasc, diff with positions"]);
        results.insert(format!("change 1 child of {n}"), medians);
        let mut value = list("l", n, 0);
        persist(&s.nasc, &value);
        let mut whole = |op: usize| {
            value["items"][op % n]["title"] = Value::String(format!("changed {op}"));
            persist(&s.nasc, &value);
        };
        let medians = race(
            rounds,
            per_round,
            &mut [("nasc, whole-array diff", &mut whole)],
        );
        whole_array.insert(n.to_string(), medians["nasc, whole-array diff"]);
        results.insert(format!("change 1 child of {n}, whole-array diff"), medians);
    }
    let s = setup("NORMAL");
    let mut value = list("l", 10, 0);
    persist(&s.nasc, &value);
    let reorder = race(
        rounds,
        per_round,
        &mut [("nasc (dynamic)", &mut |_| {
            value["items"].as_array_mut().unwrap().reverse();
            persist(&s.nasc, &value);
        })],
    );
    results.insert("reorder 10 children".into(), reorder);
    let same = list("l", 10, 0);
    let noop = race(
        rounds,
        per_round,
        &mut [("nasc (dynamic)", &mut |_| persist(&s.nasc, &same))],
    );
    results.insert("no-op persist, 10 children".into(), noop);
    (by_size, whole_array)
}

fn main() {
    // `--profile persist|persist-diff|persist-typed|load|load-typed|find-typed|find-diesel`:
    // only nasc's dynamic persist (whole-state diff or the processor's), its typed save, its
    // dynamic or typed load, of 10 children, or a typed page of 100 lists (nasc's, or
    // hand-written diesel's), for a profiler to look at.
    let args: Vec<String> = std::env::args().collect();
    if let Some(what) = args
        .iter()
        .position(|a| a == "--profile")
        .and_then(|i| args.get(i + 1))
    {
        let s = setup("NORMAL");
        let States {
            versions,
            diffs,
            typed,
        } = States::of(10);
        persist(&s.nasc, &versions[0]);
        if what == "find-typed" || what == "find-diesel" {
            for list in queries::lists() {
                persist(&s.nasc, &list);
            }
            let mut diesel = s.diesel;
            for _ in 0..2_000 {
                match what.as_str() {
                    "find-typed" => drop(
                        s.nasc
                            .find::<app::TodoList>(&queries::page_query())
                            .unwrap(),
                    ),
                    _ => drop(queries::diesel_page(&mut diesel)),
                }
            }
            return;
        }
        for op in 0..20_000 {
            let at = op % VERSIONS;
            match what.as_str() {
                "load" => drop(s.nasc.load("TodoList", "l").unwrap()),
                "load-typed" => drop(s.nasc.get::<app::TodoList>("l").unwrap()),
                "persist-typed" => s.nasc.save(&typed[at]).unwrap(),
                "persist-diff" => s
                    .nasc
                    .persist("TodoList", "l", &diffs[at], &versions[at])
                    .unwrap(),
                _ => persist(&s.nasc, &versions[at]),
            }
        }
        return;
    }
    if args.iter().any(|a| a == "--compile-time") {
        compile_time::run();
        return;
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let (rounds, per_round) = if quick { (8, 40) } else { (21, 100) };
    let started = Instant::now();
    let mut results = Results::default();
    whole_aggregate(&mut results, 10, rounds, per_round, "NORMAL");
    whole_aggregate(&mut results, 100, rounds, per_round / 4, "NORMAL");
    whole_aggregate(&mut results, 10, rounds, per_round / 4, "FULL");
    let sizes: &[usize] = &[10, 100, 1_000, 10_000];
    let (one_child, one_child_whole_array) =
        one_child_change(&mut results, sizes, rounds, per_round / 4);
    queries::sqlite(&mut results, rounds, per_round / 10);
    service::run(&mut results, rounds, per_round / 10);
    let (shared_bytes, inline_bytes) = shared_values::sqlite(&mut results, rounds, per_round / 10);
    let postgres = postgres_runs(&mut results, rounds, per_round);
    if let Err(why) = &postgres {
        println!("PostgreSQL skipped: {why}");
    }

    println!(
        "{:<34} {:>16} {:>13} {:>11}",
        "scenario", "contender", "median µs", "ops/s"
    );
    for (scenario, contenders) in &results.medians {
        for (name, seconds) in contenders {
            println!(
                "{:<34} {:>16} {:>13.1} {:>11.0}",
                scenario,
                name,
                seconds * 1e6,
                1.0 / seconds
            );
        }
    }
    let m = |scenario: &str, contender: &str| results.medians[scenario][contender];
    let ratio = |scenario: &str, a: &str, b: &str| results.ratio(scenario, a, b);
    let report = json!({
        "persist_vs_rusqlite": ratio("persist 10 children", "nasc (dynamic)", "rusqlite"),
        "persist_processor_diff_vs_rusqlite": ratio("persist 10 children", "nasc (processor diff)", "rusqlite"),
        "persist_typed_vs_rusqlite": ratio("persist 10 children", "nasc (typed)", "rusqlite (typed)"),
        "persist_vs_rusqlite_100": ratio("persist 100 children", "nasc (dynamic)", "rusqlite"),
        "persist_typed_vs_rusqlite_100": ratio("persist 100 children", "nasc (typed)", "rusqlite (typed)"),
        "load_vs_rusqlite": ratio("load 10 children", "nasc (dynamic)", "rusqlite"),
        "load_vs_floor": ratio("load 10 children", "nasc (dynamic)", "rusqlite"),
        "load_vs_floor_100": ratio("load 100 children", "nasc (dynamic)", "rusqlite"),
        "load_typed_vs_floor": ratio("load 10 children", "nasc (typed)", "rusqlite (typed)"),
        "load_typed_vs_floor_100": ratio("load 100 children", "nasc (typed)", "rusqlite (typed)"),
        "load_typed_vs_diesel": ratio("load 10 children", "nasc (typed)", "diesel"),
        "load_typed_vs_diesel_100": ratio("load 100 children", "nasc (typed)", "diesel"),
        "load_typed_floor": m("load 10 children", "rusqlite (typed)"),
        "load_typed_floor_100": m("load 100 children", "rusqlite (typed)"),
        "load_typed_floor_vs_diesel": ratio("load 10 children", "rusqlite (typed)", "diesel"),
        "allocs_per_typed_persist_10": results.allocations[&10]["persist nasc (typed)"],
        "allocs_per_typed_load_10": results.allocations[&10]["load nasc (typed)"],
        "allocations_per_operation_10": results.allocations[&10],
        "allocations_per_operation_100": results.allocations[&100],
        // What one more child row costs each contender (from 10 to 100 children).
        "allocations_per_child_row": results.allocations[&10]
            .keys()
            .map(|k| (k.clone(), (results.allocations[&100][k] - results.allocations[&10][k]) / 90.0))
            .collect::<BTreeMap<_, _>>(),
        "persist_vs_diesel": ratio("persist 10 children", "nasc (dynamic)", "diesel"),
        "find_page_vs_diesel": ratio("find page of 100, 10 children", "nasc (typed)", "diesel"),
        "find_page_dynamic_vs_diesel": ratio("find page of 100, 10 children", "nasc (dynamic)", "diesel"),
        // Time ratios (below 1: AsyncStore faster), and requests per second, of an HTTP
        // service's handlers on AsyncStore beside the same ones through spawn_blocking.
        "async_vs_spawn_blocking": service::CLIENTS.iter().flat_map(|clients| {
            ["get", "save"].map(|operation| {
                let scenario = service::scenario(operation, *clients);
                (
                    format!("async_vs_spawn_blocking_{operation}_{clients}"),
                    json!({
                        "ratio": ratio(&scenario, "AsyncStore", "spawn_blocking"),
                        "requests_per_second_async": service::REQUESTS as f64 / m(&scenario, "AsyncStore"),
                        "requests_per_second_spawn_blocking": service::REQUESTS as f64 / m(&scenario, "spawn_blocking"),
                    }),
                )
            })
        }).collect::<serde_json::Map<_, _>>(),
        "one_child_change_seconds": one_child,
        "one_child_10000_vs_10": one_child["10000"] / one_child["10"],
        "one_child_change_seconds_whole_array_diff": one_child_whole_array,
        "one_child_10000_vs_10_whole_array_diff": one_child_whole_array["10000"] / one_child_whole_array["10"],
        "full_vs_normal": m("persist 10 children, synchronous=FULL", "nasc (dynamic)") / m("persist 10 children", "nasc (dynamic)"),
        "change_log_typed_vs_without": ratio("persist 10 children", "nasc (typed, change log)", "nasc (typed)"),
        "change_log_diff_vs_without": ratio("persist 10 children", "nasc (processor diff, change log)", "nasc (processor diff)"),
        // 50 documents each holding the same 256 KiB attachment: stored once by hash
        // (`shareBinaryOver`) beside in each row (time ratios below 1: sharing faster).
        "shared_values": {
            "save_vs_inline": ratio(shared_values::SAVE, shared_values::SHARED, shared_values::INLINE),
            "load_vs_inline": ratio(shared_values::LOAD, shared_values::SHARED, shared_values::INLINE),
            "database_bytes_shared": shared_bytes,
            "database_bytes_inline": inline_bytes,
        },
        "postgres": match &postgres {
            Ok(()) => json!({
                "persist_vs_diesel": ratio("postgres: persist 10 children", "nasc (dynamic)", "diesel"),
                "persist_processor_diff_vs_diesel": ratio("postgres: persist 10 children", "nasc (processor diff)", "diesel"),
                "change_log_typed_vs_without": ratio("postgres: persist 10 children", "nasc (typed, change log)", "nasc (typed)"),
                "load_vs_diesel": ratio("postgres: load 10 children", "nasc (dynamic)", "diesel"),
                "load_typed_vs_diesel": ratio("postgres: load 10 children", "nasc (typed)", "diesel"),
                "load_typed_vs_diesel_100": ratio("postgres: load 100 children", "nasc (typed)", "diesel"),
                "find_page_vs_diesel": ratio("postgres: find page of 100, 10 children", "nasc (typed)", "diesel"),
                "find_page_dynamic_vs_diesel": ratio("postgres: find page of 100, 10 children", "nasc (dynamic)", "diesel"),
                "get_many_100_vs_get_100": ratio("postgres: 100 lists by id", "get_many", "get, one by one"),
            }),
            Err(why) => json!({ "skipped": why }),
        },
        "medians_seconds": results.medians,
        "quick": quick,
        "elapsed_seconds": started.elapsed().as_secs_f64(),
    });
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/nasc-bench.json");
    std::fs::write(&target, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    println!("\n{}", serde_json::to_string_pretty(&json!({
        "persist_vs_rusqlite": report["persist_vs_rusqlite"], "persist_typed_vs_rusqlite": report["persist_typed_vs_rusqlite"],
        "persist_processor_diff_vs_rusqlite": report["persist_processor_diff_vs_rusqlite"],
        "persist_vs_rusqlite_100": report["persist_vs_rusqlite_100"], "persist_typed_vs_rusqlite_100": report["persist_typed_vs_rusqlite_100"],
        "load_vs_floor": report["load_vs_floor"], "load_vs_floor_100": report["load_vs_floor_100"],
        "load_typed_vs_floor": report["load_typed_vs_floor"], "load_typed_vs_floor_100": report["load_typed_vs_floor_100"],
        "load_typed_vs_diesel": report["load_typed_vs_diesel"], "load_typed_vs_diesel_100": report["load_typed_vs_diesel_100"],
        "load_typed_floor_vs_diesel": report["load_typed_floor_vs_diesel"],
        "allocations_per_operation_10": report["allocations_per_operation_10"],
        "allocations_per_child_row": report["allocations_per_child_row"],
        "persist_vs_diesel": report["persist_vs_diesel"],
        "find_page_vs_diesel": report["find_page_vs_diesel"],
        "find_page_dynamic_vs_diesel": report["find_page_dynamic_vs_diesel"],
        "one_child_10000_vs_10": report["one_child_10000_vs_10"],
        "one_child_10000_vs_10_whole_array_diff": report["one_child_10000_vs_10_whole_array_diff"],
        "full_vs_normal": report["full_vs_normal"],
        "shared_values": report["shared_values"],
        "postgres": report["postgres"],
    })).unwrap());
    println!(
        "written to {} in {:.0?}",
        target.display(),
        Duration::from_secs_f64(report["elapsed_seconds"].as_f64().unwrap())
    );
}
