//! One test per rule of SPEC §1, §3, §4, §5 and §7, through `Warehouse::load` with small
//! inline files. Expectations come from the SPEC text, not from the engine.

mod common;

use bi_platform::model::dict::NULL_KEY;
use bi_platform::{Dashboard, LoadReport, Query, Warehouse};
use common::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

/// The required campaign columns, in the seed file's order.
const H: &str = "tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n";
/// Every campaign column of the seed file.
const HFULL: &str =
    "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product\n";

fn csv(body: &str) -> Vec<u8> {
    format!("{H}{body}").into_bytes()
}

fn rejected_lines(r: &LoadReport) -> Vec<u64> {
    r.rejected.iter().map(|x| x.line).collect()
}

fn rejected_columns(r: &LoadReport) -> Vec<Option<&str>> {
    r.rejected.iter().map(|x| x.column.as_deref()).collect()
}

fn campaign_ids(w: &Warehouse) -> Vec<String> {
    let mut ids: Vec<String> = facts(w).into_iter().map(|f| f.campaign).collect();
    ids.sort();
    ids
}

// ---------------------------------------------------------------------------------------
// §1 Which table a file feeds: header normalisation, aliases, extras, ties, no match.
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// §3 Parsing values.
// ---------------------------------------------------------------------------------------

#[test]
fn missing_markers_in_an_optional_column_are_null() {
    let markers = ["", "NA", "N/A", "null", "NULL", "-", "   ", "\t"];
    let mut body = String::from(HFULL);
    for (i, marker) in markers.iter().enumerate() {
        body.push_str(&format!(
            "t1,c{i},{marker},2024-11-01,1000,50,5,10.00,30.00,{marker},{marker}\n"
        ));
    }
    body.push_str("t1,named,Real name,2024-11-01,1000,50,5,10.00,30.00,North,Product A\n");
    let (w, r) = fresh("m.csv", body.as_bytes());
    assert_eq!(r.rows_loaded, markers.len() as u64 + 1, "{r:#?}");
    for (i, marker) in markers.iter().enumerate() {
        let f = fact(&w, &format!("c{i}"));
        assert_eq!(f.name, None, "marker {marker:?} is missing");
    }
    assert_eq!(fact(&w, "named").name.as_deref(), Some("Real name"));
    let c = &w.star().campaigns;
    let nulls = (0..c.len())
        .filter(|&row| c.region.get(row) == NULL_KEY && c.product.get(row) == NULL_KEY)
        .count();
    assert_eq!(
        nulls,
        markers.len(),
        "region and product null for every marker"
    );
    // A null region never passes a region filter.
    let q = Query {
        regions: vec!["North".into()],
        ..Query::default()
    };
    assert_eq!(facts_in(&w, &q).len(), 1);
}

#[test]
fn missing_markers_in_a_required_column_reject_the_row() {
    let markers = ["", "NA", "N/A", "null", "NULL", "-", "   "];
    let mut body = String::new();
    for (i, marker) in markers.iter().enumerate() {
        body.push_str(&format!("t1,c{i},2024-11-01,1000,50,5,{marker},30.00\n"));
    }
    let (_, r) = fresh("m.csv", &csv(&body));
    assert_eq!(r.rows_loaded, 0, "{r:#?}");
    assert_eq!(r.rows_rejected, markers.len() as u64);
    assert!(
        rejected_columns(&r).iter().all(|c| *c == Some("spend")),
        "{r:#?}"
    );
    assert_eq!(
        rejected_lines(&r),
        (2..2 + markers.len() as u64).collect::<Vec<_>>()
    );
    assert_accounting(&r);
    // "none" or "0" are values, not markers.
    let (_, r) = fresh("m2.csv", &csv("t1,c1,2024-11-01,1000,50,5,0,30.00\n"));
    assert_eq!(r.rows_loaded, 1);
}

#[test]
fn text_is_trimmed_and_tenant_keeps_its_case() {
    let body = "  Tenant_A  ,  c1 ,2024-11-01,1000,50,5,10.00,30.00\n\
                tenant_a,c1,2024-11-01,1000,50,5,10.00,30.00\n";
    let (w, r) = fresh("t.csv", &csv(body));
    assert_eq!(r.rows_loaded, 2);
    assert_eq!(r.rows_replaced, 0, "different case is a different tenant");
    assert_eq!(w.tenants(), ["Tenant_A", "tenant_a"]);
    assert!(facts(&w).iter().all(|f| f.campaign == "c1"));
}

#[test]
fn thousands_separators() {
    let body = "t1\tc1\t2024-11-01\t1,234,567\t12,345\t1,000\t12,345.67\t1,000,000.5\n\
                t1\tc2\t2024-11-01\t1234567\t12345\t1000\t12345.67\t1000000.5\n\
                t1\tc3\t2024-11-01\t1,23\t1\t1\t1\t1\n";
    let file = format!("{}{body}", H.replace(',', "\t"));
    let (w, r) = fresh("k.tsv", file.as_bytes());
    assert_eq!(r.rows_loaded, 2, "{r:#?}");
    assert_eq!(rejected_lines(&r), [4], "1,23 is not grouped by three");
    assert_eq!(rejected_columns(&r), [Some("impressions")]);
    let (a, b) = (fact(&w, "c1"), fact(&w, "c2"));
    assert_eq!(
        (a.impressions, a.clicks, a.conversions, a.spend, a.revenue),
        (1_234_567, 12_345, 1000, m("12345.67"), m("1000000.5"))
    );
    assert_eq!(
        (a.impressions, a.clicks, a.spend, a.revenue),
        (b.impressions, b.clicks, b.spend, b.revenue)
    );
    // Quoted in a comma file.
    let (w, r) = fresh(
        "q.csv",
        &csv("t1,c1,2024-11-01,\"24,505\",\"1,000\",5,\"$1,234.50\",\"2,000\"\n"),
    );
    assert_eq!(r.rows_loaded, 1, "{r:#?}");
    let f = fact(&w, "c1");
    assert_eq!(
        (f.impressions, f.clicks, f.spend, f.revenue),
        (24505, 1000, m("1234.50"), m("2000"))
    );
}

#[test]
fn currency_signs_before_and_after() {
    let values = [
        "$1234.50",
        "$ 1234.50",
        "1234.50$",
        "1234.50 $",
        "€1234.50",
        "1234.50 €",
        "1234.5€",
        "£1234.50",
        "£ 1234.50",
        "1234.50£",
    ];
    let body: String = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("t1,c{i},2024-11-01,1000,50,5,\"{v}\",\"{v}\"\n"))
        .collect();
    let (w, r) = fresh("cur.csv", &csv(&body));
    assert_eq!(r.rows_loaded, values.len() as u64, "{r:#?}");
    for (i, v) in values.iter().enumerate() {
        let f = fact(&w, &format!("c{i}"));
        assert_eq!((f.spend, f.revenue), (m("1234.5"), m("1234.5")), "{v}");
    }
}

#[test]
fn decimal_comma_in_semicolon_files() {
    let file = "tenant_id;campaign_id;date;impressions;clicks;conversions;spend;revenue\n\
                t1;c1;13.11.2024;24.505;1.234;12;1.234,50;2.000,75 €\n\
                t1;c2;14.11.2024;1000;10;1;0,07;12,0\n\
                t1;c3;15.11.2024;1000;10;1;12.5;1\n\
                t1;c4;16.11.2024;1,5;1;1;1;1\n\
                t1;c5;17.11.2024;12,0;1;1;€ 1.000.000,125;1\n";
    let (w, r) = fresh("semi.csv", file.as_bytes());
    assert_eq!(r.table, Some("fact_campaigns"));
    assert_eq!(rejected_lines(&r), [4, 5], "{r:#?}");
    assert_eq!(rejected_columns(&r), [Some("spend"), Some("impressions")]);
    let f = fact(&w, "c1");
    assert_eq!(f.date, "2024-11-13");
    assert_eq!((f.impressions, f.clicks, f.conversions), (24505, 1234, 12));
    assert_eq!((f.spend, f.revenue), (m("1234.50"), m("2000.75")));
    let f = fact(&w, "c2");
    assert_eq!((f.spend, f.revenue), (m("0.07"), m("12")));
    let f = fact(&w, "c5");
    assert_eq!(f.impressions, 12);
    assert_eq!(f.spend, m("1000000.125"));
}

#[test]
fn integer_columns_accept_zero_fractions_only() {
    let body = "t1,c1,2024-11-01,12.0,3.00,1.000,1,1\n\
                t1,c2,2024-11-01,1.5,1,1,1,1\n\
                t1,c3,2024-11-01,1e3,1,1,1,1\n\
                t1,c4,2024-11-01,100,10,1,1e3,1\n\
                t1,c5,2024-11-01,100,10,1,1,2.5E1\n\
                t1,c6,2024-11-01,100,ten,1,1,1\n";
    let (w, r) = fresh("int.csv", &csv(body));
    assert_eq!(r.rows_loaded, 1, "{r:#?}");
    let f = fact(&w, "c1");
    assert_eq!((f.impressions, f.clicks, f.conversions), (12, 3, 1));
    assert_eq!(rejected_lines(&r), [3, 4, 5, 6, 7]);
    assert_eq!(
        rejected_columns(&r),
        [
            Some("impressions"),
            Some("impressions"),
            Some("spend"),
            Some("revenue"),
            Some("clicks")
        ]
    );
    assert_accounting(&r);
}

