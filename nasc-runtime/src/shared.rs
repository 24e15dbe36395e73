//! Binary values stored once, by hash. A type whose mapping says `"shareBinaryOver": N`
//! keeps every value of its binary properties longer than `N` bytes in one table that all
//! the store's types share ([`SHARED_VALUES_TABLE`]: the value's SHA-256, its bytes, and
//! how many aggregates hold it); its columns hold a tag byte and then either the value
//! itself (tag `0`) or the 32 bytes of its hash (tag `1`). A value is stored once however
//! many aggregates hold it.
//!
//! Which aggregates hold which values is recorded beside ([`SHARED_HOLDERS_TABLE`]): after
//! each write, in its transaction, the hashes the aggregate holds as stored (children
//! included: those the write stored, when it wrote the whole state; read back, when it
//! wrote part of it) are compared with those recorded, and the counts of the values it
//! took up or let go are raised or lowered; a value no aggregate holds is deleted. A
//! removal (a delete, an expiry, an eviction) lets go of everything the aggregate held.
//! Reads put the values back in place before any front end sees the rows.
//!
//! Values are taken up in hash order, so that two writes never wait for each other in
//! turn; a value is raised before it is stored, and stored with an upsert, so that a write
//! taking up a value another write is letting go either keeps it (the count is raised
//! first, under the row's lock) or stores it again (the row was deleted).

use crate::aggregate::{Cell, RowTree, SqlValue, Target};
use crate::mapped::Executor;
use crate::namespace::Namespace;
use crate::rows::LoadedRow;
use crate::sql::{Sql, Statement};
use crate::Error;
use nasc_model::error::pointer_join;
use nasc_model::naming::{
    SHARED_BYTES_COLUMN, SHARED_HASH_COLUMN, SHARED_HOLDERS_TABLE, SHARED_REFS_COLUMN,
    SHARED_VALUES_TABLE,
};
use nasc_model::{Dialect, EntityType, Model};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// A shared value's key: the SHA-256 of its bytes.
pub(crate) type Hash = [u8; 32];

/// The tag of a value stored in its row.
const INLINE: u8 = 0;
/// The tag of a value stored by hash.
const BY_HASH: u8 = 1;

/// Most hashes fetched by one statement.
const HASHES_PER_FETCH: usize = 200;

/// The values a write stores by hash, by hash.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Sealed(BTreeMap<Hash, Vec<u8>>);

impl Sealed {
    /// The hashes of the values the write stores by hash.
    pub(crate) fn hashes(&self) -> BTreeSet<Hash> {
        self.0.keys().copied().collect()
    }

    /// The value of `hash`, if the write stores it.
    fn get(&self, hash: &Hash) -> Option<&[u8]> {
        self.0.get(hash).map(Vec::as_slice)
    }
}

/// The SHA-256 of `bytes`.
pub(crate) fn hash_of(bytes: &[u8]) -> Hash {
    Sha256::digest(bytes).into()
}

/// `value` tagged as stored in its row.
fn in_place(value: &[u8]) -> Vec<u8> {
    let mut tagged = Vec::with_capacity(1 + value.len());
    tagged.push(INLINE);
    tagged.extend_from_slice(value);
    tagged
}

/// `hash` tagged as a value stored by hash.
fn by_hash(hash: &Hash) -> Vec<u8> {
    let mut tagged = Vec::with_capacity(1 + hash.len());
    tagged.push(BY_HASH);
    tagged.extend_from_slice(hash);
    tagged
}

/// `bytes` as a sharing column stores it: tagged, and by hash when longer than `over`
/// (then with the hash and the value, for the table of shared values).
fn stored_form(bytes: Vec<u8>, over: u64) -> (Vec<u8>, Option<(Hash, Vec<u8>)>) {
    if bytes.len() as u64 > over {
        let hash = hash_of(&bytes);
        (by_hash(&hash), Some((hash, bytes)))
    } else {
        (in_place(&bytes), None)
    }
}

