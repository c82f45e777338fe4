//! The dashboards of SPEC §6, each a function of a [`Scope`].
//!
//! Group-bys accumulate into arrays indexed by dictionary key (tenant, channel) or into
//! hash maps keyed by packed integer keys (tenant x date, target keys), then order the
//! groups by the byte order of their text via precomputed sort ranks. Loops over fact
//! rows read key columns through [`with_keys!`](crate::with_keys), so each is compiled
//! per key width and reads `u16` or `u32` keys without a branch per row.

use crate::model::date::{ymd_from_day, Day};
use crate::model::dict::NULL_KEY;
use crate::model::keys::{Key, Keys};
use crate::model::star::{Campaigns, StarSchema};
use crate::query::result::{DashboardResult, Value};
use crate::query::Scope;
use crate::transform::metrics::{
    conversion_rate, ctr, money_per, ratio, roi, row_roi, PerformanceCategory,
};
use crate::with_keys;
use foldhash::fast::RandomState;
use std::collections::HashMap;

use crate::model::columns::Column as C;
use crate::query::columns::{decl, star, ColumnDecl, ColumnType as T};

/// The columns of each dashboard, in order, with their types and labels: the one place
/// they are declared (the kernels below return them; the page and the CLI format by
/// them). A column that is a star schema column (`star(..)`) takes its name, type and
/// label from the column table.
pub const CAMPAIGN_SUMMARY: [ColumnDecl; 10] = [
    star(C::TenantId),
    decl("campaigns", T::Integer, "Campaigns"),
    star(C::Impressions),
    star(C::Clicks),
    star(C::Conversions),
    star(C::Spend),
    star(C::Revenue),
    star(C::Profit),
    decl("avg_ctr", T::Ratio, "Avg CTR"),
    decl("avg_roi", T::Ratio, "Avg ROI"),
];
pub const CONVERSION_FUNNEL: [ColumnDecl; 6] = [
    star(C::TenantId),
    star(C::Impressions),
    star(C::Clicks),
    star(C::Conversions),
    decl("ctr_pct", T::Number, "CTR %"),
    decl("conversion_rate_pct", T::Number, "Conv. rate %"),
];
pub const DAILY_PERFORMANCE: [ColumnDecl; 6] = [
    star(C::TenantId),
    star(C::Date),
    star(C::Conversions),
    star(C::Revenue),
    star(C::Spend),
    star(C::Profit),
];
pub const CAMPAIGN_PERFORMANCE: [ColumnDecl; 12] = [
    star(C::TenantId),
    star(C::CampaignId),
    star(C::CampaignName),
    star(C::Date),
    star(C::Impressions),
    star(C::Clicks),
    star(C::Conversions),
    star(C::Spend),
    star(C::Revenue),
    star(C::Ctr),
    star(C::Roi),
    star(C::PerformanceCategory),
];
pub const CHANNEL_MIX: [ColumnDecl; 5] = [
    star(C::TenantId),
    star(C::Channel),
    star(C::Spend),
    star(C::Revenue),
    star(C::Roi),
];
pub const TARGET_VS_ACTUAL: [ColumnDecl; 12] = [
    star(C::TenantId),
    star(C::Region),
    star(C::Product),
    star(C::Year),
    star(C::Month),
    star(C::TargetRevenue),
    decl("actual_revenue", T::Money, "Actual revenue"),
    decl("attainment", T::Ratio, "Attainment"),
    star(C::TargetConversions),
    decl("actual_conversions", T::Integer, "Actual conversions"),
    star(C::TargetSpend),
    decl("actual_spend", T::Money, "Actual spend"),
];
pub const CUSTOMER_SUMMARY: [ColumnDecl; 5] = [
    star(C::TenantId),
    decl("customers", T::Integer, "Customers"),
    star(C::TotalSpent),
    star(C::TotalOrders),
    star(C::AvgOrderValue),
];

/// Actual (revenue, conversions, spend) keyed by (tenant, region, product, month index).
/// Revenue, conversions and spend of the facts of one (tenant, region, product, month).
type ActualSums = (i128, u64, i128);

