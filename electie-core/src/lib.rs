#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "vote-batch")]
pub mod batch;
pub mod config;
pub mod decode;
pub mod error;
pub mod ids;
pub mod lines;
pub mod models;
pub mod python_json;
pub mod sync;
mod token_hash;
pub mod validation;

#[cfg(feature = "vote-batch")]
pub use batch::{BatchFull, VoteBatch};
pub use config::ElectionConfig;
pub use error::{ConfigProblem, Error, FormatError, JsonProblem, Result};
pub use ids::{
    CandidateId, CandidateIndex, PartyId, PartyIndex, PollingPlaceId, PollingPlaceIndex,
};
pub use models::{
    Candidate, KeyPair, Message, Party, PollingPlace, PrivatePem, Status, Text, Vote,
    VoteEncrypted, VotePartial, VotesEncrypted,
};
pub use validation::{InMemoryTokenStore, Rejection, TokenStore, Validator, Verdict};
