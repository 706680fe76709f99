//! The models of the wire and of the election configuration, with their exact JSON
//! field names and order.
//!
//! Unknown fields are tolerated and dropped. Display fields (names, abbreviations,
//! colours) that are not essential to counting default to empty when absent, so
//! configurations exported by other tools load; ids, `party_number` and `order` are
//! required. One tolerance is deliberate and documented: a display text given as a JSON
//! number is kept as that number's text, because the real NR SR 2020 data carries the
//! abbreviation of "99 % - občiansky hlas" as the number `0.99`.

use serde::{Deserialize, Deserializer, Serialize};

use crate::ids::{CandidateId, PartyId, PollingPlaceId};
use crate::python_json::{Object, Value};

/// A decrypted vote as the gateway sends it to the server. Fields serialize in the
/// order `party_id, candidate_ids, token, election_id`: the order gateways sign.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Vote {
    /// The party voted for; `None` is a blank vote.
    pub party_id: Option<PartyId>,
    /// Circled candidates (preferential votes), in ballot order.
    #[serde(default)]
    pub candidate_ids: Vec<CandidateId>,
    /// The voter's one-time token.
    pub token: String,
    /// The election the vote belongs to.
    pub election_id: String,
}

/// What a terminal sends inside `{"token", "vote"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VotePartial {
    /// The party voted for; `None` is a blank vote.
    pub party_id: Option<PartyId>,
    /// Circled candidates.
    #[serde(default)]
    pub candidate_ids: Vec<CandidateId>,
}

/// One sealed payload (see the wire format).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VoteEncrypted {
    /// Base64 of the AES-EAX ciphertext.
    pub encrypted_message: String,
    /// Base64 of the RSA-OAEP-wrapped AES key, tag and nonce.
    pub encrypted_object: String,
}

/// A gateway's batch for one polling place: the body of `POST /elections/vote`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VotesEncrypted {
    /// The polling place the gateway serves.
    pub polling_place_id: PollingPlaceId,
    /// The sealed votes.
    #[serde(default)]
    pub votes: Vec<VoteEncrypted>,
}

/// A party or coalition on the ballot (politický subjekt).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Party {
    /// What votes carry in `party_id`.
    #[serde(rename = "_id")]
    pub id: PartyId,
    /// Ballot number; candidates refer to their party by it.
    pub party_number: i64,
    /// Full name.
    pub name: String,
    /// Official abbreviation.
    #[serde(default, deserialize_with = "display_text")]
    pub official_abbr: String,
    /// Short name for displays.
    #[serde(default, deserialize_with = "display_text")]
    pub abbr: String,
    /// Logo file name.
    #[serde(default, deserialize_with = "display_text")]
    pub image: String,
    /// Logo bytes (base64), when the configuration carries them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_bytes: Option<String>,
    /// Display colour.
    #[serde(default, deserialize_with = "display_text")]
    pub color: String,
    /// The party's candidates (filled from `party_number` when loaded separately).
    #[serde(default)]
    pub candidates: Vec<Candidate>,
}

/// A candidate on a party's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// What votes carry in `candidate_ids`.
    #[serde(rename = "_id")]
    pub id: CandidateId,
    /// The `party_number` of the candidate's party.
    pub party_number: i64,
    /// Position on the list (1 = first).
    pub order: i64,
    /// Given name.
    #[serde(default, deserialize_with = "display_text")]
    pub first_name: String,
    /// Family name.
    #[serde(default, deserialize_with = "display_text")]
    pub last_name: String,
    /// Academic degrees written before the name.
    #[serde(default, deserialize_with = "display_text")]
    pub degrees_before: String,
    /// Age on election day.
    #[serde(default)]
    pub age: Option<i64>,
    /// Occupation.
    #[serde(default, deserialize_with = "display_text")]
    pub occupation: String,
    /// Place of residence.
    #[serde(default, deserialize_with = "display_text")]
    pub residence: String,
}

