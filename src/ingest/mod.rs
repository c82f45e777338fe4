//! Readers: bytes in, staged tables out (SPEC §1, §3).
//!
//! [`IngestStream`] takes a file as a stream of chunks. It decides the format from the
//! first bytes (a zip is XLSX, `PAR1` is Parquet, a leading `[` or `{` is JSON, anything
//! else is delimited text), hashes every byte (so re-loading the same bytes can be
//! recognised), and parses delimited text as it arrives, handing its rows over in parts
//! as soon as nothing later in the file can change them ([`IngestStream::take_part`],
//! committed by [`crate::Warehouse::push`]). XLSX, JSON and Parquet (whose
//! footer, at the end, says where everything is) need the whole file and are parsed when
//! the stream is finished; they are kept up to [`whole_file_limit`] bytes, beyond which
//! the file is refused (docs/formats.md, "Limits").
//!
//! A stream has a memory budget ([`crate::memory`]; [`IngestStream::with_budget`]): after
//! every chunk, and before and after parsing a whole file, it checks the live heap
//! against it. Past the budget the file is refused with [`LoadError::OutOfMemory`]: what
//! was staged is dropped at once, and later chunks are only counted.

pub mod columnar;
pub mod delimited;
pub mod json;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod peek;
#[cfg(not(target_arch = "wasm32"))]
mod pool;
pub mod text;
pub mod wire;
pub mod xlsx;

use crate::error::LoadError;
use crate::memory;
use crate::transform::stage::{StagedTable, TextEncoding};
use delimited::DelimitedReader;
use text::{Bom, Utf8Check};
use xxhash_rust::xxh3::Xxh3;

/// The format of a file, decided by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Delimited,
    Xlsx,
    Json,
    /// Parquet (`PAR1` at both ends), decoded row group by row group into cell text
    /// ([`columnar`]) by `parquet` (feature `parquet`).
    Parquet,
}

/// A 128-bit digest of a file's bytes plus its length, to recognise a re-load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint {
    pub hash: u128,
    pub len: u64,
}

/// A file loaded earlier: its bytes' fingerprint and what it fed (the table, and the
/// sheets that fed it, of each of its load reports), so that a re-load of the same
/// bytes is recognised, also after a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedFile {
    pub fingerprint: Fingerprint,
    pub file: String,
    pub tables: Vec<(Option<&'static str>, Option<Vec<String>>)>,
}

/// Which stream a file was read by: a number no other stream of the process has had,
/// so a warehouse knows whose parts it holds ([`crate::Warehouse::push`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StreamId(u64);

impl StreamId {
    /// A new identity.
    pub fn fresh() -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        StreamId(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }
}

/// What reading one file produced.
#[derive(Debug)]
pub struct Ingested {
    pub file: String,
    /// The stream that read it.
    pub stream: StreamId,
    pub fingerprint: Fingerprint,
    pub format: Option<Format>,
    /// One staged table per table the file feeds, or why the file is unreadable.
    pub result: Result<Vec<StagedTable>, LoadError>,
}

enum State {
    /// Too few bytes yet to tell the format.
    Detecting(Vec<u8>),
    /// Delimited text streaming through the parser.
    Delimited {
        utf16: Option<encoding_rs::Decoder>,
        check: Utf8Check,
        reader: Box<DelimitedReader>,
        transcoded: Vec<u8>,
    },
    /// XLSX or JSON, kept whole until the end.
    Whole(Format, Vec<u8>),
    /// XLSX or JSON that outgrew [`whole_file_limit`]: the bytes are dropped, only hashed.
    TooLarge(Format),
    /// Refused for want of memory: what was staged is dropped, later bytes only hashed.
    Refused(Option<Format>, LoadError),
}