/// Tags the binary values of the sharing types in `tree` (its rows below included) as
/// they are stored, and keeps the values stored by hash in the tree's [`RowTree::shared`].
pub(crate) fn seal(tree: &mut RowTree<'_>) {
    let mut sealed = Sealed::default();
    seal_rows(tree, &mut sealed);
    tree.shared = sealed;
}

fn seal_rows(tree: &mut RowTree<'_>, sealed: &mut Sealed) {
    let ty = tree.ty;
    if let Some(over) = ty.share_binary_over {
        for (index, _) in ty.shared_columns() {
            if let SqlValue::Bytes(bytes) = &mut tree.values[index] {
                let (tagged, by_hash) = stored_form(std::mem::take(bytes).into_owned(), over);
                *bytes = Cow::Owned(tagged);
                if let Some((hash, value)) = by_hash {
                    sealed.0.insert(hash, value);
                }
            }
        }
    }
    for array in &mut tree.children {
        for child in array {
            seal_rows(child, sealed);
        }
    }
}

/// The values a filter on a sharing column compares the column with, for `value`: the
/// value in its row, and its hash (whichever size it had when it was stored).
pub(crate) fn stored_forms(value: &[u8]) -> [SqlValue<'static>; 2] {
    [
        SqlValue::Bytes(Cow::Owned(in_place(value))),
        SqlValue::Bytes(Cow::Owned(by_hash(&hash_of(value)))),
    ]
}

/// For each type (by index), whether its aggregates may hold shared values: the type, or
/// a type below it, shares.
pub(crate) fn sharing_types(model: &Model) -> Vec<bool> {
    let mut shares: Vec<bool> = model
        .types
        .iter()
        .map(|t| t.shared_columns().next().is_some())
        .collect();
    // (Types may refer to each other in cycles: repeated until nothing changes.)
    loop {
        let mut changed = false;
        for ty in &model.types {
            if !shares[ty.index] && ty.relations.iter().any(|r| shares[r.child_index]) {
                shares[ty.index] = true;
                changed = true;
            }
        }
        if !changed {
            return shares;
        }
    }
}

/// A stored cell of a sharing column.
enum StoredCell<'c> {
    Null,
    Inline(&'c [u8]),
    ByHash(Hash),
}

fn stored_cell(cell: &Cell) -> Result<StoredCell<'_>, String> {
    let bytes = match cell {
        Cell::Null => return Ok(StoredCell::Null),
        Cell::Bytes(bytes) => bytes.as_slice(),
        // (MySQL hands over a blob that is UTF-8 as text.)
        Cell::Text(text) => text.as_bytes(),
        other => {
            return Err(format!(
                "a binary value shared by size is stored as {other:?}"
            ))
        }
    };
    match bytes {
        [INLINE, value @ ..] => Ok(StoredCell::Inline(value)),
        [BY_HASH, hash @ ..] if hash.len() == 32 => Ok(StoredCell::ByHash(
            hash.try_into().expect("32 bytes make a hash"),
        )),
        [] => Err("a binary value shared by size is stored without its tag".into()),
        [tag, rest @ ..] => Err(format!(
            "a binary value shared by size is stored with tag {tag} and {} bytes after it (tag 0 is the value, tag 1 its 32-byte hash): was the column written without nasc?",
            rest.len()
        )),
    }
}

/// What [`each_cell`] calls: the cell, and what makes its pointer.
type EachCell<'f> = dyn FnMut(&mut Cell, &dyn Fn() -> String) -> Result<(), Error> + 'f;