impl Candidate {
    /// `degrees_before first_name last_name` without empty parts, as the original's
    /// candidate results name candidates.
    pub fn display_name(&self) -> String {
        [&self.degrees_before, &self.first_name, &self.last_name]
            .into_iter()
            .filter(|part| !part.is_empty())
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A polling place (volebná miestnosť) with its locality codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollingPlace {
    /// What batches carry in `polling_place_id`.
    #[serde(rename = "_id")]
    pub id: PollingPlaceId,
    /// Region (kraj) code.
    pub region_code: i64,
    /// Region name.
    #[serde(default, deserialize_with = "display_text")]
    pub region_name: String,
    /// Administrative area code.
    pub administrative_area_code: i64,
    /// Administrative area name.
    #[serde(default, deserialize_with = "display_text")]
    pub administrative_area_name: String,
    /// County (okres) code.
    pub county_code: i64,
    /// County name.
    #[serde(default, deserialize_with = "display_text")]
    pub county_name: String,
    /// Municipality (obec) code.
    pub municipality_code: i64,
    /// Municipality name.
    #[serde(default, deserialize_with = "display_text")]
    pub municipality_name: String,
    /// Number of the polling place within its municipality.
    pub polling_place_number: i64,
    /// Voters registered here.
    pub registered_voters_count: u64,
}

/// The key pairs of one polling place. The server form holds the server's pair of the
/// polling place and the gateway's pair; a gateway needs only the public keys and its
/// own private key, so the private fields are optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPair {
    /// Record id.
    #[serde(rename = "_id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// The polling place these keys belong to.
    pub polling_place_id: PollingPlaceId,
    /// The server's private key for this polling place (server side only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key_pem: Option<PrivatePem>,
    /// The server's public key for this polling place: gateways seal to it.
    pub public_key_pem: String,
    /// The gateway's private key (held by the gateway only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub g_private_key_pem: Option<PrivatePem>,
    /// The gateway's public key: the server verifies signatures with it.
    pub g_public_key_pem: String,
}

impl KeyPair {
    /// The same record without private keys: what may leave the side that holds them.
    pub fn public_only(&self) -> KeyPair {
        KeyPair {
            id: self.id,
            polling_place_id: self.polling_place_id,
            private_key_pem: None,
            public_key_pem: self.public_key_pem.clone(),
            g_private_key_pem: None,
            g_public_key_pem: self.g_public_key_pem.clone(),
        }
    }
}

/// A private key's PEM text, as a configuration carries it: wiped from memory when
/// dropped and never printed (`Debug` shows `PrivatePem(<redacted>)`). It serializes
/// as the plain string, because configurations are written back; copies made that way
/// (a `serde_json::Value`, a Python `dict`) are the caller's to guard.
///
/// ```
/// use electie_core::PrivatePem;
///
/// let pem = PrivatePem::new("-----BEGIN PRIVATE KEY-----\n…".to_owned());
/// assert_eq!(format!("{pem:?}"), "PrivatePem(<redacted>)");
/// assert!(pem.expose().starts_with("-----BEGIN"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PrivatePem(zeroize::Zeroizing<String>);

impl PrivatePem {
    /// Takes the PEM text (the `String` is wiped when the key is dropped).
    pub fn new(pem: String) -> Self {
        PrivatePem(zeroize::Zeroizing::new(pem))
    }

    /// The PEM text, for the one place that parses the key.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for PrivatePem {
    fn from(pem: String) -> Self {
        PrivatePem::new(pem)
    }
}

impl std::fmt::Debug for PrivatePem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivatePem(<redacted>)")
    }
}

impl Serialize for PrivatePem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for PrivatePem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(PrivatePem::new)
    }
}

/// A text in Slovak and English.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Text {
    /// Slovak.
    #[serde(default)]
    pub sk: String,
    /// English.
    #[serde(default)]
    pub en: String,
}

/// `status` of a [`Message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The request did what was asked.
    Success,
    /// It did not; `message` says why.
    Failure,
}

/// The services' answer body `{"status", "message"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Message {
    /// Success or failure.
    pub status: Status,
    /// Human-readable text (the exact rule text on failure).
    pub message: String,
}

impl Message {
    /// The original server's answer to an accepted batch (the typo is the contract).
    pub const BATCH_ACCEPTED: &'static str = "Vote was successfully precessed";

    /// A success message.
    pub fn success(message: impl Into<String>) -> Self {
        Self {
            status: Status::Success,
            message: message.into(),
        }
    }

    /// A failure message.
    pub fn failure(message: impl Into<String>) -> Self {
        Self {
            status: Status::Failure,
            message: message.into(),
        }
    }

    /// The answer as a JSON object, `status` then `message`.
    pub fn to_json(&self) -> Value {
        let mut object = Object::with_capacity(2);
        let status = match self.status {
            Status::Success => "success",
            Status::Failure => "failure",
        };
        object.insert("status".into(), status.into());
        object.insert("message".into(), self.message.as_str().into());
        Value::Object(object)
    }

    /// The answer as the original services write it over HTTP (compact JSON).
    pub fn to_http_json(&self) -> String {
        // Strings only: the compact style cannot fail on them.
        crate::python_json::dumps_compact(&self.to_json()).unwrap_or_default()
    }
}

impl Vote {
    /// The vote as a JSON object in the signed field order.
    pub fn to_json(&self) -> Value {
        let mut object = Object::with_capacity(4);
        object.insert("party_id".into(), self.party_id.map(|id| id.0).into());
        object.insert(
            "candidate_ids".into(),
            Value::Array(self.candidate_ids.iter().map(|id| id.0.into()).collect()),
        );
        object.insert("token".into(), self.token.as_str().into());
        object.insert("election_id".into(), self.election_id.as_str().into());
        Value::Object(object)
    }
}

/// A display string that may arrive as a number in exported data (see the module docs).
fn display_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum TextOrNumber {
        Text(String),
        Integer(i64),
        Float(f64),
        Null(()),
    }
    Ok(match TextOrNumber::deserialize(deserializer)? {
        TextOrNumber::Text(text) => text,
        TextOrNumber::Integer(number) => number.to_string(),
        TextOrNumber::Float(number) => {
            let mut text = String::new();
            crate::python_json::write_python_float(number, &mut text);
            text
        }
        TextOrNumber::Null(()) => String::new(),
    })
}
