//! Results in the original server's JSON shapes (field names and order kept).
//!
//! Percentages use Python's `round(x, 4)` (participation `round(x, 2)`) on the binary
//! double `count / total * 100`, see [`py_round`]. Where the original mixed counts
//! from two stores, electie uses one consistent denominator each:
//!
//! | figure | denominator |
//! |---|---|
//! | party `percentage` | all valid party votes (blank votes excluded) |
//! | party `relative_percentage` | votes of parties that passed the threshold (0.0 for the others) |
//! | candidate `percentage` | the votes of the candidate's party (in the same locality) |
//! | `participation` | registered voters; votes cast include blank votes |
//!
//! Floats appear only here, when a figure is rendered; seats and thresholds are
//! decided on integers before.

use electie_core::{CandidateIndex, ElectionConfig, PartyIndex, PollingPlace};
use serde::Serialize;

use crate::coalition::CoalitionSizes;
use crate::count::Tally;
use crate::error::{Error, Result};
use crate::preferential::{PreferentialRule, TooFewCandidates};
use crate::preset::SlovakElection;
use crate::threshold::Contender;

/// Python's `round(x, ndigits)` for floats: round-half-even on the exact binary value,
/// then the nearest double (what CPython does through its correctly rounded dtoa).
///
/// ```
/// use electie_tally::results::py_round;
/// assert_eq!(py_round(0.03125, 4), 0.0312); // exact tie: half to even
/// assert_eq!(py_round(0.09375, 4), 0.0938);
/// assert_eq!(py_round(2.675, 2), 2.67);     // 2.675 is 2.67499999… in binary
/// ```
pub fn py_round(x: f64, ndigits: usize) -> f64 {
    if !x.is_finite() {
        return x;
    }
    // Rust's fixed-precision formatting is exact and breaks exact ties to even.
    format!("{x:.ndigits$}").parse().unwrap_or(x)
}

/// `round(count / total * 100, ndigits)` as Python computes it; 0.0 when `total` is 0.
#[allow(clippy::cast_precision_loss)]
pub fn percentage(count: u64, total: u64, ndigits: usize) -> f64 {
    if total == 0 {
        return 0.0;
    }
    py_round(count as f64 / total as f64 * 100.0, ndigits)
}

/// How seats are computed for the results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultsOptions {
    /// The seat rules (NR SR by default).
    pub election: SlovakElection,
    /// Preferential votes within a party (3 %, vacant seats reported by default).
    pub preferential: PreferentialRule,
    /// Coalition size per party (every party single by default).
    pub coalition_sizes: CoalitionSizes,
}

impl Default for ResultsOptions {
    fn default() -> Self {
        Self {
            election: SlovakElection::national_council(),
            preferential: PreferentialRule {
                too_few_candidates: TooFewCandidates::LeaveVacant,
                ..PreferentialRule::default()
            },
            coalition_sizes: CoalitionSizes::default(),
        }
    }
}

/// Seats and elected candidates computed from a tally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatOutcome {
    /// Votes per party.
    pub party_votes: Vec<u64>,
    /// Preferential votes per candidate.
    pub candidate_votes: Vec<u64>,
    /// Whether each party passed the threshold.
    pub passing: Vec<bool>,
    /// Valid votes of passing parties.
    pub passing_votes: u64,
    /// Seats per party.
    pub seats: Vec<u64>,
    /// Whether each candidate (dense index) took a seat.
    pub elected: Vec<bool>,
    /// Seats left vacant per party (too few candidates).
    pub vacant: Vec<u64>,
}