/// Calls `each` on every cell of a sharing column in `row` (of `ty`, at `pointer`) and in
/// its rows below, with the cell's pointer made when asked.
fn each_cell(
    model: &Model,
    shares: &[bool],
    ty: &EntityType,
    row: &mut LoadedRow,
    pointer: &str,
    each: &mut EachCell<'_>,
) -> Result<(), Error> {
    for (index, field) in ty.shared_columns() {
        let cell = &mut row.cells[index];
        each(cell, &|| pointer_join(pointer, &field.property))?;
    }
    for (relation, rows) in ty.relations.iter().zip(&mut row.children) {
        if !shares[relation.child_index] {
            continue;
        }
        let child = model.child(relation);
        let array = pointer_join(pointer, &relation.property);
        for (i, row) in rows.iter_mut().enumerate() {
            each_cell(model, shares, child, row, &format!("{array}/{i}"), each)?;
        }
    }
    Ok(())
}

/// The hashes `rows` (of `ty`, as stored) hold, those below included.
pub(crate) fn held(
    model: &Model,
    shares: &[bool],
    ty: &EntityType,
    rows: &mut [&mut LoadedRow],
    target: Target<'_>,
) -> Result<BTreeSet<Hash>, Error> {
    let mut hashes = BTreeSet::new();
    for row in rows {
        each_cell(model, shares, ty, row, "", &mut |cell, pointer| {
            match stored_cell(cell).map_err(|message| target.corrupt(&pointer(), message))? {
                StoredCell::ByHash(hash) => {
                    hashes.insert(hash);
                }
                StoredCell::Null | StoredCell::Inline(_) => {}
            }
            Ok(())
        })?;
    }
    Ok(hashes)
}

/// Why stored rows could not be opened.
pub(crate) enum Unopened {
    /// A value the rows hold by hash is not in the table of shared values: the rows were
    /// read before a write let go of it (read them again), or it is lost.
    Missing(Error),
    /// Anything else.
    Failed(Error),
}

/// Puts every value of a sharing column of `rows` (of `ty`, those below included) back in
/// place: the value after tag `0`, or the value of `values` whose hash follows tag `1`.
pub(crate) fn open(
    model: &Model,
    shares: &[bool],
    ty: &EntityType,
    rows: &mut [&mut LoadedRow],
    values: &BTreeMap<Hash, Vec<u8>>,
    target: Target<'_>,
) -> Result<(), Unopened> {
    let mut missing = None;
    for row in rows {
        each_cell(model, shares, ty, row, "", &mut |cell, pointer| {
            let opened = match stored_cell(cell).map_err(|message| target.corrupt(&pointer(), message))? {
                StoredCell::Null => return Ok(()),
                StoredCell::Inline(value) => value.to_vec(),
                StoredCell::ByHash(hash) => match values.get(&hash) {
                    Some(value) => value.clone(),
                    None => {
                        missing.get_or_insert_with(|| {
                            target.corrupt(
                                &pointer(),
                                format!(
                                    "the value stored by hash {} is not in the table of shared values",
                                    hex(&hash)
                                ),
                            )
                        });
                        return Ok(());
                    }
                },
            };
            *cell = Cell::Bytes(opened);
            Ok(())
        })
        .map_err(Unopened::Failed)?;
    }
    match missing {
        Some(error) => Err(Unopened::Missing(error)),
        None => Ok(()),
    }
}

/// Puts the values of `row`, made from a sealed tree, back in place.
pub(crate) fn open_sealed(
    model: &Model,
    shares: &[bool],
    ty: &EntityType,
    row: &mut LoadedRow,
    sealed: &Sealed,
    target: Target<'_>,
) -> Result<(), Error> {
    match open(model, shares, ty, &mut [row], &sealed.0, target) {
        Ok(()) => Ok(()),
        Err(Unopened::Missing(error) | Unopened::Failed(error)) => Err(error),
    }
}

/// The lowercase hex of `hash`, for messages.
pub(crate) fn hex(hash: &Hash) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// The statements of the shared values, in a namespace.
#[derive(Debug, Clone)]
pub(crate) struct SharedStatements {
    held: Sql,
    raise: Sql,
    store: Sql,
    add_holder: Sql,
    release: Sql,
    drop_released: Sql,
    drop_holder: Sql,
    /// `SELECT hash, bytes FROM values WHERE hash IN (`, completed per count of hashes.
    fetch: String,
    /// The number of values, their bytes, their counts and the holders.
    totals: Sql,
    /// The types whose aggregates hold values.
    holding_types: Sql,
    /// The aggregates of a type that hold values.
    holders_of: Sql,
}

