//! Hand-made cases: textbook results, ties, over-allocation, zero votes, one party.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use electie_tally::apportion::quota::{QuotaMethod, QuotaRounding};
use electie_tally::apportion::{Details, DivisorMethod, Method};
use electie_tally::preset::SlovakElection;
use electie_tally::threshold::Contender;
use electie_tally::tie::TieRule;
use electie_tally::{Error, Ratio, TiePolicy};

const VOTES: [u64; 6] = [47_000, 16_000, 15_800, 12_000, 6_100, 3_100];

fn divisor(method: DivisorMethod, votes: &[u64], seats: u64) -> Vec<u64> {
    method
        .allocate(votes, seats, TiePolicy::Fail)
        .unwrap()
        .seats
}

#[test]
fn divisor_methods_textbook() {
    // cross-checked with an independent float implementation (no ties in this input)
    let cases = [
        (DivisorMethod::DHondt, [5, 2, 2, 1, 0, 0]),
        (DivisorMethod::SainteLague, [4, 2, 2, 1, 1, 0]),
        (
            DivisorMethod::ModifiedSainteLague {
                first_divisor: Ratio::new(7, 5).unwrap(),
            },
            [5, 2, 2, 1, 0, 0],
        ),
        (DivisorMethod::Imperiali, [7, 1, 1, 1, 0, 0]),
        (DivisorMethod::Danish, [4, 2, 2, 1, 1, 0]),
        (DivisorMethod::HuntingtonHill, [4, 2, 1, 1, 1, 1]),
        (DivisorMethod::Adams, [3, 2, 2, 1, 1, 1]),
        (DivisorMethod::Dean, [4, 2, 1, 1, 1, 1]),
    ];
    for (method, expected) in cases {
        assert_eq!(divisor(method, &VOTES, 10), expected, "{method:?}");
    }
}

#[test]
fn zero_divisor_methods_with_fewer_seats_than_parties() {
    for method in [
        DivisorMethod::Adams,
        DivisorMethod::HuntingtonHill,
        DivisorMethod::Dean,
    ] {
        assert_eq!(
            divisor(method, &[5, 100, 1000, 2], 3),
            [1, 1, 1, 0],
            "{method:?}"
        );
        // equal votes at the boundary are a tie, not a silent order
        let err = method
            .allocate(&[5, 5, 1000], 2, TiePolicy::MoreVotesThenFail)
            .unwrap_err();
        assert_eq!(
            err,
            Error::Tie {
                tied: vec![0, 1],
                contested: 1,
                first_seat: 2
            }
        );
    }
}

#[test]
fn quota_methods_textbook() {
    let run =
        |q: QuotaMethod, r: QuotaRounding| q.allocate(&VOTES, 10, r, TiePolicy::Fail).unwrap();
    assert_eq!(
        run(QuotaMethod::Hare, QuotaRounding::Exact).seats,
        [5, 2, 1, 1, 1, 0]
    );
    // Droop = floor(100000/11)+1 = 9091
    let droop = run(QuotaMethod::Droop, QuotaRounding::Exact);
    let Details::Quota(d) = &droop.details else {
        panic!()
    };
    assert_eq!(d.quota, Ratio::integer(9091));
    assert_eq!(droop.seats, [5, 2, 2, 1, 0, 0]);
    assert_eq!(
        run(QuotaMethod::HagenbachBischoff, QuotaRounding::Exact).seats,
        [5, 2, 2, 1, 0, 0]
    );
    assert_eq!(
        run(QuotaMethod::Imperiali, QuotaRounding::Floor)
            .seats
            .iter()
            .sum::<u64>(),
        10
    );
}

#[test]
fn imperiali_quota_over_allocation_is_deducted_from_smallest_remainders() {
    // quota 100/(2+2) = 25: quota seats 2 + 1 + 0 = 3 > 2
    let a = QuotaMethod::Imperiali
        .allocate(&[50, 26, 24], 2, QuotaRounding::Exact, TiePolicy::Fail)
        .unwrap();
    let Details::Quota(d) = &a.details else {
        panic!()
    };
    assert_eq!(d.seats_by_quota, [2, 1, 0]);
    // remainders 0 and 1: the party with remainder 0 gives a seat back
    assert_eq!(d.deducted_seats, [1, 0, 0]);
    assert_eq!(a.seats, [1, 1, 0]);
}

#[test]
fn quota_rounding_changes_the_quota() {
    let votes = [700, 200, 101];
    let q = |r| QuotaMethod::Hare.quota(1001, 3, r).unwrap();
    assert_eq!(q(QuotaRounding::Exact), Ratio::new(1001, 3).unwrap());
    assert_eq!(q(QuotaRounding::Floor), Ratio::integer(333));
    assert_eq!(q(QuotaRounding::Ceil), Ratio::integer(334));
    assert_eq!(q(QuotaRounding::NearestHalfUp), Ratio::integer(334));
    for r in [
        QuotaRounding::Exact,
        QuotaRounding::Floor,
        QuotaRounding::Ceil,
        QuotaRounding::NearestHalfUp,
    ] {
        let a = QuotaMethod::Hare
            .allocate(&votes, 3, r, TiePolicy::Fail)
            .unwrap();
        assert_eq!(a.total(), 3);
    }
}

