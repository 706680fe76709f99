//! The server's validation of an incoming batch, rule for rule and message for message.
//!
//! Compatibility mode ([`Validator::check_batch`]) reproduces the original server: rules
//! run in order, the first failure rejects the whole batch and its text is the answer.
//! Verdict mode ([`Validator::verdicts`]) judges every vote on its own, so one bad vote
//! does not block the votes behind it.
//!
//! | rule | checked | [`Rejection`] |
//! |---|---|---|
//! | 1 | a key pair (or, without keys, the polling place) exists | [`Rejection::InvalidPollingPlace`] |
//! | 2 | the vote opens and its signature verifies (crypto layer) | [`Rejection::InvalidEncryption`] |
//! | 3 | it opened to a JSON object (crypto layer) | [`Rejection::DecryptedVoteIsNone`], [`Rejection::DecryptionUnspecified`] |
//! | — | its fields have the right types | [`Rejection::InvalidFormat`] |
//! | 4 | at most `max_candidates` candidates | [`Rejection::TooManyCandidates`] |
//! | 5 | no candidate twice | [`Rejection::DuplicateCandidates`] |
//! | 6 | a blank vote circles no candidate | [`Rejection::BlankVoteWithCandidates`] |
//! | 7 | every candidate belongs to the (known) party | [`Rejection::CandidateNotInParty`] |
//! | 8 | the party is known | [`Rejection::InvalidParty`] |
//! | 9 | (token, polling place) not stored yet | [`Rejection::TokenAlreadyStored`] |
//! | 10 | the election id is this election's | [`Rejection::InvalidElectionId`] |
//! | 11 | no token twice in the batch (after all votes) | [`Rejection::DuplicateTokenInBatch`] |
//!
//! Rule 7 runs only for a known party; an unknown party with candidates gets rule 8's
//! message, as in the original. A negative id is not a format error: it names a party or
//! candidate that does not exist.
//!
//! ```
//! use electie_core::{ElectionConfig, InMemoryTokenStore, PartyId, CandidateId, PollingPlaceId, Validator, Vote};
//!
//! # let nrsr_2020 = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020");
//! let config = ElectionConfig::load(nrsr_2020)?;
//! let validator = Validator::new(&config);
//! let vote = Vote {
//!     party_id: Some(PartyId(10)),
//!     candidate_ids: vec![CandidateId(1075), CandidateId(0)],
//!     token: "t-1".into(),
//!     election_id: "election_id".into(),
//! };
//! let store = InMemoryTokenStore::new();
//! let answer = validator.check_batch(PollingPlaceId(0), &[vote], &store);
//! assert_eq!(
//!     answer.unwrap_err().to_string(),
//!     "Invalid candidates ids - candidate |0| is not in party |10|"
//! );
//! # Ok::<(), electie_core::Error>(())
//! ```

use hashbrown::HashTable;
use rustc_hash::FxHashMap;

use crate::batch::{NO_PARTY, VoteBatch, code_of, tag_of};

use crate::config::{BallotTables, DenseTable, ElectionConfig};
use crate::error::FormatError;
use crate::ids::{CandidateId, PartyId, PollingPlaceId};
use crate::models::Vote;
use crate::token_hash::{spread, token_hash};

/// Why the server refuses a vote or a batch. `Display` is the exact message text of the
/// original server (or, where the original crashed with HTTP 500, electie's message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// Rule 1: no key pair for the batch's polling place.
    #[error("Invalid polling place id")]
    InvalidPollingPlace,
    /// The batch holds no votes (the original crashed; electie answers 400).
    #[error("Empty batch")]
    EmptyBatch,
    /// Rule 2: the vote cannot be opened or its signature does not verify. One message
    /// for every cause, so no oracle reaches the sender.
    #[error("Invalid vote encryption or signature")]
    InvalidEncryption,
    /// Rule 3: the payload opened to `null`.
    #[error("Invalid decryption - decrypted vote is none")]
    DecryptedVoteIsNone,
    /// Rule 3: the payload opened to something that is not an object.
    #[error("Invalid decryption - unspecified")]
    DecryptionUnspecified,
    /// The vote's fields have the wrong types or are missing.
    #[error("Invalid vote format - {0}")]
    InvalidFormat(FormatError),
    /// Rule 4: more candidates circled than the configured limit.
    #[error("Number of candidates is more than {limit}")]
    TooManyCandidates {
        /// The configured limit.
        limit: usize,
    },
    /// Rule 5: a candidate circled twice.
    #[error("Duplicate candidates ids")]
    DuplicateCandidates,
    /// Rule 6: a blank vote (`party_id` null) with candidates.
    #[error(
        "When party_id is None there is no possibility to have length of candidate_ids greater than zero"
    )]
    BlankVoteWithCandidates,
    /// Rule 7: the first candidate not on the voted party's list.
    #[error("Invalid candidates ids - candidate |{candidate}| is not in party |{party}|")]
    CandidateNotInParty {
        /// The offending candidate id.
        candidate: CandidateId,
        /// The voted party.
        party: PartyId,
    },
    /// Rule 8: the party does not exist.
    #[error("Invalid party id")]
    InvalidParty,
    /// Rule 9: a vote with this token is already stored for this polling place.
    #[error("Duplicate combination of token and polling place id")]
    TokenAlreadyStored,
    /// Rule 10: the vote belongs to another election.
    #[error("Invalid election id")]
    InvalidElectionId,
    /// Rule 11: two votes of the batch share a token.
    #[error("Duplicate tokens in the batch")]
    DuplicateTokenInBatch,
}

impl Rejection {
    /// The rule number of spec 20 (1–11), or `None` for electie's own format and
    /// empty-batch checks.
    pub fn rule(&self) -> Option<u8> {
        Some(match self {
            Rejection::InvalidPollingPlace => 1,
            Rejection::InvalidEncryption => 2,
            Rejection::DecryptedVoteIsNone | Rejection::DecryptionUnspecified => 3,
            Rejection::TooManyCandidates { .. } => 4,
            Rejection::DuplicateCandidates => 5,
            Rejection::BlankVoteWithCandidates => 6,
            Rejection::CandidateNotInParty { .. } => 7,
            Rejection::InvalidParty => 8,
            Rejection::TokenAlreadyStored => 9,
            Rejection::InvalidElectionId => 10,
            Rejection::DuplicateTokenInBatch => 11,
            Rejection::InvalidFormat(_) | Rejection::EmptyBatch => return None,
        })
    }
}

