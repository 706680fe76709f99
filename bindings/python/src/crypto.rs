//! electiersa's functions over `electie-crypto`, with keys parsed once per PEM text.
//!
//! Services pass both keys as PEM strings on every call; electiersa re-parses (and
//! pycryptodome re-checks) the private key every time, which is most of its cost.
//! Here the prepared [`Opener`] or [`Sealer`] for a pair of PEM texts is kept in a
//! bounded least-recently-used cache keyed by the exact texts.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use electie_crypto::{AesKeyLength, Backend, Opener, PrivateKey, PublicKey, Sealed, Sealer};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyMapping, PyString};

use crate::error::{Error, Result, decryption_error_value};
use crate::json;

/// How many key pairs each cache keeps by default (a server with one key pair per
/// polling place may want more: see [`set_key_cache_size`]).
const DEFAULT_CACHE_SIZE: usize = 1024;

/// A bounded least-recently-used map from a pair of PEM texts to a prepared value.
struct PemCache<V> {
    capacity: usize,
    clock: u64,
    entries: HashMap<u64, Entry<V>>,
}

struct Entry<V> {
    private_pem: Box<str>,
    public_pem: Box<str>,
    value: Arc<V>,
    last_used: u64,
}

impl<V> PemCache<V> {
    fn new(capacity: usize) -> Self {
        Self {
            capacity,
            clock: 0,
            entries: HashMap::new(),
        }
    }

    fn key(private_pem: &str, public_pem: &str) -> u64 {
        let mut hasher = DefaultHasher::new();
        private_pem.hash(&mut hasher);
        public_pem.hash(&mut hasher);
        hasher.finish()
    }

    fn get(&mut self, private_pem: &str, public_pem: &str) -> Option<Arc<V>> {
        self.clock += 1;
        let clock = self.clock;
        let entry = self.entries.get_mut(&Self::key(private_pem, public_pem))?;
        // A hash collision is a miss (the new pair then replaces the old one).
        if &*entry.private_pem != private_pem || &*entry.public_pem != public_pem {
            return None;
        }
        entry.last_used = clock;
        Some(Arc::clone(&entry.value))
    }

    fn insert(&mut self, private_pem: &str, public_pem: &str, value: Arc<V>) {
        if self.capacity == 0 {
            return;
        }
        let key = Self::key(private_pem, public_pem);
        if !self.entries.contains_key(&key) {
            // room for one more
            self.evict_to(self.capacity - 1);
        }
        self.clock += 1;
        self.entries.insert(
            key,
            Entry {
                private_pem: private_pem.into(),
                public_pem: public_pem.into(),
                value,
                last_used: self.clock,
            },
        );
    }

    fn resize(&mut self, capacity: usize) {
        self.capacity = capacity;
        self.evict_to(capacity);
    }

    /// Drops the least recently used entries until at most `kept` remain.
    fn evict_to(&mut self, kept: usize) {
        while self.entries.len() > kept {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, entry)| entry.last_used)
                .map(|(key, _)| *key)
            else {
                break;
            };
            self.entries.remove(&oldest);
        }
    }
}

static OPENERS: Mutex<Option<PemCache<Opener>>> = Mutex::new(None);
static SEALERS: Mutex<Option<PemCache<Sealer>>> = Mutex::new(None);

/// The cached value for the pair, or a new one built with the GIL released.
fn cached<V: Send + Sync>(
    py: Python<'_>,
    cache: &Mutex<Option<PemCache<V>>>,
    private_pem: &str,
    public_pem: &str,
    build: impl FnOnce() -> Result<V> + Send,
) -> Result<Arc<V>> {
    {
        let mut guard = cache.lock().unwrap_or_else(PoisonError::into_inner);
        let cache = guard.get_or_insert_with(|| PemCache::new(DEFAULT_CACHE_SIZE));
        if let Some(value) = cache.get(private_pem, public_pem) {
            return Ok(value);
        }
    }
    let value = Arc::new(py.detach(build)?);
    let mut guard = cache.lock().unwrap_or_else(PoisonError::into_inner);
    guard
        .get_or_insert_with(|| PemCache::new(DEFAULT_CACHE_SIZE))
        .insert(private_pem, public_pem, Arc::clone(&value));
    Ok(value)
}

fn opener(py: Python<'_>, private_pem: &str, public_pem: &str) -> Result<Arc<Opener>> {
    cached(py, &OPENERS, private_pem, public_pem, || {
        let recipient = PrivateKey::from_pem(private_pem)?;
        let signer = PublicKey::from_pem(public_pem)?;
        Ok(Opener::with_backend(
            &recipient,
            &signer,
            Backend::fastest(),
        )?)
    })
}

