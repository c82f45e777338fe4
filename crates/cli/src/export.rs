//! `bi-platform export`: the warehouse written to SQLite or Parquet.

use crate::args::{FilterArgs, TenantForArgs};
use crate::load::load_quietly;
use bi_platform::{LoadReport, Query, Warehouse};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args)]
#[command(
    long_about = "Load the data files as `report` does, then write the warehouse: every table SQL sees (fact_campaigns, dim_sales_targets, dim_customers with their derived columns, and the dimensions), under the tenant scope and filters given (default: everything).\n\n--sqlite writes the SQLite file the seed's pipeline left behind (data_warehouse.db: the same tables and column names, plus the derived columns), so BI tools and the seed's dashboard_queries.sql run on it unchanged. An existing file is replaced only once the export is complete.\n\n--parquet DIR writes one Parquet file per table (fact_campaigns.parquet, dim_sales_targets.parquet, ...): money as DECIMAL(18,6), dates as DATE, text dictionary-encoded, snappy-compressed. It takes the tenant scope only (--tenant), not the date, region, product or channel filters.\n\nExit status: 0 when written, 1 when no data file could be loaded or the output cannot be written, 2 for a usage error.",
    after_help = "Examples:\n  bi-platform export --sqlite data_warehouse.db campaigns.csv targets.xlsx\n  bi-platform export --sqlite acme.db --tenant acme --from 2024-11-01 campaigns.csv\n  bi-platform export --parquet out/ campaigns.csv targets.xlsx customers.json\n  bi-platform export --parquet out/ --sqlite out/warehouse.db --tenant tenant_001 campaigns.parquet"
)]
#[command(group(clap::ArgGroup::new("output").required(true).multiple(true).args(["sqlite", "parquet"])))]
pub(crate) struct ExportArgs {
    /// Write a SQLite database to this file.
    #[arg(long, value_name = "OUT.db")]
    sqlite: Option<PathBuf>,
    /// Write one Parquet file per table into this directory (created if missing).
    #[arg(long, value_name = "DIR")]
    parquet: Option<PathBuf>,
    #[command(flatten)]
    filters: FilterArgs,
    /// Files to load (CSV, TSV, `;`/`|`-delimited, XLSX, JSON, Parquet).
    #[arg(required = true, value_name = "DATA_FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    tenants: TenantForArgs,
}

pub(crate) fn export(args: ExportArgs) -> ExitCode {
    let query = args.filters.query();
    // A bad date is a usage error, found before any file is read.
    if let Err(e) = bi_platform::query::Scope::new(Warehouse::new().star(), &query) {
        eprintln!("error: {e}\n\nSee bi-platform export --help.");
        return ExitCode::from(2);
    }
    let filtered = Query {
        tenants: query.tenants.clone(),
        ..Query::default()
    } != query;
    if args.parquet.is_some() && filtered {
        eprintln!(
            "error: --parquet writes whole tables under the tenant scope: give it only \
             --tenant (the date, region, product and channel filters apply to --sqlite)\n\n\
             See bi-platform export --help."
        );
        return ExitCode::from(2);
    }
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
    if let Some(out) = &args.sqlite {
        let started = Instant::now();
        // As --parquet creates its directory: `--parquet out/ --sqlite out/w.db` must
        // not depend on which is written first.
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            if let Err(e) = std::fs::create_dir_all(parent) {
                eprintln!(
                    "error: cannot write {}: cannot create {}: {e}",
                    out.display(),
                    parent.display()
                );
                return ExitCode::FAILURE;
            }
        }
        match bi_platform::export_sqlite::write(warehouse.star(), &query, out) {
            Ok(written) => {
                let rows: Vec<String> = written
                    .tables
                    .iter()
                    .map(|(t, n)| format!("{t} {n}"))
                    .collect();
                eprintln!(
                    "wrote {} in {:.2} s: {}",
                    out.display(),
                    started.elapsed().as_secs_f64(),
                    rows.join(", ")
                );
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    if let Some(dir) = &args.parquet {
        let started = Instant::now();
        let tables = match bi_platform::parquet::export::export(warehouse.star(), &query.tenants) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("error: cannot create {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
        for table in &tables {
            let path = dir.join(format!("{}.parquet", table.name));
            if let Err(e) = std::fs::write(&path, &table.bytes) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            eprintln!(
                "wrote {} ({} rows, {} bytes)",
                path.display(),
                table.rows,
                table.bytes.len()
            );
        }
        eprintln!(
            "exported {} tables in {:.2} s",
            tables.len(),
            started.elapsed().as_secs_f64()
        );
    }
    ExitCode::SUCCESS
}
