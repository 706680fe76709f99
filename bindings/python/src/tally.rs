//! Counting, results in the original shapes, seat allocation and ranked methods.

use std::sync::Arc;

use electie_core::validation::Rejection;
use electie_core::{CandidateId, ElectionConfig, PartyId, PollingPlaceId, Vote};
use electie_tally::apportion::{Method, NamedMethod, NamedMethodKind, QuotaRounding};
use electie_tally::coalition::{CoalitionSize, CoalitionSizes};
use electie_tally::count::{CirclePolicy, Counter, Tally};
use electie_tally::preset::SlovakElection;
use electie_tally::ranked::RankedMethod;
use electie_tally::results::{
    LocalityLevel, ResultsOptions, SeatOutcome, candidate_results, party_results,
    results_by_locality, seat_outcome, status,
};
use electie_tally::threshold::Contender;
use electie_tally::tie::NamedTiePolicy;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyMapping};

use crate::election::PyElectionConfig;
use crate::error::{Error, Result, batch_rejected};
use crate::json;

/// Votes counted per polling place for one election (exact, mergeable).
#[pyclass(module = "electie._native", name = "Tally")]
pub(crate) struct PyTally {
    config: Arc<ElectionConfig>,
    inner: Tally,
    circles: CirclePolicy,
}

#[pymethods]
impl PyTally {
    /// An empty tally for `config`. `too_many_circles` says what `count` does with a
    /// vote circling more candidates than allowed: `"reject"` it (the original server)
    /// or count it for its party with its preferences ignored (`"ignore-preferences"`,
    /// Slovak law).
    #[new]
    #[pyo3(signature = (config, too_many_circles = "reject"))]
    fn new(config: &PyElectionConfig, too_many_circles: &str) -> PyResult<Self> {
        Ok(Self {
            config: Arc::clone(&config.inner),
            inner: Tally::new(&config.inner),
            circles: too_many_circles.parse().map_err(Error::Tally)?,
        })
    }

    /// Counts one vote already accepted, by ids. Raises `TallyError` for an unknown
    /// polling place, party or candidate (nothing is counted then).
    #[pyo3(signature = (polling_place_id, party_id, candidate_ids = Vec::new()))]
    fn add(
        &mut self,
        polling_place_id: i64,
        party_id: Option<i64>,
        candidate_ids: Vec<i64>,
    ) -> PyResult<()> {
        let candidates: Vec<CandidateId> = candidate_ids.into_iter().map(CandidateId).collect();
        self.inner
            .add(
                &self.config,
                PollingPlaceId(polling_place_id),
                party_id.map(PartyId),
                &candidates,
            )
            .map_err(Error::Tally)?;
        Ok(())
    }

    /// Checks a decrypted vote (a `dict` or `electie.Vote`: format, polling place,
    /// rules 4–8) and counts it when valid. Returns `None` when counted, else the
    /// `BatchRejected` it breaks (returned, not raised). A fault of the count (a
    /// polling place counter past 2^32 votes) raises `TallyError` and counts nothing.
    fn count(
        &mut self,
        py: Python<'_>,
        polling_place_id: i64,
        vote: &Bound<'_, PyAny>,
    ) -> PyResult<Option<Py<PyAny>>> {
        let verdict = match vote_of(vote)? {
            Ok(vote) => Counter::new(&self.config, self.circles)
                .count(
                    &mut self.inner,
                    PollingPlaceId(polling_place_id),
                    vote.party_id,
                    &vote.candidate_ids,
                )
                .map_err(Error::Tally)?,
            Err(rejection) => Err(rejection),
        };
        Ok(verdict
            .err()
            .map(|rejection| batch_rejected(&rejection).into_value(py).into_any()))
    }

    /// Adds every count of `other` (a tally of the same configuration).
    fn merge(slf: &Bound<'_, Self>, other: &Bound<'_, Self>) -> PyResult<()> {
        let other_counts = if slf.is(other) {
            slf.borrow().inner.clone()
        } else {
            other.borrow().inner.clone()
        };
        slf.borrow_mut()
            .inner
            .merge(&other_counts)
            .map_err(Error::Tally)?;
        Ok(())
    }

