//! The election configuration and the lookups validation and counting need.
//!
//! Three forms load into one [`ElectionConfig`]:
//! - the server form (`GET /elections/voting-data`): `parties` with nested
//!   `candidates`, `key_pairs`, `texts`, `regions`, `counties`, `municipalities`, and,
//!   as an electie addition, `polling_places`;
//! - the gateway form (`config.json`): the same with one `polling_place` (without
//!   `_id`; its id is the top-level `polling_place_id` or that of its one key pair);
//! - a directory holding `parties.json`, `candidates.json` and `polling_places.json`,
//!   where every record's `_id` is its 0-based index in its file (the layout of the
//!   original system's seed data).
//!
//! Both JSON forms may carry `election_id` (default `"election_id"`, the value the
//! original system hard-codes) and `max_candidates` (default 5, the original's limit).
//! Lookups are built once, when the configuration is loaded: id → dense index for
//! parties, candidates and polling places, and candidate → party.

mod index;
mod load;
mod localities;

use crate::error::{ConfigProblem, Result};
use crate::ids::{
    CandidateId, CandidateIndex, PartyId, PartyIndex, PollingPlaceId, PollingPlaceIndex,
};
use crate::models::{Candidate, KeyPair, Party, PollingPlace};
use index::IdIndex;
#[cfg(feature = "vote-batch")]
pub(crate) use index::{BallotTables, DenseTable};
pub use localities::{County, ElectionTexts, Municipality, Region};

/// The election id the original system hard-codes.
pub const DEFAULT_ELECTION_ID: &str = "election_id";
/// The original system's limit on circled candidates (Slovak law allows 4).
pub const DEFAULT_MAX_CANDIDATES: usize = 5;
/// The largest `max_candidates` accepted: far above any real ballot.
pub const MAX_CANDIDATES_LIMIT: usize = 1000;

/// Which form a configuration was loaded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigForm {
    /// The server's `voting-data`.
    Server,
    /// A gateway's `config.json`.
    Gateway,
    /// A directory of `parties.json`, `candidates.json`, `polling_places.json`.
    Directory,
}

/// An election: parties, candidates, polling places, keys, and the lookups built from
/// them once.
///
/// ```
/// use electie_core::{CandidateId, ElectionConfig, PartyId};
///
/// # let nrsr_2020 = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020");
/// let config = ElectionConfig::load(nrsr_2020)?;
/// assert_eq!(config.parties().len(), 25);
/// assert_eq!(config.party_of_candidate(CandidateId(1075)), Some(PartyId(10)));
/// assert_eq!(config.max_candidates(), 5);
/// # Ok::<(), electie_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ElectionConfig {
    form: ConfigForm,
    parties: Vec<Party>,
    candidates: Vec<Candidate>,
    polling_places: Vec<PollingPlace>,
    key_pairs: Vec<KeyPair>,
    texts: ElectionTexts,
    regions: Vec<Region>,
    counties: Vec<County>,
    municipalities: Vec<Municipality>,
    election_id: String,
    max_candidates: usize,
    party_index: IdIndex,
    candidate_index: IdIndex,
    polling_place_index: IdIndex,
    key_pair_index: IdIndex,
    /// Dense candidate index → dense party index.
    candidate_party: Vec<u32>,
    /// Dense party index → dense indices of its candidates, in list order.
    party_candidates: Vec<Vec<u32>>,
    /// Candidate id → the code a [`VoteBatch`](crate::VoteBatch) gives the id of the
    /// candidate's party, for validating whole batches with few branches
    /// ([`WIDE_ID`] for an id that is no candidate's); `None` when candidate ids are
    /// sparse or a party id has no code (beyond ±2²³). Feature `vote-batch` only.
    #[cfg(feature = "vote-batch")]
    party_of_candidate: Option<DenseTable>,
}

impl ElectionConfig {
    /// Replaces the election id votes must carry.
    pub fn with_election_id(mut self, election_id: impl Into<String>) -> Self {
        self.election_id = election_id.into();
        self
    }

    /// Replaces the limit on circled candidates.
    ///
    /// # Errors
    /// [`ConfigProblem::MaxCandidates`] above [`MAX_CANDIDATES_LIMIT`].
    pub fn with_max_candidates(mut self, max_candidates: usize) -> Result<Self> {
        if max_candidates > MAX_CANDIDATES_LIMIT {
            return Err(ConfigProblem::MaxCandidates(max_candidates as i64).into());
        }
        self.max_candidates = max_candidates;
        Ok(self)
    }

    /// The form this configuration was loaded from.
    pub fn form(&self) -> ConfigForm {
        self.form
    }

    /// Parties in configuration order, each with its candidates in list order.
    pub fn parties(&self) -> &[Party] {
        &self.parties
    }

    /// All candidates in configuration order.
    pub fn candidates(&self) -> &[Candidate] {
        &self.candidates
    }

