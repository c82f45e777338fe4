//! `bi-platform pivot`: a pivot table as CSV, or as an XLSX workbook keeping its layout.

use crate::args::{FilterArgs, TenantForArgs};
use crate::load::load_quietly;
use bi_platform::{pivot, LoadReport, Warehouse};
use clap::Args;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
#[command(
    long_about = "Load the data files as `report` does, then compute a pivot table over the campaigns under the tenant scope and filters: the row and column fields' values, subtotals below each group, a grand total, each measure in every column group.\n\nWithout --xlsx the pivot is printed as CSV (the page's \"Export pivot CSV\": one header line per column field, then the measures' line; money exact, ratios as fractions). --xlsx writes a workbook keeping the layout: column headers merged over their columns, subtotals and totals bold, number formats by type, frozen headers.\n\nExit status: 0 when written, 1 when no data file could be loaded or the output cannot be written, 2 for a usage error (an unknown field or measure, or a pivot too large).",
    after_help = "Fields: tenant, campaign, campaign_name, channel, region, product, performance, day, week, month, quarter, year, extra:COLUMN.\nMeasures: rows; sum:, avg:, min:, max:, distinct: of impressions, clicks, conversions, spend, revenue, profit; ctr, conversion_rate, roi, roas, cpc, cpa (from sums).\n\nExamples:\n  bi-platform pivot --rows tenant,channel --columns month --measures sum:spend,ctr campaigns.csv\n  bi-platform pivot --rows region --columns quarter --measures sum:revenue,roi --xlsx pivot.xlsx --tenant tenant_001 campaigns.csv"
)]
pub(crate) struct PivotArgs {
    /// Row fields, outermost first (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "FIELD")]
    rows: Vec<String>,
    /// Column fields, outermost first (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "FIELD")]
    columns: Vec<String>,
    /// Measures (comma-separated or repeated); at least one.
    #[arg(long, value_delimiter = ',', value_name = "MEASURE", required = true)]
    measures: Vec<String>,
    /// Keep the N values of the first row field with the largest first measure; the
    /// others fold into one "Others" row.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    top: Option<u32>,
    /// Write the pivot as an XLSX workbook to this file instead of CSV on stdout.
    #[arg(long, value_name = "OUT.xlsx")]
    xlsx: Option<PathBuf>,
    #[command(flatten)]
    filters: FilterArgs,
    /// Files to load (CSV, TSV, `;`/`|`-delimited, XLSX, JSON, Parquet).
    #[arg(required = true, value_name = "DATA_FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    tenants: TenantForArgs,
}

/// The request of the arguments; an unknown field or measure is a usage error.
pub(crate) fn pivot_request(args: &PivotArgs) -> Result<pivot::PivotRequest, pivot::PivotError> {
    let fields = |ids: &[String]| {
        ids.iter()
            .map(|id| pivot::Field::from_id(id.trim()))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(pivot::PivotRequest {
        rows: fields(&args.rows)?,
        columns: fields(&args.columns)?,
        measures: args
            .measures
            .iter()
            .map(|id| pivot::Measure::from_id(id.trim()))
            .collect::<Result<_, _>>()?,
        top_n: args.top.map(|n| pivot::TopN {
            n: n as usize,
            measure: 0,
        }),
        ..pivot::PivotRequest::default()
    })
}

pub(crate) fn pivot(args: PivotArgs) -> ExitCode {
    let usage = |e: &dyn std::fmt::Display| {
        eprintln!("error: {e}\n\nSee bi-platform pivot --help.");
        ExitCode::from(2)
    };
    let query = args.filters.query();
    if let Err(e) = bi_platform::query::Scope::new(Warehouse::new().star(), &query) {
        return usage(&e);
    }
    let request = match pivot_request(&args) {
        Ok(r) => r,
        Err(e) => return usage(&e),
    };
    let mut warehouse = Warehouse::new();
    warehouse.set_threads(std::thread::available_parallelism().map_or(1, usize::from));
    let loads = match load_quietly(&mut warehouse, &args.files, &args.tenants) {
        Ok(loads) => loads,
        Err(code) => return code,
    };
    if !loads.iter().any(LoadReport::succeeded) {
        eprintln!("error: no data file could be loaded; nothing written");
        return ExitCode::FAILURE;
    }
    let result = match pivot::pivot(&warehouse, &query, &request) {
        Ok(r) => r,
        Err(e) => return usage(&e),
    };
    let Some(out) = &args.xlsx else {
        let mut stdout = io::stdout().lock();
        return match stdout
            .write_all(result.to_csv().as_bytes())
            .and_then(|()| stdout.flush())
        {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cannot write the CSV: {e}");
                ExitCode::FAILURE
            }
        };
    };
    let bytes = match bi_platform::pivot_xlsx::write(&result) {
        Ok(b) => b,
        Err(e @ bi_platform::pivot_xlsx::PivotXlsxError::TooWide { .. })
        | Err(e @ bi_platform::pivot_xlsx::PivotXlsxError::TooLong { .. }) => return usage(&e),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match std::fs::write(out, &bytes) {
        Ok(()) => {
            eprintln!(
                "wrote {} ({} rows x {} value columns, {} bytes)",
                out.display(),
                result.rows.len(),
                result.columns.len(),
                bytes.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}
