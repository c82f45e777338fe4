//! The warehouse as a SQLite file (`bi-platform export --sqlite`), the file the pipeline
//! this project replaces left behind (`data_warehouse.db`), so the BI tools and saved
//! queries that read it (the seed's `dashboard_queries.sql`) keep working.
//!
//! What is written is derived from the SQL catalog ([`crate::sql::catalog`]), the one
//! declaration of the tables SQL sees: every table of [`sql::schema`] (the seed's
//! `fact_campaigns`, `dim_sales_targets` and `dim_customers`, their derived columns --
//! channel, ctr, conversion_rate, roi, roas, cpc, cpa, profit, performance_category,
//! target_roi, target_roas, avg_order_value -- and the other dimensions), each column
//! with its declared SQLite type, each value as the engine's SQL reads it through
//! [`Catalog::scan`]. A file's extra columns follow as TEXT. So `SELECT ...` over the
//! file answers what `bi-platform sql` answers over the loaded files.
//!
//! The seed's three tables also keep the seed file's bookkeeping columns: `id INTEGER
//! PRIMARY KEY AUTOINCREMENT` first (the row's number in the export) and `created_at
//! TIMESTAMP DEFAULT CURRENT_TIMESTAMP` last (when the file was written).
//!
//! Money is REAL (as in the seed file): the engine's exact millionths divided by 10^6,
//! correctly rounded, so every value reads back to the same millionth. Dates are TEXT
//! `YYYY-MM-DD`.
//!
//! The file is written in one transaction with one prepared statement per table into a
//! temporary file beside the output, which is renamed over it at the end: a reader never
//! sees half a warehouse, and a failed export leaves an existing file as it was.
//!
//! Native only (SQLite through `rusqlite`, compiled from source): the page does not
//! offer it (docs/browser.md, "Exports": the SQLite library alone would take most of
//! the page's download budget).

use crate::model::date::format_day;
use crate::model::star::StarSchema;
use crate::query::{Query, QueryError};
use crate::sql::catalog::{Catalog, SqlType};
use crate::sql::{self, Val};
use rusqlite::types::Value as Lite;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The tables the seed's pipeline wrote, which keep its `id` and `created_at` columns.
pub const SEED_TABLES: [&str; 3] = ["fact_campaigns", "dim_sales_targets", "dim_customers"];

/// Why an export failed.
#[derive(Debug, Error)]
pub enum SqliteExportError {
    /// The view's filters do not resolve (a date that is not `YYYY-MM-DD`).
    #[error(transparent)]
    Query(#[from] QueryError),
    /// SQLite or the file system refused: the path says which file.
    #[error("cannot write {}: {message}", path.display())]
    Write { path: PathBuf, message: String },
}

/// How many rows each table got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteExport {
    /// `(table, rows)` in the order written.
    pub tables: Vec<(String, u64)>,
}

/// A SQL identifier, quoted (a loaded file's extra column may be named anything).
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The SQLite value of an engine value.
fn lite(v: Val<'_>) -> Lite {
    match v {
        Val::Null => Lite::Null,
        Val::Int(i) => Lite::Integer(i),
        Val::Real(f) if f.is_finite() => Lite::Real(f),
        Val::Real(_) => Lite::Null,
        Val::Money(m) => Lite::Real(sql::value::money_f64(m)),
        Val::Date(d) => Lite::Text(format_day(d)),
        Val::Str(s) => Lite::Text(s.to_string()),
        Val::String(s) => Lite::Text(s.to_string()),
    }
}

