//! Prints the statement a `sql_text` fuzz input stands for:
//! `cargo run -p bi-platform-fuzz-checks --example show_sql -- FILE...`
use bi_platform::generate::{sample_files, SampleSpec};
use bi_platform::{sql, Warehouse};

fn main() {
    let files = sample_files(&SampleSpec::default()).expect("a sample");
    let mut w = Warehouse::new();
    w.load("marketing_campaigns.csv", &files.campaigns_csv);
    w.load("sales_targets.csv", &files.targets_csv);
    let schema = sql::schema(w.star());
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).expect("a readable file");
        let text = match bytes.split_first() {
            Some((mode, rest)) if mode % 2 == 1 => {
                bi_platform_fuzz_checks::generated_sql(rest, &schema)
            }
            Some((_, rest)) => String::from_utf8_lossy(rest).into_owned(),
            None => String::new(),
        };
        println!("{path}:\n{text}\n");
    }
}