#[test]
fn money_keeps_six_decimals_rounding_half_to_even() {
    let body = "t1,c1,2024-11-01,100,10,1,0.1234565,0.1234575\n\
                t1,c2,2024-11-01,100,10,1,0.12345650001,2\n\
                t1,c3,2024-11-01,100,10,1,0.1,0.2\n";
    let (w, r) = fresh("round.csv", &csv(body));
    assert_eq!(r.rows_loaded, 3, "{r:#?}");
    let f = fact(&w, "c1");
    assert_eq!((f.spend, f.revenue), (123_456, 123_458));
    assert_eq!(fact(&w, "c2").spend, 123_457);
    // Sums are exact: 0.1 + 0.2 is 0.3.
    let s = w.dashboard(Dashboard::CampaignSummary, &all()).unwrap();
    assert_eq!(money(&s.rows[0][5]), 123_456 + 123_457 + 100_000);
    let f = fact(&w, "c3");
    assert_eq!(f.spend + f.revenue, m("0.3"));
}

#[test]
fn slash_dates_are_month_day_by_default() {
    let body = "t1,c1,03/04/2024,100,10,1,1,2\n\
                t1,c2,12/31/2024,100,10,1,1,2\n\
                t1,c3,1/2/2024,100,10,1,1,2\n";
    let (w, r) = fresh("md.csv", &csv(body));
    assert_eq!(r.rows_loaded, 3, "{r:#?}");
    assert_eq!(fact(&w, "c1").date, "2024-03-04");
    assert_eq!(fact(&w, "c2").date, "2024-12-31");
    assert_eq!(fact(&w, "c3").date, "2024-01-02");
}

#[test]
fn one_slash_date_with_a_first_number_above_12_makes_the_column_day_month() {
    // The deciding value comes last: earlier rows are resolved with it too.
    let body = "t1,c1,03/04/2024,100,10,1,1,2\n\
                t1,c2,2024-05-06,100,10,1,1,2\n\
                t1,c3,13/04/2024,100,10,1,1,2\n";
    let (w, r) = fresh("dm.csv", &csv(body));
    assert_eq!(r.rows_loaded, 3, "{r:#?}");
    assert_eq!(fact(&w, "c1").date, "2024-04-03");
    assert_eq!(
        fact(&w, "c2").date,
        "2024-05-06",
        "ISO dates are not affected"
    );
    assert_eq!(fact(&w, "c3").date, "2024-04-13");
}

#[test]
fn a_rejected_rows_slash_date_still_switches_the_rule() {
    // Row 3 is rejected (clicks > impressions) but its 25/12/2024 still decides.
    let body = "t1,c1,03/04/2024,100,10,1,1,2\n\
                t1,c2,25/12/2024,100,200,1,1,2\n";
    let (w, r) = fresh("dm.csv", &csv(body));
    assert_eq!(r.rows_loaded, 1, "{r:#?}");
    assert_eq!(rejected_lines(&r), [3]);
    assert_eq!(fact(&w, "c1").date, "2024-04-03");
    // Also when the row is rejected for having too many fields.
    let body = "t1,c1,03/04/2024,100,10,1,1,2\n\
                t1,c2,25/12/2024,100,10,1,1,2,surplus\n";
    let (w, r) = fresh("dm2.csv", &csv(body));
    assert_eq!(rejected_lines(&r), [3], "{r:#?}");
    assert_eq!(fact(&w, "c1").date, "2024-04-03");
}

#[test]
fn under_day_month_a_month_above_12_is_rejected() {
    let body = "t1,c1,04/25/2024,100,10,1,1,2\n\
                t1,c2,13/04/2024,100,10,1,1,2\n\
                t1,c3,01/02/2024,100,10,1,1,2\n";
    let (w, r) = fresh("dm.csv", &csv(body));
    assert_eq!(r.rows_loaded, 2, "{r:#?}");
    assert_eq!(rejected_lines(&r), [2]);
    assert_eq!(rejected_columns(&r), [Some("date")]);
    assert_eq!(fact(&w, "c3").date, "2024-02-01");
    assert_accounting(&r);
}

#[test]
fn the_slash_rule_is_per_file() {
    let mut w = Warehouse::new();
    load_one(&mut w, "a.csv", &csv("t1,a1,13/04/2024,100,10,1,1,2\n"));
    load_one(&mut w, "b.csv", &csv("t1,b1,03/04/2024,100,10,1,1,2\n"));
    assert_eq!(fact(&w, "a1").date, "2024-04-13");
    assert_eq!(fact(&w, "b1").date, "2024-03-04", "b.csv has no A > 12");
}

#[test]
fn iso_dates_with_time_and_zone_and_other_formats() {
    let body = "t1,c1,2024-11-13T23:30:00-05:00,100,10,1,1,2\n\
                t1,c2,2024-11-13 10:00:00Z,100,10,1,1,2\n\
                t1,c3,2024-11-13T01:00:00+09:00,100,10,1,1,2\n\
                t1,c4,13.11.2024,100,10,1,1,2\n\
                t1,c5,2024/11/13,100,10,1,1,2\n\
                t1,c6,2024-11-13,100,10,1,1,2\n";
    let (w, r) = fresh("iso.csv", &csv(body));
    assert_eq!(r.rows_loaded, 6, "{r:#?}");
    for f in facts(&w) {
        assert_eq!(f.date, "2024-11-13", "{}", f.campaign);
    }
}

#[test]
fn unparseable_dates_are_rejected() {
    let body = "t1,c1,2024-02-30,100,10,1,1,2\n\
                t1,c2,45609,100,10,1,1,2\n\
                t1,c3,Nov 13 2024,100,10,1,1,2\n\
                t1,c4,31.02.2024,100,10,1,1,2\n\
                t1,c5,2024-02-29,100,10,1,1,2\n";
    let (w, r) = fresh("bad.csv", &csv(body));
    assert_eq!(r.rows_loaded, 1, "{r:#?}");
    assert_eq!(rejected_lines(&r), [2, 3, 4, 5]);
    assert!(rejected_columns(&r).iter().all(|c| *c == Some("date")));
    assert_eq!(fact(&w, "c5").date, "2024-02-29");
}

// ---------------------------------------------------------------------------------------
// §4 Validation: rejections, warnings, line numbers, accounting.
// ---------------------------------------------------------------------------------------

#[test]
fn rejection_reasons_and_columns() {
    let body = "t1,ok,2024-11-01,5000,50,5,10.00,30.00\n\
                ,c1,2024-11-01,5000,50,5,10.00,30.00\n\
                t1,,2024-11-01,5000,50,5,10.00,30.00\n\
                t1,c3,,5000,50,5,10.00,30.00\n\
                t1,c4,2024-11-01,abc,50,5,10.00,30.00\n\
                t1,c5,2024-11-01,-5,0,0,10.00,30.00\n\
                t1,c6,2024-11-01,5000,50,-1,10.00,30.00\n\
                t1,c7,2024-11-01,5000,50,5,-1.00,30.00\n\
                t1,c8,2024-11-01,5000,50,5,10.00,$-2.00\n\
                t1,c9,2024-11-01,5000,5200,5,10.00,30.00\n";
    let (w, r) = fresh("rej.csv", &csv(body));
    assert_eq!(r.rows_loaded, 1, "{r:#?}");
    assert_eq!(r.rows_rejected, 9);
    assert_eq!(rejected_lines(&r), (3..=11).collect::<Vec<_>>());
    assert_eq!(
        rejected_columns(&r),
        [
            Some("tenant_id"),
            Some("campaign_id"),
            Some("date"),
            Some("impressions"),
            Some("impressions"),
            Some("conversions"),
            Some("spend"),
            Some("revenue"),
            Some("clicks"),
        ]
    );
    assert_eq!(
        r.rejected.last().unwrap().reason,
        "clicks (5200) > impressions (5000)"
    );
    for x in &r.rejected {
        assert!(!x.reason.is_empty());
    }
    assert_eq!(campaign_ids(&w), ["ok"]);
    assert!(
        r.warnings.is_empty(),
        "rejected rows raise no warning: {r:#?}"
    );
    assert_accounting(&r);
}

#[test]
fn clicks_equal_to_impressions_is_fine() {
    let (_, r) = fresh("eq.csv", &csv("t1,c1,2024-11-01,5000,5000,5,10.00,30.00\n"));
    assert_eq!(r.rows_loaded, 1, "{r:#?}");
}

#[test]
fn target_rejections_month_and_year() {
    let file =
        "tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend\n\
                t1,North,Product A,2024,13,100,1,50\n\
                t1,North,Product A,2024,0,100,1,50\n\
                t1,North,Product A,2024,12,100,1,50\n\
                t1,North,Product A,2024,11,-100,1,50\n\
                t1,North,Product A,2024,10,100,-1,50\n\
                t1,North,Product A,2024,9,100,1.5,50\n\
                t1,,Product A,2024,9,100,1,50\n";
    let (w, r) = fresh("tg.csv", file.as_bytes());
    assert_eq!(r.table, Some("dim_sales_targets"));
    assert_eq!(r.rows_loaded, 1, "{r:#?}");
    assert_eq!(rejected_lines(&r), [2, 3, 5, 6, 7, 8]);
    assert_eq!(
        rejected_columns(&r),
        [
            Some("month"),
            Some("month"),
            Some("target_revenue"),
            Some("target_conversions"),
            Some("target_conversions"),
            Some("region")
        ]
    );
    assert!(r.warnings.is_empty(), "warnings are for campaign rows only");
    let t = w.dashboard(Dashboard::TargetVsActual, &all()).unwrap();
    assert_eq!(t.rows.len(), 1);
    assert_eq!(int(&t.rows[0][4]), 12);
}

