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
    /// A polling place's `u32` counter would pass 4 294 967 295 votes while counting
    /// or merging. A fault of the count, never a voter's error: the count stops.
    #[error("a polling place counter would pass 2^32 votes")]
    CounterOverflow,
    /// The counting path refused a vote that electie-core's validation accepts (a
    /// fault of this implementation, reported instead of counting or rejecting it).
    #[error(
        "internal fault: counting and validation disagree on a vote from polling place {polling_place}"
    )]
    CountingDisagreesWithValidation {
        /// The polling place id of the batch.
        polling_place: i64,
    },
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
    /// A name that is not one of the names users type for a choice (a method, a
    /// policy): from the `FromStr` of [`crate::apportion::NamedMethod`],
    /// [`crate::tie::NamedTiePolicy`], [`crate::apportion::QuotaRounding`],
    /// [`crate::count::CirclePolicy`], [`crate::ranked::RankedMethod`],
    /// [`crate::single_winner::SingleWinnerMethod`] and
    /// [`crate::single_winner::NamedMajorityBase`].
    #[error("unknown {of} {name:?}: expected one of {}", expected.join(", "))]
    UnknownName {
        /// What the name was for.
        of: NameOf,
        /// The text given.
        name: String,
        /// The names that would have been accepted, in help order.
        expected: &'static [&'static str],
    },
    /// A tie policy that draws lots was chosen without the seed of the lot (a lot
    /// nobody seeded is not a lot anyone can repeat).
    #[error("the tie policy lot needs a seed")]
    LotWithoutSeed,
    /// A coalition size of zero (a subject is at least one party).
    #[error("coalition size of party id {party} must be at least 1")]
    ZeroCoalitionSize {
        /// The party id.
        party: i64,
    },
    /// A coalition size given as text (`PARTY_ID=SIZE`, a coalitions file) that does
    /// not read.
    #[error("coalition size {text:?}: {problem}")]
    InvalidCoalitionSize {
        /// The text given.
        text: String,
        /// What is wrong with it.
        problem: &'static str,
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

/// What an [`Error::UnknownName`] was a name for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NameOf {
    /// A seat-allocation method.
    Method,
    /// A single-winner method.
    SingleWinnerMethod,
    /// A ranked-ballot method.
    RankedMethod,
    /// What a round-1 majority is measured against.
    MajorityBase,
    /// A tie policy.
    TiePolicy,
    /// A quota rounding.
    QuotaRounding,
    /// What to do with a vote circling too many candidates.
    CirclePolicy,
}

impl std::fmt::Display for NameOf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Method => "method",
            Self::SingleWinnerMethod => "single-winner method",
            Self::RankedMethod => "ranked method",
            Self::MajorityBase => "majority base",
            Self::TiePolicy => "tie policy",
            Self::QuotaRounding => "quota rounding",
            Self::CirclePolicy => "too-many-circles policy",
        })
    }
}
