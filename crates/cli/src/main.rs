//! `bi-platform`: the command-line face of the engine. Loads files, prints load reports
//! and dashboards (aligned tables or the JSON of SPEC §7), and writes sample data.
//! Thin by design: it opens files and formats output; everything else is the library
//! (`bi_platform`, the workspace's top-level crate). One file per subcommand; the
//! shared filter arguments, file loading and cell formatting have a file each.

mod args;
mod export;
mod format;
mod generate;
mod load;
mod pivot;
mod report;
mod sql;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "bi-platform",
    version,
    about = "Private, instant BI over marketing files: validate CSV/TSV, XLSX, JSON and Parquet files into a star schema and print per-tenant dashboards.",
    after_help = "Examples:\n  bi-platform report campaigns.csv targets.xlsx\n  bi-platform report --json --tenant tenant_001 --from 2024-11-01 campaigns.csv\n  bi-platform generate --out sample --tenants 100 --campaigns-per-tenant 10000"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load files in order and print their load reports and every dashboard.
    Report(report::ReportArgs),
    /// Write deterministic sample data (campaigns CSV, targets XLSX, customers JSON).
    Generate(generate::GenerateArgs),
    /// Load files, then answer SQL queries (SQLite's dialect, read-only) over them.
    Sql(sql::SqlArgs),
    /// Load files, then write the warehouse (a tenant scope and filters applied) to
    /// SQLite or Parquet.
    Export(export::ExportArgs),
    /// Load files, then print a pivot table as CSV, or write it as XLSX keeping its layout.
    Pivot(pivot::PivotArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Report(args) => report::report(args),
        Command::Sql(args) => sql::sql(args),
        Command::Export(args) => export::export(args),
        Command::Pivot(args) => pivot::pivot(args),
        Command::Generate(args) => match generate::run_generate(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
