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
//! working row of one place (4 bytes per candidate, in cache), marking each counter
//! touched in a bitmap, and folds the row into the place's sparse counts when the
//! batch ends: the marks give the touched candidates in order without sorting; the
//! place's list is scattered into the row and gathered back with the batch, or, when
//! the place already holds many more candidates than the batch touched, merged.
//!
//! A batch given by column ([`Ballots`]) is counted in two flat passes, one over the
//! votes and one over all their candidates, whose work does not depend on how many
//! candidates each vote circles ([`Tally::add_ballots`], and with validation
//! [`Counter::count_ballots`]); the votes that break a rule are then judged one by
//! one. The per-vote iterator APIs ([`Tally::add_batch`], [`Counter::count_batch`])
//! count the same and are the reference the column path is tested against.
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

mod ballots;
mod counter;
mod sparse;
mod tally;

pub use ballots::Ballots;
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