fn sealer(py: Python<'_>, private_pem: &str, public_pem: &str) -> Result<Arc<Sealer>> {
    cached(py, &SEALERS, private_pem, public_pem, || {
        let signer = PrivateKey::from_pem(private_pem)?;
        let recipient = PublicKey::from_pem(public_pem)?;
        Ok(Sealer::with_backend(
            &signer,
            &recipient,
            Backend::fastest(),
        )?)
    })
}

/// PEM text given as `str` (or UTF-8 `bytes`).
fn pem_text(value: &Bound<'_, PyAny>, parameter: &str) -> Result<String> {
    if let Ok(text) = value.cast::<PyString>() {
        return text
            .to_cow()
            .map(std::borrow::Cow::into_owned)
            .map_err(|_| Error::WrongValue(format!("{parameter} is not valid Unicode text")));
    }
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return String::from_utf8(bytes.as_bytes().to_vec())
            .map_err(|_| Error::WrongValue(format!("{parameter} is not UTF-8 text")));
    }
    Err(Error::WrongType(format!(
        "{parameter} must be a PEM string, not {}",
        type_name(value)
    )))
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |name| name.to_string())
}

/// The two fields of a sealed vote: attributes of any object (electiersa's or electie's
/// `VoteEncrypted`, a dataclass, ...) or keys of a mapping.
fn sealed_fields(value: &Bound<'_, PyAny>, what: &str) -> Result<Sealed> {
    let field = |name: &str| -> Result<String> {
        let item = match value.getattr(name) {
            Ok(item) => item,
            Err(_) => match value.cast::<PyMapping>() {
                Ok(mapping) => mapping
                    .get_item(name)
                    .map_err(|_| Error::WrongType(format!("{what} has no key {name:?}")))?,
                Err(_) => {
                    return Err(Error::WrongType(format!(
                        "{what} must have the attributes encrypted_message and encrypted_object (a VoteEncrypted), not {}",
                        type_name(value)
                    )));
                }
            },
        };
        let text = item.cast::<PyString>().map_err(|_| {
            Error::WrongType(format!(
                "{what}.{name} must be a str, not {}",
                type_name(&item)
            ))
        })?;
        text.to_cow()
            .map(std::borrow::Cow::into_owned)
            .map_err(|_| Error::WrongValue(format!("{what}.{name} is not valid Unicode text")))
    };
    Ok(Sealed {
        encrypted_message: field("encrypted_message")?,
        encrypted_object: field("encrypted_object")?,
    })
}

/// `get_rsa_key_pair(key_length=2048)`: `(private_pem, public_pem)` exactly as
/// electiersa writes them (PKCS#1 private, SubjectPublicKeyInfo public).
#[pyfunction]
#[pyo3(signature = (key_length = 2048))]
pub(crate) fn get_rsa_key_pair(py: Python<'_>, key_length: i64) -> PyResult<(String, String)> {
    let bits = usize::try_from(key_length).map_err(|_| {
        Error::WrongValue(format!(
            "RSA key size {key_length} bits is not supported: it must be between {} and {} bits",
            electie_crypto::keys::MIN_KEY_BITS,
            electie_crypto::keys::MAX_KEY_BITS
        ))
    })?;
    let pair = py.detach(|| -> Result<(String, String)> {
        let key = PrivateKey::generate(bits)?;
        Ok((key.to_pem().to_string(), key.public_key().to_pem()))
    })?;
    Ok(pair)
}

/// Seals `vote` (any JSON-able object) for the receiver: `(encrypted_message,
/// encrypted_object)`.
#[pyfunction]
#[pyo3(signature = (vote, g_rsa_private_key_pem, rsa_public_key_pem, aes_key_length = 32))]
pub(crate) fn encrypt_vote(
    py: Python<'_>,
    vote: &Bound<'_, PyAny>,
    g_rsa_private_key_pem: &Bound<'_, PyAny>,
    rsa_public_key_pem: &Bound<'_, PyAny>,
    aes_key_length: i64,
) -> PyResult<(String, String)> {
    let value = json::to_value(vote)?;
    let length = usize::try_from(aes_key_length)
        .map_err(|_| {
            Error::WrongValue(format!(
                "AES key length must be 16, 24 or 32 bytes, got {aes_key_length}"
            ))
        })
        .and_then(|bytes| Ok(AesKeyLength::from_bytes(bytes)?))?;
    let private_pem = pem_text(g_rsa_private_key_pem, "g_rsa_private_key_pem")?;
    let public_pem = pem_text(rsa_public_key_pem, "rsa_public_key_pem")?;
    let sealer = sealer(py, &private_pem, &public_pem)?;
    let sealed = py.detach(|| {
        let mut rng = electie_crypto::system_rng();
        sealer.seal_value(&value, length, &mut rng)
    });
    let sealed = sealed.map_err(Error::from)?;
    Ok((sealed.encrypted_message, sealed.encrypted_object))
}

