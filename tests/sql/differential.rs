//! Same answers as SQLite: every query of the corpus runs through the engine and through
//! SQLite (rusqlite, bundled) holding the same tables, built from the same loaded
//! warehouse; numbers must agree to 1e-9 relative, text and NULLs exactly, and rows in
//! the same order where the query orders them completely (else as multisets).
//!
//! The corpus: the seed's `dashboard_queries.sql` verbatim, then a query per feature of
//! the supported dialect, run over the seed files and over a small warehouse with NULLs,
//! zero denominators, ties, an extra column and Unicode. A second test runs thousands of
//! generated queries (`SQL_FUZZ_QUERIES` sets how many; `make fuzz` can raise it).

// SQLite (rusqlite) is a native dev-dependency: `wasm-pack test` builds every test
// target for wasm32, where this module is empty.
#![cfg(not(target_arch = "wasm32"))]

use crate::sql_common::*;
use bi_platform::sql::parse::split_statements;

/// (query, ordered): `ordered` when the query's ORDER BY orders its rows completely.
const CORPUS: &[(&str, bool)] = &[
    // Projections, expressions, integer/real semantics
    ("SELECT 7 / 2, 7 % 3, -7 / 2, -7 % 3, 7.0 / 2, 7 / 2.0, 1 / 0, 1 % 0, 1.5 / 0", false),
    ("SELECT 9223372036854775807 + 1, -9223372036854775807 - 2, 9223372036854775807 * 2", false),
    ("SELECT 5.5 % 2, -5.5 % 2, 2 * 3.5, '3' + 4, '3.5abc' * 2, 'abc' + 1, NULL + 1", false),
    ("SELECT 1 < 2, 2 <= 1, 'a' < 'b', 'B' < 'a', 1 < 'a', NULL = NULL, NULL IS NULL, 1 IS NOT NULL", false),
    ("SELECT 1 = 1.0, '1' = 1, 3 > '20', 10 BETWEEN 1 AND 10, 5 NOT BETWEEN 6 AND 7", false),
    ("SELECT 1 AND NULL, 0 AND NULL, 1 OR NULL, 0 OR NULL, NOT NULL, NOT 0, NOT 5", false),
    ("SELECT 'ab' || 'cd', 1 || 2, 1.5 || 'x', NULL || 'x', 'x' || 0.1", false),
    ("SELECT CAST('12abc' AS INTEGER), CAST(3.9 AS INTEGER), CAST(-3.9 AS INTEGER), CAST('1.5' AS REAL), CAST(12 AS TEXT), CAST(2.0 AS TEXT), CAST('7' AS NUMERIC), CAST('7.5' AS NUMERIC), CAST(NULL AS INTEGER)", false),
    ("SELECT ROUND(2.5), ROUND(-2.5), ROUND(1234.5678, 2), ROUND(1.005, 2), ROUND(0.125, 2), ROUND(5), ROUND(NULL), ROUND(2.675, 2)", false),
    ("SELECT ABS(-5), ABS(-5.5), ABS(NULL), UPPER('abcÄ'), LOWER('ABCÄ'), LENGTH('héllo'), LENGTH(12345), LENGTH(NULL)", false),
    ("SELECT SUBSTR('hello', 2, 3), SUBSTR('hello', -3), SUBSTR('hello', 0, 2), SUBSTR('hello', 3, -2), SUBSTR('héllo', 2), SUBSTRING('hello', 2, 2)", false),
    ("SELECT COALESCE(NULL, NULL, 3), COALESCE(NULL, 'a'), IFNULL(NULL, 2), IFNULL(1, 2), NULLIF(1, 1), NULLIF(1, 2), NULLIF('a', 'b')", false),
    ("SELECT CASE WHEN 1 > 2 THEN 'a' WHEN 2 > 1 THEN 'b' END, CASE 3 WHEN 1 THEN 'one' WHEN 3 THEN 'three' ELSE 'other' END, CASE WHEN NULL THEN 1 ELSE 2 END, CASE 1 WHEN 2 THEN 3 END", false),
    ("SELECT 'abc' LIKE 'A%', 'abc' LIKE '_b_', 'abc' NOT LIKE '%d', 'a%c' LIKE 'a!%c' ESCAPE '!', NULL LIKE 'a', 'Ä' LIKE 'ä', 123 LIKE '12%'", false),
    ("SELECT 3 IN (1, 2, 3), 4 IN (1, 2), 4 NOT IN (1, 2), NULL IN (1), 1 IN (NULL, 1), 2 IN (NULL, 1), 2 NOT IN (NULL, 1)", false),
    ("SELECT TRIM('  a  '), LTRIM('xxa', 'x'), RTRIM('a  '), REPLACE('banana', 'an', 'AN'), INSTR('banana', 'nan'), TYPEOF(1), TYPEOF(1.0), TYPEOF('a'), TYPEOF(NULL), IIF(1, 'y', 'n'), MIN(3, 1, 2), MAX('a', 'b'), MAX(1, NULL)", false),
    ("SELECT date('2024-11-13'), date('2024-11-13', '-30 days'), date('2024-11-13', 'start of month'), date('2024-01-31', '+1 month'), date('2024-11-13', 'start of year', '+1 year', '-1 day'), date('2024-11-13', 'weekday 0'), date('2024-02-29', '+1 year'), date('nonsense'), date('2024-11-13 10:30:00', '+14 hours')", false),
    ("SELECT strftime('%Y-%m', '2024-11-13'), strftime('%d/%m/%Y', '2024-11-13'), strftime('%j', '2024-03-01'), strftime('%w', '2024-11-17'), strftime('%W', '2024-01-01'), strftime('%H:%M:%S', '2024-11-13 10:30:15'), strftime('%s', '2024-11-13'), datetime('2024-11-13', '+90 minutes'), time('2024-11-13 01:02:03'), julianday('2024-11-13')", false),
    ("SELECT date('now') = date('now', 'start of day'), date('now', '-30 days') < date('now'), length(date('now'))", false),
    // Scans, filters, ordering, limits
    ("SELECT * FROM fact_campaigns ORDER BY tenant_id, campaign_id, date", true),
    ("SELECT tenant_id, campaign_id, date, spend, revenue, ctr, roi, roas, cpc, cpa, profit, conversion_rate, performance_category, channel FROM fact_campaigns WHERE spend > 5000 ORDER BY date DESC, tenant_id, campaign_id", true),
    ("SELECT campaign_id, date FROM fact_campaigns WHERE region IS NULL OR product IS NULL ORDER BY 1, 2", true),
    ("SELECT campaign_id, region FROM fact_campaigns WHERE region IN ('North', 'South') AND clicks BETWEEN 100 AND 3000 ORDER BY campaign_id, date", false),
    ("SELECT campaign_name FROM fact_campaigns WHERE campaign_name LIKE '%search%' ORDER BY campaign_name LIMIT 5", false),
    ("SELECT tenant_id, campaign_id, date, roi FROM fact_campaigns ORDER BY roi, tenant_id, campaign_id, date", true),
    ("SELECT tenant_id, campaign_id, date, roi FROM fact_campaigns ORDER BY roi DESC, tenant_id, campaign_id, date", true),
    ("SELECT tenant_id, campaign_id, date, region FROM fact_campaigns ORDER BY region NULLS LAST, tenant_id, campaign_id, date", true),
    ("SELECT tenant_id, campaign_id, date, region FROM fact_campaigns ORDER BY region DESC NULLS FIRST, tenant_id, campaign_id, date", true),
    ("SELECT tenant_id, campaign_id, date FROM fact_campaigns ORDER BY date DESC, tenant_id, campaign_id LIMIT 7 OFFSET 3", true),
    ("SELECT tenant_id, campaign_id, date FROM fact_campaigns ORDER BY 3, 1, 2 LIMIT 3, 4", true),
    ("SELECT tenant_id, campaign_id, date FROM fact_campaigns ORDER BY date, tenant_id, campaign_id LIMIT -1 OFFSET 2", true),
    ("SELECT DISTINCT region FROM fact_campaigns ORDER BY region", true),
    ("SELECT DISTINCT tenant_id, channel FROM fact_campaigns ORDER BY 1, 2", true),
    ("SELECT spend * 2 AS double_spend, spend + revenue, revenue - spend, spend / 3, spend * 1.5, impressions * spend FROM fact_campaigns ORDER BY 1, 2, 3", false),
    ("SELECT tenant_id AS t, campaign_id FROM fact_campaigns WHERE t = 'tenant_002' ORDER BY campaign_id, date", false),
    ("SELECT campaign_id, date, impressions FROM fact_campaigns WHERE date >= '2024-11-01' AND date < '2024-11-05' ORDER BY 1, 2", true),
    ("SELECT campaign_id, date FROM fact_campaigns WHERE date = '2024-11-01' OR date = 20241101 ORDER BY 1, 2", true),
    ("SELECT campaign_id, date, impressions FROM fact_campaigns WHERE impressions > '5000' ORDER BY 1, 2", true),
    ("SELECT campaign_id, date FROM fact_campaigns WHERE tenant_id = 1 OR impressions = '1000' ORDER BY 1, 2", true),
    ("SELECT typeof(spend), typeof(impressions), typeof(date), typeof(ctr), typeof(profit) FROM fact_campaigns LIMIT 1", false),
    // Aggregates and grouping
    ("SELECT COUNT(*), COUNT(region), COUNT(DISTINCT region), SUM(impressions), SUM(spend), AVG(spend), MIN(spend), MAX(spend), TOTAL(clicks), AVG(roi), MIN(date), MAX(campaign_name) FROM fact_campaigns", false),
    ("SELECT COUNT(*), SUM(spend), AVG(spend), MIN(region), MAX(region), TOTAL(spend), GROUP_CONCAT(region) FROM fact_campaigns WHERE 1 = 0", false),
    ("SELECT tenant_id, COUNT(*), SUM(spend), SUM(revenue) - SUM(spend), AVG(ctr), MAX(roi) FROM fact_campaigns GROUP BY tenant_id ORDER BY tenant_id", true),
    ("SELECT region, product, COUNT(*) AS n, SUM(conversions) FROM fact_campaigns GROUP BY region, product ORDER BY n DESC, region, product", true),
    ("SELECT region AS r, COUNT(*) FROM fact_campaigns GROUP BY r ORDER BY r", true),
    ("SELECT substr(date, 1, 7) AS month, tenant_id, SUM(revenue) FROM fact_campaigns GROUP BY 1, 2 ORDER BY 1, 2", true),
    ("SELECT strftime('%Y-%m', date) AS month, SUM(revenue) AS revenue FROM fact_campaigns GROUP BY month ORDER BY month", true),
    ("SELECT channel, COUNT(DISTINCT tenant_id), SUM(DISTINCT clicks), AVG(DISTINCT conversions), COUNT(DISTINCT region) FROM fact_campaigns GROUP BY channel ORDER BY channel", true),
    ("SELECT tenant_id, SUM(spend) AS s FROM fact_campaigns GROUP BY tenant_id HAVING SUM(spend) > 100 ORDER BY s DESC, tenant_id", true),
    ("SELECT tenant_id, COUNT(*) FROM fact_campaigns GROUP BY tenant_id HAVING COUNT(*) > 1 AND MAX(roi) > 0 ORDER BY 1", true),
    ("SELECT performance_category, COUNT(*), ROUND(AVG(roi), 4) FROM fact_campaigns GROUP BY performance_category ORDER BY 2 DESC, 1", true),
    ("SELECT tenant_id, GROUP_CONCAT(DISTINCT channel) FROM fact_campaigns WHERE campaign_id = 'c1' GROUP BY tenant_id ORDER BY 1", true),
    ("SELECT COUNT(*) FROM fact_campaigns HAVING COUNT(*) > 0", false),
    ("SELECT CASE WHEN roi > 1 THEN 'high' WHEN roi > 0 THEN 'mid' ELSE 'low' END AS band, COUNT(*) FROM fact_campaigns GROUP BY band ORDER BY band", true),
    ("SELECT tenant_id, SUM(CASE WHEN channel = 'Search' THEN spend ELSE 0 END) AS search_spend, SUM(spend) FROM fact_campaigns GROUP BY 1 ORDER BY 1", true),
    ("SELECT tenant_id, MIN(ctr), MAX(ctr), AVG(cpa), SUM(profit), TOTAL(profit) FROM fact_campaigns GROUP BY tenant_id ORDER BY tenant_id", true),
    ("SELECT region, product, year, SUM(target_revenue), SUM(target_conversions), AVG(target_roi) FROM dim_sales_targets GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", true),
    ("SELECT tenant_id, COUNT(*), SUM(total_spent), SUM(total_orders), AVG(avg_order_value) FROM dim_customers GROUP BY tenant_id ORDER BY 1", true),
    ("SELECT COUNT(*), SUM(total_spent) FROM dim_customers", false),
    // Joins
    ("SELECT f.tenant_id, f.campaign_id, f.date, d.weekday, d.iso_week, d.quarter FROM fact_campaigns f JOIN dim_date d ON d.date = f.date ORDER BY 1, 2, 3", true),
    ("SELECT d.year, d.month, SUM(f.revenue) FROM fact_campaigns f JOIN dim_date d ON f.date = d.date GROUP BY d.year, d.month ORDER BY 1, 2", true),
    ("SELECT t.tenant_id, t.region, t.product, t.year, t.month, t.target_revenue, SUM(f.revenue) AS actual FROM dim_sales_targets t LEFT JOIN fact_campaigns f ON f.tenant_id = t.tenant_id AND f.region = t.region AND f.product = t.product AND CAST(strftime('%Y', f.date) AS INTEGER) = t.year AND CAST(strftime('%m', f.date) AS INTEGER) = t.month GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5", true),
    ("SELECT c.customer_id, c.region, f.campaign_id FROM dim_customers c LEFT JOIN fact_campaigns f ON f.tenant_id = c.tenant_id AND f.region = c.region AND f.spend > 50 ORDER BY 1, 2, 3", false),
    ("SELECT f.campaign_id, f.date, c.customer_id FROM fact_campaigns f, dim_customers c WHERE f.tenant_id = c.tenant_id AND f.region = c.region ORDER BY 1, 2, 3", false),
    ("SELECT a.campaign_id, b.campaign_id FROM fact_campaigns a JOIN fact_campaigns b ON a.tenant_id = b.tenant_id AND a.date = b.date AND a.campaign_id < b.campaign_id ORDER BY 1, 2", false),
    ("SELECT r.region, COUNT(f.campaign_id) FROM dim_region r LEFT JOIN fact_campaigns f ON f.region = r.region GROUP BY r.region ORDER BY 1", true),
    ("SELECT t.tenant_id, ch.channel FROM dim_tenant t CROSS JOIN dim_channel ch ORDER BY 1, 2", true),
    ("SELECT p.product, COUNT(*) FROM dim_product p JOIN dim_customers c ON c.product_preference = p.product GROUP BY 1 ORDER BY 1", true),
    // WHERE conditions on one side of an inner join filter that side before the join.
    ("SELECT c.product_preference, COUNT(*), SUM(f.spend), SUM(c.total_spent) FROM fact_campaigns f JOIN dim_customers c ON c.tenant_id = f.tenant_id AND c.region = f.region AND c.product_preference = f.product WHERE c.total_orders > 3 AND f.clicks > 0 GROUP BY 1 ORDER BY 1", true),
    ("SELECT f.campaign_id, f.date, c.customer_id FROM fact_campaigns f, dim_customers c WHERE c.tenant_id = f.tenant_id AND c.total_orders >= 2 AND f.spend > 1 AND f.region = c.region ORDER BY 1, 2, 3", true),
    ("SELECT f.campaign_id, d.weekday, t.target_revenue FROM fact_campaigns f JOIN dim_date d ON d.date = f.date JOIN dim_sales_targets t ON t.tenant_id = f.tenant_id AND t.region = f.region WHERE d.weekday IN (1, 2, 3) AND t.target_revenue > 100 AND f.revenue > f.spend AND (d.month = t.month OR f.clicks > 100) ORDER BY 1, 2, 3", true),
    ("SELECT c.customer_id, f.campaign_id FROM dim_customers c LEFT JOIN fact_campaigns f ON f.tenant_id = c.tenant_id AND f.region = c.region WHERE f.spend IS NULL OR c.total_orders > 2 ORDER BY 1, 2", true),
    ("SELECT tenant_id, campaign_id, campaign_name, channel FROM dim_campaign ORDER BY 1, 2, 3", false),
    ("SELECT date, year, quarter, month, iso_week, weekday FROM dim_date ORDER BY date", true),
    // Subqueries, CTEs, set operations
    ("SELECT tenant_id, campaign_id, date FROM fact_campaigns WHERE spend > (SELECT AVG(spend) FROM fact_campaigns) ORDER BY 1, 2, 3", true),
    ("SELECT tenant_id, campaign_id, date FROM fact_campaigns f WHERE spend > (SELECT AVG(spend) FROM fact_campaigns g WHERE g.tenant_id = f.tenant_id) ORDER BY 1, 2, 3", true),
    ("SELECT tenant_id, campaign_id, date, (SELECT COUNT(*) FROM fact_campaigns g WHERE g.tenant_id = f.tenant_id AND g.date = f.date) AS same_day FROM fact_campaigns f ORDER BY 1, 2, 3", true),
    ("SELECT tenant_id, campaign_id, date FROM fact_campaigns WHERE region IN (SELECT region FROM dim_sales_targets WHERE target_revenue > 40000) ORDER BY 1, 2, 3", true),
    ("SELECT tenant_id, campaign_id, date FROM fact_campaigns WHERE region NOT IN (SELECT region FROM dim_customers) ORDER BY 1, 2, 3", true),
    ("SELECT tenant_id FROM dim_tenant t WHERE EXISTS (SELECT 1 FROM dim_customers c WHERE c.tenant_id = t.tenant_id) ORDER BY 1", true),
    ("SELECT tenant_id FROM dim_tenant t WHERE NOT EXISTS (SELECT 1 FROM dim_sales_targets s WHERE s.tenant_id = t.tenant_id) ORDER BY 1", true),
    ("SELECT (SELECT MAX(spend) FROM fact_campaigns), (SELECT COUNT(*) FROM dim_sales_targets), (SELECT region FROM fact_campaigns WHERE 1 = 0)", false),
    // Correlated subqueries run once per distinct outer value they read and are
    // remembered by it: several outer columns, a subquery inside a correlated one reading
    // both levels, and outer values equal in SQL but of different types (1 and 1.0).
    ("SELECT tenant_id, campaign_id, date FROM fact_campaigns f WHERE EXISTS (SELECT 1 FROM dim_customers c WHERE c.tenant_id = f.tenant_id AND c.region = f.region AND c.product_preference = f.product AND c.total_orders >= 3) ORDER BY 1, 2, 3", true),
    ("SELECT tenant_id, campaign_id, date, (SELECT COUNT(*) FROM dim_customers c WHERE c.region = f.region AND EXISTS (SELECT 1 FROM dim_sales_targets s WHERE s.tenant_id = c.tenant_id AND s.region = f.region AND s.product = f.product)) AS n FROM fact_campaigns f ORDER BY 1, 2, 3", true),
    ("SELECT x, (SELECT typeof(x) || ':' || x) AS t, (SELECT COUNT(*) FROM fact_campaigns WHERE clicks = x) AS n FROM (SELECT 1 AS x UNION ALL SELECT 1.0 UNION ALL SELECT 1 UNION ALL SELECT '1' UNION ALL SELECT NULL) ORDER BY t", false),
    ("SELECT s.tenant_id, s.total FROM (SELECT tenant_id, SUM(revenue) AS total FROM fact_campaigns GROUP BY tenant_id) AS s WHERE s.total > 10 ORDER BY s.total DESC, 1", true),
    ("SELECT x.r, x.n FROM (SELECT region AS r, COUNT(*) AS n FROM fact_campaigns GROUP BY region) x ORDER BY x.n, x.r", true),
    ("WITH t AS (SELECT tenant_id, SUM(spend) AS spend, SUM(revenue) AS revenue FROM fact_campaigns GROUP BY tenant_id) SELECT tenant_id, (revenue - spend) / spend AS roi FROM t ORDER BY roi DESC, tenant_id", true),
    ("WITH a AS (SELECT tenant_id, region FROM fact_campaigns), b AS (SELECT region, COUNT(*) AS n FROM a GROUP BY region) SELECT * FROM b ORDER BY n DESC, region", true),
    ("WITH m(month, revenue) AS (SELECT substr(date, 1, 7), SUM(revenue) FROM fact_campaigns GROUP BY 1) SELECT month, revenue FROM m WHERE revenue > (SELECT AVG(revenue) FROM m) ORDER BY month", true),
    ("SELECT region FROM fact_campaigns UNION SELECT region FROM dim_customers ORDER BY 1", true),
    ("SELECT region FROM fact_campaigns UNION ALL SELECT region FROM dim_customers ORDER BY 1", true),
    ("SELECT region FROM fact_campaigns INTERSECT SELECT region FROM dim_sales_targets ORDER BY 1", true),
    ("SELECT product FROM dim_sales_targets EXCEPT SELECT product FROM fact_campaigns ORDER BY 1", true),
    ("SELECT tenant_id, 'fact' AS src, COUNT(*) FROM fact_campaigns GROUP BY 1 UNION ALL SELECT tenant_id, 'target', COUNT(*) FROM dim_sales_targets GROUP BY 1 ORDER BY 1, 2", true),
    ("SELECT 1 UNION SELECT 2 UNION SELECT 1 ORDER BY 1 DESC", true),
    ("VALUES (1, 'a'), (2, NULL)", false),
    // Window functions
    ("SELECT tenant_id, campaign_id, date, ROW_NUMBER() OVER (PARTITION BY tenant_id ORDER BY revenue DESC, campaign_id, date) AS rn FROM fact_campaigns ORDER BY tenant_id, rn", true),
    ("SELECT tenant_id, campaign_id, date, RANK() OVER (PARTITION BY tenant_id ORDER BY conversions DESC), DENSE_RANK() OVER (PARTITION BY tenant_id ORDER BY conversions DESC) FROM fact_campaigns ORDER BY 1, 2, 3", true),
    ("SELECT tenant_id, date, campaign_id, SUM(revenue) OVER (PARTITION BY tenant_id ORDER BY date) AS running FROM fact_campaigns ORDER BY 1, 2, 3", true),
    ("SELECT tenant_id, campaign_id, date, AVG(spend) OVER (PARTITION BY tenant_id), COUNT(*) OVER (), MIN(roi) OVER (PARTITION BY region ORDER BY date), MAX(clicks) OVER (ORDER BY tenant_id) FROM fact_campaigns ORDER BY 1, 2, 3", true),
    ("SELECT tenant_id, SUM(revenue) AS r, RANK() OVER (ORDER BY SUM(revenue) DESC) AS pos, SUM(SUM(revenue)) OVER () AS total FROM fact_campaigns GROUP BY tenant_id ORDER BY pos, tenant_id", true),
    ("SELECT * FROM (SELECT tenant_id, campaign_id, date, revenue, ROW_NUMBER() OVER (PARTITION BY tenant_id ORDER BY revenue DESC, campaign_id, date) AS rn FROM fact_campaigns) WHERE rn <= 3 ORDER BY tenant_id, rn", true),
    ("SELECT date, SUM(revenue) AS day_revenue, SUM(SUM(revenue)) OVER (ORDER BY date) AS running_total, COUNT(*) OVER (ORDER BY date) FROM fact_campaigns GROUP BY date ORDER BY date", true),
];

