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

pub use draw::{draw, format_value};
pub use hit::{hit, Datum, HitMap, Mark, Region};

use crate::model::date::format_day;
use crate::query::field::Field;
use crate::query::result::{DashboardResult, Value};
use crate::query::{Dashboard, Query, QueryError, QuerySource, Scope};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Tenants drawn one by one before the rest are summed as "Others".
pub const TOP_TENANTS: usize = 10;
/// Tenants drawn as their own line in the per-tenant trend.
pub const TOP_TREND_TENANTS: usize = 5;

/// How a chart is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// One line per series over the categories (dates).
    Line,
    /// Vertical bars, grouped by category, one bar per series.
    Bars,
    /// Horizontal bars, categories top to bottom.
    HBars,
}

/// What the value axis counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Currency units (`$`).
    Money,
    /// Percentages (`45` is 45 %).
    Percent,
    /// Plain counts.
    Count,
}

/// One named series: a value per category (`None` where there is none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// A chart's data, ready to draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    /// Stable identifier (`trend`, `tenant_trend`, `tenants`, `funnel`, `channels`,
    /// `attainment`, `roi_distribution`).
    pub id: String,
    pub title: String,
    pub kind: Kind,
    /// Caption of the category axis.
    pub x_label: String,
    /// Caption of the value axis, with its unit.
    pub y_label: String,
    pub unit: Unit,
    /// Draw the value axis on a log scale (values below 1 are not drawn).
    pub log: bool,
    /// The categories (dates, tenants, channels, months, buckets), in order.
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    /// A short note per category drawn next to its bars (empty for none).
    pub notes: Vec<String>,
    /// The chart's data in one or two sentences, for readers who cannot see the drawing
    /// (the page's text alternative; see [`Chart::describe`]). Filled by [`charts`];
    /// empty in chart data built by hand.
    #[serde(default)]
    pub summary: String,
    /// The filter a click on a category (a bar, a point) adds its value to; `None` when
    /// the categories are not values of a field (funnel stages, ROI buckets).
    #[serde(default)]
    pub field: Option<Field>,
    /// The value of [`field`](Chart::field) of each category (a month category "Nov 24"
    /// is `2024-11`); empty for one that is no single value ("Others (12)").
    #[serde(default)]
    pub keys: Vec<String>,
    /// The filter a click on a series' legend entry adds its name to (the tenants of
    /// the per-tenant trend); `None` when the series are measures.
    #[serde(default)]
    pub series_field: Option<Field>,
    /// The value of [`series_field`](Chart::series_field) of each series; empty for one
    /// that is no single value.
    #[serde(default)]
    pub series_keys: Vec<String>,
    /// The categories the query selects, drawn marked (outlined bars, a rule at a
    /// selected date). Set only on a chart drawn without the filter on its own field
    /// (see [`RELAXED`]), which shows every category so that more can be picked.
    #[serde(default)]
    pub selected: Vec<usize>,
}

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

impl Chart {
    fn new(id: &str, title: &str, kind: Kind, x_label: &str, y_label: &str, unit: Unit) -> Self {
        Chart {
            id: id.into(),
            title: title.into(),
            kind,
            x_label: x_label.into(),
            y_label: y_label.into(),
            unit,
            log: false,
            categories: Vec::new(),
            series: Vec::new(),
            notes: Vec::new(),
            summary: String::new(),
            field: None,
            keys: Vec::new(),
            series_field: None,
            series_keys: Vec::new(),
            selected: Vec::new(),
        }
    }

    /// This chart with its categories filtering `field`, each by its own text.
    fn filtering(mut self, field: Field) -> Self {
        self.field = Some(field);
        self.keys = self.categories.clone();
        self
    }

    /// The filter and value a click on category `i` means, if any.
    pub fn category_filter(&self, i: usize) -> Option<(Field, &str)> {
        let key = self.keys.get(i).filter(|k| !k.is_empty())?;
        Some((self.field?, key))
    }

    /// The filter and value a click on series `i`'s legend entry means, if any.
    pub fn series_filter(&self, i: usize) -> Option<(Field, &str)> {
        let key = self.series_keys.get(i).filter(|k| !k.is_empty())?;
        Some((self.series_field?, key))
    }

    /// `true` when there is no non-zero value to draw.
    pub fn is_empty(&self) -> bool {
        self.series
            .iter()
            .all(|s| s.values.iter().all(|v| v.unwrap_or(0.0) == 0.0))
    }

    /// This chart with its [`summary`](Chart::summary) filled in.
    fn described(mut self) -> Self {
        self.summary = self.describe();
        self
    }

