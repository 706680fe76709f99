//! The one hash every token of a batch and of the in-memory store is filed under.
//!
//! A token is hashed once, when it enters a `VoteBatch` (feature `vote-batch`) or the
//! [`InMemoryTokenStore`](crate::InMemoryTokenStore), and the hash is kept beside it:
//! rules 9 and 11 then compare 4-byte hashes and only touch the token's bytes when two
//! hashes agree. 32 bits are plenty for that: in a batch of a thousand tokens, two
//! agree by chance about once in ten thousand batches, and cost one comparison. (CPython does the same: a `str` caches its hash, so a Python server
//! hashes each token once however often it looks it up.)
//!
//! The hash is keyed with a seed drawn once per process, so nobody outside can craft
//! tokens that collide and turn a batch's or a polling place's table into a list. The
//! consequence: hashes mean nothing across processes, and nothing stores them.

use std::hash::BuildHasher;
use std::sync::OnceLock;

use foldhash::quality::SeedableRandomState;

/// The process's keyed hash of a token's bytes.
#[inline]
pub(crate) fn token_hash(token: &[u8]) -> u32 {
    static KEY: OnceLock<SeedableRandomState> = OnceLock::new();
    let hash = KEY.get_or_init(SeedableRandomState::random).hash_one(token);
    (hash >> 32) as u32
}

/// A 32-bit token hash spread over 64 bits, for tables that take their bucket from
/// the low bits and a tag from the top ones.
#[inline]
pub(crate) fn spread(hash: u32) -> u64 {
    u64::from(hash).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[cfg(test)]
mod tests {
    use super::token_hash;

    #[test]
    fn equal_tokens_hash_equal_and_different_ones_apart() {
        assert_eq!(token_hash(b"a-token"), token_hash(b"a-token"));
        // 32-bit hashes of 10 000 tokens: about one pair agrees by chance.
        let hashes: std::collections::BTreeSet<u32> = (0..10_000u32)
            .map(|number| token_hash(format!("{number:032x}").as_bytes()))
            .collect();
        assert!(hashes.len() >= 9_995, "{}", hashes.len());
        // The empty token and a prefix are tokens like any other.
        assert_ne!(token_hash(b""), token_hash(b"a"));
        assert_ne!(token_hash(b"ab"), token_hash(b"a"));
    }
}
