//! The example HTTP service (`examples/axum_service.rs`), started on a loopback port and
//! driven with a real HTTP client, on every backend.

use crate::support::*;
use nasc_runtime::{AsyncStore, StoreOptions};
use serde_json::{json, Value};
use std::time::Duration;

#[allow(dead_code)]
#[path = "../../examples/axum_service.rs"]
mod service;

/// The service, on its own runtime and a free loopback port, for as long as it lives.
struct Running {
    base: String,
    store: AsyncStore,
    runtime: tokio::runtime::Runtime,
}

impl Running {
    fn start(url: &str, options: StoreOptions) -> Running {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let registry = nasc_runtime::Registry::from_files(
            "schemas/shop.schema.json",
            "schemas/shop.mapping.json",
        )
        .unwrap();
        let (base, store) = runtime.block_on(async {
            let store = AsyncStore::connect_with(url, registry, options)
                .await
                .unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = listener.local_addr().unwrap();
            let router = service::router(store.clone());
            tokio::spawn(async move {
                axum::serve(listener, router).await.unwrap();
            });
            (format!("http://{address}"), store)
        });
        Running {
            base,
            store,
            runtime,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// A client that hands back every status as a response, not an error.
fn client() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn call(agent: &ureq::Agent, method: &str, url: &str, body: Option<&Value>) -> (u16, Value) {
    let response = match (method, body) {
        ("GET", _) => agent.get(url).call(),
        ("DELETE", _) => agent.delete(url).call(),
        ("POST", Some(body)) => agent.post(url).send_json(body),
        ("PUT", Some(body)) => agent.put(url).send_json(body),
        other => panic!("{other:?}"),
    }
    .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status().as_u16();
    let text = response.into_body().read_to_string().unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"))
    };
    (status, value)
}

fn order(customer: &str, day: u32, status: &str) -> Value {
    json!({"id": "", "customer": customer, "status": status, "total": 4.5 * day as f64,
        "placedAt": format!("2026-11-{day:02}T09:00:00Z"),
        "lines": [{"sku": "tea", "quantity": 1, "price": 4.5}]})
}

/// Create, read, list with filters and pages, update and delete, each error as its status,
/// and 16 clients at once.
pub fn the_http_service_maps_every_call_and_error(b: &Backend) {
    let (url, _cleanup) = b.empty_database();
    let service = Running::start(&url, StoreOptions::default());
    let agent = client();
    let orders = service.url("/orders");

    let (status, created) = call(&agent, "POST", &orders, Some(&order("ada", 1, "paid")));
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID was made: {id}");
    let (status, read) = call(&agent, "GET", &service.url(&format!("/orders/{id}")), None);
    assert_eq!((status, &read), (200, &created));
    let (status, missing) = call(&agent, "GET", &service.url("/orders/nope"), None);
    assert_eq!(status, 404, "{missing}");
    assert!(missing["error"].as_str().unwrap().contains("nope"));

    // 422: a body the schema refuses names its pointer; so does a bad filter.
    let mut bad = order("ada", 2, "paid");
    bad["total"] = json!(-1);
    let (status, refused) = call(&agent, "POST", &orders, Some(&bad));
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused["error"].as_str().unwrap().contains("/total"),
        "{refused}"
    );
    let (status, refused) = call(&agent, "GET", &service.url("/orders?status=lost"), None);
    assert_eq!(status, 422, "{refused}");
    // 409: an id that is taken.
    let (status, conflict) = call(&agent, "POST", &orders, Some(&created));
    assert_eq!(status, 409, "{conflict}");

    // 16 clients at once, 4 orders each.
    let made: Vec<String> = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..16)
            .map(|c| {
                let orders = orders.clone();
                scope.spawn(move || {
                    let agent = client();
                    (0..4)
                        .map(|i| {
                            let customer = if c % 2 == 0 { "bob" } else { "cy" };
                            let (status, stored) = call(
                                &agent,
                                "POST",
                                &orders,
                                Some(&order(customer, 2 + (c * 4 + i) % 27, "placed")),
                            );
                            assert_eq!(status, 201, "{stored}");
                            stored["id"].as_str().unwrap().to_owned()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        clients
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect()
    });
    let mut distinct = made.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 64);

    // Bob's placed orders, 10 per page, newest first, every one once.
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..10 {
        let mut url = service.url("/orders?customer=bob&status=placed&take=10");
        if let Some(cursor) = &next {
            url.push_str(&format!("&cursor={}", percent(cursor)));
        }
        let (status, page) = call(&agent, "GET", &url, None);
        assert_eq!(status, 200, "{page}");
        for item in page["items"].as_array().unwrap() {
            assert_eq!(item["customer"], json!("bob"));
            seen.push(item["placedAt"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(cursor) => next = Some(cursor.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 32);
    assert!(
        seen.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {seen:?}"
    );

    // Update: the whole new state; the path's id must be the body's; unknown ids are 404.
    let mut changed = created.clone();
    changed["status"] = json!("shipped");
    let path = service.url(&format!("/orders/{id}"));
    let (status, updated) = call(&agent, "PUT", &path, Some(&changed));
    assert_eq!((status, &updated), (200, &changed));
    assert_eq!(
        call(&agent, "GET", &path, None).1["status"],
        json!("shipped")
    );
    let (status, _) = call(&agent, "PUT", &service.url("/orders/other"), Some(&changed));
    assert_eq!(status, 422);
    let mut unknown = changed.clone();
    unknown["id"] = json!("unknown");
    let (status, _) = call(
        &agent,
        "PUT",
        &service.url("/orders/unknown"),
        Some(&unknown),
    );
    assert_eq!(status, 404);

    // Delete: 204, then 404.
    let (status, _) = call(&agent, "DELETE", &path, None);
    assert_eq!(status, 204);
    assert_eq!(call(&agent, "DELETE", &path, None).0, 404);
    assert_eq!(call(&agent, "GET", &path, None).0, 404);
    drop(service.runtime);
}

/// 503: a request that finds no free connection within the pool's timeout (the only one
/// busy with a slow call).
pub fn a_request_without_a_connection_is_503(b: &Backend) {
    let (url, _cleanup) = b.empty_database();
    let options = StoreOptions {
        max_size: 1,
        connection_timeout: Duration::from_millis(200),
        ..StoreOptions::default()
    };
    let service = Running::start(&url, options);
    let (busy, release) = std::sync::mpsc::channel::<()>();
    let slow = {
        let store = service.store.clone();
        service.runtime.spawn(async move {
            store
                .run(move |_| {
                    let _ = release.recv_timeout(Duration::from_secs(30));
                    Ok(())
                })
                .await
        })
    };
    std::thread::sleep(Duration::from_millis(50));
    let agent = client();
    let (status, answer) = call(&agent, "GET", &service.url("/orders/x"), None);
    assert_eq!(status, 503, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("busy"),
        "{answer}"
    );
    busy.send(()).unwrap();
    service.runtime.block_on(slow).unwrap().unwrap();
    // Free again: answered.
    assert_eq!(call(&agent, "GET", &service.url("/orders/x"), None).0, 404);
    drop(service.runtime);
}

/// A cursor as a query-string value.
fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