impl From<FormatError> for Rejection {
    fn from(error: FormatError) -> Self {
        Rejection::InvalidFormat(error)
    }
}

/// Where rule 9 looks for tokens already stored.
///
/// Validation only reads (`contains`). A store makes check-and-insert atomic by being
/// borrowed mutably across [`Validator::accept_batch`] (in memory) or by running both in
/// one transaction (databases): of two batches racing with the same token, one wins.
pub trait TokenStore {
    /// Whether a vote with `token` is stored for `polling_place`.
    fn contains(&self, polling_place: PollingPlaceId, token: &str) -> bool;

    /// Records `token` for `polling_place`; `false` when it was already there.
    fn insert(&mut self, polling_place: PollingPlaceId, token: &str) -> bool;

    /// The position of the first vote of `batch` whose token is already stored for
    /// `polling_place`.
    ///
    /// Asks [`contains`](Self::contains) token by token; a store that can answer for a
    /// whole batch at once (a database: one query per batch instead of one per vote)
    /// overrides it.
    fn first_stored(&self, polling_place: PollingPlaceId, batch: &VoteBatch) -> Option<usize> {
        batch
            .tokens()
            .position(|token| self.contains(polling_place, token))
    }
}

/// Tokens kept in memory, per polling place, each filed under the keyed hash that
/// [`VoteBatch`] keeps for its tokens: checking a batch against the store compares
/// hashes and reads a stored token only when the hashes agree.
#[derive(Debug, Clone, Default)]
pub struct InMemoryTokenStore {
    places: FxHashMap<PollingPlaceId, PlaceTokens>,
}

/// A stored token with its hash (kept so that growing the table never rehashes).
#[derive(Debug, Clone)]
struct StoredToken {
    hash: u32,
    token: Box<[u8]>,
}

/// One polling place's stored tokens, and a bitmap of their hashes in front of them.
///
/// The bitmap has between `FILTER_BITS_PER_TOKEN` and twice that many bits per stored
/// token, two of them set for each (see [`filter_place`]): a token that is not stored
/// finds one of its bits clear in about 98 % of cases, without touching the table. A
/// batch of new votes (the usual case) reads a few kilobytes of filter instead of one
/// random slot of the table per vote.
#[derive(Debug, Clone, Default)]
struct PlaceTokens {
    table: HashTable<StoredToken>,
    filter: Vec<u64>,
}

/// Bits of [`PlaceTokens::filter`] per stored token, at least.
const FILTER_BITS_PER_TOKEN: usize = 16;

impl PlaceTokens {
    fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether a token hashing to `hash` may be stored: `false` is certain.
    #[inline]
    fn may_hold(&self, hash: u32) -> bool {
        let (word, bits) = filter_place(hash, self.filter.len());
        self.filter
            .get(word)
            .is_some_and(|stored| stored & bits == bits)
    }

    /// Whether `token`, whose hash is `hash`, is stored.
    #[inline]
    fn holds(&self, hash: u32, token: &[u8]) -> bool {
        self.may_hold(hash) && self.table_holds(hash, token)
    }

    /// Whether the table holds `token`, whose hash is `hash` (the filter not asked).
    #[inline]
    fn table_holds(&self, hash: u32, token: &[u8]) -> bool {
        self.table
            .find(spread(hash), |stored| {
                stored.hash == hash && *stored.token == *token
            })
            .is_some()
    }

    /// Stores `token`; `false` when it was already there.
    fn insert(&mut self, hash: u32, token: &[u8]) -> bool {
        if self.holds(hash, token) {
            return false;
        }
        self.table.insert_unique(
            spread(hash),
            StoredToken {
                hash,
                token: token.into(),
            },
            |stored| spread(stored.hash),
        );
        if self.table.len() * FILTER_BITS_PER_TOKEN > self.filter.len() * 64 {
            self.rebuild_filter();
        } else {
            mark(&mut self.filter, hash);
        }
        true
    }

    /// Doubles the filter (at least), so that it keeps its bits per token, and marks
    /// every stored hash again: amortized, a constant cost per insert.
    fn rebuild_filter(&mut self) {
        let words = (self.table.len() * FILTER_BITS_PER_TOKEN)
            .div_ceil(64)
            .next_power_of_two();
        self.filter = vec![0; words];
        for stored in &self.table {
            mark(&mut self.filter, stored.hash);
        }
    }
}

/// Sets the bits of a token hashing to `hash` in `filter` (not empty).
fn mark(filter: &mut [u64], hash: u32) {
    let (word, bits) = filter_place(hash, filter.len());
    filter[word] |= bits;
}

/// Where [`PlaceTokens::filter`], of `words` words (a power of two, or none), marks a
/// token hashing to `hash`: two bits of one word, chosen by the hash's low 12 bits,
/// in the word its next 20 bits choose.
///
/// Two bits in the same word cost one read, like one bit, and let a new token through
/// about four times less often (about 1 in 60 at 16 bits per stored token, against 1
/// in 16 with one bit). Past 2²⁰ words (4 M tokens of one polling place) the filter
/// stops growing in effect, never in correctness: a stored token is always let through.
#[inline]
fn filter_place(hash: u32, words: usize) -> (usize, u64) {
    let word = (hash >> 12) as usize & words.wrapping_sub(1);
    let bits = (1 << (hash & 63)) | (1 << ((hash >> 6) & 63));
    (word, bits)
}

impl InMemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of stored tokens over all polling places.
    pub fn len(&self) -> usize {
        self.places.values().map(PlaceTokens::len).sum()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        // A polling place enters `places` with its first token and never leaves.
        self.places.is_empty()
    }
}

impl TokenStore for InMemoryTokenStore {
    #[inline]
    fn contains(&self, polling_place: PollingPlaceId, token: &str) -> bool {
        let token = token.as_bytes();
        self.places
            .get(&polling_place)
            .is_some_and(|tokens| tokens.holds(token_hash(token), token))
    }

    fn insert(&mut self, polling_place: PollingPlaceId, token: &str) -> bool {
        let token = token.as_bytes();
        self.places
            .entry(polling_place)
            .or_default()
            .insert(token_hash(token), token)
    }