/// The actuals of target_vs_actual by (tenant, region, product, `year * 12 + month - 1`):
/// a dense array indexed by the keys when the dimensions and the facts' months are few
/// enough (the usual case: one array index per fact row), else a hash map.
enum Actuals {
    Dense {
        sums: Vec<ActualSums>,
        regions: usize,
        products: usize,
        first_month: i32,
        months: usize,
    },
    Sparse(HashMap<(u32, u32, u32, i32), ActualSums, RandomState>),
}

impl Actuals {
    fn get(&self, tenant: u32, region: u32, product: u32, month: i32) -> ActualSums {
        match self {
            Actuals::Dense {
                sums,
                regions,
                products,
                first_month,
                months,
            } => {
                let Ok(m) = usize::try_from(month - first_month) else {
                    return ActualSums::default();
                };
                if m >= *months || region as usize >= *regions || product as usize >= *products {
                    return ActualSums::default();
                }
                let i = ((tenant as usize * regions + region as usize) * products
                    + product as usize)
                    * months
                    + m;
                sums.get(i).copied().unwrap_or_default()
            }
            Actuals::Sparse(map) => map
                .get(&(tenant, region, product, month))
                .copied()
                .unwrap_or_default(),
        }
    }
}

#[inline(always)]
fn add_actuals(acc: &mut ActualSums, run: ActualSums) {
    acc.0 += run.0;
    acc.1 += run.1;
    acc.2 += run.2;
}

/// Cells of the dense actuals array at most (48 bytes each: 12 MiB).
const MAX_DENSE_ACTUAL_CELLS: usize = 1 << 18;

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
/// Cells of the dense tenant x day grid of `daily_performance` at most.
const MAX_DENSE_CELLS: usize = 1 << 18;

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
    fn month_index(&self, day: Day) -> i32 {
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
/// (about 40 ms of the page's first view at 1M rows).
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

fn money(sum: i128) -> Value<'static> {
    Value::Money(sum)
}

fn int(n: u64) -> Value<'static> {
    Value::Int(n as i64)
}

fn tenant_text<'w>(star: &'w StarSchema, key: u32) -> Value<'w> {
    Value::text(star.dims.tenant.value(key))
}

/// Sums of a group of fact rows.
#[derive(Debug, Clone, Copy, Default)]
struct FactSums {
    rows: u64,
    impressions: u64,
    clicks: u64,
    conversions: u64,
    spend: i128,
    revenue: i128,
    ctr_sum: f64,
    ctr_count: u64,
    roi_sum: f64,
    roi_count: u64,
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
fn sums_by_tenant<const MONEY: bool, const RATIOS: bool>(
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
/// both scans the facts for them once ([`campaign_summary_from`],
/// [`conversion_funnel_from`]).
#[derive(Debug, Clone)]
pub struct TenantSums(Vec<(u32, FactSums)>);

impl TenantSums {
    /// One scan of the scope's fact rows.
    pub fn of(scope: &Scope<'_>, ranks: &Ranks) -> Self {
        TenantSums(sums_by_tenant::<true, true>(scope, ranks))
    }
}

/// campaign_summary: per tenant, row count, sums, and the means of row ctr and roi.
pub fn campaign_summary<'w>(scope: &Scope<'w>, ranks: &Ranks) -> DashboardResult<'w> {
    campaign_summary_from(scope, &TenantSums::of(scope, ranks))
}

/// campaign_summary from sums already taken over the same scope.
pub fn campaign_summary_from<'w>(scope: &Scope<'w>, sums: &TenantSums) -> DashboardResult<'w> {
    let rows = sums
        .0
        .iter()
        .map(|&(tenant, s)| {
            vec![
                tenant_text(scope.star, tenant),
                int(s.rows),
                int(s.impressions),
                int(s.clicks),
                int(s.conversions),
                money(s.spend),
                money(s.revenue),
                money(s.revenue - s.spend),
                Value::float(ratio(s.ctr_sum, s.ctr_count as f64)),
                Value::float(ratio(s.roi_sum, s.roi_count as f64)),
            ]
        })
        .collect();
    DashboardResult {
        columns: &CAMPAIGN_SUMMARY,
        rows,
        total_rows: None,
    }
}

