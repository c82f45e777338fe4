//! Pivot tables over `fact_campaigns` (issue 13): any dimensions in rows and columns, any
//! measures, subtotals, grand totals, sorting and top-N with "Others", always under a
//! [`Query`]'s tenant scope and filters.
//!
//! The fields and measures are declared once ([`catalog`]); the page builds its choosers
//! from that table and sends back their ids. A pivot is computed like the dashboards:
//!
//! 1. each field maps a fact row to a small dense code (a dictionary key, a date bucket
//!    relative to the first fact date, a performance category), and the codes of all
//!    fields combine in mixed radix into one group number, looked up in a dense table
//!    when the product of the fields' cardinalities is small (the usual case) or a hash
//!    map otherwise;
//! 2. one pass over the rows in scope ([`Scope::for_each_campaign_row`]) adds each row to
//!    its group's accumulators: row count, and for each numeric column the measures need,
//!    its exact integer sum (money in millionths, `i128`), min, max and distinct values;
//! 3. the groups fold into the row and column trees (every prefix of the row fields by
//!    every prefix of the column fields), so subtotals and grand totals are sums of the
//!    same integers as the cells and add up exactly; ratios (CTR, ROI, ...) are computed
//!    from those sums, never averaged.
//!
//! ```
//! use bi_platform::pivot::{pivot, PivotRequest};
//! use bi_platform::{Query, Warehouse};
//! let mut w = Warehouse::new();
//! w.load("c.csv", b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
//!                  a,c1,2024-11-01,100,10,1,1.00,3.00\na,c2,2024-12-01,300,20,2,2.50,1.00\n");
//! let request: PivotRequest = serde_json::from_str(
//!     r#"{"rows": ["tenant"], "columns": ["month"], "measures": ["sum:clicks", "ctr"]}"#).unwrap();
//! let result = pivot(&w, &Query::default(), &request).unwrap();
//! // Two months and their total, each with two measures.
//! assert_eq!(result.columns.len(), 6);
//! // The tenant's row, then the grand total.
//! assert_eq!(result.rows.len(), 2);
//! assert_eq!(result.cells[0][4].as_f64(), Some(30.0));
//! assert_eq!(result.cells[0][5].as_f64(), Some(30.0 / 400.0));
//! ```

use crate::model::date::{iso_week, quarter_of_month, ymd_from_day, Day};
use crate::model::dict::{Dictionary, NULL_KEY};
use crate::model::keys::{Key, KeyColumn};
use crate::model::star::StarSchema;
use crate::query::result::Value;
use crate::query::{Query, QueryError, QuerySource, Scope};
use crate::transform::metrics::{conversion_rate, ctr, money_per, roas, roi, PerformanceCategory};
use crate::with_keys;
use foldhash::fast::RandomState;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use thiserror::Error;

/// Extra columns with at most this many distinct values are offered as fields.
pub const MAX_EXTRA_VALUES: usize = 1_000;
/// Cells (row headers x column headers, subtotals included) a pivot may have at most:
/// past it the page could not lay it out in interactive time (a table of 200,000 cells
/// is already seconds of layout), and the accumulators of every cell would take hundreds
/// of megabytes of the page's 4 GiB; top-N or fewer fields bring it back.
pub const MAX_CELLS: usize = 200_000;
/// Fields in rows and columns together, at most.
pub const MAX_FIELDS: usize = 6;
/// Group numbers below this are group indexes themselves (the accumulators hold every
/// possible group, most of them used when the fields' values are few).
const DIRECT_GROUPS: u64 = 1 << 12;
/// Group numbers below this are looked up in a dense table (4 bytes each: 16 MiB).
const MAX_DENSE_GROUPS: u64 = 1 << 22;
/// Days spanned at most by a date field's per-day lookup table.
const MAX_DATE_TABLE: i64 = 200_000;

/// How a header or a cell is meant to be shown (the page formats by type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    Text,
    Integer,
    /// A plain number that is not a whole count (an average of counts).
    Number,
    Money,
    /// A fraction shown as a percentage (CTR 0.05 is 5%).
    Ratio,
    Date,
}

/// A date grain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grain {
    Day,
    /// ISO 8601 week (`2024-W05`).
    Week,
    Month,
    Quarter,
    Year,
}

/// A dimension a pivot can group by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Field {
    Tenant,
    Campaign,
    CampaignName,
    Channel,
    Region,
    Product,
    /// The performance category of each row (by its own ROI).
    Performance,
    Date(Grain),
    /// An extra column of the campaigns file, by name.
    Extra(String),
}

const FIXED_FIELDS: [(Field, &str, &str, ValueType); 13] = [
    (Field::Tenant, "tenant", "Tenant", ValueType::Text),
    (Field::Campaign, "campaign", "Campaign ID", ValueType::Text),
    (
        Field::CampaignName,
        "campaign_name",
        "Campaign",
        ValueType::Text,
    ),
    (Field::Channel, "channel", "Channel", ValueType::Text),
    (Field::Region, "region", "Region", ValueType::Text),
    (Field::Product, "product", "Product", ValueType::Text),
    (
        Field::Performance,
        "performance",
        "Performance",
        ValueType::Text,
    ),
    (Field::Date(Grain::Day), "day", "Day", ValueType::Date),
    (
        Field::Date(Grain::Week),
        "week",
        "ISO week",
        ValueType::Text,
    ),
    (Field::Date(Grain::Month), "month", "Month", ValueType::Text),
    (
        Field::Date(Grain::Quarter),
        "quarter",
        "Quarter",
        ValueType::Text,
    ),
    (Field::Date(Grain::Year), "year", "Year", ValueType::Integer),
    // Placeholder row for extras' type and label prefix; never matched by id.
    (Field::Extra(String::new()), "extra:", "", ValueType::Text),
];

impl Field {
    /// The field's id: its name in requests (`extra:NAME` for an extra column).
    pub fn id(&self) -> String {
        match self {
            Field::Extra(name) => format!("extra:{name}"),
            f => FIXED_FIELDS
                .iter()
                .find(|(g, ..)| g == f)
                .map_or_else(String::new, |(_, id, ..)| id.to_string()),
        }
    }

    /// The field of an id.
    pub fn from_id(id: &str) -> Result<Field, PivotError> {
        if let Some(name) = id.strip_prefix("extra:") {
            return Ok(Field::Extra(name.to_string()));
        }
        FIXED_FIELDS
            .iter()
            .find(|(f, i, ..)| *i == id && !matches!(f, Field::Extra(_)))
            .map(|(f, ..)| f.clone())
            .ok_or_else(|| PivotError::UnknownField(id.to_string()))
    }

    fn label(&self) -> String {
        match self {
            Field::Extra(name) => name.clone(),
            f => FIXED_FIELDS
                .iter()
                .find(|(g, ..)| g == f)
                .map_or_else(String::new, |(.., label, _)| label.to_string()),
        }
    }

    fn value_type(&self) -> ValueType {
        FIXED_FIELDS
            .iter()
            .find(|(g, ..)| g == self)
            .map_or(ValueType::Text, |(.., t)| *t)
    }
}

impl Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.id())
    }
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id = String::deserialize(d)?;
        Field::from_id(&id).map_err(serde::de::Error::custom)
    }
}

/// A numeric column of the facts a measure reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    Impressions,
    Clicks,
    Conversions,
    Spend,
    Revenue,
    /// Revenue minus spend, per row.
    Profit,
}

const SOURCES: [(Source, &str, &str, bool); 6] = [
    (Source::Impressions, "impressions", "Impressions", false),
    (Source::Clicks, "clicks", "Clicks", false),
    (Source::Conversions, "conversions", "Conversions", false),
    (Source::Spend, "spend", "Spend", true),
    (Source::Revenue, "revenue", "Revenue", true),
    (Source::Profit, "profit", "Profit", true),
];

