//! The snapshot reader ([`Warehouse::restore`]) on bytes a stranger could have stored:
//! never a panic, and a snapshot it accepts is a warehouse every dashboard runs on and
//! that writes back to the same bytes.
//!
//! An input's first byte picks what is done to a valid snapshot of a small warehouse
//! (two tenants' campaigns, targets and customers) with the rest:
//!
//! ```text
//!  first byte % 5   the snapshot read
//!  0                the rest of the input itself
//!  1                the valid one cut short at a position (2 bytes)
//!  2                the valid one with bytes changed (pairs of a 2-byte position and
//!                   a byte), its checksum recomputed so the payload is read
//!  3                the valid one with a lying length: a u64 (8 bytes) written at a
//!                   position (2 bytes), checksum recomputed
//!  4                the valid one with another format version (4 bytes), checksum
//!                   recomputed
//! ```
//!
//! Positions are taken modulo the snapshot's length (of its payload, for 2 and 3).

use crate::check_dashboards;
use bi_platform::generate::{sample_files, SampleSpec};
use bi_platform::Warehouse;
use xxhash_rust::xxh3::xxh3_64;

thread_local! {
    static VALID: Vec<u8> = {
        let spec = SampleSpec {
            tenants: 2,
            campaigns_per_tenant: 4,
            customers_per_tenant: 2,
            seed: 3,
        };
        let files = sample_files(&spec).expect("a small sample");
        let mut w = Warehouse::new();
        w.load("marketing_campaigns.csv", &files.campaigns_csv);
        w.load("sales_targets.csv", &files.targets_csv);
        w.load("customers.json", &files.customers_json);
        w.snapshot()
    };
}

/// Where the payload starts: after the magic, the format, the version text and the
/// payload's length.
fn payload_start(snapshot: &[u8]) -> usize {
    13 + snapshot[12] as usize + 8
}

/// Recomputes the checksum (the last 8 bytes) over everything before it.
fn reframe(snapshot: &mut [u8]) {
    let end = snapshot.len() - 8;
    let sum = xxh3_64(&snapshot[..end]);
    snapshot[end..].copy_from_slice(&sum.to_le_bytes());
}

fn position(bytes: &[u8]) -> usize {
    u16::from_le_bytes([bytes[0], bytes[1]]) as usize
}

/// The snapshot an input stands for (see the module docs).
pub fn snapshot_of(input: &[u8]) -> Option<Vec<u8>> {
    let (&mode, rest) = input.split_first()?;
    if mode % 5 == 0 {
        return Some(rest.to_vec());
    }
    let mut s = VALID.with(Vec::clone);
    let start = payload_start(&s);
    let payload = s.len() - 8 - start;
    match mode % 5 {
        1 if rest.len() >= 2 => s.truncate(position(rest) % s.len()),
        2 => {
            for change in rest.chunks_exact(3) {
                s[start + position(change) % payload] = change[2];
            }
            reframe(&mut s);
        }
        3 if rest.len() >= 10 => {
            let at = start + position(rest) % payload.saturating_sub(8).max(1);
            s[at..at + 8].copy_from_slice(&rest[2..10]);
            reframe(&mut s);
        }
        4 if rest.len() >= 4 => {
            s[8..12].copy_from_slice(&rest[..4]);
            reframe(&mut s);
        }
        _ => {}
    }
    Some(s)
}

/// Restores the snapshot an input stands for; see the module docs for what holds.
pub fn check_snapshot(input: &[u8]) {
    let Some(bytes) = snapshot_of(input) else {
        return;
    };
    let Ok(w) = Warehouse::restore(&bytes) else {
        return;
    };
    check_dashboards(&w);
    let again = w.snapshot();
    let back = Warehouse::restore(&again).expect("a snapshot written is read back");
    assert_eq!(back.snapshot(), again, "restore then snapshot is stable");
}
