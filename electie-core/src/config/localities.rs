//! The election's texts and the localities of its polling places (regions, counties,
//! municipalities), as both JSON forms carry them.

use serde::{Deserialize, Serialize};

use crate::models::{PollingPlace, Text};

/// The election's texts (`texts` in both JSON forms).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ElectionTexts {
    /// Short name of the election.
    #[serde(default)]
    pub elections_name_short: Text,
    /// Long name of the election.
    #[serde(default)]
    pub elections_name_long: Text,
    /// Election date.
    #[serde(default)]
    pub election_date: Text,
    /// Contact text, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Text>,
}

/// A region (kraj).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    /// Region code.
    pub code: i64,
    /// Region name.
    pub name: String,
}

/// A county (okres).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct County {
    /// County code.
    pub code: i64,
    /// County name.
    pub name: String,
    /// The region it lies in.
    pub region_code: i64,
}

/// A municipality (obec).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Municipality {
    /// Municipality code.
    pub code: i64,
    /// Municipality name.
    pub name: String,
    /// The region it lies in.
    pub region_code: i64,
    /// The county it lies in.
    pub county_code: i64,
}

pub(super) fn localities_of(
    places: &[PollingPlace],
) -> (Vec<Region>, Vec<County>, Vec<Municipality>) {
    let mut regions: Vec<Region> = Vec::new();
    let mut counties: Vec<County> = Vec::new();
    let mut municipalities: Vec<Municipality> = Vec::new();
    let mut seen = (
        rustc_hash::FxHashSet::default(),
        rustc_hash::FxHashSet::default(),
        rustc_hash::FxHashSet::default(),
    );
    for place in places {
        if seen.0.insert(place.region_code) {
            regions.push(Region {
                code: place.region_code,
                name: place.region_name.clone(),
            });
        }
        if seen.1.insert(place.county_code) {
            counties.push(County {
                code: place.county_code,
                name: place.county_name.clone(),
                region_code: place.region_code,
            });
        }
        if seen.2.insert(place.municipality_code) {
            municipalities.push(Municipality {
                code: place.municipality_code,
                name: place.municipality_name.clone(),
                region_code: place.region_code,
                county_code: place.county_code,
            });
        }
    }
    (regions, counties, municipalities)
}
