//! Snapshots (`Warehouse::snapshot`, `Warehouse::restore`): a restored warehouse holds
//! exactly what was snapshotted (every column, dictionary and extra column, all three
//! tables, narrow and wide keys), answers every dashboard the same, and goes on loading
//! files exactly as the original would (replacements, `unchanged_from`). A truncated or
//! altered snapshot is refused, never half-restored.

use crate::common::*;
use bi_platform::snapshot::{SnapshotError, FORMAT};
use bi_platform::{LoadReport, Query, Warehouse};
use proptest::prelude::*;

const CAMPAIGNS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/seed-data/marketing_campaigns.csv"
);
const TARGETS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/seed-data/sales_targets.xlsx"
);

const FACT_HEADER: &str =
    "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product,utm_source\n";
const TARGET_HEADER: &str =
    "tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend,owner\n";

fn reports_json(reports: &[LoadReport]) -> serde_json::Value {
    serde_json::to_value(reports).unwrap()
}

/// Every dashboard for every tenant, for each tenant alone, and filtered.
fn everything(w: &Warehouse) -> Vec<(String, serde_json::Value)> {
    let mut queries = vec![("all".to_string(), all())];
    for t in w.tenants() {
        queries.push((t.to_string(), only(&[t])));
    }
    queries.push((
        "filtered".into(),
        Query {
            from: Some("2024-11-05".into()),
            regions: vec!["North".into(), "r7".into()],
            ..Query::default()
        },
    ));
    queries
        .into_iter()
        .flat_map(|(name, q)| {
            all_json(w, &q)
                .into_iter()
                .map(move |(d, v)| (format!("{name}/{d}"), v))
        })
        .collect()
}

/// Snapshot with reports, restore, and check that everything came back.
fn round_trip(w: &Warehouse, reports: &[LoadReport]) -> Warehouse {
    let bytes = w.snapshot_with_reports(reports);
    assert_eq!(bytes.len() as u64, w.snapshot_len(reports));
    let (back, back_reports) = Warehouse::restore_with_reports(&bytes).expect("restores");
    assert_eq!(star_contents(&back), star_contents(w));
    assert_eq!(reports_json(&back_reports), reports_json(reports));
    assert_eq!(everything(&back), everything(w));
    // A snapshot of the restored warehouse is the same bytes.
    assert_eq!(back.snapshot_with_reports(&back_reports), bytes);
    back
}

fn seed() -> (Warehouse, Vec<LoadReport>) {
    let mut w = Warehouse::new();
    let mut reports = w.load(
        "marketing_campaigns.csv",
        &std::fs::read(CAMPAIGNS).unwrap(),
    );
    reports.extend(w.load("sales_targets.xlsx", &std::fs::read(TARGETS).unwrap()));
    (w, reports)
}

#[test]
fn the_seed_files_round_trip_with_their_reports() {
    let (w, reports) = seed();
    assert_eq!(w.star().campaigns.len(), 300);
    assert_eq!(w.star().targets.len(), 720);
    round_trip(&w, &reports);
}

/// Three files per table: extra columns, replaced rows, a rejected row, missing values.
fn small_files() -> Vec<(&'static str, String)> {
    let facts_a = format!(
        "{FACT_HEADER}a,c1,Spring - Search,2024-11-01,100,10,1,1.00,2.00,North,P1,mail\n\
         a,c2,,2024-11-02,200,20,2,3.50,1.25,,P2,\n\
         b,c1,Fall - Email,2024-11-03,300,30,3,0.10,9.99,South,,ads\n\
         b,c9,bad,2024-11-03,3,30,3,0.10,9.99,South,,ads\n"
    );
    // Replaces a/c1 (new spend, no utm_source) and adds a column the table lacked.
    let facts_b =
        "tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue,region,fresh\n\
                   a,c1,2024-11-01,150,15,1,7.00,8.00,West,yes\nc,c3,2024-11-04,10,1,0,0,0,r7,\n"
            .to_string();
    let targets = format!(
        "{TARGET_HEADER}a,North,P1,2024,11,5000,40,900,ann\na,North,P1,2024,11,6000,50,800,bob\n\
         b,South,P2,2024,12,100,1,10,\n"
    );
    let customers = r#"[{"tenant_id":"a","customer_id":"u1","customer_name":"Ada","total_spent":100,"total_orders":3,"region":"North","product_preference":"P1","vip":"yes"},
        {"tenant_id":"b","customer_id":"u2","total_spent":50,"total_orders":2,"region":"South"},
        {"tenant_id":"a","customer_id":"u1","customer_name":"Ada L.","total_spent":120,"total_orders":4}]"#
        .to_string();
    vec![
        ("facts_a.csv", facts_a),
        ("facts_b.csv", facts_b),
        ("targets.csv", targets),
        ("customers.json", customers),
    ]
}

