//! The in-memory columnar star schema (SPEC §2): its tables, and the row operations a
//! commit writes them with.
//!
//! Every table is a set of parallel column vectors, one entry per row:
//!
//! ```text
//! fact_campaigns   tenant  campaign  date   impressions clicks ... spend      region
//!                  [u16*]  [u32]     [i32]  [u32]       [u32]      [i64]      [u16*]
//!                    |        |                                      millionths  |
//!                    v        v                                                  v
//!              dim_tenant  dim_campaign                                     dim_region
//!
//! * a KeyColumn: u16 keys while they fit (u16::MAX is NULL_KEY), u32 after
//! ```
//!
//! Text is dictionary-encoded ([`Dictionary`]; [`NULL_KEY`] for a missing value). The
//! low-cardinality dimensions (tenant, region, product, channel, in every table) are
//! [`KeyColumn`]s: `u16` keys until their dictionary outgrows 65,535 values, then the
//! column widens itself to `u32`. Campaign ids and names, nearly one per row, are `u32`.
//! Money is fixed-point millionths in `i64` (sums are exact), dates are day numbers
//! ([`crate::model::date`]), counts are `u32`. A fact row is 2 x 4 (narrow keys) +
//! 2 x 4 (campaign, name) + 4 (date) + 3 x 4 (counts) + 2 x 8 (money) = 48 bytes of
//! columns ([`StarSchema::campaign_memory`]), plus its key index slot. Derived metrics
//! (ctr, roi, ...) are not stored: they are computed exactly from these columns when
//! queried ([`crate::query`]). Each table keeps an index from its key to its row, so a
//! re-loaded key replaces its row in place (last one wins: `put_row`).
//!
//! How a staged file becomes rows here (decoding its text, deriving the channel,
//! counting warnings, filling the load report) is the transform layer's commit: the
//! model knows its tables and the operations on them, nothing of staging, so the
//! dependencies run one way, ingest -> transform -> model.

use crate::model::date::Day;
use crate::model::dict::{Dictionary, NULL_KEY};
use crate::model::idtable::{self, IdTable};
use crate::model::keys::KeyColumn;
use crate::model::schema::{Column, TableKind};
use foldhash::fast::RandomState;
use std::hash::{BuildHasher, Hash};

