//! Staging's rules, row by row: rejections, ranges, slash dates, optional columns, cell
//! types.

use super::*;
use crate::model::date::format_day;
use crate::model::schema::best_table;

fn builder_for(header: &[&str]) -> TableBuilder {
    let names: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    let matched = best_table(&names).expect("header fits");
    let mut builder = TableBuilder::new(matched.table);
    builder.begin_section(&matched, None, NumberFormat::default(), false);
    builder
}

fn push(builder: &mut TableBuilder, line: u64, fields: &[&str]) {
    let cells: Vec<Cell<'_>> = fields.iter().map(|f| Cell::Text(f.as_bytes())).collect();
    builder.push_row(line, &cells[..]);
}

const CAMPAIGN: [&str; 8] = [
    "tenant_id",
    "campaign_id",
    "date",
    "impressions",
    "clicks",
    "conversions",
    "spend",
    "revenue",
];

fn reasons(staged: &StagedTable) -> Vec<(u64, Option<&str>, &str)> {
    staged
        .rejected
        .iter()
        .map(|r| (r.line, r.column.as_deref(), r.reason.as_str()))
        .collect()
}

#[test]
fn a_column_of_new_values_switches_to_appending_and_keeps_every_value() {
    let mut builder = builder_for(&CAMPAIGN);
    let rows = KEYING_WINDOW as usize + 10;
    for i in 0..rows {
        let id = format!("c{}", i % (KEYING_WINDOW as usize + 5));
        let fields = ["t1", &id, "2024-11-01", "10", "1", "0", "1", "2"];
        push(&mut builder, i as u64 + 2, &fields);
    }
    let staged = builder.finish();
    let StagedValues::Text(ids) = staged.column(Column::CampaignId) else {
        unreachable!()
    };
    let decoded = staged.decoded_text();
    for (i, &key) in ids.iter().enumerate() {
        assert_eq!(
            decoded.get(key),
            format!("c{}", i % (KEYING_WINDOW as usize + 5))
        );
    }
    // After the first window the ids were appended: the five repeats got new keys,
    // while the tenant, the same on every row, kept one key.
    assert_eq!(staged.dict.len(), 1 + rows);
}

#[test]
fn each_rejection_rule_with_its_column_and_reason() {
    let mut b = builder_for(&CAMPAIGN);
    push(
        &mut b,
        2,
        &["t", "c1", "2024-11-01", "5000", "5200", "1", "1", "1"],
    );
    push(
        &mut b,
        3,
        &["", "c2", "2024-11-01", "1", "1", "1", "1", "1"],
    );
    push(
        &mut b,
        4,
        &["t", "c3", "2024-11-01", "-4", "1", "1", "1", "1"],
    );
    push(
        &mut b,
        5,
        &["t", "c4", "2024-11-01", "10", "1", "1", "-$2.50", "1"],
    );
    push(&mut b, 6, &["t", "c5", "soon", "10", "1", "1", "1", "1"]);
    push(
        &mut b,
        7,
        &["t", "c6", "2024-11-01", "1.5", "1", "1", "1", "1"],
    );
    push(
        &mut b,
        8,
        &["t", "c7", "2024-11-01", "10", "1", "1", "1", "NA"],
    );
    push(
        &mut b,
        9,
        &["t", "c8", "2024-11-01", "10", "1", "1", "1", "2"],
    );
    let staged = b.finish();
    assert_eq!(staged.rows_read, 8);
    assert_eq!(staged.loaded_rows(), 1);
    assert_eq!(
        reasons(&staged),
        vec![
            (2, Some("clicks"), "clicks (5200) > impressions (5000)"),
            (3, Some("tenant_id"), "required value tenant_id is missing"),
            (4, Some("impressions"), "impressions is negative (-4)"),
            (5, Some("spend"), "spend is negative (-2.50)"),
            (
                6,
                Some("date"),
                "'soon' is not a date (expected YYYY-MM-DD, YYYY/MM/DD, DD.MM.YYYY or M/D/YYYY)"
            ),
            (7, Some("impressions"), "'1.5' is not a whole number"),
            (8, Some("revenue"), "required value revenue is missing"),
        ]
    );
}

#[test]
fn month_and_year_ranges_on_targets() {
    let mut b = builder_for(&[
        "tenant_id",
        "region",
        "product",
        "year",
        "month",
        "target_revenue",
        "target_conversions",
        "target_spend",
    ]);
    push(&mut b, 2, &["t", "North", "A", "2024", "13", "1", "1", "1"]);
    push(&mut b, 3, &["t", "North", "A", "2024", "0", "1", "1", "1"]);
    push(
        &mut b,
        4,
        &["t", "North", "A", "2024", "12.0", "1", "1", "1"],
    );
    let staged = b.finish();
    assert_eq!(
        reasons(&staged),
        vec![
            (2, Some("month"), "month 13 is outside 1..12"),
            (3, Some("month"), "month 0 is outside 1..12")
        ]
    );
    assert_eq!(staged.loaded_rows(), 1);
}