/// conversion_funnel: per tenant, the funnel sums and the ratios of the sums in percent.
pub fn conversion_funnel<'w>(scope: &Scope<'w>, ranks: &Ranks) -> DashboardResult<'w> {
    // Alone, the funnel reads only the counts it shows: no money, no row ratios.
    conversion_funnel_from(
        scope,
        &TenantSums(sums_by_tenant::<false, false>(scope, ranks)),
    )
}

/// conversion_funnel from sums already taken over the same scope.
pub fn conversion_funnel_from<'w>(scope: &Scope<'w>, sums: &TenantSums) -> DashboardResult<'w> {
    let rows = sums
        .0
        .iter()
        .map(|&(tenant, s)| {
            vec![
                tenant_text(scope.star, tenant),
                int(s.impressions),
                int(s.clicks),
                int(s.conversions),
                Value::float(ctr(s.clicks, s.impressions).map(|r| 100.0 * r)),
                Value::float(conversion_rate(s.conversions, s.clicks).map(|r| 100.0 * r)),
            ]
        })
        .collect();
    DashboardResult {
        columns: &CONVERSION_FUNNEL,
        rows,
        total_rows: None,
    }
}

/// Sums of one tenant's day: only what `daily_performance` shows, so a cell of its
/// tenant x day grid is 48 bytes, not a [`FactSums`]' 96 (at 100 tenants x a year of
/// days the grid is 1.7 MB, not 3.5: the row-by-row writes to random cells miss the
/// cache less).
#[derive(Debug, Clone, Copy, Default)]
struct DaySums {
    rows: u64,
    conversions: u64,
    spend: i128,
    revenue: i128,
}

/// The fact columns `daily_performance` and `target_vs_actual`'s actuals read, as slices
/// of the table's length.
///
/// Held in a local, their pointers and lengths stay in registers through the scan: read
/// through `&Campaigns`, each row reloaded them from the table (the stores into the
/// grid might have changed them, as far as the compiler could tell), and checked each
/// index against a length it could not see was the loop's.
#[derive(Clone, Copy)]
struct DayColumns<'a> {
    date: &'a [Day],
    conversions: &'a [u32],
    spend: &'a [i64],
    revenue: &'a [i64],
}

