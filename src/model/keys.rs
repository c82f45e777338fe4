//! Dictionary-key columns that are as narrow as their keys allow.
//!
//! The low-cardinality dimensions (tenant, region, product, channel) have tens to
//! thousands of values, so their keys fit in 16 bits. A [`KeyColumn`] stores them as
//! `u16` until a key above [`NARROW_MAX`] is written, then widens itself to `u32` once,
//! in place (a copy of the column; keys keep their values):
//!
//! ```text
//!  Narrow([u16]):  [0, 1, 0, 65535, 2]        65535 (u16::MAX) is NULL_KEY
//!        | set(row, 70_000): a key over NARROW_MAX
//!        v
//!  Wide([u32]):    [0, 1, 0, u32::MAX, 70000]  u32::MAX is NULL_KEY
//! ```
//!
//! Readers see `u32` keys either way ([`KeyColumn::get`]). Hot loops take the column's
//! slice once ([`KeyColumn::keys`], or the [`with_keys!`](crate::with_keys) macro) and
//! run a loop generic over [`Key`], so they are compiled once per width and pay no
//! branch per row.

use crate::model::dict::NULL_KEY;

/// The largest key a narrow column holds; `u16::MAX` is its [`NULL_KEY`].
pub const NARROW_MAX: u32 = u16::MAX as u32 - 1;

/// A stored key: `u16` or `u32`, read back as the dictionary's `u32` key.
pub trait Key: Copy + Eq + std::fmt::Debug {
    /// The dictionary key ([`NULL_KEY`] for a missing value).
    fn key(self) -> u32;
}

impl Key for u16 {
    #[inline(always)]
    fn key(self) -> u32 {
        if self == u16::MAX {
            NULL_KEY
        } else {
            u32::from(self)
        }
    }
}

impl Key for u32 {
    #[inline(always)]
    fn key(self) -> u32 {
        self
    }
}

/// A column of dictionary keys, `u16` while every key fits, `u32` after.
#[derive(Debug, Clone)]
pub enum KeyColumn {
    /// Keys up to [`NARROW_MAX`]; `u16::MAX` is a missing value.
    Narrow(Vec<u16>),
    /// Any key; [`NULL_KEY`] is a missing value.
    Wide(Vec<u32>),
}