/// Heap bytes that parsing a whole file of `bytes` may take at its peak, checked against
/// the budget before the parse starts. Measured natively (64-bit; wasm32's 4-byte
/// pointers make it less) on generated files of a million rows: JSON parsed into
/// `serde_json` values peaked at 6.0x the text (object maps, a string per key and value);
/// an XLSX file's sheet XML inflates 5-30x and calamine's cells and strings peaked at
/// 21.6x the zip (300,000 rows of 11 cells in 18 MB). The factors are rounded up; the
/// check after the parse catches what they miss.
fn whole_parse_estimate(format: Format, bytes: u64) -> u64 {
    match format {
        Format::Json => bytes.saturating_mul(WHOLE_JSON_FACTOR),
        Format::Xlsx => bytes.saturating_mul(WHOLE_XLSX_FACTOR),
        // Decoded one row group at a time: the staged columns grow as a CSV file's do,
        // checked after each row group.
        Format::Delimited | Format::Parquet => 0,
    }
}

/// See [`whole_parse_estimate`].
const WHOLE_JSON_FACTOR: u64 = 7;
/// See [`whole_parse_estimate`].
const WHOLE_XLSX_FACTOR: u64 = 24;

/// The largest XLSX file read (it is held whole): sheet XML compresses 5-30x, so a
/// bigger file could not inflate within [`xlsx::MAX_INFLATED_BYTES`] anyway.
pub const MAX_XLSX_FILE_BYTES: u64 = 256 << 20;
/// The largest JSON file read: JSON is parsed whole, into a few times its size.
pub const MAX_JSON_FILE_BYTES: u64 = 512 << 20;

/// The largest Parquet file read: it is held whole (its footer, at the end, locates the
/// row groups), and decoded a row group at a time.
pub const MAX_PARQUET_FILE_BYTES: u64 = 2 << 30;

/// How many bytes of a file of this format are kept to be parsed whole.
pub fn whole_file_limit(format: Format) -> u64 {
    match format {
        Format::Xlsx => MAX_XLSX_FILE_BYTES,
        Format::Json => MAX_JSON_FILE_BYTES,
        Format::Parquet => MAX_PARQUET_FILE_BYTES,
        Format::Delimited => u64::MAX,
    }
}

fn too_large(format: Format, bytes: u64) -> LoadError {
    let limit = whole_file_limit(format) >> 20;
    LoadError::Limit(match format {
        Format::Xlsx => format!(
            "the workbook is {} MiB; XLSX files are read whole and may be at most {limit} MiB \
             (the XLSX file limit): save the data as CSV, which streams without a size limit",
            bytes >> 20
        ),
        Format::Parquet => format!(
            "the Parquet file is {} MiB; Parquet files are read whole and may be at most \
             {limit} MiB (the Parquet file limit): split it into several files",
            bytes >> 20
        ),
        _ => format!(
            "the JSON file is {} MiB; JSON is parsed whole and may be at most {limit} MiB \
             (the JSON file limit): split it, or save the data as CSV, which streams without \
             a size limit",
            bytes >> 20
        ),
    })
}

/// The state holding the first bytes of an XLSX or JSON file, or `TooLarge` (checked
/// before copying, so an oversized first chunk is never duplicated).
fn whole(format: Format, first: &[u8]) -> State {
    if first.len() as u64 > whole_file_limit(format) {
        State::TooLarge(format)
    } else {
        State::Whole(format, first.to_vec())
    }
}

/// A file arriving in chunks: `push` each slice, then `finish`. The outcome does not
/// depend on how the file was cut into chunks.
///
/// ```
/// use bi_platform::ingest::IngestStream;
/// let mut stream = IngestStream::new("campaigns.csv");
/// stream.push(b"tenant_id,campaign_id,date,impressions,clicks,conv");
/// stream.push(b"ersions,spend,revenue\nt1,c1,2024-11-01,100,10,1,5.00,9.50\n");
/// let ingested = stream.finish();
/// assert_eq!(ingested.result.unwrap()[0].loaded_rows(), 1);
/// ```
pub struct IngestStream {
    file: String,
    id: StreamId,
    /// Rows a part holds at least before [`take_part`](IngestStream::take_part) hands
    /// it over.
    part_rows: u64,
    /// The file's size, when the caller knows it ([`IngestStream::expected_rows`]).
    expected_bytes: Option<u64>,
    hasher: Xxh3,
    bytes: u64,
    state: State,
    budget: Option<u64>,
    /// Threads for delimited text and the least bytes of lines split across them (see
    /// [`IngestStream::with_threads`]).
    threads: usize,
    parallel_min: usize,
    /// Hand long runs of lines out to other workers instead of threads (the page).
    outsource: bool,
    /// Natively, threads of this stream's own reading the runs handed out while the
    /// caller commits ([`IngestStream::with_threads`]): how many, and once started.
    #[cfg(not(target_arch = "wasm32"))]
    parse_threads: usize,
    #[cfg(not(target_arch = "wasm32"))]
    pool: Option<pool::ParseThreads>,
    /// Told (rows done, rows in the file) after each Parquet row group.
    row_progress: Option<RowProgress>,
    /// The tenant of an ad platform's export that names none (SPEC §1), as the user
    /// gave it ([`IngestStream::with_tenant`]).
    tenant: Option<String>,
}

