//! The `Store` interface every store implements.

use crate::encode::Encode;
use crate::query::AsQuery;
use crate::rows::Loaded;
use crate::{Aggregate, Error};
use crate::{Page, Scope};
use serde_json::Value;

/// Loads, persists and deletes whole aggregates by type name and id.
///
/// Implementations are `Send + Sync`, so one store serves many threads.
pub trait Store: Send + Sync {
    /// The aggregate `ty` / `id`, or `None` when there is none.
    fn load(&self, ty: &str, id: &str) -> Result<Option<Value>, Error>;

    /// Saves the new state `full` of `ty` / `id`, in one transaction.
    ///
    /// `diff` is the shallow map of changed top-level keys (see [`crate::diff`], with
    /// `$removed` and `$positions`). A diff that is `full` itself writes the whole state.
    /// Any other diff writes what it names, with the values `full` holds, and nothing else:
    /// what it leaves out keeps its stored value. An aggregate not stored yet is stored as
    /// `full`. Every store gives a persist this meaning (the conformance suite checks it).
    fn persist(&self, ty: &str, id: &str, diff: &Value, full: &Value) -> Result<(), Error>;

    /// [`Self::persist`] with the change as a type rather than a JSON diff: `scope` says
    /// what of `full` is written (see [`Scope`]). nasc's stores apply it directly; by
    /// default, the scope's wire form is persisted (which a store reads as the whole state
    /// when it equals `full`: a scope naming every property of `full` and nothing else).
    fn persist_scoped(&self, ty: &str, id: &str, scope: &Scope, full: &Value) -> Result<(), Error> {
        match scope {
            Scope::Whole => self.persist(ty, id, full, full),
            named => self.persist(ty, id, &named.to_value(full), full),
        }
    }

    /// Removes the aggregate with all its child rows; `true` when it existed.
    fn delete(&self, ty: &str, id: &str) -> Result<bool, Error>;

    /// Saves `full` as a new aggregate `ty` / `id`, only if none is stored: `false`, and
    /// nothing written, when one is (another writer created it first). A versioned type's
    /// version is stored plus one, as [`Store::persist`] does.
    ///
    /// nasc's stores do this atomically; this default (a load, then a persist) is not, for
    /// stores that do not override it.
    fn create(&self, ty: &str, id: &str, full: &Value) -> Result<bool, Error> {
        if self.load(ty, id)?.is_some() {
            return Ok(false);
        }
        self.persist(ty, id, full, full)?;
        Ok(true)
    }

    /// Writes `full` as the whole state of the stored aggregate `ty` / `id`, only if one
    /// is stored: `false`, and nothing written, when none is. A versioned type's version is
    /// checked and stored plus one, as [`Store::persist`] does.
    ///
    /// nasc's stores do this atomically; this default (a load, then a persist) is not, for
    /// stores that do not override it.
    fn replace(&self, ty: &str, id: &str, full: &Value) -> Result<bool, Error> {
        if self.load(ty, id)?.is_none() {
            return Ok(false);
        }
        self.persist(ty, id, full, full)?;
        Ok(true)
    }

    /// Stores `full` as a new aggregate `ty` / `id` exactly as given (a backup's copy, what
    /// `nasc import` writes): its version and timestamps are kept, not counted or stamped.
    /// `false`, and nothing written, when one is stored. By default, [`Self::create`].
    fn restore(&self, ty: &str, id: &str, full: &Value) -> Result<bool, Error> {
        self.create(ty, id, full)
    }

    /// [`Self::create`] of a typed entity: the mapped stores encode it straight into rows;
    /// by default, its JSON document is created.
    fn create_encoded(&self, entity: &dyn Encode) -> Result<bool, Error> {
        let full = entity.document()?;
        self.create(entity.type_name(), &entity.id(), &full)
    }

    /// [`Self::replace`] of a typed entity, as [`Self::create_encoded`].
    fn replace_encoded(&self, entity: &dyn Encode) -> Result<bool, Error> {
        let full = entity.document()?;
        self.replace(entity.type_name(), &entity.id(), &full)
    }

