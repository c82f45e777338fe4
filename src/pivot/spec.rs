//! What a pivot request names: the fields (fixed dimensions, date grains, extra columns),
//! the measures (an aggregate of a source column, or a ratio of sums), sorting and top-N,
//! the request itself, its errors, and the catalog the page builds its choosers from.

use crate::model::columns::{Column, ColumnType};
use crate::model::dict::NULL_KEY;
use crate::model::star::StarSchema;
use crate::query::QueryError;
use serde::{Deserialize, Serialize};
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

/// A field over a star column: its label and type are the column table's, and its id
/// the column's name unless the pivot's links have long called it something shorter.
const fn over(field: Field, id: Option<&'static str>, column: Column) -> FieldEntry {
    let def = column.def();
    let id = match id {
        Some(id) => id,
        None => def.name,
    };
    (field, id, def.label, ValueType::Text)
}

type FieldEntry = (Field, &'static str, &'static str, ValueType);

const FIXED_FIELDS: [FieldEntry; 13] = [
    over(Field::Tenant, Some("tenant"), Column::TenantId),
    over(Field::Campaign, Some("campaign"), Column::CampaignId),
    over(Field::CampaignName, None, Column::CampaignName),
    over(Field::Channel, None, Column::Channel),
    over(Field::Region, None, Column::Region),
    over(Field::Product, None, Column::Product),
    over(
        Field::Performance,
        Some("performance"),
        Column::PerformanceCategory,
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

    /// The page's filter field whose values this field's values are (a click on a
    /// tenant's row filters by that tenant); `None` for campaign names, the ISO week,
    /// quarter and year (a date range instead) and extra columns.
    pub fn filter(&self) -> Option<crate::query::field::Field> {
        use crate::query::field::Field as Filter;
        Some(match self {
            Field::Tenant => Filter::Tenants,
            Field::Campaign => Filter::Campaigns,
            Field::Channel => Filter::Channels,
            Field::Region => Filter::Regions,
            Field::Product => Filter::Products,
            Field::Performance => Filter::PerformanceCategories,
            Field::Date(Grain::Day) => Filter::Dates,
            Field::Date(Grain::Month) => Filter::Months,
            _ => return None,
        })
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

    pub(super) fn label(&self) -> String {
        match self {
            Field::Extra(name) => name.clone(),
            f => FIXED_FIELDS
                .iter()
                .find(|(g, ..)| g == f)
                .map_or_else(String::new, |(.., label, _)| label.to_string()),
        }
    }

    pub(super) fn value_type(&self) -> ValueType {
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

/// Each source and the fact column it reads, whose name, label and type are the
/// column table's.
const SOURCES: [(Source, Column); 6] = [
    (Source::Impressions, Column::Impressions),
    (Source::Clicks, Column::Clicks),
    (Source::Conversions, Column::Conversions),
    (Source::Spend, Column::Spend),
    (Source::Revenue, Column::Revenue),
    (Source::Profit, Column::Profit),
];

impl Source {
    /// The fact column it reads.
    fn column(self) -> Column {
        SOURCES
            .iter()
            .find(|(s, _)| *s == self)
            .expect("every source is declared")
            .1
    }

    pub(super) fn is_money(self) -> bool {
        self.column().ty() == ColumnType::Money
    }

    /// The row's value (money in millionths).
    #[inline(always)]
    pub(super) fn value(self, star: &StarSchema, row: usize) -> i64 {
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

/// Each ratio and the derived fact column it is (computed here from sums, not per row
/// as the column is), whose name and label are the column table's.
const RATIOS: [(Ratio, Column); 6] = [
    (Ratio::Ctr, Column::Ctr),
    (Ratio::ConversionRate, Column::ConversionRate),
    (Ratio::Roi, Column::Roi),
    (Ratio::Roas, Column::Roas),
    (Ratio::Cpc, Column::Cpc),
    (Ratio::Cpa, Column::Cpa),
];

impl Ratio {
    /// The derived fact column of the same name.
    fn column(self) -> Column {
        RATIOS
            .iter()
            .find(|(r, _)| *r == self)
            .expect("every ratio is declared")
            .1
    }

    /// The sums it is computed from.
    pub(super) fn inputs(self) -> [Source; 2] {
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
                format!("{a}:{}", s.column().name())
            }
            Measure::Ratio(r) => r.column().name().into(),
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
                format!("{a} {}", s.column().def().label.to_lowercase())
            }
            Measure::Ratio(r) => r.column().def().label.into(),
        }
    }

    /// The type of its values.
    pub fn value_type(&self) -> ValueType {
        match self {
            Measure::Rows | Measure::Column(Aggregate::CountDistinct, _) => ValueType::Integer,
            Measure::Column(_, s) if s.is_money() => ValueType::Money,
            Measure::Column(Aggregate::Avg, _) => ValueType::Number,
            Measure::Column(..) => ValueType::Integer,
            Measure::Ratio(r) if r.column().ty() == ColumnType::Money => ValueType::Money,
            Measure::Ratio(_) => ValueType::Ratio,
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
pub struct Choice {
    pub id: String,
    pub label: String,
    #[serde(rename = "type")]
    pub value_type: ValueType,
    /// For a column measure: the column it reads, so the page can group measures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<&'static str>,
    /// For a field: the query's filter field its values are values of
    /// ([`crate::query::field::Field::name`]), so a click on one filters the page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<&'static str>,
}

/// Every field and measure of a warehouse (extra columns depend on what was loaded).
#[derive(Debug, Clone, Serialize)]
pub struct Choices {
    pub fields: Vec<Choice>,
    pub measures: Vec<Choice>,
}

/// The fields and measures the warehouse offers: the fixed dimensions, every extra
/// column of the campaigns with at most [`MAX_EXTRA_VALUES`] distinct values, and every
/// measure.
pub fn choices(star: &StarSchema) -> Choices {
    let mut fields: Vec<Choice> = FIXED_FIELDS
        .iter()
        .filter(|(f, ..)| !matches!(f, Field::Extra(_)))
        .map(|(f, id, label, t)| Choice {
            id: id.to_string(),
            label: label.to_string(),
            value_type: *t,
            group: None,
            filter: f.filter().map(|f| f.name()),
        })
        .collect();
    let extras = &star.campaigns.extras;
    for (i, name) in extras.names.iter().enumerate() {
        if extra_codes(star, i).is_some() {
            let field = Field::Extra(name.clone());
            fields.push(Choice {
                id: field.id(),
                label: field.label(),
                value_type: ValueType::Text,
                group: None,
                filter: None,
            });
        }
    }
    let measures = Measure::all()
        .into_iter()
        .map(|m| Choice {
            id: m.id(),
            label: m.label(),
            value_type: m.value_type(),
            group: match m {
                Measure::Column(_, s) => Some(s.column().name()),
                _ => None,
            },
            filter: None,
        })
        .collect();
    Choices { fields, measures }
}

/// An extra column's codes: global value key -> dense local code, and the local codes'
/// values; `None` when it has more than [`MAX_EXTRA_VALUES`] distinct values.
pub(super) fn extra_codes(star: &StarSchema, column: usize) -> Option<(Vec<u32>, Vec<u32>)> {
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
