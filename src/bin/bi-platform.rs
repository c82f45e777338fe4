//! `bi-platform`: the command-line face of the engine. Loads files, prints load reports
//! and dashboards (aligned tables or the JSON of SPEC §7), and writes sample data.
//! Thin by design: it opens files and formats output; everything else is the library.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

/// The command line has no meaning inside a browser; this keeps `cargo test --target
/// wasm32-unknown-unknown` (the browser tests) building.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use bi_platform::generate::{self, SampleSpec};
    use bi_platform::model::star::TableMemory;
    use bi_platform::pivot;
    use bi_platform::query::columns::ColumnType;
    use bi_platform::{
        Dashboard, DashboardResult, LoadReport, Query, TenantScope, Value, Warehouse,
    };
    use clap::{Args, Parser, Subcommand};
    use std::fs::File;
    use std::io::{self, IsTerminal, Read, Write};
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;
    use std::time::Instant;

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
        Report(ReportArgs),
        /// Write deterministic sample data (campaigns CSV, targets XLSX, customers JSON).
        Generate(GenerateArgs),
        /// Load files, then answer SQL queries (SQLite's dialect, read-only) over them.
        Sql(SqlArgs),
        /// Load files, then write the warehouse (a tenant scope and filters applied) to
        /// SQLite or Parquet.
        Export(ExportArgs),
        /// Load files, then print a pivot table as CSV, or write it as XLSX keeping its layout.
        Pivot(PivotArgs),
    }

    /// The tenant scope and filters of `report` and `export`, as dashboards apply them.
    #[derive(Args)]
    struct FilterArgs {
        /// Only this tenant (repeat for several); default: all tenants.
        #[arg(long = "tenant", value_name = "ID")]
        tenants: Vec<String>,
        /// First day included, YYYY-MM-DD (fact rows; targets whose month overlaps).
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Last day included, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        /// Only this region (repeat for several).
        #[arg(long = "region", value_name = "R")]
        regions: Vec<String>,
        /// Only this product (repeat for several).
        #[arg(long = "product", value_name = "P")]
        products: Vec<String>,
        /// Only this channel (repeat for several; fact rows only).
        #[arg(long = "channel", value_name = "C")]
        channels: Vec<String>,
    }

    impl FilterArgs {
        /// The query these arguments ask for.
        fn query(&self) -> Query {
            Query {
                tenants: if self.tenants.is_empty() {
                    TenantScope::All
                } else {
                    TenantScope::Only(self.tenants.clone())
                },
                from: self.from.clone(),
                to: self.to.clone(),
                regions: self.regions.clone(),
                products: self.products.clone(),
                channels: self.channels.clone(),
                ..Query::default()
            }
        }
    }

    #[derive(Args)]
    #[command(
        long_about = "Load the files in order (the format and the table are recognised from the content, never the file name) and print a load report per file and table, then every dashboard.\n\nExit status: 0 when at least one file loaded (even with rejected rows), 1 when none could be read, 2 for a usage error."
    )]
    struct ReportArgs {
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
        /// Files to load (CSV, TSV, `;`/`|`-delimited, XLSX, JSON, Parquet).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    }

    #[derive(Args)]
    #[command(
        long_about = "Load the data files as `report` does, then run each SQL statement in order: read-only SELECT queries in SQLite's dialect over fact_campaigns, dim_sales_targets, dim_customers, dim_date, dim_tenant, dim_region, dim_product, dim_channel and dim_campaign (`--schema` lists their columns).\n\nThe SQL comes from -e (repeatable), -f FILE (repeatable; - for stdin), or, without either, the first positional argument. Statements are separated by `;`.\n\nExit status: 0 when every statement ran, 3 when one failed (the others still run), 1 when no data file could be loaded, 2 for a usage error.",
        after_help = "Examples:\n  bi-platform sql \"SELECT tenant_id, SUM(revenue) FROM fact_campaigns GROUP BY 1\" campaigns.csv\n  bi-platform sql --tenant tenant_001 --json -f dashboard_queries.sql campaigns.csv targets.xlsx\n  bi-platform sql --schema"
    )]
    struct SqlArgs {
        /// Print exactly one JSON array on stdout: per statement {"columns": [...], "rows": [[...]]} or {"error": {"message", "line", "column"}}.
        #[arg(long)]
        json: bool,
        /// Only this tenant's rows are visible, in every table (repeat for several).
        #[arg(long = "tenant", value_name = "ID")]
        tenants: Vec<String>,
        /// List the tables and their columns (with any loaded file's extra columns) and exit.
        #[arg(long)]
        schema: bool,
        /// SQL to run (repeatable).
        #[arg(short = 'e', long = "execute", value_name = "SQL")]
        execute: Vec<String>,
        /// A file of SQL statements to run (repeatable; - reads stdin).
        #[arg(short = 'f', long = "file", value_name = "FILE.sql")]
        sql_files: Vec<PathBuf>,
        /// The query (when neither -e nor -f is given), then the data files to load.
        #[arg(value_name = "SQL|DATA_FILE")]
        args: Vec<String>,
    }

    #[derive(Args)]
    struct GenerateArgs {
        /// Directory to write campaigns.csv, sales_targets.xlsx and customers.json into.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Number of tenants (sizes are skewed when more than 3).
        #[arg(long, default_value_t = 3)]
        tenants: u32,
        /// Average campaign rows per tenant.
        #[arg(long, default_value_t = 100)]
        campaigns_per_tenant: u32,
        /// Customers per tenant.
        #[arg(long, default_value_t = 50)]
        customers_per_tenant: u32,
        /// Random seed: the same seed gives the same files.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Also write the targets as sales_targets.csv (the same rows and values), for
        /// tools without a workbook reader (bench/adhoc.py's DuckDB and SQLite).
        #[arg(long)]
        targets_csv: bool,
    }

    pub fn main() -> ExitCode {
        let cli = Cli::parse();
        match cli.command {
            Command::Report(args) => report(args),
            Command::Sql(args) => sql(args),
            Command::Export(args) => export(args),
            Command::Pivot(args) => pivot(args),
            Command::Generate(args) => match run_generate(&args) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            },
        }
    }

    /// Chunk size for reading files: large enough to be fast, small enough to stream.
    const CHUNK: usize = 8 << 20;
    /// Files at least this large show progress on a terminal.
    const PROGRESS_FROM: u64 = 32 << 20;
    /// Parquet is compressed: a smaller file is already many rows.
    const PARQUET_PROGRESS_FROM: u64 = 4 << 20;

    fn load_file(warehouse: &mut Warehouse, path: &Path) -> Vec<LoadReport> {
        let name = path.display().to_string();
        let mut file = match File::open(path) {
            Ok(f) => f,
            Err(e) => {
                return vec![LoadReport::failed(
                    &name,
                    format!("cannot open the file: {e}"),
                )]
            }
        };
        let total = file.metadata().map(|m| m.len()).unwrap_or(0);
        let show_progress = total >= PROGRESS_FROM && io::stderr().is_terminal();
        let mut stream = warehouse.stream(&name);
        if total > 0 {
            stream = stream.with_expected_bytes(total);
        }
        if show_progress || (total >= PARQUET_PROGRESS_FROM && io::stderr().is_terminal()) {
            let name = name.clone();
            let started = Instant::now();
            stream = stream.with_row_progress(move |done, rows| {
                eprint!(
                    "\rdecoding {name}: {:>3}% ({done} of {rows} rows, {:.1} s)",
                    done * 100 / rows.max(1),
                    started.elapsed().as_secs_f64()
                );
                if done >= rows {
                    eprintln!();
                }
            });
        }
        // Each thread gets a few MB of a chunk to read.
        let mut buffer = vec![0u8; CHUNK.max(warehouse.threads() << 21)];
        let started = Instant::now();
        loop {
            match file.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => {
                    warehouse.push(&mut stream, &buffer[..n]);
                    if show_progress {
                        let done = stream.bytes_read();
                        let secs = started.elapsed().as_secs_f64().max(1e-9);
                        eprint!(
                            "\rloading {name}: {:>3}% ({} of {} MB, {:.0} MB/s)",
                            done * 100 / total.max(1),
                            done >> 20,
                            total >> 20,
                            done as f64 / secs / 1e6
                        );
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    warehouse.cancel(stream.id());
                    return vec![LoadReport::failed(
                        &name,
                        format!("cannot read the file: {e}"),
                    )];
                }
            }
        }
        if show_progress {
            eprintln!(
                "\rloading {name}: done in {:.1} s{:30}",
                started.elapsed().as_secs_f64(),
                ""
            );
        }
        warehouse.commit(stream.finish())
    }

    /// Loads the files in order for a command whose output is not the load reports
    /// (`sql`, `export`): each file that failed, or had rows rejected, is named on
    /// stderr in one line. Returns the reports.
    fn load_quietly(warehouse: &mut Warehouse, files: &[PathBuf]) -> Vec<LoadReport> {
        let loads: Vec<LoadReport> = files
            .iter()
            .flat_map(|path| load_file(warehouse, path))
            .collect();
        for l in &loads {
            if let Some(e) = &l.error {
                eprintln!("{}: {e}", l.file);
            } else if l.rows_rejected > 0 {
                eprintln!(
                    "{}: {} rows rejected (bi-platform report lists them)",
                    l.file, l.rows_rejected
                );
            }
        }
        loads
    }

    fn report(args: ReportArgs) -> ExitCode {
        let query = args.filters.query();
        let mut warehouse = Warehouse::new();
        warehouse.set_threads(args.threads.map_or_else(
            || std::thread::available_parallelism().map_or(1, usize::from),
            usize::from,
        ));
        let mut loads = Vec::new();
        for path in &args.files {
            loads.extend(load_file(&mut warehouse, path));
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

    fn write_json(
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

    /// Groups digits by thousands: 1234567 -> 1,234,567.
    fn group_thousands(digits: &str) -> String {
        let (sign, digits) = digits.strip_prefix('-').map_or(("", digits), |d| ("-", d));
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(ch);
        }
        format!("{sign}{out}")
    }

    /// A cell's value on its way to the table output, whichever result it came from.
    enum Cell<'a> {
        Null,
        Int(i64),
        /// Money in exact millionths.
        Money(i128),
        Real(f64),
        Text(std::borrow::Cow<'a, str>),
    }

    impl<'a> From<&'a Value<'_>> for Cell<'a> {
        fn from(v: &'a Value<'_>) -> Self {
            match v {
                Value::Null => Cell::Null,
                Value::Int(i) => Cell::Int(*i),
                Value::Money(m) => Cell::Money(*m),
                Value::Float(f) => Cell::Real(*f),
                other => Cell::Text(other.to_plain_string().into()),
            }
        }
    }

    impl<'a> From<&'a Value_<'_>> for Cell<'a> {
        fn from(v: &'a Value_<'_>) -> Self {
            match v {
                Value_::Null => Cell::Null,
                Value_::Int(i) => Cell::Int(*i),
                Value_::Money(m) => Cell::Money(*m),
                Value_::Real(f) => Cell::Real(*f),
                other => Cell::Text(other.to_text().unwrap_or_default()),
            }
        }
    }

    /// Money with 2 decimals (half away from zero) and thousands separators.
    fn money_text(millionths: i128) -> String {
        let m = millionths;
        let cents = (m + if m >= 0 { 5_000 } else { -5_000 }) / 10_000;
        let whole = group_thousands(&(cents / 100).to_string());
        let sign = if cents < 0 && cents / 100 == 0 {
            "-"
        } else {
            ""
        };
        format!("{sign}{whole}.{:02}", (cents % 100).abs())
    }

    /// A cell for the table output, formatted by its column's type (declared by the
    /// engine, never guessed from the column's name): counts with thousands separators,
    /// codes (years, months) as they are, money with 2 decimals, ratios as percentages,
    /// other numbers with 2 decimals (4 below 1); `null` for a missing value.
    fn display_cell(ty: ColumnType, cell: Cell<'_>, null: &str) -> String {
        match (ty, cell) {
            (_, Cell::Null) => null.to_string(),
            (_, Cell::Text(t)) => t.into_owned(),
            (ColumnType::Money, Cell::Money(m)) => money_text(m),
            (ColumnType::Money, Cell::Int(i)) => money_text(i128::from(i) * 1_000_000),
            (ColumnType::Money, Cell::Real(f)) => money_text((f * 1e6).round() as i128),
            (ColumnType::Ratio, Cell::Real(f)) => format!("{:.2}%", f * 100.0),
            (ColumnType::Ratio, Cell::Int(i)) => format!("{:.2}%", i as f64 * 100.0),
            (ColumnType::Code, Cell::Int(i)) => i.to_string(),
            (_, Cell::Int(i)) => group_thousands(&i.to_string()),
            (_, Cell::Money(m)) => money_text(m),
            (_, Cell::Real(f)) if f.abs() >= 1.0 => format!("{f:.2}"),
            (_, Cell::Real(f)) => format!("{f:.4}"),
        }
    }

    fn write_table(
        out: &mut impl Write,
        columns: &[&str],
        rows: &[Vec<String>],
        right: &[bool],
    ) -> io::Result<()> {
        let mut widths: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
        for row in rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |out: &mut dyn Write, cells: &[String]| -> io::Result<()> {
            let mut text = String::from(" ");
            for (i, cell) in cells.iter().enumerate() {
                let pad = widths[i] - cell.chars().count();
                text.push(' ');
                if right[i] {
                    text.push_str(&" ".repeat(pad));
                    text.push_str(cell);
                } else {
                    text.push_str(cell);
                    text.push_str(&" ".repeat(pad));
                }
            }
            writeln!(out, "{}", text.trim_end())
        };
        line(
            out,
            &columns.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        )?;
        line(
            out,
            &widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>(),
        )?;
        for row in rows {
            line(out, row)?;
        }
        Ok(())
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

    fn usage(message: &str) -> ExitCode {
        eprintln!("error: {message}\n\nSee bi-platform sql --help.");
        ExitCode::from(2)
    }

    fn sql(args: SqlArgs) -> ExitCode {
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
        if files.is_empty() && !args.schema {
            return usage("no data file given");
        }
        let mut warehouse = Warehouse::new();
        let loads = load_quietly(&mut warehouse, &files);
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
        let options = sql::Options::with_clock();
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

    type SqlOutcome<'w> = Result<
        (bi_platform::sql::Statement, bi_platform::sql::Rows<'w>),
        bi_platform::sql::SqlError,
    >;

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

    use bi_platform::sql::Val as Value_;

    // ---- export (issue 11) ----

    #[derive(Args)]
    #[command(
        long_about = "Load the data files as `report` does, then write the warehouse: every table SQL sees (fact_campaigns, dim_sales_targets, dim_customers with their derived columns, and the dimensions), under the tenant scope and filters given (default: everything).\n\n--sqlite writes the SQLite file the seed's pipeline left behind (data_warehouse.db: the same tables and column names, plus the derived columns), so BI tools and the seed's dashboard_queries.sql run on it unchanged. An existing file is replaced only once the export is complete.\n\n--parquet DIR writes one Parquet file per table (fact_campaigns.parquet, dim_sales_targets.parquet, ...): money as DECIMAL(18,6), dates as DATE, text dictionary-encoded, snappy-compressed. It takes the tenant scope only (--tenant), not the date, region, product or channel filters.\n\nExit status: 0 when written, 1 when no data file could be loaded or the output cannot be written, 2 for a usage error.",
        after_help = "Examples:\n  bi-platform export --sqlite data_warehouse.db campaigns.csv targets.xlsx\n  bi-platform export --sqlite acme.db --tenant acme --from 2024-11-01 campaigns.csv\n  bi-platform export --parquet out/ campaigns.csv targets.xlsx customers.json\n  bi-platform export --parquet out/ --sqlite out/warehouse.db --tenant tenant_001 campaigns.parquet"
    )]
    #[command(group(clap::ArgGroup::new("output").required(true).multiple(true).args(["sqlite", "parquet"])))]
    struct ExportArgs {
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
    }

    fn export(args: ExportArgs) -> ExitCode {
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
        let loads = load_quietly(&mut warehouse, &args.files);
        if !loads.iter().any(LoadReport::succeeded) {
            eprintln!("error: no data file could be loaded; nothing written");
            return ExitCode::FAILURE;
        }
        if let Some(out) = &args.sqlite {
            let started = Instant::now();
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
            let tables =
                match bi_platform::parquet::export::export(warehouse.star(), &query.tenants) {
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

    // ---- end export ----

    // ---- pivot (issue 13) ----

    #[derive(Args)]
    #[command(
        long_about = "Load the data files as `report` does, then compute a pivot table over the campaigns under the tenant scope and filters: the row and column fields' values, subtotals below each group, a grand total, each measure in every column group.\n\nWithout --xlsx the pivot is printed as CSV (the page's \"Export pivot CSV\": one header line per column field, then the measures' line; money exact, ratios as fractions). --xlsx writes a workbook keeping the layout: column headers merged over their columns, subtotals and totals bold, number formats by type, frozen headers.\n\nExit status: 0 when written, 1 when no data file could be loaded or the output cannot be written, 2 for a usage error (an unknown field or measure, or a pivot too large).",
        after_help = "Fields: tenant, campaign, campaign_name, channel, region, product, performance, day, week, month, quarter, year, extra:COLUMN.\nMeasures: rows; sum:, avg:, min:, max:, distinct: of impressions, clicks, conversions, spend, revenue, profit; ctr, conversion_rate, roi, roas, cpc, cpa (from sums).\n\nExamples:\n  bi-platform pivot --rows tenant,channel --columns month --measures sum:spend,ctr campaigns.csv\n  bi-platform pivot --rows region --columns quarter --measures sum:revenue,roi --xlsx pivot.xlsx --tenant tenant_001 campaigns.csv"
    )]
    struct PivotArgs {
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
    }

    /// The request of the arguments; an unknown field or measure is a usage error.
    fn pivot_request(args: &PivotArgs) -> Result<pivot::PivotRequest, pivot::PivotError> {
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

    fn pivot(args: PivotArgs) -> ExitCode {
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
        let loads = load_quietly(&mut warehouse, &args.files);
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

    // ---- end pivot ----

    fn run_generate(args: &GenerateArgs) -> Result<(), String> {
        let spec = SampleSpec {
            tenants: args.tenants,
            campaigns_per_tenant: args.campaigns_per_tenant,
            customers_per_tenant: args.customers_per_tenant,
            seed: args.seed,
        };
        if spec.tenants == 0 {
            return Err("--tenants must be at least 1".into());
        }
        std::fs::create_dir_all(&args.out)
            .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
        let path = |name: &str| args.out.join(name);
        let create =
            |p: &Path| File::create(p).map_err(|e| format!("cannot create {}: {e}", p.display()));
        let campaigns = path("campaigns.csv");
        let rows = generate::write_campaigns_csv(
            &spec,
            io::BufWriter::with_capacity(1 << 20, create(&campaigns)?),
        )
        .map_err(|e| format!("cannot write {}: {e}", campaigns.display()))?;
        let targets = path("sales_targets.xlsx");
        let xlsx = generate::targets_xlsx(&spec).map_err(|e| e.to_string())?;
        std::fs::write(&targets, xlsx)
            .map_err(|e| format!("cannot write {}: {e}", targets.display()))?;
        let targets_csv = path("sales_targets.csv");
        if args.targets_csv {
            generate::targets_csv(&spec, io::BufWriter::new(create(&targets_csv)?))
                .map_err(|e| format!("cannot write {}: {e}", targets_csv.display()))?;
        }
        let customers = path("customers.json");
        generate::write_customers_json(&spec, io::BufWriter::new(create(&customers)?))
            .map_err(|e| format!("cannot write {}: {e}", customers.display()))?;
        let also = if args.targets_csv {
            format!(", {}", targets_csv.display())
        } else {
            String::new()
        };
        eprintln!(
            "wrote {} ({rows} campaign rows), {}{also} and {}",
            campaigns.display(),
            targets.display(),
            customers.display()
        );
        Ok(())
    }
}
