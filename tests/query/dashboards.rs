//! SPEC §6 target_vs_actual rules and §7 shapes: every dashboard with no rows when
//! nothing matches, bad query dates, and the JSON of load reports and dashboards.

use crate::common::*;
use bi_platform::{Dashboard, Query, Warehouse};

#[test]
fn target_vs_actual_rules() {
    let mut w = Warehouse::new();
    let targets =
        "tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend\n\
                   t1,North,A,2024,11,1000,10,500\n\
                   t1,North,A,2024,12,0,0,0\n\
                   t1,South,B,2024,11,200,5,100\n\
                   t2,North,A,2024,11,50,1,10\n";
    load_one(&mut w, "targets.csv", targets.as_bytes());
    let campaigns = format!(
        "{HFULL}t1,c1,,2024-11-03,100,10,3,100,300,North,A\n\
         t1,c2,,2024-11-30,100,10,4,50,200,North,A\n\
         t1,c3,,2024-11-05,100,10,1,1,999,,A\n\
         t1,c4,,2024-11-05,100,10,1,1,999,North,\n\
         t1,c5,,2024-10-31,100,10,1,1,999,North,A\n\
         t1,c6,,2024-12-01,100,10,1,1,999,South,B\n"
    );
    load_one(&mut w, "campaigns.csv", campaigns.as_bytes());
    let tva = w.dashboard(Dashboard::TargetVsActual, &all()).unwrap();
    type Row = (String, i128, i128, Option<f64>, i64, i64, i128, i128);
    let got: Vec<Row> = tva
        .rows
        .iter()
        .map(|r| {
            (
                format!(
                    "{} {} {} {}-{}",
                    text(&r[0]),
                    text(&r[1]),
                    text(&r[2]),
                    int(&r[3]),
                    int(&r[4])
                ),
                money(&r[5]),
                money(&r[6]),
                float(&r[7]),
                int(&r[8]),
                int(&r[9]),
                money(&r[10]),
                money(&r[11]),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "t1 North A 2024-11".into(),
                m("1000"),
                m("500"),
                Some(0.5),
                10,
                7,
                m("500"),
                m("150")
            ),
            ("t1 North A 2024-12".into(), 0, 0, None, 0, 0, 0, 0),
            (
                "t1 South B 2024-11".into(),
                m("200"),
                0,
                Some(0.0),
                5,
                0,
                m("100"),
                0
            ),
            (
                "t2 North A 2024-11".into(),
                m("50"),
                0,
                Some(0.0),
                1,
                0,
                m("10"),
                0
            ),
        ]
    );
    // A date range keeps the targets whose month overlaps it; a tenant scope its own.
    let q = Query {
        tenants: bi_platform::TenantScope::Only(vec!["t1".into()]),
        from: Some("2024-11-15".into()),
        to: Some("2024-11-30".into()),
        ..Query::default()
    };
    let tva = w.dashboard(Dashboard::TargetVsActual, &q).unwrap();
    assert_eq!(tva.rows.len(), 2, "{:?}", tva.rows);
    assert_eq!(money(&tva.rows[0][6]), m("200"), "only c2 is in range");
}

#[test]
fn every_dashboard_is_returned_with_no_rows_when_nothing_matches() {
    let w = Warehouse::new();
    let results = w.dashboards(&all()).unwrap();
    assert_eq!(results.len(), 7);
    for (d, r) in &results {
        assert!(r.rows.is_empty(), "{}", d.name());
        assert!(!r.columns.is_empty(), "{}", d.name());
    }
    let (w, _) = fresh("c.csv", &csv("t1,c1,2024-11-01,100,10,1,1,2\n"));
    for (d, r) in w.dashboards(&only(&["nobody"])).unwrap() {
        assert!(r.rows.is_empty(), "{}", d.name());
    }
    for (d, r) in w.dashboards(&only(&[])).unwrap() {
        assert!(r.rows.is_empty(), "empty set sees nothing: {}", d.name());
    }
}

#[test]
fn bad_query_dates_are_errors() {
    let (w, _) = fresh("c.csv", &csv("t1,c1,2024-11-01,100,10,1,1,2\n"));
    for bad in ["2024-13-01", "yesterday", "2024-02-30"] {
        let q = Query {
            from: Some(bad.into()),
            ..Query::default()
        };
        assert!(
            w.dashboard(Dashboard::CampaignSummary, &q).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn load_report_json_shape() {
    let (_, r) = fresh(
        "campaigns.csv",
        &csv("t1,c1,2024-11-01,5000,50,60,1,2\nt1,c2,2024-11-01,5000,5200,1,1,2\n"),
    );
    let j = serde_json::to_value(&r).unwrap();
    let keys: std::collections::BTreeSet<&str> =
        j.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    let expected: std::collections::BTreeSet<&str> = [
        "file",
        "table",
        "rows_read",
        "rows_loaded",
        "rows_rejected",
        "rows_replaced",
        "warnings",
        "rejected",
        "extra_columns",
        "unchanged_from",
        "error",
    ]
    .into_iter()
    .collect();
    assert_eq!(keys, expected, "{j}");
    assert_eq!(j["table"], "fact_campaigns");
    assert_eq!(
        j["warnings"],
        serde_json::json!({"conversions_gt_clicks": 1})
    );
    assert_eq!(
        j["rejected"],
        serde_json::json!([{"line": 3, "column": "clicks", "reason": "clicks (5200) > impressions (5000)"}])
    );
    assert_eq!(j["unchanged_from"], serde_json::Value::Null);
    assert_eq!(j["error"], serde_json::Value::Null);
    let (_, failed) = fresh("x.csv", b"a,b\n1,2\n");
    let j = serde_json::to_value(&failed).unwrap();
    assert_eq!(j["table"], serde_json::Value::Null);
    assert_eq!(j["rows_read"], 0);
    assert!(j["error"].is_string());
}

#[test]
fn dashboard_json_shape() {
    let (w, _) = fresh(
        "c.csv",
        &csv("t1,c1,2024-11-01,100,0,0,0.70,2.10\nt1,c2,2024-11-02,0,0,0,0,0\n"),
    );
    let j = json(&w, Dashboard::CampaignPerformance, &all());
    assert_eq!(j["columns"][3], "date");
    let rows = j["rows"].as_array().unwrap();
    assert_eq!(
        rows[0][3], "2024-11-02",
        "dates as YYYY-MM-DD, newest first"
    );
    assert_eq!(rows[0][9], serde_json::Value::Null, "null ctr");
    assert_eq!(rows[0][10], serde_json::Value::Null, "null roi");
    assert_eq!(rows[1][7].as_f64(), Some(0.7));
    assert_eq!(rows[1][11], "Good");
    assert!(j.get("total_rows").is_none());
}