impl<'a> DayColumns<'a> {
    fn of(f: &'a Campaigns) -> Self {
        let n = f.len();
        DayColumns {
            date: &f.date[..n],
            conversions: &f.conversions[..n],
            spend: &f.spend[..n],
            revenue: &f.revenue[..n],
        }
    }
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

/// The actuals of the scope's fact rows, given the fact table's tenant, region and
/// product keys at their stored widths.
fn actuals<T: Key, R: Key, P: Key>(
    scope: &Scope<'_>,
    ranks: &Ranks,
    tenant: &[T],
    region: &[R],
    product: &[P],
) -> Actuals {
    let star = scope.star;
    let f = &star.campaigns;
    let (tenants, regions, products) = (
        star.dims.tenant.len(),
        star.dims.region.len(),
        star.dims.product.len(),
    );
    let (first_month, last_month) = (
        ranks.month_of_day.first().copied().unwrap_or(0),
        ranks.month_of_day.last().copied().unwrap_or(-1),
    );
    let months = usize::try_from(last_month - first_month + 1).unwrap_or(0);
    let cells = tenants
        .checked_mul(regions)
        .and_then(|c| c.checked_mul(products))
        .and_then(|c| c.checked_mul(months))
        .filter(|&c| c > 0 && c <= MAX_DENSE_ACTUAL_CELLS);
    if let Some(cells) = cells {
        // Every fact date lies in the months table's span, so each index is in range.
        let mut sums = vec![ActualSums::default(); cells];
        // Locals of the table's length (see `DayColumns`), and each day's month as an
        // offset into the cell's months.
        let columns = DayColumns::of(f);
        let n = columns.date.len();
        let (tenant, region, product) = (&tenant[..n], &region[..n], &product[..n]);
        let month_of_day: Vec<u32> = ranks
            .month_of_day
            .iter()
            .map(|&m| (m - first_month) as u32)
            .collect();
        let first_day = ranks.first_day;
        // A campaign's days follow one another in most files, so a row mostly falls
        // in the cell of the row before: the cell's sums are kept in locals while it
        // does, and added into the array when the cell changes. Adding into the array
        // row by row made each row wait for the previous row's store to the same cell
        // (a profile put a third of the scan on one add). Integer sums, so the order
        // of the adds changes nothing.
        let mut cell = usize::MAX;
        let mut run = ActualSums::default();
        scope.for_each_campaign_row(
            tenant,
            #[inline(always)]
            |row| {
                let (r, p) = (region[row].key(), product[row].key());
                if r == NULL_KEY || p == NULL_KEY {
                    return;
                }
                let m = month_of_day[(columns.date[row] - first_day) as usize] as usize;
                let i = ((tenant[row].key() as usize * regions + r as usize) * products
                    + p as usize)
                    * months
                    + m;
                if i != cell {
                    if cell != usize::MAX {
                        add_actuals(&mut sums[cell], run);
                    }
                    cell = i;
                    run = ActualSums::default();
                }
                run.0 += i128::from(columns.revenue[row]);
                run.1 += u64::from(columns.conversions[row]);
                run.2 += i128::from(columns.spend[row]);
            },
        );
        if cell != usize::MAX {
            add_actuals(&mut sums[cell], run);
        }
        return Actuals::Dense {
            sums,
            regions,
            products,
            first_month,
            months,
        };
    }
    let mut map: HashMap<(u32, u32, u32, i32), ActualSums, RandomState> = HashMap::default();
    scope.for_each_campaign_row(
        tenant,
        #[inline(always)]
        |row| {
            let (region, product) = (region[row].key(), product[row].key());
            if region == NULL_KEY || product == NULL_KEY {
                return;
            }
            let acc = map
                .entry((
                    tenant[row].key(),
                    region,
                    product,
                    ranks.month_index(f.date[row]),
                ))
                .or_default();
            acc.0 += i128::from(f.revenue[row]);
            acc.1 += u64::from(f.conversions[row]);
            acc.2 += i128::from(f.spend[row]);
        },
    );
    Actuals::Sparse(map)
}

/// Every target row in `target_vs_actual` order: tenant_id, region, product (byte
/// order), year, month. Computed once per warehouse state and then filtered per query:
/// sorting the rows in scope on every query, by keys read through three rank tables on
/// each comparison, took about a third of the dashboard's time.
pub fn target_order(star: &StarSchema, ranks: &Ranks) -> Vec<u32> {
    let t = &star.targets;
    let mut keyed: Vec<_> = (0..t.len())
        .map(|r| {
            (
                ranks.tenant[t.tenant.get(r) as usize],
                ranks.region[t.region.get(r) as usize],
                ranks.product[t.product.get(r) as usize],
                t.year[r],
                t.month[r],
                r as u32,
            )
        })
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|key| key.5).collect()
}

/// target_vs_actual: every target row in scope with the actuals of its tenant, region,
/// product and month (facts with a null region or product match no target), in `order`
/// (see [`target_order`]).
pub fn target_vs_actual<'w>(
    scope: &Scope<'w>,
    ranks: &Ranks,
    order: &[u32],
) -> DashboardResult<'w> {
    let star = scope.star;
    let f = &star.campaigns;
    let t = &star.targets;
    // Actuals keyed by (tenant, region, product, year * 12 + month - 1).
    let actuals = if t.is_empty() {
        Actuals::Sparse(HashMap::default())
    } else {
        // Two instances of the kernel, not eight: the all-narrow one, and a `u32` one
        // over widened copies for any other mix of widths.
        match (f.tenant.keys(), f.region.keys(), f.product.keys()) {
            (Keys::Narrow(tenant), Keys::Narrow(region), Keys::Narrow(product)) => {
                actuals(scope, ranks, tenant, region, product)
            }
            _ => actuals(
                scope,
                ranks,
                &f.tenant.wide_keys(),
                &f.region.wide_keys(),
                &f.product.wide_keys(),
            ),
        }
    };
    let rows = order
        .iter()
        .map(|&r| r as usize)
        .filter(|&r| scope.has_target_row(r))
        .map(|r| {
            let month_index = i32::from(t.year[r]) * 12 + i32::from(t.month[r]) - 1;
            let (tenant, region, product) = (t.tenant.get(r), t.region.get(r), t.product.get(r));
            let (revenue, conversions, spend) = actuals.get(tenant, region, product, month_index);
            let target_revenue = i128::from(t.target_revenue[r]);
            vec![
                tenant_text(star, tenant),
                Value::text(star.dims.region.value(region)),
                Value::text(star.dims.product.value(product)),
                Value::Int(i64::from(t.year[r])),
                Value::Int(i64::from(t.month[r])),
                money(target_revenue),
                money(revenue),
                Value::float(ratio(revenue as f64, target_revenue as f64)),
                int(u64::from(t.target_conversions[r])),
                int(conversions),
                money(i128::from(t.target_spend[r])),
                money(spend),
            ]
        })
        .collect();
    DashboardResult {
        columns: &TARGET_VS_ACTUAL,
        rows,
        total_rows: None,
    }
}

