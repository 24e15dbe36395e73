//! Applying another store's logged changes: each change to the state stored here, in one
//! transaction with the feed's position (see [`crate::replicate`]).

use super::{in_transaction, DieselStore, Logged, Via, Written};
use crate::aggregate::{self, Cell, SqlValue, Target};
use crate::backend::MappedConnection;
use crate::change_log::{self, LoggedChange};
use crate::{generated, Error, Scope};
use serde_json::Value;

/// The longest feed name (MySQL keys it as `VARCHAR(255)`).
const MAX_FEED_NAME: usize = 200;

impl<C: MappedConnection> DieselStore<C> {
    /// The sequence of the last change of `feed` applied here ([`Self::apply_changes`]),
    /// 0 when none was.
    pub fn feed_position(&self, feed: &str) -> Result<i64, Error> {
        check_feed_name(feed)?;
        self.make_feed_table()?;
        self.pool.with("", "", |conn| {
            change_log::feed_position(conn, &self.namespace, C::DIALECT, feed)
                .map_err(|e| feed_error(feed, e))
        })
    }

    /// Records that this store holds every change of `feed` up to `sequence` (a snapshot
    /// of the source taken at that sequence was restored here); a position already past
    /// it is kept. The position after.
    pub fn start_feed(&self, feed: &str, sequence: i64) -> Result<i64, Error> {
        check_feed_name(feed)?;
        self.make_feed_table()?;
        self.transaction(|tx| {
            Via::Transaction(&tx.conn).with(&self.pool, "", "", |conn| {
                let position = change_log::feed_position(conn, &self.namespace, C::DIALECT, feed)
                    .map_err(|e| feed_error(feed, e))?;
                if sequence > position {
                    change_log::record_feed_position(
                        conn,
                        &self.namespace,
                        C::DIALECT,
                        feed,
                        sequence,
                    )
                    .map_err(|e| feed_error(feed, e))?;
                }
                Ok(position.max(sequence))
            })
        })
    }

    /// Binds `feed` to the log whose identity is `origin` (see [`Self::log_origin`]) if it
    /// is bound to none; an error naming both when it is bound to another: that log's
    /// sequences mean other changes.
    pub fn bind_feed(&self, feed: &str, origin: &str) -> Result<(), Error> {
        check_feed_name(feed)?;
        self.make_feed_table()?;
        let bound = self.transaction(|tx| {
            Via::Transaction(&tx.conn).with(&self.pool, "", "", |conn| {
                change_log::feed_position(conn, &self.namespace, C::DIALECT, feed)
                    .and_then(|_| {
                        change_log::bind_feed(conn, &self.namespace, C::DIALECT, feed, origin)
                    })
                    .map_err(|e| feed_error(feed, e))
            })
        })?;
        if bound != origin {
            return Err(Error::Invalid {
                ty: String::new(),
                id: String::new(),
                pointer: String::new(),
                message: format!(
                    "feed `{feed}` applies the log {bound}, not {origin}: another source (give it a feed name of its own)"
                ),
            });
        }
        Ok(())
    }

    /// The identity of this store's change log: a UUID made with it, which a replica
    /// binds a feed to.
    pub fn log_origin(&self) -> Result<String, Error> {
        self.pool.with("", "", |conn| {
            change_log::origin(conn, &self.namespace).map_err(change_log::read_error)
        })
    }

    /// The sequence of the last change this store logged (0 for none), or `None` when its
    /// database has no change log: what a snapshot read after it holds.
    pub fn last_sequence(&self) -> Result<Option<i64>, Error> {
        self.pool.with("", "", |conn| {
            change_log::last_sequence(conn, &self.namespace).map_err(change_log::read_error)
        })
    }

