//! `bi-platform export --sqlite`: the export read back with SQLite itself (rusqlite)
//! holds exactly the engine's rows and money (to the millionth, so to the cent), every
//! table and column SQL sees, under any tenant scope and filters; the seed's
//! `dashboard_queries.sql` runs on it unchanged and answers as the engine's SQL does;
//! and the command's contract (exit codes, messages, atomic replacement).

// SQLite (rusqlite) is native only: `wasm-pack test` builds every test target for
// wasm32, where this module is empty.
#![cfg(all(feature = "sqlite", not(target_arch = "wasm32")))]

use crate::common::TempDir;
use crate::sql_common::*;
use bi_platform::export_sqlite::{self, SEED_TABLES};
use bi_platform::generate::{sample_files, SampleSpec};
use bi_platform::sql::{self, Val};
use bi_platform::{Dashboard, Query, TenantScope, Value, Warehouse};
use proptest::prelude::*;
use rusqlite::types::Value as Lite;
use rusqlite::Connection;

fn export(w: &Warehouse, query: &Query, dir: &TempDir) -> Connection {
    let out = dir.path().join("data_warehouse.db");
    export_sqlite::write(w.star(), query, &out).expect("export");
    Connection::open(&out).expect("open the export")
}

fn scope_query(scope: &TenantScope) -> Query {
    Query {
        tenants: scope.clone(),
        ..Query::default()
    }
}

/// A SQLite value compared exactly with an engine value: money must read back to the
/// same millionth (the REAL written is the correctly rounded quotient, so it must be
/// that very double), ratios to the bit.
fn same_value(ours: &Val<'_>, theirs: &Lite) -> bool {
    match (ours, theirs) {
        (Val::Null, Lite::Null) => true,
        (Val::Int(a), Lite::Integer(b)) => a == b,
        (Val::Money(m), Lite::Real(f)) => {
            sql::value::money_f64(*m).to_bits() == f.to_bits() && (f * 1e6).round() as i128 == *m
        }
        (Val::Real(a), Lite::Real(b)) => a.to_bits() == b.to_bits(),
        (v, Lite::Text(t)) => v.to_text().is_some_and(|s| s == t.as_str()),
        _ => false,
    }
}

/// Every table of the engine's SQL under `scope` equals the same table of the export
/// (read back in rowid order) cell for cell, exactly.
fn tables_equal(w: &Warehouse, scope: &TenantScope, conn: &Connection) {
    let schema = sql::schema(w.star());
    for t in &schema.tables {
        let names: Vec<String> = t
            .columns
            .iter()
            .map(|c| format!("\"{}\"", c.name))
            .collect();
        let select = format!("SELECT {} FROM {}", names.join(", "), t.name);
        let ours = sql::query(w.star(), scope, &select).unwrap_or_else(|e| panic!("{select}: {e}"));
        let order = if SEED_TABLES.contains(&t.name.as_str()) {
            " ORDER BY id"
        } else {
            " ORDER BY rowid"
        };
        let mut stmt = conn.prepare(&format!("{select}{order}")).unwrap();
        let theirs: Vec<Vec<Lite>> = stmt
            .query_map([], |r| {
                (0..names.len())
                    .map(|i| r.get::<_, Lite>(i))
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            ours.rows.len(),
            theirs.len(),
            "{}: rows in the engine and in the export ({scope:?})",
            t.name
        );
        for (i, (a, b)) in ours.rows.iter().zip(&theirs).enumerate() {
            for (c, (x, y)) in a.iter().zip(b).enumerate() {
                assert!(
                    same_value(x, y),
                    "{} row {i} column {}: engine {x:?}, export {y:?} ({scope:?})",
                    t.name,
                    t.columns[c].name
                );
            }
        }
    }
}

fn money_sum(conn: &Connection, sql: &str) -> i128 {
    // Each value back to millionths, then summed exactly.
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| r.get::<_, Option<f64>>(0))
        .unwrap()
        .map(|v| v.unwrap().map_or(0, |f| (f * 1e6).round() as i128))
        .sum()
}

