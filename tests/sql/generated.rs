//! Generated queries: thousands of random queries over the schema (filters with SQLite's
//! affinities, groupings, aggregates, windows, joins, subqueries, set operations) give
//! SQLite's answers; random text never makes the parser or planner panic; and a tenant
//! scope is a wall: a scoped answer equals the answer of a warehouse that holds only
//! those tenants, whatever the query.
//!
//! `SQL_FUZZ_QUERIES=N` runs N generated queries per test (default 1500; `make fuzz`
//! style runs can raise it), `SQL_FUZZ_SEED` changes the seed.

// SQLite (rusqlite) is a native dev-dependency: `wasm-pack test` builds every test
// target for wasm32, where this module is empty.
#![cfg(not(target_arch = "wasm32"))]

use crate::sql_common::gen::{noise, Gen};
use crate::sql_common::*;
use bi_platform::{sql, TenantScope, Warehouse};
use rand::Rng;
use rand_pcg::Pcg64;

fn count() -> usize {
    std::env::var("SQL_FUZZ_QUERIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500)
}

fn seed() -> u64 {
    std::env::var("SQL_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_241_113)
}

#[test]
fn generated_queries_answer_as_sqlite() {
    let warehouses = [("edge", edge_warehouse()), ("seed", seed_warehouse())];
    let conns: Vec<_> = warehouses.iter().map(|(_, w)| sqlite_of(w)).collect();
    let mut gen = Gen::new(seed());
    gen.with_group_concat = false;
    let mut failures = Vec::new();
    let mut answered = 0;
    let mut non_empty = 0;
    let n = count();
    for i in 0..n {
        let q = gen.query();
        // Mostly the small awkward warehouse; every fourth query the seed files.
        let which = usize::from(i % 4 == 3);
        let (name, w) = &warehouses[which];
        if std::env::var_os("SQL_FUZZ_TRACE").is_some() {
            eprintln!("{i} [{name}] {}", q.sql);
        }
        if let Ok(rows) = sqlite_rows(&conns[which], &q.sql) {
            answered += 1;
            non_empty += usize::from(!rows.is_empty());
        }
        if let Err(e) = differential(w, &conns[which], &q.sql, q.ordered) {
            failures.push(format!("[{name}] {}\n  {e}", q.sql));
        }
    }
    // The comparison is not vacuous: SQLite answers nearly every generated query, and
    // most answers have rows.
    assert!(
        answered * 10 >= n * 9,
        "SQLite answered only {answered} of {n}"
    );
    assert!(
        non_empty * 2 >= n,
        "only {non_empty} of {n} answers have rows"
    );
    assert!(
        failures.is_empty(),
        "{} of {n} generated queries differ:\n{}",
        failures.len(),
        failures
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

#[test]
fn random_text_never_panics_the_parser_or_planner() {
    let w = edge_warehouse();
    let mut rng = Pcg64::new(seed().into(), 7);
    for _ in 0..count() * 2 {
        let text = noise(&mut rng);
        // Ok or Err, never a panic.
        let _ = sql::query(w.star(), &TenantScope::All, &text);
    }
    // Deep nesting is refused, not a stack overflow.
    for deep in [
        format!("SELECT {}1{}", "(".repeat(5000), ")".repeat(5000)),
        format!("SELECT 1{}", " + 1".repeat(20_000)),
        format!("SELECT {}1", "- ".repeat(5000)),
        format!(
            "SELECT {} 1 {}",
            "CASE WHEN 1 THEN".repeat(500),
            " END".repeat(500)
        ),
    ] {
        assert!(sql::query(w.star(), &TenantScope::All, &deep).is_err());
    }
}

/// Random campaigns, targets and customers of four tenants, as file texts per tenant.
fn random_files(rng: &mut Pcg64) -> Vec<(String, String, String, String)> {
    let tenants = ["acme", "Globex", "initech", "Ünïcode"];
    let regions = ["North", "South", "", "West"];
    let products = ["Product A", "Product B", ""];
    let channels = ["Search", "Email", "Video"];
    tenants
        .iter()
        .map(|t| {
            let mut c = String::new();
            for i in 0..rng.random_range(0..12) {
                let impressions = rng.random_range(0..1000);
                let clicks = rng.random_range(0..=impressions);
                c.push_str(&format!(
                    "{t},c{},Camp {i} - {},2024-{:02}-{:02},{impressions},{clicks},{},{}.{:02},{}.{:02},{},{}\n",
                    rng.random_range(0..6),
                    channels[rng.random_range(0..3)],
                    rng.random_range(10..13),
                    rng.random_range(1..29),
                    rng.random_range(0..20),
                    rng.random_range(0..100),
                    rng.random_range(0..100),
                    rng.random_range(0..300),
                    rng.random_range(0..100),
                    regions[rng.random_range(0..4)],
                    products[rng.random_range(0..3)],
                ));
            }
            let mut tg = String::new();
            for m in 10..=12 {
                if rng.random_bool(0.6) {
                    tg.push_str(&format!(
                        "{t},{},{},2024,{m},{}.00,{},{}.00\n",
                        ["North", "South", "West"][rng.random_range(0..3)],
                        ["Product A", "Product B"][rng.random_range(0..2)],
                        rng.random_range(0..500),
                        rng.random_range(0..50),
                        rng.random_range(0..200),
                    ));
                }
            }
            let mut cu = String::new();
            for k in 0..rng.random_range(0..4) {
                cu.push_str(&format!(
                    "{t},k{k},Name {k},{},{},{}.50,{}\n",
                    regions[rng.random_range(0..4)],
                    products[rng.random_range(0..3)],
                    rng.random_range(0..100),
                    rng.random_range(0..5),
                ));
            }
            (t.to_string(), c, tg, cu)
        })
        .collect()
}

fn warehouse_of(files: &[(String, String, String, String)], only: Option<&[String]>) -> Warehouse {
    let keep = |t: &String| only.is_none_or(|o| o.contains(t));
    let mut c = String::from("tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product\n");
    let mut tg = String::from(
        "tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend\n",
    );
    let mut cu = String::from(
        "tenant_id,customer_id,customer_name,region,product_preference,total_spent,total_orders\n",
    );
    for (t, fc, ft, fu) in files {
        if keep(t) {
            c.push_str(fc);
            tg.push_str(ft);
            cu.push_str(fu);
        }
    }
    let mut w = Warehouse::new();
    for (name, text) in [("c.csv", c), ("t.csv", tg), ("k.csv", cu)] {
        for r in w.load(name, text.as_bytes()) {
            assert_eq!(r.rows_rejected, 0, "{:?}", r.rejected);
        }
    }
    w
}

#[test]
fn a_tenant_scope_is_a_wall_for_every_query() {
    let mut rng = Pcg64::new(seed().into(), 11);
    let mut gen = Gen::new(seed() ^ 0x5c0e);
    gen.with_group_concat = false;
    let rounds = (count() / 150).max(4);
    let per_round = 150.min(count());
    let mut checked = 0;
    for _ in 0..rounds {
        let files = random_files(&mut rng);
        let all = warehouse_of(&files, None);
        let tenants: Vec<String> = files
            .iter()
            .map(|f| f.0.clone())
            .filter(|_| rng.random_bool(0.5))
            .collect();
        let alone = warehouse_of(&files, Some(&tenants));
        let scope = TenantScope::Only(tenants.clone());
        for _ in 0..per_round {
            let mut q = gen.query();
            // Dimension tables list values in first-seen order, which differs between
            // the two warehouses: the generator's queries order what they LIMIT.
            let scoped = our_rows(&all, &scope, &q.sql);
            let reference = our_rows(&alone, &TenantScope::All, &q.sql);
            match (scoped, reference) {
                (Ok(a), Ok(b)) => {
                    if let Err(e) = same_rows(a, b, q.ordered) {
                        panic!("scope {tenants:?}: {}\n{e}", q.sql);
                    }
                    checked += 1;
                }
                (Err(a), Err(b)) => assert_eq!(a, b, "{}", q.sql),
                (a, b) => panic!("scope {tenants:?}: {}\n{a:?}\n{b:?}", q.sql),
            }
            q.sql.clear();
        }
        // And no text of another tenant appears in any table.
        for table in sql::schema(all.star()).tables {
            let rows = our_rows(&all, &scope, &format!("SELECT * FROM {}", table.name)).unwrap();
            for other in files.iter().map(|f| &f.0).filter(|t| !tenants.contains(t)) {
                assert!(
                    !rows
                        .iter()
                        .flatten()
                        .any(|c| *c == Cell::Text(other.clone())),
                    "{} shows {other} to {tenants:?}",
                    table.name
                );
            }
        }
    }
    assert!(checked > 0);
}
