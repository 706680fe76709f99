//! Counting, merging and results in the original shapes on the real NR SR 2020
//! configuration; Python `round` semantics checked against CPython's answers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use electie_core::validation::Rejection;
use electie_core::{
    CandidateId, CandidateIndex, ElectionConfig, PartyId, PartyIndex, PollingPlaceId,
};
use electie_tally::Error;
use electie_tally::count::{Ballots, CirclePolicy, Counter, Tally};
use electie_tally::results::{
    LocalityLevel, ResultsOptions, candidate_results, party_results, percentage, py_round,
    results_by_locality, seat_outcome, status,
};
use electie_tally::seeded::SplitMix64;

fn config() -> ElectionConfig {
    ElectionConfig::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020")).unwrap()
}

/// `(count, total, repr(round(count/total*100, 4)), repr(round(…, 2)))` from CPython 3.
const PAIRS: &[(u64, u64, &str, &str)] = &[
    (1, 3200, "0.0312", "0.03"),
    (3, 3200, "0.0938", "0.09"),
    (1, 8, "12.5", "12.5"),
    (1, 16, "6.25", "6.25"),
    (1, 32, "3.125", "3.12"),
    (5, 64, "7.8125", "7.81"),
    (7, 128, "5.4688", "5.47"),
    (1, 1600, "0.0625", "0.06"),
    (13650, 2061100, "0.6623", "0.66"),
    (721166, 2881511, "25.0274", "25.03"),
    (200780, 2881511, "6.9679", "6.97"),
    (1, 3, "33.3333", "33.33"),
    (2, 3, "66.6667", "66.67"),
    (1, 7, "14.2857", "14.29"),
    (100, 100, "100.0", "100.0"),
    (0, 5, "0.0", "0.0"),
    (50001, 100000, "50.001", "50.0"),
    (636063, 1980115, "32.1225", "32.12"),
    (756250, 865420, "87.3853", "87.39"),
    (2008561, 3322378, "60.4555", "60.46"),
    (188953, 1300002, "14.5348", "14.53"),
    (20779, 557970, "3.724", "3.72"),
    (2304358, 3368790, "68.4031", "68.4"),
    (246822, 2427460, "10.1679", "10.17"),
    (1091230, 1861669, "58.6157", "58.62"),
    (3021953, 4501999, "67.1247", "67.12"),
    (724207, 2320983, "31.2026", "31.2"),
    (274432, 890731, "30.8098", "30.81"),
    (53770, 1798522, "2.9897", "2.99"),
    (1139792, 2183171, "52.2081", "52.21"),
    (345648, 1622656, "21.3014", "21.3"),
    (1214841, 2599210, "46.7389", "46.74"),
    (363722, 3123860, "11.6434", "11.64"),
    (2817320, 2830338, "99.5401", "99.54"),
    (2122123, 3254209, "65.2116", "65.21"),
    (372853, 2087703, "17.8595", "17.86"),
    (993185, 2074690, "47.8715", "47.87"),
    (374745, 2348791, "15.9548", "15.95"),
    (2518643, 4593928, "54.8255", "54.83"),
    (59563, 60494, "98.461", "98.46"),
    (2400680, 2448985, "98.0276", "98.03"),
    (2132268, 2615251, "81.5321", "81.53"),
    (868107, 1636829, "53.0359", "53.04"),
    (2512020, 3554514, "70.6713", "70.67"),
    (1807925, 2417627, "74.781", "74.78"),
    (676627, 3786387, "17.87", "17.87"),
    (639865, 1956435, "32.7057", "32.71"),
    (181355, 2178146, "8.3261", "8.33"),
    (48572, 680111, "7.1418", "7.14"),
    (2627105, 3881156, "67.6887", "67.69"),
    (2176307, 2352445, "92.5126", "92.51"),
    (3953048, 4484733, "88.1446", "88.14"),
    (608437, 2875978, "21.1558", "21.16"),
    (139331, 1640590, "8.4927", "8.49"),
    (850062, 3462773, "24.5486", "24.55"),
    (1158906, 3700651, "31.3163", "31.32"),
    (746231, 1541018, "48.4245", "48.42"),
];
/// `(x, repr(round(x, 4)))` from CPython 3: exact ties (0.03125) and near-ties.
const VALUES: &[(f64, &str)] = &[
    (0.03125, "0.0312"),
    (0.09375, "0.0938"),
    (12.03125, "12.0312"),
    (1.00005, "1.0001"),
    (0.00015, "0.0001"),
    (2.675, "2.675"),
    (50.00005, "50.0001"),
    (33.33335, "33.3334"),
    (0.5, "0.5"),
    (99.99995, "99.9999"),
    (0.00005, "0.0001"),
    (0.000_000_001, "0.0"),
    (7.00125, "7.0012"),
];

