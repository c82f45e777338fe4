//! Derived metrics (SPEC §5) and the warning rules of campaign rows (SPEC §4).
//!
//! Ratios are `Option<f64>`: `None` (null) when the denominator is zero. Money arrives
//! as fixed-point millionths; anything that decides a category compares integers, so
//! spend 0.70 with revenue 2.10 is ROI exactly 2 and `Good`, never `Excellent` by a
//! rounding accident.

use crate::model::date::Day;
use serde::Serialize;
use std::collections::BTreeMap;

/// `numerator / denominator`, null when the denominator is 0.
pub fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator != 0.0).then(|| numerator / denominator)
}

/// ctr = clicks / impressions.
pub fn ctr(clicks: u64, impressions: u64) -> Option<f64> {
    ratio(clicks as f64, impressions as f64)
}

/// conversion_rate = conversions / clicks.
pub fn conversion_rate(conversions: u64, clicks: u64) -> Option<f64> {
    ratio(conversions as f64, clicks as f64)
}

/// roi = (revenue - spend) / spend, from millionths (or sums of them).
pub fn roi(spend: i128, revenue: i128) -> Option<f64> {
    ratio((revenue - spend) as f64, spend as f64)
}

/// [`roi`] of one row. The same value, computed without 128-bit arithmetic (a library
/// call per conversion on wasm32, and natively too): a row's non-negative millionths fit
/// in `i64`, so does their difference, and `i64 as f64` rounds exactly as `i128 as f64`.
#[inline]
pub fn row_roi(spend: i64, revenue: i64) -> Option<f64> {
    debug_assert!(spend >= 0 && revenue >= 0, "stored money is never negative");
    ratio((revenue - spend) as f64, spend as f64)
}

/// roas = revenue / spend.
pub fn roas(spend: i128, revenue: i128) -> Option<f64> {
    ratio(revenue as f64, spend as f64)
}

/// Money per unit (cpc = spend / clicks, cpa = spend / conversions, avg_order_value =
/// total_spent / total_orders), in currency units.
pub fn money_per(amount_millionths: i128, units: u64) -> Option<f64> {
    ratio(amount_millionths as f64 / 1e6, units as f64)
}

/// The performance category of a campaign row, decided exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum PerformanceCategory {
    Excellent,
    Good,
    #[serde(rename = "Break Even")]
    BreakEven,
    Loss,
    Unknown,
}

impl PerformanceCategory {
    /// roi > 2 `Excellent`, > 1 `Good`, > 0 `Break Even`, else `Loss`; null roi (no
    /// spend) `Unknown`. With roi = (revenue - spend) / spend and spend > 0, roi > k is
    /// revenue > (k + 1) * spend, compared in integers.
    pub fn of(spend: i64, revenue: i64) -> Self {
        if spend == 0 {
            return PerformanceCategory::Unknown;
        }
        let (spend, revenue) = (i128::from(spend), i128::from(revenue));
        if revenue > 3 * spend {
            PerformanceCategory::Excellent
        } else if revenue > 2 * spend {
            PerformanceCategory::Good
        } else if revenue > spend {
            PerformanceCategory::BreakEven
        } else {
            PerformanceCategory::Loss
        }
    }

    /// The label shown in results.
    pub fn label(self) -> &'static str {
        match self {
            PerformanceCategory::Excellent => "Excellent",
            PerformanceCategory::Good => "Good",
            PerformanceCategory::BreakEven => "Break Even",
            PerformanceCategory::Loss => "Loss",
            PerformanceCategory::Unknown => "Unknown",
        }
    }
}

/// The channel named by a campaign name: the text after its last ` - `
/// (`Campaign 1 - Social Media` -> `Social Media`).
pub fn channel_from_name(name: &str) -> Option<&str> {
    let (_, channel) = name.rsplit_once(" - ")?;
    let channel = channel.trim();
    (!channel.is_empty()).then_some(channel)
}

/// Warning rule keys of the load report.
pub mod rule {
    pub const CONVERSIONS_GT_CLICKS: &str = "conversions_gt_clicks";
    pub const ZERO_IMPRESSIONS: &str = "zero_impressions";
    pub const ZERO_SPEND: &str = "zero_spend";
    pub const ZERO_CLICKS: &str = "zero_clicks";
    pub const ROI_OUT_OF_RANGE: &str = "roi_out_of_range";
    pub const DATE_OUTLIER: &str = "date_outlier";
}

/// Days outside the range of a file's other rows beyond which a date is an outlier.
pub const DATE_OUTLIER_DAYS: i64 = 365;

