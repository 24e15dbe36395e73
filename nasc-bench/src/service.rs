//! An HTTP service's get and save under 1, 8 and 64 concurrent clients: handlers on
//! `AsyncStore` beside the same handlers calling the blocking store through
//! `tokio::task::spawn_blocking` (what a service does by hand without it). The requests go
//! through the axum router in process (no sockets), so that what differs is the store's
//! path from a handler to the database.

use super::app::{Todo, TodoList};
use super::{race, Results};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{Request, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use nasc_runtime::{AsyncStore, MappedStore, Store, StoreOptions};
use std::sync::Arc;
use tower::ServiceExt;

/// Requests per measured operation, spread over the clients.
pub const REQUESTS: usize = 64;
/// Lists in each database.
const LISTS: usize = 100;
/// Client counts measured.
pub const CLIENTS: [usize; 3] = [1, 8, 64];

fn list(l: usize, round: usize) -> TodoList {
    TodoList {
        id: format!("l{l}"),
        items: (0..10)
            .map(|i| Todo {
                id: format!("{i}"),
                title: format!("item {i} of {l}, {round}"),
                completed: (i + round) % 3 == 0,
            })
            .collect(),
    }
}

fn on_async_store(store: AsyncStore) -> Router {
    async fn read(
        State(store): State<AsyncStore>,
        Path(id): Path<String>,
    ) -> Result<Json<TodoList>, StatusCode> {
        match store.get::<TodoList>(id).await {
            Ok(Some(list)) => Ok(Json(list)),
            Ok(None) => Err(StatusCode::NOT_FOUND),
            Err(_) => Err(StatusCode::INTERNAL_SERVER_ERROR),
        }
    }
    async fn save(State(store): State<AsyncStore>, Json(list): Json<TodoList>) -> StatusCode {
        match store.save(list).await {
            Ok(_) => StatusCode::NO_CONTENT,
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    Router::new()
        .route("/lists/{id}", get(read).put(save))
        .with_state(store)
}

fn on_spawn_blocking(store: Arc<MappedStore>) -> Router {
    async fn read(
        State(store): State<Arc<MappedStore>>,
        Path(id): Path<String>,
    ) -> Result<Json<TodoList>, StatusCode> {
        match tokio::task::spawn_blocking(move || store.get::<TodoList>(&id)).await {
            Ok(Ok(Some(list))) => Ok(Json(list)),
            Ok(Ok(None)) => Err(StatusCode::NOT_FOUND),
            _ => Err(StatusCode::INTERNAL_SERVER_ERROR),
        }
    }
    async fn save(State(store): State<Arc<MappedStore>>, Json(list): Json<TodoList>) -> StatusCode {
        match tokio::task::spawn_blocking(move || store.save(&list)).await {
            Ok(Ok(())) => StatusCode::NO_CONTENT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    Router::new()
        .route("/lists/{id}", get(read).put(save))
        .with_state(store)
}

/// `REQUESTS` requests from `clients` concurrent clients, each checked.
async fn batch(router: &Router, save: bool, clients: usize, op: usize) {
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let router = router.clone();
            tokio::spawn(async move {
                for r in 0..REQUESTS / clients {
                    let l = (op * REQUESTS + c * (REQUESTS / clients) + r) % LISTS;
                    let request = if save {
                        let body = serde_json::to_vec(&list(l, op)).unwrap();
                        Request::put(format!("/lists/l{l}"))
                            .header("content-type", "application/json")
                            .body(Body::from(body))
                            .unwrap()
                    } else {
                        Request::get(format!("/lists/l{l}"))
                            .body(Body::empty())
                            .unwrap()
                    };
                    let response = router.clone().oneshot(request).await.unwrap();
                    assert!(response.status().is_success(), "{}", response.status());
                    let _ = axum::body::to_bytes(response.into_body(), usize::MAX)
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

/// The races, by operation and client count.
pub fn run(results: &mut Results, rounds: usize, per_round: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = || StoreOptions {
        max_size: 8,
        ..StoreOptions::default()
    };
    let path = |name: &str| dir.path().join(name).display().to_string();
    let (on_async, on_blocking) = runtime.block_on(async {
        let store = AsyncStore::connect_with(&path("async.db"), super::app::registry(), options())
            .await
            .unwrap();
        let blocking = Arc::new(
            MappedStore::connect_with(&path("blocking.db"), super::app::registry(), options())
                .unwrap(),
        );
        for l in 0..LISTS {
            store.save(list(l, 0)).await.unwrap();
            blocking.save(&list(l, 0)).unwrap();
        }
        (on_async_store(store), on_spawn_blocking(blocking))
    });
    for (save, operation) in [(false, "get"), (true, "save")] {
        for clients in CLIENTS {
            let race = race(
                rounds,
                per_round,
                &mut [
                    ("AsyncStore", &mut |op| {
                        runtime.block_on(batch(&on_async, save, clients, op))
                    }),
                    ("spawn_blocking", &mut |op| {
                        runtime.block_on(batch(&on_blocking, save, clients, op))
                    }),
                ],
            );
            results.insert(scenario(operation, clients), race);
        }
    }
}

/// The scenario's name in the results.
pub fn scenario(operation: &str, clients: usize) -> String {
    format!("service {operation}, {clients} clients, {REQUESTS} requests")
}
