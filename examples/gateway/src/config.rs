//! The election configuration as the server hands it to this polling place
//! (`GET {server}/elections/gateway-config?polling_place_id=N`), checked, with what the
//! routes derive from it built once.

use electie_core::{ElectionConfig, PollingPlace, PollingPlaceId};
use electie_crypto::PublicKey;

use crate::error::{Error, Result};

/// A usable gateway configuration.
#[derive(Debug)]
pub struct GatewayConfig {
    /// The configuration exactly as the server sent it (served as `config.json`).
    pub json: serde_json::Value,
    /// Lookups for validation.
    pub election: ElectionConfig,
    /// This polling place.
    pub polling_place: PollingPlace,
    /// The server's public key for this polling place (PEM as configured).
    pub server_key_pem: String,
    /// The same key, parsed: batches are sealed to it.
    pub server_key: PublicKey,
    /// The gateway public key the server has on record for this polling place.
    pub enrolled_gateway_key_pem: String,
    /// The chain before the first vote.
    pub genesis: crate::chain::ChainHead,
    /// `datamodels.yaml` for the original terminals.
    pub datamodels_yaml: String,
}

impl GatewayConfig {
    /// Reads and checks the gateway form for `polling_place`.
    ///
    /// # Errors
    /// [`Error::Config`] when it does not parse, is for another polling place, or has no
    /// usable server key.
    pub fn from_json_text(text: &str, polling_place: i64) -> Result<GatewayConfig> {
        let json: serde_json::Value =
            serde_json::from_str(text).map_err(|error| Error::Config(error.to_string()))?;
        let election = ElectionConfig::from_json_str(text)
            .map_err(|error| Error::Config(error.to_string()))?;
        let place = election
            .polling_places()
            .iter()
            .find(|place| place.id == PollingPlaceId(polling_place))
            .cloned()
            .ok_or_else(|| {
                Error::Config(format!(
                    "the configuration is not the one of polling place {polling_place}"
                ))
            })?;
        let key_pair = election
            .key_pair(PollingPlaceId(polling_place))
            .ok_or_else(|| {
                Error::Config(format!(
                    "no server key for polling place {polling_place} (is this gateway enrolled?)"
                ))
            })?;
        let server_key = PublicKey::from_pem(&key_pair.public_key_pem)
            .map_err(|error| Error::Config(format!("server key: {error}")))?;
        let genesis = crate::chain::genesis(polling_place, election.election_id());
        let datamodels_yaml = datamodels_yaml(election.max_candidates());
        Ok(GatewayConfig {
            server_key_pem: key_pair.public_key_pem.clone(),
            enrolled_gateway_key_pem: key_pair.g_public_key_pem.clone(),
            server_key,
            polling_place: place,
            genesis,
            datamodels_yaml,
            json,
            election,
        })
    }

    /// The configuration's election id.
    pub fn election_id(&self) -> &str {
        self.election.election_id()
    }
}

/// The OpenAPI components YAML the original terminals generate their vote classes from.
pub fn datamodels_yaml(max_candidates: usize) -> String {
    format!(
        "components:
  schemas:
    VotePartial:
      type: object
      properties:
        party_id:
          type: integer
          nullable: true
        candidate_ids:
          type: array
          items:
            type: integer
          maxItems: {max_candidates}
      required:
        - party_id
        - candidate_ids
    Vote:
      allOf:
        - $ref: '#/components/schemas/VotePartial'
        - type: object
          properties:
            token:
              type: string
            election_id:
              type: string
          required:
            - token
            - election_id
"
    )
}
