//! Counting: a tally per polling place in dense integer arrays.
//!
//! State per polling place: votes per party, blank votes and preferential votes per
//! candidate, indexed by the configuration's dense indices (position in its lists),
//! never by strings. Everything above a polling place (municipality, county,
//! administrative area, region, nation) is derived by summing polling places.
//!
//! Counters are `u32` per polling place (a polling place has a few thousand voters),
//! which keeps a full NR SR 2020 tally (5 998 places × 2 736 candidates) at about
//! 66 MB; totals are summed in `u64`. A tally is a commutative monoid: [`Tally::merge`]
//! is exact, so counting can be split across threads or machines and merged in any
//! order. Adding the same batch twice is the caller's error.

use electie_core::validation::{Rejection, Validator};
use electie_core::{CandidateId, ElectionConfig, PartyId, PollingPlaceId};

use crate::error::{Error, Result};

/// Votes counted per polling place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    parties: usize,
    candidates: usize,
    places: usize,
    party_votes: Vec<u32>,
    blank_votes: Vec<u32>,
    candidate_votes: Vec<u32>,
    ignored_preferences: u64,
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

    /// An empty tally of the given dimensions.
    pub fn with_shape(parties: usize, candidates: usize, places: usize) -> Self {
        Self {
            parties,
            candidates,
            places,
            party_votes: vec![0; parties * places],
            blank_votes: vec![0; places],
            candidate_votes: vec![0; candidates * places],
            ignored_preferences: 0,
        }
    }

    /// `(parties, candidates, polling places)`.
    pub fn shape(&self) -> (usize, usize, usize) {
        (self.parties, self.candidates, self.places)
    }

    /// Counts one accepted vote given by dense indices (the hot path).
    ///
    /// # Errors
    /// [`Error::UnknownPollingPlace`], [`Error::UnknownParty`] or
    /// [`Error::UnknownCandidate`] (with the offending index) when an index is out of
    /// range; [`Error::VoteOverflow`] when a polling place counter would pass `u32`.
    /// Nothing is counted on error.
    #[inline]
    pub fn add_indexed(
        &mut self,
        place: usize,
        party: Option<usize>,
        candidates: &[usize],
    ) -> Result<()> {
        if place >= self.places {
            return Err(Error::UnknownPollingPlace(index_as_id(place)));
        }
        match party {
            None => {
                if let Some(&c) = candidates.first() {
                    return Err(Error::UnknownCandidate(index_as_id(c)));
                }
                let slot = &mut self.blank_votes[place];
                *slot = slot.checked_add(1).ok_or(Error::VoteOverflow)?;
            }
            Some(party) => {
                if party >= self.parties {
                    return Err(Error::UnknownParty(index_as_id(party)));
                }
                if let Some(&c) = candidates.iter().find(|&&c| c >= self.candidates) {
                    return Err(Error::UnknownCandidate(index_as_id(c)));
                }
                let slot = &mut self.party_votes[place * self.parties + party];
                *slot = slot.checked_add(1).ok_or(Error::VoteOverflow)?;
                let row = &mut self.candidate_votes
                    [place * self.candidates..(place + 1) * self.candidates];
                for &c in candidates {
                    // cannot overflow before the party counter of the same place does
                    row[c] = row[c].saturating_add(1);
                }
            }
        }
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
            None => None,
        };
        let mut indices = [0usize; 16];
        let mut heap_indices = Vec::new();
        let slice: &[usize] = if candidates.len() <= indices.len() {
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

    /// Counts a batch of accepted votes from one polling place (the hot path: the
    /// polling place and its rows are resolved once per batch).
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
    /// `(counted, error)` as [`Tally::add`] describes.
    pub fn add_batch<'v>(
        &mut self,
        config: &ElectionConfig,
        place: PollingPlaceId,
        votes: impl IntoIterator<Item = (Option<PartyId>, &'v [CandidateId])>,
    ) -> std::result::Result<usize, (usize, Error)> {
        let Some(p) = config
            .polling_place_index(place)
            .filter(|&p| p < self.places)
        else {
            return Err((0, Error::UnknownPollingPlace(place.0)));
        };
        let (parties, candidates) = (self.parties, self.candidates);
        let party_row = &mut self.party_votes[p * parties..(p + 1) * parties];
        let candidate_row = &mut self.candidate_votes[p * candidates..(p + 1) * candidates];
        let blank = &mut self.blank_votes[p];
        let mut counted = 0;
        for (party, ids) in votes {
            let Some(party) = party else {
                if let Some(c) = ids.first() {
                    return Err((counted, Error::UnknownCandidate(c.0)));
                }
                *blank = blank.checked_add(1).ok_or((counted, Error::VoteOverflow))?;
                counted += 1;
                continue;
            };
            let party_index = config
                .party_index(party)
                .filter(|&i| i < parties)
                .ok_or((counted, Error::UnknownParty(party.0)))?;
            let party_count = party_row[party_index]
                .checked_add(1)
                .ok_or((counted, Error::VoteOverflow))?;
            // Count candidates as they are looked up (one loop, one unpredictable exit)
            // and take the increments back in the rare case of an unknown id.
            for (k, c) in ids.iter().enumerate() {
                let Some(ci) = config.candidate_index(*c).filter(|&i| i < candidates) else {
                    undo(candidate_row, config, &ids[..k]);
                    return Err((counted, Error::UnknownCandidate(c.0)));
                };
                candidate_row[ci] = candidate_row[ci].wrapping_add(1);
            }
            party_row[party_index] = party_count;
            counted += 1;
        }
        Ok(counted)
    }

    /// Adds every count of `other` into `self`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] for tallies of different configurations;
    /// [`Error::VoteOverflow`] if a counter would overflow (then `self` is unchanged).
    pub fn merge(&mut self, other: &Tally) -> Result<()> {
        if self.shape() != other.shape() {
            return Err(Error::ShapeMismatch);
        }
        // Only the places where `other` counted something: a place without party or
        // blank votes has no candidate votes either (they come with a party vote). Not
        // reading the rest keeps the untouched pages of a fresh tally unmapped, so a
        // tally per thread costs the places its votes came from, not 66 MB each.
        let counted: Vec<usize> = (0..self.places)
            .filter(|&place| {
                other.blank_votes[place] != 0
                    || other
                        .place_party_votes(place)
                        .iter()
                        .any(|&votes| votes != 0)
            })
            .collect();
        let (parties, candidates) = (self.parties, self.candidates);
        let rows = |place: usize, width: usize| place * width..(place + 1) * width;
        let fits = |a: &[u32], b: &[u32]| a.iter().zip(b).all(|(x, y)| x.checked_add(*y).is_some());
        let all_fit = counted.iter().all(|&place| {
            self.blank_votes[place]
                .checked_add(other.blank_votes[place])
                .is_some()
                && fits(
                    &self.party_votes[rows(place, parties)],
                    &other.party_votes[rows(place, parties)],
                )
                && fits(
                    &self.candidate_votes[rows(place, candidates)],
                    &other.candidate_votes[rows(place, candidates)],
                )
        });
        if !all_fit {
            return Err(Error::VoteOverflow);
        }
        let add = |a: &mut [u32], b: &[u32]| a.iter_mut().zip(b).for_each(|(x, y)| *x += *y);
        for &place in &counted {
            self.blank_votes[place] += other.blank_votes[place];
            add(
                &mut self.party_votes[rows(place, parties)],
                &other.party_votes[rows(place, parties)],
            );
            add(
                &mut self.candidate_votes[rows(place, candidates)],
                &other.candidate_votes[rows(place, candidates)],
            );
        }
        self.ignored_preferences += other.ignored_preferences;
        Ok(())
    }

    /// Party votes of one polling place (by dense index), in party order.
    pub fn place_party_votes(&self, place: usize) -> &[u32] {
        self.party_votes
            .get(place * self.parties..(place + 1) * self.parties)
            .unwrap_or(&[])
    }

    /// Preferential votes of one polling place, in candidate order.
    pub fn place_candidate_votes(&self, place: usize) -> &[u32] {
        self.candidate_votes
            .get(place * self.candidates..(place + 1) * self.candidates)
            .unwrap_or(&[])
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
        for place in (0..self.places).filter(|&p| keep(p)) {
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
        for place in (0..self.places).filter(|&p| keep(p)) {
            for (t, &v) in totals.iter_mut().zip(self.place_candidate_votes(place)) {
                *t += u64::from(v);
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
        self.party_votes.iter().map(|&v| u64::from(v)).sum::<u64>() + self.blank_total()
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
    /// circles under [`CirclePolicy::IgnorePreferences`]).
    pub fn ignored_preferences(&self) -> u64 {
        self.ignored_preferences
    }

    /// Bytes held by the counters (the figure quoted for memory).
    pub fn heap_bytes(&self) -> usize {
        (self.party_votes.capacity()
            + self.blank_votes.capacity()
            + self.candidate_votes.capacity())
            * std::mem::size_of::<u32>()
    }
}

/// Takes back the candidate increments of a vote that turned out not to count.
#[cold]
fn undo(candidate_row: &mut [u32], config: &ElectionConfig, counted: &[CandidateId]) {
    for c in counted {
        if let Some(ci) = config.candidate_index(*c) {
            candidate_row[ci] = candidate_row[ci].wrapping_sub(1);
        }
    }
}

fn overflow() -> Rejection {
    Rejection::InvalidFormat(electie_core::FormatError::Model(
        "a polling place counter would pass 2^32 votes".into(),
    ))
}

fn index_as_id(index: usize) -> i64 {
    i64::try_from(index).unwrap_or(i64::MAX)
}

/// What to do with a ballot that circles more candidates than the configuration allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CirclePolicy {
    /// Reject the vote (what the original server did; rule 4 of validation).
    #[default]
    Reject,
    /// Count it for its party with its preferential votes ignored (Slovak law).
    IgnorePreferences,
}

/// Validates and counts votes against one configuration, reusing
/// [`electie_core::validation`] for the reasons a vote is refused.
#[derive(Debug, Clone, Copy)]
pub struct Counter<'config> {
    config: &'config ElectionConfig,
    validator: Validator<'config>,
    circles: CirclePolicy,
}

impl<'config> Counter<'config> {
    /// A counter for `config` with the given policy for too many circles.
    pub fn new(config: &'config ElectionConfig, circles: CirclePolicy) -> Self {
        Self {
            config,
            validator: Validator::new(config),
            circles,
        }
    }

    /// The configuration counted against.
    pub fn config(&self) -> &'config ElectionConfig {
        self.config
    }

    /// Checks and counts a batch of decoded votes from one polling place; every vote
    /// is judged on its own (verdict mode), rejected votes are handed to `on_reject`
    /// with their position and reason, and the number counted is returned.
    ///
    /// Accepting is decided by an inlined check of rules 4–8 on the dense indices it
    /// also counts with; a vote it refuses is re-checked by
    /// [`Validator::check_ballot`], whose [`Rejection`] is the reason reported, so
    /// reasons are exactly electie-core's.
    ///
    /// ```
    /// # let nrsr_2020 = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020");
    /// use electie_core::{CandidateId, ElectionConfig, PartyId, PollingPlaceId};
    /// use electie_tally::count::{CirclePolicy, Counter, Tally};
    /// let config = ElectionConfig::load(nrsr_2020)?;
    /// let counter = Counter::new(&config, CirclePolicy::Reject);
    /// let mut tally = Tally::new(&config);
    /// let batch = [(Some(PartyId(10)), &[CandidateId(1075)][..]), (Some(PartyId(10)), &[CandidateId(0)][..])];
    /// let mut reasons = Vec::new();
    /// let counted = counter.count_batch(&mut tally, PollingPlaceId(7), batch, |i, why| reasons.push((i, why.to_string())));
    /// assert_eq!(counted, 1);
    /// assert_eq!(reasons, [(1, "Invalid candidates ids - candidate |0| is not in party |10|".to_owned())]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn count_batch<'v>(
        &self,
        tally: &mut Tally,
        place: PollingPlaceId,
        votes: impl IntoIterator<Item = (Option<PartyId>, &'v [CandidateId])>,
        mut on_reject: impl FnMut(usize, Rejection),
    ) -> usize {
        let config = self.config;
        let place_index = config
            .polling_place_index(place)
            .filter(|&p| p < tally.places);
        let Some(p) = place_index else {
            for (i, _) in votes.into_iter().enumerate() {
                on_reject(i, Rejection::InvalidPollingPlace);
            }
            return 0;
        };
        let (parties, candidates) = (tally.parties, tally.candidates);
        let limit = config.max_candidates();
        let party_row = &mut tally.party_votes[p * parties..(p + 1) * parties];
        let candidate_row = &mut tally.candidate_votes[p * candidates..(p + 1) * candidates];
        let blank = &mut tally.blank_votes[p];
        let mut counted = 0;
        for (position, (party, ids)) in votes.into_iter().enumerate() {
            // Rules 4–8 inlined on the dense indices, counting candidates as they pass
            // and taking the increments back if a later one fails.
            let accepted: Option<Option<usize>> = 'check: {
                if ids.len() > limit {
                    break 'check None;
                }
                let Some(party) = party else {
                    break 'check ids.is_empty().then_some(None);
                };
                let Some(party_index) = config.party_index(party).filter(|&i| i < parties) else {
                    break 'check None;
                };
                for (k, c) in ids.iter().enumerate() {
                    let fits = config.candidate_index(*c).filter(|&ci| {
                        ci < candidates
                            && config.party_index_of_candidate_index(ci) == party_index
                            && !ids[..k].contains(c)
                    });
                    let Some(ci) = fits else {
                        undo(candidate_row, config, &ids[..k]);
                        break 'check None;
                    };
                    candidate_row[ci] = candidate_row[ci].wrapping_add(1);
                }
                Some(Some(party_index))
            };
            match accepted {
                Some(None) => match blank.checked_add(1) {
                    Some(n) => *blank = n,
                    None => {
                        on_reject(position, overflow());
                        continue;
                    }
                },
                Some(Some(pi)) => match party_row[pi].checked_add(1) {
                    Some(n) => party_row[pi] = n,
                    None => {
                        undo(candidate_row, config, ids);
                        on_reject(position, overflow());
                        continue;
                    }
                },
                None => {
                    let counted_party = match self.validator.check_ballot(party, ids) {
                        Err(Rejection::TooManyCandidates { .. })
                            if self.circles == CirclePolicy::IgnorePreferences
                                && party.is_some() =>
                        {
                            if let Err(rejection) = self.validator.check_ballot(party, &[]) {
                                on_reject(position, rejection);
                                continue;
                            }
                            tally.ignored_preferences += 1;
                            party.and_then(|pid| config.party_index(pid))
                        }
                        Err(rejection) => {
                            on_reject(position, rejection);
                            continue;
                        }
                        // Unreachable while the inlined check mirrors rules 4–8.
                        Ok(()) => {
                            on_reject(
                                position,
                                Rejection::InvalidFormat(electie_core::FormatError::Model(
                                    "internal: the counting path and validation disagree".into(),
                                )),
                            );
                            continue;
                        }
                    };
                    let Some(pi) = counted_party else {
                        on_reject(position, Rejection::InvalidParty);
                        continue;
                    };
                    let Some(n) = party_row[pi].checked_add(1) else {
                        on_reject(position, overflow());
                        continue;
                    };
                    party_row[pi] = n;
                }
            }
            counted += 1;
        }
        counted
    }

    /// Checks a decoded vote (polling place, then rules 4–8) and counts it if accepted.
    ///
    /// # Errors
    /// The [`Rejection`] of the first rule the vote breaks; nothing is counted then.
    #[inline]
    pub fn count(
        &self,
        tally: &mut Tally,
        place: PollingPlaceId,
        party: Option<PartyId>,
        candidates: &[CandidateId],
    ) -> std::result::Result<(), Rejection> {
        let Some(place_index) = self.config.polling_place_index(place) else {
            return Err(Rejection::InvalidPollingPlace);
        };
        let candidates = match self.validator.check_ballot(party, candidates) {
            Ok(()) => candidates,
            Err(Rejection::TooManyCandidates { .. })
                if self.circles == CirclePolicy::IgnorePreferences && party.is_some() =>
            {
                self.validator.check_ballot(party, &[])?;
                tally.ignored_preferences += 1;
                &[]
            }
            Err(rejection) => return Err(rejection),
        };
        let party_index = party.and_then(|p| self.config.party_index(p));
        let mut indices = [0usize; 16];
        let mut heap_indices = Vec::new();
        let slice: &[usize] = if candidates.len() <= indices.len() {
            for (slot, c) in indices.iter_mut().zip(candidates) {
                *slot = self.config.candidate_index(*c).unwrap_or(usize::MAX);
            }
            &indices[..candidates.len()]
        } else {
            heap_indices.extend(
                candidates
                    .iter()
                    .map(|c| self.config.candidate_index(*c).unwrap_or(usize::MAX)),
            );
            &heap_indices
        };
        // Validated above, so every index exists; an overflow is reported as format.
        tally
            .add_indexed(place_index, party_index, slice)
            .map_err(|e| Rejection::InvalidFormat(electie_core::FormatError::Model(e.to_string())))
    }
}
