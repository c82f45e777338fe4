//! Whatever the bytes, loading never panics, every row is accounted for
//! (`rows_read = rows_loaded + rows_rejected`), and the dashboards still run.

use bi_platform::{Query, Warehouse};
use proptest::prelude::*;

const SEED_CSV: &[u8] = include_bytes!("../../../shared/seed-data/marketing_campaigns.csv");
const SEED_XLSX: &[u8] = include_bytes!("../../../shared/seed-data/sales_targets.xlsx");

fn check(name: &str, bytes: &[u8]) {
    let mut warehouse = Warehouse::new();
    for report in warehouse.load(name, bytes) {
        assert_eq!(
            report.rows_read,
            report.rows_loaded + report.rows_rejected,
            "{report:?}"
        );
        assert_eq!(report.rejected.len() as u64, report.rows_rejected);
        if report.error.is_some() {
            assert_eq!((report.table, report.rows_read), (None, 0));
        }
    }
    warehouse
        .dashboards(&Query::default())
        .expect("the default query always runs");
}

/// Applies byte edits (position as a fraction of the length, new byte).
fn mutate(base: &[u8], edits: &[(f64, u8)], cut: f64) -> Vec<u8> {
    let mut bytes = base.to_vec();
    for &(at, byte) in edits {
        let i = ((bytes.len() as f64) * at) as usize;
        if i < bytes.len() {
            bytes[i] = byte;
        }
    }
    bytes.truncate(((bytes.len() as f64) * cut) as usize);
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check("random.bin", &bytes);
    }

    #[test]
    fn mutated_seed_csv(edits in proptest::collection::vec((0.0..1.0f64, any::<u8>()), 0..40), cut in 0.0..=1.0f64) {
        check("campaigns.csv", &mutate(SEED_CSV, &edits, cut));
    }

    #[test]
    fn mutated_seed_xlsx(edits in proptest::collection::vec((0.0..1.0f64, any::<u8>()), 0..8), cut in 0.5..=1.0f64) {
        check("targets.xlsx", &mutate(SEED_XLSX, &edits, cut));
    }

    #[test]
    fn json_like_text(text in "[\\[\\]{}\",:0-9a-z \\n-]{0,400}") {
        check("api.json", text.as_bytes());
    }
}

#[test]
fn degenerate_inputs() {
    for bytes in [
        &b""[..],
        b"   \n\n",
        b"\xEF\xBB\xBF",
        b"\xFF\xFE",
        b"\xFF\xFE\x00",
        b"PK\x03\x04",
        b"[",
        b"{}",
        b"[]",
        b"{\"data\": []}",
        b"\"quoted never closed,\n",
        b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\"",
        b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n,,,,,,,\n",
    ] {
        check("edge", bytes);
    }
}
