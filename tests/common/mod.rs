//! Helpers shared by the integration tests' areas (each uses some of them).
#![allow(dead_code)]

pub mod tenants;

use bi_platform::{Dashboard, DashboardResult, LoadReport, Query, TenantScope, Value, Warehouse};

/// The column index of `name`, panicking with the dashboard's columns when absent.
pub fn col(result: &DashboardResult<'_>, name: &str) -> usize {
    result
        .column(name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", result.columns))
}

/// The text of a text value.
pub fn text<'a>(v: &Value<'a>) -> &'a str {
    match v {
        Value::Text(t) => t,
        other => panic!("expected text, got {other:?}"),
    }
}

/// An integer value.
pub fn int(v: &Value<'_>) -> i64 {
    match v {
        Value::Int(i) => *i,
        other => panic!("expected an integer, got {other:?}"),
    }
}

/// A money value in millionths.
pub fn money(v: &Value<'_>) -> i128 {
    match v {
        Value::Money(m) => *m,
        other => panic!("expected money, got {other:?}"),
    }
}

/// A float value (`None` for null).
pub fn float(v: &Value<'_>) -> Option<f64> {
    match v {
        Value::Float(f) => Some(*f),
        Value::Null => None,
        other => panic!("expected a float or null, got {other:?}"),
    }
}

/// A date value as `YYYY-MM-DD`.
pub fn date(v: &Value<'_>) -> String {
    match v {
        Value::Date(_) => v.to_plain_string(),
        other => panic!("expected a date, got {other:?}"),
    }
}

/// `a` and `b` agree within `tol` (absolute, or relative for large values).
pub fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

/// Money of a decimal text, for readable expectations (`m("1234.50")`).
pub fn m(text: &str) -> i128 {
    let (int_part, frac) = text.split_once('.').unwrap_or((text, ""));
    let negative = int_part.starts_with('-');
    let whole: i128 = int_part.trim_start_matches('-').parse().unwrap();
    let mut frac = frac.to_string();
    assert!(frac.len() <= 6, "{text}");
    while frac.len() < 6 {
        frac.push('0');
    }
    let value = whole * 1_000_000 + frac.parse::<i128>().unwrap();
    if negative {
        -value
    } else {
        value
    }
}

/// Loads one file and returns its only report.
pub fn load_one(warehouse: &mut Warehouse, name: &str, bytes: &[u8]) -> LoadReport {
    let mut reports = warehouse.load(name, bytes);
    assert_eq!(reports.len(), 1, "one report expected: {reports:#?}");
    reports.remove(0)
}

/// Loads one file into a fresh warehouse.
pub fn fresh(name: &str, bytes: &[u8]) -> (Warehouse, LoadReport) {
    let mut w = Warehouse::new();
    let r = load_one(&mut w, name, bytes);
    (w, r)
}

/// `rows_read = rows_loaded + rows_rejected`, and the rejected list matches the count.
pub fn assert_accounting(report: &LoadReport) {
    assert_eq!(
        report.rows_read,
        report.rows_loaded + report.rows_rejected,
        "rows_read = rows_loaded + rows_rejected: {report:#?}"
    );
    assert_eq!(
        report.rejected.len() as u64,
        report.rows_rejected,
        "one rejected entry per rejected row: {report:#?}"
    );
}

/// A query over every tenant without filters.
pub fn all() -> Query {
    Query::default()
}

/// A query over the given tenants.
pub fn only(tenants: &[&str]) -> Query {
    Query {
        tenants: TenantScope::Only(tenants.iter().map(|t| t.to_string()).collect()),
        ..Query::default()
    }
}

/// A dashboard as owned JSON (comparable across warehouses).
pub fn json(w: &Warehouse, d: Dashboard, q: &Query) -> serde_json::Value {
    serde_json::to_value(w.dashboard(d, q).expect("dashboard")).expect("serialises")
}

/// Every dashboard as JSON rows, keyed by name.
pub fn all_json(w: &Warehouse, q: &Query) -> Vec<(&'static str, serde_json::Value)> {
    Dashboard::ALL
        .into_iter()
        .map(|d| (d.name(), json(w, d, q)))
        .collect()
}

