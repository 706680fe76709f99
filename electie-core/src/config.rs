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

use std::path::Path;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::batch::{WIDE_ID, narrow_id};
use crate::error::{ConfigProblem, Error, Result};
use crate::ids::{CandidateId, PartyId, PollingPlaceId};
use crate::models::{Candidate, KeyPair, Party, PollingPlace, Text};

/// The election id the original system hard-codes.
pub const DEFAULT_ELECTION_ID: &str = "election_id";
/// The original system's limit on circled candidates (Slovak law allows 4).
pub const DEFAULT_MAX_CANDIDATES: usize = 5;
/// The largest `max_candidates` accepted: far above any real ballot.
pub const MAX_CANDIDATES_LIMIT: usize = 1000;

/// The election's texts (`texts` in both JSON forms).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ElectionTexts {
    /// Short name of the election.
    #[serde(default)]
    pub elections_name_short: Text,
    /// Long name of the election.
    #[serde(default)]
    pub elections_name_long: Text,
    /// Election date.
    #[serde(default)]
    pub election_date: Text,
    /// Contact text, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Text>,
}

/// A region (kraj).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    /// Region code.
    pub code: i64,
    /// Region name.
    pub name: String,
}

/// A county (okres).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct County {
    /// County code.
    pub code: i64,
    /// County name.
    pub name: String,
    /// The region it lies in.
    pub region_code: i64,
}

/// A municipality (obec).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Municipality {
    /// Municipality code.
    pub code: i64,
    /// Municipality name.
    pub name: String,
    /// The region it lies in.
    pub region_code: i64,
    /// The county it lies in.
    pub county_code: i64,
}

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
    /// sparse or a party id has no code (beyond ±2²³).
    party_of_candidate: Option<DenseTable>,
}

#[derive(Deserialize)]
struct JsonForm {
    #[serde(default)]
    parties: Option<Vec<Party>>,
    #[serde(default)]
    candidates: Option<Vec<Candidate>>,
    #[serde(default)]
    polling_places: Option<Vec<PollingPlace>>,
    /// The gateway form's polling place: a [`PollingPlace`] without `_id`.
    #[serde(default)]
    polling_place: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    polling_place_id: Option<PollingPlaceId>,
    #[serde(default)]
    key_pairs: Vec<KeyPair>,
    #[serde(default)]
    texts: ElectionTexts,
    #[serde(default)]
    regions: Vec<Region>,
    #[serde(default)]
    counties: Vec<County>,
    #[serde(default)]
    municipalities: Vec<Municipality>,
    #[serde(default)]
    election_id: Option<String>,
    #[serde(default)]
    max_candidates: Option<i64>,
}

