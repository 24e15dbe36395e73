//! A shop service on the mapped store: orders placed in transactions that reserve stock,
//! then listed, filtered and paginated the way an API would.
//!
//! ```sh
//! cargo run --example shop            # SQLite in shop.db, made afresh
//! cargo run --example shop --features postgres -- postgres://user@host/an_empty_database
//! ```

use nasc_runtime::{Error, MappedStore, Store};
use serde_json::json;

mod shop {
    nasc_runtime::schema!(
        schema = "schemas/shop.schema.json",
        mapping = "schemas/shop.mapping.json"
    );
}
use shop::{Order, OrderLine, OrderStatus, Stock};

/// Places an order: the stock of every line is reserved and the order inserted in one
/// transaction, or nothing is written. The order comes back with the key made for it (a
/// UUID v7: the mapping says `"generated": "uuid"`).
fn place(store: &MappedStore, order: &Order) -> Result<Order, Error> {
    store.transaction(|tx| {
        for line in &order.lines {
            let mut stock: Stock = tx.get(&line.sku)?.ok_or_else(|| out_of_stock(&line.sku))?;
            if stock.available < line.quantity {
                return Err(out_of_stock(&line.sku));
            }
            stock.available -= line.quantity;
            tx.save(&stock)?;
        }
        tx.insert(order)
    })
}

fn out_of_stock(sku: &str) -> Error {
    Error::Conflict {
        ty: "Stock".into(),
        id: sku.into(),
        pointer: "/available".into(),
        message: "not enough in stock".into(),
    }
}

/// One page of a customer's orders in a status, newest first: what `GET
/// /customers/{customer}/orders?status=...&cursor=...` would return.
fn list(
    store: &MappedStore,
    customer: &str,
    status: &str,
    cursor: Option<&str>,
) -> Result<nasc_runtime::Page<Order>, Error> {
    let mut query = json!({
        "where": {"customer": customer, "status": status, "lines": {"some": {"quantity": {"gte": 1}}}},
        "orderBy": [{"placedAt": "desc"}],
        "take": 4,
    });
    if let Some(cursor) = cursor {
        query["cursor"] = json!(cursor);
    }
    store.find::<Order>(&query)
}

/// The last characters of a key (its random part), enough to tell orders apart in the
/// output.
fn short(id: &str) -> String {
    id.chars()
        .skip(id.chars().count().saturating_sub(8))
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).unwrap_or_else(|| {
        let _ = std::fs::remove_file("shop.db");
        "sqlite://shop.db".into()
    });
    let store = MappedStore::connect(&url, shop::registry())?;
    for (sku, available) in [("tea", 40), ("cup", 12), ("pot", 1)] {
        store.save(&Stock {
            sku: sku.into(),
            available,
        })?;
    }
    let mut placed_ids = Vec::new();
    for i in 0..24 {
        let customer = ["ada", "bob", "cy"][i % 3];
        let sku = ["tea", "cup"][i % 2];
        let order = Order {
            id: String::new(), // made on insert
            customer: customer.into(),
            status: if i % 4 == 0 {
                OrderStatus::Placed
            } else {
                OrderStatus::Paid
            },
            total: 4.5 * (i + 1) as f64,
            placed_at: format!("2026-11-{:02}T09:00:00Z", i + 1).parse()?,
            note: None,
            lines: vec![OrderLine {
                sku: sku.into(),
                quantity: 1,
                price: 4.5,
            }],
        };
        let placed = place(&store, &order)?;
        placed_ids.push(placed.id);
    }
    // Two pots, one in stock: refused, and nothing of it is written.
    let greedy = Order {
        id: String::new(),
        customer: "ada".into(),
        status: OrderStatus::Placed,
        total: 60.0,
        placed_at: "2026-11-30T12:00:00Z".parse()?,
        note: None,
        lines: vec![
            OrderLine {
                sku: "tea".into(),
                quantity: 1,
                price: 4.5,
            },
            OrderLine {
                sku: "pot".into(),
                quantity: 2,
                price: 27.75,
            },
        ],
    };
    println!("place greedy: {}", place(&store, &greedy).unwrap_err());
    println!(
        "tea left: {}",
        store.get::<Stock>("tea")?.map_or(0, |s| s.available)
    );

    let mut cursor = None;
    for page in 1.. {
        let found = list(&store, "ada", "paid", cursor.as_deref())?;
        let ids: Vec<String> = found.items.iter().map(|o| short(&o.id)).collect();
        println!("ada's paid orders, page {page}: {ids:?}");
        match found.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let placed = store.count::<Order>(&json!({"where": {"status": "placed"}}))?;
    println!("orders placed, not paid yet: {placed}");
    // Typed filters and measures, checked by the compiler.
    let adas_paid = Order::CUSTOMER
        .eq("ada")
        .and(Order::STATUS.eq(OrderStatus::Paid));
    let spent: Option<f64> = store.measure(Order::TOTAL.sum(), adas_paid.clone())?;
    let last = store.measure(Order::PLACED_AT.max(), adas_paid)?;
    println!("ada paid {spent:?} in all, last on {last:?}");
    let asked = [placed_ids[3].as_str(), "nope", placed_ids[1].as_str()];
    let some: Vec<Option<Order>> = store.get_many(&asked)?;
    println!(
        "by id: {:?}",
        some.iter()
            .map(|o| o.as_ref().map(|o| o.total))
            .collect::<Vec<_>>()
    );
    Ok(())
}
