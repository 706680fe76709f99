//! A batch of decoded votes stored field by field, for validating and counting at the
//! speed of memory.
//!
//! A `Vec<Vote>` costs three heap blocks per vote (candidates, token, election id),
//! about 200 bytes scattered over the heap; validating a million of them is bound by
//! fetching those blocks, not by the rules. [`VoteBatch`] keeps the same votes in a few
//! contiguous arrays, laid out so that validation reads as little as it can:
//!
//! | column | per | bytes | read by the batch check |
//! |---|---|---|---|
//! | party id, 32-bit | vote | 4 | yes |
//! | number of candidates, 8-bit (saturating) | vote | 1 | yes |
//! | token hash, 32-bit (keyed, computed once on entry) | vote | 4 | yes |
//! | candidate id, 32-bit | candidate | 4 | yes |
//! | the vote a candidate belongs to, modulo 2⁸ | candidate | 1 | yes |
//! | end of the vote's candidates | vote | 4 | no (random access) |
//! | token text and its end | vote | len + 4 | only when two hashes agree |
//! | election id | run of votes sharing it | — | once per run |
//!
//! Ids are 64-bit integers, but real ones are small. An id that does not fit the
//! 32-bit column (below `-2³¹ + 2`, or above `2³¹ − 1`) is stored in full in a short
//! side list and marked in the column; a batch holding any such id is validated by the
//! ordered path, which reads the full ids, so nothing is ever truncated.
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
//!     candidate_ids: vec![CandidateId(1075), CandidateId(i64::MAX)],
//!     token: "t-1".into(),
//!     election_id: "election_id".into(),
//! };
//! let batch = VoteBatch::from_votes(std::slice::from_ref(&vote))?;
//! assert_eq!(batch.len(), 1);
//! assert_eq!(batch.get(0), Some(vote));
//! # Ok::<(), electie_core::BatchFull>(())
//! ```

use std::ops::Range;

use crate::ids::{CandidateId, PartyId};
use crate::models::Vote;
use crate::token_hash::token_hash;

/// A [`VoteBatch`] holds at most `u32::MAX` votes, `u32::MAX` bytes of tokens and
/// `u32::MAX` candidate ids (offsets are 32-bit to keep the arrays small); this vote
/// would go past that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the vote batch is full: at most 4 294 967 295 votes, 4 GiB of tokens and 4 294 967 295 candidate ids in one batch"
)]
pub struct BatchFull;

/// In a 32-bit id column: the id is in the column's side list of full ids.
pub(crate) const WIDE_ID: i32 = i32::MIN;
/// In the party column: no party (a blank vote).
pub(crate) const NO_PARTY: i32 = i32::MIN + 1;

/// `id` as it is kept in a 32-bit column, or `None` when it needs the side list (the
/// two lowest values are the column's markers).
pub(crate) fn narrow_id(id: i64) -> Option<i32> {
    i32::try_from(id).ok().filter(|&narrow| narrow > NO_PARTY)
}

/// A column of 64-bit ids kept as 32-bit values, with the rare id that does not fit
/// stored in full beside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct IdColumn {
    narrow: Vec<i32>,
    /// `(position, id)` of every [`WIDE_ID`] of `narrow`, in increasing position.
    wide: Vec<(u32, i64)>,
}

impl IdColumn {
    fn push(&mut self, id: i64) {
        match narrow_id(id) {
            Some(narrow) => self.narrow.push(narrow),
            None => {
                // Positions fit: the batch refuses a column longer than `u32::MAX`
                // before pushing.
                self.wide.push((self.narrow.len() as u32, id));
                self.narrow.push(WIDE_ID);
            }
        }
    }

    /// Pushes the code of a blank vote (parties only).
    fn push_marker(&mut self, marker: i32) {
        self.narrow.push(marker);
    }

    /// The full id of a narrow value at `position`.
    fn widen(&self, position: usize, narrow: i32) -> i64 {
        if narrow == WIDE_ID {
            let at = self
                .wide
                .partition_point(|&(wide_position, _)| (wide_position as usize) < position);
            self.wide[at].1
        } else {
            i64::from(narrow)
        }
    }

    fn get(&self, position: usize) -> i64 {
        self.widen(position, self.narrow[position])
    }

    fn clear(&mut self) {
        self.narrow.clear();
        self.wide.clear();
    }
}

/// Decoded votes stored by field (see the [module docs](self)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VoteBatch {
    /// `party_id` of each vote; [`NO_PARTY`] for a blank vote.
    parties: IdColumn,
    /// Number of candidates of each vote, `u8::MAX` for that many or more.
    candidate_counts: Vec<u8>,
    /// End of each vote's candidates in `candidates` (the start is the previous end).
    candidate_ends: Vec<u32>,
    candidates: IdColumn,
    /// The vote (position, modulo 2⁸) each of `candidates` belongs to: lets the
    /// candidates be checked in flat passes over 2⁸ votes at a time, whose party ids
    /// a byte indexes without a bounds check.
    candidate_votes: Vec<u8>,
    /// Each token's keyed hash, computed once here.
    token_hashes: Vec<u32>,
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

