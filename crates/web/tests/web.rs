//! Browser tests of the wasm API (`wasm-pack test --headless --chrome --test web`): what
//! only a browser shows — JS values in and out, streaming, and drawing into a canvas.
#![cfg(target_arch = "wasm32")]

use bi_platform::generate::{sample_files, SampleSpec};
use bi_platform_web::{
    dashboards, draw_chart, generate_sample, parse_piece, peek_file, table_shapes, Warehouse,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const DASHBOARDS: [&str; 7] = [
    "campaign_summary",
    "daily_performance",
    "conversion_funnel",
    "campaign_performance",
    "channel_mix",
    "target_vs_actual",
    "customer_summary",
];

fn json(value: &JsValue) -> serde_json::Value {
    let text: String = js_sys::JSON::stringify(value).unwrap().into();
    serde_json::from_str(&text).unwrap()
}

fn js(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap()
}

fn sample() -> Vec<u8> {
    let spec = SampleSpec {
        tenants: 4,
        campaigns_per_tenant: 250,
        ..SampleSpec::default()
    };
    sample_files(&spec).unwrap().campaigns_csv
}

/// Every dashboard and chart of a warehouse, as JSON text, for comparing warehouses.
fn everything(w: &Warehouse) -> String {
    let mut out = String::new();
    for name in DASHBOARDS {
        out.push_str(&json(&w.dashboard(name, JsValue::UNDEFINED).unwrap()).to_string());
    }
    out.push_str(&json(&w.charts(JsValue::NULL).unwrap()).to_string());
    out
}

#[wasm_bindgen_test]
fn load_returns_the_spec_report_as_plain_objects() {
    let mut w = Warehouse::new();
    let reports = json(&w.load("campaigns.csv", &sample()).unwrap());
    let report = &reports[0];
    assert_eq!(report["file"], "campaigns.csv");
    assert_eq!(report["table"], "fact_campaigns");
    assert_eq!(report["rows_read"], 1000);
    assert_eq!(report["rows_loaded"], 1000);
    assert!(report["warnings"].is_object());
    let tenants = json(&w.tenants().unwrap());
    assert_eq!(tenants.as_array().unwrap().len(), 4);
}

#[wasm_bindgen_test]
fn streaming_in_chunks_of_any_size_equals_loading_whole() {
    let bytes = sample();
    let mut whole = Warehouse::new();
    let expected_report = json(&whole.load("c.csv", &bytes).unwrap());
    let expected = everything(&whole);
    for size in [1usize, 7, 4096, 1 << 20] {
        let mut w = Warehouse::new();
        w.begin("c.csv", bytes.len() as f64, None, None);
        let mut last = serde_json::Value::Null;
        for chunk in bytes.chunks(size) {
            last = json(&w.push(chunk).unwrap());
        }
        assert_eq!(last["bytes"], bytes.len() as u64, "chunk size {size}");
        assert_eq!(last["total"], bytes.len() as f64);
        assert_eq!(
            json(&w.finish().unwrap()),
            expected_report,
            "chunk size {size}"
        );
        assert_eq!(everything(&w), expected, "chunk size {size}");
    }
}

/// The page's parsing workers through the binding: each run `push` hands out is read
/// piece by piece with `parsePiece` (as a worker with its own instance would) and given
/// back with `absorbWork`, at once or a push later (the page's pipeline, where one
/// worker reads while the engine commits); the load equals one worker's.
#[wasm_bindgen_test]
fn runs_handed_to_parsing_workers_load_what_one_worker_loads() {
    let mut csv =
        String::from("tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n");
    for i in 0..20_000 {
        csv.push_str(&format!(
            "t{},c{i},2024-11-{:02},100,10,1,1.00,2.00\n",
            i % 3,
            i % 28 + 1
        ));
    }
    let bytes = csv.as_bytes();
    let mut one = Warehouse::new();
    let expected_report = json(&one.load("c.csv", bytes).unwrap());
    let expected = everything(&one);
    for (workers, lag) in [(3, 0), (1, 1)] {
        let mut w = Warehouse::new();
        w.begin("c.csv", bytes.len() as f64, Some(workers), None);
        let mut handed = 0;
        let mut waiting = std::collections::VecDeque::new();
        for chunk in bytes.chunks(400_000) {
            let progress = json(&w.push(chunk).unwrap());
            if progress["work"] == true {
                handed += 1;
                let work = w.work().unwrap();
                let get = |key: &str| js_sys::Reflect::get(&work, &key.into()).unwrap();
                let spec: js_sys::Uint8Array = get("spec").into();
                let pieces: js_sys::Array = get("pieces").into();
                assert_eq!(pieces.length(), workers, "a piece per worker");
                let answers: Vec<js_sys::Uint8Array> = pieces
                    .iter()
                    .enumerate()
                    .map(|(i, piece)| {
                        let piece: js_sys::Uint8Array = piece.into();
                        let answer = parse_piece(&spec.to_vec(), i, &piece.to_vec());
                        js_sys::Uint8Array::from(&answer[..])
                    })
                    .collect();
                waiting.push_back((get("run").as_f64().unwrap(), answers));
            }
            while waiting.len() > lag {
                let (run, answers) = waiting.pop_front().unwrap();
                assert!(w.absorb_work(run, answers).unwrap(), "the answers are used");
                assert!(json(&w.progress().unwrap())["elsewhere"].as_u64().unwrap() > 0);
            }
        }
        for (run, answers) in waiting {
            assert!(w.absorb_work(run, answers).unwrap(), "the answers are used");
        }
        assert!(handed > 0, "a 900 KB file in 400 KB chunks hands runs out");
        assert_eq!(json(&w.finish().unwrap()), expected_report);
        assert_eq!(everything(&w), expected);
    }
}

#[wasm_bindgen_test]
fn cancel_drops_the_stream_and_keeps_the_data() {
    let bytes = sample();
    let mut w = Warehouse::new();
    w.load("c.csv", &bytes).unwrap();
    let before = everything(&w);
    w.begin("other.csv", 10.0, None, None);
    w.push(b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\nz,c,2024-01-01,1,1,1,1,1\n")
        .unwrap();
    w.cancel();
    assert!(w.finish().is_err());
    assert_eq!(everything(&w), before);
}

/// A file long enough to be committed in parts while it streams: its rows show before
/// it ends, and a cancel (here after `end`, the last moment) rolls them back.
#[wasm_bindgen_test]
fn a_file_committed_in_parts_is_rolled_back_by_cancel() {
    let mut w = Warehouse::new();
    w.load("c.csv", &sample()).unwrap();
    let before = everything(&w);
    let rows = bi_platform::ingest::PART_ROWS as usize + 1000;
    let mut csv =
        String::from("tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n");
    for i in 0..rows {
        csv.push_str(&format!("tenant_001,x{i},2024-11-01,100,10,1,1.00,2.00\n"));
    }
    w.begin("parts.csv", csv.len() as f64, None, None);
    for chunk in csv.as_bytes().chunks(4 << 20) {
        w.push(chunk).unwrap();
    }
    assert_ne!(
        everything(&w),
        before,
        "a part was committed while the file streamed"
    );
    assert!(w.is_loading(), "the page keeps no snapshot now");
    w.end().unwrap();
    assert!(w.is_loading());
    w.cancel();
    assert!(!w.is_loading());
    assert_eq!(everything(&w), before);
    // Committed, the file is in whole and the page may keep it.
    w.begin("parts.csv", csv.len() as f64, None, None);
    for chunk in csv.as_bytes().chunks(4 << 20) {
        w.push(chunk).unwrap();
    }
    let reports = json(&w.finish().unwrap());
    assert_eq!(reports[0]["rows_loaded"], rows as u64);
    assert!(!w.is_loading());
}

#[wasm_bindgen_test]
fn dashboards_under_a_tenant_scope_hold_only_that_tenant() {
    let mut w = Warehouse::new();
    w.load("c.csv", &sample()).unwrap();
    let query = r#"{"tenants": ["tenant_002"], "regions": [], "from": null}"#;
    for name in DASHBOARDS {
        let result = json(&w.dashboard(name, js(query)).unwrap());
        for row in result["rows"].as_array().unwrap() {
            assert_eq!(row[0], "tenant_002", "{name}");
        }
    }
    let charts = json(&w.charts(js(query)).unwrap()).to_string();
    assert!(!charts.contains("tenant_001") && !charts.contains("tenant_003"));
    let paged = json(
        &w.dashboard("campaign_performance", js(r#"{"offset": 10, "limit": 5}"#))
            .unwrap(),
    );
    assert_eq!(paged["rows"].as_array().unwrap().len(), 5);
    assert_eq!(paged["total_rows"], 1000);
    let csv = w.export_csv("campaign_summary", js(query)).unwrap();
    assert_eq!(csv.lines().count(), 2);
}

/// The view sends each table sorted and paged as the page asks (`page.tables`), and
/// `table` gives the same page alone (the table's sort and pager buttons).
#[wasm_bindgen_test]
fn a_view_sends_a_page_of_each_table_and_table_sorts_one() {
    let mut w = Warehouse::new();
    w.load("c.csv", &sample()).unwrap();
    let whole = json(&w.dashboard("daily_performance", JsValue::NULL).unwrap());
    let total = whole["rows"].as_array().unwrap().len();
    assert!(total > 20);
    let page = r#"{"offset": 0, "limit": 10, "tables": {"daily_performance":
        {"offset": 5, "limit": 10, "sort": "revenue", "descending": true}}}"#;
    let view = json(&w.view(JsValue::NULL, js(page)).unwrap());
    let shown = &view["tables"]["daily_performance"];
    assert_eq!(shown["total_rows"], total);
    let mut sorted = whole["rows"].as_array().unwrap().clone();
    sorted.sort_by(|a, b| b[3].as_f64().unwrap().total_cmp(&a[3].as_f64().unwrap()));
    let revenue = |rows: &[serde_json::Value]| -> Vec<f64> {
        rows.iter().map(|r| r[3].as_f64().unwrap()).collect()
    };
    assert_eq!(
        revenue(shown["rows"].as_array().unwrap()),
        revenue(&sorted[5..15])
    );
    // Tables not named are whole; campaign_performance is paged by offset and limit.
    assert!(view["tables"]["campaign_summary"]
        .get("total_rows")
        .is_none());
    assert_eq!(
        view["tables"]["campaign_performance"]["rows"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
    let alone = json(
        &w.table(
            "daily_performance",
            JsValue::NULL,
            js(r#"{"offset": 5, "limit": 10, "sort": "revenue", "descending": true}"#),
        )
        .unwrap(),
    );
    assert_eq!(&alone, shown);
    // The same view again is the one kept; after a load it is computed anew.
    assert_eq!(json(&w.view(JsValue::NULL, js(page)).unwrap()), view);
    w.load(
        "more.csv",
        b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
          tenant_new,c1,2023-01-01,10,1,0,1.00,2.00\n",
    )
    .unwrap();
    let after = json(&w.view(JsValue::NULL, js(page)).unwrap());
    assert_eq!(
        after["tables"]["daily_performance"]["total_rows"],
        total + 1
    );
    let error = w
        .table(
            "daily_performance",
            JsValue::NULL,
            js(r#"{"sort": "nope"}"#),
        )
        .unwrap_err();
    let message = String::from(error.dyn_into::<js_sys::Error>().unwrap().message());
    assert!(
        message.contains("'nope' is not a column of daily_performance"),
        "{message}"
    );
}

#[wasm_bindgen_test]
fn errors_are_js_errors_with_a_message() {
    let w = Warehouse::new();
    let error = w.dashboard("nope", JsValue::NULL).unwrap_err();
    let error: js_sys::Error = error.dyn_into().unwrap();
    assert!(String::from(error.message()).contains("unknown dashboard"));
    let error = w
        .dashboard("campaign_summary", js(r#"{"from": "yesterday"}"#))
        .unwrap_err();
    let message = String::from(error.dyn_into::<js_sys::Error>().unwrap().message());
    assert!(message.contains("yesterday"), "{message}");
    // A misspelt filter is an error, never silently "every tenant".
    let error = w
        .dashboard("campaign_summary", js(r#"{"tenant": "t1"}"#))
        .unwrap_err();
    let message = String::from(error.dyn_into::<js_sys::Error>().unwrap().message());
    assert!(message.contains("unknown field"), "{message}");
    let mut w = Warehouse::new();
    assert!(w.push(b"x").is_err());
}

#[wasm_bindgen_test]
fn the_page_learns_dashboards_and_file_shapes_from_the_engine() {
    assert_eq!(json(&dashboards().unwrap()), serde_json::json!(DASHBOARDS));
    let shapes = json(&table_shapes().unwrap());
    let tables: Vec<&str> = shapes
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["table"].as_str().unwrap())
        .collect();
    assert_eq!(
        tables,
        ["fact_campaigns", "dim_sales_targets", "dim_customers"]
    );
    assert_eq!(shapes[1]["label"], "Sales targets");
    assert_eq!(shapes[0]["required"][0], "tenant_id");
    assert!(shapes[0]["optional"]
        .as_array()
        .unwrap()
        .contains(&"campaign_name".into()));
}

#[wasm_bindgen_test]
fn charts_carry_their_summary_to_js() {
    let mut w = Warehouse::new();
    w.load("c.csv", &sample()).unwrap();
    let charts = json(&w.charts(JsValue::NULL).unwrap());
    for chart in charts.as_array().unwrap() {
        let summary = chart["summary"].as_str().unwrap();
        assert!(summary.len() > 10, "{}: {summary}", chart["id"]);
    }
    assert!(charts[0]["summary"]
        .as_str()
        .unwrap()
        .starts_with("Revenue peaked at $"));
}

#[wasm_bindgen_test]
fn generate_sample_returns_three_files_as_bytes() {
    let out =
        generate_sample(js(r#"{"tenants": 2, "campaignsPerTenant": 10, "seed": 7}"#)).unwrap();
    let files: js_sys::Array = js_sys::Reflect::get(&out, &"files".into()).unwrap().into();
    assert_eq!(files.length(), 3);
    // The wasm engine has no workbook writer: the targets come as CSV.
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            js_sys::Reflect::get(&f, &"name".into())
                .unwrap()
                .as_string()
                .unwrap()
        })
        .collect();
    assert_eq!(
        names,
        [
            "marketing_campaigns.csv",
            "sales_targets.csv",
            "customers.json"
        ]
    );
    let mut w = Warehouse::new();
    for file in files.iter() {
        let name: String = js_sys::Reflect::get(&file, &"name".into())
            .unwrap()
            .as_string()
            .unwrap();
        let bytes: js_sys::Uint8Array =
            js_sys::Reflect::get(&file, &"bytes".into()).unwrap().into();
        let report = json(&w.load(&name, &bytes.to_vec()).unwrap());
        assert_eq!(report[0]["rows_rejected"], 0, "{name}");
    }
    assert!(generate_sample(js(r#"{"tenant": 2}"#)).is_err());
    assert!(generate_sample(js(r#"{"tenants": "two"}"#)).is_err());
}

fn ink(canvas: &web_sys::HtmlCanvasElement) -> usize {
    let context: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    let (w, h) = (canvas.width(), canvas.height());
    let data = context
        .get_image_data(0.0, 0.0, f64::from(w), f64::from(h))
        .unwrap()
        .data();
    data.chunks(4)
        .filter(|p| p[3] > 0 && (p[0] < 200 || p[1] < 200 || p[2] < 200))
        .count()
}

#[wasm_bindgen_test]
fn draw_chart_paints_every_chart_into_a_canvas() {
    let mut w = Warehouse::new();
    w.load("c.csv", &sample()).unwrap();
    let document = web_sys::window().unwrap().document().unwrap();
    let charts: js_sys::Array = w.charts(JsValue::NULL).unwrap().into();
    assert_eq!(charts.length(), 7);
    for chart in charts.iter() {
        let canvas: web_sys::HtmlCanvasElement = document
            .create_element("canvas")
            .unwrap()
            .dyn_into()
            .unwrap();
        canvas.set_width(640);
        canvas.set_height(360);
        assert_eq!(ink(&canvas), 0);
        draw_chart(canvas.clone(), chart.clone(), 2.0).unwrap();
        let painted = ink(&canvas);
        let id = js_sys::Reflect::get(&chart, &"id".into()).unwrap();
        assert!(painted > 640 * 360 / 100, "{id:?} painted {painted} pixels");
    }
    let canvas: web_sys::HtmlCanvasElement = document
        .create_element("canvas")
        .unwrap()
        .dyn_into()
        .unwrap();
    assert!(draw_chart(canvas, js(r#"{"id": 1}"#), 1.0).is_err());
}

/// Numbers equal to 1e-9 relative (SQL's AVG and a kernel's may round differently in
/// the last bits), everything else exactly.
fn same_json(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (a, b) {
        (J::Number(x), J::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs())
        }
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        _ => a == b,
    }
}

/// What the page does: the parser module (`bi_platform_web_sql::parse`, crates/web-sql) compiles a text into
/// plans as JSON text, the engine (`Warehouse::sql_run`) runs them.
fn sql_run(w: &Warehouse, text: &str, query: &str) -> Vec<serde_json::Value> {
    let schema = json(&w.sql_schema().unwrap()).to_string();
    let compiled: Vec<serde_json::Value> =
        serde_json::from_str(&bi_platform_web_sql::parse(text, &schema).unwrap()).unwrap();
    compiled
        .iter()
        .map(|c| match c["statement"].as_str() {
            Some(plan) => json(&w.sql_run(plan, js(query), Some(1.7e12)).unwrap()),
            None => c.clone(),
        })
        .collect()
}

#[wasm_bindgen_test]
fn sql_run_of_each_dashboards_plan_equals_the_dashboard() {
    let mut w = Warehouse::new();
    w.load("campaigns.csv", &sample()).unwrap();
    let files = sample_files(&SampleSpec {
        tenants: 4,
        campaigns_per_tenant: 250,
        ..SampleSpec::default()
    })
    .unwrap();
    w.load("targets.csv", &files.targets_csv).unwrap();
    w.load("customers.json", &files.customers_json).unwrap();
    let mut scopes = vec![r#"{"tenants":"all"}"#.to_string()];
    for t in json(&w.tenants().unwrap()).as_array().unwrap() {
        scopes.push(format!(r#"{{"tenants":[{t}]}}"#));
    }
    let listed = json(&bi_platform_web::dashboard_sql().unwrap());
    assert_eq!(listed.as_array().unwrap().len(), DASHBOARDS.len());
    for item in listed.as_array().unwrap() {
        let name = item["name"].as_str().unwrap();
        for scope in &scopes {
            let results = sql_run(&w, item["sql"].as_str().unwrap(), scope);
            assert_eq!(results.len(), 1);
            let ours = &results[0];
            let theirs = json(&w.dashboard(name, js(scope)).unwrap());
            assert!(
                !theirs["rows"].as_array().unwrap().is_empty(),
                "{name} {scope}"
            );
            assert_eq!(ours["columns"], theirs["columns"], "{name} {scope}");
            assert!(
                same_json(&ours["rows"], &theirs["rows"]),
                "{name} {scope}: {} != {}",
                ours["rows"],
                theirs["rows"]
            );
            assert_eq!(
                ours["kinds"].as_array().unwrap().len(),
                ours["columns"].as_array().unwrap().len()
            );
        }
    }
}

#[wasm_bindgen_test]
fn sql_in_the_browser_keeps_to_the_scope_and_says_where_errors_are() {
    let mut w = Warehouse::new();
    w.load("campaigns.csv", &sample()).unwrap();
    let tenants = json(&w.tenants().unwrap());
    let one = tenants[1].as_str().unwrap().to_string();
    let scope = format!(r#"{{"tenants":["{one}"]}}"#);
    let results = sql_run(
        &w,
        "SELECT DISTINCT tenant_id FROM fact_campaigns UNION SELECT tenant_id FROM dim_tenant;\n\
         SELECT COUNT(*) FROM fact_campaigns WHERE tenant_id <> (SELECT MIN(tenant_id) FROM dim_tenant);\n\
         SELECT date('now');\n\
         SELECT\n  SUM(revenue FROM fact_campaigns",
        &scope,
    );
    assert_eq!(results[0]["rows"], serde_json::json!([[one]]));
    assert_eq!(results[1]["rows"], serde_json::json!([[0]]));
    // 'now' is the time the page passes.
    assert_eq!(results[2]["rows"], serde_json::json!([["2023-11-14"]]));
    assert_eq!(results[2]["kinds"], serde_json::json!(["text"]));
    let error = &results[3]["error"];
    assert_eq!(error["line"], 5, "{error}");
    assert!(error["column"].as_u64().unwrap() > 1, "{error}");
    // SQL takes only the tenant scope: other filters are refused, not ignored.
    let plan = serde_json::from_str::<Vec<serde_json::Value>>(
        &bi_platform_web_sql::parse("SELECT 1", &json(&w.sql_schema().unwrap()).to_string())
            .unwrap(),
    )
    .unwrap()[0]["statement"]
        .as_str()
        .unwrap()
        .to_string();
    let refused = w
        .sql_run(&plan, js(r#"{"regions":["North"]}"#), None)
        .unwrap_err();
    let message: String = refused.unchecked_into::<js_sys::Error>().message().into();
    assert!(message.contains("WHERE"), "{message}");
    // CSV of a result: every row.
    let csv = w.sql_csv(&plan, js(r#"{"tenants":"all"}"#), None).unwrap();
    assert_eq!(csv, "1\r\n1\r\n");
}

/// JSON text as the page used to receive it (`JSON.parse`), written out again: equal
/// texts mean equal values, every double to the bit.
fn as_parsed(text: &str) -> String {
    js_sys::JSON::stringify(&js(text)).unwrap().into()
}

fn stringify(value: &JsValue) -> String {
    js_sys::JSON::stringify(value).unwrap().into()
}

#[wasm_bindgen_test]
fn rows_sent_a_column_at_a_time_equal_rows_sent_as_json() {
    // Every dashboard, paged and not, all tenants and one, over generated files with
    // targets and customers, against the engine's own result written as JSON.
    let files = sample_files(&SampleSpec {
        tenants: 5,
        campaigns_per_tenant: 120,
        ..SampleSpec::default()
    })
    .unwrap();
    let mut w = Warehouse::new();
    let mut native = bi_platform::Warehouse::new();
    for (name, bytes) in [
        ("campaigns.csv", &files.campaigns_csv),
        ("sales_targets.csv", &files.targets_csv),
        ("customers.json", &files.customers_json),
    ] {
        w.load(name, bytes).unwrap();
        native.load(name, bytes);
    }
    let tenant = native.tenants()[1].to_string();
    for name in DASHBOARDS {
        let dashboard = bi_platform::Dashboard::from_name(name).unwrap();
        for query in [
            "{}".to_string(),
            format!(r#"{{"tenants":["{tenant}"]}}"#),
            r#"{"offset":3,"limit":7}"#.to_string(),
        ] {
            let sent = w.dashboard(name, js(&query)).unwrap();
            let expected = native
                .dashboard(dashboard, &serde_json::from_str(&query).unwrap())
                .unwrap();
            assert!(!expected.rows.is_empty(), "{name} {query}");
            assert_eq!(
                stringify(&sent),
                as_parsed(&serde_json::to_string(&expected).unwrap()),
                "{name} {query}"
            );
        }
    }

    // SQL: nulls in text and number columns, dates, a float column with NaN and
    // infinities (written as null), and a column mixing numbers and text (sent as JSON).
    let schema = json(&w.sql_schema().unwrap()).to_string();
    for text in [
        "SELECT tenant_id, date, NULLIF(region, 'North') AS region, \
         NULLIF(spend, 0) AS spend, clicks * 1.0 / NULLIF(impressions, 0) AS ctr \
         FROM fact_campaigns ORDER BY date, tenant_id, campaign_id LIMIT 500",
        "SELECT CASE WHEN clicks > 50 THEN 'many' ELSE clicks END AS clicks FROM fact_campaigns",
        "SELECT 1.0 / 0 AS a, -1.0 / 0 AS b, 0.0 / 0 AS c, -0.0 AS d, 9007199254740993 AS e",
        "SELECT tenant_id FROM fact_campaigns WHERE 1 = 0",
    ] {
        let compiled: Vec<serde_json::Value> =
            serde_json::from_str(&bi_platform_web_sql::parse(text, &schema).unwrap()).unwrap();
        let plan = compiled[0]["statement"]
            .as_str()
            .unwrap_or_else(|| panic!("{text}: {compiled:?}"));
        let sent = w.sql_run(plan, js("{}"), Some(1.7e12)).unwrap();
        let statement: bi_platform::sql::Statement = serde_json::from_str(plan).unwrap();
        let expected = bi_platform::sql::run(
            native.star(),
            &bi_platform::TenantScope::All,
            &statement,
            &bi_platform::sql::Options {
                now_ms: Some(1_700_000_000_000),
                memory_budget: None,
                general_only: false,
            },
        )
        .unwrap();
        let sent_rows = js_sys::Reflect::get(&sent, &JsValue::from_str("rows")).unwrap();
        assert_eq!(
            stringify(&sent_rows),
            as_parsed(&serde_json::to_string(&serde_json::json!(expected)["rows"]).unwrap()),
            "{text}"
        );
    }
}

/// The SQL tab's way: each statement kept in the engine, then its rows sorted (SQLite's
/// order: NULLs first ascending, last descending; ties in the statement's order) and
/// paged there, and exported from what is kept.
#[wasm_bindgen_test]
fn kept_sql_results_are_sorted_and_paged_by_the_engine() {
    let mut w = Warehouse::new();
    w.load("campaigns.csv", &sample()).unwrap();
    let schema = json(&w.sql_schema().unwrap()).to_string();
    let text = "SELECT campaign_id, NULLIF(clicks % 3, 0) AS k FROM fact_campaigns \
                WHERE tenant_id = 'tenant_001' ORDER BY campaign_id";
    let compiled: Vec<serde_json::Value> =
        serde_json::from_str(&bi_platform_web_sql::parse(text, &schema).unwrap()).unwrap();
    let plan = compiled[0]["statement"].as_str().unwrap();
    let all = json(&w.sql_run(plan, js("{}"), None).unwrap());
    let rows = all["rows"].as_array().unwrap().clone();
    w.sql_forget();
    let first = json(
        &w.sql_keep(0, plan, js("{}"), None, js(r#"{"limit": 10}"#))
            .unwrap(),
    );
    assert_eq!(first["index"], 0);
    assert_eq!(first["columns"], all["columns"]);
    assert_eq!(first["types"], all["types"]);
    assert_eq!(first["total_rows"], rows.len());
    assert_eq!(first["rows"].as_array().unwrap()[..], rows[..10]);

    // By k, then by k descending: each a stable sort of the statement's rows.
    let key = |r: &serde_json::Value| r[1].as_f64();
    for descending in [false, true] {
        let mut expected = rows.clone();
        expected.sort_by(|a, b| {
            let order = key(a).partial_cmp(&key(b)).unwrap();
            if descending {
                order.reverse()
            } else {
                order
            }
        });
        let page =
            format!(r#"{{"offset": 40, "limit": 30, "sort": 1, "descending": {descending}}}"#);
        let got = json(&w.sql_kept_page(0, js(&page)).unwrap());
        assert_eq!(got["offset"], 40);
        assert_eq!(got["rows"].as_array().unwrap()[..], expected[40..70]);
        let head = json(&w.sql_kept_page(0, js(&page.replace("40", "0"))).unwrap());
        let nulls = head["rows"][0][1].is_null();
        assert_eq!(nulls, !descending, "NULLs first ascending only");
    }
    assert!(w.sql_kept_page(0, js(r#"{"sort": 2}"#)).is_err());
    assert!(w.sql_kept_page(1, js("{}")).is_err());
    assert_eq!(
        w.sql_kept_csv(0).unwrap(),
        w.sql_csv(plan, js("{}"), None).unwrap()
    );
    w.sql_forget();
    assert!(w.sql_kept_page(0, js("{}")).is_err());
}

/// An ad platform's export naming no tenant (SPEC §1): `peekFile` says so before it is
/// loaded, `begin` takes the client the page asked for, and `sources` says where the
/// rows came from beside a load report that keeps SPEC §7's fields.
#[wasm_bindgen_test]
fn an_export_naming_no_tenant_loads_with_the_client_given() {
    let export = "Campaign report\nDecember 1, 2024 - December 2, 2024\n\
                  Day\tCampaign\tCampaign ID\tImpr.\tClicks\tCost\tConversions\tConv. value\tCurrency code\n\
                  2024-12-01\tBrand - Search\t205\t1,204\t98\t50.96\t7\t640.00\tUSD\n\
                  Total: Account\t--\t--\t1,204\t98\t50.96\t7\t640.00\tUSD\n";
    let seen = json(&peek_file(export.as_bytes()).unwrap());
    assert_eq!(seen["platform"], "Google Ads");
    assert_eq!(seen["needs_tenant"], true);
    assert_eq!(seen["campaigns"], serde_json::json!(["205"]));
    assert!(peek_file(sample().as_slice()).unwrap().is_undefined());
    let mut w = Warehouse::new();
    w.begin("google.csv", export.len() as f64, None, None);
    w.push(export.as_bytes()).unwrap();
    let refused = json(&w.finish().unwrap());
    assert!(refused[0]["error"]
        .as_str()
        .unwrap()
        .contains("names no tenant"));
    w.begin("google.csv", export.len() as f64, None, Some("acme".into()));
    w.push(export.as_bytes()).unwrap();
    let reports = json(&w.finish().unwrap());
    assert_eq!(reports[0]["rows_loaded"], 1);
    assert_eq!(reports[0]["rejected"][0]["reason"], "totals row");
    assert!(reports[0].get("source").is_none());
    let sources = json(&w.sources().unwrap());
    assert_eq!(
        sources,
        serde_json::json!([{"platform": "Google Ads", "tenant_from": "given for this file",
                            "tenant": "acme", "currencies": ["USD"]}])
    );
    assert_eq!(json(&w.tenants().unwrap()), serde_json::json!(["acme"]));
}
