//! XLSX date systems (SPEC §3): a 1904 workbook, written by hand as a stored zip, and
//! date cells in text and extra columns following the workbook's date system.

use crate::common::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// CRC-32 (IEEE) for the stored zip below.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A zip of stored (uncompressed) entries.
fn stored_zip(entries: &[(&str, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let data = data.as_bytes();
        let crc = crc32(data);
        let offset = out.len() as u32;
        let header = |sig: u32, central_entry: bool, buf: &mut Vec<u8>| {
            buf.extend_from_slice(&sig.to_le_bytes());
            if central_entry {
                buf.extend_from_slice(&20u16.to_le_bytes());
            }
            buf.extend_from_slice(&20u16.to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes());
            buf.extend_from_slice(&0x21u16.to_le_bytes());
            buf.extend_from_slice(&crc.to_le_bytes());
            buf.extend_from_slice(&(data.len() as u32).to_le_bytes());
            buf.extend_from_slice(&(data.len() as u32).to_le_bytes());
            buf.extend_from_slice(&(name.len() as u16).to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes());
            if central_entry {
                buf.extend_from_slice(&0u16.to_le_bytes());
                buf.extend_from_slice(&0u16.to_le_bytes());
                buf.extend_from_slice(&0u16.to_le_bytes());
                buf.extend_from_slice(&0u32.to_le_bytes());
                buf.extend_from_slice(&offset.to_le_bytes());
            }
            buf.extend_from_slice(name.as_bytes());
        };
        header(0x0403_4b50, false, &mut out);
        out.extend_from_slice(data);
        header(0x0201_4b50, true, &mut central);
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A minimal workbook in the 1904 date system (rust_xlsxwriter cannot write one: its
/// 1904 support is internal only), with one campaigns sheet.
fn workbook_1904() -> Vec<u8> {
    const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    const PKG: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
    let is = |r: &str, t: &str| format!("<c r=\"{r}\" t=\"inlineStr\"><is><t>{t}</t></is></c>");
    let num = |r: &str, v: &str, style: u8| format!("<c r=\"{r}\" s=\"{style}\"><v>{v}</v></c>");
    let header: String = [
        "tenant_id",
        "campaign_id",
        "date",
        "impressions",
        "clicks",
        "conversions",
        "spend",
        "revenue",
    ]
    .iter()
    .zip('A'..)
    .map(|(t, c)| is(&format!("{c}1"), t))
    .collect();
    // 44147 days after 1904-01-01 is 2024-11-13 (the same serial in the 1900 system
    // would be 2020-11-12).
    let row = |n: u32, id: &str, style: u8| {
        format!(
            "<row r=\"{n}\">{}{}{}{}{}{}{}{}</row>",
            is(&format!("A{n}"), "t1"),
            is(&format!("B{n}"), id),
            num(&format!("C{n}"), "44147", style),
            num(&format!("D{n}"), "100", 0),
            num(&format!("E{n}"), "10", 0),
            num(&format!("F{n}"), "1", 0),
            num(&format!("G{n}"), "1", 0),
            num(&format!("H{n}"), "2", 0),
        )
    };
    let sheet = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <worksheet xmlns=\"{MAIN}\"><sheetData><row r=\"1\">{header}</row>{}{}</sheetData></worksheet>",
        row(2, "dated", 1),
        row(3, "serial", 0)
    );
    stored_zip(&[
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
             <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
             <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
             <Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>\
             <Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>\
             </Types>"
                .to_string(),
        ),
        (
            "_rels/.rels",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
                 <Relationships xmlns=\"{PKG}\"><Relationship Id=\"rId1\" \
                 Type=\"{REL}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
            ),
        ),
        (
            "xl/workbook.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
                 <workbook xmlns=\"{MAIN}\" xmlns:r=\"{REL}\"><workbookPr date1904=\"1\"/>\
                 <sheets><sheet name=\"Old Mac\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
                 <Relationships xmlns=\"{PKG}\">\
                 <Relationship Id=\"rId1\" Type=\"{REL}/worksheet\" Target=\"worksheets/sheet1.xml\"/>\
                 <Relationship Id=\"rId2\" Type=\"{REL}/styles\" Target=\"styles.xml\"/>\
                 </Relationships>"
            ),
        ),
        (
            "xl/styles.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
                 <styleSheet xmlns=\"{MAIN}\"><fonts count=\"1\"><font/></fonts>\
                 <fills count=\"1\"><fill/></fills><borders count=\"1\"><border/></borders>\
                 <cellStyleXfs count=\"1\"><xf/></cellStyleXfs>\
                 <cellXfs count=\"2\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\" applyNumberFormat=\"1\"/></cellXfs>\
                 </styleSheet>"
            ),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ])
}

#[test]
fn xlsx_1904_date_system() {
    let (w, r) = fresh("mac.xlsx", &workbook_1904());
    assert_eq!(r.table, Some("fact_campaigns"), "{r:#?}");
    assert_eq!(r.sheets.as_deref(), Some(&["Old Mac".to_string()][..]));
    assert_eq!(r.rows_loaded, 2, "{r:#?}");
    assert_eq!(
        fact(&w, "dated").date,
        "2024-11-13",
        "date cell, 1904 system"
    );
    assert_eq!(
        fact(&w, "serial").date,
        "2024-11-13",
        "plain serial, 1904 system"
    );
}

