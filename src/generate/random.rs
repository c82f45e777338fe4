//! Portable random streams: one per (table, tenant), with bias-free bounded draws, so
//! the same seed gives the same files on every platform.

use rand::{RngCore, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// Which table a random stream feeds (part of the stream's seed).
#[derive(Clone, Copy)]
pub(super) enum Table {
    Campaigns = 1,
    Targets = 2,
    Customers = 3,
}

/// A portable random stream with bias-free bounded draws.
pub(super) struct Stream(Pcg64Mcg);

impl Stream {
    pub(super) fn new(seed: u64, table: Table, tenant: u32) -> Stream {
        let tag = splitmix64(((table as u64) << 32) | u64::from(tenant));
        Stream(Pcg64Mcg::seed_from_u64(splitmix64(seed ^ tag)))
    }

    /// Uniform in `0..n` (`n > 0`), by Lemire's multiply-and-reject method.
    pub(super) fn below(&mut self, n: u64) -> u64 {
        let mut m = u128::from(self.0.next_u64()) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.0.next_u64()) * u128::from(n);
            }
        }
        (m >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub(super) fn range(&mut self, (lo, hi): (u64, u64)) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// Uniform index into a list of `len` items.
    pub(super) fn pick(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }
}

/// SplitMix64's finaliser: spreads nearby inputs over the whole `u64` range.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