/// Counts the warnings of one file's loaded campaign rows, fed in any number of parts
/// (a file commits a chunk at a time).
///
/// The date-outlier rule compares each row with the range of the file's *other* rows,
/// which is known only when the file ends, yet it needs no second pass: only the row
/// holding the file's smallest date can be below the others' range (every other row's
/// date is at least that smallest), and only if no other row shares that date; likewise
/// at the top. So the rule fires at most twice per file, and the two smallest and two
/// largest dates decide it, in [`into_counts`](CampaignWarnings::into_counts). No row
/// can be both: with two rows or more, the second smallest date is at most the largest.
#[derive(Debug)]
pub struct CampaignWarnings {
    counts: BTreeMap<String, u64>,
    /// The two smallest and two largest dates of the loaded rows so far (a date shared
    /// by two rows fills both places).
    low: [Day; 2],
    high: [Day; 2],
    rows: usize,
}

impl Default for CampaignWarnings {
    fn default() -> Self {
        Self::new()
    }
}

impl CampaignWarnings {
    /// No rows yet.
    pub fn new() -> Self {
        CampaignWarnings {
            counts: BTreeMap::new(),
            low: [Day::MAX; 2],
            high: [Day::MIN; 2],
            rows: 0,
        }
    }

    fn raise(&mut self, rule: &str) {
        *self.counts.entry(rule.to_string()).or_insert(0) += 1;
    }

    /// Checks one loaded row.
    pub fn check(
        &mut self,
        impressions: u32,
        clicks: u32,
        conversions: u32,
        spend: i64,
        revenue: i64,
        date: Day,
    ) {
        if conversions > clicks {
            self.raise(rule::CONVERSIONS_GT_CLICKS);
        }
        if impressions == 0 {
            self.raise(rule::ZERO_IMPRESSIONS);
        }
        if spend == 0 {
            self.raise(rule::ZERO_SPEND);
        }
        if clicks == 0 {
            self.raise(rule::ZERO_CLICKS);
        }
        // roi outside [-1, 10]: revenue - spend < -spend (impossible with revenue >= 0)
        // or revenue - spend > 10 * spend, i.e. revenue > 11 * spend.
        if spend > 0 && (i128::from(revenue) > 11 * i128::from(spend) || revenue < 0) {
            self.raise(rule::ROI_OUT_OF_RANGE);
        }
        self.rows += 1;
        if date < self.low[0] {
            self.low = [date, self.low[0]];
        } else if date < self.low[1] {
            self.low[1] = date;
        }
        if date > self.high[0] {
            self.high = [date, self.high[0]];
        } else if date > self.high[1] {
            self.high[1] = date;
        }
    }

