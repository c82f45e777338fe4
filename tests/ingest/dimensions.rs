//! The same text in two columns of one file (SPEC §2: each text column is its own
//! dimension). Each file is loaded after another one, so that dimension keys differ.

use crate::common::*;
use bi_platform::{Dashboard, Query, Warehouse};

fn after_a_first_file(second: &str) -> Warehouse {
    let mut w = Warehouse::new();
    let first = format!(
        "{HFULL}t1,c1,N1,2024-11-01,100,10,1,1,2,North,Product A\n\
         t1,c2,N2,2024-11-01,100,10,1,1,2,South,Product B\n"
    );
    load_one(&mut w, "first.csv", first.as_bytes());
    let r = load_one(&mut w, "second.csv", second.as_bytes());
    assert_eq!(r.rows_rejected, 0, "{r:#?}");
    w
}

#[test]
fn campaign_name_equal_to_campaign_id() {
    let w = after_a_first_file(&format!(
        "{HFULL}t1,Brand,Brand,2024-11-02,100,10,1,1,2,North,Product A\n"
    ));
    assert_eq!(fact(&w, "Brand").name.as_deref(), Some("Brand"));
}

#[test]
fn region_equal_to_product() {
    let w = after_a_first_file(&format!(
        "{HFULL}t1,c3,N3,2024-11-02,100,10,1,1,2,Other,Other\n"
    ));
    let by = |regions: &[&str], products: &[&str]| {
        let q = Query {
            regions: regions.iter().map(|s| s.to_string()).collect(),
            products: products.iter().map(|s| s.to_string()).collect(),
            ..Query::default()
        };
        let mut ids: Vec<String> = facts_in(&w, &q).into_iter().map(|f| f.campaign).collect();
        ids.sort();
        ids
    };
    assert_eq!(by(&[], &["Product A"]), ["c1"]);
    assert_eq!(by(&[], &["Other"]), ["c3"]);
    assert_eq!(by(&["Other"], &[]), ["c3"]);
    assert_eq!(by(&["North"], &[]), ["c1"]);
}

#[test]
fn target_region_equal_to_product() {
    let mut w = Warehouse::new();
    let first =
        "tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend\n\
                 t1,North,Product A,2024,11,100,1,50\n";
    load_one(&mut w, "t1.csv", first.as_bytes());
    let second =
        "tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend\n\
                  t1,All,All,2024,11,500,5,250\n";
    load_one(&mut w, "t2.csv", second.as_bytes());
    let tva = w.dashboard(Dashboard::TargetVsActual, &all()).unwrap();
    let keys: Vec<(&str, &str)> = tva
        .rows
        .iter()
        .map(|r| (text(&r[1]), text(&r[2])))
        .collect();
    assert_eq!(keys, [("All", "All"), ("North", "Product A")]);
}

#[test]
fn customer_name_equal_to_customer_id_and_region_to_preference() {
    let mut w = Warehouse::new();
    load_one(
        &mut w,
        "c1.csv",
        b"tenant_id,customer_id,customer_name,region,product_preference,total_spent,total_orders\n\
          t1,u1,Ann,North,Product A,10,1\n",
    );
    load_one(
        &mut w,
        "c2.csv",
        b"tenant_id,customer_id,customer_name,region,product_preference,total_spent,total_orders\n\
          t1,u2,u2,Other,Other,20,2\n",
    );
    let c = &w.star().customers;
    let d = &w.star().dims;
    let row = (0..c.len())
        .find(|&r| d.customer.value(c.customer[r]) == Some("u2"))
        .unwrap();
    assert_eq!(d.customer_name.value(c.customer_name[row]), Some("u2"));
    assert_eq!(d.region.value(c.region.get(row)), Some("Other"));
    assert_eq!(
        d.product.value(c.product_preference.get(row)),
        Some("Other")
    );
}

#[test]
fn extra_value_equal_to_another_column() {
    let w = after_a_first_file(
        "tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue,partner\n\
         t1,c9,2024-11-02,100,10,1,1,2,t1\n",
    );
    let extras = &w.star().campaigns.extras;
    let row = w.star().campaigns.len() - 1;
    assert_eq!(extras.values.value(extras.columns[0][row]), Some("t1"));
}
