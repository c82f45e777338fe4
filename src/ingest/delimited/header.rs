//! The header search: the first line, within the first 20, that matches a table, under
//! the delimiter (`,` `;` tab `|`) that matches best.

use crate::error::LoadError;
use crate::ingest::delimited::records::{has_lone_cr, Fields, Next, RecordSplitter};
use crate::ingest::delimited::{HEADER_SEARCH_BYTES, HEADER_SEARCH_LINES};
use crate::model::schema::{best_table, HeaderMatch};
use crate::transform::value::lossy;

/// The delimiters sniffed, in the order that breaks ties.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Where the header was found.
pub(super) struct HeaderChoice {
    pub(super) delimiter: u8,
    /// Lone CRs end lines.
    pub(super) lone_cr: bool,
    /// Records (non-blank lines) before the header.
    pub(super) records_before: usize,
    pub(super) line: u64,
    pub(super) matched: HeaderMatch,
}

/// Looks for the header in the buffered first lines under each delimiter.
pub(super) fn find_header(buffer: &[u8], at_end: bool) -> Result<HeaderChoice, LoadError> {
    let mut best: Option<HeaderChoice> = None;
    let mut closest: Option<(u64, HeaderMatch)> = None;
    let lone_cr = has_lone_cr(buffer);
    // Under a delimiter the buffer does not hold, every record is its whole line: the
    // same records under each such delimiter, so only the first of them (which wins
    // ties, as the rest could only tie) is read. A comma file reads two, not four.
    let mut absent_read = false;
    for delimiter in DELIMITERS {
        if memchr::memchr(delimiter, buffer).is_none() {
            if absent_read {
                continue;
            }
            absent_read = true;
        }
        let mut splitter = RecordSplitter::new(delimiter, lone_cr);
        let mut pos = 0;
        let mut index = 0;
        while let Next::Record { line } = splitter.next(buffer, &mut pos, at_end) {
            if line > HEADER_SEARCH_LINES {
                break;
            }
            let record = splitter.record();
            let names: Vec<String> = (0..record.len()).map(|i| lossy(record.field(i))).collect();
            match best_table(&names) {
                Ok(matched) => {
                    let better = best
                        .as_ref()
                        .is_none_or(|b| matched.matched > b.matched.matched);
                    if better {
                        best = Some(HeaderChoice {
                            delimiter,
                            lone_cr,
                            records_before: index,
                            line,
                            matched,
                        });
                    }
                    break;
                }
                Err(near) => {
                    let closer = closest.as_ref().is_none_or(|(_, c)| {
                        (near.missing.len(), std::cmp::Reverse(near.matched))
                            < (c.missing.len(), std::cmp::Reverse(c.matched))
                    });
                    if closer {
                        closest = Some((line, near));
                    }
                }
            }
            splitter.clear_record();
            index += 1;
        }
    }
    match (best, closest) {
        (Some(choice), _) => Ok(choice),
        (None, Some((line, near))) => Err(near.refusal(None, Some(line))),
        (None, None) if at_end => Err(LoadError::Empty),
        (None, None) => Err(LoadError::Limit(format!(
            "the first {} MB of the file hold no complete line; is it really delimited text?",
            HEADER_SEARCH_BYTES >> 20
        ))),
    }
}

#[cfg(test)]
mod tests {
    use crate::error::LoadError;
    use crate::ingest::delimited::tests::{lines, read, HEADER};

    #[test]
    fn title_lines_above_the_header_are_skipped_and_not_counted() {
        let file = format!("Campaign report\nExported 2024-12-01,,\n\n{HEADER}\nt1,c1,a,2024-11-01,100,10,1,1.00,2.00\n");
        let staged = read(file.as_bytes(), 7).unwrap();
        assert_eq!(staged.rows_read, 1);
        assert_eq!(lines(&staged), vec![5]);
    }

    #[test]
    fn header_beyond_line_20_is_not_found() {
        let titles = "title\n".repeat(20);
        let file = format!("{titles}{HEADER}\nt1,c1,a,2024-11-01,100,10,1,1.00,2.00\n");
        assert!(matches!(
            read(file.as_bytes(), 4096),
            Err(LoadError::NoTableMatches { .. })
        ));
        let titles = "title\n".repeat(19);
        let file = format!("{titles}{HEADER}\nt1,c1,a,2024-11-01,100,10,1,1.00,2.00\n");
        assert_eq!(lines(&read(file.as_bytes(), 3).unwrap()), vec![21]);
    }

    #[test]
    fn sniffs_each_delimiter() {
        for delimiter in [";", "\t", "|"] {
            let file = format!(
                "{}\nt1{d}c1{d}a{d}2024-11-01{d}100{d}10{d}1{d}1{d}2\n",
                HEADER.replace(',', delimiter),
                d = delimiter
            );
            let staged = read(file.as_bytes(), 5).unwrap();
            assert_eq!(staged.loaded_rows(), 1, "{delimiter:?}");
        }
    }

    #[test]
    fn a_file_matching_nothing_names_the_closest_tables_missing_columns() {
        let err = read(
            b"tenant_id,campaign_id,date,impressions,clicks,revenue\nt1,c1,2024-11-01,5,1,2\n",
            4096,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "no table matches this file: the closest is fact_campaigns (header on line 1), which also needs the \
             columns conversions, spend (the header must be within the first 20 lines or rows)"
        );
    }
}