    /// Finds the polling place's tokens once for the whole batch and looks each vote up
    /// by the hash the batch keeps.
    fn first_stored(&self, polling_place: PollingPlaceId, batch: &VoteBatch) -> Option<usize> {
        let stored = self.places.get(&polling_place)?;
        batch
            .token_hashes()
            .iter()
            .enumerate()
            .position(|(index, &hash)| {
                // The token's place in the batch is looked up only past the filter.
                stored.may_hold(hash) && stored.table_holds(hash, batch.token_bytes_at(index))
            })
    }
}

/// The per-vote outcome of [`Validator::verdicts`]: `Ok(())` when accepted.
pub type Verdict = Result<(), Rejection>;

/// Applies the rules of one election's configuration.
#[derive(Debug, Clone, Copy)]
pub struct Validator<'config> {
    config: &'config ElectionConfig,
}

impl<'config> Validator<'config> {
    /// A validator over `config`'s lookups.
    pub fn new(config: &'config ElectionConfig) -> Self {
        Self { config }
    }

    /// The configuration the rules come from.
    pub fn config(&self) -> &'config ElectionConfig {
        self.config
    }

    /// Rules 4–8 for one ballot: what a terminal or gateway checks before a vote leaves
    /// the polling place.
    ///
    /// # Errors
    /// The first rule the ballot breaks.
    #[inline]
    pub fn check_ballot(
        &self,
        party_id: Option<PartyId>,
        candidate_ids: &[CandidateId],
    ) -> Result<(), Rejection> {
        let limit = self.config.max_candidates();
        if candidate_ids.len() > limit {
            return Err(Rejection::TooManyCandidates { limit });
        }
        if has_duplicates(candidate_ids) {
            return Err(Rejection::DuplicateCandidates);
        }
        let Some(party) = party_id else {
            return if candidate_ids.is_empty() {
                Ok(())
            } else {
                Err(Rejection::BlankVoteWithCandidates)
            };
        };
        let party_index = self
            .config
            .party_index(party)
            .ok_or(Rejection::InvalidParty)?;
        for &candidate in candidate_ids {
            let belongs = self.config.candidate_index(candidate).is_some_and(|index| {
                self.config.party_index_of_candidate_index(index) == party_index
            });
            if !belongs {
                return Err(Rejection::CandidateNotInParty { candidate, party });
            }
        }
        Ok(())
    }

    /// Rules 4–10 for one vote of a batch from `polling_place`.
    ///
    /// # Errors
    /// The first rule the vote breaks.
    #[inline]
    pub fn check_vote(
        &self,
        polling_place: PollingPlaceId,
        vote: &Vote,
        store: &dyn TokenStore,
    ) -> Result<(), Rejection> {
        self.check_ballot(vote.party_id, &vote.candidate_ids)?;
        if store.contains(polling_place, &vote.token) {
            return Err(Rejection::TokenAlreadyStored);
        }
        if vote.election_id != self.config.election_id() {
            return Err(Rejection::InvalidElectionId);
        }
        Ok(())
    }

    /// Compatibility mode over decoded votes: rules 1 and 4–11, the first failure
    /// rejects the batch.
    ///
    /// # Errors
    /// The first failure, whose text is the original server's answer.
    pub fn check_batch(
        &self,
        polling_place: PollingPlaceId,
        votes: &[Vote],
        store: &dyn TokenStore,
    ) -> Result<(), Rejection> {
        self.check_items(polling_place, votes.iter().map(Ok), votes.len(), store)
    }

    /// Compatibility mode over a batch as it came out of the crypto layer: each item is
    /// a decoded vote or why it could not be opened or read (rules 2, 3 and format),
    /// reported at its place in the order.
    ///
    /// # Errors
    /// The first failure in batch order.
    pub fn check_decoded_batch(
        &self,
        polling_place: PollingPlaceId,
        items: &[Result<Vote, Rejection>],
        store: &dyn TokenStore,
    ) -> Result<(), Rejection> {
        self.check_items(
            polling_place,
            items.iter().map(|item| item.as_ref().map_err(Clone::clone)),
            items.len(),
            store,
        )
    }

    fn check_items<'v>(
        &self,
        polling_place: PollingPlaceId,
        items: impl Iterator<Item = Result<&'v Vote, Rejection>>,
        count: usize,
        store: &dyn TokenStore,
    ) -> Result<(), Rejection> {
        if !self.config.accepts_polling_place(polling_place) {
            return Err(Rejection::InvalidPollingPlace);
        }
        if count == 0 {
            return Err(Rejection::EmptyBatch);
        }
        let mut tokens = BatchTokens::with_capacity(count);
        let mut duplicate_token = false;
        for item in items {
            let vote = item?;
            self.check_vote(polling_place, vote, store)?;
            duplicate_token |= !tokens.insert(vote.token.as_bytes());
        }
        if duplicate_token {
            return Err(Rejection::DuplicateTokenInBatch);
        }
        Ok(())
    }

    /// Compatibility mode over a [`VoteBatch`]: the same answer as
    /// [`check_batch`](Self::check_batch) over the same votes, at the speed of memory.
    ///
    /// Rules 9 and 10 do not depend on the ballots, so the first vote breaking each is
    /// found up front: the store is asked once for the whole batch
    /// ([`TokenStore::first_stored`]), the election id once per run of votes sharing
    /// it. Rules 4–8 are then decided for the whole batch in a few flat passes with no
    /// early exit (see `all_ballots_pass`); only a batch that fails them is walked vote
    /// by vote, in the original order, to find which rule of which vote fails first.
    /// Rule 11 runs over the batch's token hashes last.
    ///
    /// # Errors
    /// The first failure, whose text is the original server's answer.
    pub fn check_vote_batch(
        &self,
        polling_place: PollingPlaceId,
        batch: &VoteBatch,
        store: &dyn TokenStore,
    ) -> Result<(), Rejection> {
        if !self.config.accepts_polling_place(polling_place) {
            return Err(Rejection::InvalidPollingPlace);
        }
        if batch.is_empty() {
            return Err(Rejection::EmptyBatch);
        }
        if batch.len() <= TOUCHED_BATCH {
            touch_hot_columns(batch);
        }
        let first_stored = store
            .first_stored(polling_place, batch)
            .unwrap_or(usize::MAX);
        let first_wrong_election = batch
            .first_vote_not_in(self.config.election_id())
            .unwrap_or(usize::MAX);
        if self.all_ballots_pass(batch) == Some(true) {
            if first_stored != usize::MAX || first_wrong_election != usize::MAX {
                return Err(if first_stored <= first_wrong_election {
                    Rejection::TokenAlreadyStored
                } else {
                    Rejection::InvalidElectionId
                });
            }
        } else {
            // Something fails (or the batch is beyond the flat passes): find exactly
            // which rule of which vote fails first.
            let mut candidate_ids = Vec::new();
            for index in 0..batch.len() {
                candidate_ids.clear();
                candidate_ids.extend(batch.candidates(index));
                self.check_ballot(batch.party_id(index), &candidate_ids)?;
                if index == first_stored {
                    return Err(Rejection::TokenAlreadyStored);
                }
                if index == first_wrong_election {
                    return Err(Rejection::InvalidElectionId);
                }
            }
        }
        if !all_tokens_distinct(batch) {
            return Err(Rejection::DuplicateTokenInBatch);
        }
        Ok(())
    }

    /// Whether every ballot of `batch` passes rules 4–8, decided without stopping at
    /// the first failure, so that a valid batch runs with no mispredicted branch; which
    /// rule fails first is left to the ordered path. It reads the batch's narrow
    /// columns front to back in a few passes, each simple enough to keep its table and
    /// slices in registers.
    ///
    /// `None` (undecided, the ordered path decides) when the configuration's ids are
    /// too sparse for direct tables, when an id of the batch has no 24-bit code, or
    /// when the configuration allows ballots longer than [`NEIGHBOUR_WINDOW`] and the
    /// batch has one.
    fn all_ballots_pass(&self, batch: &VoteBatch) -> Option<bool> {
        let tables = self.config.ballot_tables()?;
        let columns = batch.narrow_columns()?;
        // The batch keeps each candidate's vote modulo 2^8: one chunk of 2^8 votes
        // at a time, that position is exact. Each chunk's candidates follow the
        // previous chunk's, as many as its ballots count.
        let mut first_candidate = 0;
        for ballots in columns.ballots.chunks(VOTE_CHUNK) {
            let (passes, candidates) =
                self.chunk_passes(tables, ballots, columns.candidates, first_candidate)?;
            if !passes {
                return Some(false);
            }
            first_candidate += candidates;
        }
        Some(true)
    }

    /// [`all_ballots_pass`](Self::all_ballots_pass) for the ballot entries `ballots` (a
    /// chunk of at most [`VOTE_CHUNK`] votes, the first at a multiple of it), whose
    /// candidates start at `first_candidate` of `candidates`: whether they pass, and
    /// how many candidates they hold (when they pass rule 4).
    fn chunk_passes(
        &self,
        tables: BallotTables<'_>,
        ballots: &[u32],
        candidates: &[u32],
        first_candidate: usize,
    ) -> Option<(bool, usize)> {
        // Rules 6 and 8, with the party table's one comparison when it has no holes
        // (the loop is the same; only `known` differs).
        let party = tables.party;
        let (broken, longest, count) = match party.narrow_full_span() {
            Some((first, length)) => {
                parties_and_counts(ballots, |id| (id.wrapping_sub(first) as u32) < length)
            }
            None => parties_and_counts(ballots, |id| {
                party.get(i64::from(id)) != DenseTable::MISSING
            }),
        };
        let mut broken = broken;
        // Rule 4 for every vote at once (a saturated count stands for any length;
        // below it, the counts add up to the chunk's candidates).
        let longest = usize::from(longest);
        if longest > self.config.max_candidates() || longest == usize::from(u8::MAX) {
            return Some((false, 0));
        }
        // Rule 7 for every candidate in one flat pass: the table gives the code of the
        // candidate's party as the batch codes party ids (a code no vote's party has
        // for an unknown candidate), compared with the party of its vote, which the
        // candidate's tag indexes in an array of the chunk's parties. A blank vote's
        // candidates never match, and are broken by rule 6 anyway.
        let mut parties = [NO_PARTY; VOTE_CHUNK];
        for (party, &ballot) in parties.iter_mut().zip(ballots) {
            *party = code_of(ballot);
        }
        let candidates = candidates.get(first_candidate..first_candidate + count)?;
        let party_of_candidate = tables.party_of_candidate;
        let foreign = |candidate: u32| {
            party_of_candidate.get(i64::from(code_of(candidate))) as i32
                != parties[usize::from(tag_of(candidate))]
        };
        // Four at a time: less loop overhead around four independent lookups.
        let mut quads = candidates.chunks_exact(4);
        for quad in &mut quads {
            broken |= foreign(quad[0]) | foreign(quad[1]) | foreign(quad[2]) | foreign(quad[3]);
        }
        for &candidate in quads.remainder() {
            broken |= foreign(candidate);
        }
        // Rule 5: no ballot holds more than `longest` candidates, so two equal
        // candidates of one vote lie fewer than `longest` places apart in the column.
        if longest > NEIGHBOUR_WINDOW {
            return None;
        }
        for distance in 1..longest {
            broken |= repeats_at_distance(candidates, distance);
        }
        Some((!broken, count))
    }

    /// Compatibility mode, then storing every token when the batch is accepted: the
    /// check and the insert happen under one mutable borrow, so they are atomic.
    ///
    /// # Errors
    /// As [`check_batch`](Self::check_batch); nothing is stored then.
    pub fn accept_batch(
        &self,
        polling_place: PollingPlaceId,
        votes: &[Vote],
        store: &mut dyn TokenStore,
    ) -> Result<(), Rejection> {
        self.check_batch(polling_place, votes, &*store)?;
        for vote in votes {
            store.insert(polling_place, &vote.token);
        }
        Ok(())
    }

    /// Compatibility mode over a batch as it came out of the crypto layer, then storing
    /// every token when the batch is accepted, under one mutable borrow of the store:
    /// what a server does with a batch (of two batches racing with the same token, one
    /// wins).
    ///
    /// ```
    /// use electie_core::{ElectionConfig, InMemoryTokenStore, PollingPlaceId, Rejection, TokenStore, Validator, Vote};
    ///
    /// # let nrsr_2020 = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020");
    /// let config = ElectionConfig::load(nrsr_2020)?;
    /// let validator = Validator::new(&config);
    /// let vote = Vote::from_json_bytes(br#"{"party_id": 10, "candidate_ids": [], "token": "t-1", "election_id": "election_id"}"#)?;
    /// let mut store = InMemoryTokenStore::new();
    /// let place = PollingPlaceId(0);
    /// assert_eq!(validator.accept_decoded_batch(place, &[Ok(vote.clone())], &mut store), Ok(()));
    /// assert!(store.contains(place, "t-1"));
    /// assert_eq!(
    ///     validator.accept_decoded_batch(place, &[Ok(vote)], &mut store),
    ///     Err(Rejection::TokenAlreadyStored)
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`check_decoded_batch`](Self::check_decoded_batch); nothing is stored then.
    pub fn accept_decoded_batch(
        &self,
        polling_place: PollingPlaceId,
        items: &[Result<Vote, Rejection>],
        store: &mut dyn TokenStore,
    ) -> Result<(), Rejection> {
        self.check_decoded_batch(polling_place, items, &*store)?;
        // Accepted: every item is a vote.
        for vote in items.iter().flatten() {
            store.insert(polling_place, &vote.token);
        }
        Ok(())
    }

    /// Verdict mode, then storing the token of every accepted vote, under one mutable
    /// borrow of the store: what a server in verdict mode does with a batch.
    ///
    /// ```
    /// use electie_core::{ElectionConfig, InMemoryTokenStore, PollingPlaceId, Rejection, TokenStore, Validator, Vote};
    ///
    /// # let nrsr_2020 = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020");
    /// let config = ElectionConfig::load(nrsr_2020)?;
    /// let vote = |token: &str, party: i64| Vote::from_json_bytes(format!(
    ///     r#"{{"party_id": {party}, "candidate_ids": [], "token": "{token}", "election_id": "election_id"}}"#
    /// ).as_bytes());
    /// let mut store = InMemoryTokenStore::new();
    /// let verdicts = Validator::new(&config).accept_verdicts(
    ///     PollingPlaceId(0),
    ///     &[Ok(vote("a", 999)?), Ok(vote("a", 10)?), Ok(vote("b", 10)?)],
    ///     &mut store,
    /// );
    /// assert_eq!(verdicts, [Err(Rejection::InvalidParty), Ok(()), Ok(())]);
    /// assert_eq!(store.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn accept_verdicts(
        &self,
        polling_place: PollingPlaceId,
        items: &[Result<Vote, Rejection>],
        store: &mut dyn TokenStore,
    ) -> Vec<Verdict> {
        let verdicts = self.verdicts(polling_place, items, &*store);
        for (item, verdict) in items.iter().zip(&verdicts) {
            if let (Ok(vote), Ok(())) = (item, verdict) {
                store.insert(polling_place, &vote.token);
            }
        }
        verdicts
    }

    /// Verdict mode: one verdict per item, in order. A vote is refused for rule 11 only
    /// when an earlier *accepted* vote of the batch carries its token; rejected votes
    /// reserve nothing. An unknown polling place rejects every vote.
    pub fn verdicts(
        &self,
        polling_place: PollingPlaceId,
        items: &[Result<Vote, Rejection>],
        store: &dyn TokenStore,
    ) -> Vec<Verdict> {
        if !self.config.accepts_polling_place(polling_place) {
            return vec![Err(Rejection::InvalidPollingPlace); items.len()];
        }
        let mut accepted_tokens = BatchTokens::with_capacity(items.len());
        items
            .iter()
            .map(|item| {
                let vote = item.as_ref().map_err(Clone::clone)?;
                self.check_vote(polling_place, vote, store)?;
                if !accepted_tokens.insert(vote.token.as_bytes()) {
                    return Err(Rejection::DuplicateTokenInBatch);
                }
                Ok(())
            })
            .collect()
    }
}