#[test]
fn remainder_ties_follow_the_policy() {
    // Hare quota 100: remainders 50, 50 for one seat
    let votes = [150, 50];
    let a = QuotaMethod::Hare
        .allocate(
            &votes,
            2,
            QuotaRounding::Exact,
            TiePolicy::MoreVotesThenFail,
        )
        .unwrap();
    assert_eq!(a.seats, [2, 0]);
    assert_eq!(a.ties[0].rule, TieRule::MoreVotes);
    let err = QuotaMethod::Hare
        .allocate(&votes, 2, QuotaRounding::Exact, TiePolicy::Fail)
        .unwrap_err();
    assert!(
        matches!(err, Error::Tie { ref tied, contested: 1, first_seat: 2 } if tied == &vec![0, 1])
    );
    // equal votes and remainders: lot with a recorded seed, or list order
    let equal = [50, 50, 100];
    let lot = QuotaMethod::Hare
        .allocate(
            &equal,
            2,
            QuotaRounding::Exact,
            TiePolicy::MoreVotesThenLot { seed: 7 },
        )
        .unwrap();
    assert_eq!(lot.total(), 2);
    assert_eq!(lot.ties[0].rule, TieRule::Lot { seed: 7 });
    let again = QuotaMethod::Hare
        .allocate(
            &equal,
            2,
            QuotaRounding::Exact,
            TiePolicy::MoreVotesThenLot { seed: 7 },
        )
        .unwrap();
    assert_eq!(lot, again);
    let listed = QuotaMethod::Hare
        .allocate(&equal, 2, QuotaRounding::Exact, TiePolicy::ListOrder)
        .unwrap();
    assert_eq!(listed.seats, [1, 0, 1]);
    assert!(
        QuotaMethod::Hare
            .allocate(
                &equal,
                2,
                QuotaRounding::Exact,
                TiePolicy::MoreVotesThenFail
            )
            .is_err()
    );
}

#[test]
fn divisor_ties_that_do_not_matter_are_not_errors() {
    // two equal parties and two seats: both get one, no tie to break
    let a = DivisorMethod::DHondt
        .allocate(&[10, 10], 2, TiePolicy::Fail)
        .unwrap();
    assert_eq!(a.seats, [1, 1]);
    assert!(a.ties.is_empty());
    let err = DivisorMethod::DHondt
        .allocate(&[10, 10], 3, TiePolicy::Fail)
        .unwrap_err();
    assert_eq!(
        err,
        Error::Tie {
            tied: vec![0, 1],
            contested: 1,
            first_seat: 3
        }
    );
}

#[test]
fn zero_votes_and_one_party() {
    for method in all_methods() {
        assert_eq!(
            method.allocate(&[0, 0], 5, TiePolicy::Fail).unwrap_err(),
            Error::NoVotes,
            "{method:?}"
        );
        assert_eq!(
            method.allocate(&[0, 0], 0, TiePolicy::Fail).unwrap().seats,
            [0, 0],
            "{method:?}"
        );
        assert_eq!(
            method
                .allocate(&[0, 7, 0], 5, TiePolicy::Fail)
                .unwrap()
                .seats,
            [0, 5, 0],
            "{method:?}"
        );
        assert_eq!(
            method.allocate(&[], 0, TiePolicy::Fail).unwrap().seats,
            Vec::<u64>::new()
        );
    }
}

#[test]
fn house_size_guard() {
    let err = DivisorMethod::DHondt
        .allocate(&[1], 10_000_001, TiePolicy::Fail)
        .unwrap_err();
    assert_eq!(err, Error::TooManySeats { seats: 10_000_001 });
}

#[test]
fn large_house_is_exact() {
    let votes: Vec<u64> = (1..=1000).map(|i| i * 7919 % 100_003 + 1).collect();
    for method in all_methods() {
        let a = method
            .allocate(&votes, 10_000, TiePolicy::MoreVotesThenLot { seed: 1 })
            .unwrap();
        assert_eq!(a.total(), 10_000, "{method:?}");
    }
}

#[test]
fn slovak_over_allocation_and_deduction() {
    // Tiny electorate: RVČ = round(302/151) = 2, quota seats 76 + 75 = 151 > 150.
    let r = SlovakElection::national_council()
        .allocate(&[Contender::party(152), Contender::party(150)])
        .unwrap();
    assert_eq!(r.rvc, Ratio::integer(2));
    let Details::Quota(d) = &r.allocation.details else {
        panic!()
    };
    assert_eq!(d.seats_by_quota, [76, 75]);
    assert_eq!(d.remainders, [Ratio::integer(0), Ratio::integer(0)]);
    // equal remainders: fewer votes gives back first
    assert_eq!(d.deducted_seats, [0, 1]);
    assert_eq!(r.allocation.seats, [76, 74]);
}

