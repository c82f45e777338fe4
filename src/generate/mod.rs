//! Deterministic sample data: the three input files of the old Python pipeline
//! (`marketing_campaigns.csv`, `sales_targets.xlsx` and a customers JSON file), at
//! any size, from a [`SampleSpec`] and a seed.
//!
//! This module owns the sample generator and nothing else: it knows the column names
//! and value ranges of the seed files, and writes bytes. It does no file I/O (writers
//! take any [`std::io::Write`], or return bytes) and runs unchanged on
//! `wasm32-unknown-unknown`. The targets workbook ([`targets_xlsx`], rust_xlsxwriter)
//! needs the `xlsx-writer` feature (on with the default `cli` feature); the wasm engine
//! is built without it, and its sample data carries the same targets as CSV
//! ([`SampleFiles::targets_csv`]). That keeps a workbook writer and its zip compressor
//! out of the page's download.
//!
//! # Reproducibility
//!
//! The same spec and seed give byte-identical files on every platform:
//!
//! - Random numbers come from [`Pcg64Mcg`], one stream per (table, tenant), seeded with
//!   `seed_from_u64` from a SplitMix64 mix of the seed, the table and the tenant's
//!   index. A tenant's rows therefore depend only on the seed, its index and its own
//!   row count, not on how many other tenants there are.
//! - Bounded integers are drawn with Lemire's multiply-and-reject method on `u64`
//!   (no `usize`, no floats), so 32- and 64-bit targets agree.
//! - Money is generated as integer cents and printed with exactly two decimals; no
//!   float is ever formatted in the CSV and JSON outputs. The workbook stores
//!   `cents / 100` as an `f64` (a correctly rounded division, the same everywhere)
//!   and carries a fixed creation date (2024-01-01) instead of the clock.
//!
//! Changing a distribution below changes the output for every seed; the unit tests
//! pin the first rows of the default spec so that such a change is deliberate.
//!
//! # Tenant sizes
//!
//! Tenants are `tenant_001`, `tenant_002`, ... (zero-padded to 3 digits, or to the
//! digits of the tenant count when that is wider, so that ids sort by byte order).
//! With up to 3 tenants each gets exactly `campaigns_per_tenant` campaign rows, like
//! the old pipeline. With more, sizes follow Zipf's law with exponent 1: every tenant
//! first gets one row, and the remaining `tenants * campaigns_per_tenant - tenants`
//! rows are shared in proportion to `1 / rank` (tenant 1 is the largest) by
//! cumulative integer rounding, so the total is exact. With 100 tenants the largest
//! holds about 19% of the rows and the smallest about 0.2%, a ratio near 100.
//! Every tenant has at least one row when `campaigns_per_tenant >= 1`.
//!
//! # Distributions
//!
//! Campaigns (one row per campaign; campaign ids are unique within a tenant, so the
//! key `(tenant_id, campaign_id, date)` never repeats):
//!
//! | column | value |
//! |---|---|
//! | campaign_id | `camp_<tenant_id>_<index>`, index from 0, zero-padded to 3 digits or to the digits of the largest tenant's last index |
//! | campaign_name | `Campaign <index + 1> - <channel>`, channel uniform over Search, Display, Social Media, Video, Email |
//! | date | uniform over 2024-10-01 ..= 2024-11-30 |
//! | impressions | uniform 1,000 ..= 50,000 |
//! | clicks | impressions x CTR, CTR uniform 0.50% ..= 20.00% (so 5 <= clicks <= impressions) |
//! | conversions | clicks x conversion rate, rate uniform 1% ..= 30%; one row in 50 reports view-through conversions, 1 to 25% above clicks (the loader's `conversions_gt_clicks` warning) |
//! | spend | clicks x CPC, CPC uniform $0.20 ..= $5.00 |
//! | revenue | spend x ROAS rounded down to the cent, ROAS uniform 0.50 ..= 4.00 in steps of 0.0001, so every performance category occurs: Loss (1 in 7), Break Even, Good, Excellent (2 in 7 each) |
//! | region, product | uniform over North, South, East, West and Product A ..= Product E |
//!
//! Sales targets: per tenant, one row for each region x product x month of 2024
//! (240 rows, ordered by region as listed above, product, month). Each target is
//! what that tenant's campaigns would earn in a (region, product, month) cell of the
//! campaign date range on average, times a factor uniform 0.70 ..= 1.40, so
//! attainment lands around 100% whatever the size; at the default spec that is
//! $27k..$54k revenue, $12k..$24k spend and 700..1,400 conversions a month, the
//! ballpark of the old pipeline's sheet. Floors: $100.00 revenue, $50.00 spend, 1
//! conversion.
//!
//! Customers: `customers_per_tenant` per tenant, `cust_<tenant_id>_<index>` (index
//! from 0, padded like campaign ids), `Customer <index + 1>`, uniform region and
//! product preference, total_orders uniform 1 ..= 20, total_spent = orders x an
//! average order value uniform $20.00 ..= $250.00.

use std::io::{self, Write};

use rand::{RngCore, SeedableRng};
use rand_pcg::Pcg64Mcg;
#[cfg(feature = "xlsx-writer")]
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

/// How much sample data to generate, and from which seed.
///
/// ```
/// use bi_platform::generate::SampleSpec;
///
/// let spec = SampleSpec::default();
/// assert_eq!(spec.campaign_rows(), 300);
/// assert_eq!(spec.tenant_campaign_counts(), vec![100, 100, 100]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SampleSpec {
    /// Number of tenants (`tenant_001`, `tenant_002`, ...).
    pub tenants: u32,
    /// Average campaign rows per tenant: the campaigns file holds exactly
    /// `tenants * campaigns_per_tenant` rows (see the module docs for how they are
    /// shared out when there are more than 3 tenants).
    pub campaigns_per_tenant: u32,
    /// Customers per tenant (every tenant gets exactly this many).
    pub customers_per_tenant: u32,
    /// Seed of every random stream; the same spec and seed give the same bytes.
    pub seed: u64,
}

impl Default for SampleSpec {
    /// The size of the old pipeline's files: 3 tenants, 100 campaigns and 50
    /// customers each, seed 42.
    fn default() -> Self {
        SampleSpec {
            tenants: 3,
            campaigns_per_tenant: 100,
            customers_per_tenant: 50,
            seed: 42,
        }
    }
}

