//! Seats per district with one national threshold (`{"districts": [...]}`).

use electie_tally::TiePolicy;
use electie_tally::apportion::NamedMethod;
use electie_tally::apportion::districts::{District, allocate_districts, national_votes};
use electie_tally::threshold::Contender;
use serde::Serialize;
use serde_json::Value;

use super::SeatsArgs;
use super::input::{self, PartyIn};
use super::list::{plain_method, threshold};
use super::render::{Ordered, name_error};
use crate::error::Result;

#[derive(Serialize)]
struct DistrictOutput {
    method: &'static str,
    seats_total: u64,
    national: Ordered<u64>,
    districts: Ordered<Ordered<u64>>,
    passed_threshold: Ordered<bool>,
}

pub(super) fn run(
    args: &SeatsArgs,
    method: NamedMethod,
    value: &Value,
    tie: TiePolicy,
) -> Result<String> {
    let kind = input::kind(args, method)?;
    let allocation_method = plain_method(args, method, &kind)?;
    let threshold = threshold(args, &kind)?;
    let list = value.as_array().ok_or("districts must be a list")?;
    let mut names: Vec<String> = Vec::new();
    let mut sizes: Vec<u32> = Vec::new();
    let mut raw: Vec<(String, u64, Vec<PartyIn>)> = Vec::new();
    for (i, d) in list.iter().enumerate() {
        let at = format!("districts[{i}]");
        let name = match d.get("name") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(format!("{at}.name must be a string").into()),
        };
        if raw.iter().any(|(n, _, _)| *n == name) {
            return Err(format!("{at}.name {name:?} appears twice").into());
        }
        let seats = d
            .get("seats")
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("{at}.seats must be a non-negative integer"))?;
        let parties = input::read_parties(d.get("parties"), &format!("{at}.parties"))?;
        for p in &parties {
            if !names.contains(&p.name) {
                names.push(p.name.clone());
                sizes.push(p.coalition_size);
            }
        }
        raw.push((name, seats, parties));
    }
    let districts: Vec<District> = raw
        .iter()
        .map(|(_, seats, parties)| District {
            seats: *seats,
            votes: names
                .iter()
                .map(|n| parties.iter().find(|p| &p.name == n).map_or(0, |p| p.votes))
                .collect(),
        })
        .collect();
    let national = national_votes(&districts, names.len())?;
    let contenders: Vec<Contender> = national
        .iter()
        .zip(&sizes)
        .map(|(&votes, &coalition_size)| Contender {
            votes,
            coalition_size,
            won_district_seat: false,
        })
        .collect();
    let eligible = threshold.evaluate(&contenders)?;
    let result = allocate_districts(allocation_method, &districts, names.len(), &eligible, tie)
        .map_err(|e| name_error(&names, e))?;
    let by_name =
        |values: &[u64]| Ordered(names.iter().cloned().zip(values.iter().copied()).collect());
    let output = DistrictOutput {
        method: method.name(),
        seats_total: districts.iter().map(|d| d.seats).sum(),
        national: by_name(&result.national),
        districts: Ordered(
            raw.iter()
                .zip(&result.districts)
                .map(|((name, _, _), a)| (name.clone(), by_name(&a.seats)))
                .collect(),
        ),
        passed_threshold: Ordered(
            names
                .iter()
                .cloned()
                .zip(eligible.iter().copied())
                .collect(),
        ),
    };
    Ok(serde_json::to_string_pretty(&output).map_err(|e| e.to_string())?)
}
