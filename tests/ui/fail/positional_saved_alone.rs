mod orders {
    nasc_runtime::schema!(
        schema = "tests/schemas/orders.schema.json",
        mapping = "tests/schemas/orders.mapping.json"
    );
}
use nasc_runtime::Store;

fn main() {
    let store = nasc_runtime::MemoryStore::new();
    let line = orders::OrderLine { sku: "A".into(), quantity: 1, note: None };
    // An order line has no id: it is stored in its order's array, never on its own.
    let _ = store.save(&line);
}