/// A table's rows by key, without a copy of the keys: a hash table of row numbers whose
/// keys are read back from the table's own columns ([`IdTable`]). Eight bytes a slot
/// (the row and 32 bits of its key's hash), where a map from key tuple to row would
/// take 16 to 20 plus its own slack.
#[derive(Debug, Default)]
struct RowIndex {
    rows: IdTable,
    hasher: RandomState,
    /// Not built yet: the table's rows were restored from a snapshot and checked to have
    /// distinct keys ([`rows_distinct`]); the table is built before the next load
    /// changes them (`ensure_index`), so a restore does not pay for it.
    pending: bool,
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
    fn build<K: Hash + Eq>(len: usize, key_at: impl Fn(usize) -> K) -> Option<RowIndex> {
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
    fn restored<K: Hash + Eq>(len: usize, key_at: impl Fn(usize) -> K) -> Option<RowIndex> {
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
    fn upsert<K: Hash + Eq>(
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
    fn prefetch<K: Hash>(&self, keys: impl IntoIterator<Item = K>) {
        let mut hashes = [0u64; PREFETCH_GROUP];
        let mut len = 0;
        for (slot, key) in hashes.iter_mut().zip(keys) {
            *slot = self.hasher.hash_one(key);
            len += 1;
        }
        self.rows.prefetch(&hashes[..len]);
    }

    /// Makes room for `additional` more rows without growing.
    fn reserve(&mut self, additional: usize) {
        self.rows.reserve(additional);
    }

    /// Heap bytes of the hash table.
    fn heap_bytes(&self) -> usize {
        self.rows.heap_bytes()
    }
}

/// Most rows whose index slots [`RowIndex::prefetch`] reads at once (the others are
/// left out).
pub const PREFETCH_GROUP: usize = 16;

/// The dimensions shared by the tables.
#[derive(Debug, Default)]
pub struct Dimensions {
    pub tenant: Dictionary,
    pub region: Dictionary,
    pub product: Dictionary,
    pub channel: Dictionary,
    pub campaign: Dictionary,
    pub campaign_name: Dictionary,
    pub customer: Dictionary,
    pub customer_name: Dictionary,
}

impl Dimensions {
    /// The dictionary of a dimension ([`Dim::Extra`] has none here: each table keeps
    /// its extra values in its [`Extras`]).
    pub fn dict(&self, dim: Dim) -> Option<&Dictionary> {
        Some(match dim {
            Dim::Tenant => &self.tenant,
            Dim::Campaign => &self.campaign,
            Dim::CampaignName => &self.campaign_name,
            Dim::Region => &self.region,
            Dim::Product => &self.product,
            Dim::Channel => &self.channel,
            Dim::Customer => &self.customer,
            Dim::CustomerName => &self.customer_name,
            Dim::Extra => return None,
        })
    }
}

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
    fn put_nulls(&mut self, at: Option<usize>) {
        for column in &mut self.columns {
            Stored::put(column, at, NULL_KEY);
        }
    }
}

/// What a table was before the file being committed, and the rows that file has
/// replaced since: enough to put the table back ([`StarSchema::roll_back`]). Rows the
/// file appended need no note (they are cut off).
#[derive(Debug)]
struct Journal<R> {
    rows: usize,
    /// Per column, whether it was a wide [`KeyColumn`].
    wide: Vec<bool>,
    extra_columns: usize,
    extra_values: usize,
    /// (row, its values before the file) in the order replaced; a row replaced twice
    /// is noted twice, and the roll-back restores the older note last.
    replaced: Vec<(usize, R)>,
    /// The replaced rows' extra keys, `extra_columns` a row, in the same order.
    replaced_extras: Vec<u32>,
}

impl Extras {
    /// Keeps the first `rows` rows of the first `columns` columns, and the first
    /// `values` values.
    fn truncate(&mut self, rows: usize, columns: usize, values: usize) {
        self.names.truncate(columns);
        self.columns.truncate(columns);
        for column in &mut self.columns {
            column.truncate(rows);
        }
        self.values.truncate(values);
    }
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

/// A stored column read and written one row at a time: what a row key is made of and
/// what `put_row` writes, the same for a [`KeyColumn`] and a plain vector.
trait Stored {
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

star_table! {
    /// `fact_campaigns`: one row per (tenant, campaign, date).
    Campaigns row(CampaignRow) key(tenant, campaign, date) {
        tenant: Keys as TenantId => (Tenant, required),
        campaign: U32 as CampaignId => (Campaign, required),
        campaign_name: U32 as CampaignName => (CampaignName, nullable),
        date: Days as Date,
        impressions: U32 as Impressions,
        clicks: U32 as Clicks,
        conversions: U32 as Conversions,
        spend: I64 as Spend,
        revenue: I64 as Revenue,
        region: Keys as Region => (Region, nullable),
        product: Keys as Product => (Product, nullable),
        channel: Keys as Channel => (Channel, nullable),
    }
}

star_table! {
    /// `dim_sales_targets`: one row per (tenant, region, product, year, month).
    Targets row(TargetRow) key(tenant, region, product, year, month) {
        tenant: Keys as TenantId => (Tenant, required),
        region: Keys as Region => (Region, nullable),
        product: Keys as Product => (Product, nullable),
        year: U16 as Year,
        month: U8 as Month,
        target_revenue: I64 as TargetRevenue,
        target_conversions: U32 as TargetConversions,
        target_spend: I64 as TargetSpend,
    }
}

star_table! {
    /// `dim_customers`: one row per (tenant, customer).
    Customers row(CustomerRow) key(tenant, customer) {
        tenant: Keys as TenantId => (Tenant, required),
        customer: U32 as CustomerId => (Customer, required),
        customer_name: U32 as CustomerName => (CustomerName, nullable),
        region: Keys as Region => (Region, nullable),
        product_preference: Keys as ProductPreference => (Product, nullable),
        total_spent: I64 as TotalSpent,
        total_orders: U32 as TotalOrders,
    }
}

/// The memory of one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMemory {
    pub name: &'static str,
    /// Bytes a row takes (2 for a narrow key column, 4 once wide, 8 for money, ...).
    pub width: usize,
    /// Bytes the rows take: rows x width.
    pub bytes: usize,
    /// Bytes allocated: capacity x width (growth leaves room for more rows).
    pub heap_bytes: usize,
}

impl ColumnMemory {
    fn of<T>(name: &'static str, column: &Vec<T>) -> Self {
        let width = std::mem::size_of::<T>();
        ColumnMemory {
            name,
            width,
            bytes: column.len() * width,
            heap_bytes: column.capacity() * width,
        }
    }

    fn of_stored(column: &StoredColumn<'_>) -> Self {
        match column.values {
            Values::Keys(keys) => Self::of_keys(column.name, keys),
            Values::U32(v) => Self::of(column.name, v),
            Values::I64(v) => Self::of(column.name, v),
            Values::Days(v) => Self::of(column.name, v),
            Values::U16(v) => Self::of(column.name, v),
            Values::U8(v) => Self::of(column.name, v),
        }
    }

    fn of_keys(name: &'static str, column: &KeyColumn) -> Self {
        ColumnMemory {
            name,
            width: column.width(),
            bytes: column.len() * column.width(),
            heap_bytes: column.heap_bytes(),
        }
    }
}

/// Where a table's memory goes: its columns, extra columns, key index and the
/// dictionaries its keys point into ([`StarSchema::campaign_memory`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableMemory {
    pub table: &'static str,
    pub rows: usize,
    pub columns: Vec<ColumnMemory>,
    /// Heap bytes of the extra (unknown) columns and their values.
    pub extras: usize,
    /// Heap bytes of the key index (a hash table of `u32` row numbers).
    pub index: usize,
    /// Bytes of each dictionary the table's keys point into (shared with the other
    /// tables), estimated from its values: text, end offsets and intern table.
    pub dictionaries: Vec<(&'static str, usize)>,
}

impl TableMemory {
    /// Bytes a row takes in the columns: the sum of their widths.
    pub fn row_width(&self) -> usize {
        self.columns.iter().map(|c| c.width).sum()
    }

    /// Bytes the rows take in the columns.
    pub fn column_bytes(&self) -> usize {
        self.columns.iter().map(|c| c.bytes).sum()
    }

    /// Bytes allocated for the columns.
    pub fn column_heap_bytes(&self) -> usize {
        self.columns.iter().map(|c| c.heap_bytes).sum()
    }

    /// Bytes of the dictionaries.
    pub fn dictionary_bytes(&self) -> usize {
        self.dictionaries.iter().map(|(_, b)| b).sum()
    }

    /// `bytes` per row (0 for an empty table).
    pub fn per_row(&self, bytes: usize) -> f64 {
        if self.rows == 0 {
            0.0
        } else {
            bytes as f64 / self.rows as f64
        }
    }
}

impl std::fmt::Display for TableMemory {
    /// One line: `fact_campaigns: 1000000 rows x 48 bytes in columns (tenant 2, ...),
    /// 45.8 MiB (allocated 45.8 MiB); key index 16.0 MiB (16.8 bytes a row);
    /// dictionaries 30.1 MiB`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const MIB: f64 = 1024.0 * 1024.0;
        let widths: Vec<String> = self
            .columns
            .iter()
            .map(|c| format!("{} {}", c.name, c.width))
            .collect();
        write!(
            f,
            "{}: {} rows x {} bytes in columns ({}), {:.1} MiB (allocated {:.1} MiB); \
             key index {:.1} MiB ({:.1} bytes a row); dictionaries {:.1} MiB",
            self.table,
            self.rows,
            self.row_width(),
            widths.join(", "),
            self.column_bytes() as f64 / MIB,
            self.column_heap_bytes() as f64 / MIB,
            self.index as f64 / MIB,
            self.per_row(self.index),
            self.dictionary_bytes() as f64 / MIB,
        )?;
        if self.extras > 0 {
            write!(f, "; extra columns {:.1} MiB", self.extras as f64 / MIB)?;
        }
        Ok(())
    }
}

/// Bytes of a dictionary, from its values: the text, one end offset each and an intern
/// table ([`IdTable::slots_for`] slots of [`idtable::SLOT_BYTES`]).
fn dictionary_bytes(dict: &Dictionary) -> usize {
    let values = dict.len();
    let text: usize = dict.values().map(str::len).sum();
    text + values * std::mem::size_of::<usize>()
        + IdTable::slots_for(values) * idtable::SLOT_BYTES as usize
}

/// Heap bytes of a table's extra columns and their dictionary.
fn extras_bytes(extras: &Extras) -> usize {
    extras
        .columns
        .iter()
        .map(|c| c.capacity() * 4)
        .sum::<usize>()
        + if extras.columns.is_empty() {
            0
        } else {
            dictionary_bytes(&extras.values)
        }
}

/// The whole star schema.
#[derive(Debug, Default)]
pub struct StarSchema {
    pub dims: Dimensions,
    pub campaigns: Campaigns,
    pub targets: Targets,
    pub customers: Customers,
    /// The dictionaries' lengths when the open journal began.
    journal: Option<[usize; DICTIONARIES]>,
}

/// How many dictionaries [`Dimensions`] holds.
const DICTIONARIES: usize = 8;

impl Dimensions {
    fn all_mut(&mut self) -> [&mut Dictionary; DICTIONARIES] {
        [
            &mut self.tenant,
            &mut self.region,
            &mut self.product,
            &mut self.channel,
            &mut self.campaign,
            &mut self.campaign_name,
            &mut self.customer,
            &mut self.customer_name,
        ]
    }
}

impl StarSchema {
    /// A star schema of these tables and dimensions (no journal open).
    pub fn from_tables(
        dims: Dimensions,
        campaigns: Campaigns,
        targets: Targets,
        customers: Customers,
    ) -> Self {
        StarSchema {
            dims,
            campaigns,
            targets,
            customers,
            journal: None,
        }
    }

    /// Starts noting what the next commits change, so that
    /// [`roll_back`](Self::roll_back) can put every table and dictionary back as it is
    /// now: a file committed in parts is all or nothing. Each table notes the rows it
    /// had and the rows replaced since (their earlier values); the dictionaries only
    /// their lengths, since keys are added, never changed.
    pub fn begin_journal(&mut self) {
        self.journal = Some(self.dims.all_mut().map(|d| d.len()));
        self.campaigns.begin_journal();
        self.targets.begin_journal();
        self.customers.begin_journal();
    }

    /// Whether a journal is open.
    pub fn journal_open(&self) -> bool {
        self.journal.is_some()
    }

    /// Keeps what was committed since [`begin_journal`](Self::begin_journal) and stops
    /// noting.
    pub fn end_journal(&mut self) {
        self.journal = None;
        self.campaigns.journal = None;
        self.targets.journal = None;
        self.customers.journal = None;
    }

    /// Undoes every commit since [`begin_journal`](Self::begin_journal) (nothing when no
    /// journal is open) and stops noting.
    pub fn roll_back(&mut self) {
        let Some(lengths) = self.journal.take() else {
            return;
        };
        self.campaigns.roll_back();
        self.targets.roll_back();
        self.customers.roll_back();
        for (dict, len) in self.dims.all_mut().into_iter().zip(lengths) {
            dict.truncate(len);
        }
    }

    /// Heap bytes of the open journal's notes of replaced rows.
    pub fn journal_bytes(&self) -> usize {
        self.campaigns.journal_bytes()
            + self.targets.journal_bytes()
            + self.customers.journal_bytes()
    }

    /// Where `fact_campaigns`' memory goes: bytes per column (at 1M generator rows, 48
    /// a row), the key index and the dictionaries the facts point into.
    ///
    /// ```
    /// let mut w = bi_platform::Warehouse::new();
    /// w.load("c.csv", b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
    ///                   t,c1,2024-11-01,100,10,1,1.00,2.00\n");
    /// let memory = w.star().campaign_memory();
    /// assert_eq!((memory.rows, memory.row_width()), (1, 48));
    /// ```
    pub fn campaign_memory(&self) -> TableMemory {
        let f = &self.campaigns;
        TableMemory {
            table: "fact_campaigns",
            rows: f.len(),
            columns: f.column_memory(),
            extras: extras_bytes(&f.extras),
            index: f.index.heap_bytes(),
            dictionaries: f
                .stored()
                .iter()
                .filter_map(|c| {
                    let dict = self.dims.dict(c.feeds?.dim)?;
                    Some((c.name, dictionary_bytes(dict)))
                })
                .collect(),
        }
    }

    /// Makes room in `table` for exactly `additional` more rows
    /// ([`Campaigns::reserve_exact`]).
    pub fn reserve_exact(&mut self, table: TableKind, additional: usize) {
        match table {
            TableKind::Campaigns => self.campaigns.reserve_exact(additional),
            TableKind::Targets => self.targets.reserve_exact(additional),
            TableKind::Customers => self.customers.reserve_exact(additional),
        }
    }

    /// A table's rows, stored columns and extra columns, as its declaration lists them.
    pub fn stored(&self, table: TableKind) -> (usize, Vec<StoredColumn<'_>>, &Extras) {
        match table {
            TableKind::Campaigns => {
                let t = &self.campaigns;
                (t.len(), t.stored(), &t.extras)
            }
            TableKind::Targets => {
                let t = &self.targets;
                (t.len(), t.stored(), &t.extras)
            }
            TableKind::Customers => {
                let t = &self.customers;
                (t.len(), t.stored(), &t.extras)
            }
        }
    }
}

/// A dictionary a text column's keys point into: one of the [`Dimensions`], or a
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{sample_files, SampleSpec};
    use crate::model::keys::NARROW_MAX;
    use crate::Warehouse;
    use proptest::prelude::*;

    proptest! {
        /// `put_row` against a list of rows searched by key: the last row of each key
        /// wins, in the place its key first took; the row it replaced is returned; a put
        /// row's extra attributes start null. The key index may be deferred (as a
        /// snapshot restore leaves it) at any point, and a tenant key may widen its
        /// column.
        #[test]
        fn put_row_keeps_the_last_row_of_each_key_where_the_key_first_came(
            rows in prop::collection::vec(
                (
                    prop_oneof![4 => 0u32..3, 1 => Just(NARROW_MAX + 1)],
                    0u32..4,
                    any::<i64>(),
                    prop::option::of(0u32..2),
                ),
                0..60,
            ),
            restore_at in 0usize..60,
        ) {
            let mut table = Customers::default();
            let note = table.extras.column("note", 0);
            let mut oracle: Vec<(CustomerRow, Option<u32>)> = Vec::new();
            for (i, &(tenant, customer, spent, extra)) in rows.iter().enumerate() {
                if i == restore_at {
                    prop_assert!(table.rebuild_index());
                }
                let row = CustomerRow {
                    tenant,
                    customer,
                    customer_name: NULL_KEY,
                    region: tenant % 2,
                    product_preference: NULL_KEY,
                    total_spent: spent,
                    total_orders: i as u32,
                };
                let expected = oracle
                    .iter()
                    .position(|(r, _)| (r.tenant, r.customer) == (tenant, customer));
                let at = table.put_row(row);
                prop_assert_eq!(at, expected);
                let target = at.unwrap_or(table.len() - 1);
                prop_assert_eq!(table.extras.columns[note][target], NULL_KEY);
                if let Some(value) = extra {
                    table.extras.columns[note][target] = value;
                }
                match expected {
                    Some(e) => oracle[e] = (row, extra),
                    None => oracle.push((row, extra)),
                }
            }
            prop_assert_eq!(table.len(), oracle.len());
            prop_assert_eq!(table.extras.columns[note].len(), oracle.len());
            for (r, (row, extra)) in oracle.iter().enumerate() {
                prop_assert_eq!(table.row(r), *row);
                prop_assert_eq!(table.extras.columns[note][r], extra.unwrap_or(NULL_KEY));
            }
        }
    }

    #[test]
    fn a_generator_fact_row_takes_at_most_48_bytes_of_columns() {
        let spec = SampleSpec {
            tenants: 20,
            campaigns_per_tenant: 1_000,
            ..SampleSpec::default()
        };
        let files = sample_files(&spec).unwrap();
        let mut w = Warehouse::new();
        w.load("campaigns.csv", &files.campaigns_csv);
        w.load("targets.xlsx", &files.targets_xlsx);
        w.load("customers.json", &files.customers_json);
        let memory = w.star().campaign_memory();
        assert_eq!(memory.rows as u64, spec.campaign_rows());
        assert_eq!(memory.row_width(), 48, "{memory}");
        assert!(memory.column_bytes() <= 48 * memory.rows, "{memory}");
        // One load is reserved at once: no growth slack in the columns.
        assert!(memory.column_heap_bytes() <= 48 * memory.rows, "{memory}");
        for name in ["tenant", "region", "product", "channel"] {
            let column = memory.columns.iter().find(|c| c.name == name).unwrap();
            assert_eq!(column.width, 2, "{name} keys are u16");
        }
        assert!(
            memory.index > 0 && memory.dictionary_bytes() > 0,
            "{memory}"
        );
        let (t, c) = (&w.star().targets, &w.star().customers);
        for column in [&t.tenant, &t.region, &t.product, &c.tenant, &c.region] {
            assert!(!column.is_wide());
        }
    }
}
