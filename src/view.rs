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
//! let view = view::view(&warehouse, &Query::default(), &view::Page::default()).unwrap();
//! assert_eq!(view.tables.len(), 7);
//! assert_eq!(view.kpis.campaigns, 1);
//! assert_eq!(view.charts.len(), 7);
//! ```

use crate::chart::{self, Chart, ChartInputs, ChartMemo, FilterOptions, Kpis};
use crate::query::result::DashboardResult;
use crate::query::{Dashboard, Query, QueryError, Scope};
use crate::Warehouse;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;

/// Which rows of each dashboard a view shows: `offset` and `limit` page the one
/// dashboard with a row per fact (`campaign_performance`, in its fixed order); `tables`
/// sorts and pages the others, which are shown whole when they are not named.
///
/// The page asks for one screenful of each table: at 1M campaign rows `target_vs_actual`
/// has every target row (24,000 in the generator's files) and `daily_performance` a row
/// per tenant and day, and turning all of them into JS objects and sending them to the
/// page cost more than computing the whole view.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Page {
    pub offset: Option<usize>,
    pub limit: Option<usize>,
    pub tables: BTreeMap<Dashboard, TablePage>,
}

/// How one dashboard's table is shown: sorted by a column (else in the dashboard's own
/// order), then the rows `offset..offset + limit`; the result's `total_rows` says how
/// many there are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TablePage {
    pub offset: usize,
    pub limit: Option<usize>,
    /// A column name of the dashboard.
    pub sort: Option<String>,
    pub descending: bool,
}

impl TablePage {
    /// Sorts and pages `result`, a whole result of `dashboard`.
    fn apply(
        &self,
        dashboard: Dashboard,
        result: &mut DashboardResult<'_>,
    ) -> Result<(), QueryError> {
        if dashboard == Dashboard::CampaignPerformance {
            return Err(QueryError::FixedOrder);
        }
        if let Some(name) = &self.sort {
            let index = result
                .column(name)
                .ok_or_else(|| QueryError::UnknownColumn {
                    dashboard: dashboard.name(),
                    column: name.clone(),
                    columns: result
                        .columns
                        .iter()
                        .map(|c| c.name)
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
            result.sort_by_column(index, self.descending);
        }
        result.page(self.offset, self.limit);
        Ok(())
    }
}

/// One dashboard's table as [`TablePage`] shows it (the page's sort and pager buttons):
/// `campaign_performance` is paged in its own order, the others sorted then paged.
pub fn table<'w>(
    warehouse: &'w Warehouse,
    dashboard: Dashboard,
    query: &Query,
    page: &TablePage,
) -> Result<DashboardResult<'w>, QueryError> {
    if dashboard == Dashboard::CampaignPerformance {
        if page.sort.is_some() {
            return Err(QueryError::FixedOrder);
        }
        let paged = Query {
            offset: Some(page.offset),
            limit: page.limit,
            ..query.clone()
        };
        return warehouse.dashboard(dashboard, &paged);
    }
    let whole = Query {
        offset: None,
        limit: None,
        ..query.clone()
    };
    let mut result = warehouse.dashboard(dashboard, &whole)?;
    page.apply(dashboard, &mut result)?;
    Ok(result)
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
    page: &Page,
) -> Result<View<'w>, QueryError> {
    view_with(warehouse, query, page, &mut ChartMemo::default())
}

