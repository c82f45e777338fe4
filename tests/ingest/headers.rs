//! Which table a file feeds (SPEC §1): header normalisation, aliases, extra columns,
//! ties between tables, files that match no table and where the header may be.

use crate::common::*;
use bi_platform::{Dashboard, Query, Warehouse};

#[test]
fn header_normalisation_and_units() {
    let file = "  Tenant ID ,Campaign-ID,Campaign.Name,DATE,Impressions,Clicks,Conversions,Spend ($),Revenue (EUR),Region,Product\n\
                t1,c1,Brand - Search,2024-11-01,1000,50,5,10.50,31.60,North,Product A\n";
    let (w, r) = fresh("n.csv", file.as_bytes());
    assert_eq!(r.table, Some("fact_campaigns"), "{r:#?}");
    assert_eq!(r.rows_loaded, 1, "{r:#?}");
    assert!(r.extra_columns.is_empty(), "{:?}", r.extra_columns);
    let f = fact(&w, "c1");
    assert_eq!(f.name.as_deref(), Some("Brand - Search"));
    assert_eq!(f.spend, m("10.50"));
    assert_eq!(f.revenue, m("31.60"));
}

#[test]
fn header_collapses_repeated_separators() {
    let file =
        "tenant__id,campaign  id,date,impressions,clicks,conversions,Amount - Spent,revenue\n\
                t1,c1,2024-11-01,1000,50,5,10.50,31.60\n";
    let (w, r) = fresh("n.csv", file.as_bytes());
    assert_eq!(r.table, Some("fact_campaigns"), "{r:#?}");
    assert_eq!(r.rows_loaded, 1);
    assert_eq!(fact(&w, "c1").spend, m("10.50"));
}

#[test]
fn every_campaign_alias_is_accepted() {
    let headers = [
        "tenant,campaign_key,campaign,day,impr,clicks,conversions,cost,sales,region,product_name",
        "client_id,campaign_id,campaign_name,campaign_date,views,clicks,conversions,amount_spent,conversion_value,region,product",
        "Account ID,Campaign Key,Campaign,Report Date,Views,Clicks,Conversions,Ad Spend,Sales,Region,Product Name",
    ];
    for header in headers {
        let file = format!(
            "{header}\nt1,c1,Spring - Video,2024-11-01,1000,50,5,10.00,30.00,North,Product A\n"
        );
        let (w, r) = fresh("a.csv", file.as_bytes());
        assert_eq!(r.table, Some("fact_campaigns"), "{header}: {r:#?}");
        assert_eq!(r.rows_loaded, 1, "{header}: {r:#?}");
        assert!(
            r.extra_columns.is_empty(),
            "{header}: {:?}",
            r.extra_columns
        );
        let f = fact(&w, "c1");
        assert_eq!(f.name.as_deref(), Some("Spring - Video"), "{header}");
        assert_eq!(
            (f.impressions, f.spend, f.revenue),
            (1000, m("10"), m("30")),
            "{header}"
        );
        let q = Query {
            products: vec!["Product A".into()],
            ..Query::default()
        };
        assert_eq!(facts_in(&w, &q).len(), 1, "{header}: product alias");
    }
}

#[test]
fn customer_alias_preferred_product() {
    let file =
        "tenant_id,customer_id,customer_name,region,preferred_product,total_spent,total_orders\n\
                t1,u1,Ann,North,Product A,100.00,4\n";
    let (w, r) = fresh("c.csv", file.as_bytes());
    assert_eq!(r.table, Some("dim_customers"), "{r:#?}");
    assert!(r.extra_columns.is_empty(), "{:?}", r.extra_columns);
    let q = Query {
        products: vec!["Product A".into()],
        ..Query::default()
    };
    let s = w.dashboard(Dashboard::CustomerSummary, &q).unwrap();
    assert_eq!(s.rows.len(), 1, "product filter applies to the preference");
}

#[test]
fn extra_columns_are_listed_and_kept() {
    let file = "tenant_id,campaign_id,date,UTM Source,impressions,clicks,conversions,spend,revenue,Landing-Page\n\
                t1,c1,2024-11-01,newsletter,1000,50,5,10.00,30.00,/promo\n\
                t1,c2,2024-11-02,,1000,50,5,10.00,30.00,/home\n";
    let (w, r) = fresh("x.csv", file.as_bytes());
    assert_eq!(r.table, Some("fact_campaigns"));
    assert_eq!(r.rows_loaded, 2, "{r:#?}");
    assert_eq!(r.extra_columns, ["utm_source", "landing_page"]);
    let extras = &w.star().campaigns.extras;
    assert_eq!(extras.names, ["utm_source", "landing_page"]);
    let rows = w.star().campaigns.len();
    let mut kept: Vec<(Option<&str>, Option<&str>)> = (0..rows)
        .map(|row| {
            (
                extras.values.value(extras.columns[0][row]),
                extras.values.value(extras.columns[1][row]),
            )
        })
        .collect();
    kept.sort();
    assert_eq!(
        kept,
        [(None, Some("/home")), (Some("newsletter"), Some("/promo"))]
    );
}

