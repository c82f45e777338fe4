//! JSON files (SPEC §3): arrays, paged wrappers, newline-delimited JSON, a byte order
//! mark, header aliases, exponents and bare numbers in date columns.

use crate::common::*;
use bi_platform::{Dashboard, Query};

const CUSTOMERS_JSON: &str = r#"[
  {"tenant_id": "t1", "customer_id": "u1", "customer_name": "Ann", "region": "North",
   "product_preference": "Product A", "total_spent": 1200.50, "total_orders": 3},
  {"tenant_id": "t1", "customer_id": "u2", "customer_name": "Bob", "region": "South",
   "product_preference": "Product B", "total_spent": "$99.50", "total_orders": "1"},
  {"tenant_id": "t2", "customer_id": "u1", "customer_name": null, "region": "North",
   "product_preference": null, "total_spent": "0", "total_orders": 0},
  "not an object",
  {"tenant_id": "t2", "customer_id": "u9", "total_spent": -1, "total_orders": 1}
]"#;

#[test]
fn customers_json_array_feeds_customer_summary() {
    let (w, r) = fresh("customers.json", CUSTOMERS_JSON.as_bytes());
    assert_eq!(r.table, Some("dim_customers"), "{r:#?}");
    assert_eq!((r.rows_read, r.rows_loaded, r.rows_rejected), (5, 3, 2));
    assert_eq!(rejected_lines(&r), [4, 5], "positions in the array");
    assert_eq!(rejected_columns(&r), [None, Some("total_spent")]);
    let s = w.dashboard(Dashboard::CustomerSummary, &all()).unwrap();
    assert_eq!(
        s.columns,
        [
            "tenant_id",
            "customers",
            "total_spent",
            "total_orders",
            "avg_order_value"
        ]
    );
    assert_eq!(s.rows.len(), 2);
    assert_eq!(text(&s.rows[0][0]), "t1");
    assert_eq!(int(&s.rows[0][1]), 2);
    assert_eq!(money(&s.rows[0][2]), m("1300"));
    assert_eq!(int(&s.rows[0][3]), 4);
    assert_eq!(float(&s.rows[0][4]), Some(325.0));
    assert_eq!(text(&s.rows[1][0]), "t2");
    assert_eq!(int(&s.rows[1][1]), 1);
    assert_eq!(float(&s.rows[1][4]), None, "no orders: null average");
    // Region filter applies to the customer's region.
    let q = Query {
        regions: vec!["North".into()],
        ..Query::default()
    };
    let s = w.dashboard(Dashboard::CustomerSummary, &q).unwrap();
    let got: Vec<(&str, i64)> = s.rows.iter().map(|r| (text(&r[0]), int(&r[1]))).collect();
    assert_eq!(got, [("t1", 1), ("t2", 1)]);
}

#[test]
fn json_paged_wrapper() {
    let file = r#"{"data": [
        {"tenant_id": "t1", "campaign_id": "c1", "date": "2024-11-01", "impressions": "1,000",
         "clicks": 10, "conversions": 1, "spend": "12.50", "revenue": 30.25},
        {"tenant_id": "t1", "campaign_id": "c2", "date": "2024-11-02", "impressions": 1000,
         "clicks": 10, "conversions": 1, "spend": 0.1, "revenue": 0.2}
      ], "page": 1, "total": 150}"#;
    let (w, r) = fresh("page1.json", file.as_bytes());
    assert_eq!(r.table, Some("fact_campaigns"), "{r:#?}");
    assert_eq!(r.rows_loaded, 2);
    assert!(r.extra_columns.is_empty(), "{:?}", r.extra_columns);
    let f = fact(&w, "c1");
    assert_eq!(
        (f.impressions, f.spend, f.revenue),
        (1000, m("12.5"), m("30.25"))
    );
    let f = fact(&w, "c2");
    assert_eq!((f.spend, f.revenue), (m("0.1"), m("0.2")), "exact decimals");
}

#[test]
fn newline_delimited_json_reports_lines() {
    let file = "{\"tenant_id\": \"t1\", \"campaign_id\": \"c1\", \"date\": \"2024-11-01\", \"impressions\": 100, \"clicks\": 10, \"conversions\": 1, \"spend\": 1, \"revenue\": 2}\n\
                \n\
                {\"tenant_id\": \"t1\", \"campaign_id\": \"c2\", \"date\": \"2024-11-01\", \"impressions\": 100, \"clicks\": 200, \"conversions\": 1, \"spend\": 1, \"revenue\": 2}\n\
                {\"tenant_id\": \"t1\", \"campaign_id\": \"c3\", \"date\": \"2024-11-01\", \"impressions\": \"100\", \"clicks\": \"10\", \"conversions\": \"1\", \"spend\": \"1\", \"revenue\": \"2\", \"utm\": \"x\"}\n\
                {not json}\n";
    let (w, r) = fresh("rows.ndjson", file.as_bytes());
    assert_eq!(r.table, Some("fact_campaigns"), "{r:#?}");
    assert_eq!(
        (r.rows_read, r.rows_loaded, r.rows_rejected),
        (4, 2, 2),
        "{r:#?}"
    );
    assert_eq!(rejected_lines(&r), [3, 5]);
    assert_eq!(
        r.rejected[0].reason, "clicks (200) > impressions (100)",
        "{r:#?}"
    );
    assert_eq!(r.extra_columns, ["utm"]);
    assert_eq!(campaign_ids(&w), ["c1", "c3"]);
}

#[test]
fn json_bare_number_in_a_date_column_is_not_a_date() {
    let file = r#"[{"tenant_id": "t1", "campaign_id": "c1", "date": 45609, "impressions": 1,
                   "clicks": 1, "conversions": 1, "spend": 1, "revenue": 1}]"#;
    let (_, r) = fresh("d.json", file.as_bytes());
    assert_eq!(r.rows_loaded, 0, "{r:#?}");
    assert_eq!(rejected_columns(&r), [Some("date")]);
}

#[test]
fn json_with_bom_aliases_and_exponents() {
    let body = r#"[{"Client ID": "t1", "Campaign Key": "c1", "Report Date": "2024-11-01",
                    "Impr": 100, "Clicks": 10, "Conversions": 1, "Spend ($)": 1.5, "Sales": 3},
                   {"Client ID": "t1", "Campaign Key": "c2", "Report Date": "2024-11-01",
                    "Impr": 100, "Clicks": 10, "Conversions": 1, "Spend ($)": 1e3, "Sales": 3}]"#;
    let bytes = [&b"\xEF\xBB\xBF"[..], body.as_bytes()].concat();
    let (w, r) = fresh("bom.json", &bytes);
    assert_eq!(r.table, Some("fact_campaigns"), "{r:#?}");
    assert_eq!((r.rows_loaded, r.rows_rejected), (1, 1), "{r:#?}");
    assert_eq!(rejected_lines(&r), [2]);
    assert_eq!(
        rejected_columns(&r),
        [Some("spend")],
        "1e3 is refused in JSON too"
    );
    assert_eq!(fact(&w, "c1").spend, m("1.5"));
}
