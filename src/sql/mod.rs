//! SQL over the star schema: read-only `SELECT` queries in SQLite's dialect, answered
//! from the engine's own columns under a tenant scope.
//!
//! ```text
//!  SQL text ──parse (sqlparser, feature `sql`)──> Statement {columns, Plan} (serde data)
//!                                                        │
//!  StarSchema + TenantScope ──catalog (scans)──> exec ───┴──> Rows {columns, rows}
//! ```
//!
//! - [`plan`]: the plan types, plain serde data;
//! - [`parse`]: SQL text to plans (sqlparser with the SQLite dialect); behind the `sql`
//!   feature, so a build that only runs plans (the page's wasm) does not carry the parser;
//! - [`exec`]: runs a plan; [`catalog`]: the tables over the star schema and the tenant
//!   wall (scans see only the scope's tenants); [`value`], [`func`]: SQLite's value
//!   semantics and functions;
//! - [`page`]: a result kept for showing, ordered by one of its columns and paged.
//!
//! Supported: `SELECT` with `WITH`, subqueries (in `FROM`, scalar, `IN`, `EXISTS`,
//! correlated in `WHERE`/`ON`/non-grouped select lists), `UNION [ALL]`, `INTERSECT`,
//! `EXCEPT`, `JOIN`/`LEFT JOIN`/`CROSS JOIN`/comma joins, `WHERE`, `GROUP BY`, `HAVING`,
//! `ORDER BY` (`NULLS FIRST/LAST`), `LIMIT`/`OFFSET`, `DISTINCT`; SQLite's arithmetic,
//! comparisons with its affinity rules, three-valued logic, `IN`, `BETWEEN`, `LIKE`,
//! `IS [NOT] NULL`, `IS [NOT] DISTINCT FROM`, `CASE`, `CAST`; the functions of
//! [`func`]; aggregates `COUNT`, `SUM`, `TOTAL`, `AVG`, `MIN`, `MAX`, `GROUP_CONCAT`
//! (with `DISTINCT`); window functions `ROW_NUMBER`, `RANK`, `DENSE_RANK` and the
//! aggregates over `(PARTITION BY ... ORDER BY ...)` with the default frame. Anything
//! else is refused with an error saying what is not supported.
//!
//! ```
//! # #[cfg(feature = "sql")] {
//! use bi_platform::{sql, TenantScope, Warehouse};
//! let mut warehouse = Warehouse::new();
//! warehouse.load("c.csv", b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
//!                          a,c1,2024-11-01,100,10,1,1.10,3.00\na,c2,2024-11-02,100,10,1,2.20,3.00\n\
//!                          b,c1,2024-11-01,100,10,1,9.00,3.00\n");
//! let rows = sql::query(
//!     warehouse.star(),
//!     &TenantScope::Only(vec!["a".into()]),
//!     "SELECT tenant_id, SUM(spend) AS spend, COUNT(*) FROM fact_campaigns GROUP BY 1",
//! )
//! .unwrap();
//! assert_eq!(serde_json::to_string(&rows).unwrap(),
//!            r#"{"columns":["tenant_id","spend","COUNT(*)"],"rows":[["a",3.3,2]]}"#);
//! # }
//! ```

pub mod catalog;
mod error;
pub mod exec;
pub mod explain;
pub mod func;
pub mod page;
#[cfg(feature = "sql")]
pub mod parse;
pub mod plan;
pub mod types;
pub mod value;

use crate::model::star::StarSchema;
use crate::query::TenantScope;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

pub use catalog::{Catalog, Schema};
pub use error::SqlError;
pub use exec::{Options, Rows, Step};
pub use plan::{Plan, Statement};
pub use value::Val;

/// The schema of a warehouse's SQL tables.
pub fn schema(star: &StarSchema) -> Schema {
    catalog::schema(star)
}