    /// Stores `full` as a new aggregate of type `ty` and returns it as stored (with its
    /// pk, version and times): when the mapping says the type's pk is `generated` and
    /// `full` has none (the pk absent, `null`, `""` or `0`), one is made. `Error::Conflict`
    /// when an aggregate with its id is stored, and nothing written (one atomic insert).
    ///
    /// The mapped stores read the pk from the schema; other stores cannot, by default.
    fn insert_document(&self, ty: &str, full: &Value) -> Result<Value, Error> {
        let _ = (ty, full);
        Err(Error::Unsupported {
            store: std::any::type_name::<Self>(),
            operation: "insert a document without being told its id (use `create`)",
        })
    }

    /// [`Self::insert_document`] of a typed entity, returning its stored rows or document.
    /// By default, a [`Self::create_encoded`] then a load (not atomic), with the entity's
    /// own key.
    fn insert_encoded(&self, entity: &dyn Encode) -> Result<Loaded, Error> {
        let id = entity.id();
        match self.create_encoded(entity)? {
            true => self.load_rows(entity.type_name(), &id),
            false => Err(Error::exists(entity.type_name(), &id)),
        }
    }

    /// Saves a new typed entity and returns it as stored: with the key made for it when
    /// its type's pk is `generated` and it holds none (`""`, or `0`), its version and
    /// times. `Error::Conflict` when one with its id is stored, and nothing written (one
    /// atomic insert, not a load first).
    fn insert<T: Aggregate>(&self, entity: &T) -> Result<T, Error>
    where
        Self: Sized,
    {
        let id = entity.id();
        let stored = decode(self.insert_encoded(entity)?, &id)?;
        stored.ok_or_else(|| Error::NotFound {
            ty: T::TYPE_NAME.to_owned(),
            id,
        })
    }

    /// Saves the whole state of a stored typed entity: `Error::NotFound` when none with
    /// its id is stored, and nothing written.
    fn update<T: Aggregate>(&self, entity: &T) -> Result<(), Error>
    where
        Self: Sized,
    {
        match self.replace_encoded(entity)? {
            true => Ok(()),
            false => Err(Error::NotFound {
                ty: T::TYPE_NAME.to_owned(),
                id: entity.id(),
            }),
        }
    }

    /// Loads the stored entity `id`, applies `change` to it and saves it (`update`); on a
    /// `VersionConflict` (another writer saved in between), loads and applies again, up to
    /// 8 times. `Error::NotFound` when none is stored. Conflicts are only detected for
    /// types with a version (the mapping's `version`); without one, the last writer wins.
    fn update_with<T: Aggregate>(
        &self,
        id: &str,
        mut change: impl FnMut(&mut T) -> Result<(), Error>,
    ) -> Result<T, Error>
    where
        Self: Sized,
    {
        let mut attempts = 0;
        loop {
            let mut entity: T = self.get(id)?.ok_or_else(|| Error::NotFound {
                ty: T::TYPE_NAME.to_owned(),
                id: id.to_owned(),
            })?;
            change(&mut entity)?;
            match self.update(&entity) {
                Ok(()) => return Ok(entity),
                Err(Error::VersionConflict { .. }) if attempts < 8 => attempts += 1,
                Err(e) => return Err(e),
            }
        }
    }

    /// The property that holds the version of type `ty`'s aggregates, for stores with
    /// optimistic locking: a persist stores it plus one.
    fn version_property(&self, ty: &str) -> Option<String> {
        let _ = ty;
        None
    }

    /// What `persist` would do with these arguments, without doing it: for the mapped
    /// stores, the SQL statements in order (those of a save over an existing aggregate that
    /// no one else changed); for other stores, a description.
    fn plan_persist(
        &self,
        ty: &str,
        id: &str,
        diff: &Value,
        full: &Value,
    ) -> Result<Vec<String>, Error> {
        let _ = (diff, full);
        Ok(vec![format!("replace the stored state of {ty} `{id}`")])
    }

