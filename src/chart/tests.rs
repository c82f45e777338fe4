//! The charts checked: relaxed filters, tenant scope, exact ROI buckets, KPIs, top-N
//! tenants, summaries and filter options.

use super::build::*;
use super::data::*;
use super::draw::*;
use super::kpis::*;
use super::page::*;
use super::roi::*;
use crate::query::Query;
use crate::{TenantScope, Warehouse};

const CSV: &[u8] = b"tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product\n\
    a,c1,C1 - Search,2024-11-01,1000,100,10,10.00,30.00,North,P1\n\
    a,c2,C2 - Video,2024-11-02,1000,100,10,10.00,5.00,North,P1\n\
    b,c1,C1 - Search,2024-11-01,500,50,5,20.00,20.00,South,P2\n";

fn warehouse() -> Warehouse {
    let mut w = Warehouse::new();
    w.load("c.csv", CSV);
    w
}

fn scoped(t: &str) -> Query {
    Query {
        tenants: TenantScope::Only(vec![t.into()]),
        ..Query::default()
    }
}

#[test]
fn a_charts_own_filter_is_relaxed_and_its_selection_marked() {
    let w = warehouse();
    let video = Query {
        channels: vec!["Video".into()],
        ..Query::default()
    };
    let all = charts(&w, &video).unwrap();
    let get = |id: &str| all.iter().find(|c| c.id == id).unwrap();
    // The clicked chart keeps every channel, Video marked; the others follow.
    let channels = get("channels");
    assert_eq!(channels.categories, vec!["Search", "Video"]);
    assert_eq!(channels.selected, vec![1]);
    assert!(channels.summary.ends_with(" Selected: Video."));
    assert_eq!(get("tenants").categories, vec!["a"]);
    assert_eq!(get("tenants").series[0].values, vec![Some(5.0)]);
    assert!(get("tenants").selected.is_empty());
    // The tenant scope is a wall, never relaxed: b is nowhere.
    let scoped = Query {
        tenants: TenantScope::Only(vec!["b".into()]),
        channels: vec!["Video".into()],
        ..Query::default()
    };
    let charts = charts(&w, &scoped).unwrap();
    let channels = charts.iter().find(|c| c.id == "channels").unwrap();
    assert_eq!(channels.categories, vec!["Search"]);
    assert!(channels.selected.is_empty());
    let json = serde_json::to_string(&charts).unwrap();
    assert!(!json.contains("\"a\""));
    // The selected bars are outlined in the drawing: one frame per selected bar.
    let mut plain = String::new();
    let mut marked = String::new();
    let unmarked = Chart {
        selected: vec![],
        ..get("channels").clone()
    };
    let backend = |out| plotters::prelude::SVGBackend::with_string(out, (640, 360));
    draw(&unmarked, backend(&mut plain), 1.0).unwrap();
    draw(get("channels"), backend(&mut marked), 1.0).unwrap();
    let frames = |svg: &str| svg.matches("stroke=\"#1E293B\"").count();
    assert_eq!(
        frames(&marked),
        frames(&plain) + 2,
        "Video's two bars framed"
    );
}