/// Applies `options` to a tally's totals. With no valid vote at all, or too few for a
/// republic electoral number (an [`Error::ZeroQuota`] under the default
/// [`ZeroQuota::Fail`](crate::apportion::ZeroQuota), the one zero-quota rule of
/// published results), nobody passes and no seat is given yet (rather than an error),
/// so early results render.
///
/// ```
/// use electie_core::{ElectionConfig, PartyId, PollingPlaceId};
/// use electie_tally::count::Tally;
/// use electie_tally::results::{ResultsOptions, seat_outcome};
///
/// let config = ElectionConfig::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020"))?;
/// let mut tally = Tally::new(&config);
/// let party = config.party_index(PartyId(10)).ok_or("no party 10")?.get();
/// for _ in 0..40 {
///     tally.add(&config, PollingPlaceId(0), Some(PartyId(10)), &[])?;
/// }
/// // 40 / 151 rounds to 0: no seats yet
/// let early = seat_outcome(&config, &tally, &ResultsOptions::default())?;
/// assert_eq!((early.seats.iter().sum::<u64>(), early.passing[party]), (0, false));
/// for _ in 0..60 {
///     tally.add(&config, PollingPlaceId(0), Some(PartyId(10)), &[])?;
/// }
/// let later = seat_outcome(&config, &tally, &ResultsOptions::default())?;
/// assert_eq!(later.seats[party], 150);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// A tie the tie policy does not decide, or too few candidates under a failing policy.
pub fn seat_outcome(
    config: &ElectionConfig,
    tally: &Tally,
    options: &ResultsOptions,
) -> Result<SeatOutcome> {
    let party_votes = tally.party_totals();
    let candidate_votes = tally.candidate_totals();
    let parties = party_votes.len();
    let contenders: Vec<Contender> = party_votes
        .iter()
        .enumerate()
        .map(|(i, &votes)| Contender {
            votes,
            coalition_size: options.coalition_sizes.get(i),
            won_district_seat: false,
        })
        .collect();
    let (passing, passing_votes, seats) = match options.election.allocate(&contenders) {
        Ok(r) => (r.passing, r.passing_votes, r.allocation.seats),
        Err(Error::NoVotes | Error::ZeroQuota) => (vec![false; parties], 0, vec![0; parties]),
        Err(e) => return Err(e),
    };
    let mut elected = vec![false; candidate_votes.len()];
    let mut vacant = vec![0; parties];
    for party in 0..parties {
        if seats[party] == 0 {
            continue;
        }
        let members: Vec<usize> = config
            .candidates_of_party(PartyIndex(party))
            .map(CandidateIndex::get)
            .collect();
        let prefs: Vec<u64> = members.iter().map(|&c| candidate_votes[c]).collect();
        let order = options
            .preferential
            .order(party_votes[party], &prefs, seats[party])
            .map_err(|e| match e {
                Error::TooFewCandidates {
                    seats, candidates, ..
                } => Error::TooFewCandidates {
                    party: Some(party),
                    seats,
                    candidates,
                },
                other => other,
            })?;
        for i in order.elected {
            elected[members[i]] = true;
        }
        vacant[party] = order.vacant;
    }
    Ok(SeatOutcome {
        party_votes,
        candidate_votes,
        passing,
        passing_votes,
        seats,
        elected,
        vacant,
    })
}

/// One party in `get-parties-results` / `get-party-candidate-results`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartyResult {
    /// The party `_id` as a string.
    pub id: String,
    /// Votes.
    pub doc_count: u64,
    /// Candidates (only in the "with candidates" form).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidates: Option<Vec<PartyCandidateResult>>,
    /// Share of all valid party votes.
    pub percentage: f64,
    /// Passed the threshold.
    pub in_parliament: bool,
    /// Share of the votes of passing parties (0.0 when not passing).
    pub relative_percentage: f64,
    /// Seats won.
    pub seats: u64,
}

/// One candidate inside a [`PartyResult`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartyCandidateResult {
    /// The candidate `_id` as a string.
    pub id: String,
    /// Preferential votes.
    pub doc_count: u64,
    /// Share of the party's votes.
    pub percentage: f64,
    /// Took one of the party's seats.
    pub in_parliament: bool,
}

/// Party results, by votes descending, equal votes by id. Every candidate of a party
/// is listed (by preferential votes descending, then ballot order) when
/// `with_candidates`.
pub fn party_results(
    config: &ElectionConfig,
    outcome: &SeatOutcome,
    with_candidates: bool,
) -> Vec<PartyResult> {
    let valid: u64 = outcome.party_votes.iter().sum();
    let mut order: Vec<usize> = (0..outcome.party_votes.len()).collect();
    let parties = config.parties();
    order.sort_by(|&a, &b| {
        outcome.party_votes[b]
            .cmp(&outcome.party_votes[a])
            .then(parties[a].id.0.cmp(&parties[b].id.0))
    });
    order
        .into_iter()
        .map(|p| {
            let votes = outcome.party_votes[p];
            let candidates = with_candidates.then(|| {
                let mut members: Vec<usize> = config
                    .candidates_of_party(PartyIndex(p))
                    .map(CandidateIndex::get)
                    .collect();
                members
                    .sort_by(|&a, &b| outcome.candidate_votes[b].cmp(&outcome.candidate_votes[a]));
                members
                    .into_iter()
                    .map(|c| PartyCandidateResult {
                        id: config.candidates()[c].id.0.to_string(),
                        doc_count: outcome.candidate_votes[c],
                        percentage: percentage(outcome.candidate_votes[c], votes, 4),
                        in_parliament: outcome.elected[c],
                    })
                    .collect()
            });
            PartyResult {
                id: parties[p].id.0.to_string(),
                doc_count: votes,
                candidates,
                percentage: percentage(votes, valid, 4),
                in_parliament: outcome.passing[p],
                relative_percentage: if outcome.passing[p] {
                    percentage(votes, outcome.passing_votes, 4)
                } else {
                    0.0
                },
                seats: outcome.seats[p],
            }
        })
        .collect()
}

