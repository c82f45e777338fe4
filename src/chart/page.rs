//! Every chart of the page for one query: the charts of [`RELAXED`] drawn without the
//! query's filter on their own field (cross-filtering), built once per dashboard and kept
//! across views in a [`ChartMemo`].

use super::build::{
    attainment, channel_mix, charts_of, funnel_chart, tenant_trend, trend, ChartInputs,
};
use super::data::Chart;
use super::roi::roi_distribution;
use crate::query::field::Field;
use crate::query::result::DashboardResult;
use crate::query::{Dashboard, Query, QueryError, QuerySource};

/// The charts drawn without the query's filter on their own categories, so a click's
/// chart keeps every category (the selected ones marked) and Ctrl-click can add
/// another, as cross-filtering does; every other chart follows the filter. The tenant
/// scope is never relaxed: it is the wall of SPEC §6, so the tenant charts show only
/// the tenants in scope.
pub const RELAXED: [(&str, Field); 5] = [
    ("trend", Field::Dates),
    ("tenant_trend", Field::Dates),
    ("channels", Field::Channels),
    ("attainment", Field::Months),
    ("funnel", Field::Stages),
];

/// `charts` with each chart of [`RELAXED`] whose field `query` filters rebuilt from
/// `rebuild(id, query without that filter)`, its selected categories marked and named
/// in its summary.
pub fn relax(
    mut charts: Vec<Chart>,
    query: &Query,
    mut rebuild: impl FnMut(&str, &Query) -> Result<Option<Chart>, QueryError>,
) -> Result<Vec<Chart>, QueryError> {
    for chart in &mut charts {
        let Some(&(_, field)) = RELAXED.iter().find(|(id, _)| *id == chart.id) else {
            continue;
        };
        let wanted = field.values(query);
        if wanted.is_empty() {
            continue;
        }
        let mut relaxed = query.clone();
        if let Some(values) = field.values_mut(&mut relaxed) {
            values.clear();
        }
        let Some(mut own) = rebuild(&chart.id, &relaxed)? else {
            continue;
        };
        own.selected = (0..own.keys.len())
            .filter(|&i| wanted.contains(&own.keys[i]))
            .collect();
        let names: Vec<String> = own
            .selected
            .iter()
            .map(|&i| own.categories[i].clone())
            .collect();
        own = own.described();
        if !names.is_empty() {
            own.summary
                .push_str(&format!(" Selected: {}.", names.join(", ")));
        }
        *chart = own;
    }
    Ok(charts)
}

/// Every chart of the page for one query, in page order (the charts of [`RELAXED`]
/// without the filter on their own field).
pub fn charts(source: &dyn QuerySource, query: &Query) -> Result<Vec<Chart>, QueryError> {
    let result = |d| source.dashboard(d, query);
    let charts = charts_of(
        &ChartInputs {
            daily: &result(Dashboard::DailyPerformance)?,
            summary: &result(Dashboard::CampaignSummary)?,
            funnel: &result(Dashboard::ConversionFunnel)?,
            channels: &result(Dashboard::ChannelMix)?,
            targets: &result(Dashboard::TargetVsActual)?,
        },
        roi_distribution(source, query)?,
    );
    let mut own = OwnCharts::new(source);
    relax(charts, query, |id, q| own.chart(id, q))
}

/// The charts of [`RELAXED`] of recent views, by chart and query, for one warehouse
/// state: a click filters a chart's own field, and that chart is then drawn without the
/// filter, under the query the page showed before the click, which a view has just
/// drawn. Kept by the caller (the page's engine binding) across views; stale entries
/// are dropped when the warehouse changes ([`QuerySource::version`]).
#[derive(Debug, Default)]
pub struct ChartMemo {
    version: u64,
    entries: std::collections::VecDeque<(String, Query, Chart)>,
}

impl ChartMemo {
    /// Views remembered: a click, Ctrl-click and the click that clears it reach back
    /// one or two views.
    const CAPACITY: usize = 4 * RELAXED.len();

    /// The chart `id` under `query`, if kept for this state of `source`.
    pub fn get(&mut self, source: &dyn QuerySource, id: &str, query: &Query) -> Option<Chart> {
        if self.version != source.version() {
            self.version = source.version();
            self.entries.clear();
        }
        let query = Self::key(query);
        self.entries
            .iter()
            .find(|(i, q, _)| i == id && *q == query)
            .map(|(_, _, chart)| chart.clone())
    }

    /// Keeps `chart` (a chart of [`RELAXED`], unmarked) as drawn under `query`.
    pub fn put(&mut self, source: &dyn QuerySource, query: &Query, chart: &Chart) {
        if !RELAXED.iter().any(|(id, _)| *id == chart.id) {
            return;
        }
        if self.get(source, &chart.id, query).is_some() {
            return;
        }
        if self.entries.len() == Self::CAPACITY {
            self.entries.pop_front();
        }
        self.entries
            .push_back((chart.id.clone(), Self::key(query), chart.clone()));
    }

    /// Paging does not change a chart.
    fn key(query: &Query) -> Query {
        Query {
            offset: None,
            limit: None,
            ..query.clone()
        }
    }
}

/// Builds the charts of [`RELAXED`] under a relaxed query, each from its one dashboard;
/// the two daily charts, relaxed alike, share one `daily_performance`. A chart in the
/// memo is taken from it.
pub struct OwnCharts<'w, 'm> {
    source: &'w dyn QuerySource,
    daily: Option<(Query, DashboardResult<'w>)>,
    memo: Option<&'m mut ChartMemo>,
}

impl<'w, 'm> OwnCharts<'w, 'm> {
    pub fn new(source: &'w dyn QuerySource) -> Self {
        OwnCharts {
            source,
            daily: None,
            memo: None,
        }
    }

    /// Charts taken from `memo` when it has them, and kept in it when built.
    pub fn with_memo(source: &'w dyn QuerySource, memo: &'m mut ChartMemo) -> Self {
        OwnCharts {
            source,
            daily: None,
            memo: Some(memo),
        }
    }

    /// The chart `id` of [`RELAXED`] under `query` (`None` for another chart).
    pub fn chart(&mut self, id: &str, query: &Query) -> Result<Option<Chart>, QueryError> {
        let w = self.source;
        if let Some(kept) = self.memo.as_mut().and_then(|m| m.get(w, id, query)) {
            return Ok(Some(kept));
        }
        let chart = self.build(id, query)?;
        if let (Some(memo), Some(chart)) = (self.memo.as_mut(), &chart) {
            memo.put(w, query, chart);
        }
        Ok(chart)
    }

    fn build(&mut self, id: &str, query: &Query) -> Result<Option<Chart>, QueryError> {
        let w = self.source;
        Ok(match id {
            "trend" | "tenant_trend" => {
                if self.daily.as_ref().is_none_or(|(q, _)| q != query) {
                    let daily = w.dashboard(Dashboard::DailyPerformance, query)?;
                    self.daily = Some((query.clone(), daily));
                }
                let daily = &self.daily.as_ref().expect("computed above").1;
                Some(if id == "trend" {
                    trend(daily)
                } else {
                    tenant_trend(daily)
                })
            }
            "channels" => Some(channel_mix(&w.dashboard(Dashboard::ChannelMix, query)?)),
            "funnel" => Some(funnel_chart(
                &w.dashboard(Dashboard::ConversionFunnel, query)?,
            )),
            "attainment" => Some(attainment(&w.dashboard(Dashboard::TargetVsActual, query)?)),
            _ => None,
        })
    }
}
