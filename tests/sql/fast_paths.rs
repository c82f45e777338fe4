//! The executor's fast paths over typed columns (group-by on dictionary keys, typed
//! accumulators, typed sort keys with top-k, direct projection) give exactly the
//! general row-by-row path's answers: same rows, same order, same bits, same errors.
//! Each query runs twice, once with `Options::general_only`.

// The shared helpers use SQLite (rusqlite), a native dev-dependency.
#![cfg(not(target_arch = "wasm32"))]

use crate::sql_common::gen::Gen;
use crate::sql_common::{edge_warehouse, seed_warehouse};
use bi_platform::generate::{targets_xlsx, write_campaigns_csv, write_customers_json, SampleSpec};
use bi_platform::sql::{self, parse, Options};
use bi_platform::{Dashboard, TenantScope, Warehouse};

/// A fixed clock, so `'now'` is the same in both runs.
const NOW_MS: i64 = 1_732_000_000_000;

fn options(general_only: bool) -> Options {
    Options {
        now_ms: Some(NOW_MS),
        memory_budget: None,
        general_only,
    }
}

/// Runs `text` both ways; `Ok(rows)` when they agree (rows of the fast run), else why not.
fn both_ways(w: &Warehouse, scope: &TenantScope, text: &str) -> Result<usize, String> {
    let star = w.star();
    let statement = match parse::compile_one(text, &sql::schema(star)) {
        Ok(s) => s,
        Err(_) => return Ok(0),
    };
    let fast = sql::run(star, scope, &statement, &options(false));
    let general = sql::run(star, scope, &statement, &options(true));
    match (fast, general) {
        (Ok(a), Ok(b)) if a == b => Ok(a.rows.len()),
        (Err(a), Err(b)) if a == b => Ok(0),
        (a, b) => Err(format!("{text}\n  fast:    {a:?}\n  general: {b:?}")),
    }
}

/// A generated warehouse: `tenants` skewed tenants, their targets and customers.
fn generated(tenants: u32, campaigns_per_tenant: u32) -> Warehouse {
    let spec = SampleSpec {
        tenants,
        campaigns_per_tenant,
        customers_per_tenant: 20,
        seed: 7,
    };
    let mut w = Warehouse::new();
    let mut csv = Vec::new();
    write_campaigns_csv(&spec, &mut csv).expect("in memory");
    w.load("campaigns.csv", &csv);
    w.load("targets.xlsx", &targets_xlsx(&spec).expect("in memory"));
    let mut json = Vec::new();
    write_customers_json(&spec, &mut json).expect("in memory");
    w.load("customers.json", &json);
    w
}

