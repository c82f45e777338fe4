//! SPEC §6: "Inside a tenant scope no call returns, counts or draws any row of another
//! tenant." Checked as properties over random warehouses (campaigns, targets and
//! customers of several tenants) and random scopes and filters (`common::tenants`):
//!
//! 1. every dashboard under a scope equals the all-tenant result restricted to the
//!    scope's tenants (same rows, same order);
//! 2. no cell of a scoped result names another tenant;
//! 3. a scoped result is the same as in a warehouse that never saw the other tenants.
//!
//! Filters checked against an oracle and drill-down paths are in tenant_filters.rs,
//! pivots in tests/pivot/tenants.rs.

use crate::common::tenants::*;
use crate::common::*;
use bi_platform::{Dashboard, Query, TenantScope, Warehouse};
use proptest::prelude::*;
use serde_json::Value as Json;

fn check_scope(data: &Data, w: &Warehouse, scope: &[usize], f: &Filters) {
    let ids: Vec<String> = scope.iter().map(|&i| TENANTS[i].to_string()).collect();
    let scoped_q = query(TenantScope::Only(ids.clone()), f);
    let all_q = query(TenantScope::All, f);
    let isolated = warehouse(data, |t| scope.contains(&t));
    for d in Dashboard::ALL {
        let scoped = json(w, d, &scoped_q);
        let everything = json(w, d, &all_q);
        assert_eq!(scoped["columns"], everything["columns"]);
        assert_eq!(scoped["columns"][0], "tenant_id", "{}", d.name());
        let restricted: Vec<Json> = rows_of(&everything)
            .into_iter()
            .filter(|row| ids.iter().any(|id| row[0] == id.as_str()))
            .collect();
        assert_eq!(
            rows_of(&scoped),
            restricted,
            "{}: scope {ids:?} vs all tenants restricted",
            d.name()
        );
        // No other tenant anywhere in the scoped result.
        let mut texts = Vec::new();
        strings(&scoped, &mut texts);
        for (i, other) in TENANTS.iter().enumerate() {
            if !scope.contains(&i) {
                assert!(
                    texts.iter().all(|t| !t.contains(other)),
                    "{}: {other} leaks into scope {ids:?}",
                    d.name()
                );
            }
        }
        // A warehouse that never saw the other tenants answers the same.
        assert_eq!(
            scoped,
            json(&isolated, d, &scoped_q),
            "{}: other tenants' rows change the scoped result",
            d.name()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn one_tenant_scope_is_the_restriction_of_all(
        data in data(),
        tenant in 0..TENANTS.len(),
        f in filters(),
    ) {
        let w = warehouse(&data, |_| true);
        check_scope(&data, &w, &[tenant], &f);
    }

    #[test]
    fn a_tenant_subset_is_the_restriction_of_all(
        data in data(),
        mask in 0u32..(1 << TENANTS.len()),
        f in filters(),
    ) {
        let scope: Vec<usize> = (0..TENANTS.len()).filter(|i| mask & (1 << i) != 0).collect();
        let w = warehouse(&data, |_| true);
        check_scope(&data, &w, &scope, &f);
    }

    #[test]
    fn unknown_tenants_in_a_scope_see_nothing_more(
        data in data(),
        mask in 0u32..(1 << TENANTS.len()),
    ) {
        let w = warehouse(&data, |_| true);
        let mut ids: Vec<String> = (0..TENANTS.len())
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| TENANTS[i].to_string())
            .collect();
        let known = Query { tenants: TenantScope::Only(ids.clone()), ..Query::default() };
        ids.push("nobody".into());
        ids.push("ACME".into());
        let with_unknown = Query { tenants: TenantScope::Only(ids), ..Query::default() };
        for d in Dashboard::ALL {
            prop_assert_eq!(json(&w, d, &with_unknown), json(&w, d, &known), "{}", d.name());
        }
    }

    /// A view computes every dashboard over one resolved scope, sharing the per-tenant
    /// sums of `campaign_summary` and `conversion_funnel`: each equals the dashboard
    /// asked alone, under any scope and filters.
    #[test]
    fn a_view_shares_work_without_changing_an_answer(
        data in data(),
        mask in 0u32..(1 << TENANTS.len()),
        all in any::<bool>(),
        f in filters(),
        offset in 0usize..30,
        limit in 0usize..30,
    ) {
        let w = warehouse(&data, |_| true);
        let ids: Vec<String> = (0..TENANTS.len())
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| TENANTS[i].to_string())
            .collect();
        let q = query(if all { TenantScope::All } else { TenantScope::Only(ids) }, &f);
        let page = Query { offset: Some(offset), limit: Some(limit), ..q.clone() };
        let shared = w.dashboards_paged(&q, &page).unwrap();
        prop_assert_eq!(shared.len(), Dashboard::ALL.len());
        for (d, result) in shared {
            let alone_query = if d == Dashboard::CampaignPerformance { &page } else { &q };
            let alone = w.dashboard(d, alone_query).unwrap();
            prop_assert_eq!(
                serde_json::to_value(&result).unwrap(),
                serde_json::to_value(&alone).unwrap(),
                "{}", d.name()
            );
        }
    }

    /// Paging (by the selection of passing rows, walked in the dashboard's order) is
    /// the slice of the whole result, under a tenant scope and any filters.
    /// A view that takes the clicked chart's own chart from the charts of the views
    /// before (a memo kept across views) equals the view computed afresh, over any run
    /// of scopes and filters, and after more data is loaded.
    #[test]
    fn views_with_a_memo_equal_views_afresh(
        data in data(),
        steps in prop::collection::vec((0u32..(1 << TENANTS.len()), any::<bool>(), filters()), 1..5),
        more in prop::collection::vec(campaign_row(), 1..5),
    ) {
        let mut w = warehouse(&data, |_| true);
        let mut memo = bi_platform::chart::ChartMemo::default();
        let page = bi_platform::view::Page::default();
        let queries: Vec<Query> = steps
            .iter()
            .map(|(mask, all, f)| {
                let ids: Vec<String> = (0..TENANTS.len())
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| TENANTS[i].to_string())
                    .collect();
                query(if *all { TenantScope::All } else { TenantScope::Only(ids) }, f)
            })
            .collect();
        // Each query, then the same query without each of its click filters in turn,
        // as a click and the click that clears it go.
        for round in 0..2 {
            for q in &queries {
                let mut relaxed = vec![q.clone()];
                for field in bi_platform::query::field::Field::ALL {
                    let mut r = q.clone();
                    if let Some(values) = field.values_mut(&mut r) {
                        if !values.is_empty() {
                            values.clear();
                            relaxed.push(r);
                        }
                    }
                }
                for q in relaxed.iter().chain(std::iter::once(q)) {
                    let kept = bi_platform::view::view_with(&w, q, &page, &mut memo).unwrap();
                    let fresh = bi_platform::view::view(&w, q, &page).unwrap();
                    prop_assert_eq!(&kept.charts, &fresh.charts, "round {}", round);
                }
            }
            if round == 0 {
                let rows: Vec<&CampaignRow> = more.iter().collect();
                w.load("more.csv", campaigns_csv(&rows).as_bytes());
            }
        }
    }

    #[test]
    fn paging_under_a_scope_stays_in_the_scope(
        data in data(),
        tenant in 0..TENANTS.len(),
        f in filters(),
        offset in 0usize..30,
        limit in 0usize..30,
    ) {
        let w = warehouse(&data, |_| true);
        let base = query(TenantScope::Only(vec![TENANTS[tenant].into()]), &f);
        for d in Dashboard::ALL {
            let full = rows_of(&json(&w, d, &base));
            let paged = json(&w, d, &Query { offset: Some(offset), limit: Some(limit), ..base.clone() });
            let expected: Vec<Json> = full.iter().skip(offset).take(limit).cloned().collect();
            prop_assert_eq!(rows_of(&paged), expected, "{}", d.name());
            prop_assert_eq!(&paged["total_rows"], &Json::from(full.len()), "{}", d.name());
        }
    }
}

