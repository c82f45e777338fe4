//! Pivots against SQLite: random pivots (fields in rows and columns, measures, filters,
//! tenant scopes) over the seed files, a generated sample and the awkward small
//! warehouse; every cell of every level (leaves, subtotals, grand totals) must equal
//! SQLite's `GROUP BY` of that level's fields over the same rows, numbers to 1e-9
//! relative (money is REAL in SQLite, exact here), NULL groups and NULL ratios alike.

// SQLite (rusqlite) is a native dev-dependency: `wasm-pack test` builds every test
// target for wasm32, where this module is empty.
#![cfg(not(target_arch = "wasm32"))]

use crate::sql_common::*;
use bi_platform::generate::{sample_files, SampleSpec};
use bi_platform::pivot::{self, Field, Header, Measure, PivotRequest};
use bi_platform::{Query, TenantScope, Value, Warehouse};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use rusqlite::types::Value as Lite;
use rusqlite::Connection;
use std::collections::HashMap;

/// The SQL text of a field's header (as text, like the pivot's labels).
fn field_sql(field: &Field) -> String {
    let thursday = "date(date, '-3 days', 'weekday 4')";
    match field {
        Field::Tenant => "tenant_id".into(),
        Field::Campaign => "campaign_id".into(),
        Field::CampaignName => "campaign_name".into(),
        Field::Channel => "channel".into(),
        Field::Region => "region".into(),
        Field::Product => "product".into(),
        Field::Performance => "performance_category".into(),
        Field::Date(g) => match format!("{g:?}").as_str() {
            "Day" => "date".into(),
            "Week" => format!(
                "printf('%s-W%02d', strftime('%Y', {thursday}), (CAST(strftime('%j', {thursday}) AS INTEGER) - 1) / 7 + 1)"
            ),
            "Month" => "strftime('%Y-%m', date)".into(),
            "Quarter" => "strftime('%Y', date) || '-Q' || ((CAST(strftime('%m', date) AS INTEGER) + 2) / 3)".into(),
            _ => "CAST(CAST(strftime('%Y', date) AS INTEGER) AS TEXT)".into(),
        },
        Field::Extra(name) => format!("\"{name}\""),
    }
}

/// The SQL aggregate of a measure.
fn measure_sql(measure: &Measure) -> String {
    let id = measure.id();
    let ratio = |n: &str, d: &str| format!("CAST({n} AS REAL) / NULLIF({d}, 0)");
    match id.as_str() {
        "rows" => "COUNT(*)".into(),
        "ctr" => ratio("SUM(clicks)", "SUM(impressions)"),
        "conversion_rate" => ratio("SUM(conversions)", "SUM(clicks)"),
        "roi" => ratio("SUM(revenue) - SUM(spend)", "SUM(spend)"),
        "roas" => ratio("SUM(revenue)", "SUM(spend)"),
        "cpc" => ratio("SUM(spend)", "SUM(clicks)"),
        "cpa" => ratio("SUM(spend)", "SUM(conversions)"),
        other => {
            let (agg, column) = other.split_once(':').unwrap();
            match agg {
                "distinct" => format!("COUNT(DISTINCT {column})"),
                "sum" => format!("TOTAL({column})"),
                _ => format!("{}({column})", agg.to_uppercase()),
            }
        }
    }
}

