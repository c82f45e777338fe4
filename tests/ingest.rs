//! Reading files into the warehouse (SPEC §1-§5): which table a file feeds, values,
//! dates, encodings, XLSX and JSON, validation and rejections, replacement by key, key
//! widths and dictionaries, streaming in chunks and on several threads, commits in
//! parts, all or nothing, and never a panic whatever the bytes.
//!
//! The integration tests are one binary per area: ingest, query, sql, pivot, exports and
//! limits here (the command line's in crates/cli/tests/cli.rs), and layers.rs. Each area
//! is a file like this one, whose modules are the files of the folder of its name
//! (tests/ingest/dates.rs for the dates): `cargo test --test ingest` runs the area,
//! `cargo test --test ingest dates::` one file of it. Helpers shared by areas are in
//! tests/common/ and tests/sql_common/.

mod common;

// Declared in this block, the modules are tests/ingest/*.rs.
mod ingest {
    mod all_or_nothing;
    mod chunking;
    mod dates;
    mod dimensions;
    mod encodings;
    mod headers;
    mod high_cardinality;
    mod invariants;
    mod json;
    mod key_widths;
    mod parallel;
    mod parts;
    mod platforms;
    mod rejections;
    mod replacement;
    mod robustness;
    mod values;
    mod xlsx;
    mod xlsx_dates;
}
