//! Largest-remainder (quota) methods.
//!
//! Each party first gets `floor(votes / quota)` seats. Seats still free go one each to
//! the largest remainders `votes − seats × quota` (equal remainders: tie policy, which
//! by default looks at votes). If the quota seats exceed the house (possible with the
//! Imperiali quota or a quota rounded down), seats are taken back one each from the
//! smallest remainders, among parties holding a seat, and reported as deducted.
//! Either loop makes further passes in the same order if one pass is not enough
//! (only possible with extreme quota rounding).

use crate::error::{Error, Result};
use crate::ratio::Ratio;
use crate::tie::{TieBreak, TiePolicy, break_tie};

use super::{Allocation, Details, check_seats};

/// Which quota, for `V` votes (of the parties taking part) and `S` seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum QuotaMethod {
    /// Hare: `V / S` (Hamilton, Hare-Niemeyer).
    Hare,
    /// Droop: `floor(V / (S + 1)) + 1` (an integer already; rounding does not apply).
    Droop,
    /// Hagenbach-Bischoff: `V / (S + 1)` (the Slovak RVČ, rounded to nearest).
    HagenbachBischoff,
    /// Imperiali quota: `V / (S + 2)`.
    Imperiali,
}

/// How the exact quota is turned into the quota used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum QuotaRounding {
    /// Keep the exact rational quota.
    #[default]
    Exact,
    /// Round down to an integer.
    Floor,
    /// Round up to an integer.
    Ceil,
    /// Round to the nearest integer, halves up.
    NearestHalfUp,
}

impl QuotaRounding {
    /// Applies the rounding to an exact quota.
    pub fn apply(&self, exact: Ratio) -> Ratio {
        match self {
            Self::Exact => exact,
            Self::Floor => Ratio::integer(exact.floor()),
            Self::Ceil => Ratio::integer(exact.ceil()),
            Self::NearestHalfUp => Ratio::integer(exact.round_half_up()),
        }
    }
}

/// What a republic number (the Slovak presets' quota, RVČ) that rounds to zero
/// becomes. It rounds to zero only when the passing subjects have fewer votes than
/// half the seats plus one (under 76 votes for NR SR): never in a final result, but in
/// the first minutes of a live count and in small tests.
///
/// **One rule for every published result**: the default, [`ZeroQuota::Fail`], keeps
/// the law's number: the RVČ *is* the rounded quotient, and the law defines no
/// quotient of zero, so the allocation answers [`Error::ZeroQuota`] rather than
/// invent a quota the law does not give. Published results
/// ([`results::seat_outcome`](crate::results::seat_outcome)) read that answer as *no
/// seats yet*, exactly as they read a count without votes: every party is shown with
/// its votes, none in parliament, until there are enough votes. The reference server,
/// `electie observe` (whose recount must equal the server's), the command line's
/// `tally` and `simulate` and Python's results all go through `seat_outcome` with this
/// default, so they cannot disagree; `electie seats` and
/// [`SlovakElection::allocate`](crate::preset::SlovakElection::allocate) report the
/// error itself.
///
/// [`ZeroQuota::UseExact`] is an explicit opt-in for a caller who wants seats from the
/// exact quotient anyway (a what-if on tiny numbers); no published result uses it.
///
/// ```
/// use electie_tally::apportion::ZeroQuota;
/// use electie_tally::preset::SlovakElection;
/// use electie_tally::threshold::Contender;
/// use electie_tally::{Error, Ratio};
///
/// let subjects = [Contender::party(30), Contender::party(20), Contender::party(10)];
/// let mut election = SlovakElection::national_council();
/// // 60 / 151 rounds to 0: the law gives no republic number yet
/// assert_eq!(election.allocate(&subjects), Err(Error::ZeroQuota));
/// election.zero_quota = ZeroQuota::UseExact;
/// let seats = election.allocate(&subjects)?;
/// assert_eq!(seats.rvc, Ratio::new(60, 151)?);
/// assert_eq!(seats.allocation.seats, [75, 50, 25]);
/// # Ok::<(), electie_tally::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ZeroQuota {
    /// Fail with [`Error::ZeroQuota`] (published results: no seats yet).
    #[default]
    Fail,
    /// Use the exact quota instead (opt-in).
    UseExact,
}