impl SharedStatements {
    /// The statements of `namespace`'s shared values in `dialect`.
    pub(crate) fn new(namespace: &Namespace, dialect: Dialect) -> Self {
        let q = |name: &str| dialect.quote(name);
        let values = q(&namespace.table(SHARED_VALUES_TABLE));
        let holders = q(&namespace.table(SHARED_HOLDERS_TABLE));
        let (hash, bytes, refs) = (
            q(SHARED_HASH_COLUMN),
            q(SHARED_BYTES_COLUMN),
            q(SHARED_REFS_COLUMN),
        );
        let (ty, id) = (q("type"), q("id"));
        let upsert = match dialect {
            Dialect::Mysql => format!("ON DUPLICATE KEY UPDATE {refs} = {refs} + 1"),
            _ => format!("ON CONFLICT ({hash}) DO UPDATE SET {refs} = {values}.{refs} + 1"),
        };
        SharedStatements {
            held: Sql::mapped(
                &format!("SELECT {hash} FROM {holders} WHERE {ty} = ? AND {id} = ?"),
                Statement::SharedHeld,
            ),
            raise: Sql::mapped(
                &format!("UPDATE {values} SET {refs} = {refs} + 1 WHERE {hash} = ?"),
                Statement::RaiseShared,
            ),
            store: Sql::mapped(
                &format!(
                    "INSERT INTO {values} ({hash}, {bytes}, {refs}) VALUES (?, ?, 1) {upsert}"
                ),
                Statement::StoreShared,
            ),
            add_holder: Sql::mapped(
                &format!("INSERT INTO {holders} ({ty}, {id}, {hash}) VALUES (?, ?, ?)"),
                Statement::AddHolder,
            ),
            release: Sql::mapped(
                &format!("UPDATE {values} SET {refs} = {refs} - 1 WHERE {hash} = ?"),
                Statement::ReleaseShared,
            ),
            drop_released: Sql::mapped(
                &format!("DELETE FROM {values} WHERE {hash} = ? AND {refs} <= 0"),
                Statement::DropReleased,
            ),
            drop_holder: Sql::mapped(
                &format!("DELETE FROM {holders} WHERE {ty} = ? AND {id} = ? AND {hash} = ?"),
                Statement::DropHolder,
            ),
            fetch: format!("SELECT {hash}, {bytes} FROM {values} WHERE {hash} IN ("),
            holding_types: Sql::new(&format!("SELECT DISTINCT {ty} FROM {holders}")),
            holders_of: Sql::new(&format!(
                "SELECT DISTINCT {id} FROM {holders} WHERE {ty} = ?"
            )),
            totals: Sql::new(&{
                let (length, integer) = match dialect {
                    Dialect::Postgres => ("octet_length", "BIGINT"),
                    Dialect::Mysql => ("LENGTH", "SIGNED"),
                    Dialect::Sqlite => ("length", "INTEGER"),
                };
                let sum = |of: String| format!("CAST(COALESCE(SUM({of}), 0) AS {integer})");
                format!(
                    "SELECT CAST(COUNT(*) AS {integer}), {}, {}, (SELECT CAST(COUNT(*) AS {integer}) FROM {holders}) FROM {values}",
                    sum(format!("{length}({bytes})")),
                    sum(refs.clone()),
                )
            }),
        }
    }

