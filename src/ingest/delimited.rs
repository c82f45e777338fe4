//! Delimited text (CSV, TSV, `;` and `|` files) as a push parser (SPEC §3).
//!
//! Bytes arrive in chunks of any size ([`DelimitedReader::push`]), are parsed by
//! `csv-core` (which does no I/O and keeps its state between chunks) and go straight
//! into a [`TableBuilder`]; nothing but the current record is buffered, so a file of
//! several GB streams through in constant memory. The first lines are buffered until the
//! delimiter and the header are known: the header is the first line, within the first
//! 20, that matches a table, and the delimiter (`,` `;` tab `|`) is the one under which a
//! line matches best. The result never depends on where the chunks split: csv-core's
//! state machine and the [`LineCounter`] both carry their state across chunks.

use crate::error::LoadError;
use crate::model::schema::{best_table, HeaderMatch};
use crate::transform::stage::{Cell, RowCells, StagedTable, TableBuilder, TextEncoding};
use crate::transform::value::{lossy, trim, NumberFormat};
use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

/// The delimiters sniffed, in the order that breaks ties.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];
/// The header must start within this many lines.
pub const HEADER_SEARCH_LINES: u64 = 20;
/// Bytes buffered at most while looking for the header.
pub const HEADER_SEARCH_BYTES: usize = 4 << 20;
/// The longest record accepted, in bytes (a larger one is refused, not buffered).
pub const MAX_RECORD_BYTES: usize = 64 << 20;
/// The most fields one record may have (each costs 8 bytes of offsets while it is read).
pub const MAX_RECORD_FIELDS: usize = 1 << 21;

/// Counts line breaks (LF, CRLF or a lone CR) across chunks.
#[derive(Debug, Default, Clone)]
pub struct LineCounter {
    breaks: u64,
    prev_cr: bool,
}

impl LineCounter {
    /// Counts the breaks in the next bytes.
    pub fn count(&mut self, bytes: &[u8]) {
        let Some(&last) = bytes.last() else { return };
        if !self.prev_cr && memchr::memchr(b'\r', bytes).is_none() {
            self.breaks += memchr::memchr_iter(b'\n', bytes).count() as u64;
            self.prev_cr = false;
            return;
        }
        for &b in bytes {
            match b {
                b'\r' => self.breaks += 1,
                b'\n' if !self.prev_cr => self.breaks += 1,
                _ => {}
            }
            self.prev_cr = b == b'\r';
        }
        debug_assert_eq!(self.prev_cr, last == b'\r');
    }

    /// Line breaks seen so far.
    pub fn breaks(&self) -> u64 {
        self.breaks
    }
}

/// `true` when the first lines hold a carriage return not followed by a line feed: a
/// file with old Mac line endings, whose lines csv-core's `\n` count cannot number.
/// Only the bytes up to the end of line 21 (and at most [`HEADER_SEARCH_BYTES`]) are
/// looked at, so the answer never depends on how much the first chunks held.
fn has_lone_cr(buffer: &[u8]) -> bool {
    let mut counter = LineCounter::default();
    let mut end = buffer.len().min(HEADER_SEARCH_BYTES);
    for (i, &b) in buffer[..end].iter().enumerate() {
        counter.count(&[b]);
        if counter.breaks() > HEADER_SEARCH_LINES {
            end = i + 1;
            break;
        }
    }
    let prefix = &buffer[..end];
    memchr::memchr_iter(b'\r', prefix).any(|i| prefix.get(i + 1).is_some_and(|&b| b != b'\n'))
}

/// Line breaks within a finished byte string.
fn breaks_in(bytes: &[u8]) -> u64 {
    let mut counter = LineCounter::default();
    counter.count(bytes);
    counter.breaks()
}

/// One record: its fields' bytes concatenated, and where each field ends.
struct Record<'a> {
    data: &'a [u8],
    ends: &'a [usize],
}

