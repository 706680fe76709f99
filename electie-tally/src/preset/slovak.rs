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
//! An RVČ that rounds to zero (fewer than 76 passing votes for NR SR) is no RVČ: the
//! allocation answers [`Error::ZeroQuota`] unless [`SlovakElection::zero_quota`] opts
//! in to the exact one ([`ZeroQuota`], where the rule and its reasons are written).
//!
//! Published RVČ: 2016 → 14 997 (from 14 996.51), 2020 → 13 650 (from 13 649.67).

use crate::apportion::Allocation;
use crate::apportion::quota::{QuotaRounding, ZeroQuota, allocate_with_quota};
use crate::error::{Error, Result};
use crate::ratio::Ratio;
use crate::threshold::{Contender, Passing, Threshold, total_votes};
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
    /// What an RVČ that rounds to zero becomes ([`ZeroQuota::Fail`] by default).
    pub zero_quota: ZeroQuota,
}

impl SlovakElection {
    /// NR SR: 150 seats, 5 / 7 / 10 % by coalition size, RVČ rounded to nearest.
    pub fn national_council() -> Self {
        Self {
            seats: 150,
            threshold: Threshold::slovak_national_council(),
            rvc_rounding: QuotaRounding::NearestHalfUp,
            tie: TiePolicy::MoreVotesThenFail,
            zero_quota: ZeroQuota::default(),
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
            zero_quota: ZeroQuota::default(),
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
        self.allocate_with_total(subjects, total_votes(subjects)?)
    }

    /// Seats when the thresholds are taken of `total_valid`, all valid votes, which
    /// may be more than the subjects listed have (a table of the parties that matter,
    /// with the official total of valid votes).
    ///
    /// ```
    /// use electie_tally::preset::SlovakElection;
    /// use electie_tally::threshold::Contender;
    /// let listed = [Contender::party(600_000), Contender::party(350_000), Contender::party(50_000)];
    /// let nrsr = SlovakElection::national_council();
    /// // 50 000 is 5 % of the listed votes, but 4.5 % of all 1 100 000 valid votes
    /// assert_eq!(nrsr.allocate(&listed)?.passing, [true, true, true]);
    /// let result = nrsr.allocate_with_total(&listed, 1_100_000)?;
    /// assert_eq!(result.passing, [true, true, false]);
    /// assert_eq!(result.total_valid, 1_100_000);
    /// assert_eq!(result.allocation.seats, [95, 55, 0]);
    /// # Ok::<(), electie_tally::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::VotesExceedTotal`] when the subjects have more votes than
    /// `total_valid`; [`Error::NoVotes`] when no subject passes; [`Error::ZeroQuota`]
    /// under [`ZeroQuota::Fail`]; [`Error::Tie`] for a tie the policy does not decide.
    pub fn allocate_with_total(
        &self,
        subjects: &[Contender],
        total_valid: u64,
    ) -> Result<SlovakSeats> {
        let Passing {
            passing,
            votes,
            passing_votes,
        } = self.threshold.apply(subjects, total_valid)?;
        if passing_votes == 0 {
            return Err(Error::NoVotes);
        }
        let rvc_exact = Ratio::new(u128::from(passing_votes), u128::from(self.seats) + 1)?;
        let rvc = self
            .zero_quota
            .apply(self.rvc_rounding.apply(rvc_exact), rvc_exact)?;
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
