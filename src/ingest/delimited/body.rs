//! The records after the header: quote-free lines split where they lie (the line path),
//! the rest read by csv-core, each record staged, skipped or rejected.

use crate::error::LoadError;
use crate::ingest::delimited::records::{Fields, LineRecord, Next, RecordSplitter};
use crate::ingest::delimited::{MAX_RECORD_BYTES, MAX_RECORD_FIELDS, PARALLEL_MIN_BYTES};
use crate::transform::stage::TableBuilder;
use std::collections::VecDeque;

/// Parsing state after the header was found.
///
/// Most lines of real files hold no quote: such a line is split where it lies, with no
/// copy and no per-byte state machine (the *line path*). A record with a quote (or a
/// carriage return inside its line) goes to csv-core, which reads that one record and
/// hands back; a file whose lines end in lone CRs goes to csv-core throughout. Both
/// paths yield the same records as csv-core alone would (tested below, property-based).
pub(super) struct Body {
    pub(super) splitter: RecordSplitter,
    pub(super) builder: TableBuilder,
    pub(super) header_len: usize,
    pub(super) delimiter: u8,
    /// Records still to skip: the title lines and the header itself.
    pub(super) skip: usize,
    /// Every record goes through csv-core (lone CR line endings, or tests).
    pub(super) csv_core_only: bool,
    /// csv-core is in the middle of a record begun in an earlier chunk.
    pub(super) in_csv_core: bool,
    /// The start of a line cut by the end of a chunk (line path only).
    pub(super) carry: Vec<u8>,
    /// Line feeds read so far (line path; csv-core counts its own while it reads).
    pub(super) breaks: u64,
    /// Where the located fields of the current line end.
    pub(super) ends: Vec<usize>,
    /// Threads to read long runs of quote-free lines with (1: this thread only), and
    /// the least bytes of such a run worth splitting.
    pub(super) threads: usize,
    pub(super) parallel_min: usize,
    /// Long runs of quote-free lines are handed out (to the page's parsing workers)
    /// rather than read on threads: see
    /// [`DelimitedReader::with_outsourcing`](super::DelimitedReader::with_outsourcing).
    pub(super) outsource: bool,
    /// Runs handed out and not yet absorbed, oldest first; the bytes after the last
    /// wait in `carry`, unread, so nothing after a run is staged before it. More than
    /// one waits when the page reads the next chunk while the workers read the last
    /// (a pipeline): see [`MAX_RUNS_HANDED_OUT`](super::MAX_RUNS_HANDED_OUT).
    pub(super) outsourced: VecDeque<Vec<u8>>,
    /// The last push handed out a run (the newest in `outsourced`).
    pub(super) fresh: bool,
    /// Bytes of lines read by other workers and absorbed here.
    pub(super) bytes_absorbed: u64,
    /// Runs handed out and settled so far: the oldest waiting run's number, which its
    /// answers must carry.
    pub(super) runs_outsourced: u64,
}

/// What became of a buffer given to [`Body::lines`].
pub(super) enum Consumed {
    /// Every byte up to this offset was used; the rest is an unfinished line.
    UpTo(usize),
    /// csv-core used every byte and waits for the rest of its record.
    InCsvCore,
}

impl Body {
    pub(super) fn new(
        delimiter: u8,
        lone_cr: bool,
        csv_core_only: bool,
        builder: TableBuilder,
        header_len: usize,
        skip: usize,
    ) -> Self {
        Body {
            splitter: RecordSplitter::new(delimiter, lone_cr),
            builder,
            header_len,
            delimiter,
            skip,
            csv_core_only: lone_cr || csv_core_only,
            in_csv_core: false,
            carry: Vec::new(),
            breaks: 0,
            ends: Vec::with_capacity(header_len),
            threads: 1,
            parallel_min: PARALLEL_MIN_BYTES,
            outsource: false,
            outsourced: VecDeque::new(),
            fresh: false,
            bytes_absorbed: 0,
            runs_outsourced: 0,
        }
    }

    /// Stages (or skips, or rejects) one record.
    fn take<F: Fields>(
        builder: &mut TableBuilder,
        skip: &mut usize,
        header_len: usize,
        line: u64,
        record: &F,
    ) {
        if *skip > 0 {
            *skip -= 1;
        } else if record.is_blank() {
            // Blank lines and lines of empty fields are neither rows nor counted.
        } else if record.len() > header_len {
            let reason = format!(
                "the row has {} fields but the header has {}",
                record.len(),
                header_len
            );
            builder.reject_row(line, reason, record);
        } else {
            builder.push_row(line, record);
        }
    }

