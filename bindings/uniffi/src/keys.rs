//! The terminal's own RSA key pair: it signs everything the terminal seals.

use std::sync::Arc;

use electie_crypto::PrivateKey;

use crate::error::Result;

/// The key size electiersa's `get_rsa_key_pair` uses by default.
const DEFAULT_KEY_BITS: usize = 2048;

/// The terminal's key pair. The gateway registers the terminal by its public key; the
/// private key never leaves the device (keep its PEM in the platform's key store).
#[derive(Debug, uniffi::Object)]
pub struct TerminalKeyPair {
    key: PrivateKey,
}

#[uniffi::export]
impl TerminalKeyPair {
    /// A new 2048-bit pair (exponent 65537) from the system's random generator. Takes
    /// a noticeable time on a phone: call it off the main thread.
    ///
    /// # Errors
    /// [`TerminalError::InvalidKey`](crate::TerminalError::InvalidKey) if generation
    /// fails.
    #[uniffi::constructor]
    pub fn generate() -> Result<Arc<Self>> {
        Self::generate_with_bits(DEFAULT_KEY_BITS as u32)
    }

    /// A new pair of `bits` bits.
    ///
    /// # Errors
    /// [`TerminalError::InvalidKey`](crate::TerminalError::InvalidKey) for a size
    /// electie refuses (too small to carry the sealed key material, or too large).
    #[uniffi::constructor]
    pub fn generate_with_bits(bits: u32) -> Result<Arc<Self>> {
        let key = PrivateKey::generate(bits as usize)?;
        Ok(Arc::new(Self { key }))
    }

    /// The pair from a stored private key (PKCS#1 or PKCS#8 PEM).
    ///
    /// # Errors
    /// [`TerminalError::InvalidKey`](crate::TerminalError::InvalidKey) naming what is
    /// wrong with the text.
    #[uniffi::constructor]
    pub fn from_private_key_pem(pem: String) -> Result<Arc<Self>> {
        let key = PrivateKey::from_pem(&pem)?;
        Ok(Arc::new(Self { key }))
    }

    /// The public key as electiersa writes it (SubjectPublicKeyInfo PEM,
    /// `-----BEGIN PUBLIC KEY-----`): what the gateway registers.
    pub fn public_key_pem(&self) -> String {
        self.key.public_key().to_pem()
    }

    /// The private key as electiersa writes it (PKCS#1 PEM,
    /// `-----BEGIN RSA PRIVATE KEY-----`), to keep in the platform's key store.
    pub fn private_key_pem(&self) -> String {
        self.key.to_pem().to_string()
    }

    /// The key size in bits.
    pub fn bits(&self) -> u32 {
        u32::try_from(self.key.bits()).unwrap_or(u32::MAX)
    }
}

impl TerminalKeyPair {
    pub(crate) fn private_key(&self) -> &PrivateKey {
        &self.key
    }
}
