//! Rule 9's question, "is this token stored for this polling place?": the
//! [`TokenStore`] trait and the in-memory store.

use hashbrown::HashTable;
use rustc_hash::FxHashMap;

#[cfg(feature = "vote-batch")]
use crate::batch::VoteBatch;
use crate::ids::PollingPlaceId;
use crate::token_hash::{spread, token_hash};

/// Where rule 9 looks for tokens already stored.
///
/// Validation only reads (`contains`). A store makes check-and-insert atomic by being
/// borrowed mutably across [`Validator::accept_batch`](crate::Validator::accept_batch) (in memory) or by running both in
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
    /// overrides it. Feature `vote-batch`.
    #[cfg(feature = "vote-batch")]
    fn first_stored(&self, polling_place: PollingPlaceId, batch: &VoteBatch) -> Option<usize> {
        batch
            .tokens()
            .position(|token| self.contains(polling_place, token))
    }
}

/// Tokens kept in memory, per polling place, each filed under the keyed hash that
/// a `VoteBatch` (feature `vote-batch`) keeps for its tokens: checking a batch against the store compares
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
    #[cfg(feature = "vote-batch")]
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

#[cfg(all(test, feature = "vote-batch"))]
mod tests {
    use super::FILTER_BITS_PER_TOKEN;
    use crate::{InMemoryTokenStore, PartyId, PollingPlaceId, TokenStore, Vote, VoteBatch};

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
