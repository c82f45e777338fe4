//! The in-memory columnar star schema (SPEC §2) and how staged rows enter it.
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
//! queried ([`crate::transform::metrics`]). Each table keeps an index from its key to its
//! row, so a re-loaded key replaces its row in place (last one wins).

use crate::model::date::Day;
use crate::model::dict::{DecodedText, Dictionary, NULL_KEY};
use crate::model::keys::KeyColumn;
use crate::model::schema::{Column, TableKind};
use crate::report::LoadReport;
use crate::transform::metrics::{channel_from_name, CampaignWarnings};
use crate::transform::stage::{StagedTable, StagedValues};
use foldhash::fast::RandomState;
use hashbrown::hash_table::{Entry, HashTable};
use std::hash::{BuildHasher, Hash};

/// A table's rows by key, without a copy of the keys: a hash table of row numbers whose
/// keys are read back from the table's own columns. Four bytes (plus hashbrown's one
/// control byte) a row, where a map from key tuple to row would take 16 to 20.
#[derive(Debug, Default)]
struct RowIndex {
    rows: HashTable<u32>,
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
        index.reserve(len, &key_at);
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
    fn upsert<K: Hash + Eq>(
        &mut self,
        key: K,
        len: usize,
        key_at: impl Fn(usize) -> K,
    ) -> Option<usize> {
        let hasher = &self.hasher;
        let hash = hasher.hash_one(&key);
        match self.rows.entry(
            hash,
            |&row| key_at(row as usize) == key,
            |&row| hasher.hash_one(key_at(row as usize)),
        ) {
            Entry::Occupied(entry) => Some(*entry.get() as usize),
            Entry::Vacant(entry) => {
                entry.insert(u32::try_from(len).expect("a table holds at most 4 billion rows"));
                None
            }
        }
    }

    /// Makes room for `additional` more rows without rehashing.
    fn reserve<K: Hash>(&mut self, additional: usize, key_at: impl Fn(usize) -> K) {
        let hasher = &self.hasher;
        self.rows
            .reserve(additional, |&row| hasher.hash_one(key_at(row as usize)));
    }

    /// Heap bytes of the hash table (slots, control bytes and their padding).
    fn heap_bytes(&self) -> usize {
        self.rows.allocation_size()
    }
}

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
    fn column(&mut self, name: &str, rows: usize) -> usize {
        if let Some(i) = self.names.iter().position(|n| n == name) {
            return i;
        }
        self.names.push(name.to_string());
        self.columns.push(vec![NULL_KEY; rows]);
        self.columns.len() - 1
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
    pub name: &'static str,
    pub feeds: Option<Feeds>,
    pub values: Values<'a>,
}

/// [`StoredColumn`], borrowed mutably.
#[derive(Debug)]
pub struct StoredColumnMut<'a> {
    pub name: &'static str,
    pub feeds: Option<Feeds>,
    pub values: ValuesMut<'a>,
}