/// customer_summary: per tenant, customers, sums and the average order value of the sums.
pub fn customer_summary<'w>(scope: &Scope<'w>, ranks: &Ranks) -> DashboardResult<'w> {
    let star = scope.star;
    let c = &star.customers;
    let mut sums = vec![(0u64, 0i128, 0u64); star.dims.tenant.len()];
    with_keys!(c.tenant, |tenant| {
        for row in scope.customer_rows_of(tenant) {
            let acc = &mut sums[tenant[row].key() as usize];
            acc.0 += 1;
            acc.1 += i128::from(c.total_spent[row]);
            acc.2 += u64::from(c.total_orders[row]);
        }
    });
    let mut tenants: Vec<u32> = (0..sums.len() as u32)
        .filter(|&k| sums[k as usize].0 > 0)
        .collect();
    tenants.sort_unstable_by_key(|&k| ranks.tenant[k as usize]);
    let rows = tenants
        .into_iter()
        .map(|k| {
            let (customers, spent, orders) = sums[k as usize];
            vec![
                tenant_text(star, k),
                int(customers),
                money(spent),
                int(orders),
                Value::float(money_per(spent, orders)),
            ]
        })
        .collect();
    DashboardResult {
        columns: &CUSTOMER_SUMMARY,
        rows,
        total_rows: None,
    }
}

#[cfg(test)]
mod tests {
    use super::{order_rows, performance_order, performance_top, Ranks};
    use crate::query::Scope;
    use crate::query::{Dashboard, Query, TenantScope};
    use crate::{Value, Warehouse};
    use proptest::prelude::*;

    const HEADER: &str = "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product";

    fn warehouse(rows: &[&str]) -> Warehouse {
        let mut w = Warehouse::new();
        let file = format!("{HEADER}\n{}\n", rows.join("\n"));
        let reports = w.load("c.csv", file.as_bytes());
        assert_eq!(reports[0].rows_rejected, 0, "{:?}", reports[0].rejected);
        w
    }

    fn rows(w: &Warehouse, d: Dashboard, q: &Query) -> Vec<Vec<String>> {
        w.dashboard(d, q)
            .unwrap()
            .rows
            .iter()
            .map(|r| r.iter().map(Value::to_plain_string).collect())
            .collect()
    }

    fn only(tenants: &[&str]) -> Query {
        Query {
            tenants: TenantScope::Only(tenants.iter().map(|t| t.to_string()).collect()),
            ..Query::default()
        }
    }

