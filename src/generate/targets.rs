//! The sales targets, one row per tenant x region x product x month of 2024, sized on
//! what the tenant's campaigns earn: as CSV, and as the workbook with `xlsx-writer`.

use std::io::{self, Write};

#[cfg(feature = "xlsx-writer")]
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

use crate::generate::campaigns::{
    CAMPAIGN_MONTHS, CPC_CENTS, CTR_BP, CVR_BP, IMPRESSIONS, ROAS_BP,
};
#[cfg(feature = "xlsx-writer")]
use crate::generate::numbers::cents_f64;
use crate::generate::numbers::{push_cents, push_tenant_id, push_u64, tenant_id_width};
use crate::generate::random::{Stream, Table};
#[cfg(feature = "xlsx-writer")]
use crate::generate::spec::TARGETS_PER_TENANT;
use crate::generate::spec::{SampleSpec, TenantSizes};
#[cfg(feature = "xlsx-writer")]
use crate::generate::GenerateError;
use crate::generate::{CHUNK, PRODUCTS, REGIONS};

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

const TARGET_YEAR: u16 = 2024;

// Target factors, floors and cells.
const TARGET_FACTOR_BP: (u64, u64) = (7_000, 14_000);
const MIN_TARGET_REVENUE_CENTS: u64 = 10_000;
const MIN_TARGET_SPEND_CENTS: u64 = 5_000;
/// (region, product, month) cells the campaign date range covers.
const CAMPAIGN_CELLS: u128 = (REGIONS.len() * PRODUCTS.len() * CAMPAIGN_MONTHS.len()) as u128;

const fn mid(range: (u64, u64)) -> u128 {
    (range.0 as u128 + range.1 as u128) / 2
}
// Mean campaign values, scaled by 10^4 (`_E4`) or 10^8 (`_E8`) to stay integers.
const MEAN_CLICKS_E4: u128 = mid(IMPRESSIONS) * mid(CTR_BP);
const MEAN_SPEND_CENTS_E4: u128 = MEAN_CLICKS_E4 * mid(CPC_CENTS);
const MEAN_REVENUE_CENTS_E8: u128 = MEAN_SPEND_CENTS_E4 * mid(ROAS_BP);
const MEAN_CONVERSIONS_E8: u128 = MEAN_CLICKS_E4 * mid(CVR_BP);

/// Builds the sales targets workbook: one sheet named `targets` with the header of
/// the old pipeline's `sales_targets.xlsx` and 240 rows per tenant (the rows of
/// [`targets_csv`], with numbers as numeric cells).
///
/// # Errors
///
/// [`GenerateError::TooManyTargetRows`] beyond 4,369 tenants (one worksheet's
/// rows); [`GenerateError::Xlsx`] should the workbook library fail.
///
/// Needs the `xlsx-writer` feature (see the [`generate`](super) docs).
/// `Workbook::new()` reads the clock (on wasm32 that needs rust_xlsxwriter's `wasm`
/// feature, which this crate does not turn on: the page never builds a workbook); its
/// value is overwritten with the fixed creation date.
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
/// Streams like [`write_campaigns_csv`](super::write_campaigns_csv).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::tests::{cents, is_money, spec};
    use std::collections::HashSet;
    use std::io::Cursor;

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
}
