//! # electie-tally
//!
//! Exact counting and seat allocation for polling-place e-votes: every common
//! apportionment method (divisor and largest-remainder), thresholds, the Slovak
//! National Council and European Parliament presets with preferential votes,
//! two-round majority and Schulze — all with integer arithmetic (fractions compared
//! by 256-bit cross-multiplication; no float ever decides a seat or a threshold),
//! explicit tie policies and every intermediate value exposed.
//!
//! ```
//! use electie_tally::preset::SlovakElection;
//! use electie_tally::threshold::Contender;
//!
//! // NR SR 2020, all 24 subjects in ballot order; PS–SPOLU (a 2-party coalition,
//! // 6.96 % < 7 %) gets no seat.
//! let votes = [8191, 88220, 179246, 237531, 1966, 166325, 9260, 91171, 4194, 721166, 200780, 2018, 991, 134099, 809, 84507, 59174, 527172, 3296, 1887, 112662, 1261, 229660, 15925];
//! let coalition_sizes = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
//! let subjects: Vec<Contender> = votes
//!     .iter()
//!     .zip(coalition_sizes)
//!     .map(|(&votes, coalition_size)| Contender { votes, coalition_size, won_district_seat: false })
//!     .collect();
//! let result = SlovakElection::national_council().allocate(&subjects)?;
//! assert_eq!(result.rvc.floor(), 13_650);
//! assert_eq!(result.allocation.seats, [0, 0, 13, 17, 0, 12, 0, 0, 0, 53, 0, 0, 0, 0, 0, 0, 0, 38, 0, 0, 0, 0, 17, 0]);
//! # Ok::<(), electie_tally::Error>(())
//! ```
#![forbid(unsafe_code)]

pub mod apportion;
pub mod coalition;
pub mod count;
mod error;
mod names;
pub mod preferential;
pub mod preset;
pub mod ranked;
mod ratio;
pub mod results;
pub mod seeded;
pub mod single_winner;
pub mod threshold;
pub mod tie;

pub use error::{Error, NameOf, Result};
pub use ratio::Ratio;
pub use tie::TiePolicy;
