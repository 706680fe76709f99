//! Divisor (highest-averages) methods, allocated seat by seat with a heap: O(S log P).
//!
//! A party holding `k` seats competes for the next one with the quotient
//! `votes / d(k)`. Divisors are kept exact: rationals for all methods except
//! Huntington-Hill, whose divisor `sqrt(k(k+1))` is compared through squared
//! quotients (`votes² / (k(k+1))`), which orders parties identically.
//!
//! Adams, Huntington-Hill and Dean have `d(0) = 0`: every party with votes has an
//! infinite claim to its first seat. Infinite claims are ordered by votes (the limit
//! of `votes / ε`), so when there are fewer seats than parties with votes the largest
//! parties get one seat each and equal votes go to the tie policy. Parties with zero
//! votes never get a seat under any divisor method.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::error::{Error, Result};
use crate::ratio::{Ratio, cmp_products};
use crate::tie::{TieBreak, TiePolicy, break_tie};

use super::{Allocation, Details, check_seats};

/// A highest-averages method, named by its divisor sequence `d(k)` for a party
/// holding `k` seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DivisorMethod {
    /// D'Hondt / Jefferson: `1, 2, 3, …`.
    DHondt,
    /// Sainte-Laguë / Webster: `1, 3, 5, …`.
    SainteLague,
    /// Modified Sainte-Laguë: `first, 3, 5, 7, …` (Scandinavian `first = 1.4`).
    ModifiedSainteLague {
        /// The first divisor, exact (for example `Ratio::new(7, 5)`).
        first_divisor: Ratio,
    },
    /// Imperiali: `2, 3, 4, …`.
    Imperiali,
    /// Danish: `1, 4, 7, 10, …`.
    Danish,
    /// Huntington-Hill (equal proportions): `sqrt(k(k+1))` = `0, √2, √6, …`.
    HuntingtonHill,
    /// Adams (smallest divisors): `0, 1, 2, …`.
    Adams,
    /// Dean (harmonic mean): `2k(k+1)/(2k+1)` = `0, 4/3, 12/5, …`.
    Dean,
}

/// The divisor a party faced when it won a seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Divisor {
    /// The rational `numerator / denominator` (the numerator is zero for the first
    /// seat under Adams and Dean).
    Fraction {
        /// Numerator.
        numerator: u128,
        /// Denominator, never zero.
        denominator: u128,
    },
    /// The square root of an integer (Huntington-Hill).
    SquareRoot {
        /// The radicand `k(k+1)`.
        radicand: u128,
    },
}

impl Divisor {
    /// The divisor as a float, for display only.
    #[allow(clippy::cast_precision_loss)]
    pub fn to_f64(&self) -> f64 {
        match *self {
            Self::Fraction {
                numerator,
                denominator,
            } => numerator as f64 / denominator as f64,
            Self::SquareRoot { radicand } => (radicand as f64).sqrt(),
        }
    }
}

/// A party's claim `votes / divisor` to a seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotient {
    /// The party's votes.
    pub votes: u64,
    /// The divisor it faced.
    pub divisor: Divisor,
}

impl Quotient {
    /// `true` when the divisor is zero (first seat under Adams, Huntington-Hill, Dean).
    pub fn is_infinite(&self) -> bool {
        matches!(
            self.divisor,
            Divisor::Fraction { numerator: 0, .. } | Divisor::SquareRoot { radicand: 0 }
        )
    }

    /// The quotient as a float, for display only (infinite claims give `f64::INFINITY`).
    #[allow(clippy::cast_precision_loss)]
    pub fn to_f64(&self) -> f64 {
        if self.is_infinite() {
            return f64::INFINITY;
        }
        self.votes as f64 / self.divisor.to_f64()
    }

    /// `(numerator, denominator)` of a value that orders like the quotient (the
    /// quotient itself, or its square for Huntington-Hill); denominator 0 = infinite.
    #[inline]
    fn key(&self) -> (u128, u128) {
        let votes = u128::from(self.votes);
        match self.divisor {
            Divisor::Fraction {
                numerator,
                denominator,
            } => {
                if numerator == 0 {
                    (votes, 0)
                } else {
                    (votes * denominator, numerator)
                }
            }
            Divisor::SquareRoot { radicand } => {
                if radicand == 0 {
                    (votes, 0)
                } else {
                    (votes * votes, radicand)
                }
            }
        }
    }

    /// Exact comparison of two quotients of the same method.
    pub fn cmp_exact(&self, other: &Self) -> Ordering {
        cmp_keys(self.key(), other.key())
    }
}