    /// Saves a typed entity (its whole state).
    fn save<T: Aggregate>(&self, entity: &T) -> Result<(), Error>
    where
        Self: Sized,
    {
        self.save_encoded(entity, &Scope::Whole)
    }

    /// Saves what `scope` names of a typed entity: the other properties and arrays keep
    /// their stored values (`Scope::of(["status"])` writes the status alone).
    fn save_scoped<T: Aggregate>(&self, entity: &T, scope: &Scope) -> Result<(), Error>
    where
        Self: Sized,
    {
        self.save_encoded(entity, scope)
    }

    /// Saves what `scope` names of a typed entity, as [`Self::save_scoped`] does. The
    /// mapped stores encode it straight into rows; by default, its JSON document is
    /// persisted with the change.
    fn save_encoded(&self, entity: &dyn Encode, scope: &Scope) -> Result<(), Error> {
        let full = entity.document()?;
        self.persist_scoped(entity.type_name(), &entity.id(), scope, &full)
    }

    /// The aggregate `ty` `id` as the store holds it, for the typed API: rows (decoded by
    /// [`crate::Entity::from_row`] without going through JSON) or a JSON document. By
    /// default, [`Self::load`]'s document.
    fn load_rows(&self, ty: &str, id: &str) -> Result<Loaded, Error> {
        Ok(match self.load(ty, id)? {
            None => Loaded::Missing,
            Some(value) => Loaded::Json(value),
        })
    }

    /// Loads a typed entity.
    fn get<T: Aggregate>(&self, id: &str) -> Result<Option<T>, Error>
    where
        Self: Sized,
    {
        decode(self.load_rows(T::TYPE_NAME, id)?, id)
    }

    /// Loads the aggregates of type `ty` with these ids, in the order asked: `None` where
    /// none is stored. By default one [`Self::load`] per id; the mapped stores read them
    /// all with one query per table level.
    fn load_many(&self, ty: &str, ids: &[&str]) -> Result<Vec<Option<Value>>, Error> {
        ids.iter().map(|id| self.load(ty, id)).collect()
    }

    /// [`Self::load_many`] for the typed API: rows or documents, as [`Self::load_rows`].
    fn load_rows_many(&self, ty: &str, ids: &[&str]) -> Result<Vec<Loaded>, Error> {
        ids.iter().map(|id| self.load_rows(ty, id)).collect()
    }

    /// Loads typed entities by id, in the order asked: `None` where none is stored.
    fn get_many<T: Aggregate>(&self, ids: &[&str]) -> Result<Vec<Option<T>>, Error>
    where
        Self: Sized,
    {
        let loaded = self.load_rows_many(T::TYPE_NAME, ids)?;
        ids.iter()
            .zip(loaded)
            .map(|(id, loaded)| decode(loaded, id))
            .collect()
    }

    /// The page of aggregates of type `ty` that a JSON query asks for, whole
    /// (`{"where": {...}, "orderBy": [...], "take": 20, "cursor": "..."}`; see the README).
    /// The mapped stores run it in the database; a store without an index cannot.
    fn query(&self, ty: &str, query: &Value) -> Result<Page<Value>, Error> {
        let _ = (ty, query);
        Err(unsupported::<Self>())
    }

    /// [`Self::query`] for the typed API: each aggregate's id, and its rows or document.
    fn query_rows(&self, ty: &str, query: &Value) -> Result<Page<(String, Loaded)>, Error> {
        self.query(ty, query)?
            .try_map(|document| Ok((String::new(), Loaded::Json(document))))
    }

    /// How many aggregates of type `ty` a query's `where` matches (`{"where": {...}}`).
    fn query_count(&self, ty: &str, query: &Value) -> Result<u64, Error> {
        let _ = (ty, query);
        Err(unsupported::<Self>())
    }

    /// Whether any aggregate of type `ty` matches a query's `where` (one row read at most).
    fn query_exists(&self, ty: &str, query: &Value) -> Result<bool, Error> {
        let _ = (ty, query);
        Err(unsupported::<Self>())
    }