fn cents(millionths: i128) -> i128 {
    (millionths + if millionths >= 0 { 5_000 } else { -5_000 }) / 10_000
}

#[test]
fn the_seed_export_holds_the_engines_rows_and_money_exactly() {
    let w = seed_warehouse();
    let dir = TempDir::new("export-sqlite-seed");
    let conn = export(&w, &Query::default(), &dir);
    let star = w.star();
    // Row counts of every table.
    for t in sql::schema(star).tables {
        let ours = sql::query(
            star,
            &TenantScope::All,
            &format!("SELECT COUNT(*) FROM {}", t.name),
        )
        .unwrap();
        let theirs: i64 = conn
            .query_row(&format!("SELECT COUNT(*) FROM {}", t.name), [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(ours.rows[0][0], Val::Int(theirs), "{}", t.name);
    }
    assert_eq!(
        conn.query_row("SELECT COUNT(*) FROM fact_campaigns", [], |r| r
            .get::<_, i64>(0))
            .unwrap(),
        300
    );
    // Money sums, exactly: each stored value back to millionths, and SQLite's own SUM
    // to the cent.
    let f = &star.campaigns;
    let t = &star.targets;
    for (column, engine) in [
        (
            "fact_campaigns.spend",
            f.spend.iter().map(|&m| i128::from(m)).sum::<i128>(),
        ),
        (
            "fact_campaigns.revenue",
            f.revenue.iter().map(|&m| i128::from(m)).sum(),
        ),
        (
            "fact_campaigns.profit",
            f.revenue
                .iter()
                .zip(&f.spend)
                .map(|(&r, &s)| i128::from(r - s))
                .sum(),
        ),
        (
            "dim_sales_targets.target_revenue",
            t.target_revenue.iter().map(|&m| i128::from(m)).sum(),
        ),
        (
            "dim_sales_targets.target_spend",
            t.target_spend.iter().map(|&m| i128::from(m)).sum(),
        ),
    ] {
        let (table, col) = column.split_once('.').unwrap();
        assert_eq!(
            money_sum(&conn, &format!("SELECT {col} FROM {table}")),
            engine,
            "{column}"
        );
        let summed: f64 = conn
            .query_row(&format!("SELECT SUM({col}) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            cents((summed * 1e6).round() as i128),
            cents(engine),
            "SUM({column})"
        );
    }
    let counts: i64 = conn
        .query_row(
            "SELECT SUM(impressions) + SUM(clicks) + SUM(conversions) FROM fact_campaigns",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let engine: u64 = (0..f.len())
        .map(|r| u64::from(f.impressions[r]) + u64::from(f.clicks[r]) + u64::from(f.conversions[r]))
        .sum();
    assert_eq!(counts as u64, engine);
    tables_equal(&w, &TenantScope::All, &conn);
}

#[test]
fn the_seed_export_keeps_the_seed_files_tables_and_columns() {
    let w = seed_warehouse();
    let dir = TempDir::new("export-sqlite-columns");
    let conn = export(&w, &Query::default(), &dir);
    let seed = Connection::open_with_flags(
        format!("{SEED}/data_warehouse.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let columns = |c: &Connection, table: &str| -> Vec<(String, String)> {
        let mut stmt = c.prepare(&format!("PRAGMA table_info({table})")).unwrap();
        stmt.query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    for table in SEED_TABLES {
        let ours = columns(&conn, table);
        for (name, ty) in columns(&seed, table) {
            assert!(
                ours.contains(&(name.clone(), ty.clone())),
                "{table}.{name} {ty} is missing from the export: {ours:?}"
            );
        }
    }
    let fact: Vec<String> = columns(&conn, "fact_campaigns")
        .into_iter()
        .map(|c| c.0)
        .collect();
    for derived in [
        "channel",
        "ctr",
        "conversion_rate",
        "roi",
        "roas",
        "cpc",
        "cpa",
        "profit",
        "performance_category",
    ] {
        assert!(fact.iter().any(|c| c == derived), "{derived}: {fact:?}");
    }
}

/// The statements of the seed's `dashboard_queries.sql`.
fn dashboard_queries() -> Vec<String> {
    let text = std::fs::read_to_string(format!("{SEED}/dashboard_queries.sql")).unwrap();
    let statements: Vec<String> = sql::parse::split_statements(&text)
        .into_iter()
        .map(|(_, s)| s.to_string())
        .collect();
    assert_eq!(statements.len(), 3, "{statements:?}");
    statements
}

fn rows_of(conn: &Connection, sql: &str) -> Vec<Vec<Cell>> {
    sqlite_rows(conn, sql).unwrap_or_else(|e| panic!("SQLite refuses {sql}: {e}"))
}

#[test]
fn the_seeds_dashboard_queries_run_on_the_export_and_answer_as_the_engine() {
    let w = seed_warehouse();
    let dir = TempDir::new("export-sqlite-queries");
    let conn = export(&w, &Query::default(), &dir);
    // The third statement asks for the last 30 days before 'now': as written (both
    // clocks read now), and with 'now' pinned to the seed's last day, where it has rows.
    let last: String = conn
        .query_row("SELECT MAX(date) FROM fact_campaigns", [], |r| r.get(0))
        .unwrap();
    let mut statements = dashboard_queries();
    let pinned: Vec<String> = statements
        .iter()
        .filter(|s| s.contains("'now'"))
        .map(|s| s.replace("'now'", &format!("'{last}'")))
        .collect();
    assert_eq!(pinned.len(), 1);
    statements.extend(pinned);
    let mut answered = 0;
    for statement in &statements {
        let theirs = rows_of(&conn, statement);
        let ours = our_rows(&w, &TenantScope::All, statement)
            .unwrap_or_else(|e| panic!("the engine refuses {statement}: {e}"));
        // As multisets: the first statement orders by date alone, whose ties either
        // engine may break its own way.
        if let Err(e) = same_rows(ours, theirs.clone(), false) {
            panic!("{statement}\n{e}");
        }
        answered += theirs.len();
    }
    assert!(answered > 100, "the statements answer rows: {answered}");
    // And scoped: the export of one tenant answers as the engine under that scope.
    for tenant in w.tenants() {
        let scope = TenantScope::Only(vec![tenant.to_string()]);
        let dir = TempDir::new("export-sqlite-queries-scope");
        let conn = export(&w, &scope_query(&scope), &dir);
        for statement in &statements {
            let statement = statement.replace("'tenant_001'", &format!("'{tenant}'"));
            let ours = our_rows(&w, &scope, &statement).unwrap();
            if let Err(e) = same_rows(ours, rows_of(&conn, &statement), false) {
                panic!("{tenant}: {statement}\n{e}");
            }
        }
    }
}

#[test]
fn awkward_values_read_back_exactly() {
    // NULLs, zero denominators (NULL ratios), extra columns, Unicode, customers.
    let w = edge_warehouse();
    let dir = TempDir::new("export-sqlite-edge");
    let conn = export(&w, &Query::default(), &dir);
    tables_equal(&w, &TenantScope::All, &conn);
    let scope = TenantScope::Only(vec!["Ünïcode".into(), "acme".into()]);
    let conn = export(
        &w,
        &scope_query(&scope),
        &TempDir::new("export-sqlite-edge-scope"),
    );
    tables_equal(&w, &scope, &conn);
}

/// A generated warehouse of `tenants` tenants.
fn generated(tenants: u32, per_tenant: u32, seed: u64) -> Warehouse {
    let spec = SampleSpec {
        tenants,
        campaigns_per_tenant: per_tenant,
        customers_per_tenant: 5,
        seed,
    };
    let files = sample_files(&spec).unwrap();
    let mut w = Warehouse::new();
    for (name, bytes) in [
        ("campaigns.csv", &files.campaigns_csv),
        ("targets.csv", &files.targets_csv),
        ("customers.json", &files.customers_json),
    ] {
        let reports = w.load(name, bytes);
        assert!(reports.iter().all(|r| r.error.is_none()), "{reports:?}");
    }
    w
}

/// `(tenant, rows, money sum in millionths)` per tenant of a dashboard's rows.
fn per_tenant(
    result: &bi_platform::DashboardResult<'_>,
    money_column: &str,
) -> Vec<(String, i64, i128)> {
    let tenant = result.column("tenant_id").unwrap();
    let money = result.column(money_column).unwrap();
    tally(result.rows.iter().map(|row| {
        let m = match row[money] {
            Value::Money(m) => m,
            _ => 0,
        };
        (row[tenant].to_plain_string(), m)
    }))
}

fn tally(rows: impl Iterator<Item = (String, i128)>) -> Vec<(String, i64, i128)> {
    let mut out = std::collections::BTreeMap::<String, (i64, i128)>::new();
    for (t, m) in rows {
        let e = out.entry(t).or_default();
        e.0 += 1;
        e.1 += m;
    }
    out.into_iter().map(|(t, (n, m))| (t, n, m)).collect()
}

fn sqlite_per_tenant(conn: &Connection, table: &str, money: &str) -> Vec<(String, i64, i128)> {
    let mut stmt = conn
        .prepare(&format!("SELECT tenant_id, {money} FROM {table}"))
        .unwrap();
    let rows: Vec<(String, i128)> = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?)))
        .unwrap()
        .map(|r| {
            let (t, m) = r.unwrap();
            (t, (m * 1e6).round() as i128)
        })
        .collect();
    tally(rows.into_iter())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Over generated warehouses and random tenant scopes (some naming tenants that do
    /// not exist), every table of the export equals the engine's SQL under that scope;
    /// with random filters too, the fact, target and customer rows per tenant and their
    /// money equal the dashboards' kernels (campaign_performance, target_vs_actual,
    /// customer_summary) under the same query.
    #[test]
    fn generated_exports_equal_the_engine_under_any_scope(
        tenants in 1u32..6,
        per_tenant_rows in 1u32..40,
        seed in any::<u64>(),
        picks in proptest::collection::vec(0u32..8, 0..4),
        all in any::<bool>(),
        region in proptest::option::of(0usize..4),
        from_day in proptest::option::of(1u32..29),
    ) {
        let w = generated(tenants, per_tenant_rows, seed);
        let scope = if all {
            TenantScope::All
        } else {
            TenantScope::Only(picks.iter().map(|i| format!("tenant_{:03}", i + 1)).collect())
        };
        let dir = TempDir::new("export-sqlite-prop");
        let conn = export(&w, &scope_query(&scope), &dir);
        tables_equal(&w, &scope, &conn);

        let regions: Vec<String> = {
            let mut r: Vec<String> = w.star().dims.region.values().map(str::to_string).collect();
            r.sort();
            region.and_then(|i| r.get(i).cloned()).into_iter().collect()
        };
        let query = Query {
            tenants: scope.clone(),
            regions,
            from: from_day.map(|d| format!("2024-11-{d:02}")),
            ..Query::default()
        };
        let dir = TempDir::new("export-sqlite-prop-filtered");
        let conn = export(&w, &query, &dir);
        let facts = w.dashboard(Dashboard::CampaignPerformance, &query).unwrap();
        prop_assert_eq!(per_tenant(&facts, "spend"), sqlite_per_tenant(&conn, "fact_campaigns", "spend"));
        prop_assert_eq!(per_tenant(&facts, "revenue"), sqlite_per_tenant(&conn, "fact_campaigns", "revenue"));
        let targets = w.dashboard(Dashboard::TargetVsActual, &query).unwrap();
        prop_assert_eq!(
            per_tenant(&targets, "target_revenue"),
            sqlite_per_tenant(&conn, "dim_sales_targets", "target_revenue")
        );
        let customers = w.dashboard(Dashboard::CustomerSummary, &query).unwrap();
        let theirs = sqlite_per_tenant(&conn, "dim_customers", "total_spent");
        let ours: Vec<(String, i64, i128)> = customers
            .rows
            .iter()
            .map(|r| {
                let m = match r[2] { Value::Money(m) => m, _ => 0 };
                let n = match r[1] { Value::Int(n) => n, _ => -1 };
                (r[0].to_plain_string(), n, m)
            })
            .collect();
        prop_assert_eq!(ours, theirs);
    }
}