impl ZeroQuota {
    /// The quota to allocate with, given the rounded one and the exact one.
    ///
    /// # Errors
    ///
    /// [`Error::ZeroQuota`] when `rounded` is zero under [`ZeroQuota::Fail`].
    pub fn apply(self, rounded: Ratio, exact: Ratio) -> Result<Ratio> {
        match self {
            _ if rounded.numerator() != 0 => Ok(rounded),
            Self::UseExact => Ok(exact),
            Self::Fail => Err(Error::ZeroQuota),
        }
    }
}

impl QuotaMethod {
    /// The exact quota for `total` votes and `seats` seats (before rounding).
    pub fn exact_quota(&self, total: u64, seats: u64) -> Result<Ratio> {
        let v = u128::from(total);
        let s = u128::from(seats);
        match self {
            Self::Hare => Ratio::new(v, s),
            Self::Droop => Ok(Ratio::integer(v / (s + 1) + 1)),
            Self::HagenbachBischoff => Ratio::new(v, s + 1),
            Self::Imperiali => Ratio::new(v, s + 2),
        }
    }

    /// The quota used: the exact quota after `rounding` (Droop is never rounded).
    pub fn quota(&self, total: u64, seats: u64, rounding: QuotaRounding) -> Result<Ratio> {
        let exact = self.exact_quota(total, seats)?;
        Ok(match self {
            Self::Droop => exact,
            _ => rounding.apply(exact),
        })
    }

    /// Allocates `seats` among parties with these `votes` (a party with no votes never
    /// gets a seat).
    ///
    /// ```
    /// use electie_tally::apportion::quota::{QuotaMethod, QuotaRounding};
    /// use electie_tally::TiePolicy;
    /// let a = QuotaMethod::Hare.allocate(&[47_000, 16_000, 15_800, 12_000, 6_100, 3_100], 10,
    ///     QuotaRounding::Exact, TiePolicy::Fail)?;
    /// assert_eq!(a.seats, vec![5, 2, 1, 1, 1, 0]);
    /// # Ok::<(), electie_tally::Error>(())
    /// ```
    pub fn allocate(
        &self,
        votes: &[u64],
        seats: u64,
        rounding: QuotaRounding,
        tie: TiePolicy,
    ) -> Result<Allocation> {
        check_seats(seats)?;
        let total: u64 = votes
            .iter()
            .try_fold(0u64, |acc, &v| acc.checked_add(v))
            .ok_or(Error::VoteOverflow)?;
        if total == 0 {
            if seats == 0 {
                return Ok(Allocation::empty(
                    votes.len(),
                    Details::Quota(QuotaDetails::empty(votes.len())),
                ));
            }
            return Err(Error::NoVotes);
        }
        if seats == 0 {
            return Ok(Allocation::empty(
                votes.len(),
                Details::Quota(QuotaDetails::empty(votes.len())),
            ));
        }
        let quota = self.quota(total, seats, rounding)?;
        allocate_with_quota(votes, seats, quota, tie)
    }
}

