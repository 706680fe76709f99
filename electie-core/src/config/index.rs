//! Id → dense index lookups, built once when a configuration loads: direct tables
//! for compact ids, hash maps otherwise.

use rustc_hash::FxHashMap;

#[cfg(feature = "vote-batch")]
use crate::batch::{WIDE_ID, narrow_id};
use crate::error::{ConfigProblem, Result};
#[cfg(feature = "vote-batch")]
use crate::models::Party;

/// id → dense index: a direct table when ids are compact (the usual case, ids by
/// index), a hash map otherwise.
#[derive(Debug, Clone)]
pub(super) enum IdIndex {
    Table(DenseTable),
    Map(FxHashMap<i64, u32>),
}

const EMPTY_SLOT: u32 = u32::MAX;

/// A direct table from compact ids to `u32` values, read without branches: one slot
/// per id of the span, then one slot for every id outside it.
#[derive(Debug, Clone)]
pub(crate) struct DenseTable {
    first_id: i64,
    /// The values of the span, then [`DenseTable::MISSING`] for ids outside it.
    values: Vec<u32>,
    /// Whether every id of the span has a value (none is [`DenseTable::MISSING`]).
    full: bool,
}

impl DenseTable {
    /// What an id not in the table maps to.
    pub(crate) const MISSING: u32 = EMPTY_SLOT;

    fn new(first_id: i64, mut values: Vec<u32>) -> Self {
        let full = !values.contains(&Self::MISSING);
        values.push(Self::MISSING);
        Self {
            first_id,
            values,
            full,
        }
    }

    /// The value of `id`, or [`DenseTable::MISSING`].
    #[inline]
    pub(crate) fn get(&self, id: i64) -> u32 {
        self.lookup().get(id)
    }

    /// The table as two plain values, for hot loops to keep in registers.
    #[inline]
    pub(crate) fn lookup(&self) -> DenseLookup<'_> {
        DenseLookup {
            first_id: self.first_id,
            values: &self.values,
            full: self.full,
        }
    }
}

/// A [`DenseTable`] borrowed as its first id and values: a loop holding one copies
/// both into registers once, where a `&DenseTable` would be read again after every
/// store the compiler cannot prove unrelated.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DenseLookup<'table> {
    first_id: i64,
    /// Never empty: the last slot is [`DenseTable::MISSING`], shared by every id
    /// outside the span.
    values: &'table [u32],
    /// Whether every id of the span has a value (see [`DenseTable`]); read by the
    /// batch check only.
    #[cfg_attr(not(feature = "vote-batch"), allow(dead_code))]
    full: bool,
}

impl DenseLookup<'_> {
    /// The value of `id`; for an id outside the span, the last slot's value
    /// ([`DenseTable::MISSING`], or a code table's own "none").
    #[inline]
    pub(crate) fn get(self, id: i64) -> u32 {
        // An id outside the span wraps to an offset past its end (the span is below
        // 2^63 ids, so no wrapped difference lands inside): the last slot, or past
        // the table (a branch the processor predicts) and given the last slot.
        let offset = id.wrapping_sub(self.first_id) as u64 as usize;
        match self.values.get(offset) {
            Some(&value) => value,
            None => self.outside(),
        }
    }

    /// What every id outside the span maps to: the last slot.
    #[cold]
    fn outside(self) -> u32 {
        self.values.last().copied().unwrap_or(DenseTable::MISSING)
    }

    /// When every id of the span has a value and the span lies within 32-bit ids:
    /// the first id and the span's length, so that "has a value" is one 32-bit
    /// comparison, `id.wrapping_sub(first) as u32 < length`, which vectorises where a
    /// lookup does not. (With the span inside `i32`, no wrapped difference of two
    /// `i32`s lands below the length unless the id is in the span.)
    #[cfg(feature = "vote-batch")]
    #[inline]
    pub(crate) fn narrow_full_span(self) -> Option<(i32, u32)> {
        let length = u32::try_from(self.values.len() - 1).ok()?;
        let first = i32::try_from(self.first_id).ok()?;
        let last = self.first_id + i64::from(length) - 1;
        (self.full && i32::try_from(last).is_ok()).then_some((first, length))
    }
}

/// The lookups behind validating a whole batch with few branches: party id → dense
/// party index (the configuration's own party table, [`DenseTable::MISSING`] for no
/// party), and candidate id → the code of its party's id as a
/// [`VoteBatch`](crate::VoteBatch) stores party ids, sign-extended to 32 bits
/// (`WIDE_ID`, which no coded id equals, for no candidate).
#[cfg(feature = "vote-batch")]
#[derive(Debug, Clone, Copy)]
pub(crate) struct BallotTables<'config> {
    pub(crate) party: DenseLookup<'config>,
    pub(crate) party_of_candidate: DenseLookup<'config>,
}

/// Candidate id → its party's id as a batch codes it, when candidate ids are compact
/// and every party id has a code.
#[cfg(feature = "vote-batch")]
pub(super) fn party_of_candidate_table(
    candidate_index: &IdIndex,
    candidate_party: &[u32],
    parties: &[Party],
) -> Option<DenseTable> {
    let IdIndex::Table(candidates) = candidate_index else {
        return None;
    };
    let codes: Vec<u32> = parties
        .iter()
        // The code's bits are kept as a `u32`; comparing them as an `i32` gives
        // the id back.
        .map(|party| narrow_id(party.id.0).map(|code| code as u32))
        .collect::<Option<_>>()?;
    Some(DenseTable {
        first_id: candidates.first_id,
        full: false,
        values: candidates
            .values
            .iter()
            .map(|&index| {
                if index == DenseTable::MISSING {
                    WIDE_ID as u32
                } else {
                    codes[candidate_party[index as usize] as usize]
                }
            })
            .collect(),
    })
}

impl IdIndex {
    pub(super) fn build(
        ids: impl Iterator<Item = i64> + Clone,
        kind: &'static str,
    ) -> Result<Self> {
        let count = ids.clone().count();
        let (min, max) = ids.clone().fold((i64::MAX, i64::MIN), |(lo, hi), id| {
            (lo.min(id), hi.max(id))
        });
        let span = (max as i128) - (min as i128) + 1;
        if count > 0 && span <= (count as i128) * 4 + 1024 {
            let mut slots = vec![EMPTY_SLOT; span as usize];
            for (index, id) in ids.enumerate() {
                let slot = &mut slots[(id - min) as usize];
                if *slot != EMPTY_SLOT {
                    return Err(ConfigProblem::DuplicateId { kind, id }.into());
                }
                *slot = index as u32;
            }
            Ok(IdIndex::Table(DenseTable::new(min, slots)))
        } else {
            let mut map = FxHashMap::default();
            for (index, id) in ids.enumerate() {
                if map.insert(id, index as u32).is_some() {
                    return Err(ConfigProblem::DuplicateId { kind, id }.into());
                }
            }
            Ok(IdIndex::Map(map))
        }
    }

    #[inline]
    pub(super) fn get(&self, id: i64) -> Option<usize> {
        match self {
            IdIndex::Table(table) => {
                let index = table.get(id);
                (index != DenseTable::MISSING).then_some(index as usize)
            }
            IdIndex::Map(map) => map.get(&id).map(|&index| index as usize),
        }
    }
}