#[test]
fn python_round_semantics() {
    for &(count, total, four, two) in PAIRS {
        assert_eq!(
            serde_json::to_string(&percentage(count, total, 4)).unwrap(),
            four,
            "{count}/{total}"
        );
        assert_eq!(
            serde_json::to_string(&percentage(count, total, 2)).unwrap(),
            two,
            "{count}/{total}"
        );
    }
    for &(x, expected) in VALUES {
        assert_eq!(
            serde_json::to_string(&py_round(x, 4)).unwrap(),
            expected,
            "{x}"
        );
    }
    assert_eq!(percentage(5, 0, 4), 0.0);
}

#[test]
fn count_merge_and_totals() {
    let config = config();
    let mut a = Tally::new(&config);
    let mut b = Tally::new(&config);
    a.add(
        &config,
        PollingPlaceId(0),
        Some(PartyId(10)),
        &[CandidateId(1075)],
    )
    .unwrap();
    a.add(&config, PollingPlaceId(1), None, &[]).unwrap();
    b.add(&config, PollingPlaceId(0), Some(PartyId(10)), &[])
        .unwrap();
    b.add(&config, PollingPlaceId(5997), Some(PartyId(3)), &[])
        .unwrap();
    let mut ab = a.clone();
    ab.merge(&b).unwrap();
    let mut ba = b.clone();
    ba.merge(&a).unwrap();
    assert_eq!(ab, ba);
    assert_eq!(ab.total_votes(), 4);
    assert_eq!(ab.blank_total(), 1);
    assert_eq!(ab.party_totals()[10], 2);
    assert_eq!(ab.candidate_totals()[1075], 1);
    assert_eq!(ab.place_party_votes(0)[10], 2);
    // unknown ids are typed errors and count nothing
    assert_eq!(
        a.add(&config, PollingPlaceId(6000), None, &[]),
        Err(Error::UnknownPollingPlace(6000))
    );
    assert_eq!(
        a.add(&config, PollingPlaceId(0), Some(PartyId(99)), &[]),
        Err(Error::UnknownParty(99))
    );
    assert_eq!(
        a.add(
            &config,
            PollingPlaceId(0),
            Some(PartyId(1)),
            &[CandidateId(-1)]
        ),
        Err(Error::UnknownCandidate(-1))
    );
    assert_eq!(a.total_votes(), 2);
    assert_eq!(
        a.merge(&Tally::with_shape(1, 1, 1)),
        Err(Error::ShapeMismatch)
    );
    // dense party and blank rows, a list header per place, one bit per place; the
    // preferential votes only as counted (one here)
    let fixed = (25 * 5998 + 5998) * 4 + 5998 * 24 + 5998usize.div_ceil(64) * 8;
    assert!(a.heap_bytes() > fixed && a.heap_bytes() <= fixed + 64);
    assert!(
        a.heap_bytes() < 1 << 20,
        "an empty NR SR 2020 tally is under 1 MiB"
    );
}

