//! Drawing a [`Chart`] with plotters, generic over the backend (canvas in the page, SVG
//! in the tests).

use super::{Chart, Kind, Unit};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Series colours, in order; the last series named "Others" is drawn in grey.
const PALETTE: [RGBColor; 8] = [
    RGBColor(37, 99, 235),
    RGBColor(234, 88, 12),
    RGBColor(22, 163, 74),
    RGBColor(147, 51, 234),
    RGBColor(219, 39, 119),
    RGBColor(8, 145, 178),
    RGBColor(202, 138, 4),
    RGBColor(79, 70, 229),
];
const OTHERS: RGBColor = RGBColor(148, 163, 184);
const TEXT: RGBColor = RGBColor(30, 41, 59);
const MUTED: RGBColor = RGBColor(100, 116, 139);
const GRID: RGBColor = RGBColor(226, 232, 240);
const FONT: &str = "sans-serif";

fn color(chart: &Chart, i: usize) -> RGBColor {
    if chart.series[i].name.starts_with("Others") {
        OTHERS
    } else {
        PALETTE[i % PALETTE.len()]
    }
}

/// A value axis label: `$1.2M`, `45%`, `12k`.
pub fn format_value(value: f64, unit: Unit) -> String {
    let abs = value.abs();
    let short = if abs >= 1e9 {
        format!("{:.1}B", value / 1e9)
    } else if abs >= 1e6 {
        format!("{:.1}M", value / 1e6)
    } else if abs >= 1e4 {
        format!("{:.0}k", value / 1e3)
    } else if abs >= 1e3 {
        format!("{:.1}k", value / 1e3)
    } else if abs >= 10.0 || value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    };
    let short = short
        .replace(".0k", "k")
        .replace(".0M", "M")
        .replace(".0B", "B");
    match unit {
        Unit::Money if value < 0.0 => format!("-${}", short.trim_start_matches('-')),
        Unit::Money => format!("${short}"),
        Unit::Percent => format!("{short}%"),
        Unit::Count => short,
    }
}

/// The category at an axis position, when the position is (close to) a whole index.
fn category(chart: &Chart, position: f64, max_chars: usize) -> String {
    let index = position.round();
    if (position - index).abs() > 1e-6 || index < 0.0 {
        return String::new();
    }
    chart
        .categories
        .get(index as usize)
        .map(|c| {
            if c.chars().count() > max_chars {
                let cut: String = c.chars().take(max_chars.saturating_sub(1)).collect();
                format!("{cut}…")
            } else {
                c.clone()
            }
        })
        .unwrap_or_default()
}

/// A value as drawn: its log10 on a log chart (values below 1 are not drawn).
fn plotted(chart: &Chart, value: Option<f64>) -> Option<f64> {
    let v = value.filter(|v| v.is_finite())?;
    if chart.log {
        (v >= 1.0).then(|| v.log10())
    } else {
        Some(v)
    }
}

/// The value range to draw, with headroom, always including 0.
fn value_range(chart: &Chart, headroom: f64) -> (f64, f64) {
    let values = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter())
        .filter_map(|v| plotted(chart, *v));
    let (mut lo, mut hi) = values.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if hi <= lo {
        hi = lo + 1.0;
    }
    let span = hi - lo;
    hi += span * headroom;
    if lo < 0.0 {
        lo -= span * 0.05;
    }
    if chart.log {
        hi = hi.ceil().max(1.0);
    }
    (lo, hi)
}

fn axis_value(chart: &Chart, v: f64) -> String {
    if chart.log {
        format_value(10f64.powf(v).round(), chart.unit)
    } else {
        format_value(v, chart.unit)
    }
}

/// Draws `chart` on `backend`, scaling text and margins by `scale` (the device pixel
/// ratio on a canvas, 1 for SVG).
///
/// ```
/// use bi_platform::chart::{draw, Chart, Kind, Series, Unit};
/// use plotters::prelude::SVGBackend;
/// let chart = Chart { id: "x".into(), title: "Spend".into(), kind: Kind::Bars,
///     x_label: "Channel".into(), y_label: "Amount ($)".into(), unit: Unit::Money, log: false,
///     categories: vec!["Search".into()], notes: vec![],
///     series: vec![Series { name: "Spend".into(), values: vec![Some(12.5)] }] };
/// let mut svg = String::new();
/// draw(&chart, SVGBackend::with_string(&mut svg, (400, 300)), 1.0).unwrap();
/// assert!(svg.contains("Search"));
/// ```
pub fn draw<DB: DrawingBackend>(chart: &Chart, backend: DB, scale: f64) -> Result<(), String> {
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    draw_on(chart, &root, scale.max(0.5)).map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}