/// One entry of `get-candidates-results`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidateResult {
    /// `degrees_before first last`.
    pub name: String,
    /// Preferential votes.
    pub doc_count: u64,
    /// Share of the candidate's party's votes.
    pub percentage: f64,
}

/// Candidates with at least one preferential vote, by votes descending, then by
/// configuration order.
pub fn candidate_results(config: &ElectionConfig, outcome: &SeatOutcome) -> Vec<CandidateResult> {
    let mut order: Vec<usize> = (0..outcome.candidate_votes.len())
        .filter(|&c| outcome.candidate_votes[c] > 0)
        .collect();
    order.sort_by(|&a, &b| outcome.candidate_votes[b].cmp(&outcome.candidate_votes[a]));
    order
        .into_iter()
        .map(|c| {
            // the tally is shaped by `config`: every candidate index has its party
            let party_votes = config
                .party_of_candidate_index(CandidateIndex(c))
                .map_or(0, |party| outcome.party_votes[party.get()]);
            CandidateResult {
                name: config.candidates()[c].display_name(),
                doc_count: outcome.candidate_votes[c],
                percentage: percentage(outcome.candidate_votes[c], party_votes, 4),
            }
        })
        .collect()
}

/// A locality level results can be filtered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LocalityLevel {
    /// `region_code` (kraj).
    Region,
    /// `county_code` (okres).
    County,
    /// `municipality_code` (obec).
    Municipality,
    /// `administrative_area_code`.
    AdministrativeArea,
}

impl LocalityLevel {
    /// Parses the original's `filter_by` values.
    ///
    /// # Errors
    /// [`Error::UnknownLocalityLevel`] for anything else.
    pub fn parse(filter_by: &str) -> Result<Self> {
        Ok(match filter_by {
            "region_code" => Self::Region,
            "county_code" => Self::County,
            "municipality_code" => Self::Municipality,
            "administrative_area_code" => Self::AdministrativeArea,
            other => {
                return Err(Error::UnknownLocalityLevel {
                    filter_by: other.to_owned(),
                });
            }
        })
    }

    /// The `filter_by` name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Region => "region_code",
            Self::County => "county_code",
            Self::Municipality => "municipality_code",
            Self::AdministrativeArea => "administrative_area_code",
        }
    }

    /// This level's code of a polling place.
    pub fn code(&self, place: &PollingPlace) -> i64 {
        match self {
            Self::Region => place.region_code,
            Self::County => place.county_code,
            Self::Municipality => place.municipality_code,
            Self::AdministrativeArea => place.administrative_area_code,
        }
    }
}

/// One locality of `get-results-by-locality`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocalityResult {
    /// The `filter_by` level.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The locality code.
    pub code: i64,
    /// Votes cast there, blank votes included.
    pub doc_count: u64,
    /// Parties with votes there.
    pub parties: Vec<LocalityPartyResult>,
    /// Registered voters there.
    pub registered_participants: u64,
    /// `round(doc_count / registered * 100, 2)`.
    pub participation: f64,
}

/// A party inside a [`LocalityResult`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocalityPartyResult {
    /// The party `_id` as a string.
    pub id: String,
    /// Votes in the locality.
    pub doc_count: u64,
    /// Candidates with preferential votes in the locality.
    pub candidates: Vec<CandidateResult>,
    /// Share of the locality's valid party votes.
    pub percentage: f64,
}

