//! A hash table of `u32` ids whose keys live elsewhere (a dictionary's text arena, a
//! table's key columns), built for the commit's two hot lookups: interning a million
//! campaign ids and finding a million fact rows by key.
//!
//! Each slot holds an id and 32 bits of its key's hash, so a probe compares keys only
//! when those bits agree, and growing never reads a key back (hashbrown's tables,
//! used before, keep 7 bits: a growth re-hashed every key from its arena, and a probe
//! read the arena on one slot in 128 that only looked alike). Slots are probed
//! linearly from the one the hash picks: eight to a cache line, so a miss costs one
//! line, and the table is at most [`MAX_LOAD`] full.
//!
//! ```text
//!  slots: [ EMPTY | tag 0x9c41e7aa id 3 | tag 0x02f1c3aa id 0 | EMPTY | ... ]
//!                  ^ home of hash ..aa: probe here, then the next, until EMPTY
//! ```
//!
//! Callers that know the next keys ahead fetch their slots early ([`IdTable::prefetch`]):
//! a lookup in a table of millions is a cache miss, and a few in flight at once cost
//! little more than one.

/// A slot holding no id (no id is `u32::MAX`: that is the dictionaries' null key and
/// past any table's rows).
const EMPTY: u64 = u64::MAX;

/// The fullest a table gets, as a fraction: beyond it, it doubles.
pub const MAX_LOAD: (usize, usize) = (7, 10);

/// Heap bytes per slot.
pub const SLOT_BYTES: u64 = 8;

/// Ids of keys stored elsewhere, by hash.
#[derive(Debug, Clone, Default)]
pub struct IdTable {
    slots: Vec<u64>,
    len: usize,
}

/// The 32 bits of a 64-bit hash kept in a slot, which also pick its home slot.
#[inline(always)]
fn tag(hash: u64) -> u32 {
    (hash >> 32) as u32
}

#[inline(always)]
fn slot(tag: u32, id: u32) -> u64 {
    (u64::from(tag) << 32) | u64::from(id)
}

impl IdTable {
    /// Slots a table holding `items` ids has: a power of two, at most [`MAX_LOAD`] full
    /// (none for an empty table). What the memory estimate of a commit counts.
    pub fn slots_for(items: usize) -> usize {
        if items == 0 {
            return 0;
        }
        let (num, den) = MAX_LOAD;
        (items.saturating_mul(den).div_ceil(num))
            .next_power_of_two()
            .max(8)
    }

