//! Reading delimited text on several threads (`IngestStream::with_threads`, the CLI's
//! `--threads`) gives exactly what one thread gives: the same warehouse, row for row
//! and key for key, and the same load reports (counts, warnings, rejected rows with
//! their lines and reasons, errors). Property-tested over random files (delimiters,
//! line endings, title lines, extra columns, rejected and replaced rows, slash dates
//! that switch their column's rule late in the file, blank lines, quoted fields that
//! force one thread, rows with too many fields), random thread counts and random
//! chunkings, with the split threshold lowered so that small files are split too.

use crate::common::{all, all_json, star_contents};
use bi_platform::ingest::IngestStream;
use bi_platform::{LoadReport, Warehouse};
use proptest::prelude::*;

/// One generated line of the file body.
#[derive(Debug, Clone)]
enum Line {
    Row {
        tenant: u8,
        campaign: u8,
        /// (month, day) and whether it is written as a slash date `A/B/YYYY`.
        date: (u8, u8, bool),
        impressions: u32,
        clicks: u32,
        spend_cents: u32,
        /// 0: fine; 1: unparseable impressions; 2: negative spend; 3: clicks > impressions;
        /// 4: missing tenant; 5: a quoted name holding the delimiter and a line feed;
        /// 6: one field too many.
        defect: u8,
        extra: Option<u8>,
    },
    Blank,
    EmptyFields,
}

fn line() -> impl Strategy<Value = Line> {
    prop_oneof![
        20 => (
            (0..4u8, 0..40u8, (1..=12u8, 1..=28u8, prop::bool::weighted(0.2))),
            (0..10_000u32, 0..200u32, 0..1_000_000u32),
            prop_oneof![12 => Just(0u8), 1 => 1..=6u8],
            prop::option::of(0..3u8),
        )
            .prop_map(
                |((tenant, campaign, date), (impressions, clicks, spend_cents), defect, extra)| {
                    Line::Row {
                        tenant,
                        campaign,
                        date,
                        impressions,
                        clicks,
                        spend_cents,
                        defect,
                        extra,
                    }
                }
            ),
        1 => Just(Line::Blank),
        1 => Just(Line::EmptyFields),
    ]
}

#[derive(Debug, Clone)]
struct File {
    delimiter: u8,
    crlf: bool,
    title: bool,
    extra_column: bool,
    /// A day-first slash date (A > 12) somewhere, switching the column's rule.
    day_first_at: Option<prop::sample::Index>,
    lines: Vec<Line>,
}

fn file() -> impl Strategy<Value = File> {
    (
        prop::sample::select(vec![b',', b';', b'\t', b'|']),
        any::<bool>(),
        prop::bool::weighted(0.2),
        any::<bool>(),
        prop::option::weighted(0.3, any::<prop::sample::Index>()),
        prop::collection::vec(line(), 0..300),
    )
        .prop_map(
            |(delimiter, crlf, title, extra_column, day_first_at, lines)| File {
                delimiter,
                crlf,
                title,
                extra_column,
                day_first_at,
                lines,
            },
        )
}

