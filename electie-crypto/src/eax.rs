//! AES in EAX mode as pycryptodome implements it: 16-byte tag, no associated data,
//! and a nonce of any non-zero length (the RustCrypto `eax` crate fixes it at 16 bytes;
//! electiersa always draws 16, but pycryptodome opens any length, so electie does too).

use aes::{Aes128, Aes192, Aes256};
use cipher::consts::U16;
use cipher::{BlockCipherEncrypt, BlockSizeUser, InnerIvInit, KeyInit, StreamCipher};
use cmac::{Cmac, Mac};

/// Length of the EAX tag in bytes (pycryptodome's default `mac_len`).
pub(crate) const TAG_LEN: usize = 16;

/// An AES cipher keyed with one of the three legal key lengths. The round keys are
/// wiped when dropped (the `aes` crate's `zeroize` feature).
pub(crate) enum AesKey {
    Aes128(Aes128),
    Aes192(Aes192),
    Aes256(Aes256),
}

impl AesKey {
    /// Accepts 16, 24 or 32 bytes.
    pub(crate) fn new(bytes: &[u8]) -> Option<Self> {
        match bytes.len() {
            16 => Aes128::new_from_slice(bytes).ok().map(AesKey::Aes128),
            24 => Aes192::new_from_slice(bytes).ok().map(AesKey::Aes192),
            32 => Aes256::new_from_slice(bytes).ok().map(AesKey::Aes256),
            _ => None,
        }
    }
}

/// Encrypts `buffer` in place and returns the tag.
pub(crate) fn encrypt(key: &AesKey, nonce: &[u8], buffer: &mut [u8]) -> [u8; TAG_LEN] {
    match key {
        AesKey::Aes128(cipher) => encrypt_with(cipher, nonce, buffer),
        AesKey::Aes192(cipher) => encrypt_with(cipher, nonce, buffer),
        AesKey::Aes256(cipher) => encrypt_with(cipher, nonce, buffer),
    }
}

/// Checks the tag in constant time, then decrypts `buffer` in place. `false` when the
/// tag does not match or the nonce is empty (pycryptodome refuses an empty nonce).
#[must_use]
pub(crate) fn decrypt(key: &AesKey, nonce: &[u8], buffer: &mut [u8], tag: &[u8]) -> bool {
    if nonce.is_empty() || tag.len() != TAG_LEN {
        return false;
    }
    match key {
        AesKey::Aes128(cipher) => decrypt_with(cipher, nonce, buffer, tag),
        AesKey::Aes192(cipher) => decrypt_with(cipher, nonce, buffer, tag),
        AesKey::Aes256(cipher) => decrypt_with(cipher, nonce, buffer, tag),
    }
}

/// OMAC^t(data) = CMAC(0^15 || t || data), as in the EAX paper.
fn omac<C>(cipher: &C, domain: u8, data: &[u8]) -> [u8; 16]
where
    C: BlockSizeUser<BlockSize = U16> + BlockCipherEncrypt + Clone + KeyInit,
{
    let mut mac = <Cmac<C> as cmac::digest::InnerInit>::inner_init(cipher.clone());
    mac.update(&[0; 15]);
    mac.update(&[domain]);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn encrypt_with<C>(cipher: &C, nonce: &[u8], buffer: &mut [u8]) -> [u8; TAG_LEN]
where
    C: BlockSizeUser<BlockSize = U16> + BlockCipherEncrypt + Clone + KeyInit,
{
    let n = omac(cipher, 0, nonce);
    let h = omac(cipher, 1, &[]);
    keystream(cipher, &n).apply_keystream(buffer);
    let c = omac(cipher, 2, buffer);
    std::array::from_fn(|i| n[i] ^ h[i] ^ c[i])
}

fn decrypt_with<C>(cipher: &C, nonce: &[u8], buffer: &mut [u8], tag: &[u8]) -> bool
where
    C: BlockSizeUser<BlockSize = U16> + BlockCipherEncrypt + Clone + KeyInit,
{
    let n = omac(cipher, 0, nonce);
    let h = omac(cipher, 1, &[]);
    let c = omac(cipher, 2, buffer);
    let mut difference = 0u8;
    for (i, received) in tag.iter().enumerate() {
        difference |= n[i] ^ h[i] ^ c[i] ^ received;
    }
    if difference != 0 {
        return false;
    }
    keystream(cipher, &n).apply_keystream(buffer);
    true
}

/// AES-CTR with the whole 128-bit block as a big-endian counter starting at `n`
/// (pycryptodome's EAX uses `initial_value = N'` with an empty CTR nonce).
fn keystream<C>(cipher: &C, n: &[u8; 16]) -> impl StreamCipher
where
    C: BlockSizeUser<BlockSize = U16> + BlockCipherEncrypt + Clone + KeyInit,
{
    cipher::StreamCipherCoreWrapper::from_core(
        ctr::CtrCore::<C, ctr::flavors::Ctr128BE>::inner_iv_init(cipher.clone(), &(*n).into()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper_for_every_key_length_and_nonce_length() {
        for key_length in [16, 24, 32] {
            for nonce_length in [1, 12, 16, 40] {
                let key = AesKey::new(&vec![7; key_length]).unwrap();
                let nonce = vec![9; nonce_length];
                let plain = b"{\"vote\": {}, \"signature\": \"\"}".to_vec();
                let mut buffer = plain.clone();
                let tag = encrypt(&key, &nonce, &mut buffer);
                assert_ne!(buffer, plain);
                let mut opened = buffer.clone();
                assert!(decrypt(&key, &nonce, &mut opened, &tag));
                assert_eq!(opened, plain);
                let mut tampered = buffer.clone();
                tampered[3] ^= 1;
                assert!(!decrypt(&key, &nonce, &mut tampered, &tag));
                assert!(!decrypt(&key, &nonce, &mut buffer.clone(), &tag[..15]));
                assert!(!decrypt(&key, &[], &mut buffer.clone(), &tag));
            }
        }
    }
}