impl ElectionConfig {
    /// Loads a configuration from a JSON file (server or gateway form) or from a
    /// directory of `parties.json`, `candidates.json` and `polling_places.json`.
    ///
    /// # Errors
    /// [`Error::Io`] when the files cannot be read; [`Error::InFile`] naming the file
    /// for bad JSON, a wrong field or an inconsistent configuration.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        if path.is_dir() {
            Self::from_directory(path)
        } else if path.is_file() {
            let text = read(path)?;
            Self::from_json_str(&text).map_err(|error| error.in_file(path))
        } else {
            Err(ConfigProblem::NotAConfiguration(path.to_owned()).into())
        }
    }

    /// Loads the directory form; every record's `_id` is its index in its file.
    ///
    /// # Errors
    /// As [`ElectionConfig::load`].
    pub fn from_directory(directory: impl AsRef<Path>) -> Result<Self> {
        let directory = directory.as_ref();
        let parties_path = directory.join("parties.json");
        let candidates_path = directory.join("candidates.json");
        let places_path = directory.join("polling_places.json");
        let parties: Vec<Party> = records_with_index_ids(&parties_path)?;
        let candidates: Vec<Candidate> = records_with_index_ids(&candidates_path)?;
        let polling_places: Vec<PollingPlace> = records_with_index_ids(&places_path)?;
        Self::from_directory_records(parties, candidates, polling_places)
            .map_err(|error| error.in_file(directory))
    }

    /// Loads the directory form from the texts of its three files (for a
    /// configuration embedded in a program with `include_str!`); errors name the file
    /// (`parties.json`, `candidates.json` or `polling_places.json`) as in
    /// [`ElectionConfig::from_directory`].
    ///
    /// ```
    /// # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020/");
    /// # let read = |name: &str| std::fs::read_to_string(format!("{dir}{name}")).expect("bundled data");
    /// use electie_core::ElectionConfig;
    /// let config = ElectionConfig::from_directory_json(
    ///     &read("parties.json"),
    ///     &read("candidates.json"),
    ///     &read("polling_places.json"),
    /// )?;
    /// assert_eq!(config.parties().len(), 25);
    /// # Ok::<(), electie_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InFile`] naming the file for bad JSON, a wrong field or an inconsistent
    /// configuration.
    pub fn from_directory_json(
        parties: &str,
        candidates: &str,
        polling_places: &str,
    ) -> Result<Self> {
        let parties: Vec<Party> =
            records_from_str(parties).map_err(|error| error.in_file("parties.json"))?;
        let candidates: Vec<Candidate> =
            records_from_str(candidates).map_err(|error| error.in_file("candidates.json"))?;
        let polling_places: Vec<PollingPlace> = records_from_str(polling_places)
            .map_err(|error| error.in_file("polling_places.json"))?;
        Self::from_directory_records(parties, candidates, polling_places)
    }

    fn from_directory_records(
        parties: Vec<Party>,
        candidates: Vec<Candidate>,
        polling_places: Vec<PollingPlace>,
    ) -> Result<Self> {
        Self::build(
            ConfigForm::Directory,
            JsonForm {
                parties: Some(parties),
                candidates: Some(candidates),
                polling_places: Some(polling_places),
                polling_place: None,
                polling_place_id: None,
                key_pairs: Vec::new(),
                texts: ElectionTexts::default(),
                regions: Vec::new(),
                counties: Vec::new(),
                municipalities: Vec::new(),
                election_id: None,
                max_candidates: None,
            },
        )
    }

    /// Loads the server form or the gateway form from JSON text (the gateway form is
    /// recognised by its `polling_place` object).
    ///
    /// # Errors
    /// [`Error::Format`] for a field of the wrong type, [`Error::Config`] for an
    /// inconsistent configuration.
    pub fn from_json_str(text: &str) -> Result<Self> {
        let form: JsonForm = serde_json::from_str(text)?;
        let kind = if form.polling_place.is_some() {
            ConfigForm::Gateway
        } else {
            ConfigForm::Server
        };
        Self::build(kind, form)
    }

    fn build(kind: ConfigForm, form: JsonForm) -> Result<Self> {
        let mut parties = form.parties.ok_or(ConfigProblem::UnknownForm)?;
        let max_candidates = match form.max_candidates {
            None => DEFAULT_MAX_CANDIDATES,
            Some(limit) => usize::try_from(limit)
                .ok()
                .filter(|&limit| limit <= MAX_CANDIDATES_LIMIT)
                .ok_or(ConfigProblem::MaxCandidates(limit))?,
        };

        // Candidates: the separate list when given, otherwise those nested in parties.
        let candidates: Vec<Candidate> = match form.candidates {
            Some(candidates) => candidates,
            None => parties
                .iter()
                .flat_map(|party| party.candidates.iter().cloned())
                .collect(),
        };

        let mut polling_places = form.polling_places.unwrap_or_default();
        if let Some(place) = form.polling_place {
            let id = form
                .polling_place_id
                .or(match form.key_pairs.as_slice() {
                    [only] => Some(only.polling_place_id),
                    _ => None,
                })
                .ok_or(ConfigProblem::GatewayWithoutPollingPlaceId)?;
            let mut place = place;
            place.insert("_id".into(), serde_json::to_value(id)?);
            polling_places.push(serde_json::from_value(serde_json::Value::Object(place))?);
        }

        let party_index = IdIndex::build(parties.iter().map(|party| party.id.0), "party")?;
        let candidate_index = IdIndex::build(
            candidates.iter().map(|candidate| candidate.id.0),
            "candidate",
        )?;
        let polling_place_index = IdIndex::build(
            polling_places.iter().map(|place| place.id.0),
            "polling place",
        )?;
        let key_pair_index = IdIndex::build(
            form.key_pairs.iter().map(|pair| pair.polling_place_id.0),
            "key pair polling_place_id",
        )?;

        let mut party_by_number: FxHashMap<i64, u32> = FxHashMap::default();
        for (index, party) in parties.iter().enumerate() {
            if party_by_number
                .insert(party.party_number, index as u32)
                .is_some()
            {
                return Err(ConfigProblem::DuplicatePartyNumber(party.party_number).into());
            }
        }
        let mut candidate_party = Vec::with_capacity(candidates.len());
        let mut party_candidates = vec![Vec::new(); parties.len()];
        for (index, candidate) in candidates.iter().enumerate() {
            let party = *party_by_number.get(&candidate.party_number).ok_or(
                ConfigProblem::CandidateWithoutParty {
                    candidate: candidate.id.0,
                    party_number: candidate.party_number,
                },
            )?;
            candidate_party.push(party);
            party_candidates[party as usize].push(index as u32);
        }
        for list in &mut party_candidates {
            list.sort_by_key(|&index| (candidates[index as usize].order, index));
        }
        for (party, list) in parties.iter_mut().zip(&party_candidates) {
            party.candidates = list
                .iter()
                .map(|&index| candidates[index as usize].clone())
                .collect();
        }

        let (regions, counties, municipalities) = if form.regions.is_empty()
            && form.counties.is_empty()
            && form.municipalities.is_empty()
        {
            localities_of(&polling_places)
        } else {
            (form.regions, form.counties, form.municipalities)
        };

        let party_of_candidate =
            party_of_candidate_table(&candidate_index, &candidate_party, &parties);
        Ok(Self {
            form: kind,
            parties,
            candidates,
            polling_places,
            key_pairs: form.key_pairs,
            texts: form.texts,
            regions,
            counties,
            municipalities,
            election_id: form
                .election_id
                .unwrap_or_else(|| DEFAULT_ELECTION_ID.to_owned()),
            max_candidates,
            party_index,
            candidate_index,
            polling_place_index,
            key_pair_index,
            candidate_party,
            party_candidates,
            party_of_candidate,
        })
    }

    /// The server form (`GET /elections/voting-data`) of this configuration, with
    /// `polling_places`, `election_id` and `max_candidates` included. Private keys are
    /// never written: the answer leaves the server.
    pub fn to_server_json(&self) -> serde_json::Value {
        serde_json::json!({
            "parties": self.parties,
            "key_pairs": self.key_pairs.iter().map(KeyPair::public_only).collect::<Vec<_>>(),
            "texts": self.texts,
            "regions": self.regions,
            "counties": self.counties,
            "municipalities": self.municipalities,
            "polling_places": self.polling_places,
            "election_id": self.election_id,
            "max_candidates": self.max_candidates,
        })
    }

    /// The gateway form (`config.json`) for one polling place: its own polling place
    /// and key pair, public keys only. `None` for an unknown polling place.
    pub fn to_gateway_json(&self, polling_place: PollingPlaceId) -> Option<serde_json::Value> {
        let place = &self.polling_places[self.polling_place_index(polling_place)?];
        let mut place_json = serde_json::to_value(place).ok()?;
        if let Some(object) = place_json.as_object_mut() {
            object.remove("_id");
        }
        let key_pairs: Vec<KeyPair> = self
            .key_pair(polling_place)
            .map(KeyPair::public_only)
            .into_iter()
            .collect();
        Some(serde_json::json!({
            "parties": self.parties,
            "key_pairs": key_pairs,
            "texts": self.texts,
            "polling_place": place_json,
            "polling_place_id": polling_place,
            "election_id": self.election_id,
            "max_candidates": self.max_candidates,
        }))
    }

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
    #[inline]
    pub fn party_index(&self, party: PartyId) -> Option<usize> {
        self.party_index.get(party.0)
    }

    /// Dense index (position in [`candidates`](Self::candidates)) of a candidate id.
    #[inline]
    pub fn candidate_index(&self, candidate: CandidateId) -> Option<usize> {
        self.candidate_index.get(candidate.0)
    }

    /// Dense index (position in [`polling_places`](Self::polling_places)) of a polling
    /// place id.
    #[inline]
    pub fn polling_place_index(&self, polling_place: PollingPlaceId) -> Option<usize> {
        self.polling_place_index.get(polling_place.0)
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

    /// Dense index of the party a candidate (by dense index) belongs to.
    #[inline]
    pub fn party_index_of_candidate_index(&self, candidate_index: usize) -> usize {
        self.candidate_party[candidate_index] as usize
    }

    /// Branch-free id lookups for whole-batch validation; `None` when party or
    /// candidate ids are too sparse for direct tables.
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
        let index = self.candidate_index(candidate)?;
        Some(self.parties[self.candidate_party[index] as usize].id)
    }

    /// Dense indices of a party's candidates (by dense party index), in list order.
    pub fn candidate_indices_of_party(&self, party_index: usize) -> &[u32] {
        self.party_candidates
            .get(party_index)
            .map_or(&[], Vec::as_slice)
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}

