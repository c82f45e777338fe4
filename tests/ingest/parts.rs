//! A delimited file commits in parts while it is read (`Warehouse::push`), and the
//! result is the one-shot load's, row for row and report for report; a file that is
//! cancelled, refused or failing part-way, or that is a re-load, leaves the warehouse
//! exactly as it was before it.
//!
//! The files are generated to reach every rule that looks at the whole file: slash dates
//! (ambiguous ones wait for the month/day rule, day/month evidence settles it), text that
//! is not ASCII (valid UTF-8, or Windows-1252 bytes that make the whole file
//! Windows-1252), date outliers (which compare a row with all the file's others), rows
//! replaced within the file and across files, rejected rows, extra columns, quoted
//! fields holding line breaks, and blank lines.

use crate::common::star_contents;
use bi_platform::model::keys::KeyColumn;
use bi_platform::{LoadReport, Warehouse};
use proptest::prelude::*;

/// One generated row; each field picks among variants.
#[derive(Debug, Clone)]
struct Row {
    tenant: u8,
    campaign: u8,
    /// 0..=27: an ISO date in May 2024; 28..=39: an ambiguous slash date; 40..=43: a
    /// day/month slash date (first number above 12); 44: a date years away (an outlier).
    date: u8,
    impressions: u16,
    clicks: u16,
    /// 0: plain ASCII; 1: UTF-8 `é`; 2: the Windows-1252 byte 0xE9 (not UTF-8).
    name: u8,
    /// Spend written as a word (a rejected row).
    bad_spend: bool,
    note: Option<u8>,
    /// The note quoted, holding a comma and a line break.
    quoted: bool,
    blank_after: bool,
}

fn row() -> impl Strategy<Value = Row> {
    (
        (
            0..3u8,
            0..12u8,
            prop_oneof![8 => 0..28u8, 1 => 28..44u8, 1 => Just(44u8)],
        ),
        (0..500u16, 0..600u16),
        prop_oneof![12 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)],
        prop::bool::weighted(0.05),
        prop::option::weighted(0.3, 0..4u8),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.05),
    )
        .prop_map(
            |(
                (tenant, campaign, date),
                (impressions, clicks),
                name,
                bad_spend,
                note,
                quoted,
                blank_after,
            )| Row {
                tenant,
                campaign,
                date,
                impressions,
                clicks,
                name,
                bad_spend,
                note,
                quoted,
                blank_after,
            },
        )
}

const HEADER: &[u8] =
    b"tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,notes\n";

fn csv(rows: &[Row]) -> Vec<u8> {
    let mut out = HEADER.to_vec();
    for r in rows {
        let date = match r.date {
            d @ 0..=27 => format!("2024-05-{:02}", d + 1),
            d @ 28..=39 => format!("{:02}/{:02}/2024", d - 27, (d % 9) + 1),
            d @ 40..=43 => format!("{}/05/2024", d - 27),
            _ => "2031-01-01".to_string(),
        };
        out.extend_from_slice(format!("t{},c{},", r.tenant, r.campaign).as_bytes());
        match r.name {
            0 => out.extend_from_slice(b"Plain - Search"),
            1 => out.extend_from_slice("Caf\u{e9} - Social".as_bytes()),
            _ => out.extend_from_slice(b"Caf\xe9 - Email"),
        }
        let spend = if r.bad_spend {
            "lots".to_string()
        } else {
            format!("{}.{:02}", r.impressions / 7, r.clicks % 100)
        };
        out.extend_from_slice(
            format!(
                ",{date},{},{},{},{spend},{}.50,R{},",
                r.impressions,
                r.clicks,
                r.clicks / 3,
                r.clicks,
                r.campaign % 4
            )
            .as_bytes(),
        );
        match (r.note, r.quoted) {
            (Some(n), false) => out.extend_from_slice(format!("note {n}").as_bytes()),
            (Some(n), true) => {
                out.extend_from_slice(format!("\"note, {n}\nnext line\"").as_bytes())
            }
            (None, _) => {}
        }
        out.push(b'\n');
        if r.blank_after {
            out.push(b'\n');
        }
    }
    out
}

/// Loads `bytes` as one staged file, committed once at its end.
fn load_whole(w: &mut Warehouse, name: &str, bytes: &[u8], chunk: usize) -> Vec<LoadReport> {
    let mut stream = w.stream(name);
    for piece in bytes.chunks(chunk.max(1)) {
        stream.push(piece);
    }
    w.commit(stream.finish())
}

/// Loads `bytes` committing a part whenever `part_rows` rows can be settled.
fn load_in_parts(
    w: &mut Warehouse,
    name: &str,
    bytes: &[u8],
    chunk: usize,
    part_rows: u64,
) -> Vec<LoadReport> {
    let mut stream = w.stream(name).with_part_rows(part_rows);
    for piece in bytes.chunks(chunk.max(1)) {
        w.push(&mut stream, piece);
    }
    w.commit(stream.finish())
}