    #[test]
    fn campaign_summary_sums_and_means_leave_nulls_out() {
        let w = warehouse(&[
            "b,c1,x - Search,2024-11-01,100,10,1,10.00,30.00,North,A",
            "b,c2,x - Search,2024-11-02,0,0,0,0,5.00,North,A",
            "a,c1,x - Email,2024-11-01,200,20,2,1.10,1.10,South,B",
        ]);
        let r = w
            .dashboard(Dashboard::CampaignSummary, &Query::default())
            .unwrap();
        // "a" sorts before "b"; b's second row has null ctr and roi, left out of the means.
        assert_eq!(r.rows[0][0], Value::Text("a"));
        assert_eq!(r.rows[1][1], Value::Int(2));
        assert_eq!(r.rows[1][5], Value::Money(10_000_000));
        assert_eq!(r.rows[1][6], Value::Money(35_000_000));
        assert_eq!(r.rows[1][7], Value::Money(25_000_000));
        assert_eq!(r.rows[1][8], Value::Float(0.1));
        assert_eq!(r.rows[1][9], Value::Float(2.0));
        assert_eq!(r.rows[0][9], Value::Float(0.0));
    }

    #[test]
    fn summary_of_only_null_ratios_is_null() {
        let w = warehouse(&["a,c1,x,2024-11-01,0,0,0,0,0,North,A"]);
        let r = w
            .dashboard(Dashboard::CampaignSummary, &Query::default())
            .unwrap();
        assert_eq!(r.rows[0][8], Value::Null);
        assert_eq!(r.rows[0][9], Value::Null);
        let f = w
            .dashboard(Dashboard::ConversionFunnel, &Query::default())
            .unwrap();
        assert_eq!(f.rows[0][4], Value::Null);
        assert_eq!(f.rows[0][5], Value::Null);
    }

    #[test]
    fn funnel_percentages_are_ratios_of_sums() {
        let w = warehouse(&[
            "a,c1,x,2024-11-01,100,10,1,1,1,North,A",
            "a,c2,x,2024-11-01,300,10,9,1,1,North,A",
        ]);
        assert_eq!(
            rows(&w, Dashboard::ConversionFunnel, &Query::default()),
            vec![vec!["a", "400", "20", "10", "5", "50"]]
        );
    }

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