/// WHERE of a query's scope and filters.
fn where_sql(q: &Query) -> String {
    let list = |v: &[String]| {
        v.iter()
            .map(|s| format!("'{}'", s.replace('\'', "''")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut parts = vec!["1".to_string()];
    if let TenantScope::Only(ids) = &q.tenants {
        parts.push(format!("tenant_id IN ({})", list(ids)));
    }
    for (column, values) in [
        ("region", &q.regions),
        ("product", &q.products),
        ("channel", &q.channels),
    ] {
        if !values.is_empty() {
            parts.push(format!("{column} IN ({})", list(values)));
        }
    }
    if let Some(from) = &q.from {
        parts.push(format!("date >= '{from}'"));
    }
    if let Some(to) = &q.to {
        parts.push(format!("date <= '{to}'"));
    }
    parts.join(" AND ")
}

fn cell_of(v: &Value<'_>) -> Cell {
    match v {
        Value::Null => Cell::Null,
        Value::Int(i) => Cell::Int(*i),
        Value::Money(m) => Cell::Real(*m as f64 / 1e6),
        Value::Float(f) => Cell::Real(*f),
        other => Cell::Text(other.to_plain_string()),
    }
}

fn lite_to_cell(v: Lite) -> Cell {
    match v {
        Lite::Null => Cell::Null,
        Lite::Integer(i) => Cell::Int(i),
        Lite::Real(f) => Cell::Real(f),
        Lite::Text(t) => Cell::Text(t),
        Lite::Blob(_) => unreachable!("no blobs"),
    }
}

/// Equal within 1e-9 relative, or a millionth absolute (SQLite sums money in floats).
fn same(ours: &Cell, theirs: &Cell) -> bool {
    match (ours, theirs) {
        (Cell::Real(x), Cell::Real(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()) + 1e-6,
        // SQLite's TOTAL of integers is REAL.
        (Cell::Int(x), Cell::Real(y)) => (*x as f64 - y).abs() < 1e-6,
        _ => cells_equal(ours, theirs),
    }
}

/// Groups by their labels: a cell per measure.
type Groups = HashMap<Vec<Option<String>>, Vec<Cell>>;

/// SQLite's groups of `fields` over the query's rows: labels -> a cell per measure.
fn sqlite_groups(conn: &Connection, fields: &[&Field], measures: &[Measure], q: &Query) -> Groups {
    let keys: Vec<String> = fields.iter().map(|f| field_sql(f)).collect();
    let aggs: Vec<String> = measures.iter().map(measure_sql).collect();
    let select: Vec<String> = keys.iter().chain(&aggs).cloned().collect();
    let group = if keys.is_empty() {
        String::new()
    } else {
        format!(
            " GROUP BY {}",
            (1..=keys.len())
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let sql = format!(
        "SELECT {} FROM fact_campaigns WHERE {}{group}",
        select.join(", "),
        where_sql(q)
    );
    let mut stmt = conn.prepare(&sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let width = select.len();
    let rows = stmt
        .query_map([], |r| {
            (0..width)
                .map(|i| r.get::<_, Lite>(i))
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap();
    let mut out = Groups::new();
    for row in rows {
        let row = row.unwrap();
        let labels = row[..keys.len()]
            .iter()
            .map(|v| match v {
                Lite::Null => None,
                Lite::Text(t) => Some(t.clone()),
                other => Some(format!("{other:?}")),
            })
            .collect();
        out.insert(
            labels,
            row[keys.len()..]
                .iter()
                .cloned()
                .map(lite_to_cell)
                .collect(),
        );
    }
    out
}

fn labels_of(h: &Header<'_>) -> Vec<Option<String>> {
    h.labels[..h.level]
        .iter()
        .map(|l| match l {
            pivot::Label::Null => None,
            l => Some(l.to_plain_string()),
        })
        .collect()
}

/// Every cell of the pivot against SQLite's GROUP BY of its row and column level.
fn check(w: &Warehouse, conn: &Connection, q: &Query, request: &PivotRequest) {
    let p = match pivot::pivot(w, q, request) {
        Ok(p) => p,
        Err(pivot::PivotError::TooLarge { .. }) => return,
        Err(e) => panic!("{request:?}: {e}"),
    };
    let n = request.measures.len();
    let mut cache: HashMap<(usize, usize), Groups> = HashMap::new();
    for (row, cells) in p.rows.iter().zip(&p.cells) {
        for (i, column) in p.columns.iter().enumerate() {
            let (rl, cl) = (row.level, column.header.level);
            let groups = cache.entry((rl, cl)).or_insert_with(|| {
                let fields: Vec<&Field> = request.rows[..rl]
                    .iter()
                    .chain(&request.columns[..cl])
                    .collect();
                sqlite_groups(conn, &fields, &request.measures, q)
            });
            let mut key = labels_of(row);
            key.extend(labels_of(&column.header));
            let ours = cell_of(&cells[i]);
            match groups.get(&key) {
                Some(theirs) => assert!(
                    same(&ours, &theirs[column.measure]),
                    "{request:?} {q:?}: {key:?} {}: ours {ours:?}, SQLite {:?}",
                    request.measures[column.measure].id(),
                    theirs[column.measure]
                ),
                // A combination with no rows: empty, or zero for counts and sums.
                None => assert!(
                    matches!(ours, Cell::Null | Cell::Int(0)) || ours == Cell::Real(0.0),
                    "{request:?}: {key:?} has no rows in SQLite but {ours:?} here"
                ),
            }
        }
        assert_eq!(p.columns.len() % n, 0);
    }
}

/// `k` distinct items of `items` in random order (a partial Fisher-Yates shuffle).
fn pick<T: Clone>(rng: &mut Pcg64, items: &[T], k: usize) -> Vec<T> {
    let mut items = items.to_vec();
    let k = k.min(items.len());
    for i in 0..k {
        let j = rng.random_range(i..items.len());
        items.swap(i, j);
    }
    items.truncate(k);
    items
}

fn random_request(rng: &mut Pcg64, fields: &[Field]) -> PivotRequest {
    let count = rng.random_range(0..=3usize).min(fields.len());
    let picked: Vec<Field> = pick(rng, fields, count);
    let split = rng.random_range(0..=count);
    let all = Measure::all();
    let measures = (0..rng.random_range(1..=4))
        .map(|_| *all.choose(rng).unwrap())
        .collect();
    PivotRequest {
        rows: picked[..split].to_vec(),
        columns: picked[split..].to_vec(),
        measures,
        ..PivotRequest::default()
    }
}

fn random_query(rng: &mut Pcg64, w: &Warehouse) -> Query {
    let options = bi_platform::chart::filter_options(w);
    let some = |rng: &mut Pcg64, values: &[String]| -> Vec<String> {
        if rng.random_bool(0.7) {
            return Vec::new();
        }
        let k = rng.random_range(1..=values.len().clamp(1, 3));
        pick(rng, values, k)
    };
    let tenants = if rng.random_bool(0.5) {
        TenantScope::All
    } else {
        let mut ids = some(rng, &options.tenants);
        ids.push("nobody".into());
        TenantScope::Only(ids)
    };
    Query {
        tenants,
        regions: some(rng, &options.regions),
        products: some(rng, &options.products),
        channels: some(rng, &options.channels),
        from: rng
            .random_bool(0.2)
            .then(|| options.first_date.clone())
            .flatten(),
        to: rng.random_bool(0.2).then(|| "2024-06-30".to_string()),
        ..Query::default()
    }
}

fn warehouses() -> Vec<(&'static str, Warehouse)> {
    let files = sample_files(&SampleSpec {
        tenants: 3,
        campaigns_per_tenant: 40,
        ..SampleSpec::default()
    })
    .unwrap();
    let mut sample = Warehouse::new();
    sample.load("campaigns.csv", &files.campaigns_csv);
    vec![
        ("seed", seed_warehouse()),
        ("sample", sample),
        ("edge", edge_warehouse()),
    ]
}

#[test]
fn random_pivots_equal_sqlite_group_bys_at_every_level() {
    let runs: usize = std::env::var("PIVOT_FUZZ_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let mut rng = Pcg64::seed_from_u64(13);
    for (name, w) in warehouses() {
        let conn = sqlite_of(&w);
        let mut fields: Vec<Field> = pivot::choices(w.star())
            .fields
            .iter()
            .map(|f| Field::from_id(&f.id).unwrap())
            .collect();
        if name == "edge" {
            assert!(
                fields.contains(&Field::Extra("utm_source".into())),
                "the extra column is a field"
            );
        } else {
            // Campaign ids are nearly one per row: pivots by them are checked on the
            // small warehouse only.
            fields.retain(|f| !matches!(f, Field::Campaign | Field::CampaignName));
        }
        for _ in 0..runs {
            let request = random_request(&mut rng, &fields);
            let q = random_query(&mut rng, &w);
            check(&w, &conn, &q, &request);
        }
    }
}