impl Record<'_> {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.data[start..self.ends[i]]
    }

    fn is_blank(&self) -> bool {
        // Nearly every record fails at its first byte; only records of nothing but
        // whitespace (or a non-breaking space) need the per-field check.
        !self.data.iter().any(u8::is_ascii_graphic)
            && (0..self.len()).all(|i| trim(self.field(i)).is_empty())
    }
}

impl RowCells for Record<'_> {
    fn cell(&self, index: usize) -> Cell<'_> {
        if index < self.len() {
            Cell::Text(self.field(index))
        } else {
            Cell::Empty
        }
    }
}

/// csv-core plus the buffers of the record being read and the line count.
///
/// Lines are numbered from csv-core's own count of `\n` (free: its state machine
/// looks at every byte anyway), unless the file has lone CR line endings; then every
/// consumed byte goes through a [`LineCounter`].
struct RecordSplitter {
    reader: Reader,
    data: Vec<u8>,
    data_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
    /// `Some` when lone CRs end lines.
    cr_lines: Option<LineCounter>,
}

/// What [`RecordSplitter::next`] found.
enum Next {
    /// A record whose first physical line is `line`; read it with `record()`.
    Record { line: u64 },
    /// The input is used up; more may come.
    NeedInput,
    /// The end of the input was reached (only when told it is the end).
    End,
    /// A record outgrew [`MAX_RECORD_BYTES`].
    TooLong,
    /// A record outgrew [`MAX_RECORD_FIELDS`].
    TooManyFields,
}

impl RecordSplitter {
    fn new(delimiter: u8, lone_cr: bool) -> Self {
        RecordSplitter {
            reader: ReaderBuilder::new().delimiter(delimiter).build(),
            data: vec![0; 4096],
            data_len: 0,
            ends: vec![0; 64],
            ends_len: 0,
            cr_lines: lone_cr.then(LineCounter::default),
        }
    }

    /// Line breaks consumed so far.
    fn breaks(&self) -> u64 {
        match &self.cr_lines {
            Some(counter) => counter.breaks(),
            None => self.reader.line() - 1,
        }
    }

    /// Reads from `input[*pos..]`; an empty `input` with `at_end` means end of file.
    fn next(&mut self, input: &[u8], pos: &mut usize, at_end: bool) -> Next {
        loop {
            let rest = &input[*pos..];
            if rest.is_empty() && !at_end {
                return Next::NeedInput;
            }
            let (result, nin, nout, nend) = self.reader.read_record(
                rest,
                &mut self.data[self.data_len..],
                &mut self.ends[self.ends_len..],
            );
            if let Some(counter) = &mut self.cr_lines {
                counter.count(&rest[..nin]);
            }
            *pos += nin;
            self.data_len += nout;
            self.ends_len += nend;
            match result {
                ReadRecordResult::InputEmpty => {
                    if !at_end {
                        return Next::NeedInput;
                    }
                }
                ReadRecordResult::OutputFull => {
                    if self.data.len() >= MAX_RECORD_BYTES {
                        return Next::TooLong;
                    }
                    let grown = self.data.len() * 2;
                    self.data.resize(grown, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() >= MAX_RECORD_FIELDS {
                        return Next::TooManyFields;
                    }
                    let grown = self.ends.len() * 2;
                    self.ends.resize(grown, 0);
                }
                ReadRecordResult::Record => {
                    let data = &self.data[..self.data_len];
                    let last = nin.checked_sub(1).map(|i| rest[i]);
                    let (terminated, inside) = if self.cr_lines.is_some() {
                        (matches!(last, Some(b'\n' | b'\r')), breaks_in(data))
                    } else {
                        // csv-core has counted the terminator if it was a \n (a CRLF's
                        // \n is consumed with the next record).
                        let inside = match memchr::memchr(b'\n', data) {
                            Some(_) => memchr::memchr_iter(b'\n', data).count() as u64,
                            None => 0,
                        };
                        (last == Some(b'\n'), inside)
                    };
                    let line = self.breaks() + 1 - inside - u64::from(terminated);
                    return Next::Record { line };
                }
                ReadRecordResult::End => return Next::End,
            }
        }
    }

    fn record(&self) -> Record<'_> {
        Record {
            data: &self.data[..self.data_len],
            ends: &self.ends[..self.ends_len],
        }
    }

