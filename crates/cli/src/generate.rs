//! `bi-platform generate`: deterministic sample data.

use bi_platform::generate::{self, SampleSpec};
use clap::Args;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub(crate) struct GenerateArgs {
    /// Directory to write campaigns.csv, sales_targets.xlsx and customers.json into.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Number of tenants (sizes are skewed when more than 3).
    #[arg(long, default_value_t = 3)]
    tenants: u32,
    /// Average campaign rows per tenant.
    #[arg(long, default_value_t = 100)]
    campaigns_per_tenant: u32,
    /// Customers per tenant.
    #[arg(long, default_value_t = 50)]
    customers_per_tenant: u32,
    /// Random seed: the same seed gives the same files.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Also write the targets as sales_targets.csv (the same rows and values), for
    /// tools without a workbook reader (bench/adhoc.py's DuckDB and SQLite).
    #[arg(long)]
    targets_csv: bool,
}

pub(crate) fn run_generate(args: &GenerateArgs) -> Result<(), String> {
    let spec = SampleSpec {
        tenants: args.tenants,
        campaigns_per_tenant: args.campaigns_per_tenant,
        customers_per_tenant: args.customers_per_tenant,
        seed: args.seed,
    };
    if spec.tenants == 0 {
        return Err("--tenants must be at least 1".into());
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    let path = |name: &str| args.out.join(name);
    let create =
        |p: &Path| File::create(p).map_err(|e| format!("cannot create {}: {e}", p.display()));
    let campaigns = path("campaigns.csv");
    let rows = generate::write_campaigns_csv(
        &spec,
        io::BufWriter::with_capacity(1 << 20, create(&campaigns)?),
    )
    .map_err(|e| format!("cannot write {}: {e}", campaigns.display()))?;
    let targets = path("sales_targets.xlsx");
    let xlsx = generate::targets_xlsx(&spec).map_err(|e| e.to_string())?;
    std::fs::write(&targets, xlsx)
        .map_err(|e| format!("cannot write {}: {e}", targets.display()))?;
    let targets_csv = path("sales_targets.csv");
    if args.targets_csv {
        generate::targets_csv(&spec, io::BufWriter::new(create(&targets_csv)?))
            .map_err(|e| format!("cannot write {}: {e}", targets_csv.display()))?;
    }
    let customers = path("customers.json");
    generate::write_customers_json(&spec, io::BufWriter::new(create(&customers)?))
        .map_err(|e| format!("cannot write {}: {e}", customers.display()))?;
    let also = if args.targets_csv {
        format!(", {}", targets_csv.display())
    } else {
        String::new()
    };
    eprintln!(
        "wrote {} ({rows} campaign rows), {}{also} and {}",
        campaigns.display(),
        targets.display(),
        customers.display()
    );
    Ok(())
}
