//! `bi-platform report`: load reports and every dashboard, as aligned tables or JSON.

use crate::args::{FilterArgs, TenantForArgs};
use crate::format::{display_cell, group_thousands, write_table};
use crate::load::load_all;
use bi_platform::model::star::TableMemory;
use bi_platform::{Dashboard, DashboardResult, LoadReport, Warehouse};
use clap::Args;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
#[command(
    long_about = "Load the files in order (the format and the table are recognised from the content, never the file name) and print a load report per file and table, then every dashboard.\n\nExit status: 0 when at least one file loaded (even with rejected rows), 1 when none could be read, 2 for a usage error."
)]
pub(crate) struct ReportArgs {
    /// Print exactly one JSON object ({"loads": [...], "dashboards": {...}}) on stdout.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    filters: FilterArgs,
    /// Rows shown per dashboard in the table output (0: all). JSON output always has all rows.
    #[arg(long, default_value_t = 20, value_name = "N")]
    limit: usize,
    /// Threads reading delimited files (default: every core). The results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Print the plan of this dashboard instead of the reports (the same plan text `bi-platform sql --explain` prints for the dashboard's SQL). Data files are optional.
    #[arg(long, value_name = "DASHBOARD", conflicts_with = "json")]
    explain: Option<String>,
    /// Files to load (CSV, TSV, `;`/`|`-delimited, XLSX, JSON, Parquet).
    #[arg(required_unless_present = "explain", value_name = "FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    tenants: TenantForArgs,
}

pub(crate) fn report(args: ReportArgs) -> ExitCode {
    let query = args.filters.query();
    let mut warehouse = Warehouse::new();
    warehouse.set_threads(args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        usize::from,
    ));
    if let Err(e) = args.tenants.check(&args.files) {
        eprintln!("error: {e}\n\nSee bi-platform report --help.");
        return ExitCode::from(2);
    }
    let loaded = load_all(&mut warehouse, &args.files, &args.tenants);
    if let Some(code) = loaded.tenant_usage_error() {
        return code;
    }
    let loads = loaded.reports;
    if let Some(name) = &args.explain {
        return explain(&warehouse, &query, name);
    }
    let results = match warehouse.dashboards(&query) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let written = if args.json {
        write_json(&loads, &results)
    } else {
        write_tables(
            &loads,
            &warehouse.star().campaign_memory(),
            &results,
            args.limit,
        )
    };
    if let Err(e) = written {
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the output: {e}");
            return ExitCode::FAILURE;
        }
    }
    if loads.iter().any(LoadReport::succeeded) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `--explain DASHBOARD`: the dashboard's plan; exit 2 for a name that is none.
fn explain(warehouse: &Warehouse, query: &bi_platform::Query, name: &str) -> ExitCode {
    let dashboard = match Dashboard::from_name(name) {
        Ok(dashboard) => dashboard,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match bi_platform::sql::explain_dashboard(warehouse.star(), &query.tenants, dashboard) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

pub(crate) fn write_json(
    loads: &[LoadReport],
    results: &[(Dashboard, DashboardResult<'_>)],
) -> io::Result<()> {
    use serde::ser::{SerializeMap, Serializer};
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut serializer = serde_json::Serializer::new(&mut out);
    let mut top = serializer
        .serialize_map(Some(2))
        .map_err(io::Error::other)?;
    top.serialize_entry("loads", loads)
        .map_err(io::Error::other)?;
    struct Dashboards<'r, 'a>(&'r [(Dashboard, DashboardResult<'a>)]);
    impl serde::Serialize for Dashboards<'_, '_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(Some(self.0.len()))?;
            for (d, r) in self.0 {
                map.serialize_entry(d.name(), r)?;
            }
            map.end()
        }
    }
    top.serialize_entry("dashboards", &Dashboards(results))
        .map_err(io::Error::other)?;
    top.end().map_err(io::Error::other)?;
    writeln!(out)?;
    out.flush()
}

