//! Drawing a [`Chart`] with plotters, generic over the backend (canvas in the page, SVG
//! in the tests).

use super::hit::{HitMap, Mark, Region};
use super::{format_value, Chart, Kind};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Series colours, in order; the last series named "Others" is drawn in grey. Each has a
/// contrast of at least 4.5:1 against the white background (WCAG asks 3:1 of graphical
/// objects; the test `palette_contrasts_with_the_background` checks it), and colour is
/// never the only cue: series also differ by [`Marker`] and, on lines, by dash pattern.
const PALETTE: [RGBColor; 8] = [
    RGBColor(37, 99, 235),  // blue-600    5.2:1
    RGBColor(194, 65, 12),  // orange-700  5.2:1
    RGBColor(21, 128, 61),  // green-700   5.0:1
    RGBColor(147, 51, 234), // purple-600  5.4:1
    RGBColor(190, 24, 93),  // pink-700    6.0:1
    RGBColor(14, 116, 144), // cyan-700    5.4:1
    RGBColor(161, 98, 7),   // yellow-700  4.9:1
    RGBColor(79, 70, 229),  // indigo-600  6.3:1
];
const OTHERS: RGBColor = RGBColor(100, 116, 139); // slate-500 4.8:1
const TEXT: RGBColor = RGBColor(30, 41, 59);
const MUTED: RGBColor = RGBColor(71, 85, 105); // slate-600 7.6:1
const GRID: RGBColor = RGBColor(226, 232, 240);
const FONT: &str = "sans-serif";

fn color(chart: &Chart, i: usize) -> RGBColor {
    if chart.series[i].name.starts_with("Others") {
        OTHERS
    } else {
        PALETTE[i % PALETTE.len()]
    }
}

/// The shape that marks series `i` in the legend, on its line and on its bars, so that
/// series are told apart without colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
    TriangleDown,
    Plus,
    Hexagon,
    Cross,
}

const MARKERS: [Marker; 8] = [
    Marker::Circle,
    Marker::Square,
    Marker::Triangle,
    Marker::Diamond,
    Marker::TriangleDown,
    Marker::Plus,
    Marker::Hexagon,
    Marker::Cross,
];

/// Dash length and gap (unscaled pixels) of series `i`'s line; `None` is solid. With the
/// markers, the first eight series differ in two ways besides colour.
const DASHES: [Option<(u32, u32)>; 4] = [None, Some((8, 4)), Some((2, 3)), Some((12, 4))];

fn marker(i: usize) -> Marker {
    MARKERS[i % MARKERS.len()]
}

impl Marker {
    /// The marker's outline centred on `(x, y)`, `r` pixels from the centre to its edge.
    fn points(self, (x, y): (i32, i32), r: i32) -> Vec<(i32, i32)> {
        let r = r.max(2);
        let polar = |n: usize, phase: f64, radius: f64| -> Vec<(i32, i32)> {
            (0..n)
                .map(|k| {
                    let a = phase + k as f64 * std::f64::consts::TAU / n as f64;
                    (
                        x + (radius * a.cos()).round() as i32,
                        y + (radius * a.sin()).round() as i32,
                    )
                })
                .collect()
        };
        let rf = f64::from(r);
        let t = (r / 3).max(1);
        match self {
            Marker::Circle => polar(16, 0.0, rf),
            Marker::Square => vec![
                (x - r, y - r),
                (x + r, y - r),
                (x + r, y + r),
                (x - r, y + r),
            ],
            Marker::Triangle => polar(3, -std::f64::consts::FRAC_PI_2, rf * 1.25),
            Marker::TriangleDown => polar(3, std::f64::consts::FRAC_PI_2, rf * 1.25),
            Marker::Diamond => polar(4, 0.0, rf * 1.3),
            Marker::Hexagon => polar(6, 0.0, rf * 1.1),
            Marker::Plus => vec![
                (x - t, y - r),
                (x + t, y - r),
                (x + t, y - t),
                (x + r, y - t),
                (x + r, y + t),
                (x + t, y + t),
                (x + t, y + r),
                (x - t, y + r),
                (x - t, y + t),
                (x - r, y + t),
                (x - r, y - t),
                (x - t, y - t),
            ],
            Marker::Cross => {
                // The plus turned by 45 degrees.
                let c = std::f64::consts::FRAC_1_SQRT_2;
                Marker::Plus
                    .points((0, 0), r)
                    .into_iter()
                    .map(|(px, py)| {
                        let (px, py) = (f64::from(px), f64::from(py));
                        (
                            x + ((px - py) * c).round() as i32,
                            y + ((px + py) * c).round() as i32,
                        )
                    })
                    .collect()
            }
        }
    }
}

