//! Parsing values (SPEC §3), dates aside: missing markers, trimming, thousands
//! separators, currency signs, decimal commas, integers, money rounding, delimiters and
//! the byte order of text keys.

use crate::common::*;
use bi_platform::model::dict::NULL_KEY;
use bi_platform::{Dashboard, Query};

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
