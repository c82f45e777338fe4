//! The `star_table!` macro that declares a star table's storage once, and what its
//! expansion is made of: the borrowed column views ([`Values`], [`StoredColumn`]), the
//! roll-back journal and the [`Stored`] access to one row of a column.

use crate::model::date::Day;
use crate::model::dict::{Dictionary, NULL_KEY};
use crate::model::keys::KeyColumn;
use crate::model::schema::Column;
use std::hash::Hash;

/// Unknown columns of a table, kept as text attributes.
#[derive(Debug, Default)]
pub struct Extras {
    pub names: Vec<String>,
    /// One key column per name, into `values`.
    pub columns: Vec<Vec<u32>>,
    pub values: Dictionary,
}

impl Extras {
    /// The index of the extra column `name`, added (null for the table's `rows` rows)
    /// when the table does not have it yet.
    pub fn column(&mut self, name: &str, rows: usize) -> usize {
        if let Some(i) = self.names.iter().position(|n| n == name) {
            return i;
        }
        self.names.push(name.to_string());
        self.columns.push(vec![NULL_KEY; rows]);
        self.columns.len() - 1
    }

    /// Nulls row `at` of every extra column (`None`: appends a null row), as its
    /// table's `put_row` does: a row that replaces another replaces it whole, earlier
    /// attributes included, and the commit then sets the attributes the new row has.
    #[inline]
    pub(super) fn put_nulls(&mut self, at: Option<usize>) {
        for column in &mut self.columns {
            Stored::put(column, at, NULL_KEY);
        }
    }
}

impl Extras {
    /// Keeps the first `rows` rows of the first `columns` columns, and the first
    /// `values` values.
    pub(super) fn truncate(&mut self, rows: usize, columns: usize, values: usize) {
        self.names.truncate(columns);
        self.columns.truncate(columns);
        for column in &mut self.columns {
            column.truncate(rows);
        }
        self.values.truncate(values);
    }
}

/// A dictionary a text column's keys point into: one of the [`crate::model::star::Dimensions`], or a
/// table's [`Extras`] values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dim {
    Tenant,
    Campaign,
    CampaignName,
    Region,
    Product,
    Channel,
    Customer,
    CustomerName,
    Extra,
}

impl Dim {
    /// The dimensions with a dictionary of their own, in their stored order (the
    /// snapshot's, the contents dumps'): every [`Dim`] but [`Dim::Extra`].
    pub const DICTIONARIES: [Dim; 8] = [
        Dim::Tenant,
        Dim::Region,
        Dim::Product,
        Dim::Channel,
        Dim::Campaign,
        Dim::CampaignName,
        Dim::Customer,
        Dim::CustomerName,
    ];

    /// The column whose values the dimension's dictionary holds (`None` for
    /// [`Dim::Extra`], whose values come from many columns).
    pub fn column(self) -> Option<Column> {
        Some(match self {
            Dim::Tenant => Column::TenantId,
            Dim::Campaign => Column::CampaignId,
            Dim::CampaignName => Column::CampaignName,
            Dim::Region => Column::Region,
            Dim::Product => Column::Product,
            Dim::Channel => Column::Channel,
            Dim::Customer => Column::CustomerId,
            Dim::CustomerName => Column::CustomerName,
            Dim::Extra => return None,
        })
    }

    /// The dimension's name, as messages and dumps show it: its column's.
    pub fn name(self) -> &'static str {
        self.column().map_or("extra columns", Column::name)
    }
}

/// What a table was before the file being committed, and the rows that file has
/// replaced since: enough to put the table back
/// ([`StarSchema::roll_back`](crate::model::star::StarSchema::roll_back)). Rows the file
/// appended need no note (they are cut off).
#[derive(Debug)]
pub(super) struct Journal<R> {
    pub(super) rows: usize,
    /// Per column, whether it was a wide [`KeyColumn`].
    pub(super) wide: Vec<bool>,
    pub(super) extra_columns: usize,
    pub(super) extra_values: usize,
    /// (row, its values before the file) in the order replaced; a row replaced twice
    /// is noted twice, and the roll-back restores the older note last.
    pub(super) replaced: Vec<(usize, R)>,
    /// The replaced rows' extra keys, `extra_columns` a row, in the same order.
    pub(super) replaced_extras: Vec<u32>,
}