impl File {
    fn bytes(&self) -> Vec<u8> {
        let d = self.delimiter as char;
        let eol = if self.crlf { "\r\n" } else { "\n" };
        let decimal = if d == ';' { "," } else { "." };
        let mut out = String::new();
        if self.title {
            out.push_str(&format!("Campaign export{eol}"));
        }
        let mut header = vec![
            "tenant_id",
            "campaign_id",
            "campaign_name",
            "date",
            "impressions",
            "clicks",
            "conversions",
            "spend",
            "revenue",
            "region",
        ];
        if self.extra_column {
            header.push("utm_source");
        }
        out.push_str(&header.join(&d.to_string()));
        out.push_str(eol);
        let day_first_row = self.day_first_at.map(|i| i.index(self.lines.len().max(1)));
        for (i, line) in self.lines.iter().enumerate() {
            match line {
                Line::Blank => {}
                Line::EmptyFields => out.push_str(&d.to_string().repeat(3)),
                Line::Row {
                    tenant,
                    campaign,
                    date: (month, day, slash),
                    impressions,
                    clicks,
                    spend_cents,
                    defect,
                    extra,
                } => {
                    let tenant = if *defect == 4 {
                        String::new()
                    } else {
                        format!("t{tenant}")
                    };
                    let date = if day_first_row == Some(i) {
                        format!("{}/{month}/2024", 13 + day % 15)
                    } else if *slash {
                        format!("{month}/{day}/2024")
                    } else {
                        format!("2024-{month:02}-{day:02}")
                    };
                    let impressions_text = if *defect == 1 {
                        "lots".to_string()
                    } else {
                        impressions.to_string()
                    };
                    let clicks = if *defect == 3 {
                        impressions + 1
                    } else {
                        (*clicks).min(*impressions)
                    };
                    let spend = format!(
                        "{}{}{decimal}{:02}",
                        if *defect == 2 { "-" } else { "" },
                        spend_cents / 100,
                        spend_cents % 100
                    );
                    let name = if *defect == 5 {
                        format!("\"Launch {d} wave{eol}two - Search\"")
                    } else {
                        format!("C{campaign} - Email")
                    };
                    let mut fields = vec![
                        tenant,
                        format!("c{campaign}"),
                        name,
                        date,
                        impressions_text,
                        clicks.to_string(),
                        (clicks / 2).to_string(),
                        spend,
                        format!("{}{decimal}50", spend_cents / 70),
                        ["North", "South", ""][(*campaign % 3) as usize].to_string(),
                    ];
                    if self.extra_column {
                        fields.push(extra.map_or(String::new(), |e| format!("src{e}")));
                    }
                    if *defect == 6 {
                        fields.push("surplus".into());
                    }
                    out.push_str(&fields.join(&d.to_string()));
                }
            }
            out.push_str(eol);
        }
        out.into_bytes()
    }
}

/// Loads `bytes` pushed in chunks cut at `cuts`, with `threads` threads splitting runs
/// of lines from `min_run` bytes on.
fn load(
    bytes: &[u8],
    cuts: &[usize],
    threads: usize,
    min_run: usize,
) -> (Warehouse, Vec<LoadReport>) {
    let mut warehouse = Warehouse::new();
    let mut stream = IngestStream::new("campaigns.csv").with_parallel_reading(threads, min_run);
    let mut start = 0;
    for &cut in cuts {
        let cut = cut.clamp(start, bytes.len());
        stream.push(&bytes[start..cut]);
        start = cut;
    }
    stream.push(&bytes[start..]);
    let reports = warehouse.commit(stream.finish());
    (warehouse, reports)
}

fn assert_same(
    file: &[u8],
    one: &(Warehouse, Vec<LoadReport>),
    many: &(Warehouse, Vec<LoadReport>),
) {
    let text = String::from_utf8_lossy(file);
    assert_eq!(one.1, many.1, "load reports differ for:\n{text}");
    assert_eq!(
        star_contents(&one.0),
        star_contents(&many.0),
        "warehouses differ for:\n{text}"
    );
    assert_eq!(all_json(&one.0, &all()), all_json(&many.0, &all()));
}

/// Loads `bytes` pushed in chunks cut at `cuts` through a warehouse (parts committed as
/// they are read), with `threads` threads in all: the stream's own parsing threads
/// reading runs from `min_run` bytes on while this thread commits (the CLI's pipeline).
fn load_pipelined(
    bytes: &[u8],
    cuts: &[usize],
    threads: usize,
    min_run: usize,
) -> (Warehouse, Vec<LoadReport>, u64) {
    let mut warehouse = Warehouse::new();
    let mut stream = IngestStream::new("campaigns.csv")
        .with_parse_threads(threads, min_run)
        .with_part_rows(7);
    let mut start = 0;
    for &cut in cuts.iter().chain([&bytes.len()]) {
        let cut = cut.clamp(start, bytes.len());
        warehouse.push(&mut stream, &bytes[start..cut]);
        start = cut;
    }
    let elsewhere = stream.bytes_read_elsewhere();
    let reports = warehouse.commit(stream.finish());
    (warehouse, reports, elsewhere)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The native pipeline: whatever the thread count and chunking, the load is the
    /// one-thread load, row for row and report for report.
    #[test]
    fn parse_threads_load_what_one_thread_loads(
        file in file(),
        threads in 2..5usize,
        min_run in 1..400usize,
        mut cuts in prop::collection::vec(0..40_000usize, 0..8),
    ) {
        let bytes = file.bytes();
        cuts.sort_unstable();
        let one = load(&bytes, &[], 1, usize::MAX);
        let (warehouse, reports, _) = load_pipelined(&bytes, &cuts, threads, min_run);
        assert_same(&bytes, &one, &(warehouse, reports));
    }

    #[test]
    fn any_thread_count_and_chunking_loads_what_one_thread_loads(
        file in file(),
        threads in 2..7usize,
        min_run in 1..400usize,
        mut cuts in prop::collection::vec(0..40_000usize, 0..6),
    ) {
        let bytes = file.bytes();
        cuts.sort_unstable();
        let one = load(&bytes, &[], 1, usize::MAX);
        let many = load(&bytes, &cuts, threads, min_run);
        assert_same(&bytes, &one, &many);
    }
}