fn files() -> impl Strategy<Value = Vec<Vec<Row>>> {
    prop::collection::vec(prop::collection::vec(row(), 0..80), 1..4)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Files committed in parts, cut anywhere into chunks and parts, read with any
    /// number of threads, give the warehouse and the reports of one-shot loads.
    #[test]
    fn parts_equal_the_one_shot_load(
        files in files(),
        chunk in 1..4000usize,
        part_rows in 1..40u64,
        threads in 1..4usize,
    ) {
        let mut whole = Warehouse::new();
        let mut parts = Warehouse::new();
        parts.set_threads(threads);
        for (i, rows) in files.iter().enumerate() {
            let bytes = csv(rows);
            let name = format!("f{i}.csv");
            let expected = load_whole(&mut whole, &name, &bytes, 1 << 20);
            let got = load_in_parts(&mut parts, &name, &bytes, chunk, part_rows);
            prop_assert_eq!(got, expected);
            prop_assert_eq!(star_contents(&parts), star_contents(&whole));
        }
        // A re-load of the last file is recognised (as the first file with its bytes),
        // and changes nothing.
        let last = csv(files.last().expect("one file at least"));
        let first = files.iter().position(|rows| csv(rows) == last).expect("the last");
        let before = star_contents(&parts);
        let again = load_in_parts(&mut parts, "again.csv", &last, chunk, part_rows);
        prop_assert_eq!(again[0].unchanged_from.as_deref(), Some(&*format!("f{first}.csv")));
        prop_assert_eq!(star_contents(&parts), before);
    }

    /// A file cancelled after any prefix, with parts already committed, leaves the
    /// warehouse as it was; loading it afterwards gives what it would have.
    #[test]
    fn a_cancelled_file_is_rolled_back(
        earlier in prop::collection::vec(row(), 0..80),
        file in prop::collection::vec(row(), 1..120),
        cut in any::<prop::sample::Index>(),
        chunk in 1..3000usize,
        part_rows in 1..40u64,
    ) {
        let (earlier, file) = (csv(&earlier), csv(&file));
        let mut w = Warehouse::new();
        load_whole(&mut w, "earlier.csv", &earlier, 1 << 20);
        let before = star_contents(&w);
        let widths = key_widths(&w);
        let cut = cut.index(file.len() + 1);
        let mut stream = w.stream("cancelled.csv").with_part_rows(part_rows);
        for piece in file[..cut].chunks(chunk) {
            w.push(&mut stream, piece);
        }
        w.cancel(stream.id());
        prop_assert_eq!(&star_contents(&w), &before);
        prop_assert_eq!(key_widths(&w), widths);
        let after_cancel = load_in_parts(&mut w, "file.csv", &file, chunk, part_rows);
        let mut fresh = Warehouse::new();
        load_whole(&mut fresh, "earlier.csv", &earlier, 1 << 20);
        let never_cancelled = load_whole(&mut fresh, "file.csv", &file, 1 << 20);
        prop_assert_eq!(after_cancel, never_cancelled);
        prop_assert_eq!(star_contents(&w), star_contents(&fresh));
    }

    /// A file whose last byte makes it unreadable (0x81: not UTF-8, undefined in
    /// Windows-1252), after parts were committed, is refused whole.
    #[test]
    fn a_file_failing_at_its_end_is_rolled_back(
        earlier in prop::collection::vec(row(), 0..60),
        file in prop::collection::vec(row(), 1..100),
        chunk in 1..3000usize,
        part_rows in 1..20u64,
    ) {
        let (earlier, mut file) = (csv(&earlier), csv(&file));
        file.extend_from_slice(b"t0,c0,x,2024-05-01,1,1,1,1,1,R,\x81\n");
        let mut w = Warehouse::new();
        load_whole(&mut w, "earlier.csv", &earlier, 1 << 20);
        let before = star_contents(&w);
        let reports = load_in_parts(&mut w, "broken.csv", &file, chunk, part_rows);
        prop_assert!(reports[0].error.is_some(), "{:?}", reports);
        prop_assert_eq!(&star_contents(&w), &before);
    }
}

/// Which key columns of each table are wide.
fn key_widths(w: &Warehouse) -> Vec<bool> {
    let star = w.star();
    [
        &star.campaigns.tenant,
        &star.campaigns.region,
        &star.campaigns.product,
        &star.campaigns.channel,
    ]
    .iter()
    .map(|c: &&KeyColumn| c.is_wide())
    .collect()
}

