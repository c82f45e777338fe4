//! The ROI distribution: campaign rows of the scope counted per ROI bucket, in exact
//! fixed point.

use super::data::{Chart, Kind, Series, Unit};
use crate::query::{Query, QueryError, QuerySource, Scope};

/// Bucket edges of the ROI distribution, in percent: below -50, then steps of 50 up to
/// 500, then 500 and above.
const ROI_EDGES: [i64; 12] = [-50, 0, 50, 100, 150, 200, 250, 300, 350, 400, 450, 500];

/// The label of ROI bucket `i` (0 ..= ROI_EDGES.len()).
fn roi_bucket_label(i: usize) -> String {
    match i {
        0 => format!("< {}%", ROI_EDGES[0]),
        i if i == ROI_EDGES.len() => format!("≥ {}%", ROI_EDGES[i - 1]),
        i => format!("{}–{}%", ROI_EDGES[i - 1], ROI_EDGES[i]),
    }
}

/// The ROI bucket (index into the labels of [`roi_bucket_label`]) of a row with
/// `spend != 0`, decided exactly: roi% >= edge <=> 100 * (revenue - spend) >= edge * spend
/// (for spend > 0). With spend > 0 and both under 2^52 millionths ($4.5 billion, so
/// every real row) the products fit in `i64` and the edges passed are counted without a
/// branch (a prefix of the edges passes, so counting them is the bucket); a row's bucket
/// is unpredictable, so an early exit would mispredict on most rows. Otherwise
/// [`roi_bucket_exact`].
#[inline(always)]
pub(super) fn roi_bucket(spend: i64, revenue: i64) -> usize {
    const FITS: i64 = 1 << 52;
    if spend > 0 && spend < FITS && revenue > -FITS && revenue < FITS {
        let profit100 = 100 * (revenue - spend);
        ROI_EDGES
            .iter()
            .map(|&edge| usize::from(profit100 >= edge * spend))
            .sum()
    } else {
        roi_bucket_exact(spend, revenue)
    }
}

/// [`roi_bucket`] in `i128`, for any spend and revenue: the edges passed before the first
/// that is not.
pub(super) fn roi_bucket_exact(spend: i64, revenue: i64) -> usize {
    let (spend, revenue) = (i128::from(spend), i128::from(revenue));
    let profit100 = 100 * (revenue - spend);
    ROI_EDGES
        .iter()
        .take_while(|&&edge| profit100 >= i128::from(edge) * spend)
        .count()
}

/// How many campaign rows of the scope fall in each ROI bucket (rows without spend
/// have no ROI and are left out). Counted over the fact rows, in exact fixed point.
pub fn roi_distribution(source: &dyn QuerySource, query: &Query) -> Result<Chart, QueryError> {
    Ok(roi_distribution_in(&Scope::new(source.star(), query)?))
}

/// [`roi_distribution`] in a scope already resolved (a view's, whose selection of fact
/// rows its dashboards already found).
pub fn roi_distribution_in(scope: &Scope<'_>) -> Chart {
    let f = &scope.star.campaigns;
    let mut counts = vec![0u64; ROI_EDGES.len() + 1];
    crate::with_keys!(f.tenant, |tenant| scope.for_each_campaign_row(
        tenant,
        #[inline(always)]
        |row| {
            if f.spend[row] != 0 {
                counts[roi_bucket(f.spend[row], f.revenue[row])] += 1;
            }
        }
    ));
    let mut chart = Chart::new(
        "roi_distribution",
        "ROI distribution of campaign rows",
        Kind::Bars,
        "ROI",
        "Campaign rows",
        Unit::Count,
    );
    // Leading and trailing empty buckets are left out.
    let first = counts.iter().position(|c| *c > 0).unwrap_or(0);
    let last = counts
        .iter()
        .rposition(|c| *c > 0)
        .unwrap_or(counts.len() - 1);
    chart.categories = (first..=last).map(roi_bucket_label).collect();
    chart.series = vec![Series {
        name: "Campaign rows".into(),
        values: counts[first..=last]
            .iter()
            .map(|c| Some(*c as f64))
            .collect(),
    }];
    chart
}