impl SampleSpec {
    /// Exact number of campaign rows: `tenants * campaigns_per_tenant`.
    pub fn campaign_rows(&self) -> u64 {
        u64::from(self.tenants) * u64::from(self.campaigns_per_tenant)
    }

    /// Exact number of sales target rows: 240 per tenant (4 regions x 5 products x
    /// 12 months).
    pub fn target_rows(&self) -> u64 {
        u64::from(self.tenants) * TARGETS_PER_TENANT
    }

    /// Exact number of customers: `tenants * customers_per_tenant`.
    pub fn customer_rows(&self) -> u64 {
        u64::from(self.tenants) * u64::from(self.customers_per_tenant)
    }

    /// Campaign rows of each tenant, in tenant order (index 0 is `tenant_001`).
    /// They sum to [`campaign_rows`](Self::campaign_rows); see the module docs for
    /// the skew.
    ///
    /// ```
    /// use bi_platform::generate::SampleSpec;
    ///
    /// let spec = SampleSpec { tenants: 100, campaigns_per_tenant: 10_000, ..SampleSpec::default() };
    /// let counts = spec.tenant_campaign_counts();
    /// assert_eq!(counts.iter().sum::<u64>(), 1_000_000);
    /// assert!(counts[0] > 50 * counts[99]);
    /// ```
    pub fn tenant_campaign_counts(&self) -> Vec<u64> {
        TenantSizes::new(self).collect()
    }
}

/// The sample files, in memory (for the web page): campaigns, sales targets (as CSV,
/// and natively also as the workbook) and customers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleFiles {
    /// `marketing_campaigns.csv`, as written by [`write_campaigns_csv`].
    pub campaigns_csv: Vec<u8>,
    /// `sales_targets.csv`, as written by [`targets_csv`] (the page's sample targets).
    pub targets_csv: Vec<u8>,
    /// `sales_targets.xlsx`, as built by [`targets_xlsx`] (the same rows; only with
    /// the `xlsx-writer` feature).
    #[cfg(feature = "xlsx-writer")]
    pub targets_xlsx: Vec<u8>,
    /// `customers.json`, as written by [`write_customers_json`].
    pub customers_json: Vec<u8>,
}

/// Why sample files could not be built.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The workbook library refused the sales targets sheet.
    #[cfg(feature = "xlsx-writer")]
    #[error("could not build the sales targets workbook: {0}")]
    Xlsx(#[from] XlsxError),
    /// Writing a generated file failed.
    #[error("could not write the generated {file}: {source}")]
    Io {
        /// Which file was being written.
        file: &'static str,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// More target rows than one worksheet holds.
    #[error(
        "{tenants} tenants need {rows} sales target rows, more than one worksheet holds \
         ({max}); use at most {max_tenants} tenants, or write the targets as CSV"
    )]
    TooManyTargetRows {
        /// Tenants asked for.
        tenants: u32,
        /// Target rows they need (240 per tenant).
        rows: u64,
        /// Data rows a worksheet holds below its header.
        max: u64,
        /// The most tenants whose targets fit.
        max_tenants: u64,
    },
    /// Too many rows to build a file in memory.
    #[error(
        "{rows} {what} are too many to build in memory (at most {max}); \
         ask for fewer, or stream them to a file with the write functions"
    )]
    TooLarge {
        /// What was asked for: `campaign rows` or `customers`.
        what: &'static str,
        /// How many were asked for.
        rows: u64,
        /// [`MAX_IN_MEMORY_ROWS`].
        max: u64,
    },
}

/// The most campaign rows, and the most customers, [`sample_files`] builds in
/// memory (2 million campaign rows are about 230 MB of CSV).
pub const MAX_IN_MEMORY_ROWS: u64 = 2_000_000;

/// Header of the campaigns CSV.
pub const CAMPAIGNS_HEADER: &str = "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product";

/// Header of the sales targets sheet and CSV.
pub const TARGETS_HEADER: [&str; 8] = [
    "tenant_id",
    "region",
    "product",
    "month",
    "year",
    "target_revenue",
    "target_conversions",
    "target_spend",
];

/// Name of the worksheet built by [`targets_xlsx`].
pub const TARGETS_SHEET: &str = "targets";

/// Data rows one worksheet holds below its header (Excel's 1,048,576 rows less one).
#[cfg(feature = "xlsx-writer")]
const XLSX_MAX_DATA_ROWS: u64 = 1_048_575;

const CHANNELS: [&str; 5] = ["Search", "Display", "Social Media", "Video", "Email"];
const REGIONS: [&str; 4] = ["North", "South", "East", "West"];
const PRODUCTS: [&str; 5] = [
    "Product A",
    "Product B",
    "Product C",
    "Product D",
    "Product E",
];
const TARGET_YEAR: u16 = 2024;
const TARGETS_PER_TENANT: u64 = (REGIONS.len() * PRODUCTS.len() * 12) as u64;

/// Up to this many tenants, each gets exactly `campaigns_per_tenant` rows.
const EQUAL_TENANTS_UP_TO: u32 = 3;
/// Fixed-point scale of the Zipf weights `ZIPF_SCALE / rank`.
const ZIPF_SCALE: u128 = 1 << 40;

// Campaign value ranges (inclusive). Rates are in basis points (1/10,000).
const IMPRESSIONS: (u64, u64) = (1_000, 50_000);
const CTR_BP: (u64, u64) = (50, 2_000);
const CVR_BP: (u64, u64) = (100, 3_000);
const CPC_CENTS: (u64, u64) = (20, 500);
const ROAS_BP: (u64, u64) = (5_000, 40_000);
/// One campaign row in this many reports more conversions than clicks.
const VIEW_THROUGH_ONE_IN: u64 = 50;
/// Campaign dates: the first day and the number of days (2024-10-01 ..= 2024-11-30).
const FIRST_MONTH: u8 = 10;
const CAMPAIGN_MONTHS: [u8; 2] = [31, 30];

// Target factors, floors and cells.
const TARGET_FACTOR_BP: (u64, u64) = (7_000, 14_000);
const MIN_TARGET_REVENUE_CENTS: u64 = 10_000;
const MIN_TARGET_SPEND_CENTS: u64 = 5_000;
/// (region, product, month) cells the campaign date range covers.
const CAMPAIGN_CELLS: u128 = (REGIONS.len() * PRODUCTS.len() * CAMPAIGN_MONTHS.len()) as u128;

