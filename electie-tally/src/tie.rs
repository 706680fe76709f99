//! Tie policies: what happens when equal quotients or remainders compete for fewer
//! seats than there are tied parties. Never an arbitrary silent order.

use crate::error::{Error, NameOf, Result};
use crate::names::names;
use crate::seeded::SplitMix64;

/// How ties for the last seats (or for the first deductions) are broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TiePolicy {
    /// Fail with [`Error::Tie`] naming the tied parties and the contested seats.
    Fail,
    /// More votes win; parties still equal fail with [`Error::Tie`].
    #[default]
    MoreVotesThenFail,
    /// More votes win; parties still equal are ordered by a seeded lot, and the seed is
    /// recorded in the [`TieBreak`] so the draw can be repeated by anyone.
    MoreVotesThenLot {
        /// Seed of the lot (a SplitMix64 stream, documented so it can be reproduced).
        seed: u64,
    },
    /// Earlier position in the input list wins.
    ListOrder,
}

/// What decided one tie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TieRule {
    /// More votes decided it.
    MoreVotes,
    /// A lot with this seed decided (at least part of) it.
    Lot {
        /// The seed used.
        seed: u64,
    },
    /// Input list order decided it.
    ListOrder,
}

/// A tie that was broken, recorded in the allocation's details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TieBreak {
    /// Parties (input indices) that were equal on the method's own criterion.
    pub tied: Vec<usize>,
    /// How many of them got what was contested (a seat, or kept a seat on deduction).
    pub contested: u64,
    /// Parties that won, in the order they won.
    pub winners: Vec<usize>,
    /// The rule that decided.
    pub rule: TieRule,
}

/// A tie policy by the name users type (`--tie`, Python's `tie=`); the seed of a lot
/// is a separate value, given with [`NamedTiePolicy::policy`].
///
/// ```
/// use electie_tally::tie::NamedTiePolicy;
/// use electie_tally::{Error, TiePolicy};
///
/// let named: NamedTiePolicy = "lot".parse()?;
/// assert_eq!(named.policy(Some(7))?, TiePolicy::MoreVotesThenLot { seed: 7 });
/// assert_eq!(named.policy(None), Err(Error::LotWithoutSeed));
/// assert_eq!(NamedTiePolicy::MoreVotes.policy(None)?, TiePolicy::MoreVotesThenFail);
/// assert_eq!(TiePolicy::ListOrder.named().name(), "list-order");
/// assert_eq!(NamedTiePolicy::NAMES, ["fail", "more-votes", "lot", "list-order"]);
/// assert!("random".parse::<NamedTiePolicy>().is_err());
/// # Ok::<(), electie_tally::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NamedTiePolicy {
    /// `fail`: [`TiePolicy::Fail`].
    Fail,
    /// `more-votes`: [`TiePolicy::MoreVotesThenFail`] (the default).
    MoreVotes,
    /// `lot`: [`TiePolicy::MoreVotesThenLot`], with a seed.
    Lot,
    /// `list-order`: [`TiePolicy::ListOrder`].
    ListOrder,
}

names! {
    NamedTiePolicy, NameOf::TiePolicy;
    Fail => "fail", "Fail on any tie that decides a seat";
    MoreVotes => "more-votes", "More votes win, then fail";
    Lot => "lot", "More votes win, then a seeded lot (`--seed`)";
    ListOrder => "list-order", "Earlier in the input list wins";
}

impl NamedTiePolicy {
    /// The policy; `seed` is the lot's and is read only by [`NamedTiePolicy::Lot`].
    ///
    /// # Errors
    ///
    /// [`Error::LotWithoutSeed`] for a lot without a seed: a draw nobody seeded could
    /// not be repeated, so no seed is ever assumed.
    pub fn policy(self, seed: Option<u64>) -> Result<TiePolicy> {
        Ok(match self {
            Self::Fail => TiePolicy::Fail,
            Self::MoreVotes => TiePolicy::MoreVotesThenFail,
            Self::Lot => TiePolicy::MoreVotesThenLot {
                seed: seed.ok_or(Error::LotWithoutSeed)?,
            },
            Self::ListOrder => TiePolicy::ListOrder,
        })
    }
}

impl TiePolicy {
    /// The name of this policy (a lot's seed aside).
    pub const fn named(self) -> NamedTiePolicy {
        match self {
            Self::Fail => NamedTiePolicy::Fail,
            Self::MoreVotesThenFail => NamedTiePolicy::MoreVotes,
            Self::MoreVotesThenLot { .. } => NamedTiePolicy::Lot,
            Self::ListOrder => NamedTiePolicy::ListOrder,
        }
    }
}