#[test]
fn counter_rejects_with_validation_reasons() {
    let config = config();
    let mut tally = Tally::new(&config);
    let counter = Counter::new(&config, CirclePolicy::Reject);
    let place = PollingPlaceId(0);
    assert_eq!(
        counter.count(&mut tally, PollingPlaceId(-1), None, &[]),
        Ok(Err(Rejection::InvalidPollingPlace))
    );
    assert_eq!(
        counter.count(&mut tally, place, Some(PartyId(99)), &[]),
        Ok(Err(Rejection::InvalidParty))
    );
    assert_eq!(
        counter.count(&mut tally, place, None, &[CandidateId(1075)]),
        Ok(Err(Rejection::BlankVoteWithCandidates))
    );
    assert_eq!(
        counter
            .count(&mut tally, place, Some(PartyId(10)), &[CandidateId(0)])
            .unwrap()
            .unwrap_err()
            .to_string(),
        "Invalid candidates ids - candidate |0| is not in party |10|"
    );
    let members: Vec<CandidateId> = (1075..1081).map(CandidateId).collect();
    assert!(matches!(
        counter.count(&mut tally, place, Some(PartyId(10)), &members),
        Ok(Err(Rejection::TooManyCandidates { .. }))
    ));
    assert_eq!(tally.total_votes(), 0);
    let lenient = Counter::new(&config, CirclePolicy::IgnorePreferences);
    lenient
        .count(&mut tally, place, Some(PartyId(10)), &members)
        .unwrap()
        .unwrap();
    assert_eq!(tally.party_totals()[10], 1);
    assert_eq!(tally.candidate_totals().iter().sum::<u64>(), 0);
    assert_eq!(tally.ignored_preferences(), 1);
    counter
        .count(&mut tally, place, Some(PartyId(10)), &members[..2])
        .unwrap()
        .unwrap();
    assert_eq!(tally.candidate_totals().iter().sum::<u64>(), 2);
}

/// Votes shaped like the 2020 result, scaled down, into one tally.
fn scaled_2020(config: &ElectionConfig) -> Tally {
    let mut tally = Tally::new(config);
    // party index → votes (fixture / 100), one preferential vote for the 2nd candidate
    let votes: [(i64, u32); 6] = [
        (2, 1792),
        (3, 2375),
        (5, 1663),
        (9, 7211),
        (17, 5271),
        (22, 2296),
    ];
    let mut place = 0;
    for (party, n) in votes {
        let index = PartyIndex(usize::try_from(party).unwrap());
        let second = config.candidates_of_party(index).nth(1).unwrap();
        let cid = config.candidates()[second.get()].id;
        for i in 0..n {
            let cands: &[CandidateId] = if i % 10 == 0 { &[cid] } else { &[] };
            tally
                .add(
                    config,
                    PollingPlaceId(place % 5998),
                    Some(PartyId(party)),
                    cands,
                )
                .unwrap();
            place += 1;
        }
    }
    tally
        .add(config, PollingPlaceId(0), Some(PartyId(10)), &[])
        .unwrap();
    tally.add(config, PollingPlaceId(0), None, &[]).unwrap();
    tally
}

