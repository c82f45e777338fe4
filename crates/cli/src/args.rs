//! The arguments several subcommands share.

use bi_platform::{Query, TenantScope};
use clap::Args;

/// The tenant scope and filters of `report` and `export`, as dashboards apply them.
#[derive(Args)]
pub(crate) struct FilterArgs {
    /// Only this tenant (repeat for several); default: all tenants.
    #[arg(long = "tenant", value_name = "ID")]
    pub(crate) tenants: Vec<String>,
    /// First day included, YYYY-MM-DD (fact rows; targets whose month overlaps).
    #[arg(long, value_name = "DATE")]
    pub(crate) from: Option<String>,
    /// Last day included, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub(crate) to: Option<String>,
    /// Only this region (repeat for several).
    #[arg(long = "region", value_name = "R")]
    pub(crate) regions: Vec<String>,
    /// Only this product (repeat for several).
    #[arg(long = "product", value_name = "P")]
    pub(crate) products: Vec<String>,
    /// Only this channel (repeat for several; fact rows only).
    #[arg(long = "channel", value_name = "C")]
    pub(crate) channels: Vec<String>,
}

impl FilterArgs {
    /// The query these arguments ask for.
    pub(crate) fn query(&self) -> Query {
        Query {
            tenants: if self.tenants.is_empty() {
                TenantScope::All
            } else {
                TenantScope::Only(self.tenants.clone())
            },
            from: self.from.clone(),
            to: self.to.clone(),
            regions: self.regions.clone(),
            products: self.products.clone(),
            channels: self.channels.clone(),
            ..Query::default()
        }
    }
}