/// Statements that must be refused (both by SQLite and here, or here with a message
/// saying what is not supported).
const REFUSED_HERE: &[&str] = &[
    "INSERT INTO dim_tenant VALUES ('x')",
    "DELETE FROM fact_campaigns",
    "DROP TABLE fact_campaigns",
    "PRAGMA table_info(fact_campaigns)",
    "ATTACH DATABASE 'x.db' AS x",
    "SELECT tenant_id, spend FROM fact_campaigns GROUP BY tenant_id",
    "SELECT SUM(spend) OVER (ORDER BY date ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM fact_campaigns",
    "SELECT LAG(spend) OVER (ORDER BY date) FROM fact_campaigns",
    "SELECT * FROM fact_campaigns RIGHT JOIN dim_date ON fact_campaigns.date = dim_date.date",
    "SELECT * FROM fact_campaigns JOIN dim_date USING (date)",
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) SELECT * FROM n",
    "SELECT region COLLATE NOCASE FROM fact_campaigns",
    "SELECT printf('%d', 1)",
    "SELECT 1 & 3",
    "SELECT * FROM no_such_table",
    "SELECT no_such_column FROM fact_campaigns",
    "SELECT date('now', 'localtime')",
];

fn corpus_on(name: &str, w: &bi_platform::Warehouse) -> Vec<String> {
    let conn = sqlite_of(w);
    let mut failures = Vec::new();
    for (sql, ordered) in CORPUS {
        if let Err(e) = differential(w, &conn, sql, *ordered) {
            failures.push(format!("[{name}] {sql}\n  {e}"));
        }
    }
    failures
}

