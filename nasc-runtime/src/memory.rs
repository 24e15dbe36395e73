//! `MemoryStore`: aggregates in a map, for tests and prototypes.

use crate::{Error, Scope, Store};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::RwLock;

/// Aggregates kept in memory, keyed by `(type, id)` (a pair, so `A:B` + `c` and `A` +
/// `B:c` are different keys). `load` returns an owned copy: changing it changes nothing
/// stored. Nothing is validated against a schema. A persist with a partial diff writes
/// what the diff names; the rest keeps its stored value (see [`Store::persist`]).
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: RwLock<HashMap<(String, String), Value>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// How many aggregates are stored.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<(String, String), Value>> {
        // Values are replaced whole, so a panic elsewhere never leaves one half-written.
        self.entries.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<(String, String), Value>> {
        self.entries.write().unwrap_or_else(|p| p.into_inner())
    }
}

impl Store for MemoryStore {
    fn load(&self, ty: &str, id: &str) -> Result<Option<Value>, Error> {
        Ok(self.read().get(&(ty.to_owned(), id.to_owned())).cloned())
    }

    fn persist(&self, ty: &str, id: &str, diff: &Value, full: &Value) -> Result<(), Error> {
        crate::diff::check_shallow_diff(diff, ty, id)?;
        self.persist_scoped(ty, id, &Scope::from_diff(diff, full), full)
    }

    fn persist_scoped(&self, ty: &str, id: &str, scope: &Scope, full: &Value) -> Result<(), Error> {
        let mut entries = self.write();
        let key = (ty.to_owned(), id.to_owned());
        match entries.get_mut(&key) {
            // What the scope leaves out keeps its stored value, as in every store.
            Some(stored) if *scope != Scope::Whole => {
                let mut merged = stored.clone();
                scope.apply_to(&mut merged, full);
                *stored = merged;
            }
            _ => {
                entries.insert(key, full.clone());
            }
        }
        Ok(())
    }

    fn create(&self, ty: &str, id: &str, full: &Value) -> Result<bool, Error> {
        use std::collections::hash_map::Entry;
        match self.write().entry((ty.to_owned(), id.to_owned())) {
            Entry::Occupied(_) => Ok(false),
            Entry::Vacant(slot) => {
                slot.insert(full.clone());
                Ok(true)
            }
        }
    }

    fn replace(&self, ty: &str, id: &str, full: &Value) -> Result<bool, Error> {
        match self.write().get_mut(&(ty.to_owned(), id.to_owned())) {
            Some(stored) => {
                *stored = full.clone();
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn delete(&self, ty: &str, id: &str) -> Result<bool, Error> {
        Ok(self
            .write()
            .remove(&(ty.to_owned(), id.to_owned()))
            .is_some())
    }
}
