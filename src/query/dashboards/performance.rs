//! campaign_performance: every fact row in scope, a page at a time, in the order of
//! [`performance_order`] (or [`performance_top`] for a first page before it is kept).

use crate::model::date::Day;
use crate::model::keys::Key;
use crate::model::star::StarSchema;
use crate::query::dashboards::sums::{int, money, tenant_text};
use crate::query::dashboards::{Ranks, CAMPAIGN_PERFORMANCE};
use crate::query::result::{DashboardResult, Value};
use crate::query::Scope;
use crate::transform::metrics::{ctr, row_roi, PerformanceCategory};
use crate::with_keys;

/// Every fact row in `campaign_performance` order: date descending, then tenant_id,
/// then campaign_id (byte order). Computed once per warehouse state and then filtered
/// per query.
pub fn performance_order(star: &StarSchema, ranks: &Ranks) -> Vec<u32> {
    order_rows(star, ranks, u64::BITS)
}

/// A date as a `u32` that sorts later dates first (the sign bit flipped so that the
/// bits sort as the days do, then every bit inverted): `campaign_performance`'s first key.
#[inline]
fn newest_first(day: Day) -> u32 {
    !((day as u32) ^ 0x8000_0000)
}

/// The first `k` fact rows in scope in `campaign_performance` order, without ordering
/// every row: each row's date and tenant as one key, the `k`th smallest found by
/// selection, and only the rows up to it (ties included) sorted, their campaign ids
/// compared as text. For the first page of the first view after a load, before
/// [`performance_order`] is kept: that orders every row and ranks every campaign id
/// (at a million rows, a large part of the first view, which need not wait for it).
pub fn performance_top(scope: &Scope<'_>, ranks: &Ranks, k: usize) -> Vec<u32> {
    let star = scope.star;
    let f = &star.campaigns;
    // Newest date first, then the tenant's rank: one u64 (the date's bits flipped so
    // that a later date is smaller), with the row.
    let mut keyed: Vec<(u64, u32)> = Vec::with_capacity(scope.campaign_row_count());
    with_keys!(f.tenant, |tenant| {
        scope.for_each_campaign_row(
            tenant,
            #[inline(always)]
            |row| {
                let newest_first = newest_first(f.date[row]);
                let rank = ranks.tenant[tenant[row].key() as usize];
                keyed.push((u64::from(newest_first) << 32 | u64::from(rank), row as u32));
            },
        )
    });
    if k == 0 {
        return Vec::new();
    }
    if k < keyed.len() {
        let (_, &mut (kth, _), _) = keyed.select_nth_unstable_by_key(k - 1, |&(key, _)| key);
        // Rows past the kth may tie with it: the campaign id decides among them.
        let mut end = k;
        for i in k..keyed.len() {
            if keyed[i].0 == kth {
                keyed.swap(end, i);
                end += 1;
            }
        }
        keyed.truncate(end);
    }
    let campaign = |row: u32| {
        star.dims
            .campaign
            .value(f.campaign[row as usize])
            .unwrap_or("")
    };
    keyed.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| campaign(a.1).as_bytes().cmp(campaign(b.1).as_bytes()))
            .then(a.1.cmp(&b.1))
    });
    keyed.truncate(k);
    keyed.into_iter().map(|(_, row)| row).collect()
}

/// [`performance_order`], packing the keys into one u64 when they fit in `packed_bits`
/// (tests pass 0 to take the other way).
fn order_rows(star: &StarSchema, ranks: &Ranks, packed_bits: u32) -> Vec<u32> {
    let f = &star.campaigns;
    let campaign_ranks = star.dims.campaign.sort_ranks();
    // Each row's key gathered once and sorted where it lies: the date reversed, the
    // tenant's rank, the campaign's rank and the row itself, as bit fields of one u64
    // when they fit (as they do for any file of the generator's, 10M distinct ids
    // included: 8 bytes a row), else as a 16-byte tuple. Sorting row numbers by a key
    // looked up through three columns and two rank tables on every comparison was a
    // random read per comparison: at 10M rows, seconds of the first view.
    let bits = |n: u64| u64::BITS - n.leading_zeros();
    let (first, last) = (f.date.iter().min(), f.date.iter().max());
    let days = match (first, last) {
        (Some(&first), Some(&last)) => (i64::from(last) - i64::from(first)) as u64,
        _ => 0,
    };
    let newest = last.copied().unwrap_or(0);
    let widths = [
        bits(days),
        bits(star.dims.tenant.len() as u64),
        bits(star.dims.campaign.len() as u64),
        bits(f.len() as u64),
    ];
    if widths.iter().sum::<u32>() <= packed_bits {
        let [_, tenant_bits, campaign_bits, row_bits] = widths;
        let mut keys: Vec<u64> = (0..f.len())
            .map(|row| {
                let age = (i64::from(newest) - i64::from(f.date[row])) as u64;
                let tenant = u64::from(ranks.tenant[f.tenant.get(row) as usize]);
                let campaign = u64::from(campaign_ranks[f.campaign[row] as usize]);
                (((age << tenant_bits | tenant) << campaign_bits | campaign) << row_bits)
                    | row as u64
            })
            .collect();
        keys.sort_unstable();
        let row_mask = (1u64 << row_bits) - 1;
        return keys.into_iter().map(|k| (k & row_mask) as u32).collect();
    }
    let mut keyed: Vec<(u64, u32, u32)> = (0..f.len())
        .map(|row| {
            let newest_first = newest_first(f.date[row]);
            let tenant = ranks.tenant[f.tenant.get(row) as usize];
            (
                u64::from(newest_first) << 32 | u64::from(tenant),
                campaign_ranks[f.campaign[row] as usize],
                row as u32,
            )
        })
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, _, row)| row).collect()
}

