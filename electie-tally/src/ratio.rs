//! Exact non-negative rationals and the wide multiplication that compares them.
//!
//! Every seat and threshold decision in this crate is a comparison of two fractions
//! `a/b` and `c/d`, made as `a*d` against `c*b` on 256-bit products, so no input that
//! fits the types can overflow or round.

use std::cmp::Ordering;
use std::fmt;

use crate::error::{Error, Result};

/// A non-negative rational number `num / den` with `den > 0`, compared exactly.
#[derive(Debug, Clone, Copy)]
pub struct Ratio {
    num: u128,
    den: u128,
}

impl Ratio {
    /// `num / den`; fails with [`Error::ZeroDenominator`] when `den` is zero.
    ///
    /// ```
    /// use electie_tally::Ratio;
    /// let q = Ratio::new(2_061_100, 151)?;
    /// assert_eq!(q.round_half_up(), 13_650);
    /// # Ok::<(), electie_tally::Error>(())
    /// ```
    pub fn new(num: u128, den: u128) -> Result<Self> {
        if den == 0 {
            return Err(Error::ZeroDenominator);
        }
        Ok(Self { num, den })
    }

    /// The integer `n` as a ratio.
    pub const fn integer(n: u128) -> Self {
        Self { num: n, den: 1 }
    }

    /// Numerator as given (not reduced).
    pub const fn numerator(&self) -> u128 {
        self.num
    }

    /// Denominator as given (not reduced), never zero.
    pub const fn denominator(&self) -> u128 {
        self.den
    }

    /// Largest integer not above the value.
    pub const fn floor(&self) -> u128 {
        self.num / self.den
    }

    /// Smallest integer not below the value.
    pub const fn ceil(&self) -> u128 {
        self.num.div_ceil(self.den)
    }

    /// Nearest integer, halves rounded up (the Slovak RVČ rule).
    pub fn round_half_up(&self) -> u128 {
        let floor = self.num / self.den;
        let rest = self.num % self.den;
        // rest/den >= 1/2  <=>  2*rest >= den; rest < den so 2*rest cannot overflow u128
        // unless den is huge: compare rest >= den - rest instead.
        if rest >= self.den - rest {
            floor + 1
        } else {
            floor
        }
    }

    /// `true` when the value is an integer.
    pub const fn is_integer(&self) -> bool {
        self.num.is_multiple_of(self.den)
    }

    /// The value as a float, for display only (never used to decide anything).
    #[allow(clippy::cast_precision_loss)]
    pub fn to_f64(&self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// Parses a non-negative decimal such as `5`, `6.96` or `0.5` exactly.
    ///
    /// ```
    /// use electie_tally::Ratio;
    /// let seven = Ratio::parse_decimal("7")?;
    /// assert!(Ratio::parse_decimal("6.96")? < seven);
    /// # Ok::<(), electie_tally::Error>(())
    /// ```
    pub fn parse_decimal(text: &str) -> Result<Self> {
        let bad = || Error::InvalidDecimal {
            text: text.to_owned(),
        };
        let trimmed = text.trim();
        let (int_part, frac_part) = match trimmed.split_once('.') {
            Some((i, f)) => (i, f),
            None => (trimmed, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(bad());
        }
        if !int_part.bytes().all(|b| b.is_ascii_digit())
            || !frac_part.bytes().all(|b| b.is_ascii_digit())
            || frac_part.len() > 18
            || int_part.len() > 18
        {
            return Err(bad());
        }
        let int_value: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| bad())?
        };
        let frac_value: u128 = if frac_part.is_empty() {
            0
        } else {
            frac_part.parse().map_err(|_| bad())?
        };
        let den = 10u128.pow(u32::try_from(frac_part.len()).map_err(|_| bad())?);
        Ok(Self {
            num: int_value * den + frac_value,
            den,
        })
    }
}

impl PartialEq for Ratio {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ratio {}

impl PartialOrd for Ratio {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ratio {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_products(self.num, other.den, other.num, self.den)
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_integer() {
            write!(f, "{}", self.floor())
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

/// The full 256-bit product of two `u128`, as `(high, low)`.
pub(crate) const fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    const MASK: u128 = u64::MAX as u128;
    let (a1, a0) = (a >> 64, a & MASK);
    let (b1, b0) = (b >> 64, b & MASK);
    let low_low = a0 * b0;
    let mid_a = a0 * b1;
    let mid_b = a1 * b0;
    let high_high = a1 * b1;
    let mid = (low_low >> 64) + (mid_a & MASK) + (mid_b & MASK);
    let low = (low_low & MASK) | (mid << 64);
    let high = high_high + (mid_a >> 64) + (mid_b >> 64) + (mid >> 64);
    (high, low)
}

/// Compares `a*b` with `c*d` exactly.
#[inline]
pub(crate) fn cmp_products(a: u128, b: u128, c: u128, d: u128) -> Ordering {
    if (a | b | c | d) >> 64 == 0 {
        // the common case (votes and small divisors): one 64×64→128 multiplication each
        let wide = |x: u128, y: u128| u128::from(x as u64) * u128::from(y as u64);
        return wide(a, b).cmp(&wide(c, d));
    }
    mul_wide(a, b).cmp(&mul_wide(c, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_multiplication_is_exact() {
        let (hi, lo) = mul_wide(u128::MAX, u128::MAX);
        assert_eq!(hi, u128::MAX - 1);
        assert_eq!(lo, 1);
        assert_eq!(mul_wide(1 << 64, 1 << 64), (1, 0));
        assert_eq!(mul_wide(12345, 6789), (0, 12345 * 6789));
    }

    #[test]
    fn rounding() {
        assert_eq!(Ratio::new(2_061_100, 151).unwrap().round_half_up(), 13_650);
        assert_eq!(Ratio::new(5, 2).unwrap().round_half_up(), 3);
        assert_eq!(Ratio::new(7, 3).unwrap().round_half_up(), 2);
        assert_eq!(Ratio::new(7, 3).unwrap().ceil(), 3);
        assert_eq!(Ratio::new(u128::MAX, u128::MAX).unwrap().round_half_up(), 1);
    }

    #[test]
    fn decimals() {
        assert_eq!(
            Ratio::parse_decimal("6.96").unwrap(),
            Ratio::new(696, 100).unwrap()
        );
        assert_eq!(
            Ratio::parse_decimal(".5").unwrap(),
            Ratio::new(1, 2).unwrap()
        );
        assert!(Ratio::parse_decimal("-1").is_err());
        assert!(Ratio::parse_decimal("").is_err());
        assert!(Ratio::parse_decimal("1e3").is_err());
        assert!(Ratio::parse_decimal(".").is_err());
    }
}
