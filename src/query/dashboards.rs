//! The dashboards of SPEC §6, each a function of a [`Scope`].
//!
//! Group-bys accumulate into arrays indexed by dictionary key (tenant, channel) or into
//! hash maps keyed by packed integer keys (tenant x date, target keys), then order the
//! groups by the byte order of their text via precomputed sort ranks.

use crate::model::date::Day;
use crate::model::dict::NULL_KEY;
use crate::model::star::StarSchema;
use crate::query::result::{DashboardResult, Value};
use crate::query::Scope;
use crate::transform::metrics::{conversion_rate, ctr, money_per, ratio, roi, PerformanceCategory};
use foldhash::fast::RandomState;
use std::collections::HashMap;

/// Sort ranks of the dimensions (position of each key when sorted by UTF-8 bytes).
#[derive(Debug, Clone, Default)]
pub struct Ranks {
    pub tenant: Vec<u32>,
    pub region: Vec<u32>,
    pub product: Vec<u32>,
    pub channel: Vec<u32>,
}

impl Ranks {
    /// Ranks of the star schema's small dimensions.
    pub fn build(star: &StarSchema) -> Self {
        Ranks {
            tenant: star.dims.tenant.sort_ranks(),
            region: star.dims.region.sort_ranks(),
            product: star.dims.product.sort_ranks(),
            channel: star.dims.channel.sort_ranks(),
        }
    }
}

/// Every fact row in `campaign_performance` order: date descending, then tenant_id,
/// then campaign_id (byte order). Computed once per warehouse state and then filtered
/// per query.
pub fn performance_order(star: &StarSchema, ranks: &Ranks) -> Vec<u32> {
    let f = &star.campaigns;
    let campaign_ranks = star.dims.campaign.sort_ranks();
    let mut order: Vec<u32> = (0..f.len() as u32).collect();
    order.sort_unstable_by_key(|&row| {
        let row = row as usize;
        (
            std::cmp::Reverse(f.date[row]),
            ranks.tenant[f.tenant[row] as usize],
            campaign_ranks[f.campaign[row] as usize],
        )
    });
    order
}

fn money(sum: i128) -> Value<'static> {
    Value::Money(sum)
}

fn int(n: u64) -> Value<'static> {
    Value::Int(n as i64)
}

fn tenant_text<'w>(star: &'w StarSchema, key: u32) -> Value<'w> {
    Value::text(star.dims.tenant.value(key))
}

/// Sums of a group of fact rows.
#[derive(Debug, Clone, Copy, Default)]
struct FactSums {
    rows: u64,
    impressions: u64,
    clicks: u64,
    conversions: u64,
    spend: i128,
    revenue: i128,
    ctr_sum: f64,
    ctr_count: u64,
    roi_sum: f64,
    roi_count: u64,
}

impl FactSums {
    #[inline]
    fn add(&mut self, star: &StarSchema, row: usize) {
        let f = &star.campaigns;
        self.rows += 1;
        self.impressions += u64::from(f.impressions[row]);
        self.clicks += u64::from(f.clicks[row]);
        self.conversions += u64::from(f.conversions[row]);
        self.spend += i128::from(f.spend[row]);
        self.revenue += i128::from(f.revenue[row]);
    }

    #[inline]
    fn add_row_ratios(&mut self, star: &StarSchema, row: usize) {
        let f = &star.campaigns;
        if let Some(c) = ctr(u64::from(f.clicks[row]), u64::from(f.impressions[row])) {
            self.ctr_sum += c;
            self.ctr_count += 1;
        }
        if let Some(r) = roi(i128::from(f.spend[row]), i128::from(f.revenue[row])) {
            self.roi_sum += r;
            self.roi_count += 1;
        }
    }
}

/// Per-tenant sums over the scope's fact rows, tenants in output order.
fn sums_by_tenant(scope: &Scope<'_>, ranks: &Ranks, with_ratios: bool) -> Vec<(u32, FactSums)> {
    let star = scope.star;
    let mut sums = vec![FactSums::default(); star.dims.tenant.len()];
    for row in scope.campaign_rows() {
        let acc = &mut sums[star.campaigns.tenant[row] as usize];
        acc.add(star, row);
        if with_ratios {
            acc.add_row_ratios(star, row);
        }
    }
    let mut out: Vec<(u32, FactSums)> = sums
        .into_iter()
        .enumerate()
        .filter(|(_, s)| s.rows > 0)
        .map(|(k, s)| (k as u32, s))
        .collect();
    out.sort_unstable_by_key(|(k, _)| ranks.tenant[*k as usize]);
    out
}