    /// Counts, sums, averages, minimums and maximums over the aggregates of type `ty` a
    /// query's `where` matches: `{"where": {...}, "_count": true, "_sum": {"total": true},
    /// "_min": {"placedAt": true}}` answers `{"_count": 3, "_sum": {"total": 12.5}, "_min":
    /// {"placedAt": "..."}}` (sums and averages as floats; `null` over no aggregate).
    fn query_aggregate(&self, ty: &str, query: &Value) -> Result<Value, Error> {
        let _ = (ty, query);
        Err(unsupported::<Self>())
    }

    /// Whether any typed entity matches a query's filter.
    fn exists<T: Aggregate>(&self, query: impl AsQuery<T>) -> Result<bool, Error>
    where
        Self: Sized,
    {
        self.query_exists(T::TYPE_NAME, &query.as_query())
    }

    /// The page of typed entities a query asks for: a [`crate::query::Query`] of the
    /// entity, or a JSON query (see [`Self::query`]).
    fn find<T: Aggregate>(&self, query: impl AsQuery<T>) -> Result<Page<T>, Error>
    where
        Self: Sized,
    {
        self.query_rows(T::TYPE_NAME, &query.as_query())?
            .try_map(|(id, loaded)| {
                decode::<T>(loaded, &id).map(|found| found.expect("a page holds aggregates"))
            })
    }

    /// How many typed entities a query's filter matches (a query with only a filter).
    fn count<T: Aggregate>(&self, query: impl AsQuery<T>) -> Result<u64, Error>
    where
        Self: Sized,
    {
        self.query_count(T::TYPE_NAME, &query.as_query())
    }

    /// A sum, mean, minimum or maximum of a property over the typed entities a query's
    /// filter matches: `store.measure(Order::TOTAL.sum(), Order::STATUS.eq(Paid))` is the
    /// total of the paid orders (`None` over none). The property's type is checked by the
    /// compiler: `sum` and `avg` of numbers only; `min` and `max` answer in the property's
    /// own type.
    fn measure<T: Aggregate, R: serde::de::DeserializeOwned>(
        &self,
        measure: crate::query::Measure<T, R>,
        query: impl AsQuery<T>,
    ) -> Result<R, Error>
    where
        Self: Sized,
    {
        let answer = self.query_aggregate(T::TYPE_NAME, &measure.query(&query.as_query()))?;
        serde_json::from_value(measure.answer(&answer).clone()).map_err(|e| Error::Corrupt {
            ty: T::TYPE_NAME.to_owned(),
            id: String::new(),
            pointer: String::new(),
            message: format!("the store's aggregate {answer} does not convert: {e}"),
        })
    }

    /// Removes a typed entity; `true` when it existed.
    fn remove<T: Aggregate>(&self, id: &str) -> Result<bool, Error>
    where
        Self: Sized,
    {
        self.delete(T::TYPE_NAME, id)
    }
}

/// A typed entity from what a store loaded; a stored aggregate that does not convert is
/// `Corrupt`, naming the type and id.
fn decode<T: Aggregate>(loaded: Loaded, id: &str) -> Result<Option<T>, Error> {
    let corrupt = |pointer: String, message: String| Error::Corrupt {
        ty: T::TYPE_NAME.to_owned(),
        id: id.to_owned(),
        pointer,
        message: format!(
            "does not convert to `{}`: {message}",
            std::any::type_name::<T>()
        ),
    };
    match loaded {
        Loaded::Missing => Ok(None),
        Loaded::Rows(row) => T::from_row(row)
            .map(Some)
            .map_err(|e| corrupt(e.pointer, e.message)),
        Loaded::Json(value) => T::from_json(value)
            .map(Some)
            .map_err(|e| corrupt(String::new(), e.to_string())),
    }
}

/// What a store without an index says when asked to run a query.
fn unsupported<S: ?Sized>() -> Error {
    Error::Unsupported {
        store: std::any::type_name::<S>(),
        operation:
            "run queries (they need the tables of a mapped store: SQLite, PostgreSQL or MySQL)",
    }
}
