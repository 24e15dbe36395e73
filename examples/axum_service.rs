//! An HTTP service on nasc's async store: orders created, read, listed with filters and
//! pages, updated and deleted, with nasc's errors as HTTP statuses.
//!
//! ```sh
//! cargo run --example axum_service                 # SQLite in orders_service.db, port 3000
//! DATABASE_URL=postgres://... PORT=8080 cargo run --example axum_service --features postgres
//! curl -X POST localhost:3000/orders -H 'content-type: application/json' \
//!   -d '{"id": "", "customer": "ada", "status": "placed", "total": 4.5,
//!        "placedAt": "2026-11-01T09:00:00Z", "lines": [{"sku": "tea", "quantity": 1, "price": 4.5}]}'
//! curl 'localhost:3000/orders?customer=ada&status=placed&take=10'
//! ```
//!
//! | status | when |
//! |---|---|
//! | 422 | the body or the query does not fit the schema (`Error::Invalid`, `InvalidQuery`) |
//! | 409 | the id is taken, a unique key clashes, or another writer saved first (`Conflict`, `VersionConflict`) |
//! | 404 | no such order (`NotFound`) |
//! | 503 | no database connection within the pool's timeout (`Error::Pool`) |
//! | 500 | anything else (the message is logged, not sent) |

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use nasc_runtime::{AsyncStore, Error};
use serde::Deserialize;
use serde_json::{json, Value};

mod shop {
    nasc_runtime::schema!(
        schema = "schemas/shop.schema.json",
        mapping = "schemas/shop.mapping.json"
    );
}
use shop::Order;

/// The service's routes over `store`.
pub fn router(store: AsyncStore) -> Router {
    Router::new()
        .route("/orders", get(list).post(create))
        .route("/orders/{id}", get(read).put(update).delete(remove))
        .with_state(store)
}

/// A nasc error as an HTTP response: its status, and `{"error": message}`.
pub struct Failure(Error);

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure(error)
    }
}

/// The HTTP status of a nasc error.
pub fn status_of(error: &Error) -> StatusCode {
    match error {
        Error::Invalid { .. } | Error::InvalidQuery { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        Error::Conflict { .. } | Error::VersionConflict { .. } => StatusCode::CONFLICT,
        Error::NotFound { .. } => StatusCode::NOT_FOUND,
        Error::Pool { .. } => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let status = status_of(&self.0);
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            eprintln!("orders: {}", self.0);
            "internal error".to_owned()
        } else {
            self.0.to_string()
        };
        (status, Json(json!({ "error": message }))).into_response()
    }
}

/// `POST /orders`: a new order (its `id` made by nasc when empty): 201 with it as stored.
async fn create(
    State(store): State<AsyncStore>,
    Json(body): Json<Value>,
) -> Result<(StatusCode, Json<Value>), Failure> {
    // Through JSON, so that a body the schema refuses is a 422 naming its pointer.
    let stored = store.insert_document("Order", body).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// `GET /orders/{id}`.
async fn read(
    State(store): State<AsyncStore>,
    Path(id): Path<String>,
) -> Result<Json<Order>, Failure> {
    match store.get::<Order>(id.clone()).await? {
        Some(order) => Ok(Json(order)),
        None => Err(not_found(id)),
    }
}

/// The filters and page of `GET /orders`.
#[derive(Debug, Deserialize)]
pub struct Listing {
    customer: Option<String>,
    status: Option<String>,
    take: Option<u64>,
    cursor: Option<String>,
}

/// `GET /orders?customer=&status=&take=&cursor=`: a page of orders, newest first, and the
/// cursor of the next one.
async fn list(
    State(store): State<AsyncStore>,
    Query(listing): Query<Listing>,
) -> Result<Json<Value>, Failure> {
    let mut filter = serde_json::Map::new();
    if let Some(customer) = listing.customer {
        filter.insert("customer".into(), json!(customer));
    }
    if let Some(status) = listing.status {
        filter.insert("status".into(), json!(status));
    }
    let mut query = json!({"where": filter, "orderBy": [{"placedAt": "desc"}],
        "take": listing.take.unwrap_or(20).min(100)});
    if let Some(cursor) = listing.cursor {
        query["cursor"] = json!(cursor);
    }
    let page = store.find::<Order, Value>(query).await?;
    Ok(Json(json!({"items": page.items, "next": page.next})))
}

/// `PUT /orders/{id}`: the whole new state of a stored order.
async fn update(
    State(store): State<AsyncStore>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, Failure> {
    if body.get("id").and_then(Value::as_str) != Some(id.as_str()) {
        return Err(Failure(Error::Invalid {
            ty: "Order".into(),
            id,
            pointer: "/id".into(),
            message: "the body's `id` is not the one in the path".into(),
        }));
    }
    let replaced = {
        let (id, body) = (id.clone(), body.clone());
        store
            .run(move |store| nasc_runtime::Store::replace(store, "Order", &id, &body))
            .await?
    };
    match replaced {
        true => Ok(Json(body)),
        false => Err(not_found(id)),
    }
}

/// `DELETE /orders/{id}`: 204, or 404 when there was none.
async fn remove(
    State(store): State<AsyncStore>,
    Path(id): Path<String>,
) -> Result<StatusCode, Failure> {
    match store.remove::<Order>(id.clone()).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(not_found(id)),
    }
}

fn not_found(id: String) -> Failure {
    Failure(Error::NotFound {
        ty: "Order".into(),
        id,
    })
}

#[allow(dead_code)] // (The test includes this file for its router.)
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = match std::env::var("DATABASE_URL") {
        Ok(_) => AsyncStore::from_env(shop::registry()).await?,
        Err(_) => AsyncStore::connect("sqlite://orders_service.db", shop::registry()).await?,
    };
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("orders service on http://{}", listener.local_addr()?);
    axum::serve(listener, router(store)).await?;
    Ok(())
}
