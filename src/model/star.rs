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
//!
//! This file is the schema: the dimensions, the extra columns and the three
//! `star_table!` declarations. The macro and the column views it generates code for are
//! in `model::star_table`, the key index in `model::row_index`, and the memory
//! accounting in `model::table_memory`.

use crate::model::date::Day;
use crate::model::dict::Dictionary;
use crate::model::keys::KeyColumn;
use crate::model::row_index::RowIndex;
pub use crate::model::row_index::PREFETCH_GROUP;
use crate::model::schema::{Column, TableKind};
use crate::model::star_table::{
    feeds, nullable, row_type, star_table, stored_type, Journal, Stored,
};
pub use crate::model::star_table::{
    Dim, Extras, Feeds, StoredColumn, StoredColumnMut, Values, ValuesMut,
};
use crate::model::table_memory::{dictionary_bytes, extras_bytes};
pub use crate::model::table_memory::{ColumnMemory, TableMemory};
use std::hash::Hash;

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
        let d = self;
        Some(match dim {
            Dim::Tenant => &d.tenant,
            Dim::Campaign => &d.campaign,
            Dim::CampaignName => &d.campaign_name,
            Dim::Region => &d.region,
            Dim::Product => &d.product,
            Dim::Channel => &d.channel,
            Dim::Customer => &d.customer,
            Dim::CustomerName => &d.customer_name,
            Dim::Extra => return None,
        })
    }

    /// [`Dimensions::dict`], to change.
    pub fn dict_mut(&mut self, dim: Dim) -> Option<&mut Dictionary> {
        let d = self;
        Some(match dim {
            Dim::Tenant => &mut d.tenant,
            Dim::Campaign => &mut d.campaign,
            Dim::CampaignName => &mut d.campaign_name,
            Dim::Region => &mut d.region,
            Dim::Product => &mut d.product,
            Dim::Channel => &mut d.channel,
            Dim::Customer => &mut d.customer,
            Dim::CustomerName => &mut d.customer_name,
            Dim::Extra => return None,
        })
    }

    /// Every dictionary with its dimension, in the stored order ([`Dim::DICTIONARIES`]).
    pub fn all(&self) -> [(Dim, &Dictionary); Dim::DICTIONARIES.len()] {
        Dim::DICTIONARIES.map(|dim| (dim, self.dict(dim).expect("a dictionary")))
    }

    /// Dimensions whose dictionaries `dict` gives, asked in the stored order (as a
    /// snapshot holds them); the first error stops it.
    pub fn try_build<E>(mut dict: impl FnMut(Dim) -> Result<Dictionary, E>) -> Result<Self, E> {
        let mut dims = Dimensions::default();
        for dim in Dim::DICTIONARIES {
            *dims.dict_mut(dim).expect("a dictionary") = dict(dim)?;
        }
        Ok(dims)
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

/// The whole star schema.
#[derive(Debug, Default)]
pub struct StarSchema {
    pub dims: Dimensions,
    pub campaigns: Campaigns,
    pub targets: Targets,
    pub customers: Customers,
    /// The dictionaries' lengths when the open journal began.
    journal: Option<[usize; Dim::DICTIONARIES.len()]>,
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
        self.journal = Some(self.dims.all().map(|(_, d)| d.len()));
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
        for (dim, len) in Dim::DICTIONARIES.into_iter().zip(lengths) {
            self.dims.dict_mut(dim).expect("a dictionary").truncate(len);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{sample_files, SampleSpec};
    use crate::model::dict::NULL_KEY;
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
