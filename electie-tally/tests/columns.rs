//! Counting by column ([`Ballots`], the flat passes) agrees with counting vote by vote,
//! on the real NR SR 2020 configuration: the same tallies, counts, errors and
//! rejection reasons, for batches that mix valid votes with every rule broken, ids the
//! configuration does not have, and places that already hold many more candidates than
//! a batch touches (the sorted-merge fold) or fewer (the scatter fold).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use electie_core::validation::Rejection;
use electie_core::{CandidateId, ElectionConfig, PartyId, PartyIndex, PollingPlaceId};
use electie_tally::Error;
use electie_tally::count::{Ballots, CirclePolicy, Counter, Tally};
use proptest::prelude::*;

fn config() -> &'static ElectionConfig {
    static CONFIG: OnceLock<ElectionConfig> = OnceLock::new();
    CONFIG.get_or_init(|| {
        ElectionConfig::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020")).unwrap()
    })
}

/// How one circled candidate is drawn.
#[derive(Debug, Clone)]
enum Circle {
    /// The `n`-th candidate (modulo) of the vote's party: mostly valid.
    OwnParty(usize),
    /// The `n`-th candidate (modulo) of the whole configuration: often another party's.
    Anyone(usize),
    /// The same as an earlier circle on this vote (rule 5), or an own-party one.
    Again(usize),
    /// An id the configuration does not have.
    Unknown(i64),
}

/// How one vote is drawn: party (an index modulo the parties, blank, or an unknown
/// id) and its circles.
#[derive(Debug, Clone)]
struct Drawn {
    party: Option<Result<usize, i64>>,
    circles: Vec<Circle>,
}

fn circle() -> impl Strategy<Value = Circle> {
    prop_oneof![
        8 => (0usize..200).prop_map(Circle::OwnParty),
        1 => (0usize..3_000).prop_map(Circle::Anyone),
        1 => (0usize..8).prop_map(Circle::Again),
        1 => prop_oneof![Just(-1i64), Just(99_999), Just(i64::MIN)].prop_map(Circle::Unknown),
    ]
}

fn drawn(rule_breaking: u32) -> impl Strategy<Value = Drawn> {
    let party = prop_oneof![
        30 => (0usize..30).prop_map(|p| Some(Ok(p))),
        2 => Just(None),
        rule_breaking => prop_oneof![Just(-1i64), Just(99), Just(i64::MAX)].prop_map(|id| Some(Err(id))),
    ];
    // Mostly 0 to 4 circles; sometimes more than the 5 allowed.
    let circles = prop_oneof![
        20 => prop::collection::vec(circle(), 0..5),
        1 => prop::collection::vec(circle(), 5..9),
    ];
    (party, circles).prop_map(|(party, circles)| Drawn { party, circles })
}

fn vote_of(drawn: &Drawn) -> (Option<PartyId>, Vec<CandidateId>) {
    let config = config();
    let party = drawn.party.map(|p| match p {
        Ok(index) => config.parties()[index % config.parties().len()].id,
        Err(id) => PartyId(id),
    });
    let own: Vec<CandidateId> = party
        .and_then(|p| config.party_index(p))
        .map(|p| {
            config
                .candidates_of_party(p)
                .map(|c| config.candidates()[c.get()].id)
                .collect()
        })
        .unwrap_or_default();
    let all = config.candidates();
    let mut ids: Vec<CandidateId> = Vec::new();
    for circle in &drawn.circles {
        let id = match *circle {
            Circle::OwnParty(n) | Circle::Again(n) if own.is_empty() => all[n % all.len()].id,
            Circle::OwnParty(n) => own[n % own.len()],
            Circle::Anyone(n) => all[n % all.len()].id,
            Circle::Again(n) if !ids.is_empty() => ids[n % ids.len()],
            Circle::Again(n) => own[n % own.len()],
            Circle::Unknown(id) => CandidateId(id),
        };
        ids.push(id);
    }
    (party, ids)
}

/// Batches of `(polling place choice, votes)`: a few places, so later batches land on
/// places that already hold counts; some batches large, most small.
fn batches(rule_breaking: u32) -> impl Strategy<Value = Vec<(usize, Vec<Drawn>)>> {
    let batch = prop_oneof![
        3 => prop::collection::vec(drawn(rule_breaking), 0..4),
        1 => prop::collection::vec(drawn(rule_breaking), 50..400),
    ];
    prop::collection::vec((0usize..3, batch), 1..12)
}

/// The same votes with every rule-breaking draw replaced by a valid one, so that the
/// flat passes count whole batches (a batch naming an unknown id is counted vote by
/// vote by `add_ballots`).
fn cleaned(drawn: &[Drawn]) -> Vec<Drawn> {
    drawn
        .iter()
        .map(|d| {
            let party = d.party.map(|p| Ok(p.unwrap_or(3)));
            let circles = match party {
                None => Vec::new(),
                Some(_) => d
                    .circles
                    .iter()
                    .take(5)
                    .enumerate()
                    .map(|(k, c)| match c {
                        Circle::OwnParty(n) => Circle::OwnParty(*n),
                        _ => Circle::OwnParty(1_000 + k),
                    })
                    .collect(),
            };
            Drawn { party, circles }
        })
        .collect()
}

fn place_of(choice: usize) -> PollingPlaceId {
    // two real polling places and one the configuration does not have
    [PollingPlaceId(0), PollingPlaceId(4_000), PollingPlaceId(-5)][choice]
}