#[test]
fn a_day_first_date_in_a_later_piece_switches_the_rule_for_the_earlier_pieces() {
    let mut csv =
        String::from("tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n");
    for i in 0..200 {
        csv.push_str(&format!("t,c{i},3/4/2024,100,10,1,1.00,2.00\n"));
    }
    csv.push_str("t,late,25/4/2024,100,10,1,1.00,2.00\n");
    csv.push_str("t,bad,4/31/2024,100,10,1,1.00,2.00\n");
    let one = load(csv.as_bytes(), &[], 1, usize::MAX);
    let many = load(csv.as_bytes(), &[], 4, 64);
    assert_same(csv.as_bytes(), &one, &many);
    // 3/4 read day first is 3 April; 4/31 is refused as day/month (month 31).
    assert_eq!(many.1[0].rows_rejected, 1);
    assert_eq!(many.1[0].rejected[0].line, 203);
    assert!(crate::common::fact(&many.0, "c0").date == "2024-04-03");
}

#[test]
fn an_error_in_a_later_piece_names_the_line_one_thread_names() {
    let mut csv =
        String::from("tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n");
    for i in 0..500 {
        csv.push_str(&format!("t,c{i},2024-04-03,100,10,1,1.00,2.00\n"));
    }
    // More fields than the reader accepts in one record: the file is refused.
    csv.push_str(&",".repeat(bi_platform::ingest::delimited::MAX_RECORD_FIELDS + 1));
    csv.push('\n');
    for i in 0..500 {
        csv.push_str(&format!("t,d{i},2024-04-03,100,10,1,1.00,2.00\n"));
    }
    let one = load(csv.as_bytes(), &[], 1, usize::MAX);
    let many = load(csv.as_bytes(), &[], 3, 64);
    assert!(
        one.1[0].error.as_deref().unwrap().contains("line 502"),
        "{:?}",
        one.1
    );
    assert_same(csv.as_bytes(), &one, &many);
}

#[test]
fn the_generator_file_loads_the_same_on_every_thread_count() {
    let csv = generator_csv(7, 3_000);
    let one = load(&csv, &[], 1, usize::MAX);
    for threads in [2, 3, 8] {
        let many = load(&csv, &[csv.len() / 3, csv.len() / 2], threads, 4096);
        assert_eq!(one.1, many.1);
        assert_eq!(star_contents(&one.0), star_contents(&many.0));
    }
}

/// How a simulated page answers the runs its engine hands out to parsing workers.
#[derive(Debug, Clone, Copy)]
enum Workers {
    /// Every piece read by `parse_piece`, answers given back in order.
    Answer,
    /// Nobody answers: the engine reads the run when the next bytes come.
    Silent,
    /// One answer is damaged (cut short): the engine reads the run itself.
    Damaged,
    /// The answers come back in the wrong order: refused and read here, never absorbed
    /// out of order.
    Swapped,
}

