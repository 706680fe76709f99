//! Counting: a tally per polling place, shaped for the memory hierarchy.
//!
//! State per polling place: votes per party and blank votes in dense `u32` rows,
//! indexed by the configuration's dense indices (position in its lists), never by
//! strings; preferential votes sparsely, as `(candidate index, votes)` sorted by
//! candidate, holding only the candidates counted there. A polling place sees a small
//! fraction of the candidates (NR SR 2020: 2 736 on the ballots), so a dense
//! place × candidate table (66 MB for NR SR 2020) would be nearly all zeros and make
//! nearly every counted vote a cache miss. Everything above a polling place
//! (municipality, county, administrative area, region, nation) is derived by summing
//! polling places.
//!
//! Counting a batch from one polling place writes its preferential votes into a dense
//! working row of one place (4 bytes per candidate, in cache) and folds the row into
//! the place's sparse counts when the batch ends: one sorted merge per batch.
//!
//! Counters are `u32` per polling place (a polling place has a few thousand voters);
//! totals are summed in `u64`. A tally is a commutative monoid: [`Tally::merge`] is
//! exact and visits only the polling places the other tally counted, so counting can
//! be split across threads or machines by polling place and merged in any order.
//! Adding the same batch twice is the caller's error.
//!
//! Rejections and faults are kept apart: a vote that breaks a rule is a
//! [`Rejection`](electie_core::validation::Rejection) with its reason; a fault of the
//! count (a counter overflow, a merge of tallies of different shapes, the counting
//! path disagreeing with validation) is an [`Error`](crate::Error), and a count that
//! meets one stops instead of going on with a lower total.

mod counter;
mod sparse;
mod tally;

pub use counter::Counter;
pub use tally::Tally;

/// What to do with a ballot that circles more candidates than the configuration allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CirclePolicy {
    /// Reject the vote (what the original server did; rule 4 of validation).
    #[default]
    Reject,
    /// Count it for its party with its preferential votes ignored (Slovak law).
    IgnorePreferences,
}