/// A [`KeyColumn`]'s keys as a slice of their stored width.
#[derive(Debug, Clone, Copy)]
pub enum Keys<'a> {
    Narrow(&'a [u16]),
    Wide(&'a [u32]),
}

/// Runs `$body` with `$keys` bound to the key column `$column`'s slice (`&[u16]` or
/// `&[u32]`): the body is compiled once per width, so a loop inside it reads keys
/// (through [`Key::key`]) without a branch per row. Nest it for several columns.
///
/// ```
/// use bi_platform::model::keys::{Key, KeyColumn};
/// use bi_platform::with_keys;
/// let mut column = KeyColumn::default();
/// column.push(3);
/// column.push(70_000); // widens the column
/// let sum: u64 = with_keys!(column, |keys| keys.iter().map(|k| u64::from(k.key())).sum());
/// assert_eq!(sum, 70_003);
/// ```
#[macro_export]
macro_rules! with_keys {
    ($column:expr, |$keys:ident| $body:expr) => {
        match $column.keys() {
            $crate::model::keys::Keys::Narrow($keys) => $body,
            $crate::model::keys::Keys::Wide($keys) => $body,
        }
    };
}

impl Default for KeyColumn {
    fn default() -> Self {
        KeyColumn::Narrow(Vec::new())
    }
}

/// `key` in the narrow form, or `None` when it needs the wide one.
#[inline]
fn narrow(key: u32) -> Option<u16> {
    if key == NULL_KEY {
        Some(u16::MAX)
    } else if key <= NARROW_MAX {
        Some(key as u16)
    } else {
        None
    }
}

impl KeyColumn {
    /// A column of `rows` missing values.
    pub fn nulls(rows: usize) -> Self {
        KeyColumn::Narrow(vec![u16::MAX; rows])
    }

    /// Number of rows.
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            KeyColumn::Narrow(v) => v.len(),
            KeyColumn::Wide(v) => v.len(),
        }
    }

    /// `true` when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Rows the column holds without reallocating.
    pub fn capacity(&self) -> usize {
        match self {
            KeyColumn::Narrow(v) => v.capacity(),
            KeyColumn::Wide(v) => v.capacity(),
        }
    }

    /// Bytes a row takes: 2 or 4.
    pub fn width(&self) -> usize {
        match self {
            KeyColumn::Narrow(_) => 2,
            KeyColumn::Wide(_) => 4,
        }
    }

    /// `true` once the column holds `u32` keys.
    pub fn is_wide(&self) -> bool {
        matches!(self, KeyColumn::Wide(_))
    }

    /// Heap bytes the column holds (its capacity).
    pub fn heap_bytes(&self) -> usize {
        self.capacity() * self.width()
    }

    /// The key of `row` ([`NULL_KEY`] when missing). Panics when `row` is out of range.
    /// A loop over many rows should use [`keys`](Self::keys) or
    /// [`with_keys!`](crate::with_keys) instead.
    #[inline]
    pub fn get(&self, row: usize) -> u32 {
        match self {
            KeyColumn::Narrow(v) => v[row].key(),
            KeyColumn::Wide(v) => v[row],
        }
    }

    /// The keys as a slice of their stored width.
    #[inline]
    pub fn keys(&self) -> Keys<'_> {
        match self {
            KeyColumn::Narrow(v) => Keys::Narrow(v),
            KeyColumn::Wide(v) => Keys::Wide(v),
        }
    }

    /// The keys as `u32`: borrowed when the column is wide, a widened copy when narrow.
    /// For a kernel that should be compiled once: narrow columns take a `u16` instance
    /// of it, and any other mix of widths the `u32` one over these.
    pub fn wide_keys(&self) -> std::borrow::Cow<'_, [u32]> {
        match self {
            KeyColumn::Narrow(v) => v.iter().map(|k| k.key()).collect(),
            KeyColumn::Wide(v) => std::borrow::Cow::Borrowed(v),
        }
    }

    /// Every key as `u32`, in row order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.len()).map(|row| self.get(row))
    }

    /// Makes room for `additional` more rows.
    pub fn reserve(&mut self, additional: usize) {
        match self {
            KeyColumn::Narrow(v) => v.reserve(additional),
            KeyColumn::Wide(v) => v.reserve(additional),
        }
    }

    /// Makes room for exactly `additional` more rows.
    pub fn reserve_exact(&mut self, additional: usize) {
        match self {
            KeyColumn::Narrow(v) => v.reserve_exact(additional),
            KeyColumn::Wide(v) => v.reserve_exact(additional),
        }
    }

    /// Writes `key` at `row` (an existing row). Widens the column first when `key` does
    /// not fit the narrow form.
    pub fn set(&mut self, row: usize, key: u32) {
        if let KeyColumn::Narrow(v) = self {
            if let Some(k) = narrow(key) {
                v[row] = k;
                return;
            }
            self.widen();
        }
        if let KeyColumn::Wide(v) = self {
            v[row] = key;
        }
    }

    /// Appends `key`. Widens the column first when `key` does not fit the narrow form.
    pub fn push(&mut self, key: u32) {
        if let KeyColumn::Narrow(v) = self {
            if let Some(k) = narrow(key) {
                v.push(k);
                return;
            }
            self.widen();
        }
        if let KeyColumn::Wide(v) = self {
            v.push(key);
        }
    }

    /// Writes `key` at `row` when it is an existing row, or appends it.
    #[inline]
    pub fn put(&mut self, row: Option<usize>, key: u32) {
        match row {
            Some(row) => self.set(row, key),
            None => self.push(key),
        }
    }

    /// Keeps the first `len` rows; back to the narrow form when `narrow` (a roll-back to
    /// a column that was narrow: every key left fits it).
    pub fn truncate(&mut self, len: usize, narrow: bool) {
        match self {
            KeyColumn::Narrow(v) => v.truncate(len),
            KeyColumn::Wide(v) => {
                v.truncate(len);
                if narrow {
                    let keys = v.iter().map(|&k| self::narrow(k).expect("a narrow key"));
                    *self = KeyColumn::Narrow(keys.collect());
                }
            }
        }
    }

    /// Converts a narrow column to `u32` keys, keeping its capacity (a no-op when wide).
    pub fn widen(&mut self) {
        if let KeyColumn::Narrow(v) = self {
            let mut wide = Vec::with_capacity(v.capacity());
            wide.extend(v.iter().map(|k| k.key()));
            *self = KeyColumn::Wide(wide);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_until_a_key_does_not_fit_then_wide_with_the_same_keys() {
        let mut c = KeyColumn::default();
        for key in [0, NARROW_MAX, NULL_KEY, 7] {
            c.push(key);
        }
        assert!(!c.is_wide());
        assert_eq!(c.width(), 2);
        assert_eq!(c.iter().collect::<Vec<_>>(), [0, NARROW_MAX, NULL_KEY, 7]);
        c.set(3, NARROW_MAX + 1);
        assert!(c.is_wide());
        assert_eq!(
            c.iter().collect::<Vec<_>>(),
            [0, NARROW_MAX, NULL_KEY, NARROW_MAX + 1]
        );
        c.push(NULL_KEY);
        c.set(0, 9);
        assert_eq!(c.get(4), NULL_KEY);
        assert_eq!(c.get(0), 9);
        assert_eq!(c.len(), 5);
    }

    #[test]
    fn push_widens_and_null_stays_null() {
        let mut c = KeyColumn::nulls(3);
        assert_eq!(c.iter().collect::<Vec<_>>(), [NULL_KEY; 3]);
        c.push(1 << 20);
        assert!(c.is_wide());
        assert_eq!(
            c.iter().collect::<Vec<_>>(),
            [NULL_KEY, NULL_KEY, NULL_KEY, 1 << 20]
        );
        let total: u64 = with_keys!(c, |keys| keys
            .iter()
            .filter(|k| k.key() != NULL_KEY)
            .map(|k| u64::from(k.key()))
            .sum());
        assert_eq!(total, 1 << 20);
    }

    #[test]
    fn widening_keeps_the_capacity() {
        let mut c = KeyColumn::default();
        c.reserve(100);
        let capacity = c.capacity();
        c.push(1);
        c.widen();
        assert!(c.capacity() >= capacity);
        assert_eq!(c.heap_bytes(), c.capacity() * 4);
    }
}
