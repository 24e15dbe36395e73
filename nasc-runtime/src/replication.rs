//! Replication: one store's change log applied to another store, resumable and
//! idempotent (the target records the last change applied in the transaction that applies
//! it).

use crate::backend::MappedConnection;
use crate::change_log::Idle;
use crate::{DieselStore, Error, LoggedChange, MappedStore};

/// A store whose committed changes can be read in commit order: one with a change log
/// ([`crate::StoreOptions::change_log`]).
pub trait ChangeSource {
    /// The changes after `sequence`, oldest first, at most `limit`.
    fn changes_since(&self, sequence: i64, limit: i64) -> Result<Vec<LoggedChange>, Error>;
    /// The sequence of the last change logged (`None`: no change log).
    fn last_sequence(&self) -> Result<Option<i64>, Error>;
    /// The identity of the log.
    fn log_origin(&self) -> Result<String, Error>;
}

/// A store that applies another store's changes, recording how far it got in the same
/// transaction.
pub trait ChangeTarget {
    /// The sequence of the last change of `feed` applied (0 for none).
    fn feed_position(&self, feed: &str) -> Result<i64, Error>;
    /// Applies the changes after the feed's position in one transaction; the new position.
    fn apply_changes(&self, feed: &str, changes: &[LoggedChange]) -> Result<i64, Error>;
    /// Binds the feed to a log's identity, or says it is bound to another.
    fn bind_feed(&self, feed: &str, origin: &str) -> Result<(), Error>;
}

impl ChangeSource for MappedStore {
    fn changes_since(&self, sequence: i64, limit: i64) -> Result<Vec<LoggedChange>, Error> {
        MappedStore::changes_since(self, sequence, limit)
    }
    fn last_sequence(&self) -> Result<Option<i64>, Error> {
        MappedStore::last_sequence(self)
    }
    fn log_origin(&self) -> Result<String, Error> {
        MappedStore::log_origin(self)
    }
}

impl ChangeTarget for MappedStore {
    fn feed_position(&self, feed: &str) -> Result<i64, Error> {
        MappedStore::feed_position(self, feed)
    }
    fn apply_changes(&self, feed: &str, changes: &[LoggedChange]) -> Result<i64, Error> {
        MappedStore::apply_changes(self, feed, changes)
    }
    fn bind_feed(&self, feed: &str, origin: &str) -> Result<(), Error> {
        MappedStore::bind_feed(self, feed, origin)
    }
}

impl<C: MappedConnection> ChangeSource for DieselStore<C> {
    fn changes_since(&self, sequence: i64, limit: i64) -> Result<Vec<LoggedChange>, Error> {
        DieselStore::changes_since(self, sequence, limit)
    }
    fn last_sequence(&self) -> Result<Option<i64>, Error> {
        DieselStore::last_sequence(self)
    }
    fn log_origin(&self) -> Result<String, Error> {
        DieselStore::log_origin(self)
    }
}

impl<C: MappedConnection> ChangeTarget for DieselStore<C> {
    fn feed_position(&self, feed: &str) -> Result<i64, Error> {
        DieselStore::feed_position(self, feed)
    }
    fn apply_changes(&self, feed: &str, changes: &[LoggedChange]) -> Result<i64, Error> {
        DieselStore::apply_changes(self, feed, changes)
    }
    fn bind_feed(&self, feed: &str, origin: &str) -> Result<(), Error> {
        DieselStore::bind_feed(self, feed, origin)
    }
}

/// The replication of `from`'s changes into `to`, which knows them as `feed` (a name of
/// the source, unique among the feeds applied to `to`). Nothing runs until
/// [`Replication::catch_up`] or [`Replication::run_until`] is called.
///
/// Each batch of changes is applied in one transaction of `to` that also records the last
/// sequence applied, so a replication stopped at any point (a killed process, a dropped
/// connection) resumes where the target says it got to: no change is lost and none
/// applied twice. `to` must be written through its feeds alone: a replicated state
/// replaces whatever `to` held.
pub fn replicate<'a, S, T>(from: &'a S, to: &'a T, feed: &str) -> Replication<'a, S, T>
where
    S: ChangeSource + ?Sized,
    T: ChangeTarget + ?Sized,
{
    Replication {
        from,
        to,
        feed: feed.to_owned(),
        batch: 200,
    }
}

/// A replication of one store's changes into another ([`replicate`]).
pub struct Replication<'a, S: ?Sized, T: ?Sized> {
    from: &'a S,
    to: &'a T,
    feed: String,
    batch: i64,
}

impl<S: ChangeSource + ?Sized, T: ChangeTarget + ?Sized> Replication<'_, S, T> {
    /// The most changes applied per transaction of the target (200 unless set; at least 1).
    pub fn batch_size(mut self, changes: u32) -> Self {
        self.batch = i64::from(changes.max(1));
        self
    }

    /// The sequence of the last change the target applied.
    pub fn position(&self) -> Result<i64, Error> {
        self.to.feed_position(&self.feed)
    }

    /// Applies every change the source committed so far; how many were applied.
    pub fn catch_up(&self) -> Result<u64, Error> {
        let mut position = self.start()?;
        let mut applied = 0;
        loop {
            match self.step(position)? {
                None => return Ok(applied),
                Some((next, count)) => {
                    position = next;
                    applied += count;
                }
            }
        }
    }

    /// Applies the changes as the source commits them, until `stop` says so (asked after
    /// each batch and each wait: waits are 1 ms, doubling up to 100 ms while nothing
    /// comes); how many were applied. An error stops it: call it again to resume.
    pub fn run_until(&self, mut stop: impl FnMut() -> bool) -> Result<u64, Error> {
        let mut position = self.start()?;
        let mut applied = 0;
        let mut idle = Idle::new();
        while !stop() {
            match self.step(position)? {
                None => std::thread::sleep(idle.next_wait()),
                Some((next, count)) => {
                    idle.reset();
                    position = next;
                    applied += count;
                }
            }
        }
        Ok(applied)
    }

    /// The target's position, once the feed is bound to the source's log (the first time,
    /// or checked: another log's sequences mean other changes, which would be skipped or
    /// mixed).
    fn start(&self) -> Result<i64, Error> {
        let last = self.from.last_sequence()?.ok_or_else(|| Error::Invalid {
            ty: String::new(),
            id: String::new(),
            pointer: String::new(),
            message: format!(
                "the source of feed `{}` keeps no change log (`StoreOptions::change_log`)",
                self.feed
            ),
        })?;
        self.to.bind_feed(&self.feed, &self.from.log_origin()?)?;
        let position = self.position()?;
        if last < position {
            return Err(Error::Invalid {
                ty: String::new(),
                id: String::new(),
                pointer: String::new(),
                message: format!(
                    "the target applied feed `{}` up to sequence {position}, but the source's log ends at {last}: it is another source (give it a feed name of its own)",
                    self.feed
                ),
            });
        }
        Ok(position)
    }

    /// Applies the next batch after `position`: the new position and how many changes
    /// were applied, or `None` when the source has none.
    fn step(&self, position: i64) -> Result<Option<(i64, u64)>, Error> {
        let changes = self.from.changes_since(position, self.batch)?;
        if changes.is_empty() {
            return Ok(None);
        }
        let next = self.to.apply_changes(&self.feed, &changes)?;
        let count = changes
            .iter()
            .filter(|c| c.sequence > position && c.sequence <= next)
            .count();
        tracing::debug!(target: crate::trace::TARGET, feed = %self.feed, from = position, to = next, changes = count, "replicated");
        Ok(Some((next, count as u64)))
    }
}