#[test]
fn slovak_european_parliament_preset() {
    let mut ep = SlovakElection::european_parliament();
    assert_eq!(ep.seats, 13);
    ep.seats = 14;
    let subjects = [
        Contender::party(198_255),
        Contender {
            votes: 198_255,
            coalition_size: 2,
            won_district_seat: false,
        },
        Contender::party(154_996),
        Contender::party(118_995),
        Contender::party(97_037),
        Contender::party(66_527),
        Contender::party(40_000),
    ];
    let r = ep.allocate(&subjects).unwrap();
    assert_eq!(r.allocation.total(), 14);
    // a flat 5 %: the coalition passes like a party
    assert!(r.passing[1]);
}

fn all_methods() -> Vec<Method> {
    let mut methods: Vec<Method> = [
        DivisorMethod::DHondt,
        DivisorMethod::SainteLague,
        DivisorMethod::ModifiedSainteLague {
            first_divisor: Ratio::new(7, 5).unwrap(),
        },
        DivisorMethod::Imperiali,
        DivisorMethod::Danish,
        DivisorMethod::HuntingtonHill,
        DivisorMethod::Adams,
        DivisorMethod::Dean,
    ]
    .into_iter()
    .map(Method::Divisor)
    .collect();
    for quota in [
        QuotaMethod::Hare,
        QuotaMethod::Droop,
        QuotaMethod::HagenbachBischoff,
        QuotaMethod::Imperiali,
    ] {
        for rounding in [
            QuotaRounding::Exact,
            QuotaRounding::Floor,
            QuotaRounding::Ceil,
            QuotaRounding::NearestHalfUp,
        ] {
            methods.push(Method::Quota { quota, rounding });
        }
    }
    methods
}

/// Slovak EP 2014, from the Statistical Office's table
/// (volby.statistics.sk/ep/ep2014/EP-dv/Tabulka4_en.html): 8 subjects passed 5 %,
/// 439 522 votes, REN 31 394, SDKÚ–DS won the only remainder seat. The 3-party
/// coalition NOVA–KDS–ODS passed with 6.83 %: the EP threshold is a flat 5 %.
#[test]
fn slovak_european_parliament_2014_official() {
    let passing = [
        ("NOVA-KDS-ODS", 38_316, 3, 1),
        ("KDH", 74_108, 1, 2),
        ("SMER-SD", 135_089, 1, 4),
        ("MOST-HÍD", 32_708, 1, 1),
        ("OĽaNO", 41_829, 1, 1),
        ("SaS", 37_376, 1, 1),
        ("SDKÚ-DS", 43_467, 1, 2),
        ("SMK-MKP", 36_629, 1, 1),
    ];
    let mut subjects: Vec<Contender> = passing
        .iter()
        .map(|&(_, votes, coalition_size, _)| Contender {
            votes,
            coalition_size,
            won_district_seat: false,
        })
        .collect();
    // minor subjects: 121 081 votes in all, each below 5 % of 560 603
    subjects.extend([25_000, 25_000, 25_000, 25_000, 21_081].map(Contender::party));
    let r = SlovakElection::european_parliament()
        .allocate(&subjects)
        .unwrap();
    assert_eq!(r.passing_votes, 439_522);
    assert_eq!(r.rvc, Ratio::integer(31_394));
    let official: Vec<u64> = passing.iter().map(|p| p.3).chain([0; 5]).collect();
    assert_eq!(r.allocation.seats, official);
    let Details::Quota(d) = &r.allocation.details else {
        panic!()
    };
    assert_eq!(d.remainder_seats[6], 1);
    assert_eq!(d.remainder_seats.iter().sum::<u64>(), 1);
}

/// NR SR 2016: the eight passing subjects (votes as published by the Statistical
/// Office, e.g. volby.statistics.sk/nrsr/nrsr2016), RVČ 14 997 from 2 264 473 / 151 =
/// 14 996.51, seats 49/21/19/15/14/11/11/10.
#[test]
fn slovak_national_council_2016_official() {
    let votes = [
        737_481, 315_558, 287_611, 225_386, 209_779, 172_860, 169_593, 146_205,
    ];
    let subjects: Vec<Contender> = votes.iter().map(|&v| Contender::party(v)).collect();
    let r = SlovakElection::national_council()
        .allocate(&subjects)
        .unwrap();
    assert_eq!(r.passing_votes, 2_264_473);
    assert_eq!(r.rvc, Ratio::integer(14_997));
    assert_eq!(r.allocation.seats, [49, 21, 19, 15, 14, 11, 11, 10]);
}
