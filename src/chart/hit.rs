//! Hit-testing: which datum of a chart is under a click.
//!
//! [`draw`](super::draw) records, for every mark it draws, the rectangle plotters gave
//! it in backend pixels (through the chart's own coordinate mapping,
//! `ChartContext::backend_coord`), so a click is mapped back to the data by the same
//! arithmetic that placed the mark, never by guessing pixels in the page:
//!
//! ```text
//!   backend pixels (canvas: CSS px x device pixel ratio)
//!   +-------------------------------------------+
//!   |  [#] Spend   [#] Revenue      <- Legend    |
//!   |   +--+                                     |
//!   |   |  |+--+        +--+        <- Bar       |
//!   |   |  ||  |        |  |+--+                 |
//!   +---+--++--+--------+--++--+-----------------+
//! ```
//!
//! ```
//! use bi_platform::chart::{draw, hit, Chart, Kind, Series, Unit};
//! use plotters::prelude::SVGBackend;
//! let chart = Chart { id: "x".into(), title: "Spend".into(), kind: Kind::Bars,
//!     x_label: "Channel".into(), y_label: "Amount ($)".into(), unit: Unit::Money, log: false,
//!     categories: vec!["Search".into()], notes: vec![],
//!     series: vec![Series { name: "Spend".into(), values: vec![Some(12.5)] }],
//!     summary: String::new(), field: None, keys: vec![], series_field: None, series_keys: vec![], selected: vec![] };
//! let mut svg = String::new();
//! let map = draw(&chart, SVGBackend::with_string(&mut svg, (400, 300)), 1.0).unwrap();
//! let bar = map.regions[0];
//! let datum = hit(&chart, &map, bar.centre().0 as f64, bar.centre().1 as f64).unwrap();
//! assert_eq!(datum.category.as_deref(), Some("Search"));
//! assert!(hit(&chart, &map, 1.0, 1.0).is_none());
//! ```

use super::Chart;
use crate::query::field::Field;
use serde::{Deserialize, Serialize};

/// What kind of mark a region is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// A bar: a category's value of one series.
    Bar,
    /// A point of a line: a category's value of one series.
    Point,
    /// A series' entry in the legend (its key and name).
    Legend,
}

/// One drawn mark: its rectangle in backend pixels (`x0 <= x1`, `y0 <= y1`, edges
/// included) and the datum it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
    pub mark: Mark,
    /// The category's index (`None` for a legend entry).
    pub category: Option<usize>,
    /// The series' index.
    pub series: usize,
}

impl Region {
    /// The region of the rectangle with corners `a` and `b` (in any order).
    pub(super) fn new(
        a: (i32, i32),
        b: (i32, i32),
        mark: Mark,
        category: Option<usize>,
        series: usize,
    ) -> Self {
        Region {
            x0: a.0.min(b.0),
            y0: a.1.min(b.1),
            x1: a.0.max(b.0),
            y1: a.1.max(b.1),
            mark,
            category,
            series,
        }
    }

    /// Its centre pixel.
    pub fn centre(&self) -> (i32, i32) {
        ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)
    }

    fn contains(&self, x: f64, y: f64) -> bool {
        x >= f64::from(self.x0)
            && x <= f64::from(self.x1)
            && y >= f64::from(self.y0)
            && y <= f64::from(self.y1)
    }

    fn distance2(&self, x: f64, y: f64) -> f64 {
        let (cx, cy) = self.centre();
        (f64::from(cx) - x).powi(2) + (f64::from(cy) - y).powi(2)
    }
}

/// Where a drawing put its marks: what [`draw`](super::draw) returns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HitMap {
    /// The scale the chart was drawn at (the device pixel ratio on a canvas): a click at
    /// CSS pixel `(x, y)` is backend pixel `(x * scale, y * scale)`.
    pub scale: f64,
    /// Every mark, in drawing order.
    pub regions: Vec<Region>,
}

/// The datum under a click, and the filter it means.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Datum {
    /// The chart's id.
    pub chart: String,
    pub mark: Mark,
    pub category_index: Option<usize>,
    /// The category's text as drawn (`None` for a legend entry).
    pub category: Option<String>,
    pub series_index: usize,
    pub series: String,
    /// The value drawn (`None` for a legend entry).
    pub value: Option<f64>,
    /// The filter a click adds to: a bar or point's category (a date, a tenant, a
    /// channel, a month, a funnel stage), a legend entry's series (a tenant); `None`
    /// when the mark is not a value of any filter (a measure's legend entry, "Others",
    /// an ROI bucket).
    pub field: Option<Field>,
    /// The value of `field` ("2024-11" for the category "Nov 24").
    pub key: Option<String>,
}

