//! Charts: small, serialisable chart data built from the dashboards (this module), and
//! drawing it with plotters on any [`DrawingBackend`](plotters::prelude::DrawingBackend)
//! ([`draw`]).
//!
//! The web page's worker computes [`Chart`]s next to the warehouse and posts them to the
//! main thread, which draws them into `<canvas>` elements (plotters-canvas needs an
//! `HtmlCanvasElement`, which a worker does not have). Natively the same [`draw`]
//! renders SVG, which is what the tests look at.
//!
//! Every chart respects the query's tenant scope and filters: it is built only from
//! dashboard results under that query, or (the ROI distribution) from
//! [`Scope::for_each_campaign_row`], so no other tenant's rows can reach it.
//!
//! ```
//! use bi_platform::{chart, Query, Warehouse};
//! let mut warehouse = Warehouse::new();
//! warehouse.load("c.csv", b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
//!                          a,c1,2024-11-01,100,10,1,1.00,3.00\n");
//! let charts = chart::charts(&warehouse, &Query::default()).unwrap();
//! assert_eq!(charts.len(), 7);
//! ```

mod draw;
pub mod hit;
pub mod result;

pub use draw::draw;
pub use hit::{hit, Datum, HitMap, Mark, Region};

mod build;
mod data;
mod kpis;
mod page;
mod roi;
#[cfg(test)]
mod tests;

pub use build::{
    attainment, by_tenant, channel_mix, charts_of, funnel_chart, tenant_trend, trend, ChartInputs,
    TOP_TENANTS, TOP_TREND_TENANTS,
};
pub use data::{format_value, Chart, Kind, Series, Unit};
pub use kpis::{filter_options, kpis, kpis_of, FilterOptions, Kpis};
pub use page::{charts, relax, ChartMemo, OwnCharts, RELAXED};
pub use roi::{roi_distribution, roi_distribution_in};
