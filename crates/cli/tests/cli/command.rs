//! The `bi-platform` command as a process (SPEC §7): one JSON object with `--json`, exit
//! status 0 when at least one file loaded, 1 when none could be, 2 for usage errors, and
//! never a panic.

use crate::common::TempDir;
use proptest::prelude::*;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_bi-platform");
const SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/seed-data");
const DASHBOARDS: [&str; 7] = [
    "campaign_summary",
    "daily_performance",
    "conversion_funnel",
    "campaign_performance",
    "channel_mix",
    "target_vs_actual",
    "customer_summary",
];

fn seed(name: &str) -> PathBuf {
    Path::new(SEED).join(name)
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn run_paths(args: &[&str], files: &[&Path]) -> Output {
    Command::new(BIN)
        .args(args)
        .args(files)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The process ended by itself with a code (not a signal) and did not panic.
fn assert_no_crash(o: &Output, what: &str) -> i32 {
    let code = o
        .status
        .code()
        .unwrap_or_else(|| panic!("{what}: killed by a signal: {o:?}"));
    assert!(
        !stderr(o).contains("panicked"),
        "{what}: panicked: {}",
        stderr(o)
    );
    assert_ne!(code, 101, "{what}: exit 101 is a Rust panic: {}", stderr(o));
    code
}

/// stdout parsed as exactly one JSON value.
fn one_json(o: &Output) -> Json {
    let text = stdout(o);
    let mut values = serde_json::Deserializer::from_str(&text).into_iter::<Json>();
    let first = values
        .next()
        .expect("one JSON value")
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {text}"));
    assert!(values.next().is_none(), "more than one JSON value: {text}");
    assert!(first.is_object(), "{first}");
    first
}

fn seed_files() -> [PathBuf; 2] {
    [seed("marketing_campaigns.csv"), seed("sales_targets.xlsx")]
}

#[test]
fn report_json_on_the_seed_files() {
    let [c, t] = seed_files();
    let o = run_paths(&["report", "--json"], &[&c, &t]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j = one_json(&o);
    let keys: Vec<&str> = j.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 2, "{keys:?}");
    let loads = j["loads"].as_array().expect("loads");
    assert_eq!(loads.len(), 2);
    assert_eq!(loads[0]["table"], "fact_campaigns");
    assert_eq!(loads[0]["rows_read"], 300);
    assert_eq!(loads[0]["rows_loaded"], 300);
    assert_eq!(loads[0]["rows_rejected"], 0);
    assert_eq!(loads[0]["error"], Json::Null);
    assert_eq!(loads[1]["table"], "dim_sales_targets");
    assert_eq!(loads[1]["rows_loaded"], 720);
    assert_eq!(loads[1]["rows_rejected"], 0);
    assert_eq!(loads[1]["sheets"], serde_json::json!(["Sheet1"]));
    let dashboards = j["dashboards"].as_object().expect("dashboards");
    let mut names: Vec<&str> = dashboards.keys().map(String::as_str).collect();
    names.sort_unstable();
    let mut expected = DASHBOARDS.to_vec();
    expected.sort_unstable();
    assert_eq!(names, expected);
    for name in DASHBOARDS {
        assert!(dashboards[name]["columns"].is_array(), "{name}");
        assert!(dashboards[name]["rows"].is_array(), "{name}");
    }
    let summary = &dashboards["campaign_summary"]["rows"];
    assert_eq!(summary[0][0], "tenant_001");
    assert_eq!(summary[0][1], 100);
    assert_eq!(
        format!("{:.2}", summary[0][5].as_f64().unwrap()),
        "513138.45"
    );
    assert_eq!(
        format!("{:.2}", summary[0][6].as_f64().unwrap()),
        "966789.14"
    );
    assert_eq!(
        dashboards["campaign_performance"]["rows"]
            .as_array()
            .unwrap()
            .len(),
        300,
        "JSON output has all rows"
    );
    assert_eq!(
        dashboards["target_vs_actual"]["rows"]
            .as_array()
            .unwrap()
            .len(),
        720
    );
    let date = &dashboards["daily_performance"]["rows"][0][1];
    assert_eq!(date, "2024-10-01");
}

#[test]
fn report_table_output() {
    let [c, t] = seed_files();
    let o = run_paths(&["report"], &[&c, &t]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    for needle in ["513,138.45", "966,789.14", "1,009,722.20", "537,648.67"] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    for name in DASHBOARDS {
        assert!(text.contains(name), "{name} missing");
    }
}

#[test]
fn a_missing_file_alone_exits_1_with_an_error_entry() {
    let dir = TempDir::new("cli-missing");
    let missing = dir.path().join("no-such-file.csv");
    let o = run_paths(&["report", "--json"], &[&missing]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let j = one_json(&o);
    let loads = j["loads"].as_array().unwrap();
    assert_eq!(loads.len(), 1);
    assert_eq!(loads[0]["table"], Json::Null);
    assert_eq!(loads[0]["rows_read"], 0);
    assert!(loads[0]["error"].is_string(), "{}", loads[0]);
    assert!(loads[0]["file"]
        .as_str()
        .unwrap()
        .contains("no-such-file.csv"));
    // Every dashboard is still there, empty.
    for name in DASHBOARDS {
        assert_eq!(
            j["dashboards"][name]["rows"],
            serde_json::json!([]),
            "{name}"
        );
    }
    let o = run_paths(&["report"], &[&missing]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn a_missing_file_next_to_a_good_one_exits_0() {
    let dir = TempDir::new("cli-missing2");
    let missing = dir.path().join("gone.csv");
    let [c, _] = seed_files();
    let o = run_paths(&["report", "--json"], &[&missing, &c]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j = one_json(&o);
    let loads = j["loads"].as_array().unwrap();
    assert_eq!(loads.len(), 2);
    assert!(loads[0]["error"].is_string());
    assert_eq!(loads[1]["rows_loaded"], 300);
}

#[test]
fn unreadable_files_only_exit_1() {
    let dir = TempDir::new("cli-unreadable");
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, b"").unwrap();
    let nomatch = dir.path().join("nomatch.csv");
    std::fs::write(&nomatch, b"a,b,c\n1,2,3\n").unwrap();
    let o = run_paths(&["report", "--json"], &[&empty, &nomatch]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let j = one_json(&o);
    assert_eq!(j["loads"].as_array().unwrap().len(), 2);
    // A file with only rejected rows still loaded (it was read).
    let rejected = dir.path().join("rejected.csv");
    std::fs::write(
        &rejected,
        b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\nt1,c1,2024-11-01,5000,5200,1,1,1\n",
    )
    .unwrap();
    let o = run_paths(&["report", "--json"], &[&rejected]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j = one_json(&o);
    assert_eq!(
        j["loads"][0]["rejected"][0]["reason"],
        "clicks (5200) > impressions (5000)"
    );
    assert_eq!(j["loads"][0]["rejected"][0]["line"], 2);
}

#[test]
fn usage_errors_exit_2() {
    let [c, _] = seed_files();
    let c = c.to_str().unwrap();
    for args in [
        vec!["report", "--json", "--from", "2024-13-45", c],
        vec!["report", "--to", "next tuesday", c],
        vec!["report", "--from", "11/01/2024x", c],
        vec!["report"],
        vec!["report", "--no-such-flag", c],
        vec!["frobnicate"],
        vec![],
        vec!["generate"],
        vec!["generate", "--out", "x", "--tenants", "many"],
        vec!["report", "--threads", "0", c],
        vec!["report", "--threads", "all", c],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty(), "{args:?}: says why on stderr");
    }
}

#[test]
fn tenant_scope_on_the_command_line() {
    let [c, t] = seed_files();
    let o = run_paths(&["report", "--json", "--tenant", "tenant_002"], &[&c, &t]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("tenant_002"));
    assert!(!text.contains("tenant_001"), "tenant_001 leaks");
    assert!(!text.contains("tenant_003"), "tenant_003 leaks");
    let j = one_json(&o);
    let summary = j["dashboards"]["campaign_summary"]["rows"]
        .as_array()
        .unwrap();
    assert_eq!(summary.len(), 1);
    assert_eq!(
        format!("{:.2}", summary[0][5].as_f64().unwrap()),
        "555844.88"
    );
    // Table output too.
    let o = run_paths(
        &["report", "--tenant", "tenant_002", "--limit", "0"],
        &[&c, &t],
    );
    let text = stdout(&o);
    assert!(!text.contains("tenant_001") && !text.contains("tenant_003"));
    assert!(text.contains("555,844.88"));
    // Two tenants and filters.
    let o = run_paths(
        &[
            "report",
            "--json",
            "--tenant",
            "tenant_001",
            "--tenant",
            "tenant_003",
            "--from",
            "2024-11-01",
            "--to",
            "2024-11-15",
            "--region",
            "North",
            "--region",
            "West",
            "--channel",
            "Search",
            "--channel",
            "Email",
        ],
        &[&c, &t],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(!text.contains("tenant_002"));
    let j = one_json(&o);
    let summary = j["dashboards"]["campaign_summary"]["rows"]
        .as_array()
        .unwrap();
    let got: Vec<(String, i64)> = summary
        .iter()
        .map(|r| (r[0].as_str().unwrap().to_string(), r[1].as_i64().unwrap()))
        .collect();
    // Counts from tests/fixtures/expected_seed.py (FILTERED_SUMMARY).
    assert_eq!(got, [("tenant_001".into(), 6), ("tenant_003".into(), 1)]);
}

#[test]
fn generate_then_report() {
    let dir = TempDir::new("cli-generate");
    let out = dir.path().join("sample");
    let o = Command::new(BIN)
        .args(["generate", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let files = [
        out.join("campaigns.csv"),
        out.join("sales_targets.xlsx"),
        out.join("customers.json"),
    ];
    for f in &files {
        assert!(f.is_file(), "{} written", f.display());
    }
    assert!(
        !out.join("sales_targets.csv").exists(),
        "only with --targets-csv"
    );
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let o = run_paths(&["report", "--json"], &paths);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j = one_json(&o);
    let loads = j["loads"].as_array().unwrap();
    let got: Vec<(Json, Json, Json, Json)> = loads
        .iter()
        .map(|l| {
            (
                l["table"].clone(),
                l["rows_read"].clone(),
                l["rows_loaded"].clone(),
                l["rows_rejected"].clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("fact_campaigns".into(), 300.into(), 300.into(), 0.into()),
            ("dim_sales_targets".into(), 720.into(), 720.into(), 0.into()),
            ("dim_customers".into(), 150.into(), 150.into(), 0.into()),
        ]
    );
    let customers = j["dashboards"]["customer_summary"]["rows"]
        .as_array()
        .unwrap();
    assert_eq!(customers.len(), 3);
    for name in DASHBOARDS {
        assert!(
            !j["dashboards"][name]["rows"].as_array().unwrap().is_empty(),
            "{name} has rows"
        );
    }
}

#[test]
fn every_thread_count_prints_the_same_report() {
    let dir = TempDir::new("cli-threads");
    let out = dir.path().join("sample");
    let o = Command::new(BIN)
        .args([
            "generate",
            "--tenants",
            "9",
            "--campaigns-per-tenant",
            "6000",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let campaigns = out.join("campaigns.csv");
    assert!(
        std::fs::metadata(&campaigns).unwrap().len() > 4 << 20,
        "big enough to split"
    );
    let outputs: Vec<String> = ["1", "2", "5"]
        .iter()
        .map(|threads| {
            let o = run_paths(&["report", "--json", "--threads", threads], &[&campaigns]);
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
            stdout(&o)
        })
        .collect();
    assert_eq!(
        one_json_text(&outputs[0])["loads"][0]["rows_loaded"],
        54_000
    );
    assert!(outputs.iter().all(|o| o == &outputs[0]));
}

fn one_json_text(text: &str) -> Json {
    serde_json::from_str(text).expect("one JSON object")
}

#[test]
fn generate_is_deterministic_per_seed() {
    let dir = TempDir::new("cli-seeds");
    let gen = |sub: &str, seed: &str| {
        let out = dir.path().join(sub);
        let o = Command::new(BIN)
            .args([
                "generate",
                "--tenants",
                "4",
                "--campaigns-per-tenant",
                "20",
                "--seed",
                seed,
                "--out",
            ])
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        out
    };
    let (a, b, c) = (gen("a", "7"), gen("b", "7"), gen("c", "8"));
    for name in ["campaigns.csv", "sales_targets.xlsx", "customers.json"] {
        let x = std::fs::read(a.join(name)).unwrap();
        let y = std::fs::read(b.join(name)).unwrap();
        assert!(x == y, "{name}: same seed, same bytes");
    }
    let x = std::fs::read(a.join("campaigns.csv")).unwrap();
    let z = std::fs::read(c.join("campaigns.csv")).unwrap();
    assert_ne!(x, z, "another seed, other data");
    // Generated files load without rejected rows whatever the options.
    let files: Vec<PathBuf> = ["campaigns.csv", "sales_targets.xlsx", "customers.json"]
        .iter()
        .map(|n| c.join(n))
        .collect();
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let o = run_paths(&["report", "--json"], &paths);
    let j = one_json(&o);
    for l in j["loads"].as_array().unwrap() {
        assert_eq!(l["rows_rejected"], 0, "{l}");
        assert_eq!(l["error"], Json::Null, "{l}");
    }
    let tenants = j["dashboards"]["campaign_summary"]["rows"]
        .as_array()
        .unwrap();
    assert_eq!(tenants.len(), 4);
}

#[test]
fn generate_targets_csv_holds_the_workbooks_rows() {
    let dir = TempDir::new("cli-targets-csv");
    let out = dir.path().join("sample");
    let o = Command::new(BIN)
        .args(["generate", "--tenants", "5", "--targets-csv", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("sales_targets.csv"), "{}", stderr(&o));
    let targets = |file: &str| {
        let path = out.join(file);
        let o = run_paths(
            &[
                "sql",
                "--json",
                "SELECT * FROM dim_sales_targets ORDER BY tenant_id, region, product, year, month",
            ],
            &[&path],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        one_json_text(&stdout(&o))
    };
    let (csv, xlsx) = (targets("sales_targets.csv"), targets("sales_targets.xlsx"));
    assert_eq!(csv[0]["rows"].as_array().unwrap().len(), 5 * 240);
    assert_eq!(csv, xlsx);
}

#[test]
fn help_mentions_every_option() {
    let o = run(&["report", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    for option in [
        "--json",
        "--tenant",
        "--from",
        "--to",
        "--region",
        "--product",
        "--channel",
        "--limit",
    ] {
        assert!(
            text.contains(option),
            "report --help lacks {option}:\n{text}"
        );
    }
    let o = run(&["generate", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    for option in [
        "--out",
        "--tenants",
        "--campaigns-per-tenant",
        "--customers-per-tenant",
        "--seed",
        "--targets-csv",
    ] {
        assert!(
            text.contains(option),
            "generate --help lacks {option}:\n{text}"
        );
    }
    let o = run(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(
        text.contains("report") && text.contains("generate"),
        "{text}"
    );
}

/// A tiny deterministic generator for the garbage below.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Files that are almost something: valid starts, broken middles.
fn nearly_files() -> Vec<(String, Vec<u8>)> {
    let campaigns = std::fs::read(seed("marketing_campaigns.csv")).unwrap();
    let targets = std::fs::read(seed("sales_targets.xlsx")).unwrap();
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut out = Vec::new();
    for i in 0..12 {
        // Byte flips in the CSV and the XLSX.
        let mut c = campaigns.clone();
        let mut x = targets.clone();
        for _ in 0..(1 + i * 3) {
            let p = (rng.next() as usize) % c.len();
            c[p] = rng.next() as u8;
            let p = (rng.next() as usize) % x.len();
            x[p] = rng.next() as u8;
        }
        out.push((format!("flip{i}.csv"), c));
        out.push((format!("flip{i}.xlsx"), x));
        // Truncations.
        let cut = (rng.next() as usize) % targets.len();
        out.push((format!("cut{i}.xlsx"), targets[..cut].to_vec()));
        let cut = (rng.next() as usize) % campaigns.len();
        out.push((format!("cut{i}.csv"), campaigns[..cut].to_vec()));
    }
    for (name, bytes) in [
        ("bom16.csv", &b"\xFF\xFE\x00"[..]),
        ("bom16be.csv", &b"\xFE\xFF\x00t"[..]),
        ("zip.xlsx", &b"PK\x03\x04"[..]),
        ("json1.json", &b"["[..]),
        ("json2.json", &b"{\"data\": [1, 2, {\"a\": {}}]}"[..]),
        ("json3.json", &b"[[], {}, null, 1e999999]"[..]),
        ("json4.json", &b"{\"a\": [{}], \"b\": [{}]}"[..]),
        ("deep.json", &[b'['; 100_000][..]),
        ("quote.csv", &b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\"unterminated"[..]),
        ("nul.csv", &b"\0\0\0\0"[..]),
        ("huge_numbers.csv", &b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\nt,c,9999-12-31,99999999999999999999999,1,1,99999999999999999999.99,1e308\nt,c2,0001-01-01,4294967295,4294967295,4294967295,9223372036854.775807,9223372036854.775807\nt,c3,2024-11-01,4294967295,4294967295,4294967295,9223372036854.775807,9223372036854.775807\n"[..]),
    ] {
        out.push((name.to_string(), bytes.to_vec()));
    }
    out
}

#[test]
fn nearly_valid_files_never_crash() {
    let dir = TempDir::new("cli-nearly");
    let mut paths = Vec::new();
    for (name, bytes) in nearly_files() {
        let path = dir.path().join(&name);
        std::fs::write(&path, &bytes).unwrap();
        for json in [true, false] {
            let args: &[&str] = if json {
                &["report", "--json"]
            } else {
                &["report"]
            };
            let o = run_paths(args, &[&path]);
            let code = assert_no_crash(&o, &name);
            assert!(
                code == 0 || code == 1,
                "{name}: exit {code}: {}",
                stderr(&o)
            );
            if json {
                one_json(&o);
            }
        }
        paths.push(path);
    }
    // All of them at once, with the seed, in one warehouse.
    let [c, t] = seed_files();
    let mut all: Vec<&Path> = vec![&c, &t];
    all.extend(paths.iter().map(PathBuf::as_path));
    let o = run_paths(&["report", "--json"], &all);
    assert_eq!(assert_no_crash(&o, "all at once"), 0);
    let j = one_json(&o);
    assert!(j["loads"].as_array().unwrap().len() >= all.len());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_garbage_never_crashes(
        prefix in prop::sample::select(vec![
            &b""[..], b"PK\x03\x04", b"[", b"{", b"\xEF\xBB\xBF", b"\xFF\xFE", b"\xFE\xFF",
            b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n",
            b"tenant_id;region;product;year;month;target_revenue;target_conversions;target_spend\r\n",
        ]),
        body in prop::collection::vec(any::<u8>(), 0..2048),
        json in any::<bool>(),
    ) {
        let dir = TempDir::new("cli-garbage");
        let path = dir.path().join("garbage.bin");
        let mut bytes = prefix.to_vec();
        bytes.extend_from_slice(&body);
        std::fs::write(&path, &bytes).unwrap();
        let args: &[&str] = if json { &["report", "--json"] } else { &["report"] };
        let o = run_paths(args, &[&path]);
        let code = assert_no_crash(&o, "garbage");
        prop_assert!(code == 0 || code == 1, "exit {}: {}", code, stderr(&o));
        if json {
            one_json(&o);
        }
    }
}

#[test]
fn a_directory_or_the_same_file_twice() {
    let dir = TempDir::new("cli-dir");
    let o = run_paths(&["report", "--json"], &[dir.path()]);
    assert_eq!(assert_no_crash(&o, "directory"), 1, "{}", stderr(&o));
    let j = one_json(&o);
    assert!(j["loads"][0]["error"].is_string(), "{j}");
    let [c, _] = seed_files();
    let o = run_paths(&["report", "--json"], &[&c, &c]);
    assert_eq!(o.status.code(), Some(0));
    let j = one_json(&o);
    let loads = j["loads"].as_array().unwrap();
    assert_eq!(loads.len(), 2);
    assert_eq!(loads[1]["unchanged_from"], loads[0]["file"]);
    assert_eq!(loads[1]["rows_loaded"], 0);
    let summary = j["dashboards"]["campaign_summary"]["rows"]
        .as_array()
        .unwrap();
    assert_eq!(summary[0][1], 100, "loading twice never double-counts");
}

#[test]
fn table_output_formats_negative_money() {
    // tenant_002 lost 1258.89 on 2024-11-01 (tests/fixtures/expected_seed.py, DAILY_SAMPLE).
    let [c, _] = seed_files();
    let o = run_paths(
        &[
            "report",
            "--tenant",
            "tenant_002",
            "--from",
            "2024-11-01",
            "--to",
            "2024-11-01",
            "--limit",
            "0",
        ],
        &[&c],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("-1,258.89"), "{text}");
    assert!(text.contains("2024-11-01"), "{text}");
}

#[test]
fn filters_over_text_repeated_across_columns_do_not_crash() {
    // The same word as region and product of one row (common in exports: "Other").
    let dir = TempDir::new("cli-repeat");
    let header = "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product\n";
    let a = dir.path().join("a.csv");
    std::fs::write(
        &a,
        format!("{header}t1,c1,N1,2024-11-01,100,10,1,1,2,North,Product A\nt1,c2,N2,2024-11-01,100,10,1,1,2,South,Product B\n"),
    )
    .unwrap();
    let b = dir.path().join("b.csv");
    std::fs::write(
        &b,
        format!("{header}t1,Brand,Brand,2024-11-02,100,10,1,1,2,Other,Other\n"),
    )
    .unwrap();
    for filter in [
        vec!["--product", "Product A"],
        vec!["--region", "Other"],
        vec!["--product", "Other"],
    ] {
        let mut args = vec!["report", "--json"];
        args.extend(filter.iter().copied());
        let o = run_paths(&args, &[&a, &b]);
        assert_eq!(assert_no_crash(&o, &format!("{filter:?}")), 0);
        one_json(&o);
    }
}