// Customer ranges.
const ORDERS: (u64, u64) = (1, 20);
const ORDER_VALUE_CENTS: (u64, u64) = (2_000, 25_000);

const fn mid(range: (u64, u64)) -> u128 {
    (range.0 as u128 + range.1 as u128) / 2
}
// Mean campaign values, scaled by 10^4 (`_E4`) or 10^8 (`_E8`) to stay integers.
const MEAN_CLICKS_E4: u128 = mid(IMPRESSIONS) * mid(CTR_BP);
const MEAN_SPEND_CENTS_E4: u128 = MEAN_CLICKS_E4 * mid(CPC_CENTS);
const MEAN_REVENUE_CENTS_E8: u128 = MEAN_SPEND_CENTS_E4 * mid(ROAS_BP);
const MEAN_CONVERSIONS_E8: u128 = MEAN_CLICKS_E4 * mid(CVR_BP);

/// Bytes buffered before each write to the caller's writer.
const CHUNK: usize = 64 * 1024;

/// Writes the campaigns CSV (header and `spec.campaign_rows()` rows, LF line ends)
/// and returns the number of data rows.
///
/// Streams in constant memory: rows are formatted into one reused buffer and
/// handed to `out` in 64 KiB chunks, so `out` need not be buffered. `out` is
/// flushed at the end.
///
/// # Errors
///
/// Only those of `out`.
///
/// ```
/// use bi_platform::generate::{write_campaigns_csv, SampleSpec};
///
/// let mut csv = Vec::new();
/// let rows = write_campaigns_csv(&SampleSpec::default(), &mut csv).unwrap();
/// assert_eq!(rows, 300);
/// assert!(csv.starts_with(b"tenant_id,campaign_id,campaign_name,date,"));
/// ```
pub fn write_campaigns_csv<W: Write>(spec: &SampleSpec, mut out: W) -> io::Result<u64> {
    let dates = campaign_dates();
    let tenant_width = tenant_id_width(spec.tenants);
    let largest = TenantSizes::new(spec).max().unwrap_or(0);
    let id_width = index_width(largest);

    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + 512);
    buf.extend_from_slice(CAMPAIGNS_HEADER.as_bytes());
    buf.push(b'\n');
    let mut tenant = Vec::with_capacity(16);
    let mut rows = 0u64;
    for (t, count) in (0..spec.tenants).zip(TenantSizes::new(spec)) {
        tenant.clear();
        push_tenant_id(&mut tenant, t, tenant_width);
        let mut rng = Stream::new(spec.seed, Table::Campaigns, t);
        for index in 0..count {
            let c = Campaign::draw(&mut rng);
            buf.extend_from_slice(&tenant);
            buf.extend_from_slice(b",camp_");
            buf.extend_from_slice(&tenant);
            buf.push(b'_');
            push_padded(&mut buf, index, id_width);
            buf.extend_from_slice(b",Campaign ");
            push_u64(&mut buf, index + 1);
            buf.extend_from_slice(b" - ");
            buf.extend_from_slice(CHANNELS[c.channel].as_bytes());
            buf.push(b',');
            buf.extend_from_slice(&dates[c.day]);
            buf.push(b',');
            push_u64(&mut buf, c.impressions);
            buf.push(b',');
            push_u64(&mut buf, c.clicks);
            buf.push(b',');
            push_u64(&mut buf, c.conversions);
            buf.push(b',');
            push_cents(&mut buf, c.spend_cents);
            buf.push(b',');
            push_cents(&mut buf, c.revenue_cents);
            buf.push(b',');
            buf.extend_from_slice(REGIONS[c.region].as_bytes());
            buf.push(b',');
            buf.extend_from_slice(PRODUCTS[c.product].as_bytes());
            buf.push(b'\n');
            if buf.len() >= CHUNK {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
        rows += count;
    }
    out.write_all(&buf)?;
    out.flush()?;
    Ok(rows)
}

/// Builds the sales targets workbook: one sheet named `targets` with the header of
/// the old pipeline's `sales_targets.xlsx` and 240 rows per tenant (the rows of
/// [`targets_csv`], with numbers as numeric cells).
///
/// # Errors
///
/// [`GenerateError::TooManyTargetRows`] beyond 4,369 tenants (one worksheet's
/// rows); [`GenerateError::Xlsx`] should the workbook library fail.
///
/// Needs the `xlsx-writer` feature (see the module docs). `Workbook::new()` reads the
/// clock (on wasm32 that needs rust_xlsxwriter's `wasm` feature, which this crate does not
/// turn on: the page never builds a workbook); its value is overwritten with the fixed
/// creation date.
///
/// ```
/// use bi_platform::generate::{targets_xlsx, SampleSpec};
///
/// let xlsx = targets_xlsx(&SampleSpec::default()).unwrap();
/// assert!(xlsx.starts_with(b"PK"));
/// ```
#[cfg(feature = "xlsx-writer")]
pub fn targets_xlsx(spec: &SampleSpec) -> Result<Vec<u8>, GenerateError> {
    let rows = spec.target_rows();
    if rows > XLSX_MAX_DATA_ROWS {
        return Err(GenerateError::TooManyTargetRows {
            tenants: spec.tenants,
            rows,
            max: XLSX_MAX_DATA_ROWS,
            max_tenants: XLSX_MAX_DATA_ROWS / TARGETS_PER_TENANT,
        });
    }
    let mut workbook = Workbook::new();
    // A fixed creation date keeps the bytes reproducible.
    let created = ExcelDateTime::from_ymd(2024, 1, 1)?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));

    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("0.00");
    let sheet = workbook.add_worksheet();
    sheet.set_name(TARGETS_SHEET)?;
    for (col, (name, width)) in TARGETS_HEADER
        .iter()
        .zip([12.0, 8.0, 11.0, 7.0, 7.0, 15.0, 19.0, 13.0])
        .enumerate()
    {
        let col = col as u16;
        sheet.write_string_with_format(0, col, *name, &bold)?;
        sheet.set_column_width(col, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;

    let mut tenant = Vec::with_capacity(16);
    let mut row = 0u32;
    for_each_target(spec, |t| {
        row += 1;
        if t.first_of_tenant {
            tenant.clear();
            push_tenant_id(&mut tenant, t.tenant, tenant_id_width(spec.tenants));
        }
        // Tenant ids are ASCII.
        let tenant_id = std::str::from_utf8(&tenant).unwrap_or_default();
        sheet.write_string(row, 0, tenant_id)?;
        sheet.write_string(row, 1, REGIONS[t.region])?;
        sheet.write_string(row, 2, PRODUCTS[t.product])?;
        sheet.write_number(row, 3, f64::from(t.month))?;
        sheet.write_number(row, 4, f64::from(TARGET_YEAR))?;
        sheet.write_number_with_format(row, 5, cents_f64(t.revenue_cents), &money)?;
        sheet.write_number(row, 6, t.conversions as f64)?;
        sheet.write_number_with_format(row, 7, cents_f64(t.spend_cents), &money)?;
        Ok::<(), XlsxError>(())
    })?;
    Ok(workbook.save_to_buffer()?)
}

/// Writes the sales targets as CSV (same header, rows and values as
/// [`targets_xlsx`], money with two decimals) and returns the number of data rows.
/// Streams like [`write_campaigns_csv`].
///
/// # Errors
///
/// Only those of `out`.
///
/// ```
/// use bi_platform::generate::{targets_csv, SampleSpec};
///
/// let mut csv = Vec::new();
/// assert_eq!(targets_csv(&SampleSpec::default(), &mut csv).unwrap(), 720);
/// ```
pub fn targets_csv<W: Write>(spec: &SampleSpec, mut out: W) -> io::Result<u64> {
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + 512);
    buf.extend_from_slice(TARGETS_HEADER.join(",").as_bytes());
    buf.push(b'\n');
    let width = tenant_id_width(spec.tenants);
    let mut rows = 0u64;
    for_each_target(spec, |t| {
        push_tenant_id(&mut buf, t.tenant, width);
        buf.push(b',');
        buf.extend_from_slice(REGIONS[t.region].as_bytes());
        buf.push(b',');
        buf.extend_from_slice(PRODUCTS[t.product].as_bytes());
        buf.push(b',');
        push_u64(&mut buf, u64::from(t.month));
        buf.push(b',');
        push_u64(&mut buf, u64::from(TARGET_YEAR));
        buf.push(b',');
        push_cents(&mut buf, t.revenue_cents);
        buf.push(b',');
        push_u64(&mut buf, t.conversions);
        buf.push(b',');
        push_cents(&mut buf, t.spend_cents);
        buf.push(b'\n');
        rows += 1;
        if buf.len() >= CHUNK {
            out.write_all(&buf)?;
            buf.clear();
        }
        Ok::<(), io::Error>(())
    })?;
    out.write_all(&buf)?;
    out.flush()?;
    Ok(rows)
}