/// The largest batch whose hot columns [`touch_hot_columns`] reads up front (about
/// 60 KiB of them, well within a core's L2 cache).
const TOUCHED_BATCH: usize = 4096;

/// Reads one word of every 64-byte cache line of the columns the batch check reads
/// (ballots, candidates, token hashes), before the checks run.
///
/// A batch's columns are short arrays in memory the core has not seen yet. Read pass
/// by pass, each array stalls its pass until the hardware prefetcher has caught on,
/// and a pass that does real work per element keeps few misses in flight. This loop
/// does nothing else, so the misses of all three arrays overlap: it cut the time of
/// 1 M votes in batches of 1 000 by about an eighth (3.69 → 3.23 ms). Long batches
/// stream well without it and are not touched, so that the first columns are not
/// evicted before they are used. `black_box` keeps the reads, whose sum is unused.
fn touch_hot_columns(batch: &VoteBatch) {
    const WORDS_PER_LINE: usize = 64 / size_of::<u32>();
    let (ballots, candidates) = batch.entry_columns();
    let mut sum = 0u32;
    for column in [ballots, candidates, batch.token_hashes()] {
        for &word in column.iter().step_by(WORDS_PER_LINE) {
            sum = sum.wrapping_add(word);
        }
    }
    std::hint::black_box(sum);
}