/// Draws the series legend as rows of swatches and names under the title, starting at
/// `top`; returns where the plot may start.
fn draw_legend<DB: DrawingBackend>(
    chart: &Chart,
    root: &DrawingArea<DB, Shift>,
    s: f64,
    top: u32,
) -> Result<u32, DrawingAreaErrorKind<DB::ErrorType>> {
    let (width, _) = root.dim_in_pixel();
    let style = (FONT, 11.5 * s).into_font().color(&TEXT);
    let (swatch, gap, row) = ((10.0 * s) as i32, (18.0 * s) as i32, (18.0 * s) as i32);
    let items: Vec<(i32, &str, RGBColor)> = chart
        .series
        .iter()
        .enumerate()
        .map(|(i, series)| {
            let text = root
                .estimate_text_size(&series.name, &style)
                .map_or(series.name.len() as u32 * 7, |(w, _)| w);
            (
                swatch + (6.0 * s) as i32 + text as i32,
                series.name.as_str(),
                color(chart, i),
            )
        })
        .collect();
    // Lay items out in rows that fit, each row centred.
    let mut rows: Vec<Vec<(i32, &str, RGBColor)>> = vec![Vec::new()];
    let mut used = 0;
    for item in items {
        let need = item.0 + if used > 0 { gap } else { 0 };
        if used > 0 && used + need > width as i32 - 2 * gap {
            rows.push(Vec::new());
            used = 0;
        }
        used += item.0 + if used > 0 { gap } else { 0 };
        rows.last_mut().unwrap().push(item);
    }
    let mut y = top as i32;
    for items in &rows {
        let total: i32 = items.iter().map(|i| i.0).sum::<i32>() + gap * (items.len() as i32 - 1);
        let mut x = (width as i32 - total) / 2;
        for (w, name, c) in items {
            root.draw(&Rectangle::new(
                [
                    (x, y + row / 2 - swatch / 2),
                    (x + swatch, y + row / 2 + swatch / 2),
                ],
                c.filled(),
            ))?;
            root.draw(&Text::new(
                name.to_string(),
                (x + swatch + (6.0 * s) as i32, y + row / 2),
                style.pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            x += w + gap;
        }
        y += row;
    }
    Ok(y as u32 + (4.0 * s) as u32)
}

type DrawResult<E> = Result<(), DrawingAreaErrorKind<E>>;

fn draw_on<DB: DrawingBackend>(
    chart: &Chart,
    root: &DrawingArea<DB, Shift>,
    s: f64,
) -> DrawResult<DB::ErrorType> {
    let px = |v: f64| (v * s).round() as u32;
    let font = |size: f64| (FONT, size * s).into_font().color(&TEXT);
    let title = (FONT, 15.0 * s)
        .into_font()
        .style(FontStyle::Bold)
        .color(&TEXT);
    let (width, height) = root.dim_in_pixel();
    root.draw(&Text::new(
        chart.title.clone(),
        ((width / 2) as i32, px(10.0) as i32),
        title.pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;
    let n = chart.categories.len();
    if chart.is_empty() || n == 0 {
        root.draw(&Text::new(
            "No data in this selection".to_string(),
            ((width / 2) as i32, (height / 2) as i32),
            font(13.0)
                .color(&MUTED)
                .pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
        return Ok(());
    }
    let mut header = px(36.0);
    // Lines always name their series (a tenant's line says whose it is).
    if chart.series.len() > 1 || chart.kind == Kind::Line {
        header = draw_legend(chart, root, s, header)?;
    }
    let body = root.margin(header, 0, 0, 0);
    let mut builder = ChartBuilder::on(&body);
    builder
        .margin(px(12.0))
        .margin_top(px(6.0))
        .margin_right(px(if chart.kind == Kind::Line { 36.0 } else { 20.0 }));
    match chart.kind {
        Kind::Line => {
            let (lo, hi) = value_range(chart, 0.08);
            let mut cc = builder
                .x_label_area_size(px(42.0))
                .y_label_area_size(px(64.0))
                .build_cartesian_2d(0f64..(n.max(2) - 1) as f64, lo..hi)?;
            cc.configure_mesh()
                .disable_x_mesh()
                .bold_line_style(GRID)
                .light_line_style(TRANSPARENT)
                .axis_style(MUTED)
                .x_labels(6)
                .y_labels(6)
                .x_label_formatter(&|x| category(chart, *x, 12))
                .y_label_formatter(&|y| axis_value(chart, *y))
                .x_desc(&chart.x_label)
                .y_desc(&chart.y_label)
                .label_style(font(11.0))
                .axis_desc_style(font(12.0))
                .draw()?;
            for (i, series) in chart.series.iter().enumerate() {
                let c = color(chart, i);
                let style = c.stroke_width(px(2.0).max(1));
                let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
                for (x, v) in series.values.iter().enumerate() {
                    match plotted(chart, *v) {
                        Some(y) => segments.last_mut().unwrap().push((x as f64, y)),
                        None if !segments.last().unwrap().is_empty() => segments.push(Vec::new()),
                        None => {}
                    }
                }
                for segment in segments.into_iter().filter(|s| !s.is_empty()) {
                    let points = if segment.len() == 1 {
                        vec![segment[0], segment[0]]
                    } else {
                        segment
                    };
                    cc.draw_series(LineSeries::new(points, style))?;
                }
            }
        }
        Kind::Bars => {
            let (lo, hi) = value_range(chart, 0.15);
            let longest = chart
                .categories
                .iter()
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(1);
            let max_chars = longest.min(16);
            let room = (f64::from(width) / s - 90.0).max(50.0);
            let every = ((n * (max_chars + 1)) as f64 * 6.0 / room).ceil().max(1.0) as usize;
            let mut cc = builder
                .x_label_area_size(px(42.0))
                .y_label_area_size(px(64.0))
                .build_cartesian_2d(-0.5f64..n as f64 - 0.5, lo..hi)?;
            cc.configure_mesh()
                .disable_x_mesh()
                .bold_line_style(GRID)
                .light_line_style(TRANSPARENT)
                .axis_style(MUTED)
                .x_labels(n)
                .y_labels(6)
                .x_label_formatter(&|x| {
                    let i = x.round();
                    if i >= 0.0 && (i as usize).is_multiple_of(every) {
                        category(chart, *x, max_chars)
                    } else {
                        String::new()
                    }
                })
                .y_label_formatter(&|y| axis_value(chart, *y))
                .x_desc(&chart.x_label)
                .y_desc(&chart.y_label)
                .label_style(font(11.0))
                .axis_desc_style(font(12.0))
                .draw()?;
            let groups = chart.series.len() as f64;
            let bar = 0.8 / groups;
            for (i, series) in chart.series.iter().enumerate() {
                let c = color(chart, i);
                let bars = series.values.iter().enumerate().filter_map(|(x, v)| {
                    let y = plotted(chart, *v)?;
                    let x0 = x as f64 - 0.4 + bar * i as f64;
                    Some(Rectangle::new(
                        [(x0, 0.0), (x0 + bar * 0.92, y)],
                        c.filled(),
                    ))
                });
                cc.draw_series(bars)?;
            }
            let notes = chart
                .notes
                .iter()
                .enumerate()
                .filter(|(_, n)| !n.is_empty());
            let note_style = font(10.5)
                .color(&MUTED)
                .pos(Pos::new(HPos::Center, VPos::Bottom));
            cc.draw_series(notes.map(|(x, note)| {
                let top = chart
                    .series
                    .iter()
                    .filter_map(|s| plotted(chart, s.values.get(x).copied().flatten()))
                    .fold(0.0f64, f64::max);
                EmptyElement::at((x as f64, top))
                    + Text::new(note.clone(), (0, -(px(3.0) as i32)), note_style.clone())
            }))?;
        }
        Kind::HBars => {
            let (lo, hi) = value_range(chart, 0.22);
            let position = |c: usize| (n - 1 - c) as f64;
            let mut cc = builder
                .x_label_area_size(px(40.0))
                .y_label_area_size(px(104.0))
                .build_cartesian_2d(lo..hi, -0.5f64..n as f64 - 0.5)?;
            cc.configure_mesh()
                .disable_y_mesh()
                .bold_line_style(GRID)
                .light_line_style(TRANSPARENT)
                .axis_style(MUTED)
                .x_labels(5)
                .y_labels(n)
                .y_label_formatter(&|y| {
                    let index = (n as f64 - 1.0 - y).max(-1.0);
                    category(chart, index, 14)
                })
                .x_label_formatter(&|x| axis_value(chart, *x))
                .x_desc(&chart.y_label)
                .label_style(font(11.0))
                .axis_desc_style(font(12.0))
                .draw()?;
            let groups = chart.series.len() as f64;
            let height = 0.8 / groups;
            for (i, series) in chart.series.iter().enumerate() {
                let c = color(chart, i);
                let bars = series.values.iter().enumerate().filter_map(|(cat, v)| {
                    let x = plotted(chart, *v)?;
                    let y1 = position(cat) + 0.4 - height * i as f64;
                    Some(Rectangle::new(
                        [(0.0, y1), (x, y1 - height * 0.92)],
                        c.filled(),
                    ))
                });
                cc.draw_series(bars)?;
            }
            let note_style = font(10.5)
                .color(&MUTED)
                .pos(Pos::new(HPos::Left, VPos::Center));
            let notes = chart
                .notes
                .iter()
                .enumerate()
                .filter(|(_, n)| !n.is_empty());
            cc.draw_series(notes.map(|(cat, note)| {
                let end = chart
                    .series
                    .iter()
                    .filter_map(|s| plotted(chart, s.values.get(cat).copied().flatten()))
                    .fold(0.0f64, f64::max);
                EmptyElement::at((end, position(cat)))
                    + Text::new(note.clone(), (px(4.0) as i32, 0), note_style.clone())
            }))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::{charts, Series};
    use crate::{Query, Warehouse};

    fn svg(chart: &Chart) -> String {
        let mut out = String::new();
        draw(chart, SVGBackend::with_string(&mut out, (640, 360)), 1.0).unwrap();
        out
    }

    fn seedlike() -> Warehouse {
        let mut w = Warehouse::new();
        w.load(
            "c.csv",
            b"tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product\n\
              t1,c1,A - Search,2024-11-01,10000,500,50,100.00,300.00,North,P\n\
              t1,c2,B - Video,2024-11-02,8000,300,20,200.00,150.00,North,P\n\
              t2,c1,A - Search,2024-11-02,9000,400,40,120.00,400.00,South,P\n",
        );
        w
    }

    #[test]
    fn money_and_counts_are_formatted_for_axes() {
        assert_eq!(format_value(1_250_000.0, Unit::Money), "$1.2M");
        assert_eq!(format_value(35_000.0, Unit::Money), "$35k");
        assert_eq!(format_value(-2_000.0, Unit::Money), "-$2k");
        assert_eq!(format_value(45.0, Unit::Percent), "45%");
        assert_eq!(format_value(0.0, Unit::Count), "0");
    }

    #[test]
    fn every_chart_draws_its_title_axes_and_legend() {
        let w = seedlike();
        for chart in charts(&w, &Query::default()).unwrap() {
            let out = svg(&chart);
            assert!(out.contains(&chart.title), "{} has no title", chart.id);
            if chart.is_empty() {
                assert!(out.contains("No data in this selection"), "{}", chart.id);
                continue;
            }
            assert!(
                out.contains(&chart.y_label),
                "{} has no value axis caption",
                chart.id
            );
            if chart.series.len() > 1 {
                for s in &chart.series {
                    assert!(
                        out.contains(&s.name),
                        "{} lacks legend {}",
                        chart.id,
                        s.name
                    );
                }
            }
        }
    }

    #[test]
    fn line_chart_draws_one_polyline_per_series() {
        let w = seedlike();
        let charts = charts(&w, &Query::default()).unwrap();
        let trend = charts.iter().find(|c| c.id == "trend").unwrap();
        let out = svg(trend);
        let lines: Vec<&str> = out
            .split("<polyline")
            .skip(1)
            .map(|l| l.split("/>").next().unwrap())
            .collect();
        for color in &PALETTE[..3] {
            let hex = format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2);
            let drawn = lines.iter().filter(|l| l.contains(&hex)).count();
            assert_eq!(drawn, 1, "series colour {hex} in {out}");
        }
        assert!(out.contains("2024-11-01"));
        assert!(out.contains("Revenue") && out.contains("Spend") && out.contains("Profit"));
    }

    #[test]
    fn bars_draw_a_rectangle_per_value_and_category_labels() {
        let chart = Chart {
            id: "channels".into(),
            title: "Channel mix".into(),
            kind: Kind::Bars,
            x_label: "Channel".into(),
            y_label: "Amount ($)".into(),
            unit: Unit::Money,
            log: false,
            categories: vec!["Search".into(), "Video".into()],
            series: vec![
                Series {
                    name: "Spend".into(),
                    values: vec![Some(10.0), Some(20.0)],
                },
                Series {
                    name: "Revenue".into(),
                    values: vec![Some(30.0), None],
                },
            ],
            notes: vec!["ROI 200%".into(), String::new()],
        };
        let out = svg(&chart);
        for text in ["Search", "Video", "ROI 200%", "Spend", "Revenue", "$30"] {
            assert!(out.contains(text), "missing {text}");
        }
        let blank = svg(&Chart {
            series: vec![],
            ..chart.clone()
        });
        // Three data bars more than the empty chart (plus two legend swatches).
        assert!(out.matches("<rect").count() >= blank.matches("<rect").count() + 3);
    }

    #[test]
    fn an_empty_selection_says_so() {
        let w = Warehouse::new();
        for chart in charts(&w, &Query::default()).unwrap() {
            assert!(
                svg(&chart).contains("No data in this selection"),
                "{}",
                chart.id
            );
        }
    }
}
