//! Deterministic votes over a configuration: the one generator behind `electie simulate`,
//! `electie bench` and the criterion benchmarks.
//!
//! The stream is SplitMix64 (electie-tally's [`SplitMix64`], the one the lot draws
//! from), not a library RNG whose algorithm may change between
//! versions, so a seed gives the same votes in every release and on every platform, and
//! a Rust benchmark and its Python baseline read exactly the same votes.
//!
//! ```
//! use electie_cli::generate::{Profile, generate};
//! let config = electie_tally::embedded::nrsr_2020()?;
//! let profile = Profile::realistic(&config);
//! let places = [config.polling_places()[0].id, config.polling_places()[7].id];
//! let votes = generate(&config, &profile, &places, 1_000, 10, 2020);
//! assert_eq!(votes.len(), 1_000);
//! assert_eq!(votes, generate(&config, &profile, &places, 1_000, 10, 2020));
//! # Ok::<(), electie_core::Error>(())
//! ```

use electie_core::{CandidateId, ElectionConfig, PartyId, PartyIndex, PollingPlaceId, Vote};
pub use electie_tally::seeded::SplitMix64;

/// An index drawn with probability proportional to `weights` (cumulative sums would be
/// faster for long lists; party lists are short and candidate picks use [`Weighted`]).
fn pick(rng: &mut SplitMix64, weights: &[u64], total: u64) -> usize {
    let mut pick = rng.below(total);
    let mut index = 0;
    while index + 1 < weights.len() && pick >= weights[index] {
        pick -= weights[index];
        index += 1;
    }
    index
}

/// A discrete distribution over `0..n` by cumulative weights (binary search).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Weighted {
    cumulative: Vec<u64>,
}

impl Weighted {
    fn new(weights: impl IntoIterator<Item = u64>) -> Self {
        let mut total = 0u64;
        let cumulative = weights
            .into_iter()
            .map(|weight| {
                total = total.saturating_add(weight);
                total
            })
            .collect();
        Self { cumulative }
    }

    fn total(&self) -> u64 {
        self.cumulative.last().copied().unwrap_or(0)
    }

    fn len(&self) -> usize {
        self.cumulative.len()
    }

    fn sample(&self, rng: &mut SplitMix64) -> usize {
        let pick = rng.below(self.total());
        self.cumulative.partition_point(|&bound| bound <= pick)
    }
}

/// How preferential votes (circled candidates) are drawn within a party's list.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CandidateChoice {
    /// Uniform over the first `top` candidates of the list.
    UniformTop(usize),
    /// Weight `1 / position` over the whole list (the leader is circled most, as in
    /// real Slovak elections), precomputed per party.
    Harmonic(Vec<Weighted>),
}

/// The distribution votes are drawn from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Weight of each party (dense index).
    party_weights: Vec<u64>,
    /// Blank votes per hundred.
    blank_percent: u64,
    /// Votes circling at least one candidate, per ten.
    circling_per_ten: u64,
    /// At most this many circles (drawn uniformly from 1 to this).
    max_circles: usize,
    candidates: CandidateChoice,
    /// Votes per million that break a validation rule (unknown party, a candidate of
    /// another party, or a repeated candidate).
    invalid_per_million: u64,
    /// Pick polling places in proportion to their registered voters (else uniformly).
    by_registered_voters: bool,
}

/// Valid votes per ballot number in the 2020 election to the Slovak National Council
/// (Statistical Office of the Slovak Republic; ballot 8 withdrew).
const NRSR_2020_VOTES: [(i64, u64); 24] = [
    (1, 8191),
    (2, 88220),
    (3, 179246),
    (4, 237531),
    (5, 1966),
    (6, 166325),
    (7, 9260),
    (9, 91171),
    (10, 4194),
    (11, 721166),
    (12, 200780),
    (13, 2018),
    (14, 991),
    (15, 134099),
    (16, 809),
    (17, 84507),
    (18, 59174),
    (19, 527172),
    (20, 3296),
    (21, 1887),
    (22, 112662),
    (23, 1261),
    (24, 229660),
    (25, 15925),
];

/// Invalid ballots per hundred in NR SR 2020 (35 329 of 2 916 840), rounded: drawn as
/// blank votes, the closest thing the e-vote system has.
const NRSR_2020_BLANK_PERCENT: u64 = 1;

/// Whether `config` has the ballot of NR SR 2020 (numbers and names as bundled).
#[must_use]
pub fn is_nrsr_2020(config: &ElectionConfig) -> bool {
    const MARKERS: [(i64, &str); 4] = [
        (3, "Sloboda a Solidarita"),
        (11, "OBYČAJNÍ ĽUDIA"),
        (12, "Koalícia Progresívne Slovensko a SPOLU"),
        (19, "SMER - sociálna demokracia"),
    ];
    config.parties().len() == 25
        && MARKERS.iter().all(|(number, name)| {
            config
                .parties()
                .iter()
                .any(|party| party.party_number == *number && party.name.starts_with(name))
        })
}

