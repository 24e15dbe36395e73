//! The typed query builder checks property names and value types at compile time.
use nasc_runtime::query::Query;

nasc_runtime::schema!(schema = "schemas/shop.schema.json", mapping = "schemas/shop.mapping.json");

fn main() {
    // A misspelt property.
    let _ = Query::<Order>::new().filter(Order::CUSTOMR.eq("ada"));
    // A value of the wrong type.
    let _ = Query::<Order>::new().filter(Order::TOTAL.gte("ten"));
    // A text test on a number.
    let _ = Query::<Order>::new().filter(Order::TOTAL.contains("1"));
    // A sum of text.
    let _ = Order::CUSTOMER.sum();
    // A filter of another entity.
    let _ = Query::<Order>::new().filter(OrderLine::SKU.eq("tea"));
}
