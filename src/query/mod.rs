//! Queries over the star schema: the tenant scope, filters, and the named dashboards
//! (SPEC §6).
//!
//! A [`Query`] is plain serde data, so the CLI, the page and the tests ask the same way.
//! The tenant scope is applied by [`Scope`], the only way the dashboards reach rows:
//! every dashboard iterates `Scope::campaign_rows`, `Scope::target_rows` or
//! `Scope::customer_rows`, which never yield a row of a tenant outside the scope, so no
//! dashboard can forget it.

pub mod dashboards;
pub mod result;

use crate::model::date::{day_from_ymd, Day};
use crate::model::dict::{Dictionary, NULL_KEY};
use crate::model::keys::Key;
use crate::model::star::StarSchema;
use crate::transform::value::{parse_date, ParsedDate};
use serde::{Deserialize, Deserializer, Serialize};
use thiserror::Error;

/// Which tenants a query may see.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(untagged)]
pub enum TenantScope {
    /// Every tenant.
    #[default]
    All,
    /// Only these tenants (an empty set sees nothing).
    Only(Vec<String>),
}

impl<'de> Deserialize<'de> for TenantScope {
    /// `null`, absent or `"all"` is every tenant; a string is one tenant; an array is a set.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(String),
            Many(Vec<String>),
        }
        Ok(match Option::<Raw>::deserialize(deserializer)? {
            None => TenantScope::All,
            Some(Raw::One(s)) if s == "all" => TenantScope::All,
            Some(Raw::One(s)) => TenantScope::Only(vec![s]),
            Some(Raw::Many(v)) => TenantScope::Only(v),
        })
    }
}

/// A dashboard request's scope and filters. Empty filter lists mean "no filter".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Query {
    /// The tenant scope.
    pub tenants: TenantScope,
    /// First day included (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Last day included (`YYYY-MM-DD`).
    pub to: Option<String>,
    pub regions: Vec<String>,
    pub products: Vec<String>,
    pub channels: Vec<String>,
    /// Rows to skip (after ordering), for paging large results.
    pub offset: Option<usize>,
    /// Rows to return at most.
    pub limit: Option<usize>,
}

/// A query that cannot run.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QueryError {
    #[error("'{value}' is not a date for '{field}' (expected YYYY-MM-DD)")]
    BadDate { field: &'static str, value: String },
    #[error("unknown dashboard '{0}'; the dashboards are {names}", names = Dashboard::ALL.map(|d| d.name()).join(", "))]
    UnknownDashboard(String),
}

fn query_date(field: &'static str, value: &Option<String>) -> Result<Option<Day>, QueryError> {
    let Some(text) = value.as_deref().filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    match parse_date(text.as_bytes()) {
        Ok(ParsedDate::Day(day)) => Ok(Some(day)),
        _ => Err(QueryError::BadDate {
            field,
            value: text.to_string(),
        }),
    }
}

/// The dashboards of SPEC §6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dashboard {
    CampaignSummary,
    DailyPerformance,
    ConversionFunnel,
    CampaignPerformance,
    ChannelMix,
    TargetVsActual,
    CustomerSummary,
}

impl Dashboard {
    /// Every dashboard, in the contract's order.
    pub const ALL: [Dashboard; 7] = [
        Dashboard::CampaignSummary,
        Dashboard::DailyPerformance,
        Dashboard::ConversionFunnel,
        Dashboard::CampaignPerformance,
        Dashboard::ChannelMix,
        Dashboard::TargetVsActual,
        Dashboard::CustomerSummary,
    ];

    /// The dashboard's name.
    pub fn name(self) -> &'static str {
        match self {
            Dashboard::CampaignSummary => "campaign_summary",
            Dashboard::DailyPerformance => "daily_performance",
            Dashboard::ConversionFunnel => "conversion_funnel",
            Dashboard::CampaignPerformance => "campaign_performance",
            Dashboard::ChannelMix => "channel_mix",
            Dashboard::TargetVsActual => "target_vs_actual",
            Dashboard::CustomerSummary => "customer_summary",
        }
    }

    /// The dashboard called `name`.
    pub fn from_name(name: &str) -> Result<Dashboard, QueryError> {
        Dashboard::ALL
            .into_iter()
            .find(|d| d.name() == name)
            .ok_or_else(|| QueryError::UnknownDashboard(name.to_string()))
    }
}