/// [`view`], taking the charts a click relaxes from `memo` (the charts of the views
/// before, kept there by this function) instead of computing their dashboards again.
pub fn view_with<'w>(
    warehouse: &'w Warehouse,
    query: &Query,
    page: &Page,
    memo: &mut ChartMemo,
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
    if page.tables.contains_key(&Dashboard::CampaignPerformance) {
        return Err(QueryError::FixedOrder);
    }
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
    for chart in &charts {
        memo.put(warehouse, &query, chart);
    }
    let mut own = chart::OwnCharts::with_memo(warehouse, memo);
    let charts = chart::relax(charts, &query, |id, q| own.chart(id, q))?;
    let kpis = chart::kpis_of(summary);
    let mut tables = tables;
    for (dashboard, result) in &mut tables {
        if let Some(shown) = page.tables.get(dashboard) {
            shown.apply(*dashboard, result)?;
        }
    }
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
                ..Page::default()
            };
            let view = view(&w, &query, &page).unwrap();
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
        let view = view(&w, &Query::default(), &Page::default()).unwrap();
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
            view(&w, &query, &Page::default()),
            Err(QueryError::BadDate { .. })
        ));
    }

    #[test]
    fn a_table_page_is_the_slice_of_the_whole_table_sorted() {
        let mut w = Warehouse::new();
        w.load("c.csv", CSV);
        // A tenant with no spend: its ROI means are null.
        w.load(
            "d.csv",
            b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
              c,c7,2024-11-04,0,0,0,0.00,0.00\n",
        );
        let query = Query::default();
        let whole = view(&w, &query, &Page::default()).unwrap();
        let summary = whole.table(Dashboard::CampaignSummary).clone();
        let roi = summary.column("avg_roi").unwrap();
        for (sort, descending) in [("avg_roi", false), ("avg_roi", true), ("tenant_id", true)] {
            for (offset, limit) in [(0, Some(2)), (1, Some(5)), (2, None), (9, Some(1))] {
                let shown = TablePage {
                    offset,
                    limit,
                    sort: Some(sort.into()),
                    descending,
                };
                let page = Page {
                    tables: BTreeMap::from([(Dashboard::CampaignSummary, shown.clone())]),
                    ..Page::default()
                };
                let got = view(&w, &query, &page).unwrap();
                let table = got.table(Dashboard::CampaignSummary);
                assert_eq!(table.total_rows, Some(3));
                // The oracle: the whole table's rows sorted by the column's text form
                // for tenants, by number for ROI, nulls last either way.
                let mut rows = summary.rows.clone();
                let i = summary.column(sort).unwrap();
                rows.sort_by(|a, b| {
                    let key = |v: &crate::query::result::Value| v.as_f64();
                    match (key(&a[i]), key(&b[i])) {
                        (None, None) => {
                            let (x, y) = (a[i].to_plain_string(), b[i].to_plain_string());
                            if x.is_empty() || y.is_empty() {
                                y.is_empty().cmp(&x.is_empty()).reverse()
                            } else if descending {
                                y.cmp(&x)
                            } else {
                                x.cmp(&y)
                            }
                        }
                        (None, Some(_)) => std::cmp::Ordering::Greater,
                        (Some(_), None) => std::cmp::Ordering::Less,
                        (Some(x), Some(y)) if descending => y.total_cmp(&x),
                        (Some(x), Some(y)) => x.total_cmp(&y),
                    }
                });
                let expected: Vec<_> = rows
                    .into_iter()
                    .skip(offset)
                    .take(limit.unwrap_or(9))
                    .collect();
                assert_eq!(
                    table.rows, expected,
                    "{sort} {descending} {offset} {limit:?}"
                );
                // The same through `table`, which the sort and pager buttons call.
                assert_eq!(
                    &table_of(&w, &shown),
                    table,
                    "{sort} {descending} {offset} {limit:?}"
                );
                // Charts and KPIs are drawn from the whole tables.
                assert_eq!(got.charts, whole.charts);
                assert_eq!(got.kpis, whole.kpis);
            }
        }
        // Null ROI sorts last both ways.
        let last = |descending| {
            let page = TablePage {
                sort: Some("avg_roi".into()),
                descending,
                ..TablePage::default()
            };
            table_of(&w, &page).rows.last().unwrap()[roi]
        };
        assert_eq!(last(false), crate::query::result::Value::Null);
        assert_eq!(last(true), crate::query::result::Value::Null);
    }

    fn table_of<'w>(w: &'w Warehouse, page: &TablePage) -> DashboardResult<'w> {
        table(w, Dashboard::CampaignSummary, &Query::default(), page).unwrap()
    }

    #[test]
    fn a_table_page_names_what_is_wrong() {
        let mut w = Warehouse::new();
        w.load("c.csv", CSV);
        let bad = TablePage {
            sort: Some("nope".into()),
            ..TablePage::default()
        };
        let error = table(&w, Dashboard::ChannelMix, &Query::default(), &bad).unwrap_err();
        assert_eq!(
            error.to_string(),
            "'nope' is not a column of channel_mix; its columns are tenant_id, channel, spend, revenue, roi"
        );
        let sorted = TablePage {
            sort: Some("date".into()),
            ..TablePage::default()
        };
        assert_eq!(
            table(
                &w,
                Dashboard::CampaignPerformance,
                &Query::default(),
                &sorted
            ),
            Err(QueryError::FixedOrder)
        );
        let page = Page {
            tables: BTreeMap::from([(Dashboard::CampaignPerformance, TablePage::default())]),
            ..Page::default()
        };
        assert!(matches!(
            view(&w, &Query::default(), &page),
            Err(QueryError::FixedOrder)
        ));
        // Paging campaign_performance through `table` is its offset and limit.
        let second = TablePage {
            offset: 1,
            limit: Some(2),
            ..TablePage::default()
        };
        let paged = Query {
            offset: Some(1),
            limit: Some(2),
            ..Query::default()
        };
        assert_eq!(
            table(
                &w,
                Dashboard::CampaignPerformance,
                &Query::default(),
                &second
            )
            .unwrap(),
            w.dashboard(Dashboard::CampaignPerformance, &paged).unwrap()
        );
    }
}