    /// Number of ids.
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` when no id was added.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Heap bytes of the slots.
    pub fn heap_bytes(&self) -> usize {
        self.slots.capacity() * SLOT_BYTES as usize
    }

    #[inline(always)]
    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// The id whose key `is_key` accepts among those hashed to `hash`, or `None`.
    #[inline]
    pub fn find(&self, hash: u64, mut is_key: impl FnMut(u32) -> bool) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let (tag, mask) = (tag(hash), self.mask());
        let mut at = tag as usize & mask;
        loop {
            let s = self.slots[at];
            if s == EMPTY {
                return None;
            }
            if (s >> 32) as u32 == tag && is_key(s as u32) {
                return Some(s as u32);
            }
            at = (at + 1) & mask;
        }
    }

    /// The id of the key hashed to `hash` that `is_key` accepts (`false`: it was there),
    /// or `new_id`, registered for it (`true`). One probe sequence either way.
    #[inline]
    pub fn find_or_insert(
        &mut self,
        hash: u64,
        new_id: u32,
        mut is_key: impl FnMut(u32) -> bool,
    ) -> (u32, bool) {
        debug_assert_ne!(new_id, u32::MAX, "u32::MAX is no id");
        self.reserve(1);
        let (tag, mask) = (tag(hash), self.mask());
        let mut at = tag as usize & mask;
        loop {
            let s = self.slots[at];
            if s == EMPTY {
                self.slots[at] = slot(tag, new_id);
                self.len += 1;
                return (new_id, true);
            }
            if (s >> 32) as u32 == tag && is_key(s as u32) {
                return (s as u32, false);
            }
            at = (at + 1) & mask;
        }
    }

    /// Reads the home slots of `hashes`, so that their lookups, coming next, find them
    /// cached. The loads are independent, so the processor has them all in flight at
    /// once, where lookups one by one wait for each miss in turn. Only a hint: it
    /// changes nothing.
    #[inline]
    pub fn prefetch(&self, hashes: &[u64]) {
        if self.slots.is_empty() {
            return;
        }
        let mask = self.mask();
        let touched = hashes.iter().fold(0u64, |acc, &hash| {
            acc ^ self.slots[tag(hash) as usize & mask]
        });
        std::hint::black_box(touched);
    }

    /// Makes room for `additional` more ids without growing.
    pub fn reserve(&mut self, additional: usize) {
        let needed = self.len.saturating_add(additional);
        let (num, den) = MAX_LOAD;
        if needed.saturating_mul(den) <= self.slots.len().saturating_mul(num) {
            return;
        }
        self.grow_to(Self::slots_for(needed));
    }

    /// Moves every id into `slots` slots (a power of two), placed by its stored tag: no
    /// key is read back.
    fn grow_to(&mut self, slots: usize) {
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; slots]);
        let mask = self.mask();
        for s in old.into_iter().filter(|&s| s != EMPTY) {
            let mut at = (s >> 32) as usize & mask;
            while self.slots[at] != EMPTY {
                at = (at + 1) & mask;
            }
            self.slots[at] = s;
        }
    }

    /// Removes every id.
    pub fn clear(&mut self) {
        self.slots.fill(EMPTY);
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    /// A deliberately poor hash (many keys share a tag, many tags a home slot), so
    /// probing past look-alikes and wrapping round the end are exercised.
    fn poor_hash(key: u16) -> u64 {
        u64::from(key % 37) << 32 | u64::from(key)
    }

    proptest! {
        /// Interning a sequence of keys gives each distinct key one id, the first one
        /// offered for it, whatever the growth and reservations in between: checked
        /// against a map.
        #[test]
        fn ids_match_a_map(
            keys in prop::collection::vec(0u16..400, 0..600),
            reserve_every in 1usize..50,
            poor in any::<bool>(),
        ) {
            let hash = |k: u16| if poor { poor_hash(k) } else {
                foldhash::fast::FixedState::default().hash_one(k)
            };
            let mut table = IdTable::default();
            let mut stored: Vec<u16> = Vec::new();
            let mut oracle: HashMap<u16, u32> = HashMap::new();
            for (i, &key) in keys.iter().enumerate() {
                if i % reserve_every == 0 {
                    table.reserve(i % 7);
                }
                let h = hash(key);
                table.prefetch(&[h, hash(key.wrapping_add(1))]);
                let (id, added) = table.find_or_insert(h, stored.len() as u32, |id| stored[id as usize] == key);
                let expected = *oracle.entry(key).or_insert(stored.len() as u32);
                prop_assert_eq!(id, expected);
                prop_assert_eq!(added, id as usize == stored.len());
                if added {
                    stored.push(key);
                }
                prop_assert_eq!(table.len(), stored.len());
                let (num, den) = MAX_LOAD;
                prop_assert!(table.len() * den <= table.slots.len() * num);
            }
            for key in 0u16..400 {
                let found = table.find(hash(key), |id| stored[id as usize] == key);
                prop_assert_eq!(found, oracle.get(&key).copied());
            }
            table.clear();
            prop_assert!(table.find(hash(1), |_| true).is_none());
        }
    }

    use std::hash::BuildHasher;

    #[test]
    fn slots_for_keeps_the_load() {
        assert_eq!(IdTable::slots_for(0), 0);
        assert_eq!(IdTable::slots_for(1), 8);
        assert_eq!(IdTable::slots_for(7), 16);
        for items in [5usize, 100, 1_000_000] {
            let slots = IdTable::slots_for(items);
            assert!(slots.is_power_of_two());
            assert!(items * MAX_LOAD.1 <= slots * MAX_LOAD.0);
            assert!(items * MAX_LOAD.1 > slots / 2 * MAX_LOAD.0 || slots == 8);
        }
    }
}
