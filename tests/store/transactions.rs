//! Transactions across aggregates (`MappedStore::transaction`): saves, loads, queries and
//! the caller's own diesel statements on one connection, committed or rolled back together;
//! and the save modes that check existence (`insert`, `update`, `update_with`).

use crate::support::*;
use diesel::RunQueryDsl;
use nasc_runtime::{Error, MappedTransaction, Store};
use serde_json::{json, Value};

mod sales {
    nasc_runtime::schema!(
        schema = "tests/schemas/sales.schema.json",
        mapping = "tests/schemas/sales.mapping.json"
    );
}

fn order(id: &str, customer: &str, total: f64) -> Value {
    json!({"id": id, "customer": customer, "status": "draft", "total": total, "items": 1,
        "paid": false, "placedAt": "2026-01-02T03:04:05Z",
        "lines": [{"sku": "A-1", "qty": 2, "tags": [{"name": "red"}]}]})
}

fn typed(id: &str, customer: &str) -> sales::Order {
    serde_json::from_value(order(id, customer, 5.0)).unwrap()
}

/// The caller's own SQL on the transaction's connection.
fn execute(tx: &MappedTransaction<'_>, sql: &str) -> Result<usize, Error> {
    match tx {
        MappedTransaction::Sqlite(tx) => tx.with_connection(|c| diesel::sql_query(sql).execute(c)),
        #[cfg(feature = "postgres")]
        MappedTransaction::Postgres(tx) => {
            tx.with_connection(|c| diesel::sql_query(sql).execute(c))
        }
        #[cfg(feature = "mysql")]
        MappedTransaction::Mysql(tx) => tx.with_connection(|c| diesel::sql_query(sql).execute(c)),
        _ => unreachable!("every backend is a variant"),
    }
}

fn seeded(b: &Backend) -> TestDb {
    let store = b.store(sales::registry());
    for id in ["a", "b"] {
        let value = order(id, "before", 1.0);
        store.persist("Order", id, &value, &value).unwrap();
    }
    store
}

/// Two saves (one typed, one dynamic), a delete and a diesel `UPDATE`, then an error: all of
/// it is rolled back, and what the transaction read was its own writes.
pub fn a_failed_transaction_leaves_everything_untouched(b: &Backend) {
    let store = seeded(b);
    let before: Vec<Option<Value>> = store.load_many("Order", &["a", "b", "c"]).unwrap();
    let update = format!(
        "UPDATE {} SET {} = 99 WHERE {} = 'b'",
        store.quote("orders"),
        store.quote("total"),
        store.quote("id")
    );
    let result: Result<(), Error> = store.transaction(|tx| {
        tx.save(&typed("a", "inside"))?;
        let c = order("c", "inside", 3.0);
        tx.persist("Order", "c", &c, &c)?;
        assert_eq!(execute(&tx, &update)?, 1);
        // The transaction reads what it wrote.
        assert_eq!(tx.get::<sales::Order>("a")?.unwrap().customer, "inside");
        assert_eq!(tx.load("Order", "b")?.unwrap()["total"], json!(99.0));
        assert_eq!(
            tx.query_count("Order", &json!({"where": {"customer": "inside"}}))?,
            2
        );
        assert!(tx.delete("Order", "b")?);
        Err(Error::Unsupported {
            store: "the test",
            operation: "go on",
        })
    });
    assert!(
        matches!(result, Err(Error::Unsupported { .. })),
        "{result:?}"
    );
    assert_eq!(store.load_many("Order", &["a", "b", "c"]).unwrap(), before);
    assert_eq!(store.count("order_lines"), 2);
}

/// What a transaction saves is stored when it returns `Ok`, and not visible to other
/// connections before.
pub fn a_transaction_commits_everything_together(b: &Backend) {
    let store = seeded(b);
    let other = store.reopen(sales::registry());
    let committed = store
        .transaction(|tx| {
            tx.save(&typed("a", "after"))?;
            tx.save(&typed("n", "new"))?;
            let page = tx.query(
                "Order",
                &json!({"where": {"customer": {"in": ["after", "new"]}}}),
            )?;
            assert_eq!(page.items.len(), 2);
            // Another connection still sees the state before.
            assert_eq!(other.load("Order", "n").unwrap(), None);
            Ok(page.items.len())
        })
        .unwrap();
    assert_eq!(committed, 2);
    assert_eq!(
        other.get::<sales::Order>("n").unwrap(),
        Some(typed("n", "new"))
    );
    assert_eq!(
        other.get::<sales::Order>("a").unwrap(),
        Some(typed("a", "after"))
    );
}

