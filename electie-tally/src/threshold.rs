//! Electoral thresholds, decided exactly on integers.
//!
//! A party passes when its votes are at least the required percentage of all valid
//! votes (`votes × 100 ≥ pct × valid`, compared exactly) for its coalition size, and
//! at least the absolute minimum if one is set. With `or_won_district_seat`, a party
//! that won a district seat passes regardless.

use crate::error::{Error, Result};
use crate::ratio::{Ratio, cmp_products};

/// "Coalitions of at least `min_size` parties need `percent` %".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bracket {
    /// Smallest coalition size this bracket applies to (1 = a single party).
    pub min_size: u32,
    /// Required share of all valid votes, in percent.
    pub percent: Ratio,
}

/// A threshold rule set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Threshold {
    /// Percent brackets by coalition size; the bracket with the largest `min_size` not
    /// above a party's coalition size applies. Empty = no percentage threshold.
    pub brackets: Vec<Bracket>,
    /// Minimum number of votes, if any.
    pub absolute_minimum: Option<u64>,
    /// A party that won a district seat passes whatever its share.
    pub or_won_district_seat: bool,
}

/// One party as the threshold sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contender {
    /// Valid votes of the party or coalition.
    pub votes: u64,
    /// Number of parties in the coalition (1 for a single party; never guessed).
    pub coalition_size: u32,
    /// Whether it won a district seat (only looked at with `or_won_district_seat`).
    pub won_district_seat: bool,
}

impl Contender {
    /// A single party with these votes.
    pub const fn party(votes: u64) -> Self {
        Self {
            votes,
            coalition_size: 1,
            won_district_seat: false,
        }
    }
}

impl Threshold {
    /// No threshold: everybody with votes passes.
    pub fn none() -> Self {
        Self::default()
    }

    /// A flat percentage for everybody.
    ///
    /// ```
    /// use electie_tally::{Ratio, threshold::{Contender, Threshold}};
    /// let t = Threshold::percent(Ratio::integer(5));
    /// assert!(t.passes(Contender::party(50), 1000)?);
    /// assert!(!t.passes(Contender::party(49), 1000)?);
    /// # Ok::<(), electie_tally::Error>(())
    /// ```
    pub fn percent(percent: Ratio) -> Self {
        Self {
            brackets: vec![Bracket {
                min_size: 1,
                percent,
            }],
            ..Self::default()
        }
    }

    /// The Slovak National Council brackets: 5 % for one party, 7 % for coalitions of
    /// 2 or 3, 10 % for 4 or more.
    pub fn slovak_national_council() -> Self {
        Self {
            brackets: vec![
                Bracket {
                    min_size: 1,
                    percent: Ratio::integer(5),
                },
                Bracket {
                    min_size: 2,
                    percent: Ratio::integer(7),
                },
                Bracket {
                    min_size: 4,
                    percent: Ratio::integer(10),
                },
            ],
            ..Self::default()
        }
    }

    /// The percentage that applies to a coalition of `size` parties, if any.
    pub fn percent_for(&self, size: u32) -> Option<Ratio> {
        self.brackets
            .iter()
            .filter(|b| b.min_size <= size.max(1))
            .max_by_key(|b| b.min_size)
            .map(|b| b.percent)
    }

    /// Whether `contender` passes, out of `total_valid` valid votes for all subjects.
    pub fn passes(&self, contender: Contender, total_valid: u64) -> Result<bool> {
        if contender.votes > total_valid {
            return Err(Error::VotesExceedTotal {
                votes: contender.votes,
                total: total_valid,
            });
        }
        if self.or_won_district_seat && contender.won_district_seat {
            return Ok(true);
        }
        if contender.votes == 0 {
            return Ok(false);
        }
        if let Some(minimum) = self.absolute_minimum
            && contender.votes < minimum
        {
            return Ok(false);
        }
        Ok(match self.percent_for(contender.coalition_size) {
            // votes / total >= p / 100  <=>  votes * 100 * p.den >= p.num * total
            Some(p) => {
                cmp_products(
                    u128::from(contender.votes) * 100,
                    p.denominator(),
                    p.numerator(),
                    u128::from(total_valid),
                ) != std::cmp::Ordering::Less
            }
            None => true,
        })
    }

    /// Evaluates every contender against the sum of all their votes.
    pub fn evaluate(&self, contenders: &[Contender]) -> Result<Vec<bool>> {
        self.evaluate_with_total(contenders, total_votes(contenders)?)
    }

    /// Whether each contender passes, the percentages taken of `total_valid` — all
    /// valid votes, which may include votes of subjects not listed (a results table
    /// that lists only some parties, or a total published with the votes).
    ///
    /// ```
    /// use electie_tally::threshold::{Contender, Threshold};
    /// let t = Threshold::slovak_national_council();
    /// let listed = [Contender::party(5_000), Contender::party(4_999)];
    /// assert_eq!(t.evaluate_with_total(&listed, 100_000)?, [true, false]);
    /// assert!(t.evaluate_with_total(&listed, 9_000).is_err()); // less than listed
    /// # Ok::<(), electie_tally::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::VotesExceedTotal`] when the contenders together have more votes than
    /// `total_valid`; [`Error::VoteOverflow`] when their sum does not fit 64 bits.
    pub fn evaluate_with_total(
        &self,
        contenders: &[Contender],
        total_valid: u64,
    ) -> Result<Vec<bool>> {
        let listed = total_votes(contenders)?;
        if listed > total_valid {
            return Err(Error::VotesExceedTotal {
                votes: listed,
                total: total_valid,
            });
        }
        contenders
            .iter()
            .map(|&c| self.passes(c, total_valid))
            .collect()
    }