/// Which keys of a dimension pass a filter: `None` passes all (no filter), a missing
/// value never passes a filter.
fn key_mask(dict: &Dictionary, wanted: &[String]) -> Option<Vec<bool>> {
    if wanted.is_empty() {
        return None;
    }
    let mut mask = vec![false; dict.len()];
    for value in wanted {
        if let Some(key) = dict.key_of(value) {
            mask[key as usize] = true;
        }
    }
    Some(mask)
}

fn passes(mask: &Option<Vec<bool>>, key: u32) -> bool {
    match mask {
        None => true,
        Some(m) => key != NULL_KEY && m[key as usize],
    }
}

/// Whether `key` is set in `mask` (a missing or unknown key is not).
#[inline(always)]
fn in_mask(mask: &[bool], key: u32) -> bool {
    mask.get(key as usize).copied().unwrap_or(false)
}

/// `pass[i] = mask[keys[i]]`: the first filter of a block. A kernel over one key width.
fn select_keys<K: Key>(pass: &mut [bool], keys: &[K], mask: &[bool]) {
    for (p, k) in pass.iter_mut().zip(keys) {
        *p = in_mask(mask, k.key());
    }
}

/// `pass[i] &= mask[keys[i]]`: a further filter of a block (a missing value fails).
fn and_keys<K: Key>(pass: &mut [bool], keys: &[K], mask: &[bool]) {
    for (p, k) in pass.iter_mut().zip(keys) {
        *p &= in_mask(mask, k.key());
    }
}

/// Fact rows filtered per block of this many.
const BLOCK: usize = 1024;

/// The fact rows of a [`Scope`], in storage order ([`Scope::campaign_rows`]). Filters
/// run a block of rows at a time, one column at a time, each over its keys' stored
/// width, so neither the filters nor the caller branch per row on a column's width.
pub struct CampaignRows<'s, 'w> {
    scope: &'s Scope<'w>,
    /// First row of the next block.
    next: usize,
    /// Rows of the current block that passed, `rows[pos..filled]` still to yield.
    rows: [u32; BLOCK],
    pos: usize,
    filled: usize,
}

impl CampaignRows<'_, '_> {
    /// Filters the next block into `rows`.
    fn refill(&mut self) {
        let (scope, f) = (self.scope, &self.scope.star.campaigns);
        let (start, end) = (self.next, (self.next + BLOCK).min(f.len()));
        let mut pass = [false; BLOCK];
        let pass = &mut pass[..end - start];
        crate::with_keys!(f.tenant, |keys| select_keys(
            pass,
            &keys[start..end],
            &scope.tenants
        ));
        if scope.from.is_some() || scope.to.is_some() {
            for (p, &day) in pass.iter_mut().zip(&f.date[start..end]) {
                *p &= scope.in_dates(day);
            }
        }
        for (mask, column) in [
            (&scope.regions, &f.region),
            (&scope.products, &f.product),
            (&scope.channels, &f.channel),
        ] {
            if let Some(mask) = mask {
                crate::with_keys!(column, |keys| and_keys(pass, &keys[start..end], mask));
            }
        }
        // Branch-free compaction of the passing rows.
        self.filled = 0;
        for (i, &p) in pass.iter().enumerate() {
            self.rows[self.filled] = (start + i) as u32;
            self.filled += usize::from(p);
        }
        self.pos = 0;
        self.next = end;
    }
}

impl Iterator for CampaignRows<'_, '_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.pos == self.filled {
            if self.next >= self.scope.star.campaigns.len() {
                return None;
            }
            self.refill();
        }
        let row = self.rows[self.pos];
        self.pos += 1;
        Some(row as usize)
    }
}

