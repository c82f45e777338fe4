//! Ad-platform exports as their report downloads come (SPEC §1): each platform's fixture
//! in tests/fixtures/platforms/ loaded and checked cell by cell; the tenant from the
//! account column or given for the file, refused without either; totals and footer
//! rows rejected as `totals row` and counted; reports summed over a period refused;
//! and, as a property, a platform's export gives the warehouse the same rows in the
//! contract's own columns give.

use crate::common::*;
use bi_platform::ingest::IngestStream;
use bi_platform::{sql, LoadReport, TenantScope, Warehouse};
use proptest::prelude::*;
use serde_json::{json, Value as Json};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/platforms");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).expect("fixture")
}

/// Loads fixture `file` as `name` ([`load_with`]) and checks its rows read, loaded and
/// rejected.
fn load_fixture(
    w: &mut Warehouse,
    name: &str,
    file: &str,
    tenant: Option<&str>,
    counts: (u64, u64, u64),
) -> LoadReport {
    let r = load_with(w, name, &fixture(file), tenant);
    assert_eq!(
        (r.rows_read, r.rows_loaded, r.rows_rejected),
        counts,
        "{r:#?}"
    );
    r
}

/// Loads a file as the page and the command line do, with `tenant` given for it.
fn load_with(w: &mut Warehouse, name: &str, bytes: &[u8], tenant: Option<&str>) -> LoadReport {
    let mut stream = w
        .stream(name)
        .with_tenant(tenant.map(str::to_string))
        .with_part_rows(2);
    for chunk in bytes.chunks(97) {
        w.push(&mut stream, chunk);
    }
    let mut reports = w.commit(stream.finish());
    assert_eq!(reports.len(), 1, "{reports:#?}");
    let report = reports.remove(0);
    assert_accounting(&report);
    report
}

/// Every fact row with its stored columns and channel, as JSON, ordered by date and id.
fn rows(w: &Warehouse) -> Vec<Json> {
    let result = sql::query(
        w.star(),
        &TenantScope::All,
        "SELECT tenant_id, campaign_id, campaign_name, date, impressions, clicks, \
         conversions, spend, revenue, channel FROM fact_campaigns ORDER BY date, campaign_id",
    )
    .expect("query");
    match serde_json::to_value(&result).expect("json")["rows"].clone() {
        Json::Array(rows) => rows,
        other => panic!("rows: {other}"),
    }
}

fn assert_rows(w: &Warehouse, expected: Json) {
    let Json::Array(expected) = expected else {
        panic!("expected rows")
    };
    let got = rows(w);
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for (i, (got, want)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(got, want, "row {i}");
    }
}

fn totals_rows(report: &LoadReport) -> Vec<u64> {
    report
        .rejected
        .iter()
        .filter(|r| r.reason == "totals row")
        .map(|r| r.line)
        .collect()
}

#[test]
fn google_ads_excel_csv_utf16_tabs_titles_and_totals() {
    let mut w = Warehouse::new();
    let bytes = fixture("google_ads_campaign_report.csv");
    let r = load_with(&mut w, "google.csv", &bytes, Some("acme"));
    assert_eq!(r.table, Some("fact_campaigns"), "{r:#?}");
    assert_eq!((r.rows_read, r.rows_loaded, r.rows_rejected), (10, 6, 4));
    // Two title lines above the header, which is line 3: the rows are lines 4-9 and
    // the four totals rows lines 10-13.
    assert_eq!(totals_rows(&r), vec![10, 11, 12, 13]);
    assert!(r.rejected.iter().all(|x| x.column.is_none()), "{r:#?}");
    let source = r.source.as_ref().expect("a platform's export");
    assert_eq!(source.platform, "Google Ads");
    assert_eq!(source.tenant.as_deref(), Some("acme"));
    assert_eq!(source.currencies, vec!["USD"]);
    assert_eq!(
        r.extra_columns,
        vec!["currency_code", "ctr", "avg_cpc", "cost_/_conv"]
    );
    assert_rows(
        &w,
        json!([
            [
                "acme",
                "20512345678",
                "Brand - Search",
                "2024-12-01",
                1204,
                98,
                7,
                50.96,
                640.0,
                "Search"
            ],
            [
                "acme",
                "20512345690",
                "Winter Boots - Shopping",
                "2024-12-01",
                8310,
                211,
                12,
                86.51,
                1188.4,
                "Shopping"
            ],
            [
                "acme",
                "20512345702",
                "Performance Max - All Products",
                "2024-12-01",
                15022,
                174,
                9,
                109.62,
                905.55,
                "Performance Max"
            ],
            [
                "acme",
                "20512345678",
                "Brand - Search",
                "2024-12-02",
                1187,
                91,
                6,
                50.05,
                512.0,
                "Search"
            ],
            [
                "acme",
                "20512345690",
                "Winter Boots - Shopping",
                "2024-12-02",
                7954,
                199,
                11,
                85.57,
                1020.1,
                "Shopping"
            ],
            [
                "acme",
                "20512345702",
                "Performance Max - All Products",
                "2024-12-02",
                14480,
                0,
                0,
                0.0,
                0.0,
                "Performance Max"
            ],
        ]),
    );
}

