//! Queries over the star schema: the tenant scope, filters, and the named dashboards
//! (SPEC §6).
//!
//! A [`Query`] is plain serde data, so the CLI, the page and the tests ask the same way.
//! The tenant scope is applied by [`Scope`], the only way the dashboards reach rows:
//! every dashboard iterates `Scope::campaign_rows`, `Scope::target_rows` or
//! `Scope::customer_rows`, which never yield a row of a tenant outside the scope, so no
//! dashboard can forget it.

pub mod columns;
pub mod dashboards;
pub mod field;
pub mod group;
pub mod result;
pub mod source;

use crate::model::date::{day_from_ymd, Day};
use crate::model::dict::Dictionary;
use crate::model::keys::{Key, KeyColumn, Keys};
use crate::model::star::StarSchema;
use crate::transform::metrics::PerformanceCategory;
use crate::transform::value::{parse_date, ParsedDate};
use serde::{Deserialize, Deserializer, Serialize};
use thiserror::Error;

/// Which tenants a query may see.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(untagged)]
pub enum TenantScope {
    /// Every tenant.
    #[default]
    All,
    /// Only these tenants (an empty set sees nothing).
    Only(Vec<String>),
}

impl<'de> Deserialize<'de> for TenantScope {
    /// `null`, absent or `"all"` is every tenant; a string is one tenant; an array is a set.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(String),
            Many(Vec<String>),
        }
        Ok(match Option::<Raw>::deserialize(deserializer)? {
            None => TenantScope::All,
            Some(Raw::One(s)) if s == "all" => TenantScope::All,
            Some(Raw::One(s)) => TenantScope::Only(vec![s]),
            Some(Raw::Many(v)) => TenantScope::Only(v),
        })
    }
}

/// A dashboard request's scope and filters. Empty filter lists mean "no filter".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Query {
    /// The tenant scope.
    pub tenants: TenantScope,
    /// First day included (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Last day included (`YYYY-MM-DD`).
    pub to: Option<String>,
    pub regions: Vec<String>,
    pub products: Vec<String>,
    pub channels: Vec<String>,
    /// Rows to skip (after ordering), for paging large results.
    pub offset: Option<usize>,
    /// Rows to return at most.
    pub limit: Option<usize>,
    /// Campaign ids (click-to-filter, drill-down from a tenant). Facts only: targets and
    /// customers have no campaign.
    pub campaigns: Vec<String>,
    /// Performance categories (`Excellent`, `Good`, `Break Even`, `Loss`, `Unknown`, as
    /// SPEC §5 derives them). Facts only.
    pub performance_categories: Vec<String>,
    /// Single days (`YYYY-MM-DD`). With [`months`](Query::months) one date selection: a
    /// fact passes when its date is one of these days or in one of the months (and
    /// within `from`..=`to`); a target when its month holds one of them.
    pub dates: Vec<String>,
    /// Calendar months (`YYYY-MM`), the drill-down from a month to its days.
    pub months: Vec<String>,
    /// Conversion funnel stages reached (`Impressions`, `Clicks`, `Conversions`, the
    /// funnel chart's bars): a fact passes when it counts at least one event of any
    /// listed stage (impressions, clicks or conversions above zero). Facts only.
    pub stages: Vec<String>,
}

/// A query that cannot run.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QueryError {
    #[error("'{value}' is not a date for '{field}' (expected YYYY-MM-DD)")]
    BadDate { field: &'static str, value: String },
    #[error("unknown dashboard '{0}'; the dashboards are {names}", names = Dashboard::ALL.map(|d| d.name()).join(", "))]
    UnknownDashboard(String),
    #[error("'{0}' is not a month for 'months' (expected YYYY-MM)")]
    BadMonth(String),
    #[error("'{column}' is not a column of {dashboard}; its columns are {columns}")]
    UnknownColumn {
        dashboard: &'static str,
        column: String,
        columns: String,
    },
    #[error("campaign_performance keeps its order (date, newest first) and is paged by the view's offset and limit")]
    FixedOrder,
}

/// The selected days of a query's `dates` and `months` as one mask over the days from
/// the first selected to the last: a day test is one subtraction and one index.
#[derive(Debug, Clone)]
struct DaySet {
    first: Day,
    mask: Vec<bool>,
}

