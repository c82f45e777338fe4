//! Statements under the memory budget (issue 26, docs/sql.md "Memory"): each operator
//! that holds rows stops with the error "this query needs more than N MiB; add a filter
//! or a LIMIT" once the heap would pass the budget, the heap falls back, the warehouse
//! answers the next statement as before; joins without keys stream, so `COUNT(*)` of
//! a cross join and a `LIMIT` over one answer in a few MiB.
//!
//! The heap counter is process-wide: each test takes the binary's lock
//! ([`crate::serial`]) and sets its budget relative to what is live when it starts.

use bi_platform::sql::{self, parse, Options, Val};
use bi_platform::{memory, TenantScope, Warehouse};

const MIB: u64 = 1 << 20;

const SEED: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/seed-data/marketing_campaigns.csv"
));

/// The seed's 300 campaign rows.
fn seed() -> Warehouse {
    let mut w = Warehouse::new();
    let reports = w.load("marketing_campaigns.csv", SEED);
    assert!(reports.iter().all(|r| r.succeeded()), "{reports:?}");
    w
}

/// What a statement gave: its row count and first row (numbers as they are, anything
/// else as text), or its error's message.
type Answer = Result<(usize, Vec<String>), String>;

/// Runs `text` with a budget of what is live now plus `room`. Checks that the heap
/// stayed within the budget (but for the one step checked before it is taken) and falls
/// back afterwards.
fn run(w: &Warehouse, text: &str, room: u64) -> Answer {
    let star = w.star();
    let statement = parse::compile_one(text, &sql::schema(star)).expect("compiles");
    let before = memory::live_bytes();
    memory::reset_peak();
    let options = Options {
        now_ms: Some(0),
        memory_budget: Some(before + room),
        general_only: false,
    };
    let answer = sql::run(star, &TenantScope::All, &statement, &options)
        .map(|rows| {
            let first = rows.rows.first().map_or_else(Vec::new, |row| {
                row.iter()
                    .map(|v| match v {
                        Val::Int(i) => i.to_string(),
                        other => format!("{other:?}"),
                    })
                    .collect()
            });
            (rows.rows.len(), first)
        })
        .map_err(|e| e.message);
    let peak = memory::peak_bytes() - before;
    assert!(
        peak <= room + room / 2,
        "{text}: peak {:.1} MiB over a room of {:.1} MiB",
        peak as f64 / MIB as f64,
        room as f64 / MIB as f64
    );
    let after = memory::live_bytes();
    assert!(
        after <= before + MIB,
        "{text}: {:.1} MiB still held after the statement",
        after.saturating_sub(before) as f64 / MIB as f64
    );
    answer
}

/// The single value of a one-row, one-column answer.
fn single(answer: Answer) -> String {
    let (n, first) = answer.expect("answers");
    assert_eq!((n, first.len()), (1, 1), "{first:?}");
    first[0].clone()
}

/// The statement stopped with the budget's error, naming the room in MiB.
fn assert_over_budget(answer: Answer, room: u64, text: &str) {
    let message = match answer {
        Err(message) => message,
        Ok((rows, _)) => panic!("{text}: answered {rows} rows within {room} bytes"),
    };
    // "needs more than 15.9 MiB": the room less what the run took before starting.
    let needed = message
        .strip_prefix("this query needs more than ")
        .and_then(|m| m.split_once(" MiB; add a filter or a LIMIT"))
        .and_then(|(mib, _)| mib.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("{text}: {message}"));
    let room = room as f64 / MIB as f64;
    assert!(needed <= room && needed > room - 0.5, "{text}: {message}");
}

/// The warehouse answers after a refused statement as it did before any.
fn assert_intact(w: &Warehouse, before: &Answer) {
    assert_eq!(&run(w, BASELINE, 64 * MIB), before);
}

const BASELINE: &str = "SELECT COUNT(*), SUM(impressions), MAX(campaign_name) FROM fact_campaigns";

const CROSS3: &str = "FROM fact_campaigns a, fact_campaigns b, fact_campaigns c";

