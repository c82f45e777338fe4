//! SPEC §6: "Inside a tenant scope no call returns, counts or draws any row of another
//! tenant." Checked as properties over random warehouses (campaigns, targets and
//! customers of several tenants) and random scopes and filters:
//!
//! 1. every dashboard under a scope equals the all-tenant result restricted to the
//!    scope's tenants (same rows, same order);
//! 2. no cell of a scoped result names another tenant;
//! 3. a scoped result is the same as in a warehouse that never saw the other tenants.
//!
//! The filters include those that click-to-filter and drill-down set (campaign ids,
//! performance categories, single days and months), with random values, and drill-down
//! paths (tenant -> campaign -> its days, month -> its days) keep the scope.

mod common;

use bi_platform::{Dashboard, Query, TenantScope, Warehouse};
use common::*;
use proptest::prelude::*;
use serde_json::Value as Json;

/// Tenant ids that are not substrings of each other or of any other text in the files.
const TENANTS: [&str; 5] = ["acme", "Globex", "initech", "umbrella", "Ünïcode"];
const REGIONS: [&str; 4] = ["North", "South", "East", "West"];
const PRODUCTS: [&str; 3] = ["Product A", "Product B", "Product C"];
const CHANNELS: [&str; 4] = ["Search", "Email", "Social Media", "Video"];

#[derive(Debug, Clone)]
struct CampaignRow {
    tenant: usize,
    campaign: usize,
    day: i64,
    impressions: u32,
    clicks: u32,
    conversions: u32,
    spend_cents: u32,
    revenue_cents: u32,
    region: Option<usize>,
    product: Option<usize>,
    channel: Option<usize>,
    dotted_date: bool,
}

#[derive(Debug, Clone)]
struct TargetRow {
    tenant: usize,
    region: usize,
    product: usize,
    month: u32,
    revenue: u32,
    conversions: u32,
    spend: u32,
}

#[derive(Debug, Clone)]
struct CustomerRow {
    tenant: usize,
    customer: usize,
    region: Option<usize>,
    product: Option<usize>,
    spent_cents: u32,
    orders: u32,
}

fn campaign_row() -> impl Strategy<Value = CampaignRow> {
    (
        // Zero impressions, clicks and conversions are common enough for the funnel
        // stage filter to select something else than every row.
        (
            0..TENANTS.len(),
            0..6usize,
            0..120i64,
            prop_oneof![1 => Just(0u32), 5 => 0..5000u32],
        ),
        (
            prop_oneof![1 => Just(0u32), 3 => 0..=100u32],
            prop_oneof![1 => Just(0u32), 1 => 0..200u32],
            0..100_000u32,
            0..300_000u32,
        ),
        (
            prop::option::weighted(0.9, 0..REGIONS.len()),
            prop::option::weighted(0.9, 0..PRODUCTS.len()),
            prop::option::weighted(0.8, 0..CHANNELS.len()),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (tenant, campaign, day, impressions),
                (click_pct, conversions, spend_cents, revenue_cents),
                (region, product, channel, dotted_date),
            )| CampaignRow {
                tenant,
                campaign,
                day,
                impressions,
                clicks: (u64::from(impressions) * u64::from(click_pct) / 100) as u32,
                conversions,
                spend_cents,
                revenue_cents,
                region,
                product,
                channel,
                dotted_date,
            },
        )
}

fn target_row() -> impl Strategy<Value = TargetRow> {
    (
        (
            0..TENANTS.len(),
            0..REGIONS.len(),
            0..PRODUCTS.len(),
            8..13u32,
        ),
        (0..50_000u32, 0..500u32, 0..20_000u32),
    )
        .prop_map(
            |((tenant, region, product, month), (revenue, conversions, spend))| TargetRow {
                tenant,
                region,
                product,
                month,
                revenue,
                conversions,
                spend,
            },
        )
}

fn customer_row() -> impl Strategy<Value = CustomerRow> {
    (
        (0..TENANTS.len(), 0..8usize),
        prop::option::weighted(0.9, 0..REGIONS.len()),
        prop::option::weighted(0.9, 0..PRODUCTS.len()),
        (0..1_000_000u32, 0..40u32),
    )
        .prop_map(
            |((tenant, customer), region, product, (spent_cents, orders))| CustomerRow {
                tenant,
                customer,
                region,
                product,
                spent_cents,
                orders,
            },
        )
}

fn date_text(day: i64, dotted: bool) -> String {
    // Day 0 is 2024-08-01; 120 days reach into late November.
    let lengths = [31, 30, 31, 30, 31];
    let (mut month, mut d) = (8, day);
    for len in lengths {
        if d < len {
            break;
        }
        d -= len;
        month += 1;
    }
    if dotted {
        format!("{:02}.{month:02}.2024", d + 1)
    } else {
        format!("2024-{month:02}-{:02}", d + 1)
    }
}