/// See [`IngestStream::with_row_progress`].
pub type RowProgress = Box<dyn FnMut(u64, u64) + Send>;

/// Rows a part of a delimited file holds at least (see [`IngestStream::take_part`]):
/// enough that a part's fixed costs (decoding its text, sizing the tables, the memory
/// estimate) stay small against its rows, few enough that staging holds a few MB,
/// not the file.
pub const PART_ROWS: u64 = 1 << 17;

/// Runs a stream's own parsing threads may still be reading when a push returns
/// ([`IngestStream::with_parse_threads`]): enough to keep them busy through a part's
/// commit, below [`delimited::MAX_RUNS_HANDED_OUT`].
pub const RUNS_AHEAD: usize = 2;

/// Bytes buffered at most to decide the format when the file starts with whitespace.
const DETECT_LIMIT: usize = 64 << 10;

impl IngestStream {
    /// Starts reading the file called `file` (the name is only for reports), under the
    /// platform's [`memory::default_budget`] (none natively, 3.5 GiB on wasm32).
    pub fn new(file: &str) -> Self {
        IngestStream {
            file: file.to_string(),
            id: StreamId::fresh(),
            part_rows: PART_ROWS,
            expected_bytes: None,
            hasher: Xxh3::new(),
            bytes: 0,
            state: State::Detecting(Vec::new()),
            budget: memory::default_budget(),
            threads: 1,
            parallel_min: delimited::PARALLEL_MIN_BYTES,
            outsource: false,
            #[cfg(not(target_arch = "wasm32"))]
            parse_threads: 0,
            #[cfg(not(target_arch = "wasm32"))]
            pool: None,
            row_progress: None,
            tenant: None,
        }
    }

    /// The same stream giving `tenant` to the rows of an ad platform's export that has
    /// neither a tenant nor an account column (SPEC §1: `--tenant-for`, the page's
    /// question). A file that names its tenant keeps it; without this such a file is
    /// refused with [`LoadError::NoTenant`].
    ///
    /// ```
    /// use bi_platform::ingest::IngestStream;
    /// let export = b"Day,Campaign,Impr.,Clicks,Cost,Conversions,Conv. value\n\
    ///                2024-11-01,Brand,100,10,5.00,1,9.50\n";
    /// let mut stream = IngestStream::new("google.csv");
    /// stream.push(export);
    /// assert!(stream.finish().result.is_err()); // which client is it for?
    /// let mut stream = IngestStream::new("google.csv").with_tenant(Some("acme".into()));
    /// stream.push(export);
    /// assert_eq!(stream.finish().result.unwrap()[0].loaded_rows(), 1);
    /// ```
    pub fn with_tenant(mut self, tenant: Option<String>) -> Self {
        self.tenant = tenant.filter(|t| !t.trim().is_empty());
        self
    }

    /// Gives a staged table's rows that need one the tenant the user gave, or refuses
    /// it when none was given.
    fn settle_tenant(tenant: Option<&str>, staged: &mut StagedTable) -> Result<(), LoadError> {
        if !staged.tenant_needed {
            return Ok(());
        }
        match tenant {
            Some(tenant) => {
                staged.fill_tenant(tenant);
                Ok(())
            }
            None => Err(LoadError::NoTenant {
                platform: staged.source.as_ref().map_or("ad platform", |s| s.platform),
            }),
        }
    }