/// The longest ballot whose duplicates the batch check finds by comparing neighbours
/// in the candidate column (one vectorised pass per distance); batches with longer
/// ballots, possible only where the configuration allows them, take the ordered path.
const NEIGHBOUR_WINDOW: usize = 16;

/// Rules 6 and 8 over a chunk's ballot entries (party code and count), its longest
/// ballot and its number of candidates: `(some vote breaks them, longest count, sum
/// of the counts)`. Both cases of a vote are computed and one is selected (blank
/// votes come at random and would be mispredicted as a branch), so the loop has no
/// branch and vectorises when `known` does.
#[inline(always)]
fn parties_and_counts(ballots: &[u32], known: impl Fn(i32) -> bool) -> (bool, u8, usize) {
    // Everything 32 bits wide, so that the loop vectorises. At most 2^8 votes of at
    // most 2^8 candidates: the sum fits.
    let (broken, longest, count) =
        ballots
            .iter()
            .fold((false, 0u32, 0u32), |(broken, longest, count), &ballot| {
                let (party_id, length) = (code_of(ballot), u32::from(tag_of(ballot)));
                let blank = party_id == NO_PARTY;
                let breaks = (blank & (length != 0)) | (!blank & !known(party_id));
                (broken | breaks, longest.max(length), count + length)
            });
    (broken, longest as u8, count as usize)
}

/// The votes whose candidates one pass over the candidate column covers: the batch
/// keeps each candidate's vote modulo this.
const VOTE_CHUNK: usize = 1 << 8;

