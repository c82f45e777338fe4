//! Helpers of the SQL tests: the same tables in SQLite (rusqlite, bundled) built from a
//! loaded warehouse, results of both engines as comparable cells, and warehouses with
//! the awkward data (NULLs, zero denominators, ties, extra columns, empty tables).
#![allow(dead_code)]

pub mod gen;

use bi_platform::model::dict::Dictionary;
use bi_platform::model::keys::KeyColumn;
use bi_platform::sql::{self, Val};
use bi_platform::transform::metrics::{self, PerformanceCategory};
use bi_platform::{TenantScope, Warehouse};
use rusqlite::types::Value as Lite;
use rusqlite::Connection;
use std::cmp::Ordering;

pub const SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/seed-data");

/// The seed's campaigns and targets, loaded (no customers: an empty dim_customers).
pub fn seed_warehouse() -> Warehouse {
    let mut w = Warehouse::new();
    for file in ["marketing_campaigns.csv", "sales_targets.xlsx"] {
        let bytes = std::fs::read(format!("{SEED}/{file}")).expect("seed file");
        let reports = w.load(file, &bytes);
        assert!(reports
            .iter()
            .all(|r| r.error.is_none() && r.rows_rejected == 0));
    }
    w
}

/// A small warehouse with every awkward case: NULL regions, products and names, zero
/// impressions, clicks and spend (NULL ratios), ties, an extra column, Unicode, three
/// tenants, targets and customers with NULLs.
pub fn edge_warehouse() -> Warehouse {
    let mut w = Warehouse::new();
    let campaigns = "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product,utm_source\n\
        acme,c1,Spring - Search,2024-11-01,1000,50,5,10.00,25.00,North,Product A,google\n\
        acme,c2,Spring - Email,2024-11-01,1000,50,5,10.00,25.00,North,Product A,\n\
        acme,c3,,2024-11-02,0,0,0,0,5.50,,Product B,newsletter\n\
        acme,c4,Winter - Video,2024-10-15,200,10,12,0.70,2.10,South,,google\n\
        acme,c5,Winter - Video,2024-12-31,300,30,3,100.00,50.00,South,Product B,\n\
        acme,c1,Spring - Search,2024-11-02,500,0,0,3.33,0,North,Product A,bing\n\
        Globex,c1,Brand - Search,2024-11-01,1000,50,5,10.00,25.00,North,Product A,google\n\
        Globex,c9,Brand - Display,2024-11-03,1,1,1,1000000.01,0.01,West,Product C,\n\
        Globex,c8,No channel,2024-09-30,10,0,0,0.01,0.02,,,\n\
        Ünïcode,u1,Café - Social Media,2024-11-01,70,7,7,7.07,70.70,Nörth,Product A,ünï\n\
        Ünïcode,u2,Café - Social Media,2024-11-01,70,7,7,7.07,70.70,Nörth,Product A,ünï\n";
    let targets =
        "tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend\n\
        acme,North,Product A,2024,11,40.00,10,20.00\n\
        acme,North,Product A,2024,10,0,0,0\n\
        acme,South,Product B,2024,12,100.00,5,50.00\n\
        Globex,West,Product C,2024,11,1.00,1,1.00\n\
        Globex,North,Product A,2024,11,30.00,5,10.00\n";
    let customers = r#"[{"tenant_id":"acme","customer_id":"k1","customer_name":"Ann","region":"North","product_preference":"Product A","total_spent":"100.50","total_orders":3},
        {"tenant_id":"acme","customer_id":"k2","total_spent":0,"total_orders":0},
        {"tenant_id":"Globex","customer_id":"k1","customer_name":"Bob","region":"West","total_spent":20,"total_orders":4},
        {"tenant_id":"Ünïcode","customer_id":"k3","customer_name":"Zoë","region":"Nörth","product_preference":"Product Z","total_spent":1.25,"total_orders":1}]"#;
    for (name, bytes) in [
        ("c.csv", campaigns.as_bytes()),
        ("t.csv", targets.as_bytes()),
        ("k.json", customers.as_bytes()),
    ] {
        let reports = w.load(name, bytes);
        assert!(
            reports
                .iter()
                .all(|r| r.error.is_none() && r.rows_rejected == 0),
            "{reports:?}"
        );
    }
    w
}