impl Source {
    fn entry(self) -> &'static (Source, &'static str, &'static str, bool) {
        SOURCES
            .iter()
            .find(|(s, ..)| *s == self)
            .expect("every source is declared")
    }

    fn is_money(self) -> bool {
        self.entry().3
    }

    /// The row's value (money in millionths).
    #[inline(always)]
    fn value(self, star: &StarSchema, row: usize) -> i64 {
        let f = &star.campaigns;
        match self {
            Source::Impressions => i64::from(f.impressions[row]),
            Source::Clicks => i64::from(f.clicks[row]),
            Source::Conversions => i64::from(f.conversions[row]),
            Source::Spend => f.spend[row],
            Source::Revenue => f.revenue[row],
            Source::Profit => f.revenue[row] - f.spend[row],
        }
    }
}

/// How a measure aggregates its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Aggregate {
    Sum,
    Avg,
    Min,
    Max,
    CountDistinct,
}

const AGGREGATES: [(Aggregate, &str, &str); 5] = [
    (Aggregate::Sum, "sum", "Sum of"),
    (Aggregate::Avg, "avg", "Average"),
    (Aggregate::Min, "min", "Min"),
    (Aggregate::Max, "max", "Max"),
    (Aggregate::CountDistinct, "distinct", "Distinct"),
];

/// A ratio computed from sums (the right way: CTR = sum(clicks) / sum(impressions)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ratio {
    Ctr,
    ConversionRate,
    Roi,
    Roas,
    Cpc,
    Cpa,
}

const RATIOS: [(Ratio, &str, &str, ValueType); 6] = [
    (Ratio::Ctr, "ctr", "CTR", ValueType::Ratio),
    (
        Ratio::ConversionRate,
        "conversion_rate",
        "Conversion rate",
        ValueType::Ratio,
    ),
    (Ratio::Roi, "roi", "ROI", ValueType::Ratio),
    (Ratio::Roas, "roas", "ROAS", ValueType::Ratio),
    (Ratio::Cpc, "cpc", "CPC", ValueType::Money),
    (Ratio::Cpa, "cpa", "CPA", ValueType::Money),
];

impl Ratio {
    /// The sums it is computed from.
    fn inputs(self) -> [Source; 2] {
        match self {
            Ratio::Ctr => [Source::Clicks, Source::Impressions],
            Ratio::ConversionRate => [Source::Conversions, Source::Clicks],
            Ratio::Roi | Ratio::Roas => [Source::Spend, Source::Revenue],
            Ratio::Cpc => [Source::Spend, Source::Clicks],
            Ratio::Cpa => [Source::Spend, Source::Conversions],
        }
    }
}

/// A measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    /// Fact rows.
    Rows,
    Column(Aggregate, Source),
    Ratio(Ratio),
}

impl Measure {
    /// Every measure, in the choosers' order.
    pub fn all() -> Vec<Measure> {
        let mut all = vec![Measure::Rows];
        for (source, ..) in SOURCES {
            for (aggregate, ..) in AGGREGATES {
                all.push(Measure::Column(aggregate, source));
            }
        }
        all.extend(RATIOS.iter().map(|(r, ..)| Measure::Ratio(*r)));
        all
    }

    /// The measure's id (`rows`, `sum:spend`, `ctr`, ...).
    pub fn id(&self) -> String {
        match self {
            Measure::Rows => "rows".into(),
            Measure::Column(a, s) => {
                let a = AGGREGATES
                    .iter()
                    .find(|(x, ..)| x == a)
                    .expect("declared")
                    .1;
                format!("{a}:{}", s.entry().1)
            }
            Measure::Ratio(r) => RATIOS
                .iter()
                .find(|(x, ..)| x == r)
                .expect("declared")
                .1
                .into(),
        }
    }

    /// The measure of an id.
    pub fn from_id(id: &str) -> Result<Measure, PivotError> {
        Measure::all()
            .into_iter()
            .find(|m| m.id() == id)
            .ok_or_else(|| PivotError::UnknownMeasure(id.to_string()))
    }

    /// Its name for people.
    pub fn label(&self) -> String {
        match self {
            Measure::Rows => "Rows".into(),
            Measure::Column(a, s) => {
                let a = AGGREGATES
                    .iter()
                    .find(|(x, ..)| x == a)
                    .expect("declared")
                    .2;
                format!("{a} {}", s.entry().2.to_lowercase())
            }
            Measure::Ratio(r) => RATIOS
                .iter()
                .find(|(x, ..)| x == r)
                .expect("declared")
                .2
                .into(),
        }
    }

    /// The type of its values.
    pub fn value_type(&self) -> ValueType {
        match self {
            Measure::Rows | Measure::Column(Aggregate::CountDistinct, _) => ValueType::Integer,
            Measure::Column(_, s) if s.is_money() => ValueType::Money,
            Measure::Column(Aggregate::Avg, _) => ValueType::Number,
            Measure::Column(..) => ValueType::Integer,
            Measure::Ratio(r) => RATIOS.iter().find(|(x, ..)| x == r).expect("declared").3,
        }
    }
}

impl Serialize for Measure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.id())
    }
}

impl<'de> Deserialize<'de> for Measure {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id = String::deserialize(d)?;
        Measure::from_id(&id).map_err(serde::de::Error::custom)
    }
}

/// The row order: by the row headers (`column: null`), or by one value column of the
/// result (an index into [`PivotResult::columns`]). Siblings are ordered under their
/// parent, so subtotals stay below their rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PivotSort {
    pub column: Option<usize>,
    pub desc: bool,
}

/// Keep the `n` values of the outermost row field with the largest `measure` (an index
/// into the request's measures, over the whole scope); the others fold into one
/// "Others" row, still broken down by the inner fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopN {
    pub n: usize,
    #[serde(default)]
    pub measure: usize,
}

/// What to pivot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PivotRequest {
    pub rows: Vec<Field>,
    pub columns: Vec<Field>,
    pub measures: Vec<Measure>,
    pub sort: PivotSort,
    pub top_n: Option<TopN>,
}

/// A pivot that cannot be computed, and what to change.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PivotError {
    #[error("unknown pivot field '{0}'; the fields are listed by the pivot catalog")]
    UnknownField(String),
    #[error("unknown pivot measure '{0}'; the measures are listed by the pivot catalog")]
    UnknownMeasure(String),
    #[error("'{0}' has too many distinct values to pivot by (more than {MAX_EXTRA_VALUES}), or is not a column of the campaigns file")]
    UnusableExtra(String),
    #[error("'{0}' is used twice; a field can be in rows or columns once")]
    Repeated(String),
    #[error("a pivot takes at most {MAX_FIELDS} fields in rows and columns together")]
    TooManyFields,
    #[error("pick at least one measure")]
    NoMeasure,
    #[error("top N ranks by measure {0}, but the pivot has {1} measures")]
    BadTopMeasure(usize, usize),
    #[error("sort by column {0}, but the pivot has {1} value columns")]
    BadSortColumn(usize, usize),
    #[error("the pivot would have {rows} rows by {columns} columns, more than {MAX_CELLS} cells: keep the top N, move a field from columns to rows, or remove a field")]
    TooLarge { rows: usize, columns: usize },
    #[error(transparent)]
    Query(#[from] QueryError),
}

/// A field or measure as the page offers it.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogEntry {
    pub id: String,
    pub label: String,
    #[serde(rename = "type")]
    pub value_type: ValueType,
    /// For a column measure: the column it reads, so the page can group measures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<&'static str>,
}

/// Every field and measure of a warehouse (extra columns depend on what was loaded).
#[derive(Debug, Clone, Serialize)]
pub struct Catalog {
    pub fields: Vec<CatalogEntry>,
    pub measures: Vec<CatalogEntry>,
}

/// The fields and measures the warehouse offers: the fixed dimensions, every extra
/// column of the campaigns with at most [`MAX_EXTRA_VALUES`] distinct values, and every
/// measure.
pub fn catalog(star: &StarSchema) -> Catalog {
    let mut fields: Vec<CatalogEntry> = FIXED_FIELDS
        .iter()
        .filter(|(f, ..)| !matches!(f, Field::Extra(_)))
        .map(|(_, id, label, t)| CatalogEntry {
            id: id.to_string(),
            label: label.to_string(),
            value_type: *t,
            group: None,
        })
        .collect();
    let extras = &star.campaigns.extras;
    for (i, name) in extras.names.iter().enumerate() {
        if extra_codes(star, i).is_some() {
            let field = Field::Extra(name.clone());
            fields.push(CatalogEntry {
                id: field.id(),
                label: field.label(),
                value_type: ValueType::Text,
                group: None,
            });
        }
    }
    let measures = Measure::all()
        .into_iter()
        .map(|m| CatalogEntry {
            id: m.id(),
            label: m.label(),
            value_type: m.value_type(),
            group: match m {
                Measure::Column(_, s) => Some(s.entry().1),
                _ => None,
            },
        })
        .collect();
    Catalog { fields, measures }
}