    /// The same stream telling `progress` (rows decoded, rows in the file) after each
    /// row group of a Parquet file, which is decoded at `finish`.
    pub fn with_row_progress(mut self, progress: impl FnMut(u64, u64) + Send + 'static) -> Self {
        self.row_progress = Some(Box::new(progress));
        self
    }

    /// The same stream under a memory budget of live heap bytes (`None`: no limit).
    ///
    /// ```
    /// use bi_platform::ingest::IngestStream;
    /// let mut stream = IngestStream::new("big.csv").with_budget(Some(0));
    /// stream.push(b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n");
    /// assert!(stream.refused().is_some());
    /// let error = stream.finish().result.unwrap_err().to_string();
    /// assert!(error.starts_with("out of memory"), "{error}");
    /// ```
    pub fn with_budget(mut self, budget: Option<u64>) -> Self {
        self.budget = budget;
        self
    }

    /// The same stream reading delimited text with `threads` threads in all (natively;
    /// on wasm32 one): `threads - 1` threads of its own read long runs of quote-free
    /// lines while the caller's thread commits the rows read before them, a pipeline
    /// ([`with_parse_threads`](IngestStream::with_parse_threads)). What it stages,
    /// rejects and reports is what one thread would.
    pub fn with_threads(self, threads: usize) -> Self {
        self.with_parse_threads(threads, delimited::PARALLEL_MIN_BYTES)
    }

    /// Natively, runs of at least `min_run_bytes` of quote-free lines handed out to
    /// `threads - 1` threads of this stream's own, a piece each, as the page hands them
    /// to its parsing workers ([`with_outsourcing`](IngestStream::with_outsourcing)):
    /// each `push` hands its run out and absorbs the answers of the runs before it
    /// until at most [`RUNS_AHEAD`] are still being read, so the threads read while the
    /// caller commits (a delimited file's parts, [`crate::Warehouse::push`]); `finish`
    /// absorbs the rest. On wasm32, or with one thread, it reads on the caller's thread.
    pub fn with_parse_threads(self, threads: usize, min_run_bytes: usize) -> Self {
        #[cfg(not(target_arch = "wasm32"))]
        if threads > 1 {
            let mut stream = self.with_outsourcing(threads - 1, min_run_bytes);
            stream.parse_threads = threads - 1;
            return stream;
        }
        self.with_parallel_reading(threads, min_run_bytes)
    }

    /// The same stream splitting each long run of quote-free lines in a pushed chunk at
    /// line starts and reading the pieces on `threads` scoped threads before the push
    /// returns ([`delimited::DelimitedReader::with_threads`]), from `min_run_bytes` on
    /// (tests split small files with it). What it stages, rejects and reports is what
    /// one thread would.
    pub fn with_parallel_reading(mut self, threads: usize, min_run_bytes: usize) -> Self {
        self.threads = threads.max(1);
        self.parallel_min = min_run_bytes.max(1);
        self
    }

    /// The same stream handing long runs of quote-free lines of delimited text out to
    /// `workers` other workers (the page's parsing workers, each with its own memory)
    /// instead of reading them, one piece each: after a `push`, read the pieces of
    /// [`work`](IngestStream::work) with [`delimited::parse_piece`] and give the answers
    /// with the run's number to [`absorb_work`](IngestStream::absorb_work), in the order
    /// the runs were handed out, now or after later pushes (the workers read the next
    /// run while this side commits the last). The result is what one thread gives, row
    /// for row and report for report; a run nobody answers is read here when bytes come
    /// that must be read here, or at the end.
    pub fn with_outsourcing(mut self, workers: usize, min_run_bytes: usize) -> Self {
        self = self.with_parallel_reading(workers, min_run_bytes);
        self.outsource = workers >= 1;
        self
    }