#[test]
fn scoped_counts_add_up_to_the_total() {
    // A fixed example: the union of single-tenant summaries is the all-tenant summary.
    let rows: Vec<CampaignRow> = (0..40)
        .map(|i| CampaignRow {
            tenant: i % TENANTS.len(),
            campaign: i % 6,
            day: (i * 7 % 120) as i64,
            impressions: 1000 + i as u32,
            clicks: 10 + i as u32,
            conversions: 1,
            spend_cents: 1000 + i as u32,
            revenue_cents: 2000,
            region: Some(i % REGIONS.len()),
            product: Some(i % PRODUCTS.len()),
            channel: Some(i % CHANNELS.len()),
            dotted_date: i % 2 == 0,
        })
        .collect();
    let data = Data {
        campaigns: rows,
        targets: Vec::new(),
        customers: Vec::new(),
    };
    let w = warehouse(&data, |_| true);
    let total = rows_of(&json(&w, Dashboard::CampaignSummary, &all()));
    let mut union = Vec::new();
    for t in TENANTS {
        union.extend(rows_of(&json(&w, Dashboard::CampaignSummary, &only(&[t]))));
    }
    union.sort_by_key(|r| r[0].as_str().unwrap().to_string());
    let mut total_sorted = total.clone();
    total_sorted.sort_by_key(|r| r[0].as_str().unwrap().to_string());
    assert_eq!(union, total_sorted);
    let count: i64 = total.iter().map(|r| r[1].as_i64().unwrap()).sum();
    assert_eq!(count, w.star().campaigns.len() as i64);
}