/// Writes the customers as a JSON array of objects (one object a line) and returns
/// the number of objects. Keys: `tenant_id`, `customer_id`, `customer_name`,
/// `region`, `product_preference`, `total_spent` (a number with two decimals),
/// `total_orders` (at least 1). Streams like [`write_campaigns_csv`].
///
/// # Errors
///
/// Only those of `out`.
///
/// ```
/// use bi_platform::generate::{write_customers_json, SampleSpec};
///
/// let mut json = Vec::new();
/// assert_eq!(write_customers_json(&SampleSpec::default(), &mut json).unwrap(), 150);
/// assert!(json.starts_with(b"[\n{\"tenant_id\":\"tenant_001\",\"customer_id\":\"cust_tenant_001_000\""));
/// ```
pub fn write_customers_json<W: Write>(spec: &SampleSpec, mut out: W) -> io::Result<u64> {
    let tenant_width = tenant_id_width(spec.tenants);
    let id_width = index_width(u64::from(spec.customers_per_tenant));
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + 512);
    let mut tenant = Vec::with_capacity(16);
    let mut rows = 0u64;
    buf.push(b'[');
    for t in 0..spec.tenants {
        tenant.clear();
        push_tenant_id(&mut tenant, t, tenant_width);
        let mut rng = Stream::new(spec.seed, Table::Customers, t);
        for index in 0..u64::from(spec.customers_per_tenant) {
            let region = rng.pick(REGIONS.len());
            let product = rng.pick(PRODUCTS.len());
            let orders = rng.range(ORDERS);
            let spent_cents = orders * rng.range(ORDER_VALUE_CENTS);
            buf.extend_from_slice(if rows == 0 { b"\n" } else { b",\n" });
            buf.extend_from_slice(b"{\"tenant_id\":\"");
            buf.extend_from_slice(&tenant);
            buf.extend_from_slice(b"\",\"customer_id\":\"cust_");
            buf.extend_from_slice(&tenant);
            buf.push(b'_');
            push_padded(&mut buf, index, id_width);
            buf.extend_from_slice(b"\",\"customer_name\":\"Customer ");
            push_u64(&mut buf, index + 1);
            buf.extend_from_slice(b"\",\"region\":\"");
            buf.extend_from_slice(REGIONS[region].as_bytes());
            buf.extend_from_slice(b"\",\"product_preference\":\"");
            buf.extend_from_slice(PRODUCTS[product].as_bytes());
            buf.extend_from_slice(b"\",\"total_spent\":");
            push_cents(&mut buf, spent_cents);
            buf.extend_from_slice(b",\"total_orders\":");
            push_u64(&mut buf, orders);
            buf.push(b'}');
            rows += 1;
            if buf.len() >= CHUNK {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
    }
    buf.extend_from_slice(if rows == 0 { b"]\n" } else { b"\n]\n" });
    out.write_all(&buf)?;
    out.flush()?;
    Ok(rows)
}

/// Builds the sample files in memory (for the web page).
///
/// # Errors
///
/// [`GenerateError::TooLarge`] above [`MAX_IN_MEMORY_ROWS`] campaign rows or
/// customers, and those of [`targets_xlsx`].
///
/// ```
/// use bi_platform::generate::{sample_files, SampleSpec};
///
/// let files = sample_files(&SampleSpec::default()).unwrap();
/// assert!(files.campaigns_csv.starts_with(b"tenant_id,"));
/// assert!(files.targets_csv.starts_with(b"tenant_id,region,product,month,"));
/// assert!(files.targets_xlsx.starts_with(b"PK"));
/// assert!(files.customers_json.starts_with(b"["));
/// ```
pub fn sample_files(spec: &SampleSpec) -> Result<SampleFiles, GenerateError> {
    let (rows, customers) = (spec.campaign_rows(), spec.customer_rows());
    for (what, rows) in [("campaign rows", rows), ("customers", customers)] {
        if rows > MAX_IN_MEMORY_ROWS {
            return Err(GenerateError::TooLarge {
                what,
                rows,
                max: MAX_IN_MEMORY_ROWS,
            });
        }
    }
    #[cfg(feature = "xlsx-writer")]
    let targets_xlsx = targets_xlsx(spec)?;
    let mut targets_csv = Vec::with_capacity(64 + spec.target_rows() as usize * 64);
    self::targets_csv(spec, &mut targets_csv).map_err(|source| GenerateError::Io {
        file: "targets CSV",
        source,
    })?;
    // About 116 bytes a campaign row and 190 a customer (both counts are bounded
    // above, so these fit a 32-bit usize).
    let mut campaigns_csv = Vec::with_capacity(128 + rows as usize * 120);
    write_campaigns_csv(spec, &mut campaigns_csv).map_err(|source| GenerateError::Io {
        file: "campaigns CSV",
        source,
    })?;
    let mut customers_json = Vec::with_capacity(8 + customers as usize * 200);
    write_customers_json(spec, &mut customers_json).map_err(|source| GenerateError::Io {
        file: "customers JSON",
        source,
    })?;
    Ok(SampleFiles {
        campaigns_csv,
        targets_csv,
        #[cfg(feature = "xlsx-writer")]
        targets_xlsx,
        customers_json,
    })
}

// ---------------------------------------------------------------------------------
// Row generation.

/// One campaign row's random values (ids and names come from its position).
struct Campaign {
    channel: usize,
    day: usize,
    impressions: u64,
    clicks: u64,
    conversions: u64,
    spend_cents: u64,
    revenue_cents: u64,
    region: usize,
    product: usize,
}

impl Campaign {
    /// Draws one row; the order of the draws is part of the output format.
    fn draw(rng: &mut Stream) -> Campaign {
        let channel = rng.pick(CHANNELS.len());
        let day = rng.pick(campaign_days());
        let impressions = rng.range(IMPRESSIONS);
        let clicks = impressions * rng.range(CTR_BP) / 10_000;
        let mut conversions = clicks * rng.range(CVR_BP) / 10_000;
        if rng.below(VIEW_THROUGH_ONE_IN) == 0 {
            conversions = clicks + 1 + rng.below(clicks / 4 + 1);
        }
        let spend_cents = clicks * rng.range(CPC_CENTS);
        let revenue_cents = spend_cents * rng.range(ROAS_BP) / 10_000;
        let region = rng.pick(REGIONS.len());
        let product = rng.pick(PRODUCTS.len());
        Campaign {
            channel,
            day,
            impressions,
            clicks,
            conversions,
            spend_cents,
            revenue_cents,
            region,
            product,
        }
    }
}

/// One sales target row.
struct Target {
    tenant: u32,
    /// The first of its tenant's rows (the workbook writer formats the id once then).
    #[cfg_attr(not(feature = "xlsx-writer"), allow(dead_code))]
    first_of_tenant: bool,
    region: usize,
    product: usize,
    month: u8,
    revenue_cents: u64,
    conversions: u64,
    spend_cents: u64,
}

/// Calls `f` with every target row, in order (tenant, region, product, month).
fn for_each_target<E>(
    spec: &SampleSpec,
    mut f: impl FnMut(&Target) -> Result<(), E>,
) -> Result<(), E> {
    for (t, campaigns) in (0..spec.tenants).zip(TenantSizes::new(spec)) {
        let mut rng = Stream::new(spec.seed, Table::Targets, t);
        // What this tenant's campaigns earn in one (region, product, month) cell of
        // the campaign date range, on average.
        let campaigns = u128::from(campaigns);
        let cell = |mean_e8: u128| campaigns * mean_e8 / CAMPAIGN_CELLS;
        let revenue_e8 = cell(MEAN_REVENUE_CENTS_E8);
        let spend_e8 = cell(MEAN_SPEND_CENTS_E4 * 10_000);
        let conversions_e8 = cell(MEAN_CONVERSIONS_E8);
        let mut first_of_tenant = true;
        for region in 0..REGIONS.len() {
            for product in 0..PRODUCTS.len() {
                for month in 1..=12u8 {
                    let mut scaled = |mean_e8: u128, floor: u64| {
                        let factor = u128::from(rng.range(TARGET_FACTOR_BP));
                        let value = mean_e8 * factor / 1_000_000_000_000;
                        u64::try_from(value).unwrap_or(u64::MAX).max(floor)
                    };
                    let revenue_cents = scaled(revenue_e8, MIN_TARGET_REVENUE_CENTS);
                    let conversions = scaled(conversions_e8, 1);
                    let spend_cents = scaled(spend_e8, MIN_TARGET_SPEND_CENTS);
                    f(&Target {
                        tenant: t,
                        first_of_tenant,
                        region,
                        product,
                        month,
                        revenue_cents,
                        conversions,
                        spend_cents,
                    })?;
                    first_of_tenant = false;
                }
            }
        }
    }
    Ok(())
}

/// Campaign rows per tenant, in tenant order (see the module docs).
struct TenantSizes {
    tenants: u64,
    next: u64,
    /// `Some(n)`: every tenant gets `n` rows.
    equal: Option<u64>,
    /// Rows shared by weight after each tenant's first.
    rest: u128,
    /// Sum of all weights, and of the weights of the tenants already given out.
    weight_sum: u128,
    weight_before: u128,
}

impl TenantSizes {
    fn new(spec: &SampleSpec) -> TenantSizes {
        let tenants = u64::from(spec.tenants);
        let per = u64::from(spec.campaigns_per_tenant);
        let equal = (spec.tenants <= EQUAL_TENANTS_UP_TO || per == 0).then_some(per);
        let weight_sum = if equal.is_some() {
            0
        } else {
            (0..tenants).map(zipf_weight).sum()
        };
        TenantSizes {
            tenants,
            next: 0,
            equal,
            rest: u128::from(spec.campaign_rows() - if per == 0 { 0 } else { tenants }),
            weight_sum,
            weight_before: 0,
        }
    }
}

impl Iterator for TenantSizes {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        if self.next == self.tenants {
            return None;
        }
        let i = self.next;
        self.next += 1;
        if let Some(n) = self.equal {
            return Some(n);
        }
        // Cumulative rounding: tenant i gets floor(rest * W(..=i) / W) minus
        // floor(rest * W(..i) / W), so the shares add up to `rest` exactly.
        let before = self.rest * self.weight_before / self.weight_sum;
        self.weight_before += zipf_weight(i);
        let through = self.rest * self.weight_before / self.weight_sum;
        Some(1 + (through - before) as u64)
    }
}

