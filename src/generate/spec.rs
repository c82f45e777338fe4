//! What to generate ([`SampleSpec`]) and how the campaign rows are shared out among the
//! tenants ([`TenantSizes`]: equal up to 3 tenants, Zipf beyond).

use crate::generate::{PRODUCTS, REGIONS};

/// Target rows a tenant has: a month for each region and product, over a year.
pub(super) const TARGETS_PER_TENANT: u64 = (REGIONS.len() * PRODUCTS.len() * 12) as u64;

/// How much sample data to generate, and from which seed.
///
/// ```
/// use bi_platform::generate::SampleSpec;
///
/// let spec = SampleSpec::default();
/// assert_eq!(spec.campaign_rows(), 300);
/// assert_eq!(spec.tenant_campaign_counts(), vec![100, 100, 100]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SampleSpec {
    /// Number of tenants (`tenant_001`, `tenant_002`, ...).
    pub tenants: u32,
    /// Average campaign rows per tenant: the campaigns file holds exactly
    /// `tenants * campaigns_per_tenant` rows (see the [`generate`](super) docs for how
    /// they are shared out when there are more than 3 tenants).
    pub campaigns_per_tenant: u32,
    /// Customers per tenant (every tenant gets exactly this many).
    pub customers_per_tenant: u32,
    /// Seed of every random stream; the same spec and seed give the same bytes.
    pub seed: u64,
}

impl Default for SampleSpec {
    /// The size of the old pipeline's files: 3 tenants, 100 campaigns and 50
    /// customers each, seed 42.
    fn default() -> Self {
        SampleSpec {
            tenants: 3,
            campaigns_per_tenant: 100,
            customers_per_tenant: 50,
            seed: 42,
        }
    }
}

impl SampleSpec {
    /// Exact number of campaign rows: `tenants * campaigns_per_tenant`.
    pub fn campaign_rows(&self) -> u64 {
        u64::from(self.tenants) * u64::from(self.campaigns_per_tenant)
    }

    /// Exact number of sales target rows: 240 per tenant (4 regions x 5 products x
    /// 12 months).
    pub fn target_rows(&self) -> u64 {
        u64::from(self.tenants) * TARGETS_PER_TENANT
    }

    /// Exact number of customers: `tenants * customers_per_tenant`.
    pub fn customer_rows(&self) -> u64 {
        u64::from(self.tenants) * u64::from(self.customers_per_tenant)
    }

    /// Campaign rows of each tenant, in tenant order (index 0 is `tenant_001`).
    /// They sum to [`campaign_rows`](Self::campaign_rows); see the [`generate`](super)
    /// docs for the skew.
    ///
    /// ```
    /// use bi_platform::generate::SampleSpec;
    ///
    /// let spec = SampleSpec { tenants: 100, campaigns_per_tenant: 10_000, ..SampleSpec::default() };
    /// let counts = spec.tenant_campaign_counts();
    /// assert_eq!(counts.iter().sum::<u64>(), 1_000_000);
    /// assert!(counts[0] > 50 * counts[99]);
    /// ```
    pub fn tenant_campaign_counts(&self) -> Vec<u64> {
        TenantSizes::new(self).collect()
    }
}

/// Up to this many tenants, each gets exactly `campaigns_per_tenant` rows.
const EQUAL_TENANTS_UP_TO: u32 = 3;
/// Fixed-point scale of the Zipf weights `ZIPF_SCALE / rank`.
const ZIPF_SCALE: u128 = 1 << 40;

/// Campaign rows per tenant, in tenant order (see the [`generate`](super) docs).
pub(super) struct TenantSizes {
    tenants: u64,
    next: u64,
    /// `Some(n)`: every tenant gets `n` rows.
    equal: Option<u64>,
    /// Rows shared by weight after each tenant's first.
    rest: u128,
    /// Sum of all weights, and of the weights of the tenants already given out.
    weight_sum: u128,
    weight_before: u128,
}