/// Opens one sealed vote and checks its signature; returns the payload (a `dict` in its
/// parsed key order).
#[pyfunction]
pub(crate) fn decrypt_vote<'py>(
    py: Python<'py>,
    encrypted_vote: &Bound<'py, PyAny>,
    rsa_private_key_pem: &Bound<'py, PyAny>,
    g_rsa_public_key_pem: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let sealed = sealed_fields(encrypted_vote, "encrypted_vote")?;
    let private_pem = pem_text(rsa_private_key_pem, "rsa_private_key_pem")?;
    let public_pem = pem_text(g_rsa_public_key_pem, "g_rsa_public_key_pem")?;
    let opener = opener(py, &private_pem, &public_pem)?;
    let opened = py.detach(|| opener.open(&sealed)).map_err(Error::from)?;
    json::to_python(py, opened.value())
}

/// Opens many sealed votes in parallel with the GIL released: one item per input, in
/// order, the payload or the `DecryptionError` it failed with (not raised).
#[pyfunction]
pub(crate) fn decrypt_votes<'py>(
    py: Python<'py>,
    encrypted_votes: &Bound<'py, PyAny>,
    rsa_private_key_pem: &Bound<'py, PyAny>,
    g_rsa_public_key_pem: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyList>> {
    let mut sealed = Vec::new();
    let items = encrypted_votes.try_iter().map_err(|_| {
        Error::WrongType(format!(
            "encrypted_votes must be an iterable of VoteEncrypted, not {}",
            type_name(encrypted_votes)
        ))
    })?;
    for (index, item) in items.enumerate() {
        sealed.push(sealed_fields(&item?, &format!("encrypted_votes[{index}]"))?);
    }
    let private_pem = pem_text(rsa_private_key_pem, "rsa_private_key_pem")?;
    let public_pem = pem_text(g_rsa_public_key_pem, "g_rsa_public_key_pem")?;
    let opener = opener(py, &private_pem, &public_pem)?;
    let opened = py.detach(|| opener.open_batch(&sealed));
    let results = PyList::empty(py);
    for item in opened {
        match item {
            Ok(opened) => results.append(json::to_python(py, opened.value())?)?,
            Err(error) => results.append(decryption_error_value(py, error))?,
        }
    }
    Ok(results)
}

/// Sets how many key pairs the opening and the sealing caches each keep (0 turns
/// caching off); returns the previous size.
#[pyfunction]
pub(crate) fn set_key_cache_size(size: usize) -> usize {
    resize(&SEALERS, size);
    resize(&OPENERS, size)
}

fn resize<V>(cache: &Mutex<Option<PemCache<V>>>, size: usize) -> usize {
    let mut guard = cache.lock().unwrap_or_else(PoisonError::into_inner);
    let cache = guard.get_or_insert_with(|| PemCache::new(DEFAULT_CACHE_SIZE));
    let previous = cache.capacity;
    cache.resize(size);
    previous
}

/// Which RSA backend opening uses in this build (`aws-lc` or `rustcrypto`).
#[pyfunction]
pub(crate) fn rsa_backend() -> &'static str {
    Backend::fastest().name()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_pair_is_evicted() {
        let mut cache = PemCache::new(2);
        cache.insert("a", "x", Arc::new(1));
        cache.insert("b", "x", Arc::new(2));
        assert_eq!(cache.get("a", "x").as_deref(), Some(&1)); // "b" is now the oldest
        cache.insert("c", "x", Arc::new(3));
        assert_eq!(cache.entries.len(), 2);
        assert!(cache.get("b", "x").is_none());
        assert_eq!(cache.get("a", "x").as_deref(), Some(&1));
        assert_eq!(cache.get("c", "x").as_deref(), Some(&3));
        // both texts are the key
        assert!(cache.get("a", "y").is_none());
        assert!(cache.get("x", "a").is_none());
    }

    #[test]
    fn a_cache_of_size_zero_keeps_nothing_and_resizing_evicts() {
        let mut cache = PemCache::new(0);
        cache.insert("a", "x", Arc::new(1));
        assert!(cache.get("a", "x").is_none());
        cache.resize(3);
        for (index, name) in ["a", "b", "c"].into_iter().enumerate() {
            cache.insert(name, "x", Arc::new(index));
        }
        cache.resize(1);
        assert_eq!(cache.entries.len(), 1);
        assert_eq!(cache.get("c", "x").as_deref(), Some(&2));
    }
}
