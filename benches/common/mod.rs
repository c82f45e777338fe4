//! What the benches share: the generator's files for `rows` campaign rows (100 skewed
//! tenants) loaded into a warehouse with their sales targets and customers.

use bi_platform::generate::{targets_xlsx, write_campaigns_csv, write_customers_json, SampleSpec};
use bi_platform::Warehouse;

/// A warehouse holding the generator's three files for `rows` campaign rows.
pub fn warehouse(rows: u32) -> Warehouse {
    let spec = SampleSpec {
        tenants: 100,
        campaigns_per_tenant: rows / 100,
        ..SampleSpec::default()
    };
    let mut warehouse = Warehouse::new();
    let mut csv = Vec::new();
    write_campaigns_csv(&spec, &mut csv).expect("writing to memory");
    let reports = warehouse.load("campaigns.csv", &csv);
    assert_eq!(reports[0].rows_loaded, spec.campaign_rows());
    drop(csv);
    let xlsx = targets_xlsx(&spec).expect("building the workbook in memory");
    warehouse.load("sales_targets.xlsx", &xlsx);
    let mut json = Vec::new();
    write_customers_json(&spec, &mut json).expect("writing to memory");
    warehouse.load("customers.json", &json);
    warehouse
}
