//! [`Counter`]: validate with electie-core's rules, then count.

use electie_core::validation::{Rejection, Validator, Verdict};
use electie_core::{
    CandidateId, CandidateIndex, ElectionConfig, PartyId, PartyIndex, PollingPlaceId,
    PollingPlaceIndex,
};

use super::tally::Judgement;
use super::{Ballots, CirclePolicy, Tally};
use crate::error::{Error, Result};

/// Validates and counts votes against one configuration, reusing
/// [`electie_core::validation`] for the reasons a vote is refused.
///
/// A vote that breaks a rule is a [`Rejection`], handed back with its reason; a fault
/// of the count itself (a counter that would pass `u32::MAX`, the counting path
/// disagreeing with validation) is an [`Error`] that stops the count: it never turns
/// into a rejected vote or a lower total.
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
    /// let counted = counter.count_batch(&mut tally, PollingPlaceId(7), batch, |i, why| reasons.push((i, why.to_string())))?;
    /// assert_eq!(counted, 1);
    /// assert_eq!(reasons, [(1, "Invalid candidates ids - candidate |0| is not in party |10|".to_owned())]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// A fault of the count: [`Error::CounterOverflow`] when a polling place counter
    /// would pass `u32::MAX`, [`Error::CountingDisagreesWithValidation`] when the
    /// inlined rules refuse a vote that electie-core accepts. The votes before the
    /// fault stay counted; a count that meets an error is to be abandoned, not
    /// published.
    pub fn count_batch<'v>(
        &self,
        tally: &mut Tally,
        place: PollingPlaceId,
        votes: impl IntoIterator<Item = (Option<PartyId>, &'v [CandidateId])>,
        mut on_reject: impl FnMut(usize, Rejection),
    ) -> Result<usize> {
        let config = self.config;
        let (parties, candidates) = (tally.parties, tally.candidates);
        let Some(p) = config
            .polling_place_index(place)
            .map(PollingPlaceIndex::get)
            .filter(|&p| p < tally.places)
        else {
            for (i, _) in votes.into_iter().enumerate() {
                on_reject(i, Rejection::InvalidPollingPlace);
            }
            return Ok(0);
        };
        let limit = config.max_candidates();
        let rows = tally.place_rows(p);
        let mut counted = 0;
        let mut fault = None;
        let disagreement = Error::CountingDisagreesWithValidation {
            polling_place: place.0,
        };
        for (position, (party, ids)) in votes.into_iter().enumerate() {
            let mut ignoring = false;
            // Rules 4–8 inlined on the dense indices, counting candidates as they pass
            // and taking the increments back if a later one fails.
            let accepted: Option<Option<usize>> = 'check: {
                if ids.len() > limit {
                    break 'check None;
                }
                let Some(party) = party else {
                    break 'check ids.is_empty().then_some(None);
                };
                let Some(party_index) = config
                    .party_index(party)
                    .map(PartyIndex::get)
                    .filter(|&i| i < parties)
                else {
                    break 'check None;
                };
                for (k, c) in ids.iter().enumerate() {
                    let fits = config
                        .candidate_index(*c)
                        .map(CandidateIndex::get)
                        .filter(|&ci| {
                            ci < candidates
                                && config.party_of_candidate_index(CandidateIndex(ci))
                                    == Some(PartyIndex(party_index))
                                && !ids[..k].contains(c)
                        });
                    let Some(ci) = fits else {
                        take_back(rows.scratch, config, &ids[..k]);
                        break 'check None;
                    };
                    rows.scratch.add(ci);
                }
                Some(Some(party_index))
            };
            let party_slot = match accepted {
                Some(None) => {
                    let Some(n) = rows.blank.checked_add(1) else {
                        fault = Some(Error::CounterOverflow);
                        break;
                    };
                    *rows.blank = n;
                    counted += 1;
                    continue;
                }
                Some(Some(party_index)) => party_index,
                None => match self.validator.check_ballot(party, ids) {
                    Err(Rejection::TooManyCandidates { .. })
                        if self.circles == CirclePolicy::IgnorePreferences && party.is_some() =>
                    {
                        if let Err(rejection) = self.validator.check_ballot(party, &[]) {
                            on_reject(position, rejection);
                            continue;
                        }
                        // accepted by rules 5–8 without candidates: a known party
                        let Some(party_index) = party
                            .and_then(|pid| config.party_index(pid))
                            .map(PartyIndex::get)
                        else {
                            fault = Some(disagreement);
                            break;
                        };
                        ignoring = true;
                        party_index
                    }
                    Err(rejection) => {
                        on_reject(position, rejection);
                        continue;
                    }
                    // Unreachable while the inlined check mirrors rules 4–8.
                    Ok(()) => {
                        fault = Some(disagreement);
                        break;
                    }
                },
            };
            let Some(n) = rows.party[party_slot].checked_add(1) else {
                if accepted.is_some() {
                    take_back(rows.scratch, config, ids);
                }
                fault = Some(Error::CounterOverflow);
                break;
            };
            rows.party[party_slot] = n;
            if ignoring {
                *rows.ignored_preferences += 1;
            }
            counted += 1;
        }
        let folded = rows.finish(counted > 0);
        match fault {
            Some(fault) => Err(fault),
            None => folded.map(|()| counted),
        }
    }

    /// Checks and counts a batch of decoded votes from one polling place given by
    /// column: what [`Counter::count_batch`] does, with the same verdicts, reasons,
    /// counts and faults, in two flat passes (see [`Ballots`]). The votes that break
    /// a rule are judged one by one by [`Validator::check_ballot`], as in
    /// `count_batch`; a batch the flat passes cannot settle (a counter passing
    /// `u32::MAX`, a disagreement with validation, an unknown polling place) is counted
    /// by `count_batch` itself.
    ///
    /// ```
    /// # let nrsr_2020 = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020");
    /// use electie_core::{CandidateId, ElectionConfig, PartyId, PollingPlaceId};
    /// use electie_tally::count::{Ballots, CirclePolicy, Counter, Tally};
    /// let config = ElectionConfig::load(nrsr_2020)?;
    /// let counter = Counter::new(&config, CirclePolicy::Reject);
    /// let mut ballots = Ballots::new();
    /// ballots.push(Some(PartyId(10)), &[CandidateId(1075)]);
    /// ballots.push(Some(PartyId(10)), &[CandidateId(0)]);
    /// let mut tally = Tally::new(&config);
    /// let mut reasons = Vec::new();
    /// let counted = counter.count_ballots(&mut tally, PollingPlaceId(7), &ballots, |i, why| reasons.push((i, why.to_string())))?;
    /// assert_eq!(counted, 1);
    /// assert_eq!(reasons, [(1, "Invalid candidates ids - candidate |0| is not in party |10|".to_owned())]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`Counter::count_batch`].
    pub fn count_ballots(
        &self,
        tally: &mut Tally,
        place: PollingPlaceId,
        ballots: &Ballots,
        mut on_reject: impl FnMut(usize, Rejection),
    ) -> Result<usize> {
        let Some(p) = self.config.polling_place_index(place) else {
            return self.count_batch(tally, place, ballots.iter(), on_reject);
        };
        let mut rejections = Vec::new();
        let judge = |vote: usize| {
            let Some((party, ids)) = ballots.get(vote) else {
                return Judgement::VoteByVote;
            };
            match self.validator.check_ballot(party, ids) {
                Err(Rejection::TooManyCandidates { .. })
                    if self.circles == CirclePolicy::IgnorePreferences && party.is_some() =>
                {
                    match self.validator.check_ballot(party, &[]) {
                        Ok(()) => Judgement::PartyOnly,
                        Err(rejection) => {
                            rejections.push((vote, rejection));
                            Judgement::Refuse
                        }
                    }
                }
                Err(rejection) => {
                    rejections.push((vote, rejection));
                    Judgement::Refuse
                }
                // the flat pass refused a vote validation accepts: let count_batch
                // report the disagreement
                Ok(()) => Judgement::VoteByVote,
            }
        };
        match tally.count_columns::<true>(self.config, p.get(), ballots, judge) {
            None => self.count_batch(tally, place, ballots.iter(), on_reject),
            Some((counted, folded)) => {
                for (vote, rejection) in rejections {
                    on_reject(vote, rejection);
                }
                folded.map(|()| counted)
            }
        }
    }

    /// Checks a decoded vote (polling place, then rules 4–8) and counts it if accepted.
    ///
    /// ```
    /// # let nrsr_2020 = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020");
    /// use electie_core::validation::Rejection;
    /// use electie_core::{ElectionConfig, PartyId, PollingPlaceId};
    /// use electie_tally::count::{CirclePolicy, Counter, Tally};
    /// let config = ElectionConfig::load(nrsr_2020)?;
    /// let counter = Counter::new(&config, CirclePolicy::Reject);
    /// let mut tally = Tally::new(&config);
    /// assert_eq!(counter.count(&mut tally, PollingPlaceId(0), Some(PartyId(10)), &[])?, Ok(()));
    /// assert_eq!(counter.count(&mut tally, PollingPlaceId(0), Some(PartyId(99)), &[])?, Err(Rejection::InvalidParty));
    /// assert_eq!(tally.total_votes(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// A fault of the count ([`Error::CounterOverflow`]); the vote's [`Rejection`], when
    /// it breaks a rule, is the `Ok` value. Nothing is counted unless `Ok(Ok(()))`.
    pub fn count(
        &self,
        tally: &mut Tally,
        place: PollingPlaceId,
        party: Option<PartyId>,
        candidates: &[CandidateId],
    ) -> Result<Verdict> {
        let Some(place_index) = self.config.polling_place_index(place) else {
            return Ok(Err(Rejection::InvalidPollingPlace));
        };
        let (candidates, ignoring) = match self.validator.check_ballot(party, candidates) {
            Ok(()) => (candidates, false),
            Err(Rejection::TooManyCandidates { .. })
                if self.circles == CirclePolicy::IgnorePreferences && party.is_some() =>
            {
                if let Err(rejection) = self.validator.check_ballot(party, &[]) {
                    return Ok(Err(rejection));
                }
                (&[][..], true)
            }
            Err(rejection) => return Ok(Err(rejection)),
        };
        let party_index = party.and_then(|p| self.config.party_index(p));
        let unknown = CandidateIndex(usize::MAX);
        let mut indices = [unknown; 16];
        let mut heap_indices = Vec::new();
        let slice: &[CandidateIndex] = if candidates.len() <= indices.len() {
            for (slot, c) in indices.iter_mut().zip(candidates) {
                *slot = self.config.candidate_index(*c).unwrap_or(unknown);
            }
            &indices[..candidates.len()]
        } else {
            heap_indices.extend(
                candidates
                    .iter()
                    .map(|c| self.config.candidate_index(*c).unwrap_or(unknown)),
            );
            &heap_indices
        };
        // Validated above, so every id is known: an unknown-id error here is the
        // counting path disagreeing with validation, an overflow is an overflow.
        match tally.add_indexed(place_index, party_index, slice) {
            Ok(()) => {
                if ignoring {
                    tally.ignored_preferences += 1;
                }
                Ok(Ok(()))
            }
            Err(Error::CounterOverflow) => Err(Error::CounterOverflow),
            Err(_) => Err(Error::CountingDisagreesWithValidation {
                polling_place: place.0,
            }),
        }
    }
}

/// Takes back the preferential votes of a vote that turned out not to count.
#[cold]
fn take_back(
    scratch: &mut super::tally::Scratch,
    config: &ElectionConfig,
    counted: &[CandidateId],
) {
    for c in counted {
        if let Some(ci) = config.candidate_index(*c) {
            scratch.take_back(ci.get());
        }
    }
}