/// An extra column's codes: global value key -> dense local code, and the local codes'
/// values; `None` when it has more than [`MAX_EXTRA_VALUES`] distinct values.
fn extra_codes(star: &StarSchema, column: usize) -> Option<(Vec<u32>, Vec<u32>)> {
    let keys = &star.campaigns.extras.columns[column];
    let mut local = vec![NULL_KEY; star.campaigns.extras.values.len()];
    let mut values = Vec::new();
    for &k in keys {
        if k != NULL_KEY && local[k as usize] == NULL_KEY {
            if values.len() == MAX_EXTRA_VALUES {
                return None;
            }
            local[k as usize] = values.len() as u32;
            values.push(k);
        }
    }
    Some((local, values))
}

/// A field resolved against the warehouse: how a row maps to a code in `0..card`.
enum Axis<'w> {
    /// A dictionary-keyed column; code `dict.len()` is a missing value.
    Keys(&'w KeyColumn, &'w Dictionary),
    /// A `u32` dictionary-keyed column (campaign ids and names).
    Wide(&'w [u32], &'w Dictionary),
    Performance,
    /// A date bucket: code = bucket key - `first`; `table` maps a day (from `first_day`)
    /// to its code when the facts' span is short enough.
    Date {
        grain: Grain,
        first: i64,
        card: usize,
        first_day: Day,
        table: Vec<u32>,
    },
    /// An extra column: its keys, global key -> local code, local code -> global key.
    Extra {
        keys: &'w [u32],
        local: Vec<u32>,
        values: Vec<u32>,
        dict: &'w Dictionary,
    },
}

const PERFORMANCE: [PerformanceCategory; 5] = [
    PerformanceCategory::Excellent,
    PerformanceCategory::Good,
    PerformanceCategory::BreakEven,
    PerformanceCategory::Loss,
    PerformanceCategory::Unknown,
];

/// A date's bucket key, monotonic in the date.
fn bucket(grain: Grain, day: Day) -> i64 {
    match grain {
        Grain::Day => i64::from(day),
        Grain::Week => {
            // The Monday of the ISO week.
            let weekday = crate::model::date::iso_weekday(day) as i64;
            i64::from(day) - weekday + 1
        }
        Grain::Month | Grain::Quarter | Grain::Year => {
            let (y, m, _) = ymd_from_day(day);
            let y = i64::from(y);
            match grain {
                Grain::Month => y * 12 + i64::from(m) - 1,
                Grain::Quarter => y * 4 + i64::from(quarter_of_month(m)) - 1,
                _ => y,
            }
        }
    }
}

/// A header value: text of a dimension, a date bucket's name, a year, a day.
#[derive(Debug, Clone, PartialEq)]
pub enum Label<'w> {
    /// A missing value.
    Null,
    Text(&'w str),
    Owned(String),
    Int(i64),
    Date(Day),
}

impl Label<'_> {
    /// As text (CSV): dates ISO, a missing value empty.
    pub fn to_plain_string(&self) -> String {
        match self {
            Label::Null => String::new(),
            Label::Text(t) => t.to_string(),
            Label::Owned(t) => t.clone(),
            Label::Int(i) => i.to_string(),
            Label::Date(d) => crate::model::date::format_day(*d),
        }
    }

    fn is_text(&self) -> bool {
        matches!(self, Label::Text(_) | Label::Owned(_))
    }
}

impl Serialize for Label<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Label::Null => s.serialize_none(),
            Label::Int(i) => s.serialize_i64(*i),
            other => s.serialize_str(&other.to_plain_string()),
        }
    }
}

/// A bucket key's header.
fn bucket_label(grain: Grain, key: i64) -> Label<'static> {
    match grain {
        Grain::Day => Label::Date(key as Day),
        Grain::Week => {
            let (y, w) = iso_week(key as Day);
            Label::Owned(format!("{y:04}-W{w:02}"))
        }
        Grain::Month => Label::Owned(format!(
            "{:04}-{:02}",
            key.div_euclid(12),
            key.rem_euclid(12) + 1
        )),
        Grain::Quarter => Label::Owned(format!(
            "{:04}-Q{}",
            key.div_euclid(4),
            key.rem_euclid(4) + 1
        )),
        Grain::Year => Label::Int(key),
    }
}

impl<'w> Axis<'w> {
    fn new(star: &'w StarSchema, field: &Field) -> Result<Self, PivotError> {
        let f = &star.campaigns;
        let d = &star.dims;
        Ok(match field {
            Field::Tenant => Axis::Keys(&f.tenant, &d.tenant),
            Field::Region => Axis::Keys(&f.region, &d.region),
            Field::Product => Axis::Keys(&f.product, &d.product),
            Field::Channel => Axis::Keys(&f.channel, &d.channel),
            Field::Campaign => Axis::Wide(&f.campaign, &d.campaign),
            Field::CampaignName => Axis::Wide(&f.campaign_name, &d.campaign_name),
            Field::Performance => Axis::Performance,
            Field::Date(grain) => {
                let (first_day, last_day) = match (f.date.iter().min(), f.date.iter().max()) {
                    (Some(&a), Some(&b)) => (a, b),
                    _ => (0, 0),
                };
                let first = bucket(*grain, first_day);
                let card = (bucket(*grain, last_day) - first + 1) as usize;
                let table = if i64::from(last_day) - i64::from(first_day) < MAX_DATE_TABLE {
                    (first_day..=last_day)
                        .map(|day| (bucket(*grain, day) - first) as u32)
                        .collect()
                } else {
                    Vec::new()
                };
                Axis::Date {
                    grain: *grain,
                    first,
                    card,
                    first_day,
                    table,
                }
            }
            Field::Extra(name) => {
                let column = f
                    .extras
                    .names
                    .iter()
                    .position(|n| n == name)
                    .ok_or_else(|| PivotError::UnusableExtra(name.clone()))?;
                let (local, values) = extra_codes(star, column)
                    .ok_or_else(|| PivotError::UnusableExtra(name.clone()))?;
                Axis::Extra {
                    keys: &f.extras.columns[column],
                    local,
                    values,
                    dict: &f.extras.values,
                }
            }
        })
    }

    /// Codes are `0..card` (the last one of a keyed column is a missing value).
    fn card(&self) -> usize {
        match self {
            Axis::Keys(_, dict) | Axis::Wide(_, dict) => dict.len() + 1,
            Axis::Performance => PERFORMANCE.len(),
            Axis::Date { card, .. } => *card,
            Axis::Extra { values, .. } => values.len() + 1,
        }
    }

    /// The code of a fact row.
    #[inline(always)]
    fn code(&self, star: &StarSchema, row: usize) -> u32 {
        match self {
            Axis::Keys(column, dict) => column.get(row).min(dict.len() as u32),
            Axis::Wide(keys, dict) => keys[row].min(dict.len() as u32),
            Axis::Performance => {
                let f = &star.campaigns;
                match PerformanceCategory::of(f.spend[row], f.revenue[row]) {
                    PerformanceCategory::Excellent => 0,
                    PerformanceCategory::Good => 1,
                    PerformanceCategory::BreakEven => 2,
                    PerformanceCategory::Loss => 3,
                    PerformanceCategory::Unknown => 4,
                }
            }
            Axis::Date {
                grain,
                first,
                first_day,
                table,
                ..
            } => {
                let day = star.campaigns.date[row];
                match table.get((day - first_day) as usize) {
                    Some(&code) => code,
                    None => (bucket(*grain, day) - first) as u32,
                }
            }
            Axis::Extra {
                keys,
                local,
                values,
                ..
            } => match keys[row] {
                NULL_KEY => values.len() as u32,
                k => local[k as usize],
            },
        }
    }