#[test]
fn all_three_tables_round_trip_with_replacements_extras_and_rejects() {
    let mut w = Warehouse::new();
    let mut reports = Vec::new();
    for (name, text) in small_files() {
        reports.extend(w.load(name, text.as_bytes()));
    }
    let s = w.star();
    assert!(!s.campaigns.extras.names.is_empty());
    assert!(!s.targets.extras.names.is_empty());
    assert!(!s.customers.extras.names.is_empty());
    assert!(reports.iter().any(|r| r.rows_replaced > 0));
    assert!(reports.iter().any(|r| r.rows_rejected > 0));
    assert_eq!(s.customers.len(), 2);
    round_trip(&w, &reports);
}

#[test]
fn wide_keys_round_trip_and_stay_wide() {
    let mut csv = FACT_HEADER.to_string();
    for i in 0..70_000 {
        csv.push_str(&format!(
            "z,w{i},Big - Search,2024-11-{:02},100,10,1,1.00,2.00,r{i},P{},\n",
            1 + i % 30,
            i % 2
        ));
    }
    let mut w = Warehouse::new();
    let mut reports = w.load("wide.csv", csv.as_bytes());
    reports.extend(w.load(
        "targets.csv",
        format!("{TARGET_HEADER}z,r69999,P1,2024,11,5,1,1,\n").as_bytes(),
    ));
    assert!(w.star().campaigns.region.is_wide());
    assert!(w.star().targets.region.is_wide());
    assert!(!w.star().campaigns.tenant.is_wide());
    let back = round_trip(&w, &reports);
    assert!(back.star().campaigns.region.is_wide());
    assert!(back.star().targets.region.is_wide());
    assert!(!back.star().campaigns.tenant.is_wide());
}

#[test]
fn loading_after_a_restore_is_loading_without_it() {
    let files = small_files();
    let (first, rest) = files.split_at(2);
    let mut plain = Warehouse::new();
    for (name, text) in first {
        plain.load(name, text.as_bytes());
    }
    let mut restored = Warehouse::restore(&plain.snapshot()).unwrap();
    // Files loaded before: recognised by their bytes, whatever their name.
    for (name, text) in first {
        let again = format!("again_{name}");
        let a = plain.load(&again, text.as_bytes());
        let b = restored.load(&again, text.as_bytes());
        assert_eq!(a[0].unchanged_from.as_deref(), Some(*name));
        assert_eq!(reports_json(&a), reports_json(&b));
    }
    // New files: the same replacements, the same keys, the same dictionaries.
    for (name, text) in rest.iter().chain(first.iter().take(1)).cloned().chain([(
        "facts_c.csv",
        format!(
            "{FACT_HEADER}a,c1,New,2024-11-01,9,9,9,9,9,East,P9,x\nd,c1,,2024-11-01,1,1,1,1,1,,,\n"
        ),
    )]) {
        let a = plain.load(name, text.as_bytes());
        let b = restored.load(name, text.as_bytes());
        assert_eq!(reports_json(&a), reports_json(&b), "{name}");
    }
    assert_eq!(star_contents(&restored), star_contents(&plain));
    assert_eq!(everything(&restored), everything(&plain));
}

#[test]
fn every_truncation_is_refused() {
    let mut w = Warehouse::new();
    let mut reports = Vec::new();
    for (name, text) in small_files() {
        reports.extend(w.load(name, text.as_bytes()));
    }
    let bytes = w.snapshot_with_reports(&reports);
    for len in 0..bytes.len() {
        match Warehouse::restore(&bytes[..len]) {
            Err(SnapshotError::Truncated { len: l, needed, .. }) => {
                assert_eq!(l, len as u64);
                assert!(needed > l);
            }
            other => panic!("{len} of {} bytes: {:?}", bytes.len(), other.map(|_| ())),
        }
    }
    let error = Warehouse::restore(&bytes[..bytes.len() / 2]).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "truncated: {} bytes where the snapshot needs {}",
            bytes.len() / 2,
            bytes.len()
        )
    );
    // Extra bytes at the end are refused too.
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        Warehouse::restore(&longer).unwrap_err(),
        SnapshotError::Damaged
    );
}

#[test]
fn a_changed_byte_anywhere_is_refused() {
    let mut w = Warehouse::new();
    let mut reports = Vec::new();
    for (name, text) in small_files() {
        reports.extend(w.load(name, text.as_bytes()));
    }
    let bytes = w.snapshot_with_reports(&reports);
    // Every byte, each with every single-bit flip.
    for at in 0..bytes.len() {
        for bit in 0..8 {
            let mut changed = bytes.clone();
            changed[at] ^= 1 << bit;
            let error = Warehouse::restore_with_reports(&changed)
                .map(|_| ())
                .expect_err("a changed byte is refused");
            assert!(
                matches!(
                    error,
                    SnapshotError::Damaged
                        | SnapshotError::NotASnapshot
                        | SnapshotError::Truncated { .. }
                ),
                "byte {at} bit {bit}: {error}"
            );
        }
    }
    assert_eq!(
        Warehouse::restore(b"garbage that is not a snapshot at all").unwrap_err(),
        SnapshotError::NotASnapshot
    );
    assert_eq!(
        SnapshotError::Damaged.to_string(),
        "damaged (checksum mismatch): the bytes changed after they were written"
    );
}