impl DivisorMethod {
    /// The divisor for a party that already holds `held` seats.
    ///
    /// ```
    /// use electie_tally::apportion::divisor::{Divisor, DivisorMethod};
    /// assert_eq!(
    ///     DivisorMethod::Dean.divisor(1),
    ///     Divisor::Fraction { numerator: 4, denominator: 3 }
    /// );
    /// ```
    pub fn divisor(&self, held: u64) -> Divisor {
        let k = u128::from(held);
        let frac = |numerator: u128, denominator: u128| Divisor::Fraction {
            numerator,
            denominator,
        };
        match *self {
            Self::DHondt => frac(k + 1, 1),
            Self::SainteLague => frac(2 * k + 1, 1),
            Self::ModifiedSainteLague { first_divisor } => {
                if k == 0 {
                    frac(first_divisor.numerator(), first_divisor.denominator())
                } else {
                    frac(2 * k + 1, 1)
                }
            }
            Self::Imperiali => frac(k + 2, 1),
            Self::Danish => frac(3 * k + 1, 1),
            Self::HuntingtonHill => Divisor::SquareRoot {
                radicand: k * (k + 1),
            },
            Self::Adams => frac(k, 1),
            Self::Dean => frac(2 * k * (k + 1), 2 * k + 1),
        }
    }

    /// Allocates `seats` among parties with these `votes`.
    ///
    /// ```
    /// use electie_tally::apportion::divisor::DivisorMethod;
    /// use electie_tally::TiePolicy;
    /// let a = DivisorMethod::DHondt.allocate(&[340_000, 280_000, 160_000, 60_000, 15_000], 7, TiePolicy::Fail)?;
    /// assert_eq!(a.seats, vec![3, 3, 1, 0, 0]);
    /// # Ok::<(), electie_tally::Error>(())
    /// ```
    pub fn allocate(&self, votes: &[u64], seats: u64, tie: TiePolicy) -> Result<Allocation> {
        check_seats(seats)?;
        if let Self::ModifiedSainteLague { first_divisor } = self
            && first_divisor.numerator() == 0
        {
            return Err(Error::ZeroDivisor);
        }
        let mut held = self.seats_before_heap(votes, seats);
        let before_heap = held.clone();
        let entry = |party: usize, seats_held: u64| {
            let quotient = Quotient {
                votes: votes[party],
                divisor: self.divisor(seats_held),
            };
            Entry {
                key: quotient.key(),
                party,
            }
        };
        let mut heap: BinaryHeap<Entry> = votes
            .iter()
            .enumerate()
            .filter(|&(_, &v)| v > 0)
            .map(|(party, _)| entry(party, held[party]))
            .collect();
        if heap.is_empty() && seats > 0 {
            return Err(Error::NoVotes);
        }
        let jumped: u64 = before_heap.iter().sum();
        let mut awards = Vec::with_capacity(usize::try_from(seats - jumped).unwrap_or(0));
        let mut ties = Vec::new();
        let mut remaining = seats - jumped;
        let mut group: Vec<Entry> = Vec::new();
        let mut winners: Vec<usize> = Vec::new();
        while remaining > 0 {
            // Fast path: when neither child of the root has the root's quotient, the best
            // quotient is unique (heap order), so its party wins and its entry is
            // replaced in place (one sift-down instead of a pop and a push).
            let unique = heap.as_slice().split_first().map(|(top, rest)| {
                let unique = rest
                    .iter()
                    .take(2)
                    .all(|child| cmp_keys(child.key, top.key) != Ordering::Equal);
                (top.party, unique)
            });
            if let Some((party, true)) = unique {
                let quotient = Quotient {
                    votes: votes[party],
                    divisor: self.divisor(held[party]),
                };
                held[party] += 1;
                awards.push(Award {
                    seat: seats - remaining + 1,
                    party,
                    quotient,
                });
                remaining -= 1;
                if let Some(mut top) = heap.peek_mut() {
                    *top = entry(party, held[party]);
                }
                continue;
            }
            let Some(top) = heap.pop() else {
                return Err(Error::NoVotes);
            };
            group.clear();
            winners.clear();
            group.push(top);
            while let Some(next) = heap.peek() {
                if cmp_keys(next.key, top.key) != Ordering::Equal {
                    break;
                }
                if let Some(next) = heap.pop() {
                    group.push(next);
                }
            }
            if group.len() as u64 <= remaining {
                winners.extend(group.iter().map(|e| e.party));
                winners.sort_unstable();
            } else {
                let mut parties: Vec<usize> = group.iter().map(|e| e.party).collect();
                parties.sort_unstable();
                let take = usize::try_from(remaining).map_err(|_| Error::TooManySeats { seats })?;
                let broken: TieBreak =
                    break_tie(&parties, take, votes, tie, true, seats - remaining + 1)?;
                winners.extend_from_slice(&broken.winners);
                ties.push(broken);
                for e in &group {
                    if !winners.contains(&e.party) {
                        heap.push(*e);
                    }
                }
            }
            for &party in &winners {
                let quotient = Quotient {
                    votes: votes[party],
                    divisor: self.divisor(held[party]),
                };
                held[party] += 1;
                awards.push(Award {
                    seat: seats - remaining + 1,
                    party,
                    quotient,
                });
                remaining -= 1;
                heap.push(entry(party, held[party]));
            }
        }
        let first_not_elected = heap.peek().map(|e| Award {
            seat: seats + 1,
            party: e.party,
            quotient: Quotient {
                votes: votes[e.party],
                divisor: self.divisor(held[e.party]),
            },
        });
        // The last seat: the heap's last award, or (when the jump start filled the
        // house) the smallest winning quotient, found in one pass.
        let last_elected = awards.last().copied().or_else(|| {
            (0..votes.len())
                .filter(|&p| held[p] > 0)
                .map(|party| Award {
                    seat: seats,
                    party,
                    quotient: Quotient {
                        votes: votes[party],
                        divisor: self.divisor(held[party] - 1),
                    },
                })
                .min_by(|a, b| {
                    a.quotient
                        .cmp_exact(&b.quotient)
                        .then(b.party.cmp(&a.party))
                })
        });
        Ok(Allocation {
            seats: held,
            details: Details::Divisor(DivisorDetails {
                seats_before_heap: before_heap,
                awards,
                last_elected,
                first_not_elected,
            }),
            ties,
        })
    }

