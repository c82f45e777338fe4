//! Invariants of the load path and of tenant isolation as properties over random valid
//! rows, in every input format (CSV, XLSX, JSON). What tests/query/tenant_scope.rs and
//! tests/ingest/chunking.rs already prove (scoped dashboards equal the restriction of the
//! all-tenant result; fixture files in random chunks) is not repeated; this file adds:
//!
//! 1. rows_read = rows_loaded + rows_rejected, and exactly the corrupted rows are
//!    rejected, in each format;
//! 2. the same rows give the same warehouse whatever the format, the chunking of the
//!    stream, or the split of the rows into several files;
//! 3. exports (`bi_platform::export`), chart data (`bi_platform::chart`) and KPI counts
//!    in a tenant scope equal those of the all-tenant results restricted to the scope
//!    (and of a warehouse that never saw the other tenants), and never contain another
//!    tenant's key.

use bi_platform::{chart, export, Dashboard, LoadReport, Query, TenantScope, Warehouse};
use proptest::prelude::*;
use serde_json::Value as Json;

/// Tenant keys that appear in no other text of the files: markup, a formula, a comma, a
/// non-ASCII letter.
const TENANTS: [&str; 5] = [
    "acme-one",
    "Globex <b>two</b>",
    "=HYPERLINK(\"three\")",
    "ünï, four",
    "umbrella@five",
];
const REGIONS: [&str; 3] = ["North", "South", "East"];
const PRODUCTS: [&str; 2] = ["Product A", "Product B"];
const CHANNELS: [&str; 3] = ["Search", "Email", "Video"];

#[derive(Debug, Clone)]
struct Row {
    tenant: usize,
    campaign: usize,
    day: u32,
    impressions: u32,
    clicks: u32,
    conversions: u32,
    spend_cents: u32,
    revenue_cents: u32,
    region: Option<usize>,
    product: Option<usize>,
    channel: Option<usize>,
    /// A negative spend: the row must be rejected.
    corrupt: bool,
}

fn row() -> impl Strategy<Value = Row> {
    (
        (0..TENANTS.len(), 0..6usize, 1..=28u32, 0..5000u32),
        (0..=100u32, 0..=100u32, 0..500_000u32, 0..900_000u32),
        (
            prop::option::weighted(0.8, 0..REGIONS.len()),
            prop::option::weighted(0.8, 0..PRODUCTS.len()),
            prop::option::weighted(0.8, 0..CHANNELS.len()),
            prop::bool::weighted(0.1),
        ),
    )
        .prop_map(
            |(
                (tenant, campaign, day, impressions),
                (click_pct, conv_pct, spend_cents, revenue_cents),
                (region, product, channel, corrupt),
            )| {
                let clicks = impressions * click_pct / 100;
                Row {
                    tenant,
                    campaign,
                    day,
                    impressions,
                    clicks,
                    conversions: clicks * conv_pct / 100,
                    spend_cents,
                    revenue_cents,
                    region,
                    product,
                    channel,
                    corrupt,
                }
            },
        )
}

const HEADER: [&str; 11] = [
    "tenant_id",
    "campaign_id",
    "campaign_name",
    "date",
    "impressions",
    "clicks",
    "conversions",
    "spend",
    "revenue",
    "region",
    "product",
];
const CHANNEL: &str = "channel";

/// A row's cells as text (None for an empty optional cell), in `HEADER` order plus the
/// channel.
fn cells(r: &Row) -> Vec<Option<String>> {
    let money = |c: u32| format!("{}.{:02}", c / 100, c % 100);
    vec![
        Some(TENANTS[r.tenant].to_string()),
        Some(format!("c{}", r.campaign)),
        Some(format!("Campaign {}", r.campaign)),
        Some(format!("2024-11-{:02}", r.day)),
        Some(r.impressions.to_string()),
        Some(r.clicks.to_string()),
        Some(r.conversions.to_string()),
        Some(if r.corrupt {
            format!("-{}", money(r.spend_cents + 1))
        } else {
            money(r.spend_cents)
        }),
        Some(money(r.revenue_cents)),
        r.region.map(|i| REGIONS[i].to_string()),
        r.product.map(|i| PRODUCTS[i].to_string()),
        r.channel.map(|i| CHANNELS[i].to_string()),
    ]
}