/// Reads a JSON array of records and gives each without an `_id` its index.
fn records_with_index_ids<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    let text = read(path)?;
    records_from_str(&text).map_err(|error| error.in_file(path))
}

/// Parses a JSON array of records and gives each without an `_id` its index.
fn records_from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<Vec<T>> {
    let records: Vec<serde_json::Map<String, serde_json::Value>> = serde_json::from_str(text)?;
    records
        .into_iter()
        .enumerate()
        .map(|(index, mut record)| {
            record
                .entry("_id")
                .or_insert_with(|| serde_json::Value::from(index));
            serde_json::from_value(serde_json::Value::Object(record)).map_err(|error| {
                Error::from(crate::error::FormatError::Model(format!(
                    "record {index}: {error}"
                )))
            })
        })
        .collect()
}

fn localities_of(places: &[PollingPlace]) -> (Vec<Region>, Vec<County>, Vec<Municipality>) {
    let mut regions: Vec<Region> = Vec::new();
    let mut counties: Vec<County> = Vec::new();
    let mut municipalities: Vec<Municipality> = Vec::new();
    let mut seen = (
        rustc_hash::FxHashSet::default(),
        rustc_hash::FxHashSet::default(),
        rustc_hash::FxHashSet::default(),
    );
    for place in places {
        if seen.0.insert(place.region_code) {
            regions.push(Region {
                code: place.region_code,
                name: place.region_name.clone(),
            });
        }
        if seen.1.insert(place.county_code) {
            counties.push(County {
                code: place.county_code,
                name: place.county_name.clone(),
                region_code: place.region_code,
            });
        }
        if seen.2.insert(place.municipality_code) {
            municipalities.push(Municipality {
                code: place.municipality_code,
                name: place.municipality_name.clone(),
                region_code: place.region_code,
                county_code: place.county_code,
            });
        }
    }
    (regions, counties, municipalities)
}

