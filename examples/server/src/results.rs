//! The results the `/elastic/...` routes answer, from the in-memory tally, in the
//! original shapes (`electie_tally::results`). One place for every results view: the
//! routes, the live results page and the feed observer call these functions.
//!
//! Seats follow the NR SR rules of `electie-tally` (5 % / 7 % / 10 % thresholds,
//! republic electoral number, preferential votes at 3 %); the coalition sizes come
//! from `electie_cli::generate::coalition_sizes` (PS–SPOLU counts as a coalition of
//! two in the bundled NR SR 2020 configuration, every other party as one).

use electie_core::ElectionConfig;
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

/// The seat rules for `config`.
pub fn options(config: &ElectionConfig) -> ResultsOptions {
    let mut options = ResultsOptions {
        coalition_sizes: electie_cli::generate::coalition_sizes(config),
        ..ResultsOptions::default()
    };
    // The server shows no seats until the rounded republic number is above zero (its
    // tests and pages say so); electie-tally's default would use the exact one.
    options.election.zero_quota = electie_tally::apportion::ZeroQuota::Fail;
    options
}

/// Seats and elected candidates from `tally`.
///
/// # Errors
/// [`ResultsError::Seats`] for a tie the rules do not decide.
///
/// Early in a count, when the valid votes of passing parties are too few for the
/// republic electoral number to round above zero (fewer than 76 with 151), the rules
/// allocate nothing: every party is shown with its votes, outside parliament and
/// without seats, until there are enough votes.
pub fn outcome(config: &ElectionConfig, tally: &Tally) -> Result<SeatOutcome, ResultsError> {
    match results::seat_outcome(config, tally, &options(config)) {
        Ok(outcome) => Ok(outcome),
        Err(electie_tally::Error::ZeroQuota) => Ok(no_seats(tally)),
        Err(error) => Err(ResultsError::Seats(error.to_string())),
    }
}

fn no_seats(tally: &Tally) -> SeatOutcome {
    let party_votes = tally.party_totals();
    let candidate_votes = tally.candidate_totals();
    let parties = party_votes.len();
    let candidates = candidate_votes.len();
    SeatOutcome {
        party_votes,
        candidate_votes,
        passing: vec![false; parties],
        passing_votes: 0,
        seats: vec![0; parties],
        elected: vec![false; candidates],
        vacant: vec![0; parties],
    }
}

/// `get-parties-results` (`with_candidates` false) and `get-party-candidate-results`
/// (true); `party` keeps only the party of that name, official name or abbreviation.
///
/// # Errors
/// As [`outcome`].
pub fn parties(
    config: &ElectionConfig,
    tally: &Tally,
    party: Option<&str>,
    with_candidates: bool,
) -> Result<Vec<PartyResult>, ResultsError> {
    let outcome = outcome(config, tally)?;
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
    tally: &Tally,
) -> Result<Vec<CandidateResult>, ResultsError> {
    Ok(results::candidate_results(config, &outcome(config, tally)?))
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
