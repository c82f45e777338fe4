//! Each dashboard written as SQL (`Dashboard::sql`) gives the same rows, in the same
//! order, with the same column names, as the dashboard's kernel: for all tenants and for
//! each tenant alone, over the seed files, a warehouse with NULLs and zero denominators,
//! and generated sample data.

// Shares tests/sql_common, built on SQLite (rusqlite), a native dev-dependency:
// `wasm-pack test` builds every test target for wasm32, where this module is empty.
#![cfg(not(target_arch = "wasm32"))]

use crate::sql_common::*;
use bi_platform::generate::{sample_files, SampleSpec};
use bi_platform::{sql, Dashboard, Query, TenantScope, Value, Warehouse};

fn kernel_cell(v: &Value<'_>) -> Cell {
    match v {
        Value::Null => Cell::Null,
        Value::Int(i) => Cell::Int(*i),
        Value::Money(m) => Cell::Real(*m as f64 / 1e6),
        Value::Float(f) => Cell::Real(*f),
        other => Cell::Text(other.to_plain_string()),
    }
}

/// The SQL's rows are the kernel's, in order (`what` names the case in a failure).
fn same_as_kernel(
    answer: &sql::exec::Rows<'_>,
    kernel: &bi_platform::DashboardResult<'_>,
    what: &str,
) {
    let ours: Vec<Vec<Cell>> = answer
        .rows
        .iter()
        .map(|r| r.iter().map(cells_of).collect())
        .collect();
    let theirs: Vec<Vec<Cell>> = kernel
        .rows
        .iter()
        .map(|r| r.iter().map(kernel_cell).collect())
        .collect();
    if let Err(e) = same_rows(ours, theirs, true) {
        panic!("{what}: {e}");
    }
}

fn check(name: &str, w: &Warehouse, via_json: bool) {
    let mut scopes = vec![TenantScope::All, TenantScope::Only(vec![])];
    scopes.extend(
        w.tenants()
            .into_iter()
            .map(|t| TenantScope::Only(vec![t.to_string()])),
    );
    for d in Dashboard::ALL {
        for scope in &scopes {
            let query = Query {
                tenants: scope.clone(),
                ..Query::default()
            };
            let kernel = w.dashboard(d, &query).unwrap();
            let answer = if via_json {
                // What the page does: the parser module compiles each statement of the
                // text and writes it as JSON text; the engine runs that.
                let compiled = sql::compile_each(d.sql(), &sql::schema(w.star()));
                assert_eq!(compiled.len(), 1, "{}", d.name());
                let json = serde_json::to_string(compiled[0].as_ref().unwrap()).unwrap();
                sql::run_json(w.star(), scope, &json, &sql::Options::default())
            } else {
                sql::query(w.star(), scope, d.sql())
            }
            .unwrap_or_else(|e| panic!("{}: {e}", d.name()));
            assert_eq!(answer.columns, kernel.columns, "{name} {}", d.name());
            same_as_kernel(&answer, &kernel, &format!("{name} {} {scope:?}", d.name()));
        }
    }
}

#[test]
fn dashboards_as_sql_equal_their_kernels_on_the_seed_files() {
    check("seed", &seed_warehouse(), false);
}

#[test]
fn dashboard_plans_sent_as_json_text_equal_their_kernels() {
    check("seed as JSON", &seed_warehouse(), true);
    check("edge as JSON", &edge_warehouse(), true);
}

#[test]
fn dashboards_as_sql_equal_their_kernels_with_nulls_and_zeros() {
    check("edge", &edge_warehouse(), false);
}

#[test]
fn dashboards_as_sql_equal_their_kernels_on_generated_data() {
    let spec = SampleSpec {
        tenants: 5,
        campaigns_per_tenant: 200,
        customers_per_tenant: 20,
        seed: 11,
    };
    let files = sample_files(&spec).unwrap();
    let mut w = Warehouse::new();
    w.load("campaigns.csv", &files.campaigns_csv);
    w.load("targets.xlsx", &files.targets_xlsx);
    w.load("customers.json", &files.customers_json);
    check("generated", &w, false);
}

/// Under a dashboard query's filters (dates, regions, products, channels, campaigns,
/// performance categories, days and months, funnel stages), each dashboard's SQL run
/// through `sql::run_query` sees the rows its kernel sees: the executor's scans read the
/// filters' one selection, as the kernels do.
#[test]
fn dashboards_as_sql_equal_their_kernels_under_every_filter() {
    let w = seed_warehouse();
    let campaign = {
        let rows = sql::query(
            w.star(),
            &TenantScope::All,
            "SELECT campaign_id FROM fact_campaigns ORDER BY campaign_id LIMIT 3",
        )
        .unwrap();
        rows.rows
            .iter()
            .map(|r| cells_of(&r[0]))
            .map(|c| match c {
                Cell::Text(t) => t,
                other => panic!("campaign id {other:?}"),
            })
            .collect::<Vec<_>>()
    };
    let tenant = w.tenants()[0].to_string();
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let queries = vec![
        Query {
            from: Some("2024-10-20".into()),
            to: Some("2024-11-10".into()),
            ..Query::default()
        },
        Query {
            regions: strings(&["North", "West"]),
            products: strings(&["Product A"]),
            ..Query::default()
        },
        Query {
            channels: strings(&["Search", "Display"]),
            tenants: TenantScope::Only(vec![tenant.clone()]),
            ..Query::default()
        },
        Query {
            campaigns: campaign,
            ..Query::default()
        },
        Query {
            performance_categories: strings(&["Excellent", "Loss"]),
            ..Query::default()
        },
        Query {
            months: strings(&["2024-11"]),
            dates: strings(&["2024-10-17", "2024-10-03"]),
            ..Query::default()
        },
        Query {
            stages: strings(&["Conversions"]),
            regions: strings(&["South"]),
            ..Query::default()
        },
    ];
    let schema = sql::schema(w.star());
    let facts = |q: &Query| {
        w.dashboard(Dashboard::CampaignPerformance, q)
            .unwrap()
            .rows
            .len()
    };
    let all = facts(&Query::default());
    for query in &queries {
        // Each query keeps some fact rows and drops others, so it tests something.
        let kept = facts(query);
        assert!(
            kept > 0 && kept < all,
            "{kept} of {all} rows under {query:?}"
        );
        for d in Dashboard::ALL {
            let kernel = w.dashboard(d, query).unwrap();
            let statement = sql::parse::compile_one(d.sql(), &schema).unwrap();
            let answer = sql::run_query(w.star(), query, &statement, &sql::Options::default())
                .unwrap_or_else(|e| panic!("{}: {e}", d.name()));
            assert_eq!(answer.columns, kernel.columns, "{}", d.name());
            same_as_kernel(&answer, &kernel, &format!("{} under {query:?}", d.name()));
        }
    }
}
