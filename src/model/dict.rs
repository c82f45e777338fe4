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

use crate::model::idtable::IdTable;
use foldhash::fast::FixedState;
use std::hash::BuildHasher;
use std::sync::OnceLock;

/// The key of a missing value in a dictionary-encoded column.
pub const NULL_KEY: u32 = u32::MAX;

/// A hash table of keys whose values live in an arena owned by the caller: one
/// allocation for all the text instead of two per distinct value.
#[derive(Debug, Default, Clone)]
pub struct InternTable {
    table: IdTable,
    hasher: FixedState,
}

impl InternTable {
    /// The hash of `value` the table files it under.
    #[inline]
    pub fn hash(&self, value: &[u8]) -> u64 {
        self.hasher.hash_one(value)
    }

    /// The key of `value`, or `None`; `get` reads a key's value from the arena.
    pub fn find<'a>(&self, value: &[u8], get: impl Fn(u32) -> &'a [u8]) -> Option<u32> {
        self.table.find(self.hash(value), |k| get(k) == value)
    }

    /// The key of `value` if present (`false`), else `new_key`, registered for it
    /// (`true`; the caller then adds the value under that key). One hash and one probe,
    /// where `find` then `insert` take two of each.
    pub fn find_or_insert<'a>(
        &mut self,
        value: &[u8],
        new_key: u32,
        get: impl Fn(u32) -> &'a [u8],
    ) -> (u32, bool) {
        let hash = self.hash(value);
        self.find_or_insert_hashed(hash, value, new_key, get)
    }

    /// [`find_or_insert`](Self::find_or_insert) with `value`'s [`hash`](Self::hash)
    /// computed ahead.
    #[inline]
    pub fn find_or_insert_hashed<'a>(
        &mut self,
        hash: u64,
        value: &[u8],
        new_key: u32,
        get: impl Fn(u32) -> &'a [u8],
    ) -> (u32, bool) {
        self.table
            .find_or_insert(hash, new_key, |k| get(k) == value)
    }

    /// Reads the slots of values hashed to `hashes`, looked up next
    /// ([`IdTable::prefetch`]).
    #[inline]
    pub fn prefetch(&self, hashes: &[u64]) {
        self.table.prefetch(hashes);
    }

    /// Makes room for `additional` more keys.
    pub fn reserve(&mut self, additional: usize) {
        self.table.reserve(additional);
    }

    /// Heap bytes of the table.
    pub fn heap_bytes(&self) -> usize {
        self.table.heap_bytes()
    }
}

/// How many values [`Dictionary::intern_all`] hashes, and fetches the slots of, at a
/// time: enough cache misses in flight to overlap, few enough that the slots are still
/// cached when their turn comes.
const LOOKAHEAD: usize = 16;

/// Offsets of values packed end to end in one buffer.
#[derive(Debug, Default, Clone)]
pub struct Ends(Vec<usize>);

impl Ends {
    /// Byte range of value `key`.
    #[inline]
    pub fn range(&self, key: u32) -> std::ops::Range<usize> {
        let k = key as usize;
        let start = if k == 0 { 0 } else { self.0[k - 1] };
        start..self.0[k]
    }

