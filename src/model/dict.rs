//! Dictionary encoding of repeated text.
//!
//! A text column is stored as one `u32` key per row plus each distinct value once:
//!
//! ```text
//!  keys:   [0, 1, 0, 2, NULL_KEY, 1]      values: 0 -> "North"
//!                                                 1 -> "South"
//!                                                 2 -> "West"
//! ```
//!
//! Keys are dense (0..len), so per-value aggregates are plain arrays indexed by key.
//! [`NULL_KEY`] marks a missing value. Keys are assigned in first-seen order and never
//! change, so facts keep their keys when later loads add values.

use foldhash::fast::RandomState;
use std::collections::HashMap;

/// The key of a missing value in a dictionary-encoded column.
pub const NULL_KEY: u32 = u32::MAX;

/// Distinct text values with dense `u32` keys.
#[derive(Debug, Default, Clone)]
pub struct Dictionary {
    values: Vec<Box<str>>,
    index: HashMap<Box<str>, u32, RandomState>,
}

impl Dictionary {
    /// An empty dictionary.
    pub fn new() -> Self {
        Self::default()
    }

    /// The key of `value`, adding it if new.
    pub fn intern(&mut self, value: &str) -> u32 {
        if let Some(&key) = self.index.get(value) {
            return key;
        }
        let key = u32::try_from(self.values.len()).expect("more than 4 billion distinct values");
        self.values.push(value.into());
        self.index.insert(value.into(), key);
        key
    }

    /// The key of `value` if present.
    pub fn key_of(&self, value: &str) -> Option<u32> {
        self.index.get(value).copied()
    }

    /// The value of `key`; `None` for [`NULL_KEY`].
    pub fn value(&self, key: u32) -> Option<&str> {
        self.values.get(key as usize).map(|v| &**v)
    }

    /// Number of distinct values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// `true` when no value was added.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// All values in key order.
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(|v| &**v)
    }

    /// For each key, its position when the values are sorted by the byte order of their
    /// UTF-8 (SPEC §6), so results can be ordered by comparing `u32`s.
    pub fn sort_ranks(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.values.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            self.values[a as usize]
                .as_bytes()
                .cmp(self.values[b as usize].as_bytes())
        });
        let mut ranks = vec![0; order.len()];
        for (rank, key) in order.into_iter().enumerate() {
            ranks[key as usize] = rank as u32;
        }
        ranks
    }

    /// Approximate heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        let text: usize = self.values.iter().map(|v| v.len()).sum();
        // Each value is held twice (vector and index) plus the table's slots.
        2 * text + self.values.len() * (16 + 16 + 4 + 8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_once_with_dense_keys() {
        let mut d = Dictionary::new();
        assert_eq!(d.intern("South"), 0);
        assert_eq!(d.intern("North"), 1);
        assert_eq!(d.intern("South"), 0);
        assert_eq!(d.len(), 2);
        assert_eq!(d.value(1), Some("North"));
        assert_eq!(d.value(NULL_KEY), None);
        assert_eq!(d.key_of("West"), None);
    }

    #[test]
    fn ranks_follow_utf8_byte_order() {
        let mut d = Dictionary::new();
        for v in ["b", "a", "B", "é", "tenant_010", "tenant_002"] {
            d.intern(v);
        }
        // Byte order: "B" < "a" < "b" < "tenant_002" < "tenant_010" < "é".
        assert_eq!(d.sort_ranks(), vec![2, 1, 0, 5, 4, 3]);
    }
}