/// campaign_summary: per tenant, row count, sums, and the means of row ctr and roi.
pub fn campaign_summary<'w>(scope: &Scope<'w>, ranks: &Ranks) -> DashboardResult<'w> {
    let rows = sums_by_tenant(scope, ranks, true)
        .into_iter()
        .map(|(tenant, s)| {
            vec![
                tenant_text(scope.star, tenant),
                int(s.rows),
                int(s.impressions),
                int(s.clicks),
                int(s.conversions),
                money(s.spend),
                money(s.revenue),
                money(s.revenue - s.spend),
                Value::float(ratio(s.ctr_sum, s.ctr_count as f64)),
                Value::float(ratio(s.roi_sum, s.roi_count as f64)),
            ]
        })
        .collect();
    DashboardResult {
        columns: &[
            "tenant_id",
            "campaigns",
            "impressions",
            "clicks",
            "conversions",
            "spend",
            "revenue",
            "profit",
            "avg_ctr",
            "avg_roi",
        ],
        rows,
        total_rows: None,
    }
}

/// conversion_funnel: per tenant, the funnel sums and the ratios of the sums in percent.
pub fn conversion_funnel<'w>(scope: &Scope<'w>, ranks: &Ranks) -> DashboardResult<'w> {
    let rows = sums_by_tenant(scope, ranks, false)
        .into_iter()
        .map(|(tenant, s)| {
            vec![
                tenant_text(scope.star, tenant),
                int(s.impressions),
                int(s.clicks),
                int(s.conversions),
                Value::float(ctr(s.clicks, s.impressions).map(|r| 100.0 * r)),
                Value::float(conversion_rate(s.conversions, s.clicks).map(|r| 100.0 * r)),
            ]
        })
        .collect();
    DashboardResult {
        columns: &[
            "tenant_id",
            "impressions",
            "clicks",
            "conversions",
            "ctr_pct",
            "conversion_rate_pct",
        ],
        rows,
        total_rows: None,
    }
}

/// daily_performance: per tenant and date, conversions, revenue, spend and profit.
pub fn daily_performance<'w>(scope: &Scope<'w>, ranks: &Ranks) -> DashboardResult<'w> {
    let star = scope.star;
    let f = &star.campaigns;
    let mut groups: HashMap<(u32, Day), FactSums, RandomState> = HashMap::default();
    for row in scope.campaign_rows() {
        groups
            .entry((f.tenant[row], f.date[row]))
            .or_default()
            .add(star, row);
    }
    let mut keys: Vec<(u32, Day)> = groups.keys().copied().collect();
    keys.sort_unstable_by_key(|&(t, d)| (ranks.tenant[t as usize], d));
    let rows = keys
        .into_iter()
        .map(|key| {
            let s = groups[&key];
            vec![
                tenant_text(star, key.0),
                Value::Date(key.1),
                int(s.conversions),
                money(s.revenue),
                money(s.spend),
                money(s.revenue - s.spend),
            ]
        })
        .collect();
    DashboardResult {
        columns: &[
            "tenant_id",
            "date",
            "conversions",
            "revenue",
            "spend",
            "profit",
        ],
        rows,
        total_rows: None,
    }
}

/// campaign_performance: every fact row in scope with its ratios and category, in
/// `order` (see [`performance_order`]).
pub fn campaign_performance<'w>(
    scope: &Scope<'w>,
    order: &[u32],
    offset: usize,
    limit: Option<usize>,
) -> DashboardResult<'w> {
    let star = scope.star;
    let f = &star.campaigns;
    let dims = &star.dims;
    let mut total = 0usize;
    let mut rows = Vec::new();
    let limit = limit.unwrap_or(usize::MAX);
    for &row in order {
        let row = row as usize;
        if !scope.has_campaign_row(row) {
            continue;
        }
        total += 1;
        if total <= offset || rows.len() >= limit {
            continue;
        }
        let (spend, revenue) = (f.spend[row], f.revenue[row]);
        rows.push(vec![
            tenant_text(star, f.tenant[row]),
            Value::text(dims.campaign.value(f.campaign[row])),
            Value::text(dims.campaign_name.value(f.campaign_name[row])),
            Value::Date(f.date[row]),
            int(u64::from(f.impressions[row])),
            int(u64::from(f.clicks[row])),
            int(u64::from(f.conversions[row])),
            money(i128::from(spend)),
            money(i128::from(revenue)),
            Value::float(ctr(u64::from(f.clicks[row]), u64::from(f.impressions[row]))),
            Value::float(roi(i128::from(spend), i128::from(revenue))),
            Value::Text(PerformanceCategory::of(spend, revenue).label()),
        ]);
    }
    DashboardResult {
        columns: &[
            "tenant_id",
            "campaign_id",
            "campaign_name",
            "date",
            "impressions",
            "clicks",
            "conversions",
            "spend",
            "revenue",
            "ctr",
            "roi",
            "performance_category",
        ],
        rows,
        total_rows: Some(total),
    }
}

