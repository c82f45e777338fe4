//! daily_performance: per tenant and date, on a dense tenant x day grid when it is small
//! enough, else a hash map.

use crate::model::date::Day;
use crate::model::keys::Key;
use crate::query::dashboards::sums::{int, money, tenant_text, DayColumns, MAX_DENSE_CELLS};
use crate::query::dashboards::{Ranks, DAILY_PERFORMANCE};
use crate::query::result::{DashboardResult, Value};
use crate::query::Scope;
use crate::with_keys;
use foldhash::fast::RandomState;
use std::collections::HashMap;

/// Sums of one tenant's day: only what `daily_performance` shows, so a cell of its
/// tenant x day grid is 48 bytes, not a [`FactSums`](super::sums::FactSums)' 96 (at 100
/// tenants x a year of days the grid is 1.7 MB, not 3.5: the row-by-row writes to random
/// cells miss the cache less).
#[derive(Debug, Clone, Copy, Default)]
struct DaySums {
    rows: u64,
    conversions: u64,
    spend: i128,
    revenue: i128,
}

impl DaySums {
    #[inline(always)]
    fn add(&mut self, f: DayColumns<'_>, row: usize) {
        self.rows += 1;
        self.conversions += u64::from(f.conversions[row]);
        self.spend += i128::from(f.spend[row]);
        self.revenue += i128::from(f.revenue[row]);
    }
}

/// daily_performance: per tenant and date, conversions, revenue, spend and profit.
pub fn daily_performance<'w>(scope: &Scope<'w>, ranks: &Ranks) -> DashboardResult<'w> {
    let star = scope.star;
    let f = &star.campaigns;
    let columns = DayColumns::of(f);
    let days = ranks.month_of_day.len();
    let tenants = star.dims.tenant.len();
    let cells = tenants.saturating_mul(days);
    // (tenant, day, sums) of each group with rows, in the result's order.
    let mut groups: Vec<(u32, Day, DaySums)>;
    if days > 0 && cells <= MAX_DENSE_CELLS {
        // A dense tenant x day grid: one array index per row instead of a hash lookup,
        // and read back in tenant rank then day order, so nothing is sorted.
        let mut grid = vec![DaySums::default(); cells];
        with_keys!(f.tenant, |tenant| {
            let tenant = &tenant[..columns.date.len()];
            scope.for_each_campaign_row(
                tenant,
                #[inline(always)]
                |row| {
                    let day = (columns.date[row] - ranks.first_day) as usize;
                    grid[tenant[row].key() as usize * days + day].add(columns, row);
                },
            )
        });
        let mut by_rank: Vec<u32> = (0..tenants as u32).collect();
        by_rank.sort_unstable_by_key(|&t| ranks.tenant[t as usize]);
        groups = Vec::new();
        for t in by_rank {
            let row = &grid[t as usize * days..][..days];
            groups.extend(
                row.iter()
                    .enumerate()
                    .filter(|(_, sums)| sums.rows > 0)
                    .map(|(day, sums)| (t, ranks.first_day + day as Day, *sums)),
            );
        }
    } else {
        let mut map: HashMap<(u32, Day), DaySums, RandomState> = HashMap::default();
        with_keys!(f.tenant, |tenant| {
            let tenant = &tenant[..columns.date.len()];
            scope.for_each_campaign_row(
                tenant,
                #[inline(always)]
                |row| {
                    map.entry((tenant[row].key(), columns.date[row]))
                        .or_default()
                        .add(columns, row);
                },
            )
        });
        groups = map.into_iter().map(|((t, d), sums)| (t, d, sums)).collect();
        groups.sort_unstable_by_key(|&(t, d, _)| (ranks.tenant[t as usize], d));
    }
    let rows = groups
        .into_iter()
        .map(|(tenant, day, s)| {
            vec![
                tenant_text(star, tenant),
                Value::Date(day),
                int(s.conversions),
                money(s.revenue),
                money(s.spend),
                money(s.revenue - s.spend),
            ]
        })
        .collect();
    DashboardResult {
        columns: &DAILY_PERFORMANCE,
        rows,
        total_rows: None,
    }
}

#[cfg(test)]
mod tests {
    use crate::query::dashboards::tests::{rows, warehouse};
    use crate::query::dashboards::Ranks;
    use crate::query::{Dashboard, Query};

    #[test]
    fn daily_performance_groups_by_tenant_then_date() {
        let w = warehouse(&[
            "b,c1,x,2024-11-02,100,10,1,1.00,3.00,North,A",
            "a,c1,x,2024-11-02,100,10,2,1.00,0.50,North,A",
            "a,c2,x,2024-11-01,100,10,3,2.00,1.00,North,A",
            "a,c3,x,2024-11-02,100,10,4,1.00,1.00,North,A",
        ]);
        assert_eq!(
            rows(&w, Dashboard::DailyPerformance, &Query::default()),
            vec![
                vec!["a", "2024-11-01", "3", "1.00", "2.00", "-1.00"],
                vec!["a", "2024-11-02", "6", "1.50", "2.00", "-0.50"],
                vec!["b", "2024-11-02", "1", "3.00", "1.00", "2.00"],
            ]
        );
    }

    #[test]
    fn daily_performance_is_the_same_from_the_grid_and_from_the_hash_map() {
        // Tenants arriving out of byte order, several rows a day; then the same rows
        // with one more, 9,000 years later, which makes the span too long for the grid.
        let facts = [
            "b,c1,x,2024-11-02,100,10,1,1.00,3.00,North,A",
            "a,c1,x,2024-11-03,100,10,2,1.00,0.50,North,A",
            "c,c2,x,2024-11-01,100,10,3,2.00,1.00,North,A",
            "a,c3,x,2024-11-01,100,10,4,1.00,1.00,North,A",
            "a,c4,x,2024-11-03,100,10,5,7.00,1.25,North,A",
            "b,c5,x,2024-11-01,100,10,6,1.00,1.00,North,A",
        ];
        let far = "d,c6,x,9999-12-31,100,10,7,1.00,2.00,North,A";
        let dense = rows(
            &warehouse(&facts),
            Dashboard::DailyPerformance,
            &Query::default(),
        );
        let mut with_far = facts.to_vec();
        with_far.push(far);
        let w = warehouse(&with_far);
        assert!(
            Ranks::build(w.star()).month_of_day.is_empty(),
            "the far row spans too long"
        );
        let sparse = rows(&w, Dashboard::DailyPerformance, &Query::default());
        let mut expected = dense.clone();
        expected.push(
            vec!["d", "9999-12-31", "7", "2.00", "1.00", "1.00"]
                .into_iter()
                .map(String::from)
                .collect(),
        );
        assert_eq!(sparse, expected);
        assert_eq!(
            dense
                .iter()
                .map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str()))
                .collect::<Vec<_>>(),
            [
                ("a", "2024-11-01", "4"),
                ("a", "2024-11-03", "7"),
                ("b", "2024-11-01", "6"),
                ("b", "2024-11-02", "1"),
                ("c", "2024-11-01", "3"),
            ]
        );
    }
}
