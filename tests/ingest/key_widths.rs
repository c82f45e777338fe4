//! Narrow (`u16`) key columns widen to `u32` when a dimension outgrows 65,535 values:
//! no panic, no wrong key, and every dashboard gives the same answers as before
//! widening, and answers computed independently for the new rows.

use bi_platform::model::dict::NULL_KEY;
use bi_platform::{Dashboard, Query, TenantScope, Value, Warehouse};

const CAMPAIGNS: &str =
    "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product,channel\n";
const TARGETS: &str =
    "tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend\n";
/// Distinct regions of the wide tenant: more than a `u16` key can hold.
const WIDE_REGIONS: usize = 70_000;

fn plain(w: &Warehouse, d: Dashboard, q: &Query) -> Vec<Vec<String>> {
    w.dashboard(d, q)
        .unwrap()
        .rows
        .iter()
        .map(|r| r.iter().map(Value::to_plain_string).collect())
        .collect()
}

/// Every dashboard for each query, scoped to `tenants`.
fn answers(w: &Warehouse, queries: &[Query], tenants: &[&str]) -> Vec<Vec<Vec<String>>> {
    let mut out = Vec::new();
    for q in queries {
        let q = Query {
            tenants: TenantScope::Only(tenants.iter().map(|t| t.to_string()).collect()),
            ..q.clone()
        };
        for d in Dashboard::ALL {
            out.push(plain(w, d, &q));
        }
    }
    out
}

fn queries() -> Vec<Query> {
    let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        Query::default(),
        Query {
            regions: list(&["North", "West"]),
            ..Query::default()
        },
        Query {
            products: list(&["P1"]),
            channels: list(&["Search", "Email"]),
            ..Query::default()
        },
        Query {
            from: Some("2024-11-03".into()),
            to: Some("2024-11-20".into()),
            regions: list(&["South"]),
            ..Query::default()
        },
    ]
}

/// The small tenants' rows: a few regions, products and channels, some of them null.
fn small_files() -> (String, String, String) {
    let (regions, products, channels) = (
        ["North", "South", "West", ""],
        ["P0", "P1", ""],
        ["Search", "Email", "Social", ""],
    );
    let mut campaigns = CAMPAIGNS.to_string();
    for i in 0..600 {
        let tenant = ["a", "b", "c"][i % 3];
        campaigns.push_str(&format!(
            "{tenant},c{i},Spring - Display,2024-11-{:02},{},{},{},{}.{:02},{}.50,{},{},{}\n",
            1 + i % 30,
            1000 + i,
            100 + i % 50,
            i % 20,
            i % 70,
            i % 100,
            i % 90,
            regions[i % 4],
            products[i % 3],
            channels[i % 4],
        ));
    }
    let mut targets = TARGETS.to_string();
    for tenant in ["a", "b", "c"] {
        for region in ["North", "South", "West"] {
            for product in ["P0", "P1"] {
                targets.push_str(&format!(
                    "{tenant},{region},{product},2024,11,5000,40,900\n"
                ));
            }
        }
    }
    let customers = r#"[{"tenant_id":"a","customer_id":"u1","total_spent":100,"total_orders":3,"region":"North","product_preference":"P1"},
        {"tenant_id":"b","customer_id":"u2","total_spent":50,"total_orders":2,"region":"South"},
        {"tenant_id":"c","customer_id":"u3","total_spent":10,"total_orders":1}]"#
        .to_string();
    (campaigns, targets, customers)
}

/// Tenant `z` with one campaign row in each of 70,000 new regions `r0`..`r69999`.
fn wide_campaigns() -> String {
    let mut csv = CAMPAIGNS.to_string();
    for i in 0..WIDE_REGIONS {
        csv.push_str(&format!(
            "z,w{i},Big - Search,2024-11-{:02},{},{},{},{}.00,{}.00,r{i},P{},\n",
            1 + i % 30,
            100 + i % 7,
            10 + i % 5,
            i % 3,
            i % 11,
            i % 13,
            i % 2,
        ));
    }
    csv
}

