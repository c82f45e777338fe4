//! Fields resolved against the star schema: how a fact row maps to a small dense code
//! (a dictionary key, a date bucket, a performance category), the label of each code,
//! the fact rows a pivot reads, and the codes of all fields combined into group indexes.

use super::spec::{extra_codes, Field, Grain, PivotError};
use crate::model::date::{iso_week, quarter_of_month, ymd_from_day, Day};
use crate::model::dict::{Dictionary, NULL_KEY};
use crate::model::keys::{Key, KeyColumn};
use crate::model::star::StarSchema;
use crate::query::{group, Scope};
use crate::transform::metrics::PerformanceCategory;
use crate::with_keys;
use serde::Serialize;
use std::cmp::Ordering;

/// The code of the "Others" row of top-N.
pub(super) const OTHERS: u32 = u32::MAX - 1;
/// Group numbers below this are group indexes themselves (the accumulators hold every
/// possible group, most of them used when the fields' values are few).
const DIRECT_GROUPS: u64 = 1 << 12;
/// Days spanned at most by a date field's per-day lookup table.
const MAX_DATE_TABLE: i64 = 200_000;

/// A field resolved against the warehouse: how a row maps to a code in `0..card`.
pub(super) enum Axis<'w> {
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

    /// Whether the label is text (a CSV export neutralises text only, never numbers).
    pub fn is_text(&self) -> bool {
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
    pub(super) fn new(star: &'w StarSchema, field: &Field) -> Result<Self, PivotError> {
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
    pub(super) fn card(&self) -> usize {
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
    pub(super) fn fold_codes(
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
    pub(super) fn label(&self, code: u32) -> Label<'w> {
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
    pub(super) fn compare(&self, a: u32, b: u32) -> Ordering {
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
pub(super) enum Selection {
    All(usize),
    Rows(Vec<u32>),
}

impl Selection {
    pub(super) fn of(scope: &Scope<'_>) -> Selection {
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

    pub(super) fn len(&self) -> usize {
        match self {
            Selection::All(n) => *n,
            Selection::Rows(rows) => rows.len(),
        }
    }

    /// Calls `visit(i, row)` for the `i`th selected row, in storage order.
    #[inline(always)]
    pub(super) fn for_each(&self, mut visit: impl FnMut(usize, usize)) {
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
/// accumulators then hold every possible group), else in first-seen order
/// ([`group::first_seen`]). Returns each row's group and each group's number.
pub(super) fn group_indexes(numbers: &[u64], groups: u64) -> (Vec<u32>, Vec<u64>) {
    if groups <= DIRECT_GROUPS {
        let group_of = numbers.iter().map(|&n| n as u32).collect();
        return (group_of, (0..groups).collect());
    }
    let (group_of, first) = group::first_seen(numbers, groups);
    (
        group_of,
        first.iter().map(|&i| numbers[i as usize]).collect(),
    )
}
