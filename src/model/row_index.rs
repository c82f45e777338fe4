//! A star table's rows by key: the hash index `put_row` finds a row's place with, built
//! lazily after a snapshot restore.

use crate::model::idtable::IdTable;
use foldhash::fast::RandomState;
use std::hash::{BuildHasher, Hash};

/// A table's rows by key, without a copy of the keys: a hash table of row numbers whose
/// keys are read back from the table's own columns ([`IdTable`]). Eight bytes a slot
/// (the row and 32 bits of its key's hash), where a map from key tuple to row would
/// take 16 to 20 plus its own slack.
#[derive(Debug, Default)]
pub(super) struct RowIndex {
    pub(super) rows: IdTable,
    pub(super) hasher: RandomState,
    /// Not built yet: the table's rows were restored from a snapshot and checked to have
    /// distinct keys ([`rows_distinct`]); the table is built before the next load
    /// changes them (`ensure_index`), so a restore does not pay for it.
    pub(super) pending: bool,
}

/// Whether rows `0..len` have distinct keys, shown by sorting one hash per row and
/// finding no two equal (sequential work, where building the index is a random write
/// per row). `false` means two hashes are equal: the keys may still be distinct (a
/// one-in-billions collision), and only building the index (the exact test) tells.
fn rows_distinct<K: Hash>(len: usize, key_at: impl Fn(usize) -> K) -> bool {
    let hasher = foldhash::fast::FixedState::default();
    let mut hashes: Vec<u64> = (0..len).map(|r| hasher.hash_one(key_at(r))).collect();
    hashes.sort_unstable();
    !hashes.windows(2).any(|w| w[0] == w[1])
}

impl RowIndex {
    /// The index of rows `0..len`, or `None` when two rows share a key.
    pub(super) fn build<K: Hash + Eq>(len: usize, key_at: impl Fn(usize) -> K) -> Option<RowIndex> {
        let mut index = RowIndex::default();
        index.reserve(len);
        for row in 0..len {
            if index.upsert(key_at(row), row, &key_at).is_some() {
                return None;
            }
        }
        Some(index)
    }

    /// The index of restored rows `0..len`: deferred when their keys are shown
    /// distinct, else built (`None` when two rows share a key).
    pub(super) fn restored<K: Hash + Eq>(
        len: usize,
        key_at: impl Fn(usize) -> K,
    ) -> Option<RowIndex> {
        if rows_distinct(len, &key_at) {
            Some(RowIndex {
                pending: true,
                ..RowIndex::default()
            })
        } else {
            RowIndex::build(len, key_at)
        }
    }

    /// The row holding `key` (`key_at(row)` reads a row's key from the columns), or
    /// `None` after registering `key` as the new row `len`.
    #[inline]
    pub(super) fn upsert<K: Hash + Eq>(
        &mut self,
        key: K,
        len: usize,
        key_at: impl Fn(usize) -> K,
    ) -> Option<usize> {
        let hash = self.hasher.hash_one(&key);
        let len = u32::try_from(len).expect("a table holds at most 4 billion rows");
        let (row, added) = self
            .rows
            .find_or_insert(hash, len, |row| key_at(row as usize) == key);
        (!added).then_some(row as usize)
    }

    /// Reads the slots of `keys`, about to be upserted ([`IdTable::prefetch`]).
    #[inline]
    pub(super) fn prefetch<K: Hash>(&self, keys: impl IntoIterator<Item = K>) {
        let mut hashes = [0u64; PREFETCH_GROUP];
        let mut len = 0;
        for (slot, key) in hashes.iter_mut().zip(keys) {
            *slot = self.hasher.hash_one(key);
            len += 1;
        }
        self.rows.prefetch(&hashes[..len]);
    }

    /// Makes room for `additional` more rows without growing.
    pub(super) fn reserve(&mut self, additional: usize) {
        self.rows.reserve(additional);
    }

    /// Heap bytes of the hash table.
    pub(super) fn heap_bytes(&self) -> usize {
        self.rows.heap_bytes()
    }
}

/// Most rows whose index slots [`RowIndex::prefetch`] reads at once (the others are
/// left out).
pub const PREFETCH_GROUP: usize = 16;