impl DaySet {
    /// `None` when neither list holds anything (no date selection).
    fn new(dates: &[String], months: &[String]) -> Result<Option<DaySet>, QueryError> {
        let mut spans: Vec<(Day, Day)> = Vec::with_capacity(dates.len() + months.len());
        for text in dates {
            match parse_date(text.as_bytes()) {
                Ok(ParsedDate::Day(day)) => spans.push((day, day)),
                _ => {
                    return Err(QueryError::BadDate {
                        field: "dates",
                        value: text.clone(),
                    })
                }
            }
        }
        for text in months {
            spans.push(month_span(text).ok_or_else(|| QueryError::BadMonth(text.clone()))?);
        }
        let (Some(first), Some(last)) = (
            spans.iter().map(|s| s.0).min(),
            spans.iter().map(|s| s.1).max(),
        ) else {
            return Ok(None);
        };
        let mut mask = vec![false; (last - first) as usize + 1];
        for (a, b) in spans {
            mask[(a - first) as usize..=(b - first) as usize].fill(true);
        }
        Ok(Some(DaySet { first, mask }))
    }

    #[inline(always)]
    fn has(&self, day: Day) -> bool {
        day >= self.first && self.mask.get((day - self.first) as usize) == Some(&true)
    }

    /// Whether any selected day lies in `first..=last`.
    fn any_in(&self, first: Day, last: Day) -> bool {
        (first.max(self.first)..=last).any(|d| self.has(d))
    }
}

/// The first and last day of a `YYYY-MM` month.
fn month_span(text: &str) -> Option<(Day, Day)> {
    let (year, month) = text.trim().split_once('-')?;
    if year.len() != 4 || month.len() != 2 {
        return None;
    }
    let (year, month): (i32, u32) = (year.parse().ok()?, month.parse().ok()?);
    let first = day_from_ymd(year, month, 1)?;
    Some((
        first,
        first + crate::model::date::days_in_month(year, month) as Day - 1,
    ))
}

/// Which performance categories pass a filter (indexed by the category's position in
/// [`CATEGORIES`]); unknown labels pass nothing.
fn category_mask(wanted: &[String]) -> Option<[bool; 5]> {
    if wanted.is_empty() {
        return None;
    }
    let mut mask = [false; 5];
    for (i, c) in CATEGORIES.iter().enumerate() {
        mask[i] = wanted.iter().any(|w| w == c.label());
    }
    Some(mask)
}

/// The funnel stages a [`Query::stages`] filter names, in funnel order.
pub const STAGES: [&str; 3] = ["Impressions", "Clicks", "Conversions"];

/// Which funnel stages pass a filter (indexed as [`STAGES`]); unknown names pass nothing.
fn stage_mask(wanted: &[String]) -> Option<[bool; 3]> {
    if wanted.is_empty() {
        return None;
    }
    Some(STAGES.map(|stage| wanted.iter().any(|w| w == stage)))
}

/// The performance categories, in the order of [`category_index`].
const CATEGORIES: [PerformanceCategory; 5] = [
    PerformanceCategory::Excellent,
    PerformanceCategory::Good,
    PerformanceCategory::BreakEven,
    PerformanceCategory::Loss,
    PerformanceCategory::Unknown,
];

#[inline(always)]
fn category_index(c: PerformanceCategory) -> usize {
    match c {
        PerformanceCategory::Excellent => 0,
        PerformanceCategory::Good => 1,
        PerformanceCategory::BreakEven => 2,
        PerformanceCategory::Loss => 3,
        PerformanceCategory::Unknown => 4,
    }
}

fn query_date(field: &'static str, value: &Option<String>) -> Result<Option<Day>, QueryError> {
    let Some(text) = value.as_deref().filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    match parse_date(text.as_bytes()) {
        Ok(ParsedDate::Day(day)) => Ok(Some(day)),
        _ => Err(QueryError::BadDate {
            field,
            value: text.to_string(),
        }),
    }
}

/// The dashboards of SPEC §6. Serde data (its [`name`](Dashboard::name) as a string),
/// so a [`Request`] is one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dashboard {
    CampaignSummary,
    DailyPerformance,
    ConversionFunnel,
    CampaignPerformance,
    ChannelMix,
    TargetVsActual,
    CustomerSummary,
}