    /// Applies the changes of another store's log (`feed` names that log here), in one
    /// transaction: those after the feed's recorded position, in order, each to the state
    /// stored here (see [`crate::apply_change`]), then records the last one's sequence as
    /// the feed's position. Changes at or before the position are skipped, so applying a
    /// batch twice, or two appliers of one feed at once, apply each change once. Returns
    /// the new position. The states are stored as they are, times and versions included,
    /// whatever was stored here: a replica is written through its feed alone.
    pub fn apply_changes(&self, feed: &str, changes: &[LoggedChange]) -> Result<i64, Error> {
        check_feed_name(feed)?;
        if let Some(pair) = changes.windows(2).find(|w| w[0].sequence >= w[1].sequence) {
            return Err(Error::Invalid {
                ty: pair[1].ty.clone(),
                id: pair[1].id.clone(),
                pointer: String::new(),
                message: format!(
                    "changes must be applied in the order of their sequences: {} came after {}",
                    pair[1].sequence, pair[0].sequence
                ),
            });
        }
        self.make_feed_table()?;
        self.transaction(|tx| {
            let via = Via::Transaction(&tx.conn);
            let mut position = via.with(&self.pool, "", "", |conn| {
                change_log::feed_position(conn, &self.namespace, C::DIALECT, feed)
                    .map_err(|e| feed_error(feed, e))
            })?;
            let start = position;
            for change in changes.iter().filter(|c| c.sequence > start) {
                let entity = self.registry.aggregate(&change.ty)?;
                let before = self.load_via(via, &change.ty, &change.id)?;
                match change_log::apply_change(entity, before, change)? {
                    None => {
                        self.delete_via(via, &change.ty, &change.id)?;
                    }
                    Some(state) => self.put_via(via, &change.ty, &change.id, &state)?,
                }
                position = change.sequence;
            }
            via.with(&self.pool, "", "", |conn| {
                change_log::record_feed_position(conn, &self.namespace, C::DIALECT, feed, position)
                    .map_err(|e| feed_error(feed, e))
            })?;
            Ok(position)
        })
    }

    /// Stores `full` as the state of `ty` `id` exactly as it is (its times and its version
    /// kept), creating the aggregate or replacing the stored one whatever version it has.
    pub(crate) fn put_via(
        &self,
        via: Via<'_, '_, C>,
        ty: &str,
        id: &str,
        full: &Value,
    ) -> Result<(), Error> {
        let entity = self.registry.aggregate(ty)?;
        let target = Target { ty, id };
        generated::check_key_given(entity, target)?;
        let mut tree = self.validated(entity, full, None, target)?;
        let wanted = entity.version.map(|index| match tree.values[index] {
            SqlValue::Integer(version) => (index, version),
            _ => unreachable!("validation made the version an integer"),
        });
        // A save stores the version it is given plus one.
        let based_on = |version: i64| {
            version.checked_sub(1).ok_or_else(|| {
                let property = &entity.fields[wanted.expect("versioned").0].property;
                target.invalid(
                    &nasc_model::error::pointer_join("", property),
                    format!("version {version} is the smallest a 64-bit integer holds: it cannot be stored"),
                )
            })
        };
        let top = self.statements_of(entity).top();
        via.with(&self.pool, ty, id, |conn| {
            in_transaction(conn, true, target, "storing", |conn| {
                let read = top.versioned.as_ref().map_or(&top.lock, |v| &v.current);
                let stored = conn
                    .rows(read, std::slice::from_ref(tree.pk()))
                    .map_err(|e| target.database("storing", "", e))?;
                match (stored.first().map(Vec::as_slice), wanted) {
                    (None, _) => {
                        if let Some((index, version)) = wanted {
                            tree.values[index] = SqlValue::Integer(based_on(version)?);
                        }
                        self.create_top_level(conn, &tree, false, target)?;
                    }
                    (Some(_), None) => self.replace_stored(conn, &tree, target)?,
                    (Some([Cell::Integer(current)]), Some((index, version))) => {
                        // Written as a save based on the stored version, then given the
                        // version wanted.
                        tree.values[index] = SqlValue::Integer(*current);
                        self.replace_stored(conn, &tree, target)?;
                        if current.checked_add(1) != Some(version) {
                            let update = self.named_update(entity, vec![index]);
                            let binds = [
                                SqlValue::Integer(version),
                                tree.pk().borrowed(),
                                SqlValue::Integer(current.saturating_add(1)),
                            ];
                            conn.run(&update, &binds)
                                .map_err(|e| target.database("storing", "", e))?;
                        }
                        tree.values[index] = SqlValue::Integer(based_on(version)?);
                    }
                    (Some(other), Some(_)) => {
                        return Err(target.corrupt("", format!("the stored version is {other:?}")))
                    }
                }
                self.hold_shared(conn, &tree, tree.pk(), super::Wrote::Whole, target)?;
                self.log_change(
                    conn,
                    &tree,
                    Logged::Whole(full),
                    &Scope::Whole,
                    true,
                    target,
                )
                .map_err(|failure| failure.into_error(target))
            })
        })
    }