/// EXPLAIN of one SQL statement under a tenant scope ([`explain_statement`]).
#[cfg(feature = "sql")]
pub fn explain_query(
    star: &StarSchema,
    tenants: &TenantScope,
    sql: &str,
) -> Result<String, SqlError> {
    let statement = parse::compile_one(sql, &schema(star))?;
    explain_statement(star, tenants, &statement, &Options::with_clock())
}

/// EXPLAIN of a compiled statement under a tenant scope: the scope, the plan
/// ([`explain::explain`]), then how the run went ([`explain::steps_text`]: the path
/// each operator took, which depends on the data, so the statement is run).
pub fn explain_statement(
    star: &StarSchema,
    tenants: &TenantScope,
    statement: &Statement,
    options: &Options,
) -> Result<String, SqlError> {
    let catalog = Catalog::new(star, tenants);
    let (_, steps) = exec::run_traced(&catalog, statement, options)?;
    Ok(format!(
        "Scope: {}\n{}Ran:\n{}",
        scope_text(tenants),
        explain::explain(statement),
        explain::steps_text(&steps)
    ))
}

/// EXPLAIN of a dashboard: the plan of its SQL ([`crate::Dashboard::sql`]), the same
/// text `explain_query` prints for that SQL. The dashboard itself still runs on its
/// own kernel, which gives the rows this plan gives on the executor
/// (`tests/sql/dashboards.rs` checks it).
#[cfg(feature = "sql")]
pub fn explain_dashboard(
    star: &StarSchema,
    tenants: &TenantScope,
    dashboard: crate::Dashboard,
) -> Result<String, SqlError> {
    let statement = parse::compile_one(dashboard.sql(), &schema(star))?;
    Ok(format!(
        "Dashboard: {}\nScope: {}\n{}Runs as: the dashboard's own kernel, which gives the rows of this plan \
         (`bi-platform sql --explain` runs the plan on the executor)\n",
        dashboard.name(),
        scope_text(tenants),
        explain::explain(&statement),
    ))
}

/// A tenant scope as EXPLAIN names it.
fn scope_text(tenants: &TenantScope) -> String {
    match tenants {
        TenantScope::All => "all tenants".to_string(),
        TenantScope::Only(list) => format!("tenants {}", list.join(", ")),
    }
}

/// Compiles and runs one statement under a tenant scope, with the system clock for
/// `'now'`.
#[cfg(feature = "sql")]
pub fn query<'w>(
    star: &'w StarSchema,
    tenants: &TenantScope,
    sql: &str,
) -> Result<Rows<'w>, SqlError> {
    let statement = parse::compile_one(sql, &schema(star))?;
    run(star, tenants, &statement, &Options::with_clock())
}

/// Compiles each statement of a text on its own (split at the `;`s outside quotes and
/// comments), so one failing statement does not stop the others; an error's line counts
/// from the start of the whole text. What `bi-platform sql` runs, and what the page's
/// lazily loaded parser module hands the engine.
///
/// ```
/// use bi_platform::{sql, Warehouse};
/// let schema = sql::schema(Warehouse::new().star());
/// let compiled = sql::compile_each("SELECT 1;\nSELECT nope FROM fact_campaigns", &schema);
/// assert!(compiled[0].is_ok());
/// assert_eq!(compiled[1].as_ref().unwrap_err().line, Some(2));
/// ```
#[cfg(feature = "sql")]
pub fn compile_each(sql: &str, schema: &Schema) -> Vec<Result<Statement, SqlError>> {
    parse::split_statements(sql)
        .into_iter()
        .map(|(line, statement)| {
            parse::compile_one(statement, schema).map_err(|mut e| {
                e.line = e.line.map(|l| l + line);
                e
            })
        })
        .collect()
}

/// Runs a statement handed over as JSON text (a [`Statement`] as serde writes it, e.g.
/// by the page's parser module) under a tenant scope. JSON text rather than JS objects
/// keeps 64-bit integer literals exact on their way through JavaScript.
pub fn run_json<'w>(
    star: &'w StarSchema,
    tenants: &TenantScope,
    statement: &str,
    options: &Options,
) -> Result<Rows<'w>, SqlError> {
    let statement: Statement = serde_json::from_str(statement)
        .map_err(|e| SqlError::new(format!("not a compiled SQL statement: {e}")))?;
    run(star, tenants, &statement, options)
}

