//! A batch of decoded votes stored field by field, for validating and counting at the
//! speed of memory.
//!
//! A `Vec<Vote>` costs three heap blocks per vote (candidates, token, election id),
//! about 200 bytes scattered over the heap; validating a million of them is bound by
//! fetching those blocks, not by the rules. [`VoteBatch`] keeps the same votes in a few
//! contiguous arrays: party ids side by side, all candidate ids in one array, all
//! tokens in one string, and the election id once per run of votes that share it (a
//! batch normally has one run). A vote then takes about 40 bytes plus its candidates,
//! read front to back.
//!
//! The batch holds exactly what the votes held: [`VoteBatch::get`] and
//! [`VoteBatch::to_votes`] give the same `Vote`s back, and
//! [`Validator::check_vote_batch`](crate::Validator::check_vote_batch) answers exactly
//! what [`Validator::check_batch`](crate::Validator::check_batch) answers for them.
//!
//! ```
//! use electie_core::{CandidateId, PartyId, Vote, VoteBatch};
//!
//! let vote = Vote {
//!     party_id: Some(PartyId(10)),
//!     candidate_ids: vec![CandidateId(1075)],
//!     token: "t-1".into(),
//!     election_id: "election_id".into(),
//! };
//! let batch = VoteBatch::from_votes(std::slice::from_ref(&vote))?;
//! assert_eq!(batch.len(), 1);
//! assert_eq!(batch.get(0).map(|view| view.to_vote()), Some(vote));
//! # Ok::<(), electie_core::BatchFull>(())
//! ```

use std::ops::Range;

use crate::ids::{CandidateId, PartyId};
use crate::models::Vote;

/// A [`VoteBatch`] holds at most `u32::MAX` votes, `u32::MAX` bytes of tokens and
/// `u32::MAX` candidate ids (offsets are 32-bit to keep the arrays small); this vote
/// would go past that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the vote batch is full: at most 4 294 967 295 votes, 4 GiB of tokens and 4 294 967 295 candidate ids in one batch"
)]
pub struct BatchFull;

/// Decoded votes stored by field (see the [module docs](self)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VoteBatch {
    /// `party_id` of each vote.
    party_ids: Vec<Option<PartyId>>,
    /// End of each vote's candidates in `candidate_ids` (the start is the previous end).
    candidate_ends: Vec<u32>,
    candidate_ids: Vec<CandidateId>,
    /// The vote (position) each of `candidate_ids` belongs to: lets the candidates be
    /// checked in one flat pass.
    candidate_votes: Vec<u32>,
    /// End of each vote's token in `token_text`.
    token_ends: Vec<u32>,
    token_text: String,
    /// Runs of consecutive votes with the same election id: the first vote of the run
    /// and the id's position in `election_ids`.
    election_runs: Vec<ElectionRun>,
    /// Each distinct election id of the batch, once.
    election_ids: Vec<Box<str>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ElectionRun {
    first_vote: usize,
    election: usize,
}

/// One vote of a [`VoteBatch`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoteView<'batch> {
    /// The party voted for; `None` is a blank vote.
    pub party_id: Option<PartyId>,
    /// Circled candidates, in ballot order.
    pub candidate_ids: &'batch [CandidateId],
    /// The voter's one-time token.
    pub token: &'batch str,
    /// The election the vote belongs to.
    pub election_id: &'batch str,
}

impl VoteView<'_> {
    /// The vote as an owned [`Vote`].
    pub fn to_vote(&self) -> Vote {
        Vote {
            party_id: self.party_id,
            candidate_ids: self.candidate_ids.to_vec(),
            token: self.token.to_owned(),
            election_id: self.election_id.to_owned(),
        }
    }
}