    /// Seats certain before any tie can matter. For a divisor sandwiched between two
    /// linear ones, `a·k + b ≤ d(k) ≤ a'·k + b'` (equal for the linear methods; `k`
    /// and `k + 1` for Huntington-Hill and Dean): with
    /// `λ = V / (a·S − P·max(a − b, 0))` at most `S` quotients exceed `λ` (counted with
    /// the lower divisor), so every quotient above `λ` wins; the seats counted with
    /// the upper divisor are such quotients, in exact integer arithmetic. The heap then
    /// hands out only the remaining seats (a few per party), which makes
    /// 10 000 seats × 1 000 parties cheap. Only used when the house is at least four
    /// seats per party.
    fn seats_before_heap(&self, votes: &[u64], seats: u64) -> Vec<u64> {
        let mut held = vec![0u64; votes.len()];
        // (lower a, lower b, upper a, upper b)
        let (a, b, upper_a, upper_b): (u128, u128, u128, u128) = match self {
            Self::DHondt => (1, 1, 1, 1),
            Self::SainteLague => (2, 1, 2, 1),
            Self::Imperiali => (1, 2, 1, 2),
            Self::Danish => (3, 1, 3, 1),
            Self::Adams => (1, 0, 1, 0),
            Self::HuntingtonHill | Self::Dean => (1, 0, 1, 1),
            Self::ModifiedSainteLague { .. } => return held,
        };
        let parties = votes.iter().filter(|&&v| v > 0).count() as u128;
        let total: u128 = votes.iter().map(|&v| u128::from(v)).sum();
        let s = u128::from(seats);
        if parties == 0 || s < 4 * parties {
            return held;
        }
        let Some(denominator) = (a * s).checked_sub(parties * a.saturating_sub(b)) else {
            return held;
        };
        if denominator == 0 {
            return held;
        }
        // λ = total / denominator; with the upper divisor, k wins when
        // total·(a'·k + b') < v·denominator
        for (h, &v) in held.iter_mut().zip(votes) {
            let scaled = u128::from(v) * denominator;
            let base = total * upper_b;
            if scaled > base {
                *h = u64::try_from((scaled - base).div_ceil(total * upper_a)).unwrap_or(0);
            }
        }
        held
    }
}

/// Orders two quotient keys `(n, d)` (`n / d`, or `n` among infinite ones when `d = 0`).
#[inline]
fn cmp_keys((an, ad): (u128, u128), (bn, bd): (u128, u128)) -> Ordering {
    match (ad == 0, bd == 0) {
        (false, false) => cmp_products(an, bd, bn, ad),
        (true, true) => an.cmp(&bn),
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
    }
}

/// One seat won, in the order seats were handed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Award {
    /// 1-based ordinal of the seat.
    pub seat: u64,
    /// The party (input index) that won it.
    pub party: usize,
    /// The quotient it won with.
    pub quotient: Quotient,
}

/// Intermediate values of a divisor allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivisorDetails {
    /// Seats per party given before the heap (large houses with a linear divisor):
    /// all of them have quotients above every quotient in `awards`. Zeros otherwise.
    pub seats_before_heap: Vec<u64>,
    /// The seats handed out by the heap, in order, with the winning quotient (every
    /// seat when `seats_before_heap` is all zeros).
    pub awards: Vec<Award>,
    /// The last seat (its quotient is the method's "last divisor" figure).
    pub last_elected: Option<Award>,
    /// The best quotient that did not get a seat (`seat` = seats + 1), if any.
    pub first_not_elected: Option<Award>,
}

impl DivisorDetails {
    /// The last seat awarded.
    pub fn last_elected(&self) -> Option<&Award> {
        self.last_elected.as_ref()
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    key: (u128, u128),
    party: usize,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_keys(self.key, other.key).then_with(|| other.party.cmp(&self.party))
    }
}
