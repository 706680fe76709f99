//! Loading an [`ElectionConfig`] from its three forms, and writing the two JSON forms
//! back.

use std::path::Path;

use rustc_hash::FxHashMap;
use serde::Deserialize;

use super::index::IdIndex;
use super::localities::{County, ElectionTexts, Municipality, Region, localities_of};
use super::{
    ConfigForm, DEFAULT_ELECTION_ID, DEFAULT_MAX_CANDIDATES, ElectionConfig, MAX_CANDIDATES_LIMIT,
};
use crate::error::{ConfigProblem, Error, Result};
use crate::ids::PollingPlaceId;
use crate::models::{Candidate, KeyPair, Party, PollingPlace};

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

        #[cfg(feature = "vote-batch")]
        let party_of_candidate =
            super::index::party_of_candidate_table(&candidate_index, &candidate_party, &parties);
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
            #[cfg(feature = "vote-batch")]
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
        let place = self
            .polling_places
            .get(self.polling_place_index(polling_place)?.get())?;
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
///
/// Each record is read straight into its type with `"_id": index` written in front
/// of its other keys; a record that has its own `_id` (the model then refuses the
/// second one) or does not read that way goes through [`records_from_map`] instead,
/// which answers what it always answered. Reading every record into a map first
/// took most of the time of loading NR SR 2020's 3 MB, a serial part of every
/// `electie tally` run.
fn records_from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<Vec<T>> {
    let Ok(records) = serde_json::from_str::<Vec<&serde_json::value::RawValue>>(text) else {
        return records_from_map(text);
    };
    let mut read = Vec::with_capacity(records.len());
    let mut with_id = String::new();
    for (index, record) in records.iter().enumerate() {
        let Some(fields) = record.get().strip_prefix('{') else {
            return records_from_map(text);
        };
        with_id.clear();
        with_id.push_str("{\"_id\":");
        with_id.push_str(&index.to_string());
        if !fields.trim_start().starts_with('}') {
            with_id.push(',');
        }
        with_id.push_str(fields);
        match serde_json::from_str(&with_id) {
            Ok(record) => read.push(record),
            Err(_) => return records_from_map(text),
        }
    }
    Ok(read)
}

/// [`records_from_str`] by way of a map per record.
fn records_from_map<T: serde::de::DeserializeOwned>(text: &str) -> Result<Vec<T>> {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::models::{Candidate, Party, PollingPlace};

    fn both<T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(text: &str) {
        let direct = records_from_str::<T>(text).map_err(|e| e.to_string());
        let by_map = records_from_map::<T>(text).map_err(|e| e.to_string());
        assert_eq!(direct, by_map, "{text:.200}");
    }

    /// Reading records straight into their types answers what reading them by way of
    /// a map answers: the real NR SR 2020 files (no `_id`), records with their own
    /// `_id`, some with and some without, duplicate keys, and every kind of bad input.
    #[test]
    fn direct_reading_agrees_with_reading_by_map() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020/");
        let read = |name: &str| std::fs::read_to_string(format!("{dir}{name}")).unwrap();
        both::<Party>(&read("parties.json"));
        both::<Candidate>(&read("candidates.json"));
        both::<PollingPlace>(&read("polling_places.json"));
        let party = r#""party_number": 1, "name": "A", "abbreviation": "A""#;
        for text in [
            format!("[{{{party}}}, {{{party}}}]"),
            format!(r#"[{{"_id": 7, {party}}}, {{{party}}}]"#),
            format!(r#"[{{{party}, "_id": 7}}]"#),
            format!(r#"[{{{party}, "name": "B"}}]"#),
            format!(r#"[ {{ {party} }} ,{{{party}}}]"#),
            "[]".to_owned(),
            "[{}]".to_owned(),
            "[{ }]".to_owned(),
            "[5]".to_owned(),
            r#"[{"party_number": "one"}]"#.to_owned(),
            "{}".to_owned(),
            "[{".to_owned(),
            String::new(),
        ] {
            both::<Party>(&text);
        }
        // the index is the id of a record without one
        let parties = records_from_str::<Party>(&format!("[{{{party}}}, {{{party}}}]")).unwrap();
        assert_eq!(parties[1].id, crate::PartyId(1));
    }
}