/// Draws series `i`'s marker at backend pixel `at`, filled with `fill`, outlined in
/// `edge` so that it stands out from a line or bar of the same colour.
fn draw_marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    i: usize,
    at: (i32, i32),
    r: i32,
    fill: RGBColor,
    edge: RGBColor,
) -> DrawResult<DB::ErrorType> {
    let points = marker(i).points(at, r);
    root.draw(&Polygon::new(points.clone(), fill.filled()))?;
    let mut outline = points;
    outline.push(outline[0]);
    root.draw(&PathElement::new(outline, edge.stroke_width(1)))?;
    Ok(())
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
/// ratio on a canvas, 1 for SVG). Returns where each mark went (see [`super::hit`]), so
/// a click can be mapped back to its datum.
///
/// ```
/// use bi_platform::chart::{draw, Chart, Kind, Series, Unit};
/// use plotters::prelude::SVGBackend;
/// let chart = Chart { id: "x".into(), title: "Spend".into(), kind: Kind::Bars,
///     x_label: "Channel".into(), y_label: "Amount ($)".into(), unit: Unit::Money, log: false,
///     categories: vec!["Search".into()], notes: vec![],
///     series: vec![Series { name: "Spend".into(), values: vec![Some(12.5)] }],
///     summary: String::new(), field: None, keys: vec![], series_field: None, series_keys: vec![], selected: vec![] };
/// let mut svg = String::new();
/// let marks = draw(&chart, SVGBackend::with_string(&mut svg, (400, 300)), 1.0).unwrap();
/// assert!(svg.contains("Search"));
/// assert_eq!(marks.regions.len(), 1);
/// ```
pub fn draw<DB: DrawingBackend>(chart: &Chart, backend: DB, scale: f64) -> Result<HitMap, String> {
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let scale = scale.max(0.5);
    let mut regions = Vec::new();
    draw_on(chart, &root, scale, &mut regions).map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())?;
    Ok(HitMap { scale, regions })
}

/// Draws the series legend as rows of keys and names under the title, starting at
/// `top`, in series order; returns where the plot may start. A key shows what marks the
/// series in the plot: its colour and marker, and on a line chart its dash pattern.
fn draw_legend<DB: DrawingBackend>(
    chart: &Chart,
    root: &DrawingArea<DB, Shift>,
    s: f64,
    top: u32,
    regions: &mut Vec<Region>,
) -> Result<u32, DrawingAreaErrorKind<DB::ErrorType>> {
    let (width, _) = root.dim_in_pixel();
    let style = (FONT, 11.5 * s).into_font().color(&TEXT);
    let line = chart.kind == Kind::Line;
    let key = (if line { 26.0 * s } else { 14.0 * s }) as i32;
    let (gap, row) = ((18.0 * s) as i32, (20.0 * s) as i32);
    let items: Vec<(i32, usize)> = chart
        .series
        .iter()
        .enumerate()
        .map(|(i, series)| {
            let text = root
                .estimate_text_size(&series.name, &style)
                .map_or(series.name.len() as u32 * 7, |(w, _)| w);
            (key + (6.0 * s) as i32 + text as i32, i)
        })
        .collect();
    // Lay items out in rows that fit, each row centred.
    let mut rows: Vec<Vec<(i32, usize)>> = vec![Vec::new()];
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
        for &(w, i) in items {
            let c = color(chart, i);
            let mid = y + row / 2;
            if line {
                draw_line(root, i, vec![(x, mid), (x + key, mid)], c, s)?;
                draw_marker(root, i, (x + key / 2, mid), (3.5 * s) as i32, c, WHITE)?;
            } else {
                root.draw(&Rectangle::new(
                    [(x, mid - key / 2), (x + key, mid + key / 2)],
                    c.filled(),
                ))?;
                draw_marker(root, i, (x + key / 2, mid), (3.5 * s) as i32, WHITE, c)?;
            }
            root.draw(&Text::new(
                chart.series[i].name.clone(),
                (x + key + (6.0 * s) as i32, mid),
                style.pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            regions.push(Region::new(
                (x, y),
                (x + w, y + row - 1),
                Mark::Legend,
                None,
                i,
            ));
            x += w + gap;
        }
        y += row;
    }
    Ok(y as u32 + (4.0 * s) as u32)
}

/// Draws series `i`'s line through backend pixels `points` in its colour and dash.
fn draw_line<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    i: usize,
    points: Vec<(i32, i32)>,
    c: RGBColor,
    s: f64,
) -> DrawResult<DB::ErrorType> {
    let style = c.stroke_width(((2.0 * s).round() as u32).max(1));
    match DASHES[i % DASHES.len()] {
        None => root.draw(&PathElement::new(points, style)),
        Some((dash, gap)) => {
            let (dash, gap) = ((f64::from(dash) * s) as i32, (f64::from(gap) * s) as i32);
            for element in DashedLineSeries::new(points, dash.max(1), gap.max(1), style) {
                root.draw(&element)?;
            }
            Ok(())
        }
    }
}