#[test]
fn first_of_two_columns_with_the_same_normalised_name_is_used() {
    let file =
        "tenant_id,campaign_id,date,impressions,clicks,conversions,Spend,spend ($),revenue\n\
                t1,c1,2024-11-01,1000,50,5,5.00,7.00,30.00\n";
    let (w, r) = fresh("d.csv", file.as_bytes());
    assert_eq!(r.rows_loaded, 1, "{r:#?}");
    assert_eq!(fact(&w, "c1").spend, m("5"));
}

#[test]
fn header_fitting_two_tables_goes_to_the_one_with_more_matching_columns() {
    // Fits dim_sales_targets (8 columns) and fact_campaigns (10 columns).
    let file =
        "tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend,\
                campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
                t1,North,Product A,2024,11,100,1,50,c1,2024-11-01,1000,50,5,10.00,30.00\n";
    let (_, r) = fresh("both.csv", file.as_bytes());
    assert_eq!(r.table, Some("fact_campaigns"), "{r:#?}");
    let mut extras = r.extra_columns.clone();
    extras.sort();
    assert_eq!(
        extras,
        [
            "month",
            "target_conversions",
            "target_revenue",
            "target_spend",
            "year"
        ]
    );
    // Fits dim_sales_targets (8) better than dim_customers (tenant_id, region, customer_id,
    // total_spent, total_orders = 5).
    let file =
        "tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend,\
                customer_id,total_spent,total_orders\n\
                t1,North,Product A,2024,11,100,1,50,u1,10,1\n";
    let (_, r) = fresh("both2.csv", file.as_bytes());
    assert_eq!(r.table, Some("dim_sales_targets"), "{r:#?}");
}

#[test]
fn a_file_matching_no_table_names_the_missing_columns() {
    let mut w = Warehouse::new();
    let file = b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend\nt1,c1,2024-11-01,1,1,1,1\n";
    let r = load_one(&mut w, "nomatch.csv", file);
    assert_eq!(r.table, None, "{r:#?}");
    assert_eq!(
        (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_replaced),
        (0, 0, 0, 0)
    );
    assert!(r.rejected.is_empty());
    let error = r.error.as_deref().expect("an error");
    assert!(error.contains("revenue"), "{error}");
    assert!(error.contains("fact_campaigns"), "{error}");
    assert!(!r.succeeded());
    // Customers is closest here: only total_orders is missing.
    let file = b"tenant_id,customer_id,total_spent\nt1,u1,10\n";
    let r = load_one(&mut w, "nomatch2.csv", file);
    assert_eq!(r.table, None);
    let error = r.error.as_deref().unwrap();
    assert!(error.contains("total_orders"), "{error}");
    assert!(error.contains("dim_customers"), "{error}");
    // Other files still load afterwards.
    let r = load_one(
        &mut w,
        "ok.csv",
        &csv("t1,c1,2024-11-01,1000,50,5,10.00,30.00\n"),
    );
    assert_eq!(r.rows_loaded, 1);
}

#[test]
fn unreadable_files_report_an_error() {
    for (name, bytes) in [
        ("empty.csv", &b""[..]),
        ("spaces.csv", &b"   \n  \n"[..]),
        ("binary.bin", &b"\x00\x01\x02\x03garbage\xff"[..]),
        ("bad.json", &b"[{\"tenant_id\": "[..]),
        ("broken.xlsx", &b"PK\x03\x04not really a zip"[..]),
    ] {
        let (_, r) = fresh(name, bytes);
        assert_eq!(r.table, None, "{name}: {r:#?}");
        assert_eq!((r.rows_read, r.rows_loaded), (0, 0), "{name}");
        assert!(r.error.is_some(), "{name}: {r:#?}");
    }
}

#[test]
fn header_must_be_within_the_first_20_lines() {
    let titles = |n: usize| "Campaign report\n".repeat(n);
    let ok = format!("{}{H}t1,c1,2024-11-01,1000,50,5,10.00,30.00\n", titles(19));
    let (_, r) = fresh("t19.csv", ok.as_bytes());
    assert_eq!(r.table, Some("fact_campaigns"), "header on line 20: {r:#?}");
    assert_eq!(r.rows_loaded, 1);
    let late = format!("{}{H}t1,c1,2024-11-01,1000,50,5,10.00,30.00\n", titles(20));
    let (_, r) = fresh("t20.csv", late.as_bytes());
    assert_eq!(r.table, None, "header on line 21: {r:#?}");
    assert!(r.error.is_some());
}