fn ballots_of(votes: &[(Option<PartyId>, Vec<CandidateId>)]) -> Ballots {
    votes.iter().map(|(p, c)| (*p, c.as_slice())).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// `Tally::add_ballots` = `Tally::add_batch` = `Tally::add` vote by vote up to the
    /// first error, batch after batch.
    #[test]
    fn adding_by_column_agrees_with_adding_vote_by_vote(batches in batches(1), clean in prop::collection::vec(any::<bool>(), 12)) {
        let config = config();
        let mut by_column = Tally::new(config);
        let mut by_batch = Tally::new(config);
        let mut one_by_one = Tally::new(config);
        for ((choice, drawn), clean) in batches.iter().zip(clean) {
            let place = place_of(*choice);
            let drawn = if clean { cleaned(drawn) } else { drawn.clone() };
            let votes: Vec<_> = drawn.iter().map(vote_of).collect();
            let ballots = ballots_of(&votes);
            let column = by_column.add_ballots(config, place, &ballots);
            let batch = by_batch.add_batch(config, place, ballots.iter());
            prop_assert_eq!(&column, &batch);
            let mut expected: Result<usize, (usize, Error)> = Ok(votes.len());
            for (n, (party, ids)) in votes.iter().enumerate() {
                if let Err(error) = one_by_one.add(config, place, *party, ids) {
                    expected = Err((n, error));
                    break;
                }
            }
            if votes.is_empty() && config.polling_place_index(place).is_none() {
                // an empty batch from an unknown place: add() never ran
                expected = Err((0, Error::UnknownPollingPlace(place.0)));
            }
            prop_assert_eq!(&column, &expected);
            prop_assert_eq!(&by_column, &by_batch);
            prop_assert_eq!(&by_column, &one_by_one);
        }
    }

    /// `Counter::count_ballots` = `Counter::count_batch` = `Counter::count` vote by vote:
    /// the same votes counted, the same reasons at the same positions, under both
    /// circle policies.
    #[test]
    fn counting_by_column_agrees_with_counting_vote_by_vote(batches in batches(2), ignore in any::<bool>()) {
        let config = config();
        let policy = if ignore { CirclePolicy::IgnorePreferences } else { CirclePolicy::Reject };
        let counter = Counter::new(config, policy);
        let mut by_column = Tally::new(config);
        let mut by_batch = Tally::new(config);
        let mut one_by_one = Tally::new(config);
        for (choice, drawn) in &batches {
            let place = place_of(*choice);
            let votes: Vec<_> = drawn.iter().map(vote_of).collect();
            let ballots = ballots_of(&votes);
            let mut column_reasons: Vec<(usize, Rejection)> = Vec::new();
            let column = counter.count_ballots(&mut by_column, place, &ballots, |i, r| column_reasons.push((i, r)));
            let mut batch_reasons: Vec<(usize, Rejection)> = Vec::new();
            let batch = counter.count_batch(&mut by_batch, place, ballots.iter(), |i, r| batch_reasons.push((i, r)));
            prop_assert_eq!(&column, &batch);
            prop_assert_eq!(&column_reasons, &batch_reasons);
            let mut reasons = Vec::new();
            let mut counted = 0;
            for (n, (party, ids)) in votes.iter().enumerate() {
                match counter.count(&mut one_by_one, place, *party, ids) {
                    Ok(Ok(())) => counted += 1,
                    Ok(Err(rejection)) => reasons.push((n, rejection)),
                    Err(fault) => prop_assert!(false, "a fault counting vote by vote: {}", fault),
                }
            }
            prop_assert_eq!(&column, &Ok(counted));
            prop_assert_eq!(&column_reasons, &reasons);
            prop_assert_eq!(&by_column, &by_batch);
            prop_assert_eq!(&by_column, &one_by_one);
        }
    }
}

/// A place that already holds far more candidates than a batch touches is folded by
/// the sorted merge, one that holds fewer by the scatter: both give the per-vote counts
/// (checked candidate by candidate, not only through `PartialEq`).
#[test]
fn both_folds_give_the_per_vote_counts() {
    let config = config();
    let place = PollingPlaceId(12);
    let place_index = config.polling_place_index(place).unwrap().get();
    let mut by_column = Tally::new(config);
    let mut one_by_one = Tally::new(config);
    // every candidate of every party once: the place then holds all 2 736
    let mut everyone = Ballots::new();
    for (p, party) in config.parties().iter().enumerate() {
        for c in config.candidates_of_party(PartyIndex(p)) {
            everyone.push(Some(party.id), &[config.candidates()[c.get()].id]);
        }
    }
    // then small batches (merge) and one large one again (scatter)
    let small: Vec<(Option<PartyId>, Vec<CandidateId>)> = (0..3)
        .map(|k| {
            let c = &config.candidates()[100 * k + 7];
            (config.party_of_candidate(c.id), vec![c.id])
        })
        .collect();
    for ballots in [
        everyone.clone(),
        ballots_of(&small),
        ballots_of(&small),
        everyone,
    ] {
        assert_eq!(
            by_column.add_ballots(config, place, &ballots),
            Ok(ballots.len())
        );
        for (party, ids) in ballots.iter() {
            one_by_one.add(config, place, party, ids).unwrap();
        }
        let column: Vec<(usize, u32)> = by_column.place_candidate_votes(place_index).collect();
        let expected: Vec<(usize, u32)> = one_by_one.place_candidate_votes(place_index).collect();
        assert_eq!(column, expected);
    }
    let totals = by_column.candidate_totals();
    assert_eq!(totals.iter().sum::<u64>(), 2 * 2_736 + 6);
    assert_eq!(totals[207], 4);
}