#[test]
fn a_snapshot_of_another_format_names_both_formats() {
    let bytes = Warehouse::new().snapshot();
    for (format, newer) in [(FORMAT + 1, true), (FORMAT - 1, false)] {
        let mut other = bytes.clone();
        other[8..12].copy_from_slice(&format.to_le_bytes());
        let end = other.len() - 8;
        let checksum = xxhash_rust::xxh3::xxh3_64(&other[..end]);
        other[end..].copy_from_slice(&checksum.to_le_bytes());
        let message = Warehouse::restore(&other).unwrap_err().to_string();
        let expected = format!(
            "made by {} version of bi-platform ({}, format {format}); this version reads format {FORMAT}",
            if newer { "a newer" } else { "an older" },
            env!("CARGO_PKG_VERSION")
        );
        assert!(message.starts_with(&expected), "{message}");
    }
}

/// A random file for one of the three tables: a few tenants, keys that repeat (so rows
/// are replaced), an optional extra column, now and then a missing or bad value.
fn random_file() -> impl Strategy<Value = (String, String)> {
    let row = (0..3u8, 0..6u8, 1..5u8, 0..1000u32, 0..4u8, 0..5u8);
    (0..3u8, prop::collection::vec(row, 1..25), any::<bool>(), 0..1000u32).prop_map(
        |(table, rows, extra, salt)| {
            let mut out = String::new();
            let extra_header = if extra { ",note" } else { "" };
            let regions = ["North", "South", "", "Ωmega"];
            match table {
                0 => {
                    out.push_str(&format!(
                        "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product{extra_header}\n"
                    ));
                    for (t, k, day, n, r, p) in &rows {
                        // Clicks above impressions now and then: a rejected row.
                        let clicks = if *p == 4 { n + 1 } else { n / 2 };
                        out.push_str(&format!(
                            "t{t},c{k},Camp {} - Search,2024-11-{day:02},{n},{clicks},{},{}.{:02},{}.5,{},P{p}",
                            k % 3,
                            clicks / 3,
                            n / 7,
                            n % 100,
                            n / 3,
                            regions[*r as usize]
                        ));
                        if extra {
                            out.push_str(&format!(",x{}", (n + salt) % 4));
                        }
                        out.push('\n');
                    }
                    (format!("facts{salt}.csv"), out)
                }
                1 => {
                    out.push_str(&format!(
                        "tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend{extra_header}\n"
                    ));
                    for (t, k, day, n, r, p) in &rows {
                        out.push_str(&format!(
                            "t{t},{},P{p},2024,{},{n}.25,{k},{day}{}\n",
                            ["North", "South", "West", "Ωmega"][*r as usize],
                            1 + k % 12,
                            if extra { format!(",o{}", n % 3) } else { String::new() }
                        ));
                    }
                    (format!("targets{salt}.csv"), out)
                }
                _ => {
                    out.push('[');
                    for (i, (t, k, day, n, r, p)) in rows.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        out.push_str(&format!(
                            r#"{{"tenant_id":"t{t}","customer_id":"u{k}","customer_name":"N{day}","total_spent":{n},"total_orders":{},"region":"{}","product_preference":"P{p}"{}}}"#,
                            n % 9,
                            regions[*r as usize],
                            if extra { format!(r#","vip":"{}""#, n % 2) } else { String::new() }
                        ));
                    }
                    out.push(']');
                    (format!("customers{salt}.json"), out)
                }
            }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any warehouse a series of loads makes round-trips; then the same further files
    /// give the same reports and the same warehouse with or without the restore.
    #[test]
    fn random_warehouses_round_trip_and_go_on_loading_the_same(
        before in prop::collection::vec(random_file(), 0..5),
        after in prop::collection::vec(random_file(), 0..4),
        repeat in any::<prop::sample::Index>(),
    ) {
        let mut w = Warehouse::new();
        let mut reports = Vec::new();
        for (name, text) in &before {
            reports.extend(w.load(name, text.as_bytes()));
        }
        let mut back = round_trip(&w, &reports);
        // Some file loaded before, again (unchanged_from), then new ones.
        let again = (!before.is_empty()).then(|| before[repeat.index(before.len())].clone());
        for (name, text) in again.iter().chain(&after) {
            let a = w.load(name, text.as_bytes());
            let b = back.load(name, text.as_bytes());
            prop_assert_eq!(reports_json(&a), reports_json(&b));
        }
        prop_assert_eq!(star_contents(&back), star_contents(&w));
    }

    /// Random byte changes and cuts are refused, never a panic or a warehouse.
    #[test]
    fn random_damage_is_refused(
        files in prop::collection::vec(random_file(), 1..4),
        changes in prop::collection::vec((any::<prop::sample::Index>(), 1..=255u8), 1..6),
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let mut w = Warehouse::new();
        let mut reports = Vec::new();
        for (name, text) in &files {
            reports.extend(w.load(name, text.as_bytes()));
        }
        let mut bytes = w.snapshot_with_reports(&reports);
        for (at, xor) in &changes {
            let i = at.index(bytes.len());
            bytes[i] ^= xor;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        prop_assert!(Warehouse::restore_with_reports(&bytes).is_err());
    }
}
