//! `bi-platform sql` as a process: the seed's SQL file verbatim, JSON shape, a tenant
//! scope, errors with their position and exit codes (0 all ran, 3 one failed, 1 no file
//! loaded, 2 usage).

// Shares tests/sql_common, built on SQLite (rusqlite), a native dev-dependency:
// `wasm-pack test` builds every test target for wasm32, where this module is empty.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::Value as Json;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_bi-platform");
const SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/seed-data");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn json(o: &Output) -> Json {
    serde_json::from_slice(&o.stdout).expect("stdout is one JSON value")
}

fn campaigns() -> String {
    format!("{SEED}/marketing_campaigns.csv")
}

#[test]
fn the_seed_queries_run_verbatim_as_json() {
    let file = format!("{SEED}/dashboard_queries.sql");
    let o = run(&[
        "sql",
        "--json",
        "-f",
        &file,
        &campaigns(),
        &format!("{SEED}/sales_targets.xlsx"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = json(&o);
    let results = out.as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["rows"].as_array().unwrap().len(), 100);
    assert_eq!(results[1]["columns"][1], "1_Impressions");
    assert_eq!(results[1]["rows"][0][0], "tenant_001");
}

#[test]
fn a_tenant_scope_hides_the_other_tenants() {
    let o = run(&[
        "sql",
        "--json",
        "--tenant",
        "tenant_002",
        "-e",
        "SELECT tenant_id, COUNT(*) FROM fact_campaigns GROUP BY 1; SELECT COUNT(*) FROM dim_tenant",
        &campaigns(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let out = json(&o);
    assert_eq!(out[0]["rows"], serde_json::json!([["tenant_002", 100]]));
    assert_eq!(out[1]["rows"], serde_json::json!([[1]]));
}

#[test]
fn errors_name_their_position_and_the_other_statements_still_run() {
    let o = run(&[
        "sql",
        "--json",
        "-e",
        "SELECT 1;\nSELECT * FROM nowhere;\nSELECT FROM WHERE",
        &campaigns(),
    ]);
    assert_eq!(o.status.code(), Some(3));
    let out = json(&o);
    assert_eq!(out[0]["rows"], serde_json::json!([[1]]));
    assert!(out[1]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no such table"));
    assert_eq!(out[2]["error"]["line"], 3);
    // Tables without --json; errors on stderr.
    let o = run(&[
        "sql",
        "SELECT tenant_id, SUM(spend) FROM fact_campaigns GROUP BY 1",
        &campaigns(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("tenant_003") && text.contains("(3 rows)"),
        "{text}"
    );
}

#[test]
fn exit_codes_for_usage_and_unloadable_files() {
    assert_eq!(run(&["sql"]).status.code(), Some(2));
    assert_eq!(run(&["sql", "SELECT 1"]).status.code(), Some(2));
    assert_eq!(
        run(&["sql", "SELECT 1", "/nonexistent.csv"]).status.code(),
        Some(1)
    );
    let o = run(&["sql", "--schema", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let schema = json(&o);
    assert_eq!(schema["tables"][0]["name"], "fact_campaigns");
    assert_eq!(schema["tables"][0]["columns"][7]["type"], "REAL");
}

/// The table output formats each cell by its column's type (from the plan and the
/// values, not the column's name): money with two decimals and separators, ratios as
/// percentages, years as they are, counts with separators. Checked against the same
/// query's JSON numbers.
#[test]
fn table_output_formats_by_column_type() {
    let query = "SELECT d.year AS y, f.tenant_id AS who, SUM(f.spend) AS s, AVG(f.roi) AS r, \
                 SUM(f.impressions) AS n FROM fact_campaigns f JOIN dim_date d ON d.date = f.date \
                 GROUP BY 1, 2 ORDER BY 2 LIMIT 1";
    let o = run(&["sql", "--json", query, &campaigns()]);
    assert_eq!(o.status.code(), Some(0));
    let row = json(&o)[0]["rows"][0].clone();
    let o = run(&["sql", query, &campaigns()]);
    let text = String::from_utf8(o.stdout).unwrap();
    let line = text.lines().nth(2).expect("a data row");
    let cells: Vec<&str> = line.split_whitespace().collect();
    let year = row[0].as_i64().unwrap();
    assert_eq!(
        cells[0],
        year.to_string(),
        "a year has no separator: {line}"
    );
    assert_eq!(cells[1], row[1].as_str().unwrap());
    let group = |n: u64| {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(ch);
        }
        out
    };
    let spend = row[2].as_f64().unwrap();
    let cents = (spend * 100.0).round() as u64;
    assert_eq!(
        cells[2],
        format!("{}.{:02}", group(cents / 100), cents % 100)
    );
    assert_eq!(
        cells[3],
        format!("{:.2}%", row[3].as_f64().unwrap() * 100.0)
    );
    assert_eq!(cells[4], group(row[4].as_u64().unwrap()));
}

/// The page offers the seed's queries as examples from its own copy
/// (`www/examples/dashboard_queries.sql`): the seed's file, byte for byte.
#[test]
fn the_pages_copy_of_the_seed_queries_is_verbatim() {
    let seed = std::fs::read(format!("{SEED}/dashboard_queries.sql")).expect("the seed's SQL");
    let copy = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../www/examples/dashboard_queries.sql"
    ))
    .expect("the page's copy");
    assert_eq!(seed, copy);
}

/// The plan section of an EXPLAIN text: from `Output:` up to what follows the plan.
fn plan_lines(text: &str) -> Vec<&str> {
    text.lines()
        .skip_while(|l| !l.starts_with("Output: "))
        .take_while(|l| !l.starts_with("Ran:") && !l.starts_with("Runs as:"))
        .collect()
}

#[test]
fn explain_prints_one_plan_for_a_dashboard_and_its_sql() {
    for dashboard in bi_platform::Dashboard::ALL {
        let o = run(&[
            "report",
            "--explain",
            dashboard.name(),
            "--tenant",
            "tenant_001",
            &campaigns(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let report = String::from_utf8(o.stdout).unwrap();
        assert!(
            report.starts_with(&format!(
                "Dashboard: {}\nScope: tenants tenant_001\n",
                dashboard.name()
            )),
            "{report}"
        );
        let o = run(&[
            "sql",
            "--explain",
            "--tenant",
            "tenant_001",
            "-e",
            dashboard.sql(),
            &campaigns(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let sql = String::from_utf8(o.stdout).unwrap();
        let plan = plan_lines(&report);
        assert!(plan.len() >= 3, "{report}");
        assert_eq!(plan, plan_lines(&sql), "{}", dashboard.name());
        // The SQL side ran: each operator with its path and rows.
        let ran = sql.split("Ran:\n").nth(1).expect("a Ran section");
        assert!(
            ran.lines()
                .any(|l| l.trim_start().starts_with("Scan") && l.ends_with("rows")),
            "{sql}"
        );
    }
}

#[test]
fn explain_names_an_unknown_dashboard_and_needs_no_data() {
    let o = run(&["report", "--explain", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("campaign_summary"));
    let o = run(&["sql", "--explain", "-e", "SELECT COUNT(*) FROM dim_tenant"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("Scan dim_tenant"), "{text}");
    assert!(
        text.contains("Aggregate [group index by dense codes, typed accumulators]: 1 row"),
        "{text}"
    );
}

/// Issue 26: the cross join of the seed's 300 rows with itself, three times. Its count
/// streams (27 million, as SQLite answers, in a few MiB), a LIMIT over it stops early,
/// and its rows ordered need more than the budget: a clear error, exit 3, the process
/// never near the budget, and the next statement of the same run answers.
#[test]
fn a_cross_join_is_counted_limited_or_refused_within_the_budget() {
    let cross = "FROM fact_campaigns a, fact_campaigns b, fact_campaigns c";
    let o = run(&[
        "sql",
        "--json",
        "--memory-budget",
        "64",
        "-e",
        &format!("SELECT COUNT(*) {cross}"),
        "-e",
        &format!("SELECT a.campaign_id, c.campaign_id {cross} LIMIT 5"),
        "-e",
        &format!("SELECT a.campaign_name, b.campaign_name, c.campaign_name {cross} ORDER BY 1"),
        "-e",
        "SELECT COUNT(*) FROM fact_campaigns",
        &campaigns(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = json(&o);
    let results = out.as_array().unwrap();
    assert_eq!(results[0]["rows"], serde_json::json!([[27_000_000]]));
    assert_eq!(results[1]["rows"].as_array().unwrap().len(), 5);
    let message = results[2]["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("this query needs more than ")
            && message.contains("MiB; add a filter or a LIMIT"),
        "{message}"
    );
    assert_eq!(results[3]["rows"], serde_json::json!([[300]]));
}

#[test]
fn a_memory_budget_that_is_not_a_number_is_a_usage_error() {
    let o = run(&["sql", "--memory-budget", "lots", "SELECT 1", &campaigns()]);
    assert_eq!(o.status.code(), Some(2));
}