impl Dashboard {
    /// Every dashboard, in the contract's order.
    pub const ALL: [Dashboard; 7] = [
        Dashboard::CampaignSummary,
        Dashboard::DailyPerformance,
        Dashboard::ConversionFunnel,
        Dashboard::CampaignPerformance,
        Dashboard::ChannelMix,
        Dashboard::TargetVsActual,
        Dashboard::CustomerSummary,
    ];

    /// The dashboard's name.
    pub fn name(self) -> &'static str {
        match self {
            Dashboard::CampaignSummary => "campaign_summary",
            Dashboard::DailyPerformance => "daily_performance",
            Dashboard::ConversionFunnel => "conversion_funnel",
            Dashboard::CampaignPerformance => "campaign_performance",
            Dashboard::ChannelMix => "channel_mix",
            Dashboard::TargetVsActual => "target_vs_actual",
            Dashboard::CustomerSummary => "customer_summary",
        }
    }

    /// The dashboard's columns, their types and labels, in order (what its result's
    /// `columns` are).
    pub fn columns(self) -> &'static [columns::ColumnDecl] {
        match self {
            Dashboard::CampaignSummary => &dashboards::CAMPAIGN_SUMMARY,
            Dashboard::DailyPerformance => &dashboards::DAILY_PERFORMANCE,
            Dashboard::ConversionFunnel => &dashboards::CONVERSION_FUNNEL,
            Dashboard::CampaignPerformance => &dashboards::CAMPAIGN_PERFORMANCE,
            Dashboard::ChannelMix => &dashboards::CHANNEL_MIX,
            Dashboard::TargetVsActual => &dashboards::TARGET_VS_ACTUAL,
            Dashboard::CustomerSummary => &dashboards::CUSTOMER_SUMMARY,
        }
    }

    /// The dashboard's title for people (the page's tab).
    pub fn label(self) -> &'static str {
        match self {
            Dashboard::CampaignSummary => "Campaign summary",
            Dashboard::DailyPerformance => "Daily performance",
            Dashboard::ConversionFunnel => "Conversion funnel",
            Dashboard::CampaignPerformance => "Campaigns",
            Dashboard::ChannelMix => "Channel mix",
            Dashboard::TargetVsActual => "Target vs actual",
            Dashboard::CustomerSummary => "Customers",
        }
    }

    /// The dashboard written as SQL over the SQL tables ([`crate::sql`]): the same rows
    /// in the same order as the dashboard's kernel under the same tenant scope (without
    /// the date, region, product and channel filters, which SQL states in `WHERE`).
    pub fn sql(self) -> &'static str {
        match self {
            Dashboard::CampaignSummary => {
                "SELECT tenant_id, COUNT(*) AS campaigns, SUM(impressions) AS impressions, \
                 SUM(clicks) AS clicks, SUM(conversions) AS conversions, SUM(spend) AS spend, \
                 SUM(revenue) AS revenue, SUM(profit) AS profit, AVG(ctr) AS avg_ctr, \
                 AVG(roi) AS avg_roi \
                 FROM fact_campaigns GROUP BY tenant_id ORDER BY tenant_id"
            }
            Dashboard::DailyPerformance => {
                "SELECT tenant_id, date, SUM(conversions) AS conversions, SUM(revenue) AS revenue, \
                 SUM(spend) AS spend, SUM(revenue) - SUM(spend) AS profit \
                 FROM fact_campaigns GROUP BY tenant_id, date ORDER BY tenant_id, date"
            }
            Dashboard::ConversionFunnel => {
                "SELECT tenant_id, SUM(impressions) AS impressions, SUM(clicks) AS clicks, \
                 SUM(conversions) AS conversions, \
                 100.0 * SUM(clicks) / SUM(impressions) AS ctr_pct, \
                 100.0 * SUM(conversions) / SUM(clicks) AS conversion_rate_pct \
                 FROM fact_campaigns GROUP BY tenant_id ORDER BY tenant_id"
            }
            Dashboard::CampaignPerformance => {
                "SELECT tenant_id, campaign_id, campaign_name, date, impressions, clicks, \
                 conversions, spend, revenue, ctr, roi, performance_category \
                 FROM fact_campaigns ORDER BY date DESC, tenant_id, campaign_id"
            }
            Dashboard::ChannelMix => {
                "SELECT tenant_id, channel, SUM(spend) AS spend, SUM(revenue) AS revenue, \
                 (SUM(revenue) - SUM(spend)) / SUM(spend) AS roi \
                 FROM fact_campaigns GROUP BY tenant_id, channel ORDER BY tenant_id, channel"
            }
            Dashboard::TargetVsActual => {
                "SELECT t.tenant_id, t.region, t.product, t.year, t.month, t.target_revenue, \
                 COALESCE(a.revenue, 0.0) AS actual_revenue, \
                 COALESCE(a.revenue, 0.0) / t.target_revenue AS attainment, \
                 t.target_conversions, COALESCE(a.conversions, 0) AS actual_conversions, \
                 t.target_spend, COALESCE(a.spend, 0.0) AS actual_spend \
                 FROM dim_sales_targets t LEFT JOIN ( \
                   SELECT f.tenant_id, f.region, f.product, d.year, d.month, \
                   SUM(f.revenue) AS revenue, SUM(f.conversions) AS conversions, \
                   SUM(f.spend) AS spend \
                   FROM fact_campaigns f JOIN dim_date d ON d.date = f.date \
                   WHERE f.region IS NOT NULL AND f.product IS NOT NULL \
                   GROUP BY f.tenant_id, f.region, f.product, d.year, d.month) a \
                 ON a.tenant_id = t.tenant_id AND a.region = t.region \
                 AND a.product = t.product AND a.year = t.year AND a.month = t.month \
                 ORDER BY t.tenant_id, t.region, t.product, t.year, t.month"
            }
            Dashboard::CustomerSummary => {
                "SELECT tenant_id, COUNT(*) AS customers, SUM(total_spent) AS total_spent, \
                 SUM(total_orders) AS total_orders, \
                 SUM(total_spent) / SUM(total_orders) AS avg_order_value \
                 FROM dim_customers GROUP BY tenant_id ORDER BY tenant_id"
            }
        }
    }

    /// The dashboard called `name`.
    pub fn from_name(name: &str) -> Result<Dashboard, QueryError> {
        Dashboard::ALL
            .into_iter()
            .find(|d| d.name() == name)
            .ok_or_else(|| QueryError::UnknownDashboard(name.to_string()))
    }
}