#[test]
fn results_in_original_shapes() {
    let config = config();
    let tally = scaled_2020(&config);
    let outcome = seat_outcome(&config, &tally, &ResultsOptions::default()).unwrap();
    assert_eq!(outcome.seats.iter().sum::<u64>(), 150);
    let parties = party_results(&config, &outcome, true);
    let first = serde_json::to_string(&parties[0]).unwrap();
    assert!(
        first.starts_with(r#"{"id":"9","doc_count":7211,"candidates":[{"id":""#),
        "{first}"
    );
    assert!(
        first.ends_with(
            r#""percentage":34.9896,"in_parliament":true,"relative_percentage":34.9913,"seats":53}"#
        ),
        "{first}"
    );
    let without = serde_json::to_value(party_results(&config, &outcome, false)).unwrap();
    assert!(without[0].get("candidates").is_none());
    // ordered by votes, the one-vote party passes nothing
    assert_eq!(parties.last().unwrap().doc_count, 0);
    let ten = parties.iter().find(|p| p.id == "10").unwrap();
    assert!(!ten.in_parliament);
    assert_eq!(ten.relative_percentage, 0.0);
    // the candidate with 10 % preferential votes moves up and is elected
    let candidates = ten_percent_candidate(&config, &outcome);
    assert!(candidates);
    let list = candidate_results(&config, &outcome);
    assert_eq!(list.len(), 6);
    let top = serde_json::to_string(&list[0]).unwrap();
    assert!(top.starts_with(r#"{"name":""#), "{top}");
    assert!(
        top.ends_with(r#"","doc_count":722,"percentage":10.0125}"#),
        "{top}"
    );
    let st = status(&config, &tally, None);
    assert_eq!(
        serde_json::to_string(&st).unwrap(),
        format!(
            r#"{{"registered_voters":{},"total_votes":20610,"participation":{},"number_of_polling_places":5998}}"#,
            st.registered_voters,
            serde_json::to_string(&percentage(20610, st.registered_voters, 2)).unwrap()
        )
    );
    let regions = results_by_locality(&config, &tally, LocalityLevel::Region, None);
    assert_eq!(regions.len(), 9); // 8 kraje and code 9 (abroad)
    assert_eq!(regions.iter().map(|r| r.doc_count).sum::<u64>(), 20610);
    let one = serde_json::to_string(&regions[0]).unwrap();
    assert!(one.starts_with(r#"{"type":"region_code","code":"#), "{one}");
    assert!(one.contains(r#""registered_participants":"#));
    let bratislava = results_by_locality(&config, &tally, LocalityLevel::County, Some(101));
    assert_eq!(bratislava.len(), 1);
    assert_eq!(bratislava[0].code, 101);
    let municipalities = results_by_locality(&config, &tally, LocalityLevel::Municipality, None);
    assert_eq!(
        municipalities
            .iter()
            .map(|r| r.registered_participants)
            .sum::<u64>(),
        st.registered_voters
    );
    assert!(LocalityLevel::parse("street").is_err());
    assert_eq!(
        LocalityLevel::parse("administrative_area_code").unwrap(),
        LocalityLevel::AdministrativeArea
    );
    let local = status(&config, &tally, Some((LocalityLevel::Region, 1)));
    assert!(local.number_of_polling_places < 5998);
}

fn ten_percent_candidate(
    config: &ElectionConfig,
    outcome: &electie_tally::results::SeatOutcome,
) -> bool {
    let second = config.candidates_of_party(PartyIndex(9)).nth(1).unwrap();
    outcome.elected[second.get()]
}

#[test]
fn empty_tally_renders() {
    let config = config();
    let tally = Tally::new(&config);
    let outcome = seat_outcome(&config, &tally, &ResultsOptions::default()).unwrap();
    assert!(outcome.seats.iter().all(|&s| s == 0));
    let parties = party_results(&config, &outcome, true);
    assert_eq!(parties.len(), 25);
    assert_eq!(parties[0].id, "0");
    assert_eq!(status(&config, &tally, None).participation, 0.0);
}

/// The batch path (inlined rules, reasons from electie-core) agrees with the per-vote
/// path on accepted votes, counts and every rejection reason.
#[test]
fn batch_counting_agrees_with_vote_by_vote() {
    let config = config();
    let mut rng = SplitMix64::new(0x5eed);
    let mut next = |bound: u64| rng.next_u64() % bound;
    for circles in [CirclePolicy::Reject, CirclePolicy::IgnorePreferences] {
        let counter = Counter::new(&config, circles);
        let mut one = Tally::new(&config);
        let mut batch_tally = Tally::new(&config);
        for round in 0..300 {
            let place = PollingPlaceId(i64::try_from(next(6010)).unwrap() - 5);
            let votes: Vec<(Option<PartyId>, Vec<CandidateId>)> = (0..40)
                .map(|_| {
                    let party = match next(30) {
                        0 => None,
                        p => Some(PartyId(i64::try_from(p).unwrap() - 2)),
                    };
                    let n = next(8);
                    let cands = (0..n)
                        .map(|_| {
                            // mostly candidates of the party, sometimes strangers or repeats
                            let base = party.map_or(0, |p| p.0.max(0) * 110);
                            CandidateId(i64::try_from(next(130)).unwrap() + base - 5)
                        })
                        .collect();
                    (party, cands)
                })
                .collect();
            let mut expected = Vec::new();
            for (i, (party, cands)) in votes.iter().enumerate() {
                if let Err(r) = counter.count(&mut one, place, *party, cands).unwrap() {
                    expected.push((i, r));
                }
            }
            let mut got = Vec::new();
            let counted = counter
                .count_batch(
                    &mut batch_tally,
                    place,
                    votes.iter().map(|(p, c)| (*p, c.as_slice())),
                    |i, r| got.push((i, r)),
                )
                .unwrap();
            assert_eq!(got, expected, "round {round}");
            assert_eq!(counted, votes.len() - expected.len());
        }
        assert_eq!(one, batch_tally);
        assert!(one.total_votes() > 0);
    }
}

/// Votes refused after counting some of their candidates take them back: many of
/// them in one batch (more than the batch's list of touched candidates holds) leave
/// no count behind, in this batch or the next.
#[test]
fn votes_taken_back_leave_no_count() {
    let config = config();
    let counter = Counter::new(&config, CirclePolicy::Reject);
    let mut tally = Tally::new(&config);
    // candidate 1075 is party 10's, candidate 0 is not
    let mut batch = vec![(Some(PartyId(10)), vec![CandidateId(1076)])];
    batch.extend((0..1_000).map(|_| (Some(PartyId(10)), vec![CandidateId(1075), CandidateId(0)])));
    batch.push((Some(PartyId(10)), vec![CandidateId(1076)]));
    let mut rejected = 0;
    let counted = counter
        .count_batch(
            &mut tally,
            PollingPlaceId(3),
            batch.iter().map(|(p, c)| (*p, c.as_slice())),
            |_, _| rejected += 1,
        )
        .unwrap();
    assert_eq!((counted, rejected), (2, 1_000));
    let totals = tally.candidate_totals();
    assert_eq!((totals[1075], totals[1076]), (0, 2));
    let mut again = batch.clone();
    again.push((Some(PartyId(10)), vec![CandidateId(1075)]));
    counter
        .count_batch(
            &mut tally,
            PollingPlaceId(3),
            again.iter().map(|(p, c)| (*p, c.as_slice())),
            |_, _| {},
        )
        .unwrap();
    let totals = tally.candidate_totals();
    assert_eq!((totals[1075], totals[1076]), (1, 4));
    assert_eq!(tally.total_votes(), 5);
}

/// A tally holding `u32::MAX` votes for party 10 (index 10) at polling place 0 and
/// `u32::MAX` blank votes at polling place 1, built by doubling merges.
fn full_counters(config: &ElectionConfig) -> Tally {
    let mut one = Tally::new(config);
    one.add(
        config,
        PollingPlaceId(0),
        Some(PartyId(10)),
        &[CandidateId(1075)],
    )
    .unwrap();
    one.add(config, PollingPlaceId(1), None, &[]).unwrap();
    let mut full = one.clone();
    for _ in 0..31 {
        let copy = full.clone();
        full.merge(&copy).unwrap();
        full.merge(&one).unwrap();
    }
    assert_eq!(full.place_party_votes(0)[10], u32::MAX);
    assert_eq!(full.place_blank_votes(1), u32::MAX);
    let c = config.candidate_index(CandidateId(1075)).unwrap();
    assert_eq!(full.place_candidate_count(0, c.get()), u32::MAX);
    full
}

/// A counter that cannot go on is a fault of the count: an error, never a rejected
/// vote, never a lower total.
#[test]
fn counter_overflow_is_an_error_not_a_rejection() {
    let config = config();
    let full = full_counters(&config);
    let counter = Counter::new(&config, CirclePolicy::Reject);
    for (place, party, candidates) in [
        (PollingPlaceId(0), Some(PartyId(10)), vec![]),
        (
            PollingPlaceId(0),
            Some(PartyId(10)),
            vec![CandidateId(1076)],
        ),
        (PollingPlaceId(1), None, vec![]),
    ] {
        let mut tally = full.clone();
        assert_eq!(
            counter.count(&mut tally, place, party, &candidates),
            Err(Error::CounterOverflow)
        );
        assert_eq!(tally, full, "nothing counted, nothing lowered");
        let mut rejected = Vec::new();
        let batch = [(None, &[][..]), (party, &candidates[..])];
        let mut tally = full.clone();
        let counted = counter.count_batch(&mut tally, place, batch, |i, r| rejected.push((i, r)));
        assert_eq!(counted, Err(Error::CounterOverflow));
        assert!(
            rejected.is_empty(),
            "a fault is not a rejection: {rejected:?}"
        );
        assert!(tally.total_votes() >= full.total_votes());
        let mut tally = full.clone();
        assert_eq!(
            tally.add(&config, place, party, &candidates),
            Err(Error::CounterOverflow)
        );
        assert_eq!(tally, full);
        // by column: the same fault, no rejection, nothing lowered
        let ballots: Ballots = batch.into_iter().collect();
        let mut by_column = full.clone();
        rejected.clear();
        let counted = counter.count_ballots(&mut by_column, place, &ballots, |i, r| {
            rejected.push((i, r))
        });
        assert_eq!(counted, Err(Error::CounterOverflow));
        assert!(rejected.is_empty(), "{rejected:?}");
        assert!(by_column.total_votes() >= full.total_votes());
        let mut by_column = full.clone();
        let mut by_batch = full.clone();
        assert_eq!(
            by_column.add_ballots(&config, place, &ballots),
            by_batch.add_batch(&config, place, ballots.iter())
        );
        assert_eq!(by_column, by_batch);
    }
    // a candidate counter that is full under a party counter that is not (counting
    // without validation): the party vote counts, the candidate's stays as it was,
    // and the error says why, by column as by batch
    let c = config.candidate_index(CandidateId(1075)).unwrap().get();
    let ballots: Ballots = [(Some(PartyId(3)), &[CandidateId(1075)][..])]
        .into_iter()
        .collect();
    let mut by_column = full.clone();
    let mut by_batch = full.clone();
    let column = by_column.add_ballots(&config, PollingPlaceId(0), &ballots);
    assert_eq!(column, Err((1, Error::CounterOverflow)));
    assert_eq!(
        column,
        by_batch.add_batch(&config, PollingPlaceId(0), ballots.iter())
    );
    assert_eq!(by_column, by_batch);
    assert_eq!(by_column.place_candidate_count(0, c), u32::MAX);
    // merging into a full counter changes nothing and says why
    let mut tally = full.clone();
    let mut one_more = Tally::new(&config);
    one_more
        .add(&config, PollingPlaceId(5), Some(PartyId(3)), &[])
        .unwrap();
    one_more.add(&config, PollingPlaceId(1), None, &[]).unwrap();
    assert_eq!(tally.merge(&one_more), Err(Error::CounterOverflow));
    assert_eq!(tally, full);
    // other places still count
    assert_eq!(
        counter.count(
            &mut tally,
            PollingPlaceId(2),
            Some(PartyId(10)),
            &[CandidateId(1075)]
        ),
        Ok(Ok(()))
    );
    assert_eq!(tally.total_votes(), full.total_votes() + 1);
}

/// The sparse tally agrees with a plain map of every count, whatever the mix of
/// batches, single votes and merges.
#[test]
fn sparse_tally_agrees_with_plain_maps() {
    use std::collections::BTreeMap;
    let config = config();
    let counter = Counter::new(&config, CirclePolicy::IgnorePreferences);
    let mut state = 0xfeed_u64;
    let mut next = |bound: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % bound
    };
    let mut parts = vec![Tally::new(&config), Tally::new(&config)];
    let mut party_votes: BTreeMap<(usize, usize), u64> = BTreeMap::new();
    let mut candidate_votes: BTreeMap<(usize, usize), u64> = BTreeMap::new();
    let mut blank: BTreeMap<usize, u64> = BTreeMap::new();
    for round in 0..400 {
        let place = usize::try_from(next(40) * 149).unwrap();
        let votes: Vec<(Option<PartyId>, Vec<CandidateId>)> = (0..next(300))
            .map(|_| {
                let party = usize::try_from(next(26)).unwrap();
                if party == 25 {
                    return (None, Vec::new());
                }
                let members: Vec<CandidateIndex> =
                    config.candidates_of_party(PartyIndex(party)).collect();
                let mut chosen: Vec<CandidateId> = Vec::new();
                for _ in 0..next(8) {
                    let c = members[usize::try_from(next(members.len() as u64)).unwrap()];
                    let id = config.candidates()[c.get()].id;
                    if !chosen.contains(&id) {
                        chosen.push(id);
                    }
                }
                (Some(config.parties()[party].id), chosen)
            })
            .collect();
        for (party, chosen) in &votes {
            match party {
                None => *blank.entry(place).or_default() += 1,
                Some(p) => {
                    let party = config.party_index(*p).unwrap().get();
                    *party_votes.entry((place, party)).or_default() += 1;
                    if chosen.len() <= config.max_candidates() {
                        for c in chosen {
                            *candidate_votes
                                .entry((place, config.candidate_index(*c).unwrap().get()))
                                .or_default() += 1;
                        }
                    }
                }
            }
        }
        let tally = &mut parts[round % 2];
        let id = config.polling_places()[place].id;
        if round % 3 == 0 {
            for (party, chosen) in &votes {
                assert_eq!(counter.count(tally, id, *party, chosen), Ok(Ok(())));
            }
        } else {
            let counted = counter.count_batch(
                tally,
                id,
                votes.iter().map(|(p, c)| (*p, c.as_slice())),
                |i, r| panic!("vote {i} rejected: {r}"),
            );
            assert_eq!(counted, Ok(votes.len()));
        }
    }
    let (mut tally, second) = (parts.remove(0), parts.remove(0));
    tally.merge(&second).unwrap();
    for place in 0..config.polling_places().len() {
        let parties: BTreeMap<(usize, usize), u64> = tally
            .place_party_votes(place)
            .iter()
            .enumerate()
            .filter(|&(_, &v)| v > 0)
            .map(|(p, &v)| ((place, p), u64::from(v)))
            .collect();
        let expected: BTreeMap<(usize, usize), u64> = party_votes
            .range((place, 0)..(place + 1, 0))
            .map(|(&k, &v)| (k, v))
            .collect();
        assert_eq!(parties, expected, "place {place}");
        let candidates: Vec<((usize, usize), u64)> = tally
            .place_candidate_votes(place)
            .map(|(c, v)| ((place, c), u64::from(v)))
            .collect();
        let expected: Vec<((usize, usize), u64)> = candidate_votes
            .range((place, 0)..(place + 1, 0))
            .map(|(&k, &v)| (k, v))
            .collect();
        assert_eq!(candidates, expected, "place {place}");
        assert_eq!(
            u64::from(tally.place_blank_votes(place)),
            blank.get(&place).copied().unwrap_or(0)
        );
    }
    assert!(tally.ignored_preferences() > 0);
    assert_eq!(
        tally.counted_places().collect::<Vec<_>>(),
        party_votes
            .keys()
            .map(|&(p, _)| p)
            .chain(blank.keys().copied())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
    );
}

/// A tally of NR SR 2020's size — its 2 881 511 valid votes over all 5 998 polling
/// places, parties in the official proportions, three in five voters circling one to
/// four of the first 30 candidates of their list — takes 13.1 MiB, where dense
/// place × candidate rows took 63 MiB.
#[test]
fn full_size_tally_fits_in_a_few_mib() {
    let config = config();
    let official: [u64; 24] = [
        8191, 88220, 179246, 237531, 1966, 166325, 9260, 91171, 4194, 721166, 200780, 2018, 991,
        134099, 809, 84507, 59174, 527172, 3296, 1887, 112662, 1261, 229660, 15925,
    ];
    let total: u64 = official.iter().sum();
    let mut state = 2020_u64;
    let mut next = |bound: u64| {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % bound
    };
    let counter = Counter::new(&config, CirclePolicy::Reject);
    let mut tally = Tally::new(&config);
    let places = config.polling_places().len() as u64;
    let mut batch: Vec<(Option<PartyId>, Vec<CandidateId>)> = Vec::new();
    for place in 0..places {
        let votes = total / places + u64::from(place < total % places);
        batch.clear();
        for _ in 0..votes {
            // a party in the official proportions
            let mut pick = next(total);
            let party = official
                .iter()
                .position(|&v| {
                    let hit = pick < v;
                    pick = pick.saturating_sub(v);
                    hit
                })
                .unwrap();
            let members: Vec<CandidateIndex> =
                config.candidates_of_party(PartyIndex(party)).collect();
            let top = members.len().min(30) as u64;
            let mut chosen: Vec<CandidateId> = Vec::new();
            if next(5) < 3 {
                for _ in 0..=next(4) {
                    let id = config.candidates()[members[next(top) as usize].get()].id;
                    if !chosen.contains(&id) {
                        chosen.push(id);
                    }
                }
            }
            batch.push((Some(config.parties()[party].id), chosen));
        }
        let id = config.polling_places()[place as usize].id;
        let counted = counter
            .count_batch(
                &mut tally,
                id,
                batch.iter().map(|(p, c)| (*p, c.as_slice())),
                |i, r| panic!("vote {i}: {r}"),
            )
            .unwrap();
        assert_eq!(counted as u64, votes);
    }
    assert_eq!(tally.total_votes(), total);
    let bytes = tally.heap_bytes();
    println!(
        "NR SR 2020-size tally: {total} votes, {places} polling places, {bytes} bytes ({:.1} MiB)",
        bytes as f64 / 1_048_576.0
    );
    assert!(bytes < 16 << 20, "{bytes} bytes");
}