impl VoteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty batch with room for `votes` votes without reallocating the per-vote
    /// arrays.
    pub fn with_capacity(votes: usize) -> Self {
        Self {
            party_ids: Vec::with_capacity(votes),
            candidate_ends: Vec::with_capacity(votes),
            token_ends: Vec::with_capacity(votes),
            ..Self::default()
        }
    }

    /// The votes of `votes`, in order.
    ///
    /// # Errors
    /// [`BatchFull`] past 2³² − 1 votes, 4 GiB of tokens or 2³² − 1 candidate ids.
    pub fn from_votes(votes: &[Vote]) -> Result<Self, BatchFull> {
        let mut batch = Self::with_capacity(votes.len());
        for vote in votes {
            batch.push(vote)?;
        }
        Ok(batch)
    }

    /// Appends a vote.
    ///
    /// # Errors
    /// [`BatchFull`] past 2³² − 1 votes, 4 GiB of tokens or 2³² − 1 candidate ids;
    /// the batch is then unchanged.
    pub fn push(&mut self, vote: &Vote) -> Result<(), BatchFull> {
        self.push_parts(
            vote.party_id,
            &vote.candidate_ids,
            &vote.token,
            &vote.election_id,
        )
    }

    /// Appends a vote given by its fields.
    ///
    /// # Errors
    /// As [`push`](Self::push).
    pub fn push_parts(
        &mut self,
        party_id: Option<PartyId>,
        candidate_ids: &[CandidateId],
        token: &str,
        election_id: &str,
    ) -> Result<(), BatchFull> {
        let candidate_end =
            u32::try_from(self.candidate_ids.len() + candidate_ids.len()).map_err(|_| BatchFull)?;
        let token_end =
            u32::try_from(self.token_text.len() + token.len()).map_err(|_| BatchFull)?;
        let vote = self.party_ids.len();
        let vote_u32 = u32::try_from(vote).map_err(|_| BatchFull)?;
        let same_election = self
            .election_runs
            .last()
            .is_some_and(|run| *self.election_ids[run.election] == *election_id);
        if !same_election {
            let election = match self
                .election_ids
                .iter()
                .position(|known| **known == *election_id)
            {
                Some(known) => known,
                None => {
                    self.election_ids.push(election_id.into());
                    self.election_ids.len() - 1
                }
            };
            self.election_runs.push(ElectionRun {
                first_vote: vote,
                election,
            });
        }
        self.party_ids.push(party_id);
        self.candidate_ids.extend_from_slice(candidate_ids);
        self.candidate_votes
            .extend(std::iter::repeat_n(vote_u32, candidate_ids.len()));
        self.candidate_ends.push(candidate_end);
        self.token_text.push_str(token);
        self.token_ends.push(token_end);
        Ok(())
    }

    /// Number of votes.
    pub fn len(&self) -> usize {
        self.party_ids.len()
    }

    /// Whether the batch holds no vote.
    pub fn is_empty(&self) -> bool {
        self.party_ids.is_empty()
    }

    /// Removes every vote, keeping the allocated memory for the next batch.
    pub fn clear(&mut self) {
        self.party_ids.clear();
        self.candidate_ends.clear();
        self.candidate_ids.clear();
        self.candidate_votes.clear();
        self.token_ends.clear();
        self.token_text.clear();
        self.election_runs.clear();
        self.election_ids.clear();
    }

    /// The vote at `index`, or `None` past the end.
    pub fn get(&self, index: usize) -> Option<VoteView<'_>> {
        (index < self.len()).then(|| self.view(index))
    }

    /// Every vote, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = VoteView<'_>> + '_ {
        (0..self.len()).map(|index| self.view(index))
    }

    /// The vote at `index < len()`.
    fn view(&self, index: usize) -> VoteView<'_> {
        // Runs start at vote 0 and in increasing order, so one run starts at or before
        // every vote.
        let run = self
            .election_runs
            .partition_point(|run| run.first_vote <= index)
            .saturating_sub(1);
        VoteView {
            party_id: self.party_ids[index],
            candidate_ids: self.candidates(index),
            token: self.token(index),
            election_id: &self.election_ids[self.election_runs[run].election],
        }
    }

    /// Every vote as an owned [`Vote`], in order.
    pub fn to_votes(&self) -> Vec<Vote> {
        self.iter().map(|view| view.to_vote()).collect()
    }

    /// `party_id` of every vote, in order.
    pub fn party_ids(&self) -> &[Option<PartyId>] {
        &self.party_ids
    }

    /// End of each vote's candidates in [`candidate_column`](Self::candidate_column).
    #[inline]
    pub(crate) fn candidate_ends(&self) -> &[u32] {
        &self.candidate_ends
    }

    /// Every vote's candidates one after the other, with the vote each belongs to.
    #[inline]
    pub(crate) fn candidate_column(&self) -> (&[CandidateId], &[u32]) {
        (&self.candidate_ids, &self.candidate_votes)
    }

    /// The candidates of the vote at `index` (`index < len()`).
    #[inline]
    pub(crate) fn candidates(&self, index: usize) -> &[CandidateId] {
        &self.candidate_ids[span(&self.candidate_ends, index)]
    }

    /// The token of the vote at `index` (`index < len()`).
    #[inline]
    pub(crate) fn token(&self, index: usize) -> &str {
        &self.token_text[span(&self.token_ends, index)]
    }

    /// Every token, in order.
    pub fn tokens(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        spans(&self.token_ends).map(|span| &self.token_text[span])
    }

    /// The bytes of the token of the vote at `index` (`index < len()`); bytes skip the
    /// UTF-8 boundary checks of slicing a `str`.
    #[inline]
    pub(crate) fn token_bytes_at(&self, index: usize) -> &[u8] {
        &self.token_text.as_bytes()[span(&self.token_ends, index)]
    }

    /// Every token's bytes, in order.
    pub(crate) fn token_bytes(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        let text = self.token_text.as_bytes();
        spans(&self.token_ends).map(move |span| &text[span])
    }

    /// Every vote's candidates, in order.
    pub fn candidate_lists(&self) -> impl ExactSizeIterator<Item = &[CandidateId]> + '_ {
        spans(&self.candidate_ends).map(|span| &self.candidate_ids[span])
    }

    /// The first vote whose election id is not `election_id`, looking once at each run
    /// of votes sharing an id.
    pub fn first_vote_not_in(&self, election_id: &str) -> Option<usize> {
        self.election_runs
            .iter()
            .find(|run| *self.election_ids[run.election] != *election_id)
            .map(|run| run.first_vote)
    }
}

