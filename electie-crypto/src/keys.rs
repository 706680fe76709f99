//! RSA keys: generation, and PEM in and out in exactly electiersa's formats.
//!
//! electiersa (pycryptodome's `exportKey()`) writes private keys as PKCS#1
//! (`-----BEGIN RSA PRIVATE KEY-----`) and public keys as SubjectPublicKeyInfo
//! (`-----BEGIN PUBLIC KEY-----`), base64 in lines of 64 characters, `\n` line ends and
//! no trailing newline. [`PrivateKey::to_pem`] and [`PublicKey::to_pem`] write exactly
//! that. On input, PKCS#1 and PKCS#8 private keys and SPKI and PKCS#1 public keys are
//! read, with `\n` or `\r\n` line ends, surrounding whitespace, and the escaped form
//! (a literal backslash followed by `n`) that services keep in JSON strings.

use std::fmt;

use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use zeroize::Zeroizing;

use crate::base64;
use crate::error::{Error, KeyKind, KeyProblem, Result};

/// The smallest modulus, in bits, whose RSA-OAEP-SHA1 block carries the wrapped key
/// material of a 32-byte AES key (131 bytes of JSON + 42 bytes of OAEP overhead =
/// 173 bytes). Smaller keys cannot receive sealed payloads, so they are not generated.
pub const MIN_KEY_BITS: usize = 1384;

/// The largest modulus, in bits, generated or read.
pub const MAX_KEY_BITS: usize = 8192;

/// The key size electiersa's `get_rsa_key_pair()` generates by default.
pub const DEFAULT_KEY_BITS: usize = 2048;

/// An RSA private key. Its numbers are wiped from memory when it is dropped.
///
/// ```
/// use electie_crypto::PrivateKey;
///
/// let pem = std::fs::read_to_string(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/../testdata/vectors/electiersa-v0.1.1-keys/server_private.pem"
/// ))
/// .unwrap_or_else(|_| PrivateKey::generate(2048).unwrap().to_pem().to_string());
/// let key = PrivateKey::from_pem(&pem)?;
/// assert_eq!(key.bits(), 2048);
/// assert!(key.to_pem().starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
/// # Ok::<(), electie_crypto::Error>(())
/// ```
#[derive(Clone)]
pub struct PrivateKey {
    inner: RsaPrivateKey,
}

