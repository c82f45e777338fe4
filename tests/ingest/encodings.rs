//! Text encodings (SPEC §3): UTF-8, UTF-16 and Windows-1252 detection, bytes that
//! make a file unreadable, and Windows-1252 text in values, headers, reasons and JSON.

use crate::common::*;
use bi_platform::Dashboard;

#[test]
fn text_encodings() {
    let source =
        "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue\n\
                t1,c1,Café - Réseau,2024-11-01,100,10,1,€12.50,20 €\n";
    let utf8 = source.as_bytes().to_vec();
    let bom: Vec<u8> = [&b"\xEF\xBB\xBF"[..], source.as_bytes()].concat();
    let utf16le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(source.encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    let utf16be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(source.encode_utf16().flat_map(|u| u.to_be_bytes()))
        .collect();
    let cp1252: Vec<u8> = source
        .chars()
        .map(|c| match c {
            'é' => 0xE9,
            '€' => 0x80,
            c => c as u8,
        })
        .collect();
    for (name, bytes) in [
        ("utf8", utf8),
        ("bom", bom),
        ("utf16le", utf16le),
        ("utf16be", utf16be),
        ("cp1252", cp1252),
    ] {
        let (w, r) = fresh(name, &bytes);
        assert_eq!(r.rows_loaded, 1, "{name}: {r:#?}");
        let f = fact(&w, "c1");
        assert_eq!(f.name.as_deref(), Some("Café - Réseau"), "{name}");
        assert_eq!((f.spend, f.revenue), (m("12.5"), m("20")), "{name}");
        let mix = w.dashboard(Dashboard::ChannelMix, &all()).unwrap();
        assert_eq!(text(&mix.rows[0][1]), "Réseau", "{name}");
    }
}

#[test]
fn bytes_undefined_in_windows_1252_make_the_file_unreadable() {
    // Not UTF-8 (a lone 0xE9) and a 0x81: neither encoding.
    let mut bytes = csv("");
    bytes.extend_from_slice(b"t1,c\x81,2024-11-01,100,10,1,1,2\n");
    bytes.extend_from_slice(b"t\xE9,c2,2024-11-01,100,10,1,1,2\n");
    let (_, r) = fresh("bad.csv", &bytes);
    assert_eq!(r.table, None, "{r:#?}");
    assert!(r.error.is_some());
}

#[test]
fn windows_1252_non_breaking_space_before_a_currency_sign() {
    // A European spreadsheet's "12,50 €" uses a no-break space (0xA0 in Windows-1252;
    // value.rs documents trimming "the non-breaking space of UTF-8 and Windows-1252").
    // The UTF-8 spelling (C2 A0) is the control.
    let mut utf8 =
        b"tenant_id;campaign_id;campaign_name;date;impressions;clicks;conversions;spend;revenue\n"
            .to_vec();
    utf8.extend_from_slice(
        "t1;c1;Café;01.11.2024;100;10;1;12,50\u{a0}€;1.000,00\u{a0}€\n".as_bytes(),
    );
    let (w, r) = fresh("utf8.csv", &utf8);
    assert_eq!(r.rows_loaded, 1, "UTF-8 control: {r:#?}");
    assert_eq!(fact(&w, "c1").spend, m("12.5"));

    let mut cp1252 =
        b"tenant_id;campaign_id;campaign_name;date;impressions;clicks;conversions;spend;revenue\n"
            .to_vec();
    cp1252.extend_from_slice(b"t1;c1;Caf\xE9;01.11.2024;100;10;1;12,50\xA0\x80;1.000,00\xA0\x80\n");
    let (w, r) = fresh("cp1252.csv", &cp1252);
    assert_eq!(r.rows_loaded, 1, "Windows-1252 NBSP + euro: {r:#?}");
    let f = fact(&w, "c1");
    assert_eq!(f.name.as_deref(), Some("Café"));
    assert_eq!((f.spend, f.revenue), (m("12.5"), m("1000")));
}

#[test]
fn json_in_windows_1252() {
    let bytes = b"[{\"tenant_id\": \"t1\", \"customer_id\": \"u1\", \"customer_name\": \"Ren\xE9e\", \"total_spent\": \"\x80 10,00\", \"total_orders\": 1},\n {\"tenant_id\": \"t1\", \"customer_id\": \"u2\", \"customer_name\": \"Zo\xEB\", \"total_spent\": \"\x8012.00\", \"total_orders\": 1}]";
    let (w, r) = fresh("cp.json", bytes);
    assert_eq!(r.table, Some("dim_customers"), "{r:#?}");
    assert_eq!(
        rejected_lines(&r),
        [1],
        "'10,00' is not grouped by three in JSON: {r:#?}"
    );
    let names: Vec<Option<&str>> = {
        let c = &w.star().customers;
        (0..c.len())
            .map(|row| w.star().dims.customer_name.value(c.customer_name[row]))
            .collect()
    };
    assert_eq!(names, [Some("Zoë")]);
    let s = w.dashboard(Dashboard::CustomerSummary, &all()).unwrap();
    assert_eq!(money(&s.rows[0][2]), m("12"));
}

#[test]
fn windows_1252_header_names_and_reasons_are_decoded() {
    // An extra column and a rejected value with non-ASCII letters in a Windows-1252 file:
    // the report names them as the user wrote them.
    let mut file =
        b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue,Qualit\xE9\n"
            .to_vec();
    file.extend_from_slice(b"t1,c1,2024-11-01,100,10,1,1,2,tr\xE8s bien\n");
    file.extend_from_slice(b"t1,c2,2024-11-01,100,10,1,zw\xF6lf,2,\n");
    let (w, r) = fresh("cp.csv", &file);
    assert_eq!((r.rows_loaded, r.rows_rejected), (1, 1), "{r:#?}");
    let extras = &w.star().campaigns.extras;
    assert_eq!(extras.values.value(extras.columns[0][0]), Some("très bien"));
    let problems: Vec<String> = [
        (r.extra_columns != ["qualité"]).then(|| {
            format!(
                "extra_columns {:?}, expected [\"qualité\"]",
                r.extra_columns
            )
        }),
        (!r.rejected[0].reason.contains("zwölf"))
            .then(|| format!("reason {:?} does not quote 'zwölf'", r.rejected[0].reason)),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}