/// id → dense index: a direct table when ids are compact (the usual case, ids by
/// index), a hash map otherwise.
#[derive(Debug, Clone)]
enum IdIndex {
    Table(DenseTable),
    Map(FxHashMap<i64, u32>),
}

const EMPTY_SLOT: u32 = u32::MAX;

/// A direct table from compact ids to `u32` values, read without branches: one slot
/// per id of the span, then one slot for every id outside it.
#[derive(Debug, Clone)]
pub(crate) struct DenseTable {
    first_id: i64,
    /// The values of the span, then [`DenseTable::MISSING`] for ids outside it.
    values: Vec<u32>,
    /// Whether every id of the span has a value (none is [`DenseTable::MISSING`]).
    full: bool,
}

impl DenseTable {
    /// What an id not in the table maps to.
    pub(crate) const MISSING: u32 = EMPTY_SLOT;

    fn new(first_id: i64, mut values: Vec<u32>) -> Self {
        let full = !values.contains(&Self::MISSING);
        values.push(Self::MISSING);
        Self {
            first_id,
            values,
            full,
        }
    }

    /// The value of `id`, or [`DenseTable::MISSING`].
    #[inline]
    pub(crate) fn get(&self, id: i64) -> u32 {
        self.lookup().get(id)
    }

    /// The table as two plain values, for hot loops to keep in registers.
    #[inline]
    pub(crate) fn lookup(&self) -> DenseLookup<'_> {
        DenseLookup {
            first_id: self.first_id,
            values: &self.values,
            full: self.full,
        }
    }
}

/// A [`DenseTable`] borrowed as its first id and values: a loop holding one copies
/// both into registers once, where a `&DenseTable` would be read again after every
/// store the compiler cannot prove unrelated.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DenseLookup<'table> {
    first_id: i64,
    /// Never empty: the last slot is [`DenseTable::MISSING`], shared by every id
    /// outside the span.
    values: &'table [u32],
    /// Whether every id of the span has a value (see [`DenseTable`]).
    full: bool,
}

