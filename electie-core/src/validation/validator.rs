//! [`Validator`]: the rules of one election applied to a vote, a batch (all or
//! nothing, as the original server) or each vote of a batch (verdicts), and
//! acceptance, atomic with the token store.

use super::rejection::Rejection;
use super::token_store::TokenStore;
use super::token_table::BatchTokens;
use crate::config::ElectionConfig;
use crate::ids::{CandidateId, PartyId, PollingPlaceId};
use crate::models::Vote;

/// The per-vote outcome of [`Validator::verdicts`]: `Ok(())` when accepted.
pub type Verdict = Result<(), Rejection>;

/// Applies the rules of one election's configuration.
#[derive(Debug, Clone, Copy)]
pub struct Validator<'config> {
    pub(super) config: &'config ElectionConfig,
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
                self.config.party_of_candidate_index(index) == Some(party_index)
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