/// One dashboard request as one value: `{"dashboard": "channel_mix", "query": {...}}`
/// (`query` may be left out: every tenant, no filter).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub dashboard: Dashboard,
    #[serde(default)]
    pub query: Query,
}

/// Which keys of a dimension pass a filter: `None` passes all (no filter), a missing
/// value never passes a filter.
fn key_mask(dict: &Dictionary, wanted: &[String]) -> Option<Vec<bool>> {
    if wanted.is_empty() {
        return None;
    }
    let mut mask = vec![false; dict.len()];
    for value in wanted {
        if let Some(key) = dict.key_of(value) {
            mask[key as usize] = true;
        }
    }
    Some(mask)
}

/// Whether `row` of `column` passes the filter `mask` (`None` passes all, a missing
/// value never passes a filter). Reads the column only when there is a filter, so an
/// unfiltered dimension costs nothing per row.
#[inline(always)]
fn passes_column(mask: &Option<Vec<bool>>, column: &KeyColumn, row: usize) -> bool {
    match mask {
        None => true,
        Some(m) => m.get(column.get(row) as usize).copied().unwrap_or(false),
    }
}

/// A query resolved against one warehouse: the tenant scope and filters as masks over
/// dictionary keys. The only way dashboards read rows.
///
/// The fact rows that pass are found once per scope ([`selection`](Scope::selection)):
/// a view runs eight passes over the facts (six dashboards, the ROI chart, a clicked
/// chart's own dashboard), and testing every filter on every row in each of them made a
/// click that keeps every tenant cost more than the unfiltered view. With the selection
/// each pass reads only the rows that pass, in storage order.
pub struct Scope<'w> {
    pub(crate) star: &'w StarSchema,
    tenants: Vec<bool>,
    regions: Option<Vec<bool>>,
    products: Option<Vec<bool>>,
    channels: Option<Vec<bool>>,
    from: Option<Day>,
    to: Option<Day>,
    /// Campaign keys that pass (`None`: no campaign filter).
    campaigns: Option<Vec<bool>>,
    categories: Option<[bool; 5]>,
    days: Option<DaySet>,
    stages: Option<[bool; 3]>,
    /// The fact rows that pass, ascending; `None` inside when every row passes. Found
    /// on first need, so a scope that only reads targets or customers never scans facts.
    selection: std::cell::OnceCell<Option<Vec<u32>>>,
}

