//! XLSX workbooks (SPEC §3): sheets feed their tables, data away from A1, the header
//! within the first 20 rows, cell errors, and two sheets feeding one table.

use crate::common::*;
use bi_platform::model::dict::NULL_KEY;
use bi_platform::{Dashboard, Warehouse};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

fn workbook_with_two_tables() -> Vec<u8> {
    let mut wb = Workbook::new();
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    {
        let ws = wb.add_worksheet();
        ws.set_name("Campaigns").unwrap();
        ws.write_string(0, 0, "Campaign performance export")
            .unwrap();
        ws.write_string(1, 0, "Generated for all accounts").unwrap();
        // Row 3 blank; the header on sheet row 4.
        let header = [
            "Tenant ID",
            "Campaign ID",
            "Campaign Name",
            "Date",
            "Impressions",
            "Clicks",
            "Conversions",
            "Spend ($)",
            "Revenue",
            "Region",
            "Product",
        ];
        for (c, h) in header.iter().enumerate() {
            ws.write_string(3, c as u16, *h).unwrap();
        }
        // Sheet row 5: a date cell and a formula with a cached value.
        let day = ExcelDateTime::from_ymd(2024, 11, 13).unwrap();
        ws.write_string(4, 0, "t1").unwrap();
        ws.write_string(4, 1, "x1").unwrap();
        ws.write_string(4, 2, "Launch - Video").unwrap();
        ws.write_date_with_format(4, 3, &day, &date_format).unwrap();
        ws.write_number(4, 4, 1000.0).unwrap();
        ws.write_number(4, 5, 50.0).unwrap();
        ws.write_number(4, 6, 5.0).unwrap();
        ws.write_number(4, 7, 10.25).unwrap();
        ws.write_formula(4, 8, Formula::new("=H5*3").set_result("30.75"))
            .unwrap();
        ws.write_string(4, 9, "North").unwrap();
        ws.write_string(4, 10, "Product A").unwrap();
        // Sheet row 6: text date and numbers as text; 12.0 as a count.
        for (c, v) in [
            "t1",
            "x2",
            "Launch - Search",
            "11/14/2024",
            "2,000",
            "12.0",
            "1",
            "$5.00",
            "7",
            "South",
            "Product B",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(5, c as u16, *v).unwrap();
        }
        // Sheet row 7 blank (skipped). Sheet row 8: a cached #DIV/0! in revenue.
        ws.write_string(7, 0, "t1").unwrap();
        ws.write_string(7, 1, "x3").unwrap();
        ws.write_date_with_format(7, 3, &day, &date_format).unwrap();
        ws.write_number(7, 4, 100.0).unwrap();
        ws.write_number(7, 5, 10.0).unwrap();
        ws.write_number(7, 6, 1.0).unwrap();
        ws.write_number(7, 7, 1.0).unwrap();
        ws.write_formula(7, 8, Formula::new("=1/0").set_result("#DIV/0!"))
            .unwrap();
        // Sheet row 9: 1.5 impressions.
        ws.write_string(8, 0, "t1").unwrap();
        ws.write_string(8, 1, "x4").unwrap();
        ws.write_date_with_format(8, 3, &day, &date_format).unwrap();
        ws.write_number(8, 4, 1.5).unwrap();
        ws.write_number(8, 5, 1.0).unwrap();
        ws.write_number(8, 6, 1.0).unwrap();
        ws.write_number(8, 7, 1.0).unwrap();
        ws.write_number(8, 8, 1.0).unwrap();
        // Sheet row 10: a plain number (serial, 1900 system) in the date column.
        ws.write_string(9, 0, "t1").unwrap();
        ws.write_string(9, 1, "x5").unwrap();
        ws.write_number(9, 3, 45609.0).unwrap();
        ws.write_number(9, 4, 100.0).unwrap();
        ws.write_number(9, 5, 10.0).unwrap();
        ws.write_number(9, 6, 1.0).unwrap();
        ws.write_number(9, 7, 1.0).unwrap();
        ws.write_number(9, 8, 2.0).unwrap();
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("Notes").unwrap();
        ws.write_string(0, 0, "Nothing to load here").unwrap();
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("Targets").unwrap();
        let header = [
            "tenant_id",
            "region",
            "product",
            "year",
            "month",
            "target_revenue",
            "target_conversions",
            "target_spend",
        ];
        for (c, h) in header.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        type TargetCells<'a> = (&'a str, &'a str, &'a str, f64, f64, f64, f64, f64);
        let rows: [TargetCells; 3] = [
            ("t1", "North", "Product A", 2024.0, 11.0, 100.0, 10.0, 20.0),
            ("t1", "South", "Product B", 2024.0, 11.0, 0.0, 0.0, 0.0),
            ("t1", "South", "Product B", 2024.0, 13.0, 1.0, 1.0, 1.0),
        ];
        for (r, row) in rows.iter().enumerate() {
            let r = r as u32 + 1;
            ws.write_string(r, 0, row.0).unwrap();
            ws.write_string(r, 1, row.1).unwrap();
            ws.write_string(r, 2, row.2).unwrap();
            for (c, v) in [row.3, row.4, row.5, row.6, row.7].iter().enumerate() {
                ws.write_number(r, 3 + c as u16, *v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

#[test]
fn xlsx_sheets_feed_their_tables() {
    let bytes = workbook_with_two_tables();
    let mut w = Warehouse::new();
    let reports = w.load("book.xlsx", &bytes);
    assert_eq!(reports.len(), 2, "one report per table: {reports:#?}");
    let c = reports
        .iter()
        .find(|r| r.table == Some("fact_campaigns"))
        .expect("campaigns report");
    let t = reports
        .iter()
        .find(|r| r.table == Some("dim_sales_targets"))
        .expect("targets report");
    assert_eq!(c.sheets.as_deref(), Some(&["Campaigns".to_string()][..]));
    assert_eq!(t.sheets.as_deref(), Some(&["Targets".to_string()][..]));
    for r in [c, t] {
        assert_eq!(r.file, "book.xlsx");
        assert_eq!(r.error, None);
        assert_accounting(r);
    }
    assert_eq!((c.rows_read, c.rows_loaded), (5, 3), "{c:#?}");
    assert_eq!(rejected_lines(c), [8, 9], "sheet rows");
    assert_eq!(rejected_columns(c), [Some("revenue"), Some("impressions")]);
    assert!(c
        .rejected
        .iter()
        .all(|x| x.sheet.as_deref() == Some("Campaigns")));
    assert!(
        c.rejected[0].reason.contains("#DIV/0!"),
        "{:?}",
        c.rejected[0]
    );
    assert_eq!((t.rows_read, t.rows_loaded), (3, 2), "{t:#?}");
    assert_eq!(rejected_lines(t), [4]);
    assert_eq!(t.rejected[0].sheet.as_deref(), Some("Targets"));

    let f = fact(&w, "x1");
    assert_eq!(f.date, "2024-11-13", "date cell");
    assert_eq!((f.impressions, f.clicks, f.conversions), (1000, 50, 5));
    assert_eq!(
        (f.spend, f.revenue),
        (m("10.25"), m("30.75")),
        "cached formula value"
    );
    assert_eq!(f.name.as_deref(), Some("Launch - Video"));
    let f = fact(&w, "x2");
    assert_eq!(f.date, "2024-11-14");
    assert_eq!(
        (f.impressions, f.clicks, f.spend, f.revenue),
        (2000, 12, m("5"), m("7"))
    );
    assert_eq!(
        fact(&w, "x5").date,
        "2024-11-13",
        "serial 45609 (1900 system)"
    );

    // target_vs_actual from the two sheets.
    let tva = w.dashboard(Dashboard::TargetVsActual, &all()).unwrap();
    assert_eq!(tva.rows.len(), 2);
    let north = &tva.rows[0];
    assert_eq!((text(&north[1]), text(&north[2])), ("North", "Product A"));
    assert_eq!(money(&north[6]), m("30.75"));
    assert_eq!(float(&north[7]), Some(0.3075));
    let south = &tva.rows[1];
    assert_eq!(money(&south[5]), 0);
    assert_eq!(money(&south[6]), m("7"));
    assert_eq!(float(&south[7]), None, "target 0: attainment null");

    // The JSON of an XLSX entry carries `sheets`.
    let j = serde_json::to_value(c).unwrap();
    assert_eq!(j["sheets"], serde_json::json!(["Campaigns"]));
    assert_eq!(j["rejected"][0]["line"], 8);
}

#[test]
fn xlsx_sheet_rows_when_the_data_does_not_start_at_a1() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Offset").unwrap();
    // Title on sheet row 2 (column B), header on sheet row 4 from column B.
    ws.write_string(1, 1, "Export").unwrap();
    let header = [
        "tenant_id",
        "campaign_id",
        "date",
        "impressions",
        "clicks",
        "conversions",
        "spend",
        "revenue",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(3, 1 + c as u16, *h).unwrap();
    }
    let rows = [
        ["t1", "c1", "2024-11-01", "100", "10", "1", "1", "2"],
        ["t1", "c2", "2024-11-01", "100", "200", "1", "1", "2"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(4 + r as u32, 1 + c as u16, *v).unwrap();
        }
    }
    // Sheet row 7: a value right of the header.
    for (c, v) in rows[0].iter().enumerate() {
        ws.write_string(6, 1 + c as u16, *v).unwrap();
    }
    ws.write_string(6, 1, "t2").unwrap();
    ws.write_string(6, 10, "stray").unwrap();
    // A date-time cell keeps its day.
    let when = ExcelDateTime::from_ymd(2024, 11, 13)
        .unwrap()
        .and_hms(18, 30, 0)
        .unwrap();
    for (c, v) in rows[0].iter().enumerate() {
        ws.write_string(7, 1 + c as u16, *v).unwrap();
    }
    ws.write_string(7, 2, "c4").unwrap();
    ws.write_datetime_with_format(
        7,
        3,
        &when,
        &Format::new().set_num_format("yyyy-mm-dd hh:mm"),
    )
    .unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let (w, r) = fresh("offset.xlsx", &bytes);
    assert_eq!(r.table, Some("fact_campaigns"), "{r:#?}");
    assert_eq!((r.rows_read, r.rows_loaded), (4, 2), "{r:#?}");
    assert_eq!(rejected_lines(&r), [6, 7], "sheet rows, not range rows");
    assert_eq!(rejected_columns(&r), [Some("clicks"), None]);
    assert_eq!(fact(&w, "c4").date, "2024-11-13");
}

#[test]
fn xlsx_header_must_be_within_the_first_20_rows() {
    let book = |header_row: u32| {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "Report").unwrap();
        let header = [
            "tenant_id",
            "campaign_id",
            "date",
            "impressions",
            "clicks",
            "conversions",
            "spend",
            "revenue",
        ];
        let row = ["t1", "c1", "2024-11-01", "100", "10", "1", "1", "2"];
        for c in 0..8 {
            ws.write_string(header_row, c as u16, header[c]).unwrap();
            ws.write_string(header_row + 1, c as u16, row[c]).unwrap();
        }
        wb.save_to_buffer().unwrap()
    };
    let (_, r) = fresh("row20.xlsx", &book(19));
    assert_eq!(
        (r.table, r.rows_loaded),
        (Some("fact_campaigns"), 1),
        "{r:#?}"
    );
    let (_, r) = fresh("row21.xlsx", &book(20));
    assert_eq!(r.table, None, "{r:#?}");
    assert!(r.error.is_some());
}

#[test]
fn xlsx_cell_error_in_an_optional_column_does_not_reject_the_row() {
    // SPEC §4 rejects a row for a *required* column missing or unparseable. region is
    // optional for campaigns, so a cached #N/A there (a failed lookup) leaves the row
    // loaded, with no region. (An interpretation of §3/§4: see the report.)
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let header = [
        "tenant_id",
        "campaign_id",
        "date",
        "impressions",
        "clicks",
        "conversions",
        "spend",
        "revenue",
        "region",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["t1", "c1", "2024-11-01"].iter().enumerate() {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    for c in 3..8 {
        ws.write_number(1, c, 1.0).unwrap();
    }
    ws.write_formula(
        1,
        8,
        Formula::new("=VLOOKUP(B2,Regions!A:B,2,FALSE)").set_result("#N/A"),
    )
    .unwrap();
    let (w, r) = fresh("na.xlsx", &wb.save_to_buffer().unwrap());
    assert_eq!((r.rows_loaded, r.rows_rejected), (1, 0), "{r:#?}");
    assert_eq!(w.star().campaigns.region.get(0), NULL_KEY);
}

#[test]
fn xlsx_two_sheets_feeding_one_table() {
    let mut wb = Workbook::new();
    let header = [
        "tenant_id",
        "campaign_id",
        "date",
        "impressions",
        "clicks",
        "conversions",
        "spend",
        "revenue",
    ];
    for (sheet, tenant) in [("Zeta", "t1"), ("Alpha", "t2")] {
        let ws = wb.add_worksheet();
        ws.set_name(sheet).unwrap();
        for (c, h) in header.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        let rows = [
            [tenant, "c1", "2024-11-01", "100", "10", "1", "1", "2"],
            [tenant, "c2", "2024-11-01", "100", "200", "1", "1", "2"],
        ];
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(1 + r as u32, c as u16, *v).unwrap();
            }
        }
    }
    let (w, r) = fresh("two.xlsx", &wb.save_to_buffer().unwrap());
    assert_eq!(
        r.sheets.as_deref(),
        Some(&["Zeta".to_string(), "Alpha".to_string()][..])
    );
    assert_eq!(
        (r.rows_read, r.rows_loaded, r.rows_rejected),
        (4, 2, 2),
        "{r:#?}"
    );
    assert_eq!(w.tenants(), ["t1", "t2"]);
    // Rejected rows in source order (src/report.rs: "Every rejected row, in source
    // order"): the workbook's first sheet first.
    let places: Vec<(Option<&str>, u64)> = r
        .rejected
        .iter()
        .map(|x| (x.sheet.as_deref(), x.line))
        .collect();
    assert_eq!(places, [(Some("Zeta"), 3), (Some("Alpha"), 3)]);
}