    /// The chart's data in words, derived from the data (never from the drawing), with
    /// values as the value axis shows them ([`format_value`]):
    ///
    /// - a line chart: each series' peak and where it is, over the category range
    ///   ("Revenue peaked at $131k on 2024-10-27; …");
    /// - bars of one series over a few categories: every value, with its note
    ///   ("Count by stage: Impressions 1.2M, Clicks 60k (CTR 5.0%), …");
    /// - bars of one series over many categories: the largest share ("Most campaign rows
    ///   are in ROI 100–150% (120 of 300)");
    /// - bars of several series: where each series is highest.
    ///
    /// A chart with nothing to draw says so.
    ///
    /// ```
    /// use bi_platform::chart::{Chart, Kind, Series, Unit};
    /// let chart = Chart { id: "x".into(), title: "Spend".into(), kind: Kind::Line,
    ///     x_label: "Date".into(), y_label: "Amount ($)".into(), unit: Unit::Money, log: false,
    ///     categories: vec!["2024-10-26".into(), "2024-10-27".into()], notes: vec![],
    ///     series: vec![Series { name: "Revenue".into(), values: vec![Some(90.0e3), Some(131.2e3)] }],
    ///     summary: String::new(), field: None, keys: vec![], series_field: None, series_keys: vec![], selected: vec![] };
    /// assert_eq!(chart.describe(),
    ///     "Revenue peaked at $131k on 2024-10-27. 2 dates, 2024-10-26 to 2024-10-27.");
    /// ```
    pub fn describe(&self) -> String {
        let n = self.categories.len();
        if self.is_empty() || n == 0 {
            return "No data in this selection.".into();
        }
        let value = |v: f64| format_value(v, self.unit);
        // Each series named in the summary (the first few), with its peak.
        let peaks = self
            .series
            .iter()
            .take(SUMMARY_SERIES)
            .filter_map(|s| s.peak().map(|(i, v)| (s, &self.categories[i], value(v))));
        let more = match self.series.len().saturating_sub(SUMMARY_SERIES) {
            0 => String::new(),
            m => format!(" ({m} more series in the table)"),
        };
        match self.kind {
            Kind::Line => {
                let parts: Vec<String> = peaks
                    .enumerate()
                    .map(|(k, (s, at, v))| {
                        let verb = if k == 0 { " peaked" } else { "" };
                        format!("{}{verb} at {v} on {at}", s.name)
                    })
                    .collect();
                format!(
                    "{}{more}. {n} {}, {} to {}.",
                    parts.join("; "),
                    plural(&self.x_label, n),
                    self.categories[0],
                    self.categories[n - 1]
                )
            }
            _ if self.series.len() == 1 && n <= FEW_CATEGORIES => {
                let items: Vec<String> = self
                    .categories
                    .iter()
                    .zip(&self.series[0].values)
                    .enumerate()
                    .map(|(i, (c, v))| {
                        let v = v.map_or_else(|| "none".to_string(), value);
                        match self.notes.get(i).filter(|n| !n.is_empty()) {
                            Some(note) => format!("{c} {v} ({note})"),
                            None => format!("{c} {v}"),
                        }
                    })
                    .collect();
                format!(
                    "{} by {}: {}.",
                    self.series[0].name,
                    in_text(&self.x_label),
                    items.join(", ")
                )
            }
            _ if self.series.len() == 1 => {
                let s = &self.series[0];
                let total: f64 = s.values.iter().flatten().filter(|v| v.is_finite()).sum();
                let (i, v) = s.peak().unwrap_or((0, 0.0));
                format!(
                    "Most {} are in {} {} ({} of {}).",
                    s.name.to_lowercase(),
                    self.x_label,
                    self.categories[i],
                    value(v),
                    value(total)
                )
            }
            _ => {
                let parts: Vec<String> = peaks
                    .enumerate()
                    .map(|(k, (s, at, v))| {
                        let verb = if k == 0 { " is highest" } else { "" };
                        format!("{}{verb} for {at} ({v})", s.name)
                    })
                    .collect();
                format!("{}{more}.", parts.join("; "))
            }
        }
    }
}

impl Series {
    /// The largest finite value and its category index (the first of equal ones).
    pub fn peak(&self) -> Option<(usize, f64)> {
        let values = self.values.iter().enumerate();
        values
            .filter_map(|(i, v)| v.filter(|v| v.is_finite()).map(|v| (i, v)))
            .fold(None, |best, (i, v)| match best {
                Some((_, b)) if b >= v => best,
                _ => Some((i, v)),
            })
    }
}

/// Series a summary names one by one; the table has them all.
const SUMMARY_SERIES: usize = 3;
/// Up to this many categories, a one-series bar chart's summary lists every value.
const FEW_CATEGORIES: usize = 6;

/// An axis caption inside a sentence: "Stage" becomes "stage", an acronym ("ROI")
/// stays as it is.
fn in_text(caption: &str) -> String {
    if caption
        .chars()
        .filter(|c| c.is_alphabetic())
        .all(char::is_uppercase)
    {
        caption.to_string()
    } else {
        caption.to_lowercase()
    }
}

