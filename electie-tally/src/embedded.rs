//! The NR SR 2020 election compiled in (feature `nrsr-2020`, off by default): 25
//! parties, 2 736 candidates, 5 998 polling places of the 2020 election to the Slovak
//! National Council and its coalition sizes, from the repository's `data/nrsr_2020/`
//! (the source files; nothing here is a copy).
//!
//! For the programs that run without a configuration directory: `electie simulate`,
//! the reference server started without `--config`, and `electie observe`, which reads
//! a server's configuration over HTTP and so has no `coalitions.json` beside it.
//! The module lives here, not in electie-core, because an election is its ballot *and*
//! its coalition sizes, and the coalition sizes are this crate's data.
//!
//! ```
//! use electie_core::PartyId;
//! use electie_tally::embedded;
//!
//! let config = embedded::nrsr_2020()?;
//! assert_eq!(config.parties().len(), 25);
//! let sizes = embedded::nrsr_2020_coalitions(&config)?;
//! assert_eq!(sizes.of(&config, PartyId(11)), Some(2)); // PS–SPOLU
//! // A configuration with the same ballot gets the same sizes; another gets none.
//! let same = electie_core::ElectionConfig::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020"))?;
//! assert_eq!(embedded::coalitions_if_nrsr_2020(&same), Some(sizes));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use electie_core::ElectionConfig;

use crate::coalition::CoalitionSizes;

const PARTIES: &str = include_str!("../../data/nrsr_2020/parties.json");
const CANDIDATES: &str = include_str!("../../data/nrsr_2020/candidates.json");
const POLLING_PLACES: &str = include_str!("../../data/nrsr_2020/polling_places.json");
const COALITIONS: &str = include_str!("../../data/nrsr_2020/coalitions.json");

/// Loads the embedded NR SR 2020 configuration (about 3 MB of JSON, parsed on each
/// call).
///
/// # Errors
/// None in practice: the texts are checked by this crate's tests. The error names the
/// embedded file otherwise.
pub fn nrsr_2020() -> electie_core::Result<ElectionConfig> {
    ElectionConfig::from_directory_json(PARTIES, CANDIDATES, POLLING_PLACES)
}

/// The coalition sizes of the embedded configuration (its `coalitions.json`: the
/// two-party coalition PS–SPOLU), for `config`'s party indices.
///
/// # Errors
/// [`Error::UnknownParty`](crate::Error::UnknownParty) when `config` lacks a party the
/// file names (a configuration other than NR SR 2020).
pub fn nrsr_2020_coalitions(config: &ElectionConfig) -> crate::Result<CoalitionSizes> {
    CoalitionSizes::from_json(config, COALITIONS)
}

/// The embedded coalition sizes when `config` has exactly the embedded ballot (every
/// party and candidate equal, compared as data, not recognised by name), else `None`.
///
/// For a program that holds a configuration without its directory (`electie
/// observe` reading the server's `/elections/voting-data`).
pub fn coalitions_if_nrsr_2020(config: &ElectionConfig) -> Option<CoalitionSizes> {
    let bundled = nrsr_2020().ok()?;
    if bundled.parties() != config.parties() {
        return None;
    }
    nrsr_2020_coalitions(config).ok()
}
