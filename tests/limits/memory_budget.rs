//! The memory budget (docs/formats.md, `bi_platform::memory`): a file that would take the
//! heap past the budget is refused with an error naming the limit, nothing of it is
//! committed, and the warehouse keeps everything loaded before and stays usable.
//!
//! The heap counter is process-wide, so the tests take the binary's lock
//! ([`crate::serial`]) and set budgets relative to what is live when they start.

use bi_platform::generate::{sample_files, SampleSpec};
use bi_platform::ingest::IngestStream;
use bi_platform::warehouse::commit_estimate;
use bi_platform::{memory, LoadReport, Query, Warehouse};

const MIB: u64 = 1 << 20;

const SEED: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/seed-data/marketing_campaigns.csv"
));

const HEADER: &str = "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product\n";

/// A campaigns CSV of `rows` rows of one tenant, each its own campaign (~80 bytes a row).
fn big_csv(tenant: &str, rows: usize) -> Vec<u8> {
    let mut csv = String::from(HEADER);
    for i in 0..rows {
        csv.push_str(&format!(
            "{tenant},camp_{i},Big {i} - Search,2024-11-{:02},1000,10,1,5.00,9.00,North,Product A\n",
            1 + i % 28
        ));
    }
    csv.into_bytes()
}

/// Every dashboard of every tenant as JSON text, to compare a warehouse before and after.
fn everything(w: &Warehouse) -> String {
    let results = w.dashboards(&Query::default()).expect("dashboards run");
    serde_json::to_string(
        &results
            .iter()
            .map(|(d, r)| (d.name(), r))
            .collect::<Vec<_>>(),
    )
    .unwrap()
}

/// Streams `bytes` into `w` in 1 MiB chunks, as the CLI and the page do, stopping once
/// the stream refuses the file; returns the reports and whether it stopped early.
fn stream_load(w: &mut Warehouse, name: &str, bytes: &[u8]) -> (Vec<LoadReport>, bool) {
    let mut stream = w.stream(name);
    let mut stopped_early = false;
    for (i, chunk) in bytes.chunks(MIB as usize).enumerate() {
        stream.push(chunk);
        if stream.refused().is_some() {
            stopped_early = (i + 1) * (MIB as usize) < bytes.len();
            break;
        }
    }
    (w.commit(stream.finish()), stopped_early)
}

fn assert_out_of_memory(report: &LoadReport, file: &str, budget: u64) {
    assert_eq!(report.file, file);
    assert_eq!(report.table, None);
    assert_eq!(
        (
            report.rows_read,
            report.rows_loaded,
            report.rows_rejected,
            report.rows_replaced
        ),
        (0, 0, 0, 0)
    );
    let error = report.error.as_deref().expect("refused with an error");
    let budget = format!("memory budget of {:.1} MiB", budget as f64 / MIB as f64);
    for needle in [
        "out of memory",
        &budget,
        "nothing of it was added",
        "Split the file",
        "command line",
    ] {
        assert!(error.contains(needle), "{needle:?} not in {error}");
    }
}

#[test]
fn a_file_over_the_budget_is_refused_while_it_streams_and_earlier_data_stays() {
    let _serial = crate::serial();
    let big = big_csv("tenant_big", 150_000);
    let mut w = Warehouse::new();
    assert_eq!(w.memory_budget(), None, "no budget natively unless set");
    let seed = w.load("marketing_campaigns.csv", SEED);
    assert_eq!(seed[0].rows_loaded, 300);
    let before = everything(&w);

    // The big file stages ~15 MB: 4 MiB above what is live cannot hold it.
    let budget = memory::live_bytes() + 4 * MIB;
    w.set_memory_budget(Some(budget));
    let (reports, stopped_early) = stream_load(&mut w, "big.csv", &big);
    assert_eq!(reports.len(), 1);
    assert_out_of_memory(&reports[0], "big.csv", budget);
    assert!(stopped_early, "the stream went on to the end of the file");
    eprintln!(
        "memory_budget: {:.1} MiB file, budget {:.1} MiB: {}",
        big.len() as f64 / MIB as f64,
        budget as f64 / MIB as f64,
        reports[0].error.as_deref().unwrap()
    );
    // What it staged was given back.
    assert!(
        memory::live_bytes() < budget,
        "the refused file still holds memory"
    );

    // Nothing of it was added; dashboards and tenants are as they were.
    assert_eq!(everything(&w), before);
    assert_eq!(w.tenants(), vec!["tenant_001", "tenant_002", "tenant_003"]);
    assert_eq!(w.star().campaigns.len(), 300);

    // A small file still loads under the same budget.
    let small = format!(
        "{HEADER}tenant_new,n1,New 1 - Search,2024-11-02,100,10,1,5.00,7.00,North,Product A\n"
    );
    let more = w.load("small.csv", small.as_bytes());
    assert_eq!((more[0].rows_loaded, more[0].error.as_deref()), (1, None));
    assert_eq!(w.star().campaigns.len(), 301);

    // The refused file was not remembered as loaded: without the budget it loads whole.
    w.set_memory_budget(None);
    let (reports, _) = stream_load(&mut w, "big.csv", &big);
    assert_eq!(
        (reports[0].rows_loaded, reports[0].unchanged_from.as_deref()),
        (150_000, None)
    );
    assert_eq!(w.star().campaigns.len(), 150_301);
}