    pub(super) fn feed(&mut self, input: &[u8], at_end: bool) -> Result<(), LoadError> {
        self.fresh = false;
        if self.outsource && !at_end {
            if let Some(complete) = self.run_after_carry(input) {
                let mut run = std::mem::take(&mut self.carry);
                run.extend_from_slice(&input[..complete]);
                return self.hand_out(run, &input[complete..]);
            }
        }
        // Whatever is read here comes after the runs handed out.
        self.settle()?;
        if self.csv_core_only {
            let mut pos = 0;
            return self.csv_core_records(input, &mut pos, at_end, usize::MAX);
        }
        let mut pos = 0;
        if self.in_csv_core {
            self.csv_core_records(input, &mut pos, at_end, 1)?;
            if self.in_csv_core {
                return Ok(());
            }
        }
        if !self.carry.is_empty() {
            // Complete the cut line from the new bytes, then read it as a buffer of its own.
            let rest = &input[pos..];
            let taken = match memchr::memchr(b'\n', rest) {
                Some(at) => at + 1,
                None if at_end => rest.len(),
                None => {
                    if self.carry.len() + rest.len() > MAX_RECORD_BYTES {
                        return Err(self.too_long());
                    }
                    self.carry.extend_from_slice(rest);
                    return Ok(());
                }
            };
            // Past the limit already (as an unfinished line would be above): refused
            // before the carry doubles to hold it.
            if self.carry.len() + taken > MAX_RECORD_BYTES + 1 {
                return Err(self.too_long());
            }
            let mut carry = std::mem::take(&mut self.carry);
            carry.reserve_exact(taken);
            carry.extend_from_slice(&rest[..taken]);
            pos += taken;
            let ends_the_file = at_end && pos == input.len();
            let consumed = self.lines(&carry, ends_the_file);
            // What is left of the carry is an unfinished line only if no line feed came.
            match consumed? {
                Consumed::InCsvCore => {}
                Consumed::UpTo(used) if used < carry.len() => {
                    debug_assert!(!carry[used..].contains(&b'\n'));
                    carry.drain(..used);
                    self.carry = carry;
                    debug_assert!(pos == input.len());
                    return Ok(());
                }
                Consumed::UpTo(_) => {
                    carry.clear();
                    self.carry = carry; // keep the allocation
                }
            }
            if self.in_csv_core {
                self.csv_core_records(input, &mut pos, at_end, 1)?;
                if self.in_csv_core {
                    return Ok(());
                }
            }
        }
        let mut rest = &input[pos..];
        if let Some(split) = self.parallel_run(rest) {
            if self.outsource {
                return self.hand_out(rest[..split].to_vec(), &rest[split..]);
            }
            self.lines_in_parallel(&rest[..split])?;
            rest = &rest[split..];
        }
        match self.lines(rest, at_end)? {
            Consumed::InCsvCore => {}
            Consumed::UpTo(used) => {
                let unfinished = &rest[used..];
                if unfinished.len() > MAX_RECORD_BYTES {
                    return Err(self.too_long());
                }
                self.carry.extend_from_slice(unfinished);
            }
        }
        Ok(())
    }

    /// Reads the complete lines of `buffer` (and its last, unterminated line when
    /// `at_end`). A record csv-core starts and does not finish within `buffer` leaves it
    /// waiting for more input (`in_csv_core`).
    pub(super) fn lines(&mut self, buffer: &[u8], at_end: bool) -> Result<Consumed, LoadError> {
        let mut pos = 0;
        while pos < buffer.len() {
            let rest = &buffer[pos..];
            let (line_len, terminated) = match memchr::memchr(b'\n', rest) {
                Some(at) => (at, true),
                None if at_end => (rest.len(), false),
                None => return Ok(Consumed::UpTo(pos)),
            };
            let mut line = &rest[..line_len];
            if let [head @ .., b'\r'] = line {
                line = head;
            }
            if memchr::memchr2(b'"', b'\r', line).is_some() {
                // Quoted fields (which may span lines), or CRs inside the line: csv-core
                // reads records from here until it has passed the end of this line, so
                // a line of many CR-ended records is searched for its end only once.
                let line_end = pos + line_len + usize::from(terminated);
                self.splitter.restart(self.breaks);
                while pos < line_end {
                    self.in_csv_core = true;
                    self.csv_core_records(buffer, &mut pos, at_end, 1)?;
                    if self.in_csv_core {
                        debug_assert_eq!(pos, buffer.len());
                        return Ok(Consumed::InCsvCore);
                    }
                }
                continue;
            }
            let number = self.breaks + 1;
            self.breaks += u64::from(terminated);
            pos += line_len + usize::from(terminated);
            if line.is_empty() {
                continue; // csv-core skips empty lines without a record
            }
            self.ends.clear();
            let mut count = 1;
            // memchr's vector scan: a byte-by-byte loop paid a mispredicted branch per
            // field (a field is about ten bytes).
            for i in memchr::memchr_iter(self.delimiter, line) {
                if self.ends.len() < self.header_len {
                    self.ends.push(i);
                }
                count += 1;
            }
            if count > MAX_RECORD_FIELDS {
                return Err(too_many_fields(number));
            }
            if self.ends.len() < self.header_len {
                self.ends.push(line.len());
            }
            let record = LineRecord {
                line,
                ends: &self.ends,
                count,
                delimiter: self.delimiter,
            };
            Self::take(
                &mut self.builder,
                &mut self.skip,
                self.header_len,
                number,
                &record,
            );
        }
        Ok(Consumed::UpTo(pos))
    }

