//! Group-by on combined keys, shared by the executor's fast path
//! ([`crate::sql`]) and the pivot ([`crate::pivot`]): each row's group columns are
//! first folded into one number in mixed radix (`((c0 * d1) + c1) * d2 + c2 ...`, `ci`
//! a column's dense code and `di` its number of codes), then numbered here.

use foldhash::fast::FixedState;
use std::collections::HashMap;

/// Key spaces up to this many numbers are looked up in a table of `u32` slots when the
/// rows are few (the table is then cheaper than hashing; 256 KiB).
const MIN_DENSE: u64 = 1 << 16;
/// A table of slots never goes past this many (64 MiB); larger key spaces are hashed.
const MAX_DENSE: u64 = 1 << 24;

/// Groups of `numbers` (each below `space`), numbered in first-seen order: each row's
/// group, and each group's first row (an index into `numbers`).
pub fn first_seen(numbers: &[u64], space: u64) -> (Vec<u32>, Vec<u32>) {
    let mut numbering = Numbering::new(space, numbers.len());
    let mut groups = Vec::with_capacity(numbers.len());
    numbering.number(numbers, |i| i as u32, &mut groups);
    (groups, numbering.into_first())
}

/// Where each number seen so far has its group.
enum Slots {
    /// Indexed by the number (`u32::MAX`: not seen).
    Table(Vec<u32>),
    Map(HashMap<u64, u32, FixedState>),
}

/// Numbers groups in first-seen order, a batch of rows at a time: what [`first_seen`]
/// does over all rows at once, for callers that group each batch as they fold it.
///
/// A table indexed by the number when the space is small next to the rows (at most
/// twice their count, within [`MIN_DENSE`]..[`MAX_DENSE`]), else a hash map: the table's
/// size grows with the key space, the map's with the groups found.
pub struct Numbering {
    slots: Slots,
    /// Each group's first row, as the caller names rows.
    first: Vec<u32>,
}

impl Numbering {
    /// For numbers below `space` over `rows` rows in all.
    pub fn new(space: u64, rows: usize) -> Self {
        let dense_limit = (rows as u64).saturating_mul(2).clamp(MIN_DENSE, MAX_DENSE);
        let slots = if space <= dense_limit {
            Slots::Table(vec![u32::MAX; space as usize])
        } else {
            Slots::Map(HashMap::with_hasher(FixedState::with_seed(0x5eed)))
        };
        Numbering {
            slots,
            first: Vec::new(),
        }
    }

    /// Appends each number's group to `groups`; a number not seen before opens a group
    /// whose first row is `row(i)` for the number at `i`.
    pub fn number(&mut self, numbers: &[u64], row: impl Fn(usize) -> u32, groups: &mut Vec<u32>) {
        let first = &mut self.first;
        match &mut self.slots {
            Slots::Table(slot) => {
                for (i, &n) in numbers.iter().enumerate() {
                    let s = &mut slot[n as usize];
                    if *s == u32::MAX {
                        *s = first.len() as u32;
                        first.push(row(i));
                    }
                    groups.push(*s);
                }
            }
            Slots::Map(map) => {
                for (i, &n) in numbers.iter().enumerate() {
                    let g = *map.entry(n).or_insert_with(|| {
                        first.push(row(i));
                        first.len() as u32 - 1
                    });
                    groups.push(g);
                }
            }
        }
    }

    /// The groups found so far.
    pub fn len(&self) -> usize {
        self.first.len()
    }

    /// Whether no group was found.
    pub fn is_empty(&self) -> bool {
        self.first.is_empty()
    }

    /// Each group's first row.
    pub fn into_first(self) -> Vec<u32> {
        self.first
    }
}

#[cfg(test)]
mod tests {
    use super::first_seen;

    #[test]
    fn groups_are_numbered_in_first_seen_order_by_table_and_by_map() {
        let numbers = [7, 3, 7, 0, 3, 9];
        let expected = (vec![0, 1, 0, 2, 1, 3], vec![0, 1, 3, 5]);
        assert_eq!(first_seen(&numbers, 10), expected, "table");
        assert_eq!(first_seen(&numbers, u64::MAX), expected, "map");
        let wide: Vec<u64> = numbers.iter().map(|n| n << 40).collect();
        assert_eq!(first_seen(&wide, 1 << 50), expected, "map past the table");
        assert_eq!(first_seen(&[], 0), (vec![], vec![]));
    }
}