fn campaign_rows(from: usize, to: usize, region: impl Fn(usize) -> String) -> Vec<u8> {
    let mut out =
        b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue,region\n"
            .to_vec();
    for i in from..to {
        out.extend_from_slice(
            format!("t1,c{i},2024-05-01,100,10,1,1.00,2.00,{}\n", region(i)).as_bytes(),
        );
    }
    out
}

/// A part that widens a key column (more than 65,535 regions) is rolled back to the
/// narrow column it was.
#[test]
fn a_widened_key_column_is_narrow_again_after_a_roll_back() {
    let mut w = Warehouse::new();
    w.load(
        "earlier.csv",
        &campaign_rows(0, 100, |i| format!("R{}", i % 5)),
    );
    let before = star_contents(&w);
    assert!(!w.star().campaigns.region.is_wide());
    let file = campaign_rows(50, 70_100, |i| format!("region {i}"));
    let mut stream = w.stream("wide.csv").with_part_rows(10_000);
    w.push(&mut stream, &file);
    assert!(
        w.star().campaigns.region.is_wide(),
        "the part widened the column"
    );
    w.cancel(stream.id());
    assert!(!w.star().campaigns.region.is_wide());
    assert_eq!(star_contents(&w), before);
    // The key index was rebuilt from the rows left: a row loaded again replaces.
    let reports = w.load("one.csv", &campaign_rows(3, 4, |_| "R3".to_string()));
    assert_eq!(reports[0].rows_replaced, 1);
}

/// A part refused by the memory budget refuses the file and rolls back the parts
/// committed before it.
#[test]
fn a_part_refused_for_memory_rolls_the_file_back() {
    let mut w = Warehouse::new();
    w.load(
        "earlier.csv",
        &campaign_rows(0, 100, |i| format!("R{}", i % 5)),
    );
    let before = star_contents(&w);
    let file = campaign_rows(50, 5_000, |i| format!("R{}", i % 7));
    let (first, rest) = file.split_at(file.len() / 2);
    let mut stream = w.stream("big.csv").with_part_rows(100);
    w.push(&mut stream, first);
    assert!(w.star().campaigns.len() > 100, "parts were committed");
    w.set_memory_budget(Some(0));
    w.push(&mut stream, rest);
    assert!(stream.refused().is_some());
    assert_eq!(star_contents(&w), before);
    w.set_memory_budget(None);
    let reports = w.commit(stream.finish());
    let error = reports[0].error.as_deref().expect("refused");
    assert!(error.starts_with("out of memory"), "{error}");
    assert_eq!(star_contents(&w), before);
}

/// While one file commits parts, another file is staged whole and waits: adding it
/// before the first is finished is refused with a message naming both, and nothing is
/// lost.
#[test]
fn one_file_at_a_time_commits_parts() {
    let mut w = Warehouse::new();
    let first = campaign_rows(0, 300, |_| "R".to_string());
    let second = campaign_rows(1_000, 1_300, |_| "S".to_string());
    let mut a = w.stream("a.csv").with_part_rows(50);
    let mut b = w.stream("b.csv").with_part_rows(50);
    w.push(&mut a, &first);
    w.push(&mut b, &second);
    assert_eq!(w.star().campaigns.len(), 300, "only a's parts are in");
    let waiting = w.commit(b.finish());
    let error = waiting[0]
        .error
        .as_deref()
        .expect("refused while a is open");
    assert!(
        error.contains("a.csv") && error.contains("b.csv"),
        "{error}"
    );
    let done = w.commit(a.finish());
    assert_eq!(done[0].rows_loaded, 300);
    assert_eq!(w.load("b.csv", &second)[0].rows_loaded, 300);
    assert_eq!(w.star().campaigns.len(), 600);
}

/// A file of known size is sized once at its first part: the columns end within a few
/// percent of its rows, where growing part by part would double past them.
#[test]
fn a_file_of_known_size_sizes_the_table_once() {
    let rows = 300_000;
    let file = campaign_rows(0, rows, |i| format!("R{}", i % 7));
    let mut w = Warehouse::new();
    let reports = w.load("sized.csv", &file);
    assert_eq!(reports[0].rows_loaded, rows as u64);
    let memory = w.star().campaign_memory();
    let (used, allocated) = (memory.column_bytes(), memory.column_heap_bytes());
    assert!(
        allocated as f64 <= used as f64 * 1.06,
        "columns hold {used} bytes in {allocated} allocated"
    );
    // Without the size, parts grow the columns by doubling.
    let mut unsized_ = Warehouse::new();
    let mut stream = unsized_.stream("unsized.csv");
    for chunk in file.chunks(1 << 20) {
        unsized_.push(&mut stream, chunk);
    }
    unsized_.commit(stream.finish());
    assert_eq!(star_contents(&unsized_), star_contents(&w));
    let doubled = unsized_.star().campaign_memory().column_heap_bytes();
    assert!(doubled > allocated, "{doubled} <= {allocated}");
}