fn text(dict: &Dictionary, key: u32) -> Lite {
    dict.value(key)
        .map_or(Lite::Null, |s| Lite::Text(s.to_string()))
}

fn key_text(dict: &Dictionary, column: &KeyColumn, row: usize) -> Lite {
    text(dict, column.get(row))
}

fn money(m: i64) -> Lite {
    Lite::Real(m as f64 / 1e6)
}

fn ratio(r: Option<f64>) -> Lite {
    r.map_or(Lite::Null, Lite::Real)
}

fn insert(conn: &Connection, table: &str, columns: &[String], rows: &[Vec<Lite>]) {
    let names: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
    let marks: Vec<&str> = columns.iter().map(|_| "?").collect();
    let mut stmt = conn
        .prepare(&format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            names.join(", "),
            marks.join(", ")
        ))
        .unwrap();
    for row in rows {
        stmt.execute(rusqlite::params_from_iter(row.iter()))
            .unwrap();
    }
}

/// The SQL tables of `w` in a fresh in-memory SQLite database, built from the star
/// schema's columns directly (not through the SQL layer), with the declared types of
/// `bi-platform sql --schema`.
pub fn sqlite_of(w: &Warehouse) -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    let star = w.star();
    let schema = sql::schema(star);
    for t in &schema.tables {
        let cols: Vec<String> = t
            .columns
            .iter()
            .map(|c| {
                let ty = serde_json::to_value(c.ty).unwrap();
                format!("\"{}\" {}", c.name, ty.as_str().unwrap())
            })
            .collect();
        conn.execute(
            &format!("CREATE TABLE {} ({})", t.name, cols.join(", ")),
            [],
        )
        .unwrap();
    }
    let d = &star.dims;
    let names = |table: &str| -> Vec<String> {
        schema
            .table(table)
            .unwrap()
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect()
    };
    // fact_campaigns
    let f = &star.campaigns;
    let fact_rows: Vec<Vec<Lite>> = (0..f.len())
        .map(|r| {
            let (spend, revenue) = (f.spend[r], f.revenue[r]);
            let (s, v) = (i128::from(spend), i128::from(revenue));
            let mut row = vec![
                key_text(&d.tenant, &f.tenant, r),
                text(&d.campaign, f.campaign[r]),
                text(&d.campaign_name, f.campaign_name[r]),
                Lite::Text(bi_platform::model::date::format_day(f.date[r])),
                Lite::Integer(i64::from(f.impressions[r])),
                Lite::Integer(i64::from(f.clicks[r])),
                Lite::Integer(i64::from(f.conversions[r])),
                money(spend),
                money(revenue),
                key_text(&d.region, &f.region, r),
                key_text(&d.product, &f.product, r),
                key_text(&d.channel, &f.channel, r),
                ratio(metrics::ctr(f.clicks[r].into(), f.impressions[r].into())),
                ratio(metrics::conversion_rate(
                    f.conversions[r].into(),
                    f.clicks[r].into(),
                )),
                ratio(metrics::roi(s, v)),
                ratio(metrics::roas(s, v)),
                ratio(metrics::money_per(s, f.clicks[r].into())),
                ratio(metrics::money_per(s, f.conversions[r].into())),
                money(revenue - spend),
                Lite::Text(PerformanceCategory::of(spend, revenue).label().to_string()),
            ];
            for column in &f.extras.columns {
                row.push(text(&f.extras.values, column[r]));
            }
            row
        })
        .collect();
    insert(
        &conn,
        "fact_campaigns",
        &names("fact_campaigns"),
        &fact_rows,
    );
    // dim_sales_targets
    let t = &star.targets;
    let target_rows: Vec<Vec<Lite>> = (0..t.len())
        .map(|r| {
            let (s, v) = (
                i128::from(t.target_spend[r]),
                i128::from(t.target_revenue[r]),
            );
            let mut row = vec![
                key_text(&d.tenant, &t.tenant, r),
                key_text(&d.region, &t.region, r),
                key_text(&d.product, &t.product, r),
                Lite::Integer(i64::from(t.year[r])),
                Lite::Integer(i64::from(t.month[r])),
                money(t.target_revenue[r]),
                Lite::Integer(i64::from(t.target_conversions[r])),
                money(t.target_spend[r]),
                ratio(metrics::roi(s, v)),
                ratio(metrics::roas(s, v)),
            ];
            for column in &t.extras.columns {
                row.push(text(&t.extras.values, column[r]));
            }
            row
        })
        .collect();
    insert(
        &conn,
        "dim_sales_targets",
        &names("dim_sales_targets"),
        &target_rows,
    );
    // dim_customers
    let c = &star.customers;
    let customer_rows: Vec<Vec<Lite>> = (0..c.len())
        .map(|r| {
            let mut row = vec![
                key_text(&d.tenant, &c.tenant, r),
                text(&d.customer, c.customer[r]),
                text(&d.customer_name, c.customer_name[r]),
                key_text(&d.region, &c.region, r),
                key_text(&d.product, &c.product_preference, r),
                money(c.total_spent[r]),
                Lite::Integer(i64::from(c.total_orders[r])),
                ratio(metrics::money_per(
                    c.total_spent[r].into(),
                    c.total_orders[r].into(),
                )),
            ];
            for column in &c.extras.columns {
                row.push(text(&c.extras.values, column[r]));
            }
            row
        })
        .collect();
    insert(
        &conn,
        "dim_customers",
        &names("dim_customers"),
        &customer_rows,
    );
    // The dimensions, from the tables just built.
    for sql in [
        "INSERT INTO dim_tenant SELECT tenant_id FROM (SELECT tenant_id FROM fact_campaigns UNION SELECT tenant_id FROM dim_sales_targets UNION SELECT tenant_id FROM dim_customers)",
        "INSERT INTO dim_region SELECT region FROM (SELECT region FROM fact_campaigns UNION SELECT region FROM dim_sales_targets UNION SELECT region FROM dim_customers) WHERE region IS NOT NULL",
        "INSERT INTO dim_product SELECT product FROM (SELECT product FROM fact_campaigns UNION SELECT product FROM dim_sales_targets UNION SELECT product_preference FROM dim_customers) WHERE product IS NOT NULL",
        "INSERT INTO dim_channel SELECT DISTINCT channel FROM fact_campaigns WHERE channel IS NOT NULL",
        "INSERT INTO dim_campaign SELECT DISTINCT tenant_id, campaign_id, campaign_name, channel FROM fact_campaigns",
        "INSERT INTO dim_date SELECT DISTINCT date, CAST(strftime('%Y', date) AS INTEGER), (CAST(strftime('%m', date) AS INTEGER) + 2) / 3, CAST(strftime('%m', date) AS INTEGER), NULL, (CAST(strftime('%w', date) AS INTEGER) + 6) % 7 + 1 FROM fact_campaigns ORDER BY date",
    ] {
        conn.execute(sql, []).unwrap();
    }
    // ISO weeks, which SQLite's strftime of this version may not have (%V): computed
    // by the ISO rule from the Thursday of each date's week.
    let dates: Vec<String> = {
        let mut stmt = conn.prepare("SELECT date FROM dim_date").unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    for date in dates {
        let week: i64 = conn
            .query_row(
                "SELECT (CAST(strftime('%j', date(?1, '-3 days', 'weekday 4')) AS INTEGER) - 1) / 7 + 1",
                [&date],
                |r| r.get(0),
            )
            .unwrap();
        conn.execute(
            "UPDATE dim_date SET iso_week = ?1 WHERE date = ?2",
            rusqlite::params![week, date],
        )
        .unwrap();
    }
    conn
}