#[test]
fn each_warning_rule_is_counted() {
    let body = "t1,w1,2024-11-01,100,10,11,1.00,2.00\n\
                t1,w2,2024-11-02,0,0,0,1.00,2.00\n\
                t1,w3,2024-11-03,100,10,1,0,2.00\n\
                t1,w4,2024-11-04,100,10,1,1.00,11.00\n\
                t1,w5,2024-11-05,100,10,1,1.00,11.01\n\
                t1,w6,2026-01-01,100,10,1,1.00,2.00\n\
                t1,w7,2024-11-06,100,0,0,1.00,2.00\n\
                t1,r1,2024-11-07,100,200,300,0,0\n";
    let (w, r) = fresh("warn.csv", &csv(body));
    assert_eq!(r.rows_loaded, 7, "{r:#?}");
    assert_eq!(r.rows_rejected, 1);
    let warnings: Vec<(&str, u64)> = r.warnings.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        warnings,
        [
            ("conversions_gt_clicks", 1),
            ("date_outlier", 1),
            ("roi_out_of_range", 1),
            ("zero_clicks", 2),
            ("zero_impressions", 1),
            ("zero_spend", 1),
        ]
    );
    // The ratios that divide by zero are null; categories exact.
    let f = fact(&w, "w2");
    assert_eq!(f.ctr, None);
    let f = fact(&w, "w3");
    assert_eq!(f.roi, None);
    assert_eq!(f.category, "Unknown");
    let f = fact(&w, "w4");
    assert_eq!(f.roi, Some(10.0));
    assert_eq!(f.category, "Excellent");
    // Averages leave nulls out: ctr of w2 is null, roi of w3 is null.
    let s = w.dashboard(Dashboard::CampaignSummary, &all()).unwrap();
    let ctrs = [0.1, 0.1, 0.1, 0.1, 0.1, 0.0];
    let avg_ctr = ctrs.iter().sum::<f64>() / ctrs.len() as f64;
    assert!(close(float(&s.rows[0][8]).unwrap(), avg_ctr, 1e-12));
    let rois = [1.0, 10.0, 10.01, 1.0, 1.0, 1.0];
    let avg_roi = rois.iter().sum::<f64>() / rois.len() as f64;
    assert!(close(float(&s.rows[0][9]).unwrap(), avg_roi, 1e-12));
}

#[test]
fn a_date_365_days_out_is_not_an_outlier_but_366_is() {
    let (_, r) = fresh(
        "o1.csv",
        &csv("t1,a,2024-01-01,100,10,1,1,2\nt1,b,2024-01-10,100,10,1,1,2\nt1,c,2025-01-09,100,10,1,1,2\n"),
    );
    assert_eq!(r.warnings.get("date_outlier"), None, "{r:#?}");
    let (_, r) = fresh(
        "o2.csv",
        &csv("t1,a,2024-01-01,100,10,1,1,2\nt1,b,2024-01-10,100,10,1,1,2\nt1,c,2025-01-10,100,10,1,1,2\n"),
    );
    assert_eq!(r.warnings.get("date_outlier"), Some(&1), "{r:#?}");
}

#[test]
fn performance_category_is_decided_exactly() {
    let body = "t1,g,2024-11-01,100,10,1,0.70,2.10\n\
                t1,e,2024-11-01,100,10,1,0.70,2.100001\n\
                t1,b,2024-11-01,100,10,1,1.00,2.00\n\
                t1,l,2024-11-01,100,10,1,1.00,1.00\n\
                t1,be,2024-11-01,100,10,1,1.00,1.000001\n";
    let (w, r) = fresh("cat.csv", &csv(body));
    assert_eq!(r.rows_loaded, 5, "{r:#?}");
    assert_eq!(fact(&w, "g").category, "Good");
    assert_eq!(fact(&w, "e").category, "Excellent");
    assert_eq!(fact(&w, "b").category, "Break Even");
    assert_eq!(fact(&w, "l").category, "Loss");
    assert_eq!(fact(&w, "be").category, "Break Even");
}

#[test]
fn channel_from_column_or_name_or_unknown() {
    let file =
        "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue\n\
                t1,c1,Spring - Promo - Social Media,2024-11-01,100,10,1,1,2\n\
                t1,c2,Brand,2024-11-01,100,10,1,1,2\n\
                t1,c3,,2024-11-01,100,10,1,1,2\n\
                t1,c4,Autumn - Social Media,2024-11-01,100,10,1,1,2\n";
    let (w, _) = fresh("ch.csv", file.as_bytes());
    let mix = w.dashboard(Dashboard::ChannelMix, &all()).unwrap();
    let got: Vec<(&str, i128)> = mix
        .rows
        .iter()
        .map(|row| (text(&row[1]), money(&row[2])))
        .collect();
    assert_eq!(got, [("Social Media", m("2")), ("Unknown", m("2"))]);
    // A channel column wins over the name.
    let file = "tenant_id,campaign_id,campaign_name,channel,date,impressions,clicks,conversions,spend,revenue\n\
                t1,c1,Spring - Search,Email,2024-11-01,100,10,1,1,2\n";
    let (w, r) = fresh("ch2.csv", file.as_bytes());
    assert!(
        r.extra_columns.is_empty(),
        "channel is a known column: {r:#?}"
    );
    let mix = w.dashboard(Dashboard::ChannelMix, &all()).unwrap();
    assert_eq!(text(&mix.rows[0][1]), "Email");
    let q = Query {
        channels: vec!["Email".into()],
        ..Query::default()
    };
    assert_eq!(facts_in(&w, &q).len(), 1);
}

#[test]
fn rows_with_more_fields_are_rejected_and_fewer_are_padded() {
    let file = format!(
        "{HFULL}t1,c1,Name,2024-11-01,100,10,1,1,2,North,Product A,surplus\n\
         t1,c2,Name,2024-11-01,100,10,1,1,2\n\
         t1,c3,Name,2024-11-01,100\n\
         t1,c4,Name,2024-11-01,100,10,1,1,2,North,Product A,\n"
    );
    let (w, r) = fresh("fields.csv", file.as_bytes());
    assert_eq!(campaign_ids(&w), ["c2"], "{r:#?}");
    assert_eq!(rejected_lines(&r), [2, 4, 5]);
    assert_eq!(rejected_columns(&r), [None, Some("clicks"), None]);
    assert_accounting(&r);
    let c = &w.star().campaigns;
    assert_eq!((c.region.get(0), c.product.get(0)), (NULL_KEY, NULL_KEY));
}

#[test]
fn blank_lines_and_empty_rows_are_not_counted() {
    let file = format!(
        "\n\n{H}\n\
         t1,c1,2024-11-01,100,10,1,1,2\n\
         \n\
         ,,,,,,,\n\
         \x20\x20\x20\n\
         , , ,\n\
         t1,c2,2024-11-01,100,10,1,1,2\n\
         \n"
    );
    let (_, r) = fresh("blank.csv", file.as_bytes());
    assert_eq!(r.table, Some("fact_campaigns"), "{r:#?}");
    assert_eq!(
        (r.rows_read, r.rows_loaded, r.rows_rejected),
        (2, 2, 0),
        "{r:#?}"
    );
}

#[test]
fn line_numbers_count_physical_lines() {
    let file = format!(
        "Campaign export\n\
         Account: all\n\
         {HFULL}\
         t1,c1,One,2024-11-01,100,10,1,1,2,North,A\n\
         t1,c2,\"Two\nlines, and \"\"quotes\"\"\",2024-11-01,100,10,1,1,2,North,A\n\
         \n\
         t1,c3,Three,2024-11-01,100,200,1,1,2,North,A\n\
         t1,c4,\"Four\r\nand\rmore\",2024-11-01,100,10,1,-1,2,North,A\n\
         t1,c5,Five,2024-11-01,x,10,1,1,2,North,A\n"
    );
    let (w, r) = fresh("lines.csv", file.as_bytes());
    // Lines: 1-2 titles, 3 header, 4 c1, 5-6 c2, 7 blank, 8 c3, 9-11 c4, 12 c5.
    assert_eq!(rejected_lines(&r), [8, 9, 12], "{r:#?}");
    assert_eq!(r.rows_read, 5);
    assert_eq!(
        fact(&w, "c2").name.as_deref(),
        Some("Two\nlines, and \"quotes\"")
    );
}

#[test]
fn line_numbers_with_crlf_and_cr_endings() {
    for ending in ["\r\n", "\r"] {
        let file = [
            "Title",
            H.trim_end(),
            "t1,c1,2024-11-01,100,10,1,1,2",
            "",
            "t1,c2,2024-11-01,100,200,1,1,2",
        ]
        .join(ending)
            + ending;
        let (_, r) = fresh("eol.csv", file.as_bytes());
        assert_eq!(rejected_lines(&r), [5], "{ending:?}: {r:#?}");
        assert_eq!(r.rows_loaded, 1, "{ending:?}");
    }
}