impl<'w> Scope<'w> {
    /// Resolves `query` against `star`.
    pub fn new(star: &'w StarSchema, query: &Query) -> Result<Self, QueryError> {
        let dims = &star.dims;
        let tenants = match &query.tenants {
            TenantScope::All => vec![true; dims.tenant.len()],
            TenantScope::Only(ids) => {
                let mut mask = vec![false; dims.tenant.len()];
                for id in ids {
                    if let Some(key) = dims.tenant.key_of(id) {
                        mask[key as usize] = true;
                    }
                }
                mask
            }
        };
        Ok(Scope {
            star,
            tenants,
            regions: key_mask(&dims.region, &query.regions),
            products: key_mask(&dims.product, &query.products),
            channels: key_mask(&dims.channel, &query.channels),
            from: query_date("from", &query.from)?,
            to: query_date("to", &query.to)?,
            campaigns: key_mask(&dims.campaign, &query.campaigns),
            categories: category_mask(&query.performance_categories),
            days: DaySet::new(&query.dates, &query.months)?,
            stages: stage_mask(&query.stages),
            selection: std::cell::OnceCell::new(),
        })
    }

    /// Whether the filters that only facts have (campaigns, performance categories, the
    /// date selection, funnel stages) pass `row`. Each reads its column only when set.
    #[inline(always)]
    fn passes_fact_only(&self, row: usize) -> bool {
        let f = &self.star.campaigns;
        self.campaigns
            .as_ref()
            .is_none_or(|m| m.get(f.campaign[row] as usize) == Some(&true))
            && self.days.as_ref().is_none_or(|d| d.has(f.date[row]))
            && self.categories.is_none_or(|m| {
                m[category_index(PerformanceCategory::of(f.spend[row], f.revenue[row]))]
            })
            && self.stages.is_none_or(|m| {
                (m[0] && f.impressions[row] > 0)
                    || (m[1] && f.clicks[row] > 0)
                    || (m[2] && f.conversions[row] > 0)
            })
    }

    /// `true` when the tenant key is in scope.
    pub fn has_tenant(&self, tenant: u32) -> bool {
        self.tenants.get(tenant as usize).copied().unwrap_or(false)
    }

    fn in_dates(&self, day: Day) -> bool {
        self.from.is_none_or(|f| day >= f) && self.to.is_none_or(|t| day <= t)
    }

    /// Whether one fact row is in scope and passes every filter.
    pub fn has_campaign_row(&self, row: usize) -> bool {
        crate::with_keys!(self.star.campaigns.tenant, |tenant| self
            .has_campaign_row_of(tenant, row))
    }

    /// [`has_campaign_row`](Self::has_campaign_row) given the fact table's tenant keys
    /// at their stored width (see [`with_keys!`](crate::with_keys)). The tenant check
    /// comes first and short-circuits; the other filters read their column only when
    /// set.
    #[inline(always)]
    pub fn has_campaign_row_of<K: Key>(&self, tenant: &[K], row: usize) -> bool {
        let f = &self.star.campaigns;
        self.has_tenant(tenant[row].key())
            && self.in_dates(f.date[row])
            && passes_column(&self.regions, &f.region, row)
            && passes_column(&self.products, &f.product, row)
            && passes_column(&self.channels, &f.channel, row)
            && self.passes_fact_only(row)
    }