/// Weight of the tenant at 0-based `index`: `ZIPF_SCALE / rank`.
fn zipf_weight(index: u64) -> u128 {
    ZIPF_SCALE / u128::from(index + 1)
}

// ---------------------------------------------------------------------------------
// Random streams.

/// Which table a random stream feeds (part of the stream's seed).
#[derive(Clone, Copy)]
enum Table {
    Campaigns = 1,
    Targets = 2,
    Customers = 3,
}

/// A portable random stream with bias-free bounded draws.
struct Stream(Pcg64Mcg);

impl Stream {
    fn new(seed: u64, table: Table, tenant: u32) -> Stream {
        let tag = splitmix64(((table as u64) << 32) | u64::from(tenant));
        Stream(Pcg64Mcg::seed_from_u64(splitmix64(seed ^ tag)))
    }

    /// Uniform in `0..n` (`n > 0`), by Lemire's multiply-and-reject method.
    fn below(&mut self, n: u64) -> u64 {
        let mut m = u128::from(self.0.next_u64()) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.0.next_u64()) * u128::from(n);
            }
        }
        (m >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, (lo, hi): (u64, u64)) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// Uniform index into a list of `len` items.
    fn pick(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }
}

/// SplitMix64's finaliser: spreads nearby inputs over the whole `u64` range.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