    /// `numbers[i] = numbers[i] * radix + code` for each selected row: one loop per kind
    /// of field, the key column read at its stored width.
    fn fold_codes(
        &self,
        star: &StarSchema,
        selection: &Selection,
        numbers: &mut [u64],
        radix: u64,
    ) {
        /// The loop, compiled for each `code`.
        #[inline(always)]
        fn fold(
            selection: &Selection,
            numbers: &mut [u64],
            radix: u64,
            code: impl Fn(usize) -> u32,
        ) {
            selection.for_each(|i, row| numbers[i] = numbers[i] * radix + u64::from(code(row)));
        }
        match self {
            Axis::Keys(column, dict) => {
                let null = dict.len() as u32;
                with_keys!(column, |keys| fold(selection, numbers, radix, |r| keys[r]
                    .key()
                    .min(null)))
            }
            Axis::Date {
                first_day, table, ..
            } if !table.is_empty() => {
                let dates = &star.campaigns.date;
                fold(selection, numbers, radix, |r| {
                    table[(dates[r] - first_day) as usize]
                })
            }
            _ => fold(selection, numbers, radix, |r| self.code(star, r)),
        }
    }

    /// The header of a code ([`OTHERS`] is "Others"; a missing value is null).
    fn label(&self, code: u32) -> Label<'w> {
        let text = |t: Option<&'w str>| t.map_or(Label::Null, Label::Text);
        if code == OTHERS {
            return Label::Text("Others");
        }
        match self {
            Axis::Keys(_, dict) | Axis::Wide(_, dict) => text(dict.value(code)),
            Axis::Performance => Label::Text(PERFORMANCE[code as usize].label()),
            Axis::Date { grain, first, .. } => bucket_label(*grain, first + i64::from(code)),
            Axis::Extra { values, dict, .. } => {
                text(values.get(code as usize).and_then(|&k| dict.value(k)))
            }
        }
    }

    /// The order of two codes: text in byte order, dates and categories by code; a
    /// missing value, then "Others", last.
    fn compare(&self, a: u32, b: u32) -> Ordering {
        let last = |c: u32| match c {
            OTHERS => 2,
            c if c as usize == self.card() - 1 && self.has_null_code() => 1,
            _ => 0,
        };
        last(a).cmp(&last(b)).then_with(|| match self {
            Axis::Keys(..) | Axis::Wide(..) | Axis::Extra { .. } => {
                let text = |c| match self.label(c) {
                    Label::Text(t) => t.as_bytes(),
                    _ => &[],
                };
                text(a).cmp(text(b))
            }
            Axis::Performance | Axis::Date { .. } => a.cmp(&b),
        })
    }

    fn has_null_code(&self) -> bool {
        matches!(self, Axis::Keys(..) | Axis::Wide(..) | Axis::Extra { .. })
    }
}

/// The fact rows a pivot reads: all of them, or the list the scope lets through.
enum Selection {
    All(usize),
    Rows(Vec<u32>),
}

impl Selection {
    fn of(scope: &Scope<'_>) -> Selection {
        let star = scope.star;
        let mut rows = Vec::new();
        with_keys!(star.campaigns.tenant, |tenant| scope
            .for_each_campaign_row(tenant, |row| rows.push(row as u32)));
        if rows.len() == star.campaigns.len() {
            Selection::All(rows.len())
        } else {
            Selection::Rows(rows)
        }
    }

    fn len(&self) -> usize {
        match self {
            Selection::All(n) => *n,
            Selection::Rows(rows) => rows.len(),
        }
    }

    /// Calls `visit(i, row)` for the `i`th selected row, in storage order.
    #[inline(always)]
    fn for_each(&self, mut visit: impl FnMut(usize, usize)) {
        match self {
            Selection::All(n) => (0..*n).for_each(|row| visit(row, row)),
            Selection::Rows(rows) => {
                for (i, &row) in rows.iter().enumerate() {
                    visit(i, row as usize);
                }
            }
        }
    }
}

/// Group indexes of group numbers below `groups`: the numbers themselves when few (the
/// accumulators then hold every possible group), else dense indexes in first-seen order
/// through a lookup table, or a hash map when the table would be too large. Returns each
/// row's group and each group's number.
fn group_indexes(numbers: &[u64], groups: u64) -> (Vec<u32>, Vec<u64>) {
    if groups <= DIRECT_GROUPS {
        let group_of = numbers.iter().map(|&n| n as u32).collect();
        return (group_of, (0..groups).collect());
    }
    let mut group_numbers = Vec::new();
    let group_of = if groups <= MAX_DENSE_GROUPS {
        let mut table = vec![u32::MAX; groups as usize];
        numbers
            .iter()
            .map(|&n| {
                let slot = &mut table[n as usize];
                if *slot == u32::MAX {
                    *slot = group_numbers.len() as u32;
                    group_numbers.push(n);
                }
                *slot
            })
            .collect()
    } else {
        let mut map: HashMap<u64, u32, RandomState> = HashMap::default();
        numbers
            .iter()
            .map(|&n| {
                *map.entry(n).or_insert_with(|| {
                    group_numbers.push(n);
                    group_numbers.len() as u32 - 1
                })
            })
            .collect()
    };
    (group_of, group_numbers)
}

/// The code of the "Others" row of top-N.
const OTHERS: u32 = u32::MAX - 1;

/// The accumulators of a set of groups, column-major by source: row counts, and for each
/// source the measures read, exact sums, mins, maxs and distinct values.
#[derive(Debug, Default)]
struct Accs {
    sources: Vec<Source>,
    /// Sources (indexes into `sources`) whose distinct values are kept.
    distinct: Vec<usize>,
    min_max: bool,
    rows: Vec<u64>,
    sums: Vec<i128>,
    mins: Vec<i64>,
    maxs: Vec<i64>,
    sets: Vec<HashSet<i64, RandomState>>,
}

impl Accs {
    fn like(other: &Accs) -> Accs {
        Accs {
            sources: other.sources.clone(),
            distinct: other.distinct.clone(),
            min_max: other.min_max,
            ..Accs::default()
        }
    }

    fn len(&self) -> usize {
        self.rows.len()
    }

    /// Adds an empty group; returns its index.
    fn push(&mut self) -> usize {
        let w = self.sources.len();
        self.rows.push(0);
        self.sums.extend(std::iter::repeat_n(0, w));
        if self.min_max {
            self.mins.extend(std::iter::repeat_n(i64::MAX, w));
            self.maxs.extend(std::iter::repeat_n(i64::MIN, w));
        }
        for _ in &self.distinct {
            self.sets.push(HashSet::default());
        }
        self.rows.len() - 1
    }

    /// Adds the selected rows to their groups (`group_of[i]` is the group of the `i`th
    /// selected row): one loop per column.
    fn accumulate(&mut self, star: &StarSchema, selection: &Selection, group_of: &[u32]) {
        for &g in group_of {
            self.rows[g as usize] += 1;
        }
        let w = self.sources.len();
        let f = &star.campaigns;
        for i in 0..w {
            let source = self.sources[i];
            /// The loop, compiled for each column.
            #[inline(always)]
            fn add(
                selection: &Selection,
                group_of: &[u32],
                sums: &mut [i128],
                (w, i): (usize, usize),
                value: impl Fn(usize) -> i64,
            ) {
                selection.for_each(|at, row| {
                    sums[group_of[at] as usize * w + i] += i128::from(value(row));
                })
            }
            let (sums, at) = (&mut self.sums[..], (w, i));
            match source {
                Source::Impressions => add(selection, group_of, sums, at, |r| {
                    i64::from(f.impressions[r])
                }),
                Source::Clicks => add(selection, group_of, sums, at, |r| i64::from(f.clicks[r])),
                Source::Conversions => add(selection, group_of, sums, at, |r| {
                    i64::from(f.conversions[r])
                }),
                Source::Spend => add(selection, group_of, sums, at, |r| f.spend[r]),
                Source::Revenue => add(selection, group_of, sums, at, |r| f.revenue[r]),
                Source::Profit => add(selection, group_of, sums, at, |r| f.revenue[r] - f.spend[r]),
            }
            if self.min_max {
                let (mins, maxs) = (&mut self.mins, &mut self.maxs);
                selection.for_each(|at, row| {
                    let v = source.value(star, row);
                    let k = group_of[at] as usize * w + i;
                    mins[k] = mins[k].min(v);
                    maxs[k] = maxs[k].max(v);
                });
            }
        }
        let k = self.distinct.len();
        for (j, &i) in self.distinct.iter().enumerate() {
            let source = self.sources[i];
            let sets = &mut self.sets;
            selection.for_each(|at, row| {
                sets[group_of[at] as usize * k + j].insert(source.value(star, row));
            });
        }
    }

