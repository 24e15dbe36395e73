//! The mapped store's side of the shared values ([`crate::shared`]): what an aggregate
//! holds brought up to date after each write and removal, in its transaction, and the
//! values put back in place in what reads return.

use super::{DieselStore, Executor};
use crate::aggregate::{RowTree, SqlValue, Target};
use crate::backend::MappedConnection;
use crate::rows::LoadedRow;
use crate::shared::{self, Unopened};
use crate::{Error, Scope};
use nasc_model::EntityType;
use std::collections::{BTreeMap, BTreeSet};

/// How many times a read is made again when a value it holds by hash was let go meanwhile
/// (PostgreSQL and MySQL read committed rows statement by statement).
const REREADS: usize = 8;

/// What a write wrote of an aggregate, for [`DieselStore::hold_shared`].
#[derive(Clone, Copy)]
pub(super) enum Wrote<'s> {
    /// The whole state: the aggregate as stored is the tree.
    Whole,
    /// What `scope` names (and the whole top-level row, when `whole_row`).
    Part { scope: &'s Scope, whole_row: bool },
}

/// What the table of shared binary values holds (the mapping's `shareBinaryOver`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SharedValues {
    /// Values stored by hash.
    pub values: u64,
    /// Their bytes, together.
    pub bytes: u64,
    /// The sum of their counts of holders.
    pub references: u64,
    /// The aggregates recorded as holding a value, one per aggregate and value: equal to
    /// `references` in a consistent store.
    pub holders: u64,
}

impl<C: MappedConnection> DieselStore<C> {
    /// What the table of shared binary values holds: all zeros when there is none.
    pub fn shared_values(&self) -> Result<SharedValues, Error> {
        let target = Target { ty: "", id: "" };
        self.pool.with("", "", |conn| {
            let Some(statements) = self.shared_tables(conn, target)? else {
                return Ok(SharedValues::default());
            };
            statements
                .totals(conn)
                .map_err(|e| target.database("counting the shared values of", "", e))
        })
    }

    /// Lets go of the shared values held by aggregates of types that share no more (their
    /// mapping lost `shareBinaryOver`, and the migration that followed put their values
    /// back in their rows): a value no aggregate holds any more is deleted. How many
    /// aggregates let go. Types that still share let go of what they no longer hold at
    /// their next save or removal; these never would. Safe beside writers: it lowers counts
    /// as a removal does.
    pub fn release_unshared(&self) -> Result<u64, Error> {
        let target = Target { ty: "", id: "" };
        let model = self.registry.model();
        let sharing: BTreeSet<&str> = model
            .types
            .iter()
            .filter(|t| self.shares[t.index])
            .map(|t| t.name.as_str())
            .collect();
        self.pool.with("", "", |conn| {
            super::in_transaction(
                conn,
                true,
                target,
                "releasing the shared values of",
                |conn| {
                    let Some(statements) = self.shared_tables(conn, target)? else {
                        return Ok(0);
                    };
                    let database = |e| target.database("releasing the shared values of", "", e);
                    let mut released = 0;
                    for ty in statements.holding_types(conn).map_err(database)? {
                        if sharing.contains(ty.as_str()) {
                            continue;
                        }
                        for id in statements.holders_of(conn, &ty).map_err(database)? {
                            let target = Target { ty: &ty, id: &id };
                            statements.release_all(conn, &ty, &id, target)?;
                            released += 1;
                        }
                    }
                    Ok(released)
                },
            )
        })
    }

