//! Allocate seats for arbitrary votes with every method and tie policy (JSON input
//! `{"votes": [...], "seats": n, "method": k, "tie": t}`): an allocation fills the house
//! exactly, anything else is an error, never a panic.
#![no_main]

use electie_tally::apportion::{DivisorMethod, Method, QuotaMethod, QuotaRounding};
use electie_tally::preset::SlovakElection;
use electie_tally::threshold::Contender;
use electie_tally::{Ratio, TiePolicy};
use libfuzzer_sys::fuzz_target;

#[derive(serde::Deserialize)]
struct Input {
    votes: Vec<u64>,
    seats: u64,
    #[serde(default)]
    method: u8,
    #[serde(default)]
    tie: u8,
    #[serde(default)]
    coalition_sizes: Vec<u32>,
}

fn method(index: u8) -> Option<Method> {
    let divisors = [
        DivisorMethod::DHondt,
        DivisorMethod::SainteLague,
        DivisorMethod::ModifiedSainteLague { first_divisor: Ratio::new(7, 5).ok()? },
        DivisorMethod::Imperiali,
        DivisorMethod::Danish,
        DivisorMethod::HuntingtonHill,
        DivisorMethod::Adams,
        DivisorMethod::Dean,
    ];
    let quotas = [QuotaMethod::Hare, QuotaMethod::Droop, QuotaMethod::HagenbachBischoff, QuotaMethod::Imperiali];
    let roundings = [QuotaRounding::Exact, QuotaRounding::Floor, QuotaRounding::Ceil, QuotaRounding::NearestHalfUp];
    let index = usize::from(index);
    divisors.get(index).map(|&d| Method::Divisor(d)).or_else(|| {
        let q = index.checked_sub(divisors.len())?;
        Some(Method::Quota { quota: *quotas.get(q / 4)?, rounding: roundings[q % 4] })
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = serde_json::from_slice::<Input>(data) else { return };
    let tie = [TiePolicy::Fail, TiePolicy::MoreVotesThenFail, TiePolicy::MoreVotesThenLot { seed: 7 }, TiePolicy::ListOrder][usize::from(input.tie % 4)];
    if let Some(method) = method(input.method) {
        if let Ok(allocation) = method.allocate(&input.votes, input.seats, tie) {
            assert_eq!(allocation.seats.iter().sum::<u64>(), input.seats, "{method:?}");
        }
    } else {
        let mut preset = if input.method % 2 == 0 { SlovakElection::national_council() } else { SlovakElection::european_parliament() };
        preset.seats = input.seats;
        preset.tie = tie;
        let subjects: Vec<Contender> = input.votes.iter().enumerate().map(|(i, &votes)| Contender { votes, coalition_size: input.coalition_sizes.get(i).copied().unwrap_or(1), won_district_seat: false }).collect();
        if let Ok(result) = preset.allocate(&subjects) {
            assert!(result.allocation.seats.iter().sum::<u64>() <= input.seats);
        }
    }
});