    /// Reads records with csv-core from `input[*pos..]`, at most `limit` of them; when
    /// the input runs out inside a record, `in_csv_core` stays set.
    fn csv_core_records(
        &mut self,
        input: &[u8],
        pos: &mut usize,
        at_end: bool,
        limit: usize,
    ) -> Result<(), LoadError> {
        let mut read = 0;
        while read < limit {
            match self.splitter.next(input, pos, at_end) {
                Next::Record { line } => {
                    let record = self.splitter.record();
                    Self::take(
                        &mut self.builder,
                        &mut self.skip,
                        self.header_len,
                        line,
                        &record,
                    );
                    self.splitter.clear_record();
                    read += 1;
                }
                Next::NeedInput => return Ok(()),
                Next::End => break,
                Next::TooManyFields => return Err(too_many_fields(self.record_start_line())),
                Next::TooLong => return Err(self.too_long()),
            }
        }
        self.in_csv_core = false;
        if !self.csv_core_only {
            self.breaks = self.splitter.breaks();
        }
        Ok(())
    }

    fn record_start_line(&self) -> u64 {
        if self.csv_core_only || self.in_csv_core {
            self.splitter.breaks() + 1
        } else {
            self.breaks + 1
        }
    }

    pub(super) fn too_long(&self) -> LoadError {
        LoadError::Limit(format!(
            "a record starting near line {} is longer than {} MB, the largest accepted",
            self.record_start_line(),
            MAX_RECORD_BYTES >> 20
        ))
    }
}

/// The error for a record of more than [`MAX_RECORD_FIELDS`] fields starting at `line`.
fn too_many_fields(line: u64) -> LoadError {
    LoadError::Limit(format!(
        "a record starting near line {line} has more than {MAX_RECORD_FIELDS} fields, \
         the most accepted",
    ))
}

#[cfg(test)]
mod tests {
    use crate::ingest::delimited::tests::{lines, names, read, HEADER};
    use crate::ingest::delimited::DelimitedReader;
    use crate::model::schema::TableKind;
    use crate::transform::stage::TextEncoding;

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

    fn staged_debug(bytes: &[u8], cuts: &[usize], mut reader: DelimitedReader) -> String {
        let mut start = 0;
        for &cut in cuts {
            let cut = cut.clamp(start, bytes.len());
            reader.push(&bytes[start..cut]);
            start = cut;
        }
        reader.push(&bytes[start..]);
        format!("{:?}", reader.finish(TextEncoding::Utf8))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// The line path and csv-core alone read the same records from any text of
        /// fields, quotes, delimiters and line endings, however it is cut into chunks.
        #[test]
        fn the_line_path_reads_what_csv_core_reads(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "t1", "c1", "Spring - Search", "2024-11-01", "11/30/2024", "100", "10",
                    "1,000", "1.50", "", " ", "\"", "\"\"", "\"q,u\"\"o\nte\"", "a\"b",
                    ",", ",", ",", ";", "\t", "\n", "\n", "\r\n", "\r", "\u{a0}", "x\r\ny",
                ]),
                0..120,
            ),
            delimiter in proptest::sample::select(vec![",", ";", "\t"]),
            ending in proptest::sample::select(vec!["\n", "\r\n"]),
            cuts in proptest::collection::vec(0usize..2000, 0..6),
        ) {
            let header = HEADER.replace(',', delimiter);
            let file = format!("{header}{ending}{}", pieces.concat());
            let mut cuts = cuts;
            cuts.sort_unstable();
            let bytes = file.as_bytes();
            let reference = staged_debug(bytes, &[], DelimitedReader::csv_core_only());
            proptest::prop_assert_eq!(
                staged_debug(bytes, &cuts, DelimitedReader::new()),
                reference
            );
        }
    }

    /// A line of many CR-ended records in a file whose first lines end in LF: each record
    /// is read once, not the rest of the line searched again after each.
    #[test]
    fn a_long_line_of_lone_cr_records_is_read_in_linear_time() {
        let mut file = format!("{HEADER}\n");
        for i in 0..25 {
            file.push_str(&format!("t1,c{i},a,2024-11-01,100,10,1,1.00,2.00\n"));
        }
        for i in 0..100_000 {
            file.push_str(&format!("t1,d{i},a,2024-11-01,100,10,1,1.00,2.00\r"));
        }
        file.push('\n');
        // Searching the rest of the line again after each record would read about
        // 600 GB here: the test would not finish.
        let staged = read(file.as_bytes(), 1 << 20).unwrap();
        assert_eq!(staged.loaded_rows(), 100_025);
        assert_eq!(staged.rows.last().map(|r| r.line), Some(27));
    }

    #[test]
    fn a_file_without_a_final_newline_keeps_its_last_row() {
        let file = format!("{HEADER}\nt1,c1,a,2024-11-01,100,10,1,1.00,2.00");
        for chunk in 1..8 {
            assert_eq!(lines(&read(file.as_bytes(), chunk).unwrap()), vec![2]);
        }
    }
}