/// A query resolved against one warehouse: the tenant scope and filters as masks over
/// dictionary keys. The only way dashboards read rows.
pub struct Scope<'w> {
    pub(crate) star: &'w StarSchema,
    tenants: Vec<bool>,
    regions: Option<Vec<bool>>,
    products: Option<Vec<bool>>,
    channels: Option<Vec<bool>>,
    from: Option<Day>,
    to: Option<Day>,
}

impl<'w> Scope<'w> {
    /// Resolves `query` against `star`.
    pub fn new(star: &'w StarSchema, query: &Query) -> Result<Self, QueryError> {
        let dims = &star.dims;
        let tenants = match &query.tenants {
            TenantScope::All => vec![true; dims.tenant.len()],
            TenantScope::Only(ids) => {
                let mut mask = vec![false; dims.tenant.len()];
                for id in ids {
                    if let Some(key) = dims.tenant.key_of(id) {
                        mask[key as usize] = true;
                    }
                }
                mask
            }
        };
        Ok(Scope {
            star,
            tenants,
            regions: key_mask(&dims.region, &query.regions),
            products: key_mask(&dims.product, &query.products),
            channels: key_mask(&dims.channel, &query.channels),
            from: query_date("from", &query.from)?,
            to: query_date("to", &query.to)?,
        })
    }

    /// `true` when the tenant key is in scope.
    pub fn has_tenant(&self, tenant: u32) -> bool {
        self.tenants.get(tenant as usize).copied().unwrap_or(false)
    }

    fn in_dates(&self, day: Day) -> bool {
        self.from.is_none_or(|f| day >= f) && self.to.is_none_or(|t| day <= t)
    }

    /// Whether one fact row is in scope and passes every filter. To go over many rows
    /// use [`campaign_rows`](Self::campaign_rows), which filters a block at a time.
    pub fn has_campaign_row(&self, row: usize) -> bool {
        let f = &self.star.campaigns;
        self.has_tenant(f.tenant.get(row))
            && self.in_dates(f.date[row])
            && passes(&self.regions, f.region.get(row))
            && passes(&self.products, f.product.get(row))
            && passes(&self.channels, f.channel.get(row))
    }

    /// Fact rows in scope that pass every filter, in storage order.
    pub fn campaign_rows(&self) -> CampaignRows<'_, 'w> {
        CampaignRows {
            scope: self,
            next: 0,
            rows: [0; BLOCK],
            pos: 0,
            filled: 0,
        }
    }

    /// [`campaign_rows`](Self::campaign_rows) as one flag per fact row.
    pub fn campaign_mask(&self) -> Vec<bool> {
        let mut mask = vec![false; self.star.campaigns.len()];
        for row in self.campaign_rows() {
            mask[row] = true;
        }
        mask
    }

    /// Target rows in scope: the tenant scope, the region and product filters, and a
    /// date range overlapping the target's month. Channels do not apply to targets.
    pub fn target_rows(&self) -> impl Iterator<Item = usize> + '_ {
        let t = &self.star.targets;
        (0..t.len()).filter(move |&row| {
            let (year, month) = (i32::from(t.year[row]), u32::from(t.month[row]));
            let first = day_from_ymd(year, month, 1).unwrap_or(Day::MIN);
            let last = first + crate::model::date::days_in_month(year, month) as Day - 1;
            self.has_tenant(t.tenant.get(row))
                && passes(&self.regions, t.region.get(row))
                && passes(&self.products, t.product.get(row))
                && self.from.is_none_or(|f| last >= f)
                && self.to.is_none_or(|to| first <= to)
        })
    }

    /// Customer rows in scope: the tenant scope, the region filter on the customer's
    /// region and the product filter on their product preference. Dates and channels
    /// do not apply to customers.
    pub fn customer_rows(&self) -> impl Iterator<Item = usize> + '_ {
        let c = &self.star.customers;
        (0..c.len()).filter(move |&row| {
            self.has_tenant(c.tenant.get(row))
                && passes(&self.regions, c.region.get(row))
                && passes(&self.products, c.product_preference.get(row))
        })
    }
}
