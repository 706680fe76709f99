//! The results the `/elastic/...` routes answer, from the in-memory tally, in the
//! original shapes (`electie_tally::results`). One place for every results view: the
//! routes and the live results page call these functions.
//!
//! Seats follow the NR SR rules of `electie-tally` (5 % / 7 % / 10 % thresholds,
//! republic electoral number, preferential votes at 3 %) with the seat rules the
//! server was started with ([`AppState::seat_rules`](crate::state::AppState::seat_rules)):
//! electie-tally's published-results defaults and the coalition sizes of the
//! configuration (its directory's `coalitions.json`, or the bundled NR SR 2020 one).

use electie_core::ElectionConfig;
use electie_tally::coalition::CoalitionSizes;
use electie_tally::count::Tally;
use electie_tally::results::{
    self, CandidateResult, LocalityLevel, LocalityResult, PartyResult, ResultsOptions, SeatOutcome,
    Status,
};

/// A refusal of a results view.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResultsError {
    /// `filter_by` is not a locality level.
    #[error("{0}")]
    UnknownLevel(String),
    /// The seat rules cannot decide (an undecided tie).
    #[error("seats cannot be allocated: {0}")]
    Seats(String),
}

/// The seat rules for an election with `coalition_sizes`: electie-tally's defaults for
/// published results (among them its one zero-quota rule: no seats while the rounded
/// republic number is zero), nothing of the server's own.
pub fn options(coalition_sizes: CoalitionSizes) -> ResultsOptions {
    ResultsOptions {
        coalition_sizes,
        ..ResultsOptions::default()
    }
}

/// Seats and elected candidates from `tally`.
///
/// # Errors
/// [`ResultsError::Seats`] for a tie the rules do not decide.
pub fn outcome(
    config: &ElectionConfig,
    options: &ResultsOptions,
    tally: &Tally,
) -> Result<SeatOutcome, ResultsError> {
    results::seat_outcome(config, tally, options)
        .map_err(|error| ResultsError::Seats(error.to_string()))
}

/// `get-parties-results` (`with_candidates` false) and `get-party-candidate-results`
/// (true); `party` keeps only the party of that name, official name or abbreviation.
///
/// # Errors
/// As [`outcome`].
pub fn parties(
    config: &ElectionConfig,
    options: &ResultsOptions,
    tally: &Tally,
    party: Option<&str>,
    with_candidates: bool,
) -> Result<Vec<PartyResult>, ResultsError> {
    let outcome = outcome(config, options, tally)?;
    let mut rows = results::party_results(config, &outcome, with_candidates);
    if let Some(wanted) = party {
        let ids: Vec<String> = config
            .parties()
            .iter()
            .filter(|p| {
                p.name == wanted
                    || p.official_abbr == wanted
                    || p.abbr == wanted
                    || p.id.0.to_string() == wanted
            })
            .map(|p| p.id.0.to_string())
            .collect();
        rows.retain(|row| ids.contains(&row.id));
    }
    Ok(rows)
}

/// `get-candidates-results`.
///
/// # Errors
/// As [`outcome`].
pub fn candidates(
    config: &ElectionConfig,
    options: &ResultsOptions,
    tally: &Tally,
) -> Result<Vec<CandidateResult>, ResultsError> {
    Ok(results::candidate_results(
        config,
        &outcome(config, options, tally)?,
    ))
}

/// `get-results-by-locality`.
///
/// # Errors
/// [`ResultsError::UnknownLevel`] for an unknown `filter_by`.
pub fn by_locality(
    config: &ElectionConfig,
    tally: &Tally,
    filter_by: &str,
    code: Option<i64>,
) -> Result<Vec<LocalityResult>, ResultsError> {
    let level = LocalityLevel::parse(filter_by)
        .map_err(|error| ResultsError::UnknownLevel(error.to_string()))?;
    Ok(results::results_by_locality(config, tally, level, code))
}

/// `elections-status`, for the whole election or one locality.
///
/// # Errors
/// [`ResultsError::UnknownLevel`] for an unknown `filter_by`.
pub fn status(
    config: &ElectionConfig,
    tally: &Tally,
    filter: Option<(&str, i64)>,
) -> Result<Status, ResultsError> {
    let filter = match filter {
        Some((filter_by, code)) => Some((
            LocalityLevel::parse(filter_by)
                .map_err(|error| ResultsError::UnknownLevel(error.to_string()))?,
            code,
        )),
        None => None,
    };
    Ok(results::status(config, tally, filter))
}
