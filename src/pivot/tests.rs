//! The pivot checked end to end: against the dashboards it must equal, totals that add
//! up exactly, top-N, sorting, the request's ids and errors, the CSV layout.

use super::axis::*;
use super::compute::*;
use super::result::*;
use super::spec::*;
use crate::generate::{sample_files, SampleSpec};
use crate::query::result::Value;
use crate::query::Query;
use crate::{Dashboard, TenantScope, Warehouse};
use std::cmp::Ordering;

fn sample() -> Warehouse {
    let spec = SampleSpec {
        tenants: 4,
        campaigns_per_tenant: 30,
        ..SampleSpec::default()
    };
    let files = sample_files(&spec).unwrap();
    let mut w = Warehouse::new();
    w.load("campaigns.csv", &files.campaigns_csv);
    w
}

fn request(rows: &[&str], columns: &[&str], measures: &[&str]) -> PivotRequest {
    PivotRequest {
        rows: rows.iter().map(|f| Field::from_id(f).unwrap()).collect(),
        columns: columns.iter().map(|f| Field::from_id(f).unwrap()).collect(),
        measures: measures
            .iter()
            .map(|m| Measure::from_id(m).unwrap())
            .collect(),
        ..PivotRequest::default()
    }
}

fn text(label: &Label<'_>) -> String {
    label.to_plain_string()
}

/// The leaf rows of a pivot with no column fields, by their labels.
fn leaves<'r>(p: &'r PivotResult<'_>) -> Vec<(Vec<String>, &'r [Value<'static>])> {
    p.rows
        .iter()
        .zip(&p.cells)
        .filter(|(h, _)| h.kind == HeaderKind::Leaf)
        .map(|(h, c)| (h.labels.iter().map(text).collect(), &c[..]))
        .collect()
}

fn queries() -> Vec<Query> {
    vec![
        Query::default(),
        Query {
            tenants: TenantScope::Only(vec!["tenant_002".into(), "tenant_004".into()]),
            channels: vec!["Email".into(), "Search".into()],
            ..Query::default()
        },
        Query {
            from: Some("2024-03-01".into()),
            to: Some("2024-09-30".into()),
            regions: vec!["North".into()],
            ..Query::default()
        },
    ]
}

#[test]
fn campaign_summary_equals_a_pivot_by_tenant() {
    let w = sample();
    let measures = [
        "rows",
        "sum:impressions",
        "sum:clicks",
        "sum:conversions",
        "sum:spend",
        "sum:revenue",
        "sum:profit",
    ];
    for query in queries() {
        let dash = w.dashboard(Dashboard::CampaignSummary, &query).unwrap();
        let p = pivot(&w, &query, &request(&["tenant"], &[], &measures)).unwrap();
        let got = leaves(&p);
        assert_eq!(got.len(), dash.rows.len(), "{query:?}");
        for ((labels, cells), row) in got.iter().zip(&dash.rows) {
            assert_eq!(labels[0], row[0].to_plain_string());
            for (i, name) in [
                "campaigns",
                "impressions",
                "clicks",
                "conversions",
                "spend",
                "revenue",
                "profit",
            ]
            .iter()
            .enumerate()
            {
                let col = dash.column(name).unwrap();
                assert_eq!(
                    cells[i].to_plain_string(),
                    row[col].to_plain_string(),
                    "{name}"
                );
            }
        }
    }
}

#[test]
fn channel_mix_and_funnel_equal_pivots() {
    let w = sample();
    for query in queries() {
        let dash = w.dashboard(Dashboard::ChannelMix, &query).unwrap();
        let p = pivot(
            &w,
            &query,
            &request(
                &["tenant", "channel"],
                &[],
                &["sum:spend", "sum:revenue", "roi"],
            ),
        )
        .unwrap();
        let got = leaves(&p);
        assert_eq!(got.len(), dash.rows.len());
        for ((labels, cells), row) in got.iter().zip(&dash.rows) {
            assert_eq!(
                (labels[0].clone(), labels[1].clone()),
                (row[0].to_plain_string(), row[1].to_plain_string())
            );
            assert_eq!(cells[0], row[2]);
            assert_eq!(cells[1], row[3]);
            assert_eq!(cells[2], row[4]);
        }
        let funnel = w.dashboard(Dashboard::ConversionFunnel, &query).unwrap();
        let p = pivot(
            &w,
            &query,
            &request(&["tenant"], &[], &["ctr", "conversion_rate"]),
        )
        .unwrap();
        for ((_, cells), row) in leaves(&p).iter().zip(&funnel.rows) {
            let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(a), Some(b)) => (a * 100.0 - b).abs() < 1e-9,
                (a, b) => a.is_none() && b.is_none(),
            };
            assert!(close(cells[0].as_f64(), row[4].as_f64()));
            assert!(close(cells[1].as_f64(), row[5].as_f64()));
        }
    }
}