/// campaign_performance: every fact row in scope with its ratios and category, in
/// `order` (see [`performance_order`]).
pub fn campaign_performance<'w>(
    scope: &Scope<'w>,
    order: &[u32],
    offset: usize,
    limit: Option<usize>,
) -> DashboardResult<'w> {
    let star = scope.star;
    let f = &star.campaigns;
    let dims = &star.dims;
    // The selection's rows as bits, so the walk in `order` tests a row with one read of
    // a 128 KB (at 1M rows) bitmap, and stops once the page is full: the count is the
    // selection's length.
    let selected = scope.selection().map(|rows| {
        let mut bits = vec![0u64; f.len().div_ceil(64)];
        for &row in rows {
            bits[row as usize / 64] |= 1 << (row % 64);
        }
        bits
    });
    let total = scope.campaign_row_count();
    let limit = limit
        .unwrap_or(usize::MAX)
        .min(total.saturating_sub(offset));
    let mut skipped = 0usize;
    let mut rows = Vec::with_capacity(limit.min(1 << 16));
    with_keys!(f.tenant, |tenant| {
        for &row in order {
            if rows.len() >= limit {
                break;
            }
            let row = row as usize;
            if selected
                .as_ref()
                .is_some_and(|bits| bits[row / 64] & (1 << (row % 64)) == 0)
            {
                continue;
            }
            if skipped < offset {
                skipped += 1;
                continue;
            }
            let (spend, revenue) = (f.spend[row], f.revenue[row]);
            rows.push(vec![
                tenant_text(star, tenant[row].key()),
                Value::text(dims.campaign.value(f.campaign[row])),
                Value::text(dims.campaign_name.value(f.campaign_name[row])),
                Value::Date(f.date[row]),
                int(u64::from(f.impressions[row])),
                int(u64::from(f.clicks[row])),
                int(u64::from(f.conversions[row])),
                money(i128::from(spend)),
                money(i128::from(revenue)),
                Value::float(ctr(u64::from(f.clicks[row]), u64::from(f.impressions[row]))),
                Value::float(row_roi(spend, revenue)),
                Value::Text(PerformanceCategory::of(spend, revenue).label()),
            ]);
        }
    });
    DashboardResult {
        columns: &CAMPAIGN_PERFORMANCE,
        rows,
        total_rows: Some(total),
    }
}

#[cfg(test)]
mod tests {
    use super::{order_rows, performance_order, performance_top};
    use crate::query::dashboards::tests::{only, rows, warehouse};
    use crate::query::dashboards::Ranks;
    use crate::query::{Dashboard, Query, Scope};
    use crate::Value;
    use proptest::prelude::*;

    proptest! {
        /// The first `k` rows by selection are the whole order's first `k` rows in
        /// scope: few dates, tenants and campaign ids, so many keys tie, and ids whose
        /// byte order is not their order of arrival.
        #[test]
        fn top_rows_are_the_first_rows_of_the_whole_order(
            facts in prop::collection::vec((0u8..4, 0u8..3, 0u8..12), 1..80),
            scope in 0u8..4,
            k in 0usize..90,
        ) {
            let rows: Vec<String> = facts
                .iter()
                .map(|(day, tenant, campaign)| {
                    format!("t{tenant},c{campaign},x,2024-11-0{},100,10,1,1.00,2.00,North,A", day + 1)
                })
                .collect();
            let w = warehouse(&rows.iter().map(String::as_str).collect::<Vec<_>>());
            let query = match scope {
                0 => Query::default(),
                1 => only(&["t1"]),
                2 => only(&["t0", "t2"]),
                _ => Query { from: Some("2024-11-02".into()), ..Query::default() },
            };
            let star = w.star();
            let ranks = Ranks::build(star);
            let scope = Scope::new(star, &query).unwrap();
            let in_scope: Vec<u32> = scope.campaign_rows().map(|r| r as u32).collect();
            let whole: Vec<u32> = performance_order(star, &ranks)
                .into_iter()
                .filter(|r| in_scope.contains(r))
                .take(k)
                .collect();
            prop_assert_eq!(performance_top(&scope, &ranks, k), whole);
        }
    }