#[test]
fn a_campaign_named_like_another_tenant_stays_with_its_own_tenant() {
    // A co-marketing campaign of Globex is called "acme"; acme's own rows come later in
    // the same file. Each row belongs to the tenant of its tenant_id cell.
    let header =
        "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue\n";
    let mut w = Warehouse::new();
    let first = format!("{header}acme,a0,Spring - Search,2024-11-01,100,10,1,1.00,2.00\n");
    load_one(&mut w, "first.csv", first.as_bytes());
    let second = format!(
        "{header}Globex,g1,acme,2024-11-02,100,10,1,5.00,6.00\n\
         acme,a1,Autumn - Email,2024-11-03,100,10,1,7.00,8.00\n"
    );
    load_one(&mut w, "second.csv", second.as_bytes());
    let acme: Vec<String> = facts_in(&w, &only(&["acme"]))
        .into_iter()
        .map(|f| format!("{} {}", f.tenant, f.campaign))
        .collect();
    let globex: Vec<String> = facts_in(&w, &only(&["Globex"]))
        .into_iter()
        .map(|f| format!("{} {}", f.tenant, f.campaign))
        .collect();
    assert_eq!(acme, ["acme a1", "acme a0"], "acme's scope");
    assert_eq!(globex, ["Globex g1"], "Globex's scope");
    let s = w
        .dashboard(Dashboard::CampaignSummary, &only(&["Globex"]))
        .unwrap();
    assert_eq!(s.rows.len(), 1);
    assert_eq!(int(&s.rows[0][1]), 1, "Globex counts only its own row");
    assert_eq!(money(&s.rows[0][5]), m("5"));
}

/// Vocabularies whose words repeat across columns: region "Other" is also a product, a
/// product is named like a region, campaign names may be tenant ids.
const REGIONS_X: [&str; 4] = ["North", "South", "Other", "Globex"];
const PRODUCTS_X: [&str; 3] = ["Product A", "Other", "North"];

fn campaigns_csv_x(rows: &[&CampaignRow]) -> String {
    let mut out = String::from(
        "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product\n",
    );
    for r in rows {
        // The channel index doubles as "name the campaign after tenant k".
        let name = match r.channel {
            Some(c) if c < 2 => TENANTS[(r.tenant + 1 + c) % TENANTS.len()].to_string(),
            Some(c) => format!("Campaign {} - {}", r.campaign, CHANNELS[c]),
            None => format!("c{}", r.campaign),
        };
        out.push_str(&format!(
            "{},c{},{name},{},{},{},{},{},{},{},{}\n",
            TENANTS[r.tenant],
            r.campaign,
            date_text(r.day, r.dotted_date),
            r.impressions,
            r.clicks,
            r.conversions,
            money_text(r.spend_cents),
            money_text(r.revenue_cents),
            r.region.map_or("NA", |i| REGIONS_X[i % REGIONS_X.len()]),
            r.product.map_or("", |i| PRODUCTS_X[i % PRODUCTS_X.len()]),
        ));
    }
    out
}

fn warehouse_x(rows: &[CampaignRow], split: usize, keep: impl Fn(usize) -> bool) -> Warehouse {
    let mut w = Warehouse::new();
    let kept: Vec<&CampaignRow> = rows.iter().filter(|r| keep(r.tenant)).collect();
    let split = split.min(kept.len());
    for (name, part) in [("one.csv", &kept[..split]), ("two.csv", &kept[split..])] {
        for r in w.load(name, campaigns_csv_x(part).as_bytes()) {
            assert_eq!(r.rows_rejected, 0, "{r:#?}");
        }
    }
    w
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The restriction and isolation properties when text values repeat across columns
    /// (and the rows arrive in two files).
    #[test]
    fn scopes_hold_when_words_repeat_across_columns(
        rows in prop::collection::vec(campaign_row(), 1..40),
        split in 0usize..40,
        mask in 1u32..(1 << TENANTS.len()),
    ) {
        let scope: Vec<usize> = (0..TENANTS.len()).filter(|i| mask & (1 << i) != 0).collect();
        let ids: Vec<String> = scope.iter().map(|&i| TENANTS[i].to_string()).collect();
        let w = warehouse_x(&rows, split, |_| true);
        let isolated = warehouse_x(&rows, split, |t| scope.contains(&t));
        let q = Query { tenants: TenantScope::Only(ids.clone()), ..Query::default() };
        for d in [Dashboard::CampaignSummary, Dashboard::CampaignPerformance, Dashboard::ChannelMix] {
            let scoped = json(&w, d, &q);
            let restricted: Vec<Json> = rows_of(&json(&w, d, &all()))
                .into_iter()
                .filter(|row| ids.iter().any(|id| row[0] == id.as_str()))
                .collect();
            prop_assert_eq!(rows_of(&scoped), restricted, "{}", d.name());
            for row in rows_of(&scoped) {
                prop_assert!(ids.iter().any(|id| row[0] == id.as_str()), "{}: {}", d.name(), row);
            }
            prop_assert_eq!(&scoped, &json(&isolated, d, &q), "{}: isolated", d.name());
        }
        // Each tenant's row count is the number of distinct keys it was given.
        for (i, t) in TENANTS.iter().enumerate() {
            let keys: std::collections::BTreeSet<(usize, String)> = rows
                .iter()
                .filter(|r| r.tenant == i)
                .map(|r| (r.campaign, date_text(r.day, false)))
                .collect();
            let got = facts_in(&w, &only(&[t])).len();
            prop_assert_eq!(got, keys.len(), "rows of {}", t);
        }
    }
}