type DrawResult<E> = Result<(), DrawingAreaErrorKind<E>>;

/// Outlines the bars of the selected categories (a dark frame a few pixels outside the
/// bar): the selection is marked by shape, not by colour alone.
fn outline_selected<DB: DrawingBackend>(
    chart: &Chart,
    root: &DrawingArea<DB, Shift>,
    regions: &[Region],
    s: f64,
) -> DrawResult<DB::ErrorType> {
    let gap = (2.0 * s).round() as i32;
    for r in regions.iter().filter(|r| r.mark == Mark::Bar) {
        if r.category.is_some_and(|c| chart.selected.contains(&c)) {
            let frame = vec![
                (r.x0 - gap, r.y0 - gap),
                (r.x1 + gap, r.y0 - gap),
                (r.x1 + gap, r.y1 + gap),
                (r.x0 - gap, r.y1 + gap),
                (r.x0 - gap, r.y0 - gap),
            ];
            root.draw(&PathElement::new(
                frame,
                TEXT.stroke_width(((1.5 * s).round() as u32).max(1)),
            ))?;
        }
    }
    Ok(())
}

fn draw_on<DB: DrawingBackend>(
    chart: &Chart,
    root: &DrawingArea<DB, Shift>,
    s: f64,
    regions: &mut Vec<Region>,
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
        header = draw_legend(chart, root, s, header, regions)?;
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
            // A rule at each selected category (a date picked by a click), under the lines.
            for &x in &chart.selected {
                let (top, bottom) = (
                    cc.backend_coord(&(x as f64, hi)),
                    cc.backend_coord(&(x as f64, lo)),
                );
                root.draw(&PathElement::new(
                    vec![top, bottom],
                    TEXT.stroke_width(px(2.0).max(1)),
                ))?;
            }
            // Markers on every `step`-th point, shifted per series so they do not sit
            // on top of each other.
            let step = n.div_ceil(8).max(1);
            for (i, series) in chart.series.iter().enumerate() {
                let c = color(chart, i);
                let mut segments: Vec<Vec<(i32, i32)>> = vec![Vec::new()];
                let mut marks = Vec::new();
                for (x, v) in series.values.iter().enumerate() {
                    match plotted(chart, *v) {
                        Some(y) => {
                            let at = cc.backend_coord(&(x as f64, y));
                            segments.last_mut().unwrap().push(at);
                            let reach = (6.0 * s).round() as i32;
                            regions.push(Region::new(
                                (at.0 - reach, at.1 - reach),
                                (at.0 + reach, at.1 + reach),
                                Mark::Point,
                                Some(x),
                                i,
                            ));
                            if (x + i * step / chart.series.len().max(1)).is_multiple_of(step) {
                                marks.push(at);
                            }
                        }
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
                    draw_line(root, i, points, c, s)?;
                }
                for at in marks {
                    draw_marker(root, i, at, (3.5 * s) as i32, c, WHITE)?;
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
            // Each bar's series marker, in white inside its top end where it fits.
            for (i, series) in chart.series.iter().enumerate() {
                for (x, v) in series.values.iter().enumerate() {
                    let Some(y) = plotted(chart, *v) else {
                        continue;
                    };
                    let x0 = x as f64 - 0.4 + bar * i as f64;
                    // The rectangle drawn above, through the same mapping.
                    regions.push(Region::new(
                        cc.backend_coord(&(x0, 0.0)),
                        cc.backend_coord(&(x0 + bar * 0.92, y)),
                        Mark::Bar,
                        Some(x),
                        i,
                    ));
                    let (left, top) = cc.backend_coord(&(x0, y));
                    let (right, bottom) = cc.backend_coord(&(x0 + bar * 0.92, lo.max(0.0)));
                    let r = (((right - left) as f64 * 0.3).min(4.5 * s)) as i32;
                    if r >= 2 && bottom - top > 4 * r {
                        let at = ((left + right) / 2, top + 2 * r);
                        draw_marker(root, i, at, r, WHITE, color(chart, i))?;
                    }
                }
            }
            outline_selected(chart, root, regions, s)?;
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
            // Each bar's series marker, in white inside its far end where it fits.
            for (i, series) in chart.series.iter().enumerate() {
                for (cat, v) in series.values.iter().enumerate() {
                    let Some(x) = plotted(chart, *v) else {
                        continue;
                    };
                    let y1 = position(cat) + 0.4 - height * i as f64;
                    regions.push(Region::new(
                        cc.backend_coord(&(0.0, y1)),
                        cc.backend_coord(&(x, y1 - height * 0.92)),
                        Mark::Bar,
                        Some(cat),
                        i,
                    ));
                    let (left, top) = cc.backend_coord(&(lo.max(0.0), y1));
                    let (right, bottom) = cc.backend_coord(&(x, y1 - height * 0.92));
                    let r = (((bottom - top) as f64 * 0.3).min(4.5 * s)) as i32;
                    if r >= 2 && right - left > 4 * r {
                        let at = (right - 2 * r, (top + bottom) / 2);
                        draw_marker(root, i, at, r, WHITE, color(chart, i))?;
                    }
                }
            }
            outline_selected(chart, root, regions, s)?;
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
    use crate::chart::{charts, Series, Unit};
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

    /// WCAG 2.x relative luminance and contrast ratio.
    fn contrast(a: RGBColor, b: RGBColor) -> f64 {
        let lum = |c: RGBColor| {
            let f = |v: u8| {
                let v = f64::from(v) / 255.0;
                if v <= 0.03928 {
                    v / 12.92
                } else {
                    ((v + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * f(c.0) + 0.7152 * f(c.1) + 0.0722 * f(c.2)
        };
        let (x, y) = (lum(a), lum(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn palette_contrasts_with_the_background() {
        for c in PALETTE.iter().chain([&OTHERS]) {
            assert!(contrast(*c, WHITE) >= 4.5, "{c:?}: {}", contrast(*c, WHITE));
        }
        assert!(contrast(TEXT, WHITE) >= 4.5 && contrast(MUTED, WHITE) >= 4.5);
    }

    #[test]
    fn series_differ_by_marker_and_line_by_dash() {
        // The first eight series each have their own marker, and no two neighbours on a
        // line chart share a dash pattern.
        let mut markers = MARKERS.to_vec();
        markers.dedup();
        assert_eq!(markers.len(), PALETTE.len());
        for i in 0..DASHES.len() {
            assert_ne!(DASHES[i], DASHES[(i + 1) % DASHES.len()]);
        }
        for m in MARKERS {
            let points = m.points((50, 50), 6);
            assert!(points.len() >= 3, "{m:?}");
            assert!(points
                .iter()
                .all(|(x, y)| (x - 50).abs() <= 9 && (y - 50).abs() <= 9));
        }
    }

    #[test]
    fn legend_and_plot_carry_each_series_marker() {
        let w = seedlike();
        let charts = charts(&w, &Query::default()).unwrap();
        let trend = charts.iter().find(|c| c.id == "trend").unwrap();
        let out = svg(trend);
        // Each series is drawn in its colour as lines and as filled marker polygons
        // (one in the legend, at least one on the line).
        for color in &PALETTE[..3] {
            let hex = format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2);
            let filled = out
                .split("<polygon")
                .skip(1)
                .filter(|p| {
                    p.split("/>")
                        .next()
                        .unwrap()
                        .contains(&format!("fill=\"{hex}\""))
                })
                .count();
            assert!(filled >= 2, "{hex}: {filled} markers");
        }
        // Spend is dashed: many short segments rather than one polyline.
        assert!(out.matches("<polyline").count() > 6);
        // The legend lists the series in series order.
        let at = |name: &str| out.find(&format!(">\n{name}\n<")).unwrap_or(usize::MAX);
        assert!(at("Revenue") < at("Spend") && at("Spend") < at("Profit"));
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
    fn line_chart_draws_each_series_in_its_colour() {
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
            // Its key in the legend, then its line (one polyline, or dashes).
            let drawn = lines.iter().filter(|l| l.contains(&hex)).count();
            assert!(drawn >= 2, "series colour {hex} in {out}");
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
            summary: String::new(),
            field: None,
            keys: vec![],
            series_field: None,
            series_keys: vec![],
            selected: vec![],
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
