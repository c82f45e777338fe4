//! channel_mix: per tenant and channel, on a dense tenant x channel grid when it is small
//! enough, else a hash map.

use crate::model::keys::Key;
use crate::query::dashboards::sums::{money, tenant_text, MAX_DENSE_CELLS};
use crate::query::dashboards::{Ranks, CHANNEL_MIX};
use crate::query::result::{DashboardResult, Value};
use crate::query::Scope;
use crate::transform::metrics::roi;
use crate::with_keys;
use foldhash::fast::RandomState;
use std::collections::HashMap;

/// channel_mix: per tenant and channel, spend, revenue and the roi of the sums.
pub fn channel_mix<'w>(scope: &Scope<'w>, ranks: &Ranks) -> DashboardResult<'w> {
    let star = scope.star;
    let f = &star.campaigns;
    let mut groups: HashMap<(u32, u32), (i128, i128), RandomState> = HashMap::default();
    // Every fact row has a channel ("Unknown" at worst), so channel keys are dense.
    let channels = star.dims.channel.len();
    let cells = star.dims.tenant.len().saturating_mul(channels);
    if cells <= MAX_DENSE_CELLS {
        // A dense tenant x channel grid: an array index per row, not a hash lookup.
        let mut grid = vec![(0i128, 0i128, 0u64); cells];
        with_keys!(f.tenant, |tenant| with_keys!(f.channel, |channel| {
            scope.for_each_campaign_row(
                tenant,
                #[inline(always)]
                |row| {
                    let acc = &mut grid
                        [tenant[row].key() as usize * channels + channel[row].key() as usize];
                    acc.0 += i128::from(f.spend[row]);
                    acc.1 += i128::from(f.revenue[row]);
                    acc.2 += 1;
                },
            )
        }));
        for (i, (spend, revenue, rows)) in grid.into_iter().enumerate() {
            if rows > 0 {
                groups.insert(
                    ((i / channels) as u32, (i % channels) as u32),
                    (spend, revenue),
                );
            }
        }
    } else {
        with_keys!(f.tenant, |tenant| with_keys!(f.channel, |channel| {
            scope.for_each_campaign_row(
                tenant,
                #[inline(always)]
                |row| {
                    let acc = groups
                        .entry((tenant[row].key(), channel[row].key()))
                        .or_default();
                    acc.0 += i128::from(f.spend[row]);
                    acc.1 += i128::from(f.revenue[row]);
                },
            )
        }));
    }
    let mut keys: Vec<(u32, u32)> = groups.keys().copied().collect();
    keys.sort_unstable_by_key(|&(t, c)| (ranks.tenant[t as usize], ranks.channel[c as usize]));
    let rows = keys
        .into_iter()
        .map(|(t, c)| {
            let (spend, revenue) = groups[&(t, c)];
            vec![
                tenant_text(star, t),
                Value::text(star.dims.channel.value(c)),
                money(spend),
                money(revenue),
                Value::float(roi(spend, revenue)),
            ]
        })
        .collect();
    DashboardResult {
        columns: &CHANNEL_MIX,
        rows,
        total_rows: None,
    }
}

#[cfg(test)]
mod tests {
    use crate::query::dashboards::tests::rows;
    use crate::query::{Dashboard, Query};
    use crate::Warehouse;

    #[test]
    fn channel_mix_from_column_name_or_unknown() {
        let mut w = Warehouse::new();
        w.load(
            "c.csv",
            b"tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,channel\n\
              a,c1,Spring - Search,2024-11-01,10,1,1,1.00,3.00,\n\
              a,c2,Spring - Search,2024-11-01,10,1,1,1.00,1.00,Email\n\
              a,c3,No channel here,2024-11-01,10,1,1,2.00,1.00,\n\
              a,c4,,2024-11-01,10,1,1,0,1.00,\n",
        );
        assert_eq!(
            rows(&w, Dashboard::ChannelMix, &Query::default()),
            vec![
                vec!["a", "Email", "1.00", "1.00", "0"],
                vec!["a", "Search", "1.00", "3.00", "2"],
                vec!["a", "Unknown", "2.00", "2.00", "0"],
            ]
        );
    }
}