/// A result cell of either engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl Cell {
    fn rank(&self) -> u8 {
        match self {
            Cell::Null => 0,
            Cell::Int(_) | Cell::Real(_) => 1,
            Cell::Text(_) => 2,
        }
    }

    fn num(&self) -> f64 {
        match self {
            Cell::Int(i) => *i as f64,
            Cell::Real(f) => *f,
            _ => 0.0,
        }
    }
}

/// Orders cells (for comparing row multisets): NULL, numbers, text.
pub fn cmp_cells(a: &[Cell], b: &[Cell]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = x.rank().cmp(&y.rank()).then_with(|| match (x, y) {
            (Cell::Text(p), Cell::Text(q)) => p.cmp(q),
            (Cell::Null, Cell::Null) => Ordering::Equal,
            _ => x.num().partial_cmp(&y.num()).unwrap_or(Ordering::Equal),
        });
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

pub fn cells_of(v: &Val<'_>) -> Cell {
    match v {
        Val::Null => Cell::Null,
        Val::Int(i) => Cell::Int(*i),
        Val::Real(f) => Cell::Real(*f),
        Val::Money(m) => Cell::Real(*m as f64 / 1e6),
        other => Cell::Text(other.to_text().unwrap().into_owned()),
    }
}

fn lite_cell(v: Lite) -> Cell {
    match v {
        Lite::Null => Cell::Null,
        Lite::Integer(i) => Cell::Int(i),
        Lite::Real(f) => Cell::Real(f),
        Lite::Text(t) => Cell::Text(t),
        Lite::Blob(b) => Cell::Text(format!("<blob {b:?}>")),
    }
}

/// A query's answer from SQLite.
pub fn sqlite_rows(conn: &Connection, sql: &str) -> Result<Vec<Vec<Cell>>, String> {
    let mut stmt = conn.prepare(sql).map_err(|e| e.to_string())?;
    let n = stmt.column_count();
    let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(|e| e.to_string())? {
        out.push(
            (0..n)
                .map(|i| lite_cell(row.get::<_, Lite>(i).unwrap()))
                .collect(),
        );
    }
    Ok(out)
}

/// A query's answer from the engine.
pub fn our_rows(w: &Warehouse, scope: &TenantScope, sql: &str) -> Result<Vec<Vec<Cell>>, String> {
    sql::query(w.star(), scope, sql)
        .map(|r| {
            r.rows
                .iter()
                .map(|row| row.iter().map(cells_of).collect())
                .collect()
        })
        .map_err(|e| e.to_string())
}

pub fn cells_equal(a: &Cell, b: &Cell) -> bool {
    match (a, b) {
        (Cell::Null, Cell::Null) => true,
        (Cell::Int(x), Cell::Int(y)) => x == y,
        (Cell::Real(x), Cell::Real(y)) => {
            x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1e-300)
        }
        (Cell::Text(x), Cell::Text(y)) => x == y,
        _ => false,
    }
}