/// Picks `take` winners out of `tied` (all equal on the method's criterion).
///
/// `prefer_more_votes` is `true` when more votes should win (awarding seats) and
/// `false` when fewer votes should be picked first (deducting seats).
/// `first_seat` is the 1-based ordinal of the first contested seat, for the error.
pub(crate) fn break_tie(
    tied: &[usize],
    take: usize,
    votes: &[u64],
    policy: TiePolicy,
    prefer_more_votes: bool,
    first_seat: u64,
) -> Result<TieBreak> {
    let tie_error = |group: &[usize], contested: usize| Error::Tie {
        tied: group.to_vec(),
        contested: contested as u64,
        first_seat,
    };
    let mut order: Vec<usize> = tied.to_vec();
    order.sort_unstable();
    let contested = take as u64;
    match policy {
        TiePolicy::Fail => Err(tie_error(&order, take)),
        TiePolicy::ListOrder => {
            if !prefer_more_votes {
                order.reverse();
            }
            order.truncate(take);
            Ok(TieBreak {
                tied: tied.to_vec(),
                contested,
                winners: order,
                rule: TieRule::ListOrder,
            })
        }
        TiePolicy::MoreVotesThenFail | TiePolicy::MoreVotesThenLot { .. } => {
            let key = |party: &usize| votes.get(*party).copied().unwrap_or(0);
            // Stable sort keeps list order inside equal votes until the lot reorders them.
            if prefer_more_votes {
                order.sort_by_key(|p| std::cmp::Reverse(key(p)));
            } else {
                order.sort_by_key(key);
            }
            // The boundary group: parties with the same votes as the last one taken.
            let boundary_votes = key(&order[take - 1]);
            let start = order
                .iter()
                .position(|p| key(p) == boundary_votes)
                .unwrap_or(0);
            let end = order
                .iter()
                .rposition(|p| key(p) == boundary_votes)
                .unwrap_or(order.len() - 1)
                + 1;
            if end <= take {
                order.truncate(take);
                return Ok(TieBreak {
                    tied: tied.to_vec(),
                    contested,
                    winners: order,
                    rule: TieRule::MoreVotes,
                });
            }
            let TiePolicy::MoreVotesThenLot { seed } = policy else {
                return Err(tie_error(&order[start..end], take - start));
            };
            let mut rng = SplitMix64::new(seed);
            let group = &mut order[start..end];
            // Fisher–Yates with rejection-free modulo on u64 (bias < 2^-50 for small groups).
            for i in (1..group.len()).rev() {
                let j = (rng.next_u64() % (i as u64 + 1)) as usize;
                group.swap(i, j);
            }
            order.truncate(take);
            Ok(TieBreak {
                tied: tied.to_vec(),
                contested,
                winners: order,
                rule: TieRule::Lot { seed },
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_votes_breaks_and_then_fails() {
        let votes = [10, 20, 20, 5];
        let tb = break_tie(&[0, 1, 3], 1, &votes, TiePolicy::MoreVotesThenFail, true, 7).unwrap();
        assert_eq!(tb.winners, vec![1]);
        let err = break_tie(&[0, 1, 2], 1, &votes, TiePolicy::MoreVotesThenFail, true, 7);
        assert!(
            matches!(err, Err(Error::Tie { ref tied, contested: 1, first_seat: 7 }) if tied == &vec![1, 2])
        );
        let deduct = break_tie(
            &[0, 1, 3],
            1,
            &votes,
            TiePolicy::MoreVotesThenFail,
            false,
            1,
        )
        .unwrap();
        assert_eq!(deduct.winners, vec![3]);
    }

    #[test]
    fn lot_is_reproducible() {
        let votes = [1, 1, 1, 1];
        let a = break_tie(
            &[0, 1, 2, 3],
            2,
            &votes,
            TiePolicy::MoreVotesThenLot { seed: 42 },
            true,
            1,
        )
        .unwrap();
        let b = break_tie(
            &[0, 1, 2, 3],
            2,
            &votes,
            TiePolicy::MoreVotesThenLot { seed: 42 },
            true,
            1,
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.rule, TieRule::Lot { seed: 42 });
        assert_eq!(a.winners.len(), 2);
    }

    #[test]
    fn list_order_and_fail() {
        let votes = [1, 1, 1];
        assert_eq!(
            break_tie(&[2, 0, 1], 2, &votes, TiePolicy::ListOrder, true, 1)
                .unwrap()
                .winners,
            vec![0, 1]
        );
        assert_eq!(
            break_tie(&[2, 0, 1], 1, &votes, TiePolicy::ListOrder, false, 1)
                .unwrap()
                .winners,
            vec![2]
        );
        assert!(break_tie(&[2, 0], 1, &votes, TiePolicy::Fail, true, 1).is_err());
    }
}