impl TenantSizes {
    pub(super) fn new(spec: &SampleSpec) -> TenantSizes {
        let tenants = u64::from(spec.tenants);
        let per = u64::from(spec.campaigns_per_tenant);
        let equal = (spec.tenants <= EQUAL_TENANTS_UP_TO || per == 0).then_some(per);
        let weight_sum = if equal.is_some() {
            0
        } else {
            (0..tenants).map(zipf_weight).sum()
        };
        TenantSizes {
            tenants,
            next: 0,
            equal,
            rest: u128::from(spec.campaign_rows() - if per == 0 { 0 } else { tenants }),
            weight_sum,
            weight_before: 0,
        }
    }
}

impl Iterator for TenantSizes {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        if self.next == self.tenants {
            return None;
        }
        let i = self.next;
        self.next += 1;
        if let Some(n) = self.equal {
            return Some(n);
        }
        // Cumulative rounding: tenant i gets floor(rest * W(..=i) / W) minus
        // floor(rest * W(..i) / W), so the shares add up to `rest` exactly.
        let before = self.rest * self.weight_before / self.weight_sum;
        self.weight_before += zipf_weight(i);
        let through = self.rest * self.weight_before / self.weight_sum;
        Some(1 + (through - before) as u64)
    }
}

/// Weight of the tenant at 0-based `index`: `ZIPF_SCALE / rank`.
fn zipf_weight(index: u64) -> u128 {
    ZIPF_SCALE / u128::from(index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::tests::{campaigns, spec};
    use crate::generate::{targets_csv, write_customers_json};

    #[test]
    fn default_spec_sizes() {
        let spec = SampleSpec::default();
        assert_eq!(spec.campaign_rows(), 300);
        assert_eq!(spec.tenant_campaign_counts(), vec![100, 100, 100]);
        assert_eq!(spec.target_rows(), 720);
        assert_eq!(spec.customer_rows(), 150);
        let csv = campaigns(&spec);
        assert_eq!(csv.lines().count(), 301);
        for tenant in ["tenant_001", "tenant_002", "tenant_003"] {
            let prefix = format!("{tenant},");
            assert_eq!(csv.lines().filter(|l| l.starts_with(&prefix)).count(), 100);
        }
        let mut targets = Vec::new();
        assert_eq!(targets_csv(&spec, &mut targets).unwrap(), 720);
        assert_eq!(targets.split(|&b| b == b'\n').count(), 722); // + header, + final ""
        let mut json = Vec::new();
        assert_eq!(write_customers_json(&spec, &mut json).unwrap(), 150);
    }

    #[test]
    fn skewed_sizes_sum_exactly() {
        let counts = spec(100, 10_000).tenant_campaign_counts();
        assert_eq!(counts.len(), 100);
        assert_eq!(counts.iter().sum::<u64>(), 1_000_000);
        let (max, min) = (counts.iter().max().unwrap(), counts.iter().min().unwrap());
        assert!(*min >= 1);
        assert!(*max > 50 * *min, "max {max}, min {min}");
        assert_eq!(max, &counts[0]);

        for (tenants, per) in [
            (4, 1),
            (7, 3),
            (1000, 1),
            (1000, 7),
            (5, 0),
            (0, 10),
            (1, 5),
        ] {
            let s = spec(tenants, per);
            let counts = s.tenant_campaign_counts();
            assert_eq!(counts.len(), tenants as usize);
            assert_eq!(
                counts.iter().sum::<u64>(),
                s.campaign_rows(),
                "{tenants} x {per}"
            );
            if per > 0 {
                assert!(counts.iter().all(|&c| c >= 1), "{tenants} x {per}");
            }
        }
        assert_eq!(spec(1000, 1).tenant_campaign_counts(), vec![1; 1000]);
    }

    #[test]
    fn spec_is_serde_data_with_defaults() {
        let s: SampleSpec = serde_json::from_str(r#"{"tenants": 10}"#).unwrap();
        assert_eq!(
            s,
            SampleSpec {
                tenants: 10,
                ..SampleSpec::default()
            }
        );
        assert!(serde_json::from_str::<SampleSpec>(r#"{"tenant": 10}"#).is_err());
    }
}
