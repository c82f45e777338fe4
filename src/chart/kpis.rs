//! The KPI tiles of a scope and the filter choices of everything loaded.

use super::build::{num, ratio};
use crate::model::columns::Column;
use crate::model::date::format_day;
use crate::query::result::DashboardResult;
use crate::query::{Dashboard, Query, QueryError, QuerySource};
use serde::{Deserialize, Serialize};

/// The headline figures of a scope: sums and the ratios of the sums.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kpis {
    pub campaigns: u64,
    pub spend: f64,
    pub revenue: f64,
    pub profit: f64,
    /// `(revenue - spend) / spend`, null when there is no spend.
    pub roi: Option<f64>,
    /// `clicks / impressions`.
    pub ctr: Option<f64>,
    /// `conversions / clicks`.
    pub conversion_rate: Option<f64>,
}

/// The choices the page offers as filters for the loaded data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterOptions {
    pub tenants: Vec<String>,
    pub regions: Vec<String>,
    pub products: Vec<String>,
    pub channels: Vec<String>,
    /// First and last campaign date (`YYYY-MM-DD`), when there are campaigns.
    pub first_date: Option<String>,
    pub last_date: Option<String>,
}

fn sorted(values: impl Iterator<Item = impl Into<String>>) -> Vec<String> {
    let mut v: Vec<String> = values.map(Into::into).collect();
    v.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    v
}

/// The filter choices of everything loaded.
pub fn filter_options(source: &dyn QuerySource) -> FilterOptions {
    let star = source.star();
    let dates = &star.campaigns.date;
    FilterOptions {
        tenants: sorted(source.tenants().into_iter()),
        regions: sorted(star.dims.region.values()),
        products: sorted(star.dims.product.values()),
        channels: sorted(star.dims.channel.values()),
        first_date: dates.iter().min().map(|d| format_day(*d)),
        last_date: dates.iter().max().map(|d| format_day(*d)),
    }
}

/// The KPI tiles of a query's scope.
pub fn kpis(source: &dyn QuerySource, query: &Query) -> Result<Kpis, QueryError> {
    Ok(kpis_of(
        &source.dashboard(Dashboard::CampaignSummary, query)?,
    ))
}

/// The KPI tiles, from the scope's `campaign_summary`.
pub fn kpis_of(summary: &DashboardResult<'_>) -> Kpis {
    let (mut campaigns, mut spend, mut revenue, mut impressions, mut clicks, mut conversions) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for row in &summary.rows {
        campaigns += num(row, summary, "campaigns");
        spend += num(row, summary, Column::Spend.name());
        revenue += num(row, summary, Column::Revenue.name());
        impressions += num(row, summary, Column::Impressions.name());
        clicks += num(row, summary, Column::Clicks.name());
        conversions += num(row, summary, Column::Conversions.name());
    }
    Kpis {
        campaigns: campaigns as u64,
        spend,
        revenue,
        profit: revenue - spend,
        roi: ratio(revenue - spend, spend),
        ctr: ratio(clicks, impressions),
        conversion_rate: ratio(conversions, clicks),
    }
}
