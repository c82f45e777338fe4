//! A file is added whole or not at all: cancelled at any byte, or failing at any byte,
//! it leaves the warehouse exactly as it was before the file (no row appended, no row
//! it would have replaced changed, no dimension value added), and the warehouse goes on
//! loading as if the file had never been offered. Property-tested over random earlier
//! contents, random files whose keys overlap them (so a commit would replace rows),
//! random cut points, chunkings and thread counts. Files are loaded through
//! `Warehouse::push`, which commits a part of a file every few rows while it is read
//! ([`PART_ROWS`] here), so the refusals below roll back parts already committed.

use crate::common::star_contents;
use bi_platform::{LoadReport, Warehouse};
use proptest::prelude::*;

const HEADER: &str =
    "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region\n";

/// Rows `(tenant, campaign, day, impressions, spend)` as a campaigns CSV.
fn csv(rows: &[(u8, u8, u8, u16, u32)]) -> Vec<u8> {
    let mut out = String::from(HEADER);
    for (tenant, campaign, day, impressions, spend) in rows {
        out.push_str(&format!(
            "t{tenant},c{campaign},C{campaign} - Search,2024-05-{:02},{impressions},{},1,{}.{:02},9.99,R{}\n",
            1 + day % 28,
            impressions / 2,
            spend / 100,
            spend % 100,
            campaign % 3
        ));
    }
    out.into_bytes()
}

fn rows() -> impl Strategy<Value = Vec<(u8, u8, u8, u16, u32)>> {
    prop::collection::vec((0..3u8, 0..20u8, 0..5u8, 0..1000u16, 0..100_000u32), 1..120)
}

/// Rows per committed part: small, so that most files commit several parts.
const PART_ROWS: u64 = 7;

fn load(w: &mut Warehouse, name: &str, bytes: &[u8], chunk: usize) -> Vec<LoadReport> {
    let mut stream = w.stream(name).with_part_rows(PART_ROWS);
    for piece in bytes.chunks(chunk.max(1)) {
        w.push(&mut stream, piece);
    }
    w.commit(stream.finish())
}

/// A warehouse holding `earlier`, reading with `threads` threads.
fn warehouse_with(earlier: &[u8], threads: usize) -> Warehouse {
    let mut w = Warehouse::new();
    w.set_threads(threads);
    let reports = w.load("earlier.csv", earlier);
    assert!(reports[0].error.is_none());
    w
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Cancelling (as the page's Cancel and a failed read do) after any prefix changes
    /// nothing, and the same file loads afterwards as it would have.
    #[test]
    fn a_cancelled_file_changes_nothing(
        earlier in rows(),
        file in rows(),
        cut in any::<prop::sample::Index>(),
        chunk in 1..5000usize,
        threads in 1..4usize,
    ) {
        let (earlier, file) = (csv(&earlier), csv(&file));
        let mut w = warehouse_with(&earlier, threads);
        let before = star_contents(&w);
        let cut = cut.index(file.len() + 1);
        let mut stream = w.stream("cancelled.csv").with_part_rows(PART_ROWS);
        for piece in file[..cut].chunks(chunk) {
            w.push(&mut stream, piece);
        }
        w.cancel(stream.id());
        prop_assert_eq!(&star_contents(&w), &before);
        let after_cancel = load(&mut w, "file.csv", &file, chunk);
        let mut fresh = warehouse_with(&earlier, 1);
        let never_cancelled = load(&mut fresh, "file.csv", &file, chunk);
        prop_assert_eq!(after_cancel, never_cancelled);
        prop_assert_eq!(star_contents(&w), star_contents(&fresh));
    }

    /// A file that fails at any byte (there, a byte no encoding accepts, or a record of
    /// more fields than any file may have) is refused whole: the warehouse is as before,
    /// though rows before the failure were read and some would replace earlier rows.
    #[test]
    fn a_file_failing_anywhere_changes_nothing(
        earlier in rows(),
        file in rows(),
        at in any::<prop::sample::Index>(),
        too_many_fields in prop::bool::weighted(0.15),
        // From 256 bytes: a 2 MB record pushed a byte at a time is slow in debug builds.
        chunk in 256..8000usize,
        threads in 1..4usize,
    ) {
        let (earlier, mut file) = (csv(&earlier), csv(&file));
        let mut w = warehouse_with(&earlier, threads);
        let before = star_contents(&w);
        // After the header, at a line start when inserting a record, anywhere otherwise.
        let at = HEADER.len() + at.index(file.len() - HEADER.len() + 1);
        if too_many_fields {
            let line_start = file[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let mut record = ",".repeat(bi_platform::ingest::delimited::MAX_RECORD_FIELDS).into_bytes();
            record.push(b'\n');
            file.splice(line_start..line_start, record);
        } else {
            // 0x81 is undefined in Windows-1252 and never valid alone in UTF-8.
            file.insert(at, 0x81);
        }
        let reports = load(&mut w, "broken.csv", &file, chunk);
        prop_assert_eq!(reports.len(), 1);
        prop_assert!(reports[0].error.is_some(), "{:?}", reports);
        prop_assert_eq!(reports[0].rows_loaded, 0);
        prop_assert_eq!(&star_contents(&w), &before);
        // The failed file left nothing behind: not even its fingerprint.
        let again = load(&mut w, "broken-again.csv", &file, chunk);
        prop_assert_eq!(again[0].unchanged_from.as_deref(), None);
    }
}