    /// All votes counted, blank votes included.
    #[getter]
    fn total_votes(&self) -> u64 {
        self.inner.total_votes()
    }

    /// Blank votes (`party_id` null).
    #[getter]
    fn blank_votes(&self) -> u64 {
        self.inner.blank_total()
    }

    /// Votes per party `_id`, in list order.
    fn party_votes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (party, votes) in self.config.parties().iter().zip(self.inner.party_totals()) {
            dict.set_item(party.id.0, votes)?;
        }
        Ok(dict)
    }

    /// Preferential votes per candidate `_id`, in list order.
    fn candidate_votes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (candidate, votes) in self
            .config
            .candidates()
            .iter()
            .zip(self.inner.candidate_totals())
        {
            dict.set_item(candidate.id.0, votes)?;
        }
        Ok(dict)
    }

    /// Party results with seats in the original `get-parties-results` shape
    /// (`id`, `doc_count`, optionally `candidates`, `percentage`, `in_parliament`,
    /// `relative_percentage`, `seats`), by votes descending. Seats by the Slovak
    /// National Council rules (`seats` to fill; `coalition_sizes` maps a party `_id`
    /// to the number of parties in that coalition, default 1). When so few votes are
    /// counted that the rounded RVČ is 0 (under 76 votes for passing parties), no seat
    /// is given yet and no party is in parliament (electie-tally's one zero-quota rule
    /// for published results, `ZeroQuota`).
    #[pyo3(signature = (seats = 150, with_candidates = false, coalition_sizes = None))]
    fn party_results<'py>(
        &self,
        py: Python<'py>,
        seats: u64,
        with_candidates: bool,
        coalition_sizes: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let outcome = self.outcome(seats, coalition_sizes)?;
        json::serialize_to_python(py, &party_results(&self.config, &outcome, with_candidates))
    }

    /// Candidates with preferential votes in the original `get-candidates-results`
    /// shape (`name`, `doc_count`, `percentage` of their party's votes).
    #[pyo3(signature = (seats = 150, coalition_sizes = None))]
    fn candidate_results<'py>(
        &self,
        py: Python<'py>,
        seats: u64,
        coalition_sizes: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let outcome = self.outcome(seats, coalition_sizes)?;
        json::serialize_to_python(py, &candidate_results(&self.config, &outcome))
    }

    /// Results per locality in the original `get-results-by-locality` shape;
    /// `filter_by` is `region_code`, `county_code`, `municipality_code` or
    /// `administrative_area_code`, `filter_value` one code (default: all).
    #[pyo3(signature = (filter_by, filter_value = None))]
    fn results_by_locality<'py>(
        &self,
        py: Python<'py>,
        filter_by: &str,
        filter_value: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let level = LocalityLevel::parse(filter_by).map_err(Error::Tally)?;
        json::serialize_to_python(
            py,
            &results_by_locality(&self.config, &self.inner, level, filter_value),
        )
    }

    /// `{"registered_voters", "total_votes", "participation",
    /// "number_of_polling_places"}` for the whole election or one locality.
    #[pyo3(signature = (filter_by = None, filter_value = None))]
    fn status<'py>(
        &self,
        py: Python<'py>,
        filter_by: Option<&str>,
        filter_value: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let filter = match (filter_by, filter_value) {
            (Some(level), Some(code)) => {
                Some((LocalityLevel::parse(level).map_err(Error::Tally)?, code))
            }
            (None, None) => None,
            _ => {
                return Err(
                    Error::WrongValue("filter_by and filter_value go together".to_owned()).into(),
                );
            }
        };
        json::serialize_to_python(py, &status(&self.config, &self.inner, filter))
    }

    fn __repr__(&self) -> String {
        format!(
            "Tally(total_votes={}, blank_votes={})",
            self.inner.total_votes(),
            self.inner.blank_total()
        )
    }
}