// ---------------------------------------------------------------------------------------
// §4 Re-loading and replacement.
// ---------------------------------------------------------------------------------------

#[test]
fn same_bytes_under_another_name_is_a_no_op() {
    let mut w = Warehouse::new();
    let bytes = csv("t1,c1,2024-11-01,100,10,1,1.00,2.00\nt1,c2,2024-11-01,100,10,1,1.00,2.00\n");
    let first = load_one(&mut w, "first.csv", &bytes);
    assert_eq!(first.rows_loaded, 2);
    let before = all_json(&w, &all());
    let again = load_one(&mut w, "second.csv", &bytes);
    assert_eq!(again.file, "second.csv");
    assert_eq!(again.unchanged_from.as_deref(), Some("first.csv"));
    assert_eq!(again.table, Some("fact_campaigns"));
    assert_eq!((again.rows_loaded, again.rows_replaced), (0, 0));
    assert_eq!(again.error, None);
    assert_accounting(&again);
    assert_eq!(all_json(&w, &all()), before, "nothing double-counted");
}

#[test]
fn replacement_within_a_file_last_one_wins() {
    let body = "t1,k,2024-11-01,100,10,1,1.00,2.00\n\
                t1,k,2024-11-01,100,10,1,3.00,4.00\n\
                t1,k,11/01/2024,100,10,1,5.00,6.00\n\
                t1,k,2024-11-02,100,10,1,7.00,8.00\n";
    let (w, r) = fresh("rep.csv", &csv(body));
    assert_eq!(
        (r.rows_read, r.rows_loaded, r.rows_replaced),
        (4, 4, 2),
        "{r:#?}"
    );
    let all_facts = facts(&w);
    assert_eq!(all_facts.len(), 2);
    let nov1 = all_facts.iter().find(|f| f.date == "2024-11-01").unwrap();
    assert_eq!((nov1.spend, nov1.revenue), (m("5"), m("6")));
    let s = w.dashboard(Dashboard::CampaignSummary, &all()).unwrap();
    assert_eq!(int(&s.rows[0][1]), 2);
    assert_eq!(money(&s.rows[0][5]), m("12"));
}

#[test]
fn replacement_across_files_and_rejected_rows_replace_nothing() {
    let mut w = Warehouse::new();
    let a = load_one(
        &mut w,
        "a.csv",
        &csv("t1,k,2024-11-01,100,10,1,1.00,2.00\nt1,j,2024-11-01,100,10,1,1.00,2.00\n"),
    );
    assert_eq!((a.rows_loaded, a.rows_replaced), (2, 0));
    let b = load_one(
        &mut w,
        "b.csv",
        &csv("t1,k,2024-11-01,100,10,1,9.00,9.50\nt2,k,2024-11-01,100,10,1,1.00,2.00\n"),
    );
    assert_eq!((b.rows_loaded, b.rows_replaced), (2, 1), "{b:#?}");
    let c = load_one(
        &mut w,
        "c.csv",
        &csv("t1,k,2024-11-01,100,200,1,50.00,60.00\n"),
    );
    assert_eq!((c.rows_loaded, c.rows_rejected, c.rows_replaced), (0, 1, 0));
    let t1: Vec<Fact> = facts_in(&w, &only(&["t1"]));
    assert_eq!(t1.len(), 2);
    let k = t1.iter().find(|f| f.campaign == "k").unwrap();
    assert_eq!((k.spend, k.revenue), (m("9"), m("9.5")));
    let s = w.dashboard(Dashboard::CampaignSummary, &all()).unwrap();
    let counts: Vec<(&str, i64)> = s.rows.iter().map(|r| (text(&r[0]), int(&r[1]))).collect();
    assert_eq!(counts, [("t1", 2), ("t2", 1)]);
    // The same rows again in different bytes (trailing blank line): all replaced.
    let d = load_one(
        &mut w,
        "d.csv",
        &csv("t1,k,2024-11-01,100,10,1,9.00,9.50\nt2,k,2024-11-01,100,10,1,1.00,2.00\n\n"),
    );
    assert_eq!(d.unchanged_from, None);
    assert_eq!((d.rows_loaded, d.rows_replaced), (2, 2));
    assert_eq!(facts(&w).len(), 3);
}

#[test]
fn target_and_customer_keys_replace_too() {
    let mut w = Warehouse::new();
    let t = "tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend\n\
             t1,North,A,2024,11,100,1,50\n\
             t1,North,A,2024,11.0,200,2,60\n";
    let r = load_one(&mut w, "t.csv", t.as_bytes());
    assert_eq!((r.rows_loaded, r.rows_replaced), (2, 1), "{r:#?}");
    let tva = w.dashboard(Dashboard::TargetVsActual, &all()).unwrap();
    assert_eq!(tva.rows.len(), 1);
    assert_eq!(money(&tva.rows[0][5]), m("200"));
    let c = "tenant_id,customer_id,total_spent,total_orders\nt1,u1,10,1\nt1,u1,30,3\nt1,u2,5,1\n";
    let r = load_one(&mut w, "c.csv", c.as_bytes());
    assert_eq!((r.rows_loaded, r.rows_replaced), (3, 1), "{r:#?}");
    let cs = w.dashboard(Dashboard::CustomerSummary, &all()).unwrap();
    assert_eq!(int(&cs.rows[0][1]), 2);
    assert_eq!(money(&cs.rows[0][2]), m("35"));
}

// ---------------------------------------------------------------------------------------
// §3 JSON.
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// §3 XLSX.
// ---------------------------------------------------------------------------------------