    /// Removes every expired aggregate of the types with a `ttl` (children with them), one
    /// statement per type, each removal logged; how many. Expired aggregates are invisible
    /// to loads and queries already: this frees their rows.
    pub fn purge_expired(&self) -> Result<u64, Error> {
        let mut purged = 0;
        for ty in self
            .registry
            .model()
            .types
            .iter()
            .filter(|t| t.expiry.ttl_ms.is_some())
        {
            let Some(expiry) = self.statements_of(ty).top().expiry.as_ref() else {
                continue;
            };
            let (Some(expired), Some(purge)) = (&expiry.expired, &expiry.purge) else {
                continue;
            };
            let target = Target {
                ty: &ty.name,
                id: "",
            };
            let pk_scalar = ty.fields[ty.pk_index.expect("an aggregate has a pk")].scalar;
            purged += self.pool.with(&ty.name, "", |conn| {
                in_transaction(conn, true, target, "purging", |conn| {
                    let database = |e| target.database("purging the expired", "", e);
                    let now = match conn
                        .rows(&expiry.now, &[])
                        .map_err(database)?
                        .first()
                        .map(Vec::as_slice)
                    {
                        Some([Cell::Integer(now)]) => SqlValue::Integer(*now),
                        other => {
                            return Err(target.corrupt("", format!("the clock says {other:?}")))
                        }
                    };
                    let keys = conn
                        .rows(expired, std::slice::from_ref(&now))
                        .map_err(database)?;
                    let removed = conn
                        .run(purge, std::slice::from_ref(&now))
                        .map_err(database)?;
                    for row in &keys {
                        if let [key] = row.as_slice() {
                            let pk = aggregate::cell_to_value(key, pk_scalar);
                            self.release_shared(conn, ty, &pk, target)?;
                            let id = generated::id_text(&pk);
                            self.log_removal(conn, &ty.name, &id, "expired", target)?;
                        }
                    }
                    Ok(removed as u64)
                })
            })?;
        }
        Ok(purged)
    }

    /// Makes the table of feed positions, the first time a feed is applied.
    fn make_feed_table(&self) -> Result<(), Error> {
        use std::sync::atomic::Ordering;
        if self.feeds_ready.load(Ordering::Acquire) {
            return Ok(());
        }
        self.pool.with("", "", |conn| {
            let statements = [change_log::feed_ddl(&self.namespace, C::DIALECT)];
            crate::schema_version::create_own_tables(
                conn,
                &self.namespace,
                &statements,
                &self.target,
            )
        })?;
        self.feeds_ready.store(true, Ordering::Release);
        Ok(())
    }

    /// Writes `tree` as the whole state of the stored top-level row.
    fn replace_stored(
        &self,
        conn: &mut C,
        tree: &aggregate::RowTree<'_>,
        target: Target<'_>,
    ) -> Result<(), Error> {
        match self.write_top_level(conn, tree, &Scope::Whole, target)? {
            Written::Done { .. } => Ok(()),
            Written::PositionsNotInPlace => unreachable!("a whole state names no position"),
        }
    }
}

fn check_feed_name(feed: &str) -> Result<(), Error> {
    if feed.is_empty() || feed.chars().count() > MAX_FEED_NAME || feed.contains('\0') {
        return Err(Error::Invalid {
            ty: String::new(),
            id: String::new(),
            pointer: String::new(),
            message: format!(
                "a feed name must be 1 to {MAX_FEED_NAME} characters without NUL, not {feed:?}"
            ),
        });
    }
    Ok(())
}

fn feed_error(feed: &str, source: diesel::result::Error) -> Error {
    Error::Database {
        action: "recording the position of feed",
        ty: feed.to_owned(),
        id: String::new(),
        pointer: String::new(),
        source,
    }
}