#[test]
fn a_dimension_of_70000_values_widens_its_key_columns_and_answers_stay_right() {
    let (campaigns, targets, customers) = small_files();
    let mut w = Warehouse::new();
    for (name, bytes) in [
        ("c.csv", &campaigns),
        ("t.csv", &targets),
        ("u.json", &customers),
    ] {
        let r = w.load(name, bytes.as_bytes());
        assert_eq!(r[0].rows_rejected, 0, "{name}: {:?}", r[0].rejected);
    }
    assert!(!w.star().campaigns.region.is_wide());
    let before = answers(&w, &queries(), &["a", "b", "c"]);
    let before_all = answers(&w, &queries(), &["a", "b", "c", "z"]);
    assert_eq!(before, before_all);

    let r = w.load("wide.csv", wide_campaigns().as_bytes());
    assert_eq!(r[0].rows_loaded, WIDE_REGIONS as u64, "{:?}", r[0].rejected);
    // Targets and customers in the newest regions widen their region columns too.
    w.load(
        "tz.csv",
        format!("{TARGETS}z,r69999,P1,2024,11,100,5,10\nz,r5,P1,2024,11,100,5,10\n").as_bytes(),
    );
    w.load(
        "uz.json",
        br#"[{"tenant_id":"z","customer_id":"v1","total_spent":7,"total_orders":1,"region":"r69999"}]"#,
    );
    let star = w.star();
    assert!(star.campaigns.region.is_wide());
    assert!(star.targets.region.is_wide());
    assert!(star.customers.region.is_wide());
    for narrow in [
        &star.campaigns.tenant,
        &star.campaigns.product,
        &star.campaigns.channel,
        &star.customers.product_preference,
    ] {
        assert!(!narrow.is_wide(), "only the grown dimension widens");
    }
    // Keys survived the widening: nulls stay null, values keep their text.
    let c = &star.campaigns;
    for row in 0..c.len() {
        let region = c.region.get(row);
        let campaign = star.dims.campaign.value(c.campaign[row]).unwrap();
        match campaign.strip_prefix('w') {
            Some(i) => {
                assert_eq!(
                    star.dims.region.value(region),
                    Some(format!("r{i}").as_str())
                )
            }
            None => {
                let i: usize = campaign[1..].parse().unwrap();
                let expected = ["North", "South", "West"].get(i % 4).copied();
                assert_eq!(star.dims.region.value(region), expected);
                assert_eq!(region == NULL_KEY, expected.is_none());
            }
        }
    }

    // The small tenants' answers did not change.
    assert_eq!(answers(&w, &queries(), &["a", "b", "c"]), before);

    // Tenant z, against answers computed from the generated rows.
    let z = Query {
        tenants: TenantScope::Only(vec!["z".into()]),
        ..Query::default()
    };
    let summary = plain(&w, Dashboard::CampaignSummary, &z);
    let n = WIDE_REGIONS;
    let spend: usize = (0..n).map(|i| i % 11).sum();
    let revenue: usize = (0..n).map(|i| i % 13).sum();
    let conversions: usize = (0..n).map(|i| i % 3).sum();
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0][1], n.to_string());
    assert_eq!(summary[0][4], conversions.to_string());
    assert_eq!(summary[0][5], format!("{spend}.00"));
    assert_eq!(summary[0][6], format!("{revenue}.00"));
    let mix = plain(&w, Dashboard::ChannelMix, &z);
    assert_eq!(mix.len(), 1);
    assert_eq!(
        mix[0][..4],
        [
            "z",
            "Search",
            &format!("{spend}.00"),
            &format!("{revenue}.00")
        ]
    );
    let roi: f64 = mix[0][4].parse().unwrap();
    assert!((roi - (revenue as f64 - spend as f64) / spend as f64).abs() < 1e-12);
    let in_regions = |regions: &[&str]| Query {
        regions: regions.iter().map(|r| r.to_string()).collect(),
        ..z.clone()
    };
    for (regions, campaigns) in [
        (&["r69999"][..], vec!["w69999"]),
        (&["r5", "r69000", "North"][..], vec!["w69000", "w5"]),
        (
            &["r65534", "r65535", "r65536"][..],
            vec!["w65535", "w65534", "w65536"],
        ),
    ] {
        let rows = plain(&w, Dashboard::CampaignPerformance, &in_regions(regions));
        let mut got: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
        let mut want = campaigns.clone();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "{regions:?}");
    }
    // Targets meet their actuals in a region with a key above the u16 range.
    let i = 69_999;
    let targets = plain(&w, Dashboard::TargetVsActual, &z);
    assert_eq!(targets.len(), 2);
    let r69999 = targets.iter().find(|r| r[1] == "r69999").unwrap();
    assert_eq!(r69999[2], "P1");
    assert_eq!(r69999[6], format!("{}.00", i % 13));
    assert_eq!(r69999[9], (i % 3).to_string());
    assert_eq!(r69999[11], format!("{}.00", i % 11));
    let r5 = targets.iter().find(|r| r[1] == "r5").unwrap();
    assert_eq!(r5[6], "5.00");
    assert_eq!(
        plain(&w, Dashboard::CustomerSummary, &in_regions(&["r69999"])),
        vec![vec!["z", "1", "7.00", "1", "7"]]
    );
}

#[test]
fn a_null_in_a_narrow_column_never_matches_the_key_65535_of_a_grown_dictionary() {
    let mut w = Warehouse::new();
    w.load("wide.csv", wide_campaigns().as_bytes());
    // A new table, narrow because its keys are small, next to a grown region dictionary.
    w.load(
        "u.json",
        br#"[{"tenant_id":"z","customer_id":"v1","total_spent":7,"total_orders":1,"region":null},
             {"tenant_id":"z","customer_id":"v2","total_spent":9,"total_orders":1,"region":"r0"}]"#,
    );
    let star = w.star();
    assert!(!star.customers.region.is_wide());
    assert!(star.dims.region.len() > 65_535);
    let region_65535 = star
        .dims
        .region
        .value(u32::from(u16::MAX))
        .unwrap()
        .to_string();
    let q = Query {
        regions: vec![region_65535],
        ..Query::default()
    };
    assert!(plain(&w, Dashboard::CustomerSummary, &q).is_empty());
    let q = Query {
        regions: vec!["r0".into()],
        ..Query::default()
    };
    assert_eq!(
        plain(&w, Dashboard::CustomerSummary, &q),
        vec![vec!["z", "1", "9.00", "1", "9"]]
    );
}