/// Loads `bytes` as the page does with `workers` parsing workers: after each push, the
/// run handed out is read piece by piece with `parse_piece` (as another worker with its
/// own memory would) and the answers absorbed, or not, as `behaviour` says, `lag`
/// pushes later (the page's pipeline: the workers read the next run while the engine
/// commits the last); what still waits is absorbed before the file ends, as the page
/// does.
fn load_outsourced(
    bytes: &[u8],
    cuts: &[usize],
    workers: usize,
    min_run: usize,
    behaviour: Workers,
    lag: usize,
) -> (Warehouse, Vec<LoadReport>, u64) {
    use bi_platform::ingest::delimited::parse_piece;
    let mut warehouse = Warehouse::new();
    let mut stream = IngestStream::new("campaigns.csv").with_outsourcing(workers, min_run);
    let mut start = 0;
    let mut pushes: Vec<usize> = cuts.to_vec();
    pushes.push(bytes.len());
    let mut waiting: std::collections::VecDeque<(u64, Vec<Vec<u8>>)> = Default::default();
    let absorb = |stream: &mut IngestStream, (run, answers): (u64, Vec<Vec<u8>>)| {
        let answers: Vec<&[u8]> = answers.iter().map(Vec::as_slice).collect();
        stream.absorb_work(run, &answers);
    };
    for cut in pushes {
        let cut = cut.clamp(start, bytes.len());
        warehouse.push(&mut stream, &bytes[start..cut]);
        start = cut;
        if let Some(work) = stream.work() {
            let mut answers: Vec<Vec<u8>> = work
                .pieces
                .iter()
                .enumerate()
                .map(|(index, piece)| parse_piece(&work.spec, index, piece))
                .collect();
            match behaviour {
                Workers::Answer => {}
                Workers::Silent => continue,
                Workers::Damaged => {
                    let last = answers.last_mut().expect("a piece");
                    last.truncate(last.len() / 2);
                }
                Workers::Swapped => answers.reverse(),
            }
            waiting.push_back((work.run, answers));
        }
        while waiting.len() > lag {
            absorb(&mut stream, waiting.pop_front().expect("waiting"));
        }
    }
    for answers in waiting {
        absorb(&mut stream, answers);
    }
    let elsewhere = stream.bytes_read_elsewhere();
    let reports = warehouse.commit(stream.finish());
    (warehouse, reports, elsewhere)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The page's parsing workers: whatever they answer (or fail to), the load is the
    /// one-thread load, row for row and report for report.
    #[test]
    fn any_worker_count_and_answer_loads_what_one_thread_loads(
        file in file(),
        workers in 1..7usize,
        min_run in 1..400usize,
        mut cuts in prop::collection::vec(0..40_000usize, 0..6),
        lag in 0..7usize,
        behaviour in prop::sample::select(vec![
            Workers::Answer, Workers::Answer, Workers::Silent, Workers::Damaged, Workers::Swapped,
        ]),
    ) {
        let bytes = file.bytes();
        cuts.sort_unstable();
        let one = load(&bytes, &[], 1, usize::MAX);
        let (warehouse, reports, _) = load_outsourced(&bytes, &cuts, workers, min_run, behaviour, lag);
        assert_same(&bytes, &one, &(warehouse, reports));
    }
}

#[test]
fn the_generator_file_is_read_by_the_workers_when_they_answer() {
    let csv = generator_csv(7, 3_000);
    let one = load(&csv, &[], 1, usize::MAX);
    let cuts: Vec<usize> = (1..8).map(|i| csv.len() * i / 8).collect();
    // One worker reading every run while the engine commits (the page on two cores),
    // or several; answers given at once, or one and two pushes later (the pipeline).
    for (workers, lag) in [(1, 1), (2, 0), (2, 2), (4, 1)] {
        let (warehouse, reports, elsewhere) =
            load_outsourced(&csv, &cuts, workers, 4096, Workers::Answer, lag);
        assert_eq!(one.1, reports);
        assert_eq!(star_contents(&one.0), star_contents(&warehouse));
        // Nearly every byte but the header's went out: with runs waiting, a chunk's
        // cut line goes out with the next run.
        assert!(
            elsewhere as f64 > csv.len() as f64 * 0.95,
            "{elsewhere} of {}",
            csv.len()
        );
        let (silent, silent_reports, none) =
            load_outsourced(&csv, &cuts, workers, 4096, Workers::Silent, lag);
        assert_eq!(none, 0);
        assert_eq!(one.1, silent_reports);
        assert_eq!(star_contents(&one.0), star_contents(&silent));
    }
}

#[test]
fn a_quoted_field_keeps_a_run_on_the_engine_worker() {
    let mut csv = String::from(
        "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue\n",
    );
    for i in 0..400 {
        csv.push_str(&format!(
            "t,c{i},\"Spring\nsale - Email\",2024-04-03,100,10,1,1.00,2.00\n"
        ));
    }
    let (warehouse, reports, elsewhere) =
        load_outsourced(csv.as_bytes(), &[], 4, 64, Workers::Answer, 1);
    assert_eq!(elsewhere, 0, "a run with a quote may hide a line feed");
    let one = load(csv.as_bytes(), &[], 1, usize::MAX);
    assert_same(csv.as_bytes(), &one, &(warehouse, reports));
}

