//! Rule 11 over separate votes: an open-addressing table of token positions.

use crate::token_hash::token_hash;

/// Rule 11's table: an open-addressing set of token positions, sized once for the
/// batch at a quarter full (so nearly every insert finds a free slot at the first
/// probe, a predictable branch). A slot holds the top 24 bits of the token's 32-bit
/// hash and its position, so the full hashes are compared only when those bits
/// agree, and the tokens' bytes only when the full hashes do; the tokens stay where
/// they are. It is the hottest structure of validation.
pub(super) struct TokenTable {
    /// `0` for an empty slot, else the hash's top bits ([`TokenTable::TAG`]) and the
    /// token's position + 1 (below 2^40, far beyond any batch in memory).
    slots: Vec<u64>,
    filed: usize,
    /// `64 - log2(slots.len())`: a token's first slot is the top bits of its hash.
    shift: u32,
}

impl TokenTable {
    const TAG: u64 = !((1 << 40) - 1);

    pub(super) fn with_capacity(count: usize) -> Self {
        let slots = (count.max(4) * 4).next_power_of_two();
        Self {
            slots: vec![0; slots],
            filed: 0,
            shift: 64 - slots.trailing_zeros(),
        }
    }

    /// The hash in the top half of 64 bits, where slots and tags take their bits.
    #[inline]
    fn high(hash: u32) -> u64 {
        u64::from(hash) << 32
    }

    /// Files the token at `position`, whose hash is `hash`, unless an equal token is
    /// filed already (`false` then). `hash_at(filed)` is the hash of the token at a
    /// filed position, and `same_token(filed)` whether that token equals this one.
    #[inline]
    pub(super) fn insert(
        &mut self,
        hash: u32,
        position: usize,
        hash_at: impl Fn(usize) -> u32,
        same_token: impl Fn(usize) -> bool,
    ) -> bool {
        if self.filed * 4 >= self.slots.len() {
            self.grow(&hash_at);
        }
        let high = Self::high(hash);
        let tag = high & Self::TAG;
        let mask = self.slots.len() - 1;
        let mut slot = (high >> self.shift) as usize;
        loop {
            let occupant = self.slots[slot];
            if occupant == 0 {
                self.slots[slot] = tag | (position as u64 + 1);
                self.filed += 1;
                return true;
            }
            if occupant & Self::TAG == tag {
                let filed = Self::position(occupant);
                if hash_at(filed) == hash && same_token(filed) {
                    return false;
                }
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The position filed in an occupied slot.
    #[inline]
    fn position(occupant: u64) -> usize {
        (occupant & !Self::TAG) as usize - 1
    }

    /// Doubles the table (only when more tokens come than it was sized for).
    #[cold]
    fn grow(&mut self, hash_at: &impl Fn(usize) -> u32) {
        let old = std::mem::replace(self, Self::with_capacity(self.filed * 2));
        let mask = self.slots.len() - 1;
        for occupant in old.slots.into_iter().filter(|&occupant| occupant != 0) {
            // The filed tokens are distinct: each only needs a free slot.
            let mut slot = (Self::high(hash_at(Self::position(occupant))) >> self.shift) as usize;
            while self.slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            self.slots[slot] = occupant;
            self.filed += 1;
        }
    }
}

/// The tokens of a batch of separate votes, with their [`TokenTable`] (rule 11).
pub(super) struct BatchTokens<'batch> {
    table: TokenTable,
    /// The tokens' bytes: comparing bytes skips the UTF-8 boundary checks of `str`.
    tokens: Vec<&'batch [u8]>,
    hashes: Vec<u32>,
}

impl<'batch> BatchTokens<'batch> {
    pub(super) fn with_capacity(count: usize) -> Self {
        Self {
            table: TokenTable::with_capacity(count),
            tokens: Vec::with_capacity(count),
            hashes: Vec::with_capacity(count),
        }
    }

    /// Adds `token`; `false` when it was already there.
    #[inline]
    pub(super) fn insert(&mut self, token: &'batch [u8]) -> bool {
        let hash = token_hash(token);
        let (tokens, hashes) = (&self.tokens, &self.hashes);
        let new = self.table.insert(
            hash,
            tokens.len(),
            |filed| hashes[filed],
            |filed| tokens[filed] == token,
        );
        if new {
            self.tokens.push(token);
            self.hashes.push(hash);
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::BatchTokens;

    #[test]
    fn batch_tokens_find_every_repeat_and_only_repeats() {
        let tokens: Vec<String> = (0..5000).map(|index| format!("token-{index}")).collect();
        // Sized too small on purpose, so growing is exercised too.
        let mut set = BatchTokens::with_capacity(3);
        for token in &tokens {
            assert!(set.insert(token.as_bytes()), "{token} is new");
        }
        for token in &tokens {
            assert!(!set.insert(token.as_bytes()), "{token} is a repeat");
        }
        assert!(set.insert(b""));
        assert!(!set.insert(b""));
    }
}