/// `n` of an axis caption in words: "1 date", "61 dates".
fn plural(caption: &str, n: usize) -> String {
    let word = in_text(caption);
    if n == 1 {
        word
    } else {
        format!("{word}s")
    }
}

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
pub fn filter_options(warehouse: &dyn QuerySource) -> FilterOptions {
    let star = warehouse.star();
    let dates = &star.campaigns.date;
    FilterOptions {
        tenants: sorted(warehouse.tenants().into_iter()),
        regions: sorted(star.dims.region.values()),
        products: sorted(star.dims.product.values()),
        channels: sorted(star.dims.channel.values()),
        first_date: dates.iter().min().map(|d| format_day(*d)),
        last_date: dates.iter().max().map(|d| format_day(*d)),
    }
}

fn num(row: &[Value<'_>], result: &DashboardResult<'_>, column: &str) -> f64 {
    result
        .column(column)
        .and_then(|i| row[i].as_f64())
        .unwrap_or(0.0)
}

fn text(row: &[Value<'_>], result: &DashboardResult<'_>, column: &str) -> String {
    result
        .column(column)
        .map(|i| row[i].to_plain_string())
        .unwrap_or_default()
}

fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator != 0.0).then(|| numerator / denominator)
}

/// The KPI tiles of a query's scope.
pub fn kpis(warehouse: &dyn QuerySource, query: &Query) -> Result<Kpis, QueryError> {
    Ok(kpis_of(
        &warehouse.dashboard(Dashboard::CampaignSummary, query)?,
    ))
}