    fn push(&mut self, end: usize) -> u32 {
        self.0.push(end);
        u32::try_from(self.0.len() - 1).expect("more than 4 billion distinct values")
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// `true` when no value was added.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Distinct text values with dense `u32` keys, stored in one string arena.
#[derive(Debug, Default, Clone)]
pub struct Dictionary {
    text: String,
    ends: Ends,
    /// The intern table, built on first need: a dictionary restored from a snapshot
    /// ([`Dictionary::from_parts`]) is read by key, and its table (a hash and a random
    /// write per value: most of a restore's time at 1M campaign ids) is only built when
    /// a value is looked up or added.
    index: OnceLock<InternTable>,
}

impl Dictionary {
    /// An empty dictionary.
    pub fn new() -> Self {
        Self::default()
    }

    /// The key of `value`, adding it if new.
    pub fn intern(&mut self, value: &str) -> u32 {
        self.built();
        let index = self.index.get_mut().expect("built just above");
        let hash = index.hash(value.as_bytes());
        Self::intern_hashed(index, &mut self.text, &mut self.ends, hash, value)
    }

    /// The keys of `values`, in order, adding the new ones: what calling
    /// [`intern`](Self::intern) on each gives, faster for many values. A value's slot
    /// is fetched with those of the [`LOOKAHEAD`] values around it, so the cache misses of
    /// a large dictionary (a million campaign ids) overlap instead of coming one at a
    /// time.
    pub fn intern_all<'v>(&mut self, values: impl IntoIterator<Item = &'v str>) -> Vec<u32> {
        self.built();
        let index = self.index.get_mut().expect("built just above");
        let mut values = values.into_iter();
        let mut keys = Vec::with_capacity(values.size_hint().0);
        let mut group: [(u64, &str); LOOKAHEAD] = [(0, ""); LOOKAHEAD];
        let mut hashes = [0u64; LOOKAHEAD];
        loop {
            let mut len = 0;
            // The group first: `zip` asks it before the values, so no value is taken
            // that the group has no room for.
            for (slot, value) in group.iter_mut().zip(values.by_ref()) {
                *slot = (index.hash(value.as_bytes()), value);
                hashes[len] = slot.0;
                len += 1;
            }
            if len == 0 {
                return keys;
            }
            index.prefetch(&hashes[..len]);
            for &(hash, value) in &group[..len] {
                keys.push(Self::intern_hashed(
                    index,
                    &mut self.text,
                    &mut self.ends,
                    hash,
                    value,
                ));
            }
        }
    }

    /// Interns `value`, hashed to `hash`, into the parts of a dictionary.
    #[inline(always)]
    fn intern_hashed(
        index: &mut InternTable,
        text: &mut String,
        ends: &mut Ends,
        hash: u64,
        value: &str,
    ) -> u32 {
        let next = u32::try_from(ends.len()).expect("more than 4 billion distinct values");
        let (key, added) = {
            let (text, ends) = (&*text, &*ends);
            index.find_or_insert_hashed(hash, value.as_bytes(), next, |k| {
                text[ends.range(k)].as_bytes()
            })
        };
        if added {
            text.push_str(value);
            ends.push(text.len());
        }
        key
    }

    /// Makes room for `additional` more values without rehashing.
    pub fn reserve(&mut self, additional: usize) {
        self.ends.0.reserve(additional);
        self.built();
        let index = self.index.get_mut().expect("built just above");
        index.reserve(additional);
    }

    /// Keeps the first `len` values (a roll-back: the keys past them are unused). The
    /// intern table is built again when next needed.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len() {
            return;
        }
        let end = if len == 0 { 0 } else { self.ends.0[len - 1] };
        self.text.truncate(end);
        self.ends.0.truncate(len);
        self.index = OnceLock::new();
    }

    /// The key of `value` if present.
    pub fn key_of(&self, value: &str) -> Option<u32> {
        self.built().find(value.as_bytes(), |k| {
            self.text[self.ends.range(k)].as_bytes()
        })
    }

    /// The intern table, built from the values if it is not yet (their uniqueness was
    /// checked when they were restored, or held as they were interned).
    fn built(&self) -> &InternTable {
        self.index.get_or_init(|| {
            let mut index = InternTable::default();
            let get = |k: u32| self.text[self.ends.range(k)].as_bytes();
            index.reserve(self.ends.len());
            for key in 0..self.ends.len() as u32 {
                index.find_or_insert(get(key), key, get);
            }
            index
        })
    }

    /// The value of `key`; `None` for [`NULL_KEY`].
    #[inline]
    pub fn value(&self, key: u32) -> Option<&str> {
        ((key as usize) < self.ends.len()).then(|| &self.text[self.ends.range(key)])
    }

    /// Number of distinct values.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// `true` when no value was added.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// All values in key order.
    pub fn values(&self) -> impl Iterator<Item = &str> {
        (0..self.len() as u32).map(|k| &self.text[self.ends.range(k)])
    }

    /// The arena and the end offset of each value (value `k` is
    /// `text[ends[k - 1]..ends[k]]`, the first starting at 0): the dictionary as stored,
    /// for [`crate::snapshot`].
    pub fn parts(&self) -> (&str, &[usize]) {
        (&self.text, &self.ends.0)
    }

    /// A dictionary from its [`parts`](Self::parts), its values checked distinct (one
    /// hash per value, sorted) and its intern table left to be built on first need. Refused, with what is wrong, when an end goes backwards, past the
    /// arena or into a character, when the last end is not the arena's length, or when
    /// a value repeats (keys would no longer be the one key of their value).
    ///
    /// ```
    /// use bi_platform::model::dict::Dictionary;
    /// let d = Dictionary::from_parts("NorthSouth".into(), vec![5, 10]).unwrap();
    /// assert_eq!((d.value(1), d.key_of("North")), (Some("South"), Some(0)));
    /// assert!(Dictionary::from_parts("NorthNorth".into(), vec![5, 10]).is_err());
    /// ```
    pub fn from_parts(text: String, ends: Vec<usize>) -> Result<Self, String> {
        let mut start = 0;
        for &end in &ends {
            if end < start || end > text.len() || !text.is_char_boundary(end) {
                return Err(format!(
                    "a dictionary value ends at {end}, outside its {} bytes of text",
                    text.len()
                ));
            }
            start = end;
        }
        if start != text.len() {
            return Err(format!(
                "a dictionary's values take {start} of its {} bytes of text",
                text.len()
            ));
        }
        u32::try_from(ends.len()).map_err(|_| "more than 4 billion distinct values")?;
        let dict = Dictionary {
            text,
            ends: Ends(ends),
            index: OnceLock::new(),
        };
        // Distinct values have distinct hashes but for a one-in-billions collision:
        // sorting the hashes and finding no two equal proves the values distinct without
        // building the intern table (sequential work, where the table's inserts are
        // random writes). Equal hashes fall back to the exact test, the table itself.
        let (text, ends) = (&dict.text, &dict.ends);
        let get = |k: u32| text[ends.range(k)].as_bytes();
        let hasher = FixedState::default();
        let mut hashes: Vec<u64> = (0..ends.len() as u32)
            .map(|k| hasher.hash_one(get(k)))
            .collect();
        hashes.sort_unstable();
        if hashes.windows(2).any(|w| w[0] == w[1]) {
            let mut index = InternTable::default();
            index.reserve(ends.len());
            for key in 0..ends.len() as u32 {
                let (found, added) = index.find_or_insert(get(key), key, get);
                if !added {
                    return Err(format!(
                        "a dictionary holds {:?} twice (keys {found} and {key})",
                        &text[ends.range(key)]
                    ));
                }
            }
            let _ = dict.index.set(index);
        }
        Ok(dict)
    }

    /// For each key, its position when the values are sorted by the byte order of their
    /// UTF-8 (SPEC §6), so results can be ordered by comparing `u32`s.
    ///
    /// Sorted as (sixteen bytes, key) pairs, the sixteen bytes (two big-endian words)
    /// from just past the prefix every value shares (ids such as
    /// `camp_tenant_001_000042` share up to 13), with the whole values compared only
    /// where those bytes tie: most comparisons of a million ids then read no text.
    /// Comparing the values themselves, each through its key, was most of the page's
    /// first view after loading 1M campaign rows; with eight bytes, the ids of one
    /// tenant (`001_0000` for ten thousand of them) still tied and were compared whole.
    pub fn sort_ranks(&self) -> Vec<u32> {
        let bytes = |k: u32| self.text[self.ends.range(k)].as_bytes();
        let shared = (1..self.len() as u32).fold(
            self.len().checked_sub(1).map_or(0, |_| bytes(0).len()),
            |shared, k| {
                let (a, b) = (&bytes(0)[..shared], bytes(k));
                a.iter().zip(b).take_while(|(x, y)| x == y).count()
            },
        );
        let mut order: Vec<([u64; 2], u32)> = (0..self.len() as u32)
            .map(|k| {
                let mut head = [0u8; 16];
                let rest = &bytes(k)[shared..];
                let n = rest.len().min(16);
                head[..n].copy_from_slice(&rest[..n]);
                let word = |i: usize| u64::from_be_bytes(head[i..i + 8].try_into().unwrap());
                ([word(0), word(8)], k)
            })
            .collect();
        order.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| bytes(a.1).cmp(bytes(b.1))));
        let mut ranks = vec![0; order.len()];
        for (rank, (_, key)) in order.into_iter().enumerate() {
            ranks[key as usize] = rank as u32;
        }
        ranks
    }
}