/// Whether a candidate of a chunk's column equals the one `distance` places before it
/// within the same vote: within a chunk, exactly when the two entries (code and
/// vote's position modulo 2⁸) are equal. Every pair is compared (no early exit),
/// which vectorises.
fn repeats_at_distance(candidates: &[u32], distance: usize) -> bool {
    let later = candidates.get(distance..).unwrap_or_default();
    later
        .iter()
        .zip(candidates)
        .fold(false, |seen, (candidate, before)| {
            seen | (candidate == before)
        })
}

/// Rule 11 over a [`VoteBatch`]. Nearly always the hashes the batch keeps all differ
/// and [`hashes_surely_differ`] proves it; otherwise (two tokens equal, or two hashes
/// agreeing by chance, about once in ten thousand batches of a thousand) the
/// [`TokenTable`] compares the tokens themselves.
fn all_tokens_distinct(batch: &VoteBatch) -> bool {
    let hashes = batch.token_hashes();
    if hashes_surely_differ(hashes) {
        return true;
    }
    let mut table = TokenTable::with_capacity(hashes.len());
    hashes.iter().enumerate().all(|(position, &hash)| {
        table.insert(
            hash,
            position,
            |filed| hashes[filed],
            |filed| batch.token_bytes_at(filed) == batch.token_bytes_at(position),
        )
    })
}

/// `true` when no two of `hashes` are equal; `false` when two are (their tokens may
/// be equal).
///
/// The hashes are filed in a [`HashSieve`] kept by the thread, so a batch neither
/// allocates nor clears a table: each takes one load and one store, and a branch
/// that is taken only when the hash's slot is occupied already (about one hash in
/// [`SIEVE_SPREAD`]).
fn hashes_surely_differ(hashes: &[u32]) -> bool {
    let Some(slots) = HashSieve::slots_for(hashes.len()) else {
        return false;
    };
    if slots > SIEVE_KEPT {
        return HashSieve::default().all_distinct(slots, hashes);
    }
    SIEVE.with(|sieve| match sieve.try_borrow_mut() {
        Ok(mut sieve) => sieve.all_distinct(slots, hashes),
        // Unreachable (nothing runs inside the sieve), but never a panic.
        Err(_) => HashSieve::default().all_distinct(slots, hashes),
    })
}

/// Slots of a [`HashSieve`] per hash filed: the fewer hashes share a first slot, the
/// fewer branches are mispredicted.
const SIEVE_SPREAD: usize = 16;
/// The largest sieve a thread keeps between batches (1 MiB); larger batches use a
/// table of their own.
const SIEVE_KEPT: usize = 1 << 17;

thread_local! {
    static SIEVE: std::cell::RefCell<HashSieve> = const {
        std::cell::RefCell::new(HashSieve { slots: Vec::new(), round: 0 })
    };
}

/// An open-addressing set of 32-bit hashes that is emptied in constant time: a slot
/// holds the round it was written in beside the hash, and counts only in its round.
#[derive(Default)]
struct HashSieve {
    slots: Vec<u64>,
    round: u32,
}

impl HashSieve {
    /// The table size for `count` hashes (a power of two), `None` beyond any size a
    /// hash can address.
    fn slots_for(count: usize) -> Option<usize> {
        let spread = count.checked_mul(SIEVE_SPREAD)?.next_power_of_two();
        let least = count.checked_mul(2)?.next_power_of_two();
        Some(spread.clamp(64, SIEVE_KEPT).max(least)).filter(|&slots| slots <= 1 << 32)
    }

    /// Files `hashes` in the first `slots` slots (a power of two, at least twice as
    /// many as hashes); `false` as soon as one is there already.
    fn all_distinct(&mut self, slots: usize, hashes: &[u32]) -> bool {
        self.round = self.round.wrapping_add(1);
        if self.round == 0 {
            // Every 2^32 rounds, slots of the same number could be stale.
            self.slots.fill(0);
            self.round = 1;
        }
        let slots = if slots <= SIEVE_USUAL {
            SIEVE_USUAL
        } else {
            slots
        };
        if self.slots.len() < slots {
            self.slots.resize(slots, 0);
        }
        let round = u64::from(self.round);
        match <&mut [u64; SIEVE_USUAL]>::try_from(&mut self.slots[..slots]) {
            // The usual size as a constant: no bounds check in the loop.
            Ok(table) => file_distinct(table, round, hashes),
            Err(_) => file_distinct(&mut self.slots[..slots], round, hashes),
        }
    }
}

/// The sieve every batch of up to 1 024 votes uses (128 KiB a thread).
const SIEVE_USUAL: usize = 1 << 14;

/// Files `hashes` in `table` (a power of two of slots) as written in `round`;
/// `false` as soon as one is there already.
#[inline(always)]
fn file_distinct(table: &mut [u64], round: u64, hashes: &[u32]) -> bool {
    let mask = table.len() - 1;
    let shift = 32 - table.len().trailing_zeros();
    for &hash in hashes {
        // The top bits of the hash choose the first slot.
        let mut slot = hash.checked_shr(shift).unwrap_or(0) as usize & mask;
        loop {
            let occupant = table[slot];
            if occupant >> 32 != round {
                table[slot] = round << 32 | u64::from(hash);
                break;
            }
            if occupant as u32 == hash {
                return false;
            }
            slot = (slot + 1) & mask;
        }
    }
    true
}

/// Rule 11's table: an open-addressing set of token positions, sized once for the
/// batch at a quarter full (so nearly every insert finds a free slot at the first
/// probe, a predictable branch). A slot holds the top 24 bits of the token's 32-bit
/// hash and its position, so the full hashes are compared only when those bits
/// agree, and the tokens' bytes only when the full hashes do; the tokens stay where
/// they are. It is the hottest structure of validation.
struct TokenTable {
    /// `0` for an empty slot, else the hash's top bits ([`TokenTable::TAG`]) and the
    /// token's position + 1 (below 2^40, far beyond any batch in memory).
    slots: Vec<u64>,
    filed: usize,
    /// `64 - log2(slots.len())`: a token's first slot is the top bits of its hash.
    shift: u32,
}

impl TokenTable {
    const TAG: u64 = !((1 << 40) - 1);

