//! `bi-platform sql`: read-only SQL (SQLite's dialect) over the loaded files.

use crate::args::TenantForArgs;
use crate::format::{display_cell, write_table};
use crate::load::load_quietly;
use bi_platform::{LoadReport, TenantScope, Warehouse};
use clap::Args;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
#[command(
    long_about = "Load the data files as `report` does, then run each SQL statement in order: read-only SELECT queries in SQLite's dialect over fact_campaigns, dim_sales_targets, dim_customers, dim_date, dim_tenant, dim_region, dim_product, dim_channel and dim_campaign (`--schema` lists their columns).\n\nThe SQL comes from -e (repeatable), -f FILE (repeatable; - for stdin), or, without either, the first positional argument. Statements are separated by `;`.\n\nExit status: 0 when every statement ran, 3 when one failed (the others still run), 1 when no data file could be loaded, 2 for a usage error.",
    after_help = "Examples:\n  bi-platform sql \"SELECT tenant_id, SUM(revenue) FROM fact_campaigns GROUP BY 1\" campaigns.csv\n  bi-platform sql --tenant tenant_001 --json -f dashboard_queries.sql campaigns.csv targets.xlsx\n  bi-platform sql --schema"
)]
pub(crate) struct SqlArgs {
    /// Print exactly one JSON array on stdout: per statement {"columns": [...], "rows": [[...]]} or {"error": {"message", "line", "column"}}.
    #[arg(long)]
    json: bool,
    /// Only this tenant's rows are visible, in every table (repeat for several).
    #[arg(long = "tenant", value_name = "ID")]
    tenants: Vec<String>,
    /// List the tables and their columns (with any loaded file's extra columns) and exit.
    #[arg(long)]
    schema: bool,
    /// Print how each statement runs instead of its rows: the scope, the plan (one operator a line, columns by name) and, from running it, the path each operator took and the rows it gave. Data files are optional (without them the tables are empty).
    #[arg(long, conflicts_with_all = ["json", "schema"])]
    explain: bool,
    /// SQL to run (repeatable).
    #[arg(short = 'e', long = "execute", value_name = "SQL")]
    execute: Vec<String>,
    /// A file of SQL statements to run (repeatable; - reads stdin).
    #[arg(short = 'f', long = "file", value_name = "FILE.sql")]
    sql_files: Vec<PathBuf>,
    /// The memory budget of the statements, in MiB of heap (the loaded data included): a statement that would pass it stops with an error saying how much it needed. Default: what the loaded data holds plus half the memory the system has available.
    #[arg(long = "memory-budget", value_name = "MIB")]
    memory_budget: Option<u64>,
    /// The query (when neither -e nor -f is given), then the data files to load.
    #[arg(value_name = "SQL|DATA_FILE")]
    args: Vec<String>,
    #[command(flatten)]
    tenant_for: TenantForArgs,
}

/// The memory the system has available (`MemAvailable` of Linux's `/proc/meminfo`), in
/// bytes; `None` where it cannot be read.
fn available_bytes() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn usage(message: &str) -> ExitCode {
    eprintln!("error: {message}\n\nSee bi-platform sql --help.");
    ExitCode::from(2)
}