/// A small temporary directory, removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "bi-platform-test-{tag}-{}-{n}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One row of `campaign_performance`, owned.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub tenant: String,
    pub campaign: String,
    pub name: Option<String>,
    pub date: String,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: i64,
    pub spend: i128,
    pub revenue: i128,
    pub ctr: Option<f64>,
    pub roi: Option<f64>,
    pub category: String,
}

/// Every fact row in scope, in `campaign_performance` order.
pub fn facts_in(w: &Warehouse, q: &Query) -> Vec<Fact> {
    let r = w
        .dashboard(Dashboard::CampaignPerformance, q)
        .expect("campaign_performance");
    r.rows
        .iter()
        .map(|row| Fact {
            tenant: text(&row[0]).to_string(),
            campaign: text(&row[1]).to_string(),
            name: match &row[2] {
                Value::Null => None,
                v => Some(text(v).to_string()),
            },
            date: date(&row[3]),
            impressions: int(&row[4]),
            clicks: int(&row[5]),
            conversions: int(&row[6]),
            spend: money(&row[7]),
            revenue: money(&row[8]),
            ctr: float(&row[9]),
            roi: float(&row[10]),
            category: text(&row[11]).to_string(),
        })
        .collect()
}

/// Every fact row.
pub fn facts(w: &Warehouse) -> Vec<Fact> {
    facts_in(w, &Query::default())
}

/// The only fact row of `campaign_id`.
pub fn fact(w: &Warehouse, campaign_id: &str) -> Fact {
    let mut found: Vec<Fact> = facts(w)
        .into_iter()
        .filter(|f| f.campaign == campaign_id)
        .collect();
    assert_eq!(found.len(), 1, "one row of {campaign_id}: {found:#?}");
    found.remove(0)
}

/// Everything the warehouse holds, in storage order, as text: each dimension's values in
/// key order, then every column of every table (extras included). Two warehouses with
/// equal contents give equal text; the key indexes (hash tables with random seeds) are
/// left out, being derived from the columns.
pub fn star_contents(w: &Warehouse) -> String {
    use std::fmt::Write;
    let star = w.star();
    let mut out = String::new();
    let d = &star.dims;
    for (dim, dict) in d.all() {
        let name = dim.name();
        writeln!(out, "dim {name}: {:?}", dict.values().collect::<Vec<_>>()).unwrap();
    }
    // Every stored column, as each table's declaration lists them (`star_table!`).
    use bi_platform::model::schema::TableKind;
    use bi_platform::model::star::Values;
    for table in TableKind::ALL {
        let (rows, columns, extras) = star.stored(table);
        write!(out, "{} ({rows} rows):", table.name()).unwrap();
        for column in columns {
            let values = match column.values {
                Values::Keys(k) => format!("{:?}", k.iter().collect::<Vec<u32>>()),
                Values::U32(v) => format!("{v:?}"),
                Values::I64(v) => format!("{v:?}"),
                Values::Days(v) => format!("{v:?}"),
                Values::U16(v) => format!("{v:?}"),
                Values::U8(v) => format!("{v:?}"),
            };
            write!(out, " {}={values}", column.name).unwrap();
        }
        writeln!(
            out,
            " extras {:?} {:?} {:?}",
            extras.names,
            extras.columns,
            extras.values.values().collect::<Vec<_>>()
        )
        .unwrap();
    }
    out
}

// --- Small inline files, for the load-rule tests (load_*.rs) -----------------------------

/// The required campaign columns, in the seed file's order.
pub const H: &str = "tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n";
/// Every campaign column of the seed file.
pub const HFULL: &str =
    "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product\n";

/// A campaigns CSV file: the required header `H`, then `body`.
pub fn csv(body: &str) -> Vec<u8> {
    format!("{H}{body}").into_bytes()
}

/// The line numbers of a report's rejected rows.
pub fn rejected_lines(r: &LoadReport) -> Vec<u64> {
    r.rejected.iter().map(|x| x.line).collect()
}

/// The columns named by a report's rejected rows.
pub fn rejected_columns(r: &LoadReport) -> Vec<Option<&str>> {
    r.rejected.iter().map(|x| x.column.as_deref()).collect()
}

/// Every campaign id of the fact rows, sorted.
pub fn campaign_ids(w: &Warehouse) -> Vec<String> {
    let mut ids: Vec<String> = facts(w).into_iter().map(|f| f.campaign).collect();
    ids.sort();
    ids
}