// ---------------------------------------------------------------------------------
// Formatting without allocation.

/// Days in the campaign date range.
const fn campaign_days() -> usize {
    let mut days = 0;
    let mut i = 0;
    while i < CAMPAIGN_MONTHS.len() {
        days += CAMPAIGN_MONTHS[i] as usize;
        i += 1;
    }
    days
}

/// The campaign dates as `YYYY-MM-DD`.
fn campaign_dates() -> Vec<[u8; 10]> {
    let mut dates = Vec::with_capacity(campaign_days());
    for (m, &days) in CAMPAIGN_MONTHS.iter().enumerate() {
        let month = FIRST_MONTH + m as u8;
        for day in 1..=days {
            let mut d = *b"2024-00-00";
            d[5] = b'0' + month / 10;
            d[6] = b'0' + month % 10;
            d[8] = b'0' + day / 10;
            d[9] = b'0' + day % 10;
            dates.push(d);
        }
    }
    dates
}

/// Digits of tenant numbers: 3, or more when there are more than 999 tenants.
fn tenant_id_width(tenants: u32) -> usize {
    decimal_digits(u64::from(tenants)).max(3)
}

/// Digits of 0-based ids for `count` items: 3, or those of `count - 1` if wider.
fn index_width(count: u64) -> usize {
    decimal_digits(count.saturating_sub(1)).max(3)
}

fn decimal_digits(mut v: u64) -> usize {
    let mut digits = 1;
    while v >= 10 {
        v /= 10;
        digits += 1;
    }
    digits
}

/// Appends `tenant_<index + 1>`, zero-padded to `width` digits.
fn push_tenant_id(buf: &mut Vec<u8>, index: u32, width: usize) {
    buf.extend_from_slice(b"tenant_");
    push_padded(buf, u64::from(index) + 1, width);
}

fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[start..]);
}

fn push_padded(buf: &mut Vec<u8>, v: u64, width: usize) {
    for _ in decimal_digits(v)..width {
        buf.push(b'0');
    }
    push_u64(buf, v);
}

/// Appends cents as a decimal with exactly two decimals (`12345` -> `123.45`).
fn push_cents(buf: &mut Vec<u8>, cents: u64) {
    push_u64(buf, cents / 100);
    let c = (cents % 100) as u8;
    buf.extend_from_slice(&[b'.', b'0' + c / 10, b'0' + c % 10]);
}