    /// Fact rows in scope that pass every filter, in storage order.
    pub fn campaign_rows(&self) -> impl Iterator<Item = usize> + '_ {
        let every = self
            .selection()
            .is_none()
            .then(|| 0..self.star.campaigns.len());
        every
            .into_iter()
            .flatten()
            .chain(self.selection().into_iter().flatten().map(|&r| r as usize))
    }

    /// Calls `visit` with each fact row in scope that passes every filter, in storage
    /// order: what [`campaign_rows`](Self::campaign_rows) yields, by internal iteration,
    /// so a kernel's body is inlined into the loop (one loop over every row without a
    /// test when nothing is filtered, else one over the selected rows).
    #[inline(always)]
    pub fn for_each_campaign_row<K: Key>(&self, tenant: &[K], mut visit: impl FnMut(usize)) {
        debug_assert_eq!(tenant.len(), self.star.campaigns.len());
        // Plain loops. `visit` is called from two loops, so LLVM declines to inline it
        // into them (a call per row, its sums kept in memory, the columns' bounds
        // reloaded): kernels mark their closure `#[inline(always)]`.
        match self.selection() {
            None => {
                for row in 0..tenant.len() {
                    visit(row);
                }
            }
            Some(rows) => {
                for &row in rows {
                    visit(row as usize);
                }
            }
        }
    }

    /// The fact rows in scope that pass every filter, ascending, or `None` when that is
    /// every row (every tenant, no filter). Found by one scan on first use and kept:
    /// the tenant mask alone when only the tenant scope is set, else every filter.
    pub fn selection(&self) -> Option<&[u32]> {
        self.selection
            .get_or_init(|| crate::with_keys!(self.star.campaigns.tenant, |t| self.select(t)))
            .as_deref()
    }

    /// Whether any filter besides the tenant scope is set (dates, regions, products,
    /// channels, campaigns, performance categories, the date selection, funnel stages).
    pub fn has_filters(&self) -> bool {
        self.from.is_some()
            || self.to.is_some()
            || self.regions.is_some()
            || self.products.is_some()
            || self.channels.is_some()
            || self.campaigns.is_some()
            || self.categories.is_some()
            || self.days.is_some()
            || self.stages.is_some()
    }

    /// The scan behind [`selection`](Self::selection).
    fn select<K: Key>(&self, tenant: &[K]) -> Option<Vec<u32>> {
        let only_tenants = !self.has_filters();
        if only_tenants && self.tenants.iter().all(|&t| t) {
            return None;
        }
        let mut rows = Vec::new();
        if only_tenants {
            let mask = &self.tenants[..];
            for (row, key) in tenant.iter().enumerate() {
                if mask.get(key.key() as usize).copied().unwrap_or(false) {
                    rows.push(row as u32);
                }
            }
        } else {
            for row in 0..tenant.len() {
                if self.has_campaign_row_of(tenant, row) {
                    rows.push(row as u32);
                }
            }
        }
        Some(rows)
    }

    /// How many fact rows are in scope and pass every filter.
    pub fn campaign_row_count(&self) -> usize {
        self.selection()
            .map_or(self.star.campaigns.len(), <[u32]>::len)
    }

    /// Target rows in scope: the tenant scope, the region and product filters, a date
    /// range overlapping the target's month, and a date selection (`dates`, `months`)
    /// holding a day of it. Channels, campaigns, performance categories and funnel
    /// stages do not apply to targets.
    pub fn target_rows(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.star.targets.len()).filter(move |&row| self.has_target_row(row))
    }

    /// Whether target row `row` is in scope (see [`target_rows`](Self::target_rows)).
    pub fn has_target_row(&self, row: usize) -> bool {
        let t = &self.star.targets;
        let (year, month) = (i32::from(t.year[row]), u32::from(t.month[row]));
        if !self.has_tenant(t.tenant.get(row))
            || !passes_column(&self.regions, &t.region, row)
            || !passes_column(&self.products, &t.product, row)
        {
            return false;
        }
        if self.from.is_none() && self.to.is_none() && self.days.is_none() {
            return true;
        }
        let first = day_from_ymd(year, month, 1).unwrap_or(Day::MIN);
        let last = first + crate::model::date::days_in_month(year, month) as Day - 1;
        self.from.is_none_or(|f| last >= f)
            && self.to.is_none_or(|to| first <= to)
            && self.days.as_ref().is_none_or(|d| d.any_in(first, last))
    }

    /// Customer rows in scope: the tenant scope, the region filter on the customer's
    /// region and the product filter on their product preference. Dates, channels,
    /// campaigns, performance categories and funnel stages do not apply to customers.
    pub fn customer_rows(&self) -> impl Iterator<Item = usize> + '_ {
        let (narrow, wide) = match self.star.customers.tenant.keys() {
            Keys::Narrow(keys) => (Some(self.customer_rows_of(keys)), None),
            Keys::Wide(keys) => (None, Some(self.customer_rows_of(keys))),
        };
        narrow
            .into_iter()
            .flatten()
            .chain(wide.into_iter().flatten())
    }

    /// [`customer_rows`](Self::customer_rows) given the customer table's tenant keys at
    /// their stored width (see [`with_keys!`](crate::with_keys)).
    pub fn customer_rows_of<'s, K: Key>(
        &'s self,
        tenant: &'s [K],
    ) -> impl Iterator<Item = usize> + 's {
        let c = &self.star.customers;
        debug_assert_eq!(tenant.len(), c.len());
        (0..tenant.len()).filter(move |&row| {
            self.has_tenant(tenant[row].key())
                && passes_column(&self.regions, &c.region, row)
                && passes_column(&self.products, &c.product_preference, row)
        })
    }
}