#[test]
fn the_corpus_answers_as_sqlite_on_the_seed_files() {
    let failures = corpus_on("seed", &seed_warehouse());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_corpus_answers_as_sqlite_with_nulls_ties_and_empty_results() {
    let failures = corpus_on("edge", &edge_warehouse());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_seed_dashboard_queries_run_verbatim_and_agree() {
    let w = seed_warehouse();
    let conn = sqlite_of(&w);
    let text = std::fs::read_to_string(format!("{SEED}/dashboard_queries.sql")).unwrap();
    let statements = split_statements(&text);
    assert_eq!(statements.len(), 3, "the seed file holds three queries");
    for (_, sql) in statements {
        // The first is ordered by date only (ties between campaigns of a day).
        differential(&w, &conn, sql, false).unwrap_or_else(|e| panic!("{sql}\n{e}"));
        let ours = our_rows(&w, &bi_platform::TenantScope::All, sql).unwrap();
        assert!(
            ours.iter()
                .flatten()
                .all(|c| *c != Cell::Text("tenant_002".into())),
            "the seed queries are about tenant_001"
        );
    }
    // The performance query orders by date: the dates come out in SQLite's order.
    let (_, first) = split_statements(&text)[0];
    let dates =
        |rows: Vec<Vec<Cell>>| -> Vec<Cell> { rows.into_iter().map(|r| r[2].clone()).collect() };
    assert_eq!(
        dates(our_rows(&w, &bi_platform::TenantScope::All, first).unwrap()),
        dates(sqlite_rows(&conn, first).unwrap())
    );
}

#[test]
fn unsupported_and_write_statements_are_refused_with_a_reason() {
    let w = edge_warehouse();
    for sql in REFUSED_HERE {
        let e =
            bi_platform::sql::query(w.star(), &bi_platform::TenantScope::All, sql).expect_err(sql);
        assert!(!e.message.is_empty(), "{sql}");
        let lower = e.message.to_lowercase();
        assert!(
            lower.contains("not supported")
                || lower.contains("only read-only")
                || lower.contains("no such")
                || lower.contains("syntax error"),
            "{sql}: {e}"
        );
    }
    // Refused joins are named in SQL's words, not the parser's.
    for (join, name) in [
        ("FULL JOIN", "FULL JOIN"),
        ("FULL OUTER JOIN", "FULL JOIN"),
        ("RIGHT JOIN", "RIGHT JOIN"),
    ] {
        let sql = format!("SELECT 1 FROM fact_campaigns a {join} dim_region b ON 1");
        let e = bi_platform::sql::query(w.star(), &bi_platform::TenantScope::All, &sql)
            .expect_err(&sql);
        assert_eq!(
            e.message,
            format!("not supported: {name} (JOIN, LEFT JOIN and CROSS JOIN are)"),
            "{sql}"
        );
    }
    let e = bi_platform::sql::query(
        w.star(),
        &bi_platform::TenantScope::All,
        "SELECT * FROM fact_campaigns WHERE",
    )
    .unwrap_err();
    assert!(e.line.is_some() && e.column.is_some(), "{e:?}");
}

/// A WHERE condition on one side of an inner join filters that side before the join
/// (the corpus above checks the answers against SQLite); one over both sides stays
/// above it.
#[test]
fn one_sided_where_conditions_filter_their_side_before_the_join() {
    let w = seed_warehouse();
    let text = bi_platform::sql::explain_query(
        w.star(),
        &bi_platform::TenantScope::All,
        "SELECT f.campaign_id, c.customer_id FROM fact_campaigns f JOIN dim_customers c \
         ON c.tenant_id = f.tenant_id WHERE c.total_orders > 3 AND f.clicks > 0 \
         AND f.spend < c.total_spent",
    )
    .unwrap();
    let plan: Vec<&str> = text
        .lines()
        .take_while(|l| !l.starts_with("Ran:"))
        .map(str::trim_end)
        .collect();
    let at = |needle: &str| {
        plan.iter()
            .position(|l| l.trim_start().starts_with(needle))
            .unwrap_or_else(|| panic!("no {needle} in\n{text}"))
    };
    let join = at("Join (hash): tenant_id = tenant_id");
    assert!(at("Filter: (spend < total_spent)") < join, "{text}");
    assert_eq!(
        plan[join + 1].trim_start(),
        "Filter: (clicks > 0)",
        "{text}"
    );
    assert!(
        plan[join + 2]
            .trim_start()
            .starts_with("Scan fact_campaigns"),
        "{text}"
    );
    assert_eq!(
        plan[join + 3].trim_start(),
        "Filter: (total_orders > 3)",
        "{text}"
    );
    assert!(
        plan[join + 4]
            .trim_start()
            .starts_with("Scan dim_customers"),
        "{text}"
    );
}