fn csv_quote(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

fn csv(rows: &[Row]) -> Vec<u8> {
    let mut out = format!("{},{CHANNEL}\n", HEADER.join(","));
    for r in rows {
        let line: Vec<String> = cells(r)
            .iter()
            .map(|c| c.as_deref().map(csv_quote).unwrap_or_default())
            .collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

fn json(rows: &[Row]) -> Vec<u8> {
    let items: Vec<Json> = rows
        .iter()
        .map(|r| {
            let mut object = serde_json::Map::new();
            for (name, cell) in HEADER.iter().chain([&CHANNEL]).zip(cells(r)) {
                let value = match cell {
                    None => Json::Null,
                    // Counts as JSON numbers, everything else as strings.
                    Some(text) if matches!(*name, "impressions" | "clicks" | "conversions") => {
                        Json::Number(text.parse().unwrap())
                    }
                    Some(text) => Json::String(text),
                };
                object.insert(name.to_string(), value);
            }
            Json::Object(object)
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "page": 1, "data": items })).unwrap()
}

fn xlsx(rows: &[Row]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "Campaign export").unwrap();
    for (c, name) in HEADER.iter().chain([&CHANNEL]).enumerate() {
        sheet.write_string(2, c as u16, *name).unwrap();
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 3;
        for (c, cell) in cells(r).into_iter().enumerate() {
            let Some(text) = cell else { continue };
            if (4..=6).contains(&c) {
                sheet
                    .write_number(row, c as u16, text.parse::<f64>().unwrap())
                    .unwrap();
            } else {
                sheet.write_string(row, c as u16, text).unwrap();
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

#[derive(Debug, Clone, Copy)]
enum Format {
    Csv,
    Json,
    Xlsx,
}

fn bytes_of(format: Format, rows: &[Row]) -> (&'static str, Vec<u8>) {
    match format {
        Format::Csv => ("campaigns.csv", csv(rows)),
        Format::Json => ("campaigns.json", json(rows)),
        Format::Xlsx => ("campaigns.xlsx", xlsx(rows)),
    }
}

fn format() -> impl Strategy<Value = Format> {
    prop_oneof![Just(Format::Csv), Just(Format::Json), Just(Format::Xlsx)]
}

fn accounting(report: &LoadReport) {
    assert_eq!(report.error, None, "{report:?}");
    assert_eq!(
        report.rows_read,
        report.rows_loaded + report.rows_rejected,
        "{report:?}"
    );
    assert_eq!(report.rejected.len() as u64, report.rows_rejected);
}

fn dashboards(w: &Warehouse, q: &Query) -> Vec<Json> {
    Dashboard::ALL
        .into_iter()
        .map(|d| serde_json::to_value(w.dashboard(d, q).unwrap()).unwrap())
        .collect()
}

fn load(files: &[(&str, Vec<u8>)]) -> (Warehouse, Vec<LoadReport>) {
    let mut w = Warehouse::new();
    let mut reports = Vec::new();
    for (name, bytes) in files {
        reports.extend(w.load(name, bytes));
    }
    (w, reports)
}

fn scope(tenants: &[usize]) -> Query {
    Query {
        tenants: TenantScope::Only(tenants.iter().map(|&t| TENANTS[t].to_string()).collect()),
        ..Query::default()
    }
}

fn strings(value: &Json, out: &mut Vec<String>) {
    match value {
        Json::String(s) => out.push(s.clone()),
        Json::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Json::Object(map) => map.iter().for_each(|(k, v)| {
            out.push(k.clone());
            strings(v, out)
        }),
        _ => {}
    }
}

/// Asserts that no text holds the key of a tenant outside `inside`.
fn no_other_tenant(what: &str, text: &str, inside: &[usize]) {
    for (t, key) in TENANTS.iter().enumerate() {
        if !inside.contains(&t) {
            assert!(!text.contains(key), "{what} holds {key:?}: {text}");
        }
    }
}

/// Targets and customers for the tenants of `rows`, as an XLSX and a JSON file.
fn side_files(rows: &[Row]) -> Vec<(&'static str, Vec<u8>)> {
    let mut tenants: Vec<usize> = rows.iter().map(|r| r.tenant).collect();
    tenants.sort_unstable();
    tenants.dedup();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let header = [
        "tenant_id",
        "region",
        "product",
        "month",
        "year",
        "target_revenue",
        "target_conversions",
        "target_spend",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let mut customers = Vec::new();
    for (i, &t) in tenants.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, TENANTS[t]).unwrap();
        sheet.write_string(row, 1, REGIONS[t % 3]).unwrap();
        sheet.write_string(row, 2, PRODUCTS[t % 2]).unwrap();
        for (c, v) in [11.0, 2024.0, 1000.0 + t as f64, 10.0, 400.0]
            .into_iter()
            .enumerate()
        {
            sheet.write_number(row, c as u16 + 3, v).unwrap();
        }
        customers.push(serde_json::json!({
            "tenant_id": TENANTS[t], "customer_id": format!("k{t}"),
            "customer_name": format!("Customer {t}"), "region": REGIONS[t % 3],
            "product_preference": PRODUCTS[t % 2], "total_spent": format!("{t}5.50"),
            "total_orders": t + 1,
        }));
    }
    vec![
        ("targets.xlsx", workbook.save_to_buffer().unwrap()),
        ("customers.json", serde_json::to_vec(&customers).unwrap()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// 1. Accounting, in each format: every row is read, exactly the corrupted ones are
    /// rejected.
    #[test]
    fn rows_read_is_loaded_plus_rejected_in_every_format(
        rows in prop::collection::vec(row(), 1..40),
        format in format(),
    ) {
        let (name, bytes) = bytes_of(format, &rows);
        let (_, reports) = load(&[(name, bytes)]);
        prop_assert_eq!(reports.len(), 1);
        let report = &reports[0];
        accounting(report);
        let corrupt = rows.iter().filter(|r| r.corrupt).count() as u64;
        prop_assert_eq!(report.rows_read, rows.len() as u64);
        prop_assert_eq!(report.rows_rejected, corrupt, "{:?}", report.rejected);
        prop_assert!(report.rejected.iter().all(|r| r.column.as_deref() == Some("spend")));
    }

    /// 2a. The same rows give the same dashboards whatever the format.
    #[test]
    fn the_format_does_not_change_the_warehouse(rows in prop::collection::vec(row(), 1..40)) {
        let (csv_w, csv_r) = load(&[bytes_of(Format::Csv, &rows)]);
        let expected = dashboards(&csv_w, &Query::default());
        for format in [Format::Json, Format::Xlsx] {
            let (w, r) = load(&[bytes_of(format, &rows)]);
            prop_assert_eq!(
                (r[0].rows_loaded, r[0].rows_rejected, r[0].rows_replaced),
                (csv_r[0].rows_loaded, csv_r[0].rows_rejected, csv_r[0].rows_replaced),
                "{:?}", format
            );
            prop_assert_eq!(&dashboards(&w, &Query::default()), &expected, "{:?}", format);
        }
    }

    /// 2b. Any chunking of the stream, and any split of the rows into consecutive files,
    /// gives the same warehouse.
    #[test]
    fn chunking_and_splitting_into_files_do_not_change_the_warehouse(
        rows in prop::collection::vec(row(), 1..40),
        format in format(),
        cuts in prop::collection::vec(0.0..1.0f64, 0..12),
        splits in prop::collection::vec(0.0..1.0f64, 0..3),
    ) {
        let (name, bytes) = bytes_of(format, &rows);
        let (whole, whole_reports) = load(&[(name, bytes.clone())]);
        let expected = dashboards(&whole, &Query::default());

        let mut at: Vec<usize> = cuts.iter().map(|c| (c * bytes.len() as f64) as usize).collect();
        at.push(0);
        at.push(bytes.len());
        at.sort_unstable();
        // Committed a part every few rows while read (`Warehouse::push`).
        let mut streamed = Warehouse::new();
        let mut stream = streamed.stream(name).with_part_rows(4);
        for pair in at.windows(2) {
            streamed.push(&mut stream, &bytes[pair[0]..pair[1]]);
        }
        let reports = streamed.commit(stream.finish());
        prop_assert_eq!(&reports, &whole_reports);
        prop_assert_eq!(&dashboards(&streamed, &Query::default()), &expected);

        let mut bounds: Vec<usize> = splits.iter().map(|s| (s * rows.len() as f64) as usize).collect();
        bounds.push(0);
        bounds.push(rows.len());
        bounds.sort_unstable();
        bounds.dedup();
        let files: Vec<(&str, Vec<u8>)> = bounds
            .windows(2)
            .map(|p| bytes_of(format, &rows[p[0]..p[1]]))
            .collect();
        let (split, reports) = load(&files);
        reports.iter().for_each(accounting);
        let sum = |f: fn(&LoadReport) -> u64| reports.iter().map(f).sum::<u64>();
        prop_assert_eq!(
            (sum(|r| r.rows_loaded), sum(|r| r.rows_rejected), sum(|r| r.rows_replaced)),
            (whole_reports[0].rows_loaded, whole_reports[0].rows_rejected, whole_reports[0].rows_replaced)
        );
        prop_assert_eq!(&dashboards(&split, &Query::default()), &expected);
    }

    /// 3. Exports, charts and KPI counts of a scope: the restriction of the all-tenant
    /// results, the same as in a warehouse that never saw the other tenants, and free of
    /// every other tenant's key.
    #[test]
    fn exports_charts_and_counts_stay_in_their_scope(
        rows in prop::collection::vec(row(), 1..40),
        format in format(),
        inside in prop::collection::btree_set(0..TENANTS.len(), 1..3),
    ) {
        let inside: Vec<usize> = inside.into_iter().collect();
        let mut files = vec![bytes_of(format, &rows)];
        files.extend(side_files(&rows));
        let (w, reports) = load(&files);
        reports.iter().for_each(accounting);

        let kept: Vec<Row> = rows.iter().filter(|r| inside.contains(&r.tenant)).cloned().collect();
        let mut isolated_files = vec![bytes_of(format, &kept)];
        isolated_files.extend(side_files(&kept));
        let (isolated, _) = load(&isolated_files);

        let q = scope(&inside);
        for d in Dashboard::ALL {
            let scoped = w.dashboard(d, &q).unwrap();
            let exported = export::dashboard_csv(&scoped);
            no_other_tenant(d.name(), &exported, &inside);
            let mut restricted = w.dashboard(d, &Query::default()).unwrap();
            let column = restricted.column("tenant_id").expect("every dashboard has tenant_id");
            restricted.rows.retain(|row| {
                inside.iter().any(|&t| row[column].to_plain_string() == TENANTS[t])
            });
            prop_assert_eq!(&exported, &export::dashboard_csv(&restricted), "{}", d.name());
            prop_assert_eq!(
                &exported,
                &export::dashboard_csv(&isolated.dashboard(d, &q).unwrap()),
                "{}: isolated", d.name()
            );
        }

        let charts = chart::charts(&w, &q).unwrap();
        let charts_json = serde_json::to_value(&charts).unwrap();
        let mut texts = Vec::new();
        strings(&charts_json, &mut texts);
        no_other_tenant("charts", &texts.join("\n"), &inside);
        prop_assert_eq!(&charts, &chart::charts(&isolated, &q).unwrap());

        let kpis = chart::kpis(&w, &q).unwrap();
        // A campaign row is a (tenant, campaign, date); a later one replaces an earlier.
        let mut campaigns: Vec<(usize, usize, u32)> = kept
            .iter()
            .filter(|r| !r.corrupt)
            .map(|r| (r.tenant, r.campaign, r.day))
            .collect();
        campaigns.sort_unstable();
        campaigns.dedup();
        prop_assert_eq!(kpis.campaigns, campaigns.len() as u64);
        prop_assert_eq!(&kpis, &chart::kpis(&isolated, &q).unwrap());
    }
}
