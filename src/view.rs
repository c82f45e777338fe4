//! A view: everything the page shows for one query (every dashboard, the KPI tiles, every
//! chart and the filter choices), computed in one request.
//!
//! The page used to ask for the dashboards, then the KPIs, then the charts, and each of
//! those asked the warehouse for the dashboards it was built from: `campaign_summary` was
//! computed three times a view and four other dashboards twice. Here each dashboard runs
//! once and the KPIs and charts are derived from its result.
//!
//! ```
//! use bi_platform::{view, Query, Warehouse};
//! let mut warehouse = Warehouse::new();
//! warehouse.load("c.csv", b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
//!                          a,c1,2024-11-01,100,10,1,1.00,3.00\n");
//! let view = view::view(&warehouse, &Query::default(), view::Page::default()).unwrap();
//! assert_eq!(view.tables.len(), 7);
//! assert_eq!(view.kpis.campaigns, 1);
//! assert_eq!(view.charts.len(), 7);
//! ```

use crate::chart::{self, Chart, ChartInputs, FilterOptions, Kpis};
use crate::query::result::DashboardResult;
use crate::query::{Dashboard, Query, QueryError, Scope};
use crate::Warehouse;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

/// Which rows of the one dashboard with a row per fact (`campaign_performance`) a view
/// shows; the other dashboards are small and shown whole.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Page {
    pub offset: Option<usize>,
    pub limit: Option<usize>,
}

/// Everything the page shows for one query.
#[derive(Debug, Clone, PartialEq)]
pub struct View<'w> {
    /// The filter choices of everything loaded (not only of the query's scope).
    pub options: FilterOptions,
    pub kpis: Kpis,
    /// Every chart, in page order.
    pub charts: Vec<Chart>,
    /// Every dashboard, in the contract's order (`campaign_performance` paged).
    pub tables: Vec<(Dashboard, DashboardResult<'w>)>,
}

impl View<'_> {
    /// A dashboard's result in this view.
    pub fn table(&self, dashboard: Dashboard) -> &DashboardResult<'_> {
        table_in(&self.tables, dashboard)
    }
}

/// A dashboard's result among a view's tables (which hold every dashboard).
fn table_in<'t, 'w>(
    tables: &'t [(Dashboard, DashboardResult<'w>)],
    dashboard: Dashboard,
) -> &'t DashboardResult<'w> {
    &tables
        .iter()
        .find(|(d, _)| *d == dashboard)
        .expect("a view holds every dashboard")
        .1
}

/// Serialised as `{options, kpis, charts, tables: {name: result}}`.
impl Serialize for View<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Tables<'v, 'w>(&'v [(Dashboard, DashboardResult<'w>)]);
        impl Serialize for Tables<'_, '_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for (dashboard, result) in self.0 {
                    map.serialize_entry(dashboard.name(), result)?;
                }
                map.end()
            }
        }
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("options", &self.options)?;
        map.serialize_entry("kpis", &self.kpis)?;
        map.serialize_entry("charts", &self.charts)?;
        map.serialize_entry("tables", &Tables(&self.tables))?;
        map.end()
    }
}

/// The view of `query` (its `offset` and `limit` are ignored: `page` pages the one
/// per-fact dashboard). Each dashboard is computed once.
pub fn view<'w>(
    warehouse: &'w Warehouse,
    query: &Query,
    page: Page,
) -> Result<View<'w>, QueryError> {
    let query = Query {
        offset: None,
        limit: None,
        ..query.clone()
    };
    let paged = Query {
        offset: page.offset,
        limit: page.limit,
        ..query.clone()
    };
    let scope = Scope::new(warehouse.star(), &query)?;
    let tables = warehouse.dashboards_in(&scope, &paged);
    let find = |d: Dashboard| table_in(&tables, d);
    let summary = find(Dashboard::CampaignSummary);
    let charts = chart::charts_of(
        &ChartInputs {
            daily: find(Dashboard::DailyPerformance),
            summary,
            funnel: find(Dashboard::ConversionFunnel),
            channels: find(Dashboard::ChannelMix),
            targets: find(Dashboard::TargetVsActual),
        },
        chart::roi_distribution_in(&scope),
    );
    // A chart whose own field is filtered keeps every category (one more dashboard for
    // each such chart; none when no click filter is set).
    let mut own = chart::OwnCharts::new(warehouse);
    let charts = chart::relax(charts, &query, |id, q| own.chart(id, q))?;
    let kpis = chart::kpis_of(summary);
    Ok(View {
        options: chart::filter_options(warehouse),
        kpis,
        charts,
        tables,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TenantScope;

    const CSV: &[u8] = b"tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product\n\
        a,c1,C1 - Search,2024-11-01,1000,100,10,10.00,30.00,North,P1\n\
        a,c2,C2 - Video,2024-11-02,1000,100,10,10.00,5.00,North,P1\n\
        a,c3,C3 - Video,2024-11-03,1000,100,10,10.00,5.00,South,P1\n\
        b,c1,C1 - Search,2024-11-01,500,50,5,20.00,20.00,South,P2\n";

    #[test]
    fn a_view_equals_its_parts_asked_one_by_one() {
        let mut w = Warehouse::new();
        w.load("c.csv", CSV);
        for query in [
            Query::default(),
            Query {
                tenants: TenantScope::Only(vec!["a".into()]),
                regions: vec!["North".into()],
                ..Query::default()
            },
            Query {
                tenants: TenantScope::Only(vec!["nobody".into()]),
                ..Query::default()
            },
        ] {
            let page = Page {
                offset: Some(1),
                limit: Some(2),
            };
            let view = view(&w, &query, page).unwrap();
            assert_eq!(view.kpis, chart::kpis(&w, &query).unwrap());
            assert_eq!(view.charts, chart::charts(&w, &query).unwrap());
            assert_eq!(view.options, chart::filter_options(&w));
            let paged = Query {
                offset: page.offset,
                limit: page.limit,
                ..query.clone()
            };
            for (dashboard, result) in &view.tables {
                let q = if *dashboard == Dashboard::CampaignPerformance {
                    &paged
                } else {
                    &query
                };
                assert_eq!(
                    result,
                    &w.dashboard(*dashboard, q).unwrap(),
                    "{dashboard:?}"
                );
            }
            let names: Vec<_> = view.tables.iter().map(|(d, _)| *d).collect();
            assert_eq!(names, Dashboard::ALL);
        }
    }

    #[test]
    fn a_view_serialises_tables_by_name() {
        let mut w = Warehouse::new();
        w.load("c.csv", CSV);
        let view = view(&w, &Query::default(), Page::default()).unwrap();
        let json = serde_json::to_value(&view).unwrap();
        for dashboard in Dashboard::ALL {
            assert!(json["tables"][dashboard.name()]["rows"].is_array());
        }
        assert_eq!(json["kpis"]["campaigns"], 4);
        assert_eq!(json["charts"].as_array().unwrap().len(), 7);
        assert_eq!(json["options"]["tenants"], serde_json::json!(["a", "b"]));
        assert!(json["tables"]["campaign_performance"]
            .get("total_rows")
            .is_none());
    }

    #[test]
    fn a_bad_date_is_an_error_not_a_partial_view() {
        let w = Warehouse::new();
        let query = Query {
            from: Some("yesterday".into()),
            ..Query::default()
        };
        assert!(matches!(
            view(&w, &query, Page::default()),
            Err(QueryError::BadDate { .. })
        ));
    }
}