    /// The counts per rule that fired, the date outliers included.
    pub fn into_counts(mut self) -> BTreeMap<String, u64> {
        if self.rows >= 2 {
            let [lowest, next_lowest] = self.low.map(i64::from);
            let [highest, next_highest] = self.high.map(i64::from);
            let outliers = u64::from(lowest < next_lowest - DATE_OUTLIER_DAYS)
                + u64::from(highest > next_highest + DATE_OUTLIER_DAYS);
            if outliers > 0 {
                *self
                    .counts
                    .entry(rule::DATE_OUTLIER.to_string())
                    .or_insert(0) += outliers;
            }
        }
        self.counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::date::day_from_ymd;

    const M: i64 = 1_000_000;

    #[test]
    fn ratios_and_nulls() {
        assert_eq!(ctr(50, 1000), Some(0.05));
        assert_eq!(ctr(0, 0), None);
        assert_eq!(conversion_rate(5, 50), Some(0.1));
        assert_eq!(conversion_rate(5, 0), None);
        assert_eq!(roi(100 * M as i128, 250 * M as i128), Some(1.5));
        assert_eq!(roi(0, 5), None);
        assert_eq!(roas(100 * M as i128, 250 * M as i128), Some(2.5));
        assert_eq!(money_per(10 * M as i128, 4), Some(2.5));
        assert_eq!(money_per(10 * M as i128, 0), None);
    }

    proptest::proptest! {
        #[test]
        fn row_roi_is_roi(spend in 0..=i64::MAX, revenue in 0..=i64::MAX) {
            proptest::prop_assert_eq!(row_roi(spend, revenue), roi(spend.into(), revenue.into()));
        }
    }

    #[test]
    fn row_roi_at_the_extremes() {
        for (spend, revenue) in [
            (0, 0),
            (1, 0),
            (0, i64::MAX),
            (i64::MAX, 0),
            (i64::MAX, i64::MAX),
            (3, 7),
        ] {
            assert_eq!(row_roi(spend, revenue), roi(spend.into(), revenue.into()));
        }
    }

    #[test]
    fn category_boundaries_are_exact() {
        use PerformanceCategory::*;
        // spend 0.70, revenue 2.10: roi exactly 2 -> Good (not Excellent).
        assert_eq!(PerformanceCategory::of(700_000, 2_100_000), Good);
        assert_eq!(PerformanceCategory::of(700_000, 2_100_001), Excellent);
        // roi exactly 1 -> Break Even; a millionth more -> Good.
        assert_eq!(PerformanceCategory::of(M, 2 * M), BreakEven);
        assert_eq!(PerformanceCategory::of(M, 2 * M + 1), Good);
        // roi exactly 0 -> Loss; a millionth more -> Break Even.
        assert_eq!(PerformanceCategory::of(M, M), Loss);
        assert_eq!(PerformanceCategory::of(M, M + 1), BreakEven);
        assert_eq!(PerformanceCategory::of(M, 0), Loss);
        assert_eq!(PerformanceCategory::of(0, 5 * M), Unknown);
        assert_eq!(BreakEven.label(), "Break Even");
    }

    #[test]
    fn channel_from_campaign_name() {
        assert_eq!(channel_from_name("Campaign 1 - Search"), Some("Search"));
        assert_eq!(
            channel_from_name("Spring - Promo - Social Media"),
            Some("Social Media")
        );
        assert_eq!(channel_from_name("Campaign-Search"), None);
        assert_eq!(channel_from_name("Campaign 1 - "), None);
    }

    fn warnings_of(rows: &[(u32, u32, u32, i64, i64, Day)]) -> BTreeMap<String, u64> {
        let mut w = CampaignWarnings::new();
        for &(i, c, v, s, r, d) in rows {
            w.check(i, c, v, s, r, d);
        }
        w.into_counts()
    }

    #[test]
    fn each_warning_rule() {
        let d = day_from_ymd(2024, 11, 1).unwrap();
        let w = warnings_of(&[
            (100, 10, 11, M, M, d),         // conversions > clicks
            (0, 0, 0, M, M, d),             // zero impressions and zero clicks
            (100, 10, 1, 0, M, d),          // zero spend (roi null: no roi warning)
            (100, 10, 1, M, 11 * M, d),     // roi exactly 10: in range
            (100, 10, 1, M, 11 * M + 1, d), // roi just above 10
        ]);
        assert_eq!(w.get(rule::CONVERSIONS_GT_CLICKS), Some(&1));
        assert_eq!(w.get(rule::ZERO_IMPRESSIONS), Some(&1));
        assert_eq!(w.get(rule::ZERO_CLICKS), Some(&1));
        assert_eq!(w.get(rule::ZERO_SPEND), Some(&1));
        assert_eq!(w.get(rule::ROI_OUT_OF_RANGE), Some(&1));
        assert_eq!(w.get(rule::DATE_OUTLIER), None);
    }

    #[test]
    fn date_outlier_against_the_other_rows() {
        let base = day_from_ymd(2024, 11, 1).unwrap();
        let row = |d: Day| (100, 10, 1, M, 2 * M, d);
        // 365 days past the others' range is fine, 366 is an outlier.
        let w = warnings_of(&[row(base), row(base + 10), row(base + 10 + 365)]);
        assert_eq!(w.get(rule::DATE_OUTLIER), None);
        let w = warnings_of(&[row(base), row(base + 10), row(base + 10 + 366)]);
        assert_eq!(w.get(rule::DATE_OUTLIER), Some(&1));
        let w = warnings_of(&[row(base - 400), row(base), row(base + 1)]);
        assert_eq!(w.get(rule::DATE_OUTLIER), Some(&1));
        // Two rows far apart are each outliers of the other.
        let w = warnings_of(&[row(base), row(base + 800)]);
        assert_eq!(w.get(rule::DATE_OUTLIER), Some(&2));
        // A single row has no other rows to compare with.
        assert_eq!(warnings_of(&[row(base)]).get(rule::DATE_OUTLIER), None);
    }

    proptest::proptest! {
        /// The rule as SPEC §4 states it, row by row against the range of the other
        /// rows, equals the two-extremes count, whatever the dates and their repeats.
        #[test]
        fn date_outliers_are_the_rule_row_by_row(
            dates in proptest::collection::vec(
                proptest::prop_oneof![-2000i32..2000, 0i32..3, proptest::strategy::Just(0)],
                0..12,
            )
        ) {
            let by_definition = (0..dates.len())
                .filter(|&i| {
                    let others = dates.iter().enumerate().filter(|&(j, _)| j != i);
                    let (lo, hi) = others.fold((i64::MAX, i64::MIN), |(lo, hi), (_, &d)| {
                        (lo.min(i64::from(d)), hi.max(i64::from(d)))
                    });
                    let d = i64::from(dates[i]);
                    dates.len() >= 2 && (d < lo - DATE_OUTLIER_DAYS || d > hi + DATE_OUTLIER_DAYS)
                })
                .count() as u64;
            let rows: Vec<_> = dates.iter().map(|&d| (100, 10, 1, M, 2 * M, d)).collect();
            let counted = warnings_of(&rows).get(rule::DATE_OUTLIER).copied().unwrap_or(0);
            proptest::prop_assert_eq!(counted, by_definition);
        }
    }
}