impl PyTally {
    fn outcome(
        &self,
        seats: u64,
        coalition_sizes: Option<&Bound<'_, PyAny>>,
    ) -> Result<SeatOutcome> {
        let mut options = ResultsOptions::default();
        options.election.seats = seats;
        let mut sizes = Vec::new();
        if let Some(mapping) = coalition_sizes {
            let mapping = mapping.cast::<PyMapping>().map_err(|_| {
                Error::WrongType("coalition_sizes must be a mapping party_id -> size".into())
            })?;
            for item in mapping.items()?.iter() {
                let (party, size): (i64, u32) = item.extract()?;
                sizes.push(CoalitionSize::new(PartyId(party), size)?);
            }
        }
        options.coalition_sizes = CoalitionSizes::from_sizes(&self.config, sizes)?;
        Ok(seat_outcome(&self.config, &self.inner, &options)?)
    }
}

fn vote_of(vote: &Bound<'_, PyAny>) -> PyResult<Result<Vote, Rejection>> {
    let dumped;
    let vote = if vote.is_instance_of::<PyDict>() {
        vote
    } else if vote.hasattr("model_dump")? {
        dumped = vote.call_method0("model_dump")?;
        &dumped
    } else {
        return Err(Error::WrongType(format!(
            "vote must be a dict or an electie.Vote, not {}",
            vote.get_type().name()?
        ))
        .into());
    };
    let value = json::to_value(vote)?;
    Ok(Vote::from_json(&value).map_err(Rejection::InvalidFormat))
}

/// An exact ratio for a decimal number given as a float (`1.4` → 7/5).
fn decimal_ratio(value: f64) -> Result<electie_tally::Ratio> {
    let invalid = || Error::WrongValue(format!("first_divisor must be positive, not {value}"));
    if !(value.is_finite() && value > 0.0) {
        return Err(invalid());
    }
    // Rust's shortest round-trip formatting of an f64 has no exponent.
    let text = format!("{value}");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let digits: u128 = format!("{whole}{fraction}")
        .parse()
        .map_err(|_| invalid())?;
    let scale = u32::try_from(fraction.len())
        .ok()
        .and_then(|places| 10u128.checked_pow(places))
        .ok_or_else(invalid)?;
    Ok(electie_tally::Ratio::new(digits, scale)?)
}

enum Allocator {
    Plain(Method),
    Slovak(SlovakElection),
}

fn allocator(method: &str, first_divisor: f64, rounding: QuotaRounding) -> Result<Allocator> {
    let method: NamedMethod = method.parse()?;
    Ok(match method.kind(|| decimal_ratio(first_divisor))? {
        NamedMethodKind::Divisor(divisor) => Allocator::Plain(Method::Divisor(divisor)),
        NamedMethodKind::Quota(quota) => Allocator::Plain(Method::Quota { quota, rounding }),
        // The preset keeps its own RVČ rounding (nearest); `quota_rounding` is for the
        // plain quota methods.
        NamedMethodKind::Slovak(election) => Allocator::Slovak(election),
        _ => {
            return Err(Error::WrongValue(format!(
                "method {method} is not supported by this binding"
            )));
        }
    })
}