/// Distinct raw byte strings (text of not yet known encoding) with dense `u32` keys.
#[derive(Debug, Default, Clone)]
pub struct ByteDictionary {
    bytes: Vec<u8>,
    ends: Ends,
    index: InternTable,
}

impl ByteDictionary {
    /// The key of `value`, adding it if new.
    pub fn intern(&mut self, value: &[u8]) -> u32 {
        let next = u32::try_from(self.ends.len()).expect("more than 4 billion distinct values");
        let (bytes, ends) = (&self.bytes, &self.ends);
        let (key, added) = self
            .index
            .find_or_insert(value, next, |k| &bytes[ends.range(k)]);
        if added {
            self.bytes.extend_from_slice(value);
            self.ends.push(self.bytes.len());
        }
        key
    }

    /// Adds `value` under a new key without looking for it first: for columns whose
    /// values are nearly all distinct (ids), where hashing each one only to find it new
    /// costs more than storing an occasional repeat twice. A value added this way is
    /// not found by [`ByteDictionary::intern`]; two keys may then hold the same bytes.
    pub fn append(&mut self, value: &[u8]) -> u32 {
        self.bytes.extend_from_slice(value);
        self.ends.push(self.bytes.len())
    }

    /// Appends every value of `other` under new keys, in key order, without looking for
    /// them (as [`ByteDictionary::append`] does); returns the key `other`'s key 0 now has,
    /// so `other`'s key `k` is the returned key + `k`.
    pub fn append_all(&mut self, other: &ByteDictionary) -> u32 {
        let first = u32::try_from(self.ends.len()).expect("more than 4 billion distinct values");
        let base = self.bytes.len();
        self.bytes.extend_from_slice(&other.bytes);
        self.ends
            .0
            .extend(other.ends.0.iter().map(|end| base + end));
        // Every key handed out must fit in a u32, the last one included.
        assert!(
            u32::try_from(self.ends.len()).is_ok(),
            "more than 4 billion distinct values"
        );
        first
    }