/// What a result column holds, from its values (for display): `money` when every value
/// is money (a REAL kept exact: a money column, or a `SUM` of one), `integer`, `real`,
/// `text` (dates too), `mixed`, or `null` when every value is NULL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    Null,
    Money,
    Integer,
    Real,
    Text,
    Mixed,
}

/// The [`ValueKind`] of each column of a result.
///
/// ```
/// use bi_platform::sql::{value_kinds, Rows, Val, ValueKind};
/// let rows = Rows { columns: vec!["a".into(), "b".into()],
///                   rows: vec![vec![Val::Money(1_500_000), Val::Null], vec![Val::Null, Val::Int(2)]] };
/// assert_eq!(value_kinds(&rows), [ValueKind::Money, ValueKind::Integer]);
/// ```
pub fn value_kinds(rows: &Rows<'_>) -> Vec<ValueKind> {
    (0..rows.columns.len())
        .map(|c| {
            rows.rows
                .iter()
                .map(|r| match r[c] {
                    Val::Null => ValueKind::Null,
                    Val::Money(_) => ValueKind::Money,
                    Val::Int(_) => ValueKind::Integer,
                    Val::Real(_) => ValueKind::Real,
                    Val::Str(_) | Val::String(_) | Val::Date(_) => ValueKind::Text,
                })
                .fold(ValueKind::Null, |kind, v| match (kind, v) {
                    (k, ValueKind::Null) => k,
                    (ValueKind::Null, v) => v,
                    (k, v) if k == v => k,
                    _ => ValueKind::Mixed,
                })
        })
        .collect()
}

/// Runs a compiled statement under a tenant scope.
pub fn run<'w>(
    star: &'w StarSchema,
    tenants: &TenantScope,
    statement: &Statement,
    options: &Options,
) -> Result<Rows<'w>, SqlError> {
    let catalog = Catalog::new(star, tenants);
    exec::run(&catalog, statement, options)
}

/// Runs a compiled statement under a dashboard query: its tenant scope and every filter
/// ([`Catalog::for_query`]), so a dashboard's SQL sees the rows its kernel sees.
pub fn run_query<'w>(
    star: &'w StarSchema,
    query: &crate::Query,
    statement: &Statement,
    options: &Options,
) -> Result<Rows<'w>, SqlError> {
    let catalog = Catalog::for_query(star, query).map_err(|e| SqlError::new(e.to_string()))?;
    exec::run(&catalog, statement, options)
}

impl Serialize for Val<'_> {
    /// NULL is `null`, numbers JSON numbers (money in currency units), text strings.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Val::Null => s.serialize_none(),
            Val::Int(i) => s.serialize_i64(*i),
            Val::Real(_) | Val::Money(_) => match self.json_number() {
                Some(x) => s.serialize_f64(x),
                None => s.serialize_none(),
            },
            Val::Str(t) => s.serialize_str(t),
            Val::String(t) => s.serialize_str(t),
            Val::Date(_) => s.serialize_str(&self.as_text().unwrap_or_default()),
        }
    }
}

impl Serialize for Rows<'_> {
    /// `{"columns": [...], "rows": [[...], ...]}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Row<'r, 'w>(&'r [Val<'w>]);
        impl Serialize for Row<'_, '_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(Some(self.0.len()))?;
                for v in self.0 {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
        }
        struct All<'r, 'w>(&'r [Vec<Val<'w>>]);
        impl Serialize for All<'_, '_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(Some(self.0.len()))?;
                for r in self.0 {
                    seq.serialize_element(&Row(r))?;
                }
                seq.end()
            }
        }
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("columns", &self.columns)?;
        map.serialize_entry("rows", &All(&self.rows))?;
        map.end()
    }
}
