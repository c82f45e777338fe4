//! SPEC §6 for the pivot view (issue 13): a pivot of random fields and measures under a
//! scope equals the pivot over a warehouse that never saw the other tenants, and names
//! no other tenant; and a pivot by tenant adds up to the dashboards' numbers.

use crate::common::tenants::*;
use crate::common::*;
use bi_platform::pivot::{self, Field, HeaderKind, Measure, PivotRequest, PivotSort, TopN};
use bi_platform::{Dashboard, Query, TenantScope, Warehouse};
use proptest::prelude::*;
use serde_json::Value as Json;

const PIVOT_FIELDS: [&str; 12] = [
    "tenant",
    "campaign",
    "campaign_name",
    "channel",
    "region",
    "product",
    "performance",
    "day",
    "week",
    "month",
    "quarter",
    "year",
];

/// A random pivot: up to three distinct fields split between rows and columns, one to
/// four measures, maybe a top N and a sort by a value column.
fn pivot_request() -> impl Strategy<Value = PivotRequest> {
    let measures = Measure::all();
    let n_measures = measures.len();
    (
        prop::sample::subsequence(PIVOT_FIELDS.to_vec(), 0..=3).prop_shuffle(),
        0usize..=3,
        prop::collection::vec(0..n_measures, 1..=4),
        prop::option::of((1usize..4, 0usize..4)),
        prop::option::of((0usize..3, any::<bool>())),
    )
        .prop_map(move |(fields, split, picks, top, sort)| {
            let fields: Vec<Field> = fields.iter().map(|f| Field::from_id(f).unwrap()).collect();
            let split = split.min(fields.len());
            let measures: Vec<Measure> = picks.iter().map(|&i| measures[i]).collect();
            PivotRequest {
                rows: fields[..split].to_vec(),
                columns: fields[split..].to_vec(),
                top_n: top.map(|(n, m)| TopN {
                    n,
                    measure: m % measures.len(),
                }),
                sort: sort.map_or(PivotSort::default(), |(column, desc)| PivotSort {
                    column: Some(column % measures.len()),
                    desc,
                }),
                measures,
            }
        })
}

fn pivot_json(w: &Warehouse, q: &Query, request: &PivotRequest) -> Json {
    serde_json::to_value(pivot::pivot(w, q, request).expect("a valid pivot")).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn a_scoped_pivot_equals_the_pivot_of_a_warehouse_of_only_those_tenants(
        data in data(),
        mask in 0u32..(1 << TENANTS.len()),
        f in filters(),
        request in pivot_request(),
    ) {
        let scope: Vec<usize> = (0..TENANTS.len()).filter(|i| mask & (1 << i) != 0).collect();
        let ids: Vec<String> = scope.iter().map(|&i| TENANTS[i].to_string()).collect();
        let q = query(TenantScope::Only(ids.clone()), &f);
        let w = warehouse(&data, |_| true);
        let isolated = warehouse(&data, |t| scope.contains(&t));
        let scoped = pivot_json(&w, &q, &request);
        prop_assert_eq!(&scoped, &pivot_json(&isolated, &q, &request), "{:?}", request);
        let mut texts = Vec::new();
        strings(&scoped, &mut texts);
        for (i, other) in TENANTS.iter().enumerate() {
            if !scope.contains(&i) {
                prop_assert!(texts.iter().all(|t| !t.contains(other)), "{} leaks into {:?}", other, ids);
            }
        }
    }

    #[test]
    fn pivot_totals_equal_the_dashboards(
        data in data(),
        mask in 0u32..(1 << TENANTS.len()),
        f in filters(),
    ) {
        let ids: Vec<String> = (0..TENANTS.len()).filter(|i| mask & (1 << i) != 0).map(|i| TENANTS[i].to_string()).collect();
        let w = warehouse(&data, |_| true);
        for q in [query(TenantScope::Only(ids), &f), query(TenantScope::All, &f)] {
            let summary = json(&w, Dashboard::CampaignSummary, &q);
            let request: PivotRequest = serde_json::from_value(serde_json::json!({
                "rows": ["tenant"],
                "measures": ["rows", "sum:impressions", "sum:clicks", "sum:conversions", "sum:spend", "sum:revenue", "sum:profit"],
            })).unwrap();
            let p = pivot::pivot(&w, &q, &request).unwrap();
            let leaves: Vec<Json> = p.rows.iter().zip(&p.cells)
                .filter(|(h, _)| h.kind == HeaderKind::Leaf)
                .map(|(h, cells)| {
                    let mut row = vec![serde_json::to_value(&h.labels[0]).unwrap()];
                    row.extend(cells.iter().map(|c| serde_json::to_value(c).unwrap()));
                    Json::Array(row)
                })
                .collect();
            let expected: Vec<Json> = rows_of(&summary).iter()
                .map(|r| Json::Array(r.as_array().unwrap()[..8].to_vec()))
                .collect();
            prop_assert_eq!(leaves, expected);
            // The grand total is the sum over tenants, exactly.
            let total = p.cells.last().unwrap();
            let rows: i64 = rows_of(&summary).iter().map(|r| r[1].as_i64().unwrap()).sum();
            prop_assert_eq!(serde_json::to_value(total[0]).unwrap(), Json::from(rows));
            let channels = json(&w, Dashboard::ChannelMix, &q);
            let request: PivotRequest = serde_json::from_value(serde_json::json!({
                "rows": ["tenant", "channel"], "measures": ["sum:spend", "sum:revenue", "roi"],
            })).unwrap();
            let p = pivot::pivot(&w, &q, &request).unwrap();
            let leaves: Vec<Json> = p.rows.iter().zip(&p.cells)
                .filter(|(h, _)| h.kind == HeaderKind::Leaf)
                .map(|(h, cells)| {
                    let mut row: Vec<Json> = h.labels.iter().map(|l| serde_json::to_value(l).unwrap()).collect();
                    row.extend(cells.iter().map(|c| serde_json::to_value(c).unwrap()));
                    Json::Array(row)
                })
                .collect();
            prop_assert_eq!(leaves, rows_of(&channels));
        }
    }
}
