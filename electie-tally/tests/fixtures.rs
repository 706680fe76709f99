//! Every fixture in `testdata/fixtures/` reproduced: real official results.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use electie_tally::apportion::divisor::Divisor;
use electie_tally::apportion::{Details, DivisorMethod, Method};
use electie_tally::preset::SlovakElection;
use electie_tally::ranked::schulze;
use electie_tally::single_winner::{FirstRound, MajorityBase, first_round, plurality};
use electie_tally::threshold::{Contender, Threshold};
use electie_tally::{Ratio, TiePolicy};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn parties(v: &Value) -> Vec<(String, u64, u32, u64)> {
    v["parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["votes"].as_u64().unwrap(),
                u32::try_from(p["coalition_size"].as_u64().unwrap_or(1)).unwrap(),
                p["seats_official"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn cz_ep_2019_dhondt_with_five_percent() {
    let v = fixture("cz_ep_2019_dhondt.json");
    let parties = parties(&v);
    let contenders: Vec<Contender> = parties.iter().map(|p| Contender::party(p.1)).collect();
    let total: u64 = parties.iter().map(|p| p.1).sum();
    assert_eq!(total, v["total_valid_votes"].as_u64().unwrap());
    let passing = Threshold::percent(Ratio::integer(5))
        .evaluate(&contenders)
        .unwrap();
    let votes: Vec<u64> = parties
        .iter()
        .zip(&passing)
        .map(|(p, &ok)| if ok { p.1 } else { 0 })
        .collect();
    let seats = v["seats"].as_u64().unwrap();
    let a = Method::Divisor(DivisorMethod::DHondt)
        .allocate(&votes, seats, TiePolicy::Fail)
        .unwrap();
    let official: Vec<u64> = parties.iter().map(|p| p.3).collect();
    assert_eq!(a.seats, official);
    let Details::Divisor(d) = &a.details else {
        panic!("divisor details expected")
    };
    // "ANO 2011 83723.83" = 502343 / 6; "Česká pirátská strana 82711.00" = 330844 / 4
    let last = d.last_elected().unwrap();
    assert_eq!(parties[last.party].0, "ANO 2011");
    assert_eq!(
        last.quotient.divisor,
        Divisor::Fraction {
            numerator: 6,
            denominator: 1
        }
    );
    assert_eq!(format!("{:.2}", last.quotient.to_f64()), "83723.83");
    let next = d.first_not_elected.unwrap();
    assert_eq!(parties[next.party].0, "Česká pirátská strana");
    assert_eq!(format!("{:.2}", next.quotient.to_f64()), "82711.00");
}

#[test]
fn sk_nrsr_2020_official_rvc_and_seats() {
    let v = fixture("sk_nrsr_2020.json");
    let parties = parties(&v);
    let contenders: Vec<Contender> = parties
        .iter()
        .map(|p| Contender {
            votes: p.1,
            coalition_size: p.2,
            won_district_seat: false,
        })
        .collect();
    let r = SlovakElection::national_council()
        .allocate(&contenders)
        .unwrap();
    let expected = &v["expected_intermediate"];
    assert_eq!(r.total_valid, v["total_valid_votes"].as_u64().unwrap());
    assert_eq!(
        r.passing_votes,
        expected["sum_votes_passing"].as_u64().unwrap()
    );
    assert_eq!(r.rvc_exact, Ratio::new(2_061_100, 151).unwrap());
    assert_eq!(
        r.rvc,
        Ratio::integer(expected["rvc_official_published"].as_u64().unwrap().into())
    );
    let passing: Vec<&str> = parties
        .iter()
        .zip(&r.passing)
        .filter(|(_, ok)| **ok)
        .map(|(p, _)| p.0.as_str())
        .collect();
    let expected_passing: Vec<&str> = expected["passing_subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(passing, expected_passing);
    let Details::Quota(q) = &r.allocation.details else {
        panic!("quota details expected")
    };
    assert_eq!(
        q.seats_by_quota.iter().sum::<u64>(),
        expected["seats_after_integer_division"].as_u64().unwrap()
    );
    for (name, remainder) in expected["remainders"].as_object().unwrap() {
        let i = parties.iter().position(|p| &p.0 == name).unwrap();
        assert_eq!(
            q.remainders[i],
            Ratio::integer(remainder.as_u64().unwrap().into()),
            "{name}"
        );
    }
    let remainder_winners: Vec<&str> = (0..parties.len())
        .filter(|&i| q.remainder_seats[i] > 0)
        .map(|i| parties[i].0.as_str())
        .collect();
    let expected_winners: Vec<&str> = expected["remainder_seat_winners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(remainder_winners, expected_winners);
    assert!(q.deducted_seats.iter().all(|&d| d == 0));
    let official: Vec<u64> = parties.iter().map(|p| p.3).collect();
    assert_eq!(r.allocation.seats, official);
    // The key threshold case: PS–SPOLU, a 2-party coalition at 6.96 %.
    let ps = parties
        .iter()
        .position(|p| p.0.starts_with("Koalícia Progresívne"))
        .unwrap();
    assert!(!r.passing[ps]);
}

fn ballots(v: &Value) -> (Vec<String>, Vec<Vec<Option<u32>>>) {
    let candidates: Vec<String> = v["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let ballots = v["ballots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            b.as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_u64().map(|r| u32::try_from(r).unwrap()))
                .collect()
        })
        .collect();
    (candidates, ballots)
}

fn check_schulze(name: &str) -> (Vec<String>, Vec<Vec<usize>>) {
    let v = fixture(name);
    let (candidates, ballots) = ballots(&v);
    assert_eq!(ballots.len() as u64, v["ballots_cast"].as_u64().unwrap());
    let result = schulze(candidates.len(), &ballots).unwrap();
    let matrix = &v["pairwise_matrix_derived"]["row_beats_column"];
    for (x, cx) in candidates.iter().enumerate() {
        for (y, cy) in candidates.iter().enumerate() {
            if x != y {
                assert_eq!(
                    result.pairwise[x][y],
                    matrix[cx][cy].as_u64().unwrap(),
                    "{cx} over {cy}"
                );
            }
        }
    }
    let seats = usize::try_from(v["seats"].as_u64().unwrap()).unwrap();
    let flat: Vec<&str> = result
        .ranking
        .iter()
        .flatten()
        .map(|&i| candidates[i].as_str())
        .collect();
    let winners: Vec<&str> = v["official_winners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(&flat[..seats], winners.as_slice());
    (candidates, result.ranking)
}

#[test]
fn k8s_steering_2021_schulze() {
    let (candidates, ranking) = check_schulze("k8s_steering_2021_schulze.json");
    // strict order; the fixture's notes give the recomputed full order
    assert!(ranking.iter().all(|g| g.len() == 1));
    let flat: Vec<&str> = ranking
        .iter()
        .flatten()
        .map(|&i| candidates[i].as_str())
        .collect();
    assert_eq!(
        flat,
        [
            "parispittman",
            "justaugustus",
            "cblecker",
            "tpepper",
            "deads2k",
            "aojea",
            "lachie83",
            "jeremyrickard",
            "IanColdwater",
            "tashimi",
            "palnabarun",
            "vincepri",
            "saiyam1814"
        ]
    );
}

#[test]
fn k8s_steering_2022_schulze_full_official_ranking() {
    let v = fixture("k8s_steering_2022_schulze.json");
    let (candidates, ranking) = check_schulze("k8s_steering_2022_schulze.json");
    assert!(ranking.iter().all(|g| g.len() == 1));
    let flat: Vec<&str> = ranking
        .iter()
        .flatten()
        .map(|&i| candidates[i].as_str())
        .collect();
    let official: Vec<&str> = v["official_full_ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(flat, official);
}

#[test]
fn sk_president_2019_two_rounds() {
    let v = fixture("sk_president_2019.json");
    let round1 = &v["round1"];
    let names: Vec<&str> = round1["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    let votes: Vec<u64> = round1["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["votes"].as_u64().unwrap())
        .collect();
    assert_eq!(
        votes.iter().sum::<u64>(),
        round1["total_valid_votes"].as_u64().unwrap()
    );
    let expected: Vec<&str> = round1["official_outcome"]["advance_to_round2"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    // Registered voters are not in the fixture (~4.429 million): both readings agree.
    for base in [
        MajorityBase::ValidVotes,
        MajorityBase::RegisteredVoters(4_429_000),
    ] {
        let FirstRound::Runoff { finalists, tie } =
            first_round(&votes, base, TiePolicy::Fail).unwrap()
        else {
            panic!("nobody has a majority in round 1")
        };
        assert!(tie.is_none());
        assert_eq!(
            [names[finalists[0]], names[finalists[1]]],
            [expected[0], expected[1]]
        );
    }
    let round2 = &v["round2"]["candidates"];
    let votes2: Vec<u64> = round2
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["votes"].as_u64().unwrap())
        .collect();
    let winner = plurality(&votes2, TiePolicy::Fail).unwrap();
    assert_eq!(round2[winner]["name"], v["round2"]["official_winner"]);
}
