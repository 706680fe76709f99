//! The election configuration, the token store and the server's validation rules.

use std::path::PathBuf;
use std::sync::Arc;

use electie_core::decode::decode_opened;
use electie_core::validation::{InMemoryTokenStore, Rejection, TokenStore, Validator};
use electie_core::{CandidateId, ElectionConfig, PartyId, PollingPlaceId, Vote, python_json};
use pyo3::exceptions::PyBaseException;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::error::{Error, Result, batch_rejected};
use crate::json;

/// An election: parties, candidates, polling places, keys, and the lookups validation
/// and counting need, built once.
#[pyclass(frozen, module = "electie._native", name = "ElectionConfig")]
pub(crate) struct PyElectionConfig {
    pub(crate) inner: Arc<ElectionConfig>,
}

impl PyElectionConfig {
    fn wrap(config: ElectionConfig) -> Self {
        Self {
            inner: Arc::new(config),
        }
    }
}

#[pymethods]
impl PyElectionConfig {
    /// Loads a server or gateway configuration JSON file, or a directory holding
    /// `parties.json`, `candidates.json` and `polling_places.json`.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let config = py
            .detach(|| ElectionConfig::load(&path))
            .map_err(Error::Config)?;
        Ok(Self::wrap(config))
    }

    /// Reads a configuration from JSON text (the server's `voting-data` or a gateway's
    /// `config.json`).
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        let config = ElectionConfig::from_json_str(text).map_err(Error::Config)?;
        Ok(Self::wrap(config))
    }

    /// Reads a configuration from a `dict` shaped like its JSON.
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let value = json::to_value(data)?;
        let text = python_json::dumps_compact(&value).map_err(Error::Config)?;
        Self::from_json(&text)
    }

    /// A copy that validates against another election id.
    fn with_election_id(&self, election_id: String) -> Self {
        Self::wrap((*self.inner).clone().with_election_id(election_id))
    }

    /// A copy with another limit of circled candidates (rule 4).
    fn with_max_candidates(&self, max_candidates: usize) -> PyResult<Self> {
        let config = (*self.inner)
            .clone()
            .with_max_candidates(max_candidates)
            .map_err(Error::Config)?;
        Ok(Self::wrap(config))
    }

    /// The election id votes must carry (rule 10).
    #[getter]
    fn election_id(&self) -> &str {
        self.inner.election_id()
    }

    /// The most candidates a vote may circle (rule 4).
    #[getter]
    fn max_candidates(&self) -> usize {
        self.inner.max_candidates()
    }

    /// Party `_id`s in list order.
    #[getter]
    fn party_ids(&self) -> Vec<i64> {
        self.inner
            .parties()
            .iter()
            .map(|party| party.id.0)
            .collect()
    }

    /// Candidate `_id`s in list order.
    #[getter]
    fn candidate_ids(&self) -> Vec<i64> {
        self.inner.candidates().iter().map(|c| c.id.0).collect()
    }

    /// Polling place `_id`s in list order.
    #[getter]
    fn polling_place_ids(&self) -> Vec<i64> {
        self.inner.polling_places().iter().map(|p| p.id.0).collect()
    }

    /// The parties as `dict`s in the original JSON shape (candidates included).
    fn parties<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json::serialize_to_python(py, self.inner.parties())
    }

    /// The party a candidate belongs to, or `None` for an unknown candidate.
    fn party_of_candidate(&self, candidate_id: i64) -> Option<i64> {
        self.inner
            .party_of_candidate(CandidateId(candidate_id))
            .map(|party| party.0)
    }

    /// The key pair of a polling place as a `dict` (`_id`, `polling_place_id`,
    /// `private_key_pem`, `public_key_pem`, `g_private_key_pem`, `g_public_key_pem`;
    /// private keys `None` when the configuration holds none), or `None` (rule 1).
    fn key_pair<'py>(
        &self,
        py: Python<'py>,
        polling_place_id: i64,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .key_pair(PollingPlaceId(polling_place_id))
            .map(|pair| json::serialize_to_python(py, pair))
            .transpose()
    }

    /// Whether a batch from this polling place passes rule 1.
    fn accepts_polling_place(&self, polling_place_id: i64) -> bool {
        self.inner
            .accepts_polling_place(PollingPlaceId(polling_place_id))
    }

    /// Rules 4–8 for one ballot (what a gateway checks before a vote leaves the
    /// polling place): `None` when valid, else the `BatchRejected` it breaks (returned).
    #[pyo3(signature = (party_id, candidate_ids = Vec::new()))]
    fn check_ballot(
        &self,
        py: Python<'_>,
        party_id: Option<i64>,
        candidate_ids: Vec<i64>,
    ) -> Option<Py<PyAny>> {
        let candidates: Vec<CandidateId> = candidate_ids.into_iter().map(CandidateId).collect();
        Validator::new(&self.inner)
            .check_ballot(party_id.map(PartyId), &candidates)
            .err()
            .map(|rejection| batch_rejected(&rejection).into_value(py).into_any())
    }

    fn __repr__(&self) -> String {
        format!(
            "ElectionConfig(parties={}, candidates={}, polling_places={}, key_pairs={}, election_id={:?}, max_candidates={})",
            self.inner.parties().len(),
            self.inner.candidates().len(),
            self.inner.polling_places().len(),
            self.inner.key_pairs().len(),
            self.inner.election_id(),
            self.inner.max_candidates()
        )
    }
}

