//! The preferential votes of one polling place, stored sparsely.
//!
//! A polling place sees a small fraction of the candidates (NR SR 2020: 2 736 on the
//! ballots, a few hundred circled in any one place), so a place keeps only the
//! candidates it counted: `(candidate index, votes)` pairs sorted by candidate, never a
//! zero. Adding a batch's counts and merging two tallies are one linear merge of
//! sorted lists, touching only what was counted.

/// `(candidate index, votes)` sorted by candidate index, every count positive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SparseCounts {
    entries: Vec<(u32, u32)>,
}

impl SparseCounts {
    /// The counted candidates in candidate order.
    pub(crate) fn entries(&self) -> &[(u32, u32)] {
        &self.entries
    }

    /// Votes of one candidate (0 when not counted here).
    pub(crate) fn get(&self, candidate: u32) -> u32 {
        self.entries
            .binary_search_by_key(&candidate, |&(c, _)| c)
            .map_or(0, |at| self.entries[at].1)
    }

    /// How many of `adds` (sorted by candidate, distinct, positive) are new here, or
    /// `None` when adding them would take a count past `u32::MAX`.
    pub(crate) fn plan(&self, adds: &[(u32, u32)]) -> Option<usize> {
        let (mut i, mut new) = (0, 0);
        for &(candidate, votes) in adds {
            while i < self.entries.len() && self.entries[i].0 < candidate {
                i += 1;
            }
            match self.entries.get(i) {
                Some(&(c, have)) if c == candidate => {
                    have.checked_add(votes)?;
                    i += 1;
                }
                _ => new += 1,
            }
        }
        Some(new)
    }

    /// Adds `adds` (sorted, distinct, positive), of which `new` are not here yet (as
    /// [`SparseCounts::plan`] answered, which also proved that nothing overflows).
    pub(crate) fn apply(&mut self, adds: &[(u32, u32)], new: usize) {
        if new == 0 {
            let mut i = 0;
            for &(candidate, votes) in adds {
                while self.entries[i].0 < candidate {
                    i += 1;
                }
                self.entries[i].1 += votes;
                i += 1;
            }
            return;
        }
        // Merge from the back into the grown list: every entry moves at most once.
        let old = self.entries.len();
        self.entries.resize(old + new, (0, 0));
        let (mut i, mut j, mut k) = (old, adds.len(), old + new);
        while j > 0 {
            let (candidate, votes) = adds[j - 1];
            k -= 1;
            if i > 0 && self.entries[i - 1].0 > candidate {
                self.entries[k] = self.entries[i - 1];
                i -= 1;
            } else if i > 0 && self.entries[i - 1].0 == candidate {
                self.entries[k] = (candidate, self.entries[i - 1].1 + votes);
                i -= 1;
                j -= 1;
            } else {
                self.entries[k] = (candidate, votes);
                j -= 1;
            }
        }
    }

    /// The list itself, for a caller that rebuilds it whole: it must stay sorted by
    /// candidate, distinct, every count positive.
    pub(crate) fn list_mut(&mut self) -> &mut Vec<(u32, u32)> {
        &mut self.entries
    }

    /// Bytes held on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<(u32, u32)>()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::BTreeMap;

    /// Adding sorted runs agrees with a plain map, and overflow is refused up front.
    #[test]
    fn adding_runs_agrees_with_a_map() {
        let mut state = 7u64;
        let mut next = |bound: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % bound
        };
        let mut sparse = SparseCounts::default();
        let mut map: BTreeMap<u32, u32> = BTreeMap::new();
        for _ in 0..2_000 {
            let mut adds: BTreeMap<u32, u32> = BTreeMap::new();
            for _ in 0..next(12) {
                *adds.entry(next(300) as u32).or_default() += 1 + next(3) as u32;
            }
            let adds: Vec<(u32, u32)> = adds.into_iter().collect();
            let new = sparse.plan(&adds).unwrap();
            assert_eq!(
                new,
                adds.iter().filter(|(c, _)| !map.contains_key(c)).count()
            );
            sparse.apply(&adds, new);
            for (c, v) in adds {
                *map.entry(c).or_default() += v;
            }
            assert_eq!(
                sparse.entries,
                map.iter().map(|(&c, &v)| (c, v)).collect::<Vec<_>>()
            );
        }
        assert_eq!(sparse.get(1_000), 0);
        let (&c, &v) = map.iter().next().unwrap();
        assert_eq!(sparse.get(c), v);
        assert_eq!(sparse.plan(&[(c, u32::MAX - v + 1)]), None);
        assert_eq!(sparse.plan(&[(c, u32::MAX - v)]), Some(0));
    }
}
