//! Ranked-ballot methods. Schulze today; room for ranked pairs, IRV and STV.

pub mod schulze;

pub use schulze::{Schulze, schulze};

use crate::error::{NameOf, Result};
use crate::names::names;

/// A ranked-ballot method by the name users type (`electie rank --method`, Python's
/// `rank(method=)`).
///
/// ```
/// use electie_tally::ranked::RankedMethod;
///
/// let method: RankedMethod = "schulze".parse()?;
/// // a > b on two ballots, b > a on one; c has no opinion from the third voter
/// let ballots = [vec![Some(1), Some(2), Some(3)], vec![Some(1), Some(2), Some(3)], vec![Some(2), Some(1), None]];
/// assert_eq!(method.rank(3, &ballots)?.ranking, [vec![0], vec![1], vec![2]]);
/// assert!("borda".parse::<RankedMethod>().is_err());
/// # Ok::<(), electie_tally::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RankedMethod {
    /// `schulze`: [`schulze()`].
    Schulze,
}

names! {
    RankedMethod, NameOf::RankedMethod;
    Schulze => "schulze", "Schulze, winning votes, Elekto's \"no opinion\" semantics";
}

impl RankedMethod {
    /// Ranks `candidates` (indices `0..candidates`) by `ballots`, one rank or `None`
    /// (no opinion) per candidate, 1 = most preferred.
    ///
    /// # Errors
    ///
    /// What the method refuses: a ballot of the wrong length, too many candidates.
    pub fn rank(self, candidates: usize, ballots: &[Vec<Option<u32>>]) -> Result<Schulze> {
        match self {
            Self::Schulze => schulze(candidates, ballots),
        }
    }
}