/// Largest remainder with a given quota (used by the Slovak preset with its RVČ).
pub(crate) fn allocate_with_quota(
    votes: &[u64],
    seats: u64,
    quota: Ratio,
    tie: TiePolicy,
) -> Result<Allocation> {
    if quota.numerator() == 0 {
        return Err(Error::ZeroQuota);
    }
    let (qn, qd) = (quota.numerator(), quota.denominator());
    let n = votes.len();
    let mut seats_by_quota = vec![0u64; n];
    let mut remainders = Vec::with_capacity(n);
    for (party, &v) in votes.iter().enumerate() {
        let scaled = u128::from(v) * qd;
        let whole = scaled / qn;
        seats_by_quota[party] = u64::try_from(whole).map_err(|_| Error::TooManySeats { seats })?;
        remainders.push(Ratio::new(scaled - whole * qn, qd)?);
    }
    let assigned: u128 = seats_by_quota.iter().map(|&s| u128::from(s)).sum();
    let mut seats_now = seats_by_quota.clone();
    let mut remainder_seats = vec![0u64; n];
    let mut deducted_seats = vec![0u64; n];
    let mut ties = Vec::new();
    let house = u128::from(seats);
    if assigned < house {
        let mut remaining = house - assigned;
        let candidates: Vec<usize> = (0..n).filter(|&p| votes[p] > 0).collect();
        while remaining > 0 {
            let take = usize::try_from(remaining.min(candidates.len() as u128))
                .map_err(|_| Error::TooManySeats { seats })?;
            let first_seat = u64::try_from(house - remaining + 1).unwrap_or(u64::MAX);
            let winners = select_by_remainder(
                &candidates,
                take,
                &remainders,
                votes,
                tie,
                true,
                first_seat,
                &mut ties,
            )?;
            for p in winners {
                seats_now[p] += 1;
                remainder_seats[p] += 1;
            }
            remaining -= take as u128;
        }
    } else if assigned > house {
        let mut excess = assigned - house;
        while excess > 0 {
            let holders: Vec<usize> = (0..n).filter(|&p| seats_now[p] > 0).collect();
            let take = usize::try_from(excess.min(holders.len() as u128))
                .map_err(|_| Error::TooManySeats { seats })?;
            let losers = select_by_remainder(
                &holders,
                take,
                &remainders,
                votes,
                tie,
                false,
                seats,
                &mut ties,
            )?;
            for p in losers {
                seats_now[p] -= 1;
                deducted_seats[p] += 1;
            }
            excess -= take as u128;
        }
    }
    Ok(Allocation {
        seats: seats_now,
        details: Details::Quota(QuotaDetails {
            quota,
            seats_by_quota,
            remainders,
            remainder_seats,
            deducted_seats,
        }),
        ties,
    })
}

/// Picks `take` parties with the largest (`largest = true`) or smallest remainders.
#[allow(clippy::too_many_arguments)]
fn select_by_remainder(
    candidates: &[usize],
    take: usize,
    remainders: &[Ratio],
    votes: &[u64],
    tie: TiePolicy,
    largest: bool,
    first_seat: u64,
    ties: &mut Vec<TieBreak>,
) -> Result<Vec<usize>> {
    if take == 0 {
        return Ok(Vec::new());
    }
    let mut order = candidates.to_vec();
    if largest {
        order.sort_by(|&a, &b| remainders[b].cmp(&remainders[a]).then(a.cmp(&b)));
    } else {
        order.sort_by(|&a, &b| remainders[a].cmp(&remainders[b]).then(a.cmp(&b)));
    }
    let boundary = remainders[order[take - 1]];
    let start = order
        .iter()
        .position(|&p| remainders[p] == boundary)
        .unwrap_or(0);
    let end = order
        .iter()
        .rposition(|&p| remainders[p] == boundary)
        .map_or(order.len(), |i| i + 1);
    if end <= take {
        order.truncate(take);
        return Ok(order);
    }
    let broken = break_tie(
        &order[start..end],
        take - start,
        votes,
        tie,
        largest,
        first_seat,
    )?;
    let mut chosen: Vec<usize> = order[..start].to_vec();
    chosen.extend_from_slice(&broken.winners);
    ties.push(broken);
    Ok(chosen)
}

/// Intermediate values of a largest-remainder allocation, per party (input order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaDetails {
    /// The quota used (after rounding).
    pub quota: Ratio,
    /// `floor(votes / quota)`.
    pub seats_by_quota: Vec<u64>,
    /// `votes − seats_by_quota × quota`.
    pub remainders: Vec<Ratio>,
    /// Seats won on remainders.
    pub remainder_seats: Vec<u64>,
    /// Seats taken back on over-allocation (smallest remainders first).
    pub deducted_seats: Vec<u64>,
}

impl QuotaDetails {
    fn empty(n: usize) -> Self {
        Self {
            quota: Ratio::integer(0),
            seats_by_quota: vec![0; n],
            remainders: vec![Ratio::integer(0); n],
            remainder_seats: vec![0; n],
            deducted_seats: vec![0; n],
        }
    }
}