    /// Adds group `from` of `src` (accumulators of the same sources) into group `to`.
    fn merge(&mut self, to: usize, src: &Accs, from: usize) {
        let w = self.sources.len();
        self.rows[to] += src.rows[from];
        for i in 0..w {
            self.sums[to * w + i] += src.sums[from * w + i];
            if self.min_max {
                self.mins[to * w + i] = self.mins[to * w + i].min(src.mins[from * w + i]);
                self.maxs[to * w + i] = self.maxs[to * w + i].max(src.maxs[from * w + i]);
            }
        }
        let k = self.distinct.len();
        for j in 0..k {
            let (dst, from_set) = (to * k + j, &src.sets[from * k + j]);
            self.sets[dst].extend(from_set.iter().copied());
        }
    }

    fn at(&self, source: Source) -> usize {
        self.sources
            .iter()
            .position(|&s| s == source)
            .expect("the measure's sources are accumulated")
    }

    /// A measure of one group.
    fn measure(&self, group: usize, measure: Measure) -> Value<'static> {
        let w = self.sources.len();
        let rows = self.rows[group];
        let sum = |s: Source| self.sums[group * w + self.at(s)];
        match measure {
            Measure::Rows => Value::Int(rows as i64),
            Measure::Column(aggregate, source) => {
                let i = group * w + self.at(source);
                let exact = |v: i128| {
                    if source.is_money() {
                        Value::Money(v)
                    } else {
                        Value::Int(v as i64)
                    }
                };
                match aggregate {
                    // No rows: no min, max or average (as SQL answers); sums and counts are 0.
                    Aggregate::Min | Aggregate::Max | Aggregate::Avg if rows == 0 => Value::Null,
                    Aggregate::Sum => exact(self.sums[i]),
                    Aggregate::Min => exact(i128::from(self.mins[i])),
                    Aggregate::Max => exact(i128::from(self.maxs[i])),
                    Aggregate::Avg => {
                        let scale = if source.is_money() { 1e6 } else { 1.0 };
                        Value::float(Some(self.sums[i] as f64 / scale / rows as f64))
                    }
                    Aggregate::CountDistinct => {
                        let k = self.distinct.len();
                        let j = self
                            .distinct
                            .iter()
                            .position(|&d| self.sources[d] == source)
                            .expect("distinct values are kept");
                        Value::Int(self.sets[group * k + j].len() as i64)
                    }
                }
            }
            Measure::Ratio(ratio) => {
                let count = |s: Source| sum(s) as u64;
                Value::float(match ratio {
                    Ratio::Ctr => ctr(count(Source::Clicks), count(Source::Impressions)),
                    Ratio::ConversionRate => {
                        conversion_rate(count(Source::Conversions), count(Source::Clicks))
                    }
                    Ratio::Roi => roi(sum(Source::Spend), sum(Source::Revenue)),
                    Ratio::Roas => roas(sum(Source::Spend), sum(Source::Revenue)),
                    Ratio::Cpc => money_per(sum(Source::Spend), count(Source::Clicks)),
                    Ratio::Cpa => money_per(sum(Source::Spend), count(Source::Conversions)),
                })
            }
        }
    }
}

/// What kind of header a row or column of the result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeaderKind {
    /// A combination of every field's value.
    Leaf,
    /// The total of the values under a prefix of the fields.
    Subtotal,
    /// The grand total (or the only column when there are no column fields).
    Total,
}

/// A row of the result, or a group of value columns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Header<'w> {
    /// One value per field: the path down to this header, null below a subtotal's level.
    pub labels: Vec<Label<'w>>,
    /// How many fields the labels fix (0 for the grand total).
    pub level: usize,
    pub kind: HeaderKind,
}

/// One value column: a column header and a measure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueColumn<'w> {
    #[serde(flatten)]
    pub header: Header<'w>,
    /// Index into the request's measures.
    pub measure: usize,
    #[serde(rename = "type")]
    pub value_type: ValueType,
}

/// A field as the result names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldInfo {
    pub id: String,
    pub label: String,
    #[serde(rename = "type")]
    pub value_type: ValueType,
}

/// A computed pivot: row headers, value columns, and one cell per row and value column.
/// The last row is the grand total; subtotal rows follow the rows they total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PivotResult<'w> {
    pub row_fields: Vec<FieldInfo>,
    pub column_fields: Vec<FieldInfo>,
    pub measures: Vec<FieldInfo>,
    pub rows: Vec<Header<'w>>,
    pub columns: Vec<ValueColumn<'w>>,
    pub cells: Vec<Vec<Value<'static>>>,
    /// Fact rows in scope (the grand total's row count).
    pub fact_rows: u64,
}

/// A tree of header prefixes: node 0 is the root (the grand total).
struct Tree {
    /// (parent, level, code at that level) of each node; the root's parent is itself.
    nodes: Vec<(usize, usize, u32)>,
    children: Vec<Vec<usize>>,
    index: HashMap<(usize, u32), usize, RandomState>,
}

impl Tree {
    fn new() -> Tree {
        Tree {
            nodes: vec![(0, 0, 0)],
            children: vec![Vec::new()],
            index: HashMap::default(),
        }
    }

    /// The leaf node of a path of codes, adding its prefixes as needed.
    fn insert(&mut self, codes: &[u32]) -> usize {
        let mut node = 0;
        for (level, &code) in codes.iter().enumerate() {
            node = match self.index.get(&(node, code)) {
                Some(&n) => n,
                None => {
                    let n = self.nodes.len();
                    self.nodes.push((node, level + 1, code));
                    self.children.push(Vec::new());
                    self.children[node].push(n);
                    self.index.insert((node, code), n);
                    n
                }
            };
        }
        node
    }

    /// A node and its ancestors up to the root.
    fn ancestors(&self, mut node: usize) -> impl Iterator<Item = usize> + '_ {
        let mut done = false;
        std::iter::from_fn(move || {
            if done {
                return None;
            }
            let n = node;
            done = n == 0;
            node = self.nodes[n].0;
            Some(n)
        })
    }

    /// The codes from the root down to `node`.
    fn path(&self, node: usize) -> Vec<u32> {
        let mut path: Vec<u32> = self
            .ancestors(node)
            .filter(|&n| n != 0)
            .map(|n| self.nodes[n].2)
            .collect();
        path.reverse();
        path
    }

    /// Every node in display order: siblings ordered by `cmp`, a node's children before
    /// it (subtotals follow the rows they total), the root (the grand total) last.
    fn order(&self, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.nodes.len());
        // Depth-first without recursion: (node, children visited).
        let mut stack = vec![(0usize, false)];
        while let Some((n, visited)) = stack.pop() {
            if visited {
                out.push(n);
                continue;
            }
            stack.push((n, true));
            let mut children = self.children[n].clone();
            children.sort_by(|&a, &b| cmp(a, b));
            stack.extend(children.into_iter().rev().map(|c| (c, false)));
        }
        out
    }
}

/// Computes a pivot over `query`'s tenant scope and filters (its paging is ignored).
pub fn pivot<'w>(
    warehouse: &'w dyn QuerySource,
    query: &Query,
    request: &PivotRequest,
) -> Result<PivotResult<'w>, PivotError> {
    pivot_star(warehouse.star(), query, request)
}