/// An RSA public key.
///
/// ```
/// use electie_crypto::{PrivateKey, PublicKey};
///
/// let public = PrivateKey::generate(2048)?.public_key();
/// let pem = public.to_pem();
/// assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
/// assert!(!pem.ends_with('\n'));
/// // The escaped form some services keep in JSON strings reads the same.
/// assert_eq!(PublicKey::from_pem(&pem.replace('\n', "\\n"))?, public);
/// # Ok::<(), electie_crypto::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    inner: RsaPublicKey,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("bits", &self.bits())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("bits", &self.bits())
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// Generates a new key with public exponent 65537 from the operating system's
    /// random generator, like electiersa's `get_rsa_key_pair(bits)`.
    ///
    /// # Errors
    /// [`Error::KeySize`] when `bits` is below [`MIN_KEY_BITS`] (too small to carry the
    /// wrapped AES key) or above [`MAX_KEY_BITS`].
    pub fn generate(bits: usize) -> Result<Self> {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        Self::generate_with_rng(bits, &mut rng)
    }

    /// [`PrivateKey::generate`] with an explicit random generator.
    ///
    /// # Errors
    /// As [`PrivateKey::generate`].
    pub fn generate_with_rng<R: rand_core::CryptoRng + ?Sized>(
        bits: usize,
        rng: &mut R,
    ) -> Result<Self> {
        if !(MIN_KEY_BITS..=MAX_KEY_BITS).contains(&bits) {
            return Err(Error::KeySize {
                bits,
                min_bits: MIN_KEY_BITS,
                max_bits: MAX_KEY_BITS,
            });
        }
        let inner = RsaPrivateKey::new(rng, bits).map_err(|error| {
            Error::key(KeyKind::Private, KeyProblem::Invalid(error.to_string()))
        })?;
        Ok(PrivateKey { inner })
    }

    /// Reads a PEM private key: PKCS#1 (`RSA PRIVATE KEY`) or unencrypted PKCS#8
    /// (`PRIVATE KEY`), with `\n` or `\r\n` line ends, surrounding whitespace or the
    /// escaped `\n` form.
    ///
    /// # Errors
    /// [`Error::Key`] naming the problem: no PEM armor, a public key, an encrypted key,
    /// bad base64, a DER structure that does not decode, or inconsistent numbers.
    pub fn from_pem(text: &str) -> Result<Self> {
        let pem = Pem::parse(text, KeyKind::Private)?;
        match pem.label.as_str() {
            "RSA PRIVATE KEY" => Self::from_pkcs1_der(&pem.der),
            "PRIVATE KEY" => Self::from_pkcs8_der(&pem.der),
            "ENCRYPTED PRIVATE KEY" => Err(Error::key(KeyKind::Private, KeyProblem::Encrypted)),
            "PUBLIC KEY" | "RSA PUBLIC KEY" => Err(Error::key(
                KeyKind::Private,
                KeyProblem::PublicInsteadOfPrivate,
            )),
            other => Err(Error::key(
                KeyKind::Private,
                KeyProblem::UnsupportedLabel(other.to_owned()),
            )),
        }
    }

    /// Reads a DER-encoded private key, PKCS#1 or PKCS#8 (pycryptodome's
    /// `RSA.import_key` reads both from binary files too).
    ///
    /// # Errors
    /// [`Error::Key`] when the bytes are neither.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        Self::from_pkcs1_der(der).or_else(|pkcs1_error| {
            Self::from_pkcs8_der(der).map_err(|pkcs8_error| match (&pkcs1_error, &pkcs8_error) {
                // Report a problem with the numbers over "not this structure".
                (
                    Error::Key {
                        problem: KeyProblem::Invalid(_),
                        ..
                    },
                    _,
                ) => pkcs1_error,
                (
                    _,
                    Error::Key {
                        problem: KeyProblem::Invalid(_),
                        ..
                    },
                ) => pkcs8_error,
                _ => Error::key(
                    KeyKind::Private,
                    KeyProblem::Der {
                        label: "PKCS#1 or PKCS#8 private key",
                    },
                ),
            })
        })
    }

    /// Reads a DER-encoded PKCS#1 `RSAPrivateKey`.
    ///
    /// # Errors
    /// [`Error::Key`] when the DER does not decode or the numbers are not a valid key.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self> {
        let inner = RsaPrivateKey::from_pkcs1_der(der).map_err(|error| {
            der_problem(KeyKind::Private, "PKCS#1 RSAPrivateKey", &error.to_string())
        })?;
        Self::checked(inner)
    }

    /// Reads a DER-encoded, unencrypted PKCS#8 `PrivateKeyInfo` holding an RSA key.
    ///
    /// # Errors
    /// [`Error::Key`] when the DER does not decode, holds another algorithm, or the
    /// numbers are not a valid key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        let inner = RsaPrivateKey::from_pkcs8_der(der).map_err(|error| {
            der_problem(
                KeyKind::Private,
                "PKCS#8 PrivateKeyInfo (RSA)",
                &error.to_string(),
            )
        })?;
        Self::checked(inner)
    }

    fn checked(inner: RsaPrivateKey) -> Result<Self> {
        inner.validate().map_err(|error| {
            Error::key(KeyKind::Private, KeyProblem::Invalid(error.to_string()))
        })?;
        Ok(PrivateKey { inner })
    }

    /// Writes the key as electiersa does: PKCS#1 PEM (`-----BEGIN RSA PRIVATE
    /// KEY-----`), 64-character lines, `\n`, no trailing newline. The text is wiped
    /// when the returned value is dropped.
    #[must_use]
    pub fn to_pem(&self) -> Zeroizing<String> {
        match self.inner.to_pkcs1_der() {
            Ok(der) => Zeroizing::new(pem_encode("RSA PRIVATE KEY", der.as_bytes())),
            // Encoding a key that decoded or was generated cannot fail; an empty string
            // would be refused by every reader, so it never passes for a key.
            Err(_) => Zeroizing::new(String::new()),
        }
    }

    /// The public half of the key.
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            inner: self.inner.to_public_key(),
        }
    }

    /// Size of the modulus in bits.
    #[must_use]
    pub fn bits(&self) -> usize {
        self.inner.n().bits() as usize
    }

    #[cfg(test)]
    pub(crate) fn from_rsa(inner: RsaPrivateKey) -> Self {
        PrivateKey { inner }
    }

    pub(crate) fn rsa(&self) -> &RsaPrivateKey {
        &self.inner
    }

    /// Size of the modulus in bytes (the length of ciphertexts and signatures).
    pub(crate) fn size(&self) -> usize {
        self.inner.size()
    }
}

