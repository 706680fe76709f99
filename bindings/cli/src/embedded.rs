//! The NR SR 2020 configuration, compiled into the binary so `electie simulate` needs no
//! file: 25 parties, 2 736 candidates and 5 998 polling places of the 2020 election to
//! the Slovak National Council (the `data/nrsr_2020/` directory of the repository).

use electie_core::{ElectionConfig, Result};
use electie_tally::coalition::CoalitionSizes;

const PARTIES: &str = include_str!("../../../data/nrsr_2020/parties.json");
const CANDIDATES: &str = include_str!("../../../data/nrsr_2020/candidates.json");
const POLLING_PLACES: &str = include_str!("../../../data/nrsr_2020/polling_places.json");
const COALITIONS: &str = include_str!("../../../data/nrsr_2020/coalitions.json");

/// Loads the embedded NR SR 2020 configuration (about 3 MB of JSON, parsed on each call).
///
/// ```
/// let config = electie_cli::embedded::nrsr_2020()?;
/// assert_eq!(config.parties().len(), 25);
/// assert_eq!(config.polling_places().len(), 5_998);
/// # Ok::<(), electie_core::Error>(())
/// ```
///
/// # Errors
/// None in practice: the texts are checked by this crate's tests. The error names the
/// embedded file otherwise.
pub fn nrsr_2020() -> Result<ElectionConfig> {
    ElectionConfig::from_directory_json(PARTIES, CANDIDATES, POLLING_PLACES)
}

/// The coalition sizes of the embedded configuration (its `coalitions.json`: the
/// two-party coalition PS–SPOLU).
///
/// ```
/// use electie_core::PartyId;
/// let config = electie_cli::embedded::nrsr_2020()?;
/// let sizes = electie_cli::embedded::nrsr_2020_coalitions(&config)?;
/// assert_eq!(sizes.of(&config, PartyId(11)), Some(2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// None in practice: the text is checked by this crate's tests.
pub fn nrsr_2020_coalitions(config: &ElectionConfig) -> electie_tally::Result<CoalitionSizes> {
    CoalitionSizes::from_json(config, COALITIONS)
}
