//! What the kernels share: the per-tenant sums of fact rows (one scan for the summary and
//! the funnel), the fact columns read as slices, and the result value helpers.

use crate::model::date::Day;
use crate::model::keys::Key;
use crate::model::star::{Campaigns, StarSchema};
use crate::query::dashboards::Ranks;
use crate::query::result::Value;
use crate::query::Scope;
use crate::transform::metrics::{ctr, row_roi};
use crate::with_keys;

/// Cells of the dense tenant x day grid of `daily_performance` at most.
pub(super) const MAX_DENSE_CELLS: usize = 1 << 18;

pub(super) fn money(sum: i128) -> Value<'static> {
    Value::Money(sum)
}

pub(super) fn int(n: u64) -> Value<'static> {
    Value::Int(n as i64)
}

pub(super) fn tenant_text<'w>(star: &'w StarSchema, key: u32) -> Value<'w> {
    Value::text(star.dims.tenant.value(key))
}

/// Sums of a group of fact rows.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct FactSums {
    pub(super) rows: u64,
    pub(super) impressions: u64,
    pub(super) clicks: u64,
    pub(super) conversions: u64,
    pub(super) spend: i128,
    pub(super) revenue: i128,
    pub(super) ctr_sum: f64,
    pub(super) ctr_count: u64,
    pub(super) roi_sum: f64,
    pub(super) roi_count: u64,
}

impl FactSums {
    #[inline(always)]
    fn add(&mut self, star: &StarSchema, row: usize) {
        self.add_counts(star, row);
        let f = &star.campaigns;
        self.spend += i128::from(f.spend[row]);
        self.revenue += i128::from(f.revenue[row]);
    }

    /// The row count and the funnel's counts alone.
    #[inline(always)]
    fn add_counts(&mut self, star: &StarSchema, row: usize) {
        let f = &star.campaigns;
        self.rows += 1;
        self.impressions += u64::from(f.impressions[row]);
        self.clicks += u64::from(f.clicks[row]);
        self.conversions += u64::from(f.conversions[row]);
    }

    #[inline(always)]
    fn add_row_ratios(&mut self, star: &StarSchema, row: usize) {
        let f = &star.campaigns;
        if let Some(c) = ctr(u64::from(f.clicks[row]), u64::from(f.impressions[row])) {
            self.ctr_sum += c;
            self.ctr_count += 1;
        }
        if let Some(r) = row_roi(f.spend[row], f.revenue[row]) {
            self.roi_sum += r;
            self.roi_count += 1;
        }
    }
}

/// Sums of the scope's fact rows indexed by tenant key, given the fact table's tenant
/// keys at their stored width: a kernel compiled per width.
///
/// Files come grouped by tenant more often than not, so a tenant's sums stay in
/// registers while its rows follow one another, and go back to memory when the tenant
/// changes: adding into `sums[tenant]` row by row made each row wait for the previous
/// row's store (a chain of store-to-load latencies through one struct). Rows are added
/// in the same order either way, so every sum, the floating-point ones included, is the
/// same.
///
/// What is added is fixed per kernel, so each loop reads only the columns its dashboard
/// shows: `MONEY` adds spend and revenue (128-bit sums), `RATIOS` the row ratios' sums.
fn tenant_sums<T: Key, const MONEY: bool, const RATIOS: bool>(
    scope: &Scope<'_>,
    tenant: &[T],
) -> Vec<FactSums> {
    let star = scope.star;
    let mut sums = vec![FactSums::default(); star.dims.tenant.len()];
    let mut current = usize::MAX;
    let mut acc = FactSums::default();
    scope.for_each_campaign_row(
        tenant,
        #[inline(always)]
        |row| {
            let key = tenant[row].key() as usize;
            if key != current {
                if let Some(done) = sums.get_mut(current) {
                    *done = acc;
                }
                current = key;
                acc = sums[key];
            }
            if MONEY {
                acc.add(star, row);
            } else {
                acc.add_counts(star, row);
            }
            if RATIOS {
                acc.add_row_ratios(star, row);
            }
        },
    );
    if let Some(done) = sums.get_mut(current) {
        *done = acc;
    }
    sums
}

/// Per-tenant sums over the scope's fact rows, tenants in output order (see
/// [`tenant_sums`] for `MONEY` and `RATIOS`).
pub(super) fn sums_by_tenant<const MONEY: bool, const RATIOS: bool>(
    scope: &Scope<'_>,
    ranks: &Ranks,
) -> Vec<(u32, FactSums)> {
    let star = scope.star;
    let sums = with_keys!(star.campaigns.tenant, |tenant| tenant_sums::<
        _,
        MONEY,
        RATIOS,
    >(scope, tenant));
    let mut out: Vec<(u32, FactSums)> = sums
        .into_iter()
        .enumerate()
        .filter(|(_, s)| s.rows > 0)
        .map(|(k, s)| (k as u32, s))
        .collect();
    out.sort_unstable_by_key(|(k, _)| ranks.tenant[*k as usize]);
    out
}

/// The scope's per-tenant sums (with the row ratios' means), tenants in output order:
/// what `campaign_summary` and `conversion_funnel` are both made of, so a view that shows
/// both scans the facts for them once
/// ([`campaign_summary_from`](super::campaign_summary_from),
/// [`conversion_funnel_from`](super::conversion_funnel_from)).
#[derive(Debug, Clone)]
pub struct TenantSums(pub(super) Vec<(u32, FactSums)>);

impl TenantSums {
    /// One scan of the scope's fact rows.
    pub fn of(scope: &Scope<'_>, ranks: &Ranks) -> Self {
        TenantSums(sums_by_tenant::<true, true>(scope, ranks))
    }
}

/// The fact columns `daily_performance` and `target_vs_actual`'s actuals read, as slices
/// of the table's length.
///
/// Held in a local, their pointers and lengths stay in registers through the scan: read
/// through `&Campaigns`, each row reloaded them from the table (the stores into the
/// grid might have changed them, as far as the compiler could tell), and checked each
/// index against a length it could not see was the loop's.
#[derive(Clone, Copy)]
pub(super) struct DayColumns<'a> {
    pub(super) date: &'a [Day],
    pub(super) conversions: &'a [u32],
    pub(super) spend: &'a [i64],
    pub(super) revenue: &'a [i64],
}

impl<'a> DayColumns<'a> {
    pub(super) fn of(f: &'a Campaigns) -> Self {
        let n = f.len();
        DayColumns {
            date: &f.date[..n],
            conversions: &f.conversions[..n],
            spend: &f.spend[..n],
            revenue: &f.revenue[..n],
        }
    }
}