    /// The statements of the shared values, when the tables exist (a type shares, or
    /// shared once).
    fn shared_tables(
        &self,
        conn: &mut C,
        target: Target<'_>,
    ) -> Result<Option<std::borrow::Cow<'_, shared::SharedStatements>>, Error> {
        if let Some(statements) = &self.shared {
            return Ok(Some(std::borrow::Cow::Borrowed(statements)));
        }
        let table = self
            .namespace
            .table(nasc_model::naming::SHARED_VALUES_TABLE);
        let exists = crate::schema_version::table_exists(conn, &table)
            .map_err(|e| target.database("looking for the shared values of", "", e))?;
        Ok(exists.then(|| {
            std::borrow::Cow::Owned(shared::SharedStatements::new(&self.namespace, C::DIALECT))
        }))
    }

    /// After a write of the aggregate of `tree` (its pk `pk`, as stored): the values it
    /// holds by hash recorded and counted (see [`shared::SharedStatements::hold`]). A
    /// write of the whole state stores exactly the tree: it holds the values the tree
    /// stores by hash. After a write of part of it, what it holds is read back as stored,
    /// unless the part holds no binary value of a sharing type (then it holds what it
    /// held).
    pub(super) fn hold_shared(
        &self,
        conn: &mut C,
        tree: &RowTree<'_>,
        pk: &SqlValue<'_>,
        wrote: Wrote<'_>,
        target: Target<'_>,
    ) -> Result<(), Error> {
        let Some(statements) = self.sharing(tree.ty) else {
            return Ok(());
        };
        let held = match wrote {
            Wrote::Whole => tree.shared.hashes(),
            Wrote::Part { scope, whole_row } if !self.may_share(tree.ty, scope, whole_row) => {
                return Ok(())
            }
            Wrote::Part { .. } => {
                let mut stored = self.read_stored(conn, tree.ty, pk, target)?;
                let mut rows: Vec<&mut LoadedRow> = stored.iter_mut().collect();
                let model = self.registry.model();
                shared::held(model, &self.shares, tree.ty, &mut rows, target)?
            }
        };
        let id = crate::generated::id_text(pk);
        statements.hold(conn, &tree.ty.name, &id, &held, &tree.shared, target)
    }

    /// Whether a write of what `scope` names of an aggregate of `ty` (its whole top-level
    /// row too, when `whole_row`) may write a binary value of a sharing type.
    fn may_share(&self, ty: &EntityType, scope: &Scope, whole_row: bool) -> bool {
        let Scope::Named { properties, .. } = scope else {
            return true;
        };
        let shared_column =
            |property: &str| ty.shared_columns().any(|(_, f)| f.property == property);
        let sharing_array = |property: &str| {
            ty.relations
                .iter()
                .any(|r| r.property == property && self.shares[r.child_index])
        };
        (whole_row && ty.shared_columns().next().is_some())
            || properties
                .iter()
                .any(|p| shared_column(p) || sharing_array(p))
    }

    /// After the removal of aggregate `pk` of `ty`: every value it held let go.
    pub(super) fn release_shared(
        &self,
        conn: &mut impl Executor,
        ty: &EntityType,
        pk: &SqlValue<'_>,
        target: Target<'_>,
    ) -> Result<(), Error> {
        let Some(statements) = self.sharing(ty) else {
            return Ok(());
        };
        let id = crate::generated::id_text(pk);
        statements.release_all(conn, &ty.name, &id, target)
    }

    /// The statements of the shared values, when aggregates of `ty` may hold some.
    fn sharing(&self, ty: &EntityType) -> Option<&shared::SharedStatements> {
        self.shared.as_ref().filter(|_| self.shares[ty.index])
    }

    /// `read` (rows of `ty`, read in the current transaction), with every binary value of
    /// a sharing column back in place: read again when a value the rows hold by hash was
    /// let go after they were read.
    pub(super) fn opened<T>(
        &self,
        conn: &mut C,
        ty: &EntityType,
        target: Target<'_>,
        mut read: impl FnMut(&mut C) -> Result<T, Error>,
        rows: impl Fn(&mut T) -> Vec<&mut LoadedRow>,
    ) -> Result<T, Error> {
        let Some(statements) = self.sharing(ty) else {
            return read(conn);
        };
        let model = self.registry.model();
        let mut rereads = 0;
        loop {
            let mut result = read(conn)?;
            let mut found = rows(&mut result);
            let hashes = shared::held(model, &self.shares, ty, &mut found, target)?;
            let values = match hashes.is_empty() {
                true => BTreeMap::new(),
                false => statements
                    .fetch(conn, &hashes)
                    .map_err(|e| target.database("loading the shared values of", "", e))?,
            };
            match shared::open(model, &self.shares, ty, &mut found, &values, target) {
                Ok(()) => return Ok(result),
                Err(Unopened::Missing(_)) if rereads < REREADS => rereads += 1,
                Err(Unopened::Missing(error) | Unopened::Failed(error)) => return Err(error),
            }
        }
    }

    /// `row`, made from the sealed `tree` just written, with its binary values in place.
    pub(super) fn opened_sealed(
        &self,
        tree: &RowTree<'_>,
        mut row: LoadedRow,
        target: Target<'_>,
    ) -> Result<LoadedRow, Error> {
        if self.sharing(tree.ty).is_some() {
            shared::open_sealed(
                self.registry.model(),
                &self.shares,
                tree.ty,
                &mut row,
                &tree.shared,
                target,
            )?;
        }
        Ok(row)
    }
}