    /// The same stream handing parts over from `rows` rows on (tests cut small files
    /// into many parts with it).
    pub fn with_part_rows(mut self, rows: u64) -> Self {
        self.part_rows = rows.max(1);
        self
    }

    /// The same stream told the file's size in bytes, from which it foresees its rows
    /// ([`expected_rows`](IngestStream::expected_rows)).
    pub fn with_expected_bytes(mut self, bytes: u64) -> Self {
        self.expected_bytes = Some(bytes);
        self
    }

    /// About how many rows the whole file holds: the rows read so far, per byte read
    /// into them, times the file's size ([`with_expected_bytes`](Self::with_expected_bytes)),
    /// plus 3% for rows longer than the first. `None` without a size or before a row.
    /// A guide for sizing the tables once ([`crate::Warehouse::push`]), never a limit.
    pub fn expected_rows(&self) -> Option<u64> {
        let total = self.expected_bytes?;
        let State::Delimited { reader, .. } = &self.state else {
            return None;
        };
        let rows = reader.rows_read();
        let read = self.bytes.saturating_sub(reader.bytes_waiting());
        if rows == 0 || read == 0 {
            return None;
        }
        let expected = u128::from(rows) * u128::from(total) / u128::from(read) * 103 / 100;
        Some(u64::try_from(expected).unwrap_or(u64::MAX))
    }

    /// This stream's identity.
    pub fn id(&self) -> StreamId {
        self.id
    }

    /// The file's name.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The rows of a delimited file read since the last part, as a staged table to
    /// commit before the file ends ([`crate::Warehouse::push`] does), once there are at
    /// least [`PART_ROWS`] and nothing in them waits for the rest of the file:
    /// - no slash date waits for the file's month/day rule
    ///   ([`TableBuilder::cut`](crate::transform::stage::TableBuilder::cut));
    /// - their text reads the same whatever the file's encoding turns out to be: text
    ///   transcoded from UTF-16 is UTF-8; a file already seen not to be UTF-8 is
    ///   Windows-1252 (or refused at its end, and then its parts are rolled back);
    ///   otherwise the part's text must be ASCII.
    ///
    /// Once a part cannot be cut, the rest of the file is staged to its end, as XLSX,
    /// JSON and Parquet files always are.
    pub fn take_part(&mut self) -> Option<StagedTable> {
        let State::Delimited {
            utf16,
            check,
            reader,
            ..
        } = &mut self.state
        else {
            return None;
        };
        let (ascii_only, encoding) = if utf16.is_some() {
            (false, TextEncoding::Utf8)
        } else if check.is_invalid() {
            (false, TextEncoding::Windows1252)
        } else {
            (true, TextEncoding::Utf8)
        };
        let mut part = reader.cut(self.part_rows, ascii_only, encoding)?;
        if let Err(error) = Self::settle_tenant(self.tenant.as_deref(), &mut part) {
            self.refuse(error);
            return None;
        }
        Some(part)
    }

    /// Refuses the file (the warehouse found its rows would not fit the memory budget):
    /// what it holds is dropped, later chunks are only hashed, `finish` returns `error`.
    pub fn refuse(&mut self, error: LoadError) {
        let format = match &self.state {
            State::Detecting(_) => None,
            State::Delimited { .. } => Some(Format::Delimited),
            State::Whole(format, _) | State::TooLarge(format) => Some(*format),
            State::Refused(..) => return,
        };
        self.state = State::Refused(format, error);
        #[cfg(not(target_arch = "wasm32"))]
        {
            self.pool = None;
        }
    }

