//! [`DelimitedReader`], the push parser: it buffers the first lines until the header is
//! found, then feeds every chunk to the body.

use crate::error::LoadError;
use crate::ingest::delimited::body::Body;
use crate::ingest::delimited::header::find_header;
use crate::ingest::delimited::parallel::Work;
use crate::ingest::delimited::records::LineCounter;
use crate::ingest::delimited::{HEADER_SEARCH_BYTES, HEADER_SEARCH_LINES, PARALLEL_MIN_BYTES};
use crate::transform::stage::{StagedTable, TableBuilder, TextEncoding};
use crate::transform::value::NumberFormat;

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
    /// Threads for long runs of quote-free lines, and the least bytes of a run worth
    /// splitting (see [`DelimitedReader::with_threads`]).
    threads: usize,
    parallel_min: usize,
    /// Read every record with csv-core, without the line path (to test the two agree).
    csv_core_only: bool,
    /// Hand long runs out rather than read them on threads.
    outsource: bool,
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
            csv_core_only: false,
            threads: 1,
            parallel_min: PARALLEL_MIN_BYTES,
            outsource: false,
        }
    }

    /// Reads runs of at least `min_run_bytes` of quote-free lines with `threads`
    /// threads (natively; wasm32 has none). The staged rows, rejections, line numbers and
    /// errors are those of one thread; a run with a quote is read on one thread.
    ///
    /// `min_run_bytes` is the least bytes of lines worth splitting
    /// ([`PARALLEL_MIN_BYTES`] is the measured default; tests use a few bytes, so that
    /// small files are split too).
    pub fn with_threads(mut self, threads: usize, min_run_bytes: usize) -> Self {
        self.threads = threads.max(1);
        self.parallel_min = min_run_bytes.max(1);
        self
    }

    /// Hands long runs of quote-free lines out instead of reading them: after a `push`,
    /// [`work`](DelimitedReader::work) gives the run cut into at most `pieces` pieces at
    /// line starts; each is read by [`parse_piece`](super::parse_piece) (on another
    /// worker, with its own memory) and the answers are given back, in order, to
    /// [`absorb_work`](DelimitedReader::absorb_work) with the run's number. Answers may
    /// come after later pushes: while runs wait, a push whose bytes make another run
    /// hands it out too (at most [`MAX_RUNS_HANDED_OUT`](super::MAX_RUNS_HANDED_OUT)
    /// wait), so the workers read the next run while this side absorbs and commits the
    /// last. What is staged, rejected and reported is what one thread would: a run still
    /// waiting when bytes come that must be read here (a quote, the file's end), or
    /// answered wrongly, is read here. This is how the page reads with every core
    /// without shared memory.
    /// One piece per run is allowed: the workers then read while this side commits.
    pub fn with_outsourcing(mut self, pieces: usize, min_run_bytes: usize) -> Self {
        self = self.with_threads(pieces, min_run_bytes);
        self.outsource = true;
        self
    }

    /// The run handed out by the last `push`, if any (see
    /// [`with_outsourcing`](DelimitedReader::with_outsourcing)).
    pub fn work(&self) -> Option<Work<'_>> {
        match &self.phase {
            Phase::Body(body) => body.work(),
            _ => None,
        }
    }

    /// Takes the answers of [`parse_piece`](super::parse_piece) for the pieces of run
    /// `run` of [`work`](Self::work), in order. `true` when they were used; `false` when
    /// the run was read here instead (an answer was an error, or not for this run), or it
    /// was not waiting (settled already, or never handed out). Earlier runs still
    /// waiting are read here first.
    pub fn absorb_work(&mut self, run: u64, answers: &[&[u8]]) -> bool {
        let Phase::Body(body) = &mut self.phase else {
            return false;
        };
        match body.absorb_work(run, answers) {
            Ok(used) => used,
            Err(e) => {
                self.phase = Phase::Failed(e);
                false
            }
        }
    }

    /// Bytes of lines that other workers read and this reader absorbed.
    pub fn bytes_absorbed(&self) -> u64 {
        match &self.phase {
            Phase::Body(body) => body.bytes_absorbed,
            _ => 0,
        }
    }

    /// Bytes taken but not read into rows yet: the line cut by the end of the last chunk,
    /// and a run handed out to other workers (or the header search's buffer).
    pub fn bytes_waiting(&self) -> u64 {
        match &self.phase {
            Phase::Sniffing { buffer, .. } => buffer.len() as u64,
            Phase::Body(body) => {
                (body.carry.len() + body.outsourced.iter().map(Vec::len).sum::<usize>()) as u64
            }
            Phase::Failed(_) => 0,
        }
    }

    /// A reader that leaves every record to csv-core: the reference the line path is
    /// tested against.
    #[cfg(test)]
    pub(super) fn csv_core_only() -> Self {
        DelimitedReader {
            csv_core_only: true,
            ..Self::new()
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
                let mut body = Box::new(Body::new(
                    choice.delimiter,
                    choice.lone_cr,
                    self.csv_core_only,
                    builder,
                    choice.matched.targets.len(),
                    choice.records_before + 1,
                ));
                (body.threads, body.parallel_min) = (self.threads, self.parallel_min);
                body.outsource = self.outsource;
                match body.feed(&buffer, false) {
                    Ok(()) => Phase::Body(body),
                    Err(e) => Phase::Failed(e),
                }
            }
            Err(e) => Phase::Failed(e),
        };
    }

    /// The rows read since the last part, as a staged table in `encoding` to commit
    /// before the file ends ([`TableBuilder::cut`]): `None` before the header is found,
    /// with fewer than `min_rows` rows, when `ascii_only` and their text is not all
    /// ASCII, or when they cannot be settled yet.
    pub fn cut(
        &mut self,
        min_rows: u64,
        ascii_only: bool,
        encoding: TextEncoding,
    ) -> Option<StagedTable> {
        let Phase::Body(body) = &mut self.phase else {
            return None;
        };
        let builder = &mut body.builder;
        if builder.part_rows() < min_rows || (ascii_only && !builder.text_is_ascii()) {
            return None;
        }
        let mut part = builder.cut()?;
        part.encoding = encoding;
        Some(part)
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
                body.settle()?;
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
    use crate::ingest::delimited::tests::{read, HEADER};
    use crate::model::schema::Column;
    use crate::transform::stage::StagedValues;

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
}