/// Queries shaped for each fast path: group-by on every kind of group column (dictionary
/// keys narrow and wide, ids, days, small integers, several at once), every aggregate on
/// every kind of column, ORDER BY on typed keys both ways with NULLs placed both ways,
/// with and without LIMIT/OFFSET.
const TARGETED: &[&str] = &[
    "SELECT tenant_id, COUNT(*), SUM(impressions), SUM(clicks), SUM(conversions), SUM(spend), \
     SUM(revenue), SUM(profit), AVG(ctr), AVG(roi), TOTAL(roas), SUM(cpc), AVG(cpa), \
     MIN(spend), MAX(revenue), MIN(clicks), MAX(date), MIN(region), COUNT(region), \
     COUNT(ctr), COUNT(DISTINCT channel), AVG(impressions), TOTAL(spend) \
     FROM fact_campaigns GROUP BY tenant_id",
    "SELECT COUNT(*), SUM(spend), AVG(roi), MIN(date), MAX(campaign_name) FROM fact_campaigns",
    "SELECT COUNT(*), SUM(spend), AVG(roi) FROM fact_campaigns WHERE 0",
    "SELECT tenant_id, date, SUM(conversions), SUM(revenue) - SUM(spend) FROM fact_campaigns \
     GROUP BY tenant_id, date ORDER BY tenant_id, date",
    "SELECT region, product, channel, COUNT(*), SUM(revenue), AVG(conversion_rate) \
     FROM fact_campaigns GROUP BY 1, 2, 3",
    "SELECT campaign_id, campaign_name, SUM(spend), MAX(roi) FROM fact_campaigns \
     GROUP BY campaign_id, campaign_name",
    "SELECT tenant_id, campaign_id, date, region, COUNT(*) FROM fact_campaigns \
     GROUP BY tenant_id, campaign_id, date, region",
    "SELECT clicks, COUNT(*), SUM(impressions) FROM fact_campaigns GROUP BY clicks",
    "SELECT performance_category, COUNT(*) FROM fact_campaigns GROUP BY 1",
    "SELECT tenant_id, year, month, SUM(target_revenue), SUM(target_conversions), \
     AVG(target_roi), MAX(target_spend) FROM dim_sales_targets GROUP BY 1, 2, 3",
    "SELECT tenant_id, region, COUNT(*), SUM(total_spent), SUM(total_orders), \
     AVG(avg_order_value) FROM dim_customers GROUP BY tenant_id, region",
    "SELECT year, COUNT(*) FROM dim_date GROUP BY year",
    "SELECT tenant_id, campaign_id, date, spend, roi FROM fact_campaigns \
     ORDER BY date DESC, tenant_id, campaign_id",
    "SELECT tenant_id, campaign_id, date, spend FROM fact_campaigns \
     ORDER BY spend DESC, campaign_name LIMIT 7",
    // Wide text keys after packed ones: compared within ties, with and without LIMIT
    // (ties across the k-th row included).
    "SELECT tenant_id, campaign_id, campaign_name, date FROM fact_campaigns \
     ORDER BY date DESC, tenant_id, campaign_id",
    "SELECT tenant_id, campaign_id, campaign_name, date FROM fact_campaigns \
     ORDER BY tenant_id, campaign_name DESC, date LIMIT 13",
    "SELECT tenant_id, campaign_id, campaign_name, date FROM fact_campaigns \
     ORDER BY channel, campaign_name NULLS LAST, campaign_id LIMIT 40 OFFSET 5",
    "SELECT campaign_name, region, revenue FROM fact_campaigns \
     ORDER BY region NULLS LAST, campaign_name DESC LIMIT 5 OFFSET 3",
    "SELECT campaign_name, region, product FROM fact_campaigns \
     ORDER BY product DESC NULLS FIRST, region DESC, revenue LIMIT 11",
    "SELECT tenant_id, clicks, date FROM fact_campaigns ORDER BY clicks, date DESC LIMIT 0",
    "SELECT tenant_id, clicks FROM fact_campaigns ORDER BY clicks DESC LIMIT 1000000 OFFSET 2",
    "SELECT tenant_id, region, product, year, month FROM dim_sales_targets \
     ORDER BY tenant_id, region, product, year DESC, month LIMIT 9",
    "SELECT customer_id, total_spent FROM dim_customers ORDER BY total_spent DESC, 1 LIMIT 4",
    "SELECT tenant_id, date, clicks FROM fact_campaigns ORDER BY date",
    "SELECT t.tenant_id, t.region, SUM(f.spend) FROM dim_sales_targets t \
     JOIN fact_campaigns f ON f.tenant_id = t.tenant_id AND f.region = t.region GROUP BY 1, 2",
    // Group expressions over coded columns, computed once per distinct combination
    // (1 and 1.0 are one group whose value is the first row's).
    "SELECT region, strftime('%Y-%m', date) AS month, SUM(revenue) FROM fact_campaigns \
     GROUP BY 1, 2 ORDER BY 1, 2",
    "SELECT upper(region) || '-' || channel, COUNT(*), AVG(roi) FROM fact_campaigns GROUP BY 1",
    "SELECT clicks / 10, SUM(spend) FROM fact_campaigns GROUP BY 1",
    "SELECT date(date, 'localtime'), COUNT(*) FROM fact_campaigns GROUP BY 1",
    "SELECT CASE WHEN region IS NULL THEN 1 ELSE 1.0 END, COUNT(*) FROM fact_campaigns \
     GROUP BY 1",
    "SELECT 'all', tenant_id, COUNT(*) FROM fact_campaigns GROUP BY 1, 2",
    "SELECT * FROM (SELECT tenant_id, campaign_id, revenue, ROW_NUMBER() OVER \
     (PARTITION BY tenant_id ORDER BY revenue DESC) AS rn FROM fact_campaigns) \
     WHERE rn <= 3 ORDER BY tenant_id, rn",
    // Windows ordered on typed keys: NULL partitions (region), ties among peers, two
    // functions with different partitions, a wide text key (campaign ids) last.
    "SELECT region, campaign_id, date, RANK() OVER (PARTITION BY region ORDER BY clicks DESC), \
     SUM(spend) OVER (PARTITION BY channel ORDER BY date) FROM fact_campaigns",
    "SELECT tenant_id, campaign_id, ROW_NUMBER() OVER (PARTITION BY tenant_id, product \
     ORDER BY revenue DESC, campaign_id, date) FROM fact_campaigns",
    "SELECT campaign_id, COUNT(*) OVER (PARTITION BY performance_category) FROM fact_campaigns",
    // Comparisons of typed columns with constants, ANDed: money, counts, ratios (NULL
    // where the denominator is 0), dates; the constant on either side, text against a
    // number (affinity), an uncorrelated subquery, and a constant that errs.
    "SELECT COUNT(*), SUM(revenue) FROM fact_campaigns WHERE spend > 20 AND roi < 1.5",
    "SELECT campaign_id, date FROM fact_campaigns WHERE 100 <= clicks AND ctr <> 0.05 \
     AND date < '2024-11-15' ORDER BY 1, 2",
    "SELECT COUNT(*) FROM fact_campaigns WHERE clicks > '10' AND revenue >= 10",
    "SELECT COUNT(*) FROM fact_campaigns WHERE revenue > 2 * (SELECT AVG(revenue) FROM \
     fact_campaigns) AND conversion_rate = conversion_rate",
    "SELECT COUNT(*) FROM fact_campaigns WHERE spend > abs(-9223372036854775807 - 1)",
    "SELECT COUNT(*) FROM fact_campaigns WHERE spend = 12.5 OR revenue > 100",
    // Filters on coded columns, evaluated once per distinct combination.
    "SELECT tenant_id, COUNT(*), SUM(spend) FROM fact_campaigns WHERE channel = 'Search' \
     AND date >= '2024-11-01' GROUP BY 1",
    "SELECT campaign_id, date FROM fact_campaigns WHERE region LIKE 'n%' \
     OR product IN ('Product A', 5) OR region IS NULL ORDER BY 1, 2",
    "SELECT COUNT(*) FROM fact_campaigns WHERE clicks > 10 AND tenant_id <> 'acme'",
    "SELECT COUNT(*) FROM fact_campaigns WHERE CASE WHEN clicks = 0 THEN NULL ELSE 1 END",
    "SELECT COUNT(*), SUM(spend) FROM fact_campaigns WHERE channel = 'Search' \
     AND date >= '2024-11-01' AND roi > 1",
    "SELECT COUNT(*) FROM fact_campaigns WHERE date BETWEEN date('2024-11-01', '-1 day') AND '2024-12-01'",
    "SELECT COUNT(*) FROM fact_campaigns WHERE abs(clicks - 9223372036854775807 - 2) > 0",
    "SELECT COUNT(*) FROM fact_campaigns WHERE date > date('2024-11-01', 'localtime')",
    // A coded prefix of ANDs drops rows; the rest is evaluated row by row, errors
    // included (or not reached, as AND does not evaluate past a false operand).
    "SELECT COUNT(*) FROM fact_campaigns WHERE region = 'North' AND clicks > 3 AND roi > 0.5",
    "SELECT COUNT(*) FROM fact_campaigns WHERE roi > 1 AND channel = 'Search'",
    "SELECT COUNT(*) FROM fact_campaigns WHERE region = 'North' \
     AND abs(clicks * 0 - 9223372036854775807 - 1) > 0 AND roi > 0",
    "SELECT COUNT(*) FROM fact_campaigns WHERE tenant_id = 'nobody' \
     AND abs(clicks * 0 - 9223372036854775807 - 1) > 0 AND roi > 0",
    "SELECT COUNT(*) FROM fact_campaigns WHERE date > date('2024-11-01', 'localtime') \
     AND roi > 1",
    // Joins looked up per distinct key.
    "SELECT f.tenant_id, d.year, d.month, SUM(f.revenue), COUNT(*) FROM fact_campaigns f \
     JOIN dim_date d ON d.date = f.date WHERE f.region IS NOT NULL AND d.month > 3 \
     GROUP BY 1, 2, 3",
    "SELECT t.tenant_id, t.region, c.customer_id FROM dim_sales_targets t \
     LEFT JOIN dim_customers c ON c.tenant_id = t.tenant_id ORDER BY 1, 2, 3",
    "SELECT t.tenant_id, t.year, a.n FROM dim_sales_targets t LEFT JOIN \
     (SELECT tenant_id, region, COUNT(*) AS n FROM fact_campaigns GROUP BY 1, 2) a \
     ON a.tenant_id = t.tenant_id AND a.region = t.region",
    "SELECT f.campaign_id, r.region FROM fact_campaigns f JOIN dim_region r \
     ON r.region = f.region WHERE r.region <> 'North' ORDER BY 1, 2",
];