/// The columns the batch check of rules 4–8 and 11 reads, borrowed from a batch whose
/// ids all fit 32 bits (see [`VoteBatch::narrow_columns`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct NarrowColumns<'batch> {
    /// Each vote's party id, [`NO_PARTY`] for a blank vote.
    pub(crate) parties: &'batch [i32],
    /// Each vote's number of candidates, `u8::MAX` for that many or more.
    pub(crate) candidate_counts: &'batch [u8],
    /// End of each vote's candidates in `candidates`.
    pub(crate) candidate_ends: &'batch [u32],
    /// Every candidate id, vote after vote.
    pub(crate) candidates: &'batch [i32],
    /// The vote each of `candidates` belongs to, modulo 2⁸.
    pub(crate) candidate_votes: &'batch [u8],
}

impl VoteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty batch with room for `votes` votes without reallocating the per-vote
    /// arrays.
    pub fn with_capacity(votes: usize) -> Self {
        Self::with_room(votes, 0, 0)
    }

    /// An empty batch with room for `votes` votes, `candidates` candidate ids and
    /// `token_bytes` bytes of tokens. Each array is allocated once, and the ones the
    /// batch check reads first, side by side: they then share pages and the
    /// processor's prefetching runs from one into the next.
    fn with_room(votes: usize, candidates: usize, token_bytes: usize) -> Self {
        let narrow = |capacity| IdColumn {
            narrow: Vec::with_capacity(capacity),
            wide: Vec::new(),
        };
        Self {
            parties: narrow(votes),
            candidate_counts: Vec::with_capacity(votes),
            token_hashes: Vec::with_capacity(votes),
            candidates: narrow(candidates),
            candidate_votes: Vec::with_capacity(candidates),
            candidate_ends: Vec::with_capacity(votes),
            token_ends: Vec::with_capacity(votes),
            token_text: String::with_capacity(token_bytes),
            election_runs: Vec::new(),
            election_ids: Vec::new(),
        }
    }

    /// The votes of `votes`, in order.
    ///
    /// # Errors
    /// [`BatchFull`] past 2³² − 1 votes, 4 GiB of tokens or 2³² − 1 candidate ids.
    pub fn from_votes(votes: &[Vote]) -> Result<Self, BatchFull> {
        let candidates = votes.iter().map(|vote| vote.candidate_ids.len()).sum();
        let token_bytes = votes.iter().map(|vote| vote.token.len()).sum();
        let mut batch = Self::with_room(votes.len(), candidates, token_bytes);
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
        let candidate_end = u32::try_from(self.candidates.narrow.len() + candidate_ids.len())
            .map_err(|_| BatchFull)?;
        let token_end =
            u32::try_from(self.token_text.len() + token.len()).map_err(|_| BatchFull)?;
        let vote = self.len();
        if u32::try_from(vote).is_err() {
            return Err(BatchFull);
        }
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
        match party_id {
            Some(party) => self.parties.push(party.0),
            None => self.parties.push_marker(NO_PARTY),
        }
        for candidate in candidate_ids {
            self.candidates.push(candidate.0);
        }
        // Modulo 2⁸ on purpose (see `candidate_votes`).
        self.candidate_votes
            .extend(std::iter::repeat_n(vote as u8, candidate_ids.len()));
        self.candidate_counts
            .push(u8::try_from(candidate_ids.len()).unwrap_or(u8::MAX));
        self.candidate_ends.push(candidate_end);
        self.token_hashes.push(token_hash(token.as_bytes()));
        self.token_text.push_str(token);
        self.token_ends.push(token_end);
        Ok(())
    }

    /// Number of votes.
    pub fn len(&self) -> usize {
        self.candidate_ends.len()
    }

    /// Whether the batch holds no vote.
    pub fn is_empty(&self) -> bool {
        self.candidate_ends.is_empty()
    }

    /// Removes every vote, keeping the allocated memory for the next batch.
    pub fn clear(&mut self) {
        self.parties.clear();
        self.candidate_counts.clear();
        self.candidate_ends.clear();
        self.candidates.clear();
        self.candidate_votes.clear();
        self.token_hashes.clear();
        self.token_ends.clear();
        self.token_text.clear();
        self.election_runs.clear();
        self.election_ids.clear();
    }

    /// The vote at `index`, or `None` past the end.
    pub fn get(&self, index: usize) -> Option<Vote> {
        (index < self.len()).then(|| Vote {
            party_id: self.party_id(index),
            candidate_ids: self.candidates(index).collect(),
            token: self.token(index).to_owned(),
            election_id: self.election_id(index).to_owned(),
        })
    }

    /// Every vote as an owned [`Vote`], in order.
    pub fn to_votes(&self) -> Vec<Vote> {
        (0..self.len())
            .filter_map(|index| self.get(index))
            .collect()
    }

    /// The party of the vote at `index < len()`; `None` for a blank vote.
    pub fn party_id(&self, index: usize) -> Option<PartyId> {
        let narrow = self.parties.narrow[index];
        (narrow != NO_PARTY).then(|| PartyId(self.parties.widen(index, narrow)))
    }

    /// The candidates of the vote at `index < len()`, in ballot order.
    pub fn candidates(&self, index: usize) -> impl ExactSizeIterator<Item = CandidateId> + '_ {
        span(&self.candidate_ends, index).map(|position| CandidateId(self.candidates.get(position)))
    }

    /// The token of the vote at `index < len()`.
    pub fn token(&self, index: usize) -> &str {
        &self.token_text[span(&self.token_ends, index)]
    }

    /// The election id of the vote at `index < len()`.
    pub fn election_id(&self, index: usize) -> &str {
        // Runs start at vote 0 and in increasing order, so one run starts at or before
        // every vote.
        let run = self
            .election_runs
            .partition_point(|run| run.first_vote <= index)
            .saturating_sub(1);
        &self.election_ids[self.election_runs[run].election]
    }

    /// Every token, in order.
    pub fn tokens(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        spans(&self.token_ends).map(|span| &self.token_text[span])
    }

    /// Every token's keyed hash, in order.
    #[inline]
    pub(crate) fn token_hashes(&self) -> &[u32] {
        &self.token_hashes
    }

    /// The bytes of the token of the vote at `index` (`index < len()`); bytes skip the
    /// UTF-8 boundary checks of slicing a `str`.
    #[inline]
    pub(crate) fn token_bytes_at(&self, index: usize) -> &[u8] {
        &self.token_text.as_bytes()[span(&self.token_ends, index)]
    }

    /// The 32-bit columns, or `None` when an id of the batch lives in a side list.
    #[inline]
    pub(crate) fn narrow_columns(&self) -> Option<NarrowColumns<'_>> {
        (self.parties.wide.is_empty() && self.candidates.wide.is_empty()).then_some(NarrowColumns {
            parties: &self.parties.narrow,
            candidate_counts: &self.candidate_counts,
            candidate_ends: &self.candidate_ends,
            candidates: &self.candidates.narrow,
            candidate_votes: &self.candidate_votes,
        })
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
        assert!(batch.get(votes.len()).is_none());
        assert!(batch.narrow_columns().is_some());
        // Three runs (e1, e2, e1) over two distinct ids.
        assert_eq!(batch.election_runs.len(), 3);
        assert_eq!(batch.election_ids.len(), 2);
        assert_eq!(batch.first_vote_not_in("e1"), Some(2));
        assert_eq!(batch.first_vote_not_in("e2"), Some(0));
        assert_eq!(batch.first_vote_not_in("e3"), Some(0));
    }

    #[test]
    fn ids_past_32_bits_and_the_marker_values_come_back_whole() {
        let edge = [
            i64::MIN,
            i64::from(i32::MIN) - 1,
            i64::from(i32::MIN),
            i64::from(i32::MIN) + 1,
            i64::from(i32::MIN) + 2,
            -1,
            i64::from(i32::MAX),
            i64::from(i32::MAX) + 1,
            i64::MAX,
        ];
        let votes: Vec<Vote> = edge
            .iter()
            .map(|&id| vote(Some(id), &edge, "t", "e"))
            .chain([vote(None, &[i64::MIN], "u", "e")])
            .collect();
        let batch = VoteBatch::from_votes(&votes).unwrap();
        assert_eq!(batch.to_votes(), votes);
        assert!(batch.narrow_columns().is_none());
        // Exactly the ids outside the narrow range went to the side lists.
        assert_eq!(batch.parties.wide.len(), 6);
        assert_eq!(batch.candidates.wide.len(), 6 * edge.len() + 1);
        let narrow_only = VoteBatch::from_votes(&[vote(
            Some(i64::from(i32::MIN) + 2),
            &[i64::from(i32::MAX)],
            "t",
            "e",
        )])
        .unwrap();
        assert!(narrow_only.narrow_columns().is_some());
    }

    #[test]
    fn counts_saturate_but_the_candidates_stay_exact() {
        let many: Vec<i64> = (0..300).collect();
        let batch = VoteBatch::from_votes(&[vote(Some(1), &many, "t", "e")]).unwrap();
        assert_eq!(batch.candidate_counts, [u8::MAX]);
        assert_eq!(batch.candidates(0).len(), 300);
        assert_eq!(batch.get(0).unwrap().candidate_ids.len(), 300);
    }

    #[test]
    fn clearing_keeps_nothing_of_the_old_votes() {
        let mut batch = VoteBatch::from_votes(&[vote(Some(i64::MAX), &[2], "x", "e")]).unwrap();
        batch.clear();
        assert!(batch.is_empty());
        assert_eq!(batch.first_vote_not_in("anything"), None);
        batch.push(&vote(None, &[], "y", "f")).unwrap();
        assert_eq!(batch.to_votes(), [vote(None, &[], "y", "f")]);
        assert!(batch.narrow_columns().is_some());
    }
}