#[test]
fn roi_buckets_use_exact_edges() {
    let w = warehouse();
    let chart = roi_distribution(&w, &Query::default()).unwrap();
    let values: Vec<f64> = chart.series[0].values.iter().map(|v| v.unwrap()).collect();
    // a/c1 roi 200% -> bucket "200–250%"; a/c2 -50% -> "-50–0%"; b/c1 0% -> "0–50%".
    assert_eq!(values, vec![1.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
    assert_eq!(chart.categories[0], "-50–0%");
    assert_eq!(chart.categories[5], "200–250%");
}

#[test]
fn charts_in_a_tenant_scope_hold_only_that_tenant() {
    let w = warehouse();
    let charts = charts(&w, &scoped("a")).unwrap();
    let json = serde_json::to_string(&charts).unwrap();
    assert!(!json.contains("\"b\""));
    let tenants = charts.iter().find(|c| c.id == "tenants").unwrap();
    assert_eq!(tenants.categories, vec!["a"]);
    assert_eq!(tenants.series[0].values, vec![Some(35.0)]);
    let roi = charts.iter().find(|c| c.id == "roi_distribution").unwrap();
    let total: f64 = roi.series[0].values.iter().flatten().sum();
    assert_eq!(total, 2.0);
}

#[test]
fn kpis_are_ratios_of_sums() {
    let k = kpis(&warehouse(), &Query::default()).unwrap();
    assert_eq!(
        (k.campaigns, k.spend, k.revenue, k.profit),
        (3, 40.0, 55.0, 15.0)
    );
    assert_eq!(k.roi, Some(15.0 / 40.0));
    assert_eq!(k.ctr, Some(250.0 / 2500.0));
    let empty = kpis(&warehouse(), &scoped("nobody")).unwrap();
    assert_eq!((empty.roi, empty.ctr), (None, None));
}

#[test]
fn many_tenants_are_cut_to_top_n_plus_others() {
    let mut csv =
        String::from("tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n");
    for t in 0..30 {
        csv.push_str(&format!("t{t:02},c,2024-11-01,100,10,1,1.00,{t}.00\n"));
    }
    let mut w = Warehouse::new();
    w.load("c.csv", csv.as_bytes());
    let charts = charts(&w, &Query::default()).unwrap();
    let tenants = charts.iter().find(|c| c.id == "tenants").unwrap();
    assert_eq!(tenants.categories.len(), TOP_TENANTS + 1);
    assert_eq!(tenants.categories[0], "t29");
    assert_eq!(tenants.categories[TOP_TENANTS], "Others (20)");
    let trend = charts.iter().find(|c| c.id == "tenant_trend").unwrap();
    assert_eq!(trend.series.len(), TOP_TREND_TENANTS + 1);
    let others: f64 = (0..25).map(f64::from).sum();
    assert_eq!(trend.series[TOP_TREND_TENANTS].values, vec![Some(others)]);
}

#[test]
fn roi_buckets_are_exact_at_their_edges_in_both_widths() {
    const M: i64 = 1_000_000;
    // (spend, revenue) -> bucket: ROI exactly on an edge belongs to the bucket above.
    for scale in [1, 1 << 30] {
        for (spend, revenue, bucket) in [
            (100 * M, 49 * M, 0),             // -51%
            (100 * M, 50 * M, 1),             // -50%
            (100 * M, 100 * M, 2),            // 0%
            (70 * M / 100, 210 * M / 100, 6), // 200% exactly
            (100 * M, 600 * M, 12),           // 500%
            (3, 7, 4),                        // 133.3%
        ] {
            assert_eq!(
                roi_bucket(spend * scale, revenue * scale),
                bucket,
                "{spend} {revenue} x{scale}"
            );
        }
    }
    assert_eq!(roi_bucket(i64::MAX, i64::MAX), 2);
    assert_eq!(roi_bucket(1, i64::MAX), 12);
}

proptest::proptest! {
    /// The branchless count is the exact bucket, for any spend and revenue (negative
    /// and extreme ones included).
    #[test]
    fn roi_bucket_counts_what_the_exact_rule_decides(
        spend in proptest::prop_oneof![
            proptest::prelude::any::<i64>(),
            -10_000_000_000i64..10_000_000_000,
            1i64..1_000_000,
        ],
        revenue in proptest::prop_oneof![
            proptest::prelude::any::<i64>(),
            -10_000_000_000i64..10_000_000_000,
        ],
    ) {
        proptest::prop_assume!(spend != 0);
        proptest::prop_assert_eq!(roi_bucket(spend, revenue), roi_bucket_exact(spend, revenue));
    }
}

#[test]
fn every_chart_carries_the_summary_of_its_data() {
    let w = warehouse();
    for chart in charts(&w, &Query::default()).unwrap() {
        assert_eq!(chart.summary, chart.describe(), "{}", chart.id);
        assert!(!chart.summary.is_empty(), "{}", chart.id);
    }
    let empty = charts(&Warehouse::new(), &Query::default()).unwrap();
    assert!(empty
        .iter()
        .all(|c| c.summary == "No data in this selection."));
}

#[test]
fn summaries_name_peaks_values_and_shares() {
    let w = warehouse();
    let all = charts(&w, &Query::default()).unwrap();
    let get = |id: &str| all.iter().find(|c| c.id == id).unwrap().summary.clone();
    // Revenue by day: 2024-11-01 has 30 + 20, 2024-11-02 has 5; spend 30 and 10;
    // profit 20 and -5.
    assert_eq!(
        get("trend"),
        "Revenue peaked at $50 on 2024-11-01; Spend at $30 on 2024-11-01; \
         Profit at $20 on 2024-11-01. 2 dates, 2024-11-01 to 2024-11-02."
    );
    assert_eq!(
        get("funnel"),
        "Count by stage: Impressions 2.5k, Clicks 250 (CTR 10.0%), Conversions 25 (CVR 10.0%)."
    );
    // Tenant a: revenue 35, spend 20; b: 20 and 20 (a tie goes to the first).
    assert_eq!(
        get("tenants"),
        "Revenue is highest for a ($35); Spend for a ($20)."
    );
    assert_eq!(
        get("channels"),
        "Spend is highest for Search ($30); Revenue for Search ($50)."
    );
}

#[test]
fn summaries_of_many_series_and_categories() {
    let mut chart = Chart::new("x", "X", Kind::Line, "Date", "Revenue ($)", Unit::Money);
    chart.categories = vec!["2024-01-01".into()];
    chart.series = (0..5)
        .map(|i| Series {
            name: format!("t{i}"),
            values: vec![Some(f64::from(i + 1) * 1000.0)],
        })
        .collect();
    assert_eq!(
        chart.describe(),
        "t0 peaked at $1k on 2024-01-01; t1 at $2k on 2024-01-01; t2 at $3k on 2024-01-01 \
         (2 more series in the table). 1 date, 2024-01-01 to 2024-01-01."
    );
    let mut roi = Chart::new("r", "R", Kind::Bars, "ROI", "Campaign rows", Unit::Count);
    roi.categories = (0..8).map(|i| format!("b{i}")).collect();
    roi.series = vec![Series {
        name: "Campaign rows".into(),
        values: (0..8)
            .map(|i| Some(if i == 5 { 12.0 } else { 1.0 }))
            .collect(),
    }];
    assert_eq!(
        roi.describe(),
        "Most campaign rows are in ROI b5 (12 of 19)."
    );
    // Ties go to the first category; a missing value is not a peak.
    let s = Series {
        name: "s".into(),
        values: vec![None, Some(2.0), Some(2.0), Some(f64::NAN)],
    };
    assert_eq!(s.peak(), Some((1, 2.0)));
}

#[test]
fn filter_options_list_loaded_values() {
    let o = filter_options(&warehouse());
    assert_eq!(o.tenants, vec!["a", "b"]);
    assert_eq!(o.channels, vec!["Search", "Video"]);
    assert_eq!(o.first_date.as_deref(), Some("2024-11-01"));
    assert_eq!(o.last_date.as_deref(), Some("2024-11-02"));
}