fn dates(staged: &StagedTable) -> Vec<String> {
    let StagedValues::Date(d) = staged.column(Column::Date) else {
        unreachable!()
    };
    (0..staged.rows.len())
        .filter(|r| !staged.dropped.contains(r))
        .map(|r| format_day(d[r]))
        .collect()
}

#[test]
fn slash_dates_are_month_first_unless_the_column_says_otherwise() {
    let mut b = builder_for(&CAMPAIGN);
    push(
        &mut b,
        2,
        &["t", "c1", "03/04/2024", "10", "1", "1", "1", "1"],
    );
    push(
        &mut b,
        3,
        &["t", "c2", "12/31/2024", "10", "1", "1", "1", "1"],
    );
    let staged = b.finish();
    assert_eq!(dates(&staged), vec!["2024-03-04", "2024-12-31"]);
}

#[test]
fn a_rejected_rows_day_first_date_switches_the_whole_column() {
    let mut b = builder_for(&CAMPAIGN);
    push(
        &mut b,
        2,
        &["t", "c1", "03/04/2024", "10", "1", "1", "1", "1"],
    );
    // Rejected (clicks > impressions), but its 25/04 still decides the column.
    push(
        &mut b,
        3,
        &["t", "c2", "25/04/2024", "1", "9", "1", "1", "1"],
    );
    push(
        &mut b,
        4,
        &["t", "c3", "04/25/2024", "10", "1", "1", "1", "1"],
    );
    let staged = b.finish();
    assert_eq!(dates(&staged), vec!["2024-04-03"]);
    assert_eq!(staged.rejected.len(), 2);
    assert_eq!(staged.rejected[1].line, 4);
    assert_eq!(staged.rejected[1].column.as_deref(), Some("date"));
    assert!(
        staged.rejected[1].reason.contains("day/month"),
        "{}",
        staged.rejected[1].reason
    );
    assert_eq!(staged.rows_read, 3);
    assert_eq!(
        staged.loaded_rows() as u64 + staged.rejected.len() as u64,
        staged.rows_read
    );
}

#[test]
fn optional_columns_absent_or_missing_are_null_and_extras_are_kept() {
    let mut b = builder_for(&[
        "tenant_id",
        "campaign_id",
        "date",
        "impressions",
        "clicks",
        "conversions",
        "spend",
        "revenue",
        "region",
        "utm_source",
    ]);
    push(
        &mut b,
        2,
        &[
            "t",
            "c1",
            "2024-11-01",
            "10",
            "1",
            "1",
            "1",
            "1",
            "N/A",
            "google",
        ],
    );
    push(
        &mut b,
        3,
        &["t", "c2", "2024-11-01", "10", "1", "1", "1", "1"],
    );
    let staged = b.finish();
    let StagedValues::Text(region) = staged.column(Column::Region) else {
        unreachable!()
    };
    let StagedValues::Text(name) = staged.column(Column::CampaignName) else {
        unreachable!()
    };
    assert_eq!(region, &[NULL_KEY, NULL_KEY]);
    assert_eq!(name, &[NULL_KEY, NULL_KEY]);
    assert_eq!(staged.extra_names, vec!["utm_source"]);
    let decoded = staged.decoded_text();
    assert_eq!(decoded.get(staged.extras[0][0]), "google");
    assert_eq!(staged.extras[0][1], NULL_KEY);
}

#[test]
fn spreadsheet_cells_by_type() {
    let mut b = builder_for(&CAMPAIGN);
    let cells = [
        Cell::Text(b"t"),
        Cell::Int(7),
        Cell::DateSerial(45609.5),
        Cell::Float(100.0),
        Cell::Int(10),
        Cell::Float(1.0),
        Cell::Float(0.1),
        Cell::Int(2),
    ];
    b.push_row(2, &cells[..]);
    let bad = [
        Cell::Text(b"t"),
        Cell::Text(b"c"),
        Cell::Float(45609.0),
        Cell::Float(100.0),
        Cell::Int(10),
        Cell::Int(1),
        Cell::Error("#DIV/0!"),
        Cell::Int(2),
    ];
    b.push_row(3, &bad[..]);
    let staged = b.finish();
    assert_eq!(dates(&staged), vec!["2024-11-13"]);
    let StagedValues::Money(spend) = staged.column(Column::Spend) else {
        unreachable!()
    };
    assert_eq!(spend, &[100_000]);
    assert_eq!(
        reasons(&staged),
        vec![(
            3,
            Some("spend"),
            "the cell holds the spreadsheet error #DIV/0!"
        )]
    );
}