    /// The run of lines the last `push` handed out, if it did.
    pub fn work(&self) -> Option<delimited::Work<'_>> {
        match &self.state {
            State::Delimited { reader, .. } => reader.work(),
            _ => None,
        }
    }

    /// The answers of [`delimited::parse_piece`] for the pieces of run `run` of
    /// [`work`](IngestStream::work), in order; `true` when they were used (else the run
    /// was read here, or was not waiting).
    pub fn absorb_work(&mut self, run: u64, answers: &[&[u8]]) -> bool {
        let used = match &mut self.state {
            State::Delimited { reader, .. } => reader.absorb_work(run, answers),
            _ => false,
        };
        self.check_memory(0);
        used
    }

    /// Bytes of lines read by other workers (see [`with_outsourcing`](Self::with_outsourcing)).
    pub fn bytes_read_elsewhere(&self) -> u64 {
        match &self.state {
            State::Delimited { reader, .. } => reader.bytes_absorbed(),
            _ => 0,
        }
    }

    /// Why the file was refused while streaming (only [`LoadError::OutOfMemory`]), if
    /// it was: pushing more is pointless, `finish` returns this error.
    pub fn refused(&self) -> Option<&LoadError> {
        match &self.state {
            State::Refused(_, error) => Some(error),
            _ => None,
        }
    }

    /// Refuses the file when `needed` more bytes do not fit in the budget on top of the
    /// live heap, dropping whatever it holds. `true` when refused.
    fn check_memory(&mut self, needed: u64) -> bool {
        if matches!(self.state, State::Refused(..)) {
            return true;
        }
        match memory::check(self.budget, needed) {
            Ok(()) => false,
            Err(error) => {
                // Dropping the staged rows and buffers here gives their memory back now,
                // not when the caller gets round to `finish`.
                self.refuse(error.into());
                true
            }
        }
    }

    /// Bytes taken so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// Rows parsed so far (delimited text only; XLSX and JSON parse at the end).
    pub fn rows_read(&self) -> u64 {
        match &self.state {
            State::Delimited { reader, .. } => reader.rows_read(),
            _ => 0,
        }
    }

    /// Takes the next chunk of the file.
    pub fn push(&mut self, chunk: &[u8]) {
        self.hasher.update(chunk);
        self.bytes += chunk.len() as u64;
        match &mut self.state {
            State::Detecting(buffer) => {
                if buffer.is_empty() {
                    // The usual case (a whole file, or a first slice of MBs): decide on the
                    // chunk itself and never copy delimited text.
                    match detect_format(chunk, false) {
                        Some(Format::Delimited) => self.start_delimited(chunk),
                        Some(format) => self.state = whole(format, chunk),
                        None => buffer.extend_from_slice(chunk),
                    }
                    self.pump(RUNS_AHEAD);
                    self.check_memory(0);
                    return;
                }
                buffer.extend_from_slice(chunk);
                if let Some(format) = detect_format(buffer, false) {
                    let buffer = std::mem::take(buffer);
                    self.start(format, buffer);
                }
            }
            State::Delimited {
                utf16,
                check,
                reader,
                transcoded,
            } => feed_text(utf16, check, reader, transcoded, chunk, false),
            State::Whole(format, buffer) => {
                if (buffer.len() + chunk.len()) as u64 > whole_file_limit(*format) {
                    self.state = State::TooLarge(*format);
                } else {
                    buffer.extend_from_slice(chunk);
                }
            }
            State::TooLarge(_) | State::Refused(..) => {}
        }
        self.pump(RUNS_AHEAD);
        self.check_memory(0);
    }

    /// With threads of its own ([`with_parse_threads`](IngestStream::with_parse_threads)):
    /// hands the run the last push made out to them, then absorbs the oldest runs'
    /// answers, in order, until at most `ahead` are being read.
    #[cfg(not(target_arch = "wasm32"))]
    fn pump(&mut self, ahead: usize) {
        let threads = self.parse_threads;
        let State::Delimited { reader, .. } = &mut self.state else {
            return;
        };
        if threads == 0 {
            return;
        }
        if let Some(work) = reader.work() {
            self.pool
                .get_or_insert_with(|| pool::ParseThreads::new(threads))
                .hand_out(&work);
        }
        let Some(pool) = &mut self.pool else {
            return;
        };
        while pool.waiting() > ahead {
            let (run, answers) = pool.next().expect("a run is waiting");
            let answers: Vec<&[u8]> = answers.iter().map(Vec::as_slice).collect();
            reader.absorb_work(run, &answers);
        }
    }

    #[cfg(target_arch = "wasm32")]
    fn pump(&mut self, _ahead: usize) {}

    fn start(&mut self, format: Format, buffer: Vec<u8>) {
        match format {
            Format::Delimited => self.start_delimited(&buffer),
            other => self.state = whole(other, &buffer),
        }
    }

    /// Starts the delimited parser on the file's first bytes.
    fn start_delimited(&mut self, first: &[u8]) {
        let bom = Bom::detect(first, true).unwrap_or(Bom::None);
        let mut utf16 = bom.utf16_decoder();
        let mut check = Utf8Check::default();
        let reader = DelimitedReader::new();
        let mut reader = Box::new(if self.outsource {
            reader.with_outsourcing(self.threads, self.parallel_min)
        } else {
            reader.with_threads(self.threads, self.parallel_min)
        });
        let mut transcoded = Vec::new();
        feed_text(
            &mut utf16,
            &mut check,
            &mut reader,
            &mut transcoded,
            &first[bom.byte_len()..],
            false,
        );
        self.state = State::Delimited {
            utf16,
            check,
            reader,
            transcoded,
        };
    }

    /// Ends the file and returns what it holds.
    pub fn finish(mut self) -> Ingested {
        self.pump(0);
        if let State::Detecting(buffer) = &mut self.state {
            let buffer = std::mem::take(buffer);
            match detect_format(&buffer, true) {
                Some(format) => self.start(format, buffer),
                None => unreachable!("detection at the end always decides"),
            }
        }
        if let State::Whole(format, bytes) = &self.state {
            let needed = whole_parse_estimate(*format, bytes.len() as u64);
            self.check_memory(needed);
        }
        let fingerprint = Fingerprint {
            hash: self.hasher.digest128(),
            len: self.bytes,
        };
        let budget = self.budget;
        let tenant = self.tenant.take();
        let mut row_progress = self.row_progress.take();
        let (format, result) = match self.state {
            State::Detecting(_) => unreachable!("decided above"),
            State::Delimited {
                mut utf16,
                mut check,
                mut reader,
                mut transcoded,
            } => {
                feed_text(
                    &mut utf16,
                    &mut check,
                    &mut reader,
                    &mut transcoded,
                    &[],
                    true,
                );
                let result = if self.bytes == 0 {
                    Err(LoadError::Empty)
                } else {
                    check
                        .finish()
                        .and_then(|encoding| reader.finish(encoding).map(|t| vec![t]))
                };
                (Format::Delimited, result)
            }
            State::Whole(Format::Xlsx, bytes) => (Format::Xlsx, xlsx::read_xlsx(&bytes)),
            State::Whole(Format::Parquet, bytes) => (
                Format::Parquet,
                read_parquet(bytes, budget, &mut row_progress),
            ),
            State::Whole(format, bytes) => (format, json::read_json(&bytes)),
            State::TooLarge(format) => (format, Err(too_large(format, self.bytes))),
            State::Refused(format, error) => {
                return Ingested {
                    file: self.file,
                    stream: self.id,
                    fingerprint,
                    format,
                    result: Err(error),
                }
            }
        };
        let result = result.and_then(|mut staged| {
            for table in &mut staged {
                Self::settle_tenant(tenant.as_deref(), table)?;
            }
            Ok(staged)
        });
        // What the parse left (the staged tables) must fit too; past the budget it is
        // dropped here, before anything is committed.
        let result = match result {
            Ok(staged) => match memory::check(budget, 0) {
                Ok(()) => Ok(staged),
                Err(error) => {
                    drop(staged);
                    Err(error.into())
                }
            },
            Err(error) => Err(error),
        };
        Ingested {
            file: self.file,
            stream: self.id,
            fingerprint,
            format: Some(format),
            result,
        }
    }
}

