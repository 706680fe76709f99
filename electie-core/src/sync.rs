//! The hash chain that binds a gateway's votes to the server's copy of them.
//!
//! A gateway numbers the votes it stores 1, 2, 3, … per polling place and election, in
//! commit order, and folds each vote into a SHA-256 chain:
//!
//! ```text
//! h0 = SHA-256("electie-chain-v1" "\n" polling_place_id (decimal) "\n" election_id)
//! hi = SHA-256(h(i-1) || seqno_i as 8 bytes big-endian || SHA-256(m1_i))
//! ```
//!
//! where `m1_i` is the exact byte string the gateway signs for vote `i` (its
//! Python-style JSON with the keys `party_id, candidate_ids, token, election_id`, see
//! [`Vote::signed_bytes`]). The server recomputes the chain over every batch it stores;
//! both sides agree on "everything up to seqno k" by comparing one 32-byte head, and the
//! zápisnica signed in the polling room prints the final head, so the paper binds the
//! electronic record. On the wire a head is 64 lower-case hex characters.
//!
//! ```
//! use electie_core::sync::ChainPosition;
//! use electie_core::{PollingPlaceId, Vote};
//!
//! let mut position = ChainPosition::genesis(PollingPlaceId(0), "election_id");
//! assert_eq!(position.last_seqno, 0);
//! let vote = Vote {
//!     party_id: None,
//!     candidate_ids: vec![],
//!     token: "0f2c9a6b1d3e4f5a6b7c8d9e0f1a2b3c".into(),
//!     election_id: "election_id".into(),
//! };
//! position.append(&vote.signed_bytes());
//! assert_eq!(position.last_seqno, 1);
//! let head: String = position.chain_head.to_string();
//! assert_eq!(head.len(), 64);
//! assert_eq!(head.parse::<electie_core::sync::ChainHead>()?, position.chain_head);
//! # Ok::<(), electie_core::sync::ChainHeadError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::ids::PollingPlaceId;
use crate::models::Vote;

/// The domain tag of the chain's first link; a new chain format gets a new tag.
const CHAIN_TAG: &[u8] = b"electie-chain-v1";

/// One link of the chain: a SHA-256 digest, written as lower-case hex on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChainHead([u8; 32]);

impl ChainHead {
    /// The chain before the first vote of `polling_place_id` in `election_id`.
    pub fn genesis(polling_place_id: PollingPlaceId, election_id: &str) -> ChainHead {
        let mut hasher = Sha256::new();
        hasher.update(CHAIN_TAG);
        hasher.update(b"\n");
        hasher.update(polling_place_id.0.to_string().as_bytes());
        hasher.update(b"\n");
        hasher.update(election_id.as_bytes());
        ChainHead(hasher.finalize().into())
    }

    /// The chain after the vote numbered `seqno` whose signed bytes are `signed`.
    #[must_use]
    pub fn advance(&self, seqno: u64, signed: &[u8]) -> ChainHead {
        let vote_digest = Sha256::digest(signed);
        let mut hasher = Sha256::new();
        hasher.update(self.0);
        hasher.update(seqno.to_be_bytes());
        hasher.update(vote_digest);
        ChainHead(hasher.finalize().into())
    }

    /// The raw 32 bytes (for storage in a database column).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A head from its raw 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> ChainHead {
        ChainHead(bytes)
    }
}

/// A chain head that is not 64 hex characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChainHeadError {
    /// The text does not have 64 characters.
    #[error("chain_head must be 64 hex characters, got {0}")]
    Length(usize),
    /// A character is not a hex digit.
    #[error("chain_head must be hex, found {0:?}")]
    NotHex(char),
}

impl fmt::Display for ChainHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ChainHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChainHead({self})")
    }
}

impl FromStr for ChainHead {
    type Err = ChainHeadError;

