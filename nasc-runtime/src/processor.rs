//! The processor: load an instance's state, apply an event handler, diff, persist, tell
//! subscribers — with events for one instance applied one at a time, so none is lost.

use crate::diff::{diff, Diff};
use crate::{Error, Store};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The event that creates an instance's state, or rehydrates it when it exists.
pub const MOUNT: &str = "mount";

/// Handles the events of one type.
pub trait Handler: Send + Sync {
    /// The initial state of instance `id`, made on its first `mount`.
    fn mount(&self, id: &str, payload: &Value) -> Result<Value, String>;

    /// Applies `event` with `payload` to `state` (a copy: on error nothing is kept).
    fn handle(&self, event: &str, payload: &Value, state: &mut Value) -> Result<(), String>;
}

/// A [`Handler`] made of two closures.
pub struct FnHandler<M, H> {
    mount: M,
    handle: H,
}

impl<M, H> FnHandler<M, H>
where
    M: Fn(&str, &Value) -> Result<Value, String> + Send + Sync,
    H: Fn(&str, &Value, &mut Value) -> Result<(), String> + Send + Sync,
{
    /// A handler from a `mount` closure and an event closure.
    pub fn new(mount: M, handle: H) -> Self {
        FnHandler { mount, handle }
    }
}

impl<M, H> Handler for FnHandler<M, H>
where
    M: Fn(&str, &Value) -> Result<Value, String> + Send + Sync,
    H: Fn(&str, &Value, &mut Value) -> Result<(), String> + Send + Sync,
{
    fn mount(&self, id: &str, payload: &Value) -> Result<Value, String> {
        (self.mount)(id, payload)
    }

    fn handle(&self, event: &str, payload: &Value, state: &mut Value) -> Result<(), String> {
        (self.handle)(event, payload, state)
    }
}

/// A client's message: `{"event": "inc", "instance": "Counter:c1", "payload": {...}}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Message {
    /// The event's name (`mount` for the first).
    pub event: String,
    /// `Type:id` (split at the first `:`).
    pub instance: String,
    /// The type, when the instance does not name it.
    #[serde(rename = "type", default)]
    pub ty: Option<String>,
    /// The event's data.
    #[serde(default)]
    pub payload: Value,
}

/// What the processor sends back to the client.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Patch {
    /// Property `key` of `instance` is now `value`.
    BindUpdate {
        /// `Type:id` of the instance.
        instance: String,
        /// The property.
        key: String,
        /// Its new value.
        value: Value,
    },
    /// Property `key` of `instance` is gone.
    BindRemove {
        /// `Type:id` of the instance.
        instance: String,
        /// The property.
        key: String,
    },
    /// The event failed; nothing changed.
    Error {
        /// `Type:id` of the instance.
        instance: String,
        /// What went wrong.
        message: String,
    },
}

/// What applying an event did.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The changes from the state before to the state after.
    pub diff: Diff,
    /// The state after the event.
    pub state: Value,
    /// Whether the state was persisted (false for a dry run, an unchanged state or a
    /// rehydrating `mount`).
    pub persisted: bool,
    /// For a dry run that changes something: what the persist would do (the statements,
    /// for a mapped store).
    pub plan: Vec<String>,
}

/// A change a subscriber hears of, after it was committed.
#[derive(Debug, Clone, PartialEq)]
pub struct Committed {
    /// Instance type.
    pub ty: String,
    /// Instance id.
    pub id: String,
    /// What changed.
    pub diff: Diff,
    /// The version stored, for a store with optimistic locking.
    pub version: Option<i64>,
}

type Subscriber = Box<dyn Fn(&Committed) + Send + Sync>;
type InstanceKey = (String, String);

/// One lock per instance with events in flight, dropped when none holds or awaits it.
#[derive(Default)]
struct InstanceLocks(Mutex<HashMap<InstanceKey, Arc<Mutex<()>>>>);

impl InstanceLocks {
    fn acquire(&self, key: &InstanceKey) -> Arc<Mutex<()>> {
        let mut locks = self.0.lock().unwrap_or_else(|p| p.into_inner());
        locks.entry(key.clone()).or_default().clone()
    }

    fn release(&self, key: &InstanceKey, lock: Arc<Mutex<()>>) {
        let mut locks = self.0.lock().unwrap_or_else(|p| p.into_inner());
        drop(lock);
        if locks.get(key).is_some_and(|l| Arc::strong_count(l) == 1) {
            locks.remove(key);
        }
    }
}