#[test]
fn xlsx_date_cell_in_a_text_column_follows_the_workbook_date_system() {
    // SPEC §3: XLSX date cells are dates in both date systems. A date cell that lands in
    // a text column (here campaign_name) reads as the same day in either system.
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let header = [
        "tenant_id",
        "campaign_id",
        "campaign_name",
        "date",
        "impressions",
        "clicks",
        "conversions",
        "spend",
        "revenue",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let day = ExcelDateTime::from_ymd(2024, 11, 13).unwrap();
    let fmt = Format::new().set_num_format("yyyy-mm-dd");
    ws.write_string(1, 0, "t1").unwrap();
    ws.write_string(1, 1, "c1").unwrap();
    ws.write_date_with_format(1, 2, &day, &fmt).unwrap();
    ws.write_date_with_format(1, 3, &day, &fmt).unwrap();
    for c in 4..9 {
        ws.write_number(1, c, 1.0).unwrap();
    }
    let (w, r) = fresh("1900.xlsx", &wb.save_to_buffer().unwrap());
    assert_eq!(r.rows_loaded, 1, "{r:#?}");
    assert_eq!(
        fact(&w, "c1").name.as_deref(),
        Some("2024-11-13"),
        "1900 system"
    );

    let (w, r) = fresh("1904.xlsx", &workbook_1904_with_named_dates());
    assert_eq!(r.rows_loaded, 1, "{r:#?}");
    let f = fact(&w, "c1");
    assert_eq!(f.date, "2024-11-13");
    assert_eq!(
        f.name.as_deref(),
        Some("2024-11-13"),
        "1904 system, text column"
    );
    let extras = &w.star().campaigns.extras;
    assert_eq!(extras.names, ["launched"]);
    assert_eq!(
        extras.values.value(extras.columns[0][0]),
        Some("2024-11-13"),
        "1904 system, extra column"
    );
}

/// A 1904 workbook whose date cells also sit in a text column and an extra column.
fn workbook_1904_with_named_dates() -> Vec<u8> {
    let book = workbook_1904();
    // Reuse the 1904 package, replacing its sheet.
    let sheet = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
        <worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>\
        <row r=\"1\">\
        <c r=\"A1\" t=\"inlineStr\"><is><t>tenant_id</t></is></c>\
        <c r=\"B1\" t=\"inlineStr\"><is><t>campaign_id</t></is></c>\
        <c r=\"C1\" t=\"inlineStr\"><is><t>campaign_name</t></is></c>\
        <c r=\"D1\" t=\"inlineStr\"><is><t>date</t></is></c>\
        <c r=\"E1\" t=\"inlineStr\"><is><t>impressions</t></is></c>\
        <c r=\"F1\" t=\"inlineStr\"><is><t>clicks</t></is></c>\
        <c r=\"G1\" t=\"inlineStr\"><is><t>conversions</t></is></c>\
        <c r=\"H1\" t=\"inlineStr\"><is><t>spend</t></is></c>\
        <c r=\"I1\" t=\"inlineStr\"><is><t>revenue</t></is></c>\
        <c r=\"J1\" t=\"inlineStr\"><is><t>launched</t></is></c>\
        </row><row r=\"2\">\
        <c r=\"A2\" t=\"inlineStr\"><is><t>t1</t></is></c>\
        <c r=\"B2\" t=\"inlineStr\"><is><t>c1</t></is></c>\
        <c r=\"C2\" s=\"1\"><v>44147</v></c>\
        <c r=\"D2\" s=\"1\"><v>44147</v></c>\
        <c r=\"E2\"><v>1</v></c><c r=\"F2\"><v>1</v></c><c r=\"G2\"><v>1</v></c>\
        <c r=\"H2\"><v>1</v></c><c r=\"I2\"><v>1</v></c>\
        <c r=\"J2\" s=\"1\"><v>44147</v></c>\
        </row></sheetData></worksheet>";
    replace_zip_entry(&book, "xl/worksheets/sheet1.xml", sheet)
}

/// Rebuilds a stored zip made by `stored_zip` with one entry's text replaced.
fn replace_zip_entry(zip: &[u8], name: &str, text: &str) -> Vec<u8> {
    // Walk the local headers of the stored entries.
    let mut entries: Vec<(String, String)> = Vec::new();
    let mut p = 0;
    while zip[p..].starts_with(&0x0403_4b50u32.to_le_bytes()) {
        let size = u32::from_le_bytes(zip[p + 18..p + 22].try_into().unwrap()) as usize;
        let name_len = u16::from_le_bytes(zip[p + 26..p + 28].try_into().unwrap()) as usize;
        let entry = String::from_utf8(zip[p + 30..p + 30 + name_len].to_vec()).unwrap();
        let data = &zip[p + 30 + name_len..p + 30 + name_len + size];
        entries.push((entry, String::from_utf8(data.to_vec()).unwrap()));
        p += 30 + name_len + size;
    }
    let entries: Vec<(&str, String)> = entries
        .iter()
        .map(|(n, d)| {
            (
                n.as_str(),
                if n == name {
                    text.to_string()
                } else {
                    d.clone()
                },
            )
        })
        .collect();
    stored_zip(&entries)
}
