//! Ad-platform exports on the command line (SPEC §1): each platform's fixture loads with
//! its numbers and tenant; `--tenant-for FILE=TENANT` gives the tenant of an export that
//! names none, and without it the command exits 2 naming the file; the JSON keeps SPEC
//! §7's shape while the table output names the platform, the tenant and the currency.

use serde_json::{json, Value as Json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_bi-platform");
const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/platforms"
);

fn fixture(name: &str) -> PathBuf {
    Path::new(FIXTURES).join(name)
}

const GOOGLE: &str = "google_ads_campaign_report.csv";
const META: &str = "meta_ads_manager_export.csv";
const MICROSOFT: &str = "microsoft_advertising_campaign_performance.csv";
const LINKEDIN: &str = "linkedin_campaign_performance.csv";
const TIKTOK: &str = "tiktok_ads_custom_report.csv";

/// Runs in the fixtures' directory, so files are named as a user would name them.
fn run(args: &[&str]) -> Output {
    let o = Command::new(BIN)
        .current_dir(FIXTURES)
        .args(args)
        .output()
        .expect("the binary runs");
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    o
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn all_five() -> Vec<String> {
    vec![
        "--tenant-for".into(),
        format!("{GOOGLE}=acme"),
        "--tenant-for".into(),
        // Named by another path to the same file.
        format!("{}=Acme Shoes", fixture(TIKTOK).display()),
        GOOGLE.into(),
        META.into(),
        MICROSOFT.into(),
        LINKEDIN.into(),
        TIKTOK.into(),
    ]
}

#[test]
fn every_platforms_export_loads_with_its_numbers_and_tenant() {
    let mut args = vec!["report".to_string(), "--json".to_string()];
    args.extend(all_five());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j: Json = serde_json::from_str(&stdout(&o)).expect("JSON");
    let loads = j["loads"].as_array().expect("loads");
    let counts: Vec<(&str, u64, u64, u64)> = loads
        .iter()
        .map(|l| {
            (
                l["file"].as_str().unwrap(),
                l["rows_read"].as_u64().unwrap(),
                l["rows_loaded"].as_u64().unwrap(),
                l["rows_rejected"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            (GOOGLE, 10, 6, 4),
            (META, 4, 4, 0),
            (MICROSOFT, 5, 4, 1),
            (LINKEDIN, 4, 4, 0),
            (TIKTOK, 4, 4, 0),
        ]
    );
    // SPEC §7's keys only: where the rows came from is not in the JSON.
    for l in loads {
        assert!(l.get("source").is_none(), "{l}");
        assert_eq!(l["table"], "fact_campaigns");
    }
    assert_eq!(
        loads[0]["rejected"][0],
        json!({"line": 10, "column": null, "reason": "totals row"})
    );
    // campaign_summary: tenant, campaigns, impressions, clicks, conversions, spend,
    // revenue (the fixtures' sums, by hand).
    let summary: Vec<Vec<Json>> = j["dashboards"]["campaign_summary"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row.as_array().unwrap()[..7].to_vec())
        .collect();
    assert_eq!(
        summary,
        [
            json!(["1029384756", 4, 32735, 659, 34, 481.79, 3401.75]),
            json!(["Acme Shoes", 4, 54445, 480, 18, 309.55, 1284.5]),
            json!(["F120ABCD", 4, 10605, 270, 14, 182.1, 982.2]),
            json!(["Fabrikam Software", 4, 28955, 113, 6, 490.3, 2950.0]),
            json!(["acme", 6, 48157, 773, 45, 382.71, 4266.05]),
        ]
        .map(|v| v.as_array().unwrap().clone())
    );
    let channels: Vec<(String, String)> = j["dashboards"]["channel_mix"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r[0].as_str().unwrap().into(), r[1].as_str().unwrap().into()))
        .collect();
    assert!(channels.contains(&("acme".into(), "Performance Max".into())));
    assert!(channels.contains(&("Acme Shoes".into(), "Social".into())));
    assert!(channels.contains(&("F120ABCD".into(), "Search & content".into())));
}

#[test]
fn the_table_output_names_platform_tenant_and_currency() {
    let mut args = vec!["report".to_string(), "--limit".into(), "1".into()];
    args.extend(all_five());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    for line in [
        format!("{GOOGLE}: Google Ads export; tenant acme (given for this file); money in USD"),
        format!("{META}: Meta Ads export; tenant from account column Account ID; money in USD"),
        format!(
            "{MICROSOFT}: Microsoft Advertising export; tenant from account column AccountNumber; money in USD"
        ),
        format!(
            "{LINKEDIN}: LinkedIn Ads export; tenant from account column Account Name; money in EUR"
        ),
        format!("{TIKTOK}: TikTok Ads export; tenant Acme Shoes (given for this file); money in USD"),
        format!("{GOOGLE}: rejected line 13: totals row"),
        format!("{MICROSOFT}: rejected line 17: totals row"),
    ] {
        assert!(out.contains(&line), "missing {line:?} in:\n{out}");
    }
}

#[test]
fn an_export_naming_no_tenant_exits_2_naming_the_file() {
    for sub in [
        vec!["report"],
        vec!["report", "--json"],
        vec!["sql", "SELECT COUNT(*) FROM fact_campaigns"],
        vec!["pivot", "--rows", "tenant", "--measures", "sum:spend"],
        vec!["export", "--sqlite", "never-written.db"],
    ] {
        let mut args = sub.clone();
        args.extend([META, GOOGLE, TIKTOK]);
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{sub:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains(&format!(
                "error: {GOOGLE}: this Google Ads export names no tenant"
            )),
            "{err}"
        );
        assert!(
            err.contains(&format!(
                "error: {TIKTOK}: this TikTok Ads export names no tenant"
            )),
            "{err}"
        );
        assert!(!err.contains(META), "{err}");
        assert!(err.contains("--tenant-for FILE=TENANT"), "{err}");
        assert!(stdout(&o).is_empty(), "{sub:?}: {}", stdout(&o));
    }
}

#[test]
fn tenant_for_usage_errors() {
    for (arg, what) in [
        ("nothing.csv=acme", "not among the files"),
        ("=acme", "FILE=TENANT"),
        (&*format!("{GOOGLE}="), "FILE=TENANT"),
        (GOOGLE, "FILE=TENANT"),
    ] {
        let o = run(&["report", "--tenant-for", arg, GOOGLE]);
        assert_eq!(o.status.code(), Some(2), "{arg}: {}", stderr(&o));
        assert!(stderr(&o).contains(what), "{arg}: {}", stderr(&o));
    }
}

#[test]
fn a_file_naming_its_tenant_keeps_it_whatever_tenant_for_says() {
    let o = run(&[
        "sql",
        "SELECT DISTINCT tenant_id FROM fact_campaigns",
        "--tenant-for",
        &format!("{META}=other"),
        META,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("1029384756"), "{}", stdout(&o));
    assert!(!stdout(&o).contains("other"), "{}", stdout(&o));
}