    #[test]
    fn a_first_page_is_the_same_before_and_after_the_order_is_kept() {
        let w = warehouse(&[
            "b,c2,x,2024-11-01,100,10,1,0.70,2.10,North,A",
            "a,c10,x,2024-11-02,100,10,1,1.00,0.50,North,A",
            "a,c9,x,2024-11-02,100,10,1,0,1.00,North,A",
            "c,c0,x,2024-11-01,100,10,1,1.00,4.00,North,A",
            "a,c0,x,2024-11-01,100,10,1,1.00,4.00,North,A",
        ]);
        let pages = [(0, 2), (1, 3), (4, 5), (9, 1)];
        let page = |offset: usize, limit: usize| Query {
            offset: Some(offset),
            limit: Some(limit),
            ..Query::default()
        };
        let before: Vec<_> = pages
            .iter()
            .map(|&(o, l)| {
                w.dashboard(Dashboard::CampaignPerformance, &page(o, l))
                    .unwrap()
            })
            .collect();
        w.prepare();
        for (&(o, l), before) in pages.iter().zip(before) {
            let after = w
                .dashboard(Dashboard::CampaignPerformance, &page(o, l))
                .unwrap();
            assert_eq!(after, before, "offset {o}, limit {l}");
        }
        assert_eq!(
            rows(&w, Dashboard::CampaignPerformance, &page(0, 5))
                .iter()
                .map(|r| format!("{} {} {}", r[3], r[0], r[1]))
                .collect::<Vec<_>>(),
            [
                "2024-11-02 a c10",
                "2024-11-02 a c9",
                "2024-11-01 a c0",
                "2024-11-01 b c2",
                "2024-11-01 c c0",
            ]
        );
    }

    #[test]
    fn packed_and_tuple_row_orders_agree_with_a_plain_sort() {
        // Dates far apart (0001 and 9999), tenants and campaigns whose byte order is
        // not their order of arrival, replaced rows.
        let w = warehouse(&[
            "b,c2,x,2024-11-01,100,10,1,0.70,2.10,North,A",
            "a,c9,x,0001-01-01,100,10,1,1.00,0.50,North,A",
            "a,c10,x,9999-12-31,100,10,1,0,1.00,North,A",
            "a,c0,x,2024-11-01,100,10,1,1.00,4.00,North,A",
            "c,c0,x,2024-11-01,100,10,1,1.00,4.00,North,A",
            "a,c9,x,2024-11-01,100,10,1,1.00,0.50,North,A",
            "b,c2,x,2024-11-01,1,1,1,0.70,2.10,North,A",
        ]);
        let star = w.star();
        let ranks = Ranks::build(star);
        let f = &star.campaigns;
        let text = |d: &crate::model::dict::Dictionary, k: u32| d.value(k).unwrap().to_string();
        let mut expected: Vec<u32> = (0..f.len() as u32).collect();
        expected.sort_by_key(|&row| {
            let row = row as usize;
            (
                std::cmp::Reverse(f.date[row]),
                text(&star.dims.tenant, f.tenant.get(row)),
                text(&star.dims.campaign, f.campaign[row]),
            )
        });
        assert_eq!(order_rows(star, &ranks, u64::BITS), expected, "packed");
        assert_eq!(order_rows(star, &ranks, 0), expected, "tuples");
    }

    #[test]
    fn campaign_performance_order_paging_and_categories() {
        let w = warehouse(&[
            "b,c2,x,2024-11-01,100,10,1,0.70,2.10,North,A",
            "a,c9,x,2024-11-01,100,10,1,1.00,0.50,North,A",
            "a,c1,x,2024-11-02,100,10,1,0,1.00,North,A",
            "a,c0,x,2024-11-01,100,10,1,1.00,4.00,North,A",
        ]);
        let all = rows(&w, Dashboard::CampaignPerformance, &Query::default());
        let keys: Vec<(&str, &str, &str, &str)> = all
            .iter()
            .map(|r| (r[0].as_str(), r[1].as_str(), r[3].as_str(), r[11].as_str()))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("a", "c1", "2024-11-02", "Unknown"),
                ("a", "c0", "2024-11-01", "Excellent"),
                ("a", "c9", "2024-11-01", "Loss"),
                ("b", "c2", "2024-11-01", "Good"),
            ]
        );
        let page = w
            .dashboard(
                Dashboard::CampaignPerformance,
                &Query {
                    offset: Some(1),
                    limit: Some(2),
                    ..Query::default()
                },
            )
            .unwrap();
        assert_eq!(page.total_rows, Some(4));
        assert_eq!(page.rows.len(), 2);
        assert_eq!(page.rows[0][1], Value::Text("c0"));
        assert_eq!(
            w.dashboard(Dashboard::CampaignPerformance, &Query::default())
                .unwrap()
                .total_rows,
            None
        );
    }
}