#[test]
fn commit_refuses_a_file_whose_rows_would_not_fit_and_adds_nothing() {
    let _serial = crate::serial();
    let big = big_csv("tenant_big", 100_000);
    let mut w = Warehouse::new();
    w.load("marketing_campaigns.csv", SEED);
    let before = everything(&w);

    // Read with no budget, so that only the commit's check stands in the way.
    let mut stream = IngestStream::new("big.csv").with_budget(None);
    stream.push(&big);
    let ingested = stream.finish();
    let staged = ingested.result.as_ref().expect("the file reads");
    let estimate: u64 = staged.iter().map(|t| commit_estimate(w.star(), t)).sum();
    assert!(estimate > 5 * MIB, "estimate {estimate}");
    let budget = memory::live_bytes() + estimate / 2;
    w.set_memory_budget(Some(budget));
    let reports = w.commit(ingested);
    assert_out_of_memory(&reports[0], "big.csv", budget);
    assert!(
        reports[0].error.as_deref().unwrap().contains("needs about"),
        "{:?}",
        reports[0].error
    );
    assert_eq!(everything(&w), before);

    // With room for the estimate, the same file commits.
    w.set_memory_budget(Some(memory::live_bytes() + 2 * estimate + 64 * MIB));
    let reports = w.load("big.csv", &big);
    assert_eq!(
        (reports[0].rows_loaded, reports[0].error.as_deref()),
        (100_000, None)
    );
}

#[test]
fn a_whole_json_file_is_refused_before_it_is_parsed_when_the_parse_would_not_fit() {
    let _serial = crate::serial();
    let spec = SampleSpec {
        tenants: 4,
        campaigns_per_tenant: 10,
        customers_per_tenant: 10_000,
        seed: 3,
    };
    let json = sample_files(&spec).unwrap().customers_json;
    let mut w = Warehouse::new();
    w.load("marketing_campaigns.csv", SEED);
    let before = everything(&w);
    // Room for the file's bytes, not for parsing them.
    let budget = memory::live_bytes() + json.len() as u64 + 4 * MIB;
    w.set_memory_budget(Some(budget));
    let start = memory::reset_peak();
    let (reports, _) = stream_load(&mut w, "customers.json", &json);
    assert_out_of_memory(&reports[0], "customers.json", budget);
    // Refused before the parse: the peak stayed near the file's bytes.
    assert!(memory::peak_bytes() - start < json.len() as u64 + 8 * MIB);
    assert_eq!(everything(&w), before);
    w.set_memory_budget(None);
    assert_eq!(w.load("customers.json", &json)[0].rows_loaded, 40_000);
}

/// The commit estimate is an upper bound of what a commit allocates, into an empty
/// warehouse and into one already holding rows (where columns double), for each table.
#[test]
fn the_commit_estimate_covers_what_a_commit_allocates() {
    let _serial = crate::serial();
    let spec = SampleSpec {
        tenants: 6,
        campaigns_per_tenant: 10_000,
        customers_per_tenant: 5_000,
        seed: 5,
    };
    let files = sample_files(&spec).unwrap();
    let extra = String::from_utf8(big_csv("tenant_more", 60_000))
        .unwrap()
        .replace("product\n", "product,utm_source\n")
        .replace("Product A\n", "Product A,newsletter\n");
    let mut w = Warehouse::new();
    for (name, bytes) in [
        ("campaigns.csv", &files.campaigns_csv[..]),
        ("targets.xlsx", &files.targets_xlsx[..]),
        ("customers.json", &files.customers_json[..]),
        ("more.csv", extra.as_bytes()),
        ("seed.csv", SEED),
    ] {
        let mut stream = w.stream(name);
        stream.push(bytes);
        let ingested = stream.finish();
        let estimate: u64 = ingested
            .result
            .as_ref()
            .expect("reads")
            .iter()
            .map(|t| commit_estimate(w.star(), t))
            .sum();
        let base = memory::reset_peak();
        let reports = w.commit(ingested);
        let peak = memory::peak_bytes() - base;
        eprintln!(
            "memory_budget: commit of {name}: {} rows, peak {:.1} MiB, estimate {:.1} MiB",
            reports.iter().map(|r| r.rows_loaded).sum::<u64>(),
            peak as f64 / MIB as f64,
            estimate as f64 / MIB as f64
        );
        assert!(reports.iter().all(|r| r.error.is_none()), "{reports:?}");
        assert!(
            peak <= estimate,
            "{name}: the commit took {peak} bytes, estimated {estimate}"
        );
    }
}
