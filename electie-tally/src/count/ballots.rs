//! [`Ballots`]: one polling place's batch of decoded votes, stored by column.

use electie_core::{CandidateId, PartyId};

/// A batch of decoded votes (party and circled candidates, no tokens) stored by
/// column: each vote's party, where its candidates end, and every vote's candidates
/// one after another, each with the position of its vote.
///
/// The flat passes read 32-bit copies of the ids (NR SR 2020's ids, like most, fit
/// easily): about 10 bytes a vote to stream where `Option<PartyId>` and `CandidateId`
/// columns take 28; a batch naming an id beyond 32 bits is counted vote by vote.
///
/// This is the shape counting reads fastest: [`Tally::add_ballots`] and
/// [`Counter::count_ballots`] count a whole batch in two flat passes (one over the
/// votes, one over all the candidates) whose work does not depend on how many
/// candidates each vote circles, so the processor is not made to guess where every
/// vote's candidates end. Buffers are reused across batches: [`Ballots::clear`] keeps
/// the capacity.
///
/// ```
/// use electie_core::{CandidateId, PartyId};
/// use electie_tally::count::Ballots;
/// let mut ballots = Ballots::new();
/// ballots.push(Some(PartyId(10)), &[CandidateId(1075), CandidateId(1076)]);
/// ballots.push(None, &[]);
/// assert_eq!(ballots.len(), 2);
/// let votes: Vec<_> = ballots.iter().collect();
/// assert_eq!(votes[0], (Some(PartyId(10)), &[CandidateId(1075), CandidateId(1076)][..]));
/// assert_eq!(votes[1], (None, &[][..]));
/// ```
///
/// [`Tally::add_ballots`]: super::Tally::add_ballots
/// [`Counter::count_ballots`]: super::Counter::count_ballots
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ballots {
    /// Each vote's party id (0 for a blank vote): 8 bytes a vote where an
    /// `Option<PartyId>` takes 16, which counts when a batch streams from memory.
    pub(super) party_ids: Vec<i64>,
    /// One bit per vote: blank (no party).
    pub(super) blank: Vec<u64>,
    /// The end of each vote's candidates in `candidates`.
    pub(super) ends: Vec<usize>,
    pub(super) candidates: Vec<CandidateId>,
    /// The position of the vote each candidate was circled on (saturating at
    /// `u32::MAX`: a batch that long is counted vote by vote).
    pub(super) vote_of_candidate: Vec<u32>,
    /// The most candidates one vote circles: rule 4 is checked vote by vote only
    /// when this passes the limit.
    pub(super) most_circled: usize,
    /// Whether a blank vote circles candidates.
    pub(super) blank_with_candidates: bool,
    /// The party ids (0 for blank) and the candidates again as 32-bit ids, which the
    /// flat passes read: half the bytes to stream from memory for a batch that is
    /// not in cache. Kept while every id of the batch fits; see `wide`.
    pub(super) narrow_party_ids: Vec<i32>,
    pub(super) narrow_candidates: Vec<i32>,
    /// Some id does not fit 32 bits: the batch is counted vote by vote.
    pub(super) wide: bool,
}

impl Ballots {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a vote.
    pub fn push(&mut self, party: Option<PartyId>, candidates: &[CandidateId]) {
        let position = self.party_ids.len();
        let vote = u32::try_from(position).unwrap_or(u32::MAX);
        if position.is_multiple_of(64) {
            self.blank.push(0);
        }
        if let Some(words) = self.blank.last_mut() {
            *words |= u64::from(party.is_none()) << (position % 64);
        }
        self.party_ids.push(party.map_or(0, |p| p.0));
        self.most_circled = self.most_circled.max(candidates.len());
        self.blank_with_candidates |= party.is_none() && !candidates.is_empty();
        self.candidates.extend_from_slice(candidates);
        if !self.wide {
            let party = i32::try_from(party.map_or(0, |p| p.0));
            let fits = candidates.iter().all(|c| i32::try_from(c.0).is_ok());
            match party {
                Ok(party) if fits => {
                    self.narrow_party_ids.push(party);
                    // every id fits: checked just above
                    self.narrow_candidates
                        .extend(candidates.iter().map(|c| c.0 as i32));
                }
                _ => {
                    self.wide = true;
                    self.narrow_party_ids.clear();
                    self.narrow_candidates.clear();
                }
            }
        }
        self.vote_of_candidate
            .resize(self.vote_of_candidate.len() + candidates.len(), vote);
        self.ends.push(self.candidates.len());
    }

    /// Forgets every vote, keeping the buffers.
    pub fn clear(&mut self) {
        self.party_ids.clear();
        self.blank.clear();
        self.ends.clear();
        self.candidates.clear();
        self.vote_of_candidate.clear();
        self.most_circled = 0;
        self.blank_with_candidates = false;
        self.narrow_party_ids.clear();
        self.narrow_candidates.clear();
        self.wide = false;
    }

    /// How many votes.
    pub fn len(&self) -> usize {
        self.party_ids.len()
    }

    /// Whether there is no vote.
    pub fn is_empty(&self) -> bool {
        self.party_ids.is_empty()
    }

    /// Vote `position`, as `(party, candidates)`.
    pub fn get(&self, position: usize) -> Option<(Option<PartyId>, &[CandidateId])> {
        let start = match position.checked_sub(1) {
            Some(before) => *self.ends.get(before)?,
            None => 0,
        };
        let end = *self.ends.get(position)?;
        Some((self.party(position)?, self.candidates.get(start..end)?))
    }

    /// The votes in order, as `(party, candidates)`: what [`Tally::add_batch`] and
    /// [`Counter::count_batch`] take.
    ///
    /// [`Tally::add_batch`]: super::Tally::add_batch
    /// [`Counter::count_batch`]: super::Counter::count_batch
    pub fn iter(&self) -> impl Iterator<Item = (Option<PartyId>, &[CandidateId])> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        (0..self.len())
            .zip(starts.zip(&self.ends))
            .map(|(position, (start, &end))| {
                (self.party(position).flatten(), &self.candidates[start..end])
            })
    }

    /// Vote `position`'s party (`Some(None)` for a blank vote).
    fn party(&self, position: usize) -> Option<Option<PartyId>> {
        let id = *self.party_ids.get(position)?;
        let blank = self.blank.get(position / 64)? >> (position % 64) & 1 == 1;
        Some((!blank).then_some(PartyId(id)))
    }
}

impl<'v> FromIterator<(Option<PartyId>, &'v [CandidateId])> for Ballots {
    fn from_iter<I: IntoIterator<Item = (Option<PartyId>, &'v [CandidateId])>>(votes: I) -> Self {
        let mut ballots = Self::new();
        for (party, candidates) in votes {
            ballots.push(party, candidates);
        }
        ballots
    }
}
