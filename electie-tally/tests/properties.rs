//! Invariants: seats sum to the house size, divisor methods are house-monotone, Hare
//! stays within quota, `merge` is associative and commutative, order does not matter.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use electie_core::{CandidateIndex, PartyIndex, PollingPlaceIndex};
use electie_tally::apportion::quota::{QuotaMethod, QuotaRounding};
use electie_tally::apportion::{Details, DivisorMethod, Method};
use electie_tally::count::Tally;
use electie_tally::{Ratio, TiePolicy};
use proptest::prelude::*;

fn divisor_methods() -> Vec<DivisorMethod> {
    vec![
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
}

fn all_methods() -> Vec<Method> {
    let mut methods: Vec<Method> = divisor_methods().into_iter().map(Method::Divisor).collect();
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

/// Votes with at least one positive entry, sometimes with many equal values.
fn votes() -> impl Strategy<Value = Vec<u64>> {
    prop_oneof![
        prop::collection::vec(0u64..1_000_000, 1..30),
        prop::collection::vec(prop_oneof![Just(0u64), Just(10), Just(20), 1u64..50], 1..12),
    ]
    .prop_filter("some votes", |v| v.iter().any(|&x| x > 0))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn seats_sum_to_the_house_size(votes in votes(), seats in 0u64..300) {
        let total: u64 = votes.iter().sum();
        for method in all_methods() {
            match method.allocate(&votes, seats, TiePolicy::ListOrder) {
                Ok(a) => {
                    prop_assert_eq!(a.total(), seats, "{:?}", method);
                    for (s, v) in a.seats.iter().zip(&votes) {
                        prop_assert!(*v > 0 || *s == 0, "no votes, no seat");
                    }
                }
                // a quota rounded down to zero on tiny totals is the only refusal
                Err(e) => prop_assert!(
                    matches!(e, electie_tally::Error::ZeroQuota) && total < seats + 2,
                    "{:?}: {}", method, e
                ),
            }
        }
    }

    #[test]
    fn divisor_methods_are_house_monotone(votes in votes(), seats in 0u64..120) {
        for method in divisor_methods() {
            let small = method.allocate(&votes, seats, TiePolicy::ListOrder).unwrap();
            let large = method.allocate(&votes, seats + 1, TiePolicy::ListOrder).unwrap();
            for (a, b) in small.seats.iter().zip(&large.seats) {
                prop_assert!(b >= a, "{:?}", method);
            }
        }
    }

    #[test]
    fn hare_stays_within_quota(votes in votes(), seats in 1u64..300) {
        let total: u128 = votes.iter().map(|&v| u128::from(v)).sum();
        let a = QuotaMethod::Hare.allocate(&votes, seats, QuotaRounding::Exact, TiePolicy::ListOrder).unwrap();
        for (&s, &v) in a.seats.iter().zip(&votes) {
            // exact share v * S / V: floor <= seats <= ceil
            let share = u128::from(v) * u128::from(seats);
            let floor = share / total;
            let ceil = share.div_ceil(total);
            prop_assert!(u128::from(s) >= floor && u128::from(s) <= ceil);
        }
    }

    #[test]
    fn quota_seats_are_floors_of_votes_over_quota(votes in votes(), seats in 1u64..300) {
        for quota in [QuotaMethod::Hare, QuotaMethod::Droop, QuotaMethod::HagenbachBischoff, QuotaMethod::Imperiali] {
            let Ok(a) = quota.allocate(&votes, seats, QuotaRounding::Exact, TiePolicy::ListOrder) else { continue };
            let Details::Quota(d) = &a.details else { unreachable!() };
            for (i, &v) in votes.iter().enumerate() {
                let expected = u128::from(v) * d.quota.denominator() / d.quota.numerator();
                prop_assert_eq!(u128::from(d.seats_by_quota[i]), expected);
                prop_assert_eq!(a.seats[i], d.seats_by_quota[i] + d.remainder_seats[i] - d.deducted_seats[i]);
            }
        }
    }
}

type Ballot = (usize, Option<usize>, Vec<usize>);

fn ballots() -> impl Strategy<Value = Vec<Ballot>> {
    prop::collection::vec(
        (
            0usize..4,
            prop::option::of(0usize..3),
            prop::collection::vec(0usize..5, 0..3),
        ),
        0..60,
    )
    .prop_map(|v| {
        v.into_iter()
            .map(|(place, party, cands)| {
                if party.is_none() {
                    (place, None, Vec::new())
                } else {
                    (place, party, cands)
                }
            })
            .collect()
    })
}

fn tally_of(ballots: &[Ballot]) -> Tally {
    let mut t = Tally::with_shape(3, 5, 4);
    for (place, party, cands) in ballots {
        let cands: Vec<CandidateIndex> = cands.iter().copied().map(CandidateIndex).collect();
        t.add_indexed(PollingPlaceIndex(*place), party.map(PartyIndex), &cands)
            .unwrap();
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn merge_is_associative_and_commutative(a in ballots(), b in ballots(), c in ballots()) {
        let (ta, tb, tc) = (tally_of(&a), tally_of(&b), tally_of(&c));
        let mut ab = ta.clone();
        ab.merge(&tb).unwrap();
        let mut ba = tb.clone();
        ba.merge(&ta).unwrap();
        prop_assert_eq!(&ab, &ba);
        let mut ab_c = ab.clone();
        ab_c.merge(&tc).unwrap();
        let mut bc = tb.clone();
        bc.merge(&tc).unwrap();
        let mut a_bc = ta.clone();
        a_bc.merge(&bc).unwrap();
        prop_assert_eq!(&ab_c, &a_bc);
        // and merging equals counting everything in one tally
        let all: Vec<Ballot> = a.iter().chain(&b).chain(&c).cloned().collect();
        prop_assert_eq!(&ab_c, &tally_of(&all));
    }

    #[test]
    fn a_shuffled_batch_tallies_the_same(batch in ballots().prop_flat_map(|b| {
        let shuffled = Just(b.clone()).prop_shuffle();
        (Just(b), shuffled)
    })) {
        let (original, shuffled) = batch;
        prop_assert_eq!(tally_of(&original), tally_of(&shuffled));
    }
}

/// The plainest possible divisor allocation: S rounds, each seat to the best quotient,
/// equal quotients to the earlier party.
fn reference(method: DivisorMethod, votes: &[u64], seats: u64) -> Vec<u64> {
    use electie_tally::apportion::divisor::Quotient;
    let mut held = vec![0u64; votes.len()];
    for _ in 0..seats {
        let mut best: Option<(usize, Quotient)> = None;
        for (party, &v) in votes.iter().enumerate() {
            if v == 0 {
                continue;
            }
            let q = Quotient {
                votes: v,
                divisor: method.divisor(held[party]),
            };
            if best.is_none_or(|(_, b)| q.cmp_exact(&b) == std::cmp::Ordering::Greater) {
                best = Some((party, q));
            }
        }
        held[best.unwrap().0] += 1;
    }
    held
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn divisor_methods_match_the_plain_definition(votes in votes(), seats in 0u64..400) {
        for method in divisor_methods() {
            let fast = method.allocate(&votes, seats, TiePolicy::ListOrder).unwrap();
            prop_assert_eq!(&fast.seats, &reference(method, &votes, seats), "{:?}", method);
            let Details::Divisor(d) = &fast.details else { unreachable!() };
            if seats > 0 {
                prop_assert_eq!(d.last_elected().map(|a| a.seat), Some(seats));
            }
        }
    }
}