    /// Brings the values aggregate `ty` `id` holds to `held` (what it holds as stored,
    /// after a write; nothing, after a removal): the values it takes up raised, or stored
    /// from `sealed` (the values the write stored by hash), and those it lets go lowered
    /// (deleted when no aggregate holds them).
    pub(crate) fn hold(
        &self,
        conn: &mut impl Executor,
        ty: &str,
        id: &str,
        held: &BTreeSet<Hash>,
        sealed: &Sealed,
        target: Target<'_>,
    ) -> Result<(), Error> {
        let database = |e| target.database("keeping the shared values of", "", e);
        let key = [
            SqlValue::Text(Cow::Borrowed(ty)),
            SqlValue::Text(Cow::Borrowed(id)),
        ];
        let mut before = BTreeSet::new();
        for row in conn.rows(&self.held, &key).map_err(database)? {
            let hash = match row.into_iter().next().map(Cell::into_bytes) {
                Some(Ok(bytes)) => <Hash>::try_from(bytes.as_slice()).ok(),
                _ => None,
            };
            match hash {
                Some(hash) => before.insert(hash),
                None => {
                    return Err(
                        target.corrupt("", "a holder of a shared value names no 32-byte hash")
                    )
                }
            };
        }
        for hash in before.union(held) {
            let binds = [
                key[0].borrowed(),
                key[1].borrowed(),
                SqlValue::Bytes(Cow::Borrowed(hash)),
            ];
            let hash_bind = &binds[2..];
            match (before.contains(hash), held.contains(hash)) {
                (false, true) => {
                    if conn.run(&self.raise, hash_bind).map_err(database)? == 0 {
                        let Some(value) = sealed.get(hash) else {
                            return Err(target.corrupt(
                                "",
                                format!("the aggregate holds the value of hash {} by hash, and the table of shared values has none", hex(hash)),
                            ));
                        };
                        let values = [binds[2].borrowed(), SqlValue::Bytes(Cow::Borrowed(value))];
                        conn.run(&self.store, &values).map_err(database)?;
                    }
                    conn.run(&self.add_holder, &binds).map_err(database)?;
                }
                (true, false) => {
                    conn.run(&self.release, hash_bind).map_err(database)?;
                    conn.run(&self.drop_released, hash_bind).map_err(database)?;
                    conn.run(&self.drop_holder, &binds).map_err(database)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The types whose aggregates hold values, by name.
    pub(crate) fn holding_types(
        &self,
        conn: &mut impl Executor,
    ) -> diesel::QueryResult<Vec<String>> {
        text_column(conn.rows(&self.holding_types, &[])?)
    }

    /// The ids of the aggregates of type `ty` that hold values.
    pub(crate) fn holders_of(
        &self,
        conn: &mut impl Executor,
        ty: &str,
    ) -> diesel::QueryResult<Vec<String>> {
        let binds = [SqlValue::Text(Cow::Borrowed(ty))];
        text_column(conn.rows(&self.holders_of, &binds)?)
    }

    /// What the tables of shared values hold.
    pub(crate) fn totals(
        &self,
        conn: &mut impl Executor,
    ) -> diesel::QueryResult<crate::SharedValues> {
        let rows = conn.rows(&self.totals, &[])?;
        let number = |cell: Option<&Cell>| match cell {
            Some(Cell::Integer(n)) => u64::try_from(*n).unwrap_or(0),
            _ => 0,
        };
        let row = rows.first().map(Vec::as_slice).unwrap_or_default();
        Ok(crate::SharedValues {
            values: number(row.first()),
            bytes: number(row.get(1)),
            references: number(row.get(2)),
            holders: number(row.get(3)),
        })
    }

    /// Lets go of every value aggregate `ty` `id` holds (after its removal).
    pub(crate) fn release_all(
        &self,
        conn: &mut impl Executor,
        ty: &str,
        id: &str,
        target: Target<'_>,
    ) -> Result<(), Error> {
        self.hold(conn, ty, id, &BTreeSet::new(), &Sealed::default(), target)
    }

    /// The values of `hashes` that the table of shared values holds.
    pub(crate) fn fetch(
        &self,
        conn: &mut impl Executor,
        hashes: &BTreeSet<Hash>,
    ) -> diesel::QueryResult<BTreeMap<Hash, Vec<u8>>> {
        let mut values = BTreeMap::new();
        let hashes: Vec<&Hash> = hashes.iter().collect();
        for chunk in hashes.chunks(HASHES_PER_FETCH) {
            let text = format!("{}{})", self.fetch, vec!["?"; chunk.len()].join(", "));
            let sql = Sql::uncached(&text, Statement::FetchShared);
            let binds: Vec<SqlValue> = chunk
                .iter()
                .map(|hash| SqlValue::Bytes(Cow::Borrowed(&hash[..])))
                .collect();
            for row in conn.rows(&sql, &binds)? {
                let mut cells = row.into_iter();
                let (Some(hash), Some(bytes)) = (cells.next(), cells.next()) else {
                    continue;
                };
                let (Ok(hash), Ok(bytes)) = (hash.into_bytes(), bytes.into_bytes()) else {
                    continue;
                };
                if let Ok(hash) = <Hash>::try_from(hash.as_slice()) {
                    values.insert(hash, bytes);
                }
            }
        }
        Ok(values)
    }
}

/// The first column of `rows`, as text (MySQL's binary columns hand over bytes).
fn text_column(rows: Vec<Vec<Cell>>) -> diesel::QueryResult<Vec<String>> {
    Ok(rows
        .into_iter()
        .filter_map(|row| row.into_iter().next())
        .filter_map(|cell| cell.into_bytes().ok())
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .collect())
}

/// The tables of the shared values of `namespace`, made when a type of the store shares.
pub(crate) fn ddl(namespace: &Namespace, dialect: Dialect) -> Vec<String> {
    nasc_model::ddl::shared_values_tables(&namespace.table(""), dialect)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_over_the_size_are_stored_by_hash_and_the_rest_in_place() {
        let (small, none) = stored_form(b"abc".to_vec(), 3);
        assert_eq!(small, b"\x00abc");
        assert_eq!(none, None);
        let (large, by_hash) = stored_form(b"abcd".to_vec(), 3);
        let (hash, value) = by_hash.unwrap();
        assert_eq!(value, b"abcd");
        assert_eq!(large[0], BY_HASH);
        assert_eq!(&large[1..], &hash);
        // The SHA-256 of "abcd".
        assert_eq!(
            hex(&hash),
            "88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589"
        );
        let (empty, none) = stored_form(Vec::new(), 0);
        assert_eq!((empty, none), (vec![INLINE], None));
    }

    #[test]
    fn stored_cells_are_read_by_their_tag() {
        let hash = hash_of(b"x");
        let mut by_hash = vec![BY_HASH];
        by_hash.extend_from_slice(&hash);
        assert!(
            matches!(stored_cell(&Cell::Bytes(by_hash)), Ok(StoredCell::ByHash(h)) if h == hash)
        );
        assert!(
            matches!(stored_cell(&Cell::Text("\0é".into())), Ok(StoredCell::Inline(v)) if v == "é".as_bytes())
        );
        assert!(matches!(stored_cell(&Cell::Null), Ok(StoredCell::Null)));
        for bad in [vec![], vec![2, 1], vec![BY_HASH, 1, 2]] {
            let message = stored_cell(&Cell::Bytes(bad.clone())).err().unwrap();
            assert!(message.contains("tag"), "{bad:?}: {message}");
        }
        assert!(stored_cell(&Cell::Integer(1)).is_err());
    }

    #[test]
    fn a_filter_matches_both_stored_forms() {
        let [inline, by_hash] = stored_forms(b"abcd");
        assert_eq!(inline, SqlValue::Bytes(Cow::Owned(b"\x00abcd".to_vec())));
        let SqlValue::Bytes(by_hash) = by_hash else {
            panic!()
        };
        assert_eq!(by_hash[0], BY_HASH);
        assert_eq!(&by_hash[1..], &hash_of(b"abcd"));
    }
}