    fn clear_record(&mut self) {
        self.data_len = 0;
        self.ends_len = 0;
    }
}

/// Where the header was found.
struct HeaderChoice {
    delimiter: u8,
    /// Lone CRs end lines.
    lone_cr: bool,
    /// Records (non-blank lines) before the header.
    records_before: usize,
    line: u64,
    matched: HeaderMatch,
}

/// Looks for the header in the buffered first lines under each delimiter.
fn find_header(buffer: &[u8], at_end: bool) -> Result<HeaderChoice, LoadError> {
    let mut best: Option<HeaderChoice> = None;
    let mut closest: Option<(u64, HeaderMatch)> = None;
    let lone_cr = has_lone_cr(buffer);
    for delimiter in DELIMITERS {
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
        (None, Some((line, near))) => Err(LoadError::NoTableMatches {
            closest: near.table.name(),
            missing: near.missing,
            sheet: None,
            line: Some(line),
        }),
        (None, None) if at_end => Err(LoadError::Empty),
        (None, None) => Err(LoadError::Limit(format!(
            "the first {} MB of the file hold no complete line; is it really delimited text?",
            HEADER_SEARCH_BYTES >> 20
        ))),
    }
}

/// Parsing state after the header was found.
struct Body {
    splitter: RecordSplitter,
    builder: TableBuilder,
    header_len: usize,
    /// Records still to skip: the title lines and the header itself.
    skip: usize,
}

impl Body {
    fn feed(&mut self, input: &[u8], at_end: bool) -> Result<(), LoadError> {
        let mut pos = 0;
        loop {
            match self.splitter.next(input, &mut pos, at_end) {
                Next::Record { line } => {
                    let record = self.splitter.record();
                    if self.skip > 0 {
                        self.skip -= 1;
                    } else if record.is_blank() {
                        // Blank lines and lines of empty fields are neither rows nor counted.
                    } else if record.len() > self.header_len {
                        let reason = format!(
                            "the row has {} fields but the header has {}",
                            record.len(),
                            self.header_len
                        );
                        self.builder.reject_row(line, reason, &record);
                    } else {
                        self.builder.push_row(line, &record);
                    }
                    self.splitter.clear_record();
                }
                Next::NeedInput | Next::End => return Ok(()),
                Next::TooManyFields => {
                    return Err(LoadError::Limit(format!(
                        "a record starting near line {} has more than {MAX_RECORD_FIELDS} fields, \
                         the most accepted",
                        self.splitter.breaks() + 1,
                    )))
                }
                Next::TooLong => {
                    return Err(LoadError::Limit(format!(
                        "a record starting near line {} is longer than {} MB, the largest accepted",
                        self.splitter.breaks() + 1,
                        MAX_RECORD_BYTES >> 20
                    )))
                }
            }
        }
    }
}

enum Phase {
    /// Buffering the first lines to find the delimiter and header.
    Sniffing {
        buffer: Vec<u8>,
        lines: LineCounter,
    },
    Body(Box<Body>),
    Failed(LoadError),
}

/// A push parser for one delimited file's (UTF-8 or single-byte) bytes.
pub struct DelimitedReader {
    phase: Phase,
}

impl Default for DelimitedReader {
    fn default() -> Self {
        Self::new()
    }
}

impl DelimitedReader {
    /// A reader waiting for its first bytes.
    pub fn new() -> Self {
        DelimitedReader {
            phase: Phase::Sniffing {
                buffer: Vec::new(),
                lines: LineCounter::default(),
            },
        }
    }