/// Applies events to instances kept in a [`Store`].
pub struct Processor<S: Store> {
    store: S,
    handlers: HashMap<String, Box<dyn Handler>>,
    locks: InstanceLocks,
    subscribers: Vec<Subscriber>,
    retries: usize,
}

impl<S: Store> Processor<S> {
    /// A processor over `store`, with no handlers yet.
    pub fn new(store: S) -> Self {
        Processor {
            store,
            handlers: HashMap::new(),
            locks: InstanceLocks::default(),
            subscribers: Vec::new(),
            retries: 50,
        }
    }

    /// Handles the events of type `ty` with `handler`.
    pub fn handle(mut self, ty: &str, handler: impl Handler + 'static) -> Self {
        self.handlers.insert(ty.to_owned(), Box::new(handler));
        self
    }

    /// How many times an event is applied again when its save meets a newer version of the
    /// instance (another writer saved in between), waiting a random, growing delay (up to
    /// 100 ms) before each; 50 by default.
    pub fn retries(mut self, retries: usize) -> Self {
        self.retries = retries;
        self
    }

    /// Calls `subscriber` after each committed change.
    pub fn subscribe(mut self, subscriber: impl Fn(&Committed) + Send + Sync + 'static) -> Self {
        self.subscribers.push(Box::new(subscriber));
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Applies `event` to instance `ty`/`id`: loads its state (or mounts it), runs the
    /// handler on a copy, diffs, and persists the change unless `dry_run`.
    pub fn apply_event(
        &self,
        ty: &str,
        id: &str,
        event: &str,
        payload: &Value,
        dry_run: bool,
    ) -> Result<Outcome, Error> {
        // The events of one instance are applied one at a time.
        let key = (ty.to_owned(), id.to_owned());
        let lock = self.locks.acquire(&key);
        let result = {
            let _guard = lock.lock().unwrap_or_else(|p| p.into_inner());
            let mut attempt = 0;
            loop {
                match self.apply_locked(ty, id, event, payload, dry_run) {
                    Err(Error::VersionConflict {
                        expected, actual, ..
                    }) if attempt < self.retries => {
                        attempt += 1;
                        // Backoff with jitter: the writers that collided do not collide
                        // again in step.
                        crate::retry::wait(attempt as u32);
                        tracing::debug!(
                            ty,
                            id,
                            event,
                            expected,
                            actual,
                            attempt,
                            "version conflict: applying the event again"
                        );
                    }
                    result => break result,
                }
            }
        };
        self.locks.release(&key, lock);
        result
    }

    fn apply_locked(
        &self,
        ty: &str,
        id: &str,
        event: &str,
        payload: &Value,
        dry_run: bool,
    ) -> Result<Outcome, Error> {
        let handler = self.handlers.get(ty).ok_or_else(|| Error::UnknownType {
            ty: ty.to_owned(),
            known: format!(
                "handlers for {}",
                self.handlers
                    .keys()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?;
        let failed = |message: String| Error::Handler {
            ty: ty.to_owned(),
            id: id.to_owned(),
            event: event.to_owned(),
            message,
        };

        let current = self.store.load(ty, id)?;
        let (old, new) = match (current, event) {
            (Some(state), MOUNT) => {
                // Rehydration: the stored state, unchanged.
                return Ok(Outcome {
                    diff: Diff::default(),
                    state,
                    persisted: false,
                    plan: Vec::new(),
                });
            }
            (None, MOUNT) => (Value::Null, handler.mount(id, payload).map_err(failed)?),
            (None, _) => {
                return Err(failed(
                    "the instance is not mounted: send `mount` first".into(),
                ))
            }
            (Some(state), _) => {
                let mut next = state.clone();
                handler.handle(event, payload, &mut next).map_err(failed)?;
                (state, next)
            }
        };
        let change = diff(&old, &new)?;
        tracing::debug!(ty, id, event, dry_run, diff = %change.to_value(), "event applied");
        if change.is_empty() {
            return Ok(Outcome {
                diff: change,
                state: new,
                persisted: false,
                plan: Vec::new(),
            });
        }
        if dry_run {
            let plan = self.store.plan_persist(ty, id, &change.to_value(), &new)?;
            return Ok(Outcome {
                diff: change,
                state: new,
                persisted: false,
                plan,
            });
        }
        if old.is_null() {
            // A new instance: created only if no other writer mounted it first; if one
            // did, its state is the instance's.
            if !self.store.create(ty, id, &new)? {
                let state = self.store.load(ty, id)?.ok_or_else(|| {
                    failed("another writer mounted the instance and it is gone again".into())
                })?;
                return Ok(Outcome {
                    diff: Diff::default(),
                    state,
                    persisted: false,
                    plan: Vec::new(),
                });
            }
        } else {
            self.store.persist(ty, id, &change.to_value(), &new)?;
        }
        // The store bumped the version: the state returned and announced carries the new one.
        let mut new = new;
        let version = self.store.version_property(ty).and_then(|property| {
            let stored = new.get(&property)?.as_i64()? + 1;
            new[&property] = Value::from(stored);
            Some(stored)
        });
        let committed = Committed {
            ty: ty.to_owned(),
            id: id.to_owned(),
            diff: change.clone(),
            version,
        };
        for subscriber in &self.subscribers {
            subscriber(&committed);
        }
        Ok(Outcome {
            diff: change,
            state: new,
            persisted: true,
            plan: Vec::new(),
        })
    }

    /// Applies a client's message and returns the patches to send back: one `bindUpdate`
    /// per changed property (every property on a mount), one `bindRemove` per removed one,
    /// or one `error`.
    pub fn process(&self, message: &Message) -> Vec<Patch> {
        let (ty, id) = match (message.instance.split_once(':'), &message.ty) {
            (Some((ty, id)), _) => (ty.to_owned(), id.to_owned()),
            (None, Some(ty)) => (ty.clone(), message.instance.clone()),
            (None, None) => {
                return vec![Patch::Error {
                    instance: message.instance.clone(),
                    message: "the instance must be `Type:id`".into(),
                }]
            }
        };
        match self.apply_event(&ty, &id, &message.event, &message.payload, false) {
            Err(error) => vec![Patch::Error {
                instance: message.instance.clone(),
                message: error.to_string(),
            }],
            Ok(outcome) => {
                let (set, removed) = if message.event == MOUNT {
                    // The client needs the whole state on mount, rehydrated or new.
                    (
                        outcome.state.as_object().cloned().unwrap_or_default(),
                        Vec::new(),
                    )
                } else {
                    (outcome.diff.set, outcome.diff.removed)
                };
                let instance = &message.instance;
                set.into_iter()
                    .map(|(key, value)| Patch::BindUpdate {
                        instance: instance.clone(),
                        key,
                        value,
                    })
                    .chain(removed.into_iter().map(|key| Patch::BindRemove {
                        instance: instance.clone(),
                        key,
                    }))
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;
    use serde_json::json;

    fn processor() -> Processor<MemoryStore> {
        Processor::new(MemoryStore::new()).handle(
            "Counter",
            FnHandler::new(
                |id, _| Ok(json!({"id": id, "n": 0})),
                |_, _, state| {
                    state["n"] = json!(state["n"].as_i64().unwrap() + 1);
                    Ok(())
                },
            ),
        )
    }

    #[test]
    fn instance_locks_are_dropped_once_unused() {
        let p = processor();
        std::thread::scope(|scope| {
            for t in 0..4 {
                let p = &p;
                scope.spawn(move || {
                    let id = format!("c{}", t % 2);
                    let _ = p.apply_event("Counter", &id, MOUNT, &Value::Null, false);
                    for _ in 0..50 {
                        p.apply_event("Counter", &id, "inc", &Value::Null, false)
                            .unwrap();
                    }
                });
            }
        });
        assert_eq!(
            p.store().load("Counter", "c0").unwrap().unwrap()["n"],
            json!(100)
        );
        assert!(
            p.locks.0.lock().unwrap().is_empty(),
            "no lock outlives its events"
        );
    }

    #[test]
    fn an_unknown_type_and_a_bad_instance_are_errors() {
        let p = processor();
        assert!(matches!(
            p.apply_event("Nope", "x", MOUNT, &Value::Null, false),
            Err(Error::UnknownType { .. })
        ));
        let message: Message =
            serde_json::from_value(json!({"event": "mount", "instance": "no-type"})).unwrap();
        assert!(matches!(&p.process(&message)[..], [Patch::Error { .. }]));
        let typed: Message =
            serde_json::from_value(json!({"event": "mount", "instance": "c9", "type": "Counter"}))
                .unwrap();
        assert!(matches!(
            &p.process(&typed)[..],
            [Patch::BindUpdate { .. }, Patch::BindUpdate { .. }]
        ));
    }
}