/// The datum under backend pixel `(x, y)` of `chart` as drawn into `map`: a bar or
/// point before a legend entry; among points within reach, the nearest. `None` over a
/// gap, an axis or the title.
pub fn hit(chart: &Chart, map: &HitMap, x: f64, y: f64) -> Option<Datum> {
    let best = map
        .regions
        .iter()
        .filter(|r| r.contains(x, y))
        .min_by(|a, b| {
            let rank = |r: &Region| u8::from(r.mark == Mark::Legend);
            rank(a)
                .cmp(&rank(b))
                .then(a.distance2(x, y).total_cmp(&b.distance2(x, y)))
        })?;
    let series = chart.series.get(best.series)?;
    let (filter, category, value) = match best.category {
        Some(c) => (
            chart.category_filter(c),
            Some(chart.categories.get(c)?.clone()),
            series.values.get(c).copied().flatten(),
        ),
        None => (chart.series_filter(best.series), None, None),
    };
    Some(Datum {
        chart: chart.id.clone(),
        mark: best.mark,
        category_index: best.category,
        category,
        series_index: best.series,
        series: series.name.clone(),
        value,
        field: filter.map(|f| f.0),
        key: filter.map(|f| f.1.to_string()),
    })
}

/// [`hit`] at a click's CSS pixel `(x, y)` on a canvas drawn at `map.scale`.
pub fn hit_css(chart: &Chart, map: &HitMap, x: f64, y: f64) -> Option<Datum> {
    let s = if map.scale > 0.0 { map.scale } else { 1.0 };
    hit(chart, map, x * s, y * s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::{charts, draw, Kind, Series, Unit};
    use crate::{Query, Warehouse};
    use plotters::prelude::SVGBackend;
    use proptest::prelude::*;

    fn render(chart: &Chart, scale: f64) -> (String, HitMap) {
        let mut out = String::new();
        let size = ((640.0 * scale) as u32, (360.0 * scale) as u32);
        let map = draw(chart, SVGBackend::with_string(&mut out, size), scale).unwrap();
        (out, map)
    }

    fn warehouse() -> Warehouse {
        let mut w = Warehouse::new();
        w.load(
            "c.csv",
            b"tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product\n\
              t1,c1,A - Search,2024-10-30,10000,500,50,100.00,300.00,North,P\n\
              t1,c2,B - Video,2024-11-02,8000,300,20,200.00,150.00,North,P\n\
              t2,c1,A - Search,2024-11-02,9000,400,40,120.00,400.00,South,P\n\
              t3,c9,C - Email,2024-11-03,9000,400,40,50.00,40.00,South,P\n",
        );
        w.load(
            "t.csv",
            b"tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend\n\
              t1,North,P,2024,10,500,10,100\nt1,North,P,2024,11,500,10,100\n",
        );
        w
    }

    /// The `<rect>`s of an SVG as (x, y, width, height, fill).
    fn rects(svg: &str) -> Vec<(i32, i32, i32, i32, String)> {
        let attr = |tag: &str, name: &str| -> Option<String> {
            let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
            Some(tag[at..].split('"').next()?.to_string())
        };
        svg.split("<rect")
            .skip(1)
            .filter_map(|t| {
                let t = t.split("/>").next()?;
                let n = |k| attr(t, k)?.parse::<f64>().ok().map(|v| v.round() as i32);
                Some((
                    n("x")?,
                    n("y")?,
                    n("width")?,
                    n("height")?,
                    attr(t, "fill")?,
                ))
            })
            .collect()
    }

    #[test]
    fn every_bar_is_a_rectangle_plotters_drew_and_its_centre_hits_its_datum() {
        let w = warehouse();
        for chart in charts(&w, &Query::default()).unwrap() {
            if chart.kind == Kind::Line {
                continue;
            }
            let (svg, map) = render(&chart, 1.0);
            let drawn = rects(&svg);
            let bars: Vec<&Region> = map.regions.iter().filter(|r| r.mark == Mark::Bar).collect();
            let values = chart.series.iter().flat_map(|s| s.values.iter());
            let plotted = values.filter(|v| v.is_some_and(|v| !chart.log || v >= 1.0));
            assert_eq!(bars.len(), plotted.count(), "{}", chart.id);
            for bar in bars {
                // Plotters drew a rectangle exactly there (SVG rects span x0..=x1).
                assert!(
                    drawn
                        .iter()
                        .any(|(x, y, w, h, _)| (*x, *y) == (bar.x0, bar.y0)
                            && (x + w - 1 - bar.x1).abs() <= 1
                            && (y + h - 1 - bar.y1).abs() <= 1),
                    "{}: no rect at {bar:?}",
                    chart.id
                );
                let (cx, cy) = bar.centre();
                let datum = hit(&chart, &map, f64::from(cx), f64::from(cy)).unwrap();
                let c = bar.category.unwrap();
                assert_eq!(
                    (datum.category_index, datum.series_index, datum.mark),
                    (Some(c), bar.series, Mark::Bar),
                    "{}",
                    chart.id
                );
                assert_eq!(datum.category.as_deref(), Some(&chart.categories[c][..]));
                assert_eq!(datum.value, chart.series[bar.series].values[c]);
                assert_eq!(
                    datum.field.zip(datum.key.as_deref()),
                    chart.category_filter(c)
                );
            }
        }
    }

    #[test]
    fn gaps_between_and_above_bars_hit_nothing() {
        let w = warehouse();
        let all = charts(&w, &Query::default()).unwrap();
        for id in ["channels", "attainment", "funnel", "tenants"] {
            let chart = all.iter().find(|c| c.id == id).unwrap();
            let (_, map) = render(chart, 1.0);
            let mut bars: Vec<&Region> =
                map.regions.iter().filter(|r| r.mark == Mark::Bar).collect();
            let horizontal = chart.kind == Kind::HBars;
            bars.sort_by_key(|r| if horizontal { r.y0 } else { r.x0 });
            let mut gaps = 0;
            for pair in bars.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                // Midway between neighbouring bars, at the height of the first.
                let (x, y) = if horizontal {
                    (a.x0 + 2, (a.y1 + b.y0) / 2)
                } else {
                    ((a.x1 + b.x0) / 2, a.y1 - 1)
                };
                let between = if horizontal {
                    a.y1 < y && y < b.y0
                } else {
                    a.x1 < x && x < b.x0
                };
                if between {
                    gaps += 1;
                    assert!(
                        hit(chart, &map, f64::from(x), f64::from(y)).is_none(),
                        "{id} at {x},{y}"
                    );
                }
            }
            assert!(
                gaps + 1 >= bars.len().min(2),
                "{id}: no gap between its {} bars",
                bars.len()
            );
            // Far off the bars: the corners of the drawing.
            assert!(hit(chart, &map, 2.0, 358.0).is_none(), "{id}");
            assert!(hit(chart, &map, 638.0, 358.0).is_none(), "{id}");
        }
    }

    #[test]
    fn legend_entries_hit_their_series_and_name_their_filter() {
        let w = warehouse();
        for chart in charts(&w, &Query::default()).unwrap() {
            let (_, map) = render(&chart, 1.0);
            let legend: Vec<&Region> = map
                .regions
                .iter()
                .filter(|r| r.mark == Mark::Legend)
                .collect();
            if chart.series.len() > 1 || chart.kind == Kind::Line {
                assert_eq!(legend.len(), chart.series.len(), "{}", chart.id);
            }
            for entry in legend {
                let (cx, cy) = entry.centre();
                let datum = hit(&chart, &map, f64::from(cx), f64::from(cy)).unwrap();
                assert_eq!(
                    (datum.mark, datum.series_index),
                    (Mark::Legend, entry.series)
                );
                assert_eq!(datum.series, chart.series[entry.series].name);
                assert_eq!(
                    datum.field.zip(datum.key.as_deref()),
                    chart.series_filter(entry.series)
                );
            }
        }
        // The per-tenant trend's legend filters tenants, the trend's measures nothing.
        let all = charts(&w, &Query::default()).unwrap();
        let tenant_trend = all.iter().find(|c| c.id == "tenant_trend").unwrap();
        assert_eq!(tenant_trend.series_filter(0).unwrap().0, Field::Tenants);
        let trend = all.iter().find(|c| c.id == "trend").unwrap();
        assert_eq!(trend.series_filter(0), None);
    }

    #[test]
    fn line_points_hit_their_date_at_any_device_pixel_ratio() {
        let w = warehouse();
        let all = charts(&w, &Query::default()).unwrap();
        let chart = all.iter().find(|c| c.id == "trend").unwrap();
        for scale in [1.0, 2.0, 1.5] {
            let (_, map) = render(chart, scale);
            let points: Vec<&Region> = map
                .regions
                .iter()
                .filter(|r| r.mark == Mark::Point)
                .collect();
            assert_eq!(points.len(), chart.series.len() * chart.categories.len());
            for p in points {
                let (cx, cy) = p.centre();
                // A click in CSS pixels, as the page sends it.
                let datum =
                    hit_css(chart, &map, f64::from(cx) / scale, f64::from(cy) / scale).unwrap();
                let c = p.category.unwrap();
                assert_eq!(datum.category_index, Some(c));
                assert_eq!(datum.value, chart.series[datum.series_index].values[c]);
                assert_eq!(
                    (datum.field, datum.key.as_deref()),
                    (Some(Field::Dates), Some(&chart.categories[c][..]))
                );
            }
        }
    }

    #[test]
    fn months_tenants_and_others_map_to_their_filter_values() {
        let w = warehouse();
        let all = charts(&w, &Query::default()).unwrap();
        let attainment = all.iter().find(|c| c.id == "attainment").unwrap();
        assert_eq!(attainment.categories, vec!["Oct 24", "Nov 24"]);
        assert_eq!(
            attainment.category_filter(1),
            Some((Field::Months, "2024-11"))
        );
        let funnel = all.iter().find(|c| c.id == "funnel").unwrap();
        assert_eq!(
            funnel.category_filter(2),
            Some((Field::Stages, "Conversions"))
        );
        let mut csv = String::from(
            "tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n",
        );
        for t in 0..14 {
            csv.push_str(&format!("t{t:02},c,2024-11-01,100,10,1,1.00,{t}.00\n"));
        }
        let mut many = Warehouse::new();
        many.load("c.csv", csv.as_bytes());
        let all = charts(&many, &Query::default()).unwrap();
        let tenants = all.iter().find(|c| c.id == "tenants").unwrap();
        let others = tenants.categories.len() - 1;
        assert!(tenants.categories[others].starts_with("Others"));
        assert_eq!(tenants.category_filter(others), None);
        assert_eq!(tenants.category_filter(0), Some((Field::Tenants, "t13")));
    }

    fn random_chart() -> impl Strategy<Value = Chart> {
        (
            prop_oneof![Just(Kind::Bars), Just(Kind::HBars)],
            1..14usize,
            1..5usize,
            any::<bool>(),
        )
            .prop_flat_map(|(kind, n, m, log)| {
                let value = prop::option::weighted(0.85, -50.0f64..5000.0);
                (
                    Just(kind),
                    Just(n),
                    Just(log),
                    prop::collection::vec(prop::collection::vec(value, n), m),
                )
            })
            .prop_map(|(kind, n, log, values)| Chart {
                id: "random".into(),
                title: "Random".into(),
                kind,
                x_label: "Category".into(),
                y_label: "Amount ($)".into(),
                unit: Unit::Money,
                log,
                categories: (0..n).map(|i| format!("c{i}")).collect(),
                series: values
                    .into_iter()
                    .enumerate()
                    .map(|(i, values)| Series {
                        name: format!("s{i}"),
                        values,
                    })
                    .collect(),
                notes: vec![],
                summary: String::new(),
                field: Some(Field::Channels),
                keys: (0..n).map(|i| format!("c{i}")).collect(),
                series_field: None,
                series_keys: vec![],
                selected: vec![],
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Whatever the data: each bar a click can reach (wider and taller than a pixel)
        /// hits exactly its own category and series, and no two bars overlap.
        #[test]
        fn random_bars_hit_their_own_datum(chart in random_chart()) {
            let (_, map) = render(&chart, 1.0);
            let bars: Vec<&Region> = map.regions.iter().filter(|r| r.mark == Mark::Bar).collect();
            for (k, a) in bars.iter().enumerate() {
                for b in &bars[k + 1..] {
                    let overlap = a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
                    prop_assert!(!overlap, "{a:?} overlaps {b:?}");
                }
                if a.x1 - a.x0 < 2 || a.y1 - a.y0 < 2 {
                    continue;
                }
                let (cx, cy) = a.centre();
                let datum = hit(&chart, &map, f64::from(cx), f64::from(cy)).unwrap();
                prop_assert_eq!((datum.category_index, datum.series_index), (a.category, a.series));
                let c = a.category.unwrap();
                prop_assert_eq!(datum.key.as_deref(), Some(&chart.categories[c][..]));
            }
        }
    }
}