    /// Takes the next chunk of the file.
    pub fn push(&mut self, chunk: &[u8]) {
        match &mut self.phase {
            Phase::Sniffing { buffer, lines } => {
                // Buffer only up to the end of line 21 (or the byte cap), so the header
                // search sees the same bytes however the file is cut into chunks, and a
                // whole file handed over at once is not copied.
                let mut take = chunk.len().min(HEADER_SEARCH_BYTES - buffer.len());
                let mut last = 0;
                for at in memchr::memchr2_iter(b'\n', b'\r', &chunk[..take]) {
                    lines.count(&chunk[last..=at]);
                    last = at + 1;
                    if lines.breaks() > HEADER_SEARCH_LINES {
                        take = at + 1;
                        break;
                    }
                }
                lines.count(&chunk[last..take]);
                buffer.extend_from_slice(&chunk[..take]);
                if lines.breaks() > HEADER_SEARCH_LINES || buffer.len() >= HEADER_SEARCH_BYTES {
                    self.start_body(false);
                    if take < chunk.len() {
                        self.push(&chunk[take..]);
                    }
                }
            }
            Phase::Body(body) => {
                if let Err(e) = body.feed(chunk, false) {
                    self.phase = Phase::Failed(e);
                }
            }
            Phase::Failed(_) => {}
        }
    }

    fn start_body(&mut self, at_end: bool) {
        let Phase::Sniffing { buffer, .. } = &mut self.phase else {
            return;
        };
        let buffer = std::mem::take(buffer);
        self.phase = match find_header(&buffer, at_end) {
            Ok(choice) => {
                let mut builder = TableBuilder::new(choice.matched.table);
                let format = NumberFormat {
                    decimal_comma: choice.delimiter == b';',
                };
                builder.begin_section(&choice.matched, None, format, false);
                let _ = choice.line;
                let mut body = Box::new(Body {
                    splitter: RecordSplitter::new(choice.delimiter, choice.lone_cr),
                    builder,
                    header_len: choice.matched.targets.len(),
                    skip: choice.records_before + 1,
                });
                match body.feed(&buffer, false) {
                    Ok(()) => Phase::Body(body),
                    Err(e) => Phase::Failed(e),
                }
            }
            Err(e) => Phase::Failed(e),
        };
    }

    /// Rows seen so far (for progress reports).
    pub fn rows_read(&self) -> u64 {
        match &self.phase {
            Phase::Body(body) => body.builder.rows_read(),
            _ => 0,
        }
    }