impl Profile {
    /// The benchmarks' workload: party `i` has weight `1 / (i % 7 + 1)`, 2 % of votes
    /// are blank, about 60 % circle 1–4 candidates uniformly from the top 30 of their
    /// list, polling places drawn uniformly.
    #[must_use]
    pub fn benchmark(config: &ElectionConfig, invalid_per_million: u64) -> Self {
        Self {
            party_weights: (0..config.parties().len())
                .map(|index| 420 / (index as u64 % 7 + 1))
                .collect(),
            blank_percent: 2,
            circling_per_ten: 6,
            max_circles: 4,
            candidates: CandidateChoice::UniformTop(30),
            invalid_per_million,
            by_registered_voters: false,
        }
    }

    /// A realistic election: on the NR SR 2020 ballot the official 2020 vote shares
    /// (elsewhere a Zipf law over the ballot order, `1 / number`), 1 % blank, 60 %
    /// circling 1–4 candidates with weight `1 / position` on the list, polling places
    /// in proportion to their registered voters, and 100 votes in a million breaking a
    /// rule so the rejection path runs too.
    #[must_use]
    pub fn realistic(config: &ElectionConfig) -> Self {
        let party_weights = if is_nrsr_2020(config) {
            config
                .parties()
                .iter()
                .map(|party| {
                    NRSR_2020_VOTES
                        .iter()
                        .find(|(number, _)| *number == party.party_number)
                        .map_or(0, |&(_, votes)| votes)
                })
                .collect()
        } else {
            (0..config.parties().len() as u64)
                .map(|index| 720_720 / (index + 1))
                .collect()
        };
        let harmonic = (0..config.parties().len())
            .map(|party| {
                let list = config.candidates_of_party(PartyIndex(party));
                Weighted::new((0..list.len() as u64).map(|position| 720_720 / (position + 1)))
            })
            .collect();
        Self {
            party_weights,
            blank_percent: NRSR_2020_BLANK_PERCENT,
            circling_per_ten: 6,
            max_circles: 4,
            candidates: CandidateChoice::Harmonic(harmonic),
            invalid_per_million: 100,
            by_registered_voters: true,
        }
    }

    /// The same profile with `invalid_per_million` votes in a million breaking a rule.
    #[must_use]
    pub fn with_invalid_per_million(mut self, invalid_per_million: u64) -> Self {
        self.invalid_per_million = invalid_per_million;
        self
    }
}

/// A vote with the polling place it was cast at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CastVote {
    /// Where it was cast.
    pub polling_place: PollingPlaceId,
    /// The decrypted vote.
    pub vote: Vote,
}

/// `count` votes over `config` with the [`Profile::benchmark`] workload, in batches of
/// `batch_size` from one polling place each (as gateways send them), over all its
/// polling places.
#[must_use]
pub fn generate_votes(
    config: &ElectionConfig,
    count: usize,
    batch_size: usize,
    invalid_per_million: u64,
    seed: u64,
) -> Vec<CastVote> {
    let places: Vec<PollingPlaceId> = config.polling_places().iter().map(|p| p.id).collect();
    generate(
        config,
        &Profile::benchmark(config, invalid_per_million),
        &places,
        count,
        batch_size,
        seed,
    )
}

/// `count` votes drawn from `profile`, in runs of `batch_size` votes from one polling
/// place of `places` (polling place 0 when `places` is empty). Tokens are 128 random
/// bits in hex, unique in practice.
#[must_use]
pub fn generate(
    config: &ElectionConfig,
    profile: &Profile,
    places: &[PollingPlaceId],
    count: usize,
    batch_size: usize,
    seed: u64,
) -> Vec<CastVote> {
    let mut rng = SplitMix64::new(seed);
    let parties = config.parties();
    let party_total: u64 = profile.party_weights.iter().sum();
    let place_weights = Weighted::new(places.iter().map(|&id| {
        if profile.by_registered_voters {
            config
                .polling_place_index(id)
                .and_then(|index| config.polling_places().get(index.get()))
                .map_or(1, |place| place.registered_voters_count)
                .max(1)
        } else {
            1
        }
    }));
    let mut votes = Vec::with_capacity(count);
    let mut polling_place = PollingPlaceId(0);
    for index in 0..count {
        if index % batch_size.max(1) == 0 && !places.is_empty() {
            polling_place = if profile.by_registered_voters {
                places[place_weights.sample(&mut rng)]
            } else {
                places[rng.below(places.len() as u64) as usize]
            };
        }
        let token = format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64());
        let mut vote = Vote {
            party_id: None,
            candidate_ids: Vec::new(),
            token,
            election_id: config.election_id().to_owned(),
        };
        if rng.below(100) >= profile.blank_percent && party_total > 0 {
            let party_index = pick(&mut rng, &profile.party_weights, party_total);
            vote.party_id = Some(parties[party_index].id);
            draw_candidates(
                config,
                profile,
                party_index,
                &mut rng,
                &mut vote.candidate_ids,
            );
        }
        let breaks_a_rule = rng.below(1_000_000) < profile.invalid_per_million;
        match rng.below(3) {
            _ if !breaks_a_rule => {}
            0 => vote.party_id = Some(PartyId(-1)),
            1 => vote.candidate_ids.push(CandidateId(-1)),
            _ => match vote.candidate_ids.first() {
                Some(&first) => vote.candidate_ids.push(first),
                None => vote.party_id = Some(PartyId(-1)),
            },
        }
        votes.push(CastVote {
            polling_place,
            vote,
        });
    }
    votes
}