    #[test]
    fn target_vs_actual_lists_every_target_with_monthly_actuals() {
        let mut w = warehouse(&[
            "a,c1,x,2024-11-01,100,10,2,1.00,5.00,North,A",
            "a,c2,x,2024-11-30,100,10,3,1.00,5.00,North,A",
            "a,c3,x,2024-12-01,100,10,3,1.00,7.00,North,A",
            "a,c4,x,2024-11-15,100,10,3,1.00,9.00,,A",
            "b,c1,x,2024-11-15,100,10,3,1.00,9.00,North,A",
        ]);
        w.load(
            "t.csv",
            b"tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend\n\
              a,North,A,2024,11,20,10,4\na,North,A,2024,10,0,0,0\na,South,A,2024,11,5,1,1\nb,North,A,2024,11,9,1,1\n",
        );
        assert_eq!(
            rows(&w, Dashboard::TargetVsActual, &only(&["a"])),
            vec![
                vec!["a", "North", "A", "2024", "10", "0.00", "0.00", "", "0", "0", "0.00", "0.00"],
                vec![
                    "a", "North", "A", "2024", "11", "20.00", "10.00", "0.5", "10", "5", "4.00",
                    "2.00"
                ],
                vec![
                    "a", "South", "A", "2024", "11", "5.00", "0.00", "0", "1", "0", "1.00", "0.00"
                ],
            ]
        );
        // A date range keeps the targets of the months it overlaps, and only its actuals.
        let november_half = Query {
            from: Some("2024-11-16".into()),
            to: Some("2024-12-31".into()),
            ..only(&["a"])
        };
        let r = rows(&w, Dashboard::TargetVsActual, &november_half);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0][6], "5.00");
    }

    #[test]
    fn actuals_add_up_runs_of_one_cell_and_cells_visited_again() {
        // Campaign-day rows: a run of days in one (tenant, region, product, month),
        // another cell, then the first cell again, and a month boundary inside a run.
        let w = {
            let mut w = warehouse(&[
                "a,c1,x,2024-11-28,1,1,1,1.00,1.00,North,A",
                "a,c1,x,2024-11-29,1,1,2,1.00,2.00,North,A",
                "a,c1,x,2024-11-30,1,1,4,1.00,4.00,North,A",
                "a,c1,x,2024-12-01,1,1,8,1.00,8.00,North,A",
                "a,c2,x,2024-11-30,1,1,16,1.00,16.00,South,A",
                "a,c3,x,2024-11-01,1,1,32,1.00,32.00,North,A",
            ]);
            w.load(
                "t.csv",
                b"tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend
                  a,North,A,2024,11,1,1,1
a,North,A,2024,12,1,1,1
a,South,A,2024,11,1,1,1
",
            );
            w
        };
        let actuals: Vec<(String, String, String)> =
            rows(&w, Dashboard::TargetVsActual, &Query::default())
                .into_iter()
                .map(|r| (r[1].clone(), r[6].clone(), r[9].clone()))
                .collect();
        let expect = |region: &str, revenue: &str, conversions: &str| {
            (
                region.to_string(),
                revenue.to_string(),
                conversions.to_string(),
            )
        };
        assert_eq!(
            actuals,
            [
                expect("North", "39.00", "39"),
                expect("North", "8.00", "8"),
                expect("South", "16.00", "16"),
            ]
        );
    }

    #[test]
    fn customer_summary_with_average_order_value_of_sums() {
        let mut w = Warehouse::new();
        w.load(
            "cust.json",
            br#"[{"tenant_id":"a","customer_id":"1","total_spent":"100.00","total_orders":3,"region":"North"},
                {"tenant_id":"a","customer_id":"2","total_spent":50,"total_orders":"2","region":"South"},
                {"tenant_id":"b","customer_id":"1","total_spent":10,"total_orders":0}]"#,
        );
        assert_eq!(
            rows(&w, Dashboard::CustomerSummary, &Query::default()),
            vec![
                vec!["a", "2", "150.00", "5", "30"],
                vec!["b", "1", "10.00", "0", ""]
            ]
        );
        let north = Query {
            regions: vec!["North".into()],
            ..Query::default()
        };
        assert_eq!(
            rows(&w, Dashboard::CustomerSummary, &north),
            vec![vec!["a", "1", "100.00", "3", "33.333333333333336"]]
        );
    }

    #[test]
    fn filters_and_tenant_scope() {
        let w = warehouse(&[
            "a,c1,x - Search,2024-11-01,100,10,1,1,1,North,A",
            "a,c2,x - Email,2024-11-05,100,10,1,1,1,South,B",
            "b,c1,x - Search,2024-11-05,100,10,1,1,1,North,A",
            "a,c3,x - Search,2024-11-09,100,10,1,1,1,,A",
        ]);
        let count = |q: Query| {
            w.dashboard(Dashboard::CampaignPerformance, &q)
                .unwrap()
                .rows
                .len()
        };
        assert_eq!(count(Query::default()), 4);
        assert_eq!(count(only(&["a"])), 3);
        assert_eq!(count(only(&["a", "b"])), 4);
        assert_eq!(count(only(&[])), 0, "an empty set of tenants sees nothing");
        assert_eq!(count(only(&["nobody"])), 0);
        assert_eq!(
            count(Query {
                regions: vec!["North".into()],
                ..Query::default()
            }),
            2,
            "null region never matches"
        );
        assert_eq!(
            count(Query {
                products: vec!["A".into()],
                ..Query::default()
            }),
            3
        );
        assert_eq!(
            count(Query {
                channels: vec!["Search".into()],
                ..only(&["a"])
            }),
            2
        );
        assert_eq!(
            count(Query {
                from: Some("2024-11-05".into()),
                ..Query::default()
            }),
            3
        );
        assert_eq!(
            count(Query {
                to: Some("2024-11-05".into()),
                ..Query::default()
            }),
            3
        );
        assert_eq!(
            count(Query {
                from: Some("2024-11-02".into()),
                to: Some("2024-11-08".into()),
                ..Query::default()
            }),
            2
        );
        let bad = Query {
            from: Some("yesterday".into()),
            ..Query::default()
        };
        assert!(w.dashboard(Dashboard::CampaignSummary, &bad).is_err());
        for d in Dashboard::ALL {
            let r = w.dashboard(d, &only(&["b"])).unwrap();
            assert!(
                r.rows.iter().all(|row| row[0] == Value::Text("b")),
                "{}",
                d.name()
            );
        }
    }
}