fn rows_equal(a: &[Cell], b: &[Cell]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| cells_equal(x, y))
}

/// Compares two answers: in order when `ordered`, else as multisets.
pub fn same_rows(
    mut ours: Vec<Vec<Cell>>,
    mut theirs: Vec<Vec<Cell>>,
    ordered: bool,
) -> Result<(), String> {
    if ours.len() != theirs.len() {
        return Err(format!(
            "{} rows here, {} in SQLite\nhere:   {:?}\nsqlite: {:?}",
            ours.len(),
            theirs.len(),
            ours.iter().take(5).collect::<Vec<_>>(),
            theirs.iter().take(5).collect::<Vec<_>>()
        ));
    }
    if !ordered {
        ours.sort_by(|a, b| cmp_cells(a, b));
        theirs.sort_by(|a, b| cmp_cells(a, b));
    }
    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        if !rows_equal(a, b) {
            return Err(format!("row {i} differs\nhere:   {a:?}\nsqlite: {b:?}"));
        }
    }
    Ok(())
}

/// Runs `sql` through both engines and compares; both refusing counts as agreeing
/// only when `may_fail`.
pub fn differential(
    w: &Warehouse,
    conn: &Connection,
    sql: &str,
    ordered: bool,
) -> Result<(), String> {
    let theirs = sqlite_rows(conn, sql);
    let ours = our_rows(w, &TenantScope::All, sql);
    match (ours, theirs) {
        (Ok(a), Ok(b)) => same_rows(a, b, ordered),
        (Err(a), Ok(_)) => Err(format!("refused here ({a}) but SQLite answers")),
        (Ok(_), Err(b)) => Err(format!("SQLite refuses ({b}) but answered here")),
        (Err(_), Err(_)) => Ok(()),
    }
}
