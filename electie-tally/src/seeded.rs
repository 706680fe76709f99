//! The project's one seeded generator: SplitMix64 (Steele, Lea and Flood, 2014).
//!
//! A lot that breaks a tie ([`crate::TiePolicy::MoreVotesThenLot`]) draws from this
//! stream, so anyone can repeat a published draw from its seed in a few lines of any
//! language; the vote generator behind `electie simulate`, `electie bench` and the
//! benchmarks draws from it too, so a seed gives the same votes in every release and on
//! every platform (a library RNG's algorithm may change between versions; this one
//! never does).
//!
//! ```
//! use electie_tally::seeded::SplitMix64;
//!
//! // The reference values of SplitMix64 for seed 0 (as in Vigna's splitmix64.c).
//! let mut rng = SplitMix64::new(0);
//! assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
//! assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
//! assert!(rng.below(10) < 10);
//! ```

/// A SplitMix64 stream: small, fast, and stable forever for a given seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A stream from `seed`.
    #[must_use]
    pub const fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub const fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// An integer in `0..bound` (0 when `bound` is 0) by multiply-shift: cheap, and
    /// biased by less than `bound / 2^64` — for workloads, not for a lot (the lot
    /// takes `next_u64() % n`, as [`crate::tie`] documents).
    pub const fn below(&mut self, bound: u64) -> u64 {
        ((self.next_u64() as u128 * bound as u128) >> 64) as u64
    }
}
