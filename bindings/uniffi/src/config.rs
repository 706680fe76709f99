//! The gateway's configuration as a terminal reads it: the ballot (parties and their
//! candidates), the election's texts and the rules a vote must pass.

use std::sync::Arc;

use electie_core::config::ConfigForm;
use electie_core::{ElectionConfig, PollingPlaceId, Rejection, Validator};

use crate::ballot::Ballot;
use crate::error::{Result, TerminalError};

/// A gateway configuration (`config.json`), loaded once; every lookup validation needs is
/// built when it is loaded.
#[derive(Debug, uniffi::Object)]
pub struct GatewayConfig {
    config: ElectionConfig,
    polling_place_id: i64,
}

/// A party as the ballot screen shows it, with its candidates in list order.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BallotParty {
    /// What votes carry in `party_id`.
    pub id: i64,
    /// Ballot number.
    pub party_number: i64,
    /// Full name.
    pub name: String,
    /// Official abbreviation.
    pub official_abbr: String,
    /// Short name for displays.
    pub abbr: String,
    /// Display colour as the configuration writes it.
    pub color: String,
    /// Logo file name.
    pub image: String,
    /// Logo bytes (base64), when the configuration carries them.
    pub image_bytes: Option<String>,
    /// The party's candidates, in list order.
    pub candidates: Vec<BallotCandidate>,
}

/// A candidate as the ballot screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BallotCandidate {
    /// What votes carry in `candidate_ids`.
    pub id: i64,
    /// The `party_number` of the candidate's party.
    pub party_number: i64,
    /// Position on the list (1 = first).
    pub order: i64,
    /// `degrees_before first_name last_name` without empty parts.
    pub display_name: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Academic degrees written before the name.
    pub degrees_before: String,
    /// Age on election day, when known.
    pub age: Option<i64>,
    /// Occupation.
    pub occupation: String,
    /// Place of residence.
    pub residence: String,
}

/// A text in Slovak and English.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LocalizedText {
    /// Slovak.
    pub sk: String,
    /// English.
    pub en: String,
}

/// The election's names and date for the screens.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ElectionTexts {
    /// Short name of the election.
    pub name_short: LocalizedText,
    /// Long name of the election.
    pub name_long: LocalizedText,
    /// Election date.
    pub date: LocalizedText,
    /// Contact text, when given.
    pub contact: Option<LocalizedText>,
}

#[uniffi::export]
impl GatewayConfig {
    /// Loads the gateway form (`config.json`: `parties`, `key_pairs`, `texts`,
    /// `polling_place`, optional `polling_place_id`, `election_id`, `max_candidates`).
    ///
    /// # Errors
    /// [`TerminalError::InvalidConfig`] when the text is not JSON, a field has the wrong
    /// type, the configuration is inconsistent, or it is not the gateway form.
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>> {
        let config = ElectionConfig::from_json_str(&json)?;
        let place = match (config.form(), config.polling_places()) {
            (ConfigForm::Gateway, [place]) => place.id.0,
            _ => {
                return Err(TerminalError::InvalidConfig(
                    "not a gateway configuration: it must have one \"polling_place\" object"
                        .to_owned(),
                ));
            }
        };
        Ok(Arc::new(Self {
            config,
            polling_place_id: place,
        }))
    }

    /// The parties in ballot order, each with its candidates in list order.
    pub fn parties(&self) -> Vec<BallotParty> {
        self.config.parties().iter().map(ballot_party).collect()
    }

    /// One party by its `_id`, or `None`.
    pub fn party(&self, party_id: i64) -> Option<BallotParty> {
        let index = self.config.party_index(electie_core::PartyId(party_id))?;
        self.config.parties().get(index.get()).map(ballot_party)
    }

    /// The election's names, date and contact.
    pub fn texts(&self) -> ElectionTexts {
        let texts = self.config.texts();
        ElectionTexts {
            name_short: localized(&texts.elections_name_short),
            name_long: localized(&texts.elections_name_long),
            date: localized(&texts.election_date),
            contact: texts.contact.as_ref().map(localized),
        }
    }

    /// The polling place this gateway serves.
    pub fn polling_place_id(&self) -> i64 {
        self.polling_place_id
    }

    /// The election id the server expects (the gateway adds it to each vote).
    pub fn election_id(&self) -> String {
        self.config.election_id().to_owned()
    }

    /// The most candidates one vote may circle.
    pub fn max_candidates(&self) -> u32 {
        u32::try_from(self.config.max_candidates()).unwrap_or(u32::MAX)
    }

    /// The gateway's public key (`g_public_key_pem` of this polling place's key pair),
    /// when the configuration carries it: what terminals seal to.
    pub fn gateway_public_key_pem(&self) -> Option<String> {
        self.config
            .key_pair(PollingPlaceId(self.polling_place_id))
            .map(|pair| pair.g_public_key_pem.clone())
    }

    /// Checks `ballot` against the server's rules 4–8, in the server's order.
    ///
    /// # Errors
    /// [`TerminalError::VoteRejected`] with the server's exact message, for example
    /// `Invalid candidates ids - candidate |0| is not in party |10|`.
    pub fn validate(&self, ballot: &Ballot) -> Result<()> {
        Ok(self.check_rules(ballot)?)
    }

    /// The server's message for the first of rules 4–8 that `ballot` breaks, or `None`
    /// when it passes: [`validate`](Self::validate) for screens that show the reason.
    pub fn rejection(&self, ballot: &Ballot) -> Option<String> {
        self.check_rules(ballot)
            .err()
            .map(|rejection| rejection.to_string())
    }
}

impl GatewayConfig {
    /// Rules 4–8 through the server's own implementation (never re-implemented here).
    pub(crate) fn check_rules(&self, ballot: &Ballot) -> std::result::Result<(), Rejection> {
        Validator::new(&self.config).check_ballot(ballot.party(), &ballot.candidates())
    }
}

fn ballot_party(party: &electie_core::Party) -> BallotParty {
    BallotParty {
        id: party.id.0,
        party_number: party.party_number,
        name: party.name.clone(),
        official_abbr: party.official_abbr.clone(),
        abbr: party.abbr.clone(),
        color: party.color.clone(),
        image: party.image.clone(),
        image_bytes: party.image_bytes.clone(),
        candidates: party
            .candidates
            .iter()
            .map(|candidate| BallotCandidate {
                id: candidate.id.0,
                party_number: candidate.party_number,
                order: candidate.order,
                display_name: candidate.display_name(),
                first_name: candidate.first_name.clone(),
                last_name: candidate.last_name.clone(),
                degrees_before: candidate.degrees_before.clone(),
                age: candidate.age,
                occupation: candidate.occupation.clone(),
                residence: candidate.residence.clone(),
            })
            .collect(),
    }
}

fn localized(text: &electie_core::Text) -> LocalizedText {
    LocalizedText {
        sk: text.sk.clone(),
        en: text.en.clone(),
    }
}