fn money_text(cents: u32) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn campaigns_csv(rows: &[&CampaignRow]) -> String {
    let mut out = String::from(
        "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product\n",
    );
    for r in rows {
        let name = match r.channel {
            Some(c) => format!(
                "\"Campaign {}, {} - {}\"",
                r.campaign, r.tenant, CHANNELS[c]
            ),
            None => format!("Campaign {}", r.campaign),
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
            r.region.map_or("NA", |i| REGIONS[i]),
            r.product.map_or("", |i| PRODUCTS[i]),
        ));
    }
    out
}

fn targets_csv(rows: &[&TargetRow]) -> String {
    let mut out = String::from(
        "tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend\n",
    );
    for r in rows {
        out.push_str(&format!(
            "{},{},{},2024,{},{},{},{}\n",
            TENANTS[r.tenant],
            REGIONS[r.region],
            PRODUCTS[r.product],
            r.month,
            r.revenue,
            r.conversions,
            r.spend
        ));
    }
    out
}

fn customers_json(rows: &[&CustomerRow]) -> String {
    let items: Vec<Json> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "tenant_id": TENANTS[r.tenant],
                "customer_id": format!("u{}", r.customer),
                "customer_name": format!("Customer {}", r.customer),
                "region": r.region.map(|i| REGIONS[i]),
                "product_preference": r.product.map(|i| PRODUCTS[i]),
                "total_spent": money_text(r.spent_cents),
                "total_orders": r.orders,
            })
        })
        .collect();
    serde_json::to_string(&serde_json::json!({"data": items, "page": 1})).unwrap()
}

#[derive(Debug, Clone)]
struct Data {
    campaigns: Vec<CampaignRow>,
    targets: Vec<TargetRow>,
    customers: Vec<CustomerRow>,
}

fn data() -> impl Strategy<Value = Data> {
    (
        prop::collection::vec(campaign_row(), 0..60),
        prop::collection::vec(target_row(), 0..30),
        prop::collection::vec(customer_row(), 0..20),
    )
        .prop_map(|(campaigns, targets, customers)| Data {
            campaigns,
            targets,
            customers,
        })
}

/// Loads the rows of the tenants `keep` allows (all three tables, fixed order).
fn warehouse(data: &Data, keep: impl Fn(usize) -> bool) -> Warehouse {
    let mut w = Warehouse::new();
    let campaigns: Vec<&CampaignRow> = data.campaigns.iter().filter(|r| keep(r.tenant)).collect();
    let targets: Vec<&TargetRow> = data.targets.iter().filter(|r| keep(r.tenant)).collect();
    let customers: Vec<&CustomerRow> = data.customers.iter().filter(|r| keep(r.tenant)).collect();
    for (name, bytes) in [
        ("campaigns.csv", campaigns_csv(&campaigns)),
        ("targets.csv", targets_csv(&targets)),
        ("customers.json", customers_json(&customers)),
    ] {
        for r in w.load(name, bytes.as_bytes()) {
            assert_accounting(&r);
            assert_eq!(r.rows_rejected, 0, "generated rows are valid: {r:#?}");
        }
    }
    w
}

#[derive(Debug, Clone)]
struct Filters {
    from: Option<i64>,
    to: Option<i64>,
    regions: Vec<usize>,
    products: Vec<usize>,
    channels: Vec<usize>,
    campaigns: Vec<usize>,
    categories: Vec<usize>,
    dates: Vec<i64>,
    months: Vec<u32>,
    stages: Vec<usize>,
}

/// Funnel stages, as the filter names them.
const STAGES: [&str; 3] = ["Impressions", "Clicks", "Conversions"];

/// Performance categories of SPEC §5, as the filter names them.
const CATEGORIES: [&str; 5] = ["Excellent", "Good", "Break Even", "Loss", "Unknown"];