#[test]
fn daily_performance_equals_a_pivot_by_tenant_and_day() {
    let w = sample();
    for query in queries() {
        let dash = w.dashboard(Dashboard::DailyPerformance, &query).unwrap();
        let p = pivot(
            &w,
            &query,
            &request(
                &["tenant", "day"],
                &[],
                &["sum:conversions", "sum:revenue", "sum:spend", "sum:profit"],
            ),
        )
        .unwrap();
        let got = leaves(&p);
        assert_eq!(got.len(), dash.rows.len());
        for ((labels, cells), row) in got.iter().zip(&dash.rows) {
            assert_eq!(labels[1], row[1].to_plain_string());
            assert_eq!(&cells[..], &row[2..6]);
        }
    }
}

#[test]
fn subtotals_and_totals_add_up_exactly() {
    let w = sample();
    let p = pivot(
        &w,
        &Query::default(),
        &request(
            &["region", "channel"],
            &["quarter"],
            &["sum:spend", "rows", "max:clicks"],
        ),
    )
    .unwrap();
    let total = p.rows.last().unwrap();
    assert_eq!(total.kind, HeaderKind::Total);
    let ncols = p.columns.len();
    for col in 0..ncols {
        let column = &p.columns[col];
        if column.measure == 2 {
            continue;
        }
        let sum = |kind: HeaderKind| -> i128 {
            p.rows
                .iter()
                .zip(&p.cells)
                .filter(|(h, _)| h.kind == kind)
                .map(|(_, c)| match c[col] {
                    Value::Money(m) => m,
                    Value::Int(i) => i128::from(i),
                    _ => 0,
                })
                .sum()
        };
        let grand = match p.cells.last().unwrap()[col] {
            Value::Money(m) => m,
            Value::Int(i) => i128::from(i),
            _ => 0,
        };
        assert_eq!(sum(HeaderKind::Leaf), grand);
        assert_eq!(sum(HeaderKind::Subtotal), grand);
    }
    // The grand total column of the grand total row is the whole scope.
    let summary = w
        .dashboard(Dashboard::CampaignSummary, &Query::default())
        .unwrap();
    let rows: i64 = summary
        .rows
        .iter()
        .map(|r| match r[1] {
            Value::Int(i) => i,
            _ => 0,
        })
        .sum();
    assert_eq!(p.cells.last().unwrap()[ncols - 2], Value::Int(rows));
    assert_eq!(p.fact_rows, rows as u64);
    // Subtotal rows follow their leaves.
    let first_sub = p
        .rows
        .iter()
        .position(|h| h.kind == HeaderKind::Subtotal)
        .unwrap();
    assert!(p.rows[..first_sub]
        .iter()
        .all(|h| h.kind == HeaderKind::Leaf && h.labels[0] == p.rows[first_sub].labels[0]));
}