/// A call that fails inside a transaction leaves it as it was before the call (a
/// savepoint): the caller may go on, and what it saved before and after is committed.
pub fn a_failed_call_inside_a_transaction_is_undone_alone(b: &Backend) {
    let store = seeded(b);
    store
        .transaction(|tx| {
            tx.save(&typed("x", "first"))?;
            let bad = json!({"id": "y", "customer": 7});
            let refused = tx.persist("Order", "y", &bad, &bad);
            assert!(matches!(refused, Err(Error::Invalid { .. })), "{refused:?}");
            // A unique-key violation fails in the database: the savepoint undoes it.
            let duplicate = execute(
                &tx,
                &format!(
                    "INSERT INTO {} ({}, {}, {}, {}, {}, {}, {}) VALUES ('a', 'c', 'draft', 1, 1, {}, '2026-01-01 00:00:00')",
                    store.quote("orders"),
                    store.quote("id"),
                    store.quote("customer"),
                    store.quote("status"),
                    store.quote("total"),
                    store.quote("items"),
                    store.quote("paid"),
                    store.quote("placed_at"),
                    if b.kind == Kind::Postgres { "false" } else { "0" }
                ),
            );
            match &duplicate {
                Err(e @ Error::Transaction { .. }) => assert!(
                    e.to_string().contains("running the caller's statement in a transaction"),
                    "{e}"
                ),
                other => panic!("expected the caller's statement to fail: {other:?}"),
            }
            if b.kind == Kind::Postgres {
                // PostgreSQL aborts a transaction at its first error; the caller's own
                // statements are not savepoints.
                return Err(duplicate.unwrap_err());
            }
            tx.save(&typed("z", "last"))?;
            Ok(())
        })
        .map(|()| {
            assert!(store.load("Order", "x").unwrap().is_some());
            assert!(store.load("Order", "z").unwrap().is_some());
        })
        .or_else(|e| match b.kind {
            Kind::Postgres => {
                assert!(store.load("Order", "x").unwrap().is_none());
                Ok::<(), Error>(())
            }
            _ => panic!("{e}"),
        })
        .unwrap();
    assert!(store.load("Order", "y").unwrap().is_none());
}

/// A store call inside `with_connection` (whose connection it would need) is an error, not
/// a deadlock.
pub fn a_store_call_inside_with_connection_is_refused(b: &Backend) {
    if b.kind != Kind::Sqlite {
        return;
    }
    let store = seeded(b);
    let nested: Result<(), Error> = store.transaction(|tx| {
        let MappedTransaction::Sqlite(inner) = &tx else {
            return Ok(());
        };
        let result = inner.with_connection(|_| Ok(tx.load("Order", "a")))?;
        assert!(matches!(result, Err(Error::Pool { .. })), "{result:?}");
        Ok(())
    });
    nested.unwrap();
}

/// On SQLite, transactions from two threads take the write lock in turn: both commit.
pub fn concurrent_transactions_take_turns(b: &Backend) {
    if b.kind != Kind::Sqlite {
        // On PostgreSQL and MySQL a transaction does not lock what it reads.
        return;
    }
    let store = seeded(b);
    std::thread::scope(|scope| {
        for worker in 0..2 {
            let store = &store;
            scope.spawn(move || {
                for round in 0..10 {
                    store
                        .transaction(|tx| {
                            let mut a: sales::Order = tx.get("a")?.unwrap();
                            a.items += 1;
                            tx.save(&a)?;
                            tx.save(&typed(&format!("w{worker}r{round}"), "worker"))?;
                            Ok(())
                        })
                        .unwrap();
                }
            });
        }
    });
    let a: sales::Order = store.get("a").unwrap().unwrap();
    assert_eq!(a.items, 21, "no increment lost");
    assert_eq!(
        store
            .query_count("Order", &json!({"where": {"customer": "worker"}}))
            .unwrap(),
        20
    );
}

/// `insert` refuses a stored id, `update` a missing one, each writing nothing; `update_with`
/// loads, changes and saves.
pub fn save_modes_check_existence_atomically(b: &Backend) {
    let store = seeded(b);
    match store.insert(&typed("a", "again")) {
        Err(Error::Conflict {
            ty, id, message, ..
        }) => {
            assert_eq!((ty.as_str(), id.as_str()), ("Order", "a"));
            assert!(message.contains("stored already"), "{message}");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(
        store.get::<sales::Order>("a").unwrap().unwrap().customer,
        "before"
    );
    match store.update(&typed("nope", "x")) {
        Err(Error::NotFound { ty, id }) => {
            assert_eq!((ty.as_str(), id.as_str()), ("Order", "nope"))
        }
        other => panic!("expected not found, got {other:?}"),
    }
    assert_eq!(store.load("Order", "nope").unwrap(), None);
    store.insert(&typed("fresh", "new")).unwrap();
    let mut fresh = typed("fresh", "changed");
    fresh.lines.clear();
    store.update(&fresh).unwrap();
    assert_eq!(store.get::<sales::Order>("fresh").unwrap(), Some(fresh));
    let updated: sales::Order = store
        .update_with("a", |order: &mut sales::Order| {
            order.items += 41;
            Ok(())
        })
        .unwrap();
    assert_eq!(updated.items, 42);
    assert_eq!(store.get::<sales::Order>("a").unwrap().unwrap().items, 42);
    let missing = store.update_with("nope", |_: &mut sales::Order| Ok(()));
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "{missing:?}"
    );
    // Inside a transaction too.
    let refused = store.transaction(|tx| tx.insert(&typed("a", "inside")));
    assert!(
        matches!(refused, Err(Error::Conflict { .. })),
        "{refused:?}"
    );
}
