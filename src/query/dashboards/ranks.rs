//! Sort ranks of the small dimensions and the facts' month table, computed once per
//! warehouse state and shared by every dashboard.

use crate::model::date::{ymd_from_day, Day};
use crate::model::star::StarSchema;

/// Sort ranks of the dimensions (position of each key when sorted by UTF-8 bytes), and
/// the span of the facts' dates, computed once per warehouse state.
#[derive(Debug, Clone, Default)]
pub struct Ranks {
    pub tenant: Vec<u32>,
    pub region: Vec<u32>,
    pub product: Vec<u32>,
    pub channel: Vec<u32>,
    /// First fact date, and `year * 12 + month - 1` of each day from it to the last fact
    /// date (empty when the span is implausibly long, then months are computed per row).
    pub first_day: Day,
    pub month_of_day: Vec<i32>,
}

/// Days spanned at most by the month lookup table and the dense daily grid.
const MAX_DENSE_DAYS: i64 = 200_000;

impl Ranks {
    /// Ranks of the star schema's small dimensions.
    pub fn build(star: &StarSchema) -> Self {
        let dates = &star.campaigns.date;
        let (first, last) = (dates.iter().min().copied(), dates.iter().max().copied());
        let (first_day, month_of_day) = match (first, last) {
            (Some(first), Some(last)) if i64::from(last) - i64::from(first) < MAX_DENSE_DAYS => (
                first,
                (first..=last)
                    .map(|day| {
                        let (year, month, _) = ymd_from_day(day);
                        year * 12 + month as i32 - 1
                    })
                    .collect(),
            ),
            _ => (0, Vec::new()),
        };
        Ranks {
            tenant: star.dims.tenant.sort_ranks(),
            region: star.dims.region.sort_ranks(),
            product: star.dims.product.sort_ranks(),
            channel: star.dims.channel.sort_ranks(),
            first_day,
            month_of_day,
        }
    }

    /// `year * 12 + month - 1` of a fact date.
    #[inline]
    pub(super) fn month_index(&self, day: Day) -> i32 {
        match self
            .month_of_day
            .get((i64::from(day) - i64::from(self.first_day)) as usize)
        {
            Some(&m) if day >= self.first_day => m,
            _ => {
                let (year, month, _) = ymd_from_day(day);
                year * 12 + month as i32 - 1
            }
        }
    }
}