    /// Reads 64 hex digits; upper case is accepted, output is always lower case.
    fn from_str(text: &str) -> Result<ChainHead, ChainHeadError> {
        let chars: Vec<char> = text.chars().collect();
        if chars.len() != 64 {
            return Err(ChainHeadError::Length(chars.len()));
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(chars.chunks_exact(2)) {
            let high = pair[0]
                .to_digit(16)
                .ok_or(ChainHeadError::NotHex(pair[0]))?;
            let low = pair[1]
                .to_digit(16)
                .ok_or(ChainHeadError::NotHex(pair[1]))?;
            // Both digits are below 16, so the byte cannot overflow.
            *byte = u8::try_from(high * 16 + low).unwrap_or_default();
        }
        Ok(ChainHead(bytes))
    }
}

impl Serialize for ChainHead {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ChainHead {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ChainHead, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// How far a chain has come: the last sequence number folded in and the head after it
/// (0 and the genesis head before the first vote).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainPosition {
    /// The sequence number of the last vote in the chain; 0 when there is none.
    pub last_seqno: u64,
    /// The chain after that vote.
    pub chain_head: ChainHead,
}

impl ChainPosition {
    /// The empty chain of a polling place in an election.
    pub fn genesis(polling_place_id: PollingPlaceId, election_id: &str) -> ChainPosition {
        ChainPosition {
            last_seqno: 0,
            chain_head: ChainHead::genesis(polling_place_id, election_id),
        }
    }

    /// Folds in the next vote (numbered `last_seqno + 1`) by its signed bytes and
    /// returns its sequence number.
    pub fn append(&mut self, signed: &[u8]) -> u64 {
        let seqno = self.last_seqno + 1;
        self.chain_head = self.chain_head.advance(seqno, signed);
        self.last_seqno = seqno;
        seqno
    }
}

impl Vote {
    /// The exact bytes a gateway signs for this vote: Python `json.dumps` of
    /// `{"party_id", "candidate_ids", "token", "election_id"}` in that order, UTF-8.
    /// The chain ([`ChainHead::advance`]) hashes these bytes.
    pub fn signed_bytes(&self) -> Vec<u8> {
        crate::python_json::dumps(&self.to_json()).into_bytes()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ids::{CandidateId, PartyId};

    /// The published test vector of the synchronization protocol (polling place 0,
    /// election `election_id`): two votes and the chain after each.
    #[test]
    fn reproduces_the_protocol_test_vector() {
        let mut position = ChainPosition::genesis(PollingPlaceId(0), "election_id");
        assert_eq!(
            position.chain_head.to_string(),
            "938087a5fbd5a1395fa0e4e4abf821f7970e6d362fa851aab1d72ce5df9929ea"
        );
        let first = Vote {
            party_id: Some(PartyId(10)),
            candidate_ids: vec![CandidateId(1075), CandidateId(1076)],
            token: "858c0eb798a8475dbcf67e29ddb4966e".into(),
            election_id: "election_id".into(),
        };
        assert_eq!(
            String::from_utf8(first.signed_bytes()).unwrap(),
            r#"{"party_id": 10, "candidate_ids": [1075, 1076], "token": "858c0eb798a8475dbcf67e29ddb4966e", "election_id": "election_id"}"#
        );
        assert_eq!(position.append(&first.signed_bytes()), 1);
        assert_eq!(
            position.chain_head.to_string(),
            "683f35e37e7b02dd01e26cda31316cc3d823760087c1a9b1d8510732db550167"
        );
        let blank = Vote {
            party_id: None,
            candidate_ids: vec![],
            token: "0f2c9a6b1d3e4f5a6b7c8d9e0f1a2b3c".into(),
            election_id: "election_id".into(),
        };
        assert_eq!(position.append(&blank.signed_bytes()), 2);
        assert_eq!(
            position.chain_head.to_string(),
            "d92b58cb392735aa29e4a79f92df985198e3b604391adce29ba04ff05c512954"
        );
    }

    #[test]
    fn genesis_depends_on_polling_place_and_election() {
        let base = ChainHead::genesis(PollingPlaceId(0), "election_id");
        assert_ne!(base, ChainHead::genesis(PollingPlaceId(1), "election_id"));
        assert_ne!(base, ChainHead::genesis(PollingPlaceId(0), "other"));
    }

    #[test]
    fn hex_round_trip_and_errors() {
        let head = ChainHead::genesis(PollingPlaceId(7), "e");
        assert_eq!(head.to_string().parse::<ChainHead>().unwrap(), head);
        assert_eq!(
            head.to_string()
                .to_uppercase()
                .parse::<ChainHead>()
                .unwrap(),
            head
        );
        assert_eq!("ab".parse::<ChainHead>(), Err(ChainHeadError::Length(2)));
        let bad = format!("g{}", &head.to_string()[1..]);
        assert_eq!(bad.parse::<ChainHead>(), Err(ChainHeadError::NotHex('g')));
        let json = serde_json::to_string(&head).unwrap();
        assert_eq!(json, format!("\"{head}\""));
        assert_eq!(serde_json::from_str::<ChainHead>(&json).unwrap(), head);
        assert!(serde_json::from_str::<ChainHead>("\"00\"").is_err());
    }
}