/// Decodes a whole Parquet file (see `parquet`), checking the memory
/// budget after each row group.
#[cfg(feature = "parquet")]
fn read_parquet(
    bytes: Vec<u8>,
    budget: Option<u64>,
    progress: &mut Option<RowProgress>,
) -> Result<Vec<StagedTable>, LoadError> {
    parquet::read_parquet(bytes, &mut |p| {
        if let Some(progress) = progress {
            progress(p.rows_done, p.rows);
        }
        Ok(memory::check(budget, 0)?)
    })
    .map(|staged| vec![staged])
}

/// Without the `parquet` feature (the page's engine), Parquet is decoded by the page's
/// Parquet module and handed over as [`columnar::CellBatch`]es instead.
#[cfg(not(feature = "parquet"))]
fn read_parquet(
    _bytes: Vec<u8>,
    _budget: Option<u64>,
    _progress: &mut Option<RowProgress>,
) -> Result<Vec<StagedTable>, LoadError> {
    Err(LoadError::Parquet(
        "this build of the engine has no Parquet decoder (the `parquet` feature); the page \
         decodes Parquet in its Parquet module, and the bi-platform command reads it"
            .to_string(),
    ))
}

/// Passes text bytes on to the delimited parser, transcoding UTF-16 first.
fn feed_text(
    utf16: &mut Option<encoding_rs::Decoder>,
    check: &mut Utf8Check,
    reader: &mut DelimitedReader,
    transcoded: &mut Vec<u8>,
    chunk: &[u8],
    last: bool,
) {
    match utf16 {
        None => {
            check.update(chunk);
            if !chunk.is_empty() {
                reader.push(chunk);
            }
        }
        Some(decoder) => {
            let mut input = chunk;
            loop {
                transcoded.resize(8192.max(input.len() * 3 / 2 + 16), 0);
                let (result, read, written, _) = decoder.decode_to_utf8(input, transcoded, last);
                if written > 0 {
                    reader.push(&transcoded[..written]);
                }
                input = &input[read..];
                if result == encoding_rs::CoderResult::InputEmpty {
                    break;
                }
            }
        }
    }
}