impl DenseLookup<'_> {
    /// The value of `id`; for an id outside the span, the last slot's value
    /// ([`DenseTable::MISSING`], or a code table's own "none").
    #[inline]
    pub(crate) fn get(self, id: i64) -> u32 {
        // An id outside the span wraps to an offset past its end (the span is below
        // 2^63 ids, so no wrapped difference lands inside): the last slot, or past
        // the table (a branch the processor predicts) and given the last slot.
        let offset = id.wrapping_sub(self.first_id) as u64 as usize;
        match self.values.get(offset) {
            Some(&value) => value,
            None => self.outside(),
        }
    }

    /// What every id outside the span maps to: the last slot.
    #[cold]
    fn outside(self) -> u32 {
        self.values.last().copied().unwrap_or(DenseTable::MISSING)
    }

    /// When every id of the span has a value and the span lies within 32-bit ids:
    /// the first id and the span's length, so that "has a value" is one 32-bit
    /// comparison, `id.wrapping_sub(first) as u32 < length`, which vectorises where a
    /// lookup does not. (With the span inside `i32`, no wrapped difference of two
    /// `i32`s lands below the length unless the id is in the span.)
    #[inline]
    pub(crate) fn narrow_full_span(self) -> Option<(i32, u32)> {
        let length = u32::try_from(self.values.len() - 1).ok()?;
        let first = i32::try_from(self.first_id).ok()?;
        let last = self.first_id + i64::from(length) - 1;
        (self.full && i32::try_from(last).is_ok()).then_some((first, length))
    }
}

/// The lookups behind validating a whole batch with few branches: party id → dense
/// party index (the configuration's own party table, [`DenseTable::MISSING`] for no
/// party), and candidate id → the code of its party's id as a
/// [`VoteBatch`](crate::VoteBatch) stores party ids, sign-extended to 32 bits
/// (`WIDE_ID`, which no coded id equals, for no candidate).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BallotTables<'config> {
    pub(crate) party: DenseLookup<'config>,
    pub(crate) party_of_candidate: DenseLookup<'config>,
}

/// Candidate id → its party's id as a batch codes it, when candidate ids are compact
/// and every party id has a code.
fn party_of_candidate_table(
    candidate_index: &IdIndex,
    candidate_party: &[u32],
    parties: &[Party],
) -> Option<DenseTable> {
    let IdIndex::Table(candidates) = candidate_index else {
        return None;
    };
    let codes: Vec<u32> = parties
        .iter()
        // The code's bits are kept as a `u32`; comparing them as an `i32` gives
        // the id back.
        .map(|party| narrow_id(party.id.0).map(|code| code as u32))
        .collect::<Option<_>>()?;
    Some(DenseTable {
        first_id: candidates.first_id,
        full: false,
        values: candidates
            .values
            .iter()
            .map(|&index| {
                if index == DenseTable::MISSING {
                    WIDE_ID as u32
                } else {
                    codes[candidate_party[index as usize] as usize]
                }
            })
            .collect(),
    })
}

impl IdIndex {
    fn build(ids: impl Iterator<Item = i64> + Clone, kind: &'static str) -> Result<Self> {
        let count = ids.clone().count();
        let (min, max) = ids.clone().fold((i64::MAX, i64::MIN), |(lo, hi), id| {
            (lo.min(id), hi.max(id))
        });
        let span = (max as i128) - (min as i128) + 1;
        if count > 0 && span <= (count as i128) * 4 + 1024 {
            let mut slots = vec![EMPTY_SLOT; span as usize];
            for (index, id) in ids.enumerate() {
                let slot = &mut slots[(id - min) as usize];
                if *slot != EMPTY_SLOT {
                    return Err(ConfigProblem::DuplicateId { kind, id }.into());
                }
                *slot = index as u32;
            }
            Ok(IdIndex::Table(DenseTable::new(min, slots)))
        } else {
            let mut map = FxHashMap::default();
            for (index, id) in ids.enumerate() {
                if map.insert(id, index as u32).is_some() {
                    return Err(ConfigProblem::DuplicateId { kind, id }.into());
                }
            }
            Ok(IdIndex::Map(map))
        }
    }

    #[inline]
    fn get(&self, id: i64) -> Option<usize> {
        match self {
            IdIndex::Table(table) => {
                let index = table.get(id);
                (index != DenseTable::MISSING).then_some(index as usize)
            }
            IdIndex::Map(map) => map.get(&id).map(|&index| index as usize),
        }
    }
}