/// The range of item `index` in a column whose items end at `ends` (each starts where
/// the previous one ends).
#[inline]
fn span(ends: &[u32], index: usize) -> Range<usize> {
    let start = index
        .checked_sub(1)
        .map_or(0, |previous| ends[previous] as usize);
    start..ends[index] as usize
}

/// The range of every item of a column whose items end at `ends`, in order.
fn spans(ends: &[u32]) -> impl ExactSizeIterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    ends.iter().map(move |&end| {
        let span = start..end as usize;
        start = end as usize;
        span
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vote(party: Option<i64>, candidates: &[i64], token: &str, election: &str) -> Vote {
        Vote {
            party_id: party.map(PartyId),
            candidate_ids: candidates.iter().copied().map(CandidateId).collect(),
            token: token.into(),
            election_id: election.into(),
        }
    }

    #[test]
    fn gives_back_exactly_the_votes_it_was_given() {
        let votes = vec![
            vote(Some(10), &[1075, 1076], "a", "e1"),
            vote(None, &[], "", "e1"),
            vote(Some(-1), &[-1, 0, 0], "žetón", "e2"),
            vote(Some(3), &[], "c", "e1"),
            vote(Some(3), &[7], "d", "e1"),
        ];
        let batch = VoteBatch::from_votes(&votes).unwrap();
        assert_eq!(batch.len(), votes.len());
        assert_eq!(batch.to_votes(), votes);
        assert_eq!(
            batch.tokens().collect::<Vec<_>>(),
            ["a", "", "žetón", "c", "d"]
        );
        assert_eq!(batch.candidate_lists().len(), votes.len());
        assert!(batch.get(votes.len()).is_none());
        // Three runs (e1, e2, e1) over two distinct ids.
        assert_eq!(batch.election_runs.len(), 3);
        assert_eq!(batch.election_ids.len(), 2);
        assert_eq!(batch.first_vote_not_in("e1"), Some(2));
        assert_eq!(batch.first_vote_not_in("e2"), Some(0));
        assert_eq!(batch.first_vote_not_in("e3"), Some(0));
    }

    #[test]
    fn clearing_keeps_nothing_of_the_old_votes() {
        let mut batch = VoteBatch::from_votes(&[vote(Some(1), &[2], "x", "e")]).unwrap();
        batch.clear();
        assert!(batch.is_empty());
        assert_eq!(batch.first_vote_not_in("anything"), None);
        batch.push(&vote(None, &[], "y", "f")).unwrap();
        assert_eq!(batch.to_votes(), [vote(None, &[], "y", "f")]);
    }
}