#[test]
fn count_of_a_cross_join_streams_in_constant_memory() {
    let _lock = crate::serial();
    let w = seed();
    let before = run(&w, BASELINE, 64 * MIB);
    // Issue 26's statement: 27 million pairs counted, none held, as SQLite answers.
    let text = format!("SELECT COUNT(*) {CROSS3}");
    assert_eq!(single(run(&w, &text, 4 * MIB)), "27000000");
    // With a condition the pairs are streamed one by one (300 * 300 * 11 regions' worth).
    let text = "SELECT COUNT(*), SUM(a.impressions) FROM fact_campaigns a, fact_campaigns b \
                WHERE a.region < b.region";
    let (_, first) = run(&w, text, 4 * MIB).expect("answers");
    let pairs: i64 = first[0].parse().unwrap();
    assert!(pairs > 0 && pairs < 90_000, "{first:?}");
    // A LEFT join without keys against nothing keeps each left row once.
    let text = "SELECT COUNT(*) FROM fact_campaigns a LEFT JOIN \
                (SELECT * FROM fact_campaigns WHERE 0) b ON 1";
    assert_eq!(single(run(&w, text, 4 * MIB)), "300");
    assert_intact(&w, &before);
}

#[test]
fn limit_over_a_cross_join_stops_early() {
    let _lock = crate::serial();
    let w = seed();
    let before = run(&w, BASELINE, 64 * MIB);
    let text = format!("SELECT a.campaign_id, b.campaign_id, c.campaign_id {CROSS3} LIMIT 5");
    assert_eq!(run(&w, &text, 4 * MIB).unwrap().0, 5);
    let text = format!("SELECT * {CROSS3} LIMIT 3 OFFSET 1000");
    assert_eq!(run(&w, &text, 4 * MIB).unwrap().0, 3);
    let text = format!("SELECT * {CROSS3} LIMIT 0");
    assert_eq!(run(&w, &text, 4 * MIB).unwrap().0, 0);
    assert_intact(&w, &before);
}

#[test]
fn cross_join_materialized_is_refused() {
    let _lock = crate::serial();
    let w = seed();
    let before = run(&w, BASELINE, 64 * MIB);
    // Every pair wanted, ordered: the rows must be held.
    let room = 16 * MIB;
    let text = format!("SELECT a.campaign_name, b.campaign_name, c.campaign_name {CROSS3}");
    assert_over_budget(run(&w, &text, room), room, &text);
    let text = format!("SELECT * {CROSS3} ORDER BY a.campaign_name");
    assert_over_budget(run(&w, &text, room), room, &text);
    assert_intact(&w, &before);
}

#[test]
fn join_explosion_on_keys_is_refused() {
    let _lock = crate::serial();
    let w = seed();
    let before = run(&w, BASELINE, 64 * MIB);
    // Equality keys with few values: every tenant's rows paired with each other, twice.
    let room = 16 * MIB;
    let text = "SELECT * FROM fact_campaigns a JOIN fact_campaigns b ON a.region = b.region \
                JOIN fact_campaigns c ON b.region = c.region";
    assert_over_budget(run(&w, text, room), room, text);
    // The first join alone fits and answers.
    let text = "SELECT COUNT(*) FROM fact_campaigns a JOIN fact_campaigns b ON a.region = b.region";
    assert!(single(run(&w, text, room)).parse::<i64>().unwrap() >= 300);
    assert_intact(&w, &before);
}

#[test]
fn group_by_of_too_many_groups_is_refused() {
    let _lock = crate::serial();
    let w = seed();
    let before = run(&w, BASELINE, 64 * MIB);
    let room = 16 * MIB;
    // 27 million groups of one row each.
    let text = format!(
        "SELECT a.campaign_id, b.campaign_id, c.campaign_id, COUNT(*) {CROSS3} GROUP BY 1, 2, 3"
    );
    assert_over_budget(run(&w, &text, room), room, &text);
    // 90,000 groups over a streamed cross join fit.
    let text = "SELECT COUNT(*) FROM (SELECT a.campaign_id, b.campaign_id, COUNT(*) \
                FROM fact_campaigns a, fact_campaigns b GROUP BY 1, 2)";
    assert_eq!(single(run(&w, text, 64 * MIB)), "90000");
    assert_intact(&w, &before);
}