impl PublicKey {
    /// Reads a PEM public key: SubjectPublicKeyInfo (`PUBLIC KEY`) or PKCS#1
    /// (`RSA PUBLIC KEY`). Like pycryptodome's `RSA.import_key`, a private key is
    /// accepted too and stands for its public half.
    ///
    /// # Errors
    /// [`Error::Key`] naming the problem.
    pub fn from_pem(text: &str) -> Result<Self> {
        let pem = Pem::parse(text, KeyKind::Public)?;
        match pem.label.as_str() {
            "PUBLIC KEY" => Self::from_spki_der(&pem.der),
            "RSA PUBLIC KEY" => Self::from_pkcs1_der(&pem.der),
            "RSA PRIVATE KEY" | "PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" => {
                let private = PrivateKey::from_pem(text).map_err(|error| match error {
                    Error::Key { problem, .. } => Error::key(KeyKind::Public, problem),
                    other => other,
                })?;
                Ok(private.public_key())
            }
            other => Err(Error::key(
                KeyKind::Public,
                KeyProblem::UnsupportedLabel(other.to_owned()),
            )),
        }
    }

    /// Reads a DER-encoded public key, SubjectPublicKeyInfo or PKCS#1, or a private
    /// key (PKCS#1 or PKCS#8) standing for its public half.
    ///
    /// # Errors
    /// [`Error::Key`] when the bytes are none of these.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        Self::from_spki_der(der)
            .or_else(|_| Self::from_pkcs1_der(der))
            .or_else(|_| PrivateKey::from_der(der).map(|key| key.public_key()))
            .map_err(|_| {
                Error::key(
                    KeyKind::Public,
                    KeyProblem::Der {
                        label: "SubjectPublicKeyInfo or PKCS#1 public key",
                    },
                )
            })
    }

    /// Reads a DER-encoded SubjectPublicKeyInfo holding an RSA key.
    ///
    /// # Errors
    /// [`Error::Key`] when the DER does not decode or holds another algorithm.
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        let inner = RsaPublicKey::from_public_key_der(der).map_err(|error| {
            der_problem(
                KeyKind::Public,
                "SubjectPublicKeyInfo (RSA)",
                &error.to_string(),
            )
        })?;
        Ok(PublicKey { inner })
    }

    /// Reads a DER-encoded PKCS#1 `RSAPublicKey`.
    ///
    /// # Errors
    /// [`Error::Key`] when the DER does not decode.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self> {
        let inner = RsaPublicKey::from_pkcs1_der(der).map_err(|error| {
            der_problem(KeyKind::Public, "PKCS#1 RSAPublicKey", &error.to_string())
        })?;
        Ok(PublicKey { inner })
    }

    /// Writes the key as electiersa does: SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC
    /// KEY-----`), 64-character lines, `\n`, no trailing newline.
    #[must_use]
    pub fn to_pem(&self) -> String {
        match self.inner.to_public_key_der() {
            Ok(der) => pem_encode("PUBLIC KEY", der.as_bytes()),
            Err(_) => String::new(),
        }
    }

    /// Size of the modulus in bits.
    #[must_use]
    pub fn bits(&self) -> usize {
        self.inner.n().bits() as usize
    }

    pub(crate) fn rsa(&self) -> &RsaPublicKey {
        &self.inner
    }

    /// Size of the modulus in bytes.
    pub(crate) fn size(&self) -> usize {
        self.inner.size()
    }
}

