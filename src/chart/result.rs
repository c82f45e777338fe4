//! A chart of any typed result (a SQL query's): the kind and the axes are chosen from
//! the columns' types, never from their names, and the chart is drawn by [`super::draw`]
//! like the dashboards' charts.
//!
//! - The categories: the first date column (a line chart, dates in order), else the first
//!   text or code column (bars, in the result's order, at most [`MAX_BARS`]), else the
//!   row number (bars).
//! - The values: the first numeric column and the columns after it of the same type (at
//!   most [`MAX_SERIES`]): money on a `$` axis, ratios in percent, counts and numbers
//!   plain. Rows that share a category are added up (counts, money) or averaged (ratios,
//!   numbers), so `GROUP BY tenant_id, date` draws the scope's total per day.

use super::{Chart, Kind, Series, Unit};
use crate::query::columns::{ColumnType, ResultColumn};
use crate::sql::Val;
use std::collections::BTreeMap;

/// Bars drawn at most (the first ones, in the result's order).
pub const MAX_BARS: usize = 30;
/// Series drawn at most.
pub const MAX_SERIES: usize = 4;

/// The chart of a result, or `None` when it has no numeric column or no row.
///
/// ```
/// use bi_platform::chart::{result::of_rows, Kind, Unit};
/// use bi_platform::query::columns::{ColumnType, ResultColumn};
/// use bi_platform::sql::Val;
/// let columns = [
///     ResultColumn { name: "tenant_id".into(), ty: ColumnType::Text, label: "Tenant".into() },
///     ResultColumn { name: "spend".into(), ty: ColumnType::Money, label: "Spend".into() },
/// ];
/// let rows = vec![vec![Val::Str("a"), Val::Money(2_500_000)], vec![Val::Str("b"), Val::Money(1_000_000)]];
/// let chart = of_rows(&columns, &rows).unwrap();
/// assert_eq!((chart.kind, chart.unit), (Kind::Bars, Unit::Money));
/// assert_eq!(chart.categories, ["a", "b"]);
/// assert_eq!(chart.series[0].values, [Some(2.5), Some(1.0)]);
/// ```
pub fn of_rows(columns: &[ResultColumn], rows: &[Vec<Val<'_>>]) -> Option<Chart> {
    if rows.is_empty() {
        return None;
    }
    let date = columns.iter().position(|c| c.ty == ColumnType::Date);
    let category = date.or_else(|| {
        columns
            .iter()
            .position(|c| matches!(c.ty, ColumnType::Text | ColumnType::Code))
    });
    let first = columns
        .iter()
        .enumerate()
        .position(|(i, c)| c.ty.is_numeric() && Some(i) != category)?;
    let ty = columns[first].ty;
    let values: Vec<usize> = (first..columns.len())
        .filter(|&i| columns[i].ty == ty && Some(i) != category)
        .take(MAX_SERIES)
        .collect();
    let (unit, scale, y_label) = match ty {
        ColumnType::Money => (Unit::Money, 1.0, "Amount ($)".to_string()),
        ColumnType::Ratio => (Unit::Percent, 100.0, "Percent (%)".to_string()),
        _ if values.len() == 1 => (Unit::Count, 1.0, columns[first].label.clone()),
        _ => (Unit::Count, 1.0, "Value".to_string()),
    };
    let additive = matches!(ty, ColumnType::Money | ColumnType::Integer);

    // Sums (or sums and counts, for means) per category, in first-seen order.
    let mut order: Vec<String> = Vec::new();
    let mut at: BTreeMap<String, usize> = BTreeMap::new();
    let mut sums: Vec<Vec<(f64, u32)>> = Vec::new();
    for (n, row) in rows.iter().enumerate() {
        let name = match category {
            Some(c) => row[c]
                .to_text()
                .map_or_else(|| "(null)".to_string(), |t| t.into_owned()),
            None => (n + 1).to_string(),
        };
        let slot = *at.entry(name.clone()).or_insert_with(|| {
            order.push(name);
            sums.push(vec![(0.0, 0); values.len()]);
            sums.len() - 1
        });
        for (s, &c) in values.iter().enumerate() {
            if let Some(v) = number(&row[c]) {
                sums[slot][s].0 += v;
                sums[slot][s].1 += 1;
            }
        }
    }
    let mut slots: Vec<usize> = (0..order.len()).collect();
    let line = date.is_some();
    if line {
        slots.sort_by(|&a, &b| order[a].cmp(&order[b]));
    } else {
        slots.truncate(MAX_BARS);
    }
    let series_label = values
        .iter()
        .map(|&c| columns[c].label.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let x_label = category.map_or("Row".to_string(), |c| columns[c].label.clone());
    let shown = if !line && order.len() > MAX_BARS {
        format!(" (first {MAX_BARS} of {})", order.len())
    } else {
        String::new()
    };
    let mut chart = Chart::new(
        "sql",
        &format!("{series_label} by {}{shown}", x_label.to_lowercase()),
        if line { Kind::Line } else { Kind::Bars },
        &x_label,
        &y_label,
        unit,
    );
    chart.categories = slots.iter().map(|&s| order[s].clone()).collect();
    chart.series = values
        .iter()
        .enumerate()
        .map(|(s, &c)| Series {
            name: columns[c].label.clone(),
            values: slots
                .iter()
                .map(|&slot| {
                    let (sum, count) = sums[slot][s];
                    match count {
                        0 => None,
                        _ if additive => Some(sum * scale),
                        _ => Some(sum / f64::from(count) * scale),
                    }
                })
                .collect(),
        })
        .collect();
    Some(chart.described())
}

fn number(v: &Val<'_>) -> Option<f64> {
    match v {
        Val::Int(i) => Some(*i as f64),
        Val::Real(f) if f.is_finite() => Some(*f),
        Val::Money(m) => Some(crate::sql::value::money_f64(*m)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, ty: ColumnType) -> ResultColumn {
        ResultColumn {
            name: name.into(),
            ty,
            label: crate::query::columns::label_of(name),
        }
    }

    #[test]
    fn dates_draw_a_line_in_date_order_summing_rows_of_a_day() {
        let columns = [
            col("tenant_id", ColumnType::Text),
            col("date", ColumnType::Date),
            col("revenue", ColumnType::Money),
            col("spend", ColumnType::Money),
            col("clicks", ColumnType::Integer),
        ];
        let day = |d: u32| Val::Date(crate::model::date::day_from_ymd(2024, 11, d).unwrap());
        let rows = vec![
            vec![
                Val::Str("b"),
                day(2),
                Val::Money(1_000_000),
                Val::Money(0),
                Val::Int(1),
            ],
            vec![
                Val::Str("a"),
                day(1),
                Val::Money(2_000_000),
                Val::Null,
                Val::Int(2),
            ],
            vec![
                Val::Str("a"),
                day(2),
                Val::Money(500_000),
                Val::Money(250_000),
                Val::Int(3),
            ],
        ];
        let chart = of_rows(&columns, &rows).unwrap();
        assert_eq!((chart.kind, chart.unit), (Kind::Line, Unit::Money));
        assert_eq!(chart.categories, ["2024-11-01", "2024-11-02"]);
        assert_eq!(
            chart.series.len(),
            2,
            "money only: the counts are another unit"
        );
        assert_eq!(chart.series[0].values, [Some(2.0), Some(1.5)]);
        assert_eq!(chart.series[1].values, [None, Some(0.25)]);
        assert!(!chart.summary.is_empty());
    }

    #[test]
    fn ratios_are_percent_bars_averaged_per_category_and_bars_are_capped() {
        let columns = [
            col("channel", ColumnType::Text),
            col("roi", ColumnType::Ratio),
        ];
        let rows: Vec<Vec<Val>> = (0..40)
            .map(|i| {
                vec![
                    Val::text(format!("c{}", i % 35)),
                    Val::Real(if i < 35 { 0.5 } else { 1.5 }),
                ]
            })
            .collect();
        let chart = of_rows(&columns, &rows).unwrap();
        assert_eq!((chart.kind, chart.unit), (Kind::Bars, Unit::Percent));
        assert_eq!(chart.categories.len(), MAX_BARS);
        assert_eq!(
            chart.series[0].values[0],
            Some(100.0),
            "mean of 50% and 150%"
        );
        assert_eq!(chart.series[0].values[5], Some(50.0));
        assert!(chart.title.contains("first 30 of 35"), "{}", chart.title);
    }

    #[test]
    fn no_numeric_column_or_no_row_is_no_chart() {
        let text = [col("tenant_id", ColumnType::Text)];
        assert!(of_rows(&text, &[vec![Val::Str("a")]]).is_none());
        let money = [col("spend", ColumnType::Money)];
        assert!(of_rows(&money, &[]).is_none());
        // Without a category column, rows are numbered.
        let chart = of_rows(&money, &[vec![Val::Money(1)], vec![Val::Null]]).unwrap();
        assert_eq!(chart.categories, ["1", "2"]);
        assert_eq!(chart.series[0].values[1], None);
    }

    #[test]
    fn the_chart_draws() {
        let columns = [
            col("tenant_id", ColumnType::Text),
            col("n", ColumnType::Integer),
        ];
        let rows = vec![
            vec![Val::Str("a"), Val::Int(3)],
            vec![Val::Str("b"), Val::Int(5)],
        ];
        let chart = of_rows(&columns, &rows).unwrap();
        let mut svg = String::new();
        super::super::draw(
            &chart,
            plotters::prelude::SVGBackend::with_string(&mut svg, (400, 300)),
            1.0,
        )
        .unwrap();
        assert!(svg.contains("<svg"));
    }
}