/// Decides the format from the first bytes; `None` while it cannot tell yet.
fn detect_format(bytes: &[u8], at_end: bool) -> Option<Format> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Some(Format::Xlsx);
    }
    if bytes.starts_with(b"PAR1") {
        return Some(Format::Parquet);
    }
    if !at_end
        && bytes.len() < 4
        && (b"PK\x03\x04".starts_with(bytes) || b"PAR1".starts_with(bytes))
    {
        return None;
    }
    let bom = Bom::detect(bytes, at_end)?;
    let body = &bytes[bom.byte_len()..];
    let first = match bom {
        Bom::Utf16Le => body
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .find(|&u| !matches!(u, 0x20 | 0x09 | 0x0A | 0x0D)),
        Bom::Utf16Be => body
            .chunks_exact(2)
            .map(|p| u16::from_be_bytes([p[0], p[1]]))
            .find(|&u| !matches!(u, 0x20 | 0x09 | 0x0A | 0x0D)),
        _ => body
            .iter()
            .map(|&b| u16::from(b))
            .find(|&u| !matches!(u, 0x20 | 0x09 | 0x0A | 0x0D)),
    };
    match first {
        Some(u) if u == u16::from(b'[') || u == u16::from(b'{') => Some(Format::Json),
        Some(_) => Some(Format::Delimited),
        None if at_end || bytes.len() >= DETECT_LIMIT => Some(Format::Delimited),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_formats_by_content() {
        assert_eq!(detect_format(b"PK\x03\x04rest", false), Some(Format::Xlsx));
        assert_eq!(detect_format(b"PK", false), None);
        assert_eq!(detect_format(b"PAR1\x15\x04", false), Some(Format::Parquet));
        assert_eq!(detect_format(b"PA", false), None);
        assert_eq!(detect_format(b"  [{", false), Some(Format::Json));
        assert_eq!(
            detect_format(b"\xEF\xBB\xBF{\"a\"", false),
            Some(Format::Json)
        );
        assert_eq!(detect_format(b"tenant_id,", false), Some(Format::Delimited));
        assert_eq!(detect_format(b"   ", false), None);
        assert_eq!(detect_format(b"   ", true), Some(Format::Delimited));
        assert_eq!(
            detect_format(b"\xFF\xFE \x00[\x00", false),
            Some(Format::Json)
        );
    }
}