    fn with_capacity(count: usize) -> Self {
        let slots = (count.max(4) * 4).next_power_of_two();
        Self {
            slots: vec![0; slots],
            filed: 0,
            shift: 64 - slots.trailing_zeros(),
        }
    }

    /// The hash in the top half of 64 bits, where slots and tags take their bits.
    #[inline]
    fn high(hash: u32) -> u64 {
        u64::from(hash) << 32
    }

    /// Files the token at `position`, whose hash is `hash`, unless an equal token is
    /// filed already (`false` then). `hash_at(filed)` is the hash of the token at a
    /// filed position, and `same_token(filed)` whether that token equals this one.
    #[inline]
    fn insert(
        &mut self,
        hash: u32,
        position: usize,
        hash_at: impl Fn(usize) -> u32,
        same_token: impl Fn(usize) -> bool,
    ) -> bool {
        if self.filed * 4 >= self.slots.len() {
            self.grow(&hash_at);
        }
        let high = Self::high(hash);
        let tag = high & Self::TAG;
        let mask = self.slots.len() - 1;
        let mut slot = (high >> self.shift) as usize;
        loop {
            let occupant = self.slots[slot];
            if occupant == 0 {
                self.slots[slot] = tag | (position as u64 + 1);
                self.filed += 1;
                return true;
            }
            if occupant & Self::TAG == tag {
                let filed = Self::position(occupant);
                if hash_at(filed) == hash && same_token(filed) {
                    return false;
                }
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The position filed in an occupied slot.
    #[inline]
    fn position(occupant: u64) -> usize {
        (occupant & !Self::TAG) as usize - 1
    }

    /// Doubles the table (only when more tokens come than it was sized for).
    #[cold]
    fn grow(&mut self, hash_at: &impl Fn(usize) -> u32) {
        let old = std::mem::replace(self, Self::with_capacity(self.filed * 2));
        let mask = self.slots.len() - 1;
        for occupant in old.slots.into_iter().filter(|&occupant| occupant != 0) {
            // The filed tokens are distinct: each only needs a free slot.
            let mut slot = (Self::high(hash_at(Self::position(occupant))) >> self.shift) as usize;
            while self.slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            self.slots[slot] = occupant;
            self.filed += 1;
        }
    }
}

/// The tokens of a batch of separate votes, with their [`TokenTable`] (rule 11).
struct BatchTokens<'batch> {
    table: TokenTable,
    /// The tokens' bytes: comparing bytes skips the UTF-8 boundary checks of `str`.
    tokens: Vec<&'batch [u8]>,
    hashes: Vec<u32>,
}

impl<'batch> BatchTokens<'batch> {
    fn with_capacity(count: usize) -> Self {
        Self {
            table: TokenTable::with_capacity(count),
            tokens: Vec::with_capacity(count),
            hashes: Vec::with_capacity(count),
        }
    }

    /// Adds `token`; `false` when it was already there.
    #[inline]
    fn insert(&mut self, token: &'batch [u8]) -> bool {
        let hash = token_hash(token);
        let (tokens, hashes) = (&self.tokens, &self.hashes);
        let new = self.table.insert(
            hash,
            tokens.len(),
            |filed| hashes[filed],
            |filed| tokens[filed] == token,
        );
        if new {
            self.tokens.push(token);
            self.hashes.push(hash);
        }
        new
    }
}

/// Ballots are short (rule 4 runs first), so a quadratic scan beats hashing; long lists
/// fall back to sorting a copy.
#[inline]
fn has_duplicates(ids: &[CandidateId]) -> bool {
    if ids.len() <= 16 {
        ids.iter()
            .enumerate()
            .any(|(index, id)| ids[index + 1..].contains(id))
    } else {
        let mut sorted = ids.to_vec();
        sorted.sort_unstable();
        sorted.windows(2).any(|pair| pair[0] == pair[1])
    }
}

#[cfg(test)]
mod tests {
    use super::{
        BatchTokens, FILTER_BITS_PER_TOKEN, HashSieve, NEIGHBOUR_WINDOW, SIEVE_KEPT,
        hashes_surely_differ,
    };
    use crate::{
        CandidateId, ElectionConfig, InMemoryTokenStore, PartyId, PollingPlaceId, TokenStore,
        Validator, Vote, VoteBatch,
    };

    #[test]
    fn the_bundled_configuration_takes_the_branch_free_path() {
        let config =
            ElectionConfig::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020"))
                .unwrap();
        assert!(config.ballot_tables().is_some());
        let validator = Validator::new(&config);
        let vote = |party: Option<i64>, candidates: &[i64]| Vote {
            party_id: party.map(PartyId),
            candidate_ids: candidates.iter().copied().map(CandidateId).collect(),
            token: "t".into(),
            election_id: "election_id".into(),
        };
        let passes =
            |votes: &[Vote]| validator.all_ballots_pass(&VoteBatch::from_votes(votes).unwrap());
        assert_eq!(
            passes(&[vote(Some(10), &[1075, 1224]), vote(None, &[])]),
            Some(true)
        );
        for broken in [
            vote(Some(10), &[1075, 1075]),
            vote(Some(10), &[1075, 1074]),
            vote(Some(10), &[1075, 1076, 1077, 1078, 1079, 1080]),
            vote(None, &[1075]),
            vote(Some(25), &[]),
            // The lowest and highest ids a batch codes in its columns.
            vote(Some(-(1 << 23) + 2), &[]),
            vote(Some(10), &[(1 << 23) - 1]),
            vote(Some(10), &[1075, 1076, 1077, 1075]),
        ] {
            assert_eq!(
                passes(&[vote(None, &[]), broken.clone()]),
                Some(false),
                "{broken:?}"
            );
        }
        // A long batch is decided chunk by chunk, each vote's candidates against its
        // own party: every party in turn, so a vote confused with another of the same
        // position in a neighbouring chunk would be caught.
        let parties = config.parties();
        let long: Vec<Vote> = (0..1000)
            .map(|index| {
                let party = &parties[index % parties.len()];
                let own = party.candidates.len();
                let candidates: Vec<i64> = (0..(index % 5).min(own))
                    .map(|offset| party.candidates[(index + offset) % own].id.0)
                    .collect();
                vote(Some(party.id.0), &candidates)
            })
            .collect();
        assert_eq!(passes(&long), Some(true));
        for position in [0, 255, 256, 700, 999] {
            let mut broken = long.clone();
            broken[position].candidate_ids =
                vec![parties[(position + 1) % parties.len()].candidates[0].id];
            assert_eq!(passes(&broken), Some(false), "vote {position}");
        }
        // Ids past the batch's 24-bit codes leave the decision to the ordered path,
        // whatever they are.
        for wide in [
            vote(Some(i64::MIN), &[]),
            vote(Some(-(1 << 23) + 1), &[]),
            vote(Some(10), &[1 << 23]),
            vote(Some(10), &[i64::MAX]),
        ] {
            assert_eq!(passes(&[vote(None, &[]), wide.clone()]), None, "{wide:?}");
        }
        // So do ballots longer than the neighbour window, where the limit allows them;
        // a count that saturates its byte is never taken for a short ballot.
        let roomy = config.clone().with_max_candidates(400).unwrap();
        let roomy = Validator::new(&roomy);
        let long: Vec<i64> = (1075..1075 + NEIGHBOUR_WINDOW as i64 + 1).collect();
        let batch = VoteBatch::from_votes(&[vote(Some(10), &long)]).unwrap();
        assert_eq!(roomy.all_ballots_pass(&batch), None);
        let window: Vec<i64> = (1075..1075 + NEIGHBOUR_WINDOW as i64).collect();
        let batch = VoteBatch::from_votes(&[vote(Some(10), &window)]).unwrap();
        assert_eq!(roomy.all_ballots_pass(&batch), Some(true));
        let huge: Vec<i64> = (0..300).collect();
        let batch = VoteBatch::from_votes(&[vote(Some(10), &huge)]).unwrap();
        assert_eq!(roomy.all_ballots_pass(&batch), Some(false));
    }

    #[test]
    fn hashes_surely_differ_only_when_no_two_are_equal() {
        let spread: Vec<u32> = (0..1000u32)
            .map(|index| index.wrapping_mul(0x9E37_79B9))
            .collect();
        // Twice each, so the thread's sieve is reused: a later round must not see the
        // hashes of an earlier one.
        for _ in 0..2 {
            assert!(hashes_surely_differ(&spread));
            assert!(hashes_surely_differ(&spread[..1]));
            assert!(hashes_surely_differ(&[]));
        }
        let mut with_twin = spread.clone();
        with_twin.push(spread[500]);
        assert!(!hashes_surely_differ(&with_twin));
        // Hashes crowding into one slot run are all filed, and told apart.
        let crowded: Vec<u32> = (0..64).collect();
        assert!(hashes_surely_differ(&crowded));
        let mut crowded_twin = crowded.clone();
        crowded_twin.push(63);
        assert!(!hashes_surely_differ(&crowded_twin));
        // A batch beyond the kept sieve gets a table of its own.
        let many: Vec<u32> = (0..SIEVE_KEPT as u32)
            .map(|index| index.wrapping_mul(0x9E37_79B9))
            .collect();
        assert!(hashes_surely_differ(&many));
        assert!(!hashes_surely_differ(
            &[many.as_slice(), &many[..1]].concat()
        ));
    }

    #[test]
    fn sieve_starts_over_when_its_round_number_wraps() {
        let mut sieve = HashSieve::default();
        assert!(sieve.all_distinct(64, &[7, 8]));
        sieve.round = u32::MAX;
        assert!(sieve.all_distinct(64, &[7]));
        assert_eq!(sieve.round, 1, "the round after the last one is the first");
        assert!(sieve.all_distinct(64, &[7, 8]));
        assert!(!sieve.all_distinct(64, &[9, 9]));
    }

    #[test]
    fn batch_tokens_find_every_repeat_and_only_repeats() {
        let tokens: Vec<String> = (0..5000).map(|index| format!("token-{index}")).collect();
        // Sized too small on purpose, so growing is exercised too.
        let mut set = BatchTokens::with_capacity(3);
        for token in &tokens {
            assert!(set.insert(token.as_bytes()), "{token} is new");
        }
        for token in &tokens {
            assert!(!set.insert(token.as_bytes()), "{token} is a repeat");
        }
        assert!(set.insert(b""));
        assert!(!set.insert(b""));
    }

    #[test]
    fn the_store_finds_every_stored_token_through_each_growth_of_its_filter() {
        let place = PollingPlaceId(3);
        let stored: Vec<String> = (0..5000).map(|index| format!("stored-{index}")).collect();
        let mut store = InMemoryTokenStore::new();
        assert!(store.is_empty());
        for (count, token) in stored.iter().enumerate() {
            assert!(store.insert(place, token), "{token} is new");
            let filter_bits = store.places[&place].filter.len() * 64;
            assert!(filter_bits >= (count + 1) * FILTER_BITS_PER_TOKEN);
            assert!(filter_bits.is_power_of_two());
        }
        for token in &stored {
            assert!(store.contains(place, token), "{token} is stored");
            assert!(!store.insert(place, token), "{token} is a repeat");
            assert!(!store.contains(PollingPlaceId(4), token), "other place");
        }
        assert_eq!(store.len(), stored.len());
        assert!(!store.is_empty());

        let fresh: Vec<String> = (0..5000).map(|index| format!("fresh-{index}")).collect();
        let passing = fresh.iter().filter(|token| {
            let hash = crate::token_hash::token_hash(token.as_bytes());
            store.places[&place].may_hold(hash)
        });
        // 5000 tokens in 2^17 bits, two bits each: a fresh token passes in about 1 case
        // of 140 (of 60 at the fewest bits per token); one bit each would pass 1 in 27.
        let passing = passing.count();
        assert!(passing < fresh.len() / 50, "{passing} fresh tokens passed");
        assert!(fresh.iter().all(|token| !store.contains(place, token)));

        let vote = |token: &str| Vote {
            party_id: Some(PartyId(1)),
            candidate_ids: vec![],
            token: token.into(),
            election_id: "e".into(),
        };
        let mut votes: Vec<Vote> = fresh[..900].iter().map(|token| vote(token)).collect();
        votes.push(vote(&stored[4321]));
        votes.push(vote(&stored[7]));
        let batch = VoteBatch::from_votes(&votes).expect("small batch");
        assert_eq!(store.first_stored(place, &batch), Some(900));
        assert_eq!(
            store.first_stored(place, &VoteBatch::from_votes(&votes[..900]).unwrap()),
            None
        );
        assert_eq!(store.first_stored(PollingPlaceId(4), &batch), None);
    }
}