/// [`pivot`] over a star schema.
pub fn pivot_star<'w>(
    star: &'w StarSchema,
    query: &Query,
    request: &PivotRequest,
) -> Result<PivotResult<'w>, PivotError> {
    let fields: Vec<&Field> = request.rows.iter().chain(&request.columns).collect();
    if fields.len() > MAX_FIELDS {
        return Err(PivotError::TooManyFields);
    }
    for (i, f) in fields.iter().enumerate() {
        if fields[..i].contains(f) {
            return Err(PivotError::Repeated(f.id()));
        }
    }
    if request.measures.is_empty() {
        return Err(PivotError::NoMeasure);
    }
    if let Some(top) = request.top_n {
        if top.measure >= request.measures.len() {
            return Err(PivotError::BadTopMeasure(
                top.measure,
                request.measures.len(),
            ));
        }
    }
    let scope = Scope::new(star, query)?;
    let axes: Vec<Axis<'w>> = fields
        .iter()
        .map(|f| Axis::new(star, f))
        .collect::<Result<_, _>>()?;
    let n_rows = request.rows.len();

    // The accumulators the measures need.
    let mut accs = Accs::default();
    for m in &request.measures {
        let (sources, distinct, min_max) = match *m {
            Measure::Rows => (vec![], false, false),
            Measure::Column(a, s) => (
                vec![s],
                a == Aggregate::CountDistinct,
                matches!(a, Aggregate::Min | Aggregate::Max),
            ),
            Measure::Ratio(r) => (r.inputs().to_vec(), false, false),
        };
        for s in sources {
            if !accs.sources.contains(&s) {
                accs.sources.push(s);
            }
            if distinct {
                let i = accs.at(s);
                if !accs.distinct.contains(&i) {
                    accs.distinct.push(i);
                }
            }
        }
        accs.min_max |= min_max;
    }

    // 1-2. The rows in scope, their group numbers in mixed radix (one tight loop per
    // field), group indexes, then one tight loop per accumulated column: each loop is
    // compiled for its column's type, where a loop over fields and measures per row
    // would dispatch on both for every row.
    let radices: Vec<u64> = axes.iter().map(|a| a.card() as u64).collect();
    let groups = radices
        .iter()
        .try_fold(1u64, |p, &r| p.checked_mul(r))
        .ok_or(PivotError::TooManyFields)?;
    let selection = Selection::of(&scope);
    let mut numbers = vec![0u64; selection.len()];
    for (axis, &radix) in axes.iter().zip(&radices) {
        axis.fold_codes(star, &selection, &mut numbers, radix);
    }
    let (group_of, group_numbers) = group_indexes(&numbers, groups);
    drop(numbers);
    for _ in 0..group_numbers.len() {
        accs.push();
    }
    accs.accumulate(star, &selection, &group_of);
    drop(group_of);
    // Dense group numbers may leave groups without rows: they are no leaves.
    let live: Vec<usize> = (0..group_numbers.len())
        .filter(|&g| accs.rows[g] > 0)
        .collect();
    let group_numbers: Vec<u64> = live.iter().map(|&g| group_numbers[g]).collect();

    // Each group's codes, then top-N on the outermost row field.
    let mut keys: Vec<Vec<u32>> = group_numbers
        .iter()
        .map(|&number| {
            let mut codes = vec![0u32; radices.len()];
            let mut rest = number;
            for (i, &radix) in radices.iter().enumerate().rev() {
                codes[i] = (rest % radix) as u32;
                rest /= radix;
            }
            codes
        })
        .collect();
    if let (Some(top), true) = (request.top_n, n_rows > 0) {
        let measure = request.measures[top.measure];
        let mut outer = Tree::new();
        let mut totals = Accs::like(&accs);
        totals.push();
        for (g, codes) in keys.iter().enumerate() {
            let node = outer.insert(&codes[..1]);
            while totals.len() <= node {
                totals.push();
            }
            totals.merge(node, &accs, live[g]);
        }
        // Each value's measure once, then the largest first (ties in header order).
        let values: Vec<Value<'static>> = (0..outer.nodes.len())
            .map(|n| totals.measure(n, measure))
            .collect();
        let mut ranked: Vec<usize> = (1..outer.nodes.len()).collect();
        let by_rank = |&a: &usize, &b: &usize| {
            compare_values(&values[b], &values[a])
                .then_with(|| axes[0].compare(outer.nodes[a].2, outer.nodes[b].2))
        };
        let folded = ranked.len() > top.n;
        if folded && top.n > 0 {
            ranked.select_nth_unstable_by(top.n - 1, by_rank);
        }
        ranked.truncate(top.n);
        let kept: HashSet<u32, RandomState> = ranked
            .iter()
            .take(top.n)
            .map(|&n| outer.nodes[n].2)
            .collect();
        if folded {
            for codes in &mut keys {
                if !kept.contains(&codes[0]) {
                    codes[0] = OTHERS;
                }
            }
        }
    }

    // 3. Row and column trees, and every (row node, column node) cell.
    let (mut row_tree, mut col_tree) = (Tree::new(), Tree::new());
    let leaves: Vec<(usize, usize)> = keys
        .iter()
        .map(|codes| {
            (
                row_tree.insert(&codes[..n_rows]),
                col_tree.insert(&codes[n_rows..]),
            )
        })
        .collect();
    let (rn, cn) = (row_tree.nodes.len(), col_tree.nodes.len());
    if rn.saturating_mul(cn) > MAX_CELLS {
        return Err(PivotError::TooLarge {
            rows: rn,
            columns: cn * request.measures.len(),
        });
    }
    let mut cells = Accs::like(&accs);
    for _ in 0..rn * cn {
        cells.push();
    }
    for (g, &(r, c)) in leaves.iter().enumerate() {
        for ra in row_tree.ancestors(r) {
            for ca in col_tree.ancestors(c) {
                cells.merge(ra * cn + ca, &accs, live[g]);
            }
        }
    }

    // Headers and their order.
    let n_cols = request.columns.len();
    let (row_axes, col_axes) = axes.split_at(n_rows);
    let by_label = |tree: &Tree, axes: &[Axis<'_>], a: usize, b: usize| {
        let (level, ca, cb) = (tree.nodes[a].1, tree.nodes[a].2, tree.nodes[b].2);
        axes[level - 1].compare(ca, cb)
    };
    let col_order = col_tree.order(&|a, b| by_label(&col_tree, col_axes, a, b));
    let measures = &request.measures;
    let value_columns: Vec<(usize, usize)> = col_order
        .iter()
        .flat_map(|&c| (0..measures.len()).map(move |m| (c, m)))
        .collect();
    if let Some(col) = request.sort.column {
        if col >= value_columns.len() {
            return Err(PivotError::BadSortColumn(col, value_columns.len()));
        }
    }
    let row_order = row_tree.order(&|a, b| {
        // "Others" stays last whatever the order.
        let others = |n: usize| row_tree.nodes[n].2 == OTHERS && row_tree.nodes[n].1 == 1;
        if others(a) != others(b) {
            return others(a).cmp(&others(b));
        }
        let by_value = request.sort.column.map_or(Ordering::Equal, |col| {
            let (c, m) = value_columns[col];
            let (x, y) = (
                cells.measure(a * cn + c, measures[m]),
                cells.measure(b * cn + c, measures[m]),
            );
            match (x, y) {
                (Value::Null, Value::Null) => Ordering::Equal,
                (Value::Null, _) => Ordering::Greater,
                (_, Value::Null) => Ordering::Less,
                (x, y) if request.sort.desc => compare_values(&y, &x),
                (x, y) => compare_values(&x, &y),
            }
        });
        let by_label = by_label(&row_tree, row_axes, a, b);
        by_value.then(if request.sort.column.is_none() && request.sort.desc {
            by_label.reverse()
        } else {
            by_label
        })
    });
    let header = |tree: &Tree, axes: &[Axis<'w>], depth: usize, node: usize| {
        let path = tree.path(node);
        let level = path.len();
        let mut labels: Vec<Label<'w>> = path
            .iter()
            .enumerate()
            .map(|(i, &code)| axes[i].label(code))
            .collect();
        labels.resize(depth, Label::Null);
        Header {
            labels,
            level,
            kind: if level == 0 {
                HeaderKind::Total
            } else if level == depth {
                HeaderKind::Leaf
            } else {
                HeaderKind::Subtotal
            },
        }
    };
    let columns = value_columns
        .iter()
        .map(|&(c, m)| ValueColumn {
            header: header(&col_tree, col_axes, n_cols, c),
            measure: m,
            value_type: measures[m].value_type(),
        })
        .collect();
    let rows: Vec<Header<'w>> = row_order
        .iter()
        .map(|&r| header(&row_tree, row_axes, n_rows, r))
        .collect();
    let cells_out = row_order
        .iter()
        .map(|&r| {
            value_columns
                .iter()
                .map(|&(c, m)| cells.measure(r * cn + c, measures[m]))
                .collect()
        })
        .collect();
    let info = |f: &Field| FieldInfo {
        id: f.id(),
        label: f.label(),
        value_type: f.value_type(),
    };
    Ok(PivotResult {
        row_fields: request.rows.iter().map(info).collect(),
        column_fields: request.columns.iter().map(info).collect(),
        measures: measures
            .iter()
            .map(|m| FieldInfo {
                id: m.id(),
                label: m.label(),
                value_type: m.value_type(),
            })
            .collect(),
        rows,
        columns,
        cells: cells_out,
        fact_rows: cells.rows[0],
    })
}

