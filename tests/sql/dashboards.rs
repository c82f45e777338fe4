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
                panic!("{name} {} {scope:?}: {e}", d.name());
            }
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