pub(crate) fn sql(args: SqlArgs) -> ExitCode {
    use bi_platform::sql::{self, SqlError};
    // The SQL texts, each with its source name.
    let mut texts: Vec<String> = args.execute.clone();
    for path in &args.sql_files {
        let read = if path.as_os_str() == "-" {
            let mut text = String::new();
            io::stdin().read_to_string(&mut text).map(|_| text)
        } else {
            std::fs::read_to_string(path)
        };
        match read {
            Ok(text) => texts.push(text),
            Err(e) => return usage(&format!("cannot read {}: {e}", path.display())),
        }
    }
    let mut positional = args.args.clone().into_iter();
    if texts.is_empty() && !args.schema {
        match positional.next() {
            Some(q) => texts.push(q),
            None => return usage("no SQL given (a query, -e SQL or -f FILE.sql)"),
        }
    }
    let files: Vec<PathBuf> = positional.map(PathBuf::from).collect();
    if files.is_empty() && !args.schema && !args.explain {
        return usage("no data file given");
    }
    let mut warehouse = Warehouse::new();
    let loads = match load_quietly(&mut warehouse, &files, &args.tenant_for) {
        Ok(loads) => loads,
        Err(code) => return code,
    };
    if !files.is_empty() && !loads.iter().any(LoadReport::succeeded) {
        eprintln!("error: no data file could be loaded");
        return ExitCode::FAILURE;
    }
    let star = warehouse.star();
    if args.schema {
        let schema = sql::schema(star);
        let written = if args.json {
            serde_json::to_writer(io::stdout().lock(), &schema)
                .map_err(io::Error::other)
                .and_then(|_| writeln!(io::stdout()))
        } else {
            let mut out = io::stdout().lock();
            schema.tables.iter().try_for_each(|t| {
                writeln!(out, "{}  -- {}", t.name, t.about)?;
                for c in &t.columns {
                    writeln!(out, "  {:<22} {:?}", c.name, c.ty).map(|_| ())?;
                }
                writeln!(out)
            })
        };
        return match written {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => ExitCode::FAILURE,
            _ => ExitCode::SUCCESS,
        };
    }
    let scope = if args.tenants.is_empty() {
        TenantScope::All
    } else {
        TenantScope::Only(args.tenants.clone())
    };
    let schema = sql::schema(star);
    let options = sql::Options {
        memory_budget: match args.memory_budget {
            Some(mib) => Some(mib.saturating_mul(1 << 20)),
            None => {
                available_bytes().map(|available| bi_platform::memory::live_bytes() + available / 2)
            }
        },
        ..sql::Options::with_clock()
    };
    if args.explain {
        return explain(star, &scope, &texts, &schema, &options);
    }
    let mut results: Vec<Result<(sql::Statement, sql::Rows<'_>), SqlError>> = Vec::new();
    for text in &texts {
        for compiled in sql::compile_each(text, &schema) {
            results.push(compiled.and_then(|s| {
                let rows = sql::run(star, &scope, &s, &options)?;
                Ok((s, rows))
            }));
        }
    }
    if results.is_empty() {
        return usage("the SQL holds no statement");
    }
    let failed = results.iter().any(Result::is_err);
    let written = if args.json {
        write_sql_json(&results)
    } else {
        write_sql_tables(&results, &schema)
    };
    if let Err(e) = written {
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the output: {e}");
            return ExitCode::FAILURE;
        }
    }
    if failed {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}

/// `--explain`: each statement's EXPLAIN text, or its error; exit 3 when one failed.
fn explain(
    star: &bi_platform::model::star::StarSchema,
    scope: &TenantScope,
    texts: &[String],
    schema: &bi_platform::sql::Schema,
    options: &bi_platform::sql::Options,
) -> ExitCode {
    use bi_platform::sql;
    let mut out = io::stdout().lock();
    let mut failed = false;
    let mut count = 0;
    for text in texts {
        for compiled in sql::compile_each(text, schema) {
            count += 1;
            let explained = compiled
                .and_then(|statement| sql::explain_statement(star, scope, &statement, options));
            let written = match explained {
                Ok(text) => {
                    let gap = if count > 1 { "\n" } else { "" };
                    write!(out, "{gap}{text}")
                }
                Err(e) => {
                    failed = true;
                    eprintln!("error in statement {count}: {e}");
                    Ok(())
                }
            };
            if let Err(e) = written {
                if e.kind() == io::ErrorKind::BrokenPipe {
                    return ExitCode::SUCCESS;
                }
                eprintln!("error: cannot write the output: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    if count == 0 {
        return usage("the SQL holds no statement");
    }
    if failed {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}

type SqlOutcome<'w> =
    Result<(bi_platform::sql::Statement, bi_platform::sql::Rows<'w>), bi_platform::sql::SqlError>;

fn write_sql_json(results: &[SqlOutcome<'_>]) -> io::Result<()> {
    let items: Vec<serde_json::Value> = results
        .iter()
        .map(|r| match r {
            Ok((_, rows)) => serde_json::to_value(rows),
            Err(e) => serde_json::to_value(e).map(|e| serde_json::json!({ "error": e })),
        })
        .collect::<Result<_, _>>()
        .map_err(io::Error::other)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    serde_json::to_writer(&mut out, &items).map_err(io::Error::other)?;
    writeln!(out)?;
    out.flush()
}

fn write_sql_tables(
    results: &[SqlOutcome<'_>],
    schema: &bi_platform::sql::Schema,
) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    for (i, result) in results.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        match result {
            Err(e) => {
                out.flush()?;
                eprintln!("error in statement {}: {e}", i + 1);
            }
            Ok((statement, rows)) => {
                let types = bi_platform::sql::types::columns(statement, rows, schema);
                let cells: Vec<Vec<String>> = rows
                    .rows
                    .iter()
                    .map(|r| {
                        r.iter()
                            .zip(&types)
                            .map(|(v, c)| display_cell(c.ty, v.into(), "NULL"))
                            .collect()
                    })
                    .collect();
                let right: Vec<bool> = types.iter().map(|c| c.ty.is_numeric()).collect();
                let columns: Vec<&str> = rows.columns.iter().map(String::as_str).collect();
                write_table(&mut out, &columns, &cells, &right)?;
                writeln!(
                    out,
                    "({} row{})",
                    rows.rows.len(),
                    if rows.rows.len() == 1 { "" } else { "s" }
                )?;
            }
        }
    }
    out.flush()
}
