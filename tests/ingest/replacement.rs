//! Re-loading and replacement (SPEC §4): identical bytes are a no-op, the last row of
//! a key wins within and across files, and rejected rows replace nothing.

use crate::common::*;
use bi_platform::{Dashboard, Query, Warehouse};

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