/// Allocates `seats` among parties by `votes` (a sequence, or a mapping whose keys
/// name the parties) with exact integer arithmetic. Returns seats in the same shape
/// (a `list`, or a `dict` with the same keys in the same order).
///
/// `method`: `dhondt`, `sainte-lague`, `modified-sainte-lague` (`first_divisor`),
/// `imperiali`, `danish`, `huntington-hill`, `adams`, `dean`, `hare`, `droop`,
/// `hagenbach-bischoff`, `imperiali-quota` (`quota_rounding`: `exact`, `floor`,
/// `ceil`, `nearest`), or the Slovak presets `sk-nrsr` (thresholds 5/7/10 % by
/// `coalition_sizes`, RVČ, largest remainders) and `sk-ep`. `tie`: `fail`,
/// `more-votes`, `lot` (with `seed`) or `list-order`.
#[pyfunction]
#[pyo3(signature = (
    votes, seats, method = "dhondt", *, tie = "more-votes", seed = None,
    first_divisor = 1.4, quota_rounding = "exact", coalition_sizes = None
))]
#[allow(
    clippy::too_many_arguments,
    reason = "a Python function with keyword arguments"
)]
pub(crate) fn allocate_seats<'py>(
    py: Python<'py>,
    votes: &Bound<'py, PyAny>,
    seats: u64,
    method: &str,
    tie: &str,
    seed: Option<u64>,
    first_divisor: f64,
    quota_rounding: &str,
    coalition_sizes: Option<Vec<u32>>,
) -> PyResult<Bound<'py, PyAny>> {
    let (keys, counts): (Option<Vec<Bound<'py, PyAny>>>, Vec<u64>) =
        if let Ok(mapping) = votes.cast::<PyMapping>() {
            let mut keys = Vec::new();
            let mut counts = Vec::new();
            for item in mapping.items()?.iter() {
                let (key, count): (Bound<'py, PyAny>, u64) = item.extract()?;
                keys.push(key);
                counts.push(count);
            }
            (Some(keys), counts)
        } else {
            (
                None,
                votes.extract().map_err(|_| {
                    Error::WrongType(
                        "votes must be a sequence or a mapping of non-negative integers".into(),
                    )
                })?,
            )
        };
    let tie = tie
        .parse::<NamedTiePolicy>()
        .and_then(|named| named.policy(seed))
        .map_err(Error::Tally)?;
    let rounding: QuotaRounding = quota_rounding.parse().map_err(Error::Tally)?;
    let allocation = match allocator(method, first_divisor, rounding)? {
        Allocator::Plain(method) => {
            if coalition_sizes.is_some() {
                return Err(Error::WrongValue(
                    "coalition_sizes applies to the sk-nrsr and sk-ep methods only".into(),
                )
                .into());
            }
            method.allocate(&counts, seats, tie)
        }
        Allocator::Slovak(mut election) => {
            election.seats = seats;
            election.tie = tie;
            let sizes = coalition_sizes.unwrap_or_else(|| vec![1; counts.len()]);
            if sizes.len() != counts.len() {
                return Err(Error::WrongValue(format!(
                    "coalition_sizes has {} entries, votes {}",
                    sizes.len(),
                    counts.len()
                ))
                .into());
            }
            let subjects: Vec<Contender> = counts
                .iter()
                .zip(sizes)
                .map(|(&votes, coalition_size)| Contender {
                    votes,
                    coalition_size,
                    won_district_seat: false,
                })
                .collect();
            election.allocate(&subjects).map(|result| result.allocation)
        }
    }
    .map_err(Error::Tally)?;
    match keys {
        Some(keys) => {
            let dict = PyDict::new(py);
            for (key, seats) in keys.into_iter().zip(allocation.seats) {
                dict.set_item(key, seats)?;
            }
            Ok(dict.into_any())
        }
        None => Ok(PyList::new(py, allocation.seats)?.into_any()),
    }
}

/// Ranks `candidates` by ranked `ballots` (one rank per candidate, 1 = most preferred,
/// equal ranks allowed, `None` = no opinion). Returns tied groups, best first.
#[pyfunction]
#[pyo3(signature = (candidates, ballots, method = "schulze"))]
pub(crate) fn rank(
    py: Python<'_>,
    candidates: Vec<String>,
    ballots: Vec<Vec<Option<u32>>>,
    method: &str,
) -> PyResult<Vec<Vec<String>>> {
    let method: RankedMethod = method.parse().map_err(Error::Tally)?;
    for (index, ballot) in ballots.iter().enumerate() {
        if ballot.len() != candidates.len() {
            return Err(Error::WrongValue(format!(
                "ballots[{index}] has {} ranks, expected {} (one per candidate)",
                ballot.len(),
                candidates.len()
            ))
            .into());
        }
    }
    let count = candidates.len();
    let result = py
        .detach(|| method.rank(count, &ballots))
        .map_err(Error::Tally)?;
    Ok(result
        .ranking
        .iter()
        .map(|group| group.iter().map(|&i| candidates[i].clone()).collect())
        .collect())
}