/// A stored column of a star table, borrowed at its stored type.
#[derive(Debug, Clone, Copy)]
pub enum Values<'a> {
    /// Keys into a dimension, `u16` or `u32` wide.
    Keys(&'a KeyColumn),
    /// Keys of a high-cardinality dimension (campaign, customer) or counts.
    U32(&'a Vec<u32>),
    /// Money in millionths.
    I64(&'a Vec<i64>),
    /// Day numbers.
    Days(&'a Vec<Day>),
    /// Years.
    U16(&'a Vec<u16>),
    /// Months.
    U8(&'a Vec<u8>),
}

impl Values<'_> {
    /// Bytes a row takes in this column at its stored width (a key column's present
    /// width, 2 or 4).
    pub fn width(&self) -> usize {
        match self {
            Values::Keys(keys) => keys.width(),
            Values::U32(_) => std::mem::size_of::<u32>(),
            Values::I64(_) => std::mem::size_of::<i64>(),
            Values::Days(_) => std::mem::size_of::<Day>(),
            Values::U16(_) => std::mem::size_of::<u16>(),
            Values::U8(_) => std::mem::size_of::<u8>(),
        }
    }
}

/// A stored column of a star table, borrowed mutably (to fill it, as a snapshot restore
/// does).
#[derive(Debug)]
pub enum ValuesMut<'a> {
    Keys(&'a mut KeyColumn),
    U32(&'a mut Vec<u32>),
    I64(&'a mut Vec<i64>),
    Days(&'a mut Vec<Day>),
    U16(&'a mut Vec<u16>),
    U8(&'a mut Vec<u8>),
}

/// What a text column's keys point into: the dimension, the staged column feeding it,
/// and whether a row may have no value ([`crate::model::dict::NULL_KEY`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Feeds {
    pub dim: Dim,
    pub column: Column,
    pub nullable: bool,
}

/// One stored column of a star table: its name, what its keys point into (text
/// columns), and its values.
#[derive(Debug, Clone, Copy)]
pub struct StoredColumn<'a> {
    /// The field's name in the table's struct (and the snapshot's label for it).
    pub name: &'static str,
    /// The column of the column table it stores.
    pub column: Column,
    pub feeds: Option<Feeds>,
    pub values: Values<'a>,
}

/// [`StoredColumn`], borrowed mutably.
#[derive(Debug)]
pub struct StoredColumnMut<'a> {
    pub name: &'static str,
    pub column: Column,
    pub feeds: Option<Feeds>,
    pub values: ValuesMut<'a>,
}

/// A column's [`Feeds`] from its declaration: none, or (dimension, staged column,
/// `required`/`nullable`).
macro_rules! feeds {
    ($column:ident;) => {
        None
    };
    ($column:ident; $dim:ident, $null:ident) => {
        Some(Feeds {
            dim: Dim::$dim,
            column: Column::$column,
            nullable: nullable!($null),
        })
    };
}

/// `required` or `nullable`, as a flag.
macro_rules! nullable {
    (required) => {
        false
    };
    (nullable) => {
        true
    };
}

/// The Rust type a stored column kind is kept in.
macro_rules! stored_type {
    (Keys) => { KeyColumn };
    (U32) => { Vec<u32> };
    (I64) => { Vec<i64> };
    (Days) => { Vec<Day> };
    (U16) => { Vec<u16> };
    (U8) => { Vec<u8> };
}

/// The type one row's value of a stored column kind has (a text column's is its
/// dimension key): the stored type's [`Stored::Value`], spelled out so the row structs'
/// fields read plainly in the docs (`put_row` does not compile if the two disagree).
#[rustfmt::skip]
macro_rules! row_type {
    (Keys) => { u32 };
    (U32) => { u32 };
    (I64) => { i64 };
    (Days) => { Day };
    (U16) => { u16 };
    (U8) => { u8 };
}

/// Declares a star table's storage once: its fields (name, stored kind, the column of
/// the column table it stores, and for text the dimension its keys point into and
/// whether it may be missing) and its row
/// key, from which come the struct, its row struct and `put_row` (what the commit
/// writes), `reserve`, the memory accounting ([`TableMemory`]), the commit's memory
/// estimate ([`StarSchema::stored`], `warehouse::commit_estimate`) and the snapshot's
/// sections (`crate::snapshot`), so a column added here is written, counted and kept
/// everywhere.
macro_rules! star_table {
    ($(#[$meta:meta])* $table:ident row($row:ident) key($($key:ident),+) {
        $($field:ident: $kind:ident as $column:ident $(=> ($dim:ident, $null:ident))?),* $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Default)]
        pub struct $table {
            $(pub $field: stored_type!($kind),)*
            pub extras: Extras,
            index: RowIndex,
            journal: Option<Journal<$row>>,
        }

        #[doc = concat!("One row of [`", stringify!($table), "`] as its columns store it \
                         (text as dimension keys): what [`", stringify!($table),
                         "::put_row`] writes.")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $row {
            $(pub $field: row_type!($kind),)*
        }

        impl $table {
            /// Writes `row` over the row holding its key (the last one wins), or appends
            /// it; the row's extra attributes start null ([`Extras`]). Returns the row it
            /// replaced, or `None` when it was appended (at the old [`Self::len`]).
            #[inline]
            pub fn put_row(&mut self, row: $row) -> Option<usize> {
                self.ensure_index();
                let len = self.len();
                let at = self.index.upsert(($(row.$key,)+), len, |r| {
                    ($(Stored::get(&self.$key, r),)+)
                });
                if let Some(r) = at {
                    if self.journal.as_ref().is_some_and(|j| r < j.rows) {
                        self.keep_for_roll_back(r);
                    }
                }
                $(Stored::put(&mut self.$field, at, row.$field);)*
                self.extras.put_nulls(at);
                at
            }

            /// Notes row `r` as it is before the file being committed replaces it.
            #[inline(never)]
            fn keep_for_roll_back(&mut self, r: usize) {
                let row = self.row(r);
                let journal = self.journal.as_mut().expect("a journal is open");
                journal.replaced.push((r, row));
                let kept = &self.extras.columns[..journal.extra_columns];
                journal.replaced_extras.extend(kept.iter().map(|column| column[r]));
            }

            /// Starts noting what a file's commit changes, so that
            /// [`roll_back`](Self::roll_back) can undo it.
            fn begin_journal(&mut self) {
                self.journal = Some(Journal {
                    rows: self.len(),
                    wide: vec![$(Stored::is_wide(&self.$field)),*],
                    extra_columns: self.extras.columns.len(),
                    extra_values: self.extras.values.len(),
                    replaced: Vec::new(),
                    replaced_extras: Vec::new(),
                });
            }

            /// Puts the table back as it was at `begin_journal`: replaced rows get their
            /// values back (the oldest last, for a row replaced twice), rows and extra
            /// columns added since are cut off, and the key index is rebuilt when next
            /// needed (the rows left are the earlier ones, whose keys are distinct).
            fn roll_back(&mut self) {
                let Some(journal) = self.journal.take() else {
                    return;
                };
                let stride = journal.extra_columns;
                for (i, &(r, row)) in journal.replaced.iter().enumerate().rev() {
                    $(Stored::put(&mut self.$field, Some(r), row.$field);)*
                    let kept = &journal.replaced_extras[i * stride..(i + 1) * stride];
                    for (column, &key) in self.extras.columns.iter_mut().zip(kept) {
                        column[r] = key;
                    }
                }
                let mut wide = journal.wide.iter().copied();
                $(Stored::truncate(&mut self.$field, journal.rows, wide.next() == Some(false));)*
                self.extras.truncate(journal.rows, stride, journal.extra_values);
                self.index = RowIndex {
                    pending: true,
                    ..RowIndex::default()
                };
            }

            /// Heap bytes of the journal.
            fn journal_bytes(&self) -> usize {
                self.journal.as_ref().map_or(0, |j| {
                    j.replaced.capacity() * std::mem::size_of::<(usize, $row)>()
                        + j.replaced_extras.capacity() * 4
                })
            }

            /// Reads the key index's slots for `rows` (at most [`PREFETCH_GROUP`]),
            /// about to be written with [`Self::put_row`]: their cache misses overlap
            /// instead of coming one row at a time. Changes nothing.
            #[inline]
            pub fn prefetch<'r>(&self, rows: impl IntoIterator<Item = &'r $row>) {
                if !self.index.pending {
                    self.index.prefetch(rows.into_iter().map(|row| ($(row.$key,)+)));
                }
            }

            /// Row `r` as its columns store it (what [`Self::put_row`] wrote there).
            pub fn row(&self, r: usize) -> $row {
                $row { $($field: Stored::get(&self.$field, r),)* }
            }

            /// Makes room in every column and in the key index for `additional` more
            /// rows (the columns as `push` would, growing at least by doubling, so never
            /// past what growing row by row could reach): a commit that knows how many
            /// rows it brings sizes the table once instead of doubling it row by row.
            pub fn reserve(&mut self, additional: usize) {
                self.ensure_index();
                self.index.reserve(additional);
                $(self.$field.reserve(additional);)*
            }

            /// Makes room for exactly `additional` more rows (no doubling past them): a
            /// file committed in parts that knows about how many rows it holds sizes
            /// the columns once, where growing by doubling would hold up to twice the
            /// rows, and the old and the new buffer both, while it copies.
            pub fn reserve_exact(&mut self, additional: usize) {
                self.ensure_index();
                self.index.reserve(additional);
                $(Stored::reserve_exact(&mut self.$field, additional);)*
            }

            /// Every stored column, in the table's order.
            pub fn stored(&self) -> Vec<StoredColumn<'_>> {
                vec![$(StoredColumn {
                    name: stringify!($field),
                    column: Column::$column,
                    feeds: feeds!($column; $($dim, $null)?),
                    values: Values::$kind(&self.$field),
                }),*]
            }

            /// Every stored column, mutably, in the table's order.
            pub fn stored_mut(&mut self) -> Vec<StoredColumnMut<'_>> {
                vec![$(StoredColumnMut {
                    name: stringify!($field),
                    column: Column::$column,
                    feeds: feeds!($column; $($dim, $null)?),
                    values: ValuesMut::$kind(&mut self.$field),
                }),*]
            }

            /// Number of rows.
            pub fn len(&self) -> usize {
                self.tenant.len()
            }

            /// `true` when empty.
            pub fn is_empty(&self) -> bool {
                self.tenant.is_empty()
            }

            /// Every column's memory, in the table's order.
            #[allow(dead_code)] // reported for fact_campaigns
            fn column_memory(&self) -> Vec<ColumnMemory> {
                self.stored().iter().map(ColumnMemory::of_stored).collect()
            }

            /// The row key of row `r` (the declaration's `key` columns, as the tuple
            /// `put_row` builds from a row): what the key index hashes and compares.
            fn key_at(&self, r: usize) -> impl Copy + Eq + Hash {
                ($(Stored::get(&self.$key, r),)+)
            }

            /// Rebuilds the key index from the columns (after they were filled directly,
            /// as a snapshot restore does), or defers it when the rows' keys are shown
            /// distinct by their hashes. `false` when two rows share a key, which no
            /// load makes.
            pub(crate) fn rebuild_index(&mut self) -> bool {
                match RowIndex::restored(self.len(), |r: usize| self.key_at(r)) {
                    Some(index) => {
                        self.index = index;
                        true
                    }
                    None => false,
                }
            }

            /// Builds the key index if a restore deferred it, before rows are added: a
            /// flag test in `put_row`'s path, the build itself kept out of it.
            #[inline(always)]
            fn ensure_index(&mut self) {
                if self.index.pending {
                    self.build_deferred_index();
                }
            }

            #[cold]
            #[inline(never)]
            fn build_deferred_index(&mut self) {
                self.index = RowIndex::build(self.len(), |r: usize| self.key_at(r))
                    .expect("the rows were checked distinct when restored");
            }
        }
    };
}

pub(super) use {feeds, nullable, row_type, star_table, stored_type};

/// A stored column read and written one row at a time: what a row key is made of and
/// what `put_row` writes, the same for a [`KeyColumn`] and a plain vector.
pub(super) trait Stored {
    /// One row's value: a dimension key or the stored value.
    type Value: Copy + Eq + Hash;
    fn get(&self, row: usize) -> Self::Value;
    /// Writes `value` at `row` (an existing row) or appends it.
    fn put(&mut self, row: Option<usize>, value: Self::Value);
    /// Whether keys take their wide form ([`KeyColumn`]; plain columns have one form).
    fn is_wide(&self) -> bool {
        false
    }
    /// Keeps the first `len` rows, in the narrow form when `narrow` ([`KeyColumn`]).
    fn truncate(&mut self, len: usize, narrow: bool);
    /// Makes room for exactly `additional` more rows.
    fn reserve_exact(&mut self, additional: usize);
}

impl Stored for KeyColumn {
    type Value = u32;
    #[inline]
    fn get(&self, row: usize) -> u32 {
        KeyColumn::get(self, row)
    }
    #[inline]
    fn put(&mut self, row: Option<usize>, key: u32) {
        KeyColumn::put(self, row, key)
    }
    fn is_wide(&self) -> bool {
        KeyColumn::is_wide(self)
    }
    fn truncate(&mut self, len: usize, narrow: bool) {
        KeyColumn::truncate(self, len, narrow)
    }
    fn reserve_exact(&mut self, additional: usize) {
        KeyColumn::reserve_exact(self, additional)
    }
}

impl<T: Copy + Eq + Hash> Stored for Vec<T> {
    type Value = T;
    #[inline]
    fn get(&self, row: usize) -> T {
        self[row]
    }
    #[inline]
    fn put(&mut self, row: Option<usize>, value: T) {
        match row {
            Some(i) => self[i] = value,
            None => self.push(value),
        }
    }
    fn truncate(&mut self, len: usize, _narrow: bool) {
        Vec::truncate(self, len)
    }
    fn reserve_exact(&mut self, additional: usize) {
        Vec::reserve_exact(self, additional)
    }
}