/// A column's [`Feeds`] from its declaration: none, or (dimension, staged column,
/// `required`/`nullable`).
macro_rules! feeds {
    () => {
        None
    };
    ($dim:ident, $column:ident, $null:ident) => {
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

/// Declares a star table once: its columns (name, stored kind, and for text the
/// dimension, the staged column feeding it and whether it may be missing), from which
/// come the struct, `reserve`, the memory accounting ([`TableMemory`]), the commit's
/// memory estimate ([`StarSchema::stored`], `warehouse::commit_estimate`) and the
/// snapshot's sections (`crate::snapshot`), so a column added here is counted and kept
/// everywhere.
macro_rules! star_table {
    ($(#[$meta:meta])* $table:ident key($($key:ident),+) {
        $($field:ident: $kind:ident $(=> ($dim:ident, $column:ident, $null:ident))?),* $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Default)]
        pub struct $table {
            $(pub $field: stored_type!($kind),)*
            pub extras: Extras,
            index: RowIndex,
        }

        impl $table {
            /// Every stored column, in the table's order.
            pub fn stored(&self) -> Vec<StoredColumn<'_>> {
                vec![$(StoredColumn {
                    name: stringify!($field),
                    feeds: feeds!($($dim, $column, $null)?),
                    values: Values::$kind(&self.$field),
                }),*]
            }

            /// Every stored column, mutably, in the table's order.
            pub fn stored_mut(&mut self) -> Vec<StoredColumnMut<'_>> {
                vec![$(StoredColumnMut {
                    name: stringify!($field),
                    feeds: feeds!($($dim, $column, $null)?),
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

            /// Makes room in every column for `additional` more rows (as `push` would,
            /// growing at least by doubling, so never past what growing row by row could
            /// reach).
            #[allow(dead_code)] // only fact_campaigns is committed in bulk
            fn reserve(&mut self, additional: usize) {
                $(self.$field.reserve(additional);)*
            }

            /// Every column's memory, in the table's order.
            #[allow(dead_code)] // reported for fact_campaigns
            fn column_memory(&self) -> Vec<ColumnMemory> {
                self.stored().iter().map(ColumnMemory::of_stored).collect()
            }

            /// The row key of row `r` (the declaration's `key` columns, as the tuple the
            /// commit builds for a new row): what the key index hashes and compares.
            fn key_at(&self, r: usize) -> impl Copy + Eq + Hash {
                ($(KeyPart::part(&self.$key, r),)+)
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

            /// Builds the key index if a restore deferred it, before rows are added.
            fn ensure_index(&mut self) {
                if self.index.pending {
                    self.index = RowIndex::build(self.len(), |r: usize| self.key_at(r))
                        .expect("the rows were checked distinct when restored");
                }
            }
        }
    };
}

/// One column's part of a row key: a dimension key or the stored value.
trait KeyPart {
    type Part: Copy + Eq + Hash;
    fn part(&self, row: usize) -> Self::Part;
}

impl KeyPart for KeyColumn {
    type Part = u32;
    fn part(&self, row: usize) -> u32 {
        self.get(row)
    }
}

impl<T: Copy + Eq + Hash> KeyPart for Vec<T> {
    type Part = T;
    fn part(&self, row: usize) -> T {
        self[row]
    }
}

star_table! {
    /// `fact_campaigns`: one row per (tenant, campaign, date).
    Campaigns key(tenant, campaign, date) {
        tenant: Keys => (Tenant, TenantId, required),
        campaign: U32 => (Campaign, CampaignId, required),
        campaign_name: U32 => (CampaignName, CampaignName, nullable),
        date: Days,
        impressions: U32,
        clicks: U32,
        conversions: U32,
        spend: I64,
        revenue: I64,
        region: Keys => (Region, Region, nullable),
        product: Keys => (Product, Product, nullable),
        channel: Keys => (Channel, Channel, nullable),
    }
}

star_table! {
    /// `dim_sales_targets`: one row per (tenant, region, product, year, month).
    Targets key(tenant, region, product, year, month) {
        tenant: Keys => (Tenant, TenantId, required),
        region: Keys => (Region, Region, nullable),
        product: Keys => (Product, Product, nullable),
        year: U16,
        month: U8,
        target_revenue: I64,
        target_conversions: U32,
        target_spend: I64,
    }
}

star_table! {
    /// `dim_customers`: one row per (tenant, customer).
    Customers key(tenant, customer) {
        tenant: Keys => (Tenant, TenantId, required),
        customer: U32 => (Customer, CustomerId, required),
        customer_name: U32 => (CustomerName, CustomerName, nullable),
        region: Keys => (Region, Region, nullable),
        product_preference: Keys => (Product, ProductPreference, nullable),
        total_spent: I64,
        total_orders: U32,
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
/// table of `u32` keys (a power of two of slots, at most 7/8 full, plus a control byte
/// each).
fn dictionary_bytes(dict: &Dictionary) -> usize {
    let values = dict.len();
    let text: usize = dict.values().map(str::len).sum();
    let slots = match values {
        0 => 0,
        1..=3 => 4,
        4..=7 => 8,
        _ => (values * 8 / 7).next_power_of_two(),
    };
    text + values * std::mem::size_of::<usize>() + slots * (4 + 1)
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
}

impl StarSchema {
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

/// Writes `value` at `row` (an existing row) or appends it.
fn put<T>(column: &mut Vec<T>, row: Option<usize>, value: T) {
    match row {
        Some(i) => column[i] = value,
        None => column.push(value),
    }
}

/// A dictionary staged text values are translated into. Each has its own cache in a
/// commit: the same text in two columns (a campaign named like a tenant) maps to two keys.
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

/// Staged text keys translated to dimension keys, for the live rows only (so values of
/// rejected rows never reach a dimension), each distinct value looked up once per
/// dictionary.
struct Remap<'a> {
    decoded: &'a DecodedText,
    caches: [Vec<u32>; 9],
}

const UNMAPPED: u32 = u32::MAX - 1;

impl<'a> Remap<'a> {
    fn new(decoded: &'a DecodedText) -> Self {
        Remap {
            decoded,
            caches: Default::default(),
        }
    }

    fn key(&mut self, dim: Dim, local: u32, dict: &mut Dictionary) -> u32 {
        if local == NULL_KEY {
            return NULL_KEY;
        }
        let cache = &mut self.caches[dim as usize];
        if cache.is_empty() {
            cache.resize(self.decoded.len(), UNMAPPED);
        }
        let cached = cache[local as usize];
        if cached != UNMAPPED {
            return cached;
        }
        let key = dict.intern(self.decoded.get(local));
        cache[local as usize] = key;
        key
    }

    fn text(&self, local: u32) -> Option<&'a str> {
        (local != NULL_KEY).then(|| self.decoded.get(local))
    }
}

/// The staged keys of a text column.
pub(crate) fn text(staged: &StagedTable, column: Column) -> &[u32] {
    match staged.column(column) {
        StagedValues::Text(v) => v,
        _ => unreachable!("{column:?} is a text column"),
    }
}

fn count(staged: &StagedTable, column: Column) -> &[u32] {
    match staged.column(column) {
        StagedValues::Count(v) => v,
        _ => unreachable!("{column:?} is a count column"),
    }
}

fn money(staged: &StagedTable, column: Column) -> &[i64] {
    match staged.column(column) {
        StagedValues::Money(v) => v,
        _ => unreachable!("{column:?} is a money column"),
    }
}

/// Rows of a staged table that were not rejected, in source order.
fn live_rows(staged: &StagedTable) -> Vec<usize> {
    let mut dropped = staged.dropped.iter().peekable();
    (0..staged.rows.len())
        .filter(|row| {
            if dropped.peek() == Some(&row) {
                dropped.next();
                false
            } else {
                true
            }
        })
        .collect()
}

/// Makes sure `extras` has a column for each staged extra name; returns their indexes.
fn prepare_extras(extras: &mut Extras, staged: &StagedTable, rows: usize) -> Vec<usize> {
    staged
        .extra_names
        .iter()
        .map(|name| extras.column(name, rows))
        .collect()
}

/// Writes the staged extra columns of `row` at `at` (an existing row, whose earlier
/// attributes are cleared: the new row replaces it whole) or at a new row.
fn put_extras(
    extras: &mut Extras,
    columns: &[usize],
    staged: &StagedTable,
    remap: &mut Remap<'_>,
    row: usize,
    at: Option<usize>,
) {
    let Some(first) = extras.columns.first() else {
        return;
    };
    let target = match at {
        Some(t) => t,
        None => first.len(),
    };
    for column in &mut extras.columns {
        put(column, at, NULL_KEY);
    }
    for (keys, &column) in staged.extras.iter().zip(columns) {
        if keys[row] != NULL_KEY {
            extras.columns[column][target] = remap.key(Dim::Extra, keys[row], &mut extras.values);
        }
    }
}

impl StarSchema {
    /// Adds a staged table's live rows, replacing rows whose key exists, and fills the
    /// counts and warnings of `report`.
    pub fn commit(&mut self, mut staged: StagedTable, report: &mut LoadReport) {
        let decoded = staged.take_decoded_text();
        let staged = &staged;
        let live = live_rows(staged);
        report.rows_read = staged.rows_read;
        report.rows_loaded = live.len() as u64;
        report.rows_rejected = staged.rejected.len() as u64;
        report.rejected = staged.rejected.clone();
        report.extra_columns = staged.extra_names.clone();
        if !staged.sheets.is_empty() {
            report.sheets = Some(staged.sheets.clone());
        }
        debug_assert_eq!(report.rows_read, report.rows_loaded + report.rows_rejected);
        report.rows_replaced = match staged.table {
            TableKind::Campaigns => self.commit_campaigns(staged, &decoded, &live, report),
            TableKind::Targets => self.commit_targets(staged, &decoded, &live),
            TableKind::Customers => self.commit_customers(staged, &decoded, &live),
        };
    }

    fn commit_campaigns(
        &mut self,
        staged: &StagedTable,
        decoded: &DecodedText,
        live: &[usize],
        report: &mut LoadReport,
    ) -> u64 {
        let mut remap = Remap::new(decoded);
        let (tenant, campaign, name) = (
            text(staged, Column::TenantId),
            text(staged, Column::CampaignId),
            text(staged, Column::CampaignName),
        );
        let (region, product, channel) = (
            text(staged, Column::Region),
            text(staged, Column::Product),
            text(staged, Column::Channel),
        );
        let (impressions, clicks, conversions) = (
            count(staged, Column::Impressions),
            count(staged, Column::Clicks),
            count(staged, Column::Conversions),
        );
        let (spend, revenue) = (money(staged, Column::Spend), money(staged, Column::Revenue));
        let StagedValues::Date(date) = staged.column(Column::Date) else {
            unreachable!("date column")
        };

        let mut warnings = CampaignWarnings::new(live.iter().map(|&r| date[r]));
        // The channel each campaign name implies, by name key: staged keys may repeat a
        // name (a column of mostly new names is staged without looking for repeats).
        let mut channel_of_name: Vec<u32> = Vec::new();
        let dims = &mut self.dims;
        let facts = &mut self.campaigns;
        facts.ensure_index();
        let rows_before = facts.len();
        // Campaign ids are nearly unique per row: size the tables once, not by doubling.
        let distinct_campaigns = match staged.column(Column::CampaignId) {
            StagedValues::Text(keys) => keys
                .iter()
                .max()
                .map_or(0, |&k| k as usize + 1)
                .min(live.len()),
            _ => 0,
        };
        dims.campaign.reserve(distinct_campaigns);
        facts.index.reserve(live.len(), |r| {
            (facts.tenant.get(r), facts.campaign[r], facts.date[r])
        });
        facts.reserve(live.len());
        let extra_columns = prepare_extras(&mut facts.extras, staged, rows_before);
        let mut replaced = 0;
        for &row in live {
            warnings.check(
                impressions[row],
                clicks[row],
                conversions[row],
                spend[row],
                revenue[row],
                date[row],
            );
            let tenant_key = remap.key(Dim::Tenant, tenant[row], &mut dims.tenant);
            let campaign_key = remap.key(Dim::Campaign, campaign[row], &mut dims.campaign);
            let len = facts.len();
            let at = facts
                .index
                .upsert((tenant_key, campaign_key, date[row]), len, |r| {
                    (facts.tenant.get(r), facts.campaign[r], facts.date[r])
                });
            replaced += u64::from(at.is_some());
            let name_key = remap.key(Dim::CampaignName, name[row], &mut dims.campaign_name);
            let channel_key = if channel[row] != NULL_KEY {
                remap.key(Dim::Channel, channel[row], &mut dims.channel)
            } else if name_key != NULL_KEY {
                // The channel a name implies, computed once per distinct name.
                let index = name_key as usize;
                if index >= channel_of_name.len() {
                    channel_of_name.resize(dims.campaign_name.len().max(index + 1), UNMAPPED);
                }
                let cached = &mut channel_of_name[index];
                if *cached == UNMAPPED {
                    let text = remap
                        .text(name[row])
                        .and_then(channel_from_name)
                        .unwrap_or("Unknown");
                    *cached = dims.channel.intern(text);
                }
                *cached
            } else {
                dims.channel.intern("Unknown")
            };
            facts.tenant.put(at, tenant_key);
            put(&mut facts.campaign, at, campaign_key);
            put(&mut facts.campaign_name, at, name_key);
            put(&mut facts.date, at, date[row]);
            put(&mut facts.impressions, at, impressions[row]);
            put(&mut facts.clicks, at, clicks[row]);
            put(&mut facts.conversions, at, conversions[row]);
            put(&mut facts.spend, at, spend[row]);
            put(&mut facts.revenue, at, revenue[row]);
            facts
                .region
                .put(at, remap.key(Dim::Region, region[row], &mut dims.region));
            facts
                .product
                .put(at, remap.key(Dim::Product, product[row], &mut dims.product));
            facts.channel.put(at, channel_key);
            put_extras(
                &mut facts.extras,
                &extra_columns,
                staged,
                &mut remap,
                row,
                at,
            );
        }
        report.warnings = warnings.into_counts();
        replaced
    }

    fn commit_targets(
        &mut self,
        staged: &StagedTable,
        decoded: &DecodedText,
        live: &[usize],
    ) -> u64 {
        let mut remap = Remap::new(decoded);
        let (tenant, region, product) = (
            text(staged, Column::TenantId),
            text(staged, Column::Region),
            text(staged, Column::Product),
        );
        let StagedValues::Year(year) = staged.column(Column::Year) else {
            unreachable!("year column")
        };
        let StagedValues::Month(month) = staged.column(Column::Month) else {
            unreachable!("month column")
        };
        let (revenue, spend) = (
            money(staged, Column::TargetRevenue),
            money(staged, Column::TargetSpend),
        );
        let conversions = count(staged, Column::TargetConversions);
        let dims = &mut self.dims;
        let targets = &mut self.targets;
        targets.ensure_index();
        let rows_before = targets.len();
        let extra_columns = prepare_extras(&mut targets.extras, staged, rows_before);
        let mut replaced = 0;
        for &row in live {
            let keys = (
                remap.key(Dim::Tenant, tenant[row], &mut dims.tenant),
                remap.key(Dim::Region, region[row], &mut dims.region),
                remap.key(Dim::Product, product[row], &mut dims.product),
            );
            let len = targets.len();
            let at =
                targets
                    .index
                    .upsert((keys.0, keys.1, keys.2, year[row], month[row]), len, |r| {
                        (
                            targets.tenant.get(r),
                            targets.region.get(r),
                            targets.product.get(r),
                            targets.year[r],
                            targets.month[r],
                        )
                    });
            replaced += u64::from(at.is_some());
            targets.tenant.put(at, keys.0);
            targets.region.put(at, keys.1);
            targets.product.put(at, keys.2);
            put(&mut targets.year, at, year[row]);
            put(&mut targets.month, at, month[row]);
            put(&mut targets.target_revenue, at, revenue[row]);
            put(&mut targets.target_conversions, at, conversions[row]);
            put(&mut targets.target_spend, at, spend[row]);
            put_extras(
                &mut targets.extras,
                &extra_columns,
                staged,
                &mut remap,
                row,
                at,
            );
        }
        replaced
    }

    fn commit_customers(
        &mut self,
        staged: &StagedTable,
        decoded: &DecodedText,
        live: &[usize],
    ) -> u64 {
        let mut remap = Remap::new(decoded);
        let (tenant, customer, name) = (
            text(staged, Column::TenantId),
            text(staged, Column::CustomerId),
            text(staged, Column::CustomerName),
        );
        let (region, preference) = (
            text(staged, Column::Region),
            text(staged, Column::ProductPreference),
        );
        let spent = money(staged, Column::TotalSpent);
        let orders = count(staged, Column::TotalOrders);
        let dims = &mut self.dims;
        let customers = &mut self.customers;
        customers.ensure_index();
        let rows_before = customers.len();
        let extra_columns = prepare_extras(&mut customers.extras, staged, rows_before);
        let mut replaced = 0;
        for &row in live {
            let tenant_key = remap.key(Dim::Tenant, tenant[row], &mut dims.tenant);
            let customer_key = remap.key(Dim::Customer, customer[row], &mut dims.customer);
            let len = customers.len();
            let at = customers
                .index
                .upsert((tenant_key, customer_key), len, |r| {
                    (customers.tenant.get(r), customers.customer[r])
                });
            replaced += u64::from(at.is_some());
            customers.tenant.put(at, tenant_key);
            put(&mut customers.customer, at, customer_key);
            put(
                &mut customers.customer_name,
                at,
                remap.key(Dim::CustomerName, name[row], &mut dims.customer_name),
            );
            customers
                .region
                .put(at, remap.key(Dim::Region, region[row], &mut dims.region));
            customers.product_preference.put(
                at,
                remap.key(Dim::Product, preference[row], &mut dims.product),
            );
            put(&mut customers.total_spent, at, spent[row]);
            put(&mut customers.total_orders, at, orders[row]);
            put_extras(
                &mut customers.extras,
                &extra_columns,
                staged,
                &mut remap,
                row,
                at,
            );
        }
        replaced
    }
}

#[cfg(test)]
mod tests {
    use crate::generate::{sample_files, SampleSpec};
    use crate::Warehouse;

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
