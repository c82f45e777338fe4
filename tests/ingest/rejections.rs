//! Validation (SPEC §4, §5): rejection reasons and columns, warnings, performance
//! categories, channels, short and long rows, and line numbers and row accounting.

use crate::common::*;
use bi_platform::model::dict::NULL_KEY;
use bi_platform::{Dashboard, Query};

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
