//! Coalition sizes: how many parties each subject on the ballot stands for, which
//! decides its threshold (NR SR: 5 % for one party, 7 % for 2–3, 10 % for 4 or more).
//!
//! A coalition size is configuration data, never guessed from a name. It comes from
//! the election's `coalitions.json` (beside `parties.json` in a configuration
//! directory), from the command line (`--coalition PARTY_ID=SIZE`) or from Python
//! (`coalition_sizes={party_id: size}`), and every one of them is read here:
//!
//! ```
//! use electie_core::{ElectionConfig, PartyId};
//! use electie_tally::coalition::{CoalitionSize, CoalitionSizes};
//!
//! let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020");
//! let config = ElectionConfig::load(directory)?;
//! // data/nrsr_2020/coalitions.json: PS–SPOLU (party id 11) is two parties
//! let mut sizes = CoalitionSizes::beside(&config, directory)?;
//! assert_eq!(sizes.of(&config, PartyId(11)), Some(2));
//! assert_eq!(sizes.of(&config, PartyId(10)), Some(1));
//!
//! let given: CoalitionSize = "3=4".parse()?;
//! sizes.set(&config, given)?;
//! assert_eq!(sizes.of(&config, PartyId(3)), Some(4));
//! assert!(sizes.set(&config, "99=2".parse()?).is_err()); // no party 99
//! assert!("3=0".parse::<CoalitionSize>().is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::Path;
use std::str::FromStr;

use electie_core::{ElectionConfig, PartyId};
use serde::Deserialize;

use crate::error::{Error, Result};

/// The file of a configuration directory that holds its coalition sizes.
pub const FILE_NAME: &str = "coalitions.json";

/// One party's coalition size, as `PARTY_ID=SIZE` on a command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CoalitionSize {
    /// The party (a subject on the ballot).
    pub party: PartyId,
    /// How many parties it stands for (at least 1).
    pub size: u32,
}

impl CoalitionSize {
    /// A size for `party`.
    ///
    /// # Errors
    ///
    /// [`Error::ZeroCoalitionSize`] for a size of 0.
    pub fn new(party: PartyId, size: u32) -> Result<Self> {
        if size == 0 {
            return Err(Error::ZeroCoalitionSize { party: party.0 });
        }
        Ok(Self { party, size })
    }
}

impl FromStr for CoalitionSize {
    type Err = Error;

    /// Reads `PARTY_ID=SIZE` (spaces around either number allowed).
    fn from_str(text: &str) -> Result<Self> {
        let invalid = |problem| Error::InvalidCoalitionSize {
            text: text.to_owned(),
            problem,
        };
        let (party, size) = text
            .split_once('=')
            .ok_or_else(|| invalid("must be PARTY_ID=SIZE"))?;
        let party: i64 = party
            .trim()
            .parse()
            .map_err(|_| invalid("party id must be an integer"))?;
        let size: u32 = size
            .trim()
            .parse()
            .map_err(|_| invalid("size must be a positive integer"))?;
        Self::new(PartyId(party), size)
    }
}

/// Coalition size per party of one configuration (dense party index); 1 unless set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CoalitionSizes {
    sizes: Vec<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    party_id: i64,
    coalition_size: u32,
}

impl CoalitionSizes {
    /// Every party of `config` a single party.
    pub fn singles(config: &ElectionConfig) -> Self {
        Self {
            sizes: vec![1; config.parties().len()],
        }
    }

    /// Sets one party's size (a later size for the same party replaces an earlier
    /// one, so a command line can override a file).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownParty`] for a party `config` does not have.
    pub fn set(&mut self, config: &ElectionConfig, given: CoalitionSize) -> Result<()> {
        let index = config
            .party_index(given.party)
            .ok_or(Error::UnknownParty(given.party.0))?;
        if self.sizes.len() != config.parties().len() {
            self.sizes.resize(config.parties().len(), 1);
        }
        self.sizes[index.get()] = given.size;
        Ok(())
    }

    /// Singles except the sizes given.
    ///
    /// # Errors
    ///
    /// As [`CoalitionSizes::set`].
    pub fn from_sizes(
        config: &ElectionConfig,
        sizes: impl IntoIterator<Item = CoalitionSize>,
    ) -> Result<Self> {
        let mut out = Self::singles(config);
        for size in sizes {
            out.set(config, size)?;
        }
        Ok(out)
    }