#[test]
fn meta_ads_manager_export_takes_its_tenant_from_the_account_id() {
    let mut w = Warehouse::new();
    let r = load_fixture(
        &mut w,
        "meta.csv",
        "meta_ads_manager_export.csv",
        None,
        (4, 4, 0),
    );
    let source = r.source.as_ref().expect("a platform's export");
    assert_eq!(source.platform, "Meta Ads");
    assert_eq!(source.tenant_from, "account column Account ID");
    assert_eq!(source.tenant, None);
    // The currency is the unit of `Amount spent (USD)`.
    assert_eq!(source.currencies, vec!["USD"]);
    // `Purchases` is the conversions, `Results` (another name of theirs) kept as text.
    assert!(r.extra_columns.contains(&"results".to_string()), "{r:#?}");
    assert_rows(
        &w,
        json!([
            [
                "1029384756",
                "120210000000000001",
                "Holiday Sale - Prospecting",
                "2024-12-01",
                12450,
                231,
                14,
                180.44,
                1420.5,
                "Social"
            ],
            [
                "1029384756",
                "120210000000000002",
                "Retargeting - Cart Abandoners",
                "2024-12-01",
                4310,
                122,
                9,
                64.9,
                876.25,
                "Social"
            ],
            [
                "1029384756",
                "120210000000000001",
                "Holiday Sale - Prospecting",
                "2024-12-02",
                11980,
                205,
                11,
                175.1,
                1105.0,
                "Social"
            ],
            [
                "1029384756",
                "120210000000000002",
                "Retargeting - Cart Abandoners",
                "2024-12-02",
                3995,
                101,
                0,
                61.35,
                0.0,
                "Social"
            ],
        ]),
    );
}

#[test]
fn microsoft_advertising_title_rows_and_copyright_footer() {
    let mut w = Warehouse::new();
    let bytes = fixture("microsoft_advertising_campaign_performance.csv");
    let r = load_with(
        &mut w,
        "msads.csv",
        &bytes,
        Some("ignored: the file names it"),
    );
    // Nine title rows and a blank line above the header (line 11); the footer after a
    // blank line is line 17.
    assert_eq!(
        (r.rows_read, r.rows_loaded, r.rows_rejected),
        (5, 4, 1),
        "{r:#?}"
    );
    assert_eq!(totals_rows(&r), vec![17]);
    let source = r.source.as_ref().expect("a platform's export");
    assert_eq!(source.platform, "Microsoft Advertising");
    assert_eq!(source.tenant_from, "account column AccountNumber");
    assert_eq!(source.tenant, None);
    assert_eq!(source.currencies, vec!["USD"]);
    assert_rows(
        &w,
        json!([
            [
                "F120ABCD",
                "512345001",
                "Road Bikes - Search",
                "2024-12-01",
                2100,
                84,
                5,
                63.0,
                410.0,
                "Search & content"
            ],
            [
                "F120ABCD",
                "512345002",
                "Helmets - Shopping",
                "2024-12-01",
                3420,
                57,
                2,
                31.35,
                88.0,
                "Shopping"
            ],
            [
                "F120ABCD",
                "512345001",
                "Road Bikes - Search",
                "2024-12-02",
                1980,
                80,
                4,
                60.8,
                352.5,
                "Search & content"
            ],
            [
                "F120ABCD",
                "512345002",
                "Helmets - Shopping",
                "2024-12-02",
                3105,
                49,
                3,
                26.95,
                131.7,
                "Shopping"
            ],
        ]),
    );
}

