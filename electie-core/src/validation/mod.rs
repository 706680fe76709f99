//! The server's validation of an incoming batch, rule for rule and message for message.
//!
//! Compatibility mode ([`Validator::check_batch`]) reproduces the original server: rules
//! run in order, the first failure rejects the whole batch and its text is the answer.
//! Verdict mode ([`Validator::verdicts`]) judges every vote on its own, so one bad vote
//! does not block the votes behind it.
//!
//! | rule | checked | [`Rejection`] |
//! |---|---|---|
//! | 1 | a key pair (or, without keys, the polling place) exists | [`Rejection::InvalidPollingPlace`] |
//! | 2 | the vote opens and its signature verifies (crypto layer) | [`Rejection::InvalidEncryption`] |
//! | 3 | it opened to a JSON object (crypto layer) | [`Rejection::DecryptedVoteIsNone`], [`Rejection::DecryptionUnspecified`] |
//! | — | its fields have the right types | [`Rejection::InvalidFormat`] |
//! | 4 | at most `max_candidates` candidates | [`Rejection::TooManyCandidates`] |
//! | 5 | no candidate twice | [`Rejection::DuplicateCandidates`] |
//! | 6 | a blank vote circles no candidate | [`Rejection::BlankVoteWithCandidates`] |
//! | 7 | every candidate belongs to the (known) party | [`Rejection::CandidateNotInParty`] |
//! | 8 | the party is known | [`Rejection::InvalidParty`] |
//! | 9 | (token, polling place) not stored yet | [`Rejection::TokenAlreadyStored`] |
//! | 10 | the election id is this election's | [`Rejection::InvalidElectionId`] |
//! | 11 | no token twice in the batch (after all votes) | [`Rejection::DuplicateTokenInBatch`] |
//!
//! Rule 7 runs only for a known party; an unknown party with candidates gets rule 8's
//! message, as in the original. A negative id is not a format error: it names a party or
//! candidate that does not exist.
//!
//! ```
//! use electie_core::{ElectionConfig, InMemoryTokenStore, PartyId, CandidateId, PollingPlaceId, Validator, Vote};
//!
//! # let nrsr_2020 = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/nrsr_2020");
//! let config = ElectionConfig::load(nrsr_2020)?;
//! let validator = Validator::new(&config);
//! let vote = Vote {
//!     party_id: Some(PartyId(10)),
//!     candidate_ids: vec![CandidateId(1075), CandidateId(0)],
//!     token: "t-1".into(),
//!     election_id: "election_id".into(),
//! };
//! let store = InMemoryTokenStore::new();
//! let answer = validator.check_batch(PollingPlaceId(0), &[vote], &store);
//! assert_eq!(
//!     answer.unwrap_err().to_string(),
//!     "Invalid candidates ids - candidate |0| is not in party |10|"
//! );
//! # Ok::<(), electie_core::Error>(())
//! ```

#[cfg(feature = "vote-batch")]
mod batch_check;
mod rejection;
#[cfg(feature = "vote-batch")]
mod sieve;
mod token_store;
mod token_table;
mod validator;

pub use rejection::Rejection;
pub use token_store::{InMemoryTokenStore, TokenStore};
pub use validator::{Validator, Verdict};