/// The KPI tiles, from the scope's `campaign_summary`.
pub fn kpis_of(summary: &DashboardResult<'_>) -> Kpis {
    let (mut campaigns, mut spend, mut revenue, mut impressions, mut clicks, mut conversions) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for row in &summary.rows {
        campaigns += num(row, summary, "campaigns");
        spend += num(row, summary, "spend");
        revenue += num(row, summary, "revenue");
        impressions += num(row, summary, "impressions");
        clicks += num(row, summary, "clicks");
        conversions += num(row, summary, "conversions");
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

/// Every chart of the page for one query, in page order (the charts of [`RELAXED`]
/// without the filter on their own field).
pub fn charts(warehouse: &dyn QuerySource, query: &Query) -> Result<Vec<Chart>, QueryError> {
    let result = |d| warehouse.dashboard(d, query);
    let charts = charts_of(
        &ChartInputs {
            daily: &result(Dashboard::DailyPerformance)?,
            summary: &result(Dashboard::CampaignSummary)?,
            funnel: &result(Dashboard::ConversionFunnel)?,
            channels: &result(Dashboard::ChannelMix)?,
            targets: &result(Dashboard::TargetVsActual)?,
        },
        roi_distribution(warehouse, query)?,
    );
    let mut own = OwnCharts::new(warehouse);
    relax(charts, query, |id, q| own.chart(id, q))
}

/// The charts of [`RELAXED`] of recent views, by chart and query, for one warehouse
/// state: a click filters a chart's own field, and that chart is then drawn without the
/// filter, under the query the page showed before the click, which a view has just
/// drawn. Kept by the caller (the page's engine binding) across views; stale entries
/// are dropped when the warehouse changes ([`Warehouse::version`]).
#[derive(Debug, Default)]
pub struct ChartMemo {
    version: u64,
    entries: std::collections::VecDeque<(String, Query, Chart)>,
}

impl ChartMemo {
    /// Views remembered: a click, Ctrl-click and the click that clears it reach back
    /// one or two views.
    const CAPACITY: usize = 4 * RELAXED.len();

    /// The chart `id` under `query`, if kept for this state of `warehouse`.
    pub fn get(&mut self, warehouse: &dyn QuerySource, id: &str, query: &Query) -> Option<Chart> {
        if self.version != warehouse.version() {
            self.version = warehouse.version();
            self.entries.clear();
        }
        let query = Self::key(query);
        self.entries
            .iter()
            .find(|(i, q, _)| i == id && *q == query)
            .map(|(_, _, chart)| chart.clone())
    }

    /// Keeps `chart` (a chart of [`RELAXED`], unmarked) as drawn under `query`.
    pub fn put(&mut self, warehouse: &dyn QuerySource, query: &Query, chart: &Chart) {
        if !RELAXED.iter().any(|(id, _)| *id == chart.id) {
            return;
        }
        if self.get(warehouse, &chart.id, query).is_some() {
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
    warehouse: &'w dyn QuerySource,
    daily: Option<(Query, DashboardResult<'w>)>,
    memo: Option<&'m mut ChartMemo>,
}

impl<'w, 'm> OwnCharts<'w, 'm> {
    pub fn new(warehouse: &'w dyn QuerySource) -> Self {
        OwnCharts {
            warehouse,
            daily: None,
            memo: None,
        }
    }

    /// Charts taken from `memo` when it has them, and kept in it when built.
    pub fn with_memo(warehouse: &'w dyn QuerySource, memo: &'m mut ChartMemo) -> Self {
        OwnCharts {
            warehouse,
            daily: None,
            memo: Some(memo),
        }
    }

    /// The chart `id` of [`RELAXED`] under `query` (`None` for another chart).
    pub fn chart(&mut self, id: &str, query: &Query) -> Result<Option<Chart>, QueryError> {
        let w = self.warehouse;
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
        let w = self.warehouse;
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

/// The dashboard results the charts are drawn from, all under one query.
pub struct ChartInputs<'r, 'w> {
    pub daily: &'r DashboardResult<'w>,
    pub summary: &'r DashboardResult<'w>,
    pub funnel: &'r DashboardResult<'w>,
    pub channels: &'r DashboardResult<'w>,
    pub targets: &'r DashboardResult<'w>,
}

/// Every chart of the page, in page order, from results already computed (see
/// [`crate::view`]) and the query's ROI distribution.
pub fn charts_of(inputs: &ChartInputs<'_, '_>, roi: Chart) -> Vec<Chart> {
    [
        trend(inputs.daily),
        tenant_trend(inputs.daily),
        by_tenant(inputs.summary),
        funnel_chart(inputs.funnel),
        channel_mix(inputs.channels),
        attainment(inputs.targets),
        roi,
    ]
    .into_iter()
    .map(Chart::described)
    .collect()
}

/// Daily revenue, spend and profit of the whole scope.
pub fn trend(daily: &DashboardResult<'_>) -> Chart {
    let mut by_day: BTreeMap<String, [f64; 3]> = BTreeMap::new();
    for row in &daily.rows {
        let day = by_day.entry(text(row, daily, "date")).or_default();
        day[0] += num(row, daily, "revenue");
        day[1] += num(row, daily, "spend");
        day[2] += num(row, daily, "profit");
    }
    let mut chart = Chart::new(
        "trend",
        "Daily revenue, spend and profit",
        Kind::Line,
        "Date",
        "Amount ($)",
        Unit::Money,
    );
    for (i, name) in ["Revenue", "Spend", "Profit"].into_iter().enumerate() {
        chart.series.push(Series {
            name: name.into(),
            values: by_day.values().map(|v| Some(v[i])).collect(),
        });
    }
    chart.categories = by_day.into_keys().collect();
    chart.filtering(Field::Dates)
}

/// Tenants ordered by a total, largest first (ties by id), the rest after `top`.
fn top_tenants(totals: &BTreeMap<String, f64>, top: usize) -> (Vec<String>, bool) {
    let mut order: Vec<(&String, f64)> = totals.iter().map(|(t, v)| (t, *v)).collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let others = order.len() > top;
    let keep = if others { top } else { order.len() };
    (
        order[..keep].iter().map(|(t, _)| (*t).clone()).collect(),
        others,
    )
}

/// Daily revenue of each of the top tenants by revenue, the others summed.
pub fn tenant_trend(daily: &DashboardResult<'_>) -> Chart {
    let mut totals: BTreeMap<String, f64> = BTreeMap::new();
    let mut days: BTreeMap<String, usize> = BTreeMap::new();
    for row in &daily.rows {
        *totals.entry(text(row, daily, "tenant_id")).or_default() += num(row, daily, "revenue");
        days.insert(text(row, daily, "date"), 0);
    }
    for (i, v) in days.values_mut().enumerate() {
        *v = i;
    }
    let (top, others) = top_tenants(&totals, TOP_TREND_TENANTS);
    let mut series: Vec<Series> = top
        .iter()
        .map(|t| Series {
            name: t.clone(),
            values: vec![Some(0.0); days.len()],
        })
        .collect();
    if others {
        series.push(Series {
            name: format!("Others ({})", totals.len() - top.len()),
            values: vec![Some(0.0); days.len()],
        });
    }
    for row in &daily.rows {
        let tenant = text(row, daily, "tenant_id");
        let s = top.iter().position(|t| *t == tenant).unwrap_or(top.len());
        let d = days[&text(row, daily, "date")];
        let cell = &mut series[s].values[d];
        *cell = Some(cell.unwrap_or(0.0) + num(row, daily, "revenue"));
    }
    let mut chart = Chart::new(
        "tenant_trend",
        "Daily revenue by tenant",
        Kind::Line,
        "Date",
        "Revenue ($)",
        Unit::Money,
    );
    chart.categories = days.into_keys().collect();
    chart.series_field = Some(Field::Tenants);
    chart.series_keys = top.clone();
    if others {
        chart.series_keys.push(String::new());
    }
    chart.series = series;
    chart.filtering(Field::Dates)
}

/// Revenue and spend per tenant (top tenants by revenue, the others summed), with ROI.
pub fn by_tenant(summary: &DashboardResult<'_>) -> Chart {
    let mut totals: BTreeMap<String, f64> = BTreeMap::new();
    let mut sums: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for row in &summary.rows {
        let tenant = text(row, summary, "tenant_id");
        let (revenue, spend) = (num(row, summary, "revenue"), num(row, summary, "spend"));
        totals.insert(tenant.clone(), revenue);
        sums.insert(tenant, (revenue, spend));
    }
    let (top, others) = top_tenants(&totals, TOP_TENANTS);
    let mut rows: Vec<(String, f64, f64)> = top
        .iter()
        .map(|t| (t.clone(), sums[t].0, sums[t].1))
        .collect();
    if others {
        let (mut revenue, mut spend) = (0.0, 0.0);
        for (t, (r, s)) in &sums {
            if !top.contains(t) {
                revenue += r;
                spend += s;
            }
        }
        rows.push((
            format!("Others ({})", sums.len() - top.len()),
            revenue,
            spend,
        ));
    }
    let mut chart = Chart::new(
        "tenants",
        "Revenue, spend and ROI by tenant",
        Kind::HBars,
        "Tenant",
        "Amount ($)",
        Unit::Money,
    );
    chart.series = vec![
        Series {
            name: "Revenue".into(),
            values: rows.iter().map(|r| Some(r.1)).collect(),
        },
        Series {
            name: "Spend".into(),
            values: rows.iter().map(|r| Some(r.2)).collect(),
        },
    ];
    chart.notes = rows
        .iter()
        .map(|r| ratio(r.1 - r.2, r.2).map_or(String::new(), format_roi))
        .collect();
    chart.categories = rows.into_iter().map(|r| r.0).collect();
    chart.field = Some(Field::Tenants);
    chart.keys = top;
    if others {
        chart.keys.push(String::new());
    }
    chart
}

fn format_roi(roi: f64) -> String {
    format!("ROI {:.0}%", roi * 100.0)
}

/// Impressions, clicks and conversions of the scope (log scale), with the rates.
pub fn funnel_chart(funnel: &DashboardResult<'_>) -> Chart {
    let mut sums = [0.0; 3];
    for row in &funnel.rows {
        for (i, c) in ["impressions", "clicks", "conversions"].iter().enumerate() {
            sums[i] += num(row, funnel, c);
        }
    }
    let mut chart = Chart::new(
        "funnel",
        "Conversion funnel",
        Kind::Bars,
        "Stage",
        "Count (log scale)",
        Unit::Count,
    );
    chart.log = true;
    chart.categories = crate::query::STAGES.map(String::from).to_vec();
    chart.series = vec![Series {
        name: "Count".into(),
        values: sums.iter().map(|v| Some(*v)).collect(),
    }];
    let pct = |n: f64, d: f64| ratio(n, d).map_or(String::new(), |r| format!("{:.1}%", r * 100.0));
    chart.notes = vec![
        String::new(),
        format!("CTR {}", pct(sums[1], sums[0])),
        format!("CVR {}", pct(sums[2], sums[1])),
    ];
    // A stage's bar filters the facts that reached it.
    chart.filtering(Field::Stages)
}

/// Spend and revenue per channel, with ROI.
pub fn channel_mix(mix: &DashboardResult<'_>) -> Chart {
    let mut by_channel: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for row in &mix.rows {
        let c = by_channel.entry(text(row, mix, "channel")).or_default();
        c.0 += num(row, mix, "spend");
        c.1 += num(row, mix, "revenue");
    }
    let mut chart = Chart::new(
        "channels",
        "Channel mix",
        Kind::Bars,
        "Channel",
        "Amount ($)",
        Unit::Money,
    );
    chart.series = vec![
        Series {
            name: "Spend".into(),
            values: by_channel.values().map(|v| Some(v.0)).collect(),
        },
        Series {
            name: "Revenue".into(),
            values: by_channel.values().map(|v| Some(v.1)).collect(),
        },
    ];
    chart.notes = by_channel
        .values()
        .map(|(s, r)| ratio(r - s, *s).map_or(String::new(), format_roi))
        .collect();
    chart.categories = by_channel.into_keys().collect();
    chart.filtering(Field::Channels)
}

/// Target and actual revenue by month, with the attainment.
pub fn attainment(targets: &DashboardResult<'_>) -> Chart {
    let mut by_month: BTreeMap<(i64, i64), (f64, f64)> = BTreeMap::new();
    for row in &targets.rows {
        let (year, month) = (num(row, targets, "year"), num(row, targets, "month"));
        let m = by_month.entry((year as i64, month as i64)).or_default();
        m.0 += num(row, targets, "target_revenue");
        m.1 += num(row, targets, "actual_revenue");
    }
    let mut chart = Chart::new(
        "attainment",
        "Target vs actual revenue by month",
        Kind::Bars,
        "Month",
        "Revenue ($)",
        Unit::Money,
    );
    chart.series = vec![
        Series {
            name: "Target".into(),
            values: by_month.values().map(|v| Some(v.0)).collect(),
        },
        Series {
            name: "Actual".into(),
            values: by_month.values().map(|v| Some(v.1)).collect(),
        },
    ];
    chart.notes = by_month
        .values()
        .map(|(t, a)| match ratio(*a, *t) {
            Some(r) if *a > 0.0 => format!("{:.0}%", r * 100.0),
            _ => String::new(),
        })
        .collect();
    chart.field = Some(Field::Months);
    chart.keys = by_month
        .keys()
        .map(|(year, month)| format!("{year:04}-{month:02}"))
        .collect();
    chart.categories = by_month
        .into_keys()
        .map(|(year, month)| format!("{} {:02}", month_name(month), year.rem_euclid(100)))
        .collect();
    chart
}

fn month_name(month: i64) -> &'static str {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    NAMES[(month.clamp(1, 12) - 1) as usize]
}

/// Bucket edges of the ROI distribution, in percent: below -50, then steps of 50 up to
/// 500, then 500 and above.
const ROI_EDGES: [i64; 12] = [-50, 0, 50, 100, 150, 200, 250, 300, 350, 400, 450, 500];

/// The label of ROI bucket `i` (0 ..= ROI_EDGES.len()).
fn roi_bucket_label(i: usize) -> String {
    match i {
        0 => format!("< {}%", ROI_EDGES[0]),
        i if i == ROI_EDGES.len() => format!("≥ {}%", ROI_EDGES[i - 1]),
        i => format!("{}–{}%", ROI_EDGES[i - 1], ROI_EDGES[i]),
    }
}

/// The ROI bucket (index into the labels of [`roi_bucket_label`]) of a row with
/// `spend != 0`, decided exactly: roi% >= edge <=> 100 * (revenue - spend) >= edge * spend
/// (for spend > 0). With spend > 0 and both under 2^52 millionths ($4.5 billion, so
/// every real row) the products fit in `i64` and the edges passed are counted without a
/// branch (a prefix of the edges passes, so counting them is the bucket); a row's bucket
/// is unpredictable, and the early exit's mispredicted branches were most of the ROI
/// chart's 10 ms at 1M rows. Otherwise [`roi_bucket_exact`].
#[inline(always)]
fn roi_bucket(spend: i64, revenue: i64) -> usize {
    const FITS: i64 = 1 << 52;
    if spend > 0 && spend < FITS && revenue > -FITS && revenue < FITS {
        let profit100 = 100 * (revenue - spend);
        ROI_EDGES
            .iter()
            .map(|&edge| usize::from(profit100 >= edge * spend))
            .sum()
    } else {
        roi_bucket_exact(spend, revenue)
    }
}

/// [`roi_bucket`] in `i128`, for any spend and revenue: the edges passed before the first
/// that is not.
fn roi_bucket_exact(spend: i64, revenue: i64) -> usize {
    let (spend, revenue) = (i128::from(spend), i128::from(revenue));
    let profit100 = 100 * (revenue - spend);
    ROI_EDGES
        .iter()
        .take_while(|&&edge| profit100 >= i128::from(edge) * spend)
        .count()
}

/// How many campaign rows of the scope fall in each ROI bucket (rows without spend
/// have no ROI and are left out). Counted over the fact rows, in exact fixed point.
pub fn roi_distribution(warehouse: &dyn QuerySource, query: &Query) -> Result<Chart, QueryError> {
    Ok(roi_distribution_in(&Scope::new(warehouse.star(), query)?))
}

/// [`roi_distribution`] in a scope already resolved (a view's, whose selection of fact
/// rows its dashboards already found).
pub fn roi_distribution_in(scope: &Scope<'_>) -> Chart {
    let f = &scope.star.campaigns;
    let mut counts = vec![0u64; ROI_EDGES.len() + 1];
    crate::with_keys!(f.tenant, |tenant| scope.for_each_campaign_row(
        tenant,
        #[inline(always)]
        |row| {
            if f.spend[row] != 0 {
                counts[roi_bucket(f.spend[row], f.revenue[row])] += 1;
            }
        }
    ));
    let mut chart = Chart::new(
        "roi_distribution",
        "ROI distribution of campaign rows",
        Kind::Bars,
        "ROI",
        "Campaign rows",
        Unit::Count,
    );
    // Leading and trailing empty buckets are left out.
    let first = counts.iter().position(|c| *c > 0).unwrap_or(0);
    let last = counts
        .iter()
        .rposition(|c| *c > 0)
        .unwrap_or(counts.len() - 1);
    chart.categories = (first..=last).map(roi_bucket_label).collect();
    chart.series = vec![Series {
        name: "Campaign rows".into(),
        values: counts[first..=last]
            .iter()
            .map(|c| Some(*c as f64))
            .collect(),
    }];
    chart
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TenantScope, Warehouse};

    const CSV: &[u8] = b"tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product\n\
        a,c1,C1 - Search,2024-11-01,1000,100,10,10.00,30.00,North,P1\n\
        a,c2,C2 - Video,2024-11-02,1000,100,10,10.00,5.00,North,P1\n\
        b,c1,C1 - Search,2024-11-01,500,50,5,20.00,20.00,South,P2\n";

    fn warehouse() -> Warehouse {
        let mut w = Warehouse::new();
        w.load("c.csv", CSV);
        w
    }

    fn scoped(t: &str) -> Query {
        Query {
            tenants: TenantScope::Only(vec![t.into()]),
            ..Query::default()
        }
    }

    #[test]
    fn a_charts_own_filter_is_relaxed_and_its_selection_marked() {
        let w = warehouse();
        let video = Query {
            channels: vec!["Video".into()],
            ..Query::default()
        };
        let all = charts(&w, &video).unwrap();
        let get = |id: &str| all.iter().find(|c| c.id == id).unwrap();
        // The clicked chart keeps every channel, Video marked; the others follow.
        let channels = get("channels");
        assert_eq!(channels.categories, vec!["Search", "Video"]);
        assert_eq!(channels.selected, vec![1]);
        assert!(channels.summary.ends_with(" Selected: Video."));
        assert_eq!(get("tenants").categories, vec!["a"]);
        assert_eq!(get("tenants").series[0].values, vec![Some(5.0)]);
        assert!(get("tenants").selected.is_empty());
        // The tenant scope is a wall, never relaxed: b is nowhere.
        let scoped = Query {
            tenants: TenantScope::Only(vec!["b".into()]),
            channels: vec!["Video".into()],
            ..Query::default()
        };
        let charts = charts(&w, &scoped).unwrap();
        let channels = charts.iter().find(|c| c.id == "channels").unwrap();
        assert_eq!(channels.categories, vec!["Search"]);
        assert!(channels.selected.is_empty());
        let json = serde_json::to_string(&charts).unwrap();
        assert!(!json.contains("\"a\""));
        // The selected bars are outlined in the drawing: one frame per selected bar.
        let mut plain = String::new();
        let mut marked = String::new();
        let unmarked = Chart {
            selected: vec![],
            ..get("channels").clone()
        };
        let backend = |out| plotters::prelude::SVGBackend::with_string(out, (640, 360));
        draw(&unmarked, backend(&mut plain), 1.0).unwrap();
        draw(get("channels"), backend(&mut marked), 1.0).unwrap();
        let frames = |svg: &str| svg.matches("stroke=\"#1E293B\"").count();
        assert_eq!(
            frames(&marked),
            frames(&plain) + 2,
            "Video's two bars framed"
        );
    }

    #[test]
    fn roi_buckets_use_exact_edges() {
        let w = warehouse();
        let chart = roi_distribution(&w, &Query::default()).unwrap();
        let values: Vec<f64> = chart.series[0].values.iter().map(|v| v.unwrap()).collect();
        // a/c1 roi 200% -> bucket "200–250%"; a/c2 -50% -> "-50–0%"; b/c1 0% -> "0–50%".
        assert_eq!(values, vec![1.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
        assert_eq!(chart.categories[0], "-50–0%");
        assert_eq!(chart.categories[5], "200–250%");
    }

    #[test]
    fn charts_in_a_tenant_scope_hold_only_that_tenant() {
        let w = warehouse();
        let charts = charts(&w, &scoped("a")).unwrap();
        let json = serde_json::to_string(&charts).unwrap();
        assert!(!json.contains("\"b\""));
        let tenants = charts.iter().find(|c| c.id == "tenants").unwrap();
        assert_eq!(tenants.categories, vec!["a"]);
        assert_eq!(tenants.series[0].values, vec![Some(35.0)]);
        let roi = charts.iter().find(|c| c.id == "roi_distribution").unwrap();
        let total: f64 = roi.series[0].values.iter().flatten().sum();
        assert_eq!(total, 2.0);
    }

    #[test]
    fn kpis_are_ratios_of_sums() {
        let k = kpis(&warehouse(), &Query::default()).unwrap();
        assert_eq!(
            (k.campaigns, k.spend, k.revenue, k.profit),
            (3, 40.0, 55.0, 15.0)
        );
        assert_eq!(k.roi, Some(15.0 / 40.0));
        assert_eq!(k.ctr, Some(250.0 / 2500.0));
        let empty = kpis(&warehouse(), &scoped("nobody")).unwrap();
        assert_eq!((empty.roi, empty.ctr), (None, None));
    }

    #[test]
    fn many_tenants_are_cut_to_top_n_plus_others() {
        let mut csv = String::from(
            "tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n",
        );
        for t in 0..30 {
            csv.push_str(&format!("t{t:02},c,2024-11-01,100,10,1,1.00,{t}.00\n"));
        }
        let mut w = Warehouse::new();
        w.load("c.csv", csv.as_bytes());
        let charts = charts(&w, &Query::default()).unwrap();
        let tenants = charts.iter().find(|c| c.id == "tenants").unwrap();
        assert_eq!(tenants.categories.len(), TOP_TENANTS + 1);
        assert_eq!(tenants.categories[0], "t29");
        assert_eq!(tenants.categories[TOP_TENANTS], "Others (20)");
        let trend = charts.iter().find(|c| c.id == "tenant_trend").unwrap();
        assert_eq!(trend.series.len(), TOP_TREND_TENANTS + 1);
        let others: f64 = (0..25).map(f64::from).sum();
        assert_eq!(trend.series[TOP_TREND_TENANTS].values, vec![Some(others)]);
    }

    #[test]
    fn roi_buckets_are_exact_at_their_edges_in_both_widths() {
        const M: i64 = 1_000_000;
        // (spend, revenue) -> bucket: ROI exactly on an edge belongs to the bucket above.
        for scale in [1, 1 << 30] {
            for (spend, revenue, bucket) in [
                (100 * M, 49 * M, 0),             // -51%
                (100 * M, 50 * M, 1),             // -50%
                (100 * M, 100 * M, 2),            // 0%
                (70 * M / 100, 210 * M / 100, 6), // 200% exactly
                (100 * M, 600 * M, 12),           // 500%
                (3, 7, 4),                        // 133.3%
            ] {
                assert_eq!(
                    roi_bucket(spend * scale, revenue * scale),
                    bucket,
                    "{spend} {revenue} x{scale}"
                );
            }
        }
        assert_eq!(roi_bucket(i64::MAX, i64::MAX), 2);
        assert_eq!(roi_bucket(1, i64::MAX), 12);
    }

    proptest::proptest! {
        /// The branchless count is the exact bucket, for any spend and revenue (negative
        /// and extreme ones included).
        #[test]
        fn roi_bucket_counts_what_the_exact_rule_decides(
            spend in proptest::prop_oneof![
                proptest::prelude::any::<i64>(),
                -10_000_000_000i64..10_000_000_000,
                1i64..1_000_000,
            ],
            revenue in proptest::prop_oneof![
                proptest::prelude::any::<i64>(),
                -10_000_000_000i64..10_000_000_000,
            ],
        ) {
            proptest::prop_assume!(spend != 0);
            proptest::prop_assert_eq!(roi_bucket(spend, revenue), roi_bucket_exact(spend, revenue));
        }
    }

    #[test]
    fn every_chart_carries_the_summary_of_its_data() {
        let w = warehouse();
        for chart in charts(&w, &Query::default()).unwrap() {
            assert_eq!(chart.summary, chart.describe(), "{}", chart.id);
            assert!(!chart.summary.is_empty(), "{}", chart.id);
        }
        let empty = charts(&Warehouse::new(), &Query::default()).unwrap();
        assert!(empty
            .iter()
            .all(|c| c.summary == "No data in this selection."));
    }

    #[test]
    fn summaries_name_peaks_values_and_shares() {
        let w = warehouse();
        let all = charts(&w, &Query::default()).unwrap();
        let get = |id: &str| all.iter().find(|c| c.id == id).unwrap().summary.clone();
        // Revenue by day: 2024-11-01 has 30 + 20, 2024-11-02 has 5; spend 30 and 10;
        // profit 20 and -5.
        assert_eq!(
            get("trend"),
            "Revenue peaked at $50 on 2024-11-01; Spend at $30 on 2024-11-01; \
             Profit at $20 on 2024-11-01. 2 dates, 2024-11-01 to 2024-11-02."
        );
        assert_eq!(
            get("funnel"),
            "Count by stage: Impressions 2.5k, Clicks 250 (CTR 10.0%), Conversions 25 (CVR 10.0%)."
        );
        // Tenant a: revenue 35, spend 20; b: 20 and 20 (a tie goes to the first).
        assert_eq!(
            get("tenants"),
            "Revenue is highest for a ($35); Spend for a ($20)."
        );
        assert_eq!(
            get("channels"),
            "Spend is highest for Search ($30); Revenue for Search ($50)."
        );
    }

    #[test]
    fn summaries_of_many_series_and_categories() {
        let mut chart = Chart::new("x", "X", Kind::Line, "Date", "Revenue ($)", Unit::Money);
        chart.categories = vec!["2024-01-01".into()];
        chart.series = (0..5)
            .map(|i| Series {
                name: format!("t{i}"),
                values: vec![Some(f64::from(i + 1) * 1000.0)],
            })
            .collect();
        assert_eq!(
            chart.describe(),
            "t0 peaked at $1k on 2024-01-01; t1 at $2k on 2024-01-01; t2 at $3k on 2024-01-01 \
             (2 more series in the table). 1 date, 2024-01-01 to 2024-01-01."
        );
        let mut roi = Chart::new("r", "R", Kind::Bars, "ROI", "Campaign rows", Unit::Count);
        roi.categories = (0..8).map(|i| format!("b{i}")).collect();
        roi.series = vec![Series {
            name: "Campaign rows".into(),
            values: (0..8)
                .map(|i| Some(if i == 5 { 12.0 } else { 1.0 }))
                .collect(),
        }];
        assert_eq!(
            roi.describe(),
            "Most campaign rows are in ROI b5 (12 of 19)."
        );
        // Ties go to the first category; a missing value is not a peak.
        let s = Series {
            name: "s".into(),
            values: vec![None, Some(2.0), Some(2.0), Some(f64::NAN)],
        };
        assert_eq!(s.peak(), Some((1, 2.0)));
    }

    #[test]
    fn filter_options_list_loaded_values() {
        let o = filter_options(&warehouse());
        assert_eq!(o.tenants, vec!["a", "b"]);
        assert_eq!(o.channels, vec!["Search", "Video"]);
        assert_eq!(o.first_date.as_deref(), Some("2024-11-01"));
        assert_eq!(o.last_date.as_deref(), Some("2024-11-02"));
    }
}
