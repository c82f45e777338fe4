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
///
/// A table indexed by the number when the space is small next to the rows (at most
/// twice their count, within [`MIN_DENSE`]..[`MAX_DENSE`]), else a hash map: the table's
/// size grows with the key space, the map's with the groups found.
pub fn first_seen(numbers: &[u64], space: u64) -> (Vec<u32>, Vec<u32>) {
    let mut groups = Vec::with_capacity(numbers.len());
    let mut first = Vec::new();
    let dense_limit = (numbers.len() as u64)
        .saturating_mul(2)
        .clamp(MIN_DENSE, MAX_DENSE);
    if space <= dense_limit {
        let mut slot = vec![u32::MAX; space as usize];
        for (i, &n) in numbers.iter().enumerate() {
            let s = &mut slot[n as usize];
            if *s == u32::MAX {
                *s = first.len() as u32;
                first.push(i as u32);
            }
            groups.push(*s);
        }
    } else {
        let mut map: HashMap<u64, u32, FixedState> =
            HashMap::with_hasher(FixedState::with_seed(0x5eed));
        for (i, &n) in numbers.iter().enumerate() {
            let g = *map.entry(n).or_insert_with(|| {
                first.push(i as u32);
                first.len() as u32 - 1
            });
            groups.push(g);
        }
    }
    (groups, first)
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