    /// Ends the file: flushes the last record and hands over the staged table.
    pub fn finish(mut self, encoding: TextEncoding) -> Result<StagedTable, LoadError> {
        if matches!(self.phase, Phase::Sniffing { .. }) {
            self.start_body(true);
        }
        match self.phase {
            Phase::Body(mut body) => {
                body.feed(&[], true)?;
                let mut staged = body.builder.finish();
                staged.encoding = encoding;
                Ok(staged)
            }
            Phase::Failed(e) => Err(e),
            Phase::Sniffing { .. } => unreachable!("start_body leaves the sniffing phase"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::schema::{Column, TableKind};
    use crate::transform::stage::StagedValues;

    const HEADER: &str =
        "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue";

    fn read(bytes: &[u8], chunk: usize) -> Result<StagedTable, LoadError> {
        let mut reader = DelimitedReader::new();
        for piece in bytes.chunks(chunk.max(1)) {
            reader.push(piece);
        }
        reader.finish(TextEncoding::Utf8)
    }

    fn lines(staged: &StagedTable) -> Vec<u64> {
        staged.rows.iter().map(|r| r.line).collect()
    }

    fn names(staged: &StagedTable) -> Vec<String> {
        let decoded = staged.decoded_text();
        match staged.column(Column::CampaignName) {
            StagedValues::Text(keys) => keys.iter().map(|&k| decoded.get(k).to_string()).collect(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn line_counter_handles_every_line_ending_across_splits() {
        let text = b"a\r\nb\rc\nd\r\n\r\ne";
        for size in 1..text.len() {
            let mut counter = LineCounter::default();
            for chunk in text.chunks(size) {
                counter.count(chunk);
            }
            assert_eq!(counter.breaks(), 5, "chunk {size}");
        }
    }

    #[test]
    fn quoted_fields_hold_delimiters_quotes_and_newlines() {
        let file = format!(
            "{HEADER}\nt1,c1,\"Spring, \"\"big\"\" - Search\",2024-11-01,100,10,1,1.00,2.00\n\
             t1,c2,\"two\nlines - Email\",2024-11-01,100,10,1,1.00,2.00\nt1,c3,plain - Video,2024-11-01,100,10,1,1.00,2.00\n"
        );
        for chunk in [1, 2, 5, 17, 4096] {
            let staged = read(file.as_bytes(), chunk).unwrap();
            assert_eq!(staged.table, TableKind::Campaigns);
            assert_eq!(
                names(&staged),
                vec![
                    "Spring, \"big\" - Search",
                    "two\nlines - Email",
                    "plain - Video"
                ]
            );
            assert_eq!(lines(&staged), vec![2, 3, 5], "chunk {chunk}");
        }
    }

    #[test]
    fn crlf_and_cr_only_files_number_lines_alike() {
        let body = format!("{HEADER}\nt1,c1,a,2024-11-01,100,10,1,1.00,2.00\n\nt1,c2,\"x\ny\",2024-11-01,100,10,1,1.00,2.00\nt1,c3,b,2024-11-01,100,10,1,1.00,2.00");
        for ending in ["\n", "\r\n", "\r"] {
            let file = body.replace('\n', ending);
            for chunk in [1, 3, 4096] {
                let staged = read(file.as_bytes(), chunk).unwrap();
                assert_eq!(
                    lines(&staged),
                    vec![2, 4, 6],
                    "ending {ending:?} chunk {chunk}"
                );
            }
        }
    }

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
    fn semicolon_files_use_decimal_commas() {
        let file = format!(
            "{}\nt1;c1;a;2024-11-01;24.505;10;1;1.234,50;2,5\n",
            HEADER.replace(',', ";")
        );
        let staged = read(file.as_bytes(), 4096).unwrap();
        let StagedValues::Count(impressions) = staged.column(Column::Impressions) else {
            unreachable!()
        };
        let StagedValues::Money(spend) = staged.column(Column::Spend) else {
            unreachable!()
        };
        assert_eq!(impressions, &[24505]);
        assert_eq!(spend, &[1_234_500_000]);
    }

    #[test]
    fn blank_rows_skipped_long_rows_rejected_short_rows_padded() {
        let file = format!(
            "{HEADER},region\nt1,c1,a,2024-11-01,100,10,1,1.00,2.00,North\n,,,,,,,,,\n   \n\
             t1,c2,a,2024-11-01,100,10,1,1.00,2.00,North,extra\nt1,c3,a,2024-11-01,100,10,1,1.00,2.00\n"
        );
        let staged = read(file.as_bytes(), 4096).unwrap();
        assert_eq!(staged.rows_read, 3);
        assert_eq!(lines(&staged), vec![2, 6]);
        assert_eq!(staged.rejected.len(), 1);
        assert_eq!(staged.rejected[0].line, 5);
        assert_eq!(
            staged.rejected[0].reason,
            "the row has 11 fields but the header has 10"
        );
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

    #[test]
    fn a_file_without_a_final_newline_keeps_its_last_row() {
        let file = format!("{HEADER}\nt1,c1,a,2024-11-01,100,10,1,1.00,2.00");
        for chunk in 1..8 {
            assert_eq!(lines(&read(file.as_bytes(), chunk).unwrap()), vec![2]);
        }
    }
}