#[test]
fn linkedin_campaign_manager_start_date_and_total_spent() {
    let mut w = Warehouse::new();
    let r = load_fixture(
        &mut w,
        "li.csv",
        "linkedin_campaign_performance.csv",
        None,
        (4, 4, 0),
    );
    let source = r.source.as_ref().expect("a platform's export");
    assert_eq!(source.platform, "LinkedIn Ads");
    assert_eq!(source.tenant_from, "account column Account Name");
    assert_eq!(source.currencies, vec!["EUR"]);
    assert_rows(
        &w,
        json!([
            [
                "Fabrikam Software",
                "238765401",
                "Decision Makers - Sponsored Content",
                "2024-12-01",
                5310,
                41,
                3,
                212.4,
                1500.0,
                "Social"
            ],
            [
                "Fabrikam Software",
                "238765402",
                "IT Leaders - Text Ads",
                "2024-12-01",
                9120,
                17,
                0,
                38.75,
                0.0,
                "Social"
            ],
            [
                "Fabrikam Software",
                "238765401",
                "Decision Makers - Sponsored Content",
                "2024-12-02",
                4980,
                36,
                2,
                198.05,
                1000.0,
                "Social"
            ],
            [
                "Fabrikam Software",
                "238765402",
                "IT Leaders - Text Ads",
                "2024-12-02",
                9545,
                19,
                1,
                41.1,
                450.0,
                "Social"
            ],
        ]),
    );
}

#[test]
fn tiktok_custom_report_by_day_with_its_tenant_given() {
    let mut w = Warehouse::new();
    let r = load_fixture(
        &mut w,
        "tt.csv",
        "tiktok_ads_custom_report.csv",
        Some(" Acme Shoes "),
        (4, 4, 0),
    );
    let source = r.source.as_ref().expect("a platform's export");
    assert_eq!(source.platform, "TikTok Ads");
    assert_eq!(source.tenant.as_deref(), Some("Acme Shoes"));
    assert_eq!(source.currencies, vec!["USD"]);
    assert_rows(
        &w,
        json!([
            [
                "Acme Shoes",
                "1818123456789012",
                "Gift Guide - Spark Ads",
                "2024-12-01",
                15560,
                143,
                6,
                95.4,
                462.0,
                "Social"
            ],
            [
                "Acme Shoes",
                "1818123456789013",
                "New Arrivals - In-Feed",
                "2024-12-01",
                11400,
                96,
                2,
                57.25,
                118.0,
                "Social"
            ],
            [
                "Acme Shoes",
                "1818123456789012",
                "Gift Guide - Spark Ads",
                "2024-12-02",
                16280,
                151,
                7,
                101.1,
                533.5,
                "Social"
            ],
            [
                "Acme Shoes",
                "1818123456789013",
                "New Arrivals - In-Feed",
                "2024-12-02",
                11205,
                90,
                3,
                55.8,
                171.0,
                "Social"
            ],
        ]),
    );
}

#[test]
fn an_export_naming_no_tenant_is_refused_without_one_and_adds_nothing() {
    let mut w = Warehouse::new();
    load_one(&mut w, "meta.csv", &fixture("meta_ads_manager_export.csv"));
    let before = star_contents(&w);
    for name in [
        "google_ads_campaign_report.csv",
        "tiktok_ads_custom_report.csv",
    ] {
        // In parts of two rows: the refusal rolls back what was committed.
        let r = load_with(&mut w, name, &fixture(name), None);
        let error = r.error.as_deref().expect("refused");
        assert!(error.contains("names no tenant"), "{error}");
        assert!(error.contains("--tenant-for"), "{error}");
        assert_eq!(r.table, None);
        assert_eq!(star_contents(&w), before, "{name}");
    }
    // Whole, without parts, the same.
    let mut stream = IngestStream::new("google.csv");
    stream.push(&fixture("google_ads_campaign_report.csv"));
    assert!(matches!(
        stream.finish().result,
        Err(bi_platform::LoadError::NoTenant {
            platform: "Google Ads"
        })
    ));
}

