//! Sealing what a terminal sends to its gateway: the token check `{"token"}` and the
//! vote `{"token", "vote": {"party_id", "candidate_ids"}}`, signed with the terminal's
//! private key and encrypted for the gateway's public key, byte-compatible with
//! electiersa's `encrypt_vote`.

use std::sync::Arc;

use electie_core::python_json::{Object, Value};
use electie_crypto::{AesKeyLength, PublicKey, Sealed, Sealer};

use crate::ballot::Ballot;
use crate::config::GatewayConfig;
use crate::error::Result;
use crate::keys::TerminalKeyPair;

/// A sealed payload: electiersa's `VoteEncrypted`, the body the gateway expects.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SealedPayload {
    /// Base64 of the AES-EAX ciphertext.
    pub encrypted_message: String,
    /// Base64 of the RSA-OAEP-wrapped AES key, tag and nonce.
    pub encrypted_object: String,
}

/// The payload as the JSON object the services exchange,
/// `{"encrypted_message": "...", "encrypted_object": "..."}`.
#[uniffi::export]
pub fn sealed_payload_to_json(payload: &SealedPayload) -> String {
    Sealed {
        encrypted_message: payload.encrypted_message.clone(),
        encrypted_object: payload.encrypted_object.clone(),
    }
    .to_json()
}

/// Seals a terminal's payloads for one gateway. Keys are parsed once; a vote is checked
/// against the configuration's rules before it is sealed, so a vote the server would
/// refuse never leaves the terminal.
#[derive(uniffi::Object)]
pub struct VoteSealer {
    config: Arc<GatewayConfig>,
    sealer: Sealer,
}

impl std::fmt::Debug for VoteSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoteSealer").finish_non_exhaustive()
    }
}

#[uniffi::export]
impl VoteSealer {
    /// A sealer signing with `terminal_keys` and encrypting for the gateway's public key
    /// (SPKI or PKCS#1 PEM; [`GatewayConfig::gateway_public_key_pem`] when the
    /// configuration carries it).
    ///
    /// # Errors
    /// [`TerminalError::InvalidKey`](crate::TerminalError::InvalidKey) when the gateway's key cannot be read.
    #[uniffi::constructor]
    pub fn new(
        config: Arc<GatewayConfig>,
        terminal_keys: Arc<TerminalKeyPair>,
        gateway_public_key_pem: String,
    ) -> Result<Arc<Self>> {
        let gateway = PublicKey::from_pem(&gateway_public_key_pem)?;
        Ok(Arc::new(Self {
            config,
            sealer: Sealer::new(terminal_keys.private_key(), &gateway),
        }))
    }

    /// Seals the token check `{"token": token}`.
    ///
    /// # Errors
    /// [`TerminalError::SealFailed`](crate::TerminalError::SealFailed) when the random generator or an RSA operation
    /// fails.
    pub fn seal_token_check(&self, token: String) -> Result<SealedPayload> {
        let mut payload = Object::with_capacity(1);
        payload.insert("token".to_owned(), Value::String(token));
        self.seal(&payload)
    }

    /// Checks `ballot` (rules 4–8) and seals
    /// `{"token": token, "vote": {"party_id": ..., "candidate_ids": [...]}}`.
    ///
    /// # Errors
    /// [`TerminalError::VoteRejected`](crate::TerminalError::VoteRejected) with the server's exact message when the ballot
    /// breaks a rule (nothing is sealed); [`TerminalError::SealFailed`](crate::TerminalError::SealFailed) as for
    /// [`seal_token_check`](Self::seal_token_check).
    pub fn seal_vote(&self, token: String, ballot: &Ballot) -> Result<SealedPayload> {
        self.config.check_rules(ballot)?;
        let mut vote = Object::with_capacity(2);
        vote.insert("party_id".to_owned(), Value::from(ballot.party_id));
        vote.insert(
            "candidate_ids".to_owned(),
            Value::Array(ballot.candidate_ids.iter().map(|&id| id.into()).collect()),
        );
        let mut payload = Object::with_capacity(2);
        payload.insert("token".to_owned(), Value::String(token));
        payload.insert("vote".to_owned(), Value::Object(vote));
        self.seal(&payload)
    }
}

impl VoteSealer {
    fn seal(&self, payload: &Object) -> Result<SealedPayload> {
        // Ask the system generator once with an error path, so an unavailable generator
        // is an exception and not a panic inside the sealer's infallible RNG adapter.
        getrandom::fill(&mut [0u8; 1])?;
        let mut rng = electie_crypto::system_rng();
        let sealed = self.sealer.seal(payload, AesKeyLength::Aes256, &mut rng)?;
        Ok(SealedPayload {
            encrypted_message: sealed.encrypted_message,
            encrypted_object: sealed.encrypted_object,
        })
    }
}