#[test]
fn order_by_of_a_huge_result_is_refused() {
    let _lock = crate::serial();
    let w = seed();
    let before = run(&w, BASELINE, 64 * MIB);
    let text = "SELECT a.campaign_name, b.campaign_name FROM fact_campaigns a, fact_campaigns b \
                ORDER BY 2 DESC, 1";
    // 90,000 rows of two texts: a few MiB, fits a generous room...
    assert_eq!(run(&w, text, 256 * MIB).unwrap().0, 90_000);
    // ...but not a small one.
    let room = MIB;
    assert_over_budget(run(&w, text, room), room, text);
    let text = format!("SELECT * {CROSS3} ORDER BY a.spend LIMIT 10");
    let room = 16 * MIB;
    assert_over_budget(run(&w, &text, room), room, &text);
    assert_intact(&w, &before);
}

#[test]
fn group_concat_of_everything_is_refused() {
    let _lock = crate::serial();
    let w = seed();
    let before = run(&w, BASELINE, 64 * MIB);
    let room = 16 * MIB;
    // 27 million names of ~20 bytes in one text: half a gigabyte.
    let text = format!("SELECT GROUP_CONCAT(a.campaign_name || b.campaign_name) {CROSS3}");
    assert_over_budget(run(&w, &text, room), room, &text);
    // Of 90,000 it fits.
    let text = "SELECT LENGTH(GROUP_CONCAT(a.campaign_id)) FROM fact_campaigns a, fact_campaigns b";
    assert!(single(run(&w, text, 64 * MIB)).parse::<i64>().unwrap() > 90_000);
    assert_intact(&w, &before);
}

/// The stack the engine runs on: the CLI's main thread's (8 MiB on Linux) and the
/// page's wasm stack (`-zstack-size` in .cargo/config.toml).
const ENGINE_STACK: usize = 8 << 20;

#[test]
fn deep_subqueries_are_held_to_the_budget() {
    let _lock = crate::serial();
    let w = seed();
    let before = run(&w, BASELINE, 64 * MIB);
    let room = 16 * MIB;
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(ENGINE_STACK)
            .spawn_scoped(scope, || {
                // Each level a derived table over the one below, the innermost a cross
                // join (90,000 pairs): as deep as the parser allows.
                let nest = |levels: usize| {
                    let mut text = "SELECT a.campaign_id AS x, b.campaign_name AS y \
                                    FROM fact_campaigns a, fact_campaigns b"
                        .to_string();
                    for _ in 0..levels {
                        text = format!("SELECT x, y FROM ({text}) WHERE x IS NOT NULL");
                    }
                    text
                };
                let counted = format!("SELECT COUNT(*) FROM ({})", nest(27));
                assert_eq!(single(run(&w, &counted, room)), "90000");
                let room = MIB;
                let ordered = format!("{} ORDER BY y", nest(28));
                assert_over_budget(run(&w, &ordered, room), room, &ordered);
                let too_deep = format!("SELECT COUNT(*) FROM ({})", nest(40));
                let statement = parse::compile_one(&too_deep, &sql::schema(w.star()));
                assert!(statement.unwrap_err().message.contains("nested too deeply"));
                // Subqueries in expressions, nested: each level's IN list a cross join.
                let mut text = format!("SELECT a.campaign_id {CROSS3}");
                for _ in 0..5 {
                    text = format!(
                        "SELECT a.campaign_id FROM fact_campaigns a, fact_campaigns b \
                         WHERE a.campaign_id IN ({text})"
                    );
                }
                assert_over_budget(run(&w, &text, room), room, &text);
            })
            .expect("thread starts")
            .join()
            .expect("no panic");
    });
    assert_intact(&w, &before);
}

#[test]
fn recursive_looking_self_references_are_held_to_the_budget() {
    let _lock = crate::serial();
    let w = seed();
    let before = run(&w, BASELINE, 64 * MIB);
    let room = 16 * MIB;
    // A CTE used by itself, pairing its rows again at each level: 300^4 rows wanted.
    let text = "WITH t AS (SELECT a.campaign_id AS x, b.campaign_id AS y \
                FROM fact_campaigns a, fact_campaigns b) \
                SELECT t1.x, t2.y, COUNT(*) FROM t t1, t t2 GROUP BY 1, 2 ORDER BY 3";
    assert_over_budget(run(&w, text, room), room, text);
    // UNION of cross joins: held as a set, refused.
    let text = format!("SELECT a.campaign_id, b.spend, c.clicks {CROSS3} UNION SELECT 1, 2, 3");
    assert_over_budget(run(&w, &text, room), room, &text);
    assert_intact(&w, &before);
}
