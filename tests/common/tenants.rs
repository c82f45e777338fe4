//! Random warehouses of several tenants (campaigns, targets and customers, written as
//! CSV and JSON files), and random scopes and filters, for the tenant-scope property
//! tests (query/tenant_scope.rs, query/tenant_filters.rs, pivot/tenants.rs). The filters
//! include those that click-to-filter and drill-down set (campaign ids, performance
//! categories, single days and months), with random values.

use super::assert_accounting;
use bi_platform::{Query, TenantScope, Warehouse};
use proptest::prelude::*;
use serde_json::Value as Json;

/// Tenant ids that are not substrings of each other or of any other text in the files.
pub const TENANTS: [&str; 5] = ["acme", "Globex", "initech", "umbrella", "Ünïcode"];
pub const REGIONS: [&str; 4] = ["North", "South", "East", "West"];
pub const PRODUCTS: [&str; 3] = ["Product A", "Product B", "Product C"];
pub const CHANNELS: [&str; 4] = ["Search", "Email", "Social Media", "Video"];

#[derive(Debug, Clone)]
pub struct CampaignRow {
    pub tenant: usize,
    pub campaign: usize,
    pub day: i64,
    pub impressions: u32,
    pub clicks: u32,
    pub conversions: u32,
    pub spend_cents: u32,
    pub revenue_cents: u32,
    pub region: Option<usize>,
    pub product: Option<usize>,
    pub channel: Option<usize>,
    pub dotted_date: bool,
}

#[derive(Debug, Clone)]
pub struct TargetRow {
    pub tenant: usize,
    pub region: usize,
    pub product: usize,
    pub month: u32,
    pub revenue: u32,
    pub conversions: u32,
    pub spend: u32,
}

#[derive(Debug, Clone)]
pub struct CustomerRow {
    pub tenant: usize,
    pub customer: usize,
    pub region: Option<usize>,
    pub product: Option<usize>,
    pub spent_cents: u32,
    pub orders: u32,
}

pub fn campaign_row() -> impl Strategy<Value = CampaignRow> {
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

pub fn target_row() -> impl Strategy<Value = TargetRow> {
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

pub fn customer_row() -> impl Strategy<Value = CustomerRow> {
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

pub fn date_text(day: i64, dotted: bool) -> String {
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

pub fn money_text(cents: u32) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

pub fn campaigns_csv(rows: &[&CampaignRow]) -> String {
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

pub fn targets_csv(rows: &[&TargetRow]) -> String {
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

pub fn customers_json(rows: &[&CustomerRow]) -> String {
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
pub struct Data {
    pub campaigns: Vec<CampaignRow>,
    pub targets: Vec<TargetRow>,
    pub customers: Vec<CustomerRow>,
}

pub fn data() -> impl Strategy<Value = Data> {
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
pub fn warehouse(data: &Data, keep: impl Fn(usize) -> bool) -> Warehouse {
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
pub struct Filters {
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub regions: Vec<usize>,
    pub products: Vec<usize>,
    pub channels: Vec<usize>,
    pub campaigns: Vec<usize>,
    pub categories: Vec<usize>,
    pub dates: Vec<i64>,
    pub months: Vec<u32>,
    pub stages: Vec<usize>,
}

/// Funnel stages, as the filter names them.
pub const STAGES: [&str; 3] = ["Impressions", "Clicks", "Conversions"];

/// Performance categories of SPEC §5, as the filter names them.
pub const CATEGORIES: [&str; 5] = ["Excellent", "Good", "Break Even", "Loss", "Unknown"];

pub fn filters() -> impl Strategy<Value = Filters> {
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

pub fn query(scope: TenantScope, f: &Filters) -> Query {
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

pub fn rows_of(result: &Json) -> Vec<Json> {
    result["rows"].as_array().expect("rows").clone()
}

/// Every string anywhere in a JSON value.
pub fn strings(value: &Json, out: &mut Vec<String>) {
    match value {
        Json::String(s) => out.push(s.clone()),
        Json::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Json::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}
