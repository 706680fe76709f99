//! Rule 11 over a batch's token hashes: a per-thread sieve that proves, nearly always,
//! that no two hashes are equal.

/// `true` when no two of `hashes` are equal; `false` when two are (their tokens may
/// be equal).
///
/// The hashes are filed in a [`HashSieve`] kept by the thread, so a batch neither
/// allocates nor clears a table: each takes one load and one store, and a branch
/// that is taken only when the hash's slot is occupied already (about one hash in
/// [`SIEVE_SPREAD`]).
pub(super) fn hashes_surely_differ(hashes: &[u32]) -> bool {
    let Some(slots) = HashSieve::slots_for(hashes.len()) else {
        return false;
    };
    if slots > SIEVE_KEPT {
        return HashSieve::default().all_distinct(slots, hashes);
    }
    SIEVE.with(|sieve| match sieve.try_borrow_mut() {
        Ok(mut sieve) => sieve.all_distinct(slots, hashes),
        // Unreachable (nothing runs inside the sieve), but never a panic.
        Err(_) => HashSieve::default().all_distinct(slots, hashes),
    })
}

/// Slots of a [`HashSieve`] per hash filed: the fewer hashes share a first slot, the
/// fewer branches are mispredicted.
const SIEVE_SPREAD: usize = 16;
/// The largest sieve a thread keeps between batches (1 MiB); larger batches use a
/// table of their own.
const SIEVE_KEPT: usize = 1 << 17;

thread_local! {
    static SIEVE: std::cell::RefCell<HashSieve> = const {
        std::cell::RefCell::new(HashSieve { slots: Vec::new(), round: 0 })
    };
}

/// An open-addressing set of 32-bit hashes that is emptied in constant time: a slot
/// holds the round it was written in beside the hash, and counts only in its round.
#[derive(Default)]
struct HashSieve {
    slots: Vec<u64>,
    round: u32,
}

impl HashSieve {
    /// The table size for `count` hashes (a power of two), `None` beyond any size a
    /// hash can address.
    fn slots_for(count: usize) -> Option<usize> {
        let spread = count.checked_mul(SIEVE_SPREAD)?.next_power_of_two();
        let least = count.checked_mul(2)?.next_power_of_two();
        Some(spread.clamp(64, SIEVE_KEPT).max(least)).filter(|&slots| slots <= 1 << 32)
    }

    /// Files `hashes` in the first `slots` slots (a power of two, at least twice as
    /// many as hashes); `false` as soon as one is there already.
    fn all_distinct(&mut self, slots: usize, hashes: &[u32]) -> bool {
        self.round = self.round.wrapping_add(1);
        if self.round == 0 {
            // Every 2^32 rounds, slots of the same number could be stale.
            self.slots.fill(0);
            self.round = 1;
        }
        let slots = if slots <= SIEVE_USUAL {
            SIEVE_USUAL
        } else {
            slots
        };
        if self.slots.len() < slots {
            self.slots.resize(slots, 0);
        }
        let round = u64::from(self.round);
        match <&mut [u64; SIEVE_USUAL]>::try_from(&mut self.slots[..slots]) {
            // The usual size as a constant: no bounds check in the loop.
            Ok(table) => file_distinct(table, round, hashes),
            Err(_) => file_distinct(&mut self.slots[..slots], round, hashes),
        }
    }
}

/// The sieve every batch of up to 1 024 votes uses (128 KiB a thread).
const SIEVE_USUAL: usize = 1 << 14;

/// Files `hashes` in `table` (a power of two of slots) as written in `round`;
/// `false` as soon as one is there already.
#[inline(always)]
fn file_distinct(table: &mut [u64], round: u64, hashes: &[u32]) -> bool {
    let mask = table.len() - 1;
    let shift = 32 - table.len().trailing_zeros();
    for &hash in hashes {
        // The top bits of the hash choose the first slot.
        let mut slot = hash.checked_shr(shift).unwrap_or(0) as usize & mask;
        loop {
            let occupant = table[slot];
            if occupant >> 32 != round {
                table[slot] = round << 32 | u64::from(hash);
                break;
            }
            if occupant as u32 == hash {
                return false;
            }
            slot = (slot + 1) & mask;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::{HashSieve, SIEVE_KEPT, hashes_surely_differ};

    #[test]
    fn hashes_surely_differ_only_when_no_two_are_equal() {
        let spread: Vec<u32> = (0..1000u32)
            .map(|index| index.wrapping_mul(0x9E37_79B9))
            .collect();
        // Twice each, so the thread's sieve is reused: a later round must not see the
        // hashes of an earlier one.
        for _ in 0..2 {
            assert!(hashes_surely_differ(&spread));
            assert!(hashes_surely_differ(&spread[..1]));
            assert!(hashes_surely_differ(&[]));
        }
        let mut with_twin = spread.clone();
        with_twin.push(spread[500]);
        assert!(!hashes_surely_differ(&with_twin));
        // Hashes crowding into one slot run are all filed, and told apart.
        let crowded: Vec<u32> = (0..64).collect();
        assert!(hashes_surely_differ(&crowded));
        let mut crowded_twin = crowded.clone();
        crowded_twin.push(63);
        assert!(!hashes_surely_differ(&crowded_twin));
        // A batch beyond the kept sieve gets a table of its own.
        let many: Vec<u32> = (0..SIEVE_KEPT as u32)
            .map(|index| index.wrapping_mul(0x9E37_79B9))
            .collect();
        assert!(hashes_surely_differ(&many));
        assert!(!hashes_surely_differ(
            &[many.as_slice(), &many[..1]].concat()
        ));
    }

    #[test]
    fn sieve_starts_over_when_its_round_number_wraps() {
        let mut sieve = HashSieve::default();
        assert!(sieve.all_distinct(64, &[7, 8]));
        sieve.round = u32::MAX;
        assert!(sieve.all_distinct(64, &[7]));
        assert_eq!(sieve.round, 1, "the round after the last one is the first");
        assert!(sieve.all_distinct(64, &[7, 8]));
        assert!(!sieve.all_distinct(64, &[9, 9]));
    }
}