    /// Reads a `coalitions.json` text: a list of `{"party_id": …, "coalition_size": …}`
    /// (no other fields, each party at most once); parties not listed are single.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCoalitionSize`] for text that is not such a list or names a
    /// party twice, [`Error::ZeroCoalitionSize`], [`Error::UnknownParty`].
    pub fn from_json(config: &ElectionConfig, text: &str) -> Result<Self> {
        let entries: Vec<Entry> =
            serde_json::from_str(text).map_err(|_| Error::InvalidCoalitionSize {
                text: FILE_NAME.to_owned(),
                problem: "must be a list of {\"party_id\": integer, \"coalition_size\": positive integer}",
            })?;
        let mut out = Self::singles(config);
        let mut seen = Vec::with_capacity(entries.len());
        for entry in entries {
            if seen.contains(&entry.party_id) {
                return Err(Error::InvalidCoalitionSize {
                    text: FILE_NAME.to_owned(),
                    problem: "names a party twice",
                });
            }
            seen.push(entry.party_id);
            out.set(
                config,
                CoalitionSize::new(PartyId(entry.party_id), entry.coalition_size)?,
            )?;
        }
        Ok(out)
    }

    /// The sizes of a configuration loaded from `config_path`: its directory's
    /// `coalitions.json` when there is one, else every party single (a configuration
    /// file, or a directory without coalitions).
    ///
    /// # Errors
    ///
    /// As [`CoalitionSizes::from_json`], and [`Error::InvalidCoalitionSize`] when the
    /// file exists but cannot be read.
    pub fn beside(config: &ElectionConfig, config_path: impl AsRef<Path>) -> Result<Self> {
        let path = config_path.as_ref().join(FILE_NAME);
        if !config_path.as_ref().is_dir() || !path.exists() {
            return Ok(Self::singles(config));
        }
        let text = std::fs::read_to_string(&path).map_err(|_| Error::InvalidCoalitionSize {
            text: path.display().to_string(),
            problem: "cannot be read",
        })?;
        Self::from_json(config, &text)
    }

    /// The size of party `party`, if `config` has it.
    pub fn of(&self, config: &ElectionConfig, party: PartyId) -> Option<u32> {
        config
            .party_index(party)
            .map(|index| self.sizes.get(index.get()).copied().unwrap_or(1))
    }

    /// Every size set, by dense party index (a party past the end is single).
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.sizes.iter().copied()
    }

    /// Sizes by dense party index (1 for a party past the end).
    pub fn get(&self, party_index: usize) -> u32 {
        self.sizes.get(party_index).copied().unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ElectionConfig {
        ElectionConfig::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020"))
            .expect("the bundled configuration loads")
    }

    #[test]
    fn command_line_sizes_are_read_exactly() {
        assert_eq!(
            " 11 = 2 ".parse::<CoalitionSize>(),
            Ok(CoalitionSize {
                party: PartyId(11),
                size: 2
            })
        );
        for (text, problem) in [
            ("11", "must be PARTY_ID=SIZE"),
            ("x=2", "party id must be an integer"),
            ("11=x", "size must be a positive integer"),
            ("11=-1", "size must be a positive integer"),
        ] {
            assert_eq!(
                text.parse::<CoalitionSize>(),
                Err(Error::InvalidCoalitionSize {
                    text: text.to_owned(),
                    problem
                })
            );
        }
        assert_eq!(
            "11=0".parse::<CoalitionSize>(),
            Err(Error::ZeroCoalitionSize { party: 11 })
        );
    }

    #[test]
    fn files_are_strict() {
        let config = config();
        let sizes = CoalitionSizes::from_json(
            &config,
            r#"[{"party_id": 11, "coalition_size": 2}, {"party_id": 3, "coalition_size": 4}]"#,
        )
        .unwrap();
        assert_eq!(sizes.get(11), 2);
        assert_eq!(sizes.get(3), 4);
        assert_eq!(sizes.get(0), 1);
        for bad in [
            r#"{"11": 2}"#,
            r#"[{"party_id": 11, "coalition_size": 2, "name": "PS"}]"#,
            r#"[{"party_id": 11}]"#,
            r#"[{"party_id": 11, "coalition_size": 2}, {"party_id": 11, "coalition_size": 3}]"#,
        ] {
            assert!(
                matches!(
                    CoalitionSizes::from_json(&config, bad),
                    Err(Error::InvalidCoalitionSize { .. })
                ),
                "{bad}"
            );
        }
        assert_eq!(
            CoalitionSizes::from_json(&config, r#"[{"party_id": 99, "coalition_size": 2}]"#),
            Err(Error::UnknownParty(99))
        );
        assert_eq!(
            CoalitionSizes::from_json(&config, r#"[{"party_id": 1, "coalition_size": 0}]"#),
            Err(Error::ZeroCoalitionSize { party: 1 })
        );
    }

    #[test]
    fn the_bundled_election_has_one_coalition() {
        let config = config();
        let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020");
        let sizes = CoalitionSizes::beside(&config, directory).unwrap();
        let coalitions: Vec<usize> = (0..config.parties().len())
            .filter(|&index| sizes.get(index) != 1)
            .collect();
        assert_eq!(coalitions, [11]);
        assert!(config.parties()[11].name.contains("SPOLU"));
        // a configuration file (not a directory) has no coalitions file beside it
        let file = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../data/nrsr_2020/parties.json"
        );
        assert_eq!(
            CoalitionSizes::beside(&config, file).unwrap(),
            CoalitionSizes::singles(&config)
        );
    }
}