/// The `CREATE TABLE` statements of the export of `star`, in the order written: the
/// schema of [`sql::schema`], with the seed's bookkeeping columns on its tables.
pub fn create_statements(star: &StarSchema) -> Vec<String> {
    sql::schema(star)
        .tables
        .iter()
        .map(|t| {
            let seed = SEED_TABLES.contains(&t.name.as_str());
            let mut columns = Vec::with_capacity(t.columns.len() + 2);
            if seed {
                columns.push("id INTEGER PRIMARY KEY AUTOINCREMENT".to_string());
            }
            for c in &t.columns {
                let ty = match c.ty {
                    SqlType::Integer => "INTEGER",
                    SqlType::Real => "REAL",
                    SqlType::Text => "TEXT",
                };
                columns.push(format!("{} {ty}", ident(&c.name)));
            }
            if seed {
                columns.push("created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP".to_string());
            }
            format!("CREATE TABLE {} (\n  {}\n)", t.name, columns.join(",\n  "))
        })
        .collect()
}

/// Writes the tables of `star` in the view `query` (its tenant scope and filters; the
/// default query is everything) into a new SQLite database at `out`, replacing any file
/// there only once the whole export is written.
///
/// ```
/// use bi_platform::{export_sqlite, Query, Warehouse};
/// let mut w = Warehouse::new();
/// w.load("c.csv", b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
///                  a,c1,2024-11-01,100,10,1,1.10,3.00\nb,c2,2024-11-02,100,10,1,2.20,3.00\n");
/// let out = std::env::temp_dir().join(format!("doc-export-{}.db", std::process::id()));
/// let written = export_sqlite::write(w.star(), &Query::default(), &out).unwrap();
/// assert_eq!(written.tables[0], ("fact_campaigns".to_string(), 2));
/// # std::fs::remove_file(&out).unwrap();
/// ```
pub fn write(
    star: &StarSchema,
    query: &Query,
    out: &Path,
) -> Result<SqliteExport, SqliteExportError> {
    let catalog = Catalog::for_query(star, query)?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export.db".into());
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let temp = dir.join(format!(".{name}.{}.partial", std::process::id()));
    let failed = |path: &Path, e: &dyn std::fmt::Display| SqliteExportError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    // A partial file of an earlier crash of this process id would make SQLite open it.
    let _ = std::fs::remove_file(&temp);
    let written = write_to(star, &catalog, &temp).map_err(|e| failed(out, &e));
    let written = written.and_then(|w| {
        std::fs::rename(&temp, out)
            .map(|()| w)
            .map_err(|e| failed(out, &e))
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

fn write_to(star: &StarSchema, catalog: &Catalog<'_>, path: &Path) -> Result<SqliteExport, String> {
    write_tables(star, catalog, path).map_err(|e| match e {
        Failure::Sqlite(e) => e.to_string(),
        Failure::Scan(e) => e,
    })
}

enum Failure {
    Sqlite(rusqlite::Error),
    Scan(String),
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        Failure::Sqlite(e)
    }
}

fn write_tables(
    star: &StarSchema,
    catalog: &Catalog<'_>,
    path: &Path,
) -> Result<SqliteExport, Failure> {
    let mut conn = Connection::open(path)?;
    // The file is private until renamed into place, and deleted on any failure: no
    // journal is needed for it to be all or nothing.
    conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")?;
    let tx = conn.transaction()?;
    let schema = catalog.schema();
    let mut tables = Vec::with_capacity(schema.tables.len());
    for (t, create) in schema.tables.iter().zip(create_statements(star)) {
        tx.execute_batch(&create)?;
        let names: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
        let scan = catalog.scan(&t.name, &names).map_err(Failure::Scan)?;
        let columns: Vec<_> = scan.columns.into_iter().flatten().collect();
        let insert = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            t.name,
            names
                .iter()
                .map(|n| ident(n))
                .collect::<Vec<_>>()
                .join(", "),
            vec!["?"; names.len()].join(", ")
        );
        let mut stmt = tx.prepare(&insert)?;
        let mut row = Vec::with_capacity(columns.len());
        for &r in &scan.rows {
            row.clear();
            row.extend(columns.iter().map(|c| lite(c.get(r as usize))));
            stmt.execute(rusqlite::params_from_iter(row.iter()))?;
        }
        tables.push((t.name.clone(), scan.rows.len() as u64));
    }
    tx.commit()?;
    conn.close().map_err(|(_, e)| e)?;
    Ok(SqliteExport { tables })
}