#[test]
fn a_blank_tenant_is_no_tenant() {
    let mut w = Warehouse::new();
    let r = load_with(
        &mut w,
        "tt.csv",
        &fixture("tiktok_ads_custom_report.csv"),
        Some("  "),
    );
    assert!(
        r.error
            .as_deref()
            .is_some_and(|e| e.contains("names no tenant")),
        "{r:#?}"
    );
}

#[test]
fn a_report_summed_over_its_period_is_refused_asking_for_it_by_day() {
    let file = "Campaign report\nDecember 1, 2024 - December 7, 2024\n\
                Campaign,Campaign ID,Impr.,Clicks,Cost,Conversions,Conv. value\n\
                Brand,1,100,10,5.00,1,9.00\n";
    let (_, r) = fresh("summed.csv", file.as_bytes());
    let error = r.error.expect("refused");
    assert!(error.contains("Google Ads"), "{error}");
    assert!(error.contains("by day"), "{error}");
}

#[test]
fn a_row_spanning_several_days_is_rejected_asking_for_the_report_by_day() {
    let file = "Reporting starts,Reporting ends,Account ID,Campaign name,Impressions,Link clicks,Amount spent (EUR),Purchases,Purchases conversion value\n\
                2024-12-01,2024-12-01,77,Prospecting,100,10,5.00,1,9.00\n\
                2024-12-01,2024-12-07,77,Prospecting,700,70,35.00,7,63.00\n";
    let (w, r) = fresh("meta.csv", file.as_bytes());
    assert_eq!((r.rows_loaded, r.rows_rejected), (1, 1), "{r:#?}");
    assert_eq!(r.rejected[0].line, 3);
    assert_eq!(r.rejected[0].column.as_deref(), Some("date"));
    assert!(
        r.rejected[0].reason.contains("by day"),
        "{:?}",
        r.rejected[0]
    );
    assert_eq!(r.source.as_ref().unwrap().currencies, vec!["EUR"]);
    // With no campaign id column, the campaign's name is its id.
    let f = fact(&w, "Prospecting");
    assert_eq!((f.tenant.as_str(), f.impressions), ("77", 100));
}

#[test]
fn a_day_column_wins_over_reporting_starts() {
    let file = "Reporting starts,Reporting ends,Day,Account ID,Campaign name,Impressions,Link clicks,Amount spent (USD),Purchases,Purchases conversion value\n\
                2024-12-01,2024-12-07,2024-12-03,77,Prospecting,100,10,5.00,1,9.00\n";
    let (w, r) = fresh("meta.csv", file.as_bytes());
    assert_eq!(r.rows_loaded, 1, "{r:#?}");
    assert_eq!(fact(&w, "Prospecting").date, "2024-12-03");
    assert!(r.extra_columns.contains(&"reporting_starts".to_string()));
}

#[test]
fn totals_rows_in_the_identifying_fields_are_rejected_wherever_they_are() {
    let file =
        "Day\tCampaign\tCampaign ID\tImpr.\tClicks\tCost\tConversions\tConv. value\tAccount name\n\
                2024-12-01\tBrand\t1\t100\t10\t5.00\t1\t9.00\tAcme\n\
                --\t--\t--\t100\t10\t5.00\t1\t9.00\tAcme\n\
                Total: Account\t--\t--\t100\t10\t5.00\t1\t9.00\t--\n\
                2024-12-02\t--\t--\t100\t10\t5.00\t1\t9.00\tAcme\n";
    let (_, r) = fresh("g.tsv", file.as_bytes());
    assert_eq!(r.rows_loaded, 1, "{r:#?}");
    assert_eq!(totals_rows(&r), vec![3, 4, 5]);
    assert_eq!(r.source.unwrap().tenant_from, "account column Account name");
}

