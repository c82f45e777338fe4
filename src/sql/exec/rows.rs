//! Rows compared, hashed and de-duplicated as SQL sees them: by sort keys
//! ([`cmp_keys`]), and as sets by SQL equality ([`RowSet`]).

use crate::sql::plan::SortKey;
use crate::sql::value::{hash_val, total_cmp, Val};
use foldhash::fast::FixedState;
use hashbrown::HashTable;
use std::cmp::Ordering;
use std::hash::BuildHasher;

pub(super) const HASHER: FixedState = FixedState::with_seed(0x5eed);

pub(super) fn hash_row(values: &[Val<'_>]) -> u64 {
    use std::hash::Hasher;
    let mut h = HASHER.build_hasher();
    for v in values {
        hash_val(v, &mut h);
    }
    h.finish()
}

/// Rows compared value by value in SQL's total order (NULL, numbers, text): the order
/// an `Aggregate` gives its groups.
pub(super) fn cmp_rows(a: &[Val<'_>], b: &[Val<'_>]) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| total_cmp(x, y))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

pub(super) fn rows_equal(a: &[Val<'_>], b: &[Val<'_>]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| total_cmp(x, y) == Ordering::Equal)
}

/// Distinct rows by SQL equality, remembering first occurrences.
pub(super) struct RowSet<'w> {
    table: HashTable<usize>,
    pub(super) rows: Vec<Vec<Val<'w>>>,
}

impl<'w> RowSet<'w> {
    pub(super) fn new() -> Self {
        RowSet {
            table: HashTable::new(),
            rows: Vec::new(),
        }
    }

    /// The index of `row`, inserting it (a copy) when new: `(index, inserted)`.
    pub(super) fn insert(&mut self, row: &[Val<'w>]) -> (usize, bool) {
        let hash = hash_row(row);
        let rows = &self.rows;
        if let Some(&i) = self.table.find(hash, |&i| rows_equal(&rows[i], row)) {
            return (i, false);
        }
        let i = self.rows.len();
        self.rows.push(row.to_vec());
        let rows = &self.rows;
        self.table.insert_unique(hash, i, |&j| hash_row(&rows[j]));
        (i, true)
    }

    pub(super) fn contains(&self, row: &[Val<'w>]) -> bool {
        let hash = hash_row(row);
        self.table
            .find(hash, |&i| rows_equal(&self.rows[i], row))
            .is_some()
    }
}

pub(crate) fn cmp_keys(a: &[Val<'_>], b: &[Val<'_>], keys: &[SortKey]) -> Ordering {
    for ((x, y), key) in a.iter().zip(b).zip(keys) {
        let nulls_first = key.nulls_first.unwrap_or(!key.desc);
        let o = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => {
                if nulls_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (false, true) => {
                if nulls_first {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            _ => {
                let o = total_cmp(x, y);
                if key.desc {
                    o.reverse()
                } else {
                    o
                }
            }
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}
