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
//! | party id (24 bits) and number of candidates (8 bits, saturating) | vote | 4 | yes |
//! | token hash, 32-bit (keyed, computed once on entry) | vote | 4 | yes |
//! | candidate id (24 bits) and its vote's position modulo 2⁸ (8 bits) | candidate | 4 | yes |
//! | end of the vote's candidates | vote | 4 | no (random access) |
//! | token text and its end | vote | len + 4 | only when two hashes agree |
//! | election id | run of votes sharing it | — | once per run |
//!
//! Ids are 64-bit integers, but real ones are small. An id whose code does not fit 24
//! bits (below `-2²³ + 2`, or above `2²³ − 1`) is stored in full in a short side list
//! and marked in the column; a batch holding any such id is validated by the ordered
//! path, which reads the full ids, so nothing is ever truncated.
//!
//! Each entry carries a byte beside the id because the batch check reads both
//! together: a vote's party with its length (rules 4, 6 and 8), a candidate with
//! the vote it belongs to (rules 5 and 7). One stream of 4 bytes is read instead of
//! two, and two candidates of the same vote are equal exactly when their entries are.
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

use smol_str::SmolStr;

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

/// Bits of a column entry that hold the id's code; the byte above holds the tag.
const CODE_BITS: u32 = 24;
/// In an id column: the id is in the column's side list of full ids.
pub(crate) const WIDE_ID: i32 = -(1 << (CODE_BITS - 1));
/// In the party column: no party (a blank vote).
pub(crate) const NO_PARTY: i32 = WIDE_ID + 1;

/// The code that stands for `id` in a column entry, or `None` when the id needs the
/// side list (the two lowest codes are the column's markers).
pub(crate) fn narrow_id(id: i64) -> Option<i32> {
    i32::try_from(id)
        .ok()
        .filter(|&code| code > NO_PARTY && code < 1 << (CODE_BITS - 1))
}

/// The id code of a column entry (its low 24 bits, sign-extended).
#[inline]
pub(crate) fn code_of(entry: u32) -> i32 {
    ((entry << (32 - CODE_BITS)) as i32) >> (32 - CODE_BITS)
}

/// The tag of a column entry (its top byte).
#[inline]
pub(crate) fn tag_of(entry: u32) -> u8 {
    (entry >> CODE_BITS) as u8
}

/// A column of 64-bit ids kept as 24-bit codes, each with a byte of its own beside it
/// in one 32-bit entry, and the rare id that does not fit stored in full aside.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct IdColumn {
    entries: Vec<u32>,
    /// `(position, id)` of every [`WIDE_ID`] of `entries`, in increasing position.
    wide: Vec<(u32, i64)>,
}

impl IdColumn {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Vec::with_capacity(capacity),
            wide: Vec::new(),
        }
    }

    fn push(&mut self, id: i64, tag: u8) {
        let code = narrow_id(id).unwrap_or_else(|| {
            // Positions fit: the batch refuses a column longer than `u32::MAX` before
            // pushing.
            self.wide.push((self.entries.len() as u32, id));
            WIDE_ID
        });
        self.push_code(code, tag);
    }

    /// Pushes a code as it is (a marker, or the code of an id).
    fn push_code(&mut self, code: i32, tag: u8) {
        self.entries
            .push(u32::from(tag) << CODE_BITS | (code as u32 & ((1 << CODE_BITS) - 1)));
    }

    fn code(&self, position: usize) -> i32 {
        code_of(self.entries[position])
    }

    #[cfg(test)]
    fn tag(&self, position: usize) -> u8 {
        tag_of(self.entries[position])
    }

    /// The full id of the code at `position`.
    fn widen(&self, position: usize, code: i32) -> i64 {
        if code == WIDE_ID {
            let at = self
                .wide
                .partition_point(|&(wide_position, _)| (wide_position as usize) < position);
            self.wide[at].1
        } else {
            i64::from(code)
        }
    }

    fn get(&self, position: usize) -> i64 {
        self.widen(position, self.code(position))
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.wide.clear();
    }
}

/// Decoded votes stored by field (see the [module docs](self)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VoteBatch {
    /// `party_id` of each vote ([`NO_PARTY`] for a blank vote), tagged with its
    /// number of candidates (`u8::MAX` for that many or more).
    parties: IdColumn,
    /// End of each vote's candidates in `candidates` (the start is the previous end).
    candidate_ends: Vec<u32>,
    /// Every candidate id, vote after vote, tagged with its vote's position modulo
    /// 2⁸: the candidates are checked in flat passes over 2⁸ votes at a time, whose
    /// party ids a byte indexes without a bounds check.
    candidates: IdColumn,
    /// Each token's keyed hash, computed once here.
    token_hashes: Vec<u32>,
    /// End of each vote's token in `token_text`.
    token_ends: Vec<u32>,
    token_text: String,
    /// Runs of consecutive votes with the same election id: the first vote of the run
    /// and the id's position in `election_ids`.
    election_runs: Vec<ElectionRun>,
    /// Each distinct election id of the batch, once.
    election_ids: Vec<SmolStr>,
    /// The election id of the first vote, kept in the batch itself (inline up to 23
    /// bytes): when every vote shares it, rule 10 reads no memory beyond the batch's
    /// own fields, where following `election_runs` and `election_ids` costs three
    /// cache misses a batch.
    first_election: SmolStr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ElectionRun {
    first_vote: usize,
    election: usize,
}