#[test]
fn top_n_keeps_the_largest_and_folds_the_rest_into_others() {
    let w = sample();
    let mut req = request(&["tenant"], &[], &["sum:revenue"]);
    let all = pivot(&w, &Query::default(), &req).unwrap();
    req.top_n = Some(TopN { n: 2, measure: 0 });
    let top = pivot(&w, &Query::default(), &req).unwrap();
    let mut revenues: Vec<(Value<'_>, String)> = leaves(&all)
        .iter()
        .map(|(l, c)| (c[0], l[0].clone()))
        .collect();
    revenues.sort_by(|a, b| compare_values(&b.0, &a.0));
    let got = leaves(&top);
    assert_eq!(got.len(), 3);
    assert_eq!(got[2].0[0], "Others");
    let mut kept: Vec<String> = got[..2].iter().map(|(l, _)| l[0].clone()).collect();
    kept.sort();
    let mut want: Vec<String> = revenues[..2].iter().map(|(_, t)| t.clone()).collect();
    want.sort();
    assert_eq!(kept, want);
    assert_eq!(top.cells.last(), all.cells.last(), "the total is unchanged");
    let others: i128 = revenues[2..]
        .iter()
        .map(|(v, _)| match v {
            Value::Money(m) => *m,
            _ => 0,
        })
        .sum();
    assert_eq!(got[2].1[0], Value::Money(others));
}

#[test]
fn sorting_by_a_value_column_orders_siblings() {
    let w = sample();
    let mut req = request(&["channel"], &[], &["sum:spend"]);
    req.sort = PivotSort {
        column: Some(0),
        desc: true,
    };
    let p = pivot(&w, &Query::default(), &req).unwrap();
    let values: Vec<Value<'_>> = leaves(&p).iter().map(|(_, c)| c[0]).collect();
    assert!(values
        .windows(2)
        .all(|w| compare_values(&w[0], &w[1]) != Ordering::Less));
    // With top N, "Others" stays last whatever the sort.
    req.top_n = Some(TopN { n: 1, measure: 0 });
    req.sort.desc = false;
    let p = pivot(&w, &Query::default(), &req).unwrap();
    let l = leaves(&p);
    assert_eq!(l.last().unwrap().0[0], "Others");
    req.top_n = None;
    req.sort.column = Some(5);
    assert!(matches!(
        pivot(&w, &Query::default(), &req),
        Err(PivotError::BadSortColumn(5, 1))
    ));
}

#[test]
fn ids_round_trip_and_bad_requests_say_what_to_change() {
    for m in Measure::all() {
        assert_eq!(Measure::from_id(&m.id()).unwrap(), m);
    }
    let star = sample();
    for entry in choices(star.star()).fields {
        assert_eq!(Field::from_id(&entry.id).unwrap().id(), entry.id);
    }
    assert!(
        serde_json::from_str::<PivotRequest>(r#"{"rows": ["tenat"]}"#)
            .unwrap_err()
            .to_string()
            .contains("unknown pivot field 'tenat'")
    );
    let w = sample();
    let e = pivot(
        &w,
        &Query::default(),
        &request(&["tenant"], &["tenant"], &["rows"]),
    )
    .unwrap_err();
    assert_eq!(e, PivotError::Repeated("tenant".into()));
}

#[test]
fn fields_name_the_filter_their_values_set() {
    let star = sample();
    let filters: Vec<(String, Option<&str>)> = choices(star.star())
        .fields
        .into_iter()
        .map(|c| (c.id, c.filter))
        .collect();
    let filter = |id: &str| filters.iter().find(|(i, _)| i == id).unwrap().1;
    assert_eq!(filter("tenant"), Some("tenants"));
    assert_eq!(filter("performance"), Some("performance_categories"));
    assert_eq!(filter("day"), Some("dates"));
    assert_eq!(filter("month"), Some("months"));
    // A week, a quarter or a year is a date range, not a value of a filter.
    assert_eq!(filter("week"), None);
    assert_eq!(filter("campaign_name"), None);
    for (_, name) in &filters {
        if let Some(name) = name {
            assert!(
                crate::query::field::Field::from_name(name).is_some(),
                "{name}"
            );
        }
    }
}

#[test]
fn csv_keeps_the_layout_and_exact_money() {
    let w = sample();
    let p = pivot(
        &w,
        &Query::default(),
        &request(&["tenant"], &["year"], &["sum:spend"]),
    )
    .unwrap();
    let csv = p.to_csv();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2 + p.rows.len());
    assert!(lines[0].starts_with("Year,"), "{}", lines[0]);
    assert!(lines[0].ends_with(",Total"));
    assert!(lines.last().unwrap().starts_with("Total,"));
    let Value::Money(total) = p.cells.last().unwrap().last().unwrap() else {
        panic!()
    };
    assert!(lines
        .last()
        .unwrap()
        .ends_with(&format_millionths_i128(*total)));
}

fn format_millionths_i128(m: i128) -> String {
    crate::transform::value::format_millionths(i64::try_from(m).unwrap())
}

#[test]
fn date_grains_and_extras_name_their_buckets() {
    let mut w = Warehouse::new();
    w.load(
        "c.csv",
        b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue,team\n\
        a,c1,2024-12-30,10,1,0,1.00,0.50,red\na,c2,2025-01-02,10,1,0,1.00,0.50,\n",
    );
    let p = pivot(
        &w,
        &Query::default(),
        &request(
            &["week", "month", "quarter", "year", "extra:team"],
            &[],
            &["rows"],
        ),
    )
    .unwrap();
    let first: Vec<String> = p.rows[0].labels.iter().map(text).collect();
    assert_eq!(first, ["2025-W01", "2024-12", "2024-Q4", "2024", "red"]);
    let l = leaves(&p);
    assert_eq!(l[1].0, ["2025-W01", "2025-01", "2025-Q1", "2025", ""]);
    assert!(choices(w.star())
        .fields
        .iter()
        .any(|f| f.id == "extra:team"));
}