fn filters() -> impl Strategy<Value = Filters> {
    let subset = |n: usize| prop::collection::vec(0..n, 0..3);
    (
        prop::option::weighted(0.3, 0..120i64),
        prop::option::weighted(0.3, 0..120i64),
        prop::option::weighted(0.3, subset(REGIONS.len())),
        prop::option::weighted(0.3, subset(PRODUCTS.len())),
        prop::option::weighted(0.3, subset(CHANNELS.len())),
        (
            prop::option::weighted(0.3, prop::collection::vec(0..7usize, 1..3)),
            prop::option::weighted(0.25, subset(CATEGORIES.len())),
            prop::option::weighted(0.2, prop::collection::vec(0..120i64, 1..4)),
            prop::option::weighted(0.2, prop::collection::vec(7..13u32, 1..3)),
            prop::option::weighted(0.25, subset(STAGES.len())),
        ),
    )
        .prop_map(
            |(
                from,
                to,
                regions,
                products,
                channels,
                (campaigns, categories, dates, months, stages),
            )| {
                Filters {
                    from,
                    to,
                    regions: regions.unwrap_or_default(),
                    products: products.unwrap_or_default(),
                    channels: channels.unwrap_or_default(),
                    campaigns: campaigns.unwrap_or_default(),
                    categories: categories.unwrap_or_default(),
                    dates: dates.unwrap_or_default(),
                    months: months.unwrap_or_default(),
                    stages: stages.unwrap_or_default(),
                }
            },
        )
}

fn query(scope: TenantScope, f: &Filters) -> Query {
    Query {
        tenants: scope,
        from: f.from.map(|d| date_text(d, false)),
        to: f.to.map(|d| date_text(d, false)),
        regions: f.regions.iter().map(|&i| REGIONS[i].to_string()).collect(),
        products: f
            .products
            .iter()
            .map(|&i| PRODUCTS[i].to_string())
            .collect(),
        channels: f
            .channels
            .iter()
            .map(|&i| CHANNELS[i].to_string())
            .collect(),
        offset: None,
        limit: None,
        // Campaign 6 is one no row has.
        campaigns: f.campaigns.iter().map(|c| format!("c{c}")).collect(),
        performance_categories: f
            .categories
            .iter()
            .map(|&i| CATEGORIES[i].to_string())
            .collect(),
        dates: f.dates.iter().map(|&d| date_text(d, false)).collect(),
        // Month 7 (July) has no row.
        months: f.months.iter().map(|m| format!("2024-{m:02}")).collect(),
        stages: f.stages.iter().map(|&i| STAGES[i].to_string()).collect(),
    }
}

fn rows_of(result: &Json) -> Vec<Json> {
    result["rows"].as_array().expect("rows").clone()
}

