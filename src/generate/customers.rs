//! The customers JSON: an array of objects, one a line, `customers_per_tenant` a tenant.

use std::io::{self, Write};

use crate::generate::numbers::{
    index_width, push_cents, push_padded, push_tenant_id, push_u64, tenant_id_width,
};
use crate::generate::random::{Stream, Table};
use crate::generate::spec::SampleSpec;
use crate::generate::{CHUNK, PRODUCTS, REGIONS};

// Customer ranges.
const ORDERS: (u64, u64) = (1, 20);
const ORDER_VALUE_CENTS: (u64, u64) = (2_000, 25_000);

/// Writes the customers as a JSON array of objects (one object a line) and returns
/// the number of objects. Keys: `tenant_id`, `customer_id`, `customer_name`,
/// `region`, `product_preference`, `total_spent` (a number with two decimals),
/// `total_orders` (at least 1). Streams like
/// [`write_campaigns_csv`](super::write_campaigns_csv).
///
/// # Errors
///
/// Only those of `out`.
///
/// ```
/// use bi_platform::generate::{write_customers_json, SampleSpec};
///
/// let mut json = Vec::new();
/// assert_eq!(write_customers_json(&SampleSpec::default(), &mut json).unwrap(), 150);
/// assert!(json.starts_with(b"[\n{\"tenant_id\":\"tenant_001\",\"customer_id\":\"cust_tenant_001_000\""));
/// ```
pub fn write_customers_json<W: Write>(spec: &SampleSpec, mut out: W) -> io::Result<u64> {
    let tenant_width = tenant_id_width(spec.tenants);
    let id_width = index_width(u64::from(spec.customers_per_tenant));
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + 512);
    let mut tenant = Vec::with_capacity(16);
    let mut rows = 0u64;
    buf.push(b'[');
    for t in 0..spec.tenants {
        tenant.clear();
        push_tenant_id(&mut tenant, t, tenant_width);
        let mut rng = Stream::new(spec.seed, Table::Customers, t);
        for index in 0..u64::from(spec.customers_per_tenant) {
            let region = rng.pick(REGIONS.len());
            let product = rng.pick(PRODUCTS.len());
            let orders = rng.range(ORDERS);
            let spent_cents = orders * rng.range(ORDER_VALUE_CENTS);
            buf.extend_from_slice(if rows == 0 { b"\n" } else { b",\n" });
            buf.extend_from_slice(b"{\"tenant_id\":\"");
            buf.extend_from_slice(&tenant);
            buf.extend_from_slice(b"\",\"customer_id\":\"cust_");
            buf.extend_from_slice(&tenant);
            buf.push(b'_');
            push_padded(&mut buf, index, id_width);
            buf.extend_from_slice(b"\",\"customer_name\":\"Customer ");
            push_u64(&mut buf, index + 1);
            buf.extend_from_slice(b"\",\"region\":\"");
            buf.extend_from_slice(REGIONS[region].as_bytes());
            buf.extend_from_slice(b"\",\"product_preference\":\"");
            buf.extend_from_slice(PRODUCTS[product].as_bytes());
            buf.extend_from_slice(b"\",\"total_spent\":");
            push_cents(&mut buf, spent_cents);
            buf.extend_from_slice(b",\"total_orders\":");
            push_u64(&mut buf, orders);
            buf.push(b'}');
            rows += 1;
            if buf.len() >= CHUNK {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
    }
    buf.extend_from_slice(if rows == 0 { b"]\n" } else { b"\n]\n" });
    out.write_all(&buf)?;
    out.flush()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::tests::is_money;
    use std::collections::HashSet;

    #[test]
    fn customers_json_parses() {
        let mut out = Vec::new();
        write_customers_json(&SampleSpec::default(), &mut out).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let customers = value.as_array().unwrap();
        assert_eq!(customers.len(), 150);
        let mut ids = HashSet::new();
        for c in customers {
            let c = c.as_object().unwrap();
            assert_eq!(c.len(), 7);
            let tenant = c["tenant_id"].as_str().unwrap();
            let id = c["customer_id"].as_str().unwrap();
            assert!(id.starts_with(&format!("cust_{tenant}_")));
            assert!(ids.insert(id.to_string()));
            assert!(c["customer_name"]
                .as_str()
                .unwrap()
                .starts_with("Customer "));
            assert!(REGIONS.contains(&c["region"].as_str().unwrap()));
            assert!(PRODUCTS.contains(&c["product_preference"].as_str().unwrap()));
            assert!(is_money(&c["total_spent"].to_string()), "{c:?}");
            let orders = c["total_orders"].as_u64().unwrap();
            assert!((1..=20).contains(&orders));
        }
        assert_eq!(customers[0]["customer_id"], "cust_tenant_001_000");
        assert_eq!(customers[149]["customer_id"], "cust_tenant_003_049");
        assert_eq!(customers[149]["customer_name"], "Customer 50");
    }
}
