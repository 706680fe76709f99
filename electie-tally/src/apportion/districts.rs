//! Allocation per district with one national threshold; district seats sum to
//! national totals.

use crate::error::{Error, Result};
use crate::tie::TiePolicy;

use super::{Allocation, Method};

/// One district: its seats and the votes of every party (same party order in every
/// district; a party not standing there has zero votes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct District {
    /// Seats of the district.
    pub seats: u64,
    /// Votes per party, in the common party order.
    pub votes: Vec<u64>,
}

/// Seats per district and their national sums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistrictAllocation {
    /// National votes per party (sums over districts).
    pub national_votes: Vec<u64>,
    /// Whether each party passed the national threshold.
    pub eligible: Vec<bool>,
    /// National seats per party (sums over districts).
    pub national: Vec<u64>,
    /// The allocation of each district, in input order.
    pub districts: Vec<Allocation>,
}

/// National vote totals per party.
pub fn national_votes(districts: &[District], parties: usize) -> Result<Vec<u64>> {
    let mut totals = vec![0u64; parties];
    for (index, district) in districts.iter().enumerate() {
        if district.votes.len() != parties {
            return Err(Error::LengthMismatch {
                what: "district votes",
                index,
                expected: parties,
                found: district.votes.len(),
            });
        }
        for (total, &v) in totals.iter_mut().zip(&district.votes) {
            *total = total.checked_add(v).ok_or(Error::VoteOverflow)?;
        }
    }
    Ok(totals)
}

/// Allocates every district with `method`, letting only `eligible` parties (decided
/// on national totals by the caller, e.g. with [`crate::threshold::Threshold`]) take part.
///
/// ```
/// use electie_tally::apportion::districts::{District, allocate_districts};
/// use electie_tally::apportion::{DivisorMethod, Method};
/// use electie_tally::TiePolicy;
/// let districts = [
///     District { seats: 3, votes: vec![600, 300, 100] },
///     District { seats: 2, votes: vec![100, 500, 400] },
/// ];
/// let a = allocate_districts(Method::Divisor(DivisorMethod::DHondt), &districts, 3, &[true, true, false], TiePolicy::Fail)?;
/// assert_eq!(a.national, vec![2, 3, 0]);
/// # Ok::<(), electie_tally::Error>(())
/// ```
pub fn allocate_districts(
    method: Method,
    districts: &[District],
    parties: usize,
    eligible: &[bool],
    tie: TiePolicy,
) -> Result<DistrictAllocation> {
    let national_votes = national_votes(districts, parties)?;
    if eligible.len() != parties {
        return Err(Error::LengthMismatch {
            what: "eligible parties",
            index: 0,
            expected: parties,
            found: eligible.len(),
        });
    }
    let mut national = vec![0u64; parties];
    let mut allocations = Vec::with_capacity(districts.len());
    for district in districts {
        let votes: Vec<u64> = district
            .votes
            .iter()
            .zip(eligible)
            .map(|(&v, &ok)| if ok { v } else { 0 })
            .collect();
        let allocation = method.allocate(&votes, district.seats, tie)?;
        for (sum, &s) in national.iter_mut().zip(&allocation.seats) {
            *sum += s;
        }
        allocations.push(allocation);
    }
    Ok(DistrictAllocation {
        national_votes,
        eligible: eligible.to_vec(),
        national,
        districts: allocations,
    })
}
