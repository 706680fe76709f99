//! Ranked-ballot methods. Schulze today; room for ranked pairs, IRV and STV.

pub mod schulze;

pub use schulze::{Schulze, schulze};