/// Tokens already stored, per polling place (rule 9), in memory.
#[pyclass(module = "electie._native", name = "TokenStore")]
#[derive(Default)]
pub(crate) struct PyTokenStore {
    inner: InMemoryTokenStore,
}

#[pymethods]
impl PyTokenStore {
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// Records `token` for the polling place; `False` when it was already there.
    fn add(&mut self, polling_place_id: i64, token: &str) -> bool {
        self.inner.insert(PollingPlaceId(polling_place_id), token)
    }

    /// Whether `token` is stored for the polling place.
    fn contains(&self, polling_place_id: i64, token: &str) -> bool {
        self.inner.contains(PollingPlaceId(polling_place_id), token)
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }
}

/// One item of a batch as the crypto layer left it: a decoded vote, or why it is not
/// one (an exception from `decrypt_votes`, `None`, something not a `dict`, bad fields).
/// Rule 3 and the format are electie-core's (`decode_opened`).
fn decoded_item(item: &Bound<'_, PyAny>) -> Result<Result<Vote, Rejection>> {
    if item.is_instance_of::<PyBaseException>() {
        return Ok(Err(Rejection::InvalidEncryption));
    }
    let dumped;
    let item = if !item.is_instance_of::<PyDict>() && item.hasattr("model_dump")? {
        // a pydantic model (electie.models.Vote)
        dumped = item.call_method0("model_dump")?;
        &dumped
    } else {
        item
    };
    Ok(match json::to_value(item) {
        Ok(value) => decode_opened(&value),
        // Not even JSON: a dict holding something JSON cannot is a malformed vote,
        // anything else is not a vote at all.
        Err(error) if item.is_instance_of::<PyDict>() => Err(Rejection::InvalidFormat(
            electie_core::FormatError::Model(error.to_string()),
        )),
        Err(_) => Err(Rejection::DecryptionUnspecified),
    })
}

fn decoded_items(votes: &Bound<'_, PyAny>) -> PyResult<Vec<Result<Vote, Rejection>>> {
    let iterator = votes
        .try_iter()
        .map_err(|_| Error::WrongType("votes must be an iterable of decrypted votes".to_owned()))?;
    let mut items = Vec::new();
    for item in iterator {
        items.push(decoded_item(&item?)?);
    }
    Ok(items)
}

/// The original server's validation of a batch (compatibility mode): rules 1–11 in
/// order, the first failure raises `BatchRejected` with the exact message. Items are
/// decrypted votes (`dict`s or `electie.Vote`s) or what `decrypt_votes` returned for
/// a vote it could not open. With `accept=True` an accepted batch's tokens are added
/// to `tokens` in the same call.
#[pyfunction]
#[pyo3(signature = (config, polling_place_id, votes, tokens = None, accept = false))]
pub(crate) fn validate_batch(
    config: &PyElectionConfig,
    polling_place_id: i64,
    votes: &Bound<'_, PyAny>,
    tokens: Option<&Bound<'_, PyTokenStore>>,
    accept: bool,
) -> PyResult<()> {
    let items = decoded_items(votes)?;
    let place = PollingPlaceId(polling_place_id);
    let validator = Validator::new(&config.inner);
    with_store(
        tokens,
        accept,
        |store| validator.check_decoded_batch(place, &items, store),
        |store| validator.accept_decoded_batch(place, &items, store),
    )?
    .map_err(Error::Rejected)?;
    Ok(())
}

/// Runs `check` against `tokens` (an empty store when none is given), or `accept`
/// when asked to: the one place where the bindings' `tokens` / `accept` arguments
/// are read. `accept=True` without a store is an error (there is nowhere to record
/// the tokens).
fn with_store<T>(
    tokens: Option<&Bound<'_, PyTokenStore>>,
    accept: bool,
    check: impl FnOnce(&InMemoryTokenStore) -> T,
    accept_into: impl FnOnce(&mut InMemoryTokenStore) -> T,
) -> Result<T> {
    match (tokens, accept) {
        (None, true) => Err(Error::WrongValue(
            "accept=True needs tokens (a TokenStore)".to_owned(),
        )),
        (None, false) => Ok(check(&InMemoryTokenStore::new())),
        (Some(tokens), false) => Ok(check(&tokens.borrow().inner)),
        (Some(tokens), true) => Ok(accept_into(&mut tokens.borrow_mut().inner)),
    }
}

/// Per-vote verdicts: one item per vote, `None` when accepted, else the
/// `BatchRejected` (returned, not raised) with the rule it breaks. A token counts as
/// used only once a vote carrying it is accepted. With `accept=True` the accepted
/// votes' tokens are added to `tokens`.
#[pyfunction]
#[pyo3(signature = (config, polling_place_id, votes, tokens = None, accept = false))]
pub(crate) fn vote_verdicts<'py>(
    py: Python<'py>,
    config: &PyElectionConfig,
    polling_place_id: i64,
    votes: &Bound<'py, PyAny>,
    tokens: Option<&Bound<'py, PyTokenStore>>,
    accept: bool,
) -> PyResult<Bound<'py, PyList>> {
    let items = decoded_items(votes)?;
    let place = PollingPlaceId(polling_place_id);
    let validator = Validator::new(&config.inner);
    let verdicts = with_store(
        tokens,
        accept,
        |store| validator.verdicts(place, &items, store),
        |store| validator.accept_verdicts(place, &items, store),
    )?;
    let list = PyList::empty(py);
    for verdict in verdicts {
        match verdict {
            Ok(()) => list.append(py.None())?,
            Err(rejection) => list.append(batch_rejected(&rejection).into_value(py))?,
        }
    }
    Ok(list)
}
