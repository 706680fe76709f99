//! Slovak National Council (NR SR) and Slovak European Parliament seats, as the law
//! is applied (Act 180/2014 Coll.):
//!
//! 1. threshold on all valid votes: 5 % for a party, 7 % for a coalition of 2–3,
//!    10 % for 4 or more (NR SR; the EP preset uses a flat 5 %);
//! 2. republic electoral number RVČ = votes of passing subjects / (seats + 1), rounded
//!    to the nearest integer (a parameter);
//! 3. `floor(votes / RVČ)` seats each; free seats to the largest remainders (equal
//!    remainders: more votes, then the tie policy); over-allocation taken back from the
//!    smallest remainders and reported.
//!
//! Published RVČ: 2016 → 14 997 (from 14 996.51), 2020 → 13 650 (from 13 649.67).

use crate::apportion::Allocation;
use crate::apportion::quota::{QuotaRounding, allocate_with_quota};
use crate::error::{Error, Result};
use crate::ratio::Ratio;
use crate::threshold::{Contender, Threshold};
use crate::tie::TiePolicy;

/// The parameters of a Slovak list election.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlovakElection {
    /// Seats to fill (150 for NR SR, 13–15 for the EP depending on the term).
    pub seats: u64,
    /// Threshold rules.
    pub threshold: Threshold,
    /// Rounding of the RVČ (nearest by default).
    pub rvc_rounding: QuotaRounding,
    /// Tie policy after "more votes" (the law says lot).
    pub tie: TiePolicy,
}

impl SlovakElection {
    /// NR SR: 150 seats, 5 / 7 / 10 % by coalition size, RVČ rounded to nearest.
    pub fn national_council() -> Self {
        Self {
            seats: 150,
            threshold: Threshold::slovak_national_council(),
            rvc_rounding: QuotaRounding::NearestHalfUp,
            tie: TiePolicy::MoreVotesThenFail,
        }
    }

    /// European Parliament: 13 seats (set `seats` for other terms), 5 % for every
    /// subject, RVČ = passing votes / (seats + 1) rounded to nearest.
    pub fn european_parliament() -> Self {
        Self {
            seats: 13,
            threshold: Threshold::percent(Ratio::integer(5)),
            rvc_rounding: QuotaRounding::NearestHalfUp,
            tie: TiePolicy::MoreVotesThenFail,
        }
    }

    /// Seats for subjects with these votes and coalition sizes (1 = single party).
    ///
    /// ```
    /// use electie_tally::preset::SlovakElection;
    /// use electie_tally::threshold::Contender;
    /// let subjects = [Contender::party(600_000), Contender::party(350_000), Contender::party(40_000)];
    /// let result = SlovakElection::national_council().allocate(&subjects)?;
    /// assert_eq!(result.allocation.seats, vec![95, 55, 0]);
    /// # Ok::<(), electie_tally::Error>(())
    /// ```
    pub fn allocate(&self, subjects: &[Contender]) -> Result<SlovakSeats> {
        let passing = self.threshold.evaluate(subjects)?;
        let total_valid: u64 = subjects.iter().map(|c| c.votes).sum();
        let votes: Vec<u64> = subjects
            .iter()
            .zip(&passing)
            .map(|(c, &ok)| if ok { c.votes } else { 0 })
            .collect();
        let passing_votes: u64 = votes.iter().sum();
        if passing_votes == 0 {
            return Err(Error::NoVotes);
        }
        let rvc_exact = Ratio::new(u128::from(passing_votes), u128::from(self.seats) + 1)?;
        let rvc = self.rvc_rounding.apply(rvc_exact);
        let allocation = allocate_with_quota(&votes, self.seats, rvc, self.tie)?;
        Ok(SlovakSeats {
            passing,
            total_valid,
            passing_votes,
            rvc_exact,
            rvc,
            allocation,
        })
    }
}

/// The result of [`SlovakElection::allocate`], with every figure of the official table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlovakSeats {
    /// Whether each subject passed the threshold.
    pub passing: Vec<bool>,
    /// All valid votes (the threshold's base).
    pub total_valid: u64,
    /// Valid votes of passing subjects.
    pub passing_votes: u64,
    /// `passing_votes / (seats + 1)` exactly.
    pub rvc_exact: Ratio,
    /// The republic electoral number used.
    pub rvc: Ratio,
    /// Seats and their quota details (quota = RVČ).
    pub allocation: Allocation,
}
