//! [`Tally`]: votes counted per polling place, shaped for the memory hierarchy.

use electie_core::{
    CandidateId, CandidateIndex, ElectionConfig, PartyId, PartyIndex, PollingPlaceId,
    PollingPlaceIndex,
};

use super::Ballots;
use super::sparse::SparseCounts;
use crate::error::{Error, Result};

/// Votes counted per polling place: party and blank votes in dense `u32` rows (one
/// row of party counters per place), preferential votes sparsely per place (only the
/// candidates counted there; see the [module](super) docs for the figures).
///
/// Equality compares counts only.
#[derive(Debug, Clone)]
pub struct Tally {
    pub(super) parties: usize,
    pub(super) candidates: usize,
    pub(super) places: usize,
    pub(super) party_votes: Vec<u32>,
    pub(super) blank_votes: Vec<u32>,
    pub(super) candidate_votes: Vec<SparseCounts>,
    /// One bit per polling place where something was counted: merges and totals visit
    /// only these.
    pub(super) counted: Vec<u64>,
    pub(super) ignored_preferences: u64,
    pub(super) scratch: Scratch,
}

impl PartialEq for Tally {
    fn eq(&self, other: &Self) -> bool {
        self.shape() == other.shape()
            && self.party_votes == other.party_votes
            && self.blank_votes == other.blank_votes
            && self.candidate_votes == other.candidate_votes
            && self.ignored_preferences == other.ignored_preferences
    }
}

impl Eq for Tally {}

/// The counting thread's working state for one polling place at a time: a batch's
/// preferential votes are counted densely here (one row of `u32`, about 11 KiB for
/// NR SR 2020, that stays in cache) and folded into the place's sparse counts when the
/// batch ends. Row and marks are all zero between batches.
#[derive(Debug, Default)]
pub(super) struct Scratch {
    /// One counter per candidate (dense index), then one for ids the configuration
    /// does not have (counted into by the flat pass, always taken back).
    row: Vec<u32>,
    /// One bit per slot of `row` counted into during this batch: folding visits the
    /// marked slots in candidate order without sorting, and without a branch per vote
    /// on whether the counter was zero (a branch the processor mispredicts often).
    marks: Vec<u64>,
    /// The flat pass's party votes: one slot per party, then blank, then unknown.
    party_row: Vec<u32>,
    /// Per `row` slot, the last vote (`epoch` + its position) that circled it: rule 5
    /// (no candidate twice on one vote) checked in the flat pass.
    last_vote: Vec<u32>,
    epoch: u32,
    /// Per vote of the batch: its party slot, and whether it broke a checked rule.
    vote_party: Vec<u32>,
    vote_bad: Vec<u8>,
    /// The marked counters gathered in candidate order.
    entries: Vec<(u32, u32)>,
}

impl Clone for Scratch {
    /// A clone gets its own (empty) working row: the contents are zero between batches.
    fn clone(&self) -> Self {
        Self::default()
    }
}

/// When a place already holds more than this many times the candidates a batch
/// touched, the batch is merged into its sorted list; otherwise the list is scattered
/// into the working row and gathered back with the batch (no branch per entry).
const SCATTER_RATIO: usize = 8;

/// A vote that broke a rule in [`Tally::count_columns`], as the caller judges it.
pub(super) enum Judgement {
    /// Not counted at all.
    Refuse,
    /// Counted for its party, its preferential votes ignored.
    PartyOnly,
    /// Something the flat pass cannot settle: the batch is to be counted vote by vote.
    VoteByVote,
}

impl Scratch {
    /// Sizes the working state for a tally of this shape (once per shape).
    fn fit(&mut self, parties: usize, candidates: usize) {
        if self.row.len() != candidates + 1 || self.party_row.len() != parties + 2 {
            *self = Self {
                row: vec![0; candidates + 1],
                marks: vec![0; (candidates + 1).div_ceil(64)],
                party_row: vec![0; parties + 2],
                last_vote: vec![u32::MAX; candidates + 1],
                ..Self::default()
            };
        }
    }

    /// Counts one preferential vote for `candidate` (a valid dense index).
    #[inline]
    pub(super) fn add(&mut self, candidate: usize) {
        self.row[candidate] = self.row[candidate].wrapping_add(1);
        self.marks[candidate / 64] |= 1 << (candidate % 64);
    }

    /// Takes back one preferential vote counted by [`Scratch::add`] in this batch.
    #[inline]
    pub(super) fn take_back(&mut self, candidate: usize) {
        self.row[candidate] = self.row[candidate].wrapping_sub(1);
    }

