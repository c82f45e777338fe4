//! The chart data the page draws: kinds, units, series, a chart, and the sentence that
//! summarises it for a screen reader and the table beside it.

use crate::query::field::Field;
use serde::{Deserialize, Serialize};

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

impl Chart {
    pub(super) fn new(
        id: &str,
        title: &str,
        kind: Kind,
        x_label: &str,
        y_label: &str,
        unit: Unit,
    ) -> Self {
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
    pub(super) fn filtering(mut self, field: Field) -> Self {
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
    pub(super) fn described(mut self) -> Self {
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