fn write_tables(
    loads: &[LoadReport],
    memory: &TableMemory,
    results: &[(Dashboard, DashboardResult<'_>)],
    limit: usize,
) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    writeln!(out, "Loads")?;
    let columns = [
        "file", "table", "read", "loaded", "rejected", "replaced", "warnings",
    ];
    let rows: Vec<Vec<String>> = loads
        .iter()
        .map(|l| {
            let warnings = l
                .warnings
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(", ");
            vec![
                l.file.clone(),
                l.table.unwrap_or("-").to_string(),
                group_thousands(&l.rows_read.to_string()),
                group_thousands(&l.rows_loaded.to_string()),
                group_thousands(&l.rows_rejected.to_string()),
                group_thousands(&l.rows_replaced.to_string()),
                if warnings.is_empty() {
                    "-".into()
                } else {
                    warnings
                },
            ]
        })
        .collect();
    write_table(
        &mut out,
        &columns,
        &rows,
        &[false, false, true, true, true, true, false],
    )?;
    for l in loads {
        if let Some(error) = &l.error {
            writeln!(out, "  {}: {error}", l.file)?;
        }
        if let Some(earlier) = &l.unchanged_from {
            writeln!(
                out,
                "  {}: same bytes as {earlier}, nothing changed",
                l.file
            )?;
        }
        if let Some(sheets) = &l.sheets {
            writeln!(out, "  {}: sheets {}", l.file, sheets.join(", "))?;
        }
        if let Some(source) = &l.source {
            let tenant = match &source.tenant {
                Some(tenant) => format!("tenant {tenant} ({})", source.tenant_from),
                None => format!("tenant from {}", source.tenant_from),
            };
            let currency = match source.currencies.as_slice() {
                [] => String::new(),
                currencies => format!("; money in {}", currencies.join(", ")),
            };
            writeln!(
                out,
                "  {}: {} export; {tenant}{currency}",
                l.file, source.platform
            )?;
        }
        if !l.extra_columns.is_empty() {
            writeln!(
                out,
                "  {}: extra columns kept as text: {}",
                l.file,
                l.extra_columns.join(", ")
            )?;
        }
        const SHOWN: usize = 10;
        for r in l.rejected.iter().take(SHOWN) {
            let place = match &r.sheet {
                Some(sheet) => format!("sheet '{sheet}' row {}", r.line),
                None => format!("line {}", r.line),
            };
            let column = r
                .column
                .as_deref()
                .map(|c| format!(", column {c}"))
                .unwrap_or_default();
            writeln!(out, "  {}: rejected {place}{column}: {}", l.file, r.reason)?;
        }
        if l.rejected.len() > SHOWN {
            writeln!(
                out,
                "  {}: ... {} more rejected rows (all of them with --json)",
                l.file,
                l.rejected.len() - SHOWN
            )?;
        }
    }
    if memory.rows > 0 {
        writeln!(out, "\nMemory\n  {memory}")?;
    }
    for (dashboard, result) in results {
        writeln!(out, "\n{}", dashboard.name())?;
        let shown = if limit == 0 {
            result.rows.len()
        } else {
            limit.min(result.rows.len())
        };
        let rows: Vec<Vec<String>> = result.rows[..shown]
            .iter()
            .map(|row| {
                row.iter()
                    .zip(result.columns)
                    .map(|(v, c)| display_cell(c.ty, v.into(), "-"))
                    .collect()
            })
            .collect();
        let right: Vec<bool> = result
            .columns
            .iter()
            .enumerate()
            .map(|(i, _)| result.rows.first().is_some_and(|r| r[i].as_f64().is_some()))
            .collect();
        if result.rows.is_empty() {
            writeln!(out, "  (no rows)")?;
            continue;
        }
        let names: Vec<&str> = result.columns.iter().map(|c| c.name).collect();
        write_table(&mut out, &names, &rows, &right)?;
        if shown < result.rows.len() {
            writeln!(
                out,
                "  ... {} more rows (--limit 0 shows all)",
                result.rows.len() - shown
            )?;
        }
    }
    out.flush()
}