/// Results per locality of `level` (only `code` if given), by votes descending, then
/// code. Localities come from the configuration's polling places, so a locality with
/// no vote yet is listed with zeros.
pub fn results_by_locality(
    config: &ElectionConfig,
    tally: &Tally,
    level: LocalityLevel,
    code: Option<i64>,
) -> Vec<LocalityResult> {
    let places = config.polling_places();
    let mut codes: Vec<i64> = places.iter().map(|p| level.code(p)).collect();
    codes.sort_unstable();
    codes.dedup();
    if let Some(wanted) = code {
        codes.retain(|&c| c == wanted);
    }
    let (parties, candidates, _) = tally.shape();
    // One pass over the polling places, summing into dense per-locality rows.
    let mut party_votes = vec![0u64; codes.len() * parties];
    let mut candidate_votes = vec![0u64; codes.len() * candidates];
    let mut doc_counts = vec![0u64; codes.len()];
    let mut registered = vec![0u64; codes.len()];
    for (i, place) in places.iter().enumerate() {
        let Ok(l) = codes.binary_search(&level.code(place)) else {
            continue;
        };
        for (t, &v) in party_votes[l * parties..(l + 1) * parties]
            .iter_mut()
            .zip(tally.place_party_votes(i))
        {
            *t += u64::from(v);
        }
        for (c, v) in tally.place_candidate_votes(i) {
            candidate_votes[l * candidates + c] += u64::from(v);
        }
        doc_counts[l] += tally.place_total(i);
        registered[l] += place.registered_voters_count;
    }
    let mut out: Vec<LocalityResult> = codes
        .iter()
        .enumerate()
        .map(|(l, &locality)| {
            let party_votes = &party_votes[l * parties..(l + 1) * parties];
            let candidate_votes = &candidate_votes[l * candidates..(l + 1) * candidates];
            let valid: u64 = party_votes.iter().sum();
            let mut order: Vec<usize> = (0..parties).filter(|&p| party_votes[p] > 0).collect();
            order.sort_by(|&a, &b| {
                party_votes[b]
                    .cmp(&party_votes[a])
                    .then(config.parties()[a].id.0.cmp(&config.parties()[b].id.0))
            });
            let parties = order
                .into_iter()
                .map(|p| {
                    let mut members: Vec<usize> = config
                        .candidates_of_party(PartyIndex(p))
                        .map(CandidateIndex::get)
                        .filter(|&c| candidate_votes[c] > 0)
                        .collect();
                    members.sort_by(|&a, &b| candidate_votes[b].cmp(&candidate_votes[a]));
                    LocalityPartyResult {
                        id: config.parties()[p].id.0.to_string(),
                        doc_count: party_votes[p],
                        candidates: members
                            .into_iter()
                            .map(|c| CandidateResult {
                                name: config.candidates()[c].display_name(),
                                doc_count: candidate_votes[c],
                                percentage: percentage(candidate_votes[c], party_votes[p], 4),
                            })
                            .collect(),
                        percentage: percentage(party_votes[p], valid, 4),
                    }
                })
                .collect();
            LocalityResult {
                kind: level.name(),
                code: locality,
                doc_count: doc_counts[l],
                parties,
                registered_participants: registered[l],
                participation: percentage(doc_counts[l], registered[l], 2),
            }
        })
        .collect();
    out.sort_by(|a, b| b.doc_count.cmp(&a.doc_count).then(a.code.cmp(&b.code)));
    out
}

/// `elections-status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    /// Registered voters.
    pub registered_voters: u64,
    /// Votes cast, blank votes included.
    pub total_votes: u64,
    /// `round(total_votes / registered_voters * 100, 2)`.
    pub participation: f64,
    /// Polling places in scope.
    pub number_of_polling_places: u64,
}

/// Status of the whole election, or of one locality.
pub fn status(
    config: &ElectionConfig,
    tally: &Tally,
    filter: Option<(LocalityLevel, i64)>,
) -> Status {
    let mut registered = 0;
    let mut total = 0;
    let mut count = 0;
    for (i, place) in config.polling_places().iter().enumerate() {
        if let Some((level, code)) = filter
            && level.code(place) != code
        {
            continue;
        }
        registered += place.registered_voters_count;
        total += tally.place_total(i);
        count += 1;
    }
    Status {
        registered_voters: registered,
        total_votes: total,
        participation: percentage(total, registered, 2),
        number_of_polling_places: count,
    }
}