/// channel_mix: per tenant and channel, spend, revenue and the roi of the sums.
pub fn channel_mix<'w>(scope: &Scope<'w>, ranks: &Ranks) -> DashboardResult<'w> {
    let star = scope.star;
    let f = &star.campaigns;
    let channels = star.dims.channel.len().max(1);
    let mut sums = vec![(0u64, 0i128, 0i128); star.dims.tenant.len() * channels];
    for row in scope.campaign_rows() {
        let acc = &mut sums[f.tenant[row] as usize * channels + f.channel[row] as usize];
        acc.0 += 1;
        acc.1 += i128::from(f.spend[row]);
        acc.2 += i128::from(f.revenue[row]);
    }
    let mut groups: Vec<(u32, u32)> = sums
        .iter()
        .enumerate()
        .filter(|(_, s)| s.0 > 0)
        .map(|(i, _)| ((i / channels) as u32, (i % channels) as u32))
        .collect();
    groups.sort_unstable_by_key(|&(t, c)| (ranks.tenant[t as usize], ranks.channel[c as usize]));
    let rows = groups
        .into_iter()
        .map(|(t, c)| {
            let (_, spend, revenue) = sums[t as usize * channels + c as usize];
            vec![
                tenant_text(star, t),
                Value::text(star.dims.channel.value(c)),
                money(spend),
                money(revenue),
                Value::float(roi(spend, revenue)),
            ]
        })
        .collect();
    DashboardResult {
        columns: &["tenant_id", "channel", "spend", "revenue", "roi"],
        rows,
        total_rows: None,
    }
}

/// target_vs_actual: every target row in scope with the actuals of its tenant, region,
/// product and month (facts with a null region or product match no target).
pub fn target_vs_actual<'w>(scope: &Scope<'w>, ranks: &Ranks) -> DashboardResult<'w> {
    let star = scope.star;
    let f = &star.campaigns;
    let t = &star.targets;
    // Actuals keyed by (tenant, region, product, year * 12 + month - 1).
    let mut actuals: HashMap<(u32, u32, u32, i32), (i128, u64, i128), RandomState> =
        HashMap::default();
    if !t.is_empty() {
        for row in scope.campaign_rows() {
            if f.region[row] == NULL_KEY || f.product[row] == NULL_KEY {
                continue;
            }
            let (year, month, _) = crate::model::date::ymd_from_day(f.date[row]);
            let acc = actuals
                .entry((
                    f.tenant[row],
                    f.region[row],
                    f.product[row],
                    year * 12 + month as i32 - 1,
                ))
                .or_default();
            acc.0 += i128::from(f.revenue[row]);
            acc.1 += u64::from(f.conversions[row]);
            acc.2 += i128::from(f.spend[row]);
        }
    }
    let mut targets: Vec<usize> = scope.target_rows().collect();
    targets.sort_unstable_by_key(|&r| {
        (
            ranks.tenant[t.tenant[r] as usize],
            ranks.region[t.region[r] as usize],
            ranks.product[t.product[r] as usize],
            t.year[r],
            t.month[r],
        )
    });
    let rows = targets
        .into_iter()
        .map(|r| {
            let month_index = i32::from(t.year[r]) * 12 + i32::from(t.month[r]) - 1;
            let (revenue, conversions, spend) = actuals
                .get(&(t.tenant[r], t.region[r], t.product[r], month_index))
                .copied()
                .unwrap_or_default();
            let target_revenue = i128::from(t.target_revenue[r]);
            vec![
                tenant_text(star, t.tenant[r]),
                Value::text(star.dims.region.value(t.region[r])),
                Value::text(star.dims.product.value(t.product[r])),
                Value::Int(i64::from(t.year[r])),
                Value::Int(i64::from(t.month[r])),
                money(target_revenue),
                money(revenue),
                Value::float(ratio(revenue as f64, target_revenue as f64)),
                int(u64::from(t.target_conversions[r])),
                int(conversions),
                money(i128::from(t.target_spend[r])),
                money(spend),
            ]
        })
        .collect();
    DashboardResult {
        columns: &[
            "tenant_id",
            "region",
            "product",
            "year",
            "month",
            "target_revenue",
            "actual_revenue",
            "attainment",
            "target_conversions",
            "actual_conversions",
            "target_spend",
            "actual_spend",
        ],
        rows,
        total_rows: None,
    }
}

/// customer_summary: per tenant, customers, sums and the average order value of the sums.
pub fn customer_summary<'w>(scope: &Scope<'w>, ranks: &Ranks) -> DashboardResult<'w> {
    let star = scope.star;
    let c = &star.customers;
    let mut sums = vec![(0u64, 0i128, 0u64); star.dims.tenant.len()];
    for row in scope.customer_rows() {
        let acc = &mut sums[c.tenant[row] as usize];
        acc.0 += 1;
        acc.1 += i128::from(c.total_spent[row]);
        acc.2 += u64::from(c.total_orders[row]);
    }
    let mut tenants: Vec<u32> = (0..sums.len() as u32)
        .filter(|&k| sums[k as usize].0 > 0)
        .collect();
    tenants.sort_unstable_by_key(|&k| ranks.tenant[k as usize]);
    let rows = tenants
        .into_iter()
        .map(|k| {
            let (customers, spent, orders) = sums[k as usize];
            vec![
                tenant_text(star, k),
                int(customers),
                money(spent),
                int(orders),
                Value::float(money_per(spent, orders)),
            ]
        })
        .collect();
    DashboardResult {
        columns: &[
            "tenant_id",
            "customers",
            "total_spent",
            "total_orders",
            "avg_order_value",
        ],
        rows,
        total_rows: None,
    }
}