/// Orders two measure values (numbers by value; nulls first).
fn compare_values(a: &Value<'_>, b: &Value<'_>) -> Ordering {
    match (a, b) {
        (Value::Money(x), Value::Money(y)) => x.cmp(y),
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        _ => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
    }
}

impl PivotResult<'_> {
    /// The pivot as CSV in its layout: one header line per column field plus the
    /// measures' line, then a line per row (subtotal and total rows named so); money
    /// exact, ratios as fractions.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let mut line = |cells: Vec<(String, bool)>| {
            let quoted: Vec<String> = cells
                .iter()
                .map(|(c, text)| crate::export::csv_field(c, *text))
                .collect();
            out.push_str(&quoted.join(","));
            out.push_str("\r\n");
        };
        let blank = |n: usize| vec![(String::new(), true); n];
        let r = self.row_fields.len().max(1);
        for (level, field) in self.column_fields.iter().enumerate() {
            let mut cells = blank(r - 1);
            cells.push((field.label.clone(), true));
            for c in &self.columns {
                cells.push(match (c.header.kind, &c.header.labels[level]) {
                    (HeaderKind::Total, _) if level == 0 => ("Total".into(), true),
                    (HeaderKind::Subtotal, _) if level == c.header.level => {
                        ("Subtotal".into(), true)
                    }
                    (_, v) => (v.to_plain_string(), v.is_text()),
                });
            }
            line(cells);
        }
        let mut cells: Vec<(String, bool)> = if self.row_fields.is_empty() {
            blank(1)
        } else {
            self.row_fields
                .iter()
                .map(|f| (f.label.clone(), true))
                .collect()
        };
        for c in &self.columns {
            cells.push((self.measures[c.measure].label.clone(), true));
        }
        line(cells);
        for (row, values) in self.rows.iter().zip(&self.cells) {
            let mut cells: Vec<(String, bool)> = (0..r)
                .map(|i| match (row.kind, row.labels.get(i)) {
                    (HeaderKind::Total, _) if i == 0 => ("Total".into(), true),
                    (HeaderKind::Subtotal, _) if i == row.level => ("Subtotal".into(), true),
                    (_, Some(v)) => (v.to_plain_string(), v.is_text()),
                    _ => (String::new(), true),
                })
                .collect();
            cells.extend(values.iter().map(|v| (v.to_plain_string(), false)));
            line(cells);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{sample_files, SampleSpec};
    use crate::{Dashboard, TenantScope, Warehouse};

    fn sample() -> Warehouse {
        let spec = SampleSpec {
            tenants: 4,
            campaigns_per_tenant: 30,
            ..SampleSpec::default()
        };
        let files = sample_files(&spec).unwrap();
        let mut w = Warehouse::new();
        w.load("campaigns.csv", &files.campaigns_csv);
        w
    }

    fn request(rows: &[&str], columns: &[&str], measures: &[&str]) -> PivotRequest {
        PivotRequest {
            rows: rows.iter().map(|f| Field::from_id(f).unwrap()).collect(),
            columns: columns.iter().map(|f| Field::from_id(f).unwrap()).collect(),
            measures: measures
                .iter()
                .map(|m| Measure::from_id(m).unwrap())
                .collect(),
            ..PivotRequest::default()
        }
    }

    fn text(label: &Label<'_>) -> String {
        label.to_plain_string()
    }

    /// The leaf rows of a pivot with no column fields, by their labels.
    fn leaves<'r>(p: &'r PivotResult<'_>) -> Vec<(Vec<String>, &'r [Value<'static>])> {
        p.rows
            .iter()
            .zip(&p.cells)
            .filter(|(h, _)| h.kind == HeaderKind::Leaf)
            .map(|(h, c)| (h.labels.iter().map(text).collect(), &c[..]))
            .collect()
    }

    fn queries() -> Vec<Query> {
        vec![
            Query::default(),
            Query {
                tenants: TenantScope::Only(vec!["tenant_002".into(), "tenant_004".into()]),
                channels: vec!["Email".into(), "Search".into()],
                ..Query::default()
            },
            Query {
                from: Some("2024-03-01".into()),
                to: Some("2024-09-30".into()),
                regions: vec!["North".into()],
                ..Query::default()
            },
        ]
    }

    #[test]
    fn campaign_summary_equals_a_pivot_by_tenant() {
        let w = sample();
        let measures = [
            "rows",
            "sum:impressions",
            "sum:clicks",
            "sum:conversions",
            "sum:spend",
            "sum:revenue",
            "sum:profit",
        ];
        for query in queries() {
            let dash = w.dashboard(Dashboard::CampaignSummary, &query).unwrap();
            let p = pivot(&w, &query, &request(&["tenant"], &[], &measures)).unwrap();
            let got = leaves(&p);
            assert_eq!(got.len(), dash.rows.len(), "{query:?}");
            for ((labels, cells), row) in got.iter().zip(&dash.rows) {
                assert_eq!(labels[0], row[0].to_plain_string());
                for (i, name) in [
                    "campaigns",
                    "impressions",
                    "clicks",
                    "conversions",
                    "spend",
                    "revenue",
                    "profit",
                ]
                .iter()
                .enumerate()
                {
                    let col = dash.column(name).unwrap();
                    assert_eq!(
                        cells[i].to_plain_string(),
                        row[col].to_plain_string(),
                        "{name}"
                    );
                }
            }
        }
    }

    #[test]
    fn channel_mix_and_funnel_equal_pivots() {
        let w = sample();
        for query in queries() {
            let dash = w.dashboard(Dashboard::ChannelMix, &query).unwrap();
            let p = pivot(
                &w,
                &query,
                &request(
                    &["tenant", "channel"],
                    &[],
                    &["sum:spend", "sum:revenue", "roi"],
                ),
            )
            .unwrap();
            let got = leaves(&p);
            assert_eq!(got.len(), dash.rows.len());
            for ((labels, cells), row) in got.iter().zip(&dash.rows) {
                assert_eq!(
                    (labels[0].clone(), labels[1].clone()),
                    (row[0].to_plain_string(), row[1].to_plain_string())
                );
                assert_eq!(cells[0], row[2]);
                assert_eq!(cells[1], row[3]);
                assert_eq!(cells[2], row[4]);
            }
            let funnel = w.dashboard(Dashboard::ConversionFunnel, &query).unwrap();
            let p = pivot(
                &w,
                &query,
                &request(&["tenant"], &[], &["ctr", "conversion_rate"]),
            )
            .unwrap();
            for ((_, cells), row) in leaves(&p).iter().zip(&funnel.rows) {
                let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
                    (Some(a), Some(b)) => (a * 100.0 - b).abs() < 1e-9,
                    (a, b) => a.is_none() && b.is_none(),
                };
                assert!(close(cells[0].as_f64(), row[4].as_f64()));
                assert!(close(cells[1].as_f64(), row[5].as_f64()));
            }
        }
    }

    #[test]
    fn daily_performance_equals_a_pivot_by_tenant_and_day() {
        let w = sample();
        for query in queries() {
            let dash = w.dashboard(Dashboard::DailyPerformance, &query).unwrap();
            let p = pivot(
                &w,
                &query,
                &request(
                    &["tenant", "day"],
                    &[],
                    &["sum:conversions", "sum:revenue", "sum:spend", "sum:profit"],
                ),
            )
            .unwrap();
            let got = leaves(&p);
            assert_eq!(got.len(), dash.rows.len());
            for ((labels, cells), row) in got.iter().zip(&dash.rows) {
                assert_eq!(labels[1], row[1].to_plain_string());
                assert_eq!(&cells[..], &row[2..6]);
            }
        }
    }

    #[test]
    fn subtotals_and_totals_add_up_exactly() {
        let w = sample();
        let p = pivot(
            &w,
            &Query::default(),
            &request(
                &["region", "channel"],
                &["quarter"],
                &["sum:spend", "rows", "max:clicks"],
            ),
        )
        .unwrap();
        let total = p.rows.last().unwrap();
        assert_eq!(total.kind, HeaderKind::Total);
        let ncols = p.columns.len();
        for col in 0..ncols {
            let column = &p.columns[col];
            if column.measure == 2 {
                continue;
            }
            let sum = |kind: HeaderKind| -> i128 {
                p.rows
                    .iter()
                    .zip(&p.cells)
                    .filter(|(h, _)| h.kind == kind)
                    .map(|(_, c)| match c[col] {
                        Value::Money(m) => m,
                        Value::Int(i) => i128::from(i),
                        _ => 0,
                    })
                    .sum()
            };
            let grand = match p.cells.last().unwrap()[col] {
                Value::Money(m) => m,
                Value::Int(i) => i128::from(i),
                _ => 0,
            };
            assert_eq!(sum(HeaderKind::Leaf), grand);
            assert_eq!(sum(HeaderKind::Subtotal), grand);
        }
        // The grand total column of the grand total row is the whole scope.
        let summary = w
            .dashboard(Dashboard::CampaignSummary, &Query::default())
            .unwrap();
        let rows: i64 = summary
            .rows
            .iter()
            .map(|r| match r[1] {
                Value::Int(i) => i,
                _ => 0,
            })
            .sum();
        assert_eq!(p.cells.last().unwrap()[ncols - 2], Value::Int(rows));
        assert_eq!(p.fact_rows, rows as u64);
        // Subtotal rows follow their leaves.
        let first_sub = p
            .rows
            .iter()
            .position(|h| h.kind == HeaderKind::Subtotal)
            .unwrap();
        assert!(p.rows[..first_sub]
            .iter()
            .all(|h| h.kind == HeaderKind::Leaf && h.labels[0] == p.rows[first_sub].labels[0]));
    }

    #[test]
    fn top_n_keeps_the_largest_and_folds_the_rest_into_others() {
        let w = sample();
        let mut req = request(&["tenant"], &[], &["sum:revenue"]);
        let all = pivot(&w, &Query::default(), &req).unwrap();
        req.top_n = Some(TopN { n: 2, measure: 0 });
        let top = pivot(&w, &Query::default(), &req).unwrap();
        let mut revenues: Vec<(Value<'_>, String)> = leaves(&all)
            .iter()
            .map(|(l, c)| (c[0], l[0].clone()))
            .collect();
        revenues.sort_by(|a, b| compare_values(&b.0, &a.0));
        let got = leaves(&top);
        assert_eq!(got.len(), 3);
        assert_eq!(got[2].0[0], "Others");
        let mut kept: Vec<String> = got[..2].iter().map(|(l, _)| l[0].clone()).collect();
        kept.sort();
        let mut want: Vec<String> = revenues[..2].iter().map(|(_, t)| t.clone()).collect();
        want.sort();
        assert_eq!(kept, want);
        assert_eq!(top.cells.last(), all.cells.last(), "the total is unchanged");
        let others: i128 = revenues[2..]
            .iter()
            .map(|(v, _)| match v {
                Value::Money(m) => *m,
                _ => 0,
            })
            .sum();
        assert_eq!(got[2].1[0], Value::Money(others));
    }

    #[test]
    fn sorting_by_a_value_column_orders_siblings() {
        let w = sample();
        let mut req = request(&["channel"], &[], &["sum:spend"]);
        req.sort = PivotSort {
            column: Some(0),
            desc: true,
        };
        let p = pivot(&w, &Query::default(), &req).unwrap();
        let values: Vec<Value<'_>> = leaves(&p).iter().map(|(_, c)| c[0]).collect();
        assert!(values
            .windows(2)
            .all(|w| compare_values(&w[0], &w[1]) != Ordering::Less));
        // With top N, "Others" stays last whatever the sort.
        req.top_n = Some(TopN { n: 1, measure: 0 });
        req.sort.desc = false;
        let p = pivot(&w, &Query::default(), &req).unwrap();
        let l = leaves(&p);
        assert_eq!(l.last().unwrap().0[0], "Others");
        req.top_n = None;
        req.sort.column = Some(5);
        assert!(matches!(
            pivot(&w, &Query::default(), &req),
            Err(PivotError::BadSortColumn(5, 1))
        ));
    }

    #[test]
    fn ids_round_trip_and_bad_requests_say_what_to_change() {
        for m in Measure::all() {
            assert_eq!(Measure::from_id(&m.id()).unwrap(), m);
        }
        let star = sample();
        for entry in catalog(star.star()).fields {
            assert_eq!(Field::from_id(&entry.id).unwrap().id(), entry.id);
        }
        assert!(
            serde_json::from_str::<PivotRequest>(r#"{"rows": ["tenat"]}"#)
                .unwrap_err()
                .to_string()
                .contains("unknown pivot field 'tenat'")
        );
        let w = sample();
        let e = pivot(
            &w,
            &Query::default(),
            &request(&["tenant"], &["tenant"], &["rows"]),
        )
        .unwrap_err();
        assert_eq!(e, PivotError::Repeated("tenant".into()));
    }

    #[test]
    fn csv_keeps_the_layout_and_exact_money() {
        let w = sample();
        let p = pivot(
            &w,
            &Query::default(),
            &request(&["tenant"], &["year"], &["sum:spend"]),
        )
        .unwrap();
        let csv = p.to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2 + p.rows.len());
        assert!(lines[0].starts_with("Year,"), "{}", lines[0]);
        assert!(lines[0].ends_with(",Total"));
        assert!(lines.last().unwrap().starts_with("Total,"));
        let Value::Money(total) = p.cells.last().unwrap().last().unwrap() else {
            panic!()
        };
        assert!(lines
            .last()
            .unwrap()
            .ends_with(&format_millionths_i128(*total)));
    }

    fn format_millionths_i128(m: i128) -> String {
        crate::transform::value::format_millionths(i64::try_from(m).unwrap())
    }

    #[test]
    fn date_grains_and_extras_name_their_buckets() {
        let mut w = Warehouse::new();
        w.load(
            "c.csv",
            b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue,team\n\
            a,c1,2024-12-30,10,1,0,1.00,0.50,red\na,c2,2025-01-02,10,1,0,1.00,0.50,\n",
        );
        let p = pivot(
            &w,
            &Query::default(),
            &request(
                &["week", "month", "quarter", "year", "extra:team"],
                &[],
                &["rows"],
            ),
        )
        .unwrap();
        let first: Vec<String> = p.rows[0].labels.iter().map(text).collect();
        assert_eq!(first, ["2025-W01", "2024-12", "2024-Q4", "2024", "red"]);
        let l = leaves(&p);
        assert_eq!(l[1].0, ["2025-W01", "2025-01", "2025-Q1", "2025", ""]);
        assert!(catalog(w.star())
            .fields
            .iter()
            .any(|f| f.id == "extra:team"));
    }
}
