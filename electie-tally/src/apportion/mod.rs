//! General seat allocation with exact integer arithmetic.
//!
//! Parties are identified by their index in the `votes` slice. A party that must not
//! take part (below a threshold) is passed with zero votes: no method gives a seat to
//! a party without votes. Every intermediate value is kept in [`Details`] so a result
//! can be checked line by line against an official table.

pub mod districts;
pub mod divisor;
pub mod named;
pub mod quota;

use crate::error::{Error, Result};
use crate::tie::{TieBreak, TiePolicy};

pub use divisor::{DivisorDetails, DivisorMethod};
pub use named::{NamedMethod, NamedMethodKind};
pub use quota::{QuotaDetails, QuotaMethod, QuotaRounding, ZeroQuota};

/// The largest house any method accepts (a guard against absurd input, not a legal
/// limit): divisor methods keep one record per seat.
pub const MAX_SEATS: u64 = 10_000_000;

pub(crate) fn check_seats(seats: u64) -> Result<()> {
    if seats > MAX_SEATS {
        return Err(Error::TooManySeats { seats });
    }
    Ok(())
}

/// Any allocation method of this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Method {
    /// A highest-averages method.
    Divisor(DivisorMethod),
    /// A largest-remainder method with its quota rounding.
    Quota {
        /// Which quota.
        quota: QuotaMethod,
        /// How it is rounded.
        rounding: QuotaRounding,
    },
}

impl Method {
    /// Allocates `seats` among parties with these `votes`.
    ///
    /// ```
    /// use electie_tally::apportion::{DivisorMethod, Method};
    /// use electie_tally::TiePolicy;
    /// let a = Method::Divisor(DivisorMethod::SainteLague).allocate(&[53_000, 24_000, 23_000], 7, TiePolicy::Fail)?;
    /// assert_eq!(a.seats, vec![3, 2, 2]);
    /// # Ok::<(), electie_tally::Error>(())
    /// ```
    pub fn allocate(&self, votes: &[u64], seats: u64, tie: TiePolicy) -> Result<Allocation> {
        match self {
            Self::Divisor(method) => method.allocate(votes, seats, tie),
            Self::Quota { quota, rounding } => quota.allocate(votes, seats, *rounding, tie),
        }
    }
}

/// Seats per party and how they were reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    /// Seats per party, in input order.
    pub seats: Vec<u64>,
    /// The method's intermediate values.
    pub details: Details,
    /// Ties that were broken on the way (empty when none mattered).
    pub ties: Vec<TieBreak>,
}

impl Allocation {
    pub(crate) fn empty(n: usize, details: Details) -> Self {
        Self {
            seats: vec![0; n],
            details,
            ties: Vec::new(),
        }
    }

    /// Total seats handed out.
    pub fn total(&self) -> u64 {
        self.seats.iter().sum()
    }
}

/// Intermediate values, by family of method.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Details {
    /// Seat-by-seat awards of a divisor method.
    Divisor(DivisorDetails),
    /// Quota, quota seats, remainders, remainder seats and deductions.
    Quota(QuotaDetails),
}
