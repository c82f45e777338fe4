//! The page's charts built from dashboard results: the trends, tenants, funnel, channel
//! mix and target attainment.

use super::data::{Chart, Kind, Series, Unit};
use crate::model::columns::Column;
use crate::query::field::Field;
use crate::query::result::{DashboardResult, Value};
use std::collections::BTreeMap;

/// Tenants drawn one by one before the rest are summed as "Others".
pub const TOP_TENANTS: usize = 10;
/// Tenants drawn as their own line in the per-tenant trend.
pub const TOP_TREND_TENANTS: usize = 5;

pub(super) fn num(row: &[Value<'_>], result: &DashboardResult<'_>, column: &str) -> f64 {
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

pub(super) fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator != 0.0).then(|| numerator / denominator)
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
        let day = by_day
            .entry(text(row, daily, Column::Date.name()))
            .or_default();
        day[0] += num(row, daily, Column::Revenue.name());
        day[1] += num(row, daily, Column::Spend.name());
        day[2] += num(row, daily, Column::Profit.name());
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
        *totals
            .entry(text(row, daily, Column::TenantId.name()))
            .or_default() += num(row, daily, Column::Revenue.name());
        days.insert(text(row, daily, Column::Date.name()), 0);
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
        let tenant = text(row, daily, Column::TenantId.name());
        let s = top.iter().position(|t| *t == tenant).unwrap_or(top.len());
        let d = days[&text(row, daily, Column::Date.name())];
        let cell = &mut series[s].values[d];
        *cell = Some(cell.unwrap_or(0.0) + num(row, daily, Column::Revenue.name()));
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
        let tenant = text(row, summary, Column::TenantId.name());
        let (revenue, spend) = (
            num(row, summary, Column::Revenue.name()),
            num(row, summary, Column::Spend.name()),
        );
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
        for (i, c) in [Column::Impressions, Column::Clicks, Column::Conversions]
            .into_iter()
            .enumerate()
        {
            sums[i] += num(row, funnel, c.name());
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
        let c = by_channel
            .entry(text(row, mix, Column::Channel.name()))
            .or_default();
        c.0 += num(row, mix, Column::Spend.name());
        c.1 += num(row, mix, Column::Revenue.name());
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
        let (year, month) = (
            num(row, targets, Column::Year.name()),
            num(row, targets, Column::Month.name()),
        );
        let m = by_month.entry((year as i64, month as i64)).or_default();
        m.0 += num(row, targets, Column::TargetRevenue.name());
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