#[test]
fn targeted_queries_answer_as_the_general_path() {
    let warehouses = [
        ("edge", edge_warehouse()),
        ("seed", seed_warehouse()),
        // Enough campaigns for the hash group path and a wide key space.
        ("generated", generated(20, 250)),
    ];
    let mut failures = Vec::new();
    let mut rows = 0;
    for (name, w) in &warehouses {
        let scopes = [
            TenantScope::All,
            TenantScope::Only(vec![
                "acme".into(),
                "tenant_002".into(),
                "tenant_001".into(),
            ]),
        ];
        for scope in &scopes {
            let dashboards = Dashboard::ALL.iter().map(|d| d.sql());
            for q in TARGETED.iter().copied().chain(dashboards) {
                match both_ways(w, scope, q) {
                    Ok(n) => rows += n,
                    Err(e) => failures.push(format!("[{name}] {e}")),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // Not vacuous: the queries have answers.
    assert!(rows > 5_000, "only {rows} rows");
}

#[test]
fn generated_queries_answer_as_the_general_path() {
    let warehouses = [("edge", edge_warehouse()), ("seed", seed_warehouse())];
    let mut gen = Gen::new(20_241_127);
    gen.with_group_concat = true;
    let mut failures = Vec::new();
    let mut rows = 0;
    for i in 0..1500 {
        let q = gen.query();
        let (name, w) = &warehouses[usize::from(i % 4 == 3)];
        match both_ways(w, &TenantScope::All, &q.sql) {
            Ok(n) => rows += n,
            Err(e) => failures.push(format!("[{name}] {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(rows > 1500, "only {rows} rows");
}

/// `ORDER BY ... LIMIT n OFFSET m` gives rows `m..m + n` of the same query's full
/// (stable) sort, ties included, whichever path orders it: typed keys over a scan, or
/// top-k over materialized rows (an aggregate's, an expression's).
#[test]
fn top_k_is_the_stable_sorts_prefix_ties_included() {
    let w = generated(6, 40);
    let star = w.star();
    let schema = sql::schema(star);
    let run = |text: &str, general_only: bool| {
        let statement = parse::compile_one(text, &schema).expect("compiles");
        sql::run(star, &TenantScope::All, &statement, &options(general_only))
            .expect("runs")
            .rows
    };
    for order in [
        // Many ties on the key: the stable order of the input decides among them.
        "SELECT tenant_id, channel, COUNT(*) AS n FROM fact_campaigns GROUP BY 1, 2 ORDER BY n",
        "SELECT channel, region, SUM(clicks) % 3 AS k FROM fact_campaigns GROUP BY 1, 2 ORDER BY k DESC",
        "SELECT campaign_id, impressions % 5 AS k FROM fact_campaigns ORDER BY k, impressions % 7",
        "SELECT campaign_id, clicks FROM fact_campaigns ORDER BY performance_category",
    ] {
        for general_only in [false, true] {
            let full = run(order, general_only);
            assert!(full.len() > 10, "{order}");
            for (limit, offset) in [(0, 0), (1, 0), (5, 3), (10, 0), (3, full.len() - 2)] {
                let text = format!("{order} LIMIT {limit} OFFSET {offset}");
                let expected: Vec<_> = full.iter().skip(offset).take(limit).cloned().collect();
                assert_eq!(run(&text, general_only), expected, "{text} ({general_only})");
            }
        }
    }
}