    /// The arena (every value end to end, in key order) and each value's end in it: what
    /// [`ByteDictionary::appended`] rebuilds the dictionary from, on another worker.
    pub fn arena(&self) -> (&[u8], &[usize]) {
        (&self.bytes, &self.ends.0)
    }

    /// A dictionary of the values of an [`arena`](ByteDictionary::arena), all added as
    /// [`ByteDictionary::append`] adds them (not found by `intern`): a worker's staged
    /// text, joining another dictionary with [`ByteDictionary::append_all`]. `None`
    /// when the ends do not ascend within the arena.
    pub fn appended(bytes: Vec<u8>, ends: Vec<usize>) -> Option<Self> {
        let ascending = ends.windows(2).all(|w| w[0] <= w[1]);
        let within = ends.last().is_none_or(|&end| end == bytes.len());
        let fits = u32::try_from(ends.len()).is_ok();
        (ascending && within && fits).then(|| ByteDictionary {
            bytes,
            ends: Ends(ends),
            index: InternTable::default(),
        })
    }

    /// The bytes of `key`.
    pub fn value(&self, key: u32) -> &[u8] {
        &self.bytes[self.ends.range(key)]
    }

    /// Number of keys (distinct values, plus repeats added by `append`).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// `true` when empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// All values decoded as UTF-8 (one validation of the whole arena, which then
    /// becomes the text without a copy) or with `decode` per value.
    pub fn into_decoded(self, utf8: bool, decode: impl Fn(&[u8]) -> String) -> DecodedText {
        let bytes = if utf8 {
            match String::from_utf8(self.bytes) {
                Ok(text) => {
                    return DecodedText {
                        text,
                        ends: self.ends,
                    }
                }
                Err(error) => error.into_bytes(),
            }
        } else {
            self.bytes
        };
        let mut text = String::with_capacity(bytes.len());
        let mut ends = Ends::default();
        for key in 0..self.ends.len() as u32 {
            text.push_str(&decode(&bytes[self.ends.range(key)]));
            ends.push(text.len());
        }
        DecodedText { text, ends }
    }
}

/// The values of a [`ByteDictionary`] decoded to text, same keys.
#[derive(Debug, Default, Clone)]
pub struct DecodedText {
    text: String,
    ends: Ends,
}

