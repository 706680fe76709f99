//! Preferential votes within a party: who takes the party's seats.
//!
//! Candidates whose preferential votes reach at least the configured share (Slovak
//! law: 3 %) of the party's valid votes come first, by preferential votes descending,
//! equal counts by ballot position; then everyone else in ballot order. Seats go down
//! that list; the rest are substitutes in the same order.

use crate::error::{Error, Result};
use crate::ratio::{Ratio, cmp_products};

/// What to do when a party wins more seats than it has candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TooFewCandidates {
    /// Fail with [`Error::TooFewCandidates`].
    #[default]
    Fail,
    /// Fill what can be filled and report the rest as vacant.
    LeaveVacant,
}

/// The rule moving candidates up the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreferentialRule {
    /// Share of the party's votes (percent) a candidate needs to move up.
    pub percent: Ratio,
    /// Policy when seats exceed candidates.
    pub too_few_candidates: TooFewCandidates,
}

impl Default for PreferentialRule {
    /// Slovak law: 3 %, failing loudly when a party runs out of candidates.
    fn default() -> Self {
        Self {
            percent: Ratio::integer(3),
            too_few_candidates: TooFewCandidates::Fail,
        }
    }
}

/// The order in which a party's candidates take its seats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateOrder {
    /// Candidates (indices in ballot order) who took a seat, in list order.
    pub elected: Vec<usize>,
    /// The others, in the order they would succeed.
    pub substitutes: Vec<usize>,
    /// Which candidates reached the preferential share (by ballot index).
    pub moved_up: Vec<bool>,
    /// Seats that could not be filled (only with [`TooFewCandidates::LeaveVacant`]).
    pub vacant: u64,
}

impl PreferentialRule {
    /// Orders the candidates of one party with `party_votes` valid votes, given their
    /// preferential votes in ballot order, and fills `seats`.
    ///
    /// ```
    /// use electie_tally::preferential::PreferentialRule;
    /// // 1000 party votes: 30 preferential votes (3 %) are enough to move up.
    /// let order = PreferentialRule::default().order(1000, &[100, 5, 30, 29], 2)?;
    /// assert_eq!(order.elected, vec![0, 2]);
    /// assert_eq!(order.substitutes, vec![1, 3]);
    /// # Ok::<(), electie_tally::Error>(())
    /// ```
    pub fn order(
        &self,
        party_votes: u64,
        preferential: &[u64],
        seats: u64,
    ) -> Result<CandidateOrder> {
        let moved_up: Vec<bool> = preferential
            .iter()
            .map(|&p| {
                party_votes > 0
                    && p > 0
                    && cmp_products(
                        u128::from(p) * 100,
                        self.percent.denominator(),
                        self.percent.numerator(),
                        u128::from(party_votes),
                    ) != std::cmp::Ordering::Less
            })
            .collect();
        let mut first: Vec<usize> = (0..preferential.len()).filter(|&i| moved_up[i]).collect();
        // stable: equal preferential votes keep ballot order
        first.sort_by(|&a, &b| preferential[b].cmp(&preferential[a]));
        let mut list = first;
        list.extend((0..preferential.len()).filter(|&i| !moved_up[i]));
        let available = list.len() as u64;
        let mut vacant = 0;
        if seats > available {
            match self.too_few_candidates {
                TooFewCandidates::Fail => {
                    return Err(Error::TooFewCandidates {
                        party: None,
                        seats,
                        candidates: available,
                    });
                }
                TooFewCandidates::LeaveVacant => vacant = seats - available,
            }
        }
        let cut = usize::try_from(seats.min(available)).unwrap_or(list.len());
        let substitutes = list.split_off(cut);
        Ok(CandidateOrder {
            elected: list,
            substitutes,
            moved_up,
            vacant,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_preferences_keep_ballot_order() {
        let order = PreferentialRule::default()
            .order(100, &[0, 10, 10, 3], 3)
            .unwrap();
        assert_eq!(order.elected, vec![1, 2, 3]);
        assert_eq!(order.substitutes, vec![0]);
        assert_eq!(order.moved_up, vec![false, true, true, true]);
    }

    #[test]
    fn too_few_candidates() {
        assert!(matches!(
            PreferentialRule::default().order(100, &[1, 2], 3),
            Err(Error::TooFewCandidates {
                seats: 3,
                candidates: 2,
                ..
            })
        ));
        let rule = PreferentialRule {
            too_few_candidates: TooFewCandidates::LeaveVacant,
            ..PreferentialRule::default()
        };
        let order = rule.order(100, &[1, 2], 3).unwrap();
        assert_eq!(order.vacant, 1);
        assert_eq!(order.elected, vec![0, 1]);
        assert!(order.substitutes.is_empty());
    }

    #[test]
    fn zero_party_votes_moves_nobody() {
        let order = PreferentialRule::default().order(0, &[0, 0], 1).unwrap();
        assert_eq!(order.elected, vec![0]);
    }
}