#[test]
fn a_contract_file_is_never_taken_for_a_platforms() {
    // Aliases shared with the platforms (`Impr.`, `Cost`, `Day`) but none of their marks:
    // no platform, the channel from the campaign name, totals-like text loads as text.
    let file = "tenant_id,campaign_id,campaign,day,impr.,clicks,conversions,cost,sales\n\
                t1,--,Total: Brand - Video,2024-12-01,100,10,1,5.00,9.00\n";
    let (w, r) = fresh("contract.csv", file.as_bytes());
    assert_eq!(r.rows_loaded, 1, "{r:#?}");
    assert!(r.source.is_none());
    assert_eq!(fact(&w, "--").name.as_deref(), Some("Total: Brand - Video"));
    let channels = sql::query(
        w.star(),
        &TenantScope::All,
        "SELECT channel FROM fact_campaigns",
    )
    .unwrap();
    assert_eq!(
        serde_json::to_value(&channels).unwrap()["rows"],
        json!([["Video"]])
    );
}

#[test]
fn the_load_reports_json_is_spec_7s() {
    let mut w = Warehouse::new();
    let r = load_with(
        &mut w,
        "meta.csv",
        &fixture("meta_ads_manager_export.csv"),
        None,
    );
    let Json::Object(map) = serde_json::to_value(&r).unwrap() else {
        panic!("an object")
    };
    let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut spec = [
        "file",
        "table",
        "rows_read",
        "rows_loaded",
        "rows_rejected",
        "rows_replaced",
        "warnings",
        "rejected",
        "extra_columns",
        "unchanged_from",
        "error",
    ];
    spec.sort_unstable();
    assert_eq!(keys, spec);
}

// ---- a platform's export against the same rows in the contract's columns ----

/// One generated campaign row.
#[derive(Debug, Clone)]
struct Row {
    campaign: usize,
    day: u32,
    impressions: u32,
    clicks: u32,
    conversions: u32,
    spend_cents: u64,
    revenue_cents: u64,
}

fn row() -> impl Strategy<Value = Row> {
    (
        0usize..4,
        1u32..29,
        0u32..200_000,
        0u64..5_000_000,
        0u64..9_000_000,
    )
        .prop_flat_map(|(campaign, day, impressions, spend_cents, revenue_cents)| {
            (0..=impressions).prop_flat_map(move |clicks| {
                (0..=clicks).prop_map(move |conversions| Row {
                    campaign,
                    day,
                    impressions,
                    clicks,
                    conversions,
                    spend_cents,
                    revenue_cents,
                })
            })
        })
}

const NAMES: [&str; 4] = [
    "Brand - Search",
    "Winter Sale",
    "Retargeting, EU",
    "Ünïcode \"quoted\"",
];

fn money(cents: u64, thousands: bool) -> String {
    let whole = cents / 100;
    let whole = if thousands {
        grouped(whole)
    } else {
        whole.to_string()
    };
    format!("{whole}.{:02}", cents % 100)
}

fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// A platform's export of `rows` (its bytes), the tenant to give it (if it names none),
/// and the same rows in the contract's columns.
fn export(platform: usize, rows: &[Row]) -> (Vec<u8>, Option<&'static str>, String) {
    let iso = |day: u32| format!("2024-12-{day:02}");
    let id = |c: usize| format!("{}", 9_000_100 + c);
    let mut contract = String::from(
        "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,channel",
    );
    let (tenant, channel, extra) = match platform {
        0 => ("client-g", "Search", Some("currency_code")),
        1 => ("1029384756", "Social", Some("reporting_ends")),
        2 => ("F120ABCD", "Search", None),
        3 => ("Fabrikam Software", "Social", None),
        _ => ("client-t", "Social", None),
    };
    if let Some(extra) = extra {
        contract.push_str(&format!(",{extra}"));
    }
    contract.push('\n');
    let mut out = String::new();
    match platform {
        0 => out.push_str("Campaign report\nDecember 1, 2024 - December 28, 2024\nDay\tCampaign\tCampaign ID\tImpr.\tClicks\tCost\tConversions\tConv. value\tCurrency code\n"),
        1 => out.push_str("Reporting starts,Reporting ends,Account ID,Campaign name,Campaign ID,Impressions,Link clicks,Amount spent (USD),Purchases,Purchases conversion value\n"),
        2 => out.push_str("\"Report Name: Campaign Performance Report\"\n\"Report Aggregation: Daily\"\n\"Rows: 9\"\n\n\"TimePeriod\",\"AccountNumber\",\"CampaignName\",\"CampaignId\",\"Impressions\",\"Clicks\",\"Spend\",\"Conversions\",\"Revenue\"\n"),
        3 => out.push_str("Campaign Performance Report (in UTC)\nStart Date (in UTC),Account Name,Campaign Name,Campaign ID,Total Spent,Impressions,Clicks,Conversions,Total Conversion Value\n"),
        _ => out.push_str("By Day,Campaign name,Cost,Impressions,Clicks (destination),Conversions,Total purchase value\n"),
    }
    for r in rows {
        let name = NAMES[r.campaign];
        let (spend, revenue) = (money(r.spend_cents, false), money(r.revenue_cents, false));
        let campaign_id = if platform == 4 {
            name.to_string()
        } else {
            id(r.campaign)
        };
        contract.push_str(&format!(
            "{tenant},{},{},{},{},{},{},{spend},{revenue},{channel}",
            quoted(&campaign_id),
            quoted(name),
            iso(r.day),
            r.impressions,
            r.clicks,
            r.conversions
        ));
        match platform {
            0 => contract.push_str(",USD"),
            1 => contract.push_str(&format!(",{}", iso(r.day))),
            _ => {}
        }
        contract.push('\n');
        out.push_str(&match platform {
            0 => format!(
                "{}\t{name}\t{}\t{}\t{}\t{}\t{}\t{}\tUSD\n",
                iso(r.day),
                id(r.campaign),
                grouped(u64::from(r.impressions)),
                r.clicks,
                money(r.spend_cents, true),
                r.conversions,
                money(r.revenue_cents, true)
            ),
            1 => format!(
                "{d},{d},{tenant},{},{},{},{},{spend},{},{revenue}\n",
                quoted(name),
                id(r.campaign),
                r.impressions,
                r.clicks,
                r.conversions,
                d = iso(r.day)
            ),
            2 => format!(
                "\"{}\",\"{tenant}\",{},\"{}\",\"{}\",\"{}\",\"{spend}\",\"{}\",\"{revenue}\"\n",
                iso(r.day),
                quoted(name),
                id(r.campaign),
                r.impressions,
                r.clicks,
                r.conversions
            ),
            3 => format!(
                "12/{}/2024,{tenant},{},{},{spend},{},{},{},{revenue}\n",
                r.day,
                quoted(name),
                id(r.campaign),
                r.impressions,
                r.clicks,
                r.conversions
            ),
            _ => format!(
                "{},{},{spend},{},{},{},{revenue}\n",
                iso(r.day),
                quoted(name),
                r.impressions,
                r.clicks,
                r.conversions
            ),
        });
    }
    match platform {
        0 => out.push_str("Total: Account\t--\t--\t1\t1\t1.00\t1\t1.00\tUSD\n"),
        2 => out.push_str("\n\"\u{a9}2024 Microsoft Corporation. All rights reserved. \"\n"),
        _ => {}
    }
    let bytes = if platform == 0 {
        // Google Ads' "Excel CSV": UTF-16 LE with a BOM.
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(out.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    } else {
        out.into_bytes()
    };
    let given = match platform {
        0 => Some("client-g"),
        4 => Some("client-t"),
        _ => None,
    };
    (bytes, given, contract)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn a_platform_export_gives_the_warehouse_its_rows_in_the_contracts_columns(
        platform in 0usize..5,
        rows in prop::collection::vec(row(), 1..40),
        part_rows in 1u64..8,
    ) {
        let (bytes, given, contract) = export(platform, &rows);
        let mut ours = Warehouse::new();
        let mut stream = ours.stream("export").with_tenant(given.map(str::to_string)).with_part_rows(part_rows);
        ours.push(&mut stream, &bytes);
        let report = ours.commit(stream.finish()).remove(0);
        prop_assert!(report.error.is_none(), "{:#?}", report);
        let totals = usize::from(matches!(platform, 0 | 2));
        prop_assert_eq!(report.rows_rejected as usize, totals, "{:#?}", report);
        let mut theirs = Warehouse::new();
        let twin = load_one(&mut theirs, "contract.csv", contract.as_bytes());
        prop_assert_eq!(twin.rows_rejected, 0, "{:#?}", twin);
        prop_assert_eq!(report.rows_loaded, twin.rows_loaded);
        prop_assert_eq!(report.rows_replaced, twin.rows_replaced);
        prop_assert_eq!(&report.extra_columns, &twin.extra_columns);
        prop_assert_eq!(star_contents(&ours), star_contents(&theirs));
        prop_assert_eq!(all_json(&ours, &all()), all_json(&theirs, &all()));
    }
}

/// A platform's export with `n` rows (tab-separated, with `--` rows among them and its
/// totals at the end, naming no tenant).
fn long_google_export(n: usize) -> Vec<u8> {
    let mut out =
        String::from("Campaign report\nDecember 2024\nDay\tCampaign\tCampaign ID\tImpr.\tClicks\tCost\tConversions\tConv. value\n");
    for i in 0..n {
        if i % 97 == 13 {
            out.push_str("--\t--\t--\t1\t1\t1.00\t1\t1.00\n");
        }
        out.push_str(&format!(
            "2024-12-{:02}\tCampaign {}\t{}\t{}\t{}\t{}.{:02}\t{}\t{}.50\n",
            i % 28 + 1,
            i % 50,
            700 + i % 50,
            1000 + i,
            i % 900,
            i % 300,
            i % 100,
            i % 7,
            i % 1000
        ));
    }
    out.push_str("Total: Account\t--\t--\t1\t1\t1.00\t1\t1.00\n");
    out.into_bytes()
}

#[test]
fn a_platform_export_read_by_parsing_workers_or_threads_loads_what_one_thread_loads() {
    use bi_platform::ingest::delimited::parse_piece;
    let bytes = long_google_export(3000);
    let tenant = || Some("acme".to_string());
    let finish = |stream: IngestStream| {
        let mut w = Warehouse::new();
        let reports = w.commit(stream.finish());
        (w, reports)
    };
    let mut one = IngestStream::new("g.tsv").with_tenant(tenant());
    one.push(&bytes);
    let one = finish(one);
    assert_eq!(one.1[0].rows_loaded, 3000, "{:#?}", one.1);
    assert_eq!(one.1[0].rows_rejected, 32);
    let mut threads = IngestStream::new("g.tsv")
        .with_tenant(tenant())
        .with_parallel_reading(4, 256);
    for chunk in bytes.chunks(8192) {
        threads.push(chunk);
    }
    let threads = finish(threads);
    let mut workers = IngestStream::new("g.tsv")
        .with_tenant(tenant())
        .with_outsourcing(3, 256);
    for chunk in bytes.chunks(8192) {
        workers.push(chunk);
        let answered = workers.work().map(|work| {
            let answers: Vec<Vec<u8>> = work
                .pieces
                .iter()
                .enumerate()
                .map(|(index, piece)| parse_piece(&work.spec, index, piece))
                .collect();
            (work.run, answers)
        });
        if let Some((run, answers)) = answered {
            let answers: Vec<&[u8]> = answers.iter().map(Vec::as_slice).collect();
            workers.absorb_work(run, &answers);
        }
    }
    assert!(workers.bytes_read_elsewhere() > 0, "the workers read runs");
    let workers = finish(workers);
    for other in [&threads, &workers] {
        assert_eq!(one.1, other.1);
        assert_eq!(star_contents(&one.0), star_contents(&other.0));
    }
}
