//! The arguments several subcommands share.

use bi_platform::{Query, TenantScope};
use clap::Args;
use std::path::{Path, PathBuf};

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

/// The tenants given for ad-platform exports that name none (SPEC §1): `--tenant-for
/// FILE=TENANT`, shared by every subcommand that loads files.
#[derive(Args, Default)]
pub(crate) struct TenantForArgs {
    /// The client (tenant) of FILE, an ad platform's export with neither a tenant nor an account column (repeat for several files). A file that names its tenant keeps it.
    #[arg(long = "tenant-for", value_name = "FILE=TENANT", value_parser = parse_tenant_for)]
    pub(crate) tenant_for: Vec<(PathBuf, String)>,
}

fn parse_tenant_for(text: &str) -> Result<(PathBuf, String), String> {
    match text.rsplit_once('=') {
        Some((file, tenant)) if !file.is_empty() && !tenant.trim().is_empty() => {
            Ok((PathBuf::from(file), tenant.trim().to_string()))
        }
        _ => Err(format!("expected FILE=TENANT, got '{text}'")),
    }
}

impl TenantForArgs {
    /// The tenant given for `path`: named as on the command line, or as the same file.
    pub(crate) fn tenant_of(&self, path: &Path) -> Option<&str> {
        self.tenant_for
            .iter()
            .find(|(file, _)| same_file(file, path))
            .map(|(_, tenant)| tenant.as_str())
    }

    /// A usage error when a `--tenant-for` names a file that is not loaded.
    pub(crate) fn check(&self, files: &[PathBuf]) -> Result<(), String> {
        match self
            .tenant_for
            .iter()
            .find(|(file, _)| !files.iter().any(|f| same_file(file, f)))
        {
            Some((file, _)) => Err(format!(
                "--tenant-for names {}, which is not among the files to load",
                file.display()
            )),
            None => Ok(()),
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || matches!(
            (a.canonicalize(), b.canonicalize()),
            (Ok(x), Ok(y)) if x == y
        )
}