fn workbook_with_two_tables() -> Vec<u8> {
    let mut wb = Workbook::new();
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    {
        let ws = wb.add_worksheet();
        ws.set_name("Campaigns").unwrap();
        ws.write_string(0, 0, "Campaign performance export")
            .unwrap();
        ws.write_string(1, 0, "Generated for all accounts").unwrap();
        // Row 3 blank; the header on sheet row 4.
        let header = [
            "Tenant ID",
            "Campaign ID",
            "Campaign Name",
            "Date",
            "Impressions",
            "Clicks",
            "Conversions",
            "Spend ($)",
            "Revenue",
            "Region",
            "Product",
        ];
        for (c, h) in header.iter().enumerate() {
            ws.write_string(3, c as u16, *h).unwrap();
        }
        // Sheet row 5: a date cell and a formula with a cached value.
        let day = ExcelDateTime::from_ymd(2024, 11, 13).unwrap();
        ws.write_string(4, 0, "t1").unwrap();
        ws.write_string(4, 1, "x1").unwrap();
        ws.write_string(4, 2, "Launch - Video").unwrap();
        ws.write_date_with_format(4, 3, &day, &date_format).unwrap();
        ws.write_number(4, 4, 1000.0).unwrap();
        ws.write_number(4, 5, 50.0).unwrap();
        ws.write_number(4, 6, 5.0).unwrap();
        ws.write_number(4, 7, 10.25).unwrap();
        ws.write_formula(4, 8, Formula::new("=H5*3").set_result("30.75"))
            .unwrap();
        ws.write_string(4, 9, "North").unwrap();
        ws.write_string(4, 10, "Product A").unwrap();
        // Sheet row 6: text date and numbers as text; 12.0 as a count.
        for (c, v) in [
            "t1",
            "x2",
            "Launch - Search",
            "11/14/2024",
            "2,000",
            "12.0",
            "1",
            "$5.00",
            "7",
            "South",
            "Product B",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(5, c as u16, *v).unwrap();
        }
        // Sheet row 7 blank (skipped). Sheet row 8: a cached #DIV/0! in revenue.
        ws.write_string(7, 0, "t1").unwrap();
        ws.write_string(7, 1, "x3").unwrap();
        ws.write_date_with_format(7, 3, &day, &date_format).unwrap();
        ws.write_number(7, 4, 100.0).unwrap();
        ws.write_number(7, 5, 10.0).unwrap();
        ws.write_number(7, 6, 1.0).unwrap();
        ws.write_number(7, 7, 1.0).unwrap();
        ws.write_formula(7, 8, Formula::new("=1/0").set_result("#DIV/0!"))
            .unwrap();
        // Sheet row 9: 1.5 impressions.
        ws.write_string(8, 0, "t1").unwrap();
        ws.write_string(8, 1, "x4").unwrap();
        ws.write_date_with_format(8, 3, &day, &date_format).unwrap();
        ws.write_number(8, 4, 1.5).unwrap();
        ws.write_number(8, 5, 1.0).unwrap();
        ws.write_number(8, 6, 1.0).unwrap();
        ws.write_number(8, 7, 1.0).unwrap();
        ws.write_number(8, 8, 1.0).unwrap();
        // Sheet row 10: a plain number (serial, 1900 system) in the date column.
        ws.write_string(9, 0, "t1").unwrap();
        ws.write_string(9, 1, "x5").unwrap();
        ws.write_number(9, 3, 45609.0).unwrap();
        ws.write_number(9, 4, 100.0).unwrap();
        ws.write_number(9, 5, 10.0).unwrap();
        ws.write_number(9, 6, 1.0).unwrap();
        ws.write_number(9, 7, 1.0).unwrap();
        ws.write_number(9, 8, 2.0).unwrap();
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("Notes").unwrap();
        ws.write_string(0, 0, "Nothing to load here").unwrap();
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("Targets").unwrap();
        let header = [
            "tenant_id",
            "region",
            "product",
            "year",
            "month",
            "target_revenue",
            "target_conversions",
            "target_spend",
        ];
        for (c, h) in header.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        type TargetCells<'a> = (&'a str, &'a str, &'a str, f64, f64, f64, f64, f64);
        let rows: [TargetCells; 3] = [
            ("t1", "North", "Product A", 2024.0, 11.0, 100.0, 10.0, 20.0),
            ("t1", "South", "Product B", 2024.0, 11.0, 0.0, 0.0, 0.0),
            ("t1", "South", "Product B", 2024.0, 13.0, 1.0, 1.0, 1.0),
        ];
        for (r, row) in rows.iter().enumerate() {
            let r = r as u32 + 1;
            ws.write_string(r, 0, row.0).unwrap();
            ws.write_string(r, 1, row.1).unwrap();
            ws.write_string(r, 2, row.2).unwrap();
            for (c, v) in [row.3, row.4, row.5, row.6, row.7].iter().enumerate() {
                ws.write_number(r, 3 + c as u16, *v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

#[test]
fn xlsx_sheets_feed_their_tables() {
    let bytes = workbook_with_two_tables();
    let mut w = Warehouse::new();
    let reports = w.load("book.xlsx", &bytes);
    assert_eq!(reports.len(), 2, "one report per table: {reports:#?}");
    let c = reports
        .iter()
        .find(|r| r.table == Some("fact_campaigns"))
        .expect("campaigns report");
    let t = reports
        .iter()
        .find(|r| r.table == Some("dim_sales_targets"))
        .expect("targets report");
    assert_eq!(c.sheets.as_deref(), Some(&["Campaigns".to_string()][..]));
    assert_eq!(t.sheets.as_deref(), Some(&["Targets".to_string()][..]));
    for r in [c, t] {
        assert_eq!(r.file, "book.xlsx");
        assert_eq!(r.error, None);
        assert_accounting(r);
    }
    assert_eq!((c.rows_read, c.rows_loaded), (5, 3), "{c:#?}");
    assert_eq!(rejected_lines(c), [8, 9], "sheet rows");
    assert_eq!(rejected_columns(c), [Some("revenue"), Some("impressions")]);
    assert!(c
        .rejected
        .iter()
        .all(|x| x.sheet.as_deref() == Some("Campaigns")));
    assert!(
        c.rejected[0].reason.contains("#DIV/0!"),
        "{:?}",
        c.rejected[0]
    );
    assert_eq!((t.rows_read, t.rows_loaded), (3, 2), "{t:#?}");
    assert_eq!(rejected_lines(t), [4]);
    assert_eq!(t.rejected[0].sheet.as_deref(), Some("Targets"));

    let f = fact(&w, "x1");
    assert_eq!(f.date, "2024-11-13", "date cell");
    assert_eq!((f.impressions, f.clicks, f.conversions), (1000, 50, 5));
    assert_eq!(
        (f.spend, f.revenue),
        (m("10.25"), m("30.75")),
        "cached formula value"
    );
    assert_eq!(f.name.as_deref(), Some("Launch - Video"));
    let f = fact(&w, "x2");
    assert_eq!(f.date, "2024-11-14");
    assert_eq!(
        (f.impressions, f.clicks, f.spend, f.revenue),
        (2000, 12, m("5"), m("7"))
    );
    assert_eq!(
        fact(&w, "x5").date,
        "2024-11-13",
        "serial 45609 (1900 system)"
    );

    // target_vs_actual from the two sheets.
    let tva = w.dashboard(Dashboard::TargetVsActual, &all()).unwrap();
    assert_eq!(tva.rows.len(), 2);
    let north = &tva.rows[0];
    assert_eq!((text(&north[1]), text(&north[2])), ("North", "Product A"));
    assert_eq!(money(&north[6]), m("30.75"));
    assert_eq!(float(&north[7]), Some(0.3075));
    let south = &tva.rows[1];
    assert_eq!(money(&south[5]), 0);
    assert_eq!(money(&south[6]), m("7"));
    assert_eq!(float(&south[7]), None, "target 0: attainment null");

    // The JSON of an XLSX entry carries `sheets`.
    let j = serde_json::to_value(c).unwrap();
    assert_eq!(j["sheets"], serde_json::json!(["Campaigns"]));
    assert_eq!(j["rejected"][0]["line"], 8);
}

/// CRC-32 (IEEE) for the stored zip below.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A zip of stored (uncompressed) entries.
fn stored_zip(entries: &[(&str, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let data = data.as_bytes();
        let crc = crc32(data);
        let offset = out.len() as u32;
        let header = |sig: u32, central_entry: bool, buf: &mut Vec<u8>| {
            buf.extend_from_slice(&sig.to_le_bytes());
            if central_entry {
                buf.extend_from_slice(&20u16.to_le_bytes());
            }
            buf.extend_from_slice(&20u16.to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes());
            buf.extend_from_slice(&0x21u16.to_le_bytes());
            buf.extend_from_slice(&crc.to_le_bytes());
            buf.extend_from_slice(&(data.len() as u32).to_le_bytes());
            buf.extend_from_slice(&(data.len() as u32).to_le_bytes());
            buf.extend_from_slice(&(name.len() as u16).to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes());
            if central_entry {
                buf.extend_from_slice(&0u16.to_le_bytes());
                buf.extend_from_slice(&0u16.to_le_bytes());
                buf.extend_from_slice(&0u16.to_le_bytes());
                buf.extend_from_slice(&0u32.to_le_bytes());
                buf.extend_from_slice(&offset.to_le_bytes());
            }
            buf.extend_from_slice(name.as_bytes());
        };
        header(0x0403_4b50, false, &mut out);
        out.extend_from_slice(data);
        header(0x0201_4b50, true, &mut central);
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A minimal workbook in the 1904 date system (rust_xlsxwriter cannot write one: its
/// 1904 support is internal only), with one campaigns sheet.
fn workbook_1904() -> Vec<u8> {
    const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    const PKG: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
    let is = |r: &str, t: &str| format!("<c r=\"{r}\" t=\"inlineStr\"><is><t>{t}</t></is></c>");
    let num = |r: &str, v: &str, style: u8| format!("<c r=\"{r}\" s=\"{style}\"><v>{v}</v></c>");
    let header: String = [
        "tenant_id",
        "campaign_id",
        "date",
        "impressions",
        "clicks",
        "conversions",
        "spend",
        "revenue",
    ]
    .iter()
    .zip('A'..)
    .map(|(t, c)| is(&format!("{c}1"), t))
    .collect();
    // 44147 days after 1904-01-01 is 2024-11-13 (the same serial in the 1900 system
    // would be 2020-11-12).
    let row = |n: u32, id: &str, style: u8| {
        format!(
            "<row r=\"{n}\">{}{}{}{}{}{}{}{}</row>",
            is(&format!("A{n}"), "t1"),
            is(&format!("B{n}"), id),
            num(&format!("C{n}"), "44147", style),
            num(&format!("D{n}"), "100", 0),
            num(&format!("E{n}"), "10", 0),
            num(&format!("F{n}"), "1", 0),
            num(&format!("G{n}"), "1", 0),
            num(&format!("H{n}"), "2", 0),
        )
    };
    let sheet = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <worksheet xmlns=\"{MAIN}\"><sheetData><row r=\"1\">{header}</row>{}{}</sheetData></worksheet>",
        row(2, "dated", 1),
        row(3, "serial", 0)
    );
    stored_zip(&[
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
             <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
             <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
             <Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>\
             <Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>\
             </Types>"
                .to_string(),
        ),
        (
            "_rels/.rels",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
                 <Relationships xmlns=\"{PKG}\"><Relationship Id=\"rId1\" \
                 Type=\"{REL}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
            ),
        ),
        (
            "xl/workbook.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
                 <workbook xmlns=\"{MAIN}\" xmlns:r=\"{REL}\"><workbookPr date1904=\"1\"/>\
                 <sheets><sheet name=\"Old Mac\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
                 <Relationships xmlns=\"{PKG}\">\
                 <Relationship Id=\"rId1\" Type=\"{REL}/worksheet\" Target=\"worksheets/sheet1.xml\"/>\
                 <Relationship Id=\"rId2\" Type=\"{REL}/styles\" Target=\"styles.xml\"/>\
                 </Relationships>"
            ),
        ),
        (
            "xl/styles.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
                 <styleSheet xmlns=\"{MAIN}\"><fonts count=\"1\"><font/></fonts>\
                 <fills count=\"1\"><fill/></fills><borders count=\"1\"><border/></borders>\
                 <cellStyleXfs count=\"1\"><xf/></cellStyleXfs>\
                 <cellXfs count=\"2\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\" applyNumberFormat=\"1\"/></cellXfs>\
                 </styleSheet>"
            ),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ])
}

#[test]
fn xlsx_1904_date_system() {
    let (w, r) = fresh("mac.xlsx", &workbook_1904());
    assert_eq!(r.table, Some("fact_campaigns"), "{r:#?}");
    assert_eq!(r.sheets.as_deref(), Some(&["Old Mac".to_string()][..]));
    assert_eq!(r.rows_loaded, 2, "{r:#?}");
    assert_eq!(
        fact(&w, "dated").date,
        "2024-11-13",
        "date cell, 1904 system"
    );
    assert_eq!(
        fact(&w, "serial").date,
        "2024-11-13",
        "plain serial, 1904 system"
    );
}

// ---------------------------------------------------------------------------------------
// §3 Encodings.
// ---------------------------------------------------------------------------------------

#[test]
fn text_encodings() {
    let source =
        "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue\n\
                t1,c1,Café - Réseau,2024-11-01,100,10,1,€12.50,20 €\n";
    let utf8 = source.as_bytes().to_vec();
    let bom: Vec<u8> = [&b"\xEF\xBB\xBF"[..], source.as_bytes()].concat();
    let utf16le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(source.encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    let utf16be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(source.encode_utf16().flat_map(|u| u.to_be_bytes()))
        .collect();
    let cp1252: Vec<u8> = source
        .chars()
        .map(|c| match c {
            'é' => 0xE9,
            '€' => 0x80,
            c => c as u8,
        })
        .collect();
    for (name, bytes) in [
        ("utf8", utf8),
        ("bom", bom),
        ("utf16le", utf16le),
        ("utf16be", utf16be),
        ("cp1252", cp1252),
    ] {
        let (w, r) = fresh(name, &bytes);
        assert_eq!(r.rows_loaded, 1, "{name}: {r:#?}");
        let f = fact(&w, "c1");
        assert_eq!(f.name.as_deref(), Some("Café - Réseau"), "{name}");
        assert_eq!((f.spend, f.revenue), (m("12.5"), m("20")), "{name}");
        let mix = w.dashboard(Dashboard::ChannelMix, &all()).unwrap();
        assert_eq!(text(&mix.rows[0][1]), "Réseau", "{name}");
    }
}

#[test]
fn bytes_undefined_in_windows_1252_make_the_file_unreadable() {
    // Not UTF-8 (a lone 0xE9) and a 0x81: neither encoding.
    let mut bytes = csv("");
    bytes.extend_from_slice(b"t1,c\x81,2024-11-01,100,10,1,1,2\n");
    bytes.extend_from_slice(b"t\xE9,c2,2024-11-01,100,10,1,1,2\n");
    let (_, r) = fresh("bad.csv", &bytes);
    assert_eq!(r.table, None, "{r:#?}");
    assert!(r.error.is_some());
}

// ---------------------------------------------------------------------------------------
// §6 target_vs_actual rules, §7 report shape.
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// More edge cases of the same rules.
// ---------------------------------------------------------------------------------------

#[test]
fn pipe_and_semicolon_files_with_delimiters_inside_text() {
    let pipe =
        "tenant_id|campaign_id|campaign_name|date|impressions|clicks|conversions|spend|revenue\n\
                t1|c1|Sale, big - Search|2024-11-01|1,000|10|1|1,234.50|2000\n";
    let (w, r) = fresh("p.txt", pipe.as_bytes());
    assert_eq!(r.rows_loaded, 1, "{r:#?}");
    let f = fact(&w, "c1");
    assert_eq!(f.name.as_deref(), Some("Sale, big - Search"));
    assert_eq!(
        (f.impressions, f.spend),
        (1000, m("1234.5")),
        "`.` decimals in | files"
    );
    let semi = "\"tenant_id\";\"campaign_id\";\"campaign_name\";\"date\";\"impressions\";\"clicks\";\"conversions\";\"spend\";\"revenue\"\n\
                t1;c1;Sale, big | promo - Search;2024-11-01;1000;10;1;12,5;20\n";
    let (w, r) = fresh("s.csv", semi.as_bytes());
    assert_eq!(r.rows_loaded, 1, "{r:#?}");
    let f = fact(&w, "c1");
    assert_eq!(f.name.as_deref(), Some("Sale, big | promo - Search"));
    assert_eq!(f.spend, m("12.5"));
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

#[test]
fn text_keys_sort_by_utf8_bytes() {
    let body = "b,c1,2024-11-01,100,10,1,1,2\n\
                é,c1,2024-11-01,100,10,1,1,2\n\
                B,c1,2024-11-01,100,10,1,1,2\n\
                a,c1,2024-11-01,100,10,1,1,2\n\
                Z,c1,2024-11-01,100,10,1,1,2\n";
    let (w, _) = fresh("sort.csv", &csv(body));
    let order = ["B", "Z", "a", "b", "é"];
    assert_eq!(w.tenants(), order);
    let s = w.dashboard(Dashboard::CampaignSummary, &all()).unwrap();
    let got: Vec<&str> = s.rows.iter().map(|r| text(&r[0])).collect();
    assert_eq!(got, order);
    let got: Vec<String> = facts(&w).into_iter().map(|f| f.tenant).collect();
    assert_eq!(got, order, "campaign_performance: same date, then tenant");
}

#[test]
fn a_replacing_row_replaces_the_whole_row() {
    let mut w = Warehouse::new();
    let a = "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product,utm_source\n\
             t1,k,Old - Search,2024-11-01,100,10,1,1,2,North,Product A,newsletter\n";
    load_one(&mut w, "a.csv", a.as_bytes());
    let b = "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product\n\
             t1,k,New - Email,2024-11-01,100,10,1,1,2,South,Product B\n";
    let r = load_one(&mut w, "b.csv", b.as_bytes());
    assert_eq!(r.rows_replaced, 1);
    assert_eq!(facts(&w).len(), 1);
    let q = |regions: &[&str], channels: &[&str]| Query {
        regions: regions.iter().map(|s| s.to_string()).collect(),
        channels: channels.iter().map(|s| s.to_string()).collect(),
        ..Query::default()
    };
    assert_eq!(facts_in(&w, &q(&["North"], &[])).len(), 0);
    assert_eq!(facts_in(&w, &q(&["South"], &[])).len(), 1);
    assert_eq!(facts_in(&w, &q(&[], &["Search"])).len(), 0);
    assert_eq!(facts_in(&w, &q(&[], &["Email"])).len(), 1);
    let mix = w.dashboard(Dashboard::ChannelMix, &all()).unwrap();
    assert_eq!(mix.rows.len(), 1);
    assert_eq!(text(&mix.rows[0][1]), "Email");
    let extras = &w.star().campaigns.extras;
    let utm = extras.names.iter().position(|n| n == "utm_source").unwrap();
    assert_eq!(
        extras.values.value(extras.columns[utm][0]),
        None,
        "the replacing row had no utm_source"
    );
}

#[test]
fn a_row_rejected_by_the_slash_rule_replaces_nothing() {
    // Row 3 would be 2024-04-25 month/day (the key of row 2), but row 4 makes the column
    // day/month, so row 3 has no valid date: rejected, and row 2 stays.
    let body = "t1,k,2024-04-25,100,10,1,1.00,2\n\
                t1,k,04/25/2024,100,10,1,9.00,2\n\
                t1,z,13/01/2024,100,10,1,1.00,2\n";
    let (w, r) = fresh("slash.csv", &csv(body));
    assert_eq!(
        (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_replaced),
        (3, 2, 1, 0),
        "{r:#?}"
    );
    assert_eq!(rejected_lines(&r), [3]);
    let k = fact(&w, "k");
    assert_eq!((k.date.as_str(), k.spend), ("2024-04-25", m("1")));
    assert_eq!(fact(&w, "z").date, "2024-01-13");
}

#[test]
fn xlsx_sheet_rows_when_the_data_does_not_start_at_a1() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Offset").unwrap();
    // Title on sheet row 2 (column B), header on sheet row 4 from column B.
    ws.write_string(1, 1, "Export").unwrap();
    let header = [
        "tenant_id",
        "campaign_id",
        "date",
        "impressions",
        "clicks",
        "conversions",
        "spend",
        "revenue",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(3, 1 + c as u16, *h).unwrap();
    }
    let rows = [
        ["t1", "c1", "2024-11-01", "100", "10", "1", "1", "2"],
        ["t1", "c2", "2024-11-01", "100", "200", "1", "1", "2"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(4 + r as u32, 1 + c as u16, *v).unwrap();
        }
    }
    // Sheet row 7: a value right of the header.
    for (c, v) in rows[0].iter().enumerate() {
        ws.write_string(6, 1 + c as u16, *v).unwrap();
    }
    ws.write_string(6, 1, "t2").unwrap();
    ws.write_string(6, 10, "stray").unwrap();
    // A date-time cell keeps its day.
    let when = ExcelDateTime::from_ymd(2024, 11, 13)
        .unwrap()
        .and_hms(18, 30, 0)
        .unwrap();
    for (c, v) in rows[0].iter().enumerate() {
        ws.write_string(7, 1 + c as u16, *v).unwrap();
    }
    ws.write_string(7, 2, "c4").unwrap();
    ws.write_datetime_with_format(
        7,
        3,
        &when,
        &Format::new().set_num_format("yyyy-mm-dd hh:mm"),
    )
    .unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let (w, r) = fresh("offset.xlsx", &bytes);
    assert_eq!(r.table, Some("fact_campaigns"), "{r:#?}");
    assert_eq!((r.rows_read, r.rows_loaded), (4, 2), "{r:#?}");
    assert_eq!(rejected_lines(&r), [6, 7], "sheet rows, not range rows");
    assert_eq!(rejected_columns(&r), [Some("clicks"), None]);
    assert_eq!(fact(&w, "c4").date, "2024-11-13");
}

#[test]
fn xlsx_header_must_be_within_the_first_20_rows() {
    let book = |header_row: u32| {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "Report").unwrap();
        let header = [
            "tenant_id",
            "campaign_id",
            "date",
            "impressions",
            "clicks",
            "conversions",
            "spend",
            "revenue",
        ];
        let row = ["t1", "c1", "2024-11-01", "100", "10", "1", "1", "2"];
        for c in 0..8 {
            ws.write_string(header_row, c as u16, header[c]).unwrap();
            ws.write_string(header_row + 1, c as u16, row[c]).unwrap();
        }
        wb.save_to_buffer().unwrap()
    };
    let (_, r) = fresh("row20.xlsx", &book(19));
    assert_eq!(
        (r.table, r.rows_loaded),
        (Some("fact_campaigns"), 1),
        "{r:#?}"
    );
    let (_, r) = fresh("row21.xlsx", &book(20));
    assert_eq!(r.table, None, "{r:#?}");
    assert!(r.error.is_some());
}

#[test]
fn any_slash_value_with_a_first_number_above_12_switches_the_column() {
    // SPEC §3: month/day "unless some value in that column (on any row, rejected or not)
    // has A > 12". 13/13/2024 and 32/01/2024 are not dates either way (their rows are
    // rejected), but their A is above 12, so 03/04/2024 is the 3rd of April.
    for decider in ["13/13/2024", "32/01/2024"] {
        let body = format!(
            "t1,c1,03/04/2024,100,10,1,1,2\n\
             t1,c2,{decider},100,10,1,1,2\n"
        );
        let (w, r) = fresh("dm.csv", &csv(&body));
        assert_eq!(rejected_lines(&r), [3], "{decider}: {r:#?}");
        assert_eq!(rejected_columns(&r), [Some("date")], "{decider}");
        assert_eq!(fact(&w, "c1").date, "2024-04-03", "{decider} has A > 12");
    }
}

#[test]
fn slash_dates_in_another_column_do_not_switch_the_date_column() {
    let file = "tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue,end_date\n\
                t1,c1,03/04/2024,100,10,1,1,2,13/04/2024\n";
    let (w, r) = fresh("other.csv", file.as_bytes());
    assert_eq!(r.extra_columns, ["end_date"]);
    assert_eq!(fact(&w, "c1").date, "2024-03-04");
}

#[test]
fn windows_1252_non_breaking_space_before_a_currency_sign() {
    // A European spreadsheet's "12,50 €" uses a no-break space (0xA0 in Windows-1252;
    // value.rs documents trimming "the non-breaking space of UTF-8 and Windows-1252").
    // The UTF-8 spelling (C2 A0) is the control.
    let mut utf8 =
        b"tenant_id;campaign_id;campaign_name;date;impressions;clicks;conversions;spend;revenue\n"
            .to_vec();
    utf8.extend_from_slice(
        "t1;c1;Café;01.11.2024;100;10;1;12,50\u{a0}€;1.000,00\u{a0}€\n".as_bytes(),
    );
    let (w, r) = fresh("utf8.csv", &utf8);
    assert_eq!(r.rows_loaded, 1, "UTF-8 control: {r:#?}");
    assert_eq!(fact(&w, "c1").spend, m("12.5"));

    let mut cp1252 =
        b"tenant_id;campaign_id;campaign_name;date;impressions;clicks;conversions;spend;revenue\n"
            .to_vec();
    cp1252.extend_from_slice(b"t1;c1;Caf\xE9;01.11.2024;100;10;1;12,50\xA0\x80;1.000,00\xA0\x80\n");
    let (w, r) = fresh("cp1252.csv", &cp1252);
    assert_eq!(r.rows_loaded, 1, "Windows-1252 NBSP + euro: {r:#?}");
    let f = fact(&w, "c1");
    assert_eq!(f.name.as_deref(), Some("Café"));
    assert_eq!((f.spend, f.revenue), (m("12.5"), m("1000")));
}

#[test]
fn json_in_windows_1252() {
    let bytes = b"[{\"tenant_id\": \"t1\", \"customer_id\": \"u1\", \"customer_name\": \"Ren\xE9e\", \"total_spent\": \"\x80 10,00\", \"total_orders\": 1},\n {\"tenant_id\": \"t1\", \"customer_id\": \"u2\", \"customer_name\": \"Zo\xEB\", \"total_spent\": \"\x8012.00\", \"total_orders\": 1}]";
    let (w, r) = fresh("cp.json", bytes);
    assert_eq!(r.table, Some("dim_customers"), "{r:#?}");
    assert_eq!(
        rejected_lines(&r),
        [1],
        "'10,00' is not grouped by three in JSON: {r:#?}"
    );
    let names: Vec<Option<&str>> = {
        let c = &w.star().customers;
        (0..c.len())
            .map(|row| w.star().dims.customer_name.value(c.customer_name[row]))
            .collect()
    };
    assert_eq!(names, [Some("Zoë")]);
    let s = w.dashboard(Dashboard::CustomerSummary, &all()).unwrap();
    assert_eq!(money(&s.rows[0][2]), m("12"));
}

#[test]
fn xlsx_date_cell_in_a_text_column_follows_the_workbook_date_system() {
    // SPEC §3: XLSX date cells are dates in both date systems. A date cell that lands in
    // a text column (here campaign_name) reads as the same day in either system.
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let header = [
        "tenant_id",
        "campaign_id",
        "campaign_name",
        "date",
        "impressions",
        "clicks",
        "conversions",
        "spend",
        "revenue",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let day = ExcelDateTime::from_ymd(2024, 11, 13).unwrap();
    let fmt = Format::new().set_num_format("yyyy-mm-dd");
    ws.write_string(1, 0, "t1").unwrap();
    ws.write_string(1, 1, "c1").unwrap();
    ws.write_date_with_format(1, 2, &day, &fmt).unwrap();
    ws.write_date_with_format(1, 3, &day, &fmt).unwrap();
    for c in 4..9 {
        ws.write_number(1, c, 1.0).unwrap();
    }
    let (w, r) = fresh("1900.xlsx", &wb.save_to_buffer().unwrap());
    assert_eq!(r.rows_loaded, 1, "{r:#?}");
    assert_eq!(
        fact(&w, "c1").name.as_deref(),
        Some("2024-11-13"),
        "1900 system"
    );

    let (w, r) = fresh("1904.xlsx", &workbook_1904_with_named_dates());
    assert_eq!(r.rows_loaded, 1, "{r:#?}");
    let f = fact(&w, "c1");
    assert_eq!(f.date, "2024-11-13");
    assert_eq!(
        f.name.as_deref(),
        Some("2024-11-13"),
        "1904 system, text column"
    );
    let extras = &w.star().campaigns.extras;
    assert_eq!(extras.names, ["launched"]);
    assert_eq!(
        extras.values.value(extras.columns[0][0]),
        Some("2024-11-13"),
        "1904 system, extra column"
    );
}

/// A 1904 workbook whose date cells also sit in a text column and an extra column.
fn workbook_1904_with_named_dates() -> Vec<u8> {
    let book = workbook_1904();
    // Reuse the 1904 package, replacing its sheet.
    let sheet = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
        <worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>\
        <row r=\"1\">\
        <c r=\"A1\" t=\"inlineStr\"><is><t>tenant_id</t></is></c>\
        <c r=\"B1\" t=\"inlineStr\"><is><t>campaign_id</t></is></c>\
        <c r=\"C1\" t=\"inlineStr\"><is><t>campaign_name</t></is></c>\
        <c r=\"D1\" t=\"inlineStr\"><is><t>date</t></is></c>\
        <c r=\"E1\" t=\"inlineStr\"><is><t>impressions</t></is></c>\
        <c r=\"F1\" t=\"inlineStr\"><is><t>clicks</t></is></c>\
        <c r=\"G1\" t=\"inlineStr\"><is><t>conversions</t></is></c>\
        <c r=\"H1\" t=\"inlineStr\"><is><t>spend</t></is></c>\
        <c r=\"I1\" t=\"inlineStr\"><is><t>revenue</t></is></c>\
        <c r=\"J1\" t=\"inlineStr\"><is><t>launched</t></is></c>\
        </row><row r=\"2\">\
        <c r=\"A2\" t=\"inlineStr\"><is><t>t1</t></is></c>\
        <c r=\"B2\" t=\"inlineStr\"><is><t>c1</t></is></c>\
        <c r=\"C2\" s=\"1\"><v>44147</v></c>\
        <c r=\"D2\" s=\"1\"><v>44147</v></c>\
        <c r=\"E2\"><v>1</v></c><c r=\"F2\"><v>1</v></c><c r=\"G2\"><v>1</v></c>\
        <c r=\"H2\"><v>1</v></c><c r=\"I2\"><v>1</v></c>\
        <c r=\"J2\" s=\"1\"><v>44147</v></c>\
        </row></sheetData></worksheet>";
    replace_zip_entry(&book, "xl/worksheets/sheet1.xml", sheet)
}

/// Rebuilds a stored zip made by `stored_zip` with one entry's text replaced.
fn replace_zip_entry(zip: &[u8], name: &str, text: &str) -> Vec<u8> {
    // Walk the local headers of the stored entries.
    let mut entries: Vec<(String, String)> = Vec::new();
    let mut p = 0;
    while zip[p..].starts_with(&0x0403_4b50u32.to_le_bytes()) {
        let size = u32::from_le_bytes(zip[p + 18..p + 22].try_into().unwrap()) as usize;
        let name_len = u16::from_le_bytes(zip[p + 26..p + 28].try_into().unwrap()) as usize;
        let entry = String::from_utf8(zip[p + 30..p + 30 + name_len].to_vec()).unwrap();
        let data = &zip[p + 30 + name_len..p + 30 + name_len + size];
        entries.push((entry, String::from_utf8(data.to_vec()).unwrap()));
        p += 30 + name_len + size;
    }
    let entries: Vec<(&str, String)> = entries
        .iter()
        .map(|(n, d)| {
            (
                n.as_str(),
                if n == name {
                    text.to_string()
                } else {
                    d.clone()
                },
            )
        })
        .collect();
    stored_zip(&entries)
}

#[test]
fn xlsx_cell_error_in_an_optional_column_does_not_reject_the_row() {
    // SPEC §4 rejects a row for a *required* column missing or unparseable. region is
    // optional for campaigns, so a cached #N/A there (a failed lookup) leaves the row
    // loaded, with no region. (An interpretation of §3/§4: see the report.)
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let header = [
        "tenant_id",
        "campaign_id",
        "date",
        "impressions",
        "clicks",
        "conversions",
        "spend",
        "revenue",
        "region",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["t1", "c1", "2024-11-01"].iter().enumerate() {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    for c in 3..8 {
        ws.write_number(1, c, 1.0).unwrap();
    }
    ws.write_formula(
        1,
        8,
        Formula::new("=VLOOKUP(B2,Regions!A:B,2,FALSE)").set_result("#N/A"),
    )
    .unwrap();
    let (w, r) = fresh("na.xlsx", &wb.save_to_buffer().unwrap());
    assert_eq!((r.rows_loaded, r.rows_rejected), (1, 0), "{r:#?}");
    assert_eq!(w.star().campaigns.region.get(0), NULL_KEY);
}

#[test]
fn xlsx_two_sheets_feeding_one_table() {
    let mut wb = Workbook::new();
    let header = [
        "tenant_id",
        "campaign_id",
        "date",
        "impressions",
        "clicks",
        "conversions",
        "spend",
        "revenue",
    ];
    for (sheet, tenant) in [("Zeta", "t1"), ("Alpha", "t2")] {
        let ws = wb.add_worksheet();
        ws.set_name(sheet).unwrap();
        for (c, h) in header.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        let rows = [
            [tenant, "c1", "2024-11-01", "100", "10", "1", "1", "2"],
            [tenant, "c2", "2024-11-01", "100", "200", "1", "1", "2"],
        ];
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(1 + r as u32, c as u16, *v).unwrap();
            }
        }
    }
    let (w, r) = fresh("two.xlsx", &wb.save_to_buffer().unwrap());
    assert_eq!(
        r.sheets.as_deref(),
        Some(&["Zeta".to_string(), "Alpha".to_string()][..])
    );
    assert_eq!(
        (r.rows_read, r.rows_loaded, r.rows_rejected),
        (4, 2, 2),
        "{r:#?}"
    );
    assert_eq!(w.tenants(), ["t1", "t2"]);
    // Rejected rows in source order (src/report.rs: "Every rejected row, in source
    // order"): the workbook's first sheet first.
    let places: Vec<(Option<&str>, u64)> = r
        .rejected
        .iter()
        .map(|x| (x.sheet.as_deref(), x.line))
        .collect();
    assert_eq!(places, [(Some("Zeta"), 3), (Some("Alpha"), 3)]);
}

#[test]
fn windows_1252_header_names_and_reasons_are_decoded() {
    // An extra column and a rejected value with non-ASCII letters in a Windows-1252 file:
    // the report names them as the user wrote them.
    let mut file =
        b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue,Qualit\xE9\n"
            .to_vec();
    file.extend_from_slice(b"t1,c1,2024-11-01,100,10,1,1,2,tr\xE8s bien\n");
    file.extend_from_slice(b"t1,c2,2024-11-01,100,10,1,zw\xF6lf,2,\n");
    let (w, r) = fresh("cp.csv", &file);
    assert_eq!((r.rows_loaded, r.rows_rejected), (1, 1), "{r:#?}");
    let extras = &w.star().campaigns.extras;
    assert_eq!(extras.values.value(extras.columns[0][0]), Some("très bien"));
    let problems: Vec<String> = [
        (r.extra_columns != ["qualité"]).then(|| {
            format!(
                "extra_columns {:?}, expected [\"qualité\"]",
                r.extra_columns
            )
        }),
        (!r.rejected[0].reason.contains("zwölf"))
            .then(|| format!("reason {:?} does not quote 'zwölf'", r.rejected[0].reason)),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

// ---------------------------------------------------------------------------------------
// The same text in two columns of one file (SPEC §2: each text column is its own
// dimension). Each file is loaded after another one, so that dimension keys differ.
// ---------------------------------------------------------------------------------------

fn after_a_first_file(second: &str) -> Warehouse {
    let mut w = Warehouse::new();
    let first = format!(
        "{HFULL}t1,c1,N1,2024-11-01,100,10,1,1,2,North,Product A\n\
         t1,c2,N2,2024-11-01,100,10,1,1,2,South,Product B\n"
    );
    load_one(&mut w, "first.csv", first.as_bytes());
    let r = load_one(&mut w, "second.csv", second.as_bytes());
    assert_eq!(r.rows_rejected, 0, "{r:#?}");
    w
}

#[test]
fn campaign_name_equal_to_campaign_id() {
    let w = after_a_first_file(&format!(
        "{HFULL}t1,Brand,Brand,2024-11-02,100,10,1,1,2,North,Product A\n"
    ));
    assert_eq!(fact(&w, "Brand").name.as_deref(), Some("Brand"));
}

#[test]
fn region_equal_to_product() {
    let w = after_a_first_file(&format!(
        "{HFULL}t1,c3,N3,2024-11-02,100,10,1,1,2,Other,Other\n"
    ));
    let by = |regions: &[&str], products: &[&str]| {
        let q = Query {
            regions: regions.iter().map(|s| s.to_string()).collect(),
            products: products.iter().map(|s| s.to_string()).collect(),
            ..Query::default()
        };
        let mut ids: Vec<String> = facts_in(&w, &q).into_iter().map(|f| f.campaign).collect();
        ids.sort();
        ids
    };
    assert_eq!(by(&[], &["Product A"]), ["c1"]);
    assert_eq!(by(&[], &["Other"]), ["c3"]);
    assert_eq!(by(&["Other"], &[]), ["c3"]);
    assert_eq!(by(&["North"], &[]), ["c1"]);
}

#[test]
fn target_region_equal_to_product() {
    let mut w = Warehouse::new();
    let first =
        "tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend\n\
                 t1,North,Product A,2024,11,100,1,50\n";
    load_one(&mut w, "t1.csv", first.as_bytes());
    let second =
        "tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend\n\
                  t1,All,All,2024,11,500,5,250\n";
    load_one(&mut w, "t2.csv", second.as_bytes());
    let tva = w.dashboard(Dashboard::TargetVsActual, &all()).unwrap();
    let keys: Vec<(&str, &str)> = tva
        .rows
        .iter()
        .map(|r| (text(&r[1]), text(&r[2])))
        .collect();
    assert_eq!(keys, [("All", "All"), ("North", "Product A")]);
}

#[test]
fn customer_name_equal_to_customer_id_and_region_to_preference() {
    let mut w = Warehouse::new();
    load_one(
        &mut w,
        "c1.csv",
        b"tenant_id,customer_id,customer_name,region,product_preference,total_spent,total_orders\n\
          t1,u1,Ann,North,Product A,10,1\n",
    );
    load_one(
        &mut w,
        "c2.csv",
        b"tenant_id,customer_id,customer_name,region,product_preference,total_spent,total_orders\n\
          t1,u2,u2,Other,Other,20,2\n",
    );
    let c = &w.star().customers;
    let d = &w.star().dims;
    let row = (0..c.len())
        .find(|&r| d.customer.value(c.customer[r]) == Some("u2"))
        .unwrap();
    assert_eq!(d.customer_name.value(c.customer_name[row]), Some("u2"));
    assert_eq!(d.region.value(c.region.get(row)), Some("Other"));
    assert_eq!(
        d.product.value(c.product_preference.get(row)),
        Some("Other")
    );
}

#[test]
fn extra_value_equal_to_another_column() {
    let w = after_a_first_file(
        "tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue,partner\n\
         t1,c9,2024-11-02,100,10,1,1,2,t1\n",
    );
    let extras = &w.star().campaigns.extras;
    let row = w.star().campaigns.len() - 1;
    assert_eq!(extras.values.value(extras.columns[0][row]), Some("t1"));
}