#[cfg(feature = "xlsx-writer")]
fn cents_f64(cents: u64) -> f64 {
    cents as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::io::Cursor;

    fn campaigns(spec: &SampleSpec) -> String {
        let mut out = Vec::new();
        let rows = write_campaigns_csv(spec, &mut out).unwrap();
        assert_eq!(rows, spec.campaign_rows());
        String::from_utf8(out).unwrap()
    }

    fn spec(tenants: u32, campaigns_per_tenant: u32) -> SampleSpec {
        SampleSpec {
            tenants,
            campaigns_per_tenant,
            ..SampleSpec::default()
        }
    }

    fn is_money(s: &str) -> bool {
        let Some((whole, frac)) = s.split_once('.') else {
            return false;
        };
        !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && (whole == "0" || !whole.starts_with('0'))
            && frac.len() == 2
            && frac.bytes().all(|b| b.is_ascii_digit())
    }

    fn cents(s: &str) -> u64 {
        s.replace('.', "").parse().unwrap()
    }

    #[test]
    fn default_spec_sizes() {
        let spec = SampleSpec::default();
        assert_eq!(spec.campaign_rows(), 300);
        assert_eq!(spec.tenant_campaign_counts(), vec![100, 100, 100]);
        assert_eq!(spec.target_rows(), 720);
        assert_eq!(spec.customer_rows(), 150);
        let csv = campaigns(&spec);
        assert_eq!(csv.lines().count(), 301);
        for tenant in ["tenant_001", "tenant_002", "tenant_003"] {
            let prefix = format!("{tenant},");
            assert_eq!(csv.lines().filter(|l| l.starts_with(&prefix)).count(), 100);
        }
        let mut targets = Vec::new();
        assert_eq!(targets_csv(&spec, &mut targets).unwrap(), 720);
        assert_eq!(targets.split(|&b| b == b'\n').count(), 722); // + header, + final ""
        let mut json = Vec::new();
        assert_eq!(write_customers_json(&spec, &mut json).unwrap(), 150);
    }

    /// Pins the stream: a change here changes every generated file.
    #[test]
    fn default_spec_first_rows_are_pinned() {
        let csv = campaigns(&SampleSpec::default());
        let first: Vec<&str> = csv.lines().take(3).collect();
        assert_eq!(first[0], CAMPAIGNS_HEADER);
        assert_eq!(
            &first[1..],
            [
                "tenant_001,camp_tenant_001_000,Campaign 1 - Email,2024-11-10,43768,6591,370,14302.47,35488.71,North,Product A",
                "tenant_001,camp_tenant_001_001,Campaign 2 - Social Media,2024-11-15,25717,4647,510,6924.03,4106.64,West,Product A",
            ]
        );
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let a = SampleSpec::default();
        let b = SampleSpec { seed: 43, ..a };
        let (fa, fa2, fb) = (
            sample_files(&a).unwrap(),
            sample_files(&a).unwrap(),
            sample_files(&b).unwrap(),
        );
        assert_eq!(fa, fa2);
        assert_ne!(fa.campaigns_csv, fb.campaigns_csv);
        assert_ne!(fa.targets_xlsx, fb.targets_xlsx);
        assert_ne!(fa.customers_json, fb.customers_json);
        let (mut ta, mut tb) = (Vec::new(), Vec::new());
        targets_csv(&a, &mut ta).unwrap();
        targets_csv(&b, &mut tb).unwrap();
        assert_ne!(ta, tb);
    }

    #[test]
    fn a_tenants_rows_do_not_depend_on_other_tenants() {
        let three = campaigns(&spec(3, 100));
        let two = campaigns(&spec(2, 100));
        assert!(three.starts_with(&two));
    }

    #[test]
    fn skewed_sizes_sum_exactly() {
        let counts = spec(100, 10_000).tenant_campaign_counts();
        assert_eq!(counts.len(), 100);
        assert_eq!(counts.iter().sum::<u64>(), 1_000_000);
        let (max, min) = (counts.iter().max().unwrap(), counts.iter().min().unwrap());
        assert!(*min >= 1);
        assert!(*max > 50 * *min, "max {max}, min {min}");
        assert_eq!(max, &counts[0]);

        for (tenants, per) in [
            (4, 1),
            (7, 3),
            (1000, 1),
            (1000, 7),
            (5, 0),
            (0, 10),
            (1, 5),
        ] {
            let s = spec(tenants, per);
            let counts = s.tenant_campaign_counts();
            assert_eq!(counts.len(), tenants as usize);
            assert_eq!(
                counts.iter().sum::<u64>(),
                s.campaign_rows(),
                "{tenants} x {per}"
            );
            if per > 0 {
                assert!(counts.iter().all(|&c| c >= 1), "{tenants} x {per}");
            }
        }
        assert_eq!(spec(1000, 1).tenant_campaign_counts(), vec![1; 1000]);
    }

    #[test]
    fn campaigns_csv_is_well_formed() {
        let s = spec(5, 400);
        let csv = campaigns(&s);
        assert!(csv.ends_with('\n'));
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some(CAMPAIGNS_HEADER));
        let mut keys = HashSet::new();
        let mut categories = HashSet::new();
        let mut channels = HashSet::new();
        let mut last_tenant = String::new();
        let mut conversions_over_clicks = 0;
        let mut rows = 0;
        for line in lines {
            rows += 1;
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 11, "{line}");
            assert!(f[0].starts_with("tenant_") && f[0].len() == 10, "{line}");
            assert!(f[0] >= last_tenant.as_str(), "tenants in order: {line}");
            last_tenant = f[0].to_string();
            assert!(f[1].starts_with(&format!("camp_{}_", f[0])), "{line}");
            assert!(keys.insert((f[0], f[1], f[3])), "duplicate key: {line}");
            let (number, channel) = f[2].split_once(" - ").unwrap();
            assert!(number.starts_with("Campaign "), "{line}");
            assert!(CHANNELS.contains(&channel), "{line}");
            channels.insert(channel);
            assert_eq!(f[3].len(), 10);
            assert!(("2024-10-01"..="2024-11-30").contains(&f[3]), "{line}");
            let impressions: u64 = f[4].parse().unwrap();
            let clicks: u64 = f[5].parse().unwrap();
            let conversions: u64 = f[6].parse().unwrap();
            assert!((1_000..=50_000).contains(&impressions), "{line}");
            assert!(clicks >= 1 && clicks <= impressions, "{line}");
            assert!(clicks * 10_000 >= impressions * 49, "ctr >= ~0.5%: {line}");
            assert!(clicks * 10_000 <= impressions * 2_000, "ctr <= 20%: {line}");
            conversions_over_clicks += usize::from(conversions > clicks);
            assert!(is_money(f[7]) && is_money(f[8]), "{line}");
            let (spend, revenue) = (cents(f[7]), cents(f[8]));
            assert!(spend > 0, "{line}");
            assert!(revenue * 2 >= spend - 1 && revenue <= spend * 4, "{line}");
            categories.insert(match revenue {
                r if r > 3 * spend => "Excellent",
                r if r > 2 * spend => "Good",
                r if r > spend => "Break Even",
                _ => "Loss",
            });
            assert!(
                REGIONS.contains(&f[9]) && PRODUCTS.contains(&f[10]),
                "{line}"
            );
        }
        assert_eq!(rows, 2000);
        assert_eq!(categories.len(), 4, "{categories:?}");
        assert_eq!(channels.len(), 5);
        assert!(
            (10..=80).contains(&conversions_over_clicks),
            "about 1 in 50 over clicks: {conversions_over_clicks}"
        );
    }

    #[test]
    fn ids_are_padded_to_sort() {
        let mut out = Vec::new();
        push_tenant_id(&mut out, 0, tenant_id_width(999));
        assert_eq!(out, b"tenant_001");
        out.clear();
        push_tenant_id(&mut out, 999, tenant_id_width(1000));
        assert_eq!(out, b"tenant_1000");
        out.clear();
        push_tenant_id(&mut out, 0, tenant_id_width(1000));
        assert_eq!(out, b"tenant_0001");
        assert_eq!(index_width(0), 3);
        assert_eq!(index_width(1000), 3);
        assert_eq!(index_width(1001), 4);

        // 4 tenants of 1,000: tenant 1 gets over 1,000 rows, so ids are 4 wide.
        let csv = campaigns(&spec(4, 1000));
        let second = csv.lines().nth(1).unwrap();
        assert!(second.starts_with("tenant_001,camp_tenant_001_0000,Campaign 1 - "));
    }

    #[test]
    fn money_formatting() {
        for (c, s) in [
            (0, "0.00"),
            (5, "0.05"),
            (100, "1.00"),
            (123_456, "1234.56"),
        ] {
            let mut buf = Vec::new();
            push_cents(&mut buf, c);
            assert_eq!(String::from_utf8(buf).unwrap(), s);
        }
        let mut buf = Vec::new();
        push_u64(&mut buf, u64::MAX);
        assert_eq!(String::from_utf8(buf).unwrap(), u64::MAX.to_string());
    }

    #[test]
    fn targets_csv_rows() {
        let mut out = Vec::new();
        targets_csv(&SampleSpec::default(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), TARGETS_HEADER.join(","));
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        assert_eq!(rows.len(), 720);
        let keys: HashSet<_> = rows
            .iter()
            .map(|r| (r[0], r[1], r[2], r[3], r[4]))
            .collect();
        assert_eq!(keys.len(), 720);
        assert_eq!(
            &rows[0][..5],
            ["tenant_001", "North", "Product A", "1", "2024"]
        );
        assert_eq!(&rows[719][..4], ["tenant_003", "West", "Product E", "12"]);
        for r in &rows {
            assert_eq!(r.len(), 8);
            assert!(is_money(r[5]) && is_money(r[7]), "{r:?}");
            let (revenue, conversions, spend) =
                (cents(r[5]), r[6].parse::<u64>().unwrap(), cents(r[7]));
            // About 2.5 campaigns a cell at the default spec: ~$38k revenue.
            assert!((1_500_000..=8_000_000).contains(&revenue), "{r:?}");
            assert!((600_000..=3_500_000).contains(&spend), "{r:?}");
            assert!((500..=1_500).contains(&conversions), "{r:?}");
        }
    }

    #[test]
    fn targets_follow_tenant_size() {
        let mut out = Vec::new();
        targets_csv(&spec(10, 100), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let total = |tenant: &str| -> u64 {
            text.lines()
                .filter(|l| l.starts_with(tenant))
                .map(|l| cents(l.split(',').nth(5).unwrap()))
                .sum()
        };
        assert!(total("tenant_001,") > 5 * total("tenant_010,"));
    }

    #[test]
    fn targets_workbook_reads_back() {
        use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};

        let spec = SampleSpec::default();
        let bytes = targets_xlsx(&spec).unwrap();
        assert!(bytes.starts_with(b"PK"));
        assert_eq!(bytes, targets_xlsx(&spec).unwrap());
        let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        assert_eq!(workbook.sheet_names(), vec![TARGETS_SHEET.to_string()]);
        let range = workbook.worksheet_range(TARGETS_SHEET).unwrap();
        assert_eq!(range.height(), 721);
        assert_eq!(range.width(), 8);

        let mut csv = Vec::new();
        targets_csv(&spec, &mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        for (sheet_row, csv_row) in range.rows().zip(csv.lines()) {
            let cells: Vec<String> = sheet_row
                .iter()
                .zip(csv_row.split(','))
                .map(|(cell, text)| match cell {
                    Data::String(s) => s.clone(),
                    Data::Float(f) if text.contains('.') => format!("{f:.2}"),
                    Data::Float(f) => format!("{f}"),
                    Data::Int(i) => i.to_string(),
                    other => panic!("unexpected cell {other:?}"),
                })
                .collect();
            assert_eq!(cells.join(","), csv_row);
        }
    }

    #[test]
    fn too_many_targets_for_a_sheet() {
        let err = targets_xlsx(&spec(5000, 1)).unwrap_err();
        assert!(matches!(
            err,
            GenerateError::TooManyTargetRows {
                max_tenants: 4369,
                ..
            }
        ));
        assert!(err.to_string().contains("at most 4369 tenants"), "{err}");
        let err = sample_files(&spec(2000, 2000)).unwrap_err();
        assert!(
            matches!(
                err,
                GenerateError::TooLarge {
                    rows: 4_000_000,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "4000000 campaign rows are too many to build in memory (at most 2000000); \
             ask for fewer, or stream them to a file with the write functions"
        );
        let err = sample_files(&SampleSpec {
            customers_per_tenant: u32::MAX,
            ..SampleSpec::default()
        })
        .unwrap_err();
        assert!(
            matches!(
                err,
                GenerateError::TooLarge {
                    what: "customers",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn customers_json_parses() {
        let mut out = Vec::new();
        write_customers_json(&SampleSpec::default(), &mut out).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let customers = value.as_array().unwrap();
        assert_eq!(customers.len(), 150);
        let mut ids = HashSet::new();
        for c in customers {
            let c = c.as_object().unwrap();
            assert_eq!(c.len(), 7);
            let tenant = c["tenant_id"].as_str().unwrap();
            let id = c["customer_id"].as_str().unwrap();
            assert!(id.starts_with(&format!("cust_{tenant}_")));
            assert!(ids.insert(id.to_string()));
            assert!(c["customer_name"]
                .as_str()
                .unwrap()
                .starts_with("Customer "));
            assert!(REGIONS.contains(&c["region"].as_str().unwrap()));
            assert!(PRODUCTS.contains(&c["product_preference"].as_str().unwrap()));
            assert!(is_money(&c["total_spent"].to_string()), "{c:?}");
            let orders = c["total_orders"].as_u64().unwrap();
            assert!((1..=20).contains(&orders));
        }
        assert_eq!(customers[0]["customer_id"], "cust_tenant_001_000");
        assert_eq!(customers[149]["customer_id"], "cust_tenant_003_049");
        assert_eq!(customers[149]["customer_name"], "Customer 50");
    }

    #[test]
    fn empty_specs_give_headers_only() {
        let s = spec(0, 100);
        assert_eq!(campaigns(&s), format!("{CAMPAIGNS_HEADER}\n"));
        let mut json = Vec::new();
        assert_eq!(write_customers_json(&s, &mut json).unwrap(), 0);
        assert_eq!(json, b"[]\n");
        let files = sample_files(&s).unwrap();
        assert!(files.targets_xlsx.starts_with(b"PK"));
        assert_eq!(
            files.targets_csv,
            format!("{}\n", TARGETS_HEADER.join(",")).as_bytes()
        );
        assert_eq!(campaigns(&spec(4, 0)), format!("{CAMPAIGNS_HEADER}\n"));
    }

    #[test]
    fn spec_is_serde_data_with_defaults() {
        let s: SampleSpec = serde_json::from_str(r#"{"tenants": 10}"#).unwrap();
        assert_eq!(
            s,
            SampleSpec {
                tenants: 10,
                ..SampleSpec::default()
            }
        );
        assert!(serde_json::from_str::<SampleSpec>(r#"{"tenant": 10}"#).is_err());
    }
}