    /// Moves the marked non-zero counters, in candidate order, into `entries`, and
    /// leaves row and marks zero.
    fn gather(&mut self) {
        let Self {
            row,
            marks,
            entries,
            ..
        } = self;
        entries.clear();
        gather_into(row, marks, entries);
    }

    /// Forgets the batch: row, marks and party row zero again.
    fn discard(&mut self) {
        self.gather();
        self.entries.clear();
        self.party_row.fill(0);
    }

    /// Folds the batch's preferential votes into `counts` and leaves the row zero.
    ///
    /// # Errors
    /// [`Error::CounterOverflow`] when a count would pass `u32::MAX`; `counts` is then
    /// left as it was.
    fn fold_into(&mut self, counts: &mut SparseCounts) -> Result<()> {
        // the slot of unknown ids is always taken back to zero before folding
        let unknown = self.row.len() - 1;
        self.row[unknown] = 0;
        self.marks[unknown / 64] &= !(1 << (unknown % 64));
        let touched: usize = self.marks.iter().map(|w| w.count_ones() as usize).sum();
        if touched == 0 {
            return Ok(());
        }
        if counts.entries().len() > touched * SCATTER_RATIO {
            self.gather();
            let new = counts.plan(&self.entries).ok_or(Error::CounterOverflow)?;
            counts.apply(&self.entries, new);
            return Ok(());
        }
        // The place's list is sorted, so its marks are set a word at a time from a
        // register: setting them one entry at a time in memory would chain every
        // entry to the previous one's store.
        let (row, marks) = (&mut self.row[..], &mut self.marks[..]);
        let mut overflow = false;
        let (mut word, mut bits) = (0, 0u64);
        for &(candidate, votes) in counts.entries() {
            let slot = &mut row[candidate as usize];
            let (sum, over) = slot.overflowing_add(votes);
            *slot = sum;
            overflow |= over;
            let at = candidate as usize / 64;
            if at != word {
                marks[word] |= std::mem::take(&mut bits);
                word = at;
            }
            bits |= 1 << (candidate % 64);
        }
        marks[word] |= bits;
        if overflow {
            // the place keeps its list; gathering zeroes the row
            self.gather();
            return Err(Error::CounterOverflow);
        }
        // Every entry of the place is in the row now: gather straight into its list.
        let list = counts.list_mut();
        list.clear();
        gather_into(row, marks, list);
        Ok(())
    }
}

/// Appends the marked non-zero counters of `row`, in candidate order, to `out`, and
/// leaves row and marks zero.
fn gather_into(row: &mut [u32], marks: &mut [u64], out: &mut Vec<(u32, u32)>) {
    let touched: usize = marks.iter().map(|w| w.count_ones() as usize).sum();
    out.reserve(touched);
    for (word, bits) in marks.iter_mut().enumerate() {
        let mut bits = std::mem::take(bits);
        while bits != 0 {
            let candidate = word * 64 + bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let votes = std::mem::take(&mut row[candidate]);
            // zero only for a vote taken back: rare, so well predicted
            if votes != 0 {
                // a row slot index fits u32: `with_shape` requires it
                out.push((candidate as u32, votes));
            }
        }
    }
}

/// The rows of one polling place, borrowed for counting a batch into it.
pub(super) struct PlaceRows<'t> {
    pub(super) party: &'t mut [u32],
    pub(super) blank: &'t mut u32,
    pub(super) scratch: &'t mut Scratch,
    pub(super) ignored_preferences: &'t mut u64,
    candidates: &'t mut SparseCounts,
    counted: &'t mut u64,
    counted_bit: u64,
}

impl PlaceRows<'_> {
    /// Folds the batch's preferential votes into the place's sparse counts and marks
    /// the place counted. Called once at the end of every batch, errors included, so
    /// the working row is zero again.
    ///
    /// # Errors
    /// [`Error::CounterOverflow`] when a candidate's count would pass `u32::MAX` (then the
    /// place's preferential votes are left as they were).
    pub(super) fn finish(self, something_counted: bool) -> Result<()> {
        if something_counted {
            *self.counted |= self.counted_bit;
        }
        self.scratch.fold_into(self.candidates)
    }
}