pub use source::QuerySource;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::result::Value;
    use crate::{with_keys, Warehouse};

    #[test]
    fn a_dashboard_is_written_as_its_name_and_a_request_is_one_value() {
        for d in Dashboard::ALL {
            assert_eq!(serde_json::to_value(d).unwrap(), d.name());
            assert_eq!(
                serde_json::from_value::<Dashboard>(d.name().into()).unwrap(),
                d
            );
        }
        let request: Request = serde_json::from_str(
            r#"{"dashboard": "channel_mix", "query": {"tenants": "t1", "limit": 5}}"#,
        )
        .unwrap();
        assert_eq!(request.dashboard, Dashboard::ChannelMix);
        assert_eq!(request.query.tenants, TenantScope::Only(vec!["t1".into()]));
        let bare: Request = serde_json::from_str(r#"{"dashboard": "campaign_summary"}"#).unwrap();
        assert_eq!(bare.query, Query::default());
        assert!(serde_json::from_str::<Request>(r#"{"dashboard": "nope"}"#).is_err());
        let mut w = Warehouse::new();
        w.load(
            "c.csv",
            b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
              t1,c1,2024-11-01,10,1,0,1.00,2.00\nt2,c2,2024-11-01,10,1,0,1.00,2.00\n",
        );
        assert_eq!(
            w.request(&request).unwrap(),
            w.dashboard(Dashboard::ChannelMix, &request.query).unwrap()
        );
        assert!(
            serde_json::from_str::<Request>(r#"{"dashboard": "channel_mix", "x": 1}"#).is_err()
        );
    }

    #[test]
    fn each_dashboard_returns_its_declared_columns() {
        let mut w = Warehouse::new();
        w.load(
            "c.csv",
            b"tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue\n\
              a,c1,C1 - Search,2024-11-01,10,1,0,1.00,2.00\n",
        );
        for d in Dashboard::ALL {
            let result = w.dashboard(d, &Query::default()).unwrap();
            assert_eq!(result.columns, d.columns(), "{}", d.name());
            let names: std::collections::HashSet<_> = d.columns().iter().map(|c| c.name).collect();
            assert_eq!(names.len(), d.columns().len(), "{}: a name twice", d.name());
            // Each value's kind fits its column's declared type.
            for row in &result.rows {
                for (value, column) in row.iter().zip(d.columns()) {
                    let fits = match value {
                        Value::Null => true,
                        Value::Int(_) => matches!(
                            column.ty,
                            columns::ColumnType::Integer | columns::ColumnType::Code
                        ),
                        Value::Money(_) => column.ty == columns::ColumnType::Money,
                        Value::Float(_) => matches!(
                            column.ty,
                            columns::ColumnType::Ratio
                                | columns::ColumnType::Number
                                | columns::ColumnType::Money
                        ),
                        Value::Text(_) => column.ty == columns::ColumnType::Text,
                        Value::Date(_) => column.ty == columns::ColumnType::Date,
                    };
                    assert!(
                        fits,
                        "{}.{}: {value:?} is not {:?}",
                        d.name(),
                        column.name,
                        column.ty
                    );
                }
            }
        }
    }

    #[test]
    fn each_scan_visits_exactly_the_rows_the_iterator_yields() {
        let mut w = Warehouse::new();
        w.load(
            "c.csv",
            b"tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product\n\
              a,c1,C1 - Search,2024-11-01,10,1,0,1.00,2.00,North,P1\n\
              b,c2,C2 - Video,2024-11-02,10,1,0,1.00,2.00,South,P2\n\
              a,c3,C3 - Email,2024-11-03,10,1,0,1.00,2.00,,P1\n\
              c,c4,C4 - Search,2024-11-04,10,1,0,1.00,2.00,North,\n\
              b,c5,C5,2024-11-05,10,1,0,1.00,2.00,North,P2\n",
        );
        let star = w.star();
        let scoped =
            |tenants: &[&str]| TenantScope::Only(tenants.iter().map(|t| t.to_string()).collect());
        let queries = [
            Query::default(),
            Query {
                tenants: scoped(&["a", "c"]),
                ..Query::default()
            },
            Query {
                tenants: scoped(&["nobody"]),
                ..Query::default()
            },
            Query {
                regions: vec!["North".into()],
                ..Query::default()
            },
            Query {
                tenants: scoped(&["b"]),
                channels: vec!["Unknown".into()],
                ..Query::default()
            },
            Query {
                from: Some("2024-11-02".into()),
                to: Some("2024-11-04".into()),
                ..Query::default()
            },
            Query {
                products: vec!["P1".into(), "P2".into()],
                tenants: scoped(&["a", "b", "c"]),
                ..Query::default()
            },
            Query {
                campaigns: vec!["c1".into(), "c5".into(), "nope".into()],
                ..Query::default()
            },
            Query {
                performance_categories: vec!["Break Even".into()],
                ..Query::default()
            },
            Query {
                dates: vec!["2024-11-04".into()],
                months: vec!["2024-10".into()],
                ..Query::default()
            },
        ];
        for query in &queries {
            let scope = Scope::new(star, query).unwrap();
            let (visited, yielded) = with_keys!(star.campaigns.tenant, |tenant| {
                let mut visited = Vec::new();
                scope.for_each_campaign_row(tenant, |row| visited.push(row));
                (visited, scope.campaign_rows().collect::<Vec<_>>())
            });
            assert_eq!(visited, yielded, "{query:?}");
        }
    }

    #[test]
    fn fact_only_filters_select_the_rows_they_name() {
        let mut w = Warehouse::new();
        w.load(
            "c.csv",
            b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
              a,c1,2024-10-31,10,1,0,1.00,5.00\n\
              a,c2,2024-11-01,10,1,0,1.00,1.50\n\
              b,c1,2024-11-30,10,1,0,0,2.00\n\
              b,c3,2024-12-01,10,1,0,2.00,1.00\n",
        );
        let rows = |query: Query| -> Vec<usize> {
            let scope = Scope::new(w.star(), &query).unwrap();
            scope.campaign_rows().collect()
        };
        let campaigns = |c: &[&str]| Query {
            campaigns: c.iter().map(|s| s.to_string()).collect(),
            ..Query::default()
        };
        assert_eq!(rows(campaigns(&["c1"])), vec![0, 2]);
        assert_eq!(rows(campaigns(&["zz"])), Vec::<usize>::new());
        let months = Query {
            months: vec!["2024-11".into()],
            ..Query::default()
        };
        assert_eq!(rows(months), vec![1, 2]);
        let days = Query {
            dates: vec!["2024-10-31".into(), "2024-12-01".into()],
            ..Query::default()
        };
        assert_eq!(rows(days), vec![0, 3]);
        // roi 4 Excellent, 0.5 Break Even, no spend Unknown, -0.5 Loss.
        for (category, expected) in [
            ("Excellent", 0),
            ("Break Even", 1),
            ("Unknown", 2),
            ("Loss", 3),
        ] {
            let q = Query {
                performance_categories: vec![category.into()],
                ..Query::default()
            };
            assert_eq!(rows(q), vec![expected], "{category}");
        }
        let bad = Query {
            months: vec!["2024-13".into()],
            ..Query::default()
        };
        assert!(matches!(
            Scope::new(w.star(), &bad),
            Err(QueryError::BadMonth(_))
        ));
        let bad = Query {
            dates: vec!["tomorrow".into()],
            ..Query::default()
        };
        assert!(matches!(
            Scope::new(w.star(), &bad),
            Err(QueryError::BadDate { field: "dates", .. })
        ));
    }
}
