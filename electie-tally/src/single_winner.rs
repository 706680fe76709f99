//! Single-winner methods: plurality and two-round majority.
//!
//! Two-round majority as the Slovak president is elected: in round 1 a candidate is
//! elected with more than half of all registered voters (the dominant reading of the
//! Constitution, art. 101(4)) — configurable to more than half of the valid votes;
//! otherwise the two candidates with the most votes go to round 2, won by plurality.

use crate::error::{Error, NameOf, Result};
use crate::names::names;
use crate::tie::{TieBreak, TiePolicy, break_tie};

/// What "more than half" is measured against in round 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MajorityBase {
    /// More than half of all registered voters.
    RegisteredVoters(u64),
    /// More than half of the valid votes cast in round 1.
    ValidVotes,
}

/// A single-winner method by the name users type (`electie seats --method`).
///
/// ```
/// use electie_tally::single_winner::SingleWinnerMethod;
/// assert_eq!("two-round".parse::<SingleWinnerMethod>()?, SingleWinnerMethod::TwoRound);
/// assert_eq!(SingleWinnerMethod::Plurality.description(), "Single winner, most votes");
/// # Ok::<(), electie_tally::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SingleWinnerMethod {
    /// `plurality`: [`plurality`].
    Plurality,
    /// `two-round`: [`first_round`], then [`plurality`] of round 2.
    TwoRound,
}

names! {
    SingleWinnerMethod, NameOf::SingleWinnerMethod;
    Plurality => "plurality", "Single winner, most votes";
    TwoRound => "two-round", "Two-round majority (Slovak president)";
}

/// What round 1 needs more than half of, by the name users type (`--majority`).
///
/// ```
/// use electie_tally::single_winner::{MajorityBase, NamedMajorityBase};
/// let named: NamedMajorityBase = "registered".parse()?;
/// assert_eq!(named.base(4_429_000), MajorityBase::RegisteredVoters(4_429_000));
/// assert_eq!(NamedMajorityBase::Valid.base(4_429_000), MajorityBase::ValidVotes);
/// # Ok::<(), electie_tally::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NamedMajorityBase {
    /// `registered`: [`MajorityBase::RegisteredVoters`].
    Registered,
    /// `valid`: [`MajorityBase::ValidVotes`].
    Valid,
}

names! {
    NamedMajorityBase, NameOf::MajorityBase;
    Registered => "registered", "All registered voters (input `registered_voters`; Slovak president)";
    Valid => "valid", "Valid votes cast in round 1";
}

impl NamedMajorityBase {
    /// The base, with the number of registered voters (read by
    /// [`NamedMajorityBase::Registered`] only).
    pub const fn base(self, registered_voters: u64) -> MajorityBase {
        match self {
            Self::Registered => MajorityBase::RegisteredVoters(registered_voters),
            Self::Valid => MajorityBase::ValidVotes,
        }
    }
}

/// The outcome of a first round.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FirstRound {
    /// Elected in round 1.
    Elected {
        /// Candidate index.
        winner: usize,
    },
    /// Nobody reached the majority: these two (most votes first) go to round 2.
    Runoff {
        /// The finalists.
        finalists: [usize; 2],
        /// A tie broken to pick them, if one mattered.
        tie: Option<TieBreak>,
    },
}

/// Round 1 of a two-round election.
///
/// ```
/// use electie_tally::single_winner::{FirstRound, MajorityBase, first_round};
/// use electie_tally::TiePolicy;
/// let outcome = first_round(&[870_415, 400_379, 307_823], MajorityBase::RegisteredVoters(4_429_000), TiePolicy::Fail)?;
/// assert!(matches!(outcome, FirstRound::Runoff { finalists: [0, 1], .. }));
/// # Ok::<(), electie_tally::Error>(())
/// ```
pub fn first_round(votes: &[u64], base: MajorityBase, tie: TiePolicy) -> Result<FirstRound> {
    let valid = votes
        .iter()
        .try_fold(0u64, |acc, &v| acc.checked_add(v))
        .ok_or(Error::VoteOverflow)?;
    let base_count = match base {
        MajorityBase::RegisteredVoters(registered) => {
            if valid > registered {
                return Err(Error::VotesExceedTotal {
                    votes: valid,
                    total: registered,
                });
            }
            registered
        }
        MajorityBase::ValidVotes => valid,
    };
    if let Some((winner, _)) = votes
        .iter()
        .enumerate()
        .find(|&(_, &v)| u128::from(v) * 2 > u128::from(base_count))
    {
        return Ok(FirstRound::Elected { winner });
    }
    let (chosen, tie_break) = top(votes, 2, tie)?;
    if chosen.len() < 2 {
        return Err(Error::NoVotes);
    }
    Ok(FirstRound::Runoff {
        finalists: [chosen[0], chosen[1]],
        tie: tie_break,
    })
}

/// Plurality: the candidate with the most votes.
///
/// ```
/// use electie_tally::single_winner::plurality;
/// use electie_tally::TiePolicy;
/// assert_eq!(plurality(&[1_056_582, 752_403], TiePolicy::Fail)?, 0);
/// # Ok::<(), electie_tally::Error>(())
/// ```
pub fn plurality(votes: &[u64], tie: TiePolicy) -> Result<usize> {
    let (chosen, _) = top(votes, 1, tie)?;
    chosen.first().copied().ok_or(Error::NoVotes)
}

/// The `k` candidates with most votes (candidates without votes never qualify).
fn top(votes: &[u64], k: usize, tie: TiePolicy) -> Result<(Vec<usize>, Option<TieBreak>)> {
    let mut order: Vec<usize> = (0..votes.len()).filter(|&i| votes[i] > 0).collect();
    order.sort_by(|&a, &b| votes[b].cmp(&votes[a]).then(a.cmp(&b)));
    if order.len() <= k {
        return Ok((order, None));
    }
    let boundary = votes[order[k - 1]];
    let start = order
        .iter()
        .position(|&i| votes[i] == boundary)
        .unwrap_or(0);
    let end = order
        .iter()
        .rposition(|&i| votes[i] == boundary)
        .map_or(order.len(), |i| i + 1);
    if end <= k {
        order.truncate(k);
        return Ok((order, None));
    }
    // Equal votes: "more votes" cannot help, so MoreVotesThenFail fails here.
    let broken = break_tie(&order[start..end], k - start, votes, tie, true, 1)?;
    let mut chosen = order[..start].to_vec();
    chosen.extend_from_slice(&broken.winners);
    Ok((chosen, Some(broken)))
}