    /// The threshold step of a list election: who passes (of `total_valid`), and the
    /// votes a seat method then shares out — a contender below the threshold takes
    /// part with zero votes, so no method gives it a seat.
    ///
    /// ```
    /// use electie_tally::threshold::{Contender, Threshold};
    /// use electie_tally::Ratio;
    /// let five = Threshold::percent(Ratio::integer(5));
    /// let step = five.apply(&[Contender::party(900), Contender::party(60), Contender::party(40)], 1_000)?;
    /// assert_eq!(step.passing, [true, true, false]);
    /// assert_eq!(step.votes, [900, 60, 0]);
    /// assert_eq!(step.passing_votes, 960);
    /// # Ok::<(), electie_tally::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Threshold::evaluate_with_total`].
    pub fn apply(&self, contenders: &[Contender], total_valid: u64) -> Result<Passing> {
        let passing = self.evaluate_with_total(contenders, total_valid)?;
        let votes: Vec<u64> = contenders
            .iter()
            .zip(&passing)
            .map(|(c, &ok)| if ok { c.votes } else { 0 })
            .collect();
        // no overflow: at most the listed total, checked above
        let passing_votes = votes.iter().sum();
        Ok(Passing {
            passing,
            votes,
            passing_votes,
        })
    }
}

/// The result of [`Threshold::apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passing {
    /// Whether each contender passed.
    pub passing: Vec<bool>,
    /// Each contender's votes if it passed, else 0.
    pub votes: Vec<u64>,
    /// The votes of the contenders that passed.
    pub passing_votes: u64,
}

/// The votes of all `contenders` together.
///
/// # Errors
///
/// [`Error::VoteOverflow`] when the sum does not fit 64 bits.
pub fn total_votes(contenders: &[Contender]) -> Result<u64> {
    contenders
        .iter()
        .try_fold(0u64, |acc, c| acc.checked_add(c.votes))
        .ok_or(Error::VoteOverflow)
}

/// The percentages as a person reads them: `5 %`, or with coalition brackets
/// `5 % (coalitions of 2-3: 7 %, 4+: 10 %)`; an absolute minimum and the district-seat
/// alternative follow when set.
///
/// ```
/// use electie_tally::threshold::Threshold;
/// use electie_tally::Ratio;
/// assert_eq!(Threshold::slovak_national_council().to_string(), "5 % (coalitions of 2-3: 7 %, 4+: 10 %)");
/// assert_eq!(Threshold::percent(Ratio::integer(5)).to_string(), "5 %");
/// assert_eq!(Threshold::none().to_string(), "none");
/// ```
impl std::fmt::Display for Threshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut brackets = self.brackets.clone();
        brackets.sort_by_key(|b| b.min_size);
        match brackets.split_first() {
            None => f.write_str("none")?,
            Some((first, rest)) => {
                write!(f, "{} %", first.percent)?;
                if !rest.is_empty() {
                    f.write_str(" (coalitions of ")?;
                    for (i, bracket) in rest.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        match rest.get(i + 1) {
                            Some(next) if next.min_size > bracket.min_size + 1 => {
                                write!(f, "{}-{}", bracket.min_size, next.min_size - 1)?;
                            }
                            Some(_) => write!(f, "{}", bracket.min_size)?,
                            None => write!(f, "{}+", bracket.min_size)?,
                        }
                        write!(f, ": {} %", bracket.percent)?;
                    }
                    f.write_str(")")?;
                }
            }
        }
        if let Some(minimum) = self.absolute_minimum {
            write!(f, ", at least {minimum} votes")?;
        }
        if self.or_won_district_seat {
            f.write_str(", or a district seat")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_boundaries() {
        let t = Threshold::slovak_national_council();
        // exactly 7 % passes, one vote less does not
        assert!(
            t.passes(
                Contender {
                    votes: 7,
                    coalition_size: 2,
                    won_district_seat: false
                },
                100
            )
            .unwrap()
        );
        assert!(
            !t.passes(
                Contender {
                    votes: 6,
                    coalition_size: 3,
                    won_district_seat: false
                },
                100
            )
            .unwrap()
        );
        assert!(
            !t.passes(
                Contender {
                    votes: 9,
                    coalition_size: 4,
                    won_district_seat: false
                },
                100
            )
            .unwrap()
        );
        assert!(
            t.passes(
                Contender {
                    votes: 10,
                    coalition_size: 9,
                    won_district_seat: false
                },
                100
            )
            .unwrap()
        );
        // coalition size 0 is treated as a single party
        assert!(
            t.passes(
                Contender {
                    votes: 5,
                    coalition_size: 0,
                    won_district_seat: false
                },
                100
            )
            .unwrap()
        );
    }

    #[test]
    fn alternatives() {
        let mut t = Threshold::percent(Ratio::integer(5));
        t.absolute_minimum = Some(60);
        assert!(!t.passes(Contender::party(55), 1000).unwrap());
        t.or_won_district_seat = true;
        assert!(
            t.passes(
                Contender {
                    votes: 1,
                    coalition_size: 1,
                    won_district_seat: true
                },
                1000
            )
            .unwrap()
        );
        assert!(t.passes(Contender::party(1001), 1000).is_err());
        assert!(Threshold::none().passes(Contender::party(1), 1000).unwrap());
    }
}