/// The columns the batch check of rules 4–8 reads, borrowed from a batch whose ids
/// all have codes (see [`VoteBatch::narrow_columns`]); read an entry with
/// [`code_of`] and [`tag_of`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct NarrowColumns<'batch> {
    /// Each vote's party code ([`NO_PARTY`] for a blank vote), tagged with its
    /// number of candidates (`u8::MAX` for that many or more).
    pub(crate) ballots: &'batch [u32],
    /// Every candidate code, vote after vote, tagged with its vote's position
    /// modulo 2⁸.
    pub(crate) candidates: &'batch [u32],
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
        Self {
            parties: IdColumn::with_capacity(votes),
            token_hashes: Vec::with_capacity(votes),
            candidates: IdColumn::with_capacity(candidates),
            candidate_ends: Vec::with_capacity(votes),
            token_ends: Vec::with_capacity(votes),
            token_text: String::with_capacity(token_bytes),
            election_runs: Vec::new(),
            election_ids: Vec::new(),
            first_election: SmolStr::default(),
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
        let candidate_end = u32::try_from(self.candidates.entries.len() + candidate_ids.len())
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
                    self.election_ids.push(SmolStr::new(election_id));
                    self.election_ids.len() - 1
                }
            };
            if vote == 0 {
                self.first_election = SmolStr::new(election_id);
            }
            self.election_runs.push(ElectionRun {
                first_vote: vote,
                election,
            });
        }
        let count = u8::try_from(candidate_ids.len()).unwrap_or(u8::MAX);
        match party_id {
            Some(party) => self.parties.push(party.0, count),
            None => self.parties.push_code(NO_PARTY, count),
        }
        for candidate in candidate_ids {
            // Modulo 2⁸ on purpose (see `candidates`).
            self.candidates.push(candidate.0, vote as u8);
        }
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
        self.candidate_ends.clear();
        self.candidates.clear();
        self.token_hashes.clear();
        self.token_ends.clear();
        self.token_text.clear();
        self.election_runs.clear();
        self.election_ids.clear();
        self.first_election = SmolStr::default();
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
        let code = self.parties.code(index);
        (code != NO_PARTY).then(|| PartyId(self.parties.widen(index, code)))
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

    /// The ballot and candidate entries, whatever their ids (the coded columns'
    /// memory, for reading it ahead).
    #[inline]
    pub(crate) fn entry_columns(&self) -> (&[u32], &[u32]) {
        (&self.parties.entries, &self.candidates.entries)
    }

    /// The coded columns, or `None` when an id of the batch lives in a side list.
    #[inline]
    pub(crate) fn narrow_columns(&self) -> Option<NarrowColumns<'_>> {
        (self.parties.wide.is_empty() && self.candidates.wide.is_empty()).then_some(NarrowColumns {
            ballots: &self.parties.entries,
            candidates: &self.candidates.entries,
        })
    }

    /// The first vote whose election id is not `election_id`, looking once at each run
    /// of votes sharing an id.
    pub fn first_vote_not_in(&self, election_id: &str) -> Option<usize> {
        if let [_every_vote] = self.election_runs.as_slice() {
            return (*self.first_election != *election_id).then_some(0);
        }
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
        // One run: answered from the first vote's id, short or long.
        let long = "an-election-id-longer-than-twenty-three-bytes";
        for id in ["e1", long] {
            let one_run =
                VoteBatch::from_votes(&[vote(None, &[], "a", id), vote(None, &[], "b", id)])
                    .unwrap();
            assert_eq!(one_run.first_vote_not_in(id), None);
            assert_eq!(one_run.first_vote_not_in("e2"), Some(0));
            assert_eq!(one_run.first_vote_not_in(&id[..1]), Some(0));
            assert_eq!(one_run.election_id(1), id);
        }
    }

    #[test]
    fn ids_past_the_code_and_the_marker_values_come_back_whole() {
        let code_limit = 1i64 << (CODE_BITS - 1);
        let edge = [
            i64::MIN,
            i64::from(i32::MIN),
            -code_limit - 1,
            -code_limit,
            -code_limit + 1,
            -code_limit + 2,
            -1,
            0,
            code_limit - 1,
            code_limit,
            i64::from(i32::MAX),
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
        // Exactly the ids outside the coded range went to the side lists.
        assert_eq!(batch.parties.wide.len(), 8);
        assert_eq!(batch.candidates.wide.len(), 8 * edge.len() + 1);
        let narrow_only = VoteBatch::from_votes(&[vote(
            Some(-code_limit + 2),
            &[code_limit - 1, -code_limit + 2],
            "t",
            "e",
        )])
        .unwrap();
        assert!(narrow_only.narrow_columns().is_some());
        assert_eq!(narrow_only.parties.code(0), (-code_limit + 2) as i32);
        assert_eq!(narrow_only.candidates.code(1), (-code_limit + 2) as i32);
    }

    #[test]
    fn counts_saturate_but_the_candidates_stay_exact() {
        let many: Vec<i64> = (0..300).collect();
        let batch = VoteBatch::from_votes(&[vote(Some(1), &many, "t", "e")]).unwrap();
        assert_eq!(batch.parties.tag(0), u8::MAX);
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