/// Runs nobody answers pile up only to `MAX_RUNS_HANDED_OUT`: the push that would hand
/// out one more reads those waiting here first, and their late answers are ignored
/// (`absorb_work` says `false`), while the runs still waiting take theirs. The load
/// is one thread's either way.
#[test]
fn runs_left_unanswered_are_read_here_and_their_late_answers_ignored() {
    use bi_platform::ingest::delimited::{parse_piece, MAX_RUNS_HANDED_OUT};
    let csv = generator_csv(3, 2_000);
    let one = load(&csv, &[], 1, usize::MAX);
    let mut warehouse = Warehouse::new();
    let mut stream = IngestStream::new("campaigns.csv").with_outsourcing(1, 1024);
    let mut handed = Vec::new();
    for chunk in csv.chunks(csv.len() / 10 + 1) {
        warehouse.push(&mut stream, chunk);
        if let Some(work) = stream.work() {
            let answers: Vec<Vec<u8>> = work
                .pieces
                .iter()
                .enumerate()
                .map(|(index, piece)| parse_piece(&work.spec, index, piece))
                .collect();
            handed.push((work.run, answers));
        }
    }
    assert!(handed.len() > MAX_RUNS_HANDED_OUT, "{} runs", handed.len());
    let used: Vec<bool> = handed
        .iter()
        .map(|(run, answers)| {
            let answers: Vec<&[u8]> = answers.iter().map(Vec::as_slice).collect();
            stream.absorb_work(*run, &answers)
        })
        .collect();
    // The last runs handed out after the queue last filled still wait for answers.
    let waiting = (handed.len() - 1) % MAX_RUNS_HANDED_OUT + 1;
    let mut expected = vec![false; handed.len() - waiting];
    expected.extend(vec![true; waiting]);
    assert_eq!(used, expected);
    let reports = warehouse.commit(stream.finish());
    assert_same(&csv, &one, &(warehouse, reports));
}

/// The generator's file through the CLI's pipeline: every run is read by the stream's
/// threads, and the load is one thread's.
#[test]
fn the_generator_file_is_read_by_the_parse_threads() {
    let csv = generator_csv(7, 3_000);
    let one = load(&csv, &[], 1, usize::MAX);
    let cuts: Vec<usize> = (1..24).map(|i| csv.len() * i / 24).collect();
    for threads in [2, 3] {
        let (warehouse, reports, elsewhere) = load_pipelined(&csv, &cuts, threads, 4096);
        // Counted before `finish`, which absorbs the last RUNS_AHEAD runs: every other
        // run went out, the first chunk's included.
        let out = (24 - bi_platform::ingest::RUNS_AHEAD) as f64 / 24.0;
        assert!(
            elsewhere as f64 > csv.len() as f64 * (out - 0.01),
            "{elsewhere} of {}",
            csv.len()
        );
        assert_same(&csv, &one, &(warehouse, reports));
    }
}

/// A stream dropped while its threads read (a cancelled file) stops them and leaves
/// the warehouse as it was.
#[test]
fn a_stream_dropped_mid_file_stops_its_parse_threads() {
    let csv = generator_csv(3, 4_000);
    let mut warehouse = Warehouse::new();
    let before = star_contents(&warehouse);
    let mut stream = IngestStream::new("campaigns.csv")
        .with_parse_threads(3, 4096)
        .with_part_rows(100);
    for chunk in csv[..csv.len() / 2].chunks(csv.len() / 20) {
        warehouse.push(&mut stream, chunk);
    }
    warehouse.cancel(stream.id());
    drop(stream);
    assert_eq!(star_contents(&warehouse), before);
}

/// The generator's campaigns CSV for `tenants` tenants of `per_tenant` campaigns.
fn generator_csv(tenants: u32, per_tenant: u32) -> Vec<u8> {
    let spec = bi_platform::generate::SampleSpec {
        tenants,
        campaigns_per_tenant: per_tenant,
        ..Default::default()
    };
    let mut csv = Vec::new();
    bi_platform::generate::write_campaigns_csv(&spec, &mut csv).unwrap();
    csv
}