fn draw_candidates(
    config: &ElectionConfig,
    profile: &Profile,
    party_index: usize,
    rng: &mut SplitMix64,
    circled: &mut Vec<CandidateId>,
) {
    let list = &config.parties()[party_index].candidates;
    if list.is_empty() || rng.below(10) >= profile.circling_per_ten {
        return;
    }
    let circles = 1 + rng.below(profile.max_circles as u64) as usize;
    match &profile.candidates {
        CandidateChoice::UniformTop(top) => {
            let top = list.len().min(*top);
            while circled.len() < circles.min(top) {
                let candidate = list[rng.below(top as u64) as usize].id;
                if !circled.contains(&candidate) {
                    circled.push(candidate);
                }
            }
        }
        CandidateChoice::Harmonic(per_party) => {
            let Some(weights) = per_party.get(party_index) else {
                return;
            };
            let wanted = circles.min(weights.len()).min(list.len());
            while circled.len() < wanted {
                let candidate = list[weights.sample(rng)].id;
                if !circled.contains(&candidate) {
                    circled.push(candidate);
                }
            }
        }
    }
}

/// `count` distinct polling places of `config` drawn with `seed` (all of them, in
/// configuration order, when `count` is at least their number).
#[must_use]
pub fn sample_polling_places(
    config: &ElectionConfig,
    count: usize,
    seed: u64,
) -> Vec<PollingPlaceId> {
    let mut ids: Vec<PollingPlaceId> = config.polling_places().iter().map(|p| p.id).collect();
    if count >= ids.len() {
        return ids;
    }
    // A partial Fisher–Yates shuffle on its own stream, then configuration order.
    let mut rng = SplitMix64::new(seed ^ 0x706C_6163_6573); // "places"
    for index in 0..count {
        let other = index + rng.below((ids.len() - index) as u64) as usize;
        ids.swap(index, other);
    }
    ids.truncate(count);
    ids.sort_by_key(|id| config.polling_place_index(*id));
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ElectionConfig {
        electie_tally::embedded::nrsr_2020().expect("the embedded configuration loads")
    }

    #[test]
    fn the_same_seed_gives_the_same_votes_and_another_seed_others() {
        let config = config();
        let profile = Profile::realistic(&config);
        let places = sample_polling_places(&config, 5, 1);
        let a = generate(&config, &profile, &places, 2_000, 10, 7);
        assert_eq!(a, generate(&config, &profile, &places, 2_000, 10, 7));
        assert_ne!(a, generate(&config, &profile, &places, 2_000, 10, 8));
    }

    #[test]
    fn realistic_votes_are_valid_except_the_injected_ones() {
        let config = config();
        let profile = Profile::realistic(&config).with_invalid_per_million(0);
        let places = sample_polling_places(&config, 3, 1);
        let validator = electie_core::Validator::new(&config);
        for cast in generate(&config, &profile, &places, 5_000, 10, 3) {
            assert!(places.contains(&cast.polling_place));
            validator
                .check_ballot(cast.vote.party_id, &cast.vote.candidate_ids)
                .expect("valid ballot");
        }
    }

    #[test]
    fn realistic_shares_follow_2020() {
        let config = config();
        let profile = Profile::realistic(&config);
        let places = sample_polling_places(&config, 3, 1);
        let votes = generate(&config, &profile, &places, 20_000, 10, 3);
        let smer = votes
            .iter()
            .filter(|cast| cast.vote.party_id == Some(PartyId(18)))
            .count();
        // 527 172 / 2 881 511 = 18.3 %
        assert!((3_300..4_000).contains(&smer), "{smer}");
    }

    #[test]
    fn sampled_polling_places_are_distinct_and_known() {
        let config = config();
        let places = sample_polling_places(&config, 50, 9);
        assert_eq!(places.len(), 50);
        let mut sorted = places.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), 50);
        assert!(places.iter().all(|&id| config.accepts_polling_place(id)));
        assert_eq!(sample_polling_places(&config, 10_000, 9).len(), 5_998);
    }
}
