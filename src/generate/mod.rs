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
//! - Random numbers come from [`Pcg64Mcg`](rand_pcg::Pcg64Mcg), one stream per (table,
//!   tenant), seeded with `seed_from_u64` from a SplitMix64 mix of the seed, the table
//!   and the tenant's index. A tenant's rows therefore depend only on the seed, its
//!   index and its own row count, not on how many other tenants there are.
//! - Bounded integers are drawn with Lemire's multiply-and-reject method on `u64`
//!   (no `usize`, no floats), so 32- and 64-bit targets agree.
//! - Money is generated as integer cents and printed with exactly two decimals; no
//!   float is ever formatted in the CSV and JSON outputs. The workbook stores
//!   `cents / 100` as an `f64` (a correctly rounded division, the same everywhere)
//!   and carries a fixed creation date (2024-01-01) instead of the clock.
//!
//! Changing a distribution changes the output for every seed; the unit tests
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
//!
//! The files of this folder: `spec` (the spec and the tenant sizes), `random` (the
//! random streams), `campaigns`, `targets` and `customers` (one writer per output), and
//! `numbers` (ids and numbers written without allocation); this file builds the three
//! in memory ([`sample_files`]).

mod campaigns;
mod customers;
mod numbers;
mod random;
mod spec;
mod targets;

pub use campaigns::{write_campaigns_csv, CAMPAIGNS_HEADER};
pub use customers::write_customers_json;
pub use spec::SampleSpec;
#[cfg(feature = "xlsx-writer")]
pub use targets::targets_xlsx;
pub use targets::{targets_csv, TARGETS_HEADER, TARGETS_SHEET};

use std::io;

#[cfg(feature = "xlsx-writer")]
use rust_xlsxwriter::XlsxError;

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

/// The regions and products of every output.
const REGIONS: [&str; 4] = ["North", "South", "East", "West"];
const PRODUCTS: [&str; 5] = [
    "Product A",
    "Product B",
    "Product C",
    "Product D",
    "Product E",
];

/// Bytes buffered before each write to the caller's writer.
const CHUNK: usize = 64 * 1024;

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

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn campaigns(spec: &SampleSpec) -> String {
        let mut out = Vec::new();
        let rows = write_campaigns_csv(spec, &mut out).unwrap();
        assert_eq!(rows, spec.campaign_rows());
        String::from_utf8(out).unwrap()
    }

    pub(super) fn spec(tenants: u32, campaigns_per_tenant: u32) -> SampleSpec {
        SampleSpec {
            tenants,
            campaigns_per_tenant,
            ..SampleSpec::default()
        }
    }

    pub(super) fn is_money(s: &str) -> bool {
        let Some((whole, frac)) = s.split_once('.') else {
            return false;
        };
        !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && (whole == "0" || !whole.starts_with('0'))
            && frac.len() == 2
            && frac.bytes().all(|b| b.is_ascii_digit())
    }

    pub(super) fn cents(s: &str) -> u64 {
        s.replace('.', "").parse().unwrap()
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
}