fn der_problem(kind: KeyKind, label: &'static str, detail: &str) -> Error {
    // Errors about the numbers (not the encoding) come from the key constructor.
    let lower = detail.to_ascii_lowercase();
    if lower.contains("asn.1") || lower.contains("der") || lower.contains("oid") {
        Error::key(kind, KeyProblem::Der { label })
    } else {
        Error::key(kind, KeyProblem::Invalid(format!("{label}: {detail}")))
    }
}

/// Writes PEM as pycryptodome's `PEM.encode` does.
fn pem_encode(label: &str, der: &[u8]) -> String {
    let body = Zeroizing::new(base64::encode(der));
    let mut out = String::with_capacity(body.len() + body.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for (index, line) in body.as_bytes().chunks(64).enumerate() {
        if index > 0 {
            out.push('\n');
        }
        // Base64 output is ASCII, so every 64-byte chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
    }
    out.push_str("\n-----END ");
    out.push_str(label);
    out.push_str("-----");
    out
}

/// A PEM block with its label and decoded body.
struct Pem {
    label: String,
    der: Zeroizing<Vec<u8>>,
}

impl Pem {
    fn parse(text: &str, kind: KeyKind) -> Result<Pem> {
        let mut text = text.trim();
        // A PEM kept in a JSON string may still carry its quotes.
        if text.len() >= 2 && text.starts_with('"') && text.ends_with('"') {
            text = text[1..text.len() - 1].trim();
        }
        if text.is_empty() {
            return Err(Error::key(kind, KeyProblem::Empty));
        }
        // The escaped form: literal backslash-n (and backslash-r) instead of line ends.
        let unescaped;
        if text.contains('\\') {
            unescaped = Zeroizing::new(text.replace("\\r", "\r").replace("\\n", "\n"));
            text = unescaped.trim();
        }
        let not_pem = || Error::key(kind, KeyProblem::NotPem);
        let begin = text.find("-----BEGIN ").ok_or_else(not_pem)?;
        let after_begin = &text[begin + "-----BEGIN ".len()..];
        let label_end = after_begin.find("-----").ok_or_else(not_pem)?;
        let label = after_begin[..label_end].trim().to_owned();
        let rest = &after_begin[label_end + "-----".len()..];
        let end = rest.find("-----END ").ok_or_else(not_pem)?;
        let body = &rest[..end];
        let after_end = &rest[end + "-----END ".len()..];
        let end_label_end = after_end.find("-----").ok_or_else(not_pem)?;
        let end_label = after_end[..end_label_end].trim();
        if end_label != label {
            return Err(Error::key(
                kind,
                KeyProblem::MismatchedLabels {
                    begin: label,
                    end: end_label.to_owned(),
                },
            ));
        }
        if body.contains("Proc-Type:") || body.contains("DEK-Info:") {
            return Err(Error::key(kind, KeyProblem::Encrypted));
        }
        let well_formed = body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=') || b.is_ascii_whitespace()
        });
        if !well_formed {
            return Err(Error::key(kind, KeyProblem::Base64));
        }
        let der = base64::decode_lenient_secret(body.as_bytes())
            .filter(|der| !der.is_empty())
            .ok_or_else(|| Error::key(kind, KeyProblem::Base64))?;
        Ok(Pem { label, der })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER_PRIVATE: &str =
        include_str!("../../testdata/vectors/electiersa-v0.1.1-keys/server_private.pem");
    const SERVER_PUBLIC: &str =
        include_str!("../../testdata/vectors/electiersa-v0.1.1-keys/server_public.pem");

    #[test]
    fn writes_pem_byte_for_byte_like_pycryptodome() {
        let private = PrivateKey::from_pem(SERVER_PRIVATE).unwrap();
        assert_eq!(*private.to_pem(), SERVER_PRIVATE.trim_end());
        assert_eq!(private.public_key().to_pem(), SERVER_PUBLIC.trim_end());
        let public = PublicKey::from_pem(SERVER_PUBLIC).unwrap();
        assert_eq!(public, private.public_key());
    }

    #[test]
    fn reads_crlf_escaped_quoted_and_padded_forms() {
        let crlf = SERVER_PRIVATE.replace('\n', "\r\n");
        let escaped = SERVER_PRIVATE.trim_end().replace('\n', "\\n");
        let quoted = format!("\"{escaped}\"");
        let padded = format!("\n\n   {SERVER_PRIVATE}  \t\n");
        for text in [&crlf, &escaped, &quoted, &padded] {
            let key = PrivateKey::from_pem(text).unwrap();
            assert_eq!(*key.to_pem(), SERVER_PRIVATE.trim_end());
        }
        let escaped_public = SERVER_PUBLIC.trim_end().replace('\n', "\\r\\n");
        PublicKey::from_pem(&escaped_public).unwrap();
        // A private key stands for its public half, as in pycryptodome.
        let derived = PublicKey::from_pem(SERVER_PRIVATE).unwrap();
        assert_eq!(derived.to_pem(), SERVER_PUBLIC.trim_end());
    }

    #[test]
    fn names_what_is_wrong() {
        let problem = |result: Result<PrivateKey>| match result {
            Err(Error::Key { problem, .. }) => problem,
            other => panic!("expected a key error, got {other:?}"),
        };
        assert_eq!(problem(PrivateKey::from_pem("  ")), KeyProblem::Empty);
        assert_eq!(problem(PrivateKey::from_pem("hello")), KeyProblem::NotPem);
        assert_eq!(
            problem(PrivateKey::from_pem(SERVER_PUBLIC)),
            KeyProblem::PublicInsteadOfPrivate
        );
        let mismatched = SERVER_PRIVATE.replace("END RSA PRIVATE KEY", "END PRIVATE KEY");
        assert!(matches!(
            problem(PrivateKey::from_pem(&mismatched)),
            KeyProblem::MismatchedLabels { .. }
        ));
        let bad_base64 = SERVER_PRIVATE.replacen("MII", "MI*", 1);
        assert_eq!(
            problem(PrivateKey::from_pem(&bad_base64)),
            KeyProblem::Base64
        );
        let truncated: String = SERVER_PRIVATE
            .lines()
            .enumerate()
            .filter(|(index, _)| *index != 3)
            .map(|(_, line)| format!("{line}\n"))
            .collect();
        assert!(matches!(
            problem(PrivateKey::from_pem(&truncated)),
            KeyProblem::Der { .. } | KeyProblem::Invalid(_)
        ));
        let certificate = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----";
        assert!(matches!(
            problem(PrivateKey::from_pem(certificate)),
            KeyProblem::UnsupportedLabel(_)
        ));
    }

    #[test]
    fn reads_der_of_every_supported_structure() {
        use rsa::pkcs1::EncodeRsaPublicKey;
        use rsa::pkcs8::EncodePrivateKey;
        let key = PrivateKey::from_pem(SERVER_PRIVATE).unwrap();
        let pkcs1 = key.rsa().to_pkcs1_der().unwrap();
        let pkcs8 = key.rsa().to_pkcs8_der().unwrap();
        let spki = key.public_key().rsa().to_public_key_der().unwrap();
        let public_pkcs1 = key.public_key().rsa().to_pkcs1_der().unwrap();
        for der in [pkcs1.as_bytes(), pkcs8.as_bytes()] {
            assert_eq!(*PrivateKey::from_der(der).unwrap().to_pem(), *key.to_pem());
            assert_eq!(PublicKey::from_der(der).unwrap(), key.public_key());
        }
        for der in [spki.as_bytes(), public_pkcs1.as_bytes()] {
            assert_eq!(PublicKey::from_der(der).unwrap(), key.public_key());
            assert!(PrivateKey::from_der(der).is_err());
        }
        assert!(PublicKey::from_der(b"not DER").is_err());
    }

    #[test]
    fn refuses_key_sizes_that_cannot_carry_the_wrapped_key() {
        assert!(matches!(
            PrivateKey::generate(1024),
            Err(Error::KeySize { bits: 1024, .. })
        ));
        assert!(matches!(
            PrivateKey::generate(16384),
            Err(Error::KeySize { .. })
        ));
    }
}