impl DecodedText {
    /// The text of `key`.
    #[inline]
    pub fn get(&self, key: u32) -> &str {
        &self.text[self.ends.range(key)]
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// `true` when empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Ranks are the values' positions in byte order, whatever prefix they share and
        /// however long they are (the eight bytes compared first pad short values with
        /// zeros, which a NUL in a value must not confuse).
        #[test]
        fn sort_ranks_are_byte_order_positions(
            prefix in "[a_]{0,14}",
            tails in prop::collection::vec("[a-c\\x00é]{0,24}", 0..60),
        ) {
            let mut d = Dictionary::new();
            for tail in &tails {
                d.intern(&format!("{prefix}{tail}"));
            }
            let mut sorted: Vec<u32> = (0..d.len() as u32).collect();
            sorted.sort_by(|&a, &b| d.value(a).unwrap().as_bytes().cmp(d.value(b).unwrap().as_bytes()));
            let mut expected = vec![0; sorted.len()];
            for (rank, key) in sorted.into_iter().enumerate() {
                expected[key as usize] = rank as u32;
            }
            prop_assert_eq!(d.sort_ranks(), expected);
        }

        /// Interning a batch gives the keys, and leaves the dictionary, that interning
        /// its values one by one does: batches shorter and longer than a group, values
        /// repeating within a group and across groups, on a dictionary already holding
        /// some of them.
        #[test]
        fn intern_all_equals_intern_one_by_one(
            before in prop::collection::vec(0u16..300, 0..40),
            batches in prop::collection::vec(prop::collection::vec(0u16..300, 0..70), 1..4),
        ) {
            let text = |v: &u16| format!("value {v}");
            let (mut one, mut all) = (Dictionary::new(), Dictionary::new());
            for v in &before {
                one.intern(&text(v));
                all.intern(&text(v));
            }
            for batch in &batches {
                let expected: Vec<u32> = batch.iter().map(|v| one.intern(&text(v))).collect();
                let texts: Vec<String> = batch.iter().map(text).collect();
                prop_assert_eq!(all.intern_all(texts.iter().map(String::as_str)), expected);
                prop_assert_eq!(all.parts(), one.parts());
            }
            for v in 0u16..300 {
                prop_assert_eq!(all.key_of(&text(&v)), one.key_of(&text(&v)));
            }
        }
    }

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
    fn byte_dictionary_decodes_utf8_at_once_or_per_value() {
        let mut d = ByteDictionary::default();
        assert_eq!(d.intern(b"caf\xc3\xa9"), 0);
        assert_eq!(d.intern(b""), 1);
        assert_eq!(d.intern(b"x"), 2);
        assert_eq!(d.intern(b"caf\xc3\xa9"), 0);
        let decoded = d
            .clone()
            .into_decoded(true, |b| String::from_utf8_lossy(b).into_owned());
        assert_eq!(
            (decoded.get(0), decoded.get(1), decoded.get(2)),
            ("café", "", "x")
        );
        let mut d = ByteDictionary::default();
        d.intern(b"caf\xe9");
        let decoded = d.into_decoded(false, |b| b.iter().map(|&c| c as char).collect());
        assert_eq!(decoded.get(0), "café");
    }

    #[test]
    fn appended_values_get_their_own_keys() {
        let mut d = ByteDictionary::default();
        assert_eq!(d.intern(b"a"), 0);
        assert_eq!(d.append(b"b"), 1);
        assert_eq!(d.append(b"b"), 2);
        assert_eq!(d.append(b"a"), 3);
        assert_eq!(d.intern(b"a"), 0);
        assert_eq!(d.intern(b"b"), 4, "appended values are not interned");
        assert_eq!(d.value(2), b"b");
        let decoded = d.into_decoded(true, |b| String::from_utf8_lossy(b).into_owned());
        assert_eq!((decoded.get(1), decoded.get(3)), ("b", "a"));
    }

    #[test]
    fn many_values_survive_table_growth() {
        let mut d = Dictionary::new();
        for i in 0..10_000 {
            assert_eq!(d.intern(&format!("v{i}")), i);
        }
        for i in 0..10_000 {
            assert_eq!(d.key_of(&format!("v{i}")), Some(i));
            assert_eq!(d.value(i), Some(format!("v{i}").as_str()));
        }
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