impl Tally {
    /// An empty tally shaped for `config`.
    ///
    /// ```
    /// # let nrsr_2020 = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020");
    /// use electie_core::{CandidateId, ElectionConfig, PartyId, PollingPlaceId};
    /// use electie_tally::count::Tally;
    /// let config = ElectionConfig::load(nrsr_2020)?;
    /// let mut tally = Tally::new(&config);
    /// tally.add(&config, PollingPlaceId(0), Some(PartyId(10)), &[CandidateId(1075)])?;
    /// tally.add(&config, PollingPlaceId(0), None, &[])?;
    /// assert_eq!(tally.party_totals()[10], 1);
    /// assert_eq!(tally.blank_total(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(config: &ElectionConfig) -> Self {
        Self::with_shape(
            config.parties().len(),
            config.candidates().len(),
            config.polling_places().len(),
        )
    }

    /// An empty tally of the given dimensions (candidate indices must fit `u32`).
    ///
    /// ```
    /// use electie_core::{CandidateIndex, PartyIndex, PollingPlaceIndex};
    /// use electie_tally::count::Tally;
    /// let mut tally = Tally::with_shape(3, 5, 2);
    /// tally.add_indexed(PollingPlaceIndex(1), Some(PartyIndex(2)), &[CandidateIndex(4)])?;
    /// assert_eq!(tally.place_candidate_votes(1).collect::<Vec<_>>(), [(4, 1)]);
    /// // an index outside the shape is an error naming it, never a panic
    /// assert!(tally.add_indexed(PollingPlaceIndex(2), None, &[]).is_err());
    /// # Ok::<(), electie_tally::Error>(())
    /// ```
    pub fn with_shape(parties: usize, candidates: usize, places: usize) -> Self {
        Self {
            parties,
            candidates,
            places,
            party_votes: written_zeros(parties * places),
            blank_votes: written_zeros(places),
            candidate_votes: vec![SparseCounts::default(); places],
            counted: vec![0; places.div_ceil(64)],
            ignored_preferences: 0,
            scratch: Scratch::default(),
        }
    }

    /// `(parties, candidates, polling places)`.
    pub fn shape(&self) -> (usize, usize, usize) {
        (self.parties, self.candidates, self.places)
    }

    /// The rows of polling place `place` (a valid dense index) for counting a batch.
    pub(super) fn place_rows(&mut self, place: usize) -> PlaceRows<'_> {
        self.scratch.fit(self.parties, self.candidates);
        PlaceRows {
            party: &mut self.party_votes[place * self.parties..(place + 1) * self.parties],
            blank: &mut self.blank_votes[place],
            scratch: &mut self.scratch,
            ignored_preferences: &mut self.ignored_preferences,
            candidates: &mut self.candidate_votes[place],
            counted: &mut self.counted[place / 64],
            counted_bit: 1 << (place % 64),
        }
    }

    /// Counts one accepted vote given by dense indices. Candidates are not checked
    /// against the party (that is validation's rule); a candidate listed twice counts
    /// twice.
    ///
    /// # Errors
    /// [`Error::UnknownPollingPlace`], [`Error::UnknownParty`] or
    /// [`Error::UnknownCandidate`] (with the offending index) when an index is out of
    /// range; [`Error::CounterOverflow`] when a polling place counter would pass `u32`.
    /// Nothing is counted on error.
    pub fn add_indexed(
        &mut self,
        place: PollingPlaceIndex,
        party: Option<PartyIndex>,
        candidates: &[CandidateIndex],
    ) -> Result<()> {
        let (place, party) = (place.get(), party.map(PartyIndex::get));
        if place >= self.places {
            return Err(Error::UnknownPollingPlace(index_as_id(place)));
        }
        let Some(party) = party else {
            if let Some(&c) = candidates.first() {
                return Err(Error::UnknownCandidate(index_as_id(c.get())));
            }
            let slot = &mut self.blank_votes[place];
            *slot = slot.checked_add(1).ok_or(Error::CounterOverflow)?;
            self.counted[place / 64] |= 1 << (place % 64);
            return Ok(());
        };
        if party >= self.parties {
            return Err(Error::UnknownParty(index_as_id(party)));
        }
        if let Some(&c) = candidates.iter().find(|&&c| c.get() >= self.candidates) {
            return Err(Error::UnknownCandidate(index_as_id(c.get())));
        }
        let party_count = self.party_votes[place * self.parties + party]
            .checked_add(1)
            .ok_or(Error::CounterOverflow)?;
        let adds = &mut self.scratch.entries;
        adds.clear();
        // indices are below `candidates`, which `with_shape` requires to fit u32
        adds.extend(candidates.iter().map(|&c| (c.get() as u32, 1)));
        adds.sort_unstable();
        adds.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 += 1;
            }
            same
        });
        let sparse = &mut self.candidate_votes[place];
        let new = sparse.plan(adds).ok_or(Error::CounterOverflow)?;
        sparse.apply(adds, new);
        adds.clear();
        self.party_votes[place * self.parties + party] = party_count;
        self.counted[place / 64] |= 1 << (place % 64);
        Ok(())
    }

    /// Counts one accepted vote given by ids.
    ///
    /// # Errors
    /// As [`Tally::add_indexed`], naming the unknown id.
    pub fn add(
        &mut self,
        config: &ElectionConfig,
        place: PollingPlaceId,
        party: Option<PartyId>,
        candidates: &[CandidateId],
    ) -> Result<()> {
        let place_index = config
            .polling_place_index(place)
            .ok_or(Error::UnknownPollingPlace(place.0))?;
        let party_index = match party {
            Some(p) => Some(config.party_index(p).ok_or(Error::UnknownParty(p.0))?),
            // named by its id here: `add_indexed` would name the candidate's index
            None => match candidates.first() {
                Some(c) => return Err(Error::UnknownCandidate(c.0)),
                None => None,
            },
        };
        let mut indices = [CandidateIndex(0); 16];
        let mut heap_indices = Vec::new();
        let slice: &[CandidateIndex] = if candidates.len() <= indices.len() {
            for (slot, &c) in indices.iter_mut().zip(candidates) {
                *slot = config
                    .candidate_index(c)
                    .ok_or(Error::UnknownCandidate(c.0))?;
            }
            &indices[..candidates.len()]
        } else {
            for &c in candidates {
                heap_indices.push(
                    config
                        .candidate_index(c)
                        .ok_or(Error::UnknownCandidate(c.0))?,
                );
            }
            &heap_indices
        };
        self.add_indexed(place_index, party_index, slice)
    }

    /// Counts a batch of accepted votes from one polling place (the polling place and
    /// its rows are resolved once per batch). Candidates are not checked against the
    /// party.
    ///
    /// Each vote is counted whole or not at all; the first vote naming an unknown id
    /// stops the batch with its error, the votes before it stay counted, and the
    /// number counted is returned with the error.
    ///
    /// ```
    /// # let nrsr_2020 = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020");
    /// use electie_core::{CandidateId, ElectionConfig, PartyId, PollingPlaceId};
    /// use electie_tally::count::Tally;
    /// let config = ElectionConfig::load(nrsr_2020)?;
    /// let mut tally = Tally::new(&config);
    /// let batch = [(Some(PartyId(10)), &[CandidateId(1075)][..]), (None, &[][..])];
    /// assert_eq!(tally.add_batch(&config, PollingPlaceId(7), batch), Ok(2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// `(counted, error)` as [`Tally::add`] describes; [`Error::CounterOverflow`] when a
    /// counter would pass `u32::MAX` (a fault: the count is to be abandoned).
    pub fn add_batch<'v>(
        &mut self,
        config: &ElectionConfig,
        place: PollingPlaceId,
        votes: impl IntoIterator<Item = (Option<PartyId>, &'v [CandidateId])>,
    ) -> std::result::Result<usize, (usize, Error)> {
        let Some(p) = config
            .polling_place_index(place)
            .map(PollingPlaceIndex::get)
            .filter(|&p| p < self.places)
        else {
            return Err((0, Error::UnknownPollingPlace(place.0)));
        };
        let (parties, candidates) = (self.parties, self.candidates);
        let rows = self.place_rows(p);
        let mut counted = 0;
        let mut stopped = None;
        for (party, ids) in votes {
            let Some(party) = party else {
                if let Some(c) = ids.first() {
                    stopped = Some(Error::UnknownCandidate(c.0));
                    break;
                }
                match rows.blank.checked_add(1) {
                    Some(n) => *rows.blank = n,
                    None => {
                        stopped = Some(Error::CounterOverflow);
                        break;
                    }
                }
                counted += 1;
                continue;
            };
            let Some(party_index) = config
                .party_index(party)
                .map(PartyIndex::get)
                .filter(|&i| i < parties)
            else {
                stopped = Some(Error::UnknownParty(party.0));
                break;
            };
            let Some(party_count) = rows.party[party_index].checked_add(1) else {
                stopped = Some(Error::CounterOverflow);
                break;
            };
            // Count candidates as they are looked up (one loop, one unpredictable exit)
            // and take the increments back in the rare case of an unknown id.
            let mut unknown = None;
            for (k, c) in ids.iter().enumerate() {
                let Some(ci) = config
                    .candidate_index(*c)
                    .map(CandidateIndex::get)
                    .filter(|&i| i < candidates)
                else {
                    for earlier in &ids[..k] {
                        if let Some(ci) = config.candidate_index(*earlier) {
                            rows.scratch.take_back(ci.get());
                        }
                    }
                    unknown = Some(c.0);
                    break;
                };
                rows.scratch.add(ci);
            }
            if let Some(c) = unknown {
                stopped = Some(Error::UnknownCandidate(c));
                break;
            }
            rows.party[party_index] = party_count;
            counted += 1;
        }
        match (rows.finish(counted > 0), stopped) {
            (Err(fault), _) | (Ok(()), Some(fault)) => Err((counted, fault)),
            (Ok(()), None) => Ok(counted),
        }
    }

    /// Counts a batch of accepted votes from one polling place, given by column: what
    /// [`Tally::add_batch`] does, with the same results and errors, in two flat passes
    /// (see [`Ballots`]). A batch that names an id this configuration does not have,
    /// or would take a counter past `u32::MAX`, is counted by [`Tally::add_batch`]
    /// instead, so partial counts and errors are exactly its own.
    ///
    /// ```
    /// # let nrsr_2020 = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020");
    /// use electie_core::{CandidateId, ElectionConfig, PartyId, PollingPlaceId};
    /// use electie_tally::count::{Ballots, Tally};
    /// let config = ElectionConfig::load(nrsr_2020)?;
    /// let mut ballots = Ballots::new();
    /// ballots.push(Some(PartyId(10)), &[CandidateId(1075)]);
    /// ballots.push(None, &[]);
    /// let mut tally = Tally::new(&config);
    /// assert_eq!(tally.add_ballots(&config, PollingPlaceId(7), &ballots), Ok(2));
    /// assert_eq!(tally.candidate_totals()[config.candidate_index(CandidateId(1075)).ok_or("1075")?.get()], 1);
    /// // an unknown party stops the batch there, as add_batch does
    /// ballots.push(Some(PartyId(99)), &[]);
    /// assert!(matches!(tally.add_ballots(&config, PollingPlaceId(7), &ballots), Err((2, _))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`Tally::add_batch`].
    pub fn add_ballots(
        &mut self,
        config: &ElectionConfig,
        place: PollingPlaceId,
        ballots: &Ballots,
    ) -> std::result::Result<usize, (usize, Error)> {
        let flat = config
            .polling_place_index(place)
            .map(PollingPlaceIndex::get)
            .and_then(|p| {
                self.count_columns::<false>(config, p, ballots, |_| Judgement::VoteByVote)
            });
        match flat {
            Some((counted, Ok(()))) => Ok(counted),
            Some((counted, Err(fault))) => Err((counted, fault)),
            None => self.add_batch(config, place, ballots.iter()),
        }
    }

    /// Counts `ballots` into polling place `place` (a dense index) in two flat passes:
    /// every vote's party into a batch row, then every candidate into the working row,
    /// marking the votes that break a rule (with `CHECK`, rules 4–8 of validation on
    /// the dense indices; without, ids the configuration does not have and blank
    /// votes with candidates, and any such vote sends the batch vote by vote). Each
    /// marked vote is handed to `judge`, in order, and taken back as it says.
    ///
    /// Returns `None`, with nothing counted, when the batch must be counted vote by
    /// vote instead: a tally of another shape, a batch of 2^31 votes or more, a vote
    /// judged [`Judgement::VoteByVote`], or a party or blank counter that would pass
    /// `u32::MAX`. Otherwise the votes counted and the fold of the preferential votes
    /// (which fails only on a candidate counter passing `u32::MAX`, leaving the
    /// place's preferential votes as they were).
    pub(super) fn count_columns<const CHECK: bool>(
        &mut self,
        config: &ElectionConfig,
        place: usize,
        ballots: &Ballots,
        mut judge: impl FnMut(usize) -> Judgement,
    ) -> Option<(usize, Result<()>)> {
        let (parties, candidates) = (self.parties, self.candidates);
        let shape = (
            config.parties().len(),
            config.candidates().len(),
            config.polling_places().len(),
        );
        let votes = ballots.len();
        if shape != self.shape() || place >= self.places || votes >= 1 << 31 || ballots.wide {
            return None;
        }
        let scratch = &mut self.scratch;
        scratch.fit(parties, candidates);
        // Rule 5's marks: keys epoch + position stay below u32::MAX.
        if scratch.epoch > u32::MAX - 1 - votes as u32 {
            scratch.last_vote.fill(u32::MAX);
            scratch.epoch = 0;
        }
        let (blank, unknown_party) = (parties as u32, parties as u32 + 1);
        let unknown_candidate = candidates as u32;
        let limit = if CHECK {
            config.max_candidates()
        } else {
            usize::MAX
        };

        // Votes: party slot, party counted, rule 8 (and 4, 6 as said below). (The loops
        // work on local slices: through `scratch` the compiler would reload every
        // vector after each store.)
        // Without the rules, a vote's slot and verdict are not kept: any vote that
        // breaks one sends the batch vote by vote.
        let kept = if CHECK { votes } else { 0 };
        scratch.vote_party.resize(kept, 0);
        scratch.vote_bad.resize(kept, 0);
        let party_row = &mut scratch.party_row[..];
        let vote_party = &mut scratch.vote_party[..];
        let vote_bad = &mut scratch.vote_bad[..];
        let party_slot = |position: usize, id: i32| {
            let is_blank = ballots.blank[position / 64] >> (position % 64) & 1 == 1;
            let known = config
                .party_index(PartyId(i64::from(id)))
                .map_or(unknown_party, |p| p.get() as u32);
            if is_blank { blank } else { known }
        };
        // A blank vote with candidates breaks rule 6; with the rules checked, the
        // candidate pass finds it (no candidate is of the blank slot's party).
        let mut any_bad = !CHECK && ballots.blank_with_candidates;
        if CHECK {
            for (position, ((&id, vote_party), vote_bad)) in ballots
                .narrow_party_ids
                .iter()
                .zip(vote_party.iter_mut())
                .zip(vote_bad.iter_mut())
                .enumerate()
            {
                let slot = party_slot(position, id);
                let bad = slot == unknown_party;
                party_row[slot as usize] += 1;
                *vote_party = slot;
                *vote_bad = u8::from(bad);
                any_bad |= bad;
            }
        } else {
            for (position, &id) in ballots.narrow_party_ids.iter().enumerate() {
                let slot = party_slot(position, id);
                party_row[slot as usize] += 1;
                any_bad |= slot == unknown_party;
            }
        }
        if ballots.most_circled > limit {
            // rule 4, vote by vote, only in a batch where some vote breaks it
            let starts = std::iter::once(0).chain(ballots.ends.iter().copied());
            for ((start, &end), vote_bad) in starts.zip(&ballots.ends).zip(vote_bad.iter_mut()) {
                let too_many = end - start > limit;
                *vote_bad |= u8::from(too_many);
                any_bad |= too_many;
            }
        }

        // Candidates: counted into the working row; unknown ids into its last slot;
        // with rules, 7 (the vote's party) and 5 (not twice on one vote).
        let epoch = scratch.epoch;
        let row = &mut scratch.row[..];
        let marks = &mut scratch.marks[..];
        let last_vote = &mut scratch.last_vote[..];
        let mut count = |id: i32| {
            let slot = config
                .candidate_index(CandidateId(i64::from(id)))
                .map_or(unknown_candidate, |c| c.get() as u32) as usize;
            row[slot] = row[slot].wrapping_add(1);
            marks[slot / 64] |= 1 << (slot % 64);
            slot
        };
        if CHECK {
            for (&id, &vote) in ballots
                .narrow_candidates
                .iter()
                .zip(&ballots.vote_of_candidate)
            {
                let slot = count(id);
                let of_party = config
                    .party_of_candidate_index(CandidateIndex(slot))
                    .map_or(u32::MAX, |p| p.get() as u32);
                let key = epoch + vote;
                let bad = (slot as u32 == unknown_candidate)
                    | (of_party != vote_party[vote as usize])
                    | (last_vote[slot] == key);
                last_vote[slot] = key;
                vote_bad[vote as usize] |= u8::from(bad);
                any_bad |= bad;
            }
        } else {
            // the positions of votes are not read: any unknown id sends the batch
            // vote by vote
            for &id in &ballots.narrow_candidates {
                any_bad |= count(id) as u32 == unknown_candidate;
            }
        }
        scratch.epoch = epoch + votes as u32;

        // The marked votes, taken back as judged.
        let mut refused = 0;
        let mut ignored = 0;
        if any_bad && !CHECK {
            // without the rules, a vote that breaks one is counted vote by vote, which
            // stops at it (and `vote_bad` was not kept per candidate)
            scratch.discard();
            return None;
        }
        if any_bad {
            for vote in 0..votes {
                if scratch.vote_bad[vote] == 0 {
                    continue;
                }
                let (judgement, (party, ids)) = match ballots.get(vote) {
                    Some(ballot) => (judge(vote), ballot),
                    None => (Judgement::VoteByVote, (None, &[][..])),
                };
                let slot = scratch.vote_party[vote];
                let party_only = matches!(judgement, Judgement::PartyOnly);
                if matches!(judgement, Judgement::VoteByVote)
                    || (party_only && (party.is_none() || slot >= blank))
                {
                    scratch.discard();
                    return None;
                }
                for &id in ids {
                    let slot = config
                        .candidate_index(id)
                        .map_or(candidates, CandidateIndex::get);
                    scratch.take_back(slot);
                }
                if party_only {
                    ignored += 1;
                } else {
                    scratch.party_row[slot as usize] -= 1;
                    refused += 1;
                }
            }
        }

        // Party and blank votes into the place's rows, all or (on overflow) none.
        let row = &mut self.party_votes[place * parties..(place + 1) * parties];
        let mut overflow = false;
        for (have, &add) in row.iter().zip(&scratch.party_row) {
            overflow |= have.checked_add(add).is_none();
        }
        overflow |= self.blank_votes[place]
            .checked_add(scratch.party_row[blank as usize])
            .is_none();
        if overflow {
            scratch.discard();
            return None;
        }
        for (have, add) in row.iter_mut().zip(&mut scratch.party_row) {
            *have += std::mem::take(add);
        }
        self.blank_votes[place] += std::mem::take(&mut scratch.party_row[blank as usize]);
        scratch.party_row[unknown_party as usize] = 0;
        let counted = votes - refused;
        if counted > 0 {
            self.counted[place / 64] |= 1 << (place % 64);
        }
        self.ignored_preferences += ignored;
        let folded = scratch.fold_into(&mut self.candidate_votes[place]);
        Some((counted, folded))
    }

    /// Adds every count of `other` into `self`, visiting only the polling places where
    /// `other` counted something.
    ///
    /// ```
    /// use electie_core::{CandidateIndex, PartyIndex, PollingPlaceIndex};
    /// use electie_tally::count::Tally;
    /// let (mut a, mut b) = (Tally::with_shape(2, 3, 4), Tally::with_shape(2, 3, 4));
    /// let vote = (Some(PartyIndex(1)), [CandidateIndex(2)]);
    /// a.add_indexed(PollingPlaceIndex(0), vote.0, &vote.1)?;
    /// b.add_indexed(PollingPlaceIndex(0), vote.0, &vote.1)?;
    /// b.add_indexed(PollingPlaceIndex(3), None, &[])?;
    /// a.merge(&b)?;
    /// assert_eq!((a.total_votes(), a.candidate_totals()[2]), (3, 2));
    /// # Ok::<(), electie_tally::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] for tallies of different configurations;
    /// [`Error::CounterOverflow`] if a counter would overflow (then `self` is unchanged).
    pub fn merge(&mut self, other: &Tally) -> Result<()> {
        if self.shape() != other.shape() {
            return Err(Error::ShapeMismatch);
        }
        let parties = self.parties;
        let rows = |place: usize| place * parties..(place + 1) * parties;
        let fits = |a: &[u32], b: &[u32]| a.iter().zip(b).all(|(x, y)| x.checked_add(*y).is_some());
        // First prove that nothing overflows, then add: `self` changes whole or not at all.
        let mut new_candidates = Vec::new();
        for place in other.counted_places() {
            let fit = self.blank_votes[place]
                .checked_add(other.blank_votes[place])
                .is_some()
                && fits(
                    &self.party_votes[rows(place)],
                    &other.party_votes[rows(place)],
                );
            let new = self.candidate_votes[place].plan(other.candidate_votes[place].entries());
            match new {
                Some(new) if fit => new_candidates.push((place, new)),
                _ => return Err(Error::CounterOverflow),
            }
        }
        for (place, new) in new_candidates {
            self.blank_votes[place] += other.blank_votes[place];
            for (x, y) in self.party_votes[rows(place)]
                .iter_mut()
                .zip(&other.party_votes[rows(place)])
            {
                *x += *y;
            }
            self.candidate_votes[place].apply(other.candidate_votes[place].entries(), new);
            self.counted[place / 64] |= 1 << (place % 64);
        }
        self.ignored_preferences += other.ignored_preferences;
        Ok(())
    }

    /// Dense indices of the polling places where something was counted, ascending.
    pub fn counted_places(&self) -> impl Iterator<Item = usize> + '_ {
        self.counted.iter().enumerate().flat_map(|(word, &bits)| {
            (0..64)
                .filter(move |bit| bits & (1 << bit) != 0)
                .map(move |bit| word * 64 + bit)
        })
    }

    /// Party votes of one polling place (by dense index), in party order; empty for an
    /// index out of range.
    pub fn place_party_votes(&self, place: usize) -> &[u32] {
        self.party_votes
            .get(place * self.parties..(place + 1) * self.parties)
            .unwrap_or(&[])
    }

    /// Preferential votes of one polling place as `(candidate index, votes)`, in
    /// candidate order, only the candidates with votes there.
    pub fn place_candidate_votes(&self, place: usize) -> impl Iterator<Item = (usize, u32)> + '_ {
        self.candidate_votes
            .get(place)
            .map_or(&[][..], SparseCounts::entries)
            .iter()
            .map(|&(c, votes)| (c as usize, votes))
    }

    /// Preferential votes of one candidate (dense index) in one polling place.
    pub fn place_candidate_count(&self, place: usize, candidate: usize) -> u32 {
        match (self.candidate_votes.get(place), u32::try_from(candidate)) {
            (Some(counts), Ok(candidate)) => counts.get(candidate),
            _ => 0,
        }
    }

    /// Blank votes of one polling place.
    pub fn place_blank_votes(&self, place: usize) -> u32 {
        self.blank_votes.get(place).copied().unwrap_or(0)
    }

    /// Votes per party over all polling places.
    pub fn party_totals(&self) -> Vec<u64> {
        self.party_totals_where(|_| true)
    }

    /// Votes per party over the polling places (dense indices) `keep` selects.
    pub fn party_totals_where(&self, keep: impl Fn(usize) -> bool) -> Vec<u64> {
        let mut totals = vec![0u64; self.parties];
        for place in self.counted_places().filter(|&p| keep(p)) {
            for (t, &v) in totals.iter_mut().zip(self.place_party_votes(place)) {
                *t += u64::from(v);
            }
        }
        totals
    }

    /// Preferential votes per candidate over all polling places.
    pub fn candidate_totals(&self) -> Vec<u64> {
        self.candidate_totals_where(|_| true)
    }

    /// Preferential votes per candidate over the polling places `keep` selects.
    pub fn candidate_totals_where(&self, keep: impl Fn(usize) -> bool) -> Vec<u64> {
        let mut totals = vec![0u64; self.candidates];
        for place in self.counted_places().filter(|&p| keep(p)) {
            for (c, votes) in self.place_candidate_votes(place) {
                totals[c] += u64::from(votes);
            }
        }
        totals
    }

    /// Blank votes over all polling places.
    pub fn blank_total(&self) -> u64 {
        self.blank_votes.iter().map(|&v| u64::from(v)).sum()
    }

    /// All votes counted (party votes and blank votes).
    pub fn total_votes(&self) -> u64 {
        self.counted_places().map(|p| self.place_total(p)).sum()
    }

    /// Votes of one polling place, blank ones included.
    pub fn place_total(&self, place: usize) -> u64 {
        self.place_party_votes(place)
            .iter()
            .map(|&v| u64::from(v))
            .sum::<u64>()
            + u64::from(self.place_blank_votes(place))
    }

    /// Votes counted for their party with their preferential votes ignored (too many
    /// circles under [`CirclePolicy::IgnorePreferences`](super::CirclePolicy)).
    pub fn ignored_preferences(&self) -> u64 {
        self.ignored_preferences
    }

    /// Bytes held by the counts (the figure quoted for memory): the dense party and
    /// blank rows, the per-place sparse preferential votes with their list headers,
    /// and the counted-places bits. The counting thread's working row (4 bytes per
    /// candidate) is not part of the tally's size.
    pub fn heap_bytes(&self) -> usize {
        (self.party_votes.capacity() + self.blank_votes.capacity()) * std::mem::size_of::<u32>()
            + self.candidate_votes.capacity() * std::mem::size_of::<SparseCounts>()
            + self
                .candidate_votes
                .iter()
                .map(SparseCounts::heap_bytes)
                .sum::<usize>()
            + self.counted.capacity() * std::mem::size_of::<u64>()
    }
}

/// `len` zero counters whose memory is written once now. A zeroed allocation comes
/// from the kernel as pages not yet there: counting reads a counter before writing it,
/// which maps the shared zero page, and the write that follows replaces it, which
/// interrupts every other core running the process (threads counting beside this
/// one). Writing every page first gets each its own page at once, without that.
fn written_zeros(len: usize) -> Vec<u32> {
    let mut counters = vec![0u32; len];
    // One write per 4 KiB page; `black_box` keeps the compiler from dropping writes
    // of a value the memory already holds.
    for page in counters.chunks_mut(1024) {
        page[0] = std::hint::black_box(0);
    }
    counters
}

pub(super) fn index_as_id(index: usize) -> i64 {
    i64::try_from(index).unwrap_or(i64::MAX)
}