/// Every string anywhere in a JSON value.
fn strings(value: &Json, out: &mut Vec<String>) {
    match value {
        Json::String(s) => out.push(s.clone()),
        Json::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Json::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

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

/// The facts a query should select, computed from the generated rows (the oracle): the
/// last row of each (tenant, campaign, date) key wins, as loading does.
fn expected_facts(data: &Data, q: &Query) -> std::collections::BTreeSet<(String, String, String)> {
    let mut latest = std::collections::BTreeMap::new();
    for r in &data.campaigns {
        latest.insert((r.tenant, r.campaign, r.day), r);
    }
    let has = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x == v);
    latest
        .into_values()
        .filter(|r| match &q.tenants {
            TenantScope::All => true,
            TenantScope::Only(ids) => ids.iter().any(|t| t == TENANTS[r.tenant]),
        })
        .filter(|r| {
            let date = date_text(r.day, false);
            let (spend, revenue) = (i64::from(r.spend_cents), i64::from(r.revenue_cents));
            let category = if spend == 0 {
                "Unknown"
            } else if revenue > 3 * spend {
                "Excellent"
            } else if revenue > 2 * spend {
                "Good"
            } else if revenue > spend {
                "Break Even"
            } else {
                "Loss"
            };
            let dated = (q.dates.is_empty() && q.months.is_empty())
                || q.dates.contains(&date)
                || q.months.iter().any(|m| date.starts_with(m.as_str()));
            let reached = [r.impressions, r.clicks, r.conversions];
            let staged = q.stages.is_empty()
                || STAGES
                    .iter()
                    .zip(reached)
                    .any(|(stage, n)| n > 0 && q.stages.iter().any(|s| s == stage));
            has(&q.campaigns, &format!("c{}", r.campaign))
                && staged
                && has(&q.performance_categories, category)
                && dated
                && q.from.as_ref().is_none_or(|f| date >= *f)
                && q.to.as_ref().is_none_or(|t| date <= *t)
                && (q.regions.is_empty() || r.region.is_some_and(|i| has(&q.regions, REGIONS[i])))
                && (q.products.is_empty()
                    || r.product.is_some_and(|i| has(&q.products, PRODUCTS[i])))
                && (q.channels.is_empty()
                    || has(&q.channels, r.channel.map_or("Unknown", |c| CHANNELS[c])))
        })
        .map(|r| {
            (
                TENANTS[r.tenant].to_string(),
                format!("c{}", r.campaign),
                date_text(r.day, false),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Click-to-filter's filters select exactly the facts the oracle computes from the
    /// generated rows, under a random scope.
    #[test]
    fn click_filters_select_what_the_oracle_selects(
        data in data(),
        mask in 0u32..(1 << TENANTS.len()),
        f in filters(),
    ) {
        let w = warehouse(&data, |_| true);
        let ids: Vec<String> = (0..TENANTS.len())
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| TENANTS[i].to_string())
            .collect();
        let q = query(TenantScope::Only(ids), &f);
        let got: std::collections::BTreeSet<(String, String, String)> = facts_in(&w, &q)
            .into_iter()
            .map(|f| (f.tenant, f.campaign, f.date))
            .collect();
        prop_assert_eq!(got, expected_facts(&data, &q));
    }

    /// A filter on a campaign only other tenants have shows nothing of it inside a
    /// tenant's scope: no row, no count, no chart value.
    #[test]
    fn another_tenants_campaign_shows_nothing(
        data in data(),
        tenant in 0..TENANTS.len(),
    ) {
        let w = warehouse(&data, |_| true);
        let own: std::collections::BTreeSet<usize> =
            data.campaigns.iter().filter(|r| r.tenant == tenant).map(|r| r.campaign).collect();
        let foreign: Vec<String> = data
            .campaigns
            .iter()
            .filter(|r| r.tenant != tenant && !own.contains(&r.campaign))
            .map(|r| format!("c{}", r.campaign))
            .collect();
        prop_assume!(!foreign.is_empty());
        let q = Query {
            tenants: TenantScope::Only(vec![TENANTS[tenant].into()]),
            campaigns: foreign,
            ..Query::default()
        };
        for d in [Dashboard::CampaignSummary, Dashboard::CampaignPerformance, Dashboard::DailyPerformance,
                  Dashboard::ConversionFunnel, Dashboard::ChannelMix] {
            prop_assert_eq!(rows_of(&json(&w, d, &q)), Vec::<Json>::new(), "{}", d.name());
        }
        let view = bi_platform::view::view(&w, &q, &bi_platform::view::Page::default()).unwrap();
        prop_assert_eq!(view.kpis.campaigns, 0);
        // Targets have no campaign: the attainment chart still shows the tenant's own
        // targets, with no actual revenue; every other chart shows nothing.
        for chart in &view.charts {
            let drawn: Vec<&bi_platform::chart::Series> = chart
                .series
                .iter()
                .filter(|s| chart.id != "attainment" || s.name == "Actual")
                .collect();
            prop_assert!(
                drawn.iter().all(|s| s.values.iter().all(|v| v.unwrap_or(0.0) == 0.0)),
                "{} shows something",
                chart.id
            );
        }
    }

    /// Drilling down (tenant -> one of its campaigns -> a month of it -> its days), each
    /// step a narrower query, never leaves the tenant and never grows the rows.
    #[test]
    fn drill_down_paths_stay_in_the_tenant(
        data in data(),
        tenant in 0..TENANTS.len(),
        pick in any::<prop::sample::Index>(),
    ) {
        let w = warehouse(&data, |_| true);
        let isolated = warehouse(&data, |t| t == tenant);
        let mut q = Query { tenants: TenantScope::Only(vec![TENANTS[tenant].into()]), ..Query::default() };
        let facts = facts_in(&w, &q);
        prop_assume!(!facts.is_empty());
        let fact = &facts[pick.index(facts.len())];
        let mut steps = vec![q.clone()];
        q.campaigns = vec![fact.campaign.clone()];
        steps.push(q.clone());
        q.months = vec![fact.date[..7].to_string()];
        steps.push(q.clone());
        q.months.clear();
        q.dates = vec![fact.date.clone()];
        steps.push(q.clone());
        let mut before = usize::MAX;
        for step in &steps {
            let rows = facts_in(&w, step);
            prop_assert!(rows.len() <= before && !rows.is_empty(), "{step:?}");
            before = rows.len();
            prop_assert!(rows.iter().all(|f| f.tenant == TENANTS[tenant]));
            for d in Dashboard::ALL {
                prop_assert_eq!(json(&w, d, step), json(&isolated, d, step), "{}: {:?}", d.name(), step);
            }
        }
    }
}

// --- Pivots (issue 13) -------------------------------------------------------------------
// The same walls for the pivot view: a pivot of random fields and measures under a scope
// equals the pivot over a warehouse that never saw the other tenants, and names no
// other tenant; and a pivot by tenant adds up to the dashboards' numbers.

use bi_platform::pivot::{self, Field, HeaderKind, Measure, PivotRequest, PivotSort, TopN};

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