    /// Polling places in configuration order.
    pub fn polling_places(&self) -> &[PollingPlace] {
        &self.polling_places
    }

    /// Key pairs (public keys; private ones only where this side holds them).
    pub fn key_pairs(&self) -> &[KeyPair] {
        &self.key_pairs
    }

    /// The key pair of a polling place.
    pub fn key_pair(&self, polling_place: PollingPlaceId) -> Option<&KeyPair> {
        self.key_pair_index
            .get(polling_place.0)
            .map(|index| &self.key_pairs[index])
    }

    /// The election's texts.
    pub fn texts(&self) -> &ElectionTexts {
        &self.texts
    }

    /// Regions (given, or derived from the polling places).
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// Counties (given, or derived from the polling places).
    pub fn counties(&self) -> &[County] {
        &self.counties
    }

    /// Municipalities (given, or derived from the polling places).
    pub fn municipalities(&self) -> &[Municipality] {
        &self.municipalities
    }

    /// The election id votes must carry.
    pub fn election_id(&self) -> &str {
        &self.election_id
    }

    /// The most candidates one vote may circle.
    pub fn max_candidates(&self) -> usize {
        self.max_candidates
    }

    /// Dense index (position in [`parties`](Self::parties)) of a party id.
    ///
    /// ```
    /// # let nrsr_2020 = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020");
    /// use electie_core::{CandidateId, CandidateIndex, ElectionConfig, PartyId, PartyIndex};
    ///
    /// let config = ElectionConfig::load(nrsr_2020)?;
    /// let party = config.party_index(PartyId(10)).ok_or("no party 10")?;
    /// assert_eq!(config.parties()[party.get()].id, PartyId(10));
    /// let candidate = config.candidate_index(CandidateId(1075)).ok_or("no candidate 1075")?;
    /// assert_eq!(config.party_of_candidate_index(candidate), Some(party));
    /// assert!(config.candidates_of_party(party).any(|c| c == candidate));
    /// // an index this configuration does not have is `None` or empty, never a panic
    /// assert_eq!(config.party_of_candidate_index(CandidateIndex(1 << 40)), None);
    /// assert_eq!(config.candidates_of_party(PartyIndex(99)).len(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn party_index(&self, party: PartyId) -> Option<PartyIndex> {
        self.party_index.get(party.0).map(PartyIndex)
    }

    /// Dense index (position in [`candidates`](Self::candidates)) of a candidate id.
    #[inline]
    pub fn candidate_index(&self, candidate: CandidateId) -> Option<CandidateIndex> {
        self.candidate_index.get(candidate.0).map(CandidateIndex)
    }

    /// Dense index (position in [`polling_places`](Self::polling_places)) of a polling
    /// place id.
    #[inline]
    pub fn polling_place_index(&self, polling_place: PollingPlaceId) -> Option<PollingPlaceIndex> {
        self.polling_place_index
            .get(polling_place.0)
            .map(PollingPlaceIndex)
    }

    /// Whether batches from this polling place can be accepted: it has a key pair, or,
    /// in a configuration without keys, it is a known polling place (validation rule 1).
    pub fn accepts_polling_place(&self, polling_place: PollingPlaceId) -> bool {
        if self.key_pairs.is_empty() {
            self.polling_place_index(polling_place).is_some()
        } else {
            self.key_pair_index.get(polling_place.0).is_some()
        }
    }

    /// The party (dense index) of a candidate (dense index); `None` for an index this
    /// configuration does not have.
    #[inline]
    pub fn party_of_candidate_index(&self, candidate: CandidateIndex) -> Option<PartyIndex> {
        self.candidate_party
            .get(candidate.0)
            .map(|&party| PartyIndex(party as usize))
    }

    /// Branch-free id lookups for whole-batch validation; `None` when party or
    /// candidate ids are too sparse for direct tables.
    #[cfg(feature = "vote-batch")]
    #[inline]
    pub(crate) fn ballot_tables(&self) -> Option<BallotTables<'_>> {
        let IdIndex::Table(party) = &self.party_index else {
            return None;
        };
        Some(BallotTables {
            party: party.lookup(),
            party_of_candidate: self.party_of_candidate.as_ref()?.lookup(),
        })
    }

    /// The party a candidate belongs to.
    pub fn party_of_candidate(&self, candidate: CandidateId) -> Option<PartyId> {
        let party = self.party_of_candidate_index(self.candidate_index(candidate)?)?;
        self.parties.get(party.0).map(|party| party.id)
    }

    /// A party's candidates (dense indices), in list order; none for an index this
    /// configuration does not have.
    pub fn candidates_of_party(
        &self,
        party: PartyIndex,
    ) -> impl ExactSizeIterator<Item = CandidateIndex> + '_ {
        self.party_candidates
            .get(party.0)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&candidate| CandidateIndex(candidate as usize))
    }
}
