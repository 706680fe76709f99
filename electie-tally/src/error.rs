//! The crate's one error type.

/// Everything that can go wrong in counting, allocating or ranking.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Parties equal on the method's criterion compete for fewer seats than there are
    /// of them, and the tie policy does not decide (parties as input indices).
    #[error(
        "tie: parties {tied:?} are equal for {contested} seat(s) starting at seat {first_seat}"
    )]
    Tie {
        /// The tied parties.
        tied: Vec<usize>,
        /// How many of them would get a seat.
        contested: u64,
        /// The 1-based ordinal of the first contested seat.
        first_seat: u64,
    },
    /// Seats must be allocated but no party (that takes part) has a vote.
    #[error("no votes to allocate seats by")]
    NoVotes,
    /// A divisor sequence starting with zero where the method needs a positive one
    /// (modified Sainte-Laguë with first divisor 0).
    #[error("the first divisor must be positive")]
    ZeroDivisor,
    /// The quota rounded to zero.
    #[error("the quota is zero")]
    ZeroQuota,
    /// A rational with denominator zero was requested.
    #[error("zero denominator")]
    ZeroDenominator,
    /// More seats than [`crate::apportion::MAX_SEATS`].
    #[error("{seats} seats is more than this implementation allocates")]
    TooManySeats {
        /// The seats requested.
        seats: u64,
    },
    /// A sum of votes does not fit in 64 bits.
    #[error("vote total overflows 64 bits")]
    VoteOverflow,
    /// A part's votes exceed the total they are a share of.
    #[error("{votes} votes exceed the total {total}")]
    VotesExceedTotal {
        /// The part.
        votes: u64,
        /// The total.
        total: u64,
    },
    /// A list has the wrong length (a ballot, a district's votes, …).
    #[error("{what} {index} has {found} entries, expected {expected}")]
    LengthMismatch {
        /// What list.
        what: &'static str,
        /// Its index.
        index: usize,
        /// Expected length.
        expected: usize,
        /// Actual length.
        found: usize,
    },
    /// A percentage or decimal could not be read exactly.
    #[error("invalid decimal number {text:?}")]
    InvalidDecimal {
        /// The text given.
        text: String,
    },
    /// A party won more seats than it has candidates, under the failing policy.
    #[error("party {party:?} won {seats} seats but has only {candidates} candidates")]
    TooFewCandidates {
        /// The party (input index), when known.
        party: Option<usize>,
        /// Seats won.
        seats: u64,
        /// Candidates available.
        candidates: u64,
    },
    /// More candidates than a ranked method counts: its work grows with the cube of
    /// the number of candidates and its memory with the square.
    #[error("{candidates} candidates is more than a ranked count takes (at most {max})")]
    TooManyRankedCandidates {
        /// Candidates asked for.
        candidates: usize,
        /// The limit.
        max: usize,
    },
    /// Two tallies over different configurations cannot be merged.
    #[error("tallies have different shapes and cannot be merged")]
    ShapeMismatch,
    /// A locality level other than `region_code`, `county_code`, `municipality_code`,
    /// `administrative_area_code`.
    #[error("unknown filter_by {filter_by:?}")]
    UnknownLocalityLevel {
        /// The value given.
        filter_by: String,
    },
    /// A seat-allocation method name that no [`crate::apportion::NamedMethod`] has
    /// (from its `FromStr`).
    #[error(
        "unknown method {name:?}: expected one of {}",
        crate::apportion::named::expected_names()
    )]
    UnknownMethod {
        /// The text given.
        name: String,
    },
    /// A vote names a polling place the configuration does not know.
    #[error("unknown polling place id {0}")]
    UnknownPollingPlace(i64),
    /// A vote names a party the configuration does not know.
    #[error("unknown party id {0}")]
    UnknownParty(i64),
    /// A vote names a candidate the configuration does not know.
    #[error("unknown candidate id {0}")]
    UnknownCandidate(i64),
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
